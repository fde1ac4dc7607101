/* SPDX-License-Identifier: MIT */
/* The guest's plain SBI calls to its hypervisor (a7 EID, a6 FID). */
#ifndef HS_GUEST_SBI_CALL_H
#define HS_GUEST_SBI_CALL_H

#include <stdint.h>

#define SBI_EID_BASE 0x10
#define SBI_EID_TIME 0x54494D45
#define SBI_EID_IPI 0x735049
#define SBI_EID_HSM 0x48534D
#define SBI_EID_SRST 0x53525354
#define SBI_EID_DBCN 0x4442434E

struct sbiret {
	int64_t error;
	uint64_t value;
};

static inline struct sbiret sbi_ecall(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1,
				      uint64_t a2)
{
	register uint64_t r0 __asm__("a0") = a0;
	register uint64_t r1 __asm__("a1") = a1;
	register uint64_t r2 __asm__("a2") = a2;
	register uint64_t r6 __asm__("a6") = fid;
	register uint64_t r7 __asm__("a7") = eid;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){(int64_t)r0, r1};
}

#endif /* HS_GUEST_SBI_CALL_H */
