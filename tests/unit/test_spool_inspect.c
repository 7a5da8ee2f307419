/* SPDX-License-Identifier: MIT */
/* Read-only inspection of a ring buffer folder (anpr_spool_inspect): right figures, a working check, and not one byte changed on disk. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "spool.h"

#define NOW_MS 1795298401000LL

static char root[] = "/tmp/test-spool-inspect-XXXXXX";

static anpr_spool_cfg cfg_for(const char *dir)
{
	anpr_spool_cfg c;

	memset(&c, 0, sizeof(c));
	c.dir = dir;
	c.max_bytes = 64u << 20;
	c.segment_bytes = 1u << 20;
	c.retention_ms = 7 * 24 * 3600 * 1000LL;
	for (int i = 0; i < ANPR_SPOOL_KEY_LEN; i++)
		c.key[i] = (uint8_t)(i * 5 + 3);
	return c;
}

/* A fingerprint of every file in dir: names, sizes, modes and a hash of the contents. */
static uint64_t fingerprint(const char *dir, unsigned *files)
{
	uint64_t h = 1469598103934665603ull;
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[512];

	*files = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		/* readdir order is stable for an unchanged folder; the sum keeps it order-free anyway. */
		uint64_t fh = 1469598103934665603ull ^ (uint64_t)st.st_size ^ ((uint64_t)st.st_mode << 40);
		for (const char *p = de->d_name; *p; p++)
			fh = (fh ^ (uint8_t)*p) * 1099511628211ull;
		FILE *f = fopen(path, "rb");
		int ch;
		while (f && (ch = fgetc(f)) != EOF)
			fh = (fh ^ (uint8_t)ch) * 1099511628211ull;
		if (f)
			fclose(f);
		h += fh;
		(*files)++;
	}
	closedir(d);
	return h;
}

static void fill_spool(const char *dir, uint64_t n, uint64_t deliver)
{
	anpr_spool_cfg c = cfg_for(dir);
	anpr_spool *s = NULL;
	uint8_t data[300];

	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	if (!s)
		return;
	for (uint64_t seq = 1; seq <= n; seq++) {
		memset(data, (int)seq, sizeof(data));
		CHECK_INT(anpr_spool_append(s, seq, NOW_MS + (int64_t)seq, data, sizeof(data)), ANPR_ERR_OK);
	}
	for (uint64_t seq = 1; seq <= deliver; seq++)
		CHECK_INT(anpr_spool_mark(s, &seq, 1, ANPR_SPOOL_DELIVERED), ANPR_ERR_OK);
	anpr_spool_close(s);
}

static void test_figures_and_check(void)
{
	char dir[256];
	anpr_spool_cfg c;
	anpr_spool_inspection in;
	unsigned files_before, files_after;

	snprintf(dir, sizeof(dir), "%s/a", root);
	c = cfg_for(dir);
	fill_spool(dir, 50, 20);
	uint64_t before = fingerprint(dir, &files_before);
	CHECK(files_before >= 2);

	CHECK_INT(anpr_spool_inspect(dir, NULL, false, &in), ANPR_ERR_OK);
	CHECK_INT(in.stats.records, 50);
	CHECK_INT(in.stats.pending, 30);
	CHECK_INT(in.stats.delivered, 20);
	CHECK_INT(in.stats.first_seq, 1);
	CHECK_INT(in.stats.last_seq, 50);
	CHECK_INT(in.stats.oldest_pending_utc_ms, NOW_MS + 21);
	CHECK(!in.check_done);

	CHECK_INT(anpr_spool_inspect(dir, c.key, true, &in), ANPR_ERR_OK);
	CHECK(in.check_done);
	CHECK_INT(in.checked, 50);
	CHECK_INT(in.bad, 0);

	/* The wrong key: every record fails authentication, and that is all that happens. */
	uint8_t wrong[ANPR_SPOOL_KEY_LEN] = { 0 };
	CHECK_INT(anpr_spool_inspect(dir, wrong, true, &in), ANPR_ERR_OK);
	CHECK_INT(in.checked, 50);
	CHECK_INT(in.bad, 50);

	uint64_t after = fingerprint(dir, &files_after);
	CHECK_INT(files_after, files_before);
	CHECK(after == before);

	/* A normal open afterwards still finds every record intact and every delivery state. */
	anpr_spool *s = NULL;
	uint64_t checked = 0, bad = 1;
	CHECK_INT(anpr_spool_open(&c, &s), ANPR_ERR_OK);
	if (s) {
		anpr_spool_stats st;
		anpr_spool_get_stats(s, &st);
		CHECK_INT(st.delivered, 20);
		CHECK_INT(anpr_spool_check(s, &checked, &bad), ANPR_ERR_OK);
		CHECK_INT(checked, 50);
		CHECK_INT(bad, 0);
		anpr_spool_close(s);
	}
}

