/*
 * Patches: `patches` (strategic merge or JSON 6902, told apart as
 * kustomize does: YAML whose top is a list is a JSON patch, objects are
 * strategic merge patches), `patchesStrategicMerge` and
 * `patchesJson6902`.
 *
 * The merging itself is pkg/merge's, the one implementation of patch
 * semantics in gantry. What is kustomize's and lives here: finding the
 * targets, a whole-object `$patch: delete` removing the object, and the
 * patched object keeping its name, kind and namespace unless the entry's
 * options allow a name or kind change.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/merge.h"
#include "pkg/overlay/internal.h"
#include "pkg/yaml/yaml.h"

static const char *opt(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

/*
 * pkg/merge reads the types of an OpenAPI v2 document from its named
 * definitions; a schema written by hand (or a CRD's) often describes
 * nested objects inline. Give each inline object (and the inline items of
 * a list) a definition of its own and refer to it, so that its merge keys
 * are found; the patch strategy stays on the property.
 */
static void hoist(json_t *defs, json_t *schema, const char *name);

static void hoist_prop(json_t *defs, json_t *prop, const char *name)
{
	json_t *items = json_object_get(prop, "items");
	if (json_is_object(items) &&
	    json_is_object(json_object_get(items, "properties")) &&
	    !json_object_get(items, "$ref")) {
		char *n = xasprintf("%s[]", name);
		json_object_set(defs, n, items);
		hoist(defs, items, n);
		json_object_set_new(prop, "items",
				    json_pack("{s:s+}", "$ref", "#/definitions/", n));
		free(n);
	}
	if (json_is_object(json_object_get(prop, "properties")) &&
	    !json_object_get(prop, "$ref")) {
		json_t *copy = json_deep_copy(prop);
		json_object_del(copy, "x-kubernetes-patch-strategy");
		json_object_del(copy, "x-kubernetes-patch-merge-key");
		json_object_set_new(defs, name, copy);
		hoist(defs, copy, name);
		json_object_del(prop, "properties");
		json_object_set_new(prop, "$ref",
				    json_pack("s+", "#/definitions/", name));
	}
}

static void hoist(json_t *defs, json_t *schema, const char *name)
{
	const char *k;
	json_t *prop;
	json_object_foreach(json_object_get(schema, "properties"), k, prop) {
		char *n = xasprintf("%s.%s", name, k);
		hoist_prop(defs, prop, n);
		free(n);
	}
}

static void hoist_inline_schemas(json_t *doc)
{
	json_t *defs = json_object_get(doc, "definitions");
	if (!json_is_object(defs))
		return;
	struct strvec names = STRVEC_INIT;
	const char *k;
	json_t *def;
	json_object_foreach(defs, k, def)
		strvec_push(&names, k);
	for (size_t i = 0; i < names.nr; i++)
		hoist(defs, json_object_get(defs, names.v[i]), names.v[i]);
	strvec_clear(&names);
}

int kpatch_load_schema(struct kust *kt, struct gerr *err)
{
	const json_t *oa = json_object_get(kt->k, "openapi");
	const char *path = opt(oa, "path");
	if (!*path) {
		if (*opt(oa, "version"))
			return kust_fail(kt, "/openapi/version", err,
					 "openapi.version is not supported; "
					 "gantry uses its built-in Kubernetes "
					 "schema or openapi.path");
		return 0;
	}
	size_t len;
	char *shown;
	char *buf = kload_read(kt, path, "/openapi/path", &len, &shown, err);
	if (!buf) {
		free(shown);
		return -1;
	}
	json_t *doc = yaml_parse_value(buf, len, shown, err);
	free(buf);
	if (!doc) {
		free(shown);
		return -1;
	}
	hoist_inline_schemas(doc);
	kt->openapi = merge_schema_from_openapi(doc, err);
	json_decref(doc);
	if (!kt->openapi) {
		gerr_prefix(err, "%s", shown);
		free(shown);
		return -1;
	}
	free(shown);
	return 0;
}

void kpatch_free_schema(void *s)
{
	merge_schema_free(s);
}

static const struct merge_schema *schema_of(struct kust *kt)
{
	return kt->openapi ? kt->openapi : merge_schema_builtin();
}

/* Where a patch came from, for messages: "FILE:LINE:COL: patches[2]". */
static void where(struct kust *kt, const char *ptr, struct strbuf *sb)
{
	if (!*ptr) {
		strbuf_addstr(sb, kt->file);
		return;
	}
	kust_where(kt, ptr, sb);
	strbuf_addstr(sb, ": ");
	const char *p = ptr + 1, *slash = strchr(p, '/');
	if (slash)
		strbuf_addf(sb, "%.*s[%s]", (int)(slash - p), p, slash + 1);
	else
		strbuf_addstr(sb, p);
}

