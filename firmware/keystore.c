/* SPDX-License-Identifier: MIT */
/* The spool's data key: 32 random bytes in a file only its owner can read, kept off the data partition. */
#define ANPR_LOG_TAG "keystore"
#include "keystore.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>

#include "log.h"
#include "secret_file.h"

static const char drbg_pers[] = "anpr-keystore";

/* Reads the key from an open secret file: exactly ANPR_KEYSTORE_KEY_LEN bytes. */
static anpr_err read_key(int fd, const char *path, uint8_t key[ANPR_KEYSTORE_KEY_LEN], char *diag,
			 size_t diag_len)
{
	size_t got = 0;
	anpr_err err = anpr_secret_read(fd, path, key, ANPR_KEYSTORE_KEY_LEN, &got, diag, diag_len);

	if (err == ANPR_ERR_TOO_BIG || (!err && got != ANPR_KEYSTORE_KEY_LEN)) {
		char size[32];
		if (err)
			snprintf(size, sizeof(size), "more than %d bytes", ANPR_KEYSTORE_KEY_LEN);
		else
			snprintf(size, sizeof(size), "%zu bytes", got);
		anpr_diagf(
		    diag, diag_len,
		    "%s: %s, not %d: the data key is damaged; it is not replaced, since the spool's records "
		    "need the original",
		    path, size, ANPR_KEYSTORE_KEY_LEN);
		return ANPR_ERR_FORMAT;
	}
	return err;
}

/* Creates a new key file at path; ANPR_ERR_OK with *raced set when another process made one first. */
static anpr_err create_key(const char *path, uint8_t key[ANPR_KEYSTORE_KEY_LEN], bool *raced, char *diag,
			   size_t diag_len)
{
	anpr_err err = ANPR_ERR_CRYPTO;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;

	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)drbg_pers,
				  sizeof(drbg_pers) - 1) ||
	    mbedtls_ctr_drbg_random(&drbg, key, ANPR_KEYSTORE_KEY_LEN)) {
		anpr_diagf(diag, diag_len, "%s: cannot generate a key: random generator failed", path);
		goto out;
	}
	err = anpr_secret_create(path, key, ANPR_KEYSTORE_KEY_LEN, raced, diag, diag_len);
	if (!err && !*raced)
		ANPR_LOGI("created a new data key at %s", path);
out:
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return err;
}

anpr_err anpr_keystore_load(const char *path, bool create, uint8_t key[ANPR_KEYSTORE_KEY_LEN], char *diag,
			    size_t diag_len)
{
	anpr_err err = ANPR_ERR_INVAL;
	bool raced = false;
	int fd = -1;

	if (!path || !path[0] || !key)
		return ANPR_ERR_INVAL;
	for (int attempt = 0; attempt < 2; attempt++) {
		err = anpr_secret_open(path, "data key", &fd, diag, diag_len);
		if (!err) {
			err = read_key(fd, path, key, diag, diag_len);
			goto out;
		}
		if (err != ANPR_ERR_NOT_FOUND || !create)
			goto out;
		err = create_key(path, key, &raced, diag, diag_len);
		if (err || !raced)
			goto out;
		/* Someone else created it first: theirs is the key. */
	}
out:
	if (fd >= 0)
		close(fd);
	if (err)
		mbedtls_platform_zeroize(key, ANPR_KEYSTORE_KEY_LEN);
	return err;
}
