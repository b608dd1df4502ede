#ifndef GANTRY_OVERLAY_INTERNAL_H
#define GANTRY_OVERLAY_INTERNAL_H

/*
 * Internal to pkg/overlay: the resource map kustomize builds, the field
 * specs its transformers walk, and the parts of one build. overlay.h is the
 * public API; nothing here is used outside this folder.
 *
 * The vocabulary is kustomize's, so its documentation reads across:
 *   resource   one object plus what kustomize remembers about it (the names
 *              and namespaces it had before, the prefixes and suffixes that
 *              were put on its name, whether it still needs a hash suffix)
 *   id         group, version, kind, namespace, name
 *   field spec a path through objects of some group/version/kind that a
 *              transformer changes (e.g. spec/template/metadata/labels of a
 *              Deployment)
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/overlay/overlay.h"

/* ---- ids ---------------------------------------------------------------- */

/* A group/version/kind; "" is a wildcard in selectors. Strings borrowed. */
struct kgvk {
	const char *group, *version, *kind;
};

/* An id. Borrowed strings for the current id of a resource; the previous
 * ids a resource keeps own theirs (see kres). */
struct kid {
	struct kgvk gvk;
	const char *ns, *name;
};

/* Split an apiVersion into group and version (into caller buffers). */
void kgvk_split(const char *api_version, char *group, size_t gn,
		char *version, size_t vn);
/* x is selected by sel: every non-empty field of sel equals x's. */
int kgvk_selected(const struct kgvk *x, const struct kgvk *sel);
int kgvk_equal(const struct kgvk *a, const struct kgvk *b);
/* Is this group/version/kind cluster-scoped in kustomize's built-in
 * schema? Unknown kinds (custom resources) are namespaced. */
int kgvk_cluster_scoped(const struct kgvk *g);
/* "_non_namespaceable_" for cluster-scoped ids, "default" for "", else ns */
const char *kid_effective_ns(const struct kid *id);
int kid_equal(const struct kid *a, const struct kid *b);
/* Group_Version_Kind|ns|name as kustomize prints ids in messages:
 * "Deployment.v1.apps/web.shop" ([noGrp], [noNs] for empty parts). */
void kid_format(struct strbuf *sb, const struct kid *id);

/* ---- resources ---------------------------------------------------------- */

enum kbehavior { KB_UNSET, KB_CREATE, KB_MERGE, KB_REPLACE };

struct kres {
	json_t *obj;           /* owned */
	char *file;            /* where it was read or generated; owned */
	int line;
	/* the ids it had before, oldest first (kustomize's previous ids);
	 * strings owned */
	struct kid *prev;
	size_t nprev, aprev;
	char gbuf[64], vbuf[32]; /* the current group and version */
	char *api_seen;          /* the apiVersion they were split from */
	struct strvec prefixes, suffixes;
	unsigned needs_hash : 1;
	unsigned generated : 1;
	enum kbehavior behavior;
};

struct kresmap {
	struct kres **v;
	size_t nr, alloc;
};

#define KRESMAP_INIT { NULL, 0, 0 }

struct kres *kres_new(json_t *obj, const char *file, int line);
struct kres *kres_dup(const struct kres *r);
void kres_free(struct kres *r);
/* The current id (strings borrowed from the object; valid until it
 * changes). */
void kres_id(struct kres *r, struct kid *out);
/* The first id the resource had (its current one if it never changed). */
void kres_org_id(struct kres *r, struct kid *out);
/* Remember the current id as a previous one (before renaming). */
void kres_store_prev(struct kres *r);
/* Does any id it had, current or previous, equal id? */
int kres_any_id_equals(struct kres *r, const struct kid *id);
const char *kres_kind(const struct kres *r);
const char *kres_name(const struct kres *r);
const char *kres_ns(const struct kres *r);
void kres_set_name(struct kres *r, const char *name);
void kres_set_ns(struct kres *r, const char *ns);
/* "apps/Deployment/shop/web" (pkg/object's form) for messages */
void kres_format(struct strbuf *sb, const struct kres *r);

void kresmap_push(struct kresmap *m, struct kres *r);
/* "group|version|kind|namespace|name", the id as a lookup key (the
 * effective namespace, so "" and "default" are one). */
