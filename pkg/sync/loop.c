/* The loop: what is due when, for which apps, and what results mean. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/sync/internal.h"
#include "pkg/yaml/yaml.h"

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static double system_now(void *data)
{
	struct timespec ts;

	(void)data;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sync_now(const struct sync_loop *l)
{
	return l->o.now(l->o.now_data);
}

void sync_add_time(struct strbuf *sb, double t, int ms)
{
	time_t secs = (time_t)t;
	int frac = (int)((t - (double)secs) * 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms)
		strbuf_addf(sb, "%s.%03dZ", buf,
			    frac < 0 ? 0 : frac > 999 ? 999 : frac);
	else
		strbuf_addf(sb, "%sZ", buf);
}

/* "250ms", "2s", "1.5s", "5m", "1h" — how durations are written on the
 * command line */
static void add_duration(struct strbuf *sb, long ms)
{
	if (ms % 3600000 == 0 && ms)
		strbuf_addf(sb, "%ldh", ms / 3600000);
	else if (ms % 60000 == 0 && ms)
		strbuf_addf(sb, "%ldm", ms / 60000);
	else if (ms % 1000 == 0)
		strbuf_addf(sb, "%lds", ms / 1000);
	else if (ms < 1000)
		strbuf_addf(sb, "%ldms", ms);
	else
		strbuf_addf(sb, "%.3gs", (double)ms / 1000);
}

/* the first 12 digits of a commit, as the log shows it */
static const char *short_id(const char *commit, char buf[13])
{
	snprintf(buf, 13, "%s", commit ? commit : "");
	return buf;
}

static void replace(char **slot, const char *s)
{
	char *copy = s ? xstrdup(s) : NULL;

	free(*slot);
	*slot = copy;
}

static void set_owned(char **slot, char *s)
{
	free(*slot);
	*slot = s;
}

static int same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

const char *sync_state_name(enum app_state s)
{
	switch (s) {
	case ST_IN_SYNC: return "InSync";
	case ST_ERROR: return "Error";
	default: return "OutOfSync";
	}
}

const char *sync_health_name(enum sync_health h)
{
	static const char *const names[] = { "Healthy", "Progressing",
					     "Degraded", "Missing" };
	return h < SYNC_NR_HEALTH ? names[h] : "Unknown";
}

const char *sync_app_health(const struct app_st *a)
{
	/* the worst wins, as an app is only as healthy as its worst part */
	static const enum sync_health worst_first[] = {
		SYNC_DEGRADED, SYNC_MISSING, SYNC_PROGRESSING, SYNC_HEALTHY
	};
	if (!a->known_health)
		return "Unknown";
	for (size_t i = 0; i < 3; i++)
		if (a->health[worst_first[i]])
			return sync_health_name(worst_first[i]);
	return "Healthy";
}

void sync_log(struct sync_loop *l, const char *app, const char *event,
	      json_t *extra, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT, line = STRBUF_INIT;
	va_list ap;

	if (!l->o.log) {
		json_decref(extra);
		return;
	}
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (l->o.json) {
		json_t *e = json_object();
		struct strbuf ts = STRBUF_INIT;

		sync_add_time(&ts, sync_now(l), 1);
		json_object_set_new(e, "version", json_integer(1));
		json_object_set_new(e, "time", json_string(ts.buf));
		json_object_set_new(e, "app", app ? json_string(app)
						  : json_null());
		json_object_set_new(e, "event", json_string(event));
		json_object_set_new(e, "message", json_string(msg.buf));
		if (extra)
			json_object_update(e, extra);
		yaml_write_json(&line, e, 0);
		json_decref(e);
		strbuf_release(&ts);
	} else {
		sync_add_time(&line, sync_now(l), 1);
		strbuf_addf(&line, " %s: %s", app ? app : "sync", msg.buf);
	}
	strbuf_addch(&line, '\n');
	/* one write per line: apply's report writes to the same stream */
	fwrite(line.buf, 1, line.len, l->o.log);
	fflush(l->o.log);
	json_decref(extra);
	strbuf_release(&msg);
	strbuf_release(&line);
}

