/* SPDX-License-Identifier: MIT */
/* Tracker: passages from frame sequences, voting, gaps, repeats, keepsake ownership. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tracker.h"

static int keeps_out; /* keepsakes handed out and not yet dropped */
static bool refuse_keep;

static void *keep(void *user, void *frame, const anpr_point quad[4])
{
	(void)user;
	(void)quad;
	if (refuse_keep)
		return NULL;
	int *k = malloc(sizeof(*k));
	*k = (int)(intptr_t)frame;
	keeps_out++;
	return k;
}

static void drop(void *user, void *k)
{
	(void)user;
	free(k);
	keeps_out--;
}

static anpr_tracker_cfg base_cfg(void)
{
	anpr_tracker_cfg c = { 0 };
	c.frame_w = 1920;
	c.frame_h = 1080;
	c.gap_ms = 300;
	c.edge_gap_ms = 100;
	c.max_ms = 20000;
	c.min_frames = 2;
	c.min_confidence = 0.3f;
	c.repeat_window_ms = 60000;
	c.country = ANPR_COUNTRY_UK;
	c.keep = keep;
	c.drop = drop;
	return c;
}

static anpr_plate_read plate(const char *text, float conf, float x, float y, float w)
{
	anpr_plate_read r;
	memset(&r, 0, sizeof(r));
	snprintf(r.text, sizeof(r.text), "%s", text);
	r.confidence = conf;
	r.n_candidates = 1;
	r.candidates[0].confidence = conf;
	snprintf(r.candidates[0].text, sizeof(r.candidates[0].text), "%s", text);
	r.quad[0] = (anpr_point){ x, y };
	r.quad[1] = (anpr_point){ x + w, y };
	r.quad[2] = (anpr_point){ x + w, y + w / 4.7f };
	r.quad[3] = (anpr_point){ x, y + w / 4.7f };
	r.char_height = w / 7;
	return r;
}

/* Feeds frames 40 ms apart from frame index `from`; collects passages into all/n_all. */
static int64_t frame_ms(int i)
{
	return 1000 + (int64_t)i * 40;
}

static anpr_passage all[64];
static size_t n_all;

static void feed(anpr_tracker *t, int i, const anpr_plate_read *r, size_t n)
{
	anpr_passage out[ANPR_TRACKER_MAX_OUT];
	size_t k;
	anpr_tracker_feed(t, (void *)(intptr_t)(i + 1), 1700000000000 + frame_ms(i), frame_ms(i), r, n, out,
			  &k);
	for (size_t j = 0; j < k && n_all < 64; j++)
		all[n_all++] = out[j];
}

static void flush(anpr_tracker *t)
{
	anpr_passage out[ANPR_TRACKER_MAX_OUT];
	size_t k;
	anpr_tracker_flush(t, out, &k);
	for (size_t j = 0; j < k && n_all < 64; j++)
		all[n_all++] = out[j];
}

static void release_all(void)
{
	for (size_t i = 0; i < n_all; i++)
		drop(NULL, all[i].keepsake);
	n_all = 0;
}

static void test_one_vehicle_voted(void)
{
	anpr_tracker_cfg c = base_cfg();
	anpr_tracker *t = NULL;
	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_OK);
	/* A plate moving down the picture, misread in a few frames, one position at a time. */
	for (int i = 0; i < 20; i++) {
		const char *text = i % 5 == 1 ? "A812CDE" : i % 5 == 3 ? "AB12CD3" : "AB12CDE";
		float conf = i == 10 ? 0.95f : 0.7f;
		anpr_plate_read r = plate(text, conf, 800, 300 + 20.0f * i, 150 + 3.0f * i);
		feed(t, i, &r, 1);
		if (i < 19)
			CHECK_INT(n_all, 0);
	}
	/* Nothing ends before the gap has passed... */
	feed(t, 20, NULL, 0);
	feed(t, 26, NULL, 0);
	CHECK_INT(n_all, 0);
	/* ...and exactly one passage after it. */
	feed(t, 28, NULL, 0);
	CHECK_INT(n_all, 1);
	CHECK_STR(all[0].text, "AB12CDE");
	CHECK_INT(all[0].frames, 20);
	CHECK_INT(all[0].agreeing, 12);
	CHECK(all[0].confidence > 0.8f && all[0].confidence <= 1.0f);
	CHECK_INT(all[0].format, ANPR_FMT_UK_CURRENT);
	CHECK_INT(all[0].first_utc_ms, 1700000000000 + frame_ms(0));
	CHECK_INT(all[0].last_utc_ms, 1700000000000 + frame_ms(19));
	/* The most confident frame is the one kept for the images. */
	CHECK_INT(*(int *)all[0].keepsake, 11);
	CHECK_INT(all[0].frame_utc_ms, 1700000000000 + frame_ms(10));
	CHECK_STR(all[0].alts[0].text, "AB12CDE");
	CHECK(all[0].n_alts >= 3);
	float claimed = all[0].alts[0].confidence;
	for (int i = 1; i < all[0].n_alts; i++) {
		CHECK(all[0].alts[i].confidence <= all[0].alts[i - 1].confidence);
		claimed += all[0].alts[i].confidence;
	}
	/* The mark and its alternatives together claim no more than certainty. */
	CHECK(claimed <= 1.0001f);
	CHECK_INT(keeps_out, 1);
	release_all();
	CHECK_INT(keeps_out, 0);
	anpr_tracker_close(t);
}

