/*
 * pkg/sim: the REST API — path routing as kube-apiserver lays it out
 * (/api/v1/namespaces/NS/RESOURCE/NAME/SUBRESOURCE, /apis/GROUP/VERSION/...),
 * and the verbs get, list, watch, create, update, patch, delete and
 * deletecollection on top of write.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"
#include "pkg/yaml/yaml.h"
#include "pkg/base/base64.h"

struct route {
	const struct rtype *t;
	const char *ns, *name, *sub;
	struct strvec parts;
};

const char *req_param(const struct req *r, const char *name)
{
	return json_string_value(json_object_get(r->query, name));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *url_decode(const char *s, size_t n, int plus)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else if (plus && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

json_t *query_parse(const char *qs)
{
	json_t *q = json_object();

	while (qs && *qs) {
		const char *amp = strchr(qs, '&');
		size_t n = amp ? (size_t)(amp - qs) : strlen(qs);
		const char *eq = memchr(qs, '=', n);
		char *k = url_decode(qs, eq ? (size_t)(eq - qs) : n, 1);
		char *v = eq ? url_decode(eq + 1, n - (size_t)(eq - qs) - 1, 1)
			     : xstrdup("");

		if (*k && !json_object_get(q, k))
			json_object_set_new(q, k, json_string(v));
		free(k);
		free(v);
		qs += n + (amp ? 1 : 0);
	}
	return q;
}

void resp_clear(struct resp *out)
{
	json_decref(out->json);
	free(out->text);
	strvec_clear(&out->warnings);
	memset(out, 0, sizeof(*out));
}

static void reply(struct resp *out, int code, json_t *body)
{
	json_decref(out->json);
	out->code = code;
	out->json = body;
}

static void reply_status(struct resp *out, json_t *st)
{
	reply(out, (int)json_integer_value(json_object_get(st, "code")), st);
}

static void reply_text(struct resp *out, int code, const char *text)
{
	out->code = code;
	free(out->text);
	out->text = xstrdup(text);
	out->ctype = "text/plain; charset=utf-8";
}

static void not_found_path(struct resp *out)
{
	reply_text(out, 404, "404 page not found\n");
}

static void resource_not_found(struct resp *out)
{
	reply(out, 404,
	      status_failure(404, "NotFound",
			     "the server could not find the requested resource",
			     json_object()));
}

/* ---- presentation ---- */

json_t *api_present(struct sim *s, const struct rtype *t, const json_t *obj)
{
	struct strbuf av = STRBUF_INIT;
	json_t *out;

	(void)s;
	types_api_version(t, &av);
	if (!strcmp(jstr(obj, "apiVersion") ? jstr(obj, "apiVersion") : "",
		    av.buf)) {
		strbuf_release(&av);
		return json_incref((json_t *)obj);
	}
	/* a custom resource stored at another version: conversion None */
	out = json_copy((json_t *)obj);
	json_object_set_new(out, "apiVersion", json_string(av.buf));
	strbuf_release(&av);
	return out;
}

static json_t *list_item(struct sim *s, const struct rtype *t,
			 const json_t *obj)
{
	json_t *o = api_present(s, t, obj), *c;

	if (t->flags & RT_CUSTOM)
		return o;
	/* typed lists carry no kind/apiVersion on their items */
	c = json_copy(o);
	json_decref(o);
	json_object_del(c, "kind");
	json_object_del(c, "apiVersion");
	return c;
}

/* ---- routing ---- */

static void split_path(const char *path, struct strvec *parts)
{
	const char *p = path;

	while (*p) {
		const char *slash;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		strvec_push_nodup(parts, url_decode(p, n, 0));
		p += n;
	}
}

static int group_version_known(struct sim *s, const char *g, const char *v)
{
	for (size_t i = 0; i < s->ntypes; i++)
		if (!strcmp(s->types[i]->group, g) &&
		    !strcmp(s->types[i]->version, v))
			return 1;
	return 0;
}

/* Returns 1 with rt filled, 0 after replying (404). */
static int route(struct sim *s, const struct req *r, struct route *rt,
		 struct resp *out)
{
	char **p;
	size_t n, base;
	const char *group, *version;

