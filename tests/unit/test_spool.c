/* SPDX-License-Identifier: MIT */
/* The encrypted ring buffer: round trip, recovery from torn and flipped files, retention, eviction, acks, fsync failure, threads; the key store. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "keystore.h"
#include "log.h"
#include "spool.h"
#include "spool_internal.h"

#define DAY_MS (24LL * 3600 * 1000)
#define NOW_MS 1795298401000LL

static char root[] = "/tmp/test-spool-XXXXXX";
static unsigned dirs;

static void fill(uint8_t *b, size_t len, uint64_t seq)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seq * 131 + i * 7 + (i >> 8));
}

static const char *new_dir(char *buf, size_t len)
{
	snprintf(buf, len, "%s/d%u", root, dirs++);
	return buf;
}

static anpr_spool_cfg cfg_for(const char *dir)
{
	anpr_spool_cfg c;

	memset(&c, 0, sizeof(c));
	c.dir = dir;
	c.max_bytes = 64u << 20;
	c.segment_bytes = 1u << 20;
	c.retention_ms = 7 * DAY_MS;
	c.commit_window_ms = 0;
	for (int i = 0; i < ANPR_SPOOL_KEY_LEN; i++)
		c.key[i] = (uint8_t)(i * 3 + 1);
	return c;
}

/* Appends seqs from..from+n-1 of len bytes each in one batch. */
static anpr_err add(anpr_spool *s, uint64_t from, size_t n, size_t len, int64_t utc)
{
	anpr_spool_rec *r = calloc(n, sizeof(*r));
	uint8_t *data = malloc(n * (len ? len : 1));
	size_t stored = 0;
	anpr_err err;

	for (size_t i = 0; i < n; i++) {
		fill(data + i * len, len, from + i);
		r[i] = (anpr_spool_rec){ from + i, utc, data + i * len, len };
	}
	err = anpr_spool_append_batch(s, r, n, &stored);
	if (!err && stored != n)
		err = ANPR_ERR_INTERNAL;
	free(r);
	free(data);
	return err;
}

/* Reads seq: ANPR_ERR_OK only with exactly the bytes appended; ANPR_ERR_INTERNAL for wrong data. */
static anpr_err get(anpr_spool *s, uint64_t seq, size_t want_len)
{
	uint8_t *b = malloc(want_len + 16), *w = malloc(want_len + 1);
	size_t len = 0;
	int64_t utc = 0;
	anpr_err err = anpr_spool_read(s, seq, b, want_len + 16, &len, &utc);

	fill(w, want_len, seq);
	if (err == ANPR_ERR_OK && (len != want_len || memcmp(b, w, len) != 0))
		err = ANPR_ERR_INTERNAL;
	free(b);
	free(w);
	return err;
}

static void rm_rf(const char *dir)
{
	char cmd[512];
	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) >= (int)sizeof(cmd))
		abort(); /* test paths are short */
	CHECK_INT(system(cmd), 0);
}

