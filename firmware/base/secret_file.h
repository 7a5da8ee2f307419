/* SPDX-License-Identifier: MIT */
/* Files that hold secrets (device key, data key): opened only when private, created atomically, never replaced. */
#ifndef ANPR_SECRET_FILE_H
#define ANPR_SECRET_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * A secret file must be a regular file (no symbolic link, FIFO or device),
 * owned by this user or root (as ssh requires: whoever owns it could swap
 * it), and reachable by nobody else (mode 0600 or stricter). The functions
 * never print; diag gets one sentence for the operator naming the file, the
 * fault and the fix. `what` names the secret in it ("device key"). Any
 * thread.
 */

/*
 * Opens path for reading after those checks; the caller closes *fd.
 * Errors: ANPR_ERR_NOT_FOUND (no such file), ANPR_ERR_PERMISSION (a link,
 * not a regular file, another owner, group or world access), ANPR_ERR_IO.
 */
ANPR_MUST_CHECK anpr_err anpr_secret_open(const char *path, const char *what, int *fd, char *diag,
					  size_t diag_len);

/*
 * The same for a secret another user's process will use: it must belong to
 * owner (or root). For root checking a service's key as the service would.
 */
ANPR_MUST_CHECK anpr_err anpr_secret_open_for(const char *path, const char *what, uid_t owner, int *fd,
					      char *diag, size_t diag_len);

/* Reads the whole file (to EOF) into buf; ANPR_ERR_TOO_BIG past cap bytes, ANPR_ERR_IO. */
ANPR_MUST_CHECK anpr_err anpr_secret_read(int fd, const char *path, void *buf, size_t cap, size_t *len,
					  char *diag, size_t diag_len);

/*
 * Creates path holding len bytes of data, mode 0600: written to a new
 * temporary file beside it, fsynced, linked into place (link() never
 * replaces an existing file), and the folder fsynced, so the key survives a
 * power cut whole or not at all. When path already exists, nothing is
 * changed, *exists is set and ANPR_ERR_OK returned. Errors: ANPR_ERR_INVAL
 * (path too long), ANPR_ERR_PERMISSION, ANPR_ERR_IO.
 */
ANPR_MUST_CHECK anpr_err anpr_secret_create(const char *path, const void *data, size_t len, bool *exists,
					    char *diag, size_t diag_len);

#endif
