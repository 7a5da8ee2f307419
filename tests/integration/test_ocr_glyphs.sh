#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anpr-ocr-glyphs, the shape model's trainer: bad arguments and folders are refused with nothing
# written, a broken or unlabelled strip is passed over, a failed write leaves no header behind,
# and the same folders give the same header byte for byte.
# Usage: test_ocr_glyphs.sh ANPR_OCR_GLYPHS ANPR_SYNTH
set -u
glyphs=$1 synth=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

"$synth" strips --seed 11 --count 12 --no-gb-chars --out "$tmp/train" >/dev/null || { echo "anpr-synth failed"; exit 1; }
"$synth" strips --seed 12 --count 4 --no-gb-chars --out "$tmp/test" >/dev/null || { echo "anpr-synth failed"; exit 1; }
# Hostile strips in the training folder: not an image, no truth, an empty truth.
echo "not an image" >"$tmp/train/zz_text.png"
echo "AB12CDE" >"$tmp/train/zz_text.gt.txt"
cp "$tmp/test/$(ls "$tmp/test" | grep -m1 '\.png$')" "$tmp/train/zz_unlabelled.png"
cp "$tmp/train/zz_unlabelled.png" "$tmp/train/zz_empty.png"
: >"$tmp/train/zz_empty.gt.txt"

"$glyphs" >/dev/null 2>&1
status=$?
check "no arguments: usage, exit 2 (got $status)" '[ "$status" -eq 2 ]'
"$glyphs" "$tmp/out.h" -- "$tmp/test" >/dev/null 2>&1
status=$?
check "no training folder: exit 2 (got $status)" '[ "$status" -eq 2 ]'
"$glyphs" "$tmp/out.h" "$tmp/missing" >/dev/null 2>&1
status=$?
check "a missing folder: exit 1 (got $status)" '[ "$status" -eq 1 ]'
mkdir "$tmp/none"
"$glyphs" "$tmp/out.h" "$tmp/none" >/dev/null 2>&1
status=$?
check "a folder without strips: exit 1 (got $status)" '[ "$status" -eq 1 ]'
check "nothing written after a refusal" '[ ! -e "$tmp/out.h" ] && [ ! -e "$tmp/out.h.tmp" ]'
"$glyphs" "$tmp/no/such/dir/out.h" "$tmp/train" >/dev/null 2>"$tmp/err"
status=$?
check "an unwritable header: exit 1 (got $status)" '[ "$status" -eq 1 ] && grep -q "out.h" "$tmp/err"'

# A write that fails part way (files capped at 4 KiB, the header is larger): the header there
# before is kept whole and no temporary is left.
echo "/* the header before */" >"$tmp/kept.h"
(
	trap '' XFSZ
	ulimit -f 4
	exec "$glyphs" "$tmp/kept.h" "$tmp/train"
) >/dev/null 2>&1
status=$?
check "a write cut short: exit 1 (got $status)" '[ "$status" -eq 1 ]'
check "the header before is kept whole" '[ "$(cat "$tmp/kept.h")" = "/* the header before */" ]'
check "no temporary left after a failed write" '[ ! -e "$tmp/kept.h.tmp" ]'

"$glyphs" "$tmp/a.h" "$tmp/train" -- "$tmp/test" >"$tmp/report" 2>"$tmp/err"
status=$?
check "training: exit 0 (got $status)" '[ "$status" -eq 0 ]'
check "the broken strip named, the rest read" 'grep -q "zz_text.png: cannot read" "$tmp/err"'
check "a header, and no temporary left" '[ -s "$tmp/a.h" ] && [ ! -e "$tmp/a.h.tmp" ]'
check "the header has the model's arrays" \
	'grep -q "define GLYPH_SHAPE_HIDDEN" "$tmp/a.h" && grep -q "glyph_shape_b2\[35\]" "$tmp/a.h"'
check "both folders reported" '[ "$(grep -c "strips" "$tmp/report")" -eq 2 ]'
"$glyphs" "$tmp/b.h" "$tmp/train" -- "$tmp/test" >/dev/null 2>&1
check "the same folders give the same header" 'cmp -s "$tmp/a.h" "$tmp/b.h"'

echo "test_ocr_glyphs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
