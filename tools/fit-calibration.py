#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fits the reader's confidence calibration from `anpr-read --bench DIR --pairs FILE` output.

Pools every (raw confidence, right) pair given, fits an isotonic (monotone non-decreasing)
regression by pool-adjacent-violators, and prints the knot table for ocr/reader.c: raw
confidence -> probability that the read is right. Each block's estimate is shrunk towards
0.5 by one pseudo-read each way, so a small, all-correct bucket does not claim certainty.

Usage: tools/fit-calibration.py PAIRS_FILE... > table.txt
"""
import sys


def main():
    pairs = []
    for path in sys.argv[1:]:
        with open(path) as f:
            for line in f:
                conf, ok = line.split('\t')
                pairs.append((float(conf), int(ok)))
    if not pairs:
        sys.exit('no pairs')
    pairs.sort()
    # Pool adjacent violators: blocks of [sum_right, count, max_raw].
    blocks = []
    for conf, ok in pairs:
        blocks.append([ok, 1, conf])
        # Merge while the curve would not rise (ties merge too, keeping the table short).
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            s, n, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
            blocks[-1][2] = c
    print(f'/* Fitted on {len(pairs)} reads by tools/fit-calibration.py; raw -> P(right). */')
    lo = 0.0
    for s, n, c in blocks:
        p = (s + 1) / (n + 2)
        print(f'\t{{ {lo:.4f}f, {p:.4f}f }}, /* {n} reads up to raw {c:.4f}, {s} right */')
        lo = c
    print(f'/* overall accuracy {sum(ok for _, ok in pairs) / len(pairs):.3f} */', file=sys.stderr)


if __name__ == '__main__':
    main()
