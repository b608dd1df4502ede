#ifndef GANTRY_DEPLOY_H
#define GANTRY_DEPLOY_H

/*
 * pkg/deploy — the apps of a repository, for one environment, rendered,
 * planned and applied together. Shared by `gantry plan|apply|status` on
 * apps and by `gantry sync`, so that they cannot disagree.
 *
 *   struct deploy_opts o = DEPLOY_OPTS_INIT;
 *   kube_client_opts_init(&o.client);
 *   o.src = src; o.repo = spec; o.env = "dev"; o.report = report;
 *   struct deploy_result res = DEPLOY_RESULT_INIT;
 *   int rc = deploy_apply(&o, &res, &err);   // every selected app
 *   for (size_t i = 0; i < res.n; i++) ... res.v[i] ...
 *   deploy_result_clear(&res);
 *
 * RENDERING. Every selected app is rendered (pkg/app, one shared
 * app_scope so CRDs carry from app to app, in spec_order) BEFORE anything
 * is written to any cluster: a render or validation error in any app, an
 * object two apps render, or a kubeconfig context that cannot be loaded
 * means nothing is written at all (deploy_apply returns -1, err names the
 * file/line or object). Exception: opts.independent (gantry sync) keeps
 * each app's failure to itself, so that one broken app does not stop the
 * others (its result has DEPLOY_APP_ERROR and the error; apps depending
 * on it are DEPLOY_APP_SKIPPED). Rendering happens in the calling thread,
 * without a cluster, exactly as `gantry render` renders.
 *
 * The rendered objects do not carry gantry.dev/revision: pkg/apply writes
 * it on what it writes, so an object that a new commit leaves unchanged
 * is not rewritten and keeps the revision that last changed it.
 *
 * APPLY OPTIONS per app, from its spec: app name, namespace
 * (spec_app_namespace for env), diff rules from ignoreDifferences and
 * sensitive, health rules from health, prune/timeout/concurrency from
 * sync — each overridden by opts when opts says so (see below). A rule
 * without a group matches every group; sensitive fields are masked in
 * every object of the kind (a namespace or name in the rule does not
 * narrow it: masking more is the safe side).
 * The revision written is source_revision(src) (commit, or commit-dirty).
 *
 * CLUSTERS. Each app's context is spec_app_context(repo, app, env) unless
 * opts.cfg.context is given (command line wins). One kube client per app
 * run (pkg/kube is not thread-safe), made in the calling thread.
 *
 * ORDER. Apps run in spec_order; an app starts once every selected app it
 * depends on finished APPLIED and healthy (APPLY_SUCCEEDED); apps whose
 * dependencies are done run concurrently (threads; at most opts.parallel
 * at once). An app whose dependency failed/was unhealthy is not applied
 * (DEPLOY_APP_SKIPPED, message names the dependency). All apps share
 * opts.report (pkg/report is safe for that: every call takes its lock).
 * deploy_plan and deploy_status write nothing and need no order: their
 * apps all run at once (at most opts.parallel).
 *
 * REPORTING. What happens inside an app's apply run is reported by
 * pkg/apply. What happens outside one — an app that could not be
 * rendered or planned (report_app_error), an app skipped
 * (report_app_skipped) — is reported here, as it happens.
 *
 * STOPPING. opts.stop as in apply_opts: running apps finish their step,
 * write their inventory; apps not started are DEPLOY_APP_SKIPPED. The
 * apps' clients notice a stop within 100 ms without kube_wakeup.
 */

#include <signal.h>

#include "pkg/apply/apply.h"
#include "pkg/base/error.h"
#include "pkg/base/strvec.h"
#include "pkg/diff/diff.h"
#include "pkg/kube/kube.h"
#include "pkg/source/source.h"
#include "pkg/spec/spec.h"

struct report;

