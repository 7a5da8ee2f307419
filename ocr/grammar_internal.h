/* SPDX-License-Identifier: MIT */
/* Internals of the plate grammar that tests reach: classification and ranking at a pinned date. */
#ifndef ANPR_GRAMMAR_INTERNAL_H
#define ANPR_GRAMMAR_INTERNAL_H

#include <time.h>

#include "grammar.h"

/*
 * The earliest time the public functions believe: 2026-08-31T23:00:00Z, which is
 * 1 September 2026 00:00 BST, when "76" was first issued. A camera whose real-time
 * clock is unset (1970) or wrong must not refuse every new registration mark, so
 * anpr_grammar_classify() and anpr_grammar_rank() use max(time(NULL), this).
 * Raise it in later releases; it only ever widens what is accepted.
 */
#define ANPR_GRAMMAR_TIME_FLOOR ((time_t)1788217200)

/*
 * anpr_grammar_classify() with the date given: age identifiers are those issued
 * up to now (UTC; a new identifier counts from 23:00 UTC the evening before
 * 1 March or 1 September, i.e. midnight BST). No floor is applied. Any thread.
 */
anpr_plate_format anpr_grammar_classify_at(const char *vrm, anpr_country country, time_t now);

/* anpr_grammar_rank() with the date given, as anpr_grammar_classify_at(). Any thread. */
ANPR_MUST_CHECK anpr_err anpr_grammar_rank_at(const anpr_ocr_line *line, anpr_country country, time_t now,
					      anpr_plate_guess *out, size_t max, size_t *n);

#endif
