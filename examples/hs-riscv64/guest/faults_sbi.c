/* SPDX-License-Identifier: MIT */
/*
 * The fault mode's riscv64 checks: what the shared fault cases cannot say
 * through guest.h. Wide EIDs and FIDs must not alias libpvirq's calls;
 * errors carry the SBI code in a0 and libpvirq's status word in a1
 * (docs/spec/pvirq-abi.md, riscv64 binding); the hypervisor's own SBI
 * answers garbage as the SBI specification says.
 */
#include "workload.h"

#include "sbi_call.h"

#define RVIC_EID PVIRQ_RISCV_EID_RVIC
#define ERR_FAILED (-1)
#define ERR_NOT_SUPPORTED (-2)
#define ERR_INVALID_PARAM (-3)
#define ERR_ALREADY_AVAILABLE (-6)

extern uint32_t sbi_ipis_taken;

struct sbi_case {
	const char *what;
	uint64_t eid, fid, a0, a1, a2;
	int64_t error;
};

static const struct sbi_case cases[] = {
	{"rVIC EID with bits 63:32 set is not ours", RVIC_EID | 1ull << 32, 0, 0, 0, 0,
	 ERR_NOT_SUPPORTED},
	{"rVIC FID 2^32+7 is not SIGNAL", RVIC_EID, (1ull << 32) | 7, 0, DEMO_INTID_IPI, 0,
	 ERR_NOT_SUPPORTED},
	{"rVIC SIGNAL bad target: SBI error", RVIC_EID, 7, 7, DEMO_INTID_IPI, 0, ERR_INVALID_PARAM},
	{"rVIC ACKNOWLEDGE nothing pending", RVIC_EID, 9, 0, 0, 0, ERR_FAILED},
	{"unknown SBI extension", 0x0BADBAD0, 0, 0, 0, 0, ERR_NOT_SUPPORTED},
	{"base: unknown FID", SBI_EID_BASE, 99, 0, 0, 0, ERR_NOT_SUPPORTED},
	{"TIME: unknown FID", SBI_EID_TIME, 1, 0, 0, 0, ERR_NOT_SUPPORTED},
	{"HSM hart_start: no such hart", SBI_EID_HSM, 0, 99, HS_GUEST_GPA_BASE, 0,
	 ERR_INVALID_PARAM},
	{"HSM hart_start: hart id 2^32 (no truncation to 0)", SBI_EID_HSM, 0, 1ull << 32,
	 HS_GUEST_GPA_BASE, 0, ERR_INVALID_PARAM},
	{"HSM hart_start: already started", SBI_EID_HSM, 0, 0, HS_GUEST_GPA_BASE, 0,
	 ERR_ALREADY_AVAILABLE},
	{"HSM get_status: no such hart", SBI_EID_HSM, 2, ~0ull, 0, 0, ERR_INVALID_PARAM},
	{"IPI: hart 63 does not exist", SBI_EID_IPI, 0, 1ull << 63, 0, 0, ERR_INVALID_PARAM},
	{"IPI: mask base past the harts", SBI_EID_IPI, 0, 1, 1ull << 40, 0, ERR_INVALID_PARAM},
	{"DBCN write: address outside guest RAM", SBI_EID_DBCN, 0, 4, 0x1000, 0, ERR_INVALID_PARAM},
	{"DBCN write: address above 4 GiB (base_hi)", SBI_EID_DBCN, 0, 4, HS_GUEST_GPA_BASE, 1,
	 ERR_INVALID_PARAM},
	{"DBCN write: range wraps around", SBI_EID_DBCN, 0, 64, ~0ull - 8, 0, ERR_INVALID_PARAM},
	{"SRST: reserved type", SBI_EID_SRST, 0, 5, 0, 0, ERR_INVALID_PARAM},
	{"SRST: cold reboot not offered", SBI_EID_SRST, 0, 1, 0, 0, ERR_NOT_SUPPORTED},
	{"SRST: reserved reason", SBI_EID_SRST, 0, 0, 7, 0, ERR_INVALID_PARAM},
	{"demo extension: unknown FID", HS_SBI_EID_DEMO, 77, 0, 0, 0, ERR_NOT_SUPPORTED},
};

static uint32_t check_value(const char *what, uint64_t got, uint64_t want)
{
	return fault_check(what, (int64_t)got, (int64_t)want);
}

uint32_t platform_fault_checks(uint32_t self, uint32_t *nr_checks)
{
	uint32_t failed = 0, n = 0;
	struct sbiret r;
	uint64_t before;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++, n++) {
		const struct sbi_case *c = &cases[i];

		r = sbi_ecall(c->eid, c->fid, c->a0, c->a1, c->a2);
		failed += fault_check(c->what, r.error, c->error);
	}

	/* A failed libpvirq call keeps its full status word in a1. */
	r = sbi_ecall(RVIC_EID, 7, 7, DEMO_INTID_IPI, 0);
	failed += check_value("rVIC SIGNAL bad target: a1 = INVALID_CPU, index 0", r.value,
			      PVIRQ_ABI_STATUS(PVIRQ_ABI_INVALID_CPU, 0));
	r = sbi_ecall(RVIC_EID, 4, self, 1ull << 40, 0);
	failed += check_value("rVIC SET_MASKED huge intid: a1 = ERROR_PARAMETER, index 1", r.value,
			      PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 1));
	failed += check_value("the wide FID did not signal",
			      pvirq_guest_rvic_is_pending(CONDUIT, self, DEMO_INTID_IPI).value, 0);
	n += 3;

	/* The base extension knows libpvirq's extensions and not garbage. */
	failed += check_value("probe rVIC", sbi_ecall(SBI_EID_BASE, 3, RVIC_EID, 0, 0).value, 1);
	failed += check_value("probe rVID",
			      sbi_ecall(SBI_EID_BASE, 3, PVIRQ_RISCV_EID_RVID, 0, 0).value, 1);
	failed +=
		check_value("probe garbage", sbi_ecall(SBI_EID_BASE, 3, 0x0BADBAD0, 0, 0).value, 0);
	failed += check_value("HSM: this hart is STARTED",
			      sbi_ecall(SBI_EID_HSM, 2, self, 0, 0).value, 0);
	n += 4;

	/* A valid SBI IPI to every hart (mask base -1) arrives on each, as
	 * VSSIP: ours directly, the others through the hypervisor's kick.
	 * The other vCPUs wait for ready with interrupts on. */
	/* relaxed: the count is all we compare; the IPI carries no data. */
	before = __atomic_load_n(&sbi_ipis_taken, __ATOMIC_RELAXED);
	failed += fault_check("SBI IPI to every hart", sbi_ecall(SBI_EID_IPI, 0, 0, ~0ull, 0).error,
			      0);
	irq_enable();
	for (uint64_t end = platform_now() + SHARED->tsc_khz * 1000;
	     __atomic_load_n(&sbi_ipis_taken, __ATOMIC_RELAXED) < before + SHARED->nr_vcpus &&
	     platform_now() < end;)
		cpu_relax();
	irq_disable();
	failed += check_value("SBI IPI delivered to every hart",
			      __atomic_load_n(&sbi_ipis_taken, __ATOMIC_RELAXED),
			      before + SHARED->nr_vcpus);
	n += 2;

	/* ABI 0.4: the NMI class refused (riscv has no NMI line), the shared
	 * page's checks (0x90000000: past the guest's 16 MiB of RAM). */
	failed += abi04_fault_checks(HS_GUEST_GPA_BASE + 0x10000000ull);
	n += ABI04_FAULT_CHECKS;
	*nr_checks = n;
	return failed;
}
