/*
 * The patch `kubectl apply` sends: CreateThreeWayMergePatch of
 * k8s.io/apimachinery strategicpatch, rule by rule, for kinds with a
 * schema, and CreateThreeWayJSONMergePatch for the others (custom
 * resources).
 *
 * A strategic three-way patch is two diffs merged:
 *   changes   = diff(live -> desired), additions and changes only;
 *   deletions = diff(last-applied -> desired), deletions only;
 * so a field only the server or another client set (in live, never in
 * last) is left alone, and a field the user removed from the file is
 * deleted. Both diffs carry "$setElementOrder" so that lists end up in the
 * file's order, and "$retainKeys" for retainKeys fields.
 *
 * Numbers compare by value (1 and 1.0 are equal), so that a file and the
 * server's echo of it never differ by number formatting alone.
 */
#include <stdarg.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/internal.h"

struct diff_opts {
	unsigned set_element_order : 1;  /* send $setElementOrder lists */
	unsigned ignore_changes : 1;     /* record deletions only */
	unsigned ignore_deletions : 1;   /* record additions and changes only */
	unsigned build_retain_keys : 1;  /* this map is a retainKeys field */
};

struct diff {
	struct strbuf path;
	struct gerr *err;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct diff *d, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	gerr_setc(d->err, GERR_INPUT, "three-way merge at %s: %s",
		  mpath_show(&d->path), msg.buf);
	strbuf_release(&msg);
	return -1;
}

/* A list's items, with where each was in the list and the text they
 * sort by. */
struct entry {
	json_t *v;
	size_t index;
	char *text;
};

struct entries {
	struct entry *v;
	size_t nr, alloc;
};

static void entries_from(struct entries *e, const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		ALLOC_GROW(e->v, e->nr + 1, e->alloc);
		e->v[e->nr++] = (struct entry){ json_array_get(list, i), i, NULL };
	}
}

static void entries_clear(struct entries *e)
{
	for (size_t i = 0; i < e->nr; i++)
		free(e->v[i].text);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* The text a list item (or its merge key's value) sorts by: Go's "%v". */
static void sort_text(struct strbuf *sb, const json_t *item, const char *key)
{
	strbuf_reset(sb);
	if (!key) {
		mv_format(sb, item);
		return;
	}
	json_t *k = json_object_get(item, key);
	if (k)
		mv_format(sb, k);
	else
		strbuf_addstr(sb, "<nil>");
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->text, y->text);
	/* items that sort equal keep their order */
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Sort by that text. */
static void sort_entries(struct entries *e, const char *key)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < e->nr; i++) {
		sort_text(&sb, e->v[i].v, key);
		free(e->v[i].text);
		e->v[i].text = xstrdup(sb.buf);
	}
	qsort(e->v, e->nr, sizeof(*e->v), entry_cmp);
	strbuf_release(&sb);
}

static int class_of_lists(struct diff *d, const json_t *a, const json_t *b,
			  enum mv_class *out)
{
	const json_t *lists[2] = { a, b };
	int found = 0;

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < json_array_size(lists[l]); i++) {
			enum mv_class c = mv_class(json_array_get(lists[l], i));
			if (!found && c == MV_ARRAY)
				return fail(d, "lists of lists are not supported");
			if (found && c != *out)
				return fail(d, "the items of the list are not all of one type (%s and %s)",
					    mv_class_name(*out), mv_class_name(c));
			*out = c;
			found = 1;
		}
	return 0;
}

static int need_key(struct diff *d, const json_t *item, const char *key)
{
	if (!json_object_get(item, key))
		return fail(d, "a list item has no merge key \"%s\"", key);
	return 0;
}

static json_t *diff_maps(struct diff *d, const json_t *o, const json_t *m,
			 const struct merge_type *t, struct diff_opts opts);

/*
 * Lists of scalars with the merge strategy are sets: the additions, and
 * the deletions kubectl sends as "$deleteFromPrimitiveList/<field>".
 */
static void diff_scalars(const json_t *o, const json_t *m,
			 struct diff_opts opts, json_t *add, json_t *del)
{
	struct entries os = { 0 }, ms = { 0 };
	size_t i = 0, j = 0;

