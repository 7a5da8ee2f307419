/* SPDX-License-Identifier: MIT */
/* Frame sources: argument checks, dispatch to the replay or libcamera backend, and the --source syntax. */
#define ANPR_LOG_TAG "source"

#include "source.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source_internal.h"

struct anpr_source {
	anpr_source_kind kind;
	anpr_source_geom geom;
	anpr_replay *replay;    /* FILE and DIR */
	anpr_libcamera *camera; /* CAMERA */
};

static const char *const pixel_formats[] = { "YUV420", "NV12", "RGB888", "MJPEG" };

static bool pixel_format_ok(const char *name)
{
	if (!name)
		return true; /* the camera backend's default */
	for (size_t i = 0; i < sizeof(pixel_formats) / sizeof(pixel_formats[0]); i++)
		if (strcmp(name, pixel_formats[i]) == 0)
			return true;
	return false;
}

/* The checks every backend relies on, so each can trust its cfg. */
static bool cfg_ok(const anpr_source_cfg *cfg)
{
	switch (cfg->kind) {
	case ANPR_SOURCE_CAMERA:
		if (!pixel_format_ok(cfg->pixel_format)) {
			ANPR_LOGE("unknown camera pixel format \"%s\" (YUV420, NV12, RGB888 or MJPEG)",
				  cfg->pixel_format);
			return false;
		}
		break;
	case ANPR_SOURCE_FILE:
	case ANPR_SOURCE_DIR:
		if (!cfg->path || !*cfg->path) {
			ANPR_LOGE("%s source without a path", anpr_source_kind_name(cfg->kind));
			return false;
		}
		break;
	default:
		ANPR_LOGE("unknown source kind %d", (int)cfg->kind);
		return false;
	}
	if (cfg->width < 0 || cfg->width > ANPR_IMAGE_MAX_SIDE || cfg->height < 0 ||
	    cfg->height > ANPR_IMAGE_MAX_SIDE || (cfg->width == 0) != (cfg->height == 0)) {
		ANPR_LOGE("bad frame size %dx%d (both 0, or 1..%d each)", cfg->width, cfg->height,
			  ANPR_IMAGE_MAX_SIDE);
		return false;
	}
	/* Written so that NaN fails too. */
	if (!(cfg->fps >= 0 && cfg->fps <= 1000) || !(cfg->gain_max >= 0 && cfg->gain_max <= 1000) ||
	    cfg->exposure_max_us < 0 || cfg->start_utc_ms < 0) {
		ANPR_LOGE("bad source settings (fps %g, gain_max %g, exposure_max_us %d, start_utc_ms %lld)",
			  cfg->fps, cfg->gain_max, cfg->exposure_max_us, (long long)cfg->start_utc_ms);
		return false;
	}
	return true;
}

anpr_err anpr_source_open(const anpr_source_cfg *cfg, anpr_source **out)
{
	anpr_source *s = NULL;
	anpr_err err = ANPR_ERR_INVAL;

	if (!out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	if (!cfg || !cfg_ok(cfg))
		goto out;
	s = calloc(1, sizeof(*s));
	if (!s) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	s->kind = cfg->kind;
	if (cfg->kind == ANPR_SOURCE_CAMERA) {
#ifdef ANPR_HAVE_LIBCAMERA
		err = anpr_libcamera_open(cfg, &s->camera, &s->geom);
#else
		ANPR_LOGE("camera source: this build has no libcamera support (configured with "
			  "ANPR_WITH_LIBCAMERA=OFF); use a file: or dir: source");
		err = ANPR_ERR_UNSUPPORTED;
#endif
	} else {
		err = anpr_replay_open(cfg, &s->replay, &s->geom);
	}
	if (err)
		goto out;
	*out = s;
	s = NULL;
out:
	anpr_source_close(s);
	return err;
}

anpr_err anpr_source_next(anpr_source *s, anpr_image *dst, anpr_frame_info *info, int64_t timeout_ms)
{
	if (!s || !dst || !info)
		return ANPR_ERR_INVAL;
#ifdef ANPR_HAVE_LIBCAMERA
	if (s->camera)
		return anpr_libcamera_next(s->camera, dst, info, timeout_ms);
#endif
	return anpr_replay_next(s->replay, dst, info, timeout_ms);
}

void anpr_source_interrupt(anpr_source *s)
{
	if (!s)
		return;
#ifdef ANPR_HAVE_LIBCAMERA
	anpr_libcamera_interrupt(s->camera);
#endif
	anpr_replay_interrupt(s->replay);
}

void anpr_source_geometry(const anpr_source *s, int *width, int *height, double *fps)
{
	if (width)
		*width = s ? s->geom.width : 0;
	if (height)
		*height = s ? s->geom.height : 0;
	if (fps)
		*fps = s ? s->geom.fps : 0;
}

const char *anpr_source_kind_name(anpr_source_kind kind)
{
	switch (kind) {
	case ANPR_SOURCE_CAMERA:
		return "camera";
	case ANPR_SOURCE_FILE:
		return "file";
	case ANPR_SOURCE_DIR:
		return "dir";
	}
	return "unknown";
}

anpr_err anpr_source_parse_spec(const char *spec, anpr_source_cfg *cfg)
{
	static const struct {
		const char *prefix;
		anpr_source_kind kind;
	} kinds[] = {
		{ "camera:", ANPR_SOURCE_CAMERA },
		{ "file:", ANPR_SOURCE_FILE },
		{ "dir:", ANPR_SOURCE_DIR },
	};

	if (!spec || !cfg)
		return ANPR_ERR_INVAL;
	if (strcmp(spec, "camera") == 0) {
		cfg->kind = ANPR_SOURCE_CAMERA;
		cfg->path = NULL;
		return ANPR_ERR_OK;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);
		/* An empty id or path is a typo, not "the default". */
		if (strncmp(spec, kinds[i].prefix, n) == 0 && spec[n] != '\0') {
			cfg->kind = kinds[i].kind;
			cfg->path = spec + n;
			return ANPR_ERR_OK;
		}
	}
	return ANPR_ERR_INVAL;
}

void anpr_source_close(anpr_source *s)
{
	if (!s)
		return;
#ifdef ANPR_HAVE_LIBCAMERA
	anpr_libcamera_close(s->camera);
#endif
	anpr_replay_close(s->replay);
	free(s);
}

void anpr_source_log(unsigned site, int level, const char *fmt, ...)
{
	static anpr_log_site sites[ANPR_SOURCE_LOG_SITES];
	char msg[ANPR_LOG_LINE_MAX];
	va_list ap;

	if (level > atomic_load_explicit(&anpr_log_threshold, memory_order_relaxed))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Sites beyond the table share its last slot rather than going unlimited. */
	if (site >= ANPR_SOURCE_LOG_SITES)
		site = ANPR_SOURCE_LOG_SITES - 1;
	anpr_log_write(&sites[site], (anpr_log_level)level, "camera", "%s", msg);
}
