/* SPDX-License-Identifier: MIT */
/*
 * Decode and encode (opencv_c.h): JPEG through libjpeg-turbo, PNG through
 * libpng, BMP by hand. Not through OpenCV's imgcodecs: Debian's build links
 * GDAL, DICOM, PDF, OpenEXR and HEIF readers into it, and loading them costs
 * every process about 30 MiB of resident memory for formats we never read.
 * The settings follow what imgcodecs did (libjpeg's defaults, EXIF
 * orientation applied, PNG reduced to 8 bits with alpha dropped), so images
 * decode to the same pixels.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
/* After jpeglib.h: the message codes and ERREXIT. */
#include <jerror.h>
#include <png.h>

#include "opencv_c.h"
#include "opencv_c_internal.h"
#include "readfile.h"

/* A progressive JPEG carries about ten scans; thousands of empty ones keep a decoder busy for minutes. */
#define JPEG_MAX_SCANS 500
/* Ancillary PNG chunks (text, ICC profiles) are skipped past this size rather than inflated. */
#define PNG_MAX_CHUNK (8L * 1024 * 1024)
/* BMP compression methods we read: none, and bit masks for 16- and 32-bit pixels. */
#define BI_RGB 0
#define BI_BITFIELDS 3

/* BGR to grey with OpenCV's fixed-point weights (0.114, 0.587, 0.299 in 14 bits), as cv::cvtColor. */
static uint8_t grey_of(uint32_t b, uint32_t g, uint32_t r)
{
	return (uint8_t)((b * 1868u + g * 9617u + r * 4899u + 8192u) >> 14);
}

/* Stores pixel x of a decoded row: BGR, or grey from it. */
static void put_pixel(uint8_t *row, int x, bool colour, uint32_t b, uint32_t g, uint32_t r)
{
	if (colour) {
		row[3 * x] = (uint8_t)b;
		row[3 * x + 1] = (uint8_t)g;
		row[3 * x + 2] = (uint8_t)r;
	} else {
		row[x] = grey_of(b, g, r);
	}
}

/* ---- EXIF orientation ---- */

/* TIFF values in the block's byte order. */
static uint32_t tiff16(const uint8_t *p, bool le)
{
	return le ? anpr_le16(p) : anpr_be16(p);
}

static uint32_t tiff32(const uint8_t *p, bool le)
{
	return le ? anpr_le32(p) : anpr_be32(p);
}

/*
 * The Orientation tag (0x0112) of IFD0 in an EXIF block (the APP1 payload
 * after "Exif\0\0"): 1..8, or 1 when absent or malformed.
 */
static int exif_orientation(const uint8_t *p, size_t n)
{
	bool le;
	uint32_t off, count;

	if (n < 8)
		return 1;
	if (p[0] == 'I' && p[1] == 'I')
		le = true;
	else if (p[0] == 'M' && p[1] == 'M')
		le = false;
	else
		return 1;
	if (tiff16(p + 2, le) != 42)
		return 1;
	off = tiff32(p + 4, le);
	if (off < 8 || off > n - 2)
		return 1;
	count = tiff16(p + off, le);
	off += 2;
	/* off <= n here; n - 12 would wrap on a block of 10 or 11 bytes. */
	for (uint32_t i = 0; i < count && (size_t)off + 12 <= n; i++, off += 12) {
		const uint8_t *e = p + off;

		if (tiff16(e, le) != 0x0112)
			continue;
		/* SHORT, one value, held in the first two bytes of the value field. */
		if (tiff16(e + 2, le) != 3 || tiff32(e + 4, le) != 1)
			return 1;
		uint32_t v = tiff16(e + 8, le);
		return v >= 1 && v <= 8 ? (int)v : 1;
	}
	return 1;
}

/*
 * Turns *img upright for EXIF orientation o (2..8): mirrored, rotated by a
 * half turn, or transposed with a quarter turn, as cv::imdecode does.
 */
