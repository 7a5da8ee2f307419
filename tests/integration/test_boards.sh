#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every board in boards/ validates (the check the build runs: anprd --board NAME --check-config)
# with its plate size predicted inside the reader's range, and has its README (and config.txt for
# the Pis); board files with a missing, wrong or inconsistent key fail with exit 78 and file:line.
# Usage: test_boards.sh ANPRD BOARDS_DIR [EMULATOR...]
set -u
anprd=("${@:3}" "$1")
boards=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

# ---- the built-in boards ----
"${anprd[@]}" --list-boards >"$tmp/list" 2>&1
for dir in "$boards"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/board.ini" ] || continue
	out=$("${anprd[@]}" --board "$name" --check-config 2>"$tmp/err")
	status=$?
	check "$name validates (status $status: $(head -c 300 "$tmp/err"))" '[ $status -eq 0 ]'
	check "$name is built in" 'grep -qx "$name" "$tmp/list"'
	px=$(printf '%s\n' "$out" | sed -n 's/^predicted plate width: \([0-9]*\) px.*/\1/p')
	check "$name predicts a plate width (got '$px')" '[ -n "$px" ]'
	check "$name plate width $px px within 60-600" '[ -n "$px" ] && [ "$px" -ge 60 ] && [ "$px" -le 600 ] && ! grep -q warning "$tmp/err"'
	echo "$name: ${px:-?} px plates"
	check "$name has a README" '[ -s "$dir/README.md" ]'
	# The same file from disk passes too (the path bad boards take below).
	"${anprd[@]}" --board-file "$dir/board.ini" --check-config >/dev/null 2>&1
	check "$name validates from disk" '[ $? -eq 0 ]'
done
check "the Pi 4 names its camera" 'grep -qx "camera_auto_detect=0" "$boards/rpi4-imx477/config.txt" && grep -qx "dtoverlay=imx477" "$boards/rpi4-imx477/config.txt"'
check "the CM4 names its camera" 'grep -qx "camera_auto_detect=0" "$boards/rpi-cm4-imx296/config.txt" && grep -qx "dtoverlay=imx296" "$boards/rpi-cm4-imx296/config.txt"'

# ---- bad board files: exit 78, file:line ----
good=$boards/rpi4-imx477/board.ini
# bad NAME SED-SCRIPT PATTERN: a copy of the Pi 4 board edited by sed must fail matching PATTERN.
bad() {
	local name=$1 script=$2 pattern=$3 out status
	sed "$script" "$good" >"$tmp/$name.ini"
	out=$("${anprd[@]}" --board-file "$tmp/$name.ini" --check-config 2>&1)
	status=$?
	if [ $status -eq 78 ] && [[ $out =~ $pattern ]]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name -> status $status, output: $out"
		echo "  (wanted /$pattern/)"
	fi
}
# line LABEL FILE REGEX: the line number of the first match in the edited copy.
line() { grep -n "$2" "$tmp/$1.ini" | head -1 | cut -d: -f1; }

sed '/^focal_length_mm/d' "$good" >"$tmp/probe.ini"
n=$(grep -n '^distance_m' "$tmp/probe.ini" | cut -d: -f1)
bad missing_focal '/^focal_length_mm/d' "missing_focal\\.ini:$n: missing required key camera\\.focal_length_mm"
sed '/^\[rtc\]/,/^device/d' "$good" >"$tmp/probe.ini"
n=$(grep -n '^name = ' "$tmp/probe.ini" | cut -d: -f1)
bad missing_rtc_section '/^\[rtc\]/,/^device/d' "missing_rtc_section\\.ini:$n: missing required key rtc\\.device"
bad missing_wdt_device '/^device = \/dev\/watchdog/d' "missing_wdt_device\\.ini:[0-9]+: missing required key watchdog\\.device \\(watchdog\\.backend is dev"
bad missing_gpio_chip '/^chip = /d' "missing_gpio_chip\\.ini:[0-9]+: missing required key gpio\\.chip \\(gpio\\.backend is gpiod"
sed 's/^chip = /chipp = /' "$good" >"$tmp/probe.ini"
n=$(grep -n '^chipp' "$tmp/probe.ini" | cut -d: -f1)
bad wrong_key 's/^chip = /chipp = /' "wrong_key\\.ini:$n: unknown key 'chipp' in \\[gpio\\]"
sed 's/^\[thermal\]/[thermals]/' "$good" >"$tmp/probe.ini"
n=$(grep -n '^\[thermals\]' "$tmp/probe.ini" | cut -d: -f1)
bad wrong_section 's/^\[thermal\]/[thermals]/' "wrong_section\\.ini:$n: "
n=$(grep -n '^fps' "$good" | cut -d: -f1)
bad bad_value 's/^fps = 25/fps = fast/' "bad_value\\.ini:$n: camera\\.fps"
n=$(grep -n '^timeout_s' "$good" | cut -d: -f1)
bad out_of_range 's/^timeout_s = 15/timeout_s = 0/' "out_of_range\\.ini:$n: watchdog\\.timeout_s"
bad bad_backend 's/^backend = gpiod/backend = sysfs/' "bad_backend\\.ini:[0-9]+: gpio\\.backend"
bad ir_inverted 's/^day_above = 110/day_above = 30/' "ir_inverted\\.ini:[0-9]+: ir\\.day_above must be greater than ir\\.night_below"
bad thermal_inverted 's/^alarm_c = 82/alarm_c = 70/' "thermal_inverted\\.ini:[0-9]+: thermal\\.alarm_c must be at least thermal\\.throttle_c"
bad partition_too_small 's/^data_size_mb = 16384/data_size_mb = 1024/' "partition_too_small\\.ini:[0-9]+: store\\.max_mb .* does not fit"

# ---- a plate size the reader cannot read: a warning, not an error ----
sed 's/^distance_m = 12/distance_m = 80/' "$good" >"$tmp/far.ini"
out=$("${anprd[@]}" --board-file "$tmp/far.ini" --check-config 2>&1)
status=$?
check "far camera still validates (status $status)" '[ $status -eq 0 ]'
check "far camera warns about a 33 px plate" '[[ $out =~ "predicted plate width: 33 px" ]] && [[ $out =~ "outside the 60-600 px" ]]'

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
