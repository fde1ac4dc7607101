# SPDX-License-Identifier: MIT
# Compiles the guest driver core with -ffreestanding -nostdlib at -O2 for
# one target, links it into one relocatable object, and fails if that
# object needs any symbol from outside (libc, libgcc, memcpy/memset, ...):
# a guest kernel links it with nothing else.
#   cmake -DCC=<compiler> -DSRC=<source dir> -DOUT=<dir> [-DFLAGS=<flags>] -P ...
include(${SRC}/src/sources.cmake)
file(MAKE_DIRECTORY ${OUT})
set(obj ${OUT}/pvirq_guest_freestanding.o)
execute_process(
  COMMAND ${CC} -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin ${FLAGS}
          -nostdlib -nostartfiles -I${SRC}/include -r -o ${obj} ${PVIRQ_GUEST_SOURCES}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "freestanding compile of the guest core failed:\n${err}")
endif()
execute_process(COMMAND ${CC} -print-prog-name=nm OUTPUT_VARIABLE nm
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT nm OR nm STREQUAL "nm")
  set(nm nm)
endif()
execute_process(COMMAND ${nm} -u ${obj} OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${nm} failed on ${obj}")
endif()
string(STRIP "${undefined}" undefined)
if(undefined)
  message(FATAL_ERROR "the guest core needs undefined symbols:\n${undefined}")
endif()
message(STATUS "guest core, freestanding with ${CC} ${FLAGS}: no undefined symbols")
