/* SPDX-License-Identifier: MIT */
/* anprd: the on-unit ANPR daemon. This file only wires modules together. */
#define ANPR_LOG_TAG "anprd"
#include <curl/curl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/version.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <tesseract/capi.h>
#include <unistd.h>

#include "boards.h"
#include "config.h"
#include "control.h"
#include "exit_codes.h"
#include "keystore.h"
#include "keys.h"
#include "log.h"
#include "clock.h"
#include "opencv_c.h"
#include "pipeline.h"
#include "settings.h"
#include "sign.h"
#include "source.h"
#include "spool.h"
#include "store.h"
#include "supervisor.h"
#include "uplink.h"
#include "version.h"

static void usage(FILE *out)
{
	fputs("Usage: anprd [OPTION]...\n"
	      "The roadside ANPR daemon: reads number plates from the camera and sends signed reads\n"
	      "to the back office.\n\n"
	      "  --board NAME        built-in board configuration (default " ANPR_BOARD_DEFAULT ")\n"
	      "  --board-file PATH   board configuration from a file instead\n"
	      "  --config PATH       site configuration file, layered over the board\n"
	      "  --set SECTION.KEY=VALUE\n"
	      "                      override one key (repeatable); the last layer\n"
	      "  --source SPEC       frames from: camera (the board's camera, the default when\n"
	      "                      camera.backend = libcamera), file:PATH (a video: MP4,\n"
	      "                      AVI, MKV) or dir:PATH (a folder of JPEG/PNG images);\n"
	      "                      without it, camera.replay_source when camera.backend = replay\n"
	      "  --start-time UTC    replay: capture time of the first frame\n"
	      "                      (YYYY-MM-DDTHH:MM:SS.mmmZ; default: now)\n"
	      "  --linger S          after a replay ends, keep delivering stored reads to the\n"
	      "                      back office for up to S seconds (default 30)\n"
	      "  --loop N            replay a video file N times, times running on (soak tests;\n"
	      "                      default camera.replay_loops)\n"
	      "  --report PATH       write a JSON summary of the run (frames, reads, drops)\n"
	      "                      on exit\n"
	      "  --gen-key           create the device signing key at signing.key_file\n"
	      "                      (mode 0600), print its public key and fingerprint, exit\n"
	      "  --check-config      validate the configuration layers and exit\n"
	      "  --print-config      print the effective configuration with each value's origin\n"
	      "  --config-doc        print the configuration reference (docs/config.md)\n"
	      "  --list-boards       list the built-in boards\n"
	      "  --version           print the firmware and library versions\n"
	      "  --help              this text\n\n"
	      "Signals: SIGTERM/SIGINT stop capture, finish the frames in hand and store their\n"
	      "reads; SIGHUP reloads the configuration's reloadable keys.\n\n"
	      "Exit status: 0 success, 1 runtime failure, 64 usage error, 69 unavailable\n"
	      "(source or camera), 70 internal error, 78 configuration error (see docs/anprd.md).\n",
	      out);
}

/* --check-config: the plate width the camera geometry predicts, against what the reader reads. */
static void print_plate_prediction(const anpr_config *cfg)
{
	double slant;
	double px = anpr_settings_plate_px(cfg, &slant);

	printf("predicted plate width: %.0f px (%" PRId64
	       " mm plate at %.1f m, %.0f mm lens, %.2f um pixels, "
	       "%" PRId64 " of %" PRId64 " px across)\n",
	       px, anpr_config_int(cfg, ANPR_KEY_CAMERA_PLATE_WIDTH_MM), slant,
	       anpr_config_real(cfg, ANPR_KEY_CAMERA_FOCAL_LENGTH_MM),
	       anpr_config_real(cfg, ANPR_KEY_CAMERA_PIXEL_PITCH_UM),
	       anpr_config_int(cfg, ANPR_KEY_CAMERA_WIDTH),
	       anpr_config_int(cfg, ANPR_KEY_CAMERA_SENSOR_WIDTH_PX));
	if (px < ANPR_READER_MIN_PLATE_PX || px > ANPR_READER_MAX_PLATE_PX)
		fprintf(stderr,
			"anprd: warning: a %.0f px plate is outside the %d-%d px the reader is built for; "
			"change the lens, the distance or the stream width\n",
			px, ANPR_READER_MIN_PLATE_PX, ANPR_READER_MAX_PLATE_PX);
}

static void print_versions(void)
{
	printf("anprd %s\n", ANPR_VERSION);
	printf("  opencv %s, tesseract %s, %s, mbedtls %s\n", anpr_cv_version(), TessVersion(),
	       curl_version(), MBEDTLS_VERSION_STRING);
}

