#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anprd's configuration handling from the outside: good layers pass, and every kind of bad
# config file (malformed, truncated, binary, missing) gets exit 78 and a message naming file:line.
# Usage: test_anprd_config.sh ANPRD [EMULATOR...]
set -u
anprd=("${@:2}" "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# expect STATUS PATTERN -- ARGS...: run anprd, check exit status and that output matches PATTERN.
expect() {
	local want=$1 pattern=$2
	shift 3
	local out status
	out=$("${anprd[@]}" "$@" 2>&1)
	status=$?
	if [ "$status" -eq "$want" ] && [[ $out =~ $pattern ]]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: anprd $* -> status $status (want $want), output:"
		echo "$out" | head -5
		echo "  (wanted /$pattern/)"
	fi
}

expect 0 'configuration OK: board host-sim' -- --check-config
expect 0 '^anprd [0-9]+\.[0-9]+\.[0-9]+.*' -- --version
expect 0 'opencv 4\.6.*tesseract 5\..*mbedtls 2\.28' -- --version
expect 0 '^host-sim.imx8mp-evk.rpi-cm4-imx296.rpi4-imx477$' -- --list-boards
expect 64 'Usage: anprd' -- --no-such-option
expect 64 'unexpected argument' -- stray

printf '[camera]\nwidth = 1280\n' >"$tmp/good.ini"
expect 0 "# $tmp/good.ini:2"$'\n'"width = 1280" -- --config "$tmp/good.ini" --print-config
expect 0 "# --set"$'\n'"fps = 30" -- --config "$tmp/good.ini" --set camera.fps=30 --print-config
expect 0 'level = debug' -- --set log.level=debug --print-config

printf '[camera]\nfsp = 30\n' >"$tmp/typo.ini"
expect 78 "$tmp/typo.ini:2: unknown key 'fsp' in \[camera\] \(did you mean 'fps'\?\)" -- --config "$tmp/typo.ini"
printf '# site\n[camera]\nwidth = 64000\n' >"$tmp/range.ini"
expect 78 "$tmp/range.ini:3: camera.width: 64000 is out of range" -- --config "$tmp/range.ini" --check-config
printf '[camera]\nwidth = 1280\n[camer' >"$tmp/truncated.ini"
expect 78 "$tmp/truncated.ini:3: section header has no closing" -- --config "$tmp/truncated.ini"
head -c 4096 "$1" >"$tmp/binary.ini"
expect 78 "$tmp/binary.ini:[0-9]+: (binary data|not valid UTF-8|control character)" -- --config "$tmp/binary.ini"
: >"$tmp/empty.ini"
expect 0 'configuration OK' -- --config "$tmp/empty.ini" --check-config
expect 78 "$tmp/missing.ini: cannot open: No such file" -- --config "$tmp/missing.ini"
expect 78 "$tmp: not a regular file" -- --config "$tmp"
expect 78 "unknown board 'nope' \(built in: host-sim" -- --board nope
printf '[board]\nname = x\n[camera]\nheight = tall\n' >"$tmp/board.ini"
expect 78 "$tmp/board.ini:4: camera.height: 'tall' is not a whole number" -- --board-file "$tmp/board.ini"
expect 78 "--set: unknown key 'camera.nope'" -- --set camera.nope=1
expect 78 "--set junk: expected section.key=value" -- --set junk
expect 78 "--set: camera.fps: 0 is out of range" -- --set camera.fps=0
# The replay camera: from --source, else camera.replay_source (a host-sim unit's service).
expect 64 "give --source file:PATH or dir:PATH, or set camera.replay_source" --
expect 78 "bad camera.replay_source 'camera' \(file:PATH or dir:PATH\)" -- --set camera.replay_source=camera
expect 78 "bad camera.replay_source 'nope:x'" -- --set camera.replay_source=nope:x
expect 78 "$tmp/nokey: no such file" -- --set camera.replay_source=file:/x.avi --set signing.key_file=$tmp/nokey

# Random bytes never crash it: always a clean configuration error (status 78, not a signal).
for i in $(seq 1 25); do
	head -c $((RANDOM % 3000 + 16)) /dev/urandom >"$tmp/random$i.ini"
	expect 78 "$tmp/random$i.ini:[0-9]+: " -- --config "$tmp/random$i.ini"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
