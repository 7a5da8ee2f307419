/* SPDX-License-Identifier: MIT */
/* Benchmarks of the base modules: queue hand-off between threads, config parsing, logging. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "boards.h"
#include "clock.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "queue.h"

enum { ITEMS = 2000000 };

static void *consume(void *arg)
{
	anpr_queue *q = arg;
	void *item;

	while (anpr_queue_pop(q, &item, -1) == ANPR_ERR_OK)
		;
	return NULL;
}

static void bench_queue(void)
{
	anpr_queue *q = NULL;
	pthread_t t;

	if (anpr_queue_new(64, &q) != ANPR_ERR_OK)
		return;
	pthread_create(&t, NULL, consume, q);
	int64_t t0 = anpr_clock_mono_ns();
	for (uintptr_t i = 1; i <= ITEMS; i++)
		if (anpr_queue_push(q, (void *)i, -1) != ANPR_ERR_OK)
			break;
	anpr_queue_shutdown(q);
	pthread_join(t, NULL);
	double secs = (double)(anpr_clock_mono_ns() - t0) / 1e9;
	printf("queue: %.2f M items/s between two threads (capacity 64)\n", ITEMS / secs / 1e6);
	anpr_queue_free(q);
}

static void bench_config(void)
{
	size_t n;
	const anpr_cfg_key *keys = anpr_keys_table(&n);
	const anpr_board *b = anpr_board_find(ANPR_BOARD_DEFAULT);
	char diag[ANPR_CFG_DIAG_LEN];
	int rounds = 20000;

	int64_t t0 = anpr_clock_mono_ns();
	for (int i = 0; i < rounds; i++) {
		anpr_config *c = NULL;
		if (anpr_config_new(keys, n, &c, diag, sizeof(diag)) ||
		    anpr_config_load_buffer(c, b->path, b->ini, b->len, diag, sizeof(diag)))
			return;
		anpr_config_free(c);
	}
	double us = (double)(anpr_clock_mono_ns() - t0) / 1e3 / rounds;
	printf("config: %.1f us to build defaults and parse the host-sim board file\n", us);
}

static void null_sink(void *ctx, anpr_log_level level, const char *line, size_t len)
{
	(void)ctx;
	(void)level;
	(void)line;
	(void)len;
}

static void bench_log(void)
{
	int rounds = 200000;

	anpr_log_set_sink(null_sink, NULL);
	anpr_log_set_rate_limit(0, 0);
	int64_t t0 = anpr_clock_mono_ns();
	for (int i = 0; i < rounds; i++)
		ANPR_LOGI("frame %d dropped, queue depth %d", i, 8);
	double ns_on = (double)(anpr_clock_mono_ns() - t0) / rounds;
	t0 = anpr_clock_mono_ns();
	for (int i = 0; i < rounds; i++)
		ANPR_LOGD("frame %d", i);
	double ns_off = (double)(anpr_clock_mono_ns() - t0) / rounds;
	anpr_log_set_sink(NULL, NULL);
	printf("log: %.0f ns per formatted line, %.1f ns per call below the level\n", ns_on, ns_off);
}

int main(void)
{
	bench_queue();
	bench_config();
	bench_log();
	return 0;
}
