/*
 * Values as Helm's chartutil handles them: coalescing a chart's defaults
 * with what the user gave (nulls delete, globals flow down to subcharts),
 * dependencies (condition, tags, alias, import-values), and the user's
 * -f/--set values (loader.MergeMaps, pkg/strvals).
 *
 * Go's maps are shared by reference and Helm relies on it in places (it
 * copies where it must); these functions share and copy at the same points,
 * so the result is the same even where Helm mutates what it is given.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/chart/chart.h"
#include "pkg/chart/chart_int.h"
#include "pkg/source/source.h"
#include "pkg/template/semver.h"
#include "pkg/yaml/yaml.h"

static int is_table(const struct tmpl_value *v)
{
	return v && v->kind == TMPL_MAP;
}

static int is_nil(const struct tmpl_value *v)
{
	return !v || v->kind == TMPL_NIL;
}

/* The keys of a map, copied: the loops below change the maps they walk. */
static void map_keys(const struct tmpl_value *m, struct strvec *keys)
{
	for (size_t i = 0; i < tmpl_map_len(m); i++)
		strvec_push(keys, tmpl_map_entry(m, i)->key);
}

struct tmpl_value *chart_values_copy(const struct tmpl_value *v)
{
	return tmpl_deep_copy(v);
}

static struct tmpl_value *shallow_copy(const struct tmpl_value *m)
{
	struct tmpl_value *out = tmpl_map_new(TMPL_NIL);
	for (size_t i = 0; i < tmpl_map_len(m); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(m, i);
		tmpl_map_setn(out, e->key, e->klen, tmpl_ref(e->value));
	}
	return out;
}

/* coalesceTablesFullKey: src into dst; dst's values win. */
void chart_coalesce_tables(struct tmpl_value *dst, struct tmpl_value *src,
			   int merge)
{
	if (!src || !dst)
		return;
	/* A null in dst is pushed into src, so it wins below too. */
	for (size_t i = 0; i < tmpl_map_len(dst); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(dst, i);
		if (is_nil(e->value))
			tmpl_map_setn(src, e->key, e->klen, tmpl_nil());
	}
	struct strvec keys = STRVEC_INIT;
	map_keys(src, &keys);
	for (size_t i = 0; i < keys.nr; i++) {
		struct tmpl_value *val = tmpl_map_get(src, keys.v[i]);
		struct tmpl_value *dv = tmpl_map_get(dst, keys.v[i]);
		if (dv && !merge && is_nil(dv))
			tmpl_map_delete(dst, keys.v[i]);
		else if (!dv)
			tmpl_map_set(dst, keys.v[i], tmpl_ref(val));
		else if (is_table(val) && is_table(dv))
			chart_coalesce_tables(dv, val, merge);
		/* else: dst wins (Helm warns about table/non-table) */
	}
	strvec_clear(&keys);
}

static struct tmpl_value *merge_maps_new(const struct tmpl_value *a,
					 const struct tmpl_value *b)
{
	struct tmpl_value *out = shallow_copy(a);
	chart_merge_maps(out, b);
	return out;
}

/* loader.MergeMaps, into dst (which must not be shared with anything that
 * expects it unchanged; nested maps are never changed, only replaced). */
void chart_merge_maps(struct tmpl_value *dst, const struct tmpl_value *src)
{
	for (size_t i = 0; i < tmpl_map_len(src); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(src, i);
		struct tmpl_value *bv = tmpl_map_getn(dst, e->key, e->klen);
		if (is_table(e->value) && is_table(bv))
			tmpl_map_setn(dst, e->key, e->klen,
				      merge_maps_new(bv, e->value));
		else
			tmpl_map_setn(dst, e->key, e->klen,
				      tmpl_ref(e->value));
	}
}

struct tmpl_value *chart_values_table(struct tmpl_value *v, const char *path)
{
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		struct tmpl_value *next = tmpl_map_getn(v, p, n);
		if (!is_table(next))
			return NULL;
		v = next;
		if (!dot)
			return v;
		p = dot + 1;
	}
}

/* ---- the render tree ---- */

struct rnode *rnode_new(const struct chart *c, struct rnode *parent)
{
	struct rnode *n = xcalloc(1, sizeof(*n));
	n->c = c;
	n->parent = parent;
	n->name = xstrdup(c->name);
	n->values = tmpl_ref(c->values);
	n->has_deps = json_is_array(json_object_get(c->meta, "dependencies"));
	n->ndeps = c->ndeps;
	n->deps = xcalloc(c->ndeps ? c->ndeps : 1, sizeof(*n->deps));
	for (size_t i = 0; i < c->ndeps; i++) {
		const struct chart_dep *s = &c->deps[i];
		struct chart_dep *d = &n->deps[i];
		d->name = s->name ? xstrdup(s->name) : NULL;
		d->version = s->version ? xstrdup(s->version) : NULL;
		d->repository = s->repository ? xstrdup(s->repository) : NULL;
		d->condition = s->condition ? xstrdup(s->condition) : NULL;
		d->alias = s->alias ? xstrdup(s->alias) : NULL;
		for (size_t k = 0; k < s->tags.nr; k++)
			strvec_push(&d->tags, s->tags.v[k]);
		d->import_values = s->import_values ?
			json_deep_copy(s->import_values) : NULL;
		d->enabled = s->enabled;
	}
	n->nsubs = c->nsubs;
	n->subs = xcalloc(c->nsubs ? c->nsubs : 1, sizeof(*n->subs));
	for (size_t i = 0; i < c->nsubs; i++)
		n->subs[i] = rnode_new(c->subs[i], n);
	return n;
}

