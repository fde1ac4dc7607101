/* SPDX-License-Identifier: MIT */
/*
 * The SBI the guest sees. libpvirq's two extensions go to
 * pvirq_riscv_handle_sbi(); the rest is the hypervisor's own: base, TIME,
 * IPI, HSM, SRST, DBCN (console) and the demo's doorbells. Every argument
 * is the guest's and hostile: hart ids, masks and addresses are checked
 * before use, and an unknown EID or FID answers SBI_ERR_NOT_SUPPORTED.
 */
#include "console.h"
#include "csr.h"
#include "gstage.h"
#include "hyp.h"
#include "sbi.h"

#define A(n) (h->regs[10 + (n)])
#define SBI_IMPL_ID 0x7076 /* "pv": not one of the SBI implementation ids */
#define HSM_CLAIMED 3	   /* internal: a starter is filling start_pc     */

static void ret(struct hs_hart *h, long error, uint64_t value)
{
	A(0) = (uint64_t)error;
	A(1) = value;
}

static bool probe(uint64_t eid)
{
	switch (eid) {
	case SBI_EID_BASE:
	case SBI_EID_TIME:
	case SBI_EID_IPI:
	case SBI_EID_HSM:
	case SBI_EID_SRST:
	case SBI_EID_DBCN:
	case PVIRQ_RISCV_EID_RVIC:
	case PVIRQ_RISCV_EID_RVID:
	case HS_SBI_EID_DEMO: return true;
	default: return false;
	}
}

static void base(struct hs_hart *h, uint64_t fid)
{
	switch (fid) {
	case 0: ret(h, SBI_SUCCESS, 2u << 24); break; /* SBI 2.0 (DBCN)   */
	case 1: ret(h, SBI_SUCCESS, SBI_IMPL_ID); break;
	case 2: ret(h, SBI_SUCCESS, 1); break;
	case 3: ret(h, SBI_SUCCESS, probe(A(0))); break;
	case 4:
	case 5:
	case 6: ret(h, SBI_SUCCESS, 0); break; /* mvendorid, marchid, mimpid */
	default: ret(h, SBI_ERR_NOT_SUPPORTED, 0);
	}
}

/* send_ipi(hart_mask, hart_mask_base): base ~0 means every hart. */
static void ipi(struct hs_hart *h, uint64_t fid)
{
	uint64_t mask = A(0), mask_base = A(1);

	if (fid != 0) {
		ret(h, SBI_ERR_NOT_SUPPORTED, 0);
		return;
	}
	if (mask_base == ~0ull) {
		mask_base = 0;
		mask = (1ull << hs.nr_vcpus) - 1;
	}
	/* Every named hart must exist, or nothing is sent. */
	for (uint64_t bit = 0; bit < 64; bit++)
		if ((mask >> bit & 1) &&
		    (mask_base >= hs.nr_vcpus || bit >= hs.nr_vcpus - mask_base)) {
			ret(h, SBI_ERR_INVALID_PARAM, 0);
			return;
		}
	for (uint64_t bit = 0; bit < 64; bit++) {
		uint32_t target;

		if (!(mask >> bit & 1))
			continue;
		target = (uint32_t)(mask_base + bit);
		/* release: whatever the guest wrote before its IPI is visible
		 * to the target's guest once it sees VSSIP. */
		__atomic_store_n(&hs_harts[target].vssip, 1, __ATOMIC_RELEASE);
		if (target != h->hartid)
			sbi_send_ipi_to(target);
	}
	ret(h, SBI_SUCCESS, 0);
}

static void hsm(struct hs_hart *h, uint64_t fid)
{
	uint64_t hartid = A(0);
	struct hs_hart *t;
	uint32_t expected = VHART_STOPPED, state;

	if (fid != 0 && fid != 2) {
		ret(h, SBI_ERR_NOT_SUPPORTED, 0); /* stop/suspend: not offered */
		return;
	}
	if (hartid >= hs.nr_vcpus) {
		ret(h, SBI_ERR_INVALID_PARAM, 0);
		return;
	}
	t = &hs_harts[hartid];
	if (fid == 2) { /* hart_get_status */
		state = __atomic_load_n(&t->vstate, __ATOMIC_ACQUIRE);
		ret(h, SBI_SUCCESS, state == HSM_CLAIMED ? VHART_START_PENDING : state);
		return;
	}
	/* hart_start(hartid, start_addr, opaque) */
	if (!hs_gpa_to_host(A(1), 4)) {
		ret(h, SBI_ERR_INVALID_ADDRESS, 0);
		return;
	}
	/* Claim the stopped hart so two starters cannot both fill it. */
	if (!__atomic_compare_exchange_n(&t->vstate, &expected, HSM_CLAIMED, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		ret(h, SBI_ERR_ALREADY_AVAILABLE, 0);
		return;
	}
	t->start_pc = A(1);
	t->start_arg = A(2);
	/* release: start_pc/start_arg before the state the target waits on. */
	__atomic_store_n(&t->vstate, VHART_START_PENDING, __ATOMIC_RELEASE);
	sbi_send_ipi_to((uint32_t)hartid);
	ret(h, SBI_SUCCESS, 0);
}

static void srst(struct hs_hart *h, uint64_t fid)
{
	uint64_t type = A(0), reason = A(1);

	if (fid != 0) {
		ret(h, SBI_ERR_NOT_SUPPORTED, 0);
		return;
	}
	/* Types: 0 shutdown, 1 cold and 2 warm reboot (valid, not offered
	 * here), 0xF0000000.. vendor (valid, not offered), else invalid.
	 * Reasons: 0 none, 1 failure, 0xE0000000.. implementation and
	 * vendor specific; 2..0xDFFFFFFF reserved. Both are 32-bit. */
	if (type == 1 || type == 2 || (type >= 0xF0000000ull && type <= 0xFFFFFFFFull)) {
		ret(h, SBI_ERR_NOT_SUPPORTED, 0);
		return;
	}
	if (type != SBI_SRST_SHUTDOWN || (reason > 1 && reason < 0xE0000000ull) ||
	    reason > 0xFFFFFFFFull) {
		ret(h, SBI_ERR_INVALID_PARAM, 0);
		return;
	}
	hs_guest_shutdown(h, (uint32_t)(reason != SBI_SRST_REASON_NONE));
}

/* Appends guest console bytes to this vCPU's line; a full line is
 * printed with the vCPU's name so harts never interleave mid-line. */
static void console_bytes(struct hs_hart *h, const char *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		if (s[i] != '\n' && h->line_len < sizeof(h->line) - 1) {
			h->line[h->line_len++] = s[i];
			continue;
		}
		if (s[i] != '\n')
			continue; /* over-long line: truncated */
		h->line[h->line_len] = 0;
		hs_printf("[vcpu %u] %s\n", (unsigned)h->hartid, h->line);
		h->line_len = 0;
	}
}

