/* SPDX-License-Identifier: MIT */
/* The C++ side of opencv_c.h: anpr_image memory wrapped in cv::Mat headers, every exception an anpr_err. */
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "opencv_c.h"

#include "opencv_c_internal_cxx.hpp"

using namespace anpr_cvx;

/*
 * Entry points that reach OpenCV or the C++ library run inside guarded(); the few that only do arithmetic,
 * malloc and POSIX I/O cannot throw.
 */
extern "C" {

anpr_err anpr_image_alloc(anpr_image *img, int width, int height, int channels)
{
	if (!img || !size_ok(width, height) || (channels != 1 && channels != 3))
		return ANPR_ERR_INVAL;
	size_t stride = static_cast<size_t>(width) * static_cast<size_t>(channels);
	size_t need = stride * static_cast<size_t>(height) + kTailPad;
	if (!img->owned || !img->data || img->capacity < need) {
		if (img->owned)
			free(img->data);
		*img = anpr_image{};
		img->data = static_cast<uint8_t *>(malloc(need));
		if (!img->data)
			return ANPR_ERR_NOMEM;
		img->owned = true;
		img->capacity = need;
	}
	img->width = width;
	img->height = height;
	img->channels = channels;
	img->stride = stride;
	return ANPR_ERR_OK;
}

void anpr_image_free(anpr_image *img)
{
	if (!img)
		return;
	if (img->owned)
		free(img->data);
	*img = anpr_image{};
}

anpr_err anpr_image_copy(const anpr_image *src, anpr_image *dst)
{
	if (!src_dst(src, dst))
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, src->channels,
		   [](const cv::Mat &in, cv::Mat &out) { in.copyTo(out); });
}

anpr_err anpr_image_view(const anpr_image *src, anpr_rect r, anpr_image *view)
{
	if (!valid(src) || !view || view == src || inside(src, view))
		return ANPR_ERR_INVAL;
	int64_t x0 = r.x > 0 ? r.x : 0, y0 = r.y > 0 ? r.y : 0;
	int64_t x1 = static_cast<int64_t>(r.x) + r.width, y1 = static_cast<int64_t>(r.y) + r.height;
	if (x1 > src->width)
		x1 = src->width;
	if (y1 > src->height)
		y1 = src->height;
	if (x1 <= x0 || y1 <= y0)
		return ANPR_ERR_INVAL;
	uint8_t *data =
	    src->data + static_cast<size_t>(y0) * src->stride + static_cast<size_t>(x0 * src->channels);
	anpr_image_free(view);
	view->width = static_cast<int>(x1 - x0);
	view->height = static_cast<int>(y1 - y0);
	view->channels = src->channels;
	view->stride = src->stride;
	view->data = data;
	return ANPR_ERR_OK;
}

/* Decode and encode (anpr_cv_decode() and the rest) are in codec.c, without OpenCV. */

anpr_err anpr_cv_convert(const anpr_image *src, anpr_image *dst, anpr_cv_colour code)
{
	int in_ch = 1, out_ch = 3, cv_code = -1;
	bool yuv = false;

	if (!src_dst(src, dst))
		return ANPR_ERR_INVAL;
	switch (raw(code)) {
	case ANPR_CV_BGR2GREY:
		in_ch = 3;
		out_ch = 1;
		cv_code = cv::COLOR_BGR2GRAY;
		break;
	case ANPR_CV_GREY2BGR:
		cv_code = cv::COLOR_GRAY2BGR;
		break;
	case ANPR_CV_RGB2BGR:
		in_ch = 3;
		cv_code = cv::COLOR_RGB2BGR;
		break;
	case ANPR_CV_I4202BGR:
		yuv = true;
		cv_code = cv::COLOR_YUV2BGR_I420;
		break;
	case ANPR_CV_NV122BGR:
		yuv = true;
		cv_code = cv::COLOR_YUV2BGR_NV12;
		break;
	case ANPR_CV_I4202GREY:
		yuv = true;
		out_ch = 1;
		cv_code = cv::COLOR_YUV2GRAY_I420;
		break;
	}
	if (cv_code < 0 || src->channels != in_ch || (yuv && (src->height % 3 != 0 || src->width % 2 != 0)))
		return ANPR_ERR_INVAL;
	int height = yuv ? src->height / 3 * 2 : src->height;
	return run(src, dst, src->width, height, out_ch,
		   [&](const cv::Mat &in, cv::Mat &out) { cv::cvtColor(in, out, cv_code); });
}

