/* SPDX-License-Identifier: MIT */
/* A console session: the pre-login banner, login with the persistent lockout, the command loop, logout. */
#include "session.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "clock.h"
#include "commands.h"
#include "keys.h"
#include "version.h"

void anpr_session_banner(anpr_diag *d)
{
	char why[200];
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));

	out(d, "\nanpr-diag %s, device %s: anprd %s\n", ANPR_VERSION, diag_cfg_str(d, ANPR_KEY_DEVICE_ID),
	    ctl ? "running" : "NOT running");
	anpr_ctl_close(ctl);
}

/* Waits out a lockout; false when the console went away. Keys typed meanwhile are dropped. */
static bool wait_lockout(anpr_diag *d, const anpr_lockout *lo)
{
	int64_t left = anpr_lockout_remaining_s(lo, anpr_clock_utc_ms());

	if (left <= 0)
		return true;
	out(d, "Console locked after repeated failed logins: try again in %lld s.\n", (long long)left);
	while ((left = anpr_lockout_remaining_s(lo, anpr_clock_utc_ms())) > 0) {
		anpr_term_wait_result w =
		    anpr_term_wait(d->term, -1, (int)(left > 5 ? 5000 : left * 1000), false, false);
		if (w == ANPR_TERM_HANGUP)
			return false;
	}
	return true;
}

/* One login attempt. Returns 1 logged in, 0 failed or abandoned, -1 leave (Ctrl-D, hangup). */
static int login(anpr_diag *d, int idle_ms)
{
	char user[ANPR_AUTH_MAX_USER + 1], password[ANPR_AUTH_MAX_PASSWORD + 1], why[200];
	const char *users = diag_cfg_str(d, ANPR_KEY_DIAG_USERS_FILE);
	const char *state = diag_cfg_str(d, ANPR_KEY_DIAG_STATE_DIR);
	anpr_le *le = anpr_term_editor(d->term);
	anpr_lockout lo;
	bool hangup = false;
	anpr_role role = ANPR_ROLE_NONE;

	if (anpr_lockout_load(state, &lo) != ANPR_ERR_OK)
		out(d,
		    "The lockout state %s/lockout is damaged:\nthe console stays locked until root removes "
		    "it.\n",
		    state);
	if (!wait_lockout(d, &lo))
		return -1;
	anpr_le_event ev = anpr_term_readline(d->term, "login: ", true, -1, &hangup);
	if (hangup || ev == ANPR_LE_EOF)
		return -1;
	if (ev == ANPR_LE_REJECTED) {
		out(d, "%s\n", anpr_le_reason(le));
		return 0;
	}
	if (ev != ANPR_LE_LINE || !anpr_le_line(le)[0])
		return 0;
	bool valid = anpr_auth_user_valid(anpr_le_line(le));
	snprintf(user, sizeof(user), "%s", valid ? anpr_le_line(le) : "?");
	ev = anpr_term_readline(d->term, "password: ", false, idle_ms, &hangup);
	if (hangup)
		return -1;
	if (ev != ANPR_LE_LINE && ev != ANPR_LE_REJECTED)
		return 0;
	snprintf(password, sizeof(password), "%s", ev == ANPR_LE_LINE ? anpr_le_line(le) : "");
	/* The editor held the password: wipe it before anything else happens. */
	anpr_le_start(le, "", false);
	anpr_le_drain(le);
	why[0] = '\0';
	anpr_err err = valid && ev == ANPR_LE_LINE
			   ? anpr_auth_check(users, user, password, &role, why, sizeof(why))
			   : ANPR_ERR_PERMISSION;
	mbedtls_platform_zeroize(password, sizeof(password));
	if (err == ANPR_ERR_OK) {
		anpr_lockout_reset(&lo);
		if (anpr_audit_write(d->audit, user, anpr_role_name(role), "login", NULL, "ok") !=
		    ANPR_ERR_OK) {
			out(d, "Login refused: the audit trail cannot be written.\n");
			return 0;
		}
		if (anpr_lockout_save(state, &lo) != ANPR_ERR_OK)
			out(d, "Warning: the lockout state cannot be saved in %s.\n", state);
		snprintf(d->user, sizeof(d->user), "%s", user);
		d->role = role;
		return 1;
	}
	bool locked = anpr_lockout_fail(&lo, anpr_clock_utc_ms());
	/* State first (a power cut right now must not forget the failure), then the record. */
	bool saved = anpr_lockout_save(state, &lo) == ANPR_ERR_OK;
	if (anpr_audit_write(d->audit, valid ? user : "?", NULL, "login_failed",
			     why[0] ? why : "bad user name", "denied") != ANPR_ERR_OK)
		out(d, "Warning: the audit trail could not record this.\n");
	if (locked) {
		char t[32];
		snprintf(t, sizeof(t), "%lld s",
			 (long long)anpr_lockout_remaining_s(&lo, anpr_clock_utc_ms()));
		if (anpr_audit_write(d->audit, valid ? user : "?", NULL, "lockout", t, "locked") !=
		    ANPR_ERR_OK)
			out(d, "Warning: the audit trail could not record this.\n");
	}
	anpr_clock_sleep_ms(1000);
	out(d, "Login incorrect.\n");
	if (!saved) {
		/* Failures that cannot be counted must not be free: every one costs the first lockout period. */
		out(d, "The lockout state cannot be saved in %s: wait %d s.\n", state, ANPR_AUTH_LOCK_BASE_S);
		anpr_clock_sleep_ms(ANPR_AUTH_LOCK_BASE_S * 1000);
	}
	return 0;
}

