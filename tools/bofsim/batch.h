/* SPDX-License-Identifier: MIT */
/* The POST /v1/reads request body (docs/back-office-protocol.md): a batch of read envelopes and known gaps. */
#ifndef ANPR_BATCH_H
#define ANPR_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jsonr.h"

#define ANPR_BATCH_MAX_READS 64              /* reads per request (protocol) */
#define ANPR_BATCH_MAX_GAPS 1024             /* gap entries per request */
#define ANPR_BATCH_ID_MAX 128                /* bytes of a read id or device name */
#define ANPR_BATCH_JWS_MAX 65536             /* bytes of one compact JWS */
#define ANPR_BATCH_IMAGE_B64_MAX (64 * 1024) /* base64url characters of one image */

/*
 * One read of the batch. Strings are borrowed from the batch. A read whose id
 * is usable but whose envelope is not (a missing or mistyped member, an
 * unknown member, an oversized field) has error set: it is answered
 * "rejected" with that message and never stored.
 */
typedef struct anpr_batch_read {
	const char *id;
	int64_t seq;
	const char *jws;
	size_t jws_len;
	const char *patch_b64;
	size_t patch_b64_len;
	const char *overview_b64;
	size_t overview_b64_len;
	const char *error; /* static text; NULL when the envelope is well formed */
} anpr_batch_read;

typedef struct anpr_batch_gap {
	int64_t from;
	int64_t to;
	const char *reason; /* "corrupt", "expired" or "evicted" */
} anpr_batch_gap;

/* A parsed request; owns its JSON document. */
typedef struct anpr_batch {
	anpr_jsonr *doc;
	const char *device;
	const char *sent_at;
	size_t n_reads;
	anpr_batch_read reads[ANPR_BATCH_MAX_READS];
	size_t n_gaps;
	anpr_batch_gap *gaps; /* n_gaps entries, owned */
} anpr_batch;

/*
 * Parses a request body of len bytes into a new batch for *out. Errors, each
 * with a sentence in diag (may be NULL), mapped to HTTP by
 * anpr_batch_http_status(): ANPR_ERR_FORMAT (not strict JSON, or past the
 * reader's depth, size or member limits: 400), ANPR_ERR_INVAL (JSON, but not a
 * batch: not an object, missing or unknown members, wrong types, a read
 * without a usable id, a malformed gap: 422), ANPR_ERR_TOO_BIG (more than
 * ANPR_BATCH_MAX_READS reads or ANPR_BATCH_MAX_GAPS gaps: 413), ANPR_ERR_NOMEM. The caller owns *out. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_batch_parse(const char *body, size_t len, anpr_batch **out, char *diag,
					  size_t diag_len);

/* Frees a batch and its document; accepts NULL. */
void anpr_batch_free(anpr_batch *b);

/* The HTTP status for a parse error: 400, 413, 422, or 500 for anything else. */
int anpr_batch_http_status(anpr_err err);

#endif
