/* SPDX-License-Identifier: MIT */
/* Whether the unit's clock can be trusted: the kernel's NTP discipline state, as chrony or timesyncd leave it. */
#include "clockstat.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>

/* The sync daemon, from the files each leaves behind (root: "" for the real system). */
static const char *which_daemon(const char *root)
{
	static const struct {
		const char *path, *name;
	} marks[] = {
		{ "/run/systemd/timesync/synchronized", "timesyncd" },
		{ "/run/chrony/chronyd.pid", "chrony" },
		{ "/run/ntpd.pid", "ntpd" },
	};
	char p[512];
	struct stat sb;

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", root, marks[i].path);
		if (stat(p, &sb) == 0)
			return marks[i].name;
	}
	return "none";
}

bool anpr_clockstat_rtc_present(const char *path)
{
	struct stat sb;

	return path && path[0] && stat(path, &sb) == 0 && S_ISCHR(sb.st_mode);
}

void anpr_clockstat_read(anpr_clock_state *st)
{
	anpr_clockstat_read_at("", st);
}

void anpr_clockstat_read_at(const char *root, anpr_clock_state *st)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx); /* modes 0: read only */
	st->synchronised = state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	st->source = st->synchronised ? "ntp" : "none";
	st->est_error_ms = state >= 0 ? (double)tx.esterror / 1000.0 : -1.0;
	st->max_error_ms = state >= 0 ? (double)tx.maxerror / 1000.0 : -1.0;
	/* offset is in microseconds, or nanoseconds when the kernel runs with STA_NANO. */
	st->offset_ms = state < 0 ? 0.0 : (double)tx.offset / ((tx.status & STA_NANO) ? 1e6 : 1e3);
	st->daemon = which_daemon(root);
}
