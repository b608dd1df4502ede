/*
 * Resource ids and the resource map: what kustomize remembers about each
 * object while a kustomization is built.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"

void kgvk_split(const char *api_version, char *group, size_t gn,
		char *version, size_t vn)
{
	const char *slash = strchr(api_version, '/');
	if (!slash) {
		/* "v1": the core group; kustomize takes a lone word as the
		 * version */
		snprintf(group, gn, "%s", "");
		snprintf(version, vn, "%s", api_version);
		return;
	}
	snprintf(group, gn, "%.*s", (int)(slash - api_version), api_version);
	snprintf(version, vn, "%s", slash + 1);
}

int kgvk_selected(const struct kgvk *x, const struct kgvk *sel)
{
	if (sel->group && *sel->group && strcmp(sel->group, x->group))
		return 0;
	if (sel->version && *sel->version && strcmp(sel->version, x->version))
		return 0;
	if (sel->kind && *sel->kind && strcmp(sel->kind, x->kind))
		return 0;
	return 1;
}

int kgvk_equal(const struct kgvk *a, const struct kgvk *b)
{
	return !strcmp(a->group, b->group) && !strcmp(a->version, b->version) &&
	       !strcmp(a->kind, b->kind);
}

/*
 * The kinds kustomize's built-in OpenAPI schema (Kubernetes 1.21, as
 * kustomize 5.5 embeds it) marks cluster-scoped, by group and the versions
 * that schema has. Found by running `kubectl kustomize` with a namespace
 * over every candidate kind: these are the ones it left without one. Any
 * other group/version/kind is namespaced, as it is for kustomize.
 */
static const struct {
	const char *group, *versions, *kind;
} cluster_scoped[] = {
	{ "", " v1 ", "Namespace" },
	{ "", " v1 ", "Node" },
	{ "", " v1 ", "PersistentVolume" },
	{ "", " v1 ", "ComponentStatus" },
	{ "admissionregistration.k8s.io", " v1 v1beta1 ",
	  "MutatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io", " v1 v1beta1 ",
	  "ValidatingWebhookConfiguration" },
	{ "apiextensions.k8s.io", " v1 v1beta1 ", "CustomResourceDefinition" },
	{ "apiregistration.k8s.io", " v1 v1beta1 ", "APIService" },
	{ "certificates.k8s.io", " v1 v1beta1 ", "CertificateSigningRequest" },
	{ "flowcontrol.apiserver.k8s.io", " v1beta1 ", "FlowSchema" },
	{ "flowcontrol.apiserver.k8s.io", " v1beta1 ",
	  "PriorityLevelConfiguration" },
	{ "networking.k8s.io", " v1 v1beta1 ", "IngressClass" },
	{ "node.k8s.io", " v1 v1beta1 ", "RuntimeClass" },
	{ "policy", " v1beta1 ", "PodSecurityPolicy" },
	{ "rbac.authorization.k8s.io", " v1 v1beta1 ", "ClusterRole" },
	{ "rbac.authorization.k8s.io", " v1 v1beta1 ", "ClusterRoleBinding" },
	{ "scheduling.k8s.io", " v1 v1beta1 ", "PriorityClass" },
	{ "storage.k8s.io", " v1 v1beta1 ", "StorageClass" },
	{ "storage.k8s.io", " v1 v1beta1 ", "VolumeAttachment" },
	{ "storage.k8s.io", " v1 v1beta1 ", "CSIDriver" },
	{ "storage.k8s.io", " v1 v1beta1 ", "CSINode" },
};

int kgvk_cluster_scoped(const struct kgvk *g)
{
	char v[40];
	if (!*g->version || strlen(g->version) > 30)
		return 0;
	snprintf(v, sizeof(v), " %s ", g->version);
	for (size_t i = 0; i < sizeof(cluster_scoped) / sizeof(*cluster_scoped);
	     i++)
		if (!strcmp(cluster_scoped[i].kind, g->kind) &&
		    !strcmp(cluster_scoped[i].group, g->group) &&
		    strstr(cluster_scoped[i].versions, v))
			return 1;
	return 0;
}

