/* SPDX-License-Identifier: MIT */
/* Plate grammar: formats and their forbidden letters, age identifiers by date, and ranking OCR alternatives. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "grammar.h"
#include "grammar_internal.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

enum { NONE = ANPR_FMT_NONE, CUR = ANPR_FMT_UK_CURRENT, PRE = ANPR_FMT_UK_PREFIX, SUF = ANPR_FMT_UK_SUFFIX };
enum {
	DL = ANPR_FMT_UK_DATELESS,
	NI = ANPR_FMT_UK_NI,
	Q = ANPR_FMT_UK_Q,
	EU = ANPR_FMT_EU,
	US = ANPR_FMT_US
};
enum { AUTO = ANPR_COUNTRY_AUTO, UK = ANPR_COUNTRY_UK, C_EU = ANPR_COUNTRY_EU, C_US = ANPR_COUNTRY_US };

/* Seconds since the epoch of a UTC civil time (days-from-civil, no timegm needed). */
static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	y -= mo <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return (time_t)(days * 86400 + h * 3600 + mi * 60 + s);
}

/* The date the classification tables below are written for. */
static time_t today(void)
{
	return utc(2026, 11, 21, 12, 0, 0);
}

/*
 * Builds a line from a compact spec: positions separated by spaces, alternatives by
 * commas, each "C" (p 0.9) or "C:p"; "_" is a position without alternatives; "|"
 * is a word space the OCR saw before the next position; "@h" after a position sets
 * its height over the line's median.
 */
static void make_line(const char *spec, anpr_ocr_line *l)
{
	char buf[512];
	char *save = NULL;
	bool gap = false;

	memset(l, 0, sizeof(*l));
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *tok = strtok_r(buf, " ", &save); tok && l->n < ANPR_OCR_MAX_POS;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "|") == 0) {
			gap = true;
			continue;
		}
		anpr_ocr_pos *p = &l->pos[l->n++];
		char *save2 = NULL;
		char *at = strchr(tok, '@');
		p->gap_before = gap;
		gap = false;
		if (at) {
			*at = '\0';
			p->height = strtof(at + 1, NULL);
		}
		if (strcmp(tok, "_") == 0)
			continue;
		for (char *a = strtok_r(tok, ",", &save2); a && p->n < ANPR_OCR_MAX_ALTS;
		     a = strtok_r(NULL, ",", &save2)) {
			p->alt[p->n].c = a[0];
			p->alt[p->n].p = a[1] == ':' ? strtof(a + 2, NULL) : 0.9f;
			p->n++;
		}
	}
}

/* A line reading text cleanly, every symbol at probability p. */
static void clean_line(const char *text, float p, anpr_ocr_line *l)
{
	memset(l, 0, sizeof(*l));
	for (; *text && l->n < ANPR_OCR_MAX_POS; text++) {
		anpr_ocr_pos *pos = &l->pos[l->n++];
		pos->alt[0].c = *text;
		pos->alt[0].p = p;
		pos->n = 1;
	}
}

/* Checks what every successful rank() promises; returns false (and reports) when one fails. */
static bool guesses_sane(const anpr_plate_guess *g, size_t n, anpr_country country, time_t now)
{
	double sum = 0.0;
	bool ok = true;

	for (size_t i = 0; i < n; i++) {
		char norm[ANPR_VRM_BUF];
		anpr_plate_format f = anpr_grammar_classify_at(g[i].text, country, now);
		sum += (double)g[i].score;
		if (!(g[i].score > 0.0f && g[i].score <= 1.0f) ||
		    !(g[i].plate >= 0.0f && g[i].plate <= 1.0f) || (i > 0 && g[i].score > g[i - 1].score))
			ok = false;
		if (f == ANPR_FMT_NONE || f != g[i].format || !anpr_grammar_normalise(g[i].text, norm) ||
		    strcmp(norm, g[i].text) != 0)
			ok = false;
		if (country != ANPR_COUNTRY_AUTO && anpr_plate_format_country(g[i].format) != country)
			ok = false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(g[i].text, g[j].text) == 0)
				ok = false;
	}
	if (sum > 1.0 + 1e-4)
		ok = false;
	if (!ok) {
		fprintf(stderr, "insane guesses:\n");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s %g %s\n", g[i].text, (double)g[i].score,
				anpr_plate_format_name(g[i].format));
	}
	return ok;
}

/* Ranks at a pinned date, checks the general promises, returns the count. */
static size_t rank(const anpr_ocr_line *l, anpr_country country, time_t now, anpr_plate_guess *g, size_t max)
{
	size_t n = 99;

	CHECK_INT(anpr_grammar_rank_at(l, country, now, g, max, &n), ANPR_ERR_OK);
	CHECK(n <= max);
	if (n > max)
		n = 0;
	CHECK(guesses_sane(g, n, country, now));
	return n;
}

/* ---- names ---- */

static void test_names(void)
{
	static const struct {
		anpr_plate_format f;
		const char *name;
		anpr_country country;
	} formats[] = {
		{ ANPR_FMT_NONE, "none", ANPR_COUNTRY_AUTO },
		{ ANPR_FMT_UK_CURRENT, "uk-current", ANPR_COUNTRY_UK },
		{ ANPR_FMT_UK_PREFIX, "uk-prefix", ANPR_COUNTRY_UK },
		{ ANPR_FMT_UK_SUFFIX, "uk-suffix", ANPR_COUNTRY_UK },
		{ ANPR_FMT_UK_DATELESS, "uk-dateless", ANPR_COUNTRY_UK },
		{ ANPR_FMT_UK_NI, "uk-ni", ANPR_COUNTRY_UK },
		{ ANPR_FMT_UK_Q, "uk-q", ANPR_COUNTRY_UK },
		{ ANPR_FMT_EU, "eu", ANPR_COUNTRY_EU },
		{ ANPR_FMT_US, "us", ANPR_COUNTRY_US },
	};
	CHECK_INT(N_OF(formats), ANPR_FMT_COUNT_);
	for (size_t i = 0; i < N_OF(formats); i++) {
		CHECK_STR(anpr_plate_format_name(formats[i].f), formats[i].name);
		CHECK_INT(anpr_plate_format_country(formats[i].f), formats[i].country);
	}
	CHECK_STR(anpr_plate_format_name(ANPR_FMT_COUNT_), "none");
	CHECK_STR(anpr_plate_format_name((anpr_plate_format)-1), "none");
	CHECK_INT(anpr_plate_format_country((anpr_plate_format)99), ANPR_COUNTRY_AUTO);

	static const struct {
		anpr_country c;
		const char *name;
	} countries[] = {
		{ ANPR_COUNTRY_AUTO, "auto" },
		{ ANPR_COUNTRY_UK, "uk" },
		{ ANPR_COUNTRY_EU, "eu" },
		{ ANPR_COUNTRY_US, "us" },
	};
	for (size_t i = 0; i < N_OF(countries); i++) {
		anpr_country c = (anpr_country)99;
		CHECK_STR(anpr_country_name(countries[i].c), countries[i].name);
		CHECK_INT(anpr_country_parse(countries[i].name, &c), ANPR_ERR_OK);
		CHECK_INT(c, countries[i].c);
	}
	CHECK_STR(anpr_country_name((anpr_country)42), "unknown");

	static const char *const bad[] = { "", "UK", "gb", "uk ", " uk", "unknown", "europe", "a" };
	for (size_t i = 0; i < N_OF(bad); i++) {
		anpr_country c = ANPR_COUNTRY_US;
		CHECK_INT(anpr_country_parse(bad[i], &c), ANPR_ERR_INVAL);
		CHECK_INT(c, ANPR_COUNTRY_US); /* untouched on error */
	}
	anpr_country c;
	CHECK_INT(anpr_country_parse(NULL, &c), ANPR_ERR_INVAL);
	CHECK_INT(anpr_country_parse("uk", NULL), ANPR_ERR_INVAL);
}

