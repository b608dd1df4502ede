/*
 * pkg/sync: the loop driven step by step with a fake clock and fake ops
 * (the calls it makes, in order, are the test's record), its log, status
 * and metrics, the webhook signature, and the HTTP endpoints.
 *
 * Expected calls and states follow the rules of pkg/sync/sync.h
 * (SCHEDULE, DRIFT, FAILURES); HMAC vectors are RFC 4231's and the one
 * GitHub documents for X-Hub-Signature-256; metrics are checked by the
 * strict parser of tests/unit/promtext.c as well as compared.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/sync/sync.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/harness.h"
#include "tests/unit/promtext.h"

/* 2026-01-02T03:04:05Z */
#define T0 1767323045.0
#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define C3 "3333333333333333333333333333333333333333"

/* ------------------------------------------------------------------ */
/* The fake world                                                       */

struct fake_app {
	const char *name;
	const char *digest;        /* NULL: does not render (render_error) */
	const char *render_error;
	const char *revision;      /* the inventory's */
	int in_sync;
	size_t changes;
	enum sync_result result;   /* what apply does */
	const char *error;
	size_t health[SYNC_NR_HEALTH];
};

struct fake {
	const char *commit;
	const char *fetch_error, *repo_error;
	struct fake_app apps[6];
	size_t napps;
	int stop_during_apply;
	struct strbuf calls;       /* "fetch\nrender C\napply C: a b\n" */
	double now;
};

static struct fake_app *fake_find(struct fake *f, const char *name)
{
	for (size_t i = 0; i < f->napps; i++)
		if (!strcmp(f->apps[i].name, name))
			return &f->apps[i];
	return NULL;
}

static double fake_now(void *data)
{
	return ((struct fake *)data)->now;
}

static int fake_fetch(void *data, char **commit, struct gerr *err)
{
	struct fake *f = data;

	strbuf_addstr(&f->calls, "fetch\n");
	if (f->fetch_error)
		return gerr_set(err, "%s", f->fetch_error);
	*commit = xstrdup(f->commit);
	return 0;
}

static int fake_render(void *data, const char *commit, struct sync_app **v,
		       size_t *n, struct gerr *err)
{
	struct fake *f = data;

	strbuf_addf(&f->calls, "render %.1s\n", commit);
	if (f->repo_error)
		return gerr_set(err, "%s", f->repo_error);
	*v = xcalloc(f->napps, sizeof(**v));
	*n = f->napps;
	for (size_t i = 0; i < f->napps; i++) {
		(*v)[i].app = xstrdup(f->apps[i].name);
		if (f->apps[i].digest)
			(*v)[i].digest = xstrdup(f->apps[i].digest);
		else
			(*v)[i].error = xstrdup(f->apps[i].render_error);
	}
	return 0;
}

static void calls_list(struct fake *f, const char *what, const char *commit,
		       const struct sync_app *v, size_t n)
{
	strbuf_addf(&f->calls, "%s %.1s:", what, commit);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&f->calls, " %s", v[i].app);
	strbuf_addch(&f->calls, '\n');
}

static int fake_check(void *data, const char *commit, struct sync_app *v,
		      size_t n, struct gerr *err)
{
	struct fake *f = data;
	(void)err;

	calls_list(f, "check", commit, v, n);
	for (size_t i = 0; i < n; i++) {
		struct fake_app *a = fake_find(f, v[i].app);
		v[i].revision = a->revision ? xstrdup(a->revision) : NULL;
		v[i].in_sync = a->in_sync;
		v[i].changes = a->changes;
		memcpy(v[i].health, a->health, sizeof(v[i].health));
	}
	return 0;
}

static int fake_apply(void *data, const char *commit, struct sync_app *v,
		      size_t n, volatile sig_atomic_t *stop, struct gerr *err)
{
	struct fake *f = data;
	(void)err;

	calls_list(f, "apply", commit, v, n);
	for (size_t i = 0; i < n; i++) {
		struct fake_app *a = fake_find(f, v[i].app);
		v[i].result = a->result;
		if (a->error)
			v[i].error = xstrdup(a->error);
		v[i].seconds = 0.75;
		memcpy(v[i].health, a->health, sizeof(v[i].health));
		if (a->result == SYNC_RESULT_OK)
			a->in_sync = 1; /* what a real apply leaves behind */
		if (f->stop_during_apply) {
			*stop = 1;
			v[i].result = SYNC_RESULT_INTERRUPTED;
		}
	}
	f->now += 0.75 * (double)n;
	return 0;
}

static const struct sync_ops fake_ops = {
	.fetch = fake_fetch, .render = fake_render, .check = fake_check,
	.apply = fake_apply,
};

static char *log_buf;
static size_t log_len, log_seen;

