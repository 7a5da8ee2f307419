/* SPDX-License-Identifier: MIT */
/* Benchmark of read signing: ES256 compact JWS over a 2 KiB payload with a fresh device key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "sign.h"

enum { SIGNS = 200, PAYLOAD_LEN = 2048 };

int main(void)
{
	char dir[] = "/tmp/bench_sign.XXXXXX", key[64], diag[512] = "";
	static uint8_t payload[PAYLOAD_LEN];
	anpr_signer *s = NULL;
	int status = 1;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(key, sizeof(key), "%s/device.pem", dir);
	if (anpr_sign_keygen(key, NULL, diag, sizeof(diag)) ||
	    anpr_signer_open(key, &s, diag, sizeof(diag))) {
		fprintf(stderr, "bench_sign: %s\n", diag);
		goto out;
	}
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)('a' + i % 26);

	int64_t t0 = anpr_clock_mono_ns();
	for (int i = 0; i < SIGNS; i++) {
		char *jws = NULL;
		payload[i % PAYLOAD_LEN] ^= 1; /* a different read each time */
		if (anpr_signer_sign(s, payload, sizeof(payload), &jws, NULL)) {
			fprintf(stderr, "bench_sign: signing failed\n");
			goto out;
		}
		free(jws);
	}
	double ms = (double)(anpr_clock_mono_ns() - t0) / 1e6 / SIGNS;
	printf("sign: %.3f ms per read (ES256 JWS, %d-byte payload, %d signs, one thread)\n", ms, PAYLOAD_LEN,
	       SIGNS);
	status = 0;
out:
	anpr_signer_close(s);
	unlink(key);
	rmdir(dir);
	return status;
}
