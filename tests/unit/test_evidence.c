/* SPDX-License-Identifier: MIT */
/* Evidence images: the 120x60 patch and the 25 KB overview, on busy and pathological frames. */
#include <stdlib.h>

#include "check.h"
#include "evidence.h"

/* A road-like frame: gradients, texture and a light plate with dark marks at quad. */
static void scene(anpr_image *img, int w, int h, unsigned noise, const anpr_point q[4])
{
	CHECK_INT(anpr_image_alloc(img, w, h, 3), ANPR_ERR_OK);
	unsigned seed = 12345;
	for (int y = 0; y < h; y++) {
		uint8_t *row = img->data + (size_t)y * img->stride;
		for (int x = 0; x < w; x++) {
			seed = seed * 1103515245u + 12345u;
			int n = noise ? (int)((seed >> 16) % noise) : 0;
			int v = (x * 7 + y * 3) % 160 + ((x / 40 + y / 40) % 2) * 40 + n;
			bool inside = x >= q[0].x && x < q[1].x && y >= q[0].y && y < q[2].y;
			if (inside)
				v = ((x - (int)q[0].x) / 6 % 3 == 0 && (y - (int)q[0].y) > 6) ? 20 : 230;
			row[3 * x] = (uint8_t)(v > 255 ? 255 : v);
			row[3 * x + 1] = (uint8_t)(v * 3 / 4);
			row[3 * x + 2] = (uint8_t)(255 - (v > 255 ? 255 : v));
		}
	}
}

static void check_jpeg(const anpr_jpeg *j, int w, int h, size_t max)
{
	anpr_image back = { 0 };
	CHECK(j->data != NULL);
	CHECK(j->len <= max);
	CHECK_INT(anpr_cv_decode(j->data, j->len, ANPR_CV_LOAD_COLOR, &back), ANPR_ERR_OK);
	CHECK_INT(back.width, w);
	CHECK_INT(back.height, h);
	anpr_image_free(&back);
}

int main(void)
{
	const anpr_point q[4] = { { 900, 600 }, { 1110, 610 }, { 1108, 656 }, { 898, 646 } };
	anpr_image frame = { 0 }, patch = { 0 };
	anpr_evidence_work w = { 0 };
	anpr_jpeg j = { 0 };
	anpr_rect box;

	/* Busy 1080p and 4K frames: exact patch size, overview under its cap at a sensible size. */
	for (int big = 0; big < 2; big++) {
		int fw = big ? 3840 : 1920, fh = big ? 2160 : 1080;
		scene(&frame, fw, fh, 60, q);
		CHECK_INT(anpr_evidence_warp_patch(&frame, q, &patch), ANPR_ERR_OK);
		CHECK_INT(patch.width, ANPR_PATCH_W);
		CHECK_INT(patch.height, ANPR_PATCH_H);
		CHECK_INT(anpr_evidence_encode_patch(&patch, &j), ANPR_ERR_OK);
		check_jpeg(&j, 120, 60, ANPR_PATCH_MAX_BYTES);
		CHECK(j.quality >= 1);
		anpr_jpeg_free(&j);

		CHECK_INT(anpr_evidence_overview(&frame, q, &w, &j, &box), ANPR_ERR_OK);
		check_jpeg(&j, j.width, j.height, ANPR_OVERVIEW_MAX_BYTES);
		CHECK(j.width >= ANPR_OVERVIEW_MIN_WIDTH && j.width <= fw);
		CHECK(j.quality >= ANPR_OVERVIEW_MIN_QUALITY);
		/* The plate box scales with the overview. */
		double s = (double)j.width / fw;
		CHECK(box.x >= (int)(900 * s) - 1 && box.x <= (int)(900 * s) + 1);
		CHECK(box.x + box.width <= j.width && box.y + box.height <= j.height);
		anpr_jpeg_free(&j);
	}

	/* Pure noise (incompressible): still under the cap, at the smallest size. */
	scene(&frame, 1920, 1080, 256, q);
	for (size_t i = 0; i < (size_t)frame.height * frame.stride; i++)
		frame.data[i] = (uint8_t)(rand() & 0xff);
	CHECK_INT(anpr_evidence_overview(&frame, q, &w, &j, &box), ANPR_ERR_OK);
	check_jpeg(&j, j.width, j.height, ANPR_OVERVIEW_MAX_BYTES);
	anpr_jpeg_free(&j);
	CHECK_INT(anpr_evidence_warp_patch(&frame, q, &patch), ANPR_ERR_OK);
	CHECK_INT(anpr_evidence_encode_patch(&patch, &j), ANPR_ERR_OK);
	CHECK(j.len <= ANPR_PATCH_MAX_BYTES);
	anpr_jpeg_free(&j);

	/* A small plain frame is sent whole; a grey (IR) frame works too. */
	CHECK_INT(anpr_image_alloc(&frame, 640, 480, 3), ANPR_ERR_OK);
	memset(frame.data, 128, (size_t)frame.height * frame.stride);
	CHECK_INT(anpr_evidence_overview(&frame, q, &w, &j, NULL), ANPR_ERR_OK);
	CHECK_INT(j.width, 640);
	anpr_jpeg_free(&j);
	anpr_image grey = { 0 };
	CHECK_INT(anpr_cv_convert(&frame, &grey, ANPR_CV_BGR2GREY), ANPR_ERR_OK);
	CHECK_INT(anpr_evidence_overview(&grey, q, &w, &j, NULL), ANPR_ERR_OK);
	CHECK(j.len <= ANPR_OVERVIEW_MAX_BYTES);
	anpr_jpeg_free(&j);

	/* Degenerate or non-finite quads and bad images are refused. */
	const anpr_point flat[4] = { { 10, 10 }, { 11, 10 }, { 11, 10 }, { 10, 10 } };
	CHECK_INT(anpr_evidence_warp_patch(&frame, flat, &patch), ANPR_ERR_INVAL);
	anpr_point nan_q[4] = { { 0, 0 }, { 100, 0 }, { 100, 20 }, { 0, 20 } };
	nan_q[2].x = 0.0f / 0.0f;
	CHECK_INT(anpr_evidence_warp_patch(&frame, nan_q, &patch), ANPR_ERR_INVAL);
	anpr_image empty = { 0 };
	CHECK_INT(anpr_evidence_overview(&empty, q, &w, &j, NULL), ANPR_ERR_INVAL);
	anpr_image wrong = { 0 };
	CHECK_INT(anpr_image_alloc(&wrong, 100, 50, 3), ANPR_ERR_OK);
	CHECK_INT(anpr_evidence_encode_patch(&wrong, &j), ANPR_ERR_INVAL);

	anpr_image_free(&wrong);
	anpr_image_free(&grey);
	anpr_image_free(&frame);
	anpr_image_free(&patch);
	anpr_evidence_work_free(&w);
	return check_summary();
}
