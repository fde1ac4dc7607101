/* SPDX-License-Identifier: MIT */
/* The guest, built by this project (guest/), embedded in the VMM. */
	.section .rodata
	.balign	4096
	.globl	demo_guest_image
demo_guest_image:
	.incbin	DEMO_GUEST_BIN
	.globl	demo_guest_image_end
demo_guest_image_end:
	.section .note.GNU-stack, "", @progbits