void kres_key(struct kres *r, struct strbuf *sb);
/* Move every resource of src to the end of m (src is left empty, its
 * resources freed on error); an id already in m is an error naming both
 * places. */
int kresmap_append_all(struct kresmap *m, struct kresmap *src,
		       struct gerr *err);
void kresmap_remove(struct kresmap *m, size_t i);
void kresmap_clear(struct kresmap *m);

/* ---- selectors ---------------------------------------------------------- */

/* A patch target (kustomize's Selector): group, version, kind, name and
 * namespace as anchored regular expressions, label and annotation
 * selectors. */
struct ksel {
	struct kgvk gvk;
	const char *name, *ns, *label_sel, *anno_sel; /* borrowed */
	void *group_re, *version_re, *kind_re;        /* compiled, owned */
	void *name_re, *ns_re;
};

/* Read a selector mapping (validated by the kustomization schema). */
int ksel_init(struct ksel *s, const json_t *obj, struct gerr *err);
void ksel_release(struct ksel *s);
/* As kustomize's ResMap.Select: name and namespace may match the
 * original or the current one. */
int ksel_match(const struct ksel *s, struct kres *r, struct gerr *err);
/* Does the map `labels` (may be NULL) satisfy a Kubernetes label selector
 * ("a=b,c!=d,e in (x,y),!f,g")? -1 on a malformed selector. */
int klabel_selector_match(const char *sel, const json_t *labels,
			  struct gerr *err);

/* A Go-regexp-compatible pattern anchored as ^(?:pat)$; NULL on error. */
void *kregex_compile(const char *pat, int anchor, struct gerr *err);
int kregex_match(void *re, const char *s);
void kregex_free(void *re);

/* ---- field specs -------------------------------------------------------- */

struct fspec {
	char *group, *version, *kind; /* "" matches any */
	char *path;                   /* "spec/template/metadata/labels" */
	int create;
	struct strvec seg;            /* path split at '/' */
};

struct fspecs {
	struct fspec *v;
	size_t nr, alloc;
};

/* A nameReference entry: objects of `gvk` are referred to at `refs`. */
struct nameref {
	char *group, *version, *kind;
	struct fspecs refs;
};

/* The transformer configuration: kustomize's defaults, plus what
 * `configurations:` files and sub-kustomizations add. */
struct tconfig {
	struct fspecs prefix, suffix, ns, common_labels, template_labels,
		common_annotations, images, replicas, var_reference;
	struct nameref *nameref;
	size_t nr_nameref, alloc_nameref;
};

void fspecs_add(struct fspecs *l, const char *group, const char *version,
		const char *kind, const char *path, int create);
/* Append a's specs to l, skipping ones already there (kustomize's
 * FsSlice.MergeAll); two specs for one path that disagree on `create`
 * conflict. */
int fspecs_merge(struct fspecs *l, const struct fspecs *a, struct gerr *err);
void fspecs_clear(struct fspecs *l);
/* Read a list of field spec mappings ({group, version, kind, path,
 * create}); `where` names the list in messages. */
int fspecs_from_json(struct fspecs *l, const json_t *arr, const char *where,
		     struct gerr *err);

void tconfig_init_defaults(struct tconfig *c);
void tconfig_clear(struct tconfig *c);
int tconfig_merge(struct tconfig *c, const struct tconfig *o,
		  struct gerr *err);
/* Add the content of a `configurations:` file (a mapping of the same
 * categories). */
int tconfig_merge_json(struct tconfig *c, const json_t *cfg, const char *file,
		       struct gerr *err);

/*
 * Walk spec's path through obj (if obj's gvk matches spec's) and call set
 * on every field it reaches. `slot` is the value's place: set may replace
 * it with fslot_set. Sequences on the way are walked element by element.
 * With spec->create and a create kind, a missing last field is created (an
 * empty mapping for FS_CREATE_MAP, null for set to fill for
 * FS_CREATE_SCALAR) and missing fields on the way become mappings; with
 * FS_CREATE_NONE nothing is created. A "name[]" step that holds null
 * becomes an empty sequence, as in kustomize.
 */
enum fs_create { FS_CREATE_NONE, FS_CREATE_SCALAR, FS_CREATE_MAP };
struct fslot {
	json_t *parent; /* object or array holding the value */
	const char *key; /* for an object */
	size_t index;    /* for an array */
};
json_t *fslot_get(const struct fslot *s);
void fslot_set(const struct fslot *s, json_t *v); /* steals v */

