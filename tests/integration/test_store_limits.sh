#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Store and forward at its limits, with the real anprd and anpr-bofsim.
#   disk-full:  the ring buffer on a 2 MiB tmpfs, far below store.max_mb. When the disk fills,
#               the oldest segments go (counted, alarmed), live reads are still stored, anprd
#               keeps running, exits cleanly and starts again on the full disk.
#               Needs root (mount); exits 77 (skipped) otherwise.
#   live-first: a backlog of reads from two hours ago drains at a low uplink.backlog_rate while
#               a live clip plays in real time: every live read reaches the back office within
#               seconds of its capture although the backlog is still draining; then the whole
#               backlog arrives, each read exactly once.
# Usage: test_store_limits.sh disk-full|live-first ANPRD ANPR_SYNTH ANPR_BOFSIM MAKE_DEV_PKI
set -u
mode=$1 anprd=$2 synth=$3 bofsim=$4 pki_sh=$5
tmp=$(mktemp -d)
bof_pid= mounted=
cleanup() {
	[ -n "$bof_pid" ] && kill "$bof_pid" 2>/dev/null && wait "$bof_pid" 2>/dev/null
	pkill -9 -f "$tmp/" 2>/dev/null
	[ -n "$mounted" ] && umount "$tmp/data" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }
py=/usr/bin/python3
[ -x $py ] || py=python3
jget() { $py -c 'import json,sys; d=json.load(open(sys.argv[1])); [d := d[k] for k in sys.argv[2].split(".")]; print(d)' "$1" "$2" 2>/dev/null; }

mkdir -m 700 "$tmp/keys" "$tmp/data"
key=$tmp/keys/unit9.pem
"$anprd" --set "signing.key_file=$key" --gen-key >/dev/null 2>&1 || { echo "gen-key failed"; exit 1; }
unit=(--set device.id=unit9 --set "signing.key_file=$key" --set "store.dir=$tmp/data"
	--set "store.key_file=$tmp/keys/store.key" --set store.segment_mb=1 --set tracker.repeat_window_s=0)

disk_full() {
	if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=2m,mode=0700 anpr-test "$tmp/data" 2>/dev/null; then
		echo "SKIP: mounting a size-limited tmpfs needs root"
		exit 77
	fi
	mounted=1
	"$synth" clip --seed 515 --out "$tmp/clip.avi" --frame 1280x720 --vehicles 20 --duration 24 --hard-share 0 \
		>/dev/null 2>&1 || { echo "anpr-synth clip failed"; exit 1; }
	# About 28 KB a read: 2 MiB holds ~70; four plays of the clip give ~80 reads, more than it
	# holds. No uplink: nothing is ever delivered, so only eviction makes room.
	"$anprd" "${unit[@]}" --set pipeline.replay_pace=fast --source "file:$tmp/clip.avi" --loop 4 --linger 0 \
		--report "$tmp/full.json" 2>"$tmp/full.log"
	status=$?
	appended=$(jget "$tmp/full.json" spool.appended)
	evicted=$(jget "$tmp/full.json" spool.evicted)
	records=$(jget "$tmp/full.json" spool.records)
	stored=$(jget "$tmp/full.json" reads_stored)
	failed_reads=$(jget "$tmp/full.json" reads_failed)
	echo "disk full: $stored reads stored, $appended appended, $evicted evicted, $records held," \
		"$failed_reads failed; tmpfs $(df -k --output=used,size "$tmp/data" | tail -1 | awk '{print $1 " of " $2}') KiB"
	check "anprd exits 0 on a full disk (got $status)" '[ "$status" -eq 0 ]'
	check "the disk really filled (disk full logged)" 'grep -q "disk full" "$tmp/full.log"'
	check "oldest reads evicted to make room ($evicted)" '[ "${evicted:-0}" -gt 0 ]'
	check "eviction alarmed in the log" 'grep -qi "evicting" "$tmp/full.log"'
	check "live reads kept being stored: more stored ($stored) than the disk holds ($records)" \
		'[ "${stored:-0}" -gt "${records:-0}" ] && [ "${records:-0}" -gt 0 ]'
	check "every appended read is held or counted evicted" '[ $((records + evicted)) -eq "${appended:--1}" ]'
	check "no read lost to a store error (reads_failed $failed_reads)" '[ "${failed_reads:-1}" -eq 0 ]'
	check "no plate text in the log" '! grep -Eq "[A-Z]{2}[0-9]{2} ?[A-Z]{3}" "$tmp/full.log"'

	# Starts again on the full disk: recovery must not refuse, and reads are still accepted.
	"$anprd" "${unit[@]}" --set pipeline.replay_pace=fast --source "file:$tmp/clip.avi" --linger 0 \
		--report "$tmp/again.json" 2>"$tmp/again.log"
	status=$?
	check "restart on the full disk exits 0 (got $status)" '[ "$status" -eq 0 ]'
	check "restart on the full disk stores reads ($(jget "$tmp/again.json" reads_stored))" \
		'[ "$(jget "$tmp/again.json" reads_stored)" -gt 0 ]'
	check "restart: no read failed" '[ "$(jget "$tmp/again.json" reads_failed)" = 0 ]'
	check "restart: nothing corrupt after the full disk" '[ "$(jget "$tmp/again.json" spool.corrupt)" = 0 ]'
}

