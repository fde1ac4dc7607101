/* SPDX-License-Identifier: MIT */
/*
 * Guest entry and EL1 vectors. The hypervisor (vCPU 0) and PSCI CPU_ON
 * (the others, context = index) start every vCPU at _start in EL1h with
 * interrupts masked and x0 = its index.
 */
#define STACKS 0x44200000
#define STACK_SIZE 0x10000

	.section .text.entry, "ax"
	.globl	_start
_start:
	msr	daifset, #0xf
	ldr	x1, =STACKS
	add	x2, x0, #1
	mov	x3, #STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1
	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1
	isb
	bl	guest_main		/* never returns */
1:	wfi
	b	1b

/*
 * IRQ from EL1 (SP_EL1): save what the C ABI lets a callee clobber, plus
 * ELR/SPSR, call guest_irq(), restore, ERET. Everything else is an
 * unexpected exception: guest_exception(kind) reports and exits.
 */
	.macro	other kind
	.balign	0x80
	mov	x0, #\kind
	b	guest_exception
	.endm

	.text
	.balign	0x800
guest_vectors:
	other	0
	other	1
	other	2
	other	3
	other	4			/* EL1 SPx sync: a bug in the guest */
	.balign	0x80			/* EL1 SPx IRQ: the upcall */
	b	irq_entry
	other	6
	other	7
	other	8
	other	9
	other	10
	other	11
	other	12
	other	13
	other	14
	other	15

irq_entry:
	sub	sp, sp, #192
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	mrs	x0, elr_el1
	mrs	x1, spsr_el1
	stp	x30, x0, [sp, #160]
	str	x1, [sp, #176]
	bl	guest_irq
	ldr	x1, [sp, #176]
	ldp	x30, x0, [sp, #160]
	msr	spsr_el1, x1
	msr	elr_el1, x0
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x29, [sp, #144]
	add	sp, sp, #192
	eret

	.section .note.GNU-stack, "", @progbits
