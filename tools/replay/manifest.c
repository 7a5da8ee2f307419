/* SPDX-License-Identifier: MIT */
/* Strict INI reader for the clip manifest: sets with thresholds, clips as anpr-synth command lines. */
#include "manifest.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct anpr_manifest {
	anpr_manifest_set sets[ANPR_MANIFEST_MAX_SETS];
	int n_sets;
	anpr_manifest_clip clips[ANPR_MANIFEST_MAX_CLIPS];
	int n_clips;
};

/* Keys seen in the current section, by bit. */
enum {
	K_CAPTURED = 1,
	K_EXACT = 2,
	K_MISREAD = 4,
	K_DUP = 8,
	K_FALSE = 16,
	K_LATENCY = 32,
	K_PACE = 64,
	K_SYNTH = 1,
	K_SETS = 2,
	K_FORMAT = 4
};
#define SET_REQUIRED (K_CAPTURED | K_EXACT | K_MISREAD | K_DUP | K_FALSE | K_LATENCY)
#define CLIP_REQUIRED (K_SYNTH | K_SETS)

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > ANPR_MANIFEST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	return true;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end = NULL;

	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* The synth options: plain tokens, none the harness sets itself. */
static const char *synth_bad(const char *s)
{
	static const char *const own[] = { "--out", "--truth", "--jobs", "--stills", "--stills-every" };
	char buf[ANPR_MANIFEST_MAX_LINE];

	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(" .-_=", *p)))
			return "characters other than letters, digits, space and . - _ =";
	if (strncmp(s, "--seed ", 7) != 0)
		return "must start with --seed N (clips are reproducible from it)";
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
			if (strncmp(t, own[i], strlen(own[i])) == 0 &&
			    (t[strlen(own[i])] == '\0' || t[strlen(own[i])] == '='))
				return "sets an option the harness sets itself (--out, --truth, --jobs, "
				       "--stills)";
	return NULL;
}

static anpr_err set_key(anpr_manifest_set *st, const char *key, const char *val, unsigned *seen,
			const char *name, int line, char *diag, size_t diag_len)
{
	static const struct {
		const char *key;
		unsigned bit;
		double lo, hi;
	} keys[] = {
		{ "captured_min_pct", K_CAPTURED, 0, 100 }, { "exact_min_pct", K_EXACT, 0, 100 },
		{ "misread_max_pct", K_MISREAD, 0, 100 },   { "false_reads_max_pct", K_FALSE, 0, 100000 },
		{ "duplicates_max", K_DUP, 0, 1000000 },    { "latency_p95_max_ms", K_LATENCY, 1, 3600000 }
	};

	if (strcmp(key, "pace") == 0) {
		if (*seen & K_PACE)
			goto repeated;
		*seen |= K_PACE;
		if (strcmp(val, "realtime") != 0 && strcmp(val, "fast") != 0) {
			anpr_diagf_at(diag, diag_len, name, line, "pace must be realtime or fast");
			return ANPR_ERR_FORMAT;
		}
		st->realtime = strcmp(val, "realtime") == 0;
		return ANPR_ERR_OK;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].key) != 0)
			continue;
		if (*seen & keys[i].bit)
			goto repeated;
		*seen |= keys[i].bit;
		double d = 0;
		long l = 0;
		bool ok;
		if (keys[i].bit == K_DUP || keys[i].bit == K_LATENCY) {
			ok = parse_long(val, (long)keys[i].lo, (long)keys[i].hi, &l);
			if (keys[i].bit == K_DUP)
				st->duplicates_max = l;
			else
				st->latency_p95_max_ms = l;
		} else {
			ok = parse_double(val, keys[i].lo, keys[i].hi, &d);
			double *dst = keys[i].bit == K_CAPTURED  ? &st->captured_min_pct
				      : keys[i].bit == K_EXACT   ? &st->exact_min_pct
				      : keys[i].bit == K_MISREAD ? &st->misread_max_pct
								 : &st->false_reads_max_pct;
			*dst = d;
		}
		if (!ok) {
			anpr_diagf_at(diag, diag_len, name, line, "%s: '%.64s' is not a number in %g..%g",
				      key, val, keys[i].lo, keys[i].hi);
			return ANPR_ERR_FORMAT;
		}
		return ANPR_ERR_OK;
	}
	anpr_diagf_at(diag, diag_len, name, line, "unknown key '%.64s' in [set %s]", key, st->name);
	return ANPR_ERR_FORMAT;
repeated:
	anpr_diagf_at(diag, diag_len, name, line, "%s given twice in [set %s]", key, st->name);
	return ANPR_ERR_FORMAT;
}

