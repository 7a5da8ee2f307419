/* SPDX-License-Identifier: MIT */
/* opencv_c: image memory, codecs and the header probe, colour, geometry, filters, shapes and video. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "opencv_c.h"
#include "opencv_video.h"

static char tmpdir[64];

static uint8_t *px(const anpr_image *img, int x, int y)
{
	return img->data + (size_t)y * img->stride + (size_t)x * (size_t)img->channels;
}

static void fill(anpr_image *img, uint8_t v)
{
	for (int y = 0; y < img->height; y++)
		memset(px(img, 0, y), v, (size_t)img->width * (size_t)img->channels);
}

static bool near(int a, int b, int tolerance)
{
	return abs(a - b) <= tolerance;
}

static void tmp_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static bool write_bytes(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(b, 1, n, f) == n;

	if (f && fclose(f) != 0)
		ok = false;
	return ok;
}

/* The whole file in a malloc'd buffer, or NULL. */
static uint8_t *read_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long size;

	*n = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)size);
		if (b && fread(b, 1, (size_t)size, f) == (size_t)size) {
			*n = (size_t)size;
		} else {
			free(b);
			b = NULL;
		}
	}
	fclose(f);
	return b;
}

/* A smooth BGR gradient: easy on JPEG, and every channel differs. */
static void gradient(anpr_image *img, int w, int h)
{
	CHECK_INT(anpr_image_alloc(img, w, h, 3), ANPR_ERR_OK);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			uint8_t *p = px(img, x, y);
			p[0] = (uint8_t)(x * 255 / w);
			p[1] = (uint8_t)(y * 255 / h);
			p[2] = 128;
		}
	}
}

/* Largest per-channel difference between two images of the same shape, or 999. */
static int max_diff(const anpr_image *a, const anpr_image *b)
{
	int worst = 0;

	if (a->width != b->width || a->height != b->height || a->channels != b->channels)
		return 999;
	for (int y = 0; y < a->height; y++) {
		for (int i = 0; i < a->width * a->channels; i++) {
			int d = abs(px(a, 0, y)[i] - px(b, 0, y)[i]);
			worst = d > worst ? d : worst;
		}
	}
	return worst;
}

static size_t count_value(const anpr_image *img, uint8_t v)
{
	size_t n = 0;

	for (int y = 0; y < img->height; y++) {
		for (int x = 0; x < img->width; x++)
			n += *px(img, x, y) == v;
	}
	return n;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Signature and IHDR (CRC left zero): all the probe reads. */
static void png_header(uint8_t out[33], uint32_t w, uint32_t h)
{
	static const uint8_t head[16] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
					  0,    0,   0,   13,  'I',  'H',  'D',  'R' };

	memset(out, 0, 33);
	memcpy(out, head, sizeof(head));
	put_be32(out + 16, w);
	put_be32(out + 20, h);
	out[24] = 8; /* bit depth */
	out[25] = 2; /* truecolour */
}

/* A JPEG header whose DHT segment (0xC4) precedes the frame header; sof picks the frame marker. */
static size_t jpeg_header(uint8_t *out, uint8_t sof, uint16_t w, uint16_t h)
{
	/* SOI; APP0 "JFIF"; DHT; SOF (at 27): P 8, Y, X, Nf 3, 3 x (id, sampling, table); EOI. */
	static const uint8_t bytes[] = {
		0xFF, 0xD8, 0xFF, 0xE0, 0,    16,   'J',  'F', 'I', 'F',  0, 1,    1,    0, 0,    1,
		0,    1,    0,    0,    0xFF, 0xC4, 0,    5,   0,   0,    0, 0xFF, 0xC0, 0, 17,   8,
		0,    0,    0,    0,    3,    1,    0x22, 0,   2,   0x11, 1, 3,    0x11, 1, 0xFF, 0xD9
	};

	memcpy(out, bytes, sizeof(bytes));
	out[28] = sof;
	out[32] = (uint8_t)(h >> 8);
	out[33] = (uint8_t)h;
	out[34] = (uint8_t)(w >> 8);
	out[35] = (uint8_t)w;
	return sizeof(bytes);
}

/* The 54-byte header of a 24-bit BMP, bottom-up (h > 0) or top-down (h < 0); returns the file size. */
static size_t bmp_header(uint8_t *out, int32_t w, int32_t h)
{
	uint32_t row = ((uint32_t)abs(w) * 3 + 3) & ~3u, size = 54 + row * (uint32_t)abs(h);

	memset(out, 0, 54);
	out[0] = 'B';
	out[1] = 'M';
	put_le32(out + 2, size);
	put_le32(out + 10, 54);
	put_le32(out + 14, 40);
	put_le32(out + 18, (uint32_t)w);
	put_le32(out + 22, (uint32_t)h);
	out[26] = 1;
	out[28] = 24;
	return size;
}

/* A complete BMP of w x h pixels of value v; out must hold it. */
static size_t bmp_file(uint8_t *out, int32_t w, int32_t h, uint8_t v)
{
	size_t size = bmp_header(out, w, h);

	memset(out + 54, v, size - 54);
	return size;
}

