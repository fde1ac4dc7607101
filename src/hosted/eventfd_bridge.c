/* SPDX-License-Identifier: MIT */
/*
 * The eventfd bridge (include/pvirq/eventfd.h): one epoll set, one slot
 * per bound eventfd, one injection per read.
 *
 * Each epoll registration carries (generation << 32 | slot). The loop
 * waits without the mutex, then handles each event under it: an event
 * whose slot was unbound (or unbound and reused: the generation differs)
 * after epoll_wait returned is skipped. That is what lets unbind promise
 * that no read of the descriptor follows its return, and lets bind, unbind
 * and several pollers run at once without reference counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pvirq/eventfd.h"
#include "pvirq/pvirq.h"

#define WAKE_TOKEN UINT64_MAX
#define EVENTS_PER_WAIT 64

enum binding_kind { BINDING_FREE, BINDING_INPUT, BINDING_MSI };

struct binding {
	enum binding_kind kind;
	int fd;
	uint32_t generation;
	uint32_t input;	   /* BINDING_INPUT */
	uint64_t msi_addr; /* BINDING_MSI */
	uint64_t msi_data;
	struct pvirq_eventfd_stats stats;
};

struct pvirq_eventfd_bridge {
	struct pvirq_vm *vm;
	int epoll_fd;
	int wake_fd;
	pthread_mutex_t lock; /* slots, nr_slots, resample_fds */
	struct binding *slots;
	uint32_t nr_slots;
	int *resample_fds; /* per rVID input, -1 if none */
	uint32_t nr_inputs;
	pthread_t thread;
	bool thread_running; /* only start/stop, under lock */
	/* Set by stop before it writes wake_fd; the thread reads it after
	 * each poll. Release/acquire states the intent; what carries the
	 * store to the thread is the eventfd write/read pair, which goes
	 * through the kernel's locked counter. */
	_Atomic bool stopping;
};

static int errno_to_pvirq(void)
{
	return errno == ENOMEM || errno == EMFILE || errno == ENFILE || errno == ENOSPC
		       ? PVIRQ_ENOSPC
		       : PVIRQ_EINVAL;
}

int pvirq_eventfd_bridge_create(struct pvirq_vm *vm, struct pvirq_eventfd_bridge **out)
{
	struct pvirq_eventfd_bridge *b;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TOKEN};

	if (!vm || !out)
		return PVIRQ_EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return PVIRQ_ENOSPC;
	b->vm = vm;
	b->nr_inputs = pvirq_vm_nr_rvid_inputs(vm);
	b->resample_fds = malloc((b->nr_inputs ? b->nr_inputs : 1) * sizeof(int));
	b->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	b->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!b->resample_fds || b->epoll_fd < 0 || b->wake_fd < 0 ||
	    epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, b->wake_fd, &ev)) {
		int err = errno_to_pvirq();

		if (b->epoll_fd >= 0)
			close(b->epoll_fd);
		if (b->wake_fd >= 0)
			close(b->wake_fd);
		free(b->resample_fds);
		free(b);
		return err;
	}
	for (uint32_t i = 0; i < b->nr_inputs; i++)
		b->resample_fds[i] = -1;
	pthread_mutex_init(&b->lock, NULL);
	*out = b;
	return PVIRQ_OK;
}

void pvirq_eventfd_bridge_destroy(struct pvirq_eventfd_bridge *b)
{
	if (!b)
		return;
	pvirq_eventfd_bridge_stop(b);
	close(b->epoll_fd);
	close(b->wake_fd);
	pthread_mutex_destroy(&b->lock);
	free(b->slots);
	free(b->resample_fds);
	free(b);
}

/* The slot bound to @fd, or NULL. Under the lock. */
static struct binding *find_fd(struct pvirq_eventfd_bridge *b, int fd)
{
	for (uint32_t i = 0; i < b->nr_slots; i++)
		if (b->slots[i].kind != BINDING_FREE && b->slots[i].fd == fd)
			return &b->slots[i];
	return NULL;
}

/* A free slot, growing the table if needed. Under the lock. */
static struct binding *free_slot(struct pvirq_eventfd_bridge *b)
{
	uint32_t n = b->nr_slots;
	struct binding *grown;

