/* SPDX-License-Identifier: MIT */
/* Delivery of stored reads to the back office: batches over mutual TLS with libcurl (docs/back-office-protocol.md). */
#ifndef ANPR_UPLINK_H
#define ANPR_UPLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "spool.h"

/*
 * One thread takes pending reads from the spool and POSTs them in batches;
 * each read acknowledged stored or duplicate is marked delivered, each
 * rejected one quarantined. Reads captured in the last live_window_ms go
 * first; the backlog drains oldest first at backlog_rate reads per second.
 * Failures back off exponentially with full jitter up to backoff_max_s, or
 * as long as the server's Retry-After says. TLS: version 1.2 or later, the
 * server checked against ca_file and its host name, the device's
 * certificate and key presented, no redirects.
 *
 * The thread controlling the uplink calls its functions; the uplink thread
 * uses the spool (whose functions are thread-safe).
 */

typedef struct anpr_uplink anpr_uplink;

typedef struct anpr_uplink_cfg {
	const char *url;       /* back office base URL, https://host[:port]; copied */
	const char *ca_file;   /* pinned CA bundle */
	const char *cert_file; /* device certificate (PEM) */
	const char *key_file;  /* device private key (PEM) */
	const char *device;    /* device id: read ids are <device>-<seq as 12 digits> */
	const char *firmware;  /* for the User-Agent */
	int batch_max;         /* reads per request, 1..64 */
	int backoff_max_s;     /* longest wait between attempts, 1..86400 */
	double backlog_rate;   /* backlog reads per second, > 0 */
	int64_t live_window_ms;
	int connect_timeout_s, timeout_s;
	anpr_spool *spool; /* borrowed; must outlive the uplink */
} anpr_uplink_cfg;

typedef enum anpr_uplink_state {
	ANPR_UPLINK_IDLE, /* nothing to send */
	ANPR_UPLINK_SENDING,
	ANPR_UPLINK_BACKOFF, /* waiting after a failure */
	ANPR_UPLINK_REFUSED, /* 401/403: the certificate is not accepted (alarm) */
} anpr_uplink_state;

typedef struct anpr_uplink_stats {
	anpr_uplink_state state;
	uint64_t requests, batches_ok;
	uint64_t delivered;   /* acknowledged stored */
	uint64_t duplicates;  /* acknowledged duplicate: re-deliveries */
	uint64_t quarantined; /* rejected by the back office (alarm) */
	uint64_t failures;    /* requests that failed (network, 5xx, bad reply) */
	uint64_t gaps_sent;
	int last_http;               /* last HTTP status, 0 for a network error */
	char last_error[128];        /* curl's or the server's words for the last failure */
	int64_t last_success_utc_ms; /* 0: never */
	int64_t backoff_ms;          /* current wait */
} anpr_uplink_stats;

/* cfg is copied. Errors: ANPR_ERR_INVAL, ANPR_ERR_NOMEM, ANPR_ERR_NETWORK (libcurl could not start). */
ANPR_MUST_CHECK anpr_err anpr_uplink_start(const anpr_uplink_cfg *cfg, anpr_uplink **out);

/* A read was stored: send it soon. */
void anpr_uplink_kick(anpr_uplink *u);

/* Tells the back office, with the next batch, about reads it will never get (see spool gaps). */
void anpr_uplink_report_gap(anpr_uplink *u, uint64_t from, uint64_t to, const char *reason);

void anpr_uplink_get_stats(anpr_uplink *u, anpr_uplink_stats *st);

/* Finishes the request in flight (bounded by the timeouts), stops the thread and frees; NULL is fine. */
void anpr_uplink_close(anpr_uplink *u);

/* "idle", "sending", "backoff", "refused". */
const char *anpr_uplink_state_name(anpr_uplink_state s);

#endif
