/* The inventory ConfigMap: what an app owns in the cluster. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/apply/internal.h"
#include "pkg/base/mem.h"
#include "pkg/kube/kube.h"
#include "pkg/yaml/yaml.h"

char *apply_inventory_name(const char *app)
{
	return xasprintf("gantry-inventory-%s", app);
}

const char *apply_namespace(struct kube_client *c,
			    const struct apply_opts *opts)
{
	if (opts->namespace && *opts->namespace)
		return opts->namespace;
	return kube_config_namespace(kube_client_config(c));
}

static void ref_clear(struct apply_ref *r)
{
	free(r->api_version);
	free(r->kind);
	free(r->namespace);
	free(r->name);
	free(r->group);
	free(r->uid);
	free(r->revision);
	free(r->last_applied);
}

void apply_inventory_clear(struct apply_inventory *inv)
{
	for (size_t i = 0; i < inv->nr; i++)
		ref_clear(&inv->v[i]);
	free(inv->v);
	free(inv->app);
	free(inv->revision);
	free(inv->applied_at);
	free(inv->outcome);
	free(inv->resource_version);
	memset(inv, 0, sizeof(*inv));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void inventory_add(struct apply_inventory *inv, const char *api_version,
		   const char *kind, const char *ns, const char *name,
		   const char *uid, const char *revision,
		   const char *last_applied)
{
	struct apply_ref *r;
	const char *slash = strchr(api_version, '/');

	ALLOC_GROW(inv->v, inv->nr + 1, inv->alloc);
	r = &inv->v[inv->nr++];
	r->api_version = xstrdup(api_version);
	r->group = slash ? xstrndup(api_version, (size_t)(slash - api_version))
			 : xstrdup("");
	r->kind = xstrdup(kind);
	r->namespace = xstrdup(ns ? ns : "");
	r->name = xstrdup(name);
	r->uid = dup_or_null(uid);
	r->revision = dup_or_null(revision);
	r->last_applied = dup_or_null(last_applied);
}

static int ref_cmp(const void *pa, const void *pb)
{
	const struct apply_ref *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->group, b->group)) ||
	    (c = strcmp(a->kind, b->kind)) ||
	    (c = strcmp(a->namespace, b->namespace)))
		return c;
	return strcmp(a->name, b->name);
}

void inventory_sort(struct apply_inventory *inv)
{
	if (inv->nr)
		qsort(inv->v, inv->nr, sizeof(*inv->v), ref_cmp);
}

const struct apply_ref *inventory_find(const struct apply_inventory *inv,
				       const char *group, const char *kind,
				       const char *ns, const char *name)
{
	struct apply_ref key = { .group = (char *)group, .kind = (char *)kind,
				 .namespace = (char *)(ns ? ns : ""),
				 .name = (char *)name };

	if (!inv->nr)
		return NULL;
	return bsearch(&key, inv->v, inv->nr, sizeof(*inv->v), ref_cmp);
}

char *inventory_ref_path(struct kube_client *c, const struct apply_ref *ref)
{
	const struct kube_resource *r;

	r = kube_resource_for(c, ref->api_version, ref->kind, NULL);
	if (!r)
		r = kube_resource_for_kind(c, ref->group, ref->kind, NULL);
	if (!r || (r->namespaced && !*ref->namespace))
		return NULL;
	return kube_resource_path(r, ref->namespace, ref->name);
}

static char *inventory_path(const char *ns, const char *app)
{
	struct strbuf sb = STRBUF_INIT;
	char *name = apply_inventory_name(app);

	strbuf_addstr(&sb, "/api/v1/namespaces/");
	kube_url_escape(&sb, ns);
	strbuf_addstr(&sb, "/configmaps/");
	kube_url_escape(&sb, name);
	free(name);
	return strbuf_detach(&sb, NULL);
}

/* One line of data.objects into inv. */
static int parse_ref(struct apply_inventory *inv, const json_t *line,
		     const json_t *binary, struct gerr *err)
{
	const char *av = json_string_value(json_object_get(line, "apiVersion"));
	const char *kind = json_string_value(json_object_get(line, "kind"));
	const char *name = json_string_value(json_object_get(line, "name"));
	const char *key = json_string_value(json_object_get(line, "lastApplied"));
	char *last = NULL;

	if (!av || !kind || !name)
		return gerr_setc(err, GERR_INPUT,
				 "an object without apiVersion, kind or name");
	if (key) {
		const char *b64 = json_string_value(json_object_get(binary, key));
		if (!b64 || !(last = unpack_text(b64)))
			return gerr_setc(err, GERR_INPUT,
					 "binaryData.%s is missing or not "
					 "gzipped text", key);
	}
	inventory_add(inv, av, kind,
		      json_string_value(json_object_get(line, "namespace")),
		      name, json_string_value(json_object_get(line, "uid")),
		      json_string_value(json_object_get(line, "revision")),
		      last);
	free(last);
	return 0;
}

