/* SPDX-License-Identifier: MIT */
/*
 * glyph_shape: the features of a glyph, its classes, the committed model's
 * verdict on every symbol of plates rendered by the project's generator in
 * both plate fonts, how a verdict reweighs the OCR's alternatives, and how
 * the recogniser uses the shapes: offering a symbol the OCR missed, and
 * splitting glyphs the LSTM ran together.
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

/* An OCR alternative: symbol sym at probability prob, no shape verdict yet. */
#define ALT(sym, prob)                  \
	{                               \
		.c = (sym), .p = (prob) \
	}

/* Every class at log probability rest, except symbol c's at mine. */
static void verdict(float logp[ANPR_GLYPH_SHAPE_CLASSES], char c, float mine, float rest)
{
	for (int k = 0; k < ANPR_GLYPH_SHAPE_CLASSES; k++)
		logp[k] = rest;
	logp[anpr_glyph_shape_class(c)] = mine;
}

static void classes(void)
{
	CHECK_INT(anpr_glyph_shape_class('A'), 0);
	CHECK_INT(anpr_glyph_shape_class('Z'), 25);
	CHECK_INT(anpr_glyph_shape_class('1'), 26);
	CHECK_INT(anpr_glyph_shape_class('9'), ANPR_GLYPH_SHAPE_CLASSES - 1);
	/* O and 0 are one glyph on UK plates: one class. */
	CHECK_INT(anpr_glyph_shape_class('0'), anpr_glyph_shape_class('O'));
	CHECK_INT(anpr_glyph_shape_class('a'), -1);
	CHECK_INT(anpr_glyph_shape_class(' '), -1);
	CHECK_INT(anpr_glyph_shape_class('\0'), -1);
	CHECK_INT((int)strlen(ANPR_GLYPH_SHAPE_SYMBOLS), ANPR_GLYPH_SHAPE_CLASSES);
}

