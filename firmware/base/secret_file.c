/* SPDX-License-Identifier: MIT */
/* Files that hold secrets (device key, data key): opened only when private, created atomically, never replaced. */
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define TMP_ATTEMPTS 8

anpr_err anpr_secret_open(const char *path, const char *what, int *fd, char *diag, size_t diag_len)
{
	return anpr_secret_open_for(path, what, geteuid(), fd, diag, diag_len);
}

anpr_err anpr_secret_open_for(const char *path, const char *what, uid_t owner, int *fd, char *diag,
			      size_t diag_len)
{
	struct stat sb;
	int e;

	*fd = -1;
	/* O_NOFOLLOW refuses a symlink; O_NONBLOCK keeps a FIFO planted at the path from blocking us. */
	int f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (f < 0) {
		e = errno;
		switch (e) {
		case ENOENT:
			anpr_diagf(diag, diag_len, "%s: no such file", path);
			return ANPR_ERR_NOT_FOUND;
		case ELOOP:
			anpr_diagf(diag, diag_len, "%s: is a symbolic link; the %s must be a plain file",
				   path, what);
			return ANPR_ERR_PERMISSION;
		case EACCES:
		case EPERM:
			anpr_diagf(diag, diag_len, "%s: cannot open: %s", path, strerror(e));
			return ANPR_ERR_PERMISSION;
		default:
			anpr_diagf(diag, diag_len, "%s: cannot open: %s", path, strerror(e));
			return ANPR_ERR_IO;
		}
	}
	if (fstat(f, &sb) < 0) {
		anpr_diagf(diag, diag_len, "%s: cannot stat: %s", path, strerror(errno));
		close(f);
		return ANPR_ERR_IO;
	}
	if (!S_ISREG(sb.st_mode)) {
		anpr_diagf(diag, diag_len, "%s: not a regular file; the %s must be a plain file", path, what);
		close(f);
		return ANPR_ERR_PERMISSION;
	}
	if (sb.st_uid != owner && sb.st_uid != 0) {
		anpr_diagf(diag, diag_len,
			   "%s: owned by uid %u; the %s must belong to uid %u or root (chown it)", path,
			   (unsigned)sb.st_uid, what, (unsigned)owner);
		close(f);
		return ANPR_ERR_PERMISSION;
	}
	if (sb.st_mode & 077) {
		anpr_diagf(diag, diag_len,
			   "%s: mode %03o lets group or others reach the %s; run 'chmod 600 %s' and restart",
			   path, (unsigned)(sb.st_mode & 0777), what, path);
		close(f);
		return ANPR_ERR_PERMISSION;
	}
	*fd = f;
	return ANPR_ERR_OK;
}

anpr_err anpr_secret_read(int fd, const char *path, void *buf, size_t cap, size_t *len, char *diag,
			  size_t diag_len)
{
	unsigned char *p = buf, extra;
	size_t got = 0;

	/* Read to EOF rather than trusting st_size; one byte past the cap means too big. */
	for (;;) {
		ssize_t n = got < cap ? read(fd, p + got, cap - got) : read(fd, &extra, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			anpr_diagf(diag, diag_len, "%s: read failed: %s", path, strerror(errno));
			return ANPR_ERR_IO;
		}
		if (n == 0)
			break;
		if (got == cap) {
			anpr_diagf(diag, diag_len, "%s: larger than %zu bytes", path, cap);
			return ANPR_ERR_TOO_BIG;
		}
		got += (size_t)n;
	}
	*len = got;
	return ANPR_ERR_OK;
}

static int write_all(int fd, const unsigned char *p, size_t len)
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

anpr_err anpr_secret_create(const char *path, const void *data, size_t len, bool *exists, char *diag,
			    size_t diag_len)
{
	static atomic_uint counter;
	char tmp[PATH_MAX] = "", dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	anpr_err err = ANPR_ERR_IO;
	int fd = -1, dfd = -1;
	bool tmp_exists = false;

	*exists = false;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		goto too_long;
	/* O_EXCL makes the name ours alone; the varying suffix only avoids collisions. */
	for (int i = 0; i < TMP_ATTEMPTS && fd < 0; i++) {
		uint64_t salt = (uint64_t)anpr_clock_mono_ns() ^ ((uint64_t)getpid() << 32) ^
				atomic_fetch_add(&counter, 1);
		if (snprintf(tmp, sizeof(tmp), "%s.tmp-%08x", path, (unsigned)(salt ^ (salt >> 32))) >=
		    (int)sizeof(tmp))
			goto too_long;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0 && errno != EEXIST) {
			anpr_diagf(diag, diag_len, "%s: cannot create: %s", tmp, strerror(errno));
			err = errno == EACCES || errno == EPERM ? ANPR_ERR_PERMISSION : ANPR_ERR_IO;
			goto out;
		}
	}
	if (fd < 0) {
		anpr_diagf(diag, diag_len, "%s: cannot find a free temporary name", path);
		goto out;
	}
	tmp_exists = true;
	if (write_all(fd, data, len) || fsync(fd)) {
		anpr_diagf(diag, diag_len, "%s: write failed: %s", tmp, strerror(errno));
		goto out;
	}
	int rc = close(fd);
	fd = -1;
	if (rc) {
		anpr_diagf(diag, diag_len, "%s: write failed: %s", tmp, strerror(errno));
		goto out;
	}
	/* link() fails with EEXIST where rename() would replace: an existing secret is never lost. */
	if (link(tmp, path) < 0) {
		if (errno == EEXIST) {
			*exists = true;
			err = ANPR_ERR_OK;
		} else {
			anpr_diagf(diag, diag_len, "%s: cannot create: %s", path, strerror(errno));
			err = errno == EACCES || errno == EPERM ? ANPR_ERR_PERMISSION : ANPR_ERR_IO;
		}
		goto out;
	}
	/* The new name must survive a power cut too, not only the file's bytes. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (fsync(dfd) < 0 && errno != EINVAL)) {
		anpr_diagf(diag, diag_len, "%s: written but syncing folder %s failed: %s", path, dir,
			   strerror(errno));
		goto out;
	}
	err = ANPR_ERR_OK;
	goto out;
too_long:
	anpr_diagf(diag, diag_len, "%s: path too long", path);
	err = ANPR_ERR_INVAL;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp_exists)
		unlink(tmp);
	return err;
}