void rnode_free(struct rnode *n)
{
	if (!n)
		return;
	free(n->name);
	for (size_t i = 0; i < n->ndeps; i++)
		chart_dep_clear(&n->deps[i]);
	free(n->deps);
	tmpl_unref(n->values);
	for (size_t i = 0; i < n->nsubs; i++)
		rnode_free(n->subs[i]);
	free(n->subs);
	free(n);
}

void rnode_full_path(struct strbuf *out, const struct rnode *n)
{
	if (n->parent) {
		rnode_full_path(out, n->parent);
		strbuf_addstr(out, "/charts/");
	}
	strbuf_addstr(out, n->name);
}

/* ---- coalescing (chartutil/coalesce.go) ---- */

static int coalesce(const struct rnode *n, struct tmpl_value *dest,
		    int merge, struct gerr *err);

static int is_child_chart(const struct rnode *n, const char *key)
{
	for (size_t i = 0; i < n->nsubs; i++)
		if (!strcmp(n->subs[i]->name, key))
			return 1;
	return 0;
}

/* coalesceValues: the chart's defaults into v; v wins; a null in v
 * deletes the key unless merging. */
static void coalesce_values(const struct rnode *n, struct tmpl_value *v,
			    int merge)
{
	struct tmpl_value *vc = chart_values_copy(n->values);
	for (size_t i = 0; i < tmpl_map_len(vc); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(vc, i);
		struct tmpl_value *value = tmpl_map_getn(v, e->key, e->klen);
		if (!value) {
			tmpl_map_setn(v, e->key, e->klen, tmpl_ref(e->value));
		} else if (is_nil(value) && !merge) {
			tmpl_map_delete(v, e->key);
		} else if (is_table(value) && is_table(e->value)) {
			int m = merge || is_child_chart(n, e->key);
			chart_coalesce_tables(value, e->value, m);
		}
	}
	tmpl_unref(vc);
}

/* coalesceGlobals: src's "global" into dest's, dest's own entries win for
 * tables merged key by key. */
static void coalesce_globals(struct tmpl_value *dest,
			     const struct tmpl_value *src)
{
	struct tmpl_value *dg = tmpl_map_get(dest, "global");
	struct tmpl_value *sg = tmpl_map_get(src, "global");
	if (dg && !is_table(dg))
		return;
	if (sg && !is_table(sg))
		return;
	dg = dg ? tmpl_ref(dg) : tmpl_map_new(TMPL_NIL);
	for (size_t i = 0; sg && i < tmpl_map_len(sg); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(sg, i);
		struct tmpl_value *destv = tmpl_map_getn(dg, e->key, e->klen);
		if (is_table(e->value)) {
			struct tmpl_value *vv = shallow_copy(e->value);
			if (!destv) {
				tmpl_map_setn(dg, e->key, e->klen, vv);
			} else if (!is_table(destv)) {
				tmpl_unref(vv);
			} else {
				chart_coalesce_tables(vv, destv, 1);
				tmpl_map_setn(dg, e->key, e->klen, vv);
			}
		} else if (!is_table(destv)) {
			tmpl_map_setn(dg, e->key, e->klen, tmpl_ref(e->value));
		}
	}
	tmpl_map_set(dest, "global", dg);
}

