/* SPDX-License-Identifier: MIT */
/* Engineer accounts: the users file (PBKDF2-HMAC-SHA256 hashes), password checks and the persistent lockout. */
#include "auth.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#include "atomicfile.h"
#include "clock.h"
#include "readfile.h"
#include "secret_file.h"

#define USERS_FILE_MAX (64 * 1024)
#define LOCKOUT_FILE_MAX 256

const char *anpr_role_name(anpr_role r)
{
	switch (r) {
	case ANPR_ROLE_ENGINEER:
		return "engineer";
	case ANPR_ROLE_SUPERVISOR:
		return "supervisor";
	case ANPR_ROLE_NONE:
		break;
	}
	return "-";
}

anpr_err anpr_role_parse(const char *s, anpr_role *out)
{
	if (strcmp(s, "engineer") == 0)
		*out = ANPR_ROLE_ENGINEER;
	else if (strcmp(s, "supervisor") == 0)
		*out = ANPR_ROLE_SUPERVISOR;
	else
		return ANPR_ERR_INVAL;
	return ANPR_ERR_OK;
}

bool anpr_auth_user_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ANPR_AUTH_MAX_USER)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static bool unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			v = (uint8_t)(v << 4);
			if (c >= '0' && c <= '9')
				v |= (uint8_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (uint8_t)(c - 'a' + 10);
			else
				return false;
		}
		out[i] = v;
	}
	return true;
}

static void tohex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

anpr_err anpr_auth_parse_line(const char *line, char *user, size_t user_len, anpr_role *role,
			      unsigned *iterations, uint8_t salt[ANPR_AUTH_SALT_LEN],
			      uint8_t hash[ANPR_AUTH_HASH_LEN], char *diag, size_t diag_len)
{
	char copy[512];
	char *field[7];
	size_t nf = 0, n = strlen(line);

	if (n >= sizeof(copy)) {
		snprintf(diag, diag_len, "line too long");
		return ANPR_ERR_FORMAT;
	}
	memcpy(copy, line, n + 1);
	field[nf++] = copy;
	for (char *p = copy; *p; p++) {
		if (*p == ':') {
			*p = '\0';
			if (nf == 7)
				break;
			field[nf++] = p + 1;
		}
	}
	if (nf != 6) {
		snprintf(diag, diag_len, "expected 6 fields user:role:pbkdf2-sha256:iterations:salt:hash");
		return ANPR_ERR_FORMAT;
	}
	if (!anpr_auth_user_valid(field[0]) || strlen(field[0]) >= user_len) {
		snprintf(diag, diag_len, "bad user name");
		return ANPR_ERR_FORMAT;
	}
	if (anpr_role_parse(field[1], role) != ANPR_ERR_OK) {
		snprintf(diag, diag_len, "role must be engineer or supervisor");
		return ANPR_ERR_FORMAT;
	}
	if (strcmp(field[2], "pbkdf2-sha256") != 0) {
		snprintf(diag, diag_len, "unknown hash scheme");
		return ANPR_ERR_FORMAT;
	}
	char *end = NULL;
	size_t il = strlen(field[3]);
	unsigned long it = strtoul(field[3], &end, 10);
	if (il == 0 || il > 8 || *end || field[3][0] < '1' || field[3][0] > '9' || it < ANPR_AUTH_MIN_ITER ||
	    it > ANPR_AUTH_MAX_ITER) {
		snprintf(diag, diag_len, "iterations must be %d..%d", ANPR_AUTH_MIN_ITER, ANPR_AUTH_MAX_ITER);
		return ANPR_ERR_FORMAT;
	}
	if (strlen(field[4]) != 2 * ANPR_AUTH_SALT_LEN || !unhex(field[4], ANPR_AUTH_SALT_LEN, salt) ||
	    strlen(field[5]) != 2 * ANPR_AUTH_HASH_LEN || !unhex(field[5], ANPR_AUTH_HASH_LEN, hash)) {
		snprintf(diag, diag_len, "salt must be 32 and hash 64 lowercase hex digits");
		return ANPR_ERR_FORMAT;
	}
	strcpy(user, field[0]);
	*iterations = (unsigned)it;
	return ANPR_ERR_OK;
}

static anpr_err pbkdf2(const char *password, const uint8_t *salt, unsigned iterations,
		       uint8_t out[ANPR_AUTH_HASH_LEN])
{
	mbedtls_md_context_t md;
	anpr_err err = ANPR_ERR_OK;

	mbedtls_md_init(&md);
	if (mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) != 0 ||
	    mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)password, strlen(password), salt,
				      ANPR_AUTH_SALT_LEN, iterations, ANPR_AUTH_HASH_LEN, out) != 0)
		err = ANPR_ERR_CRYPTO;
	mbedtls_md_free(&md);
	return err;
}

