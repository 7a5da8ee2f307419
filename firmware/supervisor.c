/* SPDX-License-Identifier: MIT */
/* Supervision of the pipeline and the unit's hardware from anprd's main loop. */
#define ANPR_LOG_TAG "supervisor"
#include "supervisor.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "daynight.h"
#include "gpio.h"
#include "health.h"
#include "keys.h"
#include "log.h"

#define LUMA_COLS 16
#define LUMA_ROWS 9
#define DAYNIGHT_EVERY_MS 1000
#define THERMAL_EVERY_MS 5000

struct anpr_supervisor {
	anpr_gpio *gpio;
	anpr_tamper *tamper;
	anpr_thermal *thermal;
	anpr_watchdog *watchdog;
	anpr_watchdog_cfg wcfg;
	char *wdev, *wsim;
	anpr_health health;
	anpr_daynight daynight;
	int64_t last_daynight, last_thermal;
	int workers_cap; /* 1 while throttled, else 0 (no cap) */
	atomic_bool night, healthy;
	bool reported_stuck;
};

static void daynight_cfg(const anpr_config *cfg, anpr_daynight_cfg *d)
{
	d->mode = (anpr_daynight_mode)anpr_config_enum(cfg, ANPR_KEY_IR_MODE);
	d->night_below = (int)anpr_config_int(cfg, ANPR_KEY_IR_NIGHT_BELOW);
	d->day_above = (int)anpr_config_int(cfg, ANPR_KEY_IR_DAY_ABOVE);
	d->dwell_ms = anpr_config_int(cfg, ANPR_KEY_IR_DWELL_S) * 1000;
}

/* Drives the lamp and the filter for the day/night state (lines that are not fitted are skipped). */
static void drive_ir(anpr_supervisor *s, bool night)
{
	if (anpr_gpio_has(s->gpio, ANPR_GPIO_IRCUT) && anpr_gpio_set(s->gpio, ANPR_GPIO_IRCUT, !night))
		ANPR_LOGE("cannot switch the IR-cut filter");
	if (anpr_gpio_has(s->gpio, ANPR_GPIO_ILLUMINATOR) &&
	    anpr_gpio_set(s->gpio, ANPR_GPIO_ILLUMINATOR, night))
		ANPR_LOGE("cannot switch the IR illuminator");
	atomic_store(&s->night, night);
}

static char *dup_or_null(const char *v)
{
	return v && v[0] ? strdup(v) : NULL;
}