static anpr_err orient(anpr_image *img, int o)
{
	const int w = img->width, h = img->height, ch = img->channels;
	const bool swap = o >= 5;
	/* Per output row: the source column and row of its first pixel, then the step along the row. */
	const bool from_right = o == 2 || o == 3 || o == 7 || o == 8, from_bottom = o == 3 || o == 4;
	const ptrdiff_t stride = (ptrdiff_t)img->stride;
	const ptrdiff_t step = !swap ? (from_right ? -ch : ch) : o == 6 || o == 7 ? -stride : stride;
	anpr_image out = { 0 };
	anpr_err err = anpr_image_alloc(&out, swap ? h : w, swap ? w : h, ch);

	if (err)
		return err;
	for (int y = 0; y < out.height; y++) {
		int sx, sy;

		if (!swap) {
			sx = from_right ? w - 1 : 0;
			sy = from_bottom ? h - 1 - y : y;
		} else {
			sx = from_right ? w - 1 - y : y;
			sy = o == 6 || o == 7 ? h - 1 : 0;
		}
		const uint8_t *s = img->data + (ptrdiff_t)sy * stride + (ptrdiff_t)sx * ch;
		uint8_t *d = out.data + (size_t)y * out.stride;
		if (ch == 1) {
			for (int x = 0; x < out.width; x++, s += step)
				d[x] = *s;
		} else {
			for (int x = 0; x < out.width; x++, s += step, d += 3) {
				d[0] = s[0];
				d[1] = s[1];
				d[2] = s[2];
			}
		}
	}
	anpr_image_free(img);
	*img = out;
	return ANPR_ERR_OK;
}

/* ---- JPEG ---- */

typedef struct jpeg_guard {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	bool cut_short; /* libjpeg warned that the data ended before the image did */
} jpeg_guard;

static void jpeg_fail(j_common_ptr cinfo)
{
	longjmp(((jpeg_guard *)(void *)cinfo->err)->jump, 1);
}

/* Silent: a warning about the data ending early is remembered, the rest (stray bytes) is tolerated. */
static void jpeg_message(j_common_ptr cinfo, int level)
{
	jpeg_guard *g = (jpeg_guard *)(void *)cinfo->err;

	if (level < 0 && g->mgr.msg_code == JWRN_JPEG_EOF)
		g->cut_short = true;
}

static void jpeg_progress(j_common_ptr cinfo)
{
	if (cinfo->is_decompressor && ((j_decompress_ptr)(void *)cinfo)->input_scan_number > JPEG_MAX_SCANS)
		longjmp(((jpeg_guard *)(void *)cinfo->err)->jump, 1);
}

static void jpeg_guard_init(jpeg_guard *g)
{
	jpeg_std_error(&g->mgr);
	g->mgr.error_exit = jpeg_fail;
	g->mgr.emit_message = jpeg_message;
	g->cut_short = false;
}

/* The EXIF orientation saved with the header (jpeg_save_markers), 1 when there is none. */
static int jpeg_orientation(j_decompress_ptr cinfo)
{
	for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next)
		if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp(m->data, "Exif\0\0", 6) == 0)
			return exif_orientation(m->data + 6, m->data_length - 6);
	return 1;
}

/*
 * Decodes a JPEG of the probed size into dst: BGR or grey straight from
 * libjpeg; Adobe CMYK and YCCK through an inverted-CMYK row. *orientation
 * gets the EXIF orientation, left for the caller to apply.
 */
