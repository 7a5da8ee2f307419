/* SPDX-License-Identifier: MIT */
/* The simulator's server: mbedTLS 2.28 mutual TLS, minimal HTTP/1.1 keep-alive, the two endpoints, faults. */
#define ANPR_LOG_TAG "bofsim"
#include "bofsim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "batch.h"
#include "bofdb.h"
#include "clock.h"
#include "httphead.h"
#include "json.h"
#include "log.h"
#include "readcheck.h"
#include "sign.h"
#include "verifypool.h"

#define READ_SLICE_MS 500 /* each blocking read waits this long before checking for shutdown */
#define HANDSHAKE_TIMEOUT_MS 10000
#define N_STATUS 600

static const char pers[] = "anpr-bofsim";

typedef struct counters {
	uint64_t received; /* reads in well-formed batches */
	uint64_t stored;
	uint64_t duplicates;
	uint64_t duplicate_conflicts;
	uint64_t rejected;
	uint64_t bad_signatures;
	uint64_t connections;
	uint64_t refused;
	uint64_t handshake_failures;
	uint64_t requests;
	uint64_t batches;
	uint64_t injected_500;
	uint64_t injected_429;
	uint64_t dropped_after_store;
	uint64_t reply_garbage; /* hostile 200s, each after storing the batch */
	uint64_t reply_huge;
	uint64_t reply_wrong_ids;
	uint64_t reply_partial;
	uint64_t statuses[N_STATUS];
} counters;

/* One connection: the slot owns the socket, so it stays valid (for shutdown()) until the thread is joined. */
typedef struct conn {
	struct anpr_bofsim *srv;
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	anpr_readcheck_key *peer_key; /* the device key from the client certificate, parsed once */
	unsigned char *peer_spki;     /* its SubjectPublicKeyInfo DER, for the verification helpers */
	size_t peer_spki_len;
	char kid[ANPR_SIGN_KID_BUF]; /* computed once per connection */
	char peer[64];
	char buf[ANPR_HTTPHEAD_MAX + 1]; /* head, and bytes read past it */
	size_t have;
	pthread_t thread;
	bool in_use;
	atomic_bool done;
} conn;

struct anpr_bofsim {
	anpr_bofsim_cfg cfg;
	mbedtls_net_context listen;
	unsigned port;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg; /* thread-safe: Debian's mbedTLS has MBEDTLS_THREADING_PTHREAD */
	mbedtls_ssl_config conf;       /* shared read-only by every connection */
	mbedtls_x509_crt cert;
	mbedtls_x509_crt ca;
	mbedtls_pk_context key;
	anpr_bofdb *db;
	anpr_verifypool *verify; /* shared by every connection */
	atomic_bool stopping;
	pthread_mutex_t lock; /* counters and the fault generator */
	counters c;
	uint64_t rng;
	conn *slots; /* ANPR_BOFSIM_MAX_CONNECTIONS */
};

static const char *tls_error(int rc, char *buf, size_t len)
{
	mbedtls_strerror(rc, buf, len);
	return buf;
}

/* splitmix64 under the lock: reproducible faults for a seed (given the same order of requests). */
static uint64_t next_random(anpr_bofsim *s)
{
	pthread_mutex_lock(&s->lock);
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	pthread_mutex_unlock(&s->lock);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Draws only when p > 0, so adding a fault option leaves the others' sequence for a seed alone. */
static bool chance(anpr_bofsim *s, double p)
{
	if (p <= 0.0)
		return false;
	return (double)(next_random(s) >> 11) * 0x1.0p-53 < p;
}

#define COUNT(s, field, n)                        \
	do {                                      \
		pthread_mutex_lock(&(s)->lock);   \
		(s)->c.field += (n);              \
		pthread_mutex_unlock(&(s)->lock); \
	} while (0)

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- TLS I/O ---- */

/* Reads up to len bytes before deadline (monotonic ms): >0 bytes, 0 closed by the peer, <0 error or timeout. */
static int conn_read(conn *c, void *buf, size_t len, int64_t deadline)
{
	for (;;) {
		if (atomic_load(&c->srv->stopping) || anpr_clock_mono_ms() > deadline)
			return -1;
		int rc = mbedtls_ssl_read(&c->ssl, buf, len);
		if (rc > 0)
			return rc;
		if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
			return 0;
		if (rc == MBEDTLS_ERR_SSL_TIMEOUT || rc == MBEDTLS_ERR_SSL_WANT_READ ||
		    rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		return -1;
	}
}

static bool conn_write(conn *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		int rc = mbedtls_ssl_write(&c->ssl, p, len);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc <= 0)
			return false;
		p += rc;
		len -= (size_t)rc;
	}
	return true;
}

static const char *reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 417:
		return "Expectation Failed";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* Sends one response with a JSON body; extra is more header lines (each ending CRLF) or NULL. */
