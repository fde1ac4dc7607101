/* SPDX-License-Identifier: MIT */
/*
 * The VMM's devices. Each device thread sends one interrupt, waits on its
 * doorbell (an ioeventfd the guest rings after handling it), records the
 * latency inject -> guest handler from the two TSC stamps, and sends the
 * next: one interrupt in flight per device, so sent and handled compare
 * exactly. The timer thread raises each vCPU's timer line every period
 * unless the previous tick is still unhandled; the guest lowers the line
 * through DEMO_PORT_TIMER_ACK ("reprogramming" it).
 *
 * libpvirq mode: each device signals an eventfd of its own (its "irqfd",
 * as a vhost-user or VFIO backend would), and libpvirq's eventfd bridge,
 * bound to the device's rVID input, injects it (untrusted path) from its
 * own thread; the latency therefore includes that hop. The timer is a
 * trusted level line (pvirq_rvic_set_level) that the guest RESAMPLEs, or
 * with the shared-state page an edge (SIGNAL), as the baseline's MSI.
 * Baseline: both are MSIs into the in-kernel LAPIC.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <pvirq/eventfd.h>
#include <pvirq/pvirq.h>

#include "vmm.h"

#define DRAIN_TIMEOUT_NS 3000000000ull

static uint64_t shared_load(uint64_t *p)
{
	return atomic_load_explicit((_Atomic uint64_t *)p, memory_order_seq_cst);
}

static void shared_store(uint64_t *p, uint64_t v)
{
	atomic_store_explicit((_Atomic uint64_t *)p, v, memory_order_seq_cst);
}

int demo_signal_msi(struct demo_vm *vm, uint32_t dest, uint32_t vector)
{
	/* Fixed delivery, physical destination mode, edge. */
	struct kvm_msi msi = {.address_lo = 0xFEE00000u | (dest << 12), .data = vector};

	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) > 0 ? 0 : -1;
}

static void record_sample(struct demo_device *dev, uint64_t ticks)
{
	if (dev->nr_samples == dev->cap_samples) {
		size_t cap = dev->cap_samples ? dev->cap_samples * 2 : 65536;
		uint32_t *grown;

		if (cap > (64u << 20))
			return; /* keep memory bounded on very long runs */
		grown = realloc(dev->samples, cap * sizeof(*grown));
		if (!grown)
			return;
		dev->samples = grown;
		dev->cap_samples = cap;
	}
	dev->samples[dev->nr_samples++] = ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
}

/* An NMI to @p dest's local APIC: delivery mode NMI (data bits 10:8). */
int demo_signal_nmi_msi(struct demo_vm *vm, uint32_t dest)
{
	struct kvm_msi msi = {.address_lo = 0xFEE00000u | (dest << 12), .data = 4u << 8};

	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) > 0 ? 0 : -1;
}

/* Waits until the guest finished the interrupt numbered @p raised. */
static bool wait_done(struct demo_device *dev, struct demo_device_slot *slot, uint64_t raised)
{
	struct demo_vm *vm = dev->vm;
	struct pollfd pfd = {.fd = dev->eventfd, .events = POLLIN};
	uint64_t stop_seen = 0, counter;

	while (shared_load(&slot->done) != raised) {
		if (atomic_load_explicit(&vm->devices_stop, memory_order_acquire)) {
			uint64_t now = demo_now_ns();

			if (!stop_seen)
				stop_seen = now;
			else if (now - stop_seen > DRAIN_TIMEOUT_NS)
				return false;
		}
		if (poll(&pfd, 1, 20) > 0 && read(dev->eventfd, &counter, sizeof(counter)) < 0 &&
		    errno != EAGAIN)
			return false;
	}
	return true;
}

/* What a device backend does: one write to its interrupt eventfd. */
static int signal_irqfd(struct demo_device *dev)
{
	uint64_t one = 1;

	return write(dev->irqfd, &one, sizeof(one)) == (ssize_t)sizeof(one) ? 0 : -1;
}

/*
 * The level-triggered device (#18): it queues a burst of 1 to 3 items and
 * holds its line high while any is queued; the guest takes one item per
 * interrupt (demo_level_take(), its port read) and RVID_RESAMPLEs, which
 * re-pends the INTID while the line is still high. The next burst comes
 * once every item was handled, so sent == handled exactly, counted per
 * item. No latency samples: an item's wait depends on its place in the
 * burst.
 */
