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
/*
 * Most regions of a frame read again (read_region): the doubtful ones with
 * the best first readings. A reread costs two or three cuts, each read by
 * both models, so this bounds a busy frame's OCR calls (six regions: 48 at
 * most before, 30 now). A fourth doubtful region is clutter beside three
 * better ones far more often than a plate: on us, 9% fewer calls and the
 * same reads but one more right; eu-dev, synthetic UK and the clip stills
 * read the same.
 */
#define MAX_REREADS 3
/*
 * A read whose raw score is below this is read again from other cuts of the
 * same row, and the cuts vote (read_region). Reads above it were right 98-99%
 * of the time on the dev sets: a second read would mostly cost time.
 */
#define REREAD_BELOW 0.9f
/*
 * Side margins of the cuts of a row, in glyph heights: the first, then those
 * read when it is doubtful. UK plates carry nothing but the glyphs and an
 * optional side band, so they are cut wide first: a first or last glyph the
 * detector left out of the row (fused with the border or the band) is then
 * still read whole (synthetic UK, 1,000: +1.5 points top-1). European plates
 * carry emblems, stars and country letters beside the glyphs, which a wide
 * cut reads into the text (eu-dev: -5 points), so in EU or US mode the tight
 * cut comes first and the wide one only votes on doubtful reads.
 */
static const float cuts_uk[] = { ANPR_STRIP_MARGIN, 0.7f };
static const float cuts_other[] = { 0.45f, ANPR_STRIP_MARGIN, 0.7f };
/*
 * A doubtful row is also cut wide enough to hold this many glyph heights (a
 * UK mark's row is about 5.5) when its wide cut does not already: under blur
 * or an occluder the detector often finds one group of glyphs only.
 */
#define FULL_ROW 5.8f
/* Smallest frame searched: a 60 px plate with some margin. */
#define ANPR_READER_MIN_SIDE 32

/* A text read on a region, with its raw score (see raw_score()). */
typedef struct scored {
	char text[ANPR_VRM_BUF];
	float raw;
	float sure; /* raw times the grammar's share that the line is a plate at all: what is calibrated */
	anpr_plate_format format;
} scored;

/* The first cut's readings of a region, best first (read_cut), and whether it is read further. */
typedef struct first_read {
	scored best[ANPR_READ_MAX_CANDIDATES];
	int n;
	bool skip;   /* the caller did not want it read (want_read) */
	bool reread; /* doubtful, and among the MAX_REREADS best such (choose_rereads) */
} first_read;

