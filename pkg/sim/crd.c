/*
 * pkg/sim: CustomResourceDefinitions — their validation and defaults,
 * NamesAccepted and Established after the configured delay (only then do
 * their versions serve), and custom resources checked against the
 * version's openAPIV3Schema the way the apiextensions server does it:
 * defaults, pruning of unknown fields, then types, required, enum,
 * bounds, lengths and patterns.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

static char *lower(const char *s)
{
	char *out = xstrdup(s ? s : "");

	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

static const char *storage_version(const json_t *crd)
{
	size_t i;
	json_t *v;

	json_array_foreach(jpath(crd, "spec.versions"), i, v)
		if (json_is_true(json_object_get(v, "storage")))
			return jstr(v, "name");
	return NULL;
}

void crd_defaults(json_t *crd)
{
	json_t *spec = jobj(crd, "spec"), *names = jobj(spec, "names");
	json_t *status, *stored;
	const char *kind = jstr(names, "kind"), *sv;

	if (kind && !json_object_get(names, "singular")) {
		char *l = lower(kind);

		json_object_set_new(names, "singular", json_string(l));
		free(l);
	}
	if (kind && !json_object_get(names, "listKind")) {
		char *lk = xasprintf("%sList", kind);

		json_object_set_new(names, "listKind", json_string(lk));
		free(lk);
	}
	if (!json_object_get(spec, "conversion")) {
		json_t *c = json_object();

		json_object_set_new(c, "strategy", json_string("None"));
		json_object_set_new(spec, "conversion", c);
	}
	status = jobj(crd, "status");
	if (!json_object_get(status, "acceptedNames")) {
		json_t *an = json_object();

		json_object_set_new(an, "plural", json_string(""));
		json_object_set_new(an, "kind", json_string(""));
		json_object_set_new(status, "acceptedNames", an);
	}
	stored = json_object_get(status, "storedVersions");
	if (!json_is_array(stored)) {
		stored = json_array();
		json_object_set_new(status, "storedVersions", stored);
	}
	sv = storage_version(crd);
	if (sv) {
		size_t i;
		json_t *v;
		int have = 0;

		json_array_foreach(stored, i, v)
			have |= !strcmp(json_string_value(v)
						? json_string_value(v) : "", sv);
		if (!have)
			json_array_append_new(stored, json_string(sv));
	}
}

static void schema_type_ok(const json_t *schema, const char *path,
			   int root, struct ferrs *e)
{
	static const char *const types[] = { "array", "boolean", "integer",
					     "number", "object", "string",
					     NULL };
	const char *type = jstr(schema, "type");
	const char *k;
	json_t *v;
	struct strbuf p = STRBUF_INIT;

	if (!json_is_object(schema))
		return;
	if (type) {
		int ok = 0;

		for (size_t i = 0; types[i]; i++)
			ok |= !strcmp(types[i], type);
		strbuf_addf(&p, "%s.type", path);
		if (!ok)
			ferr_not_supported(e, p.buf, type, types);
	} else if (root) {
		strbuf_addf(&p, "%s.type", path);
		ferr_required(e, p.buf, "must not be empty at the root");
	}
	json_object_foreach(json_object_get(schema, "properties"), k, v) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s.properties[%s]", path, k);
		schema_type_ok(v, p.buf, 0, e);
	}
	if (json_is_object(json_object_get(schema, "items"))) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s.items", path);
		schema_type_ok(json_object_get(schema, "items"), p.buf, 0, e);
	}
	if (json_is_object(json_object_get(schema, "additionalProperties"))) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s.additionalProperties", path);
		schema_type_ok(json_object_get(schema, "additionalProperties"),
			       p.buf, 0, e);
	}
	strbuf_release(&p);
}

void crd_validate(struct sim *s, const json_t *crd, const json_t *old,
		  struct ferrs *e)
{
	static const char *const scopes[] = { "Cluster", "Namespaced", NULL };
	const char *group = jstr(crd, "spec.group");
	const char *plural = jstr(crd, "spec.names.plural");
	const char *kind = jstr(crd, "spec.names.kind");
	const char *scope = jstr(crd, "spec.scope");
	const char *name = jstr(crd, "metadata.name");
	struct strbuf why = STRBUF_INIT, f = STRBUF_INIT;
	struct strvec seen = STRVEC_INIT;
	json_t *vs = jpath(crd, "spec.versions"), *v;
	size_t i, storage = 0;

	(void)s;
	if (name && plural && group) {
		char *want = xasprintf("%s.%s", plural, group);

		if (strcmp(name, want))
			ferr_invalid_str(e, "metadata.name", name,
					 "must be spec.names.plural+\".\"+"
					 "spec.group");
		free(want);
	}
	if (!group || !*group) {
		ferr_required(e, "spec.group", NULL);
	} else if (!strchr(group, '.')) {
		ferr_invalid_str(e, "spec.group", group,
				 "should be a domain with at least one dot");
	} else if (!valid_dns_subdomain(group, &why)) {
		ferr_invalid_str(e, "spec.group", group, why.buf);
	}
	strbuf_reset(&why);
	if (!plural || !*plural)
		ferr_required(e, "spec.names.plural", NULL);
	else if (!valid_dns_label(plural, &why))
		ferr_invalid_str(e, "spec.names.plural", plural, why.buf);
	if (!kind || !*kind)
		ferr_required(e, "spec.names.kind", NULL);
	if (!scope || !*scope)
		ferr_required(e, "spec.scope", NULL);
	else
		for (i = 0; scopes[i] && strcmp(scopes[i], scope); i++)
			;
	if (scope && *scope && strcmp(scope, "Cluster") &&
	    strcmp(scope, "Namespaced"))
		ferr_not_supported(e, "spec.scope", scope, scopes);
	if (!json_array_size(vs))
		ferr_invalid_json(e, "spec.versions", vs ? vs : json_array(),
				  "must have exactly one version marked as "
				  "storage version");
	json_array_foreach(vs, i, v) {
		const char *vn = jstr(v, "name");

		strbuf_reset(&f);
		strbuf_addf(&f, "spec.versions[%zu].name", i);
		if (!vn || !*vn)
			ferr_required(e, f.buf, NULL);
		else if (strvec_find(&seen, vn) >= 0)
			ferr_duplicate(e, f.buf, vn);
		else {
			strbuf_reset(&why);
			if (!valid_dns_label(vn, &why))
				ferr_invalid_str(e, f.buf, vn, why.buf);
			strvec_push(&seen, vn);
		}
		if (json_is_true(json_object_get(v, "storage")))
			storage++;
		strbuf_reset(&f);
		strbuf_addf(&f, "spec.versions[%zu].schema.openAPIV3Schema", i);
		if (!json_is_object(jpath(v, "schema.openAPIV3Schema")))
			ferr_required(e, f.buf, "schemas are required");
		else
			schema_type_ok(jpath(v, "schema.openAPIV3Schema"),
				       f.buf, 1, e);
	}
	if (json_array_size(vs) && storage != 1)
		ferr_invalid_json(e, "spec.versions", vs,
				  "must have exactly one version marked as "
				  "storage version");
	if (old) {
		if (scope && jstr(old, "spec.scope") &&
		    strcmp(scope, jstr(old, "spec.scope")))
			ferr_invalid_str(e, "spec.scope", scope,
					 "field is immutable");
		if (group && jstr(old, "spec.group") &&
		    strcmp(group, jstr(old, "spec.group")))
			ferr_invalid_str(e, "spec.group", group,
					 "field is immutable");
	}
	strvec_clear(&seen);
	strbuf_release(&why);
	strbuf_release(&f);
}

/* ---- establishing ---- */

