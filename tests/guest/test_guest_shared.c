/* SPDX-License-Identifier: MIT */
/*
 * The guest driver core's ABI 0.4 paths against the real host library,
 * through each architecture's decoder: the shared-state page (acknowledge
 * and end of interrupt without traps, the re-evaluate rule), level rVID
 * inputs (end of interrupt re-pends while the line is high), priority
 * classes (order, round robin, floor) and the NMI entry.
 *
 * Two models of how a hypervisor delivers the line, because the guest's
 * fast path is right only for its own:
 * - x86 (PVIRQ_GUEST_SHARED_ACK_IN_MEMORY): the VMM's notify() does
 *   "if (pvirq_vcpu_rearm()) send the upcall", a one-shot event; the guest
 *   runs its entry once per upcall (enter_x86()). Nothing else ever makes
 *   it look again, so an INTID the guest leaves deliverable without telling
 *   the hypervisor is stranded, and the tests see that.
 * - arm64/riscv64 (acknowledge by call): the line is a level the
 *   hypervisor recomputes at each entry (enter_level()).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <pvirq/guest/driver.h>
#include <pvirq/hosted.h>

#include "../support/intid_state.h"
#include "host_trap.h"

#define T 32u
#define U 64u
#define N 8u
#define NR_CPUS 2u
#define IPI 1u
#define NMI_IPI 2u /* an "NMI backtrace" IPI in the NMI class */
#define DEV (T + 5u)
#define DEV_INPUT 0u
#define DEV2 (T + 6u)
#define DEV2_INPUT 1u
#define LEVEL_DEV (T + 8u)
#define LEVEL_INPUT 5u
#define X86_CONFIG PVIRQ_GUEST_SHARED_ACK_IN_MEMORY
#define LEVEL_CONFIG 0u
#define ENTRIES_MAX 100u

static const enum host_binding bindings[] = {HOST_X86, HOST_ARM64, HOST_RISCV};

static struct {
	struct pvirq_vm *vm;
	struct host_pages pages;
	struct host_trap host[NR_CPUS];
	struct pvirq_guest_trap trap[NR_CPUS];
	struct pvirq_guest_cpu cpu[NR_CPUS];
	struct pvirq_guest_driver drv;
	struct pvirq_guest_irq table[T + U];
	uint32_t upcalls[NR_CPUS]; /* x86 model: upcalls sent and not yet taken */
	uint32_t notifies[NR_CPUS];
	uint32_t resamples[N];
	uint32_t handled[T + U];
	uint32_t order[64], nr_order;
	uint32_t input_of[T + U];     /* rVID input routed to an untrusted INTID */
	uint32_t reraise[T + U];      /* the handler raises its source again this often */
	uint32_t level_work;	      /* the level device's work items */
	bool handler_lowers_priority; /* DEV's handler lowers the floor to 0 */
} fx;

/* The x86 VMM's notify: re-arm, and send the one-shot upcall if the line
 * is high (examples/kvm-x86 does the same with KVM_SIGNAL_MSI). */
static void notify(void *ctx, uint32_t vcpu)
{
	(void)ctx;
	fx.notifies[vcpu]++;
	if (pvirq_vcpu_rearm(fx.vm, vcpu))
		fx.upcalls[vcpu]++;
}

static void resample(void *ctx, uint32_t input)
{
	(void)ctx;
	/* Counted only: the line stays as the device left it, so a re-pend
	 * can only come from RVID_RESAMPLE itself. */
	fx.resamples[input]++;
}

static void record(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	struct host_trap *host = cpu->trap.ctx;

	(void)ctx;
	fx.handled[intid]++;
	if (fx.nr_order < 64)
		fx.order[fx.nr_order++] = intid;
	if (fx.reraise[intid]) {
		/* A new edge while the INTID is acknowledged (masked): it
		 * latches pending, and the hypervisor raises nothing for it. */
		fx.reraise[intid]--;
		if (intid >= T)
			assert_int_equal(pvirq_rvid_inject(fx.vm, fx.input_of[intid]), PVIRQ_OK);
		else
			assert_int_equal(pvirq_rvic_signal(fx.vm, host->vcpu, intid), PVIRQ_OK);
	}
}

/* A level device (PCI INTx style): its line stays high while it has work;
 * each interrupt services one item, and the last one lowers the line. */
