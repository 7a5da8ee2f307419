/* SPDX-License-Identifier: MIT */
/* libFuzzer target: plate grammar normalise/classify/rank on lines and strings built from bytes, checking their promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grammar.h"
#include "grammar_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout (missing bytes read as 0):
 *   [0]     bits 0-1 country, bit 2 raw mode (any char and p: may break the contract),
 *           bits 3-7 max guesses (0..31)
 *   [1..4]  time: little-endian u32 times 2 seconds (1970..2242)
 *   [5]     positions (0..16; raw: -2..17)
 *   then per position one byte of alternatives (0..6; raw: -1..7) and two bytes per
 *   alternative (symbol, probability)
 *   the rest: a string for normalise and classify
 */
typedef struct reader {
	const uint8_t *p;
	size_t left;
} reader;

static uint8_t next(reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

static const char symbols[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static bool valid_sym(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Builds the line; returns whether it is inside rank()'s contract. */
static bool build_line(reader *r, bool raw, anpr_ocr_line *l)
{
	bool ok = true;
	uint8_t b = next(r);

	memset(l, 0, sizeof(*l));
	l->n = raw ? (int)(b % 20) - 2 : (int)(b % (ANPR_OCR_MAX_POS + 1));
	if (l->n < 0 || l->n > ANPR_OCR_MAX_POS)
		return false;
	for (int i = 0; i < l->n; i++) {
		anpr_ocr_pos *pos = &l->pos[i];
		b = next(r);
		pos->n = raw ? (int)(b % 9) - 1 : (int)(b % (ANPR_OCR_MAX_ALTS + 1));
		pos->gap_before = (b & 0x80) != 0; /* any value is inside the contract, even on the first */
		pos->height = (b & 0x40) ? 1.5f : (b & 0x20) ? 0.0f : 1.0f;
		if (pos->n < 0 || pos->n > ANPR_OCR_MAX_ALTS)
			return false;
		for (int k = 0; k < pos->n; k++) {
			uint8_t c = next(r), p = next(r);
			if (raw) {
				pos->alt[k].c = (char)c;
				pos->alt[k].p = (float)p / 200.0f; /* 0 and above 1 break the contract */
			} else {
				pos->alt[k].c = symbols[c % 36];
				pos->alt[k].p = (float)(p + 1) / 256.0f;
				/* The top bit: a shape verdict (anpr_ocr_alt.shape_subst), 0 to 1. */
				pos->alt[k].shape_subst = c & 0x80 ? (float)(c & 0x3f) / 63.0f : 0.0f;
			}
			if (!valid_sym(pos->alt[k].c) || !(pos->alt[k].p > 0.0f && pos->alt[k].p <= 1.0f))
				ok = false;
		}
	}
	return ok;
}

static void check_guesses(const anpr_plate_guess *g, size_t n, size_t max, anpr_country country, time_t now)
{
	double sum = 0.0;

	if (n > max || n > 32)
		abort();
	for (size_t i = 0; i < n; i++) {
		char norm[ANPR_VRM_BUF];
		size_t len = strnlen(g[i].text, sizeof(g[i].text));
		if (len == 0 || len > ANPR_VRM_MAX)
			abort();
		if (!anpr_grammar_normalise(g[i].text, norm) || strcmp(norm, g[i].text) != 0)
			abort();
		if (g[i].format == ANPR_FMT_NONE ||
		    anpr_grammar_classify_at(g[i].text, country, now) != g[i].format)
			abort();
		if (country != ANPR_COUNTRY_AUTO && anpr_plate_format_country(g[i].format) != country)
			abort();
		if (!(g[i].score > 0.0f && g[i].score <= 1.0f) || !(g[i].plate >= 0.0f && g[i].plate <= 1.0f))
			abort();
		/* Only a UK mark can be other text in disguise; every other reading keeps 1. */
		if (anpr_plate_format_country(g[i].format) != ANPR_COUNTRY_UK && g[i].plate != 1.0f)
			abort();
		if (i > 0 && g[i].score > g[i - 1].score)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(g[i].text, g[j].text) == 0)
				abort();
		sum += (double)g[i].score;
	}
	if (sum > 1.0 + 1e-4)
		abort();
}

static void fuzz_rank(reader *r, anpr_country country, bool raw, size_t max, time_t now)
{
	anpr_ocr_line line;
	anpr_plate_guess g[32], first[1];
	size_t n = 99, n1 = 99;
	bool ok = build_line(r, raw, &line);
	bool country_ok = country <= ANPR_COUNTRY_US;

	anpr_err err = anpr_grammar_rank_at(&line, country, now, g, max, &n);
	if (err != ((ok && country_ok) ? ANPR_ERR_OK : ANPR_ERR_INVAL))
		abort();
	if (err) {
		if (n != 0)
			abort();
		return;
	}
	check_guesses(g, n, max, country, now);
	/* Asking for one gives the same head. */
	if (anpr_grammar_rank_at(&line, country, now, first, max ? 1 : 0, &n1) != ANPR_ERR_OK)
		abort();
	if (n1 != (n ? 1u : 0u))
		abort();
	if (n1 && (strcmp(first[0].text, g[0].text) != 0 || first[0].score != g[0].score))
		abort();
}

static void fuzz_string(reader *r, time_t now)
{
	char s[65], norm[ANPR_VRM_BUF], again[ANPR_VRM_BUF];
	size_t len = r->left < sizeof(s) - 1 ? r->left : sizeof(s) - 1;

	memcpy(s, r->p, len);
	s[len] = '\0';
	for (int c = ANPR_COUNTRY_AUTO; c <= ANPR_COUNTRY_US; c++)
		(void)anpr_grammar_classify_at(s, (anpr_country)c, now);
	if (!anpr_grammar_normalise(s, norm))
		return;
	size_t nlen = strlen(norm);
	if (nlen == 0 || nlen > ANPR_VRM_MAX)
		abort();
	for (size_t i = 0; i < nlen; i++)
		if (!valid_sym(norm[i]))
			abort();
	if (!anpr_grammar_normalise(norm, again) || strcmp(norm, again) != 0)
		abort();
	/* AUTO finds the most specific format; its own country finds the same one. */
	anpr_plate_format f = anpr_grammar_classify_at(norm, ANPR_COUNTRY_AUTO, now);
	if (f != ANPR_FMT_NONE && anpr_grammar_classify_at(norm, anpr_plate_format_country(f), now) != f)
		abort();
	for (int c = ANPR_COUNTRY_UK; c <= ANPR_COUNTRY_US; c++) {
		anpr_plate_format fc = anpr_grammar_classify_at(norm, (anpr_country)c, now);
		if (fc != ANPR_FMT_NONE && anpr_plate_format_country(fc) != (anpr_country)c)
			abort();
		if (fc != ANPR_FMT_NONE && f == ANPR_FMT_NONE)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader r = { data, size };
	uint8_t head = next(&r);
	uint32_t t = 0;

	for (int i = 0; i < 4; i++)
		t |= (uint32_t)next(&r) << (8 * i);
	time_t now = (time_t)t * 2;
	anpr_country country = (anpr_country)(head & 3);
	bool raw = (head & 4) != 0;
	if (raw && (head & 0xf8) == 0xf8)
		country = (anpr_country)7; /* outside the enum */
	fuzz_rank(&r, country, raw, (size_t)(head >> 3), now);
	fuzz_string(&r, now);
	return 0;
}