static void cp_r(const char *from, const char *to)
{
	char cmd[512];
	if (snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s' '%s'", to, from, to) >= (int)sizeof(cmd))
		abort(); /* test paths are short */
	CHECK_INT(system(cmd), 0);
}

struct gaps {
	unsigned n;
	uint64_t from[64], to[64];
	char reason[64][16];
};

static void on_gap(void *user, uint64_t from, uint64_t to, const char *reason)
{
	struct gaps *g = user;
	if (g->n < 64) {
		g->from[g->n] = from;
		g->to[g->n] = to;
		snprintf(g->reason[g->n], sizeof(g->reason[0]), "%s", reason);
		g->n++;
	}
}

static bool gap_has(const struct gaps *g, uint64_t seq, const char *reason)
{
	for (unsigned i = 0; i < g->n; i++)
		if (g->from[i] <= seq && seq <= g->to[i] && strcmp(g->reason[i], reason) == 0)
			return true;
	return false;
}

static void test_crc(void)
{
	CHECK_INT(anpr_crc32c(0, "123456789", 9), 0xE3069283u);
	CHECK_INT(anpr_crc32c(anpr_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
	CHECK_INT(anpr_crc32c(0, "", 0), 0);
	CHECK(anpr_spool_entry_size() <= 32);
}

static void test_round_trip(void)
{
	char dir[256];
	anpr_spool_cfg c = cfg_for(new_dir(dir, sizeof(dir)));
	anpr_spool *s = NULL;
	anpr_spool_stats st;
	uint64_t out[8], last = 0;
	uint8_t small[4];
	size_t len;

	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	CHECK_INT(anpr_spool_last(s, &last), ANPR_ERR_NOT_FOUND);
	CHECK_INT(anpr_spool_append(s, 0, NOW_MS, "x", 1), ANPR_ERR_INVAL);
	for (uint64_t seq = 1; seq <= 10; seq++) {
		uint8_t b[3000];
		size_t l = seq == 1 ? 0 : (size_t)seq * 250;
		fill(b, l, seq);
		CHECK_INT(anpr_spool_append(s, seq, NOW_MS + (int64_t)seq, b, l), ANPR_ERR_OK);
	}
	CHECK_INT(anpr_spool_append(s, 10, NOW_MS, "x", 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_spool_append(s, 5, NOW_MS, "x", 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_spool_append(s, 11, NOW_MS, NULL, ANPR_SPOOL_MAX_RECORD + 1), ANPR_ERR_TOO_BIG);
	CHECK_INT(get(s, 1, 0), ANPR_ERR_OK);
	for (uint64_t seq = 2; seq <= 10; seq++)
		CHECK_INT(get(s, seq, (size_t)seq * 250), ANPR_ERR_OK);
	CHECK_INT(get(s, 11, 10), ANPR_ERR_NOT_FOUND);
	CHECK_INT(anpr_spool_read(s, 5, small, sizeof(small), &len, NULL), ANPR_ERR_TOO_BIG);
	CHECK_INT(len, 1250);
	CHECK_INT(anpr_spool_last(s, &last), ANPR_ERR_OK);
	CHECK_INT(last, 10);

	/* Pending lists: oldest first after a seq, newest first, capped. */
	CHECK_INT(anpr_spool_pending(s, 0, false, out, 3), 3);
	CHECK_INT(out[0], 1);
	CHECK_INT(out[2], 3);
	CHECK_INT(anpr_spool_pending(s, 7, false, out, 8), 3);
	CHECK_INT(out[0], 8);
	CHECK_INT(anpr_spool_pending(s, 0, true, out, 2), 2);
	CHECK_INT(out[0], 10);
	CHECK_INT(out[1], 9);
	CHECK_INT(anpr_spool_pending(s, 8, true, out, 8), 2);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.records, 10);
	CHECK_INT(st.pending, 10);
	CHECK_INT(st.appended, 10);
	CHECK_INT(st.first_seq, 1);
	CHECK_INT(st.last_seq, 10);
	CHECK_INT(st.oldest_pending_utc_ms, NOW_MS + 1);
	anpr_spool_close(s);

	/* Reopen: everything back, from the indexes. */
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	for (uint64_t seq = 2; seq <= 10; seq++)
		CHECK_INT(get(s, seq, (size_t)seq * 250), ANPR_ERR_OK);
	CHECK_INT(anpr_spool_append(s, 10, NOW_MS, "x", 1), ANPR_ERR_INVAL);
	CHECK_INT(add(s, 11, 3, 100, NOW_MS), ANPR_ERR_OK);
	uint64_t checked = 0, bad = 9;
	CHECK_INT(anpr_spool_check(s, &checked, &bad), ANPR_ERR_OK);
	CHECK_INT(checked, 13);
	CHECK_INT(bad, 0);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.records, 13);
	CHECK_INT(st.corrupt + st.torn, 0);
	anpr_spool_close(s);

	/* Settings out of range. */
	c.segment_bytes = 1000;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_INVAL);
	c = cfg_for(dir);
	c.max_bytes = 2u << 20;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_INVAL);
	c = cfg_for(dir);
	c.commit_window_ms = 51;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_INVAL);
}

/* The only segment file in dir (after one batch), as "dir/name". */
static bool only_segment(const char *dir, char *path, size_t len)
{
	snprintf(path, len, "%s/seg-%016llx.spl", dir, 1ull);
	return access(path, F_OK) == 0;
}

