/* SPDX-License-Identifier: MIT */
/* Where signed reads go once built: the store interface the pipeline writes to, with a folder-of-files store. */
#ifndef ANPR_STORE_H
#define ANPR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sign.h"
#include "spool.h"

/*
 * A read counts as stored when anpr_store_put() returns ANPR_ERR_OK: its
 * bytes are on disk (fsynced). The store also keeps the device's sequence
 * and hash chain across restarts: anpr_store_chain() tells the pipeline the
 * last sequence number used and the SHA-256 of the last read's JWS.
 *
 * Two backends hold the read envelopes (docs/read-format.md): the
 * crash-safe encrypted ring buffer (spool.h), which the unit uses, and a
 * folder with one plain file per read, "<seq>.read.json", for development
 * and tests that inspect the reads directly.
 *
 * Threads: one thread at a time.
 */

typedef struct anpr_store anpr_store;

/* One read as stored and sent: the JWS and the two JPEGs its payload describes. Borrowed. */
typedef struct anpr_store_record {
	uint64_t seq;
	const char *id;
	const char *jws;
	size_t jws_len;
	const uint8_t *patch;
	size_t patch_len;
	const uint8_t *overview;
	size_t overview_len;
	int64_t captured_utc_ms; /* retention counts from this */
} anpr_store_record;

/*
 * Opens (creating it, mode 0700, if missing) the folder. Errors: ANPR_ERR_IO,
 * ANPR_ERR_PERMISSION, ANPR_ERR_NOMEM. The caller owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_store_open(const char *dir, anpr_store **out);

/*
 * A store over the ring buffer (borrowed; must outlive the store). stored
 * (may be NULL) is called after each read is durable, from the putting
 * thread (the uplink's kick).
 */
ANPR_MUST_CHECK anpr_err anpr_store_open_spool(anpr_spool *spool, const char *tip_path,
					       void (*stored)(void *user), void *user, anpr_store **out);

/*
 * Saves the chain's tip (last sequence number and the SHA-256 of its JWS)
 * to tip_path, atomically. Call it before the spool may delete the newest
 * read (retention), so the sequence and the chain survive an empty buffer.
 */
ANPR_MUST_CHECK anpr_err anpr_store_save_tip(anpr_store *s);

void anpr_store_close(anpr_store *s);

/* The last sequence number stored (0 when none) and the SHA-256 of its JWS (zeros when none). */
void anpr_store_chain(const anpr_store *s, uint64_t *last_seq, uint8_t last_sha256[ANPR_SHA256_LEN]);

/*
 * Stores a record durably. seq must be above the last one. Errors:
 * ANPR_ERR_INVAL, ANPR_ERR_IO (logged with errno; the read is not stored),
 * ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_store_put(anpr_store *s, const anpr_store_record *r);

/* Reads stored since open. */
uint64_t anpr_store_count(const anpr_store *s);

#endif
