/* SPDX-License-Identifier: MIT */
/* xoshiro256** (Blackman and Vigna, public domain reference) seeded through splitmix64. */
#include <math.h>
#include <string.h>

#include "rng.h"

uint64_t anpr_rng_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t anpr_rng_derive(uint64_t seed, uint64_t stream)
{
	return anpr_rng_mix(anpr_rng_mix(seed) ^ anpr_rng_mix(stream ^ 0x5851f42d4c957f2dULL));
}

void anpr_rng_seed(anpr_rng *rng, uint64_t seed)
{
	/* The splitmix64 sequence from seed, as the xoshiro authors recommend. */
	for (uint64_t i = 0; i < 4; i++)
		rng->s[i] = anpr_rng_mix(seed + i * 0x9e3779b97f4a7c15ULL);
	/* xoshiro must not start from all zeros (splitmix64 never gives four, but be explicit). */
	if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
		rng->s[0] = 1;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t anpr_rng_next(anpr_rng *rng)
{
	uint64_t *s = rng->s;
	const uint64_t result = rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double anpr_rng_unit(anpr_rng *rng)
{
	return (double)(anpr_rng_next(rng) >> 11) * 0x1.0p-53;
}

double anpr_rng_range(anpr_rng *rng, double lo, double hi)
{
	if (!(hi > lo))
		return lo;
	return lo + (hi - lo) * anpr_rng_unit(rng);
}

int anpr_rng_int(anpr_rng *rng, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	const uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo) + 1;
	/* Reject the top partial block so every value is equally likely. */
	const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
	uint64_t x;

	do {
		x = anpr_rng_next(rng);
	} while (x >= limit);
	return (int)((int64_t)lo + (int64_t)(x % span));
}

bool anpr_rng_chance(anpr_rng *rng, double p)
{
	return anpr_rng_unit(rng) < p;
}

double anpr_rng_normal(anpr_rng *rng, double mean, double sd)
{
	/* 1 - unit is in (0, 1], so the log is finite. */
	const double u1 = 1.0 - anpr_rng_unit(rng);
	const double u2 = anpr_rng_unit(rng);

	return mean + sd * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double anpr_rng_normal_clamped(anpr_rng *rng, double mean, double sd, double lo, double hi)
{
	double v = anpr_rng_normal(rng, mean, sd);

	return v < lo ? lo : v > hi ? hi : v;
}

size_t anpr_rng_pick(anpr_rng *rng, const double *weight, size_t n)
{
	double total = 0, x;

	for (size_t i = 0; i < n; i++)
		total += weight[i] > 0 ? weight[i] : 0;
	/* Always consume one draw so the stream does not depend on the weights being zero. */
	x = anpr_rng_unit(rng) * total;
	if (!(total > 0))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const double w = weight[i] > 0 ? weight[i] : 0;
		if (x < w)
			return i;
		x -= w;
	}
	/* Rounding can leave x just above the last weight: take the last non-zero one. */
	for (size_t i = n; i-- > 0;) {
		if (weight[i] > 0)
			return i;
	}
	return 0;
}

char anpr_rng_char(anpr_rng *rng, const char *set)
{
	const size_t n = strlen(set);

	return set[anpr_rng_int(rng, 0, (int)n - 1)];
}
