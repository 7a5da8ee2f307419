/* SPDX-License-Identifier: MIT */
/* One clip through the real firmware: anprd (host or under qemu) with its uplink to anpr-bofsim, reads collected and scored. */
#ifndef ANPR_REPLAY_RUN_H
#define ANPR_REPLAY_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "score.h"
#include "truth.h"

/* How to run (borrowed strings). */
typedef struct anpr_replay_cfg {
	const char *anprd, *bofsim, *pki_script;
	const char *qemu_sysroot; /* non-NULL: qemu-aarch64 -L SYSROOT ANPRD */
	const char *board;        /* anprd --board, or NULL */
	bool realtime;            /* pipeline.replay_pace */
	int linger_s;             /* anprd --linger */
	bool keep;                /* keep the work directory (its path goes to stderr) */
} anpr_replay_cfg;

/* What one run measured. reads is owned (free with anpr_replay_result_clear). */
typedef struct anpr_replay_result {
	anpr_score_result score;
	anpr_score_read *reads;
	int n_reads;
	int64_t frames_captured, frames_read, frames_dropped, frames_bad, reads_stored, rejected;
	int64_t
	    frames_skipped; /* of frames_dropped: late frames a real-time replay let go, as a camera would */
	int width, height;
	double clip_fps, seconds, fps, peak_rss_mib;
	bool latency_valid; /* real-time pacing: wall time means something */
	bool t0_from_log;   /* frame 0's wall time from anprd's log line (else the spawn: conservative) */
	int64_t startup_ms; /* spawn to READY=1, -1 when not heard */
} anpr_replay_result;

/*
 * Runs video through anprd with cfg, the reads going to a fresh anpr-bofsim over mutual TLS
 * (throwaway device key and dev PKI in a temporary directory), and scores them against
 * truth (NULL: counts only; truth_name for messages). Before running: the container is
 * checked for truncation and the video's size, rate and recorded frame count against the
 * truth's header; after: the frames anprd decoded against the header. Returns
 * ANPR_ERR_FORMAT for bad input (diag names the file and the line), ANPR_ERR_IO,
 * ANPR_ERR_TIMEOUT or ANPR_ERR_INTERNAL when a tool failed (diag says which, with its log's
 * tail), ANPR_ERR_NOMEM. Main thread only (it forks and waits).
 */
ANPR_MUST_CHECK anpr_err anpr_replay_run(const anpr_replay_cfg *cfg, const char *video,
					 const anpr_truth *truth, const char *truth_name,
					 anpr_replay_result *out, char *diag, size_t diag_len);

void anpr_replay_result_clear(anpr_replay_result *r);

/* A command line built from borrowed strings, copied (exec wants char *). Plain data. */
typedef struct anpr_replay_argv {
	char buf[16384];
	size_t used;
	char *v[128];
	int n;
	bool overflow;
} anpr_replay_argv;

/* Appends s (copied); sets overflow instead when it does not fit. */
void anpr_replay_argv_add(anpr_replay_argv *a, const char *s);

#endif
