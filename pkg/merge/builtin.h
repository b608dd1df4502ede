#ifndef GANTRY_MERGE_BUILTIN_H
#define GANTRY_MERGE_BUILTIN_H

/* The rows of the built-in schema (builtin.c); schema.c builds the types
 * from them. Internal to pkg/merge. */

struct merge_builtin_row {
	const char *type, *field, *strategy, *merge_key, *value_type;
};

struct merge_builtin_kind {
	const char *group, *kind, *type;
};

/* Both end with a row of NULLs. */
extern const struct merge_builtin_row merge_builtin_fields[];
extern const struct merge_builtin_kind merge_builtin_kinds[];

#endif
