/* SPDX-License-Identifier: MIT */
/* Layers the built-in defaults, a board file, the site file and command-line overrides. */
#include "settings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boards.h"
#include "keys.h"

/* Applies one "section.key=value" override. */
static anpr_err apply_override(anpr_config *c, const char *ov, char *diag, size_t diag_len)
{
	char key[128];
	const char *eq = strchr(ov, '=');

	if (!eq || (size_t)(eq - ov) >= sizeof(key)) {
		snprintf(diag, diag_len, "--set %.64s: expected section.key=value", ov);
		return ANPR_ERR_CONFIG;
	}
	memcpy(key, ov, (size_t)(eq - ov));
	key[eq - ov] = '\0';
	return anpr_config_set(c, key, eq + 1, "--set", diag, diag_len);
}

anpr_err anpr_settings_load(const anpr_settings_src *src, anpr_config **out, char *diag, size_t diag_len)
{
	anpr_config *c = NULL;
	const anpr_cfg_key *keys;
	size_t n;
	anpr_err err;

	*out = NULL;
	keys = anpr_keys_table(&n);
	err = anpr_config_new(keys, n, &c, diag, diag_len);
	if (err)
		goto out;

	if (src->board_file) {
		err = anpr_config_load_file(c, src->board_file, diag, diag_len);
		if (!err)
			err = anpr_settings_check_board(c, src->board_file, diag, diag_len);
	} else {
		const char *name = src->board ? src->board : ANPR_BOARD_DEFAULT;
		const anpr_board *b = anpr_board_find(name);
		if (!b) {
			snprintf(diag, diag_len, "unknown board '%.64s' (built in:", name);
			for (size_t i = 0; i < anpr_boards_count; i++)
				snprintf(diag + strlen(diag), diag_len - strlen(diag), " %s",
					 anpr_boards[i].name);
			snprintf(diag + strlen(diag), diag_len - strlen(diag), ")");
			err = ANPR_ERR_NOT_FOUND;
			goto out;
		}
		err = anpr_config_load_buffer(c, b->path, b->ini, b->len, diag, diag_len);
		if (!err && strcmp(anpr_config_str(c, ANPR_KEY_BOARD_NAME), name) != 0) {
			snprintf(diag, diag_len, "%s: board.name is '%s', expected '%s'", b->path,
				 anpr_config_str(c, ANPR_KEY_BOARD_NAME), name);
			err = ANPR_ERR_CONFIG;
		}
		if (!err)
			err = anpr_settings_check_board(c, b->path, diag, diag_len);
	}
	if (err)
		goto out;
	if (src->site_file) {
		err = anpr_config_load_file(c, src->site_file, diag, diag_len);
		if (err)
			goto out;
	}
	for (size_t i = 0; i < src->n_overrides; i++) {
		err = apply_override(c, src->overrides[i], diag, diag_len);
		if (err)
			goto out;
	}
	*out = c;
	c = NULL;
out:
	anpr_config_free(c);
	return err;
}

/* Keys every board file must state itself: they describe hardware, so a default would be a guess. */
static const int board_required[] = {
	ANPR_KEY_BOARD_NAME,
	ANPR_KEY_CAMERA_BACKEND,
	ANPR_KEY_CAMERA_SENSOR,
	ANPR_KEY_CAMERA_WIDTH,
	ANPR_KEY_CAMERA_HEIGHT,
	ANPR_KEY_CAMERA_FPS,
	ANPR_KEY_CAMERA_EXPOSURE_MAX_US,
	ANPR_KEY_CAMERA_GAIN_MAX,
	ANPR_KEY_CAMERA_SENSOR_WIDTH_PX,
	ANPR_KEY_CAMERA_PIXEL_PITCH_UM,
	ANPR_KEY_CAMERA_FOCAL_LENGTH_MM,
	ANPR_KEY_CAMERA_MOUNT_HEIGHT_M,
	ANPR_KEY_CAMERA_DISTANCE_M,
	ANPR_KEY_GPIO_BACKEND,
	ANPR_KEY_WATCHDOG_BACKEND,
	ANPR_KEY_WATCHDOG_TIMEOUT_S,
	ANPR_KEY_THERMAL_BACKEND,
	ANPR_KEY_THERMAL_ZONE,
	ANPR_KEY_THERMAL_THROTTLE_C,
	ANPR_KEY_THERMAL_ALARM_C,
	ANPR_KEY_CONSOLE_DEVICE,
	ANPR_KEY_STORAGE_DATA_DEVICE,
	ANPR_KEY_STORAGE_DATA_SIZE_MB,
	ANPR_KEY_RTC_DEVICE,
};

/* ... and those a backend needs once chosen. */
static const int board_required_camera[] = { ANPR_KEY_CAMERA_PIXEL_FORMAT };
static const int board_required_gpiod[] = { ANPR_KEY_GPIO_CHIP, ANPR_KEY_GPIO_ILLUMINATOR_LINE,
					    ANPR_KEY_GPIO_IRCUT_LINE, ANPR_KEY_GPIO_TAMPER_LINE,
					    ANPR_KEY_GPIO_HEATER_LINE };
static const int board_required_wdt[] = { ANPR_KEY_WATCHDOG_DEVICE };

