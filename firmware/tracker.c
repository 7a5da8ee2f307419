/* SPDX-License-Identifier: MIT */
/* Tracking plates across frames into vehicle passages and voting one read per passage. */
#define ANPR_LOG_TAG "tracker"
#include "tracker.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "edit_distance.h"
#include "log.h"

#define N_SYMBOLS 36        /* A-Z 0-9 */
#define REPEATS_KEPT 128    /* recent passages remembered for the repeat window */
#define EDGE_FRACTION 0.06f /* a plate this close to an edge (share of the picture) is leaving */
#define GATE_NEAR 1.3f      /* plate widths from the predicted position a read may join a track */
#define GATE_SAME_TEXT 3.0f /* ... when its text nearly matches the track's */
#define MAX_STRINGS (ANPR_TRACKER_MAX_OBS * ANPR_READ_MAX_CANDIDATES)

typedef struct obs {
	float top; /* confidence of the frame's best candidate */
	int n;     /* candidates */
	anpr_read_candidate c[ANPR_READ_MAX_CANDIDATES];
} obs;

typedef struct track {
	bool live;
	int frames; /* frames read in, including any beyond the kept obs */
	int n_obs;
	int64_t first_utc, last_utc, first_mono, last_mono;
	float cx, cy, w, h; /* where the plate was last seen */
	float vx, vy;       /* px per ms */
	bool have_v;
	char lead[ANPR_VRM_BUF]; /* best text so far, to help association */
	float lead_conf;
	int confident; /* reads of confidence >= 0.5, by text: counted for lead only */
	void *best;    /* keepsake of the best frame so far */
	float best_score;
	int64_t best_utc;
	anpr_point best_quad[4];
	float best_ch;
	obs obs[ANPR_TRACKER_MAX_OBS]; /* last: new_track() clears what comes before */
} track;

typedef struct recent {
	char text[ANPR_VRM_BUF];
	int64_t mono;
} recent;

typedef struct vote_string {
	char text[ANPR_VRM_BUF];
	float sum;       /* sum of confidences over frames */
	double log_miss; /* sum of log(1 - p) over frames */
} vote_string;

struct anpr_tracker {
	anpr_tracker_cfg cfg;
	track tracks[ANPR_TRACKER_MAX_TRACKS];
	recent recents[REPEATS_KEPT];
	int n_recent, next_recent;
	anpr_tracker_stats st;
	vote_string strings[MAX_STRINGS]; /* scratch for voting */
};

static int symbol_index(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return 26 + (c - '0');
	return -1;
}

static char symbol_char(int i)
{
	return (char)(i < 26 ? 'A' + i : '0' + (i - 26));
}

static bool cfg_valid(const anpr_tracker_cfg *c)
{
	return c->frame_w > 0 && c->frame_h > 0 && c->gap_ms > 0 && c->edge_gap_ms >= 0 && c->max_ms > 0 &&
	       c->min_frames >= 1 && c->min_confidence >= 0.0f && c->min_confidence <= 1.0f &&
	       c->repeat_window_ms >= 0 && c->keep && c->drop;
}

anpr_err anpr_tracker_open(const anpr_tracker_cfg *cfg, anpr_tracker **out)
{
	anpr_tracker *t;

	if (!cfg || !out || !cfg_valid(cfg))
		return ANPR_ERR_INVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ANPR_ERR_NOMEM;
	t->cfg = *cfg;
	*out = t;
	return ANPR_ERR_OK;
}

void anpr_tracker_close(anpr_tracker *t)
{
	if (!t)
		return;
	for (int i = 0; i < ANPR_TRACKER_MAX_TRACKS; i++)
		if (t->tracks[i].live && t->tracks[i].best)
			t->cfg.drop(t->cfg.user, t->tracks[i].best);
	free(t);
}

void anpr_tracker_reconfigure(anpr_tracker *t, const anpr_tracker_cfg *cfg)
{
	anpr_tracker_cfg c = t->cfg;

	c.gap_ms = cfg->gap_ms;
	c.edge_gap_ms = cfg->edge_gap_ms;
	c.max_ms = cfg->max_ms;
	c.min_frames = cfg->min_frames;
	c.min_confidence = cfg->min_confidence;
	c.repeat_window_ms = cfg->repeat_window_ms;
	c.enough_reads = cfg->enough_reads;
	if (cfg_valid(&c))
		t->cfg = c;
}

