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
	uint64_t frames_dropped;  /* overload: queue full or no free buffer */
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

/* Stops, drains, joins every thread and frees; NULL is fine. */
void anpr_pipeline_close(anpr_pipeline *p);

#endif
