/*
 * kustomize's built-in transformers that change fields in place:
 * namespace, name prefix and suffix, labels and annotations, images,
 * replicas, and the ValueAddTransformer.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/yaml/yaml.h"

/* ---- namespace ------------------------------------------------------- */

struct ns_ctx {
	const char *ns;
	int unset_only;
};

static int set_ns_scalar(const struct fslot *slot, void *ctx,
			 struct gerr *err)
{
	struct ns_ctx *c = ctx;
	json_t *cur = fslot_get(slot);
	(void)err;
	if (c->unset_only && json_is_string(cur) && json_string_length(cur))
		return 0;
	fslot_set(slot, json_string(c->ns));
	return 0;
}

static int is_role_binding(const char *kind)
{
	return !strcmp(kind, "RoleBinding") || !strcmp(kind, "ClusterRoleBinding");
}

/* kustomize's "setRoleBindingSubjects": by default (defaultOnly) every
 * subject named "default" gets the namespace; allServiceAccounts: every
 * ServiceAccount subject; none: no subject. */
static void role_binding_subjects(json_t *obj, const struct ns_ctx *c,
				  const char *mode)
{
	json_t *subjects = json_object_get(obj, "subjects");
	size_t i;
	json_t *s;
	if (!strcmp(mode, "none") || !json_is_array(subjects))
		return;
	json_array_foreach(subjects, i, s) {
		if (!json_is_object(s))
			continue;
		const json_t *name = json_object_get(s, "name");
		const json_t *kind = json_object_get(s, "kind");
		int pick;
		if (!strcmp(mode, "allServiceAccounts"))
			pick = json_is_string(kind) &&
			       !strcmp(json_string_value(kind), "ServiceAccount");
		else
			pick = json_is_string(name) &&
			       !strcmp(json_string_value(name), "default");
		if (!pick)
			continue;
		struct fslot slot = { s, "namespace", 0 };
		if (!json_object_get(s, "namespace"))
			json_object_set_new(s, "namespace", json_null());
		set_ns_scalar(&slot, (void *)c, NULL);
	}
}

static int namespace_one(struct kacc *acc, size_t i, const struct ns_ctx *c,
			 const struct fspecs *fs, const char *subjects_mode,
			 struct gerr *err)
{
	struct kres *r = acc->res.v[i];
	struct kid id;
	kres_store_prev(r);
	kres_id(r, &id);
	if (!kgvk_cluster_scoped(&id.gvk)) {
		json_t *md = json_object_get(r->obj, "metadata");
		if (!json_object_get(md, "namespace"))
			json_object_set_new(md, "namespace", json_null());
		struct fslot slot = { md, "namespace", 0 };
		set_ns_scalar(&slot, (void *)c, err);
	}
	const char *api = "";
	const json_t *av = json_object_get(r->obj, "apiVersion");
	if (json_is_string(av))
		api = json_string_value(av);
	int rb = is_role_binding(kres_kind(r));
	if (rb)
		role_binding_subjects(r->obj, c, subjects_mode);
	for (size_t k = 0; fs && k < fs->nr; k++) {
		const struct fspec *f = &fs->v[k];
		/* metadata/namespace was handled above, for namespaced kinds
		 * only; metadata/name only renames a v1 Namespace; subjects
		 * by the rule above */
		if (!strcmp(f->path, "metadata/namespace") ||
		    (!strcmp(f->path, "metadata/name") && strcmp(api, "v1")) ||
		    (rb && !strcmp(f->path, "subjects")))
			continue;
		if (fspec_apply(r->obj, f, FS_CREATE_SCALAR, set_ns_scalar,
				(void *)c, err) < 0) {
			struct strbuf sb = STRBUF_INIT;
			kres_format(&sb, r);
			gerr_prefix(err, "namespace of %s", sb.buf);
			strbuf_release(&sb);
			return -1;
		}
	}
	(void)i;
	return 0;
}

/* No two objects may end with one id (kustomize checks after each
 * object; the first conflict it finds is one that remains at the end). */
