/* SPDX-License-Identifier: MIT */
/* Replay frame source: a video file through opencv_video, or a folder of images in name order, paced or flat out. */
#define ANPR_LOG_TAG "replay"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "opencv_video.h"
#include "source_internal.h"

/* Hard caps on a folder: files listed, bytes of names kept, and (per image) ANPR_CV_MAX_FILE. */
#define DIR_MAX_FILES 1000000
#define DIR_MAX_NAME_BYTES (64L * 1024 * 1024)

/* Rate assumed when neither the folder's cfg nor the clip says. */
#define DEFAULT_FPS 25.0

/* Real-time replay skips at most this many late frames in a row (see file_next). */
#define MAX_CATCH_UP 4

/*
 * Real-time replay of MJPEG frames at least this large reads them lazily
 * (anpr_video_lazy): decoded only when not dropped. Decoding a 4K frame
 * alone takes 30 of its 40 ms on the 2-core x86 machines the harness runs on,
 * so most are dropped and decoding them was wasted (4K clip: 6.5 frames a
 * second read before, 13.5 after). Smaller frames are mostly kept, and
 * libjpeg's colour decode (anpr_cv_decode; measured through OpenCV's
 * imdecode, which used the same libjpeg) costs 1.5 times FFmpeg's (1080p60:
 * 451 frames dropped eagerly, 676 lazily), so they are read eagerly.
 */
#define LAZY_MIN_PIXELS (3840L * 2160 / 2)

/* A presentation time further than this past the previous one is taken as damage, not as a pause. */
#define MAX_PTS_GAP_MS 10000

struct anpr_replay {
	anpr_source_kind kind;
	char *path;                  /* for messages */
	int want_width, want_height; /* 0: any */
	bool realtime, grey;
	bool lazy;            /* FILE: frames decoded only when delivered (LAZY_MIN_PIXELS) */
	double fps;           /* DIR: the images' rate; FILE: as recorded, or DEFAULT_FPS */
	int64_t start_utc_ms; /* UTC of pts 0 */
	int64_t mono_open_ms; /* anpr_clock_mono_ms() of pts 0 */
	uint64_t seq;         /* source index of the next frame read */
	bool ended;

	/* anpr_replay_interrupt() sets interrupted under lock and wakes the pacing wait. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool interrupted;

	/* FILE */
	anpr_video_reader *video;
	anpr_image stage; /* BGR: the source of grey conversion, and a frame held over a timeout */
	bool pending;     /* a decoded frame awaits its time: in stage, or (within one call) in dst */
	bool staged;      /* the pending frame is in stage */
	anpr_frame_info next_info; /* of the pending frame */
	bool have_pts;
	int64_t first_pts, last_pts;
	int loops_left;    /* plays still to start after this one */
	int64_t loop_base; /* pts of the current play's first frame */

	/* DIR */
	int dirfd;
	char *names_buf; /* NUL-separated names */
	char **names;    /* into names_buf, sorted */
	size_t n_names;
	uint8_t *buf; /* file bytes, reused from image to image */
	size_t buf_cap;
};

