/* SPDX-License-Identifier: MIT */
/* Delivery of stored reads to the back office: batches over mutual TLS with libcurl (docs/back-office-protocol.md). */
#define ANPR_LOG_TAG "uplink"
#include "uplink.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ack.h"
#include "clock.h"
#include "json.h"
#include "log.h"

#define MAX_BATCH 64
#define MAX_GAPS 256
#define BACKOFF_BASE_MS 1000
#define IDLE_WAIT_MS 1000

typedef struct gap {
	uint64_t from, to;
	char reason[16];
} gap;

struct anpr_uplink {
	anpr_uplink_cfg cfg;
	char *url_reads, *url, *ca, *cert, *key, *device, *agent;
	CURL *curl;
	struct curl_slist *headers;

	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, kicked;
	gap gaps[MAX_GAPS];
	size_t n_gaps;
	anpr_uplink_stats st;

	/* The uplink thread's own. */
	uint64_t batch[MAX_BATCH];
	size_t n_batch, n_gaps_sent;
	uint8_t *rec;
	char *resp;
	size_t resp_len;
	bool resp_overflow;
	int64_t retry_after_ms;
	double tokens;
	int64_t tokens_at;
	int split; /* batch size limit after a 400/413 */
	unsigned attempt;
	uint64_t rng;
};

const char *anpr_uplink_state_name(anpr_uplink_state s)
{
	switch (s) {
	case ANPR_UPLINK_IDLE:
		return "idle";
	case ANPR_UPLINK_SENDING:
		return "sending";
	case ANPR_UPLINK_BACKOFF:
		return "backoff";
	case ANPR_UPLINK_REFUSED:
		return "refused";
	}
	return "unknown";
}

static void set_state(anpr_uplink *u, anpr_uplink_state s)
{
	pthread_mutex_lock(&u->mu);
	u->st.state = s;
	pthread_mutex_unlock(&u->mu);
}

/* Waits up to ms or until stopped (or kicked, if wake_on_kick). True when stopping. */
static bool wait_ms(anpr_uplink *u, int64_t ms, bool wake_on_kick)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t ns = ts.tv_nsec + (ms % 1000) * 1000000;
	ts.tv_sec += ms / 1000 + ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	pthread_mutex_lock(&u->mu);
	while (!u->stop && !(wake_on_kick && u->kicked))
		if (pthread_cond_timedwait(&u->cv, &u->mu, &ts) != 0)
			break;
	if (wake_on_kick)
		u->kicked = false;
	stop = u->stop;
	pthread_mutex_unlock(&u->mu);
	return stop;
}

static uint64_t next_random(anpr_uplink *u)
{
	/* xorshift64*: only for jitter */
	u->rng ^= u->rng >> 12;
	u->rng ^= u->rng << 25;
	u->rng ^= u->rng >> 27;
	return u->rng * 2685821657736338717ULL;
}

