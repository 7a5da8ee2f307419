/* SPDX-License-Identifier: MIT */
/* Plate grammars as data tables, and the k-best search that turns OCR alternatives into ranked plates. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "grammar.h"
#include "grammar_internal.h"

/*
 * How it works. A plate format is a set of fixed-length templates; each template
 * gives, per position, a class of allowed characters (a pattern code from the
 * table below), a prior, and at most one check that needs several positions (an
 * age identifier, a Northern Ireland county code, "a letter and a digit").
 * A reading of an OCR line is (template, symbols dropped at each end, one
 * character per kept position). Its weight is
 *
 *     prior * drop factors * product over positions of w(position, class, char)
 *
 * where w is the largest of: p of an alternative equal to char (when char fits
 * the class), or a look-alike penalty times p of an alternative that does not
 * fit the class and looks like char (the penalty scaled by what the glyph's
 * shape leaves of that look-alike, anpr_ocr_alt.shape_subst, where it has a
 * say). The score of a text is the sum of the weights of all readings
 * spelling it, divided by the total weight of every grammar-valid reading of
 * the line (computed exactly, position by position, not just over the texts
 * found), so the scores of all possible texts sum to 1.
 * A beam search per template finds the candidate texts.
 */

/* ---- Symbols and character classes ---- */

enum { N_SYM = 36, SYM_DIGIT0 = 26 };

#define L_(c) (UINT64_C(1) << ((c) - 'A'))
#define D_(c) (UINT64_C(1) << (SYM_DIGIT0 + (c) - '0'))
#define ALL_LETTERS ((UINT64_C(1) << 26) - 1)
#define ALL_DIGITS (((UINT64_C(1) << 10) - 1) << SYM_DIGIT0)
#define VOWELS (L_('A') | L_('E') | L_('I') | L_('O') | L_('U'))

/* 0..25 for 'A'..'Z', 26..35 for '0'..'9', -1 for anything else. */
static int sym(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return SYM_DIGIT0 + (c - '0');
	return -1;
}

static bool in_set(uint64_t set, int s)
{
	return s >= 0 && ((set >> s) & 1u);
}

enum cls {
	C_NEVER, /* not a pattern code: matches nothing, so a typo in a template fails the tests */
	C_LETTER,
	C_DIGIT,
	C_NONZERO,
	C_ALNUM,
	C_UK_REGION,
	C_UK_TAG,
	C_UK_RANDOM,
	C_UK_AGE,
	C_GB,
	C_NI_CODE1,
	C_NI_CODE2,
	C_Q,
	C_DE_SUFFIX,
	C_NL,
	C_ES,
	C_PL,
	C_RO_B,
	C_IE_YEAR3,
	C_IE_COUNTY1,
	C_US,
	C_COUNT
};

static const uint64_t class_set[C_COUNT] = {
	[C_NEVER] = 0,
	[C_LETTER] = ALL_LETTERS,
	[C_DIGIT] = ALL_DIGITS,
	[C_NONZERO] = ALL_DIGITS & ~D_('0'),
	[C_ALNUM] = ALL_LETTERS | ALL_DIGITS,
	/* Current format, first letter: the DVLA region letters. */
	[C_UK_REGION] = ALL_LETTERS & ~(L_('I') | L_('J') | L_('Q') | L_('T') | L_('U') | L_('X') | L_('Z')),
	/* Current format, second letter (local memory tag). */
	[C_UK_TAG] = ALL_LETTERS & ~(L_('I') | L_('Q') | L_('Z')),
	/* Current format, the three random letters: Z is used, I and Q never. */
	[C_UK_RANDOM] = ALL_LETTERS & ~(L_('I') | L_('Q')),
	/* Prefix and suffix year letters A..Y: I, O, Q, U and Z were never year letters. */
	[C_UK_AGE] = ALL_LETTERS & ~(L_('I') | L_('O') | L_('Q') | L_('U') | L_('Z')),
	/* Great Britain letter groups (serial letter and area code) before 2001: I and Z were
	 * reserved for Ireland and Q for vehicles of unknown age. */
	[C_GB] = ALL_LETTERS & ~(L_('I') | L_('Q') | L_('Z')),
	/* Northern Ireland county codes, first and second letter; ni_codes[] has the pairs. */
	[C_NI_CODE1] = ALL_LETTERS & ~(L_('Q') | L_('Z')),
	[C_NI_CODE2] = L_('A') | L_('B') | L_('G') | L_('I') | L_('J') | L_('L') | L_('W') | L_('Z'),
	[C_Q] = L_('Q'),
	/* German suffix: E (electric) or H (historic). */
	[C_DE_SUFFIX] = L_('E') | L_('H'),
	/* Dutch: no vowels, C, Q or Y (M and W kept: older sidecodes used them). */
	[C_NL] = ALL_LETTERS & ~(VOWELS | L_('C') | L_('Q') | L_('Y')),
	/* Spanish 2000 series: consonants without Q (Ñ cannot occur here). */
	[C_ES] = ALL_LETTERS & ~(VOWELS | L_('Q')),
	/* Polish serial letters avoid the look-alikes of 8, 0, 1, 0 and 2. */
	[C_PL] = ALL_LETTERS & ~(L_('B') | L_('D') | L_('I') | L_('O') | L_('Z')),
	/* Romanian Bucharest marks start with B. */
	[C_RO_B] = L_('B'),
	/* Irish three-digit years (2013 on) end in 1 or 2 (half-year). */
	[C_IE_YEAR3] = D_('1') | D_('2'),
	/* Irish one-letter county codes: Cork, Dublin, Galway, Limerick, Tipperary, Waterford. */
	[C_IE_COUNTY1] = L_('C') | L_('D') | L_('G') | L_('L') | L_('T') | L_('W'),
	/*
	 * US: any digit or letter but O. Standard US series do not issue O beside 0, US
	 * records treat the two as one, and the us set's 208 plates hold 60 zeros and no O.
	 */
	[C_US] = (ALL_LETTERS & ~L_('O')) | ALL_DIGITS,
};

/* Pattern codes used in the template table; any other byte maps to C_NEVER. */
static const unsigned char code_class[128] = {
	['L'] = C_LETTER,    ['D'] = C_DIGIT,    ['N'] = C_NONZERO,    ['X'] = C_ALNUM,
	['r'] = C_UK_REGION, ['t'] = C_UK_TAG,   ['u'] = C_UK_RANDOM,  ['a'] = C_UK_AGE,
	['g'] = C_GB,        ['i'] = C_NI_CODE1, ['z'] = C_NI_CODE2,   ['Q'] = C_Q,
	['E'] = C_DE_SUFFIX, ['k'] = C_NL,       ['e'] = C_ES,         ['p'] = C_PL,
	['b'] = C_RO_B,      ['y'] = C_IE_YEAR3, ['c'] = C_IE_COUNTY1, ['x'] = C_US,
};

static int class_of(char code)
{
	return code_class[(unsigned char)code & 127];
}

/* Northern Ireland county and borough codes (DVA list): the AZ..YZ series and the I codes. */
static const char ni_codes[][3] = {
	"AZ", "BZ", "CZ", "DZ", "EZ", "FZ", "GZ", "HZ", "JZ", "KZ", "LZ", "MZ", "NZ", "OZ", "PZ", "RZ", "SZ",
	"TZ", "UZ", "VZ", "WZ", "XZ", "YZ", "IA", "IB", "IG", "IJ", "IL", "IW", "JI", "OI", "UI", "XI",
};

/* Irish two-letter county codes, current and pre-2014 (LK, TN, TS, WD). */
static const char ie_codes[][3] = {
	"CE", "CN", "CW", "DL", "KE", "KK", "KY", "LD", "LH", "LK", "LM", "LS",
	"MH", "MN", "MO", "OY", "RN", "SO", "TN", "TS", "WD", "WH", "WX", "WW",
};

/* ---- Look-alikes ---- */

/*
 * Penalties, multiplied by the p of the alternative that was substituted. Tuned on
 * the clip stills (docs/ocr-accuracy.md): at 0.25 and 0.1 a sure 5, 6 or 8 turned
 * prefix marks into current ones (F568MHM read FS68MHM) more often than it rescued
 * a current mark.
 */
