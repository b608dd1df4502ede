#ifndef GANTRY_APPLY_INTERNAL_H
#define GANTRY_APPLY_INTERNAL_H

/* Shared by the files of pkg/apply; not part of its API. */

#include "pkg/apply/apply.h"
#include "pkg/base/strbuf.h"
#include "pkg/merge/merge.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
#define APP_LABEL "gantry.dev/app"
#define REVISION_ANNOTATION "gantry.dev/revision"
#define HOOK_ANNOTATION "gantry.dev/hook"
#define WAVE_ANNOTATION "gantry.dev/wave"
#define REPLACE_ANNOTATION "gantry.dev/replace"
#define PRUNE_ANNOTATION "gantry.dev/prune"
#define LARGE_ANNOTATION "gantry.dev/last-applied"
#define LARGE_VALUE "inventory"
#define INVENTORY_LABEL "gantry.dev/inventory"
#define FIELD_MANAGER "gantry"
/* The API server's limit on all annotations of an object together (the
 * sum of the lengths of keys and values). */
#define ANNOTATIONS_LIMIT 262144

#define NR_CLASSES 8
#define CLASS_NAMESPACES 0
#define CLASS_CRDS 1

enum hook { HOOK_PRE, HOOK_MAIN, HOOK_POST };

/* Where an object runs: its step is (hook, wave, cls). */
struct place {
	int hook;
	long wave;
	int cls;
};

/* The place of obj from its annotations and kind; -1 with err (naming
 * the annotation) for a value gantry does not know. */
int place_of(const json_t *obj, struct place *p, struct gerr *err);
int place_cmp(const struct place *a, const struct place *b);
/* gantry.dev/replace: "true" */
int wants_replace(const json_t *obj);
/* The value of an annotation or label of obj, or NULL. */
const char *annotation_of(const json_t *obj, const char *key);
const char *label_of(const json_t *obj, const char *key);

/* The merge type gantry plans with: the built-in table's for built-in
 * kinds, NULL (JSON merge patch) for anything else. */
const struct merge_type *type_of(const json_t *obj);

/* obj with label APP_LABEL=app (a new reference; obj itself when it
 * already has it). */
json_t *with_app_label(const json_t *obj, const char *app);


/* The size the API server counts for obj's annotations. */
size_t annotations_size(const json_t *obj);

/* gzip and base64 of text (for binaryData), and back (NULL when the data
 * is not that). Caller frees. */
char *pack_text(const char *text);
char *unpack_text(const char *b64);

/* Identity "group/kind/namespace/name" of a reference, for matching. */
char *ref_identity(const char *group, const char *kind, const char *ns,
		   const char *name);

/* Whether two patches of one type touch a common field (see CONFLICTS in
 * apply.h). */
int patches_overlap(const struct merge_type *t, const json_t *a,
		    const json_t *b);
/* obj without status and the metadata the server sets. New reference. */
json_t *strip_server_fields(const json_t *obj);

/* Inventory helpers for plan and execute. */
const struct apply_ref *inventory_find(const struct apply_inventory *inv,
				       const char *group, const char *kind,
				       const char *ns, const char *name);
/* Write inv (its entries, revision, outcome; appliedAt is set here) as
 * the app's inventory: created, or replaced at inv->resource_version (on
 * a conflict read again, entries the other writer added kept). Unless
 * force, nothing is sent when only appliedAt would change from old.
 * 0, or -1 with err. */
int inventory_write(struct kube_client *c, const char *ns,
		    struct apply_inventory *inv,
		    const struct apply_inventory *old, struct gerr *err);
void inventory_add(struct apply_inventory *inv, const char *api_version,
		   const char *kind, const char *ns, const char *name,
		   const char *uid, const char *revision,
		   const char *last_applied);
void inventory_sort(struct apply_inventory *inv);
/* The path of an inventory object, or NULL when the cluster no longer
 * serves its kind (its objects went with their CRD). */
char *inventory_ref_path(struct kube_client *c, const struct apply_ref *ref);

/* The namespace apply works in: opts' or the client's. */
const char *apply_namespace(struct kube_client *c,
			    const struct apply_opts *opts);

#endif