static struct sync_loop *new_loop(struct fake *f, struct sync_opts *o,
				  FILE **log)
{
	struct sync_ops ops = fake_ops;

	ops.data = f;
	f->now = T0;
	*log = open_memstream(&log_buf, &log_len);
	log_seen = 0;
	o->log = *log;
	o->now = fake_now;
	o->now_data = f;
	o->repo = "file:///srv/gitops.git";
	o->branch = "main";
	return sync_new(o, &ops);
}

/* The calls so far, and forget them. */
static void t_calls(struct fake *f, const char *want, const char *what)
{
	t_str(f->calls.buf, want, "%s: calls", what);
	strbuf_reset(&f->calls);
}

/* The log so far, and forget it. */
static void t_log(FILE *log, const char *want, const char *what)
{
	fflush(log);
	t_str(log_buf + log_seen, want, "%s: log", what);
	log_seen = log_len;
}

/* One app's status member. */
static const char *app_field(struct sync_loop *l, const char *app,
			     const char *key, char *buf, size_t len)
{
	json_t *st = sync_status_json(l), *a;
	size_t i;

	snprintf(buf, len, "(none)");
	json_array_foreach(json_object_get(st, "apps"), i, a)
	{
		if (strcmp(json_string_value(json_object_get(a, "name")), app))
			continue;
		json_t *v = json_object_get(a, key);
		if (json_is_string(v))
			snprintf(buf, len, "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(buf, len, "%lld",
				 (long long)json_integer_value(v));
		else
			snprintf(buf, len, "null");
	}
	json_decref(st);
	return buf;
}

/* The value of one series of the metrics, or "(none)". */
static const char *metric(struct sync_loop *l, const char *series,
			  char buf[64])
{
	struct strbuf sb = STRBUF_INIT;
	char *key = xasprintf("\n%s ", series);

	sync_metrics(l, &sb);
	const char *p = strstr(sb.buf, key);
	snprintf(buf, 64, "%s", "(none)");
	if (p)
		snprintf(buf, 64, "%.*s",
			 (int)strcspn(p + strlen(key), "\n"), p + strlen(key));
	free(key);
	strbuf_release(&sb);
	return buf;
}

#define FIELD(l, app, key) app_field(l, app, key, fbuf, sizeof(fbuf))

/* ------------------------------------------------------------------ */
/* The schedule                                                         */

