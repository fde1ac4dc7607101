/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor entry and the trap vector.
 *
 * OpenSBI enters the payload in HS-mode on its boot hart with a0 = hart id,
 * a1 = device tree; harts we start later through SBI HSM enter at
 * hs_secondary_entry with a1 = the opaque value we passed. Each hart takes
 * the stack of its hart id, so no hart depends on another to start.
 *
 * sscratch holds this hart's struct hs_hart while the guest runs and zero
 * while the hypervisor runs. A trap swaps it with sp: non-zero means the
 * trap came from the guest (save its registers into the hart, run hs_trap
 * on the hypervisor stack); zero means the hypervisor itself trapped,
 * which is a bug reported by hs_trap_in_hypervisor.
 */
#include "hart.h"

	.section .text.entry, "ax"
	.globl _start
_start:
	/* Boot hart: a0 = hart id, a1 = device tree. */
	call	.Lhart_stack
	csrw	sscratch, zero
	la	t0, hs_trap_vector
	csrw	stvec, t0
	call	hs_boot_main
1:	wfi
	j	1b

	.globl hs_secondary_entry
	.align 2
hs_secondary_entry:
	/* a0 = hart id, a1 = the opaque value (unused). */
	call	.Lhart_stack
	csrw	sscratch, zero
	la	t0, hs_trap_vector
	csrw	stvec, t0
	call	hs_secondary_main
1:	wfi
	j	1b

	.align 4
	.globl hs_trap_vector
hs_trap_vector:
	csrrw	sp, sscratch, sp
	beqz	sp, .Ltrap_in_hypervisor
	/* sp = struct hs_hart; the guest's sp is in sscratch. */
	sd	x1, 1*8(sp)
	sd	x3, 3*8(sp)
	sd	x4, 4*8(sp)
	sd	x5, 5*8(sp)
	sd	x6, 6*8(sp)
	sd	x7, 7*8(sp)
	sd	x8, 8*8(sp)
	sd	x9, 9*8(sp)
	sd	x10, 10*8(sp)
	sd	x11, 11*8(sp)
	sd	x12, 12*8(sp)
	sd	x13, 13*8(sp)
	sd	x14, 14*8(sp)
	sd	x15, 15*8(sp)
	sd	x16, 16*8(sp)
	sd	x17, 17*8(sp)
	sd	x18, 18*8(sp)
	sd	x19, 19*8(sp)
	sd	x20, 20*8(sp)
	sd	x21, 21*8(sp)
	sd	x22, 22*8(sp)
	sd	x23, 23*8(sp)
	sd	x24, 24*8(sp)
	sd	x25, 25*8(sp)
	sd	x26, 26*8(sp)
	sd	x27, 27*8(sp)
	sd	x28, 28*8(sp)
	sd	x29, 29*8(sp)
	sd	x30, 30*8(sp)
	sd	x31, 31*8(sp)
	csrrw	t0, sscratch, zero	/* guest sp; mark "in hypervisor" */
	sd	t0, 2*8(sp)
	csrr	t0, sepc
	sd	t0, HART_SEPC(sp)
	mv	a0, sp
	mv	tp, a0			/* the hypervisor's "this hart" */
	ld	sp, HART_HYP_SP(a0)
	call	hs_trap
	/* fall through with a0 = the hart to resume */

	.globl hs_enter_guest
hs_enter_guest:
	ld	t0, HART_SEPC(a0)
	csrw	sepc, t0
	csrw	sscratch, a0
	ld	x1, 1*8(a0)
	ld	x2, 2*8(a0)
	ld	x3, 3*8(a0)
	ld	x4, 4*8(a0)
	ld	x5, 5*8(a0)
	ld	x6, 6*8(a0)
	ld	x7, 7*8(a0)
	ld	x8, 8*8(a0)
	ld	x9, 9*8(a0)
	ld	x11, 11*8(a0)
	ld	x12, 12*8(a0)
	ld	x13, 13*8(a0)
	ld	x14, 14*8(a0)
	ld	x15, 15*8(a0)
	ld	x16, 16*8(a0)
	ld	x17, 17*8(a0)
	ld	x18, 18*8(a0)
	ld	x19, 19*8(a0)
	ld	x20, 20*8(a0)
	ld	x21, 21*8(a0)
	ld	x22, 22*8(a0)
	ld	x23, 23*8(a0)
	ld	x24, 24*8(a0)
	ld	x25, 25*8(a0)
	ld	x26, 26*8(a0)
	ld	x27, 27*8(a0)
	ld	x28, 28*8(a0)
	ld	x29, 29*8(a0)
	ld	x30, 30*8(a0)
	ld	x31, 31*8(a0)
	ld	x10, 10*8(a0)
	sret

.Ltrap_in_hypervisor:
	/* Put sp back (sscratch stays zero) and report. */
	csrrw	sp, sscratch, sp
	call	hs_trap_in_hypervisor
1:	wfi
	j	1b

/* sp = top of hart a0's stack; a hart id we have no room for parks. */
.Lhart_stack:
	li	t1, HS_MAX_HARTS
	bgeu	a0, t1, 2f
	la	sp, hs_stacks
	addi	t0, a0, 1
	li	t1, HART_STACK_SIZE
	mul	t0, t0, t1
	add	sp, sp, t0
	ret
2:	wfi
	j	2b

	.section .bss.stack, "aw", @nobits
	.align 12
	.globl hs_stacks
hs_stacks:
	.space HART_STACK_SIZE * HS_MAX_HARTS
