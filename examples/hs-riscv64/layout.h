/* SPDX-License-Identifier: MIT */
/*
 * The contract between the HS-mode hypervisor and its VS guest: the
 * guest-physical memory map, what the G-stage maps it to, and the
 * hypervisor's own SBI extension for the demo. Included by both sides (and
 * by assembly), so it holds nothing but macros.
 *
 * Host-physical layout under QEMU virt (RAM at 0x80000000):
 *   0x80000000  OpenSBI (fw_dynamic, protected by PMP)
 *   0x80200000  the hypervisor (OpenSBI's payload address)
 *   0x82000000  guest RAM, 16 MiB, reached by the guest at GPA 0x80000000
 * The G-stage offset is deliberate: a hypervisor that confused GPA and HPA
 * would read the wrong control block and fail the accounting.
 */
#ifndef HS_LAYOUT_H
#define HS_LAYOUT_H

#define HS_GUEST_GPA_BASE 0x80000000
#define HS_GUEST_HPA_BASE 0x82000000
#define HS_GUEST_RAM_SIZE 0x01000000
#define HS_GUEST_STACKS_GPA 0x80800000 /* one stack per vCPU, growing down */
#define HS_GUEST_STACK_SIZE 0x10000
#define HS_GUEST_SHARED_GPA 0x80C00000 /* the workload's control block   */

/* Most harts QEMU virt gives us and vCPUs we run (one vCPU per hart). */
#define HS_MAX_HARTS 8

/*
 * The demo's own SBI extension (experimental range, "DEM"): the guest's
 * doorbells to its devices and its exit, the twins of the KVM demo's I/O
 * ports. FIDs:
 *   EXIT(code)        this vCPU is done; the hypervisor never resumes it
 *   DEVICE_DONE(d)    device d's interrupt was handled (the device may send)
 *   CONFIG(key)       a run parameter (HS_CONFIG_*), so the guest needs no DT
 */
#define HS_SBI_EID_DEMO 0x0844454D
#define HS_SBI_DEMO_EXIT 0
#define HS_SBI_DEMO_DEVICE_DONE 1
#define HS_SBI_DEMO_CONFIG 2

#define HS_CONFIG_MODE 0     /* HS_MODE_*                          */
#define HS_CONFIG_NR_VCPUS 1 /* vCPUs (= virtual harts 0..n-1)     */

#define HS_MODE_WORKLOAD 1
#define HS_MODE_FAULTS 2

#endif /* HS_LAYOUT_H */
