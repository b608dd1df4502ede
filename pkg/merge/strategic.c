/*
 * Applying a strategic merge patch, as the API server does for
 * application/strategic-merge-patch+json (k8s.io/apimachinery
 * strategicpatch, whose behaviour this follows rule by rule; the comments
 * say what each rule is for).
 *
 * Everything here works on working copies: the caller deep-copies the
 * object and the patch, and these functions change both freely (the
 * patch loses the directives they consume).
 */
#include <stdarg.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/internal.h"
#include "pkg/yaml/yaml.h"

#define DIRECTIVE "$patch"
#define RETAIN_KEYS "$retainKeys"
#define DELETE_PRIMITIVE "$deleteFromPrimitiveList"
#define SET_ORDER "$setElementOrder"

struct smp {
	const struct smp_options *o;
	const char *doc;      /* "patch": the document errors point into */
	struct strbuf *path;  /* where in it we are */
	struct gerr *err;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct smp *s, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (s->path->len)
		gerr_setc(s->err, GERR_INPUT, "%s %s: %s", s->doc, s->path->buf,
			  msg.buf);
	else
		gerr_setc(s->err, GERR_INPUT, "%s: %s", s->doc, msg.buf);
	strbuf_release(&msg);
	return -1;
}

/* A value as it appears in a message: compact JSON, shortened. */
static const char *show(struct strbuf *sb, const json_t *v)
{
	strbuf_reset(sb);
	yaml_write_json(sb, v, 0);
	if (sb->len > 60) {
		strbuf_setlen(sb, 57);
		strbuf_addstr(sb, "...");
	}
	return sb->buf;
}

static int has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int is_string(const json_t *v, const char *s)
{
	return json_is_string(v) && !strcmp(json_string_value(v), s);
}

/* "$deleteFromPrimitiveList/finalizers" -> "finalizers", or NULL when the
 * key is not exactly the prefix, a slash and the field. */
static const char *directive_field(const char *key, const char *prefix)
{
	size_t n = strlen(prefix);
	return !strncmp(key, prefix, n) && key[n] == '/' ? key + n + 1 : NULL;
}

/* "$patch": "merge" where it is taken as "merge as usual" (kustomize). */
static int merge_directive_is_noop(const struct smp *s, const json_t *d)
{
	return is_string(d, "merge") && !s->o->refuse_merge_directive;
}

/* A patch value going where the object has nothing to merge it with
 * keeps no directive: a map holding "$patch" is dropped entirely (so
 * deleting what does not exist is a no-op), recursively. Returns a new
 * reference, or NULL when the value itself goes. */
static json_t *without_directives(const struct smp *s, json_t *v)
{
	const char *k;
	json_t *child, *nv;
	void *tmp;

	if (json_is_object(v)) {
		json_t *d = json_object_get(v, DIRECTIVE);
		if (d && merge_directive_is_noop(s, d))
			json_object_del(v, DIRECTIVE);
		else if (d)
			return NULL;
		json_object_foreach_safe(v, tmp, k, child) {
			nv = without_directives(s, child);
			if (!nv)
				json_object_del(v, k);
			else
				json_object_set_new(v, k, nv);
		}
		return json_incref(v);
	}
	if (json_is_array(v)) {
		json_t *out = json_array();
		size_t i;
		json_array_foreach(v, i, child)
			if ((nv = without_directives(s, child)))
				json_array_append_new(out, nv);
		return out;
	}
	return json_incref(v);
}

/* The server drops nulls inside a value it adds: they have nothing to
 * delete. */
static void discard_nulls(json_t *v)
{
	const char *k;
	json_t *child;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, child) {
			if (json_is_null(child))
				json_object_del(v, k);
			else
				discard_nulls(child);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			discard_nulls(child);
	}
}

/* Put a patch value where the object has no value of the same class. */
static void take_patch_value(struct smp *s, json_t *obj, const char *key,
			     json_t *pv)
{
	if (s->o->ignore_unmatched_nulls)
		discard_nulls(pv);
	json_t *v = without_directives(s, pv);
	if (v)
		json_object_set_new(obj, key, v);
	else
		json_object_del(obj, key);
}

/* --- lists --------------------------------------------------------------- */

