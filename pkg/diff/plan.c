/* Planning against a cluster: resolve kinds, GET every live object at
 * once, then compute each change. */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strvec.h"
#include "pkg/diff/internal.h"
#include "pkg/kube/kube.h"

/* A kind that a CustomResourceDefinition of the input defines. */
struct crd_def {
	const char *group, *kind;  /* borrowed from the input */
	int namespaced;
	struct strvec versions;
};

struct crd_defs {
	struct crd_def *v;
	size_t nr, alloc;
};

struct item {
	const struct obj *o;
	json_t *desired;     /* with its final namespace */
	int pending;         /* a CR of a CRD in the input, not served yet */
	char *path;          /* where to GET it */
	json_t *live;        /* NULL: not found */
	struct gerr err;     /* the GET failed */
};

struct openapi {
	struct merge_schema *schema; /* NULL: use the built-in table */
};

static void collect_crds(const struct obj_list *objs, struct crd_defs *out)
{
	for (size_t i = 0; i < objs->nr; i++) {
		const json_t *o = objs->v[i].json;
		const json_t *spec = json_object_get(o, "spec"), *v;
		char group[256];
		size_t j;

		if (strcmp(obj_group(o, group, sizeof(group)),
			   "apiextensions.k8s.io") ||
		    strcmp(obj_kind(o), "CustomResourceDefinition"))
			continue;
		const char *g =
			json_string_value(json_object_get(spec, "group"));
		const char *k = json_string_value(json_object_get(
			json_object_get(spec, "names"), "kind"));
		const char *scope =
			json_string_value(json_object_get(spec, "scope"));
		if (!g || !k)
			continue;
		ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		struct crd_def *d = &out->v[out->nr++];
		memset(d, 0, sizeof(*d));
		d->group = g;
		d->kind = k;
		d->namespaced = !scope || strcmp(scope, "Cluster");
		json_array_foreach(json_object_get(spec, "versions"), j, v)
			if (json_is_string(json_object_get(v, "name")))
				strvec_push(&d->versions,
					    json_string_value(
						    json_object_get(v, "name")));
		/* apiextensions.k8s.io/v1beta1 names one version */
		if (json_is_string(json_object_get(spec, "version")))
			strvec_push(&d->versions,
				    json_string_value(
					    json_object_get(spec, "version")));
	}
}

static void crds_clear(struct crd_defs *defs)
{
	for (size_t i = 0; i < defs->nr; i++)
		strvec_clear(&defs->v[i].versions);
	free(defs->v);
}

/* The input CRD that defines this object's group, version and kind. */
static const struct crd_def *find_crd(const struct crd_defs *defs,
				      const json_t *o)
{
	const char *av = json_string_value(json_object_get(o, "apiVersion"));
	const char *slash = strchr(av, '/');
	char group[256];

	if (!slash)
		return NULL;
	obj_group(o, group, sizeof(group));
	for (size_t i = 0; i < defs->nr; i++)
		if (!strcmp(defs->v[i].group, group) &&
		    !strcmp(defs->v[i].kind, obj_kind(o)) &&
		    strvec_find(&defs->v[i].versions, slash + 1) >= 0)
			return &defs->v[i];
	return NULL;
}

/* obj with the namespace the server will give it: the default for a
 * namespaced object without one, none for a cluster-scoped object. */
static json_t *with_namespace(const json_t *obj, int namespaced,
			      const char *default_ns)
{
	const char *ns = obj_namespace(obj);
	json_t *copy;

	const json_t *md = json_object_get(obj, "metadata");

	if (namespaced ? *ns != '\0' : !json_object_get(md, "namespace"))
		return json_incref((json_t *)obj);
	copy = json_deep_copy(obj);
	if (namespaced)
		json_object_set_new(json_object_get(copy, "metadata"),
				    "namespace", json_string(default_ns));
	else
		json_object_del(json_object_get(copy, "metadata"), "namespace");
	return copy;
}

static void origin_prefix(struct gerr *err, const struct obj *o,
			  const json_t *obj)
{
	struct strbuf id = STRBUF_INIT;

	obj_format_id(&id, obj);
	if (o->file)
		gerr_prefix(err, "%s:%d: %s", o->file, o->line, id.buf);
	else
		gerr_prefix(err, "%s", id.buf);
	strbuf_release(&id);
}

/* Resolve every kind before anything else is asked of the server. */
static int resolve(struct kube_client *c, const struct obj_list *objs,
		   const char *default_ns, struct item *items,
		   struct gerr *err)
{
	struct crd_defs crds = { NULL, 0, 0 };
	int rc = -1;

	collect_crds(objs, &crds);
	for (size_t i = 0; i < objs->nr; i++) {
		const json_t *o = objs->v[i].json;
		struct item *it = &items[i];
		const struct kube_resource *r;
		const struct crd_def *crd;
		struct gerr e = GERR_INIT;

		it->o = &objs->v[i];
		r = kube_resource_for(
			c, json_string_value(json_object_get(o, "apiVersion")),
			obj_kind(o), &e);
		if (r) {
			it->desired =
				with_namespace(o, r->namespaced, default_ns);
			/* the resource is valid until discovery is refreshed:
			 * keep the path, not the resource */
			it->path = kube_resource_path(
				r, obj_namespace(it->desired),
				obj_name(it->desired));
			continue;
		}
		if (e.code == GERR_NOT_FOUND && (crd = find_crd(&crds, o))) {
			gerr_clear(&e);
			it->pending = 1;
			it->desired =
				with_namespace(o, crd->namespaced, default_ns);
			continue;
		}
		gerr_move(err, &e);
		if (err && err->code == GERR_NOT_FOUND)
			origin_prefix(err, it->o, o);
		goto out;
	}
	rc = 0;
out:
	crds_clear(&crds);
	return rc;
}

