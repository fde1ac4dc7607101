/* SPDX-License-Identifier: MIT */
/*
 * Differential fuzz target of the arm64 SMCCC binding: the input is a VM
 * shape, then a sequence of steps, each either a host-level operation
 * (device inject, remap, enable/disable, resample, ... as in fuzz_engine)
 * or an SMCCC call from some vCPU with raw register values X0..X7. The
 * decoding rules of include/pvirq/arch/arm64.h are restated here
 * (independently of src/arch/arm64): which W0 values are libpvirq's, where
 * the arguments are, which registers come back how. The call's effect is
 * applied to the reference model by fuzz/support/abi_oracle.c, and after
 * every step engine and model must agree and the invariants hold.
 */
#include <pvirq/arch/arm64.h>

#include "abi_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* W0 of a libpvirq call, from arm64.h: fast (bit 31), SMC64 (bit 30),
 * owner 5 (bits 29:24), bits 23:17 zero, bit 16 ignored, bits 15:0 in
 * 0x100..0x1FF (rVID) or 0x200..0x2FF (rVIC). Bits 63:32 of X0 ignored. */
static bool decode_id(uint64_t x0, enum oracle_part *part, uint32_t *fn)
{
	uint32_t w0 = (uint32_t)x0, low = w0 & 0xFFFFu;

	if ((w0 & 0xC0000000u) != 0xC0000000u || ((w0 >> 24) & 0x3Fu) != 5u ||
	    ((w0 >> 17) & 0x7Fu) != 0)
		return false;
	if (low < 0x100u || low > 0x2FFu)
		return false;
	*part = low >= 0x200u ? ORACLE_RVIC : ORACLE_RVID;
	*fn = low & 0xFFu;
	return true;
}

/* X0: mostly a real function ID (sometimes unknown n, stray high bits, the
 * SVE hint, the SMC32 form, another owner), sometimes raw. */
static uint64_t pick_id(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);
	uint64_t id = (sel & 1 ? 0xC5000100u : 0xC5000200u) + fuzz_u8(in) % 20u;

	switch (sel >> 5) {
	case 0: return id | ((uint64_t)fuzz_u32(in) << 32);
	case 1: return id | (1u << 16);
	case 2: return id & ~0x40000000ull; /* SMC32 */
	case 3: return (id & ~0x3F000000ull) | ((uint64_t)(fuzz_u8(in) & 0x3F) << 24);
	case 4: return (id & ~0xFFFFull) | fuzz_u32(in) % 0x400u;
	case 5: return fuzz_u64(in);
	default: return id;
	}
}

static void smccc_step(struct fuzz_world *w, struct fuzz_input *in)
{
	static const struct oracle_binding binding = {.target_mask = 0xFF00FFFFFFull};
	struct pvirq_arm64_regs r, before;
	uint32_t vcpu = fuzz_index(in, w->m.nr_vcpus), fn = 0;
	enum oracle_part part = ORACLE_RVIC;
	struct oracle_outcome want;
	bool ours;
	int rc;

	r.x[0] = pick_id(in);
	for (int i = 1; i < 4; i++)
		r.x[i] = oracle_pick_arg(w, in);
	for (int i = 4; i < 8; i++)
		r.x[i] = 0x4444444444444444ull * (uint64_t)i;
	before = r;
	ours = decode_id(r.x[0], &part, &fn);
	rc = pvirq_arm64_handle_smccc(w->vm, vcpu, &r);

	if (vcpu >= w->m.nr_vcpus || !ours) {
		/* Not a call for the library to answer: nothing changes. A
		 * foreign call from a bad vCPU may be refused for either reason. */
		FUZZ_CHECK(w,
			   vcpu < w->m.nr_vcpus ? rc == PVIRQ_ENOSYS
			   : ours		? rc == PVIRQ_EVCPU
						: rc == PVIRQ_ENOSYS || rc == PVIRQ_EVCPU,
			   "smccc x0 %#llx vcpu %u: rc %d", (unsigned long long)before.x[0], vcpu,
			   rc);
		for (int i = 0; i < 8; i++)
			FUZZ_CHECK(w, r.x[i] == before.x[i], "x%d changed on rc %d", i, rc);
		return;
	}
	oracle_call(w, &binding, vcpu, part, fn, &before.x[1], &want);
	FUZZ_CHECK(w, rc == PVIRQ_OK, "smccc x0 %#llx: rc %d", (unsigned long long)before.x[0], rc);
	FUZZ_CHECK(w, r.x[0] == (uint64_t)oracle_status_word(&want),
		   "smccc x0 %#llx args %#llx %#llx %#llx: status %#llx, want %#llx",
		   (unsigned long long)before.x[0], (unsigned long long)before.x[1],
		   (unsigned long long)before.x[2], (unsigned long long)before.x[3],
		   (unsigned long long)r.x[0], (unsigned long long)oracle_status_word(&want));
	FUZZ_CHECK(w, r.x[1] == want.value, "smccc x0 %#llx: value %#llx, want %#llx",
		   (unsigned long long)before.x[0], (unsigned long long)r.x[1],
		   (unsigned long long)want.value);
	FUZZ_CHECK(w, r.x[2] == 0 && r.x[3] == 0, "x2/x3 not zeroed");
	for (int i = 4; i < 8; i++)
		FUZZ_CHECK(w, r.x[i] == before.x[i], "x%d not preserved", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return oracle_run(data, size, smccc_step, "smccc");
}
