/*
 * pkg/sim: deletion's controllers — namespaces and CRDs being deleted
 * empty themselves, and the garbage collector removes dependents whose
 * owners are gone (or deleting in the foreground).
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

int ctl_storage_type(const struct rtype *t)
{
	return !t->storage_version || !strcmp(t->storage_version, t->version);
}

void ctl_delete(struct sim *s, const struct rtype *t, const json_t *o)
{
	json_t *opts = json_object(), *r;
	int code;

	if (!jpath(o, "metadata.deletionTimestamp")) {
		r = write_delete(s, t, jstr(o, "metadata.namespace"),
				 jstr(o, "metadata.name"), opts, 0, &code);
		json_decref(r);
	}
	json_decref(opts);
}

static void remove_finalizer(struct sim *s, const struct rtype *t,
			     const json_t *obj, const char *f)
{
	json_t *o = json_deep_copy(obj), *fs = jpath(o, "metadata.finalizers");
	json_t *keep = json_array(), *v;
	size_t i;

	json_array_foreach(fs, i, v)
		if (strcmp(json_string_value(v) ? json_string_value(v) : "", f))
			json_array_append(keep, v);
	if (json_array_size(keep))
		json_object_set_new(jmeta(o), "finalizers", keep);
	else {
		json_decref(keep);
		json_object_del(jmeta(o), "finalizers");
	}
	write_controller(s, t, o);
}

void ctl_namespace_cleanup(struct sim *s, const struct rtype *nst,
			   const json_t *ns)
{
	const char *name = jstr(ns, "metadata.name");
	size_t left = 0;

	for (size_t i = 0; i < s->ntypes; i++) {
		const struct rtype *t = s->types[i];
		json_t *all, *o;
		size_t j;

		if (!t->namespaced || !ctl_storage_type(t))
			continue;
		all = store_list(s, t, name);
		json_array_foreach(all, j, o) {
			ctl_delete(s, t, o);
			left++;
		}
		json_decref(all);
	}
	if (!left) {
		json_t *o = json_deep_copy(ns);

		json_object_set_new(jobj(o, "spec"), "finalizers",
				    json_array());
		json_object_del(json_object_get(o, "spec"), "finalizers");
		write_controller(s, nst, o);
	}
}

void ctl_crd_cleanup(struct sim *s, const struct rtype *ct,
		     const json_t *crd)
{
	struct strbuf gr = STRBUF_INIT;
	json_t *bucket, *v;
	const char *k;

	strbuf_addf(&gr, "%s/%s", jstr(crd, "spec.group"),
		    jstr(crd, "spec.names.plural"));
	bucket = json_object_get(s->store, gr.buf);
	if (json_object_size(bucket)) {
		/* delete the custom resources, recording their events */
		const struct rtype *t = types_find_gr(s, gr.buf);
		json_t *copy = json_copy(bucket);

		json_object_foreach(copy, k, v) {
			if (t)
				store_remove(s, t,
					     jstr(v, "metadata.namespace"),
					     jstr(v, "metadata.name"));
			else
				json_object_del(bucket, k);
		}
		json_decref(copy);
	}
	store_drop_bucket(s, gr.buf);
	strbuf_release(&gr);
	remove_finalizer(s, ct, crd,
			 "customresourcecleanup.apiextensions.k8s.io");
}

static int has_finalizer(const json_t *o, const char *f)
{
	size_t i;
	json_t *v;

	json_array_foreach(jpath(o, "metadata.finalizers"), i, v)
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", f))
			return 1;
	return 0;
}

struct gc_item {
	const struct rtype *t;
	json_t *obj; /* a reference */
	char *sortkey;
};

struct gc_list {
	struct gc_item *v;
	size_t nr, alloc;
};

static void gc_push(struct gc_list *l, const struct rtype *t, json_t *o,
		    const char *gr, const char *key)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr].t = t;
	l->v[l->nr].obj = json_incref(o);
	l->v[l->nr].sortkey = xasprintf("%s %s", gr, key);
	l->nr++;
}

static int gc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gc_item *)a)->sortkey,
		      ((const struct gc_item *)b)->sortkey);
}