static void reweigh(void)
{
	float says_m[ANPR_GLYPH_SHAPE_CLASSES];

	verdict(says_m, 'M', -0.01f, -8.0f);
	says_m[anpr_glyph_shape_class('H')] = -6.0f;
	/*
	 * H read first, M second, a 5 third: the shape puts M first with nearly
	 * all of the 0.95 the three held, and H and the 5 fall behind it.
	 */
	anpr_ocr_pos pos = { .alt = { ALT('H', 0.6f), ALT('M', 0.3f), ALT('5', 0.05f) }, .n = 3 };
	CHECK(anpr_glyph_shape_doubtful(&pos));
	anpr_glyph_shape_reweigh(&pos, says_m);
	CHECK(pos.alt[0].c == 'M' && pos.alt[1].c == 'H' && pos.alt[2].c == '5');
	CHECK(fabsf(pos.alt[0].p + pos.alt[1].p + pos.alt[2].p - 0.95f) < 1e-5f);
	CHECK(pos.alt[0].p > 0.94f);
	CHECK(pos.alt[2].p > 0.0f && pos.alt[2].p < pos.alt[1].p);

	/* One alternative, or only O and 0: nothing to choose between by shape, nothing changes. */
	anpr_ocr_pos one = { .alt = { ALT('H', 0.7f) }, .n = 1 };
	CHECK(!anpr_glyph_shape_doubtful(&one));
	anpr_glyph_shape_reweigh(&one, says_m);
	CHECK(one.n == 1 && one.alt[0].c == 'H' && one.alt[0].p == 0.7f);
	anpr_ocr_pos round = { .alt = { ALT('O', 0.6f), ALT('0', 0.4f) }, .n = 2 };
	CHECK(!anpr_glyph_shape_doubtful(&round));
	anpr_glyph_shape_reweigh(&round, says_m);
	CHECK(round.alt[0].c == 'O' && round.alt[0].p == 0.6f && round.alt[1].p == 0.4f);

	/* O, 0 and D, the shape says D: D comes first, and O and 0 keep their ratio. */
	float says_d[ANPR_GLYPH_SHAPE_CLASSES];
	verdict(says_d, 'D', -0.1f, -6.0f);
	says_d[anpr_glyph_shape_class('O')] = -2.5f;
	anpr_ocr_pos od = { .alt = { ALT('O', 0.5f), ALT('0', 0.3f), ALT('D', 0.2f) }, .n = 3 };
	anpr_glyph_shape_reweigh(&od, says_d);
	CHECK(od.alt[0].c == 'D' && od.alt[1].c == 'O' && od.alt[2].c == '0');
	CHECK(fabsf(od.alt[1].p / od.alt[2].p - 0.5f / 0.3f) < 1e-3f);
	CHECK(fabsf(od.alt[0].p + od.alt[1].p + od.alt[2].p - 1.0f) < 1e-5f);

	/*
	 * What the shape leaves of each alternative's look-alikes (grammar.h):
	 * next to nothing of a plain 6 read as G (the floor, 0.02), all of a 5
	 * read as S when the shape cannot tell them apart, and no verdict for a
	 * symbol without look-alikes. O's look-alike 0 is its own class, so it
	 * keeps all of it.
	 */
	float says_6[ANPR_GLYPH_SHAPE_CLASSES];
	verdict(says_6, '6', -0.01f, -8.0f);
	says_6[anpr_glyph_shape_class('K')] = -5.0f;
	anpr_ocr_pos six = { .alt = { ALT('6', 0.6f), ALT('5', 0.2f), ALT('K', 0.1f), ALT('O', 0.1f) },
			     .n = 4 };
	anpr_glyph_shape_reweigh(&six, says_6);
	CHECK(six.alt[0].c == '6' && six.alt[0].shape_subst == 0.02f);
	for (int a = 1; a < six.n; a++)
		CHECK(six.alt[a].shape_subst == (six.alt[a].c == 'K' ? 0.0f : 1.0f));
	float says_g[ANPR_GLYPH_SHAPE_CLASSES];
	verdict(says_g, 'G', -0.2f, -8.0f);
	says_g[anpr_glyph_shape_class('6')] = -1.8f;
	says_g[anpr_glyph_shape_class('C')] = -3.0f;
	anpr_ocr_pos g6 = { .alt = { ALT('6', 0.8f), ALT('C', 0.2f) }, .n = 2 };
	anpr_glyph_shape_reweigh(&g6, says_g);
	/* A G by shape: the 6 keeps all of its look-alike G (capped at 1); the C, likelier than a 0, little of its 0. */
	for (int a = 0; a < g6.n; a++)
		CHECK(g6.alt[a].c == '6' ? g6.alt[a].shape_subst == 1.0f : g6.alt[a].shape_subst == 0.02f);

	/* A verdict sure beyond float range still leaves every alternative possible. */
	float certain[ANPR_GLYPH_SHAPE_CLASSES];
	verdict(certain, 'M', 0.0f, -200.0f);
	anpr_ocr_pos w = { .alt = { ALT('W', 0.9f), ALT('M', 0.05f), ALT('N', 0.05f) }, .n = 3 };
	anpr_glyph_shape_reweigh(&w, certain);
	CHECK(w.alt[0].c == 'M');
	for (int a = 0; a < w.n; a++)
		CHECK(w.alt[a].p >= 1e-6f && w.alt[a].p <= 1.0f);

	/* One model's alternatives can hold more than 1 together: the winner still gets at most 1. */
	anpr_ocr_pos rich = { .alt = { ALT('H', 0.9f), ALT('M', 0.8f) }, .n = 2 };
	anpr_glyph_shape_reweigh(&rich, says_m);
	CHECK(rich.alt[0].c == 'M' && rich.alt[0].p == 1.0f && rich.alt[1].p >= 1e-6f);
}

/*
 * Plates holding every symbol but I, in both fonts, front and rear, at
 * about 40 px glyphs (as strips hand them on): each glyph piece of the
 * thresholded plate is classed as what was drawn. I is left out: no GB
 * mark holds it, so the rendered training plates hardly do, and the model
 * takes a rendered I for a 1 (the reader never asks about a glyph that
 * narrow; ocr/model/README.md).
 */
