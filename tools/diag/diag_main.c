/* SPDX-License-Identifier: MIT */
/* anpr-diag: the field engineer's diagnostic console on the unit's serial line (wiring only). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>

#include "commands.h"
#include "diag.h"
#include "exit_codes.h"
#include "keys.h"
#include "session.h"
#include "version.h"

#define DEFAULT_SITE_FILE "/etc/anpr/anpr.conf" /* as anprd.service and anpr-console@.service */

static void usage(FILE *f)
{
	fputs("Usage: anpr-diag [OPTION]...\n"
	      "The field engineer's console for an ANPR unit: status, camera aiming and focus,\n"
	      "read tests, network and key checks, configuration, logs, self-test.\n\n"
	      "  --board NAME          built-in board configuration (as anprd)\n"
	      "  --board-file PATH     board configuration from a file instead\n"
	      "  --config PATH         site configuration file (default " DEFAULT_SITE_FILE "\n"
	      "                        when it exists); config set edits it\n"
	      "  --set SECTION.KEY=VALUE  override one key (repeatable)\n"
	      "  -c COMMAND            run one command as root without a login and exit with\n"
	      "                        its status (scripts); audited as user root\n"
	      "  -y                    answer yes to confirmations (with -c)\n"
	      "  --set-password USER ROLE\n"
	      "                        root only: create or change an account (ROLE engineer or\n"
	      "                        supervisor); reads the password twice without echo\n"
	      "  --socket PATH         anprd's control socket (default: control.socket)\n"
	      "  --systemctl PATH      systemctl to run (default /usr/bin/systemctl; tests)\n"
	      "  --journalctl PATH     journalctl to run (default /usr/bin/journalctl; tests)\n"
	      "  --version, --help\n\n"
	      "Exit status: 0 success, 1 a command failed, 2 command usage, 64 bad options,\n"
	      "77 not permitted, 78 configuration error.\n",
	      f);
}

/* Reads one password line from fd 0, echo off when it is a terminal. */
static bool read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(0) && tcgetattr(0, &old) == 0;
	size_t n = 0;

	fputs(prompt, stderr);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	for (;;) {
		char c;
		ssize_t r = read(0, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n' || c == '\r')
			break;
		if (n + 1 < len)
			buf[n++] = c;
		else
			n = len; /* too long: remembered as such */
	}
	if (tty)
		tcsetattr(0, TCSAFLUSH, &old);
	fputs("\n", stderr);
	if (n >= len) {
		buf[0] = '\0';
		return false;
	}
	buf[n] = '\0';
	return true;
}

static int set_password(anpr_diag *d, const char *user, const char *role_s)
{
	char p1[ANPR_AUTH_MAX_PASSWORD + 2], p2[ANPR_AUTH_MAX_PASSWORD + 2], line[256], why[256];
	anpr_role role;
	int rc = ANPR_EXIT_FAILURE;

	if (geteuid() != 0) {
		fprintf(stderr, "anpr-diag: --set-password is for root only\n");
		return 77;
	}
	if (!anpr_auth_user_valid(user) || anpr_role_parse(role_s, &role) != ANPR_ERR_OK) {
		fprintf(stderr, "anpr-diag: USER is 1-32 of a-z 0-9 _ . - and ROLE engineer or supervisor\n");
		return ANPR_EXIT_USAGE;
	}
	if (!read_secret("New password: ", p1, sizeof(p1)) || !read_secret("Again: ", p2, sizeof(p2))) {
		fprintf(stderr, "anpr-diag: password too long (at most %d characters)\n",
			ANPR_AUTH_MAX_PASSWORD);
		goto out;
	}
	if (strcmp(p1, p2) != 0) {
		fprintf(stderr, "anpr-diag: the passwords differ; nothing changed\n");
		goto out;
	}
	size_t n = strlen(p1);
	bool printable = true;
	for (size_t i = 0; i < n; i++)
		printable = printable && p1[i] >= 0x20 && p1[i] < 0x7f;
	if (n < 10 || !printable) {
		fprintf(
		    stderr,
		    "anpr-diag: use at least 10 printable ASCII characters (what the console can type)\n");
		goto out;
	}
	if (anpr_auth_make_line(user, role, p1, ANPR_AUTH_DEFAULT_ITER, line, sizeof(line)) != ANPR_ERR_OK ||
	    anpr_auth_store(diag_cfg_str(d, ANPR_KEY_DIAG_USERS_FILE), user, line, why, sizeof(why)) !=
		ANPR_ERR_OK) {
		fprintf(stderr, "anpr-diag: %s\n", why[0] ? why : "cannot store the password");
		goto out;
	}
	if (anpr_audit_write(d->audit, "root", NULL, "set_password", user, role_s) != ANPR_ERR_OK)
		fprintf(stderr, "anpr-diag: warning: the audit trail could not record this\n");
	printf("Password for %s (%s) stored in %s\n", user, role_s,
	       diag_cfg_str(d, ANPR_KEY_DIAG_USERS_FILE));
	rc = ANPR_EXIT_OK;
out:
	mbedtls_platform_zeroize(p1, sizeof(p1));
	mbedtls_platform_zeroize(p2, sizeof(p2));
	mbedtls_platform_zeroize(line, sizeof(line));
	return rc;
}

