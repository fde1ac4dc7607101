/* SPDX-License-Identifier: MIT */
/*
 * The eventfd bridge with real eventfds: its poll-once API, bindings and
 * their errors, resample eventfds, and two loads from several threads
 * with exact accounting against guest-side acknowledges:
 *  - ping-pong: each writer thread owns one eventfd (half bound to rVID
 *    inputs, half to MSIs) and writes 1 only after the guest acknowledged
 *    its previous interrupt, so nothing coalesces and every count must be
 *    equal: writes = value sum = reads = edges injected = acknowledges;
 *  - flood: several threads write to shared eventfds without waiting.
 *    Eventfd counters coalesce, so the accounting is by the values read:
 *    their sum is the number of writes, every read injected one edge, and
 *    the guest acknowledged at least one and at most that many interrupts
 *    per INTID, the last one after the last write.
 * Waits are loops on a condition (the CTest timeout bounds them), never
 * timed assertions.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include <pvirq/eventfd.h>
#include <pvirq/hosted.h>
#include <pvirq/pvirq.h>

#define NR_VCPUS 2u
#define NR_TRUSTED 32u
#define NR_UNTRUSTED 64u
#define NR_INPUTS 16u
#define NR_PINGPONG 6u
#define PINGPONG_ROUNDS 400u
#define NR_FLOOD_FDS 2u
#define NR_FLOOD_WRITERS 4u
#define FLOOD_WRITES 5000u

struct rig {
	struct pvirq_vm *vm;
	struct pvirq_eventfd_bridge *bridge;
	_Atomic uint64_t acks[NR_TRUSTED + NR_UNTRUSTED];
	_Atomic bool guests_stop;
	pthread_t guests[NR_VCPUS];
};

static uint32_t intid_of_input(uint32_t input)
{
	return NR_TRUSTED + input;
}

static uint32_t vcpu_of_input(uint32_t input)
{
	return input % NR_VCPUS;
}

static int rig_setup(void **state)
{
	static const uint64_t ids[NR_VCPUS] = {0, 1};
	struct pvirq_config cfg = {.nr_vcpus = NR_VCPUS,
				   .nr_trusted = NR_TRUSTED,
				   .nr_untrusted = NR_UNTRUSTED,
				   .nr_rvid_inputs = NR_INPUTS,
				   .cpu_ids = ids};
	struct rig *r = calloc(1, sizeof(*r));

	if (!r || pvirq_vm_create(&cfg, &r->vm) || pvirq_eventfd_bridge_create(r->vm, &r->bridge))
		return -1;
	for (uint32_t c = 0; c < NR_VCPUS; c++) {
		pvirq_rvic_enable(r->vm, c);
		for (uint32_t i = NR_TRUSTED; i < NR_TRUSTED + NR_UNTRUSTED; i++)
			pvirq_rvic_clear_masked(r->vm, c, i);
	}
	for (uint32_t in = 0; in < NR_INPUTS; in++)
		if (pvirq_rvid_map(r->vm, in, vcpu_of_input(in), intid_of_input(in)))
			return -1;
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	pvirq_eventfd_bridge_destroy(r->bridge);
	pvirq_vm_destroy(r->vm);
	free(r);
	return 0;
}

static int new_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void write_eventfd(int fd, uint64_t value)
{
	assert_int_equal(write(fd, &value, sizeof(value)), (ssize_t)sizeof(value));
}

/* --- the guest: one thread per vCPU acknowledging and EOI-ing ------- */

struct guest_arg {
	struct rig *rig;
	uint32_t vcpu;
};

static struct guest_arg guest_args[NR_VCPUS];

