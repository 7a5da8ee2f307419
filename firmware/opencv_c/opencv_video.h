/* SPDX-License-Identifier: MIT */
/* Reading and writing video files (MP4/H.264, AVI/MJPEG, MKV) through OpenCV's FFmpeg backend. */
#ifndef ANPR_OPENCV_VIDEO_H
#define ANPR_OPENCV_VIDEO_H

#include <stdint.h>

#include "opencv_c.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A separate library (anpr_opencv_video) from opencv_c: OpenCV's video module
 * pulls in FFmpeg and GStreamer, some 50 MB of resident libraries that only
 * the replay frame source needs, not the plate reader.
 */

typedef struct anpr_video_reader anpr_video_reader;
typedef struct anpr_video_writer anpr_video_writer;

typedef struct anpr_video_info {
	int width, height;
	double fps;     /* as recorded; 0 when unknown */
	int64_t frames; /* as recorded; -1 when unknown */
} anpr_video_info;

/*
 * Opens a video file (MP4/H.264, AVI/MJPEG, MKV) through FFmpeg. Returns
 * ANPR_ERR_IO when it cannot be opened, ANPR_ERR_DECODE when it has no
 * decodable video, ANPR_ERR_TOO_BIG beyond ANPR_IMAGE_MAX_SIDE. The caller
 * owns *out. One thread per reader.
 */
ANPR_MUST_CHECK anpr_err anpr_video_open(const char *path, anpr_video_reader **out, anpr_video_info *info);

/*
 * Decodes the next frame as BGR into dst, with its presentation time in ms
 * from the start of the stream. Returns ANPR_ERR_CLOSED at the end of the
 * stream and ANPR_ERR_DECODE for a frame that cannot be decoded or whose size
 * differs from the stream's.
 */
ANPR_MUST_CHECK anpr_err anpr_video_read(anpr_video_reader *r, anpr_image *dst, int64_t *pts_ms);

void anpr_video_close(anpr_video_reader *r);

/*
 * Creates a video file. fourcc is a 4-character code ("MJPG" for AVI,
 * "mp4v" or "avc1" for MP4); frames are BGR of width x height.
 */
ANPR_MUST_CHECK anpr_err anpr_video_create(const char *path, const char *fourcc, double fps, int width,
					   int height, anpr_video_writer **out);
ANPR_MUST_CHECK anpr_err anpr_video_write(anpr_video_writer *w, const anpr_image *frame);
/* Finishes the file; returns ANPR_ERR_IO if it could not be completed. Frees w. */
ANPR_MUST_CHECK anpr_err anpr_video_finish(anpr_video_writer *w);

#ifdef __cplusplus
}
#endif

#endif
