/* SPDX-License-Identifier: MIT */
/* Scoring a clip's reads against its ground truth: matching by time window and place in the frame, counts, latency. */
#ifndef ANPR_SCORE_H
#define ANPR_SCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "truth.h"

/* Added to each side of a vehicle's time in view when matching (the tracker may see a plate part-hidden). */
#define ANPR_SCORE_TOLERANCE_MS 300
/* No value (a quantile of nothing). */
#define ANPR_SCORE_NONE INT64_MIN

typedef enum anpr_score_kind {
	ANPR_SCORE_EXACT,     /* the read of a vehicle, VRM right */
	ANPR_SCORE_MISREAD,   /* the read of a vehicle, VRM wrong */
	ANPR_SCORE_DUPLICATE, /* a further read of a vehicle already read */
	ANPR_SCORE_FALSE,     /* no vehicle there */
	ANPR_SCORE_UNSCORED,  /* no ground truth, or a vehicle never fully in view */
} anpr_score_kind;

/* One read as it arrived at the back office. Inputs, then what anpr_score() works out. */
typedef struct anpr_score_read {
	int64_t first_ms, last_ms, captured_ms; /* passage and image frame, ms from the clip's first frame */
	int64_t received_ms;                    /* wall clock (UTC ms) at the back office */
	char vrm[ANPR_TRUTH_VRM_MAX + 1];
	double confidence; /* the unit's, 0..1; -1 when the payload had none */
	bool has_box;
	double box[4]; /* the plate in frame pixels: x, y, w, h */
	/* out */
	anpr_score_kind kind;
	int vehicle;        /* index into the truth, or -1 */
	int64_t latency_ms; /* leaving the view -> at the back office */
} anpr_score_read;

typedef struct anpr_score_result {
	int vehicles; /* vehicles whose plate is fully in view at some frame: the denominator */
	int unseen;   /* vehicles never fully in view (not scored) */
	int reads;    /* reads that arrived */
	int exact, misread, missed, duplicates, false_reads;
	double captured_pct, exact_pct, misread_pct, missed_pct, false_reads_pct;
	bool has_truth;
} anpr_score_result;

/*
 * Matches reads to the vehicles of t (NULL: no truth, every read UNSCORED) and fills the
 * reads' out fields and *res. A read and a vehicle can match when the passage overlaps
 * the vehicle's frames in view (+- ANPR_SCORE_TOLERANCE_MS) and, where both the read's box
 * and the truth's box for the read's image frame are known (interpolated, or extrapolated
 * along the plate's motion up to 8 frames), the boxes overlap. Pairs are
 * taken best first: place confirmed, then VRM equal, then time overlap. Each vehicle takes
 * one read; a further read that could match a read vehicle is a duplicate. A read of the
 * exact VRM of a vehicle never fully in view is UNSCORED (the first) or a duplicate; any
 * other is a false read. Latency: t0_wall_ms (UTC of frame 0 on the wall clock) + the vehicle's
 * last frame in view (the read's own last_seen when unmatched) to received_ms.
 * ANPR_ERR_NOMEM, ANPR_ERR_INVAL. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_score(const anpr_truth *t, anpr_score_read *reads, int n, int64_t t0_wall_ms,
				    anpr_score_result *res);

/* The q-quantile (0..1, nearest rank) of n values, which are sorted in place; ANPR_SCORE_NONE when n is 0. */
int64_t anpr_score_quantile(int64_t *v, int n, double q);

#endif