static void *guest_thread(void *p)
{
	struct guest_arg *g = p;
	struct rig *r = g->rig;
	uint32_t intid;

	/* Acquire pairs with the test's release: see the stop below. */
	while (!atomic_load_explicit(&r->guests_stop, memory_order_acquire)) {
		if (pvirq_rvic_acknowledge(r->vm, g->vcpu, &intid) != PVIRQ_OK) {
			sched_yield();
			continue;
		}
		/* Release: a writer that sees the count sees the EOI's
		 * effects ordered after it only through the engine; the
		 * count itself is all it reads. */
		atomic_fetch_add_explicit(&r->acks[intid], 1, memory_order_release);
		pvirq_rvic_clear_masked(r->vm, g->vcpu, intid);
	}
	return NULL;
}

static void guests_start(struct rig *r)
{
	atomic_store_explicit(&r->guests_stop, false, memory_order_relaxed);
	for (uint32_t c = 0; c < NR_VCPUS; c++) {
		guest_args[c] = (struct guest_arg){.rig = r, .vcpu = c};
		assert_int_equal(pthread_create(&r->guests[c], NULL, guest_thread, &guest_args[c]),
				 0);
	}
}

static void guests_stop(struct rig *r)
{
	atomic_store_explicit(&r->guests_stop, true, memory_order_release);
	for (uint32_t c = 0; c < NR_VCPUS; c++)
		pthread_join(r->guests[c], NULL);
}

static uint64_t acks_of(struct rig *r, uint32_t intid)
{
	return atomic_load_explicit(&r->acks[intid], memory_order_acquire);
}

static bool intid_pending(struct rig *r, uint32_t vcpu, uint32_t intid)
{
	bool pending = false;

	assert_int_equal(pvirq_rvic_is_pending(r->vm, vcpu, intid, &pending), PVIRQ_OK);
	return pending;
}

/* --- single-threaded: the API ---------------------------------------- */

static void test_poll_once_injects_one_edge_per_read(void **state)
{
	struct rig *r = *state;
	struct pvirq_eventfd_stats st;
	int fd = new_eventfd();
	uint32_t intid;

	assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, fd, 5), PVIRQ_OK);
	assert_int_equal(pvirq_eventfd_bridge_poll(r->bridge, 0), 0); /* nothing written */
	write_eventfd(fd, 1);
	write_eventfd(fd, 2); /* coalesces with the first: one read of 3 */
	assert_int_equal(pvirq_eventfd_bridge_poll(r->bridge, -1), 1);
	assert_int_equal(pvirq_eventfd_bridge_stats(r->bridge, fd, &st), PVIRQ_OK);
	assert_int_equal(st.reads, 1);
	assert_int_equal(st.count, 3);
	assert_int_equal(st.injected, 1);
	assert_int_equal(st.disabled + st.unmapped, 0);
	assert_true(intid_pending(r, vcpu_of_input(5), intid_of_input(5)));
	assert_int_equal(pvirq_eventfd_bridge_poll(r->bridge, 0), 0); /* read drained it */
	assert_int_equal(pvirq_rvic_acknowledge(r->vm, vcpu_of_input(5), &intid), PVIRQ_OK);
	assert_int_equal(intid, intid_of_input(5));
	pvirq_rvic_clear_masked(r->vm, vcpu_of_input(5), intid);

	/* Unbound: no read, no injection; the descriptor is the caller's. */
	assert_int_equal(pvirq_eventfd_bridge_unbind(r->bridge, fd), PVIRQ_OK);
	write_eventfd(fd, 1);
	assert_int_equal(pvirq_eventfd_bridge_poll(r->bridge, 0), 0);
	assert_false(intid_pending(r, vcpu_of_input(5), intid_of_input(5)));
	assert_int_equal(pvirq_eventfd_bridge_stats(r->bridge, fd, &st), PVIRQ_EINVAL);
	assert_int_equal(pvirq_eventfd_bridge_unbind(r->bridge, fd), PVIRQ_EINVAL);
	close(fd);
}