static void test_torn_tail(void)
{
	char tmpl[256], dir[256], path[300], idx[300];
	anpr_spool_cfg c = cfg_for(new_dir(tmpl, sizeof(tmpl)));
	anpr_spool *s = NULL;
	const size_t n = 20, rl = 1000, rs = anpr_spool_record_size(1000);

	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	CHECK_INT(add(s, 1, n, rl, NOW_MS), ANPR_ERR_OK);
	anpr_spool_close(s);
	srand(7);
	for (int it = 0; it < 50; it++) {
		anpr_spool_stats st;
		uint64_t size = ANPR_SPOOL_SEG_HDR + n * rs;
		uint64_t cut = (uint64_t)rand() % (size + 1);
		new_dir(dir, sizeof(dir));
		cp_r(tmpl, dir);
		CHECK(only_segment(dir, path, sizeof(path)));
		CHECK_INT(truncate(path, (off_t)cut), 0);
		/* A crash before sealing leaves no index; a stale one must not be trusted either. */
		snprintf(idx, sizeof(idx), "%s/seg-%016llx.idx", dir, 1ull);
		if (it % 2)
			CHECK_INT(unlink(idx), 0);
		c.dir = dir;
		CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
		if (!s)
			continue;
		anpr_spool_get_stats(s, &st);
		size_t whole = cut < ANPR_SPOOL_SEG_HDR ? 0 : (size_t)((cut - ANPR_SPOOL_SEG_HDR) / rs);
		bool partial =
		    cut != size && (cut < ANPR_SPOOL_SEG_HDR ? cut > 0 : (cut - ANPR_SPOOL_SEG_HDR) % rs);
		CHECK_INT(st.records, whole);
		CHECK_INT(st.torn, partial ? 1 : 0);
		CHECK_INT(st.corrupt, 0);
		for (size_t i = 1; i <= n; i++)
			CHECK_INT(get(s, i, rl), i <= whole ? ANPR_ERR_OK : ANPR_ERR_NOT_FOUND);
		/* It carries on: a new append after the cut, and a clean reopen. */
		CHECK_INT(add(s, n + 1, 1, rl, NOW_MS), ANPR_ERR_OK);
		anpr_spool_close(s);
		CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
		anpr_spool_get_stats(s, &st);
		CHECK_INT(st.records, whole + 1);
		CHECK_INT(st.torn, 0);
		CHECK_INT(get(s, n + 1, rl), ANPR_ERR_OK);
		anpr_spool_close(s);
		rm_rf(dir);
	}
}