struct deploy_opts {
	const struct source *src;          /* the repository at a revision */
	const struct spec_repo *repo;
	const char *env;                   /* NULL: no environment */
	const char *const *apps;           /* names; napps 0: all apps */
	size_t napps;
	/* kubeconfig/context/namespace from the command line; context, when
	 * set, wins over the environment's */
	struct kube_config_opts cfg;
	struct kube_client_opts client;    /* kube_client_opts_init'ed */
	/* overrides; -1 / 0 means "the app's spec decides" */
	int prune;                         /* -1 spec, 0 no, 1 yes */
	long timeout_ms;                   /* 0: spec; -1: no limit */
	int concurrency;                   /* 0: spec */
	enum apply_dry_run dry_run;
	int no_wait, force_conflicts, replace_immutable;
	int parallel;                      /* apps at once; 0: 4 */
	int independent;                   /* one app's failure is its own */
	struct report *report;             /* may be NULL */
	volatile sig_atomic_t *stop;       /* may be NULL */
	int finish_step;
	/* Lines from overlays (a patch that selects nothing) are appended
	 * here; NULL drops them. */
	struct strvec *warnings;
};
#define DEPLOY_OPTS_INIT { .prune = -1 }   /* then kube_client_opts_init */

enum deploy_app_state {
	DEPLOY_APP_APPLIED,    /* apply ran to its end: see res.outcome
	                          (deploy_plan: planned, see plan) */
	DEPLOY_APP_ERROR,      /* render, plan or apply failed: see err */
	DEPLOY_APP_SKIPPED,    /* not run (dependency not healthy, stopped) */
};

struct deploy_app_result {
	char *app;
	enum deploy_app_state state;
	struct apply_result res;           /* counts, health, outcome */
	struct gerr err;                   /* for ERROR and SKIPPED */
	struct diff_set plan;              /* deploy_plan only */
	/* Where the app went: its namespace (and inventory's) and the
	 * kubeconfig context used (NULL before a client was made). */
	char *namespace, *context;
	/* deploy_plan only: the revision the app's inventory records (what
	 * the cluster runs now; NULL when never applied) and the one the
	 * plan would apply (source_revision; NULL outside git). When they
	 * differ the plan is what going from one to the other changes: with
	 * an older --revision, what the rollback reverts. */
	char *live_revision, *revision;
};

struct deploy_result {
	struct deploy_app_result *v;       /* in spec_order */
	size_t n;
};
#define DEPLOY_RESULT_INIT { NULL, 0 }
void deploy_result_clear(struct deploy_result *r);

/* The exit status a command gives for r: 0 all applied and healthy,
 * 3 applied but something unhealthy/timed out, 1 any error or skip. */
int deploy_exit_code(const struct deploy_result *r);

/* Render every selected app and plan it against its cluster (prunes
 * included when the app prunes); nothing written. 0 when every app was
 * attempted (an app's failure to plan is its result's ERROR), -1 with err
 * as deploy_apply. */
int deploy_plan(const struct deploy_opts *o, struct deploy_result *out,
		struct gerr *err);

/* Render, plan and apply (see ORDER). 0 when every app was attempted
 * (look at each result), -1 with err when nothing could start (render
 * error without opts.independent, bad kubeconfig...); out is then empty
 * (deploy_result_clear is still allowed). */
int deploy_apply(const struct deploy_opts *o, struct deploy_result *out,
		 struct gerr *err);

/* Per app: the inventory's revision/appliedAt/outcome, whether live
 * objects equal the rendered ones (plan has no change), the health of
 * each object — for `gantry status` and the sync loop's drift check.
 * Each app stands alone (as with opts.independent): one that cannot be
 * rendered or read has err set. -1 with err only for a bad selection
 * (unknown app or environment). *out (in spec_order) is freed with
 * deploy_status_free. */
struct deploy_status {
	char *app;
	char *revision, *applied_at, *outcome;  /* from inventory; NULL none */
	int in_sync;                            /* plan has no change */
	size_t changes;                         /* number of changes */
	/* every rendered object, in the order planned: id, health
	 * (Missing when it does not exist), message; action is what a plan
	 * would do to it */
	struct apply_object *objects;
	size_t nr_objects;
	struct gerr err;                        /* could not be found out */
	char *namespace, *context;              /* as in deploy_app_result */
	/* the worst health of the objects: Degraded, then Missing, then
	 * Progressing, then Healthy (Argo CD's order); Healthy for none */
	enum health_status health;
};
int deploy_status(const struct deploy_opts *o, struct deploy_status **out,
		  size_t *n, struct gerr *err);
void deploy_status_free(struct deploy_status *v, size_t n);

#endif
