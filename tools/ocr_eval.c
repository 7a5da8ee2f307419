/* SPDX-License-Identifier: MIT */
/* anpr-ocr-eval: measures a recognition model over a folder of strips with ground truth, as the runtime reads them. */

/*
 * Usage: anpr-ocr-eval [--model NAME|NAME+NAME] [--model-dir DIR] [--country auto|uk|eu|us]
 *                      [--per-char] [--errors] [--calibrate] [--limit N] FOLDER
 *
 * FOLDER holds NAME.png strips (grey, dark on light: what ocr/strip.c hands to
 * ocr/recog.c) each with NAME.gt.txt, one line of text. Every strip goes
 * through anpr_recog_read() and anpr_grammar_rank() exactly as the reader does,
 * and the tool prints:
 *   line exact      the best symbol of every position, joined, equals the truth
 *   char accuracy   1 - (edit distance / truth length), summed over strips
 *   grammar top-1   the grammar's best plate (ranked under --country) equals the
 *                   truth, over the strips whose truth is itself a plate of that
 *                   country (of the UK for auto)
 *   grammar chars   char accuracy of that best plate against the truth, same strips
 *                   (no plate at all counts every character wrong)
 *   ms per strip    median and 90th percentile of anpr_recog_read() alone
 * --per-char adds accuracy per true character (for single-character strips),
 * --errors lists each strip misread by either measure as
 * `name<TAB>truth<TAB>best symbols<TAB>grammar's best or -`, --calibrate how
 * well the alternatives' probabilities fit (see calibrate()). It prints plate text,
 * so it is a development tool: never point it at data from the field.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grammar.h"
#include "opencv_c.h"
#include "recog.h"
#include "strip_set.h"

#define GUESSES 5

typedef struct options {
	anpr_recog_cfg cfg;
	anpr_country country;
	int per_char;
	int errors;
	int calibrate;
	long limit;
	const char *dir;
} options;

/* One position of a line read with the truth's length: its probabilities and where the truth is (-1: absent). */
typedef struct cal_pos {
	float p[ANPR_OCR_MAX_ALTS];
	int n;
	int truth;
} cal_pos;

typedef struct totals {
	long strips, exact, empty, chars, char_errors, plates, plate_exact, plate_top5;
	long plate_chars, plate_char_errors;
	long per_char_n[36], per_char_ok[36];
	double *ms;
	cal_pos *cal;
	size_t n_cal, cap_cal;
} totals;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int char_slot(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return 26 + c - '0';
	return -1;
}

/* Levenshtein distance of two short strings. */
static int edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b), row[ANPR_OCR_MAX_POS + ANPR_VRM_BUF + 2];

	if (lb > (int)(sizeof row / sizeof row[0]) - 1)
		return la > lb ? la : lb;
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The best alternative of each position, joined. */
static void best_text(const anpr_ocr_line *line, char out[ANPR_OCR_MAX_POS + 1])
{
	int n = 0;

	for (int i = 0; i < line->n; i++)
		out[n++] = line->pos[i].alt[0].c;
	out[n] = '\0';
}

/* Keeps the positions of a line whose length matches the truth, for --calibrate. */
static anpr_err keep_positions(totals *t, const anpr_ocr_line *line, const char *truth)
{
	if ((size_t)line->n != strlen(truth))
		return ANPR_ERR_OK;
	if (t->n_cal + (size_t)line->n > t->cap_cal) {
		size_t cap = t->cap_cal ? t->cap_cal * 2 : 4096;
		cal_pos *v = realloc(t->cal, cap * sizeof *v);

		if (!v)
			return ANPR_ERR_NOMEM;
		t->cal = v;
		t->cap_cal = cap;
	}
	for (int i = 0; i < line->n; i++) {
		cal_pos *c = &t->cal[t->n_cal++];

		c->n = line->pos[i].n;
		c->truth = -1;
		for (int a = 0; a < c->n; a++) {
			c->p[a] = line->pos[i].alt[a].p;
			if (line->pos[i].alt[a].c == truth[i])
				c->truth = a;
		}
	}
	return ANPR_ERR_OK;
}

/*
 * Recognition reports p proportional to exp(-rating / T). Raising p to 1/k and
 * renormalising gives the probabilities at temperature k * T: prints, for a few
 * k, the mean negative log-likelihood of the true symbol (where it is among the
 * alternatives) and how sure the best symbol is against how often it is right.
 */
