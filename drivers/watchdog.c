/* SPDX-License-Identifier: MIT */
/* Hardware watchdog over the Linux watchdog API, and its simulation. */
#define ANPR_LOG_TAG "watchdog"
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

struct anpr_watchdog {
	anpr_watchdog_cfg cfg;
	char *sim_file;
	int fd;
	pthread_t checker;
	bool checker_running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool closing;
	int64_t last_feed_ms; /* or the open */
	bool gap_counted;     /* the current gap has been counted as missed */
	anpr_watchdog_stats st;
};

/* Writes the simulation's record; called with mu held. */
static void sim_record(anpr_watchdog *w, const char *state)
{
	char tmp[4200];
	FILE *f;

	if (!w->sim_file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", w->sim_file);
	f = fopen(tmp, "w");
	if (!f) {
		ANPR_LOGE("watchdog simulation: cannot write %s", tmp);
		return;
	}
	fprintf(f, "timeout_s=%d\nfeeds=%llu\nmissed=%llu\nmax_gap_ms=%lld\nwould_reset=%d\nstate=%s\n",
		w->st.timeout_s, (unsigned long long)w->st.feeds, (unsigned long long)w->st.missed,
		(long long)w->st.max_gap_ms, w->st.would_reset ? 1 : 0, state);
	if (fclose(f) != 0 || rename(tmp, w->sim_file) != 0) {
		remove(tmp);
		ANPR_LOGE("watchdog simulation: cannot write %s", w->sim_file);
	}
}

/* Counts the gap since the last feed; called with mu held. */
static void note_gap(anpr_watchdog *w, int64_t now)
{
	int64_t gap = now - w->last_feed_ms;

	if (gap > w->st.max_gap_ms)
		w->st.max_gap_ms = gap;
	if (gap > (int64_t)w->st.timeout_s * 1000 && !w->gap_counted) {
		w->gap_counted = true;
		w->st.missed++;
		if (!w->st.would_reset)
			ANPR_LOGE("watchdog (simulated): not fed for %lld ms (timeout %d s): the board would "
				  "reset now",
				  (long long)gap, w->st.timeout_s);
		w->st.would_reset = true;
		sim_record(w, "expired");
	}
}

/* The simulated hardware: checks the countdown every 50 ms. */
static void *checker_main(void *arg)
{
	anpr_watchdog *w = arg;

	int64_t last_record = anpr_clock_mono_ms();

	pthread_mutex_lock(&w->mu);
	while (!w->closing) {
		int64_t now = anpr_clock_mono_ms();
		note_gap(w, now);
		/* The record is also kept current once a second, so a test sees the feeds as they go. */
		if (now - last_record >= 1000) {
			last_record = now;
			sim_record(w, w->st.would_reset ? "expired" : "armed");
		}
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 50 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->cv, &w->mu, &until);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static anpr_err dev_open(anpr_watchdog *w)
{
	int t = w->cfg.timeout_s;

	w->fd = open(w->cfg.device, O_WRONLY | O_CLOEXEC);
	if (w->fd < 0) {
		ANPR_LOGE("cannot open the watchdog %s: %s", w->cfg.device, strerror(errno));
		return errno == ENOENT                     ? ANPR_ERR_NOT_FOUND
		       : errno == EACCES || errno == EPERM ? ANPR_ERR_PERMISSION
							   : ANPR_ERR_IO;
	}
	if (ioctl(w->fd, WDIOC_SETTIMEOUT, &t) < 0) {
		ANPR_LOGW("watchdog %s: cannot set the timeout to %d s: %s", w->cfg.device, w->cfg.timeout_s,
			  strerror(errno));
		if (ioctl(w->fd, WDIOC_GETTIMEOUT, &t) < 0)
			t = w->cfg.timeout_s;
	}
	if (t != w->cfg.timeout_s)
		ANPR_LOGW("watchdog %s: timeout is %d s, not the %d s asked for", w->cfg.device, t,
			  w->cfg.timeout_s);
	w->st.timeout_s = t;
	return ANPR_ERR_OK;
}

anpr_err anpr_watchdog_open(const anpr_watchdog_cfg *cfg, anpr_watchdog **out)
{
	anpr_watchdog *w;
	anpr_err err = ANPR_ERR_OK;

	*out = NULL;
	if (cfg->timeout_s < 1 || cfg->timeout_s > 600 || cfg->backend > ANPR_WATCHDOG_DEV ||
	    (cfg->backend == ANPR_WATCHDOG_DEV && !cfg->device))
		return ANPR_ERR_INVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ANPR_ERR_NOMEM;
	w->cfg = *cfg;
	w->cfg.device = NULL;
	w->fd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->st.timeout_s = cfg->timeout_s;
	w->st.armed = cfg->backend != ANPR_WATCHDOG_NONE;
	w->last_feed_ms = anpr_clock_mono_ms();
	if (cfg->backend == ANPR_WATCHDOG_DEV) {
		w->cfg.device = cfg->device;
		err = dev_open(w);
		w->cfg.device = NULL;
	} else if (cfg->backend == ANPR_WATCHDOG_SIM) {
		if (cfg->sim_file && cfg->sim_file[0]) {
			w->sim_file = strdup(cfg->sim_file);
			if (!w->sim_file) {
				err = ANPR_ERR_NOMEM;
				goto out;
			}
		}
		sim_record(w, "armed");
		if (pthread_create(&w->checker, NULL, checker_main, w) != 0) {
			err = ANPR_ERR_NOMEM;
			goto out;
		}
		w->checker_running = true;
	}
	if (!err && cfg->backend != ANPR_WATCHDOG_NONE)
		ANPR_LOGI("watchdog %s armed: %d s",
			  cfg->backend == ANPR_WATCHDOG_SIM ? "(simulated)" : cfg->device, w->st.timeout_s);
out:
	if (err) {
		w->st.armed = false;
		anpr_watchdog_close(w, true);
		return err;
	}
	*out = w;
	return ANPR_ERR_OK;
}

anpr_err anpr_watchdog_feed(anpr_watchdog *w)
{
	anpr_err err = ANPR_ERR_OK;

	if (!w || w->cfg.backend == ANPR_WATCHDOG_NONE)
		return ANPR_ERR_OK;
	if (w->fd >= 0) {
		int dummy = 0;
		if (ioctl(w->fd, WDIOC_KEEPALIVE, &dummy) < 0) {
			ANPR_LOGE("watchdog: keepalive refused: %s", strerror(errno));
			err = ANPR_ERR_IO;
		}
	}
	pthread_mutex_lock(&w->mu);
	int64_t now = anpr_clock_mono_ms();
	note_gap(w, now);
	w->last_feed_ms = now;
	w->gap_counted = false;
	w->st.feeds++;
	/* The record is rewritten on changes of state, and on the first feed so a test sees it running. */
	if (w->st.feeds == 1)
		sim_record(w, w->st.would_reset ? "expired" : "armed");
	pthread_mutex_unlock(&w->mu);
	return err;
}

void anpr_watchdog_get_stats(anpr_watchdog *w, anpr_watchdog_stats *st)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	pthread_mutex_unlock(&w->mu);
}

void anpr_watchdog_close(anpr_watchdog *w, bool clean)
{
	if (!w)
		return;
	if (w->checker_running) {
		pthread_mutex_lock(&w->mu);
		w->closing = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->checker, NULL);
	}
	if (w->fd >= 0) {
		/* The magic close: without it the driver keeps counting and the board resets. */
		if (clean && write(w->fd, "V", 1) != 1)
			ANPR_LOGE("watchdog: magic close failed: %s", strerror(errno));
		if (!clean)
			ANPR_LOGW("watchdog left armed: the board resets in %d s unless anprd is back",
				  w->st.timeout_s);
		close(w->fd);
	}
	if (w->cfg.backend == ANPR_WATCHDOG_SIM) {
		pthread_mutex_lock(&w->mu);
		if (!clean)
			note_gap(w, anpr_clock_mono_ms());
		w->st.armed = !clean;
		sim_record(w, w->st.would_reset ? "expired" : clean ? "disarmed" : "armed");
		pthread_mutex_unlock(&w->mu);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->sim_file);
	free(w);
}
