/* SPDX-License-Identifier: MIT */
/* anpr-replay: recorded clips through the real anprd and anpr-bofsim, every read scored against the ground truth. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "manifest.h"
#include "replay_run.h"
#include "score.h"
#include "truth.h"

/* Exit statuses (docs/clip-format.md). */
enum {
	EXIT_PASS = 0,
	EXIT_BELOW = 1,
	EXIT_USAGE = 64,
	EXIT_BAD_INPUT = 65,
	EXIT_TOOL = 69,
	EXIT_INTERNAL = 70
};

#define PATH_LEN 1024
#define MAX_CLIPS ANPR_MANIFEST_MAX_CLIPS

static const char usage_text[] =
    "usage: anpr-replay [options] CLIP                      one clip (H.264 MP4 or MJPEG AVI)\n"
    "       anpr-replay [options] --manifest FILE --set NAME   every clip of a set, made when missing\n"
    "Runs the real anprd on the clip (file source, spool store, throwaway device key) with its uplink\n"
    "to anpr-bofsim over mutual TLS (dev PKI), takes the reads from the back office's database and\n"
    "scores them against the clip's ground truth (docs/clip-format.md).\n"
    "  --truth PATH        the sidecar (default: CLIP without its extension + .truth.jsonl; a clip\n"
    "                      without one is real footage: counts, fps and latency only)\n"
    "  --manifest FILE     the clip manifest (tests/clips/standard.ini); --set NAME picks the set whose\n"
    "                      thresholds apply (also to a single CLIP); --clip NAME one clip of the set\n"
    "  --bin DIR           anprd, anpr-bofsim and anpr-synth (default: beside anpr-replay)\n"
    "  --anprd PATH, --bofsim PATH, --synth PATH   each one explicitly\n"
    "  --qemu SYSROOT      run anprd (an aarch64 build) as qemu-aarch64 -L SYSROOT ANPRD\n"
    "  --board NAME        anprd --board\n"
    "  --pace realtime|fast  replay pace (default: the set's, else realtime; latency needs realtime)\n"
    "  --linger S          anprd --linger (default 30): how long it may take to deliver after the clip\n"
    "  --clips-dir DIR     where generated clips are cached (default: REPO/build/clips)\n"
    "  --pki-script PATH   default: REPO/tools/make-dev-pki.sh\n"
    "  --json              one JSON object instead of the table\n"
    "  --reads             list every read with its verdict (stderr; plate text: debugging only)\n"
    "  --keep              keep the work directory\n"
    "Exit: 0 pass, 1 below the set's thresholds, 64 usage, 65 bad input (the message names file:line),\n"
    "69 a tool failed, 70 internal error.\n";

typedef struct options {
	const char *clip, *truth, *manifest, *set, *only, *bin, *anprd, *bofsim, *synth, *qemu, *board, *pace,
	    *clips_dir, *pki;
	int linger_s;
	bool json, keep, list_reads;
	char bin_buf[PATH_LEN], anprd_buf[PATH_LEN], bofsim_buf[PATH_LEN], synth_buf[PATH_LEN],
	    pki_buf[PATH_LEN], clips_buf[PATH_LEN];
} options;

