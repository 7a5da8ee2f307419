/* SPDX-License-Identifier: MIT */
/* Messages and names for the codes in err_list.h. */
#include "err.h"

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
