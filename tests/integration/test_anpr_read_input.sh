#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anpr-read on hostile input: every bad file gets its own JSON error, the good ones are still
# read, the exit status says something failed, and nothing crashes.
# Usage: test_anpr_read_input.sh ANPR_READ ANPR_SYNTH CORPUS_DIR [EMULATOR...]
set -u
read_bin=$1 synth=$2 corpus=$3
shift 3
run=("$@" "$read_bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

"$synth" plates --seed 7 --count 2 --mix clean --out "$tmp/good" >/dev/null || { echo "anpr-synth failed"; exit 1; }
good=$tmp/good/synth_00000.jpg
: >"$tmp/empty.jpg"
head -c 700 "$good" >"$tmp/truncated.jpg"
head -c 5000 /dev/urandom >"$tmp/random.jpg"
echo "not an image" >"$tmp/text.png"
cp "$corpus/huge_dims.png" "$tmp/huge.png"
mkdir "$tmp/dir.jpg"
mkfifo "$tmp/fifo.jpg" # no writer: opening it for reading without O_NONBLOCK would hang
files=("$tmp/empty.jpg" "$good" "$tmp/truncated.jpg" "$tmp/random.jpg" "$tmp/text.png" "$tmp/huge.png"
	"$tmp/dir.jpg" "$tmp/fifo.jpg" "$tmp/missing.jpg" "$tmp/good/synth_00001.jpg")

out=$("${run[@]}" --json "${files[@]}" 2>"$tmp/stderr")
status=$?
check "exit status 1 when some files fail (got $status)" '[ "$status" -eq 1 ]'
check "one JSON line per file" '[ "$(wc -l <<<"$out")" -eq ${#files[@]} ]'
i=0
for f in "${files[@]}"; do
	i=$((i + 1))
	line=$(sed -n "${i}p" <<<"$out")
	case $f in
	"$good" | */synth_00001.jpg)
		check "$f: read without error" 'grep -q "\"error\":null" <<<"$line" && grep -q "\"file\":\"$f\"" <<<"$line"' ;;
	*)
		check "$f: has an error" 'grep -q "\"error\":\"" <<<"$line" && grep -q "\"plates\":\[\]" <<<"$line"' ;;
	esac
done
check "a good file still yields its plate" 'grep -q "\"text\":\"$(cut -f6 "$tmp/good/synth_00000.txt")\"" <<<"$out"'
check "huge dimensions named as such" 'grep "huge.png" <<<"$out" | grep -q "exceeds size limit"'
check "no crash report on stderr" '! grep -qiE "sanitizer|segmentation|abort" "$tmp/stderr"'

# Usage errors.
"${run[@]}" --topn 99 "$good" >/dev/null 2>&1
st=$?
check "bad --topn is a usage error" '[ $st -eq 64 ]'
"${run[@]}" --country xx "$good" >/dev/null 2>&1
st=$?
check "bad --country is a usage error" '[ $st -eq 64 ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