static int coalesce_deps(const struct rnode *n, struct tmpl_value *dest,
			 int merge, struct gerr *err)
{
	for (size_t i = 0; i < n->nsubs; i++) {
		const struct rnode *sub = n->subs[i];
		struct tmpl_value *c = tmpl_map_get(dest, sub->name);
		if (!c) {
			c = tmpl_map_new(TMPL_NIL);
			tmpl_map_set(dest, sub->name, c);
		} else if (!is_table(c)) {
			struct strbuf sb = STRBUF_INIT;
			tmpl_sprintf(&sb, "%t", 2, &c, 1);
			gerr_setc(err, GERR_INPUT, "type mismatch on %s: %s",
				  sub->name, sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		coalesce_globals(c, dest);
		if (coalesce(sub, c, merge, err) < 0)
			return -1;
	}
	return 0;
}

static int coalesce(const struct rnode *n, struct tmpl_value *dest,
		    int merge, struct gerr *err)
{
	coalesce_values(n, dest, merge);
	return coalesce_deps(n, dest, merge, err);
}

struct tmpl_value *chart_coalesce(const struct rnode *n,
				  const struct tmpl_value *vals, int merge,
				  struct gerr *err)
{
	struct tmpl_value *v = vals ? chart_values_copy(vals)
				    : tmpl_map_new(TMPL_NIL);
	if (coalesce(n, v, merge, err) < 0) {
		tmpl_unref(v);
		return NULL;
	}
	return v;
}

/* ---- dependencies (chartutil/dependencies.go) ---- */

int chart_compatible_range(const char *constraint, const char *version)
{
	struct gerr err = GERR_INIT;
	struct semver v;
	int ok = 0;
	struct semver_constraints *c =
		semver_constraints_parse(constraint ? constraint : "", &err);
	if (c && semver_parse(version, &v, &err) == 0) {
		ok = semver_constraints_check(c, &v);
		semver_release(&v);
	}
	semver_constraints_free(c);
	gerr_clear(&err);
	return ok;
}

/* Values.PathValue: a non-table value at a dotted path, or NULL. */
static struct tmpl_value *path_value(struct tmpl_value *v, const char *path)
{
	const char *dot = strrchr(path, '.');
	struct tmpl_value *t = v;
	const char *key = path;
	if (dot) {
		char *head = xstrndup(path, (size_t)(dot - path));
		t = chart_values_table(v, head);
		free(head);
		key = dot + 1;
		if (!t)
			return NULL;
	}
	struct tmpl_value *r = tmpl_map_get(t, key);
	return r && !is_table(r) ? r : NULL;
}

static void process_tags(struct rnode *n, struct tmpl_value *cvals)
{
	struct tmpl_value *vt = tmpl_map_get(cvals, "tags");
	if (!is_table(vt))
		return;
	for (size_t i = 0; i < n->ndeps; i++) {
		struct chart_dep *r = &n->deps[i];
		int has_true = 0, has_false = 0;
		for (size_t k = 0; k < r->tags.nr; k++) {
			struct tmpl_value *b = tmpl_map_get(vt, r->tags.v[k]);
			if (b && b->kind == TMPL_BOOL) {
				if (b->u.b)
					has_true = 1;
				else
					has_false = 1;
			}
		}
		if (!has_true && has_false)
			r->enabled = 0;
		else
			r->enabled = 1;
	}
}

static void process_conditions(struct rnode *n, struct tmpl_value *cvals,
			       const char *path)
{
	for (size_t i = 0; i < n->ndeps; i++) {
		struct chart_dep *r = &n->deps[i];
		const char *cond = r->condition ? r->condition : "";
		char *copy = xstrdup(cond);
		/* strings.TrimSpace, then split on ',' */
		char *s = copy;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		size_t len = strlen(s);
		while (len && strchr(" \t\n\r", s[len - 1]))
			s[--len] = '\0';
		char *save = NULL;
		for (char *c = s; c; c = save) {
			char *comma = strchr(c, ',');
			save = comma ? comma + 1 : NULL;
			if (comma)
				*comma = '\0';
			if (!*c)
				continue;
			char *full = xasprintf("%s%s", path, c);
			struct tmpl_value *vv = path_value(cvals, full);
			free(full);
			if (vv && vv->kind == TMPL_BOOL) {
				r->enabled = vv->u.b;
				break;
			}
		}
		free(copy);
	}
}

/* getAliasDependency: a copy of the subchart a dependency names (and whose
 * version its constraint accepts), renamed to the alias. */
static struct rnode *alias_dependency(struct rnode *n,
				      const struct chart_dep *dep)
{
	for (size_t i = 0; i < n->nsubs; i++) {
		struct rnode *s = n->subs[i];
		if (strcmp(s->name, dep->name))
			continue;
		if (!chart_compatible_range(dep->version, s->c->version))
			continue;
		struct rnode *out = rnode_new(s->c, n);
		if (dep->alias && *dep->alias) {
			free(out->name);
			out->name = xstrdup(dep->alias);
		}
		return out;
	}
	return NULL;
}

static int dep_listed(const struct rnode *n, const struct rnode *s)
{
	for (size_t k = 0; k < n->ndeps; k++)
		if (!strcmp(s->name, n->deps[k].name) &&
		    chart_compatible_range(n->deps[k].version, s->c->version))
			return 1;
	return 0;
}

static int process_enabled(struct rnode *n, const struct tmpl_value *v,
			   const char *path, struct gerr *err)
{
	if (!n->has_deps)
		return 0;

	struct rnode **keep = xcalloc(n->nsubs + n->ndeps + 1, sizeof(*keep));
	size_t nkeep = 0;
	for (size_t i = 0; i < n->nsubs; i++)
		if (!dep_listed(n, n->subs[i]))
			keep[nkeep++] = n->subs[i];
	for (size_t i = 0; i < n->ndeps; i++) {
		struct rnode *a = alias_dependency(n, &n->deps[i]);
		if (a)
			keep[nkeep++] = a;
		if (n->deps[i].alias && *n->deps[i].alias) {
			free(n->deps[i].name);
			n->deps[i].name = xstrdup(n->deps[i].alias);
		}
	}
	/* the listed originals are replaced by their copies */
	for (size_t i = 0; i < n->nsubs; i++) {
		int kept = 0;
		for (size_t k = 0; k < nkeep; k++)
			kept |= keep[k] == n->subs[i];
		if (!kept)
			rnode_free(n->subs[i]);
	}
	free(n->subs);
	n->subs = keep;
	n->nsubs = nkeep;

	for (size_t i = 0; i < n->ndeps; i++)
		n->deps[i].enabled = 1;
	struct tmpl_value *cvals = chart_coalesce(n, v, 0, err);
	if (!cvals)
		return -1;
	process_tags(n, cvals);
	process_conditions(n, cvals, path);

	/* drop the disabled charts, and their entries (by name, as Helm's
	 * rm map does) */
	struct strvec rm = STRVEC_INIT;
	for (size_t k = 0; k < n->ndeps; k++)
		if (!n->deps[k].enabled)
			strvec_push(&rm, n->deps[k].name);
	size_t j = 0;
	for (size_t i = 0; i < n->nsubs; i++) {
		if (strvec_find(&rm, n->subs[i]->name) >= 0)
			rnode_free(n->subs[i]);
		else
			n->subs[j++] = n->subs[i];
	}
	n->nsubs = j;
	j = 0;
	for (size_t i = 0; i < n->ndeps; i++) {
		if (strvec_find(&rm, n->deps[i].name) >= 0) {
			chart_dep_clear(&n->deps[i]);
		} else {
			if (j != i)
				n->deps[j] = n->deps[i];
			j++;
		}
	}
	n->ndeps = j;
	strvec_clear(&rm);

	int rc = 0;
	for (size_t i = 0; i < n->nsubs && !rc; i++) {
		char *sub = xasprintf("%s%s.", path, n->subs[i]->name);
		rc = process_enabled(n->subs[i], cvals, sub, err);
		free(sub);
	}
	tmpl_unref(cvals);
	return rc;
}

/* pathToMap: {a: {b: data}} for "a.b"; data itself for ".". */
static struct tmpl_value *path_to_map(const char *path,
				      struct tmpl_value *data)
{
	if (!strcmp(path, "."))
		return tmpl_ref(data);
	struct strvec parts = STRVEC_INIT;
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		char *part = dot ? xstrndup(p, (size_t)(dot - p)) : xstrdup(p);
		strvec_push_nodup(&parts, part);
		if (!dot)
			break;
		p = dot + 1;
	}
	struct tmpl_value *cur = tmpl_ref(data);
	for (size_t i = parts.nr; i-- > 0;) {
		struct tmpl_value *m = tmpl_map_new(TMPL_NIL);
		tmpl_map_set(m, parts.v[i], cur);
		cur = m;
	}
	strvec_clear(&parts);
	return cur;
}

static json_t *import_pair(const char *child, const char *parent)
{
	return json_pack("{s:s,s:s}", "child", child, "parent", parent);
}

static int process_import_values(struct rnode *n, struct gerr *err)
{
	if (!n->has_deps)
		return 0;
	struct tmpl_value *cvals = chart_coalesce(n, NULL, 1, err);
	if (!cvals)
		return -1;
	struct tmpl_value *b = tmpl_map_new(TMPL_NIL);
	for (size_t i = 0; i < n->ndeps; i++) {
		struct chart_dep *r = &n->deps[i];
		if (!r->import_values)
			continue;
		json_t *out = json_array();
		size_t k;
		json_t *iv;
		json_array_foreach(r->import_values, k, iv) {
			struct tmpl_value *vv = NULL;
			const char *parent = ".";
			char *child = NULL;
			if (json_is_object(iv)) {
				const char *c = json_string_value(
					json_object_get(iv, "child"));
				const char *p = json_string_value(
					json_object_get(iv, "parent"));
				if (!c || !p) {
					json_decref(out);
					tmpl_unref(b);
					tmpl_unref(cvals);
					return gerr_setc(err, GERR_INPUT,
							 "%s: import-values of "
							 "%s: child and parent "
							 "must be strings",
							 n->name, r->name);
				}
				child = xstrdup(c);
				parent = p;
			} else if (json_is_string(iv)) {
				child = xasprintf("exports.%s",
						  json_string_value(iv));
			} else {
				continue;
			}
			json_array_append_new(out, import_pair(child, parent));
			char *tpath = xasprintf("%s.%s", r->name, child);
			vv = chart_values_table(cvals, tpath);
			free(tpath);
			if (vv) {
				struct tmpl_value *m = path_to_map(parent, vv);
				/* MergeTables(b, m): b wins */
				chart_coalesce_tables(b, m, 1);
				tmpl_unref(m);
			}
			free(child);
		}
		json_decref(r->import_values);
		r->import_values = out;
	}
	struct tmpl_value *copy = chart_values_copy(cvals);
	chart_coalesce_tables(copy, b, 1);
	tmpl_unref(n->values);
	n->values = copy;
	tmpl_unref(b);
	tmpl_unref(cvals);
	return 0;
}

static int process_imports(struct rnode *n, struct gerr *err)
{
	for (size_t i = 0; i < n->nsubs; i++)
		if (process_imports(n->subs[i], err) < 0)
			return -1;
	return process_import_values(n, err);
}

int chart_process_dependencies(struct rnode *root,
			       const struct tmpl_value *vals, struct gerr *err)
{
	struct tmpl_value *empty = NULL;
	if (!vals)
		vals = empty = tmpl_map_new(TMPL_NIL);
	int rc = process_enabled(root, vals, "", err);
	tmpl_unref(empty);
	if (rc < 0)
		return -1;
	return process_imports(root, err);
}

/* ---- the user's values ---- */

struct tmpl_value *chart_values_new(void)
{
	return tmpl_map_new(TMPL_NIL);
}

int chart_values_add_yaml(struct tmpl_value *vals, const char *buf,
			  size_t len, const char *name, struct gerr *err)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	if (yaml_parse(buf, len, name, YAML_DUPLICATE_KEYS, &docs, err) < 0) {
		yaml_docs_clear(&docs);     /* its file name */
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < docs.nr; i++) {
		json_t *j = docs.v[i].value;
		if (json_is_null(j))
			continue;
		if (!json_is_object(j)) {
			rc = gerr_at(err, name, docs.v[i].line, docs.v[i].col,
				     "cannot unmarshal %s into a values map",
				     json_is_array(j) ? "an array" :
				     "a scalar");
			break;
		}
		struct tmpl_value *m = tmpl_from_json(j, 0);
		chart_merge_maps(vals, m);
		tmpl_unref(m);
	}
	yaml_docs_clear(&docs);
	return rc;
}

