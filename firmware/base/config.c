/* SPDX-License-Identifier: MIT */
/* Strict INI parser and typed store for the configuration key table. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edit_distance.h"
#include "readfile.h"

typedef struct value {
	int64_t i; /* INT, BOOL, and ENUM (choice index) */
	double r;
	char *s; /* STRING and ENUM text; owned */
} value;

typedef struct slot {
	value v;
	char *origin; /* NULL means "default"; owned */
} slot;

struct anpr_config {
	const anpr_cfg_key *keys;
	size_t count;
	slot *slots;
};

/* One parsed assignment waiting for the whole file to validate. */
typedef struct staged {
	size_t key;
	unsigned line;
	value v;
} staged;

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* Finds choice text in "a|b|c"; returns its index or -1. */
static int choice_index(const char *choices, const char *s)
{
	size_t n = strlen(s);
	int idx = 0;

	for (const char *p = choices; *p; idx++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && memcmp(p, s, n) == 0)
			return idx;
		if (!bar)
			break;
		p = bar + 1;
	}
	return -1;
}

/* Copies a short excerpt of untrusted text for a message, with control bytes shown as '?'. */
static const char *excerpt(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; s[n] && n + 4 < len && n < 40; n++)
		buf[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7f ? '?' : s[n];
	if (s[n])
		memcpy(buf + n, "...", 3), n += 3;
	buf[n] = '\0';
	return buf;
}

/*
 * Converts text to a typed value for key k, checking type and range, and
 * keeps its canonical text in out->s (numbers reformatted, booleans as
 * true/false) for output and comparison. On failure writes the reason
 * (without position) to why and returns false.
 */
static bool parse_value(const anpr_cfg_key *k, const char *text, value *out, char *why, size_t why_len)
{
	char ex[48];
	char canon[32];
	char *end;

	memset(out, 0, sizeof(*out));
	switch (k->type) {
	case ANPR_CFG_INT: {
		errno = 0;
		long long v = strtoll(text, &end, 10);
		if (end == text || *end || errno == ERANGE) {
			anpr_diagf(why, why_len, "%s.%s: '%s' is not a whole number", k->section, k->name,
				   excerpt(text, ex, sizeof(ex)));
			return false;
		}
		if ((double)v < k->min || (double)v > k->max) {
			anpr_diagf(why, why_len, "%s.%s: %lld is out of range %.0f..%.0f", k->section,
				   k->name, v, k->min, k->max);
			return false;
		}
		out->i = v;
		snprintf(canon, sizeof(canon), "%lld", v);
		text = canon;
		break;
	}
	case ANPR_CFG_REAL: {
		errno = 0;
		double v = strtod(text, &end);
		if (end == text || *end || errno == ERANGE || !isfinite(v) ||
		    strpbrk(text, "xXnNiI")) { /* no hex floats, nan or inf */
			anpr_diagf(why, why_len, "%s.%s: '%s' is not a number", k->section, k->name,
				   excerpt(text, ex, sizeof(ex)));
			return false;
		}
		if (v < k->min || v > k->max) {
			anpr_diagf(why, why_len, "%s.%s: %g is out of range %g..%g", k->section, k->name, v,
				   k->min, k->max);
			return false;
		}
		out->r = v;
		/* Shortest text that reads back as the same double. */
		for (int prec = 6; prec <= 17; prec++) {
			snprintf(canon, sizeof(canon), "%.*g", prec, v);
			if (strtod(canon, NULL) == v)
				break;
		}
		text = canon;
		break;
	}
	case ANPR_CFG_BOOL: {
		static const char *const yes[] = { "true", "yes", "on", "1" };
		static const char *const no[] = { "false", "no", "off", "0" };
		for (size_t i = 0; i < 4; i++) {
			if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0)
				out->i = strcmp(text, yes[i]) == 0 ? 1 : 2;
		}
		if (out->i == 0) {
			anpr_diagf(why, why_len, "%s.%s: '%s' is not true or false", k->section, k->name,
				   excerpt(text, ex, sizeof(ex)));
			return false;
		}
		out->i = out->i == 1;
		text = out->i ? "true" : "false";
		break;
	}
	case ANPR_CFG_STRING: {
		size_t n = strlen(text);
		if ((double)n < k->min || (double)n > k->max) {
			anpr_diagf(why, why_len, "%s.%s: length %zu is out of range %.0f..%.0f", k->section,
				   k->name, n, k->min, k->max);
			return false;
		}
		break;
	}
	case ANPR_CFG_ENUM: {
		int idx = choice_index(k->choices, text);
		if (idx < 0) {
			anpr_diagf(why, why_len, "%s.%s: '%s' is not one of %s", k->section, k->name,
				   excerpt(text, ex, sizeof(ex)), k->choices);
			return false;
		}
		out->i = idx;
		break;
	}
	}
	out->s = strdup(text);
	if (!out->s) {
		anpr_diagf(why, why_len, "out of memory");
		return false;
	}
	return true;
}

