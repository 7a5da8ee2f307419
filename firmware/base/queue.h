/* SPDX-License-Identifier: MIT */
/* A bounded, thread-safe FIFO of pointers: the only way data crosses threads. */
#ifndef ANPR_QUEUE_H
#define ANPR_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct anpr_queue anpr_queue;

/* Largest capacity accepted by anpr_queue_new(). */
#define ANPR_QUEUE_MAX_CAPACITY (1u << 20)

/*
 * Creates an empty queue holding at most capacity items (1 to
 * ANPR_QUEUE_MAX_CAPACITY). The caller owns *out and frees it with
 * anpr_queue_free(). Returns ANPR_ERR_INVAL or ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_queue_new(size_t capacity, anpr_queue **out);

/*
 * Frees the queue (NULL is fine). Items still queued are not freed: drain
 * them first. No other thread may be using the queue.
 */
void anpr_queue_free(anpr_queue *q);

/*
 * Appends item, waiting up to timeout_ms for room (0: do not wait, <0: wait
 * for ever). Ownership of item passes to the queue only on ANPR_ERR_OK.
 * Returns ANPR_ERR_FULL (timeout 0), ANPR_ERR_TIMEOUT, or ANPR_ERR_CLOSED
 * after anpr_queue_shutdown(). Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_queue_push(anpr_queue *q, void *item, int64_t timeout_ms);

/*
 * Removes the oldest item into *item, waiting up to timeout_ms (0: do not
 * wait, <0: for ever). The caller then owns it. Returns ANPR_ERR_EMPTY
 * (timeout 0), ANPR_ERR_TIMEOUT, or ANPR_ERR_CLOSED once the queue is shut
 * down and drained. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_queue_pop(anpr_queue *q, void **item, int64_t timeout_ms);

/*
 * Refuses further pushes and wakes every waiter; pops still return what is
 * queued, then ANPR_ERR_CLOSED. Idempotent. Any thread.
 */
void anpr_queue_shutdown(anpr_queue *q);

/* Current number of items, and the most ever held at once. Any thread. */
size_t anpr_queue_len(anpr_queue *q);
size_t anpr_queue_high_water(anpr_queue *q);

#endif
