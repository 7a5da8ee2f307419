/* SPDX-License-Identifier: MIT */
/* anpr-diag config show|get|set|diff: the site configuration through the project's config library. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomicfile.h"
#include "diag.h"
#include "keys.h"
#include "readfile.h"

#define SITE_FILE_MAX ANPR_CFG_MAX_FILE

static const anpr_cfg_key *table(size_t *n)
{
	return anpr_keys_table(n);
}

static void dotted(const anpr_cfg_key *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%s", k->section, k->name);
}

/* The configuration without the site file (defaults < board), or with it. NULL on error (printed). */
static anpr_config *load_layers(anpr_diag *d, bool with_site)
{
	anpr_settings_src src = d->src;
	anpr_config *c = NULL;
	char why[ANPR_CFG_DIAG_LEN];

	if (!with_site)
		src.site_file = NULL;
	src.n_overrides = 0;
	if (anpr_settings_load(&src, &c, why, sizeof(why)) != ANPR_ERR_OK) {
		out(d, "Configuration does not load: ");
		anpr_term_put_untrusted(d->term, why, 70);
		return NULL;
	}
	return c;
}

static int config_show(anpr_diag *d)
{
	size_t n;
	const anpr_cfg_key *keys = table(&n);
	char name[64], val[256], line[256];

	out(d, "%-30s %-28s %s\n", "KEY", "VALUE", "FROM");
	for (size_t i = 0; i < n; i++) {
		dotted(&keys[i], name, sizeof(name));
		anpr_config_format_value(d->cfg, i, val, sizeof(val));
		const char *origin = anpr_config_origin(d->cfg, i);
		const char *slash = strrchr(origin, '/');
		snprintf(line, sizeof(line), "%-30s %-28.28s %s", name, val[0] ? val : "\"\"",
			 slash ? slash + 1 : origin);
		anpr_term_put_untrusted(d->term, line, ANPR_TERM_COLS);
	}
	return DIAG_OK;
}

static int config_get(anpr_diag *d, const char *key)
{
	size_t n;
	const anpr_cfg_key *keys = table(&n);
	int i = anpr_config_find(d->cfg, key);
	char val[4200], line[4300];

	if (i < 0) {
		out(d, "No key '%.60s' (section.name; config show lists them).\n", key);
		return DIAG_USAGE;
	}
	const anpr_cfg_key *k = &keys[i];
	anpr_config_format_value(d->cfg, (size_t)i, val, sizeof(val));
	snprintf(line, sizeof(line), "%s = %s", key, val);
	anpr_term_put_untrusted(d->term, line, ANPR_TERM_COLS);
	snprintf(line, sizeof(line), "  from     %s", anpr_config_origin(d->cfg, (size_t)i));
	anpr_term_put_untrusted(d->term, line, ANPR_TERM_COLS);
	out(d, "  default  %s\n", k->def[0] ? k->def : "\"\"");
	if (k->type == ANPR_CFG_INT || k->type == ANPR_CFG_REAL)
		out(d, "  range    %g .. %g\n", k->min, k->max);
	else if (k->type == ANPR_CFG_ENUM)
		out(d, "  choices  %s\n", k->choices);
	else if (k->type == ANPR_CFG_BOOL)
		out(d, "  choices  true|false\n");
	out(d, "  applies  %s\n",
	    strcmp(k->section, "diag") == 0
		? "at the next anpr-diag start"
		: (k->reloadable ? "at once (reload)" : "after a restart of anprd"));
	/* The help sentence, wrapped at word boundaries within 80 columns. */
	const char *h = k->help;
	while (*h) {
		size_t left = strlen(h), cut = left;
		if (left > ANPR_TERM_COLS - 4) {
			cut = ANPR_TERM_COLS - 4;
			while (cut > 20 && h[cut] != ' ')
				cut--;
		}
		snprintf(line, sizeof(line), "  %.*s", (int)cut, h);
		anpr_term_put_untrusted(d->term, line, ANPR_TERM_COLS);
		h += cut;
		while (*h == ' ')
			h++;
	}
	return DIAG_OK;
}

static size_t trim(const char *s, size_t n, size_t *start)
{
	size_t a = 0;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	*start = a;
	return n - a;
}

/*
 * Puts "name = value" into the site file text: replaces the key's line in
 * its section, or adds it at the end of the section, or adds the section.
 * Returns a new NUL-terminated text (caller frees) or NULL.
 */
