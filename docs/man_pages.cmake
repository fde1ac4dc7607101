# SPDX-License-Identifier: MIT
# Selects the man pages to install from Doxygen's man output:
#   cmake -DIN=<doxygen man/man3> -DOUT=<dir to install as man3> -P man_pages.cmake
# Kept: every page named pvirq_* or PVIRQ_* (functions, types, macros), the
# header pages (*.h), and every page one of those links to (`.so man3/X`,
# the group page that holds a function's text). Left out: pages Doxygen
# makes for struct fields and for the Markdown guides (they are in the HTML
# reference), whose names (index, value, x, ...) mean nothing alone.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
file(GLOB pages RELATIVE ${IN} ${IN}/*.3pvirq)
set(keep "")
foreach(page ${pages})
  if(page MATCHES "^(pvirq_|PVIRQ_)" OR page MATCHES "\\.h\\.3pvirq$")
    list(APPEND keep ${page})
    file(STRINGS ${IN}/${page} link LIMIT_COUNT 1 REGEX "^\\.so man3/")
    if(link)
      string(REGEX REPLACE "^\\.so man3/" "" target "${link}")
      list(APPEND keep ${target})
    endif()
  endif()
endforeach()
list(REMOVE_DUPLICATES keep)
foreach(page ${keep})
  if(NOT EXISTS ${IN}/${page})
    message(FATAL_ERROR "man page ${page} is linked to but Doxygen did not write it")
  endif()
  file(COPY ${IN}/${page} DESTINATION ${OUT})
endforeach()
list(LENGTH keep n)
message(STATUS "${n} man pages selected")
