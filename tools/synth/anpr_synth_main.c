/* SPDX-License-Identifier: MIT */
/* anpr-synth: writes seeded synthetic UK plate scenes, Tesseract training strips, roadside clips, or random marks. */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "exit_codes.h"
#include "rng.h"
#include "synth_clip.h"
#include "synth_scene.h"
#include "synth_strip.h"
#include "synth.h"
#include "version.h"
#include "vrm_gen.h"

/* Hard caps on what one run writes. */
#define MAX_COUNT 1000000L
#define MAX_JOBS 64
#define PATH_LEN 4096

/* Each subcommand draws from its own family of streams, so a set of strips never repeats a benchmark's marks. */
enum { STREAM_PLATES = 1, STREAM_STRIPS = 2, STREAM_VRM = 3, STREAM_CLIP = 4 };

static const char k_usage[] =
    "Usage: anpr-synth COMMAND [OPTION]...\n"
    "Seeded synthetic UK number plates: the same seed gives byte-identical output.\n\n"
    "Commands:\n"
    "  plates   camera-like scenes with a plate, ground truth and a manifest\n"
    "  strips   grey line images of plate text for Tesseract training\n"
    "  clip     a roadside video of passing vehicles with per-frame plate ground truth\n"
    "  vrm      random valid registration marks with their format names\n\n"
    "anpr-synth COMMAND --help describes each. --version prints the version.\n"
    "Exit status: 0 success, 1 failure while writing, 64 usage error.\n";

static const char k_usage_plates[] =
    "Usage: anpr-synth plates --seed N --count K --out DIR [OPTION]...\n"
    "Writes K scenes DIR/synth_NNNNN.jpg, each with DIR/synth_NNNNN.txt holding one\n"
    "TAB-separated line `file x y w h PLATE` (the plate's axis-aligned box; PLATE upper\n"
    "case without spaces), and DIR/manifest.tsv with every parameter drawn per image.\n\n"
    "  --seed N          seed of the set (decimal or 0x hex)\n"
    "  --count K         number of images, 1..1000000\n"
    "  --out DIR         output folder (created if missing)\n"
    "  --mix NAME        realistic (default), clean or hard; see docs/synthetic-plates.md\n"
    "  --frame WxH       frame size, 64x64..8192x8192 (default 1280x720)\n"
    "  --format FMT      jpg (default) or png (after the same JPEG degradation)\n"
    "  --first I         index of the first image (default 0): image I of a set is the\n"
    "                    same whatever --first and --count, so one image can be redone\n"
    "  --jobs J          worker threads, 1..64 (default: online CPUs); output does not\n"
    "                    depend on it\n"
    "  --help            this text\n";

static const char k_usage_strips[] =
    "Usage: anpr-synth strips --seed N --count K --out DIR [OPTION]...\n"
    "Writes K grey line images DIR/strip_NNNNN.png with DIR/strip_NNNNN.gt.txt (the text\n"
    "with the group space, e.g. `AB12 CDE`) for Tesseract LSTM training, and\n"
    "DIR/manifest.tsv. Some strips are composed from real UK character tiles when the\n"
    "tile set is there (labels.tsv: file<TAB>char); they are read, never copied.\n\n"
    "  --seed N          seed (decimal or 0x hex)\n"
    "  --count K         number of strips, 1..1000000\n"
    "  --out DIR         output folder (created if missing)\n"
    "  --gb-chars DIR    character tiles (default <repo>/../shared/data/gb-chars;\n"
    "                    skipped with a message when that is absent)\n"
    "  --no-gb-chars     font strips only\n"
    "  --tile-share P    share of strips made from tiles, 0..1 (default 0.3)\n"
    "  --first I         index of the first strip (default 0)\n"
    "  --jobs J          worker threads, 1..64 (default: online CPUs)\n"
    "  --help            this text\n";

static const char k_usage_vrm[] =
    "Usage: anpr-synth vrm --seed N --count K [--format NAME] [--first I]\n"
    "Prints K random valid UK marks, one per line: MARK<TAB>DISPLAY<TAB>FORMAT.\n\n"
    "  --seed N          seed (decimal or 0x hex)\n"
    "  --count K         number of marks, 1..1000000\n"
    "  --format NAME     only this format: uk-current, uk-prefix, uk-suffix,\n"
    "                    uk-dateless, uk-ni or uk-q (default: the roads' mix)\n"
    "  --first I         index of the first mark (default 0)\n"
    "  --help            this text\n";

