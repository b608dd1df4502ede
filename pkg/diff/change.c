/* One object's change: normalise, three-way merge, compare, mask. */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/diff/internal.h"
#include "pkg/base/base64.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* Set by the API server; never part of what a plan compares. */
static const char *const server_metadata[] = {
	"creationTimestamp", "resourceVersion", "uid", "generation",
	"managedFields", "selfLink", "deletionTimestamp",
	"deletionGracePeriodSeconds", NULL,
};

/* Maps whose values are quantities: resources, quota, limit ranges,
 * capacity. */
static const char *const quantity_maps[] = {
	"requests", "limits", "hard", "used", "capacity", "allocatable",
	"overhead", "default", "defaultRequest", "max", "min",
	"maxLimitRequestRatio", NULL,
};

const char *diff_action_name(enum diff_action a)
{
	static const char *const names[] = { "unchanged", "create", "update",
					     "delete" };
	return names[a];
}

const char *diff_op_name(enum diff_op op)
{
	static const char *const names[] = { "add", "remove", "replace" };
	return names[op];
}

/* ------------------------------------------------------------------ */
/* Normalising                                                          */

/* The API server stores a Secret's stringData as data (base64), the
 * string winning over a data entry of the same key. */
static void fold_string_data(json_t *o)
{
	json_t *sd = json_object_get(o, "stringData");
	json_t *data = json_object_get(o, "data");
	const char *k;
	json_t *v;
	void *tmp;

	if (!json_is_object(sd))
		return;
	if (!data || json_is_null(data)) {
		data = json_object();
		json_object_set_new(o, "data", data);
	}
	if (!json_is_object(data))
		return;
	json_object_foreach_safe(sd, tmp, k, v) {
		struct strbuf b = STRBUF_INIT;
		if (!json_is_string(v))
			continue;
		base64_encode(&b, (const unsigned char *)json_string_value(v),
		       json_string_length(v));
		json_object_set_new(data, k, json_stringn(b.buf, b.len));
		strbuf_release(&b);
		json_object_del(sd, k);
	}
	if (!json_object_size(sd))
		json_object_del(o, "stringData");
}

/* desired and last as the server would store them, without what it sets.
 *
 * kubectl's desired object always has metadata.annotations (it holds the
 * new last-applied configuration), and its last-applied configurations
 * keep "annotations": {} once the annotation is taken out. So desired gets
 * an annotations map here, empty if need be: without it, a last one with
 * keys would make the patch null the whole map, every other client's
 * annotations with it, where kubectl nulls only the keys that went. */
static json_t *normalise(const json_t *obj, int secret, int is_desired)
{
	json_t *o = json_deep_copy(obj);
	json_t *md = json_object_get(o, "metadata");

	json_object_del(o, "status");
	if (json_is_object(md)) {
		for (size_t i = 0; server_metadata[i]; i++)
			json_object_del(md, server_metadata[i]);
		json_t *ann = json_object_get(md, "annotations");
		if (json_is_object(ann))
			json_object_del(ann, LAST_APPLIED);
		else if (is_desired && (!ann || json_is_null(ann)))
			json_object_set_new(md, "annotations", json_object());
	}
	if (secret)
		fold_string_data(o);
	return o;
}

/* ------------------------------------------------------------------ */
/* Walking live and result together                                     */

struct walk {
	const struct merge_type *t;
	const struct diff_patterns *sens;
	struct strbuf tpath;      /* keys only: for merge_type_field */
	struct strbuf ptr;        /* JSON pointer with list indices */
	char **segs;              /* unescaped segments of ptr */
	size_t *tlen, *plen;      /* lengths to restore on pop */
	size_t depth, alloc;
	struct diff_change *ch;   /* where changed paths go (may be NULL) */
	size_t paths_alloc;
};

static void push_seg(struct walk *w, const char *seg, int is_index)
{
	size_t had = w->alloc;

	ALLOC_GROW(w->segs, w->depth + 1, w->alloc);
	if (w->alloc != had) {
		w->tlen = xrealloc(w->tlen, w->alloc * sizeof(size_t));
		w->plen = xrealloc(w->plen, w->alloc * sizeof(size_t));
	}
	w->tlen[w->depth] = w->tpath.len;
	w->plen[w->depth] = w->ptr.len;
	w->segs[w->depth++] = xstrdup(seg);
	if (!is_index)
		ptr_append(&w->tpath, seg);
	ptr_append(&w->ptr, seg);
}

