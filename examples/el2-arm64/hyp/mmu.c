/* SPDX-License-Identifier: MIT */
/*
 * Translation: the hypervisor's own stage 1 at EL2 and the guest's stage 2.
 *
 * EL2 stage 1 comes on before any atomic: with the MMU off every access is
 * Device-nGnRnE, where exclusives (and so the library's lock-free engine)
 * are unpredictable on hardware. Both use the 4 KiB granule and 39-bit
 * addresses, so one level-1 table of 1 GiB entries covers everything.
 *  - EL2: identity map, 0-1 GiB Device (GIC, UART), 1-2 GiB Normal
 *    write-back (RAM), nothing else.
 *  - Stage 2: the guest's 4 MiB (EL2_GUEST_BASE) as two 2 MiB Normal
 *    blocks, identity (IPA == PA); any other IPA faults to EL2.
 * The tables are written with the MMU off by CPU 0 before any other CPU
 * starts; QEMU does not model caches, hardware would want a clean to the
 * point of coherency here.
 */
#include "hyp.h"

#define DESC_BLOCK 1ull
#define DESC_TABLE 3ull
#define DESC_AF (1ull << 10)
#define DESC_SH_INNER (3ull << 8)
#define DESC_XN (1ull << 54)
#define S1_ATTR(i) ((uint64_t)(i) << 2) /* MAIR index */
#define S2_MEMATTR_NORMAL_WB (0xFull << 2)
#define S2_AP_RW (3ull << 6)

#define MAIR_DEVICE_NGNRNE 0x00ull /* attr 0 */
#define MAIR_NORMAL_WB 0xFFull	   /* attr 1 */
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

static uint64_t el2_l1[512] __attribute__((aligned(4096)));
static uint64_t s2_l1[512] __attribute__((aligned(4096)));
static uint64_t s2_l2[512] __attribute__((aligned(4096)));

void mmu_build_tables(void)
{
	el2_l1[0] = 0 | DESC_BLOCK | S1_ATTR(0) | DESC_AF | DESC_XN;
	el2_l1[1] = GIB | DESC_BLOCK | S1_ATTR(1) | DESC_AF | DESC_SH_INNER;

	s2_l1[EL2_GUEST_BASE / GIB] = (uint64_t)(uintptr_t)s2_l2 | DESC_TABLE;
	for (uint64_t pa = EL2_GUEST_BASE; pa < EL2_GUEST_BASE + EL2_GUEST_SIZE; pa += MIB2)
		s2_l2[(pa % GIB) / MIB2] =
			pa | DESC_BLOCK | S2_MEMATTR_NORMAL_WB | S2_AP_RW | DESC_SH_INNER | DESC_AF;
	DSB_SY();
}

/* TCR_EL2 / VTCR_EL2 fields shared by both regimes: T0SZ = 25 (39-bit),
 * inner/outer write-back walks, inner shareable, 4 KiB granule, 40-bit
 * physical addresses (PS = 2). */
#define TCR_T0SZ_39 25ull
#define TCR_WALK_WB ((1ull << 8) | (1ull << 10) | (3ull << 12))
#define TCR_EL2_RES1 ((1ull << 31) | (1ull << 23))
#define TCR_EL2_PS_40 (2ull << 16)
#define VTCR_SL0_LEVEL1 (1ull << 6)
#define VTCR_RES1 (1ull << 31)
#define VTCR_PS_40 (2ull << 16)
#define SCTLR_EL2_RES1 0x30C50830ull
#define SCTLR_M (1ull << 0)
#define SCTLR_C (1ull << 2)
#define SCTLR_I (1ull << 12)

#define S2_IPA_LIMIT (1ull << 39)
#define S2_BLOCK_PA_MASK 0x0000FFFFFFE00000ull /* output address of a 2 MiB block */

/* Walks the stage-2 tables the guest runs on, so that a guest-physical
 * address the guest names (RVIC_SHARE_STATE's page) reaches exactly the
 * memory the guest itself reaches there, and nothing it cannot. */
void *mmu_stage2_host(uint64_t ipa, uint64_t size)
{
	uint64_t l1, l2;

	/* Written to survive wrap-around; one 2 MiB block at most. */
	if (ipa >= S2_IPA_LIMIT || size == 0 || size > MIB2 || ipa % MIB2 > MIB2 - size)
		return 0;
	l1 = s2_l1[ipa / GIB];
	/* A table descriptor to the one level-2 table this hypervisor builds. */
	if ((l1 & 3) != DESC_TABLE || (l1 & 0x0000FFFFFFFFF000ull) != (uint64_t)(uintptr_t)s2_l2)
		return 0;
	l2 = s2_l2[(ipa % GIB) / MIB2];
	if ((l2 & 3) != DESC_BLOCK || !(l2 & DESC_AF) || (l2 & S2_AP_RW) != S2_AP_RW)
		return 0;
	return (void *)(uintptr_t)((l2 & S2_BLOCK_PA_MASK) + ipa % MIB2);
}

void mmu_enable_el2(void)
{
	SYSREG_WRITE(mair_el2, MAIR_DEVICE_NGNRNE | MAIR_NORMAL_WB << 8);
	SYSREG_WRITE(tcr_el2, TCR_T0SZ_39 | TCR_WALK_WB | TCR_EL2_PS_40 | TCR_EL2_RES1);
	SYSREG_WRITE(ttbr0_el2, (uint64_t)(uintptr_t)el2_l1);
	ISB();
	__asm__ volatile("tlbi alle2\n\tdsb ish" ::: "memory");
	ISB();
	SYSREG_WRITE(sctlr_el2, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I);
	ISB();
}

void mmu_enable_stage2(void)
{
	SYSREG_WRITE(vtcr_el2,
		     TCR_T0SZ_39 | VTCR_SL0_LEVEL1 | TCR_WALK_WB | VTCR_PS_40 | VTCR_RES1);
	/* VMID 1 in bits 55:48. */
	SYSREG_WRITE(vttbr_el2, (uint64_t)(uintptr_t)s2_l1 | 1ull << 48);
	ISB();
	__asm__ volatile("tlbi vmalls12e1\n\tdsb ish" ::: "memory");
	ISB();
}