static int established(const json_t *crd)
{
	size_t i;
	json_t *c;

	json_array_foreach(jpath(crd, "status.conditions"), i, c)
		if (!strcmp(jstr(c, "type") ? jstr(c, "type") : "",
			    "Established"))
			return !strcmp(jstr(c, "status") ? jstr(c, "status")
							  : "", "True");
	return 0;
}

void crd_changed(struct sim *s, const json_t *crd)
{
	const char *name = jstr(crd, "metadata.name");

	if (!crd || !name)
		return;
	if (jpath(crd, "metadata.deletionTimestamp")) {
		types_set_crd(s, name, NULL);
		return;
	}
	if (established(crd)) {
		/* an update of a served CRD (a new version, a new schema)
		 * serves at once */
		types_set_crd(s, name, crd);
		return;
	}
	for (size_t i = 0; i < s->ncrd_due; i++)
		if (!strcmp(s->crd_due[i].name, name))
			return;
	ALLOC_GROW(s->crd_due, s->ncrd_due + 1, s->acrd_due);
	s->crd_due[s->ncrd_due].name = xstrdup(name);
	s->crd_due[s->ncrd_due].due_ms = s->clock_ms + s->cfg.crd_delay_ms;
	s->ncrd_due++;
}

static json_t *condition(const char *type, const char *reason,
			 const char *message)
{
	json_t *c = json_object();
	struct strbuf ts = STRBUF_INIT;

	util_timestamp(&ts);
	json_object_set_new(c, "type", json_string(type));
	json_object_set_new(c, "status", json_string("True"));
	json_object_set_new(c, "lastTransitionTime", json_string(ts.buf));
	json_object_set_new(c, "reason", json_string(reason));
	json_object_set_new(c, "message", json_string(message));
	strbuf_release(&ts);
	return c;
}

