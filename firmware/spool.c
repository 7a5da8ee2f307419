/* SPDX-License-Identifier: MIT */
/* The ring buffer of reads: AES-GCM sealed, CRC32C-framed records in segment files, an index per sealed segment, an ack journal. */
#define ANPR_LOG_TAG "spool"
#include "spool.h"
#include "spool_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "clock.h"
#include "log.h"

/*
 * On disk (all integers little-endian):
 *
 * seg-<first seq, 16 hex>.spl  segment: a 64-byte header, then records back to back.
 *   header: "ANPRSEG1", u32 version, u32 header size (64), u64 first seq,
 *           i64 created utc_ms, 16-byte salt, 12 reserved, u32 CRC32C of bytes 0..59.
 *   record: u32 magic "SRC1", u32 plaintext length, u64 seq, i64 capture utc_ms,
 *           u32 flags (0), u32 CRC32C over bytes 0..27 and the body;
 *           body: AES-256-GCM ciphertext (same length) and the 16-byte tag.
 *   The segment key is HMAC-SHA256(spool key, label || salt); the nonce is
 *   4 zero bytes || u64 seq; the associated data is u64 seq || i64 utc_ms.
 *   A segment only ever receives seqs above all it holds, and a new segment
 *   (new salt, new key) is started at every open, after every crash and
 *   after every write or fsync error, so no nonce repeats under one key even
 *   when a failed seq is appended again or the folder is wiped and seqs start
 *   over (the salt is 128 random bits).
 *
 * seg-<...>.idx  written when a segment is sealed: "ANPRIDX1", u32 version,
 *   u32 count, u64 first seq, u64 data end, 16-byte salt, 12 reserved, u32
 *   CRC32C of the whole file (this field as zero), then count entries of u64
 *   seq, i64 utc_ms, u32 offset, u32 length. Recovery reads it instead of
 *   the segment; a missing or damaged index means a scan.
 *
 * acks.jnl  "ANPRJNL1", u32 version, u32 CRC32C of bytes 0..11; then
 *   24-byte entries u64 from, u64 to, u32 state, u32 CRC32C of bytes 0..19:
 *   every held record with seq in [from, to] has that state. Ranges only
 *   cover consecutive seqs, so a later record can never fall inside one.
 */

#define SEG_MAGIC "ANPRSEG1"
#define IDX_MAGIC "ANPRIDX1"
#define JNL_MAGIC "ANPRJNL1"
#define FORMAT_VERSION 1u
#define REC_MAGIC 0x31435253u /* "SRC1" */
#define SEG_HDR ANPR_SPOOL_SEG_HDR
#define REC_HDR ANPR_SPOOL_REC_HDR
#define TAG_LEN ANPR_SPOOL_TAG_LEN
#define SALT_LEN 16
#define NONCE_LEN 12
#define AAD_LEN 16
#define IDX_HDR 64
#define IDX_ENT 24
#define JNL_HDR 16
#define JNL_ENT 24
#define JNL_NAME "acks.jnl"
#define JNL_TMP "acks.jnl.tmp"
#define NAME_MAX_LEN 40
#define SEG_MIN (1ull << 20)
#define SEG_MAX (1ull << 30)
#define GAPS_MAX 4096        /* gaps queued between expire calls */
#define COMMIT_SEGS 16       /* segments one commit can cover */
#define JNL_SLACK (4u << 20) /* journal growth that triggers a rewrite at expire */
#define IO_CHUNK (64u * 1024)

/* Record states in memory; the first three are anpr_spool_state. */
enum { ST_PENDING, ST_DELIVERED, ST_QUARANTINED, ST_CORRUPT, ST_UNSYNCED, ST_COUNT };

static const char key_label[] = "anpr-spool segment key v1";
static const char drbg_pers[] = "anpr-spool";

int (*anpr_spool_fsync_hook)(int fd) = fdatasync;
ssize_t (*anpr_spool_pwrite_hook)(int fd, const void *buf, size_t len, off_t off) = pwrite;

/* One record in the in-memory index: 32 bytes. */
struct ent {
	uint64_t seq;
	int64_t utc_ms;
	uint32_t off;
	uint32_t len; /* plaintext */
	uint8_t state;
};

struct seg {
	uint64_t name_seq;
	uint8_t salt[SALT_LEN];
	uint8_t key[32];
	struct ent *e; /* ascending seq */
	uint32_t n, cap;
	uint32_t synced_n; /* e[0..synced_n) are durable */
	uint64_t size;     /* bytes of the file we trust */
	int64_t max_utc;
	uint32_t cnt[ST_COUNT];
	int fd;           /* open for appending until sealed */
	unsigned waiters; /* appenders waiting for this segment's commit */
	bool closing;     /* takes no more records; sealed once synced */
	bool failed;      /* a write or fsync failed */
	bool busy;        /* being fsynced without the lock */
};

struct gap {
	uint64_t from, to;
	const char *reason;
};

struct waitfor {
	struct seg *seg;
	uint32_t idx;
};

struct anpr_spool {
	anpr_spool_cfg cfg;
	char *dir;
	int dir_fd;
	int jfd;
	uint64_t jbytes, jbytes_compacted;
	bool jbroken;
	pthread_mutex_t mu;
	pthread_cond_t commit_cv; /* a commit finished */
	pthread_cond_t arrive_cv; /* an appender finished writing */
	atomic_uint arriving;     /* appenders that have not written yet */
	bool committing;
	struct seg **segs;
	size_t nseg, segcap;
	struct seg *cur;
	uint64_t last_seq; /* highest seq held or being appended */
	uint8_t *buf;
	size_t buf_cap;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_gcm_context wgcm, rgcm;
	const struct seg *wgcm_seg, *rgcm_seg;
	int rfd;
	const struct seg *rfd_seg;
	struct gap *gaps;
	size_t ngap;
	uint64_t gaps_dropped;
	uint64_t bytes;
	uint64_t cnt[ST_COUNT];
	uint64_t appended, expired, evicted, corrupt, torn, lost_fsync;
	bool fsync_failed, full;
	bool readonly; /* anpr_spool_inspect(): nothing on disk is created, changed or deleted */
};

