/* SPDX-License-Identifier: MIT */
/* A line editor for raw serial lines and ptys: a byte-at-a-time state machine that never blocks. */
#include "lineedit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ESC_SEQ_MAX 16 /* bytes of one escape sequence before it is dropped as garbage */

typedef enum esc_state { ST_NORMAL, ST_ESC, ST_CSI, ST_SS3 } esc_state;

struct anpr_le {
	int cols;
	bool ansi;
	bool echo;
	bool shown;
	char prompt[ANPR_LE_MAX_PROMPT + 1];
	size_t plen;
	char buf[ANPR_LE_MAX_LINE + 1];
	size_t len, pos;
	bool overlong, tainted, after_cr;
	const char *reason;
	esc_state st;
	char seq[ESC_SEQ_MAX + 1];
	size_t seq_len;
	char hist[ANPR_LE_HISTORY][ANPR_LE_MAX_LINE + 1];
	size_t hist_n;    /* lines held */
	size_t hist_head; /* next slot to write */
	size_t hist_idx;  /* 0: the line being edited; k: k-th most recent */
	char saved[ANPR_LE_MAX_LINE + 1];
	anpr_le_complete_fn complete;
	void *complete_ctx;
	char out[ANPR_LE_OUT_CAP];
	size_t out_len;
	size_t drawn; /* characters of line drawn last time (plain mode clears them) */
};

static void emit(anpr_le *le, const char *s, size_t n)
{
	/* A full buffer drops output, never input: the next redraw repairs the screen. */
	if (n > sizeof(le->out) - le->out_len)
		n = sizeof(le->out) - le->out_len;
	memcpy(le->out + le->out_len, s, n);
	le->out_len += n;
}

static void emits(anpr_le *le, const char *s)
{
	emit(le, s, strlen(s));
}

static void bell(anpr_le *le)
{
	emit(le, "\a", 1);
}

anpr_le *anpr_le_new(int cols, bool ansi)
{
	anpr_le *le = calloc(1, sizeof(*le));

	if (!le)
		return NULL;
	le->cols = cols < 20 ? 20 : (cols > 1000 ? 1000 : cols);
	le->ansi = ansi;
	le->echo = true;
	return le;
}

void anpr_le_free(anpr_le *le)
{
	free(le);
}

void anpr_le_set_completion(anpr_le *le, anpr_le_complete_fn fn, void *ctx)
{
	le->complete = fn;
	le->complete_ctx = ctx;
}

/* Draws prompt and the visible window of the line, cursor in place. */
static void refresh(anpr_le *le)
{
	char tmp[32];
	size_t avail = (size_t)le->cols - 1 - (le->plen < (size_t)le->cols - 10 ? le->plen : 0);
	size_t start = 0, vis_len, vis_pos;

	if (!le->echo) {
		emit(le, "\r", 1);
		emit(le, le->prompt, le->plen);
		le->shown = true;
		return;
	}
	if (le->pos > avail)
		start = le->pos - avail;
	vis_len = le->len - start;
	if (vis_len > avail)
		vis_len = avail;
	vis_pos = le->pos - start;
	emit(le, "\r", 1);
	emit(le, le->prompt, le->plen);
	emit(le, le->buf + start, vis_len);
	if (le->ansi) {
		emits(le, "\x1b[K");
		emit(le, "\r", 1);
		if (le->plen + vis_pos > 0) {
			snprintf(tmp, sizeof(tmp), "\x1b[%zuC", le->plen + vis_pos);
			emits(le, tmp);
		}
	} else {
		/* No escapes: blank what the last draw left, then rewrite up to the cursor. */
		for (size_t i = vis_len; i < le->drawn; i++)
			emit(le, " ", 1);
		if (vis_len < le->drawn || vis_pos < vis_len) {
			emit(le, "\r", 1);
			emit(le, le->prompt, le->plen);
			emit(le, le->buf + start, vis_pos);
		}
	}
	le->drawn = vis_len;
	le->shown = true;
}

