/* SPDX-License-Identifier: MIT */
/* Debounced tamper switch. */
#define ANPR_LOG_TAG "tamper"
#include "tamper.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "log.h"

struct anpr_tamper {
	anpr_tamper_cfg cfg;
	int candidate;           /* raw level seen most recently */
	int64_t candidate_since; /* ... since then; -1 before the first sample */
	atomic_bool open;
	atomic_uint_fast64_t alarms;
};

anpr_err anpr_tamper_open(const anpr_tamper_cfg *cfg, anpr_tamper **out)
{
	anpr_tamper *t;

	*out = NULL;
	if (!anpr_gpio_has(cfg->gpio, ANPR_GPIO_TAMPER))
		return ANPR_ERR_NOT_FOUND;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ANPR_ERR_NOMEM;
	t->cfg = *cfg;
	t->candidate = !cfg->open_level;
	t->candidate_since = -1;
	atomic_init(&t->open, false);
	atomic_init(&t->alarms, 0);
	*out = t;
	return ANPR_ERR_OK;
}

void anpr_tamper_close(anpr_tamper *t)
{
	free(t);
}

bool anpr_tamper_feed(anpr_tamper *t, int level, int64_t now_ms)
{
	level = level ? 1 : 0;
	if (t->candidate_since < 0 || level != t->candidate) {
		t->candidate = level;
		t->candidate_since = now_ms;
	}
	bool open = level == t->cfg.open_level;
	if (open == atomic_load(&t->open) || now_ms - t->candidate_since < t->cfg.debounce_ms)
		return false;
	atomic_store(&t->open, open);
	if (open) {
		atomic_fetch_add(&t->alarms, 1);
		ANPR_LOGE("the enclosure is open");
	} else {
		ANPR_LOGW("the enclosure is closed again");
	}
	return true;
}

bool anpr_tamper_poll(anpr_tamper *t, int64_t now_ms)
{
	int level;

	if (anpr_gpio_get(t->cfg.gpio, ANPR_GPIO_TAMPER, &level) != ANPR_ERR_OK)
		return false;
	return anpr_tamper_feed(t, level, now_ms);
}

bool anpr_tamper_state(const anpr_tamper *t)
{
	return t && atomic_load(&t->open);
}

uint64_t anpr_tamper_alarms(const anpr_tamper *t)
{
	return t ? atomic_load(&t->alarms) : 0;
}
