/* SPDX-License-Identifier: MIT */
/* Fuzz target: the back office's acknowledgement (an untrusted network reply). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	anpr_ack acks[8];
	size_t n = 0;

	if (anpr_ack_parse((const char *)data, size, acks, 8, &n) == ANPR_ERR_OK) {
		for (size_t i = 0; i < n && i < 8; i++)
			if (!acks[i].id[0] || strlen(acks[i].id) >= ANPR_ACK_ID_BUF ||
			    strlen(acks[i].error) >= ANPR_ACK_ERROR_BUF || acks[i].status > ANPR_ACK_UNKNOWN)
				abort();
	} else if (n != 0) {
		abort();
	}
	return 0;
}
