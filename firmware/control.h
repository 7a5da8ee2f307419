/* SPDX-License-Identifier: MIT */
/* anprd's control interface: a local Unix socket answering the diagnostic CLI (docs/control-protocol.md). */
#ifndef ANPR_CONTROL_H
#define ANPR_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "pipeline.h"
#include "spool.h"
#include "uplink.h"

/*
 * One thread polls the listening socket and up to four clients, all
 * non-blocking: it never waits for a client, and a client whose unsent
 * output passes a cap (a stuck or slow reader) is dropped. It reads the
 * pipeline, spool and uplink only through their thread-safe getters; a
 * buffer integrity check runs on a thread of its own. Access is decided by
 * SO_PEERCRED (root, anprd's uid, or anprd's gid).
 *
 * anpr_control_start() and anpr_control_close() are called from the main
 * thread; the reload callback runs on the control thread.
 */

typedef struct anpr_control anpr_control;

typedef struct anpr_control_cfg {
	const char *socket_path; /* copied; must be non-empty (an empty key means: do not start) */
	/* Identity reported in hello and status; copied. */
	const char *firmware, *board, *device, *site;
	const char *store_dir;   /* for the disk figures; copied */
	double min_confidence;   /* ocr.min_confidence, for readtest's summary */
	anpr_pipeline *pipeline; /* borrowed, required; outlives the control interface */
	anpr_spool *spool;       /* borrowed; NULL with the folder store */
	anpr_uplink *uplink;     /* borrowed; NULL when no back office is configured */
	/* Re-reads the configuration like SIGHUP; diag gets "file:line: ..." on failure. Control thread. */
	anpr_err (*reload)(void *user, char *diag, size_t cap);
	void *reload_user;
	/*
	 * Board temperature in degrees C, or NAN when unknown; NULL until a
	 * thermal driver exists (status then reports temperature_c null).
	 */
	double (*temperature_c)(void *user);
	void *temperature_user;
} anpr_control_cfg;

/*
 * Creates the socket (a stale socket at the path is replaced; anything else
 * there is an error), mode 0660, and starts the thread. Errors:
 * ANPR_ERR_INVAL, ANPR_ERR_TOO_BIG (path longer than sun_path),
 * ANPR_ERR_IO / ANPR_ERR_PERMISSION (socket), ANPR_ERR_NOMEM. The caller
 * owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_control_start(const anpr_control_cfg *cfg, anpr_control **out);

/* Ends every stream and client, stops the thread, removes the socket and frees; NULL is fine. */
void anpr_control_close(anpr_control *c);

/*
 * Installs the log tee: every line still goes to stderr, and lines above
 * debug level are also kept (the last 2000) for the `log` command. Call
 * once from the main thread, early, before other threads start.
 */
void anpr_control_log_capture(void);

#endif
