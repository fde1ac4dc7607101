# SPDX-License-Identifier: MIT
# Compiles the engine and arch shims with -ffreestanding -nostdlib at -O2,
# links them into one relocatable object, and fails if that object needs
# any symbol from outside (libc, libgcc, libatomic, memcpy/memset, ...).
#   cmake -DCC=<compiler> -DSRC=<source dir> -DOUT=<dir> [-DFLAGS=<flags>]
#         [-DALLOWED=<sym;...>] -P check_freestanding.cmake
include(${SRC}/src/sources.cmake)
file(MAKE_DIRECTORY ${OUT})
set(obj ${OUT}/pvirq_freestanding.o)
execute_process(
  COMMAND ${CC} -std=c11 -O2 -Wall -Wextra -Werror ${FLAGS} -nostdlib -nostartfiles
          -I${SRC}/include -r -o ${obj} ${PVIRQ_CORE_SOURCES} ${PVIRQ_ARCH_SOURCES}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "freestanding compile failed:\n${err}")
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
  message(FATAL_ERROR "the freestanding engine needs undefined symbols: ${undefined}")
endif()
message(STATUS "freestanding build of ${CC}: no undefined symbols")