static anpr_err decode_jpeg(const uint8_t *buf, size_t len, bool colour, int width, int height,
			    anpr_image *dst, int *orientation)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_progress_mgr progress = { .progress_monitor = jpeg_progress };
	jpeg_guard guard;
	anpr_err volatile err = ANPR_ERR_DECODE;

	jpeg_guard_init(&guard);
	cinfo.err = &guard.mgr;
	jpeg_create_decompress(&cinfo);
	if (setjmp(guard.jump)) {
		jpeg_destroy_decompress(&cinfo);
		return ANPR_ERR_DECODE;
	}
	cinfo.progress = &progress;
	jpeg_mem_src(&cinfo, buf, (unsigned long)len);
	jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
	if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK)
		goto out;
	const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
	cinfo.out_color_space = cmyk ? JCS_CMYK : colour ? JCS_EXT_BGR : JCS_GRAYSCALE;
	*orientation = jpeg_orientation(&cinfo);
	jpeg_start_decompress(&cinfo);
	if ((int)cinfo.output_width != width || (int)cinfo.output_height != height)
		goto out;
	err = anpr_image_alloc(dst, width, height, colour ? 3 : 1);
	if (err)
		goto out;
	err = ANPR_ERR_DECODE;
	JSAMPARRAY row4 =
	    cmyk ? cinfo.mem->alloc_sarray((j_common_ptr)&cinfo, JPOOL_IMAGE, (JDIMENSION)width * 4, 1)
		 : NULL;
	while (cinfo.output_scanline < cinfo.output_height) {
		uint8_t *d = dst->data + (size_t)cinfo.output_scanline * dst->stride;
		JSAMPROW row = cmyk ? row4[0] : d;

		if (jpeg_read_scanlines(&cinfo, &row, 1) != 1)
			goto out;
		for (int x = 0; cmyk && x < width; x++) {
			/* Adobe stores CMYK inverted: each of C, M, Y times K is the light left of R, G, B. */
			const uint8_t *s = row + 4 * x;
			uint32_t k = s[3];

			put_pixel(d, x, colour, s[2] * k / 255, s[1] * k / 255, s[0] * k / 255);
		}
	}
	jpeg_finish_decompress(&cinfo);
	/* libjpeg fills what a cut-off file lacks with grey: evidence must not be read from half an image. */
	if (!guard.cut_short)
		err = ANPR_ERR_OK;
out:
	jpeg_destroy_decompress(&cinfo);
	return err;
}

/* A growing malloc'd buffer for libjpeg's and libpng's output. */
typedef struct out_buf {
	uint8_t *data;
	size_t len, cap;
} out_buf;

/* Makes room for more bytes after len; false when out of memory. */
static bool out_reserve(out_buf *o, size_t more)
{
	if (o->cap - o->len >= more)
		return true;
	size_t cap = o->cap ? o->cap : 4096;
	while (cap - o->len < more) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	uint8_t *p = realloc(o->data, cap);
	if (!p)
		return false;
	o->data = p;
	o->cap = cap;
	return true;
}

typedef struct jpeg_dest {
	struct jpeg_destination_mgr mgr;
	out_buf out;
} jpeg_dest;

#define JPEG_CHUNK 16384

static void jpeg_dest_init(j_compress_ptr cinfo)
{
	jpeg_dest *d = (jpeg_dest *)(void *)cinfo->dest;

	if (!out_reserve(&d->out, JPEG_CHUNK))
		ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
	d->mgr.next_output_byte = d->out.data;
	d->mgr.free_in_buffer = d->out.cap;
}

/* The buffer is full: keep it all and make room for more. */
static boolean jpeg_dest_grow(j_compress_ptr cinfo)
{
	jpeg_dest *d = (jpeg_dest *)(void *)cinfo->dest;

	d->out.len = d->out.cap;
	if (!out_reserve(&d->out, JPEG_CHUNK))
		ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
	d->mgr.next_output_byte = d->out.data + d->out.len;
	d->mgr.free_in_buffer = d->out.cap - d->out.len;
	return TRUE;
}

static void jpeg_dest_term(j_compress_ptr cinfo)
{
	jpeg_dest *d = (jpeg_dest *)(void *)cinfo->dest;

	d->out.len = d->out.cap - d->mgr.free_in_buffer;
}

