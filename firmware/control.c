/* SPDX-License-Identifier: MIT */
/* anprd's control interface: request parsing, the poll() loop over the socket and its clients, commands and streams. */
#define _GNU_SOURCE /* SO_PEERCRED and struct ucred, accept4, pipe2: Linux only, as the daemon is */
#define ANPR_LOG_TAG "control"
#include "control.h"
#include "control_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "clockstat.h"
#include "json.h"
#include "log.h"

#define PROTOCOL_VERSION 1
#define MAX_CLIENTS 4
#define IDLE_MS (10 * 60 * 1000)
#define OUT_CAP (2u << 20)    /* unsent output per client before it is dropped as stuck */
#define OUT_SOFT (256u << 10) /* unsent output past which a client's requests wait (it is not reading) */
#define LINES_PER_ROUND 16    /* requests taken from one client per turn of the loop */
#define MAX_EOF_LINES 16      /* rounds of requests still answered after the peer's EOF */
#define CLOSE_GRACE_MS 1000   /* an error line's chance to leave before the close */
#define LOG_RING_LINES 2000
#define READ_EVENTS 64 /* stored reads waiting for the control thread */
#define SAMPLES 64     /* one per second: camera fps and drops in the last minute */
#define LUMA_MAX (160 * 60)
#define WIDTHS_MAX 64
#define ID_MAX 2147483647

/* ---- request parsing ---- */

static const char *const cmd_names[] = { "status", "camera", "preview", "focus",  "readtest", "buffer",
					 "clock",  "log",    "reload",  "alarms", "cancel" };

const char *anpr_control_cmd_name(anpr_control_cmd cmd)
{
	return (size_t)cmd < sizeof(cmd_names) / sizeof(cmd_names[0]) ? cmd_names[cmd] : "unknown";
}

/* The arguments each command accepts. */
static const char *const cmd_args[] = {
	"",
	"",
	"cols rows fps seconds",
	"fps seconds",
	"seconds plates",
	"check",
	"",
	"lines follow level",
	"",
	"",
	"target",
};

static bool arg_allowed(anpr_control_cmd cmd, const char *name)
{
	const char *list = cmd_args[cmd];
	size_t l = strlen(name);

	while (*list) {
		const char *sp = strchr(list, ' ');
		size_t wl = sp ? (size_t)(sp - list) : strlen(list);
		if (wl == l && memcmp(list, name, l) == 0)
			return true;
		list += wl;
		while (*list == ' ')
			list++;
	}
	return false;
}

static anpr_err arg_int(const anpr_json *v, const char *name, int64_t lo, int64_t hi, int64_t *out, char *msg,
			size_t cap)
{
	if (v->type != ANPR_JSON_NUMBER || !v->is_int) {
		snprintf(msg, cap, "'%s' must be an integer", name);
		return ANPR_ERR_INVAL;
	}
	if (v->integer < lo || v->integer > hi) {
		snprintf(msg, cap, "'%s' must be %" PRId64 "..%" PRId64, name, lo, hi);
		return ANPR_ERR_RANGE;
	}
	*out = v->integer;
	return ANPR_ERR_OK;
}

static anpr_err arg_real(const anpr_json *v, const char *name, double lo, double hi, double *out, char *msg,
			 size_t cap)
{
	if (v->type != ANPR_JSON_NUMBER) {
		snprintf(msg, cap, "'%s' must be a number", name);
		return ANPR_ERR_INVAL;
	}
	if (v->number < lo || v->number > hi) {
		snprintf(msg, cap, "'%s' must be %g..%g", name, lo, hi);
		return ANPR_ERR_RANGE;
	}
	*out = v->number;
	return ANPR_ERR_OK;
}

static anpr_err arg_bool(const anpr_json *v, const char *name, bool *out, char *msg, size_t cap)
{
	if (v->type != ANPR_JSON_BOOL) {
		snprintf(msg, cap, "'%s' must be true or false", name);
		return ANPR_ERR_INVAL;
	}
	*out = v->boolean;
	return ANPR_ERR_OK;
}

static anpr_err parse_arg(anpr_control_request *r, const char *name, const anpr_json *v, char *msg,
			  size_t cap)
{
	int64_t i = 0;
	anpr_err err;

	if (!arg_allowed(r->cmd, name)) {
		/* The name comes from the client: keep it out of the message when it is long. */
		snprintf(msg, cap, "%s takes no argument '%.32s'", anpr_control_cmd_name(r->cmd), name);
		return ANPR_ERR_INVAL;
	}
	if (strcmp(name, "cols") == 0) {
		err = arg_int(v, name, 16, 160, &i, msg, cap);
		r->cols = (int)i;
	} else if (strcmp(name, "rows") == 0) {
		err = arg_int(v, name, 8, 60, &i, msg, cap);
		r->rows = (int)i;
	} else if (strcmp(name, "fps") == 0) {
		err = arg_real(v, name, 0.5, 10, &r->fps, msg, cap);
	} else if (strcmp(name, "seconds") == 0) {
		err = arg_int(v, name, 1, 600, &i, msg, cap);
		r->seconds = (int)i;
	} else if (strcmp(name, "plates") == 0) {
		err = arg_bool(v, name, &r->plates, msg, cap);
	} else if (strcmp(name, "check") == 0) {
		err = arg_bool(v, name, &r->check, msg, cap);
	} else if (strcmp(name, "lines") == 0) {
		err = arg_int(v, name, 1, 1000, &i, msg, cap);
		r->lines = (int)i;
	} else if (strcmp(name, "follow") == 0) {
		err = arg_bool(v, name, &r->follow, msg, cap);
	} else if (strcmp(name, "level") == 0) {
		anpr_log_level lv;
		if (v->type != ANPR_JSON_STRING || anpr_log_level_parse(v->string, &lv) ||
		    lv == ANPR_LOG_DEBUG) {
			snprintf(msg, cap, "'level' must be \"error\", \"warn\" or \"info\"");
			return ANPR_ERR_INVAL;
		}
		r->level = (int)lv;
		err = ANPR_ERR_OK;
	} else { /* target */
		err = arg_int(v, name, 1, ID_MAX, &r->target, msg, cap);
	}
	return err;
}

