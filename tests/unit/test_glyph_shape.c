/* SPDX-License-Identifier: MIT */
/*
 * glyph_shape: the features of a glyph, the committed model's verdict on the
 * H, M, N and W of plates rendered by the project's generator in both plate
 * fonts, and how a verdict reweighs the OCR's alternatives.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "glyph_shape.h"
#include "opencv_c.h"
#include "recog_internal.h"
#include "synth.h"

static void features(void)
{
	anpr_image ink = { 0 };
	float f[ANPR_GLYPH_SHAPE_FEATURES];

	CHECK_INT(anpr_image_alloc(&ink, 40, 60, 1), ANPR_ERR_OK);
	if (!ink.data)
		return;
	/* Ink on the left half of a 24 x 36 box at (8, 12): the grid's left three columns full, the rest empty. */
	for (int y = 0; y < ink.height; y++)
		for (int x = 0; x < ink.width; x++)
			ink.data[(size_t)y * ink.stride + x] =
			    (uint8_t)(x >= 8 && x < 20 && y >= 12 && y < 48 ? 255 : 0);
	CHECK(anpr_glyph_shape_features(&ink, (anpr_rect){ 8, 12, 24, 36 }, f));
	CHECK(fabsf(f[0] - 24.0f / 36.0f) < 1e-6f);
	for (int gy = 0; gy < ANPR_GLYPH_SHAPE_GRID_H; gy++)
		for (int gx = 0; gx < ANPR_GLYPH_SHAPE_GRID_W; gx++)
			CHECK(f[1 + gy * ANPR_GLYPH_SHAPE_GRID_W + gx] == (gx < 3 ? 1.0f : 0.0f));
	/* Boxes off the image or smaller than the grid are refused. */
	CHECK(!anpr_glyph_shape_features(&ink, (anpr_rect){ 20, 30, 24, 36 }, f));
	CHECK(!anpr_glyph_shape_features(&ink, (anpr_rect){ -1, 0, 10, 20 }, f));
	CHECK(!anpr_glyph_shape_features(&ink, (anpr_rect){ 0, 0, 5, 20 }, f));
	anpr_image_free(&ink);
}

/* logp for H, M, N, W with M much likelier than the rest. */
static const float says_m[ANPR_GLYPH_SHAPE_CLASSES] = { -6.0f, -0.01f, -7.0f, -5.0f };

static void reweigh(void)
{
	/*
	 * H read first, M second, a non-letter third: the shape puts M first
	 * with nearly all of the 0.9 the two held, H falls behind the 5, and the
	 * 5 keeps its share.
	 */
	anpr_ocr_pos pos = { .alt = { { 'H', 0.6f }, { 'M', 0.3f }, { '5', 0.1f } }, .n = 3 };
	anpr_glyph_shape_reweigh(&pos, says_m);
	CHECK(pos.alt[0].c == 'M' && pos.alt[1].c == '5' && pos.alt[2].c == 'H');
	CHECK(fabsf(pos.alt[0].p + pos.alt[2].p - 0.9f) < 1e-5f);
	CHECK(pos.alt[0].p > 0.85f);
	CHECK(pos.alt[1].p == 0.1f);
	CHECK(pos.alt[2].p > 0.0f);

	/* Only one of the four offered: nothing to choose between, nothing changes (M is not added). */
	anpr_ocr_pos one = { .alt = { { 'H', 0.7f }, { 'K', 0.3f } }, .n = 2 };
	anpr_glyph_shape_reweigh(&one, says_m);
	CHECK(one.n == 2 && one.alt[0].c == 'H' && one.alt[0].p == 0.7f && one.alt[1].c == 'K');

	/* The best is not one of the four: left alone. */
	anpr_ocr_pos other = { .alt = { { 'K', 0.6f }, { 'H', 0.2f }, { 'M', 0.2f } }, .n = 3 };
	CHECK(!anpr_glyph_shape_doubtful(&other));
	anpr_glyph_shape_reweigh(&other, says_m);
	CHECK(other.alt[0].c == 'K' && other.alt[1].p == 0.2f && other.alt[2].p == 0.2f);

	/* A verdict sure beyond float range still leaves every alternative possible. */
	const float certain[ANPR_GLYPH_SHAPE_CLASSES] = { -200.0f, 0.0f, -200.0f, -200.0f };
	anpr_ocr_pos w = { .alt = { { 'W', 0.9f }, { 'M', 0.05f }, { 'N', 0.05f } }, .n = 3 };
	anpr_glyph_shape_reweigh(&w, certain);
	CHECK(w.alt[0].c == 'M');
	for (int a = 0; a < w.n; a++)
		CHECK(w.alt[a].p >= 1e-6f && w.alt[a].p <= 1.0f);

	/* One model's alternatives can hold more than 1 together: the winner still gets at most 1. */
	anpr_ocr_pos rich = { .alt = { { 'H', 0.9f }, { 'M', 0.8f } }, .n = 2 };
	anpr_glyph_shape_reweigh(&rich, says_m);
	CHECK(rich.alt[0].c == 'M' && rich.alt[0].p == 1.0f && rich.alt[1].p >= 1e-6f);
}

