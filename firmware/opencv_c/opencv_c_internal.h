/* SPDX-License-Identifier: MIT */
/* Helpers shared by opencv_c's C files (probe.c, codec.c): unsigned integers read from untrusted bytes. */
#ifndef ANPR_OPENCV_C_INTERNAL_H
#define ANPR_OPENCV_C_INTERNAL_H

#include <stdint.h>

/* Big- and little-endian 16- and 32-bit values at p; the caller has checked that the bytes exist. */
static inline uint32_t anpr_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t anpr_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t anpr_le16(const uint8_t *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static inline uint32_t anpr_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

#endif
