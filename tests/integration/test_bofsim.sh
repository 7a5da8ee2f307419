#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anpr-bofsim, the back-office simulator, with real signed reads: anprd makes a device key and reads
# from a synthetic clip, make-dev-pki.sh certifies the key, and curl (the unit's side) posts batches
# over mutual TLS. Checks stored / duplicate / rejected, refused clients (no certificate, wrong CA,
# wrong server), the health endpoint, misbehaving clients, gaps and chain breaks, fault injection,
# keep-alive and the report counts.
# Usage: test_bofsim.sh ANPRD ANPR_SYNTH ANPR_BOFSIM MAKE_DEV_PKI BOFSIM_CLIENT [EMULATOR...]
set -u
anprd=$1 synth=$2 bofsim=$3 make_pki=$4 client=$5
shift 5
run=("$@" "$anprd")
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi; }
py=/usr/bin/python3
[ -x $py ] || py=python3
command -v curl >/dev/null || { echo "curl is missing (tools/install-deps.sh installs it)"; exit 1; }
command -v openssl >/dev/null || { echo "openssl is missing (tools/install-deps.sh installs it)"; exit 1; }

# ---- real reads: a device key and a short clip through anprd ----
keys=$tmp/keys
mkdir -m 700 "$keys"
"${run[@]}" --set "signing.key_file=$keys/unit.pem" --gen-key >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
"${run[@]}" --set "signing.key_file=$keys/other.pem" --gen-key >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
"$synth" clip --seed 404 --out "$tmp/clip.avi" --frame 1280x720 --vehicles 8 --duration 12 --look mixed \
	--hard-share 0 >/dev/null 2>"$tmp/synth.log" || { cat "$tmp/synth.log"; echo "anpr-synth clip failed"; exit 1; }
# Reads as envelope files (NNNNNNNNNNNN.read.json): the folder store, chosen explicitly where anprd has others.
store_opts=()
"${run[@]}" --set store.backend=folder --check-config >/dev/null 2>&1 && store_opts=(--set store.backend=folder)
"${run[@]}" --set "signing.key_file=$keys/unit.pem" --set pipeline.replay_pace=fast "${store_opts[@]}" \
	--start-time 2026-11-21T12:00:00.000Z --set "store.dir=$tmp/reads" --source "file:$tmp/clip.avi" \
	2>"$tmp/anprd.log" || { tail -5 "$tmp/anprd.log"; echo "anprd failed"; exit 1; }
n=$(ls "$tmp/reads" | wc -l)
check "anprd made at least 4 reads (got $n)" '[ "$n" -ge 4 ]'
[ "$n" -ge 4 ] || { echo "$passed passed, $failed failed"; exit 1; }

# ---- the PKI ----
pki=$tmp/pki
"$make_pki" "$pki" "$keys/unit.pem" "$keys/other.pem" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
check "make-dev-pki: device certificates chain to the CA" \
	'openssl verify -CAfile "$pki/ca.pem" "$pki/devices/unit.pem" "$pki/server.pem" >/dev/null'
check "make-dev-pki: private keys are 0600" \
	'[ "$(stat -c %a "$pki/ca.key")" = 600 ] && [ "$(stat -c %a "$pki/server.key")" = 600 ]'
check "make-dev-pki: the certificate carries the device key" \
	'[ "$(openssl x509 -in "$pki/devices/unit.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)" = "$(openssl pkey -in "$keys/unit.pem" -pubout -outform DER | sha256sum)" ]'
