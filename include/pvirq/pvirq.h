/* SPDX-License-Identifier: MIT */
/**
 * @file pvirq.h
 * @brief Umbrella header: everything a hypervisor or VMM needs.
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

#endif /* PVIRQ_PVIRQ_H */
