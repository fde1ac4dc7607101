/* SPDX-License-Identifier: MIT */
/*
 * arm64 injection: the vCPU's line is HCR_EL2.VI for an EL2 hypervisor, or
 * the CPU-type IRQ line of KVM_IRQ_LINE for a userspace VMM on KVM without
 * an in-kernel GIC.
 */
#include "pvirq/arch/arm64.h"

#define KVM_IRQ_VCPU2_SHIFT 28
#define KVM_IRQ_TYPE_SHIFT 24
#define KVM_IRQ_VCPU_SHIFT 16
#define KVM_IRQ_VCPU_MASK 0xFFu

uint64_t pvirq_arm64_hcr_el2_with_vi(uint64_t hcr_el2, bool line)
{
	return line ? hcr_el2 | PVIRQ_ARM64_HCR_EL2_VI : hcr_el2 & ~PVIRQ_ARM64_HCR_EL2_VI;
}

int pvirq_arm64_kvm_irq_line(uint32_t vcpu_index, bool line, struct pvirq_arm64_kvm_irq_level *out)
{
	if (!out)
		return PVIRQ_EINVAL;
	if (vcpu_index >= PVIRQ_ARM64_KVM_IRQ_MAX_VCPUS)
		return PVIRQ_EVCPU;
	out->irq = (vcpu_index >> 8) << KVM_IRQ_VCPU2_SHIFT |
		   PVIRQ_ARM64_KVM_IRQ_TYPE_CPU << KVM_IRQ_TYPE_SHIFT |
		   (vcpu_index & KVM_IRQ_VCPU_MASK) << KVM_IRQ_VCPU_SHIFT |
		   PVIRQ_ARM64_KVM_IRQ_CPU_IRQ;
	out->level = line ? 1u : 0u;
	return PVIRQ_OK;
}