anpr_err anpr_control_parse_request(const char *line, size_t len, anpr_control_request *req, char *msg,
				    size_t cap)
{
	anpr_json *root = NULL;
	const anpr_json *id, *cmd, *args;
	anpr_err err = ANPR_ERR_FORMAT;
	size_t c;

	memset(req, 0, sizeof(*req));
	req->cols = 80;
	req->rows = 30;
	req->fps = 2;
	req->seconds = 60;
	req->lines = 100;
	req->level = ANPR_LOG_INFO;
	if (cap)
		msg[0] = '\0';
	if (len > ANPR_CONTROL_LINE_MAX) {
		snprintf(msg, cap, "request line longer than %d bytes", ANPR_CONTROL_LINE_MAX);
		return ANPR_ERR_FORMAT;
	}
	if (!anpr_json_utf8_valid(line, len) || memchr(line, '\0', len)) {
		snprintf(msg, cap, "request is not valid UTF-8 text");
		return ANPR_ERR_FORMAT;
	}
	/* Requests are flat: an object holding args, whose values are scalars. */
	err = anpr_json_parse(line, len, 3, &root);
	if (err == ANPR_ERR_NOMEM) {
		snprintf(msg, cap, "out of memory");
		return ANPR_ERR_FORMAT;
	}
	if (err || root->type != ANPR_JSON_OBJECT) {
		snprintf(msg, cap, "request is not a JSON object");
		err = ANPR_ERR_FORMAT;
		goto out;
	}
	err = ANPR_ERR_FORMAT;
	id = anpr_json_get(root, "id");
	if (!id || id->type != ANPR_JSON_NUMBER || !id->is_int || id->integer < 1 || id->integer > ID_MAX) {
		snprintf(msg, cap, "request needs an integer id 1..%d", ID_MAX);
		goto out;
	}
	req->id = id->integer;
	err = ANPR_ERR_INVAL;
	for (size_t i = 0; i < root->n; i++) {
		if (strcmp(root->keys[i], "id") && strcmp(root->keys[i], "cmd") &&
		    strcmp(root->keys[i], "args")) {
			snprintf(msg, cap, "unknown request member '%.32s'", root->keys[i]);
			goto out;
		}
	}
	cmd = anpr_json_get(root, "cmd");
	if (!cmd || cmd->type != ANPR_JSON_STRING) {
		snprintf(msg, cap, "request needs a string cmd");
		goto out;
	}
	for (c = 0; c < sizeof(cmd_names) / sizeof(cmd_names[0]); c++)
		if (strcmp(cmd->string, cmd_names[c]) == 0)
			break;
	if (c == sizeof(cmd_names) / sizeof(cmd_names[0])) {
		snprintf(msg, cap, "unknown command '%.32s'", cmd->string);
		goto out;
	}
	req->cmd = (anpr_control_cmd)c;
	args = anpr_json_get(root, "args");
	if (args && args->type != ANPR_JSON_OBJECT) {
		snprintf(msg, cap, "args must be an object");
		goto out;
	}
	for (size_t i = 0; args && i < args->n; i++) {
		err = parse_arg(req, args->keys[i], &args->items[i], msg, cap);
		if (err)
			goto out;
	}
	if (req->cmd == ANPR_CMD_CANCEL && req->target == 0) {
		snprintf(msg, cap, "cancel needs a target");
		err = ANPR_ERR_INVAL;
		goto out;
	}
	err = ANPR_ERR_OK;
out:
	anpr_json_free(root);
	return err;
}

