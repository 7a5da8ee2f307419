/* SPDX-License-Identifier: MIT */
/* Replacing a small file so a power cut leaves the old or the new version, never a mix. */
#ifndef ANPR_ATOMICFILE_H
#define ANPR_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * Writes data to a new temporary file beside path (mode mode), fsyncs it,
 * renames it over path and fsyncs the folder. ANPR_ERR_IO (diag names the
 * step and errno), ANPR_ERR_INVAL (path too long). Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_atomic_write(const char *path, const void *data, size_t len, mode_t mode,
					   char *diag, size_t diag_len);

#endif