/* A growable array of borrowed json_t pointers. */
struct items {
	json_t **v;
	size_t nr, alloc;
};

static void items_add(struct items *l, json_t *v)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr++] = v;
}

static void items_from(struct items *l, const json_t *arr)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		items_add(l, json_array_get(arr, i));
}

/* The class all items of two lists share (the API machinery wants lists
 * of one type of value, never lists of lists). */
static int element_class(struct smp *s, const json_t *a, const json_t *b,
			 enum mv_class *out)
{
	const json_t *lists[2] = { a, b };
	int found = 0;

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < json_array_size(lists[l]); i++) {
			enum mv_class c = mv_class(json_array_get(lists[l], i));
			if (!found && c == MV_ARRAY)
				return fail(s, "lists of lists are not supported");
			if (found && c != *out)
				return fail(s, "the items of the list are not all of one type (%s and %s)",
					    mv_class_name(*out), mv_class_name(c));
			*out = c;
			found = 1;
		}
	if (!found)
		return fail(s, "no items in the list to order");
	return 0;
}

/* The merge key's value of an item; NULL when it has none. */
static json_t *key_of(const json_t *item, const char *key)
{
	return json_is_object(item) ? json_object_get(item, key) : NULL;
}

/* (Items are never quoted in messages: they may hold secret values.) */
static int need_key(struct smp *s, const json_t *item, const char *key)
{
	if (!json_is_object(item))
		return fail(s, "a list item is not an object, but the list merges by \"%s\"",
			    key);
	if (!json_object_get(item, key))
		return fail(s, "a list item has no merge key \"%s\"", key);
	return 0;
}

/* Where v is in list: by merge key for objects, by value otherwise. */
static long index_of(const struct items *list, const json_t *v,
		     const char *key, int objects)
{
	for (size_t i = 0; i < list->nr; i++) {
		if (objects) {
			json_t *a = key_of(v, key), *b = key_of(list->v[i], key);
			if ((!a && !b) || (a && b && merge_json_equal(a, b)))
				return (long)i;
		} else if (merge_json_equal(v, list->v[i])) {
			return (long)i;
		}
	}
	return -1;
}

/* Sort items by their place in `order`, stably; items of maps marked
 * "$patch: delete" go last. The comparison is the API machinery's: an
 * item missing from `order` counts as "less", which only matters for
 * patches whose order lists are inconsistent. */
static int normalize_slice_order(struct smp *s, struct items *items,
				 const struct items *order, const char *key,
				 int objects)
{
	struct items dels = { 0 };
	size_t n = 0;

	if (objects) {
		for (size_t i = 0; i < items->nr; i++)
			if (need_key(s, items->v[i], key) < 0)
				goto err;
		for (size_t i = 0; i < order->nr; i++)
			if (need_key(s, order->v[i], key) < 0)
				goto err;
		for (size_t i = 0; i < items->nr; i++) {
			if (is_string(json_object_get(items->v[i], DIRECTIVE),
				      "delete"))
				items_add(&dels, items->v[i]);
			else
				items->v[n++] = items->v[i];
		}
		items->nr = n;
	}
	long *at = xmalloc((items->nr + 1) * sizeof(*at));
	for (size_t i = 0; i < items->nr; i++)
		at[i] = index_of(order, items->v[i], key, objects);
	/* insertion sort, as Go's stable sort does for short lists */
	for (size_t i = 1; i < items->nr; i++)
		for (size_t j = i; j > 0; j--) {
			if (at[j] >= 0 && at[j - 1] >= 0 && at[j] >= at[j - 1])
				break;
			json_t *tmp = items->v[j];
			long ta = at[j];
			items->v[j] = items->v[j - 1];
			at[j] = at[j - 1];
			items->v[j - 1] = tmp;
			at[j - 1] = ta;
		}
	free(at);
	for (size_t i = 0; i < dels.nr; i++)
		items_add(items, dels.v[i]);
	free(dels.v);
	return 0;
err:
	free(dels.v);
	return -1;
}

/*
 * Interleave server-only items (`left`, in server order) into the patch's
 * items (`right`, in patch order): a server item goes before the next
 * patch item when the server had it earlier. Both keep their relative
 * order; the patch's order wins where they disagree.
 */