/* One clip's row. */
typedef struct row {
	char name[ANPR_MANIFEST_NAME_MAX + 1];
	char video[PATH_LEN];
	char synth[ANPR_MANIFEST_MAX_LINE];
	double gen_s; /* -1: cached, -2: not generated (given) */
	int64_t frames;
	anpr_replay_result r;
	int64_t lat_p50, lat_p95;
} row;

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage(const char *fmt, ...)
{
	va_list ap;

	fputs("anpr-replay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (anpr-replay --help)\n", stderr);
	return EXIT_USAGE;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int parse_args(int argc, char **argv, options *o)
{
	enum {
		O_TRUTH = 256,
		O_MANIFEST,
		O_SET,
		O_CLIP,
		O_BIN,
		O_ANPRD,
		O_BOFSIM,
		O_SYNTH,
		O_QEMU,
		O_BOARD,
		O_PACE,
		O_LINGER,
		O_CLIPS,
		O_PKI,
		O_JSON,
		O_KEEP,
		O_READS,
		O_HELP
	};
	static const struct option longs[] = { { "truth", required_argument, NULL, O_TRUTH },
					       { "manifest", required_argument, NULL, O_MANIFEST },
					       { "set", required_argument, NULL, O_SET },
					       { "clip", required_argument, NULL, O_CLIP },
					       { "bin", required_argument, NULL, O_BIN },
					       { "anprd", required_argument, NULL, O_ANPRD },
					       { "bofsim", required_argument, NULL, O_BOFSIM },
					       { "synth", required_argument, NULL, O_SYNTH },
					       { "qemu", required_argument, NULL, O_QEMU },
					       { "board", required_argument, NULL, O_BOARD },
					       { "pace", required_argument, NULL, O_PACE },
					       { "linger", required_argument, NULL, O_LINGER },
					       { "clips-dir", required_argument, NULL, O_CLIPS },
					       { "pki-script", required_argument, NULL, O_PKI },
					       { "json", no_argument, NULL, O_JSON },
					       { "keep", no_argument, NULL, O_KEEP },
					       { "reads", no_argument, NULL, O_READS },
					       { "help", no_argument, NULL, O_HELP },
					       { NULL, 0, NULL, 0 } };
	int c;

	o->linger_s = 30;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case O_TRUTH:
			o->truth = optarg;
			break;
		case O_MANIFEST:
			o->manifest = optarg;
			break;
		case O_SET:
			o->set = optarg;
			break;
		case O_CLIP:
			o->only = optarg;
			break;
		case O_BIN:
			o->bin = optarg;
			break;
		case O_ANPRD:
			o->anprd = optarg;
			break;
		case O_BOFSIM:
			o->bofsim = optarg;
			break;
		case O_SYNTH:
			o->synth = optarg;
			break;
		case O_QEMU:
			o->qemu = optarg;
			break;
		case O_BOARD:
			o->board = optarg;
			break;
		case O_PACE:
			if (strcmp(optarg, "realtime") != 0 && strcmp(optarg, "fast") != 0)
				return usage("--pace is realtime or fast, not '%s'", optarg);
			o->pace = optarg;
			break;
		case O_LINGER: {
			char *end = NULL;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 3600)
				return usage("--linger wants 1..3600 seconds, not '%s'", optarg);
			o->linger_s = (int)v;
			break;
		}
		case O_CLIPS:
			o->clips_dir = optarg;
			break;
		case O_PKI:
			o->pki = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_KEEP:
			o->keep = true;
			break;
		case O_READS:
			o->list_reads = true;
			break;
		case O_HELP:
			fputs(usage_text, stdout);
			exit(0);
		default:
			return usage("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->clip = argv[optind++];
	if (optind < argc)
		return usage("one clip at a time ('%s' is extra)", argv[optind]);
	if (!o->clip && !o->manifest)
		return usage("give a CLIP or --manifest FILE --set NAME");
	if (o->clip && o->only)
		return usage("--clip NAME picks a clip of the manifest; not with a CLIP file");
	if ((o->manifest != NULL) != (o->set != NULL))
		return usage("--manifest and --set go together");
	if (!o->bin) {
		char self[PATH_LEN];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return usage("cannot find my own directory; give --bin DIR");
		self[n] = '\0';
		snprintf(o->bin_buf, sizeof(o->bin_buf), "%s", dirname(self));
		o->bin = o->bin_buf;
	}
#define DEFAULT(field, buf, ...)                               \
	if (!o->field) {                                       \
		snprintf(o->buf, sizeof(o->buf), __VA_ARGS__); \
		o->field = o->buf;                             \
	}
	DEFAULT(anprd, anprd_buf, "%s/anprd", o->bin)
	DEFAULT(bofsim, bofsim_buf, "%s/anpr-bofsim", o->bin)
	DEFAULT(synth, synth_buf, "%s/anpr-synth", o->bin)
	DEFAULT(pki, pki_buf, "%s/tools/make-dev-pki.sh", ANPR_REPLAY_REPO_ROOT)
	DEFAULT(clips_dir, clips_buf, "%s/build/clips", ANPR_REPLAY_REPO_ROOT)
#undef DEFAULT
	if (access(o->anprd, X_OK) != 0)
		return usage("no anprd at %s (--bin or --anprd)", o->anprd);
	if (access(o->bofsim, X_OK) != 0)
		return usage("no anpr-bofsim at %s (--bin or --bofsim)", o->bofsim);
	if (access(o->pki, X_OK) != 0)
		return usage("no %s (--pki-script)", o->pki);
	return 0;
}

/* FNV-1a, 64 bits: the cache name of a generated clip. */
static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool mkdirs(const char *path)
{
	char buf[PATH_LEN];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return false;
			*p = '/';
		}
	}
	return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