	split_path(r->path, &rt->parts);
	p = rt->parts.v;
	n = rt->parts.nr;
	if (n >= 2 && !strcmp(p[0], "api")) {
		group = "";
		version = p[1];
		base = 2;
	} else if (n >= 3 && !strcmp(p[0], "apis")) {
		group = p[1];
		version = p[2];
		base = 3;
	} else {
		not_found_path(out);
		return 0;
	}
	if (!group_version_known(s, group, version)) {
		not_found_path(out);
		return 0;
	}
	p += base;
	n -= base;
	if (n >= 3 && !strcmp(p[0], "namespaces") &&
	    !(n == 3 && (!strcmp(p[2], "status") ||
			 !strcmp(p[2], "finalize")))) {
		rt->ns = p[1];
		p += 2;
		n -= 2;
	}
	if (n < 1 || n > 3) {
		resource_not_found(out);
		return 0;
	}
	rt->t = types_find(s, group, version, p[0]);
	rt->name = n >= 2 ? p[1] : NULL;
	rt->sub = n >= 3 ? p[2] : NULL;
	if (!rt->t || (rt->ns && !rt->t->namespaced) ||
	    (rt->sub && strcmp(rt->sub, "status") && strcmp(rt->sub, "scale") &&
	     !(rt->t->kind && !strcmp(rt->t->resource, "namespaces") &&
	       !strcmp(rt->sub, "finalize"))) ||
	    (rt->sub && !strcmp(rt->sub, "status") &&
	     !(rt->t->flags & RT_STATUS)) ||
	    (rt->sub && !strcmp(rt->sub, "scale") &&
	     !(rt->t->flags & RT_SCALE)) ||
	    (rt->name && rt->t->namespaced && !rt->ns)) {
		resource_not_found(out);
		return 0;
	}
	return 1;
}

/* ---- authorization ---- */

static const char *verb_of(const struct req *r, const struct route *rt)
{
	const char *m = r->method;

	if (!strcmp(m, "POST"))
		return "create";
	if (!strcmp(m, "PUT"))
		return "update";
	if (!strcmp(m, "PATCH"))
		return "patch";
	if (!strcmp(m, "DELETE"))
		return rt->name ? "delete" : "deletecollection";
	if (rt->name)
		return "get";
	return req_param(r, "watch") && strcmp(req_param(r, "watch"), "0") &&
			       strcmp(req_param(r, "watch"), "false")
		       ? "watch"
		       : "list";
}

static json_t *forbidden(const struct req *r, const struct route *rt,
			 const char *verb)
{
	struct strbuf m = STRBUF_INIT, res = STRBUF_INIT;
	json_t *d = json_object(), *st;

	strbuf_addstr(&res, rt->t->resource);
	if (rt->sub)
		strbuf_addf(&res, "/%s", rt->sub);
	types_qualified(rt->t, &m);
	if (rt->name) {
		strbuf_addch(&m, ' ');
		go_quote(&m, rt->name);
	}
	strbuf_addf(&m, " is forbidden: User \"%s\" cannot %s resource \"%s\" "
		    "in API group \"%s\"", r->user, verb, res.buf,
		    rt->t->group);
	if (rt->ns)
		strbuf_addf(&m, " in the namespace \"%s\"", rt->ns);
	else
		strbuf_addstr(&m, " at the cluster scope");
	if (rt->name)
		json_object_set_new(d, "name", json_string(rt->name));
	if (*rt->t->group)
		json_object_set_new(d, "group", json_string(rt->t->group));
	json_object_set_new(d, "kind", json_string(rt->t->resource));
	st = status_failure(403, "Forbidden", m.buf, d);
	strbuf_release(&m);
	strbuf_release(&res);
	return st;
}

/* ---- verbs ---- */

static unsigned dry_run(const struct req *r, struct resp *out)
{
	const char *d = req_param(r, "dryRun");

	if (!d || !*d)
		return 0;
	if (strcmp(d, "All")) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "Invalid dryRun value \"%s\"", d);
		reply_status(out, status_bad_request(m.buf));
		strbuf_release(&m);
		return (unsigned)-1;
	}
	return DRY_RUN;
}

/* The request body as JSON, YAML or Kubernetes protobuf (what typed
 * clients such as kubectl create send). */