static void rendered(anpr_synth *s)
{
	static const char *const marks[][2] = {
		{ "AB01CDE", "AB01 CDE" }, { "FG23HJK", "FG23 HJK" }, { "LM45NOP", "LM45 NOP" },
		{ "QR67STU", "QR67 STU" }, { "VW89XYZ", "VW89 XYZ" }, { "MH05NWM", "MH05 NWM" },
	};
	anpr_image plate = { 0 }, grey = { 0 }, ink = { 0 };
	int tried = 0, right = 0;

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
					int drawn = anpr_glyph_shape_class(marks[m][0][i]);
					float f[ANPR_GLYPH_SHAPE_FEATURES], logp[ANPR_GLYPH_SHAPE_CLASSES];
					int best = 0;

					if (!anpr_glyph_shape_features(&ink, pieces[i], f))
						continue;
					anpr_glyph_shape_classify(f, logp);
					float sum = 0.0f;
					for (int c = 0; c < ANPR_GLYPH_SHAPE_CLASSES; c++) {
						sum += expf(logp[c]);
						best = logp[c] > logp[best] ? c : best;
					}
					CHECK(fabsf(sum - 1.0f) < 1e-4f);
					tried++;
					right += best == drawn;
				}
			}
	/* 6 marks x 7 symbols x 2 fonts x 2 sides. */
	CHECK_INT(tried, 168);
	CHECK_INT(right, tried);
	anpr_image_free(&plate);
	anpr_image_free(&grey);
	anpr_image_free(&ink);
}

/* Renders mark (display: with its space) as a front plate in font 0; the count of its glyph pieces. */
static int render_pieces(anpr_synth *s, const char *mark, const char *display, anpr_image *grey,
			 anpr_image *ink, anpr_rect *pieces, int max)
{
	anpr_synth_plate p = { .font = 0, .band = ANPR_SYNTH_BAND_NONE };
	anpr_image plate = { 0 };
	int n = -1;

	strcpy(p.vrm.text, mark);
	strcpy(p.vrm.display, display);
	p.vrm.gap = (int)(strchr(display, ' ') - display);
	p.vrm.format = ANPR_VRM_GEN_CURRENT;
	if (anpr_synth_render_plate(s, &p, 0.5, &plate) == ANPR_ERR_OK &&
	    anpr_cv_convert(&plate, grey, ANPR_CV_BGR2GREY) == ANPR_ERR_OK)
		n = anpr_ocr_glyph_pieces(grey, ink, pieces, max);
	anpr_image_free(&plate);
	return n;
}

/*
 * A line as the OCR might give it: text's symbols, each boxed over the
 * pieces from[i] to to[i] (inclusive), or over a sliver at the right end
 * of piece from[i] when to[i] is -1. Each symbol also offers a second,
 * unlikely one, so a kept position can be told from a made one.
 */
static void make_line(const char *text, const anpr_rect *pieces, const int *from, const int *to,
		      anpr_ocr_line *line, int *x0, int *x1)
{
	line->n = (int)strlen(text);
	for (int i = 0; i < line->n; i++) {
		const anpr_rect *a = &pieces[from[i]], *b = &pieces[to[i] < 0 ? from[i] : to[i]];
		line->pos[i] = (anpr_ocr_pos){ .n = 2, .height = 1.0f };
		line->pos[i].alt[0] = (anpr_ocr_alt){ .c = text[i], .p = 0.8f };
		line->pos[i].alt[1] = (anpr_ocr_alt){ .c = text[i] == 'Q' ? 'R' : 'Q', .p = 0.01f };
		x0[i] = to[i] < 0 ? a->x + a->width - 2 : a->x;
		x1[i] = b->x + b->width;
	}
}

static void line_text(const anpr_ocr_line *line, char *out)
{
	for (int i = 0; i < line->n; i++)
		out[i] = line->pos[i].alt[0].c;
	out[line->n] = '\0';
}

