# SPDX-License-Identifier: MIT
# run(cmd args...) for the cmake -P test scripts: runs a command, fails the
# test with the command line and its output if it exits non-zero, and
# leaves its output in run_output. RUN_WORKING_DIRECTORY, when set, is the
# directory it runs in.
function(run)
  if(RUN_WORKING_DIRECTORY)
    set(dir WORKING_DIRECTORY ${RUN_WORKING_DIRECTORY})
  endif()
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out ${dir})
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()