static void level_device(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	(void)ctx, (void)cpu;
	fx.handled[intid]++;
	assert_true(fx.level_work > 0);
	if (--fx.level_work == 0)
		assert_int_equal(pvirq_rvid_set_level(fx.vm, LEVEL_INPUT, false), PVIRQ_OK);
}

static void fixture_up(enum host_binding binding, bool nmi_line)
{
	struct pvirq_config cfg = {
		.nr_vcpus = NR_CPUS,
		.nr_trusted = T,
		.nr_untrusted = U,
		.nr_rvid_inputs = N,
		.notify = notify,
		.guest_page = host_pages_translate,
		.guest_page_ctx = &fx.pages,
		.resample = resample,
		.nmi_line = nmi_line,
	};
	const uint64_t needed = PVIRQ_ABI_FEATURE_SHARED_STATE | PVIRQ_ABI_FEATURE_LEVEL_INPUTS |
				PVIRQ_ABI_FEATURE_PRIORITY;

	memset(&fx, 0, sizeof(fx));
	cfg.guest_page_ctx = &fx.pages;
	assert_int_equal(pvirq_vm_create(&cfg, &fx.vm), PVIRQ_OK);
	for (uint32_t c = 0; c < NR_CPUS; c++)
		host_trap_init(&fx.host[c], &fx.trap[c], fx.vm, c, binding);
	assert_int_equal(pvirq_guest_probe(&fx.drv, &fx.trap[0], fx.table, T + U, needed), 0);
	assert_int_equal(!!(fx.drv.features & PVIRQ_ABI_FEATURE_NMI), nmi_line);
	assert_int_equal(
		pvirq_guest_set_handler(&fx.drv, IPI, record, NULL, PVIRQ_GUEST_IRQ_PERCPU), 0);
	assert_int_equal(
		pvirq_guest_set_handler(&fx.drv, NMI_IPI, record, NULL, PVIRQ_GUEST_IRQ_PERCPU), 0);
	for (uint32_t i = T; i < T + U; i++)
		assert_int_equal(pvirq_guest_set_handler(&fx.drv, i, record, NULL, 0), 0);
	assert_int_equal(pvirq_guest_set_handler(&fx.drv, LEVEL_DEV, level_device, NULL,
						 PVIRQ_GUEST_IRQ_LEVEL),
			 0);
	for (uint32_t c = 0; c < NR_CPUS; c++)
		pvirq_guest_cpu_init(&fx.cpu[c], &fx.drv, &fx.trap[c], c);
}

static void fixture_down(void)
{
	pvirq_vm_destroy(fx.vm);
	fx.vm = NULL;
}

/* CPU @p c up with its page shared (or without one: @p flags ~0u). */
static void cpu_up(uint32_t c, uint32_t flags)
{
	uint64_t gpa = 0;

	if (flags != ~0u)
		assert_int_equal(pvirq_guest_cpu_set_shared(&fx.cpu[c], fx.pages.words[c],
							    host_pages_gpa(c), flags),
				 0);
	assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[c]), 0);
	if (flags == ~0u) {
		assert_int_equal(pvirq_rvic_shared_state(fx.vm, c, &gpa), PVIRQ_EUNMAPPED);
		return;
	}
	assert_int_equal(fx.cpu[c].page_shared, 1);
	assert_int_equal(pvirq_rvic_shared_state(fx.vm, c, &gpa), PVIRQ_OK);
	assert_int_equal(gpa, host_pages_gpa(c));
}

static void route(uint32_t intid, uint32_t input, uint32_t c)
{
	fx.input_of[intid] = input;
	assert_int_equal(pvirq_guest_route(&fx.cpu[0], intid, input, c), 0);
}

/* The x86 guest: one entry per upcall, nothing else. */
static void enter_x86(uint32_t c, uint32_t max_handled)
{
	for (uint32_t k = 0; fx.upcalls[c] && k < ENTRIES_MAX; k++) {
		fx.upcalls[c]--;
		pvirq_guest_handle_irq(&fx.cpu[c], max_handled);
	}
}

/* The arm64/riscv64 guest: entered while the line the hypervisor
 * recomputes at entry is high. */
static void enter_level(uint32_t c, uint32_t max_handled)
{
	fx.upcalls[c] = 0;
	for (uint32_t k = 0; pvirq_vcpu_rearm(fx.vm, c) && k < ENTRIES_MAX; k++)
		pvirq_guest_handle_irq(&fx.cpu[c], max_handled);
}