static json_t *parse_body(struct sim *s, const struct req *r,
			  struct resp *out)
{
	static const char unknown[] =
		"the body of the request was in an unknown format - accepted "
		"media types include: application/json, application/yaml, "
		"application/vnd.kubernetes.protobuf";
	json_error_t jerr;
	json_t *body;

	if (r->ctype && strstr(r->ctype, "protobuf")) {
		struct gerr err = GERR_INIT;

		body = proto_decode(s, r->body, r->body_len, &err);
		if (!body) {
			reply_status(out, status_failure(415,
							 "UnsupportedMediaType",
							 gerr_msg(&err), NULL));
			gerr_clear(&err);
		}
		return body;
	}
	if (r->ctype && strstr(r->ctype, "cbor")) {
		reply_status(out, status_failure(415, "UnsupportedMediaType",
						 unknown, NULL));
		return NULL;
	}
	if (!r->body_len) {
		reply_status(out, status_bad_request(unknown));
		return NULL;
	}
	if (r->ctype && (!strncmp(r->ctype, "application/yaml", 16) ||
			 !strncmp(r->ctype, "application/x-yaml", 18))) {
		struct gerr err = GERR_INIT;

		body = yaml_parse_value(r->body, r->body_len, "body", &err);
		if (!body) {
			reply_status(out, status_bad_request(gerr_msg(&err)));
			gerr_clear(&err);
		}
		return body;
	}
	body = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &jerr);
	if (!body) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "json: %s", jerr.text);
		reply_status(out, status_bad_request(m.buf));
		strbuf_release(&m);
	}
	return body;
}

static int full_rows(const struct req *r)
{
	const char *inc = req_param(r, "includeObject");

	return inc && !strcmp(inc, "Object");
}

static void do_get(struct sim *s, const struct req *r, const struct route *rt,
		   struct resp *out)
{
	json_t *o = store_get(s, rt->t, rt->ns, rt->name);

	if (!o) {
		reply_status(out, status_not_found(rt->t, rt->name));
		return;
	}
	if (rt->sub && !strcmp(rt->sub, "scale")) {
		reply(out, 200, scale_of(rt->t, o));
		return;
	}
	if (table_wanted(r->accept) && !rt->sub) {
		json_t *items = json_array();

		json_array_append_new(items, api_present(s, rt->t, o));
		reply(out, 200, table_of(s, rt->t, items, NULL,
					 full_rows(r)));
		json_decref(items);
		return;
	}
	reply(out, 200, api_present(s, rt->t, o));
}

/* continue tokens are base64 of {"v":"meta.k8s.io/v1","rv":N,"start":K},
 * as the server's are; K is the key to start at */
static void do_list(struct sim *s, const struct req *r, const struct route *rt,
		    struct resp *out)
{
	struct gerr err = GERR_INIT;
	struct selector *ls, *fs = NULL;
	json_t *all, *items, *list, *meta, *o;
	const char *lim = req_param(r, "limit"), *cont = req_param(r, "continue");
	long limit = lim ? atol(lim) : 0;
	char *start = NULL;
	size_t i, matched = 0, remaining = 0;
	struct strbuf av = STRBUF_INIT, key = STRBUF_INIT;
	char rvbuf[32];

