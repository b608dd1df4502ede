/*
 * pkg/sim: OpenAPI, as the server publishes it — /openapi/v2 (JSON; the
 * protobuf form is refused with 406 so that clients fall back), the
 * /openapi/v3 index with one document per group-version, the built-in
 * definitions with x-kubernetes-group-version-kind and the
 * x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy extensions
 * that pkg/merge's built-in table holds (the same facts the server's Go
 * types declare), and custom resources' schemas.
 *
 * Every PATCH operation lists the fieldValidation parameter and the patch
 * media types: kubectl reads those to decide that the server validates
 * fields itself and that strategic merge patches are accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/merge.h"
#include "pkg/sim/internal.h"

static const char *ref_of(const json_t *prop)
{
	const char *r = jstr(prop, "$ref");

	if (!r)
		r = jstr(json_array_get(json_object_get(prop, "allOf"), 0),
			 "$ref");
	if (!r)
		return NULL;
	return strrchr(r, '/') ? strrchr(r, '/') + 1 : r;
}

/* Walk the definitions reachable from def at JSON pointer path, adding
 * the patch extensions that the merge table has for each field. */
static void add_patch_ext(json_t *defs, const char *def, const char *path,
			  const struct merge_type *mt, int depth)
{
	json_t *d = json_object_get(defs, def), *props, *p;
	const char *k;

	if (!d || depth > 12)
		return;
	props = json_object_get(d, "properties");
	json_object_foreach(props, k, p) {
		const char *strategy = NULL, *key = NULL, *sub;
		char *fpath = xasprintf("%s/%s", path, k);

		if (merge_type_field(mt, fpath, &strategy, &key) == 0) {
			if (key && !json_object_get(p, "x-kubernetes-patch-"
						       "merge-key"))
				json_object_set_new(
					p, "x-kubernetes-patch-merge-key",
					json_string(key));
			if (strategy && !json_object_get(p, "x-kubernetes-"
							    "patch-strategy"))
				json_object_set_new(
					p, "x-kubernetes-patch-strategy",
					json_string(strategy));
		}
		sub = ref_of(p);
		if (!sub && json_is_object(json_object_get(p, "items")))
			sub = ref_of(json_object_get(p, "items"));
		if (sub)
			add_patch_ext(defs, sub, fpath, mt, depth + 1);
		free(fpath);
	}
}

static json_t *gvk(const char *group, const char *version, const char *kind)
{
	json_t *a = json_array(), *o = json_object();

	json_object_set_new(o, "group", json_string(group));
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "version", json_string(version));
	json_array_append_new(a, o);
	return a;
}

static char *cr_def_name(const struct rtype *t)
{
	/* reversed group, as the server names custom resources' schemas */
	struct strbuf n = STRBUF_INIT;
	const char *g = t->group;
	const char *end = g + strlen(g);

	while (end > g) {
		const char *dot = end;

		while (dot > g && dot[-1] != '.')
			dot--;
		strbuf_add(&n, dot, (size_t)(end - dot));
		strbuf_addch(&n, '.');
		end = dot > g ? dot - 1 : g;
	}
	strbuf_addf(&n, "%s.%s", t->version, t->kind);
	return strbuf_detach(&n, NULL);
}

/* The definitions of every served kind, with their extensions. */
static json_t *all_definitions(struct sim *s, int v2)
{
	json_t *defs = schema_definitions(v2);
	const struct merge_schema *ms = merge_schema_builtin();

	for (size_t i = 0; i < s->ntypes; i++) {
		const struct rtype *t = s->types[i];
		json_t *d;

		if (t->flags & RT_CUSTOM) {
			char *name = cr_def_name(t);

			d = t->schema ? json_deep_copy(t->schema)
				      : json_object();
			json_object_set_new(d, "x-kubernetes-group-version-kind",
					    gvk(t->group, t->version, t->kind));
			json_object_set_new(defs, name, d);
			free(name);
			continue;
		}
		d = json_object_get(defs, t->def);
		if (!d)
			continue;
		json_object_set_new(d, "x-kubernetes-group-version-kind",
				    gvk(t->group, t->version, t->kind));
		add_patch_ext(defs, t->def, "",
			      merge_schema_lookup(ms, t->group, t->kind), 0);
	}
	return defs;
}

