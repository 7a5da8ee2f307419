/* SPDX-License-Identifier: MIT */
/* The project's thin C interface to the parts of OpenCV it uses; no C++ crosses it. */
#ifndef ANPR_OPENCV_C_H
#define ANPR_OPENCV_C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An 8-bit image: 1 channel (grey) or 3 (BGR, OpenCV's order). Rows are
 * stride bytes apart. An image either owns its pixels (allocated by these
 * functions, released with anpr_image_free()) or is a view into another
 * image's pixels (owned == false; it must not outlive that image).
 *
 * Every function taking a `const anpr_image *src` and an `anpr_image *dst`
 * allocates or reallocates dst as needed: pass a zeroed anpr_image the first
 * time and reuse it to avoid allocation in steady state. src and dst must not
 * be the same image unless stated. Functions are reentrant: any thread, as
 * long as each image is used by one thread at a time.
 */
typedef struct anpr_image {
	int width;
	int height;
	int channels;
	size_t stride;
	uint8_t *data;
	bool owned;
	size_t capacity; /* bytes allocated when owned */
} anpr_image;

typedef struct anpr_point {
	float x, y;
} anpr_point;

typedef struct anpr_rect {
	int x, y, width, height;
} anpr_rect;

/* Largest image accepted anywhere (decode, allocate, video): 8K x 8K. */
#define ANPR_IMAGE_MAX_SIDE 8192
#define ANPR_IMAGE_MAX_PIXELS (8192L * 8192L)

/*
 * Makes *img an owned width x height x channels image (contents undefined),
 * reusing its buffer when large enough. Returns ANPR_ERR_INVAL for sizes
 * outside 1..ANPR_IMAGE_MAX_SIDE or channels other than 1 and 3,
 * ANPR_ERR_NOMEM. A view passed in is turned into an owned image.
 */
ANPR_MUST_CHECK anpr_err anpr_image_alloc(anpr_image *img, int width, int height, int channels);

/* Frees owned pixels and zeroes *img; NULL and views are fine. */
void anpr_image_free(anpr_image *img);

/* Deep copy of src into dst. */
ANPR_MUST_CHECK anpr_err anpr_image_copy(const anpr_image *src, anpr_image *dst);

/*
 * Makes *view a view of the rectangle r of src (clipped to src). Returns
 * ANPR_ERR_INVAL when nothing is left after clipping.
 */
ANPR_MUST_CHECK anpr_err anpr_image_view(const anpr_image *src, anpr_rect r, anpr_image *view);

/* ---- Decode and encode ---- */

typedef enum anpr_cv_load {
	ANPR_CV_LOAD_GREY,
	ANPR_CV_LOAD_COLOR,
} anpr_cv_load;

/*
 * Reads width and height from a JPEG, PNG or BMP header without decoding,
 * so absurd dimensions are refused before any pixel memory is allocated.
 * Returns ANPR_ERR_FORMAT for anything else or a damaged header.
 */
ANPR_MUST_CHECK anpr_err anpr_cv_probe(const uint8_t *buf, size_t len, int *width, int *height);

/*
 * Decodes an image held in memory (JPEG, PNG, BMP) into dst, 8 bits per
 * channel. Checks the header first: larger than ANPR_IMAGE_MAX_SIDE or
 * ANPR_IMAGE_MAX_PIXELS is ANPR_ERR_TOO_BIG; not an image, damaged, a JPEG
 * cut off before its end marker, or a BMP that is run-length coded is
 * ANPR_ERR_DECODE (or ANPR_ERR_FORMAT from the probe). A JPEG is turned
 * upright by its EXIF orientation, so its sides may come out swapped. On
 * error dst may have been reallocated; its pixels are then undefined.
 */
ANPR_MUST_CHECK anpr_err anpr_cv_decode(const uint8_t *buf, size_t len, anpr_cv_load mode, anpr_image *dst);

/* Reads a file (at most 64 MiB) and decodes it as anpr_cv_decode(). ANPR_ERR_IO when unreadable. */
#define ANPR_CV_MAX_FILE (64L * 1024 * 1024)
ANPR_MUST_CHECK anpr_err anpr_cv_read_file(const char *path, anpr_cv_load mode, anpr_image *dst);