static void calibrate(const totals *t)
{
	static const double ks[] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0, 1.5, 2.0, 3.0 };
	size_t with_truth = 0, top_ok = 0;

	for (size_t i = 0; i < t->n_cal; i++) {
		with_truth += t->cal[i].truth >= 0;
		top_ok += t->cal[i].truth == 0;
	}
	printf(
	    "  calibration over %zu aligned positions: truth among alternatives %.2f%%, best right %.2f%%\n",
	    t->n_cal, t->n_cal ? 100.0 * (double)with_truth / (double)t->n_cal : 0.0,
	    t->n_cal ? 100.0 * (double)top_ok / (double)t->n_cal : 0.0);
	for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
		double nll = 0, top_p = 0;

		for (size_t i = 0; i < t->n_cal; i++) {
			const cal_pos *c = &t->cal[i];
			double lmax = log((double)c->p[0]) / ks[j], sum = 0;

			for (int a = 0; a < c->n; a++)
				sum += exp(log((double)c->p[a]) / ks[j] - lmax);
			top_p += 1.0 / sum;
			if (c->truth >= 0)
				nll -= log((double)c->p[c->truth]) / ks[j] - lmax - log(sum);
		}
		printf("    k %.1f: mean -ln p(truth) %.4f, mean p(best) %.4f\n", ks[j],
		       with_truth ? nll / (double)with_truth : 0.0,
		       t->n_cal ? top_p / (double)t->n_cal : 0.0);
	}
}

/* The grammar measure counts strips whose truth is a plate of this country (AUTO: the UK). */
static anpr_country truth_country(anpr_country c)
{
	return c == ANPR_COUNTRY_AUTO ? ANPR_COUNTRY_UK : c;
}

static anpr_err eval_one(const options *o, anpr_recog *const r[2], const char *name, anpr_image *img,
			 totals *t)
{
	char path[4096], truth[ANPR_VRM_BUF], got[ANPR_OCR_MAX_POS + 1];
	size_t base_len = strlen(name) - 4;
	anpr_plate_guess g[GUESSES];
	anpr_ocr_line line;
	size_t ng = 0;
	double t0;
	anpr_err err;
	int dist, k;

	if (!anpr_strip_set_truth(o->dir, name, truth))
		return ANPR_ERR_OK; /* no ground truth: not part of the set */
	snprintf(path, sizeof path, "%s/%s", o->dir, name);
	err = anpr_cv_read_file(path, ANPR_CV_LOAD_GREY, img);
	if (err)
		return err;
	t0 = now_ms();
	err = anpr_recog_read_models(r, img, &line, NULL);
	t->ms[t->strips] = now_ms() - t0;
	if (err)
		return err;
	best_text(&line, got);
	t->strips++;
	t->empty += line.n == 0;
	t->exact += strcmp(got, truth) == 0;
	dist = edit_distance(got, truth);
	t->chars += (long)strlen(truth);
	t->char_errors += dist;
	if (o->calibrate && (err = keep_positions(t, &line, truth)) != ANPR_ERR_OK)
		return err;
	if (strlen(truth) == 1 && (k = char_slot(truth[0])) >= 0) {
		t->per_char_n[k]++;
		t->per_char_ok[k] += strcmp(got, truth) == 0;
	}
	/* Free strings in the synthetic sets match some loose generic format; score real UK-style marks only. */
	if (anpr_grammar_classify(truth, truth_country(o->country)) != ANPR_FMT_NONE) {
		err = anpr_grammar_rank(&line, o->country, g, GUESSES, &ng);
		if (err)
			return err;
		t->plates++;
		t->plate_exact += ng > 0 && strcmp(g[0].text, truth) == 0;
		t->plate_chars += (long)strlen(truth);
		t->plate_char_errors += ng > 0 ? edit_distance(g[0].text, truth) : (long)strlen(truth);
		for (size_t i = 0; i < ng; i++)
			if (strcmp(g[i].text, truth) == 0) {
				t->plate_top5++;
				break;
			}
	}
	if (o->errors && (strcmp(got, truth) != 0 || (ng > 0 && strcmp(g[0].text, truth) != 0)))
		printf("%.*s\t%s\t%s\t%s\n", (int)base_len, name, truth, got, ng > 0 ? g[0].text : "-");
	return ANPR_ERR_OK;
}

