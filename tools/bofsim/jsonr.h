/* SPDX-License-Identifier: MIT */
/* A strict, bounded JSON reader (RFC 8259) for untrusted input: parses text into a read-only tree. */
#ifndef ANPR_JSONR_H
#define ANPR_JSONR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Strict: one value with optional whitespace around it; no comments, trailing
 * commas, leading zeros, NaN, single quotes or bare control characters; strings
 * must be valid UTF-8 (no overlong forms, no surrogates) and \u escapes must pair
 * surrogates properly; \u0000 is refused so every decoded string is a C string;
 * a key repeated in one object is an error. Limits bound depth, values, string
 * and number sizes and members per object, so a hostile input costs at most
 * O(len) memory and time.
 *
 * Ownership: the document owns every node and string; nodes stay valid until
 * anpr_jsonr_free(). Threads: a document may be read from any thread once parsed.
 */

typedef enum anpr_jsonr_type {
	ANPR_JSONR_NULL,
	ANPR_JSONR_FALSE,
	ANPR_JSONR_TRUE,
	ANPR_JSONR_NUMBER,
	ANPR_JSONR_STRING,
	ANPR_JSONR_ARRAY,
	ANPR_JSONR_OBJECT,
} anpr_jsonr_type;

/* One value. Plain data: read the fields, never write them. */
typedef struct anpr_jsonr_node {
	anpr_jsonr_type type;
	uint32_t next;   /* index of the next sibling, 0 for none */
	uint32_t child;  /* index of the first child (arrays, objects), 0 for none */
	uint32_t count;  /* number of children */
	const char *key; /* member name inside an object (decoded, NUL-terminated), else NULL */
	size_t key_len;  /* its length in bytes */
	const char *str; /* decoded string, or the number's text; NUL-terminated */
	size_t str_len;  /* its length in bytes */
	bool is_int;     /* a number without fraction or exponent that fits int64 */
	int64_t i;       /* its value when is_int */
	double d;        /* any number's value (may be inf for huge exponents) */
} anpr_jsonr_node;

typedef struct anpr_jsonr anpr_jsonr;

typedef struct anpr_jsonr_limits {
	unsigned max_depth;   /* nesting of arrays and objects, root = 1 */
	uint32_t max_nodes;   /* values in the document */
	size_t max_string;    /* bytes of one decoded string or key */
	uint32_t max_members; /* members of one object (duplicate keys are looked for) */
} anpr_jsonr_limits;

/* Defaults: depth 32, 1,000,000 values, 16 MiB strings, 256 members. */
extern const anpr_jsonr_limits anpr_jsonr_default_limits;

/*
 * Parses len bytes of text (need not be NUL-terminated) into a new document
 * for *out. lim may be NULL for the defaults. Errors: ANPR_ERR_FORMAT (not
 * strict JSON; diag says what and at which byte offset), ANPR_ERR_TOO_BIG (a
 * limit was hit; diag names it), ANPR_ERR_NOMEM, ANPR_ERR_INVAL (NULL text
 * with len > 0, NULL out). diag (may be NULL) gets one sentence. The caller
 * owns *out. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_jsonr_parse(const char *text, size_t len, const anpr_jsonr_limits *lim,
					  anpr_jsonr **out, char *diag, size_t diag_len);

/* Frees the document and every node; accepts NULL. */
void anpr_jsonr_free(anpr_jsonr *doc);

/* The root value. */
const anpr_jsonr_node *anpr_jsonr_root(const anpr_jsonr *doc);

/* First child of an array or object, or NULL. */
const anpr_jsonr_node *anpr_jsonr_first(const anpr_jsonr *doc, const anpr_jsonr_node *n);

/* Next sibling of n, or NULL. */
const anpr_jsonr_node *anpr_jsonr_next(const anpr_jsonr *doc, const anpr_jsonr_node *n);

/* The member named key of object obj, or NULL (also when obj is NULL or not an object). */
const anpr_jsonr_node *anpr_jsonr_get(const anpr_jsonr *doc, const anpr_jsonr_node *obj, const char *key);

/* The member key of obj when it is a string (else NULL). */
const char *anpr_jsonr_get_string(const anpr_jsonr *doc, const anpr_jsonr_node *obj, const char *key);

/* The member key of obj when it is an integer: true and *out set, else false. */
bool anpr_jsonr_get_int(const anpr_jsonr *doc, const anpr_jsonr_node *obj, const char *key, int64_t *out);

#endif
