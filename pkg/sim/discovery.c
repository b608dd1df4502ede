/*
 * pkg/sim: discovery as kube-apiserver 1.32 shapes it — /version, /api,
 * /apis, /apis/GROUP, and an APIResourceList per group-version with the
 * /status and /scale subresources. Established CRDs add their groups.
 * Only the legacy (unaggregated) documents are served: clients asking for
 * the aggregated form get these with Content-Type application/json and
 * fall back, as they do with an older server.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

static json_t *version_doc(void)
{
	json_t *v = json_object();

	json_object_set_new(v, "major", json_string("1"));
	json_object_set_new(v, "minor", json_string("32"));
	json_object_set_new(v, "gitVersion", json_string("v1.32.0+kubesim"));
	json_object_set_new(v, "gitCommit",
			    json_string("0000000000000000000000000000000000000000"));
	json_object_set_new(v, "gitTreeState", json_string("clean"));
	json_object_set_new(v, "buildDate",
			    json_string("2024-12-11T00:00:00Z"));
	json_object_set_new(v, "goVersion", json_string("go1.23.3"));
	json_object_set_new(v, "compiler", json_string("gc"));
	json_object_set_new(v, "platform", json_string("linux/amd64"));
	return v;
}

/* Kubernetes' version priority: v1 > v1beta2 > v1beta1 > v1alpha1, then
 * other names alphabetically. Returns <0 when a sorts first. */
static int kube_version_cmp(const char *a, const char *b)
{
	long ma = 0, mb = 0, na = 0, nb = 0;
	int ka = 0, kb = 0; /* 3 GA, 2 beta, 1 alpha, 0 not kube-like */
	const char *pa = a, *pb = b;

	if (*pa == 'v' && isdigit((unsigned char)pa[1])) {
		char *end;

		ma = strtol(pa + 1, &end, 10);
		if (!*end)
			ka = 3;
		else if (!strncmp(end, "beta", 4) &&
			 isdigit((unsigned char)end[4]))
			ka = 2, na = atol(end + 4);
		else if (!strncmp(end, "alpha", 5) &&
			 isdigit((unsigned char)end[5]))
			ka = 1, na = atol(end + 5);
	}
	if (*pb == 'v' && isdigit((unsigned char)pb[1])) {
		char *end;

		mb = strtol(pb + 1, &end, 10);
		if (!*end)
			kb = 3;
		else if (!strncmp(end, "beta", 4) &&
			 isdigit((unsigned char)end[4]))
			kb = 2, nb = atol(end + 4);
		else if (!strncmp(end, "alpha", 5) &&
			 isdigit((unsigned char)end[5]))
			kb = 1, nb = atol(end + 5);
	}
	if (ka != kb)
		return kb - ka;
	if (!ka)
		return strcmp(a, b);
	if (ma != mb)
		return mb > ma ? 1 : -1;
	if (na != nb)
		return nb > na ? 1 : -1;
	return 0;
}

/* The served versions of a group, best first. */
static void group_versions(struct sim *s, const char *group,
			   struct strvec *out)
{
	for (size_t i = 0; i < s->ntypes; i++)
		if (!strcmp(s->types[i]->group, group) &&
		    strvec_find(out, s->types[i]->version) < 0)
			strvec_push(out, s->types[i]->version);
	for (size_t i = 1; i < out->nr; i++)
		for (size_t j = i; j > 0 && kube_version_cmp(out->v[j - 1],
							     out->v[j]) > 0;
		     j--) {
			char *t = out->v[j];

			out->v[j] = out->v[j - 1];
			out->v[j - 1] = t;
		}
}

static json_t *gv_entry(const char *group, const char *version)
{
	json_t *e = json_object();
	struct strbuf gv = STRBUF_INIT;

	strbuf_addf(&gv, "%s/%s", group, version);
	json_object_set_new(e, "groupVersion", json_string(gv.buf));
	json_object_set_new(e, "version", json_string(version));
	strbuf_release(&gv);
	return e;
}

