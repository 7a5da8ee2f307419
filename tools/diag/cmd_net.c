/* SPDX-License-Identifier: MIT */
/* anpr-diag net and keys: the path to the back office step by step, the device key, its certificate and CSRs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "atomicfile.h"
#include "clock.h"
#include "diag.h"
#include "keys.h"
#include "secret_file.h"
#include "sign.h"

#define KEY_FILE_MAX (16 * 1024)
#define NET_TIMEOUT_MS 5000

static const char *clean(const char *s, char *buf, size_t n)
{
	size_t o = 0;
	for (; s && *s && o + 1 < n; s++)
		buf[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	buf[o] = '\0';
	return buf;
}

/* The system user anprd runs as (tools/packaging: sysusers.d). */
#define ANPR_SERVICE_USER "anpr"

/*
 * The console runs as root and the key belongs to the service user: check it
 * as anprd will (owned by `anpr` or root, mode 0600, no link). Without that
 * user (a development machine) the key must be ours.
 */
static anpr_err open_key(const char *path, int *fd, char *why, size_t why_len)
{
	const struct passwd *pw = geteuid() == 0 ? getpwnam(ANPR_SERVICE_USER) : NULL;

	return anpr_secret_open_for(path, "device key", pw ? pw->pw_uid : geteuid(), fd, why, why_len);
}

/* Loads the device private key after the secret-file checks. */
static anpr_err load_key(anpr_diag *d, mbedtls_pk_context *pk, char *why, size_t why_len)
{
	const char *path = diag_cfg_str(d, ANPR_KEY_SIGNING_KEY_FILE);
	unsigned char *buf = malloc(KEY_FILE_MAX + 1);
	size_t len = 0;
	int fd = -1;
	anpr_err err;

	if (!buf)
		return ANPR_ERR_NOMEM;
	err = open_key(path, &fd, why, why_len);
	if (!err)
		err = anpr_secret_read(fd, path, buf, KEY_FILE_MAX, &len, why, why_len);
	if (!err) {
		buf[len] = '\0';
		if (mbedtls_pk_parse_key(pk, buf, len + 1, NULL, 0) != 0) {
			snprintf(why, why_len, "%s: not a PEM private key", path);
			err = ANPR_ERR_FORMAT;
		}
	}
	if (fd >= 0)
		close(fd);
	mbedtls_platform_zeroize(buf, KEY_FILE_MAX + 1);
	free(buf);
	return err;
}

/* SHA-256 of the SubjectPublicKeyInfo, as firmware/sign.c makes the kid. */
static bool spki_fingerprint(mbedtls_pk_context *pk, char hex[ANPR_SHA256_HEX_BUF])
{
	unsigned char der[512];
	int n = mbedtls_pk_write_pubkey_der(pk, der, sizeof(der));
	if (n <= 0)
		return false;
	anpr_sha256_hex(der + sizeof(der) - (size_t)n, (size_t)n, hex);
	return true;
}

int diag_check_key(anpr_diag *d, char *why, size_t why_len)
{
	anpr_signer *s = NULL;
	anpr_err err = anpr_signer_open(diag_cfg_str(d, ANPR_KEY_SIGNING_KEY_FILE), &s, why, why_len);
	if (err) {
		if (!why[0])
			snprintf(why, why_len, "%s", anpr_strerror(err));
		return DIAG_FAIL;
	}
	snprintf(why, why_len, "private, parsable, fingerprint %.16s...", anpr_signer_kid(s));
	anpr_signer_close(s);
	return DIAG_OK;
}

static double days_until(const mbedtls_x509_time *t)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = t->year - 1900;
	tm.tm_mon = t->mon - 1;
	tm.tm_mday = t->day;
	tm.tm_hour = t->hour;
	tm.tm_min = t->min;
	tm.tm_sec = t->sec;
	return ((double)timegm(&tm) * 1000.0 - (double)anpr_clock_utc_ms()) / 86400000.0;
}

int diag_check_cert(anpr_diag *d, double *days_left, char *why, size_t why_len)
{
	mbedtls_x509_crt crt;
	const char *path = diag_cfg_str(d, ANPR_KEY_UPLINK_CERT_FILE);
	int rc = DIAG_OK;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_file(&crt, path) != 0) {
		snprintf(why, why_len, "%s: missing or not a certificate", path);
		rc = DIAG_FAIL;
		goto out;
	}
	*days_left = days_until(&crt.valid_to);
	if (*days_left < 0) {
		snprintf(why, why_len, "expired %.0f days ago", -*days_left);
		rc = DIAG_FAIL;
	} else if (*days_left < 30) {
		snprintf(why, why_len, "expires in %.0f days: renew (keys csr)", *days_left);
		rc = DIAG_FAIL;
	} else {
		snprintf(why, why_len, "valid for %.0f more days", *days_left);
	}
