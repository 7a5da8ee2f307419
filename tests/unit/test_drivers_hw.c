/* SPDX-License-Identifier: MIT */
/*
 * On a real unit (label hw): the board's GPIO lines, thermal zone, watchdog and RTC as its
 * board.ini names them. Set ANPR_HW_BOARD to the board's name; without it, exits 77 (skipped).
 * The watchdog is armed for a few seconds and closed cleanly (magic close).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "clockstat.h"
#include "gpio.h"
#include "keys.h"
#include "settings.h"
#include "thermal.h"
#include "watchdog.h"

int main(void)
{
	const char *board = getenv("ANPR_HW_BOARD");
	anpr_settings_src src = { 0 };
	anpr_config *cfg = NULL;
	char diag[ANPR_CFG_DIAG_LEN] = "";

	if (!board || !board[0]) {
		printf("ANPR_HW_BOARD not set: no board to test, skipped\n");
		return 77;
	}
	src.board = board;
	if (anpr_settings_load(&src, &cfg, diag, sizeof(diag)) != ANPR_ERR_OK) {
		fprintf(stderr, "%s\n", diag);
		return 1;
	}

	/* GPIO: every fitted output toggles and reads back; the tamper input reads. */
	anpr_gpio_cfg gc = {
		.backend =
		    anpr_config_enum(cfg, ANPR_KEY_GPIO_BACKEND) == 1 ? ANPR_GPIO_GPIOD : ANPR_GPIO_SIM,
		.chip = anpr_config_str(cfg, ANPR_KEY_GPIO_CHIP),
		.line = { (int)anpr_config_int(cfg, ANPR_KEY_GPIO_ILLUMINATOR_LINE),
			  (int)anpr_config_int(cfg, ANPR_KEY_GPIO_IRCUT_LINE),
			  (int)anpr_config_int(cfg, ANPR_KEY_GPIO_TAMPER_LINE),
			  (int)anpr_config_int(cfg, ANPR_KEY_GPIO_HEATER_LINE) },
		.tamper_open_level = (int)anpr_config_int(cfg, ANPR_KEY_TAMPER_OPEN_LEVEL),
	};
	anpr_gpio *g = NULL;
	CHECK_INT(anpr_gpio_open(&gc, &g), ANPR_ERR_OK);
	for (int r = 0; g && r < ANPR_GPIO_ROLES; r++) {
		int v = -1;
		if (!anpr_gpio_has(g, (anpr_gpio_role)r))
			continue;
		if (r != ANPR_GPIO_TAMPER) {
			CHECK_INT(anpr_gpio_set(g, (anpr_gpio_role)r, 1), ANPR_ERR_OK);
			CHECK_INT(anpr_gpio_get(g, (anpr_gpio_role)r, &v), ANPR_ERR_OK);
			CHECK_INT(v, 1);
			CHECK_INT(anpr_gpio_set(g, (anpr_gpio_role)r, 0), ANPR_ERR_OK);
		} else {
			CHECK_INT(anpr_gpio_get(g, (anpr_gpio_role)r, &v), ANPR_ERR_OK);
			printf("tamper input reads %d (%s)\n", v,
			       v == gc.tamper_open_level ? "enclosure open" : "closed");
		}
	}
	anpr_gpio_close(g);

	/* Temperature: the zone exists and reads something plausible. */
	if (anpr_config_enum(cfg, ANPR_KEY_THERMAL_BACKEND) == ANPR_THERMAL_SYSFS) {
		anpr_thermal_cfg tc = {
			ANPR_THERMAL_SYSFS, anpr_config_str(cfg, ANPR_KEY_THERMAL_ZONE), NULL, 80, 85, 5, -50
		};
		anpr_thermal *t = NULL;
		CHECK_INT(anpr_thermal_open(&tc, &t), ANPR_ERR_OK);
		if (t) {
			CHECK_INT(anpr_thermal_poll(t), ANPR_ERR_OK);
			double c = anpr_thermal_read_c(t);
			printf("temperature %.1f C\n", c);
			CHECK(!isnan(c) && c > -40 && c < 125);
		}
		anpr_thermal_close(t);
	}

	/* Watchdog: armed, fed three times a second apart, disarmed. */
	if (anpr_config_enum(cfg, ANPR_KEY_WATCHDOG_BACKEND) == ANPR_WATCHDOG_DEV) {
		anpr_watchdog_cfg wc = { ANPR_WATCHDOG_DEV, anpr_config_str(cfg, ANPR_KEY_WATCHDOG_DEVICE),
					 (int)anpr_config_int(cfg, ANPR_KEY_WATCHDOG_TIMEOUT_S), NULL };
		anpr_watchdog *w = NULL;
		CHECK_INT(anpr_watchdog_open(&wc, &w), ANPR_ERR_OK);
		for (int i = 0; w && i < 3; i++) {
			struct timespec s = { 1, 0 };
			nanosleep(&s, NULL);
			CHECK_INT(anpr_watchdog_feed(w), ANPR_ERR_OK);
		}
		anpr_watchdog_close(w, true);
	}

	/* RTC and clock. */
	const char *rtc = anpr_config_str(cfg, ANPR_KEY_RTC_DEVICE);
	if (rtc[0])
		CHECK(anpr_clockstat_rtc_present(rtc));
	anpr_clock_state cs;
	anpr_clockstat_read(&cs);
	printf("clock: %s by %s, offset %.3f ms, est. error %.3f ms\n",
	       cs.synchronised ? "synchronised" : "not synchronised", cs.daemon, cs.offset_ms,
	       cs.est_error_ms);
	anpr_config_free(cfg);
	return check_summary();
}
