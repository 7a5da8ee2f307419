/* SPDX-License-Identifier: MIT */
/* Device signing key and ES256 JSON Web Signatures (RFC 7515) over reads, with mbedTLS. */
#ifndef ANPR_SIGN_H
#define ANPR_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/*
 * Each read is signed with the unit's ECDSA P-256 key as a compact JWS:
 * BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(r || s), header
 * {"alg":"ES256","typ":"anpr-read+json","kid":"<fingerprint>"}. The key
 * lives in a PEM file that only its owner may read (mode 0600 or stricter);
 * anything group- or world-accessible is refused. Key bytes read from disk
 * are wiped once parsed.
 *
 * The fingerprint (kid) is the lowercase hex SHA-256 of the public key's
 * DER SubjectPublicKeyInfo, the same as
 *   openssl pkey -pubin -in pub.pem -outform DER | sha256sum
 *
 * Threads: a signer may be used by one thread at a time.
 */

#define ANPR_SHA256_LEN 32
#define ANPR_SHA256_HEX_BUF 65              /* 64 hex digits and NUL */
#define ANPR_SIGN_KID_BUF 65                /* fingerprint: 64 hex digits and NUL */
#define ANPR_SIGN_PAYLOAD_MAX (1024 * 1024) /* largest payload anpr_signer_sign() takes */

typedef struct anpr_signer anpr_signer;

/*
 * Loads the device key. The file is opened without following symlinks and
 * checked on the open descriptor; it must be a regular file owned by this
 * process's user (or root) with no group or other permission bits. Errors:
 * ANPR_ERR_NOT_FOUND (no file), ANPR_ERR_PERMISSION (a symlink, not a
 * regular file, wrong owner, group/world access: diag tells the operator to
 * chmod 600), ANPR_ERR_FORMAT (not an unencrypted PEM EC P-256 private key),
 * ANPR_ERR_TOO_BIG (over 16 KiB), ANPR_ERR_IO, ANPR_ERR_CRYPTO (RNG setup,
 * or the key fails a sign-and-verify self-test), ANPR_ERR_NOMEM,
 * ANPR_ERR_INVAL (NULL argument). diag (may be NULL) gets a sentence for the
 * operator. The caller owns *out. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_signer_open(const char *key_path, anpr_signer **out, char *diag,
					  size_t diag_len);

/* Wipes the key and frees the signer; accepts NULL. */
void anpr_signer_close(anpr_signer *s);

/* The key's fingerprint, as above; owned by the signer. */
const char *anpr_signer_kid(const anpr_signer *s);

/*
 * Signs payload (any bytes; our reads are JSON) and writes the compact JWS,
 * NUL-terminated, into a buffer the function allocates: the caller frees
 * *jws. *jws_len (jws_len may be NULL) gets its length without the NUL.
 * Signatures are deterministic (RFC 6979, with blinding). Errors:
 * ANPR_ERR_CRYPTO, ANPR_ERR_NOMEM, ANPR_ERR_TOO_BIG (payload over
 * ANPR_SIGN_PAYLOAD_MAX), ANPR_ERR_INVAL (NULL s or jws, or NULL payload
 * with len > 0).
 */
ANPR_MUST_CHECK anpr_err anpr_signer_sign(anpr_signer *s, const void *payload, size_t len, char **jws,
					  size_t *jws_len);

/*
 * Creates a new P-256 key at path with mode 0600: written to a temporary
 * file beside it, fsynced, hard-linked into place (link() never replaces a
 * file) and the directory fsynced; an existing file, even a dangling
 * symlink, is never overwritten (ANPR_ERR_INVAL, diag says so). Writes the
 * public key PEM and a line "fingerprint: <hex>" to pub_out (may be NULL).
 * Errors also ANPR_ERR_IO (also when the key was placed but the directory
 * sync or pub_out failed: diag says which), ANPR_ERR_PERMISSION (cannot
 * create in the directory), ANPR_ERR_CRYPTO. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_sign_keygen(const char *path, FILE *pub_out, char *diag, size_t diag_len);

/* SHA-256 of data; hex variant writes 64 lowercase digits and NUL. Any thread. */
void anpr_sha256(const void *data, size_t len, uint8_t out[ANPR_SHA256_LEN]);
void anpr_sha256_hex(const void *data, size_t len, char out[ANPR_SHA256_HEX_BUF]);

/*
 * Unpadded base64url (RFC 4648 section 5) of len bytes into out, which needs
 * 4*ceil(len/3)+1 bytes; writes a NUL and returns the length without it. Any thread.
 */
size_t anpr_base64url(const void *data, size_t len, char *out);

#endif
