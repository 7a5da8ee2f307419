#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Store and forward end to end: anprd's encrypted ring buffer and mutual-TLS uplink against
# anpr-bofsim. kill -9 at random moments while reads flow (CYCLES times, default 100), with
# the back office failing now and then; then every read anprd reported stored must be at the
# back office exactly once (after de-duplication), the hash chain unbroken. Then: damaged
# segment files (bit flips, a torn tail) are detected and the unit keeps running; a back
# office down for a while gets the backlog; a wrong server certificate gets nothing; reads
# older than the retention period (a test clock 8 days ahead) are deleted, not sent.
# Usage: test_store_forward.sh ANPRD ANPR_SYNTH ANPR_BOFSIM MAKE_DEV_PKI [CYCLES]
set -u
anprd=$1 synth=$2 bofsim=$3 pki_sh=$4 cycles=${5:-${SOAK_CYCLES:-100}}
tmp=$(mktemp -d)
bof_pid=
cleanup() {
	[ -n "$bof_pid" ] && kill "$bof_pid" 2>/dev/null
	pkill -9 -f "$tmp/" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }
py=/usr/bin/python3
[ -x $py ] || py=python3
db_reads() { $py -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from reads").fetchone()[0])' "$tmp/bo.db"; }
jget() { $py -c 'import json,sys; d=json.load(open(sys.argv[1])); [d := d[k] for k in sys.argv[2].split(".")]; print(d)' "$1" "$2" 2>/dev/null; }

mkdir -m 700 "$tmp/keys"
key=$tmp/keys/unit7.pem
"$anprd" --set "signing.key_file=$key" --gen-key >/dev/null 2>&1 || { echo "gen-key failed"; exit 1; }
"$pki_sh" "$tmp/pki" "$key" >/dev/null 2>"$tmp/pki.log" || { cat "$tmp/pki.log"; exit 1; }
"$synth" clip --seed 808 --out "$tmp/clip.avi" --frame 1280x720 --vehicles 16 --duration 24 --hard-share 0 \
	>/dev/null 2>&1 || { echo "anpr-synth clip failed"; exit 1; }

# The back office; its database persists across restarts.
start_bof() { # [server cert name] [fault flags...]
	local cert=$1
	shift
	rm -f "$tmp/bof.out"
	"$bofsim" --listen 127.0.0.1:${port:-0} --cert "$tmp/pki/$cert.pem" --key "$tmp/pki/$cert.key" \
		--ca "$tmp/pki/ca.pem" --db "$tmp/bo.db" --report "$tmp/bo.json" --log-level warn "$@" \
		>"$tmp/bof.out" 2>>"$tmp/bof.err" &
	bof_pid=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$tmp/bof.out" 2>/dev/null && break
		sleep 0.1
	done
	port=$(grep -o "listening on [0-9]*" "$tmp/bof.out" | grep -o "[0-9]*$")
}
stop_bof() {
	kill "$bof_pid" 2>/dev/null
	wait "$bof_pid" 2>/dev/null
	bof_pid=
}
start_bof server --fail-500 0.05 --drop-after-store 0.05 --seed 7

unit=(--set device.id=unit7 --set "signing.key_file=$key" --set "store.dir=$tmp/data"
	--set "store.key_file=$tmp/keys/store.key" --set store.segment_mb=1 --set tracker.repeat_window_s=0
	--set uplink.ca_file="$tmp/pki/ca.pem" --set uplink.cert_file="$tmp/pki/devices/unit7.pem"
	--set uplink.backoff_max_s=2 --set pipeline.replay_pace=fast)
url() { echo "https://localhost:$port"; }
run=0
# Runs anprd in the background on the looping clip; its log is $tmp/run-N.log.
start_unit() {
	run=$((run + 1))
	"$anprd" "${unit[@]}" --set "uplink.url=$(url)" --source "file:$tmp/clip.avi" --loop 1000 "$@" \
		2>"$tmp/run-$run.log" &
	unit_pid=$!
}
# Runs anprd on one play of the clip and lets it deliver everything (or up to 90 s).
drain_unit() {
	run=$((run + 1))
	"$anprd" "${unit[@]}" --set "uplink.url=$(url)" --source "file:$tmp/clip.avi" --linger 90 "$@" \
		--report "$tmp/report-$run.json" 2>"$tmp/run-$run.log"
}

# ---- kill -9 while reads flow ----
RANDOM=4242
for i in $(seq "$cycles"); do
	start_unit
	# Random moments while reads flow: counted from when the pipeline runs, so a slow start
	# on a busy machine does not turn the cycles into kills during start-up only.
	for _ in $(seq 200); do
		grep -q "pipeline: .* reader(s)" "$tmp/run-$run.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep "$((RANDOM % 2 + 1)).$((RANDOM % 10))"
	kill -9 "$unit_pid" 2>/dev/null
	wait "$unit_pid" 2>/dev/null
done
stop_bof
start_bof server
drain_unit
status=$?
check "drain after $cycles kill -9 cycles: exit 0 (got $status)" '[ $status -eq 0 ]'
check "drain: every stored read delivered" 'grep -q "every stored read is delivered" "$tmp/run-$run.log"'
sleep 1.5 # the back office rewrites its report every second

cat "$tmp"/run-*.log | grep -o "read unit7-[0-9]* stored" | awk '{print $2}' | sort -u >"$tmp/stored.txt"
$py -c 'import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("select id from reads")]' \
	"$tmp/bo.db" | sort >"$tmp/bo.txt"
stored=$(wc -l <"$tmp/stored.txt")
missing=$(comm -23 "$tmp/stored.txt" "$tmp/bo.txt" | wc -l)
dups_in_db=$(uniq -d "$tmp/bo.txt" | wc -l)
redelivered=$(jget "$tmp/bo.json" duplicates)
echo "kill -9: $cycles cycles, $stored reads reported stored, $(wc -l <"$tmp/bo.txt") at the back office," \
	"$missing missing, $redelivered re-deliveries (acknowledged duplicate)"
check "reads were stored across the kill cycles ($stored)" '[ "$stored" -ge 20 ]'
check "every read reported stored reached the back office ($missing missing)" '[ "$missing" -eq 0 ]'
check "no read stored twice at the back office" '[ "$dups_in_db" -eq 0 ]'
check "every signature verified" '[ "$(jget "$tmp/bo.json" bad_signatures)" = 0 ] && [ "$(jget "$tmp/bo.json" rejected)" = 0 ]'
check "hash chain unbroken, no sequence gaps" '[ "$(jget "$tmp/bo.json" chain_breaks)" = 0 ] && [ "$(jget "$tmp/bo.json" missing_seqs)" = 0 ]'

# ---- damaged segments: detected, reported, the unit runs on ----
# A whole play of the clip while the back office is unreachable: every read stays pending.
"$anprd" "${unit[@]}" --set uplink.url=https://localhost:1 --source "file:$tmp/clip.avi" --linger 0 \
	--report "$tmp/pending.json" 2>/dev/null
check "reads pending before the damage ($(jget "$tmp/pending.json" spool.pending))" '[ "$(jget "$tmp/pending.json" spool.pending)" -ge 5 ]'
$py - "$tmp/data" <<'EOF'
import os, random, sys
random.seed(99)
segs = sorted(f for f in os.listdir(sys.argv[1]) if f.endswith(".spl"))
last = os.path.join(sys.argv[1], segs[-1])
data = bytearray(open(last, "rb").read())
for _ in range(3):  # bit flips among the reads not yet delivered
    i = random.randrange(len(data) // 4, len(data) - 100)
    data[i] ^= 1 << random.randrange(8)
open(last, "wb").write(bytes(data))
# a torn tail
size = os.path.getsize(last)
if size > 100:
    os.truncate(last, size - 37)
EOF
drain_unit
status=$?
check "damaged segments: anprd starts and runs (exit $status)" '[ $status -eq 0 ]'
check "damage counted" '[ "$(jget "$tmp/report-$run.json" spool.corrupt)" -gt 0 ] || [ "$(jget "$tmp/report-$run.json" spool.torn)" -gt 0 ]'
check "damaged reads reported to the back office as gaps" 'sleep 1.5; [ "$(jget "$tmp/bo.json" reported_gaps)" -gt 0 ]'

# ---- back office down: reads wait, then drain ----
stop_bof
before=$(db_reads)
"$anprd" "${unit[@]}" --set "uplink.url=$(url)" --source "file:$tmp/clip.avi" --linger 2 \
	--report "$tmp/outage.json" 2>"$tmp/outage.log"
pending=$(jget "$tmp/outage.json" spool.pending)
check "outage: reads kept pending ($pending)" '[ "$pending" -gt 0 ]'
start_bof server
drain_unit
sleep 1.5
check "after the outage the backlog is delivered" 'grep -q "every stored read is delivered" "$tmp/run-$run.log"'
check "the back office got the backlog" '[ "$(db_reads)" -ge "$((before + pending))" ]'

# ---- a wrong server certificate: nothing is sent ----
stop_bof
start_bof wrong/server
before=$(jget "$tmp/bo.json" received)
"$anprd" "${unit[@]}" --set "uplink.url=$(url)" --source "file:$tmp/clip.avi" --linger 3 \
	--report "$tmp/wrong.json" 2>"$tmp/wrong.log"
sleep 1.5
check "wrong server certificate: nothing delivered" '[ "$(jget "$tmp/wrong.json" uplink.delivered)" = 0 ] && [ "$(jget "$tmp/bo.json" received)" = "$before" ]'
check "wrong server certificate: the unit says why" 'grep -qi "certificate\|SSL" "$tmp/wrong.log"'

# ---- retention: 8 days later, undelivered reads are deleted, not sent ----
stop_bof
start_bof server
"$anprd" "${unit[@]}" --set uplink.url= --source "file:$tmp/clip.avi" --report "$tmp/old.json" 2>/dev/null
old=$(jget "$tmp/old.json" spool.pending)
before=$(db_reads)
ANPR_TEST_CLOCK_OFFSET_MS=$((8 * 86400 * 1000)) drain_unit
sleep 1.5
check "retention: old reads expired ($(jget "$tmp/report-$run.json" spool.expired) of $old pending)" '[ "$(jget "$tmp/report-$run.json" spool.expired)" -ge "$old" ]'
check "retention: expired reads reported as gaps" '[ "$(jget "$tmp/bo.json" reported_gap_seqs)" -ge "$old" ]'
check "retention: new reads still delivered" '[ "$(db_reads)" -gt "$before" ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
