/* SPDX-License-Identifier: MIT */
/* Random, valid UK registration marks of every format in use, with their display spacing. */
#ifndef ANPR_VRM_GEN_H
#define ANPR_VRM_GEN_H

#include <stddef.h>

#include "err.h"
#include "rng.h"

/*
 * The formats, by DVLA's rules (marks issued up to November 2026):
 *
 *   CURRENT   AB12 CDE  2001 on. Memory tag: first letter one of
 *                       ABCDEFGHKLMNOPRSVWY, second not I, Q or Z. Age identifier
 *                       02..26 (March 2002..2026) or 51..76 (September 2001..2026).
 *                       Three random letters, not I or Q.
 *   PREFIX    A123 BCD  1983-2001. Age letter A..Y without I, O, Q, U, Z; serial
 *                       1..999 without leading zero; three letters without I, Q, Z.
 *   SUFFIX    ABC 123D  1963-1983. Three letters without I, Q, Z; serial 1..999;
 *                       age letter as for PREFIX.
 *   DATELESS  AB 1234   before 1963, now cherished: 1-2 letters and 1-4 digits or
 *             1234 AB   3 letters and 1-3 digits, either way round; letters
 *             ABC 123   without I, Q, Z (those are Irish); no leading zero.
 *   NI        ABZ 1234  Northern Ireland: serial letter (not I, Q, Z), a county
 *                       code that contains I or Z, 1..9999.
 *   Q         Q123 ABC  vehicles of undetermined age or identity: Q, 1..999, three
 *                       letters without I, Q, Z.
 *
 * Offensive combinations DVLA withholds are not filtered out.
 */
typedef enum anpr_vrm_gen_format {
	ANPR_VRM_GEN_CURRENT,
	ANPR_VRM_GEN_PREFIX,
	ANPR_VRM_GEN_SUFFIX,
	ANPR_VRM_GEN_DATELESS,
	ANPR_VRM_GEN_NI,
	ANPR_VRM_GEN_Q,
	ANPR_VRM_GEN_FORMATS /* count */
} anpr_vrm_gen_format;

/* Newest age identifiers issued (September 2026: 76; March 2026: 26). Extend each March and September. */
#define ANPR_VRM_GEN_LAST_SEPT 76
#define ANPR_VRM_GEN_LAST_MARCH 26

/* Longest mark in characters (no spaces). */
#define ANPR_VRM_GEN_MAX 7

/* One generated mark. */
typedef struct anpr_vrm_mark {
	char text[ANPR_VRM_GEN_MAX + 1];    /* "AB12CDE": upper case, no spaces */
	char display[ANPR_VRM_GEN_MAX + 2]; /* "AB12 CDE": as printed on the plate */
	int gap;                            /* characters before the group gap; 0 for none */
	anpr_vrm_gen_format format;
} anpr_vrm_mark;

/* Relative weights of the formats (need not sum to 1). */
typedef struct anpr_vrm_gen_mix {
	double weight[ANPR_VRM_GEN_FORMATS];
} anpr_vrm_gen_mix;

/*
 * The roads' mix: 85% current, 8% prefix, 2% suffix, 3% dateless, 1.5% NI,
 * 0.5% Q. Cannot fail; any thread.
 */
void anpr_vrm_gen_mix_default(anpr_vrm_gen_mix *mix);

/*
 * Draws a format from mix (NULL: the default mix) and a mark of that format.
 * Returns ANPR_ERR_INVAL when no weight is positive and finite. Advances
 * *rng; any thread (one per rng).
 */
ANPR_MUST_CHECK anpr_err anpr_vrm_gen_random(anpr_rng *rng, const anpr_vrm_gen_mix *mix, anpr_vrm_mark *out);

/* A random mark of one format. ANPR_ERR_INVAL for an unknown format. */
ANPR_MUST_CHECK anpr_err anpr_vrm_gen_random_format(anpr_rng *rng, anpr_vrm_gen_format format,
						    anpr_vrm_mark *out);

/*
 * Where the group gap goes in text (a mark without spaces) of that format:
 * the number of characters before it, 0 for none. CURRENT after the age
 * identifier (AB12 CDE), PREFIX and Q after the digits (A123 BCD), SUFFIX,
 * DATELESS and NI between the first letters and digits (ABC 123D, 1234 AB,
 * ABZ 1234). Any thread.
 */
int anpr_vrm_gen_gap(const char *text, anpr_vrm_gen_format format);

/*
 * Fills out from text (A-Z, 0-9, at most ANPR_VRM_GEN_MAX, no spaces) and its
 * format, with the display spacing. The rules are not checked: this is for
 * rendering a given mark. ANPR_ERR_INVAL for other input.
 */
ANPR_MUST_CHECK anpr_err anpr_vrm_gen_mark(const char *text, anpr_vrm_gen_format format, anpr_vrm_mark *out);

/* "uk-current", "uk-prefix", "uk-suffix", "uk-dateless", "uk-ni", "uk-q"; "unknown" otherwise. */
const char *anpr_vrm_gen_format_name(anpr_vrm_gen_format format);

/* Parses a name as printed by anpr_vrm_gen_format_name(). ANPR_ERR_INVAL otherwise. */
ANPR_MUST_CHECK anpr_err anpr_vrm_gen_format_parse(const char *name, anpr_vrm_gen_format *out);

#endif
