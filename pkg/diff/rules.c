/* ignoreDifferences and sensitive-field rules, and JSON pointers. */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/diff/internal.h"

struct rule {
	char *group, *kind;
	char *ns, *name;      /* NULL: any */
	int sensitive;
	struct diff_pattern pat;
};

struct diff_rules {
	struct rule *v;
	size_t nr, alloc;
};

/* Every key of a Secret's data and stringData is sensitive, always. */
static char *secret_data_segs[] = { "data", "*" };
static char *secret_string_segs[] = { "stringData", "*" };
static const struct diff_pattern secret_data = { secret_data_segs, 2 };
static const struct diff_pattern secret_string = { secret_string_segs, 2 };

struct diff_rules *diff_rules_new(void)
{
	return xcalloc(1, sizeof(struct diff_rules));
}

static void pattern_clear(struct diff_pattern *p)
{
	for (size_t i = 0; i < p->nr; i++)
		free(p->segs[i]);
	free(p->segs);
}

void diff_rules_free(struct diff_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nr; i++) {
		struct rule *x = &r->v[i];
		free(x->group);
		free(x->kind);
		free(x->ns);
		free(x->name);
		pattern_clear(&x->pat);
	}
	free(r->v);
	free(r);
}

/* Parse a JSON pointer into segments; the root ("") names no field. */
static int pattern_parse(const char *ptr, struct diff_pattern *p,
			 struct gerr *err)
{
	size_t alloc = 0;

	p->segs = NULL;
	p->nr = 0;
	if (!ptr || ptr[0] != '/')
		return gerr_setc(err, GERR_INPUT,
				 "path \"%s\" is not a JSON pointer (it must "
				 "start with '/', as /spec/replicas)",
				 ptr ? ptr : "");
	while (*ptr == '/') {
		const char *s = ptr + 1;
		size_t n = strcspn(s, "/");
		char *seg = xmalloc(n + 1), *o = seg;

		for (size_t i = 0; i < n; i++) {
			if (s[i] != '~') {
				*o++ = s[i];
				continue;
			}
			if (i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
				*o++ = s[i + 1] == '0' ? '~' : '/';
				i++;
				continue;
			}
			free(seg);
			pattern_clear(p);
			return gerr_setc(err, GERR_INPUT,
					 "path \"%s\": '~' must be followed "
					 "by 0 or 1 (RFC 6901)",
					 ptr);
		}
		*o = '\0';
		ALLOC_GROW(p->segs, p->nr + 1, alloc);
		p->segs[p->nr++] = seg;
		ptr = s + n;
	}
	return 0;
}

static int add_rule(struct diff_rules *r, int sensitive, const char *group,
		    const char *kind, const char *ns, const char *name,
		    const char *path, struct gerr *err)
{
	struct diff_pattern pat;

	if (!kind || !*kind)
		return gerr_setc(err, GERR_INPUT, "a rule needs a kind");
	if (pattern_parse(path, &pat, err) < 0)
		return -1;
	ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	struct rule *x = &r->v[r->nr++];
	x->group = xstrdup(group ? group : "");
	x->kind = xstrdup(kind);
	x->ns = ns ? xstrdup(ns) : NULL;
	x->name = name ? xstrdup(name) : NULL;
	x->sensitive = sensitive;
	x->pat = pat;
	return 0;
}

int diff_rules_add_ignore(struct diff_rules *r, const char *group,
			  const char *kind, const char *ns, const char *name,
			  const char *path, struct gerr *err)
{
	return add_rule(r, 0, group, kind, ns, name, path, err);
}

int diff_rules_add_sensitive(struct diff_rules *r, const char *group,
			     const char *kind, const char *path,
			     struct gerr *err)
{
	return add_rule(r, 1, group, kind, NULL, NULL, path, err);
}

/* A string member of an entry, or NULL; -1 when it is there but not a
 * string. */