/* Counts of all zero say nothing (sync.h): the health stays unknown. */
static void set_health(struct app_st *a, const size_t *health)
{
	size_t sum = 0;

	for (int h = 0; h < SYNC_NR_HEALTH; h++)
		sum += health[h];
	a->known_health = sum > 0;
	memcpy(a->health, health, sizeof(a->health));
}

static void wake(struct sync_loop *l)
{
	char c = 1;
	ssize_t n = write(l->wake[1], &c, 1);

	(void)n; /* a full pipe already wakes the loop */
}

/* ------------------------------------------------------------------ */
/* The loop's life                                                      */

struct sync_loop *sync_new(const struct sync_opts *o,
			   const struct sync_ops *ops)
{
	struct sync_loop *l = xcalloc(1, sizeof(*l));

	l->o = *o;
	if (!l->o.now)
		l->o.now = system_now;
	if (l->o.interval_ms <= 0)
		l->o.interval_ms = 60000;
	if (l->o.backoff_ms <= 0)
		l->o.backoff_ms = 5000;
	if (l->o.max_backoff_ms < l->o.backoff_ms)
		l->o.max_backoff_ms = l->o.backoff_ms;
	l->ops = *ops;
	pthread_mutex_init(&l->lock, NULL);
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		l->wake[0] = l->wake[1] = -1;
	l->running = 1;
	return l;
}

static void app_clear(struct app_st *a)
{
	free(a->name);
	free(a->commit);
	free(a->digest);
	free(a->want);
	free(a->failed_key);
	free(a->error);
}

void sync_free(struct sync_loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->napps; i++)
		app_clear(&l->apps[i]);
	free(l->apps);
	free(l->commit);
	free(l->repo_error);
	free(l->fetch_error);
	if (l->wake[0] >= 0) {
		close(l->wake[0]);
		close(l->wake[1]);
	}
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void sync_trigger(struct sync_loop *l)
{
	pthread_mutex_lock(&l->lock);
	l->trigger = 1;
	pthread_mutex_unlock(&l->lock);
	wake(l);
}

void sync_signal(struct sync_loop *l, int sig)
{
	int e = errno;  /* a handler must leave errno as it found it */

	if (sig == SIGHUP)
		l->reload = 1;
	else
		l->stop = 1;
	wake(l);
	errno = e;
}

volatile sig_atomic_t *sync_stop_flag(struct sync_loop *l)
{
	return &l->stop;
}

int sync_alive(struct sync_loop *l)
{
	return l->running && !l->stop;
}

int sync_ready(struct sync_loop *l)
{
	pthread_mutex_lock(&l->lock);
	int r = l->ready;
	pthread_mutex_unlock(&l->lock);
	return r;
}

/* ------------------------------------------------------------------ */
/* The apps                                                             */

static struct app_st *find_app(struct sync_loop *l, const char *name)
{
	for (size_t i = 0; i < l->napps; i++)
		if (!strcmp(l->apps[i].name, name))
			return &l->apps[i];
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct app_st *)a)->name,
		      ((const struct app_st *)b)->name);
}

static void free_apps(struct sync_app *v, size_t n, int names)
{
	for (size_t i = 0; i < n; i++) {
		if (names)
			free((char *)v[i].app);
		free(v[i].digest);
		free(v[i].revision);
		free(v[i].error);
	}
	free(v);
}

/* Make the apps those of the rendering: new ones join OutOfSync, gone
 * ones leave (their objects stay: nothing says they should go). Called
 * with the lock held. */
