/*
 * Output order. kustomize's default ("legacy") order sorts by kind: the
 * kinds of a fixed list first (Namespace, ResourceQuota, StorageClass,
 * CustomResourceDefinition, ... PodDisruptionBudget), the webhook
 * configurations last, the rest in between; kinds that rank the same by
 * group_version_kind text (a missing part as ~G, ~V, ~K), then by
 * namespace and name. `sortOptions: {order: fifo}` keeps the order the
 * objects were accumulated in; `legacySortOptions` replaces the two lists.
 *
 * kustomize prints each object through Go maps, so the keys of every
 * mapping come out sorted, in go-yaml v2's order (digit runs compare as
 * numbers, letters before other characters); ksort_keys does the same.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"

static const char *const default_first[] = {
	"Namespace", "ResourceQuota", "StorageClass",
	"CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy",
	"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding",
	"ConfigMap", "Secret", "Endpoints", "Service", "LimitRange",
	"PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
	"Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
};

static const char *const default_last[] = {
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
};

struct order {
	const char *const *first;
	size_t nfirst;
	const char *const *last;
	size_t nlast;
};

static int rank(const struct order *o, const char *kind)
{
	for (size_t i = 0; i < o->nfirst; i++)
		if (!strcmp(o->first[i], kind))
			return -(int)o->nfirst + (int)i;
	for (size_t i = 0; i < o->nlast; i++)
		if (!strcmp(o->last[i], kind))
			return 1 + (int)i;
	return 0;
}

static void gvk_text(struct strbuf *sb, const struct kgvk *g,
		     const char *nog, const char *nov, const char *nok)
{
	strbuf_addf(sb, "%s_%s_%s", *g->group ? g->group : nog,
		    *g->version ? g->version : nov, *g->kind ? g->kind : nok);
}

static int gvk_cmp(const struct order *o, const struct kgvk *a,
		   const struct kgvk *b, const char *nog, const char *nov,
		   const char *nok)
{
	int ra = rank(o, a->kind), rb = rank(o, b->kind);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	gvk_text(&x, a, nog, nov, nok);
	gvk_text(&y, b, nog, nov, nok);
	int c = strcmp(x.buf, y.buf);
	/* the core Namespace goes before Namespace kinds of other groups */
	if (!strcmp(a->kind, "Namespace") && !strcmp(b->kind, "Namespace") &&
	    (!*a->group || !*b->group))
		c = -c;
	strbuf_release(&x);
	strbuf_release(&y);
	return c;
}

int ksort_gvk_cmp(const struct kgvk *a, const struct kgvk *b)
{
	static const struct order def = {
		default_first, sizeof(default_first) / sizeof(*default_first),
		default_last, sizeof(default_last) / sizeof(*default_last)
	};
	/* resid.Gvk.String(): [noGrp]_[noVer]_[noKind] */
	return gvk_cmp(&def, a, b, "[noGrp]", "[noVer]", "[noKind]");
}

struct item {
	struct kres *r;
	struct kid id;
	size_t index;
};

static int item_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct item *a = pa, *b = pb;
	const struct order *o = ctx;
	if (!kgvk_equal(&a->id.gvk, &b->id.gvk)) {
		int c = gvk_cmp(o, &a->id.gvk, &b->id.gvk, "~G", "~V", "~K");
		if (c)
			return c;
	}
	/* "namespace|name", compared as one string */
	char *x = xasprintf("%s|%s", *a->id.ns ? a->id.ns : "~X",
			    *a->id.name ? a->id.name : "~N");
	char *y = xasprintf("%s|%s", *b->id.ns ? b->id.ns : "~X",
			    *b->id.name ? b->id.name : "~N");
	int c = strcmp(x, y);
	free(x);
	free(y);
	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void strlist(const json_t *arr, const char ***out, size_t *n)
{
	size_t i;
	const json_t *e;
	*n = json_array_size(arr);
	*out = xmalloc((*n ? *n : 1) * sizeof(**out));
	json_array_foreach(arr, i, e)
		(*out)[i] = json_is_string(e) ? json_string_value(e) : "";
}

