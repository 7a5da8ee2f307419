/* SPDX-License-Identifier: MIT */
/* The unit's hardware around the pipeline: watchdog fed while healthy, day/night lines, tamper, temperature. */
#ifndef ANPR_SUPERVISOR_H
#define ANPR_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "pipeline.h"
#include "tamper.h"
#include "thermal.h"
#include "watchdog.h"

/*
 * anprd's main thread calls anpr_supervisor_tick() every 250 ms. Each tick
 * judges the pipeline (health.h) and feeds the hardware watchdog only when
 * it is healthy; polls the tamper switch; once a second samples the scene's
 * mean luma and drives the IR illuminator and IR-cut filter (daynight.h);
 * every 5 s reads the temperature, throttling the readers to one worker
 * above thermal.throttle_c and switching the window heater.
 */

typedef struct anpr_supervisor anpr_supervisor;

/*
 * Opens the GPIO lines, tamper switch and thermal zone the configuration
 * names (the watchdog is armed later, by anpr_supervisor_arm). A thermal
 * zone that cannot be used is logged and left out. Errors: those of the GPIO
 * and tamper drivers (logged), ANPR_ERR_NOMEM. The caller owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_supervisor_open(const anpr_config *cfg, anpr_supervisor **out);

/* Arms the watchdog (once the pipeline has started); errors as anpr_watchdog_open(). */
ANPR_MUST_CHECK anpr_err anpr_supervisor_arm(anpr_supervisor *s);

/*
 * One round; p may be NULL (no pipeline: nothing is fed). capturing is false
 * once the source has ended or a stop was asked for. Returns true when the
 * pipeline is healthy (the watchdog was fed when due), so the caller can
 * keep systemd's WATCHDOG=1 in step.
 */
bool anpr_supervisor_tick(anpr_supervisor *s, anpr_pipeline *p, bool capturing, int64_t now_ms);

/* Applies the reloadable keys (ir.*, thermal limits) of a new configuration. */
void anpr_supervisor_reconfigure(anpr_supervisor *s, const anpr_config *cfg);

/*
 * Disarms the watchdog with the magic close when clean (an orderly stop of
 * a healthy pipeline), else leaves it counting so the board resets. Safe to
 * call twice.
 */
void anpr_supervisor_disarm(anpr_supervisor *s, bool clean);

/* Getters for the control interface; any thread, NULL while absent. */
const anpr_thermal *anpr_supervisor_thermal(const anpr_supervisor *s);
const anpr_tamper *anpr_supervisor_tamper(const anpr_supervisor *s);
bool anpr_supervisor_night(const anpr_supervisor *s);
bool anpr_supervisor_healthy(const anpr_supervisor *s);

/* Turns the illuminator off, releases everything; NULL is fine. Disarm first. */
void anpr_supervisor_close(anpr_supervisor *s);

#endif
