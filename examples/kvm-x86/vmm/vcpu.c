/* SPDX-License-Identifier: MIT */
/*
 * vCPU threads: the KVM_RUN loop, port-I/O exits (libpvirq hypercalls,
 * console, exit, the timer and MSI-route registers), upcall injection, and
 * the kick that gets a vCPU whose line rose back to the injection point.
 *
 * Never losing a wake-up (libpvirq mode). Each vCPU publishes where it is
 * in `state` (seq_cst) before it reads its line with pvirq_vcpu_rearm()
 * (itself seq_cst: it clears the "notified" flag, fences, reads the state
 * words). A signaller sets a pending bit (seq_cst), then libpvirq calls
 * demo_vcpu_kick(), which reads `state` (seq_cst). Store-buffering pair:
 * either the vCPU's rearm sees the new pending bit and injects, or the
 * kicker sees the vCPU's state and
 *   - VCPU_IN_GUEST: sends SIGUSR1. Inside KVM_RUN it forces an exit; just
 *     before it, the handler sets run->immediate_exit so KVM_RUN returns at
 *     once. Either way the loop comes back to rearm and injects.
 *   - VCPU_HALTED: bumps wake_seq and futex-wakes; the vCPU read wake_seq
 *     before publishing HALTED, so a bump after that read fails its
 *     FUTEX_WAIT or wakes it.
 * A kick may be spurious (an extra exit); it is never missing.
 */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <pvirq/arch/x86_64.h>
#include <pvirq/pvirq.h>

#include "vmm.h"

#define KICK_SIGNAL SIGUSR1

static _Thread_local struct demo_vcpu *this_vcpu;

static void count_exit(struct demo_vcpu *v, enum demo_exit_kind k)
{
	/* Only this vCPU's thread writes its counters; relaxed is enough,
	 * the main thread samples them for statistics only. */
	atomic_fetch_add_explicit(&v->exits[k], 1, memory_order_relaxed);
}

static void kick_handler(int sig)
{
	(void)sig;
	/* Async-signal-safe: one store to our own kvm_run page. If KVM_RUN
	 * has not started yet it now returns at once (KVM_CAP_IMMEDIATE_EXIT). */
	if (this_vcpu)
		this_vcpu->run->immediate_exit = 1;
}

static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected, long timeout_ns)
{
	struct timespec ts = {.tv_sec = timeout_ns / 1000000000,
			      .tv_nsec = timeout_ns % 1000000000};

	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, &ts, NULL, 0);
}

void demo_vcpu_kick(void *ctx, uint32_t index)
{
	struct demo_vm *vm = ctx;
	struct demo_vcpu *v = &vm->vcpus[index];
	pthread_t *thread;

	/* Our own vCPU: we rearm before re-entering, nothing to do. */
	if (v == this_vcpu)
		return;
	switch (atomic_load_explicit(&v->state, memory_order_seq_cst)) {
	case VCPU_HALTED:
		atomic_fetch_add_explicit(&v->wake_seq, 1, memory_order_seq_cst);
		futex_wake(&v->wake_seq);
		atomic_fetch_add_explicit(&vm->kicks_wake, 1, memory_order_relaxed);
		break;
	case VCPU_IN_GUEST:
		thread = atomic_load_explicit(&v->self, memory_order_acquire);
		if (thread) {
			pthread_kill(*thread, KICK_SIGNAL);
			atomic_fetch_add_explicit(&vm->kicks_signal, 1, memory_order_relaxed);
		}
		break;
	default: break; /* between exits: it rearms before entering */
	}
}

/*
 * The shared variant (WAVE3.md, x86 one-shot upcall): the notify callback
 * re-arms at once and, if the line is high, sends the upcall vector as an
 * MSI to the vCPU's in-kernel LAPIC. KVM latches it in the IRR and kicks
 * or wakes the vCPU itself; no VMM thread injects. Re-arming here means
 * every later rise notifies again, and a rise between the flag clear and
 * the line read is seen by that read: no upcall is lost. A second MSI
 * while one is pending or in service merges in the IRR, and the guest's
 * loop drains every deliverable INTID per upcall.
 */
