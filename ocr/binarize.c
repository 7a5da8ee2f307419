/* SPDX-License-Identifier: MIT */
/* Local-mean thresholding and run-based connected-component labelling, one pass over the image (binarize.h). */
#include "binarize.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Runs a polarity's list starts with; it doubles as needed up to ANPR_BINARIZE_MAX_RUNS. */
#define FIRST_RUNS (1u << 15)

/* A row segment of foreground pixels, x0..x1 inclusive. */
typedef struct run {
	int32_t parent; /* union-find, always <= own index; once labelled, a root holds -(label + 1) */
	uint16_t x0, x1;
} run;

/* One polarity's runs, row after row. */
typedef struct run_list {
	run *r;
	uint32_t n, cap;
	uint32_t *row; /* index of each row's first run; row[height] = n */
	bool full;     /* ANPR_BINARIZE_MAX_RUNS reached: later rows are left out */
} run_list;

struct anpr_binarizer {
	run_list list[2]; /* dark, light */
	int width_cap, height_cap;
	size_t sums_cap;
	uint16_t *col;    /* per column, the sum over the window's rows; block / 2 edge copies each side */
	uint32_t *prefix; /* prefix sums of col (wide windows) */
	uint16_t *tmp[2]; /* partial window sums (narrow windows) */
	uint16_t *sum;    /* window sums, then means (narrow windows) */
	uint8_t *mask[2]; /* one row, a byte per pixel, zero-padded to whole words */
	uint64_t *bits;   /* one mask row, a bit per pixel */
	int64_t *sums;    /* per component: sum of x, sum of y (centroids) */
};

anpr_err anpr_binarize_open(anpr_binarizer **out)
{
	if (!out)
		return ANPR_ERR_INVAL;
	*out = calloc(1, sizeof(**out));
	return *out ? ANPR_ERR_OK : ANPR_ERR_NOMEM;
}

/* Frees the per-row buffers sized by image width (reserve() makes them again). */
static void free_rows(anpr_binarizer *b)
{
	free(b->col);
	free(b->prefix);
	free(b->tmp[0]);
	free(b->tmp[1]);
	free(b->sum);
	free(b->mask[0]);
	free(b->mask[1]);
	free(b->bits);
}

void anpr_binarize_close(anpr_binarizer *b)
{
	if (!b)
		return;
	for (int p = 0; p < 2; p++) {
		free(b->list[p].r);
		free(b->list[p].row);
	}
	free_rows(b);
	free(b->sums);
	free(b);
}

/* Grows the row buffers to an image of width x height (with a window of block). */
static anpr_err reserve(anpr_binarizer *b, int width, int height, int block)
{
	if (width + block > b->width_cap) {
		int cap = width + 256;
		size_t words = (size_t)(cap + 63) / 64;
		free_rows(b);
		b->col = malloc((size_t)cap * sizeof(*b->col));
		b->prefix = malloc(((size_t)cap + 1) * sizeof(*b->prefix));
		b->tmp[0] = malloc((size_t)cap * sizeof(*b->tmp[0]));
		b->tmp[1] = malloc((size_t)cap * sizeof(*b->tmp[1]));
		b->sum = malloc((size_t)cap * sizeof(*b->sum));
		b->mask[0] = malloc(words * 64);
		b->mask[1] = malloc(words * 64);
		b->bits = malloc(words * sizeof(*b->bits));
		b->width_cap = 0;
		if (!b->col || !b->prefix || !b->tmp[0] || !b->tmp[1] || !b->sum || !b->mask[0] ||
		    !b->mask[1] || !b->bits)
			return ANPR_ERR_NOMEM;
		b->width_cap = cap;
	}
	if (height + 1 > b->height_cap) {
		int cap = height + 64;
		for (int p = 0; p < 2; p++) {
			free(b->list[p].row);
			b->list[p].row = malloc((size_t)cap * sizeof(*b->list[p].row));
		}
		b->height_cap = 0;
		if (!b->list[0].row || !b->list[1].row)
			return ANPR_ERR_NOMEM;
		b->height_cap = cap;
	}
	for (int p = 0; p < 2; p++) {
		run_list *l = &b->list[p];
		if (!l->r) {
			l->r = malloc(FIRST_RUNS * sizeof(*l->r));
			if (!l->r)
				return ANPR_ERR_NOMEM;
			l->cap = FIRST_RUNS;
		}
	}
	return ANPR_ERR_OK;
}

