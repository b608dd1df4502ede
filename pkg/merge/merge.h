#ifndef GANTRY_MERGE_H
#define GANTRY_MERGE_H

/*
 * pkg/merge — the one implementation of Kubernetes patch semantics in gantry:
 * strategic merge patch (SMP), JSON merge patch (RFC 7386), JSON patch
 * (RFC 6902), and the three-way merge `kubectl apply` performs.
 *
 * CONTRACT (written by the lead before the module exists): kubesim, the
 * overlay module and plan are built against these declarations in parallel.
 * The merge module may ADD functions; it must not change these signatures
 * or their documented meaning.
 *
 * Ownership: every json_t returned is a new reference the caller owns;
 * inputs are never modified. const struct merge_type pointers returned by a
 * schema live as long as the schema (the builtin schema lives forever).
 */

#include <jansson.h>

#include "pkg/base/error.h"

/* Knows patchMergeKey / patchStrategy for object types. */
struct merge_schema;
/* The type of one kind of object, resolved in a schema. */
struct merge_type;

/* The built-in table for every kind kubesim serves (core, apps, batch, rbac,
 * networking, policy, autoscaling, storage, scheduling, coordination,
 * apiextensions, apiregistration), as Kubernetes' Go types declare it:
 * containers/initContainers/ephemeralContainers by name, container ports by
 * containerPort, Service ports by port, env by name, volumes by name,
 * volumeMounts by mountPath, imagePullSecrets by name, hostAliases by ip,
 * conditions by type, finalizers merge as a set, ... and retainKeys where
 * the Go types declare it. (Tolerations have no patch strategy in the Go
 * types: a patch replaces the whole list.) Never NULL; never freed.
 * Safe to call from several threads. */
const struct merge_schema *merge_schema_builtin(void);

/* A schema read from an OpenAPI v2 document (/openapi/v2) using its
 * x-kubernetes-patch-merge-key and x-kubernetes-patch-strategy extensions;
 * kinds it does not describe fall back to the builtin table. Where several
 * versions of a kind are described, the preferred one (GA over beta over
 * alpha, then the highest) wins. Returns NULL with err set when the
 * document has no definitions or declares a strategy Kubernetes does not
 * know; the caller frees the schema with merge_schema_free().
 * Custom resources are described in /openapi/v2 too; the API server takes
 * no strategic merge patch for them and kubectl uses JSON merge patch, so
 * callers use a NULL type for a custom resource whatever the schema says. */
struct merge_schema *merge_schema_from_openapi(const json_t *openapi_v2,
					       struct gerr *err);
void merge_schema_free(struct merge_schema *s);

/* The type of objects of this API group ("" for core) and kind, or NULL
 * when the schema does not know it (custom resources): NULL means "JSON
 * merge patch rules", and every function below accepts a NULL type. */
const struct merge_type *merge_schema_lookup(const struct merge_schema *s,
					     const char *group,
					     const char *kind);

/* The patch strategy of the field at path in objects of type t — a JSON
 * pointer without list indices, e.g. "/spec/template/spec/containers":
 * *strategy is "merge", "retainKeys", "merge,retainKeys" or NULL (replace),
 * *merge_key the list's merge key or NULL. Returns 0, or -1 when t is NULL
 * or the path is not a field the type knows. kubesim publishes the same
 * facts as x-kubernetes-patch-* extensions in its OpenAPI.
 * (One more value exists: "replace" on a map field that is replaced whole
 * instead of merged, as PodDisruptionBudget's spec.selector.) The built-in
 * types know the fields that carry a strategy, the object fields leading
 * to them, and some lists that have none; a schema from OpenAPI knows
 * every property. */
int merge_type_field(const struct merge_type *t, const char *path,
		     const char **strategy, const char **merge_key);

/* Apply a strategic merge patch to obj, as the API server does for
 * application/strategic-merge-patch+json: maps merge, null deletes, lists
 * merge by key where the type says so (else are replaced), and the
 * directives $patch (merge/replace/delete), $retainKeys,
 * $deleteFromPrimitiveList/<field> and $setElementOrder/<field> are
 * honoured. With a NULL type this is a JSON merge patch. Returns the new
 * object, or NULL with err naming the path of a malformed patch.
 * ("$patch": "merge" means "merge as usual" and is dropped, as kustomize
 * reads it; the API server refuses it, see MERGE_AS_SERVER. Both obj and
 * patch must be JSON objects.) */
json_t *merge_apply_strategic(const struct merge_type *t, const json_t *obj,
			      const json_t *patch, struct gerr *err);

/* RFC 7386 JSON merge patch. Never fails. */
json_t *merge_apply_merge_patch(const json_t *obj, const json_t *patch);

/* RFC 6902 JSON patch (add, remove, replace, move, copy, test). Returns the
 * new document, or NULL with err naming the failing operation's index, op
 * and path (e.g. "operation 2 (remove /spec/x): path does not exist"). */
json_t *merge_apply_json_patch(const json_t *doc, const json_t *ops,
			       struct gerr *err);

/* The patch `kubectl apply` sends (CreateThreeWayMergePatch): changes that
 * turn live into desired, plus deletions of what was in last (the
 * last-applied configuration, may be NULL) and is gone from desired; fields
 * only in live are left alone. Strategic for a known type, JSON merge patch
 * rules for NULL. Returns the patch ({} when nothing changes).
 * (live may be NULL too, meaning {}. Numbers compare by value. The patch
 * need not be {} when nothing would change: like kubectl it may carry an
 * order that is already so, or a replace-strategy field unchanged; compare
 * merge_apply_strategic(t, live, patch) with live to know. Errors name the
 * place in the objects: "three-way merge at /spec/...: ...".) */
json_t *merge_three_way_patch(const struct merge_type *t, const json_t *last,
			      const json_t *desired, const json_t *live,
			      struct gerr *err);

/* ---- Added by pkg/merge (beyond the contract) ---- */

enum merge_flags {
	/* Read "$patch": "merge" as the API server does: it refuses it (the
	 * strategic merge patch design keeps "merge" for struct tags), with
	 * "patch /spec/x/$patch: unknown patch directive "merge" (...)".
	 * For kubesim. */
	MERGE_AS_SERVER = 1 << 0,
};

/* merge_apply_strategic() with flags (enum merge_flags). */
json_t *merge_apply_strategic_flags(const struct merge_type *t,
				    const json_t *obj, const json_t *patch,
				    unsigned flags, struct gerr *err);

/* Call fn for each kind the schema describes (not its fallback): group
 * ("" for core), kind and type. Stops at the first non-zero return of fn
 * and returns it; 0 when all were visited. */
int merge_schema_foreach_kind(const struct merge_schema *s,
			      int (*fn)(const char *group, const char *kind,
					const struct merge_type *t,
					void *data),
			      void *data);

/* Call fn for every field t knows, depth first, with the path
 * merge_type_field() takes and the field's strategy and merge key (either
 * may be NULL). A type that contains itself (OpenAPI's JSONSchemaProps) is
 * entered once per path. Stops at the first non-zero return of fn and
 * returns it. */
int merge_type_walk(const struct merge_type *t,
		    int (*fn)(const char *path, const char *strategy,
			      const char *merge_key, void *data),
		    void *data);

/* JSON equality as Kubernetes tooling means it: numbers compare by value
 * (1 equals 1.0), objects without regard to member order, lists in order.
 * Two NULL pointers are equal; NULL never equals a value. */
int merge_json_equal(const json_t *a, const json_t *b);

#endif
