/* SPDX-License-Identifier: MIT */
/* Client side of the anprd control protocol (docs/control-protocol.md): one JSON line each way. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"

#define JSON_DEPTH 16

struct anpr_ctl {
	int fd;
	int64_t next_id;
	char firmware[64], device[72];
	char *buf; /* received, not yet consumed */
	size_t len, cap;
	int64_t cancelled; /* a cancel request whose answer is to be dropped */
};

int anpr_ctl_fd(const anpr_ctl *c)
{
	return c->fd;
}

const char *anpr_ctl_firmware(const anpr_ctl *c)
{
	return c->firmware;
}

const char *anpr_ctl_device(const anpr_ctl *c)
{
	return c->device;
}

/* Reads one whole line into a new parsed value, waiting up to deadline (monotonic ms). */
static anpr_err read_line(anpr_ctl *c, int64_t deadline, anpr_json **out)
{
	*out = NULL;
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			anpr_err err = anpr_json_parse(c->buf, n, JSON_DEPTH, out);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return err ? ANPR_ERR_FORMAT : ANPR_ERR_OK;
		}
		if (c->len >= ANPR_CTL_MAX_LINE)
			return ANPR_ERR_TOO_BIG;
		if (c->cap - c->len < 4096) {
			size_t ncap = c->cap ? c->cap * 2 : 16384;
			if (ncap > ANPR_CTL_MAX_LINE + 4096)
				ncap = ANPR_CTL_MAX_LINE + 4096;
			char *nb = realloc(c->buf, ncap);
			if (!nb)
				return ANPR_ERR_NOMEM;
			c->buf = nb;
			c->cap = ncap;
		}
		int64_t left = deadline - anpr_clock_mono_ms();
		if (left <= 0)
			return ANPR_ERR_TIMEOUT;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			return ANPR_ERR_TIMEOUT; /* a signal (Ctrl-C in -c mode): let the caller look */
		if (r < 0)
			return ANPR_ERR_IO;
		if (r == 0)
			return ANPR_ERR_TIMEOUT;
		ssize_t got = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0)
			return ANPR_ERR_IO;
		if (got == 0)
			return ANPR_ERR_CLOSED;
		c->len += (size_t)got;
	}
}

anpr_err anpr_ctl_open(const char *path, int timeout_ms, anpr_ctl **out, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_OK;
	anpr_ctl *c = NULL;
	anpr_json *hello = NULL;
	struct sockaddr_un sa;

	*out = NULL;
	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(diag, diag_len, "no control socket configured");
		return ANPR_ERR_NOT_FOUND;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return ANPR_ERR_NOMEM;
	c->next_id = 1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = ANPR_ERR_IO;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		snprintf(diag, diag_len, "%s: %s", path, strerror(e));
		err = (e == ENOENT || e == ECONNREFUSED) ? ANPR_ERR_NOT_FOUND
		      : (e == EACCES || e == EPERM)      ? ANPR_ERR_PERMISSION
							 : ANPR_ERR_IO;
		goto out;
	}
	err = read_line(c, anpr_clock_mono_ms() + timeout_ms, &hello);
	if (err) {
		snprintf(diag, diag_len, "%s: no greeting from anprd (%s)", path, anpr_strerror(err));
		goto out;
	}
	if (!anpr_json_get(hello, "hello")) {
		const char *m = anpr_ctl_str(hello, "error.message");
		snprintf(diag, diag_len, "anprd refused: %.120s", m ? m : "no hello");
		err = anpr_ctl_path(hello, "error") ? ANPR_ERR_PERMISSION : ANPR_ERR_FORMAT;
		goto out;
	}
	const char *fw = anpr_ctl_str(hello, "hello.firmware");
	const char *dev = anpr_ctl_str(hello, "hello.device");
	snprintf(c->firmware, sizeof(c->firmware), "%s", fw ? fw : "");
	snprintf(c->device, sizeof(c->device), "%s", dev ? dev : "");
	*out = c;
	c = NULL;
out:
	anpr_json_free(hello);
	anpr_ctl_close(c);
	return err;
}

