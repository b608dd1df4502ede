/*
 * pkg/sim: the built-in kinds' schemas (schema_defs.c), used three ways:
 * decoding a request body as the server's Go types would (unknown fields
 * dropped and reported, type errors as encoding/json words them, keys in
 * the types' order), and publishing OpenAPI v2 and v3 definitions.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"
#include "pkg/sim/schema_defs.h"
#include "pkg/sim/schema_types.h"
#include "pkg/base/base64.h"

static struct tdef *defs;
static const struct tdef *find_def(const char *name);
static size_t ndefs;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const struct {
	const char *prefix, *full, *go;
} prefixes[] = {
	{ "core.", "io.k8s.api.core.v1.", "v1." },
	{ "apps.", "io.k8s.api.apps.v1.", "v1." },
	{ "batch.", "io.k8s.api.batch.v1.", "v1." },
	{ "rbac.", "io.k8s.api.rbac.v1.", "v1." },
	{ "storage.", "io.k8s.api.storage.v1.", "v1." },
	{ "policy.", "io.k8s.api.policy.v1.", "v1." },
	{ "net.", "io.k8s.api.networking.v1.", "v1." },
	{ "as.", "io.k8s.api.autoscaling.v2.", "v2." },
	{ "sched.", "io.k8s.api.scheduling.v1.", "v1." },
	{ "coord.", "io.k8s.api.coordination.v1.", "v1." },
	{ "ext.", "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.",
	  "v1." },
	{ "reg.", "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.",
	  "v1." },
	{ "meta.", "io.k8s.apimachinery.pkg.apis.meta.v1.", "v1." },
};

static char *expand(const char *shortname, int go)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i].prefix);

		if (!strncmp(shortname, prefixes[i].prefix, n))
			return xasprintf("%s%s", go ? prefixes[i].go
						    : prefixes[i].full,
					 shortname + n);
	}
	return xstrdup(shortname);
}

static struct ttype *parse_type(const char **p)
{
	struct ttype *t = xcalloc(1, sizeof(*t));
	static const struct {
		const char *name;
		enum tkind kind;
	} scalars[] = {
		{ "s", T_STRING }, { "i32", T_INT32 }, { "i64", T_INT64 },
		{ "b", T_BOOL }, { "n", T_NUMBER }, { "by", T_BYTES },
		{ "q", T_QUANTITY }, { "ios", T_INTSTR }, { "t", T_TIME },
		{ "mt", T_MICROTIME }, { "o", T_ANY },
	};
	size_t n;
	char *name;

	if (**p == '[' || **p == '{') {
		char close = **p == '[' ? ']' : '}';

		t->kind = **p == '[' ? T_ARRAY : T_MAP;
		(*p)++;
		t->elem = parse_type(p);
		if (**p == close)
			(*p)++;
		return t;
	}
	n = strcspn(*p, " !@^]}");
	name = xstrndup(*p, n);
	*p += n;
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		if (!strcmp(scalars[i].name, name)) {
			t->kind = scalars[i].kind;
			free(name);
			return t;
		}
	t->kind = T_REF;
	t->ref = expand(name, 0);
	free(name);
	return t;
}

static void parse_defs(void)
{
	size_t n = 0;

	while (schema_defs[n])
		n++;
	defs = xcalloc(n, sizeof(*defs));
	for (size_t i = 0; i < n; i++) {
		const char *p = schema_defs[i];
		size_t len = strcspn(p, " ");
		char *shortname = xstrndup(p, len);
		struct tdef *d = &defs[ndefs++];

		d->name = expand(shortname, 0);
		d->go = expand(shortname, 1);
		free(shortname);
		p += len;
		while (*p) {
			struct tfield *f;

			while (*p == ' ')
				p++;
			if (!*p)
				break;
			ALLOC_GROW(d->fields, d->nfields + 1, d->afields);
			f = &d->fields[d->nfields++];
			len = strcspn(p, ":");
			f->name = xstrndup(p, len);
			p += len + 1;
			f->type = parse_type(&p);
			f->required = 0;
			f->number = 0;
			f->pointer = 0;
			while (*p == '!' || *p == '@' || *p == '^') {
				char *end;

				if (*p == '@') {
					f->number = (int)strtol(p + 1, &end,
								10);
					p = end;
					continue;
				}
				if (*p == '!')
					f->required = 1;
				else
					f->pointer = 1;
				p++;
			}
		}
	}
}

const struct tdef *schema_find_def(const char *name)
{
	return find_def(name);
}

static const struct tdef *find_def(const char *name)
{
	pthread_once(&once, parse_defs);
	for (size_t i = 0; i < ndefs; i++)
		if (!strcmp(defs[i].name, name))
			return &defs[i];
	return NULL;
}

/* ---- decoding ---- */

