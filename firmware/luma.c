/* SPDX-License-Identifier: MIT */
/* Luma extraction, area-average downscale and the variance-of-Laplacian focus measure. */
#include "luma.h"

void anpr_luma_extract(const uint8_t *src, int w, int h, size_t stride, int channels, uint8_t *dst)
{
	for (int y = 0; y < h; y++) {
		const uint8_t *s = src + (size_t)y * stride;
		uint8_t *d = dst + (size_t)y * (size_t)w;
		if (channels == 1) {
			for (int x = 0; x < w; x++)
				d[x] = s[x];
			continue;
		}
		/* BT.601 weights in 8-bit fixed point (B, G, R order), as OpenCV's BGR2GRAY. */
		for (int x = 0; x < w; x++, s += channels)
			d[x] = (uint8_t)((29u * s[0] + 150u * s[1] + 77u * s[2] + 128u) >> 8);
	}
}

void anpr_luma_downscale(const uint8_t *src, int w, int h, size_t stride, uint8_t *dst, int cols, int rows)
{
	for (int r = 0; r < rows; r++) {
		int y0 = (int)((int64_t)r * h / rows), y1 = (int)((int64_t)(r + 1) * h / rows);
		if (y1 <= y0)
			y1 = y0 + 1;
		for (int c = 0; c < cols; c++) {
			int x0 = (int)((int64_t)c * w / cols), x1 = (int)((int64_t)(c + 1) * w / cols);
			uint64_t sum = 0, n;
			if (x1 <= x0)
				x1 = x0 + 1;
			for (int y = y0; y < y1; y++) {
				const uint8_t *s = src + (size_t)y * stride;
				for (int x = x0; x < x1; x++)
					sum += s[x];
			}
			n = (uint64_t)(y1 - y0) * (uint64_t)(x1 - x0);
			dst[(size_t)r * (size_t)cols + (size_t)c] = (uint8_t)((sum + n / 2) / n);
		}
	}
}

double anpr_luma_sharpness(const uint8_t *src, int w, int h, size_t stride)
{
	/* Integer sums: exact, and a 4K frame's sum of squares fits in 64 bits (4096^2 * 1020^2 < 2^64). */
	int64_t sum = 0;
	uint64_t sq = 0, n;

	if (w < 3 || h < 3)
		return 0.0;
	for (int y = 1; y < h - 1; y++) {
		const uint8_t *up = src + (size_t)(y - 1) * stride, *row = up + stride, *dn = row + stride;
		for (int x = 1; x < w - 1; x++) {
			int lap = up[x] + dn[x] + row[x - 1] + row[x + 1] - 4 * row[x];
			sum += lap;
			sq += (uint64_t)(lap * lap);
		}
	}
	n = (uint64_t)(w - 2) * (uint64_t)(h - 2);
	double mean = (double)sum / (double)n;
	double var = (double)sq / (double)n - mean * mean;
	return var > 0 ? var : 0.0;
}
