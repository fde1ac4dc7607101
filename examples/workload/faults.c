/* SPDX-License-Identifier: MIT */
/*
 * Fault mode: vCPU 0 issues garbage hypercalls (unknown function IDs, bad
 * targets, out-of-range and over-wide 64-bit arguments) and checks each
 * status word against the spec, then proves the controller still works by
 * taking a self-IPI through the normal path. The result is the exit code:
 * DEMO_EXIT_OK, or DEMO_EXIT_FAULTS_FAILED + the number of failed checks.
 */
#include <pvirq/shared_state.h>

#include "workload.h"

#define RVIC(n) (PVIRQ_ABI_RVIC_BASE + (n))
#define RVID(n) (PVIRQ_ABI_RVID_BASE + (n))
#define ST(reason, index) PVIRQ_ABI_STATUS(PVIRQ_ABI_##reason, index)
#define NOT_SUPPORTED PVIRQ_ABI_STATUS_NOT_SUPPORTED
#define HUGE (1ull << 40)

struct fault_case {
	const char *what;
	uint32_t fn;
	uint64_t a0, a1, a2;
	int64_t status;
};

/* Targets are CPU ids (x86 APIC ids, arm64 MPIDR affinity): the demos
 * number their vCPUs 0..nr_vcpus-1 with at most 4, so 0 and 1 exist and
 * 5, 7 and anything wider do not. */
static const struct fault_case cases[] = {
	{"unknown rVIC function", RVIC(0x40), 0, 0, 0, NOT_SUPPORTED},
	{"unknown rVIC function 0xff", RVIC(0xFF), 0, 0, 0, NOT_SUPPORTED},
	{"unknown rVID function", RVID(9), 0, 0, 0, NOT_SUPPORTED},
	{"INFO bad key", RVIC(1), 99, 0, 0, ST(ERROR_PARAMETER, 0)},
	{"INFO huge key", RVIC(1), HUGE, 0, 0, ST(ERROR_PARAMETER, 0)},
	{"SIGNAL bad target", RVIC(7), 7, DEMO_INTID_IPI, 0, ST(INVALID_CPU, 0)},
	{"SIGNAL target 2^32 (no truncation to 0)", RVIC(7), 1ull << 32, DEMO_INTID_IPI, 0,
	 ST(INVALID_CPU, 0)},
	{"SIGNAL target ~0", RVIC(7), ~0ull, DEMO_INTID_IPI, 0, ST(INVALID_CPU, 0)},
	{"SIGNAL intid out of range", RVIC(7), 0, 64, 0, ST(ERROR_PARAMETER, 1)},
	{"SIGNAL intid 2^32+1 (no truncation)", RVIC(7), 0, (1ull << 32) + 1, 0,
	 ST(ERROR_PARAMETER, 1)},
	{"SET_MASKED huge intid", RVIC(4), 1, HUGE, 0, ST(ERROR_PARAMETER, 1)},
	{"CLEAR_MASKED bad target", RVIC(5), 99, 0, 0, ST(INVALID_CPU, 0)},
	{"IS_PENDING huge intid", RVIC(6), 0, ~0ull, 0, ST(ERROR_PARAMETER, 1)},
	{"CLEAR_PENDING bad target", RVIC(8), HUGE, 0, 0, ST(INVALID_CPU, 0)},
	{"RESAMPLE untrusted intid", RVIC(10), DEMO_NR_TRUSTED + 1, 0, 0, ST(ERROR_PARAMETER, 0)},
	{"RESAMPLE huge intid", RVIC(10), HUGE, 0, 0, ST(ERROR_PARAMETER, 0)},
	{"ACKNOWLEDGE nothing pending", RVIC(9), 0, 0, 0, ST(NO_INTERRUPTS, 0)},
	{"RVID_MAP input out of range", RVID(1), 64, 0, DEMO_NR_TRUSTED, ST(ERROR_PARAMETER, 0)},
	{"RVID_MAP input 2^32 (no truncation)", RVID(1), 1ull << 32, 0, DEMO_NR_TRUSTED,
	 ST(ERROR_PARAMETER, 0)},
	{"RVID_MAP bad target", RVID(1), 0, 5, DEMO_NR_TRUSTED, ST(INVALID_CPU, 1)},
	{"RVID_MAP trusted intid", RVID(1), 0, 0, DEMO_INTID_IPI, ST(ERROR_PARAMETER, 2)},
	{"RVID_MAP huge intid", RVID(1), 0, 0, HUGE, ST(ERROR_PARAMETER, 2)},
	{"RVID_UNMAP huge input", RVID(2), ~0ull, 0, 0, ST(ERROR_PARAMETER, 0)},
	{"not a libpvirq function (host answers)", 0x4B564D00u, 1, 2, 3, NOT_SUPPORTED},
	{"VERSION with junk arguments", RVIC(0), ~0ull, ~0ull, ~0ull, ST(SUCCESS, 0)},
};

