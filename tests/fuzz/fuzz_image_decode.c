/* SPDX-License-Identifier: MIT */
/* libFuzzer target: anpr_cv_probe() and anpr_cv_decode() on untrusted bytes, checking what they promise. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "opencv_c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A decoded image has the probed size (or its transpose, after EXIF orientation) and the asked channels. */
static void check_decoded(const anpr_image *img, int w, int h, int channels)
{
	if (img->channels != channels || !img->owned || img->stride < (size_t)img->width * (size_t)channels)
		abort();
	if (!(img->width == w && img->height == h) && !(img->width == h && img->height == w))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	anpr_image img = { 0 };
	int w = 0, h = 0;
	anpr_err probed = anpr_cv_probe(data, size, &w, &h);

	if (probed == ANPR_ERR_OK && (w <= 0 || h <= 0))
		abort();
	if (probed != ANPR_ERR_OK && (w != 0 || h != 0))
		abort();
	if (anpr_cv_decode(data, size, ANPR_CV_LOAD_GREY, &img) == ANPR_ERR_OK)
		check_decoded(&img, w, h, 1);
	if (anpr_cv_decode(data, size, ANPR_CV_LOAD_COLOR, &img) == ANPR_ERR_OK)
		check_decoded(&img, w, h, 3);
	anpr_image_free(&img);
	return 0;
}
