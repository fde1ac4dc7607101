/* SPDX-License-Identifier: MIT */
/*
 * The contract between the demo VMM and its guest: guest-physical memory
 * map, I/O ports, interrupt numbers, and the control block both sides read
 * and write. Included by the freestanding guest and by the hosted VMM, so
 * it uses nothing but <stdint.h>.
 *
 * Memory is identity-mapped (virtual == physical) by page tables the VMM
 * builds; the guest reaches the control block at DEMO_SHARED_GPA.
 *
 * The architecture-neutral part (modes, sources, INTIDs, exit codes, the
 * control block and who writes what in it) is the shared workload's
 * contract, examples/workload/workload_shared.h; this file adds the x86
 * memory map, ports and baseline vectors.
 */
#ifndef DEMO_SHARED_H
#define DEMO_SHARED_H

#include <stdint.h>

#include "../workload/workload_shared.h"

/* Guest-physical memory map. */
#define DEMO_MEM_SIZE 0x800000ull /* 8 MiB of guest RAM                  */
#define DEMO_GDT_GPA 0x1000ull	  /* null, code64, data, TSS descriptors */
#define DEMO_TSS_GPA 0x1800ull	  /* 64-bit TSS (VMX needs a valid TR)   */
#define DEMO_PML4_GPA 0x2000ull	  /* page tables: 1 GiB identity map     */
#define DEMO_PDPT_GPA 0x3000ull	  /* with 2 MiB pages                    */
#define DEMO_PD_GPA 0x4000ull
#define DEMO_KVM_CTL_GPA 0x8000ull  /* struct demo_kvm_ctl (this port's own) */
#define DEMO_SHARED_GPA 0x10000ull  /* struct demo_shared                  */
#define DEMO_IMAGE_GPA 0x100000ull  /* guest image (guest.ld links here)   */
#define DEMO_IMAGE_MAX 0x200000ull  /* image + bss must end before stacks  */
#define DEMO_STACKS_GPA 0x400000ull /* one stack per vCPU, growing down    */
#define DEMO_STACK_SIZE 0x10000ull

/* GDT selectors the VMM loads. */
#define DEMO_SEL_CODE 0x08
#define DEMO_SEL_DATA 0x10
#define DEMO_SEL_TSS 0x18

/*
 * I/O ports. 0x0A50 is libpvirq's hypercall doorbell (PVIRQ_X86_IO_PORT);
 * the others are this demo's own devices.
 */
#define DEMO_PORT_HYPERCALL 0x0A50   /* outl: libpvirq hypercall                      */
#define DEMO_PORT_CONSOLE 0x0A58     /* outb: one character of the vCPU's console     */
#define DEMO_PORT_EXIT 0x0A5C	     /* outl: this vCPU is done, value = exit code    */
#define DEMO_PORT_DEVICE_DONE 0x0A60 /* outl d: device d's interrupt handled (ioeventfd) */
#define DEMO_PORT_TIMER_ACK 0x0A64   /* outl: reprogram this vCPU's timer: line drops */
#define DEMO_PORT_MSI_ROUTE 0x0A68   /* outl d<<16|cpu: baseline device MSI target   */
#define DEMO_PORT_LEVEL_TAKE 0x0A6C  /* inl: take one item of the level device: 1, or 0 if none */

/* Baseline mode: x2APIC vectors. */
#define DEMO_VECTOR_DEVICE(d) (0x40u + (d))
#define DEMO_VECTOR_IPI 0x50u
#define DEMO_VECTOR_TIMER 0x51u
#define DEMO_VECTOR_WAKE 0x52u
#define DEMO_VECTOR_SPURIOUS 0xFFu

/* A trusted per-vCPU INTID the VMM raises in the NMI class (--nmi-us). */
#define DEMO_INTID_NMI 3u

/* How the guest ends an interrupt at the local APIC. */
enum demo_lapic_eoi {
	DEMO_EOI_NONE = 0, /* no local APIC: the upcall came by KVM_INTERRUPT     */
	DEMO_EOI_MSR = 1,  /* x2APIC EOI MSR write (an exit KVM handles)          */
	DEMO_EOI_PV = 2,   /* KVM PV-EOI when CPUID offers it, else the MSR write */
};