struct check {
	struct strvec *unknown;
	struct strbuf *type_error;
	struct strbuf path;   /* with indices, for unknown fields */
	struct strbuf gopath; /* without, for encoding/json's errors */
};

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "number";
	}
}

static void go_type(struct strbuf *out, const struct ttype *t)
{
	switch (t->kind) {
	case T_STRING: strbuf_addstr(out, "string"); break;
	case T_INT32: strbuf_addstr(out, "int32"); break;
	case T_INT64: strbuf_addstr(out, "int64"); break;
	case T_BOOL: strbuf_addstr(out, "bool"); break;
	case T_NUMBER: strbuf_addstr(out, "float64"); break;
	case T_BYTES: strbuf_addstr(out, "[]uint8"); break;
	case T_QUANTITY: strbuf_addstr(out, "resource.Quantity"); break;
	case T_INTSTR: strbuf_addstr(out, "intstr.IntOrString"); break;
	case T_TIME: strbuf_addstr(out, "v1.Time"); break;
	case T_MICROTIME: strbuf_addstr(out, "v1.MicroTime"); break;
	case T_ANY: strbuf_addstr(out, "map[string]interface {}"); break;
	case T_ARRAY:
		strbuf_addstr(out, "[]");
		go_type(out, t->elem);
		break;
	case T_MAP:
		strbuf_addstr(out, "map[string]");
		go_type(out, t->elem);
		break;
	case T_REF: {
		const struct tdef *d = find_def(t->ref);

		strbuf_addstr(out, d ? d->go : t->ref);
		break;
	}
	}
}

static void type_error(struct check *c, const char *parent,
		       const struct ttype *t, const json_t *v)
{
	if (c->type_error->len)
		return;
	strbuf_addf(c->type_error, "json: cannot unmarshal %s", json_kind(v));
	if (json_is_number(v)) {
		char *text = json_dumps(v, JSON_ENCODE_ANY);

		strbuf_addf(c->type_error, " %s", text);
		free(text);
	}
	strbuf_addf(c->type_error, " into Go struct field %s.%s of type ",
		    parent, c->gopath.buf);
	go_type(c->type_error, t);
}

static void check_value(struct check *c, const char *parent,
			const struct ttype *t, json_t *v);

static void check_struct(struct check *c, const struct tdef *d, json_t *obj)
{
	const char *k;
	json_t *v, *tmp;
	size_t plen = c->path.len, glen = c->gopath.len;
	const char *short_go = strchr(d->go, '.') ? strchr(d->go, '.') + 1
						  : d->go;

	/* in the document's order, as a decoder meets them */
	json_object_foreach_safe(obj, tmp, k, v) {
		const struct tfield *f = NULL;

		for (size_t i = 0; i < d->nfields && !f; i++)
			if (!strcmp(d->fields[i].name, k))
				f = &d->fields[i];
		strbuf_setlen(&c->path, plen);
		strbuf_addf(&c->path, "%s%s", plen ? "." : "", k);
		if (!f) {
			strvec_push(c->unknown, c->path.buf);
			json_object_del(obj, k);
			continue;
		}
		if (json_is_null(v)) {
			/* a null is the zero value: gone, but for times */
			if (f->type->kind != T_TIME)
				json_object_del(obj, k);
			continue;
		}
		strbuf_addf(&c->gopath, "%s%s", glen ? "." : "", k);
		check_value(c, short_go, f->type, v);
		strbuf_setlen(&c->gopath, glen);
	}
	strbuf_setlen(&c->path, plen);
	/* the Go types' order */
	{
		json_t *copy = json_copy(obj);

		json_object_clear(obj);
		for (size_t i = 0; i < d->nfields; i++) {
			json_t *x = json_object_get(copy, d->fields[i].name);

			if (x)
				json_object_set(obj, d->fields[i].name, x);
		}
		json_decref(copy);
	}
}