enum {
	OPT_BOARD = 256,
	OPT_BOARD_FILE,
	OPT_CONFIG,
	OPT_SET,
	OPT_SETPW,
	OPT_SOCKET,
	OPT_SYSTEMCTL,
	OPT_JOURNALCTL,
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
		{ "set-password", required_argument, NULL, OPT_SETPW },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "systemctl", required_argument, NULL, OPT_SYSTEMCTL },
		{ "journalctl", required_argument, NULL, OPT_JOURNALCTL },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	anpr_diag d;
	const char *command = NULL, *pw_user = NULL;
	char why[ANPR_CFG_DIAG_LEN];
	int opt, rc = ANPR_EXIT_OK;

	memset(&d, 0, sizeof(d));
	d.systemctl = "/usr/bin/systemctl";
	d.journalctl = "/usr/bin/journalctl";
	while ((opt = getopt_long(argc, argv, "c:y", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			command = optarg;
			break;
		case 'y':
			d.assume_yes = true;
			break;
		case OPT_BOARD:
			d.src.board = optarg;
			break;
		case OPT_BOARD_FILE:
			d.src.board_file = optarg;
			break;
		case OPT_CONFIG:
			d.src.site_file = optarg;
			break;
		case OPT_SET:
			if (d.src.n_overrides == ANPR_SETTINGS_MAX_OVERRIDES) {
				fprintf(stderr, "anpr-diag: too many --set\n");
				return ANPR_EXIT_USAGE;
			}
			d.src.overrides[d.src.n_overrides++] = optarg;
			break;
		case OPT_SETPW:
			pw_user = optarg;
			break;
		case OPT_SOCKET:
			d.socket_path = optarg;
			break;
		case OPT_SYSTEMCTL:
			d.systemctl = optarg;
			break;
		case OPT_JOURNALCTL:
			d.journalctl = optarg;
			break;
		case OPT_VERSION:
			printf("anpr-diag %s\n", ANPR_VERSION);
			return ANPR_EXIT_OK;
		case OPT_HELP:
			usage(stdout);
			return ANPR_EXIT_OK;
		default:
			usage(stderr);
			return ANPR_EXIT_USAGE;
		}
	}
	if ((pw_user && optind != argc - 1) || (!pw_user && optind != argc) || (pw_user && command) ||
	    d.systemctl[0] != '/' || d.journalctl[0] != '/') {
		usage(stderr);
		return ANPR_EXIT_USAGE;
	}
	if (!d.src.site_file && access(DEFAULT_SITE_FILE, F_OK) == 0)
		d.src.site_file = DEFAULT_SITE_FILE;
	if (anpr_settings_load(&d.src, &d.cfg, why, sizeof(why)) != ANPR_ERR_OK) {
		fprintf(stderr, "anpr-diag: %s\n", why);
		return ANPR_EXIT_CONFIG;
	}
	const char *state = diag_cfg_str(&d, ANPR_KEY_DIAG_STATE_DIR);
	if (mkdir(state, 0700) != 0 && errno != EEXIST)
		fprintf(stderr, "anpr-diag: cannot create %s: %s\n", state, strerror(errno));
	if (anpr_audit_open(diag_cfg_str(&d, ANPR_KEY_DIAG_AUDIT_FILE), &d.audit, why, sizeof(why)) !=
	    ANPR_ERR_OK)
		fprintf(stderr, "anpr-diag: %s: every command will be refused\n", why);

	if (pw_user) {
		rc = set_password(&d, pw_user, argv[optind]);
		goto out;
	}
	if (anpr_term_open(&d.term) != ANPR_ERR_OK) {
		rc = ANPR_EXIT_SOFTWARE;
		goto out;
	}
	if (command) {
		bool logout;
		if (geteuid() != 0) {
			fprintf(stderr, "anpr-diag: -c is for root; engineers log in on the console\n");
			rc = 77;
			goto out;
		}
		snprintf(d.user, sizeof(d.user), "root");
		d.role = ANPR_ROLE_ENGINEER; /* scripts never see plate text */
		snprintf(d.prompt, sizeof(d.prompt), "# ");
		rc = anpr_commands_run(&d, command, &logout);
		goto out;
	}
	rc = anpr_session_run(&d, (int)anpr_config_int(d.cfg, ANPR_KEY_DIAG_IDLE_TIMEOUT_S));
out:
	anpr_term_close(d.term);
	anpr_audit_close(d.audit);
	anpr_config_free(d.cfg);
	return rc;
}
