#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The recorded-video harness (anpr-replay, docs/clip-format.md) on the manifest's short set: the real
# anprd reads a synthetic clip, its reads travel over mutual TLS to anpr-bofsim, and anpr-replay scores
# them against the ground truth and the set's thresholds. With bad inputs (a broken sidecar,
# mismatched frame counts, a video that ends mid-frame, ...) it must refuse with exit 65 and a message
# naming the file and line, never a score.
# Usage: test_replay.sh MODE ANPR_REPLAY HOST_BIN_DIR ANPRD MANIFEST CLIPS_DIR [SYSROOT]
#   MODE host: the set "short" on the host build, then the bad-input cases.
#   MODE arm:  the set "short-arm" with ANPRD (an aarch64 build) under qemu-aarch64 -L SYSROOT.
set -u
mode=$1 replay=$2 bin=$3 anprd=$4 manifest=$5 clips=$6 sysroot=${7:-}
for f in "$replay" "$bin/anpr-synth" "$bin/anpr-bofsim" "$anprd"; do
	[ -x "$f" ] || { echo "SKIP: $f not built (the host tools come from the host build)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }
py=/usr/bin/python3
[ -x $py ] || py=python3
common=(--manifest "$manifest" --bin "$bin" --anprd "$anprd" --clips-dir "$clips")

if [ "$mode" = arm ]; then
	command -v qemu-aarch64 >/dev/null || { echo "SKIP: no qemu-aarch64"; exit 77; }
	[ -d "$sysroot" ] || { echo "SKIP: no sysroot at $sysroot"; exit 77; }
	file -L "$anprd" | grep -q 'ARM aarch64' || { echo "SKIP: $anprd is not an aarch64 build"; exit 77; }
	"$replay" "${common[@]}" --set short-arm --qemu "$sysroot" --json >"$tmp/arm.json" 2>"$tmp/arm.err"
	status=$?
	cat "$tmp/arm.json"
	check "aarch64 under qemu: the short set passes its thresholds (exit $status)" '[ $status -eq 0 ]'
	[ $status -eq 0 ] || tail -5 "$tmp/arm.err"
	check "aarch64 under qemu: every vehicle scored" \
		'$py -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"vehicles\"] >= 3 and d[\"qemu\"] else 1)" "$tmp/arm.json"'
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

# ---- the short set on the host build ----
"$replay" "${common[@]}" --set short --json >"$tmp/short.json" 2>"$tmp/short.err"
status=$?
cat "$tmp/short.json"
check "short set passes its thresholds (exit $status)" '[ $status -eq 0 ]'
[ $status -eq 0 ] || tail -5 "$tmp/short.err"
check "JSON has every key the issue names" '$py -c "
import json, sys
d = json.load(open(sys.argv[1]))
keys = \"vehicles captured_pct exact_pct misread_pct missed_pct duplicates false_reads latency_p50_ms latency_p95_ms fps dropped_frames peak_rss_mib\".split()
missing = [k for k in keys if k not in d]
sys.exit(1 if missing or d[\"vehicles\"] != 8 or d[\"latency_p95_ms\"] is None or d[\"peak_rss_mib\"] <= 0 else 0)
" "$tmp/short.json"'
clip=$(ls "$clips"/short-ir-day-720p25-*.avi 2>/dev/null | head -1)
check "the clip was cached under its command line's hash" '[ -f "$clip" ] && [ -f "${clip%.avi}.truth.jsonl" ]'
[ -f "$clip" ] || { echo "$passed passed, $failed failed"; exit 1; }
truth=${clip%.avi}.truth.jsonl

# The table (default output) and the same clip given directly, scored the same.
"$replay" --bin "$bin" --anprd "$anprd" "$clip" >"$tmp/table.txt" 2>"$tmp/table.err"
check "a clip given directly: exit 0 and a table" '[ $? -eq 0 ] && grep -q "^| clip | vehicles | captured %" "$tmp/table.txt"'

# ---- bad input: exit 65, a message naming the file and the line, no score ----
bad() { # name expected-message-regex replay-args...
	local name=$1 re=$2
	shift 2
	"$replay" --bin "$bin" --anprd "$anprd" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
	local st=$?
	check "$name: exit 65 (got $st)" '[ $st -eq 65 ]'
	check "$name: message names file and line ($(head -c 200 "$tmp/bad.err"))" 'grep -Eq "$re" "$tmp/bad.err"'
	check "$name: no score printed" '[ ! -s "$tmp/bad.out" ]'
}
cp "$clip" "$tmp/c.avi"
# A line cut in half (broken JSON) on line 3.
awk 'NR == 3 { print substr($0, 1, 40); next } { print }' "$truth" >"$tmp/t1.jsonl"
bad "broken sidecar" "t1\.jsonl:3: not one valid JSON" "$tmp/c.avi" --truth "$tmp/t1.jsonl"
# A header for another clip: more frames than the video holds.
sed '1s/"frames":300/"frames":400/' "$truth" >"$tmp/t2.jsonl"
bad "mismatched frame counts" "t2\.jsonl:1: .*400 frames.*c\.avi records 300" "$tmp/c.avi" --truth "$tmp/t2.jsonl"
# A vehicle past the end of the clip.
awk 'NR == 4 { sub(/"last_frame":[0-9]+/, "\"last_frame\":400") } { print }' "$truth" >"$tmp/t3.jsonl"
bad "frame out of range" "t3\.jsonl:4: last_frame 400 is past" "$tmp/c.avi" --truth "$tmp/t3.jsonl"
# The same vehicle id twice.
awk 'NR == 5 { sub(/"vehicle":[0-9]+/, "\"vehicle\":1") } { print }' "$truth" >"$tmp/t4.jsonl"
bad "overlapping vehicle ids" "t4\.jsonl:5: vehicle 1 is already on line 3" "$tmp/c.avi" --truth "$tmp/t4.jsonl"
# A sidecar cut short at a line boundary, and one cut mid-line.
head -n -1 "$truth" >"$tmp/t5.jsonl"
bad "sidecar cut short" "t5\.jsonl:1: the header says 8 vehicles but 7 follow" "$tmp/c.avi" --truth "$tmp/t5.jsonl"
head -c -30 "$truth" >"$tmp/t6.jsonl"
bad "sidecar cut mid-line" "t6\.jsonl:9: the last line has no newline" "$tmp/c.avi" --truth "$tmp/t6.jsonl"
# A required key missing.
awk 'NR == 2 { sub(/"lane":[0-9]+,/, "") } { print }' "$truth" >"$tmp/t7.jsonl"
bad "missing key" "t7\.jsonl:2: \"lane\" missing" "$tmp/c.avi" --truth "$tmp/t7.jsonl"
# The video ends mid-frame (a copy cut 5,000 bytes short), with its own sidecar beside it.
head -c -5000 "$clip" >"$tmp/cut.avi"
cp "$truth" "$tmp/cut.truth.jsonl"
bad "video ends mid-frame" "cut\.avi: truncated.*cut\.truth\.jsonl:1" "$tmp/cut.avi"
head -c 2000000 "$clip" >"$tmp/cut2.avi"
cp "$truth" "$tmp/cut2.truth.jsonl"
bad "video cut to 2 MB" "cut2\.avi: truncated.*cut2\.truth\.jsonl:1" "$tmp/cut2.avi"
# A manifest with an unknown key.
sed 's/^exact_min_pct = 98$/exact_min_pct = 98\nexact_max = 3/' "$manifest" >"$tmp/m.ini"
line=$(grep -n '^exact_max' "$tmp/m.ini" | cut -d: -f1)
bad "manifest with an unknown key" "m\.ini:$line: unknown key 'exact_max'" --manifest "$tmp/m.ini" --set standard

# ---- usage ----
"$replay" --bin "$bin" --anprd "$anprd" --pace sometimes "$clip" >/dev/null 2>"$tmp/err"
check "bad option value: exit 64" '[ $? -eq 64 ]'
"$replay" --bin "$bin" --anprd "$anprd" --manifest "$manifest" --set nonesuch >/dev/null 2>"$tmp/err"
check "unknown set: exit 64" '[ $? -eq 64 ] && grep -q nonesuch "$tmp/err"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