static void test_image(void)
{
	anpr_image a = { 0 }, b = { 0 }, v = { 0 }, v2 = { 0 };
	uint8_t *first;

	CHECK_INT(anpr_image_alloc(NULL, 10, 10, 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_alloc(&a, 0, 10, 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_alloc(&a, 10, ANPR_IMAGE_MAX_SIDE + 1, 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_alloc(&a, 10, 10, 2), ANPR_ERR_INVAL);
	CHECK(a.data == NULL);

	CHECK_INT(anpr_image_alloc(&a, 100, 50, 3), ANPR_ERR_OK);
	CHECK(a.owned && a.data);
	CHECK_INT(a.stride, 300);
	CHECK(a.capacity >= 15000);
	first = a.data;
	CHECK_INT(anpr_image_alloc(&a, 50, 50, 1), ANPR_ERR_OK); /* smaller: buffer reused */
	CHECK(a.data == first);
	CHECK_INT(a.stride, 50);
	CHECK(a.capacity >= 15000);
	CHECK_INT(anpr_image_alloc(&a, 200, 200, 3), ANPR_ERR_OK);
	CHECK(a.capacity >= 120000 && a.stride == 600);

	CHECK_INT(anpr_image_alloc(&a, 100, 80, 1), ANPR_ERR_OK);
	for (int y = 0; y < 80; y++) {
		for (int x = 0; x < 100; x++)
			*px(&a, x, y) = (uint8_t)(x + 3 * y);
	}
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ 10, 20, 30, 40 }, &v), ANPR_ERR_OK);
	CHECK(!v.owned && v.width == 30 && v.height == 40 && v.channels == 1 && v.stride == a.stride);
	CHECK(v.data == a.data + 20 * a.stride + 10);
	CHECK_INT(*px(&v, 5, 6), (uint8_t)(15 + 3 * 26));
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ -5, -5, 20, 20 }, &v), ANPR_ERR_OK); /* clipped */
	CHECK(v.width == 15 && v.height == 15 && v.data == a.data);
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ 90, 70, 50, 50 }, &v), ANPR_ERR_OK);
	CHECK(v.width == 10 && v.height == 10);
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ 100, 0, 10, 10 }, &v), ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ 0, 0, 0, 10 }, &v), ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ 0, 0, -5, 10 }, &v), ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX }, &v),
		  ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ 0, 0, 1, 1 }, &a), ANPR_ERR_INVAL);

	/* A view of a view, then a deep copy of it. */
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ 10, 10, 50, 50 }, &v), ANPR_ERR_OK);
	CHECK_INT(anpr_image_view(&v, (anpr_rect){ 5, 5, 10, 10 }, &v2), ANPR_ERR_OK);
	CHECK_INT(*px(&v2, 0, 0), (uint8_t)(15 + 3 * 15));
	CHECK_INT(anpr_image_copy(&v2, &b), ANPR_ERR_OK);
	CHECK(b.owned && b.width == 10 && b.height == 10 && b.stride == 10);
	CHECK_INT(max_diff(&b, &v2), 0);
	CHECK_INT(anpr_image_copy(&b, &b), ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_copy(&v, &a), ANPR_ERR_INVAL); /* a owns v's pixels */
	CHECK_INT(anpr_image_copy(NULL, &b), ANPR_ERR_INVAL);

	/* A view handed to alloc becomes owned with its own buffer; the parent is untouched. */
	CHECK_INT(anpr_image_alloc(&v2, 10, 10, 1), ANPR_ERR_OK);
	CHECK(v2.owned && (v2.data < a.data || v2.data >= a.data + a.capacity));
	memset(v2.data, 0, 100);
	CHECK_INT(*px(&a, 15, 15), (uint8_t)(15 + 3 * 15));
	/* An owned image handed to view gives its buffer back (valgrind sees a leak otherwise). */
	CHECK_INT(anpr_image_view(&a, (anpr_rect){ 0, 0, 5, 5 }, &v2), ANPR_ERR_OK);
	CHECK(!v2.owned);

	anpr_image_free(&v);
	anpr_image_free(&v2);
	CHECK(v.data == NULL && v.width == 0);
	CHECK(a.data != NULL);
	anpr_image_free(&a);
	anpr_image_free(&b);
	anpr_image_free(NULL);
}

static void test_codecs(void)
{
	anpr_image src = { 0 }, dst = { 0 }, grey = { 0 }, bmp = { 0 };
	uint8_t *jpg = NULL, *png = NULL;
	size_t jpg_len = 0, png_len = 0;
	int w = 0, h = 0;
	char path[128];

	gradient(&src, 64, 48);
	CHECK_INT(anpr_cv_encode_jpeg(&src, 0, &jpg, &jpg_len), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_encode_jpeg(&src, 101, &jpg, &jpg_len), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_encode_jpeg(NULL, 90, &jpg, &jpg_len), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_encode_jpeg(&src, 90, &jpg, &jpg_len), ANPR_ERR_OK);
	CHECK(jpg && jpg_len > 100 && jpg[0] == 0xFF && jpg[1] == 0xD8);
	CHECK_INT(anpr_cv_probe(jpg, jpg_len, &w, &h), ANPR_ERR_OK);
	CHECK(w == 64 && h == 48);
	CHECK_INT(anpr_cv_decode(jpg, jpg_len, ANPR_CV_LOAD_COLOR, &dst), ANPR_ERR_OK);
	CHECK(dst.width == 64 && dst.height == 48 && dst.channels == 3);
	CHECK(max_diff(&src, &dst) <= 24);
	CHECK_INT(anpr_cv_decode(jpg, jpg_len, ANPR_CV_LOAD_GREY, &grey), ANPR_ERR_OK);
	CHECK(grey.width == 64 && grey.height == 48 && grey.channels == 1);
	CHECK_INT(anpr_cv_decode(jpg, jpg_len, (anpr_cv_load)7, &grey), ANPR_ERR_INVAL);

	CHECK_INT(anpr_cv_encode_png(&src, &png, &png_len), ANPR_ERR_OK);
	CHECK(png && png_len > 33);
	CHECK_INT(anpr_cv_probe(png, png_len, &w, &h), ANPR_ERR_OK);
	CHECK(w == 64 && h == 48);
	CHECK_INT(anpr_cv_decode(png, png_len, ANPR_CV_LOAD_COLOR, &dst), ANPR_ERR_OK);
	CHECK_INT(max_diff(&src, &dst), 0); /* lossless */

	/* Files: the extension picks the format. */
	tmp_path(path, sizeof(path), "a.png");
	CHECK_INT(anpr_cv_write_file(path, &src), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_read_file(path, ANPR_CV_LOAD_COLOR, &dst), ANPR_ERR_OK);
	CHECK_INT(max_diff(&src, &dst), 0);
	unlink(path);
	tmp_path(path, sizeof(path), "a.bmp");
	CHECK_INT(anpr_cv_write_file(path, &src), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_read_file(path, ANPR_CV_LOAD_COLOR, &bmp), ANPR_ERR_OK);
	CHECK_INT(max_diff(&src, &bmp), 0);
	unlink(path);
	tmp_path(path, sizeof(path), "a.JPG");
	CHECK_INT(anpr_cv_write_file(path, &src), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_read_file(path, ANPR_CV_LOAD_GREY, &grey), ANPR_ERR_OK);
	CHECK(grey.width == 64 && grey.channels == 1);
	unlink(path);
	tmp_path(path, sizeof(path), "a.gif");
	CHECK_INT(anpr_cv_write_file(path, &src), ANPR_ERR_INVAL);
	tmp_path(path, sizeof(path), "noext");
	CHECK_INT(anpr_cv_write_file(path, &src), ANPR_ERR_INVAL);
	tmp_path(path, sizeof(path), "missing.png");
	CHECK_INT(anpr_cv_read_file(path, ANPR_CV_LOAD_COLOR, &dst), ANPR_ERR_IO);
	CHECK_INT(anpr_cv_read_file(tmpdir, ANPR_CV_LOAD_COLOR, &dst), ANPR_ERR_IO); /* a directory */
	tmp_path(path, sizeof(path), "empty.png");
	CHECK(write_bytes(path, (const uint8_t *)"", 0));
	CHECK_INT(anpr_cv_read_file(path, ANPR_CV_LOAD_COLOR, &dst), ANPR_ERR_FORMAT);
	unlink(path);
	tmp_path(path, sizeof(path), "nodir/x.png");
	CHECK_INT(anpr_cv_write_file(path, &src), ANPR_ERR_IO);

	free(jpg);
	free(png);
	anpr_image_free(&src);
	anpr_image_free(&dst);
	anpr_image_free(&grey);
	anpr_image_free(&bmp);
}

