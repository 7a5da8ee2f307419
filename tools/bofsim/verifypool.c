/* SPDX-License-Identifier: MIT */
/* Parallel read verification: a queue of batches, each read claimed by whichever thread is free. */
#define ANPR_LOG_TAG "verifypool"
#include "verifypool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* One batch being verified; lives on the stack of the thread that called anpr_verifypool_run(). */
typedef struct job {
	const anpr_batch *b;
	const anpr_verifypool_key *key;
	anpr_readcheck_read *rds;
	anpr_readcheck_fault *faults;
	const char **whys;
	bool redo[ANPR_BATCH_MAX_READS]; /* a helper had no key: the caller checks these itself */
	size_t next;                     /* the next read to claim; under the pool lock */
	size_t done;                     /* reads finished; under the pool lock */
	struct job *qnext;
} job;

/*
 * A helper thread and its own copy of the key it last verified with. Keys
 * are not shared between threads (they cache precomputations as they go),
 * so each helper parses the key from its DER, once per connection in
 * practice: it is parsed again only when the DER changes.
 */
typedef struct helper {
	struct anpr_verifypool *pool;
	pthread_t thread;
	bool started;
	anpr_readcheck_key *key; /* or NULL */
	unsigned char *spki;     /* the DER key was parsed from, or NULL */
	size_t spki_len;
} helper;

struct anpr_verifypool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job was queued, or the pool is stopping */
	pthread_cond_t done; /* a read of some job finished */
	job *head;           /* jobs with reads not yet claimed, oldest first */
	bool stopping;
	unsigned n_helpers;
	helper *helpers;
};

/* Claims the next read of j (pool lock held); SIZE_MAX when all are claimed. */
static size_t claim(anpr_verifypool *p, job *j)
{
	if (j->next >= j->b->n_reads)
		return SIZE_MAX;
	size_t i = j->next++;
	if (j->next == j->b->n_reads) {
		job **pp = &p->head;
		while (*pp && *pp != j)
			pp = &(*pp)->qnext;
		if (*pp)
			*pp = j->qnext;
	}
	return i;
}

/* The helper's parsed copy of key, or NULL when it cannot be had (out of memory). */
static anpr_readcheck_key *helper_key(helper *h, const anpr_verifypool_key *key)
{
	if (h->key && h->spki_len == key->spki_len && memcmp(h->spki, key->spki, key->spki_len) == 0)
		return h->key;
	anpr_readcheck_key_free(h->key);
	h->key = NULL;
	free(h->spki);
	h->spki = malloc(key->spki_len ? key->spki_len : 1);
	h->spki_len = 0;
	if (!h->spki)
		return NULL;
	memcpy(h->spki, key->spki, key->spki_len);
	h->spki_len = key->spki_len;
	if (anpr_readcheck_key_open(key->spki, key->spki_len, &h->key) != ANPR_ERR_OK)
		h->key = NULL;
	return h->key;
}

static void *helper_main(void *arg)
{
	helper *h = arg;
	anpr_verifypool *p = h->pool;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->head)
			break;
		job *j = p->head;
		size_t i = claim(p, j);
		pthread_mutex_unlock(&p->lock);

		anpr_readcheck_key *key = helper_key(h, j->key);
		if (key)
			j->faults[i] = anpr_readcheck_verify_key(&j->b->reads[i], key, j->key->kid,
								 &j->rds[i], &j->whys[i]);
		else
			j->redo[i] = true;

		pthread_mutex_lock(&p->lock);
		/* Once done reaches n_reads the caller may return: j is not touched after this. */
		if (++j->done == j->b->n_reads)
			pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

anpr_err anpr_verifypool_open(unsigned helpers, anpr_verifypool **out)
{
	anpr_verifypool *p = NULL;

	if (!out || helpers >= ANPR_VERIFYPOOL_THREADS_MAX)
		return ANPR_ERR_INVAL;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ANPR_ERR_NOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (helpers) {
		p->helpers = calloc(helpers, sizeof(*p->helpers));
		if (!p->helpers) {
			anpr_verifypool_close(p);
			return ANPR_ERR_NOMEM;
		}
	}
	for (unsigned k = 0; k < helpers; k++) {
		helper *h = &p->helpers[k];
		h->pool = p;
		p->n_helpers = k + 1;
		if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
			ANPR_LOGE("cannot start a verification thread");
			anpr_verifypool_close(p);
			return ANPR_ERR_INTERNAL;
		}
		h->started = true;
	}
	*out = p;
	return ANPR_ERR_OK;
}

void anpr_verifypool_run(anpr_verifypool *p, const anpr_batch *b, const anpr_verifypool_key *key,
			 anpr_readcheck_read *rds, anpr_readcheck_fault *faults, const char **whys)
{
	size_t n = b->n_reads;

	if (p->n_helpers == 0 || n < 2) {
		for (size_t i = 0; i < n; i++)
			faults[i] =
			    anpr_readcheck_verify_key(&b->reads[i], key->key, key->kid, &rds[i], &whys[i]);
		return;
	}

	job j;
	memset(&j, 0, sizeof(j));
	j.b = b;
	j.key = key;
	j.rds = rds;
	j.faults = faults;
	j.whys = whys;
	pthread_mutex_lock(&p->lock);
	job **pp = &p->head;
	while (*pp)
		pp = &(*pp)->qnext;
	*pp = &j;
	pthread_cond_broadcast(&p->work);
	/* This thread takes part: with no helper free, the batch is verified here as before. */
	for (size_t i; (i = claim(p, &j)) != SIZE_MAX;) {
		pthread_mutex_unlock(&p->lock);
		faults[i] = anpr_readcheck_verify_key(&b->reads[i], key->key, key->kid, &rds[i], &whys[i]);
		pthread_mutex_lock(&p->lock);
		j.done++;
	}
	while (j.done < n)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < n; i++) {
		if (j.redo[i])
			faults[i] =
			    anpr_readcheck_verify_key(&b->reads[i], key->key, key->kid, &rds[i], &whys[i]);
	}
}

void anpr_verifypool_close(anpr_verifypool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned k = 0; k < p->n_helpers; k++) {
		helper *h = &p->helpers[k];
		if (h->started)
			pthread_join(h->thread, NULL);
		anpr_readcheck_key_free(h->key);
		free(h->spki);
	}
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p->helpers);
	free(p);
}