static void enter(uint32_t c, uint32_t flags, uint32_t max_handled)
{
	if (flags & PVIRQ_GUEST_SHARED_ACK_IN_MEMORY)
		enter_x86(c, max_handled);
	else
		enter_level(c, max_handled);
}

static uint64_t calls(uint32_t c, uint32_t part, uint32_t fn)
{
	return fx.host[c].calls_by_fn[part][fn];
}

static bool nothing_deliverable(uint32_t c)
{
	for (uint32_t i = 0; i < T + U; i++)
		if (intid_pending(fx.vm, c, i) && !intid_masked(fx.vm, c, i))
			return false;
	return true;
}

/* ---- The fast path: traps per interrupt. ---- */

static void x86_config_takes_an_edge_without_a_trap(void **state)
{
	(void)state;
	for (size_t b = 0; b < 3; b++) {
		fixture_up(bindings[b], false);
		cpu_up(0, X86_CONFIG);
		cpu_up(1, X86_CONFIG);
		route(DEV, DEV_INPUT, 0);
		for (uint32_t k = 0; k < 100; k++) {
			uint64_t before = fx.host[0].calls;

			assert_int_equal(pvirq_rvid_inject(fx.vm, DEV_INPUT), PVIRQ_OK);
			assert_int_equal(fx.upcalls[0], 1);
			enter_x86(0, 0);
			/* Acknowledge, end of interrupt, and the empty round
			 * that ends the loop: all in memory. */
			assert_int_equal(fx.host[0].calls - before, 0);
			assert_int_equal(fx.handled[DEV], k + 1);
			assert_false(intid_pending(fx.vm, 0, DEV));
			assert_false(intid_masked(fx.vm, 0, DEV));
		}
		assert_int_equal(fx.cpu[0].mem_acks, 100);
		assert_int_equal(fx.cpu[0].mem_eois, 100);
		assert_int_equal(fx.cpu[0].reevaluated, 0);
		/* An IPI costs its sender one SIGNAL and the receiver nothing. */
		uint64_t before = fx.host[0].calls;
		assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[1], 0, IPI), 0);
		enter_x86(0, 0);
		assert_int_equal(fx.handled[IPI], 1);
		assert_int_equal(fx.host[0].calls, before);
		assert_int_equal(fx.host[1].calls_by_fn[0][PVIRQ_FN_RVIC_SIGNAL], 1);
		fixture_down();
	}
}

static void level_config_acknowledges_by_call_and_ends_in_memory(void **state)
{
	(void)state;
	for (size_t b = 0; b < 3; b++) {
		fixture_up(bindings[b], false);
		cpu_up(0, LEVEL_CONFIG);
		route(DEV, DEV_INPUT, 0);
		const uint64_t unmasks = calls(0, 0, PVIRQ_FN_RVIC_CLEAR_MASKED);
		for (uint32_t max = 0; max < 2; max++) {
			uint64_t before = fx.host[0].calls;
			uint64_t acks = calls(0, 0, PVIRQ_FN_RVIC_ACKNOWLEDGE);

			assert_int_equal(pvirq_rvid_inject(fx.vm, DEV_INPUT), PVIRQ_OK);
			assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[0], max), 1);
			/* One ACKNOWLEDGE (plus the closing empty one when
			 * draining); the end of interrupt is not a call. */
			assert_int_equal(fx.host[0].calls - before, max == 1 ? 1 : 2);
			assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_ACKNOWLEDGE) - acks,
					 max == 1 ? 1 : 2);
			assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_CLEAR_MASKED), unmasks);
			assert_false(intid_masked(fx.vm, 0, DEV));
		}
		assert_int_equal(fx.cpu[0].mem_acks, 0);
		assert_int_equal(fx.cpu[0].mem_eois, 2);
		fixture_down();
	}
}

static void without_a_page_every_step_is_a_call(void **state)
{
	(void)state;
	fixture_up(HOST_X86, false);
	cpu_up(0, ~0u);
	route(DEV, DEV_INPUT, 0);
	uint64_t before = fx.host[0].calls;
	assert_int_equal(pvirq_rvid_inject(fx.vm, DEV_INPUT), PVIRQ_OK);
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[0], 0), 1);
	/* ACKNOWLEDGE, CLEAR_MASKED, the closing ACKNOWLEDGE: the baseline
	 * the page removes. */
	assert_int_equal(fx.host[0].calls - before, 3);
	assert_int_equal(fx.cpu[0].mem_eois, 0);
	fixture_down();
}

