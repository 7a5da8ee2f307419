/* SPDX-License-Identifier: MIT */
/* Helpers shared by the opencv_c adapter files: argument checks, Mat wrapping, exception guard. */
#ifndef ANPR_OPENCV_C_INTERNAL_CXX_HPP
#define ANPR_OPENCV_C_INTERNAL_CXX_HPP

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "opencv_c.h"

namespace anpr_cvx
{

static_assert(sizeof(anpr_point) == sizeof(cv::Point2f), "anpr_point must be laid out as cv::Point2f");

/*
 * Slack after the last pixel of every allocated image: FFmpeg's SIMD (swscale, fed by cv::VideoWriter)
 * reads up to a vector past the end of its input. OpenCV keeps that within the page; this keeps it
 * within our block, so valgrind stays quiet.
 */
constexpr size_t kTailPad = 64;

/* Bound on drawing and point coordinates: OpenCV's rasteriser shifts them left by 16 bits. */
constexpr float kMaxCoord = 2.0f * ANPR_IMAGE_MAX_SIDE;

/* Runs body and returns its result; an exception becomes an error code instead of crossing into C. */
template <typename F> anpr_err guarded(anpr_err on_cv_error, F &&body)
{
	try {
		return body();
	} catch (const cv::Exception &e) {
		return e.code == cv::Error::StsNoMem ? ANPR_ERR_NOMEM : on_cv_error;
	} catch (const std::bad_alloc &) {
		return ANPR_ERR_NOMEM;
	} catch (...) {
		return ANPR_ERR_INTERNAL;
	}
}

inline bool valid(const anpr_image *img)
{
	return img && img->data && img->width >= 1 && img->width <= ANPR_IMAGE_MAX_SIDE && img->height >= 1 &&
	       img->height <= ANPR_IMAGE_MAX_SIDE && (img->channels == 1 || img->channels == 3) &&
	       img->stride >= static_cast<size_t>(img->width) * static_cast<size_t>(img->channels) &&
	       img->stride <= INT_MAX;
}

inline bool grey(const anpr_image *img)
{
	return valid(img) && img->channels == 1;
}

/* True when img's pixels lie in the buffer dst owns, so reallocating or freeing dst would pull them away. */
inline bool inside(const anpr_image *img, const anpr_image *dst)
{
	auto p = reinterpret_cast<uintptr_t>(img->data), base = reinterpret_cast<uintptr_t>(dst->data);

	return dst->owned && dst->data && p >= base && p - base < dst->capacity;
}

/* A valid src and a separate dst that does not hold src's pixels. */
inline bool src_dst(const anpr_image *src, const anpr_image *dst)
{
	return valid(src) && dst && src != dst && !inside(src, dst);
}

inline bool size_ok(int width, int height)
{
	return width >= 1 && width <= ANPR_IMAGE_MAX_SIDE && height >= 1 && height <= ANPR_IMAGE_MAX_SIDE;
}

inline bool points_ok(const anpr_point *pts, size_t n)
{
	if (!pts || n == 0 || n > INT_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		/* Written so that NaN fails too. */
		if (!(std::fabs(pts[i].x) <= kMaxCoord && std::fabs(pts[i].y) <= kMaxCoord))
			return false;
	}
	return true;
}

/*
 * The raw value of an enum argument. C may pass any int, and in C++ even reading an enum object whose value
 * lies outside its enumerators' range is undefined (UBSan's -fsanitize=enum traps), so copy the bytes out.
 */
template <typename E> int raw(const E &e)
{
	static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
	int v;
	memcpy(&v, &e, sizeof(v));
	return v;
}

inline bool interp_flag(const anpr_cv_interp &interp, int *flag)
{
	switch (raw(interp)) {
	case ANPR_CV_INTER_NEAREST:
		*flag = cv::INTER_NEAREST;
		return true;
	case ANPR_CV_INTER_LINEAR:
		*flag = cv::INTER_LINEAR;
		return true;
	case ANPR_CV_INTER_AREA:
		*flag = cv::INTER_AREA;
		return true;
	case ANPR_CV_INTER_CUBIC:
		*flag = cv::INTER_CUBIC;
		return true;
	}
	return false;
}

/* A Mat header over img's pixels; nothing is copied. */
inline cv::Mat wrap(const anpr_image *img)
{
	return cv::Mat(img->height, img->width, CV_8UC(img->channels), const_cast<uint8_t *>(img->data),
		       img->stride);
}

/* Makes dst hold m. OpenCV normally wrote into dst's memory; it reallocates when the size or type differs. */
inline anpr_err settle(const cv::Mat &m, anpr_image *dst)
{
	if (m.data == dst->data && m.cols == dst->width && m.rows == dst->height &&
	    m.channels() == dst->channels)
		return ANPR_ERR_OK;
	if (m.dims != 2 || m.depth() != CV_8U || (m.channels() != 1 && m.channels() != 3))
		return ANPR_ERR_INTERNAL;
	anpr_err err = anpr_image_alloc(dst, m.cols, m.rows, m.channels());
	if (err)
		return err;
	cv::Mat out = wrap(dst);
	m.copyTo(out);
	return ANPR_ERR_OK;
}

/*
 * The shape of most entry points: wrap src, size dst, let op write into dst's memory. src is wrapped
 * before dst is allocated so that src == dst (morphology) keeps reading the original pixels.
 */
template <typename F>
inline anpr_err run(const anpr_image *src, anpr_image *dst, int width, int height, int channels, F &&op)
{
	return guarded(ANPR_ERR_INTERNAL, [&] {
		const cv::Mat in = wrap(src);
		anpr_err err = anpr_image_alloc(dst, width, height, channels);
		if (err)
			return err;
		cv::Mat out = wrap(dst);
		op(in, out);
		return settle(out, dst);
	});
}

} // namespace anpr_cvx

#endif
