# SPDX-License-Identifier: MIT
# Cross-compiles for Debian 12 arm64 against the sysroot tools/make-sysroot.sh builds, and runs target binaries (ctest, try_run) under qemu-aarch64.
#
#   tools/make-sysroot.sh
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=toolchain.cmake
#
# The sysroot is -DANPR_SYSROOT=..., else $ENV{ANPR_SYSROOT}, else
# build/sysroot-arm64 next to this file.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(_anpr_triplet aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${_anpr_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${_anpr_triplet}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${_anpr_triplet})

if(NOT DEFINED ANPR_SYSROOT)
  if(DEFINED ENV{ANPR_SYSROOT} AND NOT "$ENV{ANPR_SYSROOT}" STREQUAL "")
    set(_anpr_sysroot_default "$ENV{ANPR_SYSROOT}")
  else()
    set(_anpr_sysroot_default "${CMAKE_CURRENT_LIST_DIR}/build/sysroot-arm64")
  endif()
  set(ANPR_SYSROOT "${_anpr_sysroot_default}" CACHE PATH "Debian arm64 sysroot (tools/make-sysroot.sh builds it)")
endif()
get_filename_component(ANPR_SYSROOT "${ANPR_SYSROOT}" ABSOLUTE)
# try_compile/try_run projects re-read this file without our cache: hand it on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ANPR_SYSROOT)

if(NOT EXISTS "${ANPR_SYSROOT}/.anpr-sysroot-stamp")
  message(FATAL_ERROR "No complete arm64 sysroot at ${ANPR_SYSROOT}: run tools/make-sysroot.sh (or set ANPR_SYSROOT)")
endif()

set(CMAKE_SYSROOT "${ANPR_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${ANPR_SYSROOT}")
# Build tools (pkg-config, code generators) are host programs; everything we
# link against must come from the sysroot, never from the x86-64 host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The host pkg-config, reading only the sysroot's .pc files and prefixing
# their -I/-L paths with it. These are configure-time environment settings;
# that suffices because pkg_check_modules() results are stored in the cache,
# and a regeneration re-reads this file.
set(ENV{PKG_CONFIG_LIBDIR} "${ANPR_SYSROOT}/usr/lib/${_anpr_triplet}/pkgconfig:${ANPR_SYSROOT}/usr/share/pkgconfig:${ANPR_SYSROOT}/usr/lib/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${ANPR_SYSROOT}")
unset(ENV{PKG_CONFIG_PATH})

# ld must also find the libraries' own DT_NEEDED entries (OpenCV -> LAPACK,
# GDAL -> armadillo, ...), which it looks up via -rpath-link, not -L.
# Debian's cross ld happens to search the sysroot's default dirs too; this
# makes it explicit rather than relying on how binutils was configured.
# BLAS/LAPACK live in blas/ and lapack/ subdirs and are deliberately not
# listed: make-sysroot.sh links them into the multiarch dir as
# update-alternatives would, which qemu needs at run time anyway (an
# -rpath-link to the subdirs would let the link pass and the test fail).
set(_anpr_rpath_link "")
foreach(_dir lib/${_anpr_triplet} usr/lib/${_anpr_triplet} usr/lib)
  string(APPEND _anpr_rpath_link " -Wl,-rpath-link,${ANPR_SYSROOT}/${_dir}")
endforeach()
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_anpr_rpath_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_anpr_rpath_link}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "${_anpr_rpath_link}")

# No binfmt_misc is assumed: ctest and try_run start arm64 binaries through
# qemu-user, with -L so the dynamic loader and libraries come from the sysroot.
find_program(ANPR_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${ANPR_QEMU_AARCH64};-L;${ANPR_SYSROOT}")
