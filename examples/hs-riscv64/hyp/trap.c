/* SPDX-License-Identifier: MIT */
/*
 * Every trap from the guest lands here (entry.S saved its registers into
 * the hart). Whatever the trap, the way back is the same: poll the devices
 * and the run's phase, deliver a pending guest IPI, and re-read the
 * vCPU's libpvirq line into hvip.VSEIP just before SRET, so a line raised
 * by any hart while we were away is never missed.
 */
#include "console.h"
#include "csr.h"
#include "hyp.h"

static __attribute__((noreturn)) void guest_fault(struct hs_hart *h, uint64_t scause)
{
	/* htval holds the faulting guest-physical address shifted right by 2. */
	hs_printf("HS: guest fault on vCPU %u: scause %lu pc 0x%lx stval 0x%lx gpa 0x%lx\n",
		  (unsigned)h->hartid, scause, h->sepc, CSR_READ(CSR_STVAL),
		  CSR_READ(CSR_HTVAL) << 2);
	hs_fail("guest fault", scause, h->sepc);
}

struct hs_hart *hs_trap(struct hs_hart *h)
{
	uint64_t scause = CSR_READ(CSR_SCAUSE);

	if (scause & SCAUSE_INTERRUPT) {
		switch (scause & ~SCAUSE_INTERRUPT) {
		case IRQ_S_SOFT:
			/* A kick: clear it first, then the line is re-read
			 * below, so a kick arriving now is not lost. */
			CSR_CLEAR(CSR_SIP, 1u << IRQ_S_SOFT);
			h->traps.kick_irqs++;
			break;
		case IRQ_S_TIMER:
			h->traps.timer_irqs++;
			hs_timer_expired(h);
			break;
		default: hs_fail("unexpected interrupt", scause, h->sepc);
		}
	} else if (scause == EXC_VS_ECALL) {
		h->sepc += 4;
		hs_vsbi_call(h);
	} else {
		guest_fault(h, scause);
	}
	hs_poll(h);
	/* A guest SBI IPI to us: acquire pairs with the sender's store. */
	if (__atomic_exchange_n(&h->vssip, 0, __ATOMIC_ACQUIRE))
		CSR_SET(CSR_HVIP, 1u << 2);
	pvirq_riscv_hs_set_vseip(pvirq_vcpu_rearm(hs.vm, h->hartid));
	return h;
}
