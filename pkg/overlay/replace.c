/*
 * replacements: copy a field of one object (the source, exactly one) into
 * fields of others (the targets), as kustomize's ReplacementTransformer:
 *
 *   source   kind/group/version, name and namespace select one object by
 *            any name it had; fieldPath (default metadata.name) picks the
 *            value; options.delimiter/index take one part of it
 *   targets  select (name and namespace as regular expressions) and
 *            reject pick objects; each of fieldPaths gets the value;
 *            options.delimiter/index put it into one part of the target's
 *            text (index < 0 prepends, past the end appends);
 *            options.create makes missing fields
 *
 * Field paths are dot-separated; "[name=x]" picks list items by a field,
 * "[=x]" items equal to x, "*" every item, a number one item.
 *
 * A scalar target keeps its type (a string stays a string, an integer
 * field takes the value's text as an integer), as kustomize copies only
 * the text into it.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"

static const char *opt(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* Split at '.', but not inside [...]. */
static void split_path(const char *p, struct strvec *out)
{
	struct strbuf seg = STRBUF_INIT;
	int depth = 0;
	for (;; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth)
			depth--;
		if ((*p == '.' && !depth) || !*p) {
			strvec_push(out, seg.buf);
			strbuf_reset(&seg);
			if (!*p)
				break;
			continue;
		}
		strbuf_addch(&seg, *p);
	}
	strbuf_release(&seg);
}

static int is_index(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int is_matcher(const char *s)
{
	size_t n = strlen(s);
	return n >= 2 && s[0] == '[' && s[n - 1] == ']';
}

/* The text of a scalar as kustomize holds it. */
static char *scalar_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v)) {
		struct strbuf sb = STRBUF_INIT;
		yaml_format_float(&sb, json_real_value(v));
		return strbuf_detach(&sb, NULL);
	}
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	return xstrdup("");
}

/* The value YAML gives this text unquoted (kustomize's typing). */
static json_t *typed(const char *text)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	json_t *v = NULL;
	if (*text && !strchr(text, '\n') &&
	    yaml_parse(text, strlen(text), "value", YAML_KYAML, &docs, NULL) == 0 &&
	    docs.nr == 1 && !json_is_object(docs.v[0].value) &&
	    !json_is_array(docs.v[0].value))
		v = json_incref(docs.v[0].value);
	yaml_docs_clear(&docs);
	return v ? v : json_string(text);
}

/* ---- finding fields --------------------------------------------------- */

struct slots {
	struct fslot *v;
	size_t nr, alloc;
};

static void slots_add(struct slots *s, json_t *parent, const char *key,
		      size_t index)
{
	ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr].parent = parent;
	s->v[s->nr].key = key;
	s->v[s->nr].index = index;
	s->nr++;
}

/* Does list item e match "[k=v]" (or "[=v]")? */
static int item_matches(const json_t *e, const char *m)
{
	char *in = xstrndup(m + 1, strlen(m) - 2);
	char *eq = strchr(in, '=');
	int ok = 0;
	if (eq) {
		*eq = '\0';
		const char *want = eq + 1;
		const json_t *have = *in ? json_object_get(e, in) : e;
		if (have && !json_is_object(have) && !json_is_array(have)) {
			char *t = scalar_text(have);
			ok = !strcmp(want, "*") || !strcmp(t, want);
			free(t);
		}
	}
	free(in);
	return ok;
}

/* Collect the fields `seg[i..]` reaches from the value in slot; with
 * create, make what is missing (the last one as null, to be set). Keys in
 * slots point into seg, which outlives them. */
static int find(json_t *node, const struct strvec *seg, size_t i, int create,
		struct slots *out, struct gerr *err)
{
	const char *s = seg->v[i];
	int last = i + 1 == seg->nr;

	if (json_is_array(node)) {
		if (!strcmp(s, "*") || is_matcher(s) || is_index(s)) {
			int any = 0;
			for (size_t k = 0; k < json_array_size(node); k++) {
				json_t *e = json_array_get(node, k);
				if (is_index(s) && (size_t)atol(s) != k)
					continue;
				if (is_matcher(s) && !item_matches(e, s))
					continue;
				any = 1;
				if (last)
					slots_add(out, node, NULL, k);
				else if (find(e, seg, i + 1, create, out, err) < 0)
					return -1;
			}
			if (!any && create && is_matcher(s) && strchr(s, '=') &&
			    s[1] != '=') {
				/* a new item with that key */
				char *in = xstrndup(s + 1, strlen(s) - 2);
				char *eq = strchr(in, '=');
				*eq = '\0';
				json_t *e = json_object();
				json_object_set_new(e, in, typed(eq + 1));
				free(in);
				json_array_append_new(node, e);
				size_t k = json_array_size(node) - 1;
				if (last)
					slots_add(out, node, NULL, k);
				else if (find(e, seg, i + 1, create, out, err) < 0)
					return -1;
			}
			return 0;
		}
		return 0;
	}
	if (!json_is_object(node))
		return 0;
	json_t *v = json_object_get(node, s);
	if ((!v || json_is_null(v)) && create) {
		if (last) {
			if (!v)
				json_object_set_new(node, s, json_null());
		} else {
			const char *next = seg->v[i + 1];
			v = (is_matcher(next) || is_index(next) || !strcmp(next, "*"))
				    ? json_array()
				    : json_object();
			json_object_set_new(node, s, v);
		}
	}
	v = json_object_get(node, s);
	if (!v)
		return 0;
	if (last) {
		slots_add(out, node, s, 0);
		return 0;
	}
	return find(v, seg, i + 1, create, out, err);
}

