/* SPDX-License-Identifier: MIT */
/* Text recognition of one plate strip with Tesseract's LSTM through its C API (see recog.h). */
#include "recog.h"

#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tesseract/capi.h>

#include "glyph_shape.h"
#include "median.h"
#include "recog_internal.h"
#include "tess_runtime.h"

#ifndef ANPR_TESSDATA_DIR
#define ANPR_TESSDATA_DIR "/usr/share/anpr/tessdata"
#endif

/* Where Debian's tesseract-ocr-eng puts the stock model, tried last for "eng". */
#define STOCK_TESSDATA "/usr/share/tesseract-ocr/5/tessdata"

#define MODEL_NAME_MAX 64
#define PATH_MAX_LEN 4096
/* Smaller strips cannot hold a character at the heights the model reads. */
#define MIN_SIDE 8
/* Grey levels between the darkest and lightest pixel below which a strip is blank. */
#define MIN_CONTRAST 24
/*
 * An LSTM choice's rating is the sum of -ln p over the time steps of its path,
 * blanks included; Tesseract reports it as the confidence 100 - coefficient *
 * rating, clipped to 0..100. With the coefficient at 1 the confidence keeps
 * the rating itself up to 100. exp(-rating) is a path probability, far surer
 * of itself than a symbol deserves (an alternative pays for each time step it
 * spans), so ratings are divided by a temperature first. Its value is fitted
 * by maximum likelihood of the true symbol on held-out strips, see
 * `anpr-ocr-eval --calibrate` and ocr/model/README.md.
 */
#define RATING_COEF "1"
#define RATING_TEMPERATURE 3.5
/* A stutter's two boxes share this much of the narrower one, or span at most this many glyph widths. */
#define STUTTER_OVERLAP 0.4f
#define STUTTER_SPAN 1.4f
/*
 * Glyphs on a strip: at most this many dark pieces are looked at, and a
 * glyph's height, top and bottom stand within this many glyph heights of
 * the glyphs' medians.
 */
#define MAX_BLOBS 64
#define GLYPH_TOL 0.15f

struct anpr_recog {
	TessBaseAPI *api;
	/* The strip thresholded to count its glyphs, kept for the next strip. */
	anpr_image ink;
};

static pthread_once_t omp_once = PTHREAD_ONCE_INIT;
static void (*omp_set_levels)(int);
static _Thread_local bool omp_limited;

/*
 * Tesseract's OpenMP splits each LSTM step over up to four threads, which on
 * our short lines costs more in hand-offs than it gains (reads were 2-3x
 * slower, and with two reader threads the spinning teams took a quarter of
 * the CPU), and we already run one recogniser per worker thread. Setting
 * OMP_THREAD_LIMIT from here would be too late: libgomp reads its environment
 * once, when it is loaded with libtesseract, before main(). So, unless the
 * environment already sets a limit, every thread that recognises makes its
 * OpenMP parallel regions run on itself (max-active-levels 0). That setting
 * belongs to the calling thread, so it is made in each one, on its first
 * read. libgomp is found at run time so that a Tesseract built without
 * OpenMP needs nothing. This is the fallback: in our programs the stand-ins of
 * tess_runtime.c run those regions inline, without libgomp's team set-up.
 */
static void find_openmp(void)
{
	void *self;

	if (getenv("OMP_THREAD_LIMIT"))
		return;
	self = dlopen(NULL, RTLD_NOW);
	if (!self)
		return;
	omp_set_levels = (void (*)(int))dlsym(self, "omp_set_max_active_levels");
	dlclose(self);
}

static void limit_openmp(void)
{
	if (omp_limited)
		return;
	/* Bound, tess_runtime.c's stand-ins run Tesseract's regions inline and no team is ever started. */
	if (!anpr_tess_runtime_bound()) {
		(void)pthread_once(&omp_once, find_openmp);
		if (omp_set_levels)
			omp_set_levels(0);
	}
	omp_limited = true;
}

static bool model_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > MODEL_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return false;
	return true;
}

/* True when dir/model.traineddata is readable. */
static bool model_in(const char *dir, const char *model)
{
	char path[PATH_MAX_LEN];
	int n = snprintf(path, sizeof path, "%s/%s.traineddata", dir, model);

	return n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0;
}

/*
 * The installed model beside the running binary: <prefix>/bin/prog ->
 * <prefix>/share/anpr/tessdata (/usr/share/anpr/tessdata from the package;
 * a package unpacked into any folder finds its own). False when the binary
 * is not in a bin folder or the model is not there.
 */
static bool installed_dir(const char *model, char *buf, size_t len)
{
	static const char suffix[] = "share/anpr/tessdata";
	char exe[PATH_MAX_LEN];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash || slash - exe < 4 || memcmp(slash - 4, "/bin", 4) != 0)
		return false;
	slash[-3] = '\0'; /* keeps "<prefix>/" */
	n = snprintf(buf, len, "%s%s", exe, suffix);
	return n > 0 && (size_t)n < len && model_in(buf, model);
}

/*
 * The folder to load the model from: cfg's, else $ANPR_TESSDATA, else the
 * installed one beside the binary, else the source tree's (a build tree);
 * Tesseract's stock eng comes from Debian's folder when the chosen one does
 * not have it. buf holds the installed path when that is the one returned.
 */
static const char *model_dir(const anpr_recog_cfg *cfg, char *buf, size_t len)
{
	const char *env = getenv("ANPR_TESSDATA");
	const char *dir = cfg->model_dir ? cfg->model_dir : env && *env ? env : NULL;

	if (!dir)
		dir = installed_dir(cfg->model, buf, len) ? buf : ANPR_TESSDATA_DIR;
	if (strcmp(cfg->model, "eng") == 0 && !model_in(dir, cfg->model))
		return STOCK_TESSDATA;
	return dir;
}