const char *kid_effective_ns(const struct kid *id)
{
	if (kgvk_cluster_scoped(&id->gvk))
		return "_non_namespaceable_";
	if (!*id->ns)
		return "default";
	return id->ns;
}

int kid_equal(const struct kid *a, const struct kid *b)
{
	return !strcmp(a->name, b->name) && kgvk_equal(&a->gvk, &b->gvk) &&
	       !strcmp(kid_effective_ns(a), kid_effective_ns(b));
}

void kid_format(struct strbuf *sb, const struct kid *id)
{
	if (*id->gvk.group)
		strbuf_addf(sb, "%s/", id->gvk.group);
	strbuf_addstr(sb, *id->gvk.kind ? id->gvk.kind : "(no kind)");
	if (*id->ns)
		strbuf_addf(sb, "/%s", id->ns);
	strbuf_addf(sb, "/%s", id->name);
}

/* ---- resources ---------------------------------------------------------- */

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
	const json_t *v = json_object_get(obj, a);
	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

const char *kres_kind(const struct kres *r)
{
	return str_at(r->obj, "kind", NULL);
}

const char *kres_name(const struct kres *r)
{
	return str_at(r->obj, "metadata", "name");
}

const char *kres_ns(const struct kres *r)
{
	return str_at(r->obj, "metadata", "namespace");
}

struct kres *kres_new(json_t *obj, const char *file, int line)
{
	struct kres *r = xcalloc(1, sizeof(*r));
	r->obj = obj;
	r->file = file ? xstrdup(file) : NULL;
	r->line = line;
	return r;
}

static void copy_id(struct kid *dst, const struct kid *src)
{
	dst->gvk.group = xstrdup(src->gvk.group);
	dst->gvk.version = xstrdup(src->gvk.version);
	dst->gvk.kind = xstrdup(src->gvk.kind);
	dst->ns = xstrdup(src->ns);
	dst->name = xstrdup(src->name);
}

static void free_id(struct kid *id)
{
	free((char *)id->gvk.group);
	free((char *)id->gvk.version);
	free((char *)id->gvk.kind);
	free((char *)id->ns);
	free((char *)id->name);
}

struct kres *kres_dup(const struct kres *r)
{
	struct kres *c = kres_new(json_deep_copy(r->obj), r->file, r->line);
	for (size_t i = 0; i < r->nprev; i++) {
		ALLOC_GROW(c->prev, c->nprev + 1, c->aprev);
		copy_id(&c->prev[c->nprev++], &r->prev[i]);
	}
	for (size_t i = 0; i < r->prefixes.nr; i++)
		strvec_push(&c->prefixes, r->prefixes.v[i]);
	for (size_t i = 0; i < r->suffixes.nr; i++)
		strvec_push(&c->suffixes, r->suffixes.v[i]);
	c->needs_hash = r->needs_hash;
	c->generated = r->generated;
	c->behavior = r->behavior;
	return c;
}

void kres_free(struct kres *r)
{
	if (!r)
		return;
	json_decref(r->obj);
	free(r->file);
	free(r->api_seen);
	for (size_t i = 0; i < r->nprev; i++)
		free_id(&r->prev[i]);
	free(r->prev);
	strvec_clear(&r->prefixes);
	strvec_clear(&r->suffixes);
	free(r);
}

void kres_id(struct kres *r, struct kid *out)
{
	/* ids are taken all the time: split the apiVersion only when it
	 * changed */
	const char *api = str_at(r->obj, "apiVersion", NULL);
	if (!r->api_seen || strcmp(r->api_seen, api)) {
		free(r->api_seen);
		r->api_seen = xstrdup(api);
		kgvk_split(api, r->gbuf, sizeof(r->gbuf), r->vbuf,
			   sizeof(r->vbuf));
	}
	out->gvk.group = r->gbuf;
	out->gvk.version = r->vbuf;
	out->gvk.kind = kres_kind(r);
	out->ns = kres_ns(r);
	out->name = kres_name(r);
}