anpr_err anpr_cv_resize(const anpr_image *src, anpr_image *dst, int width, int height, anpr_cv_interp interp)
{
	int flag;

	if (!src_dst(src, dst) || !size_ok(width, height) || !interp_flag(interp, &flag))
		return ANPR_ERR_INVAL;
	return run(src, dst, width, height, src->channels,
		   [&](const cv::Mat &in, cv::Mat &out) { cv::resize(in, out, out.size(), 0, 0, flag); });
}

anpr_err anpr_cv_warp_quad(const anpr_image *src, const anpr_point quad[4], anpr_image *dst, int width,
			   int height, anpr_cv_interp interp)
{
	int flag;

	/* The corners map onto dst's corner pixel centres, so each side needs two pixels. */
	if (!src_dst(src, dst) || !size_ok(width, height) || width < 2 || height < 2 ||
	    !interp_flag(interp, &flag) || !points_ok(quad, 4) || anpr_cv_contour_area(quad, 4) < 1.0)
		return ANPR_ERR_INVAL;
	return run(src, dst, width, height, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
		const float w = static_cast<float>(width - 1), h = static_cast<float>(height - 1);
		const cv::Point2f from[4] = { { quad[0].x, quad[0].y },
					      { quad[1].x, quad[1].y },
					      { quad[2].x, quad[2].y },
					      { quad[3].x, quad[3].y } };
		const cv::Point2f to[4] = { { 0, 0 }, { w, 0 }, { w, h }, { 0, h } };
		cv::warpPerspective(in, out, cv::getPerspectiveTransform(from, to), out.size(), flag,
				    cv::BORDER_REPLICATE);
	});
}

anpr_err anpr_cv_warp_affine(const anpr_image *src, const double m[6], anpr_image *dst, int width, int height,
			     anpr_cv_interp interp)
{
	int flag;

	if (!src_dst(src, dst) || !m || !size_ok(width, height) || !interp_flag(interp, &flag))
		return ANPR_ERR_INVAL;
	for (int i = 0; i < 6; i++) {
		if (!std::isfinite(m[i]))
			return ANPR_ERR_INVAL;
	}
	if (std::fabs(m[0] * m[4] - m[1] * m[3]) < 1e-9)
		return ANPR_ERR_INVAL; /* not invertible */
	return run(src, dst, width, height, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
		const cv::Mat mat(2, 3, CV_64F, const_cast<double *>(m));
		cv::warpAffine(in, out, mat, out.size(), flag, cv::BORDER_REPLICATE);
	});
}

anpr_err anpr_cv_gaussian_blur(const anpr_image *src, anpr_image *dst, int ksize, double sigma)
{
	if (!src_dst(src, dst) || ksize < 1 || ksize > 31 || ksize % 2 == 0 || !std::isfinite(sigma) ||
	    sigma < 0)
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
		cv::GaussianBlur(in, out, cv::Size(ksize, ksize), sigma, sigma);
	});
}

anpr_err anpr_cv_median_blur(const anpr_image *src, anpr_image *dst, int ksize)
{
	if (!src_dst(src, dst) || (ksize != 3 && ksize != 5 && ksize != 7))
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, src->channels,
		   [&](const cv::Mat &in, cv::Mat &out) { cv::medianBlur(in, out, ksize); });
}

