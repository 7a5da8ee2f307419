#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every Debian 12 package the project needs to build, test and cross-build.
# Idempotent: packages already present are skipped, and apt is not touched when
# nothing is missing. Run as root (or via sudo). Usage: tools/install-deps.sh [--cross]
set -euo pipefail

# One package per line: name, then the reason it is here.
read -r -d '' PACKAGES <<'LIST' || true
build-essential          C/C++ compilers and make for the host build
cmake                    build system (3.25 in Debian 12)
ninja-build              fast CMake generator used by the Makefile
pkg-config               finds libcurl, tesseract and libcamera flags
git                      version stamp in binaries, fresh-clone checks
clang                    libFuzzer targets and a second compiler for warnings
libclang-rt-14-dev       libFuzzer and sanitizer runtimes for clang
clang-format             style check in make test
cppcheck                 static analysis in make test
libopencv-core-dev       opencv_c wrapper: matrices
libopencv-imgproc-dev    opencv_c wrapper: colour, resize, filters, morphology, contours, warp
libopencv-imgcodecs-dev  OpenCV's video module builds on it (stills use codec.c)
libjpeg62-turbo-dev      opencv_c codec.c: JPEG decode and encode
libpng-dev               opencv_c codec.c: PNG decode and encode
libopencv-videoio-dev    opencv_c wrapper: video read/write through FFmpeg
libtesseract-dev         plate OCR through the Tesseract C API
libleptonica-dev         image type Tesseract's C API takes
tesseract-ocr            training tools (lstmtraining, text2image, combine_tessdata)
tesseract-ocr-eng        stock model to compare our plate model against
libcurl4-openssl-dev     mutual-TLS uplink to the back office
libmbedtls-dev           ECDSA signing, AES-GCM at rest, PBKDF2
libcamera-dev            camera frame source on the units
libsystemd-dev           sd_notify readiness and watchdog
libgpiod-dev             IR illuminator, IR-cut filter, tamper switch and heater lines (libgpiod 1.6, v1 API)
libsqlite3-dev           back-office simulator storage
libfreetype-dev          anpr-synth renders plate characters from TrueType fonts
fonts-liberation         synthetic plates: LiberationSansNarrow-Bold
fonts-roboto-unhinted    synthetic plates: RobotoCondensed-Bold
fonts-dejavu-extra       OCR training strips: DejaVuSansCondensed-Bold
fonts-opendin            OCR training strips: OSP-DIN, a free DIN 1451-like font as on EU plates (OFL)
openssl                  dev PKI and independent signature checks
curl                     the unit's side in the back-office simulator test (mutual-TLS posts)
python3                  test helpers
python3-jwcrypto         independent JWS verification in tests
valgrind                 memory checks
file                     checks that cross binaries are aarch64
lintian                  checks the .deb packages (make package, tests/package.cmake)
systemd                  systemd-analyze verify and security for the units (package test; not started)
python3-seccomp          package test: runs anprd under its unit's syscall filter
tmux                     anpr-diag test through a real terminal (capture-pane shows the screen)
LIST

read -r -d '' CROSS_PACKAGES <<'LIST' || true
gcc-aarch64-linux-gnu    aarch64 C cross compiler
g++-aarch64-linux-gnu    aarch64 C++ cross compiler (opencv_c, libcamera adapter)
qemu-user                runs aarch64 tests on this x86_64 host
mmdebstrap               builds the arm64 sysroot from Debian packages
LIST

want_cross=0
[ "${1:-}" = "--cross" ] && want_cross=1

list=$(printf '%s\n' "$PACKAGES" | awk 'NF {print $1}')
[ $want_cross = 1 ] && list="$list $(printf '%s\n' "$CROSS_PACKAGES" | awk 'NF {print $1}')"

missing=()
for p in $list; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then SUDO=sudo; else
		echo "install-deps: missing ${missing[*]}; run as root" >&2
		exit 1
	fi
else
	SUDO=
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when they are absent or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	$SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
