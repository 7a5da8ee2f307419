/* SPDX-License-Identifier: MIT */
/* Fuzz target: anpr-diag console input: the line editor byte by byte, then the command-line splitter and users-file line parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cmdline.h"
#include "commands.h"
#include "lineedit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line)
{
	anpr_cmdline cl;
	char why[128];
	size_t n = strlen(line);

	/* The editor hands out only printable ASCII, at most 256 characters. */
	if (n > ANPR_LE_MAX_LINE)
		abort();
	for (size_t i = 0; i < n; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			abort();
	anpr_err err = anpr_cmdline_split(line, n, &cl, why, sizeof(why));
	if (err == ANPR_ERR_OK) {
		if (cl.argc < 0 || cl.argc > ANPR_CMDLINE_MAX_ARGS || cl.argv[cl.argc] != NULL)
			abort();
		for (int i = 0; i < cl.argc; i++)
			if (strlen(cl.argv[i]) > n)
				abort();
	} else if (!why[0]) {
		abort(); /* every refusal says why */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	anpr_le *le = anpr_le_new(80, size > 0 && (data[0] & 1));
	size_t len;

	if (!le)
		return 0;
	anpr_le_set_completion(le, anpr_commands_complete, NULL);
	anpr_le_start(le, "anpr-0000 engineer> ", true);
	for (size_t i = 0; i < size; i++) {
		anpr_le_event ev = anpr_le_feed(le, data[i]);
		if (strlen(anpr_le_buffer(le)) > ANPR_LE_MAX_LINE ||
		    anpr_le_cursor(le) > strlen(anpr_le_buffer(le)))
			abort();
		if (ev == ANPR_LE_LINE) {
			check_line(anpr_le_line(le));
			anpr_le_history_add(le, anpr_le_line(le));
		}
		if (ev != ANPR_LE_NONE)
			anpr_le_start(le, (i & 1) ? "password: " : "> ", (i & 2) != 0);
		if ((i & 63) == 0) {
			anpr_le_hide(le);
			anpr_le_show(le);
		}
		(void)anpr_le_output(le, &len);
		if (len > ANPR_LE_OUT_CAP)
			abort();
		anpr_le_drain(le);
	}
	anpr_le_free(le);

	/* The same bytes as a command line and as a users-file line. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	anpr_cmdline cl;
	char why[128], user[ANPR_AUTH_MAX_USER + 1];
	anpr_role role;
	unsigned it;
	uint8_t salt[ANPR_AUTH_SALT_LEN], hash[ANPR_AUTH_HASH_LEN];
	long v;
	if (anpr_cmdline_split(text, strlen(text), &cl, why, sizeof(why)) == ANPR_ERR_OK &&
	    cl.argc > ANPR_CMDLINE_MAX_ARGS)
		abort();
	if (anpr_auth_parse_line(text, user, sizeof(user), &role, &it, salt, hash, why, sizeof(why)) ==
		ANPR_ERR_OK &&
	    (it < ANPR_AUTH_MIN_ITER || !anpr_auth_user_valid(user)))
		abort();
	if (anpr_cmdline_number(text, -5, 600, &v) == ANPR_ERR_OK && (v < -5 || v > 600))
		abort();
	free(text);
	return 0;
}