/*
 * Encodes src as baseline JPEG at quality 1..100 into a malloc'd buffer;
 * the caller owns *out and frees it with free().
 */
ANPR_MUST_CHECK anpr_err anpr_cv_encode_jpeg(const anpr_image *src, int quality, uint8_t **out,
					     size_t *out_len);

/* Encodes src as PNG into a malloc'd buffer owned by the caller. */
ANPR_MUST_CHECK anpr_err anpr_cv_encode_png(const anpr_image *src, uint8_t **out, size_t *out_len);

/* Writes src to path; the format follows the extension (.jpg, .png, .bmp). */
ANPR_MUST_CHECK anpr_err anpr_cv_write_file(const char *path, const anpr_image *src);

/* ---- Colour ---- */

typedef enum anpr_cv_colour {
	ANPR_CV_BGR2GREY,
	ANPR_CV_GREY2BGR,
	ANPR_CV_RGB2BGR,
	/* Planar I420 (libcamera YUV420) and semi-planar NV12; src is grey-typed, height * 3 / 2 rows. */
	ANPR_CV_I4202BGR,
	ANPR_CV_NV122BGR,
	ANPR_CV_I4202GREY,
} anpr_cv_colour;

ANPR_MUST_CHECK anpr_err anpr_cv_convert(const anpr_image *src, anpr_image *dst, anpr_cv_colour code);

/* ---- Geometry ---- */

typedef enum anpr_cv_interp {
	ANPR_CV_INTER_NEAREST,
	ANPR_CV_INTER_LINEAR,
	ANPR_CV_INTER_AREA,
	ANPR_CV_INTER_CUBIC,
} anpr_cv_interp;

ANPR_MUST_CHECK anpr_err anpr_cv_resize(const anpr_image *src, anpr_image *dst, int width, int height,
					anpr_cv_interp interp);

/*
 * Maps the quadrilateral quad (top-left, top-right, bottom-right,
 * bottom-left, in src coordinates) onto a width x height dst.
 * Pixels from outside src are replicated from the border.
 */
ANPR_MUST_CHECK anpr_err anpr_cv_warp_quad(const anpr_image *src, const anpr_point quad[4], anpr_image *dst,
					   int width, int height, anpr_cv_interp interp);

/* Applies the 2x3 affine matrix m (src to dst mapping as in cv::warpAffine with WARP_INVERSE_MAP unset). */
ANPR_MUST_CHECK anpr_err anpr_cv_warp_affine(const anpr_image *src, const double m[6], anpr_image *dst,
					     int width, int height, anpr_cv_interp interp);

/* ---- Filtering ---- */

/* ksize odd 1..31; sigma 0 derives it from ksize. */
ANPR_MUST_CHECK anpr_err anpr_cv_gaussian_blur(const anpr_image *src, anpr_image *dst, int ksize,
					       double sigma);
/* ksize odd 3..7 (larger ones are slow on 8-bit). */
ANPR_MUST_CHECK anpr_err anpr_cv_median_blur(const anpr_image *src, anpr_image *dst, int ksize);
ANPR_MUST_CHECK anpr_err anpr_cv_box_blur(const anpr_image *src, anpr_image *dst, int kw, int kh);

/* Absolute Sobel derivative (order dx, dy in 0..2, ksize 1, 3, 5, 7) scaled and saturated to 8 bits. Grey only. */
ANPR_MUST_CHECK anpr_err anpr_cv_sobel_abs(const anpr_image *src, anpr_image *dst, int dx, int dy, int ksize,
					   double scale);

/* Canny edges of a grey image. */
ANPR_MUST_CHECK anpr_err anpr_cv_canny(const anpr_image *src, anpr_image *dst, double lo, double hi);

/* Contrast-limited adaptive histogram equalisation of a grey image. */
ANPR_MUST_CHECK anpr_err anpr_cv_clahe(const anpr_image *src, anpr_image *dst, double clip, int tiles);