static json_t *merge_sorted(const struct items *left,
			    const struct items *right,
			    const struct items *server, const char *key,
			    int objects)
{
	json_t *out = json_array();
	size_t i = 0, j = 0;

	while (i < left->nr || j < right->nr) {
		int take_left;
		if (i >= left->nr) {
			take_left = 0;
		} else if (j >= right->nr) {
			take_left = 1;
		} else {
			long li = index_of(server, left->v[i], key, objects);
			long ri = index_of(server, right->v[j], key, objects);
			take_left = li >= 0 && ri >= 0 && li < ri;
		}
		json_array_append(out, take_left ? left->v[i++] : right->v[j++]);
	}
	return out;
}

/* Split merged into the items the patch (or order list) names and the
 * server-only ones, then order both and interleave them. */
static json_t *order_items(struct smp *s, const json_t *merged,
			   const json_t *patch_order, const json_t *server,
			   const char *key, int objects)
{
	struct items in_patch = { 0 }, server_only = { 0 };
	struct items porder = { 0 }, sorder = { 0 };
	json_t *out = NULL;

	items_from(&porder, patch_order);
	items_from(&sorder, server);
	if (objects && !key) {
		fail(s, "a list of objects without a merge key cannot be ordered");
		goto out;
	}
	for (size_t k = 0; key && k < porder.nr && json_array_size(merged); k++)
		if (!json_is_object(porder.v[k])) {
			fail(s, "a list item is not an object, but the list merges by \"%s\"",
			     key);
			goto out;
		}
	for (size_t i = 0; i < json_array_size(merged); i++) {
		json_t *v = json_array_get(merged, i);
		if (key && need_key(s, v, key) < 0)
			goto out;
		if (index_of(&porder, v, key, key != NULL) >= 0)
			items_add(&in_patch, v);
		else
			items_add(&server_only, v);
	}
	if (normalize_slice_order(s, &in_patch, &porder, key, objects) < 0 ||
	    normalize_slice_order(s, &server_only, &sorder, key, objects) < 0)
		goto out;
	out = merge_sorted(&server_only, &in_patch, &sorder, key, objects);
out:
	free(in_patch.v);
	free(server_only.v);
	free(porder.v);
	free(sorder.v);
	return out;
}

/* Union of two lists of scalars (its order is set afterwards). */
static json_t *union_scalars(const json_t *a, const json_t *b)
{
	json_t *out = json_copy((json_t *)a);
	json_array_extend(out, (json_t *)b);
	mv_dedupe_scalars(out);
	return out;
}

static json_t *delete_scalars(const json_t *from, const json_t *del)
{
	json_t *out = json_array();
	for (size_t i = 0; i < json_array_size(from); i++) {
		json_t *v = json_array_get(from, i);
		size_t j;
		for (j = 0; j < json_array_size(del); j++)
			if (merge_json_equal(v, json_array_get(del, j)))
				break;
		if (j == json_array_size(del))
			json_array_append(out, v);
	}
	return out;
}

/*
 * Items carrying "$patch" in a merging list: "delete" removes the items
 * with that merge key from the object's list, "replace" makes the list
 * the patch's other items and nothing else. The API server refuses
 * "merge" here.
 */
static int special_items(struct smp *s, json_t **orig, json_t **patch,
			 const char *key)
{
	json_t *plain = json_array();
	struct strbuf sb = STRBUF_INIT;
	int replace = 0;
	size_t i;
	json_t *v;

	json_array_foreach(*patch, i, v) {
		json_t *d = json_object_get(v, DIRECTIVE);
		size_t len = mpath_push_index(s->path, i);
		if (d && merge_directive_is_noop(s, d)) {
			json_object_del(v, DIRECTIVE);
			d = NULL;
		}
		if (!d) {
			json_array_append(plain, v);
		} else if (is_string(d, "delete")) {
			json_t *kv = json_object_get(v, key);
			if (!kv) {
				fail(s, "\"$patch\": \"delete\" needs the merge key \"%s\"",
				     key);
				goto err;
			}
			json_t *kept = json_array();
			json_t *item;
			size_t k;
			json_array_foreach(*orig, k, item) {
				json_t *ik = key_of(item, key);
				if (!ik || !merge_json_equal(ik, kv))
					json_array_append(kept, item);
			}
			json_decref(*orig);
			*orig = kept;
		} else if (is_string(d, "replace")) {
			replace = 1;
		} else {
			mpath_push(s->path, DIRECTIVE);
			fail(s, "unknown patch directive %s (in a list the API server accepts \"replace\" and \"delete\")",
			     show(&sb, d));
			goto err;
		}
		mpath_pop(s->path, len);
	}
	json_decref(*patch);
	if (replace) {
		json_decref(*orig);
		*orig = plain;
		*patch = json_array();
	} else {
		*patch = plain;
	}
	strbuf_release(&sb);
	return 0;
err:
	json_decref(plain);
	strbuf_release(&sb);
	return -1;
}

