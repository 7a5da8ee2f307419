/* SPDX-License-Identifier: MIT */
/* Thermal: the temp file parser, zone lookup by name and type, alarm/throttle/heater hysteresis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "thermal.h"

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_parse(void)
{
	double c = 0;

	CHECK_INT(anpr_thermal_parse("45123\n", 6, &c), ANPR_ERR_OK);
	CHECK(fabs(c - 45.123) < 1e-9);
	CHECK_INT(anpr_thermal_parse("-5000", 5, &c), ANPR_ERR_OK);
	CHECK(fabs(c + 5.0) < 1e-9);
	CHECK_INT(anpr_thermal_parse("0", 1, &c), ANPR_ERR_OK);
	CHECK_INT(anpr_thermal_parse("", 0, &c), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_thermal_parse("\n", 1, &c), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_thermal_parse("-", 1, &c), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_thermal_parse("45.1", 4, &c), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_thermal_parse("45 ", 3, &c), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_thermal_parse("4\n5", 3, &c), ANPR_ERR_FORMAT);
	CHECK_INT(anpr_thermal_parse("99999999999999999999999", 23, &c), ANPR_ERR_RANGE);
	CHECK_INT(anpr_thermal_parse("-300000", 7, &c), ANPR_ERR_RANGE);
	CHECK_INT(anpr_thermal_parse("1000001", 7, &c), ANPR_ERR_RANGE);
	char big[ANPR_THERMAL_FILE_MAX + 2];
	memset(big, '1', sizeof(big));
	CHECK_INT(anpr_thermal_parse(big, sizeof(big), &c), ANPR_ERR_TOO_BIG);
}

static void test_sysfs_lookup(const char *root)
{
	char p[512];
	anpr_thermal *t = NULL;

	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/thermal_zone%d", root, i);
		mkdir(p, 0755);
		snprintf(p, sizeof(p), "%s/thermal_zone%d/type", root, i);
		put(p, i == 0 ? "soc-thermal\n" : "cpu-thermal\n");
		snprintf(p, sizeof(p), "%s/thermal_zone%d/temp", root, i);
		put(p, i == 0 ? "41000\n" : "52500\n");
	}
	anpr_thermal_cfg c = { ANPR_THERMAL_SYSFS, "cpu-thermal", root, 80, 85, 5, -50 };
	CHECK_INT(anpr_thermal_open(&c, &t), ANPR_ERR_OK);
	CHECK(isnan(anpr_thermal_read_c(t)));
	CHECK_INT(anpr_thermal_poll(t), ANPR_ERR_OK);
	CHECK(fabs(anpr_thermal_read_c(t) - 52.5) < 1e-9);
	anpr_thermal_close(t);
	c.zone = "thermal_zone0";
	CHECK_INT(anpr_thermal_open(&c, &t), ANPR_ERR_OK);
	CHECK_INT(anpr_thermal_poll(t), ANPR_ERR_OK);
	CHECK(fabs(anpr_thermal_read_c(t) - 41.0) < 1e-9);
	anpr_thermal_close(t);
	c.zone = "gpu-thermal";
	CHECK_INT(anpr_thermal_open(&c, &t), ANPR_ERR_NOT_FOUND);
	c.zone = "../etc";
	CHECK_INT(anpr_thermal_open(&c, &t), ANPR_ERR_INVAL);
}

static void test_limits(const char *file)
{
	anpr_thermal *t = NULL;
	anpr_thermal_cfg c = { ANPR_THERMAL_SIM, file, NULL, 80, 85, 5, 5 };

	remove(file);
	CHECK_INT(anpr_thermal_open(&c, &t), ANPR_ERR_OK);
	CHECK_INT(anpr_thermal_poll(t), ANPR_ERR_NOT_FOUND);
	/* A temperature profile: warm-up, over the throttle, over the alarm, cooling, cold night. */
	static const struct {
		const char *milli;
		bool throttled, alarm, heater;
	} steps[] = {
		{ "25000", false, false, false }, { "79900", false, false, false },
		{ "80000", true, false, false },  { "84000", true, false, false },
		{ "86000", true, true, false },   { "81000", true, true, false },
		{ "79000", true, false, false },  { "75500", true, false, false },
		{ "74900", false, false, false }, { "6000", false, false, false },
		{ "4900", false, false, true },   { "9000", false, false, true },
		{ "10000", false, false, false }, { "-20000", false, false, true },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		put(file, steps[i].milli);
		CHECK_INT(anpr_thermal_poll(t), ANPR_ERR_OK);
		if (anpr_thermal_throttled(t) != steps[i].throttled ||
		    anpr_thermal_alarm(t) != steps[i].alarm || anpr_thermal_heater(t) != steps[i].heater)
			fprintf(stderr, "step %zu (%s)\n", i, steps[i].milli);
		CHECK(anpr_thermal_throttled(t) == steps[i].throttled);
		CHECK(anpr_thermal_alarm(t) == steps[i].alarm);
		CHECK(anpr_thermal_heater(t) == steps[i].heater);
	}
	/* A garbled reading keeps the last one and the states. */
	put(file, "hot");
	CHECK_INT(anpr_thermal_poll(t), ANPR_ERR_FORMAT);
	CHECK(fabs(anpr_thermal_read_c(t) + 20.0) < 1e-9);
	CHECK(anpr_thermal_heater(t));
	anpr_thermal_close(t);
}

int main(void)
{
	char dir[] = "/tmp/test_thermal.XXXXXX";
	char cmd[128], file[64];

	if (!mkdtemp(dir))
		return 1;
	snprintf(file, sizeof(file), "%s/temp", dir);
	test_parse();
	test_sysfs_lookup(dir);
	test_limits(file);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_summary();
}
