/* SPDX-License-Identifier: MIT */
/* The guest's flat image, placed at HS_GUEST_HPA_BASE by hyp.ld. */
	.section .guest_image, "a"
	.incbin HS_GUEST_BIN
