#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The uplink against a hostile back office: anpr-bofsim stores each batch, then (about 30% of
# the time each) answers 200 with a body that is not JSON, a 3 MiB body past the unit's 1 MiB
# cap, results for ids the unit never sent, or results for half of the batch only. None of
# these acknowledges the reads it leaves out, so the unit must resend them and hear
# "duplicate". Then the back office is restarted without faults and the unit drains. anprd
# must never crash, every read it reported stored must be at the back office exactly once, and
# its log must say what was wrong with the replies.
# Usage: test_uplink_hostile.sh ANPRD ANPR_SYNTH ANPR_BOFSIM MAKE_DEV_PKI
set -u
anprd=$1 synth=$2 bofsim=$3 pki_sh=$4
tmp=$(mktemp -d)
bof_pid=
cleanup() {
	[ -n "$bof_pid" ] && kill "$bof_pid" 2>/dev/null && wait "$bof_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }
py=/usr/bin/python3
[ -x $py ] || py=python3
jget() { $py -c 'import json,sys; d=json.load(open(sys.argv[1])); [d := d[k] for k in sys.argv[2].split(".")]; print(d)' "$1" "$2" 2>/dev/null; }

mkdir -m 700 "$tmp/keys"
key=$tmp/keys/unit9.pem
"$anprd" --set "signing.key_file=$key" --gen-key >/dev/null 2>&1 || { echo "gen-key failed"; exit 1; }
"$pki_sh" "$tmp/pki" "$key" >/dev/null 2>"$tmp/pki.log" || { cat "$tmp/pki.log"; exit 1; }
"$synth" clip --seed 909 --out "$tmp/clip.avi" --frame 1280x720 --vehicles 16 --duration 24 --hard-share 0 \
	>/dev/null 2>&1 || { echo "anpr-synth clip failed"; exit 1; }

# The back office; its database persists across the restart, its report does not (saved aside).
start_bof() { # [fault flags...]
	rm -f "$tmp/bof.out"
	"$bofsim" --listen 127.0.0.1:${port:-0} --cert "$tmp/pki/server.pem" --key "$tmp/pki/server.key" \
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

# Small batches and a short backoff: many replies, quickly.
unit=(--set device.id=unit9 --set "signing.key_file=$key" --set "store.dir=$tmp/data"
	--set "store.key_file=$tmp/keys/store.key" --set tracker.repeat_window_s=0
	--set uplink.ca_file="$tmp/pki/ca.pem" --set uplink.cert_file="$tmp/pki/devices/unit9.pem"
	--set uplink.batch=4 --set uplink.backoff_max_s=1 --set pipeline.replay_pace=fast)
run=0
# One play of the clip, then up to LINGER seconds delivering; the log is $tmp/run-N.log.
run_unit() { # LINGER
	run=$((run + 1))
	"$anprd" "${unit[@]}" --set "uplink.url=https://localhost:$port" --source "file:$tmp/clip.avi" \
		--linger "$1" --report "$tmp/report-$run.json" 2>"$tmp/run-$run.log"
}

# ---- the hostile back office: two plays of the clip ----
start_bof --reply-garbage 0.3 --reply-huge 0.3 --reply-wrong-ids 0.3 --reply-partial 0.3 --seed 11
statuses=
for _ in 1 2; do
	run_unit 10
	statuses="$statuses $?"
done
stop_bof
tail -n 1 "$tmp/bof.out" >"$tmp/hostile-report.json" # the final counters
check "hostile back office: anprd exits 0 every time (got$statuses)" '[ "$statuses" = " 0 0" ]'
for f in reply_garbage reply_huge reply_wrong_ids reply_partial; do
	check "fault $f injected ($(jget "$tmp/hostile-report.json" $f))" '[ "$(jget "$tmp/hostile-report.json" $f)" -gt 0 ]'
done
hostile_logs=$(seq -f "$tmp/run-%g.log" 1 $run)
# shellcheck disable=SC2086 # one path per word
{
	check "the unit names a reply that is not JSON" 'cat $hostile_logs | grep -q "not a valid acknowledgement"'
	check "the unit names a reply over its cap" 'cat $hostile_logs | grep -q "reply too large"'
	check "the unit names reads left unacknowledged" 'cat $hostile_logs | grep -q "not acknowledged"'
	check "no read of the unit was quarantined" '! cat $hostile_logs | grep -q "quarantined"'
}

# ---- nothing but junk: the unit believes none of it and backs off as after a 5xx ----
# (Resending at once, ~20 requests a second here, would let a broken back office or a proxy
# answering 200 with its own page be hammered by every unit.)
start_bof --reply-garbage 1 --seed 12
t0=$(date +%s%N)
run_unit 0
status=$?
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
stop_bof
tail -n 1 "$tmp/bof.out" >"$tmp/junk-report.json"
junk_requests=$(jget "$tmp/report-$run.json" uplink.requests)
echo "junk only: $junk_requests requests in $elapsed_ms ms, $(jget "$tmp/junk-report.json" stored) reads stored unacknowledged"
check "junk only: anprd exits 0 (got $status)" '[ $status -eq 0 ]'
check "junk only: the back office stored reads" '[ "$(jget "$tmp/junk-report.json" stored)" -gt 0 ]'
check "junk only: the unit took none as delivered" \
	'[ "$(jget "$tmp/report-$run.json" uplink.delivered)" = 0 ] && [ "$(jget "$tmp/report-$run.json" uplink.duplicates)" = 0 ]'
# uplink.backoff_max_s=1 with full jitter: ~2 a second; resending at once: ~20.
check "junk only: the unit backs off ($junk_requests requests in $elapsed_ms ms)" \
	'[ "$junk_requests" -ge 2 ] && [ $((junk_requests * 1000)) -lt $((6 * elapsed_ms)) ]'

# ---- a well-behaved back office: the rest drains ----
start_bof
run_unit 60
status=$?
check "drain: anprd exits 0 (got $status)" '[ $status -eq 0 ]'
check "drain: every stored read delivered" 'grep -q "every stored read is delivered" "$tmp/run-$run.log"'
stop_bof
tail -n 1 "$tmp/bof.out" >"$tmp/drain-report.json"
check "drain: the junk phase's reads came back duplicate" '[ "$(jget "$tmp/drain-report.json" duplicates)" -gt 0 ]'

cat "$tmp"/run-*.log | grep -o "read unit9-[0-9]* stored" | awk '{print $2}' | sort -u >"$tmp/stored.txt"
$py -c 'import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("select id from reads")]' \
	"$tmp/bo.db" | sort >"$tmp/bo.txt"
stored=$(wc -l <"$tmp/stored.txt")
missing=$(comm -23 "$tmp/stored.txt" "$tmp/bo.txt" | wc -l)
dups_in_db=$(uniq -d "$tmp/bo.txt" | wc -l)
seq_twice=$($py -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) - count(distinct seq) from reads").fetchone()[0])' "$tmp/bo.db")
seq_range=$($py -c 'import sqlite3,sys; print("%s..%s" % sqlite3.connect(sys.argv[1]).execute("select min(seq), max(seq) from reads").fetchone())' "$tmp/bo.db")
reported_total=0
for f in "$tmp"/report-*.json; do
	reported_total=$((reported_total + $(jget "$f" reads_stored)))
done
redelivered=$(($(jget "$tmp/hostile-report.json" duplicates) + $(jget "$tmp/junk-report.json" duplicates) +
	$(jget "$tmp/drain-report.json" duplicates)))
faults=0
for f in reply_garbage reply_huge reply_wrong_ids reply_partial; do
	faults=$((faults + $(jget "$tmp/hostile-report.json" $f)))
done
echo "hostile replies: $faults injected (garbage $(jget "$tmp/hostile-report.json" reply_garbage)," \
	"huge $(jget "$tmp/hostile-report.json" reply_huge), wrong ids $(jget "$tmp/hostile-report.json" reply_wrong_ids)," \
	"partial $(jget "$tmp/hostile-report.json" reply_partial)) in $(jget "$tmp/hostile-report.json" batches) batches;" \
	"$reported_total reads stored by anprd ($stored logged), $(wc -l <"$tmp/bo.txt") at the back office, $missing missing," \
	"$redelivered re-deliveries (acknowledged duplicate)"
check "reads were stored ($reported_total)" '[ "$reported_total" -ge 40 ]'
check "every read reported stored reached the back office ($missing missing)" '[ "$missing" -eq 0 ]'
check "no read stored twice at the back office" '[ "$dups_in_db" -eq 0 ] && [ "$seq_twice" = 0 ]'
# "read <id> stored" is rate-limited in the log: the counts and sequence numbers cover the rest.
check "as many reads at the back office as anprd stored ($reported_total), sequence numbers $seq_range" \
	'[ "$(wc -l <"$tmp/bo.txt")" -eq "$reported_total" ] && [ "$seq_range" = "1..$reported_total" ]'
check "reads left unacknowledged were sent again ($redelivered duplicates)" '[ "$redelivered" -gt 0 ]'
check "no conflicting re-delivery, nothing rejected" \
	'[ "$(jget "$tmp/hostile-report.json" duplicate_conflicts)" = 0 ] && [ "$(jget "$tmp/drain-report.json" duplicate_conflicts)" = 0 ] &&
	 [ "$(jget "$tmp/hostile-report.json" rejected)" = 0 ] && [ "$(jget "$tmp/drain-report.json" rejected)" = 0 ]'
check "hash chain unbroken, no sequence gaps" \
	'[ "$(jget "$tmp/drain-report.json" chain_breaks)" = 0 ] && [ "$(jget "$tmp/drain-report.json" missing_seqs)" = 0 ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