/* Flips one random bit anywhere in a segment or index file: never wrong data, and a hit record never reads OK. */
static void test_bit_flips(void)
{
	char tmpl[256], dir[256], path[300];
	anpr_spool_cfg c = cfg_for(new_dir(tmpl, sizeof(tmpl)));
	anpr_spool *s = NULL;
	const size_t rl = 30000, n = 60; /* two segments: 34 + 26 records */
	const size_t rs = anpr_spool_record_size(rl);
	const size_t per_seg = ((1u << 20) - ANPR_SPOOL_SEG_HDR) / rs;
	unsigned detected = 0, wrong = 0, hits = 0;

	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	CHECK_INT(add(s, 1, n, rl, NOW_MS), ANPR_ERR_OK);
	anpr_spool_close(s);
	srand(11);
	for (int it = 0; it < 60; it++) {
		uint64_t segseq = it % 2 ? 1 : 1 + per_seg;
		bool flip_idx = it % 5 == 4, drop_idx = it % 3 == 0;
		struct stat sb;
		new_dir(dir, sizeof(dir));
		cp_r(tmpl, dir);
		snprintf(path, sizeof(path), "%s/seg-%016llx.%s", dir, (unsigned long long)segseq,
			 flip_idx ? "idx" : "spl");
		CHECK_INT(stat(path, &sb), 0);
		uint64_t off = (uint64_t)rand() % (uint64_t)sb.st_size;
		int fd = open(path, O_RDWR);
		uint8_t byte;
		CHECK(pread(fd, &byte, 1, (off_t)off) == 1);
		byte ^= (uint8_t)(1u << (rand() % 8));
		CHECK(pwrite(fd, &byte, 1, (off_t)off) == 1);
		close(fd);
		if (drop_idx && !flip_idx) {
			snprintf(path, sizeof(path), "%s/seg-%016llx.idx", dir, (unsigned long long)segseq);
			CHECK_INT(unlink(path), 0);
		}
		/* The record the flipped byte is in (0 when it hit the header or an index). */
		uint64_t hit = 0;
		if (!flip_idx && off >= ANPR_SPOOL_SEG_HDR)
			hit = segseq + (off - ANPR_SPOOL_SEG_HDR) / rs;
		c.dir = dir;
		CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
		if (!s)
			continue;
		for (uint64_t seq = 1; seq <= n; seq++) {
			anpr_err err = get(s, seq, rl);
			if (err == ANPR_ERR_INTERNAL)
				wrong++;
			CHECK(err == ANPR_ERR_OK || err == ANPR_ERR_FORMAT || err == ANPR_ERR_NOT_FOUND);
			if (seq == hit) {
				hits++;
				CHECK(err != ANPR_ERR_OK);
				if (err != ANPR_ERR_OK)
					detected++;
			}
		}
		if (hit) {
			anpr_spool_stats st;
			anpr_spool_get_stats(s, &st);
			CHECK(st.corrupt + st.torn >= 1);
		}
		anpr_spool_close(s);
		rm_rf(dir);
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(detected, hits);
	CHECK(hits > 20);

	/* A wrong key: every record fails authentication; nothing crashes. */
	c.dir = tmpl;
	c.key[0] ^= 1;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	for (uint64_t seq = 1; seq <= n; seq++)
		CHECK_INT(get(s, seq, rl), ANPR_ERR_FORMAT);
	uint64_t out[4];
	CHECK_INT(anpr_spool_pending(s, 0, false, out, 4), 0);
	anpr_spool_stats st;
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.corrupt, n);
	CHECK_INT(st.pending, 0);
	anpr_spool_close(s);
}