/* KVM's PV-EOI (Documentation/virt/kvm/x86/msr.rst): the guest registers a
 * word; KVM sets bit 0 when it injects an interrupt whose EOI it can take
 * lazily, and the guest then clears the bit instead of writing the EOI MSR. */
#define DEMO_MSR_KVM_PV_EOI_EN 0x4b564d04u
#define DEMO_KVM_CPUID_SIGNATURE 0x40000000u
#define DEMO_KVM_CPUID_FEATURES 0x40000001u
#define DEMO_KVM_FEATURE_PV_EOI (1u << 6)

/* Per-vCPU part of the port's control block: written by that vCPU only. */
struct demo_kvm_vcpu_ctl {
	uint64_t eoi_msr_writes;    /* guest: EOIs written to the x2APIC EOI MSR       */
	uint64_t eoi_pv_skipped;    /* guest: EOIs PV-EOI let it skip                  */
	uint64_t shared_acks;	    /* guest: INTIDs acknowledged in the shared page   */
	uint64_t shared_cas_lost;   /* guest: acknowledge CASes that lost a race       */
	uint64_t shared_eoi_again;  /* guest: end of interrupt found it pending again  */
	uint32_t pv_eoi_word;	    /* guest: registered with DEMO_MSR_KVM_PV_EOI_EN    */
	uint32_t pv_eoi_on;	    /* guest: 1 once PV-EOI is enabled                 */
	uint64_t shared_reevaluate; /* guest: CLEAR_MASKED after a handler loop hit its budget */
	/* guest: device INTIDs acknowledged while the timer INTID was
	 * deliverable (a priority inversion when the timer's class is higher) */
	uint64_t timer_bypassed;
	uint64_t nmi_handled;  /* guest: NMI-class INTIDs taken in its NMI handler */
	uint64_t nmi_spurious; /* guest: NMIs whose first ACKNOWLEDGE_NMI found nothing */
};

/*
 * This port's control block at DEMO_KVM_CTL_GPA, beside the workload's
 * (which is shared with the other architectures): which flavour of each
 * controller the guest runs.
 */
struct demo_kvm_ctl {
	uint32_t lapic_eoi;    /* host: enum demo_lapic_eoi                            */
	uint32_t pvirq_shared; /* host: 1 = libpvirq with a shared-state page per vCPU */
	/* host: 1 + the device whose rVID input is level-triggered (0: none).
	 * It queues bursts of items and holds its line high while any is
	 * queued; the guest takes one per interrupt (DEMO_PORT_LEVEL_TAKE),
	 * then RVID_RESAMPLEs, which re-pends while items remain. */
	uint32_t level_device;
	uint32_t timer_class; /* host: priority class the guest gives its timer INTID */
	uint32_t storm_work;  /* host: busy-loop iterations of every device handler */
	/* host: 1 = the timer is an edge (SIGNAL), as the LAPIC baseline's
	 * MSI: the guest's port write reprograms it, no RESAMPLE needed. */
	uint32_t timer_edge;
	/* host: 1 = the VM has an NMI line (pvirq_config.nmi_line): the guest
	 * puts DEMO_INTID_NMI in the NMI class and takes it in its NMI
	 * handler with RVIC_ACKNOWLEDGE_NMI. */
	uint32_t nmi_on;
	uint32_t pad32;
	uint64_t pad[4];
	struct demo_kvm_vcpu_ctl vcpu[DEMO_MAX_VCPUS];
};

/* Middle of bucket @p b, in us. */
static inline double demo_ipi_bucket_mid_us(uint32_t b)
{
	return b < DEMO_IPI_HIST_FINE ? b + 0.5
				      : DEMO_IPI_HIST_FINE + (b - DEMO_IPI_HIST_FINE + 0.5) *
								     DEMO_IPI_HIST_COARSE_US;
}

#endif /* DEMO_SHARED_H */
