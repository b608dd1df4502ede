/*
 * pkg/sim: Status objects and field errors, shaped and worded as
 * k8s.io/apimachinery's errors and field packages shape them, because
 * clients (kubectl, gantry) print and match these texts.
 */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

static const char *const ferr_names[] = {
	[FERR_REQUIRED] = "Required value",
	[FERR_INVALID] = "Invalid value",
	[FERR_NOT_SUPPORTED] = "Unsupported value",
	[FERR_FORBIDDEN] = "Forbidden",
	[FERR_DUPLICATE] = "Duplicate value",
	[FERR_TOO_LONG] = "Too long",
	[FERR_TOO_MANY] = "Too many",
	[FERR_TYPE_INVALID] = "Invalid value",
	[FERR_NOT_FOUND] = "Not found",
};

/* the metav1.CauseType of each */
static const char *const ferr_causes[] = {
	[FERR_REQUIRED] = "FieldValueRequired",
	[FERR_INVALID] = "FieldValueInvalid",
	[FERR_NOT_SUPPORTED] = "FieldValueNotSupported",
	[FERR_FORBIDDEN] = "FieldValueForbidden",
	[FERR_DUPLICATE] = "FieldValueDuplicate",
	[FERR_TOO_LONG] = "FieldValueTooLong",
	[FERR_TOO_MANY] = "FieldValueTooMany",
	[FERR_TYPE_INVALID] = "FieldValueTypeInvalid",
	[FERR_NOT_FOUND] = "FieldValueNotFound",
};

void go_quote(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': strbuf_addstr(out, "\\\""); break;
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				strbuf_addf(out, "\\x%02x", *p);
			else
				strbuf_addch(out, (char)*p);
		}
	}
	strbuf_addch(out, '"');
}

/* field.Error.ErrorBody(): Required and Forbidden never print the value */
void ferr_add(struct ferrs *e, enum ferr_type type, const char *field,
	      const char *value_repr, const char *detail)
{
	struct strbuf body = STRBUF_INIT;

	strbuf_addstr(&body, ferr_names[type]);
	if (value_repr && type != FERR_REQUIRED && type != FERR_FORBIDDEN &&
	    type != FERR_TOO_LONG)
		strbuf_addf(&body, ": %s", value_repr);
	if (detail && *detail)
		strbuf_addf(&body, ": %s", detail);
	strvec_push(&e->fields, field);
	strvec_push_nodup(&e->bodies, strbuf_detach(&body, NULL));
	ALLOC_GROW(e->types, e->nr + 1, e->alloc);
	e->types[e->nr++] = type;
}

void ferr_required(struct ferrs *e, const char *field, const char *detail)
{
	ferr_add(e, FERR_REQUIRED, field, NULL, detail);
}

void ferr_invalid_str(struct ferrs *e, const char *field, const char *value,
		      const char *detail)
{
	struct strbuf q = STRBUF_INIT;

	go_quote(&q, value);
	ferr_add(e, FERR_INVALID, field, q.buf, detail);
	strbuf_release(&q);
}

void ferr_invalid_int(struct ferrs *e, const char *field, long long value,
		      const char *detail)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", value);
	ferr_add(e, FERR_INVALID, field, buf, detail);
}

void ferr_invalid_json(struct ferrs *e, const char *field,
		       const json_t *value, const char *detail)
{
	char *text;

	if (json_is_string(value)) {
		ferr_invalid_str(e, field, json_string_value(value), detail);
		return;
	}
	if (json_is_integer(value)) {
		ferr_invalid_int(e, field, json_integer_value(value), detail);
		return;
	}
	text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY)
		     : xstrdup("null");
	ferr_add(e, FERR_INVALID, field, text, detail);
	free(text);
}

void ferr_not_supported(struct ferrs *e, const char *field, const char *value,
			const char *const *supported)
{
	struct strbuf q = STRBUF_INIT, d = STRBUF_INIT;

	go_quote(&q, value);
	if (supported && *supported) {
		strbuf_addstr(&d, "supported values: ");
		for (size_t i = 0; supported[i]; i++) {
			if (i)
				strbuf_addstr(&d, ", ");
			go_quote(&d, supported[i]);
		}
	}
	ferr_add(e, FERR_NOT_SUPPORTED, field, q.buf, d.buf);
	strbuf_release(&q);
	strbuf_release(&d);
}

void ferr_forbidden(struct ferrs *e, const char *field, const char *detail)
{
	ferr_add(e, FERR_FORBIDDEN, field, NULL, detail);
}

void ferr_duplicate(struct ferrs *e, const char *field, const char *value)
{
	struct strbuf q = STRBUF_INIT;

	go_quote(&q, value);
	ferr_add(e, FERR_DUPLICATE, field, q.buf, NULL);
	strbuf_release(&q);
}

void ferrs_clear(struct ferrs *e)
{
	strvec_clear(&e->fields);
	strvec_clear(&e->bodies);
	free(e->types);
	e->types = NULL;
	e->nr = e->alloc = 0;
}

/* Keys in the order of metav1.Status's fields. */
json_t *status_failure(int code, const char *reason, const char *message,
		       json_t *details)
{
	json_t *st = json_object();

	json_object_set_new(st, "kind", json_string("Status"));
	json_object_set_new(st, "apiVersion", json_string("v1"));
	json_object_set_new(st, "metadata", json_object());
	json_object_set_new(st, "status", json_string("Failure"));
	if (message)
		json_object_set_new(st, "message", json_string(message));
	if (reason && *reason)
		json_object_set_new(st, "reason", json_string(reason));
	if (details)
		json_object_set_new(st, "details", details);
	json_object_set_new(st, "code", json_integer(code));
	return st;
}