typedef int (*fs_setter)(const struct fslot *slot, void *ctx,
			 struct gerr *err);
int fspec_apply(json_t *obj, const struct fspec *spec, enum fs_create ck,
		fs_setter set, void *ctx, struct gerr *err);
int fspecs_apply(json_t *obj, const struct fspecs *specs, enum fs_create ck,
		 fs_setter set, void *ctx, struct gerr *err);
/* Does obj's group/version/kind match the spec's? */
int fspec_matches(const struct fspec *spec, const json_t *obj);
/* Split a field spec path at '/' (honouring "\/"), into sv. */
void fspec_split_path(const char *path, struct strvec *sv);

/* ---- the build ---------------------------------------------------------- */

/* The variables of `vars:` that travel up to the top kustomization. */
struct kvar {
	char *name;
	char *group, *version, *kind, *obj_name, *obj_ns;
	char *fieldpath;
	char *file; /* the kustomization that declared it */
	int line;
	struct kres *bound; /* the object it takes its value from */
};

/* Everything one kustomization (with what it included) accumulated. */
struct kacc {
	struct kresmap res;
	struct tconfig cfg;
	struct kvar *vars;
	size_t nr_vars, alloc_vars;
};

void kacc_init(struct kacc *a);
void kacc_clear(struct kacc *a);

/* The state shared by a whole build (all kustomizations it reads). */
struct kbuild {
	const struct overlay_options *opt;
	const struct source *src; /* where files are read; NULL: the disk */
	char *root_real;         /* realpath of opt->root, or NULL */
	struct strvec stack;     /* realpaths of the kustomizations being
				    built, outermost first (cycles) */
	struct strvec shown;     /* the same, as the user names them */
	struct strvec warnings;
	const void *merge_schema; /* struct merge_schema, for patches */
};

/* One kustomization directory being built. */
struct kust {
	struct kbuild *b;
	char *dir;       /* as the user would name it (for messages) */
	char *dir_real;  /* realpath */
	char *file;      /* dir + "/kustomization.yaml" (for messages) */
	json_t *k;       /* the validated kustomization */
	json_t *pos;     /* JSON pointer -> [line, col] */
	int is_component;
	void *openapi;   /* struct merge_schema * from `openapi:`, owned */
};

/* kust.c: find, read and validate the kustomization in dir. */
int kust_load(struct kust *kt, struct kbuild *b, const char *dir,
	      struct gerr *err);