before=$(sha256sum "$pki"/*.pem "$pki"/devices/*.pem)
"$make_pki" "$pki" "$keys/unit.pem" "$keys/other.pem" >/dev/null 2>&1
check "make-dev-pki: idempotent" '[ $? -eq 0 ] && [ "$(sha256sum "$pki"/*.pem "$pki"/devices/*.pem)" = "$before" ]'

# ---- helpers ----
# start NAME [OPTION...]: anpr-bofsim on a free port with database and report NAME.*; sets pid and port.
start() {
	local name=$1
	shift
	# Emptied here, not by the child's redirection, so a previous run's port is never read.
	: >"$tmp/$name.out"
	rm -f "$tmp/$name.json"
	"$bofsim" --listen 127.0.0.1:0 --cert "$pki/${server_dir:-.}/server.pem" --key "$pki/${server_dir:-.}/server.key" \
		--ca "$pki/ca.pem" --db "$tmp/$name.db" --report "$tmp/$name.json" "$@" >"$tmp/$name.out" \
		2>"$tmp/$name.err" &
	pid=$!
	port=""
	for _ in $(seq 100); do
		port=$(awk '/^listening on /{print $3}' "$tmp/$name.out")
		[ -n "$port" ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "anpr-bofsim $name did not start:"; cat "$tmp/$name.err"; }
}
# stop: SIGTERM, sets status.
stop() {
	kill -TERM $pid
	wait $pid
	status=$?
	pid=""
}
# rep NAME KEY: a field of the report (statuses.NNN for a status count).
rep() {
	$py -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d.get(k, 0) if isinstance(d, dict) else 0
print(d)' "$tmp/$1.json" "$2"
}
# post BODY [CERT KEY CA]: curl POST /v1/reads; prints the HTTP status, body in $tmp/resp.
post() {
	curl -sS -o "$tmp/resp" -w '%{http_code}' --max-time 30 --cacert "${4:-$pki/ca.pem}" \
		--cert "${2:-$pki/devices/unit.pem}" --key "${3:-$keys/unit.pem}" -H 'Content-Type: application/json' \
		-H 'User-Agent: anprd/test' --data-binary "@$1" "https://localhost:$port/v1/reads" 2>"$tmp/curl.err"
}
# count STATUS: how many results in $tmp/resp have that status.
count() { $py -c 'import json, sys; print(sum(r["status"] == sys.argv[2] for r in json.load(open(sys.argv[1]))["results"]))' "$tmp/resp" "$1"; }
client() { $py "$client" "$@"; }

client batch "$tmp/reads" "$tmp/all.json"
client batch "$tmp/reads" "$tmp/tampered.json" --tamper-payload 1
client batch "$tmp/reads" "$tmp/image.json" --tamper-image 2
client batch "$tmp/reads" "$tmp/too_many.json" --extra 64
client batch "$tmp/reads" "$tmp/gap.json" --only 0 --gap 900:902:evicted
last=$((n - 1))
client batch "$tmp/reads" "$tmp/hole.json" --only "$(seq -s, 0 $((n - 3))),$last"
client batch "$tmp/reads" "$tmp/filler.json" --only $((n - 2))

# ---- the main server ----
start main
check "listening on a picked port" '[ -n "$port" ]'
code=$(curl -sS -o "$tmp/resp" -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" \
	--key "$keys/unit.pem" "https://localhost:$port/v1/health")
check "health: 200 {\"status\":\"ok\"}" '[ "$code" = 200 ] && grep -q "\"status\":\"ok\"" "$tmp/resp"'
sleep 1.2
check "the report is written while running" '[ -s "$tmp/main.json" ] && [ "$(rep main requests)" -ge 1 ]'

code=$(post "$tmp/all.json")
check "batch of $n real reads: 200, all stored (got $code, $(count stored 2>/dev/null))" \
	'[ "$code" = 200 ] && [ "$(count stored)" -eq "$n" ]'
code=$(post "$tmp/all.json")
check "the same batch again: all duplicate" '[ "$code" = 200 ] && [ "$(count duplicate)" -eq "$n" ]'
code=$(post "$tmp/tampered.json")
check "one payload character flipped: that read rejected (signature), the rest duplicate" \
	'[ "$code" = 200 ] && [ "$(count rejected)" -eq 1 ] && [ "$(count duplicate)" -eq $((n - 1)) ] && grep -q "signature does not verify" "$tmp/resp"'
code=$(post "$tmp/image.json")
check "one image byte changed: rejected (digest)" \
	'[ "$code" = 200 ] && [ "$(count rejected)" -eq 1 ] && grep -q "digest" "$tmp/resp"'
code=$(post "$tmp/all.json" "$pki/devices/other.pem" "$keys/other.pem")
check "reads sent with another device's certificate: all rejected (kid)" \
	'[ "$code" = 200 ] && [ "$(count rejected)" -eq "$n" ] && grep -q "kid" "$tmp/resp"'
code=$(post "$tmp/too_many.json")
check "more than 64 reads: 413" '[ "$code" = 413 ]'
printf '{"device":"anpr-0000","reads":[' >"$tmp/bad.json"
code=$(post "$tmp/bad.json")
check "truncated JSON: 400" '[ "$code" = 400 ]'
printf '{"device":"anpr-0000","sent_at":"x","reads":{}}' >"$tmp/bad.json"
code=$(post "$tmp/bad.json")
check "reads not an array: 422" '[ "$code" = 422 ]'
code=$(post "$tmp/gap.json")
check "a batch with a reported gap: 200" '[ "$code" = 200 ] && [ "$(count duplicate)" -eq 1 ]'
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" \
	--key "$keys/unit.pem" -H 'Content-Type: text/plain' --data-binary '{}' "https://localhost:$port/v1/reads")
check "wrong Content-Type: 415" '[ "$code" = 415 ]'
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" \
	--key "$keys/unit.pem" "https://localhost:$port/v1/reads")
check "GET /v1/reads: 405" '[ "$code" = 405 ]'
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" \
	--key "$keys/unit.pem" "https://localhost:$port/nope")
check "unknown path: 404" '[ "$code" = 404 ]'

# Refused clients: curl must fail before any HTTP status.
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$pki/ca.pem" "https://localhost:$port/v1/health" 2>/dev/null)
check "no client certificate: refused in the handshake (got $code)" '[ "$code" = 000 ]'
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$pki/ca.pem" \
	--cert "$pki/wrong/devices/unit.pem" --key "$keys/unit.pem" "https://localhost:$port/v1/health" 2>/dev/null)
check "client certificate from another CA: refused (got $code)" '[ "$code" = 000 ]'
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$pki/wrong/ca.pem" \
	--cert "$pki/devices/unit.pem" --key "$keys/unit.pem" "https://localhost:$port/v1/health" 2>/dev/null)
check "client pinning another CA refuses the server (got $code)" '[ "$code" = 000 ]'

# Misbehaving clients: each answered or dropped, and the server goes on.
r=$(client raw $port plain "$pki/devices/unit.pem" "$keys/unit.pem" "$pki/ca.pem")
check "plain HTTP to the TLS port: closed ($r)" '[ "$r" = closed ]'
r=$(client raw $port garbage "$pki/devices/unit.pem" "$keys/unit.pem" "$pki/ca.pem")
check "garbage bytes: closed ($r)" '[ "$r" = closed ]'
r=$(client raw $port huge-header "$pki/devices/unit.pem" "$keys/unit.pem" "$pki/ca.pem")
check "20 KiB header: 431 ($r)" '[ "$r" = 431 ]'
r=$(client raw $port mid-body "$pki/devices/unit.pem" "$keys/unit.pem" "$pki/ca.pem")
check "disconnect mid-body: no crash ($r)" 'kill -0 $pid'
r=$(client raw $port big-body "$pki/devices/unit.pem" "$keys/unit.pem" "$pki/ca.pem")
check "Content-Length over 8 MiB: 413 before the body ($r)" '[ "$r" = 413 ]'
r=$(client raw $port pipelined "$pki/devices/unit.pem" "$keys/unit.pem" "$pki/ca.pem")
check "two pipelined requests: two answers ($r)" '[ "$r" = "200 200" ]'
r=$(client raw $port chunked "$pki/devices/unit.pem" "$keys/unit.pem" "$pki/ca.pem")
check "chunked body: 501 ($r)" '[ "$r" = 501 ]'
conns=$(sleep 1.2; rep main connections)
curl -sS -o /dev/null -o /dev/null --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" --key "$keys/unit.pem" \
	"https://localhost:$port/v1/health" "https://localhost:$port/v1/health"
sleep 1.2
check "keep-alive: two requests on one connection" '[ "$(rep main connections)" -eq $((conns + 1)) ]'
code=$(curl -sS -o "$tmp/resp" -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" \
	--key "$keys/unit.pem" "https://localhost:$port/v1/health")
check "still healthy after all that" '[ "$code" = 200 ]'

stop
check "SIGTERM: exit 0 (got $status)" '[ $status -eq 0 ]'
check "SIGTERM: counters printed" 'grep -q "\"stored\":$n," "$tmp/main.out"'
check "report: received $((5 * n + 1)), stored $n, duplicates $((3 * n - 1))" \
	'[ "$(rep main received)" -eq $((5 * n + 1)) ] && [ "$(rep main stored)" -eq "$n" ] && [ "$(rep main duplicates)" -eq $((3 * n - 1)) ]'
check "report: rejected $((n + 2)), bad_signatures 1" \
	'[ "$(rep main rejected)" -eq $((n + 2)) ] && [ "$(rep main bad_signatures)" -eq 1 ]'
check "report: no gaps or chain breaks, one reported gap of 3" \
	'[ "$(rep main gaps)" -eq 0 ] && [ "$(rep main chain_breaks)" -eq 0 ] && [ "$(rep main reported_gaps)" -eq 1 ] && [ "$(rep main reported_gap_seqs)" -eq 3 ]'
check "report: per-status counts" '[ "$(rep main statuses.413)" -eq 2 ] && [ "$(rep main statuses.400)" -eq 1 ] && [ "$(rep main statuses.422)" -eq 1 ]'
check "report: handshake failures counted" '[ "$(rep main handshake_failures)" -ge 4 ]'
check "database: $n reads with their images" \
	'[ "$($py -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM reads WHERE length(patch_jpeg) > 0 AND length(overview_jpeg) > 0\").fetchone()[0])" "$tmp/main.db")" -eq "$n" ]'
$py -c 'import base64, json, os, sys
for n in sorted(os.listdir(sys.argv[1])):
    p = json.load(open(os.path.join(sys.argv[1], n)))["jws"].split(".")[1]
    print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["vrm"])' "$tmp/reads" >"$tmp/vrms"
check "no plate text in the log" '[ -s "$tmp/vrms" ] && ! grep -qf "$tmp/vrms" "$tmp/main.err"'

# ---- gaps and the hash chain, order independent ----
start chain
post "$tmp/hole.json" >/dev/null
sleep 1.2
check "a missing read: one gap" '[ "$(rep chain gaps)" -eq 1 ] && [ "$(rep chain missing_seqs)" -eq 1 ]'
post "$tmp/filler.json" >/dev/null
client forge "$tmp/reads" "$keys/unit.pem" "$tmp/forged.json" --seq $((n + 1))
forge=$?
if [ $forge -eq 0 ]; then
	code=$(post "$tmp/forged.json")
	check "a validly signed read with a wrong prev_sha256 is stored" '[ "$code" = 200 ] && [ "$(count stored)" -eq 1 ]'
fi
stop
check "the late read fills the gap" '[ "$(rep chain gaps)" -eq 0 ] && [ "$(rep chain missing_seqs)" -eq 0 ]'
[ $forge -eq 0 ] && check "the chain break is counted" '[ "$(rep chain chain_breaks)" -eq 1 ]'

# ---- fault injection ----
start faults --fail-429 1 --retry-after 7
curl -sS -D "$tmp/headers" -o /dev/null --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" --key "$keys/unit.pem" \
	-H 'Content-Type: application/json' --data-binary "@$tmp/all.json" "https://localhost:$port/v1/reads"
check "--fail-429: 429 with Retry-After: 7" 'grep -q "^HTTP/1.1 429" "$tmp/headers" && grep -qi "^Retry-After: 7" "$tmp/headers"'
stop
check "--fail-429: nothing stored" '[ "$(rep faults stored)" -eq 0 ] && [ "$(rep faults injected_429)" -eq 1 ]'
start faults --fail-500 1
code=$(post "$tmp/all.json")
check "--fail-500: 500" '[ "$code" = 500 ]'
stop
start faults --drop-after-store 1 --seed 3
code=$(post "$tmp/all.json")
check "--drop-after-store: no answer (got $code)" '[ "$code" = 000 ]'
stop
check "--drop-after-store: but stored" '[ "$(rep faults stored)" -eq "$n" ] && [ "$(rep faults dropped_after_store)" -eq 1 ]'
start faults
code=$(post "$tmp/all.json")
check "the retry after a dropped answer: all duplicate" '[ "$code" = 200 ] && [ "$(count duplicate)" -eq "$n" ]'
stop
# Hostile 200s, each after storing the batch. shape: what $tmp/resp holds against the ids sent.
shape() {
	$py -c 'import json, sys
sent = [r["id"] for r in json.load(open(sys.argv[1]))["reads"]]
raw = open(sys.argv[2], "rb").read()
try:
    ids = [r["id"] for r in json.loads(raw)["results"]]
except (ValueError, KeyError, TypeError):
    print("notjson", len(raw)); sys.exit()
print("json", len(raw), len(sent), len(ids), sum(i in sent for i in ids), len(set(ids)))' "$tmp/all.json" "$tmp/resp"
}
for fault in garbage huge wrong-ids partial; do
	start "reply-$fault" --reply-$fault 1 --seed 5
	code=$(post "$tmp/all.json")
	got=$(shape)
	stop
	check "--reply-$fault: 200 after storing the batch (got $code)" \
		'[ "$code" = 200 ] && [ "$(rep "reply-$fault" stored)" -eq "$n" ] && [ "$(rep "reply-$fault" "reply_${fault/-/_}")" -eq 1 ]'
	case $fault in
	garbage) check "--reply-garbage: the body is not JSON ($got)" '[ "${got%% *}" = notjson ]' ;;
	huge) check "--reply-huge: 3 MiB of JSON with every result ($got)" '[ "$got" = "json 3145728 $n $n $n $n" ]' ;;
	wrong-ids) check "--reply-wrong-ids: one result per read for an id not sent, plus one right ($got)" \
		'[ "$(echo "$got" | cut -d" " -f1,3-)" = "json $n $((n + 1)) 1 $((n + 1))" ]' ;;
	partial) check "--reply-partial: half the ids ($got)" \
		'[ "$(echo "$got" | cut -d" " -f1,3-)" = "json $n $((n / 2)) $((n / 2)) $((n / 2))" ]' ;;
	esac
done
start faults --reject-all
code=$(post "$tmp/all.json")
check "--reject-all: 401" '[ "$code" = 401 ]'
stop
start faults --refuse
code=$(post "$tmp/all.json")
check "--refuse: connection closed (got $code)" '[ "$code" = 000 ]'
stop
check "--refuse: counted" '[ "$(rep faults refused)" -ge 1 ]'
start faults --slow-ms 400
t0=$(date +%s%N)
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" \
	--key "$keys/unit.pem" "https://localhost:$port/v1/health")
t1=$(date +%s%N)
check "--slow-ms 400: answered after at least 400 ms" '[ "$code" = 200 ] && [ $(((t1 - t0) / 1000000)) -ge 400 ]'
stop
server_dir=wrong start wrongserver
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$pki/ca.pem" --cert "$pki/devices/unit.pem" \
	--key "$keys/unit.pem" "https://localhost:$port/v1/health" 2>/dev/null)
check "a server certificate from another CA is refused by the client (got $code)" '[ "$code" = 000 ]'
stop

# ---- command line ----
"$bofsim" --cert x >/dev/null 2>"$tmp/err"
check "missing options: exit 64" '[ $? -eq 64 ] && grep -q "required" "$tmp/err"'
"$bofsim" --fail-500 2 --cert a --key b --ca c --db d >/dev/null 2>"$tmp/err"
check "bad probability: exit 64" '[ $? -eq 64 ]'
"$bofsim" --reply-partial -0.5 --cert a --key b --ca c --db d >/dev/null 2>"$tmp/err"
check "bad --reply-partial probability: exit 64 naming it" '[ $? -eq 64 ] && grep -q reply-partial "$tmp/err"'
"$bofsim" --listen 127.0.0.1:0 --cert "$tmp/nothing.pem" --key "$pki/server.key" --ca "$pki/ca.pem" \
	--db "$tmp/x.db" >/dev/null 2>"$tmp/err"
check "unreadable certificate: exit 78 naming it" '[ $? -eq 78 ] && grep -q nothing.pem "$tmp/err"'
"$bofsim" --listen 127.0.0.1:0 --cert "$pki/server.pem" --key "$pki/wrong/server.key" --ca "$pki/ca.pem" \
	--db "$tmp/x.db" >/dev/null 2>"$tmp/err"
check "key not matching the certificate: exit 78" '[ $? -eq 78 ]'
"$bofsim" --help | grep -q "Exit status"
check "--help documents the exit statuses" '[ $? -eq 0 ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
