#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Trains the glyph shape model, ocr/glyph_shape_model.h (ocr/glyph_shape.h), and measures it
# (`make glyph-shape`: about 5 minutes the first time, when it makes the folders, then under 1).
#
# Usage: tools/train-glyph-shape.sh [BIN_DIR]
#   BIN_DIR holds anpr-ocr-strips, anpr-synth, anpr-ocr-cut and anpr-ocr-glyphs (default
#   build/host/bin). Work goes to build/glyph-shape/ (gitignored); each folder is made once.
#
# Training glyphs, each folder weighing the same:
#   - real: 4,000 lines of the real UK character tiles in ../shared/data/gb-chars, "train" part
#     only (the tiles make ocr-model trains on; the "test" part stays held out);
#   - rendered: 6,000 anpr-synth strips in the plate fonts, without tiles;
#   - scenes: the strips the reader's own detector cuts from 3,000 anpr-synth scenes (realistic mix).
# Held out, reported and not trained on: the 1,000 "test" tile lines make bench reads (seed 2052),
# 2,000 rendered strips and the cuts of 1,500 scenes, all on other seeds than the benchmarks'.
# The same folders give the same header (fixed seed, full passes).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "${1:-$root/build/host/bin}" && pwd)
work=$root/build/glyph-shape
gb_chars=$root/../shared/data/gb-chars
out=${GLYPH_SHAPE_OUT:-$root/ocr/glyph_shape_model.h}
mkdir -p "$work"
export OMP_THREAD_LIMIT=1

[ -f "$gb_chars/labels.tsv" ] || { echo "train-glyph-shape: $gb_chars is needed (real UK glyphs)" >&2; exit 1; }
once() { # folder command...: runs the command unless the folder is complete
	local dir=$1
	shift
	[ -f "$dir/.done" ] && return
	rm -rf "$dir" && mkdir -p "$dir"
	"$@" >/dev/null
	touch "$dir/.done"
}
once "$work/real-train" "$bin/anpr-ocr-strips" tiles "$work/real-train" 4000 777 "$gb_chars" train
once "$work/real-test" "$bin/anpr-ocr-strips" tiles "$work/real-test" 1000 2052 "$gb_chars" test
once "$work/rendered-train" "$bin/anpr-synth" strips --seed 31337 --count 6000 --no-gb-chars --out "$work/rendered-train"
once "$work/rendered-test" "$bin/anpr-synth" strips --seed 4711 --count 2000 --no-gb-chars --out "$work/rendered-test"
for part in train:777:3000 test:888:1500; do
	IFS=: read -r name seed count <<<"$part"
	once "$work/scenes-$name" "$bin/anpr-synth" plates --seed "$seed" --count "$count" --mix realistic \
		--out "$work/scenes-$name"
	once "$work/scene-cuts-$name" "$bin/anpr-ocr-cut" "$work/scene-cuts-$name" "$work/scenes-$name"
done
"$bin/anpr-ocr-glyphs" "$out" "$work/real-train" "$work/rendered-train" "$work/scene-cuts-train" -- \
	"$work/real-test" "$work/rendered-test" "$work/scene-cuts-test"
clang-format --style="file:$root/.clang-format" -i "$out" # the house format, as tools/check-format.sh checks it
echo "train-glyph-shape: wrote $out; rebuild, then measure the reader (docs/ocr-accuracy.md)"
