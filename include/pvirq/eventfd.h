/* SPDX-License-Identifier: MIT */
/**
 * @file eventfd.h
 * @brief Linux eventfd bridge: device backends that signal interrupts on
 *        eventfds (vhost-user, vhost-net, VFIO, most virtio backends)
 *        inject into rVID inputs and MSIs.
 *
 * KVM's irqfd delivers an eventfd into the in-kernel interrupt controller;
 * with libpvirq the controller lives in the VMM, so something in the VMM
 * must wait on those eventfds. The bridge does: it binds each eventfd to
 * an rVID input (or to an MSI address/data pair), waits on all of them
 * with one epoll set, and for every read of an eventfd injects one edge
 * with pvirq_rvid_inject() (or pvirq_rvid_msi()).
 *
 * Who runs the loop is the VMM's choice: call
 * pvirq_eventfd_bridge_poll() from a thread it owns (or add
 * pvirq_eventfd_bridge_fd(), an epoll descriptor, to its own event loop
 * and call poll with timeout 0 when it is readable), or let
 * pvirq_eventfd_bridge_start() run a thread of the bridge's own.
 *
 * @par Edges and counting
 * An eventfd is a counter: N writes between two reads are read as one
 * value N. The bridge reads with one read(2) per ready eventfd and injects
 * one edge per read whose value is N >= 1, like irqfd: several writes
 * before the guest took the interrupt are one interrupt, and every write
 * is followed by at least one interrupt that the guest acknowledges after
 * it. The per-binding statistics count reads, the sum of the values read
 * (so every write is accounted for) and the inject results.
 *
 * @par Level inputs and resampling
 * A level-triggered backend (a legacy INTx line behind VFIO, for
 * instance) needs to hear when the guest's end of interrupt re-evaluates
 * the line, so it can re-assert it if the device still needs service:
 * irqfd's resample eventfd. pvirq_eventfd_bridge_bind_resample() attaches
 * such an eventfd to an rVID input, and pvirq_eventfd_bridge_resample()
 * writes 1 to it. Today's rVID inputs are edge-triggered, so the VMM calls
 * resample itself when its device model says the guest finished the
 * interrupt (for example when it sees the guest's CLEAR_MASKED of the
 * input's INTID). When level rVID inputs arrive (issue 18), the engine's
 * end-of-interrupt path for a level input (CLEAR_MASKED followed by
 * RESAMPLE of its INTID) will call a callback with the input number, and
 * that callback is pvirq_eventfd_bridge_resample(): the binding API stays
 * as it is.
 *
 * @par Concurrency
 * Every function may be called from any thread, concurrently with the
 * others and with the loop, except pvirq_eventfd_bridge_destroy(), which
 * must be the last call. A mutex inside the bridge serialises bindings
 * against the loop (this is the hosted layer: the lock-free engine is
 * underneath, and an injection holds the mutex only for one inject).
 * The bridge never closes an eventfd it was given: unbind, then close.
 *
 * Errors: negative PVIRQ_E* codes. A failed system call returns
 * PVIRQ_EINVAL with errno set by the call, or PVIRQ_ENOSPC when memory
 * or descriptors ran out.
 */
#ifndef PVIRQ_EVENTFD_H
#define PVIRQ_EVENTFD_H

#include "vm.h"

PVIRQ_BEGIN_DECLS

/** @defgroup eventfd Linux eventfd bridge (hosted)
 *  @{ */

/** An epoll set of eventfds bound to one VM's rVID inputs and MSIs. */
struct pvirq_eventfd_bridge;

/** What one binding has seen, since it was bound. */
struct pvirq_eventfd_stats {
	uint64_t reads;	   /**< read(2) calls that returned a value (each N >= 1) */
	uint64_t count;	   /**< sum of the values read: the writes accounted for */
	uint64_t injected; /**< reads whose edge was latched (PVIRQ_OK) */
	uint64_t disabled; /**< reads whose edge was dropped: every target disabled */
	uint64_t unmapped; /**< reads while the input was unmapped (ignored) */
};

/**
 * @brief Creates a bridge for @p vm (which must outlive it).
 * @return PVIRQ_OK; PVIRQ_EINVAL for NULL arguments; PVIRQ_ENOSPC if
 *         memory or descriptors ran out.
 */
PVIRQ_API int pvirq_eventfd_bridge_create(struct pvirq_vm *vm, struct pvirq_eventfd_bridge **out);

/**
 * @brief Stops the bridge's thread if it runs, and frees the bridge.
 * Closes none of the bound eventfds. NULL is ignored.
 */
PVIRQ_API void pvirq_eventfd_bridge_destroy(struct pvirq_eventfd_bridge *b);