void anpr_control_base64(const uint8_t *in, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;

	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = a[v >> 18];
		*out++ = a[(v >> 12) & 63];
		*out++ = a[(v >> 6) & 63];
		*out++ = a[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		*out++ = a[v >> 18];
		*out++ = a[(v >> 12) & 63];
		*out++ = i + 1 < n ? a[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* ---- the log tee ---- */

static struct {
	pthread_mutex_t mu;
	struct {
		char *text; /* without the newline */
		size_t len, cap;
		int level;
	} e[LOG_RING_LINES];
	uint64_t next; /* sequence number of the next line */
} ring = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void tee_sink(void *ctx, anpr_log_level level, const char *line, size_t len)
{
	const char *p = line;
	size_t left = len;

	(void)ctx;
	while (left > 0) {
		ssize_t n = write(STDERR_FILENO, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	/* Debug lines may hold plate text: they never reach the ring. */
	if (level >= ANPR_LOG_DEBUG)
		return;
	if (len && line[len - 1] == '\n')
		len--;
	pthread_mutex_lock(&ring.mu);
	size_t k = ring.next % LOG_RING_LINES;
	if (ring.e[k].cap < len + 1) {
		/* Slots grow to the longest line they held, so a warm ring stops allocating. */
		char *b = realloc(ring.e[k].text, len + 1);
		if (!b) {
			pthread_mutex_unlock(&ring.mu);
			return;
		}
		ring.e[k].text = b;
		ring.e[k].cap = len + 1;
	}
	memcpy(ring.e[k].text, line, len);
	ring.e[k].text[len] = '\0';
	ring.e[k].len = len;
	ring.e[k].level = (int)level;
	ring.next++;
	pthread_mutex_unlock(&ring.mu);
}

void anpr_control_log_capture(void)
{
	anpr_log_set_sink(tee_sink, NULL);
}

/* ---- state ---- */

enum stream_kind { ST_NONE, ST_PREVIEW, ST_FOCUS, ST_READTEST, ST_LOG };

typedef struct stream {
	enum stream_kind kind;
	int64_t id;
	int64_t end_ms, next_ms, interval_ms; /* monotonic */
	int cols, rows, level;
	bool plates;
	uint64_t events, log_next;
	int64_t widths_since;
	/* readtest summary */
	uint64_t reads, below;
	double cmin, csum, cmax;
} stream;

typedef struct client {
	int fd;
	uint64_t gen; /* tells a reused slot from the client a check was started for */
	char in[ANPR_CONTROL_LINE_MAX + 1];
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	int64_t last_rx_ms;
	bool
	    closing; /* requests ignored; after the output, shut for writing; closed at the peer's EOF or the grace's end */
	bool shut;      /* shutdown(SHUT_WR) done */
	bool dropped;   /* too much unsent output: closed without a word */
	bool eof;       /* the peer shut its sending side */
	size_t drained; /* input discarded while closing (so the close sends no RST over unread bytes) */
	int64_t close_at_ms;
	stream st;
} client;

typedef struct read_ev {
	int64_t utc_ms;
	float confidence;
	int frames;
	const char *country;
	char plate_text[32];
} read_ev;

typedef struct ctl_alarm {
	const char *name;
	int64_t since_utc_ms; /* 0: not raised */
	char detail[96];
} ctl_alarm;

enum {
	AL_UPLINK_REFUSED,
	AL_QUARANTINED,
	AL_SPOOL_IO,
	AL_BUFFER_EVICTING,
	AL_DISK_LOW,
	AL_CLOCK_UNSYNCED,
	AL_CAMERA_FAILED,
	AL_FRAMES_DROPPED,
	AL_COUNT
};

static const char *const alarm_names[AL_COUNT] = {
	"uplink_refused", "quarantined",    "spool_io_error", "buffer_evicting",
	"disk_low",       "clock_unsynced", "camera_failed",  "frames_dropped",
};

struct anpr_control {
	anpr_control_cfg cfg;
	char *path, *firmware, *board, *device, *site, *store_dir;
	int lfd, wake[2];
	pthread_t th;
	bool started;
	atomic_bool stop;
	client cl[MAX_CLIENTS];
	uint64_t next_gen;
	int64_t started_mono_ms, started_utc_ms;

	/* Stored reads from the emitter thread (listener), for readtest. */
	pthread_mutex_t ev_mu;
	read_ev evs[READ_EVENTS];
	size_t n_evs;
	uint64_t evs_lost;
	atomic_int readtests;

	/* The buffer check worker: one at a time. */
	pthread_t check_th;
	bool check_running;
	atomic_bool check_done;
	int check_client;
	uint64_t check_gen;
	int64_t check_id;
	uint64_t check_records, check_bad;
	int64_t check_ms;
	anpr_err check_err;

	struct {
		int64_t mono_ms;
		uint64_t frames, dropped;
	} samples[SAMPLES];
	size_t n_samples;
	int64_t next_sample_ms;
	ctl_alarm alarms[AL_COUNT];
	uint8_t luma[LUMA_MAX];
};

static void wake(anpr_control *c)
{
	char b = 1;
	ssize_t n = write(c->wake[1], &b, 1); /* full pipe: a wake-up is pending anyway */
	(void)n;
}

/* ---- output ---- */

/* Queues one line (text without newline) to the client; drops the client when its backlog passes the cap. */
static void send_line(client *cl, const char *text, size_t len)
{
	if (cl->fd < 0 || cl->dropped)
		return;
	if (cl->out_len - cl->out_off + len + 1 > OUT_CAP) {
		/* Logged by the loop: this may run with the log ring's lock held. */
		cl->dropped = true;
		cl->out_len = cl->out_off = 0;
		cl->closing = true;
		cl->close_at_ms = 0; /* at once */
		return;
	}
	if (cl->out_off && cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	if (cl->out_len + len + 1 > cl->out_cap) {
		if (cl->out_off) {
			memmove(cl->out, cl->out + cl->out_off, cl->out_len - cl->out_off);
			cl->out_len -= cl->out_off;
			cl->out_off = 0;
		}
		if (cl->out_len + len + 1 > cl->out_cap) {
			size_t nc = cl->out_cap ? cl->out_cap : 4096;
			while (nc < cl->out_len + len + 1)
				nc *= 2;
			char *b = realloc(cl->out, nc);
			if (!b) {
				cl->closing = true;
				cl->close_at_ms = 0;
				return;
			}
			cl->out = b;
			cl->out_cap = nc;
		}
	}
	memcpy(cl->out + cl->out_len, text, len);
	cl->out[cl->out_len + len] = '\n';
	cl->out_len += len + 1;
}

/* A line under construction: a memory stream, sent by finish(). */
typedef struct line {
	FILE *f;
	char *buf;
	size_t len;
} line;

static bool begin(line *l)
{
	l->buf = NULL;
	l->len = 0;
	l->f = open_memstream(&l->buf, &l->len);
	return l->f != NULL;
}

static void finish(line *l, client *cl)
{
	if (fclose(l->f) == 0 && l->buf)
		send_line(cl, l->buf, l->len);
	free(l->buf);
}

static void put_ms(FILE *f, int64_t ms)
{
	if (ms > 0)
		fprintf(f, "%" PRId64, ms);
	else
		fputs("null", f);
}

static void put_real(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void send_error(client *cl, int64_t id, anpr_err err, const char *message)
{
	line l;

	if (!begin(&l))
		return;
	fprintf(l.f,
		"{\"id\":%" PRId64 ",\"ok\":false,\"error\":{\"code\":%d,\"name\":\"%s\",\"message\":", id,
		(int)err, anpr_errname(err));
	anpr_json_write_string(l.f, message);
	fputs("}}", l.f);
	finish(&l, cl);
}

/* Starts a reply: {"id":N,"ok":true,"result":  (the caller writes the result and "}"). */
static void result_head(line *l, int64_t id)
{
	fprintf(l->f, "{\"id\":%" PRId64 ",\"ok\":true,\"result\":", id);
}

/* Sends an error and closes once it is out (protocol violations). */
static void refuse(client *cl, anpr_err err, const char *message)
{
	send_error(cl, 0, err, message);
	cl->closing = true;
	cl->close_at_ms = anpr_clock_mono_ms() + CLOSE_GRACE_MS;
}

static void close_client(anpr_control *c, client *cl)
{
	if (cl->fd < 0)
		return;
	if (cl->st.kind == ST_READTEST)
		atomic_fetch_sub(&c->readtests, 1);
	close(cl->fd);
	cl->fd = -1;
	free(cl->out);
	cl->out = NULL;
	cl->out_len = cl->out_off = cl->out_cap = 0;
	cl->in_len = 0;
	memset(&cl->st, 0, sizeof(cl->st));
}

/* ---- figures ---- */

static void sample(anpr_control *c, int64_t now)
{
	anpr_pipeline_stats ps;

	anpr_pipeline_get_stats(c->cfg.pipeline, &ps);
	size_t k = c->n_samples % SAMPLES;
	c->samples[k].mono_ms = now;
	c->samples[k].frames = ps.frames_captured;
	c->samples[k].dropped = ps.frames_dropped;
	c->n_samples++;
}

/* The newest sample at least age_ms old (the oldest kept when none is), or NULL. */
static const void *sample_ago(const anpr_control *c, int64_t now, int64_t age_ms, int64_t *t,
			      uint64_t *frames, uint64_t *dropped)
{
	size_t have = c->n_samples < SAMPLES ? c->n_samples : SAMPLES;

	if (!have)
		return NULL;
	for (size_t i = 0; i < have; i++) {
		size_t k = (c->n_samples - 1 - i) % SAMPLES;
		if (now - c->samples[k].mono_ms >= age_ms || i == have - 1) {
			*t = c->samples[k].mono_ms;
			*frames = c->samples[k].frames;
			*dropped = c->samples[k].dropped;
			return &c->samples[k];
		}
	}
	return NULL;
}

static const char *camera_state(const anpr_pipeline_stats *ps, const anpr_pipeline_camera *ci)
{
	if (ps->source_error == ANPR_ERR_CLOSED)
		return ci->kind == ANPR_SOURCE_CAMERA ? "stopped" : "ended";
	if (ps->source_error != ANPR_ERR_OK || !ci->open)
		return "failed";
	return ps->running ? "running" : "stopped";
}

static void raise_alarm(anpr_control *c, int a, bool on, int64_t now_utc, const char *detail)
{
	ctl_alarm *al = &c->alarms[a];

	if (!on) {
		al->since_utc_ms = 0;
		return;
	}
	if (!al->since_utc_ms) {
		al->since_utc_ms = now_utc > 0 ? now_utc : 1;
		ANPR_LOGW("alarm %s: %s", alarm_names[a], detail);
	}
	snprintf(al->detail, sizeof(al->detail), "%s", detail);
}

static void update_alarms(anpr_control *c)
{
	int64_t now = anpr_clock_mono_ms(), utc = anpr_clock_utc_ms();
	anpr_pipeline_stats ps;
	anpr_pipeline_camera ci;
	anpr_clock_state cs;
	uint64_t quarantined = 0;
	char d[96];

	anpr_pipeline_get_stats(c->cfg.pipeline, &ps);
	anpr_pipeline_camera_info(c->cfg.pipeline, &ci);
	if (c->cfg.uplink) {
		anpr_uplink_stats us;
		anpr_uplink_get_stats(c->cfg.uplink, &us);
		snprintf(d, sizeof(d), "the back office answers HTTP %d: certificate not accepted",
			 us.last_http);
		raise_alarm(c, AL_UPLINK_REFUSED,
			    us.state == ANPR_UPLINK_REFUSED || us.last_http == 401 || us.last_http == 403,
			    utc, d);
		quarantined = us.quarantined;
	}
	if (c->cfg.spool) {
		anpr_spool_stats ss;
		anpr_spool_get_stats(c->cfg.spool, &ss);
		quarantined = ss.quarantined > quarantined ? ss.quarantined : quarantined;
		snprintf(d, sizeof(d), "ring buffer write or fsync failed (%" PRIu64 " reads lost)",
			 ss.lost_fsync);
		raise_alarm(c, AL_SPOOL_IO, ss.fsync_failed || ss.lost_fsync > 0, utc, d);
		snprintf(d, sizeof(d), "ring buffer full: %" PRIu64 " oldest reads evicted", ss.evicted);
		raise_alarm(c, AL_BUFFER_EVICTING, ss.full || ss.evicted > 0, utc, d);
	}
	snprintf(d, sizeof(d), "%" PRIu64 " reads refused by the back office (quarantined)", quarantined);
	raise_alarm(c, AL_QUARANTINED, quarantined > 0, utc, d);
	struct statvfs vfs;
	if (statvfs(c->store_dir, &vfs) == 0 && vfs.f_blocks > 0) {
		double pct = 100.0 * (double)vfs.f_bavail / (double)vfs.f_blocks;
		snprintf(d, sizeof(d), "%.1f%% free on the data partition", pct);
		raise_alarm(c, AL_DISK_LOW, pct < 5.0, utc, d);
	}
	anpr_clockstat_read(&cs);
	raise_alarm(c, AL_CLOCK_UNSYNCED, !cs.synchronised, utc, "the clock is not synchronised (NTP)");
	const char *state = camera_state(&ps, &ci);
	snprintf(d, sizeof(d), "camera %s (%s)", state, anpr_strerror(ps.source_error));
	raise_alarm(c, AL_CAMERA_FAILED, strcmp(state, "failed") == 0, utc, d);
	int64_t t;
	uint64_t frames, dropped;
	if (sample_ago(c, now, 60000, &t, &frames, &dropped)) {
		snprintf(d, sizeof(d), "%" PRIu64 " frames dropped in the last minute",
			 ps.frames_dropped - dropped);
		raise_alarm(c, AL_FRAMES_DROPPED, ps.frames_dropped > dropped, utc, d);
	}
}

static void write_alarms(anpr_control *c, FILE *f)
{
	bool first = true;

	fputc('[', f);
	for (int a = 0; a < AL_COUNT; a++) {
		if (!c->alarms[a].since_utc_ms)
			continue;
		fprintf(f, "%s{\"name\":\"%s\",\"since_utc_ms\":%" PRId64 ",\"detail\":", first ? "" : ",",
			alarm_names[a], c->alarms[a].since_utc_ms);
		anpr_json_write_string(f, c->alarms[a].detail);
		fputc('}', f);
		first = false;
	}
	fputc(']', f);
}

static void write_clock(FILE *f, bool with_source)
{
	anpr_clock_state cs;

	anpr_clockstat_read(&cs);
	fprintf(f, "{\"synced\":%s,\"offset_us\":", cs.synchronised ? "true" : "false");
	/* The kernel keeps the last offset only while a daemon disciplines the clock. */
	put_real(f, cs.synchronised ? cs.offset_ms * 1000.0 : (double)NAN);
	fputs(",\"maxerror_us\":", f);
	put_real(f, cs.max_error_ms >= 0 ? cs.max_error_ms * 1000.0 : (double)NAN);
	fputs(",\"esterror_us\":", f);
	put_real(f, cs.est_error_ms >= 0 ? cs.est_error_ms * 1000.0 : (double)NAN);
	if (with_source)
		fprintf(f, ",\"source\":\"%s\",\"daemon\":\"%s\"", cs.source ? cs.source : "none",
			cs.daemon ? cs.daemon : "none");
	fputc('}', f);
}

static void write_spool(FILE *f, const anpr_spool_stats *ss)
{
	fprintf(f,
		"{\"records\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"pending\":%" PRIu64
		",\"oldest_pending_utc_ms\":",
		ss->records, ss->bytes, ss->pending);
	put_ms(f, ss->oldest_pending_utc_ms);
	fprintf(f,
		",\"quarantined\":%" PRIu64 ",\"corrupt\":%" PRIu64 ",\"evicted\":%" PRIu64
		",\"expired\":%" PRIu64,
		ss->quarantined, ss->corrupt, ss->evicted, ss->expired);
}

static void cmd_status(anpr_control *c, client *cl, int64_t id)
{
	int64_t now = anpr_clock_mono_ms();
	anpr_pipeline_stats ps;
	anpr_pipeline_camera ci;
	uint64_t hour, day, frames, dropped;
	int64_t last_read, t;
	double fps = NAN;
	line l;

	update_alarms(c);
	anpr_pipeline_get_stats(c->cfg.pipeline, &ps);
	anpr_pipeline_camera_info(c->cfg.pipeline, &ci);
	anpr_pipeline_read_counts(c->cfg.pipeline, &hour, &day, &last_read);
	if (sample_ago(c, now, 5000, &t, &frames, &dropped) && now - t >= 500)
		fps = (double)(ps.frames_captured - frames) * 1000.0 / (double)(now - t);
	if (!begin(&l))
		return;
	result_head(&l, id);
	fputs("{\"firmware\":", l.f);
	anpr_json_write_string(l.f, c->firmware);
	fputs(",\"board\":", l.f);
	anpr_json_write_string(l.f, c->board);
	fputs(",\"device\":", l.f);
	anpr_json_write_string(l.f, c->device);
	fputs(",\"site\":", l.f);
	anpr_json_write_string(l.f, c->site);
	fprintf(l.f, ",\"uptime_s\":%" PRId64 ",\"started_utc_ms\":%" PRId64,
		(now - c->started_mono_ms) / 1000, c->started_utc_ms);
	fprintf(l.f, ",\"camera\":{\"state\":\"%s\",\"source\":\"%s\",\"fps\":", camera_state(&ps, &ci),
		anpr_source_kind_name(ci.kind));
	put_real(l.f, fps);
	fprintf(l.f,
		",\"frames_captured\":%" PRIu64 ",\"frames_dropped\":%" PRIu64 ",\"frames_bad\":%" PRIu64
		",\"restarts\":%" PRIu64 "}",
		ps.frames_captured, ps.frames_dropped, ps.frames_bad, ps.camera_restarts);
	fprintf(l.f,
		",\"reads\":{\"total\":%" PRIu64 ",\"last_hour\":%" PRIu64 ",\"last_day\":%" PRIu64
		",\"last_utc_ms\":",
		ps.reads_stored, hour, day);
	put_ms(l.f, last_read);
	fputs("},\"uplink\":", l.f);
	if (c->cfg.uplink) {
		anpr_uplink_stats us;
		anpr_uplink_get_stats(c->cfg.uplink, &us);
		fprintf(l.f, "{\"configured\":true,\"state\":\"%s\",\"last_success_utc_ms\":",
			anpr_uplink_state_name(us.state));
		put_ms(l.f, us.last_success_utc_ms);
		fprintf(l.f, ",\"last_http\":%d,\"last_error\":", us.last_http);
		anpr_json_write_string(l.f, us.last_error);
		fprintf(l.f,
			",\"delivered\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"quarantined\":%" PRIu64
			",\"failures\":%" PRIu64 ",\"backoff_ms\":%" PRId64 "}",
			us.delivered, us.duplicates, us.quarantined, us.failures, us.backoff_ms);
	} else {
		fputs("{\"configured\":false,\"state\":\"off\",\"last_success_utc_ms\":null,\"last_http\":0,"
		      "\"last_error\":\"\",\"delivered\":0,\"duplicates\":0,\"quarantined\":0,\"failures\":0,"
		      "\"backoff_ms\":0}",
		      l.f);
	}
	fputs(",\"buffer\":", l.f);
	if (c->cfg.spool) {
		anpr_spool_stats ss;
		anpr_spool_get_stats(c->cfg.spool, &ss);
		write_spool(l.f, &ss);
		fputc('}', l.f);
	} else {
		fputs("null", l.f);
	}
	struct statvfs vfs;
	fputs(",\"disk\":{\"path\":", l.f);
	anpr_json_write_string(l.f, c->store_dir);
	if (statvfs(c->store_dir, &vfs) == 0)
		fprintf(l.f, ",\"total_bytes\":%" PRIu64 ",\"free_bytes\":%" PRIu64 "}",
			(uint64_t)vfs.f_blocks * vfs.f_frsize, (uint64_t)vfs.f_bavail * vfs.f_frsize);
	else
		fputs(",\"total_bytes\":null,\"free_bytes\":null}", l.f);
	fputs(",\"clock\":", l.f);
	write_clock(l.f, false);
	fputs(",\"temperature_c\":", l.f);
	put_real(l.f, c->cfg.temperature_c ? c->cfg.temperature_c(c->cfg.temperature_user) : (double)NAN);
	fputs(",\"alarms\":", l.f);
	write_alarms(c, l.f);
	fputs("}}", l.f);
	finish(&l, cl);
}

static void cmd_camera(anpr_control *c, client *cl, int64_t id)
{
	anpr_pipeline_camera ci;
	line l;

	anpr_pipeline_camera_info(c->cfg.pipeline, &ci);
	if (!begin(&l))
		return;
	result_head(&l, id);
	fprintf(l.f, "{\"backend\":\"%s\",\"sensor\":null,\"width\":%d,\"height\":%d,\"fps\":",
		ci.kind == ANPR_SOURCE_CAMERA ? "libcamera" : "replay", ci.width, ci.height);
	put_real(l.f, ci.fps > 0 ? ci.fps : ci.requested_fps > 0 ? ci.requested_fps : (double)NAN);
	fputs(",\"pixel_format\":", l.f);
	anpr_json_write_string(l.f, ci.kind == ANPR_SOURCE_CAMERA ? ci.pixel_format : NULL);
	fprintf(l.f, ",\"exposure_us\":null,\"exposure_max_us\":%d,\"gain\":null,\"gain_max\":",
		ci.exposure_max_us);
	put_real(l.f, ci.gain_max);
	fputs(",\"ir\":{\"mode\":\"unknown\"}}}", l.f);
	finish(&l, cl);
}

static void cmd_clock(client *cl, int64_t id)
{
	line l;

	if (!begin(&l))
		return;
	result_head(&l, id);
	write_clock(l.f, true);
	fputc('}', l.f);
	finish(&l, cl);
}

static void cmd_alarms(anpr_control *c, client *cl, int64_t id)
{
	line l;

	update_alarms(c);
	if (!begin(&l))
		return;
	result_head(&l, id);
	fputs("{\"alarms\":", l.f);
	write_alarms(c, l.f);
	fputs("}}", l.f);
	finish(&l, cl);
}

static void cmd_reload(anpr_control *c, client *cl, int64_t id)
{
	char diag[512] = "";
	anpr_err err;
	line l;

	if (!c->cfg.reload) {
		send_error(cl, id, ANPR_ERR_UNSUPPORTED, "reload is not available");
		return;
	}
	ANPR_LOGI("configuration reload asked for over the control socket");
	err = c->cfg.reload(c->cfg.reload_user, diag, sizeof(diag));
	if (err) {
		send_error(cl, id, err, diag[0] ? diag : anpr_strerror(err));
		return;
	}
	if (!begin(&l))
		return;
	result_head(&l, id);
	fputs("{\"reloaded\":true}}", l.f);
	finish(&l, cl);
}

static void *check_main(void *arg)
{
	anpr_control *c = arg;
	int64_t t0 = anpr_clock_mono_ms();

	c->check_err = anpr_spool_check(c->cfg.spool, &c->check_records, &c->check_bad);
	c->check_ms = anpr_clock_mono_ms() - t0;
	atomic_store(&c->check_done, true);
	wake(c);
	return NULL;
}

static void buffer_reply(anpr_control *c, client *cl, int64_t id, bool with_check)
{
	anpr_spool_stats ss;
	line l;

	anpr_spool_get_stats(c->cfg.spool, &ss);
	if (!begin(&l))
		return;
	result_head(&l, id);
	write_spool(l.f, &ss);
	fprintf(l.f,
		",\"delivered\":%" PRIu64 ",\"torn\":%" PRIu64 ",\"first_seq\":%" PRIu64
		",\"last_seq\":%" PRIu64 ",\"segments\":%u,\"fsync_failed\":%s,\"full\":%s",
		ss.delivered, ss.torn, ss.first_seq, ss.last_seq, ss.segments,
		ss.fsync_failed ? "true" : "false", ss.full ? "true" : "false");
	if (with_check)
		fprintf(l.f,
			",\"check\":{\"records\":%" PRIu64 ",\"corrupt\":%" PRIu64
			",\"ok\":%s,\"ms\":%" PRId64 "}",
			c->check_records, c->check_bad, c->check_bad == 0 ? "true" : "false", c->check_ms);
	fputs("}}", l.f);
	finish(&l, cl);
}

static void cmd_buffer(anpr_control *c, client *cl, int64_t id, bool check)
{
	if (!c->cfg.spool) {
		send_error(cl, id, ANPR_ERR_UNSUPPORTED,
			   "the store is a plain folder (store.backend = folder)");
		return;
	}
	if (!check) {
		buffer_reply(c, cl, id, false);
		return;
	}
	if (c->check_running) {
		send_error(cl, id, ANPR_ERR_FULL, "a buffer check is already running");
		return;
	}
	atomic_store(&c->check_done, false);
	c->check_client = (int)(cl - c->cl);
	c->check_gen = cl->gen;
	c->check_id = id;
	if (pthread_create(&c->check_th, NULL, check_main, c)) {
		send_error(cl, id, ANPR_ERR_NOMEM, "cannot start the check");
		return;
	}
	c->check_running = true;
	ANPR_LOGI("buffer integrity check started over the control socket");
}

static void finish_check(anpr_control *c)
{
	client *cl = &c->cl[c->check_client];

	pthread_join(c->check_th, NULL);
	c->check_running = false;
	if (cl->fd < 0 || cl->gen != c->check_gen)
		return; /* its client has gone */
	if (c->check_err)
		send_error(cl, c->check_id, c->check_err, "the check could not read the buffer");
	else
		buffer_reply(c, cl, c->check_id, true);
}

/* Writes the last r->lines ring lines at r->level or above as JSON strings, comma-separated; returns the next seq. */
static uint64_t write_log_lines(FILE *f, const anpr_control_request *r)
{
	uint64_t from, seq, next;
	int n = 0;

	pthread_mutex_lock(&ring.mu);
	from = ring.next > LOG_RING_LINES ? ring.next - LOG_RING_LINES : 0;
	for (seq = ring.next; seq > from && n < r->lines;) {
		seq--;
		if (ring.e[seq % LOG_RING_LINES].level <= r->level)
			n++;
	}
	n = 0;
	for (; seq < ring.next; seq++) {
		if (ring.e[seq % LOG_RING_LINES].level > r->level)
			continue;
		if (n++)
			fputc(',', f);
		anpr_json_write_string(f, ring.e[seq % LOG_RING_LINES].text);
	}
	next = ring.next;
	pthread_mutex_unlock(&ring.mu);
	return next;
}

static void cmd_log(client *cl, const anpr_control_request *r)
{
	uint64_t next;
	line l;

	if (r->follow && cl->st.kind != ST_NONE) {
		send_error(cl, r->id, ANPR_ERR_FULL, "this connection already runs a stream");
		return;
	}
	if (!begin(&l))
		return;
	if (!r->follow) {
		result_head(&l, r->id);
		fputs("{\"lines\":[", l.f);
		write_log_lines(l.f, r);
		fputs("]}}", l.f);
		finish(&l, cl);
		return;
	}
	/* A stream: the recent lines are its first event, new ones follow; the final reply comes at cancel. */
	fprintf(l.f, "{\"id\":%" PRId64 ",\"event\":{\"lines\":[", r->id);
	next = write_log_lines(l.f, r);
	fputs("]}}", l.f);
	finish(&l, cl);
	cl->st =
	    (stream){ .kind = ST_LOG, .id = r->id, .level = r->level, .log_next = next, .end_ms = INT64_MAX };
}

/* ---- streams ---- */

static void end_stream(anpr_control *c, client *cl, bool cancelled)
{
	stream *st = &cl->st;
	line l;

	if (st->kind == ST_NONE)
		return;
	if (begin(&l)) {
		result_head(&l, st->id);
		fprintf(l.f, "{\"events\":%" PRIu64, st->events);
		if (st->kind == ST_READTEST) {
			int64_t secs =
			    (anpr_clock_mono_ms() - (st->end_ms - (int64_t)st->interval_ms)) / 1000;
			fprintf(l.f, ",\"reads\":%" PRIu64 ",\"seconds\":%" PRId64 ",\"confidence_min\":",
				st->reads, secs < 0 ? 0 : secs);
			put_real(l.f, st->reads ? st->cmin : (double)NAN);
			fputs(",\"confidence_mean\":", l.f);
			put_real(l.f, st->reads ? st->csum / (double)st->reads : (double)NAN);
			fputs(",\"confidence_max\":", l.f);
			put_real(l.f, st->reads ? st->cmax : (double)NAN);
			fprintf(l.f, ",\"below_min_confidence\":%" PRIu64, st->below);
		}
		if (cancelled)
			fputs(",\"cancelled\":true", l.f);
		fputs("}}", l.f);
		finish(&l, cl);
	}
	if (st->kind == ST_READTEST)
		atomic_fetch_sub(&c->readtests, 1);
	memset(st, 0, sizeof(*st));
}

static void start_stream(anpr_control *c, client *cl, const anpr_control_request *r)
{
	int64_t now = anpr_clock_mono_ms();
	stream *st = &cl->st;

	if (st->kind != ST_NONE) {
		send_error(cl, r->id, ANPR_ERR_FULL, "this connection already runs a stream");
		return;
	}
	memset(st, 0, sizeof(*st));
	st->id = r->id;
	st->end_ms = now + (int64_t)r->seconds * 1000;
	st->cols = r->cols;
	st->rows = r->rows;
	st->plates = r->plates;
	st->interval_ms =
	    r->cmd == ANPR_CMD_READTEST ? (int64_t)r->seconds * 1000 : (int64_t)(1000.0 / r->fps);
	st->next_ms = now;
	st->widths_since = now;
	if (r->cmd == ANPR_CMD_PREVIEW || r->cmd == ANPR_CMD_FOCUS) {
		st->kind = r->cmd == ANPR_CMD_PREVIEW ? ST_PREVIEW : ST_FOCUS;
		anpr_pipeline_request_luma(c->cfg.pipeline);
	} else {
		st->kind = ST_READTEST;
		st->cmin = INFINITY;
		st->cmax = -INFINITY;
		atomic_fetch_add(&c->readtests, 1);
		ANPR_LOGI("read test started over the control socket (%d s%s)", r->seconds,
			  r->plates ? ", with plate text" : "");
	}
}

static void cmd_cancel(anpr_control *c, client *cl, const anpr_control_request *r)
{
	bool hit = cl->st.kind != ST_NONE && cl->st.id == r->target;
	line l;

	if (hit)
		end_stream(c, cl, true);
	if (!begin(&l))
		return;
	result_head(&l, r->id);
	fprintf(l.f, "{\"cancelled\":%s}}", hit ? "true" : "false");
	finish(&l, cl);
}

/* Sends what a frame stream owes at now; returns when it next wants the loop (monotonic ms). */
static int64_t run_frame_stream(anpr_control *c, client *cl, int64_t now)
{
	stream *st = &cl->st;
	int64_t utc = 0;
	uint64_t seq = 0;
	line l;

	if (now < st->next_ms) {
		/* Ask for a fresh frame a little ahead, so the event shows one from now rather than from the last ask. */
		if (st->next_ms - now <= 150)
			anpr_pipeline_request_luma(c->cfg.pipeline);
		return st->next_ms - now > 150 ? st->next_ms - 150 : st->next_ms;
	}
	if (st->kind == ST_PREVIEW) {
		anpr_err err = anpr_pipeline_luma(c->cfg.pipeline, st->cols, st->rows, c->luma, &utc, &seq);
		if (err)
			return now + 50; /* no frame copied yet */
		char *b64 = malloc(4 * (((size_t)st->cols * (size_t)st->rows + 2) / 3) + 1);
		if (b64 && begin(&l)) {
			anpr_control_base64(c->luma, (size_t)st->cols * (size_t)st->rows, b64);
			fprintf(l.f,
				"{\"id\":%" PRId64 ",\"event\":{\"seq\":%" PRIu64 ",\"utc_ms\":%" PRId64
				",\"cols\":%d,\"rows\":%d,\"luma\":\"%s\"}}",
				st->id, st->events + 1, utc, st->cols, st->rows, b64);
			finish(&l, cl);
			st->events++;
		}
		free(b64);
	} else {
		double sharp;
		int widths[WIDTHS_MAX];
		anpr_err err = anpr_pipeline_sharpness(c->cfg.pipeline, &sharp, &utc, &seq);
		if (err)
			return now + 50;
		size_t n = anpr_pipeline_plate_widths(c->cfg.pipeline, st->widths_since, widths, WIDTHS_MAX);
		st->widths_since = now;
		if (begin(&l)) {
			fprintf(l.f, "{\"id\":%" PRId64 ",\"event\":{\"utc_ms\":%" PRId64 ",\"sharpness\":",
				st->id, utc);
			put_real(l.f, sharp);
			fprintf(l.f, ",\"plates\":%zu,\"plate_widths_px\":[", n);
			for (size_t i = 0; i < n; i++)
				fprintf(l.f, "%s%d", i ? "," : "", widths[i]);
			fputs("]}}", l.f);
			finish(&l, cl);
			st->events++;
		}
	}
	st->next_ms += st->interval_ms;
	if (st->next_ms < now)
		st->next_ms = now + st->interval_ms;
	return st->next_ms - 150;
}

static void run_log_stream(client *cl)
{
	stream *st = &cl->st;

	pthread_mutex_lock(&ring.mu);
	if (ring.next - st->log_next > LOG_RING_LINES)
		st->log_next = ring.next - LOG_RING_LINES;
	for (; st->log_next < ring.next && cl->fd >= 0 && !cl->closing; st->log_next++) {
		size_t k = st->log_next % LOG_RING_LINES;
		line l;
		if (ring.e[k].level > st->level || !begin(&l))
			continue;
		fprintf(l.f, "{\"id\":%" PRId64 ",\"event\":{\"line\":", st->id);
		anpr_json_write_string(l.f, ring.e[k].text);
		fputs("}}", l.f);
		finish(&l, cl);
		st->events++;
	}
	pthread_mutex_unlock(&ring.mu);
}

static void on_read(void *user, const anpr_read_event *ev)
{
	anpr_control *c = user;

	if (atomic_load(&c->readtests) == 0)
		return;
	pthread_mutex_lock(&c->ev_mu);
	if (c->n_evs < READ_EVENTS) {
		read_ev *r = &c->evs[c->n_evs++];
		r->utc_ms = ev->captured_utc_ms;
		r->confidence = ev->confidence;
		r->frames = ev->frames;
		r->country = ev->country ? ev->country : "auto";
		snprintf(r->plate_text, sizeof(r->plate_text), "%s", ev->vrm ? ev->vrm : "");
	} else {
		c->evs_lost++;
	}
	pthread_mutex_unlock(&c->ev_mu);
	wake(c);
}

static void deliver_reads(anpr_control *c)
{
	read_ev evs[READ_EVENTS];
	size_t n;

	pthread_mutex_lock(&c->ev_mu);
	n = c->n_evs;
	memcpy(evs, c->evs, n * sizeof(evs[0]));
	memset(c->evs, 0, n * sizeof(evs[0])); /* plate text does not linger */
	c->n_evs = 0;
	pthread_mutex_unlock(&c->ev_mu);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < MAX_CLIENTS; k++) {
			client *cl = &c->cl[k];
			stream *st = &cl->st;
			line l;
			if (cl->fd < 0 || st->kind != ST_READTEST || !begin(&l))
				continue;
			fprintf(l.f,
				"{\"id\":%" PRId64 ",\"event\":{\"utc_ms\":%" PRId64
				",\"confidence\":%.4f,\"frames\":%d,\"country\":\"%s\"",
				st->id, evs[i].utc_ms, (double)evs[i].confidence, evs[i].frames,
				evs[i].country);
			if (st->plates) {
				fputs(",\"text\":", l.f);
				anpr_json_write_string(l.f, evs[i].plate_text);
			}
			fputs("}}", l.f);
			finish(&l, cl);
			st->events++;
			st->reads++;
			double conf = (double)evs[i].confidence;
			st->csum += conf;
			st->cmin = conf < st->cmin ? conf : st->cmin;
			st->cmax = conf > st->cmax ? conf : st->cmax;
			if (conf < c->cfg.min_confidence)
				st->below++;
		}
	}
	memset(evs, 0, n * sizeof(evs[0]));
}

/* ---- requests ---- */

static void handle_line(anpr_control *c, client *cl, const char *text, size_t len)
{
	anpr_control_request r;
	char msg[160];
	anpr_err err = anpr_control_parse_request(text, len, &r, msg, sizeof(msg));

	if (err == ANPR_ERR_FORMAT) {
		refuse(cl, ANPR_ERR_FORMAT, msg);
		return;
	}
	if (err) {
		send_error(cl, r.id, err, msg);
		return;
	}
	switch (r.cmd) {
	case ANPR_CMD_STATUS:
		cmd_status(c, cl, r.id);
		break;
	case ANPR_CMD_CAMERA:
		cmd_camera(c, cl, r.id);
		break;
	case ANPR_CMD_PREVIEW:
	case ANPR_CMD_FOCUS:
	case ANPR_CMD_READTEST:
		start_stream(c, cl, &r);
		break;
	case ANPR_CMD_BUFFER:
		cmd_buffer(c, cl, r.id, r.check);
		break;
	case ANPR_CMD_CLOCK:
		cmd_clock(cl, r.id);
		break;
	case ANPR_CMD_LOG:
		cmd_log(cl, &r);
		break;
	case ANPR_CMD_RELOAD:
		cmd_reload(c, cl, r.id);
		break;
	case ANPR_CMD_ALARMS:
		cmd_alarms(c, cl, r.id);
		break;
	case ANPR_CMD_CANCEL:
		cmd_cancel(c, cl, &r);
		break;
	}
}

static size_t unsent(const client *cl)
{
	return cl->out_len - cl->out_off;
}

/* Whether the client's next request can be taken now: a whole line is in, and its replies are being read. */
static bool ready_line(const client *cl)
{
	return !cl->closing && unsent(cl) < OUT_SOFT && memchr(cl->in, '\n', cl->in_len) != NULL;
}

/* Handles up to LINES_PER_ROUND buffered requests, so one client's flood cannot hold up the others. */
static void process_lines(anpr_control *c, client *cl)
{
	for (int k = 0; k < LINES_PER_ROUND && cl->fd >= 0 && ready_line(cl); k++) {
		char *nl = memchr(cl->in, '\n', cl->in_len);
		size_t l = (size_t)(nl - cl->in);
		handle_line(c, cl, cl->in, l);
		memmove(cl->in, nl + 1, cl->in_len - l - 1);
		cl->in_len -= l + 1;
	}
	if (cl->closing) {
		cl->in_len = 0;
	} else if (cl->in_len == sizeof(cl->in) && !memchr(cl->in, '\n', cl->in_len)) {
		refuse(cl, ANPR_ERR_TOO_BIG, "request line longer than 4096 bytes");
		cl->in_len = 0;
	}
}

/* Whether to read from the client: room for input (or draining while closing) and no reply backlog. */
static bool wants_input(const client *cl)
{
	return !cl->eof &&
	       (cl->closing || (unsent(cl) < OUT_SOFT && cl->in_len < sizeof(cl->in) && !ready_line(cl)));
}

static void read_client(anpr_control *c, client *cl)
{
	char sink[4096];
	ssize_t n;

	if (!wants_input(cl))
		return;
	do {
		n = cl->closing ? read(cl->fd, sink, sizeof(sink))
				: read(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n < 0) {
		close_client(c, cl);
		return;
	}
	if (n == 0) {
		/* The peer is done sending (maybe only that): answer what it sent, then close. */
		cl->eof = true;
		if (!cl->closing) {
			for (int k = 0; k < MAX_EOF_LINES && memchr(cl->in, '\n', cl->in_len) && !cl->closing;
			     k++)
				process_lines(c, cl);
			cl->closing = true;
			cl->close_at_ms = anpr_clock_mono_ms() + CLOSE_GRACE_MS;
		}
		if (unsent(cl) == 0)
			close_client(c, cl);
		return;
	}
	if (cl->closing) {
		cl->drained += (size_t)n;
		if (cl->drained > 64 * 1024)
			close_client(c, cl);
		return;
	}
	cl->last_rx_ms = anpr_clock_mono_ms();
	cl->in_len += (size_t)n;
	process_lines(c, cl);
}

static void flush_client(anpr_control *c, client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			close_client(c, cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	cl->out_off = cl->out_len = 0;
}

/* Answers and closes a connection that is not let in, without waiting for it. */
static void turn_away(int fd, anpr_err err, const char *message)
{
	client tmp = { .fd = fd };

	send_error(&tmp, 0, err, message);
	if (tmp.out_len) {
		ssize_t n = send(fd, tmp.out, tmp.out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)n;
	}
	free(tmp.out);
	close(fd);
}

static void accept_clients(anpr_control *c)
{
	for (;;) {
		struct ucred cr;
		socklen_t crl = sizeof(cr);
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				ANPR_LOGW("control socket accept failed: %s", strerror(errno));
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) != 0 ||
		    !(cr.uid == 0 || cr.uid == geteuid() || cr.gid == getegid())) {
			ANPR_LOGW("control socket: refused a client (uid %ld, gid %ld)",
				  crl == sizeof(cr) ? (long)cr.uid : -1L,
				  crl == sizeof(cr) ? (long)cr.gid : -1L);
			turn_away(fd, ANPR_ERR_PERMISSION, "not allowed: root, anprd's user or group only");
			continue;
		}
		client *cl = NULL;
		for (int i = 0; i < MAX_CLIENTS && !cl; i++)
			if (c->cl[i].fd < 0)
				cl = &c->cl[i];
		if (!cl) {
			ANPR_LOGW("control socket: a fifth client refused");
			turn_away(fd, ANPR_ERR_FULL, "too many clients (at most 4)");
			continue;
		}
		memset(cl, 0, sizeof(*cl));
		cl->fd = fd;
		cl->gen = ++c->next_gen;
		cl->last_rx_ms = anpr_clock_mono_ms();
		ANPR_LOGI("control client connected (uid %ld)", (long)cr.uid);
		line l;
		if (begin(&l)) {
			fprintf(l.f, "{\"hello\":{\"protocol\":%d,\"firmware\":", PROTOCOL_VERSION);
			anpr_json_write_string(l.f, c->firmware);
			fputs(",\"device\":", l.f);
			anpr_json_write_string(l.f, c->device);
			fputs("}}", l.f);
			finish(&l, cl);
		}
	}
}

static void *control_main(void *arg)
{
	anpr_control *c = arg;
	struct pollfd pfd[2 + MAX_CLIENTS];

	while (!atomic_load(&c->stop)) {
		int64_t now = anpr_clock_mono_ms(), due = now + 1000;
		int map[MAX_CLIENTS], n = 2;

		if (now >= c->next_sample_ms) {
			sample(c, now);
			update_alarms(c);
			c->next_sample_ms = now + 1000;
		}
		due = c->next_sample_ms;
		if (c->check_running && atomic_load(&c->check_done))
			finish_check(c);
		deliver_reads(c);
		for (int i = 0; i < MAX_CLIENTS; i++) {
			client *cl = &c->cl[i];
			map[i] = -1;
			if (cl->fd < 0)
				continue;
			stream *st = &cl->st;
			if (!cl->closing && st->kind != ST_NONE && now >= st->end_ms)
				end_stream(c, cl, false);
			if (!cl->closing && (st->kind == ST_PREVIEW || st->kind == ST_FOCUS)) {
				int64_t next = run_frame_stream(c, cl, now);
				due = next < due ? next : due;
			}
			if (ready_line(cl))
				process_lines(c, cl);
			if (cl->fd < 0)
				continue;
			if (ready_line(cl))
				due = now; /* more requests are waiting: poll without sleeping */
			if (!cl->closing && st->kind == ST_LOG) {
				run_log_stream(cl);
				due = now + 100 < due ? now + 100 : due;
			}
			if (!cl->closing && st->kind != ST_NONE && st->end_ms < due)
				due = st->end_ms;
			/* Idle: silent, and no stream running for it. */
			if (!cl->closing && st->kind == ST_NONE && now - cl->last_rx_ms >= IDLE_MS) {
				ANPR_LOGI("control client idle for 10 minutes; closed");
				refuse(cl, ANPR_ERR_TIMEOUT, "idle for 10 minutes");
			}
			if (cl->fd >= 0 && cl->out_len > cl->out_off)
				flush_client(c, cl);
			if (cl->fd >= 0 && cl->closing &&
			    (now >= cl->close_at_ms || (cl->eof && unsent(cl) == 0))) {
				if (cl->dropped)
					ANPR_LOGW(
					    "control client not reading its replies (over %u bytes waiting); "
					    "dropped",
					    OUT_CAP);
				close_client(c, cl);
				continue;
			}
			if (cl->fd >= 0 && cl->closing && !cl->shut && cl->out_len == cl->out_off) {
				/* The peer reads its error line, then EOF; its close ends ours. */
				shutdown(cl->fd, SHUT_WR);
				cl->shut = true;
			}
			if (cl->fd < 0)
				continue;
			if (cl->closing)
				due = cl->close_at_ms < due ? cl->close_at_ms : due;
			else if (cl->st.kind == ST_NONE && cl->last_rx_ms + IDLE_MS < due)
				due = cl->last_rx_ms + IDLE_MS;
			pfd[n].fd = cl->fd;
			pfd[n].events = (short)((wants_input(cl) ? POLLIN : 0) |
						(cl->out_len > cl->out_off ? POLLOUT : 0));
			pfd[n].revents = 0;
			map[i] = n++;
		}
		pfd[0] = (struct pollfd){ .fd = c->lfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = c->wake[0], .events = POLLIN };
		int64_t wait = due - anpr_clock_mono_ms();
		int r = poll(pfd, (nfds_t)n, wait < 0 ? 0 : wait > 1000 ? 1000 : (int)wait);
		if (r < 0 && errno != EINTR) {
			ANPR_LOGE("control poll failed: %s", strerror(errno));
			anpr_clock_sleep_ms(100);
			continue;
		}
		if (r <= 0)
			continue;
		if (pfd[1].revents & POLLIN) {
			char b[64];
			while (read(c->wake[0], b, sizeof(b)) > 0)
				;
		}
		for (int i = 0; i < MAX_CLIENTS; i++) {
			client *cl = &c->cl[i];
			if (map[i] < 0 || cl->fd < 0)
				continue;
			short ev = pfd[map[i]].revents;
			if (ev & POLLIN)
				read_client(c, cl);
			else if (ev & (POLLHUP | POLLERR | POLLNVAL))
				close_client(c, cl);
			if (cl->fd >= 0 && (ev & POLLOUT))
				flush_client(c, cl);
		}
		if (pfd[0].revents & POLLIN)
			accept_clients(c);
	}
	return NULL;
}

/* ---- start, close ---- */

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static anpr_err open_socket(anpr_control *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		ANPR_LOGE("control.socket path too long (%zu bytes at most)", sizeof(sa.sun_path) - 1);
		return ANPR_ERR_TOO_BIG;
	}
	memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
	if (lstat(c->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			ANPR_LOGE("%s exists and is not a socket; not replacing it", c->path);
			return ANPR_ERR_IO;
		}
		/* Replace it only when nobody answers: a running anprd keeps its socket. */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		bool live = probe >= 0 && (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
					   errno == EAGAIN || errno == EINPROGRESS);
		if (probe >= 0)
			close(probe);
		if (live) {
			ANPR_LOGE("another process answers on %s; not taking it over", c->path);
			return ANPR_ERR_IO;
		}
		unlink(c->path); /* a stale socket from an earlier run */
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		ANPR_LOGE("cannot create the control socket: %s", strerror(errno));
		return ANPR_ERR_IO;
	}
	/*
	 * bind() creates the file as 0777 less the umask (0700 under the unit's
	 * UMask=0077); connecting needs write permission, so until chmod() makes
	 * it 0660 nobody but anprd's user can connect.
	 */
	if (bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(c->path, 0660) != 0 ||
	    listen(c->lfd, 8) != 0) {
		int e = errno;
		ANPR_LOGE("cannot listen on %s: %s", c->path, strerror(e));
		return e == EACCES || e == EPERM ? ANPR_ERR_PERMISSION : ANPR_ERR_IO;
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_control_start(const anpr_control_cfg *cfg, anpr_control **out)
{
	anpr_control *c = NULL;
	anpr_err err = ANPR_ERR_NOMEM;

	if (!cfg || !out || !cfg->socket_path || !cfg->socket_path[0] || !cfg->pipeline)
		return ANPR_ERR_INVAL;
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ANPR_ERR_NOMEM;
	c->cfg = *cfg;
	c->lfd = c->wake[0] = c->wake[1] = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	pthread_mutex_init(&c->ev_mu, NULL);
	for (int a = 0; a < AL_COUNT; a++)
		c->alarms[a].name = alarm_names[a];
	c->path = strdup(cfg->socket_path);
	c->firmware = dup_or_empty(cfg->firmware);
	c->board = dup_or_empty(cfg->board);
	c->device = dup_or_empty(cfg->device);
	c->site = dup_or_empty(cfg->site);
	c->store_dir = dup_or_empty(cfg->store_dir);
	if (!c->path || !c->firmware || !c->board || !c->device || !c->site || !c->store_dir)
		goto out;
	c->started_mono_ms = anpr_clock_mono_ms();
	c->started_utc_ms = anpr_clock_utc_ms();
	if (pipe2(c->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		err = ANPR_ERR_IO;
		goto out;
	}
	err = open_socket(c);
	if (err)
		goto out;
	anpr_pipeline_set_read_listener(cfg->pipeline, on_read, c);
	if (pthread_create(&c->th, NULL, control_main, c)) {
		anpr_pipeline_set_read_listener(cfg->pipeline, NULL, NULL);
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	c->started = true;
	ANPR_LOGI("control interface on %s", c->path);
	*out = c;
	return ANPR_ERR_OK;
out:
	anpr_control_close(c);
	return err;
}

void anpr_control_close(anpr_control *c)
{
	if (!c)
		return;
	if (c->started) {
		atomic_store(&c->stop, true);
		wake(c);
		pthread_join(c->th, NULL);
		anpr_pipeline_set_read_listener(c->cfg.pipeline, NULL, NULL);
	}
	if (c->check_running)
		pthread_join(c->check_th, NULL); /* bounded by one pass over the buffer */
	for (int i = 0; i < MAX_CLIENTS; i++)
		close_client(c, &c->cl[i]);
	if (c->lfd >= 0) {
		close(c->lfd);
		if (c->path)
			unlink(c->path);
	}
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	pthread_mutex_destroy(&c->ev_mu);
	memset(c->evs, 0, sizeof(c->evs));
	free(c->path);
	free(c->firmware);
	free(c->board);
	free(c->device);
	free(c->site);
	free(c->store_dir);
	free(c);
}
