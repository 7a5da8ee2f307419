/* SPDX-License-Identifier: MIT */
/* Device key handling and ES256 compact JWS signing with mbedTLS 2.28. */
#define ANPR_LOG_TAG "sign"
#include "sign.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "log.h"
#include "secret_file.h"

/* A P-256 key in PEM is about 230 bytes; anything this large is not one. */
#define KEY_FILE_MAX (16 * 1024)
/* PEM of a P-256 private or public key, with room to spare. */
#define KEY_PEM_MAX 1024
/* DER SubjectPublicKeyInfo of a P-256 key is 91 bytes. */
#define SPKI_DER_MAX 256
#define COORD_LEN 32        /* P-256 scalar size: r and s are each this long */
#define SIG_B64_LEN 86      /* unpadded base64url of the 64-byte r || s */
#define HEADER_JSON_MAX 128 /* the header JSON is 111 bytes */
#define HEADER_B64_MAX 172  /* 4 * ceil(HEADER_JSON_MAX / 3) */

static const char drbg_pers[] = "anpr-sign";

struct anpr_signer {
	mbedtls_pk_context pk;
	mbedtls_ecp_keypair *ec; /* inside pk, checked to be P-256; its group caches tables */
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg; /* blinding for the deterministic (RFC 6979) signer */
	char kid[ANPR_SIGN_KID_BUF];
	char header_b64[HEADER_B64_MAX + 1];
	size_t header_b64_len;
};

void anpr_sha256(const void *data, size_t len, uint8_t out[ANPR_SHA256_LEN])
{
	/* The software implementation cannot fail; only a hardware _ALT one could. */
	int rc = mbedtls_sha256_ret(data, len, out, 0);

	assert(rc == 0);
	(void)rc;
}

void anpr_sha256_hex(const void *data, size_t len, char out[ANPR_SHA256_HEX_BUF])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t h[ANPR_SHA256_LEN];

	anpr_sha256(data, len, h);
	for (size_t i = 0; i < ANPR_SHA256_LEN; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 0xf];
	}
	out[2 * ANPR_SHA256_LEN] = '\0';
}

/* Characters anpr_base64url() writes for len bytes, without the NUL. */
static size_t b64url_len(size_t len)
{
	return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

size_t anpr_base64url(const void *data, size_t len, char *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const uint8_t *p = data;
	size_t i = 0, o = 0;

	for (; len - i >= 3; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
		out[o++] = tbl[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = tbl[v >> 18];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
	}
	out[o] = '\0';
	return o;
}

static anpr_err seed_rng(mbedtls_entropy_context *entropy, mbedtls_ctr_drbg_context *drbg)
{
	int rc = mbedtls_ctr_drbg_seed(drbg, mbedtls_entropy_func, entropy, (const unsigned char *)drbg_pers,
				       sizeof(drbg_pers) - 1);

	if (rc) {
		ANPR_LOGE("seeding the random generator failed: mbedtls -0x%04x", (unsigned)-rc);
		return ANPR_ERR_CRYPTO;
	}
	return ANPR_ERR_OK;
}

static anpr_err fingerprint(mbedtls_pk_context *pk, char kid[ANPR_SIGN_KID_BUF])
{
	unsigned char der[SPKI_DER_MAX];
	int n = mbedtls_pk_write_pubkey_der(pk, der, sizeof(der));

	if (n <= 0)
		return ANPR_ERR_CRYPTO;
	/* mbedTLS writes DER backwards: the n bytes end at the end of the buffer. */
	anpr_sha256_hex(der + sizeof(der) - (size_t)n, (size_t)n, kid);
	return ANPR_ERR_OK;
}

/* ECDSA over a SHA-256 digest, as the fixed-width r || s that JWS wants (RFC 7518 section 3.4). */
static anpr_err sign_digest(anpr_signer *s, const uint8_t digest[ANPR_SHA256_LEN], uint8_t rs[2 * COORD_LEN])
{
	anpr_err err = ANPR_ERR_CRYPTO;
	mbedtls_mpi r, sv;
	int rc;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&sv);
	/* Deterministic k (RFC 6979): a weak RNG at boot cannot leak the key through a repeated nonce. */
	rc = mbedtls_ecdsa_sign_det_ext(&s->ec->grp, &r, &sv, &s->ec->d, digest, ANPR_SHA256_LEN,
					MBEDTLS_MD_SHA256, mbedtls_ctr_drbg_random, &s->drbg);
	if (rc) {
		ANPR_LOGE("ECDSA signing failed: mbedtls -0x%04x", (unsigned)-rc);
		goto out;
	}
	/* write_binary left-pads with zeros, so a short r or s still fills its 32 bytes. */
	if (mbedtls_mpi_write_binary(&r, rs, COORD_LEN) ||
	    mbedtls_mpi_write_binary(&sv, rs + COORD_LEN, COORD_LEN))
		goto out;
	err = ANPR_ERR_OK;
out:
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&sv);
	return err;
}

