/* SPDX-License-Identifier: MIT */
/* Benchmark of the spool with 28 KB reads: append rate (1 thread, batched, 4 and 8 threads), mark, read, and recovery at two buffer sizes. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "spool.h"
#include "spool_internal.h"

enum { REC = 28 * 1024, BATCH = 16 };

static uint8_t payload[REC];

static double secs_since(int64_t t0)
{
	return (double)(anpr_clock_mono_ns() - t0) / 1e9;
}

static anpr_spool_cfg make_cfg(const char *dir, uint64_t max_bytes, int window_ms)
{
	anpr_spool_cfg c;

	memset(&c, 0, sizeof(c));
	c.dir = dir;
	c.max_bytes = max_bytes;
	c.segment_bytes = 64u << 20;
	c.retention_ms = 1000LL * 3600 * 24 * 30;
	c.commit_window_ms = window_ms;
	for (int i = 0; i < ANPR_SPOOL_KEY_LEN; i++)
		c.key[i] = (uint8_t)(i * 7);
	return c;
}

static void rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_spool: cannot remove %s\n", dir);
}

struct thr {
	anpr_spool *s;
	atomic_ullong *next;
	atomic_bool *stop;
	uint64_t ok;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;

	while (!atomic_load(t->stop)) {
		uint64_t seq = atomic_fetch_add(t->next, 1);
		anpr_err err = anpr_spool_append(t->s, seq, anpr_clock_utc_ms(), payload, REC);
		if (err == ANPR_ERR_OK)
			t->ok++;
		else if (err != ANPR_ERR_INVAL) /* INVAL: a later seq got in first; take another */
			break;
	}
	return NULL;
}

/* Appends from nthreads threads for secs seconds; returns records per second. */
static double threaded(const char *dir, int nthreads, int window_ms, double secs)
{
	anpr_spool_cfg c = make_cfg(dir, 8ull << 30, window_ms);
	anpr_spool *s = NULL;
	atomic_ullong next = 1;
	atomic_bool stop = false;
	struct thr t[16];
	pthread_t id[16];
	uint64_t total = 0;

	if (anpr_spool_open(&c, &s))
		return -1;
	int64_t t0 = anpr_clock_mono_ns();
	for (int i = 0; i < nthreads; i++) {
		t[i] = (struct thr){ s, &next, &stop, 0 };
		pthread_create(&id[i], NULL, thr_main, &t[i]);
	}
	anpr_clock_sleep_ms((int64_t)(secs * 1000));
	atomic_store(&stop, true);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(id[i], NULL);
		total += t[i].ok;
	}
	double rate = (double)total / secs_since(t0);
	anpr_spool_close(s);
	rm_rf(dir);
	return rate;
}

/* Fills a spool to about bytes with batched appends; returns the records written. */
static uint64_t fill(const char *dir, uint64_t bytes)
{
	anpr_spool_cfg c = make_cfg(dir, bytes + (1ull << 30), 0);
	anpr_spool_rec r[64];
	anpr_spool *s = NULL;
	uint64_t n = bytes / anpr_spool_record_size(REC), seq = 1;
	int64_t now = anpr_clock_utc_ms();

	if (anpr_spool_open(&c, &s))
		return 0;
	while (seq <= n) {
		size_t k = 0;
		for (; k < 64 && seq + k <= n; k++)
			r[k] = (anpr_spool_rec){ seq + k, now, payload, REC };
		if (anpr_spool_append_batch(s, r, k, NULL)) {
			fprintf(stderr, "bench_spool: fill failed at %llu\n", (unsigned long long)seq);
			break;
		}
		seq += k;
	}
	anpr_spool_close(s);
	return seq - 1;
}