struct anpr_reader {
	anpr_reader_cfg cfg;
	anpr_detector *det;
	anpr_recog *ocr[2]; /* one model (ocr[1] NULL), or two read together ("plate+eng") */
	anpr_image grey;
	anpr_image strip;
	anpr_strip_work work; /* strip cleaning, sized once */
	anpr_plate_region regions[MAX_REGIONS];
	first_read first[MAX_REGIONS];
	unsigned long ocr_calls;
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
	int n_ocr;
	err = anpr_recog_open_spec(r->cfg.model, r->cfg.model_dir, r->ocr, &n_ocr);
	if (err)
		goto out;
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

/*
 * How much the evidence beyond the text supports a plate: real plates carry
 * five or more symbols, and the detector's glyph count agrees with the OCR's.
 * Two symbols are a short mark, not a fragment of a longer row, only where
 * the detector found a line of exactly two glyphs: it takes those only with
 * blank plate past both (detect.c); they then count as three.
 */
static float evidence(const char *text, int n_blobs)
{
	int len = (int)strlen(text);
	float f = len >= 5 ? 1.0f : len == 4 ? 0.7f : len == 3 || (len == 2 && n_blobs == 2) ? 0.35f : 0.1f;
	int d = abs(len - n_blobs);

	return f * (d <= 1 ? 1.0f : d == 2 ? 0.6f : 0.3f);
}

/*
 * Raw score to probability that the read is right: isotonic fits on the dev
 * sets by tools/fit-calibration.py from `anpr-read --bench --pairs`, one per
 * family of formats, checked on the held-out synthetic seed 2026
 * (docs/ocr-accuracy.md). Each row: raw score from which it applies,
 * probability. Refit whenever the model, the detector, the cuts or the
 * grammar change (docs/ocr-accuracy.md says how).
 *
 * UK marks and foreign ones are fitted apart. The UK grammar checks a read
 * (age identifiers, which letters each position holds), the European and US
 * fallbacks accept almost any string, so at the same raw score a foreign
 * read is wrong more often: with one pooled table, the us set's reads at
 * 0.9 or more were right 9 times in 11.
 */
typedef struct knot {
	float raw, p;
} knot;

/*
 * UK formats: the 575 reads of 600 synthetic UK plates (seed 4242), model
 * "plate+eng"; the raw score times the grammar's share that the line is a
 * plate at all (anpr_plate_guess.plate).
 */
static const knot calibration_uk[] = {
	{ 0.0000f, 0.1250f }, /* 6 reads up to raw 0.0011, 0 right */
	{ 0.0011f, 0.1154f }, /* 24 reads up to raw 0.0726, 2 right */
	{ 0.0726f, 0.4000f }, /* 3 reads up to raw 0.0905, 1 right */
	{ 0.0905f, 0.5000f }, /* 8 reads up to raw 0.1298, 4 right */
	{ 0.1298f, 0.6250f }, /* 30 reads up to raw 0.4029, 19 right */
	{ 0.4029f, 0.6875f }, /* 14 reads up to raw 0.4767, 10 right */
	{ 0.4767f, 0.6667f }, /* 4 reads up to raw 0.5113, 3 right */
	{ 0.5113f, 0.8929f }, /* 26 reads up to raw 0.6382, 24 right */
	{ 0.6382f, 0.9744f }, /* 115 reads up to raw 0.8845, 113 right */
	{ 0.8845f, 0.9773f }, /* 86 reads up to raw 0.9191, 85 right */
	{ 0.9191f, 0.9962f }, /* 259 reads up to raw 0.9801, 259 right */
};

/*
 * European and US formats: the 237 reads of eu-dev (58) and us (179), model
 * "plate+eng"; refitted 2026-11-24 (the reads had drifted since the fit).
 */
static const knot calibration_other[] = {
	{ 0.0000f, 0.0417f }, /* 22 reads up to raw 0.0382, 0 right */
	{ 0.0382f, 0.1667f }, /* 10 reads up to raw 0.0579, 1 right */
	{ 0.0579f, 0.2500f }, /* 6 reads up to raw 0.0602, 1 right */
	{ 0.0602f, 0.3226f }, /* 29 reads up to raw 0.1121, 9 right */
	{ 0.1121f, 0.3636f }, /* 9 reads up to raw 0.1292, 3 right */
	{ 0.1292f, 0.3846f }, /* 50 reads up to raw 0.2778, 19 right */
	{ 0.2778f, 0.5000f }, /* 4 reads up to raw 0.2806, 2 right */
	{ 0.2806f, 0.6429f }, /* 12 reads up to raw 0.3230, 8 right */
	{ 0.3230f, 0.7073f }, /* 39 reads up to raw 0.5299, 28 right */
	{ 0.5299f, 0.8148f }, /* 25 reads up to raw 0.7081, 21 right */
	{ 0.7081f, 0.8667f }, /* 13 reads up to raw 0.8934, 12 right */
	{ 0.8934f, 0.8889f }, /* 16 reads up to raw 0.9840, 15 right */
	{ 0.9840f, 0.7500f }, /* 2 reads up to raw 0.9922, 2 right */
};

/*
 * Alternatives: an alternative's raw score over the read's (both times the
 * plate share; ALT_RATIO_MAX at most) to the probability that the
 * alternative is the plate, fitted per family of the read's format by
 * tools/fit-calibration.py from `anpr-read --bench --pairs`. UK: the
 * alternatives of synthetic seeds 4242 and 5151 (checked on seed 2026: 14
 * of 3,859 right, 21.4 by their confidences); others: eu-dev and us. Few
 * are right, one UK alternative in two hundred and one foreign one in
 * twenty-five; the reads' tables, which gave them their confidence before,
 * put each at 0.125 or more (docs/ocr-accuracy.md).
 */
/* An alternative scoring as high as the read or higher counts as level with it (ratio 1). */
#define ALT_RATIO_MAX 1.0f

static const knot calibration_alt_uk[] = {
	{ 0.0000f, 0.0005f }, /* 7624 alternatives up to raw 0.0093, 3 right */
	{ 0.0093f, 0.0050f }, /* 798 alternatives up to raw 0.0320, 3 right */
	{ 0.0320f, 0.0065f }, /* 460 alternatives up to raw 0.0787, 2 right */
	{ 0.0787f, 0.0123f }, /* 161 alternatives up to raw 0.1305, 1 right */
	{ 0.1305f, 0.0244f }, /* 162 alternatives up to raw 0.2029, 3 right */
	{ 0.2029f, 0.0288f }, /* 241 alternatives up to raw 0.3344, 6 right */
	{ 0.3344f, 0.0290f }, /* 274 alternatives up to raw 0.6823, 7 right */
	{ 0.6823f, 0.0857f }, /* 68 alternatives up to raw 0.7993, 5 right */
	{ 0.7993f, 0.1392f }, /* 156 alternatives up to raw 1.0000, 21 right */
};

static const knot calibration_alt_other[] = {
	{ 0.0000f, 0.0080f }, /* 123 alternatives up to raw 0.0274, 0 right */
	{ 0.0274f, 0.0189f }, /* 104 alternatives up to raw 0.0776, 1 right */
	{ 0.0776f, 0.0223f }, /* 267 alternatives up to raw 0.2226, 5 right */
	{ 0.2226f, 0.0526f }, /* 55 alternatives up to raw 0.2713, 2 right */
	{ 0.2713f, 0.0694f }, /* 243 alternatives up to raw 0.5741, 16 right */
	{ 0.5741f, 0.0870f }, /* 90 alternatives up to raw 0.7751, 7 right */
	{ 0.7751f, 0.1000f }, /* 48 alternatives up to raw 0.9523, 4 right */
	{ 0.9523f, 0.1875f }, /* 14 alternatives up to raw 0.9945, 2 right */
};

static float lookup(const knot *k, size_t n, float raw)
{
	float p = k[0].p;

	for (size_t i = 0; i < n; i++)
		if (raw >= k[i].raw && k[i].p > p)
			p = k[i].p; /* a small block's shrunk estimate can dip: keep the map monotone */
	return p;
}

/* The table's probability at raw: the row of the highest knot at or below it (monotone). */
#define LOOKUP(table, raw) lookup((table), sizeof(table) / sizeof((table)[0]), (raw))

static float calibrate(float raw, anpr_plate_format format)
{
	if (anpr_plate_format_country(format) == ANPR_COUNTRY_UK)
		return LOOKUP(calibration_uk, raw);
	return LOOKUP(calibration_other, raw);
}

float anpr_reader_alt_ratio(const anpr_plate_read *p, int a)
{
	if (!p || a < 1 || a >= p->n_candidates || !(p->candidates[a].raw_score > 0))
		return 0.0f;
	if (!(p->candidates[0].raw_score > 0))
		return ALT_RATIO_MAX;
	float ratio = p->candidates[a].raw_score / p->candidates[0].raw_score;
	return ratio < ALT_RATIO_MAX ? ratio : ALT_RATIO_MAX;
}

/* An alternative's probability of being the plate, from its ratio (anpr_reader_alt_ratio()). */
static float calibrate_alt(float ratio, anpr_plate_format format)
{
	if (anpr_plate_format_country(format) == ANPR_COUNTRY_UK)
		return LOOKUP(calibration_alt_uk, ratio);
	return LOOKUP(calibration_alt_other, ratio);
}

void anpr_read_candidates_cap(anpr_read_candidate *alts, int n, float rest)
{
	float sum = 0.0f;

	for (int a = 0; a < n; a++)
		sum += alts[a].confidence;
	for (int a = 0; a < n && sum > rest; a++)
		alts[a].confidence *= rest / sum;
}

/*
 * The candidates' confidences after the read's own: each alternative's by
 * the read's family, but no more than the read's own times its ratio (an
 * alternative level with a doubtful read is no likelier than the read; the
 * two tables were fitted on different reads), all scaled down when together
 * they would claim more than the read leaves.
 */
static void calibrate_candidates(anpr_plate_read *p)
{
	for (int a = 1; a < p->n_candidates; a++) {
		float ratio = anpr_reader_alt_ratio(p, a), c = calibrate_alt(ratio, p->format),
		      cap = p->candidates[0].confidence * ratio;
		p->candidates[a].confidence = c < cap ? c : cap;
	}
	anpr_read_candidates_cap(p->candidates + 1, p->n_candidates - 1, 1.0f - p->candidates[0].confidence);
}

/*
 * UK plates have had dark characters on a light face since 1973; only
 * historic vehicles may still wear light characters on black. Light text on
 * a dark ground with a UK mark's shape is most often a sign (white on blue
 * or green) or livery, so such a read keeps this share of its belief: it is
 * still reported, under the confident band. On synthetic seed 5151 it took
 * confident reads of no plate from 13 to 7 in 2,000 frames and no plate's
 * own read out of the band (docs/ocr-accuracy.md).
 */
#define LIGHT_TEXT_UK 0.3f

/*
 * The raw score: the grammar's relative belief in the text, times the OCR's
 * certainty about the line, times the evidence factor. Monotonic in each.
 */
static float raw_score(float relative, float certainty, float support)
{
	return relative * certainty * support;
}

static anpr_err read_strip(anpr_reader *r, anpr_ocr_line *line)
{
	int calls;
	anpr_err err = anpr_recog_read_models(r->ocr, &r->strip, line, &calls);

	r->ocr_calls += (unsigned long)calls;
	return err;
}

static void sort_scored(scored *s, int n)
{
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && s[k].raw > s[k - 1].raw; k--) {
			scored t = s[k];
			s[k] = s[k - 1];
			s[k - 1] = t;
		}
}