static bool respond(conn *c, int status, const char *body, size_t body_len, bool keep_alive,
		    const char *extra)
{
	char head[512];
	anpr_bofsim *s = c->srv;

	if (s->cfg.slow_ms)
		sleep_ms(s->cfg.slow_ms);
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nServer: anpr-bofsim\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\n%s%s\r\n",
			 status, reason(status), body_len, keep_alive ? "" : "Connection: close\r\n",
			 extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return false;
	pthread_mutex_lock(&s->lock);
	if (status >= 0 && status < N_STATUS)
		s->c.statuses[status]++;
	pthread_mutex_unlock(&s->lock);
	return conn_write(c, head, (size_t)n) && (body_len == 0 || conn_write(c, body, body_len));
}

/* An error answer {"error": "..."}. */
static bool respond_error(conn *c, int status, const char *msg, bool keep_alive, const char *extra)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	bool ok;

	if (!f)
		return false;
	fputs("{\"error\":", f);
	anpr_json_write_string(f, msg);
	fputs("}", f);
	if (fclose(f) != 0) {
		free(body);
		return false;
	}
	ok = respond(c, status, body, len, keep_alive, extra);
	free(body);
	return ok;
}

/* ---- POST /v1/reads ---- */

typedef struct result {
	const char *status; /* stored, duplicate, rejected */
	const char *error;
} result;

/* One element of "results". */
static void write_result(FILE *f, bool first, const char *id, const result *r)
{
	fputs(first ? "{\"id\":" : ",{\"id\":", f);
	anpr_json_write_string(f, id);
	fprintf(f, ",\"status\":\"%s\"", r->status);
	if (r->error) {
		fputs(",\"error\":", f);
		anpr_json_write_string(f, r->error);
	}
	fputs("}", f);
}

typedef enum hostile {
	HOSTILE_NONE,
	HOSTILE_GARBAGE,
	HOSTILE_HUGE,
	HOSTILE_WRONG_IDS,
	HOSTILE_PARTIAL,
} hostile;

/* At most one hostile answer per batch, drawn in the order of --help. */
static hostile pick_hostile(anpr_bofsim *s)
{
	if (chance(s, s->cfg.reply_garbage)) {
		COUNT(s, reply_garbage, 1);
		return HOSTILE_GARBAGE;
	}
	if (chance(s, s->cfg.reply_huge)) {
		COUNT(s, reply_huge, 1);
		return HOSTILE_HUGE;
	}
	if (chance(s, s->cfg.reply_wrong_ids)) {
		COUNT(s, reply_wrong_ids, 1);
		return HOSTILE_WRONG_IDS;
	}
	if (chance(s, s->cfg.reply_partial)) {
		COUNT(s, reply_partial, 1);
		return HOSTILE_PARTIAL;
	}
	return HOSTILE_NONE;
}

static bool batch_has_id(const anpr_batch *b, const char *id)
{
	for (size_t i = 0; i < b->n_reads; i++)
		if (strcmp(b->reads[i].id, id) == 0)
			return true;
	return false;
}

/*
 * Writes the "results" of a 200 into f: all of them, or as the hostile
 * answer h has it. --reply-wrong-ids answers "stored" for ids the unit did
 * not send: the same device with a sequence number far from the batch's
 * (an id the unit could mistake for its own), or another device's, and
 * tells the truth about one read chosen at random.
 */
static void write_results(anpr_bofsim *s, FILE *f, const anpr_batch *b, const result *res, hostile h)
{
	static const result stored = { "stored", NULL };
	/* Drawn only for this fault: the others' sequence for a seed stays as it was. */
	size_t right = h == HOSTILE_WRONG_IDS && b->n_reads ? (size_t)(next_random(s) % b->n_reads) : 0;
	bool first = true;
	char id[2 * ANPR_BATCH_ID_MAX + 32];

	fputs("{\"results\":[", f);
	for (size_t i = 0; i < b->n_reads; i++) {
		if (h == HOSTILE_PARTIAL && i % 2 == 0)
			continue;
		if (h == HOSTILE_WRONG_IDS) {
			long long seq = (b->reads[i].seq + 500000000000LL) % 1000000000000LL;
			snprintf(id, sizeof(id), "%s-%012lld", b->device, seq < 0 ? 0 : seq);
			if (i % 2 || batch_has_id(b, id))
				snprintf(id, sizeof(id), "%s-not-%s", b->reads[i].id, b->device);
			write_result(f, first, id, &stored);
			first = false;
			if (i != right)
				continue;
		}
		write_result(f, first, b->reads[i].id, &res[i]);
		first = false;
	}
	fputs("]}", f);
}

