/* SPDX-License-Identifier: MIT */
/* Strict, bounded JSON reader: recursive descent into one node array and one string arena. */
#include "jsonr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number longer than this is not one a sane producer writes. */
#define NUMBER_TEXT_MAX 64

const anpr_jsonr_limits anpr_jsonr_default_limits = {
	.max_depth = 32,
	.max_nodes = 1000000,
	.max_string = 16 * 1024 * 1024,
	.max_members = 256,
};

struct anpr_jsonr {
	anpr_jsonr_node *nodes; /* nodes[0] is the root */
	uint32_t n_nodes;
	uint32_t cap_nodes;
	char *arena; /* decoded strings and number texts, each NUL-terminated */
	size_t arena_used;
	size_t arena_cap;
};

typedef struct parser {
	const char *s;
	size_t len;
	size_t pos;
	anpr_jsonr_limits lim;
	anpr_jsonr *doc;
	anpr_err err;
	char *diag;
	size_t diag_len;
} parser;

static void fail(parser *p, anpr_err err, const char *fmt, ...) ANPR_PRINTF(3, 4);

static void fail(parser *p, anpr_err err, const char *fmt, ...)
{
	va_list ap;

	if (p->err != ANPR_ERR_OK)
		return;
	p->err = err;
	if (!p->diag || p->diag_len == 0)
		return;
	int n = snprintf(p->diag, p->diag_len, "byte %zu: ", p->pos);
	if (n < 0 || (size_t)n >= p->diag_len)
		return;
	va_start(ap, fmt);
	vsnprintf(p->diag + n, p->diag_len - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip_ws(parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* Appends a node and returns its index, or 0 on failure (0 is the root, never a new node after it). */
static uint32_t new_node(parser *p, anpr_jsonr_type type)
{
	anpr_jsonr *d = p->doc;

	if (d->n_nodes >= p->lim.max_nodes) {
		fail(p, ANPR_ERR_TOO_BIG, "more than %" PRIu32 " values", p->lim.max_nodes);
		return 0;
	}
	if (d->n_nodes == d->cap_nodes) {
		uint32_t cap = d->cap_nodes ? d->cap_nodes * 2 : 64;
		if (cap > p->lim.max_nodes)
			cap = p->lim.max_nodes;
		anpr_jsonr_node *n = realloc(d->nodes, (size_t)cap * sizeof(*n));
		if (!n) {
			fail(p, ANPR_ERR_NOMEM, "out of memory");
			return 0;
		}
		d->nodes = n;
		d->cap_nodes = cap;
	}
	uint32_t idx = d->n_nodes++;
	memset(&d->nodes[idx], 0, sizeof(d->nodes[idx]));
	d->nodes[idx].type = type;
	return idx;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p->pos; -1 (and the error set) when they are not. */
static long hex4(parser *p)
{
	long v = 0;

	if (p->len - p->pos < 4) {
		fail(p, ANPR_ERR_FORMAT, "truncated \\u escape");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		int h = hexval(p->s[p->pos + (size_t)i]);
		if (h < 0) {
			fail(p, ANPR_ERR_FORMAT, "bad hex digit in \\u escape");
			return -1;
		}
		v = v << 4 | h;
	}
	p->pos += 4;
	return v;
}

/* Length of the valid UTF-8 sequence starting at s[0] (at most avail bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		n = 2, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		n = 3, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decodes the string whose opening quote is at p->pos into the arena. A
 * decoded string is never longer than its source with both quotes, so the
 * arena (len + 1 bytes) cannot overflow.
 */
static const char *parse_string(parser *p, size_t *out_len)
{
	anpr_jsonr *d = p->doc;
	char *start = d->arena + d->arena_used;
	char *o = start;

	p->pos++; /* the opening quote */
	for (;;) {
		if (p->pos >= p->len) {
			fail(p, ANPR_ERR_FORMAT, "unterminated string");
			return NULL;
		}
		if ((size_t)(o - start) > p->lim.max_string) {
			fail(p, ANPR_ERR_TOO_BIG, "string longer than %zu bytes", p->lim.max_string);
			return NULL;
		}
		/*
		 * A run of plain printable ASCII (the base64 images are almost all of a batch) is copied
		 * at once. The run stops where the checks above would next fail, so errors are unchanged.
		 */
		size_t room = p->lim.max_string + 1 - (size_t)(o - start);
		size_t run = 0;
		while (run < room && p->pos + run < p->len) {
			unsigned char a = (unsigned char)p->s[p->pos + run];
			if (a < 0x20 || a >= 0x80 || a == '"' || a == '\\')
				break;
			run++;
		}
		if (run) {
			memcpy(o, p->s + p->pos, run);
			o += run;
			p->pos += run;
			continue;
		}
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			fail(p, ANPR_ERR_FORMAT, "control character in string");
			return NULL;
		}
		if (c != '\\') {
			size_t n = utf8_seq((const unsigned char *)p->s + p->pos, p->len - p->pos);
			if (n == 0) {
				fail(p, ANPR_ERR_FORMAT, "invalid UTF-8 in string");
				return NULL;
			}
			memcpy(o, p->s + p->pos, n);
			o += n;
			p->pos += n;
			continue;
		}
		p->pos++;
		if (p->pos >= p->len) {
			fail(p, ANPR_ERR_FORMAT, "unterminated escape");
			return NULL;
		}
		char e = p->s[p->pos++];
		switch (e) {
		case '"':
		case '\\':
		case '/':
			*o++ = e;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			long cp = hex4(p);
			if (cp < 0)
				return NULL;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail(p, ANPR_ERR_FORMAT, "lone low surrogate");
				return NULL;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
					fail(p, ANPR_ERR_FORMAT, "high surrogate without its pair");
					return NULL;
				}
				p->pos += 2;
				long lo = hex4(p);
				if (lo < 0)
					return NULL;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(p, ANPR_ERR_FORMAT, "high surrogate without its pair");
					return NULL;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0) {
				fail(p, ANPR_ERR_FORMAT, "\\u0000 in string");
				return NULL;
			}
			/* \uXXXX is 6 source bytes for at most 3 output bytes; a pair 12 for 4. */
			o += put_utf8(o, (uint32_t)cp);
			break;
		}
		default:
			fail(p, ANPR_ERR_FORMAT, "unknown escape \\%c", e >= 0x20 && e < 0x7f ? e : '?');
			return NULL;
		}
	}
	if ((size_t)(o - start) > p->lim.max_string) {
		fail(p, ANPR_ERR_TOO_BIG, "string longer than %zu bytes", p->lim.max_string);
		return NULL;
	}
	*o++ = '\0';
	*out_len = (size_t)(o - start) - 1;
	d->arena_used += (size_t)(o - start);
	return start;
}

