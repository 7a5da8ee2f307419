/* SPDX-License-Identifier: MIT */
/* Replacing a small file so a power cut leaves the old or the new version, never a mix. */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

anpr_err anpr_atomic_write(const char *path, const void *data, size_t len, mode_t mode, char *diag,
			   size_t diag_len)
{
	anpr_err err = ANPR_ERR_OK;
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd = -1, dfd = -1;
	const char *p = data;
	size_t done = 0;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());

	if (n < 0 || (size_t)n >= sizeof(tmp) || strlen(path) >= sizeof(dir)) {
		snprintf(diag, diag_len, "%s: path too long", path);
		return ANPR_ERR_INVAL;
	}
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0) {
		snprintf(diag, diag_len, "%s: cannot create: %s", tmp, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	if (fchmod(fd, mode) != 0) {
		snprintf(diag, diag_len, "%s: chmod: %s", tmp, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(diag, diag_len, "%s: write: %s", tmp, strerror(errno));
			err = ANPR_ERR_IO;
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0) {
		snprintf(diag, diag_len, "%s: fsync: %s", tmp, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(diag, diag_len, "%s: close: %s", tmp, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(diag, diag_len, "%s: rename: %s", path, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		snprintf(diag, diag_len, "%s: folder fsync: %s", dir, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (err && err != ANPR_ERR_INVAL)
		unlink(tmp);
	return err;
}