/* A page of guest RAM, for SHARE_STATE's argument checks. */
static uint64_t spare_page[PVIRQ_SHARED_STATE_SIZE / sizeof(uint64_t)]
	__attribute__((aligned(PVIRQ_SHARED_STATE_SIZE)));

static int64_t call_status(uint32_t fn, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return pvirq_guest_call_native(CONDUIT, fn, a0, a1, a2).status;
}

uint32_t abi04_fault_checks(uint64_t outside_ram)
{
	struct pvirq_guest_ret features = pvirq_guest_rvic_info(CONDUIT, PVIRQ_ABI_INFO_FEATURES);
	uint32_t failed = 0;

	failed += fault_check("INFO(FEATURES) is 0.4's, without NMI",
			      features.status == PVIRQ_ABI_SUCCESS ? (int64_t)features.value : -1,
			      (int64_t)PVIRQ_ABI_FEATURES);
	failed += fault_check("SET_PRIORITY class 3 (NMI) without an NMI line",
			      call_status(RVIC(14), 0, DEMO_INTID_TIMER, PVIRQ_PRIORITY_NMI),
			      ST(ERROR_PARAMETER, 2));
	failed += fault_check("SET_PRIORITY class 4", call_status(RVIC(14), 0, DEMO_INTID_TIMER, 4),
			      ST(ERROR_PARAMETER, 2));
	failed += fault_check("SET_PRIORITY_MASK floor 4", call_status(RVIC(15), 4, 0, 0),
			      ST(ERROR_PARAMETER, 0));
	failed += fault_check("ACKNOWLEDGE_NMI, no NMI class INTID", call_status(RVIC(16), 0, 0, 0),
			      ST(NO_INTERRUPTS, 0));
	failed += fault_check("SHARE_STATE while enabled",
			      call_status(RVIC(12), (uintptr_t)spare_page, 0, 0), ST(ENABLED, 0));
	/* The rest of SHARE_STATE's checks need the instance disabled; it
	 * is enabled again below, before the self-IPI of faults_run(). */
	failed += fault_check("DISABLE", call_status(RVIC(3), 0, 0, 0), ST(SUCCESS, 0));
	failed += fault_check("SHARE_STATE of a page outside guest RAM",
			      call_status(RVIC(12), outside_ram, 0, 0), ST(ERROR_PARAMETER, 0));
	failed += fault_check("SHARE_STATE of an unaligned address",
			      call_status(RVIC(12), (uintptr_t)spare_page + 8, 0, 0),
			      ST(ERROR_PARAMETER, 0));
	failed += fault_check("SHARE_STATE of a guest page",
			      call_status(RVIC(12), (uintptr_t)spare_page, 0, 0), ST(SUCCESS, 0));
	/* The host copied the instance's words in: the IPI is unmasked
	 * (cpu_up), INTID 3 is masked (RESET, no handler). seq_cst: the
	 * page is the host's too. */
	failed += fault_check(
		"the page holds the state words",
		(int64_t)(__atomic_load_n(&spare_page[0], __ATOMIC_SEQ_CST) &
			  (PVIRQ_SHARED_MASKED(DEMO_INTID_IPI) | PVIRQ_SHARED_MASKED(3))),
		(int64_t)PVIRQ_SHARED_MASKED(3));
	failed += fault_check("UNSHARE_STATE", call_status(RVIC(13), 0, 0, 0), ST(SUCCESS, 0));
	failed += fault_check("ENABLE again", call_status(RVIC(2), 0, 0, 0), ST(SUCCESS, 0));
	failed += fault_check("RVID_RESAMPLE of an input out of range",
			      call_status(RVID(3), DEMO_NR_UNTRUSTED * 2, 0, 0),
			      ST(ERROR_PARAMETER, 0));
	failed += fault_check("RVID_RESAMPLE of an unmapped edge input",
			      call_status(RVID(3), DEMO_NR_UNTRUSTED - 1, 0, 0), ST(SUCCESS, 0));
	return failed;
}

