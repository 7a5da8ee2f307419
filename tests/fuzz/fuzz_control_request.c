/* SPDX-License-Identifier: MIT */
/* Fuzz target: the control socket's request line parser (and the JSON parser under it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control_internal.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	anpr_control_request r;
	char msg[160];
	anpr_err err = anpr_control_parse_request((const char *)data, size, &r, msg, sizeof(msg));

	/* Every outcome is one of the documented ones, with a reason; an accepted request is in range. */
	if (err != ANPR_ERR_OK && err != ANPR_ERR_FORMAT && err != ANPR_ERR_INVAL && err != ANPR_ERR_RANGE)
		abort();
	if (err != ANPR_ERR_OK && (msg[0] == '\0' || !memchr(msg, '\0', sizeof(msg))))
		abort();
	if (err != ANPR_ERR_FORMAT && (r.id < 1 || r.id > 2147483647))
		abort();
	if (err == ANPR_ERR_OK &&
	    (r.cols < 16 || r.cols > 160 || r.rows < 8 || r.rows > 60 || r.fps < 0.5 || r.fps > 10 ||
	     r.seconds < 1 || r.seconds > 600 || r.lines < 1 || r.lines > 1000 ||
	     (r.cmd == ANPR_CMD_CANCEL && (r.target < 1 || r.target > 2147483647))))
		abort();
	/* The JSON parser alone, deeper, over the same bytes. */
	anpr_json *v = NULL;
	if (anpr_json_parse((const char *)data, size, ANPR_JSON_MAX_DEPTH, &v) == ANPR_ERR_OK) {
		if (!anpr_json_utf8_valid((const char *)data, size))
			abort(); /* accepted text must be valid UTF-8 */
		anpr_json_free(v);
	}
	return 0;
}
