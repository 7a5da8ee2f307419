/* SPDX-License-Identifier: MIT */
/* Device key and JWS signer: key file checks, keygen, ES256 signatures checked with mbedTLS, vectors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "check.h"
#include "sign.h"

#define DIAG_LEN 512
#define LINE_MAX_ 4096

static const char *data_dir;
static char tmp_dir[PATH_MAX];

/* dir/name into buf (PATH_MAX bytes); a path that does not fit ends the test. */
static char *join(char *buf, const char *dir, const char *name)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
		fprintf(stderr, "path too long: %s/%s\n", dir, name);
		exit(1);
	}
	return buf;
}

static char *tpath(char *buf, const char *name)
{
	return join(buf, tmp_dir, name);
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, data, len) == (ssize_t)len && fchmod(fd, mode) == 0;
	return close(fd) == 0 && ok ? 0 : -1;
}

/* Reads a whole file (up to 2 MiB) into a NUL-terminated malloc'd buffer, or NULL. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 2 * 1024 * 1024;

	if (!f)
		return NULL;
	buf = malloc(cap + 1);
	if (buf)
		n = fread(buf, 1, cap, f);
	fclose(f);
	if (buf)
		buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Copies tests/unit/data/sign/name to tmp_dir/dst with the given mode. */
static int copy_data(const char *name, const char *dst, mode_t mode)
{
	char src[PATH_MAX], out[PATH_MAX];
	size_t len;
	char *buf;
	int rc;

	buf = read_file(join(src, data_dir, name), &len);
	if (!buf)
		return -1;
	rc = write_file(tpath(out, dst), buf, len, mode);
	free(buf);
	return rc;
}

static void rm_tmp_dir(void)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;
	char p[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlink(tpath(p, e->d_name)) < 0)
			rmdir(p);
	}
	closedir(d);
	rmdir(tmp_dir);
}

static unsigned count_dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);

	if (strcmp(hex, "-") == 0) {
		*len = 0;
		return 0;
	}
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

/* Decodes unpadded base64url with mbedTLS's standard decoder; rejects '=', '+' and '/'. */
static int b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *olen)
{
	char *std = malloc(len + 4);
	size_t n = 0;
	int rc;

	if (!std)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '=' || c == '+' || c == '/') {
			free(std);
			return -1;
		}
		std[n++] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	if (n % 4 == 1) {
		free(std);
		return -1;
	}
	while (n % 4)
		std[n++] = '=';
	rc = mbedtls_base64_decode(out, cap, olen, (const unsigned char *)std, n);
	free(std);
	return rc;
}

typedef enum jws_result { JWS_OK, JWS_MALFORMED, JWS_BAD_HEADER, JWS_BAD_PAYLOAD, JWS_BAD_SIG } jws_result;

/*
 * Checks a compact JWS from scratch: three segments, the exact header with kid,
 * the payload, and r || s against pub's public key over the signing input.
 */
static jws_result verify_jws(const char *jws, mbedtls_pk_context *pub, const char *kid, const void *payload,
			     size_t plen)
{
	const char *dot1 = strchr(jws, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pub);
	char want_hdr[256];
	uint8_t hdr[256], sig[128], digest[32];
	uint8_t *pl = NULL;
	size_t hlen, slen, got;
	jws_result res = JWS_MALFORMED;
	mbedtls_mpi r, s;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (!dot1 || !dot2 || strchr(dot2 + 1, '.') || !ec)
		goto out;
	if (b64url_decode(jws, (size_t)(dot1 - jws), hdr, sizeof(hdr) - 1, &hlen))
		goto out;
	hdr[hlen] = '\0';
	res = JWS_BAD_HEADER;
	snprintf(want_hdr, sizeof(want_hdr), "{\"alg\":\"ES256\",\"typ\":\"anpr-read+json\",\"kid\":\"%s\"}",
		 kid);
	if (strcmp((const char *)hdr, want_hdr) != 0)
		goto out;
	res = JWS_MALFORMED;
	pl = malloc((size_t)(dot2 - dot1) + 1);
	if (!pl || b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), pl, (size_t)(dot2 - dot1), &got))
		goto out;
	res = JWS_BAD_PAYLOAD;
	if (got != plen || (plen && memcmp(pl, payload, plen) != 0))
		goto out;
	res = JWS_MALFORMED;
	if (strlen(dot2 + 1) != 86 || b64url_decode(dot2 + 1, 86, sig, sizeof(sig), &slen) || slen != 64)
		goto out;
	if (mbedtls_sha256_ret((const unsigned char *)jws, (size_t)(dot2 - jws), digest, 0) ||
	    mbedtls_mpi_read_binary(&r, sig, 32) || mbedtls_mpi_read_binary(&s, sig + 32, 32))
		goto out;
	res = mbedtls_ecdsa_verify(&ec->grp, digest, sizeof(digest), &ec->Q, &r, &s) ? JWS_BAD_SIG : JWS_OK;