/* The clip of a manifest entry, made with anpr-synth unless already cached. */
#define CLIP_REVISION " r3"

static int make_clip(const options *o, const anpr_manifest_clip *c, row *rw)
{
	char key[ANPR_MANIFEST_MAX_LINE + 64], tmp[PATH_LEN], tmp_truth[PATH_LEN], truth[PATH_LEN],
	    log[PATH_LEN], buf[ANPR_MANIFEST_MAX_LINE];
	static anpr_replay_argv args;
	anpr_replay_argv *av = &args;

	/* CLIP_REVISION: bump it when anpr-synth's clips change for the same command line (r2:
	 * foreign plates with real Irish counties and Spanish letters; r3: the plate face's W, its
	 * middle apex below the top), so no stale cache is scored. */
	snprintf(key, sizeof(key), "anpr-synth clip %s .%s%s", c->synth, c->ext, CLIP_REVISION);
	snprintf(rw->video, sizeof(rw->video), "%s/%s-%016llx.%s", o->clips_dir, c->name,
		 (unsigned long long)fnv(key), c->ext);
	snprintf(truth, sizeof(truth), "%.*s.truth.jsonl", (int)(strlen(rw->video) - strlen(c->ext) - 1),
		 rw->video);
	if (exists(rw->video) && exists(truth)) {
		rw->gen_s = -1;
		return 0;
	}
	if (!mkdirs(o->clips_dir)) {
		fprintf(stderr, "anpr-replay: cannot create %s: %s\n", o->clips_dir, strerror(errno));
		return EXIT_TOOL;
	}
	snprintf(tmp, sizeof(tmp), "%s/.partial-%s.%s", o->clips_dir, c->name, c->ext);
	snprintf(tmp_truth, sizeof(tmp_truth), "%s/.partial-%s.truth.jsonl", o->clips_dir, c->name);
	snprintf(log, sizeof(log), "%s/.partial-%s.log", o->clips_dir, c->name);
	snprintf(buf, sizeof(buf), "%s", c->synth);
	memset(av, 0, sizeof(*av));
	anpr_replay_argv_add(av, o->synth);
	anpr_replay_argv_add(av, "clip");
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		anpr_replay_argv_add(av, t);
	anpr_replay_argv_add(av, "--out");
	anpr_replay_argv_add(av, tmp);
	anpr_replay_argv_add(av, "--truth");
	anpr_replay_argv_add(av, tmp_truth);
	if (av->overflow) {
		fprintf(stderr, "anpr-replay: %s:%d: synth options too long\n", o->manifest, c->line);
		return EXIT_BAD_INPUT;
	}
	fprintf(stderr, "anpr-replay: making %s: anpr-synth clip %s\n", c->name, c->synth);
	const double t0 = now_s();
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen(log, "w", stderr) || !freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(av->v[0], av->v);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "anpr-replay: %s:%d: anpr-synth clip failed for [clip %s]; see %s\n",
			o->manifest, c->line, c->name, log);
		return WIFEXITED(status) && WEXITSTATUS(status) == 64 ? EXIT_BAD_INPUT : EXIT_TOOL;
	}
	rw->gen_s = now_s() - t0;
	if (rename(tmp_truth, truth) != 0 || rename(tmp, rw->video) != 0) {
		fprintf(stderr, "anpr-replay: cannot move %s into place: %s\n", rw->video, strerror(errno));
		return EXIT_TOOL;
	}
	unlink(log);
	return 0;
}

