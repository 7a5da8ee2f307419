#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Trains the plate OCR model, ocr/model/plate.traineddata, from scratch and measures it (`make ocr-model`).
#
# Usage: tools/train-ocr.sh [BIN_DIR]
#   BIN_DIR holds anpr-ocr-strips and anpr-ocr-eval (default build/host/bin; `make build` makes them).
#   Work goes to build/ocr-train/ (gitignored). Each stage is skipped when its output is already
#   there, so a run that was stopped resumes where it was; `rm -rf build/ocr-train` starts afresh.
#   Takes about 70 minutes on two shared cores, most of it in lstmtraining (75,000 iterations).
#
# Stages:
#   1. strips  Training strips with ground truth (.gt.txt) and line boxes (.box):
#              - anpr-ocr-strips fonts: plate-like strings (UK formats, European, US, free
#                alphanumerics) in five bold/condensed fonts, with blur, noise, tilt, perspective,
#                JPEG, plate borders, screws and EU band remnants (see tools/ocr_strips.c);
#              - anpr-ocr-strips tiles: strings composed from the real UK character tiles in
#                ../shared/data/gb-chars, "train" part only (70% of the tiles, chosen by file-name
#                hash), skipped with a message when the folder is absent;
#              - only with OCR_SYNTH_STRIPS=N (default 0), N `anpr-synth strips --no-gb-chars`
#                from BIN_DIR's anpr-synth (its own tile strips use every tile, which would leak
#                the held-out ones). Off by default: both runs that added strips from the
#                project's own plate generator drifted towards its glyphs and lost real plates
#                (ocr/model/README.md, "Tried and not adopted").
#              Held-out sets for evaluation use other seeds and the "test" tiles.
#   2. lstmf   `tesseract STRIP.png STRIP --psm 13 lstm.train` per strip. The box file decides the
#              line crop, so the mode only matters for layout: single-line mode (7) finds no text
#              block on a few strips and silently drops them, raw-line mode (13) keeps them all.
#   3. starter unicharset of the 36 characters and the space, and a starter traineddata from
#              combine_lang_model. Its --script_dir needs only radical-stroke.txt (a Han table;
#              we write an empty one), as no langdata is installed and none is needed.
#   4. train   lstmtraining from scratch with NET_SPEC below; the list of strips is shuffled with
#              a fixed seed so fonts and tiles interleave.
#   5. model   --stop_training with --convert_to_int: the integer model is a quarter of the size,
#              faster, and reads as well as the float one (ocr/model/README.md has the figures).
#   6. eval    anpr-ocr-eval, plate against Tesseract's stock eng, on the held-out sets.
#
# Deterministic where Tesseract allows: the strips depend only on the seeds below, the list order
# is a fixed shuffle, and lstmtraining starts from fixed random weights (two runs of the same data
# gave byte-identical models). Environment: OCR_ITERATIONS (default 75000), OCR_JOBS (default nproc),
# OCR_WORK (work folder, default build/ocr-train), OCR_SYNTH_STRIPS (default 0, see stage 1),
# OCR_NET_SPEC (network, default NET_SPEC below; ### stands for the output size), OCR_MODEL_OUT (where
# the model goes, default ocr/model/plate.traineddata: point it elsewhere for an experiment).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:-$root/build/host/bin}" && pwd)
work=${OCR_WORK:-$root/build/ocr-train}
mkdir -p "$work" && work=$(cd "$work" && pwd)
model_out=${OCR_MODEL_OUT:-$root/ocr/model/plate.traineddata}
gb_chars=$root/../shared/data/gb-chars
tessdata=/usr/share/tesseract-ocr/5/tessdata
fonts=/usr/share/fonts/truetype

SEED=1951                        # training strips; held-out sets use SEED+100.., never SEED
ITERATIONS=${OCR_ITERATIONS:-75000}
JOBS=${OCR_JOBS:-$(nproc)}
N_FONTS=14000                    # font strips for training
N_TILES=10000                    # gb-chars strips for training
N_SYNTH=${OCR_SYNTH_STRIPS:-0}   # anpr-synth strips (stage 1); 0: none
N_CHECK=300                      # lstmtraining's own check set (model selection, not reported)
N_EVAL=1000                      # each held-out set
LEARNING_RATE=0.002
# Small: one 3x3 convolution, max-pool, a vertical summarising LSTM and three horizontal ones.
NET_SPEC=${OCR_NET_SPEC:-'[1,36,0,1 Ct3,3,16 Mp3,3 Lfys48 Lfx96 Lrx96 Lfx192 O1c###]'}