static void test_char_vote_assembles(void)
{
	anpr_tracker_cfg c = base_cfg();
	anpr_tracker *t = NULL;
	static const char *reads[] = { "A812CDE", "AB12CD3", "AB1ZCDE" };
	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_OK);
	/* No frame reads the mark whole; the character vote still gets it. */
	for (int i = 0; i < 9; i++) {
		anpr_plate_read r = plate(reads[i % 3], 0.6f, 500, 500 + 10.0f * i, 160);
		feed(t, i, &r, 1);
	}
	flush(t);
	CHECK_INT(n_all, 1);
	CHECK_STR(all[0].text, "AB12CDE");
	CHECK_INT(all[0].agreeing, 0);
	CHECK(all[0].confidence < 0.99f);
	release_all();
	anpr_tracker_close(t);
}

static void test_two_vehicles_and_repeat(void)
{
	anpr_tracker_cfg c = base_cfg();
	anpr_tracker_stats st;
	anpr_tracker *t = NULL;
	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_OK);
	/* Two lanes at once. */
	for (int i = 0; i < 10; i++) {
		anpr_plate_read r[2] = { plate("AB12CDE", 0.8f, 300, 300 + 15.0f * i, 150),
					 plate("XY65ZZT", 0.8f, 1300, 320 + 15.0f * i, 150) };
		feed(t, i, r, 2);
	}
	feed(t, 30, NULL, 0);
	CHECK_INT(n_all, 2);
	CHECK(strcmp(all[0].text, all[1].text) != 0);
	release_all();
	/* The first vehicle again in the same place soon after: not a new read. */
	for (int i = 40; i < 50; i++) {
		anpr_plate_read r = plate("AB12CDE", 0.8f, 300, 300 + 15.0f * (i - 40), 150);
		feed(t, i, &r, 1);
	}
	feed(t, 80, NULL, 0);
	CHECK_INT(n_all, 0);
	anpr_tracker_get_stats(t, &st);
	CHECK_INT(st.repeats, 1);
	CHECK_INT(st.passages, 2);
	CHECK_INT(keeps_out, 0);
	anpr_tracker_close(t);
}

static void test_drops(void)
{
	anpr_tracker_cfg c = base_cfg();
	anpr_tracker_stats st;
	anpr_tracker *t = NULL;
	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_OK);
	/* One frame only: too short. */
	anpr_plate_read r = plate("AB12CDE", 0.9f, 300, 300, 150);
	feed(t, 0, &r, 1);
	/* Low confidence throughout. */
	for (int i = 20; i < 30; i++) {
		anpr_plate_read q = plate("QQ99QQQ", 0.05f, 900, 300 + 10.0f * i, 150);
		feed(t, i, &q, 1);
	}
	/* No keepsake possible. */
	refuse_keep = true;
	for (int i = 40; i < 45; i++) {
		anpr_plate_read q = plate("CD34EFG", 0.9f, 300, 300 + 10.0f * i, 150);
		feed(t, i, &q, 1);
	}
	refuse_keep = false;
	flush(t);
	CHECK_INT(n_all, 0);
	anpr_tracker_get_stats(t, &st);
	CHECK_INT(st.short_tracks, 1);
	CHECK_INT(st.low_confidence, 1);
	CHECK_INT(st.no_image, 1);
	CHECK_INT(keeps_out, 0);
	anpr_tracker_close(t);
}

static void test_edge_exit_and_close(void)
{
	anpr_tracker_cfg c = base_cfg();
	anpr_tracker *t = NULL;
	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_OK);
	/* Leaving at the bottom edge: ends after edge_gap_ms (100), not gap_ms (300). */
	for (int i = 0; i < 5; i++) {
		anpr_plate_read r = plate("AB12CDE", 0.8f, 800, 950 + 20.0f * i, 200);
		feed(t, i, &r, 1);
	}
	feed(t, 6, NULL, 0);
	CHECK_INT(n_all, 0);
	feed(t, 8, NULL, 0);
	CHECK_INT(n_all, 1);
	release_all();
	/* Closing with live tracks drops their keepsakes. */
	for (int i = 20; i < 25; i++) {
		anpr_plate_read r = plate("XY65ZZT", 0.8f, 800, 300 + 20.0f * i, 200);
		feed(t, i, &r, 1);
	}
	CHECK_INT(keeps_out, 1);
	anpr_tracker_close(t);
	CHECK_INT(keeps_out, 0);
	/* Bad settings are refused. */
	c.gap_ms = 0;
	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_INVAL);
}

