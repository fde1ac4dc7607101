# SPDX-License-Identifier: MIT
# Source lists of the library, one list per layer.

# Architecture-neutral engine (freestanding).
set(PVIRQ_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/core/error.c
  ${CMAKE_CURRENT_LIST_DIR}/core/vm.c
  ${CMAKE_CURRENT_LIST_DIR}/core/rvic.c
  ${CMAKE_CURRENT_LIST_DIR}/core/rvid.c
  ${CMAKE_CURRENT_LIST_DIR}/core/priority.c
  ${CMAKE_CURRENT_LIST_DIR}/core/shared_state.c
  ${CMAKE_CURRENT_LIST_DIR}/core/dispatch.c
  ${CMAKE_CURRENT_LIST_DIR}/core/snapshot.c
  ${CMAKE_CURRENT_LIST_DIR}/core/snapshot_crc.c
)

# Per-architecture hypercall decoders and injection shims (freestanding).
# They are pure functions of register values, so all three are built on
# every host; instructions that only exist on one architecture are guarded
# inside the files.
set(PVIRQ_ARCH_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/arch/x86_64/hypercall.c
  ${CMAKE_CURRENT_LIST_DIR}/arch/x86_64/posted.c
  ${CMAKE_CURRENT_LIST_DIR}/arch/x86_64/kvm_entry.c
  ${CMAKE_CURRENT_LIST_DIR}/arch/arm64/smccc.c
  ${CMAKE_CURRENT_LIST_DIR}/arch/arm64/inject.c
  ${CMAKE_CURRENT_LIST_DIR}/arch/riscv64/sbi.c
  ${CMAKE_CURRENT_LIST_DIR}/arch/riscv64/inject.c
)

# Hosted convenience layer (uses the C library's allocator).
set(PVIRQ_HOSTED_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/hosted/vm_alloc.c
)

# Linux eventfd bridge (include/pvirq/eventfd.h): hosted Linux builds only.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  list(APPEND PVIRQ_HOSTED_SOURCES ${CMAKE_CURRENT_LIST_DIR}/hosted/eventfd_bridge.c)
endif()

# Guest driver core (freestanding, runs inside guests; not part of libpvirq).
set(PVIRQ_GUEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/guest/trap_native.c
  ${CMAKE_CURRENT_LIST_DIR}/guest/probe.c
  ${CMAKE_CURRENT_LIST_DIR}/guest/irq.c
  ${CMAKE_CURRENT_LIST_DIR}/guest/route.c
  ${CMAKE_CURRENT_LIST_DIR}/guest/cpu.c
  ${CMAKE_CURRENT_LIST_DIR}/guest/shared.c
  ${CMAKE_CURRENT_LIST_DIR}/guest/priority.c
  ${CMAKE_CURRENT_LIST_DIR}/guest/x86_discover.c
)
