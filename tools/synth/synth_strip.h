/* SPDX-License-Identifier: MIT */
/* Training line images for Tesseract: a plate's characters as a rectifier would cut them out, from fonts or real tiles. */
#ifndef ANPR_SYNTH_STRIP_H
#define ANPR_SYNTH_STRIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "opencv_c.h"
#include "rng.h"
#include "synth.h"

/*
 * A strip is a grey image of one plate's characters, dark on light, about
 * 48 px tall with small margins, horizontally aligned with mild residual
 * rotation, shear, blur and noise; its ground truth is the mark with the
 * group space ("AB12 CDE"), as Tesseract's .gt.txt expects.
 *
 * Like scenes, a strip is drawn (anpr_synth_strip_draw, plain data for the
 * manifest) and then rendered as a pure function of the struct.
 * Threads: drawing any thread; rendering one handle per thread; a tile set
 * is read-only once loaded and may be shared by threads.
 */
typedef struct anpr_synth_strip {
	anpr_synth_plate plate; /* mark, font, sheeting colour, stroke weight, light dirt */
	bool tiles;             /* composed from real character tiles instead of a font */
	double char_h_px;       /* character height, 44..52 */
	double margin_px;       /* blank around the characters, 2..8 */
	double roll_deg;        /* residual rotation, -1.5..1.5 */
	double shear;           /* residual shear (x shift per unit of height), -0.06..0.06 */
	double blur_sigma;      /* 0..1 */
	double noise_sigma;     /* grey levels, 0..6 */
	double contrast;        /* ink depth relative to a clean plate, 0.55..1 */
	double background;      /* grey level of the plate background, 170..245 */
	int jpeg_quality;       /* 0 (none) or 60..95 */
	uint64_t noise_seed;
} anpr_synth_strip;

/* Character tiles cut from real UK plates (../shared/data/gb-chars), loaded into memory. */
typedef struct anpr_synth_tiles anpr_synth_tiles;

/* At most this many tiles are loaded, each at most 256 px a side; labels.tsv lines at most 4 KiB. */
#define ANPR_SYNTH_TILES_MAX 20000

/*
 * Loads dir/labels.tsv (`file<TAB>char` per line, a `file<TAB>char` header
 * allowed) and every tile it names (greyscale; normalised to dark on light).
 * The caller owns *out. Returns ANPR_ERR_NOT_FOUND when dir or labels.tsv is
 * missing, ANPR_ERR_FORMAT for a bad line (message in diag, which may be
 * NULL, as "labels.tsv:LINE: what"), ANPR_ERR_TOO_BIG beyond the limits,
 * a decode error for a tile that will not load, ANPR_ERR_NOMEM.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_tiles_load(const char *dir, anpr_synth_tiles **out, char *diag,
					       size_t diag_len);

void anpr_synth_tiles_free(anpr_synth_tiles *t);

/* Number of tiles loaded. */
size_t anpr_synth_tiles_count(const anpr_synth_tiles *t);

/* True when the set has at least one tile for every character of text. */
bool anpr_synth_tiles_cover(const anpr_synth_tiles *t, const char *text);

/*
 * Draws one strip's parameters. With probability tile_share (and a tile
 * set given) it is a tile strip and its mark is redrawn until the tiles
 * cover it; otherwise (and always with tiles NULL) a font strip. s supplies
 * the number of fonts. Advances *rng. ANPR_ERR_INVAL for bad arguments.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_strip_draw(const anpr_synth *s, const anpr_synth_tiles *tiles,
					       double tile_share, anpr_rng *rng, anpr_synth_strip *out);

/*
 * Renders st into out (grey, allocated or reused). A tile strip needs the
 * tile set that covers its mark (ANPR_ERR_NOT_FOUND otherwise). Returns
 * ANPR_ERR_INVAL for a strip outside the documented ranges' hard limits,
 * ANPR_ERR_NOMEM, ANPR_ERR_INTERNAL.
 */
ANPR_MUST_CHECK anpr_err anpr_synth_render_strip(anpr_synth *s, const anpr_synth_tiles *tiles,
						 const anpr_synth_strip *st, anpr_image *out);

/* Tab-separated column names and one strip's values, as for anpr_synth_scene_row(). */
const char *anpr_synth_strip_columns(void);
int anpr_synth_strip_row(const anpr_synth_strip *st, char *buf, size_t n);

#endif
