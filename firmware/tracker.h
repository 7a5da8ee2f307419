/* SPDX-License-Identifier: MIT */
/* Tracking plates across frames into vehicle passages and voting one read per passage. */
#ifndef ANPR_TRACKER_H
#define ANPR_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"

/*
 * Frames are fed in capture order with the plate reads found in each. A read
 * joins the track whose predicted position it is nearest (plates move
 * steadily through the picture), or starts a new one. A track ends when its
 * plate has not been seen for gap_ms of frame time (edge_gap_ms when it was
 * last seen at an edge of the picture, leaving), after max_ms, or at flush.
 * Its read is then voted character by character over every frame, each
 * frame's alternatives weighted by their confidence, and the frame that
 * read the plate best is kept for the evidence images.
 *
 * Frames are opaque to the tracker and borrowed only for the feed call:
 * when a frame becomes a track's best, the keep callback makes a keepsake
 * of it (what the evidence images need), and the tracker drops the
 * previous one. A finished passage hands its keepsake to the caller, who
 * drops it when done with the images.
 *
 * Memory is fixed at open; nothing is allocated per frame. Threads: one
 * tracker belongs to one thread.
 */

#define ANPR_TRACKER_MAX_TRACKS 16 /* plates followed at once */
#define ANPR_TRACKER_MAX_OBS 96    /* frames voted per track (the most confident are kept) */
#define ANPR_TRACKER_MAX_OUT (2 * ANPR_TRACKER_MAX_TRACKS) /* passages one call can end */

typedef struct anpr_tracker anpr_tracker;

typedef struct anpr_tracker_cfg {
	int frame_w, frame_h; /* picture size, for the edges */
	int64_t gap_ms;       /* see above */
	int64_t edge_gap_ms;
	int64_t max_ms;
	int min_frames;           /* shorter tracks are dropped (counted) */
	float min_confidence;     /* passages voted below this are dropped (counted) */
	int64_t repeat_window_ms; /* the same VRM again within this is not a new passage */
	anpr_country country;     /* grammar for the voted text */
	int enough_reads; /* agreeing confident reads after which a plate need not be read again (0: never) */
	/* Returns a keepsake of frame for a plate at quad, or NULL (the frame is then not adopted). */
	void *(*keep)(void *user, void *frame, const anpr_point quad[4]);
	void (*drop)(void *user, void *keepsake);
	void *user;
} anpr_tracker_cfg;

/* One vehicle passage, voted. */
typedef struct anpr_passage {
	char text[ANPR_VRM_BUF];
	float confidence; /* 0..1 */
	anpr_plate_format format;
	anpr_read_candidate alts[ANPR_READ_MAX_CANDIDATES]; /* best first; [0] is text */
	int n_alts;
	int frames;                        /* frames the plate was read in */
	int agreeing;                      /* of which read exactly text */
	int64_t first_utc_ms, last_utc_ms; /* first and last sighting, frame time */
	int64_t first_mono_ms, last_mono_ms;
	int64_t ended_mono_ms; /* frame time at which the track was ended */
	void *keepsake;        /* of the best frame, owned by the receiver */
	int64_t frame_utc_ms;
	anpr_point quad[4]; /* the plate in that frame */
	float char_height;
} anpr_passage;

typedef struct anpr_tracker_stats {
	uint64_t frames, reads;
	uint64_t passages;       /* emitted */
	uint64_t short_tracks;   /* dropped: fewer than min_frames */
	uint64_t low_confidence; /* dropped: below min_confidence */
	uint64_t repeats;        /* dropped: same VRM within the repeat window */
	uint64_t fragments;      /* dropped: a piece of a current mark read beside it (is_fragment()) */
	uint64_t no_image;       /* dropped: no frame could be kept for the images (out of memory) */
	int active;
} anpr_tracker_stats;

/* cfg is copied. Errors: ANPR_ERR_INVAL, ANPR_ERR_NOMEM. The caller owns *out. */
ANPR_MUST_CHECK anpr_err anpr_tracker_open(const anpr_tracker_cfg *cfg, anpr_tracker **out);

/* Drops every keepsake still held; NULL is fine. Call flush first to keep the passages. */
void anpr_tracker_close(anpr_tracker *t);

/* Changes the reloadable settings (gaps, max, min frames and confidence, repeat window). */
void anpr_tracker_reconfigure(anpr_tracker *t, const anpr_tracker_cfg *cfg);

/*
 * Feeds one frame (in capture order) and its reads. Passages that end are
 * written to out, which must hold ANPR_TRACKER_MAX_OUT, and counted in
 * *n_out. At most
 * ANPR_TRACKER_MAX_TRACKS reads of a frame are used.
 */
void anpr_tracker_feed(anpr_tracker *t, void *frame, int64_t utc_ms, int64_t mono_ms,
		       const anpr_plate_read *reads, size_t n_reads, anpr_passage *out, size_t *n_out);

/*
 * Reads fed with empty text (plates found but deliberately not read) keep
 * their track going by position alone: they never start a track or vote.
 *
 * Writes where the plates already read well enough (enough_reads agreeing
 * reads of confidence 0.5 or more) will be over the next lookahead_ms, each
 * a box around the plate's path, so that readers can skip reading them
 * again. Returns the count (at most max).
 */
size_t anpr_tracker_read_enough(const anpr_tracker *t, int64_t lookahead_ms, anpr_rect *out, size_t max);

/* Ends every track (end of stream, shutdown): as feed. */
void anpr_tracker_flush(anpr_tracker *t, anpr_passage *out, size_t *n_out);

void anpr_tracker_get_stats(const anpr_tracker *t, anpr_tracker_stats *st);

#endif