static void report(const options *o, const totals *t, double open_ms)
{
	double med = 0, p90 = 0;

	if (t->strips > 0) {
		qsort(t->ms, (size_t)t->strips, sizeof *t->ms, cmp_double);
		med = t->ms[t->strips / 2];
		p90 = t->ms[(t->strips * 9) / 10];
	}
	printf("set %s  model %s  strips %ld  (model load %.0f ms)\n", o->dir, o->cfg.model, t->strips,
	       open_ms);
	printf("  line exact     %6.2f%%\n", t->strips ? 100.0 * (double)t->exact / (double)t->strips : 0.0);
	printf("  char accuracy  %6.2f%%\n",
	       t->chars ? 100.0 * (1.0 - (double)t->char_errors / (double)t->chars) : 0.0);
	if (t->plates)
		printf("  grammar top-1  %6.2f%%  top-%d %6.2f%%  (%ld strips whose truth is a %s plate)\n",
		       100.0 * (double)t->plate_exact / (double)t->plates, GUESSES,
		       100.0 * (double)t->plate_top5 / (double)t->plates, t->plates,
		       anpr_country_name(truth_country(o->country)));
	if (t->plate_chars)
		printf("  grammar chars  %6.2f%%  (characters of the grammar's best plate, same strips)\n",
		       100.0 * (1.0 - (double)t->plate_char_errors / (double)t->plate_chars));
	printf("  empty reads    %ld\n", t->empty);
	printf("  ms per strip   median %.1f  p90 %.1f\n", med, p90);
	if (o->calibrate)
		calibrate(t);
	if (o->per_char) {
		printf("  per character (single-character strips):\n");
		for (int k = 0; k < 36; k++)
			if (t->per_char_n[k])
				printf("    %c %6.2f%%  (%ld/%ld)\n", k < 26 ? 'A' + k : '0' + k - 26,
				       100.0 * (double)t->per_char_ok[k] / (double)t->per_char_n[k],
				       t->per_char_ok[k], t->per_char_n[k]);
	}
}

static int usage(void)
{
	fprintf(stderr,
		"usage: anpr-ocr-eval [--model NAME|NAME+NAME] [--model-dir DIR] [--country auto|uk|eu|us] "
		"[--per-char] [--errors] [--calibrate] [--limit N] FOLDER\n");
	return 2;
}

int main(int argc, char **argv)
{
	options o = { .cfg = { .model = "plate" }, .country = ANPR_COUNTRY_AUTO, .limit = -1 };
	totals t = { 0 };
	anpr_recog *r[2] = { NULL, NULL };
	anpr_image img = { 0 };
	char **names = NULL;
	size_t n = 0;
	double t0;
	anpr_err err;
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--model") == 0 && i + 1 < argc - 1)
			o.cfg.model = argv[++i];
		else if (strcmp(argv[i], "--model-dir") == 0 && i + 1 < argc - 1)
			o.cfg.model_dir = argv[++i];
		else if (strcmp(argv[i], "--country") == 0 && i + 1 < argc - 1) {
			if (anpr_country_parse(argv[++i], &o.country) != ANPR_ERR_OK)
				return usage();
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc - 1)
			o.limit = atol(argv[++i]);
		else if (strcmp(argv[i], "--per-char") == 0)
			o.per_char = 1;
		else if (strcmp(argv[i], "--errors") == 0)
			o.errors = 1;
		else if (strcmp(argv[i], "--calibrate") == 0)
			o.calibrate = 1;
		else
			return usage();
	}
	if (i != argc - 1)
		return usage();
	o.dir = argv[i];

	t0 = now_ms();
	/* "a+b": both models read each strip and their lines are merged, as the reader does. */
	int nmodels;
	err = anpr_recog_open_spec(o.cfg.model, o.cfg.model_dir, r, &nmodels);
	if (err) {
		fprintf(stderr, "anpr-ocr-eval: model %s: %s\n", o.cfg.model, anpr_strerror(err));
		goto out;
	}
	t0 = now_ms() - t0;
	err = anpr_strip_set_list(o.dir, &names, &n);
	if (err) {
		fprintf(stderr, "anpr-ocr-eval: %s: %s\n", o.dir, anpr_strerror(err));
		goto out;
	}
	t.ms = calloc(n ? n : 1, sizeof *t.ms);
	if (!t.ms) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	for (size_t k = 0; k < n && (o.limit < 0 || t.strips < o.limit); k++) {
		err = eval_one(&o, r, names[k], &img, &t);
		if (err) {
			fprintf(stderr, "anpr-ocr-eval: %s: %s\n", names[k], anpr_strerror(err));
			goto out;
		}
	}
	report(&o, &t, t0);
out:
	anpr_strip_set_free(names, n);
	free(t.ms);
	free(t.cal);
	anpr_image_free(&img);
	anpr_recog_close(r[0]);
	anpr_recog_close(r[1]);
	return err ? 1 : 0;
}