/* ---- normalise ---- */

static void test_normalise(void)
{
	static const struct {
		const char *in;
		const char *out; /* NULL: rejected */
	} cases[] = {
		{ "AB12CDE", "AB12CDE" },
		{ "ab12 cde", "AB12CDE" },
		{ " AB12-CDE. ", "AB12CDE" },
		{ "a.b-1 2", "AB12" },
		{ "1", "1" },
		{ "ABCDEFGHIJ", "ABCDEFGHIJ" },
		{ "ABCDE FGHIJ", "ABCDEFGHIJ" },
		{ "ABCDEFGHIJK", NULL },
		{ "", NULL },
		{ "   ", NULL },
		{ "-.-", NULL },
		{ "AB12_CDE", NULL },
		{ "AB12\tCDE", NULL },
		{ "AB12\nCDE", NULL },
		{ "AB12/CDE", NULL },
		{ "\xc3\x84"
		  "B12CDE",
		  NULL },
		{ "AB12CDE\x7f", NULL },
	};
	for (size_t i = 0; i < N_OF(cases); i++) {
		char out[ANPR_VRM_BUF];
		bool ok = anpr_grammar_normalise(cases[i].in, out);
		CHECK_INT(ok, cases[i].out != NULL);
		if (ok && cases[i].out)
			CHECK_STR(out, cases[i].out);
	}
	char out[ANPR_VRM_BUF];
	CHECK(!anpr_grammar_normalise(NULL, out));

	/* A long input of separators around a short mark is fine: only kept symbols count. */
	char long_in[200];
	memset(long_in, ' ', sizeof(long_in));
	memcpy(long_in + 150, "ab12cde", 7);
	long_in[sizeof(long_in) - 1] = '\0';
	CHECK(anpr_grammar_normalise(long_in, out));
	CHECK_STR(out, "AB12CDE");
}

/* ---- classify ---- */

typedef struct classify_case {
	const char *vrm;
	int country;
	int want;
} classify_case;

