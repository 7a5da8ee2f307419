/* SPDX-License-Identifier: MIT */
/* Client side of the anprd control protocol (docs/control-protocol.md): one JSON line each way. */
#ifndef ANPR_CTL_H
#define ANPR_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "json.h"

/*
 * A connection to anprd's control socket. Requests are written as one line;
 * replies and stream events are read line by line (each at most
 * ANPR_CTL_MAX_LINE bytes, longer is ANPR_ERR_TOO_BIG and the connection is
 * dropped) and parsed strictly. Nothing from anprd is trusted to be short,
 * well-formed or printable: callers print strings through the terminal's
 * sanitising writer. Threads: one thread per connection.
 */

#define ANPR_CTL_MAX_LINE (1024 * 1024)

typedef struct anpr_ctl anpr_ctl;

/*
 * Connects to path and reads the hello line within timeout_ms. Errors:
 * ANPR_ERR_NOT_FOUND (no socket: anprd not running), ANPR_ERR_PERMISSION,
 * ANPR_ERR_TIMEOUT, ANPR_ERR_FORMAT (no valid hello), ANPR_ERR_IO.
 */
ANPR_MUST_CHECK anpr_err anpr_ctl_open(const char *path, int timeout_ms, anpr_ctl **out, char *diag,
				       size_t diag_len);
void anpr_ctl_close(anpr_ctl *c);

/* From the hello line; "" when absent. */
const char *anpr_ctl_firmware(const anpr_ctl *c);
const char *anpr_ctl_device(const anpr_ctl *c);

/* The socket, for poll(). */
int anpr_ctl_fd(const anpr_ctl *c);

/*
 * Sends {"id":N,"cmd":cmd,"args":args_json} (args_json is a JSON object
 * text made by the caller, or NULL) and returns its id in *id.
 */
ANPR_MUST_CHECK anpr_err anpr_ctl_send(anpr_ctl *c, const char *cmd, const char *args_json, int64_t *id);

/*
 * Waits up to timeout_ms for the next line belonging to id. *final is true
 * for the reply ({"ok":...}), false for an event; *msg (caller frees with
 * anpr_json_free) is the whole parsed line. Errors: ANPR_ERR_TIMEOUT,
 * ANPR_ERR_CLOSED, ANPR_ERR_FORMAT, ANPR_ERR_TOO_BIG, ANPR_ERR_IO.
 */
ANPR_MUST_CHECK anpr_err anpr_ctl_next(anpr_ctl *c, int64_t id, int timeout_ms, anpr_json **msg, bool *final);

/*
 * A whole request: send, wait for the final reply. When the reply has
 * "ok": false, returns ANPR_ERR_INVAL (or the code it names when known) and
 * copies its message to diag; *result then is NULL. On success *result is
 * the reply (its "result" member holds the payload); caller frees it.
 */
ANPR_MUST_CHECK anpr_err anpr_ctl_call(anpr_ctl *c, const char *cmd, const char *args_json, int timeout_ms,
				       anpr_json **reply, char *diag, size_t diag_len);

/* Asks anprd to end stream id (a "cancel" request; its answer is read and dropped by anpr_ctl_next). */
ANPR_MUST_CHECK anpr_err anpr_ctl_cancel(anpr_ctl *c, int64_t id);

/* Small accessors on parsed replies: path is "a.b.c"; NULL/false when absent or of another type. */
const anpr_json *anpr_ctl_path(const anpr_json *v, const char *path);
const char *anpr_ctl_str(const anpr_json *v, const char *path);
bool anpr_ctl_num(const anpr_json *v, const char *path, double *out);
bool anpr_ctl_bool(const anpr_json *v, const char *path, bool *out);

#endif