/*
 * kustomize merges with kyaml, whose strategic merge differs from the API
 * server's (pkg/merge's) in ways its output shows:
 *  - a list merged by key (or a primitive list with strategy merge) has
 *    the patch's items first, in the patch's order, then the items only
 *    the object had;
 *  - a mapping holding `$patch: delete` removes its field (the API server
 *    leaves an empty mapping);
 *  - $retainKeys, $setElementOrder/FIELD and $deleteFromPrimitiveList/FIELD
 *    are no directives to kyaml: they stay in the object as fields.
 * The merge is pkg/merge's; these are applied around it: the patch is
 * prepared before, the result adjusted after.
 */
static int is_literal_directive(const char *k)
{
	return !strcmp(k, "$retainKeys") ||
	       !strncmp(k, "$setElementOrder/", 17) ||
	       !strncmp(k, "$deleteFromPrimitiveList/", 25);
}

static int is_delete_map(const json_t *v)
{
	const json_t *d = json_object_get(v, "$patch");
	return json_is_object(v) && json_is_string(d) &&
	       !strcmp(json_string_value(d), "delete");
}

/* The patch pkg/merge gets: literal directives out, deleted maps null. */
static json_t *kyaml_prepare(const json_t *v, int in_list)
{
	if (json_is_array(v)) {
		json_t *a = json_array();
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
			json_array_append_new(a, kyaml_prepare(e, 1));
		return a;
	}
	if (!json_is_object(v))
		return json_incref((json_t *)v);
	if (!in_list && is_delete_map(v))
		return json_null();
	json_t *o = json_object();
	const char *k;
	json_t *e;
	json_object_foreach((json_t *)v, k, e)
		if (!is_literal_directive(k))
			json_object_set_new(o, k, kyaml_prepare(e, 0));
	return o;
}

static const json_t *item_key(const json_t *e, const char *key)
{
	return json_is_object(e) ? json_object_get(e, key) : e;
}

static int is_deleted_item(const json_t *e)
{
	const json_t *d = json_object_get(e, "$patch");
	return json_is_string(d) && strcmp(json_string_value(d), "merge");
}

/* Put list `res` in kyaml's order for patch list `pl`. */
static void kyaml_reorder(json_t *res, const json_t *pl, const char *key)
{
	json_t *front = json_array(), *rest = json_array();
	size_t i, k;
	json_t *r;
	const json_t *p;
	json_array_foreach(pl, i, p) {
		if (key && (!json_is_object(p) || is_deleted_item(p)))
			continue;
		const json_t *pk = item_key(p, key ? key : "");
		if (!pk)
			continue;
		json_array_foreach(res, k, r) {
			const json_t *rk = item_key(r, key ? key : "");
			if (rk && json_equal((json_t *)rk, (json_t *)pk)) {
				int dup = 0;
				size_t f;
				json_t *x;
				json_array_foreach(front, f, x)
					if (x == r)
						dup = 1;
				if (!dup)
					json_array_append(front, r);
				break;
			}
		}
	}
	json_array_foreach(res, k, r) {
		int in_front = 0;
		size_t f;
		json_t *x;
		json_array_foreach(front, f, x)
			if (x == r)
				in_front = 1;
		if (!in_front)
			json_array_append(rest, r);
	}
	json_array_extend(front, rest);
	json_array_clear(res);
	json_array_extend(res, front);
	json_decref(front);
	json_decref(rest);
}

static void ptr_push(struct strbuf *sb, const char *k)
{
	strbuf_addch(sb, '/');
	for (; *k; k++) {
		if (*k == '~')
			strbuf_addstr(sb, "~0");
		else if (*k == '/')
			strbuf_addstr(sb, "~1");
		else
			strbuf_addch(sb, *k);
	}
}

