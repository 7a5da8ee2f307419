/* SPDX-License-Identifier: MIT */
/* The enclosure's tamper switch: a GPIO input, debounced, raising an alarm while the enclosure is open. */
#ifndef ANPR_TAMPER_H
#define ANPR_TAMPER_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "gpio.h"

typedef struct anpr_tamper anpr_tamper;

typedef struct anpr_tamper_cfg {
	anpr_gpio *gpio; /* borrowed; must have the ANPR_GPIO_TAMPER line; outlives the tamper */
	int open_level;  /* 0 or 1 */
	int debounce_ms; /* a new level must hold this long */
} anpr_tamper_cfg;

/* ANPR_ERR_NOT_FOUND when the board has no tamper line, ANPR_ERR_NOMEM. The caller owns *out. */
ANPR_MUST_CHECK anpr_err anpr_tamper_open(const anpr_tamper_cfg *cfg, anpr_tamper **out);

void anpr_tamper_close(anpr_tamper *t);

/*
 * Samples the input at now_ms (monotonic; call every 100 ms or faster) and
 * debounces. Returns true when the debounced state changed (the alarm rose
 * or cleared; logged). A read error keeps the last state. Supervisor thread.
 */
bool anpr_tamper_poll(anpr_tamper *t, int64_t now_ms);

/*
 * Feeds one raw level instead of reading the line (the debouncer alone, for
 * tests and for callers with their own input). Returns as anpr_tamper_poll().
 */
bool anpr_tamper_feed(anpr_tamper *t, int level, int64_t now_ms);

/* True while the enclosure is open (debounced). Any thread. */
bool anpr_tamper_state(const anpr_tamper *t);

/* How many times the alarm has risen since start. Any thread. */
uint64_t anpr_tamper_alarms(const anpr_tamper *t);

#endif
