/* SPDX-License-Identifier: MIT */
/* Error codes shared by every module, and their messages. */
#ifndef ANPR_ERR_H
#define ANPR_ERR_H

#define ANPR_ERR(name, value, msg) ANPR_ERR_##name = value,
typedef enum anpr_err {
#include "err_list.h"
} anpr_err;
#undef ANPR_ERR

/* Marks a failable function: ignoring its anpr_err is a compile warning. */
#define ANPR_MUST_CHECK __attribute__((warn_unused_result))

/* Marks a printf-like function so the compiler checks its arguments. */
#include <stddef.h>

#define ANPR_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))

/*
 * Returns a static, human-readable message for an error code; an unknown
 * value gives "unknown error". Any thread.
 */
const char *anpr_strerror(anpr_err err);

/*
 * Writes one message for the operator into diag (cap len bytes, always
 * terminated, silently truncated); diag may be NULL or len 0. Any thread.
 */
void anpr_diagf(char *diag, size_t len, const char *fmt, ...) ANPR_PRINTF(3, 4);
/* The same, prefixed "file:line: " (the form every input error takes). */
void anpr_diagf_at(char *diag, size_t len, const char *file, int line, const char *fmt, ...)
    ANPR_PRINTF(5, 6);

/*
 * Returns the code's stable name without prefix ("NOMEM"), or "UNKNOWN".
 * Any thread.
 */
const char *anpr_errname(anpr_err err);

#endif
