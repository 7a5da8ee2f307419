#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: runs every benchmark binary, then scores the plate reader on 1,000 seeded synthetic
# UK plates and on the real dev sets in ../shared/data (when present), its OCR on the held-out real UK
# character tiles (gb-chars), then runs anprd on a 60 s
# 1080p25 synthetic clip of 40 vehicles (as fast as possible for throughput, in real time for
# latency), and writes the figures to build/bench/report.md, reader.jsonl and pipeline.json; last,
# the recorded-video harness on the standard clip set: build/bench/replay-report.md and .json.
# Usage: tools/bench.sh BIN_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:-$root/build/host-release/bin}" && pwd)
data=$root/../shared/data
out=$root/build/bench
mkdir -p "$out"
export OMP_THREAD_LIMIT=1

synth_dir=$out/synthetic-uk-1000
if [ ! -f "$synth_dir/manifest.tsv" ]; then
	"$bin/anpr-synth" plates --seed 2026 --count 1000 --mix realistic --out "$synth_dir" >/dev/null
fi

for b in "$bin"/bench_*; do
	echo "== $(basename "$b")"
	case $(basename "$b") in
	bench_reader) "$b" "$synth_dir/synth_00000.jpg" ;;
	bench_spool) # the ring buffer on this machine's disk, recovery at two sizes
		rm -rf "$out/spool" && mkdir -p "$out/spool"
		"$b" "$out/spool" 1024 4096
		rm -rf "$out/spool" ;;
	bench_uplink) # signed reads appended, then drained to anpr-bofsim over mutual TLS
		bw=$(mktemp -d)
		mkdir -m 700 "$bw/keys"
		"$bin/anprd" --set "signing.key_file=$bw/keys/unit7.pem" --gen-key >/dev/null 2>&1
		"$root/tools/make-dev-pki.sh" "$bw/pki" "$bw/keys/unit7.pem" >/dev/null
		"$bin/anpr-bofsim" --listen 127.0.0.1:0 --cert "$bw/pki/server.pem" --key "$bw/pki/server.key" \
			--ca "$bw/pki/ca.pem" --db "$bw/bo.db" --log-level warn >"$bw/bof.out" &
		bof=$!
		sleep 1
		port=$(grep -o "listening on [0-9]*" "$bw/bof.out" | grep -o "[0-9]*$")
		"$b" "$bw/spool" "$bw/keys/unit7.pem" "https://localhost:$port" "$bw/pki/ca.pem" \
			"$bw/pki/devices/unit7.pem" 2000 2>/dev/null || echo "bench_uplink failed"
		kill $bof
		wait $bof 2>/dev/null || true
		rm -rf "$bw" ;;
	*) "$b" ;;
	esac
done

