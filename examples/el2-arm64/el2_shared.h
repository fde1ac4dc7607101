/* SPDX-License-Identifier: MIT */
/*
 * The contract between the EL2 hypervisor and its EL1 guest: the guest's
 * memory (identity-mapped by stage 2, so guest-physical == physical), the
 * demo's own hypercalls, and the INTIDs of the GIC the hypervisor keeps
 * for itself. The workload's control block is examples/workload's
 * struct demo_shared, at EL2_SHARED_IPA. Freestanding: <stdint.h> only.
 */
#ifndef EL2_SHARED_H
#define EL2_SHARED_H

#include <stdint.h>

#include "../workload/workload_shared.h"

/* QEMU virt: RAM from 0x40000000; the hypervisor is linked at
 * EL2_HYP_BASE (clear of the device tree QEMU puts at the start of RAM).
 * The guest owns 4 MiB, two 2 MiB stage-2 blocks; nothing else is mapped
 * for it, so any other access is a stage-2 fault the hypervisor reports. */
#define EL2_RAM_BASE 0x40000000ull
#define EL2_HYP_BASE 0x40200000ull
#define EL2_GUEST_BASE 0x44000000ull /* guest image, linked here        */
#define EL2_GUEST_SIZE 0x00400000ull
#define EL2_GUEST_IMAGE_MAX 0x00100000ull
#define EL2_SHARED_IPA 0x44100000ull   /* struct demo_shared              */
#define EL2_GUEST_STACKS 0x44200000ull /* one stack per vCPU, growing down */
#define EL2_GUEST_STACK_SIZE 0x10000ull

/* This demo's own mode beside enum demo_mode: vCPU 0 touches memory
 * stage 2 does not map, to show that a guest fault fails the run. */
#define EL2_MODE_CRASH 0x80u
#define EL2_UNMAPPED_IPA 0x50000000ull

/*
 * The demo's own hypercalls (HVC, SMCCC fast SMC64 calls of owner 6,
 * "vendor specific hypervisor service"): a console and the end of a vCPU.
 * x0 = ID, x1 = argument.
 */
#define EL2_CALL_CONSOLE_PUTC 0xC6000001u /* x1 = one character          */
#define EL2_CALL_EXIT 0xC6000002u	  /* x1 = DEMO_EXIT_* code; no return */
/* x1 = the code this vCPU reports if the guest powers off (PSCI
 * SYSTEM_OFF) before it calls EXIT; the fault mode ends that way. */
#define EL2_CALL_SET_EXIT_CODE 0xC6000003u
/* x1 = device d: the write to level-triggered device d's register that
 * acknowledges its interrupt; the device model lowers its line. */
#define EL2_CALL_DEVICE_ACK 0xC6000004u

/* PSCI and SMCCC function IDs the hypervisor implements for the guest. */
#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_ON_64 0xC4000003u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_FEATURES 0x8400000Au
#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMETERS (-2)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_VERSION_1_0 0x00010000u
#define SMCCC_VERSION_1_1 0x00010001u

/* GICv3 INTIDs (PPIs of QEMU virt's architected timers, one SGI). */
#define EL2_INTID_KICK 0u	/* SGI: "your vCPU's line may have risen" */
#define EL2_INTID_HYP_TIMER 26u /* CNTHP: the device model's tick (CPU 0) */
#define EL2_INTID_VTIMER 27u	/* CNTV: the guest's EL1 virtual timer     */
#define EL2_INTID_SPURIOUS 1023u

#endif /* EL2_SHARED_H */
