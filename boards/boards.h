/* SPDX-License-Identifier: MIT */
/* The board configurations built into the firmware (generated from boards/<name>/board.ini). */
#ifndef ANPR_BOARDS_H
#define ANPR_BOARDS_H

#include <stddef.h>

typedef struct anpr_board {
	const char *name; /* folder name, e.g. "host-sim" */
	const char *path; /* source path, for messages: "boards/host-sim/board.ini" */
	const char *ini;  /* file contents, NUL-terminated */
	size_t len;       /* bytes, without the NUL */
} anpr_board;

/* The default board when none is named. */
#define ANPR_BOARD_DEFAULT "host-sim"

extern const anpr_board anpr_boards[];
extern const size_t anpr_boards_count;

/* Returns the built-in board called name, or NULL. Any thread. */
const anpr_board *anpr_board_find(const char *name);

#endif
