/*
 * pkg/sim: metadata.managedFields, as the server keeps them for
 * server-side apply's bookkeeping: one entry per (manager, operation,
 * subresource) with the set of fields that writer last changed, in the
 * FieldsV1 form ("f:name" for a field, "k:{...}" for an item of a list
 * with a merge key, "v:..." for an item of a set, "." for a map or item
 * owned as a whole). A write gives its manager the fields it changed and
 * takes them from the others; fields that are gone leave every set.
 *
 * The merge keys come from pkg/merge's table for built-in kinds; lists of
 * custom resources are atomic. Ownership follows the changes, not the
 * applied configuration, for every operation (see kubesim(1), BUGS).
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/merge.h"
#include "pkg/sim/internal.h"

/* metadata fields the server sets or that name the object: never owned */
static const char *const unowned_meta[] = {
	"name", "namespace", "uid", "resourceVersion", "generation",
	"creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
	"managedFields", "selfLink", NULL,
};

static int unowned(const char *path, const char *key)
{
	if (!strcmp(path, "") &&
	    (!strcmp(key, "apiVersion") || !strcmp(key, "kind")))
		return 1;
	if (!strcmp(path, "/metadata"))
		for (size_t i = 0; unowned_meta[i]; i++)
			if (!strcmp(unowned_meta[i], key))
				return 1;
	return 0;
}

/* "." marks a map or a list item owned as a whole; the top-level
 * structs never get one (the finer cases of Go's pointer structs are not
 * followed) */
static int owns_whole(const char *path, const char *key, const json_t *v)
{
	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	return *path || (strcmp(key, "metadata") && strcmp(key, "spec") &&
			 strcmp(key, "status"));
}

static const char *merge_key_of(const struct merge_type *mt,
				const char *path, int *set)
{
	const char *strategy = NULL, *key = NULL;

	*set = 0;
	if (!mt || merge_type_field(mt, path, &strategy, &key) < 0)
		return NULL;
	if (!key && strategy && strstr(strategy, "merge"))
		*set = 1;
	return key;
}

static int atomic_list(const struct merge_type *mt, const char *path)
{
	int set;

	return !merge_key_of(mt, path, &set) && !set;
}

static char *item_key(const json_t *item, const char *key, int set)
{
	json_t *k;
	char *text, *out;

	if (set) {
		text = json_dumps(item, JSON_ENCODE_ANY | JSON_COMPACT);
		out = xasprintf("v:%s", text);
		free(text);
		return out;
	}
	if (!json_is_object(item) || !json_object_get(item, key))
		return NULL;
	k = json_object();
	json_object_set(k, key, json_object_get(item, key));
	text = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	out = xasprintf("k:%s", text);
	free(text);
	json_decref(k);
	return out;
}

static void fields_of(const struct merge_type *mt, const json_t *v,
		      const char *path, json_t *into);

/* the set of every field of v (at path) */
static void fields_of(const struct merge_type *mt, const json_t *v,
		      const char *path, json_t *into)
{
	const char *k;
	json_t *x;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			char *sub, *fk;
			json_t *node;

			if (unowned(path, k))
				continue;
			sub = xasprintf("%s/%s", path, k);
			fk = xasprintf("f:%s", k);
			node = json_object();
			if (owns_whole(path, k, x))
				json_object_set_new(node, ".", json_object());
			if (json_is_object(x) || json_is_array(x))
				fields_of(mt, x, sub, node);
			json_object_set_new(into, fk, node);
			free(sub);
			free(fk);
		}
		return;
	}
	if (json_is_array(v)) {
		int set;
		const char *key = merge_key_of(mt, path, &set);
		size_t i;

		if (!key && !set) {
			/* atomic: the list is one field */
			json_object_del(into, ".");
			return;
		}
		json_array_foreach(v, i, x) {
			char *ik = item_key(x, key, set);
			json_t *node = json_object();

			if (!ik) {
				json_decref(node);
				continue;
			}
			if (!set) {
				json_object_set_new(node, ".", json_object());
				fields_of(mt, x, path, node);
			}
			json_object_set_new(into, ik, node);
			free(ik);
		}
	}
}