	ls = selector_parse_labels(req_param(r, "labelSelector"), &err);
	if (!gerr_failed(&err))
		fs = selector_parse_fields(rt->t, req_param(r, "fieldSelector"),
					   &err);
	if (gerr_failed(&err)) {
		reply_status(out, status_bad_request(gerr_msg(&err)));
		gerr_clear(&err);
		selector_free(ls);
		return;
	}
	if (cont && *cont) {
		struct strbuf rawb = STRBUF_INIT;
		char *raw = base64_decode(cont, strlen(cont), 0, &rawb, NULL) == 0
				    ? strbuf_detach(&rawb, NULL) : NULL;
		json_t *tok = raw ? json_loads(raw, 0, NULL) : NULL;

		strbuf_release(&rawb);
		if (!jstr(tok, "start")) {
			reply_status(out, status_bad_request(
				"continue key is not valid: illegal base64 "
				"data at input byte 0"));
			free(raw);
			json_decref(tok);
			selector_free(ls);
			selector_free(fs);
			return;
		}
		start = xstrdup(jstr(tok, "start"));
		free(raw);
		json_decref(tok);
	}
	all = store_list(s, rt->t, rt->ns);
	items = json_array();
	list = json_object();
	meta = json_object();
	snprintf(rvbuf, sizeof(rvbuf), "%llu", (unsigned long long)s->rv);
	json_object_set_new(meta, "resourceVersion", json_string(rvbuf));
	json_array_foreach(all, i, o) {
		strbuf_reset(&key);
		store_key(rt->t->namespaced ? jstr(o, "metadata.namespace")
					    : NULL,
			  jstr(o, "metadata.name"), &key);
		if (start && strcmp(key.buf, start) < 0)
			continue;
		if (!selector_match_labels(ls, o) ||
		    !selector_match_fields(fs, o))
			continue;
		if (limit > 0 && matched == (size_t)limit) {
			if (!json_object_get(meta, "continue")) {
				char *tok;
				json_t *t = json_object();

				json_object_set_new(t, "v", json_string(
							"meta.k8s.io/v1"));
				json_object_set_new(t, "rv",
						    json_integer((json_int_t)s->rv));
				json_object_set_new(t, "start",
						    json_string(key.buf));
				struct strbuf sb = STRBUF_INIT;

				tok = json_dumps(t, JSON_COMPACT);
				base64_encode(&sb, tok, strlen(tok));
				json_object_set_new(meta, "continue",
						    json_string(sb.buf));
				free(tok);
				strbuf_release(&sb);
				json_decref(t);
			}
			remaining++;
			continue;
		}
		matched++;
		json_array_append_new(items, table_wanted(r->accept)
						     ? api_present(s, rt->t, o)
						     : list_item(s, rt->t, o));
	}
	/* remainingItemCount only without selectors, as the server does */
	if (remaining && !ls && !fs)
		json_object_set_new(meta, "remainingItemCount",
				    json_integer((json_int_t)remaining));
	if (table_wanted(r->accept)) {
		reply(out, 200, table_of(s, rt->t, items, meta, full_rows(r)));
		json_decref(items);
		json_decref(meta);
		json_decref(list);
		goto done;
	}
	json_object_set_new(list, "kind", json_string(rt->t->list_kind));
	types_api_version(rt->t, &av);
	json_object_set_new(list, "apiVersion", json_string(av.buf));
	json_object_set_new(list, "metadata", meta);
	json_object_set_new(list, "items", items);
	if (rt->t->flags & RT_CUSTOM) {
		/* unstructured lists marshal with sorted keys */
		json_t *sorted = json_object();

		json_object_set(sorted, "apiVersion",
				json_object_get(list, "apiVersion"));
		json_object_set(sorted, "items", items);
		json_object_set(sorted, "kind", json_object_get(list, "kind"));
		json_object_set(sorted, "metadata", meta);
		json_decref(list);
		list = sorted;
	}
	reply(out, 200, list);
done:
	json_decref(all);
	free(start);
	selector_free(ls);
	selector_free(fs);
	strbuf_release(&av);
	strbuf_release(&key);
}

