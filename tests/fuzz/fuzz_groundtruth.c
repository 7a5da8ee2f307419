/* SPDX-License-Identifier: MIT */
/* Fuzz target: the ground-truth parsers (.txt, VOC, anpr-synth manifest) over arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "groundtruth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	anpr_gt_plate gt[8];
	size_t n = 0;
	char diag[256];

	if (anpr_gt_parse_txt((const char *)data, size, gt, 8, &n, diag, sizeof(diag)) == ANPR_ERR_OK) {
		for (size_t i = 0; i < n; i++)
			if (gt[i].w < 1 || gt[i].h < 1 || !gt[i].text[0] || strlen(gt[i].text) > ANPR_VRM_MAX)
				abort();
	}
	if (anpr_gt_parse_voc((const char *)data, size, gt, 8, &n, diag, sizeof(diag)) == ANPR_ERR_OK) {
		for (size_t i = 0; i < n; i++)
			if (gt[i].w < 1 || gt[i].h < 1 || gt[i].text[0])
				abort();
	}
	anpr_gt_display rows[8];
	if (anpr_gt_parse_manifest((const char *)data, size, rows, 8, &n, diag, sizeof(diag)) ==
	    ANPR_ERR_OK) {
		for (size_t i = 0; i < n; i++) {
			size_t dl = strlen(rows[i].display);
			if (!rows[i].file[0] || strchr(rows[i].file, '/') || dl == 0 ||
			    rows[i].display[0] == ' ' || rows[i].display[dl - 1] == ' ' ||
			    strstr(rows[i].display, "  ") ||
			    (i > 0 && strcmp(rows[i - 1].file, rows[i].file) >= 0))
				abort();
		}
	}
	return 0;
}