/* the set of the fields of b that a write from a to b set or changed */
static void changed_fields(const struct merge_type *mt, const json_t *a,
			   const json_t *b, const char *path, json_t *into)
{
	const char *k;
	json_t *x;

	if (json_is_object(b) && json_is_object(a)) {
		json_object_foreach((json_t *)b, k, x) {
			json_t *old = json_object_get(a, k), *node;
			char *sub, *fk;

			if (unowned(path, k) || json_equal(old, x))
				continue;
			sub = xasprintf("%s/%s", path, k);
			fk = xasprintf("f:%s", k);
			node = json_object();
			if (!old) {
				if (owns_whole(path, k, x))
					json_object_set_new(node, ".",
							    json_object());
				fields_of(mt, x, sub, node);
			} else {
				changed_fields(mt, old, x, sub, node);
			}
			/* a struct whose changes are all unowned fields
			 * (metadata.resourceVersion) changes nothing */
			if (old && !json_object_size(node) &&
			    ((json_is_object(old) && json_is_object(x)) ||
			     (json_is_array(old) && json_is_array(x) &&
			      !atomic_list(mt, sub))))
				json_decref(node);
			else
				json_object_set_new(into, fk, node);
			free(sub);
			free(fk);
		}
		return;
	}
	if (json_is_array(b) && json_is_array(a)) {
		int set;
		const char *key = merge_key_of(mt, path, &set);
		size_t i, j;

		if (!key && !set)
			return; /* atomic: the field itself changed */
		json_array_foreach(b, i, x) {
			char *ik = item_key(x, key, set);
			const json_t *old = NULL, *y;
			json_t *node;

			if (!ik)
				continue;
			json_array_foreach(a, j, y) {
				char *ok = item_key(y, key, set);

				if (ok && !strcmp(ok, ik))
					old = y;
				free(ok);
			}
			if (old && json_equal(old, x)) {
				free(ik);
				continue;
			}
			node = json_object();
			if (!set) {
				if (!old)
					json_object_set_new(node, ".",
							    json_object());
				if (old)
					changed_fields(mt, old, x, path, node);
				else
					fields_of(mt, x, path, node);
			}
			json_object_set_new(into, ik, node);
			free(ik);
		}
		return;
	}
	/* a value of another type: the whole of it */
	if (json_is_object(b) || json_is_array(b)) {
		json_object_set_new(into, ".", json_object());
		fields_of(mt, b, path, into);
	}
}

/* a without what b holds (leaves of b remove whole subtrees of a) */
static void subtract(json_t *a, const json_t *b)
{
	const char *k;
	json_t *x, *tmp;

	json_object_foreach_safe(a, tmp, k, x) {
		json_t *bx = json_object_get(b, k);

		if (!bx)
			continue;
		if (!json_object_size(bx) || !strcmp(k, ".")) {
			json_object_del(a, k);
			continue;
		}
		subtract(x, bx);
		if (!json_object_size(x))
			json_object_del(a, k);
	}
}

/* keep only what still exists (in the set of all fields) */
static void intersect(json_t *a, const json_t *all)
{
	const char *k;
	json_t *x, *tmp;

	json_object_foreach_safe(a, tmp, k, x) {
		json_t *ax = json_object_get(all, k);

		if (!ax) {
			json_object_del(a, k);
			continue;
		}
		intersect(x, ax);
	}
}

static void merge_into(json_t *a, const json_t *b)
{
	const char *k;
	json_t *x;

	json_object_foreach((json_t *)b, k, x) {
		json_t *ax = json_object_get(a, k);

		if (!ax)
			json_object_set_new(a, k, json_deep_copy(x));
		else
			merge_into(ax, x);
	}
}

static json_t *entry(struct sim *s, const struct rtype *t, const char *mgr,
		     const char *op, const char *sub, json_t *fields)
{
	json_t *e = json_object();
	struct strbuf av = STRBUF_INIT, ts = STRBUF_INIT;

	(void)s;
	types_api_version(t, &av);
	util_timestamp(&ts);
	json_object_set_new(e, "manager", json_string(mgr));
	json_object_set_new(e, "operation", json_string(op));
	json_object_set_new(e, "apiVersion", json_string(av.buf));
	json_object_set_new(e, "time", json_string(ts.buf));
	json_object_set_new(e, "fieldsType", json_string("FieldsV1"));
	json_object_set_new(e, "fieldsV1", fields);
	if (sub && *sub)
		json_object_set_new(e, "subresource", json_string(sub));
	strbuf_release(&av);
	strbuf_release(&ts);
	return e;
}

