/*
 * pkg/deploy: the apps of a repository rendered, planned, applied or
 * checked together.
 *
 * Every run has the same shape: the selected apps become jobs in
 * spec_order; the calling thread renders them all and makes each one's
 * rules and kube client (so nothing reaches a cluster before everything
 * is known to be good), then starts one thread per job as the order
 * allows, at most opts.parallel at once, and waits for them. A job's
 * thread touches only its own job and its own client; the scheduler's
 * state is under one mutex.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/app/app.h"
#include "pkg/base/mem.h"
#include "pkg/deploy/deploy.h"
#include "pkg/health/health.h"
#include "pkg/report/report.h"

#define DEFAULT_PARALLEL 4

enum job_kind { JOB_PLAN, JOB_APPLY, JOB_STATUS };
enum job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE };

struct deploy;

/* One selected app through a run. */
struct job {
	struct deploy *d;
	const struct spec_order_item *item;
	const struct spec_app *app;
	struct deploy_app_result *res;  /* plan, apply */
	struct deploy_status *st;       /* status */
	struct gerr *err;               /* res->err or st->err */
	struct obj_list objs;
	int failed;                     /* could not be prepared: err says */
	struct kube_client *client;
	struct diff_rules *rules;
	struct health_rules *health;
	struct apply_opts ao;
	enum job_state state;
	int ok;                         /* dependents may start */
	int started;                    /* thread holds a thread */
	pthread_t thread;
};

struct deploy {
	const struct deploy_opts *o;
	enum job_kind kind;
	int independent;
	struct spec_order order;
	struct job *jobs;
	size_t n;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t running;
	int locks;                      /* lock and cond were made */
};

/* ------------------------------------------------------------------ */
/* Results                                                              */

void deploy_result_clear(struct deploy_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct deploy_app_result *a = &r->v[i];
		free(a->app);
		apply_result_clear(&a->res);
		gerr_clear(&a->err);
		diff_set_clear(&a->plan);
		free(a->namespace);
		free(a->context);
		free(a->live_revision);
		free(a->revision);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

int deploy_exit_code(const struct deploy_result *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct deploy_app_result *a = &r->v[i];
		if (a->state != DEPLOY_APP_APPLIED)
			return 1;
		if (a->res.outcome == APPLY_UNHEALTHY)
			rc = 3;
		else if (a->res.outcome != APPLY_SUCCEEDED)
			return 1;
	}
	return rc;
}

void deploy_status_free(struct deploy_status *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].app);
		free(v[i].revision);
		free(v[i].applied_at);
		free(v[i].outcome);
		for (size_t k = 0; k < v[i].nr_objects; k++) {
			free(v[i].objects[k].id);
			free(v[i].objects[k].message);
		}
		free(v[i].objects);
		gerr_clear(&v[i].err);
		free(v[i].namespace);
		free(v[i].context);
	}
	free(v);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* ------------------------------------------------------------------ */
/* Preparing: render, rules, clients                                    */

/* The app's fail: its error is in j->err; reported now when the run
 * goes on without it. */
static void job_fail(struct job *j)
{
	j->failed = 1;
	j->state = JOB_DONE;
	if (j->d->independent)
		report_app_error(j->d->o->report, j->app->name,
				 gerr_msg(j->err));
}

/* Two apps must never own one object: an object an earlier app renders
 * fails the later app. */
static int check_duplicates(struct deploy *d, struct job *j)
{
	size_t total = j->objs.nr;
	for (struct job *p = d->jobs; p < j; p++)
		total += p->failed ? 0 : p->objs.nr;
	/* a borrowed view: the objects stay their jobs' */
	struct obj_list all = { xcalloc(total + 1, sizeof(struct obj)), 0, 0 };
	for (struct job *p = d->jobs; p <= j; p++) {
		if (p->failed)
			continue;
		memcpy(all.v + all.nr, p->objs.v, p->objs.nr * sizeof(*all.v));
		all.nr += p->objs.nr;
	}
	int rc = obj_list_check_duplicates(&all, j->err);
	free(all.v);
	return rc;
}

