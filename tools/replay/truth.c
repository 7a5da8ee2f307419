/* SPDX-License-Identifier: MIT */
/* Strict reader of a clip's ground-truth sidecar (JSON Lines) and the container checks of its video. */
#include "truth.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"

#define MAX_SIDE 8192
#define JSON_DEPTH 6

struct anpr_truth {
	anpr_truth_header h;
	anpr_truth_vehicle *v;
	int n, cap;
};

/* ---- typed member access; each returns a message (static text) or NULL ---- */

static const char *get_int(const anpr_json *o, const char *key, bool required, int64_t lo, int64_t hi,
			   int64_t *out)
{
	const anpr_json *m = anpr_json_get(o, key);

	if (!m)
		return required ? "missing" : NULL;
	if (m->type != ANPR_JSON_NUMBER || !m->is_int)
		return "not an integer";
	if (m->integer < lo || m->integer > hi)
		return "out of range";
	*out = m->integer;
	return NULL;
}

static const char *get_num(const anpr_json *o, const char *key, bool required, double lo, double hi,
			   double *out)
{
	const anpr_json *m = anpr_json_get(o, key);

	if (!m)
		return required ? "missing" : NULL;
	if (m->type != ANPR_JSON_NUMBER)
		return "not a number";
	if (!(m->number >= lo && m->number <= hi))
		return "out of range";
	*out = m->number;
	return NULL;
}

static const char *get_str(const anpr_json *o, const char *key, bool required, size_t max, const char **out)
{
	const anpr_json *m = anpr_json_get(o, key);

	if (!m)
		return required ? "missing" : NULL;
	if (m->type != ANPR_JSON_STRING)
		return "not a string";
	if (m->len > max)
		return "too long";
	*out = m->string;
	return NULL;
}

static const char *get_bool(const anpr_json *o, const char *key, bool *out)
{
	const anpr_json *m = anpr_json_get(o, key);

	if (!m)
		return NULL;
	if (m->type != ANPR_JSON_BOOL)
		return "not true or false";
	*out = m->boolean;
	return NULL;
}

/* Whether every key of o is in known (NULL-terminated) or starts with "x_" (free for annotators). */
static const char *unknown_key(const anpr_json *o, const char *const *known)
{
	for (size_t i = 0; i < o->n; i++) {
		const char *k = o->keys[i];
		bool ok = strncmp(k, "x_", 2) == 0;
		for (size_t j = 0; !ok && known[j]; j++)
			ok = strcmp(k, known[j]) == 0;
		if (!ok)
			return k;
	}
	return NULL;
}

/* Each member of o named in keys (NULL-terminated) must be a number (or absent). */
static const char *numbers_only(const anpr_json *o, const char *const *keys)
{
	for (size_t j = 0; keys[j]; j++) {
		const anpr_json *m = anpr_json_get(o, keys[j]);
		if (m && m->type != ANPR_JSON_NUMBER)
			return keys[j];
	}
	return NULL;
}

/* ---- the header ---- */

static const char *const header_keys[] = { "clip_truth", "generator", "fps",  "frames", "width", "height",
					   "start_utc",  "vehicles",  "look", "camera", "lanes", NULL };
static const char *const camera_keys[] = { "height_m", "pitch_deg", "yaw_deg", "roll_deg",    "focal_px",
					   "x_m",      "far_m",     "near_m",  "exposure_ms", NULL };
static const char *const lane_keys[] = { "lane", "direction", "width_m", NULL };

#define CHECK(expr, key)                                                                   \
	do {                                                                               \
		const char *why_ = (expr);                                                 \
		if (why_) {                                                                \
			anpr_diagf_at(diag, diag_len, name, line, "\"%s\" %s", key, why_); \
			return ANPR_ERR_FORMAT;                                            \
		}                                                                          \
	} while (0)