/* Every "{}" leaf of a field set becomes one shared empty object: stored
 * objects are never changed in place, and the leaves are most of the
 * memory managedFields would take (a 50,000-object store holds 8 or more
 * per object). */
static void share_leaves(struct sim *s, json_t *fs)
{
	const char *k;
	json_t *x;

	json_object_foreach(fs, k, x) {
		if (!json_object_size(x)) {
			if (x != s->empty_leaf)
				json_object_set(fs, k, s->empty_leaf);
		} else {
			share_leaves(s, x);
		}
	}
}

/* Objects of one shape have the same field sets: keep one of each (up to
 * a bound, so unique shapes cannot grow the cache without end), and the
 * strings every entry repeats. */
#define SHARED_MAX 4096

static void share_fields(struct sim *s, json_t *e)
{
	static const char *const keys[] = { "manager", "operation",
					    "apiVersion", "fieldsType",
					    "subresource", NULL };
	json_t *fs = json_object_get(e, "fieldsV1"), *have;
	char *text;

	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(e, keys[i]);
		json_t *sv;

		if (!json_is_string(v))
			continue;
		sv = json_object_get(s->shared, json_string_value(v));
		if (!sv && json_object_size(s->shared) < SHARED_MAX)
			json_object_set(s->shared, json_string_value(v), v);
		else if (sv && sv != v)
			json_object_set(e, keys[i], sv);
	}
	text = json_dumps(fs, JSON_COMPACT | JSON_SORT_KEYS);
	have = json_object_get(s->shared, text);
	if (have) {
		json_object_set(e, "fieldsV1", have);
	} else {
		share_leaves(s, fs);
		if (json_object_size(s->shared) < SHARED_MAX)
			json_object_set(s->shared, text, fs);
	}
	free(text);
}

void managed_fields_update(struct sim *s, const struct rtype *t, json_t *obj,
			   const json_t *old, const char *manager,
			   const char *operation, const char *sub)
{
	const struct merge_type *mt =
		(t->flags & RT_CUSTOM)
			? NULL
			: merge_schema_lookup(merge_schema_builtin(), t->group,
					      t->kind);
	json_t *changed = json_object(), *all = json_object(), *list, *e;
	json_t *meta = jmeta(obj);
	size_t i;
	int found = 0;

	if (old)
		changed_fields(mt, old, obj, "", changed);
	else
		fields_of(mt, obj, "", changed);
	if (!json_object_size(changed)) {
		json_decref(changed);
		json_decref(all);
		/* nothing changed: the entries stay as they were */
		if (old && json_object_get(jpath(old, "metadata"),
					   "managedFields"))
			json_object_set(meta, "managedFields",
					jpath(old, "metadata.managedFields"));
		return;
	}
	fields_of(mt, obj, "", all);
	list = json_deep_copy(jpath(old, "metadata.managedFields"));
	if (!json_is_array(list)) {
		json_decref(list);
		list = json_array();
	}
	json_array_foreach(list, i, e) {
		const char *esub = jstr(e, "subresource");
		json_t *fs = json_object_get(e, "fieldsV1");

		if (!strcmp(jstr(e, "manager") ? jstr(e, "manager") : "",
			    manager) &&
		    !strcmp(jstr(e, "operation") ? jstr(e, "operation") : "",
			    operation) &&
		    !strcmp(esub ? esub : "", sub ? sub : "")) {
			struct strbuf ts = STRBUF_INIT;

			merge_into(fs, changed);
			intersect(fs, all);
			util_timestamp(&ts);
			json_object_set_new(e, "time", json_string(ts.buf));
			strbuf_release(&ts);
			found = 1;
		} else {
			subtract(fs, changed);
			intersect(fs, all);
		}
	}
	if (!found)
		json_array_append_new(list, entry(s, t, manager, operation, sub,
						  json_incref(changed)));
	/* entries that own nothing are dropped */
	for (i = json_array_size(list); i-- > 0;)
		if (!json_object_size(json_object_get(json_array_get(list, i),
						      "fieldsV1")))
			json_array_remove(list, i);
	json_array_foreach(list, i, e)
		share_fields(s, e);
	if (json_array_size(list))
		json_object_set_new(meta, "managedFields", list);
	else {
		json_decref(list);
		json_object_del(meta, "managedFields");
	}
	json_decref(changed);
	json_decref(all);
}
