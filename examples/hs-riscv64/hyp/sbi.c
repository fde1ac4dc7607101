/* SPDX-License-Identifier: MIT */
/* Calls from the hypervisor (HS-mode) down to OpenSBI (M-mode). */
#include "sbi.h"

struct sbi_ret sbi_call(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
	register uint64_t r0 __asm__("a0") = a0;
	register uint64_t r1 __asm__("a1") = a1;
	register uint64_t r2 __asm__("a2") = a2;
	register uint64_t r6 __asm__("a6") = fid;
	register uint64_t r7 __asm__("a7") = eid;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbi_ret){(long)r0, (long)r1};
}

void sbi_shutdown(uint32_t reason)
{
	/* QEMU's test device ends the emulator: exit status 0 for a plain
	 * shutdown, non-zero for a system failure. */
	sbi_call(SBI_EID_SRST, 0, SBI_SRST_SHUTDOWN, reason, 0);
	for (;;)
		__asm__ volatile("wfi");
}
