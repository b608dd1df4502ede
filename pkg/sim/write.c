/*
 * pkg/sim: the write path every create, update, patch and delete takes —
 * metadata as the server keeps it (uid, resourceVersion, generation,
 * creationTimestamp, deletionTimestamp, finalizers), namespace checks,
 * unknown-field handling (fieldValidation), defaulting, validation,
 * optimistic concurrency, /status and /scale, dry runs.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

static const char *const system_meta[] = {
	"uid", "creationTimestamp", "generation", "deletionTimestamp",
	"deletionGracePeriodSeconds", NULL,
};

static json_t *type_error(const struct rtype *t, const char *detail)
{
	struct strbuf m = STRBUF_INIT;
	json_t *st;

	strbuf_addf(&m, "%s in version \"%s\" cannot be handled as a %s: %s",
		    t->kind, t->version, t->kind, detail);
	st = status_bad_request(m.buf);
	strbuf_release(&m);
	return st;
}

/* kind and apiVersion of the body against the URL's type */
static json_t *check_type_meta(const struct rtype *t, const json_t *obj)
{
	struct strbuf m = STRBUF_INIT, av = STRBUF_INIT;
	const char *kind = jstr(obj, "kind"), *api = jstr(obj, "apiVersion");
	json_t *st = NULL;

	if (!json_is_object(obj)) {
		st = status_bad_request("the body of the request is not a "
					"JSON object");
		goto out;
	}
	types_api_version(t, &av);
	if (!kind || !*kind) {
		char *text = json_dumps(obj, JSON_COMPACT);

		strbuf_addf(&m, "Object 'Kind' is missing in '%s'", text);
		free(text);
		st = status_bad_request(m.buf);
	} else if (api && *api && strcmp(api, av.buf)) {
		strbuf_addf(&m, "the API version in the data (%s) does not "
			    "match the expected API version (%s)", api, av.buf);
		st = status_bad_request(m.buf);
	} else if (strcmp(kind, t->kind)) {
		strbuf_addf(&m, "the kind in the data (%s) does not match the "
			    "expected kind (%s)", kind, t->kind);
		st = status_bad_request(m.buf);
	} else if (json_object_get(obj, "metadata") &&
		   !json_is_object(json_object_get(obj, "metadata"))) {
		st = type_error(t, "json: cannot unmarshal into Go struct "
				   "field .metadata of type v1.ObjectMeta");
	}
out:
	strbuf_release(&m);
	strbuf_release(&av);
	return st;
}

/* Unknown fields (dropped; an error with Strict, warnings with Warn) and
 * type errors of the body. Custom resources are checked against their
 * schema in crd_check_object (which reports 422s itself). */
static json_t *check_fields(const struct rtype *t, json_t **obj,
			    unsigned flags, struct strvec *warn,
			    struct ferrs *e)
{
	struct strvec unknown = STRVEC_INIT;
	struct strbuf terr = STRBUF_INIT, m = STRBUF_INIT;
	json_t *st = NULL;

	if (t->flags & RT_CUSTOM)
		crd_check_object(t, *obj, e, &unknown);
	else if (t->def)
		schema_check(t->def, *obj, &unknown, &terr);
	if (terr.len) {
		st = type_error(t, terr.buf);
		goto out;
	}
	if (!unknown.nr || (flags & WRITE_IGNORE_UNKNOWN))
		goto out;
	if (flags & WRITE_STRICT) {
		strbuf_addstr(&m, "strict decoding error: ");
		for (size_t i = 0; i < unknown.nr; i++)
			strbuf_addf(&m, "%sunknown field \"%s\"",
				    i ? ", " : "", unknown.v[i]);
		st = type_error(t, m.buf);
		goto out;
	}
	for (size_t i = 0; i < unknown.nr; i++)
		strvec_pushf(warn, "unknown field \"%s\"", unknown.v[i]);
out:
	strvec_clear(&unknown);
	strbuf_release(&terr);
	strbuf_release(&m);
	return st;
}

