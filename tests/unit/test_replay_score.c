/* SPDX-License-Identifier: MIT */
/* Tests of the replay harness's sidecar parser and scorer (tools/replay/truth.c, score.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "score.h"
#include "truth.h"

/* 25 fps, 100 frames, 1280x720, two lanes; vehicles 0 (lane 1) and 1 (lane 2) in view at the same time, 2 later. */
static const char sidecar[] =
    "{\"clip_truth\":1,\"fps\":25,\"frames\":100,\"width\":1280,\"height\":720,\"vehicles\":4,"
    "\"lanes\":[{\"lane\":1,\"direction\":\"away\"},{\"lane\":2,\"direction\":\"towards\"}]}\n"
    "{\"vehicle\":0,\"vrm\":\"AB12CDE\",\"lane\":1,\"direction\":\"away\",\"first_frame\":10,\"last_frame\":"
    "20,"
    "\"boxes\":[[10,100,100,100,25],[15,100,200,110,26],[20,100,300,120,27]]}\n"
    "{\"vehicle\":1,\"vrm\":\"XY65ZZZ\",\"lane\":2,\"direction\":\"towards\",\"first_frame\":10,\"last_"
    "frame\":20,"
    "\"boxes\":[[10,800,100,100,25],[15,800,200,110,26],[20,800,300,120,27]]}\n"
    "{\"vehicle\":2,\"vrm\":\"GH09OPR\",\"lane\":1,\"direction\":\"away\",\"first_frame\":60,\"last_frame\":"
    "70}\n"
    "{\"vehicle\":3,\"vrm\":\"NOSEEN1\",\"lane\":2,\"direction\":\"towards\",\"first_frame\":-1,\"last_"
    "frame\":-1}\n";

static anpr_score_read mk(const char *vrm, int64_t first, int64_t last, int64_t cap, double x, double y)
{
	anpr_score_read r;

	memset(&r, 0, sizeof(r));
	snprintf(r.vrm, sizeof(r.vrm), "%s", vrm);
	r.first_ms = first;
	r.last_ms = last;
	r.captured_ms = cap;
	r.received_ms = 1000000 + last + 500;
	if (x >= 0) {
		r.has_box = true;
		r.box[0] = x;
		r.box[1] = y;
		r.box[2] = 110;
		r.box[3] = 26;
	}
	return r;
}

static void test_parse(void)
{
	anpr_truth *t = NULL;
	char diag[512];

	CHECK_INT(anpr_truth_parse("s.jsonl", sidecar, strlen(sidecar), &t, diag, sizeof(diag)), ANPR_ERR_OK);
	CHECK_INT(anpr_truth_count(t), 4);
	CHECK_INT(anpr_truth_get_header(t)->lanes, 2);
	CHECK(anpr_truth_box_at(anpr_truth_at(t, 0), 15) != NULL);
	CHECK(anpr_truth_box_at(anpr_truth_at(t, 0), 16) == NULL);
	anpr_truth_free(t);

	/* A lane outside the header's geometry, named by line. */
	char *bad = strdup(sidecar);
	char *p = strstr(bad, "\"lane\":2,\"direction\":\"towards\",\"first_frame\":10");
	p[7] = '3';
	CHECK_INT(anpr_truth_parse("s.jsonl", bad, strlen(bad), &t, diag, sizeof(diag)), ANPR_ERR_FORMAT);
	CHECK_CONTAINS(diag, "s.jsonl:3: \"lane\" out of range");
	free(bad);
	/* An unknown key; an x_ key is free. */
	static const char unk[] =
	    "{\"clip_truth\":1,\"fps\":25,\"frames\":10,\"width\":64,\"height\":64,\"vehicles\":0,"
	    "\"x_site\":\"A1\",\"colour\":1}\n";
	CHECK_INT(anpr_truth_parse("u.jsonl", unk, strlen(unk), &t, diag, sizeof(diag)), ANPR_ERR_FORMAT);
	CHECK_CONTAINS(diag, "u.jsonl:1: unknown key \"colour\"");
	static const char v2[] =
	    "{\"clip_truth\":2,\"fps\":25,\"frames\":10,\"width\":64,\"height\":64,\"vehicles\":0}\n";
	CHECK_INT(anpr_truth_parse("v.jsonl", v2, strlen(v2), &t, diag, sizeof(diag)), ANPR_ERR_FORMAT);
	CHECK_CONTAINS(diag, "v.jsonl:1: format version 2");
}

