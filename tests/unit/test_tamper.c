/* SPDX-License-Identifier: MIT */
/* Tamper switch: debounce against contact bounce, through the simulated GPIO and its mirror file; GPIO sim file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gpio.h"
#include "tamper.h"

static anpr_gpio_cfg gpio_cfg(const char *file)
{
	anpr_gpio_cfg c = { ANPR_GPIO_SIM, NULL, file, { 5, 6, 7, -1 }, 1 };
	return c;
}

static void test_debounce(void)
{
	anpr_gpio_cfg gc = gpio_cfg(NULL);
	anpr_gpio *g = NULL;
	anpr_tamper *t = NULL;
	int64_t now = 1000;

	CHECK_INT(anpr_gpio_open(&gc, &g), ANPR_ERR_OK);
	anpr_tamper_cfg tc = { g, 1, 50 };
	CHECK_INT(anpr_tamper_open(&tc, &t), ANPR_ERR_OK);
	/* Closed (the input idles at 0 with open_level 1). */
	for (int i = 0; i < 10; i++, now += 10)
		CHECK(!anpr_tamper_poll(t, now));
	CHECK(!anpr_tamper_state(t));
	/* Contact bounce: open for 30 ms at a time, never 50: no alarm. */
	for (int i = 0; i < 40; i++, now += 10)
		CHECK(!anpr_tamper_feed(t, (i / 3) % 2, now));
	CHECK(!anpr_tamper_state(t));
	CHECK_INT(anpr_tamper_alarms(t), 0);
	CHECK(!anpr_tamper_poll(t, now)); /* the line itself still reads closed */
	now += 10;
	/* Opened for real, through the simulated line: alarm after 50 ms, not before. */
	CHECK_INT(anpr_gpio_sim_set_input(g, ANPR_GPIO_TAMPER, 1), ANPR_ERR_OK);
	int changes = 0;
	int64_t opened = now, alarmed = -1;
	for (int i = 0; i < 20; i++, now += 10)
		if (anpr_tamper_poll(t, now)) {
			changes++;
			alarmed = now;
		}
	CHECK_INT(changes, 1);
	CHECK(alarmed - opened >= 50 && alarmed - opened <= 60);
	CHECK(anpr_tamper_state(t));
	CHECK_INT(anpr_tamper_alarms(t), 1);
	/* Closed again: clears after the debounce. */
	CHECK_INT(anpr_gpio_sim_set_input(g, ANPR_GPIO_TAMPER, 0), ANPR_ERR_OK);
	for (int i = 0; i < 10; i++, now += 10)
		anpr_tamper_poll(t, now);
	CHECK(!anpr_tamper_state(t));
	CHECK_INT(anpr_tamper_alarms(t), 1);
	anpr_tamper_close(t);
	anpr_gpio_close(g);
}

static void test_sim_file(const char *file)
{
	anpr_gpio_cfg gc = gpio_cfg(file);
	anpr_gpio *g = NULL;
	anpr_tamper *t = NULL;
	char buf[256];
	int v = -1;
	int64_t now = 0;

	CHECK_INT(anpr_gpio_open(&gc, &g), ANPR_ERR_OK);
	CHECK_INT(anpr_gpio_set(g, ANPR_GPIO_ILLUMINATOR, 1), ANPR_ERR_OK);
	CHECK_INT(anpr_gpio_set(g, ANPR_GPIO_HEATER, 1), ANPR_ERR_NOT_FOUND); /* not fitted */
	CHECK_INT(anpr_gpio_set(g, ANPR_GPIO_TAMPER, 1), ANPR_ERR_NOT_FOUND); /* an input */
	FILE *f = fopen(file, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	CHECK_STR(buf, "illuminator=1\nircut=0\ntamper=0\n");
	/* A test (or a person) opens the enclosure by editing the file. */
	f = fopen(file, "w");
	if (f) {
		fputs("illuminator=1\nircut=0\ntamper=1\n", f);
		fclose(f);
	}
	anpr_tamper_cfg tc = { g, 1, 20 };
	CHECK_INT(anpr_tamper_open(&tc, &t), ANPR_ERR_OK);
	for (int i = 0; i < 5; i++, now += 10)
		anpr_tamper_poll(t, now);
	CHECK(anpr_tamper_state(t));
	CHECK_INT(anpr_gpio_get(g, ANPR_GPIO_ILLUMINATOR, &v), ANPR_ERR_OK);
	CHECK_INT(v, 1);
	/* A damaged file is an error, and the state holds. */
	f = fopen(file, "w");
	if (f) {
		fputs("tamper=maybe\n", f);
		fclose(f);
	}
	CHECK_INT(anpr_gpio_get(g, ANPR_GPIO_TAMPER, &v), ANPR_ERR_FORMAT);
	for (int i = 0; i < 5; i++, now += 10)
		anpr_tamper_poll(t, now);
	CHECK(anpr_tamper_state(t));
	anpr_tamper_close(t);
	anpr_gpio_close(g);
}

static void test_parse_and_errors(void)
{
	int v[ANPR_GPIO_ROLES] = { 0, 0, 0, 0 };
	anpr_gpio *g = NULL;

	const char *text = "# x\nheater=1\r\n\nircut=1";
	CHECK_INT(anpr_gpio_parse_sim(text, strlen(text), v), ANPR_ERR_OK);
	CHECK_INT(v[ANPR_GPIO_HEATER], 1);
	CHECK_INT(v[ANPR_GPIO_IRCUT], 1);
	CHECK_INT(anpr_gpio_parse_sim("lamp=1\n", 7, v), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_gpio_parse_sim("heater=10\n", 10, v), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_gpio_parse_sim("heater\n", 7, v), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_gpio_parse_sim("", ANPR_GPIO_SIM_MAX + 1, v), ANPR_ERR_TOO_BIG);
	/* The real backend on a chip that does not exist. */
	anpr_gpio_cfg gc = { ANPR_GPIO_GPIOD, "no-such-gpiochip", NULL, { 1, -1, -1, -1 }, 1 };
	anpr_err err = anpr_gpio_open(&gc, &g);
	CHECK(err == ANPR_ERR_NOT_FOUND || err == ANPR_ERR_UNSUPPORTED);
	CHECK(g == NULL);
	/* No tamper line: no tamper switch. */
	anpr_gpio_cfg nc = { ANPR_GPIO_SIM, NULL, NULL, { -1, -1, -1, -1 }, 1 };
	anpr_tamper *t = NULL;
	CHECK_INT(anpr_gpio_open(&nc, &g), ANPR_ERR_OK);
	anpr_tamper_cfg tc = { g, 1, 20 };
	CHECK_INT(anpr_tamper_open(&tc, &t), ANPR_ERR_NOT_FOUND);
	anpr_gpio_close(g);
}

int main(void)
{
	char dir[] = "/tmp/test_tamper.XXXXXX";
	char file[64];

	if (!mkdtemp(dir))
		return 1;
	snprintf(file, sizeof(file), "%s/gpio", dir);
	test_debounce();
	test_sim_file(file);
	test_parse_and_errors();
	remove(file);
	rmdir(dir);
	return check_summary();
}
