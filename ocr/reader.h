/* SPDX-License-Identifier: MIT */
/* The plate reader: finds every plate in a frame and reads it, with a confidence and alternatives. */
#ifndef ANPR_READER_H
#define ANPR_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "grammar.h"
#include "opencv_c.h"

#define ANPR_READ_MAX_CANDIDATES 10

/*
 * The OCR model used when none is named: whichever scored best on the dev
 * sets of ours ("plate", ocr/model), Tesseract's stock "eng", and both read
 * together (docs/ocr-accuracy.md has the comparison).
 */
#define ANPR_READER_DEFAULT_MODEL "plate+eng"

typedef struct anpr_reader anpr_reader;

typedef struct anpr_reader_cfg {
	anpr_country country;  /* grammars tried (AUTO: all) */
	int topn;              /* alternatives kept per plate, 1..ANPR_READ_MAX_CANDIDATES */
	const char *model;     /* OCR model name, or "a+b" to read with both and merge; NULL: the default */
	const char *model_dir; /* NULL: see anpr_recog_cfg */
	int min_plate_width;   /* px; 0: 60 */
	int max_plate_width;   /* px; 0: 600 */
	int max_ocr_regions;   /* most plate candidates read per frame; 0: 6 */
	float min_confidence;  /* reads whose raw score is below this are not reported; 0: 0.001 */
	/*
	 * Optional: asked for each plate found, before it is read. Returning
	 * false reports the plate unread (empty text, no candidates, confidence
	 * 0; its quad set) and saves the OCR: the pipeline uses this for plates
	 * it has already read well in earlier frames. Called on the reading
	 * thread with want_read_user.
	 */
	bool (*want_read)(void *user, const anpr_point quad[4]);
	void *want_read_user;
} anpr_reader_cfg;

typedef struct anpr_read_candidate {
	char text[ANPR_VRM_BUF];
	float confidence; /* calibrated probability that text is right, 0..1 */
	float raw_score;  /* the reader's uncalibrated score (for refitting; 0 elsewhere) */
} anpr_read_candidate;

/* One plate read in a frame. */
typedef struct anpr_plate_read {
	char text[ANPR_VRM_BUF]; /* normalised VRM, A-Z 0-9 only */
	float confidence;        /* calibrated probability that text is right, 0..1 */
	float raw_score;         /* the uncalibrated score it was mapped from (for refitting) */
	anpr_plate_format format;
	anpr_point quad[4]; /* plate corners in the frame, clockwise from top-left */
	float char_height;  /* px in the frame */
	anpr_read_candidate candidates[ANPR_READ_MAX_CANDIDATES]; /* best first; [0] is text */
	int n_candidates;
} anpr_plate_read;

/*
 * Creates a reader: detector, OCR model (100-250 ms to load) and buffers.
 * cfg may be NULL for defaults. Errors: ANPR_ERR_INVAL for a bad cfg,
 * ANPR_ERR_NOT_FOUND or ANPR_ERR_OCR for the model, ANPR_ERR_NOMEM. The
 * caller owns *out. A reader belongs to one thread at a time: create one per
 * worker thread.
 */
ANPR_MUST_CHECK anpr_err anpr_reader_open(const anpr_reader_cfg *cfg, anpr_reader **out);

/* Frees the reader; NULL is fine. */
void anpr_reader_close(anpr_reader *r);

/*
 * Reads the plates in a frame (grey or BGR). Writes up to max reads, most
 * confident first, and their count to *n (0 when no plate is found, which
 * is not an error). Returns ANPR_ERR_INVAL for a bad frame, ANPR_ERR_OCR or
 * ANPR_ERR_NOMEM on failure.
 */
ANPR_MUST_CHECK anpr_err anpr_reader_read(anpr_reader *r, const anpr_image *frame, anpr_plate_read *out,
					  size_t max, size_t *n);

/*
 * Alternative a's (1..n_candidates - 1) raw score over the read's own, at
 * most 1: what its confidence is calibrated from (candidates are ranked by
 * the score before the plate share, so an alternative can score higher).
 * 0 for a bad a.
 */
float anpr_reader_alt_ratio(const anpr_plate_read *p, int a);

/*
 * Scales the n alternatives' confidences down, in proportion, so that
 * together they claim at most rest (1 minus the confidence of the text they
 * are alternatives to); left as they are when they already do.
 */
void anpr_read_candidates_cap(anpr_read_candidate *alts, int n, float rest);

/*
 * Strips the reader has handed to the OCR since it was created, one per
 * model that read each (each a Tesseract recognition of 5-10 ms): the
 * figure that sets the reader's speed, for benchmarks.
 */
unsigned long anpr_reader_ocr_calls(const anpr_reader *r);

#endif
