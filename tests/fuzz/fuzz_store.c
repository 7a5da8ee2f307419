/* SPDX-License-Identifier: MIT */
/* Fuzz target: what anprd parses from outside at start: the newest read file on disk (chain recovery), --source and --start-time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "source.h"
#include "store.h"
#include "store_internal.h"

#include "fuzz_tmpdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One folder for the whole run (removed at exit), each input's file removed after it; logging quiet. */
static const char *folder(void)
{
	anpr_log_set_level(ANPR_LOG_ERROR);
	return fuzz_tmpdir("fuzz-store");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512], path[128];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	memcpy(text, data, n);
	text[n] = '\0';

	/* The chain tip file: what it accepts, it must be able to write back the same way. */
	uint64_t tip_seq;
	uint8_t tip_sha[ANPR_SHA256_LEN];
	if (anpr_store_parse_tip((const char *)data, size, &tip_seq, tip_sha) &&
	    (tip_seq == 0 || tip_seq > 999999999999ULL))
		abort();

	/* --source and --start-time */
	anpr_source_cfg cfg = { 0 };
	if (anpr_source_parse_spec(text, &cfg) == ANPR_ERR_OK && cfg.kind != ANPR_SOURCE_CAMERA && !cfg.path)
		abort();
	int64_t ms;
	if (anpr_clock_parse_utc(text, &ms) == ANPR_ERR_OK) {
		/* Formatting gives back the same time (milliseconds are optional on input, always written). */
		char back[ANPR_UTC_STRLEN];
		int64_t again;
		if (anpr_clock_format_utc(ms, back, sizeof(back)) != ANPR_ERR_OK ||
		    anpr_clock_parse_utc(back, &again) != ANPR_ERR_OK || again != ms ||
		    (strlen(text) == ANPR_UTC_STRLEN - 1 && strcmp(back, text) != 0))
			abort();
	}

	/* The newest read file, damaged any way: the store opens, the sequence is kept, nothing crashes. */
	const char *d = folder();
	snprintf(path, sizeof(path), "%s/000000000007.read.json", d);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	anpr_store *s = NULL;
	if (anpr_store_open(d, &s) == ANPR_ERR_OK) {
		uint64_t seq;
		uint8_t sha[ANPR_SHA256_LEN];
		anpr_store_chain(s, &seq, sha);
		if (seq != 7)
			abort();
		anpr_store_close(s);
	}
	unlink(path);
	return 0;
}