int ksort(struct kust *top, struct kacc *acc, struct gerr *err)
{
	const json_t *so = json_object_get(top->k, "sortOptions");
	const json_t *order = json_object_get(so, "order");
	const json_t *legacy = json_object_get(so, "legacySortOptions");
	struct order o = { default_first,
			   sizeof(default_first) / sizeof(*default_first),
			   default_last,
			   sizeof(default_last) / sizeof(*default_last) };
	const char **first = NULL, **last = NULL;

	if (json_is_string(order) && !strcmp(json_string_value(order), "fifo")) {
		if (legacy && !json_is_null(legacy))
			return kust_fail(top, "/sortOptions/legacySortOptions",
					 err, "legacySortOptions goes with "
					 "order: legacy, not fifo");
		return 0;
	}
	if (json_is_string(order) && strcmp(json_string_value(order), "legacy"))
		return kust_fail(top, "/sortOptions/order", err,
				 "sort order must be legacy or fifo, not %s",
				 json_string_value(order));
	if (so && !json_is_null(so) && !order)
		return kust_fail(top, "/sortOptions", err,
				 "sortOptions needs an order (legacy or fifo)");
	if (json_is_object(legacy)) {
		strlist(json_object_get(legacy, "orderFirst"), &first, &o.nfirst);
		strlist(json_object_get(legacy, "orderLast"), &last, &o.nlast);
		o.first = first;
		o.last = last;
	}
	struct item *items = xmalloc((acc->res.nr ? acc->res.nr : 1) * sizeof(*items));
	for (size_t i = 0; i < acc->res.nr; i++) {
		items[i].r = acc->res.v[i];
		kres_id(acc->res.v[i], &items[i].id);
		items[i].index = i;
	}
	qsort_r(items, acc->res.nr, sizeof(*items), item_cmp, &o);
	for (size_t i = 0; i < acc->res.nr; i++)
		acc->res.v[i] = items[i].r;
	free(items);
	free(first);
	free(last);
	return 0;
}

/* ---- keys ---------------------------------------------------------------- */

static int is_letter(unsigned c)
{
	/* unicode.IsLetter for ASCII, and every non-ASCII byte of a letter
	 * is treated as one (the keys of Kubernetes objects are ASCII) */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

/* go-yaml v2's keyList.Less on two strings. */
static int key_less(const char *as, const char *bs)
{
	const unsigned char *a = (const unsigned char *)as;
	const unsigned char *b = (const unsigned char *)bs;
	size_t la = strlen(as), lb = strlen(bs);
	for (size_t i = 0; i < la && i < lb; i++) {
		if (a[i] == b[i])
			continue;
		int al = is_letter(a[i]), bl = is_letter(b[i]);
		if (al && bl)
			return a[i] < b[i];
		if (al || bl)
			return bl;
		long long an = 0, bn = 0;
		size_t ai, bi;
		if (a[i] == '0' || b[i] == '0') {
			for (size_t j = i; j-- > 0 && is_digit(a[j]);) {
				if (a[j] != '0') {
					an = 1;
					bn = 1;
					break;
				}
			}
		}
		for (ai = i; ai < la && is_digit(a[ai]); ai++)
			an = an * 10 + (a[ai] - '0');
		for (bi = i; bi < lb && is_digit(b[bi]); bi++)
			bn = bn * 10 + (b[bi] - '0');
		if (an != bn)
			return an < bn;
		if (ai != bi)
			return ai < bi;
		return a[i] < b[i];
	}
	return la < lb;
}

static int key_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	if (key_less(a, b))
		return -1;
	if (key_less(b, a))
		return 1;
	return 0;
}

json_t *ksort_keys(const json_t *v)
{
	if (json_is_array(v)) {
		json_t *out = json_array();
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
			json_array_append_new(out, ksort_keys(e));
		return out;
	}
	if (!json_is_object(v))
		return json_incref((json_t *)v);
	size_t n = json_object_size(v), i = 0;
	const char **keys = xmalloc((n ? n : 1) * sizeof(*keys));
	const char *k;
	json_t *e;
	json_object_foreach((json_t *)v, k, e)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	json_t *out = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(out, keys[i],
				    ksort_keys(json_object_get(v, keys[i])));
	free(keys);
	return out;
}
