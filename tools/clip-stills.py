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


def box_ok(b):
    """A per-frame box of the sidecar: [frame, x, y, w, h], numbers, frame an integer."""
    return (isinstance(b, list) and len(b) == 5 and isinstance(b[0], int) and b[0] >= 0
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in b[1:]))


def wanted_frames(truth_path):
    """frame index -> [(vehicle, tag, vrm, box)] for the stills of one clip; exits naming file:line on bad input."""
    want, meta = {}, None
    with open(truth_path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            where = f'{truth_path}:{n}'
            try:
                o = json.loads(line)
            except ValueError as e:
                sys.exit(f'{where}: not JSON ({e})')
            if n == 1:
                if not isinstance(o, dict) or o.get('clip_truth') != 1 or \
                        not all(isinstance(o.get(k), int) and o[k] > 0 for k in ('width', 'height')):
                    sys.exit(f'{where}: not a clip ground-truth header')
                meta = o
                continue
            if not isinstance(o, dict) or not isinstance(o.get('vehicle'), int) or \
                    not isinstance(o.get('vrm'), str) or not o['vrm'].isalnum() or \
                    not isinstance(o.get('boxes', []), list) or not all(box_ok(b) for b in o.get('boxes', [])):
                sys.exit(f'{where}: not a vehicle line (vehicle, vrm, boxes)')
            inside = [b for b in o.get('boxes', [])
                      if b[1] >= 2 and b[2] >= 2 and b[1] + b[3] <= meta['width'] - 2
                      and b[2] + b[4] <= meta['height'] - 2]
            if not inside:
                continue
            inside.sort(key=lambda b: b[3])
            for tag, b in (('L', inside[-1]), ('M', inside[len(inside) // 2])):
                want.setdefault(b[0], []).append((o['vehicle'], tag, o['vrm'], b[1:5]))
    if meta is None:
        sys.exit(f'{truth_path}: empty')
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
