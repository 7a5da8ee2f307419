/* SPDX-License-Identifier: MIT */
/* What every anpr-diag command shares: the session context and small output helpers. */
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

void diag_audit_note(anpr_diag *d, const char *event, const char *text, const char *result)
{
	/* Records after the fact (results, logouts): a failure here cannot undo anything, so it is only shown. */
	if (anpr_audit_write(d->audit, d->user[0] ? d->user : NULL, anpr_role_name(d->role), event, text,
			     result) != ANPR_ERR_OK)
		out(d, "Warning: the audit trail could not record this.\n");
}

const char *diag_cfg_str(const anpr_diag *d, int key)
{
	return anpr_config_str(d->cfg, (size_t)key);
}

const char *diag_socket(const anpr_diag *d)
{
	if (d->socket_path)
		return d->socket_path;
	int k = anpr_config_find(d->cfg, "control.socket");
	return k >= 0 ? anpr_config_str(d->cfg, (size_t)k) : DIAG_DEFAULT_SOCKET;
}

anpr_ctl *diag_connect(anpr_diag *d, char *diag, size_t diag_len)
{
	anpr_ctl *c = NULL;

	if (anpr_ctl_open(diag_socket(d), DIAG_STATUS_TIMEOUT_MS, &c, diag, diag_len) != ANPR_ERR_OK)
		return NULL;
	return c;
}

const char *diag_mark(const anpr_diag *d, const char *word)
{
	static char buf[4][32];
	static int slot;
	anpr_term_colour_id c = ANPR_C_RESET;

	if (strcmp(word, "PASS") == 0)
		c = ANPR_C_GREEN;
	else if (strcmp(word, "FAIL") == 0)
		c = ANPR_C_RED;
	else if (strcmp(word, "WARN") == 0 || strcmp(word, "SKIP") == 0)
		c = ANPR_C_YELLOW;
	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "%s%s%s", anpr_term_c(d->term, c), word,
		 anpr_term_c(d->term, ANPR_C_RESET));
	return buf[slot];
}