static void do_watch(struct sim *s, const struct req *r,
		     const struct route *rt, struct resp *out)
{
	struct gerr err = GERR_INIT;
	struct sim_watch *w = xcalloc(1, sizeof(*w));
	struct strbuf gr = STRBUF_INIT, av = STRBUF_INIT;
	const char *rvs = req_param(r, "resourceVersion");
	const char *to = req_param(r, "timeoutSeconds");
	long timeout = to ? atol(to) : 1800;

	w->labels = selector_parse_labels(req_param(r, "labelSelector"), &err);
	if (!gerr_failed(&err))
		w->fields = selector_parse_fields(
			rt->t, req_param(r, "fieldSelector"), &err);
	if (rt->name && !gerr_failed(&err)) {
		/* a watch on one name is a field selector on it */
		struct strbuf fsel = STRBUF_INIT;

		selector_free(w->fields);
		strbuf_addf(&fsel, "metadata.name=%s", rt->name);
		w->fields = selector_parse_fields(rt->t, fsel.buf, &err);
		strbuf_release(&fsel);
	}
	if (gerr_failed(&err)) {
		reply_status(out, status_bad_request(gerr_msg(&err)));
		gerr_clear(&err);
		watch_free(w);
		return;
	}
	types_gr(rt->t, &gr);
	w->gr = strbuf_detach(&gr, NULL);
	types_api_version(rt->t, &av);
	w->api_version = strbuf_detach(&av, NULL);
	w->ns = rt->ns ? xstrdup(rt->ns) : NULL;
	w->table = table_wanted(r->accept);
	w->full = full_rows(r);
	w->deadline_ms = util_now_ms() + timeout * 1000;
	if (!rvs || !*rvs || !strcmp(rvs, "0")) {
		/* start with the current state as synthetic ADDED events */
		json_t *all = store_list(s, rt->t, rt->ns), *o;
		size_t i;

		w->initial = json_array();
		json_array_foreach(all, i, o) {
			json_t *ev;

			if (!selector_match_labels(w->labels, o) ||
			    !selector_match_fields(w->fields, o))
				continue;
			ev = json_object();
			json_object_set_new(ev, "type", json_string("ADDED"));
			json_object_set_new(ev, "object",
					    api_present(s, rt->t, o));
			if (w->table)
				watch_tableize(s, w, ev);
			json_array_append_new(w->initial, ev);
		}
		json_decref(all);
		w->after = s->rv;
	} else {
		char *end;
		unsigned long long v = strtoull(rvs, &end, 10);

		if (*end) {
			struct strbuf m = STRBUF_INIT;

			strbuf_addf(&m, "invalid resource version: %s", rvs);
			reply_status(out, status_failure(
					  400, "BadRequest", m.buf, NULL));
			strbuf_release(&m);
			watch_free(w);
			return;
		}
		w->after = v;
		if (v < store_oldest_rv(s)) {
			struct strbuf m = STRBUF_INIT;
			json_t *ev = json_object();

			strbuf_addf(&m, "too old resource version: %llu (%llu)",
				    v, (unsigned long long)store_oldest_rv(s));
			json_object_set_new(ev, "type", json_string("ERROR"));
			json_object_set_new(ev, "object",
					    status_failure(410, "Expired",
							   m.buf, NULL));
			w->error = ev;
			strbuf_release(&m);
		}
	}
	w->next = s->watches;
	s->watches = w;
	out->code = 200;
	out->watch = w;
}

static unsigned validation_flags(const struct req *r)
{
	const char *fv = req_param(r, "fieldValidation");

	if (fv && !strcmp(fv, "Strict"))
		return WRITE_STRICT;
	if (fv && !strcmp(fv, "Ignore"))
		return WRITE_IGNORE_UNKNOWN;
	return 0;
}

static void do_create(struct sim *s, const struct req *r,
		      const struct route *rt, struct resp *out)
{
	unsigned flags = dry_run(r, out);
	json_t *body, *st = NULL, *o;

	if (flags == (unsigned)-1)
		return;
	if (rt->name) {
		reply_status(out, status_method_not_supported(rt->t, "create"));
		return;
	}
	if ((rt->t->flags & RT_CUSTOM) && crd_terminating(s, rt->t)) {
		reply_status(out, status_method_not_supported(rt->t, "create"));
		return;
	}
	body = parse_body(s, r, out);
	if (!body)
		return;
	flags |= validation_flags(r);
	o = write_create(s, rt->t, rt->ns, body, flags, &out->warnings, &st);
	json_decref(body);
	if (!o) {
		reply_status(out, st);
		return;
	}
	reply(out, 201, api_present(s, rt->t, o));
	json_decref(o);
}

static void do_update(struct sim *s, const struct req *r,
		      const struct route *rt, struct resp *out)
{
	unsigned flags = dry_run(r, out);
	json_t *body, *st = NULL, *o;

	if (flags == (unsigned)-1)
		return;
	body = parse_body(s, r, out);
	if (!body)
		return;
	flags |= validation_flags(r);
	if (rt->sub && !strcmp(rt->sub, "scale")) {
		o = scale_update(s, rt->t, rt->ns, rt->name, body, flags, &st);
		json_decref(body);
		if (!o)
			reply_status(out, st);
		else
			reply(out, 200, o);
		return;
	}
	o = write_update(s, rt->t, rt->ns, rt->name,
			 rt->sub && strcmp(rt->sub, "scale") ? rt->sub : NULL,
			 body, flags, &out->warnings, &st);
	json_decref(body);
	if (!o) {
		reply_status(out, st);
		return;
	}
	reply(out, 200, api_present(s, rt->t, o));
	json_decref(o);
}

