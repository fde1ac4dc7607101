# SPDX-License-Identifier: MIT
# Body of the headers_* tests (see CMakeLists.txt). MODE selects the check.
file(REMOVE_RECURSE ${WORK_DIR}/${MODE})
file(MAKE_DIRECTORY ${WORK_DIR}/${MODE})
set(work ${WORK_DIR}/${MODE})
set(inc ${SOURCE_DIR}/include)
string(REPLACE "|" ";" C_COMPILERS "${C_COMPILERS}")

include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/PvirqRunChecked.cmake)

# pvirq_* functions (not pvirq__* internals) defined in a library.
function(defined_functions out lib)
  run(${NM} ${ARGN} --defined-only ${lib})
  string(REGEX MATCHALL "[ \t][TW] pvirq_[A-Za-z0-9_]+" syms "${run_output}")
  set(names "")
  foreach(s ${syms})
    string(REGEX REPLACE ".* (pvirq_[A-Za-z0-9_]+)$" "\\1" s "${s}")
    if(NOT s MATCHES "^pvirq__")
      list(APPEND names ${s})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES names)
  list(SORT names)
  set(${out} ${names} PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE headers RELATIVE ${inc} ${inc}/pvirq/*.h)
list(SORT headers)
if(NOT headers)
  message(FATAL_ERROR "no headers under ${inc}/pvirq")
endif()

string(REPLACE "." ";" v "${VERSION}")
list(GET v 0 major)
list(GET v 1 minor)
list(GET v 2 patch)

if(MODE STREQUAL "standalone")
  set(c_units "")
  set(cxx_units "")
  foreach(h ${headers})
    string(MAKE_C_IDENTIFIER ${h} id)
    # Included twice (include guard), then the macros every header must
    # bring along through common.h.
    string(CONCAT tu "#include <${h}>\n#include <${h}>\n"
           "#if !defined(PVIRQ_BEGIN_DECLS) || !defined(PVIRQ_END_DECLS) || !defined(PVIRQ_API)\n"
           "#error \"${h} does not provide the linkage and visibility macros (include common.h)\"\n"
           "#endif\n"
           "int pvirq_header_check_${id}(void);\n"
           "int pvirq_header_check_${id}(void) { return 0; }\n")
    file(WRITE ${work}/${id}.c "${tu}")
    file(WRITE ${work}/${id}.cpp "${tu}")
    list(APPEND c_units ${work}/${id}.c)
    list(APPEND cxx_units ${work}/${id}.cpp)
    # A public function declared outside the extern "C" block would be
    # mangled in C++: every PVIRQ_API must sit between the two macros.
    file(READ ${inc}/${h} text)
    if(text MATCHES "PVIRQ_API")
      string(FIND "${text}" "PVIRQ_BEGIN_DECLS" begin)
      string(FIND "${text}" "PVIRQ_END_DECLS" end REVERSE)
      string(FIND "${text}" "PVIRQ_API" first_api)
      string(FIND "${text}" "PVIRQ_API" last_api REVERSE)
      if(h STREQUAL "pvirq/common.h")
        # common.h defines the macros; its own declarations come after
        # the definitions, so look after the last #define of them.
        string(FIND "${text}" "PVIRQ_BEGIN_DECLS\n" begin REVERSE)
        string(FIND "${text}" "\nPVIRQ_API" first_api)
      endif()
      if(begin EQUAL -1 OR end EQUAL -1 OR first_api LESS begin OR last_api GREATER end)
        message(FATAL_ERROR "${h}: PVIRQ_API declarations outside PVIRQ_BEGIN_DECLS/END_DECLS")
      endif()
    endif()
  endforeach()
  # One translation unit per header; one compiler run per compiler (each
  # unit is still compiled on its own, objects land in ${work}).
  foreach(cc ${C_COMPILERS})
    execute_process(COMMAND ${cc} -std=c11 -Wall -Wextra -Werror -Wpedantic
                    -Wstrict-prototypes -Wmissing-prototypes -I${inc} -c ${c_units}
      WORKING_DIRECTORY ${work} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "a header does not compile alone as C11 with ${cc}:\n${out}")
    endif()
  endforeach()
  execute_process(COMMAND ${CXX_COMPILER} -std=c++11 -Wall -Wextra -Werror -Wpedantic -I${inc}
                  -c ${cxx_units}
    WORKING_DIRECTORY ${work} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "a header does not compile alone as C++11:\n${out}")
  endif()
  # The version macros agree with the project version (CMakeLists.txt).
  file(WRITE ${work}/version.c
       "#include <pvirq/pvirq.h>\n"
       "_Static_assert(PVIRQ_VERSION_MAJOR == ${major} && PVIRQ_VERSION_MINOR == ${minor} &&\n"
       "               PVIRQ_VERSION_PATCH == ${patch},\n"
       "               \"version.h disagrees with project(VERSION ${VERSION})\");\n"
       "_Static_assert(PVIRQ_VERSION == (${major} << 16 | ${minor} << 8 | ${patch}), \"PVIRQ_VERSION\");\n")
  list(GET C_COMPILERS 0 cc)
  run(${cc} -std=c11 -I${inc} -c ${work}/version.c -o ${work}/version.o)
  # The umbrella gives a hosted VMM the allocator-based constructor too (a
  # call without a declaration is an error under -Werror), and gives a
  # freestanding build (-ffreestanding: no allocator) only the engine.
  file(WRITE ${work}/umbrella.c
       "#include <pvirq/pvirq.h>\n"
       "int umbrella_check(void);\n"
       "int umbrella_check(void)\n{\n"
       "#if __STDC_HOSTED__\n"
       "\tstruct pvirq_vm *vm = 0;\n"
       "\tpvirq_vm_destroy(vm);\n"
       "\treturn pvirq_vm_create(0, &vm);\n"
       "#else\n"
       "#ifdef PVIRQ_HOSTED_H\n"
       "#error \"pvirq.h pulled hosted.h into a freestanding build\"\n"
       "#endif\n"
       "\treturn (int)pvirq_version();\n"
       "#endif\n}\n")
  foreach(cc ${C_COMPILERS})
    foreach(mode -fhosted -ffreestanding)
      run(${cc} -std=c11 -Wall -Wextra -Werror -Wpedantic -Wmissing-prototypes ${mode} -I${inc}
          -c ${work}/umbrella.c -o ${work}/umbrella.o)
    endforeach()
  endforeach()
  list(LENGTH headers n)
  message(STATUS "${n} headers compile alone as C11 (${C_COMPILERS}) and C++11 (${CXX_COMPILER}); "
                 "pvirq.h declares pvirq_vm_create() when hosted, not when freestanding")

elseif(MODE STREQUAL "linkage")
  defined_functions(functions ${STATIC_LIB})
  set(tu "")
  foreach(h ${headers})
    string(APPEND tu "#include <${h}>\n")
  endforeach()
  string(APPEND tu "#include <cstdio>\n\ntypedef void (*any_fn)();\nstatic any_fn const all[] = {\n")
  foreach(f ${functions})
    string(APPEND tu "\treinterpret_cast<any_fn>(&::${f}),\n")
  endforeach()
  string(APPEND tu "};\n\nint main()\n{\n"
         "\tfor (any_fn f : all)\n\t\tif (!f)\n\t\t\treturn 2;\n"
         "\tif (pvirq_version() != PVIRQ_VERSION) {\n"
         "\t\tstd::fprintf(stderr, \"pvirq_version() %#x != PVIRQ_VERSION %#x\\n\",\n"
         "\t\t\t     (unsigned)pvirq_version(), (unsigned)PVIRQ_VERSION);\n"
         "\t\treturn 1;\n\t}\n\treturn 0;\n}\n")
  file(WRITE ${work}/linkage.cpp "${tu}")
  separate_arguments(flags UNIX_COMMAND "${C_FLAGS} ${LINK_FLAGS}")
  run(${CXX_COMPILER} -std=c++11 -Wall -Wextra -Werror ${flags} -I${inc} ${work}/linkage.cpp
      ${STATIC_LIB} -o ${work}/linkage)
  run(${work}/linkage)
  list(LENGTH functions n)
  message(STATUS "C++ links all ${n} exported functions through the headers; version agrees")

elseif(MODE STREQUAL "exports")
  defined_functions(in_static ${STATIC_LIB})
  defined_functions(in_shared ${SHARED_LIB} -D)
  set(hidden ${in_static})
  list(REMOVE_ITEM hidden ${in_shared})
  if(hidden)
    message(FATAL_ERROR "not exported by the shared library (missing PVIRQ_API, or not in "
                        "src/libpvirq.map): ${hidden}")
  endif()
  list(LENGTH in_shared n)
  message(STATUS "${n} functions exported by the shared library")
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