static char *edit_site(const char *text, size_t len, const anpr_cfg_key *k, const char *value)
{
	size_t cap = len + strlen(k->section) + strlen(k->name) + strlen(value) + 32;
	char *res = malloc(cap);
	size_t o = 0, pos = 0, insert_at = (size_t)-1;
	bool in_sect = false, done = false;
	char newline[4400];

	if (!res)
		return NULL;
	snprintf(newline, sizeof(newline), "%.64s = %.4200s\n", k->name, value);
	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) + 1 : len - pos, s;
		size_t tl = trim(l, nl ? (size_t)(nl - l) : ll, &s);
		pos += ll;
		if (tl > 0 && l[s] == '[') {
			if (in_sect && !done)
				insert_at = o;
			const char *e = memchr(l + s, ']', tl);
			size_t ns = 0;
			size_t nn = e ? trim(l + s + 1, (size_t)(e - l - s - 1), &ns) : 0;
			in_sect =
			    e && nn == strlen(k->section) && memcmp(l + s + 1 + ns, k->section, nn) == 0;
		} else if (in_sect && !done && tl > strlen(k->name) &&
			   memcmp(l + s, k->name, strlen(k->name)) == 0) {
			size_t r = s + strlen(k->name);
			while (r < s + tl && (l[r] == ' ' || l[r] == '\t'))
				r++;
			if (r < s + tl && l[r] == '=') {
				memcpy(res + o, newline, strlen(newline));
				o += strlen(newline);
				done = true;
				continue;
			}
		}
		memcpy(res + o, l, ll);
		o += ll;
		if (!nl) {
			res[o++] = '\n';
		}
	}
	if (!done) {
		if (in_sect)
			insert_at = o;
		if (insert_at != (size_t)-1) {
			size_t nlen = strlen(newline);
			/* Before the blank lines that close the section. */
			while (insert_at > 1 && res[insert_at - 1] == '\n' && res[insert_at - 2] == '\n')
				insert_at--;
			memmove(res + insert_at + nlen, res + insert_at, o - insert_at);
			memcpy(res + insert_at, newline, nlen);
			o += nlen;
		} else {
			o += (size_t)snprintf(res + o, cap - o, "%s[%s]\n%s", o ? "\n" : "", k->section,
					      newline);
		}
	}
	res[o] = '\0';
	return res;
}