static anpr_err parse_header(const anpr_json *o, anpr_truth_header *h, const char *name, char *diag,
			     size_t diag_len)
{
	const int line = 1;
	int64_t i = 0;
	const char *s = NULL, *bad;

	if (o->type != ANPR_JSON_OBJECT || !anpr_json_get(o, "clip_truth")) {
		anpr_diagf_at(
		    diag, diag_len, name, line,
		    "not a clip ground-truth header (the first line must be an object with \"clip_truth\")");
		return ANPR_ERR_FORMAT;
	}
	bad = unknown_key(o, header_keys);
	if (bad) {
		anpr_diagf_at(diag, diag_len, name, line, "unknown key \"%.64s\" in the header", bad);
		return ANPR_ERR_FORMAT;
	}
	CHECK(get_int(o, "clip_truth", true, 0, INT32_MAX, &i), "clip_truth");
	if (i != ANPR_TRUTH_VERSION) {
		anpr_diagf_at(diag, diag_len, name, line,
			      "format version %lld is not supported (this reader knows %d)", (long long)i,
			      ANPR_TRUTH_VERSION);
		return ANPR_ERR_FORMAT;
	}
	h->version = (int)i;
	CHECK(get_num(o, "fps", true, 1.0, 240.0, &h->fps), "fps");
	CHECK(get_int(o, "frames", true, 1, ANPR_TRUTH_MAX_FRAMES, &h->frames), "frames");
	CHECK(get_int(o, "width", true, 16, MAX_SIDE, &i), "width");
	h->width = (int)i;
	CHECK(get_int(o, "height", true, 16, MAX_SIDE, &i), "height");
	h->height = (int)i;
	CHECK(get_int(o, "vehicles", true, 0, ANPR_TRUTH_MAX_VEHICLES, &i), "vehicles");
	h->vehicles = (int)i;
	CHECK(get_str(o, "generator", false, 256, &s), "generator");
	CHECK(get_str(o, "look", false, 16, &s), "look");
	const anpr_json *st = anpr_json_get(o, "start_utc");
	if (st && st->type != ANPR_JSON_NULL) {
		if (st->type != ANPR_JSON_STRING || anpr_clock_parse_utc(st->string, &h->start_utc_ms) ||
		    h->start_utc_ms <= 0) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "\"start_utc\" is not null or YYYY-MM-DDTHH:MM:SS.mmmZ");
			return ANPR_ERR_FORMAT;
		}
	}
	const anpr_json *cam = anpr_json_get(o, "camera");
	if (cam) {
		if (cam->type != ANPR_JSON_OBJECT || (bad = unknown_key(cam, camera_keys)) != NULL ||
		    (bad = numbers_only(cam, camera_keys)) != NULL) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "\"camera\" is not an object of numbers (%.64s)",
				      bad ? bad : "not an object");
			return ANPR_ERR_FORMAT;
		}
	}
	const anpr_json *lanes = anpr_json_get(o, "lanes");
	if (lanes) {
		if (lanes->type != ANPR_JSON_ARRAY || lanes->n < 1 || lanes->n > ANPR_TRUTH_MAX_LANES) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "\"lanes\" is not an array of 1 to %d lanes", ANPR_TRUTH_MAX_LANES);
			return ANPR_ERR_FORMAT;
		}
		for (size_t k = 0; k < lanes->n; k++) {
			const anpr_json *l = &lanes->items[k];
			double w = 0;
			if (l->type != ANPR_JSON_OBJECT || unknown_key(l, lane_keys) ||
			    get_int(l, "lane", true, (int64_t)k + 1, (int64_t)k + 1, &i) ||
			    get_str(l, "direction", true, 16, &s) ||
			    (strcmp(s, "towards") != 0 && strcmp(s, "away") != 0) ||
			    get_num(l, "width_m", false, 1.0, 10.0, &w)) {
				anpr_diagf_at(
				    diag, diag_len, name, line,
				    "lane %zu is not "
				    "{\"lane\":%zu,\"direction\":\"towards\"|\"away\"[,\"width_m\":M]}",
				    k + 1, k + 1);
				return ANPR_ERR_FORMAT;
			}
		}
		h->lanes = (int)lanes->n;
	}
	return ANPR_ERR_OK;
}

