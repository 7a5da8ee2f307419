/* SPDX-License-Identifier: MIT */
/* A line editor for raw serial lines and ptys: a byte-at-a-time state machine that never blocks. */
#ifndef ANPR_LINEEDIT_H
#define ANPR_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The editor is fed one input byte at a time (anpr_le_feed) and writes what
 * the terminal must show into its own output buffer, which the caller sends
 * (anpr_le_output) and clears (anpr_le_drain). It does no I/O, so a slow
 * line (a byte every second), type-ahead and tests are all the same thing.
 *
 * Keys: printable ASCII; Backspace/DEL/Ctrl-H; Ctrl-U (kill to start);
 * Ctrl-W (kill word); Ctrl-A/E, Home/End; Ctrl-B/F, Left/Right; Ctrl-P/N,
 * Up/Down (history); Ctrl-L redraw; Tab completion; CR, LF or CRLF is one
 * Enter; Ctrl-C clears the line (ANPR_LE_INTERRUPT); Ctrl-D on an empty line
 * is ANPR_LE_EOF. Arrow keys come as CSI (ESC [ ...) or SS3 (ESC O ...)
 * sequences; unknown sequences are swallowed whole (bounded).
 *
 * Bytes that are not printable ASCII (binary garbage, UTF-8, partial UTF-8,
 * stray control characters) are not inserted: the terminal bell rings and the
 * line is marked tainted; Enter on a tainted or overlong line returns
 * ANPR_LE_REJECTED with a one-sentence reason, so nothing half-understood is
 * ever run. Commands are ASCII; nothing is lost by refusing the rest.
 *
 * Display: "ansi" mode uses CR, ESC[K and ESC[nC; plain mode (TERM=dumb)
 * redraws with CR and spaces only. A line wider than the terminal scrolls
 * horizontally. Threads: one thread per editor.
 */

#define ANPR_LE_MAX_LINE 256  /* characters in one line */
#define ANPR_LE_HISTORY 32    /* lines kept for Up/Down */
#define ANPR_LE_OUT_CAP 4096  /* bytes of pending terminal output */
#define ANPR_LE_MAX_PROMPT 64 /* prompt characters */
#define ANPR_LE_MAX_CANDIDATES 32

typedef struct anpr_le anpr_le;

typedef enum anpr_le_event {
	ANPR_LE_NONE,      /* keep feeding */
	ANPR_LE_LINE,      /* a line is ready: anpr_le_line() */
	ANPR_LE_EOF,       /* Ctrl-D on an empty line */
	ANPR_LE_INTERRUPT, /* Ctrl-C: the line was cleared */
	ANPR_LE_REJECTED,  /* Enter on a line that was overlong or held non-text bytes: anpr_le_reason() */
} anpr_le_event;

/*
 * Completion: given the line up to the cursor (len bytes), fills cands with
 * up to max words that could complete the word under the cursor (whole
 * words, static strings) and returns how many.
 */
typedef size_t (*anpr_le_complete_fn)(void *ctx, const char *line, size_t len, const char **cands,
				      size_t max);

/* Creates an editor for a terminal cols wide (20..1000); ansi selects escape sequences. NULL on no memory. */
anpr_le *anpr_le_new(int cols, bool ansi);
void anpr_le_free(anpr_le *le);

void anpr_le_set_completion(anpr_le *le, anpr_le_complete_fn fn, void *ctx);

/*
 * Starts a new line: sets the prompt (cut at ANPR_LE_MAX_PROMPT), empties
 * the buffer and draws the prompt. echo false hides what is typed (passwords)
 * and keeps the line out of history and completion.
 */
void anpr_le_start(anpr_le *le, const char *prompt, bool echo);

/* Feeds one input byte; see anpr_le_event. */
anpr_le_event anpr_le_feed(anpr_le *le, unsigned char byte);

/* The line after ANPR_LE_LINE: NUL-terminated, valid until the next start. */
const char *anpr_le_line(const anpr_le *le);

/* Why the last line was refused (after ANPR_LE_REJECTED). */
const char *anpr_le_reason(const anpr_le *le);

/* Adds a line to history (empty lines and repeats of the last are skipped). */
void anpr_le_history_add(anpr_le *le, const char *line);

/*
 * For output that arrives while a line is being edited (log lines, notices):
 * hide erases the prompt and line, show draws them again as they were, so
 * the text printed in between never garbles the line being typed.
 */
void anpr_le_hide(anpr_le *le);
void anpr_le_show(anpr_le *le);

/* Pending terminal output and its length; anpr_le_drain() forgets it once sent. */
const char *anpr_le_output(const anpr_le *le, size_t *len);
void anpr_le_drain(anpr_le *le);

/* For tests: the buffer being edited (NUL-terminated) and the cursor position in it. */
const char *anpr_le_buffer(const anpr_le *le);
size_t anpr_le_cursor(const anpr_le *le);

#endif
