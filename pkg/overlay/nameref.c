/*
 * Name references: once every name is final (prefixes, suffixes, hash
 * suffixes), every field that refers to a renamed object by one of the
 * names it had is changed to its new name, as kustomize's nameReference
 * rules say (volumes, envFrom, env valueFrom, imagePullSecrets,
 * serviceAccountName, RoleBinding roleRef and subjects, ...; see
 * defaults.c).
 *
 * For each field, the object referred to is chosen among the objects that
 * had that name before (only renamed objects are candidates: an unchanged
 * name needs no update), of the referred kind, that the referrer can see
 * (same namespace, unless one of them is cluster-scoped or it is a
 * ServiceAccount); when several remain, the one whose name prefixes and
 * suffixes match the referrer's wins, and objects that all ended with the
 * same name are as good as one.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"

/* What the pass knows of each object, worked out once. */
struct info {
	struct kres *r;
	int cluster;      /* cluster-scoped */
	char *eff_ns;     /* effective namespace now */
	char *org_ns;     /* namespace it had first */
	int is_sa;        /* a ServiceAccount */
};

struct pass {
	struct kacc *acc;
	struct info *info;
	size_t n;
	json_t *by_prev;  /* previous name -> [indices] */
};

struct ref_ctx {
	struct pass *p;
	size_t referrer;              /* index of the referring object */
	struct strvec rb_ns;          /* namespaces of a RoleBinding's
					 ServiceAccount subjects */
	const struct nameref *target; /* the referred kind */
	const struct fspec *spec;     /* the referring field */
};

static int prev_gvk_selected(struct kres *r, const struct kgvk *sel)
{
	for (size_t i = 0; i < r->nprev; i++)
		if (kgvk_selected(&r->prev[i].gvk, sel))
			return 1;
	return 0;
}

/* Does `shorter` equal the end of `longer` (or both are empty)? */
static int same_ending(const struct strvec *a, const struct strvec *b)
{
	const struct strvec *s = a->nr <= b->nr ? a : b;
	const struct strvec *l = a->nr <= b->nr ? b : a;
	size_t diff = l->nr - s->nr;
	if (!s->nr)
		return diff == 0;
	for (size_t i = 0; i < s->nr; i++)
		if (strcmp(l->v[i + diff], s->v[i]))
			return 0;
	return 1;
}

static int same_list(const struct strvec *a, const struct strvec *b)
{
	if (a->nr != b->nr)
		return 0;
	for (size_t i = 0; i < a->nr; i++)
		if (strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Can the referrer see object j? Its namespace, cluster-scoped ones,
 * and (for a RoleBinding) the namespaces of its ServiceAccount subjects;
 * a cluster-scoped referrer sees everything. */
static int visible(const struct ref_ctx *c, size_t j)
{
	const struct info *ref = &c->p->info[c->referrer], *o = &c->p->info[j];
	if (ref->cluster || o->cluster || !strcmp(ref->eff_ns, o->eff_ns))
		return 1;
	return strvec_find(&c->rb_ns, kres_ns(o->r)) >= 0;
}

/* Pick the object `old` refers to among `in`; NULL when none. */
static int select_referral(struct ref_ctx *c, const char *old,
			   const size_t *in, size_t nin, struct kres **out,
			   struct gerr *err)
{
	struct pass *p = c->p;
	struct kres **v = xmalloc((nin ? nin : 1) * sizeof(*v));
	size_t n = 0;
	struct kgvk target = { c->target->group, c->target->version,
			       c->target->kind };
	struct kgvk roleref = { "", "", "" };
	int use_roleref = 0;
	const struct info *ref = &p->info[c->referrer];

	*out = NULL;
	if (ends_with(c->spec->path, "roleRef/name")) {
		const json_t *rr = json_object_get(ref->r->obj, "roleRef");
		const json_t *g = json_object_get(rr, "apiGroup");
		const json_t *k = json_object_get(rr, "kind");
		if (json_is_string(g) && json_is_string(k)) {
			roleref.group = json_string_value(g);
			roleref.kind = json_string_value(k);
			use_roleref = 1;
		}
	}
	for (size_t i = 0; i < nin; i++) {
		const struct info *o = &p->info[in[i]];
		if (!prev_gvk_selected(o->r, &target))
			continue;
		if (use_roleref && !prev_gvk_selected(o->r, &roleref))
			continue;
		/* same namespace now, unless either is cluster-scoped or it
		 * is a ServiceAccount (bindings elsewhere name those) */
		if (!ref->cluster && !o->cluster && !o->is_sa &&
		    strcmp(o->eff_ns, ref->eff_ns))
			continue;
		v[n++] = o->r;
	}
	if (n > 1) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (same_ending(&v[i]->prefixes, &ref->r->prefixes) &&
			    same_ending(&v[i]->suffixes, &ref->r->suffixes))
				v[m++] = v[i];
		n = m;
	}
	if (n > 1) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (same_list(&v[i]->prefixes, &ref->r->prefixes) &&
			    same_list(&v[i]->suffixes, &ref->r->suffixes))
				v[m++] = v[i];
		n = m;
	}
	for (size_t i = 1; i < n; i++) {
		if (strcmp(kres_name(v[i]), kres_name(v[0]))) {
			struct strbuf sb = STRBUF_INIT, who = STRBUF_INIT;
			for (size_t k = 0; k < n; k++) {
				strbuf_addstr(&sb, k ? ", " : "");
				kres_format(&sb, v[k]);
			}
			kres_format(&who, ref->r);
			gerr_setc(err, GERR_INPUT,
				  "%s refers to %s at %s, which could be any "
				  "of %s",
				  who.buf, old, c->spec->path, sb.buf);
			strbuf_release(&sb);
			strbuf_release(&who);
			free(v);
			return -1;
		}
	}
	if (n)
		*out = v[0];
	free(v);
	return 0;
}

