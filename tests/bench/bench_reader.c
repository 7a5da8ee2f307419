/* SPDX-License-Identifier: MIT */
/* Benchmarks of the plate reader: a 1080p frame with no plate, plate scenes, and CPU time per image over a set. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "detect.h"
#include "opencv_c.h"
#include "reader.h"

/*
 * Each frame is timed twice: wall time, and the process's CPU time (all
 * threads, so work a library hands to a thread pool is counted too). On a
 * shared machine the wall time grows with the load; the CPU time much less,
 * so it is the figure to compare.
 */
enum { RUNS = 40, MAX_RUNS = 2000 };

static int64_t cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Timings of one measured operation over the runs. */
typedef struct timing {
	double wall[MAX_RUNS], cpu[MAX_RUNS];
} timing;

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A 1080p road-like frame with clutter (edges, bars, blobs) but no text: the common case at a site. */
static anpr_err no_plate_frame(anpr_image *img)
{
	anpr_err err = anpr_image_alloc(img, 1920, 1080, 3);
	uint32_t s = 12345;

	if (err)
		return err;
	for (int y = 0; y < img->height; y++) {
		uint8_t *row = img->data + (size_t)y * img->stride;
		for (int x = 0; x < img->width * 3; x++) {
			s = s * 1664525u + 1013904223u;
			row[x] = (uint8_t)(60 + y / 12 + (int)(s >> 28));
		}
	}
	for (int i = 0; i < 60 && !err; i++) {
		s = s * 1664525u + 1013904223u;
		int x = (int)(s % 1800), y = (int)((s >> 11) % 1000), w = 20 + (int)((s >> 5) % 300);
		int h = 4 + (int)((s >> 17) % 120);
		uint8_t c[3] = { (uint8_t)(s >> 3), (uint8_t)(s >> 9), (uint8_t)(s >> 15) };
		anpr_point p[4] = { { (float)x, (float)y },
				    { (float)(x + w), (float)y },
				    { (float)(x + w), (float)(y + h) },
				    { (float)x, (float)(y + h) } };
		err = anpr_cv_fill_poly(img, p, 4, c);
	}
	return err;
}

static double median_ms(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), by_double);
	return v[n / 2];
}

static void print_timing(const char *what, timing *t, int n)
{
	double cpu_mean = 0;

	for (int i = 0; i < n; i++)
		cpu_mean += t->cpu[i] / n;
	double wall = median_ms(t->wall, n), cpu = median_ms(t->cpu, n);
	printf("  %-16s cpu %.1f ms median (min %.1f, mean %.1f), wall %.1f ms median\n", what, cpu,
	       t->cpu[0], cpu_mean, wall);
}

static timing t_read, t_detect;

/*
 * Reads each image once (after one warm-up read) and prints the median and
 * 90th percentile per image of decode + read, as `anpr-read --bench` times
 * it, in CPU and wall time: per-image figures that load does not swamp.
 */
static int each_image(anpr_reader *r, char **files, int n_files)
{
	static timing t_file;
	anpr_image frame = { 0 };
	anpr_plate_read plates[8];
	size_t n;
	int images = 0, status = 1;

	if (n_files > MAX_RUNS)
		n_files = MAX_RUNS;
	for (int a = -1; a < n_files; a++) {
		const char *file = files[a < 0 ? 0 : a];
		int64_t t0 = anpr_clock_mono_ns(), c0 = cpu_ns();
		if (anpr_cv_read_file(file, ANPR_CV_LOAD_COLOR, &frame))
			continue;
		if (anpr_reader_read(r, &frame, plates, 8, &n))
			goto out;
		if (a < 0)
			continue; /* warm-up */
		t_file.cpu[images] = (double)(cpu_ns() - c0) / 1e6;
		t_file.wall[images++] = (double)(anpr_clock_mono_ns() - t0) / 1e6;
	}
	if (images == 0) {
		fprintf(stderr, "bench_reader: no image read\n");
		goto out;
	}
	printf("%d images, decode + read per image:\n", images);
	double wall = median_ms(t_file.wall, images), wall90 = t_file.wall[images * 9 / 10];
	double cpu = median_ms(t_file.cpu, images), cpu90 = t_file.cpu[images * 9 / 10];
	printf("  cpu %.1f ms median, p90 %.1f; wall %.1f ms median, p90 %.1f\n", cpu, cpu90, wall, wall90);
	status = 0;
out:
	anpr_image_free(&frame);
	return status;
}