void kust_release(struct kust *kt);
/* "FILE:LINE:COL" of the node at ptr (or of its nearest ancestor). */
void kust_where(const struct kust *kt, const char *ptr, struct strbuf *sb);
/* "patches[2].target" for the JSON pointer "/patches/2/target". */
void kust_ptr_text(const char *ptr, struct strbuf *out);
/* The line of the node at ptr, or 0. */
int kust_line(const struct kust *kt, const char *ptr);
/* Fail with "FILE:LINE:COL: message" for the node at ptr. */
int kust_fail(const struct kust *kt, const char *ptr, struct gerr *err,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Does dir hold a kustomization file? Its name, or NULL. */
const char *kust_file_name(const struct source *src, const char *dir);
/* The file system, or the source the build reads through (opt->src). */
char *kfs_realpath(const struct kbuild *b, const char *path);
int kfs_is(const struct source *src, const char *path, enum source_type t);

/* load.c: paths, the load restrictor, reading resources. */
/* Read the file `rel` (relative to kt's directory) whole, if kt may read
 * it; *shown is its path for messages, ptr the JSON pointer of the field
 * that named it (for the error's position). */
char *kload_read(struct kust *kt, const char *rel, const char *ptr,
		 size_t *len, char **shown, struct gerr *err);
/* Is rel (from kt's directory) outside the repository root, where the
 * load restrictor forbids going? */
int kload_outside_root(struct kust *kt, const char *rel);
/* Is `s` a remote resource (URL, git repository)? */
int kload_is_remote(const char *s);
/* Parse resources from YAML text: documents, List items flattened. */
int kload_parse_resources(const char *buf, size_t len, const char *file,
			  struct kresmap *out, struct gerr *err);

/* build.c: build the kustomization in dir, with `input` as its first
 * resources (copied), into acc (initialised here; the caller clears it). */
int kbuild_run(struct kbuild *b, const char *dir, const struct kresmap *input,
	       struct kacc *acc, struct gerr *err);
/* Accumulate the kustomization in dir on its own (no final steps), for
 * plugin configurations kept in a kustomization. */
int kbuild_sub(struct kbuild *b, const char *dir, struct kacc *acc,
	       struct gerr *err);
void kbuild_warn(struct kbuild *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* transform.c: the built-in transformers */
int kx_namespace(struct kacc *acc, const char *ns, const struct fspecs *fs,
		 const char *subjects_mode, int unset_only, struct gerr *err);
int kx_prefix_suffix(struct kacc *acc, const char *prefix, const char *suffix,
		     const struct fspecs *fs, struct gerr *err);
/* Set each label (or annotation: fs says where) as a string. */
int kx_labels(struct kacc *acc, const json_t *labels, const struct fspecs *fs,
	      struct gerr *err);
int kx_image(struct kacc *acc, const json_t *image, const struct fspecs *fs,
	     struct gerr *err);
/* All image rules, in order, in one walk of each object; *bad is the
 * index of the rule an error is about. */
int kx_images(struct kacc *acc, const json_t *const *images, size_t n,
	      const struct fspecs *fs, size_t *bad, struct gerr *err);
int kx_replicas(struct kacc *acc, const char *name, json_int_t count,
		const struct fspecs *fs, struct gerr *err);
int kx_value_add(struct kust *kt, struct kacc *acc, const json_t *cfg,
		 struct gerr *err);

/* generate.c: configMapGenerator and secretGenerator */
int kgen_run(struct kust *kt, const json_t *args, int secret,
	     const json_t *global_opts, const char *ptr, struct kacc *acc,
	     struct gerr *err);
/* Put a generated resource into the map by its behavior. */
int kgen_absorb(struct kacc *acc, struct kres *r, struct gerr *err);

/* hash.c */
/* kustomize's name suffix for a ConfigMap or Secret: 10 characters. */
void khash_object(const json_t *obj, char out[11]);

/* nameref.c */
int knameref_fix(struct kacc *acc, struct gerr *err);

/* vars.c */
int kvars_add(struct kacc *acc, const json_t *vars, const struct kust *kt,
	      struct gerr *err);
int kvars_merge(struct kacc *acc, const struct kacc *sub, struct gerr *err);
int kvars_resolve(struct kacc *acc, struct gerr *err);
/* An object was replaced by another (generator merge) or removed (NULL). */
void kvars_rebind(struct kacc *acc, const struct kres *old, struct kres *now);

/* replace.c */
int kreplace_run(struct kust *kt, struct kacc *acc, const json_t *repl,
		 const char *where, struct gerr *err);

/* patch.c */
int kpatch_strategic_list(struct kust *kt, struct kacc *acc,
			  const json_t *list, struct gerr *err);
int kpatch_entry(struct kust *kt, struct kacc *acc, const json_t *p,
		 const char *ptr, int legacy_json6902, struct gerr *err);
/* The merge schema of `openapi: {path: FILE}` (NULL: the builtin one). */
int kpatch_load_schema(struct kust *kt, struct gerr *err);
void kpatch_free_schema(void *s);

/* sort.c */
/* kustomize's Gvk.IsLessThan, as a comparison. */
int ksort_gvk_cmp(const struct kgvk *a, const struct kgvk *b);
int ksort(struct kust *top, struct kacc *acc, struct gerr *err);
/* Order the keys of every mapping as go-yaml v2 does. */
json_t *ksort_keys(const json_t *v);

/* plugin.c: `transformers:` and `generators:` entries (builtin kinds) */
int kplugin_run(struct kust *kt, struct kacc *acc, const char *field,
		struct gerr *err);

/* builtin.c: gantry's own transformers (apiVersion gantry.dev/v1alpha1)
 * for the built-in components: HighAvailability, RestrictedSecurity,
 * PrometheusScrape. */
int kgantry_transformer(struct kust *kt, struct kacc *acc, const json_t *cfg,
			const char *kind, struct gerr *err);

/* path helpers (load.c) */
/* Lexically clean a path (Go's filepath.Clean). */
char *kpath_clean(const char *p);
char *kpath_join(const char *dir, const char *rel);

#endif