/* Valid and invalid marks of every format, at today(): 26 and 76 are the latest identifiers. */
static const classify_case classify_cases[] = {
	/* Current: region, tag, age identifier, random letters. */
	{ "AB12CDE", UK, CUR },
	{ "AB12CDE", AUTO, CUR },
	{ "AB02CDE", UK, CUR },
	{ "AB51CDE", UK, CUR },
	{ "AB26CDE", UK, CUR },
	{ "AB76CDE", UK, CUR },
	{ "YY99ZZZ", UK, NONE }, /* 99 not until Sept 2049 */
	{ "OA12CDE", UK, CUR },  /* O is a region (Oxford) */
	{ "AO12CDE", UK, CUR },
	{ "AB12ZZZ", UK, CUR }, /* Z is a random letter */
	{ "AB12OOO", UK, CUR },
	{ "AB27CDE", UK, NONE }, /* not yet issued */
	{ "AB77CDE", UK, NONE },
	{ "AB00CDE", UK, NONE },
	{ "AB01CDE", UK, NONE }, /* never issued: the scheme began with 51 */
	{ "AB50CDE", UK, NONE },
	{ "AB99CDE", UK, NONE },
	{ "IA12CDE", UK, NONE }, /* regions exclude I, J, Q, T, U, X, Z */
	{ "JA12CDE", UK, NONE },
	{ "QA12CDE", UK, NONE },
	{ "TA12CDE", UK, NONE },
	{ "UA12CDE", UK, NONE },
	{ "XA12CDE", UK, NONE },
	{ "ZA12CDE", UK, NONE },
	{ "AI12CDE", UK, NONE }, /* tags exclude I, Q, Z */
	{ "AQ12CDE", UK, NONE },
	{ "AZ12CDE", UK, NONE },
	{ "AB12IDE", UK, NONE }, /* random letters exclude I and Q */
	{ "AB12CQE", UK, NONE },
	{ "AB12CDI", UK, NONE },
	{ "A812CDE", UK, PRE }, /* a digit in a letter position is another format, or none */
	{ "AB1ACDE", UK, NONE },
	{ "AB12CD5", UK, NONE },
	{ "AB27CDE", AUTO, EU }, /* AUTO: not UK (yet), but the Romanian layout */
	/* Prefix: year letter, 1-3 digits without a leading zero, three letters. */
	{ "A1BCD", UK, PRE },
	{ "A12BCD", UK, PRE },
	{ "A123BCD", UK, PRE },
	{ "Y999XYW", UK, PRE },
	{ "A0BCD", UK, NONE },
	{ "A012BCD", UK, NONE },
	{ "A1234BC", UK, NONE },
	{ "I123BCD", UK, NONE }, /* year letters exclude I, O, Q, U, Z */
	{ "O123BCD", UK, NONE },
	{ "U123BCD", UK, NONE },
	{ "Z123BCD", UK, NONE },
	{ "Q123BCD", UK, Q },    /* Q in front is a Q mark */
	{ "A123ICD", UK, NONE }, /* GB letter groups exclude I, Q, Z */
	{ "A123BQD", UK, NONE },
	{ "A123BCZ", UK, NONE },
	{ "B123ABC", AUTO, PRE }, /* also Romanian: the UK format is the more specific */
	{ "B123ABC", C_EU, EU },
	/* Suffix: three letters, 1-3 digits, year letter. */
	{ "ABC1D", UK, SUF },
	{ "ABC12D", UK, SUF },
	{ "ABC123D", UK, SUF },
	{ "XYZ123Y", UK, NONE }, /* Z in the letter group */
	{ "XYW123Y", UK, SUF },
	{ "ABC123I", UK, NONE },
	{ "ABC123O", UK, NONE },
	{ "ABC123Q", UK, NONE },
	{ "ABC123U", UK, NONE },
	{ "ABC123Z", UK, NONE },
	{ "ABC012D", UK, NONE },
	{ "AIC123D", UK, NONE },
	{ "ABC1234D", UK, NONE },
	/* Q marks. */
	{ "Q1ABC", UK, Q },
	{ "Q12ABC", UK, Q },
	{ "Q123ABC", UK, Q },
	{ "Q0ABC", UK, NONE },
	{ "Q012ABC", UK, NONE },
	{ "Q123AIC", UK, NONE },
	{ "Q123AB", UK, NONE },
	/* Northern Ireland: optional serial letter, county code with I or Z, 1-4 digits. */
	{ "AZ1", UK, NI },
	{ "AZ1234", UK, NI },
	{ "ABZ1234", UK, NI },
	{ "VZ9999", UK, NI },
	{ "IA1", UK, NI },
	{ "AIW1", UK, NI },
	{ "XI9999", UK, NI },
	{ "KJI12", UK, NI },
	{ "IG5", UK, NI },
	{ "QZ12", UK, NONE }, /* not a county code */
	{ "IZ12", UK, NONE }, /* Mayo, in the Republic */
	{ "ZZ12", UK, NONE },
	{ "IC12", UK, NONE },
	{ "ABZ0123", UK, NONE },
	{ "ABZ12345", UK, NONE },
	{ "IBZ12", UK, NONE }, /* serial letters exclude I */
	{ "ABCZ12", UK, NONE },
	{ "ABZ", UK, NONE },
	{ "1234ABZ", UK, NONE },
	/* Dateless: 1-4 digits and 1-3 letters, either order, no leading zero. */
	{ "1A", UK, DL },
	{ "A1", UK, DL },
	{ "1ABC", UK, DL },
	{ "9999ABC", UK, DL },
	{ "ABC9999", UK, DL },
	{ "AB1", UK, DL },
	{ "AB1", AUTO, DL },
	{ "0A", UK, NONE },
	{ "A0", UK, NONE },
	{ "A01", UK, NONE },
	{ "12345A", UK, NONE },
	{ "A12345", UK, NONE },
	{ "ABCD1", UK, NONE },
	{ "1ABCD", UK, NONE },
	{ "1AI", UK, NONE },
	{ "1A1", UK, NONE },
	{ "AZ1", AUTO, NI }, /* looks dateless; NI is the more specific */
	/* European. */
	{ "BA123AB", AUTO, EU },
	{ "BA123AB", C_EU, EU },
	{ "BA123AB", UK, NONE },
	{ "BA123AB", C_US, US },
	{ "1AB2345", C_EU, EU },
	{ "1A23456", C_EU, EU },
	{ "BAB1234", C_EU, EU },
	{ "MAB123E", C_EU, EU },
	{ "12D12345", AUTO, EU },
	{ "131D1", AUTO, EU },
	{ "1234BCD", AUTO, DL }, /* Spanish, and also a valid UK dateless mark */
	{ "1234BCD", C_EU, EU },
	{ "AB123CD", AUTO, EU },
	{ "AB12ABC", AUTO, CUR },
	{ "AB12ABC", C_EU, EU },
	{ "12BXF3", C_EU, EU },
	{ "WA12345", C_EU, EU },
	{ "AB1C2D3E", C_EU, EU }, /* generic: 8 symbols, letters and digits */
	{ "ABCDEF", C_EU, NONE },
	{ "123456", C_EU, NONE },
	{ "A1", C_EU, NONE },
	{ "AB1C2D3E4", C_EU, NONE },
	/* US. */
	{ "ABCD", AUTO, US },
	{ "12", AUTO, US },
	{ "7ABC123", C_US, US },
	{ "7ABC123", AUTO, EU },
	{ "ABC", AUTO, NONE },
	{ "A", AUTO, NONE },
	{ "ABCDEFGH", AUTO, NONE },
	{ "ABCDEFGH", C_US, NONE },
	{ "0SG719", C_US, US },
	{ "OSG719", C_US, NONE }, /* no US series issues the letter O */
	/* Not normalised, or not a mark at all. */
	{ "", AUTO, NONE },
	{ "ab12cde", AUTO, NONE },
	{ "AB12 CDE", AUTO, NONE },
	{ "AB-12", AUTO, NONE },
	{ "ABCDEFGHIJK", AUTO, NONE },
	{ "AB12CDE", 42, NONE },
};

static void test_classify(void)
{
	for (size_t i = 0; i < N_OF(classify_cases); i++) {
		const classify_case *c = &classify_cases[i];
		anpr_plate_format got = anpr_grammar_classify_at(c->vrm, (anpr_country)c->country, today());
		if ((int)got != c->want)
			fprintf(stderr, "classify %s in %s: got %s, want %s\n", c->vrm,
				anpr_country_name((anpr_country)c->country), anpr_plate_format_name(got),
				anpr_plate_format_name((anpr_plate_format)c->want));
		CHECK_INT(got, c->want);
		/* A match under AUTO is the same match within its own country. */
		if (c->country == AUTO && got != ANPR_FMT_NONE)
			CHECK_INT(anpr_grammar_classify_at(c->vrm, anpr_plate_format_country(got), today()),
				  got);
	}
	CHECK_INT(anpr_grammar_classify_at(NULL, ANPR_COUNTRY_AUTO, today()), ANPR_FMT_NONE);
	CHECK_INT(anpr_grammar_classify(NULL, ANPR_COUNTRY_UK), ANPR_FMT_NONE);
}