/*
 * Cuts the region's row with side margins of margin glyph heights, reads it
 * and ranks the readings: up to ANPR_READ_MAX_CANDIDATES texts, best raw
 * score first, into out and their count into *n (0 when nothing on it passes
 * for a plate). With edges, an occluder's soft edge is painted over with it
 * (anpr_strip_work.occluder_edges).
 */
static void read_cut(anpr_reader *r, const anpr_image *grey, const anpr_plate_region *reg, float margin,
		     bool edges, scored *out, int *n)
{
	anpr_ocr_line line;
	anpr_plate_guess guesses[ANPR_READ_MAX_CANDIDATES];
	size_t ng = 0;

	*n = 0;
	r->work.occluder_edges = edges;
	if (anpr_strip_extract_margin(grey, reg, margin, &r->strip, &r->work) != ANPR_ERR_OK)
		return;
	if (read_strip(r, &line) != ANPR_ERR_OK || line.n == 0)
		return;
	if (anpr_grammar_rank(&line, r->cfg.country, guesses, ANPR_READ_MAX_CANDIDATES, &ng) != ANPR_ERR_OK)
		return;
	float cert = anpr_ocr_line_certainty(&line);
	for (size_t i = 0; i < ng; i++) {
		memcpy(out[i].text, guesses[i].text, sizeof(out[i].text));
		out[i].format = guesses[i].format;
		out[i].raw = raw_score(guesses[i].score, cert, evidence(guesses[i].text, reg->n_chars));
		out[i].sure = out[i].raw * guesses[i].plate;
		if (reg->light_text && anpr_plate_format_country(guesses[i].format) == ANPR_COUNTRY_UK)
			out[i].sure *= LIGHT_TEXT_UK;
	}
	*n = (int)ng;
	/* The evidence factor depends on length, so it can reorder readings: keep them best first. */
	sort_scored(out, *n);
}