	entries_from(&os, o);
	entries_from(&ms, m);
	sort_entries(&os, NULL);
	sort_entries(&ms, NULL);
	while (i < os.nr || j < ms.nr) {
		int c;
		if (i < os.nr && j < ms.nr) {
			c = strcmp(os.v[i].text, ms.v[j].text);
		} else {
			c = i < os.nr ? -1 : 1;
		}
		if (c == 0) {
			i++;
			j++;
		} else if (c > 0) {
			if (!opts.ignore_changes)
				json_array_append(add, ms.v[j].v);
			j++;
		} else {
			if (!opts.ignore_deletions)
				json_array_append(del, os.v[i].v);
			i++;
		}
	}
	mv_dedupe_scalars(del);
	entries_clear(&os);
	entries_clear(&ms);
}

/*
 * Lists of maps merge by key: a changed item becomes its own diff plus its
 * merge key, a new item goes whole, a removed one becomes
 * {key: value, "$patch": "delete"}.
 */
static int diff_map_items(struct diff *d, const json_t *o, const json_t *m,
			  const struct merge_type *t, const char *key,
			  struct diff_opts opts, json_t *patch, json_t *dels)
{
	struct entries os = { 0 }, ms = { 0 };
	size_t i = 0, j = 0;
	int rc = 0;

	entries_from(&os, o);
	entries_from(&ms, m);
	sort_entries(&os, key);
	sort_entries(&ms, key);
	while (!rc && (i < os.nr || j < ms.nr)) {
		int c;
		if ((i < os.nr && need_key(d, os.v[i].v, key) < 0) ||
		    (j < ms.nr && need_key(d, ms.v[j].v, key) < 0)) {
			rc = -1;
			break;
		}
		if (i < os.nr && j < ms.nr) {
			c = strcmp(os.v[i].text, ms.v[j].text);
		} else {
			c = i < os.nr ? -1 : 1;
		}
		if (c == 0) {
			size_t len = mpath_push_index(&d->path, ms.v[j].index);
			json_t *sub = diff_maps(d, os.v[i].v, ms.v[j].v, t, opts);
			mpath_pop(&d->path, len);
			if (!sub) {
				rc = -1;
				break;
			}
			if (json_object_size(sub)) {
				json_object_set(sub, key,
						json_object_get(ms.v[j].v, key));
				json_array_append(patch, sub);
			}
			json_decref(sub);
			i++;
			j++;
		} else if (c > 0) {
			if (!opts.ignore_changes)
				json_array_append(patch, ms.v[j].v);
			j++;
		} else {
			if (!opts.ignore_deletions)
				json_array_append_new(
					dels, json_pack("{s:O,s:s}", key,
							json_object_get(os.v[i].v, key),
							"$patch", "delete"));
			i++;
		}
	}
	entries_clear(&os);
	entries_clear(&ms);
	return rc;
}

/* Put the items of list in the order they have in `order` (stably). */
static json_t *in_order_of(const json_t *list, const json_t *order,
			   const char *key)
{
	struct entries e = { 0 };
	json_t *out = json_array();

	entries_from(&e, list);
	for (size_t k = 0; k < json_array_size(order); k++) {
		const json_t *want = json_array_get(order, k);
		for (size_t i = 0; i < e.nr; i++) {
			json_t *v = e.v[i].v;
			if (!v)
				continue;
			int same = key ? merge_json_equal(json_object_get(v, key),
							  json_object_get(want, key)) :
					 merge_json_equal(v, want);
			if (same) {
				json_array_append(out, v);
				e.v[i].v = NULL;
			}
		}
	}
	for (size_t i = 0; i < e.nr; i++)
		if (e.v[i].v)
			json_array_append(out, e.v[i].v);
	entries_clear(&e);
	return out;
}

static int same_order(const json_t *o, const json_t *m, const char *key)
{
	if (json_array_size(o) != json_array_size(m))
		return 0;
	for (size_t i = 0; i < json_array_size(o); i++)
		if (!merge_json_equal(json_object_get(json_array_get(o, i), key),
				      json_object_get(json_array_get(m, i), key)))
			return 0;
	return 1;
}

/* Scalars sorted by their text: the API machinery sorts the original list
 * in place before deciding whether the order changed, so an unsorted but
 * unchanged list still sends its order. */
static json_t *sorted_scalars(const json_t *list)
{
	struct entries e = { 0 };
	entries_from(&e, list);
	sort_entries(&e, NULL);
	json_t *out = json_array();
	for (size_t i = 0; i < e.nr; i++)
		json_array_append(out, e.v[i].v);
	entries_clear(&e);
	return out;
}

