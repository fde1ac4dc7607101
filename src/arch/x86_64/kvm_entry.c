/* SPDX-License-Identifier: MIT */
/* The KVM_INTERRUPT / interrupt-window decision of a userspace VMM. */
#include "pvirq/arch/x86_64.h"

enum pvirq_x86_kvm_entry pvirq_x86_kvm_entry_action(bool line, bool ready_for_injection)
{
	if (!line)
		return PVIRQ_X86_KVM_ENTRY_NOTHING;
	return ready_for_injection ? PVIRQ_X86_KVM_ENTRY_INJECT
				   : PVIRQ_X86_KVM_ENTRY_REQUEST_WINDOW;
}
