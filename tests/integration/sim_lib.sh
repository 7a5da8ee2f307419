# SPDX-License-Identifier: MIT
# Shared by the tests that run anprd on host-sim against its simulated hardware (test_watchdog.sh,
# test_supervisor.sh). Source it with the script's arguments still in place:
#   ANPRD ANPR_SYNTH [EMULATOR...]
# It sets anprd, synth, run (the emulator, if any, then anprd), tmp (removed on exit, with the
# anprd in $pid killed), passed/failed with check(), field(), and sim_setup() for the clip and key.
set -u
anprd=$1 synth=$2
shift 2
run=("$@" "$anprd")
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0 failed=0
# check NAME CONDITION: counts CONDITION (evaluated) as passed or failed.
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }
# field KEY FILE: the value of KEY=value in a simulation state file.
field() { sed -n "s/^$1=//p" "$2" 2>/dev/null; }

# sim_setup SEED VEHICLES DURATION LOOK: $tmp/clip.avi (720p) and a device key at $key; exits on failure.
sim_setup() {
	"$synth" clip --seed "$1" --out "$tmp/clip.avi" --frame 1280x720 --vehicles "$2" --duration "$3" --look "$4" \
		--hard-share 0 >/dev/null 2>"$tmp/synth.log" || {
		cat "$tmp/synth.log"
		echo "anpr-synth clip failed"
		exit 1
	}
	mkdir -m 700 "$tmp/keys"
	key=$tmp/keys/device.pem
	"${run[@]}" --set "signing.key_file=$key" --gen-key >/dev/null 2>&1 || {
		echo "--gen-key failed"
		exit 1
	}
}