static int namespace_conflicts(struct kacc *acc, const char *ns,
			       struct gerr *err)
{
	json_t *seen = json_object();
	struct strbuf key = STRBUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < acc->res.nr && !rc; i++) {
		strbuf_reset(&key);
		kres_key(acc->res.v[i], &key);
		if (json_object_get(seen, key.buf)) {
			struct strbuf sb = STRBUF_INIT;
			kres_format(&sb, acc->res.v[i]);
			rc = gerr_setc(err, GERR_INPUT,
				       "setting namespace %s makes two objects %s",
				       ns, sb.buf);
			strbuf_release(&sb);
		}
		json_object_set_new(seen, key.buf, json_true());
	}
	strbuf_release(&key);
	json_decref(seen);
	return rc;
}

int kx_namespace(struct kacc *acc, const char *ns, const struct fspecs *fs,
		 const char *subjects_mode, int unset_only, struct gerr *err)
{
	struct ns_ctx c = { ns, unset_only };
	for (size_t i = 0; i < acc->res.nr; i++)
		if (namespace_one(acc, i, &c, fs, subjects_mode, err) < 0)
			return -1;
	return namespace_conflicts(acc, ns, err);
}

/* ---- prefix and suffix --------------------------------------------------- */

struct ps_ctx {
	const char *prefix, *suffix;
};

static int set_prefix_suffix(const struct fslot *slot, void *ctx,
			     struct gerr *err)
{
	struct ps_ctx *c = ctx;
	json_t *cur = fslot_get(slot);
	(void)err;
	if (!json_is_string(cur))
		return 0;
	char *v = xasprintf("%s%s%s", c->prefix, json_string_value(cur),
			    c->suffix);
	fslot_set(slot, json_string(v));
	free(v);
	return 0;
}

/* kustomize never renames these: their names are fixed by the API. */
static int prefix_skips(const struct kid *org)
{
	return !strcmp(org->gvk.kind, "CustomResourceDefinition") ||
	       !strcmp(org->gvk.kind, "Namespace") ||
	       (!strcmp(org->gvk.kind, "APIService") &&
		!strcmp(org->gvk.group, "apiregistration.k8s.io"));
}

int kx_prefix_suffix(struct kacc *acc, const char *prefix, const char *suffix,
		     const struct fspecs *fs, struct gerr *err)
{
	struct ps_ctx c = { prefix, suffix };
	for (size_t i = 0; i < acc->res.nr; i++) {
		struct kres *r = acc->res.v[i];
		struct kid org;
		kres_org_id(r, &org);
		if (prefix_skips(&org))
			continue;
		for (size_t k = 0; k < fs->nr; k++) {
			const struct fspec *f = &fs->v[k];
			struct kgvk sel = { f->group, f->version, f->kind };
			kres_org_id(r, &org);
			if (!kgvk_selected(&org.gvk, &sel))
				continue;
			if (!strcmp(f->path, "metadata/name")) {
				if (*prefix)
					strvec_push(&r->prefixes, prefix);
				if (*suffix)
					strvec_push(&r->suffixes, suffix);
				if (*prefix || *suffix)
					kres_store_prev(r);
			}
			if (fspec_apply(r->obj, f, FS_CREATE_NONE,
					set_prefix_suffix, &c, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- labels and annotations ------------------------------------------- */

struct map_ctx {
	const char *key, *value;
};

static int set_entry(const struct fslot *slot, void *ctx, struct gerr *err)
{
	struct map_ctx *c = ctx;
	json_t *m = fslot_get(slot);
	if (json_is_null(m) || !m) {
		m = json_object();
		fslot_set(slot, m);
	}
	if (!json_is_object(m))
		return gerr_setc(err, GERR_INPUT, "expected a mapping to set "
				 "%s in, found %s", c->key,
				 json_is_array(m) ? "a list" : "a scalar");
	json_object_set_new(m, c->key, json_string(c->value));
	return 0;
}

/* A plugin configuration's `labels: {area: 51}` still sets "51". */
static char *label_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v)) {
		struct strbuf sb = STRBUF_INIT;
		yaml_format_float(&sb, json_real_value(v));
		return strbuf_detach(&sb, NULL);
	}
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return xstrdup("");
}

int kx_labels(struct kacc *acc, const json_t *labels, const struct fspecs *fs,
	      struct gerr *err)
{
	/* kustomize sets the keys in sorted order */
	struct strvec keys = STRVEC_INIT;
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)labels, k, v)
		strvec_push(&keys, k);
	strvec_sort(&keys);
	for (size_t i = 0; i < acc->res.nr; i++) {
		struct kres *r = acc->res.v[i];
		for (size_t j = 0; j < keys.nr; j++) {
			const json_t *val = json_object_get(labels, keys.v[j]);
			char *text = label_text(val);
			struct map_ctx c = { keys.v[j], text };
			int rc = fspecs_apply(r->obj, fs, FS_CREATE_MAP,
					      set_entry, &c, err);
			free(text);
			if (rc < 0) {
				struct strbuf sb = STRBUF_INIT;
				kres_format(&sb, r);
				gerr_prefix(err, "%s", sb.buf);
				strbuf_release(&sb);
				strvec_clear(&keys);
				return -1;
			}
		}
	}
	strvec_clear(&keys);
	return 0;
}