out:
	free(pl);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return res;
}

/* The raw r || s of a JWS, for checking how short values are padded. */
static int jws_sig(const char *jws, uint8_t sig[64])
{
	const char *dot = strrchr(jws, '.');
	size_t n;

	return dot && b64url_decode(dot + 1, strlen(dot + 1), sig, 64, &n) == 0 && n == 64 ? 0 : -1;
}

/* Loads a public key PEM (the part of text before "fingerprint:") into pub. */
static int load_pub(mbedtls_pk_context *pub, const char *text)
{
	const char *end = strstr(text, "fingerprint:");
	size_t n = end ? (size_t)(end - text) : strlen(text);
	char *pem = malloc(n + 1);
	int rc;

	if (!pem)
		return -1;
	memcpy(pem, text, n);
	pem[n] = '\0';
	rc = mbedtls_pk_parse_public_key(pub, (const unsigned char *)pem, n + 1);
	free(pem);
	return rc;
}

/* Fingerprint computed here, apart from sign.c: SHA-256 of the SPKI DER, lowercase hex. */
static void spki_kid(mbedtls_pk_context *pub, char kid[65])
{
	unsigned char der[512];
	int n = mbedtls_pk_write_pubkey_der(pub, der, sizeof(der));

	kid[0] = '\0';
	if (n > 0)
		anpr_sha256_hex(der + sizeof(der) - n, (size_t)n, kid);
}

static void test_vectors(void)
{
	char path[PATH_MAX], line[LINE_MAX_];
	unsigned sha = 0, b64 = 0, kids = 0;
	FILE *f;

	f = fopen(join(path, data_dir, "vectors.txt"), "r");
	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char kind[32], a[2048], b[2048];
		uint8_t in[1024];
		size_t len;

		if (line[0] == '#' || sscanf(line, "%31s %2047s %2047s", kind, a, b) != 3)
			continue;
		if (strcmp(b, "-") == 0)
			b[0] = '\0';
		if (strcmp(kind, "sha256") == 0) {
			char hex[ANPR_SHA256_HEX_BUF];
			CHECK_INT(hex_decode(a, in, sizeof(in), &len), 0);
			anpr_sha256_hex(in, len, hex);
			CHECK_STR(hex, b);
			sha++;
		} else if (strcmp(kind, "base64url") == 0) {
			char out[2048];
			CHECK_INT(hex_decode(a, in, sizeof(in), &len), 0);
			memset(out, 'x', sizeof(out));
			CHECK_INT(anpr_base64url(in, len, out), strlen(b));
			CHECK_STR(out, b);
			b64++;
		} else if (strcmp(kind, "kid") == 0) {
			anpr_signer *s = NULL;
			char diag[DIAG_LEN] = "";
			CHECK_INT(copy_data(a, "vector.pem", 0600), 0);
			CHECK_INT(anpr_signer_open(tpath(path, "vector.pem"), &s, diag, sizeof(diag)),
				  ANPR_ERR_OK);
			CHECK_STR(anpr_signer_kid(s), b);
			anpr_signer_close(s);
			unlink(path);
			kids++;
		}
	}
	fclose(f);
	CHECK(sha >= 3);
	CHECK(b64 >= 7);
	CHECK(kids >= 2);

	/* FIPS 180-2's third example: a million 'a'. */
	char *m = malloc(1000000);
	uint8_t d[ANPR_SHA256_LEN], want[ANPR_SHA256_LEN];
	size_t n;
	CHECK(m != NULL);
	if (m) {
		memset(m, 'a', 1000000);
		anpr_sha256(m, 1000000, d);
		CHECK_INT(hex_decode("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want,
				     sizeof(want), &n),
			  0);
		CHECK(memcmp(d, want, sizeof(d)) == 0);
		free(m);
	}
	CHECK(anpr_signer_kid(NULL) == NULL);
}

