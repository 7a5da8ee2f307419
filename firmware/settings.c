/* SPDX-License-Identifier: MIT */
/* Layers the built-in defaults, a board file, the site file and command-line overrides. */
#include "settings.h"

#include <stdio.h>
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