/* Damage is counted, never repaired: a flipped byte and a torn tail stay on disk as they were. */
static void test_damage_left_alone(void)
{
	char dir[256], seg[512] = "";
	anpr_spool_cfg c;
	anpr_spool_inspection in;
	unsigned files_before, files_after;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%s/b", root);
	c = cfg_for(dir);
	fill_spool(dir, 10, 0);
	DIR *d = opendir(dir);
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".spl"))
			snprintf(seg, sizeof(seg), "%s/%s", dir, de->d_name);
	if (d)
		closedir(d);
	CHECK(seg[0] != '\0');
	int fd = open(seg, O_RDWR);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	struct stat st;
	fstat(fd, &st);
	/* Flip a byte inside the 5th record's body (64-byte header, records of 32 + 300 + 16 bytes). */
	off_t off = 64 + 4 * (32 + 300 + 16) + 32 + 10;
	uint8_t b;
	CHECK_INT(pread(fd, &b, 1, off), 1);
	b ^= 0x40;
	CHECK_INT(pwrite(fd, &b, 1, off), 1);
	/* And a torn tail: half a record header. */
	uint8_t junk[16] = { 'S', 'R', 'C', '1', 9, 9, 9, 9 };
	CHECK_INT(pwrite(fd, junk, sizeof(junk), st.st_size), (long)sizeof(junk));
	close(fd);
	/* Without its index the segment is scanned: the path that would cut the tail and write a new index. */
	char idx[512];
	snprintf(idx, sizeof(idx), "%.*s.idx", (int)(strlen(seg) - 4), seg);
	CHECK_INT(unlink(idx), 0);

	uint64_t before = fingerprint(dir, &files_before);
	CHECK_INT(anpr_spool_inspect(dir, c.key, true, &in), ANPR_ERR_OK);
	CHECK(in.stats.corrupt >= 1);
	CHECK_INT(in.stats.torn, 1);
	CHECK_INT(in.checked, 9); /* the flipped record is skipped at the scan */
	uint64_t after = fingerprint(dir, &files_after);
	CHECK_INT(files_after, files_before);
	CHECK(after == before);
	struct stat st2;
	CHECK_INT(stat(seg, &st2), 0);
	CHECK_INT(st2.st_size, st.st_size + (off_t)sizeof(junk)); /* the tail was not cut */
}

static void test_errors(void)
{
	char dir[256];
	anpr_spool_inspection in;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/missing", root);
	CHECK_INT(anpr_spool_inspect(dir, NULL, false, &in), ANPR_ERR_NOT_FOUND);
	CHECK(stat(dir, &st) != 0);                                          /* not created */
	CHECK_INT(anpr_spool_inspect(dir, NULL, true, &in), ANPR_ERR_INVAL); /* a check needs the key */
	CHECK_INT(anpr_spool_inspect("", NULL, false, &in), ANPR_ERR_INVAL);
	/* An empty folder is an empty buffer, and stays empty. */
	snprintf(dir, sizeof(dir), "%s/empty", root);
	mkdir(dir, 0700);
	CHECK_INT(anpr_spool_inspect(dir, NULL, false, &in), ANPR_ERR_OK);
	CHECK_INT(in.stats.records, 0);
	unsigned files;
	fingerprint(dir, &files);
	CHECK_INT(files, 0);
}

int main(void)
{
	anpr_log_set_level(ANPR_LOG_ERROR);
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_figures_and_check();
	test_damage_left_alone();
	test_errors();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return check_summary();
}
