/* SPDX-License-Identifier: MIT */
/* Runs one clip through anprd with anpr-bofsim as its back office, then reads the back office's database and scores it. */
/* nftw() */
#define _XOPEN_SOURCE 700

#include "replay_run.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "opencv_video.h"

extern char **environ;

#define DEVICE "replay1"
#define MAX_READS 1000000
#define REPORT_MAX (64u << 10)

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last lines of a log, for a message. */
static void tail_of(const char *path, char *out, size_t len)
{
	char buf[600];
	FILE *f = fopen(path, "rb");

	out[0] = '\0';
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		if (size > (long)sizeof(buf) - 1)
			fseek(f, size - (long)sizeof(buf) + 1, SEEK_SET);
		else
			fseek(f, 0, SEEK_SET);
	}
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = '|';
	snprintf(out, len, "%s", buf);
}

/* Starts argv with stdout and stderr to files (NULL: /dev/null) and env added to the environment. */
static pid_t spawn(char *const argv[], const char *out_path, const char *err_path, char *env_add)
{
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	char **env = NULL;
	size_t n = 0;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return -1;
	memcpy(env, environ, n * sizeof(*env));
	if (env_add)
		env[n++] = env_add;
	if (posix_spawn_file_actions_init(&fa) != 0) {
		free(env);
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err_path ? err_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, env) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return pid;
}

