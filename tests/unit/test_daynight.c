/* SPDX-License-Identifier: MIT */
/* Day/night switching: hysteresis, dwell, flicker never flaps, held modes. */
#include "check.h"
#include "daynight.h"

static const anpr_daynight_cfg cfg = { ANPR_DAYNIGHT_AUTO, 40, 110, 60000 };

/* Feeds luma every second from t0 for n seconds; returns the number of switches seen. */
static int feed(anpr_daynight *d, double luma, int64_t *t, int n)
{
	int changes = 0;

	for (int i = 0; i < n; i++, *t += 1000)
		changes += anpr_daynight_update(d, luma, *t);
	return changes;
}

static void test_dusk_and_dawn(void)
{
	anpr_daynight d;
	int64_t t = 1000000;

	anpr_daynight_init(&d, &cfg);
	CHECK(!anpr_daynight_is_night(&d));
	CHECK_INT(feed(&d, 120, &t, 120), 0);
	/* Dusk: below night_below, but not for the dwell yet. */
	CHECK_INT(feed(&d, 30, &t, 59), 0);
	CHECK(!anpr_daynight_is_night(&d));
	CHECK_INT(feed(&d, 30, &t, 2), 1);
	CHECK(anpr_daynight_is_night(&d));
	/* Under the lamp the scene is brighter: between the thresholds nothing changes. */
	CHECK_INT(feed(&d, 90, &t, 600), 0);
	CHECK(anpr_daynight_is_night(&d));
	/* Dawn. */
	CHECK_INT(feed(&d, 150, &t, 61), 1);
	CHECK(!anpr_daynight_is_night(&d));
	CHECK_INT((int)d.switches, 2);
}

static void test_flicker_never_flaps(void)
{
	anpr_daynight d;
	int64_t t = 0;
	int changes = 0;

	anpr_daynight_init(&d, &cfg);
	/* Headlights sweeping a dark scene: dark and bright alternately every 20 s for an hour. */
	for (int i = 0; i < 3600; i++, t += 1000)
		changes += anpr_daynight_update(&d, (i / 20) % 2 ? 200 : 10, t);
	CHECK_INT(changes, 0);
	/* A brightness sequence around dusk with noise across the night threshold. */
	static const double seq[] = { 60, 45, 38, 42, 39, 41, 36, 44, 35, 30, 28, 25, 20, 18, 15 };
	changes = 0;
	for (int rep = 0; rep < 20; rep++)
		for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++, t += 1000)
			changes += anpr_daynight_update(&d, seq[i], t);
	/* Only once the scene stays dark for the dwell does it switch, and once. */
	CHECK_INT(feed(&d, 15, &t, 61), 1);
	CHECK_INT(changes, 0);
	/* Lamp-lit scene flickering around day_above never goes back within the dwell. */
	changes = 0;
	for (int i = 0; i < 600; i++, t += 1000)
		changes += anpr_daynight_update(&d, i % 30 < 25 ? 120 : 100, t);
	CHECK_INT(changes, 0);
	CHECK(anpr_daynight_is_night(&d));
}

static void test_min_dwell_after_switch(void)
{
	anpr_daynight_cfg c = cfg;
	anpr_daynight d;
	int64_t t = 0;

	c.dwell_ms = 10000;
	anpr_daynight_init(&d, &c);
	CHECK_INT(feed(&d, 10, &t, 11), 1); /* night after 10 s */
	int64_t at = t;
	/* Bright at once: must hold night for the dwell from the switch. */
	int changes = 0;
	int64_t switched = -1;
	for (int i = 0; i < 30; i++, t += 1000)
		if (anpr_daynight_update(&d, 200, t)) {
			changes++;
			switched = t;
		}
	CHECK_INT(changes, 1);
	CHECK(switched - at >= 10000);
}

static void test_held_modes_and_no_samples(void)
{
	anpr_daynight_cfg c = cfg;
	anpr_daynight d;
	int64_t t = 0;

	c.mode = ANPR_DAYNIGHT_NIGHT;
	anpr_daynight_init(&d, &c);
	CHECK(anpr_daynight_update(&d, 250, t));
	CHECK(anpr_daynight_is_night(&d));
	CHECK_INT(feed(&d, 250, &t, 300), 0);
	c.mode = ANPR_DAYNIGHT_AUTO;
	anpr_daynight_reconfigure(&d, &c);
	CHECK(anpr_daynight_is_night(&d));
	/* No brightness (no frames yet): no decision. */
	CHECK_INT(feed(&d, -1, &t, 300), 0);
	CHECK(anpr_daynight_is_night(&d));
	c.mode = ANPR_DAYNIGHT_DAY;
	anpr_daynight_reconfigure(&d, &c);
	CHECK(anpr_daynight_update(&d, 0, t));
	CHECK(!anpr_daynight_is_night(&d));
}

int main(void)
{
	test_dusk_and_dawn();
	test_flicker_never_flaps();
	test_min_dwell_after_switch();
	test_held_modes_and_no_samples();
	return check_summary();
}