static void dbcn(struct hs_hart *h, uint64_t fid)
{
	uint64_t n = A(0);
	const char *s;
	char byte;

	switch (fid) {
	case 0:			       /* write(num_bytes, base_lo, base_hi) */
		n = n > 256 ? 256 : n; /* a short write is allowed */
		s = A(2) ? 0 : hs_gpa_to_host(A(1), n);
		if (!s) {
			ret(h, SBI_ERR_INVALID_PARAM, 0);
			return;
		}
		console_bytes(h, s, n);
		ret(h, SBI_SUCCESS, n);
		break;
	case 1: ret(h, SBI_SUCCESS, 0); break; /* read: no input */
	case 2:
		byte = (char)A(0);
		console_bytes(h, &byte, 1);
		ret(h, SBI_SUCCESS, 0);
		break;
	default: ret(h, SBI_ERR_NOT_SUPPORTED, 0);
	}
}

static void demo(struct hs_hart *h, uint64_t fid)
{
	switch (fid) {
	case HS_SBI_DEMO_EXIT: hs_vcpu_exit(h, (uint32_t)A(0));
	case HS_SBI_DEMO_DEVICE_DONE:
		/* The device model polls done on the way out of this trap; a
		 * level device's line drops here (its register was written). */
		if (A(0) < hs.opt.nr_devices)
			hs_devices_level_ack((uint32_t)A(0));
		ret(h, A(0) < hs.opt.nr_devices ? SBI_SUCCESS : SBI_ERR_INVALID_PARAM, 0);
		break;
	case HS_SBI_DEMO_CONFIG:
		switch (A(0)) {
		case HS_CONFIG_MODE: ret(h, SBI_SUCCESS, hs.opt.mode); break;
		case HS_CONFIG_NR_VCPUS: ret(h, SBI_SUCCESS, hs.nr_vcpus); break;
		default: ret(h, SBI_ERR_INVALID_PARAM, 0);
		}
		break;
	default: ret(h, SBI_ERR_NOT_SUPPORTED, 0);
	}
}

/* The report's index of a libpvirq call (baremetal-common/report.h). */
static uint32_t call_kind(uint64_t eid, uint64_t fid)
{
	if (eid == PVIRQ_RISCV_EID_RVIC && fid < BM_CALL_RVID)
		return (uint32_t)fid;
	if (eid == PVIRQ_RISCV_EID_RVID && fid < BM_CALL_UNKNOWN - BM_CALL_RVID)
		return BM_CALL_RVID + (uint32_t)fid;
	return BM_CALL_UNKNOWN;
}

void hs_vsbi_call(struct hs_hart *h)
{
	uint64_t eid = A(7), fid = A(6);
	struct pvirq_riscv_regs regs;

	if (eid == PVIRQ_RISCV_EID_RVIC || eid == PVIRQ_RISCV_EID_RVID) {
		for (int i = 0; i < 8; i++)
			regs.a[i] = A(i);
		if (pvirq_riscv_handle_sbi(hs.vm, h->hartid, &regs) != PVIRQ_OK)
			hs_fail("pvirq_riscv_handle_sbi refused our own vCPU", h->hartid, eid);
		A(0) = regs.a[0];
		A(1) = regs.a[1];
		h->traps.hypercalls++;
		h->traps.calls[call_kind(eid, fid)]++;
		return;
	}
	if (eid == SBI_EID_TIME || eid == SBI_EID_LEGACY_SET_TIMER) {
		h->traps.other_calls++;
		if (eid == SBI_EID_TIME && fid != 0) {
			ret(h, SBI_ERR_NOT_SUPPORTED, 0);
			return;
		}
		hs_guest_set_timer(h, A(0));
		ret(h, SBI_SUCCESS, 0);
		return;
	}
	if (eid == HS_SBI_EID_DEMO) {
		h->traps.other_calls++;
		demo(h, fid);
		return;
	}
	h->traps.other_calls++;
	switch (eid) {
	case SBI_EID_BASE: base(h, fid); break;
	case SBI_EID_IPI: ipi(h, fid); break;
	case SBI_EID_HSM: hsm(h, fid); break;
	case SBI_EID_SRST: srst(h, fid); break;
	case SBI_EID_DBCN: dbcn(h, fid); break;
	default: ret(h, SBI_ERR_NOT_SUPPORTED, 0);
	}
}