static json_t *merge_map(struct smp *s, json_t *orig, json_t *patch,
			 const struct merge_type *t);

/* Merge each patch item into the object's item with the same merge key,
 * or append it. Returns the new list (steals nothing). */
static json_t *merge_items(struct smp *s, const json_t *orig,
			   const json_t *patch, const char *key,
			   const struct merge_type *item_type)
{
	json_t *out = json_copy((json_t *)orig);
	size_t i;
	json_t *v;

	json_array_foreach(patch, i, v) {
		size_t len = mpath_push_index(s->path, i);
		json_t *kv = json_object_get(v, key);
		if (!kv) {
			need_key(s, v, key);
			json_decref(out);
			return NULL;
		}
		size_t k;
		json_t *item = NULL;
		for (k = 0; k < json_array_size(out); k++) {
			json_t *ik = key_of(json_array_get(out, k), key);
			if (ik && merge_json_equal(ik, kv)) {
				item = json_array_get(out, k);
				break;
			}
		}
		if (item) {
			json_t *m = merge_map(s, item, v, item_type);
			if (!m) {
				json_decref(out);
				return NULL;
			}
			json_array_set_new(out, k, m);
		} else {
			json_array_append(out, v);
		}
		mpath_pop(s->path, len);
	}
	return out;
}

/* Merge two lists of a field with the "merge" strategy. */
static json_t *merge_list(struct smp *s, json_t *orig, json_t *patch,
			  const struct merge_field *f, int delete_list)
{
	enum mv_class cls;
	json_t *merged = NULL, *out = NULL;
	const char *key = f->merge_key;

	if (!json_array_size(orig) && !json_array_size(patch))
		return json_incref(orig);
	if (element_class(s, orig, patch, &cls) < 0)
		return NULL;
	orig = json_incref(orig);
	patch = json_incref(patch);
	if (cls != MV_OBJECT) {
		if (s->o->merge_parallel_list && delete_list) {
			out = delete_scalars(orig, patch);
			goto done;
		}
		merged = union_scalars(orig, patch);
	} else {
		if (!key) {
			fail(s, "a list of objects cannot be merged without a merge key");
			goto done;
		}
		if (special_items(s, &orig, &patch, key) < 0)
			goto done;
		if (!(merged = merge_items(s, orig, patch, key, f->type)))
			goto done;
	}
	out = order_items(s, merged, patch, orig, key, cls == MV_OBJECT);
done:
	json_decref(merged);
	json_decref(orig);
	json_decref(patch);
	return out;
}

/* A list field: merged when its strategy says so, else replaced whole by
 * the patch's list, directives and all (as the server does). */
static json_t *merge_list_field(struct smp *s, json_t *orig, json_t *patch,
				const struct merge_field *f, int delete_list)
{
	if (!f || !f->merge)
		return json_incref(patch);
	return merge_list(s, orig, patch, f, delete_list);
}

/* --- directives in maps ------------------------------------------------ */

/* "$patch" in a map: "replace" makes the map the patch (taken as it is),
 * "delete" empties it. */
static json_t *map_directive(struct smp *s, const json_t *d, json_t *patch)
{
	struct strbuf sb = STRBUF_INIT;

	if (is_string(d, "replace")) {
		json_t *r = json_copy(patch);
		json_object_del(r, DIRECTIVE);
		return r;
	}
	if (is_string(d, "delete"))
		return json_object();
	size_t len = mpath_push(s->path, DIRECTIVE);
	fail(s, "unknown patch directive %s (in a map the API server accepts \"replace\" and \"delete\")",
	     show(&sb, d));
	mpath_pop(s->path, len);
	strbuf_release(&sb);
	return NULL;
}

