/* SPDX-License-Identifier: MIT */
/* anpr-diag camera (aim, focus), readtest and log: what anprd streams, drawn for an 80-column serial console. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "clock.h"
#include "cmdline.h"
#include "diag.h"

/* Aim preview geometry: 64 x 20 characters, 10 brightness levels. */
#define AIM_COLS 64
#define AIM_ROWS 20
#define AIM_FPS 4
#define LINE_BAUD_BPS 11520 /* 115200 baud 8N1: 10 bits per byte */
static const char ramp[] = " .:-=+*#%@";

static const char *clean(const char *s, char *buf, size_t n)
{
	size_t o = 0;
	for (; s && *s && o + 1 < n; s++)
		buf[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	buf[o] = '\0';
	return buf;
}

static double num(const anpr_json *v, const char *path, double def)
{
	double x;
	return anpr_ctl_num(v, path, &x) ? x : def;
}

/* A number, or "-" when anprd does not know it (null). */
static const char *opt_num(const anpr_json *v, const char *path, int decimals, char *buf, size_t len)
{
	double x;
	if (!anpr_ctl_num(v, path, &x))
		return "-";
	snprintf(buf, len, "%.*f", decimals, x);
	return buf;
}

static int camera_info(anpr_diag *d)
{
	char why[256], a[48], b[48];
	anpr_json *r = NULL;
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));

	if (!ctl) {
		out(d, "anprd is not answering (%s): the camera is only reachable through it.\n",
		    clean(why, a, 60));
		return DIAG_FAIL;
	}
	anpr_err err = anpr_ctl_call(ctl, "camera", NULL, DIAG_STATUS_TIMEOUT_MS, &r, why, sizeof(why));
	anpr_ctl_close(ctl);
	if (err) {
		out(d, "anprd: %s\n", clean(why, a, 70));
		return DIAG_FAIL;
	}
	const anpr_json *s = anpr_json_get(r, "result");
	const char *sensor = anpr_ctl_str(s, "sensor"), *pf = anpr_ctl_str(s, "pixel_format");
	const char *ir = anpr_ctl_str(s, "ir.mode");
	char e[32], g[32];
	out(d, "Source    %s, sensor %s\n", clean(anpr_ctl_str(s, "backend"), a, 20),
	    clean(sensor ? sensor : "-", b, 40));
	out(d, "Mode      %.0f x %.0f at %.1f fps, %s\n", num(s, "width", 0), num(s, "height", 0),
	    num(s, "fps", 0), clean(pf ? pf : "-", a, 16));
	out(d, "Exposure  %s us (limit %.0f us)\n", opt_num(s, "exposure_us", 0, e, sizeof(e)),
	    num(s, "exposure_max_us", 0));
	out(d, "Gain      %s (limit %.2f)\n", opt_num(s, "gain", 2, g, sizeof(g)), num(s, "gain_max", 0));
	out(d, "IR        %s\n", clean(ir ? ir : "unknown", a, 16));
	anpr_json_free(r);
	return DIAG_OK;
}

typedef struct aim_state {
	size_t frame_bytes;
	unsigned frames;
	int64_t first_ms;
	unsigned char luma[160 * 60];
} aim_state;

static void aim_event(anpr_diag *d, const anpr_json *ev, void *ctx)
{
	aim_state *st = ctx;
	const char *b64 = anpr_ctl_str(ev, "luma");
	double cols = num(ev, "cols", 0), rows = num(ev, "rows", 0);
	size_t n = 0;
	char frame[AIM_ROWS * (AIM_COLS + 1) + 160];
	size_t o = 0;

	if (!b64 || cols != AIM_COLS || rows != AIM_ROWS ||
	    mbedtls_base64_decode(st->luma, sizeof(st->luma), &n, (const unsigned char *)b64, strlen(b64)) !=
		0 ||
	    n != AIM_COLS * AIM_ROWS) {
		out(d, "(a preview frame was malformed; skipped)\n");
		return;
	}
	if (st->frames++ == 0)
		st->first_ms = anpr_clock_mono_ms();
	double fps = 0;
	int64_t dt = anpr_clock_mono_ms() - st->first_ms;
	if (dt > 0 && st->frames > 1)
		fps = (st->frames - 1) * 1000.0 / (double)dt;
	if (anpr_term_ansi(d->term)) {
		memcpy(frame, "\x1b[H", 3); /* cursor home: redraw in place, no scrolling, no clearing */
		o = 3;
	}
	o += (size_t)snprintf(frame + o, sizeof(frame) - o,
			      "Aim: frame %-6u %4.1f fps  %zu bytes/frame  Ctrl-C stops\n", st->frames, fps,
			      st->frame_bytes);
	for (int y = 0; y < AIM_ROWS; y++) {
		for (int x = 0; x < AIM_COLS; x++)
			frame[o++] = ramp[st->luma[y * AIM_COLS + x] * 10 / 256];
		frame[o++] = '\n';
	}
	anpr_term_write(d->term, frame, o);
}