void anpr_tracker_get_stats(const anpr_tracker *t, anpr_tracker_stats *st)
{
	*st = t->st;
	st->active = 0;
	for (int i = 0; i < ANPR_TRACKER_MAX_TRACKS; i++)
		st->active += t->tracks[i].live;
}

static void quad_box(const anpr_point q[4], float *cx, float *cy, float *w, float *h)
{
	anpr_rect r = anpr_cv_bounding_rect(q, 4);

	*cx = (float)r.x + (float)r.width / 2;
	*cy = (float)r.y + (float)r.height / 2;
	*w = (float)(r.width > 1 ? r.width : 1);
	*h = (float)(r.height > 1 ? r.height : 1);
}

/* Where track k's plate is at time mono: where it was last seen, moved on as it was moving. */
static void predict(const track *k, int64_t mono, float *px, float *py)
{
	float dt = (float)(mono - k->last_mono);

	*px = k->cx + (k->have_v ? k->vx * dt : 0.0f);
	*py = k->cy + (k->have_v ? k->vy * dt : 0.0f);
}

/*
 * True when the plate is leaving the picture: last seen near an edge, or
 * where it would be by now (moving as it was) reaching past one.
 */
static bool at_edge(const anpr_tracker *t, const track *k, int64_t mono)
{
	float mx = EDGE_FRACTION * (float)t->cfg.frame_w, my = EDGE_FRACTION * (float)t->cfg.frame_h;
	float px, py;

	predict(k, mono, &px, &py);
	return k->cx - k->w / 2 < mx || k->cx + k->w / 2 > (float)t->cfg.frame_w - mx ||
	       k->cy - k->h / 2 < my || k->cy + k->h / 2 > (float)t->cfg.frame_h - my || px - k->w / 2 < 0 ||
	       px + k->w / 2 > (float)t->cfg.frame_w || py - k->h / 2 < 0 ||
	       py + k->h / 2 > (float)t->cfg.frame_h;
}

/* How well read r continues track k at time mono; lower is better, < 0 never. */
static float match_cost(const track *k, const anpr_plate_read *r, int64_t mono)
{
	float cx, cy, w, h, px, py, d, ratio, gate = GATE_NEAR;

	quad_box(r->quad, &cx, &cy, &w, &h);
	predict(k, mono, &px, &py);
	ratio = w / k->w;
	if (ratio < 0.5f || ratio > 2.0f)
		return -1.0f;
	d = hypotf(cx - px, cy - py) / fmaxf(w, k->w);
	if (k->lead[0] && anpr_edit_distance(k->lead, strlen(k->lead), r->text, strlen(r->text)) <= 2) {
		gate = GATE_SAME_TEXT;
		d *= 0.5f;
	}
	return d <= gate ? d : -1.0f;
}

/* Follows the plate's position and velocity. */
static void move_to(track *k, int64_t mono, const anpr_plate_read *r)
{
	float cx, cy, w, h;

	quad_box(r->quad, &cx, &cy, &w, &h);
	float dt = (float)(mono - k->last_mono);
	if (dt > 0) {
		float vx = (cx - k->cx) / dt, vy = (cy - k->cy) / dt;
		k->vx = k->have_v ? 0.5f * k->vx + 0.5f * vx : vx;
		k->vy = k->have_v ? 0.5f * k->vy + 0.5f * vy : vy;
		k->have_v = true;
	}
	k->cx = cx;
	k->cy = cy;
	k->w = w;
	k->h = h;
	k->last_mono = mono;
}