static void test_start_and_commits(void)
{
	struct fake f = { .commit = C1, .calls = STRBUF_INIT };
	struct sync_opts o = SYNC_OPTS_INIT;
	char fbuf[256], m[64];
	FILE *log;

	/* a: in sync; b: an older commit applied; c: applied at C1, then
	 * changed by hand; d: does not render */
	f.apps[0] = (struct fake_app){ "a", "da1", NULL, C1, 1, 0, 0, NULL,
				       { 2, 0, 0, 0 } };
	f.apps[1] = (struct fake_app){ "b", "db1", NULL, C2, 0, 3, 0, NULL,
				       { 1, 0, 0, 0 } };
	f.apps[2] = (struct fake_app){ "c", "dc1", NULL, C1, 0, 1, 0, NULL,
				       { 1, 0, 0, 0 } };
	f.apps[3] = (struct fake_app){ "d", NULL, "apps/d/app.yaml:3:1: bad",
				       NULL, 0, 0, SYNC_RESULT_ERROR,
				       "apps/d/app.yaml:3:1: bad", { 0 } };
	f.napps = 4;
	struct sync_loop *l = new_loop(&f, &o, &log);

	t_ok(!sync_ready(l), "not ready before the first fetch");
	long next = sync_step(l);
	t_calls(&f,
		"fetch\nrender 1\ncheck 1: a b c\napply 1: d b c\n",
		"start: a checked in sync, b applied (new commit), c applied "
		"(drift), d applied (reports its error)");
	t_log(log,
	      "2026-01-02T03:04:05.000Z sync: at commit 111111111111 on main\n"
	      "2026-01-02T03:04:05.000Z a: in sync with 111111111111\n"
	      "2026-01-02T03:04:05.000Z b: out of sync: 111111111111 not "
	      "applied yet\n"
	      "2026-01-02T03:04:05.000Z c: drift: 1 change from 111111111111; "
	      "applying again\n"
	      "2026-01-02T03:04:05.000Z d: applying 111111111111\n"
	      "2026-01-02T03:04:05.000Z b: applying 111111111111\n"
	      "2026-01-02T03:04:05.000Z c: applying 111111111111 (drift)\n"
	      "2026-01-02T03:04:07.250Z d: sync failed at 111111111111: "
	      "apps/d/app.yaml:3:1: bad; retry in 5s\n"
	      "2026-01-02T03:04:07.250Z b: synced to 111111111111 (Healthy, "
	      "0.8s)\n"
	      "2026-01-02T03:04:07.250Z c: synced to 111111111111 (Healthy, "
	      "0.8s)\n",
	      "start");
	t_ok(sync_ready(l), "ready after the first fetch");
	t_int(next, 5000, "next: d's retry in 5 s");
	t_str(FIELD(l, "a", "sync"), "InSync", "a InSync");
	t_str(FIELD(l, "c", "sync"), "InSync", "c InSync after self-heal");
	t_str(FIELD(l, "d", "sync"), "Error", "d Error");
	t_str(FIELD(l, "d", "lastError"), "apps/d/app.yaml:3:1: bad",
	      "d's error");
	t_str(FIELD(l, "d", "nextRetry"), "2026-01-02T03:04:12Z",
	      "d's retry at the end of the apply + 5 s");
	t_str(FIELD(l, "d", "commit"), "null", "d never synced");

	/* nothing due at 4 s; then the retry fails again: 10 s */
	f.now = T0 + 4;
	t_int(sync_step(l), 3250, "nothing due at +4 s");
	t_calls(&f, "", "nothing before the retry");
	f.now = T0 + 7.25;
	t_int(sync_step(l), 10000, "the second failure waits 10 s");
	t_calls(&f, "apply 1: d\n", "d retried alone");
	t_str(FIELD(l, "d", "failures"), "2", "two failures in a row");
	t_log(log,
	      "2026-01-02T03:04:12.250Z d: applying 111111111111\n"
	      "2026-01-02T03:04:13.000Z d: sync failed at 111111111111: "
	      "apps/d/app.yaml:3:1: bad; retry in 10s\n",
	      "retry");

	/* C2 changes a only; d is as broken as before: it keeps its
	 * backoff. A webhook brings the fetch forward. */
	f.commit = C2;
	f.apps[0].digest = "da2";
	sync_trigger(l);
	f.now = T0 + 9;
	sync_step(l);
	t_calls(&f, "fetch\nrender 2\napply 2: a\n",
		"a trigger fetches at once; only a changed");
	t_str(FIELD(l, "b", "commit"), C2, "b synced to C2 without an apply");
	t_str(FIELD(l, "a", "commit"), C2, "a applied at C2");
	t_str(FIELD(l, "d", "commit"), "null", "d still nowhere");

	/* C3 fixes d: applied at once, backoff or not */
	f.commit = C3;
	f.apps[3].digest = "dd3";
	f.apps[3].result = SYNC_RESULT_OK;
	f.apps[3].error = NULL;
	f.apps[3].health[SYNC_HEALTHY] = 4;
	sync_trigger(l);
	sync_step(l);
	t_calls(&f, "fetch\nrender 3\napply 3: d\n", "a fix applies at once");
	t_str(FIELD(l, "d", "sync"), "InSync", "d recovered");
	t_str(FIELD(l, "d", "lastError"), "null", "its error is gone");
	t_str(FIELD(l, "d", "failures"), "0", "its backoff is reset");
	t_log(log,
	      "2026-01-02T03:04:14.000Z sync: new commit 222222222222 on main\n"
	      "2026-01-02T03:04:14.000Z a: applying 222222222222\n"
	      "2026-01-02T03:04:14.750Z a: synced to 222222222222 (Healthy, "
	      "0.8s)\n"
	      "2026-01-02T03:04:14.750Z sync: new commit 333333333333 on main\n"
	      "2026-01-02T03:04:14.750Z d: applying 333333333333\n"
	      "2026-01-02T03:04:15.500Z d: synced to 333333333333 (Healthy, "
	      "0.8s)\n",
	      "commits");

	/* the same commit fetched again: nothing rendered */
	f.now = T0 + 75;
	sync_step(l);
	t_calls(&f, "fetch\n", "an unchanged branch renders nothing");

	/* drift: b changed by hand; checked at the drift interval */
	f.apps[1].in_sync = 0;
	f.apps[1].changes = 2;
	f.now = T0 + 305.5;
	sync_step(l);
	t_calls(&f, "fetch\ncheck 3: a b c d\napply 3: b\n",
		"the drift check applies b again");
	t_str(metric(l, "gantry_app_drift_corrections_total{app=\"b\"}", m),
	      "1", "b's drift correction counted");
	t_str(metric(l, "gantry_app_drift_detected_total{app=\"b\"}", m),
	      "1", "and its drift");
	t_str(metric(l, "gantry_app_drift_corrections_total{app=\"c\"}", m),
	      "1", "c's correction at the start too");
	sync_free(l);
	fclose(log);
	free(log_buf);
	strbuf_release(&f.calls);
}

