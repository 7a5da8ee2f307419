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

/*
 * anpr_video_read() in two steps, for a reader that drops frames it is too
 * late for. anpr_video_grab() moves to the next frame and gives its
 * presentation time (ANPR_ERR_CLOSED at the end); anpr_video_retrieve()
 * decodes the frame last grabbed into dst as BGR, and still does after a grab
 * that found the end. Each grab decodes (most codecs need every frame to
 * decode the next) into the reader, and retrieve copies the frame out,
 * unless the reader was made lazy. Returns ANPR_ERR_DECODE
 * for a frame that cannot be decoded or whose size differs from the stream's,
 * ANPR_ERR_INVAL before the first grab.
 */
ANPR_MUST_CHECK anpr_err anpr_video_grab(anpr_video_reader *r, int64_t *pts_ms);
ANPR_MUST_CHECK anpr_err anpr_video_retrieve(anpr_video_reader *r, anpr_image *dst);

/*
 * Makes an MJPEG reader lazy, before its first grab: frames are read as their
 * compressed bytes and decoded only when retrieved, so a frame grabbed and
 * never retrieved costs next to nothing (4K: 0.1 ms against 30 ms). Frames
 * that are retrieved cost more (libjpeg through anpr_cv_decode, about 1.5 times
 * FFmpeg's decoder), so it pays only when most frames are dropped. Times are
 * then frame number over frame rate. Returns whether the reader is lazy: false
 * for other codecs, an unknown frame rate, or after the first grab.
 */
bool anpr_video_lazy(anpr_video_reader *r);

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
