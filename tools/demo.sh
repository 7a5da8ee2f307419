#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: shows what the firmware does so far on the default board, host-sim.
# Usage: tools/demo.sh BIN_DIR
set -euo pipefail
bin=${1:-build/host/bin}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Firmware and library versions"
"$bin/anprd" --version

step "Built-in boards"
"$bin/anprd" --list-boards

step "Effective configuration of host-sim (defaults < board < site file < --set)"
site=$(mktemp --suffix=.ini)
trap 'rm -f "$site"' EXIT
printf '# A site file as an installer writes it\n[device]\nid = demo-unit-01\nsite = M62-J24-EB\nlane = 2\n' >"$site"
"$bin/anprd" --config "$site" --set log.level=debug --print-config | sed -n '/^\[device\]/,/^\[log\]/p'
"$bin/anprd" --config "$site" --check-config

step "A mistyped site file is refused with file:line, before anything runs"
printf '[device]\nid = demo-unit-01\n[camera]\nfsp = 30\n' >"$site"
"$bin/anprd" --config "$site" --check-config || echo "(exit status $?)"

step "The main job: a roadside clip through anprd (anpr-synth clip, then anprd --source file:)"
work=$(mktemp -d)
trap 'rm -f "$site"; rm -rf "$work"' EXIT
"$bin/anpr-synth" clip --seed 2026 --out "$work/clip.avi" --frame 1920x1080 --vehicles 12 --duration 18 \
	--look mixed
echo "  ground truth: $(grep -c '"vrm"' "$work/clip.truth.jsonl") vehicles in $work/clip.truth.jsonl"
mkdir -m 700 "$work/keys"
"$bin/anprd" --set "signing.key_file=$work/keys/device.pem" --gen-key | tail -1
printf '# A site file as an installer writes it\n[device]\nid = demo-unit-01\nsite = M62-J24-EB\n' >"$site"
start=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
"$bin/anprd" --config "$site" --set "signing.key_file=$work/keys/device.pem" --set store.backend=folder --set "store.dir=$work/reads" \
	--set pipeline.replay_pace=fast --start-time "$start" --source "file:$work/clip.avi" \
	--report "$work/report.json"
echo "  run summary: $(cat "$work/report.json")"

step "The signed reads, checked by independent code (python3-jwcrypto) against the ground truth"
py=/usr/bin/python3
[ -x $py ] || py=python3
"$py" "$(dirname "$0")/../tests/integration/check_reads.py" "$work/reads" "$work/keys/device.pem" \
	--truth "$work/clip.truth.jsonl" --start-time "$start" --vrms-out "$work/vrms.txt" || true
first=$(ls "$work/reads" | head -1)
echo "  first read ($first), payload:"
"$py" -c 'import json,sys,base64
e = json.load(open(sys.argv[1]))
p = e["jws"].split(".")[1]
d = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
d["alternatives"] = d["alternatives"][:3]
print(json.dumps(d, indent=2))' "$work/reads/$first"

step "Store and forward: the encrypted ring buffer delivers to a local back office (anpr-bofsim, mutual TLS)"
"$(dirname "$0")/make-dev-pki.sh" "$work/pki" "$work/keys/device.pem" >/dev/null
"$bin/anpr-bofsim" --listen 127.0.0.1:0 --cert "$work/pki/server.pem" --key "$work/pki/server.key" \
	--ca "$work/pki/ca.pem" --db "$work/backoffice.db" --report "$work/backoffice.json" --log-level warn \
	>"$work/bofsim.out" &
bof=$!
trap 'kill $bof 2>/dev/null || true; rm -f "$site"; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "listening on" "$work/bofsim.out" && break; sleep 0.1; done
port=$(grep -o "listening on [0-9]*" "$work/bofsim.out" | grep -o "[0-9]*$")
"$bin/anprd" --config "$site" --set "signing.key_file=$work/keys/device.pem" --set "store.dir=$work/spool" \
	--set "store.key_file=$work/keys/store.key" --set "uplink.url=https://localhost:$port" \
	--set "uplink.ca_file=$work/pki/ca.pem" --set "uplink.cert_file=$work/pki/devices/device.pem" \
	--set pipeline.replay_pace=fast --source "file:$work/clip.avi" 2>&1 | grep -E "uplink|delivered|done"
sleep 1.2
echo "  back office: $(cat "$work/backoffice.json")"
echo "  on the unit's card, the reads are ciphertext: $(ls "$work/spool" | tr '\n' ' ')"
kill $bof 2>/dev/null || true

step "The plate reader on seeded synthetic UK plates (anpr-synth, then anpr-read)"
plates=$work/plates
"$bin/anpr-synth" plates --seed 2026 --count 4 --mix realistic --out "$plates" 2>/dev/null
for f in "$plates"/synth_*.txt; do printf '  %s  truth %s\n' "$(basename "${f%.txt}.jpg")" "$(cut -f6 "$f")"; done
"$bin/anpr-read" --country uk --topn 3 "$plates"/synth_*.jpg

data=$(dirname "$0")/../../shared/data/eu-dev
if [ -d "$data" ]; then
	step "The plate reader on real photographs (../shared/data/eu-dev)"
	for f in eu5 test_002 test_046; do printf '  %s.jpg  truth %s\n' "$f" "$(cut -f6 "$data/$f.txt")"; done
	"$bin/anpr-read" --country eu --topn 3 "$data/eu5.jpg" "$data/test_002.jpg" "$data/test_046.jpg"
fi

step "Where to go next (README.md)"
echo "Score the 520-vehicle standard set through anprd and the back-office simulator:"
echo "  build/host/bin/anpr-replay --manifest tests/clips/standard.ini --set standard"
echo "The field engineer's console:  build/host/bin/anpr-diag --help   (docs/anpr-diag.md)"
echo "Packages and the flashable image:  make package-aarch64; sudo make image-test   (docs/image.md)"