anpr_err anpr_recog_open(const anpr_recog_cfg *cfg, anpr_recog **out)
{
	/*
	 * Init-only: no dictionary (plates are not words, and a dictionary
	 * would pull readings towards English).
	 */
	char k_sys[] = "load_system_dawg", k_freq[] = "load_freq_dawg", k_punc[] = "load_punc_dawg";
	char k_num[] = "load_number_dawg", k_unamb[] = "load_unambig_dawg", k_bigram[] = "load_bigram_dawg";
	char v_off[] = "0";
	char *keys[] = { k_sys, k_freq, k_punc, k_num, k_unamb, k_bigram };
	char *vals[] = { v_off, v_off, v_off, v_off, v_off, v_off };
	static const char *const vars[][2] = {
		/* The space is needed or Tesseract merges the groups into one word. */
		{ "tessedit_char_whitelist", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 " },
		/* Per-symbol alternatives from the LSTM's beams, for the choice iterator. */
		{ "lstm_choice_mode", "2" },
		{ "lstm_rating_coefficient", RATING_COEF },
		/* Strips arrive dark on light; trying the inverted image only costs time. */
		{ "tessedit_do_invert", "0" },
	};
	anpr_recog *r = NULL;
	char installed[PATH_MAX_LEN];
	const char *dir;
	anpr_err err;

	if (out)
		*out = NULL;
	if (!cfg || !cfg->model || !out || !model_name_ok(cfg->model)) {
		err = ANPR_ERR_INVAL;
		goto out;
	}
	dir = model_dir(cfg, installed, sizeof installed);
	if (strlen(dir) > PATH_MAX_LEN - MODEL_NAME_MAX - 16) {
		err = ANPR_ERR_INVAL;
		goto out;
	}
	if (!model_in(dir, cfg->model)) {
		err = ANPR_ERR_NOT_FOUND;
		goto out;
	}
	limit_openmp();

	r = calloc(1, sizeof *r);
	if (!r) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	r->api = TessBaseAPICreate();
	if (!r->api) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	/*
	 * debug_file is a process-wide parameter; set before Init so that a
	 * model that fails to load does not write to stderr either.
	 */
	if (!TessBaseAPISetVariable(r->api, "debug_file", "/dev/null")) {
		err = ANPR_ERR_OCR;
		goto out;
	}
	if (TessBaseAPIInit4(r->api, dir, cfg->model, OEM_LSTM_ONLY, NULL, 0, keys, vals,
			     sizeof keys / sizeof keys[0], 0) != 0) {
		err = ANPR_ERR_OCR;
		goto out;
	}
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		if (!TessBaseAPISetVariable(r->api, vars[i][0], vars[i][1])) {
			err = ANPR_ERR_OCR;
			goto out;
		}
	}
	*out = r;
	r = NULL;
	err = ANPR_ERR_OK;
out:
	anpr_recog_close(r);
	return err;
}

void anpr_recog_close(anpr_recog *r)
{
	if (!r)
		return;
	if (r->api) {
		TessBaseAPIEnd(r->api);
		TessBaseAPIDelete(r->api);
	}
	anpr_image_free(&r->ink);
	free(r);
}

anpr_err anpr_recog_open_spec(const char *spec, const char *model_dir, anpr_recog *out[2], int *n)
{
	char names[2][MODEL_NAME_MAX + 1];
	const char *plus = spec ? strchr(spec, '+') : NULL;
	anpr_err err = ANPR_ERR_OK;

	if (out)
		out[0] = out[1] = NULL;
	if (n)
		*n = 0;
	if (!spec || !out || !n)
		return ANPR_ERR_INVAL;
	size_t first = plus ? (size_t)(plus - spec) : strlen(spec);
	if (first == 0 || first >= sizeof(names[0]) ||
	    (plus && (!plus[1] || strlen(plus + 1) >= sizeof(names[1]))))
		return ANPR_ERR_INVAL;
	memcpy(names[0], spec, first);
	names[0][first] = '\0';
	if (plus)
		strcpy(names[1], plus + 1);
	for (int k = 0; k < (plus ? 2 : 1) && !err; k++) {
		anpr_recog_cfg c = { .model_dir = model_dir, .model = names[k] };
		err = anpr_recog_open(&c, &out[k]);
	}
	if (err) {
		anpr_recog_close(out[0]);
		anpr_recog_close(out[1]);
		out[0] = out[1] = NULL;
		return err;
	}
	*n = plus ? 2 : 1;
	return ANPR_ERR_OK;
}

static bool plate_char(const char *s)
{
	return s && s[0] && !s[1] && ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9'));
}

/* Adds c with weight w to pos, merging a repeat; keeps at most ANPR_OCR_MAX_ALTS. */
static void add_alt(anpr_ocr_pos *pos, char c, float w)
{
	for (int i = 0; i < pos->n; i++) {
		if (pos->alt[i].c == c) {
			pos->alt[i].p += w;
			return;
		}
	}
	if (pos->n < ANPR_OCR_MAX_ALTS)
		pos->alt[pos->n++] = (anpr_ocr_alt){ .c = c, .p = w };
}