static void test_no_self_heal(void)
{
	struct fake f = { .commit = C1, .calls = STRBUF_INIT };
	struct sync_opts o = SYNC_OPTS_INIT;
	char fbuf[256];
	FILE *log;

	o.no_self_heal = 1;
	o.drift_interval_ms = 2000;
	o.interval_ms = 1000;
	f.apps[0] = (struct fake_app){ "a", "da1", NULL, C1, 0, 1, 0, NULL,
				       { 1, 0, 0, 0 } };
	f.napps = 1;
	struct sync_loop *l = new_loop(&f, &o, &log);

	t_int(sync_step(l), 1000, "next fetch in 1 s");
	t_calls(&f, "fetch\nrender 1\ncheck 1: a\n",
		"drift at start is only reported");
	t_str(FIELD(l, "a", "sync"), "OutOfSync", "a OutOfSync");
	t_str(FIELD(l, "a", "commit"), C1, "a's commit is the inventory's");
	f.now += 2;
	sync_step(l);
	t_calls(&f, "fetch\ncheck 1: a\n", "checked again, not applied");
	f.apps[0].in_sync = 1;
	f.now += 2;
	sync_step(l);
	t_calls(&f, "fetch\ncheck 1: a\n", "checked again");
	t_str(FIELD(l, "a", "sync"), "InSync", "InSync once equal again");
	t_log(log,
	      "2026-01-02T03:04:05.000Z sync: at commit 111111111111 on main\n"
	      "2026-01-02T03:04:05.000Z a: drift: 1 change from 111111111111 "
	      "(self-heal is off)\n"
	      "2026-01-02T03:04:07.000Z a: drift: 1 change from 111111111111 "
	      "(self-heal is off)\n"
	      "2026-01-02T03:04:09.000Z a: in sync with 111111111111\n",
	      "no self-heal");
	sync_free(l);
	fclose(log);
	free(log_buf);
	strbuf_release(&f.calls);
}

static void test_failures(void)
{
	struct fake f = { .commit = C1, .calls = STRBUF_INIT };
	struct sync_opts o = SYNC_OPTS_INIT;
	char fbuf[256];
	FILE *log;

	o.json = 1;
	o.backoff_ms = 1000;
	o.max_backoff_ms = 3000;
	f.apps[0] = (struct fake_app){ "a", "da1", NULL, NULL, 0, 1,
				       SYNC_RESULT_UNHEALTHY,
				       "apps/Deployment/a/web: Degraded: "
				       "ImagePullBackOff",
				       { 1, 0, 1, 0 } };
	f.napps = 1;
	f.fetch_error = "fetching: file:///srv/gitops.git: unreachable";
	struct sync_loop *l = new_loop(&f, &o, &log);

	sync_step(l);
	t_ok(!sync_ready(l), "a failed first fetch: not ready");
	json_t *st = sync_status_json(l);
	t_str(json_string_value(json_object_get(st, "lastFetchError")),
	      f.fetch_error, "the fetch error in the status");
	json_decref(st);
	t_log(log,
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.000Z\",\"app\":"
	      "null,\"event\":\"fetch.failed\",\"message\":\"fetch failed: "
	      "fetching: file:///srv/gitops.git: unreachable\",\"error\":"
	      "\"fetching: file:///srv/gitops.git: unreachable\"}\n",
	      "a JSON log line");
	f.fetch_error = NULL;
	f.now += 60;
	sync_step(l);
	t_calls(&f, "fetch\nfetch\nrender 1\ncheck 1: a\napply 1: a\n",
		"the next fetch");
	t_str(FIELD(l, "a", "sync"), "Error", "unhealthy is an Error");
	t_str(FIELD(l, "a", "health"), "Degraded", "its health");
	t_str(FIELD(l, "a", "commit"), C1, "its objects are at C1 all the same");
	/* backoff 1 s, 2 s, 3 s (the cap), 3 s */
	long waits[4];
	for (int i = 0; i < 4; i++) {
		waits[i] = sync_step(l);
		f.now += (double)waits[i] / 1000;
	}
	t_int(waits[0], 1000, "first backoff");
	t_int(waits[1], 2000, "doubled");
	t_int(waits[2], 3000, "capped");
	t_int(waits[3], 3000, "stays capped");

	/* a broken gantry.yaml: every app Error, no apply */
	strbuf_reset(&f.calls);
	f.commit = C2;
	f.repo_error = "gantry.yaml:2:1: spec: unknown field 'aps'";
	sync_trigger(l);
	sync_step(l);
	t_calls(&f, "fetch\nrender 2\n", "a broken commit applies nothing");
	st = sync_status_json(l);
	t_str(json_string_value(json_object_get(st, "commitError")),
	      f.repo_error, "the commit's error in the status");
	json_decref(st);
	t_str(FIELD(l, "a", "lastError"), f.repo_error, "and the app's");
	f.now += 3600;
	sync_step(l);
	t_calls(&f, "fetch\n", "no retry of a broken commit, only fetches");
	f.repo_error = NULL;
	f.commit = C3;
	f.apps[0].result = SYNC_RESULT_OK;
	f.apps[0].error = NULL;
	sync_trigger(l);
	sync_step(l);
	t_calls(&f, "fetch\nrender 3\napply 3: a\n", "the next good commit");
	t_str(FIELD(l, "a", "sync"), "InSync", "recovered");
	sync_free(l);
	fclose(log);
	free(log_buf);
	strbuf_release(&f.calls);
}