/* ---- The re-evaluate rule. ---- */

/* DEV's handler raises it again while it is acknowledged: the edge
 * latches with the INTID masked, so the hypervisor raises no line, and
 * the in-memory unmask that follows is the only place that knows. A
 * driver that forgot the rule leaves DEV pending and unmasked with no
 * upcall coming: these counts fail. */
static void edge_latched_while_masked_is_taken_or_reevaluated(void **state)
{
	const struct {
		uint32_t flags, max_handled;
		uint64_t reevaluate_calls; /* CLEAR_MASKED calls the rule costs */
		uint32_t entries;	   /* upcalls taken */
	} cases[] = {
		/* Taken in the same loop: no call at all. */
		{X86_CONFIG, 0, 0, 1},
		/* The loop must stop after one: it tells the hypervisor,
		 * which sends another upcall. */
		{X86_CONFIG, 1, 1, 2},
		/* Told at once, taken in the same loop; the second upcall
		 * finds nothing. */
		{X86_CONFIG | PVIRQ_GUEST_SHARED_EOI_REEVALUATE, 0, 1, 2},
		{LEVEL_CONFIG, 0, 0, 0},
		{LEVEL_CONFIG, 1, 1, 0},
		{LEVEL_CONFIG | PVIRQ_GUEST_SHARED_EOI_REEVALUATE, 0, 1, 0},
	};

	(void)state;
	for (size_t b = 0; b < 3; b++) {
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			uint32_t upcalls_taken = 0;

			fixture_up(bindings[b], false);
			cpu_up(0, cases[k].flags);
			route(DEV, DEV_INPUT, 0);
			const uint64_t unmasks = calls(0, 0, PVIRQ_FN_RVIC_CLEAR_MASKED);
			fx.reraise[DEV] = 1;
			assert_int_equal(pvirq_rvid_inject(fx.vm, DEV_INPUT), PVIRQ_OK);
			if (cases[k].flags & PVIRQ_GUEST_SHARED_ACK_IN_MEMORY) {
				for (uint32_t e = 0; fx.upcalls[0] && e < ENTRIES_MAX; e++) {
					fx.upcalls[0]--;
					upcalls_taken++;
					pvirq_guest_handle_irq(&fx.cpu[0], cases[k].max_handled);
				}
				assert_int_equal(upcalls_taken, cases[k].entries);
			} else {
				enter_level(0, cases[k].max_handled);
			}
			assert_int_equal(fx.handled[DEV], 2);
			assert_int_equal(fx.cpu[0].repended, 1);
			assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_CLEAR_MASKED) - unmasks,
					 cases[k].reevaluate_calls);
			assert_int_equal(fx.cpu[0].reevaluated, cases[k].reevaluate_calls);
			assert_true(nothing_deliverable(0));
			assert_false(intid_masked(fx.vm, 0, DEV));
			fixture_down();
		}
	}
}

/* The same for a trusted INTID (an IPI sent to a CPU inside its IPI
 * handler), with the hypervisor's line checked directly: after the
 * entry, either nothing is deliverable or the line is high. */
static void trusted_resignal_leaves_nothing_stranded(void **state)
{
	(void)state;
	for (size_t b = 0; b < 3; b++) {
		fixture_up(bindings[b], false);
		cpu_up(0, X86_CONFIG);
		fx.reraise[IPI] = 3;
		assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[1], 0, IPI), 0);
		enter_x86(0, 1);
		assert_int_equal(fx.handled[IPI], 4);
		assert_true(nothing_deliverable(0));
		assert_int_equal(fx.cpu[0].reevaluated, 3);
		fixture_down();
	}
}

/* ---- Level rVID inputs. ---- */

