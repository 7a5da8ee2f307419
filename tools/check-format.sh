#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails when any project C/C++ source differs from what .clang-format produces (`make format` fixes).
set -eu
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.cpp' | grep -v -E '^build/|\.h\.in$')
bad=0
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f"
		bad=$((bad + 1))
	fi
done
echo "$(( ${#files[@]} - bad )) passed, $bad failed"
[ "$bad" -eq 0 ]
