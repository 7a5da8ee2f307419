/* SPDX-License-Identifier: MIT */
/* UK number plates rendered with FreeType to the legal proportions: the renderer handle, layout and plate image. */
#ifndef ANPR_SYNTH_H
#define ANPR_SYNTH_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "opencv_c.h"
#include "vrm_gen.h"

/*
 * The plate follows the UK rules for a standard 520 x 111 mm plate: characters
 * 79 mm high and 50 mm wide (the 1 and the I narrower), strokes 14 mm, 11 mm
 * between characters, 33 mm between the two groups, at least 11 mm margins.
 * Glyphs come from the free fonts closest to the Charles Wright face, each
 * stretched and its stroke thickened or thinned to those proportions (the
 * adjustment is measured per font when the handle opens).
 *
 * Threads: a handle and the images it renders into belong to one thread at a
 * time; open one per worker thread. Nothing here prints or keeps globals.
 */

#define ANPR_PLATE_W_MM 520.0
#define ANPR_PLATE_H_MM 111.0
#define ANPR_PLATE_CHAR_H_MM 79.0
#define ANPR_PLATE_CHAR_W_MM 50.0
#define ANPR_PLATE_STROKE_MM 14.0
#define ANPR_PLATE_PITCH_MM 11.0 /* between characters of a group */
#define ANPR_PLATE_GROUP_MM 33.0 /* between the groups */
#define ANPR_PLATE_MARGIN_MM 11.0
#define ANPR_PLATE_BAND_MM 50.0 /* side band for the national identifier or green flash */

#define ANPR_SYNTH_FONT_LIBERATION "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf"
#define ANPR_SYNTH_FONT_ROBOTO "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf"
#define ANPR_SYNTH_MAX_FONTS 4

typedef struct anpr_synth anpr_synth;

/* Fonts to render with; the first NULL ends the list. All NULL (or no cfg): the two defaults above. */
typedef struct anpr_synth_cfg {
	const char *fonts[ANPR_SYNTH_MAX_FONTS];
} anpr_synth_cfg;

/*
 * Opens a renderer: loads the fonts and measures each one's stroke. cfg is
 * borrowed (NULL for the defaults); the caller owns *out and closes it.
 * Returns ANPR_ERR_NOT_FOUND when a font file is missing (nothing else
 * tells the user which package to install), ANPR_ERR_FORMAT when a font
 * cannot be read or lacks a plate character, ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_open(const anpr_synth_cfg *cfg, anpr_synth **out);

/* Frees the handle and its scratch images; NULL is fine. */
void anpr_synth_close(anpr_synth *s);

/* How many fonts the handle holds (1..ANPR_SYNTH_MAX_FONTS). */
int anpr_synth_font_count(const anpr_synth *s);

/* The font's family and style name ("Liberation Sans Narrow Bold"); "" for a bad index. */
const char *anpr_synth_font_name(const anpr_synth *s, int font);

/* National identifier or flash in a band at the left edge. */
typedef enum anpr_synth_band {
	ANPR_SYNTH_BAND_NONE,
	ANPR_SYNTH_BAND_GB_EU,   /* blue, EU stars over GB (before 2021, still common) */
	ANPR_SYNTH_BAND_UK,      /* blue, UK */
	ANPR_SYNTH_BAND_UK_FLAG, /* Union flag over UK */
	ANPR_SYNTH_BAND_GREEN,   /* green flash of a zero-emission vehicle */
	ANPR_SYNTH_BANDS         /* count */
} anpr_synth_band;

/* Everything that decides how a flat plate looks. */
typedef struct anpr_synth_plate {
	anpr_vrm_mark vrm;
	bool rear; /* black on yellow; else black on white (front) */
	int font;  /* index into the handle's fonts (taken modulo their count) */
	anpr_synth_band band;
	bool border;          /* thin black border inside the edge */
	bool maker_mark;      /* supplier name and BS AU 145e in small print along the bottom */
	double weight_mm;     /* stroke width change from 14 mm, -2.5..+2.5 */
	double dirt;          /* grime, 0 (clean) .. 1 (filthy but readable) */
	bool ir;              /* as an IR camera sees it: grey, retro-reflective sheeting bright, ink dark */
	uint64_t detail_seed; /* dirt blotches, supplier name, sheeting tint */
} anpr_synth_plate;

/* A rectangle in millimetres on the plate, origin at its top-left corner. */
typedef struct anpr_synth_box {
	double x, y, w, h;
} anpr_synth_box;

/* Where things go on the plate. */
typedef struct anpr_synth_layout {
	int n;                                  /* characters, as in vrm.text */
	anpr_synth_box chars[ANPR_VRM_GEN_MAX]; /* each character's ink box */
	anpr_synth_box band;                    /* side band; w == 0 without one */
} anpr_synth_layout;

/*
 * Lays out p->vrm on the plate: characters centred in the space right of
 * the band. A pure function of p (no handle needed). Returns ANPR_ERR_INVAL
 * for an empty mark or one too long for the plate. Any thread.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_layout_plate(const anpr_synth_plate *p, anpr_synth_layout *out);

/*
 * Renders the flat plate at px_per_mm (0.1..10; 1.0 gives 520 x 111) into out
 * as BGR (IR plates too, with equal channels). out is allocated or reused as
 * for opencv_c. Returns ANPR_ERR_INVAL for bad arguments or a mark that
 * anpr_synth_layout_plate() refuses, ANPR_ERR_NOMEM, ANPR_ERR_INTERNAL when
 * FreeType fails.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_render_plate(anpr_synth *s, const anpr_synth_plate *p, double px_per_mm,
						 anpr_image *out);

/* "none", "gb-eu", "uk", "uk-flag", "green"; "unknown" otherwise. */
const char *anpr_synth_band_name(anpr_synth_band band);

#endif