/**
 * @brief Each read of @p fd injects an edge on rVID input @p input.
 * @p fd must be an eventfd (or any descriptor that reads 8-byte counters)
 * opened with EFD_NONBLOCK, so that a read racing with another reader
 * cannot block the loop.
 * @return PVIRQ_OK; PVIRQ_EINPUT if @p input is out of range;
 *         PVIRQ_EINVAL if @p fd is already bound, blocking, or not
 *         pollable; PVIRQ_ENOSPC.
 */
PVIRQ_API int pvirq_eventfd_bridge_bind_input(struct pvirq_eventfd_bridge *b, int fd,
					      uint32_t input);

/**
 * @brief Each read of @p fd writes the MSI (@p addr, @p data), as a
 * device's MSI-X vector backed by an eventfd.
 * @return as pvirq_eventfd_bridge_bind_input(); PVIRQ_EADDRESS if
 *         @p addr is not PVIRQ_MSI_DOORBELL; PVIRQ_EINPUT if @p data is
 *         not an rVID input.
 */
PVIRQ_API int pvirq_eventfd_bridge_bind_msi(struct pvirq_eventfd_bridge *b, int fd, uint64_t addr,
					    uint64_t data);

/**
 * @brief Removes the binding of @p fd. When it returns, no read of @p fd
 * by the bridge is in progress and none follows, so the caller may close
 * it. Writes not yet read are not injected.
 * @return PVIRQ_OK; PVIRQ_EINVAL if @p fd is not bound.
 */
PVIRQ_API int pvirq_eventfd_bridge_unbind(struct pvirq_eventfd_bridge *b, int fd);

/**
 * @brief The statistics of the binding of @p fd.
 * @return PVIRQ_OK; PVIRQ_EINVAL if @p fd is not bound.
 */
PVIRQ_API int pvirq_eventfd_bridge_stats(struct pvirq_eventfd_bridge *b, int fd,
					 struct pvirq_eventfd_stats *out);

/**
 * @brief Attaches the resample eventfd @p fd to rVID input @p input, or
 * detaches it when @p fd is -1 (see "Level inputs and resampling").
 * @return PVIRQ_OK; PVIRQ_EINPUT if @p input is out of range.
 */
PVIRQ_API int pvirq_eventfd_bridge_bind_resample(struct pvirq_eventfd_bridge *b, uint32_t input,
						 int fd);

/**
 * @brief The guest's end of interrupt re-evaluated @p input: writes 1 to
 * its resample eventfd, so the backend re-checks its line and writes the
 * trigger eventfd again if it is still asserted.
 * @return PVIRQ_OK; PVIRQ_EINPUT if @p input is out of range;
 *         PVIRQ_EUNMAPPED if no resample eventfd is attached to it;
 *         PVIRQ_EINVAL if the write failed (errno).
 */
PVIRQ_API int pvirq_eventfd_bridge_resample(struct pvirq_eventfd_bridge *b, uint32_t input);

/**
 * @brief Waits up to @p timeout_ms (0: do not wait, -1: forever) for bound
 * eventfds to become readable, reads each ready one once and injects.
 * @return the number of reads that returned a value (>= 0; 0 on timeout,
 *         on a signal, or when pvirq_eventfd_bridge_wake() woke it);
 *         PVIRQ_EINVAL if epoll_wait failed otherwise (errno).
 */
PVIRQ_API int pvirq_eventfd_bridge_poll(struct pvirq_eventfd_bridge *b, int timeout_ms);

/**
 * @brief Makes a pvirq_eventfd_bridge_poll() that is waiting, or the next
 * one, return promptly (for a VMM that stops its own loop).
 */
PVIRQ_API void pvirq_eventfd_bridge_wake(struct pvirq_eventfd_bridge *b);

/**
 * @brief The epoll descriptor: readable when pvirq_eventfd_bridge_poll()
 * has work, so a VMM's own event loop can wait on it.
 */
PVIRQ_API int pvirq_eventfd_bridge_fd(const struct pvirq_eventfd_bridge *b);

/**
 * @brief Starts a thread that runs pvirq_eventfd_bridge_poll() until
 * pvirq_eventfd_bridge_stop().
 * @return PVIRQ_OK; PVIRQ_EINVAL if it already runs, or thread creation
 *         failed (errno).
 */
PVIRQ_API int pvirq_eventfd_bridge_start(struct pvirq_eventfd_bridge *b);

/**
 * @brief Stops and joins the thread of pvirq_eventfd_bridge_start(). Reads
 * in progress complete first; eventfds readable at that moment may stay
 * unread (call pvirq_eventfd_bridge_poll() with timeout 0 to drain them).
 * No-op if the thread does not run.
 */
PVIRQ_API void pvirq_eventfd_bridge_stop(struct pvirq_eventfd_bridge *b);

/** @} */

PVIRQ_END_DECLS

#endif /* PVIRQ_EVENTFD_H */