/* Sorts alternatives most likely first and scales them to sum to 1. */
static void normalise(anpr_ocr_pos *pos)
{
	float sum = 0;

	for (int i = 1; i < pos->n; i++) {
		anpr_ocr_alt a = pos->alt[i];
		int j = i;

		for (; j > 0 && pos->alt[j - 1].p < a.p; j--)
			pos->alt[j] = pos->alt[j - 1];
		pos->alt[j] = a;
	}
	for (int i = 0; i < pos->n; i++)
		sum += pos->alt[i].p;
	for (int i = 0; i < pos->n; i++) {
		pos->alt[i].p /= sum;
		/* Keep p inside (0, 1] after rounding. */
		if (!(pos->alt[i].p > 0.0f))
			pos->alt[i].p = 1e-9f;
		if (pos->alt[i].p > 1.0f)
			pos->alt[i].p = 1.0f;
	}
}

/*
 * Fills pos from the symbol under it: each choice weighs exp(-rating / T),
 * with rating = 100 - confidence (RATING_COEF), then the weights are
 * normalised. The floor at confidence 0 keeps every weight above zero.
 */
static void read_symbol(const TessResultIterator *it, const char *best, anpr_ocr_pos *pos)
{
	TessChoiceIterator *ci = TessResultIteratorGetChoiceIterator(it);

	*pos = (anpr_ocr_pos){ .n = 0 };
	if (ci) {
		do {
			const char *text = TessChoiceIteratorGetUTF8Text(ci);
			float conf = TessChoiceIteratorConfidence(ci);

			if (plate_char(text))
				add_alt(pos, text[0],
					(float)exp(((double)conf - 100.0) / RATING_TEMPERATURE));
		} while (TessChoiceIteratorNext(ci));
		TessChoiceIteratorDelete(ci);
	}
	/* No usable choices: the symbol itself, alone. */
	if (pos->n == 0 && plate_char(best))
		add_alt(pos, best[0], 1.0f);
	if (pos->n > 0)
		normalise(pos);
}

/* Turns the symbols' heights in pixels into fractions of their median (0 stays unknown). */
static void relative_heights(anpr_ocr_line *line)
{
	float h[ANPR_OCR_MAX_POS];
	int n = 0;

	for (int i = 0; i < line->n; i++) {
		float v = line->pos[i].height;
		int k = n;

		if (!(v > 0.0f))
			continue;
		for (; k > 0 && h[k - 1] > v; k--)
			h[k] = h[k - 1];
		h[k] = v;
		n++;
	}
	float median = n ? h[n / 2] : 0.0f;
	for (int i = 0; i < line->n; i++)
		line->pos[i].height =
		    median > 0.0f && line->pos[i].height > 0.0f ? line->pos[i].height / median : 0.0f;
}

/*
 * Glyph pairs the LSTM can say twice for one glyph: unsure between the two,
 * its best path gives a few time steps to each and CTC decoding keeps both
 * (RM05 read RM0O5, WG22 read W6G22).
 */
static bool stutter_pair(char a, char b)
{
	static const char pairs[][3] = { "0O", "0D", "OD", "0Q", "OQ", "1I", "5S", "8B", "2Z", "6G" };

	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if ((a == pairs[i][0] && b == pairs[i][1]) || (a == pairs[i][1] && b == pairs[i][0]))
			return true;
	return false;
}

/* The median width of the symbols' known boxes; 0 when none is known. */
static float median_width(const int *x0, const int *x1, int n)
{
	float w[ANPR_OCR_MAX_POS];
	size_t m = 0;

	for (int i = 0; i < n; i++)
		if (x1[i] > x0[i])
			w[m++] = (float)(x1[i] - x0[i]);
	return m ? anpr_median(w, m) : 0.0f;
}

/* Strength of the stutter at i, i + 1: the share of the narrower box both cover (0: no stutter there). */
static float stutter_at(const anpr_ocr_line *line, const int *x0, const int *x1, int i, float glyph)
{
	const anpr_ocr_pos *a = &line->pos[i], *b = &line->pos[i + 1];

	if (b->gap_before || x1[i] <= x0[i] || x1[i + 1] <= x0[i + 1] ||
	    !stutter_pair(a->alt[0].c, b->alt[0].c))
		return 0.0f;
	int lo = x0[i] > x0[i + 1] ? x0[i] : x0[i + 1];
	int hi = x1[i] < x1[i + 1] ? x1[i] : x1[i + 1];
	int span = (x1[i] > x1[i + 1] ? x1[i] : x1[i + 1]) - (x0[i] < x0[i + 1] ? x0[i] : x0[i + 1]);
	int narrow = x1[i] - x0[i] < x1[i + 1] - x0[i + 1] ? x1[i] - x0[i] : x1[i + 1] - x0[i + 1];
	float shared = hi > lo ? (float)(hi - lo) / (float)narrow : 0.0f;

	if (shared >= STUTTER_OVERLAP || (float)span <= STUTTER_SPAN * glyph)
		return shared + 0.01f;
	return 0.0f;
}

/* Folds the strongest stutter into one position holding both symbols' alternatives, averaged. */
static bool fold_stutter(anpr_ocr_line *line, int *x0, int *x1)
{
	float glyph = median_width(x0, x1, line->n), best = 0.0f;
	int at = -1;

	for (int i = 0; i + 1 < line->n; i++) {
		float v = stutter_at(line, x0, x1, i, glyph);

		if (v > best) {
			best = v;
			at = i;
		}
	}
	if (at < 0)
		return false;
	anpr_ocr_pos *a = &line->pos[at], *b = &line->pos[at + 1];
	anpr_ocr_pos f = { .n = 0, .gap_before = a->gap_before };
	f.height = a->height > b->height ? a->height : b->height;
	for (int k = 0; k < a->n; k++)
		add_alt(&f, a->alt[k].c, a->alt[k].p / 2);
	for (int k = 0; k < b->n; k++)
		add_alt(&f, b->alt[k].c, b->alt[k].p / 2);
	normalise(&f);
	*a = f;
	x0[at] = x0[at] < x0[at + 1] ? x0[at] : x0[at + 1];
	x1[at] = x1[at] > x1[at + 1] ? x1[at] : x1[at + 1];
	for (int j = at + 1; j + 1 < line->n; j++) {
		line->pos[j] = line->pos[j + 1];
		x0[j] = x0[j + 1];
		x1[j] = x1[j + 1];
	}
	line->n--;
	return true;
}

