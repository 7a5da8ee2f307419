/* SPDX-License-Identifier: MIT */
/* recog: model lookup and errors, readings of known strips, and the shape of the alternatives. */
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "glyph_shape.h"
#include "recog.h"
#include "recog_internal.h"

/*
 * Test vectors: data/recog/expected.tsv lists `strip.png<TAB>text`, strips rendered
 * once by `anpr-ocr-strips fonts` (tools/ocr_strips.c) from fonts, never from real
 * plates. The folder is argv[1], else found beside this source file.
 */
static char data_dir[4096];

static void set_data_dir(int argc, char **argv)
{
	char src[sizeof data_dir];

	if (argc > 1) {
		snprintf(data_dir, sizeof data_dir, "%s/recog", argv[1]);
		return;
	}
	snprintf(src, sizeof src, "%s", __FILE__);
	snprintf(data_dir, sizeof data_dir, "%s/data/recog", dirname(src));
}

static bool plate_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Every position: 1..MAX alternatives of distinct plate characters, p in (0, 1], sorted, summing to 1. */
static void check_shape(const anpr_ocr_line *line)
{
	CHECK(line->n >= 0 && line->n <= ANPR_OCR_MAX_POS);
	for (int i = 0; i < line->n; i++) {
		const anpr_ocr_pos *pos = &line->pos[i];
		float sum = 0;
		bool ok = pos->n >= 1 && pos->n <= ANPR_OCR_MAX_ALTS;

		for (int a = 0; ok && a < pos->n; a++) {
			ok = plate_char(pos->alt[a].c) && pos->alt[a].p > 0.0f && pos->alt[a].p <= 1.0f &&
			     (a == 0 || pos->alt[a].p <= pos->alt[a - 1].p);
			for (int b = 0; ok && b < a; b++)
				ok = pos->alt[a].c != pos->alt[b].c;
			sum += pos->alt[a].p;
		}
		CHECK(ok);
		CHECK(sum > 0.999f && sum < 1.001f);
	}
}

static bool same_line(const anpr_ocr_line *a, const anpr_ocr_line *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++) {
		if (a->pos[i].n != b->pos[i].n)
			return false;
		for (int k = 0; k < a->pos[i].n; k++)
			if (a->pos[i].alt[k].c != b->pos[i].alt[k].c ||
			    a->pos[i].alt[k].p != b->pos[i].alt[k].p)
				return false;
	}
	return true;
}

/*
 * a is b after the glyph shape check (glyph_shape.h): the same symbols at
 * each position, holding the same probability together; positions the check
 * leaves alone (not in doubt) identical.
 */
static bool same_but_shapes(const anpr_ocr_line *a, const anpr_ocr_line *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++) {
		const anpr_ocr_pos *pa = &a->pos[i], *pb = &b->pos[i];
		float sa = 0.0f, sb = 0.0f;

		if (pa->n != pb->n)
			return false;
		for (int k = 0; k < pa->n; k++) {
			int j = 0;
			while (j < pb->n && pb->alt[j].c != pa->alt[k].c)
				j++;
			if (j == pb->n || (!anpr_glyph_shape_doubtful(pb) && pa->alt[k].p != pb->alt[k].p))
				return false;
			sa += pa->alt[k].p, sb += pb->alt[k].p;
		}
		if (fabsf(sa - sb) > 1e-5f)
			return false;
	}
	return true;
}

static void best_text(const anpr_ocr_line *line, char *out)
{
	for (int i = 0; i < line->n; i++)
		out[i] = line->pos[i].alt[0].c;
	out[line->n] = '\0';
}

static void test_open_errors(void)
{
	static int not_a_handle;
	anpr_recog *r = (anpr_recog *)(void *)&not_a_handle;

	CHECK_INT(anpr_recog_open(NULL, &r), ANPR_ERR_INVAL);
	CHECK(r == NULL);
	CHECK_INT(anpr_recog_open(&(anpr_recog_cfg){ .model = NULL }, &r), ANPR_ERR_INVAL);
	CHECK_INT(anpr_recog_open(&(anpr_recog_cfg){ .model = "../etc/passwd" }, &r), ANPR_ERR_INVAL);
	CHECK_INT(anpr_recog_open(&(anpr_recog_cfg){ .model = "" }, &r), ANPR_ERR_INVAL);
	CHECK_INT(anpr_recog_open(&(anpr_recog_cfg){ .model = "plate" }, NULL), ANPR_ERR_INVAL);
	CHECK_INT(anpr_recog_open(&(anpr_recog_cfg){ .model = "no_such_model" }, &r), ANPR_ERR_NOT_FOUND);
	CHECK_INT(anpr_recog_open(&(anpr_recog_cfg){ .model_dir = "/nonexistent", .model = "plate" }, &r),
		  ANPR_ERR_NOT_FOUND);
	CHECK(r == NULL);
	anpr_recog_close(NULL);
}