static void free_value(value *v)
{
	free(v->s);
	v->s = NULL;
}

static int find_key(const anpr_config *c, const char *section, size_t slen, const char *name, size_t nlen)
{
	for (size_t i = 0; i < c->count; i++) {
		const anpr_cfg_key *k = &c->keys[i];
		if (strlen(k->section) == slen && memcmp(k->section, section, slen) == 0 &&
		    strlen(k->name) == nlen && memcmp(k->name, name, nlen) == 0)
			return (int)i;
	}
	return -1;
}

static bool known_section(const anpr_config *c, const char *s, size_t n)
{
	for (size_t i = 0; i < c->count; i++)
		if (strlen(c->keys[i].section) == n && memcmp(c->keys[i].section, s, n) == 0)
			return true;
	return false;
}

int anpr_config_find(const anpr_config *c, const char *dotted)
{
	const char *dot = dotted ? strchr(dotted, '.') : NULL;

	if (!c || !dot)
		return -1;
	return find_key(c, dotted, (size_t)(dot - dotted), dot + 1, strlen(dot + 1));
}

static const char *suggest(const anpr_config *c, const char *section, size_t slen, const char *name,
			   size_t nlen)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < c->count; i++) {
		const anpr_cfg_key *k = &c->keys[i];
		if (strlen(k->section) != slen || memcmp(k->section, section, slen) != 0)
			continue;
		size_t d = anpr_edit_distance(name, nlen, k->name, strlen(k->name));
		if (d < best_d) {
			best_d = d;
			best = k->name;
		}
	}
	return best;
}

/* Decodes a double-quoted value in place; returns false on a bad escape or trailing text. */
static bool unquote(char *s, char *why, size_t why_len)
{
	char *w = s;
	const char *r = s + 1;

	for (; *r && *r != '"'; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		r++;
		switch (*r) {
		case '"':
		case '\\':
			*w++ = *r;
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 't':
			*w++ = '\t';
			break;
		default:
			anpr_diagf(why, why_len, "unknown escape in quoted value (use \\\" \\\\ \\n \\t)");
			return false;
		}
	}
	if (*r != '"') {
		anpr_diagf(why, why_len, "unterminated quoted value");
		return false;
	}
	for (r++; *r == ' ' || *r == '\t'; r++)
		;
	if (*r) {
		anpr_diagf(why, why_len, "text after closing quote");
		return false;
	}
	*w = '\0';
	return true;
}

/* Checks that bytes are well-formed UTF-8 (no overlongs or surrogates). */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t extra;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			extra = 1, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3, cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= extra) /* truncated sequence */
			return false;
		for (size_t j = 1; j <= extra; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += extra + 1;
	}
	return true;
}

