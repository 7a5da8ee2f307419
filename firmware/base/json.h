/* SPDX-License-Identifier: MIT */
/* Writing JSON text safely: string escaping for untrusted bytes. */
#ifndef ANPR_JSON_H
#define ANPR_JSON_H

#include <stdio.h>

/*
 * Writes s as a JSON string literal, quotes included: control characters
 * escaped, and bytes that are not valid UTF-8 replaced by U+FFFD, so any
 * file name or OCR text yields valid JSON. NULL writes null. Any thread.
 */
void anpr_json_write_string(FILE *out, const char *s);

#endif