static char *data_string(const json_t *cm, const char *key)
{
	return dup_or_null(json_string_value(
		json_object_get(json_object_get(cm, "data"), key)));
}

static int parse_inventory(const json_t *cm, struct apply_inventory *inv,
			   struct gerr *err)
{
	const char *objects = json_string_value(
		json_object_get(json_object_get(cm, "data"), "objects"));
	const json_t *binary = json_object_get(cm, "binaryData");
	const char *p = objects;
	int lineno = 0;

	inv->exists = 1;
	inv->app = data_string(cm, "app");
	inv->revision = data_string(cm, "revision");
	inv->applied_at = data_string(cm, "appliedAt");
	inv->outcome = data_string(cm, "outcome");
	inv->resource_version = dup_or_null(json_string_value(json_object_get(
		json_object_get(cm, "metadata"), "resourceVersion")));
	if (!label_of(cm, INVENTORY_LABEL))
		return gerr_setc(err, GERR_INPUT,
				 "it has no label %s: not an inventory gantry "
				 "wrote",
				 INVENTORY_LABEL);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		json_error_t je;
		json_t *line;

		lineno++;
		if (n) {
			line = json_loadb(p, n, 0, &je);
			if (!json_is_object(line) ||
			    parse_ref(inv, line, binary, err) < 0) {
				if (!line)
					gerr_setc(err, GERR_INPUT, "not JSON");
				json_decref(line);
				return gerr_prefix(err, "data.objects line %d",
						   lineno);
			}
			json_decref(line);
		}
		p += n + (nl ? 1 : 0);
	}
	inventory_sort(inv);
	return 0;
}

int apply_inventory_read(struct kube_client *c, const char *app,
			 const char *ns, struct apply_inventory *inv,
			 struct gerr *err)
{
	char *path;
	json_t *cm = NULL;
	struct gerr e = GERR_INIT;
	int rc;

