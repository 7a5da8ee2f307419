/* SPDX-License-Identifier: MIT */
/* The read payload and the folder store: JSON shape, durability, the hash chain across restarts, damage. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "read.h"
#include "store.h"
#include "store_internal.h"

static const uint8_t k_jpeg[] = { 0xff, 0xd8, 0xff, 0xd9 };

static anpr_err put(anpr_store *s, uint64_t seq, const char *jws)
{
	char id[ANPR_READ_ID_BUF];
	CHECK(anpr_read_id("unit-7", seq, id, sizeof(id)));
	anpr_store_record r = { .seq = seq,
				.id = id,
				.jws = jws,
				.jws_len = strlen(jws),
				.patch = k_jpeg,
				.patch_len = sizeof(k_jpeg),
				.overview = k_jpeg,
				.overview_len = sizeof(k_jpeg) };
	return anpr_store_put(s, &r);
}

static void test_payload(void)
{
	anpr_read_candidate alts[2] = { { .text = "AB12CDF", .confidence = 0.02f },
					{ .text = "A812CDE", .confidence = 0.01f } };
	anpr_read_meta m;
	char *json = NULL;
	size_t len = 0;
	char id[ANPR_READ_ID_BUF];

	memset(&m, 0, sizeof(m));
	m.seq = 42;
	m.device = "unit-\"7\"";
	m.site = "M4 J10";
	m.direction = "towards";
	m.firmware = "1.2.3";
	m.lane = 2;
	m.vrm = "AB12CDE";
	m.format = ANPR_FMT_UK_CURRENT;
	m.confidence = 0.98771f;
	m.alts = alts;
	m.n_alts = 2;
	m.captured_utc_ms = 1795298401123;
	m.first_seen_utc_ms = 1795298401000;
	m.last_seen_utc_ms = 1795298401500;
	m.frames = 12;
	m.agreeing = 11;
	m.clock.synchronised = true;
	m.clock.source = "ntp";
	m.patch_w = 120;
	m.patch_h = 60;
	m.patch_bytes = 2000;
	m.overview_w = 1280;
	m.overview_h = 720;
	m.overview_bytes = 24000;
	m.plate_box = (anpr_rect){ 10, 20, 30, 8 };
	m.prev_sha256[0] = 0xab;
	CHECK_INT(anpr_read_payload(&m, &json, &len), ANPR_ERR_OK);
	CHECK_INT(strlen(json), len);
	CHECK_CONTAINS(json, "\"id\":\"unit-\\\"7\\\"-000000000042\"");
	CHECK_CONTAINS(
	    json, "\"vrm\":\"AB12CDE\",\"country\":\"uk\",\"format\":\"uk-current\",\"confidence\":0.9877");
	CHECK_CONTAINS(json, "{\"vrm\":\"A812CDE\",\"confidence\":0.0100}");
	CHECK_CONTAINS(json, "\"captured_at\":\"2026-11-21T22:00:01.123Z\"");
	CHECK_CONTAINS(json, "\"clock\":{\"synchronised\":true,\"source\":\"ntp\"");
	CHECK_CONTAINS(json, "\"plate_box\":[10,20,30,8]");
	CHECK_CONTAINS(json, "\"prev_sha256\":\"ab00000000");
	CHECK_CONTAINS(json, "\"lane\":2,\"direction\":\"towards\"");
	free(json);
	m.vrm = NULL;
	CHECK_INT(anpr_read_payload(&m, &json, &len), ANPR_ERR_INVAL);
	CHECK(anpr_read_id("dev", 1, id, sizeof(id)));
	CHECK_STR(id, "dev-000000000001");
	CHECK(!anpr_read_id("dev", 1, id, 8));
}

static void test_store(void)
{
	char dir[] = "/tmp/anpr-store-XXXXXX";
	char path[256];
	uint8_t sha[ANPR_SHA256_LEN], want[ANPR_SHA256_LEN], zero[ANPR_SHA256_LEN] = { 0 };
	uint64_t seq;
	anpr_store *s = NULL;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/reads", dir);
	CHECK_INT(anpr_store_open(path, &s), ANPR_ERR_OK);
	anpr_store_chain(s, &seq, sha);
	CHECK_INT(seq, 0);
	CHECK(!memcmp(sha, zero, sizeof(sha)));
	CHECK_INT(put(s, 1, "aaa.bbb.ccc"), ANPR_ERR_OK);
	CHECK_INT(put(s, 2, "ddd.eee.fff"), ANPR_ERR_OK);
	CHECK_INT(put(s, 3, "ggg.hhh.iii"), ANPR_ERR_OK);
	CHECK_INT(put(s, 3, "again.x.y"), ANPR_ERR_INVAL); /* never reuse a sequence number */
	CHECK_INT(anpr_store_count(s), 3);
	anpr_store_close(s);
	snprintf(path, sizeof(path), "%s/reads/000000000002.read.json", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);

	/* A restart continues the chain from the newest read. */
	snprintf(path, sizeof(path), "%s/reads", dir);
	CHECK_INT(anpr_store_open(path, &s), ANPR_ERR_OK);
	anpr_store_chain(s, &seq, sha);
	CHECK_INT(seq, 3);
	anpr_sha256("ggg.hhh.iii", 11, want);
	CHECK(!memcmp(sha, want, sizeof(sha)));
	anpr_store_close(s);

	/* A torn newest file: the sequence still moves on, the chain links to the last whole read. */
	snprintf(path, sizeof(path), "%s/reads/000000000003.read.json", dir);
	CHECK_INT(truncate(path, 20), 0);
	snprintf(path, sizeof(path), "%s/reads/junk.read.json", dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/reads", dir);
	CHECK_INT(anpr_store_open(path, &s), ANPR_ERR_OK);
	anpr_store_chain(s, &seq, sha);
	CHECK_INT(seq, 3);
	anpr_sha256("ddd.eee.fff", 11, want);
	CHECK(!memcmp(sha, want, sizeof(sha)));
	CHECK_INT(put(s, 4, "jjj.kkk.lll"), ANPR_ERR_OK);
	anpr_store_close(s);

	/* A path that is a file is refused with an error, not a crash. */
	snprintf(path, sizeof(path), "%s/reads/000000000001.read.json", dir);
	CHECK(anpr_store_open(path, &s) != ANPR_ERR_OK);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

static void test_tip(void)
{
	static const char good[] = "42 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
	char text[160];
	uint64_t seq = 0;
	uint8_t sha[ANPR_SHA256_LEN];

	CHECK(anpr_store_parse_tip(good, strlen(good), &seq, sha));
	CHECK_INT(seq, 42);
	CHECK_INT(sha[0], 0x00);
	CHECK_INT(sha[1], 0x11);
	CHECK_INT(sha[31], 0xff);
	CHECK(anpr_store_parse_tip(good, strlen(good) - 1, &seq, sha)); /* no newline */
	/* Damaged or hostile tips are refused: the sequence then comes from the ring buffer. */
	static const char *bad[] = {
		"",
		"42",
		"42 0011",
		"0 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"-1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"1000000000000 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"18446744073709551615 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"42 00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
		"42 00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg",
		"42  00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"42 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\nx",
		"42 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		seq = 7;
		CHECK(!anpr_store_parse_tip(bad[i], strlen(bad[i]), &seq, sha));
		CHECK_INT(seq, 7);
	}

	/* Through the spool: a damaged tip is ignored, a good one continues the sequence past an empty buffer. */
	char dir[] = "/tmp/anpr-tip-XXXXXX", tip[200];
	CHECK(mkdtemp(dir) != NULL);
	anpr_spool_cfg sc = { .dir = dir,
			      .max_bytes = 64u << 20,
			      .segment_bytes = 1u << 20,
			      .retention_ms = 86400000,
			      .commit_window_ms = 0 };
	anpr_spool *sp = NULL;
	anpr_store *st = NULL;
	CHECK_INT(anpr_spool_open(&sc, &sp), ANPR_ERR_OK);
	snprintf(tip, sizeof(tip), "%s/chain.tip", dir);
	FILE *f = fopen(tip, "w");
	fputs("garbage\n", f);
	fclose(f);
	CHECK_INT(anpr_store_open_spool(sp, tip, NULL, NULL, &st), ANPR_ERR_OK);
	CHECK_INT(put(st, 1, "aaa.bbb.ccc"), ANPR_ERR_OK); /* nothing held, damaged tip: starts at 1 */
	CHECK_INT(anpr_store_save_tip(st), ANPR_ERR_OK);
	anpr_store_close(st);
	f = fopen(tip, "r");
	CHECK(f && fgets(text, sizeof(text), f));
	if (f)
		fclose(f);
	CHECK(anpr_store_parse_tip(text, strlen(text), &seq, sha));
	CHECK_INT(seq, 1);
	f = fopen(tip, "w");
	fputs(good, f);
	fclose(f);
	CHECK_INT(anpr_store_open_spool(sp, tip, NULL, NULL, &st), ANPR_ERR_OK);
	CHECK_INT(put(st, 42, "x.y.z"), ANPR_ERR_INVAL); /* the tip says 42 was used */
	CHECK_INT(put(st, 43, "x.y.z"), ANPR_ERR_OK);
	anpr_store_close(st);
	anpr_spool_close(sp);
	snprintf(text, sizeof(text), "rm -rf '%s'", dir);
	CHECK_INT(system(text), 0);
}

int main(void)
{
	test_tip();
	test_payload();
	test_store();
	return check_summary();
}
