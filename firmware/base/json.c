/* SPDX-License-Identifier: MIT */
/* JSON string escaping (RFC 8259) with UTF-8 validation, and a strict recursive-descent parser with a depth cap. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not valid. */
static size_t utf8_len(const unsigned char *s)
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
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void anpr_json_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*p) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			p++;
		} else {
			size_t n = utf8_len(p);
			if (n == 0) {
				fputs("\\ufffd", out);
				p++;
			} else {
				fwrite(p, 1, n, out);
				p += n;
			}
		}
	}
	fputc('"', out);
}

/* ---- parsing ---- */

/* Length of the valid UTF-8 sequence at s with avail bytes left (1-4), or 0. */
static size_t utf8_len_n(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;

	if (c < 0x80)
		return 1;
	n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (s[i] == 0)
			return 0;
	return utf8_len(s) == n ? n : 0;
}

bool anpr_json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = p[i] == 0 ? 1 : utf8_len_n(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

typedef struct parser {
	const unsigned char *p, *end;
	int depth, max_depth;
} parser;

static void skip_ws(parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static void free_contents(anpr_json *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free_contents(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
	memset(v, 0, sizeof(*v));
}

void anpr_json_free(anpr_json *v)
{
	if (!v)
		return;
	free_contents(v);
	free(v);
}

static int hex4(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* Parses a string at ps->p (the opening quote) into a fresh NUL-terminated buffer. */
static anpr_err parse_string(parser *ps, char **out, size_t *out_len)
{
	const unsigned char *q = ps->p + 1;
	size_t cap = 0, n = 0;
	char *b;

	/* The decoded text is never longer than the quoted text. */
	while (q < ps->end && *q != '"') {
		if (*q == '\\' && q + 1 < ps->end)
			q++;
		q++;
	}
	if (q >= ps->end)
		return ANPR_ERR_FORMAT;
	cap = (size_t)(q - ps->p);
	b = malloc(cap + 1);
	if (!b)
		return ANPR_ERR_NOMEM;
	q = ps->p + 1;
	while (*q != '"') {
		unsigned char c = *q;
		if (c < 0x20)
			goto bad;
		if (c != '\\') {
			size_t l = utf8_len_n(q, (size_t)(ps->end - q));
			if (l == 0)
				goto bad;
			memcpy(b + n, q, l);
			n += l;
			q += l;
			continue;
		}
		q++;
		switch (*q) {
		case '"':
		case '\\':
		case '/':
			b[n++] = (char)*q++;
			continue;
		case 'b':
			b[n++] = '\b', q++;
			continue;
		case 'f':
			b[n++] = '\f', q++;
			continue;
		case 'n':
			b[n++] = '\n', q++;
			continue;
		case 'r':
			b[n++] = '\r', q++;
			continue;
		case 't':
			b[n++] = '\t', q++;
			continue;
		case 'u':
			break;
		default:
			goto bad;
		}
		uint32_t cp, lo;
		if (ps->end - q < 5 || hex4(q + 1, &cp))
			goto bad;
		q += 5;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			goto bad;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (ps->end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &lo) ||
			    lo < 0xdc00 || lo > 0xdfff)
				goto bad;
			q += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp == 0)
			goto bad;
		/* \uXXXX is 6 bytes and yields at most 3; a pair is 12 and yields 4. */
		if (cp < 0x80) {
			b[n++] = (char)cp;
		} else if (cp < 0x800) {
			b[n++] = (char)(0xc0 | cp >> 6);
			b[n++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			b[n++] = (char)(0xe0 | cp >> 12);
			b[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			b[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			b[n++] = (char)(0xf0 | cp >> 18);
			b[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			b[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			b[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	b[n] = '\0';
	ps->p = q + 1;
	*out = b;
	*out_len = n;
	return ANPR_ERR_OK;
bad:
	free(b);
	return ANPR_ERR_FORMAT;
}

static anpr_err parse_number(parser *ps, anpr_json *v)
{
	const unsigned char *q = ps->p, *start = ps->p;
	char buf[64];
	bool integral = true;

	if (q < ps->end && *q == '-')
		q++;
	if (q >= ps->end || *q < '0' || *q > '9')
		return ANPR_ERR_FORMAT;
	if (*q == '0')
		q++;
	else
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	if (q < ps->end && *q == '.') {
		integral = false;
		q++;
		if (q >= ps->end || *q < '0' || *q > '9')
			return ANPR_ERR_FORMAT;
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < ps->end && (*q == 'e' || *q == 'E')) {
		integral = false;
		q++;
		if (q < ps->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= ps->end || *q < '0' || *q > '9')
			return ANPR_ERR_FORMAT;
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	}
	if ((size_t)(q - start) >= sizeof(buf))
		return ANPR_ERR_FORMAT; /* no meaningful number needs 64 characters */
	memcpy(buf, start, (size_t)(q - start));
	buf[q - start] = '\0';
	v->type = ANPR_JSON_NUMBER;
	v->number = strtod(buf, NULL);
	if (!isfinite(v->number))
		return ANPR_ERR_FORMAT;
	if (integral) {
		char *e;
		errno = 0;
		long long i = strtoll(buf, &e, 10);
		if (errno == 0 && *e == '\0') {
			v->is_int = true;
			v->integer = i;
		}
	}
	ps->p = q;
	return ANPR_ERR_OK;
}

static bool literal(parser *ps, const char *word)
{
	size_t l = strlen(word);

	if ((size_t)(ps->end - ps->p) < l || memcmp(ps->p, word, l) != 0)
		return false;
	ps->p += l;
	return true;
}

/* Appends a zeroed item to an array or object; returns it or NULL. */
static anpr_json *push_item(anpr_json *v, size_t *cap)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		anpr_json *ni = realloc(v->items, nc * sizeof(*ni));
		if (!ni)
			return NULL;
		v->items = ni;
		if (v->type == ANPR_JSON_OBJECT) {
			char **nk = realloc(v->keys, nc * sizeof(*nk));
			if (!nk)
				return NULL;
			v->keys = nk;
		}
		*cap = nc;
	}
	memset(&v->items[v->n], 0, sizeof(v->items[0]));
	if (v->keys)
		v->keys[v->n] = NULL;
	return &v->items[v->n++];
}

static anpr_err parse_value(parser *ps, anpr_json *v);

static anpr_err parse_container(parser *ps, anpr_json *v, bool object)
{
	size_t cap = 0;
	anpr_err err;

	if (++ps->depth > ps->max_depth)
		return ANPR_ERR_FORMAT;
	v->type = object ? ANPR_JSON_OBJECT : ANPR_JSON_ARRAY;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
		ps->p++;
		ps->depth--;
		return ANPR_ERR_OK;
	}
	for (;;) {
		char *key = NULL;
		size_t key_len;
		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return ANPR_ERR_FORMAT;
			err = parse_string(ps, &key, &key_len);
			if (err)
				return err;
			if (anpr_json_get(v, key)) {
				free(key);
				return ANPR_ERR_FORMAT;
			}
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return ANPR_ERR_FORMAT;
			}
			ps->p++;
		}
		anpr_json *item = push_item(v, &cap);
		if (!item) {
			free(key);
			return ANPR_ERR_NOMEM;
		}
		if (object)
			v->keys[v->n - 1] = key;
		err = parse_value(ps, item);
		if (err)
			return err;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
			ps->p++;
			ps->depth--;
			return ANPR_ERR_OK;
		}
		return ANPR_ERR_FORMAT;
	}
}

static anpr_err parse_value(parser *ps, anpr_json *v)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return ANPR_ERR_FORMAT;
	switch (*ps->p) {
	case '{':
		return parse_container(ps, v, true);
	case '[':
		return parse_container(ps, v, false);
	case '"':
		v->type = ANPR_JSON_STRING;
		return parse_string(ps, &v->string, &v->len);
	case 't':
	case 'f':
		v->type = ANPR_JSON_BOOL;
		v->boolean = *ps->p == 't';
		return literal(ps, v->boolean ? "true" : "false") ? ANPR_ERR_OK : ANPR_ERR_FORMAT;
	case 'n':
		v->type = ANPR_JSON_NULL;
		return literal(ps, "null") ? ANPR_ERR_OK : ANPR_ERR_FORMAT;
	default:
		return parse_number(ps, v);
	}
}

anpr_err anpr_json_parse(const char *text, size_t len, int max_depth, anpr_json **out)
{
	parser ps;
	anpr_json *v;
	anpr_err err;

	if (!out || (!text && len) || max_depth < 1 || max_depth > ANPR_JSON_MAX_DEPTH)
		return ANPR_ERR_INVAL;
	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return ANPR_ERR_NOMEM;
	ps.p = (const unsigned char *)text;
	ps.end = ps.p + len;
	ps.depth = 0;
	ps.max_depth = max_depth;
	err = parse_value(&ps, v);
	if (!err) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			err = ANPR_ERR_FORMAT;
	}
	if (err) {
		anpr_json_free(v);
		return err;
	}
	*out = v;
	return ANPR_ERR_OK;
}

const anpr_json *anpr_json_get(const anpr_json *obj, const char *key)
{
	if (!obj || obj->type != ANPR_JSON_OBJECT || !key)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->keys[i] && strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}
