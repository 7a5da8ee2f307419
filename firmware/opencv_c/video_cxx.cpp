/* SPDX-License-Identifier: MIT */
/* The C++ side of opencv_video.h: video files through OpenCV's FFmpeg backend. */
#include <cstring>
#include <memory>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opencv2/videoio.hpp>

#include "opencv_c_internal_cxx.hpp"
#include "opencv_video.h"

using namespace anpr_cvx;

struct anpr_video_reader {
	cv::VideoCapture cap;
	int width, height; /* the stream's; every frame must match */
	double fps;        /* as recorded; 0 when unknown */
	/*
	 * Lazy MJPEG (anpr_video_lazy): frames are read undecoded (OpenCV's raw
	 * mode) into packet, and decoded on retrieve. Otherwise each grab decodes
	 * into frame.
	 */
	bool mjpeg, raw;
	cv::Mat packet, frame;
	bool grabbed;  /* a frame is held for retrieve */
	int64_t index; /* frames grabbed */
};

struct anpr_video_writer {
	cv::VideoWriter out;
	std::string path;
	int width, height;
};

extern "C" {

anpr_err anpr_video_open(const char *path, anpr_video_reader **out, anpr_video_info *info)
{
	struct stat st;

	if (!path || !out || !info)
		return ANPR_ERR_INVAL;
	*out = nullptr;
	*info = anpr_video_info{};
	info->frames = -1;
	/* FFmpeg cannot tell a missing file from a bad one; a regular file that opens is our "readable". */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ANPR_ERR_IO;
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	if (!regular)
		return ANPR_ERR_IO;
	return guarded(ANPR_ERR_DECODE, [&] {
		std::unique_ptr<anpr_video_reader> r(new anpr_video_reader());
		if (!r->cap.open(path, cv::CAP_FFMPEG))
			return ANPR_ERR_DECODE;
		double w = r->cap.get(cv::CAP_PROP_FRAME_WIDTH), h = r->cap.get(cv::CAP_PROP_FRAME_HEIGHT);
		if (!(w >= 1 && h >= 1))
			return ANPR_ERR_DECODE;
		if (w > ANPR_IMAGE_MAX_SIDE || h > ANPR_IMAGE_MAX_SIDE || w * h > ANPR_IMAGE_MAX_PIXELS)
			return ANPR_ERR_TOO_BIG;
		r->width = static_cast<int>(w);
		r->height = static_cast<int>(h);
		double fps = r->cap.get(cv::CAP_PROP_FPS), frames = r->cap.get(cv::CAP_PROP_FRAME_COUNT);
		r->fps = std::isfinite(fps) && fps > 0 && fps <= 1000 ? fps : 0;
		char fourcc[4];
		int cc = static_cast<int>(r->cap.get(cv::CAP_PROP_FOURCC));
		for (int i = 0; i < 4; i++)
			fourcc[i] = static_cast<char>((cc >> (8 * i)) & 0xff);
		r->mjpeg = memcmp(fourcc, "MJPG", 4) == 0;
		info->width = r->width;
		info->height = r->height;
		info->fps = std::isfinite(fps) && fps > 0 ? fps : 0;
		info->frames = frames >= 1 && frames < 1e15 ? std::llround(frames) : -1;
		*out = r.release();
		return ANPR_ERR_OK;
	});
}

bool anpr_video_lazy(anpr_video_reader *r)
{
	if (!r || r->index > 0 || !r->mjpeg || !(r->fps > 0))
		return r && r->raw;
	try {
		/* Raw mode has no presentation times: frames are numbered at the rate (an AVI's times are its frame numbers). */
		r->raw = r->cap.set(cv::CAP_PROP_FORMAT, -1);
	} catch (...) {
		r->raw = false;
	}
	return r->raw;
}

anpr_err anpr_video_grab(anpr_video_reader *r, int64_t *pts_ms)
{
	if (!r || !pts_ms)
		return ANPR_ERR_INVAL;
	return guarded(ANPR_ERR_DECODE, [&] {
		if (!r->cap.grab())
			return ANPR_ERR_CLOSED; /* the frame held before stays retrievable */
		r->grabbed = false;
		r->index++;
		if (r->raw) {
			if (!r->cap.retrieve(r->packet) || r->packet.empty() || r->packet.depth() != CV_8U)
				return ANPR_ERR_DECODE;
			*pts_ms = std::llround(static_cast<double>(r->index - 1) * 1000.0 / r->fps);
		} else {
			if (!r->cap.retrieve(r->frame))
				return ANPR_ERR_DECODE;
			double ms = r->cap.get(cv::CAP_PROP_POS_MSEC);
			*pts_ms = std::fabs(ms) < 1e15 ? std::llround(ms) : 0;
		}
		r->grabbed = true;
		return ANPR_ERR_OK;
	});
}

anpr_err anpr_video_retrieve(anpr_video_reader *r, anpr_image *dst)
{
	if (!r || !dst || !r->grabbed)
		return ANPR_ERR_INVAL;
	if (r->raw) {
		/* The packet is untrusted bytes: the hardened still-image decoder takes it. */
		const cv::Mat &p = r->packet;
		anpr_err err =
		    anpr_cv_decode(p.ptr<uint8_t>(), p.total() * p.elemSize(), ANPR_CV_LOAD_COLOR, dst);
		if (err == ANPR_ERR_NOMEM)
			return err;
		if (err || dst->width != r->width || dst->height != r->height || dst->channels != 3)
			return ANPR_ERR_DECODE;
		return ANPR_ERR_OK;
	}
	return guarded(ANPR_ERR_DECODE, [&] {
		const cv::Mat &f = r->frame;
		if (f.cols != r->width || f.rows != r->height || f.type() != CV_8UC3)
			return ANPR_ERR_DECODE;
		anpr_err err = anpr_image_alloc(dst, r->width, r->height, 3);
		if (err)
			return err;
		cv::Mat out = wrap(dst);
		f.copyTo(out);
		return ANPR_ERR_OK;
	});
}

anpr_err anpr_video_read(anpr_video_reader *r, anpr_image *dst, int64_t *pts_ms)
{
	if (!r || !dst || !pts_ms)
		return ANPR_ERR_INVAL;
	if (r->raw) {
		anpr_err err = anpr_video_grab(r, pts_ms);
		return err ? err : anpr_video_retrieve(r, dst);
	}
	/* Eagerly: decoded and converted straight into dst, without the copy anpr_video_retrieve() makes. */
	return guarded(ANPR_ERR_DECODE, [&] {
		anpr_err err = anpr_image_alloc(dst, r->width, r->height, 3);
		if (err)
			return err;
		cv::Mat out = wrap(dst);
		if (!r->cap.grab())
			return ANPR_ERR_CLOSED;
		r->grabbed = false; /* the frame goes to dst, not to frame */
		r->index++;
		/* OpenCV reallocates a frame of another size or type instead of writing into dst. */
		if (!r->cap.retrieve(out) || out.data != dst->data)
			return ANPR_ERR_DECODE;
		double ms = r->cap.get(cv::CAP_PROP_POS_MSEC);
		*pts_ms = std::fabs(ms) < 1e15 ? std::llround(ms) : 0;
		return ANPR_ERR_OK;
	});
}

void anpr_video_close(anpr_video_reader *r)
{
	if (!r)
		return;
	try {
		r->cap.release();
	} catch (...) {
		/* nothing more to do: the handle goes anyway */
	}
	delete r;
}

anpr_err anpr_video_create(const char *path, const char *fourcc, double fps, int width, int height,
			   anpr_video_writer **out)
{
	if (!out)
		return ANPR_ERR_INVAL;
	*out = nullptr;
	if (!path || !fourcc || strnlen(fourcc, 5) != 4 || !(fps > 0 && fps <= 1000) ||
	    !size_ok(width, height))
		return ANPR_ERR_INVAL;
	return guarded(ANPR_ERR_IO, [&] {
		std::unique_ptr<anpr_video_writer> w(new anpr_video_writer());
		int cc = cv::VideoWriter::fourcc(fourcc[0], fourcc[1], fourcc[2], fourcc[3]);
		if (!w->out.open(path, cv::CAP_FFMPEG, cc, fps, cv::Size(width, height), true))
			return ANPR_ERR_IO;
		w->path = path;
		w->width = width;
		w->height = height;
		*out = w.release();
		return ANPR_ERR_OK;
	});
}

anpr_err anpr_video_write(anpr_video_writer *w, const anpr_image *frame)
{
	if (!w || !valid(frame) || frame->channels != 3 || frame->width != w->width ||
	    frame->height != w->height)
		return ANPR_ERR_INVAL;
	return guarded(ANPR_ERR_ENCODE, [&] {
		w->out.write(wrap(frame));
		return ANPR_ERR_OK;
	});
}

anpr_err anpr_video_finish(anpr_video_writer *w)
{
	if (!w)
		return ANPR_ERR_INVAL;
	/* VideoWriter reports nothing on failure; a file that exists and is not empty is the best sign. */
	anpr_err err = guarded(ANPR_ERR_IO, [&] {
		struct stat st;
		w->out.release();
		return stat(w->path.c_str(), &st) == 0 && st.st_size > 0 ? ANPR_ERR_OK : ANPR_ERR_IO;
	});
	delete w;
	return err;
}

} /* extern "C" */
