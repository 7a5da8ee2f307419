/* SPDX-License-Identifier: MIT */
/* A strict HTTP/1.1 request-head parser (RFC 9112) for the back-office simulator: no chunked bodies. */
#ifndef ANPR_HTTPHEAD_H
#define ANPR_HTTPHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ANPR_HTTPHEAD_MAX 16384 /* bytes of request line and headers together */
#define ANPR_HTTPHEAD_MAX_FIELDS 100

typedef struct anpr_httphead {
	char method[16];
	char target[256];
	int minor; /* HTTP/1.minor: 0 or 1 */
	bool has_length;
	uint64_t content_length; /* when has_length */
	bool has_transfer_encoding;
	bool keep_alive;        /* after the response; from the version and Connection */
	bool expect_continue;   /* Expect: 100-continue */
	bool bad_expect;        /* an Expect other than 100-continue (answer 417) */
	char content_type[128]; /* media type without parameters, lower case; "" when absent */
} anpr_httphead;

/*
 * Length of the head at buf (through the blank line that ends it, CRLF CRLF),
 * or 0 when len bytes do not yet hold a whole head. Any thread.
 */
size_t anpr_httphead_end(const char *buf, size_t len);

/*
 * Parses a head of len bytes (as measured by anpr_httphead_end()) into *out.
 * Errors, with the HTTP status to answer in *status: ANPR_ERR_FORMAT (400:
 * malformed request line or field, bare LF, obsolete line folding, repeated or
 * bad Content-Length, Content-Length with Transfer-Encoding, too many fields),
 * ANPR_ERR_UNSUPPORTED (505: not HTTP/1.0 or 1.1), ANPR_ERR_TOO_BIG (414:
 * target too long; 431 for a head over ANPR_HTTPHEAD_MAX). diag (may be NULL)
 * gets a sentence. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_httphead_parse(const char *buf, size_t len, anpr_httphead *out, int *status,
					     char *diag, size_t diag_len);

#endif
