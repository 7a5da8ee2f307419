/* SPDX-License-Identifier: MIT */
/*
 * codec.c beyond the round trips of test_opencv_c: EXIF orientation, every BMP
 * pixel format it reads, PNG colour types and bit depths, Adobe CMYK JPEG, and
 * damaged files of each kind. The files are built here byte by byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "check.h"
#include "opencv_c.h"

static const uint8_t *at(const anpr_image *img, int x, int y)
{
	return img->data + (size_t)y * img->stride + (size_t)x * (size_t)img->channels;
}

static bool close_to(int a, int b, int tolerance)
{
	return abs(a - b) <= tolerance;
}

static void le16_to(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32_to(uint8_t *p, uint32_t v)
{
	le16_to(p, v);
	le16_to(p + 2, v >> 16);
}

static void be32_to(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- EXIF orientation ---- */

/* Grey level of the 8x8 block (bx, by) of the 24x16 test image: six distinct levels. */
static uint8_t block_level(int bx, int by)
{
	return (uint8_t)(20 + 40 * (bx + 3 * by));
}

/*
 * A grey JPEG of 24x16 pixels in six flat 8x8 blocks (quality 100 keeps them
 * flat), with an APP1 EXIF block whose IFD0 holds the Orientation tag with
 * value o, type type, byte order big-endian or little. The block carries the
 * first tiff_len (at most 26) bytes of its TIFF structure.
 */
static size_t exif_jpeg(uint8_t *out, size_t cap, int o, int type, bool big_endian, size_t tiff_len)
{
	anpr_image img = { 0 };
	uint8_t *jpg = NULL;
	size_t len = 0;

	CHECK_INT(anpr_image_alloc(&img, 24, 16, 1), ANPR_ERR_OK);
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 24; x++)
			img.data[(size_t)y * img.stride + (size_t)x] = block_level(x / 8, y / 8);
	CHECK_INT(anpr_cv_encode_jpeg(&img, 100, &jpg, &len), ANPR_ERR_OK);
	anpr_image_free(&img);

	/* APP1: marker, length, "Exif\0\0", TIFF header (8), IFD0 of one entry (2 + 12 + 4). */
	uint8_t app1[4 + 6 + 26] = { 0xFF, 0xE1, 0, 2 + 6 + 26, 'E', 'x', 'i', 'f', 0, 0 };
	uint8_t *t = app1 + 10;
	if (big_endian) {
		memcpy(t, "MM\0\x2a\0\0\0\x08", 8);
		memcpy(t + 8, "\0\x01\x01\x12", 4);
		t[12] = 0, t[13] = (uint8_t)type, t[14] = 0, t[15] = 0, t[16] = 0, t[17] = 1;
		t[18] = 0, t[19] = (uint8_t)o;
	} else {
		memcpy(t, "II\x2a\0\x08\0\0\0", 8);
		memcpy(t + 8, "\x01\0\x12\x01", 4);
		t[12] = (uint8_t)type, t[14] = 1;
		t[18] = (uint8_t)o;
	}
	size_t app1_len = 4 + 6 + tiff_len;
	app1[3] = (uint8_t)(2 + 6 + tiff_len);
	CHECK(tiff_len <= 26 && len + app1_len <= cap);
	memcpy(out, jpg, 2); /* SOI */
	memcpy(out + 2, app1, app1_len);
	memcpy(out + 2 + app1_len, jpg + 2, len - 2);
	free(jpg);
	return len + app1_len;
}

