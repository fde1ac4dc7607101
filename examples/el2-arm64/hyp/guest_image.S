/* SPDX-License-Identifier: MIT */
/* The guest's flat image, copied to EL2_GUEST_BASE at boot. */
	.section .rodata.guest, "a"
	.balign	16
	.globl	guest_image_start
	.globl	guest_image_end
guest_image_start:
	.incbin	EL2_GUEST_BIN
guest_image_end:

	.section .note.GNU-stack, "", @progbits
