/*
 * vars: the older way to copy a value from one object into others. A var
 * names an object (kind, apiVersion, name, maybe namespace) and a field of
 * it (metadata.name by default); every "$(NAME)" in the fields of
 * varReference (container commands, args, env values, ...; see defaults.c)
 * is replaced by the field's final value, after all names are final.
 *
 * As in kustomize, a var is bound to its object when the kustomization
 * declaring it is built (by group/version/kind and any name the object had
 * until then), and the binding travels with the object.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"

static const char *opt(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static struct kvar *find_var(struct kacc *acc, const char *name)
{
	for (size_t i = 0; i < acc->nr_vars; i++)
		if (!strcmp(acc->vars[i].name, name))
			return &acc->vars[i];
	return NULL;
}

/* The object the var names: its group/version/kind exactly and its name
 * among the names it had (any namespace unless the var gives one). */
static int var_matches(const struct kvar *v, struct kres *r)
{
	struct kgvk g = { v->group, v->version, v->kind };
	struct kid cur;
	kres_id(r, &cur);
	struct kid want = { g, v->obj_ns, v->obj_name };
	int strict = *v->obj_ns || kgvk_cluster_scoped(&g);
	const struct kid *ids[64];
	size_t n = 0;
	ids[n++] = &cur;
	for (size_t i = 0; i < r->nprev && n < 64; i++)
		ids[n++] = &r->prev[i];
	for (size_t i = 0; i < n; i++) {
		if (strict ? kid_equal(ids[i], &want)
			   : (kgvk_equal(&ids[i]->gvk, &g) &&
			      !strcmp(ids[i]->name, v->obj_name)))
			return 1;
	}
	return 0;
}

void kvars_rebind(struct kacc *acc, const struct kres *old, struct kres *now)
{
	for (size_t i = 0; i < acc->nr_vars; i++)
		if (acc->vars[i].bound == old)
			acc->vars[i].bound = now;
}

static int add_one(struct kacc *acc, const struct kvar *v, struct gerr *err)
{
	if (find_var(acc, v->name))
		return gerr_setc(err, GERR_INPUT,
				 "%s: var %s is declared twice", v->file,
				 v->name);
	ALLOC_GROW(acc->vars, acc->nr_vars + 1, acc->alloc_vars);
	struct kvar *d = &acc->vars[acc->nr_vars++];
	d->name = xstrdup(v->name);
	d->group = xstrdup(v->group);
	d->version = xstrdup(v->version);
	d->kind = xstrdup(v->kind);
	d->obj_name = xstrdup(v->obj_name);
	d->obj_ns = xstrdup(v->obj_ns);
	d->fieldpath = xstrdup(v->fieldpath);
	d->file = xstrdup(v->file);
	d->line = v->line;
	d->bound = v->bound;
	return 0;
}

int kvars_add(struct kacc *acc, const json_t *vars, const struct kust *kt,
	      struct gerr *err)
{
	size_t i;
	const json_t *e;
	json_array_foreach(vars, i, e) {
		const json_t *ref = json_object_get(e, "objref");
		char g[128], ver[64];
		char ptr[48];
		snprintf(ptr, sizeof(ptr), "/vars/%zu", i);
		if (!*opt(e, "name"))
			return kust_fail(kt, ptr, err, "a var needs a name");
		if (*opt(ref, "apiVersion"))
			kgvk_split(opt(ref, "apiVersion"), g, sizeof(g), ver,
				   sizeof(ver));
		else {
			snprintf(g, sizeof(g), "%s", opt(ref, "group"));
			snprintf(ver, sizeof(ver), "%s", opt(ref, "version"));
		}
		const char *fp = opt(json_object_get(e, "fieldref"), "fieldpath");
		struct kvar v = { (char *)opt(e, "name"), g, ver,
				  (char *)opt(ref, "kind"),
				  (char *)opt(ref, "name"),
				  (char *)opt(ref, "namespace"),
				  (char *)(*fp ? fp : "metadata.name"),
				  kt->file, kust_line(kt, ptr), NULL };
		/* bind it now, to the one object it names */
		size_t n = 0;
		for (size_t k = 0; k < acc->res.nr; k++) {
			if (var_matches(&v, acc->res.v[k])) {
				v.bound = acc->res.v[k];
				n++;
			}
		}
		if (n > 1)
			return kust_fail(kt, ptr, err,
					 "var %s: %zu objects match its objref",
					 v.name, n);
		if (add_one(acc, &v, err) < 0)
			return -1;
	}
	return 0;
}

int kvars_merge(struct kacc *acc, const struct kacc *sub, struct gerr *err)
{
	for (size_t i = 0; i < sub->nr_vars; i++)
		if (add_one(acc, &sub->vars[i], err) < 0)
			return -1;
	return 0;
}