/* The three lists a merging list contributes to the patch. */
struct list_diff {
	json_t *add, *del, *order;
};

static int diff_lists(struct diff *d, const json_t *o, const json_t *m,
		      const struct merge_field *f, struct diff_opts opts,
		      struct list_diff *ld)
{
	enum mv_class cls = MV_NULL;

	if (!json_array_size(o)) {
		if (json_array_size(m) && !opts.ignore_changes)
			ld->add = json_incref((json_t *)m);
		return 0;
	}
	if (class_of_lists(d, o, m, &cls) < 0)
		return -1;
	if (cls == MV_OBJECT) {
		const char *key = f->merge_key;
		if (!key)
			return fail(d, "a list of objects cannot be merged without a merge key");
		json_t *patch = json_array(), *dels = json_array();
		if (diff_map_items(d, o, m, f->type, key, opts, patch, dels) < 0) {
			json_decref(patch);
			json_decref(dels);
			return -1;
		}
		ld->add = in_order_of(patch, m, key);
		json_decref(patch);
		json_array_extend(ld->add, dels);
		json_decref(dels);
		size_t n = json_array_size(ld->add);
		if (opts.set_element_order &&
		    ((!opts.ignore_changes && (n || !same_order(o, m, key))) ||
		     (!opts.ignore_deletions && n))) {
			ld->order = json_array();
			for (size_t i = 0; i < json_array_size(m); i++)
				json_array_append_new(ld->order, json_pack(
					"{s:O}", key,
					json_object_get(json_array_get(m, i), key)));
		}
		return 0;
	}
	json_t *add = json_array();
	ld->del = json_array();
	diff_scalars(o, m, opts, add, ld->del);
	ld->add = in_order_of(add, m, NULL);
	json_decref(add);
	json_t *sorted = sorted_scalars(o);
	if (opts.set_element_order &&
	    ((!opts.ignore_deletions && json_array_size(ld->del)) ||
	     (!opts.ignore_changes && !merge_json_equal(sorted, m))))
		ld->order = json_incref((json_t *)m);
	json_decref(sorted);
	return 0;
}

static void set_if_nonempty(json_t *patch, const char *prefix,
			    const char *key, json_t *list)
{
	if (json_array_size(list)) {
		char *k = prefix ? xasprintf("%s/%s", prefix, key) : xstrdup(key);
		json_object_set(patch, k, list);
		free(k);
	}
}

static int diff_member(struct diff *d, const char *key, const json_t *ov,
		       const json_t *mv, const struct merge_type *t,
		       struct diff_opts opts, json_t *patch)
{
	const struct merge_field *f = merge_find_field(t, key);

	if (mv_class(ov) != mv_class(mv)) {
		if (!opts.ignore_changes)
			json_object_set(patch, key, (json_t *)mv);
		return 0;
	}
	if (json_is_object(ov)) {
		opts.build_retain_keys = f && f->retain;
		if (f && f->replace) {
			/* replaced whole: sent as it is, changed or not */
			if (!opts.ignore_changes)
				json_object_set(patch, key, (json_t *)mv);
			return 0;
		}
		json_t *sub = diff_maps(d, ov, mv, f ? f->type : NULL, opts);
		if (!sub)
			return -1;
		if (json_object_size(sub))
			json_object_set(patch, key, sub);
		json_decref(sub);
		return 0;
	}
	if (json_is_array(ov) && f && f->merge) {
		struct list_diff ld = { NULL, NULL, NULL };
		opts.build_retain_keys = f->retain;
		int rc = diff_lists(d, ov, mv, f, opts, &ld);
		if (rc == 0) {
			set_if_nonempty(patch, NULL, key, ld.add);
			set_if_nonempty(patch, "$deleteFromPrimitiveList", key,
					ld.del);
			set_if_nonempty(patch, "$setElementOrder", key, ld.order);
		}
		json_decref(ld.add);
		json_decref(ld.del);
		json_decref(ld.order);
		return rc;
	}
	if (!opts.ignore_changes && !merge_json_equal(ov, mv))
		json_object_set(patch, key, (json_t *)mv);
	return 0;
}

/* Does o hold a non-null field m has not? */
static int has_extra_field(const json_t *o, const json_t *m)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
		if (!json_is_null(v) && !json_object_get(m, k))
			return 1;
	return 0;
}

