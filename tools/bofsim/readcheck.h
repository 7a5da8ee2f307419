/* SPDX-License-Identifier: MIT */
/* Verifies one read envelope as a back office must (docs/read-format.md): ES256 JWS, kid, images, ids. */
#ifndef ANPR_READCHECK_H
#define ANPR_READCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "batch.h"
#include "err.h"
#include "sign.h"

#define ANPR_READCHECK_PATCH_MAX 3072     /* bytes of the plate patch JPEG */
#define ANPR_READCHECK_OVERVIEW_MAX 25000 /* bytes of the overview JPEG */

/* Why a read was rejected; the text of each is what the response's "error" says. */
typedef enum anpr_readcheck_fault {
	ANPR_READCHECK_OK,
	ANPR_READCHECK_MALFORMED,     /* the envelope or the JWS is not well formed */
	ANPR_READCHECK_BAD_HEADER,    /* alg, typ or kid wrong, or kid not this connection's certificate */
	ANPR_READCHECK_BAD_SIGNATURE, /* the signature does not verify */
	ANPR_READCHECK_BAD_PAYLOAD,   /* signed payload missing fields, or id/seq differ from the envelope */
	ANPR_READCHECK_BAD_IMAGE,     /* image bytes, digest, size or JPEG dimensions do not match */
} anpr_readcheck_fault;

/* A verified read, ready to store. Owns its buffers; anpr_readcheck_clear() frees them. */
typedef struct anpr_readcheck_read {
	char *payload; /* the signed payload JSON (NUL-terminated) */
	size_t payload_len;
	char device[ANPR_BATCH_ID_MAX + 1];
	int64_t seq;
	char prev_sha256[ANPR_SHA256_HEX_BUF];
	char jws_sha256[ANPR_SHA256_HEX_BUF]; /* SHA-256 of the compact JWS: the next read's prev_sha256 */
	uint8_t *patch;
	size_t patch_len;
	uint8_t *overview;
	size_t overview_len;
} anpr_readcheck_read;

/*
 * Checks read r of a batch. key is the public key of the client certificate
 * the read arrived with (EC P-256) and kid its fingerprint (hex SHA-256 of its
 * SPKI DER); either may be NULL for a structural check only (fuzzing), in
 * which case the signature is not verified. On success fills *out (the
 * caller clears it) and returns ANPR_READCHECK_OK; otherwise returns the
 * fault, sets *why to a static sentence for the response, and *out holds
 * nothing. Any thread; key must not be used by another thread meanwhile.
 */
anpr_readcheck_fault anpr_readcheck_verify(const anpr_batch_read *r, mbedtls_pk_context *key, const char *kid,
					   anpr_readcheck_read *out, const char **why);

/*
 * A device key prepared for verifying many reads: the parsed key, and for
 * P-256 the precomputation mbedTLS would otherwise redo for every signature.
 * One thread at a time (it caches as it goes).
 */
typedef struct anpr_readcheck_key anpr_readcheck_key;

/*
 * Parses a SubjectPublicKeyInfo DER (spki is borrowed for the call).
 * Errors: ANPR_ERR_INVAL, ANPR_ERR_NOMEM, ANPR_ERR_CRYPTO (not a public key).
 * The caller frees *out with anpr_readcheck_key_free(). Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_readcheck_key_open(const unsigned char *spki, size_t spki_len,
						 anpr_readcheck_key **out);

/* Frees a key; accepts NULL. */
void anpr_readcheck_key_free(anpr_readcheck_key *key);

/*
 * anpr_readcheck_verify() with a prepared key: the same answers, faster.
 * key may be NULL (structural check only). Any thread; key must not be used
 * by another thread meanwhile.
 */
anpr_readcheck_fault anpr_readcheck_verify_key(const anpr_batch_read *r, anpr_readcheck_key *key,
					       const char *kid, anpr_readcheck_read *out, const char **why);

/* Frees what *rd holds and zeroes it; accepts a zeroed struct. */
void anpr_readcheck_clear(anpr_readcheck_read *rd);

/*
 * Decodes unpadded base64url (RFC 4648 section 5) strictly: no padding, no
 * whitespace, unused trailing bits zero. Returns a malloc'd buffer (the caller
 * frees it, with a spare NUL after the bytes) and *out_len, or NULL for bad
 * input or no memory. Any thread.
 */
uint8_t *anpr_readcheck_b64url_decode(const char *s, size_t len, size_t *out_len);

/* Width and height from a JPEG's first SOFn marker: true when found. Any thread. */
bool anpr_readcheck_jpeg_size(const uint8_t *data, size_t len, unsigned *width, unsigned *height);

#endif