void diag_fmt_age(int64_t utc_ms, bool known, char *buf, size_t len)
{
	if (!known || utc_ms <= 0) {
		snprintf(buf, len, "never");
		return;
	}
	int64_t s = (anpr_clock_utc_ms() - utc_ms) / 1000;
	if (s < 0)
		snprintf(buf, len, "in the future (clock?)");
	else if (s < 120)
		snprintf(buf, len, "%lld s ago", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lld min ago", (long long)(s / 60));
	else if (s < 172800)
		snprintf(buf, len, "%lld h ago", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lld days ago", (long long)(s / 86400));
}

void diag_fmt_bytes(double b, char *buf, size_t len)
{
	const char *unit[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;

	while (b >= 1000 && u < 4) {
		b /= 1000;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", b, unit[u]);
}

void diag_fmt_utc(int64_t utc_ms, char *buf, size_t len)
{
	if (anpr_clock_format_utc(utc_ms, buf, len) != ANPR_ERR_OK)
		snprintf(buf, len, "?");
}

bool diag_confirm(anpr_diag *d, const char *question)
{
	bool hangup = false;
	char prompt[ANPR_LE_MAX_PROMPT + 1];

	if (d->assume_yes) {
		out(d, "%s [y/N] yes (-y)\n", question);
		return true;
	}
	if (!anpr_term_interactive(d->term)) {
		out(d, "%s: needs a terminal to confirm (or -y)\n", question);
		return false;
	}
	snprintf(prompt, sizeof(prompt), "%s [y/N] ", question);
	anpr_le_event ev = anpr_term_readline(d->term, prompt, true, 60000, &hangup);
	if (ev != ANPR_LE_LINE)
		return false;
	const char *a = anpr_le_line(anpr_term_editor(d->term));
	return strcmp(a, "y") == 0 || strcmp(a, "Y") == 0 || strcmp(a, "yes") == 0;
}

int diag_run(anpr_diag *d, const char *const argv[], char *buf, size_t cap, int timeout_ms)
{
	int pfd[2];
	pid_t pid;
	int status = -1;
	size_t got = 0;
	char line[4096];
	size_t llen = 0;
	int64_t deadline = anpr_clock_mono_ms() + timeout_ms;
	bool killed = false;

	if (buf && cap)
		buf[0] = '\0';
	if (access(argv[0], X_OK) != 0)
		return -1;
	if (pipe(pfd) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 2);
		}
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		/* Fixed argument vector, no shell, a plain environment. */
		static char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin", env_lc[] = "LC_ALL=C",
			    env_pager[] = "SYSTEMD_PAGER=";
		char *const envp[] = { env_path, env_lc, env_pager, NULL };
		char *args[16];
		size_t k = 0;
		for (; k < 15 && argv[k]; k++)
			args[k] = strdup(argv[k]);
		args[k] = NULL;
		execve(args[0], args, envp);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		int64_t left = deadline - anpr_clock_mono_ms();
		if (left <= 0 && !killed) {
			kill(pid, SIGKILL);
			killed = true;
			out(d, "(%s took too long; stopped)\n", argv[0]);
		}
		anpr_term_wait_result w =
		    anpr_term_wait(d->term, pfd[0], left > 0 ? (int)left : 100, false, false);
		if (w == ANPR_TERM_STOP && !killed) {
			kill(pid, SIGKILL);
			killed = true;
			out(d, "(stopped)\n");
		}
		if (w != ANPR_TERM_FD)
			continue;
		char chunk[1024];
		ssize_t r = read(pfd[0], chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			if (buf) {
				if (got + 1 < cap)
					buf[got++] = chunk[i];
				continue;
			}
			if (chunk[i] == '\n' || llen == sizeof(line) - 1) {
				line[llen] = '\0';
				anpr_term_put_untrusted(d->term, line, ANPR_TERM_COLS);
				llen = 0;
				if (chunk[i] == '\n')
					continue;
			}
			line[llen++] = chunk[i];
		}
	}
	if (!buf && llen) {
		line[llen] = '\0';
		anpr_term_put_untrusted(d->term, line, ANPR_TERM_COLS);
	}
	if (buf && cap)
		buf[got] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int diag_stream(anpr_diag *d, anpr_ctl *ctl, const char *cmd, const char *args, diag_event_fn on_event,
		void *ctx, bool typeahead, anpr_json **final)
{
	int64_t id = 0;
	bool cancelled = false;
	int64_t cancel_at = 0;
	anpr_le *le = anpr_term_editor(d->term);
	bool edit = typeahead && anpr_term_interactive(d->term);

	*final = NULL;
	if (anpr_ctl_send(ctl, cmd, args, &id) != ANPR_ERR_OK) {
		out(d, "anprd went away.\n");
		return DIAG_FAIL;
	}
	if (edit) {
		anpr_le_start(le, d->prompt, true);
		anpr_term_flush_editor(d->term);
	}
	for (;;) {
		if (cancelled && anpr_clock_mono_ms() - cancel_at > 3000) {
			out(d, "(anprd did not confirm the stop)\n");
			return DIAG_OK;
		}
		anpr_term_wait_result w =
		    anpr_term_wait(d->term, anpr_ctl_fd(ctl), 1000, edit && !cancelled, !edit);
		if ((w == ANPR_TERM_STOP || w == ANPR_TERM_LINE || w == ANPR_TERM_HANGUP) && !cancelled) {
			if (w == ANPR_TERM_LINE) {
				snprintf(d->pending, sizeof(d->pending), "%s", anpr_le_line(le));
				d->has_pending = d->pending[0] != '\0';
			} else if (edit) {
				anpr_le_hide(le);
				anpr_term_flush_editor(d->term);
			}
			if (anpr_ctl_cancel(ctl, id) != ANPR_ERR_OK)
				return DIAG_OK;
			cancelled = true;
			cancel_at = anpr_clock_mono_ms();
			continue;
		}
		if (w != ANPR_TERM_FD)
			continue;
		anpr_json *m = NULL;
		bool is_final = false;
		anpr_err err = anpr_ctl_next(ctl, id, 2000, &m, &is_final);
		if (err == ANPR_ERR_TIMEOUT)
			continue;
		if (err) {
			if (edit && !cancelled) {
				anpr_le_hide(le);
				anpr_term_flush_editor(d->term);
			}
			out(d, "anprd stopped answering (%s).\n", anpr_strerror(err));
			return DIAG_FAIL;
		}
		if (is_final) {
			if (edit && !cancelled) {
				anpr_le_hide(le);
				anpr_term_flush_editor(d->term);
			}
			bool ok = false;
			(void)anpr_ctl_bool(m, "ok", &ok);
			if (!ok) {
				const char *msg = anpr_ctl_str(m, "error.message");
				out(d, "anprd: ");
				anpr_term_put_untrusted(d->term, msg ? msg : "refused", 72);
				anpr_json_free(m);
				return DIAG_FAIL;
			}
			*final = m;
			return DIAG_OK;
		}
		if (!cancelled) {
			if (edit) {
				anpr_le_hide(le);
				anpr_term_flush_editor(d->term);
			}
			on_event(d, anpr_json_get(m, "event"), ctx);
			if (edit) {
				anpr_le_show(le);
				anpr_term_flush_editor(d->term);
			}
		}
		anpr_json_free(m);
	}
}
