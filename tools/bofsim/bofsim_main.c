/* SPDX-License-Identifier: MIT */
/* anpr-bofsim: the back-office simulator for testing units' uplink (wiring only; see bofsim.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bofsim.h"
#include "bofsim_cfg.h"
#include "exit_codes.h"
#include "log.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int exit_status(anpr_err err)
{
	switch (err) {
	case ANPR_ERR_CONFIG:
		return ANPR_EXIT_CONFIG;
	case ANPR_ERR_IO:
	case ANPR_ERR_NETWORK:
		return ANPR_EXIT_UNAVAILABLE;
	default:
		return ANPR_EXIT_SOFTWARE;
	}
}

int main(int argc, char **argv)
{
	anpr_bofsim_cfg cfg;
	anpr_bofsim_cfg_store store;
	anpr_bofsim *s = NULL;
	char diag[512];
	struct sigaction sa;

	int rc = anpr_bofsim_cfg_parse(argc, argv, &cfg, &store);
	if (rc >= 0)
		return rc;
	anpr_log_set_level(ANPR_LOG_INFO);
	if (store.log_level) {
		anpr_log_level level;
		if (anpr_log_level_parse(store.log_level, &level) != ANPR_ERR_OK) {
			fprintf(stderr, "anpr-bofsim: --log-level wants error, warn, info or debug\n");
			return ANPR_EXIT_USAGE;
		}
		anpr_log_set_level(level);
	}

	/* A peer that vanishes mid-write must cost an error code, not the process. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	anpr_err err = anpr_bofsim_open(&cfg, &s, diag, sizeof(diag));
	if (err != ANPR_ERR_OK) {
		fprintf(stderr, "anpr-bofsim: %s\n", diag[0] ? diag : anpr_strerror(err));
		return exit_status(err);
	}
	printf("listening on %u\n", anpr_bofsim_port(s));
	fflush(stdout);

	err = anpr_bofsim_run(s, &stop);
	anpr_bofsim_write_report(s, stdout);
	fflush(stdout);
	if (anpr_bofsim_save_report(s) != ANPR_ERR_OK)
		fprintf(stderr, "anpr-bofsim: cannot write the report %s\n", cfg.report);
	anpr_bofsim_close(s);
	return err == ANPR_ERR_OK ? ANPR_EXIT_OK : ANPR_EXIT_FAILURE;
}