/* Model specs: one name or two joined by '+'; nothing stays open after an error. */
static void test_open_spec(void)
{
	anpr_recog *two[2];
	int n = 9;

	static const char *const bad[] = {
		"",      "+",
		"+eng",  "plate+",
		"a+b+c", "plate+0123456789012345678901234567890123456789012345678901234567890123456789"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		anpr_err err = anpr_recog_open_spec(bad[i], NULL, two, &n);
		CHECK(err == ANPR_ERR_INVAL || err == ANPR_ERR_NOT_FOUND);
		CHECK(two[0] == NULL && two[1] == NULL && n == 0);
	}
	CHECK_INT(anpr_recog_open_spec(NULL, NULL, two, &n), ANPR_ERR_INVAL);
	CHECK_INT(anpr_recog_open_spec("plate+no_such_model", NULL, two, &n), ANPR_ERR_NOT_FOUND);
	CHECK(two[0] == NULL && two[1] == NULL && n == 0);
	CHECK_INT(anpr_recog_open_spec("plate", NULL, two, &n), ANPR_ERR_OK);
	CHECK(n == 1 && two[0] != NULL && two[1] == NULL);
	anpr_recog_close(two[0]);
	CHECK_INT(anpr_recog_open_spec("plate+eng", NULL, two, &n), ANPR_ERR_OK);
	CHECK(n == 2 && two[0] != NULL && two[1] != NULL);
	anpr_recog_close(two[0]);
	anpr_recog_close(two[1]);
}

static void test_bad_images(anpr_recog *r)
{
	uint8_t px[64 * 64];
	anpr_image ok = { .width = 64, .height = 32, .channels = 1, .stride = 64, .data = px };
	anpr_image img;
	anpr_ocr_line line = { .n = 3 };

	memset(px, 255, sizeof px);
	CHECK_INT(anpr_recog_read(r, NULL, &line), ANPR_ERR_INVAL);
	CHECK_INT(line.n, 0);
	CHECK_INT(anpr_recog_read(r, &ok, NULL), ANPR_ERR_INVAL);
	img = ok;
	img.channels = 3;
	CHECK_INT(anpr_recog_read(r, &img, &line), ANPR_ERR_INVAL);
	img = ok;
	img.stride = 32;
	CHECK_INT(anpr_recog_read(r, &img, &line), ANPR_ERR_INVAL);
	img = ok;
	img.height = 4;
	CHECK_INT(anpr_recog_read(r, &img, &line), ANPR_ERR_INVAL);
	img = ok;
	img.data = NULL;
	CHECK_INT(anpr_recog_read(r, &img, &line), ANPR_ERR_INVAL);
	/* A blank strip reads as nothing, without error. */
	line.n = 3;
	CHECK_INT(anpr_recog_read(r, &ok, &line), ANPR_ERR_OK);
	CHECK_INT(line.n, 0);
}

