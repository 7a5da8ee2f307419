#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The real anprd on a synthetic clip: one read per vehicle, exact VRMs, every read signed
# and verified by independent code (check_reads.py), and the bad-input cases: a missing,
# corrupt or truncated video, an unsafe key, no camera, SIGTERM mid-clip, a restart that
# continues the hash chain. With REFERENCE_ANPRD set (the host build, when this is the
# aarch64 build under qemu), the VRMs must equal the reference's.
# Usage: test_anprd_clip.sh ANPRD ANPR_SYNTH CHECK_READS [EMULATOR...]
set -u
anprd=$1 synth=$2 check_reads=$3
shift 3
run=("$@" "$anprd")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }
py=/usr/bin/python3
[ -x $py ] || py=python3

start=2026-11-21T12:00:00.000Z
# A short clip: 8 vehicles in 12 s at 720p (quick enough for qemu), some at night in IR.
"$synth" clip --seed 404 --out "$tmp/clip.avi" --frame 1280x720 --vehicles 8 --duration 12 --look mixed \
	--hard-share 0 >/dev/null 2>"$tmp/synth.log" || { cat "$tmp/synth.log"; echo "anpr-synth clip failed"; exit 1; }
vehicles=$(grep -c '"vrm"' "$tmp/clip.truth.jsonl") # the header line has no vrm

key=$tmp/keys/device.pem
mkdir -m 700 "$tmp/keys"
common=(--set "signing.key_file=$key" --set pipeline.replay_pace=fast --start-time $start)

# ---- the device key ----
"${run[@]}" --set "signing.key_file=$key" --gen-key >"$tmp/pub.txt" 2>"$tmp/err"
check "--gen-key exits 0" '[ $? -eq 0 ]'
check "--gen-key prints the public key and fingerprint" 'grep -q "BEGIN PUBLIC KEY" "$tmp/pub.txt" && grep -q "^fingerprint: [0-9a-f]\{64\}$" "$tmp/pub.txt"'
check "key file is 0600" '[ "$(stat -c %a "$key")" = 600 ]'
"${run[@]}" --set "signing.key_file=$key" --gen-key >/dev/null 2>"$tmp/err"
check "--gen-key never overwrites a key" '[ $? -ne 0 ] && grep -qi "exist" "$tmp/err"'

# ---- the clip: one verified read per vehicle ----
"${run[@]}" "${common[@]}" --set store.backend=folder --set "store.dir=$tmp/reads" --source "file:$tmp/clip.avi" \
	--report "$tmp/report.json" 2>"$tmp/run.log"
status=$?
check "clip run exits 0 (got $status)" '[ $status -eq 0 ]'
[ $status -eq 0 ] || tail -5 "$tmp/run.log"
$py "$check_reads" "$tmp/reads" "$key" --truth "$tmp/clip.truth.jsonl" --start-time $start \
	--min-exact-pct 98 --max-duplicates 0 --max-misread-pct 0 --vrms-out "$tmp/vrms.txt" >"$tmp/check.json"
cstatus=$?
check "reads verify and score (check_reads exit $cstatus)" '[ $cstatus -eq 0 ]'
[ $cstatus -eq 0 ] || cat "$tmp/check.json"
check "one read per vehicle ($vehicles)" '[ "$(wc -l <"$tmp/vrms.txt")" -eq "$vehicles" ]'
check "report counts every frame" 'grep -q "\"frames_dropped\":0" "$tmp/report.json" && grep -q "\"reads_failed\":0" "$tmp/report.json"'
check "no plate text in the log at info level" '! grep -qf "$tmp/vrms.txt" "$tmp/run.log"'
if [ -n "${REFERENCE_ANPRD:-}" ]; then
	check "reference build present ($REFERENCE_ANPRD)" '[ -x "$REFERENCE_ANPRD" ]'
	"$REFERENCE_ANPRD" "${common[@]}" --set store.backend=folder --set "store.dir=$tmp/ref" --source "file:$tmp/clip.avi" 2>/dev/null
	$py "$check_reads" "$tmp/ref" "$key" --vrms-out "$tmp/ref_vrms.txt" >/dev/null
	check "same VRMs as the reference build" 'cmp -s "$tmp/vrms.txt" "$tmp/ref_vrms.txt"'
	echo "VRMs here and in the reference build: $(wc -l <"$tmp/vrms.txt") and $(wc -l <"$tmp/ref_vrms.txt")"
fi

# ---- a restart continues the sequence and the hash chain ----
head -c 2000000 "$tmp/clip.avi" >"$tmp/truncated.avi"
"${run[@]}" "${common[@]}" --set store.backend=folder --set "store.dir=$tmp/reads" --source "file:$tmp/truncated.avi" 2>"$tmp/trunc.log"
status=$?
check "truncated video: exit 0 with what could be read (got $status)" '[ $status -eq 0 ]'
$py "$check_reads" "$tmp/reads" "$key" >"$tmp/check2.json"
check "chain unbroken across the restart" '[ $? -eq 0 ]'
check "the restart added reads" '[ "$(ls "$tmp/reads" | wc -l)" -gt "$vehicles" ]'