/* Age identifiers appear on the day they may first be used, and not before. */
static void test_age_by_date(void)
{
	static const struct {
		const char *vrm;
		int y, mo, d, h, mi, s;
		int want;
	} cases[] = {
		{ "AB51CDE", 2001, 8, 31, 12, 0, 0, NONE }, { "AB51CDE", 2001, 9, 1, 0, 0, 0, CUR },
		{ "AB02CDE", 2001, 12, 1, 0, 0, 0, NONE },  { "AB02CDE", 2002, 3, 1, 0, 0, 0, CUR },
		{ "AB26CDE", 2026, 2, 28, 12, 0, 0, NONE }, { "AB26CDE", 2026, 2, 28, 22, 59, 59, NONE },
		{ "AB26CDE", 2026, 2, 28, 23, 0, 0, CUR }, /* the hour of slack for UK civil time */
		{ "AB26CDE", 2026, 3, 1, 0, 0, 0, CUR },    { "AB76CDE", 2026, 8, 31, 22, 59, 59, NONE },
		{ "AB76CDE", 2026, 8, 31, 23, 0, 0, CUR }, /* 1 September 00:00 BST */
		{ "AB76CDE", 2026, 9, 1, 12, 0, 0, CUR },   { "AB25CDE", 2026, 2, 1, 0, 0, 0, CUR },
		{ "AB75CDE", 2026, 2, 1, 0, 0, 0, CUR },    { "AB27CDE", 2027, 2, 27, 0, 0, 0, NONE },
		{ "AB27CDE", 2027, 3, 1, 0, 0, 0, CUR },    { "AB77CDE", 2027, 3, 1, 0, 0, 0, NONE },
		{ "AB77CDE", 2027, 9, 1, 0, 0, 0, CUR },    { "AB99CDE", 2049, 9, 1, 0, 0, 0, CUR },
		{ "AB50CDE", 2050, 2, 1, 0, 0, 0, NONE },   { "AB50CDE", 2050, 3, 1, 0, 0, 0, CUR },
		{ "AB00CDE", 2050, 8, 1, 0, 0, 0, NONE },   { "AB00CDE", 2050, 9, 1, 0, 0, 0, CUR },
		{ "AB12CDE", 1970, 1, 1, 0, 0, 0, NONE },   { "AB12CDE", 2000, 6, 1, 0, 0, 0, NONE },
	};
	for (size_t i = 0; i < N_OF(cases); i++) {
		time_t t = utc(cases[i].y, cases[i].mo, cases[i].d, cases[i].h, cases[i].mi, cases[i].s);
		anpr_plate_format got = anpr_grammar_classify_at(cases[i].vrm, ANPR_COUNTRY_UK, t);
		if ((int)got != cases[i].want)
			fprintf(stderr, "%s at %04d-%02d-%02d %02d:%02d:%02d: got %s\n", cases[i].vrm,
				cases[i].y, cases[i].mo, cases[i].d, cases[i].h, cases[i].mi, cases[i].s,
				anpr_plate_format_name(got));
		CHECK_INT(got, cases[i].want);
	}
	/* Other formats do not depend on the date. */
	CHECK_INT(anpr_grammar_classify_at("A123BCD", ANPR_COUNTRY_UK, 0), ANPR_FMT_UK_PREFIX);
	/* Absurd times do not crash. */
	CHECK_INT(anpr_grammar_classify_at("AB12CDE", ANPR_COUNTRY_UK, (time_t)-86400 * 365 * 100),
		  ANPR_FMT_NONE);
	CHECK_INT(anpr_grammar_classify_at("AB12CDE", ANPR_COUNTRY_UK, (time_t)INT64_MAX),
		  ANPR_FMT_UK_CURRENT);
	/* The public call never believes a clock before the floor: an unset RTC still reads new plates. */
	CHECK_INT(anpr_grammar_classify("AB76CDE", ANPR_COUNTRY_UK), ANPR_FMT_UK_CURRENT);
	CHECK_INT(anpr_grammar_classify("AB12CDE", ANPR_COUNTRY_AUTO), ANPR_FMT_UK_CURRENT);
	CHECK_INT(anpr_grammar_classify_at("AB76CDE", ANPR_COUNTRY_UK, ANPR_GRAMMAR_TIME_FLOOR),
		  ANPR_FMT_UK_CURRENT);
	CHECK_INT(anpr_grammar_classify_at("AB76CDE", ANPR_COUNTRY_UK, ANPR_GRAMMAR_TIME_FLOOR - 1),
		  ANPR_FMT_NONE);
}

/* ---- rank ---- */

typedef struct rank_case {
	const char *what;
	const char *line;
	int country;
	const char *top;
	int format;
} rank_case;

/* Lines and the reading that must come first. */
static const rank_case rank_cases[] = {
	{ "clean current", "A B 1 2 C D E", AUTO, "AB12CDE", CUR },
	{ "clean current, UK only", "A B 1 2 C D E", UK, "AB12CDE", CUR },
	/* Look-alikes at digit positions of AB12CDE. */
	{ "O read for 0", "A B 1 O C D E", AUTO, "AB10CDE", CUR },
	{ "I read for 1", "A B I 2 C D E", AUTO, "AB12CDE", CUR },
	{ "S read for 5", "A B 1 S C D E", AUTO, "AB15CDE", CUR },
	{ "B read for 8", "A B 1 B C D E", AUTO, "AB18CDE", CUR },
	{ "Z read for 2", "A B Z 2 C D E", AUTO, "AB22CDE", CUR },
	{ "G read for 6", "A B 1 G C D E", AUTO, "AB16CDE", CUR },
	/* And at letter positions. */
	{ "0 read for O", "A B 1 2 C 0 E", AUTO, "AB12COE", CUR },
	{ "0 read for O (region)", "0 X 1 2 C D E", AUTO, "OX12CDE", CUR },
	{ "5 read for S", "A B 1 2 C 5 E", AUTO, "AB12CSE", CUR },
	{ "8 read for B, B the second alternative", "A 8:0.7,B:0.25 1 2 | C D E", AUTO, "AB12CDE", CUR },
	/* A sure 8 where a prefix mark fits is read as it is: A812 CDE, not AB12 CDE. */
	{ "8 where a prefix mark fits", "A 8 1 2 | C D E", AUTO, "A812CDE", PRE },
	{ "2 read for Z", "A B 1 2 C D 2", AUTO, "AB12CDZ", CUR },
	{ "6 read for G", "A B 1 2 C 6 E", AUTO, "AB12CGE", CUR },
	{ "1 read for I (NI code IA)", "1 A 1 2 3 4", AUTO, "IA1234", NI },
	/* The right symbol only as the second alternative. */
	{ "second alternative digit", "A B 1 O:0.6,0:0.35 C D E", AUTO, "AB10CDE", CUR },
	{ "second alternative letter", "A B 1 2 C 0:0.6,O:0.35 E", AUTO, "AB12COE", CUR },
	{ "second alternative age", "A B 2 7:0.6,1:0.3 C D E", UK, "AB21CDE", CUR },
	/* Stray symbols at the ends. */
	{ "stray at start", "I A B 1 2 C D E", AUTO, "AB12CDE", CUR },
	{ "stray at end", "A B 1 2 C D E 1", AUTO, "AB12CDE", CUR },
	{ "two strays each end", "I 1 A B 1 2 C D E 1 I", AUTO, "AB12CDE", CUR },
	{ "doubtful strays", "K:0.2 A B 1 2 C D E L:0.3", UK, "AB12CDE", CUR },
	{ "empty end positions", "_ A B 1 2 C D E _", AUTO, "AB12CDE", CUR },
	/* Other formats. */
	{ "prefix", "A 1 2 3 B C D", AUTO, "A123BCD", PRE },
	{ "prefix, O read for 0", "A 1 O 3 B C D", UK, "A103BCD", PRE },
	{ "suffix", "A B C 1 2 3 D", AUTO, "ABC123D", SUF },
	{ "northern ireland", "A B Z 1 2 3 4", AUTO, "ABZ1234", NI },
	{ "dateless", "1 A B C", AUTO, "1ABC", DL },
	{ "q mark", "Q 1 2 3 A B C", AUTO, "Q123ABC", Q },
	{ "slovak", "B A 1 2 3 A B", AUTO, "BA123AB", EU },
	{ "slovak, EU only", "B A 1 2 3 A B", C_EU, "BA123AB", EU },
	{ "spanish", "1 2 3 4 B C D", C_EU, "1234BCD", EU },
	{ "spanish under AUTO is also UK dateless", "1 2 3 4 B C D", AUTO, "1234BCD", DL },
	{ "us vanity", "A B C D", C_US, "ABCD", US },
	{ "us: O read for 0", "O S G 7 1 9", C_US, "0SG719", US },
	{ "us: O among letters", "H L O K T Y 1", C_US, "HL0KTY1", US },
	/* Spaces tell layouts apart: French BH-552-EH against UK BH55 ZEH. */
	{ "french spacing", "B H | 5 5 2 | E H", AUTO, "BH552EH", EU },
	{ "italian spacing", "B H | 5 5 2 E H", AUTO, "BH552EH", EU },
	{ "uk spacing, 2 read for Z", "B H 5 5 | 2 E H", AUTO, "BH55ZEH", CUR },
	{ "prefix spacing", "A 1 2 3 | B C D", AUTO, "A123BCD", PRE },
	{ "suffix spacing", "A B C | 1 2 3 D", AUTO, "ABC123D", SUF },
	/* Irish: a real county code, and 1/I, 2/Z doubts at the year settled by it (not Czech). */
	{ "irish, dublin", "1 1 D 3 1 0 3", AUTO, "11D3103", EU },
	{ "irish, 1 or I after the year", "1 1:0.5,I:0.45 D 3 1 0 3", AUTO, "11D3103", EU },
	{ "irish, 2 or Z after the year", "2 2:0.5,Z:0.45 W 1 2 1 6", AUTO, "22W1216", EU },
	{ "irish, two-letter county", "1 5 1 K K 4 0 2", AUTO, "151KK402", EU },
	/* A 0 with its right side hidden reads as C; an Irish serial holds digits only. */
	{ "irish, C read for 0 in the serial", "1 8 | T | 4 9 5 C", AUTO, "18T4950", EU },
	/* A C where a letter may stand stays a C. */
	{ "C kept where a letter stands", "A B 1 2 C D E", AUTO, "AB12CDE", CUR },
};

