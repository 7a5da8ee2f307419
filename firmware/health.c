/* SPDX-License-Identifier: MIT */
/* Pipeline health from its counters. */
#include "health.h"

static const char *const names[ANPR_HEALTH_STAGES] = { "capture", "readers", "tracker", "emitter" };

const char *anpr_health_stage_name(anpr_health_stage s)
{
	return s < ANPR_HEALTH_STAGES ? names[s] : "?";
}

void anpr_health_init(anpr_health *h, int64_t stall_ms)
{
	*h = (anpr_health){ .stall_ms = stall_ms, .stuck = -1 };
}

/* a - b, or 0 when the counters were sampled a moment apart and b is ahead. */
static uint64_t waiting(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

bool anpr_health_update(anpr_health *h, const anpr_pipeline_stats *st, bool capturing, int64_t now_ms)
{
	uint64_t count[ANPR_HEALTH_STAGES] = {
		st->frames_captured + st->frames_bad + st->camera_restarts,
		st->frames_read,
		st->tracker.frames,
		st->reads_stored + st->reads_failed,
	};
	bool work[ANPR_HEALTH_STAGES] = {
		capturing,
		/* Frames the source skipped never reached the queue: only captured drops count. */
		waiting(st->frames_captured, st->frames_read + (st->frames_dropped - st->frames_skipped)) > 0,
		waiting(st->frames_read, st->tracker.frames) > 0,
		waiting(st->tracker.passages, st->reads_stored + st->reads_failed) > 0,
	};

	h->stuck = -1;
	for (int s = 0; s < ANPR_HEALTH_STAGES; s++) {
		if (!h->started || count[s] != h->count[s] || !work[s]) {
			h->count[s] = count[s];
			h->moved_ms[s] = now_ms;
			continue;
		}
		if (now_ms - h->moved_ms[s] >= h->stall_ms && h->stuck < 0)
			h->stuck = s;
	}
	h->started = true;
	return h->stuck < 0;
}