/*
 * Plates of the four letters in both fonts, front and rear, at about 40 px
 * glyphs (as strips hand them on): each H, M, N and W piece of the
 * thresholded plate is classed as what was drawn.
 */
static void rendered(void)
{
	static const char *const marks[][2] = {
		{ "HM05NWH", "HM05 NWH" },
		{ "WN16MHW", "WN16 MHW" },
		{ "MW21HNM", "MW21 HNM" },
		{ "NH68WMN", "NH68 WMN" },
	};
	anpr_synth *s = NULL;
	anpr_image plate = { 0 }, grey = { 0 }, ink = { 0 };
	int tried = 0, right = 0;

	CHECK_INT(anpr_synth_open(NULL, &s), ANPR_ERR_OK);
	if (!s)
		return;
	for (int font = 0; font < 2; font++)
		for (int rear = 0; rear < 2; rear++)
			for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
				anpr_synth_plate p = { .font = font,
						       .rear = rear,
						       .band = ANPR_SYNTH_BAND_NONE };
				anpr_rect pieces[16];

				strcpy(p.vrm.text, marks[m][0]);
				strcpy(p.vrm.display, marks[m][1]);
				p.vrm.gap = 4;
				p.vrm.format = ANPR_VRM_GEN_CURRENT;
				if (anpr_synth_render_plate(s, &p, 0.5, &plate) != ANPR_ERR_OK ||
				    anpr_cv_convert(&plate, &grey, ANPR_CV_BGR2GREY) != ANPR_ERR_OK) {
					CHECK(false);
					continue;
				}
				int n = anpr_ocr_glyph_pieces(&grey, &ink, pieces, 16);
				CHECK_INT(n, 7);
				for (int i = 0; i < n && i < 7; i++) {
					const char *at = strchr(ANPR_GLYPH_SHAPE_LETTERS, marks[m][0][i]);
					float f[ANPR_GLYPH_SHAPE_FEATURES], logp[ANPR_GLYPH_SHAPE_CLASSES];
					int best = 0;

					if (!at || !anpr_glyph_shape_features(&ink, pieces[i], f))
						continue;
					anpr_glyph_shape_classify(f, logp);
					float sum = 0.0f;
					for (int c = 0; c < ANPR_GLYPH_SHAPE_CLASSES; c++) {
						sum += expf(logp[c]);
						best = logp[c] > logp[best] ? c : best;
					}
					CHECK(fabsf(sum - 1.0f) < 1e-4f);
					tried++;
					right += best == (int)(at - ANPR_GLYPH_SHAPE_LETTERS);
				}
			}
	/* 4 marks x 5 letters of the four x 2 fonts x 2 sides. */
	CHECK_INT(tried, 80);
	CHECK_INT(right, tried);
	anpr_image_free(&plate);
	anpr_image_free(&grey);
	anpr_image_free(&ink);
	anpr_synth_close(s);
}

int main(void)
{
	features();
	reweigh();
	rendered();
	return check_summary();
}
