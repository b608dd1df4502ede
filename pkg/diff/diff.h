#ifndef GANTRY_DIFF_H
#define GANTRY_DIFF_H

/*
 * pkg/diff — the "plan" stage: turning (last-applied, desired, live) into a
 * change set, and showing it.
 *
 *   struct diff_set set = DIFF_SET_INIT;
 *   diff_plan(client, &objs, &opts, &set, &err);   // GET every live object
 *   diff_write_text(&set, DIFF_COLOR, &out);        // or diff_write_json
 *   diff_save(&set, "plan.json", &err);             // for apply, later
 *   diff_set_clear(&set);
 *
 * For one object (no cluster needed), diff_compute() does the work:
 *   1. desired and last are normalised: status and the fields the server
 *      sets (metadata.creationTimestamp, resourceVersion, uid, generation,
 *      managedFields, selfLink, deletionTimestamp,
 *      deletionGracePeriodSeconds) and the last-applied annotation are
 *      dropped, and a Secret's stringData is folded into data (base64), as
 *      the API server stores it (so a stringData key that goes away is
 *      removed from data, which kubectl's patch would leave). desired
 *      always has a metadata.annotations map, as kubectl's has: removing
 *      one annotation then nulls that key, not the whole map;
 *   2. ignoreDifferences rules set those fields of desired to their live
 *      value (and drop them from last, so they are never removed);
 *   3. patch = merge_three_way_patch(type, last, desired, live), what
 *      `kubectl apply` would send, and result = live with patch applied;
 *   4. live and result are both cut down to the fields desired or last
 *      name (so server defaults, status and fields other clients own never
 *      show) and compared: numbers by value, quantities (resources,
 *      quota) by value, a field absent on one side equal to null, {} or []
 *      on the other (the API server drops empty fields it does not keep),
 *      items of lists merged by key matched by their key (their order is
 *      not a change). No difference: DIFF_UNCHANGED.
 *   5. the changed fields become paths (JSON pointers) and a unified YAML
 *      diff (keys sorted, as kubectl diff prints them) with 3 lines of
 *      context, both with sensitive values masked.
 *
 * Secrets: the values of a Secret's data and stringData, and of the fields
 * an app marks sensitive, never appear in anything this module prints or
 * returns for display (paths' before/after, diff text): they read
 * "(sensitive value)", and on the new side of a change
 * "(sensitive value changed)". The objects a change keeps for apply
 * (desired, live, last, patch, result) hold them, and so does a saved plan
 * file (written with mode 0600).
 *
 * Ownership: a diff_set owns its changes and everything in them;
 * diff_set_clear() frees it all. json_t members are references the change
 * owns.
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"
#include "pkg/merge/merge.h"
#include "pkg/object/object.h"

struct kube_client;

/* ------------------------------------------------------------------ */
/* Rules of an app: ignoreDifferences and sensitive fields              */

/*
 * Paths are JSON pointers into an object ("/spec/replicas"; "~1" for '/',
 * "~0" for '~' inside a name, as RFC 6901 says). A segment "*" matches
 * every member of a map and every item of a list. A number selects a list
 * item by its position, in the live and in the desired object separately.
 */
struct diff_rules;

struct diff_rules *diff_rules_new(void);
void diff_rules_free(struct diff_rules *r);

/* Leave path at its live value in objects of this group ("" core, "*"
 * every group: an app spec's rule that names none) and kind, and when given (not NULL) only with this name and namespace.
 * -1 with err (GERR_INPUT) for a path that is not a JSON pointer. */
int diff_rules_add_ignore(struct diff_rules *r, const char *group,
			  const char *kind, const char *ns, const char *name,
			  const char *path, struct gerr *err);
/* Never show the value at path in objects of this group and kind (every
 * key of a Secret's data and stringData is always sensitive). */
int diff_rules_add_sensitive(struct diff_rules *r, const char *group,
			     const char *kind, const char *path,
			     struct gerr *err);

