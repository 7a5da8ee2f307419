/* SPDX-License-Identifier: MIT */
/* The capture pipeline: source -> bounded queue -> reader workers -> tracker -> read builder and signer -> store. */
#define ANPR_LOG_TAG "pipeline"
#include "pipeline.h"

#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "clockstat.h"
#include "evidence.h"
#include "log.h"
#include "luma.h"
#include "motion.h"
#include "queue.h"
#include "read.h"

#define MAX_READS 8     /* plates read per frame */
#define SPARE_SLOTS 2   /* frames beyond the queue and the workers' own */
#define EMIT_JOBS 24    /* passages waiting for their read to be built */
#define KEEP_MAX_W 1600 /* overview keepsakes are scaled to at most this width */
#define DIRECTION_BUF 16
#define CAMERA_BACKOFF_MAX_MS 30000
#define MOTION_MARGIN_PX 48   /* searched around moving cells, so a plate is never cut */
#define MOTION_FULL_EVERY 50  /* frames between whole-frame searches (a vehicle stopped in view) */
#define HINT_LOOKAHEAD_MS 600 /* how far ahead of the tracker the readers may be */
#define PLATE_WIDTHS 64       /* recent plate widths kept for the focus aid */
#define READ_MINUTES 1440     /* per-minute read counts: the last day */

typedef struct slot {
	anpr_image img;
	anpr_frame_info info;
	uint64_t seq; /* pipeline order: every queued frame comes back to the tracker once */
	anpr_rect rois[ANPR_MOTION_MAX_ROIS]; /* where to search */
	size_t n_rois;
	anpr_plate_read reads[MAX_READS];
	size_t n_reads;
	struct slot *next_free;
} slot;

typedef struct keepsake {
	anpr_image overview; /* the frame, scaled to at most KEEP_MAX_W */
	anpr_image patch;    /* 120x60, warped from the full frame */
	anpr_point quad[4];  /* the plate in overview pixels */
	anpr_clock_state clock;
	struct keepsake *next_free;
} keepsake;

typedef struct emit_job {
	anpr_passage p;
	struct emit_job *next_free;
} emit_job;

/* A reader thread's view of where it is reading, for the want_read callback. */
typedef struct worker_arg {
	struct anpr_pipeline *p;
	int index;
	int off_x, off_y; /* origin of the region being read, in the frame */
} worker_arg;

/* A fixed set of objects handed out and returned across threads. */
typedef struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void *free_list;
	size_t next_off; /* offset of the next_free link in the object */
} pool;

struct anpr_pipeline {
	anpr_pipeline_cfg cfg;
	anpr_source *source;
	anpr_motion *motion; /* capture thread's */
	anpr_reader **readers;
	anpr_tracker *tracker;
	anpr_queue *frames, *results, *emits;

	slot *slots;
	int n_slots;
	keepsake *keeps;
	int n_keeps;
	emit_job *jobs;
	pool slot_pool, keep_pool, job_pool;
	anpr_image scratch; /* frames dropped for want of a slot are read into this */

	pthread_t capture_th, tracker_th, emit_th, *worker_th;
	worker_arg *worker_args;
	int n_threads_started; /* for close: which joins are due */
	bool capture_started, tracker_started, emit_started;
	atomic_int workers_left;
	atomic_bool stopping;
	atomic_int active_workers; /* workers from this index on idle (thermal throttle) */
	int64_t test_hang_at_ms;   /* test hook: readers hang from this time (0: never) */
	pthread_mutex_t source_mu; /* guards p->source while the capture thread reopens the camera */

	/* Statistics (any thread reads them). */
	atomic_uint_fast64_t frames_captured, frames_read, frames_dropped, frames_skipped, frames_bad,
	    camera_restarts;
	atomic_uint_fast64_t plates_seen, reads_stored, reads_failed;
	atomic_uint_fast64_t searched_px, captured_px; /* share of the picture the readers searched */
	atomic_int source_error;
	pthread_mutex_t stats_mu;
	anpr_tracker_stats tracker_stats;

	/* Plates read well enough already (tracker thread writes, readers read). */
	pthread_mutex_t hints_mu;
	anpr_rect hints[ANPR_TRACKER_MAX_TRACKS];
	size_t n_hints;
	atomic_uint_fast64_t reads_skipped;

	/* Reloadable settings, read by the tracker and emitter threads. */
	pthread_mutex_t cfg_mu;
	anpr_tracker_cfg tracker_pending;
	bool tracker_reconf;
	int lane;
	char direction[DIRECTION_BUF];

	/* Copies of the strings cfg pointed to: the caller may free its configuration on reload. */
	char *device, *site, *firmware, *source_path, *pixel_format, *model;

	/* The emitter's own state. */
	anpr_evidence_work ev;
	uint64_t last_seq;
	uint8_t last_sha[ANPR_SHA256_LEN];

	pthread_mutex_t done_mu;
	pthread_cond_t done_cv;
	bool done;

	/*
	 * Diagnostics: a luma copy of one frame, taken by the tracker thread only
	 * when asked (snap_want), the widths of recent plates, reads per minute.
	 */
	pthread_mutex_t diag_mu; /* widths and read counts */
	pthread_mutex_t snap_mu; /* the luma copy: held while a copy is scaled or measured */
	atomic_bool snap_want;
	uint8_t *snap;
	size_t snap_cap;
	int snap_w, snap_h;
	int64_t snap_utc_ms;
	uint64_t snap_seq;
	struct {
		int64_t mono_ms;
		int width;
	} widths[PLATE_WIDTHS];
	size_t widths_next;
	struct {
		int64_t minute; /* monotonic minute the count belongs to */
		uint32_t n;
	} per_min[READ_MINUTES];
	int64_t last_read_utc_ms;
	pthread_mutex_t listener_mu; /* apart from diag_mu: the listener takes its own locks */
	void (*listener)(void *user, const anpr_read_event *ev);
	void *listener_user;
};