/* The region's text row length in glyph heights. */
static float row_length(const anpr_plate_region *reg)
{
	const anpr_point *t = reg->text;
	float len = (hypotf(t[1].x - t[0].x, t[1].y - t[0].y) + hypotf(t[2].x - t[3].x, t[2].y - t[3].y)) / 2;
	float h = (hypotf(t[3].x - t[0].x, t[3].y - t[0].y) + hypotf(t[2].x - t[1].x, t[2].y - t[1].y)) / 2;

	return h > 0 ? len / h : 0;
}

/*
 * The side margin, in glyph heights, of the cut that holds FULL_ROW glyph
 * heights of the region's row (at most ANPR_STRIP_MAX_MARGIN), or 0 when
 * that cut would be no wider than the wide one (ANPR_STRIP_MARGIN): a row
 * as long as a mark's needs none.
 */
static float full_row_margin(const anpr_plate_region *reg)
{
	float m = (FULL_ROW - row_length(reg)) / 2;

	return m <= ANPR_STRIP_MARGIN ? 0.0f : m < ANPR_STRIP_MAX_MARGIN ? m : ANPR_STRIP_MAX_MARGIN;
}

/*
 * Votes another cut's readings b into a, which holds the vote of n_before
 * cuts: each text scores the mean of its raw scores over all the cuts (0
 * where a cut did not produce it), so texts several cuts agree on rise above
 * those one cut alone saw. The result, best first, replaces a.
 */