static json_t *param(const char *name, const char *in, const char *type,
		     int v2)
{
	json_t *p = json_object();

	json_object_set_new(p, "name", json_string(name));
	json_object_set_new(p, "in", json_string(in));
	if (!strcmp(in, "path"))
		json_object_set_new(p, "required", json_true());
	if (v2) {
		json_object_set_new(p, "type", json_string(type));
	} else {
		json_t *sch = json_object();

		json_object_set_new(sch, "type", json_string(type));
		json_object_set_new(p, "schema", sch);
	}
	return p;
}

static json_t *body_of(const char *ref, const char *const *types, int v2)
{
	json_t *rb = json_object(), *content = json_object(), *sch;

	if (v2) {
		json_t *p = json_object();

		sch = json_object();
		json_object_set_new(sch, "$ref", json_string(ref));
		json_object_set_new(p, "name", json_string("body"));
		json_object_set_new(p, "in", json_string("body"));
		json_object_set_new(p, "required", json_true());
		json_object_set_new(p, "schema", sch);
		json_decref(rb);
		json_decref(content);
		return p;
	}
	for (size_t i = 0; types[i]; i++) {
		json_t *m = json_object();

		sch = json_object();
		json_object_set_new(sch, "$ref", json_string(ref));
		json_object_set_new(m, "schema", sch);
		json_object_set_new(content, types[i], m);
	}
	json_object_set_new(rb, "content", content);
	json_object_set_new(rb, "required", json_true());
	return rb;
}

static json_t *operation(const struct rtype *t, const char *verb,
			 const char *opid, json_t *params, json_t *body,
			 int v2)
{
	json_t *op = json_object(), *resp = json_object(), *ok = json_object();

	json_object_set_new(op, "operationId", json_string(opid));
	json_object_set_new(op, "parameters", params);
	if (body) {
		if (v2)
			json_array_append_new(params, body);
		else
			json_object_set_new(op, "requestBody", body);
	}
	json_object_set_new(ok, "description", json_string("OK"));
	json_object_set_new(resp, "200", ok);
	json_object_set_new(op, "responses", resp);
	json_object_set_new(op, "x-kubernetes-action", json_string(verb));
	{
		json_t *g = gvk(t->group, t->version, t->kind);

		json_object_set(op, "x-kubernetes-group-version-kind",
				json_array_get(g, 0));
		json_decref(g);
	}
	return op;
}

