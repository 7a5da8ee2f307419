/* SPDX-License-Identifier: MIT */
/* Day/night switching with hysteresis and dwell. */
#include "daynight.h"

void anpr_daynight_init(anpr_daynight *d, const anpr_daynight_cfg *cfg)
{
	d->cfg = *cfg;
	d->night = false;
	d->started = false;
	d->since_ms = 0;
	d->crossed_ms = -1;
	d->switches = 0;
}

void anpr_daynight_reconfigure(anpr_daynight *d, const anpr_daynight_cfg *cfg)
{
	d->cfg = *cfg;
	d->crossed_ms = -1;
}

static bool enter(anpr_daynight *d, bool night, int64_t now_ms)
{
	if (d->night == night)
		return false;
	d->night = night;
	d->since_ms = now_ms;
	d->crossed_ms = -1;
	d->switches++;
	return true;
}

bool anpr_daynight_update(anpr_daynight *d, double mean_luma, int64_t now_ms)
{
	if (!d->started) {
		d->started = true;
		d->since_ms = now_ms;
	}
	if (d->cfg.mode == ANPR_DAYNIGHT_DAY)
		return enter(d, false, now_ms);
	if (d->cfg.mode == ANPR_DAYNIGHT_NIGHT)
		return enter(d, true, now_ms);
	if (mean_luma < 0)
		return false;
	bool past = d->night ? mean_luma > (double)d->cfg.day_above : mean_luma < (double)d->cfg.night_below;
	if (!past) {
		d->crossed_ms = -1;
		return false;
	}
	if (d->crossed_ms < 0)
		d->crossed_ms = now_ms;
	if (now_ms - d->crossed_ms < d->cfg.dwell_ms || now_ms - d->since_ms < d->cfg.dwell_ms)
		return false;
	return enter(d, !d->night, now_ms);
}
