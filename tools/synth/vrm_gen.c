/* SPDX-License-Identifier: MIT */
/* Random UK registration marks by DVLA's rules for each format; see vrm_gen.h for the rules. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vrm_gen.h"

/* Current format: the memory tag's region letter, its DVLA office letter, the random letters. */
static const char k_region[] = "ABCDEFGHKLMNOPRSVWY";
static const char k_office[] = "ABCDEFGHJKLMNOPRSTUVWXY";
static const char k_random[] = "ABCDEFGHJKLMNOPRSTUVWXYZ";
/* Prefix and suffix age letters (1963-2001). */
static const char k_age_letter[] = "ABCDEFGHJKLMNPRSTVWXY";
/* Letters of GB area codes and serials in the older formats: I and Z are Irish, Q is reserved. */
static const char k_series[] = "ABCDEFGHJKLMNOPRSTUVWXY";
/* Northern Ireland county codes (every one holds an I or a Z). */
static const char *const k_ni_codes[] = { "AZ", "BZ", "CZ", "DZ", "EZ", "FZ", "GZ", "HZ", "IA", "IB", "IG",
					  "IJ", "IL", "IW", "JI", "JZ", "KZ", "LZ", "MZ", "NZ", "OI", "OZ",
					  "PZ", "RZ", "SZ", "TZ", "UI", "UZ", "VZ", "WZ", "XI", "XZ", "YZ" };

static const char *const k_names[ANPR_VRM_GEN_FORMATS] = { "uk-current",  "uk-prefix", "uk-suffix",
							   "uk-dateless", "uk-ni",     "uk-q" };

void anpr_vrm_gen_mix_default(anpr_vrm_gen_mix *mix)
{
	static const double w[ANPR_VRM_GEN_FORMATS] = { 85.0, 8.0, 2.0, 3.0, 1.5, 0.5 };

	memcpy(mix->weight, w, sizeof(w));
}

/* Appends n random characters of set to buf at *len. */
static void put_letters(anpr_rng *rng, const char *set, int n, char *buf, int *len)
{
	for (int i = 0; i < n; i++)
		buf[(*len)++] = anpr_rng_char(rng, set);
}

/*
 * Appends a serial number of ndigits digits, no leading zero. Serial numbers
 * are drawn per digit count so that short cherished numbers turn up often
 * enough to be trained on.
 */
static void put_number(anpr_rng *rng, int ndigits, char *buf, int *len)
{
	buf[(*len)++] = (char)('1' + anpr_rng_int(rng, 0, 8));
	for (int i = 1; i < ndigits; i++)
		buf[(*len)++] = (char)('0' + anpr_rng_int(rng, 0, 9));
}

/* A digit count 1..max drawn from weights (index 0 is one digit). */
static int digit_count(anpr_rng *rng, const double *weights, int max)
{
	return 1 + (int)anpr_rng_pick(rng, weights, (size_t)max);
}

static void gen_current(anpr_rng *rng, char *t, int *n)
{
	/* 51 identifiers issued: September 2001 (51) to ANPR_VRM_GEN_LAST_SEPT, March 2002 (02) to ..._MARCH. */
	const int n_march = ANPR_VRM_GEN_LAST_MARCH - 2 + 1, n_sept = ANPR_VRM_GEN_LAST_SEPT - 51 + 1;
	const int k = anpr_rng_int(rng, 0, n_march + n_sept - 1);
	const int age = k < n_march ? 2 + k : 51 + (k - n_march);

	t[(*n)++] = anpr_rng_char(rng, k_region);
	t[(*n)++] = anpr_rng_char(rng, k_office);
	t[(*n)++] = (char)('0' + age / 10);
	t[(*n)++] = (char)('0' + age % 10);
	put_letters(rng, k_random, 3, t, n);
}

static void gen_prefix(anpr_rng *rng, char *t, int *n)
{
	static const double w[3] = { 0.15, 0.25, 0.60 };

	t[(*n)++] = anpr_rng_char(rng, k_age_letter);
	put_number(rng, digit_count(rng, w, 3), t, n);
	put_letters(rng, k_series, 3, t, n);
}

static void gen_suffix(anpr_rng *rng, char *t, int *n)
{
	static const double w[3] = { 0.15, 0.25, 0.60 };

	put_letters(rng, k_series, 3, t, n);
	put_number(rng, digit_count(rng, w, 3), t, n);
	t[(*n)++] = anpr_rng_char(rng, k_age_letter);
}

static void gen_dateless(anpr_rng *rng, char *t, int *n)
{
	/* Area code of 1-2 letters with up to 4 digits, or 3 letters with up to 3; either order. */
	const int letters = anpr_rng_int(rng, 1, 3);
	const int digits = anpr_rng_int(rng, 1, letters == 3 ? 3 : 4);

	if (anpr_rng_chance(rng, 0.5)) {
		put_letters(rng, k_series, letters, t, n);
		put_number(rng, digits, t, n);
	} else {
		put_number(rng, digits, t, n);
		put_letters(rng, k_series, letters, t, n);
	}
}

static void gen_ni(anpr_rng *rng, char *t, int *n)
{
	static const double w[4] = { 0.10, 0.15, 0.25, 0.50 };
	const size_t ncodes = sizeof(k_ni_codes) / sizeof(k_ni_codes[0]);
	const char *code = k_ni_codes[anpr_rng_int(rng, 0, (int)ncodes - 1)];

	t[(*n)++] = anpr_rng_char(rng, k_series);
	t[(*n)++] = code[0];
	t[(*n)++] = code[1];
	put_number(rng, digit_count(rng, w, 4), t, n);
}