static int in_list(const json_t *list, const char *s)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (is_string(json_array_get(list, i), s))
			return 1;
	return 0;
}

/*
 * "$retainKeys": the object keeps only the listed fields (how a patch
 * switches a Deployment's strategy to Recreate and drops rollingUpdate in
 * one go); every field the patch sets must be listed. Merging two patches
 * instead carries the list over.
 */
static int apply_retain_keys(struct smp *s, json_t *orig, json_t *patch)
{
	json_t *rk = json_object_get(patch, RETAIN_KEYS);
	const char *k;
	json_t *v;
	void *tmp;
	int rc = 0;

	if (!rk)
		return 0;
	json_incref(rk);
	json_object_del(patch, RETAIN_KEYS);
	size_t len = mpath_push(s->path, RETAIN_KEYS);
	if (!s->o->merge_parallel_list) {
		/* merging kubectl's two diffs: both built the list from the
		 * same desired object, so one copy stands for both */
		json_object_set(orig, RETAIN_KEYS, rk);
		goto out;
	}
	if (!json_is_array(rk)) {
		rc = fail(s, "must be a list of field names");
		goto out;
	}
	json_object_foreach(patch, k, v) {
		if (json_is_null(v) || has_prefix(k, DELETE_PRIMITIVE) ||
		    has_prefix(k, SET_ORDER) || in_list(rk, k))
			continue;
		rc = fail(s, "the patch sets \"%s\", which is not in the list", k);
		goto out;
	}
	json_object_foreach_safe(orig, tmp, k, v)
		if (!in_list(rk, k))
			json_object_del(orig, k);
out:
	mpath_pop(s->path, len);
	json_decref(rk);
	return rc;
}

/*
 * The object's list as the API server reads it, for its order, after it
 * merged the patch's list into it. Its code deletes items from that list
 * in place (the items after a deleted one move up; the last place keeps
 * its old item) and appends new items into the places so freed, then
 * reads the same storage, as long as the list was, as "the server's
 * order". So after a deletion, an item only the server has can come
 * before a new one. (kubectl patch --local shows it: live [n, a, b, d],
 * deleting a and adding c in the order [n, b, c] gives [n, b, d, c].)
 * Only merging lists of objects delete in place.
 */
static json_t *server_order_view(const json_t *olist, const json_t *plist,
				 const char *key)
{
	size_t len = json_array_size(olist), n = len;
	json_t **v = xmalloc((len + 1) * sizeof(*v));
	json_t *cur = json_array(), *view = json_array();
	int replace = 0;
	size_t i;
	json_t *p;

	for (i = 0; i < len; i++)
		v[i] = json_array_get(olist, i);
	json_array_foreach(plist, i, p) {
		json_t *d = json_object_get(p, DIRECTIVE), *kv = key_of(p, key);
		if (is_string(d, "replace"))
			replace = 1;
		if (!is_string(d, "delete") || !kv)
			continue;
		for (size_t k = 0; k < n;) {
			json_t *ik = key_of(v[k], key);
			if (ik && merge_json_equal(ik, kv)) {
				memmove(v + k, v + k + 1, (n - k - 1) * sizeof(*v));
				n--;
				k = 0;
			} else {
				k++;
			}
		}
	}
	for (i = 0; i < n; i++)
		json_array_append(cur, v[i]);
	json_array_foreach(replace ? NULL : plist, i, p) {
		if (json_object_get(p, DIRECTIVE))
			continue;
		size_t k;
		json_t *item;
		json_array_foreach(cur, k, item) {
			json_t *ik = key_of(item, key);
			if (ik && merge_json_equal(ik, key_of(p, key)))
				break;
		}
		if (k < json_array_size(cur))
			continue;
		if (json_array_size(cur) < len)
			v[json_array_size(cur)] = p;
		json_array_append(cur, p);
	}
	for (i = 0; i < len; i++)
		json_array_append(view, v[i]);
	json_decref(cur);
	free(v);
	return view;
}