/*
 * Read rules in the form an app spec gives them (the keys of an App's
 * spec; `file` names the input in errors, `doc` is its parsed content):
 *
 *   ignoreDifferences:
 *     - {group: apps, kind: Deployment, name: web, namespace: shop,
 *        paths: [/spec/replicas]}
 *   sensitive:
 *     - {group: example.com, kind: Database, paths: [/spec/password]}
 *
 * group defaults to "" (the core group); kind and paths are required;
 * other keys of doc are left alone. -1 with err naming the entry.
 */
int diff_rules_add_json(struct diff_rules *r, const json_t *doc,
			const char *file, struct gerr *err);

/* ------------------------------------------------------------------ */
/* Changes                                                              */

enum diff_action {
	DIFF_UNCHANGED,
	DIFF_CREATE,
	DIFF_UPDATE,
	DIFF_DELETE,     /* only from prune (diff_delete) */
};
#define DIFF_NR_ACTIONS 4

/* "unchanged", "create", "update", "delete" */
const char *diff_action_name(enum diff_action a);

enum diff_op { DIFF_OP_ADD, DIFF_OP_REMOVE, DIFF_OP_REPLACE };
/* "add", "remove", "replace" (as JSON patch names them) */
const char *diff_op_name(enum diff_op op);

/* One changed field. Items of a list merged by key are numbered by their
 * position in the new object (in the live one for a removal). */
struct diff_path {
	char *path;       /* JSON pointer, "/spec/replicas" */
	enum diff_op op;
	json_t *before;   /* masked live value; NULL for DIFF_OP_ADD */
	json_t *after;    /* masked new value; NULL for DIFF_OP_REMOVE */
};

struct diff_change {
	enum diff_action action;
	/* identity: apiVersion, kind, namespace ("" when cluster-scoped),
	 * name, and "apps/Deployment/shop/web" */
	char *api_version, *group, *kind, *namespace, *name, *id;
	char *source;       /* "FILE:LINE" the object came from, or NULL */
	json_t *desired;    /* the rendered object, namespace filled in
	                       (NULL for a delete); what the last-applied
	                       annotation of the applied object must hold */
	json_t *live;       /* NULL for a create */
	json_t *last;       /* live's last-applied configuration, or NULL */
	/* For an update: the patch to send (without the new last-applied
	 * annotation, which apply adds), of patch_type
	 * "application/strategic-merge-patch+json" for built-in kinds or
	 * "application/merge-patch+json" for custom resources; NULL
	 * otherwise. */
	json_t *patch;
	const char *patch_type;
	/* What the object becomes: live with patch applied (update),
	 * desired (create), live (unchanged); NULL for a delete. */
	json_t *result;
	char *resource_version; /* live's, NULL for a create */
	char *uid;              /* live's, NULL for a create */
	struct diff_path *paths; /* changed fields of an update, in order */
	size_t nr_paths;
	/* The unified diff, masked, without color (NULL when unchanged):
	 * "@@ -L,N +L,N @@" hunks of " ", "-" and "+" lines. */
	char *diff;
	/* A custom resource whose CustomResourceDefinition is in the same
	 * input and not served yet: planned as a create without a GET. */
	int crd_pending;
};

struct diff_set {
	struct diff_change *v;
	size_t nr, alloc;
	size_t count[DIFF_NR_ACTIONS]; /* changes by action */
	char *server;    /* API server URL, context and default namespace */
	char *context;   /* the plan was computed against (may be NULL) */
	char *namespace;
};
#define DIFF_SET_INIT { NULL, 0, 0, { 0, 0, 0, 0 }, NULL, NULL, NULL }

/*
 * Compute the change that makes live (NULL: the object does not exist)
 * into desired, as described at the top. t is the object's merge type
 * (merge_schema_lookup; NULL for a custom resource), rules may be NULL.
 * desired must carry its final namespace. Fills *ch, which must be zeroed
 * (diff_set_push gives one); counts are not touched. -1 with err (naming
 * the object) when the last-applied annotation is not JSON or a merge
 * fails.
 */
int diff_compute(const json_t *desired, const json_t *live,
		 const struct merge_type *t, const struct diff_rules *rules,
		 struct diff_change *ch, struct gerr *err);

