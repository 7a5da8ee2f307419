/* SPDX-License-Identifier: MIT */
/* Bounded queue: FIFO order, bounds, timeouts, shutdown, and many threads at once. */
#include <pthread.h>
#include <stdint.h>

#include "check.h"
#include "clock.h"
#include "queue.h"

static void test_basics(void)
{
	anpr_queue *q = NULL;
	void *item = NULL;

	CHECK_INT(anpr_queue_new(0, &q), ANPR_ERR_INVAL);
	CHECK_INT(anpr_queue_new(ANPR_QUEUE_MAX_CAPACITY + 1, &q), ANPR_ERR_INVAL);
	CHECK_INT(anpr_queue_new(3, &q), ANPR_ERR_OK);
	CHECK_INT(anpr_queue_pop(q, &item, 0), ANPR_ERR_EMPTY);
	for (uintptr_t i = 1; i <= 3; i++)
		CHECK_INT(anpr_queue_push(q, (void *)i, 0), ANPR_ERR_OK);
	CHECK_INT(anpr_queue_push(q, (void *)4, 0), ANPR_ERR_FULL);
	CHECK_INT(anpr_queue_len(q), 3);

	int64_t t0 = anpr_clock_mono_ms();
	CHECK_INT(anpr_queue_push(q, (void *)4, 50), ANPR_ERR_TIMEOUT);
	CHECK(anpr_clock_mono_ms() - t0 >= 50);

	for (uintptr_t i = 1; i <= 3; i++) {
		CHECK_INT(anpr_queue_pop(q, &item, 0), ANPR_ERR_OK);
		CHECK_INT((uintptr_t)item, i);
	}
	/* Wrap around the ring. */
	for (uintptr_t i = 10; i < 20; i++) {
		CHECK_INT(anpr_queue_push(q, (void *)i, 0), ANPR_ERR_OK);
		CHECK_INT(anpr_queue_pop(q, &item, 0), ANPR_ERR_OK);
		CHECK_INT((uintptr_t)item, i);
	}
	CHECK_INT(anpr_queue_high_water(q), 3);
	t0 = anpr_clock_mono_ms();
	CHECK_INT(anpr_queue_pop(q, &item, 30), ANPR_ERR_TIMEOUT);
	CHECK(anpr_clock_mono_ms() - t0 >= 30);

	CHECK_INT(anpr_queue_push(q, (void *)7, 0), ANPR_ERR_OK);
	anpr_queue_shutdown(q);
	anpr_queue_shutdown(q);
	CHECK_INT(anpr_queue_push(q, (void *)8, 0), ANPR_ERR_CLOSED);
	CHECK_INT(anpr_queue_pop(q, &item, -1), ANPR_ERR_OK); /* drains what was queued */
	CHECK_INT((uintptr_t)item, 7);
	CHECK_INT(anpr_queue_pop(q, &item, -1), ANPR_ERR_CLOSED);
	anpr_queue_free(q);
	anpr_queue_free(NULL);
}

enum { PRODUCERS = 4, CONSUMERS = 3, PER_PRODUCER = 20000 };

typedef struct ctx {
	anpr_queue *q;
	int id;
	uint64_t sum;
	unsigned count;
	int order_ok;
} ctx;

static void *producer(void *arg)
{
	ctx *c = arg;

	for (uintptr_t i = 1; i <= PER_PRODUCER; i++) {
		uintptr_t v = ((uintptr_t)c->id << 32) | i;
		if (anpr_queue_push(c->q, (void *)v, -1) != ANPR_ERR_OK)
			break;
		c->sum += v;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	ctx *c = arg;
	uintptr_t last[PRODUCERS] = { 0 };
	void *item;

	c->order_ok = 1;
	while (anpr_queue_pop(c->q, &item, -1) == ANPR_ERR_OK) {
		uintptr_t v = (uintptr_t)item;
		unsigned p = (unsigned)(v >> 32);
		/* Items of one producer reach one consumer in the order they were pushed. */
		if (p >= PRODUCERS || (v & 0xffffffffu) <= last[p])
			c->order_ok = 0;
		else
			last[p] = v & 0xffffffffu;
		c->sum += v;
		c->count++;
	}
	return NULL;
}

static void test_threads(void)
{
	anpr_queue *q = NULL;
	pthread_t pt[PRODUCERS], ct[CONSUMERS];
	ctx pc[PRODUCERS] = { 0 }, cc[CONSUMERS] = { 0 };
	uint64_t in = 0, out = 0;
	unsigned count = 0;

	CHECK_INT(anpr_queue_new(8, &q), ANPR_ERR_OK);
	for (int i = 0; i < CONSUMERS; i++) {
		cc[i].q = q;
		pthread_create(&ct[i], NULL, consumer, &cc[i]);
	}
	for (int i = 0; i < PRODUCERS; i++) {
		pc[i].q = q;
		pc[i].id = i;
		pthread_create(&pt[i], NULL, producer, &pc[i]);
	}
	for (int i = 0; i < PRODUCERS; i++) {
		pthread_join(pt[i], NULL);
		in += pc[i].sum;
	}
	anpr_queue_shutdown(q);
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(ct[i], NULL);
		out += cc[i].sum;
		count += cc[i].count;
		CHECK(cc[i].order_ok);
	}
	CHECK_INT(count, PRODUCERS * PER_PRODUCER);
	CHECK(in == out);
	CHECK(anpr_queue_high_water(q) <= 8);
	anpr_queue_free(q);
}

int main(void)
{
	test_basics();
	test_threads();
	return check_summary();
}