static void level_input_repends_at_eoi_while_high(void **state)
{
	const uint32_t configs[] = {X86_CONFIG, LEVEL_CONFIG, ~0u};

	(void)state;
	for (size_t b = 0; b < 3; b++) {
		for (size_t k = 0; k < 3; k++) {
			fixture_up(bindings[b], false);
			cpu_up(0, configs[k]);
			assert_int_equal(pvirq_rvid_set_trigger(fx.vm, LEVEL_INPUT, true),
					 PVIRQ_OK);
			route(LEVEL_DEV, LEVEL_INPUT, 0);
			const uint64_t unmasks = calls(0, 0, PVIRQ_FN_RVIC_CLEAR_MASKED);
			fx.level_work = 3;
			assert_int_equal(pvirq_rvid_set_level(fx.vm, LEVEL_INPUT, true), PVIRQ_OK);
			if (configs[k] == ~0u)
				enter_level(0, 0);
			else
				enter(0, configs[k], 0);
			/* The line stayed high through two ends of interrupt:
			 * each RVID_RESAMPLE re-pended it; the third found it
			 * low. */
			assert_int_equal(fx.handled[LEVEL_DEV], 3);
			assert_int_equal(fx.level_work, 0);
			assert_int_equal(calls(0, 1, PVIRQ_FN_RVID_RESAMPLE), 3);
			assert_int_equal(fx.resamples[LEVEL_INPUT], 3);
			assert_false(intid_pending(fx.vm, 0, LEVEL_DEV));
			assert_false(intid_masked(fx.vm, 0, LEVEL_DEV));
			if (configs[k] == X86_CONFIG) {
				/* RESAMPLE is the only call a level interrupt
				 * costs on the x86 fast path. */
				assert_int_equal(
					fx.host[0].calls_by_fn[0][PVIRQ_FN_RVIC_ACKNOWLEDGE], 0);
				assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_CLEAR_MASKED), unmasks);
			}
			fixture_down();
		}
	}
}

static void level_flag_on_untrusted_needs_the_feature(void **state)
{
	(void)state;
	fixture_up(HOST_ARM64, false);
	fx.drv.features &= ~PVIRQ_ABI_FEATURE_LEVEL_INPUTS;
	assert_int_equal(pvirq_guest_set_handler(&fx.drv, T, record, NULL, PVIRQ_GUEST_IRQ_LEVEL),
			 PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0));
	fx.drv.features |= PVIRQ_ABI_FEATURE_LEVEL_INPUTS;
	assert_int_equal(pvirq_guest_set_handler(&fx.drv, T, record, NULL, PVIRQ_GUEST_IRQ_LEVEL),
			 0);
	assert_int_equal(pvirq_guest_set_handler(&fx.drv, T, record, NULL, PVIRQ_GUEST_IRQ_PERCPU),
			 PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0));
	fixture_down();
}

/* ---- Priority classes. ---- */

static void highest_class_first_round_robin_within(void **state)
{
	const uint32_t configs[] = {X86_CONFIG, LEVEL_CONFIG, ~0u};
	const uint32_t a = T + 10, bb = T + 20, c = T + 30;

	(void)state;
	for (size_t b = 0; b < 3; b++) {
		for (size_t k = 0; k < 3; k++) {
			fixture_up(bindings[b], false);
			assert_int_equal(pvirq_guest_set_class(&fx.drv, IPI, 2), 0);
			assert_int_equal(pvirq_guest_set_class(&fx.drv, DEV, 1), 0);
			cpu_up(0, configs[k]);
			cpu_up(1, configs[k]);
			route(DEV, DEV_INPUT, 0);
			route(DEV2, DEV2_INPUT, 0);
			route(a, 2, 0);
			route(bb, 3, 0);
			route(c, 4, 0);
			uint32_t cls = 9;
			assert_int_equal(pvirq_rvic_get_priority(fx.vm, 0, IPI, &cls), PVIRQ_OK);
			assert_int_equal(cls, 2);
			assert_int_equal(pvirq_rvic_get_priority(fx.vm, 0, DEV, &cls), PVIRQ_OK);
			assert_int_equal(cls, 1);

			/* Raised lowest class first; taken highest first. */
			assert_int_equal(pvirq_rvid_inject(fx.vm, DEV2_INPUT), PVIRQ_OK);
			assert_int_equal(pvirq_rvid_inject(fx.vm, DEV_INPUT), PVIRQ_OK);
			assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[1], 0, IPI), 0);
			/* Round robin in class 0: a keeps re-raising itself
			 * and still does not overtake b and c. */
			fx.reraise[a] = 3;
			assert_int_equal(pvirq_rvid_inject(fx.vm, 4), PVIRQ_OK);
			assert_int_equal(pvirq_rvid_inject(fx.vm, 2), PVIRQ_OK);
			assert_int_equal(pvirq_rvid_inject(fx.vm, 3), PVIRQ_OK);
			if (configs[k] == ~0u)
				enter_level(0, 0);
			else
				enter(0, configs[k], 0);
			const uint32_t want[] = {IPI, DEV, DEV2, a, bb, c, a, a, a};
			assert_int_equal(fx.nr_order, 9);
			for (uint32_t i = 0; i < 9; i++)
				assert_int_equal(fx.order[i], want[i]);
			fixture_down();
		}
	}
}