static void add_paths(const struct rtype *t, json_t *paths, int v2)
{
	static const char *const patch_types[] = {
		"application/json-patch+json", "application/merge-patch+json",
		"application/strategic-merge-patch+json",
		"application/apply-patch+yaml", NULL
	};
	static const char *const custom_patch_types[] = {
		"application/json-patch+json", "application/merge-patch+json",
		"application/apply-patch+yaml", NULL
	};
	static const char *const json_types[] = { "application/json", NULL };
	struct strbuf base = STRBUF_INIT, item = STRBUF_INIT, id = STRBUF_INIT;
	json_t *coll = json_object(), *one = json_object(), *params;
	char *ref, *crname = NULL;

	if (*t->group)
		strbuf_addf(&base, "/apis/%s/%s/", t->group, t->version);
	else
		strbuf_addf(&base, "/api/%s/", t->version);
	if (t->namespaced)
		strbuf_addstr(&base, "namespaces/{namespace}/");
	strbuf_addstr(&base, t->resource);
	strbuf_addf(&item, "%s/{name}", base.buf);
	if (t->flags & RT_CUSTOM)
		crname = cr_def_name(t);
	ref = xasprintf("%s%s", v2 ? "#/definitions/" : "#/components/schemas/",
			crname ? crname : t->def);
	free(crname);
	/* POST on the collection, GET/PUT/PATCH/DELETE on one object */
	params = json_array();
	json_array_append_new(params, param("dryRun", "query", "string", v2));
	json_array_append_new(params, param("fieldManager", "query", "string",
					    v2));
	json_array_append_new(params, param("fieldValidation", "query",
					    "string", v2));
	if (t->namespaced)
		json_array_append_new(params, param("namespace", "path",
						    "string", v2));
	strbuf_addf(&id, "create%s", t->kind);
	json_object_set_new(coll, "post",
			    operation(t, "post", id.buf, params,
				      body_of(ref, json_types, v2), v2));
	params = json_array();
	json_array_append_new(params, param("name", "path", "string", v2));
	if (t->namespaced)
		json_array_append_new(params, param("namespace", "path",
						    "string", v2));
	strbuf_reset(&id);
	strbuf_addf(&id, "read%s", t->kind);
	json_object_set_new(one, "get", operation(t, "get", id.buf,
						  json_deep_copy(params), NULL,
						  v2));
	json_array_append_new(params, param("dryRun", "query", "string", v2));
	json_array_append_new(params, param("fieldManager", "query", "string",
					    v2));
	json_array_append_new(params, param("fieldValidation", "query",
					    "string", v2));
	json_array_append_new(params, param("force", "query", "boolean", v2));
	strbuf_reset(&id);
	strbuf_addf(&id, "patch%s", t->kind);
	json_object_set_new(one, "patch",
			    operation(t, "patch", id.buf, json_deep_copy(params),
				      body_of("#/components/schemas/io.k8s."
					      "apimachinery.pkg.apis.meta.v1."
					      "Patch",
					      (t->flags & RT_CUSTOM)
						      ? custom_patch_types
						      : patch_types,
					      v2),
				      v2));
	json_array_remove(params, json_array_size(params) - 1);
	strbuf_reset(&id);
	strbuf_addf(&id, "replace%s", t->kind);
	json_object_set_new(one, "put",
			    operation(t, "put", id.buf, json_deep_copy(params),
				      body_of(ref, json_types, v2), v2));
	strbuf_reset(&id);
	strbuf_addf(&id, "delete%s", t->kind);
	json_object_set_new(one, "delete",
			    operation(t, "delete", id.buf, params, NULL, v2));
	json_object_set_new(paths, base.buf, coll);
	json_object_set_new(paths, item.buf, one);
	free(ref);
	strbuf_release(&base);
	strbuf_release(&item);
	strbuf_release(&id);
}

static void add_patch_def(json_t *defs)
{
	json_t *p = json_object();

	json_object_set_new(p, "type", json_string("object"));
	json_object_set_new(p, "description",
			    json_string("Patch is provided to give a concrete "
					"name and type to the Kubernetes "
					"PATCH request body."));
	json_object_set_new(defs, "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
			    p);
}

static json_t *info(void)
{
	json_t *i = json_object();

	json_object_set_new(i, "title", json_string("Kubernetes"));
	json_object_set_new(i, "version", json_string("v1.32.0"));
	return i;
}

static json_t *v2_doc(struct sim *s)
{
	json_t *doc = json_object(), *paths = json_object();
	json_t *defs = all_definitions(s, 1);

	for (size_t i = 0; i < s->ntypes; i++)
		add_paths(s->types[i], paths, 1);
	add_patch_def(defs);
	json_object_set_new(doc, "swagger", json_string("2.0"));
	json_object_set_new(doc, "info", info());
	json_object_set_new(doc, "paths", paths);
	json_object_set_new(doc, "definitions", defs);
	return doc;
}

/* "api/v1", "apis/apps/v1" */
static void gv_path(const struct rtype *t, struct strbuf *out)
{
	if (*t->group)
		strbuf_addf(out, "apis/%s/%s", t->group, t->version);
	else
		strbuf_addf(out, "api/%s", t->version);
}

