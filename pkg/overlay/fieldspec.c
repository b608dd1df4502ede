/*
 * Field specs: the paths through objects that kustomize's transformers
 * change, the transformer configuration that groups them, and the walk
 * that finds (and, where asked, creates) the fields a path names.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/yaml/yaml.h"

extern const char overlay_default_config[];

void fspec_split_path(const char *path, struct strvec *sv)
{
	struct strbuf seg = STRBUF_INIT;
	for (const char *p = path;; p++) {
		if (*p == '\\' && p[1] == '/') {
			strbuf_addch(&seg, '/');
			p++;
		} else if (*p == '/' || !*p) {
			strvec_push(sv, seg.buf);
			strbuf_reset(&seg);
			if (!*p)
				break;
		} else {
			strbuf_addch(&seg, *p);
		}
	}
	strbuf_release(&seg);
}

static char *dup0(const char *s)
{
	return xstrdup(s ? s : "");
}

void fspecs_add(struct fspecs *l, const char *group, const char *version,
		const char *kind, const char *path, int create)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	struct fspec *f = &l->v[l->nr++];
	memset(f, 0, sizeof(*f));
	f->group = dup0(group);
	f->version = dup0(version);
	f->kind = dup0(kind);
	f->path = dup0(path);
	f->create = create;
	fspec_split_path(f->path, &f->seg);
}

void fspecs_clear(struct fspecs *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->v[i].group);
		free(l->v[i].version);
		free(l->v[i].kind);
		free(l->v[i].path);
		strvec_clear(&l->v[i].seg);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct kgvk gvk_of(const struct fspec *f)
{
	struct kgvk g = { f->group, f->version, f->kind };
	return g;
}

/* kustomize's FieldSpec.effectivelyEquals: same path, and the existing
 * spec's gvk is selected by the new one's (an empty gvk selects all). */
static long fspecs_index(const struct fspecs *l, const struct fspec *x)
{
	struct kgvk xg = gvk_of(x);
	for (size_t i = 0; i < l->nr; i++) {
		struct kgvk g = gvk_of(&l->v[i]);
		if (!strcmp(l->v[i].path, x->path) && kgvk_selected(&g, &xg))
			return (long)i;
	}
	return -1;
}

int fspecs_merge(struct fspecs *l, const struct fspecs *a, struct gerr *err)
{
	for (size_t i = 0; i < a->nr; i++) {
		const struct fspec *x = &a->v[i];
		long at = fspecs_index(l, x);
		if (at >= 0) {
			if (!l->v[at].create != !x->create)
				return gerr_setc(err, GERR_INPUT,
						 "conflicting field specs for "
						 "path %s (create true and "
						 "false)",
						 x->path);
			continue;
		}
		fspecs_add(l, x->group, x->version, x->kind, x->path,
			   x->create);
	}
	return 0;
}

static const char *opt_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

int fspecs_from_json(struct fspecs *l, const json_t *arr, const char *where,
		     struct gerr *err)
{
	size_t i;
	const json_t *e;
	if (json_is_null(arr) || !arr)
		return 0;
	if (!json_is_array(arr))
		return gerr_setc(err, GERR_INPUT, "%s: must be a list of field "
				 "specs", where);
	json_array_foreach(arr, i, e) {
		if (!json_is_object(e) || !json_is_string(json_object_get(e, "path")))
			return gerr_setc(err, GERR_INPUT,
					 "%s[%zu]: a field spec needs a path",
					 where, i);
		const json_t *create = json_object_get(e, "create");
		if (create && !json_is_boolean(create) && !json_is_null(create))
			return gerr_setc(err, GERR_INPUT,
					 "%s[%zu].create: must be true or "
					 "false", where, i);
		fspecs_add(l, opt_str(e, "group"), opt_str(e, "version"),
			   opt_str(e, "kind"), opt_str(e, "path"),
			   json_is_true(create));
	}
	return 0;
}

/* ---- the configuration -------------------------------------------------- */

static struct fspecs *category(struct tconfig *c, const char *name)
{
	if (!strcmp(name, "namePrefix"))
		return &c->prefix;
	if (!strcmp(name, "nameSuffix"))
		return &c->suffix;
	if (!strcmp(name, "namespace"))
		return &c->ns;
	if (!strcmp(name, "commonLabels"))
		return &c->common_labels;
	if (!strcmp(name, "templateLabels"))
		return &c->template_labels;
	if (!strcmp(name, "commonAnnotations"))
		return &c->common_annotations;
	if (!strcmp(name, "images"))
		return &c->images;
	if (!strcmp(name, "replicas"))
		return &c->replicas;
	if (!strcmp(name, "varReference"))
		return &c->var_reference;
	return NULL;
}

