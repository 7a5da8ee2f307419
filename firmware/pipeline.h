/* SPDX-License-Identifier: MIT */
/* The capture pipeline: source -> bounded queue -> reader workers -> tracker -> read builder and signer -> store. */
#ifndef ANPR_PIPELINE_H
#define ANPR_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "reader.h"
#include "sign.h"
#include "source.h"
#include "store.h"
#include "tracker.h"

/*
 * Threads: one capture thread fills frames from a fixed pool and queues
 * them; N workers, each with its own plate reader, read them; one tracker
 * thread puts the results back in capture order and follows plates into
 * passages; one emitter thread builds each passage's images and read, signs
 * it and stores it. Data moves between them only through bounded queues.
 *
 * Live sources (the camera, replay paced in real time) never wait for the
 * readers: when the queue is full a frame is dropped and counted. Replay as
 * fast as possible waits instead, so every frame is read.
 *
 * The pipeline's own functions are called from one controlling thread.
 */

typedef struct anpr_pipeline anpr_pipeline;

/* A stored read, reported to on_read (from the emitter thread). Strings valid for the call. */
typedef struct anpr_read_event {
	const char *id;
	const char *vrm; /* plate text: debug logs and tests only */
	float confidence;
	int frames;
	int64_t first_seen_utc_ms, last_seen_utc_ms, captured_utc_ms;
	int64_t latency_ms; /* from the last frame the plate was seen in to stored (frame clock) */
	size_t patch_bytes, overview_bytes;
	int overview_w, overview_h;
	const char *country; /* "uk", "eu", "us" or "auto" (unknown format); static */
} anpr_read_event;

typedef struct anpr_pipeline_cfg {
	anpr_source_cfg source; /* its strings are copied */
	anpr_reader_cfg reader;
	anpr_tracker_cfg tracker; /* keep/drop/user and the frame size are filled in */
	int workers;              /* >= 1 */
	int frame_queue;          /* >= 1 */
	/* Identity printed on every read; copied. */
	const char *device, *site, *direction, *firmware;
	int lane;
	anpr_signer *signer; /* borrowed; used by the emitter thread only */
	anpr_store *store;   /* borrowed; used by the emitter thread only */
	void (*on_read)(void *user, const anpr_read_event *ev);
	void *user;
} anpr_pipeline_cfg;

typedef struct anpr_pipeline_stats {
	uint64_t frames_captured; /* delivered by the source */
	uint64_t frames_read;     /* through a reader */
	uint64_t frames_dropped;  /* overload: queue full, no free buffer, or a gap the source left */
	uint64_t frames_skipped;  /* of those, gaps the source left (a camera overrun, a late replay) */
	uint64_t frames_bad;      /* undecodable or wrong size (skipped) */
	uint64_t camera_restarts;
	uint64_t plates_seen;       /* plate reads in frames */
	uint64_t plates_not_reread; /* of which left unread: their passage was read well enough already */
	uint64_t reads_stored;
	uint64_t reads_failed; /* passages lost to an image, signing or store error */
	uint64_t queue_high_water;
	double searched_pct; /* share of the captured picture the readers searched (motion regions) */
	anpr_tracker_stats tracker;
	bool running;          /* false once the source has ended and everything drained */
	anpr_err source_error; /* why the source ended (ANPR_ERR_CLOSED: end of clip) */
} anpr_pipeline_stats;

/*
 * Opens the source and the readers (one per worker; 100-250 ms each) and
 * starts the threads. cfg is copied. Errors: those of the source and reader
 * (logged), ANPR_ERR_INVAL, ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_pipeline_start(const anpr_pipeline_cfg *cfg, anpr_pipeline **out);

/*
 * Waits up to timeout_ms (<0: no limit) for the source to end and every
 * frame and read to drain. ANPR_ERR_OK when finished, ANPR_ERR_TIMEOUT when
 * still running.
 */
ANPR_MUST_CHECK anpr_err anpr_pipeline_wait(anpr_pipeline *p, int64_t timeout_ms);