static bool image_ok(const anpr_image *img)
{
	return img && img->data && img->width >= 1 && img->width <= ANPR_IMAGE_MAX_SIDE && img->height >= 1 &&
	       img->height <= ANPR_IMAGE_MAX_SIDE && (img->channels == 1 || img->channels == 3) &&
	       img->stride >= (size_t)img->width * (size_t)img->channels;
}

anpr_err anpr_cv_encode_jpeg(const anpr_image *src, int quality, uint8_t **out, size_t *out_len)
{
	struct jpeg_compress_struct cinfo;
	jpeg_guard guard;
	jpeg_dest dest = { .mgr = { .init_destination = jpeg_dest_init,
				    .empty_output_buffer = jpeg_dest_grow,
				    .term_destination = jpeg_dest_term } };

	if (!image_ok(src) || !out || !out_len || quality < 1 || quality > 100)
		return ANPR_ERR_INVAL;
	*out = NULL;
	*out_len = 0;
	jpeg_guard_init(&guard);
	cinfo.err = &guard.mgr;
	jpeg_create_compress(&cinfo);
	if (setjmp(guard.jump)) {
		jpeg_destroy_compress(&cinfo);
		free(dest.out.data);
		return ANPR_ERR_NOMEM; /* the arguments were checked: only memory can fail */
	}
	cinfo.dest = &dest.mgr;
	cinfo.image_width = (JDIMENSION)src->width;
	cinfo.image_height = (JDIMENSION)src->height;
	cinfo.input_components = src->channels;
	cinfo.in_color_space = src->channels == 3 ? JCS_EXT_BGR : JCS_GRAYSCALE;
	jpeg_set_defaults(&cinfo); /* baseline, 4:2:0 chroma, as cv::imencode */
	jpeg_set_quality(&cinfo, quality, TRUE);
	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < cinfo.image_height) {
		JSAMPROW row = src->data + (size_t)cinfo.next_scanline * src->stride;
		jpeg_write_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	*out = dest.out.data;
	*out_len = dest.out.len;
	return ANPR_ERR_OK;
}

/* ---- PNG ---- */

typedef struct png_src {
	const uint8_t *data;
	size_t len, pos;
} png_src;

static void png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
	png_src *s = png_get_io_ptr(png);

	if (n > s->len - s->pos)
		png_error(png, "truncated");
	memcpy(out, s->data + s->pos, n);
	s->pos += n;
}

/*
 * Decodes a PNG of the probed size into dst as 8-bit BGR or grey: 16-bit
 * samples cut to 8, palettes and low bit depths expanded, alpha dropped,
 * colour to grey with the same weights as grey_of().
 */
static anpr_err decode_png(const uint8_t *buf, size_t len, bool colour, int width, int height,
			   anpr_image *dst)
{
	png_src src = { .data = buf, .len = len };
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_quiet);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	png_bytepp volatile rows = NULL;
	anpr_err volatile err = ANPR_ERR_NOMEM;

	if (!info)
		goto out;
	if (setjmp(png_jmpbuf(png))) {
		if (err == ANPR_ERR_OK)
			err = ANPR_ERR_DECODE;
		goto out;
	}
	err = ANPR_ERR_OK;
	png_set_user_limits(png, ANPR_IMAGE_MAX_SIDE, ANPR_IMAGE_MAX_SIDE);
	png_set_chunk_malloc_max(png, PNG_MAX_CHUNK);
	png_set_read_fn(png, &src, png_read_mem);
	png_read_info(png, info);
	if ((int)png_get_image_width(png, info) != width || (int)png_get_image_height(png, info) != height)
		png_error(png, "size differs from the header");
	const int type = png_get_color_type(png, info);
	const bool grey_in = !(type & PNG_COLOR_MASK_COLOR);
	if (png_get_bit_depth(png, info) == 16)
		png_set_strip_16(png);
	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (grey_in && png_get_bit_depth(png, info) < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	/* Also the alpha that a palette's or grey image's tRNS chunk expands into. */
	png_set_strip_alpha(png);
	if (colour && grey_in)
		png_set_gray_to_rgb(png);
	if (colour)
		png_set_bgr(png);
	if (!colour && !grey_in)
		png_set_rgb_to_gray_fixed(png, 1, 29900, 58700);
	(void)png_set_interlace_handling(png);
	png_read_update_info(png, info);
	if (png_get_channels(png, info) != (colour ? 3 : 1) ||
	    png_get_rowbytes(png, info) != (size_t)width * (colour ? 3u : 1u))
		png_error(png, "unexpected layout");
	err = anpr_image_alloc(dst, width, height, colour ? 3 : 1);
	if (err)
		goto out;
	rows = malloc(sizeof(*rows) * (size_t)height);
	if (!rows) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	for (int y = 0; y < height; y++)
		rows[y] = dst->data + (size_t)y * dst->stride;
	png_read_image(png, rows);
out:
	free(rows);
	png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
	return err;
}

