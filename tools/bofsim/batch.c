/* SPDX-License-Identifier: MIT */
/* Parses and checks the shape of a POST /v1/reads body; the reads' contents are checked by readcheck.c. */
#include "batch.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A batch is three levels deep; the rest of the limits follow from the member counts. */
static const anpr_jsonr_limits batch_limits = {
	.max_depth = 4,
	.max_nodes = 2 + 2 * ANPR_BATCH_MAX_READS * 8 + 2 * ANPR_BATCH_MAX_GAPS * 4 + 64,
	.max_string = 8 * 1024 * 1024,
	.max_members = 16,
};

/* An id or device name: 1..ANPR_BATCH_ID_MAX printable ASCII characters without spaces. */
static bool valid_name(const anpr_jsonr_node *n)
{
	if (!n || n->type != ANPR_JSONR_STRING || n->str_len == 0 || n->str_len > ANPR_BATCH_ID_MAX)
		return false;
	for (size_t i = 0; i < n->str_len; i++) {
		if (n->str[i] <= 0x20 || n->str[i] >= 0x7f)
			return false;
	}
	return true;
}

static bool only_members(const anpr_jsonr *doc, const anpr_jsonr_node *obj, const char *const *names)
{
	for (const anpr_jsonr_node *m = anpr_jsonr_first(doc, obj); m; m = anpr_jsonr_next(doc, m)) {
		bool known = false;
		for (size_t i = 0; names[i]; i++)
			known = known || strcmp(m->key, names[i]) == 0;
		if (!known)
			return false;
	}
	return true;
}

/* A base64url string member: its text, or an error message. */
static const char *b64_member(const anpr_jsonr *doc, const anpr_jsonr_node *obj, const char *key, size_t max,
			      const char **out, size_t *out_len)
{
	const anpr_jsonr_node *m = anpr_jsonr_get(doc, obj, key);

	if (!m)
		return "envelope member missing";
	if (m->type != ANPR_JSONR_STRING)
		return "envelope member is not a string";
	if (m->str_len == 0)
		return "envelope member is empty";
	if (m->str_len > max)
		return "envelope member too long";
	*out = m->str;
	*out_len = m->str_len;
	return NULL;
}

static void parse_read(const anpr_jsonr *doc, const anpr_jsonr_node *obj, anpr_batch_read *r)
{
	static const char *const names[] = { "id", "seq", "jws", "patch_jpeg", "overview_jpeg", NULL };
	const anpr_jsonr_node *seq = anpr_jsonr_get(doc, obj, "seq");

	r->id = anpr_jsonr_get_string(doc, obj, "id");
	if (!only_members(doc, obj, names)) {
		r->error = "unknown member in the read envelope";
		return;
	}
	if (!seq || seq->type != ANPR_JSONR_NUMBER || !seq->is_int || seq->i < 1) {
		r->error = "envelope seq is not a positive integer";
		return;
	}
	r->seq = seq->i;
	r->error = b64_member(doc, obj, "jws", ANPR_BATCH_JWS_MAX, &r->jws, &r->jws_len);
	if (!r->error)
		r->error = b64_member(doc, obj, "patch_jpeg", ANPR_BATCH_IMAGE_B64_MAX, &r->patch_b64,
				      &r->patch_b64_len);
	if (!r->error)
		r->error = b64_member(doc, obj, "overview_jpeg", ANPR_BATCH_IMAGE_B64_MAX, &r->overview_b64,
				      &r->overview_b64_len);
}

