/* App health rules (exact values and PCRE2 expressions), and the order in
 * which rules are consulted. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/health/internal.h"

/* One value of a rule's list: exact text, or a compiled expression. */
struct matcher {
	char *text;
	pcre2_code *re;
};

struct matchers {
	struct matcher *v;
	size_t nr, alloc;
};

struct rule {
	char *group, *kind, *name, *field;
	struct matchers healthy, progressing, degraded;
};

struct health_rules {
	struct rule *v;
	size_t nr, alloc;
};

const char *health_status_name(enum health_status s)
{
	static const char *const names[] = { "Healthy", "Progressing",
					     "Degraded", "Missing" };
	return s <= HEALTH_MISSING ? names[s] : "Unknown";
}

struct health_rules *health_rules_new(void)
{
	return xcalloc(1, sizeof(struct health_rules));
}

static void matchers_clear(struct matchers *m)
{
	for (size_t i = 0; i < m->nr; i++) {
		free(m->v[i].text);
		pcre2_code_free(m->v[i].re);
	}
	free(m->v);
}

void health_rules_free(struct health_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nr; i++) {
		struct rule *x = &r->v[i];
		free(x->group);
		free(x->kind);
		free(x->name);
		free(x->field);
		matchers_clear(&x->healthy);
		matchers_clear(&x->progressing);
		matchers_clear(&x->degraded);
	}
	free(r->v);
	free(r);
}

static int add_matchers(struct matchers *m, const char *const *values,
			struct gerr *err)
{
	for (size_t i = 0; values && values[i]; i++) {
		const char *v = values[i];
		size_t len = strlen(v);
		struct matcher x = { xstrdup(v), NULL };

		if (len >= 2 && v[0] == '/' && v[len - 1] == '/') {
			int ec;
			PCRE2_SIZE off;

			x.re = pcre2_compile((PCRE2_SPTR)v + 1, len - 2, 0, &ec,
					     &off, NULL);
			if (!x.re) {
				PCRE2_UCHAR msg[256];
				pcre2_get_error_message(ec, msg, sizeof(msg));
				free(x.text);
				return gerr_setc(err, GERR_INPUT,
						 "bad regular expression %s at "
						 "offset %zu: %s",
						 v, (size_t)off, (char *)msg);
			}
		}
		ALLOC_GROW(m->v, m->nr + 1, m->alloc);
		m->v[m->nr++] = x;
	}
	return 0;
}

int health_rules_add(struct health_rules *r, const char *group,
		     const char *kind, const char *name, const char *field,
		     const char *const *healthy,
		     const char *const *progressing,
		     const char *const *degraded, struct gerr *err)
{
	struct rule x;

	if (!kind || !*kind)
		return gerr_setc(err, GERR_INPUT, "kind is required");
	if (!field || !*field)
		return gerr_setc(err, GERR_INPUT, "field is required");
	memset(&x, 0, sizeof(x));
	if (add_matchers(&x.healthy, healthy, err) < 0 ||
	    add_matchers(&x.progressing, progressing, err) < 0 ||
	    add_matchers(&x.degraded, degraded, err) < 0) {
		matchers_clear(&x.healthy);
		matchers_clear(&x.progressing);
		matchers_clear(&x.degraded);
		return -1;
	}
	x.group = xstrdup(group ? group : "");
	x.kind = xstrdup(kind);
	x.name = name ? xstrdup(name) : NULL;
	x.field = xstrdup(field);
	ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	r->v[r->nr++] = x;
	return 0;
}

/* A list of strings from an entry, as a NULL-terminated array the caller
 * frees (not the strings); -1 when it is not a list of strings. */
static int string_list(const json_t *entry, const char *key,
		       const char ***out)
{
	const json_t *l = json_object_get(entry, key), *v;
	size_t i;

	*out = NULL;
	if (!l)
		return 0;
	if (!json_is_array(l))
		return -1;
	*out = xcalloc(json_array_size(l) + 1, sizeof(char *));
	json_array_foreach(l, i, v) {
		if (!json_is_string(v)) {
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i] = json_string_value(v);
	}
	return 0;
}

static int add_entry(struct health_rules *r, const json_t *e,
		     struct gerr *err)
{
	static const char *const lists[] = { "healthy", "progressing",
					     "degraded" };
	static const char *const known[] = { "group", "kind", "name", "field",
					     "healthy", "progressing",
					     "degraded", NULL };
	const char **vals[3] = { NULL, NULL, NULL };
	const char *key;
	json_t *v;
	int rc = -1;