static void push_key(struct walk *w, const char *key)
{
	push_seg(w, key, 0);
}

static void push_index(struct walk *w, size_t i)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%zu", i);
	push_seg(w, buf, 1);
}

static void pop(struct walk *w)
{
	w->depth--;
	free(w->segs[w->depth]);
	strbuf_setlen(&w->tpath, w->tlen[w->depth]);
	strbuf_setlen(&w->ptr, w->plen[w->depth]);
}

static void walk_release(struct walk *w)
{
	while (w->depth)
		pop(w);
	free(w->segs);
	free(w->tlen);
	free(w->plen);
	strbuf_release(&w->tpath);
	strbuf_release(&w->ptr);
}

static int sensitive_here(const struct walk *w)
{
	for (size_t i = 0; w->sens && i < w->sens->nr; i++)
		if (pattern_match(w->sens->v[i], w->segs, w->depth))
			return 1;
	return 0;
}

/* The merge key of the list here, when the type merges it by key and
 * every item of the given lists (NULL skipped) is a map that has it. */
static const char *list_key(const struct walk *w, const json_t *l1,
			    const json_t *l2, const json_t *l3)
{
	const char *strategy = NULL, *key = NULL;
	const json_t *lists[] = { l1, l2, l3 };

	if (!w->t ||
	    merge_type_field(w->t, w->tpath.buf, &strategy, &key) < 0 ||
	    !key || !strategy || !strstr(strategy, "merge"))
		return NULL;
	for (int i = 0; i < 3; i++) {
		size_t j;
		const json_t *item;
		if (!json_is_array(lists[i]))
			continue;
		json_array_foreach(lists[i], j, item)
			if (!json_object_get(item, key))
				return NULL;
	}
	return key;
}

/* The index of the item of list whose key equals that of item, or -1. */
static long find_keyed(const json_t *list, const char *key,
		       const json_t *item)
{
	const json_t *want = json_object_get(item, key);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *x = json_array_get(list, i);
		if (merge_json_equal(json_object_get(x, key), want))
			return (long)i;
	}
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of up to two maps, sorted, without repeats; free the array
 * (not the strings, which the maps own). */
static const char **sorted_keys(const json_t *m1, const json_t *m2,
				size_t *n)
{
	size_t cap = json_object_size(m1) + json_object_size(m2), nr = 0;
	const char **keys = xmalloc((cap + 1) * sizeof(*keys));
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)m1, k, v)
		keys[nr++] = k;
	json_object_foreach((json_t *)m2, k, v)
		if (!json_object_get(m1, k))
			keys[nr++] = k;
	qsort(keys, nr, sizeof(*keys), cmp_str);
	*n = nr;
	return keys;
}

/* null, "", {} and []: what the API server leaves out of a stored
 * object, so absent on the other side is no change. */
static int is_empty(const json_t *v)
{
	return !v || json_is_null(v) ||
	       (json_is_string(v) && !json_string_length(v)) ||
	       (json_is_object(v) && !json_object_size(v)) ||
	       (json_is_array(v) && !json_array_size(v));
}

/* A map or list that only looks empty because what it holds is not
 * gantry's (another client's annotations) shows as nothing rather than
 * as {}, which would claim it becomes empty. */
static void hide_cut_empty(json_t **shown, const json_t *raw)
{
	if (*shown && is_empty(*shown) && !is_empty(raw)) {
		json_decref(*shown);
		*shown = NULL;
	}
}

/* x cut down to the shape s (NULL: whole), keys sorted, sensitive values
 * masked: what the YAML of one side shows. */