/* A damaged record in a segment without an index is found at open and reported on the first expire. */
static void test_corrupt_reported(void)
{
	char dir[256], path[300];
	anpr_spool_cfg c = cfg_for(new_dir(dir, sizeof(dir)));
	anpr_spool *s = NULL;
	struct gaps g = { 0 };
	anpr_spool_stats st;
	const size_t rl = 500, rs = anpr_spool_record_size(rl);

	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	CHECK_INT(add(s, 1, 10, rl, NOW_MS), ANPR_ERR_OK);
	anpr_spool_close(s);
	snprintf(path, sizeof(path), "%s/seg-%016llx.idx", dir, 1ull);
	CHECK_INT(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/seg-%016llx.spl", dir, 1ull);
	int fd = open(path, O_RDWR);
	uint8_t junk[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	CHECK(pwrite(fd, junk, sizeof(junk), (off_t)(ANPR_SPOOL_SEG_HDR + 4 * rs + 2)) ==
	      8); /* record 5's header */
	close(fd);
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.records, 9);
	CHECK_INT(st.corrupt, 1);
	CHECK_INT(get(s, 5, rl), ANPR_ERR_NOT_FOUND);
	CHECK_INT(get(s, 6, rl), ANPR_ERR_OK);
	CHECK_INT(anpr_spool_expire(s, NOW_MS, on_gap, &g), ANPR_ERR_OK);
	CHECK_INT(g.n, 1);
	CHECK(gap_has(&g, 5, "corrupt"));
	CHECK(!gap_has(&g, 4, "corrupt"));
	g.n = 0;
	CHECK_INT(anpr_spool_expire(s, NOW_MS, on_gap, &g), ANPR_ERR_OK);
	CHECK_INT(g.n, 0);
	anpr_spool_close(s);
}

static void test_retention_and_cap(void)
{
	char dir[256];
	anpr_spool_cfg c = cfg_for(new_dir(dir, sizeof(dir)));
	anpr_spool *s = NULL;
	struct gaps g = { 0 };
	anpr_spool_stats st;
	const size_t rl = 100000; /* 10 a segment */

	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	CHECK_INT(add(s, 1, 20, rl, NOW_MS - 8 * DAY_MS), ANPR_ERR_OK);
	CHECK_INT(add(s, 21, 20, rl, NOW_MS - 1 * DAY_MS), ANPR_ERR_OK);
	uint64_t delivered[] = { 3, 4 };
	CHECK_INT(anpr_spool_mark(s, delivered, 2, ANPR_SPOOL_DELIVERED), ANPR_ERR_OK);
	CHECK_INT(anpr_spool_expire(s, NOW_MS, on_gap, &g), ANPR_ERR_OK);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.expired, 20);
	CHECK_INT(st.records, 20);
	CHECK_INT(st.first_seq, 21);
	CHECK(gap_has(&g, 1, "expired"));
	CHECK(gap_has(&g, 20, "expired"));
	CHECK(!gap_has(&g, 3, "expired")); /* delivered: not a gap */
	CHECK(!gap_has(&g, 21, "expired"));
	CHECK_INT(get(s, 5, rl), ANPR_ERR_NOT_FOUND);
	CHECK_INT(get(s, 25, rl), ANPR_ERR_OK);
	/* Everything past retention, including the segment being written. */
	g.n = 0;
	CHECK_INT(anpr_spool_expire(s, NOW_MS + 7 * DAY_MS, on_gap, &g), ANPR_ERR_OK);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.records, 0);
	CHECK_INT(st.segments, 0);
	CHECK(gap_has(&g, 40, "expired"));
	CHECK_INT(add(s, 41, 1, rl, NOW_MS), ANPR_ERR_OK);
	anpr_spool_close(s);
	rm_rf(dir);

	/* Byte cap: 4 MiB; 8 MiB appended; oldest segments go, counted, alarmed and reported. */
	c = cfg_for(new_dir(dir, sizeof(dir)));
	c.max_bytes = 4u << 20;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	for (uint64_t seq = 1; seq <= 80; seq += 10)
		CHECK_INT(add(s, seq, 10, rl, NOW_MS), ANPR_ERR_OK);
	anpr_spool_get_stats(s, &st);
	CHECK(st.bytes <= c.max_bytes);
	CHECK(st.evicted >= 40);
	CHECK(st.full);
	CHECK_INT(st.records + st.evicted, 80);
	CHECK_INT(st.last_seq, 80);
	g.n = 0;
	CHECK_INT(anpr_spool_expire(s, NOW_MS, on_gap, &g), ANPR_ERR_OK);
	CHECK(gap_has(&g, 1, "evicted"));
	CHECK(gap_has(&g, st.first_seq - 1, "evicted"));
	CHECK(!gap_has(&g, st.first_seq, "evicted"));
	anpr_spool_close(s);
}

static void test_acks(void)
{
	char dir[256];
	anpr_spool_cfg c = cfg_for(new_dir(dir, sizeof(dir)));
	anpr_spool *s = NULL;
	struct gaps g = { 0 };
	anpr_spool_stats st;
	uint64_t out[64];
	const size_t rl = 100000;

	c.delete_on_ack = true;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	CHECK_INT(add(s, 1, 30, rl, NOW_MS), ANPR_ERR_OK);
	uint64_t d[12], q[] = { 15, 17, 999 };
	for (int i = 0; i < 12; i++)
		d[i] = (uint64_t)(i + 1);
	CHECK_INT(anpr_spool_mark(s, d, 12, ANPR_SPOOL_DELIVERED), ANPR_ERR_OK);
	CHECK_INT(anpr_spool_mark(s, q, 3, ANPR_SPOOL_QUARANTINED), ANPR_ERR_OK);
	CHECK_INT(anpr_spool_mark(s, q, 3, (anpr_spool_state)7), ANPR_ERR_INVAL);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.delivered, 12);
	CHECK_INT(st.quarantined, 2);
	CHECK_INT(st.pending, 16);
	anpr_spool_close(s);

	/* The journal replays at open. */
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.delivered, 12);
	CHECK_INT(st.quarantined, 2);
	CHECK_INT(st.pending, 16);
	CHECK_INT(anpr_spool_pending(s, 0, false, out, 64), 16);
	CHECK_INT(out[0], 13);
	CHECK_INT(out[1], 14);
	CHECK_INT(out[2], 16);
	/* delete_on_ack: the first segment (1..10) is all delivered and goes, with no gap. */
	CHECK_INT(anpr_spool_expire(s, NOW_MS, on_gap, &g), ANPR_ERR_OK);
	CHECK_INT(g.n, 0);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.first_seq, 11);
	CHECK_INT(st.delivered, 2);
	CHECK_INT(st.expired + st.evicted, 0);
	anpr_spool_close(s);
	/* The rewritten journal still holds the rest. */
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.delivered, 2);
	CHECK_INT(st.quarantined, 2);
	CHECK_INT(st.records, 20);
	anpr_spool_close(s);
}