/* ---- source ------------------------------------------------------------ */

static int ids_selected(struct kres *r, const struct kgvk *g, const char *name,
			const char *ns)
{
	struct kid cur;
	kres_id(r, &cur);
	struct kid want = { *g, ns, name };
	for (size_t i = 0; i <= r->nprev; i++) {
		const struct kid *id = i == 0 ? &cur : &r->prev[i - 1];
		if (*name && strcmp(name, id->name))
			continue;
		if (*ns && strcmp(kid_effective_ns(&want), kid_effective_ns(id)))
			continue;
		if (kgvk_selected(&id->gvk, g))
			return 1;
	}
	return 0;
}

static json_t *source_value(struct kacc *acc, const json_t *src,
			    const char *where, struct gerr *err)
{
	struct kgvk g = { opt(src, "group"), opt(src, "version"),
			  opt(src, "kind") };
	const char *name = opt(src, "name"), *ns = opt(src, "namespace");
	struct kres *found = NULL;
	for (size_t i = 0; i < acc->res.nr; i++) {
		if (!ids_selected(acc->res.v[i], &g, name, ns))
			continue;
		if (found) {
			gerr_setc(err, GERR_INPUT,
				  "%s: the source selects more than one "
				  "object (%s and another)", where, name);
			return NULL;
		}
		found = acc->res.v[i];
	}
	if (!found) {
		gerr_setc(err, GERR_INPUT, "%s: the source selects no object "
			  "(kind %s, name %s)", where, *g.kind ? g.kind : "any",
			  *name ? name : "any");
		return NULL;
	}
	const char *fp = *opt(src, "fieldPath") ? opt(src, "fieldPath")
						  : "metadata.name";
	struct strvec seg = STRVEC_INIT;
	struct slots sl = { 0 };
	split_path(fp, &seg);
	find(found->obj, &seg, 0, 0, &sl, err);
	json_t *v = sl.nr ? fslot_get(&sl.v[0]) : NULL;
	free(sl.v);
	strvec_clear(&seg);
	if (!v || json_is_null(v) ||
	    (json_is_object(v) && !json_object_size(v)) ||
	    (json_is_array(v) && !json_array_size(v))) {
		struct strbuf sb = STRBUF_INIT;
		kres_format(&sb, found);
		gerr_setc(err, GERR_INPUT, "%s: the source %s has no field %s",
			  where, sb.buf, fp);
		strbuf_release(&sb);
		return NULL;
	}
	const json_t *o = json_object_get(src, "options");
	const char *delim = opt(o, "delimiter");
	if (!*delim)
		return json_deep_copy(v);
	if (json_is_object(v) || json_is_array(v)) {
		gerr_setc(err, GERR_INPUT, "%s: options.delimiter needs a "
			  "scalar source field", where);
		return NULL;
	}
	char *text = scalar_text(v);
	json_int_t idx = json_integer_value(json_object_get(o, "index"));
	struct strvec parts = STRVEC_INIT;
	for (char *p = text;;) {
		char *d = strstr(p, delim);
		if (!d) {
			strvec_push(&parts, p);
			break;
		}
		strvec_push_nodup(&parts, xstrndup(p, (size_t)(d - p)));
		p = d + strlen(delim);
	}
	json_t *out = NULL;
	if (idx < 0 || (size_t)idx >= parts.nr)
		gerr_setc(err, GERR_INPUT, "%s: options.index %lld is out of "
			  "bounds for the source value", where, (long long)idx);
	else if (json_is_string(v))
		out = json_string(parts.v[idx]);
	else
		out = typed(parts.v[idx]);
	strvec_clear(&parts);
	free(text);
	return out;
}

/* ---- targets --------------------------------------------------------- */

