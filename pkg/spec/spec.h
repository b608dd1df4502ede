#ifndef GANTRY_SPEC_H
#define GANTRY_SPEC_H

/*
 * pkg/spec — the repository a user writes: gantry.yaml (kind Repository)
 * and each app's app.yaml (kind App), read through a source (pkg/source),
 * validated strictly, with defaults applied, and the order apps run in.
 * man/gantry.yaml.5 documents every field.
 *
 *   struct spec_repo *r = spec_load(src, &err);     // every app, checked
 *   struct spec_order o;
 *   spec_order(r, names, n, &o, &err);               // [APP...] or all
 *   for (size_t i = 0; i < o.n; i++)                 // dependencies first
 *           ... o.v[i].app, o.v[i].level, o.v[i].after ...
 *   spec_order_clear(&o);
 *   spec_free(r);
 *
 * Every error names the file, line and column and the field's path:
 *   apps/volley/app.yaml:12:7: spec.sources[1].chart: apps/volley/chrt:
 *   no such file or directory
 * and nothing is half-loaded: spec_load returns a whole repository or
 * NULL.
 *
 * Paths in the structs below are source paths (source_path(): the root,
 * then the path inside the repository), ready for source_read() and the
 * loaders; they were written relative to the app's directory and checked
 * to exist inside the repository.
 *
 * Ownership: everything hangs off the struct spec_repo and is freed by
 * spec_free(); json_t members are owned references (NULL when absent).
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strvec.h"
#include "pkg/source/source.h"

#define SPEC_API_VERSION "gantry.dev/v1alpha1"

/* The built-in defaults, under the repository's `defaults` and each app's
 * `sync`. */
#define SPEC_DEFAULT_PRUNE 0
#define SPEC_DEFAULT_TIMEOUT_MS (5 * 60 * 1000LL)
#define SPEC_DEFAULT_CONCURRENCY 8

enum spec_source_kind {
	SPEC_MANIFESTS,   /* a file or a directory of YAML/JSON manifests */
	SPEC_CHART,       /* a Helm chart in the repository (dir or .tgz) */
	SPEC_BUILTIN,     /* one of gantry's built-in charts, by name */
	SPEC_KUSTOMIZE,   /* a kustomization directory */
};

struct spec_source {
	enum spec_source_kind kind;
	char *path;           /* the source path; for builtin, the name */
	char *release;        /* chart, builtin: the release name (default:
	                         the app's name) */
	struct strvec values; /* chart, builtin: values files, in order */
	json_t *set;          /* chart, builtin: {"image.tag": "v1"}, or NULL */
	char *where;          /* "FILE:LINE:COL: spec.sources[N]" for messages */
};

/* An environment: the repository's (name, context, values) or an app's
 * section for it (every field). */
struct spec_env {
	char *name;
	char *context;           /* kubeconfig context, or NULL */
	char *namespace;         /* app: the namespace in this environment */
	json_t *values;          /* a mapping for every chart source, or NULL */
	json_t *set;             /* app: {"path": value}, or NULL */
	struct strvec overlays;  /* app: kustomization directories */
};

/* A health rule for a kind (and optionally one object): the value at a
 * field path decides the state. A value written "/RE/" is a regular
 * expression (PCRE2, anchored at neither end); anything else matches
 * exactly. */
struct spec_health {
	char *group;             /* "" for the core group */
	char *kind;
	char *name;              /* NULL: every object of the kind */
	char *field;             /* dotted: "status.phase" */
	struct strvec healthy, progressing, degraded;
};

/* Which fields of which objects: ignoreDifferences and sensitive. */
struct spec_match {
	char *group;             /* NULL: any group */
	char *kind;
	char *namespace, *name;  /* NULL: any */
	struct strvec paths;     /* JSON pointers: "/spec/replicas" */
};

struct spec_sync {
	int prune;               /* delete what is no longer rendered */
	long long timeout_ms;    /* for each wave to become healthy */
	int concurrency;         /* requests in flight at once */
};

