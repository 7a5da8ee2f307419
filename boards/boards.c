/* SPDX-License-Identifier: MIT */
/* Lookup of the built-in board table. */
#include "boards.h"

#include <string.h>

const anpr_board *anpr_board_find(const char *name)
{
	for (size_t i = 0; name && i < anpr_boards_count; i++)
		if (strcmp(anpr_boards[i].name, name) == 0)
			return &anpr_boards[i];
	return NULL;
}