static void parse_number(parser *p, anpr_jsonr_node *n)
{
	size_t start = p->pos;
	bool integral = true;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') {
		fail(p, ANPR_ERR_FORMAT, "expected a digit");
		return;
	}
	if (p->s[p->pos] == '0') {
		p->pos++;
		if (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
			fail(p, ANPR_ERR_FORMAT, "leading zero in number");
			return;
		}
	} else {
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		integral = false;
		p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') {
			fail(p, ANPR_ERR_FORMAT, "expected a digit after '.'");
			return;
		}
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		integral = false;
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') {
			fail(p, ANPR_ERR_FORMAT, "expected a digit in the exponent");
			return;
		}
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	size_t len = p->pos - start;
	if (len > NUMBER_TEXT_MAX) {
		fail(p, ANPR_ERR_TOO_BIG, "number longer than %d characters", NUMBER_TEXT_MAX);
		return;
	}
	/* The arena has room: a number's text plus NUL is no longer than its source plus one byte. */
	char *text = p->doc->arena + p->doc->arena_used;
	memcpy(text, p->s + start, len);
	text[len] = '\0';
	p->doc->arena_used += len + 1;
	n->str = text;
	n->str_len = len;
	errno = 0;
	n->d = strtod(text, NULL);
	if (integral) {
		errno = 0;
		long long v = strtoll(text, NULL, 10);
		if (errno == 0) {
			n->is_int = true;
			n->i = (int64_t)v;
		}
	}
}

static bool expect_word(parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
		fail(p, ANPR_ERR_FORMAT, "unexpected character");
		return false;
	}
	p->pos += n;
	return true;
}

