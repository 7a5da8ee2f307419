/* SPDX-License-Identifier: MIT */
/* The frame-source backends source.c dispatches to: replay (C) and libcamera (C++ adapter). */
#ifndef ANPR_SOURCE_INTERNAL_H
#define ANPR_SOURCE_INTERNAL_H

#include "err.h"
#include "opencv_c.h"
#include "source.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a backend reports at open for anpr_source_geometry(). */
typedef struct anpr_source_geom {
	int width, height;
	double fps;
} anpr_source_geom;

/*
 * Each backend has the shape of the public interface: open (cfg already
 * checked by source.c, borrowed), next, interrupt (any thread), close
 * (accepts NULL). Return codes are those documented in source.h.
 */

/* Replay of a video file (ANPR_SOURCE_FILE) or an image folder (ANPR_SOURCE_DIR); source_replay.c. */
typedef struct anpr_replay anpr_replay;

ANPR_MUST_CHECK anpr_err anpr_replay_open(const anpr_source_cfg *cfg, anpr_replay **out,
					  anpr_source_geom *geom);
ANPR_MUST_CHECK anpr_err anpr_replay_next(anpr_replay *r, anpr_image *dst, anpr_frame_info *info,
					  int64_t timeout_ms);
void anpr_replay_interrupt(anpr_replay *r);
void anpr_replay_close(anpr_replay *r);

/* The board camera through libcamera (ANPR_SOURCE_CAMERA); source_libcamera_cxx.cpp, built with ANPR_HAVE_LIBCAMERA. */
typedef struct anpr_libcamera anpr_libcamera;

ANPR_MUST_CHECK anpr_err anpr_libcamera_open(const anpr_source_cfg *cfg, anpr_libcamera **out,
					     anpr_source_geom *geom);
ANPR_MUST_CHECK anpr_err anpr_libcamera_next(anpr_libcamera *c, anpr_image *dst, anpr_frame_info *info,
					     int64_t timeout_ms);
void anpr_libcamera_interrupt(anpr_libcamera *c);
void anpr_libcamera_close(anpr_libcamera *c);

/*
 * Logging for the C++ adapter, which cannot include log.h (it uses C11
 * atomics). level is an anpr_log_level; site numbers one call site (0 ..
 * ANPR_SOURCE_LOG_SITES - 1) so each keeps its own rate limit. Any thread.
 */
#define ANPR_SOURCE_LOG_SITES 64
void anpr_source_log(unsigned site, int level, const char *fmt, ...) ANPR_PRINTF(3, 4);

#ifdef __cplusplus
}
#endif

#endif
