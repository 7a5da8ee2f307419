/* SPDX-License-Identifier: MIT */
/* Thermal zone reading, alarm, throttle and heater with hysteresis. */
#define ANPR_LOG_TAG "thermal"
#include "thermal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define NO_READING LLONG_MIN

struct anpr_thermal {
	anpr_thermal_cfg cfg; /* zone and sysfs_root are not kept */
	char path[600];       /* the temp file */
	atomic_llong milli;   /* last reading, NO_READING before one */
	atomic_bool alarm, throttled, heater;
	bool warned; /* a failed read has been logged */
};

anpr_err anpr_thermal_parse(const char *text, size_t len, double *celsius)
{
	long long v = 0;
	size_t i = 0;
	bool neg = false;

	if (len > ANPR_THERMAL_FILE_MAX)
		return ANPR_ERR_TOO_BIG;
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (i < len && (text[i] == '-' || text[i] == '+'))
		neg = text[i++] == '-';
	if (i == len)
		return ANPR_ERR_FORMAT;
	for (; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return ANPR_ERR_FORMAT;
		if (v > 10000000)
			return ANPR_ERR_RANGE;
		v = v * 10 + (text[i] - '0');
	}
	if (neg)
		v = -v;
	if (v < -273150 || v > 1000000)
		return ANPR_ERR_RANGE;
	*celsius = (double)v / 1000.0;
	return ANPR_ERR_OK;
}

/* Reads a small file whole; ANPR_ERR_TOO_BIG past cap bytes. */
static anpr_err read_small(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return errno == ENOENT ? ANPR_ERR_NOT_FOUND : ANPR_ERR_IO;
	n = fread(buf, 1, cap + 1, f);
	bool bad = ferror(f) != 0;
	fclose(f);
	if (bad)
		return ANPR_ERR_IO;
	if (n > cap)
		return ANPR_ERR_TOO_BIG;
	*len = n;
	return ANPR_ERR_OK;
}

/* SYSFS: the zone directory called zone, or whose type is zone. */
static anpr_err find_zone(anpr_thermal *t, const char *root, const char *zone)
{
	char p[600], type[64];
	size_t n;
	DIR *d;
	struct dirent *e;
	anpr_err err = ANPR_ERR_NOT_FOUND;

	if (strchr(zone, '/') || strlen(zone) > 64)
		return ANPR_ERR_INVAL;
	snprintf(p, sizeof(p), "%s/%s/temp", root, zone);
	FILE *f = fopen(p, "r");
	if (f) {
		fclose(f);
		snprintf(t->path, sizeof(t->path), "%s", p);
		return ANPR_ERR_OK;
	}
	d = opendir(root);
	if (!d) {
		ANPR_LOGE("no thermal zones: cannot open %s", root);
		return ANPR_ERR_NOT_FOUND;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "thermal_zone", 12) != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s/type", root, e->d_name);
		if (read_small(p, type, sizeof(type) - 1, &n) != ANPR_ERR_OK)
			continue;
		type[n] = '\0';
		if (n > 0 && type[n - 1] == '\n')
			type[n - 1] = '\0';
		if (strcmp(type, zone) == 0) {
			snprintf(t->path, sizeof(t->path), "%s/%s/temp", root, e->d_name);
			err = ANPR_ERR_OK;
			break;
		}
	}
	closedir(d);
	if (err)
		ANPR_LOGE("no thermal zone called or of type '%s' under %s", zone, root);
	return err;
}

anpr_err anpr_thermal_open(const anpr_thermal_cfg *cfg, anpr_thermal **out)
{
	anpr_thermal *t;
	anpr_err err = ANPR_ERR_OK;

	*out = NULL;
	if (cfg->backend > ANPR_THERMAL_SYSFS || (cfg->backend != ANPR_THERMAL_NONE && !cfg->zone))
		return ANPR_ERR_INVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ANPR_ERR_NOMEM;
	t->cfg = *cfg;
	t->cfg.zone = NULL;
	t->cfg.sysfs_root = NULL;
	atomic_init(&t->milli, NO_READING);
	if (cfg->backend == ANPR_THERMAL_SIM) {
		if (strlen(cfg->zone) >= sizeof(t->path))
			err = ANPR_ERR_INVAL;
		else
			snprintf(t->path, sizeof(t->path), "%s", cfg->zone);
	} else if (cfg->backend == ANPR_THERMAL_SYSFS) {
		err = find_zone(t, cfg->sysfs_root ? cfg->sysfs_root : "/sys/class/thermal", cfg->zone);
	}
	if (err) {
		free(t);
		return err;
	}
	*out = t;
	return ANPR_ERR_OK;
}