/* The command loop of one logged-in session. Returns -1 on hangup, else 0. */
static int commands(anpr_diag *d, int idle_ms)
{
	anpr_le *le = anpr_term_editor(d->term);
	bool hangup = false;

	snprintf(d->prompt, sizeof(d->prompt), "%.32s %s> ", diag_cfg_str(d, ANPR_KEY_DEVICE_ID),
		 anpr_role_name(d->role));
	out(d, "Logged in as %s (%s). Type help for the commands, Tab to complete.\n", d->user,
	    anpr_role_name(d->role));
	for (;;) {
		char line[ANPR_LE_MAX_LINE + 1];
		if (d->has_pending) {
			snprintf(line, sizeof(line), "%s", d->pending);
			d->has_pending = false;
			out(d, "%s%s\n", d->prompt, line);
		} else {
			anpr_le_event ev = anpr_term_readline(d->term, d->prompt, true, idle_ms, &hangup);
			if (hangup) {
				diag_audit_note(d, "logout", NULL, "hangup");
				return -1;
			}
			if (ev == ANPR_LE_NONE) {
				diag_audit_note(d, "logout", NULL, "idle");
				out(d, "\nLogged out after %d s without a key.\n", idle_ms / 1000);
				return 0;
			}
			if (ev == ANPR_LE_EOF) {
				diag_audit_note(d, "logout", NULL, "ctrl_d");
				return 0;
			}
			if (ev == ANPR_LE_INTERRUPT)
				continue;
			if (ev == ANPR_LE_REJECTED) {
				diag_audit_note(d, "rejected", anpr_le_line(le), "bad_line");
				out(d, "%s\n", anpr_le_reason(le));
				continue;
			}
			snprintf(line, sizeof(line), "%s", anpr_le_line(le));
			anpr_le_history_add(le, line);
		}
		bool logout = false;
		(void)anpr_commands_run(d, line, &logout);
		if (logout) {
			diag_audit_note(d, "logout", NULL, "ok");
			return 0;
		}
	}
}

int anpr_session_run(anpr_diag *d, int idle_s)
{
	int idle_ms = idle_s * 1000;

	anpr_le_set_completion(anpr_term_editor(d->term), anpr_commands_complete, NULL);
	anpr_session_banner(d);
	for (;;) {
		int r = login(d, idle_ms);
		if (r < 0)
			return 0;
		if (r == 0)
			continue;
		r = commands(d, idle_ms);
		d->user[0] = '\0';
		d->role = ANPR_ROLE_NONE;
		out(d, "Logged out.\n");
		if (r < 0)
			return 0;
		anpr_session_banner(d);
	}
}