/* The visible objects that had the name `old` before. */
static size_t candidates(struct ref_ctx *c, const char *old, size_t **out)
{
	const json_t *list = json_object_get(c->p->by_prev, old);
	size_t n = 0, i;
	const json_t *e;
	*out = xmalloc((json_array_size(list) + 1) * sizeof(**out));
	json_array_foreach(list, i, e) {
		size_t j = (size_t)json_integer_value(e);
		if (visible(c, j))
			(*out)[n++] = j;
	}
	return n;
}

static int set_scalar(struct ref_ctx *c, const struct fslot *slot,
		      struct gerr *err)
{
	json_t *cur = fslot_get(slot);
	struct kres *ref;
	size_t *cand;
	if (!json_is_string(cur))
		return 0;
	size_t n = candidates(c, json_string_value(cur), &cand);
	int rc = select_referral(c, json_string_value(cur), cand, n, &ref, err);
	free(cand);
	if (rc < 0)
		return -1;
	if (ref && strcmp(kres_name(ref), json_string_value(cur)))
		fslot_set(slot, json_string(kres_name(ref)));
	return 0;
}

/* A reference held as a mapping with name (and maybe namespace), such as
 * a RoleBinding subject or a webhook's service. */
static int set_mapping(struct ref_ctx *c, json_t *m, struct gerr *err)
{
	const json_t *name = json_object_get(m, "name");
	const json_t *nsf = json_object_get(m, "namespace");
	struct pass *p = c->p;
	struct kres *ref;

	if (!json_is_string(name))
		return 0;
	char *old = xstrdup(json_string_value(name));
	size_t *cand;
	size_t n = candidates(c, old, &cand);
	if (json_is_string(nsf)) {
		/* the visible objects first in that namespace, else the
		 * ones now in it (kustomize groups all it can see) */
		const char *ns = json_string_value(nsf);
		int by_org = 0;
		for (size_t j = 0; j < p->n && !by_org; j++)
			by_org = visible(c, j) && !strcmp(p->info[j].org_ns, ns);
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			const struct info *o = &p->info[cand[i]];
			if (!strcmp(by_org ? o->org_ns : kres_ns(o->r), ns))
				cand[k++] = cand[i];
		}
		n = k;
	}
	int rc = select_referral(c, old, cand, n, &ref, err);
	if (!rc && ref && (strcmp(kres_name(ref), old) || *kres_ns(ref))) {
		json_object_set_new(m, "name", json_string(kres_name(ref)));
		if (*kres_ns(ref))
			json_object_set_new(m, "namespace",
					    json_string(kres_ns(ref)));
	}
	free(cand);
	free(old);
	return rc;
}

static int set_ref(const struct fslot *slot, void *ctx, struct gerr *err)
{
	struct ref_ctx *c = ctx;
	json_t *v = fslot_get(slot);
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return set_scalar(c, slot, err);
	if (json_is_object(v))
		return set_mapping(c, v, err);
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);
			struct fslot s = { v, NULL, i };
			int rc = 0;
			if (json_is_string(e))
				rc = set_scalar(c, &s, err);
			else if (json_is_object(e))
				rc = set_mapping(c, e, err);
			if (rc < 0)
				return -1;
		}
		return 0;
	}
	return gerr_setc(err, GERR_INPUT, "a name reference must be a string, "
			 "a list or a mapping");
}

