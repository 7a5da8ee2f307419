/* SPDX-License-Identifier: MIT */
/* A small seeded random generator (xoshiro256** seeded by splitmix64) for reproducible synthetic data. */
#ifndef ANPR_RNG_H
#define ANPR_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/*
 * Generator state. A plain struct so it can live on the stack; the caller
 * owns it and must not touch s[] directly. There is no global generator:
 * every function takes the state it advances, so output depends only on the
 * seed and the sequence of calls. One thread per state; any thread.
 *
 * The sequence for a seed is fixed for good (synthetic test sets are named by
 * their seed): changing any function below changes every set, so don't.
 */
typedef struct anpr_rng {
	uint64_t s[4];
} anpr_rng;

/* One splitmix64 step of x: a 64-bit mixing hash. */
uint64_t anpr_rng_mix(uint64_t x);

/* A seed for sub-stream `stream` of seed: images of a set each get their own. */
uint64_t anpr_rng_derive(uint64_t seed, uint64_t stream);

/* Seeds *rng from a 64-bit seed (any value, 0 included). */
void anpr_rng_seed(anpr_rng *rng, uint64_t seed);

/* The next 64 random bits. */
uint64_t anpr_rng_next(anpr_rng *rng);

/* Uniform in [0, 1) with 53 random bits. */
double anpr_rng_unit(anpr_rng *rng);

/* Uniform in [lo, hi) (lo when hi <= lo). */
double anpr_rng_range(anpr_rng *rng, double lo, double hi);

/* Uniform integer in [lo, hi], without modulo bias (lo when hi <= lo). */
int anpr_rng_int(anpr_rng *rng, int lo, int hi);

/* True with probability p. */
bool anpr_rng_chance(anpr_rng *rng, double p);

/* Normal with mean and standard deviation sd (Box-Muller; one value per call). */
double anpr_rng_normal(anpr_rng *rng, double mean, double sd);

/* Normal(mean, sd) clamped into [lo, hi]. */
double anpr_rng_normal_clamped(anpr_rng *rng, double mean, double sd, double lo, double hi);

/*
 * Index i in [0, n) drawn with probability weight[i] / sum(weight).
 * Negative weights count as 0; all zero (or n == 0) gives 0.
 */
size_t anpr_rng_pick(anpr_rng *rng, const double *weight, size_t n);

/* One character of the NUL-terminated set, uniformly. set must not be empty. */
char anpr_rng_char(anpr_rng *rng, const char *set);

#endif
