/* SPDX-License-Identifier: MIT */
/* The engineer audit trail: one fsynced, append-only line per login, failure, lockout and command. */
#ifndef ANPR_AUDIT_H
#define ANPR_AUDIT_H

#include <stddef.h>

#include "err.h"

/*
 * Line format (UTF-8 free: every byte outside printable ASCII becomes '?'):
 *   2026-11-22T01:02:03.456Z user=alice role=engineer event=command text="config get x" result=start
 * Free text is quoted with '"' and '\' escaped and cut at ANPR_AUDIT_TEXT_MAX
 * bytes ("..." marks the cut). The file is opened O_APPEND, created 0600,
 * and each line is written with one write() and fsynced before the call
 * returns, so a command is on record before it runs. Callers refuse to act
 * when this fails. Threads: one thread per audit handle.
 */

#define ANPR_AUDIT_TEXT_MAX 160

typedef struct anpr_audit anpr_audit;

/* Opens (creating) the trail at path. ANPR_ERR_IO, ANPR_ERR_NOMEM. Caller owns *out. */
ANPR_MUST_CHECK anpr_err anpr_audit_open(const char *path, anpr_audit **out, char *diag, size_t diag_len);
void anpr_audit_close(anpr_audit *a);

/*
 * Appends one record. user and role may be NULL ("-"); event is a word
 * (login, login_failed, lockout, logout, command, done, config_set ...);
 * text is free text (may be NULL); result is a word. ANPR_ERR_IO when the
 * line did not reach the disk.
 */
ANPR_MUST_CHECK anpr_err anpr_audit_write(anpr_audit *a, const char *user, const char *role,
					  const char *event, const char *text, const char *result);

#endif