int chart_values_add_file(struct tmpl_value *vals, const char *path,
			  struct gerr *err)
{
	size_t len;
	char *buf = source_read_file(path, &len, err);
	if (!buf)
		return -1;
	int rc = chart_values_add_yaml(vals, buf, len,
				       strcmp(path, "-") ? path : "<stdin>",
				       err);
	if (rc < 0)
		gerr_prefix(err, "failed to parse %s", path);
	free(buf);
	return rc;
}

void chart_values_add_json(struct tmpl_value *vals, const json_t *j)
{
	if (!json_is_object(j))
		return;
	struct tmpl_value *m = tmpl_from_json(j, 0);
	chart_merge_maps(vals, m);
	tmpl_unref(m);
}

/* ---- strvals: --set and friends (Helm's pkg/strvals) ----
 *
 * The parser reads the expression rune by rune as Helm's does; a key path
 * ends at '=', '[', ',' or '.', a backslash escapes the next character. */

#define MAX_NESTED_NAME_LEVEL 30
#define MAX_INDEX 65536

struct sv {
	const char *s;
	size_t pos, len;
	enum chart_set_kind kind;
	struct gerr *err;
};

enum { SV_OK = 0, SV_EOF = 1, SV_ERR = -1, SV_NOT_LIST = 2 };