# ---- SIGTERM mid-clip: stops, stores what it has, exits 0 ----
"${run[@]}" --set "signing.key_file=$key" --set pipeline.replay_pace=realtime --set store.backend=folder --set "store.dir=$tmp/term" \
	--source "file:$tmp/clip.avi" --report "$tmp/term.json" 2>"$tmp/term.log" &
pid=$!
sleep 6
kill -TERM $pid
wait $pid
status=$?
check "SIGTERM: exit 0 (got $status)" '[ $status -eq 0 ]'
check "SIGTERM: the report was written" 'grep -q "frames_captured" "$tmp/term.json"'
if [ -d "$tmp/term" ] && [ -n "$(ls "$tmp/term")" ]; then
	$py "$check_reads" "$tmp/term" "$key" >/dev/null
	check "SIGTERM: stored reads verify" '[ $? -eq 0 ]'
fi

# ---- SIGHUP reloads the reloadable keys; systemd hears READY=1 ----
site=$tmp/site.ini
printf '[device]\nid = test-unit\nlane = 1\n' >"$site"
$py -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1.0)
end = time.time() + float(sys.argv[2])
with open(sys.argv[3], "w") as out:
    while time.time() < end:
        try:
            out.write(s.recv(4096).decode() + "\n")
            out.flush()
        except socket.timeout:
            pass
' "$tmp/notify.sock" 60 "$tmp/notify.txt" &
listener=$!
sleep 1
# As under systemd: the clip comes from the configuration (camera.replay_source), not --source.
NOTIFY_SOCKET=$tmp/notify.sock "${run[@]}" --config "$site" --set "signing.key_file=$key" \
	--set pipeline.replay_pace=realtime --set store.backend=folder --set "store.dir=$tmp/hup" --start-time $start \
	--set "camera.replay_source=file:$tmp/clip.avi" 2>"$tmp/hup.log" &
pid=$!
# wait_for FILE PATTERN: up to 60 s (anprd starts slowly under qemu on a loaded machine). Two
# SIGHUPs sent before anprd handled the first would be one reload.
wait_for() {
	for _ in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
wait_for "$tmp/notify.txt" READY=1
printf '[device]\nid = test-unit\nlane = 2\n' >"$site"
kill -HUP $pid
wait_for "$tmp/hup.log" "configuration reloaded"
printf '[device]\nid = test-unit\nlane = 2\nbogus = 1\n' >"$site"
kill -HUP $pid
wait $pid
status=$?
kill $listener 2>/dev/null
wait $listener 2>/dev/null
check "SIGHUP run: exit 0 (got $status)" '[ $status -eq 0 ]'
check "SIGHUP: reloaded" 'grep -q "configuration reloaded" "$tmp/hup.log"'
check "SIGHUP: a bad file is refused and the run goes on" 'grep -q "reload refused" "$tmp/hup.log"'
$py -c '
import json, base64, os, sys
lanes = set()
for n in sorted(os.listdir(sys.argv[1])):
    p = json.load(open(os.path.join(sys.argv[1], n)))["jws"].split(".")[1]
    lanes.add(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["lane"])
sys.exit(0 if 2 in lanes else 1)
' "$tmp/hup"
check "SIGHUP: reads after the reload carry the new lane" '[ $? -eq 0 ]'
check "systemd: READY=1 and STATUS sent" 'grep -q "READY=1" "$tmp/notify.txt" && grep -q "STATUS=" "$tmp/notify.txt"'

# ---- bad input: clear errors and documented exit statuses ----
"${run[@]}" "${common[@]}" --set store.backend=folder --set "store.dir=$tmp/x" --source "file:$tmp/missing.avi" 2>"$tmp/err"
check "missing video: exit 69" '[ $? -eq 69 ]'
head -c 300000 /dev/urandom >"$tmp/corrupt.mp4"
"${run[@]}" "${common[@]}" --set store.backend=folder --set "store.dir=$tmp/x" --source "file:$tmp/corrupt.mp4" 2>"$tmp/err"
check "corrupt video: exit 69 with a message" '[ $? -eq 69 ] && [ -s "$tmp/err" ]'
"${run[@]}" "${common[@]}" --set store.backend=folder --set "store.dir=$tmp/x" --source "tape:/dev/st0" 2>"$tmp/err"
check "bad --source: exit 64" '[ $? -eq 64 ]'
"${run[@]}" "${common[@]}" --set store.backend=folder --set "store.dir=$tmp/x" --source camera 2>"$tmp/err"
status=$?
check "no camera here: exit 69 with a message (got $status)" '[ $status -eq 69 ] && grep -qi "camera" "$tmp/err"'
chmod 644 "$key"
"${run[@]}" "${common[@]}" --set store.backend=folder --set "store.dir=$tmp/x" --source "file:$tmp/clip.avi" 2>"$tmp/err"
check "world-readable key refused: exit 78 naming the fix" '[ $? -eq 78 ] && grep -q "600" "$tmp/err"'
"${run[@]}" "${common[@]}" --set "signing.key_file=$tmp/nokey.pem" --set store.backend=folder --set "store.dir=$tmp/x" \
	--source "file:$tmp/clip.avi" 2>"$tmp/err"
check "missing key: exit 78 pointing at --gen-key" '[ $? -eq 78 ] && grep -q "gen-key" "$tmp/err"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