anpr_err anpr_cv_box_blur(const anpr_image *src, anpr_image *dst, int kw, int kh)
{
	if (!src_dst(src, dst) || kw < 1 || kw > 101 || kh < 1 || kh > 101)
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, src->channels,
		   [&](const cv::Mat &in, cv::Mat &out) { cv::blur(in, out, cv::Size(kw, kh)); });
}

anpr_err anpr_cv_sobel_abs(const anpr_image *src, anpr_image *dst, int dx, int dy, int ksize, double scale)
{
	if (!grey(src) || !src_dst(src, dst) || dx < 0 || dx > 2 || dy < 0 || dy > 2 || dx + dy == 0 ||
	    (ksize != 1 && ksize != 3 && ksize != 5 && ksize != 7) || !std::isfinite(scale))
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, 1, [&](const cv::Mat &in, cv::Mat &out) {
		/* 16 bits saturate beyond what 8 bits can show, so the result is the same as in float. */
		cv::Mat d;
		cv::Sobel(in, d, CV_16S, dx, dy, ksize, scale);
		cv::convertScaleAbs(d, out);
	});
}

anpr_err anpr_cv_canny(const anpr_image *src, anpr_image *dst, double lo, double hi)
{
	if (!grey(src) || !src_dst(src, dst) || !std::isfinite(lo) || !std::isfinite(hi) || lo < 0 || hi < 0)
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, 1,
		   [&](const cv::Mat &in, cv::Mat &out) { cv::Canny(in, out, lo, hi); });
}

anpr_err anpr_cv_clahe(const anpr_image *src, anpr_image *dst, double clip, int tiles)
{
	if (!grey(src) || !src_dst(src, dst) || !std::isfinite(clip) || clip <= 0 || tiles < 1 || tiles > 64)
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, 1, [&](const cv::Mat &in, cv::Mat &out) {
		cv::createCLAHE(clip, cv::Size(tiles, tiles))->apply(in, out);
	});
}

anpr_err anpr_cv_threshold(const anpr_image *src, anpr_image *dst, double thresh, anpr_cv_thresh type,
			   double *used)
{
	int flag = -1;
	double applied = 0;

	switch (raw(type)) {
	case ANPR_CV_THRESH_BINARY:
		flag = cv::THRESH_BINARY;
		break;
	case ANPR_CV_THRESH_BINARY_INV:
		flag = cv::THRESH_BINARY_INV;
		break;
	case ANPR_CV_THRESH_OTSU:
		flag = cv::THRESH_BINARY | cv::THRESH_OTSU;
		break;
	case ANPR_CV_THRESH_OTSU_INV:
		flag = cv::THRESH_BINARY_INV | cv::THRESH_OTSU;
		break;
	}
	if (!grey(src) || !src_dst(src, dst) || flag < 0 || !std::isfinite(thresh))
		return ANPR_ERR_INVAL;
	anpr_err err = run(src, dst, src->width, src->height, 1, [&](const cv::Mat &in, cv::Mat &out) {
		applied = cv::threshold(in, out, thresh, 255, flag);
	});
	if (!err && used)
		*used = applied;
	return err;
}

anpr_err anpr_cv_adaptive_threshold(const anpr_image *src, anpr_image *dst, int block, double c,
				    bool gaussian, bool invert)
{
	/* The upper bound keeps a misconfigured block from stalling the frame path. */
	if (!grey(src) || !src_dst(src, dst) || block < 3 || block > 255 || block % 2 == 0 ||
	    !std::isfinite(c))
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, 1, [&](const cv::Mat &in, cv::Mat &out) {
		cv::adaptiveThreshold(in, out, 255,
				      gaussian ? cv::ADAPTIVE_THRESH_GAUSSIAN_C : cv::ADAPTIVE_THRESH_MEAN_C,
				      invert ? cv::THRESH_BINARY_INV : cv::THRESH_BINARY, block, c);
	});
}