live_first() {
	"$pki_sh" "$tmp/pki" "$key" >/dev/null 2>"$tmp/pki.log" || { cat "$tmp/pki.log"; exit 1; }
	"$synth" clip --seed 616 --out "$tmp/clip.avi" --frame 1280x720 --vehicles 10 --duration 20 --hard-share 0 \
		>/dev/null 2>&1 || { echo "anpr-synth clip failed"; exit 1; }
	up=(--set uplink.ca_file="$tmp/pki/ca.pem" --set uplink.cert_file="$tmp/pki/devices/unit9.pem"
		--set uplink.backoff_max_s=1 --set uplink.backlog_rate=1)
	# The backlog: four plays captured two hours ago while the back office is unreachable.
	"$anprd" "${unit[@]}" "${up[@]}" --set uplink.url=https://localhost:1 --set pipeline.replay_pace=fast \
		--start-time "$(date -u -d '2 hours ago' +%Y-%m-%dT%H:%M:%SZ)" --source "file:$tmp/clip.avi" --loop 4 \
		--linger 0 --report "$tmp/backlog.json" 2>"$tmp/backlog.log"
	backlog=$(jget "$tmp/backlog.json" spool.pending)
	check "a backlog is waiting ($backlog reads)" '[ "${backlog:-0}" -ge 15 ]'

	"$bofsim" --listen 127.0.0.1:0 --cert "$tmp/pki/server.pem" --key "$tmp/pki/server.key" \
		--ca "$tmp/pki/ca.pem" --db "$tmp/bo.db" --report "$tmp/bo.json" --log-level warn \
		>"$tmp/bof.out" 2>"$tmp/bof.err" &
	bof_pid=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$tmp/bof.out" 2>/dev/null && break
		sleep 0.1
	done
	port=$(grep -o "listening on [0-9]*" "$tmp/bof.out" | grep -o "[0-9]*$")
	# Live: the clip in real time. At 1 backlog read a second the backlog outlasts it.
	"$anprd" "${unit[@]}" "${up[@]}" --set "uplink.url=https://localhost:$port" --set pipeline.replay_pace=realtime \
		--source "file:$tmp/clip.avi" --linger 120 --report "$tmp/live.json" 2>"$tmp/live.log"
	status=$?
	check "live run exits 0 (got $status)" '[ "$status" -eq 0 ]'
	check "live run: every stored read delivered before exit" 'grep -q "every stored read is delivered" "$tmp/live.log"'
	last_backlog=$(grep -o "read unit9-[0-9]* stored" "$tmp/backlog.log" | tail -1 | grep -o "[0-9]*" | tail -1)
	$py - "$tmp/bo.db" "${last_backlog:-0}" >"$tmp/live.txt" <<'EOF'
import datetime, json, sqlite3, sys

def t(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()

db = sqlite3.connect(sys.argv[1])
cut = int(sys.argv[2])
rows = [(seq, t(json.loads(p)["captured_at"]), t(r)) for seq, p, r in
        db.execute("select seq, payload, received_at from reads")]
live = [r for r in rows if r[0] > cut]
back = [r for r in rows if r[0] <= cut]
lat = sorted(r[2] - r[1] for r in live)
last_live = max((r[2] for r in live), default=0)
print(len(live), len(back), f"{lat[len(lat) // 2]:.2f}" if lat else "nan", f"{lat[-1]:.2f}" if lat else "nan",
      sum(1 for r in back if r[2] > last_live), len({r[0] for r in rows}) == len(rows))
EOF
	read -r n_live n_back lat_p50 lat_max back_after unique <"$tmp/live.txt"
	stored_live=$(jget "$tmp/live.json" reads_stored)
	echo "live first: $n_live live reads (capture to back office: median ${lat_p50} s, worst ${lat_max} s);" \
		"backlog $n_back of $backlog delivered, $back_after of them after the last live read"
	check "every live read arrived ($n_live of $stored_live)" '[ "$n_live" -eq "${stored_live:--1}" ] && [ "$n_live" -ge 5 ]'
	check "live reads arrive within seconds of capture (worst ${lat_max} s, bar 10 s)" \
		'$py -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 10 else 1)" "$lat_max"'
	check "the backlog was still draining after the last live read ($back_after reads)" '[ "$back_after" -ge 5 ]'
	check "the whole backlog arrived ($n_back of $backlog)" '[ "$n_back" -eq "$backlog" ]'
	check "each read once at the back office" '[ "$unique" = True ] && [ "$(jget "$tmp/bo.json" chain_breaks)" = 0 ]'
}

case $mode in
disk-full) disk_full ;;
live-first) live_first ;;
*) echo "usage: $0 disk-full|live-first ANPRD ANPR_SYNTH ANPR_BOFSIM MAKE_DEV_PKI" >&2; exit 2 ;;
esac
echo "store limits ($mode): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