/* The change that deletes live (prune): the diff shows live cut down to
 * its last-applied configuration (nothing without one). */
void diff_delete(const json_t *live, const struct diff_rules *rules,
		 struct diff_change *ch);

/* A new zeroed change at the end of set (valid until the next push). */
struct diff_change *diff_set_push(struct diff_set *set);
/* Recount set->count from the changes. */
void diff_set_count(struct diff_set *set);
/* Creates, updates and deletes: the changes a plan would make. */
size_t diff_set_changes(const struct diff_set *set);
void diff_set_clear(struct diff_set *set);

/* ------------------------------------------------------------------ */
/* Planning against a cluster                                           */

struct diff_plan_opts {
	/* For namespaced objects without one; NULL: the client's namespace
	 * (kubeconfig context, else "default"). */
	const char *default_namespace;
	const struct diff_rules *rules; /* may be NULL */
};

/*
 * Plan objs against the cluster of c, appending one change per object to
 * set (in the order of objs):
 *   1. every kind is looked up in discovery; a kind the cluster does not
 *      serve is an error naming the object, unless a
 *      CustomResourceDefinition in objs defines it (with that version):
 *      such an object is planned as a create (crd_pending) without a GET.
 *      Nothing else is requested before every kind is known.
 *   2. namespaces are filled in (cluster-scoped objects lose theirs),
 *      and no two objects may then share an identity;
 *   3. every live object is read with a GET, all at once (as many in
 *      flight as the client allows), together with /openapi/v2 for the
 *      merge keys of built-in kinds (the built-in table when the server
 *      serves none); 404 means create;
 *   4. diff_compute for each.
 * Returns 0, or -1 with err (the object's origin and identity in front of
 * a failed request), set left with what was appended.
 */
int diff_plan(struct kube_client *c, const struct obj_list *objs,
	      const struct diff_plan_opts *opts, struct diff_set *set,
	      struct gerr *err);

/* ------------------------------------------------------------------ */
/* Output                                                               */

enum diff_write_flags {
	DIFF_COLOR = 1 << 0,   /* ANSI colors (a terminal) */
};

/*
 * The plan as people read it. For each change other than unchanged, in
 * order, a line "+ create ID", "~ update ID" or "- delete ID", its
 * unified diff, and an empty line; then
 *   Plan: N to create, N to update, N to delete, N unchanged.
 */
void diff_write_text(const struct diff_set *set, unsigned flags,
		     struct strbuf *out);

/*
 * The plan as programs read it (schema version 1, documented in
 * gantry-plan(1)), one JSON document ending with a newline:
 *   {"kind": "Plan", "version": 1, "server": ..., "context": ...,
 *    "namespace": ...,
 *    "summary": {"create": N, "update": N, "delete": N, "unchanged": N},
 *    "objects": [{"id", "apiVersion", "kind", "namespace", "name",
 *                 "action", "source", "resourceVersion",
 *                 "changes": [{"path", "op", "before", "after"}],
 *                 "diff"}, ...]}
 * "source", "resourceVersion" and "diff" are null where there is none;
 * "before" is left out of an add and "after" of a remove.
 */
void diff_write_json(const struct diff_set *set, struct strbuf *out);
/* The same document as a JSON value, to put inside another (gantry plan
 * on several apps). The caller owns the reference. */
json_t *diff_set_to_json(const struct diff_set *set);

/*
 * A saved plan (gantry plan --out): the JSON of diff_write_json with
 * "kind": "SavedPlan", and for each object also "uid", "desired",
 * "patch" and "patchType" (null where the change has none). Apply reads
 * it back with diff_load and refuses it when a live object's
 * resourceVersion moved. Written to a temporary file and renamed, mode
 * 0600 (it holds Secret data as the manifests do).
 */
int diff_save(const struct diff_set *set, const char *file,
	      struct gerr *err);
/* Read a saved plan into set (which must be empty): every field above
 * back, "before"/"after" masked as saved, live, last and result NULL.
 * -1 with err ("FILE: objects[3]: no desired object") on anything that is
 * not a saved plan of version 1. */
int diff_load(const char *file, struct diff_set *set, struct gerr *err);

#endif
