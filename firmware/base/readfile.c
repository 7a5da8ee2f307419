/* SPDX-License-Identifier: MIT */
/* Reading a whole file from outside: bounded, regular files only, never blocked by a FIFO. */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

anpr_err anpr_file_read(int dir_fd, const char *path, unsigned flags, size_t cap, char **out, size_t *len,
			char *diag, size_t diag_len)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	anpr_err err = ANPR_ERR_IO;
	char *buf = NULL;
	size_t n = 0;
	struct stat st;
	int fd;

	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	if (!path || !out || !len || (flags & ~ANPR_READ_NOFOLLOW) || cap >= (size_t)SSIZE_MAX) {
		anpr_diagf(diag, diag_len, "%s: bad arguments", path ? path : "(null)");
		return ANPR_ERR_INVAL;
	}
	if (flags & ANPR_READ_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	fd = openat(dir_fd, path, oflags);
	if (fd < 0) {
		int e = errno; /* before anpr_diagf(), which may change it */
		anpr_diagf(diag, diag_len, "%s: cannot open: %s", path, strerror(e));
		return e == ENOENT ? ANPR_ERR_NOT_FOUND : ANPR_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		anpr_diagf(diag, diag_len, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > cap) {
		anpr_diagf(diag, diag_len, "%s: file is larger than %zu bytes", path, cap);
		err = ANPR_ERR_TOO_BIG;
		goto out;
	}
	/* Room for one byte more than cap, to notice a file that grew past it. */
	size_t room = (size_t)st.st_size < cap ? (size_t)st.st_size + 1 : cap + 1;
	buf = malloc(room + 1);
	if (!buf) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		if (n == room) {
			if (room > cap) {
				anpr_diagf(diag, diag_len, "%s: file grew past %zu bytes while being read",
					   path, cap);
				err = ANPR_ERR_TOO_BIG;
				goto out;
			}
			room = cap + 1; /* it grew, but may still fit */
			char *bigger = realloc(buf, room + 1);
			if (!bigger) {
				err = ANPR_ERR_NOMEM;
				goto out;
			}
			buf = bigger;
		}
		ssize_t r = read(fd, buf + n, room - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			anpr_diagf(diag, diag_len, "%s: read failed: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	err = ANPR_ERR_OK;
out:
	free(buf);
	close(fd);
	return err;
}
