/* SPDX-License-Identifier: MIT */
/* The back-office simulator: a mutual-TLS HTTPS server for POST /v1/reads and GET /v1/health, with faults. */
#ifndef ANPR_BOFSIM_H
#define ANPR_BOFSIM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define ANPR_BOFSIM_BODY_MAX (8 * 1024 * 1024) /* a larger request body is answered 413 */
#define ANPR_BOFSIM_MAX_CONNECTIONS 64         /* concurrent connections, one thread each */
#define ANPR_BOFSIM_HUGE_REPLY (3 << 20)       /* --reply-huge's body: past a unit's 1 MiB cap */

/* Options (bofsim_cfg.c fills them from the command line). Strings are borrowed. */
typedef struct anpr_bofsim_cfg {
	const char *host;           /* listen address */
	const char *port;           /* listen port; "0" picks one */
	const char *cert;           /* server certificate chain, PEM */
	const char *key;            /* server private key, PEM */
	const char *ca;             /* CA bundle that client (device) certificates must chain to */
	const char *db;             /* SQLite database path */
	const char *report;         /* JSON report path, or NULL */
	bool refuse;                /* close every connection right after accept */
	bool reject_all;            /* answer every request 401 */
	double fail_500;            /* probability of answering a batch 500 without looking at it */
	double fail_429;            /* probability of answering a batch 429 */
	unsigned retry_after;       /* Retry-After seconds with 429 (0: no header) */
	unsigned slow_ms;           /* delay before each response */
	double drop_after_store;    /* probability of storing a batch, then closing without an answer */
	double reply_garbage;       /* ... of storing it, then a 200 whose body is not JSON */
	double reply_huge;          /* ... then a 200 of ANPR_BOFSIM_HUGE_REPLY bytes of JSON */
	double reply_wrong_ids;     /* ... then a 200 for ids not sent, and one that was */
	double reply_partial;       /* ... then a 200 for only half of the batch's reads */
	uint64_t seed;              /* for the fault probabilities */
	unsigned idle_timeout_s;    /* a keep-alive connection idle this long is closed */
	unsigned request_timeout_s; /* a request (head and body) must arrive within this */
	unsigned verify_threads;    /* threads checking a batch, the connection's own included; 0: CPUs */
} anpr_bofsim_cfg;

typedef struct anpr_bofsim anpr_bofsim;

/*
 * Loads the certificates and key, opens the database and binds the listening
 * socket. Errors: ANPR_ERR_CONFIG (certificate, key or CA unusable),
 * ANPR_ERR_IO (database), ANPR_ERR_NETWORK (cannot listen), ANPR_ERR_CRYPTO,
 * ANPR_ERR_NOMEM; diag says which and why. cfg is copied (its strings must
 * outlive the server). The caller owns *out. Main thread.
 */
ANPR_MUST_CHECK anpr_err anpr_bofsim_open(const anpr_bofsim_cfg *cfg, anpr_bofsim **out, char *diag,
					  size_t diag_len);

/* The port it listens on (useful with port 0). */
unsigned anpr_bofsim_port(const anpr_bofsim *s);

/*
 * Accepts and serves connections, one thread each, until *stop becomes
 * non-zero (a signal handler sets it); then closes every connection and
 * joins its thread. Writes the report every second when cfg.report is set.
 * Errors: ANPR_ERR_NETWORK (accepting failed for good). Main thread.
 */
ANPR_MUST_CHECK anpr_err anpr_bofsim_run(anpr_bofsim *s, volatile sig_atomic_t *stop);

/* Writes the counters as one JSON object and a newline. Any thread. */
void anpr_bofsim_write_report(anpr_bofsim *s, FILE *out);

/* Writes the report to cfg.report (atomically, by rename); no-op without one. Any thread. */
ANPR_MUST_CHECK anpr_err anpr_bofsim_save_report(anpr_bofsim *s);

/* Closes the socket and database and frees the server; accepts NULL. Main thread, after run returned. */
void anpr_bofsim_close(anpr_bofsim *s);

#endif
