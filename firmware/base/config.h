/* SPDX-License-Identifier: MIT */
/* Strict, layered INI configuration driven by one table of keys. */
#ifndef ANPR_CONFIG_H
#define ANPR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef enum anpr_cfg_type {
	ANPR_CFG_INT,
	ANPR_CFG_REAL,
	ANPR_CFG_BOOL,
	ANPR_CFG_STRING,
	ANPR_CFG_ENUM,
} anpr_cfg_type;

/*
 * One key of the table. The same entry drives parsing, validation, the
 * defaults, `config show` and docs/config.md.
 */
typedef struct anpr_cfg_key {
	const char *section; /* [a-z0-9_]+ */
	const char *name;    /* [a-z0-9_]+ */
	anpr_cfg_type type;
	const char *def;     /* default, written as in a file */
	double min, max;     /* INT/REAL: value range; STRING: length range in bytes */
	const char *choices; /* ENUM: "a|b|c" */
	bool reloadable;     /* takes effect on SIGHUP without a restart */
	const char *help;    /* one sentence, for docs and the CLI */
} anpr_cfg_key;

typedef struct anpr_config anpr_config;

/* Limits on untrusted input. */
#define ANPR_CFG_MAX_FILE (1024 * 1024)
#define ANPR_CFG_MAX_LINE 4096
/* Size for the diag buffer of the load functions. */
#define ANPR_CFG_DIAG_LEN 512

/*
 * Creates a configuration holding the table's defaults. The table is
 * borrowed and must outlive the config. Returns ANPR_ERR_CONFIG if a default
 * does not validate (a bug in the table; the reason goes to diag),
 * ANPR_ERR_NOMEM. The caller owns *out. One thread at a time per config.
 */
ANPR_MUST_CHECK anpr_err anpr_config_new(const anpr_cfg_key *keys, size_t count, anpr_config **out,
					 char *diag, size_t diag_len);

/* Frees the config and its strings; NULL is fine. */
void anpr_config_free(anpr_config *c);

/*
 * Layers a file over what is already there: later loads win. A file is
 * applied whole or not at all. On error returns ANPR_ERR_CONFIG (bad
 * content), ANPR_ERR_IO (cannot read), ANPR_ERR_TOO_BIG, and writes
 * "path:line: reason" into diag.
 */
ANPR_MUST_CHECK anpr_err anpr_config_load_file(anpr_config *c, const char *path, char *diag, size_t diag_len);

/* As anpr_config_load_file() for bytes in memory; name stands for the path in messages. */
ANPR_MUST_CHECK anpr_err anpr_config_load_buffer(anpr_config *c, const char *name, const char *data,
						 size_t len, char *diag, size_t diag_len);

/*
 * Sets one key from text, "section.name" and a value as it would be written
 * in a file, validated like a file line; origin names where it came from
 * ("command line"). Errors as anpr_config_load_file().
 */
ANPR_MUST_CHECK anpr_err anpr_config_set(anpr_config *c, const char *dotted_key, const char *value,
					 const char *origin, char *diag, size_t diag_len);

/* Index of "section.name" in the table, or -1. */
int anpr_config_find(const anpr_config *c, const char *dotted_key);

/*
 * Typed getters by table index. Asking for a key of another type is a
 * programmer error (assert). ENUM keys read as strings or as the index of
 * the choice. Returned strings live until the key is set again.
 */
int64_t anpr_config_int(const anpr_config *c, size_t key);
double anpr_config_real(const anpr_config *c, size_t key);
bool anpr_config_bool(const anpr_config *c, size_t key);
const char *anpr_config_str(const anpr_config *c, size_t key);
int anpr_config_enum(const anpr_config *c, size_t key);

/* Where the value came from: "default" or "path:line". */
const char *anpr_config_origin(const anpr_config *c, size_t key);

/* Writes the value in file syntax into buf (quoted when a string needs it). */
void anpr_config_format_value(const anpr_config *c, size_t key, char *buf, size_t len);

/* Writes the whole effective configuration as an INI file, each key with its origin. */
void anpr_config_write(const anpr_config *c, FILE *out);

/*
 * Lists keys whose values differ between a and b (same table), one
 * "section.name" per line into out; returns how many differ, counting only
 * non-reloadable keys when only_fixed is set.
 */
size_t anpr_config_diff(const anpr_config *a, const anpr_config *b, bool only_fixed, FILE *out);

/* Writes the Markdown reference of a key table (docs/config.md). */
void anpr_config_write_doc(const anpr_cfg_key *keys, size_t count, FILE *out);

#endif
