/* SPDX-License-Identifier: MIT */
/* Monotonic and UTC time in milliseconds, ISO 8601 formatting, and a test offset. */
#ifndef ANPR_CLOCK_H
#define ANPR_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Buffer size for anpr_clock_format_utc(): "2026-11-21T19:40:01.123Z" and NUL. */
#define ANPR_UTC_STRLEN 25

/* Monotonic time (CLOCK_MONOTONIC) in nanoseconds / milliseconds. Any thread. */
int64_t anpr_clock_mono_ns(void);
int64_t anpr_clock_mono_ms(void);

/* Wall-clock time (CLOCK_REALTIME) in milliseconds since the Unix epoch. Any thread. */
int64_t anpr_clock_utc_ms(void);

/*
 * Formats utc_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (at least
 * ANPR_UTC_STRLEN bytes). Returns ANPR_ERR_INVAL if buf is too small and
 * ANPR_ERR_RANGE for a time outside years 1970-9999. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_clock_format_utc(int64_t utc_ms, char *buf, size_t len);

/*
 * Parses exactly the format anpr_clock_format_utc() writes (the milliseconds
 * are optional) into *out_ms. Returns ANPR_ERR_FORMAT for anything else,
 * including impossible dates. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_clock_parse_utc(const char *s, int64_t *out_ms);

/*
 * Shifts both clocks forward by offset_ms, so tests can age data (for
 * example, a seven-day outage) without waiting. 0 restores real time. Any
 * thread; never called by production code paths.
 */
void anpr_clock_set_test_offset_ms(int64_t offset_ms);

/* Sleeps for ms milliseconds of real time, resuming after signals. */
void anpr_clock_sleep_ms(int64_t ms);

#endif