static void test_msi_binding_and_drop_reasons(void **state)
{
	struct rig *r = *state;
	struct pvirq_eventfd_stats st;
	int msi = new_eventfd(), disabled = new_eventfd(), unmapped = new_eventfd();
	uint32_t intid;

	assert_int_equal(pvirq_eventfd_bridge_bind_msi(r->bridge, msi, PVIRQ_MSI_DOORBELL, 7),
			 PVIRQ_OK);
	write_eventfd(msi, 1);
	assert_int_equal(pvirq_eventfd_bridge_poll(r->bridge, -1), 1);
	assert_int_equal(pvirq_rvic_acknowledge(r->vm, vcpu_of_input(7), &intid), PVIRQ_OK);
	assert_int_equal(intid, intid_of_input(7));
	pvirq_rvic_clear_masked(r->vm, vcpu_of_input(7), intid);

	/* Input 9's vCPU disabled: read, counted, dropped. */
	pvirq_rvic_disable(r->vm, vcpu_of_input(9));
	assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, disabled, 9), PVIRQ_OK);
	write_eventfd(disabled, 4);
	assert_int_equal(pvirq_eventfd_bridge_poll(r->bridge, -1), 1);
	assert_int_equal(pvirq_eventfd_bridge_stats(r->bridge, disabled, &st), PVIRQ_OK);
	assert_int_equal(st.reads, 1);
	assert_int_equal(st.count, 4);
	assert_int_equal(st.disabled, 1);
	assert_int_equal(st.injected, 0);
	pvirq_rvic_enable(r->vm, vcpu_of_input(9));
	assert_false(intid_pending(r, vcpu_of_input(9), intid_of_input(9)));

	/* Input 10 unmapped: ignored, as an unmapped rVID input is. */
	pvirq_rvid_unmap(r->vm, 10);
	assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, unmapped, 10), PVIRQ_OK);
	write_eventfd(unmapped, 1);
	assert_int_equal(pvirq_eventfd_bridge_poll(r->bridge, -1), 1);
	assert_int_equal(pvirq_eventfd_bridge_stats(r->bridge, unmapped, &st), PVIRQ_OK);
	assert_int_equal(st.unmapped, 1);
	assert_int_equal(pvirq_rvid_map(r->vm, 10, vcpu_of_input(10), intid_of_input(10)),
			 PVIRQ_OK);

	for (int k = 0; k < 3; k++) {
		int fd = k == 0 ? msi : k == 1 ? disabled : unmapped;

		assert_int_equal(pvirq_eventfd_bridge_unbind(r->bridge, fd), PVIRQ_OK);
		close(fd);
	}
}

static void test_bind_errors(void **state)
{
	struct rig *r = *state;
	int fd = new_eventfd(), blocking = eventfd(0, EFD_CLOEXEC);

	assert_true(blocking >= 0);
	assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, fd, NR_INPUTS), PVIRQ_EINPUT);
	assert_int_equal(pvirq_eventfd_bridge_bind_msi(r->bridge, fd, 0xFEE00000u, 1),
			 PVIRQ_EADDRESS);
	assert_int_equal(
		pvirq_eventfd_bridge_bind_msi(r->bridge, fd, PVIRQ_MSI_DOORBELL, NR_INPUTS),
		PVIRQ_EINPUT);
	/* A blocking eventfd could stall the loop on a read another poller
	 * emptied; refused. So is a descriptor that is not open. */
	assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, blocking, 1), PVIRQ_EINVAL);
	assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, -1, 1), PVIRQ_EINVAL);
	assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, fd, 1), PVIRQ_OK);
	assert_int_equal(pvirq_eventfd_bridge_bind_msi(r->bridge, fd, PVIRQ_MSI_DOORBELL, 2),
			 PVIRQ_EINVAL); /* already bound */
	assert_int_equal(pvirq_eventfd_bridge_unbind(r->bridge, fd), PVIRQ_OK);
	assert_int_equal(pvirq_eventfd_bridge_create(NULL, &(struct pvirq_eventfd_bridge *){0}),
			 PVIRQ_EINVAL);
	close(fd);
	close(blocking);
}

