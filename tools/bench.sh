#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: runs every benchmark binary and prints its figures.
# Usage: tools/bench.sh BIN_DIR
set -euo pipefail
bin=${1:-build/host-release/bin}
for b in "$bin"/bench_*; do
	echo "== $(basename "$b")"
	"$b"
done
