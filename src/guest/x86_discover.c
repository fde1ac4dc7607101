/* SPDX-License-Identifier: MIT */
/*
 * x86 discovery through CPUID (pvirq/x86_cpuid.h). Every step is a read
 * of CPUID, which never faults, so a guest can run this on any machine,
 * hypervisor or not, and only then trap.
 */
#include <pvirq/guest/x86_discover.h>

void pvirq_guest_cpuid_native(void *ctx, uint32_t leaf, uint32_t out[4])
{
	(void)ctx;
#if defined(__x86_64__)
	__asm__ __volatile__("cpuid"
			     : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
			     : "a"(leaf), "c"(0u));
#else
	(void)leaf;
	out[0] = out[1] = out[2] = out[3] = 0;
#endif
}

/* CPUID.0 vendor strings "GenuineIntel", "AuthenticAMD", "HygonGenuine"
 * (EBX, EDX, ECX order). */
static bool vendor_is(const uint32_t r[4], uint32_t ebx, uint32_t edx, uint32_t ecx)
{
	return r[1] == ebx && r[3] == edx && r[2] == ecx;
}

static uint32_t native_hypercall_conduit(pvirq_guest_cpuid_fn cpuid, void *ctx)
{
	uint32_t r[4];

	cpuid(ctx, 0, r);
	if (vendor_is(r, 0x756e6547u, 0x49656e69u, 0x6c65746eu))
		return PVIRQ_X86_CPUID_CONDUIT_VMCALL;
	if (vendor_is(r, 0x68747541u, 0x69746e65u, 0x444d4163u) ||
	    vendor_is(r, 0x6f677948u, 0x6e65476eu, 0x656e6975u))
		return PVIRQ_X86_CPUID_CONDUIT_VMMCALL;
	return 0;
}

int pvirq_guest_x86_discover(pvirq_guest_cpuid_fn cpuid, void *ctx,
			     struct pvirq_guest_x86_platform *out)
{
	uint32_t r[4];

	cpuid(ctx, 1, r);
	if (!(r[2] & (1u << 31)))
		return PVIRQ_GUEST_X86_NO_HYPERVISOR;
	for (uint32_t base = PVIRQ_X86_CPUID_SCAN_FIRST; base < PVIRQ_X86_CPUID_SCAN_END;
	     base += PVIRQ_X86_CPUID_SCAN_STEP) {
		uint32_t native;

		cpuid(ctx, base, r);
		if (r[1] != PVIRQ_X86_CPUID_SIG_EBX || r[2] != PVIRQ_X86_CPUID_SIG_ECX ||
		    r[3] != PVIRQ_X86_CPUID_SIG_EDX || r[0] < base + 1)
			continue;
		cpuid(ctx, base + 1, r);
		out->base = base;
		out->info.version = r[0];
		out->info.conduits = r[1];
		out->info.io_port = (uint16_t)r[2];
		out->info.upcall_vector = (uint8_t)r[3];
		native = native_hypercall_conduit(cpuid, ctx) & r[1];
		if (native == PVIRQ_X86_CPUID_CONDUIT_VMCALL)
			out->conduit = PVIRQ_GUEST_X86_VMCALL;
		else if (native == PVIRQ_X86_CPUID_CONDUIT_VMMCALL)
			out->conduit = PVIRQ_GUEST_X86_VMMCALL;
		else if ((r[1] & PVIRQ_X86_CPUID_CONDUIT_PORT_IO) && r[2] == PVIRQ_X86_IO_PORT)
			out->conduit = PVIRQ_GUEST_X86_PORT_IO;
		else
			return PVIRQ_GUEST_X86_NO_CONDUIT;
		return PVIRQ_GUEST_X86_FOUND;
	}
	return PVIRQ_GUEST_X86_NOT_FOUND;
}
