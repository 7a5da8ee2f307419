/* SPDX-License-Identifier: MIT */
/* The engineer audit trail: one fsynced, append-only line per login, failure, lockout and command. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct anpr_audit {
	int fd;
};

anpr_err anpr_audit_open(const char *path, anpr_audit **out, char *diag, size_t diag_len)
{
	anpr_audit *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return ANPR_ERR_NOMEM;
	a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (a->fd < 0) {
		snprintf(diag, diag_len, "%s: cannot open the audit trail: %s", path, strerror(errno));
		free(a);
		return ANPR_ERR_IO;
	}
	*out = a;
	return ANPR_ERR_OK;
}

void anpr_audit_close(anpr_audit *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}

static size_t put_word(char *dst, size_t cap, const char *s)
{
	size_t o = 0;

	if (!s || !*s)
		s = "-";
	for (; *s && o + 1 < cap && o < 48; s++) {
		unsigned char c = (unsigned char)*s;
		dst[o++] = (c > 0x20 && c < 0x7f && c != '"' && c != '=') ? (char)c : '?';
	}
	dst[o] = '\0';
	return o;
}

anpr_err anpr_audit_write(anpr_audit *a, const char *user, const char *role, const char *event,
			  const char *text, const char *result)
{
	char line[512], u[64], r[64], e[64], res[64], t[2 * ANPR_AUDIT_TEXT_MAX + 8];
	struct timespec ts;
	struct tm tm;
	size_t o = 0;

	if (!a)
		return ANPR_ERR_IO;
	put_word(u, sizeof(u), user);
	put_word(r, sizeof(r), role);
	put_word(e, sizeof(e), event);
	put_word(res, sizeof(res), result);
	if (text) {
		size_t n = strlen(text);
		t[o++] = '"';
		for (size_t i = 0; i < n && i < ANPR_AUDIT_TEXT_MAX; i++) {
			unsigned char c = (unsigned char)text[i];
			if (c == '"' || c == '\\')
				t[o++] = '\\';
			t[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		}
		if (n > ANPR_AUDIT_TEXT_MAX) {
			memcpy(t + o, "...", 3);
			o += 3;
		}
		t[o++] = '"';
	} else {
		t[o++] = '-';
	}
	t[o] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line),
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ user=%s role=%s event=%s text=%s result=%s\n",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000, u, r, e, t, res);
	if (n < 0 || (size_t)n >= sizeof(line))
		return ANPR_ERR_INTERNAL;
	ssize_t w;
	do {
		w = write(a->fd, line, (size_t)n);
	} while (w < 0 && errno == EINTR);
	if (w != n || fsync(a->fd) != 0)
		return ANPR_ERR_IO;
	return ANPR_ERR_OK;
}