static json_t *group_doc(struct sim *s, const char *group, int with_type)
{
	struct strvec vs = STRVEC_INIT;
	json_t *g = json_object(), *arr = json_array();

	group_versions(s, group, &vs);
	if (with_type) {
		json_object_set_new(g, "kind", json_string("APIGroup"));
		json_object_set_new(g, "apiVersion", json_string("v1"));
	}
	json_object_set_new(g, "name", json_string(group));
	for (size_t i = 0; i < vs.nr; i++)
		json_array_append_new(arr, gv_entry(group, vs.v[i]));
	json_object_set_new(g, "versions", arr);
	json_object_set_new(g, "preferredVersion", gv_entry(group, vs.v[0]));
	strvec_clear(&vs);
	return g;
}

static json_t *groups_doc(struct sim *s)
{
	struct strvec groups = STRVEC_INIT;
	json_t *doc = json_object(), *arr = json_array();

	for (size_t i = 0; i < s->ntypes; i++)
		if (*s->types[i]->group &&
		    strvec_find(&groups, s->types[i]->group) < 0)
			strvec_push(&groups, s->types[i]->group);
	for (size_t i = 0; i < groups.nr; i++)
		json_array_append_new(arr, group_doc(s, groups.v[i], 0));
	json_object_set_new(doc, "kind", json_string("APIGroupList"));
	json_object_set_new(doc, "apiVersion", json_string("v1"));
	json_object_set_new(doc, "groups", arr);
	strvec_clear(&groups);
	return doc;
}

