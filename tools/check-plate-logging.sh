#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Plate text is personal data and may be logged only at debug level. By convention variables
# and fields holding it are named vrm, *_vrm, plate_text or candidates; this fails when one of
# them appears in an error, warning or info log call.
set -eu
cd "$(dirname "$0")/.."
hits=$(git ls-files -co --exclude-standard -- '*.c' '*.cpp' | grep -v '^build/' |
	xargs -r grep -nE '(ANPR_LOG[EWI]|ANPR_EVENT)\(.*\b([a-z_]*vrm|plate_text|candidates)\b' || true)
if [ -n "$hits" ]; then
	echo "plate text in a non-debug log call (use ANPR_LOGD):"
	echo "$hits"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "1 passed, 0 failed"
