/* SPDX-License-Identifier: MIT */
/* Read verification with mbedTLS: the JWS signature, its header and payload, and the images bound to it. */
#include "readcheck.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

#include "jsonr.h"

#define COORD_LEN 32 /* P-256: r and s are 32 bytes each */
#define PATCH_WIDTH 120
#define PATCH_HEIGHT 60
#define HEADER_MAX 512 /* decoded protected header; ours is 111 bytes */

static const anpr_jsonr_limits header_limits = {
	.max_depth = 1, .max_nodes = 16, .max_string = 256, .max_members = 8
};
static const anpr_jsonr_limits payload_limits = {
	.max_depth = 4, .max_nodes = 256, .max_string = 4096, .max_members = 64
};

/* base64url digit values, -1 for every other byte. */
static const int8_t b64tab[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1, -1, 0,  1,  2,  3,  4,  5,  6,
	7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
	49, 50, 51, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int b64val(char c)
{
	return b64tab[(unsigned char)c];
}

uint8_t *anpr_readcheck_b64url_decode(const char *s, size_t len, size_t *out_len)
{
	/* A remainder of one character cannot encode a whole byte. */
	if (!s || !out_len || len % 4 == 1)
		return NULL;
	size_t n = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	uint8_t *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0, i = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	/* Whole quads first, four digits to three bytes (the images are most of a batch); then the tail. */
	for (; i + 4 <= len; i += 4) {
		int v0 = b64val(s[i]), v1 = b64val(s[i + 1]), v2 = b64val(s[i + 2]), v3 = b64val(s[i + 3]);
		if ((v0 | v1 | v2 | v3) < 0)
			goto bad;
		uint32_t q = (uint32_t)v0 << 18 | (uint32_t)v1 << 12 | (uint32_t)v2 << 6 | (uint32_t)v3;
		out[o] = (uint8_t)(q >> 16);
		out[o + 1] = (uint8_t)(q >> 8);
		out[o + 2] = (uint8_t)q;
		o += 3;
	}
	for (; i < len; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Non-zero leftover bits: two spellings of the same bytes, which a canonical encoder never writes. */
	if (acc != 0)
		goto bad;
	out[o] = 0;
	*out_len = o;
	return out;
bad:
	free(out);
	return NULL;
}

bool anpr_readcheck_jpeg_size(const uint8_t *data, size_t len, unsigned *width, unsigned *height)
{
	size_t i = 2;

	if (!data || len < 4 || data[0] != 0xff || data[1] != 0xd8)
		return false;
	while (i + 9 < len) {
		if (data[i] != 0xff)
			return false;
		uint8_t marker = data[i + 1];
		size_t seglen = (size_t)data[i + 2] << 8 | data[i + 3];
		if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
			*height = (unsigned)data[i + 5] << 8 | data[i + 6];
			*width = (unsigned)data[i + 7] << 8 | data[i + 8];
			return true;
		}
		if (seglen < 2)
			return false;
		i += 2 + seglen;
	}
	return false;
}

static bool is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

void anpr_readcheck_clear(anpr_readcheck_read *rd)
{
	if (!rd)
		return;
	free(rd->payload);
	free(rd->patch);
	free(rd->overview);
	memset(rd, 0, sizeof(*rd));
}

struct anpr_readcheck_key {
	mbedtls_pk_context pk;
	/*
	 * P-256 with its generator replaced by the device key Q. mbedTLS keeps
	 * the comb table of a group's generator once computed, but computes it
	 * afresh for any other point, which is most of the cost of an ECDSA
	 * verify; so u2 * Q is computed in this group and the table for Q is
	 * built once per key instead of once per read.
	 */
	mbedtls_ecp_group gq;
	bool fast; /* gq is ready */
};

anpr_err anpr_readcheck_key_open(const unsigned char *spki, size_t spki_len, anpr_readcheck_key **out)
{
	anpr_readcheck_key *k;

	if (!spki || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return ANPR_ERR_NOMEM;
	mbedtls_pk_init(&k->pk);
	mbedtls_ecp_group_init(&k->gq);
	if (mbedtls_pk_parse_public_key(&k->pk, spki, spki_len) != 0) {
		anpr_readcheck_key_free(k);
		return ANPR_ERR_CRYPTO;
	}
	mbedtls_ecp_keypair *ec = mbedtls_pk_can_do(&k->pk, MBEDTLS_PK_ECKEY) ? mbedtls_pk_ec(k->pk) : NULL;
	if (ec && ec->grp.id == MBEDTLS_ECP_DP_SECP256R1 &&
	    mbedtls_ecp_group_load(&k->gq, MBEDTLS_ECP_DP_SECP256R1) == 0 && k->gq.T_size == 0 &&
	    mbedtls_ecp_check_pubkey(&k->gq, &ec->Q) == 0) {
		/*
		 * A loaded group's constants and any table (T_size 0) point into static
		 * data, and are not freed (its h is 1): the generator is replaced by a
		 * point of our own, not written over, and anpr_readcheck_key_free() frees it.
		 */
		k->gq.T = NULL;
		mbedtls_ecp_point_init(&k->gq.G);
		k->fast = true;
		if (mbedtls_ecp_copy(&k->gq.G, &ec->Q) != 0) {
			anpr_readcheck_key_free(k);
			return ANPR_ERR_NOMEM;
		}
	}
	*out = k;
	return ANPR_ERR_OK;
}

void anpr_readcheck_key_free(anpr_readcheck_key *k)
{
	if (!k)
		return;
	if (k->fast)
		mbedtls_ecp_point_free(&k->gq.G);
	mbedtls_ecp_group_free(&k->gq);
	mbedtls_pk_free(&k->pk);
	free(k);
}

/*
 * ECDSA verification as mbedtls_ecdsa_verify() does it (SEC1 4.1.4), but
 * with u2 * Q taken in k->gq, where Q's comb table is kept: R = u1 G + u2 Q,
 * valid when R is not zero and x(R) mod n = r.
 */
static bool verify_p256_cached(anpr_readcheck_key *k, const uint8_t digest[ANPR_SHA256_LEN],
			       const mbedtls_mpi *r, const mbedtls_mpi *s)
{
	mbedtls_ecp_group *grp = &mbedtls_pk_ec(k->pk)->grp;
	mbedtls_mpi e, sinv, u1, u2, one, v;
	mbedtls_ecp_point R, R2;
	bool ok = false;

	mbedtls_mpi_init(&e);
	mbedtls_mpi_init(&sinv);
	mbedtls_mpi_init(&u1);
	mbedtls_mpi_init(&u2);
	mbedtls_mpi_init(&one);
	mbedtls_mpi_init(&v);
	mbedtls_ecp_point_init(&R);
	mbedtls_ecp_point_init(&R2);
	/* r and s in 1..n-1. */
	if (mbedtls_mpi_cmp_int(r, 1) < 0 || mbedtls_mpi_cmp_mpi(r, &grp->N) >= 0 ||
	    mbedtls_mpi_cmp_int(s, 1) < 0 || mbedtls_mpi_cmp_mpi(s, &grp->N) >= 0)
		goto out;
	/* e: the 256-bit digest as a number, reduced once mod n (as mbedTLS's derive_mpi). */
	if (mbedtls_mpi_read_binary(&e, digest, ANPR_SHA256_LEN) != 0)
		goto out;
	if (mbedtls_mpi_cmp_mpi(&e, &grp->N) >= 0 && mbedtls_mpi_sub_mpi(&e, &e, &grp->N) != 0)
		goto out;
	/* u1 = e / s, u2 = r / s mod n; u2 is never 0 (n is prime, r and s are not 0). */
	if (mbedtls_mpi_inv_mod(&sinv, s, &grp->N) != 0 || mbedtls_mpi_mul_mpi(&u1, &e, &sinv) != 0 ||
	    mbedtls_mpi_mod_mpi(&u1, &u1, &grp->N) != 0 || mbedtls_mpi_mul_mpi(&u2, r, &sinv) != 0 ||
	    mbedtls_mpi_mod_mpi(&u2, &u2, &grp->N) != 0 || mbedtls_mpi_lset(&one, 1) != 0)
		goto out;
	/* u2 Q with Q's kept table, then u1 G + 1 (u2 Q) (a multiplication by 1 is a copy). */
	if (mbedtls_ecp_mul(&k->gq, &R2, &u2, &k->gq.G, NULL, NULL) != 0 ||
	    mbedtls_ecp_muladd(grp, &R, &u1, &grp->G, &one, &R2) != 0 || mbedtls_ecp_is_zero(&R))
		goto out;
	if (mbedtls_mpi_mod_mpi(&v, &R.X, &grp->N) != 0)
		goto out;
	ok = mbedtls_mpi_cmp_mpi(&v, r) == 0;
out:
	mbedtls_mpi_free(&e);
	mbedtls_mpi_free(&sinv);
	mbedtls_mpi_free(&u1);
	mbedtls_mpi_free(&u2);
	mbedtls_mpi_free(&one);
	mbedtls_mpi_free(&v);
	mbedtls_ecp_point_free(&R);
	mbedtls_ecp_point_free(&R2);
	return ok;
}

/* ECDSA P-256 over SHA-256 of the signing input, with the JWS's raw r || s; k (or NULL) speeds it up. */
static bool verify_es256(mbedtls_pk_context *key, anpr_readcheck_key *k, const char *input, size_t input_len,
			 const uint8_t *rs)
{
	uint8_t digest[ANPR_SHA256_LEN];
	mbedtls_mpi r, s;
	bool ok = false;

	if (!mbedtls_pk_can_do(key, MBEDTLS_PK_ECKEY))
		return false;
	mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*key);
	if (!ec || ec->grp.id != MBEDTLS_ECP_DP_SECP256R1)
		return false;
	anpr_sha256(input, input_len, digest);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_mpi_read_binary(&r, rs, COORD_LEN) == 0 &&
	    mbedtls_mpi_read_binary(&s, rs + COORD_LEN, COORD_LEN) == 0) {
		if (k && k->fast)
			ok = verify_p256_cached(k, digest, &r, &s);
		else
			ok = mbedtls_ecdsa_verify(&ec->grp, digest, sizeof(digest), &ec->Q, &r, &s) == 0;
	}
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ok;
}