static int fail_fsync(int fd)
{
	(void)fd;
	errno = EIO;
	return -1;
}

static int enospc_left;

static ssize_t enospc_once(int fd, const void *buf, size_t len, off_t off)
{
	if (enospc_left > 0 && len > ANPR_SPOOL_SEG_HDR) {
		enospc_left--;
		errno = ENOSPC;
		return -1;
	}
	return pwrite(fd, buf, len, off);
}

static void test_fsync_failure(void)
{
	char dir[256];
	anpr_spool_cfg c = cfg_for(new_dir(dir, sizeof(dir)));
	anpr_spool *s = NULL;
	struct gaps g = { 0 };
	anpr_spool_stats st;
	const size_t rl = 2000;

	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	CHECK_INT(add(s, 1, 5, rl, NOW_MS), ANPR_ERR_OK);
	anpr_spool_fsync_hook = fail_fsync;
	CHECK_INT(add(s, 6, 2, rl, NOW_MS), ANPR_ERR_IO);
	anpr_spool_fsync_hook = fdatasync;
	anpr_spool_get_stats(s, &st);
	CHECK(st.fsync_failed);
	CHECK_INT(st.lost_fsync, 2);
	CHECK_INT(st.records, 5);
	CHECK_INT(get(s, 6, rl), ANPR_ERR_NOT_FOUND);
	CHECK_INT(get(s, 5, rl), ANPR_ERR_OK);
	/* The same seqs again go to a new segment (a new key). */
	CHECK_INT(add(s, 6, 2, rl, NOW_MS), ANPR_ERR_OK);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.segments, 2);
	CHECK_INT(anpr_spool_expire(s, NOW_MS, on_gap, &g), ANPR_ERR_OK);
	CHECK(gap_has(&g, 6, "lost"));
	CHECK(gap_has(&g, 7, "lost"));
	anpr_spool_close(s);
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	for (uint64_t seq = 1; seq <= 7; seq++)
		CHECK_INT(get(s, seq, rl), ANPR_ERR_OK);
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.records, 7);
	CHECK_INT(st.corrupt, 0);
	anpr_spool_close(s);
	rm_rf(dir);

	/* Disk full on a write: the oldest segment is evicted and the append retried once. */
	c = cfg_for(new_dir(dir, sizeof(dir)));
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	CHECK_INT(add(s, 1, 25, 100000, NOW_MS), ANPR_ERR_OK);
	anpr_spool_pwrite_hook = enospc_once;
	enospc_left = 1;
	CHECK_INT(add(s, 26, 1, 100000, NOW_MS), ANPR_ERR_OK);
	enospc_left = 5;
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.evicted, 10);
	CHECK_INT(get(s, 26, 100000), ANPR_ERR_OK);
	/* Nothing left to evict but the segment being written: a clear error, no crash. */
	c = cfg_for(dir);
	anpr_spool_pwrite_hook = pwrite;
	anpr_spool_close(s);
	anpr_spool_pwrite_hook = enospc_once;
	enospc_left = 100;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	anpr_err err = add(s, 27, 1, 100000, NOW_MS);
	CHECK(err == ANPR_ERR_OK || err == ANPR_ERR_FULL);
	anpr_spool_pwrite_hook = pwrite;
	enospc_left = 0;
	CHECK_INT(add(s, 28, 1, 100000, NOW_MS), ANPR_ERR_OK);
	CHECK_INT(get(s, 28, 100000), ANPR_ERR_OK);
	anpr_spool_close(s);
}

