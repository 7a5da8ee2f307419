/* SPDX-License-Identifier: MIT */
/* The images that go with a read: the 120x60 plate patch and the overview of the scene, as size-capped JPEGs. */
#define ANPR_LOG_TAG "evidence"
#include "evidence.h"

#include <math.h>
#include <stdlib.h>

#include "log.h"

#define PATCH_WIDEN 1.12f /* plate width share of the patch: a little margin each side */

void anpr_jpeg_free(anpr_jpeg *j)
{
	if (!j)
		return;
	free(j->data);
	j->data = NULL;
	j->len = 0;
}

void anpr_evidence_work_free(anpr_evidence_work *w)
{
	if (w)
		anpr_image_free(&w->scaled);
}

/*
 * Highest quality in [lo, hi] whose encoding fits max_bytes, by bisection
 * (JPEG size grows with quality, near enough monotonically; the result is
 * checked, never assumed). ANPR_ERR_ENCODE when even lo does not fit.
 */
static anpr_err encode_fitting(const anpr_image *img, int lo, int hi, size_t max_bytes, anpr_jpeg *out)
{
	uint8_t *best = NULL, *buf = NULL;
	size_t best_len = 0, len = 0;
	int best_q = 0;
	anpr_err err;

	while (lo <= hi) {
		int q = (lo + hi) / 2;
		err = anpr_cv_encode_jpeg(img, q, &buf, &len);
		if (err)
			goto out;
		if (len <= max_bytes) {
			free(best);
			best = buf;
			best_len = len;
			best_q = q;
			lo = q + 1;
		} else {
			free(buf);
			hi = q - 1;
		}
		buf = NULL;
	}
	if (!best) {
		err = ANPR_ERR_ENCODE;
		goto out;
	}
	out->data = best;
	out->len = best_len;
	out->width = img->width;
	out->height = img->height;
	out->quality = best_q;
	best = NULL;
	err = ANPR_ERR_OK;
out:
	free(best);
	return err;
}

static bool quad_ok(const anpr_image *frame, const anpr_point q[4])
{
	if (!frame || !frame->data || frame->width < 2 || frame->height < 2)
		return false;
	for (int i = 0; i < 4; i++)
		if (!isfinite(q[i].x) || !isfinite(q[i].y))
			return false;
	return true;
}

anpr_err anpr_evidence_warp_patch(const anpr_image *frame, const anpr_point q[4], anpr_image *patch)
{
	anpr_point region[4];
	float ux, uy, vx, vy, ulen, vlen, cx = 0, cy = 0, half_w, half_h;
	if (!quad_ok(frame, q) || !patch)
		return ANPR_ERR_INVAL;
	/* The plate's axes: u along the text (mean of top and bottom edges), v down its side. */
	ux = ((q[1].x - q[0].x) + (q[2].x - q[3].x)) / 2;
	uy = ((q[1].y - q[0].y) + (q[2].y - q[3].y)) / 2;
	vx = ((q[3].x - q[0].x) + (q[2].x - q[1].x)) / 2;
	vy = ((q[3].y - q[0].y) + (q[2].y - q[1].y)) / 2;
	ulen = hypotf(ux, uy);
	vlen = hypotf(vx, vy);
	if (ulen < 4.0f || vlen < 1.0f)
		return ANPR_ERR_INVAL;
	for (int i = 0; i < 4; i++) {
		cx += q[i].x / 4;
		cy += q[i].y / 4;
	}
	ux /= ulen;
	uy /= ulen;
	vx /= vlen;
	vy /= vlen;
	half_w = ulen * PATCH_WIDEN / 2;
	half_h = half_w * ANPR_PATCH_H / ANPR_PATCH_W; /* 2:1 in the plate's own axes */
	region[0] = (anpr_point){ cx - half_w * ux - half_h * vx, cy - half_w * uy - half_h * vy };
	region[1] = (anpr_point){ cx + half_w * ux - half_h * vx, cy + half_w * uy - half_h * vy };
	region[2] = (anpr_point){ cx + half_w * ux + half_h * vx, cy + half_w * uy + half_h * vy };
	region[3] = (anpr_point){ cx - half_w * ux + half_h * vx, cy - half_w * uy + half_h * vy };
	return anpr_cv_warp_quad(frame, region, patch, ANPR_PATCH_W, ANPR_PATCH_H, ANPR_CV_INTER_LINEAR);
}

anpr_err anpr_evidence_encode_patch(const anpr_image *patch, anpr_jpeg *out)
{
	if (!patch || !patch->data || patch->width != ANPR_PATCH_W || patch->height != ANPR_PATCH_H || !out)
		return ANPR_ERR_INVAL;
	return encode_fitting(patch, 1, 95, ANPR_PATCH_MAX_BYTES, out);
}

anpr_err anpr_evidence_overview(const anpr_image *frame, const anpr_point q[4], anpr_evidence_work *w,
				anpr_jpeg *out, anpr_rect *plate_box)
{
	const anpr_image *src = frame;
	int width;
	anpr_err err;

	if (!quad_ok(frame, q) || !w || !out)
		return ANPR_ERR_INVAL;
	width = frame->width;
	/*
	 * One encoding at the minimum quality tells whether this width can
	 * fit (bytes scale roughly with area, which also gives the next width
	 * to try); the quality is bisected only at a width that fits.
	 */
	for (int attempt = 0; attempt < 32; attempt++) {
		int height = (int)lround((double)frame->height * width / frame->width);
		uint8_t *probe = NULL;
		size_t len = 0;

		if (height < 1)
			height = 1;
		if (width != frame->width) {
			err = anpr_cv_resize(frame, &w->scaled, width, height, ANPR_CV_INTER_AREA);
			if (err)
				return err;
			src = &w->scaled;
		}
		err = anpr_cv_encode_jpeg(src, ANPR_OVERVIEW_MIN_QUALITY, &probe, &len);
		free(probe);
		if (err)
			return err;
		if (len <= ANPR_OVERVIEW_MAX_BYTES) {
			err =
			    encode_fitting(src, ANPR_OVERVIEW_MIN_QUALITY, 90, ANPR_OVERVIEW_MAX_BYTES, out);
			if (err)
				return err;
			break;
		}
		if (width <= ANPR_OVERVIEW_MIN_WIDTH) {
			/* A pathological frame (pure noise): smallest size, whatever quality fits. */
			err = encode_fitting(src, 1, ANPR_OVERVIEW_MIN_QUALITY, ANPR_OVERVIEW_MAX_BYTES, out);
			if (err)
				return err;
			break;
		}
		double scale = sqrt((double)ANPR_OVERVIEW_MAX_BYTES / (double)len) * 0.98;
		width = (int)(width * (scale < 0.95 ? scale : 0.95)) & ~7;
		if (width < ANPR_OVERVIEW_MIN_WIDTH)
			width = ANPR_OVERVIEW_MIN_WIDTH;
	}
	if (!out->data)
		return ANPR_ERR_ENCODE;
	if (plate_box) {
		double s = (double)out->width / frame->width;
		anpr_rect r = anpr_cv_bounding_rect(q, 4);
		plate_box->x = (int)floor(r.x * s);
		plate_box->y = (int)floor(r.y * s);
		plate_box->width = (int)ceil((r.x + r.width) * s) - plate_box->x;
		plate_box->height = (int)ceil((r.y + r.height) * s) - plate_box->y;
	}
	return ANPR_ERR_OK;
}