void anpr_le_start(anpr_le *le, const char *prompt, bool echo)
{
	size_t n = strlen(prompt);

	if (n > ANPR_LE_MAX_PROMPT)
		n = ANPR_LE_MAX_PROMPT;
	memcpy(le->prompt, prompt, n);
	le->prompt[n] = '\0';
	le->plen = n;
	le->echo = echo;
	le->len = le->pos = 0;
	le->buf[0] = '\0';
	le->overlong = le->tainted = false;
	le->reason = NULL;
	le->st = ST_NORMAL;
	le->hist_idx = 0;
	le->drawn = 0;
	refresh(le);
}

static bool fast_path_append(anpr_le *le)
{
	/* Typing at the end of a line that fits: echo the byte alone (one byte per key on a slow line). */
	return le->echo && le->pos == le->len && le->plen + le->len < (size_t)le->cols - 1;
}

static void insert(anpr_le *le, char c)
{
	if (le->len >= ANPR_LE_MAX_LINE) {
		le->overlong = true;
		bell(le);
		return;
	}
	bool fast = fast_path_append(le);
	memmove(le->buf + le->pos + 1, le->buf + le->pos, le->len - le->pos);
	le->buf[le->pos] = c;
	le->len++;
	le->pos++;
	le->buf[le->len] = '\0';
	if (fast) {
		emit(le, &c, 1);
		le->drawn = le->len;
	} else if (le->echo) {
		refresh(le);
	}
}

static void delete_range(anpr_le *le, size_t from, size_t to)
{
	memmove(le->buf + from, le->buf + to, le->len - to);
	le->len -= to - from;
	le->buf[le->len] = '\0';
	le->pos = from;
	refresh(le);
}

static void history_step(anpr_le *le, int dir)
{
	size_t want = le->hist_idx;

	if (!le->echo)
		return;
	if (dir > 0 && want < le->hist_n)
		want++;
	else if (dir < 0 && want > 0)
		want--;
	if (want == le->hist_idx) {
		bell(le);
		return;
	}
	if (le->hist_idx == 0)
		memcpy(le->saved, le->buf, le->len + 1);
	le->hist_idx = want;
	const char *src =
	    want == 0 ? le->saved : le->hist[(le->hist_head + ANPR_LE_HISTORY - want) % ANPR_LE_HISTORY];
	le->len = strlen(src);
	memcpy(le->buf, src, le->len + 1);
	le->pos = le->len;
	refresh(le);
}

void anpr_le_history_add(anpr_le *le, const char *line)
{
	size_t n = strlen(line);
	const char *last = le->hist[(le->hist_head + ANPR_LE_HISTORY - 1) % ANPR_LE_HISTORY];

	if (n == 0 || n > ANPR_LE_MAX_LINE || (le->hist_n > 0 && strcmp(last, line) == 0))
		return;
	memcpy(le->hist[le->hist_head], line, n + 1);
	le->hist_head = (le->hist_head + 1) % ANPR_LE_HISTORY;
	if (le->hist_n < ANPR_LE_HISTORY)
		le->hist_n++;
}

static void complete(anpr_le *le)
{
	const char *cands[ANPR_LE_MAX_CANDIDATES];
	size_t n, word = le->pos, common;

	if (!le->complete || !le->echo || le->pos != le->len) {
		bell(le);
		return;
	}
	while (word > 0 && le->buf[word - 1] != ' ')
		word--;
	n = le->complete(le->complete_ctx, le->buf, le->pos, cands, ANPR_LE_MAX_CANDIDATES);
	if (n == 0) {
		bell(le);
		return;
	}
	common = strlen(cands[0]);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;
		while (k < common && cands[i][k] && cands[i][k] == cands[0][k])
			k++;
		common = k;
	}
	size_t typed = le->pos - word;
	if (common > typed) {
		for (size_t k = typed; k < common; k++)
			insert(le, cands[0][k]);
		if (n == 1)
			insert(le, ' ');
		refresh(le);
		return;
	}
	if (n == 1) {
		insert(le, ' ');
		return;
	}
	/* Ambiguous: list the choices under the line, then draw the line again. */
	size_t col = 0;
	emits(le, "\r\n");
	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(cands[i]) + 2;
		if (col > 0 && col + w > (size_t)le->cols - 1) {
			emits(le, "\r\n");
			col = 0;
		}
		emits(le, cands[i]);
		emits(le, "  ");
		col += w;
	}
	emits(le, "\r\n");
	le->drawn = 0;
	refresh(le);
}

