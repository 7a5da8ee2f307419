/* SPDX-License-Identifier: MIT */
/* GPIO lines by role over libgpiod 1.6 (v1 API), or simulated in memory with an optional mirror file. */
#define ANPR_LOG_TAG "gpio"
#include "gpio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef ANPR_HAVE_GPIOD
#include <gpiod.h>
#endif

#include "log.h"

#define CONSUMER "anprd"

static const char *const role_names[ANPR_GPIO_ROLES] = { "illuminator", "ircut", "tamper", "heater" };

struct anpr_gpio {
	anpr_gpio_cfg cfg;
	char *chip_name, *sim_file;
	int value[ANPR_GPIO_ROLES]; /* outputs: last set; sim inputs: what they read */
#ifdef ANPR_HAVE_GPIOD
	struct gpiod_chip *chip;
	struct gpiod_line *line[ANPR_GPIO_ROLES];
#endif
};

const char *anpr_gpio_role_name(anpr_gpio_role role)
{
	return role < ANPR_GPIO_ROLES ? role_names[role] : "?";
}

anpr_err anpr_gpio_parse_sim(const char *text, size_t len, int values[ANPR_GPIO_ROLES])
{
	size_t pos = 0;

	if (len > ANPR_GPIO_SIM_MAX)
		return ANPR_ERR_TOO_BIG;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		const char *eq = memchr(line, '=', n);
		if (!eq || eq + 2 != line + n || (eq[1] != '0' && eq[1] != '1'))
			return ANPR_ERR_FORMAT;
		size_t klen = (size_t)(eq - line);
		int r = 0;
		while (r < ANPR_GPIO_ROLES &&
		       !(strlen(role_names[r]) == klen && memcmp(role_names[r], line, klen) == 0))
			r++;
		if (r == ANPR_GPIO_ROLES)
			return ANPR_ERR_FORMAT;
		values[r] = eq[1] - '0';
	}
	return ANPR_ERR_OK;
}

/* Simulation: reads the mirror file's values over ours (a missing file changes nothing). */
static anpr_err sim_load(anpr_gpio *g)
{
	char buf[ANPR_GPIO_SIM_MAX + 1];
	FILE *f;
	size_t n;
	anpr_err err;

	if (!g->sim_file)
		return ANPR_ERR_OK;
	f = fopen(g->sim_file, "r");
	if (!f)
		return errno == ENOENT ? ANPR_ERR_OK : ANPR_ERR_IO;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n > ANPR_GPIO_SIM_MAX) {
		ANPR_LOGW("%s: larger than %d bytes", g->sim_file, ANPR_GPIO_SIM_MAX);
		return ANPR_ERR_TOO_BIG;
	}
	err = anpr_gpio_parse_sim(buf, n, g->value);
	if (err)
		ANPR_LOGW("%s: not a GPIO simulation file (role=0|1 lines)", g->sim_file);
	return err;
}

/* Simulation: writes every fitted line's value to the mirror file (atomically, by rename). */
static anpr_err sim_save(anpr_gpio *g)
{
	char tmp[4200];
	FILE *f;

	if (!g->sim_file)
		return ANPR_ERR_OK;
	snprintf(tmp, sizeof(tmp), "%s.tmp", g->sim_file);
	f = fopen(tmp, "w");
	if (!f)
		return ANPR_ERR_IO;
	for (int r = 0; r < ANPR_GPIO_ROLES; r++)
		if (g->cfg.line[r] >= 0)
			fprintf(f, "%s=%d\n", role_names[r], g->value[r]);
	if (fclose(f) != 0 || rename(tmp, g->sim_file) != 0) {
		remove(tmp);
		return ANPR_ERR_IO;
	}
	return ANPR_ERR_OK;
}

#ifdef ANPR_HAVE_GPIOD
static anpr_err gpiod_claim(anpr_gpio *g)
{
	g->chip = gpiod_chip_open_lookup(g->chip_name);
	if (!g->chip) {
		ANPR_LOGE("GPIO chip '%s': %s", g->chip_name, strerror(errno));
		return errno == EACCES || errno == EPERM ? ANPR_ERR_PERMISSION : ANPR_ERR_NOT_FOUND;
	}
	for (int r = 0; r < ANPR_GPIO_ROLES; r++) {
		if (g->cfg.line[r] < 0)
			continue;
		g->line[r] = gpiod_chip_get_line(g->chip, (unsigned)g->cfg.line[r]);
		if (!g->line[r]) {
			ANPR_LOGE("GPIO chip '%s' has no line %d (%s)", g->chip_name, g->cfg.line[r],
				  role_names[r]);
			return ANPR_ERR_NOT_FOUND;
		}
		int rc;
		if (r == ANPR_GPIO_TAMPER)
			rc = gpiod_line_request_input_flags(g->line[r], CONSUMER,
							    g->cfg.tamper_open_level
								? GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP
								: GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN);
		else
			rc = gpiod_line_request_output(g->line[r], CONSUMER, 0);
		if (rc < 0) {
			ANPR_LOGE("GPIO %s line %d (%s): %s", g->chip_name, g->cfg.line[r], role_names[r],
				  strerror(errno));
			g->line[r] = NULL;
			return errno == EBUSY ? ANPR_ERR_IO : ANPR_ERR_PERMISSION;
		}
	}
	return ANPR_ERR_OK;
}
#endif