static int camera_aim(anpr_diag *d)
{
	char why[256], args[128], a[80];
	anpr_json *final = NULL;
	aim_state *st = calloc(1, sizeof(*st));
	int rc;

	if (!st)
		return DIAG_FAIL;
	/* Bytes on the wire per frame: cursor home, the title line, 20 rows of 64 + CR LF. */
	st->frame_bytes = 3 + 62 + AIM_ROWS * (AIM_COLS + 2);
	double max_fps = (double)LINE_BAUD_BPS / (double)st->frame_bytes;
	int fps = anpr_term_ansi(d->term) ? AIM_FPS : 1;
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	if (!ctl) {
		out(d, "anprd is not answering (%s): no picture without it.\n", clean(why, a, 60));
		free(st);
		return DIAG_FAIL;
	}
	out(d, "Preview %dx%d, %zu bytes a frame: up to %.1f frames/s at 115200 baud; asking %d.\n", AIM_COLS,
	    AIM_ROWS, st->frame_bytes, max_fps, fps);
	if (anpr_term_ansi(d->term))
		anpr_term_write(d->term, "\x1b[H\x1b[2J", 7);
	snprintf(args, sizeof(args), "{\"cols\":%d,\"rows\":%d,\"fps\":%d,\"seconds\":600}", AIM_COLS,
		 AIM_ROWS, fps);
	rc = diag_stream(d, ctl, "preview", args, aim_event, st, false, &final);
	out(d, "\n%u frames shown.\n", st->frames);
	anpr_json_free(final);
	anpr_ctl_close(ctl);
	free(st);
	return rc;
}

typedef struct focus_state {
	double best;
	unsigned events;
} focus_state;

static void focus_event(anpr_diag *d, const anpr_json *ev, void *ctx)
{
	focus_state *st = ctx;
	double sharp = num(ev, "sharpness", 0);
	char bar[31], widths[40] = "";
	size_t o = 0;

	st->events++;
	if (sharp > st->best)
		st->best = sharp;
	int fill = st->best > 0 ? (int)lround(30.0 * sharp / st->best) : 0;
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	const anpr_json *w = anpr_json_get(ev, "plate_widths_px");
	for (size_t i = 0; w && w->type == ANPR_JSON_ARRAY && i < w->n && i < 5; i++)
		if (w->items[i].type == ANPR_JSON_NUMBER)
			o += (size_t)snprintf(widths + o, sizeof(widths) - o, "%s%.0f", i ? " " : "",
					      w->items[i].number);
	/* One line redrawn in place: sharpness now, best so far, plate widths in pixels. */
	out(d, "%s%8.1f [%s] best %8.1f  plates %-12.12s%s", anpr_term_ansi(d->term) ? "\r\x1b[K" : "", sharp,
	    bar, st->best, o ? widths : "-", anpr_term_ansi(d->term) ? "" : "\n");
}

static int camera_focus(anpr_diag *d)
{
	char why[256], a[80];
	anpr_json *final = NULL;
	focus_state st = { 0, 0 };
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));

	if (!ctl) {
		out(d, "anprd is not answering (%s).\n", clean(why, a, 60));
		return DIAG_FAIL;
	}
	out(d, "Focus: turn the lens for the highest sharpness; plate widths in pixels. Ctrl-C stops.\n");
	int rc = diag_stream(d, ctl, "focus", "{\"fps\":2,\"seconds\":600}", focus_event, &st, false, &final);
	out(d, "\nBest sharpness %.1f over %u samples.\n", st.best, st.events);
	anpr_json_free(final);
	anpr_ctl_close(ctl);
	return rc;
}

int cmd_camera(anpr_diag *d, int argc, char **argv)
{
	if (argc == 1)
		return camera_info(d);
	if (argc == 2 && strcmp(argv[1], "aim") == 0)
		return camera_aim(d);
	if (argc == 2 && strcmp(argv[1], "focus") == 0)
		return camera_focus(d);
	return DIAG_USAGE;
}

typedef struct readtest_state {
	bool show_text;
	unsigned reads;
} readtest_state;