/* runesUntil: read into out until a stop character (returned in *last) or
 * the end (SV_EOF). */
static int runes_until(struct sv *p, const char *stop, struct strbuf *out,
		       char *last)
{
	strbuf_reset(out);
	*last = 0;
	while (p->pos < p->len) {
		char c = p->s[p->pos++];
		if (strchr(stop, c)) {
			*last = c;
			return SV_OK;
		}
		if (c == '\\') {
			if (p->pos >= p->len)
				return SV_EOF;
			c = p->s[p->pos++];
		}
		strbuf_addch(out, c);
	}
	return SV_EOF;
}

static void sv_set(struct tmpl_value *data, const struct strbuf *key,
		   struct tmpl_value *val)
{
	if (!key->len) {
		tmpl_unref(val);
		return;
	}
	tmpl_map_setn(data, key->buf, key->len, val);
}

/* typedVal: true/false/null (any case), integers not starting with 0. */
static struct tmpl_value *typed_val(const char *s, size_t len, int as_string)
{
	if (as_string)
		return tmpl_stringn(s, len);
	if (len == 4 && !strncasecmp(s, "true", 4))
		return tmpl_bool(1);
	if (len == 5 && !strncasecmp(s, "false", 5))
		return tmpl_bool(0);
	if (len == 4 && !strncasecmp(s, "null", 4))
		return tmpl_nil();
	if (len == 1 && s[0] == '0')
		return tmpl_int64(0);
	if (len && s[0] != '0') {
		/* strconv.ParseInt(s, 10, 64): optional sign, digits only */
		size_t i = 0;
		int neg = 0;
		if (s[0] == '+' || s[0] == '-')
			neg = s[0] == '-', i++;
		if (i < len) {
			unsigned long long v = 0;
			int ok = 1;
			for (; i < len && ok; i++) {
				if (s[i] < '0' || s[i] > '9')
					ok = 0;
				else if (v > (ULLONG_MAX - 9) / 10)
					ok = 0;
				else
					v = v * 10 + (unsigned)(s[i] - '0');
			}
			if (ok && (neg ? v <= (unsigned long long)LLONG_MAX + 1
				       : v <= (unsigned long long)LLONG_MAX))
				return tmpl_int64(neg ? (long long)(0 - v)
						      : (long long)v);
		}
	}
	return tmpl_stringn(s, len);
}