static void pass_init(struct pass *p, struct kacc *acc)
{
	p->acc = acc;
	p->n = acc->res.nr;
	p->info = xcalloc(p->n ? p->n : 1, sizeof(*p->info));
	p->by_prev = json_object();
	for (size_t i = 0; i < p->n; i++) {
		struct info *o = &p->info[i];
		struct kid id, org;
		o->r = acc->res.v[i];
		kres_id(o->r, &id);
		o->cluster = kgvk_cluster_scoped(&id.gvk);
		o->eff_ns = xstrdup(kid_effective_ns(&id));
		o->is_sa = !strcmp(id.gvk.kind, "ServiceAccount");
		kres_org_id(o->r, &org);
		o->org_ns = xstrdup(org.ns);
		/* only renamed objects are candidates: an unchanged name
		 * needs no update */
		for (size_t k = 0; k < o->r->nprev; k++) {
			const char *name = o->r->prev[k].name;
			json_t *list = json_object_get(p->by_prev, name);
			if (!list) {
				list = json_array();
				json_object_set_new(p->by_prev, name, list);
			}
			size_t last = json_array_size(list);
			if (!last || (size_t)json_integer_value(
					     json_array_get(list, last - 1)) != i)
				json_array_append_new(list,
						      json_integer((json_int_t)i));
		}
	}
}

static void pass_clear(struct pass *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->info[i].eff_ns);
		free(p->info[i].org_ns);
	}
	free(p->info);
	json_decref(p->by_prev);
}

static void rolebinding_namespaces(struct kres *r, struct strvec *out)
{
	const json_t *subjects;
	size_t k;
	const json_t *s;
	if (strcmp(kres_kind(r), "RoleBinding"))
		return;
	subjects = json_object_get(r->obj, "subjects");
	json_array_foreach(subjects, k, s) {
		const json_t *ns = json_object_get(s, "namespace");
		const json_t *kind = json_object_get(s, "kind");
		if (json_is_string(ns) && json_is_string(kind) &&
		    !strcmp(json_string_value(kind), "ServiceAccount"))
			strvec_push(out, json_string_value(ns));
	}
}

/* kustomize's Gvk.IsLessThan: the legacy kind order, then the gvk text. */
static int nameref_cmp(const void *a, const void *b)
{
	const struct nameref *x = *(const struct nameref *const *)a;
	const struct nameref *y = *(const struct nameref *const *)b;
	struct kgvk gx = { x->group, x->version, x->kind };
	struct kgvk gy = { y->group, y->version, y->kind };
	return ksort_gvk_cmp(&gx, &gy);
}

int knameref_fix(struct kacc *acc, struct gerr *err)
{
	struct tconfig *cfg = &acc->cfg;
	const struct nameref **order =
		xmalloc((cfg->nr_nameref ? cfg->nr_nameref : 1) * sizeof(*order));
	struct pass p;
	int rc = 0;

	for (size_t i = 0; i < cfg->nr_nameref; i++)
		order[i] = &cfg->nameref[i];
	qsort(order, cfg->nr_nameref, sizeof(*order), nameref_cmp);
	pass_init(&p, acc);

	for (size_t i = 0; i < p.n && !rc; i++) {
		struct kres *r = p.info[i].r;
		struct ref_ctx c = { &p, i, STRVEC_INIT, NULL, NULL };
		struct kid org;
		kres_org_id(r, &org);
		rolebinding_namespaces(r, &c.rb_ns);
		for (size_t b = 0; b < cfg->nr_nameref && !rc; b++) {
			for (size_t k = 0; k < order[b]->refs.nr && !rc; k++) {
				const struct fspec *f = &order[b]->refs.v[k];
				struct kgvk sel = { f->group, f->version, f->kind };
				if (!kgvk_selected(&org.gvk, &sel))
					continue;
				c.target = order[b];
				c.spec = f;
				/* the referrer was chosen by the kind it had
				 * first; kustomize walks the path even when a
				 * patch changed its kind since */
				struct fspec any = *f;
				any.group = any.version = any.kind = (char *)"";
				rc = fspec_apply(r->obj, &any, FS_CREATE_NONE,
						 set_ref, &c, err);
			}
		}
		strvec_clear(&c.rb_ns);
		if (rc < 0) {
			struct strbuf sb = STRBUF_INIT;
			if (r->file)
				strbuf_addf(&sb, " (%s:%d)", r->file, r->line);
			gerr_prefix(err, "name reference%s", sb.buf);
			strbuf_release(&sb);
		}
	}
	pass_clear(&p);
	free(order);
	return rc;
}
