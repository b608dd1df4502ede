#ifndef GANTRY_CHART_H
#define GANTRY_CHART_H

/*
 * pkg/chart — Helm charts rendered exactly as `helm template` renders them,
 * on pkg/template (Go's text/template and the Sprig library).
 *
 * Use (what `gantry render --chart` and an app's `chart:`/`builtin:` source
 * do):
 *
 *   struct chart *c = chart_load("apps/web/chart", &err);   // dir or .tgz
 *   struct tmpl_value *vals = chart_values_new();
 *   chart_values_add_file(vals, "values-prod.yaml", &err);  // -f, in order
 *   chart_values_set(vals, CHART_SET, "image.tag=v2", &err); // --set...
 *   struct chart_render_opts o = CHART_RENDER_OPTS_INIT;
 *   o.release = "web"; o.namespace = "shop";
 *   struct chart_output out = CHART_OUTPUT_INIT;
 *   if (chart_render(c, vals, &o, &out, &err) == 0) {
 *       fwrite(out.text.buf, 1, out.text.len, stdout);      // helm's text
 *       chart_output_objects(&out, &objs, &err);             // or objects
 *   }
 *   chart_output_release(&out);
 *   tmpl_unref(vals);
 *   chart_free(c);
 *
 * A loaded chart is never changed by rendering: render it as often as
 * needed, with different values. Every error message reads as Helm's
 * (see chart_render); none is ever printed here.
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"
#include "pkg/object/object.h"
#include "pkg/template/value.h"

struct chart;

/*
 * Load a chart from a directory (honouring its .helmignore) or a .tgz
 * archive, with every subchart under charts/ (directories or archives), as
 * Helm's loader does: Chart.yaml checked (apiVersion v1 or v2, name,
 * version as SemVer, type application or library, dependency names and
 * aliases unique), values.yaml (several documents are merged),
 * values.schema.json, templates/, crds/, the other files for .Files.
 * Errors name the chart path: "CHART: Chart.yaml file is missing".
 */
struct chart *chart_load(const char *path, struct gerr *err);
/* The same, reading every file through a source (pkg/source: a working
 * tree confined to its repository, or a git commit); NULL is chart_load. */
struct source;
struct chart *chart_load_from(const struct source *src, const char *path,
			      struct gerr *err);
void chart_free(struct chart *c);
const char *chart_name(const struct chart *c);
const char *chart_version(const struct chart *c);

/* ---- values given by the user (Helm's -f and --set family) ----
 *
 * A values map (map[string]interface{}) built in Helm's order: every -f
 * file, then --set-json, --set, --set-string, --set-file, --set-literal;
 * each merged over what came before (maps merge key by key, anything else
 * replaces). Numbers from files and JSON are float64, integers from --set
 * int64, as in Helm. */
struct tmpl_value *chart_values_new(void);
/* A YAML file ("-": standard input); errors "failed to parse FILE: ...". */
int chart_values_add_file(struct tmpl_value *vals, const char *path,
			  struct gerr *err);
/* YAML text (one or more documents), named `name` in errors. */
int chart_values_add_yaml(struct tmpl_value *vals, const char *buf,
			  size_t len, const char *name, struct gerr *err);
/* A JSON value (an app spec's values: map); numbers become float64. */
void chart_values_add_json(struct tmpl_value *vals, const json_t *j);

enum chart_set_kind {
	CHART_SET,          /* a.b=1,c[0]=x : types inferred */
	CHART_SET_STRING,   /* values are strings */
	CHART_SET_FILE,     /* key=PATH : the file's contents */
	CHART_SET_JSON,     /* key=JSON, or a whole JSON object */
	CHART_SET_LITERAL,  /* key=everything after the first '=' */
};

/* Parse one flag's argument with Helm's strvals syntax (dotted paths,
 * name[INDEX], '\' escapes ',', '.', '=', '[') into vals. */
