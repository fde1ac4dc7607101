/* SPDX-License-Identifier: MIT */
/*
 * The guest driver core, one step at a time: probe against scripted
 * hypervisors (absent, too old, broken shapes), the acknowledge loop
 * against every status the spec allows (and some it does not), and each
 * recipe (bring-up, hotplug rescue, retarget, kexec reset, MSI, IPI)
 * against the real host library through the host-hook trap, with every
 * INTID's state checked afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <pvirq/guest/driver.h>
#include <pvirq/guest/x86_discover.h>
#include <pvirq/hosted.h>

#include "../support/intid_state.h"
#include "host_trap.h"

#define T 32u
#define U 64u
#define N 16u
#define NR_CPUS 3u
#define IPI 1u
#define TIMER 27u
#define WAKE 5u /* trusted, not per-CPU: stays masked unless unmasked */

/* ---- A scripted hypervisor: answers from tables, logs every call. ---- */

struct scripted {
	int64_t version_status;
	uint64_t version;
	int64_t info_status[5];
	uint64_t info[5];
	/* ACKNOWLEDGE answers, in order; past the end: NO_INTERRUPTS. */
	struct pvirq_guest_ret acks[8];
	uint32_t nr_acks, next_ack;
	/* Every call: function ID and arguments. */
	struct {
		uint32_t id;
		uint64_t a0, a1;
	} log[4096];
	uint32_t nr_log;
};

static struct pvirq_guest_ret scripted_call(void *ctx, uint32_t id, uint64_t a0, uint64_t a1,
					    uint64_t a2)
{
	struct scripted *s = ctx;
	struct pvirq_guest_ret r = {PVIRQ_ABI_SUCCESS, 0};

	(void)a2;
	if (s->nr_log < 4096) {
		s->log[s->nr_log].id = id;
		s->log[s->nr_log].a0 = a0;
		s->log[s->nr_log].a1 = a1;
		s->nr_log++;
	}
	if (id == PVIRQ_ABI_ID(RVIC, VERSION)) {
		r.status = s->version_status;
		r.value = s->version;
	} else if (id == PVIRQ_ABI_ID(RVIC, INFO)) {
		r.status = a0 < 5 ? s->info_status[a0]
				  : PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
		r.value = a0 < 5 && r.status == PVIRQ_ABI_SUCCESS ? s->info[a0] : 0;
	} else if (id == PVIRQ_ABI_ID(RVIC, ACKNOWLEDGE)) {
		if (s->next_ack < s->nr_acks)
			r = s->acks[s->next_ack++];
		else
			r.status = PVIRQ_ABI_NO_INTERRUPTS;
	}
	return r;
}

/* A 0.3 hypervisor from before libpvirq: keys 2-4 unknown. */
static void scripted_init(struct scripted *s, struct pvirq_guest_trap *trap)
{
	memset(s, 0, sizeof(*s));
	s->version = 0x3;
	s->info[0] = T;
	s->info[1] = U;
	for (int k = 2; k < 5; k++)
		s->info_status[k] = PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	trap->call = scripted_call;
	trap->ctx = s;
}

static struct scripted script;
static struct pvirq_guest_irq table[T + U];
static struct pvirq_guest_driver drv;

static void probe_accepts_a_plain_0_3_hypervisor(void **state)
{
	struct pvirq_guest_trap trap;

	(void)state;
	scripted_init(&script, &trap);
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0), PVIRQ_GUEST_PROBE_OK);
	assert_int_equal(drv.version, 0x3);
	assert_int_equal(drv.nr_trusted, T);
	assert_int_equal(drv.nr_untrusted, U);
	assert_int_equal(drv.nr_irqs, T + U);
	assert_int_equal(drv.features, 0); /* ERROR_PARAMETER reads as none */
	assert_int_equal(drv.nr_inputs, 0);
	assert_int_equal(drv.upcall_vector, 0);
	/* No level rVID inputs before 0.4: a level device is refused. */
	assert_int_equal(pvirq_guest_set_handler(&drv, T, NULL, NULL, PVIRQ_GUEST_IRQ_LEVEL),
			 PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0));
}

static void probe_fails_clearly(void **state)
{
	struct pvirq_guest_trap trap;

	(void)state;
	scripted_init(&script, &trap);
	script.version_status = PVIRQ_ABI_STATUS_NOT_SUPPORTED;
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0), PVIRQ_GUEST_PROBE_ABSENT);

	scripted_init(&script, &trap);
	script.version = 0x2; /* 0.2: older than the 2020 drivers accept */
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0),
			 PVIRQ_GUEST_PROBE_TOO_OLD);
	script.version = 0x10003; /* 1.3: a major we do not know */
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0),
			 PVIRQ_GUEST_PROBE_TOO_OLD);

	scripted_init(&script, &trap);
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 1), /* needs bit 0 */
			 PVIRQ_GUEST_PROBE_NO_FEATURE);
	script.info_status[2] = PVIRQ_ABI_SUCCESS;
	script.info[2] = 1;
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 1), PVIRQ_GUEST_PROBE_OK);

	const uint64_t bad_shapes[][2] = {{33, 64}, {0, 64}, {32, 16}, {1024, 1056}, {~0ull, 64}};
	for (size_t i = 0; i < sizeof(bad_shapes) / sizeof(bad_shapes[0]); i++) {
		scripted_init(&script, &trap);
		script.info[0] = bad_shapes[i][0];
		script.info[1] = bad_shapes[i][1];
		assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0),
				 PVIRQ_GUEST_PROBE_BAD_SHAPE);
	}
	scripted_init(&script, &trap);
	script.info_status[1] = PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0);
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0),
			 PVIRQ_GUEST_PROBE_BAD_SHAPE);

	scripted_init(&script, &trap);
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U - 1, 0),
			 PVIRQ_GUEST_PROBE_TABLE_TOO_SMALL);
}