/* ---- pools ---- */

static void pool_init(pool *pl, size_t next_off)
{
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->cv, NULL);
	pl->free_list = NULL;
	pl->next_off = next_off;
}

static void pool_destroy(pool *pl)
{
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->cv);
}

static void **link_of(const pool *pl, void *obj)
{
	return (void **)((char *)obj + pl->next_off);
}

static void pool_put(pool *pl, void *obj)
{
	pthread_mutex_lock(&pl->mu);
	*link_of(pl, obj) = pl->free_list;
	pl->free_list = obj;
	pthread_cond_signal(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
}

/* Takes an object; waits while none is free if wait, until *stop. NULL when none. */
static void *pool_get(pool *pl, bool wait, const atomic_bool *stop)
{
	void *obj;

	pthread_mutex_lock(&pl->mu);
	while (!pl->free_list && wait && !(stop && atomic_load(stop)))
		pthread_cond_wait(&pl->cv, &pl->mu);
	obj = pl->free_list;
	if (obj)
		pl->free_list = *link_of(pl, obj);
	pthread_mutex_unlock(&pl->mu);
	return obj;
}

static void pool_wake(pool *pl)
{
	pthread_mutex_lock(&pl->mu);
	pthread_cond_broadcast(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
}

static bool is_live(const anpr_pipeline *p)
{
	return p->cfg.source.kind == ANPR_SOURCE_CAMERA || p->cfg.source.realtime;
}

/* ---- keepsakes: what the evidence images need of a tracked frame ---- */

static void *keep_frame(void *user, void *frame, const anpr_point quad[4])
{
	anpr_pipeline *p = user;
	const slot *s = frame;
	keepsake *k = pool_get(&p->keep_pool, false, NULL);
	float scale = 1.0f;
	anpr_err err;

	if (!k)
		return NULL;
	if (s->img.width > KEEP_MAX_W) {
		int h = (int)((long)s->img.height * KEEP_MAX_W / s->img.width);
		scale = (float)KEEP_MAX_W / (float)s->img.width;
		err = anpr_cv_resize(&s->img, &k->overview, KEEP_MAX_W, h, ANPR_CV_INTER_AREA);
	} else {
		err = anpr_image_copy(&s->img, &k->overview);
	}
	if (!err)
		err = anpr_evidence_warp_patch(&s->img, quad, &k->patch);
	if (err) {
		ANPR_LOGW("cannot keep a frame for a read's images: %s", anpr_strerror(err));
		pool_put(&p->keep_pool, k);
		return NULL;
	}
	for (int i = 0; i < 4; i++) {
		k->quad[i].x = quad[i].x * scale;
		k->quad[i].y = quad[i].y * scale;
	}
	anpr_clockstat_read(&k->clock);
	return k;
}

static void drop_keepsake(void *user, void *keep)
{
	anpr_pipeline *p = user;

	pool_put(&p->keep_pool, keep);
}

/* ---- capture thread ---- */

static anpr_err reopen_camera(anpr_pipeline *p)
{
	int64_t backoff = 1000;

	pthread_mutex_lock(&p->source_mu);
	anpr_source_close(p->source);
	p->source = NULL;
	pthread_mutex_unlock(&p->source_mu);
	while (!atomic_load(&p->stopping)) {
		anpr_source *src = NULL;
		anpr_err err = anpr_source_open(&p->cfg.source, &src);
		if (err == ANPR_ERR_OK) {
			pthread_mutex_lock(&p->source_mu);
			p->source = src;
			if (atomic_load(&p->stopping)) /* a stop that came while it was closed */
				anpr_source_interrupt(src);
			pthread_mutex_unlock(&p->source_mu);
			ANPR_LOGI("camera is back");
			atomic_fetch_add(&p->camera_restarts, 1);
			return ANPR_ERR_OK;
		}
		ANPR_LOGE("camera unavailable (%s); retrying in %" PRId64 " s", anpr_strerror(err),
			  backoff / 1000);
		for (int64_t waited = 0; waited < backoff && !atomic_load(&p->stopping); waited += 100)
			anpr_clock_sleep_ms(100);
		backoff = backoff * 2 > CAMERA_BACKOFF_MAX_MS ? CAMERA_BACKOFF_MAX_MS : backoff * 2;
	}
	return ANPR_ERR_CLOSED;
}

static void *capture_main(void *arg)
{
	anpr_pipeline *p = arg;
	bool live = is_live(p);
	uint64_t next_seq = 0;
	/* Source frame numbers: a gap the source left (a live camera's, a late replay's) is a drop. */
	uint64_t src_next = 0, src_bad = 0;
	anpr_err err = ANPR_ERR_OK;

	while (!atomic_load(&p->stopping)) {
		slot *s = pool_get(&p->slot_pool, !live, &p->stopping);
		anpr_frame_info info;

		if (!s && !live)
			break; /* stopping */
		err = anpr_source_next(p->source, s ? &s->img : &p->scratch, &info, 1000);
		if (err == ANPR_ERR_OK) {
			atomic_fetch_add(&p->frames_captured, 1);
			if (info.seq > src_next + src_bad) {
				atomic_fetch_add(&p->frames_dropped, info.seq - src_next - src_bad);
				atomic_fetch_add(&p->frames_skipped, info.seq - src_next - src_bad);
			}
			src_next = info.seq + 1;
			src_bad = 0;
			if (!s) {
				atomic_fetch_add(&p->frames_dropped, 1);
				continue;
			}
			s->info = info;
			s->seq = next_seq;
			s->n_reads = 0;
			if (!p->motion || anpr_motion_update(p->motion, &s->img, s->rois, &s->n_rois)) {
				s->rois[0] = (anpr_rect){ 0, 0, s->img.width, s->img.height };
				s->n_rois = 1;
			}
			uint64_t area = 0;
			for (size_t r = 0; r < s->n_rois; r++)
				area += (uint64_t)s->rois[r].width * (uint64_t)s->rois[r].height;
			atomic_fetch_add(&p->searched_px, area);
			atomic_fetch_add(&p->captured_px, (uint64_t)s->img.width * (uint64_t)s->img.height);
			if (anpr_queue_push(p->frames, s, live ? 0 : -1) == ANPR_ERR_OK) {
				next_seq++;
			} else {
				atomic_fetch_add(&p->frames_dropped, 1);
				pool_put(&p->slot_pool, s);
			}
			continue;
		}
		if (s)
			pool_put(&p->slot_pool, s);
		if (err == ANPR_ERR_DECODE) {
			atomic_fetch_add(&p->frames_bad, 1);
			src_bad++;
			continue;
		}
		if (err == ANPR_ERR_TIMEOUT) {
			ANPR_LOGW("no frame from the %s source for a second",
				  anpr_source_kind_name(p->cfg.source.kind));
			continue;
		}
		if (err == ANPR_ERR_CAMERA && p->cfg.source.kind == ANPR_SOURCE_CAMERA) {
			ANPR_LOGE("camera failed; reopening");
			err = reopen_camera(p);
			if (err == ANPR_ERR_OK)
				continue;
		}
		break;
	}
	if (err == ANPR_ERR_OK)
		err = ANPR_ERR_CLOSED;
	atomic_store(&p->source_error, (int)err);
	if (err != ANPR_ERR_CLOSED)
		ANPR_LOGE("frame source stopped: %s", anpr_strerror(err));
	anpr_queue_shutdown(p->frames);
	return NULL;
}

/* ---- reader workers ---- */

/* True when read b is the same plate as a, seen twice (overlapping search regions). */
static bool same_plate(const anpr_plate_read *a, const anpr_plate_read *b)
{
	anpr_rect ra = anpr_cv_bounding_rect(a->quad, 4);
	float cx = 0, cy = 0;

	for (int i = 0; i < 4; i++) {
		cx += b->quad[i].x / 4;
		cy += b->quad[i].y / 4;
	}
	return cx >= (float)ra.x && cx <= (float)(ra.x + ra.width) && cy >= (float)ra.y &&
	       cy <= (float)(ra.y + ra.height);
}

/* The readers' want_read callback: not a plate the tracker has read well enough already. */
static bool want_read(void *user, const anpr_point quad[4])
{
	worker_arg *wa = user;
	anpr_pipeline *p = wa->p;
	float cx = (float)wa->off_x, cy = (float)wa->off_y;
	bool want = true;

	for (int i = 0; i < 4; i++) {
		cx += quad[i].x / 4;
		cy += quad[i].y / 4;
	}
	pthread_mutex_lock(&p->hints_mu);
	for (size_t i = 0; i < p->n_hints && want; i++) {
		const anpr_rect *h = &p->hints[i];
		want = !(cx >= (float)h->x && cx <= (float)(h->x + h->width) && cy >= (float)h->y &&
			 cy <= (float)(h->y + h->height));
	}
	pthread_mutex_unlock(&p->hints_mu);
	if (!want)
		atomic_fetch_add(&p->reads_skipped, 1);
	return want;
}

/* Reads the plates in the slot's search regions into s->reads. */
static anpr_err read_regions(anpr_reader *reader, worker_arg *wa, slot *s, anpr_plate_read *tmp)
{
	s->n_reads = 0;
	for (size_t r = 0; r < s->n_rois; r++) {
		anpr_image view = { 0 };
		size_t n = 0;
		anpr_err err = anpr_image_view(&s->img, s->rois[r], &view);
		if (err)
			continue;
		wa->off_x = s->rois[r].x;
		wa->off_y = s->rois[r].y;
		err = anpr_reader_read(reader, &view, tmp, MAX_READS, &n);
		if (err)
			return err;
		for (size_t i = 0; i < n; i++) {
			bool dup = false;
			for (int c = 0; c < 4; c++) {
				tmp[i].quad[c].x += (float)s->rois[r].x;
				tmp[i].quad[c].y += (float)s->rois[r].y;
			}
			for (size_t j = 0; j < s->n_reads && !dup; j++)
				dup = same_plate(&s->reads[j], &tmp[i]) || same_plate(&tmp[i], &s->reads[j]);
			if (!dup && s->n_reads < MAX_READS)
				s->reads[s->n_reads++] = tmp[i];
		}
	}
	return ANPR_ERR_OK;
}

static void *worker_main(void *arg)
{
	worker_arg *wa = arg;
	anpr_pipeline *p = wa->p;
	anpr_reader *reader = p->readers[wa->index];
	anpr_plate_read tmp[MAX_READS];
	void *item;

	for (;;) {
		/* Throttled (anpr_pipeline_set_workers): this worker idles while the source runs. */
		while (wa->index >= atomic_load(&p->active_workers) && !atomic_load(&p->stopping) &&
		       atomic_load(&p->source_error) == ANPR_ERR_OK) {
			struct timespec idle = { 0, 100 * 1000000L };
			nanosleep(&idle, NULL);
		}
		if (anpr_queue_pop(p->frames, &item, -1) != ANPR_ERR_OK)
			break;
		slot *s = item;
		if (p->test_hang_at_ms && anpr_clock_mono_ms() >= p->test_hang_at_ms) {
			/* Test hook (ANPR_TEST_HANG_READERS_AFTER_S): a reader stuck until stopped. */
			if (wa->index == 0)
				ANPR_LOGW("test hook: the plate readers hang now");
			while (!atomic_load(&p->stopping)) {
				struct timespec hang = { 0, 100 * 1000000L };
				nanosleep(&hang, NULL);
			}
		}
		anpr_err err = read_regions(reader, wa, s, tmp);
		if (err) {
			ANPR_LOGW("frame %" PRIu64 " not read: %s", s->info.seq, anpr_strerror(err));
			s->n_reads = 0;
		}
		atomic_fetch_add(&p->frames_read, 1);
		atomic_fetch_add(&p->plates_seen, s->n_reads);
		/* The results queue holds every slot, so this never waits. */
		if (anpr_queue_push(p->results, s, -1) != ANPR_ERR_OK)
			pool_put(&p->slot_pool, s);
	}
	if (atomic_fetch_sub(&p->workers_left, 1) == 1)
		anpr_queue_shutdown(p->results);
	return NULL;
}

/* ---- tracker thread ---- */

/* Diagnostics per frame: plate widths when there are plates, a luma copy only when one was asked for. */
static void diag_note_frame(anpr_pipeline *p, const slot *s)
{
	if (s->n_reads) {
		pthread_mutex_lock(&p->diag_mu);
		for (size_t i = 0; i < s->n_reads; i++) {
			anpr_rect r = anpr_cv_bounding_rect(s->reads[i].quad, 4);
			p->widths[p->widths_next % PLATE_WIDTHS].mono_ms = s->info.mono_ms;
			p->widths[p->widths_next % PLATE_WIDTHS].width = r.width;
			p->widths_next++;
		}
		pthread_mutex_unlock(&p->diag_mu);
	}
	if (!atomic_load_explicit(&p->snap_want, memory_order_relaxed) || !s->img.data || s->img.width <= 0 ||
	    s->img.height <= 0)
		return;
	/* Skipped, not waited for, while the control thread is measuring the last copy. */
	if (pthread_mutex_trylock(&p->snap_mu) != 0)
		return;
	size_t need = (size_t)s->img.width * (size_t)s->img.height;
	/* Allocated at the first request (and on a size change), never per frame. */
	if (need > p->snap_cap) {
		uint8_t *b = realloc(p->snap, need);
		if (b) {
			p->snap = b;
			p->snap_cap = need;
		}
	}
	if (need <= p->snap_cap) {
		anpr_luma_extract(s->img.data, s->img.width, s->img.height, s->img.stride, s->img.channels,
				  p->snap);
		p->snap_w = s->img.width;
		p->snap_h = s->img.height;
		p->snap_utc_ms = s->info.utc_ms;
		p->snap_seq++;
	}
	atomic_store(&p->snap_want, false);
	pthread_mutex_unlock(&p->snap_mu);
}

static void send_passages(anpr_pipeline *p, anpr_passage *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		emit_job *j = pool_get(&p->job_pool, true, NULL);
		j->p = out[i];
		if (anpr_queue_push(p->emits, j, -1) != ANPR_ERR_OK) {
			drop_keepsake(p, out[i].keepsake);
			pool_put(&p->job_pool, j);
		}
	}
}

static void publish_tracker_stats(anpr_pipeline *p)
{
	pthread_mutex_lock(&p->stats_mu);
	anpr_tracker_get_stats(p->tracker, &p->tracker_stats);
	pthread_mutex_unlock(&p->stats_mu);
}

static void *tracker_main(void *arg)
{
	anpr_pipeline *p = arg;
	slot **ring = calloc((size_t)p->n_slots, sizeof(*ring));
	anpr_passage out[ANPR_TRACKER_MAX_OUT];
	uint64_t next = 0;
	void *item;
	size_t n;

	while (anpr_queue_pop(p->results, &item, -1) == ANPR_ERR_OK) {
		slot *s = item;
		if (!ring) { /* out of memory at start: frames still go back to the pool */
			pool_put(&p->slot_pool, s);
			continue;
		}
		ring[s->seq % (uint64_t)p->n_slots] = s;
		/* Results come back in any order; the tracker takes them in capture order. */
		while ((s = ring[next % (uint64_t)p->n_slots]) && s->seq == next) {
			ring[next % (uint64_t)p->n_slots] = NULL;
			pthread_mutex_lock(&p->cfg_mu);
			if (p->tracker_reconf) {
				anpr_tracker_reconfigure(p->tracker, &p->tracker_pending);
				p->tracker_reconf = false;
			}
			pthread_mutex_unlock(&p->cfg_mu);
			anpr_tracker_feed(p->tracker, s, s->info.utc_ms, s->info.mono_ms, s->reads,
					  s->n_reads, out, &n);
			diag_note_frame(p, s);
			pool_put(&p->slot_pool, s);
			send_passages(p, out, n);
			publish_tracker_stats(p);
			pthread_mutex_lock(&p->hints_mu);
			p->n_hints = anpr_tracker_read_enough(p->tracker, HINT_LOOKAHEAD_MS, p->hints,
							      ANPR_TRACKER_MAX_TRACKS);
			pthread_mutex_unlock(&p->hints_mu);
			next++;
		}
	}
	anpr_tracker_flush(p->tracker, out, &n);
	send_passages(p, out, n);
	publish_tracker_stats(p);
	free(ring);
	anpr_queue_shutdown(p->emits);
	return NULL;
}

/* ---- emitter thread: images, read, signature, store ---- */

static anpr_err emit(anpr_pipeline *p, const anpr_passage *ps)
{
	const keepsake *k = ps->keepsake;
	anpr_jpeg patch = { 0 }, overview = { 0 };
	anpr_read_meta m;
	char id[ANPR_READ_ID_BUF], direction[DIRECTION_BUF];
	char *payload = NULL, *jws = NULL;
	size_t payload_len = 0, jws_len = 0;
	anpr_err err;

	memset(&m, 0, sizeof(m));
	err = anpr_evidence_encode_patch(&k->patch, &patch);
	if (!err)
		err = anpr_evidence_overview(&k->overview, k->quad, &p->ev, &overview, &m.plate_box);
	if (err) {
		ANPR_LOGE("cannot build a read's images: %s", anpr_strerror(err));
		goto out;
	}
	pthread_mutex_lock(&p->cfg_mu);
	m.lane = p->lane;
	memcpy(direction, p->direction, sizeof(direction));
	pthread_mutex_unlock(&p->cfg_mu);

	m.seq = p->last_seq + 1;
	m.device = p->cfg.device;
	m.site = p->cfg.site;
	m.direction = direction;
	m.firmware = p->cfg.firmware;
	m.vrm = ps->text;
	m.format = ps->format;
	m.confidence = ps->confidence;
	m.alts = ps->alts + 1;
	m.n_alts = ps->n_alts > 1 ? ps->n_alts - 1 : 0;
	m.captured_utc_ms = ps->frame_utc_ms;
	m.first_seen_utc_ms = ps->first_utc_ms;
	m.last_seen_utc_ms = ps->last_utc_ms;
	m.frames = ps->frames;
	m.agreeing = ps->agreeing;
	m.clock = k->clock;
	m.patch_w = patch.width;
	m.patch_h = patch.height;
	m.patch_bytes = patch.len;
	anpr_sha256(patch.data, patch.len, m.patch_sha256);
	m.overview_w = overview.width;
	m.overview_h = overview.height;
	m.overview_bytes = overview.len;
	anpr_sha256(overview.data, overview.len, m.overview_sha256);
	memcpy(m.prev_sha256, p->last_sha, ANPR_SHA256_LEN);
	if (!anpr_read_id(m.device, m.seq, id, sizeof(id))) {
		err = ANPR_ERR_INVAL;
		goto out;
	}
	err = anpr_read_payload(&m, &payload, &payload_len);
	if (!err)
		err = anpr_signer_sign(p->cfg.signer, payload, payload_len, &jws, &jws_len);
	if (err) {
		ANPR_LOGE("cannot sign read %s: %s", id, anpr_strerror(err));
		goto out;
	}
	anpr_store_record rec = {
		.seq = m.seq,
		.id = id,
		.jws = jws,
		.jws_len = jws_len,
		.patch = patch.data,
		.patch_len = patch.len,
		.overview = overview.data,
		.overview_len = overview.len,
		.captured_utc_ms = ps->frame_utc_ms,
	};
	err = anpr_store_put(p->cfg.store, &rec);
	if (err) {
		ANPR_LOGE("read %s not stored: %s", id, anpr_strerror(err));
		goto out;
	}
	p->last_seq = m.seq;
	anpr_sha256(jws, jws_len, p->last_sha);
	ANPR_EVENT("read %s stored: confidence %.3f over %d frames", id, (double)ps->confidence, ps->frames);
	ANPR_LOGD("read %s: %s", id, ps->text);
	int64_t minute = anpr_clock_mono_ms() / 60000;
	pthread_mutex_lock(&p->diag_mu);
	if (p->per_min[minute % READ_MINUTES].minute != minute) {
		p->per_min[minute % READ_MINUTES].minute = minute;
		p->per_min[minute % READ_MINUTES].n = 0;
	}
	p->per_min[minute % READ_MINUTES].n++;
	p->last_read_utc_ms = ps->frame_utc_ms;
	pthread_mutex_unlock(&p->diag_mu);
	{
		anpr_read_event ev = {
			.id = id,
			.vrm = ps->text,
			.confidence = ps->confidence,
			.frames = ps->frames,
			.first_seen_utc_ms = ps->first_utc_ms,
			.last_seen_utc_ms = ps->last_utc_ms,
			.captured_utc_ms = ps->frame_utc_ms,
			.latency_ms = anpr_clock_mono_ms() - ps->last_mono_ms,
			.patch_bytes = patch.len,
			.overview_bytes = overview.len,
			.overview_w = overview.width,
			.overview_h = overview.height,
			.country = anpr_country_name(anpr_plate_format_country(ps->format)),
		};
		if (p->cfg.on_read)
			p->cfg.on_read(p->cfg.user, &ev);
		pthread_mutex_lock(&p->listener_mu);
		if (p->listener)
			p->listener(p->listener_user, &ev);
		pthread_mutex_unlock(&p->listener_mu);
	}
out:
	anpr_jpeg_free(&patch);
	anpr_jpeg_free(&overview);
	free(payload);
	free(jws);
	return err;
}

static void *emit_main(void *arg)
{
	anpr_pipeline *p = arg;
	void *item;

	while (anpr_queue_pop(p->emits, &item, -1) == ANPR_ERR_OK) {
		emit_job *j = item;
		if (emit(p, &j->p) == ANPR_ERR_OK)
			atomic_fetch_add(&p->reads_stored, 1);
		else
			atomic_fetch_add(&p->reads_failed, 1);
		drop_keepsake(p, j->p.keepsake);
		pool_put(&p->job_pool, j);
	}
	pthread_mutex_lock(&p->done_mu);
	p->done = true;
	pthread_cond_broadcast(&p->done_cv);
	pthread_mutex_unlock(&p->done_mu);
	return NULL;
}

/* ---- control ---- */

static anpr_err alloc_all(anpr_pipeline *p)
{
	const anpr_pipeline_cfg *c = &p->cfg;
	anpr_err err;

	p->n_slots = c->frame_queue + c->workers + SPARE_SLOTS;
	p->n_keeps = 2 * ANPR_TRACKER_MAX_TRACKS + EMIT_JOBS;
	p->slots = calloc((size_t)p->n_slots, sizeof(*p->slots));
	p->keeps = calloc((size_t)p->n_keeps, sizeof(*p->keeps));
	p->jobs = calloc(EMIT_JOBS, sizeof(*p->jobs));
	p->readers = calloc((size_t)c->workers, sizeof(*p->readers));
	p->worker_th = calloc((size_t)c->workers, sizeof(*p->worker_th));
	if (!p->slots || !p->keeps || !p->jobs || !p->readers || !p->worker_th)
		return ANPR_ERR_NOMEM;
	for (int i = 0; i < p->n_slots; i++)
		pool_put(&p->slot_pool, &p->slots[i]);
	for (int i = 0; i < p->n_keeps; i++)
		pool_put(&p->keep_pool, &p->keeps[i]);
	for (int i = 0; i < EMIT_JOBS; i++)
		pool_put(&p->job_pool, &p->jobs[i]);
	err = anpr_queue_new((size_t)c->frame_queue, &p->frames);
	if (!err)
		err = anpr_queue_new((size_t)p->n_slots, &p->results);
	if (!err)
		err = anpr_queue_new(EMIT_JOBS, &p->emits);
	return err;
}

anpr_err anpr_pipeline_start(const anpr_pipeline_cfg *cfg, anpr_pipeline **out)
{
	anpr_pipeline *p;
	worker_arg *args = NULL;
	int w, h;
	double fps;
	anpr_err err;

	if (!cfg || !out || cfg->workers < 1 || cfg->workers > 64 || cfg->frame_queue < 1 || !cfg->signer ||
	    !cfg->store || !cfg->device || !cfg->site || !cfg->direction || !cfg->firmware)
		return ANPR_ERR_INVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ANPR_ERR_NOMEM;
	p->cfg = *cfg;
	p->device = strdup(cfg->device);
	p->site = strdup(cfg->site);
	p->firmware = strdup(cfg->firmware);
	p->source_path = cfg->source.path ? strdup(cfg->source.path) : NULL;
	p->pixel_format = cfg->source.pixel_format ? strdup(cfg->source.pixel_format) : NULL;
	p->model = cfg->reader.model ? strdup(cfg->reader.model) : NULL;
	p->cfg.device = p->device;
	p->cfg.site = p->site;
	p->cfg.firmware = p->firmware;
	p->cfg.source.path = p->source_path;
	p->cfg.source.pixel_format = p->pixel_format;
	p->cfg.reader.model = p->model;
	pool_init(&p->slot_pool, offsetof(slot, next_free));
	pool_init(&p->keep_pool, offsetof(keepsake, next_free));
	pool_init(&p->job_pool, offsetof(emit_job, next_free));
	pthread_mutex_init(&p->stats_mu, NULL);
	pthread_mutex_init(&p->source_mu, NULL);
	pthread_mutex_init(&p->hints_mu, NULL);
	pthread_mutex_init(&p->cfg_mu, NULL);
	pthread_mutex_init(&p->done_mu, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	pthread_mutex_init(&p->diag_mu, NULL);
	pthread_mutex_init(&p->snap_mu, NULL);
	pthread_mutex_init(&p->listener_mu, NULL);
	p->lane = cfg->lane;
	snprintf(p->direction, sizeof(p->direction), "%s", cfg->direction);
	atomic_store(&p->source_error, ANPR_ERR_OK);
	atomic_store(&p->active_workers, cfg->workers);
	/* Tests only (docs/anprd.md): simulates hung readers so the watchdog's response can be seen. */
	const char *hang = getenv("ANPR_TEST_HANG_READERS_AFTER_S");
	if (hang && hang[0]) {
		long secs = strtol(hang, NULL, 10);
		if (secs > 0 && secs <= 86400) {
			p->test_hang_at_ms = anpr_clock_mono_ms() + secs * 1000;
			ANPR_LOGW("test hook: the plate readers will hang after %ld s", secs);
		}
	}
	anpr_store_chain(cfg->store, &p->last_seq, p->last_sha);

	if (!p->device || !p->site || !p->firmware || (cfg->source.path && !p->source_path) ||
	    (cfg->source.pixel_format && !p->pixel_format) || (cfg->reader.model && !p->model)) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	err = alloc_all(p);
	if (err)
		goto out;
	err = anpr_source_open(&p->cfg.source, &p->source);
	if (err)
		goto out;
	anpr_source_geometry(p->source, &w, &h, &fps);
	p->cfg.tracker.frame_w = w;
	p->cfg.tracker.frame_h = h;
	p->cfg.tracker.keep = keep_frame;
	p->cfg.tracker.drop = drop_keepsake;
	p->cfg.tracker.user = p;
	anpr_motion_cfg mc = {
		.width = w, .height = h, .margin_px = MOTION_MARGIN_PX, .full_every = MOTION_FULL_EVERY
	};
	if (anpr_motion_open(&mc, &p->motion))
		ANPR_LOGW("no motion detection: every frame is searched whole");
	err = anpr_tracker_open(&p->cfg.tracker, &p->tracker);
	if (err) {
		ANPR_LOGE("bad tracker settings");
		goto out;
	}
	args = calloc((size_t)cfg->workers, sizeof(*args));
	if (!args) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	p->worker_args = args;
	for (int i = 0; i < cfg->workers; i++) {
		anpr_reader_cfg rc = p->cfg.reader;
		args[i] = (worker_arg){ .p = p, .index = i };
		rc.want_read = want_read;
		rc.want_read_user = &args[i];
		err = anpr_reader_open(&rc, &p->readers[i]);
		if (err) {
			ANPR_LOGE("cannot open plate reader %d: %s", i, anpr_strerror(err));
			goto out;
		}
	}
	ANPR_LOGI("pipeline: %s source %dx%d at %.1f fps, %d reader(s), queue %d, %d frame buffers",
		  anpr_source_kind_name(cfg->source.kind), w, h, fps, cfg->workers, cfg->frame_queue,
		  p->n_slots);

	atomic_store(&p->workers_left, cfg->workers);
	if (pthread_create(&p->emit_th, NULL, emit_main, p)) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	p->emit_started = true;
	if (pthread_create(&p->tracker_th, NULL, tracker_main, p)) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	p->tracker_started = true;
	for (int i = 0; i < cfg->workers; i++) {
		if (pthread_create(&p->worker_th[i], NULL, worker_main, &args[i])) {
			/* The threads already running see the queue close and end. */
			atomic_fetch_sub(&p->workers_left, cfg->workers - i - 1);
			err = ANPR_ERR_NOMEM;
			goto out;
		}
		p->n_threads_started++;
	}
	if (pthread_create(&p->capture_th, NULL, capture_main, p)) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	p->capture_started = true;
out:
	if (err) {
		anpr_pipeline_close(p);
		return err;
	}
	*out = p;
	return ANPR_ERR_OK;
}

anpr_err anpr_pipeline_wait(anpr_pipeline *p, int64_t timeout_ms)
{
	int64_t deadline = anpr_clock_mono_ms() + timeout_ms;
	bool done;

	pthread_mutex_lock(&p->done_mu);
	while (!p->done) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&p->done_cv, &p->done_mu);
			continue;
		}
		int64_t left = deadline - anpr_clock_mono_ms();
		if (left <= 0)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = ts.tv_nsec + (left % 1000) * 1000000;
		ts.tv_sec += left / 1000 + ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		pthread_cond_timedwait(&p->done_cv, &p->done_mu, &ts);
	}
	done = p->done;
	pthread_mutex_unlock(&p->done_mu);
	return done ? ANPR_ERR_OK : ANPR_ERR_TIMEOUT;
}

