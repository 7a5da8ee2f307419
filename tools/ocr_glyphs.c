/* SPDX-License-Identifier: MIT */
/*
 * anpr-ocr-glyphs: trains the shape model that scores a glyph as each plate
 * symbol (ocr/glyph_shape.h) and writes it as a C header.
 *
 * Usage: anpr-ocr-glyphs OUT.h TRAIN_DIR... [-- TEST_DIR...]
 *
 * Each DIR holds strips NAME.png (grey, dark on light) with NAME.gt.txt, the
 * line's text: anpr-ocr-strips tiles, anpr-synth strips, anpr-ocr-cut. A
 * strip's glyphs are found as the reader finds them (anpr_ocr_glyph_pieces());
 * where there are as many as the text has symbols, each piece gives one
 * example (anpr_glyph_shape_features()), labelled with its symbol's class.
 * Strips that segment otherwise are skipped and counted.
 *
 * The model: the features standardised, 32 tanh units, a softmax over the
 * classes; cross-entropy with each training folder weighing the same in
 * all, L2 0.001 on the weights, Adam on batches of 256 over 60 passes
 * (rate 0.003, the last 10 at 0.0003), weights and batch order drawn from a
 * fixed seed: the same folders give the same header.
 * It prints each folder's accuracy, mean log loss and commonest confusions. tools/train-glyph-shape.sh
 * (make glyph-shape) makes the folders and runs it.
 *
 * Exit status: 0 written, 1 an error, 2 usage.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glyph_shape.h"
#include "opencv_c.h"
#include "recog_internal.h"
#include "strip_set.h"

#define NF ANPR_GLYPH_SHAPE_FEATURES
#define NC ANPR_GLYPH_SHAPE_CLASSES
#define HIDDEN 32
#define MAX_DIRS 16
#define MAX_EXAMPLES 200000
#define MAX_PIECES ANPR_VRM_BUF
#define PASSES 60
#define SLOW_PASSES 10 /* the last passes, at a tenth of the rate */
#define BATCH 256
#define RATE 0.003
#define L2 0.001
#define SEED 0x6c79706853ULL

typedef struct example {
	float f[NF];
	int label;
	int set;
} example;

typedef struct data {
	example *ex;
	int n;
	int per_set[MAX_DIRS];
	long strips[MAX_DIRS], skipped[MAX_DIRS];
} data;

/*
 * Adds the glyphs of one strip, whose symbols are text, as examples of folder
 * number set; false when the store of MAX_EXAMPLES is full (a model trained
 * or measured on part of a folder would say nothing true).
 */
static bool add_strip(data *d, int set, const char *png, const char *text, anpr_image *grey, anpr_image *ink)
{
	anpr_rect pieces[MAX_PIECES];
	int ns = (int)strlen(text);

	if (anpr_cv_read_file(png, ANPR_CV_LOAD_GREY, grey) != ANPR_ERR_OK) {
		fprintf(stderr, "anpr-ocr-glyphs: %s: cannot read the image, skipped\n", png);
		d->skipped[set]++;
		return true;
	}
	d->strips[set]++;
	if (anpr_ocr_glyph_pieces(grey, ink, pieces, MAX_PIECES) != ns || ns == 0) {
		d->skipped[set]++;
		return true;
	}
	for (int i = 0; i < ns; i++) {
		if (d->n == MAX_EXAMPLES) {
			fprintf(stderr, "anpr-ocr-glyphs: more than %d glyphs in all; use fewer strips\n",
				MAX_EXAMPLES);
			return false;
		}
		int label = anpr_glyph_shape_class(text[i]);
		example *e = &d->ex[d->n];

		if (label < 0 || !anpr_glyph_shape_features(ink, pieces[i], e->f))
			continue;
		e->label = label;
		e->set = set;
		d->per_set[set]++;
		d->n++;
	}
	return true;
}

/*
 * Reads every labelled strip of dir, in name order, as folder number set; 0
 * when the folder cannot be listed or the glyphs overflow the store.
 */
