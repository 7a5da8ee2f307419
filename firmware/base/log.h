/* SPDX-License-Identifier: MIT */
/* Leveled, rate-limited logging to stderr with journald priority prefixes. */
#ifndef ANPR_LOG_H
#define ANPR_LOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Levels are syslog priorities, so a level is also the <N> prefix journald reads.
 *
 * Plate text (VRMs, OCR strings) is personal data: log it only with
 * ANPR_LOGD. tools/check-plate-logging.sh enforces this in make test.
 */
typedef enum anpr_log_level {
	ANPR_LOG_ERROR = 3,
	ANPR_LOG_WARN = 4,
	ANPR_LOG_INFO = 6,
	ANPR_LOG_DEBUG = 7,
} anpr_log_level;

typedef enum anpr_log_format {
	ANPR_LOG_FORMAT_AUTO,    /* journal when JOURNAL_STREAM is set, else console */
	ANPR_LOG_FORMAT_JOURNAL, /* "<6>tag: message" */
	ANPR_LOG_FORMAT_CONSOLE, /* "2026-11-21T19:40:01.123Z I tag: message" */
} anpr_log_format;

/* Per-call-site state for rate limiting; ANPR_LOGx macros define one each. */
typedef struct anpr_log_site {
	int64_t window_start_ms;
	unsigned emitted;
	unsigned suppressed;
} anpr_log_site;

/*
 * Receives each finished line (with its trailing newline). The default sink
 * writes it to stderr in one write(). Called with the log lock held: a sink
 * must not log.
 */
typedef void (*anpr_log_sink)(void *ctx, anpr_log_level level, const char *line, size_t len);

/* Messages above this level are dropped before formatting. */
extern _Atomic int anpr_log_threshold;

/* Setters: call from the main thread before starting others (or under SIGHUP reload). */
void anpr_log_set_level(anpr_log_level level);
void anpr_log_set_format(anpr_log_format format);
/* NULL sink restores stderr. */
void anpr_log_set_sink(anpr_log_sink sink, void *ctx);
/* At most burst lines per call site every window_ms; 0 burst disables limiting. */
void anpr_log_set_rate_limit(unsigned burst, int64_t window_ms);

/* Parses "error", "warn", "info" or "debug". Returns ANPR_ERR_INVAL otherwise. */
ANPR_MUST_CHECK anpr_err anpr_log_level_parse(const char *name, anpr_log_level *out);
const char *anpr_log_level_name(anpr_log_level level);

/*
 * Formats and emits one line. Control characters in the message are replaced
 * by '?', so untrusted text cannot forge log lines; messages longer than
 * ANPR_LOG_LINE_MAX are cut with "...". Any thread.
 */
#define ANPR_LOG_LINE_MAX 1024
void anpr_log_write(anpr_log_site *site, anpr_log_level level, const char *tag, const char *fmt, ...)
    ANPR_PRINTF(4, 5);

#ifndef ANPR_LOG_TAG
#define ANPR_LOG_TAG "anpr"
#endif

#define ANPR_LOG_AT(level, ...)                                                                        \
	do {                                                                                           \
		if ((int)(level) <= atomic_load_explicit(&anpr_log_threshold, memory_order_relaxed)) { \
			static anpr_log_site anpr_log_site_;                                           \
			anpr_log_write(&anpr_log_site_, (level), ANPR_LOG_TAG, __VA_ARGS__);           \
		}                                                                                      \
	} while (0)

/*
 * An event line that is never rate-limited, at info level: one per thing the
 * unit must account for (a read stored). Never for anything that can repeat
 * in a loop.
 */
#define ANPR_EVENT(...)                                                                                    \
	do {                                                                                               \
		if ((int)ANPR_LOG_INFO <= atomic_load_explicit(&anpr_log_threshold, memory_order_relaxed)) \
			anpr_log_write(NULL, ANPR_LOG_INFO, ANPR_LOG_TAG, __VA_ARGS__);                    \
	} while (0)

#define ANPR_LOGE(...) ANPR_LOG_AT(ANPR_LOG_ERROR, __VA_ARGS__)
#define ANPR_LOGW(...) ANPR_LOG_AT(ANPR_LOG_WARN, __VA_ARGS__)
#define ANPR_LOGI(...) ANPR_LOG_AT(ANPR_LOG_INFO, __VA_ARGS__)
#define ANPR_LOGD(...) ANPR_LOG_AT(ANPR_LOG_DEBUG, __VA_ARGS__)

#endif