void anpr_pipeline_set_workers(anpr_pipeline *p, int n)
{
	atomic_store(&p->active_workers, n < 1 ? 1 : n > p->cfg.workers ? p->cfg.workers : n);
}

void anpr_pipeline_stop(anpr_pipeline *p)
{
	if (!p)
		return;
	atomic_store(&p->stopping, true);
	pthread_mutex_lock(&p->source_mu);
	if (p->source)
		anpr_source_interrupt(p->source);
	pthread_mutex_unlock(&p->source_mu);
	pool_wake(&p->slot_pool);
}

void anpr_pipeline_reconfigure(anpr_pipeline *p, const anpr_tracker_cfg *tracker, int lane,
			       const char *direction)
{
	pthread_mutex_lock(&p->cfg_mu);
	p->tracker_pending = *tracker;
	p->tracker_reconf = true;
	p->lane = lane;
	snprintf(p->direction, sizeof(p->direction), "%s", direction);
	pthread_mutex_unlock(&p->cfg_mu);
}

void anpr_pipeline_get_stats(anpr_pipeline *p, anpr_pipeline_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->frames_captured = atomic_load(&p->frames_captured);
	st->frames_read = atomic_load(&p->frames_read);
	/* Skipped before dropped: the capture thread adds to dropped first, so skipped <= dropped. */
	st->frames_skipped = atomic_load(&p->frames_skipped);
	st->frames_dropped = atomic_load(&p->frames_dropped);
	st->frames_bad = atomic_load(&p->frames_bad);
	st->camera_restarts = atomic_load(&p->camera_restarts);
	st->plates_seen = atomic_load(&p->plates_seen);
	st->reads_stored = atomic_load(&p->reads_stored);
	st->reads_failed = atomic_load(&p->reads_failed);
	st->plates_not_reread = atomic_load(&p->reads_skipped);
	uint64_t cap_px = atomic_load(&p->captured_px);
	st->searched_pct = cap_px ? 100.0 * (double)atomic_load(&p->searched_px) / (double)cap_px : 0.0;
	st->queue_high_water = p->frames ? anpr_queue_high_water(p->frames) : 0;
	st->source_error = (anpr_err)atomic_load(&p->source_error);
	pthread_mutex_lock(&p->stats_mu);
	st->tracker = p->tracker_stats;
	pthread_mutex_unlock(&p->stats_mu);
	pthread_mutex_lock(&p->done_mu);
	st->running = !p->done;
	pthread_mutex_unlock(&p->done_mu);
}

