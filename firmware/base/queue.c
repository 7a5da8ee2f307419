/* SPDX-License-Identifier: MIT */
/* Bounded FIFO: a ring of pointers under one mutex with two condition variables. */
#include "queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct anpr_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	void **ring;
	size_t capacity;
	size_t head; /* next item to pop */
	size_t len;
	size_t high_water;
	bool shut;
};

anpr_err anpr_queue_new(size_t capacity, anpr_queue **out)
{
	anpr_queue *q = NULL;
	pthread_condattr_t ca;
	anpr_err err = ANPR_ERR_NOMEM;

	if (!out || capacity == 0 || capacity > ANPR_QUEUE_MAX_CAPACITY)
		return ANPR_ERR_INVAL;
	*out = NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		goto out;
	q->ring = calloc(capacity, sizeof(*q->ring));
	if (!q->ring)
		goto out;
	q->capacity = capacity;
	pthread_mutex_init(&q->lock, NULL);
	/* Waits use CLOCK_MONOTONIC so a wall-clock step cannot stretch a timeout. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->not_empty, &ca);
	pthread_cond_init(&q->not_full, &ca);
	pthread_condattr_destroy(&ca);
	*out = q;
	q = NULL;
	err = ANPR_ERR_OK;
out:
	if (q)
		free(q->ring);
	free(q);
	return err;
}

void anpr_queue_free(anpr_queue *q)
{
	if (!q)
		return;
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
}

static void deadline_after(int64_t ms, struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* Waits on cv until cond() holds, the queue shuts, or the timeout passes. Lock held. */
static anpr_err wait_for(anpr_queue *q, pthread_cond_t *cv, bool (*ready)(const anpr_queue *),
			 int64_t timeout_ms, anpr_err would_block)
{
	struct timespec deadline;

	if (timeout_ms > 0)
		deadline_after(timeout_ms, &deadline);
	while (!ready(q) && !q->shut) {
		if (timeout_ms == 0)
			return would_block;
		if (timeout_ms < 0) {
			pthread_cond_wait(cv, &q->lock);
		} else if (pthread_cond_timedwait(cv, &q->lock, &deadline) == ETIMEDOUT) {
			if (!ready(q) && !q->shut)
				return ANPR_ERR_TIMEOUT;
		}
	}
	return ANPR_ERR_OK;
}

static bool has_room(const anpr_queue *q)
{
	return q->len < q->capacity;
}

static bool has_item(const anpr_queue *q)
{
	return q->len > 0;
}

anpr_err anpr_queue_push(anpr_queue *q, void *item, int64_t timeout_ms)
{
	anpr_err err;

	if (!q)
		return ANPR_ERR_INVAL;
	pthread_mutex_lock(&q->lock);
	err = wait_for(q, &q->not_full, has_room, timeout_ms, ANPR_ERR_FULL);
	if (err)
		goto out;
	if (q->shut) {
		err = ANPR_ERR_CLOSED;
		goto out;
	}
	q->ring[(q->head + q->len) % q->capacity] = item;
	q->len++;
	if (q->len > q->high_water)
		q->high_water = q->len;
	pthread_cond_signal(&q->not_empty);
out:
	pthread_mutex_unlock(&q->lock);
	return err;
}

anpr_err anpr_queue_pop(anpr_queue *q, void **item, int64_t timeout_ms)
{
	anpr_err err;

	if (!q || !item)
		return ANPR_ERR_INVAL;
	pthread_mutex_lock(&q->lock);
	err = wait_for(q, &q->not_empty, has_item, timeout_ms, ANPR_ERR_EMPTY);
	if (err)
		goto out;
	if (q->len == 0) { /* shut down and drained */
		err = ANPR_ERR_CLOSED;
		goto out;
	}
	*item = q->ring[q->head];
	q->ring[q->head] = NULL;
	q->head = (q->head + 1) % q->capacity;
	q->len--;
	pthread_cond_signal(&q->not_full);
out:
	pthread_mutex_unlock(&q->lock);
	return err;
}

void anpr_queue_shutdown(anpr_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->shut = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

size_t anpr_queue_len(anpr_queue *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->len;
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t anpr_queue_high_water(anpr_queue *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->high_water;
	pthread_mutex_unlock(&q->lock);
	return n;
}