/* Reads every strip of expected.tsv; with want_text the best symbols must spell the truth. */
static void test_vectors(anpr_recog *r, bool want_text)
{
	char path[sizeof data_dir + 320], row[256];
	anpr_image img = { 0 };
	FILE *f;
	int strips = 0;

	snprintf(path, sizeof path, "%s/expected.tsv", data_dir);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (f && fgets(row, sizeof row, f)) {
		char *tab = strchr(row, '\t'), got[ANPR_OCR_MAX_POS + 1], want[ANPR_OCR_MAX_POS + 1];
		anpr_ocr_line line, again;
		size_t n = 0;

		if (row[0] == '#' || !tab)
			continue;
		*tab = '\0';
		for (const char *p = tab + 1; *p && *p != '\n' && n < ANPR_OCR_MAX_POS; p++)
			if (*p != ' ')
				want[n++] = *p;
		want[n] = '\0';
		snprintf(path, sizeof path, "%s/%s", data_dir, row);
		CHECK_INT(anpr_cv_read_file(path, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
		CHECK_INT(anpr_recog_read(r, &img, &line), ANPR_ERR_OK);
		check_shape(&line);
		best_text(&line, got);
		if (want_text) {
			CHECK_STR(got, want);
			/* A clean strip: the best symbol is clearly ahead everywhere. */
			for (int i = 0; i < line.n; i++)
				CHECK(line.pos[i].alt[0].p > 0.5f);
		}
		/* The handle is reused: a second read gives the same line. */
		CHECK_INT(anpr_recog_read(r, &img, &again), ANPR_ERR_OK);
		CHECK(same_line(&again, &line));
		strips++;
	}
	if (f)
		fclose(f);
	CHECK(strips >= 2);
	anpr_image_free(&img);
}

/* A line of the given symbols, each with one alternative at probability p (second: its runner-up). */
static anpr_ocr_line make_line(const char *best, float p, const char *second)
{
	anpr_ocr_line l = { .n = 0 };

	for (size_t i = 0; best[i] && l.n < ANPR_OCR_MAX_POS; i++) {
		anpr_ocr_pos *pos = &l.pos[l.n++];
		pos->alt[0] = (anpr_ocr_alt){ .c = best[i], .p = p };
		pos->n = 1;
		if (second && second[i]) {
			pos->alt[1] = (anpr_ocr_alt){ .c = second[i], .p = 1.0f - p };
			pos->n = 2;
		}
		pos->height = 1.0f;
	}
	return l;
}

/* Two models' lines merged as the reader merges "plate+eng". */
static void test_merge(void)
{
	/* Same length: per position the averaged alternatives, most likely first. */
	anpr_ocr_line a = make_line("AB1", 0.6f, "DX7"), b = make_line("DB1", 0.9f, "AX7");
	anpr_ocr_line_merge(&a, &b);
	CHECK_INT(a.n, 3);
	CHECK(a.pos[0].alt[0].c == 'D' && fabsf(a.pos[0].alt[0].p - 0.65f) < 1e-5f);
	CHECK(a.pos[0].alt[1].c == 'A' && fabsf(a.pos[0].alt[1].p - 0.35f) < 1e-5f);
	CHECK(a.pos[1].alt[0].c == 'B' && fabsf(a.pos[1].alt[0].p - 0.75f) < 1e-5f);
	CHECK(a.pos[2].alt[0].c == '1' && a.pos[2].n == 2);
	/* A symbol only one model offers keeps half its weight. */
	a = make_line("Q", 1.0f, NULL), b = make_line("0", 1.0f, NULL);
	anpr_ocr_line_merge(&a, &b);
	CHECK(a.pos[0].n == 2 && fabsf(a.pos[0].alt[0].p - 0.5f) < 1e-5f);
	/* A space either model saw is kept. */
	a = make_line("AB12", 0.9f, NULL), b = make_line("AB12", 0.9f, NULL);
	b.pos[2].gap_before = true;
	anpr_ocr_line_merge(&a, &b);
	CHECK(a.pos[2].gap_before && !a.pos[1].gap_before);
	/* Different lengths: the surer line is kept whole. */
	a = make_line("AB12CDE", 0.5f, NULL), b = make_line("B12CDE", 0.95f, NULL);
	anpr_ocr_line_merge(&a, &b);
	CHECK_INT(a.n, 6);
	CHECK(a.pos[0].alt[0].c == 'B' && a.pos[0].alt[0].p == 0.95f);
	a = make_line("AB12CDE", 0.95f, NULL), b = make_line("B12CDE", 0.5f, NULL);
	anpr_ocr_line_merge(&a, &b);
	CHECK_INT(a.n, 7);
	/* An empty line never replaces a read one, and a read one fills an empty one. */
	b = make_line("", 1.0f, NULL);
	anpr_ocr_line_merge(&a, &b);
	CHECK_INT(a.n, 7);
	anpr_ocr_line_merge(&b, &a);
	CHECK_INT(b.n, 7);
	CHECK(anpr_ocr_line_certainty(&(anpr_ocr_line){ .n = 0 }) == 0.0f);
	CHECK(fabsf(anpr_ocr_line_certainty(&a) - 0.95f) < 1e-5f);
}

/* Boxes for a line: [x0, x1) pairs in order; the rest of the arrays unknown. */
static void set_boxes(int *x0, int *x1, const int *pairs, int n)
{
	for (int i = 0; i < ANPR_OCR_MAX_POS; i++) {
		x0[i] = i < n ? pairs[2 * i] : 0;
		x1[i] = i < n ? pairs[2 * i + 1] : 0;
	}
}

/* A glyph said twice (a look-alike pair sharing one glyph's place) is folded back when the other model saw one fewer. */
static void test_fold(void)
{
	/* RM05SBO read RM0O5SBO: the 0 and O boxes overlap (boxes as Tesseract gave them). */
	static const int stutter[] = {
		9, 53, 60, 86, 85, 96, 91, 116, 121, 147, 163, 188, 193, 219, 224, 250
	};
	int x0[ANPR_OCR_MAX_POS], x1[ANPR_OCR_MAX_POS];
	anpr_ocr_line l = make_line("RM0O5SBO", 1.0f, NULL);

	set_boxes(x0, x1, stutter, 8);
	anpr_ocr_fold_to(&l, x0, x1, 7);
	CHECK_INT(l.n, 7);
	check_shape(&l);
	/* The folded place holds both symbols, evenly; the rest moved up. */
	CHECK(l.pos[2].n == 2 && fabsf(l.pos[2].alt[0].p - 0.5f) < 1e-5f);
	CHECK((l.pos[2].alt[0].c == '0' && l.pos[2].alt[1].c == 'O') ||
	      (l.pos[2].alt[0].c == 'O' && l.pos[2].alt[1].c == '0'));
	CHECK(l.pos[3].alt[0].c == '5' && l.pos[6].alt[0].c == 'O');
	CHECK(x0[2] == 85 && x1[2] == 116 && x0[3] == 121);

	/* No fold unless the other line is shorter. */
	l = make_line("RM0O5SBO", 1.0f, NULL);
	set_boxes(x0, x1, stutter, 8);
	anpr_ocr_fold_to(&l, x0, x1, 8);
	CHECK_INT(l.n, 8);
	anpr_ocr_fold_to(&l, x0, x1, 0);
	CHECK_INT(l.n, 8);
	/* A count folding cannot reach leaves the line as read: one stutter, two too many. */
	anpr_ocr_fold_to(&l, x0, x1, 6);
	CHECK_INT(l.n, 8);
	CHECK(l.pos[2].alt[0].c == '0' && l.pos[3].alt[0].c == 'O' && x1[7] == 250);

	/* Two real glyphs (the O0 of VO08), each a glyph wide and apart, are left alone. */
	static const int pair[] = { 24, 50, 54, 83, 88, 116, 121, 148, 164, 186, 190, 212, 226, 252 };
	l = make_line("VO08DEV", 0.97f, NULL);
	set_boxes(x0, x1, pair, 7);
	anpr_ocr_fold_to(&l, x0, x1, 6);
	CHECK_INT(l.n, 7);
	/* Overlapping boxes are not enough: not a look-alike pair, the same symbol twice, or a space between. */
	static const int close[] = { 0, 30, 10, 40, 60, 90 };
	static const struct {
		const char *text;
		bool gap; /* a space before the second symbol */
	} kept[] = { { "AB1", false }, { "001", false }, { "O01", true } };
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		l = make_line(kept[i].text, 0.97f, NULL);
		l.pos[1].gap_before = kept[i].gap;
		set_boxes(x0, x1, close, 3);
		anpr_ocr_fold_to(&l, x0, x1, 2);
		CHECK_INT(l.n, 3);
	}
	/* Without the gap the same boxes fold. */
	l = make_line("O01", 0.97f, NULL);
	set_boxes(x0, x1, close, 3);
	anpr_ocr_fold_to(&l, x0, x1, 2);
	CHECK_INT(l.n, 2);
}

/* Paints columns x0..x1-1 of rows y0..y1-1 of a grey image with v. */
static void paint(anpr_image *img, int x0, int x1, int y0, int y1, uint8_t v)
{
	for (int y = y0; y < y1; y++)
		memset(img->data + (size_t)y * img->stride + x0, v, (size_t)(x1 - x0));
}

/*
 * A strip's glyphs are the dark pieces of one height on one line, left to
 * right: a bar beside the plate (taller), a bolt or a band letter (smaller,
 * or off the line) is not one.
 */
static void test_glyph_pieces(void)
{
	anpr_image strip = { 0 }, work = { 0 };
	anpr_rect pieces[16];

	CHECK_INT(anpr_image_alloc(&strip, 320, 64, 1), ANPR_ERR_OK);
	if (!strip.data)
		return;
	paint(&strip, 0, 320, 0, 64, 230);
	/* Seven glyphs 40 px tall from row 12, a narrow one (a 1) among them. */
	static const int xs[][2] = { { 30, 56 },   { 62, 88 },   { 94, 101 }, { 130, 156 },
				     { 162, 188 }, { 194, 220 }, { 226, 252 } };
	for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
		paint(&strip, xs[i][0], xs[i][1], 12, 52, 30);
	CHECK_INT(anpr_ocr_glyph_pieces(&strip, &work, pieces, 16), 7);
	for (int i = 0; i < 7; i++)
		CHECK(pieces[i].x == xs[i][0] && pieces[i].width == xs[i][1] - xs[i][0] &&
		      pieces[i].y == 12 && pieces[i].height == 40);
	/* The thresholded strip is left in work, ink non-zero. */
	CHECK(work.width == 320 && work.data[20 * work.stride + 40] != 0 &&
	      work.data[20 * work.stride + 58] == 0);
	/* Fewer boxes wanted than there are glyphs: the count is still all of them. */
	CHECK_INT(anpr_ocr_glyph_pieces(&strip, &work, pieces, 3), 7);
	/* A dark bar beside the plate, taller than the glyphs and off their line. */
	paint(&strip, 8, 14, 2, 58, 30);
	/* A bolt, and two small band letters low on the left. */
	paint(&strip, 270, 278, 28, 36, 30);
	paint(&strip, 290, 298, 36, 50, 30);
	paint(&strip, 302, 310, 36, 50, 30);
	CHECK_INT(anpr_ocr_glyph_pieces(&strip, &work, pieces, 16), 7);
	/* Two glyphs run together (a piece across the line too wide for one): it cannot tell. */
	paint(&strip, 156, 162, 12, 52, 30);
	CHECK_INT(anpr_ocr_glyph_pieces(&strip, &work, pieces, 16), -1);
	/* Blank: none. Bad input: cannot tell. */
	paint(&strip, 0, 320, 0, 64, 230);
	CHECK_INT(anpr_ocr_glyph_pieces(&strip, &work, pieces, 16), 0);
	CHECK_INT(anpr_ocr_glyph_pieces(NULL, &work, pieces, 16), -1);
	CHECK_INT(anpr_ocr_glyph_pieces(&strip, NULL, pieces, 16), -1);
	CHECK_INT(anpr_ocr_glyph_pieces(&strip, &work, NULL, 16), -1);
	anpr_image_free(&strip);
	anpr_image_free(&work);
}

/*
 * Reading with a pair of models is the first model's line with the second's
 * merged in, in two calls, then checked by shape.
 */
static void test_read_models(anpr_recog *plate, anpr_recog *eng)
{
	char path[sizeof data_dir + 320], row[256] = "";
	anpr_image img = { 0 };
	anpr_ocr_line line, want, other;
	int calls = 9;
	FILE *f;

	snprintf(path, sizeof path, "%s/expected.tsv", data_dir);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (f && fgets(row, sizeof row, f) && (row[0] == '#' || !strchr(row, '\t')))
		;
	if (f)
		fclose(f);
	char *tab = strchr(row, '\t');
	CHECK(tab != NULL);
	if (!tab)
		return;
	*tab = '\0';
	snprintf(path, sizeof path, "%s/%s", data_dir, row);
	CHECK_INT(anpr_cv_read_file(path, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);

	CHECK_INT(anpr_recog_read_models((anpr_recog *const[2]){ NULL, eng }, &img, &line, &calls),
		  ANPR_ERR_INVAL);
	CHECK_INT(calls, 0);
	CHECK_INT(anpr_recog_read_models(NULL, &img, &line, NULL), ANPR_ERR_INVAL);

	CHECK_INT(anpr_recog_read(plate, &img, &want), ANPR_ERR_OK);
	CHECK_INT(anpr_recog_read_models((anpr_recog *const[2]){ plate, NULL }, &img, &line, &calls),
		  ANPR_ERR_OK);
	CHECK_INT(calls, 1);
	CHECK(same_but_shapes(&line, &want));

	CHECK_INT(anpr_recog_read(eng, &img, &other), ANPR_ERR_OK);
	anpr_ocr_line_merge(&want, &other);
	CHECK_INT(anpr_recog_read_models((anpr_recog *const[2]){ plate, eng }, &img, &line, &calls),
		  ANPR_ERR_OK);
	CHECK_INT(calls, 2);
	CHECK(same_but_shapes(&line, &want));
	anpr_image_free(&img);
}

int main(int argc, char **argv)
{
	anpr_recog *plate = NULL, *eng = NULL;

	set_data_dir(argc, argv);
	test_open_errors();
	test_open_spec();
	test_merge();
	test_fold();
	test_glyph_pieces();

	/* Our model, from the built-in folder (ocr/model). */
	CHECK_INT(anpr_recog_open(&(anpr_recog_cfg){ .model = "plate" }, &plate), ANPR_ERR_OK);
	if (plate) {
		test_bad_images(plate);
		test_vectors(plate, true);
	}

	/* Tesseract's stock model: found in Debian's folder; its readings are not ours to pin. */
	CHECK_INT(anpr_recog_open(&(anpr_recog_cfg){ .model = "eng" }, &eng), ANPR_ERR_OK);
	if (eng)
		test_vectors(eng, false);
	if (plate && eng)
		test_read_models(plate, eng);
	anpr_recog_close(plate);
	anpr_recog_close(eng);
	return check_summary();
}