/* The line number of origin when it is "path:N", else 0. */
static long origin_line(const char *origin, const char *path)
{
	size_t n = strlen(path);

	if (strncmp(origin, path, n) != 0 || origin[n] != ':')
		return 0;
	return strtol(origin + n + 1, NULL, 10);
}

/* Where a missing key should go: the last line the file set in the key's section, else board.name's line. */
static long line_for(const anpr_config *c, const char *path, const anpr_cfg_key *keys, size_t n, size_t key)
{
	long best = 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].section, keys[key].section) == 0) {
			long l = origin_line(anpr_config_origin(c, i), path);
			if (l > best)
				best = l;
		}
	if (best == 0)
		best = origin_line(anpr_config_origin(c, ANPR_KEY_BOARD_NAME), path);
	return best > 0 ? best : 1;
}

static anpr_err require(const anpr_config *c, const char *path, const int *list, size_t count,
			const char *why, char *diag, size_t diag_len)
{
	size_t n;
	const anpr_cfg_key *keys = anpr_keys_table(&n);

	for (size_t i = 0; i < count; i++) {
		size_t k = (size_t)list[i];
		if (origin_line(anpr_config_origin(c, k), path) > 0)
			continue;
		snprintf(diag, diag_len, "%s:%ld: missing required key %s.%s (%s; docs/config.md)", path,
			 line_for(c, path, keys, n, k), keys[k].section, keys[k].name, why);
		return ANPR_ERR_CONFIG;
	}
	return ANPR_ERR_OK;
}

/* "path:line" of key for a message about its value. */
static const char *where(const anpr_config *c, size_t key)
{
	return anpr_config_origin(c, key);
}

anpr_err anpr_settings_check_board(const anpr_config *c, const char *path, char *diag, size_t diag_len)
{
	anpr_err err;

	err = require(c, path, board_required, sizeof(board_required) / sizeof(board_required[0]),
		      "every board states it", diag, diag_len);
	if (!err && anpr_config_enum(c, ANPR_KEY_CAMERA_BACKEND) == 1)
		err =
		    require(c, path, board_required_camera, 1, "camera.backend is libcamera", diag, diag_len);
	if (!err && anpr_config_enum(c, ANPR_KEY_GPIO_BACKEND) == 1)
		err = require(c, path, board_required_gpiod,
			      sizeof(board_required_gpiod) / sizeof(board_required_gpiod[0]),
			      "gpio.backend is gpiod", diag, diag_len);
	if (!err && anpr_config_enum(c, ANPR_KEY_WATCHDOG_BACKEND) == 2)
		err = require(c, path, board_required_wdt, 1, "watchdog.backend is dev", diag, diag_len);
	if (err)
		return err;
	if (anpr_config_int(c, ANPR_KEY_IR_DAY_ABOVE) <= anpr_config_int(c, ANPR_KEY_IR_NIGHT_BELOW)) {
		snprintf(diag, diag_len, "%s: ir.day_above must be greater than ir.night_below (%s)",
			 where(c, ANPR_KEY_IR_DAY_ABOVE), where(c, ANPR_KEY_IR_NIGHT_BELOW));
		return ANPR_ERR_CONFIG;
	}
	if (anpr_config_real(c, ANPR_KEY_THERMAL_ALARM_C) <
	    anpr_config_real(c, ANPR_KEY_THERMAL_THROTTLE_C)) {
		snprintf(diag, diag_len, "%s: thermal.alarm_c must be at least thermal.throttle_c (%s)",
			 where(c, ANPR_KEY_THERMAL_ALARM_C), where(c, ANPR_KEY_THERMAL_THROTTLE_C));
		return ANPR_ERR_CONFIG;
	}
	if (anpr_config_int(c, ANPR_KEY_STORE_MAX_MB) > anpr_config_int(c, ANPR_KEY_STORAGE_DATA_SIZE_MB)) {
		snprintf(diag, diag_len, "%s: store.max_mb (%s) does not fit in storage.data_size_mb",
			 where(c, ANPR_KEY_STORAGE_DATA_SIZE_MB), where(c, ANPR_KEY_STORE_MAX_MB));
		return ANPR_ERR_CONFIG;
	}
	return ANPR_ERR_OK;
}

double anpr_settings_plate_px(const anpr_config *c, double *slant_m)
{
	double f_mm = anpr_config_real(c, ANPR_KEY_CAMERA_FOCAL_LENGTH_MM);
	double pitch_mm = anpr_config_real(c, ANPR_KEY_CAMERA_PIXEL_PITCH_UM) / 1000.0;
	double h = anpr_config_real(c, ANPR_KEY_CAMERA_MOUNT_HEIGHT_M);
	double d = anpr_config_real(c, ANPR_KEY_CAMERA_DISTANCE_M);
	double plate_mm = (double)anpr_config_int(c, ANPR_KEY_CAMERA_PLATE_WIDTH_MM);
	double scale = (double)anpr_config_int(c, ANPR_KEY_CAMERA_WIDTH) /
		       (double)anpr_config_int(c, ANPR_KEY_CAMERA_SENSOR_WIDTH_PX);
	/* The plate sits about 0.5 m above the road. */
	double dh = h > 0.5 ? h - 0.5 : 0.0;
	double slant = sqrt(dh * dh + d * d);

	if (slant_m)
		*slant_m = slant;
	/* Thin lens, object far beyond the focal length: image size = f * size / distance. */
	return f_mm * plate_mm / (slant * 1000.0) / pitch_mm * scale;
}