static void test_rank_cases(void)
{
	for (size_t i = 0; i < N_OF(rank_cases); i++) {
		const rank_case *rc = &rank_cases[i];
		anpr_ocr_line l;
		anpr_plate_guess g[8];
		make_line(rc->line, &l);
		size_t n = rank(&l, (anpr_country)rc->country, today(), g, N_OF(g));
		CHECK(n > 0);
		if (n == 0)
			continue;
		if (strcmp(g[0].text, rc->top) != 0 || (int)g[0].format != rc->format)
			fprintf(stderr, "rank %s: got %s (%s, %g), want %s\n", rc->what, g[0].text,
				anpr_plate_format_name(g[0].format), (double)g[0].score, rc->top);
		CHECK_STR(g[0].text, rc->top);
		CHECK_INT(g[0].format, rc->format);
	}
}

/*
 * A line a symbol or two short of a UK mark fits only the generic European
 * layouts; the chance that the OCR missed a glyph keeps its score low, while
 * the whole mark stays sure. A missed glyph often leaves a space behind.
 */
static void test_rank_missed(void)
{
	static const char *const short_lines[] = { "R G 6 5 | Y B", "Y L 1 3 | S | G", "R G 6 | Y B" };
	anpr_ocr_line l;
	anpr_plate_guess g[8];

	for (size_t i = 0; i < N_OF(short_lines); i++) {
		make_line(short_lines[i], &l);
		size_t n = rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g));
		CHECK(n == 0 || g[0].score < 0.5f);
	}
	make_line("R G 6 5 | Y B Z", &l);
	CHECK(rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g)) > 0);
	CHECK(g[0].score > 0.9f);
	CHECK_STR(g[0].text, "RG65YBZ");
}

/* The best guess for text read cleanly (every symbol at 0.99) under country; text "" when none (which fails). */
static anpr_plate_guess best_clean(const char *text, anpr_country country)
{
	anpr_ocr_line l;
	anpr_plate_guess g[8];

	clean_line(text, 0.99f, &l);
	size_t n = rank(&l, country, today(), g, N_OF(g));
	CHECK(n > 0);
	if (n == 0)
		memset(&g[0], 0, sizeof(g[0]));
	return g[0];
}

/* Read cleanly in EU mode, every guess for text keeps a plate share of 1: the fallbacks accept nearly anything. */
static void check_foreign_shares(const char *text)
{
	anpr_ocr_line l;
	anpr_plate_guess g[8];

	clean_line(text, 0.99f, &l);
	size_t n = rank(&l, ANPR_COUNTRY_EU, today(), g, N_OF(g));
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++)
		CHECK(g[i].plate == 1.0f);
}

/*
 * Text that makes a mark only through look-alikes (a BUS STOP sign: S read
 * as 5 twice) is still ranked as that mark, but its share of being a plate
 * at all is low; the mark itself, read as it is, keeps nearly all of it.
 * European and US readings keep 1: their fallbacks accept nearly any text.
 */
static void test_rank_not_plate(void)
{
	anpr_plate_guess g = best_clean("BUSSTOP", ANPR_COUNTRY_UK);
	CHECK_STR(g.text, "BU55TOP");
	CHECK(g.score > 0.9f);
	CHECK(g.plate < 0.25f);
	CHECK(best_clean("BUSSTOP", ANPR_COUNTRY_AUTO).plate < 0.25f);
	g = best_clean("BU55TOP", ANPR_COUNTRY_UK);
	CHECK_STR(g.text, "BU55TOP");
	CHECK(g.plate > 0.9f);
	/* A rare layout read as it is (a dateless mark) is as much a plate as a current one. */
	g = best_clean("RJB4807", ANPR_COUNTRY_AUTO);
	CHECK_STR(g.text, "RJB4807");
	CHECK(g.plate > 0.9f);
	/* One look-alike that makes no postcode costs less than two (S read 5 inside the random letters). */
	g = best_clean("AB12C5E", ANPR_COUNTRY_UK);
	CHECK_STR(g.text, "AB12CSE");
	CHECK(g.plate > 0.25f && g.plate < 0.75f);
	check_foreign_shares("BUSSTOP");
}

/*
 * A postcode read as it is (a shop sign's OH13 6AA) still ranks as the mark
 * one look-alike away, but is hardly a plate at all; a mark whose random
 * letter the OCR doubts against a digit stays mostly a plate; a line that
 * breaks the postcode's letter rules (the inward code's letters never
 * include C, I, K, M, O or V) is not taken for one.
 */
