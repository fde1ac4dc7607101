/* SPDX-License-Identifier: MIT */
/*
 * The baseline: the same workload on KVM's in-kernel local APIC in x2APIC
 * mode. Devices are MSIs whose destination the VMM's device model holds
 * (the guest reprograms it with one port write, as it would an MSI-X table
 * entry); EOI and IPIs are x2APIC MSR writes, EOI through KVM's PV-EOI
 * where the host asked for it (lapic.h).
 */
#include "lapic.h"

#define MSR_APIC_BASE 0x1Bu
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define MSR_X2APIC_TPR 0x808u
#define MSR_X2APIC_SVR 0x80Fu
#define MSR_X2APIC_ICR 0x830u
#define SVR_APIC_ENABLE (1u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

/* KVM's leaves: signature "KVMKVMKVM" at 0x40000000, features after it. */
static bool kvm_offers_pv_eoi(void)
{
	uint32_t r[4];

	cpuid(DEMO_KVM_CPUID_SIGNATURE, r);
	if (r[1] != 0x4b4d564bu || r[2] != 0x564b4d56u || r[3] != 0x4du ||
	    r[0] < DEMO_KVM_CPUID_FEATURES)
		return false;
	cpuid(DEMO_KVM_CPUID_FEATURES, r);
	return (r[0] & DEMO_KVM_FEATURE_PV_EOI) != 0;
}

void lapic_setup(uint32_t self)
{
	struct demo_kvm_vcpu_ctl *me = &KVM_CTL->vcpu[self];

	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	wrmsr(MSR_X2APIC_TPR, 0);
	wrmsr(MSR_X2APIC_SVR, SVR_APIC_ENABLE | DEMO_VECTOR_SPURIOUS);
	if (KVM_CTL->lapic_eoi == DEMO_EOI_PV && kvm_offers_pv_eoi()) {
		/* Bit 0: enable; the rest: the word's guest-physical address
		 * (identity mapped, 4-byte aligned). */
		__atomic_store_n(&me->pv_eoi_word, 0, __ATOMIC_RELAXED);
		wrmsr(DEMO_MSR_KVM_PV_EOI_EN, (uint64_t)(uintptr_t)&me->pv_eoi_word | 1u);
		me->pv_eoi_on = 1;
	}
}

static bool lapic_setup_cpu(uint32_t self)
{
	lapic_setup(self);
	return true;
}

static bool lapic_route(uint32_t d, uint32_t cpu)
{
	outl(DEMO_PORT_MSI_ROUTE, d << 16 | cpu);
	return true;
}

/* An MSI in flight keeps its old destination and is delivered there; the
 * next one goes to the new vCPU. Nothing to mask or move. */
static void lapic_retarget(uint32_t d, uint32_t from, uint32_t to)
{
	(void)from;
	outl(DEMO_PORT_MSI_ROUTE, d << 16 | to);
}

static void lapic_send_ipi(uint32_t to)
{
	/* Fixed delivery, physical destination = x2APIC id = vCPU index. */
	wrmsr(MSR_X2APIC_ICR, (uint64_t)to << 32 | ICR_LEVEL_ASSERT | DEMO_VECTOR_IPI);
}

static void lapic_interrupt(uint32_t self, uint32_t vector)
{
	uint64_t tsc = rdtsc();
	uint32_t src;

	if (vector == DEMO_VECTOR_SPURIOUS) {
		count(&SHARED->vcpu[self].spurious);
		return; /* no EOI for the spurious vector */
	}
	if (vector >= DEMO_VECTOR_DEVICE(0) && vector < DEMO_VECTOR_DEVICE(DEMO_MAX_DEVICES))
		src = vector - DEMO_VECTOR_DEVICE(0);
	else if (vector == DEMO_VECTOR_IPI)
		src = DEMO_SRC_IPI;
	else if (vector == DEMO_VECTOR_TIMER)
		src = DEMO_SRC_TIMER;
	else
		src = DEMO_NR_SOURCES;
	workload_handle_source(self, src, tsc);
	lapic_eoi(self);
}

/* A TPR write: an x2APIC MSR exit handled inside KVM, like EOI. */
static void lapic_probe(void)
{
	wrmsr(MSR_X2APIC_TPR, 0);
}

const struct irq_controller ctl_lapic = {
	.setup_cpu = lapic_setup_cpu,
	.route = lapic_route,
	.retarget = lapic_retarget,
	.send_ipi = lapic_send_ipi,
	.interrupt = lapic_interrupt,
	.probe = lapic_probe,
};
