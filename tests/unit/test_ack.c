/* SPDX-License-Identifier: MIT */
/* The back office's acknowledgement parser: the documented shape, and everything a hostile reply can be. */
#include <stdlib.h>

#include "ack.h"
#include "check.h"

static anpr_err parse(const char *s, anpr_ack *a, size_t max, size_t *n)
{
	return anpr_ack_parse(s, strlen(s), a, max, n);
}

int main(void)
{
	anpr_ack a[4];
	size_t n = 99;

	CHECK_INT(parse("{\"results\":[{\"id\":\"u-000000000001\",\"status\":\"stored\"},"
			" {\"status\":\"duplicate\", \"id\":\"u-000000000002\", "
			"\"extra\":{\"x\":[1,2.5e3,null,true]}},"
			"{\"id\":\"u-000000000003\",\"status\":\"rejected\",\"error\":\"bad \\\"sig\\\" "
			"\\u00e9\\n\"}],"
			"\"server\":\"bofsim\"}",
			a, 4, &n),
		  ANPR_ERR_OK);
	CHECK_INT(n, 3);
	CHECK_STR(a[0].id, "u-000000000001");
	CHECK_INT(a[0].status, ANPR_ACK_STORED);
	CHECK_INT(a[1].status, ANPR_ACK_DUPLICATE);
	CHECK_STR(a[1].id, "u-000000000002");
	CHECK_INT(a[2].status, ANPR_ACK_REJECTED);
	CHECK_STR(a[2].error, "bad \"sig\" ? ");

	/* Unknown status, missing id, more results than room. */
	CHECK_INT(parse("{\"results\":[{\"id\":\"a\",\"status\":\"maybe\"},{\"status\":\"stored\"},"
			"{\"id\":\"b\",\"status\":\"stored\"},{\"id\":\"c\",\"status\":\"stored\"}]}",
			a, 2, &n),
		  ANPR_ERR_OK);
	CHECK_INT(n, 3);
	CHECK_INT(a[0].status, ANPR_ACK_UNKNOWN);
	CHECK_STR(a[1].id, "b");
	CHECK_INT(parse("{\"results\":[]}", a, 4, &n), ANPR_ERR_OK);
	CHECK_INT(n, 0);

	/* Not the documented shape, not JSON, or hostile. */
	static const char *bad[] = {
		"",
		"[]",
		"{}",
		"{\"results\":{}}",
		"{\"results\":[1]}",
		"{\"results\":[{\"id\":\"a\"]}",
		"{\"results\":[]} trailing",
		"{\"results\":[{\"id\":\"a\\x\"}]}",
		"{\"results\":[{\"id\":\"a\",}]}",
		"{\"results\":[{\"id\":\"a\",\"status\":\"stored\"}]",
		"{\"results\":[], \"n\": 01}",
		"{\"results\":[], \"n\": [[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]}",
		"{\"results\":[], \"s\": \"\x01\"}",
		"<html>502 Bad Gateway</html>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		CHECK_INT(parse(bad[i], a, 4, &n), ANPR_ERR_FORMAT);
		CHECK_INT(n, 0);
	}
	/* A huge body is refused before parsing. */
	char *huge = malloc(ANPR_ACK_MAX_BODY + 2);
	memset(huge, ' ', ANPR_ACK_MAX_BODY + 1);
	huge[ANPR_ACK_MAX_BODY + 1] = '\0';
	CHECK_INT(parse(huge, a, 4, &n), ANPR_ERR_TOO_BIG);
	free(huge);
	/* Long ids and errors are truncated, not overflowed. */
	char big[800];
	snprintf(big, sizeof(big),
		 "{\"results\":[{\"id\":\"%0300d\",\"status\":\"rejected\",\"error\":\"%0250d\"}]}", 7, 8);
	CHECK_INT(parse(big, a, 4, &n), ANPR_ERR_OK);
	CHECK_INT(strlen(a[0].id), ANPR_ACK_ID_BUF - 1);
	CHECK_INT(strlen(a[0].error), ANPR_ACK_ERROR_BUF - 1);
	return check_summary();
}
