/* SPDX-License-Identifier: MIT */
/* The console: raw mode on a serial line or pty, capabilities from TERM, waiting on keys and on anprd at once. */
#include "term.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"

struct anpr_term {
	bool interactive, ansi, colour;
	anpr_le *le;
	unsigned char in[256]; /* bytes read but not yet fed */
	size_t in_len, in_pos;
	bool eof;
};

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;
static volatile sig_atomic_t got_sigint;

static void restore_tio(void)
{
	if (tio_saved)
		tcsetattr(0, TCSAFLUSH, &saved_tio);
}

static void on_fatal(int sig)
{
	restore_tio();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

anpr_err anpr_term_open(anpr_term **out)
{
	anpr_term *t = calloc(1, sizeof(*t));
	const char *term = getenv("TERM");
	bool capable = term && *term && strcmp(term, "dumb") != 0;

	*out = NULL;
	if (!t)
		return ANPR_ERR_NOMEM;
	/* Raw mode whenever the keys come from a terminal: the kernel must never echo a password. */
	t->interactive = isatty(0);
	t->ansi = capable && t->interactive && isatty(1);
	t->colour = capable && isatty(1);
	t->le = anpr_le_new(ANPR_TERM_COLS, t->ansi);
	if (!t->le) {
		free(t);
		return ANPR_ERR_NOMEM;
	}
	if (t->interactive && tcgetattr(0, &saved_tio) == 0) {
		struct termios raw = saved_tio;
		raw.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
		raw.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		raw.c_oflag |= OPOST | ONLCR;
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tio_saved = 1;
		atexit(restore_tio);
		signal(SIGTERM, on_fatal);
		signal(SIGHUP, on_fatal);
		signal(SIGSEGV, on_fatal);
		signal(SIGABRT, on_fatal);
		tcsetattr(0, TCSAFLUSH, &raw);
	} else {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;
		sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: poll() returns EINTR */
	}
	signal(SIGPIPE, SIG_IGN);
	*out = t;
	return ANPR_ERR_OK;
}

void anpr_term_close(anpr_term *t)
{
	if (!t)
		return;
	fflush(stdout);
	restore_tio();
	anpr_le_free(t->le);
	free(t);
}

bool anpr_term_interactive(const anpr_term *t)
{
	return t->interactive;
}

bool anpr_term_ansi(const anpr_term *t)
{
	return t->ansi;
}

bool anpr_term_colour(const anpr_term *t)
{
	return t->colour;
}

const char *anpr_term_c(const anpr_term *t, anpr_term_colour_id c)
{
	if (!t->colour)
		return "";
	switch (c) {
	case ANPR_C_RESET:
		return "\x1b[0m";
	case ANPR_C_RED:
		return "\x1b[31m";
	case ANPR_C_GREEN:
		return "\x1b[32m";
	case ANPR_C_YELLOW:
		return "\x1b[33m";
	case ANPR_C_BOLD:
		return "\x1b[1m";
	}
	return "";
}

anpr_le *anpr_term_editor(anpr_term *t)
{
	return t->le;
}

static void write_all(const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(1, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the console is gone; nothing better to do */
		p += w;
		len -= (size_t)w;
	}
}

void anpr_term_flush_editor(anpr_term *t)
{
	size_t n = 0;
	const char *o = anpr_le_output(t->le, &n);

	/* Scripts (fd 0 not a terminal) get no echo, bells or redraws: only the lines that matter. */
	if (n > 0 && t->interactive) {
		fflush(stdout);
		write_all(o, n);
	}
	anpr_le_drain(t->le);
}

void anpr_term_write(anpr_term *t, const void *data, size_t len)
{
	(void)t;
	fflush(stdout);
	write_all(data, len);
}

void anpr_term_printf(anpr_term *t, const char *fmt, ...)
{
	va_list ap;

	(void)t;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void anpr_term_put_untrusted(anpr_term *t, const char *text, size_t width)
{
	char line[1024];
	size_t o = 0;

	for (const char *p = text;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\0' || c == '\n') {
			line[o++] = '\n';
			write_all(line, o); /* no stdio: keep order with raw writes */
			o = 0;
			if (c == '\0')
				break;
			continue;
		}
		if (width > 0 && o == width - 1) {
			line[o++] = '>';
			while (p[1] && p[1] != '\n')
				p++;
			continue;
		}
		if (o >= sizeof(line) - 2)
			continue;
		line[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : (c == '\t' ? ' ' : '?');
	}
	(void)t;
}

bool anpr_term_take_sigint(anpr_term *t)
{
	(void)t;
	bool got = got_sigint != 0;
	got_sigint = 0;
	return got;
}

/* Fills the input buffer; false on EOF/error. */
static bool fill(anpr_term *t)
{
	ssize_t r;
	do {
		r = read(0, t->in, sizeof(t->in));
	} while (r < 0 && errno == EINTR && !got_sigint);
	if (r <= 0) {
		t->eof = true;
		return false;
	}
	t->in_len = (size_t)r;
	t->in_pos = 0;
	return true;
}

anpr_term_wait_result anpr_term_wait(anpr_term *t, int other_fd, int timeout_ms, bool edit, bool stop_keys)
{
	int64_t deadline = timeout_ms < 0 ? -1 : anpr_clock_mono_ms() + timeout_ms;

	for (;;) {
		while (t->in_pos < t->in_len) {
			unsigned char c = t->in[t->in_pos++];
			if (edit) {
				anpr_le_event ev = anpr_le_feed(t->le, c);
				anpr_term_flush_editor(t);
				if (ev == ANPR_LE_INTERRUPT)
					return ANPR_TERM_STOP;
				if (ev == ANPR_LE_LINE)
					return ANPR_TERM_LINE;
				if (ev == ANPR_LE_EOF)
					return ANPR_TERM_STOP;
				continue;
			}
			if (c == 0x03 || (stop_keys && (c == 'q' || c == 'Q' || c == '\r' || c == '\n')))
				return ANPR_TERM_STOP;
		}
		if (got_sigint) {
			got_sigint = 0;
			return ANPR_TERM_STOP;
		}
		if (t->eof && other_fd < 0)
			return ANPR_TERM_HANGUP;
		struct pollfd p[2];
		nfds_t n = 0;
		int wait_ms = -1;
		if (!t->eof) {
			p[n].fd = 0;
			p[n++].events = POLLIN;
		}
		if (other_fd >= 0) {
			p[n].fd = other_fd;
			p[n++].events = POLLIN;
		}
		if (deadline >= 0) {
			int64_t left = deadline - anpr_clock_mono_ms();
			if (left <= 0)
				return ANPR_TERM_TIMEOUT;
			wait_ms = (int)left;
		}
		int r = poll(p, n, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ANPR_TERM_HANGUP;
		if (r == 0)
			return ANPR_TERM_TIMEOUT;
		for (nfds_t i = 0; i < n; i++) {
			if (p[i].fd == 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				if (!fill(t) && other_fd < 0)
					return t->interactive ? ANPR_TERM_HANGUP : ANPR_TERM_HANGUP;
			}
		}
		for (nfds_t i = 0; i < n; i++)
			if (p[i].fd == other_fd && p[i].revents)
				return ANPR_TERM_FD;
	}
}

anpr_le_event anpr_term_readline(anpr_term *t, const char *prompt, bool echo, int idle_ms, bool *hangup)
{
	int64_t last = anpr_clock_mono_ms();

	*hangup = false;
	anpr_le_start(t->le, prompt, echo);
	anpr_term_flush_editor(t);
	for (;;) {
		while (t->in_pos < t->in_len) {
			anpr_le_event ev = anpr_le_feed(t->le, t->in[t->in_pos++]);
			anpr_term_flush_editor(t);
			if (ev != ANPR_LE_NONE)
				return ev;
			last = anpr_clock_mono_ms();
		}
		if (t->eof) {
			*hangup = true;
			return ANPR_LE_NONE;
		}
		struct pollfd p = { .fd = 0, .events = POLLIN };
		int wait_ms = -1;
		if (idle_ms >= 0) {
			int64_t left = last + idle_ms - anpr_clock_mono_ms();
			if (left <= 0)
				return ANPR_LE_NONE;
			wait_ms = (int)left;
		}
		int r = poll(&p, 1, wait_ms);
		if (r < 0 && errno == EINTR) {
			if (got_sigint) {
				got_sigint = 0;
				return ANPR_LE_INTERRUPT;
			}
			continue;
		}
		if (r == 0)
			return ANPR_LE_NONE;
		if (r < 0 || !fill(t)) {
			*hangup = true;
			return ANPR_LE_NONE;
		}
		last = anpr_clock_mono_ms();
	}
}