anpr_err anpr_cv_morphology(const anpr_image *src, anpr_image *dst, anpr_cv_morph op, int kw, int kh,
			    int iterations)
{
	int cv_op = -1;

	switch (raw(op)) {
	case ANPR_CV_MORPH_ERODE:
		cv_op = cv::MORPH_ERODE;
		break;
	case ANPR_CV_MORPH_DILATE:
		cv_op = cv::MORPH_DILATE;
		break;
	case ANPR_CV_MORPH_OPEN:
		cv_op = cv::MORPH_OPEN;
		break;
	case ANPR_CV_MORPH_CLOSE:
		cv_op = cv::MORPH_CLOSE;
		break;
	case ANPR_CV_MORPH_GRADIENT:
		cv_op = cv::MORPH_GRADIENT;
		break;
	case ANPR_CV_MORPH_TOPHAT:
		cv_op = cv::MORPH_TOPHAT;
		break;
	case ANPR_CV_MORPH_BLACKHAT:
		cv_op = cv::MORPH_BLACKHAT;
		break;
	}
	/* src == dst is allowed: cv::morphologyEx works in place. */
	if (!valid(src) || !dst || (src != dst && inside(src, dst)) || cv_op < 0 || kw < 1 || kw > 101 ||
	    kh < 1 || kh > 101 || iterations < 1 || iterations > 100)
		return ANPR_ERR_INVAL;
	return run(src, dst, src->width, src->height, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
		cv::morphologyEx(in, out, cv_op, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(kw, kh)),
				 cv::Point(-1, -1), iterations);
	});
}

anpr_err anpr_cv_find_contours(const anpr_image *binary, bool external_only, size_t max_contours,
			       anpr_contours *out)
{
	if (!out)
		return ANPR_ERR_INVAL;
	*out = anpr_contours{};
	if (!grey(binary) || max_contours == 0)
		return ANPR_ERR_INVAL;
	return guarded(ANPR_ERR_INTERNAL, [&] {
		std::vector<std::vector<cv::Point>> found;
		cv::findContours(wrap(binary), found, external_only ? cv::RETR_EXTERNAL : cv::RETR_LIST,
				 cv::CHAIN_APPROX_SIMPLE);
		size_t n = found.size() < max_contours ? found.size() : max_contours, total = 0, k = 0;
		if (n == 0)
			return ANPR_ERR_OK;
		for (size_t i = 0; i < n; i++)
			total += found[i].size();
		anpr_contours c{};
		c.points = static_cast<anpr_point *>(malloc(total * sizeof(*c.points)));
		c.start = static_cast<size_t *>(malloc(n * sizeof(*c.start)));
		c.count = static_cast<size_t *>(malloc(n * sizeof(*c.count)));
		if (!c.points || !c.start || !c.count) {
			anpr_contours_free(&c);
			return ANPR_ERR_NOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			c.start[i] = k;
			c.count[i] = found[i].size();
			for (const cv::Point &p : found[i])
				c.points[k++] = { static_cast<float>(p.x), static_cast<float>(p.y) };
		}
		c.n = n;
		*out = c;
		return ANPR_ERR_OK;
	});
}

void anpr_contours_free(anpr_contours *c)
{
	if (!c)
		return;
	free(c->points);
	free(c->start);
	free(c->count);
	*c = anpr_contours{};
}

anpr_err anpr_cv_min_area_rect(const anpr_point *pts, size_t n, anpr_point corners[4], float *angle_deg)
{
	if (!points_ok(pts, n) || !corners || !angle_deg)
		return ANPR_ERR_INVAL;
	return guarded(ANPR_ERR_INTERNAL, [&] {
		const cv::Mat m(static_cast<int>(n), 1, CV_32FC2, const_cast<anpr_point *>(pts));
		const cv::RotatedRect box = cv::minAreaRect(m);
		cv::Point2f p[4];
		box.points(p); /* what cv::boxPoints() does, without a Mat */
		for (int i = 0; i < 4; i++)
			corners[i] = { p[i].x, p[i].y };
		*angle_deg = box.angle;
		return ANPR_ERR_OK;
	});
}