void anpr_pipeline_close(anpr_pipeline *p)
{
	if (!p)
		return;
	anpr_pipeline_stop(p);
	if (p->capture_started)
		pthread_join(p->capture_th, NULL);
	else if (p->frames)
		anpr_queue_shutdown(p->frames);
	for (int i = 0; i < p->n_threads_started; i++)
		pthread_join(p->worker_th[i], NULL);
	if (p->n_threads_started == 0 && p->results)
		anpr_queue_shutdown(p->results);
	if (p->tracker_started)
		pthread_join(p->tracker_th, NULL);
	else if (p->emits)
		anpr_queue_shutdown(p->emits);
	if (p->emit_started)
		pthread_join(p->emit_th, NULL);

	anpr_tracker_close(p->tracker);
	anpr_motion_close(p->motion);
	for (int i = 0; p->readers && i < p->cfg.workers; i++)
		anpr_reader_close(p->readers[i]);
	anpr_source_close(p->source);
	anpr_queue_free(p->frames);
	anpr_queue_free(p->results);
	anpr_queue_free(p->emits);
	for (int i = 0; p->slots && i < p->n_slots; i++)
		anpr_image_free(&p->slots[i].img);
	for (int i = 0; p->keeps && i < p->n_keeps; i++) {
		anpr_image_free(&p->keeps[i].overview);
		anpr_image_free(&p->keeps[i].patch);
	}
	anpr_image_free(&p->scratch);
	anpr_evidence_work_free(&p->ev);
	free(p->slots);
	free(p->keeps);
	free(p->jobs);
	free(p->readers);
	free(p->worker_th);
	free(p->worker_args);
	free(p->device);
	free(p->site);
	free(p->firmware);
	free(p->source_path);
	free(p->pixel_format);
	free(p->model);
	pool_destroy(&p->slot_pool);
	pool_destroy(&p->keep_pool);
	pool_destroy(&p->job_pool);
	pthread_mutex_destroy(&p->stats_mu);
	pthread_mutex_destroy(&p->source_mu);
	pthread_mutex_destroy(&p->hints_mu);
	pthread_mutex_destroy(&p->cfg_mu);
	pthread_mutex_destroy(&p->done_mu);
	pthread_cond_destroy(&p->done_cv);
	pthread_mutex_destroy(&p->diag_mu);
	pthread_mutex_destroy(&p->snap_mu);
	pthread_mutex_destroy(&p->listener_mu);
	free(p->snap);
	free(p);
}