/* ---- little helpers ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (int t = 1; t < 8; t++)
		for (int i = 0; i < 256; i++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

uint32_t anpr_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	/* Slicing-by-8: eight table look-ups per eight bytes; byte loads keep it endian-neutral. */
	while (len >= 8) {
		uint32_t lo = crc ^ get32(p), hi = get32(p + 4);
		crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^ crc_tab[5][(lo >> 16) & 0xff] ^
		      crc_tab[4][lo >> 24] ^ crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		      crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

size_t anpr_spool_record_size(size_t len)
{
	return REC_HDR + len + TAG_LEN;
}

size_t anpr_spool_entry_size(void)
{
	return sizeof(struct ent);
}

static void seg_name(char *buf, uint64_t seq, const char *ext)
{
	snprintf(buf, NAME_MAX_LEN, "seg-%016" PRIx64 ".%s", seq, ext);
}

/* The seq a segment file name stands for; false if the name is not a segment's. */
static bool parse_seg_name(const char *name, uint64_t *seq)
{
	uint64_t v = 0;

	if (strncmp(name, "seg-", 4) != 0 || strlen(name) != 4 + 16 + 4 || strcmp(name + 20, ".spl") != 0)
		return false;
	for (int i = 4; i < 20; i++) {
		char c = name[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*seq = v;
	return true;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = anpr_spool_pwrite_hook(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* 0 when all read, 1 at end of file first, -1 on error (errno set). */
static int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sync_dir(anpr_spool *s)
{
	if (anpr_spool_fsync_hook(s->dir_fd) != 0 && errno != EINVAL) {
		ANPR_LOGE("fsync of folder %s failed: %s", s->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static anpr_err grow_buf(anpr_spool *s, size_t need)
{
	uint8_t *b;

	if (need <= s->buf_cap)
		return ANPR_ERR_OK;
	b = realloc(s->buf, need);
	if (!b)
		return ANPR_ERR_NOMEM;
	s->buf = b;
	s->buf_cap = need;
	return ANPR_ERR_OK;
}

static int derive_key(const uint8_t master[ANPR_SPOOL_KEY_LEN], const uint8_t salt[SALT_LEN], uint8_t out[32])
{
	uint8_t msg[sizeof(key_label) - 1 + SALT_LEN];

	memcpy(msg, key_label, sizeof(key_label) - 1);
	memcpy(msg + sizeof(key_label) - 1, salt, SALT_LEN);
	return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), master, ANPR_SPOOL_KEY_LEN, msg,
			       sizeof(msg), out);
}

static void nonce_aad(uint64_t seq, int64_t utc_ms, uint8_t nonce[NONCE_LEN], uint8_t aad[AAD_LEN])
{
	memset(nonce, 0, 4);
	put64(nonce + 4, seq);
	put64(aad, seq);
	put64(aad + 8, (uint64_t)utc_ms);
}

/* ---- gaps and counters ---- */

static void queue_gap(anpr_spool *s, uint64_t from, uint64_t to, const char *reason)
{
	struct gap *last = s->ngap ? &s->gaps[s->ngap - 1] : NULL;

	if (last && last->reason == reason && last->to + 1 == from) {
		last->to = to;
		return;
	}
	if (s->ngap == GAPS_MAX) {
		if (s->gaps_dropped++ == 0)
			ANPR_LOGE("more than %d gaps waiting to be reported; later ones are only counted",
				  GAPS_MAX);
		return;
	}
	s->gaps[s->ngap++] = (struct gap){ from, to, reason };
}

static void set_state(anpr_spool *s, struct seg *g, struct ent *e, uint8_t st)
{
	g->cnt[e->state]--;
	s->cnt[e->state]--;
	e->state = st;
	g->cnt[st]++;
	s->cnt[st]++;
}

/* Queues the runs of pending records of a segment about to be deleted. */
static void gaps_of(anpr_spool *s, const struct seg *g, const char *reason)
{
	uint32_t i = 0;

	while (i < g->synced_n) {
		if (g->e[i].state != ST_PENDING) {
			i++;
			continue;
		}
		uint32_t j = i;
		while (j + 1 < g->synced_n && g->e[j + 1].state == ST_PENDING)
			j++;
		queue_gap(s, g->e[i].seq, g->e[j].seq, reason);
		i = j + 1;
	}
}

/* ---- segments ---- */

static void forget_seg(anpr_spool *s, const struct seg *g)
{
	if (s->wgcm_seg == g)
		s->wgcm_seg = NULL;
	if (s->rgcm_seg == g)
		s->rgcm_seg = NULL;
	if (s->rfd_seg == g) {
		close(s->rfd);
		s->rfd = -1;
		s->rfd_seg = NULL;
	}
}

static void free_seg(struct seg *g)
{
	if (!g)
		return;
	if (g->fd >= 0)
		close(g->fd);
	free(g->e);
	mbedtls_platform_zeroize(g->key, sizeof(g->key));
	free(g);
}

static anpr_err push_ent(struct seg *g, const struct ent *e)
{
	if (g->n == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 64;
		struct ent *ne = realloc(g->e, cap * sizeof(*ne));
		if (!ne)
			return ANPR_ERR_NOMEM;
		g->e = ne;
		g->cap = cap;
	}
	g->e[g->n++] = *e;
	return ANPR_ERR_OK;
}

static anpr_err push_seg(anpr_spool *s, struct seg *g)
{
	if (s->nseg == s->segcap) {
		size_t cap = s->segcap ? s->segcap * 2 : 16;
		struct seg **ns = realloc(s->segs, cap * sizeof(*ns));
		if (!ns)
			return ANPR_ERR_NOMEM;
		s->segs = ns;
		s->segcap = cap;
	}
	s->segs[s->nseg++] = g;
	return ANPR_ERR_OK;
}

/* Writes the segment's index beside it (temp file, fsync, rename), so the next open need not scan it. */
static anpr_err write_idx(anpr_spool *s, struct seg *g)
{
	char name[NAME_MAX_LEN], tmp[NAME_MAX_LEN + 4];
	size_t len = IDX_HDR + (size_t)g->n * IDX_ENT;
	anpr_err err = ANPR_ERR_IO;
	uint8_t *b = calloc(1, len);
	int fd = -1;

	if (!b)
		return ANPR_ERR_NOMEM;
	memcpy(b, IDX_MAGIC, 8);
	put32(b + 8, FORMAT_VERSION);
	put32(b + 12, g->n);
	put64(b + 16, g->name_seq);
	put64(b + 24, g->size);
	memcpy(b + 32, g->salt, SALT_LEN);
	for (uint32_t i = 0; i < g->n; i++) {
		uint8_t *p = b + IDX_HDR + (size_t)i * IDX_ENT;
		put64(p, g->e[i].seq);
		put64(p + 8, (uint64_t)g->e[i].utc_ms);
		put32(p + 16, g->e[i].off);
		put32(p + 20, g->e[i].len);
	}
	put32(b + 60, anpr_crc32c(0, b, len));
	seg_name(name, g->name_seq, "idx");
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ANPR_LOGE("cannot create %s/%s: %s", s->dir, tmp, strerror(errno));
		goto out;
	}
	if (write_full(fd, b, len) || anpr_spool_fsync_hook(fd)) {
		ANPR_LOGE("cannot write %s/%s: %s", s->dir, tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (renameat(s->dir_fd, tmp, s->dir_fd, name)) {
		ANPR_LOGE("cannot rename %s/%s: %s", s->dir, tmp, strerror(errno));
		goto out;
	}
	if (sync_dir(s))
		goto out;
	err = ANPR_ERR_OK;
out:
	if (fd >= 0) {
		close(fd);
		unlinkat(s->dir_fd, tmp, 0);
	}
	free(b);
	return err;
}

static void unlink_seg_files(anpr_spool *s, uint64_t name_seq)
{
	char name[NAME_MAX_LEN];

	if (s->readonly)
		return;
	seg_name(name, name_seq, "idx");
	if (unlinkat(s->dir_fd, name, 0) && errno != ENOENT)
		ANPR_LOGE("cannot delete %s/%s: %s", s->dir, name, strerror(errno));
	seg_name(name, name_seq, "spl");
	if (unlinkat(s->dir_fd, name, 0) && errno != ENOENT)
		ANPR_LOGE("cannot delete %s/%s: %s", s->dir, name, strerror(errno));
}

/* Removes segment i from the spool and from disk. */
static void delete_seg(anpr_spool *s, size_t i)
{
	struct seg *g = s->segs[i];

	unlink_seg_files(s, g->name_seq);
	for (int st = 0; st < ST_COUNT; st++)
		s->cnt[st] -= g->cnt[st];
	s->bytes -= g->size;
	if (s->cur == g)
		s->cur = NULL;
	forget_seg(s, g);
	memmove(&s->segs[i], &s->segs[i + 1], (s->nseg - i - 1) * sizeof(*s->segs));
	s->nseg--;
	free_seg(g);
}

static size_t seg_index(const anpr_spool *s, const struct seg *g)
{
	for (size_t i = s->nseg; i-- > 0;)
		if (s->segs[i] == g)
			return i;
	return s->nseg;
}

/* Seals a segment that takes no more records and has nothing in flight: index, close, or delete if empty. */
static void seal(anpr_spool *s, struct seg *g)
{
	if (g->n == 0) {
		size_t i = seg_index(s, g);
		if (i < s->nseg)
			delete_seg(s, i);
		return;
	}
	if (g->fd >= 0)
		(void)write_idx(s, g); /* a missing index only costs a scan at the next open */
	if (g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
	forget_seg(s, g);
	if (g->cap > g->n && g->n) {
		struct ent *ne = realloc(g->e, g->n * sizeof(*ne));
		if (ne) {
			g->e = ne;
			g->cap = g->n;
		}
	}
}

/* The segment takes no more records; it is sealed now or once its last commit lands. */
static void retire(anpr_spool *s, struct seg *g)
{
	g->closing = true;
	if (s->cur == g)
		s->cur = NULL;
	if (g->synced_n == g->n && !g->busy && g->waiters == 0)
		seal(s, g);
}

/* Whether segment g can be deleted now: nothing in flight on it. */
static bool idle(const struct seg *g)
{
	return !g->busy && g->waiters == 0 && g->synced_n == g->n;
}

/* Deletes the oldest idle segment other than the one being written; false when there is none. */
static bool evict_oldest(anpr_spool *s)
{
	for (size_t i = 0; i < s->nseg; i++) {
		struct seg *g = s->segs[i];
		if (g == s->cur || !idle(g))
			continue;
		if (g->cnt[ST_PENDING]) {
			ANPR_LOGW("buffer full (%" PRIu64 " of %" PRIu64
				  " bytes): evicting segment %016" PRIx64 " with %" PRIu32
				  " undelivered records",
				  s->bytes, s->cfg.max_bytes, g->name_seq, g->cnt[ST_PENDING]);
			s->full = true;
		}
		gaps_of(s, g, "evicted");
		s->evicted += g->synced_n;
		delete_seg(s, i);
		return true;
	}
	return false;
}

static anpr_err new_segment(anpr_spool *s, uint64_t first_seq)
{
	char name[NAME_MAX_LEN];
	uint8_t hdr[SEG_HDR];
	anpr_err err = ANPR_ERR_CRYPTO;
	struct seg *g = calloc(1, sizeof(*g));
	bool created = false;

	if (!g)
		return ANPR_ERR_NOMEM;
	g->fd = -1;
	g->name_seq = first_seq;
	g->size = SEG_HDR;
	g->max_utc = INT64_MIN;
	if (mbedtls_ctr_drbg_random(&s->drbg, g->salt, SALT_LEN) || derive_key(s->cfg.key, g->salt, g->key))
		goto out;
	seg_name(name, first_seq, "spl");
	for (int attempt = 0; attempt < 2; attempt++) {
		g->fd = openat(s->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (g->fd >= 0 || errno != EEXIST)
			break;
		/* Every seq we hold is below first_seq, so a file of that name is a left-over of a failed segment. */
		ANPR_LOGW("removing stale %s/%s", s->dir, name);
		unlink_seg_files(s, first_seq);
	}
	err = ANPR_ERR_IO;
	if (g->fd < 0) {
		ANPR_LOGE("cannot create %s/%s: %s", s->dir, name, strerror(errno));
		err = errno == ENOSPC ? ANPR_ERR_FULL : errno == EACCES ? ANPR_ERR_PERMISSION : ANPR_ERR_IO;
		goto out;
	}
	created = true;
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, SEG_MAGIC, 8);
	put32(hdr + 8, FORMAT_VERSION);
	put32(hdr + 12, SEG_HDR);
	put64(hdr + 16, first_seq);
	put64(hdr + 24, (uint64_t)anpr_clock_utc_ms());
	memcpy(hdr + 32, g->salt, SALT_LEN);
	put32(hdr + 60, anpr_crc32c(0, hdr, 60));
	if (pwrite_full(g->fd, hdr, sizeof(hdr), 0)) {
		ANPR_LOGE("cannot write %s/%s: %s", s->dir, name, strerror(errno));
		err = errno == ENOSPC ? ANPR_ERR_FULL : ANPR_ERR_IO;
		goto out;
	}
	/* The name must survive a power cut before any record in the file is reported stored. */
	if (sync_dir(s))
		goto out;
	err = push_seg(s, g);
	if (err)
		goto out;
	s->bytes += g->size;
	s->cur = g;
	g = NULL;
out:
	if (g && created) {
		close(g->fd);
		g->fd = -1;
		unlinkat(s->dir_fd, name, 0);
	}
	free_seg(g);
	return err;
}

/* ---- lookup ---- */

/* Index of the last segment whose first seq is <= seq, or nseg when none. */
static size_t find_seg(const anpr_spool *s, uint64_t seq)
{
	size_t lo = 0, hi = s->nseg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct seg *g = s->segs[mid];
		uint64_t first = g->n ? g->e[0].seq : g->name_seq;
		if (first <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : s->nseg;
}

/* First entry of g with seq >= seq. */
static uint32_t lower_bound(const struct seg *g, uint64_t seq)
{
	uint32_t lo = 0, hi = g->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->e[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct ent *find(anpr_spool *s, uint64_t seq, struct seg **gp)
{
	size_t i = find_seg(s, seq);
	struct seg *g;
	uint32_t k;

	if (i == s->nseg)
		return NULL;
	g = s->segs[i];
	k = lower_bound(g, seq);
	if (k == g->n || g->e[k].seq != seq)
		return NULL;
	if (gp)
		*gp = g;
	return &g->e[k];
}

/* ---- the ack journal ---- */

static void jnl_entry(uint8_t *p, uint64_t from, uint64_t to, uint32_t state)
{
	put64(p, from);
	put64(p + 8, to);
	put32(p + 16, state);
	put32(p + 20, anpr_crc32c(0, p, 20));
}

/* Rewrites the journal with the states of the records held now (temp file, fsync, rename). */
static anpr_err journal_rewrite(anpr_spool *s)
{
	uint8_t *b = malloc(IO_CHUNK);
	size_t used = JNL_HDR;
	uint64_t total = 0;
	anpr_err err = ANPR_ERR_IO;
	int fd = -1, nfd;

	if (!b)
		return ANPR_ERR_NOMEM;
	fd = openat(s->dir_fd, JNL_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ANPR_LOGE("cannot create %s/%s: %s", s->dir, JNL_TMP, strerror(errno));
		goto out;
	}
	memcpy(b, JNL_MAGIC, 8);
	put32(b + 8, FORMAT_VERSION);
	put32(b + 12, anpr_crc32c(0, b, 12));
	for (size_t i = 0; i < s->nseg; i++) {
		const struct seg *g = s->segs[i];
		for (uint32_t k = 0; k < g->synced_n; k++) {
			uint8_t st = g->e[k].state;
			uint32_t j = k;
			if (st == ST_PENDING)
				continue;
			while (j + 1 < g->synced_n && g->e[j + 1].state == st &&
			       g->e[j + 1].seq == g->e[j].seq + 1)
				j++;
			if (used + JNL_ENT > IO_CHUNK) {
				if (write_full(fd, b, used))
					goto werr;
				total += used;
				used = 0;
			}
			jnl_entry(b + used, g->e[k].seq, g->e[j].seq, st);
			used += JNL_ENT;
			k = j;
		}
	}
	if (write_full(fd, b, used) || anpr_spool_fsync_hook(fd))
		goto werr;
	total += used;
	close(fd);
	fd = -1;
	if (renameat(s->dir_fd, JNL_TMP, s->dir_fd, JNL_NAME)) {
		ANPR_LOGE("cannot rename %s/%s: %s", s->dir, JNL_TMP, strerror(errno));
		goto out;
	}
	if (sync_dir(s))
		goto out;
	nfd = openat(s->dir_fd, JNL_NAME, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (nfd < 0) {
		ANPR_LOGE("cannot open %s/%s: %s", s->dir, JNL_NAME, strerror(errno));
		goto out;
	}
	if (s->jfd >= 0)
		close(s->jfd);
	s->jfd = nfd;
	s->jbytes = s->jbytes_compacted = total;
	s->jbroken = false;
	err = ANPR_ERR_OK;
	goto out;
werr:
	ANPR_LOGE("cannot write %s/%s: %s", s->dir, JNL_TMP, strerror(errno));
out:
	if (fd >= 0) {
		close(fd);
		unlinkat(s->dir_fd, JNL_TMP, 0);
	}
	free(b);
	return err;
}

/* Applies one journal range to the records held. */
static void apply_range(anpr_spool *s, uint64_t from, uint64_t to, uint8_t st)
{
	size_t i = find_seg(s, from);

	if (i == s->nseg)
		i = 0;
	for (; i < s->nseg; i++) {
		struct seg *g = s->segs[i];
		for (uint32_t k = lower_bound(g, from); k < g->synced_n; k++) {
			if (g->e[k].seq > to)
				return;
			if (g->e[k].state != st) {
				if (st == ST_CORRUPT)
					s->corrupt++;
				set_state(s, g, &g->e[k], st);
			}
		}
	}
}

static void journal_replay(anpr_spool *s)
{
	uint8_t *b = NULL;
	uint64_t off = JNL_HDR, bad = 0;
	uint8_t hdr[JNL_HDR];
	int fd = openat(s->dir_fd, JNL_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		if (errno != ENOENT)
			ANPR_LOGE("cannot open %s/%s: %s; delivery states are lost", s->dir, JNL_NAME,
				  strerror(errno));
		return;
	}
	if (pread_full(fd, hdr, sizeof(hdr), 0) != 0 || memcmp(hdr, JNL_MAGIC, 8) != 0 ||
	    get32(hdr + 8) != FORMAT_VERSION || get32(hdr + 12) != anpr_crc32c(0, hdr, 12)) {
		ANPR_LOGE("%s/%s has no valid header; delivery states are lost", s->dir, JNL_NAME);
		goto out;
	}
	b = malloc(IO_CHUNK / JNL_ENT * JNL_ENT);
	if (!b)
		goto out;
	for (;;) {
		ssize_t n = pread(fd, b, IO_CHUNK / JNL_ENT * JNL_ENT, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t whole = (size_t)n / JNL_ENT * JNL_ENT;
		for (size_t p = 0; p < whole; p += JNL_ENT) {
			const uint8_t *q = b + p;
			uint64_t from = get64(q), to = get64(q + 8);
			uint32_t st = get32(q + 16);
			if (get32(q + 20) != anpr_crc32c(0, q, 20) || st >= ST_UNSYNCED || from > to) {
				bad++;
				continue;
			}
			apply_range(s, from, to, (uint8_t)st);
		}
		if (whole == 0)
			break; /* a torn last entry */
		off += whole;
	}
	if (bad)
		ANPR_LOGW("%s/%s: %" PRIu64 " damaged entries skipped", s->dir, JNL_NAME, bad);
out:
	free(b);
	close(fd);
}

/* Appends journal entries and syncs them; the journal is rewritten first if an earlier write failed. */
static anpr_err journal_append(anpr_spool *s, const uint8_t *b, size_t len)
{
	if (s->readonly)
		return ANPR_ERR_OK; /* states found by an inspection stay in memory */
	if (s->jbroken || s->jfd < 0) {
		anpr_err err = journal_rewrite(s);
		if (err)
			return err;
	}
	if (write_full(s->jfd, b, len)) {
		ANPR_LOGE("cannot write %s/%s: %s", s->dir, JNL_NAME, strerror(errno));
		s->jbroken = true;
		return ANPR_ERR_IO;
	}
	if (anpr_spool_fsync_hook(s->jfd)) {
		/* Never fsync the same data twice: the next mark rewrites the journal from memory. */
		ANPR_LOGE("fsync of %s/%s failed: %s", s->dir, JNL_NAME, strerror(errno));
		s->jbroken = true;
		s->fsync_failed = true;
		return ANPR_ERR_IO;
	}
	s->jbytes += len;
	return ANPR_ERR_OK;
}

/* ---- recovery ---- */

static bool seg_hdr_ok(const uint8_t *h, uint64_t name_seq, uint8_t salt[SALT_LEN])
{
	if (memcmp(h, SEG_MAGIC, 8) != 0 || get32(h + 8) != FORMAT_VERSION || get32(h + 12) != SEG_HDR ||
	    get64(h + 16) != name_seq || get32(h + 60) != anpr_crc32c(0, h, 60))
		return false;
	memcpy(salt, h + 32, SALT_LEN);
	return true;
}

/* Whether a whole, intact record frame starts at off; *len gets its plaintext length. */
static bool frame_at(const uint8_t *map, uint64_t size, uint64_t off, uint32_t *len)
{
	const uint8_t *h = map + off;
	uint32_t l, crc;

	if (size - off < REC_HDR + TAG_LEN || get32(h) != REC_MAGIC)
		return false;
	l = get32(h + 4);
	if (l > ANPR_SPOOL_MAX_RECORD || size - off - REC_HDR - TAG_LEN < l)
		return false;
	crc = anpr_crc32c(0, h, 28);
	crc = anpr_crc32c(crc, h + REC_HDR, (size_t)l + TAG_LEN);
	if (crc != get32(h + 28))
		return false;
	*len = l;
	return true;
}

static void note_corrupt(anpr_spool *s, uint64_t from, uint64_t to, uint64_t region_bytes)
{
	uint64_t n = 1;

	if (to >= from) {
		uint64_t most = region_bytes / (REC_HDR + TAG_LEN) + 1;
		n = to - from + 1 < most ? to - from + 1 : most;
		queue_gap(s, from, to, "corrupt");
	}
	s->corrupt += n;
}

/*
 * Finds the records of a segment by their frames and CRCs. A damaged stretch
 * between good records is skipped and reported; damage running to the end
 * is a torn tail, cut off. Returns the length to keep.
 */
static anpr_err scan(anpr_spool *s, struct seg *g, const uint8_t *map, uint64_t size, uint64_t prev_seq,
		     uint64_t *keep)
{
	uint64_t off = SEG_HDR, good_end = SEG_HDR, bad_from = 0;
	bool bad = false;

	while (off < size) {
		uint32_t len;
		if (frame_at(map, size, off, &len)) {
			const uint8_t *h = map + off;
			uint64_t seq = get64(h + 8);
			if (bad) {
				note_corrupt(s, prev_seq + 1, seq > prev_seq ? seq - 1 : prev_seq,
					     off - bad_from);
				bad = false;
			}
			if (seq > prev_seq) {
				struct ent e = { seq, (int64_t)get64(h + 16), (uint32_t)off, len,
						 ST_PENDING };
				if (push_ent(g, &e))
					return ANPR_ERR_NOMEM;
				prev_seq = seq;
			}
			off += anpr_spool_record_size(len);
			good_end = off;
			continue;
		}
		if (!bad) {
			bad = true;
			bad_from = off;
		}
		/* Resynchronise on the next record magic. */
		const uint8_t *p = NULL;
		for (uint64_t o = off + 1; o + 4 <= size; o++) {
			if (map[o] == 0x53 && get32(map + o) == REC_MAGIC) {
				p = map + o;
				break;
			}
		}
		if (!p)
			break;
		off = (uint64_t)(p - map);
	}
	*keep = good_end;
	return ANPR_ERR_OK;
}

/* Loads a valid index into g; false if there is none or it does not match the segment. */
static bool load_idx(anpr_spool *s, struct seg *g, uint64_t file_size, bool salt_known)
{
	char name[NAME_MAX_LEN];
	uint8_t *b = NULL;
	bool ok = false;
	struct stat st;
	uint32_t count, crc;
	int fd;

	seg_name(name, g->name_seq, "idx");
	fd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < IDX_HDR ||
	    (uint64_t)st.st_size > IDX_HDR + file_size / (REC_HDR + TAG_LEN) * IDX_ENT ||
	    (st.st_size - IDX_HDR) % IDX_ENT)
		goto out;
	b = malloc((size_t)st.st_size);
	if (!b || pread_full(fd, b, (size_t)st.st_size, 0) != 0)
		goto out;
	count = get32(b + 12);
	crc = get32(b + 60);
	put32(b + 60, 0);
	if (memcmp(b, IDX_MAGIC, 8) || get32(b + 8) != FORMAT_VERSION || get64(b + 16) != g->name_seq ||
	    (uint64_t)st.st_size != IDX_HDR + (uint64_t)count * IDX_ENT ||
	    crc != anpr_crc32c(0, b, (size_t)st.st_size))
		goto out;
	uint64_t end = get64(b + 24);
	if (end > file_size || end < SEG_HDR)
		goto out;
	if (salt_known && memcmp(g->salt, b + 32, SALT_LEN))
		goto out;
	uint64_t prev_end = SEG_HDR, prev_seq = 0;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p = b + IDX_HDR + (size_t)i * IDX_ENT;
		struct ent e = { get64(p), (int64_t)get64(p + 8), get32(p + 16), get32(p + 20), ST_PENDING };
		if (e.seq <= prev_seq || e.off < prev_end || e.len > ANPR_SPOOL_MAX_RECORD ||
		    e.off + anpr_spool_record_size(e.len) > end)
			goto out;
		prev_seq = e.seq;
		prev_end = e.off + anpr_spool_record_size(e.len);
		if (push_ent(g, &e))
			goto out;
	}
	memcpy(g->salt, b + 32, SALT_LEN);
	g->size = end;
	ok = true;
out:
	if (!ok)
		g->n = 0;
	free(b);
	close(fd);
	return ok;
}

/* Recovers one segment file; damage is counted and reported, never fatal. */
static anpr_err load_segment(anpr_spool *s, uint64_t name_seq, uint64_t *prev_seq)
{
	char name[NAME_MAX_LEN];
	uint8_t hdr[SEG_HDR];
	anpr_err err = ANPR_ERR_OK;
	struct seg *g = NULL;
	struct stat st;
	bool hdr_ok = false, need_idx = false;
	uint64_t size, keep;
	/* The segment's records start at its name's seq; damage before the first good one is reported from there. */
	uint64_t low = name_seq > *prev_seq ? name_seq - 1 : *prev_seq;
	void *map = MAP_FAILED;
	int fd;

	seg_name(name, name_seq, "spl");
	fd = openat(s->dir_fd, name, (s->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		ANPR_LOGE("cannot open %s/%s (%s); skipping it", s->dir, name,
			  fd < 0 ? strerror(errno) : "not a file");
		goto out;
	}
	size = (uint64_t)st.st_size;
	err = ANPR_ERR_NOMEM;
	g = calloc(1, sizeof(*g));
	if (!g)
		goto out;
	err = ANPR_ERR_OK;
	g->fd = -1;
	g->name_seq = name_seq;
	g->max_utc = INT64_MIN;
	if (size >= SEG_HDR && pread_full(fd, hdr, SEG_HDR, 0) == 0)
		hdr_ok = seg_hdr_ok(hdr, name_seq, g->salt);
	if (!load_idx(s, g, size, hdr_ok)) {
		if (size <= SEG_HDR && !hdr_ok) {
			/* Created but never written: a torn start, nothing lost. */
			if (size)
				s->torn++;
			unlink_seg_files(s, name_seq);
			goto out;
		}
		map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			ANPR_LOGE("cannot map %s/%s: %s; skipping it", s->dir, name, strerror(errno));
			goto out;
		}
		if (!hdr_ok) {
			/* Without its salt no record can be decrypted: report them and drop the file. */
			struct seg tmp = { 0 };
			err = scan(s, &tmp, map, size, low, &keep);
			if (!err && tmp.n)
				note_corrupt(s, tmp.e[0].seq, tmp.e[tmp.n - 1].seq, size);
			ANPR_LOGE("%s/%s has a damaged header; its %" PRIu32
				  " records cannot be decrypted and are dropped",
				  s->dir, name, tmp.n);
			free(tmp.e);
			unlink_seg_files(s, name_seq);
			goto out;
		}
		err = scan(s, g, map, size, low, &keep);
		if (err)
			goto out;
		if (keep < size) {
			s->torn++;
			if (s->readonly)
				ANPR_LOGW("%s/%s: a torn tail of %" PRIu64 " bytes (left as it is)", s->dir,
					  name, size - keep);
			else
				ANPR_LOGW("%s/%s: cutting a torn tail of %" PRIu64 " bytes", s->dir, name,
					  size - keep);
			if (!s->readonly && (ftruncate(fd, (off_t)keep) || anpr_spool_fsync_hook(fd)))
				ANPR_LOGE("cannot cut %s/%s: %s", s->dir, name, strerror(errno));
		}
		g->size = keep;
		need_idx = true;
	} else {
		/* Records an earlier segment already holds (left by a failed segment) are dropped. */
		uint32_t k = lower_bound(g, *prev_seq + 1);
		if (k) {
			memmove(g->e, g->e + k, (g->n - k) * sizeof(*g->e));
			g->n -= k;
		}
	}
	if (derive_key(s->cfg.key, g->salt, g->key)) {
		err = ANPR_ERR_CRYPTO;
		goto out;
	}
	if (g->n == 0) {
		unlink_seg_files(s, name_seq);
		goto out;
	}
	for (uint32_t k = 0; k < g->n; k++)
		if (g->e[k].utc_ms > g->max_utc)
			g->max_utc = g->e[k].utc_ms;
	g->synced_n = g->n;
	g->cnt[ST_PENDING] = g->n;
	s->cnt[ST_PENDING] += g->n;
	g->closing = true;
	if (need_idx && !s->readonly)
		(void)write_idx(s, g); /* the next open reads it; without it, it scans again */
	err = push_seg(s, g);
	if (err) {
		s->cnt[ST_PENDING] -= g->n;
		goto out;
	}
	s->bytes += g->size;
	*prev_seq = g->e[g->n - 1].seq;
	g = NULL;
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)size);
	if (fd >= 0)
		close(fd);
	free_seg(g);
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static anpr_err recover(anpr_spool *s)
{
	uint64_t *seqs = NULL, prev = 0;
	size_t n = 0, cap = 0;
	anpr_err err = ANPR_ERR_OK;
	struct dirent *de;
	int fd = dup(s->dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		ANPR_LOGE("cannot list %s: %s", s->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ANPR_ERR_IO;
	}
	while ((de = readdir(d))) {
		uint64_t seq;
		size_t l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".tmp") == 0) {
			/* An interrupted index or journal rewrite. */
			if (!s->readonly)
				unlinkat(s->dir_fd, de->d_name, 0);
			continue;
		}
		if (!parse_seg_name(de->d_name, &seq))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			uint64_t *ns = realloc(seqs, nc * sizeof(*ns));
			if (!ns) {
				err = ANPR_ERR_NOMEM;
				goto out;
			}
			seqs = ns;
			cap = nc;
		}
		seqs[n++] = seq;
	}
	if (n)
		qsort(seqs, n, sizeof(*seqs), cmp_u64);
	for (size_t i = 0; i < n && !err; i++)
		err = load_segment(s, seqs[i], &prev);
	s->last_seq = prev;
out:
	free(seqs);
	closedir(d);
	return err;
}

/* ---- open, close ---- */

static anpr_err check_cfg(const anpr_spool_cfg *cfg)
{
	if (!cfg->dir || !cfg->dir[0] || cfg->segment_bytes < SEG_MIN || cfg->segment_bytes > SEG_MAX ||
	    cfg->max_bytes / 4 < cfg->segment_bytes || cfg->retention_ms <= 0 || cfg->commit_window_ms < 0 ||
	    cfg->commit_window_ms > 50)
		return ANPR_ERR_INVAL;
	return ANPR_ERR_OK;
}

static anpr_err open_spool(const anpr_spool_cfg *cfg, bool readonly, anpr_spool **out)
{
	anpr_err err = ANPR_ERR_NOMEM;
	anpr_spool *s = NULL;
	pthread_condattr_t ca;

	if (!cfg || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	if (!readonly && check_cfg(cfg)) {
		ANPR_LOGE(
		    "invalid spool settings (segment 1 MiB..1 GiB, at least 4 segments, window 0..50 ms)");
		return ANPR_ERR_INVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return ANPR_ERR_NOMEM;
	s->cfg = *cfg;
	s->readonly = readonly;
	s->dir_fd = s->jfd = s->rfd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->commit_cv, &ca);
	pthread_cond_init(&s->arrive_cv, &ca);
	pthread_condattr_destroy(&ca);
	mbedtls_entropy_init(&s->entropy);
	mbedtls_ctr_drbg_init(&s->drbg);
	mbedtls_gcm_init(&s->wgcm);
	mbedtls_gcm_init(&s->rgcm);
	s->dir = strdup(cfg->dir);
	s->gaps = malloc(GAPS_MAX * sizeof(*s->gaps));
	if (!s->dir || !s->gaps)
		goto out;
	s->cfg.dir = s->dir;
	if (mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
				  (const unsigned char *)drbg_pers, sizeof(drbg_pers) - 1)) {
		ANPR_LOGE("seeding the random generator failed");
		err = ANPR_ERR_CRYPTO;
		goto out;
	}
	if (!readonly && mkdir(s->dir, 0700) != 0 && errno != EEXIST) {
		ANPR_LOGE("cannot create %s: %s", s->dir, strerror(errno));
		err = errno == EACCES || errno == EPERM ? ANPR_ERR_PERMISSION : ANPR_ERR_IO;
		goto out;
	}
	s->dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0) {
		ANPR_LOGE("cannot open %s: %s", s->dir, strerror(errno));
		err = errno == EACCES || errno == EPERM ? ANPR_ERR_PERMISSION
		      : errno == ENOENT && readonly     ? ANPR_ERR_NOT_FOUND
							: ANPR_ERR_IO;
		goto out;
	}
	err = recover(s);
	if (err)
		goto out;
	journal_replay(s);
	if (!readonly)
		err = journal_rewrite(s);
	if (err)
		goto out;
	if (s->corrupt || s->torn)
		ANPR_LOGW("%s: recovered %" PRIu64 " records in %zu segments; %" PRIu64 " corrupt, %" PRIu64
			  " torn tails cut",
			  s->dir, s->cnt[ST_PENDING] + s->cnt[ST_DELIVERED] + s->cnt[ST_QUARANTINED], s->nseg,
			  s->corrupt, s->torn);
	*out = s;
	s = NULL;
out:
	anpr_spool_close(s);
	return err;
}

anpr_err anpr_spool_open(const anpr_spool_cfg *cfg, anpr_spool **out)
{
	return open_spool(cfg, false, out);
}

anpr_err anpr_spool_inspect(const char *dir, const uint8_t *key, bool check, anpr_spool_inspection *out)
{
	anpr_spool_cfg cfg = { .dir = dir };
	anpr_spool *s = NULL;
	anpr_err err;

	if (!dir || !dir[0] || !out || (check && !key))
		return ANPR_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	/* Without the key the figures still come from the frames; records cannot be decrypted. */
	if (key)
		memcpy(cfg.key, key, ANPR_SPOOL_KEY_LEN);
	err = open_spool(&cfg, true, &s);
	mbedtls_platform_zeroize(cfg.key, sizeof(cfg.key));
	if (err)
		return err;
	if (check) {
		int64_t t0 = anpr_clock_mono_ms();
		err = anpr_spool_check(s, &out->checked, &out->bad);
		out->check_ms = anpr_clock_mono_ms() - t0;
		out->check_done = err == ANPR_ERR_OK;
	}
	anpr_spool_get_stats(s, &out->stats);
	anpr_spool_close(s);
	return err;
}

void anpr_spool_close(anpr_spool *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->committing)
		pthread_cond_wait(&s->commit_cv, &s->mu);
	if (s->cur)
		retire(s, s->cur);
	for (size_t i = 0; i < s->nseg; i++)
		free_seg(s->segs[i]);
	free(s->segs);
	pthread_mutex_unlock(&s->mu);
	if (s->jfd >= 0)
		close(s->jfd);
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	mbedtls_gcm_free(&s->wgcm);
	mbedtls_gcm_free(&s->rgcm);
	mbedtls_ctr_drbg_free(&s->drbg);
	mbedtls_entropy_free(&s->entropy);
	pthread_cond_destroy(&s->commit_cv);
	pthread_cond_destroy(&s->arrive_cv);
	pthread_mutex_destroy(&s->mu);
	if (s->buf) {
		mbedtls_platform_zeroize(s->buf, s->buf_cap);
		free(s->buf);
	}
	free(s->gaps);
	free(s->dir);
	mbedtls_platform_zeroize(s, sizeof(*s));
	free(s);
}

/* ---- append and group commit ---- */

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += (long)ms * 1000000L;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static uint64_t highest_seq(const anpr_spool *s)
{
	for (size_t i = s->nseg; i-- > 0;)
		if (s->segs[i]->n)
			return s->segs[i]->e[s->segs[i]->n - 1].seq;
	return 0;
}

/* An fsync failed: what was written since the last good one is lost, the segment is closed for good. */
static void fail_segment(anpr_spool *s, struct seg *g, int e)
{
	uint32_t lost = g->n - g->synced_n;
	uint64_t keep = g->synced_n
			    ? g->e[g->synced_n - 1].off + anpr_spool_record_size(g->e[g->synced_n - 1].len)
			    : SEG_HDR;
	char name[NAME_MAX_LEN];

	seg_name(name, g->name_seq, "spl");
	ANPR_LOGE("fsync of %s/%s failed: %s; segment closed, %" PRIu32 " records lost", s->dir, name,
		  strerror(e), lost);
	if (lost)
		queue_gap(s, g->e[g->synced_n].seq, g->e[g->n - 1].seq, "lost");
	g->cnt[ST_UNSYNCED] -= lost;
	s->cnt[ST_UNSYNCED] -= lost;
	s->lost_fsync += lost;
	s->bytes -= g->size - keep;
	g->size = keep;
	g->n = g->synced_n;
	g->failed = true;
	s->fsync_failed = true;
	/* Best effort; the index written at seal names only the records that were synced. */
	if (ftruncate(g->fd, (off_t)keep))
		ANPR_LOGE("cannot cut %s/%s: %s", s->dir, name, strerror(errno));
	s->last_seq = highest_seq(s);
}

/* One commit: waits up to the window for appenders on their way, then one fsync per dirty segment. */
static void commit(anpr_spool *s)
{
	struct seg *dirty[COMMIT_SEGS] = { NULL };
	uint32_t target[COMMIT_SEGS] = { 0 };
	int fds[COMMIT_SEGS] = { 0 }, rc[COMMIT_SEGS] = { 0 };
	size_t nd = 0;

	s->committing = true;
	if (s->cfg.commit_window_ms > 0 && atomic_load(&s->arriving) > 0) {
		struct timespec dl;
		deadline_after(&dl, s->cfg.commit_window_ms);
		while (atomic_load(&s->arriving) > 0)
			if (pthread_cond_timedwait(&s->arrive_cv, &s->mu, &dl) == ETIMEDOUT)
				break;
	}
	/* Oldest first, so a batch spanning more than COMMIT_SEGS segments completes in order. */
	for (size_t i = 0; i < s->nseg && nd < COMMIT_SEGS; i++) {
		struct seg *g = s->segs[i];
		if (g->fd < 0 || g->failed || g->synced_n == g->n)
			continue;
		dirty[nd] = g;
		target[nd] = g->n;
		fds[nd] = g->fd;
		g->busy = true;
		nd++;
	}
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < nd; i++)
		rc[i] = anpr_spool_fsync_hook(fds[i]) ? errno : 0;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < nd; i++) {
		struct seg *g = dirty[i];
		g->busy = false;
		if (rc[i]) {
			fail_segment(s, g, rc[i]);
			retire(s, g);
			continue;
		}
		for (uint32_t k = g->synced_n; k < target[i]; k++)
			set_state(s, g, &g->e[k], ST_PENDING);
		s->appended += target[i] - g->synced_n;
		g->synced_n = target[i];
		if (g->closing && g->synced_n == g->n && g->waiters == 0)
			seal(s, g);
	}
	s->committing = false;
	pthread_cond_broadcast(&s->commit_cv);
}

/* Waits until record w is durable (OK) or lost (IO). */
static anpr_err wait_durable(anpr_spool *s, const struct waitfor *w)
{
	struct seg *g = w->seg;
	anpr_err err;

	for (;;) {
		if (w->idx < g->synced_n) {
			err = ANPR_ERR_OK;
			break;
		}
		if (g->failed) {
			err = ANPR_ERR_IO;
			break;
		}
		if (!s->committing)
			commit(s);
		else
			pthread_cond_wait(&s->commit_cv, &s->mu);
	}
	g->waiters--;
	if (g->closing && g->waiters == 0 && g->synced_n == g->n && !g->busy && g->fd >= 0)
		seal(s, g);
	return err;
}

static anpr_err seal_record(anpr_spool *s, struct seg *g, const anpr_spool_rec *r)
{
	uint8_t nonce[NONCE_LEN], aad[AAD_LEN];
	uint8_t *b = s->buf;
	uint32_t crc;

	if (s->wgcm_seg != g) {
		if (mbedtls_gcm_setkey(&s->wgcm, MBEDTLS_CIPHER_ID_AES, g->key, 256))
			return ANPR_ERR_CRYPTO;
		s->wgcm_seg = g;
	}
	put32(b, REC_MAGIC);
	put32(b + 4, (uint32_t)r->len);
	put64(b + 8, r->seq);
	put64(b + 16, (uint64_t)r->utc_ms);
	put32(b + 24, 0);
	nonce_aad(r->seq, r->utc_ms, nonce, aad);
	if (mbedtls_gcm_crypt_and_tag(&s->wgcm, MBEDTLS_GCM_ENCRYPT, r->len, nonce, NONCE_LEN, aad, AAD_LEN,
				      r->data, b + REC_HDR, TAG_LEN, b + REC_HDR + r->len))
		return ANPR_ERR_CRYPTO;
	crc = anpr_crc32c(0, b, 28);
	crc = anpr_crc32c(crc, b + REC_HDR, r->len + TAG_LEN);
	put32(b + 28, crc);
	return ANPR_ERR_OK;
}

/* Encrypts and writes one record into the current segment (a new one if needed); the caller waits for it. */
static anpr_err write_one(anpr_spool *s, const anpr_spool_rec *r, struct waitfor *w)
{
	size_t total = anpr_spool_record_size(r->len);
	anpr_err err;

	if (r->seq <= s->last_seq)
		return ANPR_ERR_INVAL;
	err = grow_buf(s, total);
	if (err)
		return err;
	for (int attempt = 0;; attempt++) {
		while (s->bytes + total > s->cfg.max_bytes && evict_oldest(s))
			;
		if (s->cur && s->cur->n && s->cur->size + total > s->cfg.segment_bytes)
			retire(s, s->cur);
		if (!s->cur) {
			err = new_segment(s, r->seq);
			if (err == ANPR_ERR_FULL && attempt == 0 && evict_oldest(s))
				continue;
			if (err)
				return err;
		}
		struct seg *g = s->cur;
		err = seal_record(s, g, r);
		if (err)
			return err;
		if (pwrite_full(g->fd, s->buf, total, g->size) == 0) {
			struct ent e = { r->seq, r->utc_ms, (uint32_t)g->size, (uint32_t)r->len,
					 ST_UNSYNCED };
			err = push_ent(g, &e);
			if (err) {
				/* The bytes are there but unindexed: close the segment so they are never listed. */
				retire(s, g);
				return err;
			}
			g->cnt[ST_UNSYNCED]++;
			s->cnt[ST_UNSYNCED]++;
			g->size += total;
			s->bytes += total;
			if (r->utc_ms > g->max_utc)
				g->max_utc = r->utc_ms;
			s->last_seq = r->seq;
			g->waiters++;
			w->seg = g;
			w->idx = g->n - 1;
			return ANPR_ERR_OK;
		}
		int e = errno;
		char name[NAME_MAX_LEN];
		seg_name(name, g->name_seq, "spl");
		ANPR_LOGE("cannot write %s/%s: %s%s", s->dir, name, strerror(e),
			  e == ENOSPC ? " (disk full)" : "");
		/* Never write this seq under this key again: the rest of the segment stays as it was. */
		if (ftruncate(g->fd, (off_t)g->size))
			ANPR_LOGE("cannot cut %s/%s: %s", s->dir, name, strerror(errno));
		retire(s, g);
		if (e == ENOSPC && attempt == 0 && evict_oldest(s))
			continue;
		return e == ENOSPC ? ANPR_ERR_FULL : ANPR_ERR_IO;
	}
}

anpr_err anpr_spool_append_batch(anpr_spool *s, const anpr_spool_rec *recs, size_t n, size_t *stored)
{
	struct waitfor local[16], *w = local;
	anpr_err err = ANPR_ERR_OK;
	size_t written = 0, done = 0;

	if (stored)
		*stored = 0;
	if (!s || (!recs && n))
		return ANPR_ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].len > ANPR_SPOOL_MAX_RECORD)
			return ANPR_ERR_TOO_BIG;
		if (!recs[i].data && recs[i].len)
			return ANPR_ERR_INVAL;
	}
	if (n > sizeof(local) / sizeof(local[0])) {
		w = malloc(n * sizeof(*w));
		if (!w)
			return ANPR_ERR_NOMEM;
	}
	atomic_fetch_add(&s->arriving, 1);
	pthread_mutex_lock(&s->mu);
	for (; written < n; written++) {
		err = write_one(s, &recs[written], &w[written]);
		if (err)
			break;
	}
	atomic_fetch_sub(&s->arriving, 1);
	pthread_cond_broadcast(&s->arrive_cv);
	for (size_t i = 0; i < written; i++) {
		anpr_err e = wait_durable(s, &w[i]);
		if (e == ANPR_ERR_OK && done == i)
			done++;
		else if (e && !err)
			err = e;
	}
	pthread_mutex_unlock(&s->mu);
	if (w != local)
		free(w);
	if (stored)
		*stored = done;
	return err;
}

anpr_err anpr_spool_append(anpr_spool *s, uint64_t seq, int64_t utc_ms, const void *data, size_t len)
{
	anpr_spool_rec r = { seq, utc_ms, data, len };

	return anpr_spool_append_batch(s, &r, 1, NULL);
}

/* ---- reading ---- */

static void mark_corrupt(anpr_spool *s, struct seg *g, struct ent *e)
{
	uint8_t j[JNL_ENT];

	ANPR_LOGW("record %" PRIu64 " in segment %016" PRIx64 " fails its check; dropped as corrupt", e->seq,
		  g->name_seq);
	set_state(s, g, e, ST_CORRUPT);
	s->corrupt++;
	queue_gap(s, e->seq, e->seq, "corrupt");
	jnl_entry(j, e->seq, e->seq, ST_CORRUPT);
	(void)journal_append(s, j, sizeof(j)); /* lost on failure: the next read finds it again */
}

/* Reads and authenticates entry e of g into out (e->len bytes). FORMAT when it fails its checks. */
static anpr_err read_ent(anpr_spool *s, struct seg *g, const struct ent *e, uint8_t *out)
{
	size_t total = anpr_spool_record_size(e->len);
	uint8_t nonce[NONCE_LEN], aad[AAD_LEN];
	const uint8_t *b;
	uint32_t crc;
	int fd, rc;

	anpr_err err = grow_buf(s, total);
	if (err)
		return err;
	if (g->fd >= 0) {
		fd = g->fd;
	} else if (s->rfd_seg == g) {
		fd = s->rfd;
	} else {
		char name[NAME_MAX_LEN];
		seg_name(name, g->name_seq, "spl");
		if (s->rfd >= 0)
			close(s->rfd);
		s->rfd_seg = NULL;
		s->rfd = openat(s->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (s->rfd < 0) {
			ANPR_LOGE("cannot open %s/%s: %s", s->dir, name, strerror(errno));
			return errno == ENOENT ? ANPR_ERR_FORMAT : ANPR_ERR_IO;
		}
		s->rfd_seg = g;
		fd = s->rfd;
	}
	rc = pread_full(fd, s->buf, total, e->off);
	if (rc < 0) {
		ANPR_LOGE("cannot read segment %016" PRIx64 " of %s: %s", g->name_seq, s->dir,
			  strerror(errno));
		return ANPR_ERR_IO;
	}
	b = s->buf;
	if (rc > 0 || get32(b) != REC_MAGIC || get32(b + 4) != e->len || get64(b + 8) != e->seq ||
	    (int64_t)get64(b + 16) != e->utc_ms)
		return ANPR_ERR_FORMAT;
	crc = anpr_crc32c(0, b, 28);
	crc = anpr_crc32c(crc, b + REC_HDR, e->len + TAG_LEN);
	if (crc != get32(b + 28))
		return ANPR_ERR_FORMAT;
	if (s->rgcm_seg != g) {
		if (mbedtls_gcm_setkey(&s->rgcm, MBEDTLS_CIPHER_ID_AES, g->key, 256))
			return ANPR_ERR_CRYPTO;
		s->rgcm_seg = g;
	}
	nonce_aad(e->seq, e->utc_ms, nonce, aad);
	/* On a bad tag mbedTLS wipes out, so no unauthenticated byte reaches the caller. */
	if (mbedtls_gcm_auth_decrypt(&s->rgcm, e->len, nonce, NONCE_LEN, aad, AAD_LEN, b + REC_HDR + e->len,
				     TAG_LEN, b + REC_HDR, out))
		return ANPR_ERR_FORMAT;
	return ANPR_ERR_OK;
}

anpr_err anpr_spool_read(anpr_spool *s, uint64_t seq, void *buf, size_t cap, size_t *len, int64_t *utc_ms)
{
	anpr_err err = ANPR_ERR_NOT_FOUND;
	struct seg *g = NULL;
	struct ent *e;

	if (!s || (!buf && cap) || !len)
		return ANPR_ERR_INVAL;
	*len = 0;
	pthread_mutex_lock(&s->mu);
	e = find(s, seq, &g);
	if (!e || e->state == ST_UNSYNCED)
		goto out;
	*len = e->len;
	err = ANPR_ERR_TOO_BIG;
	if (cap < e->len)
		goto out;
	err = ANPR_ERR_FORMAT;
	if (e->state == ST_CORRUPT)
		goto out;
	err = read_ent(s, g, e, buf);
	if (err == ANPR_ERR_FORMAT)
		mark_corrupt(s, g, e);
	if (err == ANPR_ERR_OK && utc_ms)
		*utc_ms = e->utc_ms;
out:
	pthread_mutex_unlock(&s->mu);
	return err;
}

size_t anpr_spool_pending(anpr_spool *s, uint64_t after, bool newest_first, uint64_t *out, size_t max)
{
	size_t got = 0;

	if (!s || !out || !max)
		return 0;
	pthread_mutex_lock(&s->mu);
	if (!newest_first) {
		size_t i = find_seg(s, after);
		for (i = i == s->nseg ? 0 : i; i < s->nseg && got < max; i++) {
			const struct seg *g = s->segs[i];
			if (!g->cnt[ST_PENDING])
				continue;
			for (uint32_t k = lower_bound(g, after + 1); k < g->synced_n && got < max; k++)
				if (g->e[k].state == ST_PENDING)
					out[got++] = g->e[k].seq;
		}
	} else {
		for (size_t i = s->nseg; i-- > 0 && got < max;) {
			const struct seg *g = s->segs[i];
			if (!g->cnt[ST_PENDING])
				continue;
			for (uint32_t k = g->synced_n; k-- > 0 && got < max;) {
				if (g->e[k].seq <= after)
					break;
				if (g->e[k].state == ST_PENDING)
					out[got++] = g->e[k].seq;
			}
			if (g->synced_n && g->e[0].seq <= after)
				break;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return got;
}

anpr_err anpr_spool_last(anpr_spool *s, uint64_t *seq)
{
	anpr_err err = ANPR_ERR_NOT_FOUND;

	if (!s || !seq)
		return ANPR_ERR_INVAL;
	pthread_mutex_lock(&s->mu);
	/* The highest sequence number known, even when its record has since been deleted: never reused. */
	if (s->last_seq) {
		*seq = s->last_seq;
		err = ANPR_ERR_OK;
	}
	pthread_mutex_unlock(&s->mu);
	return err;
}

anpr_err anpr_spool_mark(anpr_spool *s, const uint64_t *seqs, size_t n, anpr_spool_state state)
{
	anpr_err err = ANPR_ERR_OK;
	uint8_t *b = NULL;
	size_t used = 0;
	uint64_t from = 0, to = 0;
	bool open_run = false;

	if (!s || (!seqs && n) || (unsigned)state > ANPR_SPOOL_QUARANTINED)
		return ANPR_ERR_INVAL;
	if (n == 0)
		return ANPR_ERR_OK;
	b = malloc(n * JNL_ENT);
	if (!b)
		return ANPR_ERR_NOMEM;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < n; i++) {
		const struct ent *e = find(s, seqs[i], NULL);
		if (!e || e->state == ST_UNSYNCED || e->state == ST_CORRUPT || e->state == (uint8_t)state)
			continue;
		if (open_run && seqs[i] == to + 1) {
			to = seqs[i];
			continue;
		}
		if (open_run) {
			jnl_entry(b + used, from, to, (uint32_t)state);
			used += JNL_ENT;
		}
		from = to = seqs[i];
		open_run = true;
	}
	if (open_run) {
		jnl_entry(b + used, from, to, (uint32_t)state);
		used += JNL_ENT;
	}
	if (used == 0)
		goto out;
	err = journal_append(s, b, used);
	if (err)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct seg *g = NULL;
		struct ent *e = find(s, seqs[i], &g);
		if (e && e->state != ST_UNSYNCED && e->state != ST_CORRUPT)
			set_state(s, g, e, (uint8_t)state);
	}
out:
	pthread_mutex_unlock(&s->mu);
	free(b);
	return err;
}

anpr_err anpr_spool_expire(anpr_spool *s, int64_t now_utc_ms,
			   void (*gap)(void *user, uint64_t from, uint64_t to, const char *reason),
			   void *user)
{
	struct gap *gaps = NULL;
	anpr_err err = ANPR_ERR_OK;
	size_t ngap = 0;
	bool deleted = false;
	int64_t cutoff;

	if (!s)
		return ANPR_ERR_INVAL;
	cutoff = now_utc_ms - s->cfg.retention_ms;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->nseg;) {
		struct seg *g = s->segs[i];
		bool expired = g->synced_n == 0 || g->max_utc < cutoff;
		bool acked = s->cfg.delete_on_ack && g->cnt[ST_DELIVERED] + g->cnt[ST_CORRUPT] == g->synced_n;
		if (!idle(g) || !(expired || acked)) {
			i++;
			continue;
		}
		if (expired) {
			gaps_of(s, g, "expired");
			s->expired += g->synced_n;
		}
		delete_seg(s, i); /* also when it is the current segment: the next append starts another */
		deleted = true;
	}
	while (s->bytes > s->cfg.max_bytes && evict_oldest(s))
		deleted = true;
	if (s->bytes + s->cfg.segment_bytes <= s->cfg.max_bytes)
		s->full = false;
	if (deleted)
		(void)sync_dir(s);
	if (deleted || s->jbroken || s->jbytes > s->jbytes_compacted * 2 + JNL_SLACK)
		err = journal_rewrite(s);
	if (s->ngap) {
		gaps = malloc(s->ngap * sizeof(*gaps));
		if (gaps) {
			memcpy(gaps, s->gaps, s->ngap * sizeof(*gaps));
			ngap = s->ngap;
			s->ngap = 0;
		}
	}
	pthread_mutex_unlock(&s->mu);
	/* Outside the lock, so the callback may call back into the spool. */
	for (size_t i = 0; i < ngap; i++)
		if (gap)
			gap(user, gaps[i].from, gaps[i].to, gaps[i].reason);
	free(gaps);
	return err;
}

void anpr_spool_get_stats(anpr_spool *s, anpr_spool_stats *st)
{
	if (!s || !st)
		return;
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&s->mu);
	st->pending = s->cnt[ST_PENDING];
	st->delivered = s->cnt[ST_DELIVERED];
	st->quarantined = s->cnt[ST_QUARANTINED];
	st->records = st->pending + st->delivered + st->quarantined + s->cnt[ST_CORRUPT];
	st->bytes = s->bytes;
	for (size_t i = 0; i < s->nseg; i++) {
		if (s->segs[i]->synced_n) {
			st->first_seq = s->segs[i]->e[0].seq;
			break;
		}
	}
	for (size_t i = s->nseg; i-- > 0;) {
		if (s->segs[i]->synced_n) {
			st->last_seq = s->segs[i]->e[s->segs[i]->synced_n - 1].seq;
			break;
		}
	}
	for (size_t i = 0; i < s->nseg && st->pending; i++) {
		const struct seg *g = s->segs[i];
		if (!g->cnt[ST_PENDING])
			continue;
		for (uint32_t k = 0; k < g->synced_n; k++) {
			if (g->e[k].state == ST_PENDING) {
				st->oldest_pending_utc_ms = g->e[k].utc_ms;
				break;
			}
		}
		break;
	}
	st->appended = s->appended;
	st->expired = s->expired;
	st->evicted = s->evicted;
	st->corrupt = s->corrupt;
	st->torn = s->torn;
	st->lost_fsync = s->lost_fsync;
	st->fsync_failed = s->fsync_failed;
	st->full = s->full;
	st->segments = (uint32_t)s->nseg;
	pthread_mutex_unlock(&s->mu);
}