static const char *kind_name(anpr_score_kind k)
{
	switch (k) {
	case ANPR_SCORE_EXACT:
		return "exact";
	case ANPR_SCORE_MISREAD:
		return "misread";
	case ANPR_SCORE_DUPLICATE:
		return "duplicate";
	case ANPR_SCORE_FALSE:
		return "false";
	default:
		return "unscored";
	}
}

/* Runs one row's clip; 0 or an exit status. */
static int run_row(const options *o, const anpr_replay_cfg *cfg, const char *truth_path, bool truth_required,
		   row *rw)
{
	anpr_truth *t = NULL;
	char diag[1024];
	int status = 0;

	if (truth_path && (truth_required || exists(truth_path))) {
		anpr_err err = anpr_truth_load(truth_path, &t, diag, sizeof(diag));
		if (err) {
			fprintf(stderr, "anpr-replay: %s\n", diag);
			return err == ANPR_ERR_NOMEM ? EXIT_INTERNAL : EXIT_BAD_INPUT;
		}
		rw->frames = anpr_truth_get_header(t)->frames;
	} else {
		fprintf(stderr, "anpr-replay: %s: no ground truth (%s): counts, fps and latency only\n",
			rw->video, truth_path ? truth_path : "none");
	}
	anpr_err err = anpr_replay_run(cfg, rw->video, t, truth_path, &rw->r, diag, sizeof(diag));
	if (err) {
		fprintf(stderr, "anpr-replay: %s\n", diag);
		status = err == ANPR_ERR_FORMAT  ? EXIT_BAD_INPUT
			 : err == ANPR_ERR_NOMEM ? EXIT_INTERNAL
						 : EXIT_TOOL;
		goto out;
	}
	if (!t)
		rw->frames = rw->r.frames_captured;
	int64_t *lat = malloc(((size_t)rw->r.n_reads + 1) * sizeof(*lat));
	if (!lat) {
		status = EXIT_INTERNAL;
		goto out;
	}
	for (int i = 0; i < rw->r.n_reads; i++)
		lat[i] = rw->r.reads[i].latency_ms;
	rw->lat_p50 = rw->r.latency_valid ? anpr_score_quantile(lat, rw->r.n_reads, 0.5) : ANPR_SCORE_NONE;
	rw->lat_p95 = rw->r.latency_valid ? anpr_score_quantile(lat, rw->r.n_reads, 0.95) : ANPR_SCORE_NONE;
	free(lat);
	if (o->list_reads) {
		for (int i = 0; i < rw->r.n_reads; i++) {
			const anpr_score_read *r = &rw->r.reads[i];
			const anpr_truth_vehicle *v = r->vehicle >= 0 ? anpr_truth_at(t, r->vehicle) : NULL;
			char conf[16] = "-";
			if (r->confidence >= 0)
				snprintf(conf, sizeof(conf), "%.3f", r->confidence);
			fprintf(stderr,
				"%s\tread %d\t%s\tconfidence %s\t%lld..%lld ms\t%s\tvehicle %lld (line %d) "
				"%s\tlatency %lld ms\n",
				rw->name, i, r->vrm, conf, (long long)r->first_ms, (long long)r->last_ms,
				kind_name(r->kind), v ? (long long)v->id : -1LL, v ? v->line : 0,
				v ? v->vrm : "-", (long long)r->latency_ms);
		}
	}
out:
	anpr_truth_free(t);
	return status;
}

/* Totals over rows. */
typedef struct totals {
	anpr_score_result s;
	int64_t frames, frames_read, dropped, rejected;
	double seconds, fps, peak_rss, gen_s;
	int64_t lat_p50, lat_p95;
	bool has_truth, latency_valid;
} totals;

