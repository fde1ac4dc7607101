/* SPDX-License-Identifier: MIT */
/*
 * The guest's local APIC in x2APIC mode, as KVM's in-kernel LAPIC offers
 * it: bring-up, and end of interrupt with or without KVM's PV-EOI. Used by
 * the LAPIC baseline and by libpvirq when its upcall arrives as an MSI.
 */
#ifndef DEMO_GUEST_LAPIC_H
#define DEMO_GUEST_LAPIC_H

#include "workload.h"

#define KVM_CTL ((struct demo_kvm_ctl *)DEMO_KVM_CTL_GPA)

/* Enables the x2APIC (and PV-EOI if the host asked for it and KVM's CPUID
 * offers it). */
void lapic_setup(uint32_t self);

/* End of interrupt of the vector in service: PV-EOI's bit if KVM set it
 * (no exit), else the EOI MSR (an exit KVM handles). */
static inline void lapic_eoi(uint32_t self)
{
	struct demo_kvm_vcpu_ctl *me = &KVM_CTL->vcpu[self];

	/* Atomic test-and-clear: KVM sets the bit at injection, from another
	 * thread if it likes, and reads it back at the next exit. */
	if (me->pv_eoi_on && (__atomic_fetch_and(&me->pv_eoi_word, ~1u, __ATOMIC_SEQ_CST) & 1u)) {
		count(&me->eoi_pv_skipped);
		return;
	}
	count(&me->eoi_msr_writes);
	wrmsr(0x80Bu /* x2APIC EOI */, 0);
}

#endif /* DEMO_GUEST_LAPIC_H */