/* ---- The acknowledge loop against scripted statuses. ---- */

static uint32_t handler_calls[T + U];

static void count_handler(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	(void)ctx, (void)cpu;
	handler_calls[intid]++;
}

static uint32_t count_calls(const struct scripted *s, uint32_t id)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->nr_log; i++)
		n += s->log[i].id == id;
	return n;
}

static void ack_loop_stops_on_every_non_success_status(void **state)
{
	const int64_t stops[] = {
		PVIRQ_ABI_NO_INTERRUPTS,
		PVIRQ_ABI_DISABLED,
		PVIRQ_ABI_STATUS(PVIRQ_ABI_ERROR_PARAMETER, 0),
		PVIRQ_ABI_STATUS(PVIRQ_ABI_INVALID_CPU, 1),
		PVIRQ_ABI_STATUS_NOT_SUPPORTED,
		0x37,  /* a reason no version defines */
		-1000, /* garbage */
	};
	struct pvirq_guest_trap trap;
	struct pvirq_guest_cpu cpu;

	(void)state;
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		scripted_init(&script, &trap);
		assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0), 0);
		assert_int_equal(
			pvirq_guest_set_handler(&drv, TIMER, count_handler, NULL,
						PVIRQ_GUEST_IRQ_LEVEL | PVIRQ_GUEST_IRQ_PERCPU),
			0);
		assert_int_equal(pvirq_guest_set_handler(&drv, IPI, count_handler, NULL,
							 PVIRQ_GUEST_IRQ_PERCPU),
				 0);
		pvirq_guest_cpu_init(&cpu, &drv, &trap, 2);
		memset(handler_calls, 0, sizeof(handler_calls));
		script.acks[0] = (struct pvirq_guest_ret){PVIRQ_ABI_SUCCESS, TIMER};
		script.acks[1] = (struct pvirq_guest_ret){PVIRQ_ABI_SUCCESS, IPI};
		script.acks[2] = (struct pvirq_guest_ret){stops[i], 0};
		/* After the stop: would be handled if the loop went on. */
		script.acks[3] = (struct pvirq_guest_ret){PVIRQ_ABI_SUCCESS, IPI};
		script.nr_acks = 4;
		script.nr_log = 0;

		assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 2);
		assert_int_equal(script.next_ack, 3);
		assert_int_equal(handler_calls[TIMER], 1);
		assert_int_equal(handler_calls[IPI], 1);
		assert_int_equal(cpu.spurious, 0);
		assert_int_equal(cpu.stopped, stops[i] == PVIRQ_ABI_NO_INTERRUPTS ? 0 : 1);

		/* End of interrupt: the level timer is unmasked, then
		 * resampled; the edge IPI only unmasked. */
		assert_int_equal(script.nr_log, 6);
		assert_int_equal(script.log[1].id, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED));
		assert_int_equal(script.log[1].a0, 2);
		assert_int_equal(script.log[1].a1, TIMER);
		assert_int_equal(script.log[2].id, PVIRQ_ABI_ID(RVIC, RESAMPLE));
		assert_int_equal(script.log[2].a0, TIMER);
		assert_int_equal(script.log[4].id, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED));
		assert_int_equal(script.log[4].a1, IPI);
		assert_int_equal(script.log[5].id, PVIRQ_ABI_ID(RVIC, ACKNOWLEDGE));
	}
}

static void ack_loop_refuses_out_of_range_intids_and_is_bounded(void **state)
{
	struct pvirq_guest_trap trap;
	struct pvirq_guest_cpu cpu;

	(void)state;
	scripted_init(&script, &trap);
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0), 0);
	assert_int_equal(pvirq_guest_set_handler(&drv, IPI, count_handler, NULL, 0), 0);
	pvirq_guest_cpu_init(&cpu, &drv, &trap, 0);
	memset(handler_calls, 0, sizeof(handler_calls));
	/* INTID T+U and one with high bits set (never truncated). */
	script.acks[0] = (struct pvirq_guest_ret){PVIRQ_ABI_SUCCESS, T + U};
	script.nr_acks = 1;
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 0);
	assert_int_equal(cpu.stopped, 1);
	assert_int_equal(cpu.last_stop_status, -2);
	script.acks[0] = (struct pvirq_guest_ret){PVIRQ_ABI_SUCCESS, (1ull << 32) | IPI};
	script.next_ack = 0;
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 0);
	assert_int_equal(handler_calls[IPI], 0);

	/* Nothing at all: one spurious entry, one ACK. */
	script.nr_acks = 0;
	script.nr_log = 0;
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 0);
	assert_int_equal(cpu.spurious, 1);
	assert_int_equal(script.nr_log, 1);

	/* An INTID with no handler: acknowledged, counted, left masked. */
	script.acks[0] = (struct pvirq_guest_ret){PVIRQ_ABI_SUCCESS, 9};
	script.nr_acks = 1;
	script.next_ack = 0;
	script.nr_log = 0;
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 0);
	assert_int_equal(cpu.unhandled, 1);
	assert_int_equal(count_calls(&script, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED)), 0);
}

/* A hypervisor that always has IPI pending: one entry makes at most T+U
 * acknowledgements, then returns (the line re-enters). */
static struct pvirq_guest_ret always_pending(void *ctx, uint32_t id, uint64_t a0, uint64_t a1,
					     uint64_t a2)
{
	struct pvirq_guest_ret r = {PVIRQ_ABI_SUCCESS, 0};

	(void)a0, (void)a1, (void)a2;
	if (id == PVIRQ_ABI_ID(RVIC, ACKNOWLEDGE)) {
		(*(uint32_t *)ctx)++;
		r.value = IPI;
	}
	return r;
}