static void check_value(struct check *c, const char *parent,
			const struct ttype *t, json_t *v)
{
	size_t plen = c->path.len;

	switch (t->kind) {
	case T_BYTES:
		if (!json_is_string(v)) {
			type_error(c, parent, t, v);
		} else if (!c->type_error->len) {
			struct strbuf bytes = STRBUF_INIT;
			size_t bad;
			if (base64_decode(json_string_value(v),
					  json_string_length(v), 0, &bytes,
					  &bad) < 0)
				/* encoding/json's words; never the value */
				strbuf_addf(c->type_error,
					    "illegal base64 data at input byte %zu",
					    bad);
			strbuf_release(&bytes);
		}
		break;
	case T_STRING:
	case T_TIME:
	case T_MICROTIME:
		if (!json_is_string(v))
			type_error(c, parent, t, v);
		break;
	case T_INT32:
	case T_INT64:
		if (!json_is_integer(v))
			type_error(c, parent, t, v);
		else if (t->kind == T_INT32 &&
			 (json_integer_value(v) > 2147483647LL ||
			  json_integer_value(v) < -2147483648LL))
			type_error(c, parent, t, v);
		break;
	case T_BOOL:
		if (!json_is_boolean(v))
			type_error(c, parent, t, v);
		break;
	case T_NUMBER:
		if (!json_is_number(v))
			type_error(c, parent, t, v);
		break;
	case T_QUANTITY:
	case T_INTSTR:
		if (!json_is_string(v) && !json_is_integer(v) &&
		    !(t->kind == T_QUANTITY && json_is_number(v)))
			type_error(c, parent, t, v);
		break;
	case T_ANY:
		break;
	case T_ARRAY: {
		size_t i;
		json_t *x;

		if (!json_is_array(v)) {
			type_error(c, parent, t, v);
			break;
		}
		json_array_foreach(v, i, x) {
			if (json_is_null(x))
				continue;
			strbuf_setlen(&c->path, plen);
			strbuf_addf(&c->path, "[%zu]", i);
			check_value(c, parent, t->elem, x);
		}
		strbuf_setlen(&c->path, plen);
		break;
	}
	case T_MAP: {
		const char *k;
		json_t *x;

		if (!json_is_object(v)) {
			type_error(c, parent, t, v);
			break;
		}
		json_object_foreach(v, k, x) {
			if (json_is_null(x))
				continue;
			strbuf_setlen(&c->path, plen);
			strbuf_addf(&c->path, "[%s]", k);
			check_value(c, parent, t->elem, x);
		}
		strbuf_setlen(&c->path, plen);
		break;
	}
	case T_REF: {
		const struct tdef *d = find_def(t->ref);

		if (!json_is_object(v)) {
			type_error(c, parent, t, v);
			break;
		}
		if (d)
			check_struct(c, d, v);
		break;
	}
	}
}

void schema_check(const char *def, json_t *obj, struct strvec *unknown,
		  struct strbuf *type_error)
{
	const struct tdef *d = find_def(def);
	struct check c = { unknown, type_error, STRBUF_INIT, STRBUF_INIT };

	if (d && json_is_object(obj))
		check_struct(&c, d, obj);
	strbuf_release(&c.path);
	strbuf_release(&c.gopath);
}

/* ---- OpenAPI ---- */

static json_t *type_schema(const struct ttype *t, int v2, int in_array)
{
	json_t *s = json_object();

	switch (t->kind) {
	case T_STRING:
		json_object_set_new(s, "type", json_string("string"));
		break;
	case T_INT32:
	case T_INT64:
		json_object_set_new(s, "type", json_string("integer"));
		json_object_set_new(s, "format", json_string(
			t->kind == T_INT32 ? "int32" : "int64"));
		break;
	case T_BOOL:
		json_object_set_new(s, "type", json_string("boolean"));
		break;
	case T_NUMBER:
		json_object_set_new(s, "type", json_string("number"));
		json_object_set_new(s, "format", json_string("double"));
		break;
	case T_BYTES:
		json_object_set_new(s, "type", json_string("string"));
		json_object_set_new(s, "format", json_string("byte"));
		break;
	case T_QUANTITY:
	case T_INTSTR:
	case T_TIME:
	case T_MICROTIME: {
		const char *name =
			t->kind == T_QUANTITY
				? "io.k8s.apimachinery.pkg.api.resource.Quantity"
			: t->kind == T_INTSTR
				? "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
			: t->kind == T_TIME
				? "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
				: "io.k8s.apimachinery.pkg.apis.meta.v1."
				  "MicroTime";
		struct ttype r = { T_REF, NULL, (char *)name };

		json_decref(s);
		return type_schema(&r, v2, in_array);
	}
	case T_ANY:
		json_object_set_new(s, "type", json_string("object"));
		json_object_set_new(s, "x-kubernetes-preserve-unknown-fields",
				    json_true());
		break;
	case T_ARRAY:
		json_object_set_new(s, "type", json_string("array"));
		json_object_set_new(s, "items", type_schema(t->elem, v2, 1));
		break;
	case T_MAP:
		json_object_set_new(s, "type", json_string("object"));
		json_object_set_new(s, "additionalProperties",
				    type_schema(t->elem, v2, 0));
		break;
	case T_REF: {
		char *ref = xasprintf("%s%s", v2 ? "#/definitions/"
						 : "#/components/schemas/",
				      t->ref);

		if (v2) {
			json_object_set_new(s, "$ref", json_string(ref));
		} else {
			/* v3 wraps references so that siblings (defaults,
			 * patch extensions) are allowed, as the server does */
			json_t *all = json_array(), *r = json_object();

			json_object_set_new(r, "$ref", json_string(ref));
			json_array_append_new(all, r);
			json_object_set_new(s, "allOf", all);
			json_object_set_new(s, "default", json_object());
		}
		free(ref);
		break;
	}
	}
	(void)in_array;
	return s;
}

