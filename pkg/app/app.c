/* The app render pipeline (see app.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/app/app.h"
#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/chart/chart.h"
#include "pkg/overlay/overlay.h"

/* ---- values ---- */

/* {"a.b": V} as --set-json a.b=V, so that a value keeps the type YAML gave
 * it (a string stays a string) while the key is a Helm path. */
static int add_set(struct tmpl_value *vals, const json_t *set,
		   struct gerr *err)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)set, key, v) {
		char *j = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		char *expr = xasprintf("%s=%s", key, j);
		int rc = chart_values_set(vals, CHART_SET_JSON, expr, err);
		free(expr);
		free(j);
		if (rc < 0)
			return gerr_prefix(err, "set %s", key);
	}
	return 0;
}

static struct tmpl_value *chart_values(const struct app_render_opts *o,
				       const struct spec_app *a,
				       const struct spec_source *s,
				       struct gerr *err)
{
	struct tmpl_value *vals = chart_values_new();
	const struct spec_env *re = o->env ? spec_env_find(o->repo, o->env)
					   : NULL;
	const struct spec_env *ae = spec_app_env(a, o->env);

	for (size_t i = 0; i < s->values.nr; i++) {
		size_t len;
		char *buf = source_read(o->src, s->values.v[i], &len, err);
		int rc = buf ? chart_values_add_yaml(vals, buf, len,
						     s->values.v[i], err)
			     : -1;
		free(buf);
		if (rc < 0)
			goto fail;
	}
	if (re && re->values)
		chart_values_add_json(vals, re->values);
	if (ae && ae->values)
		chart_values_add_json(vals, ae->values);
	if (s->set && add_set(vals, s->set, err) < 0)
		goto fail;
	if (ae && ae->set && add_set(vals, ae->set, err) < 0)
		goto fail;
	return vals;
fail:
	tmpl_unref(vals);
	return NULL;
}

/* ---- sources ---- */

static struct chart *load_builtin(const struct app_render_opts *o,
				  const struct spec_source *s,
				  struct gerr *err)
{
	char *data = o->data_dir ? xstrdup(o->data_dir) : source_data_dir(err);
	struct chart *c = NULL;
	if (!data)
		return NULL;
	char *dir = xasprintf("%s/templates", data);
	char *path = xasprintf("%s/%s", dir, s->path);
	enum source_type t;
	if (source_stat(NULL, path, &t, err) == 0 && t != SOURCE_DIR) {
		struct strvec names = STRVEC_INIT;
		struct strbuf list = STRBUF_INIT;
		source_list(NULL, dir, &names, NULL);
		for (size_t i = 0; i < names.nr; i++)
			strbuf_addf(&list, "%s%s", i ? ", " : "", names.v[i]);
		gerr_setc(err, GERR_INPUT,
			  "builtin: no built-in chart %s (there are: %s)",
			  s->path, list.len ? list.buf : "none");
		strbuf_release(&list);
		strvec_clear(&names);
	} else if (!gerr_failed(err)) {
		c = chart_load(path, err);   /* gantry's own files */
	}
	free(path);
	free(dir);
	free(data);
	return c;
}

static int render_chart(const struct app_render_opts *o,
			const struct spec_app *a, const struct spec_source *s,
			struct obj_list *out, struct gerr *err)
{
	struct chart_render_opts ro = CHART_RENDER_OPTS_INIT;
	struct chart_output co = CHART_OUTPUT_INIT;
	struct tmpl_value *vals = NULL;
	struct chart *c = s->kind == SPEC_BUILTIN
				  ? load_builtin(o, s, err)
				  : chart_load_from(o->src, s->path, err);
	int rc = -1;

	if (!c || !(vals = chart_values(o, a, s, err)))
		goto out;
	ro.release = s->release;
	ro.namespace = spec_app_namespace(a, o->env);
	ro.kube_version = o->kube_version;
	ro.api_versions = o->api_versions;
	ro.napi_versions = o->napi_versions;
	ro.include_crds = 1;   /* and gantry applies them, upgrades too */
	ro.skip_tests = 1;     /* helm test pods are not part of a deploy */
	if (chart_render(c, vals, &ro, &co, err) < 0 ||
	    chart_output_objects(&co, out, err) < 0)
		goto out;
	rc = 0;
out:
	chart_output_release(&co);
	tmpl_unref(vals);
	chart_free(c);
	return rc;
}

static int render_source(const struct app_render_opts *o,
			 const struct spec_app *a, const struct spec_source *s,
			 struct obj_list *out, struct gerr *err)
{
	struct overlay_options oo = { source_root(o->src), 0, o->warnings };
	int rc;

	switch (s->kind) {
	case SPEC_MANIFESTS:
		rc = obj_list_load_source(out, o->src,
					  (const char *const *)&s->path, 1,
					  err);
		break;
	case SPEC_CHART:
	case SPEC_BUILTIN:
		rc = render_chart(o, a, s, out, err);
		break;
	case SPEC_KUSTOMIZE:
	default:
		rc = overlay_build_from(o->src, s->path, &oo, out, err);
		break;
	}
	if (rc < 0)
		gerr_prefix(err, "%s", s->where);
	return rc;
}

