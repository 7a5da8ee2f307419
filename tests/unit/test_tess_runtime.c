/* SPDX-License-Identifier: MIT */
/*
 * tess_runtime: the stand-ins are what the dynamic linker gives Tesseract,
 * a line image stored through them reads back the same, and OpenMP regions
 * run on the calling thread with every section and loop iteration done once.
 * Built with OpenMP, so the regions below call the same libgomp entry points
 * as Tesseract's LSTM.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <omp.h>
#include <pthread.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "check.h"
#include "tess_runtime.h"

/* Writes pix with pixWriteMem in format, reads it back; true when the pixels, depth and colour map survive. */
static bool round_trip(PIX *pix, l_int32 format, const char *magic)
{
	l_uint8 *data = NULL;
	size_t size = 0;
	l_int32 same = 0;
	bool ok = pixWriteMem(&data, &size, pix, format) == 0 && data && size > strlen(magic) &&
		  memcmp(data, magic, strlen(magic)) == 0;
	PIX *back = ok ? pixReadMem(data, size) : NULL;

	ok = ok && back && pixEqual(pix, back, &same) == 0 && same &&
	     (pixGetColormap(pix) == NULL) == (pixGetColormap(back) == NULL);
	pixDestroy(&back);
	lept_free(data);
	return ok;
}

static void test_bound(void)
{
	CHECK(anpr_tess_runtime_bound());
	CHECK(dlsym(RTLD_DEFAULT, "pixWriteMem") == (void *)pixWriteMem);
}

static void test_line_image_store(void)
{
	PIX *grey = pixCreate(37, 13, 8), *bits = pixCreate(41, 9, 1), *mapped = pixCreate(11, 7, 8);
	PIXCMAP *map = pixcmapCreate(8);

	CHECK(grey && bits && mapped && map);
	if (!grey || !bits || !mapped || !map) {
		pixcmapDestroy(&map);
		goto out;
	}
	for (int y = 0; y < 13; y++)
		for (int x = 0; x < 37; x++)
			pixSetPixel(grey, x, y, (l_uint32)((x * 7 + y * 13) & 255));
	for (int y = 0; y < 9; y++)
		for (int x = 0; x < 41; x++)
			pixSetPixel(bits, x, y, (l_uint32)((x ^ y) & 1));
	pixcmapAddColor(map, 10, 20, 30);
	pixcmapAddColor(map, 200, 100, 0);
	pixSetColormap(mapped, map);
	pixSetPixel(mapped, 3, 4, 1);

	/* PNG requests: Leptonica's uncompressed serialisation, not a PNG... */
	CHECK(round_trip(grey, IFF_PNG, "spix"));
	CHECK(round_trip(bits, IFF_PNG, "spix"));
	/* ... but a PNG for a colour map, which Leptonica cannot read back from its serialisation. */
	CHECK(round_trip(mapped, IFF_PNG, "\x89PNG"));
	/* Every other format is Leptonica's own. */
	CHECK(round_trip(grey, IFF_PNM, "P5"));
	CHECK(round_trip(bits, IFF_TIFF_G4, "II*"));
out:
	pixDestroy(&grey);
	pixDestroy(&bits);
	pixDestroy(&mapped);
}

/* What the sections of one region saw. */
typedef struct trace {
	int done[5];
	int threads, foreign;
	int inner[3]; /* sections of a construct libgomp began, inside a section */
	int loop[100];
} trace;

static pthread_t main_thread;

static void note_thread(trace *t)
{
	if (!pthread_equal(pthread_self(), main_thread))
		t->foreign++;
	if (omp_get_num_threads() != 1 || omp_get_thread_num() != 0)
		t->threads++;
}

/* One section's work: note where it ran, count it. */
static void run_section(trace *t, int i)
{
	note_thread(t);
	t->done[i]++;
}

/* An orphaned sections construct: GOMP_sections_start is libgomp's, not a stand-in. */
__attribute__((noinline)) static void inner_sections(trace *t)
{
#pragma omp sections
	{
#pragma omp section
		t->inner[0]++;
#pragma omp section
		t->inner[1]++;
#pragma omp section
		t->inner[2]++;
	}
}

static void test_openmp(void)
{
	trace t;

	memset(&t, 0, sizeof t);
	main_thread = pthread_self();

	/* As in Tesseract's LSTM: four sections, asked for on four threads. */
#pragma omp parallel sections num_threads(4)
	{
#pragma omp section
		run_section(&t, 1);
#pragma omp section
		{
			run_section(&t, 2);
			/* A region inside a section, with a sections construct of its own that libgomp begins. */
#pragma omp parallel num_threads(3)
			inner_sections(&t);
		}
#pragma omp section
		run_section(&t, 3);
#pragma omp section
		run_section(&t, 4);
	}
	for (int i = 1; i <= 4; i++)
		CHECK_INT(t.done[i], 1);
	for (int i = 0; i < 3; i++)
		CHECK_INT(t.inner[i], 1);

		/* A static loop over more iterations than threads asked for. */
#pragma omp parallel for num_threads(4)
	for (int i = 0; i < 100; i++) {
		note_thread(&t);
		t.loop[i]++;
	}
	int once = 0;
	for (int i = 0; i < 100; i++)
		once += t.loop[i] == 1;
	CHECK_INT(once, 100);
	CHECK_INT(t.threads, 0);
	CHECK_INT(t.foreign, 0);
}

int main(void)
{
	test_bound();
	test_line_image_store();
	test_openmp();
	return check_summary();
}