/* ---- images ------------------------------------------------------------- */

struct image_ctx {
	void *re;
	const char *new_name, *new_tag, *digest, *tag_suffix;
};

/* Split "host:port/repo:tag@digest" as kustomize does: a ':' or '@' only
 * counts after the first '/'. */
static void image_split(const char *img, char **name, char **tag, char **digest)
{
	const char *search = img;
	const char *s = strchr(img, '/');
	if (s && s != img)
		search = s;
	const char *at = strchr(search, '@'), *colon = strchr(search, ':');
	*tag = xstrdup("");
	*digest = xstrdup("");
	if (!at && !colon) {
		*name = xstrdup(img);
		return;
	}
	if (at && (!colon || at < colon)) {
		*name = xstrndup(img, (size_t)(at - img));
		free(*digest);
		*digest = xstrdup(at + 1);
		return;
	}
	*name = xstrndup(img, (size_t)(colon - img));
	free(*tag);
	if (at) {
		*tag = xstrndup(colon + 1, (size_t)(at - colon - 1));
		free(*digest);
		*digest = xstrdup(at + 1);
	} else {
		*tag = xstrdup(colon + 1);
	}
}

static void update_image(json_t *holder, const char *key, size_t index,
			 const struct image_ctx *c)
{
	struct fslot slot = { holder, key, index };
	json_t *cur = fslot_get(&slot);
	if (!json_is_string(cur) || !kregex_match(c->re, json_string_value(cur)))
		return;
	char *name, *tag, *digest;
	image_split(json_string_value(cur), &name, &tag, &digest);
	if (*c->new_name) {
		free(name);
		name = xstrdup(c->new_name);
	}
	if (*c->new_tag) {
		free(tag);
		tag = xstrdup(c->new_tag);
		free(digest);
		digest = xstrdup(*c->digest ? c->digest : "");
	} else if (*c->digest) {
		free(tag);
		tag = xstrdup("");
		free(digest);
		digest = xstrdup(c->digest);
	}
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, name);
	if (*tag || *c->tag_suffix)
		strbuf_addf(&out, ":%s%s", tag, c->tag_suffix);
	if (*digest)
		strbuf_addf(&out, "@%s", digest);
	fslot_set(&slot, json_string(out.buf));
	strbuf_release(&out);
	free(name);
	free(tag);
	free(digest);
}

/* kustomize's legacy pass finds the image of every item of any
 * `containers` or `initContainers` list, anywhere in any object (so custom
 * resources with pod templates are covered too): collect those places. */
static void legacy_slots(json_t *node, struct fslot **v, size_t *n,
			 size_t *alloc)
{
	if (json_is_array(node)) {
		size_t i;
		json_t *e;
		json_array_foreach(node, i, e)
			legacy_slots(e, v, n, alloc);
		return;
	}
	if (!json_is_object(node))
		return;
	const char *k;
	json_t *val;
	json_object_foreach(node, k, val) {
		if ((!strcmp(k, "containers") || !strcmp(k, "initContainers")) &&
		    json_is_array(val)) {
			size_t i;
			json_t *e;
			json_array_foreach(val, i, e) {
				if (!json_is_object(e))
					continue;
				ALLOC_GROW(*v, *n + 1, *alloc);
				(*v)[*n].parent = e;
				(*v)[*n].key = "image";
				(*v)[*n].index = 0;
				(*n)++;
			}
		}
		legacy_slots(val, v, n, alloc);
	}
}

