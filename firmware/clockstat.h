/* SPDX-License-Identifier: MIT */
/* Whether the unit's clock can be trusted: the kernel's NTP discipline state, as chrony or timesyncd leave it. */
#ifndef ANPR_CLOCKSTAT_H
#define ANPR_CLOCKSTAT_H

#include <stdbool.h>

/*
 * Every read carries the clock state at capture so the back office can tell
 * an evidential time from a guess. chrony, ntpd and systemd-timesyncd all
 * clear the kernel's STA_UNSYNC flag once synchronised and keep its error
 * estimates current; adjtimex(2) reads them without privileges.
 */

typedef struct anpr_clock_state {
	bool synchronised;
	const char *source;  /* "ntp" when synchronised, else "none" (static string) */
	double est_error_ms; /* kernel's estimated error; -1 when unknown */
	double max_error_ms; /* kernel's maximum error bound; -1 when unknown */
	double offset_ms;    /* kernel PLL's last offset (system clock minus the reference); 0 when unknown */
	/*
	 * Which daemon disciplines the clock, without running any program:
	 * "timesyncd" (it touches /run/systemd/timesync/synchronized once
	 * synchronised), "chrony" or "ntpd" (their pid files), else "none".
	 * Static string.
	 */
	const char *daemon;
} anpr_clock_state;

/* Reads the current state. Any thread. Never fails: an unreadable state is reported unsynchronised. */
void anpr_clockstat_read(anpr_clock_state *st);

/*
 * As anpr_clockstat_read(), with the files it looks at under root instead of
 * "/" (tests). Any thread.
 */
void anpr_clockstat_read_at(const char *root, anpr_clock_state *st);

/* Whether a real-time clock device exists at path (a character device, e.g. /dev/rtc0). Any thread. */
bool anpr_clockstat_rtc_present(const char *path);

#endif
