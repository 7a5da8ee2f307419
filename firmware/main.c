/* SPDX-License-Identifier: MIT */
/* anprd: the on-unit ANPR daemon. This file only wires modules together. */
#define ANPR_LOG_TAG "anprd"
#include <curl/curl.h>
#include <getopt.h>
#include <mbedtls/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "boards.h"
#include "config.h"
#include "exit_codes.h"
#include "keys.h"
#include "log.h"
#include "opencv_c.h"
#include "settings.h"
#include "version.h"

static void usage(FILE *out)
{
	fputs("Usage: anprd [OPTION]...\n"
	      "The roadside ANPR daemon: reads number plates from the camera and sends signed reads\n"
	      "to the back office.\n\n"
	      "  --board NAME        built-in board configuration (default " ANPR_BOARD_DEFAULT ")\n"
	      "  --board-file PATH   board configuration from a file instead\n"
	      "  --config PATH       site configuration file, layered over the board\n"
	      "  --set SECTION.KEY=VALUE\n"
	      "                      override one key (repeatable); the last layer\n"
	      "  --check-config      validate the configuration layers and exit\n"
	      "  --print-config      print the effective configuration with each value's origin\n"
	      "  --config-doc        print the configuration reference (docs/config.md)\n"
	      "  --list-boards       list the built-in boards\n"
	      "  --version           print the firmware and library versions\n"
	      "  --help              this text\n\n"
	      "Exit status: 0 success, 64 usage error, 69 unavailable, 70 internal error,\n"
	      "78 configuration error (see docs/anprd.md).\n",
	      out);
}

static void print_versions(void)
{
	printf("anprd %s\n", ANPR_VERSION);
	printf("  opencv %s, tesseract %s, %s, mbedtls %s\n", anpr_cv_version(), TessVersion(),
	       curl_version(), MBEDTLS_VERSION_STRING);
}

enum {
	OPT_BOARD = 256,
	OPT_BOARD_FILE,
	OPT_CONFIG,
	OPT_SET,
	OPT_CHECK,
	OPT_PRINT,
	OPT_DOC,
	OPT_LIST,
	OPT_VERSION,
	OPT_HELP
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "board", required_argument, NULL, OPT_BOARD },
		{ "board-file", required_argument, NULL, OPT_BOARD_FILE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "set", required_argument, NULL, OPT_SET },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "print-config", no_argument, NULL, OPT_PRINT },
		{ "config-doc", no_argument, NULL, OPT_DOC },
		{ "list-boards", no_argument, NULL, OPT_LIST },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	anpr_settings_src src = { 0 };
	anpr_config *cfg = NULL;
	char diag[ANPR_CFG_DIAG_LEN] = "";
	int check = 0, print = 0, opt;
	int status = ANPR_EXIT_OK;
	anpr_err err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_BOARD:
			src.board = optarg;
			break;
		case OPT_BOARD_FILE:
			src.board_file = optarg;
			break;
		case OPT_CONFIG:
			src.site_file = optarg;
			break;
		case OPT_SET:
			if (src.n_overrides == ANPR_SETTINGS_MAX_OVERRIDES) {
				fprintf(stderr, "anprd: at most %d --set options\n",
					ANPR_SETTINGS_MAX_OVERRIDES);
				return ANPR_EXIT_USAGE;
			}
			src.overrides[src.n_overrides++] = optarg;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_PRINT:
			print = 1;
			break;
		case OPT_DOC: {
			size_t n;
			const anpr_cfg_key *keys = anpr_keys_table(&n);
			anpr_config_write_doc(keys, n, stdout);
			return ANPR_EXIT_OK;
		}
		case OPT_LIST:
			for (size_t i = 0; i < anpr_boards_count; i++)
				printf("%s\n", anpr_boards[i].name);
			return ANPR_EXIT_OK;
		case OPT_VERSION:
			print_versions();
			return ANPR_EXIT_OK;
		case OPT_HELP:
			usage(stdout);
			return ANPR_EXIT_OK;
		default:
			usage(stderr);
			return ANPR_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "anprd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return ANPR_EXIT_USAGE;
	}

	err = anpr_settings_load(&src, &cfg, diag, sizeof(diag));
	if (err) {
		fprintf(stderr, "anprd: %s\n", diag[0] ? diag : anpr_strerror(err));
		return ANPR_EXIT_CONFIG;
	}
	anpr_log_level level;
	if (anpr_log_level_parse(anpr_config_str(cfg, ANPR_KEY_LOG_LEVEL), &level) == ANPR_ERR_OK)
		anpr_log_set_level(level);

	if (print)
		anpr_config_write(cfg, stdout);
	if (check) {
		printf("configuration OK: board %s, device %s\n", anpr_config_str(cfg, ANPR_KEY_BOARD_NAME),
		       anpr_config_str(cfg, ANPR_KEY_DEVICE_ID));
		goto out;
	}
	if (print)
		goto out;

	ANPR_LOGI("anprd %s starting: board %s, device %s", ANPR_VERSION,
		  anpr_config_str(cfg, ANPR_KEY_BOARD_NAME), anpr_config_str(cfg, ANPR_KEY_DEVICE_ID));
	/* The capture pipeline is wired in here once it exists (issue: anprd pipeline). */
	ANPR_LOGE("the capture pipeline is not part of this build yet; only configuration checks run");
	status = ANPR_EXIT_UNAVAILABLE;
out:
	anpr_config_free(cfg);
	return status;
}
