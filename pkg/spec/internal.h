#ifndef GANTRY_SPEC_INTERNAL_H
#define GANTRY_SPEC_INTERNAL_H

/* Shared by the files of pkg/spec; not part of its API. */

#include "pkg/spec/spec.h"
#include "pkg/yaml/yaml.h"

/* One document being checked. */
struct pctx {
	const struct source *src;
	const struct yaml_doc *doc;
	const char *file;
	struct gerr *err;
};

/* A node of the document: its value (NULL when absent), its field path as
 * messages show it ("spec.sources[1].chart") and its JSON pointer
 * ("/spec/sources/1/chart") for the position. */
struct fld {
	const json_t *v;
	char *path;
	char *ptr;
};

struct fld fld_root(const json_t *v);
struct fld fld_key(const struct fld *parent, const char *key);
struct fld fld_index(const struct fld *parent, size_t i);
void fld_free(struct fld *f);

/* "FILE:LINE:COL: PATH: message"; returns -1. */
int fld_fail(struct pctx *c, const struct fld *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:LINE:COL" of the node, for messages made later. */
char *fld_where(struct pctx *c, const struct fld *f);
/* "a string", "a list", ... */
const char *json_kind_name(const json_t *v);

/* Type checks: each fails with "PATH: expected T, got U". An absent node
 * passes every check except fld_require. */
int fld_require(struct pctx *c, const struct fld *parent, const char *key);
int fld_is_object(struct pctx *c, const struct fld *f);
int fld_is_array(struct pctx *c, const struct fld *f);
/* Every key of the mapping f must be in known (NULL-terminated). */
int fld_known(struct pctx *c, const struct fld *f, const char *const *known);

/* Read one field of the mapping parent into *out (left alone when the
 * field is absent). Strings must be non-empty. */
int fld_string(struct pctx *c, const struct fld *parent, const char *key,
	       char **out);
int fld_bool(struct pctx *c, const struct fld *parent, const char *key,
	     int *out);
int fld_strings(struct pctx *c, const struct fld *parent, const char *key,
		struct strvec *out);
/* A mapping, kept as is (a new reference). */
int fld_map(struct pctx *c, const struct fld *parent, const char *key,
	    json_t **out);

/* A path written relative to dir (a path inside the repository) that
 * must exist inside the repository: the source path. type_ok says which
 * types are fine (bit 1 << SOURCE_FILE, 1 << SOURCE_DIR). */
int fld_repo_path(struct pctx *c, const struct fld *f, const char *dir,
		  unsigned type_ok, char **out);

/* order.c */
int spec_check_cycles(struct spec_repo *r, struct gerr *err);

#endif