static void test_exif_orientation(void)
{
	/* Where the source's top-left and top-right blocks (their centres) land for each orientation. */
	static const struct {
		int o, tl_x, tl_y, tr_x, tr_y;
		const char *what;
	} cases[] = {
		{ 1, 4, 4, 20, 4, "as stored" },    { 2, 20, 4, 4, 4, "mirrored left to right" },
		{ 3, 20, 12, 4, 12, "half turn" },  { 4, 4, 12, 20, 12, "mirrored top to bottom" },
		{ 5, 4, 4, 4, 20, "transposed" },   { 6, 12, 4, 12, 20, "quarter turn clockwise" },
		{ 7, 12, 20, 12, 4, "transverse" }, { 8, 4, 20, 4, 4, "quarter turn anticlockwise" },
	};
	static uint8_t buf[4096];
	anpr_image img = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = exif_jpeg(buf, sizeof(buf), cases[i].o, 3, i % 2 == 1, 26);
		bool swap = cases[i].o >= 5;

		CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
		CHECK(img.width == (swap ? 16 : 24) && img.height == (swap ? 24 : 16));
		if (img.width != (swap ? 16 : 24) || img.height != (swap ? 24 : 16))
			continue;
		if (!close_to(*at(&img, cases[i].tl_x, cases[i].tl_y), block_level(0, 0), 3) ||
		    !close_to(*at(&img, cases[i].tr_x, cases[i].tr_y), block_level(2, 0), 3))
			fprintf(stderr, "orientation %d (%s) misplaced\n", cases[i].o, cases[i].what);
		CHECK(close_to(*at(&img, cases[i].tl_x, cases[i].tl_y), block_level(0, 0), 3));
		CHECK(close_to(*at(&img, cases[i].tr_x, cases[i].tr_y), block_level(2, 0), 3));
		/* Colour follows the same path. */
		CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
		CHECK(img.channels == 3 &&
		      close_to(at(&img, cases[i].tl_x, cases[i].tl_y)[1], block_level(0, 0), 3));
	}
	/* A tag of the wrong type, or a value out of range, leaves the image as stored. */
	size_t n = exif_jpeg(buf, sizeof(buf), 6, 4, false, 26);
	CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(img.width == 24 && img.height == 16);
	n = exif_jpeg(buf, sizeof(buf), 9, 3, true, 26);
	CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(img.width == 24 && img.height == 16);
	/* An IFD offset past the block's end is ignored too. */
	n = exif_jpeg(buf, sizeof(buf), 6, 3, false, 26);
	buf[2 + 10 + 4] = 0xF0;
	CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(img.width == 24 && img.height == 16);
	/* Blocks that end inside IFD0 (10 and 11 bytes: a count and no whole entry; 21: an entry cut). */
	for (size_t cut = 10; cut <= 21; cut += cut == 11 ? 10 : 1) {
		n = exif_jpeg(buf, sizeof(buf), 6, 3, false, cut);
		CHECK_INT(anpr_cv_decode(buf, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
		CHECK(img.width == 24 && img.height == 16);
	}
	anpr_image_free(&img);
}

/* ---- CMYK JPEG ---- */

/* An 8x8 Adobe (inverted) CMYK JPEG of one colour, written with libjpeg; the caller frees it. */
static uint8_t *cmyk_jpeg(const uint8_t cmyk[4], unsigned long *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *out = NULL;
	uint8_t row[8 * 4];

	for (int x = 0; x < 8; x++)
		memcpy(row + 4 * x, cmyk, 4);
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	*len = 0;
	jpeg_mem_dest(&c, &out, len);
	c.image_width = 8;
	c.image_height = 8;
	c.input_components = 4;
	c.in_color_space = JCS_CMYK;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 100, TRUE);
	jpeg_start_compress(&c, TRUE);
	for (int y = 0; y < 8; y++) {
		JSAMPROW r = row;
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return out;
}

static void test_cmyk(void)
{
	/* Inverted: red is no cyan ink (255), full magenta and yellow (0), no black (255). */
	static const uint8_t red[4] = { 255, 0, 0, 255 }, dark_grey[4] = { 255, 255, 255, 64 };
	anpr_image img = { 0 };
	unsigned long len;
	uint8_t *jpg = cmyk_jpeg(red, &len);

	CHECK_INT(anpr_cv_decode(jpg, len, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(img.width == 8 && img.channels == 3);
	const uint8_t *p = at(&img, 3, 3);
	CHECK(close_to(p[0], 0, 4) && close_to(p[1], 0, 4) && close_to(p[2], 255, 4));
	CHECK_INT(anpr_cv_decode(jpg, len, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(img.channels == 1 && close_to(*at(&img, 3, 3), 76, 3)); /* 0.299 of 255 */
	free(jpg);
	jpg = cmyk_jpeg(dark_grey, &len);
	CHECK_INT(anpr_cv_decode(jpg, len, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(close_to(*at(&img, 5, 5), 64, 3));
	free(jpg);
	anpr_image_free(&img);
}

/* ---- BMP ---- */

/*
 * Header of a BMP with a 40-byte info header, then palette entries or three
 * bit masks; returns the pixel data's offset. Rows are bottom-up.
 */
static size_t bmp_head(uint8_t *out, int w, int h, int bpp, uint32_t comp, const uint8_t (*pal)[3], int npal,
		       const uint32_t masks[3], size_t data_len)
{
	size_t off = 54 + (size_t)npal * 4 + (masks ? 12 : 0);

	memset(out, 0, off);
	out[0] = 'B';
	out[1] = 'M';
	le32_to(out + 2, (uint32_t)(off + data_len));
	le32_to(out + 10, (uint32_t)off);
	le32_to(out + 14, 40);
	le32_to(out + 18, (uint32_t)w);
	le32_to(out + 22, (uint32_t)h);
	out[26] = 1;
	out[28] = (uint8_t)bpp;
	le32_to(out + 30, comp);
	le32_to(out + 46, (uint32_t)npal);
	for (int i = 0; i < npal; i++)
		memcpy(out + 54 + 4 * i, pal[i], 3);
	for (int i = 0; masks && i < 3; i++)
		le32_to(out + 54 + 4 * i, masks[i]);
	return off;
}

static void test_bmp_formats(void)
{
	static const uint8_t pal[4][3] = { { 0, 0, 0 }, { 255, 255, 255 }, { 255, 0, 0 }, { 0, 0, 200 } };
	static const uint32_t rgb565[3] = { 0xF800, 0x07E0, 0x001F }, xrgb[3] = { 0xFF0000, 0xFF00, 0xFF };
	uint8_t b[256];
	anpr_image img = { 0 };
	size_t off;

	/* 1 bit: 10 pixels, 1010 0101 11; rows padded to 4 bytes. */
	off = bmp_head(b, 10, 1, 1, 0, pal, 2, NULL, 4);
	memcpy(b + off, "\xA5\xC0\0\0", 4);
	CHECK_INT(anpr_cv_decode(b, off + 4, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(img.width == 10 && *at(&img, 0, 0) == 255 && *at(&img, 1, 0) == 0 && *at(&img, 7, 0) == 255 &&
	      *at(&img, 8, 0) == 255 && *at(&img, 9, 0) == 255);
	CHECK(*at(&img, 6, 0) == 0);

	/* 4 bits through a colour palette, two rows bottom-up. */
	off = bmp_head(b, 3, 2, 4, 0, pal, 4, NULL, 8);
	memcpy(b + off, "\x23\x10\0\0\x01\x20\0\0", 8); /* bottom row 2 3 1, top row 0 1 2 */
	CHECK_INT(anpr_cv_decode(b, off + 8, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(img.channels == 3 && at(&img, 2, 0)[0] == 255 && at(&img, 2, 0)[2] == 0); /* blue */
	CHECK(at(&img, 1, 1)[2] == 200 && at(&img, 1, 1)[0] == 0);                      /* red */
	CHECK(at(&img, 0, 0)[0] == 0 && at(&img, 1, 0)[1] == 255);

	/* 16 bits, 5-5-5 by default: pure red is 31 << 10. */
	off = bmp_head(b, 2, 1, 16, 0, NULL, 0, NULL, 4);
	le16_to(b + off, 0x7C00);
	le16_to(b + off + 2, 0x001F);
	CHECK_INT(anpr_cv_decode(b, off + 4, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(at(&img, 0, 0)[2] == 255 && at(&img, 0, 0)[1] == 0 && at(&img, 1, 0)[0] == 255);

	/* 16 bits with 5-6-5 masks. */
	off = bmp_head(b, 2, 1, 16, 3, NULL, 0, rgb565, 4);
	le16_to(b + off, 0x07E0);
	le16_to(b + off + 2, 0x8410); /* half of each */
	CHECK_INT(anpr_cv_decode(b, off + 4, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(at(&img, 0, 0)[1] == 255 && at(&img, 0, 0)[2] == 0);
	CHECK(close_to(at(&img, 1, 0)[0], 132, 1) && close_to(at(&img, 1, 0)[1], 130, 1));

	/* 32 bits, plain BGRx and with masks. */
	off = bmp_head(b, 1, 1, 32, 0, NULL, 0, NULL, 4);
	memcpy(b + off, "\x0a\x14\x1e\xff", 4);
	CHECK_INT(anpr_cv_decode(b, off + 4, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(at(&img, 0, 0)[0] == 10 && at(&img, 0, 0)[1] == 20 && at(&img, 0, 0)[2] == 30);
	off = bmp_head(b, 1, 1, 32, 3, NULL, 0, xrgb, 4);
	le32_to(b + off, 0x00C08040);
	CHECK_INT(anpr_cv_decode(b, off + 4, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(at(&img, 0, 0)[0] == 0x40 && at(&img, 0, 0)[1] == 0x80 && at(&img, 0, 0)[2] == 0xC0);
	/* Grey with cvtColor's weights. */
	CHECK_INT(anpr_cv_decode(b, off + 4, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(close_to(*at(&img, 0, 0), (int)(0.114 * 0x40 + 0.587 * 0x80 + 0.299 * 0xC0 + 0.5), 1));

	/* Refused: run-length, pixel data cut short, pixel offset past the end, a palette cut short. */
	off = bmp_head(b, 2, 2, 8, 1, pal, 2, NULL, 8);
	CHECK_INT(anpr_cv_decode(b, off + 8, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_DECODE);
	off = bmp_head(b, 4, 4, 24, 0, NULL, 0, NULL, 48);
	CHECK_INT(anpr_cv_decode(b, off + 47, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_DECODE);
	le32_to(b + 10, 0x7FFFFFFF);
	CHECK_INT(anpr_cv_decode(b, off + 48, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_DECODE);
	off = bmp_head(b, 1, 1, 8, 0, pal, 4, NULL, 4);
	le32_to(b + 46, 0); /* all 256 entries, which the file does not hold */
	CHECK_INT(anpr_cv_decode(b, off + 4, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_DECODE);
	anpr_image_free(&img);
}

/* ---- PNG ---- */

static uint32_t crc32_of(const uint8_t *p, size_t n, uint32_t crc)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return ~crc;
}

/* Appends a chunk: length, type, data, CRC of type and data. */
static size_t png_chunk(uint8_t *out, size_t at, const char type[4], const uint8_t *data, size_t n)
{
	be32_to(out + at, (uint32_t)n);
	memcpy(out + at + 4, type, 4);
	if (n)
		memcpy(out + at + 8, data, n);
	be32_to(out + at + 8 + n, crc32_of(out + at + 4, n + 4, 0));
	return at + 12 + n;
}

/*
 * A PNG of w x h with the given bit depth, colour type and interlace flag;
 * raw holds the filtered scanlines (a 0 filter byte before each row), stored
 * uncompressed in a zlib stream. plte: n_plte RGB entries for colour type 3.
 */
static size_t png_make(uint8_t *out, uint32_t w, uint32_t h, int depth, int type, int interlace,
		       const uint8_t *plte, size_t n_plte, const uint8_t *raw, size_t n_raw)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	uint8_t ihdr[13] = { 0 }, z[256];
	uint32_t a = 1, b = 0;
	size_t at = 8;

	memcpy(out, sig, 8);
	be32_to(ihdr, w);
	be32_to(ihdr + 4, h);
	ihdr[8] = (uint8_t)depth;
	ihdr[9] = (uint8_t)type;
	ihdr[12] = (uint8_t)interlace;
	at = png_chunk(out, at, "IHDR", ihdr, 13);
	if (plte)
		at = png_chunk(out, at, "PLTE", plte, 3 * n_plte);
	/* zlib: header, one final stored block (length, its complement), the bytes, Adler-32. */
	z[0] = 0x78, z[1] = 0x01, z[2] = 1;
	le16_to(z + 3, (uint32_t)n_raw);
	le16_to(z + 5, (uint32_t)~n_raw & 0xFFFF);
	memcpy(z + 7, raw, n_raw);
	for (size_t i = 0; i < n_raw; i++) {
		a = (a + raw[i]) % 65521;
		b = (b + a) % 65521;
	}
	be32_to(z + 7 + n_raw, b << 16 | a);
	at = png_chunk(out, at, "IDAT", z, 11 + n_raw);
	return png_chunk(out, at, "IEND", NULL, 0);
}

static void test_png_formats(void)
{
	static const uint8_t plte[6] = { 255, 0, 0, 0, 0, 255 };
	uint8_t p[512];
	anpr_image img = { 0 };
	size_t n;

	/* Palette: red then blue, as BGR. */
	n = png_make(p, 2, 1, 8, 3, 0, plte, 2, (const uint8_t *)"\0\0\1", 3);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(img.width == 2 && at(&img, 0, 0)[2] == 255 && at(&img, 0, 0)[0] == 0 &&
	      at(&img, 1, 0)[0] == 255);

	/* 16-bit grey keeps the high byte. */
	n = png_make(p, 2, 1, 16, 0, 0, NULL, 0, (const uint8_t *)"\0\x12\x34\xff\x00", 5);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(*at(&img, 0, 0) == 0x12 && *at(&img, 1, 0) == 0xFF);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(img.channels == 3 && at(&img, 0, 0)[0] == 0x12 && at(&img, 0, 0)[2] == 0x12);

	/* Grey with alpha: the alpha is dropped, not blended. */
	n = png_make(p, 1, 1, 8, 4, 0, NULL, 0, (const uint8_t *)"\0\x64\x07", 3);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(*at(&img, 0, 0) == 100);

	/* RGBA to BGR, and RGB to grey with cvtColor's weights. */
	n = png_make(p, 1, 1, 8, 6, 0, NULL, 0, (const uint8_t *)"\0\x0a\xc8\x1e\x00", 5);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_OK);
	CHECK(at(&img, 0, 0)[0] == 30 && at(&img, 0, 0)[1] == 200 && at(&img, 0, 0)[2] == 10);
	n = png_make(p, 1, 1, 8, 2, 0, NULL, 0, (const uint8_t *)"\0\x0a\xc8\x1e", 4);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(close_to(*at(&img, 0, 0), 124, 1));

	/* 1-bit grey expands to 0 and 255; an interlaced 1x1 reads through the pass handling. */
	n = png_make(p, 8, 1, 1, 0, 0, NULL, 0, (const uint8_t *)"\0\xa5", 2);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(*at(&img, 0, 0) == 255 && *at(&img, 1, 0) == 0 && *at(&img, 7, 0) == 255);
	n = png_make(p, 1, 1, 8, 0, 1, NULL, 0, (const uint8_t *)"\0\x4d", 2);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_OK);
	CHECK(*at(&img, 0, 0) == 77);

	/* Damaged: a bad CRC, image data cut short, too little pixel data for the size. */
	n = png_make(p, 2, 1, 8, 3, 0, plte, 2, (const uint8_t *)"\0\0\1", 3);
	p[30] ^= 1; /* inside IHDR's CRC */
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_COLOR, &img), ANPR_ERR_DECODE);
	n = png_make(p, 2, 2, 8, 0, 0, NULL, 0, (const uint8_t *)"\0\1\2\0\3\4", 6);
	CHECK_INT(anpr_cv_decode(p, n - 20, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_DECODE);
	n = png_make(p, 2, 2, 8, 0, 0, NULL, 0, (const uint8_t *)"\0\1\2", 3);
	CHECK_INT(anpr_cv_decode(p, n, ANPR_CV_LOAD_GREY, &img), ANPR_ERR_DECODE);
	anpr_image_free(&img);
}

/* ---- Encoders ---- */

static void test_encoders(void)
{
	anpr_image img = { 0 }, back = { 0 };
	uint8_t *data = NULL;
	size_t len = 0;

	/* A grey JPEG decodes back to grey levels within JPEG's error. */
	CHECK_INT(anpr_image_alloc(&img, 40, 30, 1), ANPR_ERR_OK);
	for (int y = 0; y < 30; y++)
		for (int x = 0; x < 40; x++)
			img.data[(size_t)y * img.stride + (size_t)x] = (uint8_t)(x * 6);
	CHECK_INT(anpr_cv_encode_jpeg(&img, 90, &data, &len), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_decode(data, len, ANPR_CV_LOAD_GREY, &back), ANPR_ERR_OK);
	CHECK(back.width == 40 && close_to(*at(&back, 20, 15), 120, 6));
	free(data);
	/* Lower quality, smaller file: the evidence images' size search relies on it. */
	size_t q90 = len;
	CHECK_INT(anpr_cv_encode_jpeg(&img, 20, &data, &len), ANPR_ERR_OK);
	CHECK(len < q90);
	free(data);
	/* A grey PNG is lossless. */
	CHECK_INT(anpr_cv_encode_png(&img, &data, &len), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_decode(data, len, ANPR_CV_LOAD_GREY, &back), ANPR_ERR_OK);
	CHECK(back.width == 40 && *at(&back, 39, 29) == 234 && *at(&back, 1, 0) == 6);
	free(data);
	/* A view's stride is honoured. */
	anpr_image view = { 0 };
	CHECK_INT(anpr_image_view(&img, (anpr_rect){ 10, 5, 7, 3 }, &view), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_encode_png(&view, &data, &len), ANPR_ERR_OK);
	CHECK_INT(anpr_cv_decode(data, len, ANPR_CV_LOAD_GREY, &back), ANPR_ERR_OK);
	CHECK(back.width == 7 && back.height == 3 && *at(&back, 0, 0) == 60);
	free(data);
	anpr_image_free(&img);
	anpr_image_free(&back);
}

int main(void)
{
	test_exif_orientation();
	test_cmyk();
	test_bmp_formats();
	test_png_formats();
	test_encoders();
	return check_summary();
}
