/* SPDX-License-Identifier: MIT */
/* Stand-ins for the Leptonica and OpenMP calls Tesseract makes for every text line (see tess_runtime.h). */
#define _GNU_SOURCE /* RTLD_NEXT, RTLD_DEFAULT */
#include "tess_runtime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include <leptonica/allheaders.h>

/*
 * Tesseract hands every text line to its LSTM as an ImageData, which keeps the
 * line image PNG-compressed (Leptonica's pixWriteMem) and decodes it again a
 * moment later: zlib and libpng were 11% of the reader's time on the us set.
 * Upstream keeps the image as it is only when built with
 * TESSERACT_IMAGEDATA_AS_PIX, which Debian's build is not. This definition
 * takes Leptonica's place in every program linked with this library (the
 * dynamic linker looks in the executable first) and writes PNG requests in
 * Leptonica's own uncompressed serialisation instead, which pixReadMem
 * recognises and reads back to the same pixels and depth. Leptonica 1.82
 * cannot read back a colour-mapped image so serialised (it loses the map's
 * depth), so those, and every other format, go to Leptonica's pixWriteMem
 * unchanged. Nothing in our programs keeps or sends those bytes as PNG:
 * Tesseract only reads them back.
 */
typedef l_ok (*pix_write_mem_fn)(l_uint8 **pdata, size_t *psize, PIX *pix, l_int32 format);
static pthread_once_t pix_write_once = PTHREAD_ONCE_INIT;
static pix_write_mem_fn leptonica_pix_write_mem;

static void find_pix_write_mem(void)
{
	leptonica_pix_write_mem = (pix_write_mem_fn)dlsym(RTLD_NEXT, "pixWriteMem");
}

l_ok pixWriteMem(l_uint8 **pdata, size_t *psize, PIX *pix, l_int32 format)
{
	if (format == IFF_PNG && pix && !pixGetColormap(pix))
		return pixWriteMemSpix(pdata, psize, pix);
	(void)pthread_once(&pix_write_once, find_pix_write_mem);
	if (!leptonica_pix_write_mem)
		return 1; /* Leptonica's error value */
	return leptonica_pix_write_mem(pdata, psize, pix, format);
}

/*
 * Tesseract's LSTM computes its gates in an OpenMP "parallel sections" region
 * at every time step of every line. We run one recogniser per worker thread,
 * so those regions belong on the calling thread (recog.c's limit_openmp), but
 * libgomp still sets up a team of one and wakes it through a futex for each:
 * about 15,000 system calls for one image of the us set, some 5% of the
 * reader's time. These stand-ins run a region inline instead: the outlined
 * function is called once on this thread and takes the sections one by one
 * from GOMP_sections_next, as the only thread of a team would. Inside it,
 * omp_get_num_threads() is 1 and omp_get_thread_num() 0, as libgomp answers
 * outside any team, so a static loop schedule covers the whole range.
 * GOMP_sections_next and the two ends of a construct go to libgomp outside
 * our own sections region, so a sections construct libgomp began still works.
 * Prototypes as in libgomp's ABI (libgomp_g.h).
 */
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
void GOMP_parallel_sections(void (*fn)(void *), void *data, unsigned num_threads, unsigned count,
			    unsigned flags);
unsigned GOMP_sections_next(void);
void GOMP_sections_end(void);
void GOMP_sections_end_nowait(void);

typedef struct sections_region {
	unsigned next, count; /* sections are numbered 1..count; 0 means none left */
	bool ours;
} sections_region;

static _Thread_local sections_region region;
static pthread_once_t gomp_once = PTHREAD_ONCE_INIT;
static unsigned (*libgomp_sections_next)(void);
static void (*libgomp_sections_end)(void);
static void (*libgomp_sections_end_nowait)(void);

static void find_libgomp(void)
{
	libgomp_sections_next = (unsigned (*)(void))dlsym(RTLD_NEXT, "GOMP_sections_next");
	libgomp_sections_end = (void (*)(void))dlsym(RTLD_NEXT, "GOMP_sections_end");
	libgomp_sections_end_nowait = (void (*)(void))dlsym(RTLD_NEXT, "GOMP_sections_end_nowait");
}

void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags)
{
	sections_region outer = region;

	(void)num_threads;
	(void)flags;
	region.ours = false;
	fn(data);
	region = outer;
}

void GOMP_parallel_sections(void (*fn)(void *), void *data, unsigned num_threads, unsigned count,
			    unsigned flags)
{
	sections_region outer = region;

	(void)num_threads;
	(void)flags;
	region = (sections_region){ .next = 1, .count = count, .ours = true };
	fn(data);
	region = outer;
}

/* Whether the calling thread's sections construct is libgomp's; its functions are then looked up (once). */
static bool libgomp_region(void)
{
	if (region.ours)
		return false;
	(void)pthread_once(&gomp_once, find_libgomp);
	return true;
}

unsigned GOMP_sections_next(void)
{
	if (!libgomp_region())
		return region.next <= region.count ? region.next++ : 0;
	return libgomp_sections_next ? libgomp_sections_next() : 0;
}

/* The end of a sections construct with its barrier: a team of one has nothing to wait for. */
void GOMP_sections_end(void)
{
	if (libgomp_region() && libgomp_sections_end)
		libgomp_sections_end();
}

void GOMP_sections_end_nowait(void)
{
	if (libgomp_region() && libgomp_sections_end_nowait)
		libgomp_sections_end_nowait();
}

bool anpr_tess_runtime_bound(void)
{
	return (pix_write_mem_fn)dlsym(RTLD_DEFAULT, "pixWriteMem") == pixWriteMem &&
	       (void (*)(void (*)(void *), void *, unsigned, unsigned, unsigned))dlsym(
		   RTLD_DEFAULT, "GOMP_parallel_sections") == GOMP_parallel_sections;
}
