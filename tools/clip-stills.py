#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cuts still frames from anpr-synth clips into a folder `anpr-read --bench` scores (docs/ocr-accuracy.md).

For each vehicle in a clip's ground-truth sidecar (docs/clip-format.md) whose plate box lies
wholly inside the frame in at least one frame, two frames are written as JPEG (quality 95):
the one where the plate is widest ("L") and the one of median width ("M"), each with the
`.txt` ground truth of ../shared/data (`file x y w h PLATE`). The stills are the per-frame
view of the recorded-video harness: the reader alone, without the tracker's vote over
frames, on the same plates, looks and hard cases.

Usage: tools/clip-stills.py OUTDIR CLIP...   (the sidecar is CLIP with .truth.jsonl)
       anpr-read --bench OUTDIR --country auto
Needs python3-opencv (a development tool; not installed by tools/install-deps.sh).
Synthetic clips only: the names of the stills carry no plate text, the .txt files do.
"""
import json
import os
import sys

import cv2


def sidecar(clip):
    return os.path.splitext(clip)[0] + '.truth.jsonl'


def wanted_frames(truth_path):
    """frame index -> [(vehicle, tag, vrm, box)] for the stills of one clip."""
    want, meta = {}, None
    with open(truth_path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            o = json.loads(line)
            if n == 1:
                if o.get('clip_truth') != 1:
                    sys.exit(f'{truth_path}:1: not a clip ground-truth header')
                meta = o
                continue
            inside = [b for b in o.get('boxes', [])
                      if b[1] >= 2 and b[2] >= 2 and b[1] + b[3] <= meta['width'] - 2
                      and b[2] + b[4] <= meta['height'] - 2]
            if not inside:
                continue
            inside.sort(key=lambda b: b[3])
            for tag, b in (('L', inside[-1]), ('M', inside[len(inside) // 2])):
                want.setdefault(b[0], []).append((o['vehicle'], tag, o['vrm'], b[1:5]))
    return want


def cut(clip, out):
    want = wanted_frames(sidecar(clip))
    base = os.path.splitext(os.path.basename(clip))[0]
    cap = cv2.VideoCapture(clip)
    if not cap.isOpened():
        sys.exit(f'{clip}: cannot open')
    frame, written = 0, 0
    while want:
        ok, img = cap.read()
        if not ok:
            break
        for vehicle, tag, vrm, (x, y, w, h) in want.pop(frame, []):
            name = f'{base}-v{vehicle:03d}{tag}'
            cv2.imwrite(os.path.join(out, name + '.jpg'), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
            with open(os.path.join(out, name + '.txt'), 'w', encoding='utf-8') as f:
                f.write(f'{name}.jpg\t{x}\t{y}\t{w}\t{h}\t{vrm}\n')
            written += 1
        frame += 1
    if want:
        sys.exit(f'{clip}: ended at frame {frame}, before frames {sorted(want)[:5]} of its sidecar')
    return written


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split('\n\n')[2])
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for clip in sys.argv[2:]:
        print(f'{clip}: {cut(clip, out)} stills')


if __name__ == '__main__':
    main()