anpr_err anpr_supervisor_open(const anpr_config *cfg, anpr_supervisor **out)
{
	anpr_supervisor *s;
	anpr_err err = ANPR_ERR_OK;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ANPR_ERR_NOMEM;
	anpr_health_init(&s->health, anpr_config_int(cfg, ANPR_KEY_WATCHDOG_STALL_S) * 1000);
	atomic_init(&s->healthy, true);
	atomic_init(&s->night, false);

	anpr_gpio_cfg gc = {
		.backend =
		    anpr_config_enum(cfg, ANPR_KEY_GPIO_BACKEND) == 1 ? ANPR_GPIO_GPIOD : ANPR_GPIO_SIM,
		.chip = anpr_config_str(cfg, ANPR_KEY_GPIO_CHIP),
		.sim_file = anpr_config_str(cfg, ANPR_KEY_GPIO_SIM_FILE),
		.line = { (int)anpr_config_int(cfg, ANPR_KEY_GPIO_ILLUMINATOR_LINE),
			  (int)anpr_config_int(cfg, ANPR_KEY_GPIO_IRCUT_LINE),
			  (int)anpr_config_int(cfg, ANPR_KEY_GPIO_TAMPER_LINE),
			  (int)anpr_config_int(cfg, ANPR_KEY_GPIO_HEATER_LINE) },
		.tamper_open_level = (int)anpr_config_int(cfg, ANPR_KEY_TAMPER_OPEN_LEVEL),
	};
	err = anpr_gpio_open(&gc, &s->gpio);
	if (err)
		goto out;
	if (anpr_gpio_has(s->gpio, ANPR_GPIO_TAMPER)) {
		anpr_tamper_cfg tc = {
			.gpio = s->gpio,
			.open_level = gc.tamper_open_level,
			.debounce_ms = (int)anpr_config_int(cfg, ANPR_KEY_TAMPER_DEBOUNCE_MS),
		};
		err = anpr_tamper_open(&tc, &s->tamper);
		if (err)
			goto out;
	}
	anpr_thermal_cfg thc = {
		.backend = (anpr_thermal_backend)anpr_config_enum(cfg, ANPR_KEY_THERMAL_BACKEND),
		.zone = anpr_config_str(cfg, ANPR_KEY_THERMAL_ZONE),
		.throttle_c = anpr_config_real(cfg, ANPR_KEY_THERMAL_THROTTLE_C),
		.alarm_c = anpr_config_real(cfg, ANPR_KEY_THERMAL_ALARM_C),
		.hysteresis_c = anpr_config_real(cfg, ANPR_KEY_THERMAL_HYSTERESIS_C),
		.heater_below_c = anpr_config_real(cfg, ANPR_KEY_THERMAL_HEATER_BELOW_C),
	};
	/* Plates can be read without a thermometer: a missing zone is an error in the log, not a stop. */
	if (thc.backend != ANPR_THERMAL_NONE && anpr_thermal_open(&thc, &s->thermal) != ANPR_ERR_OK)
		ANPR_LOGE("no temperature: thermal zone '%s' not usable; no thermal alarm or throttle",
			  thc.zone);
	anpr_daynight_cfg dc;
	daynight_cfg(cfg, &dc);
	anpr_daynight_init(&s->daynight, &dc);
	drive_ir(s, false);

	s->wdev = strdup(anpr_config_str(cfg, ANPR_KEY_WATCHDOG_DEVICE));
	s->wsim = dup_or_null(anpr_config_str(cfg, ANPR_KEY_WATCHDOG_SIM_FILE));
	if (!s->wdev) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	s->wcfg = (anpr_watchdog_cfg){
		.backend = (anpr_watchdog_backend)anpr_config_enum(cfg, ANPR_KEY_WATCHDOG_BACKEND),
		.device = s->wdev,
		.timeout_s = (int)anpr_config_int(cfg, ANPR_KEY_WATCHDOG_TIMEOUT_S),
		.sim_file = s->wsim,
	};
out:
	if (err) {
		anpr_supervisor_close(s);
		return err;
	}
	*out = s;
	return ANPR_ERR_OK;
}

anpr_err anpr_supervisor_arm(anpr_supervisor *s)
{
	if (s->wcfg.backend == ANPR_WATCHDOG_NONE || s->watchdog)
		return ANPR_ERR_OK;
	return anpr_watchdog_open(&s->wcfg, &s->watchdog);
}

/* Mean of the scene's luma from the pipeline's latest copy; -1 when none yet. */
static double scene_luma(anpr_pipeline *p)
{
	uint8_t px[LUMA_COLS * LUMA_ROWS];
	unsigned sum = 0;

	/* Answers from the copy made after the previous ask, and asks for the next. */
	if (anpr_pipeline_luma(p, LUMA_COLS, LUMA_ROWS, px, NULL, NULL) != ANPR_ERR_OK)
		return -1.0;
	for (size_t i = 0; i < sizeof(px); i++)
		sum += px[i];
	return (double)sum / (double)sizeof(px);
}

