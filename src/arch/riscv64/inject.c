/* SPDX-License-Identifier: MIT */
/*
 * riscv64 injection: the vCPU's line is hvip.VSEIP, set by an HS-mode
 * hypervisor directly or by KVM on KVM_INTERRUPT SET/UNSET.
 */
#include "pvirq/arch/riscv64.h"

uint64_t pvirq_riscv_hvip_with_vseip(uint64_t hvip, bool line)
{
	return line ? hvip | PVIRQ_RISCV_HVIP_VSEIP : hvip & ~PVIRQ_RISCV_HVIP_VSEIP;
}

uint32_t pvirq_riscv_kvm_interrupt_irq(bool line)
{
	return line ? PVIRQ_RISCV_KVM_INTERRUPT_SET : PVIRQ_RISCV_KVM_INTERRUPT_UNSET;
}