/* See recog_internal.h. */
void anpr_ocr_fold_to(anpr_ocr_line *line, int *x0, int *x1, int n)
{
	anpr_ocr_line was;
	int w0[ANPR_OCR_MAX_POS], w1[ANPR_OCR_MAX_POS];

	if (n <= 0 || line->n <= n)
		return;
	was = *line;
	memcpy(w0, x0, sizeof(w0));
	memcpy(w1, x1, sizeof(w1));
	while (line->n > n && fold_stutter(line, x0, x1))
		;
	if (line->n != n) {
		*line = was;
		memcpy(x0, w0, sizeof(w0));
		memcpy(x1, w1, sizeof(w1));
	}
}

/* A grey image Tesseract can take, within our size limits. */
static bool strip_ok(const anpr_image *s)
{
	return s && s->data && s->channels == 1 && s->width >= MIN_SIDE && s->height >= MIN_SIDE &&
	       s->width <= ANPR_IMAGE_MAX_SIDE && s->height <= ANPR_IMAGE_MAX_SIDE &&
	       s->stride >= (size_t)s->width && s->stride <= (size_t)INT_MAX;
}

/* One recognition of strip in page segmentation mode psm into line. */
static anpr_err recognise(anpr_recog *r, const anpr_image *strip, TessPageSegMode psm, anpr_ocr_line *line,
			  int *x0s, int *x1s)
{
	TessResultIterator *it = NULL;
	anpr_err err;

	line->n = 0;
	TessBaseAPISetPageSegMode(r->api, psm);
	TessBaseAPISetImage(r->api, strip->data, strip->width, strip->height, 1, (int)strip->stride);
	/*
	 * The strip carries no resolution; without one Tesseract warns and
	 * guesses. 300 dpi puts our 20-64 px characters at ordinary print sizes.
	 */
	TessBaseAPISetSourceResolution(r->api, 300);
	if (TessBaseAPIRecognize(r->api, NULL) != 0) {
		err = ANPR_ERR_OCR;
		goto out;
	}
	it = TessBaseAPIGetIterator(r->api);
	if (it) {
		/* A word start seen on a symbol that is dropped still separates the next one kept. */
		bool word_start = false;

		do {
			char *sym = TessResultIteratorGetUTF8Text(it, RIL_SYMBOL);

			word_start |= TessPageIteratorIsAtBeginningOf(
			    TessResultIteratorGetPageIteratorConst(it), RIL_WORD);
			if (sym && line->n < ANPR_OCR_MAX_POS) {
				anpr_ocr_pos *pos = &line->pos[line->n];

				int x0, y0, x1, y1;

				read_symbol(it, sym, pos);
				bool boxed =
				    TessPageIteratorBoundingBox(TessResultIteratorGetPageIteratorConst(it),
								RIL_SYMBOL, &x0, &y0, &x1, &y1);
				pos->height = boxed ? (float)(y1 - y0) : 0.0f;
				x0s[line->n] = boxed ? x0 : 0;
				x1s[line->n] = boxed ? x1 : 0;
				if (pos->n > 0) {
					pos->gap_before = word_start && line->n > 0;
					word_start = false;
					line->n++;
				}
			}
			TessDeleteText(sym);
		} while (TessResultIteratorNext(it, RIL_SYMBOL));
	}
	relative_heights(line);
	err = ANPR_ERR_OK;
out:
	TessResultIteratorDelete(it);
	TessBaseAPIClear(r->api);
	return err;
}

/* True when the strip has some contrast: a flat one holds no characters (and raw-line mode would invent one). */
static bool has_contrast(const anpr_image *s)
{
	uint8_t lo = 255, hi = 0;

	for (int y = 0; y < s->height; y++) {
		const uint8_t *row = s->data + (size_t)y * s->stride;

		for (int x = 0; x < s->width; x++) {
			lo = row[x] < lo ? row[x] : lo;
			hi = row[x] > hi ? row[x] : hi;
		}
		if (hi - lo >= MIN_CONTRAST)
			return true;
	}
	return false;
}

/* anpr_recog_read(), with each symbol's box from x0[i] to x1[i] (both 0 where Tesseract gave none). */
static anpr_err read_boxed(anpr_recog *r, const anpr_image *strip, anpr_ocr_line *line, int *x0, int *x1)
{
	anpr_err err;

	if (line)
		line->n = 0;
	if (!r || !line || !strip_ok(strip))
		return ANPR_ERR_INVAL;
	limit_openmp();
	/*
	 * Single-line mode first: its layout analysis crops the characters'
	 * row, which reads best (held-out strips: 71% of lines exact against
	 * 63% in raw-line mode; real EU strips 45% against 40%). On some strips
	 * it finds no text line at all and returns nothing (EU plates with an
	 * emblem between the groups, a lone character, heavy blur); those are
	 * read again as a raw line, the whole strip, which the model was also
	 * trained on. See ocr/model/README.md.
	 */
	if (!has_contrast(strip))
		return ANPR_ERR_OK;
	err = recognise(r, strip, PSM_SINGLE_LINE, line, x0, x1);
	if (!err && line->n == 0)
		err = recognise(r, strip, PSM_RAW_LINE, line, x0, x1);
	return err;
}