/* Sends a 200 with ANPR_BOFSIM_HUGE_REPLY bytes: the true results, then a padding member. */
static bool respond_huge(conn *c, const char *results, size_t len, bool keep_alive)
{
	static const char pad_open[] = ",\"padding\":\"", pad_close[] = "\"}";
	size_t total = ANPR_BOFSIM_HUGE_REPLY;
	char *body;
	bool ok;

	/* results ends with '}', which the padding member goes before. */
	if (len + sizeof(pad_open) + sizeof(pad_close) > total || len == 0)
		return false;
	body = malloc(total);
	if (!body)
		return false;
	memcpy(body, results, len - 1);
	memcpy(body + len - 1, pad_open, sizeof(pad_open) - 1);
	size_t at = len - 1 + sizeof(pad_open) - 1, end = total - (sizeof(pad_close) - 1);
	memset(body + at, 'x', end - at);
	memcpy(body + end, pad_close, sizeof(pad_close) - 1);
	ok = respond(c, 200, body, total, keep_alive, NULL);
	free(body);
	return ok;
}

/* Sends a 200 whose body is not JSON: random bytes, or the true answer cut short. */
static bool respond_garbage(conn *c, char *results, size_t len, bool keep_alive)
{
	anpr_bofsim *s = c->srv;
	uint64_t r = next_random(s);

	if ((r & 1) && len > 2)
		return respond(c, 200, results, 1 + (size_t)(r >> 1) % (len - 2), keep_alive, NULL);
	size_t n = 16 + (size_t)(r >> 8) % 4096;
	unsigned char *junk = malloc(n);
	if (!junk)
		return false;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = next_random(s);
		for (size_t k = 0; k < 8 && i + k < n; k++)
			junk[i + k] = (unsigned char)(v >> (8 * k));
	}
	junk[0] |= 0x80; /* no JSON text starts with a byte past ASCII */
	bool ok = respond(c, 200, (const char *)junk, n, keep_alive, NULL);
	free(junk);
	return ok;
}

/*
 * Verifies and stores a batch and answers it. Returns false when the
 * connection must close (an answer failed, or a fault dropped it).
 */