static void test_rank_postcode(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[8];

	CHECK_STR(best_clean("OH136AA", ANPR_COUNTRY_UK).text, "OH13GAA");
	CHECK(best_clean("OH136AA", ANPR_COUNTRY_UK).plate < 0.3f);
	CHECK(best_clean("OH136AA", ANPR_COUNTRY_AUTO).plate < 0.3f);
	/* Each outward layout: A9, A99, AA9, A9A, AA9A (AA99 above); the best guess stays far from a plate. */
	static const char *const codes[] = { "M14AE", "M604AE", "CR26XH", "W1A1AA", "EC1A1BB" };
	for (size_t i = 0; i < N_OF(codes); i++) {
		clean_line(codes[i], 0.99f, &l);
		if (rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g)) > 0)
			CHECK(g[0].plate < 0.35f);
	}
	/* The mark read as it is, and read with its G doubted against a 6, stays a plate. */
	CHECK(best_clean("OH13GAA", ANPR_COUNTRY_UK).plate > 0.9f);
	make_line("O H 1 3 | G:0.6,6:0.4 A A", &l);
	CHECK(rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g)) > 0);
	CHECK_STR(g[0].text, "OH13GAA");
	CHECK(g[0].plate > 0.5f);
	/* Inward letters a postcode never has: one look-alike, as before postcodes counted. */
	anpr_plate_guess b = best_clean("OH136AC", ANPR_COUNTRY_UK);
	CHECK_STR(b.text, "OH13GAC");
	CHECK(b.plate > 0.25f && b.plate < 0.75f);
	/* Outside the UK nothing changes. */
	check_foreign_shares("OH136AA");
}

/* The score of text among the guesses for spec, or 0. */
static float score_of(const char *spec, const char *text)
{
	anpr_ocr_line l;
	anpr_plate_guess g[32];

	make_line(spec, &l);
	size_t n = rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g));
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].text, text) == 0)
			return g[i].score;
	return 0.0f;
}

/* A first symbol boxed far taller than the glyphs (a country band read as B) is cheap to drop. */
static void test_rank_tall_stray(void)
{
	float plain = score_of("B R J | B 4 8 0 7", "RJB4807");
	float tall = score_of("B@1.45 R J | B 4 8 0 7", "RJB4807");

	CHECK(tall > 5.0f * plain);
	/* A glyph of ordinary height keeps its old cost. */
	CHECK(score_of("B@1.1 R J | B 4 8 0 7", "RJB4807") == plain);
}

static void test_rank_clean(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[10];

	clean_line("AB12CDE", 0.99f, &l);
	size_t n = rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g));
	CHECK(n >= 1);
	CHECK_STR(g[0].text, "AB12CDE");
	CHECK(g[0].score > 0.9f);
	/* Read as it is, the mark leaves little room for other text. */
	CHECK(g[0].plate > 0.9f && g[0].plate <= 1.0f);
	/* Same input, same answer. */
	anpr_plate_guess again[10];
	size_t n2 = rank(&l, ANPR_COUNTRY_AUTO, today(), again, N_OF(again));
	CHECK_INT(n2, n);
	for (size_t i = 0; i < n && i < n2; i++) {
		CHECK_STR(again[i].text, g[i].text);
		CHECK(again[i].score == g[i].score);
		CHECK_INT(again[i].format, g[i].format);
	}
	/* The public call agrees with the pinned one today. */
	size_t n3 = 0;
	CHECK_INT(anpr_grammar_rank(&l, ANPR_COUNTRY_AUTO, again, N_OF(again), &n3), ANPR_ERR_OK);
	CHECK(n3 >= 1);
	CHECK_STR(again[0].text, "AB12CDE");
}

/* Current-format readings never hold letters a position may not have, whatever the OCR says. */
static void test_rank_forbidden_letters(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[32];

	make_line("I:0.5,A:0.4 I:0.5,Q:0.4,B:0.1 1 2 I:0.6,C:0.3 Q:0.6,D:0.3 1:0.6,E:0.3", &l);
	size_t n = rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g));
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		if (g[i].format != ANPR_FMT_UK_CURRENT)
			continue;
		CHECK(g[i].text[0] != 'I' && g[i].text[1] != 'I' && g[i].text[1] != 'Q');
		CHECK(strpbrk(g[i].text + 4, "IQ") == NULL);
	}
	CHECK_STR(g[0].text, "AB12CDE");

	/* A 1 where the random letters are: never I, though I is its closest look-alike. */
	make_line("A B 1 2 C 1 E", &l);
	n = rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g));
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(g[i].text, "AB12CIE") != 0);
}

/* Drop penalties: a doubtful stray costs less than a confident one. */
static void test_rank_drops(void)
{
	anpr_ocr_line sure, doubt;
	anpr_plate_guess g1[4], g2[4];

	make_line("K:0.95 A B 1 2 C D E", &sure);
	make_line("K:0.2 A B 1 2 C D E", &doubt);
	size_t n1 = rank(&sure, ANPR_COUNTRY_UK, today(), g1, N_OF(g1));
	size_t n2 = rank(&doubt, ANPR_COUNTRY_UK, today(), g2, N_OF(g2));
	CHECK(n1 > 0 && n2 > 0);
	CHECK_STR(g1[0].text, "AB12CDE");
	CHECK_STR(g2[0].text, "AB12CDE");
	CHECK(g2[0].score > g1[0].score);

	/* Three strays at one end are too many: the plate cannot be read whole. */
	anpr_ocr_line three;
	anpr_plate_guess g3[16];
	make_line("K L M A B 1 2 C D E", &three);
	size_t n3 = rank(&three, ANPR_COUNTRY_UK, today(), g3, N_OF(g3));
	for (size_t i = 0; i < n3; i++)
		CHECK(strcmp(g3[i].text, "AB12CDE") != 0);
}

/* Ordering, distinct texts, scores normalised over every reading (not just those returned). */
static void test_rank_topn(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[64], one[1], few[3];

	make_line("A:0.8,4:0.15,H:0.05 B:0.8,8:0.15,R:0.05 1:0.8,I:0.15,7:0.05 2:0.8,Z:0.15,7:0.05 "
		  "C:0.8,G:0.15,O:0.05 D:0.8,0:0.15,O:0.05 E:0.8,F:0.15,B:0.05",
		  &l);
	size_t n = rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g));
	CHECK(n >= 10);
	CHECK(n <= 32); /* the pool scored exactly */
	CHECK_STR(g[0].text, "AB12CDE");
	double sum = 0.0;
	for (size_t i = 0; i < n; i++)
		sum += (double)g[i].score;
	CHECK(sum <= 1.0 + 1e-4);
	CHECK(sum < 0.99); /* other readings keep their share: normalised over all */
	/* The top guess's share of a 3-way ambiguous line is far below 1. */
	CHECK(g[0].score < 0.7f);

	/* Asking for fewer returns the same head. */
	size_t n1 = rank(&l, ANPR_COUNTRY_AUTO, today(), one, 1);
	CHECK_INT(n1, 1);
	CHECK_STR(one[0].text, g[0].text);
	CHECK(one[0].score == g[0].score);
	size_t n3 = rank(&l, ANPR_COUNTRY_AUTO, today(), few, 3);
	CHECK_INT(n3, 3);
	for (size_t i = 0; i < n3 && i < N_OF(few) && i < n; i++) {
		CHECK_STR(few[i].text, g[i].text);
		CHECK(few[i].score == g[i].score);
	}
}