/* The patch's items must appear in "$setElementOrder" in the same order
 * (items marked "$patch" aside). */
static int check_order(struct smp *s, const json_t *plist,
		       const json_t *order, const char *key)
{
	size_t pi = 0, si = 0;
	struct items items = { 0 };

	if (!json_array_size(order) || !json_array_size(plist))
		return 0;
	for (size_t i = 0; i < json_array_size(plist); i++) {
		json_t *v = json_array_get(plist, i);
		if (key && !json_is_object(v)) {
			free(items.v);
			return need_key(s, v, key);
		}
		if (!key || !is_string(json_object_get(v, DIRECTIVE), "delete"))
			items_add(&items, v);
	}
	while (pi < items.nr && si < json_array_size(order)) {
		json_t *v = items.v[pi], *o = json_array_get(order, si);
		if (json_object_get(v, DIRECTIVE)) {
			pi++;
			continue;
		}
		int eq;
		if (key) {
			if (need_key(s, v, key) < 0 || need_key(s, o, key) < 0) {
				free(items.v);
				return -1;
			}
			eq = merge_json_equal(json_object_get(v, key),
					      json_object_get(o, key));
		} else {
			eq = merge_json_equal(v, o);
		}
		if (eq)
			pi++;
		si++;
	}
	free(items.v);
	if (pi < items.nr)
		return fail(s, "the patch's items are not all in this list, or not in its order");
	return 0;
}

/*
 * "$setElementOrder/<field>": the order the list must end up in (what
 * `kubectl apply` sends so that the live list follows the file). Items
 * the list names go in its order; items only the server has keep their
 * place relative to them as far as possible.
 */
static int apply_one_order(struct smp *s, json_t *orig, json_t *patch,
			   const char *dkey, const struct merge_type *t)
{
	json_t *order = json_incref(json_object_get(patch, dkey));
	json_t *merged = NULL, *ordered;
	int rc = -1;

	if (!s->o->merge_parallel_list)
		json_object_set(orig, dkey, order); /* the same in both diffs */
	json_object_del(patch, dkey);
	const char *field = directive_field(dkey, SET_ORDER);
	if (!field) {
		fail(s, "\"%s\" is not \"%s/<field>\"", dkey, SET_ORDER);
		goto out;
	}
	if (!json_is_array(order)) {
		fail(s, "must be a list");
		goto out;
	}
	json_t *olist = json_object_get(orig, field);
	json_t *plist = json_object_get(patch, field);
	if ((olist && !json_is_array(olist)) || (plist && !json_is_array(plist))) {
		fail(s, "\"%s\" is not a list", field);
		goto out;
	}
	const struct merge_field *f = merge_find_field(t, field);
	const char *key = f ? f->merge_key : NULL;
	if (check_order(s, plist, order, key) < 0)
		goto out;
	if (!olist && !plist) {
		rc = 0;
		goto out;
	}
	if (olist && plist) {
		size_t len = mpath_push(s->path, field);
		merged = merge_list_field(s, olist, plist, f, 0);
		mpath_pop(s->path, len);
		if (!merged)
			goto out;
	} else {
		merged = json_incref(olist ? olist : plist);
	}
	enum mv_class cls;
	if (element_class(s, olist, plist, &cls) < 0)
		goto out;
	json_t *server = olist && plist && f && f->merge && cls == MV_OBJECT ?
				 server_order_view(olist, plist, key) :
				 json_incref(olist);
	ordered = order_items(s, merged, order, server, key, cls == MV_OBJECT);
	json_decref(server);
	if (!ordered)
		goto out;
	json_object_set_new(orig, field, ordered);
	json_object_del(patch, field);
	rc = 0;
out:
	json_decref(merged);
	json_decref(order);
	return rc;
}

static int apply_set_order(struct smp *s, json_t *orig, json_t *patch,
			   const struct merge_type *t)
{
	struct strvec keys = STRVEC_INIT;
	const char *k;
	json_t *v;
	int rc = 0;

	json_object_foreach(patch, k, v)
		if (has_prefix(k, SET_ORDER))
			strvec_push(&keys, k);
	for (size_t i = 0; i < keys.nr && !rc; i++) {
		size_t len = mpath_push(s->path, keys.v[i]);
		rc = apply_one_order(s, orig, patch, keys.v[i], t);
		mpath_pop(s->path, len);
	}
	strvec_clear(&keys);
	return rc;
}

