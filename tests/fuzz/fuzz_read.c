/* SPDX-License-Identifier: MIT */
/* Fuzz target: the decode-and-read path anpr-read and the daemon take for an image. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opencv_c.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static anpr_reader *reader;
static anpr_image img;

/* The reader loads its model once; the fuzzer process reuses it like a worker thread would. */
static void cleanup(void)
{
	anpr_reader_close(reader);
	anpr_image_free(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	anpr_plate_read plates[8];
	size_t n = 0;

	if (!reader) {
		if (anpr_reader_open(NULL, &reader) != ANPR_ERR_OK)
			abort();
		atexit(cleanup);
	}
	if (anpr_cv_decode(data, size, ANPR_CV_LOAD_COLOR, &img) != ANPR_ERR_OK)
		return 0;
	if (anpr_reader_read(reader, &img, plates, 8, &n) != ANPR_ERR_OK)
		abort(); /* a decoded image must always be readable, plate or not */
	for (size_t i = 0; i < n; i++)
		if (!(plates[i].confidence >= 0 && plates[i].confidence <= 1) || !plates[i].text[0] ||
		    strlen(plates[i].text) > ANPR_VRM_MAX)
			abort();
	return 0;
}
