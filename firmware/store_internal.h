/* SPDX-License-Identifier: MIT */
/* store.c's internals, for its tests and fuzz target only. */
#ifndef ANPR_STORE_INTERNAL_H
#define ANPR_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sign.h"

/*
 * Parses a chain tip file's text (untrusted: it lies on the data
 * partition): "<seq> <64 lowercase hex>" with an optional newline, seq from 1
 * to 999999999999. False for anything else.
 */
bool anpr_store_parse_tip(const char *text, size_t len, uint64_t *seq, uint8_t sha[ANPR_SHA256_LEN]);

#endif
