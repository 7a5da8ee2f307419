# SPDX-License-Identifier: MIT
# Debian packages with CPack (docs/packaging.md): anpr-firmware (the unit's daemon, CLI,
# model, board files, units) and, on the host, anpr-tools (development tools).
# `cmake --build B --target package` (or `make package` / `make package-aarch64`)
# writes B/packages/*.deb; tools/packaging/check-deb.sh checks them.
set(_pkg ${CMAKE_SOURCE_DIR}/tools/packaging)
set(_doc share/doc/anpr-firmware)

# ---- anpr-firmware ----
set(_firmware_bins anprd anpr-read)
if(TARGET anpr-diag)
  list(APPEND _firmware_bins anpr-diag)
endif()
install(TARGETS ${_firmware_bins} RUNTIME DESTINATION bin COMPONENT firmware)
# recog.c looks in <prefix>/share/anpr/tessdata beside the binary: /usr/share/anpr/tessdata.
install(FILES ${CMAKE_SOURCE_DIR}/ocr/model/plate.traineddata DESTINATION share/anpr/tessdata
        COMPONENT firmware)
foreach(board ${ANPR_BOARD_NAMES})
  install(FILES ${CMAKE_SOURCE_DIR}/boards/${board}/board.ini DESTINATION share/anpr/boards/${board}
          COMPONENT firmware)
endforeach()
install(FILES ${_pkg}/anpr.conf DESTINATION /etc/anpr COMPONENT firmware)
# Debian 12 keeps units and udev rules in /lib (lintian checks the path).
install(FILES ${_pkg}/anprd.service ${_pkg}/anpr-console@.service DESTINATION /lib/systemd/system
        COMPONENT firmware)
install(FILES ${_pkg}/60-anpr.rules DESTINATION /lib/udev/rules.d COMPONENT firmware)
install(FILES ${_pkg}/anpr.sysusers DESTINATION lib/sysusers.d RENAME anpr.conf COMPONENT firmware)
install(FILES ${_pkg}/anpr.tmpfiles DESTINATION lib/tmpfiles.d RENAME anpr.conf COMPONENT firmware)
set(_docs packaging.md anprd.md config.md control-protocol.md back-office-protocol.md read-format.md
    anpr-diag.md)
foreach(d ${_docs})
  if(EXISTS ${CMAKE_SOURCE_DIR}/docs/${d})
    install(FILES ${CMAKE_SOURCE_DIR}/docs/${d} DESTINATION ${_doc} COMPONENT firmware)
  endif()
endforeach()