/* Full jitter: a uniform wait in [0, min(cap, base * 2^attempt)], or the server's Retry-After. */
static int64_t backoff_ms(anpr_uplink *u)
{
	int64_t cap = (int64_t)u->cfg.backoff_max_s * 1000, ceiling = BACKOFF_BASE_MS;

	for (unsigned i = 0; i < u->attempt && ceiling < cap; i++)
		ceiling *= 2;
	if (ceiling > cap)
		ceiling = cap;
	if (u->attempt < 64)
		u->attempt++;
	if (u->retry_after_ms > 0)
		return u->retry_after_ms < cap ? u->retry_after_ms : cap;
	return (int64_t)(next_random(u) % (uint64_t)(ceiling + 1));
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	anpr_uplink *u = user;
	size_t n = size * nmemb;

	if (u->resp_len + n > ANPR_ACK_MAX_BODY) {
		u->resp_overflow = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	memcpy(u->resp + u->resp_len, data, n);
	u->resp_len += n;
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
	anpr_uplink *u = user;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:";

	if (n > sizeof(name) && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		char value[64];
		size_t len = n - (sizeof(name) - 1);
		if (len >= sizeof(value))
			len = sizeof(value) - 1;
		memcpy(value, data + sizeof(name) - 1, len);
		value[len] = '\0';
		char *end;
		long secs = strtol(value, &end, 10);
		if (end != value && secs >= 0) {
			u->retry_after_ms = secs > 86400 ? 86400000 : secs * 1000;
		} else {
			time_t when = curl_getdate(value, NULL);
			time_t now = time(NULL);
			if (when > now)
				u->retry_after_ms = (int64_t)(when - now) * 1000;
		}
	}
	return n;
}

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static bool in_batch(const anpr_uplink *u, uint64_t seq)
{
	for (size_t i = 0; i < u->n_batch; i++)
		if (u->batch[i] == seq)
			return true;
	return false;
}

/* Appends record seq to the body; false if it could not be read (corrupt: reported as a gap). */
static bool add_record(anpr_uplink *u, FILE *body, uint64_t seq)
{
	size_t len = 0;
	anpr_err err = anpr_spool_read(u->cfg.spool, seq, u->rec, ANPR_SPOOL_MAX_RECORD, &len, NULL);

	if (err) {
		if (err == ANPR_ERR_FORMAT)
			anpr_uplink_report_gap(u, seq, seq, "corrupt");
		ANPR_LOGW("read %" PRIu64 " cannot be sent: %s", seq, anpr_strerror(err));
		return false;
	}
	if (u->n_batch)
		fputc(',', body);
	fwrite(u->rec, 1, len, body);
	u->batch[u->n_batch++] = seq;
	return true;
}

/* Whether record seq was captured within the live window. */
static bool is_live(anpr_uplink *u, uint64_t seq, int64_t now)
{
	int64_t utc = 0;
	size_t len;

	return anpr_spool_read(u->cfg.spool, seq, u->rec, ANPR_SPOOL_MAX_RECORD, &len, &utc) == ANPR_ERR_OK &&
	       now - utc <= u->cfg.live_window_ms;
}

/*
 * Fills a batch: live reads (captured within the live window), newest
 * first, then the backlog oldest first as the rate allows. Returns the
 * body (malloc'd) or NULL when there is nothing to send now.
 */
static char *make_batch(anpr_uplink *u, size_t *len)
{
	uint64_t seqs[MAX_BATCH], chosen[MAX_BATCH];
	size_t limit = (size_t)(u->split < u->cfg.batch_max ? u->split : u->cfg.batch_max), n, n_chosen = 0;
	int64_t now = anpr_clock_utc_ms(), mono = anpr_clock_mono_ms();
	char *buf = NULL, sent_at[ANPR_UTC_STRLEN] = "";
	size_t size = 0;
	FILE *body;

	/* Live reads first, newest first, up to the first that is not live. */
	n = anpr_spool_pending(u->cfg.spool, 0, true, seqs, limit);
	for (size_t i = 0; i < n && is_live(u, seqs[i], now); i++)
		chosen[n_chosen++] = seqs[i];

	/* Then the backlog, oldest first, at its rate. */
	u->tokens += u->cfg.backlog_rate * (double)(mono - u->tokens_at) / 1000.0;
	u->tokens_at = mono;
	if (u->tokens > (double)limit)
		u->tokens = (double)limit;
	if (n_chosen < limit && u->tokens >= 1.0) {
		size_t want = limit - n_chosen;
		if ((double)want > u->tokens)
			want = (size_t)u->tokens;
		n = anpr_spool_pending(u->cfg.spool, 0, false, seqs, want + n_chosen);
		for (size_t i = 0; i < n && want > 0; i++) {
			bool dup = false;
			for (size_t j = 0; j < n_chosen && !dup; j++)
				dup = chosen[j] == seqs[i];
			if (dup)
				continue;
			chosen[n_chosen++] = seqs[i];
			u->tokens -= 1.0;
			want--;
		}
	}

	body = open_memstream(&buf, &size);
	if (!body)
		return NULL;
	u->n_batch = 0;
	if (anpr_clock_format_utc(now, sent_at, sizeof(sent_at)))
		sent_at[0] = '\0';
	fputs("{\"device\":", body);
	anpr_json_write_string(body, u->cfg.device);
	fprintf(body, ",\"sent_at\":\"%s\",\"reads\":[", sent_at);
	for (size_t i = 0; i < n_chosen; i++)
		(void)add_record(u, body, chosen[i]);
	fputs("]", body);

	/* Known losses go with it. */
	pthread_mutex_lock(&u->mu);
	u->n_gaps_sent = u->n_gaps;
	if (u->n_gaps) {
		fputs(",\"gaps\":[", body);
		for (size_t i = 0; i < u->n_gaps; i++)
			fprintf(body, "%s{\"from\":%" PRIu64 ",\"to\":%" PRIu64 ",\"reason\":\"%s\"}",
				i ? "," : "", u->gaps[i].from, u->gaps[i].to, u->gaps[i].reason);
		fputs("]", body);
	}
	pthread_mutex_unlock(&u->mu);
	fputs("}", body);
	if (fclose(body) != 0 || (u->n_batch == 0 && u->n_gaps_sent == 0)) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

/* The sequence number a read id of this device stands for; 0 if it is not one of ours. */
static uint64_t id_seq(const anpr_uplink *u, const char *id)
{
	size_t dl = strlen(u->cfg.device), n = strlen(id);
	uint64_t seq = 0;

	if (n != dl + 13 || strncmp(id, u->cfg.device, dl) != 0 || id[dl] != '-')
		return 0;
	for (size_t i = dl + 1; i < n; i++) {
		if (id[i] < '0' || id[i] > '9')
			return 0;
		seq = seq * 10 + (uint64_t)(id[i] - '0');
	}
	return seq;
}

static void failed(anpr_uplink *u, int http, const char *why)
{
	pthread_mutex_lock(&u->mu);
	u->st.failures++;
	u->st.last_http = http;
	snprintf(u->st.last_error, sizeof(u->st.last_error), "%s", why);
	pthread_mutex_unlock(&u->mu);
}

/*
 * Applies a 200's acknowledgements. False when the reply acknowledged none
 * of the batch's reads (not an acknowledgement, or none of our ids).
 */
static bool acknowledged(anpr_uplink *u)
{
	anpr_ack acks[MAX_BATCH];
	uint64_t done[MAX_BATCH], bad[MAX_BATCH];
	size_t n = 0, n_done = 0, n_bad = 0, dups = 0, stored = 0;
	anpr_err err = anpr_ack_parse(u->resp, u->resp_len, acks, MAX_BATCH, &n);

	if (err) {
		ANPR_LOGW("the back office's reply is not a valid acknowledgement (%s); resending later",
			  anpr_strerror(err));
		failed(u, 200, "invalid acknowledgement");
		return false;
	}
	for (size_t i = 0; i < n && i < MAX_BATCH; i++) {
		uint64_t seq = id_seq(u, acks[i].id);
		if (!seq || !in_batch(u, seq))
			continue; /* not a read of this batch: ignored */
		if (acks[i].status == ANPR_ACK_STORED || acks[i].status == ANPR_ACK_DUPLICATE) {
			done[n_done++] = seq;
			dups += acks[i].status == ANPR_ACK_DUPLICATE;
			stored += acks[i].status == ANPR_ACK_STORED;
		} else if (acks[i].status == ANPR_ACK_REJECTED) {
			ANPR_LOGE("the back office rejected read %" PRIu64 " (%s): quarantined", seq,
				  acks[i].error);
			bad[n_bad++] = seq;
		}
	}
	if (n_done && anpr_spool_mark(u->cfg.spool, done, n_done, ANPR_SPOOL_DELIVERED))
		ANPR_LOGE("cannot record %zu deliveries; they will be sent again", n_done);
	if (n_bad && anpr_spool_mark(u->cfg.spool, bad, n_bad, ANPR_SPOOL_QUARANTINED))
		ANPR_LOGE("cannot record %zu quarantined reads", n_bad);
	pthread_mutex_lock(&u->mu);
	u->st.batches_ok++;
	u->st.delivered += stored;
	u->st.duplicates += dups;
	u->st.quarantined += n_bad;
	u->st.last_http = 200;
	u->st.last_success_utc_ms = anpr_clock_utc_ms();
	u->st.gaps_sent += u->n_gaps_sent;
	/* Gaps sent are done with; any reported meanwhile stay. */
	memmove(u->gaps, u->gaps + u->n_gaps_sent, (u->n_gaps - u->n_gaps_sent) * sizeof(u->gaps[0]));
	u->n_gaps -= u->n_gaps_sent;
	pthread_mutex_unlock(&u->mu);
	if (n_done + n_bad < u->n_batch)
		ANPR_LOGW("%zu reads of the batch were not acknowledged; they will be sent again",
			  u->n_batch - n_done - n_bad);
	return n_done + n_bad > 0 || u->n_batch == 0;
}

/* Sends one batch; returns how long to wait before the next (0: go on). */
static int64_t send_batch(anpr_uplink *u, const char *body, size_t len)
{
	long http = 0;
	CURLcode rc;

	u->resp_len = 0;
	u->resp_overflow = false;
	u->retry_after_ms = 0;
	curl_easy_setopt(u->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(u->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	set_state(u, ANPR_UPLINK_SENDING);
	pthread_mutex_lock(&u->mu);
	u->st.requests++;
	pthread_mutex_unlock(&u->mu);
	rc = curl_easy_perform(u->curl);
	if (rc != CURLE_OK) {
		const char *why = u->resp_overflow ? "reply too large" : curl_easy_strerror(rc);
		ANPR_LOGW("cannot reach the back office: %s", why);
		failed(u, 0, why);
		set_state(u, ANPR_UPLINK_BACKOFF);
		return backoff_ms(u);
	}
	curl_easy_getinfo(u->curl, CURLINFO_RESPONSE_CODE, &http);
	if (http == 200) {
		if (!acknowledged(u)) {
			/* As a 5xx: resending at once would hammer a back office that answers junk. */
			set_state(u, ANPR_UPLINK_BACKOFF);
			return backoff_ms(u);
		}
		u->attempt = 0;
		if (u->split < u->cfg.batch_max)
			u->split *= 2; /* grow back after a split */
		set_state(u, ANPR_UPLINK_IDLE);
		return 0;
	}
	char why[64];
	snprintf(why, sizeof(why), "HTTP %ld", http);
	failed(u, (int)http, why);
	if (http == 400 || http == 422 || http == 413) {
		if (u->n_batch > 1) {
			/* Halve until the read at fault (or one that fits) is alone. */
			u->split = (int)(u->n_batch / 2);
			ANPR_LOGW("the back office answered %ld to %zu reads: splitting the batch", http,
				  u->n_batch);
			return 0;
		}
		ANPR_LOGE("the back office answered %ld to read %" PRIu64 " alone: quarantined", http,
			  u->batch[0]);
		if (u->n_batch == 1 && anpr_spool_mark(u->cfg.spool, u->batch, 1, ANPR_SPOOL_QUARANTINED))
			ANPR_LOGE("cannot record the quarantine of read %" PRIu64, u->batch[0]);
		pthread_mutex_lock(&u->mu);
		u->st.quarantined += u->n_batch;
		pthread_mutex_unlock(&u->mu);
		return 0;
	}
	if (http == 401 || http == 403) {
		ANPR_LOGE("the back office refuses this unit's certificate (HTTP %ld): check its enrolment",
			  http);
		set_state(u, ANPR_UPLINK_REFUSED);
		u->retry_after_ms = 0;
		return backoff_ms(u);
	}
	ANPR_LOGW("the back office answered HTTP %ld; retrying later", http);
	set_state(u, ANPR_UPLINK_BACKOFF);
	return backoff_ms(u);
}

static void *uplink_main(void *arg)
{
	anpr_uplink *u = arg;

	u->tokens_at = anpr_clock_mono_ms();
	u->tokens = 1.0;
	for (;;) {
		size_t len = 0;
		char *body = make_batch(u, &len);
		int64_t wait;

		if (!body) {
			set_state(u, ANPR_UPLINK_IDLE);
			if (wait_ms(u, IDLE_WAIT_MS, true))
				break;
			continue;
		}
		wait = send_batch(u, body, len);
		free(body);
		pthread_mutex_lock(&u->mu);
		u->st.backoff_ms = wait;
		pthread_mutex_unlock(&u->mu);
		if (wait > 0 ? wait_ms(u, wait, false) : wait_ms(u, 0, false))
			break;
	}
	return NULL;
}

static bool cfg_valid(const anpr_uplink_cfg *c)
{
	return c->url && !strncmp(c->url, "https://", 8) && c->ca_file && c->cert_file && c->key_file &&
	       c->device && c->device[0] && c->batch_max >= 1 && c->batch_max <= MAX_BATCH &&
	       c->backoff_max_s >= 1 && c->backoff_max_s <= 86400 && c->backlog_rate > 0 &&
	       c->live_window_ms >= 0 && c->connect_timeout_s > 0 && c->timeout_s > 0 && c->spool;
}

anpr_err anpr_uplink_start(const anpr_uplink_cfg *cfg, anpr_uplink **out)
{
	anpr_uplink *u;
	anpr_err err = ANPR_ERR_NOMEM;
	size_t n;

	if (!cfg || !out || !cfg_valid(cfg))
		return ANPR_ERR_INVAL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ANPR_ERR_NETWORK;
	u = calloc(1, sizeof(*u));
	if (!u)
		return ANPR_ERR_NOMEM;
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	u->cfg = *cfg;
	u->url = dup_str(cfg->url);
	u->ca = dup_str(cfg->ca_file);
	u->cert = dup_str(cfg->cert_file);
	u->key = dup_str(cfg->key_file);
	u->device = dup_str(cfg->device);
	n = strlen(cfg->url) + sizeof("/v1/reads");
	u->url_reads = malloc(n);
	u->agent = malloc(64 + strlen(cfg->firmware ? cfg->firmware : ""));
	u->rec = malloc(ANPR_SPOOL_MAX_RECORD);
	u->resp = malloc(ANPR_ACK_MAX_BODY);
	if (!u->url || !u->ca || !u->cert || !u->key || !u->device || !u->url_reads || !u->agent || !u->rec ||
	    !u->resp)
		goto out;
	u->cfg.device = u->device;
	snprintf(u->url_reads, n, cfg->url[strlen(cfg->url) - 1] == '/' ? "%sv1/reads" : "%s/v1/reads",
		 cfg->url);
	snprintf(u->agent, 64 + strlen(cfg->firmware ? cfg->firmware : ""), "anprd/%s",
		 cfg->firmware ? cfg->firmware : "unknown");
	u->split = cfg->batch_max;
	u->rng = (uint64_t)anpr_clock_mono_ns() | 1;

	u->curl = curl_easy_init();
	u->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!u->curl || !u->headers) {
		err = ANPR_ERR_NETWORK;
		goto out;
	}
	/* Mutual TLS to a pinned CA, 1.2 or later, host name checked, HTTPS only, no redirects. */
	curl_easy_setopt(u->curl, CURLOPT_URL, u->url_reads);
	curl_easy_setopt(u->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(u->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(u->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(u->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(u->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(u->curl, CURLOPT_CAINFO, u->ca);
	curl_easy_setopt(u->curl, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(u->curl, CURLOPT_SSLCERT, u->cert);
	curl_easy_setopt(u->curl, CURLOPT_SSLKEY, u->key);
	curl_easy_setopt(u->curl, CURLOPT_CONNECTTIMEOUT, (long)cfg->connect_timeout_s);
	curl_easy_setopt(u->curl, CURLOPT_TIMEOUT, (long)cfg->timeout_s);
	curl_easy_setopt(u->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(u->curl, CURLOPT_USERAGENT, u->agent);
	curl_easy_setopt(u->curl, CURLOPT_HTTPHEADER, u->headers);
	curl_easy_setopt(u->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(u->curl, CURLOPT_WRITEDATA, u);
	curl_easy_setopt(u->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(u->curl, CURLOPT_HEADERDATA, u);
	curl_easy_setopt(u->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	if (pthread_create(&u->thread, NULL, uplink_main, u)) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	u->started = true;
	ANPR_LOGI("delivering reads to %s", u->url);
	*out = u;
	return ANPR_ERR_OK;
out:
	anpr_uplink_close(u);
	return err;
}

void anpr_uplink_kick(anpr_uplink *u)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->mu);
	u->kicked = true;
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
}

void anpr_uplink_report_gap(anpr_uplink *u, uint64_t from, uint64_t to, const char *reason)
{
	if (!u)
		return;
	pthread_mutex_lock(&u->mu);
	if (u->n_gaps > 0 && u->gaps[u->n_gaps - 1].to + 1 == from &&
	    !strcmp(u->gaps[u->n_gaps - 1].reason, reason)) {
		u->gaps[u->n_gaps - 1].to = to; /* extends the last range */
	} else if (u->n_gaps < MAX_GAPS) {
		gap *g = &u->gaps[u->n_gaps++];
		g->from = from;
		g->to = to;
		snprintf(g->reason, sizeof(g->reason), "%s", reason);
	}
	pthread_mutex_unlock(&u->mu);
}

void anpr_uplink_get_stats(anpr_uplink *u, anpr_uplink_stats *st)
{
	pthread_mutex_lock(&u->mu);
	*st = u->st;
	pthread_mutex_unlock(&u->mu);
}

void anpr_uplink_close(anpr_uplink *u)
{
	if (!u)
		return;
	if (u->started) {
		pthread_mutex_lock(&u->mu);
		u->stop = true;
		pthread_cond_broadcast(&u->cv);
		pthread_mutex_unlock(&u->mu);
		pthread_join(u->thread, NULL);
	}
	if (u->curl)
		curl_easy_cleanup(u->curl);
	curl_slist_free_all(u->headers);
	free(u->url_reads);
	free(u->url);
	free(u->ca);
	free(u->cert);
	free(u->key);
	free(u->device);
	free(u->agent);
	free(u->rec);
	free(u->resp);
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->cv);
	free(u);
}