static const char k_usage_clip[] =
    "Usage: anpr-synth clip --seed N --out PATH [OPTION]...\n"
    "Writes a video of vehicles passing a fixed pole-mounted camera (PATH.avi: MJPEG,\n"
    "PATH.mp4: H.264) and its ground truth: a header line, then one JSON object per vehicle:\n"
    "mark, lane, direction, speed, the frames its plate is fully visible in and its box in\n"
    "each. See docs/synthetic-plates.md.\n\n"
    "  --seed N            seed (decimal or 0x hex)\n"
    "  --out PATH          the video, .avi or .mp4\n"
    "  --truth PATH        the ground truth (default: PATH without its extension + .truth.jsonl)\n"
    "  --frame WxH         frame size, 64x64..8192x8192 (default 1920x1080)\n"
    "  --fps N             frames per second, 25..60 (default 25)\n"
    "  --duration S        seconds, up to 3600 (default 60, or 1.5 s per vehicle)\n"
    "  --vehicles N        vehicles, 1..10000 (default 40, or one per 1.5 s)\n"
    "  --lanes N           lanes, 1..3 (default 1)\n"
    "  --direction D       towards (front plates, default), away (rear plates) or mixed\n"
    "                      (left lanes away, right lanes towards; 2 or 3 lanes)\n"
    "  --look L            day (default), ir (night, IR illuminator) or mixed (the camera\n"
    "                      switches between vehicles)\n"
    "  --hard-share P      share of vehicles with a hard case, 0..1 (default 0.1)\n"
    "  --foreign-share P   share of EU-style foreign plates, 0..1 (default 0.05)\n"
    "  --jobs J            rendering threads, 1..64 (default: online CPUs less the one that\n"
    "                      encodes); the video does not depend on it\n"
    "  --stills DIR        also write every --stills-every'th rendered frame (before the\n"
    "                      codec) as DIR/frame_NNNNN.jpg with DIR/frame_NNNNN.txt holding the\n"
    "                      fully visible plates (`file x y w h PLATE` lines, for anpr-read --bench)\n"
    "  --stills-every K    1..100000 (default 25)\n"
    "  --help              this text\n";

typedef enum { CMD_PLATES, CMD_STRIPS, CMD_VRM } command;

typedef struct options {
	command cmd;
	uint64_t seed;
	long count, first;
	bool have_seed, have_count;
	const char *out;
	anpr_synth_mix mix;
	int frame_w, frame_h;
	bool png;
	int jobs;
	char gb_chars[PATH_LEN];
	bool gb_explicit, no_gb;
	double tile_share;
	bool one_format;
	anpr_vrm_gen_format format;
} options;

/* ---- Argument parsing ---- */

static int usage_error(const char *cmd, const char *fmt, ...) ANPR_PRINTF(2, 3);

static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "anpr-synth%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'anpr-synth%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
	return ANPR_EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = (uint64_t)v;
	return true;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	uint64_t v;

	if (!parse_u64(s, &v) || v > (uint64_t)hi || (long)v < lo)
		return false;
	*out = (long)v;
	return true;
}

static bool parse_frame(const char *s, int *w, int *h)
{
	char buf[32], *x;
	long a, b;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	x = strchr(buf, 'x');
	if (!x)
		return false;
	*x = '\0';
	if (!parse_long(buf, 64, ANPR_IMAGE_MAX_SIDE, &a) || !parse_long(x + 1, 64, ANPR_IMAGE_MAX_SIDE, &b))
		return false;
	*w = (int)a;
	*h = (int)b;
	return true;
}

static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n;
}

enum {
	OPT_SEED = 256,
	OPT_COUNT,
	OPT_OUT,
	OPT_MIX,
	OPT_FRAME,
	OPT_FORMAT,
	OPT_FIRST,
	OPT_JOBS,
	OPT_GB,
	OPT_NO_GB,
	OPT_SHARE,
	OPT_HELP
};

static const char *option_name(const struct option *opts, int val)
{
	for (; opts->name; opts++) {
		if (opts->val == val)
			return opts->name;
	}
	return "?";
}

