/* SPDX-License-Identifier: MIT */
/*
 * anpr-ocr-cut: OCR training strips cut from whole images by the reader's own
 * detector and strip extraction, so the model learns what it is handed in the
 * field (blur, perspective residue, the detector's row ends) rather than only
 * rendered lines.
 *
 * Usage: anpr-ocr-cut OUTDIR DIR...
 *
 * Every image in each DIR with ground truth beside it (NAME.txt, the
 * ../shared/data format; tools/groundtruth.h) is read in grey and searched by
 * anpr_detect(). A detected row whose plate centre lies in a labelled box is
 * cut with anpr_strip_extract_margin() at the reader's two UK margins (1.0
 * and 0.7 glyph heights, alternately) and written as OUTDIR/cut_NNNNN.png with
 * OUTDIR/cut_NNNNN.gt.txt. The text is the plate as displayed, with its group
 * space, from DIR/manifest.tsv (anpr-synth plates: columns file and display)
 * when the folder has one (a manifest that does not parse stops the run,
 * naming its file and line), else the ground truth's text. Labelled plates
 * the detector misses are counted and skipped: no strip can teach those.
 *
 * Exit status: 0 done (prints counts), 1 an error, 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "err.h"
#include "groundtruth.h"
#include "opencv_c.h"
#include "strip.h"

#define MAX_REGIONS 16
#define MAX_MANIFEST_ROWS 200000

typedef struct counts {
	long images, plates, cut, missed, unlabelled;
} counts;

static int is_image(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (!strcmp(dot, ".jpg") || !strcmp(dot, ".jpeg") || !strcmp(dot, ".png") ||
		       !strcmp(dot, ".bmp"));
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	int ok = fprintf(f, "%s\n", text) > 0;
	return fclose(f) == 0 && ok;
}

/* Cuts the labelled plates of one image; returns 0 on a write error. */
static int cut_image(const char *dir, const char *name, const char *outdir, anpr_detector *det,
		     anpr_strip_work *w, const anpr_gt_display *rows, size_t nrows, counts *c)
{
	char path[4096], diag[256];
	anpr_gt_plate gt[ANPR_GT_MAX_PLATES];
	size_t ngt = 0, nreg = 0;
	anpr_plate_region reg[MAX_REGIONS];
	anpr_image grey = { 0 }, strip = { 0 };
	int ok = 1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (anpr_gt_load(path, gt, ANPR_GT_MAX_PLATES, &ngt, diag, sizeof(diag)) != ANPR_ERR_OK || ngt == 0) {
		c->unlabelled++;
		return 1;
	}
	if (anpr_cv_read_file(path, ANPR_CV_LOAD_GREY, &grey) != ANPR_ERR_OK) {
		fprintf(stderr, "anpr-ocr-cut: %s: cannot read the image, skipped\n", path);
		return 1;
	}
	c->images++;
	if (anpr_detect(det, &grey, reg, MAX_REGIONS, &nreg) != ANPR_ERR_OK)
		nreg = 0;
	for (size_t g = 0; g < ngt && ok; g++) {
		const char *text = gt[g].text;
		if (!text[0])
			continue;
		c->plates++;
		const anpr_gt_display *row = anpr_gt_find_display(rows, nrows, name);
		if (row && ngt == 1)
			text = row->display;
		const anpr_plate_region *hit = NULL;
		for (size_t i = 0; i < nreg && !hit; i++) {
			float cx = 0, cy = 0;
			for (int k = 0; k < 4; k++)
				cx += reg[i].plate[k].x / 4, cy += reg[i].plate[k].y / 4;
			if (cx >= (float)gt[g].x && cx <= (float)(gt[g].x + gt[g].w) &&
			    cy >= (float)gt[g].y && cy <= (float)(gt[g].y + gt[g].h))
				hit = &reg[i];
		}
		if (!hit) {
			c->missed++;
			continue;
		}
		float margin = c->cut % 2 ? 0.7f : ANPR_STRIP_MARGIN;
		if (anpr_strip_extract_margin(&grey, hit, margin, &strip, w) != ANPR_ERR_OK) {
			c->missed++;
			continue;
		}
		snprintf(path, sizeof(path), "%s/cut_%05ld.png", outdir, c->cut);
		ok = anpr_cv_write_file(path, &strip) == ANPR_ERR_OK;
		snprintf(path, sizeof(path), "%s/cut_%05ld.gt.txt", outdir, c->cut);
		ok = ok && write_text(path, text);
		if (!ok)
			fprintf(stderr, "anpr-ocr-cut: %s: %s\n", path, strerror(errno));
		c->cut++;
	}
	anpr_image_free(&strip);
	anpr_image_free(&grey);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Cuts every labelled image of dir, in name order (the output numbering is then reproducible). */
static int cut_dir(const char *dir, const char *outdir, anpr_detector *det, anpr_strip_work *w,
		   anpr_gt_display *rows, counts *c)
{
	size_t nrows = 0, n = 0, cap = 0;
	char **names = NULL;
	int ok = 1;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "anpr-ocr-cut: %s: %s\n", dir, strerror(errno));
		return 0;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (!is_image(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			char **grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				ok = 0;
				break;
			}
			names = grown;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			ok = 0;
			break;
		}
		n++;
	}
	closedir(d);
	if (ok) {
		char diag[PATH_MAX + 256];
		anpr_err err =
		    anpr_gt_load_manifest(dir, rows, MAX_MANIFEST_ROWS, &nrows, diag, sizeof(diag));
		if (err && err != ANPR_ERR_NOT_FOUND) {
			fprintf(stderr, "anpr-ocr-cut: %s\n", diag);
			ok = 0;
		}
		qsort(names, n, sizeof(*names), by_name);
		for (size_t i = 0; i < n && ok; i++)
			ok = cut_image(dir, names[i], outdir, det, w, rows, nrows, c);
	} else {
		fprintf(stderr, "anpr-ocr-cut: out of memory listing %s\n", dir);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ok;
}

int main(int argc, char **argv)
{
	anpr_detector *det = NULL;
	anpr_strip_work *w = NULL;
	anpr_gt_display *rows = NULL;
	counts c = { 0 };
	int ok = 1;

	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: anpr-ocr-cut OUTDIR DIR...\n");
		return 2;
	}
	w = calloc(1, sizeof(*w));
	rows = malloc(MAX_MANIFEST_ROWS * sizeof(*rows));
	if (!w || !rows || anpr_detector_open(NULL, &det) != ANPR_ERR_OK) {
		fprintf(stderr, "anpr-ocr-cut: out of memory\n");
		ok = 0;
	}
	for (int i = 2; i < argc && ok; i++)
		ok = cut_dir(argv[i], argv[1], det, w, rows, &c);
	printf("anpr-ocr-cut: %ld images, %ld labelled plates, %ld strips cut, %ld not detected, %ld images "
	       "without "
	       "ground truth\n",
	       c.images, c.plates, c.cut, c.missed, c.unlabelled);
	anpr_detector_close(det);
	if (w)
		anpr_strip_work_free(w);
	free(w);
	free(rows);
	return ok ? 0 : 1;
}
