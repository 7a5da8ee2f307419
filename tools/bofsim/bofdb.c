/* SPDX-License-Identifier: MIT */
/* SQLite store of the back-office simulator: INSERT OR IGNORE by read id, one transaction per batch. */
#define ANPR_LOG_TAG "bofdb"
#include "bofdb.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "clock.h"
#include "log.h"

struct anpr_bofdb {
	sqlite3 *db;
	pthread_mutex_t lock; /* one writer; SQLite's own locking is not relied on for transactions */
	sqlite3_stmt *insert_read;
	sqlite3_stmt *find_jws;
	sqlite3_stmt *insert_gap;
	sqlite3_stmt *insert_rejected;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    /* WAL with NORMAL survives a crash of this process, which is what a test needs; not a power cut. */
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS reads ("
    " id TEXT PRIMARY KEY NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL,"
    " payload TEXT NOT NULL, jws TEXT NOT NULL, jws_sha256 TEXT NOT NULL, prev_sha256 TEXT NOT NULL,"
    " received_at TEXT NOT NULL, patch_jpeg BLOB NOT NULL, overview_jpeg BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS reads_device_seq ON reads(device, seq);"
    "CREATE TABLE IF NOT EXISTS gaps ("
    " device TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL, reason TEXT NOT NULL,"
    " received_at TEXT NOT NULL, UNIQUE(device, from_seq, to_seq));"
    "CREATE TABLE IF NOT EXISTS rejected ("
    " id TEXT NOT NULL, device TEXT, error TEXT NOT NULL, received_at TEXT NOT NULL);";

static void now_utc(char buf[ANPR_UTC_STRLEN])
{
	if (anpr_clock_format_utc(anpr_clock_utc_ms(), buf, ANPR_UTC_STRLEN) != ANPR_ERR_OK)
		snprintf(buf, ANPR_UTC_STRLEN, "unknown");
}

anpr_err anpr_bofdb_open(const char *path, anpr_bofdb **out, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_IO;
	anpr_bofdb *db = NULL;
	char *msg = NULL;

	if (!path || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return ANPR_ERR_NOMEM;
	pthread_mutex_init(&db->lock, NULL);
	if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		anpr_diagf(diag, diag_len, "%s: cannot open the database: %s", path,
			   db->db ? sqlite3_errmsg(db->db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db->db, 5000);
	if (sqlite3_exec(db->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		anpr_diagf(diag, diag_len, "%s: cannot create the schema: %s", path, msg ? msg : "?");
		goto out;
	}
	if (sqlite3_prepare_v2(
		db->db,
		"INSERT OR IGNORE INTO reads (id, device, seq, payload, jws, jws_sha256, prev_sha256,"
		" received_at, patch_jpeg, overview_jpeg) VALUES (?,?,?,?,?,?,?,?,?,?)",
		-1, &db->insert_read, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db, "SELECT jws_sha256 FROM reads WHERE id = ?", -1, &db->find_jws,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db,
			       "INSERT OR IGNORE INTO gaps (device, from_seq, to_seq, reason, received_at)"
			       " VALUES (?,?,?,?,?)",
			       -1, &db->insert_gap, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->db,
			       "INSERT INTO rejected (id, device, error, received_at) VALUES (?,?,?,?)", -1,
			       &db->insert_rejected, NULL) != SQLITE_OK) {
		anpr_diagf(diag, diag_len, "%s: %s", path, sqlite3_errmsg(db->db));
		goto out;
	}
	err = ANPR_ERR_OK;
out:
	sqlite3_free(msg);
	if (err != ANPR_ERR_OK) {
		anpr_bofdb_close(db);
		return err;
	}
	*out = db;
	return ANPR_ERR_OK;
}

void anpr_bofdb_close(anpr_bofdb *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->insert_read);
	sqlite3_finalize(db->find_jws);
	sqlite3_finalize(db->insert_gap);
	sqlite3_finalize(db->insert_rejected);
	sqlite3_close(db->db);
	pthread_mutex_destroy(&db->lock);
	free(db);
}

/* Inserts one read; *outcome says whether it was new. Returns false on an SQLite error. */
static bool insert_read(anpr_bofdb *db, const anpr_readcheck_read *rd, const char *jws, const char *id,
			const char *now, anpr_bofdb_outcome *outcome)
{
	sqlite3_stmt *st = db->insert_read;
	bool ok;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rd->device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, rd->seq);
	sqlite3_bind_text(st, 4, rd->payload, (int)rd->payload_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, jws, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, rd->jws_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, rd->prev_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, rd->patch, (int)rd->patch_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, rd->overview, (int)rd->overview_len, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	if (!ok)
		return false;
	if (sqlite3_changes(db->db) == 1) {
		*outcome = ANPR_BOFDB_STORED;
		return true;
	}
	/* Already held: the same read again, or (a unit bug worth flagging) another read under its id. */
	st = db->find_jws;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	*outcome = ANPR_BOFDB_DUPLICATE;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *held = sqlite3_column_text(st, 0);
		if (held && strcmp((const char *)held, rd->jws_sha256) != 0)
			*outcome = ANPR_BOFDB_DUPLICATE_CONFLICT;
	}
	sqlite3_reset(st);
	return true;
}

static bool insert_gap(anpr_bofdb *db, const anpr_batch_gap *g, const char *device, const char *now)
{
	sqlite3_stmt *st = db->insert_gap;
	bool ok;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, g->from);
	sqlite3_bind_int64(st, 3, g->to);
	sqlite3_bind_text(st, 4, g->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	return ok;
}

anpr_err anpr_bofdb_store(anpr_bofdb *db, const anpr_readcheck_read *const *reads, const char *const *jws,
			  size_t n, const anpr_batch_gap *gaps, size_t n_gaps, const char *gap_device,
			  anpr_bofdb_outcome *outcome)
{
	anpr_err err = ANPR_ERR_IO;
	char now[ANPR_UTC_STRLEN];
	char id[ANPR_BATCH_ID_MAX + 24];

	if (n == 0 && n_gaps == 0)
		return ANPR_ERR_OK;
	now_utc(now);
	pthread_mutex_lock(&db->lock);
	if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		/* The id is the signed one, which readcheck made equal to the envelope's. */
		snprintf(id, sizeof(id), "%s-%012lld", reads[i]->device, (long long)reads[i]->seq);
		if (!insert_read(db, reads[i], jws[i], id, now, &outcome[i]))
			goto rollback;
	}
	for (size_t i = 0; i < n_gaps; i++) {
		if (!insert_gap(db, &gaps[i], gap_device, now))
			goto rollback;
	}
	if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	err = ANPR_ERR_OK;
	goto out;
rollback:
	ANPR_LOGE("storing a batch failed: %s", sqlite3_errmsg(db->db));
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&db->lock);
	return err;
}

void anpr_bofdb_note_rejected(anpr_bofdb *db, const char *id, const char *device, const char *error)
{
	sqlite3_stmt *st = db->insert_rejected;
	char now[ANPR_UTC_STRLEN];

	now_utc(now);
	pthread_mutex_lock(&db->lock);
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		ANPR_LOGW("recording a rejected read failed: %s", sqlite3_errmsg(db->db));
	sqlite3_reset(st);
	pthread_mutex_unlock(&db->lock);
}

static bool query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	bool ok = false;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

anpr_err anpr_bofdb_stats_get(anpr_bofdb *db, anpr_bofdb_stats *out)
{
	bool ok;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&db->lock);
	/* Computed from what is held, so reads arriving out of order (backlog after live) settle correctly. */
	ok =
	    query_int(db->db, "SELECT COUNT(*) FROM reads", &out->reads) &&
	    query_int(db->db,
		      "SELECT COUNT(*) FROM reads a WHERE a.seq > (SELECT MIN(seq) FROM reads m WHERE"
		      " m.device = a.device) AND NOT EXISTS (SELECT 1 FROM reads b WHERE b.device = a.device"
		      " AND b.seq = a.seq - 1)",
		      &out->gaps) &&
	    query_int(db->db,
		      "SELECT COALESCE(SUM(n), 0) FROM (SELECT MAX(seq) - MIN(seq) + 1 - COUNT(*) AS n"
		      " FROM reads GROUP BY device)",
		      &out->missing_seqs) &&
	    query_int(db->db,
		      "SELECT COUNT(*) FROM reads a JOIN reads b ON b.device = a.device AND b.seq = a.seq + 1"
		      " WHERE b.prev_sha256 != a.jws_sha256",
		      &out->chain_breaks) &&
	    query_int(db->db, "SELECT COUNT(*) FROM gaps", &out->reported_gaps) &&
	    query_int(db->db, "SELECT COALESCE(SUM(to_seq - from_seq + 1), 0) FROM gaps",
		      &out->reported_gap_seqs);
	pthread_mutex_unlock(&db->lock);
	return ok ? ANPR_ERR_OK : ANPR_ERR_IO;
}
