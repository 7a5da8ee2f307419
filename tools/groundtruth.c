/* SPDX-License-Identifier: MIT */
/* Strict parsers for benchmark ground truth (.txt rows, VOC boxes, anpr-synth manifests). */
#include "groundtruth.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest coordinate accepted: images are at most 8192 px a side, with slack for labelling error. */
#define MAX_COORD 100000

/* Parses a non-negative decimal integer field of at most 9 digits. */
static int parse_int(const char *s, size_t n, int *out)
{
	int v = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Splits a line of ll bytes at its tabs into up to max fields; returns how many (max + 1 when more). */
static int split_tabs(const char *line, size_t ll, const char **f, size_t *fl, int max)
{
	int nf = 0;
	const char *start = line;

	for (size_t i = 0; i <= ll; i++) {
		if (i == ll || line[i] == '\t') {
			if (nf == max)
				return max + 1;
			f[nf] = start;
			fl[nf] = (size_t)(line + i - start);
			nf++;
			start = line + i + 1;
		}
	}
	return nf;
}

/*
 * The line at data[*pos..len), without its LF or CR LF: returns its start
 * and its length in *ll, and moves *pos past it; NULL when none is left.
 */
static const char *next_line(const char *data, size_t len, size_t *pos, size_t *ll)
{
	if (*pos >= len)
		return NULL;
	const char *line = data + *pos;
	const char *nl = memchr(line, '\n', len - *pos);
	*ll = nl ? (size_t)(nl - line) : len - *pos;
	*pos += *ll + (nl != NULL);
	if (*ll && line[*ll - 1] == '\r')
		(*ll)--;
	return line;
}

anpr_err anpr_gt_parse_txt(const char *data, size_t len, anpr_gt_plate *out, size_t max, size_t *n,
			   char *diag, size_t diag_len)
{
	unsigned lineno = 0;
	size_t pos = 0, ll;

	if ((!data && len) || !out || !n)
		return ANPR_ERR_INVAL;
	*n = 0;
	for (const char *line; (line = next_line(data, len, &pos, &ll)) != NULL;) {
		lineno++;
		if (ll == 0)
			continue;

		const char *f[6];
		size_t fl[6];
		if (split_tabs(line, ll, f, fl, 6) != 6) {
			snprintf(diag, diag_len, "line %u: expected 6 tab-separated fields", lineno);
			return ANPR_ERR_FORMAT;
		}
		if (*n == max) {
			snprintf(diag, diag_len, "line %u: more than %zu plates", lineno, max);
			return ANPR_ERR_FORMAT;
		}
		anpr_gt_plate *p = &out[*n];
		if (parse_int(f[1], fl[1], &p->x) || parse_int(f[2], fl[2], &p->y) ||
		    parse_int(f[3], fl[3], &p->w) || parse_int(f[4], fl[4], &p->h) || p->x > MAX_COORD ||
		    p->y > MAX_COORD || p->w < 1 || p->h < 1 || p->w > MAX_COORD || p->h > MAX_COORD) {
			snprintf(diag, diag_len, "line %u: bad box", lineno);
			return ANPR_ERR_FORMAT;
		}
		char text[ANPR_VRM_BUF * 2];
		if (fl[5] >= sizeof(text)) {
			snprintf(diag, diag_len, "line %u: plate text too long", lineno);
			return ANPR_ERR_FORMAT;
		}
		memcpy(text, f[5], fl[5]);
		text[fl[5]] = '\0';
		if (!anpr_grammar_normalise(text, p->text)) {
			snprintf(diag, diag_len, "line %u: plate text is not A-Z, 0-9", lineno);
			return ANPR_ERR_FORMAT;
		}
		(*n)++;
	}
	return ANPR_ERR_OK;
}

/* Finds the number inside <tag>...</tag> within [s, end); rounds to the nearest int. */
static int voc_number(const char *s, const char *end, const char *tag, int *out)
{
	char open[32], close[32];
	size_t ol = (size_t)snprintf(open, sizeof(open), "<%s>", tag);
	size_t cl = (size_t)snprintf(close, sizeof(close), "</%s>", tag);
	const char *p = s;

	for (; p + ol <= end; p++)
		if (memcmp(p, open, ol) == 0)
			break;
	if (p + ol > end)
		return -1;
	p += ol;
	const char *q = p;
	for (; q + cl <= end; q++)
		if (memcmp(q, close, cl) == 0)
			break;
	if (q + cl > end || q - p < 1 || q - p > 40)
		return -1;
	char num[48];
	memcpy(num, p, (size_t)(q - p));
	num[q - p] = '\0';
	char *stop;
	errno = 0;
	double v = strtod(num, &stop);
	while (*stop == ' ' || *stop == '\t' || *stop == '\n' || *stop == '\r')
		stop++;
	if (stop == num || *stop || errno || !(v >= 0 && v <= MAX_COORD))
		return -1;
	*out = (int)(v + 0.5);
	return 0;
}

anpr_err anpr_gt_parse_voc(const char *data, size_t len, anpr_gt_plate *out, size_t max, size_t *n,
			   char *diag, size_t diag_len)
{
	static const char open[] = "<bndbox>", close[] = "</bndbox>";
	const char *end = data + len;
	const char *p = data;

	if ((!data && len) || !out || !n)
		return ANPR_ERR_INVAL;
	*n = 0;
	for (;;) {
		const char *b = NULL, *e = NULL;
		for (; p + sizeof(open) - 1 <= end; p++)
			if (memcmp(p, open, sizeof(open) - 1) == 0) {
				b = p;
				break;
			}
		if (!b)
			break;
		for (p = b; p + sizeof(close) - 1 <= end; p++)
			if (memcmp(p, close, sizeof(close) - 1) == 0) {
				e = p;
				break;
			}
		if (!e) {
			snprintf(diag, diag_len, "unterminated <bndbox> at byte %zu", (size_t)(b - data));
			return ANPR_ERR_FORMAT;
		}
		int x0, y0, x1, y1;
		if (voc_number(b, e, "xmin", &x0) || voc_number(b, e, "ymin", &y0) ||
		    voc_number(b, e, "xmax", &x1) || voc_number(b, e, "ymax", &y1) || x1 <= x0 || y1 <= y0) {
			snprintf(diag, diag_len, "bad <bndbox> at byte %zu", (size_t)(b - data));
			return ANPR_ERR_FORMAT;
		}
		if (*n == max) {
			snprintf(diag, diag_len, "more than %zu boxes", max);
			return ANPR_ERR_FORMAT;
		}
		out[(*n)++] = (anpr_gt_plate){ .x = x0, .y = y0, .w = x1 - x0, .h = y1 - y0 };
		p = e + sizeof(close) - 1;
	}
	return ANPR_ERR_OK;
}

/* Whether s (n bytes) is plate text as displayed: groups of A-Z and 0-9 parted by single spaces. */
static bool display_text(const char *s, size_t n)
{
	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		bool alnum = (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9');
		if (!alnum && (s[i] != ' ' || s[i + 1] == ' '))
			return false;
	}
	return true;
}

static int by_file(const void *a, const void *b)
{
	return strcmp(((const anpr_gt_display *)a)->file, ((const anpr_gt_display *)b)->file);
}

/* The widest manifest read; anpr-synth writes about fifty columns. */
#define MANIFEST_MAX_COLUMNS 256

anpr_err anpr_gt_parse_manifest(const char *data, size_t len, anpr_gt_display *out, size_t max, size_t *n,
				char *diag, size_t diag_len)
{
	unsigned lineno = 0;
	size_t pos = 0, ll;
	int fcol = -1, dcol = -1;

	if ((!data && len) || !out || !n)
		return ANPR_ERR_INVAL;
	*n = 0;
	for (const char *line; (line = next_line(data, len, &pos, &ll)) != NULL;) {
		lineno++;
		if (ll == 0 || line[0] == '#')
			continue;

		const char *f[MANIFEST_MAX_COLUMNS];
		size_t fl[MANIFEST_MAX_COLUMNS];
		int nf = split_tabs(line, ll, f, fl, MANIFEST_MAX_COLUMNS);
		if (nf > MANIFEST_MAX_COLUMNS) {
			snprintf(diag, diag_len, "line %u: more than %d columns", lineno,
				 MANIFEST_MAX_COLUMNS);
			return ANPR_ERR_FORMAT;
		}
		if (fcol < 0) {
			for (int i = 0; i < nf; i++) {
				if (fl[i] == 4 && !memcmp(f[i], "file", 4) && fcol < 0)
					fcol = i;
				if (fl[i] == 7 && !memcmp(f[i], "display", 7) && dcol < 0)
					dcol = i;
			}
			if (fcol < 0 || dcol < 0) {
				snprintf(diag, diag_len,
					 "line %u: the header names no file or no display column", lineno);
				return ANPR_ERR_FORMAT;
			}
			continue;
		}
		if (nf <= fcol || nf <= dcol) {
			snprintf(diag, diag_len, "line %u: fewer columns than the header", lineno);
			return ANPR_ERR_FORMAT;
		}
		if (*n == max) {
			snprintf(diag, diag_len, "line %u: more than %zu rows", lineno, max);
			return ANPR_ERR_FORMAT;
		}
		anpr_gt_display *r = &out[*n];
		size_t flen = fl[fcol], dlen = fl[dcol];
		if (flen == 0 || flen >= sizeof(r->file) || memchr(f[fcol], '/', flen) ||
		    memchr(f[fcol], '\0', flen)) {
			snprintf(diag, diag_len, "line %u: bad file name", lineno);
			return ANPR_ERR_FORMAT;
		}
		if (dlen >= sizeof(r->display) || !display_text(f[dcol], dlen)) {
			snprintf(diag, diag_len, "line %u: display text is not A-Z, 0-9 in spaced groups",
				 lineno);
			return ANPR_ERR_FORMAT;
		}
		memcpy(r->file, f[fcol], flen);
		r->file[flen] = '\0';
		memcpy(r->display, f[dcol], dlen);
		r->display[dlen] = '\0';
		(*n)++;
	}
	/* Sorted by file for anpr_gt_find_display(); a file listed twice would be ambiguous. */
	qsort(out, *n, sizeof(*out), by_file);
	for (size_t i = 1; i < *n; i++)
		if (!strcmp(out[i - 1].file, out[i].file)) {
			snprintf(diag, diag_len, "%s is listed twice", out[i].file);
			return ANPR_ERR_FORMAT;
		}
	return ANPR_ERR_OK; /* with only comments and blank lines: no rows, not an error */
}

const anpr_gt_display *anpr_gt_find_display(const anpr_gt_display *rows, size_t n, const char *file)
{
	anpr_gt_display key;

	if (!rows || !n || !file || strlen(file) >= sizeof(key.file))
		return NULL;
	strcpy(key.file, file);
	return bsearch(&key, rows, n, sizeof(*rows), by_file);
}

/* Reads a whole file of at most cap bytes; ANPR_ERR_NOT_FOUND when it does not exist. */
static anpr_err read_small(const char *path, size_t cap, char **buf, size_t *len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	anpr_err err = ANPR_ERR_IO;

	*buf = NULL;
	if (fd < 0)
		return errno == ENOENT ? ANPR_ERR_NOT_FOUND : ANPR_ERR_IO;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode))
		goto out;
	if ((uintmax_t)sb.st_size > cap) {
		err = ANPR_ERR_TOO_BIG;
		goto out;
	}
	*buf = malloc((size_t)sb.st_size + 1);
	if (!*buf) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	ssize_t got = read(fd, *buf, (size_t)sb.st_size);
	if (got != sb.st_size) {
		free(*buf);
		*buf = NULL;
		goto out;
	}
	*len = (size_t)got;
	err = ANPR_ERR_OK;
