#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/config.md must be exactly what the key table generates (`make docs` rewrites it).
set -eu
if diff -u "$2" <("$1" --config-doc); then
	echo "1 passed, 0 failed"
else
	echo "docs/config.md is out of date: run 'make docs'" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