static bool handle_reads(conn *c, const char *body, size_t len, bool keep_alive)
{
	anpr_bofsim *s = c->srv;
	anpr_batch *b = NULL;
	anpr_readcheck_read rds[ANPR_BATCH_MAX_READS];
	anpr_readcheck_fault faults[ANPR_BATCH_MAX_READS];
	const char *whys[ANPR_BATCH_MAX_READS];
	const anpr_readcheck_read *ok_reads[ANPR_BATCH_MAX_READS];
	const char *ok_jws[ANPR_BATCH_MAX_READS];
	size_t ok_index[ANPR_BATCH_MAX_READS];
	anpr_bofdb_outcome outcome[ANPR_BATCH_MAX_READS];
	result res[ANPR_BATCH_MAX_READS];
	size_t n_ok = 0;
	char diag[256];
	char *out = NULL;
	size_t out_len = 0;
	bool alive = false;

	memset(rds, 0, sizeof(rds));
	anpr_err err = anpr_batch_parse(body, len, &b, diag, sizeof(diag));
	if (err != ANPR_ERR_OK) {
		ANPR_LOGI("%s: batch refused: %s", c->peer, diag);
		alive = respond_error(c, anpr_batch_http_status(err), diag, keep_alive, NULL) && keep_alive;
		goto out;
	}
	COUNT(s, batches, 1);
	COUNT(s, received, b->n_reads);
	uint64_t rejected = 0, bad_sig = 0, stored = 0, dup = 0, conflicts = 0;
	/* The checks run in parallel; what follows them (logs, the rejected table) keeps the batch's order. */
	const anpr_verifypool_key key = {
		.key = c->peer_key, .spki = c->peer_spki, .spki_len = c->peer_spki_len, .kid = c->kid
	};
	anpr_verifypool_run(s->verify, b, &key, rds, faults, whys);
	for (size_t i = 0; i < b->n_reads; i++) {
		const char *why = whys[i];
		anpr_readcheck_fault f = faults[i];
		if (f != ANPR_READCHECK_OK) {
			res[i] = (result){ "rejected", why };
			rejected++;
			bad_sig += f == ANPR_READCHECK_BAD_SIGNATURE;
			ANPR_LOGI("%s: read %s rejected: %s", c->peer, b->reads[i].id, why);
			anpr_bofdb_note_rejected(s->db, b->reads[i].id, b->device, why);
			continue;
		}
		ok_reads[n_ok] = &rds[i];
		ok_jws[n_ok] = b->reads[i].jws;
		ok_index[n_ok++] = i;
	}
	if (anpr_bofdb_store(s->db, ok_reads, ok_jws, n_ok, b->gaps, b->n_gaps, b->device, outcome) !=
	    ANPR_ERR_OK) {
		alive = respond_error(c, 500, "the database failed to store the batch", keep_alive, NULL) &&
			keep_alive;
		goto out;
	}
	for (size_t k = 0; k < n_ok; k++) {
		size_t i = ok_index[k];
		if (outcome[k] == ANPR_BOFDB_STORED) {
			res[i] = (result){ "stored", NULL };
			stored++;
		} else {
			res[i] = (result){ "duplicate", NULL };
			dup++;
			if (outcome[k] == ANPR_BOFDB_DUPLICATE_CONFLICT) {
				conflicts++;
				ANPR_LOGW("%s: read %s re-sent with a different JWS (kept the first)",
					  c->peer, b->reads[i].id);
			}
		}
	}
	pthread_mutex_lock(&s->lock);
	s->c.stored += stored;
	s->c.duplicates += dup;
	s->c.duplicate_conflicts += conflicts;
	s->c.rejected += rejected;
	s->c.bad_signatures += bad_sig;
	pthread_mutex_unlock(&s->lock);

	if (chance(s, s->cfg.drop_after_store)) {
		/* Stored but never acknowledged: the unit must send these again and hear "duplicate". */
		COUNT(s, dropped_after_store, 1);
		ANPR_LOGI("%s: fault: batch stored, connection dropped without an answer", c->peer);
		goto out;
	}
	/* Stored, then answered with a 200 that leaves reads unacknowledged: they come back duplicate. */
	hostile h = pick_hostile(s);
	FILE *f = open_memstream(&out, &out_len);
	if (!f)
		goto out;
	write_results(s, f, b, res, h == HOSTILE_GARBAGE || h == HOSTILE_HUGE ? HOSTILE_NONE : h);
	if (fclose(f) != 0)
		goto out;
	switch (h) {
	case HOSTILE_GARBAGE:
		ANPR_LOGI("%s: fault: batch stored, answered 200 with a body that is not JSON", c->peer);
		alive = respond_garbage(c, out, out_len, keep_alive) && keep_alive;
		break;
	case HOSTILE_HUGE:
		/* The unit stops reading at its cap and drops the connection. */
		ANPR_LOGI("%s: fault: batch stored, answered 200 with a %d-byte body", c->peer,
			  ANPR_BOFSIM_HUGE_REPLY);
		alive = respond_huge(c, out, out_len, keep_alive) && keep_alive;
		break;
	case HOSTILE_WRONG_IDS:
		ANPR_LOGI("%s: fault: batch stored, answered 200 with ids that were not sent", c->peer);
		alive = respond(c, 200, out, out_len, keep_alive, NULL) && keep_alive;
		break;
	case HOSTILE_PARTIAL:
		ANPR_LOGI("%s: fault: batch stored, answered 200 for half of its reads", c->peer);
		alive = respond(c, 200, out, out_len, keep_alive, NULL) && keep_alive;
		break;
	case HOSTILE_NONE:
		alive = respond(c, 200, out, out_len, keep_alive, NULL) && keep_alive;
		break;
	}
out:
	for (size_t i = 0; b && i < b->n_reads; i++)
		anpr_readcheck_clear(&rds[i]);
	anpr_batch_free(b);
	free(out);
	return alive;
}

/* ---- one request ---- */

/*
 * Reads one request head into c->buf (bytes past it stay after it) and
 * returns its length; 0 when the connection should just close (peer gone,
 * idle, shutdown); SIZE_MAX after answering an oversized head.
 */
static size_t read_head(conn *c, int64_t idle_deadline, int64_t *request_deadline)
{
	size_t end;

	*request_deadline = INT64_MAX;
	while ((end = anpr_httphead_end(c->buf, c->have)) == 0) {
		if (c->have >= ANPR_HTTPHEAD_MAX) {
			respond_error(c, 431, "request head too large", false, NULL);
			return SIZE_MAX;
		}
		int64_t deadline = c->have ? *request_deadline : idle_deadline;
		int n = conn_read(c, c->buf + c->have, ANPR_HTTPHEAD_MAX - c->have, deadline);
		if (n <= 0) {
			if (n < 0 && c->have && !atomic_load(&c->srv->stopping))
				respond_error(c, 408, "request not received in time", false, NULL);
			return 0;
		}
		if (c->have == 0)
			*request_deadline = anpr_clock_mono_ms() + 1000LL * c->srv->cfg.request_timeout_s;
		c->have += (size_t)n;
	}
	return end;
}