static void png_write_mem(png_structp png, png_bytep data, size_t n)
{
	out_buf *o = png_get_io_ptr(png);

	if (!out_reserve(o, n))
		png_error(png, "out of memory");
	memcpy(o->data + o->len, data, n);
	o->len += n;
}

static void png_flush_mem(png_structp png)
{
	(void)png;
}

anpr_err anpr_cv_encode_png(const anpr_image *src, uint8_t **out, size_t *out_len)
{
	out_buf o = { 0 };
	png_structp png;
	png_infop info;

	if (!image_ok(src) || !out || !out_len)
		return ANPR_ERR_INVAL;
	*out = NULL;
	*out_len = 0;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_quiet);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
		free(o.data);
		return ANPR_ERR_NOMEM; /* the arguments were checked: only memory can fail */
	}
	png_set_write_fn(png, &o, png_write_mem, png_flush_mem);
	png_set_IHDR(png, info, (png_uint_32)src->width, (png_uint_32)src->height, 8,
		     src->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	/* Level 3: nearly the size of the default 6 at half the time; training tools write thousands. */
	png_set_compression_level(png, 3);
	png_write_info(png, info);
	if (src->channels == 3)
		png_set_bgr(png);
	for (int y = 0; y < src->height; y++)
		png_write_row(png, src->data + (size_t)y * src->stride);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	*out = o.data;
	*out_len = o.len;
	return ANPR_ERR_OK;
}

/* ---- BMP ---- */

/* A channel's place in a 16- or 32-bit pixel: shift, then scale its bits to 0..255. */
typedef struct bmp_field {
	uint32_t mask;
	int shift;
	uint32_t max;
} bmp_field;

static bmp_field bmp_field_of(uint32_t mask)
{
	bmp_field f = { .mask = mask };

	if (!mask)
		return f;
	while (!(mask & 1u)) {
		mask >>= 1;
		f.shift++;
	}
	f.max = mask; /* a contiguous mask; holes only lower the scale */
	return f;
}

static uint32_t bmp_sample(uint32_t v, const bmp_field *f)
{
	return f->max ? (uint32_t)((uint64_t)((v & f->mask) >> f->shift) * 255u / f->max) : 0;
}

/*
 * Decodes an uncompressed BMP (1, 4, 8 bits through a palette; 16, 24 and 32
 * bits, with bit masks for 16 and 32) of the probed size into dst. Run-length
 * and embedded JPEG/PNG bitmaps are refused as ANPR_ERR_DECODE.
 */