/* autoscaling/v1 Scale, for patches of /scale */
static const struct rtype scale_type = {
	.group = "autoscaling", .version = "v1", .resource = "scale",
	.kind = "Scale",
};

static int is_apply(const char *ctype)
{
	return ctype && !strncmp(ctype, "application/apply-patch+yaml", 28);
}

/* Server-side apply of an object that does not exist creates it. */
static void apply_create(struct sim *s, const struct req *r,
			 const struct route *rt, unsigned flags,
			 struct resp *out)
{
	struct gerr err = GERR_INIT;
	json_t *obj = yaml_parse_value(r->body ? r->body : "", r->body_len,
				       "patch", &err), *st = NULL, *o;

	if (!json_is_object(obj)) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "error decoding YAML: %s",
			    obj ? "not an object" : gerr_msg(&err));
		reply_status(out, status_bad_request(m.buf));
		strbuf_release(&m);
		gerr_clear(&err);
		json_decref(obj);
		return;
	}
	if (!jstr(obj, "metadata.name"))
		json_object_set_new(jmeta(obj), "name", json_string(rt->name));
	o = write_create(s, rt->t, rt->ns, obj, flags, &out->warnings, &st);
	json_decref(obj);
	if (!o) {
		reply_status(out, st);
		return;
	}
	reply(out, 201, api_present(s, rt->t, o));
	json_decref(o);
}

static void do_patch(struct sim *s, const struct req *r,
		     const struct route *rt, struct resp *out)
{
	unsigned flags = dry_run(r, out);
	json_t *cur, *patched, *st = NULL, *o;
	const char *sub = rt->sub && strcmp(rt->sub, "scale") ? rt->sub
							       : NULL;

	if (flags == (unsigned)-1)
		return;
	flags |= validation_flags(r);
	if (is_apply(r->ctype) && !req_param(r, "fieldManager")) {
		reply_status(out, status_bad_request(
					  "PatchOptions.meta.k8s.io \"\" is invalid: "
					  "fieldManager: Required value: is "
					  "required for apply patch"));
		return;
	}
	cur = store_get(s, rt->t, rt->ns, rt->name);
	if (!cur && is_apply(r->ctype) && !sub) {
		apply_create(s, r, rt, flags, out);
		return;
	}
	if (!cur) {
		reply_status(out, status_not_found(rt->t, rt->name));
		return;
	}
	if (rt->sub && !strcmp(rt->sub, "scale")) {
		/* a patch of the Scale, which has no merge keys: the
		 * strategic form is a merge patch */
		json_t *sc = scale_of(rt->t, cur);

		patched = patch_apply(s, &scale_type, sc, r->ctype, r->body,
				      r->body_len, &st);
		json_decref(sc);
		o = patched ? scale_update(s, rt->t, rt->ns, rt->name, patched,
					   flags, &st)
			    : NULL;
		json_decref(patched);
		if (!o)
			reply_status(out, st);
		else
			reply(out, 200, o);
		return;
	}
	cur = api_present(s, rt->t, cur);
	patched = patch_apply(s, rt->t, cur, r->ctype, r->body, r->body_len,
			      &st);
	json_decref(cur);
	if (!patched) {
		reply_status(out, st);
		return;
	}
	/* a patch carries the precondition only when it sets the field */
	o = write_update(s, rt->t, rt->ns, rt->name, sub, patched,
			 flags | WRITE_PATCH, &out->warnings, &st);
	json_decref(patched);
	if (!o) {
		reply_status(out, st);
		return;
	}
	reply(out, 200, api_present(s, rt->t, o));
	json_decref(o);
}

