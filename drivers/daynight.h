/* SPDX-License-Identifier: MIT */
/* Day/night decision from scene brightness, with hysteresis and a minimum dwell so the IR lamp and filter never flap. */
#ifndef ANPR_DAYNIGHT_H
#define ANPR_DAYNIGHT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Day: IR-cut filter in, illuminator off. Night: filter out, illuminator on.
 * Night comes when the mean luma stays below night_below for dwell_ms;
 * day comes back when it stays above day_above (with the lamp on, the scene
 * reads brighter, hence the gap) for dwell_ms. Either way a state is held at
 * least dwell_ms. Pure logic: no I/O, no clock of its own.
 */

typedef enum anpr_daynight_mode {
	ANPR_DAYNIGHT_AUTO,
	ANPR_DAYNIGHT_DAY,   /* held */
	ANPR_DAYNIGHT_NIGHT, /* held */
} anpr_daynight_mode;

typedef struct anpr_daynight_cfg {
	anpr_daynight_mode mode;
	int night_below; /* 0..255 */
	int day_above;   /* > night_below */
	int64_t dwell_ms;
} anpr_daynight_cfg;

/* State; the fields are the module's own (a plain struct so it needs no allocation). */
typedef struct anpr_daynight {
	anpr_daynight_cfg cfg;
	bool night;
	bool started;
	int64_t since_ms;   /* entered the current state */
	int64_t crossed_ms; /* brightness has been past the threshold since; -1: it is not */
	uint64_t switches;
} anpr_daynight;

/* Starts in day (lamp off: the safe state). cfg is copied. Cannot fail. */
void anpr_daynight_init(anpr_daynight *d, const anpr_daynight_cfg *cfg);

/* Applies new settings (SIGHUP), keeping the current state. */
void anpr_daynight_reconfigure(anpr_daynight *d, const anpr_daynight_cfg *cfg);

/*
 * Feeds one brightness sample (mean luma 0..255; negative: none, ignored)
 * taken at now_ms (monotonic). Returns true when the state changed, so the
 * caller drives the lines. One thread.
 */
bool anpr_daynight_update(anpr_daynight *d, double mean_luma, int64_t now_ms);

static inline bool anpr_daynight_is_night(const anpr_daynight *d)
{
	return d->night;
}

#endif
