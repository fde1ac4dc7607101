# SPDX-License-Identifier: MIT
# The docs_links test: every relative Markdown link in the project's own
# documents ([text](path) in README.md, CONTRIBUTING.md, CHANGELOG.md and
# docs/**.md, bench/README.md, examples/**.md) names a file or directory
# that exists. External links (scheme:...) and pure #anchors are skipped.
#   cmake -DSOURCE_DIR=... -P check_links.cmake
file(GLOB_RECURSE docs ${SOURCE_DIR}/docs/*.md ${SOURCE_DIR}/examples/*.md
     ${SOURCE_DIR}/bench/*.md)
list(APPEND docs ${SOURCE_DIR}/README.md ${SOURCE_DIR}/CONTRIBUTING.md ${SOURCE_DIR}/CHANGELOG.md)
set(broken "")
set(count 0)
foreach(doc ${docs})
  if(NOT EXISTS ${doc})
    continue()
  endif()
  get_filename_component(dir ${doc} DIRECTORY)
  file(READ ${doc} text)
  # Square brackets and semicolons confuse CMake lists: neutralise them.
  string(REPLACE "[" "<" text "${text}")
  string(REPLACE "]" ">" text "${text}")
  string(REPLACE ";" "," text "${text}")
  string(REGEX MATCHALL ">\\([^)# ]+(#[^) ]*)?\\)" links "${text}")
  foreach(link ${links})
    string(REGEX REPLACE "^>\\(([^)# ]+).*$" "\\1" target "${link}")
    if(target MATCHES "^[a-zA-Z][a-zA-Z0-9+.-]*:")
      continue() # https:, mailto:, ...
    endif()
    math(EXPR count "${count} + 1")
    if(NOT EXISTS ${dir}/${target})
      file(RELATIVE_PATH rel ${SOURCE_DIR} ${doc})
      list(APPEND broken "${rel}: ${target}")
    endif()
  endforeach()
endforeach()
if(broken)
  list(JOIN broken "\n  " broken)
  message(FATAL_ERROR "broken relative links:\n  ${broken}")
endif()
message(STATUS "${count} relative links resolve")