static void take_apps(struct sync_loop *l, struct sync_app *v, size_t n)
{
	size_t keep = 0;

	for (size_t i = 0; i < l->napps; i++) {
		int found = 0;
		for (size_t j = 0; j < n && !found; j++)
			found = !strcmp(v[j].app, l->apps[i].name);
		if (found) {
			l->apps[keep++] = l->apps[i];
			continue;
		}
		sync_log(l, l->apps[i].name, "app.removed", NULL,
			 "no longer in the repository: not synced any more "
			 "(its objects stay)");
		app_clear(&l->apps[i]);
	}
	l->napps = keep;
	for (size_t j = 0; j < n; j++) {
		if (find_app(l, v[j].app))
			continue;
		ALLOC_GROW(l->apps, l->napps + 1, l->aapps);
		struct app_st *a = &l->apps[l->napps++];
		memset(a, 0, sizeof(*a));
		a->name = xstrdup(v[j].app);
		a->state = ST_OUT_OF_SYNC;
	}
	qsort(l->apps, l->napps, sizeof(*l->apps), by_name);
	for (size_t j = 0; j < n; j++) {
		struct app_st *a = find_app(l, v[j].app);
		replace(&a->want, v[j].digest);
	}
}

/* What an attempt applies: the digest, or the render error. Two failed
 * attempts with the same key would fail alike, so a new commit that does
 * not change the key waits for the backoff. */
static char *attempt_key(const struct app_st *a)
{
	return a->want ? xstrdup(a->want)
		       : xasprintf("error:%s", a->error ? a->error : "");
}

static long backoff_ms(const struct sync_loop *l, unsigned failures)
{
	long ms = l->o.backoff_ms;

	for (unsigned i = 1; i < failures && ms < l->o.max_backoff_ms; i++)
		ms *= 2;
	return ms < l->o.max_backoff_ms ? ms : l->o.max_backoff_ms;
}

static enum sync_result worst_result(enum sync_result a, enum sync_result b)
{
	return a > b ? a : b;
}

/* Record one app's apply result. Lock held. */
static void record(struct sync_loop *l, struct app_st *a,
		   const struct sync_app *r, double now, int correction)
{
	char id[13];
	struct strbuf d = STRBUF_INIT;

	short_id(l->commit, id);
	if (r->result != SYNC_RESULT_SKIPPED &&
	    r->result != SYNC_RESULT_INTERRUPTED) {
		a->last_apply = now;
		a->observed++;
		a->seconds += r->seconds;
		for (size_t b = 0; b < SYNC_NR_BUCKETS; b++)
			if (r->seconds <= sync_buckets[b])
				a->buckets[b]++;
	}
	if (r->result != SYNC_RESULT_INTERRUPTED)
		a->runs++;
	if (r->result == SYNC_RESULT_OK || r->result == SYNC_RESULT_UNHEALTHY) {
		/* written: the cluster holds this commit's objects */
		replace(&a->commit, l->commit);
		replace(&a->digest, a->want);
		set_health(a, r->health);
	}
	if (r->result == SYNC_RESULT_OK) {
		a->state = ST_IN_SYNC;
		a->drifted = 0;
		a->failures = 0;
		replace(&a->error, NULL);
		replace(&a->failed_key, NULL);
		a->last_sync = l->last_sync = now;
		if (correction)
			a->corrections++;
		sync_log(l, a->name, "app.synced",
			 json_pack("{s:s, s:s, s:f}", "commit", l->commit,
				   "health", sync_app_health(a), "seconds",
				   r->seconds),
			 "synced to %s (%s, %.1fs)", id, sync_app_health(a),
			 r->seconds);
		return;
	}
	if (r->result == SYNC_RESULT_INTERRUPTED) {
		a->state = ST_OUT_OF_SYNC;
		replace(&a->error, "interrupted before the apply ended");
		sync_log(l, a->name, "app.interrupted", NULL,
			 "interrupted: the apply stopped after its step");
		return;
	}
	a->fails++;
	a->failures++;
	a->state = ST_ERROR;
	replace(&a->error, r->error ? r->error
				    : r->result == SYNC_RESULT_UNHEALTHY
					      ? "not healthy"
					      : "failed");
	set_owned(&a->failed_key, attempt_key(a));
	long wait = backoff_ms(l, a->failures);
	a->next_retry = now + (double)wait / 1000;
	add_duration(&d, wait);
	sync_log(l, a->name, "app.failed",
		 json_pack("{s:s, s:s, s:s}", "commit", l->commit, "error",
			   a->error, "retryIn", d.buf),
		 "%s at %s: %s; retry in %s",
		 r->result == SYNC_RESULT_UNHEALTHY ? "unhealthy"
		 : r->result == SYNC_RESULT_SKIPPED ? "not applied"
						    : "sync failed",
		 id, a->error, d.buf);
	strbuf_release(&d);
}