static json_t *namespace_check(struct sim *s, const struct rtype *t,
			       const char *ns, const char *name)
{
	const struct rtype *nst = types_find(s, "", "v1", "namespaces");
	const json_t *nso = store_get(s, nst, NULL, ns);
	struct strbuf m = STRBUF_INIT;
	json_t *st, *d, *causes, *c;

	if (!nso)
		return status_not_found(nst, ns);
	if (!jpath(nso, "metadata.deletionTimestamp"))
		return NULL;
	/* the NamespaceLifecycle admission plugin's refusal */
	types_qualified(t, &m);
	if (name && *name) {
		strbuf_addch(&m, ' ');
		go_quote(&m, name);
	}
	strbuf_addf(&m, " is forbidden: unable to create new content in "
		    "namespace %s because it is being terminated", ns);
	d = json_object();
	if (name && *name)
		json_object_set_new(d, "name", json_string(name));
	if (*t->group)
		json_object_set_new(d, "group", json_string(t->group));
	json_object_set_new(d, "kind", json_string(t->resource));
	causes = json_array();
	c = json_object();
	json_object_set_new(c, "reason", json_string("NamespaceTerminating"));
	json_object_set_new(c, "message",
			    json_string("namespace is being terminated"));
	json_object_set_new(c, "field", json_string("metadata.namespace"));
	json_array_append_new(causes, c);
	json_object_set_new(d, "causes", causes);
	st = status_failure(403, "Forbidden", m.buf, d);
	strbuf_release(&m);
	return st;
}

static void generate_name(struct sim *s, json_t *meta)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	const char *base = jstr(meta, "generateName");
	struct strbuf n = STRBUF_INIT;

	if (!base || jstr(meta, "name"))
		return;
	/* the base is cut so that the name stays within 63 characters */
	strbuf_add(&n, base, strlen(base) > 58 ? 58 : strlen(base));
	for (int i = 0; i < 5; i++)
		strbuf_addch(&n, alphabet[util_rand(&s->rng) %
					  (sizeof(alphabet) - 1)]);
	json_object_set_new(meta, "name", json_string(n.buf));
	strbuf_release(&n);
}

/* Keys in the order the server's Go types marshal them: built-in kinds
 * by their definition (schema_check reorders), custom resources sorted
 * as an unstructured map marshals. */
static json_t *sorted_copy(const json_t *v)
{
	if (json_is_object(v)) {
		const char **keys = xmalloc((json_object_size(v) + 1) *
					    sizeof(*keys));
		size_t n = 0;
		const char *k;
		json_t *x, *out = json_object();

		json_object_foreach((json_t *)v, k, x)
			keys[n++] = k;
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && strcmp(keys[j - 1],
							   keys[j]) > 0; j--) {
				const char *tmp = keys[j];

				keys[j] = keys[j - 1];
				keys[j - 1] = tmp;
			}
		for (size_t i = 0; i < n; i++)
			json_object_set_new(out, keys[i],
					    sorted_copy(json_object_get(v,
									keys[i])));
		free(keys);
		return out;
	}
	if (json_is_array(v)) {
		json_t *out = json_array(), *x;
		size_t i;

		json_array_foreach(v, i, x)
			json_array_append_new(out, sorted_copy(x));
		return out;
	}
	return json_incref((json_t *)v);
}

static const char *const meta_order[] = {
	"name", "generateName", "namespace", "selfLink", "uid",
	"resourceVersion", "generation", "creationTimestamp",
	"deletionTimestamp", "deletionGracePeriodSeconds", "labels",
	"annotations", "ownerReferences", "finalizers", "managedFields", NULL,
};

static json_t *ordered(const struct rtype *t, json_t *obj)
{
	json_t *out, *meta, *m2;
	const char *k;
	json_t *v;

	if (t->flags & RT_CUSTOM) {
		out = sorted_copy(obj);
		json_decref(obj);
		return out;
	}
	out = json_object();
	json_object_set(out, "kind", json_object_get(obj, "kind"));
	json_object_set(out, "apiVersion", json_object_get(obj, "apiVersion"));
	meta = json_object_get(obj, "metadata");
	m2 = json_object();
	for (size_t i = 0; meta_order[i]; i++)
		if (json_object_get(meta, meta_order[i]))
			json_object_set(m2, meta_order[i],
					json_object_get(meta, meta_order[i]));
	json_object_set_new(out, "metadata", m2);
	json_object_foreach(obj, k, v)
		if (!json_object_get(out, k))
			json_object_set(out, k, v);
	json_decref(obj);
	return out;
}