static void recovery(const char *base, uint64_t mb)
{
	char dir[512];
	anpr_spool_cfg c;
	anpr_spool *s = NULL;
	anpr_spool_stats st;

	snprintf(dir, sizeof(dir), "%s/recover-%llu", base, (unsigned long long)mb);
	int64_t t0 = anpr_clock_mono_ns();
	uint64_t n = fill(dir, mb << 20);
	double fill_s = secs_since(t0);
	c = make_cfg(dir, (mb << 20) + (1ull << 30), 0);
	t0 = anpr_clock_mono_ns();
	if (anpr_spool_open(&c, &s)) {
		fprintf(stderr, "bench_spool: open failed\n");
		rm_rf(dir);
		return;
	}
	double open_s = secs_since(t0);
	anpr_spool_get_stats(s, &st);
	anpr_spool_close(s);

	/* As after a crash: the newest segment has no index and is scanned. */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -f \"$(ls '%s'/seg-*.idx | tail -n 1)\"", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_spool: cannot drop the newest index\n");
	t0 = anpr_clock_mono_ns();
	if (anpr_spool_open(&c, &s) == ANPR_ERR_OK) {
		double crash_s = secs_since(t0);
		printf("recovery %6llu MB: %llu records in %u segments (filled in %.1f s, %.0f MB/s); open "
		       "%.3f s, "
		       "open after crash (newest segment scanned) %.3f s\n",
		       (unsigned long long)mb, (unsigned long long)n, st.segments, fill_s,
		       (double)mb / fill_s, open_s, crash_s);
		anpr_spool_close(s);
	}
	rm_rf(dir);
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : "/tmp";
	char dir[512];
	anpr_spool_cfg c;
	anpr_spool *s = NULL;

	anpr_log_set_level(ANPR_LOG_WARN);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	printf("bench_spool: %d-byte records in %s; memory per record held: %zu bytes\n", REC, base,
	       anpr_spool_entry_size());

	snprintf(dir, sizeof(dir), "%s/bench-spool-%d", base, (int)getpid());
	c = make_cfg(dir, 8ull << 30, 0);
	if (anpr_spool_open(&c, &s)) {
		fprintf(stderr, "bench_spool: cannot open %s\n", dir);
		return 1;
	}
	/* One thread, one record per call: each waits for its own fsync. */
	uint64_t seq = 1;
	int64_t t0 = anpr_clock_mono_ns();
	for (int i = 0; i < 300; i++)
		if (anpr_spool_append(s, seq++, anpr_clock_utc_ms(), payload, REC))
			return 1;
	printf("append, 1 thread, 1 record per call (fsync each): %.0f records/s\n", 300 / secs_since(t0));
	/* One thread, batches. */
	anpr_spool_rec r[BATCH];
	t0 = anpr_clock_mono_ns();
	for (int i = 0; i < 4000 / BATCH; i++) {
		for (int k = 0; k < BATCH; k++)
			r[k] = (anpr_spool_rec){ seq++, anpr_clock_utc_ms(), payload, REC };
		if (anpr_spool_append_batch(s, r, BATCH, NULL))
			return 1;
	}
	printf("append, 1 thread, batches of %d (one fsync each): %.0f records/s\n", BATCH,
	       4000 / secs_since(t0));

	/* Reads of random records. */
	static uint8_t out[REC];
	uint64_t held = seq - 1;
	t0 = anpr_clock_mono_ns();
	for (int i = 0; i < 3000; i++) {
		size_t len;
		if (anpr_spool_read(s, 1 + (uint64_t)rand() % held, out, sizeof(out), &len, NULL))
			return 1;
	}
	printf("read (CRC + GCM check), random records: %.0f records/s\n", 3000 / secs_since(t0));

	/* Marks: one seq per call, and 100 per call; each call is one journal fsync. */
	t0 = anpr_clock_mono_ns();
	for (uint64_t q = 1; q <= 200; q++)
		if (anpr_spool_mark(s, &q, 1, ANPR_SPOOL_DELIVERED))
			return 1;
	printf("mark, 1 seq per call: %.0f calls/s\n", 200 / secs_since(t0));
	uint64_t m[100];
	t0 = anpr_clock_mono_ns();
	int calls = 0;
	for (uint64_t q = 201; q + 100 <= held; q += 100, calls++) {
		for (int k = 0; k < 100; k++)
			m[k] = q + (uint64_t)k;
		if (anpr_spool_mark(s, m, 100, ANPR_SPOOL_DELIVERED))
			return 1;
	}
	double ms = secs_since(t0);
	printf("mark, 100 seqs per call: %.0f calls/s, %.0f records/s\n", calls / ms, calls * 100 / ms);
	anpr_spool_close(s);
	rm_rf(dir);

	for (int n = 4; n <= 8; n += 4) {
		printf("append, %d threads, 1 record per call, window 0 ms: %.0f records/s\n", n,
		       threaded(dir, n, 0, 3.0));
		printf("append, %d threads, 1 record per call, window 2 ms: %.0f records/s\n", n,
		       threaded(dir, n, 2, 3.0));
	}

	for (int i = 2; i < argc; i++)
		recovery(base, strtoull(argv[i], NULL, 10));
	if (argc <= 2)
		printf("recovery: pass sizes in MB after the folder, e.g. bench_spool /tmp 2048 8192\n");
	return 0;
}