static int put(const struct fslot *slot, const json_t *value,
	       const json_t *o, int created, struct gerr *err)
{
	json_t *cur = fslot_get(slot);
	const char *delim = opt(o, "delimiter");
	json_t *val = json_deep_copy(value);

	if (*delim) {
		if (json_is_object(cur) || json_is_array(cur)) {
			json_decref(val);
			return gerr_setc(err, GERR_INPUT, "options.delimiter "
					 "needs a scalar target field");
		}
		char *tt = cur && !json_is_null(cur) ? scalar_text(cur) : xstrdup("");
		char *vt = scalar_text(val);
		struct strvec parts = STRVEC_INIT;
		for (char *p = tt;;) {
			char *d = strstr(p, delim);
			if (!d) {
				strvec_push(&parts, p);
				break;
			}
			strvec_push_nodup(&parts, xstrndup(p, (size_t)(d - p)));
			p = d + strlen(delim);
		}
		json_int_t idx = json_integer_value(json_object_get(o, "index"));
		struct strbuf sb = STRBUF_INIT;
		if (idx < 0)
			strbuf_addf(&sb, "%s%s", vt, delim);
		for (size_t i = 0; i < parts.nr; i++) {
			if (i)
				strbuf_addstr(&sb, delim);
			strbuf_addstr(&sb, (idx >= 0 && (size_t)idx == i) ? vt
									 : parts.v[i]);
		}
		if (idx >= 0 && (size_t)idx >= parts.nr)
			strbuf_addf(&sb, "%s%s", delim, vt);
		json_decref(val);
		val = json_string(sb.buf);
		strbuf_release(&sb);
		strvec_clear(&parts);
		free(tt);
		free(vt);
	}
	if (created || !cur || json_is_null(cur)) {
		/* a new field: its text read as YAML would read it */
		if (json_is_string(val) && created) {
			json_t *t = typed(json_string_value(val));
			json_decref(val);
			val = t;
		}
		fslot_set(slot, val);
		return 0;
	}
	if (json_is_object(cur) || json_is_array(cur)) {
		fslot_set(slot, val);
		return 0;
	}
	/* a scalar keeps its type and takes the value's text */
	char *text = (json_is_object(val) || json_is_array(val))
			     ? xstrdup("")
			     : scalar_text(val);
	json_decref(val);
	if (json_is_string(cur)) {
		fslot_set(slot, json_string(text));
		free(text);
		return 0;
	}
	json_t *t = typed(text);
	int ok = (json_is_number(cur) && json_is_number(t)) ||
		 (json_is_boolean(cur) && json_is_boolean(t));
	if (!ok) {
		json_decref(t);
		gerr_setc(err, GERR_INPUT, "cannot put \"%s\" into a field "
			  "that holds %s", text,
			  json_is_boolean(cur) ? "a boolean" : "a number");
		free(text);
		return -1;
	}
	free(text);
	fslot_set(slot, t);
	return 0;
}

/* A target's select or reject: group/version/kind, name and namespace
 * all exact (kubectl kustomize matches no regular expressions here), on
 * one id the object had. */
struct tsel {
	struct kgvk gvk;
	const char *name, *ns, *label_sel, *anno_sel;
};

static void tsel_init(struct tsel *t, const json_t *o)
{
	t->gvk.group = opt(o, "group");
	t->gvk.version = opt(o, "version");
	t->gvk.kind = opt(o, "kind");
	t->name = opt(o, "name");
	t->ns = opt(o, "namespace");
	t->label_sel = opt(o, "labelSelector");
	t->anno_sel = opt(o, "annotationSelector");
}

static int sel_matches_id(const struct tsel *s, const struct kid *id)
{
	struct kid want = { s->gvk, s->ns, s->name };
	if (*s->name && strcmp(s->name, id->name))
		return 0;
	if (*s->ns && strcmp(kid_effective_ns(&want), kid_effective_ns(id)))
		return 0;
	return kgvk_selected(&id->gvk, &s->gvk);
}