/* The field manager of the write under way: the request's, or the
 * controllers'. */
static const char *writer_of(struct sim *s)
{
	return s->writer ? s->writer : "kube-controller-manager";
}

static const char *writer_op_of(struct sim *s)
{
	return s->writer_op ? s->writer_op : "Update";
}

static void after_write(struct sim *s, const struct rtype *t,
			const json_t *obj, int created)
{
	if (!strcmp(t->resource, "namespaces") && !*t->group && created)
		controllers_namespace_created(s, jstr(obj, "metadata.name"));
	if (!strcmp(t->resource, "customresourcedefinitions"))
		crd_changed(s, obj);
}

static void set_now(json_t *meta, const char *key)
{
	struct strbuf ts = STRBUF_INIT;

	util_timestamp(&ts);
	json_object_set_new(meta, key, json_string(ts.buf));
	strbuf_release(&ts);
}

json_t *write_create(struct sim *s, const struct rtype *t, const char *ns,
		     const json_t *obj, unsigned flags, struct strvec *warn,
		     json_t **status)
{
	struct ferrs e = FERRS_INIT;
	struct strbuf uid = STRBUF_INIT;
	json_t *o, *meta, *st;
	const char *bns, *name;

	st = check_type_meta(t, obj);
	if (st)
		goto fail;
	o = json_deep_copy(obj);
	meta = jmeta(o);
	bns = jstr(meta, "namespace");
	if (t->namespaced) {
		if (bns && *bns && ns && strcmp(bns, ns)) {
			st = status_bad_request(
				"the namespace of the provided object does not "
				"match the namespace sent on the request");
			json_decref(o);
			goto fail;
		}
		if (!bns || !*bns)
			json_object_set_new(meta, "namespace",
					    json_string(ns ? ns : "default"));
		ns = jstr(meta, "namespace");
	} else {
		json_object_del(meta, "namespace");
	}
	generate_name(s, meta);
	name = jstr(meta, "name");
	if (t->namespaced) {
		st = namespace_check(s, t, ns, name);
		if (st) {
			json_decref(o);
			goto fail;
		}
	}
	st = check_fields(t, &o, flags, warn, &e);
	if (st) {
		json_decref(o);
		goto fail;
	}
	meta = jmeta(o);
	if (t->flags & RT_STATUS)
		json_object_del(o, "status");
	for (size_t i = 0; system_meta[i]; i++)
		json_object_del(meta, system_meta[i]);
	json_object_del(meta, "resourceVersion");
	json_object_del(meta, "selfLink");
	json_object_del(meta, "managedFields");
	/* the uid first: a Job's generated selector names it */
	util_uuid(s, &uid);
	json_object_set_new(meta, "uid", json_string(uid.buf));
	strbuf_release(&uid);
	defaults_apply(s, t, o, NULL);
	validate_object(s, t, o, NULL, &e);
	name = jstr(o, "metadata.name");
	if (e.nr) {
		st = status_invalid(t->kind, t->group, name, &e);
		json_decref(o);
		goto fail;
	}
	if (store_get(s, t, ns, name)) {
		st = status_already_exists(t, name);
		json_decref(o);
		goto fail;
	}
	meta = jmeta(o);
	if (t->flags & RT_GENERATION)
		json_object_set_new(meta, "generation", json_integer(1));
	set_now(meta, "creationTimestamp");
	managed_fields_update(s, t, o, NULL, writer_of(s), writer_op_of(s), "");
	/* a placeholder keeps the key in its place; store_put sets it */
	json_object_set_new(meta, "resourceVersion", json_string(""));
	o = ordered(t, o);
	ferrs_clear(&e);
	if (flags & DRY_RUN) {
		json_object_del(jmeta(o), "resourceVersion");
		return o;
	}
	store_put(s, t, json_incref(o));
	after_write(s, t, o, 1);
	return o;
fail:
	ferrs_clear(&e);
	*status = st;
	return NULL;
}

