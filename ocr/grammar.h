/* SPDX-License-Identifier: MIT */
/* Plate grammars: which strings are number plates, and the best plates given per-symbol OCR alternatives. */
#ifndef ANPR_GRAMMAR_H
#define ANPR_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define ANPR_VRM_MAX 10     /* longest normalised registration mark we output */
#define ANPR_VRM_BUF 16     /* buffer size for one, with room to spare */
#define ANPR_OCR_MAX_POS 16 /* symbol positions considered from one line */
#define ANPR_OCR_MAX_ALTS 6 /* alternatives kept per position */

typedef enum anpr_country {
	ANPR_COUNTRY_AUTO,
	ANPR_COUNTRY_UK,
	ANPR_COUNTRY_EU,
	ANPR_COUNTRY_US,
} anpr_country;

typedef enum anpr_plate_format {
	ANPR_FMT_NONE,
	ANPR_FMT_UK_CURRENT,  /* AB12 CDE (2001 on): memory tag, age identifier, random letters */
	ANPR_FMT_UK_PREFIX,   /* A123 BCD (1983-2001) */
	ANPR_FMT_UK_SUFFIX,   /* ABC 123D (1963-1983) */
	ANPR_FMT_UK_DATELESS, /* 1234 AB, AB 1234, ABC 123 ... (before 1963, now cherished) */
	ANPR_FMT_UK_NI,       /* ABZ 1234: Northern Ireland, county code containing I or Z */
	ANPR_FMT_UK_Q,        /* Q123 ABC: vehicles of undetermined age or identity */
	ANPR_FMT_EU,          /* European formats common on UK roads, and a generic fallback */
	ANPR_FMT_US,          /* generic US */
	ANPR_FMT_COUNT_
} anpr_plate_format;

/* "uk-current", "uk-prefix", ..., "eu", "us", "none" (also for values outside the enum). */
const char *anpr_plate_format_name(anpr_plate_format f);

/* The country a format belongs to ("uk", "eu", "us"); ANPR_COUNTRY_AUTO for ANPR_FMT_NONE. */
anpr_country anpr_plate_format_country(anpr_plate_format f);

/* "auto", "uk", "eu", "us"; "unknown" for values outside the enum. */
const char *anpr_country_name(anpr_country c);

/*
 * Parses a country name exactly as printed by anpr_country_name() (lower case).
 * ANPR_ERR_INVAL otherwise, or for NULL; *out is then untouched.
 */
ANPR_MUST_CHECK anpr_err anpr_country_parse(const char *s, anpr_country *out);

/*
 * Normalises text to a VRM: upper case, spaces, hyphens and dots dropped.
 * Returns false (out undefined) for any other character, a result
 * outside 1..ANPR_VRM_MAX characters, or NULL. Any thread.
 */
bool anpr_grammar_normalise(const char *in, char out[ANPR_VRM_BUF]);

/*
 * The most specific format a normalised VRM matches within country (AUTO:
 * any country, UK formats first), or ANPR_FMT_NONE (also for NULL, text that
 * is not normalised, or an unknown country). UK rules are DVLA's: which
 * letters each position may hold and which age identifiers have been issued
 * up to today (a clock set before September 2026 counts as September 2026,
 * so that an unset clock does not refuse new marks). Any thread.
 */
anpr_plate_format anpr_grammar_classify(const char *vrm, anpr_country country);

#define ANPR_LOOKALIKES_MAX 3

/*
 * The symbols the grammar may read plate symbol c as where c itself cannot
 * stand (0 as O, 6 as G, D as 0), up to ANPR_LOOKALIKES_MAX into to, NUL
 * terminated; returns their count (0 for none or anything not a plate
 * symbol). Any thread.
 */
int anpr_grammar_lookalikes(char c, char to[ANPR_LOOKALIKES_MAX + 1]);

/* One recognised symbol position: alternatives, most likely first, p in (0, 1]. */
typedef struct anpr_ocr_alt {
	char c; /* 'A'-'Z' or '0'-'9' */
	float p;
	/*
	 * What the glyph's own shape (glyph_shape.h) leaves of reading this
	 * symbol as one of its look-alikes (anpr_grammar_lookalikes()), in
	 * [0, 1]: a glyph plainly a 6 is hardly a G. 0: no verdict, the
	 * look-alikes as usual.
	 */
	float shape_subst;
} anpr_ocr_alt;

typedef struct anpr_ocr_pos {
	anpr_ocr_alt alt[ANPR_OCR_MAX_ALTS];
	int n;
	bool gap_before; /* a word space separates this symbol from the one before (never on the first) */
	float height;    /* the symbol's height over the line's median (0: unknown); band letters are small */
} anpr_ocr_pos;

typedef struct anpr_ocr_line {
	anpr_ocr_pos pos[ANPR_OCR_MAX_POS];
	int n;
} anpr_ocr_line;

typedef struct anpr_plate_guess {
	char text[ANPR_VRM_BUF];
	float score; /* relative belief in (0, 1]; the guesses of one call sum to at most 1 */
	anpr_plate_format format;
	/*
	 * For a UK mark under country UK or auto: how likely the line is a UK
	 * plate at all rather than other text (a sign, a postcode, livery
	 * lettering) that makes a mark only through look-alikes, in [0, 1]. 1
	 * for other formats and countries, whose fallbacks accept nearly any text.
	 */
	float plate;
} anpr_plate_guess;

/*
 * Ranks the readings of line under country's grammars. Each position takes
 * one of its alternatives, or a look-alike from the confusion table (0/O/D/Q,
 * 1/I/T, 5/S, 8/B, 2/Z, 6/G, 4/A, 7/T) at a penalty, where the format needs
 * a letter or a digit there, or forbids that letter there (Q read where
 * only O may be); up to two stray symbols at either end may be
 * dropped at a penalty (plate edges, screws, country bands). The joined text
 * must match a format. Scores multiply symbol probabilities, substitution and
 * drop penalties, a penalty for each space (gap_before) where the format's
 * layout has none or none where it has one, and the format's prior
 * (alternatives with p below 1e-6 count as 1e-6); a text's score sums every
 * reading that spells it, and is normalised over every grammar-valid reading
 * of the line and every reading of a named format with one or two symbols the
 * OCR missed, so the scores of all possible texts sum to at most 1 (a line
 * too short for any UK mark scores low however clean). A UK mark also gets
 * its share of being a plate at all (anpr_plate_guess.plate). Writes up to
 * max guesses (at most 32 however large max is), best first, without
 * duplicate texts; *n is how many (0 when nothing matches). out may be NULL
 * when max is 0. ANPR_ERR_INVAL (and *n 0) for NULL line or n, NULL out
 * with max > 0, an unknown country, or a line outside the types' contract
 * (n outside 0..ANPR_OCR_MAX_POS or 0..ANPR_OCR_MAX_ALTS, c not 'A'-'Z' or
 * '0'-'9', p not in (0, 1], shape_subst not in [0, 1]). Uses about 28 KiB
 * of stack and allocates nothing. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_grammar_rank(const anpr_ocr_line *line, anpr_country country,
					   anpr_plate_guess *out, size_t max, size_t *n);

#endif
