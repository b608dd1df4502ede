#ifndef GANTRY_OBJECT_H
#define GANTRY_OBJECT_H

/*
 * pkg/object — the "objects" stage of the pipeline: a list of Kubernetes
 * objects (jansson values) with where each came from, their identity, and
 * the checks every object must pass before anything is planned or applied.
 *
 * Identity is group/kind/namespace/name (DESIGN.md). It prints as
 * "apps/Deployment/volley/volley-operator"; the core group and an empty
 * namespace are left out ("ConfigMap/volley/settings", "Namespace/volley").
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"
#include "pkg/yaml/yaml.h"

struct obj {
	json_t *json;  /* owned */
	char *file;    /* owned; where the object was read, NULL if nowhere */
	int line;      /* line of its first key in file, 0 if unknown */
};

struct obj_list {
	struct obj *v;
	size_t nr, alloc;
};

#define OBJ_LIST_INIT { NULL, 0, 0 }

/* The API group of an apiVersion: "apps/v1" -> "apps", "v1" -> "". Writes
 * into buf (size n) and returns it. */
const char *obj_group(const json_t *obj, char *buf, size_t n);
const char *obj_kind(const json_t *obj);
const char *obj_name(const json_t *obj);
/* metadata.namespace, or "" */
const char *obj_namespace(const json_t *obj);

/* Append the printed identity of obj to sb. */
void obj_format_id(struct strbuf *sb, const json_t *obj);
/* "FILE:LINE" of an object, or its identity when it has no file. */
void obj_format_origin(struct strbuf *sb, const struct obj *o);

/* Check that obj is a mapping with a non-empty string apiVersion, kind and
 * metadata.name. The error names file:line when given. */
int obj_validate(const json_t *obj, const char *file, int line,
		 struct gerr *err);

/* Append a new object (takes the reference to json; copies file). */
void obj_list_push(struct obj_list *l, json_t *json, const char *file,
		   int line);
/* Validate each document of docs and move it into l; on error l is left
 * as it was. */
int obj_list_take_docs(struct obj_list *l, struct yaml_docs *docs,
		       struct gerr *err);
/* Read manifest files and directories (see source_collect_manifests) into
 * l, validating every object. */
int obj_list_load_paths(struct obj_list *l, const char *const *paths,
			size_t n, struct gerr *err);
/* The same through a source (pkg/source: a working tree or a commit);
 * src NULL is obj_list_load_paths. */
struct source;
int obj_list_load_source(struct obj_list *l, const struct source *src,
			 const char *const *paths, size_t n, struct gerr *err);
/* No two objects may share an identity: the error names both places. */
int obj_list_check_duplicates(const struct obj_list *l, struct gerr *err);
void obj_list_clear(struct obj_list *l);

/* One YAML stream, documents separated by "---" lines. */
void obj_list_write_yaml(const struct obj_list *l, struct strbuf *out);
/* One JSON array, pretty-printed with a two-space indent. */
void obj_list_write_json(const struct obj_list *l, struct strbuf *out);

#endif
