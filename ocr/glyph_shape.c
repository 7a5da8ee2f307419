/* SPDX-License-Identifier: MIT */
/* Shape scores for a plate symbol from one thresholded glyph (see glyph_shape.h). */
#include "glyph_shape.h"

#include <math.h>
#include <string.h>

/* The trained network: GLYPH_SHAPE_HIDDEN, glyph_shape_w1/b1/w2/b2 (written by anpr-ocr-glyphs, `make glyph-shape`). */
#include "glyph_shape_model.h"

/* A header trained for other features or classes than glyph_shape.h's does not build. */
_Static_assert(sizeof(glyph_shape_w1) / sizeof(glyph_shape_w1[0]) == ANPR_GLYPH_SHAPE_FEATURES,
	       "glyph_shape_model.h: retrain it (make glyph-shape) for these features");
_Static_assert(sizeof(glyph_shape_b2) / sizeof(glyph_shape_b2[0]) == ANPR_GLYPH_SHAPE_CLASSES,
	       "glyph_shape_model.h: retrain it (make glyph-shape) for these classes");

/*
 * Below this a reweighed alternative would read as impossible, which the
 * grammar refuses; above 1 (one model's alternatives can together hold more
 * than 1) it would be surer than sure.
 */
#define MIN_P 1e-6f
/*
 * The least a shape verdict leaves of a look-alike reading (anpr_ocr_alt.shape_subst):
 * the model misclasses about one real glyph in a hundred and twenty, so no verdict
 * of it counts for more than fifty to one.
 */
#define MIN_SUBST 0.02f

bool anpr_glyph_shape_features(const anpr_image *ink, anpr_rect box, float f[ANPR_GLYPH_SHAPE_FEATURES])
{
	if (!ink || !ink->data || ink->channels != 1 || box.x < 0 || box.y < 0 ||
	    box.width < ANPR_GLYPH_SHAPE_GRID_W || box.height < ANPR_GLYPH_SHAPE_GRID_H ||
	    box.width > ink->width - box.x || box.height > ink->height - box.y)
		return false;
	f[0] = (float)box.width / (float)box.height;
	for (int gy = 0; gy < ANPR_GLYPH_SHAPE_GRID_H; gy++) {
		int y0 = box.y + gy * box.height / ANPR_GLYPH_SHAPE_GRID_H;
		int y1 = box.y + (gy + 1) * box.height / ANPR_GLYPH_SHAPE_GRID_H;

		for (int gx = 0; gx < ANPR_GLYPH_SHAPE_GRID_W; gx++) {
			int x0 = box.x + gx * box.width / ANPR_GLYPH_SHAPE_GRID_W;
			int x1 = box.x + (gx + 1) * box.width / ANPR_GLYPH_SHAPE_GRID_W;
			int inked = 0;

			for (int y = y0; y < y1; y++) {
				const uint8_t *row = ink->data + (size_t)y * ink->stride;
				for (int x = x0; x < x1; x++)
					inked += row[x] != 0;
			}
			f[1 + gy * ANPR_GLYPH_SHAPE_GRID_W + gx] =
			    (float)inked / (float)((y1 - y0) * (x1 - x0));
		}
	}
	return true;
}

void anpr_glyph_shape_classify(const float f[ANPR_GLYPH_SHAPE_FEATURES], float logp[ANPR_GLYPH_SHAPE_CLASSES])
{
	float hidden[GLYPH_SHAPE_HIDDEN], top = -INFINITY, sum = 0.0f;

	for (int j = 0; j < GLYPH_SHAPE_HIDDEN; j++) {
		float t = glyph_shape_b1[j];
		for (int k = 0; k < ANPR_GLYPH_SHAPE_FEATURES; k++)
			t += f[k] * glyph_shape_w1[k][j];
		hidden[j] = tanhf(t);
	}
	for (int c = 0; c < ANPR_GLYPH_SHAPE_CLASSES; c++) {
		logp[c] = glyph_shape_b2[c];
		for (int j = 0; j < GLYPH_SHAPE_HIDDEN; j++)
			logp[c] += hidden[j] * glyph_shape_w2[j][c];
		top = logp[c] > top ? logp[c] : top;
	}
	for (int c = 0; c < ANPR_GLYPH_SHAPE_CLASSES; c++)
		sum += expf(logp[c] - top);
	for (int c = 0; c < ANPR_GLYPH_SHAPE_CLASSES; c++)
		logp[c] -= top + logf(sum);
}

int anpr_glyph_shape_class(char c)
{
	static const char symbols[] = ANPR_GLYPH_SHAPE_SYMBOLS;
	const char *at = c == '0' ? strchr(symbols, 'O') : c ? strchr(symbols, c) : NULL;

	return at ? (int)(at - symbols) : -1;
}

bool anpr_glyph_shape_doubtful(const anpr_ocr_pos *pos)
{
	int best = pos && pos->n >= 2 ? anpr_glyph_shape_class(pos->alt[0].c) : -1;

	if (best < 0)
		return false;
	for (int a = 1; a < pos->n; a++) {
		int k = anpr_glyph_shape_class(pos->alt[a].c);
		if (k >= 0 && k != best)
			return true;
	}
	return false;
}

/* How likely, by shape, the likeliest look-alike of c is against c itself, within [MIN_SUBST, 1]; 0: c has none. */
static float lookalike_share(char c, const float logp[ANPR_GLYPH_SHAPE_CLASSES])
{
	char to[ANPR_LOOKALIKES_MAX + 1];
	int k = anpr_glyph_shape_class(c), n = anpr_grammar_lookalikes(c, to);
	float most = -INFINITY;

	for (int i = 0; i < n && k >= 0; i++) {
		int t = anpr_glyph_shape_class(to[i]);
		if (t >= 0 && logp[t] - logp[k] > most)
			most = logp[t] - logp[k];
	}
	return most == -INFINITY ? 0.0f : fminf(fmaxf(expf(most), MIN_SUBST), 1.0f);
}

void anpr_glyph_shape_reweigh(anpr_ocr_pos *pos, const float logp[ANPR_GLYPH_SHAPE_CLASSES])
{
	float before = 0.0f, after = 0.0f, w[ANPR_OCR_MAX_ALTS] = { 0 };

	if (!anpr_glyph_shape_doubtful(pos))
		return;
	for (int a = 0; a < pos->n; a++) {
		int k = anpr_glyph_shape_class(pos->alt[a].c);
		if (k < 0)
			continue;
		before += pos->alt[a].p;
		w[a] = pos->alt[a].p * expf(logp[k]);
		after += w[a];
	}
	if (!(after > 0.0f))
		return;
	for (int a = 0; a < pos->n; a++) {
		if (anpr_glyph_shape_class(pos->alt[a].c) >= 0)
			pos->alt[a].p = fminf(fmaxf(before * w[a] / after, MIN_P), 1.0f);
		pos->alt[a].shape_subst = lookalike_share(pos->alt[a].c, logp);
	}
	for (int a = 1; a < pos->n; a++)
		for (int b = a; b > 0 && pos->alt[b].p > pos->alt[b - 1].p; b--) {
			anpr_ocr_alt t = pos->alt[b];
			pos->alt[b] = pos->alt[b - 1];
			pos->alt[b - 1] = t;
		}
}