static void test_keygen(char *kid_out)
{
	char key[PATH_MAX], p[PATH_MAX], diag[DIAG_LEN] = "", *pub_text = NULL, *before, *after;
	size_t pub_len = 0, len1 = 0, len2 = 0;
	anpr_signer *s = NULL;
	mbedtls_pk_context pub;
	struct stat sb;
	FILE *pub_out;
	char kid[65];

	mbedtls_pk_init(&pub);
	pub_out = open_memstream(&pub_text, &pub_len);
	CHECK(pub_out != NULL);
	if (!pub_out)
		return;
	CHECK_INT(anpr_sign_keygen(tpath(key, "device.pem"), pub_out, diag, sizeof(diag)), ANPR_ERR_OK);
	fclose(pub_out);
	CHECK_INT(lstat(key, &sb), 0);
	CHECK(S_ISREG(sb.st_mode));
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(count_dir_entries(tmp_dir), 1); /* no temporary file left behind */
	CHECK_CONTAINS(pub_text, "-----BEGIN PUBLIC KEY-----\n");

	/* The printed fingerprint, the signer's kid and one computed here from the printed PEM agree. */
	CHECK_INT(anpr_signer_open(key, &s, diag, sizeof(diag)), ANPR_ERR_OK);
	snprintf(p, sizeof(p), "\nfingerprint: %s\n", anpr_signer_kid(s));
	CHECK_CONTAINS(pub_text, p);
	CHECK_INT(strlen(anpr_signer_kid(s)), 64);
	CHECK(strspn(anpr_signer_kid(s), "0123456789abcdef") == 64);
	CHECK_INT(load_pub(&pub, pub_text), 0);
	spki_kid(&pub, kid);
	CHECK_STR(kid, anpr_signer_kid(s));
	snprintf(kid_out, 65, "%s", kid);
	anpr_signer_close(s);

	/* A second keygen must neither replace nor touch the key. */
	before = read_file(key, &len1);
	CHECK_INT(anpr_sign_keygen(key, NULL, diag, sizeof(diag)), ANPR_ERR_INVAL);
	CHECK_CONTAINS(diag, "already exists");
	after = read_file(key, &len2);
	CHECK(before && after && len1 == len2 && memcmp(before, after, len1) == 0);
	free(before);
	free(after);
	CHECK_INT(count_dir_entries(tmp_dir), 1);

	/* Nor may it write through a dangling symlink. */
	CHECK_INT(symlink(tpath(p, "nowhere.pem"), tpath(key, "dangling.pem")), 0);
	CHECK_INT(anpr_sign_keygen(key, NULL, diag, sizeof(diag)), ANPR_ERR_INVAL);
	CHECK_INT(access(p, F_OK), -1);
	unlink(key);

	CHECK_INT(anpr_sign_keygen(tpath(key, "no-such-dir/device.pem"), NULL, diag, sizeof(diag)),
		  ANPR_ERR_IO);
	CHECK_CONTAINS(diag, "no-such-dir");
	CHECK_INT(anpr_sign_keygen(NULL, NULL, NULL, 0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_sign_keygen("", NULL, NULL, 0), ANPR_ERR_INVAL);
	CHECK_INT(count_dir_entries(tmp_dir), 1);

	mbedtls_pk_free(&pub);
	free(pub_text);
}

/* Writes a freshly generated key of another kind (RSA, or EC on curve) as PEM, mode 0600. */
static int write_other_key(const char *path, int rsa, mbedtls_ecp_group_id curve)
{
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context pk;
	unsigned char pem[4096];
	int rc;

	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&pk);
	rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0);
	if (!rc)
		rc =
		    mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(rsa ? MBEDTLS_PK_RSA : MBEDTLS_PK_ECKEY));
	if (!rc && rsa)
		rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), mbedtls_ctr_drbg_random, &drbg, 512, 65537);
	else if (!rc)
		rc = mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random, &drbg);
	if (!rc)
		rc = mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem));
	if (!rc)
		rc = write_file(path, pem, strlen((const char *)pem), 0600);
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return rc;
}