struct appender {
	anpr_spool *s;
	atomic_ullong *next;
	unsigned ok, failed;
};

static void *append_thread(void *arg)
{
	struct appender *a = arg;
	uint8_t b[4000];

	while (a->ok < 40) {
		uint64_t seq = atomic_fetch_add(a->next, 1);
		fill(b, sizeof(b), seq);
		anpr_err err = anpr_spool_append(a->s, seq, NOW_MS, b, sizeof(b));
		if (err == ANPR_ERR_OK)
			a->ok++;
		else if (err != ANPR_ERR_INVAL) /* another thread got a later seq in first: take a new one */
			a->failed++;
		if (a->failed)
			break;
	}
	return NULL;
}

static void test_threads(void)
{
	char dir[256];
	anpr_spool_cfg c = cfg_for(new_dir(dir, sizeof(dir)));
	anpr_spool *s = NULL;
	atomic_ullong next = 1;
	struct appender a[4];
	pthread_t t[4];
	uint64_t *out = malloc(1000 * sizeof(*out));
	anpr_spool_stats st;

	c.commit_window_ms = 2;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	for (int i = 0; i < 4; i++) {
		a[i] = (struct appender){ s, &next, 0, 0 };
		CHECK_INT(pthread_create(&t[i], NULL, append_thread, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_INT(a[i].ok, 40);
		CHECK_INT(a[i].failed, 0);
	}
	anpr_spool_get_stats(s, &st);
	CHECK_INT(st.records, 160);
	size_t n = anpr_spool_pending(s, 0, false, out, 1000);
	CHECK_INT(n, 160);
	for (size_t i = 1; i < n; i++)
		CHECK(out[i] > out[i - 1]);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(get(s, out[i], 4000), ANPR_ERR_OK);
	anpr_spool_close(s);
	free(out);
}

static void test_keystore(void)
{
	char path[300], diag[256] = "";
	uint8_t k1[32], k2[32], zero[32] = { 0 };
	struct stat sb;

	snprintf(path, sizeof(path), "%s/spool.key", root);
	CHECK_INT(anpr_keystore_load(path, false, k1, diag, sizeof(diag)), ANPR_ERR_NOT_FOUND);
	CHECK_INT(anpr_keystore_load(path, true, k1, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK(memcmp(k1, zero, 32) != 0);
	CHECK_INT(stat(path, &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(sb.st_size, 32);
	CHECK_INT(anpr_keystore_load(path, true, k2, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK(memcmp(k1, k2, 32) == 0);

	CHECK_INT(chmod(path, 0644), 0);
	CHECK_INT(anpr_keystore_load(path, true, k2, diag, sizeof(diag)), ANPR_ERR_PERMISSION);
	CHECK_CONTAINS(diag, "chmod 600");
	CHECK(memcmp(k2, zero, 32) == 0);
	CHECK_INT(chmod(path, 0600), 0);

	/* A truncated key is an error and never replaced, even with create. */
	CHECK_INT(truncate(path, 31), 0);
	CHECK_INT(anpr_keystore_load(path, true, k2, diag, sizeof(diag)), ANPR_ERR_FORMAT);
	CHECK_CONTAINS(diag, "31 bytes");
	CHECK_INT(stat(path, &sb), 0);
	CHECK_INT(sb.st_size, 31);

	char link_path[320];
	snprintf(link_path, sizeof(link_path), "%s/link.key", root);
	CHECK_INT(symlink(path, link_path), 0);
	CHECK_INT(anpr_keystore_load(link_path, true, k2, diag, sizeof(diag)), ANPR_ERR_PERMISSION);
	CHECK_CONTAINS(diag, "symbolic link");
	CHECK_INT(anpr_keystore_load("", true, k2, diag, sizeof(diag)), ANPR_ERR_INVAL);
}

int main(void)
{
	anpr_log_set_level(ANPR_LOG_ERROR);
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_crc();
	test_round_trip();
	test_torn_tail();
	test_bit_flips();
	test_corrupt_reported();
	test_retention_and_cap();
	test_acks();
	test_fsync_failure();
	test_threads();
	test_keystore();
	rm_rf(root);
	return check_summary();
}