/* StatusDetails{Name, Group, Kind}: Kind holds the resource, as the
 * server's errors put it */
static json_t *details_of(const struct rtype *t, const char *name)
{
	json_t *d = json_object();

	if (name && *name)
		json_object_set_new(d, "name", json_string(name));
	if (t && *t->group)
		json_object_set_new(d, "group", json_string(t->group));
	if (t)
		json_object_set_new(d, "kind", json_string(t->resource));
	return d;
}

json_t *status_not_found(const struct rtype *t, const char *name)
{
	struct strbuf m = STRBUF_INIT;
	json_t *st;

	types_qualified(t, &m);
	strbuf_addch(&m, ' ');
	go_quote(&m, name);
	strbuf_addstr(&m, " not found");
	st = status_failure(404, "NotFound", m.buf, details_of(t, name));
	strbuf_release(&m);
	return st;
}

json_t *status_already_exists(const struct rtype *t, const char *name)
{
	struct strbuf m = STRBUF_INIT;
	json_t *st;

	types_qualified(t, &m);
	strbuf_addch(&m, ' ');
	go_quote(&m, name);
	strbuf_addstr(&m, " already exists");
	st = status_failure(409, "AlreadyExists", m.buf, details_of(t, name));
	strbuf_release(&m);
	return st;
}

json_t *status_conflict(const struct rtype *t, const char *name,
			const char *why)
{
	struct strbuf m = STRBUF_INIT;
	json_t *st;

	strbuf_addstr(&m, "Operation cannot be fulfilled on ");
	types_qualified(t, &m);
	strbuf_addch(&m, ' ');
	go_quote(&m, name);
	strbuf_addf(&m, ": %s", why);
	st = status_failure(409, "Conflict", m.buf, details_of(t, name));
	strbuf_release(&m);
	return st;
}

json_t *status_bad_request(const char *message)
{
	return status_failure(400, "BadRequest", message, NULL);
}

/* errors.NewInvalid: "Kind.group "name" is invalid: <aggregate>", where
 * the aggregate is one message or "[m1, m2]" with duplicates removed. */
json_t *status_invalid(const char *kind, const char *group, const char *name,
		       const struct ferrs *e)
{
	struct strbuf m = STRBUF_INIT;
	struct strvec msgs = STRVEC_INIT;
	json_t *d = json_object(), *causes = json_array(), *st;

	for (size_t i = 0; i < e->nr; i++) {
		json_t *c = json_object();
		struct strbuf one = STRBUF_INIT;

		json_object_set_new(c, "reason",
				    json_string(ferr_causes[e->types[i]]));
		json_object_set_new(c, "message",
				    json_string(e->bodies.v[i]));
		json_object_set_new(c, "field", json_string(e->fields.v[i]));
		json_array_append_new(causes, c);
		strbuf_addf(&one, "%s: %s", e->fields.v[i], e->bodies.v[i]);
		if (strvec_find(&msgs, one.buf) < 0)
			strvec_push(&msgs, one.buf);
		strbuf_release(&one);
	}
	strbuf_addstr(&m, kind);
	if (group && *group)
		strbuf_addf(&m, ".%s", group);
	strbuf_addch(&m, ' ');
	go_quote(&m, name ? name : "");
	strbuf_addstr(&m, " is invalid");
	if (msgs.nr == 1) {
		strbuf_addf(&m, ": %s", msgs.v[0]);
	} else if (msgs.nr > 1) {
		strbuf_addstr(&m, ": [");
		for (size_t i = 0; i < msgs.nr; i++)
			strbuf_addf(&m, "%s%s", i ? ", " : "", msgs.v[i]);
		strbuf_addch(&m, ']');
	}
	if (name && *name)
		json_object_set_new(d, "name", json_string(name));
	if (group && *group)
		json_object_set_new(d, "group", json_string(group));
	json_object_set_new(d, "kind", json_string(kind));
	json_object_set_new(d, "causes", causes);
	st = status_failure(422, "Invalid", m.buf, d);
	strvec_clear(&msgs);
	strbuf_release(&m);
	return st;
}

json_t *status_method_not_supported(const struct rtype *t, const char *verb)
{
	struct strbuf m = STRBUF_INIT;
	json_t *st;

	strbuf_addf(&m, "%s is not supported on resources of kind ", verb);
	types_qualified(t, &m);
	st = status_failure(405, "MethodNotAllowed", m.buf,
			    details_of(t, NULL));
	strbuf_release(&m);
	return st;
}

json_t *status_success(const struct rtype *t, const json_t *obj)
{
	json_t *st = json_object(), *d = details_of(t, jstr(obj, "metadata.name"));
	const char *uid = jstr(obj, "metadata.uid");

	if (uid)
		json_object_set_new(d, "uid", json_string(uid));
	json_object_set_new(st, "kind", json_string("Status"));
	json_object_set_new(st, "apiVersion", json_string("v1"));
	json_object_set_new(st, "metadata", json_object());
	json_object_set_new(st, "status", json_string("Success"));
	json_object_set_new(st, "details", d);
	return st;
}