: >"$out/reader.jsonl"
score() { # name dir country
	echo "== anpr-read --bench $2 --country $3"
	"$bin/anpr-read" --bench "$2" --country "$3"
	"$bin/anpr-read" --bench "$2" --country "$3" --json | sed "s/^{/{\"set\":\"$1\",\"country\":\"$3\",/" >>"$out/reader.jsonl"
}
score synthetic-uk "$synth_dir" uk
for set in eu-dev:eu us:us ro-dashcam-dev:auto; do
	name=${set%%:*} country=${set##*:}
	if [ -d "$data/$name" ]; then
		score "$name" "$data/$name" "$country"
	else
		echo "== $name: skipped ($data/$name absent)"
	fi
done

# ---- real UK characters: the gb-chars tiles training never saw, as make ocr-model holds them out ----
# Lines composed from the "test" tiles (seed 2052, as tools/train-ocr.sh renders its held-out set), read
# through the reader's OCR and grammar: with both models merged as the reader reads (plate+eng) and with
# the plate model alone; and each held-out tile alone. "grammar chars" is the per-character figure the
# plate reader issue bars (98%).
gb_lines=$out/gb-chars-lines gb_single=$out/gb-chars-single
: >"$out/gb-chars.txt"
if [ -f "$data/gb-chars/labels.tsv" ]; then
	if [ ! -f "$gb_lines/.done" ]; then
		rm -rf "$gb_lines" && mkdir -p "$gb_lines"
		"$bin/anpr-ocr-strips" tiles "$gb_lines" 1000 2052 "$data/gb-chars" test >/dev/null
		touch "$gb_lines/.done"
	fi
	if [ ! -f "$gb_single/.done" ]; then
		rm -rf "$gb_single" && mkdir -p "$gb_single"
		"$bin/anpr-ocr-strips" chars "$gb_single" "$data/gb-chars" test >/dev/null
		touch "$gb_single/.done"
	fi
	for m in plate+eng plate; do
		echo "== anpr-ocr-eval --model $m --country uk (held-out gb-chars lines)"
		"$bin/anpr-ocr-eval" --model "$m" --country uk "$gb_lines" | tee "$out/gb-lines-$m.txt"
		echo "== anpr-ocr-eval --model $m (held-out gb-chars tiles, one a strip)"
		"$bin/anpr-ocr-eval" --model "$m" "$gb_single" | tee "$out/gb-single-$m.txt"
	done
else
	echo "== gb-chars: skipped ($data/gb-chars absent)"
fi

# ---- the pipeline: anprd on a clip ----
clip=$out/clip-2026-40v-1080p25.avi
if [ ! -f "$clip" ]; then
	"$bin/anpr-synth" clip --seed 2026 --out "$clip" --vehicles 40 --duration 60 --frame 1920x1080 --fps 25
fi
pwork=$(mktemp -d)
trap 'rm -rf "$pwork"' EXIT
mkdir -m 700 "$pwork/keys"
"$bin/anprd" --set "signing.key_file=$pwork/keys/k.pem" --gen-key >/dev/null 2>&1
py=/usr/bin/python3
[ -x $py ] || py=python3
start=2026-01-01T00:00:00.000Z
for pace in fast realtime; do
	echo "== anprd on $(basename "$clip"), replay $pace"
	"$bin/anprd" --set "signing.key_file=$pwork/keys/k.pem" --set store.backend=folder --set "store.dir=$pwork/$pace" \
		--set pipeline.replay_pace=$pace --start-time $start --source "file:$clip" \
		--report "$pwork/$pace.json" 2>/dev/null
	cat "$pwork/$pace.json"
	$py "$root/tests/integration/check_reads.py" "$pwork/$pace" "$pwork/keys/k.pem" \
		--truth "${clip%.avi}.truth.jsonl" --start-time $start >"$pwork/$pace.score.json" || true
	grep -E '"(reads|exact_pct|misread_pct|missed|duplicates|false_reads)"' "$pwork/$pace.score.json" | tr -d ' \n'
	echo
done
jget() { grep -o "\"$2\": *[^,}]*" "$1" | head -1 | cut -d: -f2 | tr -d ' "'; }
{
	printf '{"fast":%s,"fast_score":%s,"realtime":%s,"realtime_score":%s}\n' "$(cat "$pwork/fast.json")" \
		"$($py -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$pwork/fast.score.json")" \
		"$(cat "$pwork/realtime.json")" \
		"$($py -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$pwork/realtime.score.json")"
} >"$out/pipeline.json"

{
	echo "# Plate reader benchmark"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$root" describe --always --dirty), $(nproc) cores."
	echo
	echo "| set | country | images | found % | top-1 % | top-N % | char % | ms median | ms p90 | OCR calls/image | peak RSS MiB | alternatives right / by confidence |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	while IFS= read -r line; do
		get() { grep -o "\"$1\":[^,}]*" <<<"$line" | head -1 | cut -d: -f2 | tr -d '"'; }
		echo "| $(get set) | $(get country) | $(get images) | $(get found_pct) | $(get top1_pct) | $(get topn_pct) | $(get char_accuracy_pct) | $(get ms_median) | $(get ms_p90) | $(get ocr_calls_per_image) | $(get peak_rss_mib) | $(get alt_right) / $(get alt_expected_right) |"
	done <"$out/reader.jsonl"
	echo
	if [ -f "$out/gb-lines-plate.txt" ]; then
		ev() { grep -E "^ *$2 " "$1" | head -1 | grep -o "[0-9.]*%" | head -1; }
		echo "# Real UK characters (../shared/data/gb-chars, held-out tiles)"
		echo
		echo "| OCR | lines: grammar chars | lines: grammar top-1 | lines: line exact | single tiles: exact |"
		echo "|---|---|---|---|---|"
		for m in plate+eng plate; do
			l=$out/gb-lines-$m.txt t=$out/gb-single-$m.txt
			echo "| $m | $(ev "$l" "grammar chars") | $(ev "$l" "grammar top-1") | $(ev "$l" "line exact") | $(ev "$t" "line exact") |"
		done
		echo
		echo "plate+eng is what the reader does. Lines: 1,000 strings composed from the tiles training never"
		echo "saw (588 of them UK marks, which the grammar columns count); single tiles: 879, where O and 0 are"
		echo "drawn alike, so no reader of lone tiles passes 97.8% (ocr/model/README.md)."
		echo
	fi
	echo "# Pipeline: anprd on $(basename "$clip") (40 vehicles, 60 s)"
	echo
	echo "| replay | fps | frames dropped | reads | exact % | misread % | missed | duplicates | false | latency p50 ms | p95 ms | peak RSS MiB |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for pace in fast realtime; do
		r=$pwork/$pace.json c=$pwork/$pace.score.json
		echo "| $pace | $(jget "$r" fps) | $(jget "$r" frames_dropped) | $(jget "$c" reads) | $(jget "$c" exact_pct) | $(jget "$c" misread_pct) | $(jget "$c" missed) | $(jget "$c" duplicates) | $(jget "$c" false_reads) | $(jget "$r" latency_p50_ms) | $(jget "$r" latency_p95_ms) | $(jget "$r" peak_rss_mib) |"
	done
	echo
	echo "Latency is from the last frame a plate was seen in to its read being stored; it is"
	echo "meaningful in real-time replay (in fast replay the frame clock runs ahead of the wall clock)."
} >"$out/report.md"
echo
cat "$out/report.md"

# ---- the recorded-video harness: the standard set (tests/clips/standard.ini) through anprd and anpr-bofsim ----
# Clips are generated once into build/clips/ (cached by command line). The previous report, when there is
# one, is kept as history. REPLAY_SET picks another set of the manifest (default: standard).
replay_set=${REPLAY_SET:-standard}
echo "== anpr-replay --set $replay_set (real time; generation time per clip in the table)"
[ -f "$out/replay-report.json" ] && cp "$out/replay-report.json" "$out/replay-report.prev.json"
replay_status=0
"$bin/anpr-replay" --manifest "$root/tests/clips/standard.ini" --set "$replay_set" --clips-dir "$root/build/clips" \
	--json >"$out/replay-report.json.new" || replay_status=$?
if [ "$replay_status" -gt 1 ]; then
	echo "anpr-replay failed (exit $replay_status); no replay report"
	rm -f "$out/replay-report.json.new"
else
	mv "$out/replay-report.json.new" "$out/replay-report.json"
	$py - "$out" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$root" describe --always --dirty)" "$(nproc)" <<'PYEOF'
import json, os, sys
out, when, version, cores = sys.argv[1:5]
d = json.load(open(os.path.join(out, "replay-report.json")))
prev_path = os.path.join(out, "replay-report.prev.json")
prev = json.load(open(prev_path)) if os.path.exists(prev_path) else None
keys = ["vehicles", "captured_pct", "exact_pct", "misread_pct", "missed_pct", "duplicates", "false_reads",
        "latency_p50_ms", "latency_p95_ms", "fps", "dropped_frames", "peak_rss_mib"]
def fmt(v):
    return "-" if v is None else ("%.2f" % v if isinstance(v, float) else str(v))
hist_path = os.path.join(out, "replay-history.jsonl")
entry = {"when": when, "version": version, "set": d["set"], "pass": d["pass"]}
entry.update({k: d.get(k) for k in keys})
with open(hist_path, "a") as f:
    f.write(json.dumps(entry) + "\n")
history = [json.loads(l) for l in open(hist_path) if l.strip()]
L = []
L.append(f"# Recorded-video harness: set {d['set']}")
L.append("")
L.append(f"{when}, {version}, {cores} cores; anprd {'under qemu' if d['qemu'] else 'host'}, pace {d['pace']}. "
         "Made by `make bench` (tools/bench.sh: anpr-replay --manifest tests/clips/standard.ini); "
         "definitions in docs/clip-format.md.")
L.append("")
L.append("| clip | vehicles | captured % | exact % | misread % | missed % | duplicates | false reads | latency p50 ms | p95 ms | fps | dropped | peak RSS MiB | generated s |")
L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for c in d["clips"] + [dict(d, name="**total**")]:
    gen = c.get("generate_s")
    L.append("| " + " | ".join([c["name"]] + [fmt(c.get(k)) for k in keys] + ["cached" if gen is None else fmt(gen)]) + " |")
t = d.get("thresholds") or {}
L.append("")
L.append(f"{d['vehicles']} vehicles scored ({d['unseen']} more never fully in view), {d['reads']} reads, "
         f"{d['rejected']} rejected by the back office.")
if t:
    L.append("")
    L.append(f"Bars: captured >= {t['captured_min_pct']}%, exact >= {t['exact_min_pct']}%, misread <= {t['misread_max_pct']}%, "
             f"duplicates <= {t['duplicates_max']}, false reads <= {t['false_reads_max_pct']}%, latency p95 <= {t['latency_p95_max_ms']} ms: "
             + ("**pass**" if d["pass"] else "**below**: " + "; ".join(d["shortfalls"])))
L.append("")
L.append("Latency: from the vehicle's last frame in view (ground truth) to the read being stored by anpr-bofsim, "
         "on the wall clock, in real-time replay. Generation: anpr-synth clip wall time per clip (blank when cached).")
if prev:
    L.append("")
    L.append("## Previous report")
    L.append("")
    L.append("| | " + " | ".join(keys) + " |")
    L.append("|---|" + "---|" * len(keys))
    L.append("| previous | " + " | ".join(fmt(prev.get(k)) for k in keys) + " |")
    L.append("| this run | " + " | ".join(fmt(d.get(k)) for k in keys) + " |")
if len(history) > 1:
    L.append("")
    L.append("## History (replay-history.jsonl, newest last)")
    L.append("")
    L.append("| when | version | set | " + " | ".join(keys) + " |")
    L.append("|---|---|---|" + "---|" * len(keys))
    for h in history[-20:]:
        L.append(f"| {h['when']} | {h['version']} | {h['set']} | " + " | ".join(fmt(h.get(k)) for k in keys) + " |")
open(os.path.join(out, "replay-report.md"), "w").write("\n".join(L) + "\n")
PYEOF
	echo
	cat "$out/replay-report.md"
fi
rm -f "$out/replay-report.prev.json"