static void ack_loop_is_bounded_under_a_flood(void **state)
{
	struct pvirq_guest_trap scripted_trap, flood;
	struct pvirq_guest_cpu cpu;
	uint32_t acks = 0;

	(void)state;
	scripted_init(&script, &scripted_trap);
	assert_int_equal(pvirq_guest_probe(&drv, &scripted_trap, table, T + U, 0), 0);
	assert_int_equal(pvirq_guest_set_handler(&drv, IPI, count_handler, NULL, 0), 0);
	flood.call = always_pending;
	flood.ctx = &acks;
	pvirq_guest_cpu_init(&cpu, &drv, &flood, 0);
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), T + U);
	assert_int_equal(acks, T + U);
}

static void ack_loop_honours_max_handled(void **state)
{
	struct pvirq_guest_trap trap;
	struct pvirq_guest_cpu cpu;

	(void)state;
	scripted_init(&script, &trap);
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0), 0);
	assert_int_equal(pvirq_guest_set_handler(&drv, IPI, count_handler, NULL, 0), 0);
	pvirq_guest_cpu_init(&cpu, &drv, &trap, 0);
	for (uint32_t i = 0; i < 3; i++)
		script.acks[i] = (struct pvirq_guest_ret){PVIRQ_ABI_SUCCESS, IPI};
	script.nr_acks = 3;
	/* One handler, one ACK: no closing NO_INTERRUPTS round trip. */
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 1), 1);
	assert_int_equal(script.next_ack, 1);
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 2);
	/* The other two, then the closing NO_INTERRUPTS. */
	assert_int_equal(script.next_ack, 3);
	assert_int_equal(count_calls(&script, PVIRQ_ABI_ID(RVIC, ACKNOWLEDGE)), 4);
}

/* Bring-up on a 0.3 hypervisor (no RESET bit): DISABLE, then SET_MASKED
 * and CLEAR_PENDING of every INTID on this CPU, ENABLE, unmask the
 * per-CPU INTIDs (the level one resampled); on a 0.4 one: one RESET. */
static void bring_up_sequence_with_and_without_bulk_reset(void **state)
{
	struct pvirq_guest_trap trap;
	struct pvirq_guest_cpu cpu;

	(void)state;
	for (int bulk = 0; bulk < 2; bulk++) {
		scripted_init(&script, &trap);
		if (bulk) {
			script.version = PVIRQ_ABI_VERSION;
			script.info_status[2] = PVIRQ_ABI_SUCCESS;
			script.info[2] = PVIRQ_ABI_FEATURE_RESET;
		}
		assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0), 0);
		assert_int_equal(
			pvirq_guest_set_handler(&drv, TIMER, count_handler, NULL,
						PVIRQ_GUEST_IRQ_LEVEL | PVIRQ_GUEST_IRQ_PERCPU),
			0);
		assert_int_equal(pvirq_guest_set_handler(&drv, IPI, count_handler, NULL,
							 PVIRQ_GUEST_IRQ_PERCPU),
				 0);
		pvirq_guest_cpu_init(&cpu, &drv, &trap, 3);
		script.nr_log = 0;
		assert_int_equal(pvirq_guest_cpu_up(&cpu), 0);

		uint32_t k = 0, resets = bulk ? 1 : 0, loops = bulk ? 0 : T + U;
		assert_int_equal(script.nr_log, 1 + resets + 2 * loops + 1 + 2 + 1);
		assert_int_equal(script.log[k++].id, PVIRQ_ABI_ID(RVIC, DISABLE));
		if (bulk)
			assert_int_equal(script.log[k++].id, PVIRQ_ABI_ID(RVIC, RESET));
		for (uint32_t i = 0; i < loops; i++) {
			assert_int_equal(script.log[k].id, PVIRQ_ABI_ID(RVIC, SET_MASKED));
			assert_int_equal(script.log[k].a0, 3);
			assert_int_equal(script.log[k++].a1, i);
			assert_int_equal(script.log[k].id, PVIRQ_ABI_ID(RVIC, CLEAR_PENDING));
			assert_int_equal(script.log[k++].a1, i);
		}
		assert_int_equal(script.log[k++].id, PVIRQ_ABI_ID(RVIC, ENABLE));
		assert_int_equal(script.log[k].id, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED));
		assert_int_equal(script.log[k++].a1, IPI);
		assert_int_equal(script.log[k].id, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED));
		assert_int_equal(script.log[k++].a1, TIMER);
		assert_int_equal(script.log[k].id, PVIRQ_ABI_ID(RVIC, RESAMPLE));
		assert_int_equal(script.log[k++].a0, TIMER);
	}
}

/* ---- The shared page against a scripted hypervisor that only says yes:
 * the test writes the words as the hypervisor would, and every call the
 * core makes is in the log. ---- */

static _Alignas(4096) uint64_t page[PVIRQ_SHARED_STATE_SIZE / 8];
static uint32_t order[16], nr_order;
static uint32_t repend_once = ~0u; /* INTID whose handler latches it again */

static void set_pending(uint32_t intid)
{
	__atomic_fetch_or(&page[intid / 32], PVIRQ_SHARED_PENDING(intid), __ATOMIC_SEQ_CST);
}

static void set_class_word(uint32_t intid, uint32_t cls)
{
	const uint32_t n = (T + U) / 32;

	page[PVIRQ_SHARED_CLASS_WORD(n, intid / 32)] &= ~(3ull << (2 * (intid % 32)));
	page[PVIRQ_SHARED_CLASS_WORD(n, intid / 32)] |= (uint64_t)cls << (2 * (intid % 32));
}

static void record_order(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	(void)ctx, (void)cpu;
	order[nr_order++] = intid;
	if (intid == repend_once) {
		repend_once = ~0u;
		set_pending(intid); /* the hypervisor latched an edge while masked */
	}
}

