#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target for a while, starting from its committed corpus. New inputs go to
# build/fuzz/corpus-new/ (not the repository); crashes stop the run and are left in build/fuzz/.
# Usage: tools/run-fuzzers.sh BIN_DIR SECONDS
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$1" && pwd) secs=${2:-60}
for f in "$bin"/fuzz_*; do
	name=$(basename "$f")
	corpus=$root/tests/fuzz/corpus/${name#fuzz_}
	work=$root/build/fuzz/corpus-new/${name#fuzz_}
	mkdir -p "$work"
	echo "== $name for ${secs}s"
	(cd "$root/build/fuzz" && "$f" -max_total_time="$secs" -max_len=65536 -print_final_stats=1 "$work" "$corpus")
done
