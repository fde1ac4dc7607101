/* SPDX-License-Identifier: MIT */
/**
 * @file pvirq.h
 * @brief Umbrella header: everything a hypervisor or VMM needs.
 *
 * In a hosted build (a userspace VMM) this includes hosted.h too, so
 * pvirq_vm_create() and pvirq_vm_destroy() come with the one include. A
 * freestanding build (`-ffreestanding`: an EL2 or HS-mode hypervisor, the
 * engine itself) has no allocator, so it gets only the engine's API and
 * places the VM with pvirq_vm_init().
 */
#ifndef PVIRQ_PVIRQ_H
#define PVIRQ_PVIRQ_H

#include "common.h"
#include "version.h"
#include "vm.h"
#include "rvic.h"
#include "rvid.h"
#include "abi.h"
#include "arch/x86_64.h"
#include "arch/arm64.h"
#include "arch/riscv64.h"
#include "snapshot.h"
#if __STDC_HOSTED__
#include "hosted.h"
#endif

#endif /* PVIRQ_PVIRQ_H */
