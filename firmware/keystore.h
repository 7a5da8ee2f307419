/* SPDX-License-Identifier: MIT */
/* The spool's data key: 32 random bytes in a file only its owner can read, kept off the data partition. */
#ifndef ANPR_KEYSTORE_H
#define ANPR_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ANPR_KEYSTORE_KEY_LEN 32

/*
 * The interface is one call on purpose: a TPM or secure element can
 * implement it later (unseal the key, or derive it) without touching the
 * spool. The file form is 32 raw bytes, mode 0600, owned by this user or
 * root, on a partition other than the spool's, so a stolen data card holds
 * ciphertext only.
 */

/*
 * Loads the key at path into key. When the file is missing and create is
 * true, makes a new random key (mbedTLS CTR_DRBG) atomically: a temporary
 * file (O_EXCL, 0600), fsync, link() to path (an existing key is never
 * replaced), folder fsync. A file of the wrong size is ANPR_ERR_FORMAT and
 * is never replaced. Errors: ANPR_ERR_NOT_FOUND (missing, create false),
 * ANPR_ERR_PERMISSION (symlink, not a regular file, foreign owner, group or
 * world access), ANPR_ERR_FORMAT, ANPR_ERR_IO, ANPR_ERR_CRYPTO. diag (may be
 * NULL) gets a one-line explanation naming the path. key is wiped on error.
 * Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_keystore_load(const char *path, bool create, uint8_t key[ANPR_KEYSTORE_KEY_LEN],
					    char *diag, size_t diag_len);

#endif
