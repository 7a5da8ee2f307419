#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fits the reader's confidence calibration from `anpr-read --bench DIR --pairs FILE` output.

Each line of a pairs file is `raw<TAB>right<TAB>family`, the family being `uk` (a UK format),
`other` (European and US formats), or `alt_uk` / `alt_other` (an alternative of a read in that
family, its raw score being its score over the read's); a line without one counts as `uk`. Per
family, pools every (raw, right) pair given, fits an isotonic (monotone non-decreasing)
regression by pool-adjacent-violators, and prints the knot table for ocr/reader.c
(calibration_uk, calibration_other, calibration_alt_uk, calibration_alt_other): raw score ->
probability that the read (or the alternative) is right. Equal scores stay in one block. Each
block's estimate is shrunk towards 0.5 by one pseudo-read each way, so a small, all-correct
bucket does not claim certainty.

Usage: tools/fit-calibration.py PAIRS_FILE... > tables.txt
"""
import math
import sys

FAMILIES = ('uk', 'other', 'alt_uk', 'alt_other')


def read_pairs(paths):
    pairs = {f: [] for f in FAMILIES}
    for path in paths:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                cols = line.rstrip('\n').split('\t')
                family = cols[2] if len(cols) > 2 else 'uk'
                try:
                    raw, ok = float(cols[0]), int(cols[1])
                except (ValueError, IndexError):
                    raw, ok = None, None
                if len(cols) not in (2, 3) or family not in pairs or ok not in (0, 1) or not math.isfinite(raw):
                    sys.exit(f'{path}:{n}: expected raw<TAB>right[<TAB>uk|other|alt_uk|alt_other]'
                             ' (raw a finite number, right 0 or 1)')
                pairs[family].append((raw, ok))
    return pairs


def fit(pairs):
    """Pool adjacent violators over pairs sorted by raw: blocks of [right, count, max raw]."""
    blocks = []
    for conf, ok in sorted(pairs):
        if blocks and blocks[-1][2] == conf:
            # Equal scores are one observation of their rate: they never straddle a knot.
            blocks[-1][0] += ok
            blocks[-1][1] += 1
        else:
            blocks.append([ok, 1, conf])
        # Merge while the curve would not rise (ties merge too, keeping the table short).
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            s, n, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
            blocks[-1][2] = c
    return blocks


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pairs = read_pairs(sys.argv[1:])
    if not any(pairs.values()):
        sys.exit('no pairs')
    for family in FAMILIES:
        if not pairs[family]:
            print(f'/* calibration_{family}: no reads, keep the table as it is */')
            continue
        what = 'alternatives' if family.startswith('alt') else 'reads'
        print(f'/* calibration_{family}: fitted on {len(pairs[family])} {what} by '
              'tools/fit-calibration.py; raw -> P(right). */')
        lo = 0.0
        for s, n, c in fit(pairs[family]):
            p = (s + 1) / (n + 2)
            print(f'\t{{ {lo:.4f}f, {p:.4f}f }}, /* {n} {what} up to raw {c:.4f}, {s} right */')
            lo = c
        right = sum(ok for _, ok in pairs[family])
        print(f'/* {family}: overall accuracy {right / len(pairs[family]):.3f} */', file=sys.stderr)


if __name__ == '__main__':
    main()
