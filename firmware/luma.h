/* SPDX-License-Identifier: MIT */
/* Small luma (8-bit grey) helpers for the diagnostic interface: extraction, area-average downscale, sharpness. */
#ifndef ANPR_LUMA_H
#define ANPR_LUMA_H

#include <stddef.h>
#include <stdint.h>

/*
 * Pure functions over caller-owned buffers; any thread. Images are row-major
 * with a stride in bytes; sizes must be at least 1x1.
 */

/* Writes the luma of a BGR (channels 3) or grey (channels 1) image into dst (w*h bytes, stride w). */
void anpr_luma_extract(const uint8_t *src, int w, int h, size_t stride, int channels, uint8_t *dst);

/*
 * Area-average downscale of a w x h grey image to cols x rows (dst: cols*rows
 * bytes, row-major): each output cell is the rounded mean of the source
 * pixels whose columns fall in [c*w/cols, (c+1)*w/cols) and rows likewise
 * (at least one pixel each, so upscaling repeats pixels).
 */
void anpr_luma_downscale(const uint8_t *src, int w, int h, size_t stride, uint8_t *dst, int cols, int rows);

/*
 * Variance of the 4-neighbour Laplacian over the interior pixels: the usual
 * focus measure (higher is sharper; 0 for a flat or too small image).
 */
double anpr_luma_sharpness(const uint8_t *src, int w, int h, size_t stride);

#endif