static json_t *project_mask(struct walk *w, const json_t *x, const json_t *s)
{
	if (sensitive_here(w))
		return json_string(DIFF_SENSITIVE);
	if (json_is_object(x)) {
		size_t n;
		const char **keys = sorted_keys(x, NULL, &n);
		json_t *out = json_object();
		int filter = json_is_object(s);
		for (size_t i = 0; i < n; i++) {
			const json_t *xi = json_object_get(x, keys[i]);
			json_t *c;
			if (filter && !json_object_get(s, keys[i]))
				continue;
			push_key(w, keys[i]);
			c = project_mask(w, xi,
					 filter ? json_object_get(s, keys[i])
						: NULL);
			pop(w);
			hide_cut_empty(&c, xi);
			if (c)
				json_object_set_new(out, keys[i], c);
		}
		free(keys);
		return out;
	}
	if (json_is_array(x)) {
		const json_t *sl = json_is_array(s) ? s : NULL;
		const char *key = sl ? list_key(w, x, sl, NULL) : NULL;
		json_t *out = json_array();
		for (size_t i = 0; i < json_array_size(x); i++) {
			const json_t *xi = json_array_get(x, i), *si = NULL;
			if (key) {
				long j = find_keyed(sl, key, xi);
				if (j < 0)
					continue; /* another client's item */
				si = json_array_get(sl, (size_t)j);
			} else if (sl) {
				si = json_array_get(sl, i);
			}
			push_index(w, i);
			json_array_append_new(out, project_mask(w, xi, si));
			pop(w);
		}
		return out;
	}
	return json_incref((json_t *)x);
}

/* desired and last together: the fields gantry manages. */
static json_t *shape_union(struct walk *w, const json_t *d, const json_t *l)
{
	if (!d)
		return json_incref((json_t *)l);
	if (!l)
		return json_incref((json_t *)d);
	if (json_is_object(d) && json_is_object(l)) {
		json_t *out = json_object();
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)d, k, v) {
			push_key(w, k);
			json_object_set_new(
				out, k, shape_union(w, v, json_object_get(l, k)));
			pop(w);
		}
		json_object_foreach((json_t *)l, k, v)
			if (!json_object_get(d, k))
				json_object_set(out, k, v);
		return out;
	}
	if (json_is_array(d) && json_is_array(l)) {
		const char *key = list_key(w, d, l, NULL);
		json_t *out = json_array();
		size_t nd = json_array_size(d), nl = json_array_size(l);
		for (size_t i = 0; i < nd; i++) {
			const json_t *di = json_array_get(d, i), *li;
			if (key) {
				long j = find_keyed(l, key, di);
				li = j < 0 ? NULL : json_array_get(l, (size_t)j);
			} else {
				li = json_array_get(l, i);
			}
			push_index(w, i);
			json_array_append_new(out, shape_union(w, di, li));
			pop(w);
		}
		for (size_t j = key ? 0 : nd; j < nl; j++) {
			const json_t *lj = json_array_get(l, j);
			if (!key || find_keyed(d, key, lj) < 0)
				json_array_append(out, (json_t *)lj);
		}
		return out;
	}
	return json_incref((json_t *)d);
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static int values_equal(const struct walk *w, const json_t *b,
			const json_t *a)
{
	if (merge_json_equal(b, a))
		return 1;
	/* a quantity: a value in a map of them, or an emptyDir's size */
	if (!w->t || w->depth < 1)
		return 0;
	if ((w->depth >= 2 && in_list(w->segs[w->depth - 2], quantity_maps)) ||
	    !strcmp(w->segs[w->depth - 1], "sizeLimit"))
		return quantity_equal(b, a);
	return 0;
}

static void add_path(struct walk *w, enum diff_op op, json_t *before,
		     json_t *after)
{
	struct diff_change *ch = w->ch;
	if (!ch)
		return;
	ALLOC_GROW(ch->paths, ch->nr_paths + 1, w->paths_alloc);
	struct diff_path *p = &ch->paths[ch->nr_paths++];
	p->path = xstrdup(w->ptr.buf);
	p->op = op;
	p->before = before ? json_incref(before) : NULL;
	p->after = after ? json_incref(after) : NULL;
}

static void walk(struct walk *w, const json_t *b, const json_t *a,
		 const json_t *s, json_t **mb, json_t **ma);

/* An empty value on both sides (the {} kubectl leaves for annotations in
 * every last-applied configuration) is not worth a line of the diff. */
static void drop_empty_pair(json_t **b, json_t **a)
{
	if (*b && *a && is_empty(*b) && is_empty(*a)) {
		json_decref(*b);
		json_decref(*a);
		*b = *a = NULL;
	}
}