#define SUBST_STRONG 0.1f /* classic plate-font look-alikes: O/0, I/1, S/5, B/8, Z/2, G/6; C for 0 */
#define SUBST_WEAK 0.04f  /* shapes distinct in the plate font that blur alike: D/0, Q/0, A/4, T/7, T/1 */

typedef struct lookalike {
	char to[ANPR_LOOKALIKES_MAX]; /* '\0' where unused */
	float f[ANPR_LOOKALIKES_MAX];
} lookalike;

#define LA_L(c) ((c) - 'A')
#define LA_D(c) (SYM_DIGIT0 + (c) - '0')

static const lookalike lookalikes[N_SYM] = {
	[LA_D('0')] = { { 'O', 'D', 'Q' }, { SUBST_STRONG, SUBST_WEAK, SUBST_WEAK } },
	[LA_L('O')] = { { '0', 'D', 'Q' }, { SUBST_STRONG, SUBST_WEAK, SUBST_WEAK } },
	[LA_L('D')] = { { '0', 'O', 'Q' }, { SUBST_WEAK, SUBST_WEAK, SUBST_WEAK } },
	[LA_L('Q')] = { { '0', 'O', 'D' }, { SUBST_WEAK, SUBST_WEAK, SUBST_WEAK } },
	[LA_D('1')] = { { 'I', 'T' }, { SUBST_STRONG, SUBST_WEAK } },
	[LA_L('I')] = { { '1', 'T' }, { SUBST_STRONG, SUBST_WEAK } },
	[LA_L('T')] = { { '1', '7', 'I' }, { SUBST_WEAK, SUBST_WEAK, SUBST_WEAK } },
	[LA_D('7')] = { { 'T' }, { SUBST_WEAK } },
	[LA_D('5')] = { { 'S' }, { SUBST_STRONG } },
	[LA_L('S')] = { { '5' }, { SUBST_STRONG } },
	[LA_D('8')] = { { 'B' }, { SUBST_STRONG } },
	[LA_L('B')] = { { '8' }, { SUBST_STRONG } },
	[LA_D('2')] = { { 'Z' }, { SUBST_STRONG } },
	[LA_L('Z')] = { { '2' }, { SUBST_STRONG } },
	[LA_D('6')] = { { 'G' }, { SUBST_STRONG } },
	[LA_L('G')] = { { '6' }, { SUBST_STRONG } },
	[LA_D('4')] = { { 'A' }, { SUBST_WEAK } },
	[LA_L('A')] = { { '4' }, { SUBST_WEAK } },
	/*
	 * A 0 whose right side is hidden (an occluder, dirt) reads as C, and a C
	 * where only a digit may stand (an Irish serial) is most likely that.
	 */
	[LA_L('C')] = { { '0' }, { SUBST_STRONG } },
};

/* ---- Templates ---- */

/*
 * Priors per template (layout), roughly how often each layout passes a UK camera. Only
 * ratios matter, since scores are normalised; a text matching several layouts (a
 * German and a Polish one, say) collects the prior of each. The prefix prior is just
 * above SUBST_STRONG x PRIOR_UK_CURRENT: a prefix mark read literally beats a current
 * reading that needs any look-alike (R410YEX, not RA10YEX; S619YGP, not SG19YGP).
 */
#define PRIOR_UK_CURRENT 1.0f   /* most vehicles on UK roads */
#define PRIOR_UK_PREFIX 0.12f   /* 1983-2001 vehicles, still common; above SUBST_STRONG (see above) */
#define PRIOR_UK_SUFFIX 0.03f   /* classics and transferred marks */
#define PRIOR_UK_NI 0.03f       /* per layout (8); Northern Ireland vehicles travel in GB */
#define PRIOR_UK_DATELESS 0.01f /* per layout (24); cherished marks */
#define PRIOR_UK_Q 0.02f        /* rare, but must beat a prefix mark with D read as Q */
#define PRIOR_EU 0.01f          /* per layout of a named European format; foreign cars are few */
#define PRIOR_IE \
	0.02f /* per Irish layout: the commonest foreign plates on UK roads, and
                                 * specific (a year, a real county code) */
#define PRIOR_EU_MANY \
	0.001f /* per layout of a country with many (Dutch, Polish, German), so that
                                 * its many layouts together do not outweigh a one-layout country */
#define PRIOR_EU_GENERIC \
	0.0002f         /* any other European plate: overlaps everything, so a named layout
                                    * needing one look-alike substitution (x0.25) must still win */
#define PRIOR_US 0.001f /* US plates are rare here and the grammar is very loose */

enum check {
	CHK_NONE,
	CHK_AGE,    /* pat[at-1..at] is an issued age identifier */
	CHK_NI,     /* pat[at-1..at] is a Northern Ireland county code */
	CHK_IE,     /* pat[at-1..at] is an Irish two-letter county code */
	CHK_EU_MIX, /* at least one letter and one digit */
	CHK_US,     /* at least one digit, or at least four letters */
};

typedef struct tmpl {
	anpr_plate_format fmt;
	float prior;
	unsigned char check; /* enum check */
	unsigned char at;    /* for CHK_AGE, CHK_NI, CHK_IE: index of the pair's second symbol */
	const char *pat;     /* one class_of() code per symbol, at most ANPR_VRM_MAX */
	/*
	 * Where the plate's layout puts its spaces: the index of each symbol a space
	 * precedes, one digit each, followed by '?' where the space is optional (a
	 * hyphen, an emblem, a layout that varies). A space the OCR sees anywhere
	 * else counts against the template (gap_factor()). NULL: spaces anywhere.
	 */
	const char *gaps;
} tmpl;

/* One row per template; kept on one line each so the table reads as a table. */
/* clang-format off */
#define UK(f, prior, pat, gaps) { ANPR_FMT_UK_##f, prior, CHK_NONE, 0, pat, gaps }
#define NI(pat, at, gaps) { ANPR_FMT_UK_NI, PRIOR_UK_NI, CHK_NI, at, pat, gaps }
#define EU(pat, gaps) { ANPR_FMT_EU, PRIOR_EU, CHK_NONE, 0, pat, gaps }
#define EU_MANY(pat) { ANPR_FMT_EU, PRIOR_EU_MANY, CHK_NONE, 0, pat, NULL }
#define PL(pat) { ANPR_FMT_EU, PRIOR_EU_MANY, CHK_NONE, 0, pat, "2?3?" }
#define EU_ANY(pat) { ANPR_FMT_EU, PRIOR_EU_GENERIC, CHK_EU_MIX, 0, pat, NULL }
#define IE1(pat, gaps) { ANPR_FMT_EU, PRIOR_IE, CHK_NONE, 0, pat, gaps }
#define IE2(pat, at, gaps) { ANPR_FMT_EU, PRIOR_IE, CHK_IE, at, pat, gaps }
#define US(pat) { ANPR_FMT_US, PRIOR_US, CHK_US, 0, pat, NULL }
/* clang-format on */

/*
 * Pattern codes: L letter, D digit, N digit 1-9, X letter or digit; r t u current
 * format region, tag and random letters; a year letter of prefix and suffix marks;
 * g Great Britain letter group; i z Northern Ireland county code; Q the letter Q;
 * E German E/H; k Dutch letter; e Spanish letter; p Polish serial letter; b the
 * letter B; y the last digit of an Irish three-digit year; c an Irish one-letter county;
 * x a US symbol (a digit or a letter other than O).
 *
 * Most specific first: anpr_grammar_classify() returns the format of the first
 * template that matches, so UK formats precede European ones, and those the US.
 * Variable-length formats are written out as one template per length.
 */