/* The reader of a value: typed, a string, or a file's contents. */
static struct tmpl_value *sv_read(struct sv *p, const struct strbuf *rs)
{
	const char *s = rs->buf ? rs->buf : "";
	if (p->kind == CHART_SET_FILE) {
		size_t len;
		char *data = source_read_file(s, &len, p->err);
		if (!data)
			return NULL;
		return tmpl_string_own(data, len);
	}
	return typed_val(s, rs->len, p->kind == CHART_SET_STRING);
}

static int sv_val(struct sv *p, struct strbuf *out)
{
	char last;
	return runes_until(p, ",", out, &last);
}

/* valList: "{a,b}" */
static int sv_val_list(struct sv *p, struct tmpl_value **list)
{
	*list = NULL;
	if (p->pos >= p->len)
		return SV_EOF;
	if (p->s[p->pos] != '{')
		return SV_NOT_LIST;
	p->pos++;
	struct tmpl_value *l = tmpl_list_new(TMPL_NIL);
	struct strbuf rs = STRBUF_INIT;
	for (;;) {
		char last;
		int r = runes_until(p, ",}", &rs, &last);
		if (r != SV_OK) {
			strbuf_release(&rs);
			tmpl_unref(l);
			return gerr_set(p->err, "list must terminate with '}'");
		}
		struct tmpl_value *v = sv_read(p, &rs);
		if (!v) {
			strbuf_release(&rs);
			tmpl_unref(l);
			return SV_ERR;
		}
		tmpl_list_push(l, v);
		if (last == '}') {
			if (p->pos < p->len && p->s[p->pos] == ',')
				p->pos++;
			break;
		}
	}
	strbuf_release(&rs);
	*list = l;
	return SV_OK;
}

/* emptyVal: skip blanks; true at a ',' (consumed) or the end. */
static int sv_empty_val(struct sv *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c == ',') {
			p->pos++;
			return 1;
		}
		if (!strchr(" \t\n\v\f\r", c))
			return 0;
		p->pos++;
	}
	return 1;
}

/* A JSON value at the current position (json.Decoder.Decode), consumed. */
static struct tmpl_value *sv_json(struct sv *p)
{
	json_error_t jerr;
	json_t *j = json_loadb(p->s + p->pos, p->len - p->pos,
			       JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK |
			       JSON_ALLOW_NUL, &jerr);
	if (!j) {
		gerr_set(p->err, "%s", jerr.text);
		return NULL;
	}
	p->pos += (size_t)jerr.position;
	struct tmpl_value *v = tmpl_from_json(j, 0);
	json_decref(j);
	sv_empty_val(p);
	return v;
}

static const char *go_type_of(const struct tmpl_value *v)
{
	return is_nil(v) ? "nil" : tmpl_type_name(v);
}

static int sv_key(struct sv *p, struct tmpl_value *data, int level);

static int set_index(struct sv *p, struct tmpl_value **list, long long i,
		     struct tmpl_value *val)
{
	if (i < 0) {
		tmpl_unref(val);
		return gerr_set(p->err, "negative %lld index not allowed", i);
	}
	if (i > MAX_INDEX) {
		tmpl_unref(val);
		return gerr_set(p->err, "index of %lld is greater than maximum "
				"supported index of %d", i, MAX_INDEX);
	}
	/* lists are values: build a new one with the item in place */
	struct tmpl_value *old = *list;
	size_t n = tmpl_list_len(old);
	size_t want = (size_t)i + 1 > n ? (size_t)i + 1 : n;
	struct tmpl_value *l = tmpl_list_new(TMPL_NIL);
	for (size_t k = 0; k < want; k++) {
		if (k == (size_t)i)
			tmpl_list_push(l, val);
		else if (k < n)
			tmpl_list_push(l, tmpl_ref(tmpl_list_get(old, k)));
		else
			tmpl_list_push(l, tmpl_nil());
	}
	tmpl_unref(old);
	*list = l;
	return SV_OK;
}