void kres_org_id(struct kres *r, struct kid *out)
{
	if (r->nprev)
		*out = r->prev[0];
	else
		kres_id(r, out);
}

void kres_store_prev(struct kres *r)
{
	struct kid cur;
	kres_id(r, &cur);
	/* kustomize records the effective namespace ("default" for none) */
	cur.ns = kid_effective_ns(&cur);
	ALLOC_GROW(r->prev, r->nprev + 1, r->aprev);
	copy_id(&r->prev[r->nprev++], &cur);
}

int kres_any_id_equals(struct kres *r, const struct kid *id)
{
	struct kid cur;
	kres_id(r, &cur);
	if (kid_equal(&cur, id))
		return 1;
	for (size_t i = 0; i < r->nprev; i++)
		if (kid_equal(&r->prev[i], id))
			return 1;
	return 0;
}

static json_t *metadata(struct kres *r)
{
	json_t *md = json_object_get(r->obj, "metadata");
	if (!json_is_object(md)) {
		md = json_object();
		json_object_set_new(r->obj, "metadata", md);
	}
	return md;
}

void kres_set_name(struct kres *r, const char *name)
{
	json_object_set_new(metadata(r), "name", json_string(name));
}

void kres_set_ns(struct kres *r, const char *ns)
{
	if (!*ns)
		json_object_del(metadata(r), "namespace");
	else
		json_object_set_new(metadata(r), "namespace", json_string(ns));
}

void kres_format(struct strbuf *sb, const struct kres *r)
{
	obj_format_id(sb, r->obj);
}

/* ---- the map ------------------------------------------------------------ */

void kresmap_push(struct kresmap *m, struct kres *r)
{
	ALLOC_GROW(m->v, m->nr + 1, m->alloc);
	m->v[m->nr++] = r;
}

void kres_key(struct kres *r, struct strbuf *sb)
{
	struct kid id;
	kres_id(r, &id);
	strbuf_addf(sb, "%s|%s|%s|%s|%s", id.gvk.group, id.gvk.version,
		    id.gvk.kind, kid_effective_ns(&id), id.name);
}

static int duplicate(struct kres *first, struct kres *r, struct gerr *err)
{
	struct strbuf sb = STRBUF_INIT;
	kres_format(&sb, r);
	gerr_setc(err, GERR_INPUT,
		  "duplicate object %s: defined at %s:%d and again at %s:%d",
		  sb.buf, first->file ? first->file : "?", first->line,
		  r->file ? r->file : "?", r->line);
	strbuf_release(&sb);
	return -1;
}

int kresmap_append_all(struct kresmap *m, struct kresmap *src,
		       struct gerr *err)
{
	json_t *index = json_object();
	struct strbuf key = STRBUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < m->nr; i++) {
		strbuf_reset(&key);
		kres_key(m->v[i], &key);
		json_object_set_new(index, key.buf, json_integer((json_int_t)i));
	}
	size_t i;
	for (i = 0; i < src->nr; i++) {
		strbuf_reset(&key);
		kres_key(src->v[i], &key);
		json_t *at = json_object_get(index, key.buf);
		if (at) {
			rc = duplicate(m->v[json_integer_value(at)], src->v[i], err);
			break;
		}
		json_object_set_new(index, key.buf,
				    json_integer((json_int_t)m->nr));
		kresmap_push(m, src->v[i]);
	}
	for (; i < src->nr; i++)
		kres_free(src->v[i]);
	src->nr = 0;
	strbuf_release(&key);
	json_decref(index);
	return rc;
}

void kresmap_remove(struct kresmap *m, size_t i)
{
	kres_free(m->v[i]);
	memmove(m->v + i, m->v + i + 1, (m->nr - i - 1) * sizeof(*m->v));
	m->nr--;
}

void kresmap_clear(struct kresmap *m)
{
	for (size_t i = 0; i < m->nr; i++)
		kres_free(m->v[i]);
	free(m->v);
	m->v = NULL;
	m->nr = m->alloc = 0;
}
