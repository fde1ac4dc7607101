# SPDX-License-Identifier: MIT
# `cmake --install build/<preset> [--prefix DIR]` installs:
#   include/pvirq/**.h                      every public header
#   lib/libpvirq.a                          pvirq::pvirq (static)
#   lib/libpvirq.so.MAJOR...                pvirq::pvirq_shared (when built)
#   lib/cmake/pvirq/pvirqConfig*.cmake      find_package(pvirq)
#   lib/pkgconfig/pvirq.pc                  pkg-config pvirq
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
# so `cmake --install --prefix` anywhere gives a working file.
file(RELATIVE_PATH PVIRQ_PC_TO_PREFIX
  ${CMAKE_INSTALL_PREFIX}/${PVIRQ_INSTALL_PKGCONFIGDIR} ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" PVIRQ_PC_TO_PREFIX "${PVIRQ_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/pvirq.pc.in ${PROJECT_BINARY_DIR}/pvirq.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pvirq.pc
  DESTINATION ${PVIRQ_INSTALL_PKGCONFIGDIR}
  COMPONENT pvirq_development)