/* ---- one vehicle ---- */

static const char *const vehicle_keys[] = {
	"vehicle",   "vrm",         "display",       "format",   "country",     "lane",       "direction",
	"speed_mph", "body",        "look",          "plate",    "first_frame", "last_frame", "first_ms",
	"last_ms",   "seen_frames", "hidden_frames", "width_px", "headway_s",   "dirt",       "foreign",
	"hard",      "hard_kinds",  "boxes",         NULL
};
static const char *const vehicle_numbers[] = { "speed_mph", "headway_s", "dirt", NULL };

static bool vrm_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > ANPR_TRUTH_VRM_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static anpr_err parse_boxes(const anpr_json *arr, const anpr_truth_header *h, anpr_truth_vehicle *v,
			    const char *name, int line, char *diag, size_t diag_len)
{
	anpr_truth_box *boxes = NULL;

	if (arr->type != ANPR_JSON_ARRAY) {
		anpr_diagf_at(diag, diag_len, name, line, "\"boxes\" is not an array");
		return ANPR_ERR_FORMAT;
	}
	if (arr->n == 0)
		return ANPR_ERR_OK;
	if (v->first_frame < 0) {
		anpr_diagf_at(diag, diag_len, name, line,
			      "boxes for a vehicle never in view (first_frame -1)");
		return ANPR_ERR_FORMAT;
	}
	if (arr->n > (size_t)(v->last_frame - v->first_frame + 1)) {
		anpr_diagf_at(diag, diag_len, name, line, "%zu boxes for %d frames in view", arr->n,
			      v->last_frame - v->first_frame + 1);
		return ANPR_ERR_FORMAT;
	}
	boxes = calloc(arr->n, sizeof(*boxes));
	if (!boxes)
		return ANPR_ERR_NOMEM;
	for (size_t k = 0; k < arr->n; k++) {
		const anpr_json *b = &arr->items[k];
		int64_t f[5];
		bool ok = b->type == ANPR_JSON_ARRAY && b->n == 5;
		for (size_t j = 0; ok && j < 5; j++) {
			ok = b->items[j].type == ANPR_JSON_NUMBER && b->items[j].is_int &&
			     b->items[j].integer >= 0 && b->items[j].integer <= ANPR_TRUTH_MAX_FRAMES;
			f[j] = ok ? b->items[j].integer : 0;
		}
		if (!ok) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "box %zu is not [frame, x, y, w, h] of non-negative integers", k);
			free(boxes);
			return ANPR_ERR_FORMAT;
		}
		if (f[0] < v->first_frame || f[0] > v->last_frame || (k > 0 && f[0] <= boxes[k - 1].frame)) {
			anpr_diagf_at(
			    diag, diag_len, name, line,
			    "box %zu: frame %lld is out of order or outside first_frame..last_frame (%d..%d)",
			    k, (long long)f[0], v->first_frame, v->last_frame);
			free(boxes);
			return ANPR_ERR_FORMAT;
		}
		if (f[3] < 1 || f[4] < 1 || f[1] + f[3] > h->width || f[2] + f[4] > h->height) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "box %zu (frame %lld) is empty or outside the %dx%d frame", k,
				      (long long)f[0], h->width, h->height);
			free(boxes);
			return ANPR_ERR_FORMAT;
		}
		boxes[k] = (anpr_truth_box){ (int)f[0], (int)f[1], (int)f[2], (int)f[3], (int)f[4] };
	}
	if (boxes[0].frame != v->first_frame || boxes[arr->n - 1].frame != v->last_frame) {
		anpr_diagf_at(diag, diag_len, name, line,
			      "the boxes run from frame %d to %d, not first_frame..last_frame (%d..%d)",
			      boxes[0].frame, boxes[arr->n - 1].frame, v->first_frame, v->last_frame);
		free(boxes);
		return ANPR_ERR_FORMAT;
	}
	v->boxes = boxes;
	v->n_boxes = (int)arr->n;
	return ANPR_ERR_OK;
}

