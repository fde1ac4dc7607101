# SPDX-License-Identifier: MIT
# Body of the install_consume test (see CMakeLists.txt for the variables).
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/PvirqRunChecked.cmake)

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

# Man pages: every PVIRQ_API function of the headers has one, under
# share/man/man3 (as NAME.3pvirq), and the group page it points at is there.
if(WITH_MAN)
  set(man3 ${prefix}/${MANDIR}/man3)
  set(functions "")
  foreach(h ${headers})
    file(READ ${SOURCE_DIR}/include/${h} text)
    string(REGEX MATCHALL "PVIRQ_API[^;(]*[ *](pvirq_[a-z0-9_]+)[ \t]*\\(" decls "${text}")
    foreach(d ${decls})
      string(REGEX REPLACE ".*[ *](pvirq_[a-z0-9_]+)[ \t]*\\($" "\\1" fn "${d}")
      list(APPEND functions ${fn})
    endforeach()
  endforeach()
  list(LENGTH functions n)
  if(n LESS 30)
    message(FATAL_ERROR "found only ${n} PVIRQ_API functions in the headers: parser broken?")
  endif()
  foreach(fn ${functions})
    if(NOT EXISTS ${man3}/${fn}.3pvirq)
      message(FATAL_ERROR "no man page ${MANDIR}/man3/${fn}.3pvirq installed")
    endif()
    file(STRINGS ${man3}/${fn}.3pvirq link LIMIT_COUNT 1 REGEX "^\\.so man3/")
    string(REGEX REPLACE "^\\.so man3/" "" target "${link}")
    if(link AND NOT EXISTS ${man3}/${target})
      message(FATAL_ERROR "man page ${fn}.3pvirq points at ${target}, which is not installed")
    endif()
  endforeach()
  message(STATUS "man pages installed for all ${n} public functions")
endif()

# The consumers run with no LD_LIBRARY_PATH: what they need to find the
# shared library must come from find_package (CMake's rpath) or pvirq.pc.
unset(ENV{LD_LIBRARY_PATH})

# Shared libraries a program needs (DT_NEEDED), from the dynamic loader's view.
function(needed_libs out program)
  execute_process(COMMAND ${READELF} -d ${program} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
  string(REGEX MATCHALL "Shared library: \\[[^]]+\\]" libs "${dyn}")
  set(${out} "${libs}" PARENT_SCOPE)
endfunction()
find_program(READELF NAMES readelf REQUIRED)

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

# 4. pkg-config, with nothing but the .pc file to go on, as the README
# says: `cc vmm.c $(pkg-config --cflags --libs pvirq)`. The README's
# example (examples/embed/embed.c) uses one include, <pvirq/pvirq.h>, for
# everything including pvirq_vm_create(): -Werror turns an implicit
# declaration into a failure.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
function(pkg_config out)
  run(${PKG_CONFIG} ${ARGN} pvirq)
  string(STRIP "${run_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(${out} ${flags} PARENT_SCOPE)
endfunction()
separate_arguments(c_flags UNIX_COMMAND "${C_FLAGS} ${LINK_FLAGS}")
set(strict -std=c11 -Wall -Wextra -Werror)
pkg_config(pc_dynamic --cflags --libs)
foreach(src consumer/consumer.c embed/embed.c)
  get_filename_component(name ${src} NAME_WE)
  set(src_path ${SOURCE_DIR}/examples/${src})
  if(src MATCHES "^consumer/")
    set(src_path ${CONSUMER_DIR}/consumer.c)
  endif()
  set(exe ${WORK_DIR}/pkgconfig_${name})
  run(${C_COMPILER} ${strict} ${c_flags} ${src_path} ${pc_dynamic} -o ${exe})
  run(${exe})
  message(STATUS "pkg-config --libs ${name}: ${run_output}")
  needed_libs(needed ${exe})
  if(WITH_SHARED AND NOT needed MATCHES "libpvirq\\.so\\.0")
    message(FATAL_ERROR "pkg-config --libs did not link libpvirq.so.0: ${needed}")
  endif()
endforeach()

# 5. Static: libpvirq linked in, from the .pc's staticlib variable (the C
# library stays shared) and, outside the sanitizer builds (their runtimes
# cannot be linked statically), fully static with
# `cc -static ... $(pkg-config --static --cflags --libs pvirq)`: everything
# libpvirq.a needs must come from Libs.private.
pkg_config(pc_cflags --cflags)
pkg_config(pc_staticlib --variable=staticlib)
pkg_config(pc_private --static --libs-only-other --libs-only-l)
list(REMOVE_ITEM pc_private -lpvirq)
set(exe ${WORK_DIR}/pkgconfig_staticlib)
run(${C_COMPILER} ${strict} ${c_flags} ${pc_cflags} ${SOURCE_DIR}/examples/embed/embed.c
    ${pc_staticlib} ${pc_private} -o ${exe})
run(${exe})
needed_libs(needed ${exe})
if(needed MATCHES "libpvirq")
  message(FATAL_ERROR "the staticlib link still needs a shared libpvirq: ${needed}")
endif()
message(STATUS "pkg-config staticlib: ${run_output}")
if(SANITIZER)
  message(STATUS "pkg-config --static -static: skipped under ${SANITIZER} (no static sanitizer runtime)")
else()
  pkg_config(pc_static --static --cflags --libs)
  set(exe ${WORK_DIR}/pkgconfig_static)
  run(${C_COMPILER} ${strict} -static ${c_flags} ${SOURCE_DIR}/examples/embed/embed.c
      ${pc_static} -o ${exe})
  run(${exe})
  needed_libs(needed ${exe})
  if(needed)
    message(FATAL_ERROR "cc -static still needs shared libraries: ${needed}")
  endif()
  message(STATUS "pkg-config --static, cc -static: ${run_output}")
endif()