static anpr_le_event enter(anpr_le *le)
{
	emits(le, "\r\n");
	le->shown = false;
	le->drawn = 0;
	if (le->overlong) {
		le->reason = "line too long (at most 256 characters): not run";
		return ANPR_LE_REJECTED;
	}
	if (le->tainted) {
		le->reason = "line held control, binary or non-ASCII bytes: not run";
		return ANPR_LE_REJECTED;
	}
	return ANPR_LE_LINE;
}

static void key_csi(anpr_le *le, char final)
{
	/* seq holds the parameter bytes: "1", "3", "1;5" ... */
	int p = atoi(le->seq);

	switch (final) {
	case 'A':
		history_step(le, +1);
		break;
	case 'B':
		history_step(le, -1);
		break;
	case 'C':
		if (le->pos < le->len) {
			le->pos++;
			refresh(le);
		}
		break;
	case 'D':
		if (le->pos > 0) {
			le->pos--;
			refresh(le);
		}
		break;
	case 'H':
		le->pos = 0;
		refresh(le);
		break;
	case 'F':
		le->pos = le->len;
		refresh(le);
		break;
	case '~':
		if (p == 1 || p == 7) {
			le->pos = 0;
			refresh(le);
		} else if (p == 4 || p == 8) {
			le->pos = le->len;
			refresh(le);
		} else if (p == 3 && le->pos < le->len) {
			delete_range(le, le->pos, le->pos + 1);
		}
		break;
	default:
		break; /* function keys and the like: ignored */
	}
}

static anpr_le_event control(anpr_le *le, unsigned char c)
{
	size_t w;

	switch (c) {
	case 0x01: /* Ctrl-A */
		le->pos = 0;
		refresh(le);
		break;
	case 0x02: /* Ctrl-B */
		key_csi(le, 'D');
		break;
	case 0x03: /* Ctrl-C */
		emits(le, "^C\r\n");
		le->len = le->pos = 0;
		le->buf[0] = '\0';
		le->overlong = le->tainted = false;
		le->shown = false;
		le->drawn = 0;
		return ANPR_LE_INTERRUPT;
	case 0x04: /* Ctrl-D */
		if (le->len == 0) {
			emits(le, "\r\n");
			le->shown = false;
			return ANPR_LE_EOF;
		}
		if (le->pos < le->len)
			delete_range(le, le->pos, le->pos + 1);
		break;
	case 0x05: /* Ctrl-E */
		le->pos = le->len;
		refresh(le);
		break;
	case 0x06: /* Ctrl-F */
		key_csi(le, 'C');
		break;
	case 0x08: /* Ctrl-H */
	case 0x7f: /* DEL, what most terminals send for Backspace */
		if (le->pos > 0) {
			if (le->echo && le->pos == le->len && le->ansi &&
			    le->plen + le->len < (size_t)le->cols - 1) {
				emits(le, "\b \b");
				le->pos--;
				le->len--;
				le->buf[le->len] = '\0';
				le->drawn = le->len;
			} else {
				delete_range(le, le->pos - 1, le->pos);
			}
		} else if (le->len == 0 && (le->overlong || le->tainted)) {
			le->overlong = le->tainted = false; /* an emptied line starts clean */
		}
		break;
	case 0x09: /* Tab */
		complete(le);
		break;
	case 0x0b: /* Ctrl-K */
		delete_range(le, le->pos, le->len);
		break;
	case 0x0c: /* Ctrl-L */
		if (le->ansi)
			emits(le, "\x1b[H\x1b[2J");
		le->drawn = 0;
		refresh(le);
		break;
	case 0x0e: /* Ctrl-N */
		history_step(le, -1);
		break;
	case 0x10: /* Ctrl-P */
		history_step(le, +1);
		break;
	case 0x15: /* Ctrl-U */
		delete_range(le, 0, le->pos);
		le->overlong = le->tainted = false;
		break;
	case 0x17: /* Ctrl-W */
		w = le->pos;
		while (w > 0 && le->buf[w - 1] == ' ')
			w--;
		while (w > 0 && le->buf[w - 1] != ' ')
			w--;
		delete_range(le, w, le->pos);
		break;
	default:
		le->tainted = true;
		bell(le);
		break;
	}
	return ANPR_LE_NONE;
}