static void shared_setup(struct pvirq_guest_trap *trap, struct pvirq_guest_cpu *cpu, uint32_t flags)
{
	scripted_init(&script, trap);
	script.version = PVIRQ_ABI_VERSION;
	script.info_status[2] = PVIRQ_ABI_SUCCESS;
	script.info[2] = PVIRQ_ABI_FEATURE_RESET | PVIRQ_ABI_FEATURE_SHARED_STATE |
			 PVIRQ_ABI_FEATURE_PRIORITY;
	assert_int_equal(pvirq_guest_probe(&drv, trap, table, T + U, 0), 0);
	for (uint32_t i = 0; i < T; i++)
		assert_int_equal(pvirq_guest_set_handler(&drv, i, record_order, NULL, 0), 0);
	assert_int_equal(
		pvirq_guest_set_handler(&drv, IPI, record_order, NULL, PVIRQ_GUEST_IRQ_PERCPU), 0);
	assert_int_equal(pvirq_guest_set_class(&drv, IPI, 2), 0);
	pvirq_guest_cpu_init(cpu, &drv, trap, 1);
	memset(page, 0, sizeof(page));
	assert_int_equal(pvirq_guest_cpu_set_shared(cpu, page, 0x7000, flags), 0);
	script.nr_log = 0;
	assert_int_equal(pvirq_guest_cpu_up(cpu), 0);
	nr_order = 0;
	repend_once = ~0u;
}

static void shared_bring_up_shares_before_enable(void **state)
{
	struct pvirq_guest_trap trap;
	struct pvirq_guest_cpu cpu;
	const uint32_t want[] = {
		PVIRQ_ABI_ID(RVIC, DISABLE),	  PVIRQ_ABI_ID(RVIC, SHARE_STATE),
		PVIRQ_ABI_ID(RVIC, RESET),	  PVIRQ_ABI_ID(RVIC, ENABLE),
		PVIRQ_ABI_ID(RVIC, SET_PRIORITY), PVIRQ_ABI_ID(RVIC, CLEAR_MASKED),
	};

	(void)state;
	shared_setup(&trap, &cpu, PVIRQ_GUEST_SHARED_ACK_IN_MEMORY);
	/* The page's floor is 0 already: no SET_PRIORITY_MASK needed. */
	assert_int_equal(script.nr_log, 6);
	for (uint32_t k = 0; k < 6; k++)
		assert_int_equal(script.log[k].id, want[k]);
	assert_int_equal(script.log[1].a0, 0x7000);
	assert_int_equal(script.log[4].a0, 1); /* self */
	assert_int_equal(script.log[4].a1, IPI);
	assert_int_equal(cpu.page_shared, 1);

	/* Down: UNSHARE last, after DISABLE and the rescue. */
	script.nr_log = 0;
	assert_int_equal(pvirq_guest_cpu_down(&cpu, 0), 0);
	assert_int_equal(script.log[script.nr_log - 1].id, PVIRQ_ABI_ID(RVIC, UNSHARE_STATE));
	assert_int_equal(cpu.page_shared, 0);

	/* Without a class to apply, bring-up makes no priority call (RESET
	 * put every class and the floor back to 0), so the first raise of
	 * the floor is a call: the hypervisor honours the floor only from a
	 * priority call on. The next raise is in memory. */
	assert_int_equal(pvirq_guest_set_class(&drv, IPI, 0), 0);
	script.nr_log = 0;
	assert_int_equal(pvirq_guest_cpu_up(&cpu), 0);
	assert_int_equal(count_calls(&script, PVIRQ_ABI_ID(RVIC, SET_PRIORITY)), 0);
	assert_int_equal(count_calls(&script, PVIRQ_ABI_ID(RVIC, SET_PRIORITY_MASK)), 0);
	assert_int_equal(pvirq_guest_set_priority_mask(&cpu, 1), 0);
	assert_int_equal(count_calls(&script, PVIRQ_ABI_ID(RVIC, SET_PRIORITY_MASK)), 1);
	assert_int_equal(pvirq_guest_set_priority_mask(&cpu, 2), 0);
	assert_int_equal(count_calls(&script, PVIRQ_ABI_ID(RVIC, SET_PRIORITY_MASK)), 1);
	assert_int_equal(page[PVIRQ_SHARED_FLOOR_WORD((T + U) / 32)], 2);
}

static void in_memory_ack_takes_highest_class_then_round_robin(void **state)
{
	struct pvirq_guest_trap trap;
	struct pvirq_guest_cpu cpu;
	const uint32_t want[] = {IPI, 20, 3, 9, 3, 3};

	(void)state;
	shared_setup(&trap, &cpu, PVIRQ_GUEST_SHARED_ACK_IN_MEMORY);
	set_class_word(IPI, 2);
	set_class_word(20, 1);
	/* Class 0: 3, 9 (and 3 again, twice, latched by its own handler). */
	for (uint32_t i = 0; i < T; i++)
		page[0] &= ~PVIRQ_SHARED_MASKED(i);
	set_pending(9);
	set_pending(3);
	set_pending(20);
	set_pending(IPI);
	/* Masked and pending: never taken. */
	page[0] |= PVIRQ_SHARED_MASKED(5);
	set_pending(5);
	repend_once = 3;
	script.nr_log = 0;
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 5);
	/* 3's re-latch comes after 9 (round robin), then nothing but 5. */
	assert_int_equal(nr_order, 5);
	for (uint32_t k = 0; k < 5; k++)
		assert_int_equal(order[k], want[k]);
	assert_int_equal(script.nr_log, 0); /* not one call */
	assert_int_equal(cpu.mem_acks, 5);
	assert_int_equal(cpu.repended, 1);
	/* Every other INTID of word 0 ends unmasked and not pending. */
	assert_int_equal(page[0], PVIRQ_SHARED_MASKED(5) | PVIRQ_SHARED_PENDING(5));

	/* A floor of 1 holds class 0 off; the in-memory raise is no call. */
	assert_int_equal(pvirq_guest_set_priority_mask(&cpu, 1), 0);
	assert_int_equal(page[PVIRQ_SHARED_FLOOR_WORD((T + U) / 32)], 1);
	set_pending(9);
	set_pending(20);
	nr_order = 0;
	assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 1);
	assert_int_equal(order[0], 20);
	assert_int_equal(script.nr_log, 0);
	/* Lowering is a call; 9 waits for the line it raises. */
	assert_int_equal(pvirq_guest_set_priority_mask(&cpu, 0), 0);
	assert_int_equal(script.nr_log, 1);
	assert_int_equal(script.log[0].id, PVIRQ_ABI_ID(RVIC, SET_PRIORITY_MASK));
	assert_int_equal(script.log[0].a0, 0);
}

