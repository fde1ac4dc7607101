/* SPDX-License-Identifier: MIT */
/*
 * Differential fuzz target of the riscv64 SBI binding: steps are
 * host-level operations or SBI calls from some vCPU with raw A0..A7. The
 * binding's rules (include/pvirq/arch/riscv64.h) are restated here: A7 is
 * the EID, compared on all 64 bits (0x08525643 rVIC, 0x08525644 rVID,
 * anything else is not libpvirq's); A6 is the FID, a function number that
 * does not fit is unknown (never truncated); A0..A2 are the arguments;
 * A0 returns the SBI error for the status reason, A1 the value on success
 * or the whole status word on error; A2..A7 survive. Hart ids use all 64
 * bits.
 */
#include <pvirq/arch/riscv64.h>

#include "abi_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* SBI error per reason, from the binding's table. */
static int64_t sbi_error(uint32_t reason)
{
	switch (reason) {
	case ORACLE_SUCCESS: return 0;
	case ORACLE_ERROR_PARAMETER:
	case ORACLE_INVALID_CPU: return -3;
	case ORACLE_DISABLED: return -4;
	case ORACLE_NO_INTERRUPTS:
	case ORACLE_ENABLED: return -1; /* SBI_ERR_FAILED: the call needs the instance disabled */
	default: return -2;
	}
}

static uint64_t pick_eid(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);
	uint64_t eid = sel & 1 ? 0x08525644u : 0x08525643u;

	switch (sel >> 5) {
	case 0: return eid | ((uint64_t)fuzz_u32(in) << 32);
	case 1: return 0x10; /* SBI base extension: not ours */
	case 2: return fuzz_u64(in);
	default: return eid;
	}
}

static uint64_t pick_fid(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);

	switch (sel >> 5) {
	case 0: return (sel & 15) | ((uint64_t)fuzz_u32(in) << 32);
	case 1: return fuzz_u64(in);
	default: return sel & 0x1Fu; /* sel % 16 below 0x70: the seeds */
	}
}

static void sbi_step(struct fuzz_world *w, struct fuzz_input *in)
{
	static const struct oracle_binding binding = {.target_mask = ~0ull};
	uint32_t vcpu = fuzz_index(in, w->m.nr_vcpus);
	struct pvirq_riscv_regs r, before;
	struct oracle_outcome want;
	enum oracle_part part;
	bool ours;
	int rc;

	r.a[7] = pick_eid(in);
	r.a[6] = pick_fid(in);
	for (int i = 0; i < 3; i++)
		r.a[i] = oracle_pick_arg(w, in);
	for (int i = 3; i < 6; i++)
		r.a[i] = 0xA5A5A5A5A5A5A5A5ull + (uint64_t)i;
	before = r;
	ours = r.a[7] == 0x08525643ull || r.a[7] == 0x08525644ull;
	part = r.a[7] == 0x08525644ull ? ORACLE_RVID : ORACLE_RVIC;
	rc = pvirq_riscv_handle_sbi(w->vm, vcpu, &r);

	if (vcpu >= w->m.nr_vcpus || !ours) {
		FUZZ_CHECK(w,
			   vcpu < w->m.nr_vcpus ? rc == PVIRQ_ENOSYS
			   : ours		? rc == PVIRQ_EVCPU
						: rc == PVIRQ_ENOSYS || rc == PVIRQ_EVCPU,
			   "sbi eid %#llx vcpu %u: rc %d", (unsigned long long)before.a[7], vcpu,
			   rc);
		for (int i = 0; i < 8; i++)
			FUZZ_CHECK(w, r.a[i] == before.a[i], "a%d changed on rc %d", i, rc);
		return;
	}
	oracle_call(w, &binding, vcpu, part, before.a[6], &before.a[0], &want);
	FUZZ_CHECK(w, rc == PVIRQ_OK, "sbi eid %#llx: rc %d", (unsigned long long)before.a[7], rc);
	FUZZ_CHECK(w, r.a[0] == (uint64_t)sbi_error(want.reason),
		   "sbi eid %#llx fid %#llx args %#llx %#llx %#llx: a0 %#llx, want %#llx",
		   (unsigned long long)before.a[7], (unsigned long long)before.a[6],
		   (unsigned long long)before.a[0], (unsigned long long)before.a[1],
		   (unsigned long long)before.a[2], (unsigned long long)r.a[0],
		   (unsigned long long)sbi_error(want.reason));
	FUZZ_CHECK(w,
		   r.a[1] == (want.reason == ORACLE_SUCCESS ? want.value
							    : (uint64_t)oracle_status_word(&want)),
		   "sbi eid %#llx fid %#llx: a1 %#llx (reason %u value %#llx)",
		   (unsigned long long)before.a[7], (unsigned long long)before.a[6],
		   (unsigned long long)r.a[1], want.reason, (unsigned long long)want.value);
	for (int i = 2; i < 8; i++)
		FUZZ_CHECK(w, r.a[i] == before.a[i], "a%d not preserved", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return oracle_run(data, size, sbi_step, "sbi");
}