/* Walk the original patch and the merged result together. */
static void kyaml_adjust(const struct merge_type *t, json_t *res,
			 const json_t *patch, struct strbuf *path)
{
	const char *k;
	json_t *pv;
	if (!json_is_object(res) || !json_is_object(patch))
		return;
	json_object_foreach((json_t *)patch, k, pv) {
		if (is_literal_directive(k)) {
			json_object_set_new(res, k, json_deep_copy(pv));
			continue;
		}
		json_t *rv = json_object_get(res, k);
		size_t len = path->len;
		ptr_push(path, k);
		if (json_is_object(pv)) {
			kyaml_adjust(t, rv, pv, path);
		} else if (json_is_array(pv) && json_is_array(rv) && t) {
			const char *strategy = NULL, *key = NULL;
			if (merge_type_field(t, path->buf, &strategy, &key) == 0 &&
			    strategy && strstr(strategy, "merge")) {
				kyaml_reorder(rv, pv, key);
				/* and inside the items merged by key */
				size_t i, j;
				const json_t *pe;
				json_t *re;
				json_array_foreach(pv, i, pe) {
					const json_t *pk = key ? item_key(pe, key) : NULL;
					if (!pk)
						continue;
					json_array_foreach(rv, j, re) {
						const json_t *rk = item_key(re, key);
						if (rk && json_equal((json_t *)rk, (json_t *)pk))
							kyaml_adjust(t, re, pe, path);
					}
				}
			}
		}
		strbuf_setlen(path, len);
	}
}

/* Apply one strategic merge patch to r; *deleted when it removes r. */
static int smp_apply(struct kust *kt, struct kres *r, const json_t *patch,
		     const json_t *options, int *deleted, struct gerr *err)
{
	*deleted = 0;
	const json_t *dir = json_object_get(patch, "$patch");
	if (json_is_string(dir) && !strcmp(json_string_value(dir), "delete")) {
		*deleted = 1;
		return 0;
	}
	int allow_name = json_is_true(json_object_get(options, "allowNameChange"));
	int allow_kind = json_is_true(json_object_get(options, "allowKindChange"));
	struct kid id;
	kres_id(r, &id);
	char *name = xstrdup(kres_name(r)), *ns = xstrdup(kres_ns(r));
	char *kind = xstrdup(kres_kind(r));
	char group[128];
	snprintf(group, sizeof(group), "%s", id.gvk.group);

	/* the patch is about this object: its own name and kind only
	 * count where a change is allowed */
	json_t *p = json_deep_copy(patch);
	json_t *pmd = json_object_get(p, "metadata");
	if (json_is_object(pmd)) {
		if (!allow_name)
			json_object_del(pmd, "name");
		json_object_del(pmd, "namespace");
	}
	if (!allow_kind) {
		json_object_del(p, "kind");
		json_object_del(p, "apiVersion");
	}
	if (allow_name || allow_kind)
		kres_store_prev(r);
	const struct merge_type *t =
		merge_schema_lookup(schema_of(kt), group, kind);
	json_t *prepared = kyaml_prepare(p, 0);
	json_t *out = merge_apply_strategic(t, r->obj, prepared, err);
	json_decref(prepared);
	if (out) {
		struct strbuf path = STRBUF_INIT;
		kyaml_adjust(t, out, p, &path);
		strbuf_release(&path);
	}
	json_decref(p);
	int rc = -1;
	if (out) {
		json_decref(r->obj);
		r->obj = out;
		if (!json_is_object(json_object_get(out, "metadata")))
			json_object_set_new(out, "metadata", json_object());
		if (!allow_kind)
			json_object_set_new(out, "kind", json_string(kind));
		if (!allow_name)
			kres_set_name(r, name);
		kres_set_ns(r, ns);
		rc = 0;
	}
	free(name);
	free(ns);
	free(kind);
	return rc;
}

static void remove_res(struct kacc *acc, size_t i)
{
	kvars_rebind(acc, acc->res.v[i], NULL);
	kresmap_remove(&acc->res, i);
}

/* A strategic merge patch naming its object: find it by any id it had. */
static int smp_by_id(struct kust *kt, struct kacc *acc, struct kres *patch,
		     const json_t *options, const char *at, struct gerr *err)
{
	struct kid id;
	kres_id(patch, &id);
	long found = -1;
	int n = 0;
	for (size_t i = 0; i < acc->res.nr; i++) {
		if (kres_any_id_equals(acc->res.v[i], &id)) {
			found = (long)i;
			n++;
		}
		kres_id(patch, &id);
	}
	if (n != 1) {
		struct strbuf sb = STRBUF_INIT, from = STRBUF_INIT;
		size_t fl = strlen(kt->file);
		kid_format(&sb, &id);
		/* a patch written inline has no place of its own to name */
		if (patch->file && (strncmp(patch->file, kt->file, fl) ||
				    patch->file[fl] != ' '))
			strbuf_addf(&from, " (named by the patch at %s:%d)",
				    patch->file, patch->line);
		gerr_setc(err, GERR_INPUT, "%s: %s %s to patch%s", at,
			  n ? "more than one object" : "no object", sb.buf,
			  from.buf);
		strbuf_release(&sb);
		strbuf_release(&from);
		return -1;
	}
	int deleted;
	if (smp_apply(kt, acc->res.v[found], patch->obj, options, &deleted,
		      err) < 0) {
		struct strbuf sb = STRBUF_INIT;
		kres_format(&sb, acc->res.v[found]);
		gerr_prefix(err, "%s: %s", at, sb.buf);
		strbuf_release(&sb);
		return -1;
	}
	if (deleted)
		remove_res(acc, (size_t)found);
	return 0;
}