static json_t *def_schema(const struct tdef *d, int v2)
{
	json_t *s = json_object(), *props = json_object(), *req = json_array();

	json_object_set_new(s, "type", json_string("object"));
	for (size_t i = 0; i < d->nfields; i++) {
		json_object_set_new(props, d->fields[i].name,
				    type_schema(d->fields[i].type, v2, 0));
		if (d->fields[i].required)
			json_array_append_new(req,
					      json_string(d->fields[i].name));
	}
	if (json_array_size(req))
		json_object_set_new(s, "required", req);
	else
		json_decref(req);
	json_object_set_new(s, "properties", props);
	return s;
}

static void add_scalar_defs(json_t *out, int v2)
{
	json_t *q = json_object(), *is = json_object(), *t = json_object();
	json_t *mt = json_object();

	(void)v2;
	/* Quantity and IntOrString are int-or-string, as the server says */
	json_object_set_new(q, "type", json_string("string"));
	json_object_set_new(q, "format", json_string("quantity"));
	json_object_set_new(q, "x-kubernetes-int-or-string", json_true());
	json_object_set_new(out,
			    "io.k8s.apimachinery.pkg.api.resource.Quantity", q);
	json_object_set_new(is, "type", json_string("string"));
	json_object_set_new(is, "format", json_string("int-or-string"));
	json_object_set_new(is, "x-kubernetes-int-or-string", json_true());
	json_object_set_new(out,
			    "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
			    is);
	json_object_set_new(t, "type", json_string("string"));
	json_object_set_new(t, "format", json_string("date-time"));
	json_object_set_new(out, "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
			    t);
	json_object_set_new(mt, "type", json_string("string"));
	json_object_set_new(mt, "format", json_string("date-time"));
	json_object_set_new(out,
			    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
			    mt);
}

json_t *schema_definitions(int v2)
{
	json_t *out = json_object();

	pthread_once(&once, parse_defs);
	for (size_t i = 0; i < ndefs; i++)
		json_object_set_new(out, defs[i].name, def_schema(&defs[i], v2));
	add_scalar_defs(out, v2);
	return out;
}

static void closure_type(const struct ttype *t, json_t *names);

void schema_closure(const char *def, json_t *names)
{
	const struct tdef *d;

	if (json_object_get(names, def))
		return;
	json_object_set_new(names, def, json_true());
	d = find_def(def);
	if (!d)
		return;
	for (size_t i = 0; i < d->nfields; i++)
		closure_type(d->fields[i].type, names);
}

static void closure_type(const struct ttype *t, json_t *names)
{
	switch (t->kind) {
	case T_ARRAY:
	case T_MAP:
		closure_type(t->elem, names);
		break;
	case T_REF:
		schema_closure(t->ref, names);
		break;
	case T_QUANTITY:
		json_object_set_new(names,
				    "io.k8s.apimachinery.pkg.api.resource."
				    "Quantity", json_true());
		break;
	case T_INTSTR:
		json_object_set_new(names,
				    "io.k8s.apimachinery.pkg.util.intstr."
				    "IntOrString", json_true());
		break;
	case T_TIME:
		json_object_set_new(names,
				    "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
				    json_true());
		break;
	case T_MICROTIME:
		json_object_set_new(names,
				    "io.k8s.apimachinery.pkg.apis.meta.v1."
				    "MicroTime", json_true());
		break;
	default:
		break;
	}
}