/* Everything but metadata and status: what a generation counts. */
static int spec_changed(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v) {
		if (!strcmp(k, "metadata") || !strcmp(k, "status"))
			continue;
		if (!json_equal(v, json_object_get(b, k)))
			return 1;
	}
	json_object_foreach((json_t *)b, k, v) {
		if (!strcmp(k, "metadata") || !strcmp(k, "status"))
			continue;
		if (!json_object_get(a, k))
			return 1;
	}
	return 0;
}

static int has_finalizers(const json_t *obj)
{
	return json_array_size(jpath(obj, "metadata.finalizers")) > 0;
}

json_t *write_update(struct sim *s, const struct rtype *t, const char *ns,
		     const char *name, const char *sub, const json_t *newobj,
		     unsigned flags, struct strvec *warn, json_t **status)
{
	struct ferrs e = FERRS_INIT;
	json_t *old = store_get(s, t, ns, name), *o, *meta, *st;
	const json_t *oldmeta;
	const char *bns, *bname, *brv;
	long long gen;

	if (!old) {
		*status = status_not_found(t, name);
		return NULL;
	}
	st = check_type_meta(t, newobj);
	if (st)
		goto fail;
	o = json_deep_copy(newobj);
	meta = jmeta(o);
	bname = jstr(meta, "name");
	if (!bname || strcmp(bname, name)) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "the name of the object (%s) does not match "
			    "the name on the URL (%s)", bname ? bname : "",
			    name);
		st = status_bad_request(m.buf);
		strbuf_release(&m);
		json_decref(o);
		goto fail;
	}
	bns = jstr(meta, "namespace");
	if (t->namespaced) {
		if (bns && *bns && strcmp(bns, ns)) {
			st = status_bad_request(
				"the namespace of the provided object does not "
				"match the namespace sent on the request");
			json_decref(o);
			goto fail;
		}
		json_object_set_new(meta, "namespace", json_string(ns));
	} else {
		json_object_del(meta, "namespace");
	}
	brv = jstr(meta, "resourceVersion");
	if (brv && *brv &&
	    strcmp(brv, jstr(old, "metadata.resourceVersion"))) {
		st = status_conflict(t, name,
				     "the object has been modified; please "
				     "apply your changes to the latest version "
				     "and try again");
		json_decref(o);
		goto fail;
	}
	if ((!brv || !*brv) && (t->flags & RT_CUSTOM)) {
		/* custom resources allow no unconditional update */
		ferr_add(&e, FERR_INVALID, "metadata.resourceVersion", "0x0",
			 "must be specified for an update");
		st = status_invalid(t->kind, t->group, name, &e);
		json_decref(o);
		goto fail;
	}
	if (!sub) {
		st = check_fields(t, &o, flags, warn, &e);
		if (st) {
			json_decref(o);
			goto fail;
		}
	}
	meta = jmeta(o);
	oldmeta = json_object_get(old, "metadata");
	if (sub && !strcmp(sub, "finalize")) {
		/* a namespace's /finalize writes spec.finalizers only */
		json_t *nf = json_deep_copy(old);

		json_t *fin = jpath(o, "spec.finalizers");

		json_object_set_new(jobj(nf, "spec"), "finalizers",
				    fin ? json_incref(fin) : json_array());
		if (!json_array_size(jpath(nf, "spec.finalizers")))
			json_object_del(json_object_get(nf, "spec"),
					"finalizers");
		json_decref(o);
		o = nf;
		meta = jmeta(o);
	} else if (sub && !strcmp(sub, "status")) {
		/* /status writes change the status and nothing else */
		json_t *ns2 = json_deep_copy(old);

		if (json_object_get(o, "status"))
			json_object_set(ns2, "status",
					json_object_get(o, "status"));
		else
			json_object_del(ns2, "status");
		json_decref(o);
		o = ns2;
		meta = jmeta(o);
	} else if (t->flags & RT_STATUS) {
		if (json_object_get(old, "status"))
			json_object_set(o, "status",
					json_object_get(old, "status"));
		else
			json_object_del(o, "status");
	}
	for (size_t i = 0; system_meta[i]; i++) {
		json_t *v = json_object_get(oldmeta, system_meta[i]);

		if (v)
			json_object_set(meta, system_meta[i], v);
		else
			json_object_del(meta, system_meta[i]);
	}
	json_object_del(meta, "selfLink");
	json_object_del(meta, "managedFields");
	json_object_set(meta, "resourceVersion",
			json_object_get(oldmeta, "resourceVersion"));
	if (!sub)
		defaults_apply(s, t, o, old);
	validate_object(s, t, o, old, &e);
	if (e.nr) {
		st = status_invalid(t->kind, t->group, name, &e);
		json_decref(o);
		goto fail;
	}
	gen = json_integer_value(json_object_get(oldmeta, "generation"));
	if ((t->flags & RT_GENERATION) && spec_changed(o, old))
		json_object_set_new(meta, "generation", json_integer(gen + 1));
	managed_fields_update(s, t, o, old, writer_of(s), writer_op_of(s),
			      sub ? sub : "");
	o = ordered(t, o);
	ferrs_clear(&e);
	if (json_equal(o, old)) {
		/* a no-op write changes nothing, not even the version */
		json_decref(o);
		return json_incref(old);
	}
	if (flags & DRY_RUN)
		return o;
	if (jpath(o, "metadata.deletionTimestamp") && !has_finalizers(o) &&
	    !(!strcmp(t->resource, "namespaces") &&
	      json_array_size(jpath(o, "spec.finalizers")))) {
		write_finalize(s, t, o);
		return o;
	}
	store_put(s, t, json_incref(o));
	after_write(s, t, o, 0);
	return o;
