/* SPDX-License-Identifier: MIT */
/* A private folder under /tmp for fuzz targets that need files, removed with its contents at exit. */
#ifndef ANPR_FUZZ_TMPDIR_H
#define ANPR_FUZZ_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_tmpdir_path[64];

/* Removes the files in the folder and the folder: it holds only flat files the target wrote. */
static void fuzz_tmpdir_remove(void)
{
	DIR *d = opendir(fuzz_tmpdir_path);
	struct dirent *e;
	char path[sizeof(fuzz_tmpdir_path) + 256];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir_path, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(fuzz_tmpdir_path);
}

/*
 * The folder, made on first use as /tmp/<prefix>-XXXXXX and removed when the
 * run exits normally, as the corpus replay in `make test` does. A run that
 * crashes leaves it, with the files of the crashing input, to be looked at.
 */
static const char *fuzz_tmpdir(const char *prefix)
{
	if (!fuzz_tmpdir_path[0]) {
		snprintf(fuzz_tmpdir_path, sizeof(fuzz_tmpdir_path), "/tmp/%s-XXXXXX", prefix);
		if (!mkdtemp(fuzz_tmpdir_path) || atexit(fuzz_tmpdir_remove) != 0)
			abort();
	}
	return fuzz_tmpdir_path;
}

#endif