static int text_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The diff of two maps; a new object, or NULL with the error set. */
static json_t *diff_maps(struct diff *d, const json_t *o, const json_t *m,
			 const struct merge_type *t, struct diff_opts opts)
{
	json_t *patch = json_object();
	struct strvec retain = STRVEC_INIT;
	const char *key;
	json_t *mv;

	json_object_foreach((json_t *)m, key, mv) {
		json_t *ov = json_object_get(o, key);
		if (opts.build_retain_keys && !json_is_null(mv))
			strvec_push(&retain, key);
		if (!ov) {
			if (!opts.ignore_changes)
				json_object_set(patch, key, mv);
			continue;
		}
		size_t len = mpath_push(&d->path, key);
		int rc = 0;
		if (!strcmp(key, "$patch")) {
			if (!json_is_string(ov) || !json_is_string(mv))
				rc = fail(d, "\"$patch\" must be a string");
			else if (strcmp(json_string_value(ov), json_string_value(mv)))
				json_object_set(patch, key, mv);
		} else {
			rc = diff_member(d, key, ov, mv, t, opts, patch);
		}
		mpath_pop(&d->path, len);
		if (rc < 0) {
			json_decref(patch);
			strvec_clear(&retain);
			return NULL;
		}
	}
	if (!opts.ignore_deletions) {
		json_t *ov;
		json_object_foreach((json_t *)o, key, ov)
			if (!json_object_get(m, key))
				json_object_set_new(patch, key, json_null());
	}
	if (retain.nr && (json_object_size(patch) || has_extra_field(o, m))) {
		json_t *list = json_array();
		qsort(retain.v, retain.nr, sizeof(*retain.v), text_cmp);
		for (size_t i = 0; i < retain.nr; i++)
			json_array_append_new(list, json_string(retain.v[i]));
		json_object_set_new(patch, "$retainKeys", list);
	}
	strvec_clear(&retain);
	return patch;
}

/* kubectl's CreateThreeWayJSONMergePatch: what custom resources get. */
static json_t *json_three_way(const json_t *last, const json_t *desired,
			      const json_t *live)
{
	json_t *changes = mp_create(live, desired);
	json_t *deletions = mp_create(last, desired);
	json_t *add = mp_filter_nulls(changes, 0);
	json_t *del = mp_filter_nulls(deletions, 1);
	/* The two never touch the same field: one holds only fields of
	 * desired, the other only fields desired lacks. */
	json_t *patch = merge_apply_merge_patch(del, add);
	json_decref(changes);
	json_decref(deletions);
	json_decref(add);
	json_decref(del);
	return patch;
}

json_t *merge_three_way_patch(const struct merge_type *t, const json_t *last,
			      const json_t *desired, const json_t *live,
			      struct gerr *err)
{
	static const struct smp_options merging = { 0, 0, 0 };
	const struct diff_opts changes = { .set_element_order = 1,
					   .ignore_deletions = 1 };
	const struct diff_opts deletions = { .set_element_order = 1,
					     .ignore_changes = 1 };
	struct diff d = { STRBUF_INIT, err };
	json_t *empty = json_object(), *patch = NULL;

	if (!json_is_object(desired) || (last && !json_is_object(last)) ||
	    (live && !json_is_object(live))) {
		gerr_setc(err, GERR_INPUT,
			  "three-way merge: the objects must be JSON objects");
		goto out;
	}
	if (!last)
		last = empty;
	if (!live)
		live = empty;
	if (!t) {
		patch = json_three_way(last, desired, live);
		goto out;
	}
	/* The diffs share values with what they compare, and merging them
	 * changes them: work on copies, which the patch may then share. */
	json_t *o = json_deep_copy(last), *m = json_deep_copy(desired);
	json_t *c = json_deep_copy(live);
	json_t *delta = diff_maps(&d, c, m, t, changes);
	json_t *dels = delta ? diff_maps(&d, o, m, t, deletions) : NULL;
	if (dels)
		patch = smp_merge_map(dels, delta, t, &merging,
				      "three-way merge", &d.path, err);
	json_decref(delta);
	json_decref(dels);
	json_decref(o);
	json_decref(m);
	json_decref(c);
out:
	json_decref(empty);
	strbuf_release(&d.path);
	return patch;
}