static anpr_err decode_bmp(const uint8_t *buf, size_t len, bool colour, int width, int height,
			   anpr_image *dst)
{
	const uint32_t hdr = anpr_le32(buf + 14), bpp = anpr_le16(buf + 28), comp = anpr_le32(buf + 30);
	const bool top_down = anpr_le32(buf + 22) > INT32_MAX;
	const uint64_t row_bytes = ((uint64_t)width * bpp + 31) / 32 * 4;
	const uint32_t pixels = anpr_le32(buf + 10);
	uint8_t palette[256][3] = { { 0 } };
	bmp_field f[3] = { { 0 } }; /* blue, green, red */

	if (!(comp == BI_RGB || (comp == BI_BITFIELDS && (bpp == 16 || bpp == 32))))
		return ANPR_ERR_DECODE;
	if (pixels > len || row_bytes * (uint64_t)height > len - pixels)
		return ANPR_ERR_DECODE; /* pixel data missing or cut short */
	if (bpp <= 8) {
		uint32_t used = hdr >= 40 ? anpr_le32(buf + 46) : 0, max = 1u << bpp;
		uint64_t at = 14 + (uint64_t)hdr;

		if (used == 0 || used > max)
			used = max;
		if (at + 4ull * used > len)
			return ANPR_ERR_DECODE;
		for (uint32_t i = 0; i < used; i++)
			memcpy(palette[i], buf + at + 4 * i, 3); /* B, G, R, reserved */
	} else if (comp == BI_BITFIELDS) {
		if (len < 66)
			return ANPR_ERR_DECODE;
		for (int c = 0; c < 3; c++)
			f[c] = bmp_field_of(
			    anpr_le32(buf + 62 - 4 * c)); /* red, green, blue masks at 54, 58, 62 */
	} else if (bpp == 16) {
		for (int c = 0; c < 3; c++)
			f[c] = bmp_field_of(0x1Fu << (5 * c)); /* 5-5-5 */
	}
	anpr_err err = anpr_image_alloc(dst, width, height, colour ? 3 : 1);
	if (err)
		return err;
	for (int y = 0; y < height; y++) {
		const uint8_t *s = buf + pixels + (size_t)row_bytes * (size_t)(top_down ? y : height - 1 - y);
		uint8_t *d = dst->data + (size_t)y * dst->stride;

		for (int x = 0; x < width; x++) {
			uint32_t b, g, r;

			if (bpp <= 8) {
				uint32_t bit = (uint32_t)x * bpp;
				uint32_t i = (s[bit / 8] >> (8 - bpp - bit % 8)) & ((1u << bpp) - 1);
				b = palette[i][0], g = palette[i][1], r = palette[i][2];
			} else if (bpp == 24 || (bpp == 32 && comp == BI_RGB)) {
				const uint8_t *p = s + (size_t)x * (bpp / 8);
				b = p[0], g = p[1], r = p[2];
			} else {
				uint32_t v = bpp == 16 ? anpr_le16(s + 2 * x) : anpr_le32(s + 4 * x);
				b = bmp_sample(v, &f[0]), g = bmp_sample(v, &f[1]), r = bmp_sample(v, &f[2]);
			}
			put_pixel(d, x, colour, b, g, r);
		}
	}
	return ANPR_ERR_OK;
}

/* Encodes a BMP: 24-bit BGR, or 8-bit with a grey palette; rows bottom-up, padded to 4 bytes. */
static anpr_err encode_bmp(const anpr_image *src, uint8_t **out, size_t *out_len)
{
	const bool grey = src->channels == 1;
	const size_t row = ((size_t)src->width * (size_t)src->channels + 3) / 4 * 4;
	const size_t pixels = 54 + (grey ? 1024 : 0), len = pixels + row * (size_t)src->height;
	uint8_t *b;

	if (len > UINT32_MAX)
		return ANPR_ERR_INVAL;
	b = calloc(1, len);
	if (!b)
		return ANPR_ERR_NOMEM;
	const uint32_t fields[][2] = {
		{ 2, (uint32_t)len },
		{ 10, (uint32_t)pixels },
		{ 14, 40 },
		{ 18, (uint32_t)src->width },
		{ 22, (uint32_t)src->height },
		{ 34, (uint32_t)(len - pixels) },
		{ 38, 2835 },
		{ 42, 2835 } /* 72 dpi */,
	};
	b[0] = 'B';
	b[1] = 'M';
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		for (int k = 0; k < 4; k++)
			b[fields[i][0] + (uint32_t)k] = (uint8_t)(fields[i][1] >> (8 * k));
	b[26] = 1;                        /* planes */
	b[28] = (uint8_t)(grey ? 8 : 24); /* bits per pixel */
	for (int i = 0; grey && i < 256; i++)
		memset(b + 54 + 4 * i, i, 3);
	for (int y = 0; y < src->height; y++)
		memcpy(b + pixels + row * (size_t)(src->height - 1 - y), src->data + (size_t)y * src->stride,
		       (size_t)src->width * (size_t)src->channels);
	*out = b;
	*out_len = len;
	return ANPR_ERR_OK;
}

