#ifndef GANTRY_CHART_INT_H
#define GANTRY_CHART_INT_H

/*
 * pkg/chart internals, shared by the module's files only (chart.h is the
 * API). The split follows Helm's packages:
 *
 *   load.c     chart/loader: directories, archives, .helmignore, Chart.yaml
 *   values.c   chartutil: coalescing, dependencies (condition, tags, alias,
 *              import-values), --set parsing (strvals)
 *   goyaml.c   sigs.k8s.io/yaml: toYaml's exact output, fromYaml
 *   objects.c  the Go types a chart's templates see (.Chart, .Capabilities,
 *              .Files, chartutil.Values) and Helm's template functions
 *   schema.c   values.schema.json (JSON Schema draft 7, gojsonschema wording)
 *   render.c   engine and action: parse, execute, sort, print
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/template/template.h"

struct chart_file {
	char *name;     /* path inside the chart, '/'-separated */
	char *data;     /* NUL-terminated after len */
	size_t len;
};

struct chart_files {
	struct chart_file *v;
	size_t nr, alloc;
};

/* A `dependencies:` entry of Chart.yaml (chart.Dependency). */
struct chart_dep {
	char *name, *version, *repository, *condition, *alias;
	struct strvec tags;
	json_t *import_values;  /* the list as written, or NULL */
	int enabled;
};

/* A loaded chart: what Helm's loader gives, never changed afterwards (a
 * render works on its own tree, so a chart can be rendered many times). */
struct chart {
	json_t *meta;           /* Chart.yaml, checked: known keys only */
	const char *name, *version, *api_version, *type, *kube_version;
	struct chart_dep *deps; /* from Chart.yaml (or requirements.yaml) */
	size_t ndeps;
	struct tmpl_value *values;      /* values.yaml, a map */
	char *schema;                   /* values.schema.json or NULL */
	size_t schema_len;
	struct chart_files templates;   /* templates/... */
	struct chart_files files;       /* everything else: .Files */
	struct chart **subs;            /* charts/ */
	size_t nsubs;
};

/* ---- load.c ---- */
void chart_files_add(struct chart_files *fs, const char *name,
		     const char *data, size_t len);
void chart_files_clear(struct chart_files *fs);
/* The metadata fields of a dependency entry as Helm keeps them. */
void chart_dep_clear(struct chart_dep *d);

/* Go's filepath.Match (no '/' in '*', '?' and classes). */
int chart_path_match(const char *pattern, const char *name);

/* A chart as one render sees it: Helm's processing of dependencies renames
 * (alias), drops (condition, tags) and re-values (import-values) charts,
 * so a render works on this tree, built from the loaded charts. */
struct rnode {
	const struct chart *c;
	char *name;                     /* Metadata.Name, the alias if any */
	struct chart_dep *deps;         /* Metadata.Dependencies (copies) */
	size_t ndeps;
	int has_deps;                   /* Dependencies is not nil */
	struct tmpl_value *values;      /* Chart.Values (a reference) */
	struct rnode **subs;            /* Dependencies() */
	size_t nsubs;
	struct rnode *parent;
};

struct rnode *rnode_new(const struct chart *c, struct rnode *parent);
void rnode_free(struct rnode *n);
/* ChartFullPath: "top/charts/sub". */
void rnode_full_path(struct strbuf *out, const struct rnode *n);

/* ---- values.c ---- */
/* ProcessDependenciesWithMerge: conditions, tags, aliases, import-values. */
int chart_process_dependencies(struct rnode *root,
			       const struct tmpl_value *vals, struct gerr *err);
/* CoalesceValues (merge 0) or MergeValues (merge 1) of a chart with the
 * user's values: a new map. */
struct tmpl_value *chart_coalesce(const struct rnode *n,
				  const struct tmpl_value *vals, int merge,
				  struct gerr *err);
/* Masterminds semver: does version satisfy the constraint? (Helm's
 * IsCompatibleRange: 0 when either does not parse.) */
int chart_compatible_range(const char *constraint, const char *version);

/* A deep copy of a values map (maps and lists new, scalars shared). */
struct tmpl_value *chart_values_copy(const struct tmpl_value *v);
/* chartutil.MergeTables / CoalesceTables: src into dst, dst wins. */
void chart_coalesce_tables(struct tmpl_value *dst, struct tmpl_value *src,
			   int merge);
/* chartutil.MergeMaps (the merging of -f files and --set). */
void chart_merge_maps(struct tmpl_value *dst, const struct tmpl_value *src);
/* Values.Table: the map at a dotted path, or NULL. Borrowed. */
struct tmpl_value *chart_values_table(struct tmpl_value *v, const char *path);

/* ---- goyaml.c ---- */
/* sigs.k8s.io/yaml.Marshal of a JSON value (Helm's toYaml before its
 * TrimSuffix of the final newline). */
void chart_yaml_marshal(struct strbuf *out, const json_t *j);
/* yaml.Unmarshal into interface{}: NULL with err on bad YAML. */
struct tmpl_value *chart_yaml_unmarshal(const char *s, size_t len,
					struct gerr *err);

/* ---- objects.c ---- */
/* The state of one render, given to Helm's functions as call->user. */
struct render {
	struct tmpl_funcs *funcs;
	struct strvec inc_names;        /* includedNames: name -> count */
	int *inc_counts;
};

/* Helm's functions (include, tpl, required, fail, toYaml, ...). */
extern const struct tmpl_func chart_helm_funcs[];
/* Go values of the built-in objects (new references). */
struct tmpl_value *chart_obj_files(const struct chart *c);
struct tmpl_value *chart_obj_capabilities(const char *kube_version,
					  const struct strvec *api_versions);
struct tmpl_value *chart_obj_chart(const struct rnode *n);
/* Make a map a chartutil.Values (the map itself; returns it). */
struct tmpl_value *chart_obj_values(struct tmpl_value *map);
/* toYaml of a value: sigs.k8s.io/yaml.Marshal without the last newline;
 * -1 (err set) when it cannot be marshalled. */
int chart_to_yaml(struct strbuf *out, const struct tmpl_value *v,
		  struct gerr *err);
/* Does a Kubernetes version string parse as Helm needs it? Fills the
 * parts of a KubeVersion ("v1.32.0" -> "1", "32"). */
int chart_kube_version_parse(const char *s, char **version, char **major,
			     char **minor, struct gerr *err);

/* ---- schema.c ---- */
/* Validate values against a JSON Schema; on failure appends gojsonschema's
 * "- field: description\n" lines to out and returns -1. A schema that is
 * not valid JSON is an error too (err set, returns -2). */
int chart_schema_validate(const char *schema, size_t len,
			  const json_t *values, struct strbuf *out,
			  struct gerr *err);

#endif