anpr_le_event anpr_le_feed(anpr_le *le, unsigned char c)
{
	bool was_cr = le->after_cr;

	le->after_cr = false;
	switch (le->st) {
	case ST_ESC:
		if (c == '[') {
			le->st = ST_CSI;
			le->seq_len = 0;
			le->seq[0] = '\0';
		} else if (c == 'O') {
			le->st = ST_SS3;
		} else {
			/* ESC alone (or Alt-key): drop the ESC, take the byte as it comes. */
			le->st = ST_NORMAL;
			return anpr_le_feed(le, c);
		}
		return ANPR_LE_NONE;
	case ST_SS3:
		le->st = ST_NORMAL;
		if (c < 0x20)
			return anpr_le_feed(le,
					    c); /* a control key (Ctrl-C) always works, even mid-sequence */
		if (c >= 0x40 && c <= 0x7e) {
			le->seq[0] = '\0';
			key_csi(le, (char)c);
		}
		return ANPR_LE_NONE;
	case ST_CSI:
		if (c < 0x20) {
			le->st = ST_NORMAL;
			le->tainted = true; /* the sequence was cut short: what came before is suspect */
			return anpr_le_feed(le, c);
		}
		if (c >= 0x40 && c <= 0x7e) {
			le->st = ST_NORMAL;
			key_csi(le, (char)c);
		} else if (c >= 0x20 && c <= 0x3f && le->seq_len < ESC_SEQ_MAX) {
			le->seq[le->seq_len++] = (char)c;
			le->seq[le->seq_len] = '\0';
		} else {
			/* Not a sequence after all (or an endless one): drop it, flag the line. */
			le->st = ST_NORMAL;
			le->tainted = true;
			bell(le);
		}
		return ANPR_LE_NONE;
	case ST_NORMAL:
		break;
	}
	if (c == 0x1b) {
		le->st = ST_ESC;
		return ANPR_LE_NONE;
	}
	if (c == '\r') {
		le->after_cr = true;
		return enter(le);
	}
	if (c == '\n')
		return was_cr ? ANPR_LE_NONE : enter(le); /* CRLF is one Enter */
	if (c == '\0' && was_cr) {
		le->after_cr = false; /* telnet-style CR NUL */
		return ANPR_LE_NONE;
	}
	if (c < 0x20 || c == 0x7f)
		return control(le, c);
	if (c >= 0x80) {
		le->tainted = true;
		bell(le);
		return ANPR_LE_NONE;
	}
	insert(le, (char)c);
	return ANPR_LE_NONE;
}

const char *anpr_le_line(const anpr_le *le)
{
	return le->buf;
}

const char *anpr_le_reason(const anpr_le *le)
{
	return le->reason ? le->reason : "";
}

void anpr_le_hide(anpr_le *le)
{
	if (!le->shown)
		return;
	if (le->ansi) {
		emits(le, "\r\x1b[K");
	} else {
		size_t n = le->plen + le->drawn;
		emit(le, "\r", 1);
		for (size_t i = 0; i < n; i++)
			emit(le, " ", 1);
		emit(le, "\r", 1);
	}
	le->drawn = 0;
	le->shown = false;
}

void anpr_le_show(anpr_le *le)
{
	if (!le->shown)
		refresh(le);
}

const char *anpr_le_output(const anpr_le *le, size_t *len)
{
	*len = le->out_len;
	return le->out;
}

void anpr_le_drain(anpr_le *le)
{
	le->out_len = 0;
}

const char *anpr_le_buffer(const anpr_le *le)
{
	return le->buf;
}

size_t anpr_le_cursor(const anpr_le *le)
{
	return le->pos;
}
