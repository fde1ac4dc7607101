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

# Every guide under docs/ (the specification included) is a page of the
# HTML reference with its own text, not just a name: Doxygen names the page
# md_<path> and it must carry the guide's title (its first heading).
file(GLOB_RECURSE guides RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/docs/*.md)
list(REMOVE_ITEM guides docs/api.md) # the main page (index.html)
set(problems "")
foreach(guide ${guides})
  string(REGEX REPLACE "\\.md$" "" page "${guide}")
  string(REGEX REPLACE "[^A-Za-z0-9]" "_" page "md_${page}")
  file(STRINGS ${SOURCE_DIR}/${guide} title LIMIT_COUNT 1 REGEX "^# ")
  string(REGEX REPLACE "^# +| *\\{#.*$" "" title "${title}")
  string(REGEX MATCH "^[A-Za-z0-9 ,.-]+" title_start "${title}") # before any HTML-escaped character
  string(STRIP "${title_start}" title_start)
  if(NOT EXISTS ${HTML_DIR}/${page}.html)
    list(APPEND problems "${guide}: no page ${page}.html")
  else()
    file(READ ${HTML_DIR}/${page}.html html)
    string(FIND "${html}" "${title_start}" at)
    if(title_start STREQUAL "" OR at EQUAL -1)
      list(APPEND problems "${guide}: ${page}.html lacks its title '${title_start}'")
    endif()
  endif()
endforeach()
if(problems)
  list(JOIN problems "\n  " problems)
  message(FATAL_ERROR "guides missing from the HTML reference:\n  ${problems}")
endif()
list(LENGTH guides n)
message(STATUS "${n} guides are pages of the HTML reference")