out:
	mbedtls_x509_crt_free(&crt);
	return rc;
}

/* Splits https://host[:port][/...] ; false when it is not that shape. */
static bool split_url(const char *url, char *host, size_t hlen, char *port, size_t plen)
{
	const char *p, *end;

	if (strncmp(url, "https://", 8) != 0)
		return false;
	p = url + 8;
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end || (size_t)(end - p - 1) >= hlen || end == p + 1)
			return false;
		memcpy(host, p + 1, (size_t)(end - p - 1));
		host[end - p - 1] = '\0';
		p = end + 1;
	} else {
		end = p + strcspn(p, ":/");
		if (end == p || (size_t)(end - p) >= hlen)
			return false;
		memcpy(host, p, (size_t)(end - p));
		host[end - p] = '\0';
		p = end;
	}
	if (*p == ':') {
		size_t n = strspn(p + 1, "0123456789");
		if (n == 0 || n > 5 || n >= plen)
			return false;
		memcpy(port, p + 1, n);
		port[n] = '\0';
		p += 1 + n;
	} else {
		snprintf(port, plen, "443");
	}
	return *p == '\0' || *p == '/';
}

static int connect_timed(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t el = sizeof(err);
	if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
	    err != 0) {
		close(fd);
		errno = err ? err : ETIMEDOUT;
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	struct timeval tv = { NET_TIMEOUT_MS / 1000, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

int diag_probe_backoffice(anpr_diag *d, bool verbose, char *why, size_t why_len)
{
	const char *url = diag_cfg_str(d, ANPR_KEY_UPLINK_URL);
	char host[256], port[8], buf[512], c1[128];
	struct addrinfo hints, *res = NULL;
	int rc = DIAG_FAIL, fd = -1;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, own;
	mbedtls_pk_context key;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_net_context net;

	if (!*url) {
		snprintf(why, why_len, "uplink.url is empty: reads are only stored");
		return -1;
	}
	if (!split_url(url, host, sizeof(host), port, sizeof(port))) {
		snprintf(why, why_len, "uplink.url is not https://host[:port]");
		return DIAG_FAIL;
	}
	mbedtls_ssl_init(&ssl);
	mbedtls_ssl_config_init(&conf);
	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&own);
	mbedtls_pk_init(&key);
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_net_init(&net);

	int64_t t0 = anpr_clock_mono_ms();
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	int g = getaddrinfo(host, port, &hints, &res);
	int64_t t_dns = anpr_clock_mono_ms() - t0;
	if (g != 0) {
		snprintf(why, why_len, "DNS: %s does not resolve (%s)", clean(host, c1, 60), gai_strerror(g));
		goto out;
	}
	char addr[64] = "?";
	getnameinfo(res->ai_addr, res->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	if (verbose)
		out(d, "DNS       %s -> %s in %lld ms: %s\n", clean(host, c1, 40), addr, (long long)t_dns,
		    diag_mark(d, "PASS"));
	t0 = anpr_clock_mono_ms();
	fd = connect_timed(res, NET_TIMEOUT_MS);
	int64_t t_tcp = anpr_clock_mono_ms() - t0;
	if (fd < 0) {
		snprintf(why, why_len, "TCP: cannot connect to %s port %s (%s)", addr, port, strerror(errno));
		goto out;
	}
	if (verbose)
		out(d, "TCP       port %s connected in %lld ms (one round trip): %s\n", port,
		    (long long)t_tcp, diag_mark(d, "PASS"));
	net.fd = fd;
	fd = -1;
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, (const unsigned char *)"anpr-diag", 9) !=
		0 ||
	    mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		snprintf(why, why_len, "TLS: cannot set up");
		goto out;
	}
	bool have_ca = mbedtls_x509_crt_parse_file(&ca, diag_cfg_str(d, ANPR_KEY_UPLINK_CA_FILE)) == 0;
	if (!have_ca && verbose)
		out(d, "TLS       pinned CA %s cannot be read\n",
		    clean(diag_cfg_str(d, ANPR_KEY_UPLINK_CA_FILE), c1, 50));
	char kwhy[200] = "";
	bool have_own = mbedtls_x509_crt_parse_file(&own, diag_cfg_str(d, ANPR_KEY_UPLINK_CERT_FILE)) == 0 &&
			load_key(d, &key, kwhy, sizeof(kwhy)) == ANPR_ERR_OK;
	if (!have_own && verbose)
		out(d, "TLS       no usable device certificate/key: the back office will refuse us\n");
	/* Optional: finish the handshake even when the chain fails, so the engineer sees why. */
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	if (have_ca)
		mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	if (have_own)
		(void)mbedtls_ssl_conf_own_cert(&conf, &own, &key);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	if (mbedtls_ssl_setup(&ssl, &conf) != 0 || mbedtls_ssl_set_hostname(&ssl, host) != 0) {
		snprintf(why, why_len, "TLS: cannot set up");
		goto out;
	}
	mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
	t0 = anpr_clock_mono_ms();
	int hr;
	while ((hr = mbedtls_ssl_handshake(&ssl)) != 0) {
		if (hr == MBEDTLS_ERR_SSL_WANT_READ || hr == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		char e[100];
		mbedtls_strerror(hr, e, sizeof(e));
		snprintf(why, why_len, "TLS: handshake failed: %s", e);
		goto out;
	}
	int64_t t_tls = anpr_clock_mono_ms() - t0;
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&ssl);
	uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
	if (verbose) {
		out(d, "TLS       %s handshake in %lld ms\n", mbedtls_ssl_get_version(&ssl),
		    (long long)t_tls);
		if (peer) {
			mbedtls_x509_dn_gets(buf, sizeof(buf), &peer->subject);
			out(d, "          server: %s\n", clean(buf, c1, 68));
			out(d, "          expires %04d-%02d-%02d (in %.0f days)\n", peer->valid_to.year,
			    peer->valid_to.mon, peer->valid_to.day, days_until(&peer->valid_to));
		}
	}
	if (flags != 0) {
		mbedtls_x509_crt_verify_info(buf, sizeof(buf), "", flags);
		char *nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		snprintf(why, why_len, "TLS: server certificate does not verify against the pinned CA (%s)",
			 clean(buf, c1, 60));
		goto out;
	}
	if (verbose)
		out(d, "          chains to the pinned CA: %s\n", diag_mark(d, "PASS"));
	snprintf(why, why_len, "%s reachable: TCP %lld ms, TLS %lld ms", clean(host, c1, 40),
		 (long long)t_tcp, (long long)t_tls);
	rc = DIAG_OK;
	(void)mbedtls_ssl_close_notify(&ssl);
out:
	if (fd >= 0)
		close(fd);
	if (res)
		freeaddrinfo(res);
	mbedtls_net_free(&net);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&own);
	mbedtls_pk_free(&key);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return rc;
}