static int select_targets(struct kust *kt, struct kacc *acc,
			  const json_t *target, struct kres ***out, size_t *n,
			  const char *at, struct gerr *err)
{
	struct ksel s;
	*out = xmalloc((acc->res.nr ? acc->res.nr : 1) * sizeof(**out));
	*n = 0;
	if (ksel_init(&s, target, err) < 0) {
		ksel_release(&s);
		return gerr_prefix(err, "%s", at);
	}
	for (size_t i = 0; i < acc->res.nr; i++) {
		int m = ksel_match(&s, acc->res.v[i], err);
		if (m < 0) {
			ksel_release(&s);
			return gerr_prefix(err, "%s", at);
		}
		if (m)
			(*out)[(*n)++] = acc->res.v[i];
	}
	ksel_release(&s);
	if (!*n) {
		struct strbuf sb = STRBUF_INIT;
		yaml_write_json(&sb, target, YAML_JSON_SORT_KEYS);
		kbuild_warn(kt->b, "%s: the patch target %s matches no object",
			    at, sb.buf);
		strbuf_release(&sb);
	}
	return 0;
}

static long index_of(struct kacc *acc, const struct kres *r)
{
	for (size_t i = 0; i < acc->res.nr; i++)
		if (acc->res.v[i] == r)
			return (long)i;
	return -1;
}

static int smp_targets(struct kust *kt, struct kacc *acc,
		       const struct kresmap *patches, const json_t *target,
		       const json_t *options, const char *at, struct gerr *err)
{
	if (patches->nr != 1)
		return gerr_setc(err, GERR_INPUT,
				 "%s: a patch with a target holds one strategic "
				 "merge patch, this one has %zu", at,
				 patches->nr);
	struct kres **sel;
	size_t n;
	int rc = select_targets(kt, acc, target, &sel, &n, at, err);
	for (size_t i = 0; i < n && !rc; i++) {
		int deleted;
		if (smp_apply(kt, sel[i], patches->v[0]->obj, options, &deleted,
			      err) < 0) {
			struct strbuf sb = STRBUF_INIT;
			kres_format(&sb, sel[i]);
			rc = gerr_prefix(err, "%s: %s", at, sb.buf);
			strbuf_release(&sb);
		} else if (deleted) {
			remove_res(acc, (size_t)index_of(acc, sel[i]));
		}
	}
	free(sel);
	return rc;
}

static int json6902(struct kust *kt, struct kacc *acc, const json_t *ops,
		    const json_t *target, const char *at, struct gerr *err)
{
	struct kres **sel;
	size_t n;
	if (!target || json_is_null(target))
		return gerr_setc(err, GERR_INPUT,
				 "%s: a JSON patch needs a target", at);
	int rc = select_targets(kt, acc, target, &sel, &n, at, err);
	for (size_t i = 0; i < n && !rc; i++) {
		struct kres *r = sel[i];
		kres_store_prev(r);
		json_t *out = merge_apply_json_patch(r->obj, ops, err);
		if (!out) {
			struct strbuf sb = STRBUF_INIT;
			kres_format(&sb, r);
			rc = gerr_prefix(err, "%s: %s", at, sb.buf);
			strbuf_release(&sb);
			break;
		}
		json_decref(r->obj);
		r->obj = out;
		if (!json_is_object(out)) {
			rc = gerr_setc(err, GERR_INPUT, "%s: the JSON patch "
				       "leaves no object", at);
		}
	}
	free(sel);
	return rc;
}

/* JSON patch operations from text: JSON, or YAML read as kubectl reads it
 * (kustomize converts it with sigs.k8s.io/yaml). */
static json_t *json_ops(const char *text, size_t len, const char *file,
			struct gerr *err)
{
	json_t *ops = yaml_parse_value(text, len, file, err);
	if (ops && !json_is_array(ops)) {
		json_decref(ops);
		gerr_setc(err, GERR_INPUT, "%s: a JSON patch is a list of "
			  "operations", file);
		return NULL;
	}
	return ops;
}