static void trim(char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* Replaces slot k's value, taking ownership of v->s. */
static anpr_err commit(anpr_config *c, size_t k, value *v, const char *origin)
{
	char *o = NULL;

	if (origin) {
		o = strdup(origin);
		if (!o)
			return ANPR_ERR_NOMEM;
	}
	free_value(&c->slots[k].v);
	free(c->slots[k].origin);
	c->slots[k].v = *v;
	c->slots[k].origin = o;
	v->s = NULL;
	return ANPR_ERR_OK;
}

anpr_err anpr_config_load_buffer(anpr_config *c, const char *name, const char *data, size_t len, char *diag,
				 size_t diag_len)
{
	anpr_err err = ANPR_ERR_CONFIG;
	staged *st = NULL;
	size_t nst = 0;
	char *line = NULL;
	char why[ANPR_CFG_DIAG_LEN] = "";
	const char *section = NULL;
	size_t section_len = 0;
	char *sect_buf = NULL;
	unsigned lineno = 0;
	size_t pos = 0;

	if (!c || !name || (!data && len))
		return ANPR_ERR_INVAL;
	if (len > ANPR_CFG_MAX_FILE) {
		anpr_diagf(diag, diag_len, "%s: file is larger than %d bytes", name, ANPR_CFG_MAX_FILE);
		return ANPR_ERR_TOO_BIG;
	}
	if (memchr(data, '\0', len)) {
		size_t at = (size_t)((const char *)memchr(data, '\0', len) - data);
		unsigned l = 1;
		for (size_t i = 0; i < at; i++)
			l += data[i] == '\n';
		anpr_diagf(diag, diag_len, "%s:%u: binary data (NUL byte); not a text configuration file",
			   name, l);
		return ANPR_ERR_CONFIG;
	}
	/* At most one assignment per key: anything more is a duplicate error. */
	st = calloc(c->count ? c->count : 1, sizeof(*st));
	line = malloc(ANPR_CFG_MAX_LINE + 1);
	sect_buf = malloc(ANPR_CFG_MAX_LINE + 1);
	if (!st || !line || !sect_buf) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	/* A UTF-8 byte order mark is tolerated; editors on Windows laptops add one. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;

		lineno++;
		if (n && data[pos + n - 1] == '\r')
			n--;
		if (n > ANPR_CFG_MAX_LINE) {
			anpr_diagf(why, sizeof(why), "line longer than %d bytes", ANPR_CFG_MAX_LINE);
			goto bad_line;
		}
		if (!valid_utf8((const unsigned char *)data + pos, n)) {
			anpr_diagf(why, sizeof(why), "not valid UTF-8 text");
			goto bad_line;
		}
		memcpy(line, data + pos, n);
		line[n] = '\0';
		pos += (nl ? (size_t)(nl - (data + pos)) + 1 : len - pos);

		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)line[i];
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
				anpr_diagf(why, sizeof(why), "control character 0x%02x", ch);
				goto bad_line;
			}
		}

		char *s = line;
		trim(&s, &n);
		s[n] = '\0';
		if (n == 0 || s[0] == '#' || s[0] == ';')
			continue;

		if (s[0] == '[') {
			if (s[n - 1] != ']') {
				anpr_diagf(why, sizeof(why), "section header has no closing ']'");
				goto bad_line;
			}
			char *name_s = s + 1;
			size_t name_n = n - 2;
			trim(&name_s, &name_n);
			if (!valid_name(name_s, name_n)) {
				anpr_diagf(why, sizeof(why), "bad section name (use a-z, 0-9 and _)");
				goto bad_line;
			}
			if (!known_section(c, name_s, name_n)) {
				name_s[name_n] = '\0';
				anpr_diagf(why, sizeof(why), "unknown section [%s]", name_s);
				goto bad_line;
			}
			memcpy(sect_buf, name_s, name_n);
			sect_buf[name_n] = '\0';
			section = sect_buf;
			section_len = name_n;
			continue;
		}

		char *eq = strchr(s, '=');
		if (!eq) {
			anpr_diagf(why, sizeof(why), "expected 'key = value', '[section]' or a # comment");
			goto bad_line;
		}
		char *key = s;
		size_t key_n = (size_t)(eq - s);
		char *val = eq + 1;
		size_t val_n = n - key_n - 1;
		trim(&key, &key_n);
		trim(&val, &val_n);
		val[val_n] = '\0';
		if (!valid_name(key, key_n)) {
			anpr_diagf(why, sizeof(why), "bad key name (use a-z, 0-9 and _)");
			goto bad_line;
		}
		if (!section) {
			anpr_diagf(why, sizeof(why), "key before any [section]");
			goto bad_line;
		}
		int k = find_key(c, section, section_len, key, key_n);
		if (k < 0) {
			const char *hint = suggest(c, section, section_len, key, key_n);
			key[key_n] = '\0';
			if (hint)
				anpr_diagf(why, sizeof(why), "unknown key '%s' in [%s] (did you mean '%s'?)",
					   key, section, hint);
			else
				anpr_diagf(why, sizeof(why), "unknown key '%s' in [%s]", key, section);
			goto bad_line;
		}
		for (size_t i = 0; i < nst; i++) {
			if (st[i].key == (size_t)k) {
				anpr_diagf(why, sizeof(why), "%s.%s is set twice (first at line %u)", section,
					   c->keys[k].name, st[i].line);
				goto bad_line;
			}
		}
		if (val[0] == '"' && !unquote(val, why, sizeof(why)))
			goto bad_line;
		if (!parse_value(&c->keys[k], val, &st[nst].v, why, sizeof(why)))
			goto bad_line;
		st[nst].key = (size_t)k;
		st[nst].line = lineno;
		nst++;
	}

	/* Everything validated: apply the whole file. */
	for (size_t i = 0; i < nst; i++) {
		char origin[ANPR_CFG_DIAG_LEN];
		snprintf(origin, sizeof(origin), "%s:%u", name, st[i].line);
		err = commit(c, st[i].key, &st[i].v, origin);
		if (err)
			goto out;
	}
	err = ANPR_ERR_OK;
	goto out;

bad_line:
	anpr_diagf(diag, diag_len, "%s:%u: %s", name, lineno, why);
	err = ANPR_ERR_CONFIG;
out:
	for (size_t i = 0; st && i < nst; i++)
		free_value(&st[i].v);
	free(st);
	free(line);
	free(sect_buf);
	return err;
}

anpr_err anpr_config_load_file(anpr_config *c, const char *path, char *diag, size_t diag_len)
{
	char *buf = NULL;
	size_t len = 0;
	anpr_err err;

	if (!c || !path)
		return ANPR_ERR_INVAL;
	err = anpr_file_read(AT_FDCWD, path, 0, (size_t)ANPR_CFG_MAX_FILE, &buf, &len, diag, diag_len);
	if (err == ANPR_ERR_NOT_FOUND)
		err = ANPR_ERR_IO; /* to the operator a missing file is one more file that cannot be read */
	if (!err)
		err = anpr_config_load_buffer(c, path, buf, len, diag, diag_len);
	free(buf);
	return err;
}

anpr_err anpr_config_set(anpr_config *c, const char *dotted, const char *text, const char *origin, char *diag,
			 size_t diag_len)
{
	char why[ANPR_CFG_DIAG_LEN];
	value v;
	int k;

	if (!c || !dotted || !text || !origin)
		return ANPR_ERR_INVAL;
	k = anpr_config_find(c, dotted);
	if (k < 0) {
		char ex[48];
		anpr_diagf(diag, diag_len, "%s: unknown key '%s'", origin, excerpt(dotted, ex, sizeof(ex)));
		return ANPR_ERR_CONFIG;
	}
	if (strlen(text) > ANPR_CFG_MAX_LINE || !valid_utf8((const unsigned char *)text, strlen(text))) {
		anpr_diagf(diag, diag_len, "%s: %s: value is too long or not UTF-8", origin, dotted);
		return ANPR_ERR_CONFIG;
	}
	for (const char *p = text; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			anpr_diagf(diag, diag_len, "%s: %s: control character in value", origin, dotted);
			return ANPR_ERR_CONFIG;
		}
	}
	if (!parse_value(&c->keys[k], text, &v, why, sizeof(why))) {
		anpr_diagf(diag, diag_len, "%s: %s", origin, why);
		return ANPR_ERR_CONFIG;
	}
	anpr_err err = commit(c, (size_t)k, &v, origin);
	free_value(&v);
	return err;
}

