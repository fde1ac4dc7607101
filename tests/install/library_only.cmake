# SPDX-License-Identifier: MIT
# Body of the library_only_toolchain test (see CMakeLists.txt): configure,
# build and install the library alone (what the `library` preset and
# `make install` do) with a PATH that holds nothing but cmake, make, the C
# compiler and binutils: no python3, pkg-config, doxygen, git, clang, qemu.
# A find_program(... REQUIRED) or a tool call slipping into the library
# build fails here, so `scripts/install-deps.sh core` stays enough.
file(REMOVE_RECURSE ${WORK_DIR})
set(bin ${WORK_DIR}/bin)
file(MAKE_DIRECTORY ${bin})
get_filename_component(cc_name ${C_COMPILER} NAME)
foreach(tool cmake ${cc_name} cc make as ld ar ranlib nm objdump objcopy strip readelf)
  if(tool STREQUAL "cmake")
    set(path ${CMAKE_COMMAND})
  elseif(tool STREQUAL "cc")
    set(path ${C_COMPILER})
  else()
    find_program(path_${tool} ${tool} REQUIRED)
    set(path ${path_${tool}})
  endif()
  file(CREATE_LINK ${path} ${bin}/${tool} SYMBOLIC)
endforeach()

function(run)
  execute_process(COMMAND env -i HOME=${WORK_DIR} PATH=${bin} ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}) with PATH=${bin}: ${cmd}\n${out}")
  endif()
endfunction()

# Debug and static only, to keep the test short: the shared library needs
# the same tools (the compiler and ld).
run(cmake -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G "Unix Makefiles" -DCMAKE_C_COMPILER=${cc_name}
    -DCMAKE_BUILD_TYPE=Debug -DPVIRQ_BUILD_SHARED=OFF
    -DPVIRQ_BUILD_TESTS=OFF -DPVIRQ_BUILD_BENCH=OFF -DPVIRQ_BUILD_EXAMPLES=OFF
    -DPVIRQ_BUILD_BINDINGS=OFF)  # docs stay on, as in the preset: Doxygen is optional
run(cmake --build ${WORK_DIR}/build -j 2)
run(cmake --install ${WORK_DIR}/build --prefix ${WORK_DIR}/prefix)
foreach(f include/pvirq/pvirq.h lib/libpvirq.a lib/pkgconfig/pvirq.pc lib/cmake/pvirq/pvirqConfig.cmake)
  if(NOT EXISTS ${WORK_DIR}/prefix/${f})
    message(FATAL_ERROR "library-only install lacks ${f}")
  endif()
endforeach()
message(STATUS "library built and installed with only: cmake make ${cc_name} binutils")