anpr_err anpr_recog_read(anpr_recog *r, const anpr_image *strip, anpr_ocr_line *line)
{
	int x0[ANPR_OCR_MAX_POS], x1[ANPR_OCR_MAX_POS];

	return read_boxed(r, strip, line, x0, x1);
}

float anpr_ocr_line_certainty(const anpr_ocr_line *line)
{
	double s = 0;

	if (line->n == 0)
		return 0;
	for (int i = 0; i < line->n; i++)
		s += log(line->pos[i].n ? fmax((double)line->pos[i].alt[0].p, 1e-4) : 1e-4);
	return (float)exp(s / line->n);
}

void anpr_ocr_line_merge(anpr_ocr_line *line, const anpr_ocr_line *other)
{
	if (other->n != line->n) {
		if (anpr_ocr_line_certainty(other) > anpr_ocr_line_certainty(line))
			*line = *other;
		return;
	}
	for (int i = 0; i < line->n; i++) {
		/* A space either model saw is kept: the other may have run the words together. */
		anpr_ocr_pos merged = { .n = 0,
					.gap_before = line->pos[i].gap_before || other->pos[i].gap_before };
		/* Heights: the mean where both models boxed the symbol (Tesseract's boxes are noisy). */
		float h1 = line->pos[i].height, h2 = other->pos[i].height;
		merged.height = h1 > 0.0f && h2 > 0.0f ? (h1 + h2) / 2 : h1 > 0.0f ? h1 : h2;
		const anpr_ocr_pos *two[2] = { &line->pos[i], &other->pos[i] };
		for (int m = 0; m < 2; m++)
			for (int k = 0; k < two[m]->n; k++) {
				int j = 0;
				while (j < merged.n && merged.alt[j].c != two[m]->alt[k].c)
					j++;
				if (j == merged.n) {
					if (merged.n == ANPR_OCR_MAX_ALTS)
						continue;
					merged.alt[merged.n++] = (anpr_ocr_alt){ .c = two[m]->alt[k].c };
				}
				merged.alt[j].p += two[m]->alt[k].p / 2;
			}
		/* Most likely first, as anpr_ocr_pos promises. */
		for (int a = 1; a < merged.n; a++)
			for (int b = a; b > 0 && merged.alt[b].p > merged.alt[b - 1].p; b--) {
				anpr_ocr_alt t = merged.alt[b];
				merged.alt[b] = merged.alt[b - 1];
				merged.alt[b - 1] = t;
			}
		line->pos[i] = merged;
	}
}

static int by_left(const void *a, const void *b)
{
	const anpr_rect *p = a, *q = b;
	return (p->x > q->x) - (p->x < q->x);
}

/* See recog_internal.h. */
int anpr_ocr_glyph_pieces(const anpr_image *strip, anpr_image *work, anpr_rect *pieces, int max)
{
	anpr_component c[MAX_BLOBS];
	float h[MAX_BLOBS], top[MAX_BLOBS], bottom[MAX_BLOBS];
	size_t m = 0;
	int count = 0;
	size_t n = 0;

	if (!strip || !work || !pieces || max < 0 ||
	    anpr_cv_threshold(strip, work, 0, ANPR_CV_THRESH_OTSU_INV, NULL) != ANPR_ERR_OK ||
	    anpr_cv_components(work, c, MAX_BLOBS, &n) != ANPR_ERR_OK || n > MAX_BLOBS)
		return -1;
	/* Tall pieces (over 0.3 of the strip's height, short of 0.95 of it) set the glyphs' height and line. */
	for (size_t i = 0; i < n; i++)
		if (c[i].box.height * 10 >= strip->height * 3 && c[i].box.height * 20 < strip->height * 19) {
			h[m] = (float)c[i].box.height;
			top[m] = (float)c[i].box.y;
			bottom[m] = (float)(c[i].box.y + c[i].box.height);
			m++;
		}
	if (m == 0)
		return 0;
	float gh = anpr_median(h, m), gt = anpr_median(top, m), gb = anpr_median(bottom, m);
	for (size_t i = 0; i < n; i++) {
		const anpr_rect *b = &c[i].box;
		bool spans =
		    (float)b->y <= gt + GLYPH_TOL * gh && (float)(b->y + b->height) >= gb - GLYPH_TOL * gh;

		/* A piece across the glyphs' line wider than a glyph: glyphs run together, or with a border. */
		if (spans && (float)b->width > 1.3f * gh)
			return -1;
		if (spans && fabsf((float)b->height - gh) <= GLYPH_TOL * gh &&
		    fabsf((float)b->y - gt) <= GLYPH_TOL * gh &&
		    fabsf((float)(b->y + b->height) - gb) <= GLYPH_TOL * gh && (float)b->width >= 0.1f * gh) {
			if (count < max)
				pieces[count] = *b;
			count++;
		}
	}
	qsort(pieces, (size_t)(count < max ? count : max), sizeof(*pieces), by_left);
	return count;
}

/* A strip's glyph pieces, found once, when first wanted (anpr_ocr_glyph_pieces()). */
typedef struct strip_glyphs {
	anpr_rect pieces[MAX_BLOBS];
	int n; /* GLYPHS_UNKNOWN until found, then their count, or -1: cannot tell */
} strip_glyphs;

#define GLYPHS_UNKNOWN (-2)

static int glyphs_on(strip_glyphs *g, const anpr_image *strip, anpr_image *work)
{
	if (g->n == GLYPHS_UNKNOWN)
		g->n = anpr_ocr_glyph_pieces(strip, work, g->pieces, MAX_BLOBS);
	return g->n;
}