static void establish(struct sim *s, const char *name)
{
	const struct rtype *t = types_find(s, "apiextensions.k8s.io", "v1",
					   "customresourcedefinitions");
	json_t *crd = store_get(s, t, NULL, name), *o, *status, *conds;

	if (!crd || jpath(crd, "metadata.deletionTimestamp"))
		return;
	o = json_deep_copy(crd);
	status = jobj(o, "status");
	json_object_set(status, "acceptedNames", jpath(o, "spec.names"));
	conds = json_array();
	json_array_append_new(conds, condition("NamesAccepted", "NoConflicts",
					       "no conflicts found"));
	json_array_append_new(conds, condition("Established",
					       "InitialNamesAccepted",
					       "the initial names have been "
					       "accepted"));
	json_object_set_new(status, "conditions", conds);
	write_controller(s, t, o);
	types_set_crd(s, name, store_get(s, t, NULL, name));
}

void crd_establish_due(struct sim *s)
{
	size_t j = 0;

	for (size_t i = 0; i < s->ncrd_due; i++) {
		if (s->crd_due[i].due_ms <= s->clock_ms) {
			char *name = s->crd_due[i].name;

			establish(s, name);
			free(name);
		} else {
			s->crd_due[j++] = s->crd_due[i];
		}
	}
	s->ncrd_due = j;
}

/* ---- custom resources ---- */

struct crcheck {
	struct ferrs *e;
	struct strvec *unknown;
	struct strbuf path;
};

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

static int type_ok(const json_t *schema, const json_t *v)
{
	const char *type = jstr(schema, "type");

	if (json_is_true(json_object_get(schema,
					 "x-kubernetes-int-or-string")))
		return json_is_integer(v) || json_is_string(v);
	if (!type)
		return 1;
	if (!strcmp(type, "object"))
		return json_is_object(v);
	if (!strcmp(type, "array"))
		return json_is_array(v);
	if (!strcmp(type, "string"))
		return json_is_string(v);
	if (!strcmp(type, "integer"))
		return json_is_integer(v) ||
		       (json_is_real(v) &&
			json_real_value(v) == (double)(long long)json_real_value(v));
	if (!strcmp(type, "number"))
		return json_is_number(v);
	if (!strcmp(type, "boolean"))
		return json_is_boolean(v);
	return 1;
}

static void value_repr(struct strbuf *out, const json_t *v)
{
	if (json_is_string(v)) {
		go_quote(out, json_string_value(v));
	} else {
		char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		strbuf_addstr(out, t);
		free(t);
	}
}

static void bad(struct crcheck *c, const json_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void bad(struct crcheck *c, const json_t *v, const char *fmt, ...)
{
	struct strbuf d = STRBUF_INIT, r = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_addf(&d, "%s in body ", c->path.buf);
	strbuf_vaddf(&d, fmt, ap);
	va_end(ap);
	value_repr(&r, v);
	ferr_add(c->e, FERR_INVALID, c->path.buf, r.buf, d.buf);
	strbuf_release(&d);
	strbuf_release(&r);
}

static void walk(struct crcheck *c, const json_t *schema, json_t *v);

static void walk_object(struct crcheck *c, const json_t *schema, json_t *v,
			int root)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *addl = json_object_get(schema, "additionalProperties");
	int keep = json_is_true(json_object_get(
			   schema, "x-kubernetes-preserve-unknown-fields")) ||
		   json_is_true(addl);
	size_t plen = c->path.len, i;
	const char *k;
	json_t *x, *tmp, *req;

	/* defaults first, then pruning, then validation */
	json_object_foreach((json_t *)props, k, x) {
		json_t *d = json_object_get(x, "default");

		if (d && !json_object_get(v, k))
			json_object_set_new(v, k, json_deep_copy(d));
	}
	json_object_foreach_safe(v, tmp, k, x) {
		const json_t *sub = json_object_get(props, k);

		if (root && (!strcmp(k, "apiVersion") || !strcmp(k, "kind") ||
			     !strcmp(k, "metadata")))
			continue;
		strbuf_setlen(&c->path, plen);
		strbuf_addf(&c->path, "%s%s", plen ? "." : "", k);
		if (!sub && json_is_object(addl))
			sub = addl;
		if (!sub) {
			if (!keep) {
				strvec_push(c->unknown, c->path.buf);
				json_object_del(v, k);
			}
			continue;
		}
		if (json_is_null(x) &&
		    !json_is_true(json_object_get(sub, "nullable"))) {
			json_object_del(v, k);
			continue;
		}
		walk(c, sub, x);
	}
	strbuf_setlen(&c->path, plen);
	json_array_foreach(json_object_get(schema, "required"), i, req) {
		const char *rk = json_string_value(req);

		if (!rk || json_object_get(v, rk))
			continue;
		strbuf_setlen(&c->path, plen);
		strbuf_addf(&c->path, "%s%s", plen ? "." : "", rk);
		ferr_required(c->e, c->path.buf, NULL);
	}
	strbuf_setlen(&c->path, plen);
}

