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

#define TMP_ATTEMPTS 8

static const char drbg_pers[] = "anpr-keystore";

static void diagf(char *diag, size_t len, const char *fmt, ...) ANPR_PRINTF(3, 4);

static void diagf(char *diag, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!diag || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(diag, len, fmt, ap);
	va_end(ap);
}

/* Reads the key from an open file after checking it is ours alone and exactly the right size. */
static anpr_err read_key(int fd, const char *path, uint8_t key[ANPR_KEYSTORE_KEY_LEN], char *diag,
			 size_t diag_len)
{
	uint8_t extra;
	size_t got = 0;
	struct stat sb;

	if (fstat(fd, &sb) < 0) {
		diagf(diag, diag_len, "%s: cannot stat: %s", path, strerror(errno));
		return ANPR_ERR_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		diagf(diag, diag_len, "%s: not a regular file; the data key must be a plain file", path);
		return ANPR_ERR_PERMISSION;
	}
	/* As sign.c and ssh do: another user who owns the file could swap the key. */
	if (sb.st_uid != geteuid() && sb.st_uid != 0) {
		diagf(diag, diag_len, "%s: owned by uid %u; the data key must belong to uid %u or root", path,
		      (unsigned)sb.st_uid, (unsigned)geteuid());
		return ANPR_ERR_PERMISSION;
	}
	if (sb.st_mode & 077) {
		diagf(diag, diag_len,
		      "%s: mode %03o lets group or others reach the data key; run 'chmod 600 %s'", path,
		      (unsigned)(sb.st_mode & 0777), path);
		return ANPR_ERR_PERMISSION;
	}
	if (sb.st_size != ANPR_KEYSTORE_KEY_LEN) {
		diagf(diag, diag_len,
		      "%s: %lld bytes, not %d: the data key is damaged; it is not replaced, since the "
		      "spool's records need the original",
		      path, (long long)sb.st_size, ANPR_KEYSTORE_KEY_LEN);
		return ANPR_ERR_FORMAT;
	}
	while (got < ANPR_KEYSTORE_KEY_LEN) {
		ssize_t n = read(fd, key + got, ANPR_KEYSTORE_KEY_LEN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diagf(diag, diag_len, "%s: read failed: %s", path, strerror(errno));
			return ANPR_ERR_IO;
		}
		if (n == 0) {
			diagf(diag, diag_len, "%s: shorter than %d bytes; the data key is damaged", path,
			      ANPR_KEYSTORE_KEY_LEN);
			return ANPR_ERR_FORMAT;
		}
		got += (size_t)n;
	}
	/* The file may have grown since fstat. */
	if (read(fd, &extra, 1) != 0) {
		diagf(diag, diag_len, "%s: longer than %d bytes; the data key is damaged", path,
		      ANPR_KEYSTORE_KEY_LEN);
		return ANPR_ERR_FORMAT;
	}
	return ANPR_ERR_OK;
}

static anpr_err open_errno(const char *path, int e, char *diag, size_t diag_len)
{
	switch (e) {
	case ENOENT:
		diagf(diag, diag_len, "%s: no such file", path);
		return ANPR_ERR_NOT_FOUND;
	case ELOOP:
		diagf(diag, diag_len, "%s: is a symbolic link; the data key must be a plain file", path);
		return ANPR_ERR_PERMISSION;
	case EACCES:
	case EPERM:
		diagf(diag, diag_len, "%s: cannot open: %s", path, strerror(e));
		return ANPR_ERR_PERMISSION;
	default:
		diagf(diag, diag_len, "%s: cannot open: %s", path, strerror(e));
		return ANPR_ERR_IO;
	}
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Creates a new key file at path; ANPR_ERR_OK with *raced set when another process made one first. */
static anpr_err create_key(const char *path, uint8_t key[ANPR_KEYSTORE_KEY_LEN], bool *raced, char *diag,
			   size_t diag_len)
{
	anpr_err err = ANPR_ERR_CRYPTO;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	char tmp[PATH_MAX] = "", dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	bool tmp_exists = false;
	int fd = -1, dfd = -1;

	*raced = false;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)drbg_pers,
				  sizeof(drbg_pers) - 1) ||
	    mbedtls_ctr_drbg_random(&drbg, key, ANPR_KEYSTORE_KEY_LEN)) {
		diagf(diag, diag_len, "%s: cannot generate a key: random generator failed", path);
		goto out;
	}
	err = ANPR_ERR_IO;
	for (int i = 0; i < TMP_ATTEMPTS && fd < 0; i++) {
		unsigned char rnd[4];
		if (mbedtls_ctr_drbg_random(&drbg, rnd, sizeof(rnd)))
			break;
		if (snprintf(tmp, sizeof(tmp), "%s.tmp-%02x%02x%02x%02x", path, rnd[0], rnd[1], rnd[2],
			     rnd[3]) >= (int)sizeof(tmp)) {
			diagf(diag, diag_len, "%s: path too long", path);
			err = ANPR_ERR_INVAL;
			goto out;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0 && errno != EEXIST) {
			diagf(diag, diag_len, "%s: cannot create: %s", tmp, strerror(errno));
			err = errno == EACCES || errno == EPERM ? ANPR_ERR_PERMISSION : ANPR_ERR_IO;
			goto out;
		}
	}
	if (fd < 0) {
		diagf(diag, diag_len, "%s: cannot find a free temporary name", path);
		goto out;
	}
	tmp_exists = true;
	if (write_all(fd, key, ANPR_KEYSTORE_KEY_LEN) || fsync(fd) || close(fd)) {
		fd = -1;
		diagf(diag, diag_len, "%s: write failed: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	/* link() fails with EEXIST where rename() would replace: an existing key is never lost. */
	if (link(tmp, path) < 0) {
		if (errno == EEXIST) {
			*raced = true;
			err = ANPR_ERR_OK;
		} else {
			diagf(diag, diag_len, "%s: cannot create: %s", path, strerror(errno));
		}
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL)) {
		diagf(diag, diag_len, "%s: key written but syncing folder %s failed: %s", path, dir,
		      strerror(errno));
		goto out;
	}
	ANPR_LOGI("created a new data key at %s", path);
	err = ANPR_ERR_OK;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp_exists)
		unlink(tmp);
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
		/* O_NOFOLLOW refuses a symlink; O_NONBLOCK keeps a FIFO planted at the path from blocking us. */
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd >= 0) {
			err = read_key(fd, path, key, diag, diag_len);
			goto out;
		}
		err = open_errno(path, errno, diag, diag_len);
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