static const tmpl templates[] = {
	/* Current (2001 on): region, memory tag, age identifier, three random letters. */
	{ ANPR_FMT_UK_CURRENT, PRIOR_UK_CURRENT, CHK_AGE, 3, "rtDDuuu", "4" },
	/* Prefix (1983-2001): year letter, 1-3 digits without a leading zero, serial letter + area code. */
	UK(PREFIX, PRIOR_UK_PREFIX, "aNggg", "2"),
	UK(PREFIX, PRIOR_UK_PREFIX, "aNDggg", "3"),
	UK(PREFIX, PRIOR_UK_PREFIX, "aNDDggg", "4"),
	/* Suffix (1963-1983): serial letter + area code, 1-3 digits, year letter. */
	UK(SUFFIX, PRIOR_UK_SUFFIX, "gggNa", "3"),
	UK(SUFFIX, PRIOR_UK_SUFFIX, "gggNDa", "3"),
	UK(SUFFIX, PRIOR_UK_SUFFIX, "gggNDDa", "3"),
	/* Q marks: Q, 1-3 digits, three letters. */
	UK(Q, PRIOR_UK_Q, "QNggg", "2"),
	UK(Q, PRIOR_UK_Q, "QNDggg", "3"),
	UK(Q, PRIOR_UK_Q, "QNDDggg", "4"),
	/* Northern Ireland: optional serial letter, county code, 1-4 digits. */
	NI("izN", 1, "2"),
	NI("izND", 1, "2"),
	NI("izNDD", 1, "2"),
	NI("izNDDD", 1, "2"),
	NI("gizN", 2, "3"),
	NI("gizND", 2, "3"),
	NI("gizNDD", 2, "3"),
	NI("gizNDDD", 2, "3"),
	/* Dateless (before 1963, now cherished): 1-4 digits and 1-3 letters, either order. */
	UK(DATELESS, PRIOR_UK_DATELESS, "Ng", "1"),
	UK(DATELESS, PRIOR_UK_DATELESS, "Ngg", "1"),
	UK(DATELESS, PRIOR_UK_DATELESS, "Nggg", "1"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDg", "2"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDgg", "2"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDggg", "2"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDDg", "3"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDDgg", "3"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDDggg", "3"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDDDg", "4"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDDDgg", "4"),
	UK(DATELESS, PRIOR_UK_DATELESS, "NDDDggg", "4"),
	UK(DATELESS, PRIOR_UK_DATELESS, "gN", "1"),
	UK(DATELESS, PRIOR_UK_DATELESS, "gND", "1"),
	UK(DATELESS, PRIOR_UK_DATELESS, "gNDD", "1"),
	UK(DATELESS, PRIOR_UK_DATELESS, "gNDDD", "1"),
	UK(DATELESS, PRIOR_UK_DATELESS, "ggN", "2"),
	UK(DATELESS, PRIOR_UK_DATELESS, "ggND", "2"),
	UK(DATELESS, PRIOR_UK_DATELESS, "ggNDD", "2"),
	UK(DATELESS, PRIOR_UK_DATELESS, "ggNDDD", "2"),
	UK(DATELESS, PRIOR_UK_DATELESS, "gggN", "3"),
	UK(DATELESS, PRIOR_UK_DATELESS, "gggND", "3"),
	UK(DATELESS, PRIOR_UK_DATELESS, "gggNDD", "3"),
	UK(DATELESS, PRIOR_UK_DATELESS, "gggNDDD", "3"),
	/* Slovak BA123AB, French SIV AB123CD, Italian AB123CD, Polish XX123AB. */
	EU("LLDDDLL", "2?5?"),
	/* Czech 1AB2345, 1A23456. */
	EU("NLXDDDD", "3?"),
	/* Romanian B123ABC, B12ABC, AB12ABC. */
	EU("bDDLLL", "1?3?"),
	EU("bDDDLLL", "1?4?"),
	EU("LLDDLLL", "2?4?"),
	/* Spanish 1234BCD. */
	EU("DDDDeee", "4"),
	/* Dutch sidecodes 1-14; their hyphens move with the sidecode, so spaces may fall anywhere. */
	EU_MANY("kkDDDD"),
	EU_MANY("DDDDkk"),
	EU_MANY("DDkkDD"),
	EU_MANY("kkDDkk"),
	EU_MANY("kkkkDD"),
	EU_MANY("DDkkkk"),
	EU_MANY("DDkkkD"),
	EU_MANY("DkkkDD"),
	EU_MANY("kkDDDk"),
	EU_MANY("kDDDkk"),
	EU_MANY("kkkDDk"),
	EU_MANY("kDDkkk"),
	EU_MANY("DkkDDD"),
	EU_MANY("DDDkkD"),
	/* Polish: 2-letter district + 5, 3-letter district + 4 or 5; the space after the district. */
	PL("LLDDDDD"),
	PL("LLDDDDp"),
	PL("LLDpDDD"),
	PL("LLDppDD"),
	PL("LLLpDDD"),
	PL("LLLppDD"),
	PL("LLLDpDD"),
	PL("LLLDDpp"),
	PL("LLLDppD"),
	PL("LLLDDpD"),
	PL("LLLDDDDD"),
	PL("LLLDDDDp"),
	PL("LLLDDDpp"),
	/* German: district (1-3) and letters (1-2), 1-4 digits, at most 8 symbols with the E/H. */
	EU_MANY("LLN"),
	EU_MANY("LLND"),
	EU_MANY("LLNDD"),
	EU_MANY("LLNDDD"),
	EU_MANY("LLLN"),
	EU_MANY("LLLND"),
	EU_MANY("LLLNDD"),
	EU_MANY("LLLNDDD"),
	EU_MANY("LLLLN"),
	EU_MANY("LLLLND"),
	EU_MANY("LLLLNDD"),
	EU_MANY("LLLLNDDD"),
	EU_MANY("LLLLLN"),
	EU_MANY("LLLLLND"),
	EU_MANY("LLLLLNDD"),
	EU_MANY("LLNE"),
	EU_MANY("LLNDE"),
	EU_MANY("LLNDDE"),
	EU_MANY("LLNDDDE"),
	EU_MANY("LLLNE"),
	EU_MANY("LLLNDE"),
	EU_MANY("LLLNDDE"),
	EU_MANY("LLLNDDDE"),
	EU_MANY("LLLLNE"),
	EU_MANY("LLLLNDE"),
	EU_MANY("LLLLNDDE"),
	EU_MANY("LLLLLNE"),
	EU_MANY("LLLLLNDE"),
	/* Irish: year (2 digits, or 3 from 2013), county (one letter, or a two-letter code checked
	 * against ie_codes[]), 1-6 digit sequence. */
	IE1("DDcN", "2?3?"),
	IE1("DDcND", "2?3?"),
	IE1("DDcNDD", "2?3?"),
	IE1("DDcNDDD", "2?3?"),
	IE1("DDcNDDDD", "2?3?"),
	IE1("DDcNDDDDD", "2?3?"),
	IE1("DDycN", "3?4?"),
	IE1("DDycND", "3?4?"),
	IE1("DDycNDD", "3?4?"),
	IE1("DDycNDDD", "3?4?"),
	IE1("DDycNDDDD", "3?4?"),
	IE1("DDycNDDDDD", "3?4?"),
	IE2("DDLLN", 3, "2?4?"),
	IE2("DDLLND", 3, "2?4?"),
	IE2("DDLLNDD", 3, "2?4?"),
	IE2("DDLLNDDD", 3, "2?4?"),
	IE2("DDLLNDDDD", 3, "2?4?"),
	IE2("DDLLNDDDDD", 3, "2?4?"),
	IE2("DDyLLN", 4, "3?5?"),
	IE2("DDyLLND", 4, "3?5?"),
	IE2("DDyLLNDD", 4, "3?5?"),
	IE2("DDyLLNDDD", 4, "3?5?"),
	IE2("DDyLLNDDDD", 4, "3?5?"),
	/* Any other European plate: 5-8 symbols with a letter and a digit. */
	EU_ANY("XXXXX"),
	EU_ANY("XXXXXX"),
	EU_ANY("XXXXXXX"),
	EU_ANY("XXXXXXXX"),
	/* US: 2-7 symbols, a digit or at least four letters (vanity plates). */
	US("xx"),
	US("xxx"),
	US("xxxx"),
	US("xxxxx"),
	US("xxxxxx"),
	US("xxxxxxx"),
};

enum { N_TMPL = sizeof(templates) / sizeof(templates[0]) };

static bool applies(const tmpl *t, anpr_country country)
{
	return country == ANPR_COUNTRY_AUTO || anpr_plate_format_country(t->fmt) == country;
}

/* ---- Age identifiers ---- */

/* Which two-digit age identifiers have been issued: bit k of the 100-bit set. */
typedef struct age_set {
	uint64_t bits[2];
} age_set;

static void age_add(age_set *a, int id)
{
	a->bits[id / 64] |= UINT64_C(1) << (id % 64);
}