/* With namespaces filled in, two objects may have become one. */
static int check_duplicates(const struct item *items, size_t n,
			    struct gerr *err)
{
	json_t *seen = json_object();
	struct strbuf id = STRBUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		strbuf_reset(&id);
		obj_format_id(&id, items[i].desired);
		json_t *first = json_object_get(seen, id.buf);
		if (!first) {
			json_object_set_new(seen, id.buf,
					    json_integer((json_int_t)i));
			continue;
		}
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		obj_format_origin(&a, items[json_integer_value(first)].o);
		obj_format_origin(&b, items[i].o);
		rc = gerr_setc(err, GERR_INPUT,
			       "duplicate object %s: defined at %s and again at "
			       "%s (once the default namespace is filled in)",
			       id.buf, a.buf, b.buf);
		strbuf_release(&a);
		strbuf_release(&b);
	}
	strbuf_release(&id);
	json_decref(seen);
	return rc;
}

static void got_object(struct kube_client *c, const struct kube_response *resp,
		       void *data)
{
	struct item *it = data;

	if (resp->status == 200 && json_is_object(resp->body))
		it->live = json_incref(resp->body);
	else if (resp->status != 404)
		gerr_setc(&it->err, resp->err.code ? resp->err.code : GERR_FAIL,
			  "%s", resp->err.msg ? resp->err.msg
					      : "the server sent no object");
}

static void got_openapi(struct kube_client *c, const struct kube_response *resp,
			void *data)
{
	struct openapi *oa = data;

	/* Without a usable document the built-in table serves: it knows
	 * every built-in kind's merge keys. */
	if (resp->status == 200 && resp->body)
		oa->schema = merge_schema_from_openapi(resp->body, NULL);
}

/* The merge type of an object: NULL (JSON merge patch) for anything the
 * built-in table does not know, which the API server takes no strategic
 * merge patch for, whatever the OpenAPI document describes. */
static const struct merge_type *type_for(const struct merge_schema *schema,
					 const json_t *obj)
{
	char group[256];

	obj_group(obj, group, sizeof(group));
	if (!merge_schema_lookup(merge_schema_builtin(), group, obj_kind(obj)))
		return NULL;
	return merge_schema_lookup(schema ? schema : merge_schema_builtin(),
				   group, obj_kind(obj));
}

int diff_plan(struct kube_client *c, const struct obj_list *objs,
	      const struct diff_plan_opts *opts, struct diff_set *set,
	      struct gerr *err)
{
	const struct kube_config *cfg = kube_client_config(c);
	const char *default_ns = opts && opts->default_namespace
					 ? opts->default_namespace
					 : kube_config_namespace(cfg);
	struct item *items = xcalloc(objs->nr + 1, sizeof(*items));
	struct openapi oa = { NULL };
	int rc = -1, need_types = 0;

	free(set->server);
	free(set->context);
	free(set->namespace);
	set->server = xstrdup(kube_config_server(cfg));
	set->context = *kube_config_context(cfg)
			       ? xstrdup(kube_config_context(cfg))
			       : NULL;
	set->namespace = xstrdup(default_ns);

	if (resolve(c, objs, default_ns, items, err) < 0 ||
	    check_duplicates(items, objs->nr, err) < 0)
		goto out;

	for (size_t i = 0; i < objs->nr; i++) {
		if (items[i].pending)
			continue;
		kube_submit(c, &(struct kube_request){ .method = "GET",
						       .path = items[i].path,
						       .done = got_object,
						       .data = &items[i] });
		need_types = 1;
	}
	if (need_types)
		kube_submit(c, &(struct kube_request){ .method = "GET",
						       .path = "/openapi/v2",
						       .flags = KUBE_NO_RETRY,
						       .done = got_openapi,
						       .data = &oa });
	kube_run(c);

	for (size_t i = 0; i < objs->nr; i++) {
		struct item *it = &items[i];
		const struct merge_type *type;
		struct diff_change *ch;
		struct strbuf src = STRBUF_INIT;

		if (gerr_failed(&it->err)) {
			gerr_move(err, &it->err);
			origin_prefix(err, it->o, it->desired);
			goto out;
		}
		ch = diff_set_push(set);
		type = it->live ? type_for(oa.schema, it->desired) : NULL;
		if (diff_compute(it->desired, it->live, type,
				 opts ? opts->rules : NULL, ch, err) < 0)
			goto out;
		ch->crd_pending = it->pending;
		if (it->o->file) {
			obj_format_origin(&src, it->o);
			ch->source = strbuf_detach(&src, NULL);
		}
	}
	rc = 0;
out:
	diff_set_count(set);
	for (size_t i = 0; i < objs->nr; i++) {
		json_decref(items[i].desired);
		json_decref(items[i].live);
		free(items[i].path);
		gerr_clear(&items[i].err);
	}
	free(items);
	merge_schema_free(oa.schema);
	return rc;
}
