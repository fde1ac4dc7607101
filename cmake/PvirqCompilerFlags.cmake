# SPDX-License-Identifier: MIT
# Warning and freestanding flags shared by every target of the project.

set(PVIRQ_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wpointer-arith -Wvla)

# The engine must need nothing from a C library: no builtins turned into
# library calls, no loop idioms turned into memset/memcpy.
set(PVIRQ_FREESTANDING_FLAGS -ffreestanding -fno-builtin)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  list(APPEND PVIRQ_FREESTANDING_FLAGS -fno-tree-loop-distribute-patterns)
endif()
# aarch64 gcc/clang call out-of-line atomic helpers (libgcc) unless told not to.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  list(APPEND PVIRQ_FREESTANDING_FLAGS -mno-outline-atomics)
endif()