static anpr_err clip_key(anpr_manifest_clip *c, const char *key, const char *val, unsigned *seen,
			 const char *name, int line, char *diag, size_t diag_len)
{
	unsigned bit = strcmp(key, "synth") == 0    ? K_SYNTH
		       : strcmp(key, "sets") == 0   ? K_SETS
		       : strcmp(key, "format") == 0 ? K_FORMAT
						    : 0;
	const char *why;

	if (!bit) {
		anpr_diagf_at(diag, diag_len, name, line, "unknown key '%.64s' in [clip %s]", key, c->name);
		return ANPR_ERR_FORMAT;
	}
	if (*seen & bit) {
		anpr_diagf_at(diag, diag_len, name, line, "%s given twice in [clip %s]", key, c->name);
		return ANPR_ERR_FORMAT;
	}
	*seen |= bit;
	if (bit == K_SYNTH) {
		why = synth_bad(val);
		if (why) {
			anpr_diagf_at(diag, diag_len, name, line, "synth %s", why);
			return ANPR_ERR_FORMAT;
		}
		snprintf(c->synth, sizeof(c->synth), "%s", val);
	} else if (bit == K_SETS) {
		char buf[ANPR_MANIFEST_MAX_LINE];
		snprintf(buf, sizeof(buf), "%s", val);
		int n = 0;
		for (char *save = NULL, *t = strtok_r(buf, " ", &save); t;
		     t = strtok_r(NULL, " ", &save), n++) {
			if (!name_ok(t)) {
				anpr_diagf_at(diag, diag_len, name, line, "sets: '%.64s' is not a set name",
					      t);
				return ANPR_ERR_FORMAT;
			}
		}
		if (n == 0) {
			anpr_diagf_at(diag, diag_len, name, line, "sets is empty");
			return ANPR_ERR_FORMAT;
		}
		snprintf(c->sets, sizeof(c->sets), "%s", val);
	} else {
		if (strcmp(val, "avi") != 0 && strcmp(val, "mp4") != 0) {
			anpr_diagf_at(diag, diag_len, name, line, "format must be avi (MJPEG) or mp4");
			return ANPR_ERR_FORMAT;
		}
		snprintf(c->ext, sizeof(c->ext), "%s", val);
	}
	return ANPR_ERR_OK;
}