static void test_once_and_stop(void)
{
	struct fake f = { .commit = C1, .calls = STRBUF_INIT };
	struct sync_opts o = SYNC_OPTS_INIT;
	FILE *log;

	o.once = 1;
	f.apps[0] = (struct fake_app){ "a", "da1", NULL, NULL, 0, 1,
				       SYNC_RESULT_UNHEALTHY, "slow", { 0 } };
	f.napps = 1;
	struct sync_loop *l = new_loop(&f, &o, &log);
	t_int(sync_run(l), 3, "--once: 3 when unhealthy");
	t_calls(&f, "fetch\nrender 1\ncheck 1: a\napply 1: a\n",
		"--once: one pass");
	sync_free(l);
	fclose(log);
	free(log_buf);

	f.apps[0].result = SYNC_RESULT_ERROR;
	l = new_loop(&f, &o, &log);
	t_int(sync_run(l), 1, "--once: 1 on an error");
	sync_free(l);
	fclose(log);
	free(log_buf);

	f.apps[0].result = SYNC_RESULT_OK;
	f.apps[0].in_sync = 1;
	l = new_loop(&f, &o, &log);
	t_int(sync_run(l), 0, "--once: 0 when in sync");
	sync_free(l);
	fclose(log);
	free(log_buf);

	/* a signal during an apply: it stops, sync_run returns 0 */
	o.once = 0;
	f.apps[0].in_sync = 0;
	f.stop_during_apply = 1;
	strbuf_reset(&f.calls);
	l = new_loop(&f, &o, &log);
	t_int(sync_run(l), 0, "stopped by a signal: 0");
	t_calls(&f, "fetch\nrender 1\ncheck 1: a\napply 1: a\n",
		"the loop ends after the interrupted apply");
	t_ok(!sync_alive(l), "not alive after a stop");
	fflush(log);
	t_ok(strstr(log_buf, " a: interrupted: the apply stopped after its "
			     "step\n") != NULL,
	     "the interruption is logged");
	t_ok(strstr(log_buf, " sync: stopped by a signal; inventories are "
			     "written\n") != NULL,
	     "the stop is logged");
	sync_free(l);
	fclose(log);
	free(log_buf);
	strbuf_release(&f.calls);
}

/* ------------------------------------------------------------------ */
/* Status and metrics                                                   */