/* anpr_signer_open(path) must fail with want, leave *out NULL, and say something containing needle. */
static void expect_refused(const char *path, anpr_err want, const char *needle)
{
	anpr_signer *s = (anpr_signer *)&s; /* anything non-NULL */
	char diag[DIAG_LEN] = "";

	CHECK_INT(anpr_signer_open(path, &s, diag, sizeof(diag)), want);
	CHECK(s == NULL);
	if (needle)
		CHECK_CONTAINS(diag, needle);
	anpr_signer_close(s == (anpr_signer *)&s ? NULL : s);
}

static void test_open_refusals(void)
{
	char key[PATH_MAX], p[PATH_MAX], diag[DIAG_LEN];
	anpr_signer *s = NULL;
	static const mode_t bad_modes[] = { 0644, 0640, 0604, 0660, 0601, 0610, 0700 | 04000 | 0010 };

	CHECK_INT(copy_data("rfc6979-p256.pem", "good.pem", 0600), 0);
	tpath(key, "good.pem");
	CHECK_INT(anpr_signer_open(key, &s, diag, sizeof(diag)), ANPR_ERR_OK);
	anpr_signer_close(s);
	s = NULL;
	for (size_t i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++) {
		CHECK_INT(chmod(key, bad_modes[i]), 0);
		expect_refused(key, ANPR_ERR_PERMISSION, "chmod 600");
	}
	CHECK_INT(chmod(key, 0400), 0);
	CHECK_INT(anpr_signer_open(key, &s, NULL, 0), ANPR_ERR_OK);
	anpr_signer_close(s);
	s = NULL;
	CHECK_INT(chmod(key, 0600), 0);

	/* Root may open anyone's file, but a key another user owns is one they could swap. */
	if (geteuid() == 0 && chown(key, 1, 1) == 0) {
		expect_refused(key, ANPR_ERR_PERMISSION, "owned by uid 1");
		CHECK_INT(chown(key, 0, 0), 0);
	}

	CHECK_INT(symlink(key, tpath(p, "link.pem")), 0);
	expect_refused(p, ANPR_ERR_PERMISSION, "symbolic link");
	unlink(p);
	CHECK_INT(mkdir(tpath(p, "dir.pem"), 0700), 0);
	expect_refused(p, ANPR_ERR_PERMISSION, "not a regular file");
	rmdir(p);
	/* A FIFO must be refused, not waited on. */
	CHECK_INT(mkfifo(tpath(p, "fifo.pem"), 0600), 0);
	expect_refused(p, ANPR_ERR_PERMISSION, "not a regular file");
	unlink(p);
	expect_refused(tpath(p, "missing.pem"), ANPR_ERR_NOT_FOUND, "no such file");

	CHECK_INT(write_file(tpath(p, "empty.pem"), "", 0, 0600), 0);
	expect_refused(p, ANPR_ERR_FORMAT, "not a PEM private key");
	unlink(p);
	static const char garbage[] = "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n"
				      "-----END EC PRIVATE KEY-----\n";
	CHECK_INT(write_file(tpath(p, "garbage.pem"), garbage, sizeof(garbage) - 1, 0600), 0);
	expect_refused(p, ANPR_ERR_FORMAT, "not a PEM private key");
	unlink(p);
	CHECK_INT(write_file(tpath(p, "binary.pem"), "\x30\x82\x00\x00\xff\x00", 6, 0600), 0);
	expect_refused(p, ANPR_ERR_FORMAT, NULL);
	unlink(p);
	CHECK_INT(copy_data("rfc6979-p256-public.pem", "public.pem", 0600), 0);
	expect_refused(tpath(p, "public.pem"), ANPR_ERR_FORMAT, "not a PEM private key");
	unlink(p);
	CHECK_INT(copy_data("rfc6979-p256-encrypted.pem", "encrypted.pem", 0600), 0);
	expect_refused(tpath(p, "encrypted.pem"), ANPR_ERR_FORMAT, "encrypted");
	unlink(p);
	CHECK_INT(copy_data("rfc6979-p256-encrypted-legacy.pem", "encrypted.pem", 0600), 0);
	expect_refused(tpath(p, "encrypted.pem"), ANPR_ERR_FORMAT, "encrypted");
	unlink(p);
	CHECK_INT(write_other_key(tpath(p, "p384.pem"), 0, MBEDTLS_ECP_DP_SECP384R1), 0);
	expect_refused(p, ANPR_ERR_FORMAT, "secp384r1");
	unlink(p);
	CHECK_INT(write_other_key(tpath(p, "rsa.pem"), 1, MBEDTLS_ECP_DP_NONE), 0);
	expect_refused(p, ANPR_ERR_FORMAT, "RSA key");
	unlink(p);

	/* A huge file is refused before it is parsed. */
	char *big = malloc(17 * 1024);
	CHECK(big != NULL);
	if (big) {
		memset(big, 'A', 17 * 1024);
		CHECK_INT(write_file(tpath(p, "big.pem"), big, 17 * 1024, 0600), 0);
		expect_refused(p, ANPR_ERR_TOO_BIG, "larger than");
		unlink(p);
		free(big);
	}

	CHECK_INT(anpr_signer_open(NULL, &s, NULL, 0), ANPR_ERR_INVAL);
	CHECK_INT(anpr_signer_open(key, NULL, NULL, 0), ANPR_ERR_INVAL);
	anpr_signer_close(NULL);
	unlink(key);
}

