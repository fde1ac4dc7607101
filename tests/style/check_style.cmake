# SPDX-License-Identifier: MIT
# Body of the style_* tests; also run directly by `make format-check` and
# `make tidy`:
#   cmake -DMODE=format -DSOURCE_DIR=. [-DCLANG_FORMAT=..] [-DGIT=..] -P check_style.cmake
#   cmake -DMODE=tidy -DSOURCE_DIR=. -DBUILD_DIR=build/default [-DCLANG_TIDY=..] -P ...
if(NOT CLANG_FORMAT)
  find_program(CLANG_FORMAT NAMES clang-format-14 clang-format)
endif()
if(NOT CLANG_TIDY)
  find_program(CLANG_TIDY NAMES clang-tidy-14 clang-tidy)
endif()
if(NOT GIT)
  find_program(GIT git)
endif()

if(MODE STREQUAL "format")
  if(NOT CLANG_FORMAT)
    message(FATAL_ERROR "clang-format not found: run scripts/install-deps.sh")
  endif()
  # Tracked files when this is a git checkout (generated or scratch files
  # do not count).
  set(files "")
  if(GIT AND EXISTS ${SOURCE_DIR}/.git)
    execute_process(COMMAND ${GIT} ls-files -- "*.c" "*.h"
      WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
    if(rc EQUAL 0)
      string(REGEX REPLACE "\n$" "" out "${out}")
      string(REPLACE "\n" ";" files "${out}")
    endif()
  endif()
  if(NOT files)
    # No git (a release tarball): the source directories, never a build tree.
    foreach(dir include src tests examples fuzz bench bindings verify)
      file(GLOB_RECURSE found RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/${dir}/*.c ${SOURCE_DIR}/${dir}/*.h)
      list(APPEND files ${found})
    endforeach()
  endif()
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files}
    WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "clang-format: files above are not formatted; run `make format`")
  endif()
  list(LENGTH files n)
  message(STATUS "${n} C/H files formatted as .clang-format says")

elseif(MODE STREQUAL "tidy")
  if(NOT CLANG_TIDY)
    message(FATAL_ERROR "clang-tidy not found: run scripts/install-deps.sh")
  endif()
  if(NOT WORK_DIR)
    set(WORK_DIR ${BUILD_DIR}/tidy)
  endif()
  file(READ ${BUILD_DIR}/compile_commands.json db)
  # clang rejects a few GCC-only options of the gcc build; drop them.
  string(REPLACE " -fno-tree-loop-distribute-patterns" "" db "${db}")
  file(MAKE_DIRECTORY ${WORK_DIR})
  file(WRITE ${WORK_DIR}/compile_commands.json "${db}")
  # Every library source the build compiles (src/**.c), each once.
  string(JSON n LENGTH "${db}")
  math(EXPR last "${n} - 1")
  set(files "")
  set(commands "")
  foreach(i RANGE ${last})
    string(JSON f GET "${db}" ${i} file)
    if(f MATCHES "^${SOURCE_DIR}/src/.*\\.c$")
      list(APPEND files ${f})
      string(JSON c GET "${db}" ${i} command)
      string(APPEND commands "${c}\n")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES files)
  list(SORT files)
  # A file found clean is not analysed again until it, a header, the
  # configuration or the compile database changes: the analyzer takes
  # seconds per file, and `make test` runs this every time.
  file(GLOB_RECURSE headers ${SOURCE_DIR}/include/*.h ${SOURCE_DIR}/src/*.h)
  list(SORT headers)
  set(common "${commands}") # how src/ is compiled, not the rest of the build
  foreach(f ${SOURCE_DIR}/.clang-tidy ${headers})
    file(READ ${f} text)
    string(APPEND common "${f}\n${text}")
  endforeach()
  string(SHA256 common_hash "${common}")
  file(MAKE_DIRECTORY ${WORK_DIR}/clean)
  set(failed "")
  set(checked 0)
  foreach(f ${files})
    file(SHA256 ${f} file_hash)
    string(SHA256 stamp "${common_hash}${file_hash}${f}")
    if(EXISTS ${WORK_DIR}/clean/${stamp})
      continue()
    endif()
    math(EXPR checked "${checked} + 1")
    execute_process(COMMAND ${CLANG_TIDY} --quiet -p ${WORK_DIR} ${f}
      WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc
      OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(rc EQUAL 0)
      file(WRITE ${WORK_DIR}/clean/${stamp} "${f}\n")
    else()
      # The findings, not clang-tidy's "N warnings generated" chatter.
      string(REGEX REPLACE "[0-9]+ warnings? generated\\.\n?" "" err "${err}")
      message("${out}${err}")
      list(APPEND failed ${f})
    endif()
  endforeach()
  if(failed)
    message(FATAL_ERROR "clang-tidy found problems (above) in ${failed}: fix them or "
                        "suppress one line with NOLINT(check) and a reason")
  endif()
  list(LENGTH files n)
  message(STATUS "clang-tidy: ${n} files of src/ clean (${checked} analysed, the rest unchanged)")
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
