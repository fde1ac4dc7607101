/* SPDX-License-Identifier: MIT */
/*
 * CSR access and the hypervisor-extension registers, by number so that
 * the build needs no assembler support for the H extension's names.
 */
#ifndef HS_CSR_H
#define HS_CSR_H

#include <stdint.h>

#define CSR_SSTATUS 0x100
#define CSR_SIE 0x104
#define CSR_SIP 0x144
#define CSR_SCAUSE 0x142
#define CSR_STVAL 0x143
#define CSR_HSTATUS 0x600
#define CSR_HEDELEG 0x602
#define CSR_HIDELEG 0x603
#define CSR_HIE 0x604
#define CSR_HCOUNTEREN 0x606
#define CSR_HGEIE 0x607
#define CSR_HENVCFG 0x60A
#define CSR_HTVAL 0x643
#define CSR_HIP 0x644
#define CSR_HVIP 0x645
#define CSR_HTINST 0x64A
#define CSR_HGATP 0x680
#define CSR_VSSTATUS 0x200
#define CSR_VSIE 0x204
#define CSR_VSTVEC 0x205
#define CSR_VSATP 0x280
#define CSR_TIME 0xC01

#define SSTATUS_SPP (1ull << 8)
#define HSTATUS_SPV (1ull << 7)
#define HSTATUS_SPVP (1ull << 8)
#define HSTATUS_VTW (1ull << 21)

#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define SCAUSE_INTERRUPT (1ull << 63)

#define EXC_VS_ECALL 10
#define EXC_INST_GUEST_PAGE_FAULT 20
#define EXC_LOAD_GUEST_PAGE_FAULT 21
#define EXC_VIRTUAL_INSTRUCTION 22
#define EXC_STORE_GUEST_PAGE_FAULT 23

#define CSR_READ(csr)                                                             \
	({                                                                        \
		uint64_t v_;                                                      \
		__asm__ volatile("csrr %0, %1" : "=r"(v_) : "i"(csr) : "memory"); \
		v_;                                                               \
	})
#define CSR_WRITE(csr, v) __asm__ volatile("csrw %0, %1" ::"i"(csr), "r"((uint64_t)(v)) : "memory")
#define CSR_SET(csr, v) __asm__ volatile("csrs %0, %1" ::"i"(csr), "r"((uint64_t)(v)) : "memory")
#define CSR_CLEAR(csr, v) __asm__ volatile("csrc %0, %1" ::"i"(csr), "r"((uint64_t)(v)) : "memory")

static inline uint64_t hs_time(void)
{
	return CSR_READ(CSR_TIME);
}

/* Waits for an interrupt enabled in sie without taking it (sstatus.SIE is
 * zero in the hypervisor). Under -icount this is also what lets the other
 * harts run. */
static inline void hs_wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

#endif /* HS_CSR_H */