fail:
	ferrs_clear(&e);
	*status = st;
	return NULL;
}

void write_controller(struct sim *s, const struct rtype *t, json_t *obj)
{
	const json_t *old = store_get(s, t, jstr(obj, "metadata.namespace"),
				      jstr(obj, "metadata.name"));

	if (old && json_equal(old, obj)) {
		json_decref(obj);
		return;
	}
	if (old) {
		/* a status write is the status subresource's */
		json_t *a = json_copy((json_t *)old), *b = json_copy(obj);

		json_object_del(a, "status");
		json_object_del(b, "status");
		managed_fields_update(s, t, obj, old, "kube-controller-manager",
				      "Update",
				      json_equal(a, b) ? "status" : "");
		json_decref(a);
		json_decref(b);
	}
	obj = ordered(t, obj);
	if (jpath(obj, "metadata.deletionTimestamp") && !has_finalizers(obj) &&
	    !(!strcmp(t->resource, "namespaces") &&
	      json_array_size(jpath(obj, "spec.finalizers")))) {
		write_finalize(s, t, obj);
		json_decref(obj);
		return;
	}
	store_put(s, t, obj);
	after_write(s, t, obj, old == NULL);
}

void write_finalize(struct sim *s, const struct rtype *t, const json_t *obj)
{
	char *name = xstrdup(jstr(obj, "metadata.name"));
	const char *ns0 = jstr(obj, "metadata.namespace");
	char *ns = ns0 ? xstrdup(ns0) : NULL;

	store_remove(s, t, ns, name);
	if (!strcmp(t->resource, "customresourcedefinitions")) {
		types_set_crd(s, name, NULL);
		crd_changed(s, NULL);
	}
	free(name);
	free(ns);
}

static int finalizers_add(json_t *meta, const char *f)
{
	json_t *fs = json_object_get(meta, "finalizers"), *v;
	size_t i;

	if (!json_is_array(fs)) {
		fs = json_array();
		json_object_set_new(meta, "finalizers", fs);
	}
	json_array_foreach(fs, i, v)
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", f))
			return 0;
	json_array_append_new(fs, json_string(f));
	return 1;
}

