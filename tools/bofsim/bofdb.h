/* SPDX-License-Identifier: MIT */
/* The back-office simulator's store: reads de-duplicated by id in SQLite, reported gaps, chain statistics. */
#ifndef ANPR_BOFDB_H
#define ANPR_BOFDB_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "err.h"
#include "readcheck.h"

/*
 * Tables: reads (id PRIMARY KEY, device, seq, payload JSON, jws, jws_sha256,
 * prev_sha256, received_at, patch_jpeg and overview_jpeg BLOBs), rejected
 * (every rejected read: id, device, error, received_at) and gaps (the gaps
 * units reported: device, from_seq, to_seq, reason, UNIQUE per range).
 *
 * Threads: any thread; calls are serialised inside.
 */
typedef struct anpr_bofdb anpr_bofdb;

typedef enum anpr_bofdb_outcome {
	ANPR_BOFDB_STORED,
	ANPR_BOFDB_DUPLICATE,          /* the id was already held, with the same JWS */
	ANPR_BOFDB_DUPLICATE_CONFLICT, /* the id was already held with a different JWS (kept the first) */
} anpr_bofdb_outcome;

/* Statistics over everything the store holds. */
typedef struct anpr_bofdb_stats {
	int64_t reads; /* rows in reads */
	int64_t
	    gaps; /* sequence jumps: a stored read whose predecessor is missing (after a device's first) */
	int64_t missing_seqs; /* sequence numbers missing between each device's first and last read */
	int64_t chain_breaks; /* consecutive reads whose prev_sha256 is not the SHA-256 of the previous JWS */
	int64_t reported_gaps;     /* distinct gap ranges reported by units */
	int64_t reported_gap_seqs; /* sequence numbers those ranges cover */
} anpr_bofdb_stats;

/*
 * Opens (creating if needed) the database at path. Errors: ANPR_ERR_IO (cannot
 * open or create the schema: diag says why), ANPR_ERR_NOMEM, ANPR_ERR_INVAL.
 * The caller owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_bofdb_open(const char *path, anpr_bofdb **out, char *diag, size_t diag_len);

/* Closes the database; accepts NULL. */
void anpr_bofdb_close(anpr_bofdb *db);

/*
 * Stores n verified reads (jws[i] is read i's compact JWS) and the batch's
 * reported gaps in one transaction, writing each read's outcome to
 * outcome[i]. Errors: ANPR_ERR_IO (nothing of the batch was stored).
 */
ANPR_MUST_CHECK anpr_err anpr_bofdb_store(anpr_bofdb *db, const anpr_readcheck_read *const *reads,
					  const char *const *jws, size_t n, const anpr_batch_gap *gaps,
					  size_t n_gaps, const char *gap_device, anpr_bofdb_outcome *outcome);

/* Records a rejected read for inspection (best effort). */
void anpr_bofdb_note_rejected(anpr_bofdb *db, const char *id, const char *device, const char *error);

/* Computes statistics over the whole store. Errors: ANPR_ERR_IO. */
ANPR_MUST_CHECK anpr_err anpr_bofdb_stats_get(anpr_bofdb *db, anpr_bofdb_stats *out);

#endif
