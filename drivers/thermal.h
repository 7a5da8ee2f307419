/* SPDX-License-Identifier: MIT */
/* The unit's temperature from a thermal zone (or a file, simulated): alarm, reader throttle and window heater. */
#ifndef ANPR_THERMAL_H
#define ANPR_THERMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Above throttle_c the unit is throttled: anprd cuts the plate readers to one
 * worker (anpr_pipeline_set_workers), which is where the CPU heat comes from,
 * and keeps the camera's frame rate, so no vehicle passes unseen (frames the
 * one reader cannot take are dropped and counted). Above alarm_c the thermal
 * alarm is raised. Each clears hysteresis_c below its limit. Below
 * heater_below_c the window heater is wanted, until hysteresis_c above it.
 */

typedef struct anpr_thermal anpr_thermal;

typedef enum anpr_thermal_backend {
	ANPR_THERMAL_NONE,
	ANPR_THERMAL_SIM,   /* zone is a file holding millidegrees */
	ANPR_THERMAL_SYSFS, /* zone is a /sys/class/thermal zone: directory name or its type */
} anpr_thermal_backend;

typedef struct anpr_thermal_cfg {
	anpr_thermal_backend backend;
	const char *zone;
	const char *sysfs_root; /* NULL: "/sys/class/thermal" (tests point it elsewhere) */
	double throttle_c, alarm_c, hysteresis_c, heater_below_c;
} anpr_thermal_cfg;

/* Size cap of a temperature file. */
#define ANPR_THERMAL_FILE_MAX 64

/*
 * Finds the zone (SYSFS: by directory name, else by type). Errors:
 * ANPR_ERR_NOT_FOUND (no such zone; logged with the zones there are),
 * ANPR_ERR_INVAL, ANPR_ERR_NOMEM. The caller owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_thermal_open(const anpr_thermal_cfg *cfg, anpr_thermal **out);

void anpr_thermal_close(anpr_thermal *t);

/* Applies new limits (SIGHUP). Supervisor thread. */
void anpr_thermal_set_limits(anpr_thermal *t, double throttle_c, double alarm_c, double hysteresis_c,
			     double heater_below_c);

/*
 * Reads the temperature and updates the alarm, throttle and heater states
 * (changes are logged). Errors: ANPR_ERR_NOT_FOUND (SIM file absent),
 * ANPR_ERR_IO, ANPR_ERR_FORMAT; the states are kept. Supervisor thread.
 */
ANPR_MUST_CHECK anpr_err anpr_thermal_poll(anpr_thermal *t);

/* The last reading in degrees Celsius, or NAN before the first good one. Any thread. */
double anpr_thermal_read_c(const anpr_thermal *t);

/* Any thread. */
bool anpr_thermal_alarm(const anpr_thermal *t);
bool anpr_thermal_throttled(const anpr_thermal *t);
bool anpr_thermal_heater(const anpr_thermal *t);

/*
 * Parses a thermal zone's temp file: an optional sign and decimal digits of
 * millidegrees Celsius, optionally followed by a newline; at most
 * ANPR_THERMAL_FILE_MAX bytes; -273150..1000000. ANPR_ERR_FORMAT,
 * ANPR_ERR_RANGE, ANPR_ERR_TOO_BIG. Any thread (fuzz target: fuzz_thermal).
 */
ANPR_MUST_CHECK anpr_err anpr_thermal_parse(const char *text, size_t len, double *celsius);

#endif