double anpr_cv_contour_area(const anpr_point *pts, size_t n)
{
	if (n < 3 || !points_ok(pts, n))
		return 0.0;
	try {
		return cv::contourArea(
		    cv::Mat(static_cast<int>(n), 1, CV_32FC2, const_cast<anpr_point *>(pts)));
	} catch (...) {
		return 0.0;
	}
}

anpr_rect anpr_cv_bounding_rect(const anpr_point *pts, size_t n)
{
	anpr_rect r = { 0, 0, 0, 0 };

	if (!points_ok(pts, n))
		return r;
	try {
		cv::Rect b = cv::boundingRect(
		    cv::Mat(static_cast<int>(n), 1, CV_32FC2, const_cast<anpr_point *>(pts)));
		r = { b.x, b.y, b.width, b.height };
	} catch (...) {
		r = { 0, 0, 0, 0 };
	}
	return r;
}

anpr_err anpr_cv_components(const anpr_image *binary, anpr_component *comps, size_t max, size_t *n)
{
	if (!n)
		return ANPR_ERR_INVAL;
	*n = 0;
	if (!grey(binary) || (max > 0 && !comps))
		return ANPR_ERR_INVAL;
	return guarded(ANPR_ERR_INTERNAL, [&] {
		cv::Mat labels, stats, centroids;
		int labelled =
		    cv::connectedComponentsWithStats(wrap(binary), labels, stats, centroids, 8, CV_32S);
		size_t found = labelled > 1 ? static_cast<size_t>(labelled - 1) : 0;
		for (size_t i = 0; i < found && i < max; i++) {
			const int row = static_cast<int>(i) + 1; /* label 0 is the background */
			const int *s = stats.ptr<int>(row);
			comps[i].box = { s[cv::CC_STAT_LEFT], s[cv::CC_STAT_TOP], s[cv::CC_STAT_WIDTH],
					 s[cv::CC_STAT_HEIGHT] };
			comps[i].area = s[cv::CC_STAT_AREA];
			comps[i].cx = static_cast<float>(centroids.at<double>(row, 0));
			comps[i].cy = static_cast<float>(centroids.at<double>(row, 1));
		}
		*n = found;
		return ANPR_ERR_OK;
	});
}

anpr_err anpr_cv_fill_poly(anpr_image *img, const anpr_point *pts, size_t n, const uint8_t colour[3])
{
	if (!valid(img) || n < 3 || !points_ok(pts, n) || !colour)
		return ANPR_ERR_INVAL;
	return guarded(ANPR_ERR_INTERNAL, [&] {
		std::vector<cv::Point> poly(n);
		for (size_t i = 0; i < n; i++)
			poly[i] = cv::Point(cvRound(pts[i].x), cvRound(pts[i].y));
		const cv::Point *p = poly.data();
		const int np = static_cast<int>(n);
		cv::Mat m = wrap(img);
		cv::fillPoly(m, &p, &np, 1, cv::Scalar(colour[0], colour[1], colour[2]));
		return ANPR_ERR_OK;
	});
}

anpr_err anpr_cv_draw_rect(anpr_image *img, anpr_rect r, const uint8_t colour[3], int thickness)
{
	const int lim = static_cast<int>(kMaxCoord);

	if (!valid(img) || !colour || thickness < 1 || thickness > ANPR_IMAGE_MAX_SIDE || r.x < -lim ||
	    r.x > lim || r.y < -lim || r.y > lim || r.width < 1 || r.width > lim || r.height < 1 ||
	    r.height > lim)
		return ANPR_ERR_INVAL;
	return guarded(ANPR_ERR_INTERNAL, [&] {
		cv::Mat m = wrap(img);
		cv::rectangle(m, cv::Rect(r.x, r.y, r.width, r.height),
			      cv::Scalar(colour[0], colour[1], colour[2]), thickness);
		return ANPR_ERR_OK;
	});
}

const char *anpr_cv_version(void)
{
	return CV_VERSION;
}

} /* extern "C" */