	if (!ns)
		ns = kube_config_namespace(kube_client_config(c));
	path = inventory_path(ns, app);
	memset(inv, 0, sizeof(*inv));
	rc = kube_get(c, path, &cm, &e);
	free(path);
	if (rc < 0 && e.code == GERR_NOT_FOUND) {
		gerr_clear(&e);
		return 0;
	}
	if (rc < 0) {
		gerr_move(err, &e);
		return gerr_prefix(err, "reading the inventory of %s", app);
	}
	rc = parse_inventory(cm, inv, err);
	json_decref(cm);
	if (rc < 0) {
		apply_inventory_clear(inv);
		return gerr_prefix(err, "ConfigMap/%s/gantry-inventory-%s", ns,
				   app);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */

static void add_line(struct strbuf *objects, const struct apply_ref *r,
		     const char *key)
{
	json_t *o = json_object();

	json_object_set_new(o, "apiVersion", json_string(r->api_version));
	json_object_set_new(o, "kind", json_string(r->kind));
	if (*r->namespace)
		json_object_set_new(o, "namespace", json_string(r->namespace));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "uid", r->uid ? json_string(r->uid)
					      : json_null());
	if (r->revision)
		json_object_set_new(o, "revision", json_string(r->revision));
	if (key)
		json_object_set_new(o, "lastApplied", json_string(key));
	yaml_write_json(objects, o, YAML_JSON_SORT_KEYS);
	strbuf_addch(objects, '\n');
	json_decref(o);
}

/* data (without appliedAt) and binaryData of inv. */
static void inventory_content(const struct apply_inventory *inv,
			      json_t **data, json_t **binary)
{
	struct strbuf objects = STRBUF_INIT;

	*data = json_object();
	*binary = json_object();
	for (size_t i = 0; i < inv->nr; i++) {
		const struct apply_ref *r = &inv->v[i];
		char *key = NULL;

		if (r->last_applied) {
			char *packed = pack_text(r->last_applied);
			key = xasprintf("last-applied-%zu", i);
			json_object_set_new(*binary, key, json_string(packed));
			free(packed);
		}
		add_line(&objects, r, key);
		free(key);
	}
	json_object_set_new(*data, "app", json_string(inv->app));
	json_object_set_new(*data, "revision",
			    json_string(inv->revision ? inv->revision : ""));
	json_object_set_new(*data, "outcome",
			    json_string(inv->outcome ? inv->outcome : ""));
	json_object_set_new(*data, "objects", json_string(objects.buf));
	strbuf_release(&objects);
}

/* Equal apart from appliedAt: gzip output is deterministic, so the
 * packed texts compare too. */
static int same_content(const struct apply_inventory *a,
			const struct apply_inventory *b)
{
	json_t *da, *ba, *db, *bb;
	int same;

	if (!b || !b->exists)
		return 0;
	inventory_content(a, &da, &ba);
	inventory_content(b, &db, &bb);
	same = json_equal(da, db) && json_equal(ba, bb);
	json_decref(da);
	json_decref(ba);
	json_decref(db);
	json_decref(bb);
	return same;
}

static void now_rfc3339(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *inventory_object(const struct apply_inventory *inv,
				const char *ns)
{
	json_t *cm = json_object(), *md = json_object(), *labels = json_object();
	json_t *data, *binary;
	char *name = apply_inventory_name(inv->app);
	char when[32];

	inventory_content(inv, &data, &binary);
	now_rfc3339(when, sizeof(when));
	json_object_set_new(data, "appliedAt", json_string(when));
	json_object_set_new(cm, "apiVersion", json_string("v1"));
	json_object_set_new(cm, "kind", json_string("ConfigMap"));
	json_object_set_new(md, "name", json_string(name));
	json_object_set_new(md, "namespace", json_string(ns));
	json_object_set_new(labels, APP_LABEL, json_string(inv->app));
	json_object_set_new(labels, INVENTORY_LABEL, json_string("true"));
	json_object_set_new(md, "labels", labels);
	if (inv->resource_version)
		json_object_set_new(md, "resourceVersion",
				    json_string(inv->resource_version));
	json_object_set_new(cm, "metadata", md);
	json_object_set_new(cm, "data", data);
	if (json_object_size(binary))
		json_object_set_new(cm, "binaryData", binary);
	else
		json_decref(binary);
	free(name);
	return cm;
}

/* Entries another writer added since we read: kept, never forgotten. */
static void merge_other(struct apply_inventory *inv,
			const struct apply_inventory *other)
{
	size_t n = inv->nr;

	for (size_t i = 0; i < other->nr; i++) {
		const struct apply_ref *r = &other->v[i];
		int found = 0;
		for (size_t j = 0; j < n && !found; j++)
			found = !ref_cmp(r, &inv->v[j]);
		if (!found)
			inventory_add(inv, r->api_version, r->kind,
				      r->namespace, r->name, r->uid,
				      r->revision, r->last_applied);
	}
	inventory_sort(inv);
}

int inventory_write(struct kube_client *c, const char *ns,
		    struct apply_inventory *inv,
		    const struct apply_inventory *old, struct gerr *err)
{
	char *path = inventory_path(ns, inv->app);
	char *coll = xasprintf("/api/v1/namespaces/%s/configmaps?fieldManager="
			       FIELD_MANAGER, ns);
	int rc = 0;

	inventory_sort(inv);
	if (same_content(inv, old))
		goto out;
	for (int attempt = 0; attempt < 5; attempt++) {
		json_t *cm = inventory_object(inv, ns);
		char *put = xasprintf("%s?fieldManager=" FIELD_MANAGER, path);
		struct gerr e = GERR_INIT;
		json_t *back = NULL;

		rc = kube_request_sync(c, inv->resource_version ? "PUT" : "POST",
				       inv->resource_version ? put : coll,
				       NULL, cm, &back, &e);
		json_decref(cm);
		free(put);
		if (rc >= 0) {
			free(inv->resource_version);
			inv->resource_version = dup_or_null(json_string_value(
				json_object_get(json_object_get(back, "metadata"),
						"resourceVersion")));
			json_decref(back);
			rc = 0;
			goto out;
		}
		/* a failure that says nothing: the write may have happened;
		 * read again and write again, as after a conflict */
		if (e.code != GERR_CONFLICT && e.code != GERR_FAIL &&
		    e.code != GERR_UNREACHABLE && e.code != GERR_TIMEOUT) {
			gerr_move(err, &e);
			rc = gerr_prefix(err, "writing the inventory "
					 "ConfigMap/%s/gantry-inventory-%s",
					 ns, inv->app);
			goto out;
		}
		/* someone else wrote it (or created it) meanwhile, or the
		 * write failed on the way */
		gerr_clear(&e);
		struct apply_inventory now;
		if (apply_inventory_read(c, inv->app, ns, &now, err) < 0) {
			rc = -1;
			goto out;
		}
		merge_other(inv, &now);
		free(inv->resource_version);
		inv->resource_version = dup_or_null(now.resource_version);
		apply_inventory_clear(&now);
	}
	rc = gerr_setc(err, GERR_CONFLICT,
		       "writing the inventory ConfigMap/%s/gantry-inventory-%s: "
		       "it kept changing (another gantry applying the same "
		       "app?)",
		       ns, inv->app);
out:
	free(path);
	free(coll);
	return rc;
}
