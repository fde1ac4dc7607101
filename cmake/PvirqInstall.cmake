# SPDX-License-Identifier: MIT
# `cmake --install build/<preset> [--prefix DIR]` installs:
#   include/pvirq/**.h                      every public header
#   lib/libpvirq.a                          pvirq::pvirq (static)
#   lib/libpvirq.so.MAJOR...                pvirq::pvirq_shared (when built)
#   lib/cmake/pvirq/pvirqConfig*.cmake      find_package(pvirq)
#   lib/pkgconfig/pvirq.pc                  pkg-config pvirq (written at install time)
# Everything is relocatable: the prefix given at install time wins over
# the one known at configure time. tests/install/ checks all of it.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PVIRQ_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pvirq)
set(PVIRQ_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pvirq
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT pvirq_development
  FILES_MATCHING PATTERN "*.h")

install(TARGETS pvirq EXPORT pvirqTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT pvirq_development
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

if(TARGET pvirq_shared)
  install(TARGETS pvirq_shared EXPORT pvirqTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
      COMPONENT pvirq_runtime NAMELINK_COMPONENT pvirq_development
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()

install(EXPORT pvirqTargets
  NAMESPACE pvirq::
  DESTINATION ${PVIRQ_INSTALL_CMAKEDIR}
  COMPONENT pvirq_development)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pvirqConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pvirqConfig.cmake
  INSTALL_DESTINATION ${PVIRQ_INSTALL_CMAKEDIR})
# Same major version = compatible: the major is also the SOVERSION, and it
# is bumped for every incompatible change (CONTRIBUTING.md).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pvirqConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pvirqConfig.cmake ${PROJECT_BINARY_DIR}/pvirqConfigVersion.cmake
  DESTINATION ${PVIRQ_INSTALL_CMAKEDIR}
  COMPONENT pvirq_development)

# pvirq.pc names its prefix relative to its own directory (${pcfiledir}),
# so `cmake --install --prefix` anywhere gives a working file. It is written
# at install time because the prefix given then decides the rpath: none for
# a directory the dynamic loader searches by itself (/usr/lib, its multiarch
# directory), `-Wl,-rpath,${libdir}` for any other (/usr/local, /opt, a home
# directory), where a program linked with --libs would otherwise fail to
# start until someone ran ldconfig or set LD_LIBRARY_PATH.
file(RELATIVE_PATH PVIRQ_PC_TO_PREFIX
  ${CMAKE_INSTALL_PREFIX}/${PVIRQ_INSTALL_PKGCONFIGDIR} ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" PVIRQ_PC_TO_PREFIX "${PVIRQ_PC_TO_PREFIX}")
# Libs.private: what libpvirq.a needs besides the C library, from the
# target's own link libraries (nothing today: the hosted layer uses only
# malloc). A static consumer gets it from `pkg-config --static --libs`.
set(PVIRQ_PC_LIBS_PRIVATE "")
get_target_property(pvirq_link_libs pvirq LINK_LIBRARIES)
if(NOT pvirq_link_libs)
  set(pvirq_link_libs "")
endif()
foreach(lib IN LISTS pvirq_link_libs)
  if(lib STREQUAL "Threads::Threads")
    string(APPEND PVIRQ_PC_LIBS_PRIVATE " -pthread")
  elseif(lib MATCHES "^[A-Za-z0-9_+.-]+$")
    string(APPEND PVIRQ_PC_LIBS_PRIVATE " -l${lib}")
  elseif(lib)
    message(FATAL_ERROR "pvirq links ${lib}: teach cmake/PvirqInstall.cmake its Libs.private form")
  endif()
endforeach()
# Directories the loader searches without an rpath: the toolchain's implicit
# link directories that are the system's (/lib, /usr/lib, their lib64 and
# multiarch forms), not the compiler's own or ones from $LIBRARY_PATH.
set(PVIRQ_LOADER_DIRS "")
foreach(dir IN LISTS CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
  if(dir MATCHES "^/(usr/)?lib(32|64)?(/[a-z0-9_]+-linux-gnu[a-z0-9_]*)?$")
    list(APPEND PVIRQ_LOADER_DIRS ${dir})
  endif()
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/PvirqWritePc.cmake.in
  ${PROJECT_BINARY_DIR}/PvirqWritePc.cmake @ONLY)
install(SCRIPT ${PROJECT_BINARY_DIR}/PvirqWritePc.cmake COMPONENT pvirq_development)
