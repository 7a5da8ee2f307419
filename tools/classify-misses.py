#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Classifies every miss of the plate reader on a folder with ground truth (docs/ocr-accuracy.md).

Reads `anpr-read --json FILE...` output (one object per image, run inside DIR) and the
`.txt` ground truth beside each image; for anpr-synth sets, also DIR/manifest.tsv, to
break the results down by the drawn parameters (tier, format, occluder, band, ...).

A plate counts as found as in `anpr-read --bench`: a read whose quad contains the truth
box's centre and whose centre lies in the truth box; the most confident such read is
the top-1. Each image is one of:
  ok              top-1 is the truth
  notfound        no read at all in the image
  notfound-other  reads, none on the plate
  rank            the truth is among the top-1's alternatives, ranked lower
  dropped/extra   top-1 shorter/longer than the truth (a partial row, a lost glyph, a
                  stray symbol)
  lookalike       same length, every wrong symbol a plate-font look-alike
  subst           same length, other substitutions

Usage: cd DIR && anpr-read --country uk --json *.jpg > /tmp/reads.jsonl
       tools/classify-misses.py DIR /tmp/reads.jsonl [--list]
Plate text is personal data: --list prints it, for synthetic sets only.
"""
import collections
import json
import os
import sys

LOOKALIKES = [set(s) for s in ('0ODQ', '1IT', '5S', '8B', '2Z', '6G', '4A', '7T')]
BREAKDOWN = ('tier', 'format', 'occluder', 'band', 'side', 'ir', 'font')


def lookalike(a, b):
    return any(a in s and b in s for s in LOOKALIKES)


def inside(quad, x, y):
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys)


def classify(obj, truth):
    x, y, w, h, vrm = truth
    best = None
    for p in obj.get('plates', []):
        q = p['quad']
        qx = sum(a[0] for a in q) / 4
        qy = sum(a[1] for a in q) / 4
        if p['text'] and inside(q, x + w / 2, y + h / 2) and x <= qx <= x + w and y <= qy <= y + h:
            if best is None or p['confidence'] > best['confidence']:
                best = p
    if best is None:
        return ('notfound' if not obj.get('plates') else 'notfound-other'), None
    text = best['text']
    if text == vrm:
        return 'ok', best
    if vrm in [c['text'] for c in best.get('candidates', [])]:
        return 'rank', best
    if len(text) != len(vrm):
        return ('dropped' if len(text) < len(vrm) else 'extra'), best
    if all(lookalike(a, b) for a, b in zip(vrm, text) if a != b):
        return 'lookalike', best
    return 'subst', best


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    folder, reads = sys.argv[1], sys.argv[2]
    listing = '--list' in sys.argv[3:]
    manifest = {}
    path = os.path.join(folder, 'manifest.tsv')
    if os.path.exists(path):
        with open(path) as f:
            rows = [line.rstrip('\n').split('\t') for line in f if not line.startswith('#')]
        manifest = {r[1]: dict(zip(rows[0], r)) for r in rows[1:] if len(r) > 1}
    total = collections.Counter()
    by = collections.defaultdict(collections.Counter)
    misses = []
    with open(reads) as f:
        for line in f:
            obj = json.loads(line)
            name = obj['file']
            with open(os.path.join(folder, name.rsplit('.', 1)[0] + '.txt')) as g:
                gt = g.read().split()
            if len(gt) < 6:
                continue
            truth = (int(gt[1]), int(gt[2]), int(gt[3]), int(gt[4]), gt[5])
            cls, best = classify(obj, truth)
            total[cls] += 1
            m = manifest.get(name, {})
            for k in BREAKDOWN:
                if k in m:
                    by[f'{k}={m[k]}'][cls] += 1
            if cls != 'ok':
                misses.append((cls, name, truth[4], best['text'] if best else '-', m.get('tier', '')))
    n = sum(total.values())
    print(f'{n} images: ' + ', '.join(f'{k} {v}' for k, v in total.most_common()))
    for k in sorted(by):
        c = by[k]
        t = sum(c.values())
        rest = ', '.join(f'{a} {b}' for a, b in c.most_common() if a != 'ok')
        print(f'  {k:24s} {t:5d}  ok {100 * c["ok"] / t:5.1f}%  {rest}')
    if listing:
        for row in sorted(misses):
            print('\t'.join(row))


if __name__ == '__main__':
    main()
