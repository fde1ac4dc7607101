/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's own calls to OpenSBI (M-mode) and the SBI numbers it
 * serves to its guest (SBI specification v1.0 / v2.0 for DBCN).
 */
#ifndef HS_SBI_H
#define HS_SBI_H

#include <stdint.h>

#define SBI_EID_LEGACY_SET_TIMER 0x00
#define SBI_EID_LEGACY_PUTCHAR 0x01
#define SBI_EID_BASE 0x10
#define SBI_EID_TIME 0x54494D45
#define SBI_EID_IPI 0x735049
#define SBI_EID_HSM 0x48534D
#define SBI_EID_SRST 0x53525354
#define SBI_EID_DBCN 0x4442434E

#define SBI_SUCCESS 0
#define SBI_ERR_FAILED (-1)
#define SBI_ERR_NOT_SUPPORTED (-2)
#define SBI_ERR_INVALID_PARAM (-3)
#define SBI_ERR_DENIED (-4)
#define SBI_ERR_INVALID_ADDRESS (-5)
#define SBI_ERR_ALREADY_AVAILABLE (-6)

#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAILURE 1

struct sbi_ret {
	long error;
	long value;
};

struct sbi_ret sbi_call(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2);

static inline void sbi_set_timer(uint64_t deadline)
{
	sbi_call(SBI_EID_TIME, 0, deadline, 0, 0);
}

static inline void sbi_send_ipi_to(uint32_t hartid)
{
	/* hart_mask relative to hart_mask_base = hartid. */
	sbi_call(SBI_EID_IPI, 0, 1, hartid, 0);
}

static inline struct sbi_ret sbi_hart_get_status(uint32_t hartid)
{
	return sbi_call(SBI_EID_HSM, 2, hartid, 0, 0);
}

static inline struct sbi_ret sbi_hart_start(uint32_t hartid, uint64_t pc, uint64_t opaque)
{
	return sbi_call(SBI_EID_HSM, 0, hartid, pc, opaque);
}

__attribute__((noreturn)) void sbi_shutdown(uint32_t reason);

#endif /* HS_SBI_H */
