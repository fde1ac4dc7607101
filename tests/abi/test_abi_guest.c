/* SPDX-License-Identifier: MIT */
/*
 * The guest header compiles on the build's architecture (x86_64, or arm64
 * and riscv64 in the cross builds), with the library's warnings, and its
 * calls encode the function IDs the host decoders expect. The trapping
 * instructions themselves cannot run in a user process; the
 * host side of each binding is tested in test_abi_vectors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pvirq/guest.h>

typedef struct pvirq_guest_ret (*call_fn)(enum pvirq_guest_conduit, uint32_t, uint64_t, uint64_t,
					  uint64_t);

static void guest_header_compiles(void **state)
{
	(void)state;
#if defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)
	volatile call_fn native = pvirq_guest_call_native;
	struct pvirq_guest_ret r;

	assert_non_null(native);
	assert_non_null((void *)pvirq_guest_rvic_signal);
	assert_non_null((void *)pvirq_guest_rvid_map);
	/* A conduit of another architecture never traps: NOT_SUPPORTED. */
#if defined(__x86_64__)
	r = pvirq_guest_rvic_version(PVIRQ_GUEST_ARM64_HVC);
#else
	r = pvirq_guest_rvic_version(PVIRQ_GUEST_X86_VMCALL);
#endif
	assert_int_equal(r.status, PVIRQ_ABI_STATUS_NOT_SUPPORTED);
	assert_int_equal(r.value, 0);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guest_header_compiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