static anpr_err parse_vehicle(const anpr_json *o, const anpr_truth_header *h, anpr_truth_vehicle *v,
			      const char *name, int line, char *diag, size_t diag_len)
{
	int64_t i = 0, first = 0, last = 0;
	const char *s = NULL, *bad;

	if (o->type != ANPR_JSON_OBJECT) {
		anpr_diagf_at(diag, diag_len, name, line, "not a JSON object");
		return ANPR_ERR_FORMAT;
	}
	if (anpr_json_get(o, "clip_truth")) {
		anpr_diagf_at(diag, diag_len, name, line, "a second header line");
		return ANPR_ERR_FORMAT;
	}
	bad = unknown_key(o, vehicle_keys);
	if (bad) {
		anpr_diagf_at(diag, diag_len, name, line, "unknown key \"%.64s\"", bad);
		return ANPR_ERR_FORMAT;
	}
	bad = numbers_only(o, vehicle_numbers);
	if (bad) {
		anpr_diagf_at(diag, diag_len, name, line, "\"%s\" is not a number", bad);
		return ANPR_ERR_FORMAT;
	}
	v->line = line;
	CHECK(get_int(o, "vehicle", true, 0, INT64_MAX, &v->id), "vehicle");
	CHECK(get_str(o, "vrm", true, ANPR_TRUTH_VRM_MAX, &s), "vrm");
	if (!vrm_ok(s)) {
		anpr_diagf_at(diag, diag_len, name, line,
			      "\"vrm\" must be 1 to %d of A-Z and 0-9 (no spaces)", ANPR_TRUTH_VRM_MAX);
		return ANPR_ERR_FORMAT;
	}
	memcpy(v->vrm, s, strlen(s) + 1);
	s = NULL;
	CHECK(get_str(o, "country", false, sizeof(v->country) - 1, &s), "country");
	if (s)
		memcpy(v->country, s, strlen(s) + 1);
	CHECK(get_int(o, "lane", true, 1, h->lanes ? h->lanes : ANPR_TRUTH_MAX_LANES, &i), "lane");
	v->lane = (int)i;
	CHECK(get_str(o, "direction", true, 16, &s), "direction");
	if (strcmp(s, "towards") != 0 && strcmp(s, "away") != 0) {
		anpr_diagf_at(diag, diag_len, name, line, "\"direction\" must be \"towards\" or \"away\"");
		return ANPR_ERR_FORMAT;
	}
	v->towards = strcmp(s, "towards") == 0;
	CHECK(get_int(o, "first_frame", true, -1, INT32_MAX, &first), "first_frame");
	CHECK(get_int(o, "last_frame", true, -1, INT32_MAX, &last), "last_frame");
	if ((first < 0) != (last < 0) || first > last) {
		anpr_diagf_at(diag, diag_len, name, line,
			      "first_frame %lld and last_frame %lld: both -1, or first <= last",
			      (long long)first, (long long)last);
		return ANPR_ERR_FORMAT;
	}
	if (last >= h->frames) {
		anpr_diagf_at(diag, diag_len, name, line,
			      "last_frame %lld is past the clip's %lld frames (header, line 1)",
			      (long long)last, (long long)h->frames);
		return ANPR_ERR_FORMAT;
	}
	v->first_frame = (int)first;
	v->last_frame = (int)last;
	CHECK(get_bool(o, "foreign", &v->foreign), "foreign");
	CHECK(get_bool(o, "hard", &v->hard), "hard");
	const char *const strings[] = { "display", "format", "body", "look", "plate" };
	for (size_t k = 0; k < sizeof(strings) / sizeof(strings[0]); k++)
		CHECK(get_str(o, strings[k], false, 64, &s), strings[k]);
	const char *const ints[] = { "first_ms", "last_ms", "seen_frames", "hidden_frames" };
	for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
		CHECK(get_int(o, ints[k], false, -1, INT64_MAX / 2, &i), ints[k]);
	const anpr_json *kinds = anpr_json_get(o, "hard_kinds");
	if (kinds) {
		bool ok = kinds->type == ANPR_JSON_ARRAY;
		for (size_t k = 0; ok && k < kinds->n; k++)
			ok = kinds->items[k].type == ANPR_JSON_STRING;
		if (!ok) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "\"hard_kinds\" is not an array of strings");
			return ANPR_ERR_FORMAT;
		}
	}
	const anpr_json *wpx = anpr_json_get(o, "width_px");
	if (wpx && (wpx->type != ANPR_JSON_ARRAY || wpx->n != 2 || wpx->items[0].type != ANPR_JSON_NUMBER ||
		    wpx->items[1].type != ANPR_JSON_NUMBER)) {
		anpr_diagf_at(diag, diag_len, name, line, "\"width_px\" is not [min, max]");
		return ANPR_ERR_FORMAT;
	}
	const anpr_json *boxes = anpr_json_get(o, "boxes");
	if (boxes) {
		anpr_err err = parse_boxes(boxes, h, v, name, line, diag, diag_len);
		if (err)
			return err;
		if (get_int(o, "seen_frames", false, -1, INT64_MAX / 2, &i) == NULL &&
		    anpr_json_get(o, "seen_frames") && i != v->n_boxes) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "\"seen_frames\" is %lld but there are %d boxes", (long long)i,
				      v->n_boxes);
			return ANPR_ERR_FORMAT;
		}
	}
	return ANPR_ERR_OK;
}

