/* SPDX-License-Identifier: MIT */
/* Fuzz target: what anpr-bofsim parses from a client: the HTTP request head, the batch JSON, each read's JWS and images. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "httphead.h"
#include "jsonr.h"
#include "readcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char diag[256];

	/* The request head: whatever is parsed must be consistent. */
	size_t end = anpr_httphead_end(text, size);
	if (end) {
		anpr_httphead h;
		int status = 0;
		if (anpr_httphead_parse(text, end, &h, &status, diag, sizeof(diag)) == ANPR_ERR_OK) {
			if (status != 0 || h.method[0] == '\0' || h.target[0] != '/' ||
			    (h.minor != 0 && h.minor != 1))
				abort();
		} else if (status < 400 || status > 599) {
			abort();
		}
	}

	/* The generic reader with its default limits. */
	anpr_jsonr *doc = NULL;
	if (anpr_jsonr_parse(text, size, NULL, &doc, diag, sizeof(diag)) == ANPR_ERR_OK) {
		const anpr_jsonr_node *root = anpr_jsonr_root(doc);
		if (!root)
			abort();
		for (const anpr_jsonr_node *n = anpr_jsonr_first(doc, root); n; n = anpr_jsonr_next(doc, n)) {
			if (n->type == ANPR_JSONR_STRING && strlen(n->str) != n->str_len)
				abort();
		}
		anpr_jsonr_free(doc);
	}

	/* The batch, and each read as the server checks it (structure only: no key). */
	anpr_batch *b = NULL;
	anpr_err err = anpr_batch_parse(text, size, &b, diag, sizeof(diag));
	if (err == ANPR_ERR_OK) {
		if (!b->device || b->n_reads > ANPR_BATCH_MAX_READS)
			abort();
		for (size_t i = 0; i < b->n_reads; i++) {
			anpr_readcheck_read rd;
			const char *why = NULL;
			if (!b->reads[i].id)
				abort();
			anpr_readcheck_fault f = anpr_readcheck_verify(&b->reads[i], NULL, NULL, &rd, &why);
			if (f == ANPR_READCHECK_OK && (!rd.payload || !rd.patch || !rd.overview))
				abort();
			if (f != ANPR_READCHECK_OK && !why)
				abort();
			anpr_readcheck_clear(&rd);
		}
		anpr_batch_free(b);
	} else if (anpr_batch_http_status(err) == 500 && err != ANPR_ERR_NOMEM) {
		abort();
	}

	/* Base64url and JPEG headers on raw bytes. */
	size_t n = 0;
	uint8_t *raw = anpr_readcheck_b64url_decode(text, size, &n);
	if (raw) {
		unsigned w, h;
		(void)anpr_readcheck_jpeg_size(raw, n, &w, &h);
		free(raw);
	}
	unsigned w, h;
	(void)anpr_readcheck_jpeg_size(data, size, &w, &h);
	return 0;
}