static void test_sign_verify(const char *kid)
{
	char key[PATH_MAX], diag[DIAG_LEN] = "", *jws = NULL, *jws2 = NULL;
	static const char read_json[] =
	    "{\"camera\":\"pole-7\",\"ts\":\"2026-11-21T19:40:01.123Z\",\"vrm\":\"AB12CDE\"}";
	mbedtls_pk_context pub;
	anpr_signer *s = NULL;
	size_t len = 0;

	mbedtls_pk_init(&pub);
	CHECK_INT(anpr_signer_open(tpath(key, "device.pem"), &s, diag, sizeof(diag)), ANPR_ERR_OK);
	if (!s)
		return;
	/* The verifying key comes from the key file, parsed by mbedTLS directly. */
	CHECK_INT(mbedtls_pk_parse_keyfile(&pub, key, NULL), 0);

	CHECK_INT(anpr_signer_sign(s, read_json, strlen(read_json), &jws, &len), ANPR_ERR_OK);
	CHECK(jws != NULL);
	if (!jws)
		goto out;
	CHECK_INT(strlen(jws), len);
	CHECK(strchr(jws, '=') == NULL);
	CHECK_INT(verify_jws(jws, &pub, kid, read_json, strlen(read_json)), JWS_OK);
	/* Deterministic (RFC 6979): the same read signs the same. */
	CHECK_INT(anpr_signer_sign(s, read_json, strlen(read_json), &jws2, NULL), ANPR_ERR_OK);
	CHECK_STR(jws2, jws);
	free(jws2);
	jws2 = NULL;

	/* Tampering: a payload character, a signature character, the header. */
	char *dot1 = strchr(jws, '.'), *dot2 = strrchr(jws, '.');
	dot1[5] = dot1[5] == 'A' ? 'B' : 'A';
	CHECK_INT(verify_jws(jws, &pub, kid, NULL, 0), JWS_BAD_PAYLOAD);
	CHECK(verify_jws(jws, &pub, kid, read_json, strlen(read_json)) != JWS_OK);
	{
		/* Told to expect the tampered payload, the verifier has only the signature to catch it. */
		size_t plen = 0;
		uint8_t tampered[256];
		CHECK_INT(
		    b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), tampered, sizeof(tampered), &plen), 0);
		CHECK_INT(verify_jws(jws, &pub, kid, tampered, plen), JWS_BAD_SIG);
	}
	free(jws);
	jws = NULL;
	CHECK_INT(anpr_signer_sign(s, read_json, strlen(read_json), &jws, &len), ANPR_ERR_OK);
	jws[len - 3] = jws[len - 3] == 'A' ? 'B' : 'A';
	CHECK_INT(verify_jws(jws, &pub, kid, read_json, strlen(read_json)), JWS_BAD_SIG);
	free(jws);
	jws = NULL;
	CHECK_INT(anpr_signer_sign(s, read_json, strlen(read_json), &jws, &len), ANPR_ERR_OK);
	jws[3] = jws[3] == 'A' ? 'B' : 'A';
	CHECK(verify_jws(jws, &pub, kid, read_json, strlen(read_json)) != JWS_OK);
	free(jws);
	jws = NULL;

	/* Every remainder mod 3, binary bytes and NUL, an empty payload, and the size limit. */
	uint8_t *buf = calloc(1, ANPR_SIGN_PAYLOAD_MAX + 1);
	CHECK(buf != NULL);
	if (!buf)
		goto out;
	for (size_t i = 0; i < 2048; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 31, 32, 33, 2048 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CHECK_INT(anpr_signer_sign(s, buf, sizes[i], &jws, &len), ANPR_ERR_OK);
		CHECK_INT(verify_jws(jws, &pub, kid, buf, sizes[i]), JWS_OK);
		free(jws);
		jws = NULL;
	}
	CHECK_INT(anpr_signer_sign(s, NULL, 0, &jws, &len), ANPR_ERR_OK);
	CHECK_INT(verify_jws(jws, &pub, kid, "", 0), JWS_OK);
	free(jws);
	jws = NULL;
	CHECK_INT(anpr_signer_sign(s, buf, ANPR_SIGN_PAYLOAD_MAX, &jws, &len), ANPR_ERR_OK);
	CHECK_INT(verify_jws(jws, &pub, kid, buf, ANPR_SIGN_PAYLOAD_MAX), JWS_OK);
	free(jws);
	jws = (char *)buf; /* must be overwritten with NULL on failure */
	CHECK_INT(anpr_signer_sign(s, buf, ANPR_SIGN_PAYLOAD_MAX + 1, &jws, &len), ANPR_ERR_TOO_BIG);
	CHECK(jws == NULL);
	CHECK_INT(len, 0);
	free(buf);

	CHECK_INT(anpr_signer_sign(NULL, "x", 1, &jws, &len), ANPR_ERR_INVAL);
	CHECK_INT(anpr_signer_sign(s, "x", 1, NULL, &len), ANPR_ERR_INVAL);
	CHECK_INT(anpr_signer_sign(s, NULL, 1, &jws, &len), ANPR_ERR_INVAL);
