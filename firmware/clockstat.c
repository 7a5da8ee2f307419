/* SPDX-License-Identifier: MIT */
/* Whether the unit's clock can be trusted: the kernel's NTP discipline state, as chrony or timesyncd leave it. */
#include "clockstat.h"

#include <string.h>
#include <sys/timex.h>

void anpr_clockstat_read(anpr_clock_state *st)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx); /* modes 0: read only */
	st->synchronised = state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	st->source = st->synchronised ? "ntp" : "none";
	st->est_error_ms = state >= 0 ? (double)tx.esterror / 1000.0 : -1.0;
	st->max_error_ms = state >= 0 ? (double)tx.maxerror / 1000.0 : -1.0;
}
