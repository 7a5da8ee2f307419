/* SPDX-License-Identifier: MIT */
/* anpr-read: reads the number plates in image files, or scores a folder against its ground truth. */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clock.h"
#include "edit_distance.h"
#include "groundtruth.h"
#include "json.h"
#include "log.h"
#include "opencv_c.h"
#include "reader.h"

#define MAX_PLATES 16
#define MAX_BENCH_IMAGES 100000

enum { EXIT_USAGE = 64 };

typedef struct options {
	anpr_reader_cfg cfg;
	bool json;
	const char *bench_dir;
	const char *pairs_path; /* --pairs: raw confidence and correctness of every scored read */
} options;

static void usage(FILE *out)
{
	fputs("Usage: anpr-read [OPTION]... FILE...\n"
	      "       anpr-read --bench DIR [OPTION]...\n"
	      "Reads the number plates in image files (JPEG, PNG, BMP), or scores a folder of images\n"
	      "against ground truth beside them (NAME.txt: file x y w h PLATE; or Pascal VOC NAME.xml).\n\n"
	      "  --country uk|eu|us|auto  plate grammars to apply (default auto)\n"
	      "  --topn N                 alternatives per plate, 1-10 (default 5)\n"
	      "  --json                   one JSON object per file (with --bench: one summary object)\n"
	      "  --model NAME             OCR model: plate, eng, or both read together, plate+eng (default)\n"
	      "  --model-dir DIR          folder with NAME.traineddata\n"
	      "  --bench DIR              score every image in DIR that has ground truth\n"
	      "  --pairs FILE             with --bench: write 'raw score<TAB>right<TAB>uk|other' per read\n"
	      "                           (the format family), and 'ratio<TAB>right<TAB>alt_uk|alt_other'\n"
	      "                           per alternative (its score over the read's; the read's family);\n"
	      "                           tools/fit-calibration.py fits each family apart\n"
	      "  --help                   this text\n\n"
	      "Exit status: 0 when every file was read (finding no plate is not an error),\n"
	      "1 when any file could not be read, 64 for a bad command line.\n",
	      out);
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static void print_quad_json(const anpr_point q[4])
{
	printf("[");
	for (int i = 0; i < 4; i++)
		printf("%s[%d,%d]", i ? "," : "", (int)(q[i].x + 0.5f), (int)(q[i].y + 0.5f));
	printf("]");
}

static void print_json(const char *file, double ms, const anpr_plate_read *p, size_t n, const char *error)
{
	printf("{\"file\":");
	anpr_json_write_string(stdout, file);
	printf(",\"ms\":%.1f,\"plates\":[", ms);
	for (size_t i = 0; i < n; i++) {
		anpr_country c = anpr_plate_format_country(p[i].format);
		printf("%s{\"text\":", i ? "," : "");
		anpr_json_write_string(stdout, p[i].text);
		printf(",\"confidence\":%.3f,\"quad\":", (double)p[i].confidence);
		print_quad_json(p[i].quad);
		printf(",\"country\":\"%s\",\"format\":\"%s\",\"char_height\":%.1f,\"candidates\":[",
		       anpr_country_name(c), anpr_plate_format_name(p[i].format), (double)p[i].char_height);
		for (int k = 0; k < p[i].n_candidates; k++) {
			printf("%s{\"text\":", k ? "," : "");
			anpr_json_write_string(stdout, p[i].candidates[k].text);
			printf(",\"confidence\":%.3f}", (double)p[i].candidates[k].confidence);
		}
		printf("]}");
	}
	printf("],\"error\":");
	anpr_json_write_string(stdout, error);
	printf("}\n");
}

static void print_text(const char *file, double ms, const anpr_plate_read *p, size_t n, const char *error)
{
	if (error) {
		printf("%s: error: %s\n", file, error);
		return;
	}
	printf("%s: %zu plate%s (%.1f ms)\n", file, n, n == 1 ? "" : "s", ms);
	for (size_t i = 0; i < n; i++) {
		printf("  %-10s %.3f  %-12s", p[i].text, (double)p[i].confidence,
		       anpr_plate_format_name(p[i].format));
		for (int k = 1; k < p[i].n_candidates; k++)
			printf(" %s(%.3f)", p[i].candidates[k].text, (double)p[i].candidates[k].confidence);
		printf("\n");
	}
}

/* Decodes and reads one file; returns the error text or NULL. */
static const char *read_file(anpr_reader *r, const char *path, anpr_image *img, anpr_plate_read *plates,
			     size_t *n, double *ms)
{
	anpr_err err;
	int64_t t0 = anpr_clock_mono_ns();

	*n = 0;
	err = anpr_cv_read_file(path, ANPR_CV_LOAD_COLOR, img);
	if (!err)
		err = anpr_reader_read(r, img, plates, MAX_PLATES, n);
	*ms = (double)(anpr_clock_mono_ns() - t0) / 1e6;
	return err ? anpr_strerror(err) : NULL;
}

static int run_files(anpr_reader *r, const options *o, char **files, int count)
{
	anpr_image img = { 0 };
	anpr_plate_read plates[MAX_PLATES];
	int failed = 0;

	for (int i = 0; i < count; i++) {
		size_t n;
		double ms;
		const char *error = read_file(r, files[i], &img, plates, &n, &ms);
		if (o->json)
			print_json(files[i], ms, plates, n, error);
		else
			print_text(files[i], ms, plates, n, error);
		fflush(stdout);
		failed += error != NULL;
	}
	anpr_image_free(&img);
	return failed ? 1 : 0;
}

/* ---- Benchmark ---- */

typedef struct bench {
	int images, plates, found, exact, topn, errors, skipped;
	int with_text; /* scored plates whose ground truth gives the text */
	double char_acc;
	double *ms;
	/* Calibration: reads bucketed by confidence, and how many were right. */
	int bucket_n[6], bucket_ok[6];
	/*
	 * Reads at >= 0.9 that belong to no labelled plate: a sign or lettering
	 * read as a mark. False reads only where every plate is labelled (the
	 * synthetic sets); the real sets leave some visible plates unlabelled.
	 */
	int off_plate;
	/*
	 * The alternatives of the scored reads: how many, how many were the
	 * plate, and how many their confidences promise; and the largest sum of
	 * one read's candidates' confidences (at most 1 when they are honest).
	 */
	int alts, alts_ok, alts_above; /* alts_above: surer than the read they are alternatives of */
	double alts_expected, candidates_sum_max;
} bench;

static const float bucket_lo[6] = { 0, 0.5f, 0.7f, 0.8f, 0.9f, 0.95f };
/* The first bucket of confident reads (>= 0.9), whose share right the issue bars. */
#define CONFIDENT 4

/* A read belongs to a ground-truth plate when each box contains the other's centre. */
static bool matches(const anpr_plate_read *p, const anpr_gt_plate *g)
{
	anpr_rect rb = anpr_cv_bounding_rect(p->quad, 4);
	float rx = (float)rb.x + (float)rb.width / 2, ry = (float)rb.y + (float)rb.height / 2;
	float gx = (float)g->x + (float)g->w / 2, gy = (float)g->y + (float)g->h / 2;

	return gx >= (float)rb.x && gx <= (float)(rb.x + rb.width) && gy >= (float)rb.y &&
	       gy <= (float)(rb.y + rb.height) && rx >= (float)g->x && rx <= (float)(g->x + g->w) &&
	       ry >= (float)g->y && ry <= (float)(g->y + g->h);
}

static void score_image(bench *b, const anpr_gt_plate *gt, size_t ngt, const anpr_plate_read *p, size_t n,
			bool verbose, const char *name, FILE *pairs, int min_width)
{
	for (size_t i = 0; i < n; i++) {
		bool on = false;
		for (size_t g = 0; g < ngt && !on; g++)
			on = matches(&p[i], &gt[g]);
		if (!on && p[i].text[0] && p[i].confidence >= bucket_lo[CONFIDENT]) {
			b->off_plate++;
			if (verbose)
				fprintf(stderr, "off    %s read %s (%.3f) on no labelled plate\n", name,
					p[i].text, (double)p[i].confidence);
		}
	}
	for (size_t g = 0; g < ngt; g++) {
		const anpr_plate_read *best = NULL;
		/* Plates narrower than the reader is configured to search for are not scored. */
		if (gt[g].w < min_width) {
			b->skipped++;
			continue;
		}
		for (size_t i = 0; i < n && !best; i++) /* reads are sorted, most confident first */
			if (matches(&p[i], &gt[g]))
				best = &p[i];
		b->plates++;
		b->with_text += gt[g].text[0] != '\0';
		if (!best) {
			if (verbose)
				fprintf(stderr, "miss   %s %s\n", name, gt[g].text);
			continue;
		}
		b->found++;
		if (!gt[g].text[0])
			continue; /* boxes only: detection is all that is scored */
		bool ok = strcmp(best->text, gt[g].text) == 0;
		b->exact += ok;
		for (int k = 0; k < best->n_candidates; k++)
			if (strcmp(best->candidates[k].text, gt[g].text) == 0) {
				b->topn++;
				break;
			}
		int len = (int)strlen(gt[g].text);
		int d =
		    (int)anpr_edit_distance(best->text, strlen(best->text), gt[g].text, strlen(gt[g].text));
		b->char_acc += d >= len ? 0 : 1.0 - (double)d / len;
		double sum = (double)best->confidence;
		for (int a = 1; a < best->n_candidates; a++) {
			b->alts++;
			b->alts_ok += strcmp(best->candidates[a].text, gt[g].text) == 0;
			b->alts_expected += (double)best->candidates[a].confidence;
			b->alts_above += best->candidates[a].confidence > best->confidence;
			sum += (double)best->candidates[a].confidence;
		}
		b->candidates_sum_max = sum > b->candidates_sum_max ? sum : b->candidates_sum_max;
		int k = 5;
		while (k > 0 && best->confidence < bucket_lo[k])
			k--;
		b->bucket_n[k]++;
		b->bucket_ok[k] += ok;
		if (pairs) {
			bool uk = anpr_plate_format_country(best->format) == ANPR_COUNTRY_UK;
			fprintf(pairs, "%.5f\t%d\t%s\n", (double)best->raw_score, ok, uk ? "uk" : "other");
			for (int a = 1; a < best->n_candidates; a++)
				fprintf(pairs, "%.5f\t%d\t%s\n", (double)anpr_reader_alt_ratio(best, a),
					strcmp(best->candidates[a].text, gt[g].text) == 0,
					uk ? "alt_uk" : "alt_other");
		}
		if (verbose && !ok)
			fprintf(stderr, "wrong  %s %s read %s (%.3f)\n", name, gt[g].text, best->text,
				(double)best->confidence);
	}
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static bool is_image(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") || !strcasecmp(dot, ".png") ||
		       !strcasecmp(dot, ".bmp"));
}

static int run_bench(anpr_reader *r, const options *o)
{
	struct dirent **names = NULL;
	int nn = scandir(o->bench_dir, &names, NULL, alphasort);
	anpr_image img = { 0 };
	anpr_plate_read plates[MAX_PLATES];
	bench b = { 0 };
	bool verbose = getenv("ANPR_BENCH_VERBOSE") != NULL;
	FILE *pairs = NULL;
	int status = 0;

	if (nn < 0) {
		fprintf(stderr, "anpr-read: cannot list %s\n", o->bench_dir);
		return 1;
	}
	if (o->pairs_path && !(pairs = fopen(o->pairs_path, "w"))) {
		fprintf(stderr, "anpr-read: cannot write %s\n", o->pairs_path);
		status = 1;
		goto out;
	}
	b.ms = calloc((size_t)nn + 1, sizeof(double));
	if (!b.ms) {
		status = 1;
		goto out;
	}
	for (int i = 0; i < nn && b.images < MAX_BENCH_IMAGES; i++) {
		char path[PATH_MAX], diag[512];
		anpr_gt_plate gt[ANPR_GT_MAX_PLATES];
		size_t ngt, n;
		double ms;

		if (!is_image(names[i]->d_name) || snprintf(path, sizeof(path), "%s/%s", o->bench_dir,
							    names[i]->d_name) >= (int)sizeof(path))
			continue;
		anpr_err err = anpr_gt_load(path, gt, ANPR_GT_MAX_PLATES, &ngt, diag, sizeof(diag));
		if (err == ANPR_ERR_NOT_FOUND)
			continue;
		if (err) {
			fprintf(stderr, "anpr-read: %s\n", diag);
			b.errors++;
			continue;
		}
		const char *error = read_file(r, path, &img, plates, &n, &ms);
		if (error) {
			fprintf(stderr, "anpr-read: %s: %s\n", path, error);
			b.errors++;
			continue;
		}
		b.ms[b.images++] = ms;
		score_image(&b, gt, ngt, plates, n, verbose, names[i]->d_name, pairs,
			    o->cfg.min_plate_width ? o->cfg.min_plate_width : 60);
	}
	if (b.images == 0 || b.plates == 0) {
		fprintf(stderr, "anpr-read: no images with ground truth in %s\n", o->bench_dir);
		status = 1;
		goto out;
	}
	qsort(b.ms, (size_t)b.images, sizeof(double), by_double);
	double med = b.ms[b.images / 2], p90 = b.ms[(b.images * 9) / 10];
	double pct = 100.0 / b.plates;
	/* Reading is scored over plates whose text is known; a boxes-only set has none. */
	double tpct = b.with_text ? 100.0 / b.with_text : 0;
	long rss = peak_rss_kib();
	double calls = (double)anpr_reader_ocr_calls(r) / b.images;
	if (o->json) {
		printf("{\"dir\":");
		anpr_json_write_string(stdout, o->bench_dir);
		printf(",\"images\":%d,\"plates\":%d,\"found_pct\":%.1f,\"top1_pct\":%.1f,\"topn_pct\":%.1f,"
		       "\"char_accuracy_pct\":%.1f,\"ms_median\":%.1f,\"ms_p90\":%.1f,\"peak_rss_mib\":%.1f,"
		       "\"ocr_calls_per_image\":%.1f,\"errors\":%d,\"skipped_narrow\":%d,"
		       "\"confident_off_plate\":%d,\"alternatives\":%d,\"alt_right\":%d,"
		       "\"alt_expected_right\":%.1f,\"alt_above_read\":%d,\"candidates_sum_max\":%.4f,"
		       "\"calibration\":[",
		       b.images, b.plates, b.found * pct, b.exact * tpct, b.topn * tpct, b.char_acc * tpct,
		       med, p90, (double)rss / 1024, calls, b.errors, b.skipped, b.off_plate, b.alts,
		       b.alts_ok, b.alts_expected, b.alts_above, b.candidates_sum_max);
		for (int k = 0; k < 6; k++)
			printf("%s{\"from\":%.2f,\"reads\":%d,\"right\":%d}", k ? "," : "",
			       (double)bucket_lo[k], b.bucket_n[k], b.bucket_ok[k]);
		printf("]}\n");
	} else {
		printf("%s\n", o->bench_dir);
		printf("  images            %d (plates %d scored, %d narrower than the minimum width; errors "
		       "%d)\n",
		       b.images, b.plates, b.skipped, b.errors);
		printf("  plate found       %.1f%%\n", b.found * pct);
		if (b.with_text) {
			printf("  top-1 exact       %.1f%%\n", b.exact * tpct);
			printf("  top-%d             %.1f%%\n", o->cfg.topn, b.topn * tpct);
			printf("  char accuracy     %.1f%%\n", b.char_acc * tpct);
		} else {
			printf("  reading           not scored (the ground truth has boxes only)\n");
		}
		printf("  ms/image          median %.1f, p90 %.1f\n", med, p90);
		printf("  OCR calls/image   %.1f\n", calls);
		printf("  peak RSS          %.1f MiB\n", (double)rss / 1024);
		int hi_n = b.bucket_n[CONFIDENT] + b.bucket_n[CONFIDENT + 1],
		    hi_ok = b.bucket_ok[CONFIDENT] + b.bucket_ok[CONFIDENT + 1];
		printf("  confident reads   %d at >= 0.90, %.1f%% right\n", hi_n,
		       hi_n ? 100.0 * hi_ok / hi_n : 0.0);
		printf("  off every plate   %d at >= 0.90 (false reads where every plate is labelled)\n",
		       b.off_plate);
		if (b.with_text)
			printf("  alternatives      %d, %d right, %.1f by their confidences, "
			       "%d surer than their read; candidates sum to %.3f at most\n",
			       b.alts, b.alts_ok, b.alts_expected, b.alts_above, b.candidates_sum_max);
		printf("  calibration       confidence  reads  right\n");
		for (int k = 0; k < 6; k++)
			printf("                    >= %.2f    %5d  %5.1f%%\n", (double)bucket_lo[k],
			       b.bucket_n[k], b.bucket_n[k] ? 100.0 * b.bucket_ok[k] / b.bucket_n[k] : 0.0);
	}
	status = b.errors ? 1 : 0;
out:
	for (int i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(b.ms);
	anpr_image_free(&img);
	if (pairs)
		fclose(pairs);
	return status;
}

enum { OPT_COUNTRY = 256, OPT_TOPN, OPT_JSON, OPT_MODEL, OPT_MODEL_DIR, OPT_BENCH, OPT_PAIRS, OPT_HELP };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "country", required_argument, NULL, OPT_COUNTRY },
		{ "topn", required_argument, NULL, OPT_TOPN },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "model-dir", required_argument, NULL, OPT_MODEL_DIR },
		{ "bench", required_argument, NULL, OPT_BENCH },
		{ "pairs", required_argument, NULL, OPT_PAIRS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	options o = { .cfg = { .country = ANPR_COUNTRY_AUTO, .topn = 5 } };
	anpr_reader *r = NULL;
	int opt, status;
	char *end;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_COUNTRY:
			if (anpr_country_parse(optarg, &o.cfg.country) != ANPR_ERR_OK) {
				fprintf(stderr, "anpr-read: --country must be uk, eu, us or auto\n");
				return EXIT_USAGE;
			}
			break;
		case OPT_TOPN:
			o.cfg.topn = (int)strtol(optarg, &end, 10);
			if (*end || o.cfg.topn < 1 || o.cfg.topn > ANPR_READ_MAX_CANDIDATES) {
				fprintf(stderr, "anpr-read: --topn must be 1 to %d\n",
					ANPR_READ_MAX_CANDIDATES);
				return EXIT_USAGE;
			}
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_MODEL:
			o.cfg.model = optarg;
			break;
		case OPT_MODEL_DIR:
			o.cfg.model_dir = optarg;
			break;
		case OPT_BENCH:
			o.bench_dir = optarg;
			break;
		case OPT_PAIRS:
			o.pairs_path = optarg;
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!o.bench_dir && optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	anpr_log_set_level(ANPR_LOG_WARN);
	anpr_err err = anpr_reader_open(&o.cfg, &r);
	if (err) {
		fprintf(stderr, "anpr-read: cannot start the reader: %s\n", anpr_strerror(err));
		return 1;
	}
	status = o.bench_dir ? run_bench(r, &o) : run_files(r, &o, argv + optind, argc - optind);
	anpr_reader_close(r);
	return status;
}
