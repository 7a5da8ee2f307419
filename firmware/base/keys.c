/* SPDX-License-Identifier: MIT */
/* Expands keys_list.h into the configuration key table. */
#include "keys.h"

static const anpr_cfg_key table[] = {
#define ANPR_KEY(id, section, name, type, def, min, max, choices, reload, help) \
	{ section, name, ANPR_CFG_##type, def, min, max, choices, reload, help },
#include "keys_list.h"
#undef ANPR_KEY
};

const anpr_cfg_key *anpr_keys_table(size_t *count)
{
	*count = sizeof(table) / sizeof(table[0]);
	return table;
}