static bool parse_country(const char *s, anpr_country *c)
{
	static const struct {
		const char *name;
		anpr_country c;
	} names[] = { { "auto", ANPR_COUNTRY_AUTO },
		      { "uk", ANPR_COUNTRY_UK },
		      { "eu", ANPR_COUNTRY_EU },
		      { "us", ANPR_COUNTRY_US } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*c = names[i].c;
			return true;
		}
	return false;
}

/*
 * Usage: bench_reader [--runs N] [IMAGE...]
 *        bench_reader --each [--country uk|eu|us|auto] IMAGE...
 * The first form times the no-plate 1080p frame, then each IMAGE, N times
 * each (default 40); the second reads each IMAGE once (each_image()).
 */
int main(int argc, char **argv)
{
	anpr_reader *r = NULL;
	anpr_detector *d = NULL;
	anpr_reader_cfg cfg = { .country = ANPR_COUNTRY_AUTO, .topn = 5 };
	anpr_image frame = { 0 }, grey = { 0 };
	anpr_plate_read plates[8];
	anpr_plate_region regions[16];
	size_t n;
	int status = 1, runs = RUNS, first = 1;
	bool each = false;

	for (; first < argc && strncmp(argv[first], "--", 2) == 0; first++) {
		if (strcmp(argv[first], "--each") == 0) {
			each = true;
		} else if (strcmp(argv[first], "--runs") == 0 && first + 1 < argc) {
			runs = atoi(argv[++first]);
		} else if (strcmp(argv[first], "--country") == 0 && first + 1 < argc &&
			   parse_country(argv[first + 1], &cfg.country)) {
			first++;
		} else {
			fprintf(stderr, "usage: bench_reader [--runs N] [IMAGE...]\n"
					"       bench_reader --each [--country uk|eu|us|auto] IMAGE...\n");
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "bench_reader: --runs 1..%d\n", MAX_RUNS);
		return 2;
	}
	if (anpr_reader_open(&cfg, &r)) {
		fprintf(stderr, "bench_reader: setup failed\n");
		goto out;
	}
	if (each) {
		status = first < argc ? each_image(r, argv + first, argc - first) : 2;
		goto out;
	}
	if (anpr_detector_open(NULL, &d) || no_plate_frame(&frame) ||
	    anpr_cv_convert(&frame, &grey, ANPR_CV_BGR2GREY)) {
		fprintf(stderr, "bench_reader: setup failed\n");
		goto out;
	}
	for (int i = 0; i < runs; i++) {
		int64_t t0 = anpr_clock_mono_ns(), c0 = cpu_ns();
		if (anpr_reader_read(r, &frame, plates, 8, &n))
			goto out;
		t_read.cpu[i] = (double)(cpu_ns() - c0) / 1e6;
		t_read.wall[i] = (double)(anpr_clock_mono_ns() - t0) / 1e6;
		t0 = anpr_clock_mono_ns();
		c0 = cpu_ns();
		if (anpr_detect(d, &grey, regions, 16, &n))
			goto out;
		t_detect.cpu[i] = (double)(cpu_ns() - c0) / 1e6;
		t_detect.wall[i] = (double)(anpr_clock_mono_ns() - t0) / 1e6;
	}
	printf("1920x1080 frame, no plate, %d runs, %zu candidate regions:\n", runs, n);
	print_timing("read", &t_read, runs);
	print_timing("detection alone", &t_detect, runs);

	/* A plate scene from a file (anpr-synth output, say), when given. */
	for (int a = first; a < argc; a++) {
		if (anpr_cv_read_file(argv[a], ANPR_CV_LOAD_COLOR, &frame))
			continue;
		for (int i = 0; i < runs; i++) {
			int64_t t0 = anpr_clock_mono_ns(), c0 = cpu_ns();
			if (anpr_reader_read(r, &frame, plates, 8, &n))
				goto out;
			t_read.cpu[i] = (double)(cpu_ns() - c0) / 1e6;
			t_read.wall[i] = (double)(anpr_clock_mono_ns() - t0) / 1e6;
		}
		printf("%s (%dx%d), %zu plates:\n", argv[a], frame.width, frame.height, n);
		print_timing("read", &t_read, runs);
	}
	status = 0;
out:
	anpr_reader_close(r);
	anpr_detector_close(d);
	anpr_image_free(&frame);
	anpr_image_free(&grey);
	return status;
}