	for (uint32_t i = 0; i < n; i++)
		if (b->slots[i].kind == BINDING_FREE)
			return &b->slots[i];
	grown = realloc(b->slots, (n ? 2u * n : 8u) * sizeof(*grown));
	if (!grown)
		return NULL;
	memset(grown + n, 0, (n ? n : 8u) * sizeof(*grown));
	b->slots = grown;
	b->nr_slots = n ? 2u * n : 8u;
	return &b->slots[n];
}

static int bind_fd(struct pvirq_eventfd_bridge *b, int fd, const struct binding *want)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct binding *slot;
	int flags = fcntl(fd, F_GETFL), err = PVIRQ_OK;

	if (flags < 0 || !(flags & O_NONBLOCK))
		return PVIRQ_EINVAL;
	pthread_mutex_lock(&b->lock);
	if (find_fd(b, fd)) {
		err = PVIRQ_EINVAL;
	} else if (!(slot = free_slot(b))) {
		err = PVIRQ_ENOSPC;
	} else {
		uint32_t generation = slot->generation + 1;

		ev.data.u64 = (uint64_t)generation << 32 | (uint64_t)(slot - b->slots);
		if (epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
			err = errno_to_pvirq();
		} else {
			*slot = *want;
			slot->fd = fd;
			slot->generation = generation;
			memset(&slot->stats, 0, sizeof(slot->stats));
		}
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

int pvirq_eventfd_bridge_bind_input(struct pvirq_eventfd_bridge *b, int fd, uint32_t input)
{
	struct binding want = {.kind = BINDING_INPUT, .input = input};

	if (!b)
		return PVIRQ_EINVAL;
	if (input >= b->nr_inputs)
		return PVIRQ_EINPUT;
	return bind_fd(b, fd, &want);
}

int pvirq_eventfd_bridge_bind_msi(struct pvirq_eventfd_bridge *b, int fd, uint64_t addr,
				  uint64_t data)
{
	struct binding want = {.kind = BINDING_MSI, .msi_addr = addr, .msi_data = data};

	if (!b)
		return PVIRQ_EINVAL;
	if (addr != PVIRQ_MSI_DOORBELL)
		return PVIRQ_EADDRESS;
	if (data >= b->nr_inputs)
		return PVIRQ_EINPUT;
	return bind_fd(b, fd, &want);
}

int pvirq_eventfd_bridge_unbind(struct pvirq_eventfd_bridge *b, int fd)
{
	struct binding *slot;
	int err = PVIRQ_EINVAL;

	if (!b)
		return PVIRQ_EINVAL;
	pthread_mutex_lock(&b->lock);
	slot = find_fd(b, fd);
	if (slot) {
		/* EPOLL_CTL_DEL may fail if the caller already closed @fd
		 * (epoll dropped it then): the slot goes either way. */
		epoll_ctl(b->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
		slot->kind = BINDING_FREE;
		slot->fd = -1;
		err = PVIRQ_OK;
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

int pvirq_eventfd_bridge_stats(struct pvirq_eventfd_bridge *b, int fd,
			       struct pvirq_eventfd_stats *out)
{
	struct binding *slot;
	int err = PVIRQ_EINVAL;

	if (!b || !out)
		return PVIRQ_EINVAL;
	pthread_mutex_lock(&b->lock);
	slot = find_fd(b, fd);
	if (slot) {
		*out = slot->stats;
		err = PVIRQ_OK;
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

int pvirq_eventfd_bridge_bind_resample(struct pvirq_eventfd_bridge *b, uint32_t input, int fd)
{
	if (!b)
		return PVIRQ_EINVAL;
	if (input >= b->nr_inputs)
		return PVIRQ_EINPUT;
	pthread_mutex_lock(&b->lock);
	b->resample_fds[input] = fd < 0 ? -1 : fd;
	pthread_mutex_unlock(&b->lock);
	return PVIRQ_OK;
}

int pvirq_eventfd_bridge_resample(struct pvirq_eventfd_bridge *b, uint32_t input)
{
	static const uint64_t one = 1;
	int fd, err = PVIRQ_OK;

	if (!b)
		return PVIRQ_EINVAL;
	if (input >= b->nr_inputs)
		return PVIRQ_EINPUT;
	/* Written under the lock, so a detach that returned is never
	 * followed by a write to the old descriptor. */
	pthread_mutex_lock(&b->lock);
	fd = b->resample_fds[input];
	if (fd < 0)
		err = PVIRQ_EUNMAPPED;
	else if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		err = errno == EAGAIN ? PVIRQ_OK : PVIRQ_EINVAL; /* EAGAIN: counter saturated */
	pthread_mutex_unlock(&b->lock);
	return err;
}

/* Reads @slot's eventfd once and injects one edge if it held N >= 1.
 * Under the lock. Returns whether a value was read. */
static bool service(struct pvirq_eventfd_bridge *b, struct binding *slot)
{
	uint64_t value;
	int err;

	/* EAGAIN: another poller read it first, or a spurious wake-up. */
	if (read(slot->fd, &value, sizeof(value)) != (ssize_t)sizeof(value) || value == 0)
		return false;
	if (slot->kind == BINDING_INPUT)
		err = pvirq_rvid_inject(b->vm, slot->input);
	else
		err = pvirq_rvid_msi(b->vm, slot->msi_addr, slot->msi_data);
	slot->stats.reads++;
	slot->stats.count += value;
	if (err == PVIRQ_OK)
		slot->stats.injected++;
	else if (err == PVIRQ_EDISABLED)
		slot->stats.disabled++;
	else
		slot->stats.unmapped++; /* validated at bind: nothing else remains */
	return true;
}

int pvirq_eventfd_bridge_poll(struct pvirq_eventfd_bridge *b, int timeout_ms)
{
	struct epoll_event events[EVENTS_PER_WAIT];
	int n, reads = 0;

	if (!b)
		return PVIRQ_EINVAL;
	n = epoll_wait(b->epoll_fd, events, EVENTS_PER_WAIT, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : PVIRQ_EINVAL;
	pthread_mutex_lock(&b->lock);
	for (int i = 0; i < n; i++) {
		uint64_t token = events[i].data.u64;
		uint32_t index = (uint32_t)token;
		struct binding *slot;

		if (token == WAKE_TOKEN) {
			uint64_t drained;

			/* EAGAIN: another poller drained it. Nothing to do. */
			(void)!read(b->wake_fd, &drained, sizeof(drained));
			continue;
		}
		if (index >= b->nr_slots)
			continue;
		slot = &b->slots[index];
		if (slot->kind != BINDING_FREE && slot->generation == (uint32_t)(token >> 32))
			reads += service(b, slot);
	}
	pthread_mutex_unlock(&b->lock);
	return reads;
}

void pvirq_eventfd_bridge_wake(struct pvirq_eventfd_bridge *b)
{
	static const uint64_t one = 1;

	/* EAGAIN (counter saturated) still leaves it readable. */
	if (b && write(b->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

int pvirq_eventfd_bridge_fd(const struct pvirq_eventfd_bridge *b)
{
	return b ? b->epoll_fd : -1;
}

static void *bridge_thread(void *arg)
{
	struct pvirq_eventfd_bridge *b = arg;

	while (!atomic_load_explicit(&b->stopping, memory_order_acquire))
		pvirq_eventfd_bridge_poll(b, -1);
	return NULL;
}

int pvirq_eventfd_bridge_start(struct pvirq_eventfd_bridge *b)
{
	int err = PVIRQ_OK;

	if (!b)
		return PVIRQ_EINVAL;
	pthread_mutex_lock(&b->lock);
	if (b->thread_running) {
		err = PVIRQ_EINVAL;
	} else {
		/* Relaxed: pthread_create orders it before the thread. */
		atomic_store_explicit(&b->stopping, false, memory_order_relaxed);
		errno = pthread_create(&b->thread, NULL, bridge_thread, b);
		if (errno)
			err = PVIRQ_EINVAL;
		else
			b->thread_running = true;
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

void pvirq_eventfd_bridge_stop(struct pvirq_eventfd_bridge *b)
{
	bool running;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	running = b->thread_running;
	b->thread_running = false;
	pthread_mutex_unlock(&b->lock);
	if (!running)
		return;
	atomic_store_explicit(&b->stopping, true, memory_order_release);
	pvirq_eventfd_bridge_wake(b);
	pthread_join(b->thread, NULL);
}