static void add_obs(anpr_tracker *t, track *k, void *frame, int64_t utc, int64_t mono,
		    const anpr_plate_read *r)
{
	obs *o = NULL;
	float score;

	if (k->n_obs < ANPR_TRACKER_MAX_OBS) {
		o = &k->obs[k->n_obs++];
	} else {
		/* Full: the new frame replaces the least confident one if it is better. */
		int worst = 0;
		for (int i = 1; i < k->n_obs; i++)
			if (k->obs[i].top < k->obs[worst].top)
				worst = i;
		if (k->obs[worst].top < r->confidence)
			o = &k->obs[worst];
	}
	if (o) {
		o->top = r->confidence;
		o->n = r->n_candidates > 0 ? r->n_candidates : 0;
		if (o->n > ANPR_READ_MAX_CANDIDATES)
			o->n = ANPR_READ_MAX_CANDIDATES;
		memcpy(o->c, r->candidates, (size_t)o->n * sizeof(o->c[0]));
		if (o->n == 0) {
			o->n = 1;
			memcpy(o->c[0].text, r->text, sizeof(o->c[0].text));
			o->c[0].confidence = r->confidence;
		}
	}
	k->frames++;

	if (k->frames == 1) {
		quad_box(r->quad, &k->cx, &k->cy, &k->w, &k->h);
		k->first_utc = utc;
		k->first_mono = mono;
		k->last_mono = mono;
	} else {
		move_to(k, mono, r);
	}
	k->last_utc = utc;
	if (r->confidence >= k->lead_conf || !k->lead[0]) {
		if (strcmp(k->lead, r->text))
			k->confident = 0;
		memcpy(k->lead, r->text, sizeof(k->lead));
		k->lead_conf = r->confidence;
	}
	if (r->confidence >= 0.5f && !strcmp(r->text, k->lead))
		k->confident++;

	/* The best frame reads the plate most confidently, larger characters breaking ties. */
	score = r->confidence + 0.001f * fminf(r->char_height, 100.0f);
	if (!k->best || score > k->best_score) {
		void *ks = t->cfg.keep(t->cfg.user, frame, r->quad);
		if (!ks)
			return;
		if (k->best)
			t->cfg.drop(t->cfg.user, k->best);
		k->best = ks;
		k->best_score = score;
		k->best_utc = utc;
		memcpy(k->best_quad, r->quad, sizeof(k->best_quad));
		k->best_ch = r->char_height;
	}
}

static vote_string *find_string(anpr_tracker *t, int *n, const char *text)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(t->strings[i].text, text))
			return &t->strings[i];
	if (*n == MAX_STRINGS)
		return NULL;
	vote_string *v = &t->strings[(*n)++];
	memcpy(v->text, text, sizeof(v->text));
	v->sum = 0.0f;
	v->log_miss = 0.0;
	return v;
}

/*
 * Combines the frames' beliefs in one string: 1 - prod(1 - p_i), tempered by
 * 1/sqrt(frames) because a plate's frames are not independent witnesses (the
 * same glare or font confusion repeats from frame to frame).
 */
/* The most that agreeing frames take off the best frame's doubt (see vote()). */
#define AGREE_GAIN 0.25f

static float combined_confidence(double log_miss, int n_obs)
{
	double c = 1.0 - exp(log_miss / sqrt((double)n_obs));
	return (float)(c < 0.0 ? 0.0 : c > 1.0 ? 1.0 : c);
}

static int cmp_alt(const void *a, const void *b)
{
	const anpr_read_candidate *x = a, *y = b;
	return (x->confidence < y->confidence) - (x->confidence > y->confidence);
}

/*
 * A current-format UK mark that some frames read whole, while the rest read
 * pieces of it, is the mark: an occluder or a glyph fused with the border
 * splits the row in most frames, and a row cut short loses glyphs far more
 * often than it gains whole plausible ones (AF14VFK, a bar between F and 1,
 * read whole in 4 of 22 frames and F14VFK or 14VFK in the rest). Replaces
 * voted, when it is not itself a current mark, with the current mark that
 * most frames read first, when at least WHOLE_MIN_FRAMES did and every
 * frame's first reading lies within it. The passage's confidence is then
 * that of the frames that read it whole.
 */
#define WHOLE_MIN_FRAMES 2