/* Signs and verifies one digest, so a file whose public half does not match its private half is refused. */
static anpr_err self_test(anpr_signer *s)
{
	static const char msg[] = "anpr-sign self-test";
	uint8_t digest[ANPR_SHA256_LEN], rs[2 * COORD_LEN];
	anpr_err err;
	mbedtls_mpi r, sv;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&sv);
	anpr_sha256(msg, sizeof(msg) - 1, digest);
	err = sign_digest(s, digest, rs);
	if (err)
		goto out;
	err = ANPR_ERR_CRYPTO;
	if (mbedtls_mpi_read_binary(&r, rs, COORD_LEN) ||
	    mbedtls_mpi_read_binary(&sv, rs + COORD_LEN, COORD_LEN))
		goto out;
	if (mbedtls_ecdsa_verify(&s->ec->grp, digest, sizeof(digest), &s->ec->Q, &r, &sv))
		goto out;
	err = ANPR_ERR_OK;
out:
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&sv);
	return err;
}

anpr_err anpr_signer_open(const char *key_path, anpr_signer **out, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_NOMEM;
	anpr_signer *s = NULL;
	unsigned char *buf = NULL;
	char json[HEADER_JSON_MAX];
	size_t len = 0;
	int fd = -1;
	int rc;

	if (!key_path || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	err = anpr_secret_open(key_path, "device key", &fd, diag, diag_len);
	if (err == ANPR_ERR_NOT_FOUND)
		anpr_diagf(diag, diag_len, "%s: no such file; create the device key with anprd --gen-key",
			   key_path);
	if (err)
		goto out;
	err = ANPR_ERR_NOMEM;
	buf = malloc(KEY_FILE_MAX + 1);
	if (!buf)
		goto out;
	err = anpr_secret_read(fd, key_path, buf, KEY_FILE_MAX, &len, diag, diag_len);
	if (err == ANPR_ERR_TOO_BIG)
		anpr_diagf(diag, diag_len, "%s: larger than %d bytes, so not a device key", key_path,
			   KEY_FILE_MAX);
	if (err)
		goto out;
	buf[len] = '\0';

	err = ANPR_ERR_NOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	mbedtls_pk_init(&s->pk);
	mbedtls_entropy_init(&s->entropy);
	mbedtls_ctr_drbg_init(&s->drbg);

	/* PEM parsing wants the terminating NUL counted in the length. */
	rc = mbedtls_pk_parse_key(&s->pk, buf, len + 1, NULL, 0);
	mbedtls_platform_zeroize(buf, len + 1);
	err = ANPR_ERR_FORMAT;
	if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
		anpr_diagf(diag, diag_len,
			   "%s: key is encrypted; the device key must be an unencrypted PEM file", key_path);
		goto out;
	}
	if (rc) {
		anpr_diagf(diag, diag_len, "%s: not a PEM private key (mbedtls -0x%04x)", key_path,
			   (unsigned)-rc);
		goto out;
	}
	if (mbedtls_pk_get_type(&s->pk) != MBEDTLS_PK_ECKEY) {
		anpr_diagf(diag, diag_len, "%s: %s key; the device key must be EC on P-256 (secp256r1)",
			   key_path, mbedtls_pk_get_name(&s->pk));
		goto out;
	}
	s->ec = mbedtls_pk_ec(s->pk);
	if (!s->ec || s->ec->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
		const mbedtls_ecp_curve_info *ci =
		    s->ec ? mbedtls_ecp_curve_info_from_grp_id(s->ec->grp.id) : NULL;
		anpr_diagf(diag, diag_len,
			   "%s: EC key on curve %s; the device key must be on P-256 (secp256r1)", key_path,
			   ci ? ci->name : "unknown");
		goto out;
	}

	err = seed_rng(&s->entropy, &s->drbg);
	if (err) {
		anpr_diagf(diag, diag_len, "%s: cannot seed the random generator", key_path);
		goto out;
	}
	err = fingerprint(&s->pk, s->kid);
	if (err) {
		anpr_diagf(diag, diag_len, "%s: cannot encode the public key", key_path);
		goto out;
	}
	rc = snprintf(json, sizeof(json), "{\"alg\":\"ES256\",\"typ\":\"anpr-read+json\",\"kid\":\"%s\"}",
		      s->kid);
	assert(rc > 0 && (size_t)rc < sizeof(json));
	s->header_b64_len = anpr_base64url(json, (size_t)rc, s->header_b64);
	err = self_test(s);
	if (err) {
		anpr_diagf(diag, diag_len,
			   "%s: key failed its sign-and-verify self-test; is the file damaged?", key_path);
		goto out;
	}
	*out = s;
	s = NULL;
	err = ANPR_ERR_OK;
out:
	if (fd >= 0)
		close(fd);
	if (buf) {
		mbedtls_platform_zeroize(buf, KEY_FILE_MAX + 1);
		free(buf);
	}
	anpr_signer_close(s);
	return err;
}