static void test_score(void)
{
	anpr_truth *t = NULL;
	char diag[512];
	anpr_score_result res;

	if (anpr_truth_parse("s.jsonl", sidecar, strlen(sidecar), &t, diag, sizeof(diag)) != ANPR_ERR_OK) {
		CHECK(0);
		return;
	}
	anpr_score_read r[6];
	/* Lane 2's plate read right; lane 1's misread; both at the same time, told apart by place. */
	r[0] = mk("XY65ZZZ", 400, 800, 600, 805, 205);
	r[1] = mk("AB12CDF", 400, 800, 600, 98, 198);
	/* A second read of vehicle 1 (a duplicate), and a read where no vehicle is (false). */
	r[2] = mk("XY65ZZ2", 600, 700, 640, 800, 220);
	r[3] = mk("QQ11QQQ", 3200, 3300, 3250, 500, 500);
	/* Vehicle 2 has no boxes: time alone; read exactly. */
	r[4] = mk("GH09OPR", 2400, 2800, 2600, 600, 300);
	/* A read far from vehicle 0's place at its time: not vehicle 0's. */
	r[5] = mk("AB12CDE", 400, 800, 600, 500, 600);
	CHECK_INT(anpr_score(t, r, 6, 1000000, &res), ANPR_ERR_OK);
	CHECK_INT(res.vehicles, 3);
	CHECK_INT(res.unseen, 1);
	CHECK_INT(res.exact, 2);
	CHECK_INT(res.misread, 1);
	CHECK_INT(res.missed, 0);
	CHECK_INT(res.duplicates, 1);
	CHECK_INT(res.false_reads, 2);
	CHECK_INT(r[0].kind, ANPR_SCORE_EXACT);
	CHECK_INT(r[0].vehicle, 1);
	CHECK_INT(r[1].kind, ANPR_SCORE_MISREAD);
	CHECK_INT(r[1].vehicle, 0);
	CHECK_INT(r[2].kind, ANPR_SCORE_DUPLICATE);
	CHECK_INT(r[3].kind, ANPR_SCORE_FALSE);
	CHECK_INT(r[4].kind, ANPR_SCORE_EXACT);
	CHECK_INT(r[5].kind, ANPR_SCORE_FALSE);
	/* Latency: received 500 ms after the read's last_seen; vehicle 1 left at frame 20 = 800 ms. */
	CHECK_INT(r[0].latency_ms, 500);
	CHECK_INT(r[4].latency_ms, 500);
	CHECK(res.exact_pct > 66.6 && res.exact_pct < 66.7);

	/*
	 * A read made two frames before the plate was fully in view, lower down than its first box
	 * (plates enter across the frame's edge): placed by extrapolating the truth's boxes along their motion.
	 */
	anpr_score_read early = mk("AB12CDE", 320, 800, 320, 98, 58);
	CHECK_INT(anpr_score(t, &early, 1, 1000000, &res), ANPR_ERR_OK);
	CHECK_INT(early.kind, ANPR_SCORE_EXACT);
	CHECK_INT(early.vehicle, 0);
	/* The same place much earlier (beyond what is extrapolated) and in the other lane's place: not vehicle 0. */
	anpr_score_read other = mk("AB12CDE", 400, 800, 600, 805, 205);
	anpr_score_read mine = mk("AB12CDX", 400, 800, 600, 98, 198);
	anpr_score_read pair[2] = { other, mine };
	CHECK_INT(anpr_score(t, pair, 2, 1000000, &res), ANPR_ERR_OK);
	CHECK_INT(pair[0].vehicle, 1); /* right VRM, wrong place: a misread of the vehicle there */
	CHECK_INT(pair[0].kind, ANPR_SCORE_MISREAD);
	CHECK_INT(pair[1].vehicle, 0);
	CHECK_INT(pair[1].kind, ANPR_SCORE_MISREAD);

	/*
	 * Vehicle 3 is never fully in view, but its plate was read around what
	 * hid it: that read is the vehicle's (unscored), not a read of nothing;
	 * a second one is a duplicate.
	 */
	anpr_score_read unseen[2] = { mk("NOSEEN1", 3500, 3600, 3550, 500, 300),
				      mk("NOSEEN1", 3700, 3800, 3750, 500, 300) };
	CHECK_INT(anpr_score(t, unseen, 2, 1000000, &res), ANPR_ERR_OK);
	CHECK_INT(unseen[0].kind, ANPR_SCORE_UNSCORED);
	CHECK_INT(unseen[0].vehicle, 3);
	CHECK_INT(unseen[1].kind, ANPR_SCORE_DUPLICATE);
	CHECK_INT(res.false_reads, 0);
	CHECK_INT(res.duplicates, 1);
	CHECK_INT(res.vehicles, 3);
	CHECK_INT(res.missed, 3);

	/* No truth: counts only. */
	CHECK_INT(anpr_score(NULL, r, 6, 1000000, &res), ANPR_ERR_OK);
	CHECK(!res.has_truth);
	CHECK_INT(r[0].kind, ANPR_SCORE_UNSCORED);

	int64_t v[] = { 5, 1, 4, 2, 3 };
	CHECK_INT(anpr_score_quantile(v, 5, 0.5), 3);
	CHECK_INT(anpr_score_quantile(v, 5, 0.95), 5);
	CHECK(anpr_score_quantile(v, 0, 0.5) == ANPR_SCORE_NONE);
	anpr_truth_free(t);
}

int main(void)
{
	test_parse();
	test_score();
	return check_summary();
}