anpr_err anpr_config_new(const anpr_cfg_key *keys, size_t count, anpr_config **out, char *diag,
			 size_t diag_len)
{
	anpr_err err = ANPR_ERR_NOMEM;
	anpr_config *c = NULL;
	char why[ANPR_CFG_DIAG_LEN];

	if (!keys || !out)
		return ANPR_ERR_INVAL;
	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->keys = keys;
	c->count = count;
	c->slots = calloc(count ? count : 1, sizeof(*c->slots));
	if (!c->slots)
		goto out;
	for (size_t i = 0; i < count; i++) {
		const anpr_cfg_key *k = &keys[i];
		if (!valid_name(k->section, strlen(k->section)) || !valid_name(k->name, strlen(k->name)) ||
		    find_key(c, k->section, strlen(k->section), k->name, strlen(k->name)) != (int)i) {
			anpr_diagf(diag, diag_len, "key table: bad or repeated name %s.%s", k->section,
				   k->name);
			err = ANPR_ERR_CONFIG;
			goto out;
		}
		if (!parse_value(k, k->def, &c->slots[i].v, why, sizeof(why))) {
			anpr_diagf(diag, diag_len, "key table: default of %s", why);
			err = ANPR_ERR_CONFIG;
			goto out;
		}
	}
	*out = c;
	c = NULL;
	err = ANPR_ERR_OK;
out:
	anpr_config_free(c);
	return err;
}