/* Serves one request; false when the connection is to close. */
static bool serve_one(conn *c)
{
	anpr_bofsim *s = c->srv;
	anpr_httphead h;
	int status = 0;
	char diag[160];
	char *body = NULL;
	bool alive = false;
	int64_t request_deadline;
	size_t head_len =
	    read_head(c, anpr_clock_mono_ms() + 1000LL * s->cfg.idle_timeout_s, &request_deadline);

	if (head_len == 0 || head_len == SIZE_MAX)
		return false;
	COUNT(s, requests, 1);
	if (anpr_httphead_parse(c->buf, head_len, &h, &status, diag, sizeof(diag)) != ANPR_ERR_OK) {
		ANPR_LOGI("%s: bad request: %s", c->peer, diag);
		respond_error(c, status, diag, false, NULL);
		return false;
	}
	/* Keep what came after the head: the body's start, or a pipelined request. */
	c->have -= head_len;
	memmove(c->buf, c->buf + head_len, c->have);

	bool is_reads = strcmp(h.target, "/v1/reads") == 0;
	bool is_health = strcmp(h.target, "/v1/health") == 0;
	bool is_post = strcmp(h.method, "POST") == 0;
	if (h.has_transfer_encoding) {
		respond_error(c, 501, "Transfer-Encoding is not supported: send Content-Length", false, NULL);
		return false;
	}
	if (h.bad_expect) {
		respond_error(c, 417, "only Expect: 100-continue is understood", false, NULL);
		return false;
	}
	uint64_t clen = h.has_length ? h.content_length : 0;
	if (s->cfg.reject_all) {
		/* The body is not read, so the connection cannot carry another request. */
		respond_error(c, 401, "fault injection: this certificate is not accepted", false, NULL);
		return false;
	}
	if (!is_reads && !is_health) {
		if (clen) {
			respond_error(c, 404, "no such endpoint", false, NULL);
			return false;
		}
		return respond_error(c, 404, "no such endpoint", h.keep_alive, NULL) && h.keep_alive;
	}
	if ((is_health && strcmp(h.method, "GET") != 0) || (is_reads && !is_post)) {
		respond_error(c, 405, "method not allowed", false,
			      is_health ? "Allow: GET\r\n" : "Allow: POST\r\n");
		return false;
	}
	if (is_health) {
		static const char ok[] = "{\"status\":\"ok\"}";
		if (clen) {
			respond_error(c, 400, "GET with a body", false, NULL);
			return false;
		}
		return respond(c, 200, ok, sizeof(ok) - 1, h.keep_alive, NULL) && h.keep_alive;
	}

	/* POST /v1/reads */
	if (!h.has_length) {
		respond_error(c, 411, "Content-Length required", false, NULL);
		return false;
	}
	if (clen > ANPR_BOFSIM_BODY_MAX) {
		respond_error(c, 413, "request body larger than 8 MiB", false, NULL);
		return false;
	}
	if (strcmp(h.content_type, "application/json") != 0) {
		respond_error(c, 415, "Content-Type must be application/json", false, NULL);
		return false;
	}
	if (h.expect_continue && c->have == 0) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (!conn_write(c, cont, sizeof(cont) - 1))
			return false;
	}
	body = malloc(clen + 1);
	if (!body) {
		respond_error(c, 500, "out of memory", false, NULL);
		return false;
	}
	size_t got = c->have < clen ? c->have : (size_t)clen;
	memcpy(body, c->buf, got);
	c->have -= got;
	memmove(c->buf, c->buf + got, c->have);
	if (request_deadline == INT64_MAX)
		request_deadline = anpr_clock_mono_ms() + 1000LL * s->cfg.request_timeout_s;
	while (got < clen) {
		size_t want = (size_t)clen - got;
		int n = conn_read(c, body + got, want > INT32_MAX ? INT32_MAX : want, request_deadline);
		if (n <= 0) {
			if (n < 0 && !atomic_load(&s->stopping))
				respond_error(c, 408, "request body not received in time", false, NULL);
			goto out;
		}
		got += (size_t)n;
	}
	body[clen] = '\0';

	if (chance(s, s->cfg.fail_429)) {
		char extra[64] = "";
		COUNT(s, injected_429, 1);
		if (s->cfg.retry_after)
			snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", s->cfg.retry_after);
		alive = respond_error(c, 429, "fault injection: too many requests", h.keep_alive,
				      extra[0] ? extra : NULL) &&
			h.keep_alive;
		goto out;
	}
	if (chance(s, s->cfg.fail_500)) {
		COUNT(s, injected_500, 1);
		alive = respond_error(c, 500, "fault injection: internal error", h.keep_alive, NULL) &&
			h.keep_alive;
		goto out;
	}
	alive = handle_reads(c, body, (size_t)clen, h.keep_alive);
out:
	free(body);
	return alive;
}

/* ---- connections ---- */

/* The device key and its fingerprint from the client certificate the handshake verified. */
static bool load_peer(conn *c)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&c->ssl);

	if (!crt || crt->pk_raw.len == 0)
		return false;
	anpr_sha256_hex(crt->pk_raw.p, crt->pk_raw.len, c->kid);
	if (anpr_readcheck_key_open(crt->pk_raw.p, crt->pk_raw.len, &c->peer_key) != ANPR_ERR_OK)
		return false;
	c->peer_spki = malloc(crt->pk_raw.len);
	if (!c->peer_spki)
		return false;
	memcpy(c->peer_spki, crt->pk_raw.p, crt->pk_raw.len);
	c->peer_spki_len = crt->pk_raw.len;
	return true;
}

