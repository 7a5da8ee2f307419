/* SPDX-License-Identifier: MIT */
/* The read: one vehicle passage as signed metadata (the JWS payload) and its two images. docs/read-format.md. */
#include "read.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "json.h"

bool anpr_read_id(const char *device, uint64_t seq, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s-%012" PRIu64, device, seq);
	return n > 0 && (size_t)n < len;
}

static void hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

static void image(FILE *f, const char *name, int w, int h, size_t bytes, const uint8_t *sha)
{
	fprintf(f, "\"%s\":{\"type\":\"image/jpeg\",\"width\":%d,\"height\":%d,\"bytes\":%zu,\"sha256\":\"",
		name, w, h, bytes);
	hex(f, sha, ANPR_SHA256_LEN);
	fputc('"', f);
}

static void utc(FILE *f, const char *name, int64_t ms)
{
	char buf[ANPR_UTC_STRLEN];

	if (anpr_clock_format_utc(ms, buf, sizeof(buf)))
		fprintf(f, "\"%s\":null", name);
	else
		fprintf(f, "\"%s\":\"%s\"", name, buf);
}

static double unit(float x)
{
	return x < 0.0f ? 0.0 : x > 1.0f ? 1.0 : (double)x;
}

anpr_err anpr_read_payload(const anpr_read_meta *m, char **json, size_t *len)
{
	char id[ANPR_READ_ID_BUF];
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	if (!m || !json || !len || !m->device || !m->site || !m->direction || !m->firmware || !m->vrm ||
	    !anpr_read_id(m->device, m->seq, id, sizeof(id)))
		return ANPR_ERR_INVAL;
	f = open_memstream(&buf, &n);
	if (!f)
		return ANPR_ERR_NOMEM;
	fprintf(f, "{\"v\":%d,\"id\":", ANPR_READ_FORMAT_VERSION);
	anpr_json_write_string(f, id);
	fprintf(f, ",\"seq\":%" PRIu64 ",\"device\":", m->seq);
	anpr_json_write_string(f, m->device);
	fputs(",\"site\":", f);
	anpr_json_write_string(f, m->site);
	fprintf(f, ",\"lane\":%d,\"direction\":", m->lane);
	anpr_json_write_string(f, m->direction);
	fputs(",\"vrm\":", f);
	anpr_json_write_string(f, m->vrm);
	fprintf(f, ",\"country\":\"%s\",\"format\":\"%s\",\"confidence\":%.4f,\"alternatives\":[",
		anpr_country_name(anpr_plate_format_country(m->format)), anpr_plate_format_name(m->format),
		unit(m->confidence));
	for (int i = 0; i < m->n_alts; i++) {
		fputs(i ? ",{\"vrm\":" : "{\"vrm\":", f);
		anpr_json_write_string(f, m->alts[i].text);
		fprintf(f, ",\"confidence\":%.4f}", unit(m->alts[i].confidence));
	}
	fputs("],", f);
	utc(f, "captured_at", m->captured_utc_ms);
	fputs(",\"passage\":{", f);
	utc(f, "first_seen", m->first_seen_utc_ms);
	fputc(',', f);
	utc(f, "last_seen", m->last_seen_utc_ms);
	fprintf(f, ",\"frames\":%d,\"agreeing\":%d}", m->frames, m->agreeing);
	fprintf(
	    f,
	    ",\"clock\":{\"synchronised\":%s,\"source\":\"%s\",\"est_error_ms\":%.3f,\"max_error_ms\":%.3f}",
	    m->clock.synchronised ? "true" : "false", m->clock.source ? m->clock.source : "none",
	    m->clock.est_error_ms, m->clock.max_error_ms);
	fputc(',', f);
	image(f, "patch", m->patch_w, m->patch_h, m->patch_bytes, m->patch_sha256);
	fputs("},", f);
	image(f, "overview", m->overview_w, m->overview_h, m->overview_bytes, m->overview_sha256);
	fprintf(f, ",\"plate_box\":[%d,%d,%d,%d]},\"firmware\":", m->plate_box.x, m->plate_box.y,
		m->plate_box.width, m->plate_box.height);
	anpr_json_write_string(f, m->firmware);
	fputs(",\"prev_sha256\":\"", f);
	hex(f, m->prev_sha256, ANPR_SHA256_LEN);
	fputs("\"}", f);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return ANPR_ERR_NOMEM;
	}
	*json = buf;
	*len = n;
	return ANPR_ERR_OK;
}