static void readtest_event(anpr_diag *d, const anpr_json *ev, void *ctx)
{
	readtest_state *st = ctx;
	char when[40], country[8], plate_text[24];
	double utc = num(ev, "utc_ms", 0);

	st->reads++;
	diag_fmt_utc((int64_t)utc, when, sizeof(when));
	clean(anpr_ctl_str(ev, "country"), country, sizeof(country));
	out(d, "%4u  %s  confidence %.2f  frames %3.0f  %-3s", st->reads, when + 11, num(ev, "confidence", 0),
	    num(ev, "frames", 0), country);
	/* Plate text only for the supervisor role, whatever anprd sent. */
	if (st->show_text && anpr_ctl_str(ev, "text"))
		out(d, "  %s", clean(anpr_ctl_str(ev, "text"), plate_text, sizeof(plate_text)));
	out(d, "\n");
}

int cmd_readtest(anpr_diag *d, int argc, char **argv)
{
	char why[256], args[96], a[80];
	long seconds = 30;
	anpr_json *final = NULL;
	readtest_state st = { d->role == ANPR_ROLE_SUPERVISOR, 0 };

	if (argc > 2 || (argc == 2 && anpr_cmdline_number(argv[1], 1, 600, &seconds) != ANPR_ERR_OK)) {
		out(d, "SECONDS is a whole number from 1 to 600.\n");
		return DIAG_USAGE;
	}
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	if (!ctl) {
		out(d, "anprd is not answering (%s): recognition runs inside it.\n", clean(why, a, 60));
		return DIAG_FAIL;
	}
	out(d, "Reading plates for %ld s%s. Ctrl-C stops.\n", seconds,
	    st.show_text ? " (plate text shown: supervisor)" : " (plate text hidden for the engineer role)");
	snprintf(args, sizeof(args), "{\"seconds\":%ld,\"plates\":%s}", seconds,
		 st.show_text ? "true" : "false");
	int rc = diag_stream(d, ctl, "readtest", args, readtest_event, &st, false, &final);
	const anpr_json *r = anpr_json_get(final, "result");
	if (r) {
		out(d,
		    "Reads %.0f in %.0f s; confidence min %.2f, mean %.2f, max %.2f; below threshold %.0f\n",
		    num(r, "reads", 0), num(r, "seconds", 0), num(r, "confidence_min", 0),
		    num(r, "confidence_mean", 0), num(r, "confidence_max", 0),
		    num(r, "below_min_confidence", 0));
	} else {
		out(d, "Stopped after %u reads.\n", st.reads);
	}
	anpr_json_free(final);
	anpr_ctl_close(ctl);
	return rc;
}

static void log_event(anpr_diag *d, const anpr_json *ev, void *ctx)
{
	(void)ctx;
	const char *line = anpr_ctl_str(ev, "line");
	if (line)
		anpr_term_put_untrusted(d->term, line, ANPR_TERM_COLS);
	const anpr_json *lines = anpr_json_get(ev, "lines");
	for (size_t i = 0; lines && lines->type == ANPR_JSON_ARRAY && i < lines->n; i++)
		if (lines->items[i].type == ANPR_JSON_STRING)
			anpr_term_put_untrusted(d->term, lines->items[i].string, ANPR_TERM_COLS);
}

int cmd_log(anpr_diag *d, int argc, char **argv)
{
	long n = 20;
	bool follow = false, have_n = false;
	char why[256], args[96], nbuf[16];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0) {
			follow = true;
		} else if (!have_n && anpr_cmdline_number(argv[i], 1, 1000, &n) == ANPR_ERR_OK) {
			have_n = true;
		} else {
			out(d, "N is a whole number from 1 to 1000.\n");
			return DIAG_USAGE;
		}
	}
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	if (ctl) {
		anpr_json *final = NULL;
		snprintf(args, sizeof(args), "{\"lines\":%ld,\"follow\":%s}", n, follow ? "true" : "false");
		int rc = diag_stream(d, ctl, "log", args, log_event, NULL, follow, &final);
		const anpr_json *r = anpr_json_get(final, "result");
		if (r)
			log_event(d, r, NULL);
		anpr_json_free(final);
		anpr_ctl_close(ctl);
		return rc;
	}
	/* anprd down: the journal, never at debug level (only debug lines may hold plate text). */
	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	out(d, "anprd is not answering; from the journal:\n");
	const char *jargv[] = { d->journalctl,
				"-u",
				"anprd",
				"-n",
				nbuf,
				"-p",
				"info",
				"--no-pager",
				"-o",
				"short-iso",
				follow ? "-f" : NULL,
				NULL };
	int rc = diag_run(d, jargv, NULL, 0, follow ? 24 * 3600 * 1000 : 15000);
	if (rc < 0) {
		out(d, "journalctl is not available on this system.\n");
		return DIAG_FAIL;
	}
	return DIAG_OK;
}