static void *conn_main(void *arg)
{
	conn *c = arg;
	anpr_bofsim *s = c->srv;
	char err[128];
	int rc;

	mbedtls_ssl_init(&c->ssl);
	c->peer_key = NULL;
	c->peer_spki = NULL;
	c->peer_spki_len = 0;
	c->have = 0;
	if ((rc = mbedtls_ssl_setup(&c->ssl, &s->conf)) != 0) {
		ANPR_LOGE("TLS setup failed: %s", tls_error(rc, err, sizeof(err)));
		goto out;
	}
	mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, NULL, mbedtls_net_recv_timeout);
	int64_t deadline = anpr_clock_mono_ms() + HANDSHAKE_TIMEOUT_MS;
	while ((rc = mbedtls_ssl_handshake(&c->ssl)) != 0) {
		if ((rc == MBEDTLS_ERR_SSL_TIMEOUT || rc == MBEDTLS_ERR_SSL_WANT_READ ||
		     rc == MBEDTLS_ERR_SSL_WANT_WRITE) &&
		    !atomic_load(&s->stopping) && anpr_clock_mono_ms() < deadline)
			continue;
		COUNT(s, handshake_failures, 1);
		ANPR_LOGI("%s: TLS handshake failed: %s", c->peer, tls_error(rc, err, sizeof(err)));
		goto out;
	}
	if (!load_peer(c)) {
		COUNT(s, handshake_failures, 1);
		ANPR_LOGW("%s: client certificate without a usable public key", c->peer);
		goto out;
	}
	ANPR_LOGD("%s: device key %s, %s", c->peer, c->kid, mbedtls_ssl_get_version(&c->ssl));
	while (!atomic_load(&s->stopping) && serve_one(c))
		;
	mbedtls_ssl_close_notify(&c->ssl);
out:
	anpr_readcheck_key_free(c->peer_key);
	c->peer_key = NULL;
	free(c->peer_spki);
	c->peer_spki = NULL;
	mbedtls_ssl_free(&c->ssl);
	atomic_store(&c->done, true);
	return NULL;
}

static void reap(anpr_bofsim *s, bool all)
{
	for (size_t i = 0; i < ANPR_BOFSIM_MAX_CONNECTIONS; i++) {
		conn *c = &s->slots[i];
		if (!c->in_use || (!all && !atomic_load(&c->done)))
			continue;
		pthread_join(c->thread, NULL);
		mbedtls_net_free(&c->net);
		c->in_use = false;
	}
}

static void accept_one(anpr_bofsim *s)
{
	mbedtls_net_context client;
	unsigned char ip[16];
	size_t ip_len = 0;
	conn *c = NULL;
	char err[128];

	mbedtls_net_init(&client);
	int rc = mbedtls_net_accept(&s->listen, &client, ip, sizeof(ip), &ip_len);
	if (rc != 0) {
		ANPR_LOGW("accept failed: %s", tls_error(rc, err, sizeof(err)));
		return;
	}
	COUNT(s, connections, 1);
	if (s->cfg.refuse) {
		COUNT(s, refused, 1);
		mbedtls_net_free(&client);
		return;
	}
	for (size_t i = 0; i < ANPR_BOFSIM_MAX_CONNECTIONS && !c; i++) {
		if (!s->slots[i].in_use)
			c = &s->slots[i];
	}
	if (!c) {
		ANPR_LOGW("more than %d connections at once: closing the newest",
			  ANPR_BOFSIM_MAX_CONNECTIONS);
		COUNT(s, refused, 1);
		mbedtls_net_free(&client);
		return;
	}
	c->srv = s;
	c->net = client;
	c->in_use = true;
	atomic_store(&c->done, false);
	if (ip_len == 4)
		snprintf(c->peer, sizeof(c->peer), "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
	else
		snprintf(c->peer, sizeof(c->peer), "ipv6 client");
	if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
		ANPR_LOGE("cannot start a connection thread");
		mbedtls_net_free(&c->net);
		c->in_use = false;
	}
}