static int sum_rows(row *rows, int n, totals *t)
{
	int64_t *lat = NULL;
	int nl = 0, cap = 0;

	memset(t, 0, sizeof(*t));
	t->has_truth = true;
	t->latency_valid = true;
	for (int i = 0; i < n; i++) {
		const anpr_replay_result *r = &rows[i].r;
		t->s.vehicles += r->score.vehicles;
		t->s.unseen += r->score.unseen;
		t->s.reads += r->score.reads;
		t->s.exact += r->score.exact;
		t->s.misread += r->score.misread;
		t->s.missed += r->score.missed;
		t->s.duplicates += r->score.duplicates;
		t->s.false_reads += r->score.false_reads;
		t->has_truth = t->has_truth && r->score.has_truth;
		t->latency_valid = t->latency_valid && r->latency_valid;
		t->frames += rows[i].frames;
		t->frames_read += r->frames_read;
		t->dropped += r->frames_dropped;
		t->rejected += r->rejected;
		t->seconds += r->seconds;
		t->peak_rss = r->peak_rss_mib > t->peak_rss ? r->peak_rss_mib : t->peak_rss;
		t->gen_s += rows[i].gen_s > 0 ? rows[i].gen_s : 0;
		cap += r->n_reads;
	}
	lat = malloc(((size_t)cap + 1) * sizeof(*lat));
	if (!lat)
		return EXIT_INTERNAL;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < rows[i].r.n_reads; k++)
			lat[nl++] = rows[i].r.reads[k].latency_ms;
	t->lat_p50 = t->latency_valid ? anpr_score_quantile(lat, nl, 0.5) : ANPR_SCORE_NONE;
	t->lat_p95 = t->latency_valid ? anpr_score_quantile(lat, nl, 0.95) : ANPR_SCORE_NONE;
	free(lat);
	t->fps = t->seconds > 0 ? t->frames_read / t->seconds : 0;
	const double d = t->s.vehicles > 0 ? 100.0 / t->s.vehicles : 0;
	t->s.captured_pct = (t->s.exact + t->s.misread) * d;
	t->s.exact_pct = t->s.exact * d;
	t->s.misread_pct = t->s.misread * d;
	t->s.missed_pct = t->s.missed * d;
	t->s.false_reads_pct = t->s.false_reads * d;
	t->s.has_truth = t->has_truth;
	return 0;
}

/* The thresholds missed, as text; returns how many. */
static int shortfalls(const anpr_manifest_set *set, const totals *t, char out[][96], int max)
{
	int n = 0;

	if (!set)
		return 0;
#define SHORT(cond, ...)       \
	if ((cond) && n < max) \
	snprintf(out[n++], 96, __VA_ARGS__)
	if (t->has_truth) {
		SHORT(t->s.captured_pct < set->captured_min_pct, "captured %.2f%% < %.2f%%",
		      t->s.captured_pct, set->captured_min_pct);
		SHORT(t->s.exact_pct < set->exact_min_pct, "exact %.2f%% < %.2f%%", t->s.exact_pct,
		      set->exact_min_pct);
		SHORT(t->s.misread_pct > set->misread_max_pct, "misread %.2f%% > %.2f%%", t->s.misread_pct,
		      set->misread_max_pct);
		SHORT(t->s.duplicates > set->duplicates_max, "duplicates %d > %ld", t->s.duplicates,
		      set->duplicates_max);
		SHORT(t->s.false_reads_pct > set->false_reads_max_pct, "false reads %.2f%% > %.2f%%",
		      t->s.false_reads_pct, set->false_reads_max_pct);
	}
	if (t->latency_valid)
		SHORT(t->lat_p95 == ANPR_SCORE_NONE || t->lat_p95 > set->latency_p95_max_ms,
		      "latency p95 %lld ms > %ld ms", (long long)t->lat_p95, set->latency_p95_max_ms);
	SHORT(t->rejected > 0, "%lld reads rejected by the back office", (long long)t->rejected);
#undef SHORT
	return n;
}