bool anpr_supervisor_tick(anpr_supervisor *s, anpr_pipeline *p, bool capturing, int64_t now_ms)
{
	bool healthy = false;

	if (p) {
		anpr_pipeline_stats st;
		anpr_pipeline_get_stats(p, &st);
		/* Frames are expected until a stop is asked for or the source has ended (end of a clip). */
		healthy =
		    anpr_health_update(&s->health, &st, capturing && st.source_error == ANPR_ERR_OK, now_ms);
		if (!healthy && !s->reported_stuck)
			ANPR_LOGE(
			    "pipeline stuck: the %s stage has work and has made no progress for %lld s; "
			    "the watchdog is no longer fed",
			    anpr_health_stage_name((anpr_health_stage)s->health.stuck),
			    (long long)(s->health.stall_ms / 1000));
		else if (healthy && s->reported_stuck)
			ANPR_LOGW("pipeline moving again; feeding the watchdog");
		s->reported_stuck = !healthy;
		if (healthy && s->watchdog && anpr_watchdog_feed(s->watchdog))
			ANPR_LOGE("the watchdog could not be fed");
	}
	atomic_store(&s->healthy, healthy);

	if (s->tamper)
		anpr_tamper_poll(s->tamper, now_ms);

	if (p && now_ms - s->last_daynight >= DAYNIGHT_EVERY_MS) {
		s->last_daynight = now_ms;
		double luma = scene_luma(p);
		if (anpr_daynight_update(&s->daynight, luma, now_ms)) {
			bool night = anpr_daynight_is_night(&s->daynight);
			ANPR_LOGI("%s (scene luma %.0f): IR-cut filter %s, illuminator %s",
				  night ? "night" : "day", luma, night ? "out" : "in", night ? "on" : "off");
			drive_ir(s, night);
		}
	}

	if (s->thermal && (s->last_thermal == 0 || now_ms - s->last_thermal >= THERMAL_EVERY_MS)) {
		s->last_thermal = now_ms;
		if (anpr_thermal_poll(s->thermal) == ANPR_ERR_OK) {
			int cap = anpr_thermal_throttled(s->thermal) ? 1 : 0;
			if (p && cap != s->workers_cap)
				anpr_pipeline_set_workers(p, cap ? 1 : 64);
			s->workers_cap = cap;
			if (anpr_gpio_has(s->gpio, ANPR_GPIO_HEATER) &&
			    anpr_gpio_set(s->gpio, ANPR_GPIO_HEATER, anpr_thermal_heater(s->thermal)))
				ANPR_LOGE("cannot switch the window heater");
		}
	}
	return healthy;
}

void anpr_supervisor_reconfigure(anpr_supervisor *s, const anpr_config *cfg)
{
	anpr_daynight_cfg dc;

	daynight_cfg(cfg, &dc);
	anpr_daynight_reconfigure(&s->daynight, &dc);
	if (s->thermal)
		anpr_thermal_set_limits(s->thermal, anpr_config_real(cfg, ANPR_KEY_THERMAL_THROTTLE_C),
					anpr_config_real(cfg, ANPR_KEY_THERMAL_ALARM_C),
					anpr_config_real(cfg, ANPR_KEY_THERMAL_HYSTERESIS_C),
					anpr_config_real(cfg, ANPR_KEY_THERMAL_HEATER_BELOW_C));
}

void anpr_supervisor_disarm(anpr_supervisor *s, bool clean)
{
	if (!s || !s->watchdog)
		return;
	anpr_watchdog_stats ws;
	anpr_watchdog_get_stats(s->watchdog, &ws);
	/* Plain copies: GCC 12 -O3 wrongly sees the log macro keep a pointer into ws. */
	unsigned long long feeds = ws.feeds, missed = ws.missed;
	long long max_gap = ws.max_gap_ms;
	ANPR_LOGI("watchdog: %llu feeds, longest gap %lld ms, %llu missed%s", feeds, max_gap, missed,
		  clean ? "; disarmed" : "; left armed");
	anpr_watchdog_close(s->watchdog, clean);
	s->watchdog = NULL;
}

const anpr_thermal *anpr_supervisor_thermal(const anpr_supervisor *s)
{
	return s ? s->thermal : NULL;
}

const anpr_tamper *anpr_supervisor_tamper(const anpr_supervisor *s)
{
	return s ? s->tamper : NULL;
}

bool anpr_supervisor_night(const anpr_supervisor *s)
{
	return s && atomic_load(&s->night);
}

bool anpr_supervisor_healthy(const anpr_supervisor *s)
{
	return s && atomic_load(&s->healthy);
}

void anpr_supervisor_close(anpr_supervisor *s)
{
	if (!s)
		return;
	anpr_supervisor_disarm(s, false);
	if (s->gpio) {
		/* Lamp off and filter in: the safe state while nothing watches the scene. */
		drive_ir(s, false);
		if (anpr_gpio_has(s->gpio, ANPR_GPIO_HEATER) && anpr_gpio_set(s->gpio, ANPR_GPIO_HEATER, 0))
			ANPR_LOGE("cannot switch the window heater off");
	}
	anpr_tamper_close(s->tamper);
	anpr_thermal_close(s->thermal);
	anpr_gpio_close(s->gpio);
	free(s->wdev);
	free(s->wsim);
	free(s);
}