anpr_err anpr_bofsim_run(anpr_bofsim *s, volatile sig_atomic_t *stop)
{
	int64_t next_report = 0;
	anpr_err err = ANPR_ERR_OK;

	while (!*stop) {
		reap(s, false);
		if (s->cfg.report && anpr_clock_mono_ms() >= next_report) {
			if (anpr_bofsim_save_report(s) != ANPR_ERR_OK)
				ANPR_LOGW("cannot write the report %s", s->cfg.report);
			next_report = anpr_clock_mono_ms() + 1000;
		}
		struct pollfd pfd = { .fd = s->listen.fd, .events = POLLIN };
		int n = poll(&pfd, 1, 200);
		if (n < 0 && errno != EINTR) {
			ANPR_LOGE("poll on the listening socket failed: %s", strerror(errno));
			err = ANPR_ERR_NETWORK;
			break;
		}
		if (n > 0 && (pfd.revents & POLLIN))
			accept_one(s);
	}
	/* Wake every connection thread out of its read, then wait for them. */
	atomic_store(&s->stopping, true);
	for (size_t i = 0; i < ANPR_BOFSIM_MAX_CONNECTIONS; i++) {
		if (s->slots[i].in_use && !atomic_load(&s->slots[i].done))
			shutdown(s->slots[i].net.fd, SHUT_RDWR);
	}
	reap(s, true);
	return err;
}

/* ---- set-up ---- */

anpr_err anpr_bofsim_open(const anpr_bofsim_cfg *cfg, anpr_bofsim **out, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_CONFIG;
	anpr_bofsim *s = NULL;
	char e[128];
	int rc;

	if (!cfg || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ANPR_ERR_NOMEM;
	s->slots = calloc(ANPR_BOFSIM_MAX_CONNECTIONS, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return ANPR_ERR_NOMEM;
	}
	s->cfg = *cfg;
	s->rng = cfg->seed;
	pthread_mutex_init(&s->lock, NULL);
	mbedtls_net_init(&s->listen);
	mbedtls_entropy_init(&s->entropy);
	mbedtls_ctr_drbg_init(&s->drbg);
	mbedtls_ssl_config_init(&s->conf);
	mbedtls_x509_crt_init(&s->cert);
	mbedtls_x509_crt_init(&s->ca);
	mbedtls_pk_init(&s->key);

	if ((rc = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
					(const unsigned char *)pers, sizeof(pers) - 1)) != 0) {
		anpr_diagf(diag, diag_len, "seeding the random generator failed: %s",
			   tls_error(rc, e, sizeof(e)));
		err = ANPR_ERR_CRYPTO;
		goto out;
	}
	if ((rc = mbedtls_x509_crt_parse_file(&s->cert, cfg->cert)) != 0) {
		anpr_diagf(diag, diag_len, "%s: not a usable certificate (PEM): %s", cfg->cert,
			   tls_error(rc, e, sizeof(e)));
		goto out;
	}
	if ((rc = mbedtls_pk_parse_keyfile(&s->key, cfg->key, NULL)) != 0) {
		anpr_diagf(diag, diag_len, "%s: not a usable private key (PEM): %s", cfg->key,
			   tls_error(rc, e, sizeof(e)));
		goto out;
	}
	if ((rc = mbedtls_x509_crt_parse_file(&s->ca, cfg->ca)) != 0) {
		anpr_diagf(diag, diag_len, "%s: not a usable CA bundle (PEM): %s", cfg->ca,
			   tls_error(rc, e, sizeof(e)));
		goto out;
	}
	if ((rc = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
		anpr_diagf(diag, diag_len, "TLS configuration failed: %s", tls_error(rc, e, sizeof(e)));
		err = ANPR_ERR_CRYPTO;
		goto out;
	}
	mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
	mbedtls_ssl_conf_min_version(&s->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&s->conf, &s->ca, NULL);
	mbedtls_ssl_conf_read_timeout(&s->conf, READ_SLICE_MS);
	if ((rc = mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key)) != 0) {
		anpr_diagf(diag, diag_len, "%s and %s do not make a certificate and key: %s", cfg->cert,
			   cfg->key, tls_error(rc, e, sizeof(e)));
		goto out;
	}
	if (mbedtls_pk_check_pair(&s->cert.pk, &s->key) != 0) {
		anpr_diagf(diag, diag_len, "%s is not the private key of %s", cfg->key, cfg->cert);
		goto out;
	}
	err = anpr_bofdb_open(cfg->db, &s->db, diag, diag_len);
	if (err != ANPR_ERR_OK)
		goto out;
	unsigned threads = cfg->verify_threads;
	if (threads == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		threads = online < 1                             ? 1
			  : online > ANPR_VERIFYPOOL_THREADS_MAX ? ANPR_VERIFYPOOL_THREADS_MAX
								 : (unsigned)online;
	}
	if (threads > ANPR_VERIFYPOOL_THREADS_MAX)
		threads = ANPR_VERIFYPOOL_THREADS_MAX;
	/* The connection's own thread is one of them. */
	err = anpr_verifypool_open(threads - 1, &s->verify);
	if (err != ANPR_ERR_OK) {
		anpr_diagf(diag, diag_len, "cannot start %u verification threads: %s", threads - 1,
			   anpr_strerror(err));
		goto out;
	}
	if ((rc = mbedtls_net_bind(&s->listen, cfg->host, cfg->port, MBEDTLS_NET_PROTO_TCP)) != 0) {
		anpr_diagf(diag, diag_len, "cannot listen on %s:%s: %s", cfg->host, cfg->port,
			   tls_error(rc, e, sizeof(e)));
		err = ANPR_ERR_NETWORK;
		goto out;
	}
	struct sockaddr_storage sa;
	socklen_t sa_len = sizeof(sa);
	if (getsockname(s->listen.fd, (struct sockaddr *)&sa, &sa_len) != 0) {
		anpr_diagf(diag, diag_len, "getsockname failed: %s", strerror(errno));
		err = ANPR_ERR_NETWORK;
		goto out;
	}
	if (sa.ss_family == AF_INET)
		s->port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
	else if (sa.ss_family == AF_INET6)
		s->port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	err = ANPR_ERR_OK;
out:
	if (err != ANPR_ERR_OK) {
		anpr_bofsim_close(s);
		return err;
	}
	*out = s;
	return ANPR_ERR_OK;
}