/* A Slovak plate under UK rules gives a UK reading or nothing, never the Slovak text. */
static void test_rank_country(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[16];

	clean_line("BA123AB", 0.95f, &l);
	size_t n = rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g));
	for (size_t i = 0; i < n; i++) {
		CHECK(strcmp(g[i].text, "BA123AB") != 0);
		CHECK_INT(anpr_plate_format_country(g[i].format), ANPR_COUNTRY_UK);
	}
	n = rank(&l, ANPR_COUNTRY_EU, today(), g, N_OF(g));
	CHECK(n > 0);
	CHECK_STR(g[0].text, "BA123AB");
	n = rank(&l, ANPR_COUNTRY_US, today(), g, N_OF(g));
	CHECK(n > 0);
	CHECK_STR(g[0].text, "BA123AB");
	CHECK_INT(g[0].format, ANPR_FMT_US);

	/* A UK plate under EU rules is read as the (Romanian) layout it shares. */
	clean_line("AB12CDE", 0.95f, &l);
	n = rank(&l, ANPR_COUNTRY_EU, today(), g, N_OF(g));
	CHECK(n > 0);
	CHECK_STR(g[0].text, "AB12CDE");
	CHECK_INT(g[0].format, ANPR_FMT_EU);
}

/* The age identifier rule follows the pinned date in ranking too. */
static void test_rank_dates(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[16];

	clean_line("AB26CDE", 0.95f, &l);
	size_t n = rank(&l, ANPR_COUNTRY_UK, utc(2026, 2, 1, 0, 0, 0), g, N_OF(g));
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(g[i].text, "AB26CDE") != 0);
	n = rank(&l, ANPR_COUNTRY_UK, utc(2026, 3, 1, 0, 0, 0), g, N_OF(g));
	CHECK(n > 0);
	CHECK_STR(g[0].text, "AB26CDE");
	/* Before March 26 is a misread: the second alternative 0 makes 20 (March 2020). */
	make_line("A B 2 6,0:0.3 C D E", &l);
	n = rank(&l, ANPR_COUNTRY_UK, utc(2026, 2, 1, 0, 0, 0), g, N_OF(g));
	CHECK(n > 0);
	CHECK_STR(g[0].text, "AB20CDE");
}

/* Lines that can hold no plate give no guesses, and no error. */
static void test_rank_impossible(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[8];

	memset(&l, 0, sizeof(l));
	CHECK_INT(rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g)), 0);
	make_line("_ _ _ _ _ _ _", &l);
	CHECK_INT(rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g)), 0);
	clean_line("ABCDEFGHJKLMNPRS", 0.9f, &l); /* 16 symbols: too long even after dropping four */
	CHECK_INT(l.n, 16);
	CHECK_INT(rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g)), 0);
	clean_line("A", 0.9f, &l);
	CHECK_INT(rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g)), 0);
	clean_line("KLM", 0.9f, &l); /* three letters: no format, and no digit look-alike */
	CHECK_INT(rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g)), 0);
	clean_line("XYZ", 0.9f, &l); /* ...but Z looks like 2: a dateless reading, say */
	CHECK(rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g)) > 0);
	clean_line("KLMNPRUVWX", 0.9f, &l); /* ten letters and no look-alike digit: not a plate in the EU */
	CHECK_INT(rank(&l, ANPR_COUNTRY_EU, today(), g, N_OF(g)), 0);
}

/* Argument checking, max = 0 and NULL. */
static void test_rank_args(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[4];
	size_t n = 77;

	clean_line("AB12CDE", 0.9f, &l);
	CHECK_INT(anpr_grammar_rank(&l, ANPR_COUNTRY_AUTO, NULL, 0, &n), ANPR_ERR_OK);
	CHECK_INT(n, 0);
	n = 77;
	CHECK_INT(anpr_grammar_rank(&l, ANPR_COUNTRY_AUTO, g, 0, &n), ANPR_ERR_OK);
	CHECK_INT(n, 0);
	n = 77;
	CHECK_INT(anpr_grammar_rank(&l, ANPR_COUNTRY_AUTO, NULL, 3, &n), ANPR_ERR_INVAL);
	CHECK_INT(n, 0);
	CHECK_INT(anpr_grammar_rank(NULL, ANPR_COUNTRY_AUTO, g, 4, &n), ANPR_ERR_INVAL);
	CHECK_INT(anpr_grammar_rank(&l, ANPR_COUNTRY_AUTO, g, 4, NULL), ANPR_ERR_INVAL);
	CHECK_INT(anpr_grammar_rank(&l, (anpr_country)9, g, 4, &n), ANPR_ERR_INVAL);
	CHECK_INT(anpr_grammar_rank(&l, ANPR_COUNTRY_AUTO, g, 1, &n), ANPR_ERR_OK);
	CHECK_INT(n, 1);
	anpr_plate_guess many[64];
	CHECK_INT(anpr_grammar_rank(&l, ANPR_COUNTRY_AUTO, many, N_OF(many), &n), ANPR_ERR_OK);
	CHECK(n >= 1 && n <= 32);

	/* Lines outside the contract. */
	static const struct {
		int pos, alt;
		char c;
		float p;
		int npos, nalt;
	} bad[] = {
		{ 0, 0, 'a', 0.9f, 0, 0 },  { 0, 0, ' ', 0.9f, 0, 0 },     { 3, 0, '\0', 0.9f, 0, 0 },
		{ 1, 0, 'A', 0.0f, 0, 0 },  { 1, 0, 'A', -0.1f, 0, 0 },    { 1, 0, 'A', 1.01f, 0, 0 },
		{ 1, 0, 'A', NAN, 0, 0 },   { 1, 0, 'A', INFINITY, 0, 0 }, { 0, 0, 'A', 0.9f, 17, 0 },
		{ 0, 0, 'A', 0.9f, -1, 0 }, { 2, 0, 'A', 0.9f, 0, 7 },     { 2, 0, 'A', 0.9f, 0, -1 },
	};
	for (size_t i = 0; i < N_OF(bad); i++) {
		anpr_ocr_line b;
		clean_line("AB12CDE", 0.9f, &b);
		b.pos[bad[i].pos].alt[bad[i].alt].c = bad[i].c;
		b.pos[bad[i].pos].alt[bad[i].alt].p = bad[i].p;
		if (bad[i].npos)
			b.n = bad[i].npos;
		if (bad[i].nalt)
			b.pos[bad[i].pos].n = bad[i].nalt;
		n = 77;
		CHECK_INT(anpr_grammar_rank(&b, ANPR_COUNTRY_AUTO, g, N_OF(g), &n), ANPR_ERR_INVAL);
		CHECK_INT(n, 0);
	}

	/* A shape verdict outside [0, 1] is outside the contract too. */
	static const float bad_subst[] = { -0.01f, 1.01f, NAN, INFINITY };
	for (size_t i = 0; i < N_OF(bad_subst); i++) {
		anpr_ocr_line b;
		clean_line("AB12CDE", 0.9f, &b);
		b.pos[2].alt[0].shape_subst = bad_subst[i];
		n = 77;
		CHECK_INT(anpr_grammar_rank(&b, ANPR_COUNTRY_AUTO, g, N_OF(g), &n), ANPR_ERR_INVAL);
		CHECK_INT(n, 0);
	}

	/* p = 1 and tiny p are inside the contract. */
	clean_line("AB12CDE", 1.0f, &l);
	CHECK_INT(rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g)) > 0, 1);
	clean_line("AB12CDE", 1e-30f, &l);
	CHECK_INT(rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g)) > 0, 1);
}

