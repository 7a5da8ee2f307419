/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 request line and header fields, parsed strictly from a bounded buffer. */
#include "httphead.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

size_t anpr_httphead_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++) {
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	}
	return 0;
}

/* RFC 9110 tchar. */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int name_is(const char *name, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n && want[i]; i++) {
		if (lower((unsigned char)name[i]) != want[i])
			return 0;
	}
	return i == n && want[i] == '\0';
}

/* Case-insensitive: does the comma-separated list v (n bytes) hold token tok? */
static int list_has(const char *v, size_t n, const char *tok)
{
	size_t i = 0;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t start = i;
		while (i < n && v[i] != ',')
			i++;
		size_t end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end > start && name_is(v + start, end - start, tok))
			return 1;
	}
	return 0;
}

static anpr_err field(anpr_httphead *h, const char *name, size_t nlen, const char *v, size_t vlen,
		      int *status, char *diag, size_t diag_len)
{
	if (name_is(name, nlen, "content-length")) {
		uint64_t n = 0;
		if (vlen == 0 || vlen > 15) {
			anpr_diagf(diag, diag_len, "bad Content-Length");
			*status = 400;
			return ANPR_ERR_FORMAT;
		}
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9') {
				anpr_diagf(diag, diag_len, "bad Content-Length");
				*status = 400;
				return ANPR_ERR_FORMAT;
			}
			n = n * 10 + (uint64_t)(v[i] - '0');
		}
		/* Two lengths are how request smuggling starts: refuse even equal ones. */
		if (h->has_length) {
			anpr_diagf(diag, diag_len, "repeated Content-Length");
			*status = 400;
			return ANPR_ERR_FORMAT;
		}
		h->has_length = true;
		h->content_length = n;
	} else if (name_is(name, nlen, "transfer-encoding")) {
		h->has_transfer_encoding = true;
	} else if (name_is(name, nlen, "connection")) {
		if (list_has(v, vlen, "close"))
			h->keep_alive = false;
		else if (list_has(v, vlen, "keep-alive"))
			h->keep_alive = true;
	} else if (name_is(name, nlen, "expect")) {
		if (name_is(v, vlen, "100-continue"))
			h->expect_continue = true;
		else
			h->bad_expect = true;
	} else if (name_is(name, nlen, "content-type")) {
		size_t n = 0;
		while (n < vlen && v[n] != ';' && v[n] != ' ' && v[n] != '\t' &&
		       n + 1 < sizeof(h->content_type)) {
			h->content_type[n] = (char)lower((unsigned char)v[n]);
			n++;
		}
		h->content_type[n] = '\0';
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_httphead_parse(const char *buf, size_t len, anpr_httphead *h, int *status, char *diag,
			     size_t diag_len)
{
	size_t i = 0, n;
	unsigned fields = 0;

	memset(h, 0, sizeof(*h));
	*status = 400;
	if (diag && diag_len)
		diag[0] = '\0';
	if (len > ANPR_HTTPHEAD_MAX) {
		*status = 431;
		anpr_diagf(diag, diag_len, "request head larger than %d bytes", ANPR_HTTPHEAD_MAX);
		return ANPR_ERR_TOO_BIG;
	}
	if (len < 4 || anpr_httphead_end(buf, len) != len) {
		anpr_diagf(diag, diag_len, "incomplete request head");
		return ANPR_ERR_FORMAT;
	}

	/* method SP request-target SP HTTP-version CRLF */
	for (n = 0; i < len && is_tchar((unsigned char)buf[i]); i++, n++) {
		if (n + 1 >= sizeof(h->method)) {
			anpr_diagf(diag, diag_len, "method too long");
			return ANPR_ERR_FORMAT;
		}
		h->method[n] = buf[i];
	}
	if (n == 0 || i >= len || buf[i] != ' ') {
		anpr_diagf(diag, diag_len, "malformed request line");
		return ANPR_ERR_FORMAT;
	}
	i++;
	for (n = 0; i < len && buf[i] > 0x20 && buf[i] < 0x7f; i++, n++) {
		if (n + 1 >= sizeof(h->target)) {
			*status = 414;
			anpr_diagf(diag, diag_len, "request target too long");
			return ANPR_ERR_TOO_BIG;
		}
		h->target[n] = buf[i];
	}
	if (n == 0 || h->target[0] != '/' || i >= len || buf[i] != ' ') {
		anpr_diagf(diag, diag_len, "malformed request target");
		return ANPR_ERR_FORMAT;
	}
	i++;
	if (len - i < 10 || memcmp(buf + i, "HTTP/", 5) != 0 || buf[i + 6] != '.' || buf[i + 8] != '\r' ||
	    buf[i + 9] != '\n' || buf[i + 5] < '0' || buf[i + 5] > '9' || buf[i + 7] < '0' ||
	    buf[i + 7] > '9') {
		anpr_diagf(diag, diag_len, "malformed HTTP version");
		return ANPR_ERR_FORMAT;
	}
	if (buf[i + 5] != '1' || (buf[i + 7] != '0' && buf[i + 7] != '1')) {
		*status = 505;
		anpr_diagf(diag, diag_len, "only HTTP/1.0 and HTTP/1.1 are spoken here");
		return ANPR_ERR_UNSUPPORTED;
	}
	h->minor = buf[i + 7] - '0';
	h->keep_alive = h->minor == 1;
	i += 10;

	/* field-name ":" OWS field-value OWS CRLF, until the empty line. */
	while (!(buf[i] == '\r' && buf[i + 1] == '\n')) {
		size_t name = i, nlen, v, vend;
		if (++fields > ANPR_HTTPHEAD_MAX_FIELDS) {
			*status = 431;
			anpr_diagf(diag, diag_len, "more than %d header fields", ANPR_HTTPHEAD_MAX_FIELDS);
			return ANPR_ERR_FORMAT;
		}
		while (i < len && is_tchar((unsigned char)buf[i]))
			i++;
		nlen = i - name;
		if (nlen == 0 || i >= len || buf[i] != ':') {
			/* Also catches obsolete line folding, which starts with SP or HTAB. */
			anpr_diagf(diag, diag_len, "malformed header field");
			return ANPR_ERR_FORMAT;
		}
		i++;
		while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		v = i;
		while (i < len && buf[i] != '\r' && buf[i] != '\n') {
			unsigned char c = (unsigned char)buf[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				anpr_diagf(diag, diag_len, "control character in a header field");
				return ANPR_ERR_FORMAT;
			}
			i++;
		}
		if (i + 1 >= len || buf[i] != '\r' || buf[i + 1] != '\n') {
			anpr_diagf(diag, diag_len, "header line not ended by CRLF");
			return ANPR_ERR_FORMAT;
		}
		vend = i;
		while (vend > v && (buf[vend - 1] == ' ' || buf[vend - 1] == '\t'))
			vend--;
		anpr_err err = field(h, buf + name, nlen, buf + v, vend - v, status, diag, diag_len);
		if (err != ANPR_ERR_OK)
			return err;
		i += 2;
	}
	if (h->has_length && h->has_transfer_encoding) {
		anpr_diagf(diag, diag_len, "both Content-Length and Transfer-Encoding");
		return ANPR_ERR_FORMAT;
	}
	*status = 0;
	return ANPR_ERR_OK;
}