static bool interrupted(anpr_replay *r)
{
	pthread_mutex_lock(&r->lock);
	bool stop = r->interrupted;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/*
 * Waits until anpr_clock_mono_ms() reaches due_ms. Returns ANPR_ERR_TIMEOUT
 * when timeout_ms (<0: none) runs out first and ANPR_ERR_CLOSED on interrupt.
 */
static anpr_err pace(anpr_replay *r, int64_t due_ms, int64_t timeout_ms)
{
	int64_t now = anpr_clock_mono_ms();
	const int64_t give_up = timeout_ms < 0 ? INT64_MAX : now + timeout_ms;
	anpr_err err = ANPR_ERR_OK;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		if (r->interrupted) {
			err = ANPR_ERR_CLOSED;
			break;
		}
		now = anpr_clock_mono_ms();
		if (now >= due_ms)
			break;
		if (now >= give_up) {
			err = ANPR_ERR_TIMEOUT;
			break;
		}
		/*
		 * A relative wait on the condition variable's own CLOCK_MONOTONIC: anpr_clock_mono_ms()
		 * may carry a test offset. The loop re-checks, so early wake-ups are harmless.
		 */
		int64_t wait_ms = (due_ms < give_up ? due_ms : give_up) - now;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)(wait_ms / 1000);
		ts.tv_nsec += (long)(wait_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&r->wake, &r->lock, &ts);
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

static bool size_ok(anpr_replay *r, const anpr_image *img)
{
	if (r->want_width == 0 || (img->width == r->want_width && img->height == r->want_height))
		return true;
	ANPR_LOGW("%s: frame %llu is %dx%d, expected %dx%d; skipped", r->path, (unsigned long long)r->seq - 1,
		  img->width, img->height, r->want_width, r->want_height);
	return false;
}

static void fill_info(const anpr_replay *r, uint64_t seq, int64_t pts_ms, anpr_frame_info *info)
{
	info->seq = seq;
	info->pts_ms = pts_ms;
	info->utc_ms = r->start_utc_ms + pts_ms;
	info->mono_ms = r->mono_open_ms + pts_ms;
}

/* ---- video file ---- */

/* The frame's time from the first delivered frame, kept increasing whatever the container says. */
static int64_t file_pts(anpr_replay *r, int64_t raw_ms)
{
	if (!r->have_pts) {
		r->have_pts = true;
		r->first_pts = raw_ms;
		r->last_pts = 0;
		return 0;
	}
	int64_t pts = raw_ms - r->first_pts;
	if (pts <= r->last_pts || pts - r->last_pts > MAX_PTS_GAP_MS) {
		int64_t fixed = r->last_pts + llround(1000.0 / r->fps);
		ANPR_LOGW("%s: frame %llu has presentation time %lld ms after %lld ms; using %lld ms",
			  r->path, (unsigned long long)r->seq - 1, (long long)pts, (long long)r->last_pts,
			  (long long)fixed);
		pts = fixed;
	}
	r->last_pts = pts;
	return pts;
}

/*
 * Moves to the next frame and sets next_info. A lazy reader only reads the
 * frame's bytes, decoded by file_retrieve(), so a frame dropped here costs
 * next to nothing; otherwise the frame is decoded into target now. After
 * ANPR_ERR_CLOSED the frame grabbed before is still the one held.
 */
static anpr_err file_grab(anpr_replay *r, anpr_image *target)
{
	int64_t raw_pts = 0;
	anpr_err err;

	if (r->ended)
		return ANPR_ERR_CLOSED;
	err = r->lazy ? anpr_video_grab(r->video, &raw_pts) : anpr_video_read(r->video, target, &raw_pts);
	if (err == ANPR_ERR_CLOSED && r->loops_left > 0 && r->have_pts) {
		/* Once more from the start, the times running on from the end. */
		anpr_video_info vi;
		anpr_video_close(r->video);
		r->video = NULL;
		err = anpr_video_open(r->path, &r->video, &vi);
		if (err || (r->lazy && !anpr_video_lazy(r->video))) {
			ANPR_LOGE("%s: cannot reopen for the next play: %s", r->path,
				  anpr_strerror(err ? err : ANPR_ERR_DECODE));
			anpr_video_close(r->video);
			r->video = NULL;
			r->ended = true;
			return ANPR_ERR_CLOSED;
		}
		r->loops_left--;
		r->loop_base += r->last_pts + llround(1000.0 / r->fps);
		r->have_pts = false;
		err = r->lazy ? anpr_video_grab(r->video, &raw_pts)
			      : anpr_video_read(r->video, target, &raw_pts);
	}
	if (err == ANPR_ERR_CLOSED) {
		r->ended = true;
		ANPR_LOGI("%s: end of clip after %llu frames", r->path, (unsigned long long)r->seq);
		return ANPR_ERR_CLOSED;
	}
	r->seq++;
	if (err == ANPR_ERR_NOMEM)
		return err;
	if (err) {
		ANPR_LOGW("%s: frame %llu cannot be decoded (%s); skipped", r->path,
			  (unsigned long long)r->seq - 1, anpr_strerror(err));
		return ANPR_ERR_DECODE;
	}
	if (!r->lazy && !size_ok(r, target))
		return ANPR_ERR_DECODE;
	fill_info(r, r->seq - 1, r->loop_base + file_pts(r, raw_pts), &r->next_info);
	return ANPR_ERR_OK;
}

/* Decodes the frame last grabbed (next_info's) into target, for a lazy reader; an eager one has already. */
static anpr_err file_retrieve(anpr_replay *r, anpr_image *target)
{
	if (!r->lazy)
		return ANPR_ERR_OK;
	if (!r->video)
		return ANPR_ERR_CLOSED; /* a reopen for the next play failed: nothing is held */
	anpr_err err = anpr_video_retrieve(r->video, target);
	if (err == ANPR_ERR_NOMEM)
		return err;
	if (err) {
		ANPR_LOGW("%s: frame %llu cannot be decoded (%s); skipped", r->path,
			  (unsigned long long)r->next_info.seq, anpr_strerror(err));
		return ANPR_ERR_DECODE;
	}
	if (!size_ok(r, target))
		return ANPR_ERR_DECODE;
	return ANPR_ERR_OK;
}

static anpr_err file_next(anpr_replay *r, anpr_image *dst, anpr_frame_info *info, int64_t timeout_ms)
{
	anpr_err err;

	if (!r->pending) {
		/* Colour frames go straight into dst; grey ones need a BGR frame to convert from. */
		anpr_image *target = r->grey ? &r->stage : dst;
		err = file_grab(r, target);
		if (err)
			return err;
		/*
		 * A camera does not wait for its reader: when the next frame is
		 * already due, this one is skipped, as a live sensor's would be
		 * (a gap in seq, counted as dropped by the pipeline). At most
		 * MAX_CATCH_UP in a row, so frames keep coming even when decoding
		 * alone is slower than the clip. A lazy reader does not decode the
		 * frames it skips.
		 */
		const int64_t period = llround(1000.0 / r->fps);
		for (int n = 0; r->realtime && n < MAX_CATCH_UP &&
				anpr_clock_mono_ms() >= r->mono_open_ms + r->next_info.pts_ms + period;
		     n++) {
			err = file_grab(r, target);
			if (err == ANPR_ERR_CLOSED)
				break; /* the end: the frame in hand is the clip's last */
			if (err)
				return err;
		}
		err = file_retrieve(r, target);
		if (err)
			return err;
		r->pending = true;
		r->staged = target == &r->stage;
	}
	if (r->realtime) {
		err = pace(r, r->mono_open_ms + r->next_info.pts_ms, timeout_ms);
		if (err == ANPR_ERR_TIMEOUT && !r->staged) {
			/* dst goes back to the caller: keep the frame for the next call. */
			anpr_err copy_err = anpr_image_copy(dst, &r->stage);
			if (copy_err) {
				r->pending = false;
				return copy_err;
			}
			r->staged = true;
		}
		if (err)
			return err;
	}
	r->pending = false;
	if (r->staged) {
		err = r->grey ? anpr_cv_convert(&r->stage, dst, ANPR_CV_BGR2GREY)
			      : anpr_image_copy(&r->stage, dst);
		if (err)
			return err;
	}
	*info = r->next_info;
	return ANPR_ERR_OK;
}

static anpr_err file_open(anpr_replay *r, const anpr_source_cfg *cfg, anpr_source_geom *geom)
{
	anpr_video_info vi;
	struct stat st;
	anpr_err err;

	if (stat(cfg->path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			ANPR_LOGE("%s: no such video file", cfg->path);
			return ANPR_ERR_NOT_FOUND;
		}
		ANPR_LOGE("%s: %s", cfg->path, strerror(errno));
		return ANPR_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		ANPR_LOGE("%s: not a regular file%s", cfg->path,
			  S_ISDIR(st.st_mode) ? " (a folder: use dir:)" : "");
		return ANPR_ERR_INVAL;
	}
	err = anpr_video_open(cfg->path, &r->video, &vi);
	if (err) {
		ANPR_LOGE("%s: cannot replay: %s", cfg->path,
			  err == ANPR_ERR_DECODE ? "no video stream FFmpeg can decode" : anpr_strerror(err));
		return err;
	}
	geom->width = vi.width;
	geom->height = vi.height;
	geom->fps = vi.fps;
	r->fps = vi.fps > 0 ? vi.fps : DEFAULT_FPS;
	r->lazy = r->realtime && (long)vi.width * vi.height >= LAZY_MIN_PIXELS && anpr_video_lazy(r->video);
	if (r->want_width && (vi.width != r->want_width || vi.height != r->want_height))
		ANPR_LOGW("%s: the clip is %dx%d but %dx%d is expected: every frame will be skipped",
			  cfg->path, vi.width, vi.height, r->want_width, r->want_height);
	ANPR_LOGI("replaying %s: %dx%d, %.3g fps, %lld frames%s%s", cfg->path, vi.width, vi.height, vi.fps,
		  (long long)vi.frames, r->realtime ? ", in real time" : "",
		  r->lazy ? ", decoding only the frames not dropped" : "");
	return ANPR_ERR_OK;
}

/* ---- image folder ---- */

static bool image_name(const char *name)
{
	static const char *const exts[] = { ".jpg", ".jpeg", ".png", ".bmp" };
	const char *dot = strrchr(name, '.');

	/* Hidden files are skipped: editors' and macOS's "._x.jpg" companions are not images. */
	if (name[0] == '.' || !dot)
		return false;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return true;
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the folder's images into names, sorted. */
static anpr_err dir_list(anpr_replay *r)
{
	size_t used = 0, cap = 0, count = 0;
	anpr_err err = ANPR_ERR_IO;
	DIR *d = NULL;
	int fd = -1;

	fd = dup(r->dirfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		ANPR_LOGE("%s: cannot list: %s", r->path, strerror(errno));
		goto out;
	}
	fd = -1; /* d owns it now */
	for (;;) {
		struct dirent *e;
		struct stat st;

		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno) {
				ANPR_LOGE("%s: cannot list: %s", r->path, strerror(errno));
				goto out;
			}
			break;
		}
		/* Symbolic links are followed: a folder of links to images is a fine clip. */
		if (!image_name(e->d_name) || fstatat(r->dirfd, e->d_name, &st, 0) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		size_t len = strlen(e->d_name) + 1;
		if (count >= DIR_MAX_FILES || used + len > DIR_MAX_NAME_BYTES) {
			ANPR_LOGE("%s: more than %d images; split the folder", r->path, DIR_MAX_FILES);
			err = ANPR_ERR_TOO_BIG;
			goto out;
		}
		if (used + len > cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			while (ncap < used + len)
				ncap *= 2;
			char *nb = realloc(r->names_buf, ncap);
			if (!nb) {
				err = ANPR_ERR_NOMEM;
				goto out;
			}
			r->names_buf = nb;
			cap = ncap;
		}
		memcpy(r->names_buf + used, e->d_name, len);
		used += len;
		count++;
	}
	if (count) {
		r->names = malloc(count * sizeof(*r->names));
		if (!r->names) {
			err = ANPR_ERR_NOMEM;
			goto out;
		}
		/* The buffer no longer moves: point into it. */
		for (size_t i = 0, at = 0; i < count; i++) {
			r->names[i] = r->names_buf + at;
			at += strlen(r->names[i]) + 1;
		}
		qsort(r->names, count, sizeof(*r->names), by_name);
	}
	r->n_names = count;
	err = ANPR_ERR_OK;
out:
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	return err;
}

/* Reads the folder's file name into r->buf (grown as needed, at most ANPR_CV_MAX_FILE). */
static anpr_err dir_read(anpr_replay *r, const char *name, size_t *len)
{
	anpr_err err = ANPR_ERR_IO;
	size_t size, got = 0;
	struct stat st;
	int fd;

	*len = 0;
	/* O_NONBLOCK: should the file have been swapped for a FIFO since the listing, open must not hang. */
	fd = openat(r->dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if (st.st_size > ANPR_CV_MAX_FILE) {
		err = ANPR_ERR_TOO_BIG;
		goto out;
	}
	size = (size_t)st.st_size;
	if (size > r->buf_cap) {
		/* Headroom, so a folder of slowly growing files does not reallocate for each. */
		size_t ncap =
		    size + size / 4 < (size_t)ANPR_CV_MAX_FILE ? size + size / 4 : (size_t)ANPR_CV_MAX_FILE;
		uint8_t *nb = realloc(r->buf, ncap);
		if (!nb) {
			err = ANPR_ERR_NOMEM;
			goto out;
		}
		r->buf = nb;
		r->buf_cap = ncap;
	}
	while (got < size) {
		ssize_t n = read(fd, r->buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out; /* error, or the file shrank under us */
		got += (size_t)n;
	}
	*len = size;
	err = ANPR_ERR_OK;
out:
	if (fd >= 0)
		close(fd);
	return err;
}

static int64_t dir_pts(const anpr_replay *r, uint64_t index)
{
	return llround((double)index * 1000.0 / r->fps);
}

static anpr_err dir_next(anpr_replay *r, anpr_image *dst, anpr_frame_info *info, int64_t timeout_ms)
{
	anpr_err err;
	size_t len;

	if (r->seq >= r->n_names) {
		if (!r->ended)
			ANPR_LOGI("%s: end of folder after %zu images", r->path, r->n_names);
		r->ended = true;
		return ANPR_ERR_CLOSED;
	}
	/* An image's time is known before it is read, so pacing waits first and a timeout loses nothing. */
	uint64_t index = r->seq;
	int64_t pts = dir_pts(r, index);
	if (r->realtime) {
		err = pace(r, r->mono_open_ms + pts, timeout_ms);
		if (err)
			return err;
	}
	r->seq++;
	const char *name = r->names[index];
	err = dir_read(r, name, &len);
	if (!err)
		err = anpr_cv_decode(r->buf, len, r->grey ? ANPR_CV_LOAD_GREY : ANPR_CV_LOAD_COLOR, dst);
	if (err == ANPR_ERR_NOMEM)
		return err;
	if (err) {
		/* Image names are often the plate they show: personal data, so only at debug level. */
		ANPR_LOGW("%s: frame %llu cannot be decoded (%s); skipped", r->path,
			  (unsigned long long)index, anpr_strerror(err));
		ANPR_LOGD("%s: frame %llu is the file %s", r->path, (unsigned long long)index, name);
		return ANPR_ERR_DECODE;
	}
	if (!size_ok(r, dst))
		return ANPR_ERR_DECODE;
	fill_info(r, index, pts, info);
	return ANPR_ERR_OK;
}

static anpr_err dir_open(anpr_replay *r, const anpr_source_cfg *cfg, anpr_source_geom *geom)
{
	anpr_err err;
	size_t len;

	r->dirfd = open(cfg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->dirfd < 0) {
		if (errno == ENOENT) {
			ANPR_LOGE("%s: no such folder", cfg->path);
			return ANPR_ERR_NOT_FOUND;
		}
		if (errno == ENOTDIR) {
			ANPR_LOGE("%s: not a folder (for a video, use file:)", cfg->path);
			return ANPR_ERR_INVAL;
		}
		ANPR_LOGE("%s: %s", cfg->path, strerror(errno));
		return ANPR_ERR_IO;
	}
	err = dir_list(r);
	if (err)
		return err;
	r->fps = cfg->fps > 0 ? cfg->fps : DEFAULT_FPS;
	geom->fps = r->fps;
	geom->width = r->want_width;
	geom->height = r->want_height;
	/* With no expected size, report the first image's, read from its header. */
	if (!r->want_width && r->n_names && dir_read(r, r->names[0], &len) == ANPR_ERR_OK &&
	    anpr_cv_probe(r->buf, len, &geom->width, &geom->height) != ANPR_ERR_OK)
		geom->width = geom->height = 0;
	if (r->n_names == 0)
		ANPR_LOGW("%s: no JPEG, PNG or BMP images in the folder", cfg->path);
	ANPR_LOGI("replaying %s: %zu images at %.3g fps%s", cfg->path, r->n_names, r->fps,
		  r->realtime ? ", in real time" : "");
	return ANPR_ERR_OK;
}

/* ---- common ---- */

anpr_err anpr_replay_open(const anpr_source_cfg *cfg, anpr_replay **out, anpr_source_geom *geom)
{
	anpr_replay *r = NULL;
	pthread_condattr_t ca;
	anpr_err err = ANPR_ERR_NOMEM;

	*out = NULL;
	*geom = (anpr_source_geom){ 0 };
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	r->dirfd = -1;
	pthread_mutex_init(&r->lock, NULL);
	/* Waits use CLOCK_MONOTONIC so a wall-clock step cannot stretch the pacing. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	r->path = strdup(cfg->path);
	if (!r->path)
		goto out;
	r->kind = cfg->kind;
	r->want_width = cfg->width;
	r->want_height = cfg->height;
	r->realtime = cfg->realtime;
	r->grey = cfg->grey;
	r->loops_left = cfg->loops > 1 ? cfg->loops - 1 : 0;
	err = cfg->kind == ANPR_SOURCE_DIR ? dir_open(r, cfg, geom) : file_open(r, cfg, geom);
	if (err)
		goto out;
	r->start_utc_ms = cfg->start_utc_ms ? cfg->start_utc_ms : anpr_clock_utc_ms();
	r->mono_open_ms = anpr_clock_mono_ms();
	*out = r;
	r = NULL;
out:
	anpr_replay_close(r);
	return err;
}

anpr_err anpr_replay_next(anpr_replay *r, anpr_image *dst, anpr_frame_info *info, int64_t timeout_ms)
{
	if (interrupted(r))
		return ANPR_ERR_CLOSED;
	return r->kind == ANPR_SOURCE_DIR ? dir_next(r, dst, info, timeout_ms)
					  : file_next(r, dst, info, timeout_ms);
}

void anpr_replay_interrupt(anpr_replay *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->interrupted = true;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

void anpr_replay_close(anpr_replay *r)
{
	if (!r)
		return;
	anpr_video_close(r->video);
	if (r->dirfd >= 0)
		close(r->dirfd);
	anpr_image_free(&r->stage);
	free(r->names);
	free(r->names_buf);
	free(r->buf);
	free(r->path);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
