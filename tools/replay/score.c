/* SPDX-License-Identifier: MIT */
/* Matches reads to ground-truth vehicles and counts exact reads, misreads, misses, duplicates and false reads. */
#include "score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pair {
	int read, vehicle;
	int rank; /* place confirmed 2, VRM equal 1, summed */
	int64_t overlap;
} pair;

static int64_t frame_ms(const anpr_truth_header *h, int frame)
{
	return llround(frame * 1000.0 / h->fps);
}

/*
 * Where the truth puts the plate in frame f: its box there, else interpolated between the boxes
 * around f, else extrapolated along the plate's motion from the two boxes at the nearer end (a
 * reader may read a plate partly out of the frame, before the truth's first fully visible frame).
 * False when the nearest box is more than MAX_EXTRAPOLATE frames away.
 */
#define MAX_EXTRAPOLATE 8

static bool truth_box(const anpr_truth_vehicle *v, int f, double out[4], double motion[2], int *dist)
{
	const anpr_truth_box *b = v->boxes;
	const int n = v->n_boxes;
	int i = 0, hi = n; /* i: the first box after f */
	const anpr_truth_box *p, *q;

	if (n == 0)
		return false;
	while (i < hi) {
		int mid = i + (hi - i) / 2;
		if (b[mid].frame <= f)
			i = mid + 1;
		else
			hi = mid;
	}
	if (i > 0 && b[i - 1].frame == f) {
		p = q = &b[i - 1];
	} else if (i == 0) {
		p = &b[0];
		q = n > 1 ? &b[1] : &b[0];
	} else if (i == n) {
		p = &b[n - 1];
		q = n > 1 ? &b[n - 2] : &b[n - 1];
	} else {
		p = &b[i - 1];
		q = &b[i];
	}
	*dist = abs(f - p->frame) < abs(f - q->frame) ? abs(f - p->frame) : abs(f - q->frame);
	if (*dist > MAX_EXTRAPOLATE)
		return false;
	const double pv[4] = { p->x, p->y, p->w, p->h }, qv[4] = { q->x, q->y, q->w, q->h };
	const double span = q->frame - p->frame;
	for (int k = 0; k < 4; k++) {
		const double rate = span != 0 ? (qv[k] - pv[k]) / span : 0.0;
		out[k] = pv[k] + rate * (f - p->frame);
		if (k < 2)
			motion[k] = fabs(rate);
	}
	return out[2] > 0 && out[3] > 0;
}

/* 1: the boxes overlap; 0: both known and apart; -1: not known. */
static int place(const anpr_truth_header *h, const anpr_truth_vehicle *v, const anpr_score_read *r)
{
	double b[4], motion[2];
	int dist = 0;

	if (!r->has_box)
		return -1;
	const int f = (int)llround(r->captured_ms * h->fps / 1000.0);
	if (!truth_box(v, f, b, motion, &dist))
		return -1;
	/*
	 * Slack: a quarter of the plate's size (the overview is scaled and JPEG'd; a frame's time is
	 * rounded to the ms), plus half a frame's motion for each frame extrapolated.
	 */
	const double sx = 0.25 * b[2] + 0.5 * motion[0] * (dist + 1),
		     sy = 0.25 * b[3] + 0.5 * motion[1] * (dist + 1);
	const bool apart = r->box[0] > b[0] + b[2] + sx || r->box[0] + r->box[2] < b[0] - sx ||
			   r->box[1] > b[1] + b[3] + sy || r->box[1] + r->box[3] < b[1] - sy;
	return apart ? 0 : 1;
}

static int cmp_pair(const void *a, const void *b)
{
	const pair *x = a, *y = b;

	if (x->rank != y->rank)
		return y->rank - x->rank;
	if (x->overlap != y->overlap)
		return x->overlap > y->overlap ? -1 : 1;
	if (x->read != y->read)
		return x->read - y->read;
	return x->vehicle - y->vehicle;
}