static void test_status_and_metrics(void)
{
	struct fake f = { .commit = C1, .calls = STRBUF_INIT };
	struct sync_opts o = SYNC_OPTS_INIT;
	struct strbuf sb = STRBUF_INIT;
	FILE *log;
	char *why;

	f.apps[0] = (struct fake_app){ "web", "d1", NULL, NULL, 0, 2, 0, NULL,
				       { 3, 0, 0, 0 } };
	f.apps[1] = (struct fake_app){ "db\"x", "d2", NULL, NULL, 0, 1,
				       SYNC_RESULT_ERROR, "boom", { 0 } };
	f.napps = 2;
	struct sync_loop *l = new_loop(&f, &o, &log);
	sync_step(l);

	json_t *st = sync_status_json(l);
	yaml_write_json(&sb, st, 0);
	json_decref(st);
	t_str(sb.buf,
	      "{\"repo\":\"file:///srv/gitops.git\",\"branch\":\"main\","
	      "\"commit\":\"" C1 "\",\"ready\":true,"
	      "\"lastFetch\":\"2026-01-02T03:04:05Z\",\"lastFetchError\":null,"
	      "\"lastSync\":\"2026-01-02T03:04:06Z\",\"commitError\":null,"
	      "\"apps\":["
	      "{\"name\":\"db\\\"x\",\"commit\":null,\"sync\":\"Error\","
	      "\"health\":\"Unknown\",\"objects\":{\"Healthy\":0,"
	      "\"Progressing\":0,\"Degraded\":0,\"Missing\":0},"
	      "\"lastError\":\"boom\",\"lastApply\":\"2026-01-02T03:04:06Z\","
	      "\"lastSync\":null,\"failures\":1,"
	      "\"nextRetry\":\"2026-01-02T03:04:11Z\"},"
	      "{\"name\":\"web\",\"commit\":\"" C1 "\",\"sync\":\"InSync\","
	      "\"health\":\"Healthy\",\"objects\":{\"Healthy\":3,"
	      "\"Progressing\":0,\"Degraded\":0,\"Missing\":0},"
	      "\"lastError\":null,\"lastApply\":\"2026-01-02T03:04:06Z\","
	      "\"lastSync\":\"2026-01-02T03:04:06Z\",\"failures\":0,"
	      "\"nextRetry\":null}]}",
	      "the status, apps by name");
	strbuf_reset(&sb);

	sync_metrics(l, &sb);
	t_ok(promtext_check(sb.buf, &why) == 0, "the metrics pass the strict "
						"parser");
	if (why)
		t_diag("%s", why);
	free(why);
	t_str(sb.buf,
	      "# HELP gantry_sync_info The branch followed and the commit it "
	      "is at (always 1).\n"
	      "# TYPE gantry_sync_info gauge\n"
	      "gantry_sync_info{repo=\"file:///srv/gitops.git\",branch=\"main\","
	      "commit=\"" C1 "\"} 1\n"
	      "# HELP gantry_sync_ready 1 once the first fetch and its "
	      "applies are done.\n"
	      "# TYPE gantry_sync_ready gauge\n"
	      "gantry_sync_ready 1\n"
	      "# HELP gantry_git_fetches_total Fetches of the branch.\n"
	      "# TYPE gantry_git_fetches_total counter\n"
	      "gantry_git_fetches_total 1\n"
	      "# HELP gantry_git_fetch_errors_total Fetches of the branch that "
	      "failed.\n"
	      "# TYPE gantry_git_fetch_errors_total counter\n"
	      "gantry_git_fetch_errors_total 0\n"
	      "# HELP gantry_sync_commit_error 1 when the branch's commit "
	      "cannot be read at all (gantry.yaml).\n"
	      "# TYPE gantry_sync_commit_error gauge\n"
	      "gantry_sync_commit_error 0\n"
	      "# HELP gantry_last_successful_sync_timestamp_seconds When an "
	      "apply last succeeded, in seconds since the epoch (0: never).\n"
	      "# TYPE gantry_last_successful_sync_timestamp_seconds gauge\n"
	      "gantry_last_successful_sync_timestamp_seconds 1767323046.5\n"
	      "# HELP gantry_app_sync_runs_total Applies of each app.\n"
	      "# TYPE gantry_app_sync_runs_total counter\n"
	      "gantry_app_sync_runs_total{app=\"db\\\"x\"} 1\n"
	      "gantry_app_sync_runs_total{app=\"web\"} 1\n"
	      "# HELP gantry_app_sync_failures_total Applies of each app that "
	      "failed or left it unhealthy.\n"
	      "# TYPE gantry_app_sync_failures_total counter\n"
	      "gantry_app_sync_failures_total{app=\"db\\\"x\"} 1\n"
	      "gantry_app_sync_failures_total{app=\"web\"} 0\n"
	      "# HELP gantry_app_drift_detected_total Times each app was found "
	      "to differ from its commit.\n"
	      "# TYPE gantry_app_drift_detected_total counter\n"
	      "gantry_app_drift_detected_total{app=\"db\\\"x\"} 0\n"
	      "gantry_app_drift_detected_total{app=\"web\"} 0\n"
	      "# HELP gantry_app_drift_corrections_total Drift corrected by "
	      "applying again (self-heal).\n"
	      "# TYPE gantry_app_drift_corrections_total counter\n"
	      "gantry_app_drift_corrections_total{app=\"db\\\"x\"} 0\n"
	      "gantry_app_drift_corrections_total{app=\"web\"} 0\n"
	      "# HELP gantry_app_last_sync_timestamp_seconds When each app's "
	      "apply last succeeded (0: never).\n"
	      "# TYPE gantry_app_last_sync_timestamp_seconds gauge\n"
	      "gantry_app_last_sync_timestamp_seconds{app=\"db\\\"x\"} 0\n"
	      "gantry_app_last_sync_timestamp_seconds{app=\"web\"} "
	      "1767323046.5\n"
	      "# HELP gantry_app_sync_status 1 for each app's sync state "
	      "(InSync, OutOfSync, Error).\n"
	      "# TYPE gantry_app_sync_status gauge\n"
	      "gantry_app_sync_status{app=\"db\\\"x\",status=\"InSync\"} 0\n"
	      "gantry_app_sync_status{app=\"db\\\"x\",status=\"OutOfSync\"} 0\n"
	      "gantry_app_sync_status{app=\"db\\\"x\",status=\"Error\"} 1\n"
	      "gantry_app_sync_status{app=\"web\",status=\"InSync\"} 1\n"
	      "gantry_app_sync_status{app=\"web\",status=\"OutOfSync\"} 0\n"
	      "gantry_app_sync_status{app=\"web\",status=\"Error\"} 0\n"
	      "# HELP gantry_app_objects Each app's objects by health, as last "
	      "seen.\n"
	      "# TYPE gantry_app_objects gauge\n"
	      "gantry_app_objects{app=\"db\\\"x\",health=\"Healthy\"} 0\n"
	      "gantry_app_objects{app=\"db\\\"x\",health=\"Progressing\"} 0\n"
	      "gantry_app_objects{app=\"db\\\"x\",health=\"Degraded\"} 0\n"
	      "gantry_app_objects{app=\"db\\\"x\",health=\"Missing\"} 0\n"
	      "gantry_app_objects{app=\"web\",health=\"Healthy\"} 3\n"
	      "gantry_app_objects{app=\"web\",health=\"Progressing\"} 0\n"
	      "gantry_app_objects{app=\"web\",health=\"Degraded\"} 0\n"
	      "gantry_app_objects{app=\"web\",health=\"Missing\"} 0\n"
	      "# HELP gantry_app_apply_duration_seconds How long applies of "
	      "each app took, health waits included.\n"
	      "# TYPE gantry_app_apply_duration_seconds histogram\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"0.1\"} 0\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"0.25\"} 0\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"0.5\"} 0\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"1\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"2.5\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"5\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"10\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"30\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"60\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"120\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"300\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"600\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"db\\\"x\",le=\"+Inf\"} 1\n"
	      "gantry_app_apply_duration_seconds_sum{app=\"db\\\"x\"} 0.75\n"
	      "gantry_app_apply_duration_seconds_count{app=\"db\\\"x\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"0.1\"} 0\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"0.25\"} 0\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"0.5\"} 0\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"1\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"2.5\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"5\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"10\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"30\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"60\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"120\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"300\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"600\"} 1\n"
	      "gantry_app_apply_duration_seconds_bucket{app=\"web\",le=\"+Inf\"} 1\n"
	      "gantry_app_apply_duration_seconds_sum{app=\"web\"} 0.75\n"
	      "gantry_app_apply_duration_seconds_count{app=\"web\"} 1\n",
	      "the metrics, exactly");
	strbuf_release(&sb);
	sync_free(l);
	fclose(log);
	free(log_buf);
	strbuf_release(&f.calls);
}

