/* SPDX-License-Identifier: MIT */
/* Engineer accounts: the users file (PBKDF2-HMAC-SHA256 hashes), password checks and the persistent lockout. */
#ifndef ANPR_AUTH_H
#define ANPR_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Users file: one account a line, `user:role:pbkdf2-sha256:iterations:salt_hex:hash_hex`,
 * user [a-z0-9_.-]{1,32}, role `engineer` or `supervisor`, iterations
 * 100000..10000000, a 16-byte salt and a 32-byte hash in lowercase hex;
 * '#' lines and blank lines are ignored; anything else makes the whole file
 * unusable (nobody logs in) rather than half-read. The file must be private
 * (anpr_secret_open rules). Only the hash is stored.
 *
 * Lockout: after ANPR_AUTH_MAX_FAILURES failures in a row the console locks
 * for 30 s, doubling with each further lockout up to 1 h; a good login
 * resets it. The state lives in a small file under the state folder,
 * replaced atomically with fsync (file and folder) at every change, so a
 * reboot or a power cut neither forgets failures nor lifts a lockout.
 *
 * Threads: any, one caller per state at a time.
 */

#define ANPR_AUTH_MAX_FAILURES 5
#define ANPR_AUTH_LOCK_BASE_S 30
#define ANPR_AUTH_LOCK_MAX_S 3600
#define ANPR_AUTH_MIN_ITER 100000
#define ANPR_AUTH_MAX_ITER 10000000
#define ANPR_AUTH_DEFAULT_ITER 200000
#define ANPR_AUTH_SALT_LEN 16
#define ANPR_AUTH_HASH_LEN 32
#define ANPR_AUTH_MAX_USER 32
#define ANPR_AUTH_MAX_PASSWORD 128
#define ANPR_AUTH_MAX_USERS 64

typedef enum anpr_role {
	ANPR_ROLE_NONE,
	ANPR_ROLE_ENGINEER,
	ANPR_ROLE_SUPERVISOR,
} anpr_role;

const char *anpr_role_name(anpr_role r);
/* "engineer" or "supervisor"; ANPR_ERR_INVAL otherwise. */
ANPR_MUST_CHECK anpr_err anpr_role_parse(const char *s, anpr_role *out);

/* Whether s is an acceptable user name. */
bool anpr_auth_user_valid(const char *s);

/*
 * Checks user and password against the users file at path. On success
 * *role is set. A wrong password, an unknown user and an unusable file all
 * return ANPR_ERR_PERMISSION after the same amount of work (a dummy hash is
 * computed for unknown users; hashes compare in constant time); diag says
 * which for the audit trail only, never for the terminal. Errors besides:
 * ANPR_ERR_INVAL (bad arguments).
 */
ANPR_MUST_CHECK anpr_err anpr_auth_check(const char *path, const char *user, const char *password,
					 anpr_role *role, char *diag, size_t diag_len);

/*
 * Formats one users-file line for user with a fresh random salt and
 * iterations rounds into line (at least 200 bytes). ANPR_ERR_CRYPTO, ANPR_ERR_INVAL.
 */
ANPR_MUST_CHECK anpr_err anpr_auth_make_line(const char *user, anpr_role role, const char *password,
					     unsigned iterations, char *line, size_t line_len);

/*
 * Replaces (or adds) user's line in the users file at path, keeping every
 * other line as it was; written atomically with mode 0600 (temporary file,
 * fsync, rename, folder fsync). Errors: ANPR_ERR_FORMAT (the existing file
 * does not parse), ANPR_ERR_IO, ANPR_ERR_PERMISSION, ANPR_ERR_TOO_BIG.
 */
ANPR_MUST_CHECK anpr_err anpr_auth_store(const char *path, const char *user, const char *line, char *diag,
					 size_t diag_len);

/* Parses one users-file line (for tests and the fuzz target); ANPR_ERR_FORMAT with a reason in diag. */
ANPR_MUST_CHECK anpr_err anpr_auth_parse_line(const char *line, char *user, size_t user_len, anpr_role *role,
					      unsigned *iterations, uint8_t salt[ANPR_AUTH_SALT_LEN],
					      uint8_t hash[ANPR_AUTH_HASH_LEN], char *diag, size_t diag_len);

/* The persistent lockout state. Plain data. */
typedef struct anpr_lockout {
	unsigned failures;       /* in a row since the last good login or lockout */
	unsigned lockouts;       /* in a row since the last good login */
	int64_t locked_until_ms; /* UTC ms; 0: not locked */
} anpr_lockout;

/*
 * Reads the state from dir/lockout. A missing file is a clean state; a
 * damaged or unreadable one is reported with ANPR_ERR_FORMAT and st says
 * locked for the longest period from now, at every load, until root
 * removes the file (fail closed).
 */
ANPR_MUST_CHECK anpr_err anpr_lockout_load(const char *dir, anpr_lockout *st);

/* Writes the state to dir/lockout atomically and durably. ANPR_ERR_IO. */
ANPR_MUST_CHECK anpr_err anpr_lockout_save(const char *dir, const anpr_lockout *st);

/* Seconds left of a lockout at now_ms (0 when not locked). */
int64_t anpr_lockout_remaining_s(const anpr_lockout *st, int64_t now_ms);

/*
 * Counts one failure at now_ms; returns true when it starts a lockout (then
 * locked_until_ms is set: 30 s doubling per lockout, capped at 1 h).
 */
bool anpr_lockout_fail(anpr_lockout *st, int64_t now_ms);

/* A good login: clears everything. */
void anpr_lockout_reset(anpr_lockout *st);

#endif
