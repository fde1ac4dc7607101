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

/* QEMU virt's test device (sifive_test): FAIL | code << 16 ends QEMU with
 * exit status code. */
#define QEMU_TEST_DEVICE 0x100000ul
#define QEMU_TEST_FAIL 0x3333u

void sbi_shutdown(uint32_t reason)
{
	/* OpenSBI 1.1 powers QEMU off with exit status 0 whatever the SRST
	 * reason, so a failure also tells QEMU's test device directly: the
	 * exit status then says what the console says. */
	if (reason != SBI_SRST_REASON_NONE)
		*(volatile uint32_t *)QEMU_TEST_DEVICE = QEMU_TEST_FAIL | 1u << 16;
	sbi_call(SBI_EID_SRST, 0, SBI_SRST_SHUTDOWN, reason, 0);
	for (;;)
		__asm__ volatile("wfi");
}