static void test_resample(void **state)
{
	struct rig *r = *state;
	int fd = new_eventfd();
	uint64_t value = 0;

	assert_int_equal(pvirq_eventfd_bridge_resample(r->bridge, 3), PVIRQ_EUNMAPPED);
	assert_int_equal(pvirq_eventfd_bridge_bind_resample(r->bridge, NR_INPUTS, fd),
			 PVIRQ_EINPUT);
	assert_int_equal(pvirq_eventfd_bridge_resample(r->bridge, NR_INPUTS), PVIRQ_EINPUT);
	assert_int_equal(pvirq_eventfd_bridge_bind_resample(r->bridge, 3, fd), PVIRQ_OK);
	assert_int_equal(pvirq_eventfd_bridge_resample(r->bridge, 3), PVIRQ_OK);
	assert_int_equal(pvirq_eventfd_bridge_resample(r->bridge, 3), PVIRQ_OK);
	assert_int_equal(read(fd, &value, sizeof(value)), (ssize_t)sizeof(value));
	assert_int_equal(value, 2); /* one per end of interrupt, as irqfd's resamplefd */
	assert_int_equal(pvirq_eventfd_bridge_bind_resample(r->bridge, 3, -1), PVIRQ_OK);
	assert_int_equal(pvirq_eventfd_bridge_resample(r->bridge, 3), PVIRQ_EUNMAPPED);
	assert_int_equal(read(fd, &value, sizeof(value)), -1); /* nothing more written */
	close(fd);
}

/* The bridge's epoll descriptor in a VMM's own loop, and wake. */
static void *poll_forever(void *p)
{
	return (void *)(intptr_t)pvirq_eventfd_bridge_poll(p, -1);
}

static void test_wake_and_fd(void **state)
{
	struct rig *r = *state;
	pthread_t t;
	void *ret;

	assert_true(pvirq_eventfd_bridge_fd(r->bridge) >= 0);
	assert_int_equal(pthread_create(&t, NULL, poll_forever, r->bridge), 0);
	pvirq_eventfd_bridge_wake(r->bridge);
	pthread_join(t, &ret);
	assert_int_equal((intptr_t)ret, 0); /* woken, no reads */
	assert_int_equal(pvirq_eventfd_bridge_start(r->bridge), PVIRQ_OK);
	assert_int_equal(pvirq_eventfd_bridge_start(r->bridge), PVIRQ_EINVAL);
	pvirq_eventfd_bridge_stop(r->bridge);
	pvirq_eventfd_bridge_stop(r->bridge); /* no-op */
}

/* --- under load --------------------------------------------------------- */

struct writer {
	struct rig *rig;
	int fd;
	uint32_t input;	 /* its interrupt: input -> (vCPU, INTID) */
	unsigned writes; /* flood: how many */
};

