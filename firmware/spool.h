/* SPDX-License-Identifier: MIT */
/* The ring buffer of reads on the data partition: append-only, encrypted, crash-safe segment files. */
#ifndef ANPR_SPOOL_H
#define ANPR_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Reads wait here until the back office has them, and no longer than the
 * retention period. Records go into segment files appended in order; each
 * record is framed with its length, its sequence number and a CRC32C, and
 * its body is sealed with AES-256-GCM (the sequence number and capture time
 * as associated data), so a stolen card shows no plate and a changed byte
 * is caught. A record counts as stored only when anpr_spool_append()
 * returns: its bytes are fsynced (appends arriving within commit_window_ms
 * share one fsync).
 *
 * At open, recovery reads each sealed segment's index and scans only the
 * segment that was open at the crash: a torn tail is cut off, a corrupt
 * record is skipped and reported as a gap. Recovery never refuses to start
 * over damaged data; only an unusable folder or key stops it. Its cost does
 * not grow with the number of segments' records (indexes, not scans).
 *
 * Acknowledgements (delivered, quarantined) go to an append-only journal
 * beside the segments, so marking a record costs the same at any buffer
 * size. A segment is deleted whole when every record in it is past
 * retention, or (delete_on_ack) delivered; when the buffer is over
 * max_bytes the oldest segment goes first, delivered or not, counted and
 * alarmed. Appends are always accepted.
 *
 * An fsync that fails closes the segment for good (the records written to
 * it since its last good fsync are not trusted to be on disk: they are
 * reported lost) and raises the fsync_failed alarm; fsync is never retried
 * on the same data.
 *
 * Each segment has its own AES key, derived from the spool key and a random
 * salt in the segment's header; the GCM nonce is the record's seq. A seq
 * is never appended twice to one segment, and every open, crash or failed
 * fsync starts a new segment, so a (key, nonce) pair is never reused.
 *
 * An fsync costs milliseconds on SD cards and eMMC, so one thread calling
 * anpr_spool_append() in a loop gets a few hundred records a second. Hand
 * several records at once to anpr_spool_append_batch() (one fsync for all)
 * or append from several threads (group commit) to go faster.
 *
 * Threads: every function may be called from any thread; the spool
 * serialises internally. Appends from several threads are group-committed.
 */

#define ANPR_SPOOL_KEY_LEN 32
#define ANPR_SPOOL_MAX_RECORD (4u * 1024 * 1024) /* one record's plaintext */

typedef struct anpr_spool anpr_spool;

typedef struct anpr_spool_cfg {
	const char *dir;        /* the data partition folder; created 0700 if missing */
	uint64_t max_bytes;     /* whole buffer (segment files); >= 4 segments */
	uint64_t segment_bytes; /* a segment is sealed and a new one started past this; 1 MiB..1 GiB */
	int64_t retention_ms;   /* records older than this (capture time) are deleted */
	int commit_window_ms;   /* 0..50: appends within it share an fsync */
	bool delete_on_ack;     /* delete delivered records' segments early */
	uint8_t key[ANPR_SPOOL_KEY_LEN]; /* AES-256-GCM key (copied; wipe yours) */
} anpr_spool_cfg;

typedef enum anpr_spool_state {
	ANPR_SPOOL_PENDING,     /* waiting for delivery */
	ANPR_SPOOL_DELIVERED,   /* acknowledged by the back office */
	ANPR_SPOOL_QUARANTINED, /* refused by the back office: kept, never sent again */
} anpr_spool_state;

typedef struct anpr_spool_stats {
	uint64_t records, bytes; /* held now */
	uint64_t pending, delivered, quarantined;
	uint64_t first_seq, last_seq;  /* held now; 0 when empty */
	int64_t oldest_pending_utc_ms; /* capture time; 0 when nothing is pending */
	uint64_t appended;             /* since open */
	uint64_t expired, evicted;     /* records deleted since open: past retention / buffer full */
	uint64_t corrupt, torn;        /* found at recovery or read: records skipped / tails cut */
	uint64_t lost_fsync;           /* records in segments closed by an fsync error */
	bool fsync_failed, full;       /* alarms */
	uint32_t segments;
} anpr_spool_stats;

/*
 * Opens the spool, recovering what is on disk. Errors: ANPR_ERR_INVAL (cfg),
 * ANPR_ERR_IO / ANPR_ERR_PERMISSION (folder), ANPR_ERR_NOMEM. Damaged data
 * is not an error (see stats). The caller owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_spool_open(const anpr_spool_cfg *cfg, anpr_spool **out);

/* Flushes and closes; NULL is fine. */
void anpr_spool_close(anpr_spool *s);