static int entry_string(const json_t *e, const char *key, const char **out)
{
	const json_t *v = json_object_get(e, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static int add_entry(struct diff_rules *r, int sensitive, const json_t *e,
		     struct gerr *err)
{
	static const char *const ignore_keys[] = { "group", "kind", "name",
						   "namespace", "paths",
						   NULL };
	static const char *const sensitive_keys[] = { "group", "kind",
						      "paths", NULL };
	const char *const *known = sensitive ? sensitive_keys : ignore_keys;
	const char *group, *kind, *ns, *name, *key;
	const json_t *paths, *v;
	size_t i;

	if (!json_is_object(e))
		return gerr_setc(err, GERR_INPUT, "must be a mapping");
	json_object_foreach((json_t *)e, key, v) {
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i])
			return gerr_setc(err, GERR_INPUT, "unknown key \"%s\"",
					 key);
	}
	if (entry_string(e, "group", &group) < 0 ||
	    entry_string(e, "kind", &kind) < 0 ||
	    entry_string(e, "namespace", &ns) < 0 ||
	    entry_string(e, "name", &name) < 0)
		return gerr_setc(err, GERR_INPUT,
				 "group, kind, name and namespace must be "
				 "strings");
	if (!kind || !*kind)
		return gerr_setc(err, GERR_INPUT, "kind is required");
	paths = json_object_get(e, "paths");
	if (!json_is_array(paths) || !json_array_size(paths))
		return gerr_setc(err, GERR_INPUT,
				 "paths must be a non-empty list of JSON "
				 "pointers");
	json_array_foreach(paths, i, v) {
		if (!json_is_string(v))
			return gerr_setc(err, GERR_INPUT,
					 "paths[%zu] must be a string", i);
		if (add_rule(r, sensitive, group, kind, ns, name,
			     json_string_value(v), err) < 0)
			return gerr_prefix(err, "paths[%zu]", i);
	}
	return 0;
}

int diff_rules_add_json(struct diff_rules *r, const json_t *doc,
			const char *file, struct gerr *err)
{
	static const char *const lists[] = { "ignoreDifferences", "sensitive" };
	const char *where = file ? file : "rules";

	if (!json_is_object(doc))
		return gerr_setc(err, GERR_INPUT,
				 "%s: rules must be a mapping with "
				 "ignoreDifferences and sensitive lists",
				 where);
	for (int l = 0; l < 2; l++) {
		const json_t *list = json_object_get(doc, lists[l]);
		const json_t *e;
		size_t i;

		if (!list || json_is_null(list))
			continue;
		if (!json_is_array(list))
			return gerr_setc(err, GERR_INPUT,
					 "%s: %s must be a list", where,
					 lists[l]);
		json_array_foreach(list, i, e) {
			if (add_entry(r, l == 1, e, err) < 0)
				return gerr_prefix(err, "%s: %s[%zu]", where,
						   lists[l], i);
		}
	}
	return 0;
}

static void patterns_push(struct diff_patterns *out,
			  const struct diff_pattern *p)
{
	ALLOC_GROW(out->v, out->nr + 1, out->alloc);
	out->v[out->nr++] = p;
}

void rules_select(const struct diff_rules *r, int sensitive,
		  const char *group, const char *kind, const char *ns,
		  const char *name, struct diff_patterns *out)
{
	out->v = NULL;
	out->nr = out->alloc = 0;
	if (sensitive && !*group && !strcmp(kind, "Secret")) {
		patterns_push(out, &secret_data);
		patterns_push(out, &secret_string);
	}
	for (size_t i = 0; r && i < r->nr; i++) {
		const struct rule *x = &r->v[i];
		if (x->sensitive != sensitive ||
		    (strcmp(x->group, "*") && strcmp(x->group, group)) ||
		    strcmp(x->kind, kind))
			continue;
		if ((x->ns && strcmp(x->ns, ns)) ||
		    (x->name && strcmp(x->name, name)))
			continue;
		patterns_push(out, &x->pat);
	}
}

void patterns_release(struct diff_patterns *p)
{
	free(p->v);
	p->v = NULL;
	p->nr = p->alloc = 0;
}

int pattern_match(const struct diff_pattern *p, char *const *segs,
		  size_t depth)
{
	if (p->nr != depth)
		return 0;
	for (size_t i = 0; i < depth; i++)
		if (strcmp(p->segs[i], "*") && strcmp(p->segs[i], segs[i]))
			return 0;
	return 1;
}

void ptr_append(struct strbuf *sb, const char *seg)
{
	strbuf_addch(sb, '/');
	for (; *seg; seg++) {
		if (*seg == '~')
			strbuf_addstr(sb, "~0");
		else if (*seg == '/')
			strbuf_addstr(sb, "~1");
		else
			strbuf_addch(sb, *seg);
	}
}
