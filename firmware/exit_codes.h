/* SPDX-License-Identifier: MIT */
/* anprd's documented exit statuses (sysexits-style; systemd and scripts rely on them). */
#ifndef ANPR_EXIT_CODES_H
#define ANPR_EXIT_CODES_H

enum {
	ANPR_EXIT_OK = 0,
	ANPR_EXIT_FAILURE = 1,      /* a runtime failure after start-up */
	ANPR_EXIT_USAGE = 64,       /* bad command line */
	ANPR_EXIT_UNAVAILABLE = 69, /* a required service or device is missing */
	ANPR_EXIT_SOFTWARE = 70,    /* internal error */
	ANPR_EXIT_CONFIG = 78,      /* configuration error; the message names file:line */
};

#endif
