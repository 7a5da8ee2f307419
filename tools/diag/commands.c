/* SPDX-License-Identifier: MIT */
/* The command table of anpr-diag: dispatch (audited before it runs), help and tab completion. */
#include "commands.h"

#include <stdio.h>
#include <string.h>

#include "cmdline.h"

typedef struct diag_cmd {
	const char *name;
	const char *subs[6]; /* subcommands and fixed words, for completion */
	const char *usage;
	const char *summary;
	const char *help;
	int (*run)(anpr_diag *d, int argc, char **argv);
} diag_cmd;

static int cmd_help(anpr_diag *d, int argc, char **argv);

static const diag_cmd cmds[] = {
	{ "status",
	  { NULL },
	  "status",
	  "the unit at a glance: camera, reads, uplink, buffer, disk, clock",
	  "One screen from the running anprd. When anprd is down: whether the service runs,\n"
	  "disk space, clock and the ring buffer read from disk (read-only).",
	  cmd_status },
	{ "camera",
	  { "aim", "focus", NULL },
	  "camera [aim|focus]",
	  "camera settings; aim and focus helpers",
	  "camera        sensor, mode, exposure, gain and IR state\n"
	  "camera aim    live coarse picture of the scene in characters, to point the camera\n"
	  "              (Ctrl-C, q or Enter stops)\n"
	  "camera focus  live sharpness score and the widths of plates seen, to focus:\n"
	  "              turn the lens for the highest score",
	  cmd_camera },
	{ "readtest",
	  { NULL },
	  "readtest [SECONDS]",
	  "read plates live for a while (default 30 s)",
	  "Runs recognition live and shows each read's confidence; the plate text only\n"
	  "for the supervisor role. Ends with counts and confidences. Ctrl-C stops.",
	  cmd_readtest },
	{ "net",
	  { NULL },
	  "net",
	  "DNS, TCP and TLS to the back office, last upload",
	  "Checks the path to the back office in order: name lookup, TCP connect time,\n"
	  "TLS handshake with the unit's certificate (server certificate subject, expiry,\n"
	  "whether it chains to the pinned CA), and anprd's last upload result.",
	  cmd_net },
	{ "buffer",
	  { "check", NULL },
	  "buffer [check]",
	  "reads waiting in the ring buffer",
	  "Counts, bytes, oldest undelivered read and retention; 'buffer check' reads and\n"
	  "authenticates every record. Works read-only from disk when anprd is down.",
	  cmd_buffer },
	{ "clock",
	  { NULL },
	  "clock",
	  "time source, offset and sync state",
	  "Clock synchronisation as the kernel sees it.",
	  cmd_clock },
	{ "config",
	  { "show", "get", "set", "diff", NULL },
	  "config show|get KEY|set KEY VALUE|diff",
	  "look at or change the site configuration",
	  "config show           every key with its value and where it comes from\n"
	  "config get KEY        one key (section.name): value, origin, range, help\n"
	  "config set KEY VALUE  validate, save the site file safely, ask anprd to reload;\n"
	  "                      says when a restart is needed (audited: old and new value)\n"
	  "config diff           keys the site file changes from the board and defaults",
	  cmd_config },
	{ "log",
	  { "--follow", NULL },
	  "log [N] [--follow]",
	  "the last N log lines (default 20)",
	  "From anprd, or from the journal when anprd is down. --follow keeps showing new\n"
	  "lines until Ctrl-C; you can type the next command meanwhile.",
	  cmd_log },
	{ "selftest",
	  { NULL },
	  "selftest",
	  "every check with PASS, FAIL or SKIP and why",
	  "anprd running, camera frames, configuration, device key, certificate expiry,\n"
	  "clock sync, disk space, ring buffer integrity, back office reachable.\n"
	  "Exit status 1 when any check fails (anpr-diag -c selftest in scripts).",
	  cmd_selftest },
	{ "keys",
	  { "csr", NULL },
	  "keys [csr]",
	  "device key fingerprint, certificate, make a CSR",
	  "keys      the device key's fingerprint (the kid on every signed read), and the\n"
	  "          certificate's subject and expiry\n"
	  "keys csr  makes a certificate signing request for the back office's CA: printed\n"
	  "          here and saved in the state folder",
	  cmd_keys },
	{ "service",
	  { "restart", "start", "stop", NULL },
	  "service restart|start|stop",
	  "restart anprd (asks first)",
	  "Restarts, starts or stops the anprd service through systemd. Asks first.",
	  cmd_service },
	{ "reboot",
	  { NULL },
	  "reboot",
	  "reboot the unit (asks first)",
	  "Reboots the unit through systemd. Asks first.",
	  cmd_reboot },
	{ "help",
	  { NULL },
	  "help [COMMAND]",
	  "this list, or one command in detail",
	  "help COMMAND explains one command.",
	  cmd_help },
	{ "logout", { NULL }, "logout", "end the session (also exit, Ctrl-D)", "Ends the session.", NULL },
	{ "exit", { NULL }, "exit", "end the session", "Ends the session.", NULL },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const diag_cmd *find(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static int cmd_help(anpr_diag *d, int argc, char **argv)
{
	if (argc > 2)
		return DIAG_USAGE;
	if (argc == 2) {
		const diag_cmd *c = find(argv[1]);
		if (!c) {
			out(d, "No command '%s'. Type help for the list.\n", argv[1]);
			return DIAG_USAGE;
		}
		out(d, "%s%s%s\n  %s\n\n%s\n", anpr_term_c(d->term, ANPR_C_BOLD), c->usage,
		    anpr_term_c(d->term, ANPR_C_RESET), c->summary, c->help);
		return DIAG_OK;
	}
	out(d, "Commands (help COMMAND for more; Tab completes):\n");
	for (size_t i = 0; i < NCMDS; i++)
		out(d, "  %-10s %-.66s\n", cmds[i].name, cmds[i].summary);
	return DIAG_OK;
}

int anpr_commands_run(anpr_diag *d, const char *line, bool *logout)
{
	anpr_cmdline cl;
	char why[128];
	int status;

	*logout = false;
	if (anpr_cmdline_split(line, strlen(line), &cl, why, sizeof(why)) != ANPR_ERR_OK) {
		if (anpr_audit_write(d->audit, d->user, anpr_role_name(d->role), "rejected", line,
				     "bad_line"))
			out(d, "Audit trail cannot be written: nothing can run.\n");
		out(d, "Not understood: %s.\n", why);
		return DIAG_USAGE;
	}
	if (cl.argc == 0)
		return DIAG_OK;
	const diag_cmd *c = find(cl.argv[0]);
	/* Recorded, and on disk, before anything runs; no record, no command. */
	if (anpr_audit_write(d->audit, d->user, anpr_role_name(d->role), "command", line,
			     c ? "start" : "unknown") != ANPR_ERR_OK) {
		out(d, "%sRefused:%s the audit trail cannot be written (disk full or read-only?).\n",
		    anpr_term_c(d->term, ANPR_C_RED), anpr_term_c(d->term, ANPR_C_RESET));
		return DIAG_FAIL;
	}
	if (!c) {
		out(d, "No command '%.40s'. Type help for the list.\n", cl.argv[0]);
		return DIAG_USAGE;
	}
	if (!c->run) {
		*logout = true;
		return DIAG_OK;
	}
	status = c->run(d, cl.argc, cl.argv);
	if (status == DIAG_USAGE)
		out(d, "Usage: %s\n", c->usage);
	if (anpr_audit_write(d->audit, d->user, anpr_role_name(d->role), "done", line,
			     status == DIAG_OK ? "ok" : (status == DIAG_USAGE ? "usage" : "fail")) !=
	    ANPR_ERR_OK)
		out(d, "Warning: the audit trail could not record the result.\n");
	return status;
}

size_t anpr_commands_complete(void *ctx, const char *line, size_t len, const char **cands, size_t max)
{
	char first[32];
	size_t word_start = len, n = 0, words = 0, i = 0;

	(void)ctx;
	while (word_start > 0 && line[word_start - 1] != ' ')
		word_start--;
	/* Which word is being completed, and the first word when it is the second. */
	while (i < word_start) {
		while (i < word_start && line[i] == ' ')
			i++;
		if (i >= word_start)
			break;
		size_t s = i;
		while (i < word_start && line[i] != ' ')
			i++;
		if (words == 0) {
			size_t k = i - s < sizeof(first) - 1 ? i - s : sizeof(first) - 1;
			memcpy(first, line + s, k);
			first[k] = '\0';
		}
		words++;
	}
	const char *pfx = line + word_start;
	size_t plen = len - word_start;
	if (words == 0) {
		for (size_t k = 0; k < NCMDS && n < max; k++)
			if (strncmp(cmds[k].name, pfx, plen) == 0)
				cands[n++] = cmds[k].name;
		return n;
	}
	const diag_cmd *c = find(first);
	if (!c)
		return 0;
	if (words == 1 && strcmp(first, "help") == 0) {
		for (size_t k = 0; k < NCMDS && n < max; k++)
			if (strncmp(cmds[k].name, pfx, plen) == 0)
				cands[n++] = cmds[k].name;
		return n;
	}
	if (words == 1 || strcmp(first, "log") == 0)
		for (size_t k = 0; c->subs[k] && n < max; k++)
			if (strncmp(c->subs[k], pfx, plen) == 0)
				cands[n++] = c->subs[k];
	return n;
}