/* Dependents lose their owner reference to uid (propagation Orphan). */
static void orphan_dependents(struct sim *s, const char *uid)
{
	for (size_t ti = 0; ti < s->ntypes; ti++) {
		const struct rtype *t = s->types[ti];
		json_t *all, *o;
		size_t i;

		if (t->storage_version && strcmp(t->storage_version, t->version))
			continue;
		all = store_list(s, t, NULL);
		json_array_foreach(all, i, o) {
			json_t *refs = jpath(o, "metadata.ownerReferences");
			json_t *copy, *nrefs, *r;
			size_t j;
			int hit = 0;

			json_array_foreach(refs, j, r)
				hit |= !strcmp(jstr(r, "uid") ? jstr(r, "uid")
							      : "", uid);
			if (!hit)
				continue;
			copy = json_deep_copy(o);
			nrefs = json_array();
			json_array_foreach(refs, j, r)
				if (strcmp(jstr(r, "uid") ? jstr(r, "uid") : "",
					   uid))
					json_array_append(nrefs, r);
			if (json_array_size(nrefs))
				json_object_set_new(jmeta(copy),
						    "ownerReferences", nrefs);
			else {
				json_decref(nrefs);
				json_object_del(jmeta(copy), "ownerReferences");
			}
			write_controller(s, t, copy);
		}
		json_decref(all);
	}
}

json_t *write_delete(struct sim *s, const struct rtype *t, const char *ns,
		     const char *name, const json_t *options, unsigned flags,
		     int *code)
{
	json_t *old = store_get(s, t, ns, name), *o, *meta;
	const char *policy = jstr(options, "propagationPolicy");
	const char *puid = jstr(options, "preconditions.uid");
	const char *prv = jstr(options, "preconditions.resourceVersion");
	int graceful = 0;

	*code = 200;
	if (!old) {
		*code = 404;
		return status_not_found(t, name);
	}
	if (puid && strcmp(puid, jstr(old, "metadata.uid"))) {
		struct strbuf m = STRBUF_INIT;
		json_t *st;

		strbuf_addf(&m, "Precondition failed: UID in precondition: %s, "
			    "UID in object meta: %s", puid,
			    jstr(old, "metadata.uid"));
		st = status_conflict(t, name, m.buf);
		strbuf_release(&m);
		*code = 409;
		return st;
	}
	if (prv && strcmp(prv, jstr(old, "metadata.resourceVersion"))) {
		struct strbuf m = STRBUF_INIT;
		json_t *st;

		strbuf_addf(&m, "Precondition failed: ResourceVersion in "
			    "precondition: %s, ResourceVersion in object meta: "
			    "%s", prv, jstr(old, "metadata.resourceVersion"));
		st = status_conflict(t, name, m.buf);
		strbuf_release(&m);
		*code = 409;
		return st;
	}
	if (jpath(old, "metadata.deletionTimestamp"))
		return api_present(s, t, old);
	o = json_deep_copy(old);
	meta = jmeta(o);
	if (!strcmp(t->resource, "namespaces") && !*t->group) {
		json_object_set_new(jobj(o, "status"), "phase",
				    json_string("Terminating"));
		graceful = 1;
	} else if (!strcmp(t->resource, "customresourcedefinitions")) {
		json_t *c = json_object(), *conds;

		finalizers_add(meta,
			       "customresourcecleanup.apiextensions.k8s.io");
		json_object_set_new(c, "type", json_string("Terminating"));
		json_object_set_new(c, "status", json_string("True"));
		set_now(c, "lastTransitionTime");
		json_object_set_new(c, "reason",
				    json_string("InstanceDeletionInProgress"));
		json_object_set_new(c, "message",
				    json_string("CustomResource deletion is in "
						"progress"));
		conds = jobj(o, "status");
		conds = json_object_get(conds, "conditions");
		if (!json_is_array(conds)) {
			conds = json_array();
			json_object_set_new(json_object_get(o, "status"),
					    "conditions", conds);
		}
		json_array_append_new(conds, c);
		graceful = 1;
	}
	if (policy && !strcmp(policy, "Foreground"))
		finalizers_add(meta, "foregroundDeletion");
	if (policy && !strcmp(policy, "Orphan") && !(flags & DRY_RUN))
		orphan_dependents(s, jstr(old, "metadata.uid"));
	if (graceful || has_finalizers(o)) {
		long long gen = json_integer_value(json_object_get(meta,
								   "generation"));

		set_now(meta, "deletionTimestamp");
		json_object_set_new(meta, "deletionGracePeriodSeconds",
				    json_integer(0));
		if (gen > 0)
			json_object_set_new(meta, "generation",
					    json_integer(gen + 1));
		o = ordered(t, o);
		if (!(flags & DRY_RUN))
			store_put(s, t, json_incref(o));
		json_t *res = api_present(s, t, o);

		json_decref(o);
		return res;
	}
	json_decref(o);
	o = status_success(t, old);
	if (!(flags & DRY_RUN))
		write_finalize(s, t, old);
	return o;
}