static void walk_object(struct walk *w, const json_t *b, const json_t *a,
			const json_t *s, json_t **mb, json_t **ma)
{
	size_t n;
	const char **keys = sorted_keys(b, a, &n);

	*mb = json_object();
	*ma = json_object();
	for (size_t i = 0; i < n; i++) {
		const json_t *si = NULL;
		json_t *cb, *ca;
		if (s) {
			si = json_object_get(s, keys[i]);
			if (!si)
				continue; /* not gantry's field */
		}
		push_key(w, keys[i]);
		walk(w, json_object_get(b, keys[i]), json_object_get(a, keys[i]),
		     si, &cb, &ca);
		pop(w);
		drop_empty_pair(&cb, &ca);
		if (cb)
			json_object_set_new(*mb, keys[i], cb);
		if (ca)
			json_object_set_new(*ma, keys[i], ca);
	}
	free(keys);
}

static void walk_array(struct walk *w, const json_t *b, const json_t *a,
		       const json_t *s, json_t **mb, json_t **ma)
{
	size_t nb = json_array_size(b), na = json_array_size(a);
	const char *key = list_key(w, b, a, s);

	*mb = json_array();
	*ma = json_array();
	if (!key) {
		/* replaced whole by a patch: item by item */
		for (size_t i = 0; i < nb || i < na; i++) {
			json_t *cb, *ca;
			push_index(w, i);
			walk(w, json_array_get(b, i), json_array_get(a, i),
			     s ? json_array_get(s, i) : NULL, &cb, &ca);
			pop(w);
			drop_empty_pair(&cb, &ca);
			if (cb)
				json_array_append_new(*mb, cb);
			if (ca)
				json_array_append_new(*ma, ca);
		}
		return;
	}
	/* merged by key: items match by their key, wherever they are */
	json_t **bm = xcalloc(nb + 1, sizeof(*bm));
	char *seen = xcalloc(nb + 1, 1);
	for (size_t i = 0; i < na; i++) {
		const json_t *ai = json_array_get(a, i), *si = NULL;
		long j = find_keyed(b, key, ai);
		json_t *cb, *ca;
		if (j >= 0)
			seen[j] = 1;
		if (s) {
			long k = find_keyed(s, key, ai);
			if (k < 0)
				continue; /* another client's item */
			si = json_array_get(s, (size_t)k);
		}
		push_index(w, i);
		walk(w, j < 0 ? NULL : json_array_get(b, (size_t)j), ai, si, &cb,
		     &ca);
		pop(w);
		if (j >= 0)
			bm[j] = cb;
		else
			json_decref(cb);
		if (ca)
			json_array_append_new(*ma, ca);
	}
	for (size_t j = 0; j < nb; j++) {
		const json_t *bj = json_array_get(b, j), *si = NULL;
		json_t *ca;
		if (seen[j])
			continue;
		if (s) {
			long k = find_keyed(s, key, bj);
			if (k < 0)
				continue;
			si = json_array_get(s, (size_t)k);
		}
		push_index(w, j);
		walk(w, bj, NULL, si, &bm[j], &ca);
		pop(w);
		json_decref(ca);
	}
	for (size_t j = 0; j < nb; j++)
		if (bm[j])
			json_array_append_new(*mb, bm[j]);
	free(bm);
	free(seen);
}

/* Compare b (live) and a (result) within the shape s (NULL: whole),
 * recording changed paths; *mb and *ma receive what each side shows
 * (NULL where a side shows nothing). */
static void walk(struct walk *w, const json_t *b, const json_t *a,
		 const json_t *s, json_t **mb, json_t **ma)
{
	*mb = *ma = NULL;
	if (!b && !a)
		return;
	if (sensitive_here(w)) {
		int same = b && a && merge_json_equal(b, a);
		if (b)
			*mb = json_string(DIFF_SENSITIVE);
		if (a)
			*ma = json_string(b && !same ? DIFF_SENSITIVE_CHANGED
						     : DIFF_SENSITIVE);
		if (!same)
			add_path(w, !b ? DIFF_OP_ADD : !a ? DIFF_OP_REMOVE
							 : DIFF_OP_REPLACE,
				 *mb, *ma);
		return;
	}
	if (!b || !a) {
		json_t *x = project_mask(w, b ? b : a, s);
		if (is_empty(x)) {
			json_decref(x);
			return;
		}
		*(b ? mb : ma) = x;
		add_path(w, b ? DIFF_OP_REMOVE : DIFF_OP_ADD, *mb, *ma);
		return;
	}
	if (json_is_object(b) && json_is_object(a) &&
	    (!s || json_is_object(s))) {
		walk_object(w, b, a, s, mb, ma);
		hide_cut_empty(mb, b);
		hide_cut_empty(ma, a);
		return;
	}
	if (json_is_array(b) && json_is_array(a) && (!s || json_is_array(s))) {
		walk_array(w, b, a, s, mb, ma);
		hide_cut_empty(mb, b);
		hide_cut_empty(ma, a);
		return;
	}
	/* the live spelling shows on both sides when the values are equal */
	*mb = project_mask(w, b, s);
	if (values_equal(w, b, a)) {
		*ma = json_incref(*mb);
		return;
	}
	*ma = project_mask(w, a, s);
	add_path(w, DIFF_OP_REPLACE, *mb, *ma);
}

