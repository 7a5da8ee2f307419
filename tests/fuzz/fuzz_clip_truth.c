/* SPDX-License-Identifier: MIT */
/* Fuzz target: the clip ground-truth sidecar parser (and the scorer over what it accepts), and the clip manifest parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "score.h"
#include "truth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char diag[512];
	anpr_truth *t = NULL;
	anpr_manifest *m = NULL;

	diag[0] = '\0';
	if (anpr_truth_parse("fuzz.truth.jsonl", (const char *)data, size, &t, diag, sizeof(diag)) ==
	    ANPR_ERR_OK) {
		const anpr_truth_header *h = anpr_truth_get_header(t);
		if (anpr_truth_count(t) != h->vehicles || h->frames < 1 || h->fps <= 0)
			abort();
		/* Every accepted vehicle is inside the clip, its boxes inside the frame and in order. */
		anpr_score_read reads[4];
		int n = 0;
		for (int i = 0; i < anpr_truth_count(t); i++) {
			const anpr_truth_vehicle *v = anpr_truth_at(t, i);
			if (v->last_frame >= h->frames || v->first_frame > v->last_frame || !v->vrm[0])
				abort();
			for (int k = 0; k < v->n_boxes; k++) {
				const anpr_truth_box *b = &v->boxes[k];
				if (b->x + b->w > h->width || b->y + b->h > h->height || b->w < 1 ||
				    (k && b->frame <= v->boxes[k - 1].frame) ||
				    anpr_truth_box_at(v, b->frame) != b)
					abort();
			}
			if (n < 4 && v->first_frame >= 0) {
				/* A read of this vehicle, and one of nothing, for the scorer. */
				anpr_score_read *r = &reads[n++];
				memset(r, 0, sizeof(*r));
				memcpy(r->vrm, v->vrm, sizeof(r->vrm));
				r->first_ms = (int64_t)(v->first_frame * 1000.0 / h->fps);
				r->last_ms = r->captured_ms = (int64_t)(v->last_frame * 1000.0 / h->fps);
				if (v->n_boxes) {
					r->has_box = true;
					r->box[0] = v->boxes[v->n_boxes - 1].x;
					r->box[1] = v->boxes[v->n_boxes - 1].y;
					r->box[2] = v->boxes[v->n_boxes - 1].w;
					r->box[3] = v->boxes[v->n_boxes - 1].h;
				}
			}
		}
		anpr_score_result res;
		if (anpr_score(t, reads, n, 0, &res) == ANPR_ERR_OK) {
			if (res.exact + res.misread + res.missed != res.vehicles ||
			    res.exact + res.misread + res.duplicates + res.false_reads != n)
				abort();
		}
		anpr_truth_free(t);
	} else if (!strstr(diag, "fuzz.truth.jsonl:")) {
		abort(); /* every refusal names the file and line */
	}
	if (anpr_manifest_parse("fuzz.ini", (const char *)data, size, &m, diag, sizeof(diag)) ==
	    ANPR_ERR_OK) {
		for (int i = 0; i < anpr_manifest_clip_count(m); i++)
			if (!anpr_manifest_clip_at(m, i)->synth[0])
				abort();
		anpr_manifest_free(m);
	}
	return 0;
}
