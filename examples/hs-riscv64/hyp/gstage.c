/* SPDX-License-Identifier: MIT */
/*
 * G-stage tables: Sv39x4 maps a 41-bit guest-physical space with a 16 KiB
 * root (2048 entries, 16 KiB aligned). Guest RAM is mapped with 2 MiB
 * leaves at level 1; every other guest-physical address faults into the
 * hypervisor (scause 20/21/23), which reports it as a guest fault.
 * G-stage leaves need U set (the G-stage sees every guest access as a
 * user access) and A/D preset (we do not emulate their updates).
 */
#include "gstage.h"

#include "../layout.h"
#include "csr.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN(pa) (((uint64_t)(pa) >> 12) << 10)

#define HGATP_MODE_SV39X4 (8ull << 60)
#define HGATP_VMID(v) ((uint64_t)(v) << 44)

#define MEGAPAGE (2ull << 20)

_Static_assert(HS_GUEST_RAM_SIZE % MEGAPAGE == 0, "guest RAM must be whole 2 MiB pages");
_Static_assert(HS_GUEST_RAM_SIZE <= (1ull << 30), "guest RAM must fit one level-1 table");
_Static_assert((HS_GUEST_GPA_BASE & ((1ull << 30) - 1)) == 0, "guest RAM must start a 1 GiB slot");

static uint64_t root[2048] __attribute__((aligned(16384)));
static uint64_t level1[512] __attribute__((aligned(4096)));

void hs_gstage_build(uint64_t hole)
{
	uint64_t leaf = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;

	for (uint64_t i = 0; i < HS_GUEST_RAM_SIZE / MEGAPAGE; i++)
		if (!hole || (hole - HS_GUEST_GPA_BASE) / MEGAPAGE != i)
			level1[i] = PTE_PPN(HS_GUEST_HPA_BASE + i * MEGAPAGE) | leaf;
	root[HS_GUEST_GPA_BASE >> 30] = PTE_PPN((uint64_t)(uintptr_t)level1) | PTE_V;
}

void hs_gstage_enable(void)
{
	CSR_WRITE(CSR_HGATP, HGATP_MODE_SV39X4 | HGATP_VMID(1) | ((uint64_t)(uintptr_t)root >> 12));
	/* hfence.gvma zero, zero: forget any G-stage translation of this hart. */
	__asm__ volatile(".word 0x62000073" ::: "memory");
}

void *hs_gstage_translate(uint64_t gpa, uint64_t len)
{
	uint64_t slot = gpa >> 30, leaf;

	/* Sv39x4: 41-bit guest-physical addresses; one megapage at most,
	 * written to survive wrap-around. */
	if (gpa >= (1ull << 41) || len == 0 || len > MEGAPAGE || gpa % MEGAPAGE > MEGAPAGE - len)
		return 0;
	if (!(root[slot] & PTE_V) || (root[slot] & (PTE_R | PTE_W | PTE_X)) ||
	    (root[slot] >> 10 << 12) != (uint64_t)(uintptr_t)level1)
		return 0; /* not the one level-1 table this hypervisor builds */
	leaf = level1[(gpa >> 21) & 511];
	if ((leaf & (PTE_V | PTE_R | PTE_W | PTE_U)) != (PTE_V | PTE_R | PTE_W | PTE_U))
		return 0;
	return (void *)(uintptr_t)((leaf >> 10 << 12) + gpa % MEGAPAGE);
}

void *hs_gpa_to_host(uint64_t gpa, uint64_t len)
{
	/* Written to survive wrap-around: gpa + len may overflow. */
	if (gpa < HS_GUEST_GPA_BASE || len > HS_GUEST_RAM_SIZE ||
	    gpa - HS_GUEST_GPA_BASE > HS_GUEST_RAM_SIZE - len)
		return 0;
	return (void *)(uintptr_t)(gpa - HS_GUEST_GPA_BASE + HS_GUEST_HPA_BASE);
}
