/* SPDX-License-Identifier: MIT */
/* Splits an engineer's command line into words: blanks separate, quotes group, nothing is expanded. */
#ifndef ANPR_CMDLINE_H
#define ANPR_CMDLINE_H

#include <stddef.h>

#include "err.h"

#define ANPR_CMDLINE_MAX_ARGS 16
#define ANPR_CMDLINE_MAX_LEN 256

/*
 * The words of one line, copied into words' own storage. No variable,
 * glob, pipe or redirection syntax exists: the only special bytes are blanks
 * (space, tab), '...' (taken literally) and "..." (in which \" and \\
 * escape). Plain data; the argv pointers point into buf.
 */
typedef struct anpr_cmdline {
	int argc;
	char *argv[ANPR_CMDLINE_MAX_ARGS + 1]; /* NULL-terminated */
	char buf[ANPR_CMDLINE_MAX_LEN + ANPR_CMDLINE_MAX_ARGS + 1];
} anpr_cmdline;

/*
 * Splits line[0..len) into out. Errors: ANPR_ERR_TOO_BIG (longer than
 * ANPR_CMDLINE_MAX_LEN or more than ANPR_CMDLINE_MAX_ARGS words),
 * ANPR_ERR_FORMAT (an unclosed quote, a control or non-ASCII byte); diag
 * gets one sentence for the engineer. An empty line gives argc 0. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_cmdline_split(const char *line, size_t len, anpr_cmdline *out, char *diag,
					    size_t diag_len);

/*
 * Parses a whole decimal number in [min, max] (no sign unless min < 0, no
 * blanks, no leading zeros beyond "0"). Returns ANPR_ERR_INVAL or ANPR_ERR_RANGE.
 */
ANPR_MUST_CHECK anpr_err anpr_cmdline_number(const char *s, long min, long max, long *out);

#endif
