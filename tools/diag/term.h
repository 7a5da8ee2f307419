/* SPDX-License-Identifier: MIT */
/* The console: raw mode on a serial line or pty, capabilities from TERM, waiting on keys and on anprd at once. */
#ifndef ANPR_TERM_H
#define ANPR_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "lineedit.h"

/*
 * Input is read from fd 0 byte by byte in raw mode (no echo, no canonical
 * mode, no signals from keys: Ctrl-C arrives as a byte) while output keeps
 * the kernel's newline translation, so "\n" prints as CRLF on the wire.
 * When fd 0 is not a terminal (scripts) nothing is changed, nothing is
 * echoed and SIGINT sets a flag instead. Output is always laid out for 80 columns. Colour
 * is used only when stdout is a terminal and TERM is set and not "dumb";
 * escape sequences for the line editor and redraws only when TERM is set
 * and not "dumb". The original terminal settings are put back at exit and on
 * fatal signals. Threads: main thread only.
 */

#define ANPR_TERM_COLS 80

typedef struct anpr_term anpr_term;

/* Sets the terminal up (see above). ANPR_ERR_NOMEM. */
ANPR_MUST_CHECK anpr_err anpr_term_open(anpr_term **out);
/* Restores the terminal and frees; NULL is fine. */
void anpr_term_close(anpr_term *t);

bool anpr_term_interactive(const anpr_term *t); /* fd 0 is a terminal */
bool anpr_term_ansi(const anpr_term *t);        /* cursor movement and erase sequences allowed */
bool anpr_term_colour(const anpr_term *t);      /* colour allowed */

typedef enum anpr_term_colour_id {
	ANPR_C_RESET,
	ANPR_C_RED,
	ANPR_C_GREEN,
	ANPR_C_YELLOW,
	ANPR_C_BOLD
} anpr_term_colour_id;
/* The escape sequence for a colour, or "" when colour is off. */
const char *anpr_term_c(const anpr_term *t, anpr_term_colour_id c);

/* The line editor bound to this terminal (owned by the terminal). */
anpr_le *anpr_term_editor(anpr_term *t);

/* Sends the editor's pending output. */
void anpr_term_flush_editor(anpr_term *t);

/*
 * Writes text that came from outside (anprd, logs, files): control and
 * non-ASCII bytes become '?', lines are cut at width columns with a '>'
 * mark (width 0: no cut), each ends with "\n". Breaks text at '\n'.
 */
void anpr_term_put_untrusted(anpr_term *t, const char *text, size_t width);

/* Printf to the console, flushed. */
void anpr_term_printf(anpr_term *t, const char *fmt, ...) ANPR_PRINTF(2, 3);

/* Raw bytes to the console (frames), unbuffered. */
void anpr_term_write(anpr_term *t, const void *data, size_t len);

typedef enum anpr_term_wait_result {
	ANPR_TERM_TIMEOUT, /* nothing within the time */
	ANPR_TERM_FD,      /* other_fd is readable */
	ANPR_TERM_STOP,    /* Ctrl-C (or with stop_keys: q, Q, Enter) */
	ANPR_TERM_HANGUP,  /* the console went away (EOF on fd 0) */
	ANPR_TERM_LINE,    /* with an editor: a typed-ahead line is ready (anpr_le_line) */
} anpr_term_wait_result;

/*
 * Waits up to timeout_ms (-1: no limit) for a key or other_fd (-1: none).
 * Keys go to the editor when edit is true (type-ahead while output
 * streams; then Ctrl-C is STOP and Enter is LINE), else only Ctrl-C (and q,
 * Q, CR, LF when stop_keys) mean anything and the rest are dropped.
 */
anpr_term_wait_result anpr_term_wait(anpr_term *t, int other_fd, int timeout_ms, bool edit, bool stop_keys);

/*
 * Reads one line with the editor (prompt, echo as anpr_le_start). Returns
 * ANPR_LE_LINE, ANPR_LE_EOF, ANPR_LE_INTERRUPT, ANPR_LE_REJECTED, or
 * ANPR_LE_NONE on idle timeout (idle_ms, -1 for none) or hangup (*hangup set).
 */
anpr_le_event anpr_term_readline(anpr_term *t, const char *prompt, bool echo, int idle_ms, bool *hangup);

/* Whether Ctrl-C came as a signal (non-interactive mode); clears the flag. */
bool anpr_term_take_sigint(anpr_term *t);

#endif
