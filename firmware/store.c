/* SPDX-License-Identifier: MIT */
/* Where signed reads go once built: the store interface the pipeline writes to, with a folder-of-files store. */
#define ANPR_LOG_TAG "store"
#include "atomicfile.h"
#include "store.h"
#include "store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "readfile.h"
#include "log.h"

#define SUFFIX ".read.json"
#define SEQ_DIGITS 12
#define MAX_ENVELOPE (1024 * 1024) /* a read is ~40 KB; anything far larger is not ours */

struct anpr_store {
	anpr_spool *spool; /* set: records go to the ring buffer instead of files */
	char *tip_path;    /* the chain's tip, kept beside the spool */
	void (*stored)(void *user);
	void *user;
	char *dir;
	int dir_fd;
	uint64_t last_seq;
	uint8_t last_sha[ANPR_SHA256_LEN];
	uint64_t count;
};

/* The sequence number a file name stands for, or 0 if it is not a read file. */
static uint64_t name_seq(const char *name)
{
	uint64_t seq = 0;

	for (int i = 0; i < SEQ_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		seq = seq * 10 + (uint64_t)(name[i] - '0');
	}
	return strcmp(name + SEQ_DIGITS, SUFFIX) ? 0 : seq;
}

/* Hashes the JWS inside an envelope (NUL-terminated); false if it has no whole JWS. */
static bool jws_hash(const char *buf, uint8_t sha[ANPR_SHA256_LEN])
{
	static const char key[] = "\"jws\":\"";
	const char *p = strstr(buf, key), *end;

	if (!p)
		return false;
	p += sizeof(key) - 1;
	for (end = p; *end && *end != '"'; end++)
		if (!(*end == '.' || *end == '-' || *end == '_' || (*end >= '0' && *end <= '9') ||
		      (*end >= 'a' && *end <= 'z') || (*end >= 'A' && *end <= 'Z')))
			return false;
	if (*end != '"' || end == p)
		return false;
	anpr_sha256(p, (size_t)(end - p), sha);
	return true;
}

/* Hashes the JWS inside an envelope file; false if the file is not a whole envelope. */
static bool envelope_hash(int dir_fd, const char *name, uint8_t sha[ANPR_SHA256_LEN])
{
	char *buf = NULL;
	size_t len = 0;
	bool ok;

	if (anpr_file_read(dir_fd, name, ANPR_READ_NOFOLLOW, MAX_ENVELOPE, &buf, &len, NULL, 0) !=
	    ANPR_ERR_OK)
		return false;
	ok = len > 0 && jws_hash(buf, sha);
	free(buf);
	return ok;
}

static int cmp_seq_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x < y) - (x > y);
}

/* Finds the chain's end: the highest sequence number, and the hash of the newest whole read. */
static anpr_err recover(anpr_store *s)
{
	uint64_t *seqs = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	anpr_err err = ANPR_ERR_OK;
	int fd = dup(s->dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		ANPR_LOGE("cannot list %s: %s", s->dir, strerror(errno));
		return ANPR_ERR_IO;
	}
	while ((de = readdir(d))) {
		uint64_t seq = name_seq(de->d_name);
		if (!seq)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(seqs, cap * sizeof(*seqs));
			if (!grown) {
				err = ANPR_ERR_NOMEM;
				goto out;
			}
			seqs = grown;
		}
		seqs[n++] = seq;
	}
	s->count = 0;
	if (n == 0)
		goto out;
	qsort(seqs, n, sizeof(*seqs), cmp_seq_desc);
	s->last_seq = seqs[0];
	for (size_t i = 0; i < n; i++) {
		char name[SEQ_DIGITS + sizeof(SUFFIX)];
		snprintf(name, sizeof(name), "%0*" PRIu64 SUFFIX, SEQ_DIGITS, seqs[i]);
		if (envelope_hash(s->dir_fd, name, s->last_sha)) {
			if (i > 0)
				ANPR_LOGW(
				    "%zu newest read file(s) in %s are damaged; the hash chain continues "
				    "from read %" PRIu64 " (the back office will see the gap)",
				    i, s->dir, seqs[i]);
			goto out;
		}
	}
	ANPR_LOGW("no whole read file in %s; the hash chain restarts", s->dir);
out:
	free(seqs);
	closedir(d);
	return err;
}

