#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make image-test: builds the qemu-virt image and proves it boots and reads a clip.
#
# Usage: tools/image/image-test.sh [SYNTH]    (SYNTH: anpr-synth, default build/host/bin/anpr-synth)
#
# 1. a short synthetic clip (anpr-synth clip) goes into the image's data partition (/data/clip)
# 2. make-image.sh qemu-virt (the same packages, kernel and root file system as the boards)
# 3. qemu-run.py test boots it under qemu-system-aarch64 -M virt -cpu cortex-a72 -m 2048 with the
#    kernel and initrd from the image's /boot, and on the emulated serial console checks the
#    read-only root, the data partition, rauc's view of the slots, runs the clip through anprd
#    (host-sim board, replay source) and asks anpr-diag for the unit's status.
# Transcript: build/image/qemu-virt/boot.log; summary: build/image/qemu-virt/image-test.json.
# Exit status: 0 passed, 1 failed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
synth=${1:-$repo/build/host/bin/anpr-synth}
out=$repo/build/image/qemu-virt
started=$SECONDS

mkdir -p "$out/data-seed/clip"
if [ ! -f "$out/data-seed/clip/clip.avi" ]; then
	# 6 s of 720p with three vehicles: enough for reads, short enough for emulation.
	nice -n 10 "$synth" clip --seed 8 --out "$out/data-seed/clip/clip.avi" --frame 1280x720 \
		--vehicles 3 --duration 6 --hard-share 0 --foreign-share 0
fi
"$here/make-image.sh" qemu-virt "$out"
python3 "$here/qemu-run.py" test --image "$out/anpr-qemu-virt.img" --kernel "$out/vmlinuz" \
	--initrd "$out/initrd.img" --log "$out/boot.log" --report "$out/image-test.json"
echo "image-test: passed in $((SECONDS - started))s (transcript $out/boot.log)"