/* Apply each overlay directory to everything rendered so far. */
static int apply_overlays(const struct app_render_opts *o,
			  const struct strvec *dirs, struct obj_list *objs,
			  struct gerr *err)
{
	struct overlay_options oo = { source_root(o->src), 0, o->warnings };
	for (size_t i = 0; i < dirs->nr; i++) {
		struct obj_list next = OBJ_LIST_INIT;
		if (overlay_apply_from(o->src, dirs->v[i], objs, &oo, &next,
				       err) < 0) {
			obj_list_clear(&next);
			return -1;
		}
		obj_list_clear(objs);
		*objs = next;
	}
	return 0;
}

/* ---- after rendering ---- */

static json_t *metadata(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");
	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(obj, "metadata", md);
	}
	return md;
}

static void set_string_in(json_t *md, const char *map, const char *key,
			  const char *value)
{
	json_t *m = json_object_get(md, map);
	if (!json_is_object(m)) {
		m = json_object();
		json_object_set_new(md, map, m);
	}
	json_object_set_new(m, key, json_string(value));
}

static int set_namespaces(const struct app_render_opts *o,
			  struct app_scope *sc, const char *ns,
			  struct obj_list *objs, struct gerr *err)
{
	char g[256];
	for (size_t i = 0; i < objs->nr; i++) {
		json_t *obj = objs->v[i].json;
		const char *group = obj_group(obj, g, sizeof(g));
		const char *kind = obj_kind(obj);
		int nsd = app_scope_namespaced(sc, group, kind);
		if (o->namespaced && nsd != 0 &&
		    !json_object_get(json_object_get(obj, "metadata"),
				     "namespace")) {
			/* the cluster decides, unless a CRD here did */
			int c = o->namespaced(o->namespaced_data, group, kind);
			if (c >= 0)
				nsd = c;
			else if (nsd < 0) {
				struct strbuf sb = STRBUF_INIT;
				obj_format_origin(&sb, &objs->v[i]);
				gerr_setc(err, GERR_INPUT,
					  "%s: the cluster has no kind %s in "
					  "group %s, and no CRD here defines "
					  "it",
					  sb.buf, kind, *group ? group : "\"\"");
				strbuf_release(&sb);
				return -1;
			}
		}
		json_t *md = metadata(obj);
		if (nsd == 0)
			json_object_del(md, "namespace");
		else if (!json_is_string(json_object_get(md, "namespace")) ||
			 !*json_string_value(json_object_get(md, "namespace")))
			json_object_set_new(md, "namespace", json_string(ns));
	}
	return 0;
}

static int has_namespace(const struct obj_list *objs, const char *ns)
{
	char g[8];
	for (size_t i = 0; i < objs->nr; i++) {
		const json_t *o = objs->v[i].json;
		if (!strcmp(obj_kind(o), "Namespace") &&
		    !*obj_group(o, g, sizeof(g)) && !strcmp(obj_name(o), ns))
			return 1;
	}
	return 0;
}

static void prepend_namespace(struct obj_list *objs, const char *ns,
			      const char *file)
{
	json_t *nsobj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1",
				  "kind", "Namespace", "metadata", "name", ns);
	obj_list_push(objs, nsobj, file, 0);
	struct obj last = objs->v[objs->nr - 1];
	memmove(objs->v + 1, objs->v, (objs->nr - 1) * sizeof(*objs->v));
	objs->v[0] = last;
}

int app_render(const struct app_render_opts *o, const struct spec_app *a,
	       struct obj_list *out, struct gerr *err)
{
	struct obj_list objs = OBJ_LIST_INIT;
	struct app_scope *own = o->scope ? NULL : app_scope_new();
	struct app_scope *sc = o->scope ? o->scope : own;
	const struct spec_env *ae = spec_app_env(a, o->env);
	const char *ns = spec_app_namespace(a, o->env);
	const char *rev = source_revision(o->src);
	int rc = -1;

	for (size_t i = 0; i < a->nsources; i++)
		if (render_source(o, a, &a->sources[i], &objs, err) < 0)
			goto out;
	if (apply_overlays(o, &a->overlays, &objs, err) < 0 ||
	    (ae && apply_overlays(o, &ae->overlays, &objs, err) < 0))
		goto out;
	app_scope_learn(sc, &objs);
	if (set_namespaces(o, sc, ns, &objs, err) < 0)
		goto out;
	if (a->create_namespace && !has_namespace(&objs, ns))
		prepend_namespace(&objs, ns, a->file);
	for (size_t i = 0; i < objs.nr; i++) {
		struct obj *ob = &objs.v[i];
		json_t *md = metadata(ob->json);
		set_string_in(md, "labels", APP_LABEL, a->name);
		if (rev && !o->no_revision)
			set_string_in(md, "annotations",
				      APP_REVISION_ANNOTATION, rev);
		if (obj_validate(ob->json, ob->file, ob->line, err) < 0)
			goto out;
	}
	if (obj_list_check_duplicates(&objs, err) < 0)
		goto out;
	for (size_t i = 0; i < objs.nr; i++) {
		obj_list_push(out, objs.v[i].json, objs.v[i].file,
			      objs.v[i].line);
		objs.v[i].json = NULL;
	}
	rc = 0;
out:
	obj_list_clear(&objs);
	app_scope_free(own);
	return rc;
}