static bool equal_ct(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

/* Iterates the users file's lines; each non-comment line goes through parse. */
typedef struct users_scan {
	const char *want;
	bool found, bad;
	anpr_role role;
	unsigned iterations;
	uint8_t salt[ANPR_AUTH_SALT_LEN], hash[ANPR_AUTH_HASH_LEN];
	char why[128];
} users_scan;

static void scan_users(char *text, users_scan *s)
{
	unsigned count = 0;

	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char user[ANPR_AUTH_MAX_USER + 1];
		anpr_role role;
		unsigned it;
		uint8_t salt[ANPR_AUTH_SALT_LEN], hash[ANPR_AUTH_HASH_LEN];
		if (++count > ANPR_AUTH_MAX_USERS ||
		    anpr_auth_parse_line(line, user, sizeof(user), &role, &it, salt, hash, s->why,
					 sizeof(s->why)) != ANPR_ERR_OK) {
			s->bad = true;
			return;
		}
		if (s->want && !s->found && strcmp(user, s->want) == 0) {
			s->found = true;
			s->role = role;
			s->iterations = it;
			memcpy(s->salt, salt, sizeof(salt));
			memcpy(s->hash, hash, sizeof(hash));
		}
		mbedtls_platform_zeroize(hash, sizeof(hash));
	}
}

anpr_err anpr_auth_check(const char *path, const char *user, const char *password, anpr_role *role,
			 char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_PERMISSION;
	char *text = NULL;
	size_t len = 0;
	int fd = -1;
	users_scan s;
	uint8_t got[ANPR_AUTH_HASH_LEN];

	memset(&s, 0, sizeof(s));
	*role = ANPR_ROLE_NONE;
	if (!path || !user || !password || strlen(password) > ANPR_AUTH_MAX_PASSWORD)
		return ANPR_ERR_INVAL;
	s.want = user;
	s.iterations = ANPR_AUTH_DEFAULT_ITER;
	text = malloc(USERS_FILE_MAX + 1);
	if (!text)
		return ANPR_ERR_NOMEM;
	if (anpr_secret_open(path, "users file", &fd, diag, diag_len) != ANPR_ERR_OK ||
	    anpr_secret_read(fd, path, text, USERS_FILE_MAX, &len, diag, diag_len) != ANPR_ERR_OK) {
		s.bad = true;
	} else {
		text[len] = '\0';
		if (memchr(text, '\0', len)) {
			s.bad = true;
			snprintf(diag, diag_len, "%s: binary data", path);
		} else {
			scan_users(text, &s);
			if (s.bad)
				snprintf(diag, diag_len, "%s: %s", path, s.why);
		}
	}
	/* Same work whether or not the user exists, so timing tells nothing. */
	if (pbkdf2(password, s.salt, s.iterations, got) != ANPR_ERR_OK) {
		err = ANPR_ERR_CRYPTO;
		goto out;
	}
	if (s.bad)
		goto out;
	if (!s.found) {
		snprintf(diag, diag_len, "unknown user");
		goto out;
	}
	if (!equal_ct(got, s.hash, sizeof(got))) {
		snprintf(diag, diag_len, "wrong password");
		goto out;
	}
	*role = s.role;
	err = ANPR_ERR_OK;
out:
	mbedtls_platform_zeroize(got, sizeof(got));
	mbedtls_platform_zeroize(&s, sizeof(s));
	if (text) {
		mbedtls_platform_zeroize(text, USERS_FILE_MAX + 1);
		free(text);
	}
	if (fd >= 0)
		close(fd);
	return err;
}

anpr_err anpr_auth_make_line(const char *user, anpr_role role, const char *password, unsigned iterations,
			     char *line, size_t line_len)
{
	uint8_t salt[ANPR_AUTH_SALT_LEN], hash[ANPR_AUTH_HASH_LEN];
	char salt_hex[2 * ANPR_AUTH_SALT_LEN + 1], hash_hex[2 * ANPR_AUTH_HASH_LEN + 1];
	anpr_err err = ANPR_ERR_OK;

	if (!anpr_auth_user_valid(user) || role == ANPR_ROLE_NONE || iterations < ANPR_AUTH_MIN_ITER ||
	    iterations > ANPR_AUTH_MAX_ITER || strlen(password) > ANPR_AUTH_MAX_PASSWORD || line_len < 200)
		return ANPR_ERR_INVAL;
	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		return ANPR_ERR_CRYPTO;
	err = pbkdf2(password, salt, iterations, hash);
	if (err)
		goto out;
	tohex(salt, sizeof(salt), salt_hex);
	tohex(hash, sizeof(hash), hash_hex);
	snprintf(line, line_len, "%s:%s:pbkdf2-sha256:%u:%s:%s", user, anpr_role_name(role), iterations,
		 salt_hex, hash_hex);
out:
	mbedtls_platform_zeroize(hash, sizeof(hash));
	mbedtls_platform_zeroize(hash_hex, sizeof(hash_hex));
	return err;
}