static json_t *v3_gv_doc(struct sim *s, const char *gvp)
{
	json_t *doc = NULL, *paths = json_object(), *all, *names = json_object();
	json_t *schemas = json_object();
	struct strbuf p = STRBUF_INIT;
	const char *k;
	json_t *v;

	all = all_definitions(s, 0);
	add_patch_def(all);
	for (size_t i = 0; i < s->ntypes; i++) {
		const struct rtype *t = s->types[i];

		strbuf_reset(&p);
		gv_path(t, &p);
		if (strcmp(p.buf, gvp))
			continue;
		if (!doc)
			doc = json_object();
		add_paths(t, paths, 0);
		if (t->flags & RT_CUSTOM) {
			char *n = cr_def_name(t);

			json_object_set_new(names, n, json_true());
			schema_closure("io.k8s.apimachinery.pkg.apis.meta.v1."
				       "ObjectMeta", names);
			free(n);
		} else {
			schema_closure(t->def, names);
		}
	}
	strbuf_release(&p);
	if (!doc) {
		json_decref(paths);
		json_decref(all);
		json_decref(names);
		json_decref(schemas);
		return NULL;
	}
	json_object_set_new(names, "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
			    json_true());
	json_object_foreach(names, k, v)
		if (json_object_get(all, k))
			json_object_set(schemas, k, json_object_get(all, k));
	json_object_set_new(doc, "openapi", json_string("3.0.0"));
	json_object_set_new(doc, "info", info());
	json_object_set_new(doc, "paths", paths);
	{
		json_t *comp = json_object();

		json_object_set_new(comp, "schemas", schemas);
		json_object_set_new(doc, "components", comp);
	}
	json_decref(all);
	json_decref(names);
	return doc;
}

/* FNV-1a of the document: the hash in serverRelativeURL changes when the
 * document does, so clients' caches refresh after a CRD changes. */
static void doc_hash(const json_t *doc, char *out, size_t n)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = text; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	snprintf(out, n, "%016llX", (unsigned long long)h);
	free(text);
}

static json_t *v3_index(struct sim *s)
{
	json_t *idx = json_object(), *paths = json_object();
	struct strbuf p = STRBUF_INIT;

	for (size_t i = 0; i < s->ntypes; i++) {
		json_t *doc, *e;
		char hash[32], *url;

		strbuf_reset(&p);
		gv_path(s->types[i], &p);
		if (json_object_get(paths, p.buf))
			continue;
		doc = v3_gv_doc(s, p.buf);
		doc_hash(doc, hash, sizeof(hash));
		json_decref(doc);
		url = xasprintf("/openapi/v3/%s?hash=%s", p.buf, hash);
		e = json_object();
		json_object_set_new(e, "serverRelativeURL", json_string(url));
		json_object_set_new(paths, p.buf, e);
		free(url);
	}
	json_object_set_new(idx, "paths", paths);
	strbuf_release(&p);
	return idx;
}

void openapi_serve(struct sim *s, const struct req *r, struct resp *out)
{
	const char *p = r->path;

	if (!strcmp(p, "/openapi/v2")) {
		if (r->accept && strstr(r->accept, "protobuf") &&
		    !strstr(r->accept, "json")) {
			out->code = 406;
			out->json = status_failure(
				406, "NotAcceptable",
				"the server was unable to respond with a "
				"content type that the client supports",
				NULL);
			return;
		}
		out->code = 200;
		out->json = v2_doc(s);
		return;
	}
	if (!strcmp(p, "/openapi/v3") || !strcmp(p, "/openapi/v3/")) {
		/* hashing every document is slow: keep the index until the
		 * served types change */
		if (!s->openapi_index || s->openapi_index_gen != s->types_gen) {
			json_decref(s->openapi_index);
			s->openapi_index = v3_index(s);
			s->openapi_index_gen = s->types_gen;
		}
		out->code = 200;
		out->json = json_incref(s->openapi_index);
		return;
	}
	if (!strncmp(p, "/openapi/v3/", 12)) {
		json_t *doc = v3_gv_doc(s, p + 12);

		if (doc) {
			out->code = 200;
			out->json = doc;
			return;
		}
	}
	out->code = 404;
	out->text = xstrdup("404 page not found\n");
	out->ctype = "text/plain; charset=utf-8";
}