static void json_num(const char *key, double v, bool valid, bool comma)
{
	if (valid)
		printf("\"%s\":%.2f%s", key, v, comma ? "," : "");
	else
		printf("\"%s\":null%s", key, comma ? "," : "");
}

static void print_json_figures(const anpr_score_result *s, int64_t frames, int64_t p50, int64_t p95,
			       bool lat_ok, double fps, int64_t dropped, double rss)
{
	printf("\"vehicles\":%d,\"unseen\":%d,\"reads\":%d,", s->vehicles, s->unseen, s->reads);
	json_num("captured_pct", s->captured_pct, s->has_truth, true);
	json_num("exact_pct", s->exact_pct, s->has_truth, true);
	json_num("misread_pct", s->misread_pct, s->has_truth, true);
	json_num("missed_pct", s->missed_pct, s->has_truth, true);
	json_num("false_reads_pct", s->false_reads_pct, s->has_truth, true);
	if (s->has_truth)
		printf("\"exact\":%d,\"misread\":%d,\"missed\":%d,\"duplicates\":%d,\"false_reads\":%d,",
		       s->exact, s->misread, s->missed, s->duplicates, s->false_reads);
	else
		printf("\"exact\":null,\"misread\":null,\"missed\":null,\"duplicates\":null,\"false_reads\":"
		       "null,");
	if (lat_ok && p50 != ANPR_SCORE_NONE)
		printf("\"latency_p50_ms\":%lld,\"latency_p95_ms\":%lld,", (long long)p50, (long long)p95);
	else
		printf("\"latency_p50_ms\":null,\"latency_p95_ms\":null,");
	printf("\"frames\":%lld,\"fps\":%.2f,\"dropped_frames\":%lld,\"peak_rss_mib\":%.1f",
	       (long long)frames, fps, (long long)dropped, rss);
}

static void pct(char *buf, size_t len, double v, bool ok)
{
	if (ok)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "-");
}

static void print_table_row(const char *name, const anpr_score_result *s, int64_t p50, int64_t p95,
			    bool lat_ok, double fps, int64_t dropped, double rss, double gen_s)
{
	char c[16], e[16], m[16], mi[16], l50[24], l95[24], g[24];

	pct(c, sizeof(c), s->captured_pct, s->has_truth);
	pct(e, sizeof(e), s->exact_pct, s->has_truth);
	pct(m, sizeof(m), s->misread_pct, s->has_truth);
	pct(mi, sizeof(mi), s->missed_pct, s->has_truth);
	if (lat_ok && p50 != ANPR_SCORE_NONE) {
		snprintf(l50, sizeof(l50), "%lld", (long long)p50);
		snprintf(l95, sizeof(l95), "%lld", (long long)p95);
	} else {
		snprintf(l50, sizeof(l50), "-");
		snprintf(l95, sizeof(l95), "-");
	}
	if (gen_s >= 0)
		snprintf(g, sizeof(g), "%.1f", gen_s);
	else
		snprintf(g, sizeof(g), gen_s == -1 ? "cached" : "-");
	char dup[16], fal[16];
	if (s->has_truth) {
		snprintf(dup, sizeof(dup), "%d", s->duplicates);
		snprintf(fal, sizeof(fal), "%d", s->false_reads);
	} else {
		snprintf(dup, sizeof(dup), "-");
		snprintf(fal, sizeof(fal), "-");
	}
	printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %lld | %.0f | %s |\n", name,
	       s->vehicles, c, e, m, mi, dup, fal, l50, l95, fps, (long long)dropped, rss, g);
}