static void floor_holds_lower_classes_off(void **state)
{
	const uint32_t configs[] = {X86_CONFIG, LEVEL_CONFIG, ~0u};

	(void)state;
	for (size_t b = 0; b < 3; b++) {
		for (size_t k = 0; k < 3; k++) {
			const bool shared = configs[k] != ~0u;
			uint32_t floor = 9;

			fixture_up(bindings[b], false);
			assert_int_equal(pvirq_guest_set_class(&fx.drv, IPI, 2), 0);
			assert_int_equal(pvirq_guest_set_class(&fx.drv, DEV, 1), 0);
			cpu_up(0, configs[k]);
			cpu_up(1, configs[k]);
			route(DEV, DEV_INPUT, 0);
			const uint64_t masks = calls(0, 0, PVIRQ_FN_RVIC_SET_PRIORITY_MASK);

			/* Raising: in memory on a page, no call. */
			assert_int_equal(pvirq_guest_set_priority_mask(&fx.cpu[0], 2), 0);
			assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_SET_PRIORITY_MASK) - masks,
					 shared ? 0 : 1);
			assert_int_equal(pvirq_rvic_get_priority_mask(fx.vm, 0, &floor), PVIRQ_OK);
			assert_int_equal(floor, 2);
			assert_int_equal(pvirq_rvid_inject(fx.vm, DEV_INPUT), PVIRQ_OK);
			assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[1], 0, IPI), 0);
			if (shared)
				enter(0, configs[k], 0);
			else
				enter_level(0, 0);
			/* The IPI (class 2) passes, DEV (class 1) waits. */
			assert_int_equal(fx.handled[IPI], 1);
			assert_int_equal(fx.handled[DEV], 0);
			assert_true(intid_pending(fx.vm, 0, DEV));
			assert_false(pvirq_vcpu_line(fx.vm, 0));

			/* Lowering: a call, which re-evaluates the line. */
			assert_int_equal(pvirq_guest_set_priority_mask(&fx.cpu[0], 0), 0);
			assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_SET_PRIORITY_MASK) - masks,
					 shared ? 1 : 2);
			assert_int_equal(fx.cpu[0].floor, 0);
			if (shared)
				enter(0, configs[k], 0);
			else
				enter_level(0, 0);
			assert_int_equal(fx.handled[DEV], 1);
			assert_int_equal(pvirq_guest_set_priority_mask(&fx.cpu[0], 4),
					 PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0));
			fixture_down();
		}
	}
}

/* A guest that never gave any INTID a class makes no priority call at
 * all (the hypervisor keeps its class-blind acknowledge), and the
 * hypervisor ignores the floor of such an instance until its first
 * priority call: so the driver's first raise must be a call, or the IPI
 * would be delivered through a floor the guest set. */
static void first_floor_raise_is_a_call(void **state)
{
	(void)state;
	for (size_t b = 0; b < 3; b++) {
		fixture_up(bindings[b], false);
		cpu_up(0, X86_CONFIG);
		cpu_up(1, X86_CONFIG);
		route(DEV, DEV_INPUT, 0);
		assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_SET_PRIORITY), 0);
		const uint64_t masks = calls(0, 0, PVIRQ_FN_RVIC_SET_PRIORITY_MASK);
		assert_int_equal(pvirq_guest_set_priority_mask(&fx.cpu[0], 1), 0);
		assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_SET_PRIORITY_MASK) - masks, 1);
		assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[1], 0, IPI), 0);
		assert_int_equal(pvirq_rvid_inject(fx.vm, DEV_INPUT), PVIRQ_OK);
		enter_x86(0, 0);
		assert_int_equal(fx.handled[IPI] + fx.handled[DEV], 0);
		/* Now the instance honours classes: raising again is a store. */
		assert_int_equal(pvirq_guest_set_priority_mask(&fx.cpu[0], 2), 0);
		assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_SET_PRIORITY_MASK) - masks, 1);
		assert_int_equal(pvirq_guest_set_priority_mask(&fx.cpu[0], 0), 0);
		enter_x86(0, 0);
		assert_int_equal(fx.handled[IPI], 1);
		assert_int_equal(fx.handled[DEV], 1);
		fixture_down();
	}
}

