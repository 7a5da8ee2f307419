/* SPDX-License-Identifier: MIT */
/* The clip manifest (tests/clips/standard.ini): named sets of synthetic clips with their thresholds; a strict INI reader. */
#ifndef ANPR_MANIFEST_H
#define ANPR_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define ANPR_MANIFEST_MAX_BYTES (256u << 10)
#define ANPR_MANIFEST_MAX_LINE 1024
#define ANPR_MANIFEST_MAX_CLIPS 256
#define ANPR_MANIFEST_MAX_SETS 16
#define ANPR_MANIFEST_NAME_MAX 48

/* A set's thresholds; the replay fails below them. Plain data. */
typedef struct anpr_manifest_set {
	char name[ANPR_MANIFEST_NAME_MAX + 1];
	double captured_min_pct, exact_min_pct, misread_max_pct, false_reads_max_pct;
	long duplicates_max, latency_p95_max_ms;
	bool realtime; /* pace = realtime (default) or fast */
	int line;
} anpr_manifest_set;

/* One clip: how to make it. Plain data. */
typedef struct anpr_manifest_clip {
	char name[ANPR_MANIFEST_NAME_MAX + 1];
	char synth[ANPR_MANIFEST_MAX_LINE]; /* the anpr-synth clip options, without --out/--truth/--jobs */
	char sets[ANPR_MANIFEST_MAX_LINE];  /* set names, space-separated */
	char ext[4];                        /* "avi" or "mp4" */
	int line;
} anpr_manifest_clip;

typedef struct anpr_manifest anpr_manifest;

/*
 * Parses a manifest. Strict: sections are [set NAME] (keys captured_min_pct, exact_min_pct,
 * misread_max_pct, duplicates_max, false_reads_max_pct, latency_p95_max_ms, all required;
 * pace optional) and [clip NAME] (synth, sets required; format optional); unknown or repeated
 * sections and keys, bad values, a clip naming an unknown set, and synth options the harness
 * sets itself are ANPR_ERR_FORMAT with diag naming file:line; ANPR_ERR_TOO_BIG beyond the caps.
 * The caller owns *out. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_manifest_parse(const char *name, const char *text, size_t len,
					     anpr_manifest **out, char *diag, size_t diag_len);
ANPR_MUST_CHECK anpr_err anpr_manifest_load(const char *path, anpr_manifest **out, char *diag,
					    size_t diag_len);
void anpr_manifest_free(anpr_manifest *m);

/* The set called name, or NULL. */
const anpr_manifest_set *anpr_manifest_find_set(const anpr_manifest *m, const char *name);
int anpr_manifest_clip_count(const anpr_manifest *m);
const anpr_manifest_clip *anpr_manifest_clip_at(const anpr_manifest *m, int i);
/* Whether clip c belongs to set name. */
bool anpr_manifest_clip_in(const anpr_manifest_clip *c, const char *set);

#endif