anpr_err anpr_spool_check(anpr_spool *s, uint64_t *checked, uint64_t *bad)
{
	uint64_t next = 0, nc = 0, nb = 0;
	uint8_t *out = NULL;
	size_t out_cap = 0;
	anpr_err err = ANPR_ERR_OK;

	if (!s)
		return ANPR_ERR_INVAL;
	/* One record per lock hold, so appends are not held up by a full check. */
	for (;;) {
		pthread_mutex_lock(&s->mu);
		size_t i = find_seg(s, next);
		struct seg *g = NULL;
		struct ent *e = NULL;
		for (i = i == s->nseg ? 0 : i; i < s->nseg && !e; i++) {
			uint32_t k = lower_bound(s->segs[i], next);
			if (k < s->segs[i]->synced_n) {
				g = s->segs[i];
				e = &g->e[k];
			}
		}
		if (!e) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		next = e->seq + 1;
		if (out_cap < e->len || !out) {
			uint8_t *no = realloc(out, e->len ? e->len : 1);
			if (!no) {
				pthread_mutex_unlock(&s->mu);
				err = ANPR_ERR_NOMEM;
				break;
			}
			out = no;
			out_cap = e->len ? e->len : 1;
		}
		nc++;
		anpr_err r = e->state == ST_CORRUPT ? ANPR_ERR_FORMAT : read_ent(s, g, e, out);
		if (r == ANPR_ERR_FORMAT && e->state != ST_CORRUPT)
			mark_corrupt(s, g, e);
		if (r)
			nb++;
		pthread_mutex_unlock(&s->mu);
		if (r && r != ANPR_ERR_FORMAT) {
			err = r;
			break;
		}
	}
	if (out) {
		mbedtls_platform_zeroize(out, out_cap);
		free(out);
	}
	if (checked)
		*checked = nc;
	if (bad)
		*bad = nb;
	return err;
}