static int set_image(const struct fslot *slot, void *ctx, struct gerr *err)
{
	(void)err;
	update_image(slot->parent, slot->key, slot->index, ctx);
	return 0;
}

static const char *opt(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

int kx_images(struct kacc *acc, const json_t *const *images, size_t n,
	      const struct fspecs *fs, size_t *bad, struct gerr *err)
{
	struct image_ctx *c = xcalloc(n ? n : 1, sizeof(*c));
	int rc = 0;
	size_t i;
	for (i = 0; i < n && !rc; i++) {
		const char *name = opt(images[i], "name");
		*bad = i;
		if (!*name) {
			rc = gerr_setc(err, GERR_INPUT, "an image needs a name");
			break;
		}
		/* kustomize matches the name as a regular expression,
		 * followed by an optional digest and tag */
		char *pat = xasprintf("^%s(@sha256)?(:[a-zA-Z0-9_.{}-]*)?$", name);
		c[i].re = kregex_compile(pat, 0, err);
		free(pat);
		if (!c[i].re) {
			rc = -1;
			break;
		}
		c[i].new_name = opt(images[i], "newName");
		c[i].new_tag = opt(images[i], "newTag");
		c[i].digest = opt(images[i], "digest");
		c[i].tag_suffix = opt(images[i], "tagSuffix");
	}
	/* each object on its own: per image rule, the legacy pass, then
	 * the field specs (what kustomize does rule by rule over all
	 * objects, as no rule looks at another object) */
	struct fslot *slots = NULL;
	size_t ns = 0, alloc = 0;
	for (size_t r = 0; r < acc->res.nr && !rc; r++) {
		json_t *obj = acc->res.v[r]->obj;
		ns = 0;
		legacy_slots(obj, &slots, &ns, &alloc);
		for (size_t k = 0; k < n && !rc; k++) {
			for (size_t s = 0; s < ns; s++)
				update_image(slots[s].parent, slots[s].key, 0,
					     &c[k]);
			*bad = k;
			rc = fspecs_apply(obj, fs, FS_CREATE_NONE, set_image,
					  &c[k], err);
		}
	}
	free(slots);
	for (size_t k = 0; k < n; k++)
		if (c[k].re)
			kregex_free(c[k].re);
	free(c);
	return rc;
}

int kx_image(struct kacc *acc, const json_t *image, const struct fspecs *fs,
	     struct gerr *err)
{
	size_t bad;
	return kx_images(acc, &image, 1, fs, &bad, err);
}

/* ---- replicas ------------------------------------------------------------ */

static int set_replicas(const struct fslot *slot, void *ctx, struct gerr *err)
{
	(void)err;
	fslot_set(slot, json_integer(*(json_int_t *)ctx));
	return 0;
}

int kx_replicas(struct kacc *acc, const char *name, json_int_t count,
		const struct fspecs *fs, struct gerr *err)
{
	int found = 0;
	for (size_t k = 0; k < fs->nr; k++) {
		const struct fspec *f = &fs->v[k];
		struct kgvk sel = { f->group, f->version, f->kind };
		for (size_t i = 0; i < acc->res.nr; i++) {
			struct kres *r = acc->res.v[i];
			struct kid id;
			int match = 0;
			if (!strcmp(kres_name(r), name)) {
				kres_id(r, &id);
				match = kgvk_selected(&id.gvk, &sel);
			}
			for (size_t p = 0; !match && p < r->nprev; p++)
				match = !strcmp(r->prev[p].name, name) &&
					kgvk_selected(&r->prev[p].gvk, &sel);
			if (!match)
				continue;
			found = 1;
			if (fspec_apply(r->obj, f, FS_CREATE_SCALAR,
					set_replicas, &count, err) < 0)
				return -1;
		}
	}
	if (!found) {
		struct strbuf kinds = STRBUF_INIT;
		for (size_t k = 0; k < fs->nr; k++)
			strbuf_addf(&kinds, "%s%s", k ? ", " : "",
				    *fs->v[k].kind ? fs->v[k].kind : "(any)");
		gerr_setc(err, GERR_INPUT,
			  "no object named %s of a kind whose replicas can be "
			  "set (%s)", name, kinds.buf);
		strbuf_release(&kinds);
		return -1;
	}
	return 0;
}

/* ---- ValueAddTransformer --------------------------------------------------- */

struct va_ctx {
	const char *value;
	long pos; /* filePathPosition: 0 replaces, else the path element */
};

/*
 * The value goes into a field that holds a path-like string: with
 * filePathPosition N (1-based) it becomes the N-th element of the
 * '/'-separated path, pushing the rest back; without, it replaces the
 * value.
 */
static int set_value_add(const struct fslot *slot, void *ctx, struct gerr *err)
{
	struct va_ctx *c = ctx;
	json_t *cur = fslot_get(slot);
	if (cur && !json_is_null(cur) && !json_is_string(cur))
		return gerr_setc(err, GERR_INPUT, "ValueAddTransformer: the "
				 "target field holds %s, not a string",
				 json_is_object(cur) ? "a mapping" : "a list or number");
	if (c->pos <= 0) {
		fslot_set(slot, json_string(c->value));
		return 0;
	}
	/* kustomize's InsertPathPart: the value becomes path element
	 * pos-1, clamped to the path's length */
	struct strvec parts = STRVEC_INIT;
	if (json_is_string(cur) && json_string_length(cur))
		fspec_split_path(json_string_value(cur), &parts);
	size_t at = (size_t)(c->pos - 1);
	if (at > parts.nr)
		at = parts.nr;
	struct strbuf out = STRBUF_INIT;
	for (size_t i = 0; i <= parts.nr; i++) {
		if (i == at) {
			if (i)
				strbuf_addch(&out, '/');
			strbuf_addstr(&out, c->value);
		}
		if (i < parts.nr) {
			if (i || at == 0)
				strbuf_addch(&out, '/');
			strbuf_addstr(&out, parts.v[i]);
		}
	}
	fslot_set(slot, json_string(out.buf));
	strbuf_release(&out);
	strvec_clear(&parts);
	return 0;
}

int kx_value_add(struct kust *kt, struct kacc *acc, const json_t *cfg,
		 struct gerr *err)
{
	const json_t *value = json_object_get(cfg, "value");
	char *base = NULL;
	const char *val;
	if (json_is_string(value) && json_string_length(value)) {
		val = json_string_value(value);
	} else {
		/* no value: the name of the kustomization's directory */
		const char *slash = strrchr(kt->dir_real, '/');
		base = xstrdup(slash ? slash + 1 : kt->dir_real);
		val = base;
	}
	const json_t *targets = json_object_get(cfg, "targets");
	size_t i;
	const json_t *t;
	int rc = 0;
	json_array_foreach(targets, i, t) {
		const json_t *fp = json_object_get(t, "fieldPath");
		if (!json_is_string(fp)) {
			rc = gerr_setc(err, GERR_INPUT,
				       "ValueAddTransformer: targets[%zu] needs "
				       "a fieldPath", i);
			break;
		}
		struct ksel sel;
		const json_t *s = json_object_get(t, "selector");
		if (ksel_init(&sel, json_is_object(s) ? s : NULL, err) < 0) {
			ksel_release(&sel);
			rc = -1;
			break;
		}
		struct fspec f;
		memset(&f, 0, sizeof(f));
		f.group = f.version = f.kind = "";
		f.path = (char *)json_string_value(fp);
		f.create = 1;
		fspec_split_path(f.path, &f.seg);
		const json_t *pos = json_object_get(t, "filePathPosition");
		struct va_ctx c = { val, json_is_integer(pos)
						 ? (long)json_integer_value(pos)
						 : 0 };
		int is_ns = !strcmp(f.path, "metadata/namespace");
		struct ns_ctx nc = { val, 0 };
		for (size_t k = 0; k < acc->res.nr && !rc; k++) {
			int m = json_is_object(s) ? ksel_match(&sel, acc->res.v[k], err)
						  : 1;
			if (m < 0)
				rc = -1;
			else if (m && is_ns)
				rc = namespace_one(acc, k, &nc, NULL,
						   "defaultOnly", err);
			else if (m)
				rc = fspec_apply(acc->res.v[k]->obj, &f,
						 FS_CREATE_SCALAR, set_value_add,
						 &c, err);
		}
		strvec_clear(&f.seg);
		ksel_release(&sel);
		if (rc < 0)
			break;
	}
	free(base);
	return rc;
}
