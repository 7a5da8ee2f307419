/* SPDX-License-Identifier: MIT */
/* The unit's GPIO lines by role (IR illuminator, IR-cut filter, tamper switch, heater): libgpiod or a simulation. */
#ifndef ANPR_GPIO_H
#define ANPR_GPIO_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

typedef struct anpr_gpio anpr_gpio;

typedef enum anpr_gpio_backend {
	ANPR_GPIO_SIM,   /* in memory, mirrored to sim_file when set (host-sim, tests) */
	ANPR_GPIO_GPIOD, /* the board's lines through libgpiod 1.6 (v1 API) */
} anpr_gpio_backend;

typedef enum anpr_gpio_role {
	ANPR_GPIO_ILLUMINATOR, /* output, 1 = lamp on */
	ANPR_GPIO_IRCUT,       /* output, 1 = filter in (day) */
	ANPR_GPIO_TAMPER,      /* input */
	ANPR_GPIO_HEATER,      /* output, 1 = heater on */
	ANPR_GPIO_ROLES
} anpr_gpio_role;

typedef struct anpr_gpio_cfg {
	anpr_gpio_backend backend;
	const char *chip;          /* gpiod: name, /dev path, label or number (gpiod_chip_open_lookup) */
	const char *sim_file;      /* sim: mirror file, "role=0|1" lines; NULL or "" for none */
	int line[ANPR_GPIO_ROLES]; /* line offset on the chip; -1: not fitted */
	int tamper_open_level;     /* 0 or 1: the level meaning open; the input is biased to it */
} anpr_gpio_cfg;

/* Size cap of the simulation's mirror file. */
#define ANPR_GPIO_SIM_MAX 4096

/*
 * Claims the configured lines: outputs start at 0 (lamp off, filter out,
 * heater off) until the day/night logic decides, the tamper input is biased
 * towards its open level (so a cut wire reads open). Errors: ANPR_ERR_NOT_FOUND (no such chip or
 * line), ANPR_ERR_PERMISSION, ANPR_ERR_IO, ANPR_ERR_UNSUPPORTED (built
 * without libgpiod), ANPR_ERR_NOMEM; the reason is logged. The caller owns *out.
 */
ANPR_MUST_CHECK anpr_err anpr_gpio_open(const anpr_gpio_cfg *cfg, anpr_gpio **out);

/* Releases the lines (outputs go back to the kernel as they are); NULL is fine. */
void anpr_gpio_close(anpr_gpio *g);

/* Whether role has a line. */
bool anpr_gpio_has(const anpr_gpio *g, anpr_gpio_role role);

/* Drives an output to 0 or 1. ANPR_ERR_NOT_FOUND when role has no line, ANPR_ERR_IO. */
ANPR_MUST_CHECK anpr_err anpr_gpio_set(anpr_gpio *g, anpr_gpio_role role, int value);

/*
 * Reads a line: an input's level, or the level an output was last set to.
 * The simulation re-reads its mirror file for inputs, so a test can flip
 * the tamper switch from outside. ANPR_ERR_NOT_FOUND, ANPR_ERR_IO.
 */
ANPR_MUST_CHECK anpr_err anpr_gpio_get(anpr_gpio *g, anpr_gpio_role role, int *value);

/* Simulation only: sets what an input reads (tests). ANPR_ERR_INVAL on the gpiod backend. */
ANPR_MUST_CHECK anpr_err anpr_gpio_sim_set_input(anpr_gpio *g, anpr_gpio_role role, int value);

/* "illuminator", "ircut", "tamper", "heater". */
const char *anpr_gpio_role_name(anpr_gpio_role role);

/*
 * Parses a simulation mirror file ("role=0|1" lines, '#' comments) into
 * values[] (entries not named keep their value). ANPR_ERR_FORMAT on a bad
 * line, ANPR_ERR_TOO_BIG past ANPR_GPIO_SIM_MAX. Any thread; used by the
 * fuzz target.
 */
ANPR_MUST_CHECK anpr_err anpr_gpio_parse_sim(const char *text, size_t len, int values[ANPR_GPIO_ROLES]);

/* All functions of one anpr_gpio are called from one thread (anprd: the supervisor, main thread). */

#endif