out:
	free(jws);
	mbedtls_pk_free(&pub);
	anpr_signer_close(s);
}

/*
 * With the fixed RFC 6979 key, signatures are reproducible, so vectors.txt
 * names payloads whose r or s has a zero high byte: they must still be 32
 * bytes each, left-padded, and verify.
 */
static void test_short_r_s(void)
{
	char key[PATH_MAX], path[PATH_MAX], line[LINE_MAX_], diag[DIAG_LEN] = "";
	mbedtls_pk_context pub;
	anpr_signer *s = NULL;
	unsigned seen_r = 0, seen_s = 0;
	FILE *f;

	mbedtls_pk_init(&pub);
	CHECK_INT(copy_data("rfc6979-p256.pem", "fixed.pem", 0600), 0);
	CHECK_INT(anpr_signer_open(tpath(key, "fixed.pem"), &s, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_INT(mbedtls_pk_parse_keyfile(&pub, key, NULL), 0);
	f = fopen(join(path, data_dir, "vectors.txt"), "r");
	CHECK(f != NULL);
	while (s && f && fgets(line, sizeof(line), f)) {
		char kind[32], payload[256];
		uint8_t sig[64];
		char *jws = NULL;

		if (sscanf(line, "%31s %255s", kind, payload) != 2 ||
		    (strcmp(kind, "short_r") != 0 && strcmp(kind, "short_s") != 0))
			continue;
		CHECK_INT(anpr_signer_sign(s, payload, strlen(payload), &jws, NULL), ANPR_ERR_OK);
		if (!jws)
			continue;
		CHECK_INT(jws_sig(jws, sig), 0);
		if (kind[6] == 'r') {
			CHECK_INT(sig[0], 0);
			seen_r++;
		} else {
			CHECK_INT(sig[32], 0);
			seen_s++;
		}
		CHECK_INT(verify_jws(jws, &pub, anpr_signer_kid(s), payload, strlen(payload)), JWS_OK);
		free(jws);
	}
	if (f)
		fclose(f);
	CHECK(seen_r > 0);
	CHECK(seen_s > 0);
	mbedtls_pk_free(&pub);
	anpr_signer_close(s);
	unlink(key);
}

int main(int argc, char **argv)
{
	char kid[65] = "";
	const char *base = getenv("TMPDIR");

	if (argc != 2) {
		fprintf(stderr, "usage: %s DATA_DIR (tests/unit/data/sign)\n", argv[0]);
		return 2;
	}
	data_dir = argv[1];
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/test_sign.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_keygen(kid);
	test_sign_verify(kid);
	test_open_refusals();
	test_vectors();
	test_short_r_s();
	rm_tmp_dir();
	return check_summary();
}