static uint32_t parse_value(parser *p, unsigned depth);

/* Links child after *last under parent (indices; the node array may have moved). */
static void link_child(parser *p, uint32_t parent, uint32_t *last, uint32_t child)
{
	anpr_jsonr_node *nodes = p->doc->nodes;

	if (*last)
		nodes[*last].next = child;
	else
		nodes[parent].child = child;
	nodes[parent].count++;
	*last = child;
}

static void parse_array(parser *p, uint32_t idx, unsigned depth)
{
	uint32_t last = 0;

	p->pos++; /* [ */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		return;
	}
	for (;;) {
		uint32_t child = parse_value(p, depth + 1);
		if (p->err != ANPR_ERR_OK)
			return;
		link_child(p, idx, &last, child);
		skip_ws(p);
		if (p->pos >= p->len) {
			fail(p, ANPR_ERR_FORMAT, "unterminated array");
			return;
		}
		char c = p->s[p->pos++];
		if (c == ']')
			return;
		if (c != ',') {
			p->pos--;
			fail(p, ANPR_ERR_FORMAT, "expected ',' or ']'");
			return;
		}
	}
}

static void parse_object(parser *p, uint32_t idx, unsigned depth)
{
	uint32_t last = 0;

	p->pos++; /* { */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		return;
	}
	for (;;) {
		size_t key_len = 0;
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != '"') {
			fail(p, ANPR_ERR_FORMAT, "expected a member name");
			return;
		}
		const char *key = parse_string(p, &key_len);
		if (!key)
			return;
		if (p->doc->nodes[idx].count >= p->lim.max_members) {
			fail(p, ANPR_ERR_TOO_BIG, "more than %" PRIu32 " members in an object",
			     p->lim.max_members);
			return;
		}
		for (uint32_t m = p->doc->nodes[idx].child; m; m = p->doc->nodes[m].next) {
			const anpr_jsonr_node *mn = &p->doc->nodes[m];
			if (mn->key_len == key_len && memcmp(mn->key, key, key_len) == 0) {
				fail(p, ANPR_ERR_FORMAT, "member name repeated in an object");
				return;
			}
		}
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ':') {
			fail(p, ANPR_ERR_FORMAT, "expected ':'");
			return;
		}
		p->pos++;
		uint32_t child = parse_value(p, depth + 1);
		if (p->err != ANPR_ERR_OK)
			return;
		p->doc->nodes[child].key = key;
		p->doc->nodes[child].key_len = key_len;
		link_child(p, idx, &last, child);
		skip_ws(p);
		if (p->pos >= p->len) {
			fail(p, ANPR_ERR_FORMAT, "unterminated object");
			return;
		}
		char c = p->s[p->pos++];
		if (c == '}')
			return;
		if (c != ',') {
			p->pos--;
			fail(p, ANPR_ERR_FORMAT, "expected ',' or '}'");
			return;
		}
	}
}

/* Parses one value; returns its node index (meaningless once p->err is set). */
static uint32_t parse_value(parser *p, unsigned depth)
{
	uint32_t idx = 0;

	skip_ws(p);
	if (p->pos >= p->len) {
		fail(p, ANPR_ERR_FORMAT, "unexpected end of input");
		return 0;
	}
	char c = p->s[p->pos];
	switch (c) {
	case '{':
	case '[':
		if (depth > p->lim.max_depth) {
			fail(p, ANPR_ERR_TOO_BIG, "nested deeper than %u", p->lim.max_depth);
			return 0;
		}
		idx = new_node(p, c == '{' ? ANPR_JSONR_OBJECT : ANPR_JSONR_ARRAY);
		if (p->err != ANPR_ERR_OK)
			return 0;
		if (c == '{')
			parse_object(p, idx, depth);
		else
			parse_array(p, idx, depth);
		return idx;
	case '"': {
		idx = new_node(p, ANPR_JSONR_STRING);
		if (p->err != ANPR_ERR_OK)
			return 0;
		size_t n = 0;
		const char *s = parse_string(p, &n);
		if (s) {
			p->doc->nodes[idx].str = s;
			p->doc->nodes[idx].str_len = n;
		}
		return idx;
	}
	case 't':
	case 'f':
	case 'n':
		idx = new_node(p, c == 't' ? ANPR_JSONR_TRUE : c == 'f' ? ANPR_JSONR_FALSE : ANPR_JSONR_NULL);
		if (p->err == ANPR_ERR_OK)
			expect_word(p, c == 't' ? "true" : c == 'f' ? "false" : "null");
		return idx;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			idx = new_node(p, ANPR_JSONR_NUMBER);
			if (p->err == ANPR_ERR_OK)
				parse_number(p, &p->doc->nodes[idx]);
			return idx;
		}
		fail(p, ANPR_ERR_FORMAT, "unexpected character");
		return 0;
	}
}

