/* SPDX-License-Identifier: MIT */
/* Minimal test assertions: count checks, report failures with file:line, summarise. */
#ifndef ANPR_CHECK_H
#define ANPR_CHECK_H

#include <stdio.h>
#include <string.h>

static unsigned check_passed_;
static unsigned check_failed_;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (cond) {                                                                      \
			check_passed_++;                                                         \
		} else {                                                                         \
			check_failed_++;                                                         \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

#define CHECK_INT(a, b)                                                                             \
	do {                                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);                                 \
		if (a_ == b_) {                                                                     \
			check_passed_++;                                                            \
		} else {                                                                            \
			check_failed_++;                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, \
				__LINE__, #a, #b, a_, b_);                                          \
		}                                                                                   \
	} while (0)

#define CHECK_STR(a, b)                                                                                 \
	do {                                                                                            \
		const char *a_ = (a), *b_ = (b);                                                        \
		if (a_ && b_ && strcmp(a_, b_) == 0) {                                                  \
			check_passed_++;                                                                \
		} else {                                                                                \
			check_failed_++;                                                                \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, \
				__LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");              \
		}                                                                                       \
	} while (0)

/* True when haystack contains needle; for checking messages. */
#define CHECK_CONTAINS(haystack, needle)                                                                     \
	do {                                                                                                 \
		const char *h_ = (haystack), *n_ = (needle);                                                 \
		if (h_ && n_ && strstr(h_, n_)) {                                                            \
			check_passed_++;                                                                     \
		} else {                                                                                     \
			check_failed_++;                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: \"%s\" contains \"%s\"\n", __FILE__, __LINE__, \
				h_ ? h_ : "(null)", n_ ? n_ : "(null)");                                     \
		}                                                                                            \
	} while (0)

/* Writes len bytes of text to dir/name, a test's fixture; a failure to write is a failed check. */
static inline void check_write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(text, 1, len, f) == len);
	CHECK(fclose(f) == 0);
}

/* Prints the closing line ctest logs and returns the process exit status. */
static inline int check_summary(void)
{
	printf("%u passed, %u failed\n", check_passed_, check_failed_);
	return check_failed_ == 0 && check_passed_ > 0 ? 0 : 1;
}

#endif
