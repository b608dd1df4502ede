/*
 * What a chart's templates see: the Go types behind .Chart, .Capabilities,
 * .Files, chartutil.Values (with their methods), and the functions Helm
 * adds to Sprig's (engine/funcs.go and engine/engine.go).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/chart/chart_int.h"
#include "pkg/template/semver.h"
#include "pkg/yaml/yaml.h"
#include "pkg/base/base64.h"

/* ---- Go structs: a value per field ---- */

struct gstruct {
	size_t n;
	struct tmpl_value *f[];
};

static struct tmpl_value *gfield(const struct tmpl_value *self, size_t i)
{
	const struct gstruct *g = self->u.obj.data;
	return tmpl_ref(g->f[i]);
}

static void gfree(void *data)
{
	struct gstruct *g = data;
	for (size_t i = 0; i < g->n; i++)
		tmpl_unref(g->f[i]);
	free(g);
}

/* JSON names of a struct's fields; omitempty for each. */
struct gjson {
	const struct tmpl_class *cls;
	const char *const *names;
	const char *omitempty;  /* one char per field: '1' omits empty */
};

static const struct gjson *gjson_of(const struct tmpl_class *cls);

static int is_empty(const struct tmpl_value *v)
{
	if (!v || v->kind == TMPL_NIL)
		return 1;
	switch (v->kind) {
	case TMPL_BOOL: return !v->u.b;
	case TMPL_STRING: case TMPL_BYTES: return !v->u.str.len;
	case TMPL_LIST: return !tmpl_list_len(v);
	case TMPL_MAP: return !tmpl_map_len(v);
	case TMPL_INT: case TMPL_INT64: return !v->u.i;
	case TMPL_FLOAT64: return v->u.f == 0;
	default: return 0;
	}
}

static json_t *gstruct_json(const struct tmpl_value *self)
{
	const struct gjson *gj = gjson_of(self->u.obj.cls);
	const struct gstruct *g = self->u.obj.data;
	json_t *out = json_object();
	for (size_t i = 0; i < g->n; i++) {
		if (gj->omitempty[i] == '1' && is_empty(g->f[i]))
			continue;
		struct gerr err = GERR_INIT;
		json_t *j = tmpl_to_json(g->f[i], &err);
		gerr_clear(&err);
		json_object_set_new(out, gj->names[i], j ? j : json_null());
	}
	return out;
}

static struct tmpl_value *gstruct_new(const struct tmpl_class *cls)
{
	size_t n = 0;
	while (cls->fields[n])
		n++;
	struct gstruct *g = xcalloc(1, sizeof(*g) + n * sizeof(g->f[0]));
	g->n = n;
	for (size_t i = 0; i < n; i++)
		g->f[i] = tmpl_string("");
	return tmpl_object_new(cls, g);
}

static void gset(struct tmpl_value *obj, size_t i, struct tmpl_value *v)
{
	struct gstruct *g = obj->u.obj.data;
	tmpl_unref(g->f[i]);
	g->f[i] = v;
}

static struct tmpl_value *gget(const struct tmpl_value *obj, size_t i)
{
	const struct gstruct *g = obj->u.obj.data;
	return g->f[i];
}

/* ---- chart.Metadata (.Chart), chart.Maintainer, chart.Dependency ---- */

static const char *const chart_fields[] = { "Name", "Home", "Sources",
	"Version", "Description", "Keywords", "Maintainers", "Icon",
	"APIVersion", "Condition", "Tags", "AppVersion", "Deprecated",
	"Annotations", "KubeVersion", "Dependencies", "Type", "IsRoot", NULL };
static const char *const chart_json[] = { "name", "home", "sources",
	"version", "description", "keywords", "maintainers", "icon",
	"apiVersion", "condition", "tags", "appVersion", "deprecated",
	"annotations", "kubeVersion", "dependencies", "type", "IsRoot" };

static const struct tmpl_class chart_class = {
	"struct { *chart.Metadata; IsRoot bool }", "struct", chart_fields,
	gfield, NULL, NULL, NULL, gstruct_json, gfree,
};

static const char *const maint_fields[] = { "Name", "Email", "URL", NULL };
static const char *const maint_json[] = { "name", "email", "url" };
static const struct tmpl_class maint_class = {
	"*chart.Maintainer", "ptr", maint_fields, gfield, NULL, NULL, NULL,
	gstruct_json, gfree,
};

static const char *const dep_fields[] = { "Name", "Version", "Repository",
	"Condition", "Tags", "Enabled", "ImportValues", "Alias", NULL };
static const char *const dep_json[] = { "name", "version", "repository",
	"condition", "tags", "enabled", "import-values", "alias" };
static const struct tmpl_class dep_class = {
	"*chart.Dependency", "ptr", dep_fields, gfield, NULL, NULL, NULL,
	gstruct_json, gfree,
};

/* ---- .Capabilities ---- */

static int f_kv_string(struct tmpl_call *call, struct tmpl_value **a,
		       size_t n, struct tmpl_value **r)
{
	*r = tmpl_ref(gget(call->self, 0));
	return 0;
}

