#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reading-accuracy regression test: scores anpr-read on seeded synthetic UK plates and, where
# ../shared/data exists beside the repository, on the real dev sets, against the floors in
# accuracy_floors.tsv (a bound written "<=N" is a ceiling: the OCR calls an image takes, which
# set the reader's speed and, unlike time, do not depend on the machine's load). Real sets that
# are absent are reported as skipped, never as passed.
# Usage: test_accuracy.sh ANPR_READ ANPR_SYNTH SHARED_DATA_DIR [EMULATOR...]
set -u
read_bin=$1 synth=$2 data=$3
shift 3
run=("$@" "$read_bin")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0

while IFS=$'\t' read -r set country images metric floor; do
	case $set in '#'* | '') continue ;; esac
	if [ "$set" = synthetic ]; then
		dir=$tmp/synthetic
		[ -d "$dir" ] || "$synth" plates --seed 20261121 --count "$images" --mix realistic --out "$dir" >/dev/null 2>&1 ||
			{ echo "FAIL: anpr-synth"; failed=$((failed + 1)); continue; }
	else
		dir=$data/$set
		if [ ! -d "$dir" ]; then
			echo "SKIP: $set ($dir absent)"
			skipped=$((skipped + 1))
			continue
		fi
	fi
	json=$tmp/$set-$country.json
	[ -s "$json" ] || "${run[@]}" --bench "$dir" --country "$country" --json >"$json" 2>"$tmp/err" ||
		{ echo "FAIL: anpr-read --bench $dir"; cat "$tmp/err"; failed=$((failed + 1)); continue; }
	value=$(grep -o "\"$metric\":[0-9.]*" "$json" | cut -d: -f2)
	case $floor in
	'<='*) bound=${floor#<=} op='<=' test='v <= f' ;;
	*) bound=$floor op='>=' test='v >= f' ;;
	esac
	if [ -n "$value" ] && awk -v v="$value" -v f="$bound" "BEGIN { exit !($test) }"; then
		echo "ok:   $set $metric $value $op $bound"
		passed=$((passed + 1))
	else
		echo "FAIL: $set $metric ${value:-missing} not $op $bound"
		failed=$((failed + 1))
	fi
done <"$here/accuracy_floors.tsv"

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
# All real sets absent and only synthetic checked: say so through ctest's skip code.
[ "$skipped" -gt 0 ] && [ "$passed" -le 1 ] && exit 77
exit 0