	if (!json_is_object(e))
		return gerr_setc(err, GERR_INPUT, "must be a mapping");
	json_object_foreach((json_t *)e, key, v) {
		size_t i;
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i])
			return gerr_setc(err, GERR_INPUT, "unknown field %s",
					 key);
		if (i < 4 && !json_is_string(v))
			return gerr_setc(err, GERR_INPUT,
					 "%s must be a string", key);
	}
	for (int i = 0; i < 3; i++)
		if (string_list(e, lists[i], &vals[i]) < 0) {
			gerr_setc(err, GERR_INPUT,
				  "%s must be a list of strings", lists[i]);
			goto out;
		}
	rc = health_rules_add(
		r, json_string_value(json_object_get(e, "group")),
		json_string_value(json_object_get(e, "kind")),
		json_string_value(json_object_get(e, "name")),
		json_string_value(json_object_get(e, "field")), vals[0],
		vals[1], vals[2], err);
out:
	for (int i = 0; i < 3; i++)
		free(vals[i]);
	return rc;
}

int health_rules_add_json(struct health_rules *r, const json_t *list,
			  const char *file, struct gerr *err)
{
	const json_t *e;
	size_t i;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return gerr_setc(err, GERR_INPUT, "%s: health must be a list",
				 file ? file : "health");
	json_array_foreach(list, i, e)
		if (add_entry(r, e, err) < 0)
			return gerr_prefix(err, "%s: health[%zu]",
					   file ? file : "rules", i);
	return 0;
}

static int matches(const struct matchers *m, const char *s)
{
	for (size_t i = 0; i < m->nr; i++) {
		if (!m->v[i].re) {
			if (!strcmp(m->v[i].text, s))
				return 1;
			continue;
		}
		pcre2_match_data *md =
			pcre2_match_data_create_from_pattern(m->v[i].re, NULL);
		int rc = pcre2_match(m->v[i].re, (PCRE2_SPTR)s, strlen(s), 0, 0,
				     md, NULL);
		pcre2_match_data_free(md);
		if (rc >= 0)
			return 1;
	}
	return 0;
}

/* The text a rule compares: strings as they are, numbers and booleans as
 * their JSON text. */
static char *value_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	return NULL;
}

static enum health_status by_rule(const struct rule *x, const json_t *obj,
				  char **msg)
{
	const json_t *v = health_path(obj, x->field);
	char *text = v && !json_is_null(v) ? value_text(v) : NULL;
	enum health_status h;

	if (!text) {
		*msg = xasprintf("%s is not set yet", x->field);
		return HEALTH_PROGRESSING;
	}
	if (matches(&x->healthy, text)) {
		h = HEALTH_HEALTHY;
	} else if (matches(&x->degraded, text)) {
		h = HEALTH_DEGRADED;
		*msg = xasprintf("%s is %s", x->field, text);
	} else {
		h = HEALTH_PROGRESSING;
		*msg = xasprintf("%s is %s", x->field, text);
	}
	free(text);
	return h;
}

enum health_status health_check(const json_t *obj,
				const struct health_rules *rules,
				char **message)
{
	const char *av, *slash, *kind, *name;
	char group[256] = "";
	char *msg = NULL;
	enum health_status h;

	if (message)
		*message = NULL;
	if (!obj)
		return HEALTH_MISSING;
	av = json_string_value(json_object_get(obj, "apiVersion"));
	kind = json_string_value(json_object_get(obj, "kind"));
	name = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "name"));
	if (av && (slash = strchr(av, '/')) &&
	    (size_t)(slash - av) < sizeof(group)) {
		memcpy(group, av, (size_t)(slash - av));
		group[slash - av] = '\0';
	}
	h = HEALTH_HEALTHY;
	for (size_t i = 0; rules && kind && i < rules->nr; i++) {
		const struct rule *x = &rules->v[i];
		if (strcmp(x->group, group) || strcmp(x->kind, kind) ||
		    (x->name && (!name || strcmp(x->name, name))))
			continue;
		h = by_rule(x, obj, &msg);
		goto out;
	}
	h = health_builtin(group, kind ? kind : "", obj, &msg);
out:
	if (h == HEALTH_HEALTHY) {
		free(msg);
		msg = NULL;
	}
	if (message)
		*message = msg;
	else
		free(msg);
	return h;
}