/* ---- diagnostics ---- */

void anpr_pipeline_request_luma(anpr_pipeline *p)
{
	atomic_store(&p->snap_want, true);
}

anpr_err anpr_pipeline_luma(anpr_pipeline *p, int cols, int rows, uint8_t *out, int64_t *utc_ms,
			    uint64_t *seq)
{
	anpr_err err = ANPR_ERR_EMPTY;

	if (!p || cols < 1 || rows < 1 || cols > ANPR_IMAGE_MAX_SIDE || rows > ANPR_IMAGE_MAX_SIDE || !out)
		return ANPR_ERR_INVAL;
	pthread_mutex_lock(&p->snap_mu);
	if (p->snap_seq) {
		anpr_luma_downscale(p->snap, p->snap_w, p->snap_h, (size_t)p->snap_w, out, cols, rows);
		if (utc_ms)
			*utc_ms = p->snap_utc_ms;
		if (seq)
			*seq = p->snap_seq;
		err = ANPR_ERR_OK;
	}
	pthread_mutex_unlock(&p->snap_mu);
	atomic_store(&p->snap_want, true);
	return err;
}

anpr_err anpr_pipeline_sharpness(anpr_pipeline *p, double *sharpness, int64_t *utc_ms, uint64_t *seq)
{
	anpr_err err = ANPR_ERR_EMPTY;

	if (!p || !sharpness)
		return ANPR_ERR_INVAL;
	pthread_mutex_lock(&p->snap_mu);
	if (p->snap_seq) {
		*sharpness = anpr_luma_sharpness(p->snap, p->snap_w, p->snap_h, (size_t)p->snap_w);
		if (utc_ms)
			*utc_ms = p->snap_utc_ms;
		if (seq)
			*seq = p->snap_seq;
		err = ANPR_ERR_OK;
	}
	pthread_mutex_unlock(&p->snap_mu);
	atomic_store(&p->snap_want, true);
	return err;
}

