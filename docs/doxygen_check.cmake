# SPDX-License-Identifier: MIT
# The docs_doxygen test: Doxygen with warnings as errors over the public
# headers, plus the one hole Doxygen leaves open. With EXTRACT_ALL=NO it
# silently skips every global symbol of a header that has no @file
# comment, so each header under include/pvirq must have one.
#   cmake -DDOXYGEN=... -DDOXYFILE=... -DINCLUDE_DIR=... -P doxygen_check.cmake
file(GLOB_RECURSE headers ${INCLUDE_DIR}/*.h)
set(missing "")
foreach(h ${headers})
  file(READ ${h} text)
  if(NOT text MATCHES "[@\\\\]file")
    list(APPEND missing ${h})
  endif()
endforeach()
if(missing)
  list(JOIN missing "\n  " missing)
  message(FATAL_ERROR "public headers without a Doxygen @file comment (their symbols "
                      "would go unchecked):\n  ${missing}")
endif()

execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "Doxygen reported warnings (above): document every public symbol")
endif()