void demo_vcpu_notify_msi(void *ctx, uint32_t index)
{
	struct demo_vm *vm = ctx;

	if (pvirq_vcpu_rearm(vm->pvirq, index) &&
	    demo_signal_msi(vm, index, vm->shared->upcall_vector) == 0)
		atomic_fetch_add_explicit(&vm->upcall_msis, 1, memory_order_relaxed);
	/* notify() also announces the NMI edge: an MSI with NMI delivery. */
	if (vm->nmi_line && pvirq_vcpu_take_nmi(vm->pvirq, index) &&
	    demo_signal_nmi_msi(vm, index) == 0)
		atomic_fetch_add_explicit(&vm->nmis_injected, 1, memory_order_relaxed);
}

/* KVM_EXIT_HLT in libpvirq mode: sleep until our line rises. First poll
 * the line for --halt-poll-us, as KVM polls for a halted vCPU with an
 * in-kernel LAPIC (halt_poll_ns); kickers leave a polling vCPU alone
 * (state VCPU_OUTSIDE) since it reads the line itself. */
static void halt_until_line(struct demo_vm *vm, struct demo_vcpu *v)
{
	uint64_t poll_end = demo_now_ns() + vm->opt->halt_poll_us * 1000ull;

	while (vm->opt->halt_poll_us && demo_now_ns() < poll_end) {
		if (pvirq_vcpu_line(vm->pvirq, v->index))
			return;
		__asm__ volatile("pause");
	}
	for (;;) {
		uint32_t seq = atomic_load_explicit(&v->wake_seq, memory_order_seq_cst);

		atomic_store_explicit(&v->state, VCPU_HALTED, memory_order_seq_cst);
		/* rearm, not a plain line read: it clears "notified", so a
		 * signal after this point calls demo_vcpu_kick() again. */
		if (pvirq_vcpu_rearm(vm->pvirq, v->index))
			break;
		/* The NMI edge wakes a halted vCPU too (injected at entry). */
		if (vm->nmi_line && pvirq_vcpu_take_nmi(vm->pvirq, v->index)) {
			v->nmi_pending = true;
			break;
		}
		/* The timeout only bounds a guest that halts with nothing
		 * armed; the stop path always wakes us explicitly. */
		futex_wait(&v->wake_seq, seq, 50 * 1000 * 1000);
	}
	atomic_store_explicit(&v->state, VCPU_OUTSIDE, memory_order_seq_cst);
}

/* One counter per call of ABI 0.4, then "other". */
_Static_assert(DEMO_CALL_RVID_FIRST == DEMO_CALL_RVIC_FIRST + PVIRQ_FN_RVIC_ACKNOWLEDGE_NMI + 1,
	       "rVIC call counters");
_Static_assert(DEMO_CALL_OTHER == DEMO_CALL_RVID_FIRST + PVIRQ_FN_RVID_RESAMPLE + 1,
	       "rVID call counters");

static void count_call(struct demo_vcpu *v, uint64_t id)
{
	uint64_t slot = DEMO_CALL_OTHER;

	if (id - PVIRQ_ABI_RVIC_BASE <= PVIRQ_FN_RVIC_ACKNOWLEDGE_NMI)
		slot = DEMO_CALL_RVIC_FIRST + (id - PVIRQ_ABI_RVIC_BASE);
	else if (id - PVIRQ_ABI_RVID_BASE <= PVIRQ_FN_RVID_RESAMPLE)
		slot = DEMO_CALL_RVID_FIRST + (id - PVIRQ_ABI_RVID_BASE);
	atomic_fetch_add_explicit(&v->calls[slot], 1, memory_order_relaxed);
}

/* The doorbell: registers in, libpvirq, registers out. With
 * KVM_CAP_SYNC_REGS they travel in kvm_run (no GET/SET_REGS ioctls). */
