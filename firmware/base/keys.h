/* SPDX-License-Identifier: MIT */
/* The firmware's configuration keys: index names for anpr_config getters, and the table. */
#ifndef ANPR_KEYS_H
#define ANPR_KEYS_H

#include <stddef.h>

#include "config.h"

#define ANPR_KEY(id, section, name, type, def, min, max, choices, reload, help) ANPR_KEY_##id,
typedef enum anpr_key {
#include "keys_list.h"
	ANPR_KEY_COUNT_
} anpr_key;
#undef ANPR_KEY

/* The table, in the order of anpr_key. Static storage; any thread. */
const anpr_cfg_key *anpr_keys_table(size_t *count);

#endif