anpr_err anpr_jsonr_parse(const char *text, size_t len, const anpr_jsonr_limits *lim, anpr_jsonr **out,
			  char *diag, size_t diag_len)
{
	parser p = { .s = text, .len = len, .diag = diag, .diag_len = diag_len };
	anpr_jsonr *doc = NULL;

	if (diag && diag_len)
		diag[0] = '\0';
	if (!out || (!text && len > 0))
		return ANPR_ERR_INVAL;
	*out = NULL;
	p.lim = lim ? *lim : anpr_jsonr_default_limits;
	if (p.lim.max_nodes == 0)
		p.lim.max_nodes = 1;
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return ANPR_ERR_NOMEM;
	/* Every decoded string and number text fits in len + 1 bytes (see parse_string). */
	doc->arena_cap = len + 1;
	doc->arena = malloc(doc->arena_cap);
	if (!doc->arena) {
		anpr_jsonr_free(doc);
		return ANPR_ERR_NOMEM;
	}
	p.doc = doc;
	parse_value(&p, 1);
	if (p.err == ANPR_ERR_OK) {
		skip_ws(&p);
		if (p.pos != p.len)
			fail(&p, ANPR_ERR_FORMAT, "trailing data after the value");
	}
	if (p.err != ANPR_ERR_OK) {
		anpr_jsonr_free(doc);
		return p.err;
	}
	*out = doc;
	return ANPR_ERR_OK;
}

void anpr_jsonr_free(anpr_jsonr *doc)
{
	if (!doc)
		return;
	free(doc->nodes);
	free(doc->arena);
	free(doc);
}

const anpr_jsonr_node *anpr_jsonr_root(const anpr_jsonr *doc)
{
	return doc && doc->n_nodes ? &doc->nodes[0] : NULL;
}

const anpr_jsonr_node *anpr_jsonr_first(const anpr_jsonr *doc, const anpr_jsonr_node *n)
{
	if (!doc || !n || (n->type != ANPR_JSONR_ARRAY && n->type != ANPR_JSONR_OBJECT) || !n->child)
		return NULL;
	return &doc->nodes[n->child];
}

const anpr_jsonr_node *anpr_jsonr_next(const anpr_jsonr *doc, const anpr_jsonr_node *n)
{
	if (!doc || !n || !n->next)
		return NULL;
	return &doc->nodes[n->next];
}

const anpr_jsonr_node *anpr_jsonr_get(const anpr_jsonr *doc, const anpr_jsonr_node *obj, const char *key)
{
	if (!obj || obj->type != ANPR_JSONR_OBJECT || !key)
		return NULL;
	size_t n = strlen(key);
	for (const anpr_jsonr_node *m = anpr_jsonr_first(doc, obj); m; m = anpr_jsonr_next(doc, m)) {
		if (m->key_len == n && memcmp(m->key, key, n) == 0)
			return m;
	}
	return NULL;
}

const char *anpr_jsonr_get_string(const anpr_jsonr *doc, const anpr_jsonr_node *obj, const char *key)
{
	const anpr_jsonr_node *m = anpr_jsonr_get(doc, obj, key);

	return m && m->type == ANPR_JSONR_STRING ? m->str : NULL;
}

bool anpr_jsonr_get_int(const anpr_jsonr *doc, const anpr_jsonr_node *obj, const char *key, int64_t *out)
{
	const anpr_jsonr_node *m = anpr_jsonr_get(doc, obj, key);

	if (!m || m->type != ANPR_JSONR_NUMBER || !m->is_int)
		return false;
	*out = m->i;
	return true;
}