/* Returns -1 to go on, else the exit status (help printed, or a usage error). */
static int parse_args(int argc, char **argv, options *o)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "mix", required_argument, NULL, OPT_MIX },
		{ "frame", required_argument, NULL, OPT_FRAME },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "first", required_argument, NULL, OPT_FIRST },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "gb-chars", required_argument, NULL, OPT_GB },
		{ "no-gb-chars", no_argument, NULL, OPT_NO_GB },
		{ "tile-share", required_argument, NULL, OPT_SHARE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = { "plates", "strips", "vrm" };
	const char *cmd = names[o->cmd];
	const char *help = o->cmd == CMD_PLATES   ? k_usage_plates
			   : o->cmd == CMD_STRIPS ? k_usage_strips
						  : k_usage_vrm;
	long v;
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		/* Each command takes only its own options. */
		const bool plates_only =
		    opt == OPT_MIX || opt == OPT_FRAME || (opt == OPT_FORMAT && o->cmd != CMD_VRM);
		const bool strips_only = opt == OPT_GB || opt == OPT_NO_GB || opt == OPT_SHARE;
		if ((plates_only && o->cmd != CMD_PLATES) || (strips_only && o->cmd != CMD_STRIPS) ||
		    ((opt == OPT_OUT || opt == OPT_JOBS) && o->cmd == CMD_VRM))
			return usage_error(cmd, "option '--%s' does not apply to this command",
					   option_name(opts, opt));
		switch (opt) {
		case OPT_SEED:
			if (!parse_u64(optarg, &o->seed))
				return usage_error(cmd, "--seed wants an unsigned 64-bit number, not '%s'",
						   optarg);
			o->have_seed = true;
			break;
		case OPT_COUNT:
			if (!parse_long(optarg, 1, MAX_COUNT, &o->count))
				return usage_error(cmd, "--count wants 1..1000000, not '%s'", optarg);
			o->have_count = true;
			break;
		case OPT_FIRST:
			if (!parse_long(optarg, 0, 1000000000L, &o->first))
				return usage_error(cmd, "--first wants 0..1000000000, not '%s'", optarg);
			break;
		case OPT_OUT:
			if (!*optarg || strlen(optarg) > 1024)
				return usage_error(
				    cmd, "--out wants a folder path (at most 1024 bytes), not '%s'", optarg);
			o->out = optarg;
			break;
		case OPT_MIX:
			if (anpr_synth_mix_parse(optarg, &o->mix) != ANPR_ERR_OK)
				return usage_error(cmd, "--mix wants realistic, clean or hard, not '%s'",
						   optarg);
			break;
		case OPT_FRAME:
			if (!parse_frame(optarg, &o->frame_w, &o->frame_h))
				return usage_error(cmd, "--frame wants WxH with each side 64..8192, not '%s'",
						   optarg);
			break;
		case OPT_FORMAT:
			if (o->cmd == CMD_VRM) {
				if (anpr_vrm_gen_format_parse(optarg, &o->format) != ANPR_ERR_OK)
					return usage_error(cmd,
							   "--format wants uk-current, uk-prefix, uk-suffix, "
							   "uk-dateless, uk-ni or uk-q, not '%s'",
							   optarg);
				o->one_format = true;
			} else if (strcmp(optarg, "jpg") == 0 || strcmp(optarg, "png") == 0) {
				o->png = optarg[0] == 'p';
			} else {
				return usage_error(cmd, "--format wants jpg or png, not '%s'", optarg);
			}
			break;
		case OPT_JOBS:
			if (!parse_long(optarg, 1, MAX_JOBS, &v))
				return usage_error(cmd, "--jobs wants 1..64, not '%s'", optarg);
			o->jobs = (int)v;
			break;
		case OPT_GB:
			if (!*optarg || strlen(optarg) > 256)
				return usage_error(
				    cmd, "--gb-chars wants a folder path (at most 256 bytes), not '%s'",
				    optarg);
			snprintf(o->gb_chars, sizeof(o->gb_chars), "%s", optarg);
			o->gb_explicit = true;
			break;
		case OPT_NO_GB:
			o->no_gb = true;
			break;
		case OPT_SHARE: {
			char *end;
			errno = 0;
			o->tile_share = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(o->tile_share >= 0 && o->tile_share <= 1))
				return usage_error(cmd, "--tile-share wants a number 0..1, not '%s'", optarg);
			break;
		}
		case OPT_HELP:
			fputs(help, stdout);
			return ANPR_EXIT_OK;
		case ':':
			return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->have_seed)
		return usage_error(cmd, "%s", "--seed is required");
	if (!o->have_count)
		return usage_error(cmd, "%s", "--count is required");
	if (o->cmd != CMD_VRM && !o->out)
		return usage_error(cmd, "%s", "--out is required");
	return -1;
}

/* ---- Files ---- */

/* mkdir -p. */
static bool make_dirs(const char *path)
{
	char buf[PATH_LEN];
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return false;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return false;
		*p = '/';
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return false;
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Writes a file whole: to NAME.tmp first, then renamed, so a crash never leaves half an image. */
static bool write_file(const char *path, const void *data, size_t len)
{
	char tmp[PATH_LEN + 8];
	FILE *f;
	bool ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return false;
	f = fopen(tmp, "wb");
	if (!f)
		return false;
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	if (ok)
		ok = rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	return ok;
}

/* ---- Workers ---- */

typedef struct job {
	const options *o;
	const anpr_synth_tiles *tiles;
	atomic_long next; /* next index to claim, from o->first */
	atomic_int failed;
	pthread_mutex_t lock; /* guards the message and the timings */
	char message[512];
	int64_t render_ns, encode_ns, write_ns;
} job;

static void fail(job *j, const char *fmt, ...) ANPR_PRINTF(2, 3);

/* Records the first failure; the other workers stop at their next item. */
static void fail(job *j, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&j->lock);
	if (!atomic_load(&j->failed)) {
		va_start(ap, fmt);
		vsnprintf(j->message, sizeof(j->message), fmt, ap);
		va_end(ap);
		atomic_store(&j->failed, 1);
	}
	pthread_mutex_unlock(&j->lock);
}

static uint64_t image_seed(const options *o, long index)
{
	const uint64_t stream = o->cmd == CMD_PLATES   ? STREAM_PLATES
				: o->cmd == CMD_STRIPS ? STREAM_STRIPS
						       : STREAM_VRM;

	return anpr_rng_derive(o->seed, (stream << 48) ^ (uint64_t)index);
}

/*
 * Writes an item's image (taking buf, which is freed) and its text file, and
 * adds the stage times to the job's totals. False, with the job failed, when
 * either write fails.
 */