static const struct tmpl_func kv_methods[] = {
	{ "GitVersion", f_kv_string, " -> string", 0 },
	{ "String", f_kv_string, " -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};

static void kv_print(struct strbuf *out, const struct tmpl_value *self)
{
	const struct tmpl_value *v = gget(self, 0);
	strbuf_add(out, v->u.str.s, v->u.str.len);
}

static const char *const kv_fields[] = { "Version", "Major", "Minor", NULL };
static const struct tmpl_class kv_class = {
	"chartutil.KubeVersion", "struct", kv_fields, gfield, kv_methods,
	kv_print, NULL, gstruct_json, gfree,
};

static const char *const bi_fields[] = { "Version", "GitCommit",
	"GitTreeState", "GoVersion", NULL };
static const char *const bi_json[] = { "version", "git_commit",
	"git_tree_state", "go_version" };
static const struct tmpl_class bi_class = {
	"version.BuildInfo", "struct", bi_fields, gfield, NULL, NULL, NULL,
	gstruct_json, gfree,
};

static const char *const caps_fields[] = { "APIVersions", "KubeVersion",
	"HelmVersion", NULL };
static const struct tmpl_class caps_class = {
	"*chartutil.Capabilities", "ptr", caps_fields, gfield, NULL, NULL,
	NULL, gstruct_json, gfree,
};

static int f_has(struct tmpl_call *call, struct tmpl_value **a, size_t n,
		 struct tmpl_value **r)
{
	const struct tmpl_value *vs = call->self;
	int found = 0;
	for (size_t i = 0; i < tmpl_list_len(vs) && !found; i++) {
		const struct tmpl_value *s = tmpl_list_get(vs, i);
		found = s->u.str.len == a[0]->u.str.len &&
			!memcmp(s->u.str.s, a[0]->u.str.s, s->u.str.len);
	}
	*r = tmpl_bool(found);
	return 0;
}

static const struct tmpl_func vs_methods[] = {
	{ "Has", f_has, "string -> bool", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct tmpl_class vs_class = {
	"chartutil.VersionSet", "slice", NULL, NULL, vs_methods, NULL, NULL,
	NULL, NULL,
};

static const struct gjson gjsons[] = {
	{ &chart_class, chart_json, "111111111111111111" },
	{ &maint_class, maint_json, "111" },
	{ &dep_class, dep_json, "11111111" },
	{ &kv_class, kv_fields, "000" },
	{ &bi_class, bi_json, "1111" },
	{ &caps_class, caps_fields, "000" },
};

static const struct gjson *gjson_of(const struct tmpl_class *cls)
{
	for (size_t i = 0; i < sizeof(gjsons) / sizeof(gjsons[0]); i++)
		if (gjsons[i].cls == cls)
			return &gjsons[i];
	abort();
}

/* Every API group/version client-go v0.32 registers, plus the API
 * extensions: Helm's DefaultVersionSet. */
static const char *const default_api_versions[] = {
	"v1",
	"admissionregistration.k8s.io/v1",
	"admissionregistration.k8s.io/v1alpha1",
	"admissionregistration.k8s.io/v1beta1",
	"internal.apiserver.k8s.io/v1alpha1",
	"apps/v1", "apps/v1beta1", "apps/v1beta2",
	"authentication.k8s.io/v1", "authentication.k8s.io/v1alpha1",
	"authentication.k8s.io/v1beta1",
	"authorization.k8s.io/v1", "authorization.k8s.io/v1beta1",
	"autoscaling/v1", "autoscaling/v2", "autoscaling/v2beta1",
	"autoscaling/v2beta2",
	"batch/v1", "batch/v1beta1",
	"certificates.k8s.io/v1", "certificates.k8s.io/v1alpha1",
	"certificates.k8s.io/v1beta1",
	"coordination.k8s.io/v1", "coordination.k8s.io/v1alpha2",
	"coordination.k8s.io/v1beta1",
	"discovery.k8s.io/v1", "discovery.k8s.io/v1beta1",
	"events.k8s.io/v1", "events.k8s.io/v1beta1",
	"extensions/v1beta1",
	"flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta1",
	"flowcontrol.apiserver.k8s.io/v1beta2",
	"flowcontrol.apiserver.k8s.io/v1beta3",
	"networking.k8s.io/v1", "networking.k8s.io/v1alpha1",
	"networking.k8s.io/v1beta1",
	"node.k8s.io/v1", "node.k8s.io/v1alpha1", "node.k8s.io/v1beta1",
	"policy/v1", "policy/v1beta1",
	"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1alpha1",
	"rbac.authorization.k8s.io/v1beta1",
	"resource.k8s.io/v1alpha3", "resource.k8s.io/v1beta1",
	"scheduling.k8s.io/v1", "scheduling.k8s.io/v1alpha1",
	"scheduling.k8s.io/v1beta1",
	"storage.k8s.io/v1", "storage.k8s.io/v1alpha1", "storage.k8s.io/v1beta1",
	"storagemigration.k8s.io/v1alpha1",
	"apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1",
	NULL,
};

int chart_kube_version_parse(const char *s, char **version, char **major,
			     char **minor, struct gerr *err)
{
	struct semver v;
	if (semver_parse(s, &v, err) < 0)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, 'v');
	semver_format(&sb, &v);
	*version = strbuf_detach(&sb, NULL);
	*major = xasprintf("%llu", v.major);
	*minor = xasprintf("%llu", v.minor);
	semver_release(&v);
	return 0;
}

struct tmpl_value *chart_obj_capabilities(const char *kube_version,
					  const struct strvec *api_versions)
{
	struct tmpl_value *caps = gstruct_new(&caps_class);
	struct tmpl_value *vs = tmpl_list_new(TMPL_STRING);
	for (size_t i = 0; i < api_versions->nr; i++)
		tmpl_list_push(vs, tmpl_string(api_versions->v[i]));
	tmpl_set_class(vs, &vs_class);
	gset(caps, 0, vs);

	struct tmpl_value *kv = gstruct_new(&kv_class);
	char *version, *major, *minor;
	struct gerr err = GERR_INIT;
	if (chart_kube_version_parse(kube_version, &version, &major, &minor,
				     &err) == 0) {
		gset(kv, 0, tmpl_string_own(version, strlen(version)));
		gset(kv, 1, tmpl_string_own(major, strlen(major)));
		gset(kv, 2, tmpl_string_own(minor, strlen(minor)));
	}
	gerr_clear(&err);
	gset(caps, 1, kv);

	struct tmpl_value *bi = gstruct_new(&bi_class);
	gset(bi, 0, tmpl_string("v3.17.2"));
	gset(bi, 2, tmpl_string("clean"));
	gset(caps, 2, bi);
	return caps;
}

/* The default version set followed by the extra ones (--api-versions). */
void chart_default_api_versions(struct strvec *out);
void chart_default_api_versions(struct strvec *out)
{
	for (size_t i = 0; default_api_versions[i]; i++)
		strvec_push(out, default_api_versions[i]);
}

/* ---- building .Chart ---- */

static struct tmpl_value *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return tmpl_string(s ? s : "");
}

static struct tmpl_value *jstrings(const json_t *arr)
{
	if (!json_is_array(arr))
		return tmpl_nil();
	struct tmpl_value *l = tmpl_list_new(TMPL_STRING);
	size_t i;
	json_t *s;
	json_array_foreach(arr, i, s)
		tmpl_list_push(l, tmpl_string(json_is_string(s) ?
					      json_string_value(s) : ""));
	return l;
}

static struct tmpl_value *dep_object(const struct chart_dep *d)
{
	struct tmpl_value *o = gstruct_new(&dep_class);
	gset(o, 0, tmpl_string(d->name ? d->name : ""));
	gset(o, 1, tmpl_string(d->version ? d->version : ""));
	gset(o, 2, tmpl_string(d->repository ? d->repository : ""));
	gset(o, 3, tmpl_string(d->condition ? d->condition : ""));
	if (d->tags.nr) {
		struct tmpl_value *t = tmpl_list_new(TMPL_STRING);
		for (size_t i = 0; i < d->tags.nr; i++)
			tmpl_list_push(t, tmpl_string(d->tags.v[i]));
		gset(o, 4, t);
	} else {
		gset(o, 4, tmpl_nil());
	}
	gset(o, 5, tmpl_bool(d->enabled));
	gset(o, 6, d->import_values ? tmpl_from_json(d->import_values, 0)
				    : tmpl_nil());
	gset(o, 7, tmpl_string(d->alias ? d->alias : ""));
	return o;
}

struct tmpl_value *chart_obj_chart(const struct rnode *n)
{
	const json_t *m = n->c->meta;
	struct tmpl_value *o = gstruct_new(&chart_class);
	gset(o, 0, tmpl_string(n->name));
	gset(o, 1, jstr(m, "home"));
	gset(o, 2, jstrings(json_object_get(m, "sources")));
	gset(o, 3, jstr(m, "version"));
	gset(o, 4, jstr(m, "description"));
	gset(o, 5, jstrings(json_object_get(m, "keywords")));
	json_t *maint = json_object_get(m, "maintainers");
	if (json_is_array(maint)) {
		struct tmpl_value *l = tmpl_list_new(TMPL_NIL);
		size_t i;
		json_t *e;
		json_array_foreach(maint, i, e) {
			struct tmpl_value *mo = gstruct_new(&maint_class);
			gset(mo, 0, jstr(e, "name"));
			gset(mo, 1, jstr(e, "email"));
			gset(mo, 2, jstr(e, "url"));
			tmpl_list_push(l, mo);
		}
		gset(o, 6, l);
	} else {
		gset(o, 6, tmpl_nil());
	}
	gset(o, 7, jstr(m, "icon"));
	gset(o, 8, jstr(m, "apiVersion"));
	gset(o, 9, jstr(m, "condition"));
	gset(o, 10, jstr(m, "tags"));
	gset(o, 11, jstr(m, "appVersion"));
	gset(o, 12, tmpl_bool(json_is_true(json_object_get(m, "deprecated"))));
	json_t *ann = json_object_get(m, "annotations");
	if (json_is_object(ann)) {
		struct tmpl_value *a = tmpl_map_new(TMPL_STRING);
		const char *k;
		json_t *v;
		json_object_foreach(ann, k, v)
			tmpl_map_set(a, k, tmpl_string(json_string_value(v)));
		gset(o, 13, a);
	} else {
		gset(o, 13, tmpl_nil());
	}
	gset(o, 14, jstr(m, "kubeVersion"));
	if (n->has_deps) {
		struct tmpl_value *l = tmpl_list_new(TMPL_NIL);
		for (size_t i = 0; i < n->ndeps; i++)
			tmpl_list_push(l, dep_object(&n->deps[i]));
		gset(o, 15, l);
	} else {
		gset(o, 15, tmpl_nil());
	}
	gset(o, 16, jstr(m, "type"));
	gset(o, 17, tmpl_bool(n->parent == NULL));
	return o;
}

/* ---- chartutil.Values ---- */

static int f_values_yaml(struct tmpl_call *call, struct tmpl_value **a,
			 size_t n, struct tmpl_value **r)
{
	struct strbuf sb = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	struct gerr *saved = call->err;
	if (chart_to_yaml(&sb, call->self, &err) < 0) {
		gerr_move(saved, &err);
		strbuf_release(&sb);
		return -1;
	}
	/* Values.YAML keeps the final newline */
	strbuf_addch(&sb, '\n');
	*r = tmpl_string_buf(&sb);
	return 0;
}

static const struct tmpl_class values_class;

static int f_values_table(struct tmpl_call *call, struct tmpl_value **a,
			  size_t n, struct tmpl_value **r)
{
	struct tmpl_value *t = chart_values_table(
		(struct tmpl_value *)call->self, a[0]->u.str.s);
	if (!t) {
		/* ErrNoTable names the first key that is not a table */
		const char *p = a[0]->u.str.s;
		struct tmpl_value *cur = (struct tmpl_value *)call->self;
		for (;;) {
			const char *dot = strchr(p, '.');
			size_t len = dot ? (size_t)(dot - p) : strlen(p);
			struct tmpl_value *next = tmpl_map_getn(cur, p, len);
			if (!next || next->kind != TMPL_MAP || !dot)
				return tmpl_call_error(call, "\"%.*s\" is not "
						       "a table", (int)len, p);
			cur = next;
			p = dot + 1;
		}
	}
	struct tmpl_value *copy = tmpl_map_new(TMPL_NIL);
	for (size_t i = 0; i < tmpl_map_len(t); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(t, i);
		tmpl_map_setn(copy, e->key, e->klen, tmpl_ref(e->value));
	}
	tmpl_set_class(copy, &values_class);
	*r = copy;
	return 0;
}

static int f_values_asmap(struct tmpl_call *call, struct tmpl_value **a,
			  size_t n, struct tmpl_value **r)
{
	struct tmpl_value *copy = tmpl_map_new(TMPL_NIL);
	for (size_t i = 0; i < tmpl_map_len(call->self); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(call->self, i);
		tmpl_map_setn(copy, e->key, e->klen, tmpl_ref(e->value));
	}
	*r = copy;
	return 0;
}

static const struct tmpl_func values_methods[] = {
	{ "AsMap", f_values_asmap, " -> map[string]interface {}", 0 },
	{ "Table", f_values_table, "string -> chartutil.Values", 0 },
	{ "YAML", f_values_yaml, " -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct tmpl_class values_class = {
	"chartutil.Values", "map", NULL, NULL, values_methods, NULL, NULL,
	NULL, NULL,
};

struct tmpl_value *chart_obj_values(struct tmpl_value *map)
{
	tmpl_set_class(map, &values_class);
	return map;
}

/* ---- .Files (engine.files) ---- */

static const struct tmpl_class files_class;

/* gobwas/glob with '/' as the separator: * and ? stop at '/', ** does
 * not, [..] and [!..] classes, {a,b} alternatives, \ escapes. */
static int glob_match(const char *p, const char *pe, const char *s,
		      const char *se);

static const char *class_end(const char *p, const char *pe)
{
	const char *q = p + 1;
	if (q < pe && *q == '!')
		q++;
	if (q < pe && *q == ']')
		q++;
	while (q < pe && *q != ']')
		q++;
	return q < pe ? q : NULL;
}

static int class_match(const char *p, const char *end, char c)
{
	const char *q = p + 1;
	int neg = 0, hit = 0;
	if (*q == '!')
		neg = 1, q++;
	while (q < end) {
		char lo = *q, hi = *q;
		if (q + 2 < end && q[1] == '-')
			hi = q[2], q += 3;
		else
			q++;
		if (c >= lo && c <= hi)
			hit = 1;
	}
	return hit != neg;
}

/* The end of the {...} group at p, and its alternatives' boundaries. */
static const char *brace_end(const char *p, const char *pe)
{
	int depth = 0;
	for (const char *q = p; q < pe; q++) {
		if (*q == '\\') {
			q++;
			continue;
		}
		if (*q == '{')
			depth++;
		else if (*q == '}' && --depth == 0)
			return q;
	}
	return NULL;
}

static int glob_match(const char *p, const char *pe, const char *s,
		      const char *se)
{
	while (p < pe) {
		char c = *p;
		if (c == '*') {
			int super = p + 1 < pe && p[1] == '*';
			const char *rest = p + (super ? 2 : 1);
			for (const char *t = s;; t++) {
				if (glob_match(rest, pe, t, se))
					return 1;
				if (t == se || (!super && *t == '/'))
					return 0;
			}
		}
		if (c == '{') {
			const char *end = brace_end(p, pe);
			if (!end)
				return 0;
			const char *alt = p + 1;
			int depth = 0;
			for (const char *q = alt; q <= end; q++) {
				if (*q == '\\') {
					q++;
					continue;
				}
				if (*q == '{')
					depth++;
				else if (*q == '}' && depth)
					depth--;
				else if ((*q == ',' && !depth) || q == end) {
					/* try alternative [alt, q) then the
					 * rest of the pattern */
					size_t alen = (size_t)(q - alt);
					size_t rlen = (size_t)(pe - end - 1);
					char *pat = xmalloc(alen + rlen + 1);
					memcpy(pat, alt, alen);
					memcpy(pat + alen, end + 1, rlen);
					int ok = glob_match(pat, pat + alen + rlen,
							    s, se);
					free(pat);
					if (ok)
						return 1;
					alt = q + 1;
				}
			}
			return 0;
		}
		if (s == se)
			return 0;
		if (c == '?') {
			if (*s == '/')
				return 0;
		} else if (c == '[') {
			const char *end = class_end(p, pe);
			if (!end) {
				if (*s != '[')
					return 0;
			} else {
				if (*s == '/' || !class_match(p, end, *s))
					return 0;
				p = end;
			}
		} else {
			if (c == '\\' && p + 1 < pe)
				c = *++p;
			if (*s != c)
				return 0;
		}
		p++;
		s++;
	}
	return s == se;
}

static struct tmpl_value *files_new(void)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_BYTES);
	tmpl_set_class(m, &files_class);
	return m;
}

struct tmpl_value *chart_obj_files(const struct chart *c)
{
	struct tmpl_value *m = files_new();
	for (size_t i = 0; i < c->files.nr; i++)
		tmpl_map_set(m, c->files.v[i].name,
			     tmpl_bytes(c->files.v[i].data, c->files.v[i].len));
	return m;
}

static const struct tmpl_value *file_get(const struct tmpl_value *files,
					 const struct tmpl_value *name)
{
	return tmpl_map_getn(files, name->u.str.s, name->u.str.len);
}

static int f_files_get(struct tmpl_call *call, struct tmpl_value **a,
		       size_t n, struct tmpl_value **r)
{
	const struct tmpl_value *f = file_get(call->self, a[0]);
	*r = f ? tmpl_stringn(f->u.str.s, f->u.str.len) : tmpl_string("");
	return 0;
}

static int f_files_getbytes(struct tmpl_call *call, struct tmpl_value **a,
			    size_t n, struct tmpl_value **r)
{
	const struct tmpl_value *f = file_get(call->self, a[0]);
	*r = f ? tmpl_ref((struct tmpl_value *)f) : tmpl_bytes("", 0);
	return 0;
}

static int f_files_glob(struct tmpl_call *call, struct tmpl_value **a,
			size_t n, struct tmpl_value **r)
{
	const char *p = a[0]->u.str.s;
	size_t plen = a[0]->u.str.len;
	struct tmpl_value *out = files_new();
	for (size_t i = 0; i < tmpl_map_len(call->self); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(call->self, i);
		if (glob_match(p, p + plen, e->key, e->key + e->klen))
			tmpl_map_setn(out, e->key, e->klen, tmpl_ref(e->value));
	}
	*r = out;
	return 0;
}

static int f_files_lines(struct tmpl_call *call, struct tmpl_value **a,
			 size_t n, struct tmpl_value **r)
{
	const struct tmpl_value *f = file_get(call->self, a[0]);
	struct tmpl_value *l = tmpl_list_new(TMPL_STRING);
	if (f && f->u.str.len) {
		const char *s = f->u.str.s;
		size_t len = f->u.str.len;
		if (s[len - 1] == '\n')
			len--;
		size_t start = 0;
		for (size_t i = 0; i <= len; i++) {
			if (i == len || s[i] == '\n') {
				tmpl_list_push(l, tmpl_stringn(s + start,
							       i - start));
				start = i + 1;
			}
		}
	}
	*r = l;
	return 0;
}

/* AsConfig / AsSecrets: {basename: contents} as toYaml writes it. */
static int files_as(struct tmpl_call *call, struct tmpl_value **r, int b64)
{
	json_t *m = json_object();
	for (size_t i = 0; i < tmpl_map_len(call->self); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(call->self, i);
		const char *base = strrchr(e->key, '/');
		base = base ? base + 1 : e->key;
		struct strbuf sb = STRBUF_INIT;
		if (b64)
			base64_encode(&sb, e->value->u.str.s,
				      e->value->u.str.len);
		else
			strbuf_add(&sb, e->value->u.str.s, e->value->u.str.len);
		json_object_set_new(m, base, json_stringn(sb.buf ? sb.buf : "",
							  sb.len));
		strbuf_release(&sb);
	}
	struct strbuf out = STRBUF_INIT;
	chart_yaml_marshal(&out, m);
	json_decref(m);
	if (out.len && out.buf[out.len - 1] == '\n')
		strbuf_setlen(&out, out.len - 1);
	*r = tmpl_string_buf(&out);
	return 0;
}

static int f_files_asconfig(struct tmpl_call *call, struct tmpl_value **a,
			    size_t n, struct tmpl_value **r)
{
	return files_as(call, r, 0);
}

static int f_files_assecrets(struct tmpl_call *call, struct tmpl_value **a,
			     size_t n, struct tmpl_value **r)
{
	return files_as(call, r, 1);
}

static const struct tmpl_func files_methods[] = {
	{ "AsConfig", f_files_asconfig, " -> string", 0 },
	{ "AsSecrets", f_files_assecrets, " -> string", 0 },
	{ "Get", f_files_get, "string -> string", 0 },
	{ "GetBytes", f_files_getbytes, "string -> []uint8", 0 },
	{ "Glob", f_files_glob, "string -> engine.files", 0 },
	{ "Lines", f_files_lines, "string -> []string", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct tmpl_class files_class = {
	"engine.files", "map", NULL, NULL, files_methods, NULL, NULL, NULL,
	NULL,
};

/* ---- Helm's functions ---- */

int chart_to_yaml(struct strbuf *out, const struct tmpl_value *v,
		  struct gerr *err)
{
	json_t *j = tmpl_to_json(v, err);
	if (!j)
		return -1;
	chart_yaml_marshal(out, j);
	json_decref(j);
	if (out->len && out->buf[out->len - 1] == '\n')
		strbuf_setlen(out, out->len - 1);
	return 0;
}

static int f_to_yaml(struct tmpl_call *call, struct tmpl_value **a,
		     size_t n, struct tmpl_value **r)
{
	struct strbuf sb = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	/* errors are swallowed: Helm's toYaml gives "" */
	if (chart_to_yaml(&sb, a[0], &err) < 0)
		strbuf_reset(&sb);
	gerr_clear(&err);
	*r = tmpl_string_buf(&sb);
	return 0;
}

static int f_must_to_yaml(struct tmpl_call *call, struct tmpl_value **a,
			  size_t n, struct tmpl_value **r)
{
	struct strbuf sb = STRBUF_INIT;
	if (chart_to_yaml(&sb, a[0], call->err) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	*r = tmpl_string_buf(&sb);
	return 0;
}

static int to_json(struct tmpl_call *call, struct tmpl_value *v,
		   struct tmpl_value **r, int must)
{
	struct gerr err = GERR_INIT;
	json_t *j = tmpl_to_json(v, &err);
	if (!j) {
		if (must) {
			gerr_move(call->err, &err);
			return -1;
		}
		gerr_clear(&err);
		*r = tmpl_string("");
		return 0;
	}
	struct strbuf sb = STRBUF_INIT, go = STRBUF_INIT;
	yaml_write_json(&sb, j, YAML_JSON_SORT_KEYS);
	json_decref(j);
	/* encoding/json escapes <, > and & (for HTML) and leaves DEL raw */
	for (size_t i = 0; i < sb.len; i++) {
		char c = sb.buf[i];
		if (c == '\\' && i + 5 < sb.len &&
		    !memcmp(sb.buf + i + 1, "u007f", 5)) {
			strbuf_addch(&go, 0x7f);
			i += 5;
		} else if (c == '\\') {
			strbuf_add(&go, sb.buf + i, 2);
			i++;
		} else if (c == '<') {
			strbuf_addstr(&go, "\\u003c");
		} else if (c == '>') {
			strbuf_addstr(&go, "\\u003e");
		} else if (c == '&') {
			strbuf_addstr(&go, "\\u0026");
		} else {
			strbuf_addch(&go, c);
		}
	}
	strbuf_release(&sb);
	*r = tmpl_string_buf(&go);
	return 0;
}

static int f_to_json(struct tmpl_call *call, struct tmpl_value **a,
		     size_t n, struct tmpl_value **r)
{
	return to_json(call, a[0], r, 0);
}

static int f_must_to_json(struct tmpl_call *call, struct tmpl_value **a,
			  size_t n, struct tmpl_value **r)
{
	return to_json(call, a[0], r, 1);
}

/* fromYaml/fromJson: a map, or {"Error": message}; the Array forms a
 * list, or [message]. */
static int from_text(struct tmpl_call *call, struct tmpl_value *s,
		     struct tmpl_value **r, int json, int array)
{
	struct gerr err = GERR_INIT;
	struct tmpl_value *v = NULL;
	if (json) {
		json_error_t jerr;
		json_t *j = json_loadb(s->u.str.s, s->u.str.len,
				       JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (j) {
			v = tmpl_from_json(j, 0);
			json_decref(j);
		} else {
			gerr_set(&err, "%s", jerr.text);
		}
	} else {
		v = chart_yaml_unmarshal(s->u.str.s, s->u.str.len, &err);
		if (!v)
			gerr_prefix(&err, "error converting YAML to JSON");
	}
	const char *want = array ? "[]interface {}" : "map[string]interface {}";
	if (v && v->kind != (array ? TMPL_LIST : TMPL_MAP) &&
	    v->kind != TMPL_NIL) {
		gerr_set(&err, "error unmarshaling JSON: json: cannot unmarshal "
			 "%s into Go value of type %s",
			 v->kind == TMPL_LIST ? "array" :
			 v->kind == TMPL_MAP ? "object" :
			 v->kind == TMPL_STRING ? "string" :
			 v->kind == TMPL_BOOL ? "bool" : "number", want);
		tmpl_unref(v);
		v = NULL;
	}
	if (v && v->kind == TMPL_NIL) {
		tmpl_unref(v);
		v = array ? tmpl_list_new(TMPL_NIL) : tmpl_map_new(TMPL_NIL);
	}
	if (!v) {
		if (array) {
			v = tmpl_list_new(TMPL_NIL);
			tmpl_list_push(v, tmpl_string(gerr_msg(&err)));
		} else {
			v = tmpl_map_new(TMPL_NIL);
			tmpl_map_set(v, "Error", tmpl_string(gerr_msg(&err)));
		}
	}
	gerr_clear(&err);
	*r = v;
	return 0;
}

static int f_from_yaml(struct tmpl_call *call, struct tmpl_value **a,
		       size_t n, struct tmpl_value **r)
{
	return from_text(call, a[0], r, 0, 0);
}

static int f_from_yaml_array(struct tmpl_call *call, struct tmpl_value **a,
			     size_t n, struct tmpl_value **r)
{
	return from_text(call, a[0], r, 0, 1);
}

static int f_from_json(struct tmpl_call *call, struct tmpl_value **a,
		       size_t n, struct tmpl_value **r)
{
	return from_text(call, a[0], r, 1, 0);
}

static int f_from_json_array(struct tmpl_call *call, struct tmpl_value **a,
			     size_t n, struct tmpl_value **r)
{
	return from_text(call, a[0], r, 1, 1);
}

/* ---- toToml: BurntSushi/toml's encoder, as Helm uses it ---- */

static int toml_bare_key(const char *k, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
			return 0;
	return 1;
}

static void toml_string(struct strbuf *out, const char *s, size_t len)
{
	strbuf_addch(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': strbuf_addstr(out, "\\\""); break;
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '\b': strbuf_addstr(out, "\\b"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\f': strbuf_addstr(out, "\\f"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				strbuf_addf(out, "\\u%04X", c);
			else
				strbuf_addch(out, (char)c);
		}
	}
	strbuf_addch(out, '"');
}

static void toml_key(struct strbuf *out, const char *k, size_t len)
{
	if (toml_bare_key(k, len))
		strbuf_add(out, k, len);
	else
		toml_string(out, k, len);
}

static int toml_is_table(const json_t *v)
{
	return json_is_object(v);
}

static int toml_is_table_array(const json_t *v)
{
	if (!json_is_array(v) || !json_array_size(v))
		return 0;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
		if (!json_is_object(e))
			return 0;
	return 1;
}

static void toml_element(struct strbuf *out, const json_t *v);

static void toml_inline_table(struct strbuf *out, const json_t *v)
{
	struct strvec keys = STRVEC_INIT;
	const char *k;
	json_t *e;
	json_object_foreach((json_t *)v, k, e)
		strvec_push(&keys, k);
	strvec_sort(&keys);
	strbuf_addch(out, '{');
	int first = 1;
	for (size_t i = 0; i < keys.nr; i++) {
		e = json_object_get(v, keys.v[i]);
		if (json_is_null(e))
			continue;
		if (!first)
			strbuf_addch(out, ',');
		first = 0;
		strbuf_addch(out, ' ');
		toml_key(out, keys.v[i], strlen(keys.v[i]));
		strbuf_addstr(out, " = ");
		toml_element(out, e);
	}
	strbuf_addstr(out, first ? "}" : " }");
	strvec_clear(&keys);
}

static void toml_element(struct strbuf *out, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		toml_string(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		strbuf_addf(out, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL: {
		/* strconv.FormatFloat(f, 'f', -1, 64) and a ".0" when that
		 * has no point: the shortest fixed notation that reads back */
		double d = json_real_value(v);
		char buf[400];
		if (isnan(d)) {
			strbuf_addstr(out, "nan");
			break;
		}
		if (isinf(d)) {
			strbuf_addstr(out, d > 0 ? "inf" : "-inf");
			break;
		}
		for (int prec = 0; prec < 340; prec++) {
			snprintf(buf, sizeof(buf), "%.*f", prec, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		strbuf_addstr(out, buf);
		if (!strchr(buf, '.'))
			strbuf_addstr(out, ".0");
		break;
	}
	case JSON_TRUE:
		strbuf_addstr(out, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(out, "false");
		break;
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		strbuf_addch(out, '[');
		json_array_foreach(v, i, e) {
			if (i)
				strbuf_addstr(out, ", ");
			toml_element(out, e);
		}
		strbuf_addch(out, ']');
		break;
	}
	case JSON_OBJECT:
		toml_inline_table(out, v);
		break;
	case JSON_NULL:
		break;
	}
}

struct toml_enc {
	struct strbuf *out;
	int written;
};

static void toml_newline(struct toml_enc *e)
{
	if (e->written)
		strbuf_addch(e->out, '\n');
}

static void toml_key_path(struct strbuf *out, const struct strvec *path)
{
	for (size_t i = 0; i < path->nr; i++) {
		if (i)
			strbuf_addch(out, '.');
		toml_key(out, path->v[i], strlen(path->v[i]));
	}
}

static void toml_indent(struct strbuf *out, const struct strvec *path)
{
	for (size_t i = 1; i < path->nr; i++)
		strbuf_addstr(out, "  ");
}

static void toml_map(struct toml_enc *e, struct strvec *path,
		     const json_t *obj);

static void toml_table(struct toml_enc *e, struct strvec *path,
		       const json_t *obj)
{
	if (path->nr == 1)
		toml_newline(e);
	if (path->nr) {
		toml_indent(e->out, path);
		strbuf_addch(e->out, '[');
		toml_key_path(e->out, path);
		strbuf_addch(e->out, ']');
		e->written = 1;
		toml_newline(e);
	}
	toml_map(e, path, obj);
}

static void toml_map(struct toml_enc *e, struct strvec *path,
		     const json_t *obj)
{
	struct strvec direct = STRVEC_INIT, sub = STRVEC_INIT;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		if (toml_is_table(v) || toml_is_table_array(v))
			strvec_push(&sub, k);
		else
			strvec_push(&direct, k);
	}
	strvec_sort(&direct);
	strvec_sort(&sub);
	for (size_t i = 0; i < direct.nr; i++) {
		v = json_object_get(obj, direct.v[i]);
		if (json_is_null(v))
			continue;
		strvec_push(path, direct.v[i]);
		toml_indent(e->out, path);
		toml_key(e->out, direct.v[i], strlen(direct.v[i]));
		strbuf_addstr(e->out, " = ");
		toml_element(e->out, v);
		e->written = 1;
		toml_newline(e);
		free(path->v[--path->nr]);
		path->v[path->nr] = NULL;
	}
	for (size_t i = 0; i < sub.nr; i++) {
		v = json_object_get(obj, sub.v[i]);
		strvec_push(path, sub.v[i]);
		if (json_is_object(v)) {
			toml_table(e, path, v);
		} else {
			size_t k2;
			json_t *t;
			json_array_foreach(v, k2, t) {
				toml_newline(e);
				toml_indent(e->out, path);
				strbuf_addstr(e->out, "[[");
				toml_key_path(e->out, path);
				strbuf_addstr(e->out, "]]");
				e->written = 1;
				toml_newline(e);
				toml_map(e, path, t);
			}
		}
		free(path->v[--path->nr]);
		path->v[path->nr] = NULL;
	}
	strvec_clear(&direct);
	strvec_clear(&sub);
}

/* JSON for TOML: like tmpl_to_json, but a float64 stays a JSON real even
 * when it is whole (TOML writes 3.0 for it, and 3 for an integer). */
static json_t *toml_json(const struct tmpl_value *v, struct gerr *err)
{
	if (!v)
		return json_null();
	switch (v->kind) {
	case TMPL_FLOAT64:
		return json_real(v->u.f);
	case TMPL_LIST: {
		json_t *a = json_array();
		for (size_t i = 0; i < tmpl_list_len(v); i++) {
			json_t *e = toml_json(tmpl_list_get(v, i), err);
			if (!e) {
				json_decref(a);
				return NULL;
			}
			json_array_append_new(a, e);
		}
		return a;
	}
	case TMPL_MAP: {
		json_t *o = json_object();
		for (size_t i = 0; i < tmpl_map_len(v); i++) {
			const struct tmpl_map_entry *e = tmpl_map_entry(v, i);
			json_t *j = toml_json(e->value, err);
			if (!j) {
				json_decref(o);
				return NULL;
			}
			json_object_setn_new(o, e->key, e->klen, j);
		}
		return o;
	}
	default:
		return tmpl_to_json(v, err);
	}
}

static int f_to_toml(struct tmpl_call *call, struct tmpl_value **a,
		     size_t n, struct tmpl_value **r)
{
	struct gerr err = GERR_INIT;
	json_t *j = toml_json(a[0], &err);
	struct strbuf sb = STRBUF_INIT;
	if (!j) {
		strbuf_addstr(&sb, gerr_msg(&err));
	} else if (!json_is_object(j)) {
		strbuf_addstr(&sb, "toml: top-level values must be Go maps "
			      "or structs");
	} else {
		struct toml_enc e = { &sb, 0 };
		struct strvec path = STRVEC_INIT;
		toml_table(&e, &path, j);
		strvec_clear(&path);
	}
	json_decref(j);
	gerr_clear(&err);
	*r = tmpl_string_buf(&sb);
	return 0;
}

/* ---- include, tpl, required, fail, lookup ---- */

/* Helm stops an include of a name already being included this many
 * times; gantry's C stack allows less nesting than Go's growable one, so
 * the limit sits just under the executor's own depth limit. */
#define MAX_INCLUDE_NESTING (TMPL_MAX_EXEC_DEPTH - 2)

static int *inc_count(struct render *rs, const char *name)
{
	long i = strvec_find(&rs->inc_names, name);
	if (i < 0) {
		strvec_push(&rs->inc_names, name);
		rs->inc_counts = xrealloc(rs->inc_counts, rs->inc_names.nr *
					  sizeof(*rs->inc_counts));
		i = (long)rs->inc_names.nr - 1;
		rs->inc_counts[i] = 0;
	}
	return &rs->inc_counts[i];
}

static int f_include(struct tmpl_call *call, struct tmpl_value **a,
		     size_t n, struct tmpl_value **r)
{
	struct render *rs = call->user;
	const char *name = a[0]->u.str.s;
	int *cnt = inc_count(rs, name);
	if (*cnt >= MAX_INCLUDE_NESTING)
		return tmpl_call_error(call, "rendering template has a nested "
				       "reference name: %s: unable to execute "
				       "template", name);
	(*cnt)++;
	struct strbuf out = STRBUF_INIT;
	int rc = tmpl_call_template(call, name, a[1], &out);
	/* the counter array may have moved */
	(*inc_count(rs, name))--;
	if (rc < 0) {
		strbuf_release(&out);
		return -1;
	}
	*r = tmpl_string_buf(&out);
	return 0;
}

static void replace_no_value(struct strbuf *sb)
{
	static const char nv[] = "<no value>";
	if (!sb->buf || !memmem(sb->buf, sb->len, nv, 10))
		return;
	size_t j = 0;
	for (size_t i = 0; i < sb->len;) {
		if (i + 10 <= sb->len && !memcmp(sb->buf + i, nv, 10)) {
			i += 10;
			continue;
		}
		sb->buf[j++] = sb->buf[i++];
	}
	strbuf_setlen(sb, j);
}

static int f_tpl(struct tmpl_call *call, struct tmpl_value **a, size_t n,
		 struct tmpl_value **r)
{
	struct tmpl_set *child = tmpl_set_new_child(tmpl_call_set(call));
	struct gerr err = GERR_INIT;
	struct strbuf out = STRBUF_INIT;
	int rc = tmpl_set_parse(child, "gotpl", a[0]->u.str.s,
				a[0]->u.str.len, &err);
	if (rc < 0) {
		gerr_prefix(&err, "cannot parse template \"%s\"",
			    a[0]->u.str.s);
	} else {
		struct tmpl_exec_options o = { TMPL_MISSING_ZERO, call->user };
		rc = tmpl_execute(child, "gotpl", a[1], &o, &out, &err);
		if (rc < 0)
			gerr_prefix(&err, "error during tpl function execution "
				    "for \"%s\"", a[0]->u.str.s);
	}
	tmpl_set_free(child);
	if (rc < 0) {
		strbuf_release(&out);
		gerr_move(call->err, &err);
		return -1;
	}
	replace_no_value(&out);
	*r = tmpl_string_buf(&out);
	return 0;
}

/* required and fail wrap their message so that Helm's error cleanup can
 * find it among the "error calling include" layers. */
#define WARN_START "HELM_ERR_START"
#define WARN_END "HELM_ERR_END"

static int f_required(struct tmpl_call *call, struct tmpl_value **a,
		      size_t n, struct tmpl_value **r)
{
	struct tmpl_value *v = a[1];
	if (v->kind == TMPL_NIL ||
	    (v->kind == TMPL_STRING && !v->u.str.len))
		return tmpl_call_error(call, WARN_START "%s" WARN_END,
				       a[0]->u.str.s);
	*r = tmpl_ref(v);
	return 0;
}

static int f_fail(struct tmpl_call *call, struct tmpl_value **a, size_t n,
		  struct tmpl_value **r)
{
	return tmpl_call_error(call, WARN_START "%s" WARN_END, a[0]->u.str.s);
}

static int f_lookup(struct tmpl_call *call, struct tmpl_value **a, size_t n,
		    struct tmpl_value **r)
{
	*r = tmpl_map_new(TMPL_NIL);
	return 0;
}

static int f_get_host_by_name(struct tmpl_call *call, struct tmpl_value **a,
			      size_t n, struct tmpl_value **r)
{
	*r = tmpl_string("");
	return 0;
}

const struct tmpl_func chart_helm_funcs[] = {
	{ "fail", f_fail, "string -> string", 0 },
	{ "fromJson", f_from_json, "string -> map[string]interface {}", 0 },
	{ "fromJsonArray", f_from_json_array, "string -> []interface {}", 0 },
	{ "fromYaml", f_from_yaml, "string -> map[string]interface {}", 0 },
	{ "fromYamlArray", f_from_yaml_array, "string -> []interface {}", 0 },
	{ "getHostByName", f_get_host_by_name, "string -> string", 0 },
	{ "include", f_include, "string, any -> string", 0 },
	{ "lookup", f_lookup, "string, string, string, string -> "
	  "map[string]interface {}", 0 },
	{ "mustToJson", f_must_to_json, "any -> string", 0 },
	{ "mustToYaml", f_must_to_yaml, "any -> string", 0 },
	{ "required", f_required, "string, any -> any", 0 },
	{ "toJson", f_to_json, "any -> string", 0 },
	{ "toToml", f_to_toml, "any -> string", 0 },
	{ "toYaml", f_to_yaml, "any -> string", 0 },
	{ "tpl", f_tpl, "string, any -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};