static json_t *strings(const struct strvec *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sv->nr; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static json_t *verbs_of(unsigned verbs)
{
	/* alphabetical, as the server lists them */
	static const struct {
		const char *name;
		unsigned bit;
	} all[] = {
		{ "create", VERB_CREATE }, { "delete", VERB_DELETE },
		{ "deletecollection", VERB_DELETECOLLECTION },
		{ "get", VERB_GET }, { "list", VERB_LIST },
		{ "patch", VERB_PATCH }, { "update", VERB_UPDATE },
		{ "watch", VERB_WATCH },
	};
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (verbs & all[i].bit)
			json_array_append_new(a, json_string(all[i].name));
	return a;
}

static json_t *sub_entry(const struct rtype *t, const char *sub)
{
	json_t *e = json_object();
	struct strbuf n = STRBUF_INIT;

	strbuf_addf(&n, "%s/%s", t->resource, sub);
	json_object_set_new(e, "name", json_string(n.buf));
	json_object_set_new(e, "singularName", json_string(""));
	json_object_set_new(e, "namespaced", json_boolean(t->namespaced));
	if (!strcmp(sub, "scale")) {
		json_object_set_new(e, "group", json_string("autoscaling"));
		json_object_set_new(e, "version", json_string("v1"));
		json_object_set_new(e, "kind", json_string("Scale"));
	} else {
		json_object_set_new(e, "kind", json_string(t->kind));
	}
	json_object_set_new(e, "verbs", !strcmp(sub, "finalize")
						 ? verbs_of(VERB_UPDATE)
						 : verbs_of(VERB_GET |
							    VERB_PATCH |
							    VERB_UPDATE));
	strbuf_release(&n);
	return e;
}

static json_t *resource_list(struct sim *s, const char *group,
			     const char *version)
{
	json_t *doc = json_object(), *arr = json_array();
	struct strbuf gv = STRBUF_INIT;

	json_object_set_new(doc, "kind", json_string("APIResourceList"));
	if (*group) {
		json_object_set_new(doc, "apiVersion", json_string("v1"));
		strbuf_addf(&gv, "%s/%s", group, version);
	} else {
		strbuf_addstr(&gv, version);
	}
	json_object_set_new(doc, "groupVersion", json_string(gv.buf));
	for (size_t i = 0; i < s->ntypes; i++) {
		const struct rtype *t = s->types[i];
		json_t *e;

		if (strcmp(t->group, group) || strcmp(t->version, version))
			continue;
		e = json_object();
		json_object_set_new(e, "name", json_string(t->resource));
		json_object_set_new(e, "singularName", json_string(t->singular));
		json_object_set_new(e, "namespaced",
				    json_boolean(t->namespaced));
		json_object_set_new(e, "kind", json_string(t->kind));
		json_object_set_new(e, "verbs", verbs_of(t->verbs));
		if (t->short_names.nr)
			json_object_set_new(e, "shortNames",
					    strings(&t->short_names));
		if (t->categories.nr)
			json_object_set_new(e, "categories",
					    strings(&t->categories));
		json_array_append_new(arr, e);
		if (!strcmp(t->resource, "namespaces") && !*t->group)
			json_array_append_new(arr, sub_entry(t, "finalize"));
		if (t->flags & RT_SCALE)
			json_array_append_new(arr, sub_entry(t, "scale"));
		if (t->flags & RT_STATUS)
			json_array_append_new(arr, sub_entry(t, "status"));
	}
	json_object_set_new(doc, "resources", arr);
	strbuf_release(&gv);
	return doc;
}

static int gv_served(struct sim *s, const char *group, const char *version)
{
	for (size_t i = 0; i < s->ntypes; i++)
		if (!strcmp(s->types[i]->group, group) &&
		    (!version || !strcmp(s->types[i]->version, version)))
			return 1;
	return 0;
}

int discovery_serve(struct sim *s, const struct req *r, struct resp *out)
{
	const char *p = r->path;
	char group[256], version[64];

	if (strcmp(r->method, "GET"))
		return 0;
	if (!strcmp(p, "/version") || !strcmp(p, "/version/")) {
		out->code = 200;
		out->json = version_doc();
		return 1;
	}
	if (!strcmp(p, "/api") || !strcmp(p, "/api/")) {
		json_t *d = json_object(), *vs = json_array(), *a = json_array();
		json_t *c = json_object();
		char addr[64];

		json_array_append_new(vs, json_string("v1"));
		json_object_set_new(d, "kind", json_string("APIVersions"));
		json_object_set_new(d, "versions", vs);
		snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
		json_object_set_new(c, "clientCIDR", json_string("0.0.0.0/0"));
		json_object_set_new(c, "serverAddress", json_string(addr));
		json_array_append_new(a, c);
		json_object_set_new(d, "serverAddressByClientCIDRs", a);
		out->code = 200;
		out->json = d;
		return 1;
	}
	if (!strcmp(p, "/api/v1") || !strcmp(p, "/api/v1/")) {
		out->code = 200;
		out->json = resource_list(s, "", "v1");
		return 1;
	}
	if (!strcmp(p, "/apis") || !strcmp(p, "/apis/")) {
		out->code = 200;
		out->json = groups_doc(s);
		return 1;
	}
	if (!strncmp(p, "/apis/", 6)) {
		const char *g = p + 6, *slash = strchr(g, '/');
		size_t gl = slash ? (size_t)(slash - g) : strlen(g);
		const char *v = slash ? slash + 1 : NULL;
		size_t vl = v ? strcspn(v, "/") : 0;

		if (gl == 0 || gl >= sizeof(group) || vl >= sizeof(version))
			return 0;
		memcpy(group, g, gl);
		group[gl] = 0;
		if (!v || !*v) {
			if (!gv_served(s, group, NULL))
				return 0;
			out->code = 200;
			out->json = group_doc(s, group, 1);
			return 1;
		}
		if (v[vl] && strcmp(v + vl, "/"))
			return 0;
		memcpy(version, v, vl);
		version[vl] = 0;
		if (!gv_served(s, group, version))
			return 0;
		out->code = 200;
		out->json = resource_list(s, group, version);
		return 1;
	}
	return 0;
}