static void *pingpong_writer(void *p)
{
	struct writer *w = p;
	uint32_t intid = intid_of_input(w->input);

	for (uint64_t round = 1; round <= PINGPONG_ROUNDS; round++) {
		uint64_t one = 1;

		if (write(w->fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			abort();
		while (acks_of(w->rig, intid) < round)
			sched_yield();
	}
	return NULL;
}

static void test_pingpong_exact_accounting(void **state)
{
	struct rig *r = *state;
	struct writer w[NR_PINGPONG];
	pthread_t t[NR_PINGPONG];

	memset((void *)r->acks, 0, sizeof(r->acks));
	for (uint32_t k = 0; k < NR_PINGPONG; k++) {
		w[k] = (struct writer){.rig = r, .fd = new_eventfd(), .input = k};
		if (k % 2)
			assert_int_equal(pvirq_eventfd_bridge_bind_msi(r->bridge, w[k].fd,
								       PVIRQ_MSI_DOORBELL, k),
					 PVIRQ_OK);
		else
			assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, w[k].fd, k),
					 PVIRQ_OK);
	}
	guests_start(r);
	assert_int_equal(pvirq_eventfd_bridge_start(r->bridge), PVIRQ_OK);
	for (uint32_t k = 0; k < NR_PINGPONG; k++)
		assert_int_equal(pthread_create(&t[k], NULL, pingpong_writer, &w[k]), 0);
	for (uint32_t k = 0; k < NR_PINGPONG; k++)
		pthread_join(t[k], NULL);
	pvirq_eventfd_bridge_stop(r->bridge);
	guests_stop(r);

	for (uint32_t k = 0; k < NR_PINGPONG; k++) {
		struct pvirq_eventfd_stats st;

		assert_int_equal(pvirq_eventfd_bridge_stats(r->bridge, w[k].fd, &st), PVIRQ_OK);
		assert_int_equal(st.count, PINGPONG_ROUNDS);
		assert_int_equal(st.reads, PINGPONG_ROUNDS);
		assert_int_equal(st.injected, PINGPONG_ROUNDS);
		assert_int_equal(acks_of(r, intid_of_input(w[k].input)), PINGPONG_ROUNDS);
		assert_false(intid_pending(r, vcpu_of_input(k), intid_of_input(k)));
		assert_int_equal(pvirq_eventfd_bridge_unbind(r->bridge, w[k].fd), PVIRQ_OK);
		close(w[k].fd);
	}
}

static void *flood_writer(void *p)
{
	struct writer *w = p;

	for (unsigned i = 0; i < w->writes; i++) {
		uint64_t one = 1;

		if (write(w->fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			abort();
	}
	return NULL;
}

static void test_flood_accounts_by_values_read(void **state)
{
	struct rig *r = *state;
	int fds[NR_FLOOD_FDS];
	struct writer w[NR_FLOOD_WRITERS];
	pthread_t t[NR_FLOOD_WRITERS];
	uint64_t written[NR_FLOOD_FDS] = {0};

	memset((void *)r->acks, 0, sizeof(r->acks));
	for (uint32_t f = 0; f < NR_FLOOD_FDS; f++) {
		fds[f] = new_eventfd();
		assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, fds[f], 11 + f),
				 PVIRQ_OK);
	}
	guests_start(r);
	assert_int_equal(pvirq_eventfd_bridge_start(r->bridge), PVIRQ_OK);
	for (uint32_t k = 0; k < NR_FLOOD_WRITERS; k++) {
		w[k] = (struct writer){.rig = r,
				       .fd = fds[k % NR_FLOOD_FDS],
				       .input = 11 + k % NR_FLOOD_FDS,
				       .writes = FLOOD_WRITES + 7 * k};
		written[k % NR_FLOOD_FDS] += w[k].writes;
		assert_int_equal(pthread_create(&t[k], NULL, flood_writer, &w[k]), 0);
	}
	for (uint32_t k = 0; k < NR_FLOOD_WRITERS; k++)
		pthread_join(t[k], NULL);

	/* Every write is read eventually: wait for the sums, then for the
	 * guest to have acknowledged the last edge. */
	for (uint32_t f = 0; f < NR_FLOOD_FDS; f++) {
		struct pvirq_eventfd_stats st;
		uint32_t in = 11 + f;

		do {
			sched_yield();
			assert_int_equal(pvirq_eventfd_bridge_stats(r->bridge, fds[f], &st),
					 PVIRQ_OK);
		} while (st.count < written[f]);
		/* The read that completed the sum came after the last write,
		 * and its injection latched pending before the statistics
		 * said so. Only an acknowledge clears pending, so seeing it
		 * clear means the guest took an interrupt after the last
		 * write (a lost edge would keep this loop, and the test,
		 * running until the CTest timeout). */
		while (intid_pending(r, vcpu_of_input(in), intid_of_input(in)))
			sched_yield();
	}
	pvirq_eventfd_bridge_stop(r->bridge);
	guests_stop(r);

	for (uint32_t f = 0; f < NR_FLOOD_FDS; f++) {
		struct pvirq_eventfd_stats st;
		uint64_t acks = acks_of(r, intid_of_input(11 + f));

		assert_int_equal(pvirq_eventfd_bridge_stats(r->bridge, fds[f], &st), PVIRQ_OK);
		assert_int_equal(st.count, written[f]); /* every write, exactly once */
		assert_true(st.reads >= 1 && st.reads <= st.count);
		assert_int_equal(st.injected, st.reads); /* one edge per read of N >= 1 */
		assert_true(acks >= 1 && acks <= st.injected);
		assert_int_equal(pvirq_eventfd_bridge_unbind(r->bridge, fds[f]), PVIRQ_OK);
		close(fds[f]);
	}
}