/* ---- /scale ---- */

static const char *spec_replicas_path(const struct rtype *t)
{
	return t->scale_spec ? t->scale_spec : ".spec.replicas";
}

json_t *scale_of(const struct rtype *t, const json_t *obj)
{
	json_t *sc = json_object(), *meta = json_object(), *spec = json_object();
	json_t *st = json_object();
	const char *sp = spec_replicas_path(t) + 1;
	const char *stp = t->scale_status ? t->scale_status + 1
					   : "status.replicas";
	static const char *const keep[] = { "name", "namespace", "uid",
					    "resourceVersion",
					    "creationTimestamp", NULL };
	json_t *sel = jpath(obj, "spec.selector");

	for (size_t i = 0; keep[i]; i++)
		if (jpath(obj, "metadata") &&
		    json_object_get(jpath(obj, "metadata"), keep[i]))
			json_object_set(meta, keep[i],
					json_object_get(jpath(obj, "metadata"),
							keep[i]));
	json_object_set_new(sc, "kind", json_string("Scale"));
	json_object_set_new(sc, "apiVersion", json_string("autoscaling/v1"));
	json_object_set_new(sc, "metadata", meta);
	json_object_set_new(spec, "replicas",
			    json_integer(json_integer_value(jpath(obj, sp))));
	json_object_set_new(sc, "spec", spec);
	json_object_set_new(st, "replicas",
			    json_integer(json_integer_value(jpath(obj, stp))));
	if (json_is_object(json_object_get(sel, "matchLabels"))) {
		struct strbuf sb = STRBUF_INIT;
		const char *k;
		json_t *v;

		json_object_foreach(json_object_get(sel, "matchLabels"), k, v)
			strbuf_addf(&sb, "%s%s=%s", sb.len ? "," : "", k,
				    json_string_value(v));
		json_object_set_new(st, "selector", json_string(sb.buf));
		strbuf_release(&sb);
	}
	json_object_set_new(sc, "status", st);
	return sc;
}

json_t *scale_update(struct sim *s, const struct rtype *t, const char *ns,
		     const char *name, const json_t *scale, unsigned flags,
		     json_t **status)
{
	json_t *old = store_get(s, t, ns, name), *o, *res, *parent;
	const char *sp = spec_replicas_path(t) + 1, *dot;
	json_t *replicas = jpath(scale, "spec.replicas");
	struct strvec warn = STRVEC_INIT;
	char *parent_path;

	if (!old) {
		*status = status_not_found(t, name);
		return NULL;
	}
	if (!json_is_integer(replicas)) {
		*status = status_bad_request("spec.replicas must be an integer");
		return NULL;
	}
	o = json_deep_copy(old);
	dot = strrchr(sp, '.');
	parent_path = xstrndup(sp, dot ? (size_t)(dot - sp) : 0);
	parent = *parent_path ? jpath(o, parent_path) : o;
	if (!parent) {
		parent = jobj(o, parent_path);
	}
	json_object_set(parent, dot ? dot + 1 : sp, replicas);
	free(parent_path);
	if (jstr(scale, "metadata.resourceVersion"))
		json_object_set(jmeta(o), "resourceVersion",
				jpath(scale, "metadata.resourceVersion"));
	res = write_update(s, t, ns, name, NULL, o, flags, &warn, status);
	json_decref(o);
	strvec_clear(&warn);
	if (!res)
		return NULL;
	o = scale_of(t, res);
	json_decref(res);
	return o;
}
