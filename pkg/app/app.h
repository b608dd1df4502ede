#ifndef GANTRY_APP_H
#define GANTRY_APP_H

/*
 * pkg/app — one app of a repository rendered for one environment: the
 * "render" stage between pkg/spec (what the user wrote) and the plan.
 * Everything here happens before anything touches a cluster; the result is
 * the exact list of objects plan and apply work on.
 *
 * For an app and an environment, app_render():
 *   1. renders each source in order: manifests (files, directories),
 *      chart (a Helm chart in the repository) and builtin (one of gantry's
 *      charts, DATA/templates/NAME) with values in this order — the chart's
 *      values.yaml, the source's values files, the repository
 *      environment's values, the app environment's values, the source's
 *      set, the app environment's set — and CRDs included; kustomize (a
 *      kustomization built as kubectl kustomize builds it);
 *   2. applies the app's overlays, then the environment's, each to all the
 *      objects rendered so far (pkg/overlay's overlay_apply);
 *   3. gives every namespaced object without a namespace the app's
 *      namespace for the environment, and drops the namespace of a
 *      cluster-scoped object (the API server ignores it; kept, it would
 *      give the object a wrong identity);
 *   4. with createNamespace, puts the Namespace object first (unless a
 *      source already renders it);
 *   5. labels every object gantry.dev/app=APP and annotates it
 *      gantry.dev/revision=REV (when the source has a revision, unless
 *      no_revision);
 *   6. validates every object and refuses duplicates.
 * Every file is read through the source (pkg/source), so a revision renders
 * exactly as its working tree would, without a checkout.
 *
 * Why a module of its own: pkg/spec stays a parser with no knowledge of
 * charts or overlays, and the commands (render, plan, apply, status, sync)
 * share one pipeline instead of wiring it each.
 */

#include "pkg/base/error.h"
#include "pkg/base/strvec.h"
#include "pkg/object/object.h"
#include "pkg/source/source.h"
#include "pkg/spec/spec.h"

#define APP_LABEL "gantry.dev/app"
#define APP_REVISION_ANNOTATION "gantry.dev/revision"

/* Which kinds are namespaced. Without a cluster: a built-in table of the
 * cluster-scoped kinds of Kubernetes, and the CRDs rendered so far (learnt
 * app by app, so an app's custom resources may come from a CRD of an app it
 * depends on). */
struct app_scope;

struct app_scope *app_scope_new(void);
void app_scope_free(struct app_scope *sc);
/* Remember the scope of every CustomResourceDefinition in objs. */
void app_scope_learn(struct app_scope *sc, const struct obj_list *objs);
/* 1 namespaced, 0 cluster-scoped, -1 unknown. */
int app_scope_namespaced(const struct app_scope *sc, const char *group,
			 const char *kind);

/* The cluster's answer when one is configured (discovery): 1 namespaced,
 * 0 cluster-scoped, -1 a kind the cluster does not serve. */
typedef int (*app_namespaced_fn)(void *data, const char *group,
				 const char *kind);

struct app_render_opts {
	const struct source *src;        /* the repository */
	const struct spec_repo *repo;
	const char *env;                 /* NULL: no environment */
	/* gantry's data directory (built-in charts); NULL: source_data_dir()
	 * when a builtin source needs it */
	const char *data_dir;
	/* NULL: app_render keeps a scope of its own. Shared across the apps
	 * of one run, it carries CRDs from one app to the next. */
	struct app_scope *scope;
	/* With a cluster: a kind neither the cluster nor the CRDs rendered
	 * know is an error ("no kind K in group G: ..."). NULL: such a kind
	 * is taken to be namespaced, as most custom resources are. */
	app_namespaced_fn namespaced;
	void *namespaced_data;
	/* .Capabilities for charts (pkg/chart's defaults when NULL/0) */
	const char *kube_version;
	const char *const *api_versions;
	size_t napi_versions;
	/* lines from overlays (a patch that selects nothing), appended */
	struct strvec *warnings;
	/* Leave out the gantry.dev/revision annotation of step 5: pkg/apply
	 * writes it on what it writes (pkg/deploy), so that an object a new
	 * commit does not change is not rewritten. */
	int no_revision;
};

/* Render app a (see above), appending its objects to out. On error out is
 * left as it was and err names the app file and field of the source
 * ("apps/web/app.yaml:9:7: spec.sources[1]: ..."), or the object. */
int app_render(const struct app_render_opts *o, const struct spec_app *a,
	       struct obj_list *out, struct gerr *err);

#endif