/* The re-evaluate rule, seen from the call log: a loop that stops with
 * an INTID deliverable behind the hypervisor's back tells it. */
static void stopped_loop_reevaluates_what_it_leaves(void **state)
{
	struct pvirq_guest_trap trap;
	struct pvirq_guest_cpu cpu;

	(void)state;
	for (int policy = 0; policy < 2; policy++) {
		const uint32_t flags = PVIRQ_GUEST_SHARED_ACK_IN_MEMORY |
				       (policy ? PVIRQ_GUEST_SHARED_EOI_REEVALUATE : 0u);

		shared_setup(&trap, &cpu, flags);
		page[0] &= ~PVIRQ_SHARED_MASKED(7);
		set_pending(7);
		repend_once = 7;
		script.nr_log = 0;
		assert_int_equal(pvirq_guest_handle_irq(&cpu, 1), 1);
		assert_int_equal(script.nr_log, 1);
		assert_int_equal(script.log[0].id, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED));
		assert_int_equal(script.log[0].a0, 1);
		assert_int_equal(script.log[0].a1, 7);
		assert_int_equal(cpu.reevaluated, 1);
		/* Still pending and unmasked: the next entry takes it. */
		assert_int_equal(page[0] & (PVIRQ_SHARED_PENDING(7) | PVIRQ_SHARED_MASKED(7)),
				 PVIRQ_SHARED_PENDING(7));
		/* Left deliverable by a stop after one handler with no
		 * re-latch: told as well (the upcall that was consumed was
		 * the only one). */
		set_pending(IPI);
		script.nr_log = 0;
		assert_int_equal(pvirq_guest_handle_irq(&cpu, 1), 1);
		assert_int_equal(script.nr_log, 1);
		assert_int_equal(script.log[0].id, PVIRQ_ABI_ID(RVIC, CLEAR_MASKED));
		/* Drained to an empty round: nothing to tell. */
		script.nr_log = 0;
		assert_int_equal(pvirq_guest_handle_irq(&cpu, 0), 1);
		assert_int_equal(script.nr_log, 0);
	}
}

/* ---- x86 discovery: a CPUID table as a VMM would fill it. ---- */

struct fake_cpu {
	uint32_t vendor[3]; /* EBX, EDX, ECX of leaf 0 */
	bool hypervisor_bit;
	uint32_t base; /* 0: no libpvirq block */
	struct pvirq_x86_cpuid_info info;
	bool kvm_block; /* KVM's own signature at 0x40000000 */
};

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t out[4])
{
	const struct fake_cpu *c = ctx;

	memset(out, 0, 4 * sizeof(uint32_t));
	if (leaf == 0) {
		out[1] = c->vendor[0], out[3] = c->vendor[1], out[2] = c->vendor[2];
	} else if (leaf == 1) {
		out[2] = c->hypervisor_bit ? 1u << 31 : 0;
	} else if (c->kvm_block && leaf == 0x40000000u) {
		out[0] = 0x40000001u;
		out[1] = 0x4b4d564bu, out[2] = 0x564b4d56u, out[3] = 0x4du; /* "KVMKVMKVM" */
	} else if (c->base) {
		pvirq_x86_cpuid_leaf(c->base, &c->info, leaf, out);
	}
}

static void x86_discovery_finds_the_block_and_picks_a_conduit(void **state)
{
	const uint32_t intel[3] = {0x756e6547u, 0x49656e69u, 0x6c65746eu};
	const uint32_t amd[3] = {0x68747541u, 0x69746e65u, 0x444d4163u};
	struct fake_cpu c = {.hypervisor_bit = true,
			     .base = PVIRQ_X86_CPUID_BASE_DEFAULT,
			     .kvm_block = true,
			     .info = {PVIRQ_ABI_VERSION, PVIRQ_X86_CPUID_CONDUIT_PORT_IO,
				      PVIRQ_X86_IO_PORT, 0xF3}};
	struct pvirq_guest_x86_platform p;

	(void)state;
	memcpy(c.vendor, intel, sizeof(intel));
	/* The KVM demo's VMM: port I/O only, behind KVM's own leaves. */
	assert_int_equal(pvirq_guest_x86_discover(fake_cpuid, &c, &p), PVIRQ_GUEST_X86_FOUND);
	assert_int_equal(p.base, PVIRQ_X86_CPUID_BASE_DEFAULT);
	assert_int_equal(p.info.version, PVIRQ_ABI_VERSION);
	assert_int_equal(p.info.upcall_vector, 0xF3);
	assert_int_equal(p.conduit, PVIRQ_GUEST_X86_PORT_IO);

	/* A hypervisor that takes both instructions: the vendor's own one. */
	c.info.conduits |= PVIRQ_X86_CPUID_CONDUIT_VMCALL | PVIRQ_X86_CPUID_CONDUIT_VMMCALL;
	c.base = 0x40000300u; /* moved: found by the scan */
	assert_int_equal(pvirq_guest_x86_discover(fake_cpuid, &c, &p), PVIRQ_GUEST_X86_FOUND);
	assert_int_equal(p.base, 0x40000300u);
	assert_int_equal(p.conduit, PVIRQ_GUEST_X86_VMCALL);
	memcpy(c.vendor, amd, sizeof(amd));
	assert_int_equal(pvirq_guest_x86_discover(fake_cpuid, &c, &p), PVIRQ_GUEST_X86_FOUND);
	assert_int_equal(p.conduit, PVIRQ_GUEST_X86_VMMCALL);
	/* VMCALL only, on AMD (where it would fault): unusable. */
	c.info.conduits = PVIRQ_X86_CPUID_CONDUIT_VMCALL;
	assert_int_equal(pvirq_guest_x86_discover(fake_cpuid, &c, &p), PVIRQ_GUEST_X86_NO_CONDUIT);
	/* Port I/O on a port the native trap does not use: unusable. */
	c.info.conduits = PVIRQ_X86_CPUID_CONDUIT_PORT_IO;
	c.info.io_port = 0x0A54;
	assert_int_equal(pvirq_guest_x86_discover(fake_cpuid, &c, &p), PVIRQ_GUEST_X86_NO_CONDUIT);

	c.base = 0;
	assert_int_equal(pvirq_guest_x86_discover(fake_cpuid, &c, &p), PVIRQ_GUEST_X86_NOT_FOUND);
	c.hypervisor_bit = false;
	assert_int_equal(pvirq_guest_x86_discover(fake_cpuid, &c, &p),
			 PVIRQ_GUEST_X86_NO_HYPERVISOR);
}