static int make_rules(struct job *j)
{
	const struct spec_app *a = j->app;

	j->rules = diff_rules_new();
	j->health = health_rules_new();
	for (size_t i = 0; i < a->nignore; i++) {
		const struct spec_match *m = &a->ignore[i];
		for (size_t k = 0; k < m->paths.nr; k++)
			if (diff_rules_add_ignore(j->rules,
						  m->group ? m->group : "*",
						  m->kind, m->namespace,
						  m->name, m->paths.v[k],
						  j->err) < 0)
				goto fail;
	}
	for (size_t i = 0; i < a->nsensitive; i++) {
		const struct spec_match *m = &a->sensitive[i];
		for (size_t k = 0; k < m->paths.nr; k++)
			if (diff_rules_add_sensitive(j->rules,
						     m->group ? m->group : "*",
						     m->kind, m->paths.v[k],
						     j->err) < 0)
				goto fail;
	}
	for (size_t i = 0; i < a->nhealth; i++) {
		const struct spec_health *h = &a->health[i];
		if (health_rules_add(j->health, h->group, h->kind, h->name,
				     h->field,
				     (const char *const *)h->healthy.v,
				     (const char *const *)h->progressing.v,
				     (const char *const *)h->degraded.v,
				     j->err) < 0)
			goto fail;
	}
	return 0;
fail:
	gerr_prefix(j->err, "%s", a->file);
	return -1;
}

static int make_client(struct job *j)
{
	const struct deploy_opts *o = j->d->o;
	struct kube_config_opts co = o->cfg;
	struct kube_config *cfg;

	if (!co.context)
		co.context = spec_app_context(o->repo, j->app, o->env);
	cfg = kube_config_load(&co, j->err);
	if (!cfg || !(j->client = kube_client_new(cfg, &o->client, j->err)))
		return -1;
	return 0;
}

static void set_apply_opts(struct job *j)
{
	const struct deploy_opts *o = j->d->o;
	const struct spec_sync *s = &j->app->sync;
	struct apply_opts *ao = &j->ao;

	ao->app = j->app->name;
	ao->namespace = spec_app_namespace(j->app, o->env);
	ao->revision = source_revision(o->src);
	ao->rules = j->rules;
	ao->health = j->health;
	ao->prune = o->prune >= 0 ? o->prune : s->prune;
	ao->dry_run = o->dry_run;
	ao->no_wait = o->no_wait;
	ao->timeout_ms = o->timeout_ms < 0   ? 0
			 : o->timeout_ms > 0 ? o->timeout_ms
					     : (long)s->timeout_ms;
	ao->concurrency = o->concurrency > 0 ? o->concurrency : s->concurrency;
	ao->force_conflicts = o->force_conflicts;
	ao->replace_immutable = o->replace_immutable;
	ao->report = o->report;
	ao->stop = o->stop;
	ao->finish_step = o->finish_step;
}

/* The namespace and context of a job, into its result. */
static void note_where(struct job *j)
{
	const char *ns = spec_app_namespace(j->app, j->d->o->env);
	const char *ctx = j->client ? kube_config_context(
					      kube_client_config(j->client))
				    : NULL;

	if (j->res) {
		j->res->namespace = xstrdup(ns);
		j->res->context = dup_or_null(ctx);
	} else {
		j->st->namespace = xstrdup(ns);
		j->st->context = dup_or_null(ctx);
	}
}

/* Render every app in order (one scope, so CRDs carry), then make
 * rules and clients. Without independence the first failure is the
 * run's (moved into err): nothing has touched a cluster yet. */
