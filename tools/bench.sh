#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: runs every benchmark binary, then scores the plate reader on 1,000 seeded synthetic
# UK plates and on the real dev sets in ../shared/data (when present), and writes the figures to
# build/bench/report.md and build/bench/reader.jsonl.
# Usage: tools/bench.sh BIN_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:-$root/build/host-release/bin}" && pwd)
data=$root/../shared/data
out=$root/build/bench
mkdir -p "$out"
export OMP_THREAD_LIMIT=1

synth_dir=$out/synthetic-uk-1000
if [ ! -f "$synth_dir/manifest.tsv" ]; then
	"$bin/anpr-synth" plates --seed 2026 --count 1000 --mix realistic --out "$synth_dir" >/dev/null
fi

for b in "$bin"/bench_*; do
	echo "== $(basename "$b")"
	if [ "$(basename "$b")" = bench_reader ]; then
		"$b" "$synth_dir/synth_00000.jpg"
	else
		"$b"
	fi
done

: >"$out/reader.jsonl"
score() { # name dir country
	echo "== anpr-read --bench $2 --country $3"
	"$bin/anpr-read" --bench "$2" --country "$3"
	"$bin/anpr-read" --bench "$2" --country "$3" --json | sed "s/^{/{\"set\":\"$1\",\"country\":\"$3\",/" >>"$out/reader.jsonl"
}
score synthetic-uk "$synth_dir" uk
for set in eu-dev:eu us:us ro-dashcam-dev:auto; do
	name=${set%%:*} country=${set##*:}
	if [ -d "$data/$name" ]; then
		score "$name" "$data/$name" "$country"
	else
		echo "== $name: skipped ($data/$name absent)"
	fi
done

{
	echo "# Plate reader benchmark"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$root" describe --always --dirty), $(nproc) cores."
	echo
	echo "| set | country | images | found % | top-1 % | top-N % | char % | ms median | ms p90 | peak RSS MiB |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	while IFS= read -r line; do
		get() { grep -o "\"$1\":[^,}]*" <<<"$line" | head -1 | cut -d: -f2 | tr -d '"'; }
		echo "| $(get set) | $(get country) | $(get images) | $(get found_pct) | $(get top1_pct) | $(get topn_pct) | $(get char_accuracy_pct) | $(get ms_median) | $(get ms_p90) | $(get peak_rss_mib) |"
	done <"$out/reader.jsonl"
} >"$out/report.md"
echo
cat "$out/report.md"