/*
 * Appends one record and returns once it is durable. seq must be above
 * every seq held or being appended (ANPR_ERR_INVAL otherwise; 0 is never
 * valid); a seq whose append failed is not held and may be appended again.
 * utc_ms is the capture time retention counts from. Errors:
 * ANPR_ERR_TOO_BIG, ANPR_ERR_IO (write or fsync failed: the record is not
 * stored; the next append goes to a new segment), ANPR_ERR_FULL (the disk
 * is full and no segment could be evicted), ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_spool_append(anpr_spool *s, uint64_t seq, int64_t utc_ms, const void *data,
					   size_t len);

/* One record for anpr_spool_append_batch(); data is borrowed. */
typedef struct anpr_spool_rec {
	uint64_t seq;
	int64_t utc_ms;
	const void *data;
	size_t len;
} anpr_spool_rec;

/*
 * Appends n records, seqs ascending, sharing one fsync; returns once all
 * are durable. *stored (may be NULL) gets how many leading records were
 * stored, also on error. Errors as anpr_spool_append().
 */
ANPR_MUST_CHECK anpr_err anpr_spool_append_batch(anpr_spool *s, const anpr_spool_rec *recs, size_t n,
						 size_t *stored);

/*
 * Lists pending records, oldest first, with seq > after: up to max seqs
 * into out; returns how many. newest_first lists the newest instead (live
 * reads after an outage).
 */
size_t anpr_spool_pending(anpr_spool *s, uint64_t after, bool newest_first, uint64_t *out, size_t max);

/*
 * Reads record seq into buf (cap bytes) after checking its CRC and its
 * authentication tag; *len gets its length and *utc_ms (may be NULL) its
 * capture time. Errors: ANPR_ERR_NOT_FOUND (not held), ANPR_ERR_TOO_BIG
 * (cap), ANPR_ERR_FORMAT (corrupt or fails authentication: the record is
 * then counted corrupt and dropped from the pending list), ANPR_ERR_IO.
 */
ANPR_MUST_CHECK anpr_err anpr_spool_read(anpr_spool *s, uint64_t seq, void *buf, size_t cap, size_t *len,
					 int64_t *utc_ms);

/*
 * The highest sequence number appended or recovered (its record may since
 * have been deleted); ANPR_ERR_NOT_FOUND when there has never been one here.
 */
ANPR_MUST_CHECK anpr_err anpr_spool_last(anpr_spool *s, uint64_t *seq);

/* Marks records delivered or quarantined (journalled durably). Unknown seqs are ignored. */
ANPR_MUST_CHECK anpr_err anpr_spool_mark(anpr_spool *s, const uint64_t *seqs, size_t n,
					 anpr_spool_state state);

/*
 * Deletes what retention and the byte cap require, as of now_utc_ms. The
 * owner calls it now and then (every minute); appends also trigger it when
 * the cap is reached. Reports the sequence ranges deleted undelivered
 * through gap (may be NULL) so the uplink can tell the back office.
 */
ANPR_MUST_CHECK anpr_err anpr_spool_expire(anpr_spool *s, int64_t now_utc_ms,
					   void (*gap)(void *user, uint64_t from, uint64_t to,
						       const char *reason),
					   void *user);

void anpr_spool_get_stats(anpr_spool *s, anpr_spool_stats *st);

/*
 * Integrity check for the diagnostic CLI: reads and authenticates every
 * record (slow on a full buffer; run on demand). *bad gets the count that
 * fail.
 */
ANPR_MUST_CHECK anpr_err anpr_spool_check(anpr_spool *s, uint64_t *checked, uint64_t *bad);

/* What anpr_spool_inspect() found. */
typedef struct anpr_spool_inspection {
	anpr_spool_stats stats; /* as anpr_spool_get_stats() after an open (appended etc. are 0) */
	bool check_done;        /* the integrity check ran to the end */
	uint64_t checked, bad;  /* records read and authenticated / that failed (check only) */
	int64_t check_ms;
} anpr_spool_inspection;

/*
 * Read-only look at a ring buffer folder, for the diagnostic CLI while
 * anprd is down: recovers the records and the delivery journal in memory
 * exactly as an open would, but opens every file O_RDONLY and never creates,
 * truncates, renames or deletes anything (a torn tail or a damaged segment
 * is counted, not repaired). key (ANPR_SPOOL_KEY_LEN bytes, copied and
 * wiped) may be NULL unless check: check reads and authenticates every
 * record as anpr_spool_check(); records found corrupt are counted, not
 * journalled. With anprd running, the segment it is writing may show as a
 * torn tail. Errors: ANPR_ERR_INVAL, ANPR_ERR_NOT_FOUND (no folder),
 * ANPR_ERR_PERMISSION, ANPR_ERR_IO, ANPR_ERR_NOMEM, ANPR_ERR_CRYPTO. Any
 * thread.
 */
ANPR_MUST_CHECK anpr_err anpr_spool_inspect(const char *dir, const uint8_t *key, bool check,
					    anpr_spool_inspection *out);

#endif
