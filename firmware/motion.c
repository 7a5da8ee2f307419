/* SPDX-License-Identifier: MIT */
/* Where the picture changes: regions of motion against a running background, so readers search only there. */
#include "motion.h"

#include <stdlib.h>
#include <string.h>

#define CELL 8           /* frame pixels per thumbnail cell, each way */
#define MAX_CHANGED 0.55 /* beyond this share of changed area, search everything */
#define MAX_COMPONENTS 256
#define MIN_CELLS 3   /* smaller changes are noise or leaves */
#define LEARN_SHIFT 3 /* background follows the scene by 1/8 of the difference per frame */

struct anpr_motion {
	anpr_motion_cfg cfg;
	int tw, th;          /* thumbnail size */
	anpr_image thumb;    /* grey, tw x th */
	anpr_image grey;     /* the frame in grey, when it comes in colour */
	int32_t *background; /* tw * th, grey level << 8 */
	anpr_image changed;  /* binary, tw x th */
	anpr_component comps[MAX_COMPONENTS];
	long frames;
	bool have_background;
};

anpr_err anpr_motion_open(const anpr_motion_cfg *cfg, anpr_motion **out)
{
	anpr_motion *m;

	if (!cfg || !out || cfg->width < CELL * 4 || cfg->height < CELL * 4 ||
	    cfg->width > ANPR_IMAGE_MAX_SIDE || cfg->height > ANPR_IMAGE_MAX_SIDE || cfg->margin_px < 0 ||
	    cfg->full_every < 0 || cfg->threshold < 0)
		return ANPR_ERR_INVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ANPR_ERR_NOMEM;
	m->cfg = *cfg;
	if (m->cfg.threshold == 0)
		m->cfg.threshold = 12;
	m->tw = cfg->width / CELL;
	m->th = cfg->height / CELL;
	m->background = calloc((size_t)m->tw * (size_t)m->th, sizeof(*m->background));
	if (!m->background || anpr_image_alloc(&m->thumb, m->tw, m->th, 1) ||
	    anpr_image_alloc(&m->changed, m->tw, m->th, 1)) {
		anpr_motion_close(m);
		return ANPR_ERR_NOMEM;
	}
	*out = m;
	return ANPR_ERR_OK;
}

void anpr_motion_close(anpr_motion *m)
{
	if (!m)
		return;
	anpr_image_free(&m->thumb);
	anpr_image_free(&m->grey);
	anpr_image_free(&m->changed);
	free(m->background);
	free(m);
}

static size_t whole(const anpr_motion *m, anpr_rect *rois)
{
	rois[0] = (anpr_rect){ 0, 0, m->cfg.width, m->cfg.height };
	return 1;
}

static bool overlap(anpr_rect a, anpr_rect b)
{
	return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

static anpr_rect unite(anpr_rect a, anpr_rect b)
{
	int x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
	int x1 = a.x + a.width > b.x + b.width ? a.x + a.width : b.x + b.width;
	int y1 = a.y + a.height > b.y + b.height ? a.y + a.height : b.y + b.height;
	return (anpr_rect){ x0, y0, x1 - x0, y1 - y0 };
}

/* Grows r by the margin, clipped to the frame. */
static anpr_rect grow(const anpr_motion *m, anpr_rect r)
{
	int x0 = r.x - m->cfg.margin_px, y0 = r.y - m->cfg.margin_px;
	int x1 = r.x + r.width + m->cfg.margin_px, y1 = r.y + r.height + m->cfg.margin_px;
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > m->cfg.width ? m->cfg.width : x1;
	y1 = y1 > m->cfg.height ? m->cfg.height : y1;
	return (anpr_rect){ x0, y0, x1 - x0, y1 - y0 };
}

anpr_err anpr_motion_update(anpr_motion *m, const anpr_image *frame, anpr_rect rois[ANPR_MOTION_MAX_ROIS],
			    size_t *n)
{
	const anpr_image *grey = frame;
	size_t nc = 0, nr = 0;
	long changed = 0;
	anpr_err err;

	*n = whole(m, rois);
	if (!frame || frame->width != m->cfg.width || frame->height != m->cfg.height)
		return ANPR_ERR_INVAL;
	if (frame->channels == 3) {
		err = anpr_cv_convert(frame, &m->grey, ANPR_CV_BGR2GREY);
		if (err)
			return err;
		grey = &m->grey;
	}
	/* Area averaging to the thumbnail also averages the sensor noise away. */
	err = anpr_cv_resize(grey, &m->thumb, m->tw, m->th, ANPR_CV_INTER_AREA);
	if (err)
		return err;
	m->frames++;
	for (int y = 0; y < m->th; y++) {
		const uint8_t *t = m->thumb.data + (size_t)y * m->thumb.stride;
		uint8_t *c = m->changed.data + (size_t)y * m->changed.stride;
		int32_t *bg = m->background + (size_t)y * (size_t)m->tw;
		for (int x = 0; x < m->tw; x++) {
			int32_t v = (int32_t)t[x] << 8;
			if (!m->have_background)
				bg[x] = v;
			int32_t d = v - bg[x];
			bool moved = (d < 0 ? -d : d) > (m->cfg.threshold << 8);
			c[x] = moved ? 255 : 0;
			changed += moved;
			bg[x] += d >> LEARN_SHIFT;
		}
	}
	if (!m->have_background) {
		m->have_background = true;
		return ANPR_ERR_OK;
	}
	if ((m->cfg.full_every > 0 && m->frames % m->cfg.full_every == 0) ||
	    changed > (long)(MAX_CHANGED * m->tw * m->th))
		return ANPR_ERR_OK;
	err = anpr_cv_components(&m->changed, m->comps, MAX_COMPONENTS, &nc);
	if (err || nc > MAX_COMPONENTS)
		return err; /* a storm of changes: search everything */
	for (size_t i = 0; i < nc; i++) {
		if (m->comps[i].area < MIN_CELLS)
			continue;
		anpr_rect r = m->comps[i].box;
		r = grow(m, (anpr_rect){ r.x * CELL, r.y * CELL, r.width * CELL, r.height * CELL });
		/* Merge with any region it touches, repeatedly, so regions never overlap. */
		for (size_t j = 0; j < nr;) {
			if (overlap(r, rois[j])) {
				r = unite(r, rois[j]);
				rois[j] = rois[--nr];
				j = 0;
			} else {
				j++;
			}
		}
		if (nr == ANPR_MOTION_MAX_ROIS) {
			/* Too many separate regions: join the new one to the first. */
			rois[0] = unite(rois[0], r);
		} else {
			rois[nr++] = r;
		}
	}
	*n = nr; /* 0: nothing moved, nothing to search */
	return ANPR_ERR_OK;
}