static struct nameref *nameref_find(struct tconfig *c, const char *group,
				    const char *version, const char *kind)
{
	for (size_t i = 0; i < c->nr_nameref; i++) {
		struct nameref *n = &c->nameref[i];
		if (!strcmp(n->group, group) && !strcmp(n->version, version) &&
		    !strcmp(n->kind, kind))
			return n;
	}
	return NULL;
}

static struct nameref *nameref_add(struct tconfig *c, const char *group,
				   const char *version, const char *kind)
{
	ALLOC_GROW(c->nameref, c->nr_nameref + 1, c->alloc_nameref);
	struct nameref *n = &c->nameref[c->nr_nameref++];
	memset(n, 0, sizeof(*n));
	n->group = dup0(group);
	n->version = dup0(version);
	n->kind = dup0(kind);
	return n;
}

int tconfig_merge_json(struct tconfig *c, const json_t *cfg, const char *file,
		       struct gerr *err)
{
	const char *key;
	const json_t *v;
	if (json_is_null(cfg))
		return 0;
	if (!json_is_object(cfg))
		return gerr_setc(err, GERR_INPUT, "%s: a transformer "
				 "configuration must be a mapping", file);
	json_object_foreach((json_t *)cfg, key, v) {
		struct fspecs *cat = category(c, key);
		if (cat) {
			struct fspecs add = { 0 };
			int rc = fspecs_from_json(&add, v, key, err);
			if (!rc)
				rc = fspecs_merge(cat, &add, err);
			fspecs_clear(&add);
			if (rc < 0)
				return gerr_prefix(err, "%s", file);
			continue;
		}
		if (strcmp(key, "nameReference"))
			return gerr_setc(err, GERR_INPUT,
					 "%s: unknown transformer configuration "
					 "field \"%s\"", file, key);
		size_t i;
		const json_t *e;
		if (!json_is_array(v) && !json_is_null(v))
			return gerr_setc(err, GERR_INPUT,
					 "%s: nameReference: must be a list",
					 file);
		json_array_foreach(v, i, e) {
			if (!json_is_object(e) ||
			    !json_is_string(json_object_get(e, "kind")))
				return gerr_setc(err, GERR_INPUT,
						 "%s: nameReference[%zu]: needs a "
						 "kind", file, i);
			struct fspecs add = { 0 };
			char where[64];
			snprintf(where, sizeof(where), "nameReference[%zu].fieldSpecs", i);
			int rc = fspecs_from_json(&add, json_object_get(e, "fieldSpecs"),
						  where, err);
			struct nameref *n = NULL;
			if (!rc) {
				n = nameref_find(c, opt_str(e, "group"),
						 opt_str(e, "version"),
						 opt_str(e, "kind"));
				if (!n)
					n = nameref_add(c, opt_str(e, "group"),
							opt_str(e, "version"),
							opt_str(e, "kind"));
				rc = fspecs_merge(&n->refs, &add, err);
			}
			fspecs_clear(&add);
			if (rc < 0)
				return gerr_prefix(err, "%s", file);
		}
	}
	return 0;
}

void tconfig_init_defaults(struct tconfig *c)
{
	struct gerr err = GERR_INIT;
	memset(c, 0, sizeof(*c));
	json_t *cfg = yaml_parse_value(overlay_default_config,
				       strlen(overlay_default_config),
				       "defaults", &err);
	/* the table is part of the program: it parses */
	if (!cfg || tconfig_merge_json(c, cfg, "defaults", &err) < 0)
		abort();
	json_decref(cfg);
}

int tconfig_merge(struct tconfig *c, const struct tconfig *o,
		  struct gerr *err)
{
	if (fspecs_merge(&c->prefix, &o->prefix, err) < 0 ||
	    fspecs_merge(&c->suffix, &o->suffix, err) < 0 ||
	    fspecs_merge(&c->ns, &o->ns, err) < 0 ||
	    fspecs_merge(&c->common_labels, &o->common_labels, err) < 0 ||
	    fspecs_merge(&c->template_labels, &o->template_labels, err) < 0 ||
	    fspecs_merge(&c->common_annotations, &o->common_annotations, err) < 0 ||
	    fspecs_merge(&c->images, &o->images, err) < 0 ||
	    fspecs_merge(&c->replicas, &o->replicas, err) < 0 ||
	    fspecs_merge(&c->var_reference, &o->var_reference, err) < 0)
		return -1;
	for (size_t i = 0; i < o->nr_nameref; i++) {
		const struct nameref *on = &o->nameref[i];
		struct nameref *n = nameref_find(c, on->group, on->version,
						 on->kind);
		if (!n)
			n = nameref_add(c, on->group, on->version, on->kind);
		if (fspecs_merge(&n->refs, &on->refs, err) < 0)
			return -1;
	}
	return 0;
}