static void *level_device_thread(struct demo_device *dev)
{
	struct demo_vm *vm = dev->vm;
	struct demo_device_slot *slot = &vm->shared->dev[dev->index];

	for (uint64_t round = 0; !atomic_load_explicit(&vm->devices_stop, memory_order_acquire);
	     round++) {
		uint64_t burst = 1 + round % 3, raised = slot->raised + burst;

		shared_store(&slot->raised, raised);
		atomic_fetch_add_explicit(&vm->level_queue, burst, memory_order_seq_cst);
		dev->sent += burst;
		/* Queue first, then the line: a take that sees the line sees
		 * the items. */
		if (pvirq_rvid_set_level(vm->pvirq, dev->index, true) != PVIRQ_OK)
			dev->inject_errors++;
		if (!wait_done(dev, slot, raised)) {
			dev->stuck = true;
			break;
		}
	}
	return NULL;
}

uint32_t demo_level_take(struct demo_vm *vm)
{
	uint64_t queued = atomic_load_explicit(&vm->level_queue, memory_order_seq_cst);

	do {
		if (queued == 0)
			return 0;
	} while (!atomic_compare_exchange_weak_explicit(
		&vm->level_queue, &queued, queued - 1, memory_order_seq_cst, memory_order_seq_cst));
	/* The last item: the condition is gone, the line drops. The device
	 * queues again only after the guest reported this item done, so
	 * this lower never overtakes the next raise. */
	if (queued == 1)
		pvirq_rvid_set_level(vm->pvirq, 0, false);
	return 1;
}

void demo_level_resample(void *ctx, uint32_t input)
{
	struct demo_vm *vm = ctx;

	(void)input;
	/* The line already follows the queue (lowered at the last take),
	 * so there is nothing to re-check; count the end of interrupt. */
	atomic_fetch_add_explicit(&vm->level_resamples, 1, memory_order_relaxed);
}

static void *device_thread(void *arg)
{
	struct demo_device *dev = arg;
	struct demo_vm *vm = dev->vm;
	struct demo_device_slot *slot = &vm->shared->dev[dev->index];

	while (!atomic_load_explicit((_Atomic uint32_t *)&vm->shared->ready,
				     memory_order_acquire)) {
		if (atomic_load_explicit(&vm->devices_stop, memory_order_acquire))
			return NULL;
		usleep(1000);
	}
	if (vm->level_device && dev->index == 0)
		return level_device_thread(dev);
	while (!atomic_load_explicit(&vm->devices_stop, memory_order_acquire)) {
		uint64_t raised = slot->raised + 1, latency;
		int err;

		/* Stamp and count before sending: the guest compares raised
		 * with claimed to tell a real interrupt from a duplicate. */
		shared_store(&slot->inject_tsc, demo_rdtsc());
		shared_store(&slot->raised, raised);
		if (vm->pvirq)
			err = signal_irqfd(dev);
		else
			err = demo_signal_msi(
				vm, atomic_load_explicit(&dev->msi_dest, memory_order_seq_cst),
				DEMO_VECTOR_DEVICE(dev->index));
		dev->sent++;
		if (err)
			dev->inject_errors++;
		if (!wait_done(dev, slot, raised)) {
			dev->stuck = true;
			break;
		}
		latency = shared_load(&slot->handled_tsc) - shared_load(&slot->inject_tsc);
		if (vm->tsc_shared)
			record_sample(dev, latency);
	}
	return NULL;
}

/* Timer lateness, raise -> the guest's ack; called on vCPU @p vcpu's
 * thread only, so its sample array has one writer. */
static void record_timer_late(struct demo_vm *vm, uint32_t vcpu)
{
	uint64_t raised = atomic_load_explicit(&vm->timer_raise_tsc[vcpu], memory_order_seq_cst);
	uint64_t late = demo_rdtsc() - raised;
	size_t n = vm->nr_timer_late[vcpu];

	if (!raised || n >= DEMO_TIMER_SAMPLES)
		return;
	if (!vm->timer_late[vcpu]) {
		vm->timer_late[vcpu] = malloc(DEMO_TIMER_SAMPLES * sizeof(uint32_t));
		if (!vm->timer_late[vcpu])
			return;
	}
	vm->timer_late[vcpu][n] = late > UINT32_MAX ? UINT32_MAX : (uint32_t)late;
	vm->nr_timer_late[vcpu] = n + 1;
}

