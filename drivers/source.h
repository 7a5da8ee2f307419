/* SPDX-License-Identifier: MIT */
/* Frame sources behind one interface: the board camera (libcamera) and replay of recorded video or image folders. */
#ifndef ANPR_SOURCE_H
#define ANPR_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "opencv_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The pipeline asks a source for the next frame and hands it an image from
 * its pool to fill (allocated or reused as for opencv_c, so in steady state
 * nothing is allocated). Every frame carries when it was captured: for the
 * camera, the sensor timestamp mapped to UTC; for replay, the clip's start
 * time plus the recorded presentation time.
 *
 * Threads: a source belongs to the one capture thread that opened it, except
 * anpr_source_interrupt(), which any thread may call.
 */

typedef struct anpr_source anpr_source;

typedef enum anpr_source_kind {
	ANPR_SOURCE_CAMERA, /* the board's camera through libcamera */
	ANPR_SOURCE_FILE,   /* a video file: H.264 MP4, MJPEG AVI, MKV */
	ANPR_SOURCE_DIR,    /* a folder of JPEG/PNG/BMP images, read in name order (hidden files skipped) */
} anpr_source_kind;

typedef struct anpr_source_cfg {
	anpr_source_kind kind;
	const char *path; /* file or folder for replay; camera id or NULL (first camera) for CAMERA */
	/*
	 * Requested stream (camera: 0 takes the sensor's default) or expected
	 * size (replay: a frame of another size is skipped as ANPR_ERR_DECODE;
	 * 0 accepts any). Both 0 or both set.
	 */
	int width, height;
	double fps; /* camera rate (0: the sensor's); DIR: the rate the images were taken at (0: 25) */
	const char *pixel_format; /* camera: "YUV420" (NULL), "NV12", "RGB888", "MJPEG" */
	/*
	 * Camera limits from the board config (0: none). libcamera 0.0.3 has no
	 * AGC limits: the exposure becomes a fixed shutter, and the gain is held
	 * at gain_max while the AGC would go past it.
	 */
	int exposure_max_us;
	double gain_max;
	bool realtime; /* replay: pace frames at their recorded times, dropping none; false: flat out */
	int64_t start_utc_ms; /* replay: UTC time of the first frame; 0: the wall clock at open */
	bool grey;            /* deliver single-channel frames (IR sensors, or to save conversion) */
	int loops; /* FILE: play the clip this many times, times running on (soak tests); 0 or 1: once */
} anpr_source_cfg;

/* Where a frame came from and when. */
typedef struct anpr_frame_info {
	uint64_t seq;    /* frame number in the source from 0: frames skipped or dropped leave gaps */
	int64_t utc_ms;  /* capture time, UTC ms since the epoch */
	int64_t mono_ms; /* capture time on the monotonic clock (anpr_clock_mono_ms); replay: open + pts_ms */
	int64_t pts_ms;  /* replay: from the first frame (DIR: seq * 1000 / fps); camera: from the first */
} anpr_frame_info;

/*
 * Opens a source. cfg is borrowed. Errors: ANPR_ERR_INVAL for a bad cfg,
 * ANPR_ERR_NOT_FOUND (no such file, folder or camera), ANPR_ERR_UNSUPPORTED
 * (libcamera not built in, or a mode the sensor lacks), ANPR_ERR_DECODE (not
 * a video), ANPR_ERR_CAMERA (camera present but failed), ANPR_ERR_NOMEM,
 * and for replay ANPR_ERR_INVAL (a folder given as file: or the reverse),
 * ANPR_ERR_IO (unreadable), ANPR_ERR_TOO_BIG (a clip beyond
 * ANPR_IMAGE_MAX_SIDE, or a folder of over a million images). An empty
 * folder opens, and its first frame is ANPR_ERR_CLOSED. Logs the reason.
 * The caller owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_source_open(const anpr_source_cfg *cfg, anpr_source **out);

/*
 * Delivers the next frame into dst (BGR, or grey when cfg->grey) with its
 * info. Waits at most timeout_ms (<0: no limit) for the camera or for replay
 * pacing. Returns ANPR_ERR_CLOSED at the end of a clip or folder or after
 * anpr_source_interrupt(), ANPR_ERR_TIMEOUT, ANPR_ERR_DECODE for a frame that
 * cannot be decoded or has the wrong size (skipped: the next call goes on
 * with the following frame), ANPR_ERR_CAMERA when the camera has gone (the
 * caller closes and reopens with backoff), ANPR_ERR_NOMEM. After a timeout
 * nothing is lost: the next call delivers the frame that was not yet due.
 * The camera keeps the newest two frames; older ones are dropped (a gap in
 * seq) rather than starve the sensor of buffers.
 */
ANPR_MUST_CHECK anpr_err anpr_source_next(anpr_source *s, anpr_image *dst, anpr_frame_info *info,
					  int64_t timeout_ms);

/*
 * Makes a blocked or later anpr_source_next() return ANPR_ERR_CLOSED. Any
 * thread, but not concurrently with anpr_source_close(); async-signal-unsafe.
 */
void anpr_source_interrupt(anpr_source *s);

/*
 * Size and rate of the stream as opened (replay: as recorded; fps 0 when
 * unknown). DIR: the expected size, else the first image's (0 when
 * unreadable); the fps from cfg (0: 25). s NULL gives zeros.
 */
void anpr_source_geometry(const anpr_source *s, int *width, int *height, double *fps);

/* "camera", "file" or "dir" ("unknown" for anything else). */
const char *anpr_source_kind_name(anpr_source_kind kind);

/*
 * Parses a --source argument: "camera", "camera:ID", "file:PATH", "dir:PATH".
 * Sets kind and path (pointing into spec, which must outlive cfg). Returns
 * ANPR_ERR_INVAL with nothing changed for anything else.
 */
ANPR_MUST_CHECK anpr_err anpr_source_parse_spec(const char *spec, anpr_source_cfg *cfg);

/* Stops and frees the source; NULL is fine. The capture thread. */
void anpr_source_close(anpr_source *s);

#ifdef __cplusplus
}
#endif

#endif