out:
	close(fd);
	return err;
}

anpr_err anpr_gt_load(const char *image_path, anpr_gt_plate *out, size_t max, size_t *n, char *diag,
		      size_t diag_len)
{
	char path[PATH_MAX];
	const char *dot = strrchr(image_path, '.');
	const char *slash = strrchr(image_path, '/');
	size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - image_path) : strlen(image_path);
	char *buf = NULL;
	size_t len = 0;
	anpr_err err;
	char why[256] = "";

	*n = 0;
	if (stem + 5 > sizeof(path))
		return ANPR_ERR_INVAL;
	memcpy(path, image_path, stem);
	strcpy(path + stem, ".txt");
	err = read_small(path, ANPR_GT_MAX_FILE, &buf, &len);
	if (err == ANPR_ERR_OK) {
		err = anpr_gt_parse_txt(buf, len, out, max, n, why, sizeof(why));
	} else if (err == ANPR_ERR_NOT_FOUND) {
		strcpy(path + stem, ".xml");
		err = read_small(path, ANPR_GT_MAX_FILE, &buf, &len);
		if (err == ANPR_ERR_OK)
			err = anpr_gt_parse_voc(buf, len, out, max, n, why, sizeof(why));
	}
	if (err && err != ANPR_ERR_NOT_FOUND)
		snprintf(diag, diag_len, "%s: %s", path, why[0] ? why : anpr_strerror(err));
	free(buf);
	return err;
}

anpr_err anpr_gt_load_manifest(const char *dir, anpr_gt_display *out, size_t max, size_t *n, char *diag,
			       size_t diag_len)
{
	char path[PATH_MAX], why[256] = "";
	char *buf = NULL;
	size_t len = 0;

	*n = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/manifest.tsv", dir) >= sizeof(path))
		return ANPR_ERR_INVAL;
	anpr_err err = read_small(path, ANPR_GT_MAX_MANIFEST, &buf, &len);
	if (err == ANPR_ERR_OK)
		err = anpr_gt_parse_manifest(buf, len, out, max, n, why, sizeof(why));
	if (err && err != ANPR_ERR_NOT_FOUND)
		snprintf(diag, diag_len, "%s: %s", path, why[0] ? why : anpr_strerror(err));
	free(buf);
	return err;
}