/* ------------------------------------------------------------------ */
/* The webhook signature                                                */

static void test_hmac(void)
{
	char key[132];
	char *s;

	s = sync_webhook_signature("It's a Secret to Everybody",
				   "Hello, World!", 13);
	t_str(s,
	      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f437"
	      "9c8b043e17",
	      "GitHub's documented example");
	t_ok(sync_webhook_valid("It's a Secret to Everybody", "Hello, World!",
				13, s),
	     "which is valid");
	free(s);
	memset(key, 0x0b, 20);
	key[20] = '\0';
	s = sync_webhook_signature(key, "Hi There", 8);
	t_str(s,
	      "sha256=b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e937"
	      "6c2e32cff7",
	      "RFC 4231 test case 1");
	free(s);
	s = sync_webhook_signature("Jefe", "what do ya want for nothing?", 28);
	t_str(s,
	      "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58"
	      "b964ec3843",
	      "RFC 4231 test case 2");
	free(s);
	memset(key, 0xaa, 131);
	key[131] = '\0';
	s = sync_webhook_signature(
		key, "Test Using Larger Than Block-Size Key - Hash Key First",
		54);
	t_str(s,
	      "sha256=60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040"
	      "f0ee37f54",
	      "RFC 4231 test case 6 (a key longer than a block)");
	free(s);

	const char *good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d"
			   "7586c22c46f4379c8b043e17";
	const char *upper = "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D"
			    "7586C22C46F4379C8B043E17";
	const char *sec = "It's a Secret to Everybody";
	t_ok(sync_webhook_valid(sec, "Hello, World!", 13, upper),
	     "hex digits in either case");
	t_ok(!sync_webhook_valid(sec, "Hello, World?", 13, good),
	     "another body: invalid");
	t_ok(!sync_webhook_valid("secret", "Hello, World!", 13, good),
	     "another secret: invalid");
	t_ok(!sync_webhook_valid(sec, "Hello, World!", 13, good + 7),
	     "without sha256=: invalid");
	t_ok(!sync_webhook_valid(sec, "Hello, World!", 13,
				 "sha1=757107ea0eb2509fc211221cce984b8a37570b"
				 "6d"),
	     "sha1=: invalid");
	t_ok(!sync_webhook_valid(sec, "Hello, World!", 13,
				 "sha256=757107ea0eb2509fc211221cce984b8a3757"
				 "0b6d7586c22c46f4379c8b043e1"),
	     "63 digits: invalid");
	t_ok(!sync_webhook_valid(sec, "Hello, World!", 13,
				 "sha256=757107ea0eb2509fc211221cce984b8a3757"
				 "0b6d7586c22c46f4379c8b043e1g"),
	     "a non-hex digit: invalid");
	t_ok(!sync_webhook_valid(sec, "Hello, World!", 13, NULL),
	     "no header: invalid");
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                 */

static size_t collect(char *p, size_t size, size_t n, void *data)
{
	strbuf_add(data, p, size * n);
	return size * n;
}

/* method url → status, and the body in out */
static long http(const char *method, const char *url, const char *body,
		 const char *header, struct strbuf *out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	long status = 0;

	strbuf_reset(out);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (header)
		hdr = curl_slist_append(hdr, header);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return status;
}

static void test_http(void)
{
	struct fake f = { .commit = C1, .calls = STRBUF_INIT };
	struct sync_opts o = SYNC_OPTS_INIT;
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	char url[256], *why;
	FILE *log;

	f.apps[0] = (struct fake_app){ "web", "d1", NULL, C1, 1, 0, 0, NULL,
				       { 1, 0, 0, 0 } };
	f.napps = 1;
	struct sync_loop *l = new_loop(&f, &o, &log);
	struct sync_http *h = sync_http_start(l, "127.0.0.1:0", "s3cret",
					      &err);
	t_ok(h != NULL, "the server starts on a free port");
	if (!h) {
		t_diag("%s", gerr_msg(&err));
		return;
	}
	const char *base = sync_http_url(h);
	t_ok(!strncmp(base, "http://127.0.0.1:", 17), "its URL: %s", base);
	fflush(log);
	t_ok(strstr(log_buf, " sync: serving http://127.0.0.1:") != NULL,
	     "the URL is logged");

#define URL(p) (snprintf(url, sizeof(url), "%s%s", base, p), url)
	t_int(http("GET", URL("/healthz"), NULL, NULL, &out), 200, "healthz");
	t_str(out.buf, "ok\n", "healthz says ok");
	t_int(http("GET", URL("/readyz"), NULL, NULL, &out), 503,
	      "readyz before the first sync");
	sync_step(l);
	t_int(http("GET", URL("/readyz"), NULL, NULL, &out), 200,
	      "readyz after it");
	t_int(http("GET", URL("/status"), NULL, NULL, &out), 200, "status");
	json_t *st = json_loads(out.buf, 0, NULL);
	t_str(json_string_value(json_object_get(st, "commit")), C1,
	      "the status is JSON with the commit");
	json_decref(st);
	t_int(http("GET", URL("/metrics"), NULL, NULL, &out), 200, "metrics");
	t_ok(promtext_check(out.buf, &why) == 0, "served metrics parse");
	free(why);
	t_int(http("POST", URL("/metrics"), "", NULL, &out), 405,
	      "POST /metrics: 405");
	t_int(http("GET", URL("/nothing"), NULL, NULL, &out), 404, "404");
	t_int(http("GET", URL("/hooks/git"), NULL, NULL, &out), 405,
	      "GET /hooks/git: 405");

	const char *payload = "{\"ref\":\"refs/heads/main\"}";
	char *sig = sync_webhook_signature("s3cret", payload, strlen(payload));
	char hdr[128];
	t_int(http("POST", URL("/hooks/git"), payload, NULL, &out), 401,
	      "a hook without a signature: 401");
	t_str(out.buf, "no X-Hub-Signature-256 header\n", "says why");
	snprintf(hdr, sizeof(hdr), "X-Hub-Signature-256: %s", sig);
	t_int(http("POST", URL("/hooks/git"), "{}", hdr, &out), 403,
	      "a signature of another body: 403");
	strbuf_reset(&f.calls);
	f.now += 1;
	t_int(sync_step(l), 59000, "nothing due before the hook");
	t_int(http("POST", URL("/hooks/git"), payload, hdr, &out), 202,
	      "a signed hook: 202");
	t_int(sync_step(l), 60000, "the hook made the fetch due at once");
	t_calls(&f, "fetch\n", "the fetch ran");
	free(sig);

	char *big = xmalloc(1024 * 1024 + 2);
	memset(big, 'x', 1024 * 1024 + 1);
	big[1024 * 1024 + 1] = '\0';
	t_int(http("POST", URL("/hooks/git"), big, NULL, &out), 413,
	      "a body over 1 MiB: 413");
	free(big);
	sync_http_set_secret(h, NULL);
	t_int(http("POST", URL("/hooks/git"), "", NULL, &out), 202,
	      "without a secret, any hook");

	t_ok(sync_http_start(l, "127.0.0.1", NULL, &err) == NULL,
	     "--listen without a port");
	t_str(gerr_msg(&err), "--listen 127.0.0.1: give HOST:PORT "
			      "(127.0.0.1:9090)", "  says how");
	gerr_clear(&err);
	snprintf(url, sizeof(url), "127.0.0.1:%s", strrchr(base, ':') + 1);
	t_ok(sync_http_start(l, url, NULL, &err) == NULL, "a port in use");
	t_str(gerr_msg(&err) + strlen(url) + 11, "Address already in use",
	      "  says so");
	gerr_clear(&err);
	sync_http_stop(h);
	strbuf_release(&out);
	sync_free(l);
	fclose(log);
	free(log_buf);
	strbuf_release(&f.calls);
}

int main(void)
{
	mem_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_start_and_commits();
	test_no_self_heal();
	test_failures();
	test_once_and_stop();
	test_status_and_metrics();
	test_hmac();
	test_http();
	curl_global_cleanup();
	return t_done();
}