static void whole_mark(const anpr_tracker *t, const track *k, char *voted)
{
	const char *whole = NULL;
	int whole_frames = 0;

	if (anpr_grammar_classify(voted, t->cfg.country) == ANPR_FMT_UK_CURRENT)
		return;
	for (int i = 0; i < k->n_obs; i++) {
		const char *cand = k->obs[i].n > 0 ? k->obs[i].c[0].text : "";
		if (strlen(cand) <= strlen(voted) || !strstr(cand, voted) ||
		    (whole && strcmp(cand, whole) == 0) ||
		    anpr_grammar_classify(cand, t->cfg.country) != ANPR_FMT_UK_CURRENT)
			continue;
		int frames = 0;
		bool within = true;
		for (int j = 0; j < k->n_obs && within; j++) {
			const char *top = k->obs[j].n > 0 ? k->obs[j].c[0].text : "";
			frames += strcmp(top, cand) == 0;
			within = !*top || strstr(cand, top);
		}
		if (within && frames >= WHOLE_MIN_FRAMES && (!whole || frames > whole_frames)) {
			whole = cand;
			whole_frames = frames;
		}
	}
	if (whole)
		memcpy(voted, whole, strlen(whole) + 1);
}

/* Votes track k into *p. */
static void vote(anpr_tracker *t, const track *k, anpr_passage *p)
{
	float len_votes[ANPR_VRM_BUF] = { 0 };
	float votes[ANPR_VRM_BUF][N_SYMBOLS];
	char voted[ANPR_VRM_BUF] = "";
	float min_margin = 1.0f;
	int n_strings = 0, len = 0;

	memset(votes, 0, sizeof(votes));
	for (int i = 0; i < k->n_obs; i++) {
		const obs *o = &k->obs[i];
		for (int j = 0; j < o->n; j++) {
			size_t l = strlen(o->c[j].text);
			float pc = o->c[j].confidence;
			if (l == 0 || l >= ANPR_VRM_BUF)
				continue;
			if (j == 0)
				len_votes[l] += fmaxf(pc, 0.01f);
			vote_string *v = find_string(t, &n_strings, o->c[j].text);
			if (v) {
				v->sum += pc;
				v->log_miss += log(fmax(1e-6, 1.0 - (double)fminf(pc, 0.999999f)));
			}
		}
	}
	for (int l = 1; l < ANPR_VRM_BUF; l++)
		if (len_votes[l] > len_votes[len])
			len = l;

	/*
	 * Character by character over each frame's best reading of the winning
	 * length, weighted by its confidence. (The alternatives are not mixed
	 * in: they are whole hypotheses, and their characters cast together
	 * would outvote a mark read consistently but modestly.)
	 */
	for (int i = 0; i < k->n_obs; i++) {
		const anpr_read_candidate *top = &k->obs[i].c[0];
		if (k->obs[i].n < 1 || (int)strlen(top->text) != len)
			continue;
		for (int c = 0; c < len; c++) {
			int s = symbol_index(top->text[c]);
			if (s >= 0)
				votes[c][s] += fmaxf(top->confidence, 0.01f);
		}
	}
	for (int c = 0; c < len; c++) {
		int best = 0;
		float total = 0.0f;
		for (int s = 0; s < N_SYMBOLS; s++) {
			total += votes[c][s];
			if (votes[c][s] > votes[c][best])
				best = s;
		}
		voted[c] = symbol_char(best);
		if (total > 0.0f)
			min_margin = fminf(min_margin, votes[c][best] / total);
	}
	voted[len] = '\0';

	/*
	 * The character vote can assemble a mark no frame read whole; keep it
	 * only if the grammar accepts it, else fall back to the best string.
	 */
	vote_string *best_str = NULL;
	for (int i = 0; i < n_strings; i++)
		if (!best_str || t->strings[i].sum > best_str->sum)
			best_str = &t->strings[i];
	if (len == 0 || (anpr_grammar_classify(voted, t->cfg.country) == ANPR_FMT_NONE && best_str)) {
		if (best_str) {
			memcpy(voted, best_str->text, sizeof(voted));
			min_margin = 1.0f;
		}
	}
	whole_mark(t, k, voted);
	memcpy(p->text, voted, sizeof(p->text));
	p->format = anpr_grammar_classify(voted, t->cfg.country);

	/*
	 * Confidence: the frames' combined belief in the whole mark, softened
	 * by how contested its most contested character was. A mark no frame
	 * read whole (assembled by the vote) gets the weakest of its
	 * characters' combined beliefs instead, times that margin.
	 */
	vote_string *mine = find_string(t, &n_strings, voted);
	if (mine && mine->sum > 0.0f) {
		/*
		 * Agreeing frames are not independent witnesses: a glyph hidden by
		 * dirt is misread the same way in every frame, and a glyph the OCR
		 * cannot see is missing from all of them. However many agree, they
		 * remove at most a quarter of the doubt of the best single frame.
		 */
		float best = 0.0f;
		for (int i = 0; i < k->n_obs; i++)
			for (int j = 0; j < k->obs[i].n; j++)
				if (!strcmp(k->obs[i].c[j].text, voted))
					best = fmaxf(best, k->obs[i].c[j].confidence);
		p->confidence =
		    fminf(combined_confidence(mine->log_miss, k->n_obs), best + (1.0f - best) * AGREE_GAIN) *
		    sqrtf(min_margin);
	} else {
		float weakest = 1.0f;
		for (int c = 0; c < len && c < (int)strlen(voted); c++) {
			int s = symbol_index(voted[c]);
			double log_miss = 0.0;
			for (int i = 0; i < k->n_obs && s >= 0; i++) {
				float pc = 0.0f;
				for (int j = 0; j < k->obs[i].n; j++)
					if ((int)strlen(k->obs[i].c[j].text) == len &&
					    k->obs[i].c[j].text[c] == voted[c])
						pc += k->obs[i].c[j].confidence;
				log_miss += log(fmax(1e-6, 1.0 - (double)fminf(pc, 0.999999f)));
			}
			weakest = fminf(weakest, combined_confidence(log_miss, k->n_obs));
		}
		p->confidence = weakest * min_margin;
	}
	p->agreeing = 0;
	for (int i = 0; i < k->n_obs; i++)
		p->agreeing += k->obs[i].n > 0 && !strcmp(k->obs[i].c[0].text, voted);

	/* Alternatives: the other strings the frames read, by their share of the evidence. */
	float total = 0.0f;
	for (int i = 0; i < n_strings; i++)
		total += t->strings[i].sum;
	p->n_alts = 0;
	p->alts[p->n_alts].confidence = p->confidence;
	memcpy(p->alts[p->n_alts++].text, voted, sizeof(voted));
	anpr_read_candidate others[ANPR_READ_MAX_CANDIDATES] = { 0 };
	int n_others = 0;
	for (int i = 0; i < n_strings; i++) {
		const vote_string *v = &t->strings[i];
		if (!strcmp(v->text, voted) || total <= 0.0f)
			continue;
		float c = combined_confidence(v->log_miss, k->n_obs) * (v->sum / total);
		c = fminf(c, 1.0f - p->confidence);
		if (n_others < ANPR_READ_MAX_CANDIDATES) {
			memcpy(others[n_others].text, v->text, sizeof(v->text));
			others[n_others++].confidence = c;
		} else {
			int worst = 0;
			for (int j = 1; j < n_others; j++)
				if (others[j].confidence < others[worst].confidence)
					worst = j;
			if (others[worst].confidence < c) {
				memcpy(others[worst].text, v->text, sizeof(v->text));
				others[worst].confidence = c;
			}
		}
	}
	qsort(others, (size_t)n_others, sizeof(others[0]), cmp_alt);
	for (int i = 0; i < n_others && p->n_alts < ANPR_READ_MAX_CANDIDATES; i++)
		p->alts[p->n_alts++] = others[i];
	/* Together the alternatives claim at most what the voted mark leaves. */
	anpr_read_candidates_cap(p->alts + 1, p->n_alts - 1, 1.0f - p->confidence);
}

