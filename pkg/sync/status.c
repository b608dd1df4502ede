/* What the loop shows: the status JSON and the Prometheus metrics. */
#include <math.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sync/internal.h"

/* Seconds: from a quick apply of a few objects to a five-minute health
 * wait (the apps' default timeout) and beyond. */
const double sync_buckets[SYNC_NR_BUCKETS] = { 0.1, 0.25, 0.5, 1,  2.5, 5,
					       10,  30,   60,  120, 300, 600 };

static json_t *time_or_null(double t)
{
	struct strbuf sb = STRBUF_INIT;

	if (t <= 0)
		return json_null();
	sync_add_time(&sb, t, 0);
	json_t *j = json_string(sb.buf);
	strbuf_release(&sb);
	return j;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *app_json(const struct app_st *a)
{
	json_t *objects = json_object();

	for (int h = 0; h < SYNC_NR_HEALTH; h++)
		json_object_set_new(objects, sync_health_name(h),
				    json_integer((json_int_t)a->health[h]));
	return json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:o}",
			 "name", a->name, "commit", str_or_null(a->commit),
			 "sync", sync_state_name(a->state), "health",
			 sync_app_health(a), "objects", objects, "lastError",
			 str_or_null(a->error), "lastApply",
			 time_or_null(a->last_apply), "lastSync",
			 time_or_null(a->last_sync), "failures",
			 (json_int_t)a->failures, "nextRetry",
			 a->state == ST_ERROR ? time_or_null(a->next_retry)
					      : json_null());
}

json_t *sync_status_json(struct sync_loop *l)
{
	json_t *apps = json_array();

	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < l->napps; i++)
		json_array_append_new(apps, app_json(&l->apps[i]));
	json_t *st = json_pack(
		"{s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o}", "repo",
		str_or_null(l->o.repo), "branch", str_or_null(l->o.branch),
		"commit", str_or_null(l->commit), "ready", l->ready,
		"lastFetch", time_or_null(l->last_fetch), "lastFetchError",
		str_or_null(l->fetch_error), "lastSync",
		time_or_null(l->last_sync), "commitError",
		str_or_null(l->repo_error), "apps", apps);
	pthread_mutex_unlock(&l->lock);
	return st;
}

/* ------------------------------------------------------------------ */
/* Prometheus text format 0.0.4                                         */

/* A label value: backslash, double quote and newline escaped. */
static void add_label(struct strbuf *out, const char *name, const char *v)
{
	strbuf_addf(out, "%s=\"", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			strbuf_addch(out, '\\'), strbuf_addch(out, *v);
		else if (*v == '\n')
			strbuf_addstr(out, "\\n");
		else
			strbuf_addch(out, *v);
	}
	strbuf_addch(out, '"');
}

/* A value as Go's strconv.ParseFloat reads it: integers without a
 * fraction, others with six decimals at most (timestamps keep their
 * microseconds), trailing zeros dropped. */
static void add_value(struct strbuf *out, double v)
{
	if (v == floor(v) && fabs(v) < 1e15) {
		strbuf_addf(out, "%.0f", v);
		return;
	}
	size_t start = out->len;
	strbuf_addf(out, "%.6f", v);
	while (out->len > start && out->buf[out->len - 1] == '0')
		out->len--;
	out->buf[out->len] = '\0';
}

static void family(struct strbuf *out, const char *name, const char *type,
		   const char *help)
{
	strbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		    type);
}

static void sample(struct strbuf *out, const char *name, const char *app,
		   const char *lname, const char *lvalue, double v)
{
	strbuf_addstr(out, name);
	if (app || lname) {
		strbuf_addch(out, '{');
		if (app)
			add_label(out, "app", app);
		if (app && lname)
			strbuf_addch(out, ',');
		if (lname)
			add_label(out, lname, lvalue);
		strbuf_addch(out, '}');
	}
	strbuf_addch(out, ' ');
	add_value(out, v);
	strbuf_addch(out, '\n');
}

/* One counter or gauge per app, from the member at offset off. */
enum per_app { RUNS, FAILS, DRIFTS, CORRECTIONS, LAST_SYNC };

static double per_app_value(const struct app_st *a, enum per_app what)
{
	switch (what) {
	case RUNS: return (double)a->runs;
	case FAILS: return (double)a->fails;
	case DRIFTS: return (double)a->drifts;
	case CORRECTIONS: return (double)a->corrections;
	default: return a->last_sync;
	}
}

static void per_app(struct strbuf *out, const struct sync_loop *l,
		    const char *name, const char *type, const char *help,
		    enum per_app what)
{
	family(out, name, type, help);
	for (size_t i = 0; i < l->napps; i++)
		sample(out, name, l->apps[i].name, NULL, NULL,
		       per_app_value(&l->apps[i], what));
}