void anpr_config_free(anpr_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->slots && i < c->count; i++) {
		free_value(&c->slots[i].v);
		free(c->slots[i].origin);
	}
	free(c->slots);
	free(c);
}

int64_t anpr_config_int(const anpr_config *c, size_t key)
{
	assert(key < c->count && c->keys[key].type == ANPR_CFG_INT);
	return c->slots[key].v.i;
}

double anpr_config_real(const anpr_config *c, size_t key)
{
	assert(key < c->count && c->keys[key].type == ANPR_CFG_REAL);
	return c->slots[key].v.r;
}

bool anpr_config_bool(const anpr_config *c, size_t key)
{
	assert(key < c->count && c->keys[key].type == ANPR_CFG_BOOL);
	return c->slots[key].v.i != 0;
}

const char *anpr_config_str(const anpr_config *c, size_t key)
{
	assert(key < c->count);
	return c->slots[key].v.s;
}

int anpr_config_enum(const anpr_config *c, size_t key)
{
	assert(key < c->count && c->keys[key].type == ANPR_CFG_ENUM);
	return (int)c->slots[key].v.i;
}

const char *anpr_config_origin(const anpr_config *c, size_t key)
{
	assert(key < c->count);
	return c->slots[key].origin ? c->slots[key].origin : "default";
}

/* True when a string must be quoted to read back the same. */
static bool needs_quotes(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == ' ' || s[0] == '\t' || s[0] == '"' || s[n - 1] == ' ' || s[n - 1] == '\t')
		return true;
	return strpbrk(s, "\n\t\\") != NULL;
}

void anpr_config_format_value(const anpr_config *c, size_t key, char *buf, size_t len)
{
	const char *s = c->slots[key].v.s;
	size_t w = 0;

	if (len == 0)
		return;
	if (c->keys[key].type != ANPR_CFG_STRING || !needs_quotes(s)) {
		snprintf(buf, len, "%s", s);
		return;
	}
	/* Quoted form: escapes as unquote() reads them. */
	buf[w++] = '"';
	for (; *s && w + 4 < len; s++) {
		char e = *s == '"' ? '"' : *s == '\\' ? '\\' : *s == '\n' ? 'n' : *s == '\t' ? 't' : 0;
		if (e) {
			buf[w++] = '\\';
			buf[w++] = e;
		} else {
			buf[w++] = *s;
		}
	}
	buf[w++] = '"';
	buf[w] = '\0';
}

