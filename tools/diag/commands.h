/* SPDX-License-Identifier: MIT */
/* The command table of anpr-diag: dispatch (audited before it runs), help and tab completion. */
#ifndef ANPR_COMMANDS_H
#define ANPR_COMMANDS_H

#include <stddef.h>

#include "diag.h"

/*
 * Runs one command line for the logged-in user: splits it, writes the
 * "command" audit record (refusing to run when that fails), runs the
 * command, writes the "done" record. Returns the command's exit status
 * (DIAG_OK, DIAG_FAIL, DIAG_USAGE); *logout is set by logout/exit.
 */
int anpr_commands_run(anpr_diag *d, const char *line, bool *logout);

/* Tab completion for the line editor (anpr_le_complete_fn); ctx unused. */
size_t anpr_commands_complete(void *ctx, const char *line, size_t len, const char **cands, size_t max);

#endif