static void histogram(struct strbuf *out, const struct sync_loop *l)
{
	const char *name = "gantry_app_apply_duration_seconds";
	char le[32];

	family(out, name, "histogram",
	       "How long applies of each app took, health waits included.");
	for (size_t i = 0; i < l->napps; i++) {
		const struct app_st *a = &l->apps[i];
		for (size_t b = 0; b < SYNC_NR_BUCKETS; b++) {
			struct strbuf v = STRBUF_INIT;
			add_value(&v, sync_buckets[b]);
			snprintf(le, sizeof(le), "%s", v.buf);
			strbuf_release(&v);
			sample(out, "gantry_app_apply_duration_seconds_bucket",
			       a->name, "le", le, (double)a->buckets[b]);
		}
		sample(out, "gantry_app_apply_duration_seconds_bucket",
		       a->name, "le", "+Inf", (double)a->observed);
		sample(out, "gantry_app_apply_duration_seconds_sum", a->name,
		       NULL, NULL, a->seconds);
		sample(out, "gantry_app_apply_duration_seconds_count",
		       a->name, NULL, NULL, (double)a->observed);
	}
}

void sync_metrics(struct sync_loop *l, struct strbuf *out)
{
	static const enum app_state states[] = { ST_IN_SYNC, ST_OUT_OF_SYNC,
						  ST_ERROR };

	pthread_mutex_lock(&l->lock);
	family(out, "gantry_sync_info", "gauge",
	       "The branch followed and the commit it is at (always 1).");
	strbuf_addstr(out, "gantry_sync_info{");
	add_label(out, "repo", l->o.repo ? l->o.repo : "");
	strbuf_addch(out, ',');
	add_label(out, "branch", l->o.branch ? l->o.branch : "");
	strbuf_addch(out, ',');
	add_label(out, "commit", l->commit ? l->commit : "");
	strbuf_addstr(out, "} 1\n");
	family(out, "gantry_sync_ready", "gauge",
	       "1 once the first fetch and its applies are done.");
	sample(out, "gantry_sync_ready", NULL, NULL, NULL, l->ready);
	family(out, "gantry_git_fetches_total", "counter",
	       "Fetches of the branch.");
	sample(out, "gantry_git_fetches_total", NULL, NULL, NULL,
	       (double)l->fetches);
	family(out, "gantry_git_fetch_errors_total", "counter",
	       "Fetches of the branch that failed.");
	sample(out, "gantry_git_fetch_errors_total", NULL, NULL, NULL,
	       (double)l->fetch_errors);
	family(out, "gantry_sync_commit_error", "gauge",
	       "1 when the branch's commit cannot be read at all "
	       "(gantry.yaml).");
	sample(out, "gantry_sync_commit_error", NULL, NULL, NULL,
	       l->repo_error ? 1 : 0);
	family(out, "gantry_last_successful_sync_timestamp_seconds", "gauge",
	       "When an apply last succeeded, in seconds since the epoch "
	       "(0: never).");
	sample(out, "gantry_last_successful_sync_timestamp_seconds", NULL,
	       NULL, NULL, l->last_sync);

	per_app(out, l, "gantry_app_sync_runs_total", "counter",
		"Applies of each app.", RUNS);
	per_app(out, l, "gantry_app_sync_failures_total", "counter",
		"Applies of each app that failed or left it unhealthy.",
		FAILS);
	per_app(out, l, "gantry_app_drift_detected_total", "counter",
		"Times each app was found to differ from its commit.",
		DRIFTS);
	per_app(out, l, "gantry_app_drift_corrections_total", "counter",
		"Drift corrected by applying again (self-heal).",
		CORRECTIONS);
	per_app(out, l, "gantry_app_last_sync_timestamp_seconds", "gauge",
		"When each app's apply last succeeded (0: never).",
		LAST_SYNC);

	family(out, "gantry_app_sync_status", "gauge",
	       "1 for each app's sync state (InSync, OutOfSync, Error).");
	for (size_t i = 0; i < l->napps; i++)
		for (size_t s = 0; s < 3; s++)
			sample(out, "gantry_app_sync_status",
			       l->apps[i].name, "status",
			       sync_state_name(states[s]),
			       l->apps[i].state == states[s]);
	family(out, "gantry_app_objects", "gauge",
	       "Each app's objects by health, as last seen.");
	for (size_t i = 0; i < l->napps; i++)
		for (int h = 0; h < SYNC_NR_HEALTH; h++)
			sample(out, "gantry_app_objects", l->apps[i].name,
			       "health", sync_health_name(h),
			       (double)l->apps[i].health[h]);
	histogram(out, l);
	pthread_mutex_unlock(&l->lock);
}