/*
 * Apply the named apps at the branch's commit; corrections marks those
 * applied again for drift. The worst result is kept for --once.
 */
static void apply_apps(struct sync_loop *l, char **names, size_t n,
		       const int *corrections)
{
	struct sync_app *v;
	struct gerr err = GERR_INIT;
	char id[13];
	int rc;

	if (!n || l->stop)
		return;
	v = xcalloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].app = names[i];
		v[i].result = SYNC_RESULT_ERROR;
		sync_log(l, names[i], "app.applying",
			 json_pack("{s:s}", "commit", l->commit),
			 "applying %s%s", short_id(l->commit, id),
			 corrections && corrections[i] ? " (drift)" : "");
	}
	rc = l->ops.apply(l->ops.data, l->commit, v, n, &l->stop, &err);
	double now = sync_now(l);
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		struct app_st *a = find_app(l, names[i]);
		if (rc < 0) {
			v[i].result = SYNC_RESULT_ERROR;
			replace(&v[i].error, gerr_msg(&err));
		}
		l->exit_code = worst_result(l->exit_code, v[i].result);
		if (a)
			record(l, a, &v[i], now,
			       corrections && corrections[i]);
	}
	pthread_mutex_unlock(&l->lock);
	gerr_clear(&err);
	free_apps(v, n, 0);
}

/* ------------------------------------------------------------------ */
/* Fetch, render, check                                                 */

/* The branch moved (or this is the start): render every app and decide
 * which to apply. Returns the names to apply (NULL-terminated, *n). */
static char **plan_commit(struct sync_loop *l, size_t *n, int **corr);

static void fail_all(struct sync_loop *l, const char *msg, double now)
{
	struct sync_app r = { .result = SYNC_RESULT_ERROR,
			      .error = (char *)msg };

	for (size_t i = 0; i < l->napps; i++) {
		struct app_st *a = &l->apps[i];
		/* what failed is the commit, not the app: keep its key */
		replace(&a->want, NULL);
		record(l, a, &r, now, 0);
	}
	l->exit_code = worst_result(l->exit_code, SYNC_RESULT_ERROR);
}

/* Check apps against the cluster: the initial check (every app), or the
 * periodic drift check (the synced ones). */