/* ---- Recipes against the real host library. ---- */

struct host_fixture {
	struct pvirq_vm *vm;
	struct host_trap host[NR_CPUS];
	struct pvirq_guest_trap trap[NR_CPUS];
	struct pvirq_guest_cpu cpu[NR_CPUS];
	uint64_t ids[NR_CPUS];
};

static struct host_fixture fx;

static void timer_handler(void *ctx, struct pvirq_guest_cpu *cpu, uint32_t intid)
{
	struct host_trap *host = cpu->trap.ctx;

	(void)ctx;
	handler_calls[intid]++;
	/* The timer device's acknowledge: reprogramming drops the line. */
	assert_int_equal(pvirq_rvic_set_level(host->vm, host->vcpu, TIMER, false), PVIRQ_OK);
}

static int host_setup(void **state)
{
	struct pvirq_config cfg = {
		.nr_vcpus = NR_CPUS, .nr_trusted = T, .nr_untrusted = U, .nr_rvid_inputs = N};

	(void)state;
	memset(handler_calls, 0, sizeof(handler_calls));
	assert_int_equal(pvirq_vm_create(&cfg, &fx.vm), PVIRQ_OK);
	for (uint32_t c = 0; c < NR_CPUS; c++) {
		host_trap_init(&fx.host[c], &fx.trap[c], fx.vm, c, (enum host_binding)(c % 3));
		fx.ids[c] = c;
	}
	assert_int_equal(pvirq_guest_probe(&drv, &fx.trap[0], table, T + U, 0), 0);
	assert_int_equal(drv.nr_inputs, N);
	assert_int_equal(drv.upcall_vector, PVIRQ_X86_UPCALL_VECTOR_DEFAULT); /* x86 binding */
	assert_int_equal(
		pvirq_guest_set_handler(&drv, IPI, count_handler, NULL, PVIRQ_GUEST_IRQ_PERCPU), 0);
	assert_int_equal(pvirq_guest_set_handler(&drv, TIMER, timer_handler, NULL,
						 PVIRQ_GUEST_IRQ_PERCPU | PVIRQ_GUEST_IRQ_LEVEL),
			 0);
	assert_int_equal(pvirq_guest_set_handler(&drv, WAKE, count_handler, NULL, 0), 0);
	for (uint32_t i = T; i < T + U; i++)
		assert_int_equal(pvirq_guest_set_handler(&drv, i, count_handler, NULL, 0), 0);
	/* Flags that only make sense for trusted sources are refused (LEVEL
	 * on an untrusted INTID is a level rVID input: test_guest_shared). */
	assert_int_not_equal(
		pvirq_guest_set_handler(&drv, T, count_handler, NULL, PVIRQ_GUEST_IRQ_PERCPU), 0);
	assert_int_not_equal(pvirq_guest_set_handler(&drv, T + U, count_handler, NULL, 0), 0);
	for (uint32_t c = 0; c < NR_CPUS; c++)
		pvirq_guest_cpu_init(&fx.cpu[c], &drv, &fx.trap[c], fx.ids[c]);
	return 0;
}

static int host_teardown(void **state)
{
	(void)state;
	pvirq_vm_destroy(fx.vm);
	return 0;
}

static bool enabled(uint32_t c)
{
	bool e = false;

	assert_int_equal(pvirq_rvic_is_enabled(fx.vm, c, &e), PVIRQ_OK);
	return e;
}

static void bring_up_resets_what_it_finds(void **state)
{
	(void)state;
	/* Junk a previous life left: unmasked and pending INTIDs. */
	for (uint32_t i = 0; i < T + U; i += 3) {
		assert_int_equal(pvirq_rvic_clear_masked(fx.vm, 1, i), PVIRQ_OK);
		assert_int_equal(pvirq_rvic_enable(fx.vm, 1), PVIRQ_OK);
		assert_int_equal(pvirq_rvic_signal(fx.vm, 1, i), PVIRQ_OK);
	}
	assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[1]), 0);
	assert_true(enabled(1));
	for (uint32_t i = 0; i < T + U; i++) {
		assert_false(intid_pending(fx.vm, 1, i));
		assert_int_equal(intid_masked(fx.vm, 1, i), i != IPI && i != TIMER);
	}
	/* Nothing was deliverable, so nothing runs. */
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[1], 0), 0);
	assert_int_equal(fx.cpu[1].spurious, 1);
}