/* Checks one image against its entry in the signed payload; NULL when it matches, else why not. */
static const char *check_image(const anpr_jsonr *doc, const anpr_jsonr_node *meta, const char *b64,
			       size_t b64_len, size_t max, bool is_patch, uint8_t **out, size_t *out_len)
{
	int64_t bytes, width, height;
	const char *sha = anpr_jsonr_get_string(doc, meta, "sha256");
	const char *type = anpr_jsonr_get_string(doc, meta, "type");
	char hex[ANPR_SHA256_HEX_BUF];
	unsigned w = 0, h = 0;

	if (!meta || !is_hex64(sha) || !type || strcmp(type, "image/jpeg") != 0 ||
	    !anpr_jsonr_get_int(doc, meta, "bytes", &bytes) ||
	    !anpr_jsonr_get_int(doc, meta, "width", &width) ||
	    !anpr_jsonr_get_int(doc, meta, "height", &height))
		return is_patch ? "signed payload: patch description incomplete"
				: "signed payload: overview description incomplete";
	uint8_t *data = anpr_readcheck_b64url_decode(b64, b64_len, out_len);
	if (!data)
		return is_patch ? "patch_jpeg is not base64url" : "overview_jpeg is not base64url";
	*out = data;
	if ((int64_t)*out_len != bytes)
		return is_patch ? "patch size differs from the signed payload"
				: "overview size differs from the signed payload";
	if (*out_len > max)
		return is_patch ? "patch larger than 3072 bytes" : "overview larger than 25000 bytes";
	anpr_sha256_hex(data, *out_len, hex);
	if (strcmp(hex, sha) != 0)
		return is_patch ? "patch digest does not match the signed payload"
				: "overview digest does not match the signed payload";
	if (!anpr_readcheck_jpeg_size(data, *out_len, &w, &h) || (int64_t)w != width || (int64_t)h != height)
		return is_patch ? "patch is not a JPEG of the signed dimensions"
				: "overview is not a JPEG of the signed dimensions";
	if (is_patch && (w != PATCH_WIDTH || h != PATCH_HEIGHT))
		return "patch is not 120x60";
	return NULL;
}