int cmd_net(anpr_diag *d, int argc, char **argv)
{
	char why[256], a[80], age[48];
	(void)argv;

	if (argc != 1)
		return DIAG_USAGE;
	out(d, "Back office %s\n", clean(diag_cfg_str(d, ANPR_KEY_UPLINK_URL), a, 66));
	int rc = diag_probe_backoffice(d, true, why, sizeof(why));
	if (rc == -1 || rc != DIAG_OK) {
		out(d, "%s: ", diag_mark(d, rc == -1 ? "SKIP" : "FAIL"));
		anpr_term_put_untrusted(d->term, why, ANPR_TERM_COLS - 6);
	}
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	anpr_json *r = NULL;
	if (ctl &&
	    anpr_ctl_call(ctl, "status", NULL, DIAG_STATUS_TIMEOUT_MS, &r, why, sizeof(why)) == ANPR_ERR_OK) {
		const anpr_json *u = anpr_ctl_path(r, "result.uplink");
		double t = 0, http = 0;
		bool known = anpr_ctl_num(u, "last_success_utc_ms", &t);
		(void)anpr_ctl_num(u, "last_http", &http);
		diag_fmt_age((int64_t)t, known, age, sizeof(age));
		const char *le = anpr_ctl_str(u, "last_error");
		out(d, "Uploads   last success %s, last HTTP status %.0f\n", age, http);
		if (le && *le)
			out(d, "          last error: %s\n", clean(le, a, 60));
	} else {
		out(d, "Uploads   anprd is not answering: last upload result unknown\n");
	}
	anpr_json_free(r);
	anpr_ctl_close(ctl);
	return rc == DIAG_FAIL ? DIAG_FAIL : DIAG_OK;
}

