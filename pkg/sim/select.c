/*
 * pkg/sim: label selectors (=, ==, !=, in, notin, exists, !exists) and
 * field selectors (=, ==, != on the fields each kind supports), parsed as
 * k8s.io/apimachinery/pkg/labels and fields parse them.
 */
#include <ctype.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

enum op { OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOT_EXISTS, OP_GT,
	  OP_LT };

struct req_one {
	char *key;
	enum op op;
	struct strvec values;
};

struct selector {
	struct req_one *v;
	size_t nr, alloc;
	int fields;
};

void selector_free(struct selector *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->nr; i++) {
		free(sel->v[i].key);
		strvec_clear(&sel->v[i].values);
	}
	free(sel->v);
	free(sel);
}

static void skip_ws(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

/* a key or value token: up to a separator */
static char *token(const char **p)
{
	const char *start;

	skip_ws(p);
	start = *p;
	while (**p && !isspace((unsigned char)**p) && !strchr(",=!()<>", **p))
		(*p)++;
	return xstrndup(start, (size_t)(*p - start));
}

static int parse_set(const char **p, struct strvec *values, struct gerr *err)
{
	skip_ws(p);
	if (**p != '(')
		return gerr_setc(err, GERR_INPUT,
				 "unable to parse requirement: found '%c', "
				 "expected: '('", **p ? **p : ' ');
	(*p)++;
	for (;;) {
		char *v = token(p);

		strvec_push_nodup(values, v);
		skip_ws(p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p == ')') {
			(*p)++;
			return 0;
		}
		return gerr_setc(err, GERR_INPUT,
				 "unable to parse requirement: found '%s', "
				 "expected: ',', ')'", *p);
	}
}

static int word_is(const char **p, const char *w)
{
	size_t n = strlen(w);

	skip_ws(p);
	if (!strncmp(*p, w, n) &&
	    (isspace((unsigned char)(*p)[n]) || (*p)[n] == '(')) {
		*p += n;
		return 1;
	}
	return 0;
}

static int parse_one(const char **p, struct req_one *r, int fields,
		     struct gerr *err)
{
	skip_ws(p);
	if (!fields && **p == '!') {
		(*p)++;
		r->key = token(p);
		r->op = OP_NOT_EXISTS;
		return 0;
	}
	r->key = token(p);
	if (!*r->key)
		return gerr_setc(err, GERR_INPUT,
				 "unable to parse requirement: found '%s', "
				 "expected: identifier", *p);
	skip_ws(p);
	if (!**p || **p == ',') {
		if (fields)
			return gerr_setc(err, GERR_INPUT,
					 "invalid selector: '%s'; can't "
					 "understand '%s'", r->key, r->key);
		r->op = OP_EXISTS;
		return 0;
	}
	if (!strncmp(*p, "==", 2)) {
		*p += 2;
		r->op = OP_EQ;
	} else if (!strncmp(*p, "!=", 2)) {
		*p += 2;
		r->op = OP_NE;
	} else if (**p == '=') {
		(*p)++;
		r->op = OP_EQ;
	} else if (!fields && **p == '>') {
		(*p)++;
		r->op = OP_GT;
	} else if (!fields && **p == '<') {
		(*p)++;
		r->op = OP_LT;
	} else if (!fields && word_is(p, "notin")) {
		r->op = OP_NOTIN;
		return parse_set(p, &r->values, err);
	} else if (!fields && word_is(p, "in")) {
		r->op = OP_IN;
		return parse_set(p, &r->values, err);
	} else {
		return gerr_setc(err, GERR_INPUT,
				 "unable to parse requirement: found '%s', "
				 "expected: in, notin, =, ==, !=, gt, lt", *p);
	}
	strvec_push_nodup(&r->values, token(p));
	return 0;
}

static struct selector *parse(const char *text, int fields, struct gerr *err)
{
	struct selector *sel;
	const char *p = text;

	if (!text || !*text)
		return NULL;
	sel = xcalloc(1, sizeof(*sel));
	sel->fields = fields;
	for (;;) {
		ALLOC_GROW(sel->v, sel->nr + 1, sel->alloc);
		memset(&sel->v[sel->nr], 0, sizeof(sel->v[0]));
		if (parse_one(&p, &sel->v[sel->nr++], fields, err) < 0) {
			selector_free(sel);
			return NULL;
		}
		skip_ws(&p);
		if (!*p)
			break;
		if (*p != ',') {
			gerr_setc(err, GERR_INPUT,
				  "unable to parse requirement: found '%s', "
				  "expected: ','", p);
			selector_free(sel);
			return NULL;
		}
		p++;
	}
	return sel;
}

struct selector *selector_parse_labels(const char *text, struct gerr *err)
{
	struct selector *sel = parse(text, 0, err);

	if (sel || gerr_failed(err))
		return sel;
	/* an empty selector matches everything: represent as no selector */
	return NULL;
}

/* The fields a kind's field selectors may use, beyond metadata.name and
 * metadata.namespace (the conversion functions of each API group). */
static const char *const extra_fields[][8] = {
	{ "pods", "spec.nodeName", "spec.restartPolicy",
	  "spec.schedulerName", "spec.serviceAccountName", "status.phase",
	  "status.podIP", "status.nominatedNodeName" },
	{ "secrets", "type" },
	{ "events", "involvedObject.kind", "involvedObject.namespace",
	  "involvedObject.name", "involvedObject.uid",
	  "involvedObject.apiVersion", "reason", "type" },
	{ "namespaces", "status.phase" },
	{ "replicasets", "status.replicas" },
	{ "jobs", "status.successful" },
};

static int field_supported(const struct rtype *t, const char *key)
{
	if (!strcmp(key, "metadata.name") || !strcmp(key, "metadata.namespace"))
		return 1;
	if (t->flags & RT_CUSTOM)
		return 0;
	for (size_t i = 0; i < sizeof(extra_fields) / sizeof(extra_fields[0]);
	     i++) {
		if (strcmp(extra_fields[i][0], t->resource))
			continue;
		for (size_t j = 1; j < 8 && extra_fields[i][j]; j++)
			if (!strcmp(extra_fields[i][j], key))
				return 1;
	}
	return 0;
}

struct selector *selector_parse_fields(const struct rtype *t,
				       const char *text, struct gerr *err)
{
	struct selector *sel = parse(text, 1, err);

	if (!sel)
		return NULL;
	for (size_t i = 0; i < sel->nr; i++) {
		if (field_supported(t, sel->v[i].key))
			continue;
		if (t->flags & RT_CUSTOM)
			gerr_setc(err, GERR_INPUT,
				  "\"%s\" is not a known field selector: only "
				  "\"metadata.name\", \"metadata.namespace\"",
				  sel->v[i].key);
		else
			gerr_setc(err, GERR_INPUT,
				  "field label not supported: %s",
				  sel->v[i].key);
		selector_free(sel);
		return NULL;
	}
	return sel;
}

static int in_values(const struct strvec *v, const char *s)
{
	return s && strvec_find(v, s) >= 0;
}

static int match_one(const struct req_one *r, const char *value, int present)
{
	switch (r->op) {
	case OP_EQ:
		return present && !strcmp(value, r->values.v[0]);
	case OP_NE:
		return !present || strcmp(value, r->values.v[0]);
	case OP_IN:
		return present && in_values(&r->values, value);
	case OP_NOTIN:
		return !present || !in_values(&r->values, value);
	case OP_EXISTS:
		return present;
	case OP_NOT_EXISTS:
		return !present;
	case OP_GT:
	case OP_LT:
		if (!present)
			return 0;
		return r->op == OP_GT ? atoll(value) > atoll(r->values.v[0])
				      : atoll(value) < atoll(r->values.v[0]);
	}
	return 0;
}

int selector_match_labels(const struct selector *sel, const json_t *obj)
{
	const json_t *labels = jpath(obj, "metadata.labels");

	if (!sel)
		return 1;
	for (size_t i = 0; i < sel->nr; i++) {
		const char *v = json_string_value(
			json_object_get(labels, sel->v[i].key));

		if (!match_one(&sel->v[i], v ? v : "", v != NULL))
			return 0;
	}
	return 1;
}

int selector_match_fields(const struct selector *sel, const json_t *obj)
{
	if (!sel)
		return 1;
	for (size_t i = 0; i < sel->nr; i++) {
		const json_t *j = jpath(obj, sel->v[i].key);
		char buf[32];
		const char *v = json_string_value(j);

		if (json_is_integer(j)) {
			snprintf(buf, sizeof(buf), "%lld",
				 (long long)json_integer_value(j));
			v = buf;
		}
		/* an absent field compares as the empty string */
		if (!match_one(&sel->v[i], v ? v : "", 1))
			return 0;
	}
	return 1;
}

int selector_match_object(const json_t *selector, const json_t *labels)
{
	const char *k;
	json_t *v, *exprs = json_object_get(selector, "matchExpressions");
	size_t i;

	if (!json_is_object(selector))
		return 0;
	json_object_foreach((json_t *)json_object_get(selector, "matchLabels"),
			    k, v) {
		const char *l = json_string_value(json_object_get(labels, k));

		if (!l || strcmp(l, json_string_value(v) ? json_string_value(v)
							 : ""))
			return 0;
	}
	json_array_foreach(exprs, i, v) {
		struct req_one r = { 0 };
		const char *key = jstr(v, "key"), *op = jstr(v, "operator");
		const char *l;
		size_t j;
		json_t *val;
		int ok;

		if (!key || !op)
			return 0;
		l = json_string_value(json_object_get(labels, key));
		if (!strcmp(op, "In"))
			r.op = OP_IN;
		else if (!strcmp(op, "NotIn"))
			r.op = OP_NOTIN;
		else if (!strcmp(op, "Exists"))
			r.op = OP_EXISTS;
		else if (!strcmp(op, "DoesNotExist"))
			r.op = OP_NOT_EXISTS;
		else
			return 0;
		json_array_foreach(json_object_get(v, "values"), j, val)
			if (json_is_string(val))
				strvec_push(&r.values, json_string_value(val));
		ok = match_one(&r, l ? l : "", l != NULL);
		strvec_clear(&r.values);
		if (!ok)
			return 0;
	}
	return 1;
}