static void vote(scored *a, int *na, int n_before, const scored *b, int nb)
{
	scored all[2 * ANPR_READ_MAX_CANDIDATES];
	float keep = (float)n_before / (float)(n_before + 1);
	int n = 0;

	for (int i = 0; i < *na; i++) {
		all[n] = a[i];
		all[n].sure *= keep;
		all[n++].raw *= keep;
	}
	for (int i = 0; i < nb; i++) {
		int k = 0;
		while (k < n && strcmp(all[k].text, b[i].text) != 0)
			k++;
		if (k == n)
			all[n++] = (scored){ .raw = 0, .sure = 0, .format = b[i].format };
		memcpy(all[k].text, b[i].text, sizeof(all[k].text));
		all[k].raw += b[i].raw * (1 - keep);
		all[k].sure += b[i].sure * (1 - keep);
	}
	sort_scored(all, n);
	*na = n < ANPR_READ_MAX_CANDIDATES ? n : ANPR_READ_MAX_CANDIDATES;
	memcpy(a, all, (size_t)*na * sizeof(*a));
}

/*
 * Whether a doubtful first reading is worth the two or three more cuts, each
 * read by both models, of a reread. Not when something else in the frame
 * read at least REREAD_RIVAL on its first cut and this one scored under
 * REREAD_FLOOR and under REREAD_SHARE of it: that is clutter beside a plate
 * (a badge, a grille, a sign). On the dev sets (eu-dev, us, synthetic UK)
 * no region that low beside such a rival was read right by its reread, and
 * they are a quarter to a third of the doubtful ones. Alone in its frame, or
 * beside other doubtful regions, a poor first reading is still read again:
 * a faint plate can score 0.0003 on its first cut and be read right.
 */
#define REREAD_FLOOR 0.1f
#define REREAD_SHARE 0.2f
#define REREAD_RIVAL 0.3f

static bool worth_reread(float raw, float best_first)
{
	if (raw >= REREAD_BELOW)
		return false;
	return raw >= REREAD_FLOOR || best_first < REREAD_RIVAL || raw >= REREAD_SHARE * best_first;
}

/*
 * Whether a sure first reading (REREAD_BELOW) may still be a current UK
 * mark cut short. A current mark (seven glyphs, most marks on the road)
 * that lost its first or last glyphs to the detector's row, fused with a
 * national band or a bolt, often still reads as an older format: LN15UYP
 * as the prefix mark N15UYP at 0.977 (synthetic seed 2026), OY69DJK as
 * Y69DJK. A prefix, suffix or dateless reading of a row short enough for a
 * full-row cut (full_row_margin()) is read again as a doubtful one is: the
 * other cuts seldom find the lost glyph, but they no longer agree, so such
 * a read loses the confidence it had not earned.
 */
static bool older_and_short(const scored *best, const anpr_plate_region *reg)
{
	anpr_plate_format f = best->format;

	return (f == ANPR_FMT_UK_PREFIX || f == ANPR_FMT_UK_SUFFIX || f == ANPR_FMT_UK_DATELESS) &&
	       full_row_margin(reg) > 0.0f;
}

/*
 * Marks the regions to read again: those whose first reading is worth it
 * (worth_reread, older_and_short), at most MAX_REREADS of them, best first
 * reading first. Nothing plate-like on the first cut is clutter, the common
 * case: it is not read again.
 */
static void choose_rereads(const anpr_plate_region *regions, first_read *first, size_t nreg, float best_first)
{
	bool doubtful[MAX_REGIONS];

	for (size_t i = 0; i < nreg; i++)
		doubtful[i] = !first[i].skip && first[i].n > 0 &&
			      (worth_reread(first[i].best[0].raw, best_first) ||
			       (first[i].best[0].raw >= REREAD_BELOW &&
				older_and_short(&first[i].best[0], &regions[i])));
	for (size_t i = 0; i < nreg; i++) {
		/* Doubtful regions ranked before i: a higher first score, or as high and earlier. */
		int better = 0;
		for (size_t j = 0; j < nreg && doubtful[i]; j++) {
			if (j == i || !doubtful[j])
				continue;
			float rj = first[j].best[0].raw, ri = first[i].best[0].raw;
			better += j < i ? rj >= ri : rj > ri;
		}
		first[i].reread = doubtful[i] && better < MAX_REREADS;
	}
}

/* The side margins of a region's cuts, first cut first, and their number into *n. */
static const float *region_cuts(const anpr_reader *r, size_t *n)
{
	bool uk = r->cfg.country == ANPR_COUNTRY_UK || r->cfg.country == ANPR_COUNTRY_AUTO;

	*n = uk ? sizeof(cuts_uk) / sizeof(cuts_uk[0]) : sizeof(cuts_other) / sizeof(cuts_other[0]);
	return uk ? cuts_uk : cuts_other;
}