/*
 * A position with many look-alikes: the search keeps 8 characters per position and
 * class, so a text found through one template may be scored through another whose
 * list dropped that character; it must still count. ABT1234 is dateless (T from 1)
 * and German, where T is the ninth candidate.
 */
static void test_rank_many_lookalikes(void)
{
	anpr_ocr_line l;
	anpr_plate_guess g[32];

	make_line("A B 0:0.9,1:0.5,2:0.3,5:0.3,6:0.3,8:0.3 1 2 3 4", &l);
	size_t n = rank(&l, ANPR_COUNTRY_AUTO, today(), g, N_OF(g));
	int found = -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].text, "ABT1234") == 0)
			found = (int)i;
	CHECK(found >= 0);
	if (found >= 0)
		CHECK_INT(g[found].format, ANPR_FMT_UK_DATELESS);
	/* Ties between equally good look-alikes are broken by text, so results never depend on order. */
	make_line("A B 1 2 C 0,2,5,6,8 E", &l);
	n = rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g));
	CHECK(n >= 5);
	if (n >= 5) {
		CHECK_STR(g[0].text, "AB12CBE");
		CHECK_STR(g[1].text, "AB12CGE");
		CHECK_STR(g[2].text, "AB12COE");
		CHECK_STR(g[3].text, "AB12CSE");
		CHECK_STR(g[4].text, "AB12CZE");
		CHECK(g[0].score == g[4].score);
	}
}

/*
 * The look-alikes the grammar reads a symbol as, and what the glyph's shape
 * leaves of them: a sure 6 in a dateless mark's first place is read as the G
 * of a prefix mark, likelier on the road, until the shape says the glyph is
 * plainly a 6.
 */
static void test_rank_shape_subst(void)
{
	char to[ANPR_LOOKALIKES_MAX + 1];
	anpr_ocr_line l;
	anpr_plate_guess g[8];

	CHECK_INT(anpr_grammar_lookalikes('6', to), 1);
	CHECK_STR(to, "G");
	CHECK_INT(anpr_grammar_lookalikes('0', to), 3);
	CHECK_STR(to, "ODQ");
	CHECK_INT(anpr_grammar_lookalikes('K', to), 0);
	CHECK_STR(to, "");
	CHECK_INT(anpr_grammar_lookalikes('a', to), 0);

	make_line("6:0.9,5:0.1 7 1 9 | H T W", &l);
	size_t n = rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g));
	CHECK(n > 0);
	if (n > 0) {
		CHECK_STR(g[0].text, "G719HTW");
		CHECK_INT(g[0].format, ANPR_FMT_UK_PREFIX);
	}
	l.pos[0].alt[0].shape_subst = 0.02f; /* a G is 1/50 as likely as a 6 by shape */
	n = rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g));
	CHECK(n > 0);
	if (n > 0) {
		CHECK_STR(g[0].text, "6719HTW");
		CHECK_INT(g[0].format, ANPR_FMT_UK_DATELESS);
	}
	/* A verdict of 1 (the shape cannot tell) substitutes as no verdict does. */
	l.pos[0].alt[0].shape_subst = 1.0f;
	n = rank(&l, ANPR_COUNTRY_UK, today(), g, N_OF(g));
	CHECK(n > 0 && strcmp(g[0].text, "G719HTW") == 0);
}

/* Every guess of a varied set of lines keeps the promises, in every country. */
static void test_rank_invariants(void)
{
	static const char *const lines[] = {
		"A B 1 2 C D E",
		"B A 1 2 3 A B",
		"A:0.5,4:0.2,H:0.1,0:0.1,O:0.05,8:0.05 A:0.5,4:0.2,H:0.1,0:0.1,O:0.05,8:0.05 "
		"A:0.5,4:0.2,H:0.1,0:0.1,O:0.05,8:0.05 A:0.5,4:0.2,H:0.1,0:0.1,O:0.05,8:0.05 "
		"A:0.5,4:0.2,H:0.1,0:0.1,O:0.05,8:0.05 A:0.5,4:0.2,H:0.1,0:0.1,O:0.05,8:0.05 "
		"A:0.5,4:0.2,H:0.1,0:0.1,O:0.05,8:0.05",
		"1 2 D 1 2 3 4 5",
		"I 1 I 1 I 1 I 1 I 1",
		"0 O 0 O 0 O 0",
		"Z 2 Z 2 Z",
		"Q 1 2 3 A B C",
		"1 A B 2 3 4 5",
		"A B Z 1 2 3 4 K L",
		"A B 0,1,2,5,6,8 1 2 3 4 0,1,2,5,6,8 8,B",
	};
	for (size_t i = 0; i < N_OF(lines); i++) {
		anpr_ocr_line l;
		make_line(lines[i], &l);
		for (int c = ANPR_COUNTRY_AUTO; c <= ANPR_COUNTRY_US; c++) {
			anpr_plate_guess g[40];
			rank(&l, (anpr_country)c, today(), g, N_OF(g));
		}
	}
}

int main(void)
{
	test_names();
	test_normalise();
	test_classify();
	test_age_by_date();
	test_rank_cases();
	test_rank_clean();
	test_rank_not_plate();
	test_rank_postcode();
	test_rank_missed();
	test_rank_tall_stray();
	test_rank_forbidden_letters();
	test_rank_drops();
	test_rank_topn();
	test_rank_country();
	test_rank_dates();
	test_rank_impossible();
	test_rank_args();
	test_rank_many_lookalikes();
	test_rank_shape_subst();
	test_rank_invariants();
	return check_summary();
}