/* Lowers vCPU @p vcpu's timer line (the guest reprogrammed its timer). */
void demo_timer_ack(struct demo_vm *vm, uint32_t vcpu)
{
	if (atomic_load_explicit(&vm->timer_asserted[vcpu], memory_order_seq_cst))
		record_timer_late(vm, vcpu);
	if (vm->pvirq && !vm->timer_edge)
		pvirq_rvic_set_level(vm->pvirq, vcpu, DEMO_INTID_TIMER, false);
	/* After lowering: the timer thread may raise it again from here on. */
	atomic_store_explicit(&vm->timer_asserted[vcpu], 0, memory_order_seq_cst);
}

static void raise_timer(struct demo_vm *vm, uint32_t vcpu)
{
	int err;

	atomic_store_explicit(&vm->timer_raise_tsc[vcpu], demo_rdtsc(), memory_order_seq_cst);
	atomic_store_explicit(&vm->timer_asserted[vcpu], 1, memory_order_seq_cst);
	shared_store(&vm->shared->vcpu[vcpu].timer_raised, vm->shared->vcpu[vcpu].timer_raised + 1);
	if (vm->pvirq)
		err = vm->timer_edge
			      ? pvirq_rvic_signal(vm->pvirq, vcpu, DEMO_INTID_TIMER)
			      : pvirq_rvic_set_level(vm->pvirq, vcpu, DEMO_INTID_TIMER, true);
	else
		err = demo_signal_msi(vm, vcpu, DEMO_VECTOR_TIMER);
	if (err)
		atomic_fetch_add_explicit(&vm->timer_inject_errors, 1, memory_order_relaxed);
}

static void *timer_thread(void *arg)
{
	struct demo_vm *vm = arg;
	uint64_t period_ns = (uint64_t)vm->opt->timer_us * 1000ull;
	struct timespec next;

	while (!atomic_load_explicit((_Atomic uint32_t *)&vm->shared->ready,
				     memory_order_acquire)) {
		if (atomic_load_explicit(&vm->timer_stop, memory_order_acquire))
			return NULL;
		usleep(1000);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load_explicit(&vm->timer_stop, memory_order_acquire)) {
		next.tv_nsec += (long)period_ns;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		for (uint32_t v = 0; v < vm->nr_vcpus; v++)
			if (!atomic_load_explicit(&vm->timer_asserted[v], memory_order_seq_cst))
				raise_timer(vm, v);
	}
	return NULL;
}

/* The NMI source (--nmi-us): every period, each vCPU whose previous NMI
 * was taken gets the next, a SIGNAL of DEMO_INTID_NMI (class 3): one in
 * flight per vCPU, so raised == handled exactly. */
static void *nmi_thread(void *arg)
{
	struct demo_vm *vm = arg;
	struct timespec period = {.tv_sec = 0, .tv_nsec = (long)vm->opt->nmi_us * 1000};

	while (!atomic_load_explicit((_Atomic uint32_t *)&vm->shared->ready,
				     memory_order_acquire)) {
		if (atomic_load_explicit(&vm->nmi_stop, memory_order_acquire))
			return NULL;
		usleep(1000);
	}
	while (!atomic_load_explicit(&vm->nmi_stop, memory_order_acquire)) {
		nanosleep(&period, NULL);
		for (uint32_t v = 0; v < vm->nr_vcpus; v++) {
			uint64_t raised =
				atomic_load_explicit(&vm->nmi_raised[v], memory_order_seq_cst);

			if (shared_load(&vm->kvm_ctl->vcpu[v].nmi_handled) != raised)
				continue;
			atomic_store_explicit(&vm->nmi_raised[v], raised + 1, memory_order_seq_cst);
			if (pvirq_rvic_signal(vm->pvirq, v, DEMO_INTID_NMI) != PVIRQ_OK)
				atomic_fetch_add_explicit(&vm->timer_inject_errors, 1,
							  memory_order_relaxed);
		}
	}
	return NULL;
}