static int config_set(anpr_diag *d, const char *key, const char *value)
{
	size_t n;
	const anpr_cfg_key *keys = table(&n);
	const char *site = d->src.site_file;
	char why[ANPR_CFG_DIAG_LEN], oldv[4200], newv[4200], rec[ANPR_AUDIT_TEXT_MAX + 1];
	char *text = NULL, *edited = NULL;
	size_t len = 0;
	anpr_config *check = NULL, *fresh = NULL;
	int rc = DIAG_FAIL;
	int i = anpr_config_find(d->cfg, key);

	if (i < 0) {
		out(d, "No key '%.60s' (section.name; config show lists them).\n", key);
		return DIAG_USAGE;
	}
	if (!site) {
		out(d, "No site file: start anpr-diag with --config PATH to change settings.\n");
		return DIAG_FAIL;
	}
	/* Validate the value alone first: the message then names the key, not a file line. */
	check = load_layers(d, true);
	if (!check)
		goto out;
	if (anpr_config_set(check, key, value, "config set", why, sizeof(why)) != ANPR_ERR_OK) {
		out(d, "Not accepted: ");
		anpr_term_put_untrusted(d->term, why, 70);
		rc = DIAG_USAGE;
		goto out;
	}
	anpr_config_format_value(d->cfg, (size_t)i, oldv, sizeof(oldv));
	anpr_config_format_value(check, (size_t)i, newv, sizeof(newv));
	anpr_err err = anpr_file_read(AT_FDCWD, site, 0, SITE_FILE_MAX, &text, &len, NULL, 0);
	if (err == ANPR_ERR_NOT_FOUND) {
		text = strdup("");
		len = 0;
	} else if (err) {
		out(d, "Cannot read %s: %s\n", site, anpr_strerror(err));
		goto out;
	}
	if (!text)
		goto out;
	edited = edit_site(text, len, &keys[i], newv);
	if (!edited)
		goto out;
	/* The whole new file must load over the board before it replaces the old one. */
	fresh = load_layers(d, false);
	if (!fresh)
		goto out;
	if (anpr_config_load_buffer(fresh, site, edited, strlen(edited), why, sizeof(why)) != ANPR_ERR_OK) {
		out(d, "The edited site file would not load, nothing changed: ");
		anpr_term_put_untrusted(d->term, why, 70);
		goto out;
	}
	snprintf(rec, sizeof(rec), "%.40s: %.56s -> %.56s", key, oldv, newv);
	if (anpr_audit_write(d->audit, d->user, anpr_role_name(d->role), "config_set", rec, "start") !=
	    ANPR_ERR_OK) {
		out(d, "Refused: the audit trail cannot be written.\n");
		goto out;
	}
	struct stat st;
	mode_t mode = stat(site, &st) == 0 ? (st.st_mode & 0777) : 0640;
	if (anpr_atomic_write(site, edited, strlen(edited), mode, why, sizeof(why)) != ANPR_ERR_OK) {
		out(d, "Could not save: %s\n", why);
		diag_audit_note(d, "config_set", rec, "fail");
		goto out;
	}
	diag_audit_note(d, "config_set", rec, "saved");
	anpr_config_free(d->cfg);
	d->cfg = fresh;
	fresh = NULL;
	snprintf(rec, sizeof(rec), "%.40s = %.50s (was %.50s)", key, newv, oldv);
	anpr_term_put_untrusted(d->term, rec, ANPR_TERM_COLS);
	out(d, "Saved in %s.\n", site);
	anpr_ctl *ctl = diag_connect(d, why, sizeof(why));
	anpr_json *r = NULL;
	if (!ctl) {
		out(d, "anprd is not running: it will use the new value when it starts.\n");
	} else if (anpr_ctl_call(ctl, "reload", NULL, 10000, &r, why, sizeof(why)) != ANPR_ERR_OK) {
		out(d, "anprd did not reload: ");
		anpr_term_put_untrusted(d->term, why, 70);
	} else if (strcmp(keys[i].section, "diag") == 0) {
		out(d, "anpr-diag uses it from its next start.\n");
	} else if (!keys[i].reloadable) {
		out(d, "anprd reloaded, but %s takes effect only after a restart: service restart\n", key);
	} else {
		out(d, "anprd reloaded: in effect now.\n");
	}
	anpr_json_free(r);
	anpr_ctl_close(ctl);
	rc = DIAG_OK;
out:
	free(text);
	free(edited);
	anpr_config_free(check);
	anpr_config_free(fresh);
	return rc;
}

static int config_diff(anpr_diag *d)
{
	size_t n, shown = 0;
	const anpr_cfg_key *keys = table(&n);
	anpr_config *base = load_layers(d, false);
	anpr_config *full = load_layers(d, true);
	char name[64], a[256], b[256], line[300];

	if (!base || !full) {
		anpr_config_free(base);
		anpr_config_free(full);
		return DIAG_FAIL;
	}
	out(d, "Site file: %s\n", d->src.site_file ? d->src.site_file : "(none)");
	out(d, "%-26s %-24s %s\n", "KEY", "SITE", "BOARD (b) / DEFAULT (d)");
	for (size_t i = 0; i < n; i++) {
		anpr_config_format_value(base, i, a, sizeof(a));
		anpr_config_format_value(full, i, b, sizeof(b));
		bool board = strcmp(anpr_config_origin(base, i), "default") != 0;
		if (strcmp(a, b) == 0 &&
		    strcmp(anpr_config_origin(full, i), anpr_config_origin(base, i)) == 0)
			continue;
		dotted(&keys[i], name, sizeof(name));
		snprintf(line, sizeof(line), "%-26s %-24.24s %-20.20s %s%s", name, b[0] ? b : "\"\"",
			 a[0] ? a : "\"\"", board ? "b" : "d",
			 keys[i].reloadable || !strcmp(keys[i].section, "diag") ? "" : " *");
		anpr_term_put_untrusted(d->term, line, ANPR_TERM_COLS);
		shown++;
	}
	out(d, shown ? "(* = needs a restart of anprd to change)\n" : "The site file changes nothing.\n");
	anpr_config_free(base);
	anpr_config_free(full);
	return DIAG_OK;
}

int cmd_config(anpr_diag *d, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "show") == 0)
		return config_show(d);
	if (argc == 3 && strcmp(argv[1], "get") == 0)
		return config_get(d, argv[2]);
	if (argc == 4 && strcmp(argv[1], "set") == 0)
		return config_set(d, argv[2], argv[3]);
	if (argc == 2 && strcmp(argv[1], "diff") == 0)
		return config_diff(d);
	return DIAG_USAGE;
}
