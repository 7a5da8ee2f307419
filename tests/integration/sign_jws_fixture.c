/* SPDX-License-Identifier: MIT */
/* Test helper for verify_jws.py: makes a device key in DIR and signs DIR/payload.json with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"

/*
 * Usage: sign_jws_fixture DIR
 * Writes DIR/device.pem (keygen), DIR/public.txt (keygen's public key PEM and
 * fingerprint line), DIR/kid.txt (the signer's kid) and DIR/read.jws (the
 * compact JWS of DIR/payload.json, at most 1 MiB).
 */

static int write_text(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	char path[4096], diag[512] = "";
	anpr_signer *s = NULL;
	char *payload = NULL, *jws = NULL;
	size_t len = 0, jws_len = 0;
	FILE *f = NULL;
	anpr_err err;
	int status = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/public.txt", argv[1]);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/device.pem", argv[1]);
	err = anpr_sign_keygen(path, f, diag, sizeof(diag));
	if (fclose(f) != 0 && !err)
		err = ANPR_ERR_IO;
	if (err) {
		fprintf(stderr, "keygen: %s: %s\n", anpr_strerror(err), diag);
		goto out;
	}
	err = anpr_signer_open(path, &s, diag, sizeof(diag));
	if (err) {
		fprintf(stderr, "open: %s: %s\n", anpr_strerror(err), diag);
		goto out;
	}

	snprintf(path, sizeof(path), "%s/payload.json", argv[1]);
	f = fopen(path, "rb");
	payload = malloc(ANPR_SIGN_PAYLOAD_MAX + 1);
	if (!f || !payload) {
		perror(path);
		goto out;
	}
	len = fread(payload, 1, ANPR_SIGN_PAYLOAD_MAX + 1, f);
	fclose(f);
	err = anpr_signer_sign(s, payload, len, &jws, &jws_len);
	if (err) {
		fprintf(stderr, "sign: %s\n", anpr_strerror(err));
		goto out;
	}
	if (write_text(argv[1], "read.jws", jws) || write_text(argv[1], "kid.txt", anpr_signer_kid(s))) {
		perror("write");
		goto out;
	}
	status = 0;
out:
	free(jws);
	free(payload);
	anpr_signer_close(s);
	return status;
}