void demo_nmi_stop(struct demo_vm *vm)
{
	uint64_t end = demo_now_ns() + 3000000000ull;
	bool drained;

	if (!vm->nmi_line)
		return;
	atomic_store_explicit(&vm->nmi_stop, true, memory_order_release);
	pthread_join(vm->nmi_thread, NULL);
	do {
		drained = true;
		for (uint32_t v = 0; v < vm->nr_vcpus; v++)
			drained &= shared_load(&vm->kvm_ctl->vcpu[v].nmi_handled) ==
				   atomic_load_explicit(&vm->nmi_raised[v], memory_order_seq_cst);
		if (!drained)
			usleep(1000);
	} while (!drained && demo_now_ns() < end);
}

void demo_send_wake(struct demo_vm *vm, uint32_t vcpu)
{
	if (vm->pvirq)
		pvirq_rvic_signal(vm->pvirq, vcpu, DEMO_INTID_WAKE);
	else
		demo_signal_msi(vm, vcpu, DEMO_VECTOR_WAKE);
}

/* One irqfd per device, bound to its rVID input, and the bridge's thread. */
static int bridge_start(struct demo_vm *vm)
{
	if (pvirq_eventfd_bridge_create(vm->pvirq, &vm->bridge))
		return -ENOMEM;
	for (uint32_t d = 0; d < vm->nr_devices; d++) {
		struct demo_device *dev = &vm->devices[d];

		dev->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (dev->irqfd < 0 || pvirq_eventfd_bridge_bind_input(vm->bridge, dev->irqfd, d))
			return -EINVAL;
	}
	return pvirq_eventfd_bridge_start(vm->bridge) ? -EINVAL : 0;
}

/*
 * After the device threads stopped: the bridge injects what it has not
 * read yet, and each device's dropped edges (every target disabled, or
 * the input unmapped: the guest never does either to a device) count as
 * inject errors, as a failed direct injection did.
 */
static void bridge_stop(struct demo_vm *vm)
{
	pvirq_eventfd_bridge_stop(vm->bridge);
	while (pvirq_eventfd_bridge_poll(vm->bridge, 0) > 0)
		;
	for (uint32_t d = 0; d < vm->nr_devices; d++) {
		struct demo_device *dev = &vm->devices[d];
		struct pvirq_eventfd_stats st;

		if (!pvirq_eventfd_bridge_stats(vm->bridge, dev->irqfd, &st))
			dev->inject_errors += st.disabled + st.unmapped;
		pvirq_eventfd_bridge_unbind(vm->bridge, dev->irqfd);
		close(dev->irqfd);
	}
	pvirq_eventfd_bridge_destroy(vm->bridge);
	vm->bridge = NULL;
}

int demo_devices_start(struct demo_vm *vm)
{
	int err;

	if (vm->pvirq && vm->nr_devices) {
		err = bridge_start(vm);
		if (err)
			return err;
	}
	for (uint32_t d = 0; d < vm->nr_devices; d++) {
		err = pthread_create(&vm->devices[d].thread, NULL, device_thread, &vm->devices[d]);
		if (err)
			return -err;
	}
	if (vm->opt->timer_us) {
		err = pthread_create(&vm->timer_thread, NULL, timer_thread, vm);
		if (err)
			return -err;
	}
	if (vm->nmi_line) {
		err = pthread_create(&vm->nmi_thread, NULL, nmi_thread, vm);
		if (err)
			return -err;
	}
	return 0;
}

void demo_devices_stop(struct demo_vm *vm)
{
	atomic_store_explicit(&vm->devices_stop, true, memory_order_release);
	for (uint32_t d = 0; d < vm->nr_devices; d++)
		pthread_join(vm->devices[d].thread, NULL);
	if (vm->bridge)
		bridge_stop(vm);
}

void demo_timer_stop(struct demo_vm *vm)
{
	atomic_store_explicit(&vm->timer_stop, true, memory_order_release);
	if (vm->opt->timer_us)
		pthread_join(vm->timer_thread, NULL);
}
