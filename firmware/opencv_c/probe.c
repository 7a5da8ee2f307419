/* SPDX-License-Identifier: MIT */
/* anpr_cv_probe(): image sizes from JPEG, PNG and BMP headers, read from untrusted bytes without decoding. */
#include "opencv_c.h"
#include "opencv_c_internal.h"

#include <limits.h>
#include <string.h>

/* Walks the marker segments after SOI up to the first frame header (SOF0..SOF15). */
static anpr_err probe_jpeg(const uint8_t *buf, size_t len, int *width, int *height)
{
	size_t pos = 2;

	for (;;) {
		uint32_t marker, seglen, nf;

		/* A marker is 0xFF, optionally more 0xFF fill bytes, then its code. */
		if (pos >= len || buf[pos] != 0xFF)
			return ANPR_ERR_FORMAT;
		while (pos < len && buf[pos] == 0xFF)
			pos++;
		if (pos >= len)
			return ANPR_ERR_FORMAT;
		marker = buf[pos++];
		if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
			continue; /* TEM and RSTn stand alone */
		/* A stuffed zero, another SOI, EOI or a scan before any frame header: not a usable image. */
		if (marker == 0x00 || marker == 0xD8 || marker == 0xD9 || marker == 0xDA)
			return ANPR_ERR_FORMAT;
		if (len - pos < 2)
			return ANPR_ERR_FORMAT;
		seglen = anpr_be16(buf + pos); /* counts itself, not the marker */
		if (seglen < 2 || seglen > len - pos)
			return ANPR_ERR_FORMAT;
		if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
			/* Lf(2) P(1) Y(2) X(2) Nf(1), then 3 bytes per component. */
			if (seglen < 8)
				return ANPR_ERR_FORMAT;
			nf = buf[pos + 7];
			if (nf == 0 || seglen != 8 + 3 * nf)
				return ANPR_ERR_FORMAT;
			*height = (int)anpr_be16(buf + pos + 3);
			*width = (int)anpr_be16(buf + pos + 5);
			/* A zero height means a DNL marker later on, which the decoders do not support. */
			return *width && *height ? ANPR_ERR_OK : ANPR_ERR_FORMAT;
		}
		pos += seglen;
	}
}

/* The signature, then IHDR, which must be the first chunk. */
static anpr_err probe_png(const uint8_t *buf, size_t len, int *width, int *height)
{
	uint32_t w, h;

	/* signature(8) length(4) "IHDR"(4) data(13) CRC(4) */
	if (len < 33 || anpr_be32(buf + 8) != 13 || memcmp(buf + 12, "IHDR", 4) != 0)
		return ANPR_ERR_FORMAT;
	w = anpr_be32(buf + 16);
	h = anpr_be32(buf + 20);
	if (w == 0 || h == 0 || w > INT_MAX || h > INT_MAX)
		return ANPR_ERR_FORMAT;
	*width = (int)w;
	*height = (int)h;
	return ANPR_ERR_OK;
}

/* The 14-byte file header, then a BITMAPINFOHEADER or one of its longer successors. */
static anpr_err probe_bmp(const uint8_t *buf, size_t len, int *width, int *height)
{
	uint32_t hdr, w, h, bpp;

	if (len < 30)
		return ANPR_ERR_FORMAT;
	hdr = anpr_le32(buf + 14);
	if (hdr != 40 && hdr != 52 && hdr != 56 && hdr != 64 && hdr != 108 && hdr != 124)
		return ANPR_ERR_FORMAT;
	if (len - 14 < hdr || anpr_le16(buf + 26) != 1)
		return ANPR_ERR_FORMAT; /* truncated info header, or planes != 1 */
	bpp = anpr_le16(buf + 28);
	if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
		return ANPR_ERR_FORMAT;
	w = anpr_le32(buf + 18);
	h = anpr_le32(buf + 22);
	/* Both are signed 32-bit; a negative height means top-down rows. */
	if (h > INT32_MAX)
		h = ~h + 1u; /* its magnitude; INT32_MIN stays 2^31 and is refused below */
	if (w == 0 || h == 0 || w > INT32_MAX || h > INT32_MAX)
		return ANPR_ERR_FORMAT;
	*width = (int)w;
	*height = (int)h;
	return ANPR_ERR_OK;
}

anpr_err anpr_cv_probe(const uint8_t *buf, size_t len, int *width, int *height)
{
	static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	int w = 0, h = 0;
	anpr_err err = ANPR_ERR_FORMAT;

	if (!buf || !width || !height)
		return ANPR_ERR_INVAL;
	*width = 0;
	*height = 0;
	if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8)
		err = probe_jpeg(buf, len, &w, &h);
	else if (len >= sizeof(png_sig) && memcmp(buf, png_sig, sizeof(png_sig)) == 0)
		err = probe_png(buf, len, &w, &h);
	else if (len >= 2 && buf[0] == 'B' && buf[1] == 'M')
		err = probe_bmp(buf, len, &w, &h);
	if (err)
		return err;
	*width = w;
	*height = h;
	return ANPR_ERR_OK;
}