/*
 * Bind, use, unbind and close while the bridge's thread polls and another
 * eventfd keeps it busy: the closed descriptor's number comes straight
 * back from the next eventfd(), so an event of the old binding handled
 * after unbind would read the new one. Each round's single write must be
 * counted exactly once, on the binding it was made for, and an eventfd
 * that is not bound (typically the old number again) is never read.
 */
#define CHURN_ROUNDS 300u

static void *churn_busy_writer(void *p)
{
	struct writer *w = p;

	while (!atomic_load_explicit(&w->rig->guests_stop, memory_order_acquire)) {
		uint64_t one = 1;

		if (write(w->fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			abort();
		sched_yield();
	}
	return NULL;
}

static void test_bind_unbind_while_polling(void **state)
{
	struct rig *r = *state;
	struct writer busy = {.rig = r, .fd = new_eventfd(), .input = 14};
	pthread_t t;

	assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, busy.fd, 14), PVIRQ_OK);
	guests_start(r);
	assert_int_equal(pvirq_eventfd_bridge_start(r->bridge), PVIRQ_OK);
	assert_int_equal(pthread_create(&t, NULL, churn_busy_writer, &busy), 0);
	for (unsigned k = 0; k < CHURN_ROUNDS; k++) {
		struct pvirq_eventfd_stats st;
		int fd = new_eventfd();

		assert_int_equal(pvirq_eventfd_bridge_bind_input(r->bridge, fd, 15), PVIRQ_OK);
		write_eventfd(fd, 1);
		do {
			sched_yield();
			assert_int_equal(pvirq_eventfd_bridge_stats(r->bridge, fd, &st), PVIRQ_OK);
		} while (st.count == 0);
		assert_int_equal(st.count, 1);
		assert_int_equal(st.reads, 1);
		assert_int_equal(pvirq_eventfd_bridge_unbind(r->bridge, fd), PVIRQ_OK);
		close(fd);

		int other = new_eventfd();
		uint64_t value = 0;

		write_eventfd(other, 1);
		for (int spin = 0; spin < 20; spin++)
			sched_yield(); /* give a stale event the chance to be handled */
		assert_int_equal(read(other, &value, sizeof(value)), (ssize_t)sizeof(value));
		assert_int_equal(value, 1);
		close(other);
	}
	guests_stop(r); /* also stops the busy writer */
	pthread_join(t, NULL);
	pvirq_eventfd_bridge_stop(r->bridge);
	assert_int_equal(pvirq_eventfd_bridge_unbind(r->bridge, busy.fd), PVIRQ_OK);
	close(busy.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_once_injects_one_edge_per_read),
		cmocka_unit_test(test_msi_binding_and_drop_reasons),
		cmocka_unit_test(test_bind_errors),
		cmocka_unit_test(test_resample),
		cmocka_unit_test(test_wake_and_fd),
		cmocka_unit_test(test_pingpong_exact_accounting),
		cmocka_unit_test(test_flood_accounts_by_values_read),
		cmocka_unit_test(test_bind_unbind_while_polling),
	};

	return cmocka_run_group_tests(tests, rig_setup, rig_teardown);
}
