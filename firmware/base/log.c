/* SPDX-License-Identifier: MIT */
/* Log formatting, rate limiting per call site, and the stderr sink. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

_Atomic int anpr_log_threshold = ANPR_LOG_INFO;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static anpr_log_format format = ANPR_LOG_FORMAT_AUTO;
static anpr_log_sink sink;
static void *sink_ctx;
static unsigned burst = 5;
static int64_t window_ms = 10000;

void anpr_log_set_level(anpr_log_level level)
{
	atomic_store(&anpr_log_threshold, (int)level);
}

void anpr_log_set_format(anpr_log_format f)
{
	pthread_mutex_lock(&lock);
	format = f;
	pthread_mutex_unlock(&lock);
}

void anpr_log_set_sink(anpr_log_sink s, void *ctx)
{
	pthread_mutex_lock(&lock);
	sink = s;
	sink_ctx = ctx;
	pthread_mutex_unlock(&lock);
}

void anpr_log_set_rate_limit(unsigned b, int64_t w)
{
	pthread_mutex_lock(&lock);
	burst = b;
	window_ms = w;
	pthread_mutex_unlock(&lock);
}

static const struct {
	const char *name;
	anpr_log_level level;
} level_names[] = {
	{ "error", ANPR_LOG_ERROR },
	{ "warn", ANPR_LOG_WARN },
	{ "info", ANPR_LOG_INFO },
	{ "debug", ANPR_LOG_DEBUG },
};

anpr_err anpr_log_level_parse(const char *name, anpr_log_level *out)
{
	for (size_t i = 0; name && i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i].name) == 0) {
			*out = level_names[i].level;
			return ANPR_ERR_OK;
		}
	}
	return ANPR_ERR_INVAL;
}

const char *anpr_log_level_name(anpr_log_level level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i].level == level)
			return level_names[i].name;
	return "?";
}

static char level_letter(anpr_log_level level)
{
	switch (level) {
	case ANPR_LOG_ERROR:
		return 'E';
	case ANPR_LOG_WARN:
		return 'W';
	case ANPR_LOG_INFO:
		return 'I';
	case ANPR_LOG_DEBUG:
		return 'D';
	}
	return '?';
}

static void stderr_sink(const char *line, size_t len)
{
	/* One write() per line keeps lines from different threads and processes whole. */
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		line += n;
		len -= (size_t)n;
	}
}

#define PREFIX_MAX 128 /* timestamp, level and tag */
#define NOTE_MAX 64    /* the "similar messages suppressed" note */

/* Writes the line prefix for the active format; returns its length. */
static size_t prefix(char *buf, size_t cap, anpr_log_level level, const char *tag)
{
	anpr_log_format f = format;
	int n;

	if (f == ANPR_LOG_FORMAT_AUTO) {
		const char *js = getenv("JOURNAL_STREAM");
		f = js && *js ? ANPR_LOG_FORMAT_JOURNAL : ANPR_LOG_FORMAT_CONSOLE;
	}
	if (f == ANPR_LOG_FORMAT_JOURNAL) {
		n = snprintf(buf, cap, "<%d>%s: ", (int)level, tag);
	} else {
		char ts[ANPR_UTC_STRLEN];
		if (anpr_clock_format_utc(anpr_clock_utc_ms(), ts, sizeof(ts)) != ANPR_ERR_OK)
			strcpy(ts, "0000-00-00T00:00:00.000Z");
		n = snprintf(buf, cap, "%s %c %s: ", ts, level_letter(level), tag);
	}
	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

static void emit(anpr_log_level level, const char *line, size_t len)
{
	if (sink)
		sink(sink_ctx, level, line, len);
	else
		stderr_sink(line, len);
}

/* Applies the per-site limit; returns how many earlier lines were suppressed, or -1 to drop. */
static long rate_limit(anpr_log_site *site)
{
	if (burst == 0)
		return 0;

	int64_t now = anpr_clock_mono_ms();
	long reported = 0;

	if (site->window_start_ms == 0 || now - site->window_start_ms >= window_ms) {
		reported = site->suppressed;
		site->window_start_ms = now;
		site->emitted = 0;
		site->suppressed = 0;
	}
	if (site->emitted >= burst) {
		site->suppressed++;
		return -1;
	}
	site->emitted++;
	return reported;
}

void anpr_log_write(anpr_log_site *site, anpr_log_level level, const char *tag, const char *fmt, ...)
{
	/* Room for the prefix, the message, a suppression note and the newline. */
	char line[PREFIX_MAX + ANPR_LOG_LINE_MAX + NOTE_MAX + 1];
	int saved_errno = errno;

	pthread_mutex_lock(&lock);
	long suppressed = site ? rate_limit(site) : 0;
	if (suppressed < 0)
		goto out;

	size_t len = prefix(line, PREFIX_MAX, level, tag);
	size_t msg_start = len;
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line + len, ANPR_LOG_LINE_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= ANPR_LOG_LINE_MAX) {
		n = ANPR_LOG_LINE_MAX - 1;
		memcpy(line + len + n - 3, "...", 3);
	}
	len += (size_t)n;
	for (size_t i = msg_start; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 || c == 0x7f)
			line[i] = '?';
	}
	if (suppressed > 0) {
		n = snprintf(line + len, NOTE_MAX, " (%ld similar messages suppressed)", suppressed);
		len += n > 0 && n < NOTE_MAX ? (size_t)n : 0;
	}
	line[len++] = '\n';
	emit(level, line, len);
out:
	pthread_mutex_unlock(&lock);
	errno = saved_errno;
}