static void ipis_reach_online_cpus_and_say_when_dropped(void **state)
{
	(void)state;
	assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[0]), 0);
	assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[1]), 0);
	assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[0], 1, IPI), 0);
	assert_true(pvirq_vcpu_line(fx.vm, 1));
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[1], 0), 1);
	assert_int_equal(handler_calls[IPI], 1);
	assert_false(intid_masked(fx.vm, 1, IPI)); /* end of interrupt unmasked it */
	/* CPU 2 never came up: its instance is disabled. */
	assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[0], 2, IPI), PVIRQ_ABI_DISABLED);
	assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[0], 7, IPI),
			 PVIRQ_ABI_STATUS(PVIRQ_ABI_INVALID_CPU, 0));
}

static void route_msi_and_retarget_move_pending_edges(void **state)
{
	const uint32_t dev = T + 4, input = 6;
	struct pvirq_guest_msi msi;

	(void)state;
	for (uint32_t c = 0; c < NR_CPUS; c++)
		assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[c]), 0);
	assert_int_equal(pvirq_guest_route(&fx.cpu[0], dev, input, 1), 0);
	assert_false(intid_masked(fx.vm, 1, dev));
	/* Another input on the same INTID is refused by the driver core. */
	assert_int_not_equal(pvirq_guest_route(&fx.cpu[0], dev, input + 1, 1), 0);

	msi = pvirq_guest_msi_compose(PVIRQ_MSI_DOORBELL, input);
	assert_int_equal(msi.address, PVIRQ_MSI_DOORBELL);
	assert_int_equal(pvirq_rvid_msi(fx.vm, msi.address, msi.data), PVIRQ_OK);
	assert_true(intid_pending(fx.vm, 1, dev));
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[1], 0), 1);
	assert_int_equal(handler_calls[dev], 1);

	/* An edge latched on CPU 1 while masked (as if mid-handler) moves
	 * with the retarget and is delivered once, on CPU 2. */
	assert_int_equal(pvirq_rvic_set_masked(fx.vm, 1, dev), PVIRQ_OK);
	assert_int_equal(pvirq_rvid_inject(fx.vm, input), PVIRQ_OK);
	assert_int_equal(pvirq_guest_retarget(&fx.cpu[0], dev, 2), 0);
	assert_false(intid_pending(fx.vm, 1, dev));
	assert_true(intid_masked(fx.vm, 1, dev));
	assert_true(intid_pending(fx.vm, 2, dev));
	assert_false(intid_masked(fx.vm, 2, dev));
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[1], 0), 0);
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[2], 0), 1);
	assert_int_equal(handler_calls[dev], 2);

	/* Routing it again is a move, with the old CPU left masked. */
	assert_int_equal(pvirq_guest_route(&fx.cpu[0], dev, input, 1), 0);
	assert_true(intid_masked(fx.vm, 2, dev));
	assert_false(intid_masked(fx.vm, 1, dev));
	assert_int_equal(pvirq_guest_route(&fx.cpu[0], dev, input, 2), 0);
	assert_true(intid_masked(fx.vm, 1, dev));

	/* Unroute: masked on its CPU, input unmapped, edges ignored. */
	assert_int_equal(pvirq_guest_unroute(&fx.cpu[0], dev), 0);
	assert_true(intid_masked(fx.vm, 2, dev));
	assert_int_equal(pvirq_rvid_inject(fx.vm, input), PVIRQ_EUNMAPPED);
	assert_int_not_equal(pvirq_guest_retarget(&fx.cpu[0], dev, 1), 0);
}

static void hotplug_moves_drains_and_rescues(void **state)
{
	const uint32_t dev = T + 9, stale = T + 10, input = 3;

	(void)state;
	for (uint32_t c = 0; c < NR_CPUS; c++)
		assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[c]), 0);
	assert_int_equal(pvirq_guest_route(&fx.cpu[0], dev, input, 2), 0);
	assert_int_equal(pvirq_guest_route(&fx.cpu[0], stale, input + 1, 0), 0);
	/* On CPU 2: a deliverable IPI (drained), a pending masked trusted
	 * INTID (rescued: its handler runs there once), an edge of an
	 * INTID now routed to CPU 0 latched here (handed on), and the
	 * device routed here (moved). */
	assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[0], 2, IPI), 0);
	assert_int_equal(pvirq_rvic_signal(fx.vm, 2, WAKE), PVIRQ_OK);
	assert_int_equal(pvirq_rvic_signal(fx.vm, 2, stale), PVIRQ_OK);

	assert_int_equal(pvirq_guest_cpu_down(&fx.cpu[2], 0), 0);
	assert_false(enabled(2));
	assert_int_equal(handler_calls[IPI], 1);  /* drained */
	assert_int_equal(handler_calls[WAKE], 1); /* rescued */
	assert_int_equal(fx.cpu[2].rescued, 2);
	for (uint32_t i = 0; i < T + U; i++)
		assert_false(intid_pending(fx.vm, 2, i));
	uint32_t v = 99, n = 0;
	assert_int_equal(pvirq_rvid_lookup(fx.vm, input, &v, &n), PVIRQ_OK);
	assert_int_equal(v, 0);
	assert_int_equal(n, dev);
	assert_true(intid_pending(fx.vm, 0, stale));
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[0], 0), 1);
	assert_int_equal(handler_calls[stale], 1);
	/* Offline: IPIs are refused, not lost silently. */
	assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[0], 2, IPI), PVIRQ_ABI_DISABLED);
	/* A CPU cannot fall back on itself. */
	assert_int_not_equal(pvirq_guest_cpu_down(&fx.cpu[0], 0), 0);
	assert_true(enabled(0));
}