static bool is_repeat(anpr_tracker *t, const char *text, int64_t mono)
{
	for (int i = 0; i < t->n_recent; i++)
		if (!strcmp(t->recents[i].text, text) && mono - t->recents[i].mono < t->cfg.repeat_window_ms)
			return true;
	return false;
}

static void remember(anpr_tracker *t, const char *text, int64_t mono)
{
	/* One entry per VRM: refresh it if there, else take the oldest slot. */
	for (int i = 0; i < t->n_recent; i++) {
		if (!strcmp(t->recents[i].text, text)) {
			t->recents[i].mono = mono;
			return;
		}
	}
	recent *r = &t->recents[t->next_recent];
	memcpy(r->text, text, sizeof(r->text));
	r->mono = mono;
	t->next_recent = (t->next_recent + 1) % REPEATS_KEPT;
	if (t->n_recent < REPEATS_KEPT)
		t->n_recent++;
}

/*
 * True when text, the vote of track k, is a piece of a current-format mark
 * read beside it: a track alive over the same time near the same place leads
 * with that mark, or a passage ended after k began carries it. A row cut
 * short (an occluder, a glyph fused with the border) is detected as a
 * narrower region than the whole plate, so it can start a track of its own
 * (EO21OYP's last five glyphs, 21OYP, read as a dateless mark); reporting it
 * as well would count one vehicle twice.
 */
