/* SPDX-License-Identifier: MIT */
/* Benchmark: N signed reads stored in the ring buffer, then drained by the uplink to a back office (anpr-bofsim). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "evidence.h"
#include "read.h"
#include "sign.h"
#include "spool.h"
#include "store.h"
#include "uplink.h"

/*
 * Usage: bench_uplink DIR DEVICE_KEY URL CA CERT [READS]
 * DIR must not exist. The device certificate must carry DEVICE_KEY (tools/make-dev-pki.sh).
 * Prints the append rate (each read fsynced before the next) and the drain rate.
 */
int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: bench_uplink DIR DEVICE_KEY URL CA CERT [READS]\n");
		return 64;
	}
	const char *dir = argv[1], *keyf = argv[2];
	int n = argc > 6 ? atoi(argv[6]) : 2000;
	char diag[256] = "", tip[4200];
	anpr_signer *signer = NULL;
	anpr_spool *spool = NULL;
	anpr_store *store = NULL;
	anpr_uplink *up = NULL;
	anpr_image frame = { 0 }, patch = { 0 };
	anpr_evidence_work ew = { 0 };
	anpr_jpeg pj = { 0 }, oj = { 0 };
	anpr_rect box;
	const anpr_point quad[4] = { { 900, 600 }, { 1110, 610 }, { 1108, 656 }, { 898, 646 } };

	if (anpr_signer_open(keyf, &signer, diag, sizeof(diag))) {
		fprintf(stderr, "bench_uplink: %s\n", diag);
		return 1;
	}
	/* Realistic images: a textured 1080p frame gives a ~25 KB overview and a ~3 KB patch. */
	if (anpr_image_alloc(&frame, 1920, 1080, 3))
		return 1;
	uint32_t r = 1;
	for (size_t i = 0; i < (size_t)frame.height * frame.stride; i++) {
		r = r * 1664525u + 1013904223u;
		frame.data[i] = (uint8_t)((i / 3 % 1920) / 8 + (r >> 28) * 4);
	}
	if (anpr_evidence_warp_patch(&frame, quad, &patch) || anpr_evidence_encode_patch(&patch, &pj) ||
	    anpr_evidence_overview(&frame, quad, &ew, &oj, &box))
		return 1;

	anpr_spool_cfg sc = { .dir = dir,
			      .max_bytes = 8ull << 30,
			      .segment_bytes = 64ull << 20,
			      .retention_ms = 7 * 86400000LL,
			      .commit_window_ms = 0 };
	memset(sc.key, 7, sizeof(sc.key));
	snprintf(tip, sizeof(tip), "%s/chain.tip", dir);
	if (anpr_spool_open(&sc, &spool) || anpr_store_open_spool(spool, tip, NULL, NULL, &store)) {
		fprintf(stderr, "bench_uplink: cannot open the spool in %s\n", dir);
		return 1;
	}

	uint8_t prev[ANPR_SHA256_LEN] = { 0 };
	int64_t t0 = anpr_clock_mono_ms();
	size_t bytes = 0;
	for (int i = 1; i <= n; i++) {
		anpr_read_meta m;
		char id[ANPR_READ_ID_BUF], *payload = NULL, *jws = NULL;
		size_t plen, jlen;
		memset(&m, 0, sizeof(m));
		m.seq = (uint64_t)i;
		m.device = "unit7";
		m.site = "bench";
		m.direction = "towards";
		m.firmware = "bench";
		m.lane = 1;
		m.vrm = "AB12CDE";
		m.format = ANPR_FMT_UK_CURRENT;
		m.confidence = 0.99f;
		m.captured_utc_ms = anpr_clock_utc_ms();
		m.first_seen_utc_ms = m.last_seen_utc_ms = m.captured_utc_ms;
		m.frames = 10;
		m.clock.source = "none";
		m.patch_w = pj.width;
		m.patch_h = pj.height;
		m.patch_bytes = pj.len;
		anpr_sha256(pj.data, pj.len, m.patch_sha256);
		m.overview_w = oj.width;
		m.overview_h = oj.height;
		m.overview_bytes = oj.len;
		anpr_sha256(oj.data, oj.len, m.overview_sha256);
		m.plate_box = box;
		memcpy(m.prev_sha256, prev, sizeof(prev));
		if (!anpr_read_id(m.device, m.seq, id, sizeof(id)) ||
		    anpr_read_payload(&m, &payload, &plen) ||
		    anpr_signer_sign(signer, payload, plen, &jws, &jlen))
			return 1;
		anpr_store_record rec = { .seq = m.seq,
					  .id = id,
					  .jws = jws,
					  .jws_len = jlen,
					  .patch = pj.data,
					  .patch_len = pj.len,
					  .overview = oj.data,
					  .overview_len = oj.len,
					  .captured_utc_ms = m.captured_utc_ms };
		if (anpr_store_put(store, &rec)) {
			fprintf(stderr, "bench_uplink: store failed at %d\n", i);
			return 1;
		}
		anpr_sha256(jws, jlen, prev);
		bytes += jlen + (pj.len + oj.len) * 4 / 3;
		free(payload);
		free(jws);
	}
	int64_t t1 = anpr_clock_mono_ms();
	printf("append: %d signed reads (%.1f KB each) in %.2f s: %.0f reads/s (each fsynced, one thread)\n",
	       n, (double)bytes / n / 1024.0, (double)(t1 - t0) / 1000.0, n * 1000.0 / (double)(t1 - t0 + 1));

	anpr_uplink_cfg uc = { .url = argv[3],
			       .ca_file = argv[4],
			       .cert_file = argv[5],
			       .key_file = keyf,
			       .device = "unit7",
			       .firmware = "bench",
			       .batch_max = 64,
			       .backoff_max_s = 2,
			       .backlog_rate = 100000,
			       .live_window_ms = 0,
			       .connect_timeout_s = 10,
			       .timeout_s = 60,
			       .spool = spool };
	anpr_spool_stats ss;
	t0 = anpr_clock_mono_ms();
	if (anpr_uplink_start(&uc, &up))
		return 1;
	do {
		anpr_clock_sleep_ms(50);
		anpr_spool_get_stats(spool, &ss);
	} while (ss.pending > 0 && anpr_clock_mono_ms() - t0 < 600000);
	t1 = anpr_clock_mono_ms();
	anpr_uplink_stats us;
	anpr_uplink_get_stats(up, &us);
	printf("drain: %" PRIu64 " delivered, %" PRIu64 " duplicates, %" PRIu64 " failures, %" PRIu64
	       " pending left, in %.2f s: %.0f reads/s over mutual TLS\n",
	       us.delivered, us.duplicates, us.failures, ss.pending, (double)(t1 - t0) / 1000.0,
	       (double)(us.delivered + us.duplicates) * 1000.0 / (double)(t1 - t0 + 1));
	anpr_uplink_close(up);
	anpr_store_close(store);
	anpr_spool_close(spool);
	anpr_signer_close(signer);
	anpr_jpeg_free(&pj);
	anpr_jpeg_free(&oj);
	anpr_image_free(&frame);
	anpr_image_free(&patch);
	anpr_evidence_work_free(&ew);
	return ss.pending ? 1 : 0;
}