/* The timer fires while its CPU is offline: the level is remembered, and
 * the CPU's next bring-up (DISABLE, mask all, clear all, ENABLE, unmask)
 * delivers it exactly once. */
static void level_timer_survives_offline_and_bring_up(void **state)
{
	(void)state;
	assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[1]), 0);
	assert_int_equal(pvirq_guest_cpu_down(&fx.cpu[1], 0), 0);
	assert_int_equal(pvirq_rvic_set_level(fx.vm, 1, TIMER, true), PVIRQ_EDISABLED);
	assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[1]), 0);
	assert_true(pvirq_vcpu_line(fx.vm, 1));
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[1], 0), 1);
	assert_int_equal(handler_calls[TIMER], 1);
	assert_false(intid_level(fx.vm, 1, TIMER));
	assert_false(intid_pending(fx.vm, 1, TIMER));
	assert_false(intid_masked(fx.vm, 1, TIMER));

	/* Raised while online but masked mid-handler: the end of interrupt
	 * (CLEAR_MASKED, RESAMPLE) re-pends while the line stays high. */
	assert_int_equal(pvirq_rvic_set_level(fx.vm, 1, TIMER, true), PVIRQ_OK);
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[1], 0), 1);
	assert_int_equal(handler_calls[TIMER], 2);
	assert_false(pvirq_vcpu_line(fx.vm, 1));
}

static void kexec_reset_leaves_nothing_mapped_or_pending(void **state)
{
	(void)state;
	for (uint32_t c = 0; c < NR_CPUS; c++)
		assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[c]), 0);
	for (uint32_t k = 0; k < 6; k++) {
		assert_int_equal(pvirq_guest_route(&fx.cpu[0], T + k, k, k % NR_CPUS), 0);
		assert_int_equal(pvirq_rvic_set_masked(fx.vm, k % NR_CPUS, T + k), PVIRQ_OK);
		assert_int_equal(pvirq_rvid_inject(fx.vm, k), PVIRQ_OK);
	}
	for (uint32_t c = 0; c < NR_CPUS; c++)
		assert_int_equal(pvirq_guest_send_ipi(&fx.cpu[0], c, WAKE), 0);
	/* A level line high on CPU 2 is still asserted after the reset. */
	assert_int_equal(pvirq_rvic_set_level(fx.vm, 2, TIMER, true), PVIRQ_OK);

	assert_int_equal(pvirq_guest_kexec_reset(&fx.cpu[1], fx.ids, NR_CPUS), 0);
	for (uint32_t k = 0; k < N; k++) {
		uint32_t v, n;

		assert_int_equal(pvirq_rvid_lookup(fx.vm, k, &v, &n), PVIRQ_EUNMAPPED);
	}
	for (uint32_t c = 0; c < NR_CPUS; c++) {
		for (uint32_t i = 0; i < T + U; i++) {
			assert_true(intid_masked(fx.vm, c, i));
			assert_int_equal(intid_pending(fx.vm, c, i), c == 2 && i == TIMER);
		}
	}
	assert_false(enabled(1));
	/* The next kernel probes and brings CPUs up from here. */
	assert_int_equal(pvirq_guest_cpu_up(&fx.cpu[2]), 0);
	assert_int_equal(pvirq_guest_handle_irq(&fx.cpu[2], 0), 1);
	assert_int_equal(handler_calls[TIMER], 1);
}

static void native_trap_of_another_architecture_never_traps(void **state)
{
	struct pvirq_guest_trap trap;
	struct pvirq_guest_ret r;

	(void)state;
#if defined(__x86_64__)
	pvirq_guest_trap_native_init(&trap, PVIRQ_GUEST_ARM64_HVC);
#else
	pvirq_guest_trap_native_init(&trap, PVIRQ_GUEST_X86_VMCALL);
#endif
	r = pvirq_guest_trap_call(&trap, PVIRQ_ABI_ID(RVIC, VERSION), 0, 0, 0);
	assert_int_equal(r.status, PVIRQ_ABI_STATUS_NOT_SUPPORTED);
	assert_int_equal(pvirq_guest_probe(&drv, &trap, table, T + U, 0), PVIRQ_GUEST_PROBE_ABSENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_accepts_a_plain_0_3_hypervisor),
		cmocka_unit_test(probe_fails_clearly),
		cmocka_unit_test(ack_loop_stops_on_every_non_success_status),
		cmocka_unit_test(ack_loop_refuses_out_of_range_intids_and_is_bounded),
		cmocka_unit_test(ack_loop_is_bounded_under_a_flood),
		cmocka_unit_test(ack_loop_honours_max_handled),
		cmocka_unit_test(bring_up_sequence_with_and_without_bulk_reset),
		cmocka_unit_test(shared_bring_up_shares_before_enable),
		cmocka_unit_test(in_memory_ack_takes_highest_class_then_round_robin),
		cmocka_unit_test(stopped_loop_reevaluates_what_it_leaves),
		cmocka_unit_test(x86_discovery_finds_the_block_and_picks_a_conduit),
		cmocka_unit_test_setup_teardown(bring_up_resets_what_it_finds, host_setup,
						host_teardown),
		cmocka_unit_test_setup_teardown(ipis_reach_online_cpus_and_say_when_dropped,
						host_setup, host_teardown),
		cmocka_unit_test_setup_teardown(route_msi_and_retarget_move_pending_edges,
						host_setup, host_teardown),
		cmocka_unit_test_setup_teardown(hotplug_moves_drains_and_rescues, host_setup,
						host_teardown),
		cmocka_unit_test_setup_teardown(level_timer_survives_offline_and_bring_up,
						host_setup, host_teardown),
		cmocka_unit_test_setup_teardown(kexec_reset_leaves_nothing_mapped_or_pending,
						host_setup, host_teardown),
		cmocka_unit_test(native_trap_of_another_architecture_never_traps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