/* ---- the file ---- */

static int cmp_id(const void *a, const void *b)
{
	const anpr_truth_vehicle *x = *(const anpr_truth_vehicle *const *)a,
				 *y = *(const anpr_truth_vehicle *const *)b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->line - y->line;
}

static anpr_err check_ids(const anpr_truth *t, const char *name, char *diag, size_t diag_len)
{
	const anpr_truth_vehicle **idx = NULL;
	anpr_err err = ANPR_ERR_OK;

	if (t->n < 2)
		return ANPR_ERR_OK;
	idx = malloc((size_t)t->n * sizeof(*idx));
	if (!idx)
		return ANPR_ERR_NOMEM;
	for (int i = 0; i < t->n; i++)
		idx[i] = &t->v[i];
	qsort(idx, (size_t)t->n, sizeof(*idx), cmp_id);
	for (int i = 1; i < t->n; i++) {
		if (idx[i]->id == idx[i - 1]->id) {
			anpr_diagf_at(diag, diag_len, name, idx[i]->line,
				      "vehicle %lld is already on line %d", (long long)idx[i]->id,
				      idx[i - 1]->line);
			err = ANPR_ERR_FORMAT;
			break;
		}
	}
	free(idx);
	return err;
}

void anpr_truth_free(anpr_truth *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++)
		free(t->v[i].boxes);
	free(t->v);
	free(t);
}

