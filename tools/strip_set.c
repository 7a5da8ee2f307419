/* SPDX-License-Identifier: MIT */
/* Listing and reading folders of labelled OCR strips (see strip_set.h). */
#include "strip_set.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

anpr_err anpr_strip_set_list(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t cap = 0;
	anpr_err err = ANPR_ERR_OK;

	*names = NULL;
	*n = 0;
	if (!d)
		return ANPR_ERR_IO;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t len = strlen(e->d_name);

		if (len < 5 || len > ANPR_STRIP_SET_NAME_MAX || strcmp(e->d_name + len - 4, ".png") != 0)
			continue;
		if (*n >= ANPR_STRIP_SET_MAX) {
			err = ANPR_ERR_TOO_BIG;
			break;
		}
		if (*n == cap) {
			char **grown = realloc(v, (cap ? cap * 2 : 256) * sizeof(*v));

			if (!grown) {
				err = ANPR_ERR_NOMEM;
				break;
			}
			v = grown;
			cap = cap ? cap * 2 : 256;
		}
		v[*n] = strdup(e->d_name);
		if (!v[*n]) {
			err = ANPR_ERR_NOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof(*v), by_name);
	*names = v;
	return err;
}

void anpr_strip_set_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

bool anpr_strip_set_truth(const char *dir, const char *png, char out[ANPR_VRM_BUF])
{
	char path[4096], buf[256];
	size_t len = strlen(png), n = 0;
	FILE *f;

	if (len < 5 || strcmp(png + len - 4, ".png") != 0)
		return false;
	int w = snprintf(path, sizeof(path), "%s/%.*s.gt.txt", dir, (int)(len - 4), png);
	if (w < 0 || (size_t)w >= sizeof(path) || !(f = fopen(path, "r")))
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (const char *p = buf; *p && *p != '\n' && *p != '\r'; p++) {
		if (*p == ' ')
			continue;
		if (n + 1 >= ANPR_VRM_BUF)
			return false;
		out[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	}
	out[n] = '\0';
	return n > 0;
}
