/* SPDX-License-Identifier: MIT */
/* Fuzz target: the spool's record decoder; the input is a segment file, which the spool recovers and reads in full. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"

#include "fuzz_tmpdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One folder for the whole run (removed at exit), emptied before each input; logging quiet. */
static const char *folder(void)
{
	anpr_log_set_level(ANPR_LOG_ERROR);
	anpr_log_set_rate_limit(0, 0);
	return fuzz_tmpdir("fuzz-spool");
}

static void empty(const char *d)
{
	static const char *const names[] = { "seg-0000000000000001.spl", "seg-0000000000000001.idx",
					     "acks.jnl" };
	char path[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, names[i]);
		unlink(path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[64 * 1024];
	const char *d = folder();
	char path[128];
	anpr_spool_cfg cfg;
	anpr_spool *s = NULL;

	empty(d);
	snprintf(path, sizeof(path), "%s/seg-0000000000000001.spl", d);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);

	/* The key the seed corpus was made with: bytes 0, 1, ..., 31. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.dir = d;
	cfg.max_bytes = 64u << 20;
	cfg.segment_bytes = 1u << 20;
	cfg.retention_ms = 1000LL * 3600 * 24 * 365 * 100;
	for (int i = 0; i < ANPR_SPOOL_KEY_LEN; i++)
		cfg.key[i] = (uint8_t)i;
	if (anpr_spool_open(&cfg, &s) != ANPR_ERR_OK)
		abort(); /* damaged data must never stop the spool */

	uint64_t seqs[256];
	size_t n = anpr_spool_pending(s, 0, false, seqs, 256);
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		anpr_err err = anpr_spool_read(s, seqs[i], buf, sizeof(buf), &len, NULL);
		if (err != ANPR_ERR_OK && err != ANPR_ERR_FORMAT && err != ANPR_ERR_TOO_BIG)
			abort();
		if (err == ANPR_ERR_OK && len > sizeof(buf))
			abort();
	}
	uint64_t checked = 0, bad = 0;
	if (anpr_spool_check(s, &checked, &bad) != ANPR_ERR_OK || bad > checked)
		abort();
	anpr_spool_stats st;
	anpr_spool_get_stats(s, &st);
	if (st.records > st.pending + st.delivered + st.quarantined + st.corrupt)
		abort();
	anpr_spool_close(s);
	return 0;
}
