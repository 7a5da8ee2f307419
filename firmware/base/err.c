/* SPDX-License-Identifier: MIT */
/* Messages and names for the codes in err_list.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

const char *anpr_strerror(anpr_err err)
{
	/* A switch, not an array: values may have gaps, and -Wswitch flags a missing case. */
	switch (err) {
#define ANPR_ERR(name, value, msg) \
	case ANPR_ERR_##name:      \
		return msg;
#include "err_list.h"
#undef ANPR_ERR
	}
	return "unknown error";
}

const char *anpr_errname(anpr_err err)
{
	switch (err) {
#define ANPR_ERR(name, value, msg) \
	case ANPR_ERR_##name:      \
		return #name;
#include "err_list.h"
#undef ANPR_ERR
	}
	return "UNKNOWN";
}

void anpr_diagf(char *diag, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!diag || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(diag, len, fmt, ap);
	va_end(ap);
}

void anpr_diagf_at(char *diag, size_t len, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!diag || len == 0)
		return;
	n = snprintf(diag, len, "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(diag + n, len - (size_t)n, fmt, ap);
	va_end(ap);
}
