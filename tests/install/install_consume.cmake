# SPDX-License-Identifier: MIT
# Body of the install_consume test (see CMakeLists.txt for the variables).
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# 1. Install into a fresh prefix.
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# 2. Every public header of the source tree is installed, at its place.
file(GLOB_RECURSE headers RELATIVE ${SOURCE_DIR}/include ${SOURCE_DIR}/include/pvirq/*.h)
foreach(h ${headers})
  if(NOT EXISTS ${prefix}/include/${h})
    message(FATAL_ERROR "header ${h} was not installed")
  endif()
endforeach()
foreach(f ${LIBDIR}/libpvirq.a ${LIBDIR}/cmake/pvirq/pvirqConfig.cmake
          ${LIBDIR}/cmake/pvirq/pvirqConfigVersion.cmake ${LIBDIR}/pkgconfig/pvirq.pc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "${f} was not installed")
  endif()
endforeach()
if(WITH_SHARED AND NOT EXISTS ${prefix}/${LIBDIR}/libpvirq.so.0)
  message(FATAL_ERROR "libpvirq.so.0 (SONAME link) was not installed")
endif()

# The consumers link the shared library from the prefix, not the build tree.
set(ENV{LD_LIBRARY_PATH} ${prefix}/${LIBDIR})

# 3. find_package(pvirq): static and (if built) shared.
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/find_package
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_C_COMPILER=${C_COMPILER} "-DCMAKE_C_FLAGS=${C_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}" -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/find_package)
set(programs consumer_static)
if(WITH_SHARED)
  list(APPEND programs consumer_shared)
endif()
foreach(p ${programs})
  run(${WORK_DIR}/find_package/${p})
  message(STATUS "find_package ${p}: ${run_output}")
endforeach()

# 4. pkg-config, with nothing but the .pc file to go on.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
run(${PKG_CONFIG} --cflags --libs pvirq)
string(STRIP "${run_output}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(c_flags UNIX_COMMAND "${C_FLAGS} ${LINK_FLAGS}")
run(${C_COMPILER} -std=c11 ${c_flags} ${CONSUMER_DIR}/consumer.c ${pc_flags}
    -o ${WORK_DIR}/consumer_pkgconfig)
run(${WORK_DIR}/consumer_pkgconfig)
message(STATUS "pkg-config consumer: ${run_output}")
