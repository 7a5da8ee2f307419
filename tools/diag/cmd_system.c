/* SPDX-License-Identifier: MIT */
/* anpr-diag selftest, service and reboot: the whole unit checked in one go, and systemd driven without a shell. */
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "clockstat.h"
#include "diag.h"
#include "keys.h"
#include "keystore.h"
#include "spool.h"

#define DISK_MIN_FREE_BYTES (100.0 * 1000 * 1000)

typedef struct tally {
	unsigned pass, fail, skip;
} tally;

static void report(anpr_diag *d, tally *t, const char *mark, const char *what, const char *why)
{
	char line[160], reason[64];
	size_t o = 0;

	for (const char *s = why; *s && o + 1 < sizeof(reason); s++)
		reason[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	reason[o] = '\0';
	if (strcmp(mark, "PASS") == 0)
		t->pass++;
	else if (strcmp(mark, "FAIL") == 0)
		t->fail++;
	else
		t->skip++;
	/* The mark may carry colour sequences: pad by the word, not the bytes. */
	snprintf(line, sizeof(line), "%s%*s %-22s %.50s\n", diag_mark(d, mark), (int)(5 - strlen(mark)), "",
		 what, reason);
	out(d, "%s", line);
}

static void check_buffer(anpr_diag *d, tally *t, anpr_ctl *ctl)
{
	char why[256];
	anpr_json *r = NULL;

	if (ctl) {
		if (anpr_ctl_call(ctl, "buffer", "{\"check\":true}", 120000, &r, why, sizeof(why)) !=
		    ANPR_ERR_OK) {
			report(d, t, "FAIL", "buffer integrity", why);
			return;
		}
		bool ok = false;
		double recs = 0, bad = 0;
		(void)anpr_ctl_bool(r, "result.check.ok", &ok);
		(void)anpr_ctl_num(r, "result.check.records", &recs);
		(void)anpr_ctl_num(r, "result.check.corrupt", &bad);
		snprintf(why, sizeof(why), "%.0f records read, %.0f corrupt", recs, bad);
		report(d, t, ok ? "PASS" : "FAIL", "buffer integrity", why);
		anpr_json_free(r);
		return;
	}
	if (strcmp(diag_cfg_str(d, ANPR_KEY_STORE_BACKEND), "spool") != 0) {
		report(d, t, "SKIP", "buffer integrity", "store.backend is folder (development)");
		return;
	}
	uint8_t key[ANPR_KEYSTORE_KEY_LEN];
	anpr_spool_inspection in;
	if (anpr_keystore_load(diag_cfg_str(d, ANPR_KEY_STORE_KEY_FILE), false, key, why, sizeof(why)) !=
	    ANPR_ERR_OK) {
		report(d, t, "FAIL", "buffer integrity", why);
		return;
	}
	anpr_err err = anpr_spool_inspect(diag_cfg_str(d, ANPR_KEY_STORE_DIR), key, true, &in);
	memset(key, 0, sizeof(key));
	if (err == ANPR_ERR_NOT_FOUND) {
		report(d, t, "SKIP", "buffer integrity", "no ring buffer on disk yet");
		return;
	}
	if (err) {
		report(d, t, "FAIL", "buffer integrity", anpr_strerror(err));
		return;
	}
	snprintf(why, sizeof(why), "%llu records read from disk, %llu bad", (unsigned long long)in.checked,
		 (unsigned long long)in.bad);
	report(d, t, in.bad == 0 && in.check_done ? "PASS" : "FAIL", "buffer integrity", why);
}

int cmd_selftest(anpr_diag *d, int argc, char **argv)
{
	tally t = { 0, 0, 0 };
	char why[256];
	anpr_json *r = NULL;
	(void)argv;

	if (argc != 1)
		return DIAG_USAGE;
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	report(d, &t, ctl ? "PASS" : "FAIL", "anprd running", ctl ? "answering on the control socket" : why);

	if (ctl &&
	    anpr_ctl_call(ctl, "status", NULL, DIAG_STATUS_TIMEOUT_MS, &r, why, sizeof(why)) == ANPR_ERR_OK) {
		const char *state = anpr_ctl_str(r, "result.camera.state");
		double fps = 0;
		(void)anpr_ctl_num(r, "result.camera.fps", &fps);
		bool ok = state && strcmp(state, "running") == 0 && fps > 0;
		snprintf(why, sizeof(why), "%s, %.1f frames/s", state ? state : "unknown", fps);
		report(d, &t, ok ? "PASS" : "FAIL", "camera frames", why);
	} else {
		report(d, &t, "SKIP", "camera frames", "needs anprd");
	}
	anpr_json_free(r);

	anpr_config *c = NULL;
	anpr_settings_src src = d->src;
	src.n_overrides = 0;
	if (anpr_settings_load(&src, &c, why, sizeof(why)) == ANPR_ERR_OK)
		report(d, &t, "PASS", "configuration valid",
		       d->src.site_file ? d->src.site_file : "board and defaults");
	else
		report(d, &t, "FAIL", "configuration valid", why);
	anpr_config_free(c);

	why[0] = '\0';
	report(d, &t, diag_check_key(d, why, sizeof(why)) == DIAG_OK ? "PASS" : "FAIL", "device key", why);

	double days = 0;
	int cr = diag_check_cert(d, &days, why, sizeof(why));
	if (cr != DIAG_OK && !*diag_cfg_str(d, ANPR_KEY_UPLINK_URL))
		report(d, &t, "SKIP", "certificate expiry", "no uplink configured");
	else
		report(d, &t, cr == DIAG_OK ? "PASS" : "FAIL", "certificate expiry", why);

	anpr_clock_state cs;
	anpr_clockstat_read(&cs);
	snprintf(why, sizeof(why),
		 cs.synchronised ? "synchronised, error %.1f ms" : "not synchronised (chrony/NTP?)",
		 cs.est_error_ms);
	report(d, &t, cs.synchronised ? "PASS" : "FAIL", "clock synchronised", why);

	struct statvfs vfs;
	const char *dir = diag_cfg_str(d, ANPR_KEY_STORE_DIR);
	if (statvfs(dir, &vfs) != 0) {
		report(d, &t, "FAIL", "disk space", "data folder missing");
	} else {
		double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
		double total = (double)vfs.f_blocks * (double)vfs.f_frsize;
		char b[32];
		diag_fmt_bytes(avail, b, sizeof(b));
		snprintf(why, sizeof(why), "%s free (%.0f%%)", b, total > 0 ? 100.0 * avail / total : 0.0);
		report(d, &t, avail >= DISK_MIN_FREE_BYTES && avail >= total * 0.05 ? "PASS" : "FAIL",
		       "disk space", why);
	}

	check_buffer(d, &t, ctl);

	int pr = diag_probe_backoffice(d, false, why, sizeof(why));
	report(d, &t, pr == -1 ? "SKIP" : (pr == DIAG_OK ? "PASS" : "FAIL"), "back office reachable", why);

	anpr_ctl_close(ctl);
	out(d, "%u passed, %u failed, %u skipped\n", t.pass, t.fail, t.skip);
	return t.fail ? DIAG_FAIL : DIAG_OK;
}

int cmd_service(anpr_diag *d, int argc, char **argv)
{
	char q[64];

	if (argc != 2 || (strcmp(argv[1], "restart") && strcmp(argv[1], "start") && strcmp(argv[1], "stop")))
		return DIAG_USAGE;
	snprintf(q, sizeof(q), "%s anprd now?", argv[1]);
	q[0] = (char)(q[0] - 'a' + 'A');
	if (!diag_confirm(d, q)) {
		out(d, "Not done.\n");
		return DIAG_FAIL;
	}
	if (anpr_audit_write(d->audit, d->user, anpr_role_name(d->role), "service", argv[1], "confirmed") !=
	    ANPR_ERR_OK) {
		out(d, "Refused: the audit trail cannot be written.\n");
		return DIAG_FAIL;
	}
	const char *sargv[] = { d->systemctl, argv[1], "anprd", NULL };
	int rc = diag_run(d, sargv, NULL, 0, 120000);
	if (rc < 0) {
		out(d, "systemctl is not available here.\n");
		return DIAG_FAIL;
	}
	out(d, rc == 0 ? "Done.\n" : "systemctl failed (status %d).\n", rc);
	return rc == 0 ? DIAG_OK : DIAG_FAIL;
}

int cmd_reboot(anpr_diag *d, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return DIAG_USAGE;
	if (!diag_confirm(d, "Reboot the unit now?")) {
		out(d, "Not done.\n");
		return DIAG_FAIL;
	}
	if (anpr_audit_write(d->audit, d->user, anpr_role_name(d->role), "reboot", NULL, "confirmed") !=
	    ANPR_ERR_OK) {
		out(d, "Refused: the audit trail cannot be written.\n");
		return DIAG_FAIL;
	}
	const char *sargv[] = { d->systemctl, "reboot", NULL };
	int rc = diag_run(d, sargv, NULL, 0, 60000);
	if (rc < 0) {
		out(d, "systemctl is not available here.\n");
		return DIAG_FAIL;
	}
	out(d, rc == 0 ? "Rebooting.\n" : "systemctl failed (status %d).\n", rc);
	return rc == 0 ? DIAG_OK : DIAG_FAIL;
}