static void walk(struct crcheck *c, const json_t *schema, json_t *v)
{
	const json_t *en = json_object_get(schema, "enum");
	const char *pattern = jstr(schema, "pattern");

	if (!json_is_object(schema))
		return;
	if (!type_ok(schema, v)) {
		struct strbuf d = STRBUF_INIT, r = STRBUF_INIT;

		strbuf_addf(&d, "%s in body must be of type %s: \"%s\"",
			    c->path.buf, jstr(schema, "type"),
			    json_type_name(v));
		go_quote(&r, json_type_name(v));
		ferr_add(c->e, FERR_TYPE_INVALID, c->path.buf, r.buf, d.buf);
		strbuf_release(&d);
		strbuf_release(&r);
		return;
	}
	if (json_is_array(en) && json_array_size(en)) {
		size_t i;
		json_t *x;
		int found = 0;
		struct strvec allowed = STRVEC_INIT;

		json_array_foreach(en, i, x) {
			struct strbuf r = STRBUF_INIT;

			found |= json_equal(x, v);
			if (json_is_string(x))
				strvec_push(&allowed, json_string_value(x));
			else {
				value_repr(&r, x);
				strvec_push(&allowed, r.buf);
			}
			strbuf_release(&r);
		}
		if (!found) {
			struct strbuf r = STRBUF_INIT;

			if (json_is_string(v))
				strbuf_addstr(&r, json_string_value(v));
			else
				value_repr(&r, v);
			ferr_not_supported(c->e, c->path.buf, r.buf,
					   (const char *const *)allowed.v);
			strbuf_release(&r);
		}
		strvec_clear(&allowed);
	}
	if (json_is_number(v)) {
		const json_t *mn = json_object_get(schema, "minimum");
		const json_t *mx = json_object_get(schema, "maximum");
		double d = json_number_value(v);

		if (mn && d < json_number_value(mn))
			bad(c, v, "should be greater than or equal to %g",
			    json_number_value(mn));
		if (mx && d > json_number_value(mx))
			bad(c, v, "should be less than or equal to %g",
			    json_number_value(mx));
	}
	if (json_is_string(v)) {
		const json_t *mn = json_object_get(schema, "minLength");
		const json_t *mx = json_object_get(schema, "maxLength");
		size_t n = json_string_length(v);

		if (json_is_integer(mn) && (json_int_t)n < json_integer_value(mn))
			bad(c, v, "should be at least %lld chars long",
			    (long long)json_integer_value(mn));
		if (json_is_integer(mx) && (json_int_t)n > json_integer_value(mx))
			ferr_add(c->e, FERR_TOO_LONG, c->path.buf, NULL, NULL);
		if (pattern) {
			regex_t re;

			if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) ==
			    0) {
				if (regexec(&re, json_string_value(v), 0, NULL,
					    0))
					bad(c, v, "should match '%s'", pattern);
				regfree(&re);
			}
		}
	}
	if (json_is_array(v)) {
		const json_t *items = json_object_get(schema, "items");
		const json_t *mn = json_object_get(schema, "minItems");
		const json_t *mx = json_object_get(schema, "maxItems");
		size_t plen = c->path.len, i;
		json_t *x;

		if (json_is_integer(mn) &&
		    (json_int_t)json_array_size(v) < json_integer_value(mn))
			bad(c, v, "should have at least %lld items",
			    (long long)json_integer_value(mn));
		if (json_is_integer(mx) &&
		    (json_int_t)json_array_size(v) > json_integer_value(mx))
			ferr_add(c->e, FERR_TOO_MANY, c->path.buf, NULL, NULL);
		json_array_foreach(v, i, x) {
			strbuf_setlen(&c->path, plen);
			strbuf_addf(&c->path, "[%zu]", i);
			walk(c, items, x);
		}
		strbuf_setlen(&c->path, plen);
	}
	if (json_is_object(v))
		walk_object(c, schema, v, 0);
}

void crd_check_object(const struct rtype *t, json_t *obj, struct ferrs *e,
		      struct strvec *unknown)
{
	struct crcheck c = { e, unknown, STRBUF_INIT };

	if (json_is_object(t->schema))
		walk_object(&c, t->schema, obj, 1);
	strbuf_release(&c.path);
}

int crd_terminating(struct sim *s, const struct rtype *t)
{
	const struct rtype *ct = types_find(s, "apiextensions.k8s.io", "v1",
					    "customresourcedefinitions");
	const json_t *crd = t->crd ? store_get(s, ct, NULL, t->crd) : NULL;

	return crd && jpath(crd, "metadata.deletionTimestamp");
}