enum {
	OPT_BOARD = 256,
	OPT_BOARD_FILE,
	OPT_CONFIG,
	OPT_SET,
	OPT_CHECK,
	OPT_PRINT,
	OPT_DOC,
	OPT_LIST,
	OPT_VERSION,
	OPT_HELP,
	OPT_SOURCE,
	OPT_START,
	OPT_REPORT,
	OPT_GEN_KEY,
	OPT_LOOP,
	OPT_LINGER
};

/* Latencies of stored reads, for the report (written by the emitter thread). */
#define MAX_LATENCIES 100000
static pthread_mutex_t latency_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t latencies[MAX_LATENCIES];
static size_t n_latencies;

static void on_read(void *user, const anpr_read_event *ev)
{
	(void)user;
	pthread_mutex_lock(&latency_mu);
	if (n_latencies < MAX_LATENCIES)
		latencies[n_latencies++] = ev->latency_ms;
	pthread_mutex_unlock(&latency_mu);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The q-quantile of the latencies (nearest rank); -1 when there are none. */
static int64_t latency_quantile(double q)
{
	if (n_latencies == 0)
		return -1;
	qsort(latencies, n_latencies, sizeof(latencies[0]), cmp_i64);
	size_t i = (size_t)(q * (double)n_latencies + 0.999999);
	return latencies[i == 0 ? 0 : i > n_latencies ? n_latencies - 1 : i - 1];
}

/* Everything the run needs beyond the configuration. */
typedef struct run_opts {
	const char *source;
	const char *start_time;
	const char *report;
	int loops;
	int linger_s;
} run_opts;

static void apply_log_level(const anpr_config *cfg)
{
	anpr_log_level level;

	if (anpr_log_level_parse(anpr_config_str(cfg, ANPR_KEY_LOG_LEVEL), &level) == ANPR_ERR_OK)
		anpr_log_set_level(level);
}

static void tracker_settings(const anpr_config *cfg, anpr_tracker_cfg *t)
{
	memset(t, 0, sizeof(*t));
	t->gap_ms = anpr_config_int(cfg, ANPR_KEY_TRACKER_GAP_MS);
	t->edge_gap_ms = anpr_config_int(cfg, ANPR_KEY_TRACKER_EDGE_GAP_MS);
	t->max_ms = anpr_config_int(cfg, ANPR_KEY_TRACKER_MAX_MS);
	t->min_frames = (int)anpr_config_int(cfg, ANPR_KEY_TRACKER_MIN_FRAMES);
	t->repeat_window_ms = anpr_config_int(cfg, ANPR_KEY_TRACKER_REPEAT_WINDOW_S) * 1000;
	t->min_confidence = (float)anpr_config_real(cfg, ANPR_KEY_OCR_MIN_CONFIDENCE);
	t->enough_reads = (int)anpr_config_int(cfg, ANPR_KEY_TRACKER_ENOUGH_READS);
}

static anpr_country country_setting(const anpr_config *cfg)
{
	static const anpr_country by_index[] = { ANPR_COUNTRY_UK, ANPR_COUNTRY_EU, ANPR_COUNTRY_US,
						 ANPR_COUNTRY_AUTO };
	int i = anpr_config_enum(cfg, ANPR_KEY_OCR_COUNTRY);

	return i >= 0 && i < 4 ? by_index[i] : ANPR_COUNTRY_UK;
}

static void write_report(const char *path, const anpr_pipeline_stats *st, double seconds, anpr_spool *spool,
			 anpr_uplink *uplink)
{
	struct rusage ru;
	FILE *f = fopen(path, "w");

	if (!f) {
		ANPR_LOGE("cannot write the report %s", path);
		return;
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(f,
		"{\"frames_captured\":%" PRIu64 ",\"frames_read\":%" PRIu64 ",\"frames_dropped\":%" PRIu64
		",\"frames_skipped\":%" PRIu64 ",\"frames_bad\":%" PRIu64 ",\"camera_restarts\":%" PRIu64
		",\"plates_seen\":%" PRIu64 ",\"plates_not_reread\":%" PRIu64 ",\"reads_stored\":%" PRIu64
		",\"reads_failed\":%" PRIu64 ",\"short_tracks\":%" PRIu64 ",\"low_confidence\":%" PRIu64
		",\"repeats\":%" PRIu64 ",\"fragments\":%" PRIu64 ",\"queue_high_water\":%" PRIu64
		",\"searched_pct\":%.1f,\"latency_p50_ms\":%" PRId64 ",\"latency_p95_ms\":%" PRId64
		",\"latency_max_ms\":%" PRId64 ",\"seconds\":%.3f,\"fps\":%.2f,"
		"\"peak_rss_mib\":%.1f,\"source_end\":\"%s\"",
		st->frames_captured, st->frames_read, st->frames_dropped, st->frames_skipped, st->frames_bad,
		st->camera_restarts, st->plates_seen, st->plates_not_reread, st->reads_stored,
		st->reads_failed, st->tracker.short_tracks, st->tracker.low_confidence, st->tracker.repeats,
		st->tracker.fragments, st->queue_high_water, st->searched_pct, latency_quantile(0.5),
		latency_quantile(0.95), latency_quantile(1.0), seconds,
		seconds > 0 ? (double)st->frames_read / seconds : 0.0, (double)ru.ru_maxrss / 1024.0,
		anpr_strerror(st->source_error));
	if (spool) {
		anpr_spool_stats ss;
		anpr_spool_get_stats(spool, &ss);
		fprintf(f,
			",\"spool\":{\"records\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"pending\":%" PRIu64
			",\"delivered\":%" PRIu64 ",\"quarantined\":%" PRIu64 ",\"first_seq\":%" PRIu64
			",\"last_seq\":%" PRIu64 ",\"appended\":%" PRIu64 ",\"expired\":%" PRIu64
			",\"evicted\":%" PRIu64 ",\"corrupt\":%" PRIu64 ",\"torn\":%" PRIu64
			",\"segments\":%u}",
			ss.records, ss.bytes, ss.pending, ss.delivered, ss.quarantined, ss.first_seq,
			ss.last_seq, ss.appended, ss.expired, ss.evicted, ss.corrupt, ss.torn, ss.segments);
	}
	if (uplink) {
		anpr_uplink_stats us;
		anpr_uplink_get_stats(uplink, &us);
		fprintf(f,
			",\"uplink\":{\"state\":\"%s\",\"requests\":%" PRIu64 ",\"delivered\":%" PRIu64
			",\"duplicates\":%" PRIu64 ",\"quarantined\":%" PRIu64 ",\"failures\":%" PRIu64
			",\"last_http\":%d}",
			anpr_uplink_state_name(us.state), us.requests, us.delivered, us.duplicates,
			us.quarantined, us.failures, us.last_http);
	}
	fputs("}\n", f);
	if (fclose(f) != 0)
		ANPR_LOGE("cannot write the report %s", path);
}

static int gen_key(const anpr_config *cfg)
{
	char diag[256] = "";
	const char *path = anpr_config_str(cfg, ANPR_KEY_SIGNING_KEY_FILE);
	anpr_err err = anpr_sign_keygen(path, stdout, diag, sizeof(diag));

	if (err) {
		fprintf(stderr, "anprd: %s\n", diag[0] ? diag : anpr_strerror(err));
		return ANPR_EXIT_FAILURE;
	}
	fprintf(stderr, "anprd: device key written to %s (mode 0600)\n", path);
	return ANPR_EXIT_OK;
}

static void kick_uplink(void *user)
{
	anpr_uplink_kick(*(anpr_uplink **)user);
}

static void report_gap(void *user, uint64_t from, uint64_t to, const char *reason)
{
	ANPR_LOGW("reads %" PRIu64 "..%" PRIu64 " will never be delivered (%s)", from, to, reason);
	anpr_uplink_report_gap(user, from, to, reason);
}

/* After a replay: delivers what is pending, for up to linger_s seconds or until a signal. */
static void linger(anpr_spool *spool, anpr_uplink *uplink, int linger_s, const sigset_t *sigs)
{
	int64_t until = anpr_clock_mono_ms() + (int64_t)linger_s * 1000;
	anpr_spool_stats ss;

	anpr_uplink_kick(uplink);
	for (;;) {
		anpr_spool_get_stats(spool, &ss);
		if (ss.pending == 0 || anpr_clock_mono_ms() >= until)
			break;
		struct timespec tick = { 0, 100 * 1000000L };
		int sig = sigtimedwait(sigs, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	if (ss.pending)
		ANPR_LOGW("%" PRIu64 " reads not delivered yet; they stay in the ring buffer", ss.pending);
	else
		ANPR_LOGI("every stored read is delivered");
}

/* Gaps found before the uplink exists, handed to it once it does. */
typedef struct early_gaps {
	struct {
		uint64_t from, to;
		char reason[16];
	} g[64];
	size_t n;
} early_gaps;

static void keep_gap(void *user, uint64_t from, uint64_t to, const char *reason)
{
	early_gaps *e = user;

	ANPR_LOGW("reads %" PRIu64 "..%" PRIu64 " will never be delivered (%s)", from, to, reason);
	if (e->n < sizeof(e->g) / sizeof(e->g[0])) {
		e->g[e->n].from = from;
		e->g[e->n].to = to;
		snprintf(e->g[e->n].reason, sizeof(e->g[e->n].reason), "%s", reason);
		e->n++;
	}
}

/*
 * Opens where reads go: the encrypted ring buffer and, when a back office is
 * configured, the uplink draining it; or a plain folder (development).
 * Returns an exit status.
 */
static int open_storage(const anpr_config *cfg, anpr_spool **spool, anpr_uplink **uplink, anpr_store **store)
{
	const char *dir = anpr_config_str(cfg, ANPR_KEY_STORE_DIR);
	char diag[256] = "";
	anpr_err err;

	if (anpr_config_enum(cfg, ANPR_KEY_STORE_BACKEND) == 1) {
		err = anpr_store_open(dir, store);
		if (err) {
			fprintf(stderr, "anprd: cannot open the read folder %s: %s\n", dir,
				anpr_strerror(err));
			return ANPR_EXIT_UNAVAILABLE;
		}
		return ANPR_EXIT_OK;
	}
	anpr_spool_cfg sc = {
		.dir = dir,
		.max_bytes = (uint64_t)anpr_config_int(cfg, ANPR_KEY_STORE_MAX_MB) << 20,
		.segment_bytes = (uint64_t)anpr_config_int(cfg, ANPR_KEY_STORE_SEGMENT_MB) << 20,
		.retention_ms = anpr_config_int(cfg, ANPR_KEY_STORE_RETENTION_DAYS) * 86400000LL,
		.commit_window_ms = 10,
		.delete_on_ack = anpr_config_bool(cfg, ANPR_KEY_STORE_DELETE_ON_ACK),
	};
	err = anpr_keystore_load(anpr_config_str(cfg, ANPR_KEY_STORE_KEY_FILE), true, sc.key, diag,
				 sizeof(diag));
	if (err) {
		fprintf(stderr, "anprd: %s\n", diag[0] ? diag : anpr_strerror(err));
		return ANPR_EXIT_CONFIG;
	}
	err = anpr_spool_open(&sc, spool);
	mbedtls_platform_zeroize(sc.key, sizeof(sc.key));
	if (err) {
		fprintf(stderr, "anprd: cannot open the ring buffer in %s: %s\n", dir, anpr_strerror(err));
		return err == ANPR_ERR_INVAL ? ANPR_EXIT_CONFIG : ANPR_EXIT_UNAVAILABLE;
	}
	/* The store continues the sequence and hash chain; the uplink is kicked through *uplink once it runs. */
	char tip[4200];
	snprintf(tip, sizeof(tip), "%s/chain.tip", dir);
	err = anpr_store_open_spool(*spool, tip, kick_uplink, uplink, store);
	if (err) {
		fprintf(stderr, "anprd: cannot open the read store: %s\n", anpr_strerror(err));
		return ANPR_EXIT_SOFTWARE;
	}
	/* Retention first: nothing older than the policy allows may be sent, even once. */
	early_gaps n_early = { 0 };
	if (anpr_store_save_tip(*store) || anpr_spool_expire(*spool, anpr_clock_utc_ms(), keep_gap, &n_early))
		ANPR_LOGE("the ring buffer could not delete expired reads");
	const char *url = anpr_config_str(cfg, ANPR_KEY_UPLINK_URL);
	if (url[0]) {
		anpr_uplink_cfg uc = {
			.url = url,
			.ca_file = anpr_config_str(cfg, ANPR_KEY_UPLINK_CA_FILE),
			.cert_file = anpr_config_str(cfg, ANPR_KEY_UPLINK_CERT_FILE),
			.key_file = anpr_config_str(cfg, ANPR_KEY_SIGNING_KEY_FILE),
			.device = anpr_config_str(cfg, ANPR_KEY_DEVICE_ID),
			.firmware = ANPR_VERSION,
			.batch_max = (int)anpr_config_int(cfg, ANPR_KEY_UPLINK_BATCH),
			.backoff_max_s = (int)anpr_config_int(cfg, ANPR_KEY_UPLINK_BACKOFF_MAX_S),
			.backlog_rate = anpr_config_real(cfg, ANPR_KEY_UPLINK_BACKLOG_RATE),
			.live_window_ms = anpr_config_int(cfg, ANPR_KEY_UPLINK_LIVE_WINDOW_S) * 1000,
			.connect_timeout_s = 10,
			.timeout_s = 60,
			.spool = *spool,
		};
		err = anpr_uplink_start(&uc, uplink);
		if (err) {
			fprintf(stderr, "anprd: cannot start the uplink to %s: %s\n", url,
				anpr_strerror(err));
			return err == ANPR_ERR_INVAL ? ANPR_EXIT_CONFIG : ANPR_EXIT_UNAVAILABLE;
		}
		for (size_t i = 0; i < n_early.n; i++)
			anpr_uplink_report_gap(*uplink, n_early.g[i].from, n_early.g[i].to,
					       n_early.g[i].reason);
	} else {
		ANPR_LOGW("no back office configured (uplink.url): reads are stored only");
	}
	return ANPR_EXIT_OK;
}

/* SIGHUP: rebuild the configuration from the same layers and apply what may change while running. */
static anpr_err reload(const anpr_settings_src *src, anpr_config **cfg, anpr_pipeline *p, char *diag,
		       size_t cap)
{
	anpr_config *fresh = NULL;
	anpr_tracker_cfg t;
	anpr_err err = anpr_settings_load(src, &fresh, diag, cap);

	if (err) {
		ANPR_LOGE("reload refused, keeping the running configuration: %s", diag);
		return err;
	}
	if (anpr_config_diff(*cfg, fresh, true, NULL) > 0)
		ANPR_LOGW("some changed keys take effect only after a restart");
	apply_log_level(fresh);
	tracker_settings(fresh, &t);
	anpr_pipeline_reconfigure(p, &t, (int)anpr_config_int(fresh, ANPR_KEY_DEVICE_LANE),
				  anpr_config_str(fresh, ANPR_KEY_DEVICE_DIRECTION));
	anpr_config_free(*cfg);
	*cfg = fresh;
	ANPR_LOGI("configuration reloaded");
	return ANPR_ERR_OK;
}

/* The supervisor's last thermal reading (NAN when the board has none); any thread. */
static double board_temperature(void *user)
{
	const anpr_thermal *t = anpr_supervisor_thermal(user);

	return t ? anpr_thermal_read_c(t) : (double)NAN;
}

/* The control socket's reload takes the SIGHUP path on the main thread and waits for its outcome. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t done;
	anpr_err err;
	char diag[ANPR_CFG_DIAG_LEN];
} reloads = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, ANPR_ERR_OK, "" };

static void reload_done(anpr_err err, const char *diag)
{
	pthread_mutex_lock(&reloads.mu);
	reloads.done++;
	reloads.err = err;
	snprintf(reloads.diag, sizeof(reloads.diag), "%s", diag);
	pthread_cond_broadcast(&reloads.cv);
	pthread_mutex_unlock(&reloads.mu);
}

static anpr_err reload_by_signal(void *user, char *diag, size_t cap)
{
	struct timespec until;
	anpr_err err = ANPR_ERR_TIMEOUT;

	(void)user;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	pthread_mutex_lock(&reloads.mu);
	uint64_t before = reloads.done;
	kill(getpid(), SIGHUP);
	while (reloads.done == before && pthread_cond_timedwait(&reloads.cv, &reloads.mu, &until) == 0)
		;
	if (reloads.done != before) {
		err = reloads.err;
		snprintf(diag, cap, "%s", reloads.diag);
	} else {
		snprintf(diag, cap, "anprd is not taking reloads now (stopping?)");
	}
	pthread_mutex_unlock(&reloads.mu);
	return err;
}

static int run(const anpr_settings_src *src, anpr_config **cfgp, const run_opts *o)
{
	anpr_config *cfg = *cfgp;
	anpr_pipeline_cfg pc;
	anpr_pipeline *p = NULL;
	anpr_signer *signer = NULL;
	anpr_store *store = NULL;
	anpr_spool *spool = NULL;
	anpr_uplink *uplink = NULL;
	anpr_control *control = NULL;
	anpr_supervisor *sup = NULL;
	int64_t last_expire = 0;
	bool stopping = false;
	anpr_pipeline_stats st;
	char diag[256] = "";
	sigset_t sigs;
	int status = ANPR_EXIT_OK;
	int64_t started, last_watchdog = 0;
	uint64_t watchdog_us = 0;
	anpr_err err;

	memset(&pc, 0, sizeof(pc));
	if (o->source) {
		if (anpr_source_parse_spec(o->source, &pc.source)) {
			fprintf(stderr, "anprd: bad --source '%s' (camera, file:PATH or dir:PATH)\n",
				o->source);
			return ANPR_EXIT_USAGE;
		}
	} else if (anpr_config_enum(cfg, ANPR_KEY_CAMERA_BACKEND) == 1) {
		pc.source.kind = ANPR_SOURCE_CAMERA;
	} else if (anpr_config_str(cfg, ANPR_KEY_CAMERA_REPLAY_SOURCE)[0]) {
		const char *spec = anpr_config_str(cfg, ANPR_KEY_CAMERA_REPLAY_SOURCE);
		if (anpr_source_parse_spec(spec, &pc.source) || pc.source.kind == ANPR_SOURCE_CAMERA) {
			fprintf(stderr, "anprd: bad camera.replay_source '%s' (file:PATH or dir:PATH)\n",
				spec);
			return ANPR_EXIT_CONFIG;
		}
	} else {
		fprintf(stderr, "anprd: camera.backend is replay: give --source file:PATH or dir:PATH, "
				"or set camera.replay_source\n");
		return ANPR_EXIT_USAGE;
	}
	if (o->start_time && anpr_clock_parse_utc(o->start_time, &pc.source.start_utc_ms)) {
		fprintf(stderr, "anprd: bad --start-time '%s' (YYYY-MM-DDTHH:MM:SS.mmmZ)\n", o->start_time);
		return ANPR_EXIT_USAGE;
	}
	if (pc.source.kind == ANPR_SOURCE_CAMERA) {
		pc.source.width = (int)anpr_config_int(cfg, ANPR_KEY_CAMERA_WIDTH);
		pc.source.height = (int)anpr_config_int(cfg, ANPR_KEY_CAMERA_HEIGHT);
	}
	pc.source.fps = anpr_config_real(cfg, ANPR_KEY_CAMERA_FPS);
	pc.source.pixel_format = anpr_config_str(cfg, ANPR_KEY_CAMERA_PIXEL_FORMAT);
	pc.source.exposure_max_us = (int)anpr_config_int(cfg, ANPR_KEY_CAMERA_EXPOSURE_MAX_US);
	pc.source.gain_max = anpr_config_real(cfg, ANPR_KEY_CAMERA_GAIN_MAX);
	pc.source.realtime = anpr_config_enum(cfg, ANPR_KEY_PIPELINE_REPLAY_PACE) == 0;
	pc.source.loops = o->loops ? o->loops : (int)anpr_config_int(cfg, ANPR_KEY_CAMERA_REPLAY_LOOPS);

	err = anpr_signer_open(anpr_config_str(cfg, ANPR_KEY_SIGNING_KEY_FILE), &signer, diag, sizeof(diag));
	if (err) {
		fprintf(stderr, "anprd: %s\n", diag[0] ? diag : anpr_strerror(err));
		return err == ANPR_ERR_NOT_FOUND || err == ANPR_ERR_PERMISSION || err == ANPR_ERR_FORMAT
			   ? ANPR_EXIT_CONFIG
			   : ANPR_EXIT_SOFTWARE;
	}
	status = open_storage(cfg, &spool, &uplink, &store);
	if (status != ANPR_EXIT_OK)
		goto out;

	pc.reader.country = country_setting(cfg);
	pc.reader.topn = ANPR_READ_MAX_CANDIDATES;
	pc.reader.model = anpr_config_str(cfg, ANPR_KEY_OCR_MODEL);
	tracker_settings(cfg, &pc.tracker);
	pc.tracker.country = pc.reader.country;
	pc.workers = (int)anpr_config_int(cfg, ANPR_KEY_PIPELINE_WORKERS);
	if (pc.workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		pc.workers = n < 1 ? 1 : n > 64 ? 64 : (int)n;
	}
	pc.frame_queue = (int)anpr_config_int(cfg, ANPR_KEY_PIPELINE_FRAME_QUEUE);
	pc.device = anpr_config_str(cfg, ANPR_KEY_DEVICE_ID);
	pc.site = anpr_config_str(cfg, ANPR_KEY_DEVICE_SITE);
	pc.lane = (int)anpr_config_int(cfg, ANPR_KEY_DEVICE_LANE);
	pc.direction = anpr_config_str(cfg, ANPR_KEY_DEVICE_DIRECTION);
	pc.firmware = ANPR_VERSION;
	pc.signer = signer;
	pc.store = store;
	pc.on_read = on_read;

	/* Signals are taken synchronously by this thread; the pipeline's threads inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	err = anpr_supervisor_open(cfg, &sup);
	if (err) {
		fprintf(stderr, "anprd: cannot open the unit's hardware (gpio, thermal): %s\n",
			anpr_strerror(err));
		status = err == ANPR_ERR_NOMEM ? ANPR_EXIT_SOFTWARE : ANPR_EXIT_UNAVAILABLE;
		goto out;
	}
	started = anpr_clock_mono_ms();
	err = anpr_pipeline_start(&pc, &p);
	if (err) {
		fprintf(stderr, "anprd: cannot start: %s\n", anpr_strerror(err));
		status = err == ANPR_ERR_NOMEM || err == ANPR_ERR_INTERNAL ? ANPR_EXIT_SOFTWARE
									   : ANPR_EXIT_UNAVAILABLE;
		goto out;
	}
	err = anpr_supervisor_arm(sup);
	if (err) {
		fprintf(stderr, "anprd: cannot arm the watchdog: %s\n", anpr_strerror(err));
		status = err == ANPR_ERR_NOMEM ? ANPR_EXIT_SOFTWARE : ANPR_EXIT_UNAVAILABLE;
		goto out;
	}
	if (anpr_config_str(cfg, ANPR_KEY_CONTROL_SOCKET)[0]) {
		anpr_control_cfg cc = {
			.socket_path = anpr_config_str(cfg, ANPR_KEY_CONTROL_SOCKET),
			.firmware = ANPR_VERSION,
			.board = anpr_config_str(cfg, ANPR_KEY_BOARD_NAME),
			.device = pc.device,
			.site = pc.site,
			.store_dir = anpr_config_str(cfg, ANPR_KEY_STORE_DIR),
			.min_confidence = anpr_config_real(cfg, ANPR_KEY_OCR_MIN_CONFIDENCE),
			.pipeline = p,
			.spool = spool,
			.uplink = uplink,
			.reload = reload_by_signal,
			.temperature_c = board_temperature,
			.temperature_user = sup,
		};
		if (anpr_control_start(&cc, &control))
			ANPR_LOGE("no control interface: anpr-diag sees only what it reads itself");
	}
	sd_notify(0, "READY=1\nSTATUS=capturing");
	if (sd_watchdog_enabled(0, &watchdog_us) <= 0)
		watchdog_us = 0;

	for (;;) {
		struct timespec tick = { 0, 250 * 1000000L };
		int sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			stopping = true;
			ANPR_LOGI("stopping: finishing the frames in hand");
			sd_notify(0, "STOPPING=1");
			anpr_pipeline_stop(p);
		} else if (sig == SIGHUP) {
			char rdiag[ANPR_CFG_DIAG_LEN] = "";
			sd_notify(0, "RELOADING=1");
			anpr_err rerr = reload(src, cfgp, p, rdiag, sizeof(rdiag));
			anpr_supervisor_reconfigure(sup, *cfgp);
			reload_done(rerr, rdiag);
			sd_notify(0, "READY=1");
		}
		if (anpr_pipeline_wait(p, 0) == ANPR_ERR_OK)
			break;
		/* Retention and the byte cap, once a minute. */
		if (spool && anpr_clock_mono_ms() - last_expire >= 60000) {
			last_expire = anpr_clock_mono_ms();
			if (anpr_store_save_tip(store) ||
			    anpr_spool_expire(spool, anpr_clock_utc_ms(), report_gap, uplink))
				ANPR_LOGE("the ring buffer could not delete expired reads");
		}
		/* The watchdogs (the board's and systemd's) are fed only while the pipeline is healthy (health.h). */
		int64_t now = anpr_clock_mono_ms();
		bool healthy = anpr_supervisor_tick(sup, p, !stopping, now);
		anpr_pipeline_get_stats(p, &st);
		if (healthy && watchdog_us && now - last_watchdog >= (int64_t)(watchdog_us / 2000)) {
			sd_notifyf(0,
				   "WATCHDOG=1\nSTATUS=%" PRIu64 " frames, %" PRIu64 " reads, %" PRIu64
				   " dropped",
				   st.frames_captured, st.reads_stored, st.frames_dropped);
			last_watchdog = now;
		}
	}
	/* The pipeline has drained (an orderly end): no more frames to watch, so disarm before lingering. */
	anpr_supervisor_disarm(sup, anpr_supervisor_healthy(sup));
	anpr_pipeline_get_stats(p, &st);
	double seconds = (double)(anpr_clock_mono_ms() - started) / 1000.0;
	if (uplink && !stopping && pc.source.kind != ANPR_SOURCE_CAMERA)
		linger(spool, uplink, o->linger_s, &sigs);
	ANPR_LOGI("done: %" PRIu64 " frames read of %" PRIu64 " captured (%" PRIu64 " dropped, %" PRIu64
		  " bad) in %.1f s, %.1f fps; %" PRIu64 " reads stored, %" PRIu64 " failed",
		  st.frames_read, st.frames_captured, st.frames_dropped, st.frames_bad, seconds,
		  seconds > 0 ? (double)st.frames_read / seconds : 0.0, st.reads_stored, st.reads_failed);
	if (o->report)
		write_report(o->report, &st, seconds, spool, uplink);
	if (st.reads_failed > 0)
		status = ANPR_EXIT_FAILURE;
	else if (st.source_error != ANPR_ERR_CLOSED && st.source_error != ANPR_ERR_OK)
		status = ANPR_EXIT_UNAVAILABLE;
out:
	anpr_control_close(control);
	anpr_pipeline_close(p);
	anpr_supervisor_close(sup);
	anpr_uplink_close(uplink);
	anpr_store_close(store);
	anpr_spool_close(spool);
	anpr_signer_close(signer);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "board", required_argument, NULL, OPT_BOARD },
		{ "board-file", required_argument, NULL, OPT_BOARD_FILE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "set", required_argument, NULL, OPT_SET },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "print-config", no_argument, NULL, OPT_PRINT },
		{ "config-doc", no_argument, NULL, OPT_DOC },
		{ "list-boards", no_argument, NULL, OPT_LIST },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "start-time", required_argument, NULL, OPT_START },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "gen-key", no_argument, NULL, OPT_GEN_KEY },
		{ "loop", required_argument, NULL, OPT_LOOP },
		{ "linger", required_argument, NULL, OPT_LINGER },
		{ NULL, 0, NULL, 0 },
	};
	anpr_settings_src src = { 0 };
	anpr_config *cfg = NULL;
	char diag[ANPR_CFG_DIAG_LEN] = "";
	run_opts ro = { .linger_s = 30 };
	int check = 0, print = 0, gen = 0, opt;
	int status = ANPR_EXIT_OK;
	anpr_err err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_BOARD:
			src.board = optarg;
			break;
		case OPT_BOARD_FILE:
			src.board_file = optarg;
			break;
		case OPT_CONFIG:
			src.site_file = optarg;
			break;
		case OPT_SET:
			if (src.n_overrides == ANPR_SETTINGS_MAX_OVERRIDES) {
				fprintf(stderr, "anprd: at most %d --set options\n",
					ANPR_SETTINGS_MAX_OVERRIDES);
				return ANPR_EXIT_USAGE;
			}
			src.overrides[src.n_overrides++] = optarg;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case OPT_PRINT:
			print = 1;
			break;
		case OPT_DOC: {
			size_t n;
			const anpr_cfg_key *keys = anpr_keys_table(&n);
			anpr_config_write_doc(keys, n, stdout);
			return ANPR_EXIT_OK;
		}
		case OPT_LIST:
			for (size_t i = 0; i < anpr_boards_count; i++)
				printf("%s\n", anpr_boards[i].name);
			return ANPR_EXIT_OK;
		case OPT_VERSION:
			print_versions();
			return ANPR_EXIT_OK;
		case OPT_HELP:
			usage(stdout);
			return ANPR_EXIT_OK;
		case OPT_SOURCE:
			ro.source = optarg;
			break;
		case OPT_START:
			ro.start_time = optarg;
			break;
		case OPT_REPORT:
			ro.report = optarg;
			break;
		case OPT_GEN_KEY:
			gen = 1;
			break;
		case OPT_LINGER: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 || v > 86400) {
				fprintf(stderr, "anprd: --linger wants seconds from 0 to 86400\n");
				return ANPR_EXIT_USAGE;
			}
			ro.linger_s = (int)v;
			break;
		}
		case OPT_LOOP: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 1000000) {
				fprintf(stderr, "anprd: --loop wants a count from 1 to 1000000\n");
				return ANPR_EXIT_USAGE;
			}
			ro.loops = (int)v;
			break;
		}
		default:
			usage(stderr);
			return ANPR_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "anprd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return ANPR_EXIT_USAGE;
	}

	/* Tests age the unit's data by moving its clocks forward (docs/anprd.md); never set on a unit. */
	const char *offset = getenv("ANPR_TEST_CLOCK_OFFSET_MS");
	if (offset && offset[0]) {
		char *end;
		long long ms = strtoll(offset, &end, 10);
		if (*end != '\0' || ms < 0) {
			fprintf(stderr, "anprd: ANPR_TEST_CLOCK_OFFSET_MS must be a count of milliseconds\n");
			return ANPR_EXIT_USAGE;
		}
		anpr_clock_set_test_offset_ms(ms);
		ANPR_LOGW("test clock: %lld ms ahead of the real one", ms);
	}

	err = anpr_settings_load(&src, &cfg, diag, sizeof(diag));
	if (err) {
		fprintf(stderr, "anprd: %s\n", diag[0] ? diag : anpr_strerror(err));
		return ANPR_EXIT_CONFIG;
	}
	apply_log_level(cfg);
	if (!check && !print && !gen)
		anpr_control_log_capture(); /* the control socket's `log` command shows recent lines */

	if (print)
		anpr_config_write(cfg, stdout);
	if (check) {
		printf("configuration OK: board %s, device %s\n", anpr_config_str(cfg, ANPR_KEY_BOARD_NAME),
		       anpr_config_str(cfg, ANPR_KEY_DEVICE_ID));
		print_plate_prediction(cfg);
		goto out;
	}
	if (print)
		goto out;
	if (gen) {
		status = gen_key(cfg);
		goto out;
	}

	ANPR_LOGI("anprd %s starting: board %s, device %s", ANPR_VERSION,
		  anpr_config_str(cfg, ANPR_KEY_BOARD_NAME), anpr_config_str(cfg, ANPR_KEY_DEVICE_ID));
	status = run(&src, &cfg, &ro);
out:
	anpr_config_free(cfg);
	return status;
}
