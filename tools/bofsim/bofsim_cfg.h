/* SPDX-License-Identifier: MIT */
/* anpr-bofsim's command line: options into an anpr_bofsim_cfg, --help text and usage errors. */
#ifndef ANPR_BOFSIM_CFG_H
#define ANPR_BOFSIM_CFG_H

#include "bofsim.h"

/* Where the host and port strings of --listen are kept (cfg points into it). */
typedef struct anpr_bofsim_cfg_store {
	char host[256];
	char port[8];
	const char *log_level;
} anpr_bofsim_cfg_store;

/*
 * Fills *cfg (and *store, which must outlive it) from argv. Returns -1 to go
 * on, else the exit status to leave with: 0 after --help or --version, 64
 * (ANPR_EXIT_USAGE) after a usage error, which is printed to stderr. Main
 * thread (getopt_long).
 */
int anpr_bofsim_cfg_parse(int argc, char **argv, anpr_bofsim_cfg *cfg, anpr_bofsim_cfg_store *store);

#endif
