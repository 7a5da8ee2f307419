/* SPDX-License-Identifier: MIT */
/* The hardware watchdog: /dev/watchdog, or a simulation that records feeds and says when the board would reset. */
#ifndef ANPR_WATCHDOG_H
#define ANPR_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/*
 * Once opened the watchdog counts down timeout_s; each feed starts it again.
 * If it reaches zero the board resets. anprd feeds it only while the
 * pipeline is healthy (firmware/health.h), so a hung pipeline resets the
 * unit. Closing cleanly (the magic 'V') disarms it; any other exit leaves it
 * armed, so a crash still ends in a reset.
 *
 * The simulation runs a checker thread that plays the hardware: a gap
 * between feeds longer than the timeout counts as a missed feed, and the
 * first one is logged as the reset that would have happened. Its record
 * goes to sim_file (see anpr_watchdog_stats) for tests, on each change and
 * once a second: "timeout_s=", "feeds=", "missed=", "max_gap_ms=",
 * "would_reset=0|1", "state=armed|expired|disarmed" lines.
 */

typedef struct anpr_watchdog anpr_watchdog;

typedef enum anpr_watchdog_backend {
	ANPR_WATCHDOG_NONE,
	ANPR_WATCHDOG_SIM,
	ANPR_WATCHDOG_DEV,
} anpr_watchdog_backend;

typedef struct anpr_watchdog_cfg {
	anpr_watchdog_backend backend;
	const char *device;   /* DEV: "/dev/watchdog" */
	int timeout_s;        /* 1..600; DEV: the driver may round it, the value used is logged */
	const char *sim_file; /* SIM: record file, rewritten on each change; NULL or "" for none */
} anpr_watchdog_cfg;

typedef struct anpr_watchdog_stats {
	int timeout_s; /* in force */
	uint64_t feeds;
	uint64_t missed;    /* gaps between feeds longer than the timeout (SIM) */
	int64_t max_gap_ms; /* longest time between two feeds, or open and the first feed */
	bool would_reset;   /* SIM: the timeout ran out at least once */
	bool armed;         /* false after a clean close or with backend NONE */
} anpr_watchdog_stats;

/*
 * Opens and arms the watchdog with cfg's timeout. NONE gives a handle whose
 * feeds do nothing. Errors: ANPR_ERR_NOT_FOUND, ANPR_ERR_PERMISSION,
 * ANPR_ERR_IO (logged), ANPR_ERR_INVAL, ANPR_ERR_NOMEM. The caller owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_watchdog_open(const anpr_watchdog_cfg *cfg, anpr_watchdog **out);

/* Restarts the countdown (WDIOC_KEEPALIVE). ANPR_ERR_IO when the device refuses. */
ANPR_MUST_CHECK anpr_err anpr_watchdog_feed(anpr_watchdog *w);

void anpr_watchdog_get_stats(anpr_watchdog *w, anpr_watchdog_stats *st);

/*
 * Closes: clean writes the magic 'V' first so the board does not reset
 * (orderly shutdown of a healthy daemon); otherwise the countdown goes on.
 * NULL is fine.
 */
void anpr_watchdog_close(anpr_watchdog *w, bool clean);

/* One thread calls open, feed and close (anprd: the main thread's supervisor); get_stats any thread. */

#endif