FONT_FILES=(
	"$fonts/liberation/LiberationSansNarrow-Bold.ttf" # closest free shapes to the UK plate font
	"$fonts/roboto/unhinted/RobotoCondensed-Bold.ttf"
	"$fonts/dejavu/DejaVuSansCondensed-Bold.ttf"
	"$fonts/liberation/LiberationSans-Bold.ttf"
	"$fonts/opendin/OSP-DIN.ttf" # DIN 1451-like, as on German and other EU plates
)

log() { printf 'train-ocr: %s\n' "$*"; }
die() { printf 'train-ocr: %s\n' "$*" >&2; exit 1; }
stamp() { date +%s; }

case $N_SYNTH in '' | *[!0-9]*) die "OCR_SYNTH_STRIPS must be a whole number, not '$N_SYNTH'" ;; esac

for t in anpr-ocr-strips anpr-ocr-eval; do
	[ -x "$bin/$t" ] || die "$bin/$t missing: build first (make build)"
done
for t in tesseract lstmtraining unicharset_extractor combine_lang_model; do
	command -v "$t" >/dev/null || die "$t missing: tools/install-deps.sh installs tesseract-ocr"
done
for f in "${FONT_FILES[@]}"; do
	[ -f "$f" ] || die "font $f missing: tools/install-deps.sh installs it"
done
[ -f "$tessdata/eng.traineddata" ] || die "stock eng model missing: tools/install-deps.sh installs tesseract-ocr-eng"
mkdir -p "$work"
t_start=$(stamp)

# ---- 1. strips ----
# make_set KIND DIR COUNT SEED [ARGS...]: renders a set once; .done marks it complete.
make_set() {
	local kind=$1 dir=$2 count=$3 seed=$4
	shift 4
	[ -f "$dir/.done" ] && return 0
	rm -rf "$dir" && mkdir -p "$dir"
	log "rendering $count $kind strips into ${dir#"$root"/} (seed $seed)"
	"$bin/anpr-ocr-strips" "$kind" "$dir" "$count" "$seed" "$@"
	touch "$dir/.done"
}

make_set fonts "$work/strips/fonts" $N_FONTS $SEED "${FONT_FILES[@]}"
make_set fonts "$work/strips/check" $N_CHECK $((SEED + 200)) "${FONT_FILES[@]}"
make_set fonts "$work/eval/fonts" $N_EVAL $((SEED + 100)) "${FONT_FILES[@]}"
if [ -f "$gb_chars/labels.tsv" ]; then
	make_set tiles "$work/strips/tiles" $N_TILES $((SEED + 1)) "$gb_chars" train
	make_set tiles "$work/eval/tiles" $N_EVAL $((SEED + 101)) "$gb_chars" test
	if [ ! -f "$work/eval/chars/.done" ]; then
		rm -rf "$work/eval/chars" && mkdir -p "$work/eval/chars"
		log "padding the held-out gb-chars tiles into single-character strips"
		"$bin/anpr-ocr-strips" chars "$work/eval/chars" "$gb_chars" test
		touch "$work/eval/chars/.done"
	fi
else
	log "no character tiles at $gb_chars: training on fonts only, tile evaluations skipped"
fi
if [ "$N_SYNTH" -gt 0 ] && [ ! -f "$work/strips/synth/.done" ]; then
	[ -x "$bin/anpr-synth" ] || die "OCR_SYNTH_STRIPS=$N_SYNTH needs $bin/anpr-synth: build first (make build)"
	rm -rf "$work/strips/synth" && mkdir -p "$work/strips/synth"
	log "rendering $N_SYNTH anpr-synth strips"
	"$bin/anpr-synth" strips --seed $((SEED + 2)) --count "$N_SYNTH" --out "$work/strips/synth" --no-gb-chars
	"$bin/anpr-ocr-strips" boxes "$work/strips/synth"
	touch "$work/strips/synth/.done"
fi
t_strips=$(stamp)