static void split(anpr_synth *s)
{
	anpr_image grey = { 0 }, ink = { 0 };
	anpr_rect pc[16];
	anpr_ocr_line line;
	int x0[ANPR_OCR_MAX_POS], x1[ANPR_OCR_MAX_POS];
	char text[ANPR_OCR_MAX_POS + 1];

	/* A narrow 1 swallowed by the 7 before it: DA71AUU read DA7AUU. */
	CHECK_INT(render_pieces(s, "DA71AUU", "DA71 AUU", &grey, &ink, pc, 16), 7);
	make_line("DA7AUU", pc, (const int[]){ 0, 1, 2, 4, 5, 6 }, (const int[]){ 0, 1, 3, 4, 5, 6 }, &line,
		  x0, x1);
	CHECK_INT(anpr_ocr_split_merged(&line, x0, x1, &grey, &ink), 1);
	line_text(&line, text);
	CHECK_STR(text, "DA71AUU");
	/* The 7 keeps the OCR's alternatives and its piece's box; the 1 is the shape's, sure. */
	CHECK(line.pos[2].n == 2 && line.pos[2].alt[0].p == 0.8f);
	CHECK(x0[2] == pc[2].x && x1[2] == pc[2].x + pc[2].width);
	CHECK(line.pos[3].n == 1 && line.pos[3].alt[0].p >= 0.9f && line.pos[3].alt[0].p <= 1.0f);
	CHECK(x0[3] == pc[3].x && x1[3] == pc[3].x + pc[3].width && !line.pos[3].gap_before);
	CHECK(x0[6] == pc[6].x);

	/* Across the space between the groups the pieces stand too far apart: 1 and A are not split. */
	make_line("DA71UU", pc, (const int[]){ 0, 1, 2, 3, 5, 6 }, (const int[]){ 0, 1, 2, 4, 5, 6 }, &line,
		  x0, x1);
	CHECK_INT(anpr_ocr_split_merged(&line, x0, x1, &grey, &ink), 0);
	line_text(&line, text);
	CHECK_STR(text, "DA71UU");

	/* A whole group run into one symbol: AB58NCJ read 8NCJ. */
	CHECK_INT(render_pieces(s, "AB58NCJ", "AB58 NCJ", &grey, &ink, pc, 16), 7);
	make_line("8NCJ", pc, (const int[]){ 0, 4, 5, 6 }, (const int[]){ 3, 4, 5, 6 }, &line, x0, x1);
	CHECK_INT(anpr_ocr_split_merged(&line, x0, x1, &grey, &ink), 3);
	line_text(&line, text);
	CHECK_STR(text, "AB58NCJ");
	CHECK(line.pos[3].n == 2 && line.pos[3].alt[1].c == 'Q');

	/* The symbol read is none of the pieces in its box: nothing to anchor a split. */
	make_line("ABXNCJ", pc, (const int[]){ 0, 1, 2, 4, 5, 6 }, (const int[]){ 0, 1, 3, 4, 5, 6 }, &line,
		  x0, x1);
	CHECK_INT(anpr_ocr_split_merged(&line, x0, x1, &grey, &ink), 0);

	/*
	 * Tesseract boxed A over A and B, and B over a sliver of its glyph: the
	 * B piece is B's, not a glyph A swallowed, and is not read twice.
	 */
	make_line("AB58NCJ", pc, (const int[]){ 0, 1, 2, 3, 4, 5, 6 }, (const int[]){ 1, -1, 2, 3, 4, 5, 6 },
		  &line, x0, x1);
	CHECK_INT(anpr_ocr_split_merged(&line, x0, x1, &grey, &ink), 0);
	line_text(&line, text);
	CHECK_STR(text, "AB58NCJ");

	/* Boxes out of the line's order (N's a sliver left of the pieces 8's box holds): left alone. */
	make_line("8NCJ", pc, (const int[]){ 0, 4, 5, 6 }, (const int[]){ 3, 4, 5, 6 }, &line, x0, x1);
	x0[1] = pc[0].x;
	x1[1] = pc[0].x + 2;
	CHECK_INT(anpr_ocr_split_merged(&line, x0, x1, &grey, &ink), 0);

	/* Bad input. */
	CHECK_INT(anpr_ocr_split_merged(NULL, x0, x1, &grey, &ink), 0);
	line.n = ANPR_OCR_MAX_POS + 1;
	CHECK_INT(anpr_ocr_split_merged(&line, x0, x1, &grey, &ink), 0);

	anpr_image_free(&grey);
	anpr_image_free(&ink);
}

/* Whether the OCR position offers symbol c. */
static bool offers(const anpr_ocr_pos *pos, char c)
{
	for (int a = 0; a < pos->n; a++)
		if (pos->alt[a].c == c)
			return true;
	return false;
}