static int prepare(struct deploy *d, struct gerr *err)
{
	const struct deploy_opts *o = d->o;
	struct app_render_opts ro = { 0 };
	int rc = 0;

	ro.src = o->src;
	ro.repo = o->repo;
	ro.env = o->env;
	ro.scope = app_scope_new();
	ro.warnings = o->warnings;
	ro.no_revision = 1;
	for (size_t i = 0; i < d->n && !rc; i++) {
		struct job *j = &d->jobs[i];
		if (app_render(&ro, j->app, &j->objs, j->err) < 0 ||
		    check_duplicates(d, j) < 0 || make_rules(j) < 0) {
			if (!d->independent)
				rc = -1;
			job_fail(j);
		}
	}
	for (size_t i = 0; i < d->n && !rc; i++) {
		struct job *j = &d->jobs[i];
		if (j->failed)
			continue;
		if (make_client(j) < 0) {
			/* alone, a kubeconfig's message would not say
			 * whose context it is */
			if (!d->independent) {
				gerr_prefix(j->err, "app %s", j->app->name);
				rc = -1;
			}
			job_fail(j);
		}
		note_where(j);
		set_apply_opts(j);
	}
	app_scope_free(ro.scope);
	if (rc < 0) {
		for (size_t i = 0; i < d->n; i++)
			if (d->jobs[i].failed) {
				gerr_move(err, d->jobs[i].err);
				break;
			}
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* The jobs                                                             */

static void plan_job(struct job *j)
{
	struct apply_inventory inv = APPLY_INVENTORY_INIT;
	struct deploy_app_result *r = j->res;

	r->revision = dup_or_null(j->ao.revision);
	if (apply_inventory_read(j->client, j->app->name, j->ao.namespace,
				 &inv, j->err) < 0 ||
	    apply_plan(j->client, &j->objs, &j->ao, &r->plan, j->err) < 0) {
		r->state = DEPLOY_APP_ERROR;
		report_app_error(j->d->o->report, j->app->name,
				 gerr_msg(j->err));
	} else {
		r->live_revision = dup_or_null(inv.revision);
		r->state = DEPLOY_APP_APPLIED;
		r->res.outcome = APPLY_SUCCEEDED;
		j->ok = 1;
	}
	apply_inventory_clear(&inv);
}

static void apply_job(struct job *j)
{
	struct deploy_app_result *r = j->res;
	struct diff_set set = DIFF_SET_INIT;

	if (apply_plan(j->client, &j->objs, &j->ao, &set, j->err) < 0) {
		r->res.outcome = APPLY_FAILED;
		r->state = DEPLOY_APP_ERROR;
		report_app_error(j->d->o->report, j->app->name,
				 gerr_msg(j->err));
	} else if (apply_execute(j->client, &set, &j->ao, &r->res, j->err) <
		   0) {
		r->state = DEPLOY_APP_ERROR;
		/* a run that started (it has a revision) reported its
		 * errors itself; one that failed reading the inventory did
		 * not */
		if (!r->res.revision)
			report_app_error(j->d->o->report, j->app->name,
					 gerr_msg(j->err));
	} else {
		r->state = DEPLOY_APP_APPLIED;
		j->ok = r->res.outcome == APPLY_SUCCEEDED;
	}
	diff_set_clear(&set);
}

/* Argo CD's order of severity: an app is as healthy as its worst. */
static int severity(enum health_status h)
{
	switch (h) {
	case HEALTH_HEALTHY: return 0;
	case HEALTH_PROGRESSING: return 1;
	case HEALTH_MISSING: return 2;
	default: return 3;
	}
}

static void status_job(struct job *j)
{
	struct apply_inventory inv = APPLY_INVENTORY_INIT;
	struct diff_set set = DIFF_SET_INIT;
	struct deploy_status *st = j->st;

	if (apply_inventory_read(j->client, j->app->name, j->ao.namespace,
				 &inv, j->err) < 0 ||
	    apply_plan(j->client, &j->objs, &j->ao, &set, j->err) < 0)
		goto out;
	st->revision = dup_or_null(inv.revision);
	st->applied_at = dup_or_null(inv.applied_at);
	st->outcome = dup_or_null(inv.outcome);
	st->changes = diff_set_changes(&set);
	st->in_sync = !st->changes;
	st->objects = xcalloc(set.nr + 1, sizeof(*st->objects));
	for (size_t i = 0; i < set.nr; i++) {
		const struct diff_change *ch = &set.v[i];
		if (ch->action == DIFF_DELETE)
			continue; /* no longer rendered: counted in changes */
		struct apply_object *ob = &st->objects[st->nr_objects++];
		ob->id = xstrdup(ch->id);
		ob->action = ch->action;
		ob->health = health_check(ch->live, j->health, &ob->message);
		if (severity(ob->health) > severity(st->health))
			st->health = ob->health;
	}
	j->ok = 1;
out:
	apply_inventory_clear(&inv);
	diff_set_clear(&set);
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	struct deploy *d = j->d;

	switch (d->kind) {
	case JOB_PLAN: plan_job(j); break;
	case JOB_APPLY: apply_job(j); break;
	case JOB_STATUS: status_job(j); break;
	}
	/* its connections go with it: kept until every app is done, the
	 * clients of a few hundred apps hold more connections than an API
	 * server takes (kubesim's ~1,000 in gantry sync's bench) */
	kube_client_free(j->client);
	j->client = NULL;
	pthread_mutex_lock(&d->lock);
	j->state = JOB_DONE;
	d->running--;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The scheduler                                                        */

/* Job j will not run, because of why (taken). */
static void skip(struct job *j, char *why)
{
	gerr_setc(j->err, GERR_FAIL, "%s", why);
	free(why);
	if (j->res)
		j->res->state = DEPLOY_APP_SKIPPED;
	j->state = JOB_DONE;
	report_app_skipped(j->d->o->report, j->app->name, gerr_msg(j->err));
}

/* Why a finished dependency holds its dependents back. */
static const char *why_not_ok(const struct job *dep)
{
	if (!dep->res || dep->res->state == DEPLOY_APP_ERROR || dep->failed)
		return "failed";
	if (dep->res->state == DEPLOY_APP_SKIPPED)
		return "was skipped";
	return "is not healthy";
}

/* May job j start? 1 yes, 0 not yet; skips it (state DONE) when it never
 * will. Called with the lock held. */
static int can_start(struct deploy *d, struct job *j)
{
	if (d->o->stop && *d->o->stop) {
		skip(j, xstrdup("not started: interrupted"));
		return 0;
	}
	if (d->kind != JOB_APPLY)
		return 1;
	for (size_t k = 0; k < j->item->nafter; k++) {
		const struct job *dep = &d->jobs[j->item->after[k]];
		if (dep->state != JOB_DONE)
			return 0;
		if (!dep->ok) {
			skip(j, xasprintf("not applied: it depends on %s, "
					  "which %s",
					  dep->app->name, why_not_ok(dep)));
			return 0;
		}
	}
	return 1;
}

static void wait_a_little(struct deploy *d)
{
	struct timespec ts;

	/* a bounded wait: a stop request has no one to signal it */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 100 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&d->cond, &d->lock, &ts);
}

static void run_jobs(struct deploy *d)
{
	size_t parallel = d->o->parallel > 0 ? (size_t)d->o->parallel
					     : DEFAULT_PARALLEL;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		size_t waiting = 0;

		/* in spec_order: a dependency is decided before its
		 * dependents are looked at */
		for (size_t i = 0; i < d->n; i++) {
			struct job *j = &d->jobs[i];
			if (j->state != JOB_WAITING || !can_start(d, j))
				continue;
			if (d->running >= parallel)
				continue;
			j->state = JOB_RUNNING;
			d->running++;
			j->started = 1;
			if (pthread_create(&j->thread, NULL, job_thread, j)) {
				/* no thread to spare: run it here */
				j->started = 0;
				pthread_mutex_unlock(&d->lock);
				job_thread(j);
				pthread_mutex_lock(&d->lock);
			}
		}
		for (size_t i = 0; i < d->n; i++)
			waiting += d->jobs[i].state == JOB_WAITING;
		if (!waiting && !d->running)
			break;
		wait_a_little(d);
	}
	pthread_mutex_unlock(&d->lock);
	for (size_t i = 0; i < d->n; i++)
		if (d->jobs[i].started)
			pthread_join(d->jobs[i].thread, NULL);
}

/* ------------------------------------------------------------------ */
/* A run                                                                */

static int deploy_init(struct deploy *d, const struct deploy_opts *o,
		       enum job_kind kind, struct gerr *err)
{
	memset(d, 0, sizeof(*d));
	d->o = o;
	d->kind = kind;
	d->independent = o->independent || kind == JOB_STATUS;
	if (spec_check_env(o->repo, o->env, err) < 0 ||
	    spec_order(o->repo, o->apps, o->napps, &d->order, err) < 0)
		return -1;
	d->n = d->order.n;
	d->jobs = xcalloc(d->n + 1, sizeof(*d->jobs));
	for (size_t i = 0; i < d->n; i++) {
		d->jobs[i].d = d;
		d->jobs[i].item = &d->order.v[i];
		d->jobs[i].app = d->order.v[i].app;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	d->locks = 1;
	if (o->report)
		report_set_runs(o->report, d->n);
	return 0;
}

static void deploy_release(struct deploy *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct job *j = &d->jobs[i];
		obj_list_clear(&j->objs);
		kube_client_free(j->client);
		diff_rules_free(j->rules);
		health_rules_free(j->health);
	}
	free(d->jobs);
	if (d->locks) {
		pthread_mutex_destroy(&d->lock);
		pthread_cond_destroy(&d->cond);
	}
	spec_order_clear(&d->order);
}

/* plan and apply: the results, one per app, and the run. */
static int deploy_results(const struct deploy_opts *o, enum job_kind kind,
			  struct deploy_result *out, struct gerr *err)
{
	struct deploy d;
	int rc = -1;

	out->v = NULL;
	out->n = 0;
	if (deploy_init(&d, o, kind, err) < 0)
		goto out;
	out->v = xcalloc(d.n + 1, sizeof(*out->v));
	out->n = d.n;
	for (size_t i = 0; i < d.n; i++) {
		struct deploy_app_result *r = &out->v[i];
		r->app = xstrdup(d.jobs[i].app->name);
		r->state = DEPLOY_APP_ERROR;
		r->res.outcome = APPLY_FAILED;
		d.jobs[i].res = r;
		d.jobs[i].err = &r->err;
	}
	if (prepare(&d, err) < 0) {
		deploy_result_clear(out);
		goto out;
	}
	run_jobs(&d);
	rc = 0;
out:
	deploy_release(&d);
	return rc;
}

int deploy_plan(const struct deploy_opts *o, struct deploy_result *out,
		struct gerr *err)
{
	return deploy_results(o, JOB_PLAN, out, err);
}

int deploy_apply(const struct deploy_opts *o, struct deploy_result *out,
		 struct gerr *err)
{
	return deploy_results(o, JOB_APPLY, out, err);
}

int deploy_status(const struct deploy_opts *o, struct deploy_status **out,
		  size_t *n, struct gerr *err)
{
	struct deploy d;
	struct deploy_status *v;

	*out = NULL;
	*n = 0;
	if (deploy_init(&d, o, JOB_STATUS, err) < 0) {
		deploy_release(&d);
		return -1;
	}
	v = xcalloc(d.n + 1, sizeof(*v));
	for (size_t i = 0; i < d.n; i++) {
		v[i].app = xstrdup(d.jobs[i].app->name);
		v[i].health = HEALTH_HEALTHY;
		d.jobs[i].st = &v[i];
		d.jobs[i].err = &v[i].err;
	}
	prepare(&d, err); /* independent: failures stay with their apps */
	run_jobs(&d);
	deploy_release(&d);
	*out = v;
	*n = d.n;
	return 0;
}