static void check_apps(struct sync_loop *l, int initial, char ***apply,
		       size_t *napply, int **corr)
{
	struct sync_app *v = xcalloc(l->napps + 1, sizeof(*v));
	struct gerr err = GERR_INIT;
	size_t n = 0;
	char id[13];

	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->napps; i++) {
		struct app_st *a = &l->apps[i];
		if (!a->want)
			continue; /* does not render: nothing to compare */
		if (!initial && (a->state == ST_ERROR ||
				 !same(a->commit, l->commit)))
			continue;
		v[n++].app = xstrdup(a->name);
	}
	pthread_mutex_unlock(&l->lock);
	if (!n) {
		free(v);
		return;
	}
	int rc = l->ops.check(l->ops.data, l->commit, v, n, &err);
	short_id(l->commit, id);
	pthread_mutex_lock(&l->lock);
	if (rc < 0) {
		sync_log(l, NULL, "check.failed", json_pack("{s:s}", "error",
							     gerr_msg(&err)),
			 "cannot compare the apps with the cluster: %s",
			 gerr_msg(&err));
		/* at the start, apply finds out (and reports) for itself */
		for (size_t i = 0; i < n && initial; i++)
			(*apply)[(*napply)++] = xstrdup(v[i].app);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct app_st *a = find_app(l, v[i].app);
		int drift;

		if (!a)
			continue;
		if (v[i].error) {
			/* the initial check could not tell: apply decides */
			if (initial)
				(*apply)[(*napply)++] = xstrdup(a->name);
			else
				sync_log(l, a->name, "check.failed",
					 json_pack("{s:s}", "error",
						   v[i].error),
					 "cannot compare with the cluster: %s",
					 v[i].error);
			continue;
		}
		set_health(a, v[i].health);
		if (v[i].in_sync) {
			if (initial || a->drifted)
				sync_log(l, a->name, "app.insync",
					 json_pack("{s:s}", "commit",
						   l->commit),
					 "in sync with %s", id);
			replace(&a->commit, l->commit);
			replace(&a->digest, a->want);
			a->state = ST_IN_SYNC;
			a->drifted = 0;
			continue;
		}
		/* the inventory tells drift from a commit not applied yet */
		drift = !initial || same(v[i].revision, l->commit);
		if (!drift) {
			sync_log(l, a->name, "app.outofsync",
				 json_pack("{s:s, s:o}", "commit", l->commit,
					   "applied",
					   v[i].revision
						   ? json_string(v[i].revision)
						   : json_null()),
				 "out of sync: %s not applied yet", id);
			(*apply)[(*napply)++] = xstrdup(a->name);
			continue;
		}
		a->drifts++;
		if (initial) {
			replace(&a->commit, l->commit);
			replace(&a->digest, a->want);
		}
		sync_log(l, a->name, "app.drift",
			 json_pack("{s:s, s:I, s:b}", "commit", l->commit,
				   "changes", (json_int_t)v[i].changes,
				   "selfHeal", !l->o.no_self_heal),
			 "drift: %zu change%s from %s%s", v[i].changes,
			 v[i].changes == 1 ? "" : "s", id,
			 l->o.no_self_heal ? " (self-heal is off)"
					   : "; applying again");
		/* out of sync until the apply below ends */
		a->state = ST_OUT_OF_SYNC;
		if (l->o.no_self_heal) {
			a->drifted = 1;
			continue;
		}
		(*corr)[*napply] = 1;
		(*apply)[(*napply)++] = xstrdup(a->name);
	}
	pthread_mutex_unlock(&l->lock);
	gerr_clear(&err);
	free_apps(v, n, 1);
}