int chart_values_set(struct tmpl_value *vals, enum chart_set_kind kind,
		     const char *expr, struct gerr *err);

/* ---- rendering ---- */

/* What `helm template` assumes without a cluster (Helm 3.17's build). The
 * app pipeline passes a live cluster's version and API versions instead. */
#define CHART_DEFAULT_KUBE_VERSION "v1.32.0"

struct chart_render_opts {
	const char *release;            /* .Release.Name; "release-name" */
	const char *namespace;          /* .Release.Namespace; "default" */
	int is_upgrade;                 /* .Release.IsUpgrade (else IsInstall) */
	const char *kube_version;       /* NULL: CHART_DEFAULT_KUBE_VERSION */
	/* API versions: added to the defaults ("monitoring.coreos.com/v1",
	 * "monitoring.coreos.com/v1/ServiceMonitor"), or, with
	 * api_versions_only, the cluster's whole list. */
	const char *const *api_versions;
	size_t napi_versions;
	int api_versions_only;
	int include_crds;               /* print crds/ files first */
	int skip_tests;                 /* leave out helm.sh/hook: test* */
	const char *const *show_only;   /* --show-only TEMPLATE (globs) */
	size_t nshow_only;
};

#define CHART_RENDER_OPTS_INIT { NULL, NULL, 0, NULL, NULL, 0, 0, 0, 0, NULL, 0 }

/* One document of the output. */
struct chart_manifest {
	char *source;       /* "CHART/templates/FILE" (# Source:) */
	char *content;      /* the document, trimmed as Helm trims it */
	char *kind;         /* its kind, "" when it has none */
	int hook;           /* has a helm.sh/hook annotation */
	int crd;            /* from a crds/ directory */
};

struct chart_output {
	struct strbuf text;             /* exactly what helm template prints */
	struct chart_manifest *v;       /* in the order printed */
	size_t nr, alloc;
	char *notes;                    /* rendered NOTES.txt, or NULL */
};

#define CHART_OUTPUT_INIT { STRBUF_INIT, NULL, 0, 0, NULL }

/*
 * Render the chart as `helm template RELEASE CHART` with the user's values
 * (vals may be NULL; it is not changed). Steps and errors are Helm's:
 *   - a library chart: "library charts are not installable"
 *   - a dependency missing from charts/: "an error occurred while checking
 *     for chart dependencies. You may need to run `helm dependency build`
 *     to fetch missing dependencies: found in Chart.yaml, but missing in
 *     charts/ directory: NAME"
 *   - dependencies enabled by condition and tags, aliased, import-values
 *   - values coalesced and checked against every values.schema.json:
 *     "values don't meet the specifications of the schema(s) in the
 *     following chart(s):\nCHART:\n- PATH: PROBLEM\n"
 *   - kubeVersion: "chart requires kubeVersion: C which is incompatible
 *     with Kubernetes V"
 *   - templates: "parse error at (CHART/templates/F:L): ...",
 *     "template: CHART/templates/F:L:C: executing ...",
 *     "execution error at (CHART/templates/F:L:C): MSG" (required, fail)
 *   - a document that is not YAML: "YAML parse error on
 *     CHART/templates/F: ..."
 *   - --show-only matching nothing: "could not find template T in chart"
 * On success out holds the text and the documents; on error out is left
 * empty.
 */
int chart_render(const struct chart *c, const struct tmpl_value *vals,
		 const struct chart_render_opts *o, struct chart_output *out,
		 struct gerr *err);

/* The rendered documents as objects (CRDs, then manifests, then hooks, as
 * printed), appended to objs, each with its # Source path as its file and
 * its line within the document. Empty and comment-only documents are
 * skipped, a List is expanded (yaml_parse_manifests); a document that is
 * not a valid object is an error naming its source. */
int chart_output_objects(const struct chart_output *out,
			 struct obj_list *objs, struct gerr *err);

void chart_output_release(struct chart_output *out);

#endif
