#ifndef GANTRY_MERGE_INTERNAL_H
#define GANTRY_MERGE_INTERNAL_H

/*
 * Shared between the files of pkg/merge only; not part of its API.
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/merge/merge.h"

/* One field of a type, as a Go struct tag or an OpenAPI property says. */
struct merge_field {
	const char *name;       /* JSON name; "*" stands for every key of a
	                           map whose values all have one type */
	const char *strategy;   /* as declared: "merge", "retainKeys",
	                           "merge,retainKeys", "replace" or NULL */
	const char *merge_key;  /* patchMergeKey, or NULL */
	unsigned merge : 1;     /* lists: merge items (by merge_key) */
	unsigned replace : 1;   /* maps: replace whole instead of merging */
	unsigned retain : 1;    /* send/honour $retainKeys */
	struct merge_type *type;/* the value's type (of each item for a
	                           list); NULL when nothing is known */
};

struct merge_type {
	const char *name;
	struct merge_field *fields;
	size_t nr, alloc;
};

struct merge_kind {
	const char *group, *kind;
	struct merge_type *type;
	int priority;           /* OpenAPI: which version's definition won */
};

struct merge_schema {
	struct merge_type **types;
	size_t nr_types, alloc_types;
	size_t nr_sorted;       /* types[0..nr_sorted) are sorted by name */
	struct merge_kind *kinds;
	size_t nr_kinds, alloc_kinds;
	struct strvec strings;  /* owns the strings of an OpenAPI schema */
	const struct merge_schema *fallback;
};

/* The field `name` of t (or its "*" field), or NULL. t may be NULL. */
const struct merge_field *merge_find_field(const struct merge_type *t,
					   const char *name);
/* Parse a declared strategy into f's flags; -1 when it is not one the
 * API machinery knows. */
int merge_field_set_strategy(struct merge_field *f, const char *strategy);

/* Classes of JSON values as Go's decoder sees them: all numbers are one
 * class (we compare numbers by value), true and false are one. */
enum mv_class { MV_NULL, MV_BOOL, MV_NUMBER, MV_STRING, MV_ARRAY, MV_OBJECT };
enum mv_class mv_class(const json_t *v);
const char *mv_class_name(enum mv_class c);

/* Go's fmt "%v" of a scalar, which Kubernetes uses to sort and compare
 * list items and merge keys. */
void mv_format(struct strbuf *sb, const json_t *v);
int mv_format_cmp(const json_t *a, const json_t *b);

/* Remove duplicates from a list of scalars in place, in the order the
 * Kubernetes code leaves them. */
void mv_dedupe_scalars(json_t *list);

/* A JSON pointer being built while walking a document, for errors. */
size_t mpath_push(struct strbuf *path, const char *key);
size_t mpath_push_index(struct strbuf *path, size_t i);
void mpath_pop(struct strbuf *path, size_t len);
const char *mpath_show(const struct strbuf *path);

/* Options of the map merge, as the API machinery names them. */
struct smp_options {
	int merge_parallel_list;    /* honour $deleteFromPrimitiveList (the
	                               server); else keep it (merging patches) */
	int ignore_unmatched_nulls; /* a null deletes and leaves no trace */
	int refuse_merge_directive; /* "$patch": "merge" is an error (the
	                               server), else a no-op (kustomize) */
};

/*
 * Merge patch into orig, both objects that the caller owns and allows to
 * be changed (they are working copies). Returns a new reference to the
 * result, or NULL with err set; `doc` names the patch in messages and
 * `path` is where patch sits in it.
 */
json_t *smp_merge_map(json_t *orig, json_t *patch,
		      const struct merge_type *t,
		      const struct smp_options *o, const char *doc,
		      struct strbuf *path, struct gerr *err);

/* RFC 7386 helpers used by the three-way merge for types without a
 * schema (kubectl's CreateThreeWayJSONMergePatch). */
json_t *mp_create(const json_t *from, const json_t *to);
json_t *mp_filter_nulls(const json_t *patch, int keep_nulls);

#endif