static void gc_clear(struct gc_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		json_decref(l->v[i].obj);
		free(l->v[i].sortkey);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* One unsorted pass over every bucket (cheap with many objects): the uids
 * that exist, the objects that have owners, the owners deleting in the
 * foreground. Only those few are sorted, for a deterministic order. */
static void gc_scan(struct sim *s, json_t *uids, struct gc_list *deps,
		    struct gc_list *fg)
{
	struct strbuf gr = STRBUF_INIT;

	for (size_t i = 0; i < s->ntypes; i++) {
		const struct rtype *t = s->types[i];
		json_t *bucket, *o;
		const char *k;

		if (!ctl_storage_type(t))
			continue;
		strbuf_reset(&gr);
		types_gr(t, &gr);
		bucket = json_object_get(s->store, gr.buf);
		json_object_foreach(bucket, k, o) {
			const char *uid = jstr(o, "metadata.uid");

			if (uid)
				json_object_set_new(uids, uid, json_true());
			if (json_array_size(jpath(o, "metadata.ownerReferences")))
				gc_push(deps, t, o, gr.buf, k);
			if (fg && jpath(o, "metadata.deletionTimestamp") &&
			    has_finalizer(o, "foregroundDeletion"))
				gc_push(fg, t, o, gr.buf, k);
		}
	}
	strbuf_release(&gr);
	if (deps->nr)
		qsort(deps->v, deps->nr, sizeof(*deps->v), gc_cmp);
	if (fg && fg->nr)
		qsort(fg->v, fg->nr, sizeof(*fg->v), gc_cmp);
}

void ctl_garbage_collect(struct sim *s)
{
	json_t *uids, *fgset, *waiting;
	struct gc_list deps = { 0 }, fg = { 0 };

	/* its decisions depend on nothing else: the same store gives the
	 * same (empty) answer, and scanning every object each tick is what
	 * an idle kubesim spent its time on. Its own deletes make it run
	 * again, for the next level of a cascade. */
	if (s->gc_clean)
		return;
	s->gc_clean = 1;
	uids = json_object();
	fgset = json_object();

	gc_scan(s, uids, &deps, &fg);
	for (size_t i = 0; i < fg.nr; i++)
		json_object_set_new(fgset, jstr(fg.v[i].obj, "metadata.uid"),
				    json_true());
	/* dependents whose owners are all gone, or deleting in the
	 * foreground, go */
	for (size_t i = 0; i < deps.nr; i++) {
		json_t *r;
		size_t k, alive = 0, doomed = 0;

		json_array_foreach(jpath(deps.v[i].obj,
					 "metadata.ownerReferences"), k, r) {
			const char *uid = jstr(r, "uid");

			alive += uid && json_object_get(uids, uid);
			doomed += uid && json_object_get(fgset, uid);
		}
		if (!alive || doomed)
			ctl_delete(s, deps.v[i].t, deps.v[i].obj);
	}
	gc_clear(&deps);
	json_decref(uids);
	/* an owner deleting in the foreground goes once nothing that still
	 * exists names it */
	uids = json_object();
	gc_scan(s, uids, &deps, NULL);
	waiting = json_object();
	for (size_t i = 0; i < deps.nr; i++) {
		json_t *r;
		size_t k;

		json_array_foreach(jpath(deps.v[i].obj,
					 "metadata.ownerReferences"), k, r)
			if (jstr(r, "uid"))
				json_object_set_new(waiting, jstr(r, "uid"),
						    json_true());
	}
	for (size_t i = 0; i < fg.nr; i++) {
		const char *uid = jstr(fg.v[i].obj, "metadata.uid");

		const json_t *cur = store_get(
			s, fg.v[i].t, jstr(fg.v[i].obj, "metadata.namespace"),
			jstr(fg.v[i].obj, "metadata.name"));

		if (cur && !json_object_get(waiting, uid))
			remove_finalizer(s, fg.v[i].t, cur,
					 "foregroundDeletion");
	}
	gc_clear(&deps);
	gc_clear(&fg);
	json_decref(uids);
	json_decref(fgset);
	json_decref(waiting);
}
