/* SPDX-License-Identifier: MIT */
/* Splits an engineer's command line into words: blanks separate, quotes group, nothing is expanded. */
#include "cmdline.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

anpr_err anpr_cmdline_split(const char *line, size_t len, anpr_cmdline *out, char *diag, size_t diag_len)
{
	size_t o = 0;
	char quote = 0;
	bool in_word = false;

	memset(out, 0, sizeof(*out));
	if (len > ANPR_CMDLINE_MAX_LEN) {
		snprintf(diag, diag_len, "line too long (at most %d characters)", ANPR_CMDLINE_MAX_LEN);
		return ANPR_ERR_TOO_BIG;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\t')
			c = ' ';
		if (c < 0x20 || c >= 0x7f) {
			snprintf(diag, diag_len, "character %zu is not plain text", i + 1);
			return ANPR_ERR_FORMAT;
		}
		if (!quote && c == ' ') {
			if (in_word) {
				out->buf[o++] = '\0';
				in_word = false;
			}
			continue;
		}
		if (!in_word) {
			if (out->argc == ANPR_CMDLINE_MAX_ARGS) {
				snprintf(diag, diag_len, "too many words (at most %d)",
					 ANPR_CMDLINE_MAX_ARGS);
				return ANPR_ERR_TOO_BIG;
			}
			out->argv[out->argc++] = out->buf + o;
			in_word = true;
		}
		if (quote) {
			if (c == (unsigned char)quote) {
				quote = 0;
				continue;
			}
			if (quote == '"' && c == '\\' && i + 1 < len &&
			    (line[i + 1] == '"' || line[i + 1] == '\\'))
				c = (unsigned char)line[++i];
		} else if (c == '"' || c == '\'') {
			quote = (char)c;
			continue;
		}
		out->buf[o++] = (char)c;
	}
	if (quote) {
		snprintf(diag, diag_len, "unclosed %s quote", quote == '"' ? "double" : "single");
		return ANPR_ERR_FORMAT;
	}
	out->buf[o] = '\0';
	out->argv[out->argc] = NULL;
	return ANPR_ERR_OK;
}

anpr_err anpr_cmdline_number(const char *s, long min, long max, long *out)
{
	long v = 0;
	bool neg = false;
	size_t i = 0, n = strlen(s);

	if (n == 0 || n > 12)
		return ANPR_ERR_INVAL;
	if (s[0] == '-' && min < 0) {
		neg = true;
		i = 1;
	}
	if (i == n || (s[i] == '0' && n > i + 1))
		return ANPR_ERR_INVAL;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ANPR_ERR_INVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return ANPR_ERR_RANGE;
	*out = v;
	return ANPR_ERR_OK;
}
