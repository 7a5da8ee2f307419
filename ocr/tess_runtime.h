/* SPDX-License-Identifier: MIT */
/* Stand-ins for the Leptonica and OpenMP calls Tesseract makes for every text line it reads. */
#ifndef ANPR_TESS_RUNTIME_H
#define ANPR_TESS_RUNTIME_H

#include <stdbool.h>

/*
 * tess_runtime.c defines pixWriteMem, GOMP_parallel, GOMP_parallel_sections,
 * GOMP_sections_next, GOMP_sections_end and GOMP_sections_end_nowait. In a
 * program linked with this library the dynamic linker gives Tesseract these
 * rather than Leptonica's and libgomp's, because it looks in the executable
 * first:
 * Tesseract then keeps each line image uncompressed, and runs its OpenMP
 * regions on the calling thread without setting up a team. Reads are the
 * same either way; only the time differs.
 *
 * True when Tesseract's calls reach the stand-ins (they do not, for example,
 * in a program that loads this library's code through dlopen). Any thread.
 */
bool anpr_tess_runtime_bound(void);

#endif