static char **plan_commit(struct sync_loop *l, size_t *n, int **corr)
{
	struct sync_app *v = NULL;
	size_t nv = 0;
	struct gerr err = GERR_INIT;
	char **apply;
	char id[13];
	double now;

	*n = 0;
	int rc = l->ops.render(l->ops.data, l->commit, &v, &nv, &err);
	now = sync_now(l);
	pthread_mutex_lock(&l->lock);
	if (rc < 0) {
		set_owned(&l->repo_error, xstrdup(gerr_msg(&err)));
		sync_log(l, NULL, "render.failed",
			 json_pack("{s:s, s:s}", "commit", l->commit, "error",
				   gerr_msg(&err)),
			 "%s cannot be read: %s", short_id(l->commit, id),
			 gerr_msg(&err));
		fail_all(l, gerr_msg(&err), now);
		pthread_mutex_unlock(&l->lock);
		gerr_clear(&err);
		*corr = NULL;
		return NULL;
	}
	replace(&l->repo_error, NULL);
	take_apps(l, v, nv);
	/* an app that does not render: its error until apply says more */
	for (size_t i = 0; i < nv; i++)
		if (!v[i].digest && v[i].error)
			replace(&find_app(l, v[i].app)->error, v[i].error);
	free_apps(v, nv, 1);
	apply = xcalloc(l->napps + 1, sizeof(*apply));
	*corr = xcalloc(l->napps + 1, sizeof(**corr));
	if (!l->checked) {
		/* the start: apps that do not render go to apply, which
		 * reports why; the rest are compared with the cluster */
		for (size_t i = 0; i < l->napps; i++)
			if (!l->apps[i].want)
				apply[(*n)++] = xstrdup(l->apps[i].name);
		pthread_mutex_unlock(&l->lock);
		check_apps(l, 1, &apply, n, corr);
		l->checked = 1;
		return apply;
	}
	for (size_t i = 0; i < l->napps; i++) {
		struct app_st *a = &l->apps[i];
		if (a->state != ST_ERROR && same(a->want, a->digest)) {
			/* the commit changed nothing of this app's */
			replace(&a->commit, l->commit);
			continue;
		}
		if (a->state == ST_ERROR) {
			char *key = attempt_key(a);
			int again = same(key, a->failed_key);
			free(key);
			if (again)
				continue; /* would fail alike: backoff */
		} else {
			a->state = ST_OUT_OF_SYNC;
		}
		apply[(*n)++] = xstrdup(a->name);
	}
	pthread_mutex_unlock(&l->lock);
	return apply;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void do_fetch(struct sync_loop *l)
{
	struct gerr err = GERR_INIT;
	char *commit = NULL;
	char id[13];

	int rc = l->ops.fetch(l->ops.data, &commit, &err);
	pthread_mutex_lock(&l->lock);
	l->fetches++;
	l->last_fetch = sync_now(l);
	if (rc < 0) {
		l->fetch_errors++;
		set_owned(&l->fetch_error, xstrdup(gerr_msg(&err)));
		l->exit_code = worst_result(l->exit_code, SYNC_RESULT_ERROR);
		sync_log(l, NULL, "fetch.failed",
			 json_pack("{s:s}", "error", gerr_msg(&err)),
			 "fetch failed: %s", gerr_msg(&err));
		pthread_mutex_unlock(&l->lock);
		gerr_clear(&err);
		return;
	}
	replace(&l->fetch_error, NULL);
	int moved = !same(commit, l->commit);
	if (moved) {
		set_owned(&l->commit, commit);
		commit = NULL;
		sync_log(l, NULL, "commit",
			 json_pack("{s:s, s:s?}", "commit", l->commit,
				   "branch", l->o.branch),
			 "%s %s%s%s", l->fetched ? "new commit" : "at commit",
			 short_id(l->commit, id), l->o.branch ? " on " : "",
			 l->o.branch ? l->o.branch : "");
	}
	l->fetched = 1;
	pthread_mutex_unlock(&l->lock);
	free(commit);
	if (!moved)
		return;

	size_t n;
	int *corr;
	char **names = plan_commit(l, &n, &corr);
	apply_apps(l, names, n, corr);
	free_names(names, n);
	free(corr);
}

static void check_drift(struct sync_loop *l)
{
	char **names = xcalloc(l->napps + 1, sizeof(*names));
	int *corr = xcalloc(l->napps + 1, sizeof(*corr));
	size_t n = 0;

	check_apps(l, 0, &names, &n, &corr);
	apply_apps(l, names, n, corr);
	free_names(names, n);
	free(corr);
}

static void retry_due(struct sync_loop *l, double now)
{
	char **names = xcalloc(l->napps + 1, sizeof(*names));
	size_t n = 0;

	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->napps; i++)
		if (l->apps[i].state == ST_ERROR &&
		    l->apps[i].next_retry <= now)
			names[n++] = xstrdup(l->apps[i].name);
	if (n && l->repo_error) {
		/* the commit itself is broken: only a new one can help,
		 * and the next fetch looks for one */
		for (size_t i = 0; i < l->napps; i++)
			if (l->apps[i].state == ST_ERROR &&
			    l->apps[i].next_retry <= now)
				l->apps[i].next_retry =
					now + (double)l->o.interval_ms / 1000;
		free_names(names, n);
		pthread_mutex_unlock(&l->lock);
		return;
	}
	pthread_mutex_unlock(&l->lock);
	apply_apps(l, names, n, NULL);
	free_names(names, n);
}

static long until(double due, double now)
{
	double ms = (due - now) * 1000;

	return ms <= 0 ? 0 : ms > 86400000 ? 86400000 : (long)(ms + 0.999);
}

