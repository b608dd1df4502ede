/*
 * Schemas: which fields of which kinds carry a patch strategy. Two
 * sources fill the same structures: the built-in table (builtin.c) and an
 * OpenAPI v2 document's x-kubernetes-patch-* extensions.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/builtin.h"
#include "pkg/merge/internal.h"

int merge_field_set_strategy(struct merge_field *f, const char *strategy)
{
	f->strategy = strategy;
	f->merge = f->replace = f->retain = 0;
	if (!strategy)
		return 0;
	/* "merge", "replace", "retainKeys", or "retainKeys" with one of the
	 * others, comma-separated in either order */
	const char *comma = strchr(strategy, ',');
	size_t n = comma ? (size_t)(comma - strategy) : strlen(strategy);
	for (int part = 0; part < 2; part++) {
		if (n == 5 && !strncmp(strategy, "merge", 5) && !f->merge &&
		    !f->replace)
			f->merge = 1;
		else if (n == 7 && !strncmp(strategy, "replace", 7) &&
			 !f->merge && !f->replace)
			f->replace = 1;
		else if (n == 10 && !strncmp(strategy, "retainKeys", 10) &&
			 !f->retain)
			f->retain = 1;
		else
			return -1;
		if (!comma)
			return 0;
		strategy = comma + 1;
		if (strchr(strategy, ','))
			return -1;
		n = strlen(strategy);
		comma = NULL;
	}
	return 0;
}

const struct merge_field *merge_find_field(const struct merge_type *t,
					   const char *name)
{
	const struct merge_field *any = NULL;

	if (!t)
		return NULL;
	for (size_t i = 0; i < t->nr; i++) {
		if (!strcmp(t->fields[i].name, name))
			return &t->fields[i];
		if (!strcmp(t->fields[i].name, "*"))
			any = &t->fields[i];
	}
	return any;
}

/* --- building --------------------------------------------------------- */

static struct merge_type *add_type(struct merge_schema *s, const char *name)
{
	struct merge_type *t = xcalloc(1, sizeof(*t));
	t->name = name;
	ALLOC_GROW(s->types, s->nr_types + 1, s->alloc_types);
	s->types[s->nr_types++] = t;
	return t;
}