anpr_err anpr_store_open(const char *dir, anpr_store **out)
{
	anpr_store *s;
	anpr_err err;

	if (!dir || !dir[0] || !out)
		return ANPR_ERR_INVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ANPR_ERR_NOMEM;
	s->dir_fd = -1;
	s->dir = strdup(dir);
	if (!s->dir) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		ANPR_LOGE("cannot create %s: %s", dir, strerror(errno));
		err = errno == EACCES ? ANPR_ERR_PERMISSION : ANPR_ERR_IO;
		goto out;
	}
	s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		ANPR_LOGE("cannot open %s: %s", dir, strerror(errno));
		err = errno == EACCES ? ANPR_ERR_PERMISSION : ANPR_ERR_IO;
		goto out;
	}
	err = recover(s);
out:
	if (err) {
		anpr_store_close(s);
		return err;
	}
	*out = s;
	return ANPR_ERR_OK;
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool anpr_store_parse_tip(const char *text, size_t len, uint64_t *seq, uint8_t sha[ANPR_SHA256_LEN])
{
	uint64_t v = 0;
	size_t i = 0, digits = 0;

	/* "<seq> <64 lowercase hex>" and an optional newline; seq 1..999999999999 (read ids have 12 digits). */
	while (i < len && text[i] >= '0' && text[i] <= '9' && digits < SEQ_DIGITS) {
		v = v * 10 + (uint64_t)(text[i++] - '0');
		digits++;
	}
	if (digits == 0 || v == 0 || i >= len || text[i++] != ' ' || len - i < 2 * ANPR_SHA256_LEN)
		return false;
	for (int b = 0; b < ANPR_SHA256_LEN; b++, i += 2) {
		int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		sha[b] = (uint8_t)(hi << 4 | lo);
	}
	if (i < len && text[i] == '\n')
		i++;
	if (i != len)
		return false;
	*seq = v;
	return true;
}

/* Reads the tip file; false if absent, or (logged) unreadable or malformed. */
static bool read_tip(const char *path, uint64_t *seq, uint8_t sha[ANPR_SHA256_LEN])
{
	char buf[128];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		if (errno != ENOENT)
			ANPR_LOGW("%s: cannot read the chain tip: %s", path, strerror(errno));
		return false;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || !anpr_store_parse_tip(buf, (size_t)n, seq, sha)) {
		ANPR_LOGW("%s: the chain tip is damaged; the sequence continues from the ring buffer", path);
		return false;
	}
	return true;
}

anpr_err anpr_store_save_tip(anpr_store *s)
{
	char text[32 + 2 * ANPR_SHA256_LEN], diag[512];
	int n;
	anpr_err err;

	if (!s || !s->tip_path || !s->last_seq)
		return s && s->tip_path ? ANPR_ERR_OK : ANPR_ERR_INVAL;
	n = snprintf(text, sizeof(text), "%" PRIu64 " ", s->last_seq);
	for (int i = 0; i < ANPR_SHA256_LEN; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%02x", s->last_sha[i]);
	text[n++] = '\n';
	err = anpr_atomic_write(s->tip_path, text, (size_t)n, 0600, diag, sizeof(diag));
	if (err)
		ANPR_LOGE("cannot save the chain tip: %s", diag);
	return err;
}

anpr_err anpr_store_open_spool(anpr_spool *spool, const char *tip_path, void (*stored)(void *user),
			       void *user, anpr_store **out)
{
	anpr_store *s;
	char *buf = NULL;
	size_t len = 0;
	uint64_t seq = 0, tip_seq = 0;
	uint8_t tip_sha[ANPR_SHA256_LEN];
	bool have_tip;

	if (!spool || !tip_path || !out)
		return ANPR_ERR_INVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ANPR_ERR_NOMEM;
	s->spool = spool;
	s->stored = stored;
	s->user = user;
	s->dir_fd = -1;
	s->tip_path = strdup(tip_path);
	if (!s->tip_path) {
		free(s);
		return ANPR_ERR_NOMEM;
	}
	have_tip = read_tip(tip_path, &tip_seq, tip_sha);
	if (anpr_spool_last(spool, &seq) != ANPR_ERR_OK)
		seq = 0;
	if (have_tip && tip_seq >= seq) {
		/* The newest reads were deleted (retention): the saved tip continues the chain. */
		s->last_seq = tip_seq;
		memcpy(s->last_sha, tip_sha, sizeof(tip_sha));
	} else if (seq) {
		/* The chain continues from the newest read held; a damaged one is skipped by the spool. */
		s->last_seq = seq;
		buf = malloc(ANPR_SPOOL_MAX_RECORD + 1);
		if (!buf) {
			anpr_store_close(s);
			return ANPR_ERR_NOMEM;
		}
		if (anpr_spool_read(spool, seq, buf, ANPR_SPOOL_MAX_RECORD, &len, NULL) == ANPR_ERR_OK) {
			buf[len] = '\0';
			if (!jws_hash(buf, s->last_sha))
				ANPR_LOGW("the newest stored read %" PRIu64
					  " has no JWS; the hash chain restarts",
					  seq);
		} else {
			ANPR_LOGW("the newest read %" PRIu64
				  " cannot be read; the hash chain restarts after it",
				  seq);
		}
		free(buf);
	}
	*out = s;
	return ANPR_ERR_OK;
}

void anpr_store_close(anpr_store *s)
{
	if (!s)
		return;
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->tip_path);
	free(s->dir);
	free(s);
}

