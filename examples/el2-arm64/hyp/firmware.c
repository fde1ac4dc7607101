/* SPDX-License-Identifier: MIT */
/*
 * What is below EL2 on QEMU virt: PSCI through SMC (QEMU implements it
 * itself when there is no EL3 firmware) and Arm semihosting (HLT #0xF000,
 * with -semihosting-config enable=on): the command line and the exit
 * status of the QEMU process.
 */
#include "hyp.h"

#define PSCI_SYSTEM_OFF_ID 0x84000008u
#define SEMIHOSTING_SYS_GET_CMDLINE 0x15u
#define SEMIHOSTING_SYS_EXIT 0x18u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int64_t smc(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = id;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
			   "x15", "x16", "x17", "memory");
	return (int64_t)x0;
}

static uint64_t semihosting(uint64_t op, uint64_t arg)
{
	register uint64_t x0 __asm__("x0") = op;
	register uint64_t x1 __asm__("x1") = arg;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return x0;
}

int64_t fw_psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
	return smc(PSCI_CPU_ON_64, mpidr, entry, context);
}

/* Semihosting exit gives the QEMU process our status (0 or 1); PSCI
 * SYSTEM_OFF is the fallback when semihosting is off (QEMU exits 0, so
 * the test's output check is what fails then). */
void fw_exit(bool ok)
{
	uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, ok ? 0 : 1};

	semihosting(SEMIHOSTING_SYS_EXIT, (uint64_t)(uintptr_t)block);
	smc(PSCI_SYSTEM_OFF_ID, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

size_t fw_cmdline(char *buf, size_t size)
{
	uint64_t block[2] = {(uint64_t)(uintptr_t)buf, size};

	if (semihosting(SEMIHOSTING_SYS_GET_CMDLINE, (uint64_t)(uintptr_t)block) != 0)
		return 0;
	return block[1] < size ? (size_t)block[1] : size - 1;
}
