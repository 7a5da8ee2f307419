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

/*
 * Checks the board layer just loaded into c from path: every key a board
 * must state is set by that file itself (not left at the built-in default),
 * the keys its backends need are set too, and related keys agree (ir
 * thresholds, thermal limits, ring buffer within the data partition).
 * Returns ANPR_ERR_CONFIG with "path:line: reason" in diag (the line of the
 * section the missing key belongs in, or of board.name). Main thread.
 */
ANPR_MUST_CHECK anpr_err anpr_settings_check_board(const anpr_config *c, const char *path, char *diag,
						   size_t diag_len);

/*
 * Predicts the plate's width in stream pixels from the camera geometry:
 * focal length, pixel pitch, the stream's share of the sensor width, and the
 * slant distance from the lens (mount height, distance along the road).
 * *slant_m receives that distance when not NULL. Any thread.
 */
double anpr_settings_plate_px(const anpr_config *c, double *slant_m);

/* The plate widths the reader is built and tested for, in pixels (docs/synthetic-plates.md). */
#define ANPR_READER_MIN_PLATE_PX 60
#define ANPR_READER_MAX_PLATE_PX 600

#endif