/* Is the text a list at the top (a JSON patch)? */
static int looks_like_ops(const char *text, size_t len, const char *file)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	int ops = 0;
	if (yaml_parse(text, len, file, 0, &docs, NULL) == 0)
		for (size_t i = 0; i < docs.nr; i++)
			if (json_is_array(docs.v[i].value))
				ops = 1;
	yaml_docs_clear(&docs);
	return ops;
}

int kpatch_entry(struct kust *kt, struct kacc *acc, const json_t *p,
		 const char *ptr, int legacy_json6902, struct gerr *err)
{
	struct strbuf at = STRBUF_INIT;
	const char *path = opt(p, "path"), *inline_patch = opt(p, "patch");
	const json_t *target = json_object_get(p, "target");
	char *text = NULL, *shown = NULL;
	size_t len = 0;
	int rc = -1;

	where(kt, ptr, &at);
	if (legacy_json6902 && !*inline_patch)
		inline_patch = opt(p, "jsonOp");
	if (*path && *inline_patch) {
		gerr_setc(err, GERR_INPUT, "%s: give path or patch, not both",
			  at.buf);
		goto out;
	}
	if (!*path && !*inline_patch) {
		gerr_setc(err, GERR_INPUT, "%s: a patch needs path or patch",
			  at.buf);
		goto out;
	}
	if (*path) {
		char sub[96];
		snprintf(sub, sizeof(sub), "%s/path", ptr);
		text = kload_read(kt, path, *ptr ? sub : "", &len, &shown, err);
		if (!text)
			goto out;
	} else {
		/* kustomize trims the inline text */
		const char *s = inline_patch;
		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			s++;
		len = strlen(s);
		while (len && strchr(" \n\t\r", s[len - 1]))
			len--;
		text = xstrndup(s, len);
		/* YAML errors then read "FILE (patches[2]):LINE:COL" */
		shown = *ptr ? xasprintf("%s (%s)", kt->file,
					 strstr(at.buf, ": ") + 2)
			     : xstrdup(kt->file);
	}
	if (legacy_json6902 || looks_like_ops(text, len, shown)) {
		json_t *ops = json_ops(text, len, shown, err);
		if (ops) {
			rc = json6902(kt, acc, ops, target, at.buf, err);
			json_decref(ops);
		}
		goto out;
	}
	struct kresmap patches = KRESMAP_INIT;
	if (kload_parse_resources(text, len, shown, &patches, err) < 0) {
		if (*path)
			gerr_prefix(err, "%s", at.buf);
		goto out;
	}
	const json_t *options = json_object_get(p, "options");
	if (target && !json_is_null(target)) {
		rc = smp_targets(kt, acc, &patches, target, options, at.buf, err);
	} else {
		rc = 0;
		for (size_t i = 0; i < patches.nr && !rc; i++)
			rc = smp_by_id(kt, acc, patches.v[i], options, at.buf,
				       err);
	}
	kresmap_clear(&patches);
out:
	free(text);
	free(shown);
	strbuf_release(&at);
	return rc;
}

int kpatch_strategic_list(struct kust *kt, struct kacc *acc,
			  const json_t *list, struct gerr *err)
{
	size_t i;
	const json_t *e;
	json_array_foreach(list, i, e) {
		char ptr[64];
		struct strbuf at = STRBUF_INIT;
		struct kresmap patches = KRESMAP_INIT;
		const char *s = json_string_value(e);
		int rc = 0;
		snprintf(ptr, sizeof(ptr), "/patchesStrategicMerge/%zu", i);
		where(kt, ptr, &at);
		if (!s || !*s) {
			rc = gerr_setc(err, GERR_INPUT, "%s: empty patch", at.buf);
		} else if (strchr(s, '\n') || strchr(s, ':')) {
			/* kustomize first reads the string as the patch
			 * itself, then as a file name */
			rc = kload_parse_resources(s, strlen(s), at.buf, &patches,
						   err);
		} else {
			size_t len;
			char *shown;
			char *buf = kload_read(kt, s, ptr, &len, &shown, err);
			rc = buf ? kload_parse_resources(buf, len, shown,
							 &patches, err)
				 : -1;
			free(buf);
			free(shown);
		}
		for (size_t k = 0; k < patches.nr && !rc; k++)
			rc = smp_by_id(kt, acc, patches.v[k], NULL, at.buf, err);
		kresmap_clear(&patches);
		strbuf_release(&at);
		if (rc < 0)
			return -1;
	}
	return 0;
}