/* kustomize's GetFieldValue path: "spec.ports[0].port" */
static const json_t *field_value(const json_t *obj, const char *path)
{
	struct strvec seg = STRVEC_INIT;
	const char *p = path;
	while (1) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char *s = xstrndup(p, n);
		char *br = strrchr(s, '[');
		size_t sl = strlen(s);
		if (br && sl && s[sl - 1] == ']' && br[1] != ']' &&
		    strspn(br + 1, "0123456789") == sl - (size_t)(br - s) - 2) {
			s[sl - 1] = '\0';
			*br = '\0';
			if (*s)
				strvec_push(&seg, s);
			strvec_push(&seg, br + 1);
		} else {
			strvec_push(&seg, s);
		}
		free(s);
		if (!dot)
			break;
		p = dot + 1;
	}
	const json_t *v = obj;
	for (size_t i = 0; i < seg.nr && v; i++) {
		if (json_is_array(v)) {
			char *end;
			long idx = strtol(seg.v[i], &end, 10);
			v = *end || idx < 0 ? NULL : json_array_get(v, (size_t)idx);
		} else {
			v = json_object_get(v, seg.v[i]);
		}
	}
	strvec_clear(&seg);
	return v;
}

struct expand_ctx {
	struct kacc *acc;
	json_t *values; /* var name -> value */
	json_t *used;
};

/* k8s's $(VAR) expansion: $$ is a literal $, an unknown $(VAR) stays. A
 * string that is exactly one $(VAR) takes the value with its type. */
static json_t *expand(struct expand_ctx *c, const char *in)
{
	struct strbuf out = STRBUF_INIT;
	size_t len = strlen(in);
	for (size_t i = 0; i < len; i++) {
		if (in[i] != '$' || i + 1 >= len) {
			strbuf_addch(&out, in[i]);
			continue;
		}
		const char *rest = in + i + 1;
		if (*rest == '$') {
			strbuf_addch(&out, '$');
			i++;
			continue;
		}
		if (*rest != '(') {
			strbuf_addch(&out, '$');
			strbuf_addch(&out, *rest);
			i++;
			continue;
		}
		const char *close = strchr(rest, ')');
		if (!close) {
			strbuf_addstr(&out, "$(");
			i++;
			continue;
		}
		char *name = xstrndup(rest + 1, (size_t)(close - rest - 1));
		const json_t *val = json_object_get(c->values, name);
		if (val)
			json_object_set_new(c->used, name, json_true());
		if (val && i == 0 && close[1] == '\0') {
			free(name);
			strbuf_release(&out);
			return json_deep_copy(val);
		}
		if (!val) {
			strbuf_addf(&out, "$(%s)", name);
		} else if (json_is_string(val)) {
			strbuf_addstr(&out, json_string_value(val));
		} else {
			/* fmt.Sprint of the value */
			char *t = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
			strbuf_addstr(&out, t);
			free(t);
		}
		free(name);
		i = (size_t)(close - in);
	}
	json_t *r = json_string(out.buf);
	strbuf_release(&out);
	return r;
}

static int set_var(const struct fslot *slot, void *ctx, struct gerr *err)
{
	struct expand_ctx *c = ctx;
	json_t *v = fslot_get(slot);
	if (json_is_string(v)) {
		fslot_set(slot, expand(c, json_string_value(v)));
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);
			if (!json_is_string(e))
				return gerr_setc(err, GERR_INPUT,
						 "vars: expected a list of "
						 "strings");
			json_array_set_new(v, i, expand(c, json_string_value(e)));
		}
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e)
			if (json_is_string(e))
				json_object_set_new(v, k,
						    expand(c, json_string_value(e)));
	}
	return 0;
}

int kvars_resolve(struct kacc *acc, struct gerr *err)
{
	if (!acc->nr_vars)
		return 0;
	struct expand_ctx c = { acc, json_object(), json_object() };
	int rc = 0;
	for (size_t i = 0; i < acc->nr_vars && !rc; i++) {
		struct kvar *v = &acc->vars[i];
		struct kres *r = v->bound;
		if (!r) {
			rc = gerr_setc(err, GERR_INPUT,
				       "%s:%d: var %s: no object %s %s to take "
				       "it from", v->file, v->line, v->name,
				       v->kind, v->obj_name);
			break;
		}
		const json_t *val = field_value(r->obj, v->fieldpath);
		if (!val || json_is_null(val)) {
			struct strbuf sb = STRBUF_INIT;
			kres_format(&sb, r);
			rc = gerr_setc(err, GERR_INPUT,
				       "%s:%d: var %s: %s has no field %s",
				       v->file, v->line, v->name, sb.buf,
				       v->fieldpath);
			strbuf_release(&sb);
			break;
		}
		json_object_set(c.values, v->name, (json_t *)val);
	}
	for (size_t i = 0; i < acc->res.nr && !rc; i++)
		rc = fspecs_apply(acc->res.v[i]->obj, &acc->cfg.var_reference,
				  FS_CREATE_NONE, set_var, &c, err);
	json_decref(c.values);
	json_decref(c.used);
	return rc;
}