static int apply_target(struct kacc *acc, const json_t *value,
			const json_t *t, const char *where, struct gerr *err)
{
	const json_t *sel = json_object_get(t, "select");
	if (!json_is_object(sel))
		return gerr_setc(err, GERR_INPUT, "%s: a target needs select",
				 where);
	struct tsel s;
	tsel_init(&s, sel);
	const json_t *rejects = json_object_get(t, "reject");
	size_t nrej = json_array_size(rejects);
	struct tsel *rej = xcalloc(nrej ? nrej : 1, sizeof(*rej));
	int rc = 0;
	for (size_t i = 0; i < nrej; i++)
		tsel_init(&rej[i], json_array_get(rejects, i));

	const json_t *o = json_object_get(t, "options");
	int create = json_is_true(json_object_get(o, "create"));
	const json_t *fps = json_object_get(t, "fieldPaths");
	json_t *def = NULL;
	if (!json_array_size(fps)) {
		def = json_pack("[s]", "metadata.name");
		fps = def;
	}
	for (size_t i = 0; i < acc->res.nr && !rc; i++) {
		struct kres *r = acc->res.v[i];
		const json_t *md = json_object_get(r->obj, "metadata");
		if (*s.label_sel) {
			int m = klabel_selector_match(
				s.label_sel, json_object_get(md, "labels"), err);
			if (m < 0)
				rc = -1;
			if (m <= 0)
				continue;
		}
		if (*s.anno_sel) {
			int m = klabel_selector_match(
				s.anno_sel, json_object_get(md, "annotations"), err);
			if (m < 0)
				rc = -1;
			if (m <= 0)
				continue;
		}
		struct kid cur;
		kres_id(r, &cur);
		int hit = 0;
		for (size_t k = 0; k <= r->nprev && !hit; k++) {
			const struct kid *id = k == 0 ? &cur : &r->prev[k - 1];
			if (!sel_matches_id(&s, id))
				continue;
			int rejected = 0;
			for (size_t j = 0; j < nrej; j++)
				if (sel_matches_id(&rej[j], id))
					rejected = 1;
			if (!rejected)
				hit = 1;
		}
		if (!hit)
			continue;
		size_t f;
		const json_t *fp;
		json_array_foreach(fps, f, fp) {
			struct strvec seg = STRVEC_INIT;
			struct slots sl = { 0 };
			split_path(json_string_value(fp), &seg);
			rc = find(r->obj, &seg, 0, create, &sl, err);
			if (!rc && !sl.nr) {
				struct strbuf sb = STRBUF_INIT;
				kres_format(&sb, r);
				rc = gerr_setc(err, GERR_INPUT,
					       "%s: target %s has no field %s%s",
					       where, sb.buf,
					       json_string_value(fp),
					       create ? "" : " (options.create "
							     "makes it)");
				strbuf_release(&sb);
			}
			for (size_t k = 0; k < sl.nr && !rc; k++) {
				json_t *cur_v = fslot_get(&sl.v[k]);
				rc = put(&sl.v[k], value, o,
					 create && json_is_null(cur_v), err);
				if (rc < 0)
					gerr_prefix(err, "%s: %s", where,
						    json_string_value(fp));
			}
			free(sl.v);
			strvec_clear(&seg);
			if (rc)
				break;
		}
	}
	json_decref(def);
	free(rej);
	return rc;
}

static int run_one(struct kacc *acc, const json_t *repl, const char *where,
		   struct gerr *err)
{
	const json_t *src = json_object_get(repl, "source");
	const json_t *targets = json_object_get(repl, "targets");
	if (!json_is_object(src) || !json_array_size(targets))
		return gerr_setc(err, GERR_INPUT, "%s: a replacement needs a "
				 "source and at least one target", where);
	json_t *value = source_value(acc, src, where, err);
	if (!value)
		return -1;
	size_t i;
	const json_t *t;
	int rc = 0;
	json_array_foreach(targets, i, t) {
		char w[256];
		snprintf(w, sizeof(w), "%s: targets[%zu]", where, i);
		if ((rc = apply_target(acc, value, t, w, err)) < 0)
			break;
	}
	json_decref(value);
	return rc;
}

int kreplace_run(struct kust *kt, struct kacc *acc, const json_t *repl,
		 const char *ptr, struct gerr *err)
{
	struct strbuf w = STRBUF_INIT;
	int rc = 0;
	kust_where(kt, ptr, &w);
	strbuf_addstr(&w, ": replacement");
	const char *path = opt(repl, "path");
	if (*path) {
		if (json_object_get(repl, "source") ||
		    json_object_get(repl, "targets")) {
			rc = kust_fail(kt, ptr, err, "a replacement has either "
				       "path or source and targets, not both");
			goto out;
		}
		size_t len;
		char *shown;
		char *buf = kload_read(kt, path, ptr, &len, &shown, err);
		struct yaml_docs docs = YAML_DOCS_INIT;
		if (!buf || yaml_parse(buf, len, shown, YAML_KYAML, &docs, err) < 0) {
			yaml_docs_clear(&docs);
			free(buf);
			free(shown);
			rc = -1;
			goto out;
		}
		free(buf);
		for (size_t d = 0; d < docs.nr && !rc; d++) {
			json_t *v = docs.v[d].value;
			if (json_is_array(v)) {
				for (size_t k = 0; k < json_array_size(v) && !rc; k++)
					rc = run_one(acc, json_array_get(v, k),
						     shown, err);
			} else if (json_is_object(v)) {
				rc = run_one(acc, v, shown, err);
			}
		}
		yaml_docs_clear(&docs);
		free(shown);
		goto out;
	}
	rc = run_one(acc, repl, w.buf, err);
out:
	strbuf_release(&w);
	return rc;
}
