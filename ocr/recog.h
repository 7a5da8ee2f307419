/* SPDX-License-Identifier: MIT */
/* Text recognition of one rectified plate strip with Tesseract's LSTM, through its C API. */
#ifndef ANPR_RECOG_H
#define ANPR_RECOG_H

#include "err.h"
#include "grammar.h"
#include "opencv_c.h"

typedef struct anpr_recog anpr_recog;

typedef struct anpr_recog_cfg {
	/*
	 * Folder holding <model>.traineddata; NULL: $ANPR_TESSDATA, else
	 * <prefix>/share/anpr/tessdata beside the binary (installed), else the source tree's.
	 */
	const char *model_dir;
	/* Model name: "plate" (ours, trained by tools/train-ocr.sh) or "eng" (Tesseract's stock). */
	const char *model;
} anpr_recog_cfg;

/*
 * Loads the model (100-250 ms): create one per worker thread at start-up and
 * reuse it. Returns ANPR_ERR_NOT_FOUND when the model file is missing,
 * ANPR_ERR_OCR when Tesseract refuses it. The caller owns *out. The handle is
 * used by one thread at a time.
 */
ANPR_MUST_CHECK anpr_err anpr_recog_open(const anpr_recog_cfg *cfg, anpr_recog **out);

/* Frees the handle; NULL is fine. */
void anpr_recog_close(anpr_recog *r);

/*
 * Opens the models a spec names: "NAME" (one), or "NAME+NAME" (two, read
 * together and merged with anpr_ocr_line_merge(), as the reader's default
 * "plate+eng"), each from model_dir as anpr_recog_cfg says. Fills out[0..*n-1]
 * and sets the rest NULL; on error none stays open. Returns ANPR_ERR_INVAL for
 * a malformed spec, else as anpr_recog_open(). The caller closes each.
 */
ANPR_MUST_CHECK anpr_err anpr_recog_open_spec(const char *spec, const char *model_dir, anpr_recog *out[2],
					      int *n);

/*
 * Reads one strip: a grey image of a single line of plate characters, dark on
 * light, characters roughly 20-64 px tall with a margin of about half a
 * character height around them (see ocr/README.md, "Strips"). Fills line
 * with one position per recognised symbol (spaces are not positions: a
 * symbol after one has gap_before set), alternatives most likely first with
 * probabilities in (0, 1], letters and digits only, and each symbol's height
 * over the line's median (0 where Tesseract gave no box). Returns ANPR_ERR_INVAL for a bad image, ANPR_ERR_OCR when
 * Tesseract fails; an empty result is ANPR_ERR_OK with line->n == 0.
 */
ANPR_MUST_CHECK anpr_err anpr_recog_read(anpr_recog *r, const anpr_image *strip, anpr_ocr_line *line);

/* How sure the OCR was of the line as a whole: the geometric mean of each position's best p; 0 for an empty line. */
float anpr_ocr_line_certainty(const anpr_ocr_line *line);

/*
 * Merges a second model's reading of the same strip into line (the reader's
 * "plate+eng"). Where both saw the same number of symbols, each position's
 * alternatives are averaged (a symbol one model did not offer counts as
 * probability 0 there); otherwise the surer line is kept, so an empty line
 * never replaces a read one.
 */
void anpr_ocr_line_merge(anpr_ocr_line *line, const anpr_ocr_line *other);

/*
 * Reads the strip with models[0] and, when models[1] is not NULL, with it too,
 * merging the second reading into the first (anpr_ocr_line_merge()): what the
 * reader does with the handles anpr_recog_open_spec() opened. Before the merge,
 * a line with more symbols than the other has its stutters folded, where that
 * makes the counts agree: a glyph the model was unsure of and said twice, as
 * a look-alike pair in one place (RM05 read RM0O5; see recog_internal.h).
 * Lines that still differ in length: the longer is taken when it has as many
 * symbols as the strip has glyphs (the other model ran two glyphs into one);
 * otherwise the surer, as the merge does. Last, with one model or two, the
 * glyphs' own shapes (glyph_shape.h): a class the shape model is sure of and
 * the OCR did not offer is offered where the symbol's box plainly holds that
 * glyph; where a position's alternatives hold symbols of different shapes,
 * the shape reweighs them; and a symbol whose box holds several glyphs the
 * shape is sure of is split into one per glyph (recog_internal.h). The line
 * can then be longer than either model's. *calls (may be NULL) gets the
 * number of anpr_recog_read() calls made. Errors as anpr_recog_read();
 * ANPR_ERR_INVAL without models[0].
 */
ANPR_MUST_CHECK anpr_err anpr_recog_read_models(anpr_recog *const models[2], const anpr_image *strip,
						anpr_ocr_line *line, int *calls);

#endif
