# SPDX-License-Identifier: MIT
# Body of the add_subdirectory_no_tests test (see CMakeLists.txt): configure
# tests/install/subproject (a parent that add_subdirectory's this tree),
# count the tests its CTest sees (must be 0), build its program (only what
# it links is built) and run it.
file(REMOVE_RECURSE ${WORK_DIR})

include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/PvirqRunChecked.cmake)

run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/subproject -B ${WORK_DIR}
    -DPVIRQ_SOURCE_DIR=${SOURCE_DIR} -DCMAKE_C_COMPILER=${C_COMPILER}
    "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}")
run(${CTEST_COMMAND} -N --test-dir ${WORK_DIR})
if(NOT run_output MATCHES "Total Tests: 0")
  message(FATAL_ERROR "add_subdirectory(libpvirq) added tests to the parent project:\n${run_output}")
endif()
file(STRINGS ${WORK_DIR}/CMakeCache.txt build_type REGEX "^CMAKE_BUILD_TYPE:")
if(build_type MATCHES "RelWithDebInfo")
  message(FATAL_ERROR "libpvirq set the parent's CMAKE_BUILD_TYPE: ${build_type}")
endif()
run(${CMAKE_COMMAND} --build ${WORK_DIR} --target parent_vmm)
run(${WORK_DIR}/parent_vmm)
message(STATUS "parent project: 0 tests from libpvirq; parent_vmm: ${run_output}")
