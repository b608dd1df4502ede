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

struct ref_ctx {
	struct kacc *acc;
	struct kres *referrer;
	const struct nameref *target;  /* the referred kind */
	const struct fspec *spec;      /* the referring field */
	struct kres **cand;            /* what the referrer can see */
	size_t ncand;
};

static int prev_name_matches(struct kres *r, const char *name)
{
	for (size_t i = 0; i < r->nprev; i++)
		if (!strcmp(r->prev[i].name, name))
			return 1;
	return 0;
}

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

/* Pick the object a name refers to; NULL when none (nothing to do). */
static int select_referral(struct ref_ctx *c, const char *old,
			   struct kres **in, size_t nin, struct kres **out,
			   struct gerr *err)
{
	struct kres **v = xmalloc((nin ? nin : 1) * sizeof(*v));
	size_t n = 0;
	struct kgvk target = { c->target->group, c->target->version,
			       c->target->kind };
	struct kgvk roleref = { "", "", "" };
	int use_roleref = 0;
	struct kid rid;

	*out = NULL;
	if (ends_with(c->spec->path, "roleRef/name")) {
		const json_t *rr = json_object_get(c->referrer->obj, "roleRef");
		const json_t *g = json_object_get(rr, "apiGroup");
		const json_t *k = json_object_get(rr, "kind");
		if (json_is_string(g) && json_is_string(k)) {
			roleref.group = json_string_value(g);
			roleref.kind = json_string_value(k);
			use_roleref = 1;
		}
	}
	kres_id(c->referrer, &rid);
	int referrer_cluster = kgvk_cluster_scoped(&rid.gvk);
	const char *rns = kid_effective_ns(&rid);
	char *rns_copy = xstrdup(rns);

	for (size_t i = 0; i < nin; i++) {
		struct kres *r = in[i];
		if (!prev_name_matches(r, old) || !prev_gvk_selected(r, &target))
			continue;
		if (use_roleref && !prev_gvk_selected(r, &roleref))
			continue;
		if (!referrer_cluster) {
			struct kid id;
			kres_id(r, &id);
			if (!kgvk_cluster_scoped(&id.gvk) &&
			    strcmp(kres_kind(r), "ServiceAccount") &&
			    strcmp(kid_effective_ns(&id), rns_copy))
				continue;
		}
		v[n++] = r;
	}
	free(rns_copy);
	if (n > 1) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (same_ending(&v[i]->prefixes, &c->referrer->prefixes) &&
			    same_ending(&v[i]->suffixes, &c->referrer->suffixes))
				v[m++] = v[i];
		n = m;
	}
	if (n > 1) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (same_list(&v[i]->prefixes, &c->referrer->prefixes) &&
			    same_list(&v[i]->suffixes, &c->referrer->suffixes))
				v[m++] = v[i];
		n = m;
	}
	if (n > 1) {
		for (size_t i = 1; i < n; i++) {
			if (strcmp(kres_name(v[i]), kres_name(v[0]))) {
				struct strbuf sb = STRBUF_INIT, who = STRBUF_INIT;
				for (size_t k = 0; k < n; k++) {
					strbuf_addstr(&sb, k ? ", " : "");
					kres_format(&sb, v[k]);
				}
				kres_format(&who, c->referrer);
				gerr_setc(err, GERR_INPUT,
					  "%s refers to %s at %s, which could "
					  "be any of %s",
					  who.buf, old, c->spec->path, sb.buf);
				strbuf_release(&sb);
				strbuf_release(&who);
				free(v);
				return -1;
			}
		}
	}
	if (n)
		*out = v[0];
	free(v);
	return 0;
}

static int set_scalar(struct ref_ctx *c, const struct fslot *slot,
		      struct gerr *err)
{
	json_t *cur = fslot_get(slot);
	struct kres *ref;
	if (!json_is_string(cur))
		return 0;
	if (select_referral(c, json_string_value(cur), c->cand, c->ncand, &ref,
			    err) < 0)
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
	struct kres **cand = c->cand, *ref;
	size_t ncand = c->ncand;
	struct kres **sub = NULL;