static anpr_err parse_gap(const anpr_jsonr *doc, const anpr_jsonr_node *obj, anpr_batch_gap *g, char *diag,
			  size_t diag_len)
{
	static const char *const names[] = { "from", "to", "reason", NULL };

	if (obj->type != ANPR_JSONR_OBJECT || !only_members(doc, obj, names)) {
		anpr_diagf(diag, diag_len, "a gap is not an object of from, to and reason");
		return ANPR_ERR_INVAL;
	}
	if (!anpr_jsonr_get_int(doc, obj, "from", &g->from) || !anpr_jsonr_get_int(doc, obj, "to", &g->to) ||
	    g->from < 1 || g->to < g->from) {
		anpr_diagf(diag, diag_len, "a gap needs integers 1 <= from <= to");
		return ANPR_ERR_INVAL;
	}
	g->reason = anpr_jsonr_get_string(doc, obj, "reason");
	if (!g->reason || (strcmp(g->reason, "corrupt") != 0 && strcmp(g->reason, "expired") != 0 &&
			   strcmp(g->reason, "evicted") != 0)) {
		anpr_diagf(diag, diag_len, "a gap's reason is not corrupt, expired or evicted");
		return ANPR_ERR_INVAL;
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_batch_parse(const char *body, size_t len, anpr_batch **out, char *diag, size_t diag_len)
{
	static const char *const names[] = { "device", "sent_at", "reads", "gaps", NULL };
	anpr_err err;
	anpr_batch *b = NULL;
	char jdiag[160];

	if (diag && diag_len)
		diag[0] = '\0';
	if (!out || (!body && len > 0))
		return ANPR_ERR_INVAL;
	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	err = anpr_jsonr_parse(body, len, &batch_limits, &b->doc, jdiag, sizeof(jdiag));
	if (err != ANPR_ERR_OK) {
		/* Depth, size and member limits are as much "not a batch" as a syntax error. */
		if (err != ANPR_ERR_NOMEM)
			err = ANPR_ERR_FORMAT;
		anpr_diagf(diag, diag_len, "not a JSON batch: %s", jdiag);
		goto out;
	}
	const anpr_jsonr *doc = b->doc;
	const anpr_jsonr_node *root = anpr_jsonr_root(doc);
	err = ANPR_ERR_INVAL;
	if (root->type != ANPR_JSONR_OBJECT) {
		anpr_diagf(diag, diag_len, "the request is not a JSON object");
		goto out;
	}
	if (!only_members(doc, root, names)) {
		anpr_diagf(diag, diag_len,
			   "unknown member in the request (allowed: device, sent_at, reads, gaps)");
		goto out;
	}
	if (!valid_name(anpr_jsonr_get(doc, root, "device"))) {
		anpr_diagf(diag, diag_len, "device is missing or not 1..%d printable characters",
			   ANPR_BATCH_ID_MAX);
		goto out;
	}
	b->device = anpr_jsonr_get_string(doc, root, "device");
	b->sent_at = anpr_jsonr_get_string(doc, root, "sent_at");
	if (!b->sent_at) {
		anpr_diagf(diag, diag_len, "sent_at is missing or not a string");
		goto out;
	}
	const anpr_jsonr_node *reads = anpr_jsonr_get(doc, root, "reads");
	if (!reads || reads->type != ANPR_JSONR_ARRAY) {
		anpr_diagf(diag, diag_len, "reads is missing or not an array");
		goto out;
	}
	if (reads->count > ANPR_BATCH_MAX_READS) {
		anpr_diagf(diag, diag_len, "%u reads in one request (at most %d)", (unsigned)reads->count,
			   ANPR_BATCH_MAX_READS);
		err = ANPR_ERR_TOO_BIG;
		goto out;
	}
	for (const anpr_jsonr_node *r = anpr_jsonr_first(doc, reads); r; r = anpr_jsonr_next(doc, r)) {
		/* Without an id a read cannot be answered on its own, so the whole batch is malformed. */
		if (r->type != ANPR_JSONR_OBJECT || !valid_name(anpr_jsonr_get(doc, r, "id"))) {
			anpr_diagf(diag, diag_len,
				   "read %zu is not an object with an id of 1..%d printable characters",
				   b->n_reads, ANPR_BATCH_ID_MAX);
			goto out;
		}
		parse_read(doc, r, &b->reads[b->n_reads++]);
	}
	const anpr_jsonr_node *gaps = anpr_jsonr_get(doc, root, "gaps");
	if (gaps) {
		if (gaps->type != ANPR_JSONR_ARRAY) {
			anpr_diagf(diag, diag_len, "gaps is not an array");
			goto out;
		}
		if (gaps->count > ANPR_BATCH_MAX_GAPS) {
			anpr_diagf(diag, diag_len, "%u gaps in one request (at most %d)",
				   (unsigned)gaps->count, ANPR_BATCH_MAX_GAPS);
			err = ANPR_ERR_TOO_BIG;
			goto out;
		}
		if (gaps->count) {
			b->gaps = calloc(gaps->count, sizeof(*b->gaps));
			if (!b->gaps) {
				err = ANPR_ERR_NOMEM;
				goto out;
			}
		}
		for (const anpr_jsonr_node *g = anpr_jsonr_first(doc, gaps); g; g = anpr_jsonr_next(doc, g)) {
			err = parse_gap(doc, g, &b->gaps[b->n_gaps], diag, diag_len);
			if (err != ANPR_ERR_OK)
				goto out;
			b->n_gaps++;
		}
	}
	err = ANPR_ERR_OK;
out:
	if (err != ANPR_ERR_OK) {
		anpr_batch_free(b);
		return err;
	}
	*out = b;
	return ANPR_ERR_OK;
}

void anpr_batch_free(anpr_batch *b)
{
	if (!b)
		return;
	anpr_jsonr_free(b->doc);
	free(b->gaps);
	free(b);
}

int anpr_batch_http_status(anpr_err err)
{
	switch (err) {
	case ANPR_ERR_FORMAT:
		return 400;
	case ANPR_ERR_INVAL:
		return 422;
	case ANPR_ERR_TOO_BIG:
		return 413;
	default:
		return 500;
	}
}
