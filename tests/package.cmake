# SPDX-License-Identifier: MIT
# The amd64 .deb (tools/packaging/): built with cpack from this tree, its contents and modes,
# units (verify, exposure <= 3.0), lintian, and the unpacked programs run from the package's
# own paths, anprd under its unit's system call filter. Host builds only.
if(CMAKE_CROSSCOMPILING OR ANPR_SANITIZE OR NOT TARGET anprd)
  return()
endif()
add_test(NAME package_deb
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_package.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR})
set_tests_properties(package_deb PROPERTIES LABELS integration TIMEOUT 300 SKIP_RETURN_CODE 77)
