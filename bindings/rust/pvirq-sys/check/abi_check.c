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
	SIZE(pvirq_notify_fn),
	SIZE(pvirq_line_level_fn),
	SIZE(bool),
	SIZE(size_t),
	SIZE(int),
	VALUE(PVIRQ_VERSION),
	{NULL, 0},
};