static bool is_fragment(const anpr_tracker *t, const track *k, const char *text)
{
	size_t len = strlen(text);

	for (int i = 0; i < ANPR_TRACKER_MAX_TRACKS; i++) {
		const track *o = &t->tracks[i];
		if (o == k || !o->live || strlen(o->lead) <= len || !strstr(o->lead, text) ||
		    anpr_grammar_classify(o->lead, t->cfg.country) != ANPR_FMT_UK_CURRENT)
			continue;
		if (o->first_mono > k->last_mono || k->first_mono > o->last_mono)
			continue;
		/* Where o was, or would have been moving as it was, when k was last seen. */
		float px, py;
		predict(o, k->last_mono, &px, &py);
		if (fabsf(px - k->cx) <= o->w && fabsf(py - k->cy) <= 2 * o->h)
			return true;
	}
	for (int i = 0; i < t->n_recent; i++) {
		const recent *r = &t->recents[i];
		if (strlen(r->text) > len && strstr(r->text, text) && k->first_mono <= r->mono &&
		    anpr_grammar_classify(r->text, t->cfg.country) == ANPR_FMT_UK_CURRENT)
			return true;
	}
	return false;
}

/* Ends track k at frame time now; writes a passage to out[*n] if it counts. */
static void finish(anpr_tracker *t, track *k, int64_t now_mono, anpr_passage *out, size_t *n)
{
	anpr_passage *p = &out[*n];
	bool keep = false;

	if (k->frames < t->cfg.min_frames) {
		t->st.short_tracks++;
		goto out;
	}
	if (!k->best) {
		t->st.no_image++;
		goto out;
	}
	memset(p, 0, sizeof(*p));
	vote(t, k, p);
	if (p->confidence < t->cfg.min_confidence || !p->text[0]) {
		ANPR_LOGD("passage dropped: %s at confidence %.3f over %d frames (%s %.3f)", p->text,
			  (double)p->confidence, k->frames, p->n_alts > 1 ? p->alts[1].text : "-",
			  p->n_alts > 1 ? (double)p->alts[1].confidence : 0.0);
		t->st.low_confidence++;
		goto out;
	}
	if (is_fragment(t, k, p->text)) {
		ANPR_LOGD("passage dropped: %s is a piece of a mark read beside it", p->text);
		t->st.fragments++;
		goto out;
	}
	if (is_repeat(t, p->text, k->first_mono)) {
		t->st.repeats++;
		remember(t, p->text, k->last_mono);
		goto out;
	}
	remember(t, p->text, k->last_mono);
	p->frames = k->frames;
	p->first_utc_ms = k->first_utc;
	p->last_utc_ms = k->last_utc;
	p->first_mono_ms = k->first_mono;
	p->last_mono_ms = k->last_mono;
	p->ended_mono_ms = now_mono;
	p->keepsake = k->best; /* moves to the receiver */
	p->frame_utc_ms = k->best_utc;
	memcpy(p->quad, k->best_quad, sizeof(p->quad));
	p->char_height = k->best_ch;
	keep = true;
	t->st.passages++;
	(*n)++;
out:
	if (!keep && k->best)
		t->cfg.drop(t->cfg.user, k->best);
	k->best = NULL;
	k->live = false;
}

static void end_stale(anpr_tracker *t, int64_t mono, anpr_passage *out, size_t *n)
{
	for (int i = 0; i < ANPR_TRACKER_MAX_TRACKS; i++) {
		track *k = &t->tracks[i];
		if (!k->live)
			continue;
		int64_t gap = at_edge(t, k, mono) ? t->cfg.edge_gap_ms : t->cfg.gap_ms;
		if (mono - k->last_mono > gap || mono - k->first_mono > t->cfg.max_ms)
			finish(t, k, mono, out, n);
	}
}