void anpr_thermal_close(anpr_thermal *t)
{
	free(t);
}

void anpr_thermal_set_limits(anpr_thermal *t, double throttle_c, double alarm_c, double hysteresis_c,
			     double heater_below_c)
{
	t->cfg.throttle_c = throttle_c;
	t->cfg.alarm_c = alarm_c;
	t->cfg.hysteresis_c = hysteresis_c;
	t->cfg.heater_below_c = heater_below_c;
}

/* A flag with hysteresis: set at or above on_at, cleared below on_at - hyst. Returns true on a change. */
static bool hysteresis(atomic_bool *flag, double c, double on_at, double hyst)
{
	bool was = atomic_load(flag);
	bool now = was ? c >= on_at - hyst : c >= on_at;

	atomic_store(flag, now);
	return now != was;
}

anpr_err anpr_thermal_poll(anpr_thermal *t)
{
	char buf[ANPR_THERMAL_FILE_MAX + 1];
	size_t n = 0;
	double c = 0;
	anpr_err err;

	if (!t || t->cfg.backend == ANPR_THERMAL_NONE)
		return ANPR_ERR_OK;
	err = read_small(t->path, buf, ANPR_THERMAL_FILE_MAX, &n);
	if (!err)
		err = anpr_thermal_parse(buf, n, &c);
	if (err) {
		/* A simulation without its file is a PC without a thermometer: worth a note, not a warning. */
		if (!t->warned && t->cfg.backend == ANPR_THERMAL_SIM && err == ANPR_ERR_NOT_FOUND)
			ANPR_LOGI("simulated temperature: no %s yet, no reading", t->path);
		else if (!t->warned)
			ANPR_LOGW("no temperature from %s: %s", t->path, anpr_strerror(err));
		t->warned = true;
		return err;
	}
	t->warned = false;
	atomic_store(&t->milli, (long long)llround(c * 1000.0));
	if (hysteresis(&t->throttled, c, t->cfg.throttle_c, t->cfg.hysteresis_c)) {
		if (atomic_load(&t->throttled))
			ANPR_LOGW("%.1f C: at or above %.1f C, the plate readers are cut to one", c,
				  t->cfg.throttle_c);
		else
			ANPR_LOGI("%.1f C: cool again, the plate readers are all back", c);
	}
	if (hysteresis(&t->alarm, c, t->cfg.alarm_c, t->cfg.hysteresis_c)) {
		if (atomic_load(&t->alarm))
			ANPR_LOGE("%.1f C: thermal alarm (at or above %.1f C)", c, t->cfg.alarm_c);
		else
			ANPR_LOGW("%.1f C: thermal alarm cleared", c);
	}
	/* The heater is the mirror image: on below its limit, off hysteresis_c above it. */
	bool was = atomic_load(&t->heater);
	bool heat = was ? c < t->cfg.heater_below_c + t->cfg.hysteresis_c : c < t->cfg.heater_below_c;
	atomic_store(&t->heater, heat);
	if (heat != was)
		ANPR_LOGI("%.1f C: window heater %s", c, heat ? "on" : "off");
	return ANPR_ERR_OK;
}

double anpr_thermal_read_c(const anpr_thermal *t)
{
	long long m = t ? atomic_load(&t->milli) : NO_READING;

	return m == NO_READING ? (double)NAN : (double)m / 1000.0;
}

bool anpr_thermal_alarm(const anpr_thermal *t)
{
	return t && atomic_load(&t->alarm);
}

bool anpr_thermal_throttled(const anpr_thermal *t)
{
	return t && atomic_load(&t->throttled);
}

bool anpr_thermal_heater(const anpr_thermal *t)
{
	return t && atomic_load(&t->heater);
}