/* Stops capture; frames already captured are read and their passages stored. Returns at once. */
void anpr_pipeline_stop(anpr_pipeline *p);

/* Applies the reloadable tracker settings and the reads' lane and direction. */
void anpr_pipeline_reconfigure(anpr_pipeline *p, const anpr_tracker_cfg *tracker, int lane,
			       const char *direction);

void anpr_pipeline_get_stats(anpr_pipeline *p, anpr_pipeline_stats *st);

/*
 * Lets only the first n reader workers (1..workers) take frames; the rest
 * idle until raised again (the thermal throttle). Frames the active ones
 * cannot take are dropped and counted, as under any overload. Returns at once.
 */
void anpr_pipeline_set_workers(anpr_pipeline *p, int n);

/* Stops, drains, joins every thread and frees; NULL is fine. */
void anpr_pipeline_close(anpr_pipeline *p);

/*
 * Diagnostics for the control interface (firmware/control.h). Any thread, any
 * time between start and close; none of them waits for a frame. The
 * pipeline copies a frame's luma only when asked: each call below (and
 * anpr_pipeline_request_luma) asks for a fresh copy of the next frame the
 * tracker finishes, and answers from the copy made after the previous ask.
 * The per-frame cost without an ask is one relaxed atomic load, plus a short
 * lock on frames with plates (their widths are noted). The tracker thread
 * never waits for the copy: while the control thread is scaling or
 * measuring the last one, the next frame simply is not copied.
 */

/* Asks for a luma copy of the next frame (ahead of a call below). */
void anpr_pipeline_request_luma(anpr_pipeline *p);

/*
 * The copied frame's luma, area-averaged to cols x rows bytes (row-major)
 * into out; *utc_ms its capture time and *seq a counter that changes with
 * each copy (either may be NULL). ANPR_ERR_EMPTY when no copy exists yet
 * (ask again after a frame), ANPR_ERR_INVAL for bad sizes.
 */
ANPR_MUST_CHECK anpr_err anpr_pipeline_luma(anpr_pipeline *p, int cols, int rows, uint8_t *out,
					    int64_t *utc_ms, uint64_t *seq);

/* The copied frame's variance of Laplacian (anpr_luma_sharpness); errors as anpr_pipeline_luma. */
ANPR_MUST_CHECK anpr_err anpr_pipeline_sharpness(anpr_pipeline *p, double *sharpness, int64_t *utc_ms,
						 uint64_t *seq);

/* Widths in pixels of the plates read in frames captured at or after since_mono_ms (last 64 kept), oldest first. */
size_t anpr_pipeline_plate_widths(anpr_pipeline *p, int64_t since_mono_ms, int *out, size_t max);

/* Reads stored in the last hour and day (monotonic clock), and the capture time of the last (0: none yet). */
void anpr_pipeline_read_counts(anpr_pipeline *p, uint64_t *last_hour, uint64_t *last_day,
			       int64_t *last_utc_ms);

/*
 * A second receiver of stored reads besides cfg->on_read (the control
 * interface's readtest). Called on the emitter thread with a lock held:
 * fn must be quick and must not call this function. NULL fn removes it.
 */
void anpr_pipeline_set_read_listener(anpr_pipeline *p, void (*fn)(void *user, const anpr_read_event *ev),
				     void *user);

/* The frame source as configured and opened. */
typedef struct anpr_pipeline_camera {
	anpr_source_kind kind;
	bool open;                /* false while the camera is being reopened */
	int width, height;        /* as opened; 0 when unknown */
	double fps;               /* as opened; 0 when unknown */
	double requested_fps;     /* from the configuration */
	const char *pixel_format; /* requested; NULL for replay; valid while p lives */
	int exposure_max_us;
	double gain_max;
} anpr_pipeline_camera;

void anpr_pipeline_camera_info(anpr_pipeline *p, anpr_pipeline_camera *ci);

#endif
