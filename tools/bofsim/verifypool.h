/* SPDX-License-Identifier: MIT */
/* A small fixed pool of threads that verify the reads of a batch in parallel with the connection's thread. */
#ifndef ANPR_VERIFYPOOL_H
#define ANPR_VERIFYPOOL_H

#include <stddef.h>

#include "batch.h"
#include "err.h"
#include "readcheck.h"

#define ANPR_VERIFYPOOL_THREADS_MAX 64 /* --verify-threads cap */

typedef struct anpr_verifypool anpr_verifypool;

/* Who verifies a batch: the caller's thread, with its own parsed key, and the key's DER for the helpers. */
typedef struct anpr_verifypool_key {
	anpr_readcheck_key *key; /* the caller's; used by the calling thread only */
	const unsigned char
	    *spki; /* SubjectPublicKeyInfo DER of the same key: each helper parses its own copy */
	size_t spki_len;
	const char *kid; /* hex SHA-256 of spki */
} anpr_verifypool_key;

/*
 * Starts a pool of helpers threads (0..ANPR_VERIFYPOOL_THREADS_MAX - 1; with 0
 * every batch is verified on the calling thread alone, read after read). Errors: ANPR_ERR_INVAL,
 * ANPR_ERR_NOMEM, ANPR_ERR_INTERNAL (a thread could not start). The caller
 * owns *out. Main thread.
 */
ANPR_MUST_CHECK anpr_err anpr_verifypool_open(unsigned helpers, anpr_verifypool **out);

/*
 * Runs anpr_readcheck_verify() on every read of b, the calling thread taking
 * part, and returns when all are done: faults[i], whys[i] and rds[i] are what
 * anpr_readcheck_verify_key(&b->reads[i], key->key, key->kid, &rds[i], &whys[i])
 * would have given (each read is checked on its own, so the order they run in
 * changes nothing). Several threads may call it at once (one per connection);
 * their batches share the helpers first come, first served.
 */
void anpr_verifypool_run(anpr_verifypool *p, const anpr_batch *b, const anpr_verifypool_key *key,
			 anpr_readcheck_read *rds, anpr_readcheck_fault *faults, const char **whys);

/* Stops and joins the helpers and frees the pool; accepts NULL. No run may be in progress. Main thread. */
void anpr_verifypool_close(anpr_verifypool *p);

#endif