int main(int argc, char **argv)
{
	options o;
	anpr_manifest *m = NULL;
	const anpr_manifest_set *set = NULL;
	row *rows = NULL;
	int n_rows = 0, status;
	char diag[1024];

	memset(&o, 0, sizeof(o));
	status = parse_args(argc, argv, &o);
	if (status)
		return status;
	if (o.manifest) {
		anpr_err err = anpr_manifest_load(o.manifest, &m, diag, sizeof(diag));
		if (err) {
			fprintf(stderr, "anpr-replay: %s\n", diag);
			return err == ANPR_ERR_NOMEM ? EXIT_INTERNAL : EXIT_BAD_INPUT;
		}
		set = anpr_manifest_find_set(m, o.set);
		if (!set) {
			status = usage("%s has no [set %s]", o.manifest, o.set);
			goto out;
		}
	}
	anpr_replay_cfg cfg = { .anprd = o.anprd,
				.bofsim = o.bofsim,
				.pki_script = o.pki,
				.qemu_sysroot = o.qemu,
				.board = o.board,
				.realtime = o.pace ? strcmp(o.pace, "realtime") == 0
					    : set  ? set->realtime
						   : true,
				.linger_s = o.linger_s,
				.keep = o.keep };
	rows = calloc(MAX_CLIPS, sizeof(*rows));
	if (!rows) {
		status = EXIT_INTERNAL;
		goto out;
	}
	if (o.clip) {
		row *rw = &rows[n_rows++];
		char base[PATH_LEN], truth_buf[PATH_LEN];
		snprintf(base, sizeof(base), "%s", o.clip);
		snprintf(rw->name, sizeof(rw->name), "%s", basename(base));
		snprintf(rw->video, sizeof(rw->video), "%s", o.clip);
		rw->gen_s = -2;
		const char *dot = strrchr(o.clip, '.'), *slash = strrchr(o.clip, '/');
		if (!dot || (slash && dot < slash))
			dot = o.clip + strlen(o.clip);
		snprintf(truth_buf, sizeof(truth_buf), "%.*s.truth.jsonl", (int)(dot - o.clip), o.clip);
		if (access(o.clip, R_OK) != 0) {
			fprintf(stderr, "anpr-replay: %s: %s\n", o.clip, strerror(errno));
			status = EXIT_BAD_INPUT;
			goto out;
		}
		status = run_row(&o, &cfg, o.truth ? o.truth : truth_buf, o.truth != NULL, rw);
		if (status)
			goto out;
	} else {
		for (int i = 0; i < anpr_manifest_clip_count(m); i++) {
			const anpr_manifest_clip *c = anpr_manifest_clip_at(m, i);
			if (!anpr_manifest_clip_in(c, o.set) || (o.only && strcmp(o.only, c->name) != 0))
				continue;
			row *rw = &rows[n_rows++];
			char truth_buf[PATH_LEN];
			snprintf(rw->name, sizeof(rw->name), "%s", c->name);
			snprintf(rw->synth, sizeof(rw->synth), "%s", c->synth);
			if (access(o.synth, X_OK) != 0) {
				status = usage("no anpr-synth at %s (--bin or --synth)", o.synth);
				goto out;
			}
			status = make_clip(&o, c, rw);
			if (status)
				goto out;
			snprintf(truth_buf, sizeof(truth_buf), "%.*s.truth.jsonl",
				 (int)(strlen(rw->video) - strlen(c->ext) - 1), rw->video);
			fprintf(stderr, "anpr-replay: running %s (%s)\n", c->name, rw->video);
			status = run_row(&o, &cfg, truth_buf, true, rw);
			if (status)
				goto out;
		}
		if (n_rows == 0) {
			status = usage("no clip of %s is in set %s%s%s", o.manifest, o.set,
				       o.only ? " named " : "", o.only ? o.only : "");
			goto out;
		}
	}

	totals t;
	status = sum_rows(rows, n_rows, &t);
	if (status)
		goto out;
	char miss[16][96];
	const int n_miss = shortfalls(set, &t, miss, 16);
	if (o.json) {
		printf("{\"set\":");
		anpr_json_write_string(stdout, o.set);
		printf(",\"pace\":\"%s\",\"qemu\":%s,\"anprd\":", cfg.realtime ? "realtime" : "fast",
		       o.qemu ? "true" : "false");
		anpr_json_write_string(stdout, o.anprd);
		printf(",");
		print_json_figures(&t.s, t.frames, t.lat_p50, t.lat_p95, t.latency_valid, t.fps, t.dropped,
				   t.peak_rss);
		printf(",\"rejected\":%lld,\"generate_s\":%.1f,\"pass\":%s,\"shortfalls\":[",
		       (long long)t.rejected, t.gen_s, n_miss ? "false" : "true");
		for (int i = 0; i < n_miss; i++) {
			printf(i ? "," : "");
			anpr_json_write_string(stdout, miss[i]);
		}
		printf("]");
		if (set)
			printf(
			    ",\"thresholds\":{\"captured_min_pct\":%g,\"exact_min_pct\":%g,\"misread_max_"
			    "pct\":%g,"
			    "\"duplicates_max\":%ld,\"false_reads_max_pct\":%g,\"latency_p95_max_ms\":%ld}",
			    set->captured_min_pct, set->exact_min_pct, set->misread_max_pct,
			    set->duplicates_max, set->false_reads_max_pct, set->latency_p95_max_ms);
		printf(",\"clips\":[");
		for (int i = 0; i < n_rows; i++) {
			const row *rw = &rows[i];
			printf("%s{\"name\":", i ? "," : "");
			anpr_json_write_string(stdout, rw->name);
			printf(",\"synth\":");
			anpr_json_write_string(stdout, rw->synth[0] ? rw->synth : NULL);
			printf(",\"width\":%d,\"height\":%d,\"clip_fps\":%.2f,", rw->r.width, rw->r.height,
			       rw->r.clip_fps);
			print_json_figures(&rw->r.score, rw->frames, rw->lat_p50, rw->lat_p95,
					   rw->r.latency_valid, rw->r.fps, rw->r.frames_dropped,
					   rw->r.peak_rss_mib);
			if (rw->gen_s >= 0)
				printf(",\"generate_s\":%.1f}", rw->gen_s);
			else
				printf(",\"generate_s\":null}");
		}
		printf("]}\n");
	} else {
		printf("| clip | vehicles | captured %% | exact %% | misread %% | missed %% | duplicates | "
		       "false reads | "
		       "latency p50 ms | p95 ms | fps | dropped | peak RSS MiB | generated s |\n");
		printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
		for (int i = 0; i < n_rows; i++)
			print_table_row(rows[i].name, &rows[i].r.score, rows[i].lat_p50, rows[i].lat_p95,
					rows[i].r.latency_valid, rows[i].r.fps, rows[i].r.frames_dropped,
					rows[i].r.peak_rss_mib, rows[i].gen_s);
		if (n_rows > 1)
			print_table_row("**total**", &t.s, t.lat_p50, t.lat_p95, t.latency_valid, t.fps,
					t.dropped, t.peak_rss, t.gen_s);
		printf("\n%d vehicles (%d more never fully in view, not scored), %d reads; pace %s%s%s.\n",
		       t.s.vehicles, t.s.unseen, t.s.reads,
		       cfg.realtime ? "realtime" : "fast (latency not measured)",
		       o.qemu ? ", anprd under qemu-aarch64" : "", t.rejected ? ", SOME READS REJECTED" : "");
		if (set) {
			printf("Thresholds of set %s: captured >= %g%%, exact >= %g%%, misread <= %g%%, "
			       "duplicates <= %ld, "
			       "false reads <= %g%%, latency p95 <= %ld ms: %s\n",
			       set->name, set->captured_min_pct, set->exact_min_pct, set->misread_max_pct,
			       set->duplicates_max, set->false_reads_max_pct, set->latency_p95_max_ms,
			       n_miss ? "BELOW" : "pass");
			for (int i = 0; i < n_miss; i++)
				printf("  short: %s\n", miss[i]);
		}
	}
	status = n_miss ? EXIT_BELOW : EXIT_PASS;
out:
	for (int i = 0; rows && i < n_rows; i++)
		anpr_replay_result_clear(&rows[i].r);
	free(rows);
	anpr_manifest_free(m);
	return status;
}
