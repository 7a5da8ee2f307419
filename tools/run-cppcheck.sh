#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static analysis of the project's sources with cppcheck; any finding fails.
# Usage: run-cppcheck.sh BUILD_DIR (for generated headers such as version.h)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/host}
cd "$root"
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.cpp' | grep -v '^build/')
incs=()
while IFS= read -r d; do incs+=(-I "$d"); done < <(git ls-files -co --exclude-standard -- '*.h' | grep -v '^build/' | xargs -n1 dirname | sort -u)
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem --suppress=unmatchedSuppression \
	-D__GNUC__ -D_POSIX_C_SOURCE=200809L "${incs[@]}" -I "$build/firmware/base" "${files[@]}"
echo "${#files[@]} passed, 0 failed"