static bool age_has(const age_set *a, int id)
{
	return id >= 0 && id < 100 && ((a->bits[id / 64] >> (id % 64)) & 1u);
}

/*
 * March identifiers are the year's last two digits (02 = March 2002), September ones
 * the year + 50 modulo 100 (51 = Sept 2001, 76 = Sept 2026, 00 = Sept 2050). DVLA's
 * scheme ends in February 2051; after that the cycle simply wraps here.
 */
#define UK_CIVIL_SLACK 3600   /* UK time is UTC or UTC+1: a new identifier counts from 23:00 UTC */
#define LAST_USEFUL_YEAR 2101 /* after 2051 every identifier is set anyway; bounds the loop */

static void issued_ages(time_t now, age_set *out)
{
	struct tm tm;
	time_t t;

	memset(out, 0, sizeof(*out));
	/* Year 9999 at most keeps gmtime_r() in range; only a 64-bit time_t gets there. */
	if ((int64_t)now > INT64_C(253402300799) - UK_CIVIL_SLACK)
		now = (time_t)(INT64_C(253402300799) - UK_CIVIL_SLACK);
	t = now + UK_CIVIL_SLACK;
	if (!gmtime_r(&t, &tm))
		return;
	int year = tm.tm_year + 1900;
	for (int y = 2001; y <= year && y <= LAST_USEFUL_YEAR; y++) {
		bool past = y < year;
		if (y >= 2002 && (past || tm.tm_mon >= 2))
			age_add(out, y % 100);
		if (past || tm.tm_mon >= 8)
			age_add(out, (y + 50) % 100);
	}
}

static time_t floored_now(void)
{
	time_t now = time(NULL);
	return now < ANPR_GRAMMAR_TIME_FLOOR ? ANPR_GRAMMAR_TIME_FLOOR : now;
}

/* ---- Matching a text against a template ---- */

static bool age_code(const age_set *ages, char a, char b)
{
	if (a < '0' || a > '9' || b < '0' || b > '9')
		return false;
	return age_has(ages, (a - '0') * 10 + (b - '0'));
}

/* The two-letter codes the pair of a CHK_NI or CHK_IE template must be one of. */
typedef struct code_list {
	const char (*codes)[3];
	size_t n;
} code_list;

static code_list pair_codes(const tmpl *t)
{
	if (t->check == CHK_NI)
		return (code_list){ ni_codes, sizeof(ni_codes) / sizeof(ni_codes[0]) };
	return (code_list){ ie_codes, sizeof(ie_codes) / sizeof(ie_codes[0]) };
}

/* The template's two-symbol check (age identifier, NI or Irish county code) on a and b; true for others. */
static bool pair_ok(const tmpl *t, const age_set *ages, char a, char b)
{
	if (t->check == CHK_AGE)
		return age_code(ages, a, b);
	if (t->check != CHK_NI && t->check != CHK_IE)
		return true;
	code_list l = pair_codes(t);
	for (size_t i = 0; i < l.n; i++)
		if (l.codes[i][0] == a && l.codes[i][1] == b)
			return true;
	return false;
}

/* The template's multi-position check on a complete text of its length. */
static bool check_ok(const tmpl *t, const char *text, size_t len, const age_set *ages)
{
	int letters = 0, digits = 0;

	switch ((enum check)t->check) {
	case CHK_NONE:
		return true;
	case CHK_AGE:
	case CHK_NI:
	case CHK_IE:
		return pair_ok(t, ages, text[t->at - 1], text[t->at]);
	case CHK_EU_MIX:
	case CHK_US:
		for (size_t i = 0; i < len; i++) {
			letters += text[i] >= 'A' && text[i] <= 'Z';
			digits += text[i] >= '0' && text[i] <= '9';
		}
		if (t->check == CHK_EU_MIX)
			return letters > 0 && digits > 0;
		return digits > 0 || letters >= 4;
	}
	return false;
}

/* Whether text, of the template's length len, matches it. */
static bool matches_len(const tmpl *t, const char *text, size_t len, const age_set *ages)
{
	for (size_t i = 0; i < len; i++)
		if (!in_set(class_set[class_of(t->pat[i])], sym(text[i])))
			return false;
	return check_ok(t, text, len, ages);
}

static bool matches(const tmpl *t, const char *text, size_t len, const age_set *ages)
{
	return strlen(t->pat) == len && matches_len(t, text, len, ages);
}

static anpr_plate_format classify_ages(const char *vrm, anpr_country country, const age_set *ages)
{
	size_t len = 0;

	if (!vrm)
		return ANPR_FMT_NONE;
	while (len <= ANPR_VRM_MAX && vrm[len])
		len++;
	if (len == 0 || len > ANPR_VRM_MAX)
		return ANPR_FMT_NONE;
	for (size_t i = 0; i < N_TMPL; i++)
		if (applies(&templates[i], country) && matches(&templates[i], vrm, len, ages))
			return templates[i].fmt;
	return ANPR_FMT_NONE;
}

/* ---- Public: names, normalisation, classification ---- */

const char *anpr_plate_format_name(anpr_plate_format f)
{
	switch (f) {
	case ANPR_FMT_NONE:
		return "none";
	case ANPR_FMT_UK_CURRENT:
		return "uk-current";
	case ANPR_FMT_UK_PREFIX:
		return "uk-prefix";
	case ANPR_FMT_UK_SUFFIX:
		return "uk-suffix";
	case ANPR_FMT_UK_DATELESS:
		return "uk-dateless";
	case ANPR_FMT_UK_NI:
		return "uk-ni";
	case ANPR_FMT_UK_Q:
		return "uk-q";
	case ANPR_FMT_EU:
		return "eu";
	case ANPR_FMT_US:
		return "us";
	case ANPR_FMT_COUNT_:
		break;
	}
	return "none";
}

anpr_country anpr_plate_format_country(anpr_plate_format f)
{
	switch (f) {
	case ANPR_FMT_UK_CURRENT:
	case ANPR_FMT_UK_PREFIX:
	case ANPR_FMT_UK_SUFFIX:
	case ANPR_FMT_UK_DATELESS:
	case ANPR_FMT_UK_NI:
	case ANPR_FMT_UK_Q:
		return ANPR_COUNTRY_UK;
	case ANPR_FMT_EU:
		return ANPR_COUNTRY_EU;
	case ANPR_FMT_US:
		return ANPR_COUNTRY_US;
	case ANPR_FMT_NONE:
	case ANPR_FMT_COUNT_:
		break;
	}
	return ANPR_COUNTRY_AUTO;
}

const char *anpr_country_name(anpr_country c)
{
	switch (c) {
	case ANPR_COUNTRY_AUTO:
		return "auto";
	case ANPR_COUNTRY_UK:
		return "uk";
	case ANPR_COUNTRY_EU:
		return "eu";
	case ANPR_COUNTRY_US:
		return "us";
	}
	return "unknown";
}

anpr_err anpr_country_parse(const char *s, anpr_country *out)
{
	static const anpr_country all[] = { ANPR_COUNTRY_AUTO, ANPR_COUNTRY_UK, ANPR_COUNTRY_EU,
					    ANPR_COUNTRY_US };

	if (!s || !out)
		return ANPR_ERR_INVAL;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(s, anpr_country_name(all[i])) == 0) {
			*out = all[i];
			return ANPR_ERR_OK;
		}
	}
	return ANPR_ERR_INVAL;
}