# Debian's versions: upstream version and a package revision; the changelog carries the
# git description and the commit's date (so two builds of one commit are alike).
set(ANPR_DEB_REVISION 1)
set(ANPR_DEB_VERSION ${PROJECT_VERSION}-${ANPR_DEB_REVISION})
execute_process(COMMAND git log -1 --format=%cD WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE ANPR_DEB_DATE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT ANPR_DEB_DATE)
  string(TIMESTAMP ANPR_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
set(_gen ${CMAKE_BINARY_DIR}/packaging)
# Files read here at configure time: a change to one configures again.
file(GLOB _man_pages ${_pkg}/man/*.[18])
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_pkg}/debian/changelog.in
             ${_pkg}/depends-arm64.txt ${_man_pages})
configure_file(${_pkg}/debian/changelog.in ${_gen}/changelog @ONLY)
execute_process(COMMAND gzip -9nc ${_gen}/changelog OUTPUT_FILE ${_gen}/changelog.Debian.gz)
foreach(comp firmware tools)
  install(FILES ${_gen}/changelog.Debian.gz ${_pkg}/debian/copyright DESTINATION share/doc/anpr-${comp}
          COMPONENT ${comp})
endforeach()
file(WRITE ${_gen}/conffiles "/etc/anpr/anpr.conf\n")
foreach(comp firmware tools)
  install(FILES ${_pkg}/debian/anpr-${comp}.lintian-overrides DESTINATION share/lintian/overrides
          RENAME anpr-${comp} COMPONENT ${comp})
endforeach()

# Manual pages (tools/packaging/man), compressed as Debian wants them.
function(anpr_install_man bin comp)
  file(GLOB page ${_pkg}/man/${bin}.[18])
  if(NOT page)
    message(FATAL_ERROR "tools/packaging/man has no manual page for ${bin}")
  endif()
  get_filename_component(name ${page} NAME)
  string(REGEX REPLACE ".*\\.([18])$" "\\1" section ${name})
  execute_process(COMMAND gzip -9nc ${page} OUTPUT_FILE ${_gen}/${name}.gz)
  install(FILES ${_gen}/${name}.gz DESTINATION share/man/man${section} COMPONENT ${comp})
endfunction()
foreach(bin ${_firmware_bins})
  anpr_install_man(${bin} firmware)
endforeach()

# ---- anpr-tools: development tools, host builds only ----
set(_tools_bins "")
foreach(t anpr-synth anpr-bofsim anpr-replay)
  if(TARGET ${t})
    list(APPEND _tools_bins ${t})
  endif()
endforeach()
set(CPACK_COMPONENTS_ALL firmware)
if(_tools_bins AND NOT CMAKE_CROSSCOMPILING)
  install(TARGETS ${_tools_bins} RUNTIME DESTINATION bin COMPONENT tools)
  foreach(bin ${_tools_bins})
    anpr_install_man(${bin} tools)
  endforeach()
  list(APPEND CPACK_COMPONENTS_ALL tools)
endif()

# ---- CPack ----
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME anpr)
set(CPACK_PACKAGE_VENDOR "The ANPR firmware authors")
set(CPACK_PACKAGE_CONTACT "ANPR firmware team <anpr-firmware@example.org>")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${ANPR_DEB_REVISION})
set(CPACK_DEBIAN_PACKAGE_SOURCE anpr)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
else()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
endif()

set(CPACK_DEBIAN_FIRMWARE_PACKAGE_NAME anpr-firmware)
set(CPACK_DEBIAN_FIRMWARE_FILE_NAME DEB-DEFAULT)
set(CPACK_COMPONENT_FIRMWARE_DESCRIPTION
    "ANPR camera firmware: daemon, diagnostic console, OCR model, board files
anprd reads the number plates of passing vehicles from the unit's camera,
signs each read and keeps it in an encrypted ring buffer until the back
office has it (mutual TLS). The package holds anprd, the field engineer's
anpr-diag and anpr-read, the plate OCR model, the default configuration of
every supported board and the sandboxed systemd units.")
# Not found by dpkg-shlibdeps: the stock English model (ocr.model = plate+eng), the
# helpers the maintainer scripts call, systemd-sysusers and systemd-tmpfiles, and
# /bin/kill for the unit's ExecReload.
set(_extra_depends "tesseract-ocr-eng, init-system-helpers (>= 1.54~), systemd, procps")
if(CMAKE_CROSSCOMPILING)
  # No dpkg database in the sysroot for dpkg-shlibdeps: the libraries' packages are
  # written out, checked against readelf -d by tools/packaging/check-deb.sh --needed.
  file(STRINGS ${_pkg}/depends-arm64.txt _arm_depends REGEX "^[^#]")
  list(JOIN _arm_depends ", " _arm_depends)
  set(CPACK_DEBIAN_FIRMWARE_PACKAGE_DEPENDS "${_arm_depends}, ${_extra_depends}")
else()
  set(CPACK_DEBIAN_FIRMWARE_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_FIRMWARE_PACKAGE_DEPENDS "${_extra_depends}")
endif()
set(CPACK_DEBIAN_FIRMWARE_PACKAGE_CONTROL_EXTRA
    ${_gen}/conffiles ${_pkg}/debian/postinst ${_pkg}/debian/prerm ${_pkg}/debian/postrm)

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME anpr-tools)
set(CPACK_DEBIAN_TOOLS_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)
# anpr-replay runs the anprd beside it.
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "anpr-firmware (= ${ANPR_DEB_VERSION})")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
    "ANPR camera firmware: development tools
anpr-synth renders synthetic plates and traffic clips, anpr-bofsim simulates
the police back office the units deliver reads to, anpr-replay runs anprd on
clips and scores its reads. For development and test machines, not for the
units.")

include(CPack)