static bool write_item(job *j, const char *image_path, uint8_t *buf, size_t len, const char *text_path,
		       const char *text, size_t text_len, int64_t t0, int64_t t1, int64_t t2)
{
	bool ok = write_file(image_path, buf, len);
	const char *failed = ok ? text_path : image_path;

	free(buf);
	ok = ok && write_file(text_path, text, text_len);
	const int64_t t3 = anpr_clock_mono_ns();
	if (!ok) {
		fail(j, "cannot write %s: %s", failed, strerror(errno));
		return false;
	}
	pthread_mutex_lock(&j->lock);
	j->render_ns += t1 - t0;
	j->encode_ns += t2 - t1;
	j->write_ns += t3 - t2;
	pthread_mutex_unlock(&j->lock);
	return true;
}

static bool plate_item(job *j, anpr_synth *s, long i, anpr_image *frame)
{
	const options *o = j->o;
	anpr_synth_scene sc;
	anpr_synth_truth truth;
	anpr_rng rng;
	uint8_t *buf = NULL;
	size_t len = 0;
	char name[32], path[PATH_LEN], line[256];
	anpr_err err;

	anpr_rng_seed(&rng, image_seed(o, i));
	const int64_t t0 = anpr_clock_mono_ns();
	err = anpr_synth_scene_draw(s, &rng, o->mix, o->frame_w, o->frame_h, &sc);
	if (!err)
		err = anpr_synth_render_scene(s, &sc, frame, &truth);
	const int64_t t1 = anpr_clock_mono_ns();
	if (!err)
		err = anpr_synth_scene_encode(&sc, frame, o->png, &buf, &len);
	const int64_t t2 = anpr_clock_mono_ns();
	if (err) {
		fail(j, "image %ld: %s", i, anpr_strerror(err));
		return false;
	}
	snprintf(name, sizeof(name), "synth_%05ld.%s", i, o->png ? "png" : "jpg");
	snprintf(path, sizeof(path), "%s/%s", o->out, name);
	const int n = snprintf(line, sizeof(line), "%s\t%d\t%d\t%d\t%d\t%s\n", name, truth.box.x, truth.box.y,
			       truth.box.width, truth.box.height, sc.plate.vrm.text);
	char text_path[PATH_LEN];
	snprintf(text_path, sizeof(text_path), "%s/synth_%05ld.txt", o->out, i);
	return write_item(j, path, buf, len, text_path, line, (size_t)n, t0, t1, t2);
}

static bool strip_item(job *j, anpr_synth *s, long i, anpr_image *img)
{
	const options *o = j->o;
	anpr_synth_strip st;
	anpr_rng rng;
	uint8_t *buf = NULL;
	size_t len = 0;
	char path[PATH_LEN], text[32];
	anpr_err err;

	anpr_rng_seed(&rng, image_seed(o, i));
	const int64_t t0 = anpr_clock_mono_ns();
	err = anpr_synth_strip_draw(s, j->tiles, o->tile_share, &rng, &st);
	if (!err)
		err = anpr_synth_render_strip(s, j->tiles, &st, img);
	const int64_t t1 = anpr_clock_mono_ns();
	if (!err)
		err = anpr_cv_encode_png(img, &buf, &len);
	const int64_t t2 = anpr_clock_mono_ns();
	if (err) {
		fail(j, "strip %ld: %s", i, anpr_strerror(err));
		return false;
	}
	snprintf(path, sizeof(path), "%s/strip_%05ld.png", o->out, i);
	const int n = snprintf(text, sizeof(text), "%s\n", st.plate.vrm.display);
	char text_path[PATH_LEN];
	snprintf(text_path, sizeof(text_path), "%s/strip_%05ld.gt.txt", o->out, i);
	return write_item(j, path, buf, len, text_path, text, (size_t)n, t0, t1, t2);
}

static void *worker(void *arg)
{
	job *j = arg;
	anpr_synth *s = NULL;
	anpr_image img = { 0 };
	anpr_err err = anpr_synth_open(NULL, &s);

	if (err) {
		fail(j, "cannot open the renderer: %s%s", anpr_strerror(err),
		     err == ANPR_ERR_NOT_FOUND ? " (install fonts-liberation and fonts-roboto-unhinted)"
					       : "");
		return NULL;
	}
	const long end = j->o->first + j->o->count;
	for (;;) {
		const long i = atomic_fetch_add(&j->next, 1);
		if (i >= end || atomic_load(&j->failed))
			break;
		if (!(j->o->cmd == CMD_PLATES ? plate_item(j, s, i, &img) : strip_item(j, s, i, &img)))
			break;
	}
	anpr_image_free(&img);
	anpr_synth_close(s);
	return NULL;
}