anpr_err anpr_truth_parse(const char *name, const char *text, size_t len, anpr_truth **out, char *diag,
			  size_t diag_len)
{
	anpr_err err = ANPR_ERR_OK;
	anpr_truth *t = NULL;
	anpr_json *j = NULL;
	size_t pos = 0;
	int line = 0;

	if (!name || !out || (!text && len))
		return ANPR_ERR_INVAL;
	*out = NULL;
	if (diag && diag_len)
		diag[0] = '\0';
	if (len > ANPR_TRUTH_MAX_BYTES) {
		anpr_diagf_at(diag, diag_len, name, 1, "larger than %u MiB", ANPR_TRUTH_MAX_BYTES >> 20);
		return ANPR_ERR_TOO_BIG;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return ANPR_ERR_NOMEM;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		line++;
		if (n > ANPR_TRUTH_MAX_LINE) {
			anpr_diagf_at(diag, diag_len, name, line, "line longer than %u KiB",
				      ANPR_TRUTH_MAX_LINE >> 10);
			err = ANPR_ERR_TOO_BIG;
			goto out;
		}
		if (!nl) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "the last line has no newline (file cut short?)");
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		if (n == 0 || (n == 1 && text[pos] == '\r')) {
			anpr_diagf_at(diag, diag_len, name, line, "empty line");
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		err = anpr_json_parse(text + pos, n, JSON_DEPTH, &j);
		if (err == ANPR_ERR_NOMEM)
			goto out;
		if (err) {
			anpr_diagf_at(diag, diag_len, name, line,
				      "not one valid JSON value (strict RFC 8259, UTF-8)");
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		if (line == 1) {
			err = parse_header(j, &t->h, name, diag, diag_len);
		} else {
			if (t->n >= t->h.vehicles) {
				anpr_diagf_at(diag, diag_len, name, line,
					      "more vehicle lines than the header's %d (line 1)",
					      t->h.vehicles);
				err = ANPR_ERR_FORMAT;
				goto out;
			}
			if (!t->v) {
				t->v = calloc((size_t)t->h.vehicles, sizeof(*t->v));
				if (!t->v) {
					err = ANPR_ERR_NOMEM;
					goto out;
				}
			}
			err = parse_vehicle(j, &t->h, &t->v[t->n], name, line, diag, diag_len);
			t->n++; /* counted even on failure, so its boxes are freed */
		}
		anpr_json_free(j);
		j = NULL;
		if (err)
			goto out;
		pos += n + 1;
	}
	if (line == 0) {
		anpr_diagf_at(diag, diag_len, name, 1, "empty file (a header line is required)");
		err = ANPR_ERR_FORMAT;
		goto out;
	}
	if (t->n != t->h.vehicles) {
		anpr_diagf_at(diag, diag_len, name, 1,
			      "the header says %d vehicles but %d follow (file cut short?)", t->h.vehicles,
			      t->n);
		err = ANPR_ERR_FORMAT;
		goto out;
	}
	err = check_ids(t, name, diag, diag_len);
	if (err)
		goto out;
	*out = t;
	t = NULL;
out:
	anpr_json_free(j);
	anpr_truth_free(t);
	return err;
}

anpr_err anpr_truth_load(const char *path, anpr_truth **out, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_IO;
	char *buf = NULL;
	struct stat st;
	int fd = -1;

	if (!path || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(diag, diag_len, "%s: cannot read: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > ANPR_TRUTH_MAX_BYTES) {
		anpr_diagf_at(diag, diag_len, path, 1, "larger than %u MiB", ANPR_TRUTH_MAX_BYTES >> 20);
		err = ANPR_ERR_TOO_BIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(diag, diag_len, "%s: cannot read: %s", path,
				 r < 0 ? strerror(errno) : "file shrank");
			goto out;
		}
		got += (size_t)r;
	}
	err = anpr_truth_parse(path, buf, got, out, diag, diag_len);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}

const anpr_truth_header *anpr_truth_get_header(const anpr_truth *t)
{
	return &t->h;
}

int anpr_truth_count(const anpr_truth *t)
{
	return t ? t->n : 0;
}

const anpr_truth_vehicle *anpr_truth_at(const anpr_truth *t, int i)
{
	return t && i >= 0 && i < t->n ? &t->v[i] : NULL;
}

const anpr_truth_box *anpr_truth_box_at(const anpr_truth_vehicle *v, int frame)
{
	int lo = 0, hi = v->n_boxes - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (v->boxes[mid].frame == frame)
			return &v->boxes[mid];
		if (v->boxes[mid].frame < frame)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* ---- containers ---- */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static bool read_at(int fd, uint64_t off, unsigned char *buf, size_t n)
{
	return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

anpr_err anpr_truth_check_container(const char *video, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_IO;
	unsigned char head[16];
	struct stat st;
	int fd = open(video, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(diag, diag_len, "%s: cannot open: %s", video, strerror(errno));
		goto out;
	}
	const uint64_t size = (uint64_t)st.st_size;
	if (size < 12 || !read_at(fd, 0, head, 12)) {
		snprintf(diag, diag_len, "%s: %llu bytes: too short for a video", video,
			 (unsigned long long)size);
		err = ANPR_ERR_FORMAT;
		goto out;
	}
	if (memcmp(head, "RIFF", 4) == 0 && memcmp(head + 8, "AVI ", 4) == 0) {
		/* RIFF "AVI " then OpenDML "AVIX" extensions, each its declared size plus a pad byte to even. */
		uint64_t off = 0;
		while (off < size) {
			if (off + 12 > size || !read_at(fd, off, head, 12) || memcmp(head, "RIFF", 4) != 0) {
				snprintf(diag, diag_len,
					 "%s: no RIFF chunk at byte %llu of %llu: damaged or cut short",
					 video, (unsigned long long)off, (unsigned long long)size);
				err = ANPR_ERR_FORMAT;
				goto out;
			}
			uint64_t end = off + 8 + le32(head + 4);
			if (end > size) {
				snprintf(diag, diag_len,
					 "%s: truncated: the RIFF chunk at byte %llu declares %llu bytes, "
					 "the file ends "
					 "%llu bytes short (the video ends mid-frame)",
					 video, (unsigned long long)off, (unsigned long long)le32(head + 4),
					 (unsigned long long)(end - size));
				err = ANPR_ERR_FORMAT;
				goto out;
			}
			off = end + (end & 1 && end < size ? 1 : 0);
		}
		err = ANPR_ERR_OK;
	} else if (memcmp(head + 4, "ftyp", 4) == 0) {
		/* ISO BMFF: top-level boxes tile the file; a file with no moov cannot be played. */
		uint64_t off = 0;
		bool moov = false;
		while (off < size) {
			if (off + 8 > size || !read_at(fd, off, head, 8)) {
				snprintf(diag, diag_len, "%s: truncated: %llu stray bytes at the end", video,
					 (unsigned long long)(size - off));
				err = ANPR_ERR_FORMAT;
				goto out;
			}
			uint64_t box = be(head, 4), hdr = 8;
			if (box == 1) {
				if (off + 16 > size || !read_at(fd, off + 8, head + 8, 8)) {
					snprintf(diag, diag_len, "%s: truncated in a box header at byte %llu",
						 video, (unsigned long long)off);
					err = ANPR_ERR_FORMAT;
					goto out;
				}
				box = be(head + 8, 8);
				hdr = 16;
			} else if (box == 0) {
				box = size - off;
			}
			moov = moov || memcmp(head + 4, "moov", 4) == 0;
			if (box < hdr || box > size - off) {
				snprintf(diag, diag_len,
					 "%s: truncated: box '%.4s' at byte %llu declares %llu bytes, %llu "
					 "remain (the "
					 "video ends mid-frame)",
					 video, (const char *)head + 4, (unsigned long long)off,
					 (unsigned long long)box, (unsigned long long)(size - off));
				err = ANPR_ERR_FORMAT;
				goto out;
			}
			off += box;
		}
		if (!moov) {
			snprintf(diag, diag_len, "%s: no 'moov' box: the file was not finished", video);
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		err = ANPR_ERR_OK;
	} else {
		snprintf(diag, diag_len, "%s: not AVI or MP4; the container is not checked", video);
		err = ANPR_ERR_UNSUPPORTED;
	}
out:
	if (fd >= 0)
		close(fd);
	return err;
}