/*
 * A glyph box no wider than this many glyph heights, nor narrower than the
 * second, can be one glyph alone (plate glyphs are 0.63 of the height, bold
 * strokes and blur widen them): the shape check reweighs and offers only
 * there. A narrower piece is a 1 or an I, or a fragment of a glyph; letting
 * the check weigh those too read as many real lines wrong as right
 * (docs/ocr-accuracy.md). Splitting glyphs run together (split_merged())
 * does class narrow pieces, where the model is sure of them: it takes a
 * plate's 1 for a 1.
 */
#define SHAPE_MAX_WIDTH 0.95f
#define SHAPE_MIN_WIDTH 0.35f

/*
 * The LSTM sometimes misses a glyph outright: a plain L read Y with no L
 * among its alternatives, a P read H. Where the shape model gives one class
 * at least SHAPE_OFFER_SURE that the OCR did not offer, that symbol is
 * offered at SHAPE_OFFER_P, the probability of a symbol the OCR's beams
 * barely held, and the shape then weighs it against the others as it does
 * any alternative. On real UK tile lines, us and synthetic seed 2026 the
 * same reads came out with 0.003 and 0.03.
 */
#define SHAPE_OFFER_SURE 0.9f
#define SHAPE_OFFER_P 0.01f

/* The likeliest class of a shape verdict. */
static int likeliest(const float logp[ANPR_GLYPH_SHAPE_CLASSES])
{
	int top = 0;

	for (int c = 1; c < ANPR_GLYPH_SHAPE_CLASSES; c++)
		top = logp[c] > logp[top] ? c : top;
	return top;
}

/* Whether centre cx2 (twice the x) lies in the box of a position of line other than i (n positions). */
static bool in_other_box(const int *x0, const int *x1, int n, int i, int cx2)
{
	for (int o = 0; o < n; o++)
		if (o != i && x1[o] > x0[o] && cx2 >= 2 * x0[o] && cx2 <= 2 * x1[o])
			return true;
	return false;
}

/*
 * The largest glyph piece of g (n of them) whose centre lies in x0..x1,
 * and how many pieces' centres do into *count; NULL when none.
 */
static const anpr_rect *piece_in(const strip_glyphs *g, int n, int x0, int x1, int *count)
{
	const anpr_rect *piece = NULL;

	*count = 0;
	for (int k = 0; k < n && k < MAX_BLOBS; k++) {
		const anpr_rect *b = &g->pieces[k];
		int cx2 = 2 * b->x + b->width;
		if (cx2 < 2 * x0 || cx2 > 2 * x1)
			continue;
		(*count)++;
		if (!piece || b->width * b->height > piece->width * piece->height)
			piece = b;
	}
	return piece;
}

/*
 * Whether piece is plainly position i's glyph: the only piece in its box,
 * its centre in no other position's box, and the box's centre on it.
 * Tesseract's boxes are loose and sometimes set off their glyph, and a
 * piece that is a neighbour's would offer the neighbour's symbol here.
 */
static bool sole_piece(const int *x0, const int *x1, int n, int i, const anpr_rect *piece, int count)
{
	int bc2 = x0[i] + x1[i];

	return count == 1 && bc2 >= 2 * piece->x && bc2 <= 2 * (piece->x + piece->width) &&
	       !in_other_box(x0, x1, n, i, 2 * piece->x + piece->width);
}

/*
 * Whether a neighbour of position i reads the symbol of shape class k, or
 * a look-alike of it (to the grammar): then a piece of that class in i's
 * box is likely the neighbour's glyph, Tesseract's boxes shifted by one.
 */
static bool neighbour_reads(const anpr_ocr_line *line, int i, int k)
{
	char c = ANPR_GLYPH_SHAPE_SYMBOLS[k], look[ANPR_LOOKALIKES_MAX + 1];

	for (int o = i - 1; o <= i + 1; o += 2) {
		if (o < 0 || o >= line->n || line->pos[o].n == 0)
			continue;
		char read = line->pos[o].alt[0].c;
		anpr_grammar_lookalikes(read, look);
		if (anpr_glyph_shape_class(read) == k || strchr(look, c))
			return true;
	}
	return false;
}

/*
 * Offers at position i the class the shape is sure of (SHAPE_OFFER_SURE)
 * when the OCR did not, in place of its least likely alternative when
 * full. Not when a neighbour reads that class or a look-alike of it: then
 * Tesseract's boxes are likely shifted by a glyph (VD60 boxed V over
 * nothing and D over the V), and the piece is the neighbour's.
 */
static void offer_shape(anpr_ocr_line *line, int i, const float logp[ANPR_GLYPH_SHAPE_CLASSES])
{
	anpr_ocr_pos *pos = &line->pos[i];
	int top = likeliest(logp);

	if (expf(logp[top]) < SHAPE_OFFER_SURE || neighbour_reads(line, i, top))
		return;
	for (int a = 0; a < pos->n; a++)
		if (anpr_glyph_shape_class(pos->alt[a].c) == top)
			return;
	int a = pos->n < ANPR_OCR_MAX_ALTS ? pos->n++ : ANPR_OCR_MAX_ALTS - 1;
	pos->alt[a] = (anpr_ocr_alt){ .c = ANPR_GLYPH_SHAPE_SYMBOLS[top], .p = SHAPE_OFFER_P };
}

/*
 * Looks at each symbol's glyph itself: the strip's glyph piece (g, found
 * here if nobody wanted it before) whose centre lies in the symbol's box,
 * x0[i] to x1[i], scored by its shape (glyph_shape.h) on the thresholded
 * strip in work. Where that piece is plainly the symbol's (sole_piece()),
 * a class the shape is sure of is offered if the OCR did not
 * (offer_shape()). Where the OCR offered symbols of more than one shape
 * (anpr_glyph_shape_doubtful()), the shape reweighs them. Positions without
 * a piece of a single glyph's width are left as they are.
 */