/* manifest.tsv: a comment line naming the run, the column names, one row per item (drawn again here: cheap). */
static bool write_manifest(const options *o, const anpr_synth *s, const anpr_synth_tiles *tiles)
{
	char path[PATH_LEN], row[2048];
	anpr_rng rng;
	FILE *f;
	bool ok = true;

	snprintf(path, sizeof(path), "%s/manifest.tsv", o->out);
	f = fopen(path, "w");
	if (!f)
		return false;
	if (o->cmd == CMD_PLATES)
		fprintf(f,
			"# anpr-synth %s plates seed=%" PRIu64
			" mix=%s frame=%dx%d format=%s first=%ld count=%ld\n",
			ANPR_VERSION, o->seed, anpr_synth_mix_name(o->mix), o->frame_w, o->frame_h,
			o->png ? "png" : "jpg", o->first, o->count);
	else
		fprintf(f,
			"# anpr-synth %s strips seed=%" PRIu64
			" tiles=%zu tile_share=%.2f first=%ld count=%ld\n",
			ANPR_VERSION, o->seed, anpr_synth_tiles_count(tiles), tiles ? o->tile_share : 0.0,
			o->first, o->count);
	fprintf(f, "index\tfile\timage_seed\t%s\n",
		o->cmd == CMD_PLATES ? anpr_synth_scene_columns() : anpr_synth_strip_columns());
	for (long i = o->first; ok && i < o->first + o->count; i++) {
		const uint64_t seed = image_seed(o, i);
		anpr_rng_seed(&rng, seed);
		if (o->cmd == CMD_PLATES) {
			anpr_synth_scene sc;
			ok = anpr_synth_scene_draw(s, &rng, o->mix, o->frame_w, o->frame_h, &sc) ==
				 ANPR_ERR_OK &&
			     anpr_synth_scene_row(&sc, row, sizeof(row)) < (int)sizeof(row);
			ok = ok && fprintf(f, "%ld\tsynth_%05ld.%s\t0x%016" PRIx64 "\t%s\n", i, i,
					   o->png ? "png" : "jpg", seed, row) > 0;
		} else {
			anpr_synth_strip st;
			ok = anpr_synth_strip_draw(s, tiles, o->tile_share, &rng, &st) == ANPR_ERR_OK &&
			     anpr_synth_strip_row(&st, row, sizeof(row)) < (int)sizeof(row);
			ok = ok &&
			     fprintf(f, "%ld\tstrip_%05ld.png\t0x%016" PRIx64 "\t%s\n", i, i, seed, row) > 0;
		}
	}
	ok = fclose(f) == 0 && ok;
	return ok;
}

static anpr_synth_tiles *open_tiles(options *o, int *status)
{
	anpr_synth_tiles *t = NULL;
	char diag[256];

	*status = -1;
	if (o->no_gb)
		return NULL;
	if (!o->gb_explicit) {
		char resolved[PATH_MAX];
		snprintf(o->gb_chars, sizeof(o->gb_chars), "%s/../shared/data/gb-chars",
			 ANPR_SYNTH_REPO_ROOT);
		/* Shown to the user, so without the "..". */
		if (realpath(o->gb_chars, resolved))
			snprintf(o->gb_chars, sizeof(o->gb_chars), "%s", resolved);
	}
	anpr_err err = anpr_synth_tiles_load(o->gb_chars, &t, diag, sizeof(diag));
	if (err == ANPR_ERR_NOT_FOUND && !o->gb_explicit) {
		fprintf(
		    stderr,
		    "anpr-synth strips: no character tiles at %s (../shared/data/gb-chars beside the repo); "
		    "writing font strips only\n",
		    o->gb_chars);
		return NULL;
	}
	if (err) {
		fprintf(stderr, "anpr-synth strips: cannot load tiles from %s: %s%s%s\n", o->gb_chars,
			anpr_strerror(err), diag[0] ? ": " : "", diag);
		*status = ANPR_EXIT_FAILURE;
		return NULL;
	}
	fprintf(stderr, "anpr-synth strips: %zu character tiles from %s\n", anpr_synth_tiles_count(t),
		o->gb_chars);
	return t;
}

