/* SPDX-License-Identifier: MIT */
/* anpr-diag status, clock and buffer: the live state from anprd, or what the disk and kernel say without it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "clock.h"
#include "clockstat.h"
#include "diag.h"
#include "keys.h"
#include "keystore.h"
#include "spool.h"

static double num(const anpr_json *v, const char *path, double def)
{
	double x;
	return anpr_ctl_num(v, path, &x) ? x : def;
}

static const char *str(const anpr_json *v, const char *path, const char *def)
{
	const char *s = anpr_ctl_str(v, path);
	return s ? s : def;
}

/* Copies untrusted text for printing: printable ASCII only, cut at n. */
static const char *clean(const char *s, char *buf, size_t n)
{
	size_t o = 0;
	for (; s && *s && o + 1 < n; s++)
		buf[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	buf[o] = '\0';
	return buf;
}

/* Microseconds at path as "1.234 ms", or "unknown" when anprd reports null. */
static const char *ms_or_unknown(const anpr_json *v, const char *path, char *buf, size_t len)
{
	double us;
	if (!anpr_ctl_num(v, path, &us))
		return "unknown";
	snprintf(buf, len, "%.3f ms", us / 1000.0);
	return buf;
}

static void age_of(const anpr_json *v, const char *path, char *buf, size_t len)
{
	double x;
	bool known = anpr_ctl_num(v, path, &x);
	diag_fmt_age((int64_t)x, known, buf, len);
}

static void print_disk(anpr_diag *d, const char *path)
{
	struct statvfs vfs;
	char f[32], t[32], p[48];

	if (statvfs(path, &vfs) != 0) {
		out(d, "Disk      %s: cannot read (%s)\n", clean(path, p, 40), "missing?");
		return;
	}
	double total = (double)vfs.f_blocks * (double)vfs.f_frsize;
	double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
	diag_fmt_bytes(avail, f, sizeof(f));
	diag_fmt_bytes(total, t, sizeof(t));
	out(d, "Disk      %s: %s free of %s (%.0f%% used)\n", clean(path, p, 36), f, t,
	    total > 0 ? 100.0 * (1.0 - avail / total) : 0.0);
}

static void print_clock_local(anpr_diag *d)
{
	anpr_clock_state cs;
	char now[40];

	anpr_clockstat_read(&cs);
	diag_fmt_utc(anpr_clock_utc_ms(), now, sizeof(now));
	if (cs.synchronised)
		out(d, "Clock     %s synchronised (%s), est. error %.1f ms, max %.1f ms\n", now, cs.source,
		    cs.est_error_ms, cs.max_error_ms);
	else
		out(d, "Clock     %s %sNOT synchronised%s: read times are not evidential\n", now,
		    anpr_term_c(d->term, ANPR_C_RED), anpr_term_c(d->term, ANPR_C_RESET));
}

/* The ring buffer from disk, read-only (anprd down). check also authenticates every record. */
static int buffer_offline(anpr_diag *d, bool check)
{
	anpr_spool_inspection in;
	uint8_t key[ANPR_KEYSTORE_KEY_LEN];
	char why[256], b[32], age[32];
	const uint8_t *k = NULL;

	if (strcmp(diag_cfg_str(d, ANPR_KEY_STORE_BACKEND), "spool") != 0) {
		out(d, "Buffer    store.backend is folder (development): no ring buffer\n");
		return DIAG_OK;
	}
	if (check) {
		if (anpr_keystore_load(diag_cfg_str(d, ANPR_KEY_STORE_KEY_FILE), false, key, why,
				       sizeof(why))) {
			out(d, "Buffer    cannot check: %s\n", why);
			return DIAG_FAIL;
		}
		k = key;
	}
	anpr_err err = anpr_spool_inspect(diag_cfg_str(d, ANPR_KEY_STORE_DIR), k, check, &in);
	memset(key, 0, sizeof(key));
	if (err) {
		out(d, "Buffer    %s: %s\n", diag_cfg_str(d, ANPR_KEY_STORE_DIR), anpr_strerror(err));
		return DIAG_FAIL;
	}
	diag_fmt_bytes((double)in.stats.bytes, b, sizeof(b));
	diag_fmt_age(in.stats.oldest_pending_utc_ms, in.stats.oldest_pending_utc_ms > 0, age, sizeof(age));
	out(d, "Buffer    %" PRIu64 " reads (%s) in %" PRIu32 " segments, read-only from disk\n",
	    in.stats.records, b, in.stats.segments);
	out(d, "          %" PRIu64 " waiting (oldest %s), %" PRIu64 " delivered, %" PRIu64 " refused\n",
	    in.stats.pending, age, in.stats.delivered, in.stats.quarantined);
	out(d, "          corrupt %" PRIu64 ", torn tails %" PRIu64 "; retention %lld days\n",
	    in.stats.corrupt, in.stats.torn,
	    (long long)anpr_config_int(d->cfg, ANPR_KEY_STORE_RETENTION_DAYS));
	if (check)
		out(d, "Check     %" PRIu64 " records read, %" PRIu64 " bad (%lld ms): %s\n", in.checked,
		    in.bad, (long long)in.check_ms,
		    diag_mark(d, in.bad == 0 && in.check_done ? "PASS" : "FAIL"));
	return check && (in.bad > 0 || !in.check_done) ? DIAG_FAIL : DIAG_OK;
}

static void print_service_state(anpr_diag *d)
{
	char state[64] = "";
	const char *argv[] = { d->systemctl, "is-active", "anprd", NULL };
	int rc = diag_run(d, argv, state, sizeof(state), 3000);
	char *nl = strchr(state, '\n');
	if (nl)
		*nl = '\0';
	if (rc < 0 || (rc != 0 && !state[0]))
		out(d, "Service   systemd not available here\n");
	else
		out(d, "Service   anprd is %s\n", state[0] ? clean(state, state, sizeof(state)) : "unknown");
}

int cmd_status(anpr_diag *d, int argc, char **argv)
{
	char why[256], a[48], b[48], c[48], e[48];
	anpr_json *r = NULL;
	(void)argv;

	if (argc != 1)
		return DIAG_USAGE;
	int64_t t0 = anpr_clock_mono_ms();
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	if (!ctl || anpr_ctl_call(ctl, "status", NULL, DIAG_STATUS_TIMEOUT_MS, &r, why, sizeof(why))) {
		anpr_ctl_close(ctl);
		out(d, "%sanprd is not answering%s: ", anpr_term_c(d->term, ANPR_C_YELLOW),
		    anpr_term_c(d->term, ANPR_C_RESET));
		anpr_term_put_untrusted(d->term, why, 58);
		out(d, "What can be seen without it:\n");
		print_service_state(d);
		print_disk(d, diag_cfg_str(d, ANPR_KEY_STORE_DIR));
		print_clock_local(d);
		(void)buffer_offline(d, false);
		return DIAG_FAIL;
	}
	const anpr_json *s = anpr_json_get(r, "result");
	double up = num(s, "uptime_s", 0);
	out(d, "Unit      %s at %s, board %s\n", clean(str(s, "device", "?"), a, 24),
	    clean(str(s, "site", "?"), b, 24), clean(str(s, "board", "?"), c, 20));
	out(d, "Firmware  %s, up %.0f h %02.0f min\n", clean(str(s, "firmware", "?"), a, 40), up / 3600,
	    (double)(((int64_t)up % 3600) / 60));
	out(d, "Camera    %s (%s) %.1f fps; frames %.0f, dropped %.0f, bad %.0f, restarts %.0f\n",
	    clean(str(s, "camera.state", "?"), a, 10), clean(str(s, "camera.source", "?"), b, 10),
	    num(s, "camera.fps", 0), num(s, "camera.frames_captured", 0), num(s, "camera.frames_dropped", 0),
	    num(s, "camera.frames_bad", 0), num(s, "camera.restarts", 0));
	age_of(s, "reads.last_utc_ms", a, sizeof(a));
	out(d, "Reads     last hour %.0f, last day %.0f, total %.0f; last read %s\n",
	    num(s, "reads.last_hour", 0), num(s, "reads.last_day", 0), num(s, "reads.total", 0), a);
	bool configured = true;
	(void)anpr_ctl_bool(s, "uplink.configured", &configured);
	if (!configured) {
		out(d, "Uplink    not configured (uplink.url empty): reads are only stored\n");
	} else {
		age_of(s, "uplink.last_success_utc_ms", a, sizeof(a));
		out(d, "Uplink    %s; last success %s; HTTP %.0f; delivered %.0f, failures %.0f\n",
		    clean(str(s, "uplink.state", "?"), b, 12), a, num(s, "uplink.last_http", 0),
		    num(s, "uplink.delivered", 0), num(s, "uplink.failures", 0));
		const char *le = str(s, "uplink.last_error", "");
		if (*le)
			out(d, "          last error: %s\n", clean(le, e, 48));
	}
	const anpr_json *buf = anpr_json_get(s, "buffer");
	if (!buf || buf->type != ANPR_JSON_OBJECT) {
		out(d, "Buffer    none: store.backend is folder (development)\n");
	} else {
		diag_fmt_bytes(num(s, "buffer.bytes", 0), b, sizeof(b));
		age_of(s, "buffer.oldest_pending_utc_ms", a, sizeof(a));
		out(d, "Buffer    %.0f reads (%s), %.0f waiting, oldest waiting %s\n",
		    num(s, "buffer.records", 0), b, num(s, "buffer.pending", 0),
		    num(s, "buffer.pending", 0) > 0 ? a : "-");
	}
	double total;
	if (!anpr_ctl_num(s, "disk.total_bytes", &total)) {
		out(d, "Disk      the data folder cannot be read\n");
	} else {
		diag_fmt_bytes(num(s, "disk.free_bytes", 0), a, sizeof(a));
		diag_fmt_bytes(total, b, sizeof(b));
		out(d, "Disk      %s free of %s\n", a, b);
	}
	double tc;
	if (anpr_ctl_num(s, "temperature_c", &tc))
		out(d, "Temp      %.1f C\n", tc);
	else
		out(d, "Temp      not measured on this board\n");
	bool synced = false;
	(void)anpr_ctl_bool(s, "clock.synced", &synced);
	out(d, "Clock     %s, offset %s, max error %.1f ms\n", synced ? "synchronised" : "NOT synchronised",
	    ms_or_unknown(s, "clock.offset_us", a, sizeof(a)), num(s, "clock.maxerror_us", 0) / 1000.0);
	const anpr_json *al = anpr_json_get(s, "alarms");
	if (!al || al->type != ANPR_JSON_ARRAY || al->n == 0) {
		out(d, "Alarms    none\n");
	} else {
		for (size_t i = 0; i < al->n && i < 8; i++)
			out(d, "%s%-9s %s%s %s\n", i == 0 ? "" : "", i == 0 ? "Alarms" : "",
			    anpr_term_c(d->term, ANPR_C_RED), clean(str(&al->items[i], "name", "?"), a, 24),
			    clean(str(&al->items[i], "detail", ""), e, 40));
		out(d, "%s", anpr_term_c(d->term, ANPR_C_RESET));
	}
	out(d, "(anprd answered in %lld ms)\n", (long long)(anpr_clock_mono_ms() - t0));
	anpr_json_free(r);
	anpr_ctl_close(ctl);
	return DIAG_OK;
}

int cmd_clock(anpr_diag *d, int argc, char **argv)
{
	char why[128], src[32];
	anpr_json *r = NULL;
	(void)argv;

	if (argc != 1)
		return DIAG_USAGE;
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	if (ctl &&
	    anpr_ctl_call(ctl, "clock", NULL, DIAG_STATUS_TIMEOUT_MS, &r, why, sizeof(why)) == ANPR_ERR_OK) {
		const anpr_json *s = anpr_json_get(r, "result");
		bool synced = false;
		(void)anpr_ctl_bool(s, "synced", &synced);
		out(d, "Source    %s\n", clean(str(s, "source", "unknown"), src, sizeof(src)));
		out(d, "State     %s\n", synced ? "synchronised" : "NOT synchronised");
		char off[32];
		out(d, "Offset    %s (estimated error %.3f ms, max %.3f ms)\n",
		    ms_or_unknown(s, "offset_us", off, sizeof(off)), num(s, "esterror_us", 0) / 1000.0,
		    num(s, "maxerror_us", 0) / 1000.0);
	}
	anpr_json_free(r);
	anpr_ctl_close(ctl);
	print_clock_local(d);
	anpr_clock_state cs;
	anpr_clockstat_read(&cs);
	return cs.synchronised ? DIAG_OK : DIAG_FAIL;
}

int cmd_buffer(anpr_diag *d, int argc, char **argv)
{
	char why[256], b[32], age[32];
	anpr_json *r = NULL;
	bool check = argc == 2 && strcmp(argv[1], "check") == 0;

	if (argc > 2 || (argc == 2 && !check))
		return DIAG_USAGE;
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	if (!ctl) {
		out(d, "anprd is not answering; reading the buffer from disk.\n");
		return buffer_offline(d, check);
	}
	anpr_err err = anpr_ctl_call(ctl, "buffer", check ? "{\"check\":true}" : "{}", check ? 600000 : 5000,
				     &r, why, sizeof(why));
	anpr_ctl_close(ctl);
	if (err) {
		out(d, "anprd: %s\n", clean(why, b, sizeof(b)));
		return DIAG_FAIL;
	}
	const anpr_json *s = anpr_json_get(r, "result");
	diag_fmt_bytes(num(s, "bytes", 0), b, sizeof(b));
	age_of(s, "oldest_pending_utc_ms", age, sizeof(age));
	out(d, "Buffer    %.0f reads (%s), %.0f waiting (oldest %s)\n", num(s, "records", 0), b,
	    num(s, "pending", 0), num(s, "pending", 0) > 0 ? age : "-");
	out(d, "          delivered %.0f, refused %.0f, corrupt %.0f, evicted %.0f, expired %.0f\n",
	    num(s, "delivered", 0), num(s, "quarantined", 0), num(s, "corrupt", 0), num(s, "evicted", 0),
	    num(s, "expired", 0));
	out(d, "          retention %lld days, at most %lld MB\n",
	    (long long)anpr_config_int(d->cfg, ANPR_KEY_STORE_RETENTION_DAYS),
	    (long long)anpr_config_int(d->cfg, ANPR_KEY_STORE_MAX_MB));
	int rc = DIAG_OK;
	if (check) {
		bool ok = false;
		(void)anpr_ctl_bool(s, "check.ok", &ok);
		out(d, "Check     %.0f records read, %.0f corrupt (%.0f ms): %s\n",
		    num(s, "check.records", 0), num(s, "check.corrupt", 0), num(s, "check.ms", 0),
		    diag_mark(d, ok ? "PASS" : "FAIL"));
		rc = ok ? DIAG_OK : DIAG_FAIL;
	}
	anpr_json_free(r);
	return rc;
}