/* ------------------------------------------------------------------ */
/* Changes                                                              */

static void set_identity(struct diff_change *ch, const json_t *obj)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	char group[256];
	struct strbuf id = STRBUF_INIT;

	ch->api_version = xstrdup(av ? av : "");
	ch->group = xstrdup(obj_group(obj, group, sizeof(group)));
	ch->kind = xstrdup(obj_kind(obj));
	ch->namespace = xstrdup(obj_namespace(obj));
	ch->name = xstrdup(obj_name(obj));
	obj_format_id(&id, obj);
	ch->id = strbuf_detach(&id, NULL);
}

static char *metadata_string(const json_t *obj, const char *key)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), key));
	return s ? xstrdup(s) : NULL;
}

static void walk_init(struct walk *w, const struct merge_type *t,
		      const struct diff_patterns *sens, struct diff_change *ch)
{
	memset(w, 0, sizeof(*w));
	w->t = t;
	w->sens = sens;
	w->ch = ch;
	strbuf_init(&w->tpath, 64);
	strbuf_init(&w->ptr, 64);
}

/* The diff of two masked sides (either may be NULL). */
static char *yaml_diff(const json_t *before, const json_t *after)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, out = STRBUF_INIT;

	if (before)
		yaml_emit(&a, before);
	if (after)
		yaml_emit(&b, after);
	unified_diff(a.buf, b.buf, 3, &out);
	strbuf_release(&a);
	strbuf_release(&b);
	return strbuf_detach(&out, NULL);
}

/* live's last-applied configuration: NULL when it has none; -1 when it is
 * not a JSON object (its content is never quoted: it may hold Secret
 * data). */
static int read_last(const json_t *live, json_t **out, struct gerr *err)
{
	const json_t *ann = json_object_get(
		json_object_get(live, "metadata"), "annotations");
	const char *s = json_string_value(json_object_get(ann, LAST_APPLIED));
	json_error_t je;

	*out = NULL;
	if (!s)
		return 0;
	*out = json_loads(s, JSON_DECODE_ANY, &je);
	if (!*out)
		return gerr_setc(err, GERR_INPUT,
				 "the live object's %s annotation is not JSON "
				 "(line %d, column %d)",
				 LAST_APPLIED, je.line, je.column);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return gerr_setc(err, GERR_INPUT,
				 "the live object's %s annotation is not a "
				 "JSON object",
				 LAST_APPLIED);
	}
	return 0;
}

int diff_compute(const json_t *desired, const json_t *live,
		 const struct merge_type *t, const struct diff_rules *rules,
		 struct diff_change *ch, struct gerr *err)
{
	struct diff_patterns sens, ign;
	struct walk w;
	json_t *d, *l = NULL, *shape, *mb = NULL, *ma = NULL;
	int secret, rc = -1;

	set_identity(ch, desired);
	secret = !*ch->group && !strcmp(ch->kind, "Secret");
	ch->desired = json_incref((json_t *)desired);
	rules_select(rules, 1, ch->group, ch->kind, ch->namespace, ch->name,
		     &sens);
	rules_select(rules, 0, ch->group, ch->kind, ch->namespace, ch->name,
		     &ign);
	walk_init(&w, t, &sens, ch);
	d = normalise(desired, secret, 1);