/* ---- Thresholds and morphology ---- */

typedef enum anpr_cv_thresh {
	ANPR_CV_THRESH_BINARY,
	ANPR_CV_THRESH_BINARY_INV,
	ANPR_CV_THRESH_OTSU, /* binary, threshold chosen by Otsu's method */
	ANPR_CV_THRESH_OTSU_INV,
} anpr_cv_thresh;

/* Grey src to 0/255 dst; *used (may be NULL) receives the threshold applied. */
ANPR_MUST_CHECK anpr_err anpr_cv_threshold(const anpr_image *src, anpr_image *dst, double thresh,
					   anpr_cv_thresh type, double *used);

/* Local mean (gaussian when gaussian is set) threshold over block x block (odd, >= 3), minus c. */
ANPR_MUST_CHECK anpr_err anpr_cv_adaptive_threshold(const anpr_image *src, anpr_image *dst, int block,
						    double c, bool gaussian, bool invert);

typedef enum anpr_cv_morph {
	ANPR_CV_MORPH_ERODE,
	ANPR_CV_MORPH_DILATE,
	ANPR_CV_MORPH_OPEN,
	ANPR_CV_MORPH_CLOSE,
	ANPR_CV_MORPH_GRADIENT,
	ANPR_CV_MORPH_TOPHAT,
	ANPR_CV_MORPH_BLACKHAT,
} anpr_cv_morph;

/* Morphology with a kw x kh rectangular kernel (1..101 each), iterations >= 1. src may equal dst. */
ANPR_MUST_CHECK anpr_err anpr_cv_morphology(const anpr_image *src, anpr_image *dst, anpr_cv_morph op, int kw,
					    int kh, int iterations);

/* ---- Shapes ---- */

/* A list of contours; each is points[start[i] .. start[i] + count[i]). Owned by the caller. */
typedef struct anpr_contours {
	anpr_point *points;
	size_t *start;
	size_t *count;
	size_t n;
} anpr_contours;

/*
 * Finds outer contours (external_only) or all contours of a binary image
 * (non-zero is foreground). At most max_contours are returned (the rest are
 * dropped, largest-first is not guaranteed). Free with anpr_contours_free().
 */
ANPR_MUST_CHECK anpr_err anpr_cv_find_contours(const anpr_image *binary, bool external_only,
					       size_t max_contours, anpr_contours *out);
void anpr_contours_free(anpr_contours *c);

/* The minimum-area rotated rectangle around pts: 4 corners in order around the box, and its angle in degrees. */
ANPR_MUST_CHECK anpr_err anpr_cv_min_area_rect(const anpr_point *pts, size_t n, anpr_point corners[4],
					       float *angle_deg);

/* Area enclosed by a polygon (absolute, pixels). */
double anpr_cv_contour_area(const anpr_point *pts, size_t n);

/* Axis-aligned bounding rectangle of points. */
anpr_rect anpr_cv_bounding_rect(const anpr_point *pts, size_t n);

/* Statistics of one connected component. */
typedef struct anpr_component {
	anpr_rect box;
	int area;
	float cx, cy;
} anpr_component;

/*
 * Labels 8-connected foreground components of a binary image. Writes at
 * most max components (background excluded) into comps and their count to
 * *n (the total found, which may exceed max).
 */
ANPR_MUST_CHECK anpr_err anpr_cv_components(const anpr_image *binary, anpr_component *comps, size_t max,
					    size_t *n);

/* ---- Drawing (synthetic data, debug output) ---- */

/* Fills a convex or simple polygon with colour (B, G, R; grey uses the first). */
ANPR_MUST_CHECK anpr_err anpr_cv_fill_poly(anpr_image *img, const anpr_point *pts, size_t n,
					   const uint8_t colour[3]);
/* Draws a rectangle outline of thickness px. */
ANPR_MUST_CHECK anpr_err anpr_cv_draw_rect(anpr_image *img, anpr_rect r, const uint8_t colour[3],
					   int thickness);

/* OpenCV's version string, for --version output. */
const char *anpr_cv_version(void);

#ifdef __cplusplus
}
#endif

#endif