/*
 * A glyph the OCR missed outright (an A read R, with no A among its
 * alternatives) is offered by its shape, and wins; not where its box holds
 * two glyphs, where its glyph's centre is in another symbol's box too, or
 * where a neighbour reads that class.
 */
static void offer(anpr_synth *s)
{
	anpr_image grey = { 0 }, ink = { 0 };
	anpr_rect pc[16];
	anpr_ocr_line line;
	int x0[ANPR_OCR_MAX_POS], x1[ANPR_OCR_MAX_POS];
	const int each[] = { 0, 1, 2, 3, 4, 5, 6 };

	CHECK_INT(render_pieces(s, "AB58NCJ", "AB58 NCJ", &grey, &ink, pc, 16), 7);

	make_line("RB58NCJ", pc, each, each, &line, x0, x1);
	CHECK(!offers(&line.pos[0], 'A'));
	anpr_ocr_check_shapes(&line, x0, x1, &grey, &ink);
	CHECK_INT(line.n, 7);
	CHECK(line.pos[0].alt[0].c == 'A' && line.pos[0].alt[0].p <= 0.81f);
	CHECK(offers(&line.pos[0], 'R'));
	/* Glyphs the OCR read right keep their symbol first. */
	for (int i = 1; i < 7; i++)
		CHECK(line.pos[i].alt[0].c == "AB58NCJ"[i]);

	/* R's box over both A and B (B's own a sliver): which glyph it read is not plain, so nothing is offered. */
	make_line("RB58NCJ", pc, each, each, &line, x0, x1);
	x1[0] = pc[1].x + pc[1].width;
	x0[1] = pc[1].x + pc[1].width - 2;
	anpr_ocr_check_shapes(&line, x0, x1, &grey, &ink);
	CHECK(!offers(&line.pos[0], 'A'));

	/* The A's centre also in the next symbol's box: it may be that symbol's glyph. */
	make_line("RB58NCJ", pc, each, each, &line, x0, x1);
	x0[1] = pc[0].x + pc[0].width / 2 - 1;
	anpr_ocr_check_shapes(&line, x0, x1, &grey, &ink);
	CHECK(!offers(&line.pos[0], 'A'));

	/*
	 * Boxes shifted by a glyph: A boxed over nothing left of its glyph, the
	 * next symbol (read R) over the A. The neighbour reads the glyph's
	 * class, so it is not offered again.
	 */
	make_line("AR58NCJ", pc, each, each, &line, x0, x1);
	x0[0] = pc[0].x - 6;
	x1[0] = pc[0].x - 2;
	x0[1] = pc[0].x;
	x1[1] = pc[0].x + pc[0].width;
	anpr_ocr_check_shapes(&line, x0, x1, &grey, &ink);
	CHECK(!offers(&line.pos[1], 'A'));

	/* A full position: the shape's class takes the least likely alternative's place. */
	make_line("RB58NCJ", pc, each, each, &line, x0, x1);
	line.pos[0].n = ANPR_OCR_MAX_ALTS;
	for (int a = 1; a < ANPR_OCR_MAX_ALTS; a++)
		line.pos[0].alt[a] = (anpr_ocr_alt){ .c = "XSTUVW"[a], .p = 0.01f };
	anpr_ocr_check_shapes(&line, x0, x1, &grey, &ink);
	CHECK_INT(line.pos[0].n, ANPR_OCR_MAX_ALTS);
	CHECK(line.pos[0].alt[0].c == 'A');

	/* Bad input leaves the line as it was. */
	make_line("RB58NCJ", pc, each, each, &line, x0, x1);
	anpr_ocr_check_shapes(NULL, x0, x1, &grey, &ink);
	anpr_ocr_check_shapes(&line, x0, x1, NULL, &ink);
	line.n = ANPR_OCR_MAX_POS + 1;
	anpr_ocr_check_shapes(&line, x0, x1, &grey, &ink);
	CHECK(!offers(&line.pos[0], 'A'));

	anpr_image_free(&grey);
	anpr_image_free(&ink);
}

int main(void)
{
	features();
	classes();
	reweigh();
	anpr_synth *s = NULL;

	CHECK_INT(anpr_synth_open(NULL, &s), ANPR_ERR_OK);
	if (s) {
		rendered(s);
		split(s);
		offer(s);
	}
	anpr_synth_close(s);
	return check_summary();
}