static void csr_subject_part(const char *s, char *out_s, size_t n)
{
	/* Distinguished-name syntax characters are dropped, not escaped: the CA sets the real subject. */
	size_t o = 0;
	for (; *s && o + 1 < n; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_' || *s == '.')
			out_s[o++] = *s;
	out_s[o] = '\0';
}

static int keys_csr(anpr_diag *d)
{
	mbedtls_pk_context pk;
	mbedtls_x509write_csr csr;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	unsigned char pem[4096];
	char why[256], subject[200], cn[70], o[70], path[PATH_MAX];
	int rc = DIAG_FAIL;

	mbedtls_pk_init(&pk);
	mbedtls_x509write_csr_init(&csr);
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	if (load_key(d, &pk, why, sizeof(why)) != ANPR_ERR_OK) {
		out(d, "Device key: %s\n", why);
		goto out;
	}
	csr_subject_part(diag_cfg_str(d, ANPR_KEY_DEVICE_ID), cn, sizeof(cn));
	csr_subject_part(diag_cfg_str(d, ANPR_KEY_DEVICE_SITE), o, sizeof(o));
	snprintf(subject, sizeof(subject), "CN=%s,OU=%s,O=anpr", cn[0] ? cn : "anpr-unit",
		 o[0] ? o : "unassigned");
	mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&csr, &pk);
	if (mbedtls_x509write_csr_set_subject_name(&csr, subject) != 0 ||
	    mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, (const unsigned char *)"anpr-csr", 8) !=
		0 ||
	    mbedtls_x509write_csr_pem(&csr, pem, sizeof(pem), mbedtls_ctr_drbg_random, &drbg) != 0) {
		out(d, "Could not make the request.\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.csr", diag_cfg_str(d, ANPR_KEY_DIAG_STATE_DIR),
		 cn[0] ? cn : "anpr-unit");
	if (anpr_atomic_write(path, pem, strlen((char *)pem), 0644, why, sizeof(why)) != ANPR_ERR_OK)
		out(d, "Could not save it (%s); copy it from the screen.\n", why);
	else
		out(d, "Saved as %s\n", path);
	out(d, "Certificate signing request for %s:\n%s", subject, (char *)pem);
	rc = DIAG_OK;
out:
	mbedtls_pk_free(&pk);
	mbedtls_x509write_csr_free(&csr);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return rc;
}

int cmd_keys(anpr_diag *d, int argc, char **argv)
{
	mbedtls_pk_context pk;
	mbedtls_x509_crt crt;
	char why[256], kid[ANPR_SHA256_HEX_BUF], ckid[ANPR_SHA256_HEX_BUF], buf[256], c1[80];
	int rc = DIAG_OK;

	if (argc == 2 && strcmp(argv[1], "csr") == 0)
		return keys_csr(d);
	if (argc != 1)
		return DIAG_USAGE;
	mbedtls_pk_init(&pk);
	mbedtls_x509_crt_init(&crt);
	out(d, "Key file  %s\n", clean(diag_cfg_str(d, ANPR_KEY_SIGNING_KEY_FILE), c1, 68));
	if (load_key(d, &pk, why, sizeof(why)) != ANPR_ERR_OK || !spki_fingerprint(&pk, kid)) {
		out(d, "          %s: %s\n", diag_mark(d, "FAIL"), why);
		rc = DIAG_FAIL;
		kid[0] = '\0';
	} else {
		out(d, "          %s, fingerprint (kid):\n          %s\n", mbedtls_pk_get_name(&pk), kid);
	}
	out(d, "Cert file %s\n", clean(diag_cfg_str(d, ANPR_KEY_UPLINK_CERT_FILE), c1, 68));
	if (mbedtls_x509_crt_parse_file(&crt, diag_cfg_str(d, ANPR_KEY_UPLINK_CERT_FILE)) != 0) {
		out(d, "          %s: missing or not a PEM certificate\n", diag_mark(d, "FAIL"));
		rc = DIAG_FAIL;
		goto out;
	}
	mbedtls_x509_dn_gets(buf, sizeof(buf), &crt.subject);
	out(d, "          subject %s\n", clean(buf, c1, 60));
	mbedtls_x509_dn_gets(buf, sizeof(buf), &crt.issuer);
	out(d, "          issuer  %s\n", clean(buf, c1, 60));
	double days = days_until(&crt.valid_to);
	out(d, "          expires %04d-%02d-%02d: %s\n", crt.valid_to.year, crt.valid_to.mon,
	    crt.valid_to.day, days < 0 ? "EXPIRED" : (days < 30 ? "within 30 days, renew" : "ok"));
	if (days < 30)
		rc = DIAG_FAIL;
	if (kid[0] && spki_fingerprint(&crt.pk, ckid)) {
		bool same = strcmp(kid, ckid) == 0;
		out(d, "          matches the device key: %s\n", diag_mark(d, same ? "PASS" : "FAIL"));
		if (!same)
			rc = DIAG_FAIL;
	}
out:
	mbedtls_pk_free(&pk);
	mbedtls_x509_crt_free(&crt);
	return rc;
}
