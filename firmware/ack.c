/* SPDX-License-Identifier: MIT */
/* Parsing the back office's per-read acknowledgement (docs/back-office-protocol.md). */
#include "ack.h"

#include <stdbool.h>
#include <string.h>

#define MAX_DEPTH 16

typedef struct parser {
	const char *p, *end;
} parser;

static void skip_ws(parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool eat(parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return true;
	}
	return false;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A string into buf (cap bytes, NUL-terminated, truncated if longer; NULL
 * to skip). Escapes are checked; a \u escape outside ASCII is kept as '?'
 * (ids and statuses are ASCII; an error message only needs to be legible).
 */
static bool string(parser *ps, char *buf, size_t cap)
{
	size_t n = 0;

	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != '"')
		return false;
	ps->p++;
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p++;
		char out;
		if (c == '"') {
			if (buf)
				buf[n] = '\0';
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (ps->p >= ps->end)
				return false;
			char e = *ps->p++;
			switch (e) {
			case '"':
			case '\\':
			case '/':
				out = e;
				break;
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				out = ' ';
				break;
			case 'u': {
				int v = 0;
				if (ps->end - ps->p < 4)
					return false;
				for (int i = 0; i < 4; i++) {
					int d = hex_digit(ps->p[i]);
					if (d < 0)
						return false;
					v = v * 16 + d;
				}
				ps->p += 4;
				out = v >= 0x20 && v < 0x7f ? (char)v : '?';
				break;
			}
			default:
				return false;
			}
		} else {
			out = (char)c;
		}
		if (buf && n + 1 < cap)
			buf[n++] = out;
	}
	return false;
}

static bool literal(parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static bool number(parser *ps)
{
	const char *start = ps->p;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end)
		return false;
	if (*ps->p == '0') {
		ps->p++;
	} else if (*ps->p >= '1' && *ps->p <= '9') {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	} else {
		return false;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return false;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return false;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	return ps->p > start;
}

/* Any value, checked and discarded. */
static bool skip_value(parser *ps, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	skip_ws(ps);
	if (ps->p >= ps->end)
		return false;
	switch (*ps->p) {
	case '"':
		return string(ps, NULL, 0);
	case '{':
		ps->p++;
		if (eat(ps, '}'))
			return true;
		do {
			if (!string(ps, NULL, 0) || !eat(ps, ':') || !skip_value(ps, depth + 1))
				return false;
		} while (eat(ps, ','));
		return eat(ps, '}');
	case '[':
		ps->p++;
		if (eat(ps, ']'))
			return true;
		do {
			if (!skip_value(ps, depth + 1))
				return false;
		} while (eat(ps, ','));
		return eat(ps, ']');
	case 't':
		return literal(ps, "true");
	case 'f':
		return literal(ps, "false");
	case 'n':
		return literal(ps, "null");
	default:
		return number(ps);
	}
}

static anpr_ack_status status_of(const char *s)
{
	if (!strcmp(s, "stored"))
		return ANPR_ACK_STORED;
	if (!strcmp(s, "duplicate"))
		return ANPR_ACK_DUPLICATE;
	if (!strcmp(s, "rejected"))
		return ANPR_ACK_REJECTED;
	return ANPR_ACK_UNKNOWN;
}

/* One element of "results": an object with id, status and maybe error. */
static bool result(parser *ps, anpr_ack *a)
{
	char key[16], status[16] = "";
	bool have_id = false;

	memset(a, 0, sizeof(*a));
	if (!eat(ps, '{'))
		return false;
	if (eat(ps, '}'))
		goto done;
	do {
		if (!string(ps, key, sizeof(key)) || !eat(ps, ':'))
			return false;
		skip_ws(ps);
		if (!strcmp(key, "id") && ps->p < ps->end && *ps->p == '"') {
			if (!string(ps, a->id, sizeof(a->id)))
				return false;
			have_id = true;
		} else if (!strcmp(key, "status") && ps->p < ps->end && *ps->p == '"') {
			if (!string(ps, status, sizeof(status)))
				return false;
		} else if (!strcmp(key, "error") && ps->p < ps->end && *ps->p == '"') {
			if (!string(ps, a->error, sizeof(a->error)))
				return false;
		} else if (!skip_value(ps, 2)) {
			return false;
		}
	} while (eat(ps, ','));
	if (!eat(ps, '}'))
		return false;
done:
	/* A result without an id acknowledges nothing; one without a known status neither. */
	if (!have_id)
		a->id[0] = '\0';
	a->status = status_of(status);
	return true;
}

anpr_err anpr_ack_parse(const char *body, size_t len, anpr_ack *out, size_t max, size_t *n)
{
	parser ps;
	bool have_results = false;
	char key[16];
	size_t count = 0;

	if (n)
		*n = 0;
	if (!body || !n || (!out && max))
		return ANPR_ERR_INVAL;
	ps.p = body;
	ps.end = body + len;
	if (len > ANPR_ACK_MAX_BODY)
		return ANPR_ERR_TOO_BIG;
	if (!eat(&ps, '{'))
		return ANPR_ERR_FORMAT;
	if (!eat(&ps, '}')) {
		do {
			if (!string(&ps, key, sizeof(key)) || !eat(&ps, ':'))
				return ANPR_ERR_FORMAT;
			if (strcmp(key, "results") != 0 || have_results) {
				if (!skip_value(&ps, 1))
					return ANPR_ERR_FORMAT;
				continue;
			}
			have_results = true;
			if (!eat(&ps, '['))
				return ANPR_ERR_FORMAT;
			if (eat(&ps, ']'))
				continue;
			do {
				anpr_ack a;
				if (!result(&ps, &a))
					return ANPR_ERR_FORMAT;
				if (!a.id[0])
					continue;
				if (count < max)
					out[count] = a;
				count++;
			} while (eat(&ps, ','));
			if (!eat(&ps, ']'))
				return ANPR_ERR_FORMAT;
		} while (eat(&ps, ','));
		if (!eat(&ps, '}'))
			return ANPR_ERR_FORMAT;
	}
	skip_ws(&ps);
	if (ps.p != ps.end || !have_results)
		return ANPR_ERR_FORMAT;
	*n = count;
	return ANPR_ERR_OK;
}