unsigned anpr_bofsim_port(const anpr_bofsim *s)
{
	return s->port;
}

void anpr_bofsim_close(anpr_bofsim *s)
{
	if (!s)
		return;
	mbedtls_net_free(&s->listen);
	anpr_verifypool_close(s->verify);
	anpr_bofdb_close(s->db);
	mbedtls_ssl_config_free(&s->conf);
	mbedtls_x509_crt_free(&s->cert);
	mbedtls_x509_crt_free(&s->ca);
	mbedtls_pk_free(&s->key);
	mbedtls_ctr_drbg_free(&s->drbg);
	mbedtls_entropy_free(&s->entropy);
	pthread_mutex_destroy(&s->lock);
	free(s->slots);
	free(s);
}

/* ---- report ---- */

void anpr_bofsim_write_report(anpr_bofsim *s, FILE *out)
{
	counters c;
	anpr_bofdb_stats st;
	bool have_db = anpr_bofdb_stats_get(s->db, &st) == ANPR_ERR_OK;

	pthread_mutex_lock(&s->lock);
	c = s->c;
	pthread_mutex_unlock(&s->lock);
	if (!have_db)
		memset(&st, 0, sizeof(st));
	fprintf(out,
		"{\"received\":%llu,\"stored\":%llu,\"duplicates\":%llu,\"duplicate_conflicts\":%llu,"
		"\"rejected\":%llu,\"bad_signatures\":%llu,\"gaps\":%lld,\"missing_seqs\":%lld,"
		"\"chain_breaks\":%lld,\"reported_gaps\":%lld,\"reported_gap_seqs\":%lld,\"reads_held\":%lld,"
		"\"db_ok\":%s,\"connections\":%llu,\"refused\":%llu,\"handshake_failures\":%llu,"
		"\"requests\":%llu,\"batches\":%llu,\"injected_500\":%llu,\"injected_429\":%llu,"
		"\"dropped_after_store\":%llu,\"reply_garbage\":%llu,\"reply_huge\":%llu,"
		"\"reply_wrong_ids\":%llu,\"reply_partial\":%llu,\"statuses\":{",
		(unsigned long long)c.received, (unsigned long long)c.stored,
		(unsigned long long)c.duplicates, (unsigned long long)c.duplicate_conflicts,
		(unsigned long long)c.rejected, (unsigned long long)c.bad_signatures, (long long)st.gaps,
		(long long)st.missing_seqs, (long long)st.chain_breaks, (long long)st.reported_gaps,
		(long long)st.reported_gap_seqs, (long long)st.reads, have_db ? "true" : "false",
		(unsigned long long)c.connections, (unsigned long long)c.refused,
		(unsigned long long)c.handshake_failures, (unsigned long long)c.requests,
		(unsigned long long)c.batches, (unsigned long long)c.injected_500,
		(unsigned long long)c.injected_429, (unsigned long long)c.dropped_after_store,
		(unsigned long long)c.reply_garbage, (unsigned long long)c.reply_huge,
		(unsigned long long)c.reply_wrong_ids, (unsigned long long)c.reply_partial);
	bool first = true;
	for (int i = 0; i < N_STATUS; i++) {
		if (!c.statuses[i])
			continue;
		fprintf(out, "%s\"%d\":%llu", first ? "" : ",", i, (unsigned long long)c.statuses[i]);
		first = false;
	}
	fputs("}}\n", out);
}

anpr_err anpr_bofsim_save_report(anpr_bofsim *s)
{
	char tmp[4096];

	if (!s->cfg.report)
		return ANPR_ERR_OK;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", s->cfg.report) >= (int)sizeof(tmp))
		return ANPR_ERR_INVAL;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return ANPR_ERR_IO;
	anpr_bofsim_write_report(s, f);
	if (fclose(f) != 0 || rename(tmp, s->cfg.report) != 0) {
		unlink(tmp);
		return ANPR_ERR_IO;
	}
	return ANPR_ERR_OK;
}
