/* SPDX-License-Identifier: MIT */
/* Whether the pipeline is healthy, from its counters: the condition for feeding the watchdog. */
#ifndef ANPR_HEALTH_H
#define ANPR_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline.h"

/*
 * The pipeline is healthy when none of its stages is stuck. A stage is stuck
 * when it has work waiting and its output counter has not moved for stall_ms:
 *
 *   capture   frames_captured + frames_bad + camera_restarts must move while
 *             the source is live (not ended, not stopping); no work needed.
 *   readers   waiting: frames_captured - frames_read - frames_dropped (frames
 *             queued or being read); moves: frames_read.
 *   tracker   waiting: frames_read - tracker.frames; moves: tracker.frames.
 *   emitter   waiting: tracker.passages - reads_stored - reads_failed;
 *             moves: reads_stored + reads_failed.
 *
 * A stage with nothing waiting is idle, not stuck (a quiet road at night).
 * Counters that move again make the stage healthy again at once.
 * Pure logic over anpr_pipeline_stats; one thread (anprd: the main loop).
 */

typedef enum anpr_health_stage {
	ANPR_HEALTH_CAPTURE,
	ANPR_HEALTH_READERS,
	ANPR_HEALTH_TRACKER,
	ANPR_HEALTH_EMITTER,
	ANPR_HEALTH_STAGES
} anpr_health_stage;

typedef struct anpr_health {
	int64_t stall_ms;
	bool started;
	uint64_t count[ANPR_HEALTH_STAGES];
	int64_t moved_ms[ANPR_HEALTH_STAGES]; /* when the count last moved, or work last was absent */
	int stuck;                            /* first stuck stage, -1 when healthy */
} anpr_health;

/* Cannot fail. */
void anpr_health_init(anpr_health *h, int64_t stall_ms);

/*
 * Judges one sample of the counters taken at now_ms (monotonic). capturing
 * says whether frames are expected (false once the source has ended or a
 * stop was asked for). Returns true when healthy.
 */
bool anpr_health_update(anpr_health *h, const anpr_pipeline_stats *st, bool capturing, int64_t now_ms);

/* "capture", "readers", "tracker", "emitter". */
const char *anpr_health_stage_name(anpr_health_stage s);

#endif