static void test_probe(void)
{
	uint8_t buf[512];
	anpr_image img = { 0 };
	size_t n;
	int w = -1, h = -1;

	CHECK_INT(anpr_cv_probe(NULL, 10, &w, &h), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_probe(buf, 10, NULL, &h), ANPR_ERR_INVAL);

	/* JPEG: DHT (0xC4) is skipped, SOF0 and SOF2 both count. */
	n = jpeg_header(buf, 0xC0, 640, 480);
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_OK);
	CHECK(w == 640 && h == 480);
	n = jpeg_header(buf, 0xC2, 17, 9);
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_OK);
	CHECK(w == 17 && h == 9);
	for (size_t cut = 0; cut < n - 2; cut++) { /* every prefix that ends before the frame header does */
		CHECK_INT(anpr_cv_probe(buf, cut, &w, &h), ANPR_ERR_FORMAT);
		CHECK(w == 0 && h == 0);
	}
	n = jpeg_header(buf, 0xC8, 640, 480); /* JPG: reserved, not a frame header, then EOI */
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = jpeg_header(buf, 0xC0, 0, 480);
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = jpeg_header(buf, 0xC0, 640, 480);
	buf[28] = 0xDA; /* SOF turned into SOS: scan before frame */
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = jpeg_header(buf, 0xC0, 640, 480);
	buf[5] = 1; /* APP0 length 1 */
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = jpeg_header(buf, 0xC0, 640, 480);
	buf[4] = 0xFF; /* APP0 length runs off the end */
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = jpeg_header(buf, 0xC0, 640, 480);
	buf[30] = 14; /* SOF length disagrees with its component count */
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = jpeg_header(buf, 0xC0, 65535, 65535);
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_OK);
	CHECK(w == 65535 && h == 65535);
	CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_TOO_BIG);
	n = jpeg_header(buf, 0xC0, ANPR_IMAGE_MAX_SIDE + 1, 16);
	CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_TOO_BIG);
	CHECK(img.data == NULL);

	/* PNG. */
	png_header(buf, 1920, 1080);
	CHECK_INT(anpr_cv_probe(buf, 33, &w, &h), ANPR_ERR_OK);
	CHECK(w == 1920 && h == 1080);
	for (size_t cut = 0; cut < 33; cut++)
		CHECK_INT(anpr_cv_probe(buf, cut, &w, &h), ANPR_ERR_FORMAT);
	png_header(buf, 0, 10);
	CHECK_INT(anpr_cv_probe(buf, 33, &w, &h), ANPR_ERR_FORMAT);
	png_header(buf, 10, 0x80000000u);
	CHECK_INT(anpr_cv_probe(buf, 33, &w, &h), ANPR_ERR_FORMAT);
	png_header(buf, 0x7FFFFFFF, 1);
	CHECK_INT(anpr_cv_probe(buf, 33, &w, &h), ANPR_ERR_OK);
	CHECK_INT(w, 0x7FFFFFFF);
	png_header(buf, 10, 10);
	buf[12] = 'X'; /* first chunk not IHDR */
	CHECK_INT(anpr_cv_probe(buf, 33, &w, &h), ANPR_ERR_FORMAT);
	/* The brief's case: 100000 x 100000 is refused before any pixel memory exists. */
	png_header(buf, 100000, 100000);
	CHECK_INT(anpr_cv_probe(buf, 33, &w, &h), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_decode(buf, 33, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_TOO_BIG);
	CHECK(img.data == NULL && !img.owned);
	png_header(buf, ANPR_IMAGE_MAX_SIDE, ANPR_IMAGE_MAX_SIDE + 1);
	CHECK_INT(anpr_cv_decode(buf, 33, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_TOO_BIG);
	png_header(buf, 16, 16); /* a valid header and no image data */
	CHECK_INT(anpr_cv_decode(buf, 33, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_DECODE);

	/* BMP, bottom-up and top-down; the files decode too. */
	n = bmp_file(buf, 5, 3, 77);
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_OK);
	CHECK(w == 5 && h == 3);
	CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(img.width == 5 && img.height == 3 && *px(&img, 4, 2) == 77);
	n = bmp_file(buf, 4, -6, 99);
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_OK);
	CHECK(w == 4 && h == 6);
	CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(img.width == 4 && img.height == 6 && img.channels == 3 && *px(&img, 3, 5) == 99);
	for (size_t cut = 0; cut < 54; cut++)
		CHECK_INT(anpr_cv_probe(buf, cut, &w, &h), ANPR_ERR_FORMAT);
	n = bmp_file(buf, 4, 0, 0);
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = bmp_file(buf, -4, 4, 0);
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = bmp_file(buf, 4, 4, 0);
	put_le32(buf + 22, 0x80000000u); /* INT32_MIN rows */
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = bmp_file(buf, 4, 4, 0);
	put_le32(buf + 14, 12); /* OS/2 core header: not accepted */
	CHECK_INT(anpr_cv_probe(buf, n, &w, &h), ANPR_ERR_FORMAT);
	n = bmp_file(buf, 4, 4, 0);
	put_le32(buf + 14, 124); /* V5 header longer than the buffer */
	CHECK_INT(anpr_cv_probe(buf, 100, &w, &h), ANPR_ERR_FORMAT);
	bmp_header(buf, 20000, 1);
	CHECK_INT(anpr_cv_probe(buf, 54, &w, &h), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_decode(buf, 54, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_TOO_BIG);

	/* Neither. */
	CHECK_INT(anpr_cv_probe((const uint8_t *)"GIF89a\x01\x00\x01\x00", 10, &w, &h), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_cv_probe((const uint8_t *)"", 0, &w, &h), ANPR_ERR_FORMAT);
	anpr_image_free(&img);
}

static void test_decode_garbage(void)
{
	anpr_image img = { 0 };
	uint8_t *buf = malloc(4096), *jpg = NULL;
	uint32_t seed = 12345;
	size_t jpg_len = 0;
	int bad = 0;

	CHECK_INT(anpr_cv_decode(NULL, 10, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_decode(buf, 0, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_FORMAT);
	for (int i = 0; i < 500; i++) {
		size_t n = (size_t)i * 8;
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = (uint8_t)(seed >> 16);
		}
		bad += anpr_cv_decode(buf, n, i % 2 ? ANPR_CV_LOAD_GREY : ANPR_CV_LOAD_COLOR, &img) ==
		       ANPR_ERR_OK;
	}
	CHECK_INT(bad, 0);

	/* A real JPEG with scrambled entropy-coded data, then cut short: an error or an image, no crash. */
	gradient(&img, 32, 32);
	CHECK_INT(anpr_cv_encode_jpeg(&img, 80, &jpg, &jpg_len), ANPR_ERR_OK);
	for (size_t k = jpg_len / 2; k < jpg_len - 2; k += 7)
		jpg[k] ^= 0x5A;
	anpr_err err = anpr_cv_decode(jpg, jpg_len, ANPR_CV_LOAD_COLOR, &img);
	CHECK(err == ANPR_ERR_OK || err == ANPR_ERR_DECODE);
	for (size_t cut = 0; cut < jpg_len; cut += 37) {
		err = anpr_cv_decode(jpg, cut, ANPR_CV_LOAD_GREY, &img);
		CHECK(err == ANPR_ERR_OK || err == ANPR_ERR_DECODE || err == ANPR_ERR_FORMAT);
	}
	free(jpg);
	free(buf);
	anpr_image_free(&img);
}

static void test_convert(void)
{
	anpr_image bgr = { 0 }, out = { 0 }, yuv = { 0 }, back = { 0 };

	gradient(&bgr, 64, 48);
	CHECK_INT(anpr_cv_convert(&bgr, &out, ANPR_CV_BGR2GREY), ANPR_ERR_OK);
	CHECK(out.width == 64 && out.height == 48 && out.channels == 1);
	CHECK_INT(anpr_cv_convert(&out, &back, ANPR_CV_GREY2BGR), ANPR_ERR_OK);
	CHECK(back.channels == 3 && px(&back, 5, 5)[0] == px(&back, 5, 5)[2]);
	CHECK_INT(anpr_cv_convert(&bgr, &out, ANPR_CV_RGB2BGR), ANPR_ERR_OK);
	CHECK(out.channels == 3 && px(&out, 40, 7)[0] == px(&bgr, 40, 7)[2] &&
	      px(&out, 40, 7)[2] == px(&bgr, 40, 7)[0]);
	CHECK_INT(anpr_cv_convert(&bgr, &out, ANPR_CV_GREY2BGR), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_convert(&bgr, &bgr, ANPR_CV_RGB2BGR), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_convert(&bgr, &out, (anpr_cv_colour)42), ANPR_ERR_INVAL);

	/* I420: a 64 x 48 frame is 72 grey rows: Y, then U (12 rows), then V (12 rows). Red-ish chroma. */
	CHECK_INT(anpr_image_alloc(&yuv, 64, 72, 1), ANPR_ERR_OK);
	memset(yuv.data, 100, 64 * 48);
	memset(yuv.data + 64 * 48, 128, 64 * 12);
	memset(yuv.data + 64 * 60, 200, 64 * 12);
	CHECK_INT(anpr_cv_convert(&yuv, &out, ANPR_CV_I4202BGR), ANPR_ERR_OK);
	CHECK(out.width == 64 && out.height == 48 && out.channels == 3);
	CHECK(near(px(&out, 10, 40)[0], 100, 12) && px(&out, 10, 40)[1] < 70 && px(&out, 10, 40)[2] > 190);
	CHECK_INT(anpr_cv_convert(&yuv, &out, ANPR_CV_I4202GREY), ANPR_ERR_OK);
	CHECK(out.width == 64 && out.height == 48 && out.channels == 1 && *px(&out, 63, 47) == 100);
	/* NV12: Y, then 24 rows of interleaved U, V. */
	for (size_t i = 0; i < 64 * 24; i++)
		yuv.data[64 * 48 + i] = i % 2 ? 200 : 128;
	CHECK_INT(anpr_cv_convert(&yuv, &out, ANPR_CV_NV122BGR), ANPR_ERR_OK);
	CHECK(out.width == 64 && out.height == 48 && out.channels == 3);
	CHECK(near(px(&out, 10, 40)[0], 100, 12) && px(&out, 10, 40)[2] > 190);
	CHECK_INT(anpr_image_alloc(&yuv, 64, 71, 1), ANPR_ERR_OK); /* not a multiple of 3 rows */
	CHECK_INT(anpr_cv_convert(&yuv, &out, ANPR_CV_I4202BGR), ANPR_ERR_INVAL);
	CHECK_INT(anpr_image_alloc(&yuv, 63, 72, 1), ANPR_ERR_OK); /* odd width */
	CHECK_INT(anpr_cv_convert(&yuv, &out, ANPR_CV_NV122BGR), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_convert(&bgr, &out, ANPR_CV_I4202BGR), ANPR_ERR_INVAL); /* 3 channels */

	anpr_image_free(&bgr);
	anpr_image_free(&out);
	anpr_image_free(&yuv);
	anpr_image_free(&back);
}

static void test_resize(void)
{
	anpr_image src = { 0 }, dst = { 0 };
	static const anpr_cv_interp modes[] = { ANPR_CV_INTER_NEAREST, ANPR_CV_INTER_LINEAR,
						ANPR_CV_INTER_AREA, ANPR_CV_INTER_CUBIC };

	CHECK_INT(anpr_image_alloc(&src, 64, 48, 3), ANPR_ERR_OK);
	fill(&src, 90);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		CHECK_INT(anpr_cv_resize(&src, &dst, 32, 20, modes[i]), ANPR_ERR_OK);
		CHECK(dst.width == 32 && dst.height == 20 && dst.channels == 3);
		CHECK_INT(px(&dst, 31, 19)[2], 90);
	}
	CHECK_INT(anpr_cv_resize(&src, &dst, 640, 480, ANPR_CV_INTER_LINEAR), ANPR_ERR_OK);
	CHECK(dst.width == 640 && dst.height == 480 && px(&dst, 639, 479)[1] == 90);
	CHECK_INT(anpr_cv_resize(&src, &dst, 0, 10, ANPR_CV_INTER_LINEAR), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_resize(&src, &dst, 10, ANPR_IMAGE_MAX_SIDE + 1, ANPR_CV_INTER_LINEAR),
		  ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_resize(&src, &dst, 10, 10, (anpr_cv_interp)9), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_resize(&src, &src, 10, 10, ANPR_CV_INTER_LINEAR), ANPR_ERR_INVAL);
	anpr_image_free(&src);
	anpr_image_free(&dst);
}

/* c + u * (cos, sin) + v * (-sin, cos): a point in a frame rotated by deg (y down). */
static anpr_point rotated(float cx, float cy, float u, float v, float deg)
{
	float a = deg * 3.14159265f / 180.0f;

	return (anpr_point){ cx + u * cosf(a) - v * sinf(a), cy + u * sinf(a) + v * cosf(a) };
}

static void test_warp(void)
{
	anpr_image src = { 0 }, dst = { 0 };
	const uint8_t dark[3] = { 80, 80, 80 }, light[3] = { 200, 200, 200 };

	/* A 120 x 60 rectangle turned by 30 degrees: its left half dark, right half light. */
	CHECK_INT(anpr_image_alloc(&src, 200, 200, 1), ANPR_ERR_OK);
	fill(&src, 0);
	const anpr_point left[4] = { rotated(100, 100, -60, -30, 30), rotated(100, 100, 0, -30, 30),
				     rotated(100, 100, 0, 30, 30), rotated(100, 100, -60, 30, 30) };
	const anpr_point right[4] = { rotated(100, 100, 0, -30, 30), rotated(100, 100, 60, -30, 30),
				      rotated(100, 100, 60, 30, 30), rotated(100, 100, 0, 30, 30) };
	CHECK_INT(anpr_cv_fill_poly(&src, left, 4, dark), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_fill_poly(&src, right, 4, light), ANPR_ERR_OK);
	const anpr_point quad[4] = { left[0], right[1], right[2], left[3] };
	CHECK_INT(anpr_cv_warp_quad(&src, quad, &dst, 121, 61, ANPR_CV_INTER_LINEAR), ANPR_ERR_OK);
	CHECK(dst.width == 121 && dst.height == 61 && dst.channels == 1);
	CHECK(near(*px(&dst, 10, 10), 80, 3) && near(*px(&dst, 30, 30), 80, 3) &&
	      near(*px(&dst, 50, 50), 80, 3));
	CHECK(near(*px(&dst, 70, 10), 200, 3) && near(*px(&dst, 90, 30), 200, 3) &&
	      near(*px(&dst, 110, 50), 200, 3));
	/* Corners in the wrong rotation give the mirror image: light on the left. */
	const anpr_point turned[4] = { right[2], left[3], left[0], right[1] };
	CHECK_INT(anpr_cv_warp_quad(&src, turned, &dst, 121, 61, ANPR_CV_INTER_NEAREST), ANPR_ERR_OK);
	CHECK(near(*px(&dst, 10, 10), 200, 3) && near(*px(&dst, 110, 50), 80, 3));
	const anpr_point flat[4] = { { 5, 5 }, { 5, 5 }, { 5, 5 }, { 5, 5 } };
	CHECK_INT(anpr_cv_warp_quad(&src, flat, &dst, 100, 30, ANPR_CV_INTER_LINEAR), ANPR_ERR_INVAL);
	const anpr_point wild[4] = { { 0, 0 }, { NAN, 0 }, { 10, 10 }, { 0, 10 } };
	CHECK_INT(anpr_cv_warp_quad(&src, wild, &dst, 100, 30, ANPR_CV_INTER_LINEAR), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_warp_quad(&src, quad, &dst, 1, 30, ANPR_CV_INTER_LINEAR), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_warp_quad(&src, NULL, &dst, 100, 30, ANPR_CV_INTER_LINEAR), ANPR_ERR_INVAL);

	/* Affine: m maps src to dst, so a translation by (10, 5) moves content right and down. */
	const double shift[6] = { 1, 0, 10, 0, 1, 5 };
	CHECK_INT(anpr_cv_warp_affine(&src, shift, &dst, 200, 200, ANPR_CV_INTER_NEAREST), ANPR_ERR_OK);
	CHECK(dst.width == 200 && dst.height == 200);
	CHECK_INT(*px(&dst, 110, 105), *px(&src, 100, 100));
	CHECK_INT(*px(&dst, 60, 105), *px(&src, 50, 100));
	const double singular[6] = { 1, 2, 0, 2, 4, 0 };
	CHECK_INT(anpr_cv_warp_affine(&src, singular, &dst, 200, 200, ANPR_CV_INTER_LINEAR), ANPR_ERR_INVAL);
	const double inf[6] = { 1, 0, HUGE_VAL, 0, 1, 0 };
	CHECK_INT(anpr_cv_warp_affine(&src, inf, &dst, 200, 200, ANPR_CV_INTER_LINEAR), ANPR_ERR_INVAL);
	anpr_image_free(&src);
	anpr_image_free(&dst);
}

static void test_filters(void)
{
	anpr_image src = { 0 }, dst = { 0 }, bgr = { 0 };
	const uint8_t white[3] = { 255, 255, 255 };

	/* A vertical edge at x = 32. */
	CHECK_INT(anpr_image_alloc(&src, 64, 48, 1), ANPR_ERR_OK);
	fill(&src, 40);
	for (int y = 0; y < 48; y++)
		memset(px(&src, 32, y), 220, 32);
	CHECK_INT(anpr_image_alloc(&bgr, 64, 48, 3), ANPR_ERR_OK);
	fill(&bgr, 70);

	CHECK_INT(anpr_cv_gaussian_blur(&bgr, &dst, 5, 0), ANPR_ERR_OK);
	CHECK(dst.channels == 3 && px(&dst, 20, 20)[1] == 70);
	CHECK_INT(anpr_cv_gaussian_blur(&src, &dst, 1, 0), ANPR_ERR_OK);
	CHECK_INT(max_diff(&src, &dst), 0);
	CHECK_INT(anpr_cv_gaussian_blur(&src, &dst, 4, 0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_gaussian_blur(&src, &dst, 33, 0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_gaussian_blur(&src, &dst, 3, -1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_median_blur(&src, &dst, 5), ANPR_ERR_OK);
	CHECK_INT(*px(&dst, 10, 10), 40);
	CHECK_INT(anpr_cv_median_blur(&src, &dst, 9), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_median_blur(&src, &dst, 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_box_blur(&src, &dst, 3, 1), ANPR_ERR_OK);
	CHECK_INT(*px(&dst, 31, 10), (40 + 40 + 220) / 3);
	CHECK_INT(anpr_cv_box_blur(&src, &dst, 0, 3), ANPR_ERR_INVAL);

	CHECK_INT(anpr_cv_sobel_abs(&src, &dst, 1, 0, 3, 1.0), ANPR_ERR_OK);
	CHECK(dst.channels == 1 && *px(&dst, 10, 10) == 0 && *px(&dst, 32, 10) == 255);
	CHECK_INT(anpr_cv_sobel_abs(&src, &dst, 0, 1, 3, 1.0), ANPR_ERR_OK);
	CHECK_INT(count_value(&dst, 0), 64 * 48);
	for (int dx = 0; dx <= 2; dx++) {
		for (int dy = 0; dy <= 2; dy++) {
			for (int k = 1; k <= 7; k += 2) {
				if (dx + dy > 0)
					CHECK_INT(anpr_cv_sobel_abs(&src, &dst, dx, dy, k, 0.5), ANPR_ERR_OK);
			}
		}
	}
	CHECK_INT(anpr_cv_sobel_abs(&src, &dst, 0, 0, 3, 1.0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_sobel_abs(&src, &dst, 3, 0, 3, 1.0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_sobel_abs(&src, &dst, 1, 0, 9, 1.0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_sobel_abs(&bgr, &dst, 1, 0, 3, 1.0), ANPR_ERR_INVAL);

	CHECK_INT(anpr_cv_canny(&src, &dst, 50, 150), ANPR_ERR_OK);
	CHECK(count_value(&dst, 255) >= 48 && *px(&dst, 10, 10) == 0);
	CHECK_INT(anpr_cv_canny(&bgr, &dst, 50, 150), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_canny(&src, &dst, nan(""), 150), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_clahe(&src, &dst, 2.0, 8), ANPR_ERR_OK);
	CHECK(dst.width == 64 && dst.height == 48 && dst.channels == 1);
	CHECK_INT(anpr_cv_clahe(&src, &dst, 0, 8), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_clahe(&src, &dst, 2.0, 0), ANPR_ERR_INVAL);

	/* Drawing: an outline touches its border pixels only. */
	fill(&src, 0);
	CHECK_INT(anpr_cv_draw_rect(&src, (anpr_rect){ 10, 10, 20, 10 }, white, 1), ANPR_ERR_OK);
	CHECK(*px(&src, 10, 10) == 255 && *px(&src, 29, 19) == 255 && *px(&src, 20, 15) == 0 &&
	      *px(&src, 30, 20) == 0);
	CHECK_INT(count_value(&src, 255), 2 * 20 + 2 * 8);
	CHECK_INT(anpr_cv_draw_rect(&src, (anpr_rect){ 10, 10, 0, 10 }, white, 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_draw_rect(&src, (anpr_rect){ 10, 10, 5, 5 }, white, 0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_draw_rect(&src, (anpr_rect){ -100, -100, 1000, 1000 }, white, 2), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_fill_poly(&src, (const anpr_point[]){ { 0, 0 }, { 1, 1 } }, 2, white),
		  ANPR_ERR_INVAL);

	anpr_image_free(&src);
	anpr_image_free(&dst);
	anpr_image_free(&bgr);
}

static void test_threshold(void)
{
	anpr_image src = { 0 }, dst = { 0 };
	double used = -1;
	uint32_t seed = 7;

	/* Bimodal: around 50 on the left, around 200 on the right. */
	CHECK_INT(anpr_image_alloc(&src, 80, 40, 1), ANPR_ERR_OK);
	for (int y = 0; y < 40; y++) {
		for (int x = 0; x < 80; x++) {
			seed = seed * 1103515245u + 12345u;
			*px(&src, x, y) = (uint8_t)((x < 40 ? 50 : 200) + (int)(seed >> 16) % 21 - 10);
		}
	}
	CHECK_INT(anpr_cv_threshold(&src, &dst, 0, ANPR_CV_THRESH_OTSU, &used), ANPR_ERR_OK);
	CHECK(used >= 60 && used < 190);
	CHECK_INT(count_value(&dst, 255), 40 * 40);
	CHECK_INT(count_value(&dst, 0), 40 * 40);
	CHECK(*px(&dst, 0, 0) == 0 && *px(&dst, 79, 39) == 255);
	CHECK_INT(anpr_cv_threshold(&src, &dst, 0, ANPR_CV_THRESH_OTSU_INV, NULL), ANPR_ERR_OK);
	CHECK(*px(&dst, 0, 0) == 255 && *px(&dst, 79, 39) == 0);
	CHECK_INT(anpr_cv_threshold(&src, &dst, 100, ANPR_CV_THRESH_BINARY, &used), ANPR_ERR_OK);
	CHECK(used == 100.0 && *px(&dst, 79, 0) == 255);
	CHECK_INT(anpr_cv_threshold(&src, &dst, 100, ANPR_CV_THRESH_BINARY_INV, NULL), ANPR_ERR_OK);
	CHECK(*px(&dst, 79, 0) == 0);
	CHECK_INT(anpr_cv_threshold(&src, &dst, 100, (anpr_cv_thresh)8, NULL), ANPR_ERR_INVAL);

	CHECK_INT(anpr_cv_adaptive_threshold(&src, &dst, 11, 2, true, false), ANPR_ERR_OK);
	CHECK(dst.width == 80 && dst.height == 40);
	CHECK_INT(count_value(&dst, 0) + count_value(&dst, 255), 80 * 40);
	CHECK_INT(anpr_cv_adaptive_threshold(&src, &dst, 11, 2, false, true), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_adaptive_threshold(&src, &dst, 4, 2, false, false), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_adaptive_threshold(&src, &dst, 1, 2, false, false), ANPR_ERR_INVAL);
	anpr_image_free(&src);
	anpr_image_free(&dst);
}

static void test_morphology(void)
{
	anpr_image src = { 0 }, dst = { 0 }, same = { 0 };
	static const anpr_cv_morph ops[] = { ANPR_CV_MORPH_ERODE,    ANPR_CV_MORPH_DILATE,
					     ANPR_CV_MORPH_OPEN,     ANPR_CV_MORPH_CLOSE,
					     ANPR_CV_MORPH_GRADIENT, ANPR_CV_MORPH_TOPHAT,
					     ANPR_CV_MORPH_BLACKHAT };

	/* A 20 x 20 block with a one-pixel hole, and a speck of noise. */
	CHECK_INT(anpr_image_alloc(&src, 64, 48, 1), ANPR_ERR_OK);
	fill(&src, 0);
	for (int y = 10; y < 30; y++)
		memset(px(&src, 10, y), 255, 20);
	*px(&src, 20, 20) = 0;
	*px(&src, 50, 40) = 255;
	CHECK_INT(anpr_cv_morphology(&src, &dst, ANPR_CV_MORPH_OPEN, 3, 3, 1), ANPR_ERR_OK);
	CHECK(*px(&dst, 50, 40) == 0 && *px(&dst, 12, 12) == 255);
	CHECK_INT(anpr_cv_morphology(&src, &dst, ANPR_CV_MORPH_CLOSE, 3, 3, 1), ANPR_ERR_OK);
	CHECK(*px(&dst, 20, 20) == 255);
	CHECK_INT(anpr_cv_morphology(&src, &dst, ANPR_CV_MORPH_DILATE, 5, 3, 1), ANPR_ERR_OK);
	CHECK(*px(&dst, 52, 41) == 255 && *px(&dst, 53, 40) == 0 && *px(&dst, 50, 42) == 0);

	/* In place gives the same as out of place, for every operation. */
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		CHECK_INT(anpr_image_copy(&src, &same), ANPR_ERR_OK);
		uint8_t *before = same.data;
		CHECK_INT(anpr_cv_morphology(&src, &dst, ops[i], 3, 5, 2), ANPR_ERR_OK);
		CHECK_INT(anpr_cv_morphology(&same, &same, ops[i], 3, 5, 2), ANPR_ERR_OK);
		CHECK(same.data == before);
		CHECK_INT(max_diff(&same, &dst), 0);
	}
	CHECK_INT(anpr_cv_morphology(&src, &dst, ANPR_CV_MORPH_OPEN, 0, 3, 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_morphology(&src, &dst, ANPR_CV_MORPH_OPEN, 3, 102, 1), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_morphology(&src, &dst, ANPR_CV_MORPH_OPEN, 3, 3, 0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_morphology(&src, &dst, (anpr_cv_morph)99, 3, 3, 1), ANPR_ERR_INVAL);
	anpr_image_free(&src);
	anpr_image_free(&dst);
	anpr_image_free(&same);
}

static void square(anpr_image *img, float x, float y, float side)
{
	const uint8_t white[3] = { 255, 255, 255 };
	const anpr_point p[4] = {
		{ x, y }, { x + side - 1, y }, { x + side - 1, y + side - 1 }, { x, y + side - 1 }
	};

	CHECK_INT(anpr_cv_fill_poly(img, p, 4, white), ANPR_ERR_OK);
}

static void test_shapes(void)
{
	anpr_image img = { 0 };
	anpr_contours c = { 0 };
	anpr_component comps[4];
	anpr_point corners[4];
	float angle = 0;
	size_t n = 99;
	const uint8_t white[3] = { 255, 255, 255 };

	/* A filled 100 x 40 rectangle turned by 25 degrees. */
	CHECK_INT(anpr_image_alloc(&img, 320, 240, 1), ANPR_ERR_OK);
	fill(&img, 0);
	const anpr_point box[4] = { rotated(160, 120, -50, -20, 25), rotated(160, 120, 50, -20, 25),
				    rotated(160, 120, 50, 20, 25), rotated(160, 120, -50, 20, 25) };
	CHECK_INT(anpr_cv_fill_poly(&img, box, 4, white), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_find_contours(&img, true, 16, &c), ANPR_ERR_OK);
	CHECK_INT(c.n, 1);
	if (c.n == 1) {
		const anpr_point *pts = c.points + c.start[0];
		CHECK(c.count[0] >= 4);
		CHECK(fabs(anpr_cv_contour_area(pts, c.count[0]) - 4000) < 200);
		CHECK_INT(anpr_cv_min_area_rect(pts, c.count[0], corners, &angle), ANPR_ERR_OK);
		CHECK(fabs(anpr_cv_contour_area(corners, 4) - 4000) < 200);
		CHECK(isfinite(angle));
		for (int i = 0; i < 4; i++) { /* each corner near one of the drawn ones */
			float best = 1e9f;
			for (int k = 0; k < 4; k++)
				best = fminf(best, hypotf(corners[i].x - box[k].x, corners[i].y - box[k].y));
			CHECK(best < 2.5f);
		}
		anpr_rect r = anpr_cv_bounding_rect(pts, c.count[0]);
		CHECK(near(r.width, 108, 3) && near(r.height, 79, 3) && near(r.x + r.width / 2, 160, 2));
	}
	anpr_contours_free(&c);
	CHECK(c.points == NULL && c.n == 0);
	CHECK_INT(anpr_cv_min_area_rect(box, 0, corners, &angle), ANPR_ERR_INVAL);
	const anpr_point nan_pt[2] = { { 1, 1 }, { NAN, 2 } };
	CHECK_INT(anpr_cv_min_area_rect(nan_pt, 2, corners, &angle), ANPR_ERR_INVAL);
	CHECK(anpr_cv_contour_area(nan_pt, 2) == 0.0);
	CHECK(anpr_cv_contour_area(NULL, 5) == 0.0);
	CHECK_INT(anpr_cv_bounding_rect(NULL, 3).width, 0);

	/* Three blobs, in raster order. */
	fill(&img, 0);
	square(&img, 10, 10, 10);
	square(&img, 50, 10, 10);
	square(&img, 30, 50, 12);
	CHECK_INT(anpr_cv_components(&img, comps, 4, &n), ANPR_ERR_OK);
	CHECK_INT(n, 3);
	CHECK(comps[0].box.x == 10 && comps[0].box.y == 10 && comps[0].box.width == 10 &&
	      comps[0].area == 100);
	CHECK(fabsf(comps[0].cx - 14.5f) < 0.01f && fabsf(comps[0].cy - 14.5f) < 0.01f);
	CHECK(comps[1].box.x == 50 && comps[2].area == 144);
	CHECK_INT(anpr_cv_components(&img, comps, 1, &n), ANPR_ERR_OK);
	CHECK_INT(n, 3);
	CHECK_INT(anpr_cv_components(&img, NULL, 0, &n), ANPR_ERR_OK);
	CHECK_INT(n, 3);
	CHECK_INT(anpr_cv_components(&img, NULL, 2, &n), ANPR_ERR_INVAL);
	CHECK_INT(anpr_cv_find_contours(&img, true, 2, &c), ANPR_ERR_OK);
	CHECK_INT(c.n, 2);
	anpr_contours_free(&c);
	CHECK_INT(anpr_cv_find_contours(&img, true, 0, &c), ANPR_ERR_INVAL);

	/* A ring: one outer contour, two in all. */
	fill(&img, 0);
	CHECK_INT(anpr_cv_draw_rect(&img, (anpr_rect){ 20, 20, 60, 40 }, white, 3), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_find_contours(&img, true, 16, &c), ANPR_ERR_OK);
	CHECK_INT(c.n, 1);
	anpr_contours_free(&c);
	CHECK_INT(anpr_cv_find_contours(&img, false, 16, &c), ANPR_ERR_OK);
	CHECK_INT(c.n, 2);
	CHECK(c.n == 2 && c.start[1] == c.count[0]);
	anpr_contours_free(&c);
	fill(&img, 0);
	CHECK_INT(anpr_cv_find_contours(&img, false, 16, &c), ANPR_ERR_OK);
	CHECK(c.n == 0 && c.points == NULL);
	CHECK_INT(anpr_cv_components(&img, comps, 4, &n), ANPR_ERR_OK);
	CHECK_INT(n, 0);
	anpr_contours_free(&c);
	anpr_contours_free(NULL);
	anpr_image_free(&img);
}

enum { FRAMES = 10 };

static void test_video(void)
{
	anpr_video_writer *w = NULL;
	anpr_video_reader *r = NULL;
	anpr_video_info info;
	anpr_image frame = { 0 }, small = { 0 };
	char path[128], cut[128], junk[128];
	int64_t pts = -1, last = -1;
	const uint8_t white[3] = { 255, 255, 255 };
	uint8_t *bytes;
	size_t len;
	int got = 0;

	tmp_path(path, sizeof(path), "clip.avi");
	CHECK_INT(anpr_video_create(path, "MJP", 25, 320, 240, &w), ANPR_ERR_INVAL);
	CHECK_INT(anpr_video_create(path, "MJPG", 0, 320, 240, &w), ANPR_ERR_INVAL);
	CHECK_INT(anpr_video_create(path, "MJPG", 25, 320, 240, &w), ANPR_ERR_OK);
	CHECK_INT(anpr_image_alloc(&frame, 320, 240, 3), ANPR_ERR_OK);
	for (int i = 0; i < FRAMES; i++) {
		fill(&frame, (uint8_t)(20 + 20 * i));
		CHECK_INT(anpr_cv_draw_rect(&frame, (anpr_rect){ 10 + 20 * i, 50, 30, 30 }, white, 4),
			  ANPR_ERR_OK);
		CHECK_INT(anpr_video_write(w, &frame), ANPR_ERR_OK);
	}
	CHECK_INT(anpr_image_alloc(&small, 160, 120, 3), ANPR_ERR_OK);
	CHECK_INT(anpr_video_write(w, &small), ANPR_ERR_INVAL);
	CHECK_INT(anpr_video_finish(w), ANPR_ERR_OK);
	CHECK_INT(anpr_video_finish(NULL), ANPR_ERR_INVAL);

	CHECK_INT(anpr_video_open(path, &r, &info), ANPR_ERR_OK);
	CHECK(info.width == 320 && info.height == 240);
	CHECK(fabs(info.fps - 25) < 0.01);
	CHECK(info.frames == FRAMES || info.frames == -1);
	for (int i = 0; r && i < FRAMES; i++) {
		CHECK_INT(anpr_video_read(r, &frame, &pts), ANPR_ERR_OK);
		CHECK(frame.width == 320 && frame.height == 240 && frame.channels == 3);
		CHECK(pts > last);
		last = pts;
		CHECK(near(px(&frame, 300, 220)[1], 20 + 20 * i, 8));
		CHECK(near(px(&frame, 11 + 20 * i, 65)[0], 255, 24)); /* the outline moved */
	}
	CHECK_INT(last, (FRAMES - 1) * 40);
	if (r) {
		CHECK_INT(anpr_video_read(r, &frame, &pts), ANPR_ERR_CLOSED);
		CHECK_INT(anpr_video_read(r, &frame, &pts), ANPR_ERR_CLOSED);
	}
	anpr_video_close(r);
	anpr_video_close(NULL);

	/* Frames grabbed and never retrieved are passed over; the last grabbed is retrieved, even after the end. */
	for (int lazy = 0; lazy < 2; lazy++) {
		r = NULL;
		CHECK_INT(anpr_video_open(path, &r, &info), ANPR_ERR_OK);
		if (!r)
			break;
		CHECK(!lazy || anpr_video_lazy(r));
		CHECK_INT(anpr_video_retrieve(r, &frame), ANPR_ERR_INVAL); /* nothing grabbed yet */
		for (int i = 0; i < 3; i++)
			CHECK_INT(anpr_video_grab(r, &pts), ANPR_ERR_OK);
		CHECK(!anpr_video_lazy(r) || lazy); /* too late once grabbing has begun */
		CHECK_INT(pts, 2 * 40);
		CHECK_INT(anpr_video_retrieve(r, &frame), ANPR_ERR_OK);
		CHECK(near(px(&frame, 300, 220)[1], 20 + 20 * 2, 8));
		CHECK(near(px(&frame, 11 + 20 * 2, 65)[0], 255, 24));
		CHECK(near(px(&frame, 11 + 20 * 1, 65)[0], 20 + 20 * 2, 24)); /* not frame 1's outline */
		for (int i = 3; i < FRAMES; i++)
			CHECK_INT(anpr_video_grab(r, &pts), ANPR_ERR_OK);
		CHECK_INT(pts, (FRAMES - 1) * 40);
		CHECK_INT(anpr_video_grab(r, &pts), ANPR_ERR_CLOSED);
		CHECK_INT(anpr_video_retrieve(r, &frame), ANPR_ERR_OK);
		CHECK(near(px(&frame, 300, 220)[1], 20 + 20 * (FRAMES - 1), 8));
		CHECK_INT(anpr_video_grab(NULL, &pts), ANPR_ERR_INVAL);
		CHECK_INT(anpr_video_retrieve(r, NULL), ANPR_ERR_INVAL);
		anpr_video_close(r);
	}

	/* Not a video, missing, a directory. */
	tmp_path(junk, sizeof(junk), "junk.dat");
	CHECK(write_bytes(junk, (const uint8_t *)"\x01\x02 this is certainly not a video file \xfe\xff", 40));
	r = NULL;
	CHECK(anpr_video_open(junk, &r, &info) != ANPR_ERR_OK);
	CHECK(r == NULL);
	unlink(junk);
	CHECK_INT(anpr_video_open(junk, &r, &info), ANPR_ERR_IO);
	CHECK_INT(anpr_video_open(tmpdir, &r, &info), ANPR_ERR_IO);
	CHECK_INT(anpr_video_open(NULL, &r, &info), ANPR_ERR_INVAL);

	/* Truncated copies: fewer frames or an error, never a crash. */
	bytes = read_bytes(path, &len);
	CHECK(bytes && len > 1000);
	tmp_path(cut, sizeof(cut), "cut.avi");
	for (size_t keep = len / 2, lazy = 0; bytes && keep >= 64;
	     keep = lazy ? keep / 4 : keep, lazy = !lazy) {
		CHECK(write_bytes(cut, bytes, keep));
		anpr_err err = anpr_video_open(cut, &r, &info);
		if (!err && lazy)
			(void)anpr_video_lazy(
			    r); /* a damaged index may hide the rate: then it reads as usual */
		got = 0;
		while (err == ANPR_ERR_OK && got <= FRAMES) {
			err = anpr_video_read(r, &frame, &pts);
			got += err == ANPR_ERR_OK;
		}
		CHECK(got < FRAMES);
		CHECK(err != ANPR_ERR_OK);
		anpr_video_close(r);
		r = NULL;
	}
	free(bytes);
	unlink(cut);
	unlink(path);
	anpr_image_free(&frame);
	anpr_image_free(&small);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/anpr-opencv-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK(strlen(anpr_cv_version()) > 0);
	test_image();
	test_codecs();
	test_probe();
	test_decode_garbage();
	test_convert();
	test_resize();
	test_warp();
	test_filters();
	test_threshold();
	test_morphology();
	test_shapes();
	test_video();
	CHECK_INT(rmdir(tmpdir), 0);
	return check_summary();
}