static void do_delete(struct sim *s, const struct req *r,
		      const struct route *rt, struct resp *out)
{
	unsigned flags = dry_run(r, out);
	json_t *opts = NULL, *res;
	int code = 200;

	if (flags == (unsigned)-1)
		return;
	if (r->body_len) {
		opts = parse_body(s, r, out);
		if (!opts)
			return;
		if (jstr(opts, "dryRun") || json_is_array(
			    json_object_get(opts, "dryRun"))) {
			json_t *d = json_array_get(json_object_get(opts,
								   "dryRun"), 0);

			if (d && !strcmp(json_string_value(d)
						 ? json_string_value(d) : "",
					 "All"))
				flags |= DRY_RUN;
		}
	} else {
		opts = json_object();
	}
	/* the deprecated form of propagationPolicy: Orphan */
	if (json_is_true(json_object_get(opts, "orphanDependents")) &&
	    !json_object_get(opts, "propagationPolicy"))
		json_object_set_new(opts, "propagationPolicy",
				    json_string("Orphan"));
	if (req_param(r, "propagationPolicy"))
		json_object_set_new(opts, "propagationPolicy",
				    json_string(req_param(r,
							  "propagationPolicy")));
	res = write_delete(s, rt->t, rt->ns, rt->name, opts, flags, &code);
	json_decref(opts);
	reply(out, code, res);
}

static void do_deletecollection(struct sim *s, const struct req *r,
				const struct route *rt, struct resp *out)
{
	struct gerr err = GERR_INIT;
	struct selector *ls, *fs = NULL;
	unsigned flags = dry_run(r, out);
	json_t *all, *o, *items = json_array(), *list = json_object(), *meta;
	struct strbuf av = STRBUF_INIT;
	size_t i;
	char rvbuf[32];

	if (flags == (unsigned)-1) {
		json_decref(items);
		json_decref(list);
		return;
	}
	ls = selector_parse_labels(req_param(r, "labelSelector"), &err);
	if (!gerr_failed(&err))
		fs = selector_parse_fields(rt->t, req_param(r, "fieldSelector"),
					   &err);
	if (gerr_failed(&err)) {
		reply_status(out, status_bad_request(gerr_msg(&err)));
		gerr_clear(&err);
		selector_free(ls);
		json_decref(items);
		json_decref(list);
		return;
	}
	all = store_list(s, rt->t, rt->ns);
	json_array_foreach(all, i, o) {
		json_t *opts = json_object(), *res;
		int code;

		if (!selector_match_labels(ls, o) ||
		    !selector_match_fields(fs, o)) {
			json_decref(opts);
			continue;
		}
		json_array_append_new(items, list_item(s, rt->t, o));
		res = write_delete(s, rt->t, jstr(o, "metadata.namespace"),
				   jstr(o, "metadata.name"), opts, flags,
				   &code);
		json_decref(res);
		json_decref(opts);
	}
	json_decref(all);
	meta = json_object();
	snprintf(rvbuf, sizeof(rvbuf), "%llu", (unsigned long long)s->rv);
	json_object_set_new(meta, "resourceVersion", json_string(rvbuf));
	json_object_set_new(list, "kind", json_string(rt->t->list_kind));
	types_api_version(rt->t, &av);
	json_object_set_new(list, "apiVersion", json_string(av.buf));
	json_object_set_new(list, "metadata", meta);
	json_object_set_new(list, "items", items);
	reply(out, 200, list);
	strbuf_release(&av);
	selector_free(ls);
	selector_free(fs);
}

/* The field manager: fieldManager, else the User-Agent up to its first
 * "/", as the server takes it. */
static void set_writer(struct sim *s, const struct req *r)
{
	char *ua = s->writer_buf;
	const char *fm = req_param(r, "fieldManager");

	s->writer_op = r->ctype && !strncmp(r->ctype,
					    "application/apply-patch+yaml", 28)
			       ? "Apply" : "Update";
	if (fm && *fm) {
		s->writer = fm;
		return;
	}
	snprintf(ua, sizeof(s->writer_buf), "%.*s",
		 r->user_agent ? (int)strcspn(r->user_agent, "/") : 0,
		 r->user_agent ? r->user_agent : "");
	s->writer = *ua ? ua : "unknown";
}

static void handle_resource(struct sim *s, const struct req *r,
			    struct resp *out)
{
	struct route rt = { 0 };
	const char *verb;
	static const struct {
		const char *name;
		unsigned bit;
	} verbs[] = {
		{ "get", VERB_GET }, { "list", VERB_LIST },
		{ "watch", VERB_WATCH }, { "create", VERB_CREATE },
		{ "update", VERB_UPDATE }, { "patch", VERB_PATCH },
		{ "delete", VERB_DELETE },
		{ "deletecollection", VERB_DELETECOLLECTION },
	};