static void test_crowd(void)
{
	anpr_tracker_cfg c = base_cfg();
	anpr_tracker *t = NULL;
	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_OK);
	/* More plates than tracks, each in two frames: nothing lost or leaked, no overflow. */
	for (int i = 0; i < 40; i++) {
		anpr_plate_read r[ANPR_TRACKER_MAX_TRACKS];
		for (int j = 0; j < ANPR_TRACKER_MAX_TRACKS; j++) {
			char text[16];
			snprintf(text, sizeof(text), "AB%02dC%c%c", (i / 2) % 100, 'A' + j,
				 'A' + (i / 2) % 26);
			r[j] = plate(text, 0.8f, 100.0f + 110.0f * j, 100.0f + 400.0f * (float)((i / 2) % 2),
				     100);
		}
		feed(t, i * 20, r, ANPR_TRACKER_MAX_TRACKS);
		release_all();
	}
	flush(t);
	release_all();
	CHECK_INT(keeps_out, 0);
	anpr_tracker_close(t);
}

/* Runs one vehicle whose frames read texts[i % n] at conf; returns its passage's text in out. */
static void one_passage(const char *const *texts, int n, int frames, float conf, char *out, size_t len)
{
	anpr_tracker_cfg c = base_cfg();
	anpr_tracker *t = NULL;

	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_OK);
	for (int i = 0; i < frames; i++) {
		anpr_plate_read r = plate(texts[i % n], conf, 600, 400 + 10.0f * i, 160);
		feed(t, i, &r, 1);
	}
	flush(t);
	CHECK_INT(n_all, 1);
	snprintf(out, len, "%s", n_all > 0 ? all[0].text : "");
	release_all();
	anpr_tracker_close(t);
}

static void test_whole_mark(void)
{
	char text[ANPR_VRM_BUF];
	/* A bar between F and 1: most frames read pieces, two read the current mark whole. */
	static const char *const split[] = { "F14VFK", "14VFK",  "F14VFK", "AF14VFK",
					     "4VFK",   "F14VFK", "AF14VFK" };
	one_passage(split, 7, 14, 0.7f, text, sizeof(text));
	CHECK_STR(text, "AF14VFK");
	/* Read whole in one frame only: not enough to outvote the rest. */
	static const char *const once[] = {
		"F14VFK", "14VFK", "F14VFK", "AF14VFK", "4VFK", "F14VFK", "F14VFK"
	};
	one_passage(once, 7, 7, 0.7f, text, sizeof(text));
	CHECK_STR(text, "F14VFK");
	/* A frame reading something the whole mark does not hold keeps the vote as it is. */
	static const char *const other[] = { "F14VFK", "F14VFK", "AF14VFK", "F14VPK", "AF14VFK", "F14VFK" };
	one_passage(other, 6, 12, 0.7f, text, sizeof(text));
	CHECK_STR(text, "F14VFK");
	/* A current mark voted stays, however many frames read a longer current-looking text. */
	static const char *const current[] = { "AB12CDE", "AB12CDE", "AB12CDE1" };
	one_passage(current, 3, 9, 0.7f, text, sizeof(text));
	CHECK_STR(text, "AB12CDE");
}

/*
 * A row cut short starts a track beside the whole plate's (its region is
 * too narrow to continue it): the piece is not a second vehicle, whichever
 * track ends first. Another vehicle alongside still counts.
 */
static void test_fragment(void)
{
	anpr_tracker_cfg c = base_cfg();
	anpr_tracker_stats st;
	anpr_tracker *t = NULL;

	CHECK_INT(anpr_tracker_open(&c, &t), ANPR_ERR_OK);
	/* The piece's track ends while the whole plate's goes on. */
	for (int i = 0; i < 12; i++) {
		anpr_plate_read r[3] = { plate("EO21OYP", 0.9f, 300, 300 + 15.0f * i, 150),
					 plate("21OYP", 0.7f, 370, 302 + 15.0f * i, 70),
					 plate("XY65ZZT", 0.8f, 1300, 320 + 15.0f * i, 150) };
		feed(t, i, r, i < 5 ? 3 : 1);
	}
	feed(t, 40, NULL, 0);
	CHECK_INT(n_all, 2);
	for (size_t i = 0; i < n_all; i++)
		CHECK(strcmp(all[i].text, "21OYP") != 0);
	release_all();
	/* The whole plate's track ends first and is reported; the piece's after it. */
	for (int i = 50; i < 62; i++) {
		anpr_plate_read r[2] = { plate("21OYP", 0.7f, 370, 302 + 15.0f * (i - 50), 70),
					 plate("KT21OYP", 0.9f, 300, 300 + 15.0f * (i - 50), 150) };
		feed(t, i, r, i < 55 ? 2 : 1);
	}
	feed(t, 90, NULL, 0);
	CHECK_INT(n_all, 1);
	CHECK_STR(all[0].text, "KT21OYP");
	release_all();
	anpr_tracker_get_stats(t, &st);
	CHECK_INT(st.fragments, 2);
	CHECK_INT(st.passages, 3);
	CHECK_INT(keeps_out, 0);
	anpr_tracker_close(t);
}

int main(void)
{
	test_one_vehicle_voted();
	test_char_vote_assembles();
	test_whole_mark();
	test_two_vehicles_and_repeat();
	test_drops();
	test_edge_exit_and_close();
	test_crowd();
	test_fragment();
	return check_summary();
}
