/* SPDX-License-Identifier: MIT */
/*
 * Guest entry and interrupt stubs. The VMM starts every vCPU at _start
 * already in 64-bit long mode (paging on, flat segments from its GDT), with
 * RSP at the top of that vCPU's stack and RDI = the vCPU's index.
 */
	.code64
	.section .text.entry, "ax"
	.globl _start
_start:
	xorl	%ebp, %ebp
	call	guest_main		/* never returns; stop if it does */
1:	cli
	hlt
	jmp	1b

/*
 * 256 interrupt stubs, 16 bytes apart from isr_stubs, so the C side finds
 * the stub of vector v at isr_stubs + 16 * v without a table. Vectors whose
 * exceptions push an error code skip the dummy push, so every frame has the
 * same shape: vector, error code, then the CPU's RIP, CS, RFLAGS, RSP, SS.
 */
	.text
	.balign	16
	.globl	isr_stubs
isr_stubs:
	.set	vec, 0
	.rept	256
	.balign	16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	.set	vec, vec + 1
	.endr

/*
 * Saves the registers the C ABI lets a callee clobber and calls
 * guest_interrupt(vector, error, rip). The CPU aligned RSP to 16 before
 * its 5-word frame; 2 words pushed by the stub and 9 here keep the call
 * 16-byte aligned as the ABI requires.
 */
isr_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	movq	72(%rsp), %rdi
	movq	80(%rsp), %rsi
	movq	88(%rsp), %rdx
	cld
	call	guest_interrupt
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