	if (!route(s, r, &rt, out))
		goto done;
	verb = verb_of(r, &rt);
	out->verb = verb;
	if (!strcmp(r->method, "POST") && rt.name) {
		reply_status(out, status_method_not_supported(rt.t, "create"));
		goto done;
	}
	if ((!strcmp(r->method, "PUT") || !strcmp(r->method, "PATCH")) &&
	    !rt.name) {
		reply_status(out, status_method_not_supported(
					  rt.t, !strcmp(r->method, "PUT")
							? "update" : "patch"));
		goto done;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, verb) && !rt.sub &&
		    !(rt.t->verbs & verbs[i].bit)) {
			reply_status(out,
				     status_method_not_supported(rt.t, verb));
			goto done;
		}
	if (r->readonly && strcmp(verb, "get") && strcmp(verb, "list") &&
	    strcmp(verb, "watch")) {
		reply_status(out, forbidden(r, &rt, verb));
		goto done;
	}
	set_writer(s, r);
	if (!strcmp(verb, "get"))
		do_get(s, r, &rt, out);
	else if (!strcmp(verb, "list"))
		do_list(s, r, &rt, out);
	else if (!strcmp(verb, "watch"))
		do_watch(s, r, &rt, out);
	else if (!strcmp(verb, "create"))
		do_create(s, r, &rt, out);
	else if (!strcmp(verb, "update"))
		do_update(s, r, &rt, out);
	else if (!strcmp(verb, "patch"))
		do_patch(s, r, &rt, out);
	else if (!strcmp(verb, "delete"))
		do_delete(s, r, &rt, out);
	else
		do_deletecollection(s, r, &rt, out);
	s->writer = s->writer_op = NULL;
done:
	strvec_clear(&rt.parts);
}

static void handle_faults(struct sim *s, const struct req *r,
			  struct resp *out)
{
	struct gerr err = GERR_INIT;
	char *spec;

	if (!strcmp(r->method, "GET")) {
		json_t *f = json_object(), *codes = json_array();

		for (int i = 0; i < s->faults.ncodes; i++)
			json_array_append_new(codes,
					      json_integer(s->faults.codes[i]));
		json_object_set_new(f, "rate", json_real(s->faults.rate));
		json_object_set_new(f, "codes", codes);
		json_object_set_new(f, "drop", json_real(s->faults.drop));
		json_object_set_new(f, "latencyMinMs",
				    json_integer(s->faults.lat_min));
		json_object_set_new(f, "latencyMaxMs",
				    json_integer(s->faults.lat_max));
		reply(out, 200, f);
		return;
	}
	if (strcmp(r->method, "POST")) {
		reply_text(out, 405, "405 method not allowed\n");
		return;
	}
	if (r->readonly) {
		reply(out, 403, status_failure(403, "Forbidden",
					       "forbidden: User cannot change "
					       "faults", NULL));
		return;
	}
	spec = xstrndup(r->body ? r->body : "", r->body_len);
	if (faults_parse(&s->faults, spec, &err) < 0) {
		reply_status(out, status_bad_request(gerr_msg(&err)));
		gerr_clear(&err);
	} else {
		reply_text(out, 200, "ok\n");
	}
	free(spec);
}

void api_handle(struct sim *s, const struct req *r, struct resp *out)
{
	const char *p = r->path;

	memset(out, 0, sizeof(*out));
	if (!strcmp(p, "/healthz") || !strcmp(p, "/readyz") ||
	    !strcmp(p, "/livez")) {
		reply_text(out, 200, "ok");
		return;
	}
	if (!strcmp(p, "/kubesim/faults")) {
		handle_faults(s, r, out);
		return;
	}
	if (!strncmp(p, "/openapi/", 9)) {
		openapi_serve(s, r, out);
		return;
	}
	if (discovery_serve(s, r, out))
		return;
	if (strcmp(r->method, "GET") && strcmp(r->method, "POST") &&
	    strcmp(r->method, "PUT") && strcmp(r->method, "PATCH") &&
	    strcmp(r->method, "DELETE")) {
		reply_text(out, 405, "405 method not allowed\n");
		return;
	}
	handle_resource(s, r, out);
}
