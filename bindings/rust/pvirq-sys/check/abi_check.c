/* SPDX-License-Identifier: MIT */
/*
 * What the C compiler says about the public headers: sizes, offsets and
 * computed constants. tests/header_check.rs compares every entry with the
 * Rust declarations of pvirq-sys, so a header change that the Rust side
 * has not followed fails the test instead of corrupting memory.
 */
#include <stddef.h>
#include <stdint.h>

#include <pvirq/pvirq.h>

struct pvirq_sys_check_entry {
	const char *name;
	uint64_t value;
};

/* One line per entry: clang-format would split every initializer. */
/* clang-format off */
#define SIZE(type) {"sizeof " #type, sizeof(type)}
#define ALIGN(type) {"alignof " #type, _Alignof(type)}
#define OFFSET(type, field) {"offsetof " #type " " #field, offsetof(type, field)}
#define VALUE(expr) {#expr, (uint64_t)(expr)}

const struct pvirq_sys_check_entry pvirq_sys_check_entries[] = {
	SIZE(struct pvirq_config),
	ALIGN(struct pvirq_config),
	OFFSET(struct pvirq_config, nr_vcpus),
	OFFSET(struct pvirq_config, nr_trusted),
	OFFSET(struct pvirq_config, nr_untrusted),
	OFFSET(struct pvirq_config, nr_rvid_inputs),
	OFFSET(struct pvirq_config, cpu_ids),
	OFFSET(struct pvirq_config, notify),
	OFFSET(struct pvirq_config, notify_ctx),
	OFFSET(struct pvirq_config, line_level),
	OFFSET(struct pvirq_config, line_level_ctx),
	OFFSET(struct pvirq_config, guest_page),
	OFFSET(struct pvirq_config, guest_page_ctx),
	OFFSET(struct pvirq_config, resample),
	OFFSET(struct pvirq_config, resample_ctx),
	OFFSET(struct pvirq_config, nmi_line),
	SIZE(pvirq_notify_fn),
	SIZE(pvirq_line_level_fn),
	SIZE(pvirq_guest_page_fn),
	SIZE(pvirq_resample_fn),
	SIZE(bool),
	SIZE(size_t),
	SIZE(int),
	VALUE(PVIRQ_VERSION),
	VALUE(PVIRQ_ABI_VERSION),
	VALUE(PVIRQ_ABI_NR_CALLS),
#define FN_VALUE(part, name, n, a0, a1, a2, ret) VALUE(PVIRQ_FN_##part##_##name),
	PVIRQ_ABI_CALLS(FN_VALUE)
#undef FN_VALUE
	SIZE(struct pvirq_abi_call_desc),
	OFFSET(struct pvirq_abi_call_desc, name),
	OFFSET(struct pvirq_abi_call_desc, part),
	OFFSET(struct pvirq_abi_call_desc, fn),
	OFFSET(struct pvirq_abi_call_desc, args),
	OFFSET(struct pvirq_abi_call_desc, returns_value),
	SIZE(struct pvirq_abi_call),
	OFFSET(struct pvirq_abi_call, part),
	OFFSET(struct pvirq_abi_call, fn),
	OFFSET(struct pvirq_abi_call, args),
	SIZE(struct pvirq_abi_result),
	OFFSET(struct pvirq_abi_result, reason),
	OFFSET(struct pvirq_abi_result, index),
	OFFSET(struct pvirq_abi_result, value),
	SIZE(struct pvirq_abi_binding),
	OFFSET(struct pvirq_abi_binding, target_mask),
	OFFSET(struct pvirq_abi_binding, upcall_vector),
	SIZE(enum pvirq_abi_part),
	SIZE(enum pvirq_x86_kvm_entry),
	SIZE(struct pvirq_x86_regs),
	OFFSET(struct pvirq_x86_regs, rax),
	OFFSET(struct pvirq_x86_regs, rbx),
	OFFSET(struct pvirq_x86_regs, rcx),
	OFFSET(struct pvirq_x86_regs, rdx),
	OFFSET(struct pvirq_x86_regs, rsi),
	OFFSET(struct pvirq_x86_regs, rdi),
	SIZE(struct pvirq_x86_pi_desc),
	ALIGN(struct pvirq_x86_pi_desc),
	VALUE(PVIRQ_X86_PI_ON),
	VALUE(PVIRQ_X86_PI_SN),
	SIZE(struct pvirq_arm64_regs),
	SIZE(struct pvirq_arm64_kvm_irq_level),
	OFFSET(struct pvirq_arm64_kvm_irq_level, irq),
	OFFSET(struct pvirq_arm64_kvm_irq_level, level),
	VALUE(PVIRQ_ARM64_HCR_EL2_VI),
	SIZE(struct pvirq_riscv_regs),
	VALUE(PVIRQ_RISCV_HVIP_VSEIP),
	VALUE(PVIRQ_ABI_STATUS_NOT_SUPPORTED),
	VALUE(PVIRQ_ABI_FEATURES),
	VALUE(PVIRQ_SHARED_WORDS(64)),
	{NULL, 0},
};
/* clang-format on */