void anpr_signer_close(anpr_signer *s)
{
	if (!s)
		return;
	/* These free functions wipe the private scalar and the DRBG state. */
	mbedtls_pk_free(&s->pk);
	mbedtls_ctr_drbg_free(&s->drbg);
	mbedtls_entropy_free(&s->entropy);
	mbedtls_platform_zeroize(s, sizeof(*s));
	free(s);
}

const char *anpr_signer_kid(const anpr_signer *s)
{
	return s ? s->kid : NULL;
}

anpr_err anpr_signer_sign(anpr_signer *s, const void *payload, size_t len, char **jws, size_t *jws_len)
{
	anpr_err err = ANPR_ERR_NOMEM;
	uint8_t digest[ANPR_SHA256_LEN], rs[2 * COORD_LEN];
	char *buf = NULL;
	size_t n, total;

	if (!s || !jws || (!payload && len))
		return ANPR_ERR_INVAL;
	*jws = NULL;
	if (jws_len)
		*jws_len = 0;
	if (len > ANPR_SIGN_PAYLOAD_MAX)
		return ANPR_ERR_TOO_BIG;
	total = s->header_b64_len + 1 + b64url_len(len) + 1 + SIG_B64_LEN + 1;
	buf = malloc(total);
	if (!buf)
		goto out;
	memcpy(buf, s->header_b64, s->header_b64_len);
	n = s->header_b64_len;
	buf[n++] = '.';
	n += anpr_base64url(payload, len, buf + n);
	/* The JWS Signing Input is ASCII(BASE64URL(header) '.' BASE64URL(payload)). */
	anpr_sha256(buf, n, digest);
	err = sign_digest(s, digest, rs);
	if (err)
		goto out;
	buf[n++] = '.';
	n += anpr_base64url(rs, sizeof(rs), buf + n);
	assert(n + 1 == total);
	*jws = buf;
	if (jws_len)
		*jws_len = n;
	buf = NULL;
	err = ANPR_ERR_OK;
out:
	free(buf);
	return err;
}

/* Prints the public key PEM and the fingerprint line for the operator. */
static anpr_err print_public(mbedtls_pk_context *pk, const char *kid, FILE *pub_out)
{
	unsigned char pem[KEY_PEM_MAX];

	if (mbedtls_pk_write_pubkey_pem(pk, pem, sizeof(pem)))
		return ANPR_ERR_CRYPTO;
	if (fprintf(pub_out, "%sfingerprint: %s\n", (const char *)pem, kid) < 0 || fflush(pub_out))
		return ANPR_ERR_IO;
	return ANPR_ERR_OK;
}

anpr_err anpr_sign_keygen(const char *path, FILE *pub_out, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_INVAL;
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	unsigned char pem[KEY_PEM_MAX];
	char kid[ANPR_SIGN_KID_BUF];
	bool exists = false;
	struct stat sb;
	int rc;

	mbedtls_pk_init(&pk);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	memset(pem, 0, sizeof(pem));

	if (!path || !*path)
		goto out;
	/* Refuse early so an operator never waits for a key that cannot be placed; link() re-checks. */
	if (lstat(path, &sb) == 0) {
		anpr_diagf(diag, diag_len, "%s: already exists; refusing to overwrite a device key", path);
		goto out;
	}
	if (errno != ENOENT) {
		anpr_diagf(diag, diag_len, "%s: cannot stat: %s", path, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	err = seed_rng(&entropy, &drbg);
	if (err) {
		anpr_diagf(diag, diag_len, "cannot seed the random generator");
		goto out;
	}
	err = ANPR_ERR_CRYPTO;
	rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (!rc)
		rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random,
					 &drbg);
	if (!rc)
		rc = mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem));
	if (rc) {
		anpr_diagf(diag, diag_len, "key generation failed (mbedtls -0x%04x)", (unsigned)-rc);
		goto out;
	}
	err = fingerprint(&pk, kid);
	if (err) {
		anpr_diagf(diag, diag_len, "cannot encode the public key");
		goto out;
	}

	err = anpr_secret_create(path, pem, strlen((const char *)pem), &exists, diag, diag_len);
	if (err)
		goto out;
	if (exists) {
		anpr_diagf(diag, diag_len, "%s: already exists; refusing to overwrite a device key", path);
		err = ANPR_ERR_INVAL;
		goto out;
	}
	err = ANPR_ERR_OK;
	if (pub_out) {
		err = print_public(&pk, kid, pub_out);
		if (err)
			anpr_diagf(diag, diag_len, "%s: key written but printing its public half failed",
				   path);
	}
out:
	mbedtls_platform_zeroize(pem, sizeof(pem));
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return err;
}
