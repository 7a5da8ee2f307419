/* SPDX-License-Identifier: MIT */
/* Folders of labelled OCR strips, NAME.png with NAME.gt.txt (anpr-ocr-strips, anpr-synth strips, anpr-ocr-cut). */
#ifndef ANPR_STRIP_SET_H
#define ANPR_STRIP_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "grammar.h"

/* Most strips listed from one folder, and the longest name taken. */
#define ANPR_STRIP_SET_MAX 100000
#define ANPR_STRIP_SET_NAME_MAX 255

/*
 * The names of the .png files in dir, sorted (strcmp), into a new array
 * *names of *n; longer names are passed over. ANPR_ERR_IO when dir cannot be
 * listed, ANPR_ERR_TOO_BIG past ANPR_STRIP_SET_MAX files, ANPR_ERR_NOMEM. On
 * any return the caller frees what was listed with anpr_strip_set_free().
 */
ANPR_MUST_CHECK anpr_err anpr_strip_set_list(const char *dir, char ***names, size_t *n);

/* Frees a list from anpr_strip_set_list(); NULL is fine. */
void anpr_strip_set_free(char **names, size_t n);

/*
 * The text of strip png (a name ending in .png) in dir: the first line of
 * dir/NAME.gt.txt, upper case, spaces dropped. False when there is no such
 * file, or its text is empty or longer than ANPR_VRM_BUF - 1 symbols.
 */
bool anpr_strip_set_truth(const char *dir, const char *png, char out[ANPR_VRM_BUF]);

#endif
