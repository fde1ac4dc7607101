/* SPDX-License-Identifier: MIT */
/*
 * VS-mode guest entry. Every vCPU enters at _start with a0 = its hart id
 * (vCPU 0 from the hypervisor, the others from vCPU 0's SBI HSM
 * hart_start) and takes the stack of that id. Traps (the interrupt of
 * libpvirq's line, IPIs, exceptions) stay on the same stack: the guest
 * has no user mode.
 */
#include "../layout.h"

	.section .text.entry, "ax"
	.globl _start
_start:
	li	t1, HS_MAX_HARTS
	bgeu	a0, t1, 2f
	li	sp, HS_GUEST_STACKS_GPA
	addi	t0, a0, 1
	li	t1, HS_GUEST_STACK_SIZE
	mul	t0, t0, t1
	add	sp, sp, t0
	la	t0, guest_trap_entry
	csrw	stvec, t0
	call	guest_main
2:	wfi
	j	2b

	/* Saves what the C calling convention lets guest_trap clobber. */
	.align 4
guest_trap_entry:
	addi	sp, sp, -17*8
	sd	ra, 0*8(sp)
	sd	t0, 1*8(sp)
	sd	t1, 2*8(sp)
	sd	t2, 3*8(sp)
	sd	a0, 4*8(sp)
	sd	a1, 5*8(sp)
	sd	a2, 6*8(sp)
	sd	a3, 7*8(sp)
	sd	a4, 8*8(sp)
	sd	a5, 9*8(sp)
	sd	a6, 10*8(sp)
	sd	a7, 11*8(sp)
	sd	t3, 12*8(sp)
	sd	t4, 13*8(sp)
	sd	t5, 14*8(sp)
	sd	t6, 15*8(sp)
	csrr	a0, scause
	csrr	a1, sepc
	csrr	a2, stval
	call	guest_trap
	ld	ra, 0*8(sp)
	ld	t0, 1*8(sp)
	ld	t1, 2*8(sp)
	ld	t2, 3*8(sp)
	ld	a0, 4*8(sp)
	ld	a1, 5*8(sp)
	ld	a2, 6*8(sp)
	ld	a3, 7*8(sp)
	ld	a4, 8*8(sp)
	ld	a5, 9*8(sp)
	ld	a6, 10*8(sp)
	ld	a7, 11*8(sp)
	ld	t3, 12*8(sp)
	ld	t4, 13*8(sp)
	ld	t5, 14*8(sp)
	ld	t6, 15*8(sp)
	addi	sp, sp, 17*8
	sret
