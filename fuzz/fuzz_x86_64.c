/* SPDX-License-Identifier: MIT */
/*
 * Differential fuzz target of the x86_64 binding (VMCALL/VMMCALL and the
 * port-I/O doorbell share it): steps are host-level operations or
 * hypercalls from some vCPU with raw RAX, RBX, RCX, RSI (and RDX, RDI that
 * must survive). The binding's rules (include/pvirq/arch/x86_64.h) are
 * restated here: RAX is libpvirq's only if, as a 64-bit value, it is in
 * 0xC5000100..0xC50001FF (rVID) or 0xC5000200..0xC50002FF (rVIC); the
 * arguments are RBX, RCX, RSI; RAX returns the 64-bit status word and RBX
 * the value; targets are 32-bit APIC ids. Sometimes the VMM's own upcall
 * vector is passed (pvirq_x86_handle_hypercall_vector()), which INFO(4)
 * must report; a vector below 32 must be refused with nothing changed.
 */
#include <pvirq/arch/x86_64.h>

#include "abi_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool decode_id(uint64_t rax, enum oracle_part *part, uint32_t *fn)
{
	if (rax >= 0xC5000200ull && rax <= 0xC50002FFull) {
		*part = ORACLE_RVIC;
		*fn = (uint32_t)(rax - 0xC5000200ull);
		return true;
	}
	if (rax >= 0xC5000100ull && rax <= 0xC50001FFull) {
		*part = ORACLE_RVID;
		*fn = (uint32_t)(rax - 0xC5000100ull);
		return true;
	}
	return false;
}

static uint64_t pick_id(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);
	uint64_t id = (sel & 1 ? 0xC5000100u : 0xC5000200u) + fuzz_u8(in) % 20u;

	switch (sel >> 5) {
	case 0: return id | ((uint64_t)fuzz_u32(in) << 32); /* not ours */
	case 1: return id + 0xF0;
	case 2: return id & ~0x40000000ull;
	case 3: return fuzz_u64(in);
	default: return id;
	}
}

static void hypercall_step(struct fuzz_world *w, struct fuzz_input *in)
{
	uint32_t vcpu = fuzz_index(in, w->m.nr_vcpus), fn = 0;
	struct oracle_binding binding = {.target_mask = 0xFFFFFFFFull,
					 .upcall_vector = PVIRQ_X86_UPCALL_VECTOR_DEFAULT};
	struct pvirq_x86_regs r, before;
	enum oracle_part part = ORACLE_RVIC;
	struct oracle_outcome want;
	uint8_t vector_sel = fuzz_u8(in), vector = fuzz_u8(in);
	bool own_vector = vector_sel < 0x40, ours;
	int rc;

	r.rax = pick_id(in);
	r.rbx = oracle_pick_arg(w, in);
	r.rcx = oracle_pick_arg(w, in);
	r.rsi = oracle_pick_arg(w, in);
	r.rdx = PVIRQ_X86_IO_PORT;
	r.rdi = 0xD1D1D1D1D1D1D1D1ull;
	before = r;
	ours = decode_id(r.rax, &part, &fn);
	rc = own_vector ? pvirq_x86_handle_hypercall_vector(w->vm, vcpu, &r, vector)
			: pvirq_x86_handle_hypercall(w->vm, vcpu, &r);

	if (vcpu >= w->m.nr_vcpus || !ours || (own_vector && vector < 0x20)) {
		bool bad_vcpu = vcpu >= w->m.nr_vcpus, bad_vector = own_vector && vector < 0x20;

		/* Refused: any of the applicable reasons, nothing changed. */
		FUZZ_CHECK(w,
			   (!ours && rc == PVIRQ_ENOSYS) || (bad_vcpu && rc == PVIRQ_EVCPU) ||
				   (bad_vector && rc == PVIRQ_EINVAL),
			   "rax %#llx vcpu %u vector %d/%u: rc %d", (unsigned long long)before.rax,
			   vcpu, own_vector, vector, rc);
		FUZZ_CHECK(w,
			   r.rax == before.rax && r.rbx == before.rbx && r.rcx == before.rcx &&
				   r.rdx == before.rdx && r.rsi == before.rsi &&
				   r.rdi == before.rdi,
			   "registers changed on rc %d", rc);
		return;
	}
	if (own_vector)
		binding.upcall_vector = vector;
	oracle_call(w, &binding, vcpu, part, fn,
		    (const uint64_t[3]){before.rbx, before.rcx, before.rsi}, &want);
	FUZZ_CHECK(w, rc == PVIRQ_OK, "rax %#llx: rc %d", (unsigned long long)before.rax, rc);
	FUZZ_CHECK(w, r.rax == (uint64_t)oracle_status_word(&want),
		   "rax %#llx args %#llx %#llx %#llx: status %#llx, want %#llx",
		   (unsigned long long)before.rax, (unsigned long long)before.rbx,
		   (unsigned long long)before.rcx, (unsigned long long)before.rsi,
		   (unsigned long long)r.rax, (unsigned long long)oracle_status_word(&want));
	FUZZ_CHECK(w, r.rbx == want.value, "rax %#llx: value %#llx, want %#llx",
		   (unsigned long long)before.rax, (unsigned long long)r.rbx,
		   (unsigned long long)want.value);
	FUZZ_CHECK(w,
		   r.rcx == before.rcx && r.rdx == before.rdx && r.rsi == before.rsi &&
			   r.rdi == before.rdi,
		   "rcx/rdx/rsi/rdi not preserved");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return oracle_run(data, size, hypercall_step, "x86 hypercall");
}
