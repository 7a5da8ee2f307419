/* SPDX-License-Identifier: MIT */
/*
 * anpr_file_read: whole files, the cap at and past its edge, empty files, and
 * what must be refused without hanging or following: a missing file, a
 * folder, a FIFO with no writer, a symbolic link under ANPR_READ_NOFOLLOW.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "readfile.h"

static char dir[] = "/tmp/anpr-readfile-XXXXXX";

/* Reads name from the test folder (through dir_fd) with cap; returns the error, the text in *out. */
static anpr_err get(int dir_fd, const char *name, unsigned flags, size_t cap, char **out, size_t *len,
		    char *diag)
{
	diag[0] = '\0';
	return anpr_file_read(dir_fd, name, flags, cap, out, len, diag, 256);
}

int main(void)
{
	char diag[256], path[128], *text = NULL;
	size_t len = 99;
	int dfd;

	CHECK(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);

	/* A whole file, terminated; the same through an absolute path. */
	check_write_file(dir, "plain", "ab\0cd", 5);
	CHECK_INT(get(dfd, "plain", 0, 100, &text, &len, diag), ANPR_ERR_OK);
	CHECK(len == 5 && text && memcmp(text, "ab\0cd", 6) == 0);
	free(text);
	snprintf(path, sizeof(path), "%s/plain", dir);
	CHECK_INT(get(AT_FDCWD, path, 0, 100, &text, &len, diag), ANPR_ERR_OK);
	CHECK(len == 5);
	free(text);

	/* The cap: exactly at it is read, one byte over is refused and nothing is returned. */
	CHECK_INT(get(dfd, "plain", 0, 5, &text, &len, diag), ANPR_ERR_OK);
	CHECK(len == 5);
	free(text);
	text = (char *)diag;
	CHECK_INT(get(dfd, "plain", 0, 4, &text, &len, diag), ANPR_ERR_TOO_BIG);
	CHECK(text == NULL && len == 0);
	CHECK_CONTAINS(diag, "larger than 4 bytes");

	/* An empty file is a buffer of length 0, still terminated. */
	check_write_file(dir, "empty", "", 0);
	CHECK_INT(get(dfd, "empty", 0, 10, &text, &len, diag), ANPR_ERR_OK);
	CHECK(len == 0 && text && text[0] == '\0');
	free(text);

	/* Missing, a folder. */
	CHECK_INT(get(dfd, "missing", 0, 10, &text, &len, diag), ANPR_ERR_NOT_FOUND);
	CHECK_CONTAINS(diag, "missing: cannot open: No such file");
	CHECK_INT(get(AT_FDCWD, dir, 0, 10, &text, &len, diag), ANPR_ERR_IO);
	CHECK_CONTAINS(diag, "not a regular file");

	/* A FIFO with no writer: refused at once (a blocking open would hang here for ever). */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK_INT(get(dfd, "fifo", 0, 10, &text, &len, diag), ANPR_ERR_IO);
	CHECK_CONTAINS(diag, "not a regular file");

	/* A symbolic link: followed by default, refused with ANPR_READ_NOFOLLOW. */
	snprintf(path, sizeof(path), "%s/link", dir);
	CHECK(symlink("plain", path) == 0);
	CHECK_INT(get(dfd, "link", 0, 10, &text, &len, diag), ANPR_ERR_OK);
	CHECK(len == 5);
	free(text);
	CHECK_INT(get(dfd, "link", ANPR_READ_NOFOLLOW, 10, &text, &len, diag), ANPR_ERR_IO);
	CHECK_CONTAINS(diag, "link: cannot open");

	/* Bad arguments. */
	CHECK_INT(anpr_file_read(dfd, NULL, 0, 10, &text, &len, NULL, 0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_file_read(dfd, "plain", 0, 10, NULL, &len, NULL, 0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_file_read(dfd, "plain", 0x80, 10, &text, &len, NULL, 0), ANPR_ERR_INVAL);

	const char *names[] = { "plain", "empty", "fifo", "link" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(unlinkat(dfd, names[i], 0) == 0);
	close(dfd);
	CHECK(rmdir(dir) == 0);
	return check_summary();
}