static void check_shapes(anpr_ocr_line *line, const anpr_image *strip, anpr_image *work, strip_glyphs *g,
			 const int *x0, const int *x1)
{
	for (int i = 0; i < line->n; i++) {
		if (line->pos[i].n == 0 || x1[i] <= x0[i])
			continue;
		int n = glyphs_on(g, strip, work), count;
		const anpr_rect *piece = piece_in(g, n, x0[i], x1[i], &count);
		float f[ANPR_GLYPH_SHAPE_FEATURES], logp[ANPR_GLYPH_SHAPE_CLASSES];
		if (!piece || (float)piece->width > SHAPE_MAX_WIDTH * (float)piece->height ||
		    (float)piece->width < SHAPE_MIN_WIDTH * (float)piece->height ||
		    !anpr_glyph_shape_features(work, *piece, f))
			continue;
		anpr_glyph_shape_classify(f, logp);
		if (sole_piece(x0, x1, line->n, i, piece, count))
			offer_shape(line, i, logp);
		anpr_glyph_shape_reweigh(&line->pos[i], logp);
	}
}

/* See recog_internal.h. */
void anpr_ocr_check_shapes(anpr_ocr_line *line, const int *x0, const int *x1, const anpr_image *strip,
			   anpr_image *work)
{
	strip_glyphs g = { .n = GLYPHS_UNKNOWN };

	if (!line || !x0 || !x1 || !strip || !work || line->n < 0 || line->n > ANPR_OCR_MAX_POS)
		return;
	check_shapes(line, strip, work, &g, x0, x1);
}

/*
 * split_merged() takes a glyph piece for a glyph of its own when the shape
 * model gives its class at least SPLIT_SURE (real tile glyphs: 1 in 120
 * classed wrong overall, ocr/model/README.md), and only pieces that stand
 * at most SPLIT_GAP glyph heights apart, as glyphs of one group do: a
 * plate's edge or a bolt beside the last glyph stands further off.
 */
#define SPLIT_SURE 0.9f
#define SPLIT_GAP 0.25f

/*
 * The shape model's likeliest class for a piece of the thresholded strip
 * work, its probability into *p; -1 when it cannot tell.
 */
static int piece_class(const anpr_image *work, anpr_rect piece, float *p)
{
	float f[ANPR_GLYPH_SHAPE_FEATURES], logp[ANPR_GLYPH_SHAPE_CLASSES];

	*p = 0;
	if (!anpr_glyph_shape_features(work, piece, f))
		return -1;
	anpr_glyph_shape_classify(f, logp);
	int best = likeliest(logp);
	*p = expf(logp[best]);
	return best;
}

/*
 * The glyph pieces whose centres lie in position i's box and in no other
 * position's: their indices into g->pieces into in[], their shape classes
 * into cls[], and the index in in[] of the first of the class read at i
 * into *own (-1: none). Returns their count, or 0 when the shape model is
 * not sure of every one (SPLIT_SURE).
 */
static int pieces_in(const anpr_ocr_line *line, const int *x0, const int *x1, int i, const anpr_image *work,
		     const strip_glyphs *g, int *in, int *cls, float *prob, int *own)
{
	int read = anpr_glyph_shape_class(line->pos[i].alt[0].c), m = 0;

	*own = -1;
	for (int k = 0; k < g->n && k < MAX_BLOBS; k++) {
		const anpr_rect *b = &g->pieces[k];
		int cx2 = 2 * b->x + b->width;

		if (cx2 < 2 * x0[i] || cx2 > 2 * x1[i] || in_other_box(x0, x1, line->n, i, cx2))
			continue;
		if (m == ANPR_OCR_MAX_POS)
			return 0;
		cls[m] = piece_class(work, *b, &prob[m]);
		if (cls[m] < 0 || prob[m] < SPLIT_SURE)
			return 0;
		if (*own < 0 && cls[m] == read)
			*own = m;
		in[m++] = k;
	}
	return m;
}

/*
 * Whether the m pieces in[] of position i can be split out of it: they lie
 * between its neighbours' boxes and as close together as the glyphs of one
 * group (SPLIT_GAP), and neither neighbour reads any of them (or a
 * look-alike): Tesseract sometimes sets a symbol's box off its glyph, over
 * its neighbour's (SK57 boxed S over both S and K, and K over a sliver),
 * and splitting would then read that glyph twice.
 */
static bool can_split(const anpr_ocr_line *line, const int *x0, const int *x1, int i, const strip_glyphs *g,
		      const int *in, const int *cls, int m)
{
	const anpr_rect *first = &g->pieces[in[0]], *last = &g->pieces[in[m - 1]];

	if (i > 0 && x1[i - 1] > x0[i - 1] && x0[i - 1] >= first->x)
		return false;
	if (i + 1 < line->n && x1[i + 1] > x0[i + 1] && x0[i + 1] <= last->x)
		return false;
	for (int j = 1; j < m; j++) {
		const anpr_rect *a = &g->pieces[in[j - 1]], *b = &g->pieces[in[j]];
		int h = a->height > b->height ? a->height : b->height;
		if ((float)(b->x - a->x - a->width) > SPLIT_GAP * (float)h)
			return false;
	}
	for (int j = 0; j < m; j++)
		if (neighbour_reads(line, i, cls[j]))
			return false;
	return true;
}