anpr_err anpr_gpio_open(const anpr_gpio_cfg *cfg, anpr_gpio **out)
{
	anpr_gpio *g = NULL;
	anpr_err err = ANPR_ERR_OK;

	*out = NULL;
	if (cfg->backend != ANPR_GPIO_SIM && cfg->backend != ANPR_GPIO_GPIOD)
		return ANPR_ERR_INVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return ANPR_ERR_NOMEM;
	g->cfg = *cfg;
	g->chip_name = strdup(cfg->chip ? cfg->chip : "gpiochip0");
	g->sim_file = cfg->sim_file && cfg->sim_file[0] ? strdup(cfg->sim_file) : NULL;
	if (!g->chip_name || (cfg->sim_file && cfg->sim_file[0] && !g->sim_file)) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	/* The tamper input idles at the closed level; outputs start off. */
	g->value[ANPR_GPIO_TAMPER] = !cfg->tamper_open_level;
	if (cfg->backend == ANPR_GPIO_SIM) {
		err = sim_save(g);
		if (err)
			ANPR_LOGE("GPIO simulation: cannot write %s", g->sim_file);
		goto out;
	}
#ifdef ANPR_HAVE_GPIOD
	err = gpiod_claim(g);
#else
	ANPR_LOGE("built without libgpiod: gpio.backend = gpiod is not available");
	err = ANPR_ERR_UNSUPPORTED;
#endif
out:
	if (err) {
		anpr_gpio_close(g);
		return err;
	}
	*out = g;
	return ANPR_ERR_OK;
}

void anpr_gpio_close(anpr_gpio *g)
{
	if (!g)
		return;
#ifdef ANPR_HAVE_GPIOD
	for (int r = 0; r < ANPR_GPIO_ROLES; r++)
		if (g->line[r])
			gpiod_line_release(g->line[r]);
	if (g->chip)
		gpiod_chip_close(g->chip);
#endif
	free(g->chip_name);
	free(g->sim_file);
	free(g);
}

bool anpr_gpio_has(const anpr_gpio *g, anpr_gpio_role role)
{
	return g && role < ANPR_GPIO_ROLES && g->cfg.line[role] >= 0;
}

anpr_err anpr_gpio_set(anpr_gpio *g, anpr_gpio_role role, int value)
{
	if (!anpr_gpio_has(g, role) || role == ANPR_GPIO_TAMPER)
		return ANPR_ERR_NOT_FOUND;
	value = value ? 1 : 0;
#ifdef ANPR_HAVE_GPIOD
	if (g->cfg.backend == ANPR_GPIO_GPIOD && gpiod_line_set_value(g->line[role], value) < 0) {
		ANPR_LOGE("GPIO %s: cannot set %s: %s", g->chip_name, role_names[role], strerror(errno));
		return ANPR_ERR_IO;
	}
#endif
	g->value[role] = value;
	return g->cfg.backend == ANPR_GPIO_SIM ? sim_save(g) : ANPR_ERR_OK;
}

anpr_err anpr_gpio_get(anpr_gpio *g, anpr_gpio_role role, int *value)
{
	if (!anpr_gpio_has(g, role))
		return ANPR_ERR_NOT_FOUND;
	if (g->cfg.backend == ANPR_GPIO_SIM && role == ANPR_GPIO_TAMPER) {
		anpr_err err = sim_load(g);
		if (err)
			return err;
	}
#ifdef ANPR_HAVE_GPIOD
	if (g->cfg.backend == ANPR_GPIO_GPIOD && role == ANPR_GPIO_TAMPER) {
		int v = gpiod_line_get_value(g->line[role]);
		if (v < 0) {
			ANPR_LOGE("GPIO %s: cannot read %s: %s", g->chip_name, role_names[role],
				  strerror(errno));
			return ANPR_ERR_IO;
		}
		g->value[role] = v;
	}
#endif
	*value = g->value[role];
	return ANPR_ERR_OK;
}

anpr_err anpr_gpio_sim_set_input(anpr_gpio *g, anpr_gpio_role role, int value)
{
	if (!g || g->cfg.backend != ANPR_GPIO_SIM || role != ANPR_GPIO_TAMPER)
		return ANPR_ERR_INVAL;
	g->value[role] = value ? 1 : 0;
	return sim_save(g);
}