/* Runs argv to the end; its exit status, or -1. */
static int run_wait(char *const argv[], const char *out_path, const char *err_path)
{
	int status = 0;
	pid_t pid = spawn(argv, out_path, err_path, NULL);

	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void stop(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A command line starting with the emulator when asked, then anprd. */
static void base_argv(const anpr_replay_cfg *cfg, anpr_replay_argv *a)
{
	memset(a, 0, sizeof(*a));
	if (cfg->qemu_sysroot) {
		anpr_replay_argv_add(a, "qemu-aarch64");
		anpr_replay_argv_add(a, "-L");
		anpr_replay_argv_add(a, cfg->qemu_sysroot);
	}
	anpr_replay_argv_add(a, cfg->anprd);
}

static bool read_small(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return false;
	*len = fread(buf, 1, cap, f);
	bool ok = !ferror(f) && *len < cap;
	fclose(f);
	return ok;
}

static int64_t jint(const anpr_json *o, const char *key)
{
	const anpr_json *m = anpr_json_get(o, key);

	return m && m->type == ANPR_JSON_NUMBER ? (int64_t)llround(m->number) : -1;
}

static double jnum(const anpr_json *o, const char *key)
{
	const anpr_json *m = anpr_json_get(o, key);

	return m && m->type == ANPR_JSON_NUMBER ? m->number : -1.0;
}

static bool jtime(const anpr_json *o, const char *key, int64_t start, int64_t *out)
{
	const anpr_json *m = anpr_json_get(o, key);
	int64_t t;

	if (!m || m->type != ANPR_JSON_STRING || anpr_clock_parse_utc(m->string, &t))
		return false;
	*out = t - start;
	return true;
}

/* One payload from the back office into r. */
static bool read_payload(const char *text, const char *received, int64_t start, int width, anpr_score_read *r)
{
	anpr_json *p = NULL;
	bool ok = false;

	if (anpr_json_parse(text, strlen(text), 16, &p))
		return false;
	const anpr_json *vrm = anpr_json_get(p, "vrm"), *pass = anpr_json_get(p, "passage"),
			*ov = anpr_json_get(p, "overview");
	if (!vrm || vrm->type != ANPR_JSON_STRING || !pass)
		goto out;
	snprintf(r->vrm, sizeof(r->vrm), "%s", vrm->string);
	r->confidence = jnum(p, "confidence");
	if (!jtime(pass, "first_seen", start, &r->first_ms) ||
	    !jtime(pass, "last_seen", start, &r->last_ms) ||
	    !jtime(p, "captured_at", start, &r->captured_ms) ||
	    anpr_clock_parse_utc(received, &r->received_ms))
		goto out;
	const anpr_json *box = ov ? anpr_json_get(ov, "plate_box") : NULL;
	const double ow = ov ? jnum(ov, "width") : -1;
	if (box && box->type == ANPR_JSON_ARRAY && box->n == 4 && ow > 0 && width > 0) {
		const double s = width / ow;
		r->has_box = true;
		for (int k = 0; k < 4; k++)
			r->box[k] = box->items[k].type == ANPR_JSON_NUMBER ? box->items[k].number * s : 0;
	}
	ok = true;
out:
	anpr_json_free(p);
	return ok;
}

static anpr_err collect_reads(const char *db_path, int64_t start, int width, anpr_replay_result *res,
			      char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_IO;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int cap = 0;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT payload, received_at FROM reads ORDER BY device, seq", -1, &st,
			       NULL) != SQLITE_OK) {
		snprintf(diag, diag_len, "%s: %s", db_path, db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (res->n_reads == MAX_READS) {
			snprintf(diag, diag_len, "%s: more than %d reads", db_path, MAX_READS);
			err = ANPR_ERR_TOO_BIG;
			goto out;
		}
		if (res->n_reads == cap) {
			int nc = cap ? cap * 2 : 256;
			anpr_score_read *nr = realloc(res->reads, (size_t)nc * sizeof(*nr));
			if (!nr) {
				err = ANPR_ERR_NOMEM;
				goto out;
			}
			res->reads = nr;
			cap = nc;
		}
		anpr_score_read *r = &res->reads[res->n_reads];
		memset(r, 0, sizeof(*r));
		const char *payload = (const char *)sqlite3_column_text(st, 0);
		const char *received = (const char *)sqlite3_column_text(st, 1);
		if (!payload || !received || !read_payload(payload, received, start, width, r)) {
			snprintf(diag, diag_len, "%s: read %d: a payload the harness cannot read", db_path,
				 res->n_reads + 1);
			err = ANPR_ERR_INTERNAL;
			goto out;
		}
		res->n_reads++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(diag, diag_len, "%s: %s", db_path, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM rejected", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		res->rejected = sqlite3_column_int64(st, 0);
	err = ANPR_ERR_OK;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return err;
}

/* The wall time of anprd's "replay: replaying" line, or 0. */
static int64_t replay_opened(const char *log)
{
	char line[1024];
	int64_t t = 0;
	FILE *f = fopen(log, "r");

	if (!f)
		return 0;
	while (!t && fgets(line, sizeof(line), f)) {
		char stamp[ANPR_UTC_STRLEN];
		if (strlen(line) < ANPR_UTC_STRLEN + 2 || !strstr(line, " replay: replaying "))
			continue;
		memcpy(stamp, line, ANPR_UTC_STRLEN - 1);
		stamp[ANPR_UTC_STRLEN - 1] = '\0';
		if (anpr_clock_parse_utc(stamp, &t))
			t = 0;
	}
	fclose(f);
	return t;
}

/* The video against the truth's header before anything runs. */
static anpr_err check_video(const char *video, const anpr_truth *truth, const char *truth_name,
			    anpr_replay_result *res, char *diag, size_t diag_len)
{
	anpr_video_reader *vr = NULL;
	anpr_video_info vi;
	char why[512];

	anpr_err err = anpr_truth_check_container(video, why, sizeof(why));
	if (err == ANPR_ERR_FORMAT || err == ANPR_ERR_IO) {
		if (truth)
			snprintf(diag, diag_len, "%s (%s:1 describes %lld frames)", why, truth_name,
				 (long long)anpr_truth_get_header(truth)->frames);
		else
			snprintf(diag, diag_len, "%s", why);
		return ANPR_ERR_FORMAT;
	}
	err = anpr_video_open(video, &vr, &vi);
	if (err) {
		snprintf(diag, diag_len, "%s: cannot be opened as a video: %s", video, anpr_strerror(err));
		return ANPR_ERR_FORMAT;
	}
	anpr_video_close(vr);
	res->width = vi.width;
	res->height = vi.height;
	res->clip_fps = vi.fps;
	if (!truth)
		return ANPR_ERR_OK;
	const anpr_truth_header *h = anpr_truth_get_header(truth);
	if (vi.width != h->width || vi.height != h->height) {
		snprintf(diag, diag_len,
			 "%s:1: the header says %dx%d but %s is %dx%d (another clip's sidecar?)", truth_name,
			 h->width, h->height, video, vi.width, vi.height);
		return ANPR_ERR_FORMAT;
	}
	if (vi.fps > 0 && fabs(vi.fps - h->fps) > 0.01 * h->fps) {
		snprintf(diag, diag_len, "%s:1: the header says %g fps but %s records %g", truth_name, h->fps,
			 video, vi.fps);
		return ANPR_ERR_FORMAT;
	}
	if (vi.frames >= 0 && vi.frames != h->frames) {
		snprintf(
		    diag, diag_len,
		    "%s:1: the header says %lld frames but %s records %lld (mismatched frame counts: another "
		    "clip's sidecar, or an edited video)",
		    truth_name, (long long)h->frames, video, (long long)vi.frames);
		return ANPR_ERR_FORMAT;
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_replay_run(const anpr_replay_cfg *cfg, const char *video, const anpr_truth *truth,
			 const char *truth_name, anpr_replay_result *res, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_INTERNAL;
	char work[] = "/tmp/anpr-replay-XXXXXX";
	char key[600], pki[600], ca[600], dev_cert[600], srv_cert[600], srv_key[600], db[600], bof_out[600],
	    bof_err[600], log[600], report[600], sock_path[600], notify_env[700], spool[600], store_key[600];
	char set_key[700], set_spool[700], set_store_key[700], set_url[700], set_ca[700], set_cert[700],
	    set_pace[64], source[700], linger[16], start_txt[ANPR_UTC_STRLEN], why[700];
	anpr_replay_argv *av = NULL;
	pid_t bof = -1, unit = -1;
	int sock = -1;
	bool made_work = false;

	memset(res, 0, sizeof(*res));
	diag[0] = '\0';
	err = check_video(video, truth, truth_name, res, diag, diag_len);
	if (err)
		return err;
	err = ANPR_ERR_INTERNAL;
	if (!mkdtemp(work)) {
		snprintf(diag, diag_len, "cannot make a work directory: %s", strerror(errno));
		return ANPR_ERR_IO;
	}
	made_work = true;
#define P(buf, ...) snprintf(buf, sizeof(buf), __VA_ARGS__)
	P(key, "%s/keys/" DEVICE ".pem", work);
	P(store_key, "%s/keys/store.key", work);
	P(pki, "%s/pki", work);
	P(ca, "%s/pki/ca.pem", work);
	P(dev_cert, "%s/pki/devices/" DEVICE ".pem", work);
	P(srv_cert, "%s/pki/server.pem", work);
	P(srv_key, "%s/pki/server.key", work);
	P(db, "%s/bo.db", work);
	P(bof_out, "%s/bofsim.out", work);
	P(bof_err, "%s/bofsim.err", work);
	P(log, "%s/anprd.log", work);
	P(report, "%s/report.json", work);
	P(sock_path, "%s/notify.sock", work);
	P(spool, "%s/spool", work);
	P(why, "%s/keys", work);
	if (mkdir(why, 0700) != 0) {
		snprintf(diag, diag_len, "%s: %s", why, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}

	/* A throwaway device key and a dev PKI around it. */
	P(set_key, "signing.key_file=%s", key);
	av = malloc(sizeof(*av));
	if (!av) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	base_argv(cfg, av);
	anpr_replay_argv_add(av, "--set");
	anpr_replay_argv_add(av, set_key);
	anpr_replay_argv_add(av, "--gen-key");
	P(why, "%s/gen-key.log", work);
	if (run_wait(av->v, NULL, why) != 0) {
		char t[600];
		tail_of(why, t, sizeof(t));
		snprintf(diag, diag_len, "anprd --gen-key failed (%s): %s", cfg->anprd, t);
		err = ANPR_ERR_IO;
		goto out;
	}
	P(why, "%s/pki.log", work);
	memset(av, 0, sizeof(*av));
	anpr_replay_argv_add(av, cfg->pki_script);
	anpr_replay_argv_add(av, pki);
	anpr_replay_argv_add(av, key);
	if (run_wait(av->v, NULL, why) != 0) {
		char t[600];
		tail_of(why, t, sizeof(t));
		snprintf(diag, diag_len, "%s failed: %s", cfg->pki_script, t);
		err = ANPR_ERR_IO;
		goto out;
	}

	/* The back office, on a port of its choosing. */
	memset(av, 0, sizeof(*av));
	{
		const char *const bof_args[] = {
			cfg->bofsim, "--listen", "127.0.0.1:0", "--cert", srv_cert,      "--key", srv_key,
			"--ca",      ca,         "--db",        db,       "--log-level", "warn"
		};
		for (size_t i = 0; i < sizeof(bof_args) / sizeof(bof_args[0]); i++)
			anpr_replay_argv_add(av, bof_args[i]);
	}
	bof = spawn(av->v, bof_out, bof_err, NULL);
	int port = 0;
	for (int i = 0; bof > 0 && i < 200 && !port; i++) {
		char txt[4096];
		size_t len = 0;
		usleep(50000);
		if (read_small(bof_out, txt, sizeof(txt) - 1, &len)) {
			txt[len] = '\0';
			const char *p = strstr(txt, "listening on ");
			if (p)
				port = atoi(p + strlen("listening on "));
		}
		if (waitpid(bof, NULL, WNOHANG) == bof) {
			bof = -1;
			break;
		}
	}
	if (!port) {
		char t[600];
		tail_of(bof_err, t, sizeof(t));
		snprintf(diag, diag_len, "anpr-bofsim did not start (%s): %s", cfg->bofsim, t);
		err = ANPR_ERR_IO;
		goto out;
	}

	/* READY=1 from anprd marks when replay began: frame 0 is due then on the wall clock. */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock_path) < sizeof(sa.sun_path)) {
		memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
		sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (sock >= 0 && bind(sock, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(sock);
			sock = -1;
		}
	}
	P(notify_env, "NOTIFY_SOCKET=%s", sock_path);

	const int64_t start = wall_ms();
	if (anpr_clock_format_utc(start, start_txt, sizeof(start_txt))) {
		snprintf(diag, diag_len, "the clock cannot be formatted");
		goto out;
	}
	P(set_spool, "store.dir=%s", spool);
	P(set_store_key, "store.key_file=%s", store_key);
	P(set_url, "uplink.url=https://localhost:%d", port);
	P(set_ca, "uplink.ca_file=%s", ca);
	P(set_cert, "uplink.cert_file=%s", dev_cert);
	P(set_pace, "pipeline.replay_pace=%s", cfg->realtime ? "realtime" : "fast");
	P(source, "file:%s", video);
	P(linger, "%d", cfg->linger_s);
	base_argv(cfg, av);
	if (cfg->board) {
		anpr_replay_argv_add(av, "--board");
		anpr_replay_argv_add(av, cfg->board);
	}
	{
		const char *const rest[] = { "--set",        "device.id=" DEVICE,
					     "--set",        set_key,
					     "--set",        set_spool,
					     "--set",        set_store_key,
					     "--set",        set_url,
					     "--set",        set_ca,
					     "--set",        set_cert,
					     "--set",        set_pace,
					     "--start-time", start_txt,
					     "--source",     source,
					     "--report",     report,
					     "--linger",     linger };
		for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
			anpr_replay_argv_add(av, rest[i]);
	}
	if (av->overflow) {
		snprintf(diag, diag_len, "anprd's command line is too long");
		goto out;
	}
	const int64_t spawned = wall_ms();
	unit = spawn(av->v, NULL, log, sock >= 0 ? notify_env : NULL);
	if (unit < 0) {
		snprintf(diag, diag_len, "cannot run %s: %s", cfg->qemu_sysroot ? "qemu-aarch64" : cfg->anprd,
			 strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	/* A generous bound: the clip's length many times over (qemu is slow), plus the linger. */
	const double clip_s =
	    truth ? anpr_truth_get_header(truth)->frames / anpr_truth_get_header(truth)->fps : 600;
	const int64_t deadline = spawned + (int64_t)(clip_s * (cfg->qemu_sysroot ? 60 : 10) * 1000) +
				 (int64_t)(cfg->linger_s + 120) * 1000;
	int64_t ready = 0;
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	for (;;) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		if (sock >= 0 && poll(&pfd, 1, 50) > 0) {
			char msg[512];
			ssize_t got;
			while ((got = recv(sock, msg, sizeof(msg) - 1, 0)) > 0) {
				msg[got] = '\0';
				if (!ready && strstr(msg, "READY=1"))
					ready = wall_ms();
			}
		} else if (sock < 0) {
			usleep(50000);
		}
		pid_t w = wait4(unit, &status, WNOHANG, &ru);
		if (w == unit) {
			unit = -1;
			break;
		}
		if (wall_ms() > deadline) {
			stop(unit);
			unit = -1;
			snprintf(diag, diag_len, "anprd did not finish within %lld s; killed",
				 (long long)((deadline - spawned) / 1000));
			err = ANPR_ERR_TIMEOUT;
			goto out;
		}
	}
	stop(bof);
	bof = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char t[600];
		tail_of(log, t, sizeof(t));
		snprintf(diag, diag_len, "anprd failed (%s %d): %s", WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), t);
		err = ANPR_ERR_IO;
		goto out;
	}
	res->peak_rss_mib = ru.ru_maxrss / 1024.0;
	res->latency_valid = cfg->realtime;

	/* anprd's own counts. */
	{
		char txt[REPORT_MAX];
		size_t len = 0;
		anpr_json *rep = NULL;
		if (!read_small(report, txt, sizeof(txt), &len) || anpr_json_parse(txt, len, 8, &rep)) {
			snprintf(diag, diag_len, "anprd wrote no readable report (%s)", report);
			err = ANPR_ERR_IO;
			goto out;
		}
		res->frames_captured = jint(rep, "frames_captured");
		res->frames_read = jint(rep, "frames_read");
		res->frames_dropped = jint(rep, "frames_dropped");
		res->frames_bad = jint(rep, "frames_bad");
		res->frames_skipped = jint(rep, "frames_skipped"); /* late frames a real-time replay let go */
		if (res->frames_skipped < 0)
			res->frames_skipped = 0;
		res->reads_stored = jint(rep, "reads_stored");
		res->seconds = jnum(rep, "seconds");
		res->fps = jnum(rep, "fps");
		anpr_json_free(rep);
	}
	if (truth) {
		const anpr_truth_header *h = anpr_truth_get_header(truth);
		const int64_t decoded = res->frames_captured + res->frames_bad + res->frames_skipped;
		if (res->frames_bad > 0 || decoded != h->frames) {
			snprintf(diag, diag_len,
				 "%s:1: the header says %lld frames but %s decoded to %lld (%lld "
				 "undecodable, %lld "
				 "let go late): a truncated video, or another clip's sidecar",
				 truth_name, (long long)h->frames, video, (long long)decoded,
				 (long long)res->frames_bad, (long long)res->frames_skipped);
			err = ANPR_ERR_FORMAT;
			goto out;
		}
	}
	err = collect_reads(db, start, res->width, res, diag, diag_len);
	if (err)
		goto out;
	/*
	 * In real time, frame 0 is due on the wall clock when the replay source opens: anprd logs that
	 * ("replay: replaying ..."), with the wall time, a few ms before. Without that line, the spawn
	 * (earlier still: latencies come out longer, never shorter).
	 */
	const int64_t t0 = replay_opened(log);
	res->t0_from_log = t0 != 0;
	res->startup_ms = ready ? ready - spawned : -1;
	err = anpr_score(truth, res->reads, res->n_reads, t0 ? t0 : spawned, &res->score);
out:
#undef P
	stop(unit);
	stop(bof);
	if (sock >= 0)
		close(sock);
	free(av);
	if (made_work) {
		if (cfg->keep)
			fprintf(stderr, "anpr-replay: work directory kept: %s\n", work);
		else
			nftw(work, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	return err;
}

void anpr_replay_argv_add(anpr_replay_argv *a, const char *s)
{
	const size_t len = strlen(s) + 1;

	if (a->overflow || a->n + 1 >= (int)(sizeof(a->v) / sizeof(a->v[0])) ||
	    a->used + len > sizeof(a->buf)) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->used, s, len);
	a->v[a->n++] = a->buf + a->used;
	a->v[a->n] = NULL;
	a->used += len;
}

void anpr_replay_result_clear(anpr_replay_result *r)
{
	if (!r)
		return;
	free(r->reads);
	memset(r, 0, sizeof(*r));
}
