/* SPDX-License-Identifier: MIT */
/* Fuzz target: the strict INI parser over the firmware's key table, plus write-back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	const anpr_cfg_key *keys = anpr_keys_table(&n);
	anpr_config *c = NULL;
	char diag[ANPR_CFG_DIAG_LEN];

	if (anpr_config_new(keys, n, &c, diag, sizeof(diag)) != ANPR_ERR_OK)
		abort();
	if (anpr_config_load_buffer(c, "fuzz.ini", (const char *)data, size, diag, sizeof(diag)) ==
	    ANPR_ERR_OK) {
		/* Whatever parses must write back to text that parses to the same values. */
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		anpr_config_write(c, f);
		fclose(f);
		anpr_config *again = NULL;
		if (anpr_config_new(keys, n, &again, diag, sizeof(diag)) != ANPR_ERR_OK ||
		    anpr_config_load_buffer(again, "again.ini", text, len, diag, sizeof(diag)) !=
			ANPR_ERR_OK ||
		    anpr_config_diff(c, again, false, NULL) != 0)
			abort();
		anpr_config_free(again);
		free(text);
	} else if (!memchr(diag, ':', strlen(diag))) {
		abort(); /* every rejection must say where */
	}
	anpr_config_free(c);
	return 0;
}