# ---- 2. lstmf ----
log "making .lstmf files ($JOBS jobs)"
find "$work/strips" -name '*.png' | sort | xargs -r -P "$JOBS" -n 200 bash -c '
	for f; do
		b=${f%.png}
		[ -s "$b.lstmf" ] || [ ! -s "$b.box" ] ||
			tesseract "$f" "$b" --tessdata-dir "'"$tessdata"'" --psm 13 lstm.train >/dev/null 2>&1 || true
	done' _
# Strips of an earlier run with OCR_SYNTH_STRIPS set stay out unless it is set now.
skip_synth=$work/strips/check
[ "$N_SYNTH" -gt 0 ] || skip_synth=$work/strips/synth
find "$work/strips" \( -path "$work/strips/check" -o -path "$skip_synth" \) -prune -o -name '*.lstmf' -print | sort |
	shuf --random-source=<(yes "$SEED") >"$work/train.list"
find "$work/strips/check" -name '*.lstmf' | sort >"$work/check.list"
log "$(wc -l <"$work/train.list") training lines, $(wc -l <"$work/check.list") check lines"
t_lstmf=$(stamp)

# ---- 3. starter traineddata ----
lang=$work/lang
if [ ! -f "$lang/starter/plate/plate.traineddata" ]; then
	rm -rf "$lang" && mkdir -p "$lang/scripts" "$lang/starter"
	printf 'ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789\n' >"$lang/chars.txt"
	unicharset_extractor --output_unicharset "$lang/unicharset" --norm_mode 1 "$lang/chars.txt" >/dev/null 2>&1
	printf '# No radicals: the plate model has Latin letters and digits only.\n' >"$lang/scripts/radical-stroke.txt"
	combine_lang_model --input_unicharset "$lang/unicharset" --script_dir "$lang/scripts" --lang plate \
		--output_dir "$lang/starter" >"$lang/combine.log" 2>&1 || die "combine_lang_model failed: $lang/combine.log"
fi
starter=$lang/starter/plate/plate.traineddata

# ---- 4. train ----
mkdir -p "$work/ckpt"
if [ ! -f "$work/ckpt/.done" ]; then
	if [ -f "$work/ckpt/plate_checkpoint" ]; then
		log "resuming lstmtraining from its last checkpoint"
		from=(--continue_from "$work/ckpt/plate_checkpoint")
	else
		from=(--net_spec "${NET_SPEC//\#\#\#/$(head -n1 "$lang/unicharset")}")
	fi
	log "lstmtraining: $ITERATIONS iterations (log: ${work#"$root"/}/train.log)"
	lstmtraining --traineddata "$starter" "${from[@]}" --model_output "$work/ckpt/plate" \
		--learning_rate $LEARNING_RATE --train_listfile "$work/train.list" --eval_listfile "$work/check.list" \
		--max_iterations "$ITERATIONS" --debug_interval 0 >>"$work/train.log" 2>&1
	touch "$work/ckpt/.done"
fi
t_train=$(stamp)

# ---- 5. model ----
lstmtraining --stop_training --convert_to_int --continue_from "$work/ckpt/plate_checkpoint" \
	--traineddata "$starter" --model_output "$work/plate.traineddata" >>"$work/train.log" 2>&1
mkdir -p "$(dirname "$model_out")"
cp "$work/plate.traineddata" "$model_out"
log "wrote ${model_out#"$root"/} ($(du -k "$model_out" | cut -f1) KiB)"

# ---- 6. eval ----
: >"$work/eval.txt"
for set in fonts tiles chars; do
	[ -d "$work/eval/$set" ] || continue
	extra=()
	[ $set = chars ] && extra=(--per-char)
	for m in plate eng; do
		dir=()
		[ $m = plate ] && dir=(--model-dir "$work")
		OMP_THREAD_LIMIT=1 "$bin/anpr-ocr-eval" --model $m "${dir[@]}" "${extra[@]}" "$work/eval/$set" |
			tee -a "$work/eval.txt"
	done
done
t_end=$(stamp)
log "minutes: strips $(((t_strips - t_start) / 60)), lstmf $(((t_lstmf - t_strips) / 60)), training $(((t_train - t_lstmf) / 60)), all $(((t_end - t_start) / 60))" |
	tee -a "$work/eval.txt"