/*
 * Finishes one region from its first cut's readings fr; false when nothing
 * on it passes for a plate. A doubtful first reading (REREAD_BELOW) worth
 * it (see REREAD_FLOOR) is read again from other cuts of the same row, and
 * the cuts vote. The first cut leaves an occluder's soft edge as it is, the
 * others paint it over (anpr_strip_work.occluder_edges): what lies under it
 * is a guess either way, so a glyph that reads differently under the two
 * is read with less confidence (RR56JHP's J, its hook under a bar's faded
 * side, was read O at 0.75 by the first cut alone).
 */
static bool read_region(anpr_reader *r, const anpr_image *grey, const anpr_plate_region *reg, first_read *fr,
			anpr_plate_read *out)
{
	size_t ncut;
	const float *cuts = region_cuts(r, &ncut);
	scored other[ANPR_READ_MAX_CANDIDATES];
	scored *best = fr->best;
	int no = 0;

	if (fr->reread) {
		int ncuts = 1;
		for (size_t c = 1; c < ncut; c++) {
			read_cut(r, grey, reg, cuts[c], true, other, &no);
			vote(best, &fr->n, ncuts++, other, no);
		}
		float m = full_row_margin(reg);
		if (m > 0.0f) {
			read_cut(r, grey, reg, m, true, other, &no);
			vote(best, &fr->n, ncuts++, other, no);
		}
	}
	if (fr->n == 0 || best[0].raw < r->cfg.min_confidence)
		return false;

	memset(out, 0, sizeof(*out));
	memcpy(out->text, best[0].text, sizeof(out->text));
	out->format = best[0].format;
	out->raw_score = best[0].sure;
	out->confidence = calibrate(best[0].sure, best[0].format);
	memcpy(out->quad, reg->plate, sizeof(out->quad));
	out->char_height = reg->char_height;
	out->n_candidates = fr->n < r->cfg.topn ? fr->n : r->cfg.topn;
	for (int i = 0; i < out->n_candidates; i++) {
		memcpy(out->candidates[i].text, best[i].text, sizeof(out->candidates[i].text));
		out->candidates[i].raw_score = best[i].sure;
	}
	out->candidates[0].confidence = out->confidence;
	calibrate_candidates(out);
	return true;
}

static int by_confidence(const void *a, const void *b)
{
	const anpr_plate_read *p = a, *q = b;
	return (p->confidence < q->confidence) - (p->confidence > q->confidence);
}

/*
 * Keeps one read per plate. The detector lets a long row through beside a
 * shorter one it covers (a group found apart from the rest, detect.c), so
 * both were read; the less confident of two overlapping reads goes. Reads
 * sorted most confident first; regions left unread (want_read) stay.
 */
static void drop_overlaps(anpr_plate_read *out, size_t *n)
{
	size_t kept = 0;

	for (size_t i = 0; i < *n; i++) {
		bool dup = false;
		for (size_t k = 0; k < kept && !dup && out[i].text[0]; k++)
			dup = out[k].text[0] && anpr_quads_overlap(out[i].quad, out[k].quad);
		if (!dup)
			out[kept++] = out[i];
	}
	*n = kept;
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
	/* Every region's first cut, then the rereads, which depend on the best first reading. */
	float best_first = 0;
	size_t ncut;
	const float first_margin = region_cuts(r, &ncut)[0];
	for (size_t i = 0; i < nreg; i++) {
		first_read *fr = &r->first[i];
		fr->n = 0;
		fr->skip = r->cfg.want_read && !r->cfg.want_read(r->cfg.want_read_user, r->regions[i].plate);
		if (fr->skip)
			continue;
		read_cut(r, grey, &r->regions[i], first_margin, false, fr->best, &fr->n);
		if (fr->n > 0 && fr->best[0].raw > best_first)
			best_first = fr->best[0].raw;
	}
	choose_rereads(r->regions, r->first, nreg, best_first);
	for (size_t i = 0; i < nreg && *n < max; i++) {
		if (r->first[i].skip) {
			anpr_plate_read *o = &out[(*n)++];
			memset(o, 0, sizeof(*o));
			memcpy(o->quad, r->regions[i].plate, sizeof(o->quad));
			continue;
		}
		if (read_region(r, grey, &r->regions[i], &r->first[i], &out[*n]))
			(*n)++;
	}
	qsort(out, *n, sizeof(*out), by_confidence);
	drop_overlaps(out, n);
	return ANPR_ERR_OK;
}

unsigned long anpr_reader_ocr_calls(const anpr_reader *r)
{
	return r ? r->ocr_calls : 0;
}