anpr_err anpr_auth_store(const char *path, const char *user, const char *line, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_OK;
	char *old = NULL, *text = NULL;
	size_t old_len = 0, o = 0;
	int fd = -1;
	bool placed = false;
	size_t ulen = strlen(user);

	old = malloc(USERS_FILE_MAX + 1);
	text = malloc(USERS_FILE_MAX + 600);
	if (!old || !text) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	err = anpr_secret_open(path, "users file", &fd, diag, diag_len);
	if (err == ANPR_ERR_NOT_FOUND) {
		old_len = 0;
	} else if (err) {
		goto out;
	} else {
		err = anpr_secret_read(fd, path, old, USERS_FILE_MAX, &old_len, diag, diag_len);
		if (err)
			goto out;
	}
	old[old_len] = '\0';
	{
		/* The existing file must parse: never rewrite what we do not understand. */
		users_scan s;
		char *copy = strdup(old);
		if (!copy) {
			err = ANPR_ERR_NOMEM;
			goto out;
		}
		memset(&s, 0, sizeof(s));
		scan_users(copy, &s);
		mbedtls_platform_zeroize(copy, old_len);
		free(copy);
		if (s.bad || memchr(old, '\0', old_len)) {
			snprintf(diag, diag_len, "%s: %s; not changed", path, s.bad ? s.why : "binary data");
			err = ANPR_ERR_FORMAT;
			goto out;
		}
	}
	for (char *l = old, *next; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		const char *src = l;
		size_t n = strlen(l);
		if (strncmp(l, user, ulen) == 0 && l[ulen] == ':') {
			if (placed)
				continue;
			src = line;
			n = strlen(line);
			placed = true;
		}
		memcpy(text + o, src, n);
		o += n;
		text[o++] = '\n';
	}
	if (!placed) {
		size_t n = strlen(line);
		memcpy(text + o, line, n);
		o += n;
		text[o++] = '\n';
	}
	if (o > USERS_FILE_MAX) {
		err = ANPR_ERR_TOO_BIG;
		goto out;
	}
	err = anpr_atomic_write(path, text, o, 0600, diag, diag_len);
out:
	if (fd >= 0)
		close(fd);
	if (old) {
		mbedtls_platform_zeroize(old, USERS_FILE_MAX + 1);
		free(old);
	}
	if (text) {
		mbedtls_platform_zeroize(text, USERS_FILE_MAX + 600);
		free(text);
	}
	return err;
}

static void lockout_path(const char *dir, char *out, size_t len)
{
	snprintf(out, len, "%s/lockout", dir);
}

anpr_err anpr_lockout_load(const char *dir, anpr_lockout *st)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	unsigned f = 0, l = 0;
	long long until = 0;
	int used = 0;
	anpr_err err;

	memset(st, 0, sizeof(*st));
	lockout_path(dir, path, sizeof(path));
	err = anpr_file_read(AT_FDCWD, path, ANPR_READ_NOFOLLOW, LOCKOUT_FILE_MAX, &text, &len, NULL, 0);
	if (err == ANPR_ERR_NOT_FOUND)
		return ANPR_ERR_OK;
	if (err == ANPR_ERR_OK &&
	    sscanf(text, "anpr-diag-lockout 1 failures=%u lockouts=%u until_ms=%lld\n%n", &f, &l, &until,
		   &used) == 3 &&
	    (size_t)used == len && f <= ANPR_AUTH_MAX_FAILURES && l < 64 && until >= 0) {
		st->failures = f;
		st->lockouts = l;
		st->locked_until_ms = until;
		free(text);
		return ANPR_ERR_OK;
	}
	free(text);
	/* Fail closed: a damaged (or unreadable) state file locks for the longest period from now. */
	st->failures = 0;
	st->lockouts = 8;
	st->locked_until_ms = anpr_clock_utc_ms() + (int64_t)ANPR_AUTH_LOCK_MAX_S * 1000;
	return ANPR_ERR_FORMAT;
}

anpr_err anpr_lockout_save(const char *dir, const anpr_lockout *st)
{
	char path[PATH_MAX], text[LOCKOUT_FILE_MAX], diag[256];
	int n =
	    snprintf(text, sizeof(text), "anpr-diag-lockout 1 failures=%u lockouts=%u until_ms=%" PRId64 "\n",
		     st->failures, st->lockouts, st->locked_until_ms);

	lockout_path(dir, path, sizeof(path));
	return anpr_atomic_write(path, text, (size_t)n, 0600, diag, sizeof(diag));
}

int64_t anpr_lockout_remaining_s(const anpr_lockout *st, int64_t now_ms)
{
	if (st->locked_until_ms <= now_ms)
		return 0;
	return (st->locked_until_ms - now_ms + 999) / 1000;
}

bool anpr_lockout_fail(anpr_lockout *st, int64_t now_ms)
{
	if (++st->failures < ANPR_AUTH_MAX_FAILURES)
		return false;
	int64_t period = ANPR_AUTH_LOCK_BASE_S;
	for (unsigned i = 0; i < st->lockouts && period < ANPR_AUTH_LOCK_MAX_S; i++)
		period *= 2;
	if (period > ANPR_AUTH_LOCK_MAX_S)
		period = ANPR_AUTH_LOCK_MAX_S;
	st->failures = 0;
	if (st->lockouts < 63)
		st->lockouts++;
	st->locked_until_ms = now_ms + period * 1000;
	return true;
}

void anpr_lockout_reset(anpr_lockout *st)
{
	memset(st, 0, sizeof(*st));
}