long sync_step(struct sync_loop *l)
{
	double now = sync_now(l);
	struct gerr err = GERR_INIT;

	if (l->reload) {
		l->reload = 0;
		sync_log(l, NULL, "reload", NULL,
			 "SIGHUP: reading the configuration again");
		if (l->ops.reload && l->ops.reload(l->ops.data, &err) < 0)
			sync_log(l, NULL, "reload.failed",
				 json_pack("{s:s}", "error", gerr_msg(&err)),
				 "reload failed (the old configuration "
				 "stays): %s", gerr_msg(&err));
		gerr_clear(&err);
		l->next_fetch = l->next_drift = now;
	}
	pthread_mutex_lock(&l->lock);
	if (l->trigger) {
		l->trigger = 0;
		l->next_fetch = now;
	}
	pthread_mutex_unlock(&l->lock);

	if (!l->stop && now >= l->next_fetch) {
		int first = !l->fetched;
		do_fetch(l);
		now = sync_now(l);
		l->next_fetch = now + (double)l->o.interval_ms / 1000;
		if (first && l->fetched)
			l->next_drift =
				now + (double)l->o.drift_interval_ms / 1000;
		pthread_mutex_lock(&l->lock);
		if (l->fetched && !l->ready && !l->stop)
			l->ready = 1;
		pthread_mutex_unlock(&l->lock);
	}
	if (!l->stop && l->commit && !l->o.once)
		retry_due(l, now);
	if (!l->stop && l->commit && l->checked && !l->o.once &&
	    l->o.drift_interval_ms > 0 && now >= l->next_drift) {
		check_drift(l);
		now = sync_now(l);
		l->next_drift = now + (double)l->o.drift_interval_ms / 1000;
	}

	double due = l->next_fetch;
	if (l->commit && l->o.drift_interval_ms > 0 && l->next_drift < due)
		due = l->next_drift;
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->napps; i++)
		if (l->apps[i].state == ST_ERROR &&
		    l->apps[i].next_retry < due)
			due = l->apps[i].next_retry;
	pthread_mutex_unlock(&l->lock);
	return until(due, sync_now(l));
}

static void wait_for(struct sync_loop *l, long ms)
{
	struct pollfd p = { .fd = l->wake[0], .events = POLLIN };
	char buf[64];

	if (l->stop || l->reload)
		return;
	if (poll(&p, 1, (int)ms) > 0)
		while (read(l->wake[0], buf, sizeof(buf)) > 0)
			;
}

int sync_run(struct sync_loop *l)
{
	struct strbuf every = STRBUF_INIT, drift = STRBUF_INIT;

	add_duration(&every, l->o.interval_ms);
	add_duration(&drift, l->o.drift_interval_ms);
	sync_log(l, NULL, "started",
		 json_pack("{s:s?, s:s?, s:s, s:s?, s:b}", "repo", l->o.repo,
			   "branch", l->o.branch, "interval", every.buf,
			   "driftInterval",
			   l->o.drift_interval_ms ? drift.buf : NULL,
			   "selfHeal", !l->o.no_self_heal),
		 "following %s%s%s: fetch every %s, drift check %s%s%s%s",
		 l->o.branch ? l->o.branch : "the default branch",
		 l->o.repo ? " of " : "", l->o.repo ? l->o.repo : "",
		 every.buf, l->o.drift_interval_ms ? "every " : "never",
		 l->o.drift_interval_ms ? drift.buf : "",
		 l->o.no_self_heal ? ", self-heal off" : "",
		 l->o.once ? ", once" : "");
	strbuf_release(&every);
	strbuf_release(&drift);
	for (;;) {
		long ms = sync_step(l);
		if (l->stop || l->o.once)
			break;
		wait_for(l, ms);
	}
	l->running = 0;
	if (l->stop)
		sync_log(l, NULL, "stopped", NULL,
			 "stopped by a signal; inventories are written");
	if (!l->o.once)
		return 0;
	/* --once: DESIGN.md's exit codes */
	if (l->stop || l->exit_code >= SYNC_RESULT_ERROR)
		return 1;
	return l->exit_code == SYNC_RESULT_UNHEALTHY ? 3 : 0;
}
