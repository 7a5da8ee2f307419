/* SPDX-License-Identifier: MIT */
/* JSON text: safe string escaping for untrusted bytes, and a strict, bounded parser. */
#ifndef ANPR_JSON_H
#define ANPR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/*
 * Writes s as a JSON string literal, quotes included: control characters
 * escaped, and bytes that are not valid UTF-8 replaced by U+FFFD, so any
 * file name or OCR text yields valid JSON. NULL writes null. Any thread.
 */
void anpr_json_write_string(FILE *out, const char *s);

typedef enum anpr_json_type {
	ANPR_JSON_NULL,
	ANPR_JSON_BOOL,
	ANPR_JSON_NUMBER,
	ANPR_JSON_STRING,
	ANPR_JSON_ARRAY,
	ANPR_JSON_OBJECT,
} anpr_json_type;

/* A parsed value. Arrays and objects hold n items; objects also n keys (same order as in the text). */
typedef struct anpr_json {
	anpr_json_type type;
	bool boolean;
	double number;
	bool is_int;     /* a number written as an integer that fits int64 */
	int64_t integer; /* its exact value when is_int */
	char *string;    /* NUL-terminated, valid UTF-8, no NUL inside */
	size_t len;      /* string length in bytes */
	struct anpr_json *items;
	char **keys;
	size_t n;
} anpr_json;

#define ANPR_JSON_MAX_DEPTH 64

/*
 * Parses exactly one JSON value (RFC 8259) from text[0..len), surrounding
 * whitespace allowed. Strict: invalid UTF-8, control characters in strings,
 * \u0000, lone surrogates, duplicate object keys, trailing commas, leading
 * zeros, nesting deeper than max_depth (1..ANPR_JSON_MAX_DEPTH) and numbers
 * out of double range are ANPR_ERR_FORMAT. ANPR_ERR_NOMEM, ANPR_ERR_INVAL
 * for bad arguments. The caller frees *out with anpr_json_free(). Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_json_parse(const char *text, size_t len, int max_depth, anpr_json **out);

/* Frees a parsed value; NULL is fine. */
void anpr_json_free(anpr_json *v);

/* The member key of object obj, or NULL (also when obj is not an object). Borrowed from obj. */
const anpr_json *anpr_json_get(const anpr_json *obj, const char *key);

/* Whether bytes s[0..len) are valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool anpr_json_utf8_valid(const char *s, size_t len);

#endif