static int run_set(options *o)
{
	pthread_t threads[MAX_JOBS];
	anpr_synth *s = NULL;
	anpr_synth_tiles *tiles = NULL;
	job j;
	int started = 0, status = ANPR_EXIT_FAILURE;
	const char *what = o->cmd == CMD_PLATES ? "plates" : "strips";

	memset(&j, 0, sizeof(j));
	if (o->cmd == CMD_STRIPS) {
		tiles = open_tiles(o, &status);
		if (status >= 0)
			return status;
		status = ANPR_EXIT_FAILURE;
	}
	anpr_err err = anpr_synth_open(NULL, &s);
	if (err) {
		fprintf(stderr, "anpr-synth %s: cannot open the renderer: %s%s\n", what, anpr_strerror(err),
			err == ANPR_ERR_NOT_FOUND ? " (install fonts-liberation and fonts-roboto-unhinted)"
						  : "");
		goto out;
	}
	if (!make_dirs(o->out)) {
		fprintf(stderr, "anpr-synth %s: cannot create %s: %s\n", what, o->out, strerror(errno));
		goto out;
	}
	if (!write_manifest(o, s, tiles)) {
		fprintf(stderr, "anpr-synth %s: cannot write %s/manifest.tsv\n", what, o->out);
		goto out;
	}
	j.o = o;
	j.tiles = tiles;
	atomic_init(&j.next, o->first);
	atomic_init(&j.failed, 0);
	pthread_mutex_init(&j.lock, NULL);
	const int64_t t0 = anpr_clock_mono_ns();
	const int jobs = (long)o->jobs > o->count ? (int)o->count : o->jobs;
	for (int i = 0; i < jobs; i++) {
		if (pthread_create(&threads[i], NULL, worker, &j) != 0) {
			fail(&j, "cannot start a worker thread");
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	const double secs = (double)(anpr_clock_mono_ns() - t0) / 1e9;
	pthread_mutex_destroy(&j.lock);
	if (atomic_load(&j.failed)) {
		fprintf(stderr, "anpr-synth %s: %s\n", what, j.message);
		goto out;
	}
	const double per = 1e6 * (double)o->count;
	fprintf(stderr,
		"anpr-synth %s: wrote %ld to %s in %.2f s with %d threads; per item: render %.1f ms, encode "
		"%.1f ms, "
		"write %.1f ms\n",
		what, o->count, o->out, secs, started, (double)j.render_ns / per, (double)j.encode_ns / per,
		(double)j.write_ns / per);
	status = ANPR_EXIT_OK;
out:
	anpr_synth_close(s);
	anpr_synth_tiles_free(tiles);
	return status;
}

static int run_vrm(const options *o)
{
	anpr_rng rng;
	anpr_vrm_mark m;

	for (long i = o->first; i < o->first + o->count; i++) {
		anpr_rng_seed(&rng, image_seed(o, i));
		anpr_err err = o->one_format ? anpr_vrm_gen_random_format(&rng, o->format, &m)
					     : anpr_vrm_gen_random(&rng, NULL, &m);
		if (err) {
			fprintf(stderr, "anpr-synth vrm: %s\n", anpr_strerror(err));
			return ANPR_EXIT_FAILURE;
		}
		if (printf("%s\t%s\t%s\n", m.text, m.display, anpr_vrm_gen_format_name(m.format)) < 0)
			return ANPR_EXIT_FAILURE;
	}
	return fflush(stdout) == 0 ? ANPR_EXIT_OK : ANPR_EXIT_FAILURE;
}

/* ---- clip ---- */

typedef struct clip_options {
	anpr_synth_clip_cfg cfg;
	bool have_seed, have_duration, have_vehicles;
	const char *out, *truth, *stills;
	long stills_every;
	int jobs;
	char truth_buf[PATH_LEN];
} clip_options;

enum {
	CLIP_SEED = 256,
	CLIP_OUT,
	CLIP_TRUTH,
	CLIP_FRAME,
	CLIP_FPS,
	CLIP_DURATION,
	CLIP_VEHICLES,
	CLIP_LANES,
	CLIP_DIRECTION,
	CLIP_LOOK,
	CLIP_HARD,
	CLIP_FOREIGN,
	CLIP_JOBS,
	CLIP_STILLS,
	CLIP_STILLS_EVERY,
	CLIP_HELP
};

static bool parse_share(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && *out >= lo && *out <= hi;
}

/* Returns -1 to go on, else the exit status. */
static int parse_clip_args(int argc, char **argv, clip_options *o)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, CLIP_SEED },
		{ "out", required_argument, NULL, CLIP_OUT },
		{ "truth", required_argument, NULL, CLIP_TRUTH },
		{ "frame", required_argument, NULL, CLIP_FRAME },
		{ "fps", required_argument, NULL, CLIP_FPS },
		{ "duration", required_argument, NULL, CLIP_DURATION },
		{ "vehicles", required_argument, NULL, CLIP_VEHICLES },
		{ "lanes", required_argument, NULL, CLIP_LANES },
		{ "direction", required_argument, NULL, CLIP_DIRECTION },
		{ "look", required_argument, NULL, CLIP_LOOK },
		{ "hard-share", required_argument, NULL, CLIP_HARD },
		{ "foreign-share", required_argument, NULL, CLIP_FOREIGN },
		{ "jobs", required_argument, NULL, CLIP_JOBS },
		{ "stills", required_argument, NULL, CLIP_STILLS },
		{ "stills-every", required_argument, NULL, CLIP_STILLS_EVERY },
		{ "help", no_argument, NULL, CLIP_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = "clip";
	long v;
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case CLIP_SEED:
			if (!parse_u64(optarg, &o->cfg.seed))
				return usage_error(cmd, "--seed wants an unsigned 64-bit number, not '%s'",
						   optarg);
			o->have_seed = true;
			break;
		case CLIP_OUT:
			if (!anpr_synth_clip_fourcc(optarg) || strlen(optarg) > 1024)
				return usage_error(cmd, "--out wants a path ending in .avi or .mp4, not '%s'",
						   optarg);
			o->out = optarg;
			break;
		case CLIP_TRUTH:
			if (!*optarg || strlen(optarg) > 1024)
				return usage_error(cmd, "--truth wants a file path, not '%s'", optarg);
			o->truth = optarg;
			break;
		case CLIP_FRAME:
			if (!parse_frame(optarg, &o->cfg.frame_w, &o->cfg.frame_h))
				return usage_error(cmd, "--frame wants WxH with each side 64..8192, not '%s'",
						   optarg);
			break;
		case CLIP_FPS:
			if (!parse_long(optarg, 25, 60, &v))
				return usage_error(cmd, "--fps wants 25..60, not '%s'", optarg);
			o->cfg.fps = (int)v;
			break;
		case CLIP_DURATION:
			if (!parse_share(optarg, 0.1, ANPR_SYNTH_CLIP_MAX_SECONDS, &o->cfg.duration_s))
				return usage_error(cmd, "--duration wants seconds, 0.1..3600, not '%s'",
						   optarg);
			o->have_duration = true;
			break;
		case CLIP_VEHICLES:
			if (!parse_long(optarg, 1, ANPR_SYNTH_CLIP_MAX_VEHICLES, &v))
				return usage_error(cmd, "--vehicles wants 1..10000, not '%s'", optarg);
			o->cfg.vehicles = (int)v;
			o->have_vehicles = true;
			break;
		case CLIP_LANES:
			if (!parse_long(optarg, 1, 3, &v))
				return usage_error(cmd, "--lanes wants 1..3, not '%s'", optarg);
			o->cfg.lanes = (int)v;
			break;
		case CLIP_DIRECTION:
			if (anpr_synth_clip_dir_parse(optarg, &o->cfg.direction) != ANPR_ERR_OK)
				return usage_error(cmd, "--direction wants towards, away or mixed, not '%s'",
						   optarg);
			break;
		case CLIP_LOOK:
			if (anpr_synth_clip_look_parse(optarg, &o->cfg.look) != ANPR_ERR_OK)
				return usage_error(cmd, "--look wants day, ir or mixed, not '%s'", optarg);
			break;
		case CLIP_HARD:
			if (!parse_share(optarg, 0, 1, &o->cfg.hard_share))
				return usage_error(cmd, "--hard-share wants a number 0..1, not '%s'", optarg);
			break;
		case CLIP_FOREIGN:
			if (!parse_share(optarg, 0, 1, &o->cfg.foreign_share))
				return usage_error(cmd, "--foreign-share wants a number 0..1, not '%s'",
						   optarg);
			break;
		case CLIP_JOBS:
			if (!parse_long(optarg, 1, MAX_JOBS, &v))
				return usage_error(cmd, "--jobs wants 1..64, not '%s'", optarg);
			o->jobs = (int)v;
			break;
		case CLIP_STILLS:
			if (!*optarg || strlen(optarg) > 1024)
				return usage_error(cmd, "--stills wants a folder path, not '%s'", optarg);
			o->stills = optarg;
			break;
		case CLIP_STILLS_EVERY:
			if (!parse_long(optarg, 1, 100000, &o->stills_every))
				return usage_error(cmd, "--stills-every wants 1..100000, not '%s'", optarg);
			break;
		case CLIP_HELP:
			fputs(k_usage_clip, stdout);
			return ANPR_EXIT_OK;
		case ':':
			return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!o->have_seed)
		return usage_error(cmd, "%s", "--seed is required");
	if (!o->out)
		return usage_error(cmd, "%s", "--out is required");
	if (o->cfg.direction == ANPR_SYNTH_DIR_MIXED && o->cfg.lanes < 2)
		return usage_error(cmd, "%s", "--direction mixed needs --lanes 2 or 3");
	/* Given one of duration and vehicles, the other follows from it. */
	if (o->have_duration && !o->have_vehicles)
		o->cfg.vehicles = 0;
	if (o->have_vehicles && !o->have_duration)
		o->cfg.duration_s = 0;
	if (!o->truth) {
		const char *dot = strrchr(o->out, '.');
		snprintf(o->truth_buf, sizeof(o->truth_buf), "%.*s.truth.jsonl", (int)(dot - o->out), o->out);
		o->truth = o->truth_buf;
	}
	return -1;
}

