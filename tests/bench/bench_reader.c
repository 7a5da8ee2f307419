/* SPDX-License-Identifier: MIT */
/* Benchmarks of the plate reader: a 1080p frame with no plate, and per-stage costs on a plate scene. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "detect.h"
#include "opencv_c.h"
#include "reader.h"

enum { RUNS = 40 };

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

int main(int argc, char **argv)
{
	anpr_reader *r = NULL;
	anpr_detector *d = NULL;
	anpr_image frame = { 0 }, grey = { 0 };
	anpr_plate_read plates[8];
	anpr_plate_region regions[16];
	double t_read[RUNS], t_detect[RUNS];
	size_t n;
	int status = 1;

	if (anpr_reader_open(NULL, &r) || anpr_detector_open(NULL, &d) || no_plate_frame(&frame) ||
	    anpr_cv_convert(&frame, &grey, ANPR_CV_BGR2GREY)) {
		fprintf(stderr, "bench_reader: setup failed\n");
		goto out;
	}
	for (int i = 0; i < RUNS; i++) {
		int64_t t0 = anpr_clock_mono_ns();
		if (anpr_reader_read(r, &frame, plates, 8, &n))
			goto out;
		t_read[i] = (double)(anpr_clock_mono_ns() - t0) / 1e6;
		t0 = anpr_clock_mono_ns();
		if (anpr_detect(d, &grey, regions, 16, &n))
			goto out;
		t_detect[i] = (double)(anpr_clock_mono_ns() - t0) / 1e6;
	}
	printf("1920x1080 frame, no plate: read %.1f ms median (detection alone %.1f ms), %zu candidate "
	       "regions\n",
	       median_ms(t_read, RUNS), median_ms(t_detect, RUNS), n);

	/* A plate scene from a file (anpr-synth output, say), when given. */
	for (int a = 1; a < argc; a++) {
		if (anpr_cv_read_file(argv[a], ANPR_CV_LOAD_COLOR, &frame))
			continue;
		for (int i = 0; i < RUNS; i++) {
			int64_t t0 = anpr_clock_mono_ns();
			if (anpr_reader_read(r, &frame, plates, 8, &n))
				goto out;
			t_read[i] = (double)(anpr_clock_mono_ns() - t0) / 1e6;
		}
		printf("%s (%dx%d): read %.1f ms median, %zu plates\n", argv[a], frame.width, frame.height,
		       median_ms(t_read, RUNS), n);
	}
	status = 0;
out:
	anpr_reader_close(r);
	anpr_detector_close(d);
	anpr_image_free(&frame);
	anpr_image_free(&grey);
	return status;
}