static int hypercall(struct demo_vm *vm, struct demo_vcpu *v)
{
	struct kvm_regs local, *regs = vm->sync_regs ? &v->run->s.regs.regs : &local;
	struct pvirq_x86_regs r;

	if (!vm->sync_regs && ioctl(v->fd, KVM_GET_REGS, regs) < 0)
		return -errno;
	count_call(v, regs->rax);
	r = (struct pvirq_x86_regs){.rax = regs->rax,
				    .rbx = regs->rbx,
				    .rcx = regs->rcx,
				    .rdx = regs->rdx,
				    .rsi = regs->rsi,
				    .rdi = regs->rdi};
	if (pvirq_x86_handle_hypercall(vm->pvirq, v->index, &r) == PVIRQ_ENOSYS) {
		/* Not libpvirq's: this VMM implements no other calls. */
		r.rax = (uint64_t)PVIRQ_ABI_STATUS_NOT_SUPPORTED;
	}
	regs->rax = r.rax;
	regs->rbx = r.rbx;
	regs->rcx = r.rcx;
	regs->rdx = r.rdx;
	regs->rsi = r.rsi;
	regs->rdi = r.rdi;
	if (vm->sync_regs) {
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return ioctl(v->fd, KVM_SET_REGS, regs) < 0 ? -errno : 0;
}

static void console_putc(struct demo_vcpu *v, char c)
{
	if (c != '\n' && v->console_len < sizeof(v->console) - 1) {
		v->console[v->console_len++] = c;
		return;
	}
	v->console[v->console_len] = 0;
	printf("  [guest vcpu%u] %s\n", v->index, v->console);
	fflush(stdout);
	v->console_len = 0;
}

/* Returns 1 when the guest asked to stop this vCPU, 0 to continue, <0 on error. */
static int handle_io(struct demo_vm *vm, struct demo_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t value = 0;

	if (run->io.direction != KVM_EXIT_IO_OUT) {
		if (run->io.port == DEMO_PORT_LEVEL_TAKE && run->io.size == 4 &&
		    run->io.count == 1 && vm->level_device) {
			value = demo_level_take(vm);
			memcpy(data, &value, sizeof(value));
			count_exit(v, EXIT_LEVEL_TAKE);
			return 0;
		}
		memset(data, 0xFF, (size_t)run->io.size * run->io.count); /* nothing here */
		count_exit(v, EXIT_OTHER_IO);
		return 0;
	}
	if (vm->pvirq &&
	    pvirq_x86_io_is_doorbell(run->io.port, run->io.size, true, run->io.count)) {
		count_exit(v, EXIT_HYPERCALL);
		return hypercall(vm, v);
	}
	memcpy(&value, data, run->io.size < 4 ? run->io.size : 4);
	switch (run->io.port) {
	case DEMO_PORT_CONSOLE:
		count_exit(v, EXIT_CONSOLE);
		console_putc(v, (char)value);
		return 0;
	case DEMO_PORT_EXIT: v->exit_code = (int)value; return 1;
	case DEMO_PORT_TIMER_ACK:
		count_exit(v, EXIT_TIMER_ACK);
		demo_timer_ack(vm, v->index);
		return 0;
	case DEMO_PORT_MSI_ROUTE:
		count_exit(v, EXIT_MSI_ROUTE);
		if ((value >> 16) < vm->nr_devices && (value & 0xFFFF) < vm->nr_vcpus)
			atomic_store_explicit(&vm->devices[value >> 16].msi_dest, value & 0xFFFF,
					      memory_order_seq_cst);
		return 0;
	default: count_exit(v, EXIT_OTHER_IO); return 0;
	}
}

/* Before entry in libpvirq mode: the library decides from the line and
 * KVM's readiness whether to inject the upcall vector now or to ask for an
 * exit as soon as the guest can take it. */
static void prepare_entry(struct demo_vm *vm, struct demo_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_interrupt irq = {.irq = vm->shared->upcall_vector};
	bool line;

	atomic_store_explicit(&v->state, VCPU_IN_GUEST, memory_order_seq_cst);
	/* The NMI edge first: KVM_NMI queues it whatever the guest's IF. */
	if (vm->nmi_line && (v->nmi_pending || pvirq_vcpu_take_nmi(vm->pvirq, v->index))) {
		v->nmi_pending = false;
		if (ioctl(v->fd, KVM_NMI) == 0)
			atomic_fetch_add_explicit(&vm->nmis_injected, 1, memory_order_relaxed);
	}
	line = pvirq_vcpu_rearm(vm->pvirq, v->index);
	run->request_interrupt_window = 0;
	switch (pvirq_x86_kvm_entry_action(line, run->ready_for_interrupt_injection)) {
	case PVIRQ_X86_KVM_ENTRY_INJECT:
		/* EEXIST: one is already queued (an entry that was cut short):
		 * it will be delivered, nothing to add. */
		if (ioctl(v->fd, KVM_INTERRUPT, &irq) == 0)
			atomic_fetch_add_explicit(&v->injections, 1, memory_order_relaxed);
		break;
	case PVIRQ_X86_KVM_ENTRY_REQUEST_WINDOW: run->request_interrupt_window = 1; break;
	case PVIRQ_X86_KVM_ENTRY_NOTHING: break;
	}
}

static int run_loop(struct demo_vm *vm, struct demo_vcpu *v)
{
	struct kvm_run *run = v->run;
	int err;

	if (vm->sync_regs)
		run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	for (;;) {
		run->immediate_exit = 0;
		if (vm->pvirq && !vm->variant->irqchip)
			prepare_entry(vm, v);
		else
			atomic_store_explicit(&v->state, VCPU_IN_GUEST, memory_order_seq_cst);
		err = ioctl(v->fd, KVM_RUN, 0);
		atomic_store_explicit(&v->state, VCPU_OUTSIDE, memory_order_seq_cst);
		if (err < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				count_exit(v, EXIT_INTR);
				continue;
			}
			fprintf(stderr, "vcpu%u: KVM_RUN: %s\n", v->index, strerror(errno));
			return -errno;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			err = handle_io(vm, v);
			if (err)
				return err < 0 ? err : 0;
			break;
		case KVM_EXIT_HLT:
			count_exit(v, EXIT_HLT);
			if (vm->pvirq && !vm->variant->irqchip)
				halt_until_line(vm, v);
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN: count_exit(v, EXIT_IRQ_WINDOW); break;
		case KVM_EXIT_INTR: count_exit(v, EXIT_INTR); break;
		default:
			count_exit(v, EXIT_OTHER);
			fprintf(stderr, "vcpu%u: unexpected exit %u (hw reason %#llx)\n", v->index,
				run->exit_reason,
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return -EIO;
		}
	}
}

static void *vcpu_thread(void *arg)
{
	struct demo_vcpu *v = arg;
	int err;

	this_vcpu = v;
	v->self_storage = pthread_self();
	atomic_store_explicit(&v->self, &v->self_storage, memory_order_release);
	err = run_loop(v->vm, v);
	if (err < 0)
		v->exit_code = err;
	atomic_store_explicit(&v->state, VCPU_OUTSIDE, memory_order_seq_cst);
	atomic_store_explicit(&v->finished, true, memory_order_release);
	return NULL;
}

int demo_vcpus_start(struct demo_vm *vm)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN must return */
	sigemptyset(&sa.sa_mask);
	if (sigaction(KICK_SIGNAL, &sa, NULL) < 0)
		return -errno;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int err = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);

		if (err)
			return -err;
	}
	return 0;
}

bool demo_vcpus_join(struct demo_vm *vm, unsigned timeout_ms)
{
	uint64_t deadline = demo_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	bool all;

	do {
		all = true;
		for (uint32_t i = 0; i < vm->nr_vcpus; i++)
			all &= atomic_load_explicit(&vm->vcpus[i].finished, memory_order_acquire);
		if (all)
			break;
		usleep(1000);
	} while (demo_now_ns() < deadline);
	if (!all)
		return false;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		pthread_join(vm->vcpus[i].thread, NULL);
	return true;
}
