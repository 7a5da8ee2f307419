/* SPDX-License-Identifier: MIT */
/* The read: one vehicle passage as signed metadata (the JWS payload) and its two images. docs/read-format.md. */
#ifndef ANPR_READ_H
#define ANPR_READ_H

#include <stddef.h>
#include <stdint.h>

#include "clockstat.h"
#include "err.h"
#include "opencv_c.h"
#include "reader.h"
#include "sign.h"

#define ANPR_READ_FORMAT_VERSION 1
#define ANPR_READ_ID_BUF 96 /* device id (64) + "-" + 12-digit sequence number */

/* Everything the payload says; strings are borrowed. */
typedef struct anpr_read_meta {
	uint64_t seq; /* per device, from 1, never reused */
	const char *device, *site, *direction, *firmware;
	int lane;
	const char *vrm;
	anpr_plate_format format;
	float confidence;
	const anpr_read_candidate *alts; /* alternatives after the read itself */
	int n_alts;
	int64_t captured_utc_ms; /* the frame the images come from */
	int64_t first_seen_utc_ms, last_seen_utc_ms;
	int frames, agreeing;
	anpr_clock_state clock;
	/* Images, described by size and SHA-256 so the signature covers their bytes. */
	int patch_w, patch_h;
	size_t patch_bytes;
	uint8_t patch_sha256[ANPR_SHA256_LEN];
	int overview_w, overview_h;
	size_t overview_bytes;
	uint8_t overview_sha256[ANPR_SHA256_LEN];
	anpr_rect plate_box;                  /* in overview pixels */
	uint8_t prev_sha256[ANPR_SHA256_LEN]; /* of the previous read's JWS; zeros for the first */
} anpr_read_meta;

/* "<device>-<seq as 12 digits>": sorts in capture order per device. Returns false if it does not fit. */
bool anpr_read_id(const char *device, uint64_t seq, char *buf, size_t len);

/*
 * Writes the payload JSON (compact, fixed key order) into a malloc'd,
 * NUL-terminated buffer the caller frees. Errors: ANPR_ERR_INVAL,
 * ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_read_payload(const anpr_read_meta *m, char **json, size_t *len);

#endif