void anpr_store_chain(const anpr_store *s, uint64_t *last_seq, uint8_t last_sha256[ANPR_SHA256_LEN])
{
	*last_seq = s->last_seq;
	memcpy(last_sha256, s->last_sha, ANPR_SHA256_LEN);
}

uint64_t anpr_store_count(const anpr_store *s)
{
	return s->count;
}

static void b64(FILE *f, const uint8_t *data, size_t len)
{
	char chunk[4 * 256 / 3 + 8];

	for (size_t off = 0; off < len; off += 255) {
		size_t n = len - off < 255 ? len - off : 255;
		anpr_base64url(data + off, n, chunk);
		fputs(chunk, f);
	}
}

static anpr_err write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ANPR_ERR_IO;
		buf += w;
		len -= (size_t)w;
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_store_put(anpr_store *s, const anpr_store_record *r)
{
	char name[SEQ_DIGITS + sizeof(SUFFIX)], tmp[sizeof(name) + 8];
	char *buf = NULL;
	size_t len = 0;
	anpr_err err = ANPR_ERR_OK;
	FILE *f;
	int fd = -1;

	if (!s || !r || !r->id || !r->jws || r->seq <= s->last_seq || !r->patch || !r->overview)
		return ANPR_ERR_INVAL;
	f = open_memstream(&buf, &len);
	if (!f)
		return ANPR_ERR_NOMEM;
	/* base64url chunks of 255 bytes (a multiple of 3) join into one valid encoding. */
	fputs("{\"id\":", f);
	anpr_json_write_string(f, r->id);
	fprintf(f, ",\"seq\":%" PRIu64 ",\"jws\":\"", r->seq);
	fwrite(r->jws, 1, r->jws_len, f);
	fputs("\",\"patch_jpeg\":\"", f);
	b64(f, r->patch, r->patch_len);
	fputs("\",\"overview_jpeg\":\"", f);
	b64(f, r->overview, r->overview_len);
	fputs("\"}\n", f);
	if (fclose(f) != 0 || !buf) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	if (s->spool) {
		err = anpr_spool_append(s->spool, r->seq, r->captured_utc_ms, buf, len);
		if (err)
			goto out;
		goto stored;
	}
	snprintf(name, sizeof(name), "%0*" PRIu64 SUFFIX, SEQ_DIGITS, r->seq);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ANPR_LOGE("cannot create %s/%s: %s", s->dir, tmp, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	err = write_all(fd, buf, len);
	if (err) {
		ANPR_LOGE("cannot write %s/%s: %s", s->dir, tmp, strerror(errno));
		goto out;
	}
	if (fsync(fd) != 0) {
		ANPR_LOGE("fsync of %s/%s failed: %s", s->dir, tmp, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
	close(fd);
	fd = -1;
	if (renameat(s->dir_fd, tmp, s->dir_fd, name) != 0 || fsync(s->dir_fd) != 0) {
		ANPR_LOGE("cannot commit %s/%s: %s", s->dir, name, strerror(errno));
		err = ANPR_ERR_IO;
		goto out;
	}
stored:
	s->last_seq = r->seq;
	anpr_sha256(r->jws, r->jws_len, s->last_sha);
	s->count++;
	if (s->stored)
		s->stored(s->user);
out:
	if (fd >= 0) {
		close(fd);
		unlinkat(s->dir_fd, tmp, 0);
	}
	free(buf);
	return err;
}
