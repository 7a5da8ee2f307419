/* SPDX-License-Identifier: MIT */
/* Reading a whole file from outside: bounded, regular files only, never blocked by a FIFO. */
#ifndef ANPR_READFILE_H
#define ANPR_READFILE_H

#include <stddef.h>

#include "err.h"

/* anpr_file_read() flags. */
#define ANPR_READ_NOFOLLOW 1u /* refuse a symbolic link as the last path component */

/*
 * Reads the whole regular file path, of at most cap bytes, into a new buffer
 * the caller frees, NUL-terminated after its *len bytes. A relative path is
 * taken from the folder dir_fd (AT_FDCWD: the working folder).
 *
 * The file is opened without blocking, so a FIFO, socket or device named as
 * the file is refused at once instead of hanging the caller until something
 * writes to it. The length is what read() returns until end of file, not what
 * fstat() said: a file that grows past cap while being read is refused too.
 *
 * Errors: ANPR_ERR_INVAL (bad arguments), ANPR_ERR_NOT_FOUND (no such file),
 * ANPR_ERR_TOO_BIG, ANPR_ERR_IO (cannot open, not a regular file, read
 * error), ANPR_ERR_NOMEM. On error diag (may be NULL) says what, as
 * "PATH: reason", and *out is NULL. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_file_read(int dir_fd, const char *path, unsigned flags, size_t cap, char **out,
					size_t *len, char *diag, size_t diag_len);

#endif