	if (!json_is_string(name))
		return 0;
	if (json_is_string(nsf)) {
		/* the ones first in that namespace, else now in it */
		const char *ns = json_string_value(nsf);
		sub = xmalloc((c->ncand ? c->ncand : 1) * sizeof(*sub));
		ncand = 0;
		for (size_t i = 0; i < c->ncand; i++) {
			struct kid org;
			kres_org_id(c->cand[i], &org);
			if (!strcmp(org.ns, ns))
				sub[ncand++] = c->cand[i];
		}
		if (!ncand)
			for (size_t i = 0; i < c->ncand; i++)
				if (!strcmp(kres_ns(c->cand[i]), ns))
					sub[ncand++] = c->cand[i];
		cand = sub;
	}
	char *old = xstrdup(json_string_value(name));
	int rc = select_referral(c, old, cand, ncand, &ref, err);
	if (!rc && ref && (strcmp(kres_name(ref), old) || *kres_ns(ref))) {
		json_object_set_new(m, "name", json_string(kres_name(ref)));
		if (*kres_ns(ref))
			json_object_set_new(m, "namespace",
					    json_string(kres_ns(ref)));
	}
	free(old);
	free(sub);
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

/* What the referrer can refer to: objects in its namespace, cluster-scoped
 * ones, and (for a RoleBinding) ones in the namespaces of its
 * ServiceAccount subjects. */
static size_t visible_to(struct kacc *acc, struct kres *referrer,
			 struct kres **out)
{
	struct kid rid;
	size_t n = 0;
	kres_id(referrer, &rid);
	if (kgvk_cluster_scoped(&rid.gvk)) {
		for (size_t i = 0; i < acc->res.nr; i++)
			out[n++] = acc->res.v[i];
		return n;
	}
	char *rns = xstrdup(kid_effective_ns(&rid));
	const json_t *subjects = NULL;
	if (!strcmp(rid.gvk.kind, "RoleBinding"))
		subjects = json_object_get(referrer->obj, "subjects");
	for (size_t i = 0; i < acc->res.nr; i++) {
		struct kres *r = acc->res.v[i];
		struct kid id;
		kres_id(r, &id);
		if (kgvk_cluster_scoped(&id.gvk) ||
		    !strcmp(kid_effective_ns(&id), rns)) {
			out[n++] = r;
			continue;
		}
		size_t k;
		const json_t *s;
		json_array_foreach(subjects, k, s) {
			const json_t *sns = json_object_get(s, "namespace");
			const json_t *kind = json_object_get(s, "kind");
			if (json_is_string(sns) && json_is_string(kind) &&
			    !strcmp(json_string_value(kind), "ServiceAccount") &&
			    !strcmp(json_string_value(sns), kres_ns(r))) {
				out[n++] = r;
				break;
			}
		}
	}
	free(rns);
	return n;
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
	struct kres **cand = xmalloc((acc->res.nr ? acc->res.nr : 1) * sizeof(*cand));
	int rc = 0;

	for (size_t i = 0; i < cfg->nr_nameref; i++)
		order[i] = &cfg->nameref[i];
	qsort(order, cfg->nr_nameref, sizeof(*order), nameref_cmp);

	for (size_t i = 0; i < acc->res.nr && !rc; i++) {
		struct kres *r = acc->res.v[i];
		struct ref_ctx c = { acc, r, NULL, NULL, cand, 0 };
		int have = 0;
		for (size_t b = 0; b < cfg->nr_nameref && !rc; b++) {
			for (size_t k = 0; k < order[b]->refs.nr && !rc; k++) {
				const struct fspec *f = &order[b]->refs.v[k];
				struct kgvk sel = { f->group, f->version, f->kind };
				struct kid org;
				kres_org_id(r, &org);
				if (!kgvk_selected(&org.gvk, &sel))
					continue;
				if (!have) {
					c.ncand = visible_to(acc, r, cand);
					have = 1;
				}
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
		if (rc < 0) {
			struct strbuf sb = STRBUF_INIT;
			if (r->file)
				strbuf_addf(&sb, " (%s:%d)", r->file, r->line);
			gerr_prefix(err, "name reference%s", sb.buf);
			strbuf_release(&sb);
		}
	}
	free(order);
	free(cand);
	return rc;
}