static int load_dir(data *d, int set, const char *dir)
{
	char **names = NULL, path[4096], text[ANPR_VRM_BUF];
	size_t n = 0;
	anpr_image grey = { 0 }, ink = { 0 };
	anpr_err err = anpr_strip_set_list(dir, &names, &n);

	if (err)
		fprintf(stderr, "anpr-ocr-glyphs: %s: %s\n", dir, anpr_strerror(err));
	for (size_t i = 0; i < n && !err; i++) {
		if (!anpr_strip_set_truth(dir, names[i], text))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!add_strip(d, set, path, text, &grey, &ink))
			err = ANPR_ERR_TOO_BIG;
	}
	anpr_strip_set_free(names, n);
	anpr_image_free(&grey);
	anpr_image_free(&ink);
	return !err;
}

/* splitmix64: the initial weights' stream. */
static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double gaussian(uint64_t *s)
{
	double u = ((double)(next_u64(s) >> 11) + 0.5) / 9007199254740992.0;
	double v = (double)(next_u64(s) >> 11) / 9007199254740992.0;
	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

typedef struct net {
	double mu[NF], sd[NF];
	double w1[NF][HIDDEN], b1[HIDDEN], w2[HIDDEN][NC], b2[NC];
} net;

/* Class probabilities for standardised features z; hidden activations into h. */
static void forward(const net *m, const double *z, double *h, double *p)
{
	double top = -INFINITY, sum = 0;

	for (int j = 0; j < HIDDEN; j++) {
		double t = m->b1[j];
		for (int k = 0; k < NF; k++)
			t += z[k] * m->w1[k][j];
		h[j] = tanh(t);
	}
	for (int c = 0; c < NC; c++) {
		p[c] = m->b2[c];
		for (int j = 0; j < HIDDEN; j++)
			p[c] += h[j] * m->w2[j][c];
		top = p[c] > top ? p[c] : top;
	}
	for (int c = 0; c < NC; c++)
		sum += p[c] = exp(p[c] - top);
	for (int c = 0; c < NC; c++)
		p[c] /= sum;
}

static void standardise(const net *m, const float *f, double *z)
{
	for (int k = 0; k < NF; k++)
		z[k] = ((double)f[k] - m->mu[k]) / m->sd[k];
}

/* One Adam step on a parameter array of n values. */
static void adam(double *w, const double *g, double *m1, double *m2, size_t n, int step, double rate)
{
	double c1 = 1 - pow(0.9, step), c2 = 1 - pow(0.999, step);

	for (size_t i = 0; i < n; i++) {
		m1[i] = 0.9 * m1[i] + 0.1 * g[i];
		m2[i] = 0.999 * m2[i] + 0.001 * g[i] * g[i];
		w[i] -= rate * (m1[i] / c1) / (sqrt(m2[i] / c2) + 1e-8);
	}
}

/* Adds example e's gradient, times w, to grad (laid out as the net's w1, b1, w2, b2). */
static void backprop(const net *m, const example *e, double w, double *grad)
{
	double(*gw1)[HIDDEN] = (double(*)[HIDDEN])grad, *gb1 = grad + NF * HIDDEN;
	double(*gw2)[NC] = (double(*)[NC])(gb1 + HIDDEN), *gb2 = gb1 + HIDDEN + HIDDEN * NC;
	double z[NF], h[HIDDEN], p[NC], dh[HIDDEN] = { 0 };

	standardise(m, e->f, z);
	forward(m, z, h, p);
	for (int c = 0; c < NC; c++) {
		double d = (p[c] - (c == e->label)) * w;
		gb2[c] += d;
		for (int j = 0; j < HIDDEN; j++) {
			gw2[j][c] += h[j] * d;
			dh[j] += m->w2[j][c] * d;
		}
	}
	for (int j = 0; j < HIDDEN; j++) {
		double d = dh[j] * (1 - h[j] * h[j]);
		gb1[j] += d;
		for (int k = 0; k < NF; k++)
			gw1[k][j] += z[k] * d;
	}
}

static int train(net *m, const data *d, int nsets)
{
	double weight[MAX_DIRS];
	int used = 0, step = 0;
	uint64_t rng = SEED;
	size_t np = sizeof(net) / sizeof(double) - 2 * NF;
	double *grad = calloc(np, sizeof(double)), *m1 = calloc(np, sizeof(double)),
	       *m2 = calloc(np, sizeof(double));
	int *order = calloc((size_t)d->n, sizeof(int));

	if (!grad || !m1 || !m2 || !order) {
		free(grad), free(m1), free(m2), free(order);
		return 0;
	}
	for (int s = 0; s < nsets; s++)
		used += d->per_set[s] > 0;
	for (int s = 0; s < nsets; s++)
		weight[s] = d->per_set[s] ? (double)d->n / (double)d->per_set[s] / used : 0;
	for (int k = 0; k < NF; k++) {
		double s1 = 0, s2 = 0;
		for (int i = 0; i < d->n; i++)
			s1 += (double)d->ex[i].f[k], s2 += (double)d->ex[i].f[k] * (double)d->ex[i].f[k];
		m->mu[k] = s1 / d->n;
		m->sd[k] = sqrt(fmax(s2 / d->n - m->mu[k] * m->mu[k], 0)) + 1e-3;
	}
	for (int k = 0; k < NF; k++)
		for (int j = 0; j < HIDDEN; j++)
			m->w1[k][j] = gaussian(&rng) / sqrt((double)NF);
	for (int j = 0; j < HIDDEN; j++)
		for (int c = 0; c < NC; c++)
			m->w2[j][c] = gaussian(&rng) / sqrt((double)HIDDEN);
	for (int i = 0; i < d->n; i++)
		order[i] = i;
	/* The trained parameters follow mu and sd in the struct, as one array of doubles. */
	double *params = &m->w1[0][0];
	for (int pass = 0; pass < PASSES; pass++) {
		double rate = pass < PASSES - SLOW_PASSES ? RATE : RATE / 10;
		for (int i = d->n - 1; i > 0; i--) { /* a fresh batch order each pass */
			int j = (int)(next_u64(&rng) % (uint64_t)(i + 1)), t = order[i];
			order[i] = order[j], order[j] = t;
		}
		for (int at = 0; at < d->n; at += BATCH) {
			int end = at + BATCH < d->n ? at + BATCH : d->n;

			memset(grad, 0, np * sizeof(double));
			for (int i = at; i < end; i++) {
				const example *e = &d->ex[order[i]];
				backprop(m, e, weight[e->set] / (end - at), grad);
			}
			/* L2 on the weights, not the biases: w1 first, w2 after b1. */
			for (size_t i = 0; i < (size_t)NF * HIDDEN; i++)
				grad[i] += L2 * params[i];
			for (size_t i = (size_t)NF * HIDDEN + HIDDEN; i < np - NC; i++)
				grad[i] += L2 * params[i];
			adam(params, grad, m1, m2, np, ++step, rate);
		}
	}
	free(grad), free(m1), free(m2), free(order);
	return 1;
}

/* Prints a folder's accuracy, mean log loss and commonest confusions (truth read as class). */
static void report(const net *m, const data *d, int set, const char *name)
{
	static const char symbols[] = ANPR_GLYPH_SHAPE_SYMBOLS;
	int n = 0, right = 0, confused[NC][NC] = { { 0 } };
	double loss = 0;

	for (int i = 0; i < d->n; i++) {
		double z[NF], h[HIDDEN], p[NC];
		int best = 0;
		if (d->ex[i].set != set)
			continue;
		standardise(m, d->ex[i].f, z);
		forward(m, z, h, p);
		for (int c = 1; c < NC; c++)
			best = p[c] > p[best] ? c : best;
		right += best == d->ex[i].label;
		confused[d->ex[i].label][best] += best != d->ex[i].label;
		loss -= log(fmax(p[d->ex[i].label], 1e-12));
		n++;
	}
	printf("  %-40s strips %6ld (%ld not segmented)  glyphs %5d  right %6.2f%%  log loss %.3f\n    "
	       "confused:",
	       name, d->strips[set], d->skipped[set], n, n ? 100.0 * right / n : 0.0, n ? loss / n : 0.0);
	for (int shown = 0; shown < 8; shown++) {
		int ta = 0, ca = 0;
		for (int t = 0; t < NC; t++)
			for (int c = 0; c < NC; c++)
				if (confused[t][c] > confused[ta][ca])
					ta = t, ca = c;
		if (confused[ta][ca] == 0)
			break;
		printf(" %c>%c %d", symbols[ta], symbols[ca], confused[ta][ca]);
		confused[ta][ca] = 0;
	}
	printf("\n");
}

/*
 * Writes the model with the standardisation folded into the first layer, to
 * path.tmp first and then renamed over path, so that a failed write never
 * leaves a cut-short header in the source tree.
 */
static int write_header(const char *path, const net *m, char **argv, int argc)
{
	char tmp[4096];
	int w = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = w > 0 && (size_t)w < sizeof(tmp) ? fopen(tmp, "w") : NULL;

	if (!f) {
		fprintf(stderr, "anpr-ocr-glyphs: %s: %s\n", path,
			w > 0 && (size_t)w < sizeof(tmp) ? strerror(errno) : "path too long");
		return 0;
	}
	fprintf(f, "/* SPDX-License-Identifier: MIT */\n/* The glyph shape model (ocr/glyph_shape.h), "
		   "written by tools/train-glyph-shape.sh: do not edit. */\n/*\n * anpr-ocr-glyphs");
	for (int i = 2; i < argc; i++) {
		const char *slash = strrchr(argv[i], '/');
		fprintf(f, " %s", slash && strcmp(argv[i], "--") ? slash + 1 : argv[i]);
	}
	fprintf(f,
		"\n */\n#define GLYPH_SHAPE_HIDDEN %d\n\nstatic const float "
		"glyph_shape_w1[%d][GLYPH_SHAPE_HIDDEN] = {\n",
		HIDDEN, NF);
	for (int k = 0; k < NF; k++) {
		fprintf(f, "\t{");
		for (int j = 0; j < HIDDEN; j++)
			fprintf(f, " %.6ff%s", m->w1[k][j] / m->sd[k], j + 1 < HIDDEN ? "," : " },\n");
	}
	fprintf(f, "};\n\nstatic const float glyph_shape_b1[GLYPH_SHAPE_HIDDEN] = {");
	for (int j = 0; j < HIDDEN; j++) {
		double b = m->b1[j];
		for (int k = 0; k < NF; k++)
			b -= m->mu[k] * m->w1[k][j] / m->sd[k];
		fprintf(f, "%s%.6ff", j == 0 ? "\n\t" : j % 6 ? ", " : ",\n\t", b);
	}
	fprintf(f, "\n};\n\nstatic const float glyph_shape_w2[GLYPH_SHAPE_HIDDEN][%d] = {\n", NC);
	for (int j = 0; j < HIDDEN; j++) {
		fprintf(f, "\t{");
		for (int c = 0; c < NC; c++)
			fprintf(f, " %.6ff%s", m->w2[j][c], c + 1 < NC ? "," : " },\n");
	}
	fprintf(f, "};\n\nstatic const float glyph_shape_b2[%d] = {", NC);
	for (int c = 0; c < NC; c++)
		fprintf(f, "%s%.6ff", c == 0 ? "\n\t" : c % 6 ? ", " : ",\n\t", m->b2[c]);
	fprintf(f, "\n};\n");
	bool written = !ferror(f);
	if (fclose(f) != 0 || !written || rename(tmp, path) != 0) {
		fprintf(stderr, "anpr-ocr-glyphs: %s: %s\n", path, strerror(errno ? errno : EIO));
		remove(tmp);
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	data d = { 0 }, test;
	net *m = NULL;
	int ntrain = 0, nsets = 0, status = 1;

	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: anpr-ocr-glyphs OUT.h TRAIN_DIR... [-- TEST_DIR...]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			break;
		else
			ntrain++;
	nsets = argc - 2 - (ntrain < argc - 2);
	if (ntrain == 0 || nsets > MAX_DIRS) {
		fprintf(stderr, "anpr-ocr-glyphs: 1 to %d folders, at least one to train on\n", MAX_DIRS);
		return 2;
	}
	d.ex = calloc(MAX_EXAMPLES, sizeof(*d.ex));
	m = calloc(1, sizeof(*m));
	if (!d.ex || !m)
		goto out;
	for (int s = 0; s < ntrain; s++)
		if (!load_dir(&d, s, argv[2 + s]))
			goto out;
	if (d.n == 0) {
		fprintf(stderr, "anpr-ocr-glyphs: no glyph in the training folders\n");
		goto out;
	}
	if (!train(m, &d, ntrain))
		goto out;
	/* The test folders' examples go after the training ones, in the same array. */
	test = d;
	for (int s = ntrain; s < nsets; s++)
		if (!load_dir(&test, s, argv[3 + s]))
			goto out;
	printf("anpr-ocr-glyphs: trained on %d glyphs\n", d.n);
	for (int s = 0; s < nsets; s++)
		report(m, &test, s, argv[2 + s + (s >= ntrain)]);
	if (!write_header(argv[1], m, argv, argc))
		goto out;
	status = 0;
out:
	free(d.ex);
	free(m);
	return status;
}