/* The section just ended must have its required keys. */
static anpr_err end_section(const anpr_manifest *m, int kind, unsigned seen, const char *name, char *diag,
			    size_t diag_len)
{
	if (kind == 1 && (seen & SET_REQUIRED) != SET_REQUIRED) {
		const anpr_manifest_set *s = &m->sets[m->n_sets - 1];
		anpr_diagf_at(
		    diag, diag_len, name, s->line,
		    "[set %s] needs captured_min_pct, exact_min_pct, misread_max_pct, duplicates_max, "
		    "false_reads_max_pct and latency_p95_max_ms",
		    s->name);
		return ANPR_ERR_FORMAT;
	}
	if (kind == 2 && (seen & CLIP_REQUIRED) != CLIP_REQUIRED) {
		const anpr_manifest_clip *c = &m->clips[m->n_clips - 1];
		anpr_diagf_at(diag, diag_len, name, c->line, "[clip %s] needs synth and sets", c->name);
		return ANPR_ERR_FORMAT;
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_manifest_parse(const char *name, const char *text, size_t len, anpr_manifest **out, char *diag,
			     size_t diag_len)
{
	anpr_err err = ANPR_ERR_OK;
	anpr_manifest *m = NULL;
	char buf[ANPR_MANIFEST_MAX_LINE + 1];
	size_t pos = 0;
	int line = 0, kind = 0; /* 0 none, 1 set, 2 clip */
	unsigned seen = 0;

	if (!name || !out || (!text && len))
		return ANPR_ERR_INVAL;
	*out = NULL;
	if (len > ANPR_MANIFEST_MAX_BYTES) {
		anpr_diagf_at(diag, diag_len, name, 1, "larger than %u KiB", ANPR_MANIFEST_MAX_BYTES >> 10);
		return ANPR_ERR_TOO_BIG;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return ANPR_ERR_NOMEM;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		line++;
		if (n > ANPR_MANIFEST_MAX_LINE) {
			anpr_diagf_at(diag, diag_len, name, line, "line longer than %d bytes",
				      ANPR_MANIFEST_MAX_LINE);
			err = ANPR_ERR_TOO_BIG;
			goto out;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (strlen(buf) != n) {
			anpr_diagf_at(diag, diag_len, name, line, "NUL byte");
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t') {
				anpr_diagf_at(diag, diag_len, name, line, "control character");
				err = ANPR_ERR_FORMAT;
				goto out;
			}
		}
		char *s = trim(buf);
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || close[1]) {
				anpr_diagf_at(diag, diag_len, name, line,
					      "a section is [set NAME] or [clip NAME]");
				err = ANPR_ERR_FORMAT;
				goto out;
			}
			*close = '\0';
			err = end_section(m, kind, seen, name, diag, diag_len);
			if (err)
				goto out;
			seen = 0;
			char *word = trim(s + 1), *sp = strchr(word, ' ');
			char *sec = sp ? trim(sp + 1) : NULL;
			if (sp)
				*sp = '\0';
			if (!sec || !name_ok(sec) ||
			    (strcmp(word, "set") != 0 && strcmp(word, "clip") != 0)) {
				anpr_diagf_at(
				    diag, diag_len, name, line,
				    "a section is [set NAME] or [clip NAME], NAME of a-z 0-9 - _ (at most "
				    "%d)",
				    ANPR_MANIFEST_NAME_MAX);
				err = ANPR_ERR_FORMAT;
				goto out;
			}
			if (strcmp(word, "set") == 0) {
				if (anpr_manifest_find_set(m, sec)) {
					anpr_diagf_at(diag, diag_len, name, line, "[set %s] given twice",
						      sec);
					err = ANPR_ERR_FORMAT;
					goto out;
				}
				if (m->n_sets == ANPR_MANIFEST_MAX_SETS) {
					anpr_diagf_at(diag, diag_len, name, line, "more than %d sets",
						      ANPR_MANIFEST_MAX_SETS);
					err = ANPR_ERR_TOO_BIG;
					goto out;
				}
				anpr_manifest_set *st = &m->sets[m->n_sets++];
				snprintf(st->name, sizeof(st->name), "%s", sec);
				st->realtime = true;
				st->line = line;
				kind = 1;
			} else {
				for (int i = 0; i < m->n_clips; i++) {
					if (strcmp(m->clips[i].name, sec) == 0) {
						anpr_diagf_at(diag, diag_len, name, line,
							      "[clip %s] given twice (line %d)", sec,
							      m->clips[i].line);
						err = ANPR_ERR_FORMAT;
						goto out;
					}
				}
				if (m->n_clips == ANPR_MANIFEST_MAX_CLIPS) {
					anpr_diagf_at(diag, diag_len, name, line, "more than %d clips",
						      ANPR_MANIFEST_MAX_CLIPS);
					err = ANPR_ERR_TOO_BIG;
					goto out;
				}
				anpr_manifest_clip *c = &m->clips[m->n_clips++];
				snprintf(c->name, sizeof(c->name), "%s", sec);
				snprintf(c->ext, sizeof(c->ext), "avi");
				c->line = line;
				kind = 2;
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq || kind == 0) {
			anpr_diagf_at(diag, diag_len, name, line,
				      kind ? "expected key = value" : "a key outside any section");
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		if (!*val) {
			anpr_diagf_at(diag, diag_len, name, line, "%.64s has no value", key);
			err = ANPR_ERR_FORMAT;
			goto out;
		}
		err = kind == 1
			  ? set_key(&m->sets[m->n_sets - 1], key, val, &seen, name, line, diag, diag_len)
			  : clip_key(&m->clips[m->n_clips - 1], key, val, &seen, name, line, diag, diag_len);
		if (err)
			goto out;
	}
	err = end_section(m, kind, seen, name, diag, diag_len);
	if (err)
		goto out;
	for (int i = 0; i < m->n_clips; i++) {
		char buf2[ANPR_MANIFEST_MAX_LINE];
		snprintf(buf2, sizeof(buf2), "%s", m->clips[i].sets);
		for (char *save = NULL, *t = strtok_r(buf2, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			if (!anpr_manifest_find_set(m, t)) {
				anpr_diagf_at(diag, diag_len, name, m->clips[i].line,
					      "[clip %s] names set '%s', which is not defined",
					      m->clips[i].name, t);
				err = ANPR_ERR_FORMAT;
				goto out;
			}
		}
	}
	*out = m;
	m = NULL;
out:
	anpr_manifest_free(m);
	return err;
}

anpr_err anpr_manifest_load(const char *path, anpr_manifest **out, char *diag, size_t diag_len)
{
	anpr_err err = ANPR_ERR_IO;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = fopen(path, "rb");

	if (!f) {
		snprintf(diag, diag_len, "%s: cannot read: %s", path, strerror(errno));
		return ANPR_ERR_IO;
	}
	buf = malloc(ANPR_MANIFEST_MAX_BYTES + 1);
	if (!buf) {
		err = ANPR_ERR_NOMEM;
		goto out;
	}
	n = fread(buf, 1, ANPR_MANIFEST_MAX_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(diag, diag_len, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	err = anpr_manifest_parse(path, buf, n, out, diag, diag_len);
out:
	free(buf);
	fclose(f);
	return err;
}

void anpr_manifest_free(anpr_manifest *m)
{
	free(m);
}

const anpr_manifest_set *anpr_manifest_find_set(const anpr_manifest *m, const char *name)
{
	for (int i = 0; m && i < m->n_sets; i++)
		if (strcmp(m->sets[i].name, name) == 0)
			return &m->sets[i];
	return NULL;
}

int anpr_manifest_clip_count(const anpr_manifest *m)
{
	return m ? m->n_clips : 0;
}

const anpr_manifest_clip *anpr_manifest_clip_at(const anpr_manifest *m, int i)
{
	return m && i >= 0 && i < m->n_clips ? &m->clips[i] : NULL;
}

bool anpr_manifest_clip_in(const anpr_manifest_clip *c, const char *set)
{
	char buf[ANPR_MANIFEST_MAX_LINE];

	snprintf(buf, sizeof(buf), "%s", c->sets);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (strcmp(t, set) == 0)
			return true;
	return false;
}