/* --- maps ---------------------------------------------------------------- */

/* Merge one member of the patch into the object. */
static int merge_member(struct smp *s, json_t *orig, const char *k, json_t *pv,
			const struct merge_type *t)
{
	const char *key = k;
	int delete_list = 0;

	if (has_prefix(k, DELETE_PRIMITIVE)) {
		if (!s->o->merge_parallel_list) {
			/* merging patches: keep the directive for the server */
			json_object_set(orig, k, pv);
			return 0;
		}
		if (!(key = directive_field(k, DELETE_PRIMITIVE)))
			return fail(s, "\"%s\" is not \"%s/<field>\"", k,
				    DELETE_PRIMITIVE);
		delete_list = 1;
	}
	if (json_is_null(pv)) {
		json_object_del(orig, key);
		if (s->o->ignore_unmatched_nulls)
			return 0;
	}
	json_t *ov = json_object_get(orig, key);
	if (!ov || mv_class(ov) != mv_class(pv)) {
		/* a deletion list for a list the object does not have
		 * deletes nothing */
		if (!delete_list)
			take_patch_value(s, orig, key, pv);
		return 0;
	}
	const struct merge_field *f = merge_find_field(t, key);
	json_t *r;
	switch (mv_class(ov)) {
	case MV_OBJECT:
		if (f && f->replace)
			r = json_incref(pv);
		else
			r = merge_map(s, ov, pv, f ? f->type : NULL);
		break;
	case MV_ARRAY:
		r = merge_list_field(s, ov, pv, f, delete_list);
		break;
	default:
		r = json_incref(pv);
		break;
	}
	if (!r)
		return -1;
	json_object_set_new(orig, key, r);
	return 0;
}

static json_t *merge_map(struct smp *s, json_t *orig, json_t *patch,
			 const struct merge_type *t)
{
	json_t *d = json_object_get(patch, DIRECTIVE);
	const char *k;
	json_t *pv;

	if (d && merge_directive_is_noop(s, d))
		json_object_del(patch, DIRECTIVE);
	else if (d)
		return map_directive(s, d, patch);
	if (apply_retain_keys(s, orig, patch) < 0 ||
	    apply_set_order(s, orig, patch, t) < 0)
		return NULL;
	json_object_foreach(patch, k, pv) {
		size_t len = mpath_push(s->path, k);
		int rc = merge_member(s, orig, k, pv, t);
		mpath_pop(s->path, len);
		if (rc < 0)
			return NULL;
	}
	return json_incref(orig);
}

json_t *smp_merge_map(json_t *orig, json_t *patch, const struct merge_type *t,
		      const struct smp_options *o, const char *doc,
		      struct strbuf *path, struct gerr *err)
{
	struct smp s = { o, doc, path, err };
	return merge_map(&s, orig, patch, t);
}

json_t *merge_apply_strategic(const struct merge_type *t, const json_t *obj,
			      const json_t *patch, struct gerr *err)
{
	return merge_apply_strategic_flags(t, obj, patch, 0, err);
}

json_t *merge_apply_strategic_flags(const struct merge_type *t,
				    const json_t *obj, const json_t *patch,
				    unsigned flags, struct gerr *err)
{
	const struct smp_options server = {
		.merge_parallel_list = 1,
		.ignore_unmatched_nulls = 1,
		.refuse_merge_directive = !!(flags & MERGE_AS_SERVER),
	};
	struct strbuf path = STRBUF_INIT;

	if (!json_is_object(obj)) {
		gerr_setc(err, GERR_INPUT, "the object to patch is not a JSON object");
		return NULL;
	}
	if (!json_is_object(patch)) {
		gerr_setc(err, GERR_INPUT, "the patch is not a JSON object");
		return NULL;
	}
	if (!t)
		return merge_apply_merge_patch(obj, patch);
	json_t *work = json_deep_copy(obj), *p = json_deep_copy(patch);
	json_t *r = smp_merge_map(work, p, t, &server, "patch", &path, err);
	json_decref(work);
	json_decref(p);
	strbuf_release(&path);
	return r;
}
