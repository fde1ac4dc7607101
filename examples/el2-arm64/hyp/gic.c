/* SPDX-License-Identifier: MIT */
/*
 * The physical GICv3, owned by EL2 (HCR_EL2.IMO routes every physical IRQ
 * here; the guest never sees the GIC). QEMU virt: distributor at
 * 0x08000000, redistributors from 0x080A0000, 128 KiB per CPU in CPU
 * order; one security state (GICD_CTLR.DS), every interrupt Group 1.
 * The CPU interface is the system-register one (ICC_*), named by encoding
 * so that any assembler takes them.
 */
#include "hyp.h"

#define GICD_BASE 0x08000000ul
#define GICR_BASE 0x080A0000ul
#define GICR_STRIDE 0x20000ul
#define GICR_SGI_OFFSET 0x10000ul

#define GICD_CTLR 0x0000u
#define GICD_CTLR_RWP (1u << 31)
#define GICD_CTLR_ARE (1u << 4)
#define GICD_CTLR_ENABLE_G1 (1u << 1)
#define GICR_WAKER 0x0014u
#define GICR_WAKER_PROCESSOR_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)
#define GICR_IGROUPR0 0x0080u /* in the SGI frame */
#define GICR_ISENABLER0 0x0100u
#define GICR_ICENABLER0 0x0180u
#define GICR_IPRIORITYR 0x0400u

#define ICC_SRE_EL2 S3_4_C12_C9_5
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICC_CTLR_EL1 S3_0_C12_C12_4
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
/* SYSREG_* stringify their argument: expand the macro first. */
#define READ(r) SYSREG_READ(r)
#define WRITE(r, v) SYSREG_WRITE(r, v)
#define XREAD(r) READ(r)
#define XWRITE(r, v) WRITE(r, v)

static volatile uint32_t *reg32(uintptr_t addr)
{
	return (volatile uint32_t *)addr;
}

static uintptr_t sgi_frame(uint32_t cpu)
{
	return GICR_BASE + cpu * GICR_STRIDE + GICR_SGI_OFFSET;
}

void gic_init_distributor(void)
{
	*reg32(GICD_BASE + GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1;
	while (*reg32(GICD_BASE + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

void gic_init_cpu(uint32_t cpu)
{
	uintptr_t rd = GICR_BASE + cpu * GICR_STRIDE, sgi = sgi_frame(cpu);
	uint32_t intids[] = {EL2_INTID_KICK, EL2_INTID_HYP_TIMER, EL2_INTID_VTIMER};

	*reg32(rd + GICR_WAKER) &= ~GICR_WAKER_PROCESSOR_SLEEP;
	while (*reg32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
		;
	*reg32(sgi + GICR_IGROUPR0) = 0xFFFFFFFFu;
	for (size_t i = 0; i < sizeof(intids) / sizeof(intids[0]); i++) {
		volatile uint8_t *prio = (volatile uint8_t *)(sgi + GICR_IPRIORITYR);

		prio[intids[i]] = 0x80;
	}
	*reg32(sgi + GICR_ISENABLER0) = 1u << EL2_INTID_KICK | 1u << EL2_INTID_VTIMER;

	XWRITE(ICC_SRE_EL2, 1); /* SRE: system registers; EL1 may not touch them */
	ISB();
	XWRITE(ICC_PMR_EL1, 0xF0);
	XWRITE(ICC_BPR1_EL1, 0);
	XWRITE(ICC_CTLR_EL1, 0); /* EOImode 0: EOIR drops priority and deactivates */
	XWRITE(ICC_IGRPEN1_EL1, 1);
	ISB();
}

/* A parked CPU takes nothing more. */
void gic_cpu_off(void)
{
	XWRITE(ICC_IGRPEN1_EL1, 0);
	ISB();
}

uint32_t gic_ack(void)
{
	return (uint32_t)XREAD(ICC_IAR1_EL1) & 0xFFFFFFu;
}

void gic_eoi(uint32_t intid)
{
	XWRITE(ICC_EOIR1_EL1, intid);
	ISB();
}

/* Target list: Aff0 of the target in bits 15:0 (QEMU virt CPU i has
 * Aff0 = i for i < 8, Aff1..3 = 0). dsb: the state the kick announces is
 * visible to the target before the SGI can be. */
void gic_send_sgi(uint32_t cpu, uint32_t intid)
{
	DSB_SY();
	XWRITE(ICC_SGI1R_EL1, (uint64_t)intid << 24 | 1ull << cpu);
	ISB();
}

void gic_ppi_enable(uint32_t cpu, uint32_t intid, bool enable)
{
	*reg32(sgi_frame(cpu) + (enable ? GICR_ISENABLER0 : GICR_ICENABLER0)) = 1u << intid;
	DSB_SY();
}