/* ---- The NMI class. ---- */

static void nmi_entry_acknowledges_the_nmi_class_only(void **state)
{
	(void)state;
	for (size_t b = 0; b < 3; b++) {
		fixture_up(bindings[b], true);
		assert_int_equal(pvirq_guest_set_class(&fx.drv, NMI_IPI, PVIRQ_PRIORITY_NMI), 0);
		cpu_up(0, X86_CONFIG);
		cpu_up(1, X86_CONFIG);
		fx.reraise[NMI_IPI] = 1;
		assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[1], 0, NMI_IPI), 0);
		/* Not on the IRQ line: no upcall, and the IRQ entry (which
		 * acknowledges in memory here) leaves it alone. */
		assert_int_equal(fx.upcalls[0], 0);
		assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[0], 0), 0);
		assert_true(pvirq_vcpu_take_nmi(fx.vm, 0));
		/* The NMI entry drains, including the one raised meanwhile. */
		assert_int_equal(pvirq_guest_handle_nmi(&fx.cpu[0]), 2);
		assert_int_equal(fx.handled[NMI_IPI], 2);
		assert_int_equal(fx.cpu[0].nmi_handled, 2);
		assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_ACKNOWLEDGE_NMI), 3);
		/* A coalesced NMI that finds nothing. */
		assert_int_equal(pvirq_guest_handle_nmi(&fx.cpu[0]), 0);
		assert_int_equal(fx.cpu[0].nmi_spurious, 1);
		assert_true(nothing_deliverable(0));

		/* An IRQ loop that stops early while an NMI-class INTID waits
		 * for its NMI: it must re-evaluate the IRQ line with an INTID
		 * of the IRQ line (the hypervisor re-evaluates per INTID, and
		 * NMI_IPI's would only raise the NMI again). */
		route(DEV, DEV_INPUT, 0);
		fx.reraise[DEV] = 1;
		assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[1], 0, NMI_IPI), 0);
		assert_int_equal(pvirq_rvid_inject(fx.vm, DEV_INPUT), PVIRQ_OK);
		enter_x86(0, 1);
		assert_int_equal(fx.handled[DEV], 2);
		assert_int_equal(fx.handled[NMI_IPI], 2);
		assert_true(pvirq_vcpu_take_nmi(fx.vm, 0));
		assert_int_equal(pvirq_guest_handle_nmi(&fx.cpu[0]), 1);
		assert_true(nothing_deliverable(0));
		fixture_down();

		/* Without an NMI line there is no NMI class to ask for. */
		fixture_up(bindings[b], false);
		assert_int_equal(pvirq_guest_set_class(&fx.drv, NMI_IPI, PVIRQ_PRIORITY_NMI),
				 PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 1));
		assert_int_equal(pvirq_guest_handle_nmi(&fx.cpu[0]), 0);
		fixture_down();
	}
}

/* ---- The page's life: shared at bring-up, unshared on every way down. ---- */