static int parse_index(struct sv *p, long long *i)
{
	struct strbuf rs = STRBUF_INIT;
	char last;
	int r = runes_until(p, "]", &rs, &last);
	if (r != SV_OK) {
		strbuf_release(&rs);
		return gerr_set(p->err, "error parsing index: EOF");
	}
	char *end;
	const char *s = rs.buf ? rs.buf : "";
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || s[0] == ' ') {
		gerr_set(p->err, "error parsing index: strconv.Atoi: parsing "
			 "\"%s\": invalid syntax", s);
		strbuf_release(&rs);
		return SV_ERR;
	}
	strbuf_release(&rs);
	*i = v;
	return SV_OK;
}

/* listItem: what follows "name[i]" */
static int sv_list_item(struct sv *p, struct tmpl_value **list, long long i,
			int level)
{
	if (i < 0)
		return gerr_set(p->err, "negative %lld index not allowed", i);
	struct strbuf k = STRBUF_INIT;
	char last;
	int r = runes_until(p, "[.=", &k, &last);
	if (k.len) {
		gerr_set(p->err, "unexpected data at end of array index: "
			 "\"%s\"", k.buf);
		strbuf_release(&k);
		return SV_ERR;
	}
	strbuf_release(&k);
	if (r == SV_EOF)
		return SV_EOF;
	if (last == '=') {
		struct tmpl_value *v;
		if (p->kind == CHART_SET_JSON) {
			if (sv_empty_val(p))
				return set_index(p, list, i, tmpl_nil());
			if (!(v = sv_json(p)))
				return SV_ERR;
			return set_index(p, list, i, v);
		}
		if (p->kind == CHART_SET_LITERAL) {
			v = tmpl_stringn(p->s + p->pos, p->len - p->pos);
			p->pos = p->len;
			return set_index(p, list, i, v);
		}
		struct tmpl_value *vl;
		int e = sv_val_list(p, &vl);
		if (e == SV_OK)
			return set_index(p, list, i, vl);
		if (e == SV_EOF)
			return set_index(p, list, i, tmpl_string(""));
		if (e != SV_NOT_LIST)
			return SV_ERR;
		struct strbuf rs = STRBUF_INIT;
		sv_val(p, &rs);
		v = sv_read(p, &rs);
		strbuf_release(&rs);
		if (!v)
			return SV_ERR;
		return set_index(p, list, i, v);
	}
	if (last == '[') {
		long long next;
		if (parse_index(p, &next) < 0)
			return SV_ERR;
		struct tmpl_value *cur = NULL;
		if (tmpl_list_len(*list) > (size_t)i) {
			struct tmpl_value *ex = tmpl_list_get(*list, (size_t)i);
			if (!is_nil(ex)) {
				if (ex->kind != TMPL_LIST)
					return gerr_set(p->err, "unable to parse "
							"key: interface "
							"conversion: interface "
							"{} is %s, not []interface "
							"{}", go_type_of(ex));
				cur = tmpl_ref(ex);
			}
		}
		if (!cur)
			cur = tmpl_list_new(TMPL_NIL);
		r = sv_list_item(p, &cur, next, level);
		if (r < 0) {
			tmpl_unref(cur);
			return r;
		}
		if (set_index(p, list, i, cur) < 0)
			return SV_ERR;
		return r;
	}
	/* '.': a map inside the list */
	struct tmpl_value *inner = NULL;
	if (tmpl_list_len(*list) > (size_t)i) {
		struct tmpl_value *ex = tmpl_list_get(*list, (size_t)i);
		if (is_table(ex))
			inner = tmpl_ref(ex);
	}
	if (!inner)
		inner = tmpl_map_new(TMPL_NIL);
	r = sv_key(p, inner, level);
	if (r < 0) {
		tmpl_unref(inner);
		return r;
	}
	if (set_index(p, list, i, inner) < 0)
		return SV_ERR;
	return r;
}

