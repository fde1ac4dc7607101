/* SPDX-License-Identifier: MIT */
/*
 * One physical hart and the vCPU it runs (one vCPU per hart, vCPU i on
 * hart i, so the guest's virtual hart ids equal the physical ones). The
 * first fields are the guest's saved registers; entry.S knows their
 * offsets (HART_* below), so keep the two in step.
 */
#ifndef HS_HART_H
#define HS_HART_H

#include "../layout.h"

#define HART_REGS 0	      /* x0..x31 of the guest (x0 slot unused) */
#define HART_SEPC (32 * 8)    /* guest pc to return to                 */
#define HART_HYP_SP (33 * 8)  /* top of this hart's hypervisor stack   */
#define HART_STACK_SIZE 16384 /* hypervisor stack per hart             */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#include "report.h" /* examples/baremetal-common: struct bm_traps */

/* A vCPU's virtual HSM state (SBI HSM hart states). */
enum hs_vhart_state {
	VHART_STARTED = 0,
	VHART_STOPPED = 1,
	VHART_START_PENDING = 2,
};

struct hs_hart {
	uint64_t regs[32];
	uint64_t sepc;
	uint64_t hyp_sp;
	uint32_t hartid;
	/* Virtual HSM: written by the starter (any hart), read by this one. */
	uint32_t vstate;    /* enum hs_vhart_state, atomic                 */
	uint32_t exited;    /* the guest's EXIT call was made              */
	uint64_t start_pc;  /* HSM hart_start arguments                    */
	uint64_t start_arg; /* published before vstate = START_PENDING     */
	uint32_t exit_code;
	uint32_t vssip; /* guest SBI IPI to deliver as VSSIP, atomic   */
	/* Guest timer: absolute deadline in time ticks, UINT64_MAX = none. */
	uint64_t guest_deadline;
	uint64_t next_tick; /* the hypervisor's own periodic tick          */
	/* Counters, written by this hart only. */
	struct bm_traps traps;
	/* traps when this hart first saw the load phase start and end: the
	 * report's ratios are over that window, not the guest's setup (which
	 * times 2000 VERSION calls) or drain. */
	struct bm_traps traps_at_start, traps_at_stop;
	uint32_t saw_start, saw_stop;
	/* Console line being assembled for this vCPU. */
	char line[120];
	uint32_t line_len;
} __attribute__((aligned(64)));

extern struct hs_hart hs_harts[HS_MAX_HARTS];

/* entry.S: load the guest's registers from @p h and SRET into VS-mode. */
__attribute__((noreturn)) void hs_enter_guest(struct hs_hart *h);

/* trap.c: the C side of every trap from the guest. Returns the hart to
 * resume (always @p h). */
struct hs_hart *hs_trap(struct hs_hart *h);
/* A trap taken in HS-mode itself: a hypervisor bug. */
__attribute__((noreturn)) void hs_trap_in_hypervisor(void);

#endif /* __ASSEMBLER__ */
#endif /* HS_HART_H */