static track *new_track(anpr_tracker *t, int64_t mono, anpr_passage *out, size_t *n)
{
	track *oldest = NULL;

	for (int i = 0; i < ANPR_TRACKER_MAX_TRACKS; i++) {
		track *k = &t->tracks[i];
		if (!k->live) {
			memset(k, 0, offsetof(track, obs));
			k->live = true;
			return k;
		}
		if (!oldest || k->last_mono < oldest->last_mono)
			oldest = k;
	}
	/* All in use (a crowded scene): end the one seen least recently to make room. */
	finish(t, oldest, mono, out, n);
	return new_track(t, mono, out, n);
}

void anpr_tracker_feed(anpr_tracker *t, void *frame, int64_t utc_ms, int64_t mono_ms,
		       const anpr_plate_read *reads, size_t n_reads, anpr_passage *out, size_t *n_out)
{
	bool taken[ANPR_TRACKER_MAX_TRACKS] = { false };
	bool used[ANPR_TRACKER_MAX_TRACKS] = { false };
	size_t n = 0;

	t->st.frames++;
	t->st.reads += n_reads;
	end_stale(t, mono_ms, out, &n);
	if (n_reads > sizeof(used) / sizeof(used[0]))
		n_reads = sizeof(used) / sizeof(used[0]);

	/* Greedy assignment, cheapest pair first. */
	for (;;) {
		float best = -1.0f;
		int bi = -1, bk = -1;
		for (size_t i = 0; i < n_reads; i++) {
			if (used[i])
				continue;
			for (int k = 0; k < ANPR_TRACKER_MAX_TRACKS; k++) {
				if (!t->tracks[k].live || taken[k])
					continue;
				float c = match_cost(&t->tracks[k], &reads[i], mono_ms);
				if (c >= 0.0f && (best < 0.0f || c < best)) {
					best = c;
					bi = (int)i;
					bk = k;
				}
			}
		}
		if (bi < 0)
			break;
		used[bi] = taken[bk] = true;
		if (reads[bi].text[0]) {
			add_obs(t, &t->tracks[bk], frame, utc_ms, mono_ms, &reads[bi]);
		} else {
			/* Seen, not read: the track goes on; the sighting counts for its times. */
			move_to(&t->tracks[bk], mono_ms, &reads[bi]);
			t->tracks[bk].last_utc = utc_ms;
		}
	}
	for (size_t i = 0; i < n_reads; i++) {
		if (used[i] || !reads[i].text[0])
			continue;
		track *k = new_track(t, mono_ms, out, &n);
		taken[k - t->tracks] = true;
		add_obs(t, k, frame, utc_ms, mono_ms, &reads[i]);
	}
	*n_out = n;
}

size_t anpr_tracker_read_enough(const anpr_tracker *t, int64_t lookahead_ms, anpr_rect *out, size_t max)
{
	size_t n = 0;

	if (t->cfg.enough_reads <= 0)
		return 0;
	for (int i = 0; i < ANPR_TRACKER_MAX_TRACKS && n < max; i++) {
		const track *k = &t->tracks[i];
		if (!k->live || k->confident < t->cfg.enough_reads)
			continue;
		/* The plate's path: from where it was last seen to where it will be, with half a plate to spare. */
		float ex = k->have_v ? k->vx * (float)lookahead_ms : 0.0f;
		float ey = k->have_v ? k->vy * (float)lookahead_ms : 0.0f;
		float x0 = fminf(k->cx, k->cx + ex) - k->w, x1 = fmaxf(k->cx, k->cx + ex) + k->w;
		float y0 = fminf(k->cy, k->cy + ey) - k->h * 1.5f,
		      y1 = fmaxf(k->cy, k->cy + ey) + k->h * 1.5f;
		out[n++] = (anpr_rect){ (int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0) };
	}
	return n;
}

void anpr_tracker_flush(anpr_tracker *t, anpr_passage *out, size_t *n_out)
{
	size_t n = 0;

	for (int i = 0; i < ANPR_TRACKER_MAX_TRACKS; i++)
		if (t->tracks[i].live)
			finish(t, &t->tracks[i], t->tracks[i].last_mono, out, &n);
	*n_out = n;
}