struct spec_app {
	char *name;
	char *dir;               /* source path of the app's directory */
	char *rel_dir;           /* its path inside the repository */
	char *file;              /* source path of app.yaml */
	int line, col;           /* of metadata.name */
	char *namespace;         /* "default" when not given */
	int create_namespace;
	struct strvec depends_on;        /* names, as written */
	struct strvec depends_where;     /* "FILE:LINE:COL" of each */
	struct spec_source *sources;
	size_t nsources;
	struct strvec overlays;          /* applied after every source */
	struct spec_env *envs;           /* sections per environment */
	size_t nenvs;
	struct spec_health *health;
	size_t nhealth;
	struct spec_match *ignore;       /* ignoreDifferences */
	size_t nignore;
	struct spec_match *sensitive;
	size_t nsensitive;
	struct spec_sync sync;   /* the app's, over the repository's defaults
	                            over the built-in ones */
};

struct spec_repo {
	char *file;                      /* source path of gantry.yaml */
	struct strvec app_globs;         /* spec.apps, as written */
	struct spec_env *envs;
	size_t nenvs;
	struct spec_sync defaults;
	struct spec_app *apps;           /* sorted by name */
	size_t napps;
};

/*
 * Read gantry.yaml at the source's root and every app.yaml its `apps`
 * globs name (each directory a glob matches must hold an app.yaml). Checks:
 * apiVersion and kind, unknown fields, types, required fields, app names
 * (DNS labels, each defined once), environments an app names exist in
 * gantry.yaml, every source and overlay path exists inside the repository,
 * dependsOn names existing apps and has no cycle ("a dependency cycle:
 * a -> b -> a"). Caller frees with spec_free().
 */
struct spec_repo *spec_load(const struct source *src, struct gerr *err);
void spec_free(struct spec_repo *r);

const struct spec_app *spec_app_find(const struct spec_repo *r,
				     const char *name);
/* The repository's environment, or NULL. */
const struct spec_env *spec_env_find(const struct spec_repo *r,
				     const char *name);
/* An environment name given on the command line must be defined:
 * "unknown environment NAME (gantry.yaml defines: dev, prod)". */
int spec_check_env(const struct spec_repo *r, const char *env,
		   struct gerr *err);
/* The app's section for an environment, or NULL (also for env NULL). */
const struct spec_env *spec_app_env(const struct spec_app *a,
				    const char *env);
/* The namespace the app deploys to in env (NULL: no environment): the
 * environment section's, else the app's. */
const char *spec_app_namespace(const struct spec_app *a, const char *env);
/* The kubeconfig context for the app in env: the app's environment
 * section, else the repository's environment, else NULL (the current
 * context). */
const char *spec_app_context(const struct spec_repo *r,
			     const struct spec_app *a, const char *env);

/* ---- the order apps run in ---- */

struct spec_order_item {
	const struct spec_app *app;
	/* 0 for an app that depends on no selected app; otherwise one more
	 * than the highest level it depends on. Apps of one level can run
	 * concurrently. */
	int level;
	/* indices into the order of the selected apps it depends on: it may
	 * start once those are applied and healthy */
	size_t *after;
	size_t nafter;
};

struct spec_order {
	struct spec_order_item *v;   /* by level, then by name */
	size_t n;
	int nlevels;
};

/*
 * The apps named (all of them when n is 0), in dependency order. A
 * dependency outside the selection does not hold an app back: it is
 * expected to be there already. An unknown name is an error:
 * "no app named NAME (apps: a, b, c)".
 */
int spec_order(const struct spec_repo *r, const char *const *names,
	       size_t n, struct spec_order *out, struct gerr *err);
void spec_order_clear(struct spec_order *o);

/* Parse a Go duration ("5m", "1h30m", "90s", "250ms") into milliseconds;
 * -1 when it is not one. */
long long spec_parse_duration(const char *s);

#endif