size_t anpr_pipeline_plate_widths(anpr_pipeline *p, int64_t since_mono_ms, int *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&p->diag_mu);
	size_t have = p->widths_next < PLATE_WIDTHS ? p->widths_next : PLATE_WIDTHS;
	for (size_t i = 0; i < have && n < max; i++) {
		size_t k = (p->widths_next - have + i) % PLATE_WIDTHS;
		if (p->widths[k].mono_ms >= since_mono_ms)
			out[n++] = p->widths[k].width;
	}
	pthread_mutex_unlock(&p->diag_mu);
	return n;
}

void anpr_pipeline_read_counts(anpr_pipeline *p, uint64_t *last_hour, uint64_t *last_day,
			       int64_t *last_utc_ms)
{
	int64_t now = anpr_clock_mono_ms() / 60000;
	uint64_t hour = 0, day = 0;

	pthread_mutex_lock(&p->diag_mu);
	for (size_t i = 0; i < READ_MINUTES; i++) {
		int64_t m = p->per_min[i].minute;
		if (p->per_min[i].n == 0 || m > now || now - m >= READ_MINUTES)
			continue;
		day += p->per_min[i].n;
		if (now - m < 60)
			hour += p->per_min[i].n;
	}
	*last_utc_ms = p->last_read_utc_ms;
	pthread_mutex_unlock(&p->diag_mu);
	*last_hour = hour;
	*last_day = day;
}

void anpr_pipeline_set_read_listener(anpr_pipeline *p, void (*fn)(void *user, const anpr_read_event *ev),
				     void *user)
{
	pthread_mutex_lock(&p->listener_mu);
	p->listener = fn;
	p->listener_user = user;
	pthread_mutex_unlock(&p->listener_mu);
}

void anpr_pipeline_camera_info(anpr_pipeline *p, anpr_pipeline_camera *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->kind = p->cfg.source.kind;
	ci->pixel_format = p->cfg.source.pixel_format;
	ci->exposure_max_us = p->cfg.source.exposure_max_us;
	ci->gain_max = p->cfg.source.gain_max;
	ci->requested_fps = p->cfg.source.fps;
	pthread_mutex_lock(&p->source_mu);
	if (p->source)
		anpr_source_geometry(p->source, &ci->width, &ci->height, &ci->fps);
	ci->open = p->source != NULL;
	pthread_mutex_unlock(&p->source_mu);
}
