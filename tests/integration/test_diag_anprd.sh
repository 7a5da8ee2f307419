#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anpr-diag against the real anprd replaying a synthetic clip: the pty test's real-anprd part
# (roles and plate text, status time, aim rate through a 115200-baud reader, streams, Ctrl-C,
# config set with reload, selftest), then anprd stopped: status, buffer (read-only from disk,
# with the integrity check) and log from the journal through a fixed argv.
# With ANPR_BOFSIM: net, keys and keys csr against the back-office simulator and a dev PKI
# (a good server, then one whose certificate does not chain to the pinned CA).
# Usage: test_diag_anprd.sh ANPR_DIAG ANPRD ANPR_SYNTH [ANPR_BOFSIM]
set -u
diag=$1 anprd=$2 synth=$3 bofsim=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
[ -x "$synth" ] || { echo "SKIP: no anpr-synth at $synth"; exit 77; }
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

"$synth" clip --seed 77 --out "$tmp/clip.avi" --frame 1280x720 --vehicles 8 --duration 12 --look day \
	--hard-share 0 >/dev/null 2>"$tmp/synth.log" || { cat "$tmp/synth.log"; exit 1; }
mkdir -m 700 "$tmp/keys"
"$anprd" --set "signing.key_file=$tmp/keys/device.pem" --gen-key >/dev/null 2>&1 || { echo "--gen-key failed"; exit 1; }
sock=$tmp/control.sock
common=(--set "signing.key_file=$tmp/keys/device.pem" --set "store.key_file=$tmp/keys/store.bin"
	--set "store.dir=$tmp/store" --set "device.id=anpr-test")
"$anprd" "${common[@]}" --set "control.socket=$sock" --set pipeline.replay_pace=realtime --set tracker.repeat_window_s=0 \
	--source "file:$tmp/clip.avi" --loop 40 2>"$tmp/anprd.log" &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.2; done
check "anprd answers on its control socket" '[ -S "$sock" ]'

python3 "$here/test_diag_pty.py" "$diag" --anprd-socket "$sock" --diag-set "signing.key_file=$tmp/keys/device.pem" \
	--diag-set "store.key_file=$tmp/keys/store.bin" --diag-set "store.dir=$tmp/store" >"$tmp/pty.out" 2>&1
rc=$?
cat "$tmp/pty.out"
check "pty session against the real anprd" '[ $rc = 0 ]'

kill -TERM $pid
wait $pid
pid=
# anprd down: what anpr-diag still sees by itself.
cat >"$tmp/journalctl" <<'SH'
#!/bin/sh
# Stands in for journalctl: shows the arguments it was given, one per line.
for a in "$@"; do echo "arg: $a"; done
SH
chmod +x "$tmp/journalctl"
site=$tmp/site.ini
printf '[diag]\nusers_file = %s/users\nstate_dir = %s/state\naudit_file = %s/audit.log\n[control]\nsocket = %s\n' \
	"$tmp" "$tmp" "$tmp" "$sock" >"$site"
d=("$diag" --config "$site" "${common[@]}" --systemctl /bin/false --journalctl "$tmp/journalctl")
out=$("${d[@]}" -c status 2>&1)
check "status says anprd is down" 'grep -q "anprd is not answering" <<<"$out"'
check "status reads the buffer from disk" 'grep -Eq "^Buffer +[1-9][0-9]* reads .*read-only from disk" <<<"$out"'
before=$(find "$tmp/store" -type f -exec md5sum {} + | sort)
out=$("${d[@]}" -c "buffer check" 2>&1)
check "buffer check from disk passes" 'grep -Eq "^Check .* 0 bad .*PASS" <<<"$out"'
check "the offline buffer is not changed" '[ "$(find "$tmp/store" -type f -exec md5sum {} + | sort)" = "$before" ]'
out=$("${d[@]}" -c "log 7" 2>&1)
check "log from the journal with a fixed argv, never debug" 'grep -q "^arg: -n$" <<<"$out" && grep -q "^arg: 7$" <<<"$out" && grep -q "^arg: info$" <<<"$out" && grep -q "^arg: anprd$" <<<"$out"'
out=$("${d[@]}" -c "log 5;reboot" 2>&1)
check "no shell anywhere: 'log 5;reboot' is a bad N" 'grep -q "N is a whole number" <<<"$out"'
"${d[@]}" -c selftest >"$tmp/selftest.out" 2>&1
rc=$?
check "selftest fails (exit 1) with anprd down" '[ $rc = 1 ] && grep -q "^FAIL  anprd running" "$tmp/selftest.out"'

if [ -n "$bofsim" ] && [ -x "$bofsim" ] && command -v openssl >/dev/null; then
	"$here/../../tools/make-dev-pki.sh" "$tmp/pki" "$tmp/keys/device.pem" >/dev/null 2>&1
	"$bofsim" --listen 127.0.0.1:0 --cert "$tmp/pki/server.pem" --key "$tmp/pki/server.key" --ca "$tmp/pki/ca.pem" \
		--db "$tmp/bo.db" >"$tmp/bofsim.out" 2>"$tmp/bofsim.err" &
	pid=$!
	for _ in $(seq 50); do grep -q "listening on" "$tmp/bofsim.out" && break; sleep 0.1; done
	port=$(sed -n 's/.*listening on \([0-9]*\).*/\1/p' "$tmp/bofsim.out")
	tls=("${d[@]}" --set "uplink.url=https://localhost:$port" --set "uplink.cert_file=$tmp/pki/devices/device.pem")
	out=$("${tls[@]}" --set "uplink.ca_file=$tmp/pki/ca.pem" -c net 2>&1)
	rc=$?
	check "net: DNS, TCP, TLS to the back office, pin check passes" '[ $rc = 0 ] && grep -q "^DNS .*PASS" <<<"$out" && grep -q "^TCP .*PASS" <<<"$out" && grep -q "server: .*CN=localhost" <<<"$out" && grep -q "expires 20" <<<"$out" && grep -q "chains to the pinned CA: PASS" <<<"$out"'
	out=$("${tls[@]}" --set "uplink.ca_file=$tmp/pki/wrong/ca.pem" -c net 2>&1)
	rc=$?
	check "net: a server not from the pinned CA fails" '[ $rc = 1 ] && grep -q "FAIL: TLS: server certificate does not verify" <<<"$out"'
	check "net output fits 80 columns" '[ "$(awk "{ if (length > m) m = length } END { print m }" <<<"$out")" -le 80 ]'
	out=$("${tls[@]}" --set "uplink.url=https://127.0.0.1:1" -c net 2>&1)
	check "net: a closed port fails at TCP" 'grep -q "FAIL: TCP" <<<"$out"'
	kid=$(openssl pkey -in "$tmp/keys/device.pem" -pubout -outform DER 2>/dev/null | sha256sum | cut -d" " -f1)
	out=$("${tls[@]}" -c keys 2>&1)
	check "keys: the fingerprint is SHA-256 of the SPKI ($kid)" 'grep -q "$kid" <<<"$out" && grep -q "matches the device key: PASS" <<<"$out"'
	"${tls[@]}" -c "keys csr" >/dev/null 2>&1
	check "keys csr: a valid request for the device key" 'openssl req -in "$tmp/state/anpr-test.csr" -noout -verify 2>&1 | grep -q "verify OK" && [ "$(openssl req -in "$tmp/state/anpr-test.csr" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d" " -f1)" = "$kid" ]'
	kill $pid
	wait $pid 2>/dev/null
	pid=
else
	echo "(no anpr-bofsim or openssl: net and keys against a TLS server not checked)"
fi
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $passed -gt 0 ]