/* Makes room for one more run; false when the list is at its cap (or memory ran out, *err set). */
static bool room(run_list *l, anpr_err *err)
{
	if (l->n < l->cap)
		return true;
	if (l->cap >= ANPR_BINARIZE_MAX_RUNS) {
		l->full = true;
		return false;
	}
	uint32_t cap = l->cap * 2 > ANPR_BINARIZE_MAX_RUNS ? ANPR_BINARIZE_MAX_RUNS : l->cap * 2;
	run *r = realloc(l->r, (size_t)cap * sizeof(*r));
	if (!r) {
		*err = ANPR_ERR_NOMEM;
		return false;
	}
	l->r = r;
	l->cap = cap;
	return true;
}

static int32_t find(run *r, int32_t i)
{
	while (r[i].parent != i) {
		r[i].parent = r[r[i].parent].parent; /* path halving */
		i = r[i].parent;
	}
	return i;
}

/* The smaller index becomes the root, so a component's root is its first run in raster order. */
static void join(run *r, int32_t i, int32_t j)
{
	int32_t a = find(r, i), c = find(r, j);

	if (a < c)
		r[c].parent = a;
	else if (c < a)
		r[a].parent = c;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "pack_bits() assumes a little-endian machine"
#endif

/*
 * Packs a row of 0/1 bytes (zero-padded to whole words of 64) into bits,
 * pixel x at bit x % 64 of word x / 64: the multiply gathers eight bytes'
 * low bits into the top byte (byte j to bit 56 + j; the partial products
 * never overlap, so nothing carries).
 */
static void pack_bits(const uint8_t *mask, size_t words, uint64_t *bits)
{
	for (size_t wi = 0; wi < words; wi++) {
		uint64_t word = 0;
		for (int b = 0; b < 8; b++) {
			uint64_t v;
			memcpy(&v, mask + wi * 64 + (size_t)b * 8, sizeof(v));
			word |= ((v * 0x0102040810204080ull) >> 56) << (8 * b);
		}
		bits[wi] = word;
	}
}

/* First x >= from whose bit equals want (1 or 0), or words * 64 when none. */
static int next_bit(const uint64_t *bits, size_t words, int from, bool want)
{
	size_t wi = (size_t)from / 64;
	uint64_t flip = want ? 0 : ~0ull;

	if (wi >= words)
		return (int)(words * 64);
	uint64_t word = (bits[wi] ^ flip) & (~0ull << (from % 64));
	while (!word) {
		if (++wi == words)
			return (int)(words * 64);
		word = bits[wi] ^ flip;
	}
	return (int)(wi * 64) + __builtin_ctzll(word);
}

/*
 * Appends the foreground runs of one row (bits, zero-padded) and joins them
 * with the runs of the row above that touch them, diagonals included.
 */
static anpr_err add_runs(run_list *l, const uint64_t *bits, int width, int y)
{
	anpr_err err = ANPR_ERR_OK;
	uint32_t first = l->n;
	size_t words = (size_t)(width + 63) / 64;

	l->row[y] = l->n;
	if (l->full)
		return ANPR_ERR_OK;
	for (int x = next_bit(bits, words, 0, true); x < width; x = next_bit(bits, words, x, true)) {
		int x0 = x;
		x = next_bit(bits, words, x, false);
		if (!room(l, &err))
			break;
		uint32_t at = l->n++;
		l->r[at] = (run){ .parent = (int32_t)at, .x0 = (uint16_t)x0, .x1 = (uint16_t)(x - 1) };
	}
	if (err)
		return err;
	if (y == 0)
		return ANPR_ERR_OK;
	uint32_t i = l->row[y - 1], j = first;
	while (i < first && j < l->n) {
		const run *a = &l->r[i], *c = &l->r[j];
		if (a->x1 + 1 < c->x0) {
			i++;
		} else if (c->x1 + 1 < a->x0) {
			j++;
		} else {
			join(l->r, (int32_t)i, (int32_t)j);
			/* The one that ends first can touch nothing further on. */
			if (a->x1 < c->x1)
				i++;
			else
				j++;
		}
	}
	return ANPR_ERR_OK;
}

/* Numbers a run's component if it is not yet numbered. */
static void number(run *r, uint32_t t, int32_t *count)
{
	int32_t p = r[t].parent;

	if (p < 0)
		return;       /* a numbered root */
	if (r[p].parent == p) /* p is t's root (or t itself), not yet numbered */
		r[p].parent = -(++*count);
}

static int32_t label_of(const run *r, uint32_t t)
{
	int32_t p = r[t].parent;

	return p < 0 ? -p - 1 : -r[p].parent - 1;
}

/*
 * Turns a polarity's runs into components. They are numbered in the order
 * OpenCV's block-based labelling (2x2 blocks, row pairs first) meets them, so
 * that the order, and what a cap on their count keeps, is the same: by the
 * first 2x2 block holding a pixel of theirs. Two components cannot share a
 * block, since a block's pixels all touch.
 */
static anpr_err label(anpr_binarizer *b, run_list *l, int height, anpr_component *out, size_t max, size_t *n)
{
	run *r = l->r;
	int32_t count = 0;

	for (uint32_t i = 0; i < l->n; i++)
		r[i].parent = r[r[i].parent].parent;
	for (int y = 0; y < height; y += 2) {
		uint32_t i = l->row[y], ie = l->row[y + 1];
		uint32_t j = ie, je = y + 1 < height ? l->row[y + 2] : ie;
		while (i < ie || j < je) {
			if (j >= je || (i < ie && r[i].x0 >> 1 <= r[j].x0 >> 1))
				number(r, i++, &count);
			else
				number(r, j++, &count);
		}
	}
	*n = (size_t)count;
	size_t nout = (size_t)count < max ? (size_t)count : max;
	if (nout > b->sums_cap) {
		free(b->sums);
		b->sums_cap = 0;
		b->sums = malloc(nout * 2 * sizeof(*b->sums));
		if (!b->sums)
			return ANPR_ERR_NOMEM;
		b->sums_cap = nout;
	}
	for (size_t c = 0; c < nout; c++)
		out[c].area = 0;
	for (int y = 0; y < height; y++)
		for (uint32_t i = l->row[y]; i < l->row[y + 1]; i++) {
			size_t c = (size_t)label_of(r, i);
			if (c >= nout)
				continue;
			anpr_component *o = &out[c];
			int x0 = r[i].x0, x1 = r[i].x1, len = x1 - x0 + 1;
			/* Until the end, box.width and box.height hold the last column and row. */
			if (o->area == 0) {
				o->box = (anpr_rect){ x0, y, x1, y };
				b->sums[2 * c] = b->sums[2 * c + 1] = 0;
			}
			o->box.x = x0 < o->box.x ? x0 : o->box.x;
			o->box.width = x1 > o->box.width ? x1 : o->box.width;
			o->box.height = y;
			o->area += len;
			b->sums[2 * c] += (int64_t)(x0 + x1) * len / 2;
			b->sums[2 * c + 1] += (int64_t)y * len;
		}
	for (size_t c = 0; c < nout; c++) {
		anpr_component *o = &out[c];
		o->box.width -= o->box.x - 1;
		o->box.height -= o->box.y - 1;
		o->cx = (float)((double)b->sums[2 * c] / o->area);
		o->cy = (float)((double)b->sums[2 * c + 1] / o->area);
	}
	return ANPR_ERR_OK;
}

/*
 * Marks one row's dark and light pixels (0 or 1 per byte) from the
 * prefix sums of its window sums. OpenCV compares each pixel with the mean
 * rounded to nearest, round(S / n) for a window sum S of n pixels (n odd, so
 * never a tie); for integers that is the same as comparing n * grey with
 * S + (n - 1) / 2, which needs no division:
 *   grey + k <= round(S / n)  <=>  n * (grey + k) <= S + (n - 1) / 2
 *   grey - k >  round(S / n)  <=>  n * (grey - k) >  S + (n - 1) / 2
 */
static void threshold_row(const uint8_t *restrict g, const uint32_t *restrict prefix, int width, int block,
			  int k, uint8_t *restrict dark, uint8_t *restrict light)
{
	int32_t n = block * block, half = (n - 1) / 2, nk = n * k;

	for (int x = 0; x < width; x++) {
		int32_t sum = (int32_t)(prefix[x + block] - prefix[x]) + half, ng = n * g[x];
		dark[x] = ng + nk <= sum;
		light[x] = ng - nk > sum;
	}
}

/*
 * Narrow windows (block <= 15, 225 pixels) keep every sum in 16 bits, which
 * vectorizes twice as wide. The division by the pixel count n is then a
 * 16-bit multiply-high by m and a shift: floor(x / n) = (x m) >> (16 + shift)
 * for every x up to 255 n + n / 2, checked here once per call.
 */
typedef struct narrow {
	uint16_t m;
	int shift;
} narrow;

static bool narrow_ok(int block, narrow *q)
{
	uint64_t n = (uint64_t)block * (uint64_t)block, xmax = 255 * n + (n - 1) / 2;

	if (xmax > UINT16_MAX)
		return false;
	for (int shift = 15; shift >= 0; shift--) {
		uint64_t one = 1ull << (16 + shift), m = (one + n - 1) / n;
		if (m > UINT16_MAX)
			continue;
		/* m overshoots one / n by e / n; harmless while x e < one. */
		if (xmax * (m * n - one) >= one)
			return false;
		*q = (narrow){ (uint16_t)m, shift };
		return true;
	}
	return false;
}

/*
 * Sums of block consecutive column sums (col padded with the edge copies),
 * for each of width outputs, by doubling: spans of 1, 2, 4, 8 columns are
 * built pass by pass, and those the binary digits of block name are added
 * up. Each pass is a plain loop over the row that vectorizes, where a
 * running sum would be one long chain of dependent additions.
 */
static void window_sums(const uint16_t *col, int width, int block, uint16_t *restrict sum, uint16_t *t0,
			uint16_t *t1)
{
	const uint16_t *span_sums = col; /* sums of span consecutive columns */
	int len = width + block - 1, off = 0;
	bool started = false;

	for (int span = 1; span <= block; span *= 2) {
		if (block & span) {
			const uint16_t *restrict from = span_sums + off;
			if (started)
				for (int x = 0; x < width; x++)
					sum[x] = (uint16_t)(sum[x] + from[x]);
			else
				for (int x = 0; x < width; x++)
					sum[x] = from[x];
			started = true;
			off += span;
		}
		if (2 * span <= block) {
			const uint16_t *restrict a = span_sums, *restrict c = span_sums + span;
			uint16_t *restrict next = span_sums == t0 ? t1 : t0;
			for (int i = 0; i < len - 2 * span + 1; i++)
				next[i] = (uint16_t)(a[i] + c[i]);
			span_sums = next;
		}
	}
}

/* Marks one row's dark and light pixels from its window sums, narrow windows (see threshold_row()). */
static void threshold_row_narrow(const uint8_t *restrict g, uint16_t *restrict sum, int width, int block,
				 const narrow *q, int k, uint8_t *restrict dark, uint8_t *restrict light)
{
	uint16_t half = (uint16_t)((block * block - 1) / 2), m = q->m;
	int shift = q->shift;
	int16_t k16 = (int16_t)k;

	/* The mean rounded to nearest: floor((sum + (n - 1) / 2) / n), as in threshold_row(). */
	for (int x = 0; x < width; x++)
		sum[x] = (uint16_t)((uint16_t)(((uint32_t)(uint16_t)(sum[x] + half) * m) >> 16) >> shift);
	for (int x = 0; x < width; x++) {
		int16_t v = (int16_t)g[x], mean = (int16_t)sum[x];
		dark[x] = (int16_t)(v + k16) <= mean;
		light[x] = (int16_t)(v - k16) > mean;
	}
}

anpr_err anpr_binarize_components(anpr_binarizer *b, const anpr_image *grey, int block, double offset,
				  anpr_component *dark, size_t *ndark, anpr_component *light, size_t *nlight,
				  size_t max)
{
	anpr_component *outs[2] = { dark, light };
	size_t *counts[2] = { ndark, nlight };
	anpr_err err;

	if (!b || !grey || !grey->data || grey->channels != 1 || grey->width < 1 || grey->height < 1 ||
	    grey->width > ANPR_IMAGE_MAX_SIDE || grey->height > ANPR_IMAGE_MAX_SIDE || block < 3 ||
	    block > 255 || block % 2 == 0 || !isfinite(offset) || (dark && !ndark) || (light && !nlight) ||
	    (max > 0 && !dark && !light))
		return ANPR_ERR_INVAL;
	int w = grey->width, h = grey->height, r = block / 2;
	/* Beyond +-255 every pixel or none passes; clamping keeps the arithmetic in int. */
	int k = (int)floor(fmax(fmin(offset, 1000), -1000));
	err = reserve(b, w, h, block);
	if (err)
		return err;
	size_t words = (size_t)(w + 63) / 64;
	for (int p = 0; p < 2; p++) {
		b->list[p].n = 0;
		b->list[p].full = false;
		memset(b->mask[p] + w, 0, words * 64 - (size_t)w); /* rows never write the padding */
	}

	/* Column sums over rows -r..r of row 0, edge rows replicated; col[r + x] is column x's. */
	uint16_t *col = b->col;
	const uint8_t *row0 = grey->data;
	for (int x = 0; x < w; x++)
		col[r + x] = (uint16_t)(row0[x] * (r + 1));
	for (int dy = 1; dy <= r; dy++) {
		const uint8_t *s = grey->data + (size_t)(dy < h ? dy : h - 1) * grey->stride;
		for (int x = 0; x < w; x++)
			col[r + x] = (uint16_t)(col[r + x] + s[x]);
	}
	narrow q = { 0, 0 };
	bool fast = narrow_ok(block, &q);
	for (int y = 0; y < h; y++) {
		const uint8_t *g = grey->data + (size_t)y * grey->stride;
		if (y > 0) {
			int yin = y + r < h ? y + r : h - 1, yout = y - 1 - r > 0 ? y - 1 - r : 0;
			const uint8_t *restrict in = grey->data + (size_t)yin * grey->stride;
			const uint8_t *restrict gone = grey->data + (size_t)yout * grey->stride;
			uint16_t *restrict c = col + r;
			for (int x = 0; x < w; x++)
				c[x] = (uint16_t)(c[x] + in[x] - gone[x]);
		}
		/* The edge columns replicated r times each side. */
		for (int i = 0; i < r; i++) {
			col[i] = col[r];
			col[r + w + i] = col[r + w - 1];
		}
		if (fast) {
			window_sums(col, w, block, b->sum, b->tmp[0], b->tmp[1]);
			threshold_row_narrow(g, b->sum, w, block, &q, k, b->mask[0], b->mask[1]);
		} else {
			uint32_t *pre = b->prefix;
			uint32_t acc = 0;
			pre[0] = 0;
			for (int x = 0; x < w + 2 * r; x++)
				pre[x + 1] = acc += col[x];
			threshold_row(g, pre, w, block, k, b->mask[0], b->mask[1]);
		}
		for (int p = 0; p < 2; p++) {
			if (!outs[p])
				continue;
			pack_bits(b->mask[p], words, b->bits);
			err = add_runs(&b->list[p], b->bits, w, y);
			if (err)
				return err;
		}
	}
	for (int p = 0; p < 2; p++) {
		if (!outs[p])
			continue;
		b->list[p].row[h] = b->list[p].n;
		err = label(b, &b->list[p], h, outs[p], max, counts[p]);
		if (err)
			return err;
	}
	return ANPR_ERR_OK;
}
