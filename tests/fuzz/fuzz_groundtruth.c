/* SPDX-License-Identifier: MIT */
/* Fuzz target: both ground-truth parsers over arbitrary bytes. */
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
	return 0;
}