static void page_is_shared_at_bring_up_and_released_on_the_way_down(void **state)
{
	uint64_t gpa;

	(void)state;
	for (size_t b = 0; b < 3; b++) {
		fixture_up(bindings[b], false);
		cpu_up(0, X86_CONFIG);
		/* The hypervisor keeps the words in the page: IPI unmasked
		 * by bring-up, everything else masked. */
		uint64_t word0 = __atomic_load_n(&fx.pages.words[0][0], __ATOMIC_SEQ_CST);
		assert_int_equal(word0 & PVIRQ_SHARED_MASKED(IPI), 0);
		assert_int_not_equal(word0 & PVIRQ_SHARED_MASKED(3), 0);

		assert_int_equal(pvirq_guest_cpu_down(&fx.cpu[0], 1), 0);
		assert_int_equal(fx.cpu[0].page_shared, 0);
		assert_int_equal(pvirq_rvic_shared_state(fx.vm, 0, &gpa), PVIRQ_EUNMAPPED);
		cpu_up(0, X86_CONFIG); /* shared again */

		assert_int_equal(pvirq_guest_cpu_shutdown(&fx.cpu[0]), 0);
		assert_int_equal(pvirq_rvic_shared_state(fx.vm, 0, &gpa), PVIRQ_EUNMAPPED);

		cpu_up(0, X86_CONFIG);
		cpu_up(1, X86_CONFIG);
		uint64_t ids[NR_CPUS] = {0, 1};
		assert_int_equal(pvirq_guest_kexec_reset(&fx.cpu[0], ids, NR_CPUS), 0);
		assert_int_equal(pvirq_rvic_shared_state(fx.vm, 0, &gpa), PVIRQ_EUNMAPPED);
		/* CPU 1's page is its own to release (its cpu_shutdown). */
		assert_int_equal(pvirq_rvic_shared_state(fx.vm, 1, &gpa), PVIRQ_OK);
		assert_int_equal(pvirq_guest_cpu_shutdown(&fx.cpu[1]), 0);
		assert_int_equal(pvirq_rvic_shared_state(fx.vm, 1, &gpa), PVIRQ_EUNMAPPED);

		/* A bring-up without a page releases one left registered. */
		cpu_up(0, X86_CONFIG);
		assert_int_equal(pvirq_guest_cpu_set_shared(&fx.cpu[0], NULL, 0, 0), 0);
		assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[0]), 0);
		assert_int_equal(pvirq_rvic_shared_state(fx.vm, 0, &gpa), PVIRQ_EUNMAPPED);
		fixture_down();
	}
}

static void a_refused_page_leaves_the_cpu_trapping(void **state)
{
	(void)state;
	fixture_up(HOST_RISCV, false);
	/* Not this guest's RAM as the VMM sees it: refused, and the CPU
	 * works as without a page. */
	assert_int_equal(pvirq_guest_cpu_set_shared(&fx.cpu[0], fx.pages.words[0],
						    HOST_PAGES_BASE - PVIRQ_SHARED_STATE_SIZE,
						    X86_CONFIG),
			 0);
	assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[0]), 0);
	assert_int_equal(fx.cpu[0].page_shared, 0);
	assert_int_equal(fx.cpu[0].share_status, PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0));
	const uint64_t unmasks = calls(0, 0, PVIRQ_FN_RVIC_CLEAR_MASKED);
	assert_int_equal(pvirq_rvic_signal(fx.vm, 0, IPI), PVIRQ_OK);
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[0], 0), 1);
	assert_int_equal(fx.cpu[0].mem_acks, 0);
	assert_int_equal(calls(0, 0, PVIRQ_FN_RVIC_CLEAR_MASKED) - unmasks, 1);

	/* Misaligned pages and unknown flags never reach the hypervisor. */
	assert_int_equal(pvirq_guest_cpu_set_shared(&fx.cpu[0], (char *)fx.pages.words[0] + 8,
						    HOST_PAGES_BASE, 0),
			 PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0));
	assert_int_equal(
		pvirq_guest_cpu_set_shared(&fx.cpu[0], fx.pages.words[0], HOST_PAGES_BASE + 64, 0),
		PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0));
	assert_int_equal(
		pvirq_guest_cpu_set_shared(&fx.cpu[0], fx.pages.words[0], HOST_PAGES_BASE, 0x80),
		PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 2));
	fixture_down();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(x86_config_takes_an_edge_without_a_trap),
		cmocka_unit_test(level_config_acknowledges_by_call_and_ends_in_memory),
		cmocka_unit_test(without_a_page_every_step_is_a_call),
		cmocka_unit_test(edge_latched_while_masked_is_taken_or_reevaluated),
		cmocka_unit_test(trusted_resignal_leaves_nothing_stranded),
		cmocka_unit_test(level_input_repends_at_eoi_while_high),
		cmocka_unit_test(level_flag_on_untrusted_needs_the_feature),
		cmocka_unit_test(highest_class_first_round_robin_within),
		cmocka_unit_test(floor_holds_lower_classes_off),
		cmocka_unit_test(first_floor_raise_is_a_call),
		cmocka_unit_test(nmi_entry_acknowledges_the_nmi_class_only),
		cmocka_unit_test(page_is_shared_at_bring_up_and_released_on_the_way_down),
		cmocka_unit_test(a_refused_page_leaves_the_cpu_trapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