void anpr_ctl_close(anpr_ctl *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

anpr_err anpr_ctl_send(anpr_ctl *c, const char *cmd, const char *args_json, int64_t *id)
{
	char line[4096];
	int64_t my = c->next_id++;
	int n = snprintf(line, sizeof(line), "{\"id\":%lld,\"cmd\":\"%s\",\"args\":%s}\n", (long long)my, cmd,
			 args_json ? args_json : "{}");

	if (n < 0 || (size_t)n >= sizeof(line))
		return ANPR_ERR_TOO_BIG;
	size_t done = 0;
	while (done < (size_t)n) {
		ssize_t w = send(c->fd, line + done, (size_t)n - done, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ANPR_ERR_CLOSED;
		done += (size_t)w;
	}
	if (id)
		*id = my;
	return ANPR_ERR_OK;
}

anpr_err anpr_ctl_next(anpr_ctl *c, int64_t id, int timeout_ms, anpr_json **msg, bool *final)
{
	int64_t deadline = anpr_clock_mono_ms() + timeout_ms;

	*msg = NULL;
	for (;;) {
		anpr_json *m = NULL;
		anpr_err err = read_line(c, deadline, &m);
		if (err)
			return err;
		const anpr_json *jid = anpr_json_get(m, "id");
		if (!jid || jid->type != ANPR_JSON_NUMBER || !jid->is_int) {
			anpr_json_free(m);
			return ANPR_ERR_FORMAT;
		}
		if (jid->integer != id) {
			/* Answers to our cancel requests, or anything stale: not this caller's. */
			anpr_json_free(m);
			continue;
		}
		*final = anpr_json_get(m, "ok") != NULL;
		*msg = m;
		return ANPR_ERR_OK;
	}
}

anpr_err anpr_ctl_call(anpr_ctl *c, const char *cmd, const char *args_json, int timeout_ms, anpr_json **reply,
		       char *diag, size_t diag_len)
{
	int64_t id;
	anpr_json *m = NULL;
	bool final = false, ok = false;
	anpr_err err;

	*reply = NULL;
	err = anpr_ctl_send(c, cmd, args_json, &id);
	if (err)
		return err;
	int64_t deadline = anpr_clock_mono_ms() + timeout_ms;
	while (!final) {
		anpr_json_free(m);
		m = NULL;
		int64_t left = deadline - anpr_clock_mono_ms();
		err = anpr_ctl_next(c, id, left > 0 ? (int)left : 0, &m, &final);
		if (err) {
			snprintf(diag, diag_len, "anprd did not answer '%s' (%s)", cmd, anpr_strerror(err));
			return err;
		}
	}
	if (!anpr_ctl_bool(m, "ok", &ok) || !ok) {
		const char *msg = anpr_ctl_str(m, "error.message");
		double code = 0;
		snprintf(diag, diag_len, "%.200s", msg ? msg : "anprd refused the request");
		err = ANPR_ERR_INVAL;
		if (anpr_ctl_num(m, "error.code", &code) && code > 0 && code <= ANPR_ERR_INTERNAL)
			err = (anpr_err)code;
		anpr_json_free(m);
		return err;
	}
	*reply = m;
	return ANPR_ERR_OK;
}

anpr_err anpr_ctl_cancel(anpr_ctl *c, int64_t id)
{
	char args[64];

	snprintf(args, sizeof(args), "{\"target\":%lld}", (long long)id);
	return anpr_ctl_send(c, "cancel", args, &c->cancelled);
}

const anpr_json *anpr_ctl_path(const anpr_json *v, const char *path)
{
	char part[64];

	while (v && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		v = anpr_json_get(v, part);
		path += n + (dot ? 1 : 0);
	}
	return v;
}

const char *anpr_ctl_str(const anpr_json *v, const char *path)
{
	v = anpr_ctl_path(v, path);
	return v && v->type == ANPR_JSON_STRING ? v->string : NULL;
}

bool anpr_ctl_num(const anpr_json *v, const char *path, double *out)
{
	v = anpr_ctl_path(v, path);
	if (!v || v->type != ANPR_JSON_NUMBER)
		return false;
	*out = v->number;
	return true;
}

bool anpr_ctl_bool(const anpr_json *v, const char *path, bool *out)
{
	v = anpr_ctl_path(v, path);
	if (!v || v->type != ANPR_JSON_BOOL)
		return false;
	*out = v->boolean;
	return true;
}
