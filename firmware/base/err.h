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
#define ANPR_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))

/*
 * Returns a static, human-readable message for an error code; an unknown
 * value gives "unknown error". Any thread.
 */
const char *anpr_strerror(anpr_err err);

/*
 * Returns the code's stable name without prefix ("NOMEM"), or "UNKNOWN".
 * Any thread.
 */
const char *anpr_errname(anpr_err err);

#endif
