# SPDX-License-Identifier: MIT
# Compiles the engine and arch shims with -ffreestanding -nostdlib at -O2,
# links them into one relocatable object, and fails if that object needs
# any symbol from outside (libc, libgcc, libatomic, memcpy/memset, ...).
#   cmake -DCC=<compiler> -DSRC=<source dir> -DOUT=<dir> [-DFLAGS=<flags>]
#         [-DALLOWED=<sym;...>] [-DPART=guest] -P check_freestanding.cmake
include(${SRC}/src/sources.cmake)
file(MAKE_DIRECTORY ${OUT})
# -DPART=guest checks the guest driver core instead (a guest kernel links
# it with nothing else).
if(PART STREQUAL "guest")
  set(what "the guest driver core")
  set(sources ${PVIRQ_GUEST_SOURCES})
  list(PREPEND FLAGS -ffreestanding -fno-builtin)
else()
  set(what "the freestanding engine")
  set(sources ${PVIRQ_CORE_SOURCES} ${PVIRQ_ARCH_SOURCES})
endif()
set(obj ${OUT}/pvirq_freestanding.o)
execute_process(
  COMMAND ${CC} -std=c11 -O2 -Wall -Wextra -Werror ${FLAGS} -nostdlib -nostartfiles
          -I${SRC}/include -r -o ${obj} ${sources}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "freestanding compile of ${what} failed:\n${err}")
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
string(REGEX REPLACE "[ \t]*U[ \t]+" "" undefined "${undefined}")
string(STRIP "${undefined}" undefined)
if(undefined)
  string(REPLACE "\n" ";" undefined "${undefined}")
  list(REMOVE_ITEM undefined ${ALLOWED})
endif()
if(undefined)
  message(FATAL_ERROR "${what} needs undefined symbols: ${undefined}")
endif()
message(STATUS "${what}, freestanding with ${CC} ${FLAGS}: no undefined symbols")
