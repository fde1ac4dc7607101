/* SPDX-License-Identifier: MIT */
/*
 * EL2 entry points, the exception vectors and the guest entry.
 *
 * QEMU starts CPU 0 at _start in EL2 with the MMU off; PSCI CPU_ON starts
 * the others at secondary_start with x0 = their CPU index (the context
 * argument). Every CPU runs on its own EL2 stack (SP_EL2) and keeps its
 * index in TPIDR_EL2.
 */
#define HYP_STACK_SIZE 0x4000
#define FRAME_SIZE (34 * 8) /* x0..x30, ELR_EL2, SPSR_EL2, pad */

	.section .text.entry, "ax"
	.globl	_start
_start:
	msr	daifset, #0xf
	mov	x0, #0
	b	common_start

	.globl	secondary_start
secondary_start:
	msr	daifset, #0xf
	/* x0 = CPU index, from the CPU_ON context argument. */
common_start:
	msr	tpidr_el2, x0
	adrp	x1, hyp_stacks
	add	x1, x1, :lo12:hyp_stacks
	add	x2, x0, #1
	mov	x3, #HYP_STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1
	adrp	x1, hyp_vectors
	add	x1, x1, :lo12:hyp_vectors
	msr	vbar_el2, x1
	isb
	cbnz	x0, 1f
	/* CPU 0 zeroes .bss before any C runs (MMU off: plain 8-byte
	 * stores, no DC ZVA, which needs Normal memory). */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
2:	cmp	x1, x2
	b.hs	1f
	str	xzr, [x1], #8
	b	2b
1:	bl	hyp_cpu_main		/* x0 = CPU index; never returns */
3:	wfi
	b	3b

/*
 * enter_guest(entry, x0, stack_top): resets this CPU's EL2 stack (nothing
 * below hyp_cpu_main's frame is needed again) and drops to EL1h at
 * @entry with interrupts masked and x0 as given, every other GPR zero.
 */
	.text
	.globl	enter_guest
enter_guest:
	mov	sp, x2
	msr	elr_el2, x0
	mov	x2, #0x3c5		/* EL1h, DAIF masked */
	msr	spsr_el2, x2
	mov	x0, x1
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	mov	x4, #0
	mov	x5, #0
	mov	x6, #0
	mov	x7, #0
	mov	x8, #0
	mov	x9, #0
	mov	x10, #0
	mov	x11, #0
	mov	x12, #0
	mov	x13, #0
	mov	x14, #0
	mov	x15, #0
	mov	x16, #0
	mov	x17, #0
	mov	x18, #0
	mov	x19, #0
	mov	x20, #0
	mov	x21, #0
	mov	x22, #0
	mov	x23, #0
	mov	x24, #0
	mov	x25, #0
	mov	x26, #0
	mov	x27, #0
	mov	x28, #0
	mov	x29, #0
	mov	x30, #0
	eret

/*
 * Vectors. From the guest (lower EL, AArch64): save every GPR and
 * ELR/SPSR in a frame on SP_EL2, call hyp_trap(frame, kind), restore, ERET.
 * hyp_trap() re-arms the vCPU's line (HCR_EL2.VI) before it returns.
 * Anything taken from EL2 itself is a hypervisor bug: hyp_panic().
 */
	.macro	save_frame
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	mrs	x0, elr_el2
	stp	x30, x0, [sp, #240]
	mrs	x0, spsr_el2
	str	x0, [sp, #256]
	.endm

	.macro	guest_vector kind
	.balign	0x80
	save_frame
	mov	x0, sp
	mov	x1, #\kind
	b	trap_common
	.endm

	.macro	hyp_vector kind
	.balign	0x80
	mov	x0, #\kind
	b	hyp_panic_entry
	.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.globl	hyp_vectors
hyp_vectors:
	hyp_vector 0		/* EL2, SP_EL0: sync   */
	hyp_vector 1		/*              IRQ    */
	hyp_vector 2		/*              FIQ    */
	hyp_vector 3		/*              SError */
	hyp_vector 4		/* EL2, SP_EL2: sync   */
	hyp_vector 5		/*              IRQ    */
	hyp_vector 6		/*              FIQ    */
	hyp_vector 7		/*              SError */
	guest_vector 0		/* lower EL AArch64: sync   */
	guest_vector 1		/*                   IRQ    */
	guest_vector 2		/*                   FIQ    */
	guest_vector 3		/*                   SError */
	hyp_vector 12		/* lower EL AArch32 (never) */
	hyp_vector 13
	hyp_vector 14
	hyp_vector 15

trap_common:
	bl	hyp_trap
	ldr	x0, [sp, #256]
	msr	spsr_el2, x0
	ldp	x30, x0, [sp, #240]
	msr	elr_el2, x0
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	add	sp, sp, #FRAME_SIZE
	eret

hyp_panic_entry:
	bl	hyp_panic		/* never returns */
4:	wfi
	b	4b

	.bss
	.balign	16
	.globl	hyp_stacks
hyp_stacks:
	.space	HYP_STACK_SIZE * 8

	.section .note.GNU-stack, "", @progbits
