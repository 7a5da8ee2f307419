/* SPDX-License-Identifier: MIT */
/* What every anpr-diag command shares: the session context and small output helpers. */
#ifndef ANPR_DIAG_H
#define ANPR_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "auth.h"
#include "config.h"
#include "ctl.h"
#include "settings.h"
#include "term.h"

/* Exit statuses of a command (and of anpr-diag -c). */
#define DIAG_OK 0
#define DIAG_FAIL 1  /* the command ran and found a fault, or could not do its job */
#define DIAG_USAGE 2 /* the command line was wrong */

#define DIAG_DEFAULT_SOCKET "/run/anpr/control.sock"
#define DIAG_STATUS_TIMEOUT_MS 2000

/* One session. Main thread only. */
typedef struct anpr_diag {
	anpr_term *term;
	anpr_settings_src src; /* the configuration layers (config set/diff reload them) */
	anpr_config *cfg;      /* effective configuration when anpr-diag started or last changed it */
	anpr_audit *audit;
	char user[ANPR_AUTH_MAX_USER + 16];
	anpr_role role;
	const char *socket_path;
	const char *systemctl; /* absolute paths, run by execv with fixed arguments */
	const char *journalctl;
	bool assume_yes; /* -y: confirmations answered yes (scripts) */
	char prompt[ANPR_LE_MAX_PROMPT + 1];
	char pending[ANPR_LE_MAX_LINE + 1]; /* a line typed during log --follow, run next */
	bool has_pending;
} anpr_diag;

/*
 * Runs a streaming request (preview, focus, readtest, log follow) on ctl:
 * calls on_event for each event's "event" member until the final reply,
 * Ctrl-C (sends cancel), or stop keys/type-ahead as in anpr_term_wait. The
 * final reply (or NULL when cancelled without one) goes to *final (caller
 * frees). Returns DIAG_OK, or DIAG_FAIL when anprd refused or went away.
 */
typedef void (*diag_event_fn)(anpr_diag *d, const anpr_json *event, void *ctx);
int diag_stream(anpr_diag *d, anpr_ctl *ctl, const char *cmd, const char *args, diag_event_fn on_event,
		void *ctx, bool typeahead, anpr_json **final);

/* printf to the console. */
#define out(d, ...) anpr_term_printf((d)->term, __VA_ARGS__)

/* An audit record for the current user written after the fact; a failure is shown, not returned. */
void diag_audit_note(anpr_diag *d, const char *event, const char *text, const char *result);

/* A configuration string by key index (shorthand). */
const char *diag_cfg_str(const anpr_diag *d, int key);
/* The control socket path: the control.socket key, else the default. */
const char *diag_socket(const anpr_diag *d);

/* Connects to anprd; NULL when it is not answering (why in diag). */
anpr_ctl *diag_connect(anpr_diag *d, char *diag, size_t diag_len);

/* "PASS"/"FAIL"/"SKIP"/"WARN" coloured when colour is on. */
const char *diag_mark(const anpr_diag *d, const char *word);

/* Formats: an age from UTC ms ("3 min ago", "never"), a byte count ("1.2 GB"), a UTC time. */
void diag_fmt_age(int64_t utc_ms, bool known, char *buf, size_t len);
void diag_fmt_bytes(double bytes, char *buf, size_t len);
void diag_fmt_utc(int64_t utc_ms, char *buf, size_t len);

/* Asks "question [y/N]" and reads one answer line; true only for y/yes. */
bool diag_confirm(anpr_diag *d, const char *question);

/*
 * Runs an absolute-path program with a fixed argv (never a shell) and
 * returns its exit status (-1 when it could not start); its stdout (at most
 * cap bytes, NUL-terminated) into buf when buf is not NULL, else to the
 * console through the untrusted-text filter. stdin is /dev/null.
 * timeout_ms kills it when exceeded (Ctrl-C too).
 */
int diag_run(anpr_diag *d, const char *const argv[], char *buf, size_t cap, int timeout_ms);

/* Checks shared by net, keys and selftest (cmd_net.c): DIAG_OK or DIAG_FAIL with a reason in why. */
int diag_check_key(anpr_diag *d, char *why, size_t why_len);
int diag_check_cert(anpr_diag *d, double *days_left, char *why, size_t why_len);
/* DNS, TCP and TLS to uplink.url; verbose prints each step. DIAG_OK, DIAG_FAIL, or -1 when no URL is set. */
int diag_probe_backoffice(anpr_diag *d, bool verbose, char *why, size_t why_len);

/* The commands (each in its cmd_*.c). argv[0] is the command name. */
int cmd_status(anpr_diag *d, int argc, char **argv);
int cmd_camera(anpr_diag *d, int argc, char **argv);
int cmd_readtest(anpr_diag *d, int argc, char **argv);
int cmd_net(anpr_diag *d, int argc, char **argv);
int cmd_buffer(anpr_diag *d, int argc, char **argv);
int cmd_clock(anpr_diag *d, int argc, char **argv);
int cmd_config(anpr_diag *d, int argc, char **argv);
int cmd_log(anpr_diag *d, int argc, char **argv);
int cmd_selftest(anpr_diag *d, int argc, char **argv);
int cmd_keys(anpr_diag *d, int argc, char **argv);
int cmd_service(anpr_diag *d, int argc, char **argv);
int cmd_reboot(anpr_diag *d, int argc, char **argv);

#endif
