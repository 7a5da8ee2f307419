#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory soak: replays a clip through anprd N times (default 10 minutes of video) and samples
# its resident memory every few seconds; passes when RSS at the end is within 5% of RSS after
# the first play (steady state), and writes the samples to OUT/soak-rss.tsv.
# Usage: tools/soak.sh BIN_DIR CLIP OUT_DIR [PLAYS]
set -euo pipefail
bin=$1 clip=$2 out=$3 plays=${4:-10}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 700 "$work/keys"
"$bin/anprd" --set "signing.key_file=$work/keys/k.pem" --gen-key >/dev/null 2>&1
"$bin/anprd" --set "signing.key_file=$work/keys/k.pem" --set "store.dir=$work/reads" \
	--set "store.key_file=$work/keys/store.key" \
	--set pipeline.replay_pace=fast --set tracker.repeat_window_s=0 --loop "$plays" \
	--source "file:$clip" --report "$work/report.json" 2>"$work/log" &
pid=$!
: >"$out/soak-rss.tsv"
t=0
while kill -0 $pid 2>/dev/null; do
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || true)
	[ -n "$rss" ] && printf '%d\t%d\n' "$t" "$rss" >>"$out/soak-rss.tsv"
	sleep 5
	t=$((t + 5))
done
wait $pid
cat "$work/report.json"
# Steady state: after the first tenth of the run; the last sample against the first of those.
n=$(wc -l <"$out/soak-rss.tsv")
first=$(sed -n "$((n / 10 + 1))p" "$out/soak-rss.tsv" | cut -f2)
last=$(tail -1 "$out/soak-rss.tsv" | cut -f2)
max=$(cut -f2 "$out/soak-rss.tsv" | sort -n | tail -1)
echo "RSS (KiB): after warm-up $first, at the end $last, highest $max, samples $n"
awk -v a="$first" -v b="$last" 'BEGIN { d = (b - a) / a * 100; printf "change %.2f%%\n", d; exit (d > 5 || d < -5) }'