	if (!live) {
		/* without the annotations map added for the three-way merge */
		ch->action = DIFF_CREATE;
		ch->result = normalise(desired, secret, 0);
		mb = project_mask(&w, ch->result, NULL);
		ch->diff = yaml_diff(NULL, mb);
		rc = 0;
		goto out;
	}
	ch->live = json_incref((json_t *)live);
	ch->resource_version = metadata_string(live, "resourceVersion");
	ch->uid = metadata_string(live, "uid");
	if (read_last(live, &ch->last, err) < 0)
		goto fail;
	if (ch->last)
		l = normalise(ch->last, secret, 0);
	ignore_apply(&ign, live, d, l);

	ch->patch = merge_three_way_patch(t, l, d, live, err);
	if (!ch->patch)
		goto fail;
	ch->result = merge_apply_strategic(t, live, ch->patch, err);
	if (!ch->result)
		goto fail;
	shape = shape_union(&w, d, l);
	walk(&w, live, ch->result, shape, &mb, &ma);
	json_decref(shape);
	if (!ch->nr_paths) {
		ch->action = DIFF_UNCHANGED;
		json_decref(ch->patch);
		ch->patch = NULL;
		json_decref(ch->result);
		ch->result = json_incref((json_t *)live);
	} else {
		ch->action = DIFF_UPDATE;
		ch->patch_type = t ? "application/strategic-merge-patch+json"
				   : "application/merge-patch+json";
		ch->diff = yaml_diff(mb, ma);
	}
	rc = 0;
	goto out;
fail:
	gerr_prefix(err, "%s", ch->id);
out:
	json_decref(d);
	json_decref(l);
	json_decref(mb);
	json_decref(ma);
	walk_release(&w);
	patterns_release(&sens);
	patterns_release(&ign);
	return rc;
}

void diff_delete(const json_t *live, const struct diff_rules *rules,
		 struct diff_change *ch)
{
	struct diff_patterns sens;
	struct walk w;
	json_t *l = NULL;

	set_identity(ch, live);
	ch->action = DIFF_DELETE;
	ch->live = json_incref((json_t *)live);
	ch->resource_version = metadata_string(live, "resourceVersion");
	ch->uid = metadata_string(live, "uid");
	if (read_last(live, &ch->last, NULL) < 0 || !ch->last)
		return;
	rules_select(rules, 1, ch->group, ch->kind, ch->namespace, ch->name,
		     &sens);
	walk_init(&w, NULL, &sens, NULL);
	l = normalise(ch->last, !*ch->group && !strcmp(ch->kind, "Secret"),
		      0);
	json_t *mb = project_mask(&w, live, l);
	ch->diff = yaml_diff(mb, NULL);
	json_decref(mb);
	json_decref(l);
	walk_release(&w);
	patterns_release(&sens);
}

/* ------------------------------------------------------------------ */
/* Sets                                                                 */

struct diff_change *diff_set_push(struct diff_set *set)
{
	ALLOC_GROW(set->v, set->nr + 1, set->alloc);
	memset(&set->v[set->nr], 0, sizeof(set->v[0]));
	return &set->v[set->nr++];
}

void diff_set_count(struct diff_set *set)
{
	memset(set->count, 0, sizeof(set->count));
	for (size_t i = 0; i < set->nr; i++)
		set->count[set->v[i].action]++;
}

size_t diff_set_changes(const struct diff_set *set)
{
	return set->count[DIFF_CREATE] + set->count[DIFF_UPDATE] +
	       set->count[DIFF_DELETE];
}

static void change_clear(struct diff_change *ch)
{
	free(ch->api_version);
	free(ch->group);
	free(ch->kind);
	free(ch->namespace);
	free(ch->name);
	free(ch->id);
	free(ch->source);
	json_decref(ch->desired);
	json_decref(ch->live);
	json_decref(ch->last);
	json_decref(ch->patch);
	json_decref(ch->result);
	free(ch->resource_version);
	free(ch->uid);
	for (size_t i = 0; i < ch->nr_paths; i++) {
		free(ch->paths[i].path);
		json_decref(ch->paths[i].before);
		json_decref(ch->paths[i].after);
	}
	free(ch->paths);
	free(ch->diff);
}

void diff_set_clear(struct diff_set *set)
{
	for (size_t i = 0; i < set->nr; i++)
		change_clear(&set->v[i]);
	free(set->v);
	free(set->server);
	free(set->context);
	free(set->namespace);
	memset(set, 0, sizeof(*set));
}
