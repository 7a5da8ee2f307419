/* SPDX-License-Identifier: MIT */
/*
 * reader, on plates rendered flat by the project's generator and set into a
 * plain grey frame:
 * - a UK mark in light characters on a dark ground (a road sign's white on
 *   blue, livery; the same frame inverted) is still read, but not as surely
 *   as the same mark in the dark-on-light print every UK plate has carried
 *   since 1973 (ocr/reader.c, LIGHT_TEXT_UK);
 * - a sure reading of a current mark is not read again, but a sure reading
 *   of an older format from a short row is (older_and_short): a current
 *   mark that lost glyphs to its row reads like one.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "opencv_c.h"
#include "reader.h"
#include "synth.h"

enum { FRAME_W = 640, FRAME_H = 360 };

/* A frame of grey 90 with the plate's grey image pasted at its centre. */
static anpr_err frame_with(const anpr_image *plate_bgr, anpr_image *frame)
{
	anpr_image grey = { 0 };
	anpr_err err = anpr_cv_convert(plate_bgr, &grey, ANPR_CV_BGR2GREY);

	if (!err)
		err = anpr_image_alloc(frame, FRAME_W, FRAME_H, 1);
	if (!err) {
		int x0 = (FRAME_W - grey.width) / 2, y0 = (FRAME_H - grey.height) / 2;

		for (int y = 0; y < FRAME_H; y++)
			memset(frame->data + (size_t)y * frame->stride, 90, (size_t)FRAME_W);
		for (int y = 0; y < grey.height; y++)
			memcpy(frame->data + (size_t)(y0 + y) * frame->stride + x0,
			       grey.data + (size_t)y * grey.stride, (size_t)grey.width);
	}
	anpr_image_free(&grey);
	return err;
}

/* The confidence of the read of text in frame, or -1 when it is not read. */
static float read_conf(anpr_reader *r, const anpr_image *frame, const char *text)
{
	anpr_plate_read reads[8];
	size_t n = 0;

	if (anpr_reader_read(r, frame, reads, 8, &n) != ANPR_ERR_OK)
		return -1.0f;
	for (size_t i = 0; i < n; i++)
		if (strcmp(reads[i].text, text) == 0)
			return reads[i].confidence;
	return -1.0f;
}

/* Renders mark (display: as printed) flat at 0.5 px/mm into frame: glyphs about 40 px tall. */
static anpr_err render(anpr_synth *s, const char *text, const char *display, anpr_vrm_gen_format format,
		       anpr_image *frame)
{
	anpr_image plate = { 0 };
	anpr_synth_plate p = { .font = 0, .band = ANPR_SYNTH_BAND_NONE };
	const char *space = strchr(display, ' ');

	strcpy(p.vrm.text, text);
	strcpy(p.vrm.display, display);
	p.vrm.gap = space ? (int)(space - display) : 0;
	p.vrm.format = format;
	anpr_err err = anpr_synth_render_plate(s, &p, 0.5, &plate);
	if (!err)
		err = frame_with(&plate, frame);
	anpr_image_free(&plate);
	return err;
}

/* The OCR calls reading frame took, and the confidence of text in it into *conf. */
static unsigned long calls_for(anpr_reader *r, const anpr_image *frame, const char *text, float *conf)
{
	unsigned long before = anpr_reader_ocr_calls(r);

	*conf = read_conf(r, frame, text);
	return anpr_reader_ocr_calls(r) - before;
}

/* A sure current mark is read once; a sure dateless mark on a short row is read again, and stays sure. */
static void short_rows(anpr_synth *s, anpr_reader *r)
{
	anpr_image frame = { 0 };
	float conf;

	CHECK_INT(render(s, "LK18GHG", "LK18 GHG", ANPR_VRM_GEN_CURRENT, &frame), ANPR_ERR_OK);
	if (frame.data) {
		/* One cut, read by both models. */
		CHECK_INT((long)calls_for(r, &frame, "LK18GHG", &conf), 2);
		CHECK(conf >= 0.9f);
	}
	CHECK_INT(render(s, "ABC12", "ABC 12", ANPR_VRM_GEN_DATELESS, &frame), ANPR_ERR_OK);
	if (frame.data) {
		/* The first cut, then the other cut and the full row, each by both models. */
		CHECK((long)calls_for(r, &frame, "ABC12", &conf) >= 4);
		/* A plain short mark: the cuts agree, and it keeps its confidence. */
		CHECK(conf >= 0.9f);
	}
	anpr_image_free(&frame);
}

int main(void)
{
	anpr_synth *s = NULL;
	anpr_reader *r = NULL;
	anpr_image frame = { 0 };

	CHECK_INT(anpr_synth_open(NULL, &s), ANPR_ERR_OK);
	CHECK_INT(anpr_reader_open(&(anpr_reader_cfg){ .country = ANPR_COUNTRY_UK, .topn = 3 }, &r),
		  ANPR_ERR_OK);
	if (!s || !r)
		goto out;
	CHECK_INT(render(s, "LK18GHG", "LK18 GHG", ANPR_VRM_GEN_CURRENT, &frame), ANPR_ERR_OK);
	if (!frame.data)
		goto out;
	float dark = read_conf(r, &frame, "LK18GHG");
	CHECK(dark >= 0.9f);

	for (int y = 0; y < frame.height; y++)
		for (int x = 0; x < frame.width; x++)
			frame.data[(size_t)y * frame.stride + x] =
			    (uint8_t)(255 - frame.data[(size_t)y * frame.stride + x]);
	float light = read_conf(r, &frame, "LK18GHG");
	CHECK(light > 0.0f);
	CHECK(light < 0.9f && light < dark);
	short_rows(s, r);
out:
	anpr_image_free(&frame);
	anpr_reader_close(r);
	anpr_synth_close(s);
	return check_summary();
}