void anpr_config_write(const anpr_config *c, FILE *out)
{
	const char *section = NULL;
	char val[ANPR_CFG_MAX_LINE * 2 + 3];

	for (size_t i = 0; i < c->count; i++) {
		const anpr_cfg_key *k = &c->keys[i];
		if (!section || strcmp(section, k->section) != 0) {
			fprintf(out, "%s[%s]\n", section ? "\n" : "", k->section);
			section = k->section;
		}
		anpr_config_format_value(c, i, val, sizeof(val));
		/* Comments only stand on their own lines in our INI, so the origin goes above. */
		fprintf(out, "# %s\n%s = %s\n", anpr_config_origin(c, i), k->name, val);
	}
}

size_t anpr_config_diff(const anpr_config *a, const anpr_config *b, bool only_fixed, FILE *out)
{
	size_t n = 0;

	assert(a->keys == b->keys);
	for (size_t i = 0; i < a->count; i++) {
		if (only_fixed && a->keys[i].reloadable)
			continue;
		if (strcmp(a->slots[i].v.s, b->slots[i].v.s) == 0)
			continue;
		if (out)
			fprintf(out, "%s.%s\n", a->keys[i].section, a->keys[i].name);
		n++;
	}
	return n;
}

static const char *type_name(anpr_cfg_type t)
{
	switch (t) {
	case ANPR_CFG_INT:
		return "integer";
	case ANPR_CFG_REAL:
		return "number";
	case ANPR_CFG_BOOL:
		return "boolean";
	case ANPR_CFG_STRING:
		return "string";
	case ANPR_CFG_ENUM:
		return "choice";
	}
	return "?";
}

void anpr_config_write_doc(const anpr_cfg_key *keys, size_t count, FILE *out)
{
	const char *section = NULL;

	fputs("# Configuration reference\n\n"
	      "Generated by `anprd --config-doc` from the key table in `firmware/base/keys_list.h`;\n"
	      "`make test` fails when this file and the table disagree.\n\n"
	      "Files are strict INI: `[section]` headers, `key = value` lines, `#` or `;` comments on\n"
	      "their own lines, values optionally in double quotes (escapes `\\\"` `\\\\` `\\n` `\\t`).\n"
	      "Layers, later wins: built-in defaults < `boards/<board>/board.ini` < the site file\n"
	      "< `--set section.key=value`. An unknown key, a repeated key or a bad value is an error\n"
	      "naming `file:line`, and the file is not applied. Booleans: true/false, yes/no, on/off, 1/0.\n"
	      "Keys marked reloadable take effect on SIGHUP; others need a restart.\n",
	      out);
	for (size_t i = 0; i < count; i++) {
		const anpr_cfg_key *k = &keys[i];
		if (!section || strcmp(section, k->section) != 0) {
			fprintf(out,
				"\n## [%s]\n\n| key | type | default | allowed | reload | meaning |\n"
				"|---|---|---|---|---|---|\n",
				k->section);
			section = k->section;
		}
		char allowed[256];
		switch (k->type) {
		case ANPR_CFG_INT:
			snprintf(allowed, sizeof(allowed), "%.0f..%.0f", k->min, k->max);
			break;
		case ANPR_CFG_REAL:
			snprintf(allowed, sizeof(allowed), "%g..%g", k->min, k->max);
			break;
		case ANPR_CFG_BOOL:
			snprintf(allowed, sizeof(allowed), "true, false");
			break;
		case ANPR_CFG_STRING:
			snprintf(allowed, sizeof(allowed), "%.0f..%.0f bytes", k->min, k->max);
			break;
		case ANPR_CFG_ENUM: {
			size_t w = 0;
			for (const char *p = k->choices; *p && w + 3 < sizeof(allowed); p++)
				if (*p == '|')
					w += (size_t)snprintf(allowed + w, sizeof(allowed) - w, ", ");
				else
					allowed[w++] = *p;
			allowed[w] = '\0';
			break;
		}
		}
		fprintf(out, "| `%s` | %s | `%s` | %s | %s | %s |\n", k->name, type_name(k->type), k->def,
			allowed, k->reloadable ? "yes" : "no", k->help);
	}
}