typedef struct stills_ctx {
	const clip_options *o;
	const anpr_synth_clip *clip;
} stills_ctx;

/* Writes every stills_every'th frame as JPEG with the fully visible plates beside it. */
static bool write_still(void *arg, int frame, const anpr_image *img)
{
	const stills_ctx *sc = arg;
	char name[32], path[PATH_LEN], text[4096];
	uint8_t *jpg = NULL;
	size_t len = 0, used = 0;

	if (frame % sc->o->stills_every != 0)
		return true;
	if (anpr_cv_encode_jpeg(img, 95, &jpg, &len) != ANPR_ERR_OK)
		return false;
	snprintf(name, sizeof(name), "frame_%05d.jpg", frame);
	snprintf(path, sizeof(path), "%s/%s", sc->o->stills, name);
	bool ok = write_file(path, jpg, len);
	free(jpg);
	for (int i = 0; ok && i < anpr_synth_clip_vehicle_count(sc->clip); i++) {
		const anpr_synth_clip_box *b;
		const int n = anpr_synth_clip_boxes(sc->clip, i, &b);
		for (int k = 0; k < n && used < sizeof(text) - 128; k++) {
			if (b[k].frame != frame)
				continue;
			used +=
			    (size_t)snprintf(text + used, sizeof(text) - used, "%s\t%d\t%d\t%d\t%d\t%s\n",
					     name, b[k].box.x, b[k].box.y, b[k].box.width, b[k].box.height,
					     anpr_synth_clip_vehicle_at(sc->clip, i)->plate.vrm.text);
		}
	}
	snprintf(path, sizeof(path), "%s/frame_%05d.txt", sc->o->stills, frame);
	return ok && write_file(path, text, used);
}