/* key: one "path=value" (recursing for each '.'); SV_EOF at the end. */
static int sv_key(struct sv *p, struct tmpl_value *data, int level)
{
	struct strbuf k = STRBUF_INIT;
	char last;
	int r = runes_until(p, "=[,.", &k, &last);
	int rc = SV_OK;
	if (r == SV_EOF) {
		if (k.len)
			rc = gerr_set(p->err, "key \"%s\" has no value", k.buf);
		else
			rc = SV_EOF;
	} else if (last == '[') {
		long long i;
		struct tmpl_value *ex = tmpl_map_getn(data, k.buf ? k.buf : "",
						      k.len);
		if (parse_index(p, &i) < 0) {
			rc = SV_ERR;
		} else if (ex && ex->kind != TMPL_LIST) {
			rc = gerr_set(p->err, "unable to parse key: interface "
				      "conversion: interface {} is %s, not "
				      "[]interface {}", go_type_of(ex));
		} else {
			struct tmpl_value *list = ex ? tmpl_ref(ex)
						     : tmpl_list_new(TMPL_NIL);
			rc = sv_list_item(p, &list, i, level);
			if (rc != SV_ERR || list)
				sv_set(data, &k, list);
		}
	} else if (last == '=') {
		struct tmpl_value *v = NULL;
		if (p->kind == CHART_SET_JSON) {
			if (sv_empty_val(p))
				v = tmpl_nil();
			else if (!(v = sv_json(p)))
				rc = SV_ERR;
			if (v)
				sv_set(data, &k, v);
		} else if (p->kind == CHART_SET_LITERAL) {
			sv_set(data, &k, tmpl_stringn(p->s + p->pos,
						      p->len - p->pos));
			p->pos = p->len;
		} else {
			struct tmpl_value *vl;
			int e = sv_val_list(p, &vl);
			if (e == SV_OK) {
				sv_set(data, &k, vl);
			} else if (e == SV_EOF) {
				sv_set(data, &k, tmpl_string(""));
				rc = SV_EOF;
			} else if (e == SV_NOT_LIST) {
				struct strbuf rs = STRBUF_INIT;
				int ve = sv_val(p, &rs);
				v = sv_read(p, &rs);
				strbuf_release(&rs);
				if (!v)
					rc = SV_ERR;
				else {
					sv_set(data, &k, v);
					rc = ve;
				}
			} else {
				rc = SV_ERR;
			}
		}
	} else if (last == ',') {
		sv_set(data, &k, tmpl_string(""));
		rc = gerr_set(p->err, "key \"%s\" has no value (cannot end "
			      "with ,)", k.buf ? k.buf : "");
	} else { /* '.' */
		if (++level > MAX_NESTED_NAME_LEVEL) {
			rc = gerr_set(p->err, "value name nested level is "
				      "greater than maximum supported nested "
				      "level of %d", MAX_NESTED_NAME_LEVEL);
		} else {
			struct tmpl_value *ex = tmpl_map_getn(
				data, k.buf ? k.buf : "", k.len);
			if (ex && !is_table(ex)) {
				rc = gerr_set(p->err, "unable to parse key: "
					      "interface conversion: interface "
					      "{} is %s, not map[string]"
					      "interface {}", go_type_of(ex));
			} else {
				/* a copy: the map may be shared with values
				 * given earlier, which must not change */
				struct tmpl_value *inner =
					ex ? shallow_copy(ex)
					   : tmpl_map_new(TMPL_NIL);
				rc = sv_key(p, inner, level);
				if (rc == SV_OK && !tmpl_map_len(inner))
					rc = gerr_set(p->err, "key map \"%s\" "
						      "has no value", k.buf);
				if (tmpl_map_len(inner))
					sv_set(data, &k, inner);
				else
					tmpl_unref(inner);
			}
		}
	}
	strbuf_release(&k);
	return rc;
}

static const char *set_flag(enum chart_set_kind kind)
{
	switch (kind) {
	case CHART_SET: return "--set";
	case CHART_SET_STRING: return "--set-string";
	case CHART_SET_FILE: return "--set-file";
	case CHART_SET_JSON: return "--set-json";
	case CHART_SET_LITERAL: return "--set-literal";
	}
	return "--set";
}

int chart_values_set(struct tmpl_value *vals, enum chart_set_kind kind,
		     const char *expr, struct gerr *err)
{
	if (kind == CHART_SET_JSON) {
		const char *t = expr;
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++;
		if (*t == '{') {
			json_error_t jerr;
			json_t *j = json_loads(t, 0, &jerr);
			if (!j || !json_is_object(j)) {
				json_decref(j);
				return gerr_setc(err, GERR_INPUT,
						 "failed parsing --set-json data "
						 "JSON: %s", expr);
			}
			chart_values_add_json(vals, j);
			json_decref(j);
			return 0;
		}
	}
	/* Parse into a copy, so a failed expression changes nothing. */
	struct tmpl_value *work = shallow_copy(vals);
	struct sv p = { expr, 0, strlen(expr), kind, err };
	int r;
	while ((r = sv_key(&p, work, 0)) == SV_OK)
		;
	if (r == SV_ERR) {
		tmpl_unref(work);
		if (kind == CHART_SET_JSON)
			return gerr_setc(err, GERR_INPUT, "failed parsing "
					 "--set-json data %s", expr);
		err->code = GERR_INPUT;
		return gerr_prefix(err, "failed parsing %s data",
				   set_flag(kind));
	}
	for (size_t i = 0; i < tmpl_map_len(work); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(work, i);
		tmpl_map_setn(vals, e->key, e->klen, tmpl_ref(e->value));
	}
	tmpl_unref(work);
	return 0;
}