/*
 * Where the LSTM ran glyphs together into one symbol (AB58 read 8; a narrow
 * 1 swallowed by its neighbour, DA71 read DA7), that symbol's box holds the
 * centres of two or more of the strip's glyph pieces (g, found here if
 * nobody wanted them before). When the shape model is sure of every one,
 * one of them is of the symbol read, and they can be split out
 * (can_split()), the position becomes one per piece: the piece of the
 * symbol read keeps the OCR's alternatives, each other piece reads as its
 * shape's class (O as O or 0, half each). Boxes x0, x1 follow. Returns the
 * number of positions added.
 */
static int split_merged(anpr_ocr_line *line, int *x0, int *x1, const anpr_image *strip, anpr_image *work,
			strip_glyphs *g)
{
	int added = 0;

	if (glyphs_on(g, strip, work) < 2)
		return 0;
	for (int i = line->n - 1; i >= 0; i--) {
		int in[ANPR_OCR_MAX_POS], cls[ANPR_OCR_MAX_POS], own;
		float prob[ANPR_OCR_MAX_POS];

		if (x1[i] <= x0[i] || line->pos[i].n == 0)
			continue;
		int m = pieces_in(line, x0, x1, i, work, g, in, cls, prob, &own);
		if (m < 2 || own < 0 || line->n + m - 1 > ANPR_OCR_MAX_POS ||
		    !can_split(line, x0, x1, i, g, in, cls, m))
			continue;
		anpr_ocr_pos was = line->pos[i];
		size_t after = (size_t)(line->n - i - 1);
		memmove(&line->pos[i + m], &line->pos[i + 1], after * sizeof(line->pos[0]));
		memmove(&x0[i + m], &x0[i + 1], after * sizeof(x0[0]));
		memmove(&x1[i + m], &x1[i + 1], after * sizeof(x1[0]));
		for (int j = 0; j < m; j++) {
			anpr_ocr_pos *pos = &line->pos[i + j];
			const anpr_rect *b = &g->pieces[in[j]];
			char c = ANPR_GLYPH_SHAPE_SYMBOLS[cls[j]];

			if (j == own) {
				*pos = was;
			} else if (c == 'O') {
				*pos = (anpr_ocr_pos){ .n = 2, .height = was.height };
				pos->alt[0] = (anpr_ocr_alt){ .c = 'O', .p = prob[j] / 2 };
				pos->alt[1] = (anpr_ocr_alt){ .c = '0', .p = prob[j] / 2 };
			} else {
				*pos = (anpr_ocr_pos){ .n = 1, .height = was.height };
				pos->alt[0] = (anpr_ocr_alt){ .c = c, .p = prob[j] };
			}
			pos->gap_before = j == 0 && was.gap_before;
			x0[i + j] = b->x;
			x1[i + j] = b->x + b->width;
		}
		line->n += m - 1;
		added += m - 1;
	}
	return added;
}

/* See recog_internal.h. */
int anpr_ocr_split_merged(anpr_ocr_line *line, int *x0, int *x1, const anpr_image *strip, anpr_image *work)
{
	strip_glyphs g = { .n = GLYPHS_UNKNOWN };

	if (!line || !x0 || !x1 || !strip || !work || line->n < 0 || line->n > ANPR_OCR_MAX_POS)
		return 0;
	return split_merged(line, x0, x1, strip, work, &g);
}

anpr_err anpr_recog_read_models(anpr_recog *const models[2], const anpr_image *strip, anpr_ocr_line *line,
				int *calls)
{
	anpr_ocr_line other;
	int ax0[ANPR_OCR_MAX_POS], ax1[ANPR_OCR_MAX_POS], bx0[ANPR_OCR_MAX_POS], bx1[ANPR_OCR_MAX_POS];
	strip_glyphs glyphs = { .n = GLYPHS_UNKNOWN };
	anpr_err err;

	if (calls)
		*calls = 0;
	if (!models || !models[0])
		return ANPR_ERR_INVAL;
	err = read_boxed(models[0], strip, line, ax0, ax1);
	if (calls)
		(*calls)++;
	if (err)
		return err;
	if (!models[1]) {
		check_shapes(line, strip, &models[0]->ink, &glyphs, ax0, ax1);
		split_merged(line, ax0, ax1, strip, &models[0]->ink, &glyphs);
		return ANPR_ERR_OK;
	}
	err = read_boxed(models[1], strip, &other, bx0, bx1);
	if (calls)
		(*calls)++;
	if (err)
		return err;
	/* A line longer than the other model's may hold a glyph said twice (RM05 read RM0O5). */
	anpr_ocr_fold_to(line, ax0, ax1, other.n);
	anpr_ocr_fold_to(&other, bx0, bx1, line->n);
	/*
	 * Lines of different length are not merged: one is kept, with its
	 * boxes. The longer when it has as many symbols as the strip has glyphs
	 * (the other model ran two glyphs into one, or lost a faint one);
	 * otherwise the surer, as anpr_ocr_line_merge() would keep. The count
	 * does not pick the shorter line: glyphs too faint to threshold would
	 * make it drop them (MX76MZT read MX76M on the clip set).
	 */
	int *x0 = ax0, *x1 = ax1;
	if (line->n == other.n) {
		anpr_ocr_line_merge(line, &other);
	} else {
		int n = glyphs_on(&glyphs, strip, &models[0]->ink);
		bool take_other;
		if (other.n > line->n && other.n == n)
			take_other = true;
		else if (line->n > other.n && line->n == n)
			take_other = false;
		else
			take_other = anpr_ocr_line_certainty(&other) > anpr_ocr_line_certainty(line);
		if (take_other) {
			*line = other;
			x0 = bx0, x1 = bx1;
		}
	}
	check_shapes(line, strip, &models[0]->ink, &glyphs, x0, x1);
	split_merged(line, x0, x1, strip, &models[0]->ink, &glyphs);
	return ANPR_ERR_OK;
}