static int cmp_i64(const void *a, const void *b)
{
	const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int64_t anpr_score_quantile(int64_t *v, int n, double q)
{
	if (n <= 0)
		return ANPR_SCORE_NONE;
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	int k = (int)ceil(q * n) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

anpr_err anpr_score(const anpr_truth *t, anpr_score_read *reads, int n, int64_t t0_wall_ms,
		    anpr_score_result *res)
{
	anpr_err err = ANPR_ERR_OK;
	pair *pairs = NULL;
	bool *taken = NULL;
	size_t n_pairs = 0, cap = 0;

	if (!res || n < 0 || (n > 0 && !reads))
		return ANPR_ERR_INVAL;
	memset(res, 0, sizeof(*res));
	res->reads = n;
	for (int i = 0; i < n; i++) {
		reads[i].kind = ANPR_SCORE_UNSCORED;
		reads[i].vehicle = -1;
		reads[i].latency_ms = reads[i].received_ms - (t0_wall_ms + reads[i].last_ms);
	}
	if (!t)
		return ANPR_ERR_OK;
	res->has_truth = true;
	const anpr_truth_header *h = anpr_truth_get_header(t);
	const int nv = anpr_truth_count(t);
	taken = calloc((size_t)nv + 1, sizeof(*taken));
	if (!taken) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		anpr_score_read *r = &reads[i];
		for (int k = 0; k < nv; k++) {
			const anpr_truth_vehicle *v = anpr_truth_at(t, k);
			if (v->first_frame < 0)
				continue;
			const int64_t a = frame_ms(h, v->first_frame) - ANPR_SCORE_TOLERANCE_MS;
			const int64_t b = frame_ms(h, v->last_frame) + ANPR_SCORE_TOLERANCE_MS;
			const int64_t overlap =
			    (r->last_ms < b ? r->last_ms : b) - (r->first_ms > a ? r->first_ms : a);
			if (overlap < 0)
				continue;
			const int where = place(h, v, r);
			if (where == 0)
				continue;
			if (n_pairs == cap) {
				size_t nc = cap ? cap * 2 : 64;
				pair *np = realloc(pairs, nc * sizeof(*np));
				if (!np) {
					err = ANPR_ERR_NOMEM;
					goto out;
				}
				pairs = np;
				cap = nc;
			}
			pairs[n_pairs++] =
			    (pair){ i, k, (where == 1 ? 2 : 0) + (strcmp(r->vrm, v->vrm) == 0), overlap };
		}
	}
	if (n_pairs)
		qsort(pairs, n_pairs, sizeof(*pairs), cmp_pair);
	for (size_t p = 0; p < n_pairs; p++) {
		anpr_score_read *r = &reads[pairs[p].read];
		if (r->vehicle >= 0 || taken[pairs[p].vehicle])
			continue;
		const anpr_truth_vehicle *v = anpr_truth_at(t, pairs[p].vehicle);
		taken[pairs[p].vehicle] = true;
		r->vehicle = pairs[p].vehicle;
		r->kind = strcmp(r->vrm, v->vrm) == 0 ? ANPR_SCORE_EXACT : ANPR_SCORE_MISREAD;
		r->latency_ms = r->received_ms - (t0_wall_ms + frame_ms(h, v->last_frame));
	}
	/* What is left: a further read of a vehicle (its best candidate), or a read of nothing. */
	for (int i = 0; i < n; i++)
		if (reads[i].vehicle < 0)
			reads[i].kind = ANPR_SCORE_FALSE;
	for (size_t p = 0; p < n_pairs; p++) {
		anpr_score_read *r = &reads[pairs[p].read];
		if (r->kind == ANPR_SCORE_FALSE) {
			r->kind = ANPR_SCORE_DUPLICATE;
			r->vehicle = pairs[p].vehicle;
		}
	}
	/*
	 * A vehicle never fully in view has no frames to match by, yet its
	 * plate may be readable around the part that hides it: a read of its
	 * exact VRM is that vehicle, not a read of nothing. The first is left
	 * unscored (the vehicle is not in the denominator), any further one is a
	 * duplicate.
	 */
	for (int i = 0; i < n; i++) {
		anpr_score_read *r = &reads[i];
		for (int k = 0; k < nv && r->kind == ANPR_SCORE_FALSE; k++) {
			const anpr_truth_vehicle *v = anpr_truth_at(t, k);
			if (v->first_frame >= 0 || strcmp(r->vrm, v->vrm) != 0)
				continue;
			r->kind = taken[k] ? ANPR_SCORE_DUPLICATE : ANPR_SCORE_UNSCORED;
			r->vehicle = k;
			taken[k] = true;
		}
	}
	for (int k = 0; k < nv; k++) {
		if (anpr_truth_at(t, k)->first_frame < 0)
			res->unseen++;
		else
			res->vehicles++;
	}
	for (int i = 0; i < n; i++) {
		res->exact += reads[i].kind == ANPR_SCORE_EXACT;
		res->misread += reads[i].kind == ANPR_SCORE_MISREAD;
		res->duplicates += reads[i].kind == ANPR_SCORE_DUPLICATE;
		res->false_reads += reads[i].kind == ANPR_SCORE_FALSE;
	}
	res->missed = res->vehicles - res->exact - res->misread;
	const double d = res->vehicles > 0 ? 100.0 / res->vehicles : 0.0;
	res->captured_pct = (res->exact + res->misread) * d;
	res->exact_pct = res->exact * d;
	res->misread_pct = res->misread * d;
	res->missed_pct = res->missed * d;
	res->false_reads_pct = res->false_reads * d;
out:
	free(pairs);
	free(taken);
	return err;
}