void tconfig_clear(struct tconfig *c)
{
	fspecs_clear(&c->prefix);
	fspecs_clear(&c->suffix);
	fspecs_clear(&c->ns);
	fspecs_clear(&c->common_labels);
	fspecs_clear(&c->template_labels);
	fspecs_clear(&c->common_annotations);
	fspecs_clear(&c->images);
	fspecs_clear(&c->replicas);
	fspecs_clear(&c->var_reference);
	for (size_t i = 0; i < c->nr_nameref; i++) {
		free(c->nameref[i].group);
		free(c->nameref[i].version);
		free(c->nameref[i].kind);
		fspecs_clear(&c->nameref[i].refs);
	}
	free(c->nameref);
	memset(c, 0, sizeof(*c));
}

/* ---- walking ------------------------------------------------------------ */

json_t *fslot_get(const struct fslot *s)
{
	if (json_is_array(s->parent))
		return json_array_get(s->parent, s->index);
	return json_object_get(s->parent, s->key);
}

void fslot_set(const struct fslot *s, json_t *v)
{
	if (json_is_array(s->parent))
		json_array_set_new(s->parent, s->index, v);
	else
		json_object_set_new(s->parent, s->key, v);
}

int fspec_matches(const struct fspec *spec, const json_t *obj)
{
	const json_t *kind = json_object_get(obj, "kind");
	if (*spec->kind &&
	    (!json_is_string(kind) || strcmp(spec->kind, json_string_value(kind))))
		return 0;
	if (!*spec->group && !*spec->version)
		return 1;
	char g[128], v[64];
	const json_t *av = json_object_get(obj, "apiVersion");
	kgvk_split(json_is_string(av) ? json_string_value(av) : "", g,
		   sizeof(g), v, sizeof(v));
	if (*spec->group && strcmp(spec->group, g))
		return 0;
	if (*spec->version && strcmp(spec->version, v))
		return 0;
	return 1;
}

struct walk {
	const struct fspec *spec;
	enum fs_create ck;
	fs_setter set;
	void *ctx;
};

static int walk(struct walk *w, const struct fslot *slot, size_t i,
		struct gerr *err);

static int walk_node(struct walk *w, json_t *node, size_t i, struct gerr *err)
{
	const struct strvec *seg = &w->spec->seg;
	if (!node || json_is_null(node))
		return 0;
	if (json_is_array(node)) {
		for (size_t k = 0; k < json_array_size(node); k++) {
			struct fslot s = { node, NULL, k };
			if (walk(w, &s, i, err) < 0)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(node))
		return gerr_setc(err, GERR_INPUT,
				 "expected a sequence or mapping at \"%s\" of "
				 "path %s", seg->v[i], w->spec->path);

	char *name = xstrdup(seg->v[i]);
	size_t n = strlen(name);
	int is_seq = n >= 2 && !strcmp(name + n - 2, "[]");
	if (is_seq)
		name[n - 2] = '\0';
	if (!*name) {
		free(name);
		return gerr_setc(err, GERR_INPUT, "empty field name in path %s",
				 w->spec->path);
	}
	int last = i + 1 == seg->nr;
	json_t *v = json_object_get(node, name);
	int can_create = w->spec->create && w->ck != FS_CREATE_NONE && !is_seq;
	if (!v) {
		if (!can_create) {
			free(name);
			return 0;
		}
		if (!last || w->ck == FS_CREATE_MAP)
			v = json_object();
		else
			v = json_null();
		json_object_set_new(node, name, v);
	} else if (json_is_null(v)) {
		/* kustomize gives a null field the kind it expected */
		if (is_seq)
			json_object_set_new(node, name, json_array());
		else if (can_create && (!last || w->ck == FS_CREATE_MAP))
			json_object_set_new(node, name, json_object());
	}
	struct fslot s = { node, NULL, 0 };
	s.key = name;
	int rc = walk(w, &s, i + 1, err);
	free(name);
	return rc;
}

static int walk(struct walk *w, const struct fslot *slot, size_t i,
		struct gerr *err)
{
	if (i == w->spec->seg.nr)
		return w->set(slot, w->ctx, err);
	return walk_node(w, fslot_get(slot), i, err);
}

int fspec_apply(json_t *obj, const struct fspec *spec, enum fs_create ck,
		fs_setter set, void *ctx, struct gerr *err)
{
	if (!fspec_matches(spec, obj) || !spec->seg.nr)
		return 0;
	struct walk w = { spec, ck, set, ctx };
	return walk_node(&w, obj, 0, err);
}

int fspecs_apply(json_t *obj, const struct fspecs *specs, enum fs_create ck,
		 fs_setter set, void *ctx, struct gerr *err)
{
	for (size_t i = 0; i < specs->nr; i++)
		if (fspec_apply(obj, &specs->v[i], ck, set, ctx, err) < 0)
			return -1;
	return 0;
}
