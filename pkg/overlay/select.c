/*
 * Selecting resources: patch targets (group, version, kind, name and
 * namespace as anchored regular expressions, as kustomize matches them),
 * and Kubernetes label selectors.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"

/* A compiled pattern with the match block its matches use. */
struct kregex {
	pcre2_code *code;
	pcre2_match_data *md;
};

void *kregex_compile(const char *pat, int anchor, struct gerr *err)
{
	char *full = anchor ? xasprintf("^(?:%s)$", pat) : xstrdup(pat);
	int ec;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)full, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF, &ec, &off, NULL);
	free(full);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		gerr_setc(err, GERR_INPUT, "bad regular expression \"%s\": %s",
			  pat, (char *)msg);
		return NULL;
	}
	struct kregex *k = xmalloc(sizeof(*k));
	k->code = re;
	k->md = pcre2_match_data_create_from_pattern(re, NULL);
	return k;
}

int kregex_match(void *re, const char *s)
{
	struct kregex *k = re;
	return pcre2_match(k->code, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0,
			   k->md, NULL) >= 0;
}

void kregex_free(void *re)
{
	struct kregex *k = re;
	pcre2_match_data_free(k->md);
	pcre2_code_free(k->code);
	free(k);
}

static const char *opt(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

int ksel_init(struct ksel *s, const json_t *obj, struct gerr *err)
{
	memset(s, 0, sizeof(*s));
	s->gvk.group = opt(obj, "group");
	s->gvk.version = opt(obj, "version");
	s->gvk.kind = opt(obj, "kind");
	s->name = opt(obj, "name");
	s->ns = opt(obj, "namespace");
	s->label_sel = opt(obj, "labelSelector");
	s->anno_sel = opt(obj, "annotationSelector");
	/* every part is a regular expression to kustomize ("Deploy.*"
	 * selects Deployments), anchored at both ends */
	if (*s->gvk.group && !(s->group_re = kregex_compile(s->gvk.group, 1, err)))
		return gerr_prefix(err, "target group");
	if (*s->gvk.version &&
	    !(s->version_re = kregex_compile(s->gvk.version, 1, err)))
		return gerr_prefix(err, "target version");
	if (*s->gvk.kind && !(s->kind_re = kregex_compile(s->gvk.kind, 1, err)))
		return gerr_prefix(err, "target kind");
	if (*s->name && !(s->name_re = kregex_compile(s->name, 1, err)))
		return gerr_prefix(err, "target name");
	if (*s->ns && !(s->ns_re = kregex_compile(s->ns, 1, err)))
		return gerr_prefix(err, "target namespace");
	return 0;
}

void ksel_release(struct ksel *s)
{
	void *all[] = { s->group_re, s->version_re, s->kind_re, s->name_re,
			s->ns_re };
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		if (all[i])
			kregex_free(all[i]);
	memset(s, 0, sizeof(*s));
}

int ksel_match(const struct ksel *s, struct kres *r, struct gerr *err)
{
	struct kid cur, org;
	kres_id(r, &cur);
	if ((s->kind_re && !kregex_match(s->kind_re, cur.gvk.kind)) ||
	    (s->group_re && !kregex_match(s->group_re, cur.gvk.group)) ||
	    (s->version_re && !kregex_match(s->version_re, cur.gvk.version)))
		return 0;
	kres_org_id(r, &org);
	if (s->ns_re && !kregex_match(s->ns_re, kid_effective_ns(&org)) &&
	    !kregex_match(s->ns_re, kid_effective_ns(&cur)))
		return 0;
	if (s->name_re && !kregex_match(s->name_re, org.name) &&
	    !kregex_match(s->name_re, cur.name))
		return 0;
	const json_t *md = json_object_get(r->obj, "metadata");
	if (*s->label_sel) {
		int m = klabel_selector_match(s->label_sel,
					      json_object_get(md, "labels"), err);
		if (m <= 0)
			return m;
	}
	if (*s->anno_sel) {
		int m = klabel_selector_match(
			s->anno_sel, json_object_get(md, "annotations"), err);
		if (m <= 0)
			return m;
	}
	return 1;
}

/* ---- label selectors ---------------------------------------------------- */

struct lexer {
	const char *s, *p;
};

static void skip_ws(struct lexer *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
}

/* A key or value: anything up to a space, comma, operator or paren. */
static char *word(struct lexer *lx)
{
	skip_ws(lx);
	const char *b = lx->p;
	while (*lx->p && !strchr(" \t,=!()", *lx->p))
		lx->p++;
	return xstrndup(b, (size_t)(lx->p - b));
}

static const char *label(const json_t *labels, const char *k)
{
	const json_t *v = json_object_get(labels, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int bad(struct lexer *lx, struct gerr *err, const char *what)
{
	return gerr_setc(err, GERR_INPUT, "bad selector \"%s\": %s at \"%s\"",
			 lx->s, what, lx->p);
}

/* One requirement; 1 matches, 0 does not, -1 malformed. */
static int requirement(struct lexer *lx, const json_t *labels,
		       struct gerr *err)
{
	skip_ws(lx);
	if (*lx->p == '!') {
		lx->p++;
		char *k = word(lx);
		int ok = *k != '\0';
		int m = ok && !label(labels, k);
		free(k);
		return ok ? m : bad(lx, err, "a key is missing");
	}
	char *k = word(lx);
	if (!*k) {
		free(k);
		return bad(lx, err, "a key is missing");
	}
	const char *have = label(labels, k);
	free(k);
	skip_ws(lx);
	if (!*lx->p || *lx->p == ',')
		return have != NULL; /* exists */
	if (*lx->p == '=' || *lx->p == '!') {
		int neg = *lx->p == '!';
		lx->p++;
		if (*lx->p == '=')
			lx->p++;
		else if (neg)
			return bad(lx, err, "expected !=");
		char *v = word(lx);
		int eq = have && !strcmp(have, v);
		free(v);
		return neg ? !eq : eq;
	}
	char *op = word(lx);
	int in = !strcmp(op, "in"), notin = !strcmp(op, "notin");
	free(op);
	if (!in && !notin)
		return bad(lx, err, "expected =, ==, !=, in or notin");
	skip_ws(lx);
	if (*lx->p != '(')
		return bad(lx, err, "expected (");
	lx->p++;
	int found = 0;
	for (;;) {
		char *v = word(lx);
		if (have && !strcmp(have, v))
			found = 1;
		free(v);
		skip_ws(lx);
		if (*lx->p == ',') {
			lx->p++;
			continue;
		}
		if (*lx->p == ')') {
			lx->p++;
			break;
		}
		return bad(lx, err, "expected , or )");
	}
	return in ? found : !found;
}

int klabel_selector_match(const char *sel, const json_t *labels,
			  struct gerr *err)
{
	struct lexer lx = { sel, sel };
	int all = 1;
	for (;;) {
		int m = requirement(&lx, labels, err);
		if (m < 0)
			return -1;
		all = all && m;
		skip_ws(&lx);
		if (!*lx.p)
			return all;
		if (*lx.p != ',')
			return bad(&lx, err, "expected ,");
		lx.p++;
	}
}