static struct merge_field *add_field(struct merge_type *t, const char *name)
{
	ALLOC_GROW(t->fields, t->nr + 1, t->alloc);
	struct merge_field *f = &t->fields[t->nr++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	return f;
}

static int type_cmp(const void *a, const void *b)
{
	const struct merge_type *x = *(struct merge_type *const *)a;
	const struct merge_type *y = *(struct merge_type *const *)b;
	return strcmp(x->name, y->name);
}

/* Types are sorted by name once built, so that lookups can bisect. */
static void sort_types(struct merge_schema *s)
{
	qsort(s->types, s->nr_types, sizeof(*s->types), type_cmp);
	s->nr_sorted = s->nr_types;
}

static struct merge_type *find_type(const struct merge_schema *s,
				    const char *name)
{
	struct merge_type key = { .name = name }, *kp = &key;
	struct merge_type **t = bsearch(&kp, s->types, s->nr_sorted,
					sizeof(*s->types), type_cmp);
	return t ? *t : NULL;
}

static void add_kind(struct merge_schema *s, const char *group,
		     const char *kind, struct merge_type *t, int priority)
{
	for (size_t i = 0; i < s->nr_kinds; i++) {
		struct merge_kind *k = &s->kinds[i];
		if (strcmp(k->group, group) || strcmp(k->kind, kind))
			continue;
		if (priority > k->priority) {
			k->type = t;
			k->priority = priority;
		}
		return;
	}
	ALLOC_GROW(s->kinds, s->nr_kinds + 1, s->alloc_kinds);
	s->kinds[s->nr_kinds++] =
		(struct merge_kind){ group, kind, t, priority };
}

/* --- the built-in schema ------------------------------------------------- */

static struct merge_schema builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

/* The table is code: a mistake in it is a bug, found by any test. */
static void builtin_bug(const char *what, const char *name)
{
	fprintf(stderr, "pkg/merge: built-in table: %s %s\n", what, name);
	abort();
}

static struct merge_type *builtin_type(const char *name)
{
	for (size_t i = 0; i < builtin.nr_types; i++)
		if (!strcmp(builtin.types[i]->name, name))
			return builtin.types[i];
	return NULL;
}

static void build_builtin(void)
{
	const struct merge_builtin_row *r;
	const struct merge_builtin_kind *k;

	for (r = merge_builtin_fields; r->type; r++)
		if (!builtin_type(r->type))
			add_type(&builtin, r->type);
	for (r = merge_builtin_fields; r->type; r++) {
		struct merge_field *f = add_field(builtin_type(r->type),
						  r->field);
		f->merge_key = r->merge_key;
		if (merge_field_set_strategy(f, r->strategy) < 0)
			builtin_bug("bad strategy of field", r->field);
		if (r->value_type &&
		    !(f->type = builtin_type(r->value_type)))
			builtin_bug("no rows for type", r->value_type);
	}
	sort_types(&builtin);
	for (k = merge_builtin_kinds; k->kind; k++) {
		struct merge_type *t = find_type(&builtin, k->type);
		if (!t)
			builtin_bug("no rows for the type of kind", k->kind);
		add_kind(&builtin, k->group, k->kind, t, 0);
	}
}

const struct merge_schema *merge_schema_builtin(void)
{
	pthread_once(&builtin_once, build_builtin);
	return &builtin;
}

/* --- lookups ----------------------------------------------------------- */

const struct merge_type *merge_schema_lookup(const struct merge_schema *s,
					     const char *group,
					     const char *kind)
{
	if (!group)
		group = "";
	for (; s; s = s->fallback)
		for (size_t i = 0; i < s->nr_kinds; i++)
			if (!strcmp(s->kinds[i].group, group) &&
			    !strcmp(s->kinds[i].kind, kind))
				return s->kinds[i].type;
	return NULL;
}

int merge_type_field(const struct merge_type *t, const char *path,
		     const char **strategy, const char **merge_key)
{
	struct strbuf tok = STRBUF_INIT;
	const struct merge_field *f = NULL;

	if (!t || !path || *path != '/')
		return -1;
	while (*path) {
		strbuf_reset(&tok);
		for (path++; *path && *path != '/'; path++) {
			if (*path == '~' && (path[1] == '0' || path[1] == '1'))
				strbuf_addch(&tok, *++path == '0' ? '~' : '/');
			else
				strbuf_addch(&tok, *path);
		}
		if (f)
			t = f->type;
		if (!(f = merge_find_field(t, tok.buf)))
			break;
	}
	strbuf_release(&tok);
	if (!f)
		return -1;
	if (strategy)
		*strategy = f->strategy;
	if (merge_key)
		*merge_key = f->merge_key;
	return 0;
}

int merge_schema_foreach_kind(const struct merge_schema *s,
			      int (*fn)(const char *group, const char *kind,
					const struct merge_type *t,
					void *data),
			      void *data)
{
	for (size_t i = 0; i < s->nr_kinds; i++) {
		int rc = fn(s->kinds[i].group, s->kinds[i].kind,
			    s->kinds[i].type, data);
		if (rc)
			return rc;
	}
	return 0;
}

struct walk {
	int (*fn)(const char *, const char *, const char *, void *);
	void *data;
	struct strbuf path;
	const struct merge_type **stack; /* the types entered on this path */
	size_t depth, alloc;
};

static int walk_type(struct walk *w, const struct merge_type *t)
{
	for (size_t i = 0; i < w->depth; i++)
		if (w->stack[i] == t)
			return 0;
	ALLOC_GROW(w->stack, w->depth + 1, w->alloc);
	w->stack[w->depth++] = t;
	int rc = 0;
	for (size_t i = 0; i < t->nr && !rc; i++) {
		const struct merge_field *f = &t->fields[i];
		size_t len = mpath_push(&w->path, f->name);
		rc = w->fn(w->path.buf, f->strategy, f->merge_key, w->data);
		if (!rc && f->type)
			rc = walk_type(w, f->type);
		mpath_pop(&w->path, len);
	}
	w->depth--;
	return rc;
}

int merge_type_walk(const struct merge_type *t,
		    int (*fn)(const char *path, const char *strategy,
			      const char *merge_key, void *data),
		    void *data)
{
	struct walk w = { fn, data, STRBUF_INIT, NULL, 0, 0 };
	int rc = t ? walk_type(&w, t) : 0;
	strbuf_release(&w.path);
	free(w.stack);
	return rc;
}

/* --- OpenAPI v2 ---------------------------------------------------------- */

static const char *keep(struct merge_schema *s, const char *str)
{
	return str ? strvec_push(&s->strings, str) : NULL;
}

/* "#/definitions/NAME" of a property, directly or as the only allOf. */
static const char *ref_of(const json_t *prop)
{
	const char *ref = json_string_value(json_object_get(prop, "$ref"));
	const json_t *all = json_object_get(prop, "allOf");

	if (!ref && json_array_size(all) == 1)
		ref = json_string_value(
			json_object_get(json_array_get(all, 0), "$ref"));
	if (ref && !strncmp(ref, "#/definitions/", 14))
		return ref + 14;
	return NULL;
}

/* A type standing for "a map whose values are all of type t". */
static struct merge_type *map_of(struct merge_schema *s,
				 struct merge_type *t)
{
	struct strbuf name = STRBUF_INIT;
	strbuf_addf(&name, "map[string]%s", t->name);
	struct merge_type *m = add_type(s, keep(s, name.buf));
	strbuf_release(&name);
	add_field(m, "*")->type = t;
	return m;
}

/* The definition a property's value (or its items) refers to. */
static struct merge_type *prop_type(struct merge_schema *s,
				    const json_t *prop)
{
	const char *ref = ref_of(prop);
	const char *type = json_string_value(json_object_get(prop, "type"));
	const json_t *inner;

	if (ref)
		return find_type(s, ref);
	if (type && !strcmp(type, "array"))
		return (ref = ref_of(json_object_get(prop, "items"))) ?
			       find_type(s, ref) :
			       NULL;
	inner = json_object_get(prop, "additionalProperties");
	if (type && !strcmp(type, "object") && (ref = ref_of(inner))) {
		struct merge_type *t = find_type(s, ref);
		return t ? map_of(s, t) : NULL;
	}
	return NULL;
}

/* How much a version is preferred, as Kubernetes orders versions: GA over
 * beta over alpha, then the higher major, then the higher minor; names
 * that are not "v<N>[alpha|beta<M>]" come last. */
static int version_priority(const char *v)
{
	int major = 0, minor = 0, stability = 3, n = 0;
	char level[8] = "";

	if (!v || sscanf(v, "v%d%n", &major, &n) != 1 || major <= 0)
		return 0;
	if (v[n]) {
		int m = 0;
		if (sscanf(v + n, "%5[a-z]%d%n", level, &minor, &m) != 2 ||
		    v[n + m] || minor <= 0)
			return 0;
		if (!strcmp(level, "beta"))
			stability = 2;
		else if (!strcmp(level, "alpha"))
			stability = 1;
		else
			return 0;
	}
	return stability * 1000000 + major * 1000 + minor;
}

static int read_definition(struct merge_schema *s, struct merge_type *t,
			   const json_t *def, struct gerr *err)
{
	const char *name;
	json_t *prop, *gvk;
	size_t i;

	json_object_foreach(json_object_get(def, "properties"), name, prop) {
		struct merge_field *f = add_field(t, keep(s, name));
		const char *strategy = json_string_value(
			json_object_get(prop, "x-kubernetes-patch-strategy"));
		f->merge_key = keep(s, json_string_value(json_object_get(
					       prop,
					       "x-kubernetes-patch-merge-key")));
		if (merge_field_set_strategy(f, keep(s, strategy)) < 0)
			return gerr_setc(err, GERR_INPUT,
					 "OpenAPI v2: definitions/%s/properties/%s: "
					 "unknown x-kubernetes-patch-strategy \"%s\"",
					 t->name, name, strategy);
		f->type = prop_type(s, prop);
	}
	json_array_foreach(json_object_get(def, "x-kubernetes-group-version-kind"),
			   i, gvk) {
		const char *group = json_string_value(json_object_get(gvk, "group"));
		const char *kind = json_string_value(json_object_get(gvk, "kind"));
		const char *version =
			json_string_value(json_object_get(gvk, "version"));
		if (kind)
			add_kind(s, keep(s, group ? group : ""), keep(s, kind), t,
				 version_priority(version));
	}
	return 0;
}

struct merge_schema *merge_schema_from_openapi(const json_t *openapi_v2,
					       struct gerr *err)
{
	const json_t *defs = json_object_get(openapi_v2, "definitions");
	struct merge_schema *s;
	const char *name;
	json_t *def;

	if (!json_is_object(defs)) {
		gerr_setc(err, GERR_INPUT,
			  "OpenAPI v2: the document has no \"definitions\" object");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->fallback = merge_schema_builtin();
	json_object_foreach((json_t *)defs, name, def)
		add_type(s, keep(s, name));
	sort_types(s);
	/* map_of() appends types while the definitions are read; they are
	 * reached through fields only, never searched by name */
	for (size_t i = 0; i < s->nr_sorted; i++) {
		struct merge_type *t = s->types[i];
		if (read_definition(s, t, json_object_get(defs, t->name),
				    err) < 0) {
			merge_schema_free(s);
			return NULL;
		}
	}
	return s;
}

void merge_schema_free(struct merge_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr_types; i++) {
		free(s->types[i]->fields);
		free(s->types[i]);
	}
	free(s->types);
	free(s->kinds);
	strvec_clear(&s->strings);
	free(s);
}