static int run_clip(int argc, char **argv)
{
	clip_options o;
	anpr_synth_clip *clip = NULL;
	anpr_synth_clip_stats st;
	char diag[256], tmp[PATH_LEN + 8];
	FILE *f = NULL;
	int status;

	memset(&o, 0, sizeof(o));
	anpr_synth_clip_cfg_init(&o.cfg);
	/* The calling thread encodes the video, the slowest stage: leave it a core. */
	o.jobs = default_jobs() > 1 ? default_jobs() - 1 : 1;
	o.stills_every = 25;
	status = parse_clip_args(argc, argv, &o);
	if (status >= 0)
		return status;
	status = ANPR_EXIT_FAILURE;
	const uint64_t seed = o.cfg.seed;
	o.cfg.seed = anpr_rng_derive(seed, (uint64_t)STREAM_CLIP << 48);
	anpr_err err = anpr_synth_clip_plan(&o.cfg, &clip, diag, sizeof(diag));
	if (err == ANPR_ERR_RANGE || err == ANPR_ERR_INVAL) {
		status = usage_error("clip", "%s", diag[0] ? diag : anpr_strerror(err));
		goto out;
	}
	if (err) {
		fprintf(stderr, "anpr-synth clip: cannot plan the clip: %s\n", anpr_strerror(err));
		goto out;
	}
	if (o.stills && !make_dirs(o.stills)) {
		fprintf(stderr, "anpr-synth clip: cannot create %s: %s\n", o.stills, strerror(errno));
		goto out;
	}
	/* The truth first (it is cheap): a clip without its truth is of no use. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", o.truth);
	f = fopen(tmp, "w");
	bool ok = f && anpr_synth_clip_write_truth(clip, f) == ANPR_ERR_OK;
	ok = f && fclose(f) == 0 && ok;
	ok = ok && rename(tmp, o.truth) == 0;
	if (!ok) {
		fprintf(stderr, "anpr-synth clip: cannot write %s: %s\n", o.truth, strerror(errno));
		if (f)
			unlink(tmp);
		goto out;
	}
	stills_ctx sc = { &o, clip };
	err = anpr_synth_clip_write_video(clip, o.out, o.jobs, o.stills ? write_still : NULL, &sc, &st);
	if (err) {
		fprintf(stderr, "anpr-synth clip: cannot write %s: %s\n", o.out, anpr_strerror(err));
		goto out;
	}
	const anpr_synth_clip_cfg *cfg = anpr_synth_clip_config(clip);
	int hard = 0, foreign = 0, unseen = 0, ir = 0;
	for (int i = 0; i < cfg->vehicles; i++) {
		const anpr_synth_clip_vehicle *v = anpr_synth_clip_vehicle_at(clip, i);
		hard += v->hard != 0;
		foreign += v->foreign;
		unseen += v->seen_frames == 0;
		ir += v->plate.ir;
	}
	fprintf(stderr,
		"anpr-synth clip: wrote %s (%d frames %dx%d at %d fps, %.1f s; %d vehicles on %d lane%s, %s, "
		"%d in IR, %d hard, %d foreign, %d never fully seen) and %s in %.1f s with %d threads; "
		"per frame: render %.1f ms, encode and write %.1f ms\n",
		o.out, anpr_synth_clip_frames(clip), cfg->frame_w, cfg->frame_h, cfg->fps, cfg->duration_s,
		cfg->vehicles, cfg->lanes, cfg->lanes == 1 ? "" : "s",
		anpr_synth_clip_dir_name(cfg->direction), ir, hard, foreign, unseen, o.truth, st.wall_s,
		st.threads, st.render_ms, st.write_ms);
	status = ANPR_EXIT_OK;
out:
	anpr_synth_clip_free(clip);
	return status;
}

int main(int argc, char **argv)
{
	options o;
	int status;

	memset(&o, 0, sizeof(o));
	o.mix = ANPR_SYNTH_MIX_REALISTIC;
	o.frame_w = 1280;
	o.frame_h = 720;
	o.jobs = default_jobs();
	o.tile_share = 0.3;
	if (argc < 2) {
		fputs(k_usage, stderr);
		return ANPR_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(k_usage, stdout);
		return ANPR_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("anpr-synth %s (opencv %s)\n", ANPR_VERSION, anpr_cv_version());
		return ANPR_EXIT_OK;
	}
	if (strcmp(argv[1], "plates") == 0)
		o.cmd = CMD_PLATES;
	else if (strcmp(argv[1], "strips") == 0)
		o.cmd = CMD_STRIPS;
	else if (strcmp(argv[1], "vrm") == 0)
		o.cmd = CMD_VRM;
	else if (strcmp(argv[1], "clip") == 0)
		return run_clip(argc - 1, argv + 1);
	else
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	status = parse_args(argc - 1, argv + 1, &o);
	if (status >= 0)
		return status;
	return o.cmd == CMD_VRM ? run_vrm(&o) : run_set(&o);
}
