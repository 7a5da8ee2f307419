/* SPDX-License-Identifier: MIT */
/* Builds the firmware's configuration from its layers: defaults < board < site file < overrides. */
#ifndef ANPR_SETTINGS_H
#define ANPR_SETTINGS_H

#include <stddef.h>

#include "config.h"
#include "err.h"

/* Most --set overrides accepted on one command line. */
#define ANPR_SETTINGS_MAX_OVERRIDES 32

typedef struct anpr_settings_src {
	const char *board;      /* built-in board name; NULL means ANPR_BOARD_DEFAULT */
	const char *board_file; /* a board.ini on disk instead of the built-in one; may be NULL */
	const char *site_file;  /* the site configuration; may be NULL */
	const char *overrides[ANPR_SETTINGS_MAX_OVERRIDES]; /* "section.key=value" */
	size_t n_overrides;
} anpr_settings_src;

/*
 * Creates the configuration from src's layers. Errors: ANPR_ERR_NOT_FOUND
 * for an unknown board, and those of anpr_config_load_file(); diag then says
 * which file and line. The caller owns *out (anpr_config_free()). Main thread.
 */
ANPR_MUST_CHECK anpr_err anpr_settings_load(const anpr_settings_src *src, anpr_config **out, char *diag,
					    size_t diag_len);

#endif