bool anpr_grammar_normalise(const char *in, char out[ANPR_VRM_BUF])
{
	size_t n = 0;

	if (!in || !out)
		return false;
	out[0] = '\0';
	for (; *in; in++) {
		char c = *in;
		if (c == ' ' || c == '-' || c == '.')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (sym(c) < 0 || n == ANPR_VRM_MAX) {
			out[0] = '\0';
			return false;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return n > 0;
}

anpr_plate_format anpr_grammar_classify_at(const char *vrm, anpr_country country, time_t now)
{
	age_set ages;

	issued_ages(now, &ages);
	return classify_ages(vrm, country, &ages);
}

anpr_plate_format anpr_grammar_classify(const char *vrm, anpr_country country)
{
	return anpr_grammar_classify_at(vrm, country, floored_now());
}

/* ---- Ranking ---- */

#define DROP_SCALE 0.3f /* dropping costs: a symbol the OCR found is usually part of the plate */
/*
 * Spaces. The OCR reports where a word space falls in the line, which tells
 * layouts of the same symbols apart: a French BH-552-EH is not a UK BH55 ZEH.
 * A space where the layout has none costs GAP_WRONG; a space the layout needs
 * that the OCR did not see costs less (GAP_MISSING), as a narrow space can be
 * missed. Both are tuned on the clip stills and dev sets (docs/ocr-accuracy.md).
 */
#define GAP_WRONG 0.05f
#define GAP_MISSING 0.5f
/*
 * A glyph the OCR did not see at all (blur, dirt, a character fused with the
 * plate's edge) leaves a line one symbol short, which the generic layouts
 * still accept. The chance of that, per position of a named layout, goes
 * into the normaliser (missed_mass()), so that a fragment is not reported
 * as sure just because nothing else fits it.
 */
#define MISS_P 0.005f
/*
 * Two missed glyphs are far likelier than two independent misses: they come
 * from one bad strip (a plate half in shadow, an edge cut short). Weight per
 * pair of positions; ~0.4% of the clip stills' lines were two short.
 */
#define MISS_P2 0.001f
#define DROP_MIN 0.005f /* yet even a sure symbol may be a sticker or a bolt */
/*
 * A symbol at least TALL times the line's median height: on the clip stills,
 * 2.9% of the first symbols of lines read right, but two thirds of the stray
 * first symbols (the country band, read as B); about 40% of such symbols are strays.
 */
#define TALL 1.3f
#define DROP_TALL 0.4f
#define PRUNE_REL 1e-3 /* the search skips readings under this fraction of the best found */
/*
 * The line may be no plate at all: a sign, a postcode or a word in a van's
 * livery, which the detector takes for a row of glyphs. That hypothesis
 * explains the OCR's literal reading as it is, at this weight times the
 * prior of the mark's layout (so that a dateless or suffix mark read as it
 * is stays as much a plate as a current one), and a UK mark's `plate` share
 * is the UK readings' weight against it. A mark read as it is keeps about
 * 1 / 1.02; a text that makes a mark only through look-alikes is no longer
 * sure just because nothing else fits ("BUS STOP" read BU55 TOP, two
 * substitutions: about 0.01 / 0.03). Scores and ranks are unchanged; the
 * reader's confidence takes the share. On synthetic seed 5151, reads away
 * from the plate at confidence >= 0.9 fell from 115 to 39 in 2,000 frames,
 * and the plate's own reads at >= 0.9 from 1,595 to 1,521
 * (docs/ocr-accuracy.md). The European and US fallbacks accept nearly any
 * string, so for them nothing tells a plate from other text: their share
 * stays 1.
 */
#define NOT_PLATE 0.02
/*
 * Postcodes are the commonest plate-like text in UK streets (shop signs,
 * van livery), and AB12 3CD is one look-alike from the current mark
 * AB12 BCD. The no-plate hypothesis therefore also explains the line as a
 * postcode, at this many times NOT_PLATE and the probability of the
 * likeliest postcode reading (postcode_p()). A mark the OCR read as it is
 * hardly changes; one that needs the postcode's digit taken for a letter
 * loses most of its share. Synthetic seed 5151: confident reads of no plate
 * 39 -> 13 in 2,000 frames, the plates' own confident reads 1,523 -> 1,522.
 */
#define POSTCODE_TEXT 10.0

static bool pc_letter(char c, const char * not )
{
	return c >= 'A' && c <= 'Z' && !strchr(not, c);
}

/* Whether c may stand at place i of a postcode laid out as fmt ('A' a letter, '9' a digit). */
static bool pc_fits(const char *fmt, int i, char c)
{
	if (fmt[i] == '9')
		return c >= '0' && c <= '9';
	if (i == 0)
		return pc_letter(c, "QVX");
	if (i == 1)
		return pc_letter(c, "IJZ");
	if (fmt[i + 1] == '\0' || fmt[i + 2] == '\0') /* the inward code's two letters */
		return pc_letter(c, "CIKMOV");
	return pc_letter(c, "");
}

/*
 * The probability of the likeliest reading of the line that is a UK
 * postcode without its space (outward code A9, A99, AA9, AA99, A9A or AA9A,
 * inward code 9AA): each position's likeliest alternative that fits, no
 * look-alikes; 0 when none fits. Letters as Royal Mail allots them: the
 * first not Q, V or X, the second not I, J or Z, the inward two not C, I,
 * K, M, O or V. Districts are not checked.
 */
static double postcode_p(const anpr_ocr_line *line)
{
	static const char *const fmts[] = { "A99AA", "A999AA", "AA99AA", "AA999AA", "A9A9AA", "AA9A9AA" };
	double best = 0.0;

	for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
		double p = 1.0;

		if ((int)strlen(fmts[f]) != line->n)
			continue;
		for (int i = 0; i < line->n && p > 0.0; i++) {
			float q = 0.0f;

			for (int k = 0; k < line->pos[i].n; k++)
				if (line->pos[i].alt[k].p > q && pc_fits(fmts[f], i, line->pos[i].alt[k].c))
					q = line->pos[i].alt[k].p;
			p *= (double)q;
		}
		best = p > best ? p : best;
	}
	return best;
}

enum {
	MAX_DROP = 2,                            /* stray symbols dropped at each end */
	MAX_MISSED = 2,                          /* symbols the OCR missed, in the normaliser */
	MAX_REACH = ANPR_VRM_MAX + 2 * MAX_DROP, /* longer lines cannot hold a plate */
	CAND_KEEP = 8,                           /* characters per position the search tries */
	BEAM = 16,                               /* partial readings kept per template */
	POOL = 32,                               /* distinct texts scored exactly; most returned */
	MAX_JOBS = N_TMPL * (MAX_DROP + 1),      /* (template, dropped at start) pairs */
};

/* The characters one position can be under one class, best first, and sums over all of them. */
typedef struct cand {
	unsigned char n;
	bool complete; /* the list holds every char with a weight */
	char c[CAND_KEEP];
	float w[CAND_KEEP];
	float max;
	double sum_letters, sum_digits; /* over every char, not only the kept ones */
} cand;

/* One template aligned with the line: symbols 0..start-1 and start+len.. are dropped. */
typedef struct job {
	unsigned short t;
	unsigned char start, len;
	float ub;    /* no reading of this job weighs more */
	double base; /* prior times drop factors */
} job;

typedef struct reading {
	char text[ANPR_VRM_BUF];
	size_t len;
	uint32_t hash;
	double w;     /* best single reading: orders the search */
	double exact; /* all readings spelling text: the score before normalising */
} reading;

typedef struct partial {
	char text[ANPR_VRM_MAX];
	double w;
} partial;

typedef struct rank_ctx {
	const anpr_ocr_line *line;
	anpr_country country;
	age_set ages;
	float drop[ANPR_OCR_MAX_POS];
	unsigned char ready[MAX_REACH][C_COUNT];
	cand cands[MAX_REACH][C_COUNT];
	job jobs[MAX_JOBS];
	size_t njobs;
	unsigned short tfirst[N_TMPL]; /* the jobs of template t are tfirst[t] .. + tjobs[t] - 1 */
	unsigned char tjobs[N_TMPL];
	short bylen[ANPR_VRM_MAX + 1]; /* templates with jobs, by length: a chain through tnext, -1 ends */
	short tnext[N_TMPL];
	reading pool[POOL];
	size_t npool;
	double mass;       /* total weight of every grammar-valid reading: the normaliser */
	double mass_uk;    /* the part of it from UK layouts */
	double best;       /* weight of the best reading found so far */
	double pool_floor; /* weight of the weakest text in a full pool */
} rank_ctx;

/*
 * Alternatives below this count as this: such p are noise, and the floor keeps the
 * products of ten positions, penalties and priors far from floating-point underflow.
 */
#define MIN_P 1e-6f

static float alt_p(const anpr_ocr_alt *a)
{
	return a->p < MIN_P ? MIN_P : a->p;
}

int anpr_grammar_lookalikes(char c, char to[ANPR_LOOKALIKES_MAX + 1])
{
	int s = sym(c), n = 0;

	for (int k = 0; s >= 0 && k < ANPR_LOOKALIKES_MAX && lookalikes[s].to[k]; k++)
		to[n++] = lookalikes[s].to[k];
	to[n] = '\0';
	return n;
}

/* Look-alike factor f for reading alternative a as a look-alike, after the glyph's shape. */
static float subst(const anpr_ocr_alt *a, float f)
{
	return a->shape_subst > 0.0f ? f * a->shape_subst : f;
}

/* w(position, class, char) for every char at once; see the comment at the top. */
static void fill_weights(const anpr_ocr_pos *pos, uint64_t set, float w[N_SYM])
{
	for (int s = 0; s < N_SYM; s++)
		w[s] = 0.0f;
	for (int i = 0; i < pos->n; i++) {
		int s = sym(pos->alt[i].c);
		float p = alt_p(&pos->alt[i]);
		if (in_set(set, s)) {
			if (p > w[s])
				w[s] = p;
			continue;
		}
		const lookalike *la = &lookalikes[s];
		for (int k = 0; k < ANPR_LOOKALIKES_MAX && la->to[k]; k++) {
			int to = sym(la->to[k]);
			float q = subst(&pos->alt[i], la->f[k]) * p;
			if (in_set(set, to) && q > w[to])
				w[to] = q;
		}
	}
}

/* The same as fill_weights() for one char. */
static float weight_of(const anpr_ocr_pos *pos, uint64_t set, char c)
{
	int t = sym(c);
	float best = 0.0f;

	if (!in_set(set, t))
		return 0.0f;
	for (int i = 0; i < pos->n; i++) {
		int s = sym(pos->alt[i].c);
		float p = alt_p(&pos->alt[i]);
		if (s == t) {
			if (p > best)
				best = p;
			continue;
		}
		if (in_set(set, s))
			continue;
		const lookalike *la = &lookalikes[s];
		for (int k = 0; k < ANPR_LOOKALIKES_MAX && la->to[k]; k++)
			if (la->to[k] == c && subst(&pos->alt[i], la->f[k]) * p > best)
				best = subst(&pos->alt[i], la->f[k]) * p;
	}
	return best;
}

/* Orders candidates: heavier first, then by symbol so that results do not depend on input order. */
static bool better(float w1, char c1, float w2, char c2)
{
	return w1 > w2 || (w1 == w2 && sym(c1) < sym(c2));
}

/* Adds (c, w) to a list being built, keeping the larger weight of a repeated char. */
static void cand_put(char *cs, float *ws, int *n, char c, float w)
{
	for (int i = 0; i < *n; i++) {
		if (cs[i] == c) {
			if (w > ws[i])
				ws[i] = w;
			return;
		}
	}
	cs[*n] = c;
	ws[*n] = w;
	(*n)++;
}

static void build_cand(rank_ctx *x, int pos, int cls)
{
	cand *c = &x->cands[pos][cls];
	const anpr_ocr_pos *p = &x->line->pos[pos];
	uint64_t set = class_set[cls];
	char cs[ANPR_OCR_MAX_ALTS * 4];
	float ws[ANPR_OCR_MAX_ALTS * 4];
	int n = 0;

	x->ready[pos][cls] = 1;
	/* The same rule as fill_weights(), without a pass over every symbol. */
	for (int i = 0; i < p->n; i++) {
		int s = sym(p->alt[i].c);
		float pa = alt_p(&p->alt[i]);
		if (in_set(set, s)) {
			cand_put(cs, ws, &n, p->alt[i].c, pa);
			continue;
		}
		const lookalike *la = &lookalikes[s];
		for (int k = 0; k < ANPR_LOOKALIKES_MAX && la->to[k]; k++)
			if (in_set(set, sym(la->to[k])))
				cand_put(cs, ws, &n, la->to[k], subst(&p->alt[i], la->f[k]) * pa);
	}
	c->n = 0;
	c->sum_letters = c->sum_digits = 0.0;
	for (int i = 0; i < n; i++) {
		if (cs[i] >= 'A')
			c->sum_letters += (double)ws[i];
		else
			c->sum_digits += (double)ws[i];
		/* Insert into the short list, best first; ties keep the symbol order. */
		int k = c->n < CAND_KEEP ? c->n : CAND_KEEP - 1;
		if (c->n == CAND_KEEP && !better(ws[i], cs[i], c->w[k], c->c[k]))
			continue;
		while (k > 0 && better(ws[i], cs[i], c->w[k - 1], c->c[k - 1])) {
			c->w[k] = c->w[k - 1];
			c->c[k] = c->c[k - 1];
			k--;
		}
		c->w[k] = ws[i];
		c->c[k] = cs[i];
		if (c->n < CAND_KEEP)
			c->n++;
	}
	c->complete = n <= CAND_KEEP;
	c->max = c->n ? c->w[0] : 0.0f;
}

/* The candidates of a position under a class, built on first use. */
static inline const cand *get_cand(rank_ctx *x, int pos, int cls)
{
	if (!x->ready[pos][cls])
		build_cand(x, pos, cls);
	return &x->cands[pos][cls];
}

/* w(pos, class, ch) from the cache when the list holds every char, else from the alternatives. */
static float cand_weight(rank_ctx *x, int pos, int cls, char ch)
{
	const cand *c = get_cand(x, pos, cls);

	for (int i = 0; i < c->n; i++)
		if (c->c[i] == ch)
			return c->w[i];
	return c->complete ? 0.0f : weight_of(&x->line->pos[pos], class_set[cls], ch);
}

/* The template's spaces (see tmpl.gaps) as bit sets of symbol indices: all allowed, and those expected. */
static void gap_layout(const tmpl *t, unsigned *allowed, unsigned *expected)
{
	*allowed = *expected = 0;
	for (const char *g = t->gaps; g && *g >= '0' && *g <= '9'; g++) {
		unsigned bit = 1u << (*g - '0');
		*allowed |= bit;
		if (g[1] == '?')
			g++;
		else
			*expected |= bit;
	}
}

/* The factor for what the OCR saw (seen) at the template's boundary before symbol i. */
static double gap_at(const tmpl *t, unsigned allowed, unsigned expected, int i, bool seen)
{
	unsigned bit = 1u << i;

	if (!t->gaps)
		return 1.0;
	if (seen && !(allowed & bit))
		return (double)GAP_WRONG;
	if (!seen && (expected & bit))
		return (double)GAP_MISSING;
	return 1.0;
}

/*
 * How well the spaces the OCR saw between line symbols start..start+len-1
 * fit the template's layout. A space before the first kept symbol separates
 * it from a dropped one and says nothing.
 */
static double gap_factor(const rank_ctx *x, const tmpl *t, int start, int len)
{
	unsigned allowed, expected;
	double f = 1.0;

	gap_layout(t, &allowed, &expected);
	for (int i = 1; i < len; i++)
		f *= gap_at(t, allowed, expected, i, x->line->pos[start + i].gap_before);
	return f;
}

/* Product of the drop factors of the first start and last end symbols. */
static double drop_factor(const rank_ctx *x, int start, int end)
{
	double f = 1.0;

	for (int i = 0; i < start; i++)
		f *= (double)x->drop[i];
	for (int i = x->line->n - end; i < x->line->n; i++)
		f *= (double)x->drop[i];
	return f;
}

/*
 * Total weight of the valid readings of a job, divided by its base. Only sums and
 * products of non-negative terms, so that no cancellation can make the normaliser
 * smaller than the weight of a reading it includes.
 */
static double job_mass(const rank_ctx *x, const tmpl *t, int start, const cand *const *c, int len)
{
	double rest = 1.0, pair = 0.0;

	switch ((enum check)t->check) {
	case CHK_NONE:
		for (int i = 0; i < len; i++)
			rest *= c[i]->sum_letters + c[i]->sum_digits;
		return rest;
	case CHK_EU_MIX: {
		/* Readings so far: letters only, digits only, both. */
		double l = 0.0, d = 0.0, both = 0.0, none = 1.0;
		for (int i = 0; i < len; i++) {
			double sl = c[i]->sum_letters, sd = c[i]->sum_digits;
			both = both * (sl + sd) + l * sd + d * sl;
			l = (l + none) * sl;
			d = (d + none) * sd;
			none = 0.0;
		}
		return both;
	}
	case CHK_US: {
		/* Readings so far without a digit, and with one; four letters also suffice. */
		double no = 1.0, yes = 0.0;
		for (int i = 0; i < len; i++) {
			double sl = c[i]->sum_letters, sd = c[i]->sum_digits;
			yes = yes * (sl + sd) + no * sd;
			no *= sl;
		}
		return len >= 4 ? yes + no : yes;
	}
	case CHK_AGE:
	case CHK_NI:
	case CHK_IE:
		break;
	}
	for (int i = 0; i < len; i++)
		if (i != t->at && i != t->at - 1)
			rest *= c[i]->sum_letters + c[i]->sum_digits;

	float w1[N_SYM], w2[N_SYM];
	const anpr_ocr_pos *p = &x->line->pos[start + t->at];
	fill_weights(p - 1, class_set[class_of(t->pat[t->at - 1])], w1);
	fill_weights(p, class_set[class_of(t->pat[t->at])], w2);
	if (t->check == CHK_AGE) {
		for (int id = 0; id < 100; id++)
			if (age_has(&x->ages, id))
				pair += (double)w1[SYM_DIGIT0 + id / 10] * (double)w2[SYM_DIGIT0 + id % 10];
	} else {
		code_list l = pair_codes(t);
		for (size_t i = 0; i < l.n; i++)
			pair += (double)w1[sym(l.codes[i][0])] * (double)w2[sym(l.codes[i][1])];
	}
	return rest * pair;
}

static uint32_t text_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Adds a found text to the pool, keeping its best weight; a full pool drops its weakest. */
static void pool_add(rank_ctx *x, const char *text, size_t len, double w)
{
	uint32_t h;
	reading *r = NULL;

	/* A full pool only takes what beats its weakest, which cannot be a better copy of text. */
	if (x->npool == POOL && w <= x->pool_floor)
		return;
	h = text_hash(text, len);
	for (size_t i = 0; i < x->npool; i++) {
		if (x->pool[i].hash == h && x->pool[i].len == len &&
		    memcmp(x->pool[i].text, text, len) == 0) {
			if (w <= x->pool[i].w)
				return;
			r = &x->pool[i];
			break;
		}
	}
	if (!r) {
		if (x->npool < POOL) {
			r = &x->pool[x->npool++];
		} else {
			r = &x->pool[0];
			for (size_t i = 1; i < x->npool; i++)
				if (x->pool[i].w < r->w)
					r = &x->pool[i];
		}
		memcpy(r->text, text, len);
		r->text[len] = '\0';
		r->len = len;
		r->hash = h;
		r->exact = 0.0;
	}
	r->w = w;
	if (x->npool == POOL) {
		x->pool_floor = x->pool[0].w;
		for (size_t i = 1; i < x->npool; i++)
			if (x->pool[i].w < x->pool_floor)
				x->pool_floor = x->pool[i].w;
	}
}

/* Inserts into a beam sorted best first, keeping at most BEAM entries. */
static void beam_insert(partial *beam, int *n, const char *text, int len, double w)
{
	int k = *n < BEAM ? *n : BEAM - 1;

	if (*n == BEAM && w <= beam[k].w)
		return;
	while (k > 0 && beam[k - 1].w < w) {
		beam[k] = beam[k - 1];
		k--;
	}
	memcpy(beam[k].text, text, (size_t)len);
	beam[k].w = w;
	if (*n < BEAM)
		(*n)++;
}

/* Readings under this weight are not worth finding: negligible, or unable to enter the pool. */
static double search_floor(const rank_ctx *x)
{
	double f = x->best * PRUNE_REL;
	return x->npool == POOL && x->pool_floor > f ? x->pool_floor : f;
}

/* Beam search over one job; complete readings go to the pool. */

static void search_job(rank_ctx *x, const job *j)
{
	const tmpl *t = &templates[j->t];
	const cand *c[ANPR_VRM_MAX];
	double rest[ANPR_VRM_MAX + 1]; /* best possible product of positions i.. */
	partial beams[2][BEAM];
	int len = j->len, nb = 1;
	partial *cur = beams[0], *next = beams[1];

	for (int i = 0; i < len; i++)
		c[i] = get_cand(x, j->start + i, class_of(t->pat[i]));
	rest[len] = 1.0;
	for (int i = len - 1; i >= 0; i--)
		rest[i] = rest[i + 1] * (double)c[i]->max;
	cur[0].w = j->base;
	for (int i = 0; i < len; i++) {
		double cut = search_floor(x);
		bool pair = (t->check == CHK_AGE || t->check == CHK_NI || t->check == CHK_IE) && i == t->at;
		int nn = 0;
		for (int b = 0; b < nb; b++) {
			if (cur[b].w * rest[i] < cut)
				break;
			for (int k = 0; k < c[i]->n; k++) {
				double w = cur[b].w * (double)c[i]->w[k];
				if (w * rest[i + 1] < cut || (nn == BEAM && w <= next[BEAM - 1].w))
					break;
				if (pair && !pair_ok(t, &x->ages, cur[b].text[i - 1], c[i]->c[k]))
					continue;
				cur[b].text[i] = c[i]->c[k];
				beam_insert(next, &nn, cur[b].text, i + 1, w);
			}
		}
		partial *tmp = cur;
		cur = next;
		next = tmp;
		nb = nn;
	}
	for (int b = 0; b < nb; b++) {
		if (!check_ok(t, cur[b].text, (size_t)len, &x->ages))
			continue;
		pool_add(x, cur[b].text, (size_t)len, cur[b].w);
		if (cur[b].w > x->best)
			x->best = cur[b].w;
	}
}

/* Sum of the weights of every reading that spells r->text. */
static double exact_weight(rank_ctx *x, const reading *r)
{
	double total = 0.0;

	for (int ti = x->bylen[r->len]; ti >= 0; ti = x->tnext[ti]) {
		const tmpl *t = &templates[ti];
		if (!matches_len(t, r->text, r->len, &x->ages))
			continue;
		for (size_t j = x->tfirst[ti]; j < x->tfirst[ti] + x->tjobs[ti]; j++) {
			const job *jb = &x->jobs[j];
			double w = jb->base;
			for (size_t i = 0; i < r->len && w > 0.0; i++)
				w *= (double)cand_weight(x, jb->start + (int)i, class_of(t->pat[i]),
							 r->text[i]);
			total += w;
		}
	}
	return total;
}

static anpr_err check_line(const anpr_ocr_line *line)
{
	if (line->n < 0 || line->n > ANPR_OCR_MAX_POS)
		return ANPR_ERR_INVAL;
	for (int i = 0; i < line->n; i++) {
		const anpr_ocr_pos *p = &line->pos[i];
		if (p->n < 0 || p->n > ANPR_OCR_MAX_ALTS)
			return ANPR_ERR_INVAL;
		for (int k = 0; k < p->n; k++)
			if (sym(p->alt[k].c) < 0 || !(p->alt[k].p > 0.0f && p->alt[k].p <= 1.0f) ||
			    !(p->alt[k].shape_subst >= 0.0f && p->alt[k].shape_subst <= 1.0f))
				return ANPR_ERR_INVAL; /* also rejects NaN */
	}
	return ANPR_ERR_OK;
}

/*
 * The weight of the readings in which template t spells line symbols
 * start..start+len-missed-1 with `missed` more symbols (1 or 2) the OCR did
 * not see, anywhere: the missed symbols may be any of their class (weight
 * MISS_P for one, MISS_P2 for a pair, in all), the others weigh what they
 * weigh in a reading, and the spaces are checked except beside a missed
 * symbol (a missed glyph often leaves a space). Summed over where the missed
 * symbols fall by a pass over the template, state (missed so far, whether
 * the last was). Multi-position checks are not applied, which overstates this
 * a little. Only named layouts: the generic ones accept fragments of everything.
 */
static double missed_mass(rank_ctx *x, const tmpl *t, int start, int len, int missed)
{
	double f[MAX_MISSED + 1][2] = { { 1.0, 0.0 } };
	unsigned allowed, expected;

	if (t->check == CHK_EU_MIX || t->check == CHK_US || missed < 1 || missed > MAX_MISSED)
		return 0.0;
	gap_layout(t, &allowed, &expected);
	for (int i = 0; i < len; i++) {
		double g[MAX_MISSED + 1][2] = { { 0.0 } };
		for (int h = 0; h <= missed; h++) {
			for (int last = 0; last < 2; last++) {
				double w = f[h][last];
				if (w == 0.0)
					continue;
				if (h < missed)
					g[h + 1][1] += w;
				if (i - h >= len - missed)
					continue;
				const anpr_ocr_pos *p = &x->line->pos[start + i - h];
				const cand *c = get_cand(x, start + i - h, class_of(t->pat[i]));
				w *= c->sum_letters + c->sum_digits;
				if (i > 0 && !last)
					w *= gap_at(t, allowed, expected, i, p->gap_before);
				g[h][0] += w;
			}
		}
		memcpy(f, g, sizeof(f));
	}
	return (f[missed][0] + f[missed][1]) * (double)(missed == 1 ? MISS_P : MISS_P2);
}

/* The prior of a format's layouts (the first that has it: a UK format's layouts share one). */
static float format_prior(anpr_plate_format f)
{
	for (size_t i = 0; i < N_TMPL; i++)
		if (templates[i].fmt == f)
			return templates[i].prior;
	return 0.0f;
}

static void add_mass(rank_ctx *x, const tmpl *t, double w)
{
	x->mass += w;
	if (anpr_plate_format_country(t->fmt) == ANPR_COUNTRY_UK)
		x->mass_uk += w;
}

/* Aligns every applicable template with the line: the normaliser and the jobs to search. */
static void plan_jobs(rank_ctx *x)
{
	int n = x->line->n;

	for (int len = 0; len <= ANPR_VRM_MAX; len++)
		x->bylen[len] = -1;
	for (size_t ti = 0; ti < N_TMPL; ti++) {
		const tmpl *t = &templates[ti];
		int len = (int)strlen(t->pat);
		x->tfirst[ti] = (unsigned short)x->njobs;
		x->tjobs[ti] = 0;
		if (!applies(t, x->country))
			continue;
		for (int missed = 1; missed <= MAX_MISSED; missed++)
			for (int start = 0; start <= MAX_DROP; start++) {
				int end = n - (len - missed) - start;
				if (len > missed && end >= 0 && end <= MAX_DROP)
					add_mass(x, t,
						 (double)t->prior * drop_factor(x, start, end) *
						     missed_mass(x, t, start, len, missed));
			}
		for (int start = 0; start <= MAX_DROP; start++) {
			int end = n - len - start;
			const cand *c[ANPR_VRM_MAX];
			double ub;
			if (end < 0)
				break;
			if (end > MAX_DROP)
				continue;
			ub = (double)t->prior * drop_factor(x, start, end) * gap_factor(x, t, start, len);
			job *j = &x->jobs[x->njobs];
			j->t = (unsigned short)ti;
			j->start = (unsigned char)start;
			j->len = (unsigned char)len;
			j->base = ub;
			for (int i = 0; i < len && ub > 0.0; i++) {
				c[i] = get_cand(x, start + i, class_of(t->pat[i]));
				ub *= (double)c[i]->max;
			}
			if (ub <= 0.0)
				continue;
			j->ub = (float)ub;
			add_mass(x, t, j->base * job_mass(x, t, start, c, len));
			x->njobs++;
			x->tjobs[ti]++;
		}
		if (x->tjobs[ti]) {
			x->tnext[ti] = x->bylen[len];
			x->bylen[len] = (short)ti;
		}
	}
}

static int reading_cmp(const reading *a, const reading *b)
{
	if (a->exact != b->exact)
		return a->exact > b->exact ? -1 : 1;
	return strcmp(a->text, b->text);
}

anpr_err anpr_grammar_rank_at(const anpr_ocr_line *line, anpr_country country, time_t now,
			      anpr_plate_guess *out, size_t max, size_t *n)
{
	rank_ctx x;
	anpr_err err;

	if (n)
		*n = 0;
	if (!line || !n || (!out && max > 0))
		return ANPR_ERR_INVAL;
	if (country != ANPR_COUNTRY_AUTO && country != ANPR_COUNTRY_UK && country != ANPR_COUNTRY_EU &&
	    country != ANPR_COUNTRY_US)
		return ANPR_ERR_INVAL;
	err = check_line(line);
	if (err)
		return err;
	if (max == 0 || line->n == 0 || line->n > MAX_REACH)
		return ANPR_ERR_OK;

	x.line = line;
	x.country = country;
	issued_ages(now, &x.ages);
	/* The OCR's literal reading: each position's likeliest symbol, as alt_p() counts it. */
	double literal = 1.0;
	for (int i = 0; i < line->n; i++) {
		float best = 0.0f;
		for (int k = 0; k < line->pos[i].n; k++)
			if (line->pos[i].alt[k].p > best)
				best = line->pos[i].alt[k].p;
		literal *= (double)(best > MIN_P ? best : MIN_P);
		/*
		 * A doubtful symbol costs less to drop (it may be a screw or a band),
		 * but dropping always costs more than keeping it: a symbol at p = 0.5
		 * keeps 0.5 of its weight, dropped it keeps 0.15.
		 */
		x.drop[i] = DROP_SCALE * (1.0f - best);
		if (x.drop[i] < DROP_MIN)
			x.drop[i] = DROP_MIN;
		/* A symbol boxed much taller than the line's glyphs is often a country band or a bolt. */
		if (line->pos[i].height >= TALL && x.drop[i] < DROP_TALL)
			x.drop[i] = DROP_TALL;
	}
	memset(x.ready, 0, sizeof(x.ready));
	x.njobs = 0;
	x.npool = 0;
	x.mass = 0.0;
	x.mass_uk = 0.0;
	x.best = 0.0;
	x.pool_floor = 0.0;
	plan_jobs(&x);
	if (x.njobs == 0 || !(x.mass > 0.0))
		return ANPR_ERR_OK;
	/* No plate at all: the OCR's literal reading at NOT_PLATE, or a postcode (POSTCODE_TEXT). */
	double other_text =
	    country == ANPR_COUNTRY_UK || country == ANPR_COUNTRY_AUTO ? NOT_PLATE * literal : 0.0;
	if (other_text > 0.0) {
		double pc = NOT_PLATE * POSTCODE_TEXT * postcode_p(line);
		other_text = pc > other_text ? pc : other_text;
	}

	/* The most promising job first, so that its best reading prunes the rest. */
	size_t first = 0;
	for (size_t j = 1; j < x.njobs; j++)
		if (x.jobs[j].ub > x.jobs[first].ub)
			first = j;
	search_job(&x, &x.jobs[first]);
	for (size_t j = 0; j < x.njobs; j++)
		if (j != first && (double)x.jobs[j].ub > search_floor(&x))
			search_job(&x, &x.jobs[j]);

	for (size_t i = 0; i < x.npool; i++)
		x.pool[i].exact = exact_weight(&x, &x.pool[i]);
	for (size_t i = 1; i < x.npool; i++) {
		reading r = x.pool[i];
		size_t k = i;
		while (k > 0 && reading_cmp(&r, &x.pool[k - 1]) < 0) {
			x.pool[k] = x.pool[k - 1];
			k--;
		}
		x.pool[k] = r;
	}
	for (size_t i = 0; i < x.npool && *n < max; i++) {
		float score = (float)(x.pool[i].exact / x.mass);
		anpr_plate_format f = classify_ages(x.pool[i].text, country, &x.ages);
		if (!(score > 0.0f) || f == ANPR_FMT_NONE)
			continue; /* underflow; the format cannot be NONE, as the text matched a template */
		anpr_plate_guess *g = &out[(*n)++];
		memset(g->text, 0, sizeof(g->text));
		memcpy(g->text, x.pool[i].text, x.pool[i].len);
		g->score = score < 1.0f ? score : 1.0f;
		g->format = f;
		g->plate = 1.0f;
		if (anpr_plate_format_country(f) == ANPR_COUNTRY_UK && other_text > 0.0)
			g->plate = (float)(x.mass_uk / (x.mass_uk + other_text * (double)format_prior(f)));
	}
	return ANPR_ERR_OK;
}

anpr_err anpr_grammar_rank(const anpr_ocr_line *line, anpr_country country, anpr_plate_guess *out, size_t max,
			   size_t *n)
{
	return anpr_grammar_rank_at(line, country, floored_now(), out, max, n);
}