uint32_t fault_check(const char *what, int64_t got, int64_t want)
{
	if (got == want)
		return 0;
	console_puts("FAIL ");
	console_puts(what);
	console_puts(": status ");
	console_hex((uint64_t)got);
	console_puts(" expected ");
	console_hex((uint64_t)want);
	console_puts("\n");
	return 1;
}

void faults_run(uint32_t self)
{
	uint32_t failed = 0, port_checks = 0, total;
	uint64_t before, deadline;

	/* The normal bring-up (ENABLE, IPI unmasked): the self-IPI below
	 * arrives through ctl_pvirq's entry path. */
	if (!ctl_pvirq.setup_cpu(self))
		guest_exit(DEMO_EXIT_SETUP);
	__atomic_add_fetch(&SHARED->booted, 1, __ATOMIC_SEQ_CST);
	if (self != 0) {
		/* Stay alive (interrupts on) until vCPU 0 is done, so the
		 * valid targets above name a running vCPU. */
		irq_enable();
		while (!load32(&SHARED->ready))
			cpu_relax();
		irq_disable();
		guest_exit(DEMO_EXIT_OK);
	}
	while (load32(&SHARED->booted) < SHARED->nr_vcpus)
		cpu_relax();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fault_case *c = &cases[i];

		failed += fault_check(
			c->what,
			pvirq_guest_call_native(CONDUIT, c->fn, c->a0, c->a1, c->a2).status,
			c->status);
	}

	/* The conduit's own corner cases (wide function IDs and the like). */
	failed += platform_fault_checks(self, &port_checks);

	/* Still alive and correct: a self-IPI arrives through the upcall. */
	before = load64(&SHARED->vcpu[self].handled[DEMO_SRC_IPI]);
	failed += fault_check("SIGNAL self",
			      pvirq_guest_rvic_signal(CONDUIT, self, DEMO_INTID_IPI).status,
			      PVIRQ_ABI_SUCCESS);
	irq_enable();
	deadline = platform_now() + SHARED->tsc_khz * 1000; /* one second */
	while (load64(&SHARED->vcpu[self].handled[DEMO_SRC_IPI]) == before &&
	       platform_now() < deadline)
		cpu_relax();
	irq_disable();
	failed += fault_check("self-IPI delivered",
			      (int64_t)load64(&SHARED->vcpu[self].handled[DEMO_SRC_IPI]),
			      (int64_t)before + 1);

	total = (uint32_t)(sizeof(cases) / sizeof(cases[0])) + port_checks + 2;
	console_puts(failed ? "fault checks FAILED: " : "fault checks passed: ");
	console_dec(total - failed);
	console_puts("/");
	console_dec(total);
	console_puts("\n");
	store32(&SHARED->ready, 1);
	guest_exit(failed ? DEMO_EXIT_FAULTS_FAILED + failed : DEMO_EXIT_OK);
}
