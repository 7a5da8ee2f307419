/* SPDX-License-Identifier: MIT */
/* Reader: detection, strip extraction, OCR and grammar for each plate-like region of a frame. */
#include "reader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "recog.h"
#include "strip.h"

#define MAX_REGIONS 16
/* Smallest frame searched: a 60 px plate with some margin. */
#define ANPR_READER_MIN_SIDE 32

struct anpr_reader {
	anpr_reader_cfg cfg;
	anpr_detector *det;
	anpr_recog *ocr[2]; /* one model, or two read together ("plate+eng") */
	int n_ocr;
	anpr_image grey;
	anpr_image strip;
	anpr_strip_work work; /* strip cleaning, sized once */
	anpr_plate_region regions[MAX_REGIONS];
};

anpr_err anpr_reader_open(const anpr_reader_cfg *cfg, anpr_reader **out)
{
	anpr_reader *r = NULL;
	anpr_err err = ANPR_ERR_NOMEM;

	if (!out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	r->cfg = (anpr_reader_cfg){ .country = ANPR_COUNTRY_AUTO, .topn = 5 };
	if (cfg)
		r->cfg = *cfg;
	if (r->cfg.topn < 1 || r->cfg.topn > ANPR_READ_MAX_CANDIDATES || r->cfg.max_ocr_regions < 0 ||
	    r->cfg.max_ocr_regions > MAX_REGIONS || !(r->cfg.min_confidence <= 1)) {
		err = ANPR_ERR_INVAL;
		goto out;
	}
	if (!r->cfg.model)
		r->cfg.model = ANPR_READER_DEFAULT_MODEL;
	if (!r->cfg.min_plate_width)
		r->cfg.min_plate_width = 60;
	if (!r->cfg.max_plate_width)
		r->cfg.max_plate_width = 600;
	if (!r->cfg.max_ocr_regions)
		r->cfg.max_ocr_regions = 6;
	if (r->cfg.min_confidence <= 0)
		r->cfg.min_confidence = 0.001f;

	anpr_detect_cfg dc = {
		.min_plate_width = r->cfg.min_plate_width,
		.max_plate_width = r->cfg.max_plate_width,
		.max_regions = r->cfg.max_ocr_regions,
	};
	err = anpr_detector_open(&dc, &r->det);
	if (err)
		goto out;
	/* "a+b" reads every strip with both models and merges what they see. */
	char names[2][64];
	const char *plus = strchr(r->cfg.model, '+');
	size_t first = plus ? (size_t)(plus - r->cfg.model) : strlen(r->cfg.model);
	if (first == 0 || first >= sizeof(names[0]) ||
	    (plus && (!plus[1] || strlen(plus + 1) >= sizeof(names[1])))) {
		err = ANPR_ERR_INVAL;
		goto out;
	}
	memcpy(names[0], r->cfg.model, first);
	names[0][first] = '\0';
	if (plus)
		strcpy(names[1], plus + 1);
	for (r->n_ocr = 0; r->n_ocr < (plus ? 2 : 1); r->n_ocr++) {
		anpr_recog_cfg oc = { .model_dir = r->cfg.model_dir, .model = names[r->n_ocr] };
		err = anpr_recog_open(&oc, &r->ocr[r->n_ocr]);
		if (err)
			goto out;
	}
	*out = r;
	r = NULL;
out:
	anpr_reader_close(r);
	return err;
}

void anpr_reader_close(anpr_reader *r)
{
	if (!r)
		return;
	anpr_detector_close(r->det);
	anpr_recog_close(r->ocr[0]);
	anpr_recog_close(r->ocr[1]);
	anpr_image_free(&r->grey);
	anpr_image_free(&r->strip);
	anpr_strip_work_free(&r->work);
	free(r);
}

/* How sure the OCR was of the line as a whole: geometric mean of each position's best probability. */
static float line_certainty(const anpr_ocr_line *line)
{
	double s = 0;

	if (line->n == 0)
		return 0;
	for (int i = 0; i < line->n; i++)
		s += log(line->pos[i].n ? fmax((double)line->pos[i].alt[0].p, 1e-4) : 1e-4);
	return (float)exp(s / line->n);
}

/*
 * How much the evidence beyond the text supports a plate: real plates carry
 * five or more symbols, and the detector's glyph count agrees with the OCR's.
 */
static float evidence(const char *text, int n_blobs)
{
	int len = (int)strlen(text);
	float f = len >= 5 ? 1.0f : len == 4 ? 0.7f : len == 3 ? 0.35f : 0.1f;
	int d = abs(len - n_blobs);

	return f * (d <= 1 ? 1.0f : d == 2 ? 0.6f : 0.3f);
}

/*
 * Raw score to probability that the read is right: an isotonic fit on the
 * dev sets (eu-dev, us, 600 synthetic UK plates; 793 reads, model
 * "plate+eng") by
 * tools/fit-calibration.py from `anpr-read --bench --pairs`. Each row: raw
 * score from which it applies, probability. Refit whenever the model, the
 * detector or the grammar changes (docs/ocr-accuracy.md says how).
 */
static const struct {
	float raw, p;
} calibration[] = {
	{ 0.0000f, 0.0164f }, { 0.0694f, 0.1622f }, { 0.1221f, 0.2174f }, { 0.1897f, 0.3056f },
	{ 0.2771f, 0.3333f }, { 0.3274f, 0.4706f }, { 0.5731f, 0.7200f }, { 0.6387f, 0.7200f },
	{ 0.6558f, 0.8000f }, { 0.7135f, 0.8182f }, { 0.8115f, 0.8537f }, { 0.8911f, 0.8537f },
	{ 0.8994f, 0.9785f }, { 0.9943f, 0.9940f },
};

static float calibrate(float raw)
{
	float p = calibration[0].p;

	for (size_t i = 0; i < sizeof(calibration) / sizeof(calibration[0]); i++)
		if (raw >= calibration[i].raw && calibration[i].p > p)
			p = calibration[i].p; /* the fit is monotone; max() guards a hand edit */
	return p;
}

/*
 * The raw score: the grammar's relative belief in the text, times the OCR's
 * certainty about the line, times the evidence factor. Monotonic in each.
 */
static float raw_score(float relative, float certainty, float support)
{
	return relative * certainty * support;
}

/*
 * Merges a second model's reading into line. Where both saw the same number
 * of symbols, each position's alternatives are averaged (a symbol one model
 * missed counts as probability 0 there); otherwise the surer line is kept.
 */
static void merge_lines(anpr_ocr_line *line, const anpr_ocr_line *other)
{
	if (other->n != line->n) {
		if (line_certainty(other) > line_certainty(line))
			*line = *other;
		return;
	}
	for (int i = 0; i < line->n; i++) {
		anpr_ocr_pos merged = { .n = 0 };
		const anpr_ocr_pos *two[2] = { &line->pos[i], &other->pos[i] };
		for (int m = 0; m < 2; m++)
			for (int k = 0; k < two[m]->n; k++) {
				int j = 0;
				while (j < merged.n && merged.alt[j].c != two[m]->alt[k].c)
					j++;
				if (j == merged.n) {
					if (merged.n == ANPR_OCR_MAX_ALTS)
						continue;
					merged.alt[merged.n++] = (anpr_ocr_alt){ two[m]->alt[k].c, 0 };
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

static anpr_err read_strip(anpr_reader *r, anpr_ocr_line *line)
{
	anpr_err err = anpr_recog_read(r->ocr[0], &r->strip, line);

	if (err || r->n_ocr < 2)
		return err;
	anpr_ocr_line other;
	err = anpr_recog_read(r->ocr[1], &r->strip, &other);
	if (err)
		return err;
	if (line->n == 0)
		*line = other;
	else if (other.n > 0)
		merge_lines(line, &other);
	return ANPR_ERR_OK;
}

/* Reads one region; false when nothing on it passes for a plate. */
static bool read_region(anpr_reader *r, const anpr_image *grey, const anpr_plate_region *reg,
			anpr_plate_read *out)
{
	anpr_ocr_line line;
	anpr_plate_guess guesses[ANPR_READ_MAX_CANDIDATES];
	size_t ng = 0;

	if (anpr_strip_extract(grey, reg, &r->strip, &r->work) != ANPR_ERR_OK)
		return false;
	if (read_strip(r, &line) != ANPR_ERR_OK || line.n == 0)
		return false;
	if (anpr_grammar_rank(&line, r->cfg.country, guesses, (size_t)r->cfg.topn, &ng) != ANPR_ERR_OK ||
	    ng == 0)
		return false;

	float cert = line_certainty(&line);
	memset(out, 0, sizeof(*out));
	memcpy(out->text, guesses[0].text, sizeof(out->text));
	out->format = guesses[0].format;
	float raw = raw_score(guesses[0].score, cert, evidence(guesses[0].text, reg->n_chars));
	if (raw < r->cfg.min_confidence)
		return false;
	out->raw_score = raw;
	out->confidence = calibrate(raw);
	memcpy(out->quad, reg->plate, sizeof(out->quad));
	out->char_height = reg->char_height;
	for (size_t i = 0; i < ng; i++) {
		memcpy(out->candidates[i].text, guesses[i].text, sizeof(out->candidates[i].text));
		out->candidates[i].confidence =
		    calibrate(raw_score(guesses[i].score, cert, evidence(guesses[i].text, reg->n_chars)));
	}
	out->n_candidates = (int)ng;
	/* The evidence factor depends on length, so it can reorder alternatives: keep them best first. */
	for (int i = 1; i < out->n_candidates; i++)
		for (int k = i; k > 1 && out->candidates[k].confidence > out->candidates[k - 1].confidence;
		     k--) {
			anpr_read_candidate t = out->candidates[k];
			out->candidates[k] = out->candidates[k - 1];
			out->candidates[k - 1] = t;
		}
	return true;
}

static int by_confidence(const void *a, const void *b)
{
	const anpr_plate_read *p = a, *q = b;
	return (p->confidence < q->confidence) - (p->confidence > q->confidence);
}

anpr_err anpr_reader_read(anpr_reader *r, const anpr_image *frame, anpr_plate_read *out, size_t max,
			  size_t *n)
{
	const anpr_image *grey = frame;
	size_t nreg = 0;
	anpr_err err;

	if (!r || !frame || !out || !n || (frame->channels != 1 && frame->channels != 3))
		return ANPR_ERR_INVAL;
	*n = 0;
	/* A valid image too small to hold a plate has none: not an error. */
	if (frame->width < ANPR_READER_MIN_SIDE || frame->height < ANPR_READER_MIN_SIDE)
		return ANPR_ERR_OK;
	if (frame->channels == 3) {
		err = anpr_cv_convert(frame, &r->grey, ANPR_CV_BGR2GREY);
		if (err)
			return err;
		grey = &r->grey;
	}
	err = anpr_detect(r->det, grey, r->regions, MAX_REGIONS, &nreg);
	if (err)
		return err;
	for (size_t i = 0; i < nreg && *n < max; i++) {
		if (r->cfg.want_read && !r->cfg.want_read(r->cfg.want_read_user, r->regions[i].plate)) {
			anpr_plate_read *o = &out[(*n)++];
			memset(o, 0, sizeof(*o));
			memcpy(o->quad, r->regions[i].plate, sizeof(o->quad));
			continue;
		}
		if (read_region(r, grey, &r->regions[i], &out[*n]))
			(*n)++;
	}
	qsort(out, *n, sizeof(*out), by_confidence);
	return ANPR_ERR_OK;
}
