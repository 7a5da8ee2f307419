/* SPDX-License-Identifier: MIT */
/* Parsing the back office's per-read acknowledgement (docs/back-office-protocol.md). */
#ifndef ANPR_ACK_H
#define ANPR_ACK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * The body of a 200 answer to POST /v1/reads:
 *   {"results": [{"id": "...", "status": "stored|duplicate|rejected", "error": "..."}, ...]}
 * The reply comes from the network, so it is untrusted: the parser is strict
 * JSON (RFC 8259) with caps on size, depth and string length, skips members
 * it does not know, and never trusts an id it did not send (the caller
 * matches ids to its batch).
 */

#define ANPR_ACK_MAX_BODY (1024 * 1024)
#define ANPR_ACK_ID_BUF 128
#define ANPR_ACK_ERROR_BUF 128

typedef enum anpr_ack_status {
	ANPR_ACK_STORED,
	ANPR_ACK_DUPLICATE,
	ANPR_ACK_REJECTED,
	ANPR_ACK_UNKNOWN, /* a status this firmware does not know: treated as not acknowledged */
} anpr_ack_status;

typedef struct anpr_ack {
	char id[ANPR_ACK_ID_BUF];
	anpr_ack_status status;
	char error[ANPR_ACK_ERROR_BUF]; /* the back office's reason for a rejection, truncated; "" if none */
} anpr_ack;

/*
 * Parses body (len bytes, not NUL-terminated) into up to max results and
 * their count into *n (results past max are counted in *n but not
 * written). Errors: ANPR_ERR_FORMAT (not the documented shape, or not
 * JSON), ANPR_ERR_TOO_BIG (over ANPR_ACK_MAX_BODY). Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_ack_parse(const char *body, size_t len, anpr_ack *out, size_t max, size_t *n);

#endif