static anpr_readcheck_fault check(const anpr_batch_read *r, mbedtls_pk_context *key, anpr_readcheck_key *k,
				  const char *kid, anpr_readcheck_read *out, const char **why)
{
	anpr_readcheck_fault fault = ANPR_READCHECK_MALFORMED;
	uint8_t *header = NULL, *sig = NULL, *payload = NULL;
	size_t header_len = 0, sig_len = 0, payload_len = 0;
	anpr_jsonr *hdoc = NULL, *pdoc = NULL;
	const char *dot1, *dot2;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (r->error) {
		*why = r->error;
		goto out;
	}

	/* 1. The compact JWS: three base64url parts. */
	*why = "jws is not a compact JWS";
	dot1 = memchr(r->jws, '.', r->jws_len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', r->jws_len - (size_t)(dot1 + 1 - r->jws)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', r->jws_len - (size_t)(dot2 + 1 - r->jws)))
		goto out;
	header = anpr_readcheck_b64url_decode(r->jws, (size_t)(dot1 - r->jws), &header_len);
	sig = anpr_readcheck_b64url_decode(dot2 + 1, r->jws_len - (size_t)(dot2 + 1 - r->jws), &sig_len);
	payload = anpr_readcheck_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &payload_len);
	if (!header || !sig || !payload || header_len > HEADER_MAX || sig_len != 2 * COORD_LEN)
		goto out;

	/* 2. The protected header: exactly ES256, our type, and the key this connection authenticated. */
	static const char *const hnames[] = { "alg", "typ", "kid" };
	if (anpr_jsonr_parse((const char *)header, header_len, &header_limits, &hdoc, NULL, 0) !=
	    ANPR_ERR_OK) {
		*why = "JWS header is not JSON";
		goto out;
	}
	const anpr_jsonr_node *h = anpr_jsonr_root(hdoc);
	fault = ANPR_READCHECK_BAD_HEADER;
	*why = "JWS header is not {alg, typ, kid}";
	if (h->type != ANPR_JSONR_OBJECT || h->count != 3)
		goto out;
	for (size_t i = 0; i < 3; i++) {
		if (!anpr_jsonr_get_string(hdoc, h, hnames[i]))
			goto out;
	}
	if (strcmp(anpr_jsonr_get_string(hdoc, h, "alg"), "ES256") != 0) {
		*why = "JWS alg is not ES256";
		goto out;
	}
	if (strcmp(anpr_jsonr_get_string(hdoc, h, "typ"), "anpr-read+json") != 0) {
		*why = "JWS typ is not anpr-read+json";
		goto out;
	}
	if (!is_hex64(anpr_jsonr_get_string(hdoc, h, "kid"))) {
		*why = "JWS kid is not 64 lowercase hex digits";
		goto out;
	}
	if (kid && strcmp(anpr_jsonr_get_string(hdoc, h, "kid"), kid) != 0) {
		*why = "JWS kid is not the key of the client certificate";
		goto out;
	}

	/* 3. The signature, over the bytes received: nothing is canonicalised. */
	if (key && !verify_es256(key, k, r->jws, (size_t)(dot2 - r->jws), sig)) {
		fault = ANPR_READCHECK_BAD_SIGNATURE;
		*why = "signature does not verify";
		goto out;
	}

	/* 4. The signed payload. */
	fault = ANPR_READCHECK_BAD_PAYLOAD;
	if (anpr_jsonr_parse((const char *)payload, payload_len, &payload_limits, &pdoc, NULL, 0) !=
	    ANPR_ERR_OK) {
		*why = "signed payload is not JSON";
		goto out;
	}
	const anpr_jsonr_node *p = anpr_jsonr_root(pdoc);
	int64_t v = 0, seq = 0;
	const char *id = anpr_jsonr_get_string(pdoc, p, "id");
	const char *device = anpr_jsonr_get_string(pdoc, p, "device");
	const char *prev = anpr_jsonr_get_string(pdoc, p, "prev_sha256");
	if (!anpr_jsonr_get_int(pdoc, p, "v", &v) || v != 1) {
		*why = "signed payload: v is not 1";
		goto out;
	}
	if (!id || !device || !anpr_jsonr_get_int(pdoc, p, "seq", &seq) || seq < 1 || !is_hex64(prev) ||
	    strlen(device) > ANPR_BATCH_ID_MAX || device[0] == '\0') {
		*why = "signed payload: id, seq, device or prev_sha256 missing or malformed";
		goto out;
	}
	if (strcmp(id, r->id) != 0 || seq != r->seq) {
		*why = "envelope id or seq differs from the signed payload";
		goto out;
	}
	char want_id[ANPR_BATCH_ID_MAX + 24];
	snprintf(want_id, sizeof(want_id), "%s-%012" PRId64, device, seq);
	if (strcmp(id, want_id) != 0) {
		*why = "signed payload: id is not <device>-<12-digit seq>";
		goto out;
	}

	/* 5. The images, bound to the payload by size and digest. */
	fault = ANPR_READCHECK_BAD_IMAGE;
	*why = check_image(pdoc, anpr_jsonr_get(pdoc, p, "patch"), r->patch_b64, r->patch_b64_len,
			   ANPR_READCHECK_PATCH_MAX, true, &out->patch, &out->patch_len);
	if (!*why)
		*why = check_image(pdoc, anpr_jsonr_get(pdoc, p, "overview"), r->overview_b64,
				   r->overview_b64_len, ANPR_READCHECK_OVERVIEW_MAX, false, &out->overview,
				   &out->overview_len);
	if (*why)
		goto out;

	snprintf(out->device, sizeof(out->device), "%s", device);
	out->seq = seq;
	memcpy(out->prev_sha256, prev, ANPR_SHA256_HEX_BUF);
	anpr_sha256_hex(r->jws, r->jws_len, out->jws_sha256);
	out->payload = (char *)payload; /* decoded with a spare NUL */
	out->payload_len = payload_len;
	payload = NULL;
	fault = ANPR_READCHECK_OK;
out:
	if (fault != ANPR_READCHECK_OK)
		anpr_readcheck_clear(out);
	anpr_jsonr_free(hdoc);
	anpr_jsonr_free(pdoc);
	free(header);
	free(sig);
	free(payload);
	return fault;
}

anpr_readcheck_fault anpr_readcheck_verify(const anpr_batch_read *r, mbedtls_pk_context *key, const char *kid,
					   anpr_readcheck_read *out, const char **why)
{
	return check(r, key, NULL, kid, out, why);
}

anpr_readcheck_fault anpr_readcheck_verify_key(const anpr_batch_read *r, anpr_readcheck_key *key,
					       const char *kid, anpr_readcheck_read *out, const char **why)
{
	return check(r, key ? &key->pk : NULL, key, kid, out, why);
}