/* ---- Entry points ---- */

anpr_err anpr_cv_decode(const uint8_t *buf, size_t len, anpr_cv_load mode, anpr_image *dst)
{
	int width = 0, height = 0, orientation = 1;
	anpr_err err;

	if (!buf || !dst || (mode != ANPR_CV_LOAD_GREY && mode != ANPR_CV_LOAD_COLOR))
		return ANPR_ERR_INVAL;
	err = anpr_cv_probe(buf, len, &width, &height);
	if (err)
		return err;
	if (width > ANPR_IMAGE_MAX_SIDE || height > ANPR_IMAGE_MAX_SIDE ||
	    (long)width * height > ANPR_IMAGE_MAX_PIXELS)
		return ANPR_ERR_TOO_BIG;
	const bool colour = mode == ANPR_CV_LOAD_COLOR;
	if (buf[0] == 0xFF)
		err = decode_jpeg(buf, len, colour, width, height, dst, &orientation);
	else if (buf[0] == 'B')
		err = decode_bmp(buf, len, colour, width, height, dst);
	else
		err = decode_png(buf, len, colour, width, height, dst);
	if (!err && orientation != 1)
		err = orient(dst, orientation);
	return err;
}

anpr_err anpr_cv_read_file(const char *path, anpr_cv_load mode, anpr_image *dst)
{
	char *buf = NULL;
	size_t size = 0;
	anpr_err err;

	if (!path || !dst || (mode != ANPR_CV_LOAD_GREY && mode != ANPR_CV_LOAD_COLOR))
		return ANPR_ERR_INVAL;
	err = anpr_file_read(AT_FDCWD, path, 0, ANPR_CV_MAX_FILE, &buf, &size, NULL, 0);
	if (err == ANPR_ERR_NOT_FOUND)
		err = ANPR_ERR_IO;
	if (!err)
		err = anpr_cv_decode((const uint8_t *)buf, size, mode, dst);
	free(buf);
	return err;
}

anpr_err anpr_cv_write_file(const char *path, const anpr_image *src)
{
	const char *dot = path ? strrchr(path, '.') : NULL;
	uint8_t *data = NULL;
	size_t len = 0, done = 0;
	anpr_err err;
	int fd;

	if (!dot || !image_ok(src))
		return ANPR_ERR_INVAL;
	if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
		err = anpr_cv_encode_jpeg(src, 95, &data, &len); /* cv::imwrite's default quality */
	else if (strcasecmp(dot, ".png") == 0)
		err = anpr_cv_encode_png(src, &data, &len);
	else if (strcasecmp(dot, ".bmp") == 0)
		err = encode_bmp(src, &data, &len);
	else
		return ANPR_ERR_INVAL;
	if (err)
		return err;
	err = ANPR_ERR_IO;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		while (done < len) {
			ssize_t n = write(fd, data + done, len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		if (close(fd) == 0 && done == len)
			err = ANPR_ERR_OK;
	}
	free(data);
	return err;
}