static void gen_q(anpr_rng *rng, char *t, int *n)
{
	static const double w[3] = { 0.2, 0.3, 0.5 };

	t[(*n)++] = 'Q';
	put_number(rng, digit_count(rng, w, 3), t, n);
	put_letters(rng, k_series, 3, t, n);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

int anpr_vrm_gen_gap(const char *text, anpr_vrm_gen_format format)
{
	const int len = (int)strnlen(text, ANPR_VRM_GEN_MAX + 1);

	switch (format) {
	case ANPR_VRM_GEN_CURRENT:
		return len > 4 ? 4 : 0;
	case ANPR_VRM_GEN_PREFIX:
	case ANPR_VRM_GEN_Q:
		/* After the last digit that a letter follows: A123 BCD, Q12 ABC. */
		for (int i = len - 1; i > 0; i--) {
			if (is_upper(text[i]) && is_digit(text[i - 1]))
				return i;
		}
		return 0;
	case ANPR_VRM_GEN_SUFFIX:
	case ANPR_VRM_GEN_DATELESS:
	case ANPR_VRM_GEN_NI:
		/* At the first change between letters and digits: ABC 123D, 1234 AB, ABZ 1234. */
		for (int i = 1; i < len; i++) {
			if (is_digit(text[i]) != is_digit(text[i - 1]))
				return i;
		}
		return 0;
	case ANPR_VRM_GEN_FORMATS:
		break;
	}
	return 0;
}

anpr_err anpr_vrm_gen_mark(const char *text, anpr_vrm_gen_format format, anpr_vrm_mark *out)
{
	size_t len;

	if (!text || !out || (unsigned)format >= ANPR_VRM_GEN_FORMATS)
		return ANPR_ERR_INVAL;
	len = strnlen(text, ANPR_VRM_GEN_MAX + 1);
	if (len == 0 || len > ANPR_VRM_GEN_MAX)
		return ANPR_ERR_INVAL;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(text[i]) && !is_upper(text[i]))
			return ANPR_ERR_INVAL;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out->text, text, len);
	out->format = format;
	out->gap = anpr_vrm_gen_gap(out->text, format);
	if (out->gap > 0)
		snprintf(out->display, sizeof(out->display), "%.*s %s", out->gap, out->text,
			 out->text + out->gap);
	else
		memcpy(out->display, out->text, len + 1);
	return ANPR_ERR_OK;
}

anpr_err anpr_vrm_gen_random_format(anpr_rng *rng, anpr_vrm_gen_format format, anpr_vrm_mark *out)
{
	char t[ANPR_VRM_GEN_MAX + 1] = "";
	int n = 0;

	if (!rng || !out)
		return ANPR_ERR_INVAL;
	switch (format) {
	case ANPR_VRM_GEN_CURRENT:
		gen_current(rng, t, &n);
		break;
	case ANPR_VRM_GEN_PREFIX:
		gen_prefix(rng, t, &n);
		break;
	case ANPR_VRM_GEN_SUFFIX:
		gen_suffix(rng, t, &n);
		break;
	case ANPR_VRM_GEN_DATELESS:
		gen_dateless(rng, t, &n);
		break;
	case ANPR_VRM_GEN_NI:
		gen_ni(rng, t, &n);
		break;
	case ANPR_VRM_GEN_Q:
		gen_q(rng, t, &n);
		break;
	default:
		return ANPR_ERR_INVAL;
	}
	t[n] = '\0';
	return anpr_vrm_gen_mark(t, format, out);
}

anpr_err anpr_vrm_gen_random(anpr_rng *rng, const anpr_vrm_gen_mix *mix, anpr_vrm_mark *out)
{
	anpr_vrm_gen_mix def;
	double w[ANPR_VRM_GEN_FORMATS];
	bool any = false;

	if (!rng || !out)
		return ANPR_ERR_INVAL;
	if (!mix) {
		anpr_vrm_gen_mix_default(&def);
		mix = &def;
	}
	for (int i = 0; i < ANPR_VRM_GEN_FORMATS; i++) {
		w[i] = isfinite(mix->weight[i]) && mix->weight[i] > 0 ? mix->weight[i] : 0;
		any = any || w[i] > 0;
	}
	if (!any)
		return ANPR_ERR_INVAL;
	return anpr_vrm_gen_random_format(
	    rng, (anpr_vrm_gen_format)anpr_rng_pick(rng, w, ANPR_VRM_GEN_FORMATS), out);
}

const char *anpr_vrm_gen_format_name(anpr_vrm_gen_format format)
{
	return (unsigned)format < ANPR_VRM_GEN_FORMATS ? k_names[format] : "unknown";
}

anpr_err anpr_vrm_gen_format_parse(const char *name, anpr_vrm_gen_format *out)
{
	if (!name || !out)
		return ANPR_ERR_INVAL;
	for (int i = 0; i < ANPR_VRM_GEN_FORMATS; i++) {
		if (strcmp(name, k_names[i]) == 0) {
			*out = (anpr_vrm_gen_format)i;
			return ANPR_ERR_OK;
		}
	}
	return ANPR_ERR_INVAL;
}
