#ifndef GANTRY_YAML_H
#define GANTRY_YAML_H

/*
 * pkg/yaml — YAML <-> JSON the way Kubernetes tooling reads and writes it.
 *
 * Reading follows the typing kubectl gives a file (sigs.k8s.io/yaml on top of
 * go-yaml v2, i.e. YAML 1.1 for unquoted scalars): yes/no/on/off/y/n are
 * booleans, 0x/0o/0b/leading-zero integers, `_` separators, timestamps stay
 * strings, anchors/aliases/`<<` merge keys, tags !!str !!int !!float !!bool
 * !!null !!binary. Mapping keys always become strings, as in JSON. A float
 * that is a whole number is stored as a JSON integer, because that is how it
 * reaches the API server (encoding/json prints 1e3 as 1000). `.inf` and
 * `.nan` are rejected: JSON cannot carry them, and kubectl fails on them too.
 *
 * Writing produces block YAML as kubectl prints it: 2-space indent, sequences
 * at their key's indent, keys in stored order, multi-line strings as `|`
 * blocks, and strings quoted whenever their plain form would read back as
 * something else under YAML 1.1 or 1.2.
 *
 * Ownership: every json_t handed out is a new reference owned by the
 * receiving struct or caller; yaml_docs_clear() releases a whole list.
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"

struct yaml_doc {
	json_t *value;    /* owned; JSON null for an empty document */
	int line, col;    /* 1-based start of the document's content */
	json_t *pos;      /* owned, may be NULL: JSON pointer -> [line, col],
	                     only with YAML_POSITIONS */
};

struct yaml_docs {
	struct yaml_doc *v;
	size_t nr, alloc;
	char *file;       /* owned copy of the name used in messages */
};

#define YAML_DOCS_INIT { NULL, 0, 0, NULL }

enum yaml_flags {
	/* Record where every mapping key and sequence item starts, for
	 * yaml_doc_position(). Costs memory; spec files use it, manifests
	 * do not. */
	YAML_POSITIONS = 1 << 0,
	/* The same for the root mapping's keys and their direct children
	 * only ("/kind", "/items/3"): cheap enough for manifests. */
	YAML_POSITIONS_SHALLOW = 1 << 1,
	/* Accept a key given twice in one mapping, the later value winning,
	 * as go-yaml v2 does outside strict mode (what Helm reads rendered
	 * templates and values with); kubectl is strict, and so is the
	 * default. */
	YAML_DUPLICATE_KEYS = 1 << 2,
	/* Type unquoted scalars as kustomize reads resources (kyaml, on
	 * go-yaml v3): yes/no/on/off/y/n stay strings, only true/false are
	 * booleans, and a timestamp becomes the RFC 3339 string Go prints
	 * for it ("2024-01-02" -> "2024-01-02T00:00:00Z"). */
	YAML_KYAML = 1 << 3,
};

/*
 * Parse a stream of YAML documents from buf (len bytes, need not be NUL-
 * terminated). `file` names the input in messages. Documents are appended
 * to docs, including empty ones (value JSON null). Returns 0, or -1 with
 * err set to "FILE:LINE:COL: problem"; on error docs is left as it was
 * before the call.
 */
int yaml_parse(const char *buf, size_t len, const char *file, unsigned flags,
	       struct yaml_docs *docs, struct gerr *err);

/*
 * Parse a stream of Kubernetes manifests: as yaml_parse(), then skip empty
 * documents, require each document to be a mapping, and expand `kind: List`
 * (any kind ending in "List" with an `items` array, as kubectl does) into
 * its items, each keeping the position of its item.
 */
int yaml_parse_manifests(const char *buf, size_t len, const char *file,
			 struct yaml_docs *docs, struct gerr *err);

/* Parse exactly one document holding any value (a values file, a fragment
 * in a template). An empty input gives JSON null. Caller owns the result. */
json_t *yaml_parse_value(const char *buf, size_t len, const char *file,
			 struct gerr *err);

/* Position of the node at JSON pointer `ptr` ("" is the root), or of its
 * nearest recorded ancestor. Returns 0 and sets line/col, or -1 when the
 * document has no positions. */
int yaml_doc_position(const struct yaml_doc *doc, const char *ptr,
		      int *line, int *col);

/* Release every document and the list itself; docs can be reused. */
void yaml_docs_clear(struct yaml_docs *docs);

/*
 * Append `value` as block YAML (no leading "---", ends with a newline).
 * Scalars at the top level print as a single line. Never fails: every JSON
 * value has a YAML form.
 */
void yaml_emit(struct strbuf *out, const json_t *value);

/* The same, with long strings folded as go-yaml v2 folds them (what
 * `kubectl kustomize` prints): a plain or quoted string breaks at a space
 * once its line is longer than `width` (go-yaml's is 80), continuing two
 * columns right of its key or "- ". The text reads back the same. */
void yaml_emit_width(struct strbuf *out, const json_t *value, int width);

/* Write a string scalar as YAML would need it at the end of "key: " — plain
 * when it reads back as the same string, quoted otherwise. Multi-line strings
 * are quoted here (block scalars need an indent; yaml_emit handles those). */
void yaml_emit_string_scalar(struct strbuf *out, const char *s, size_t len);

enum yaml_json_flags {
	YAML_JSON_PRETTY = 1 << 0,    /* newlines and two-space indent */
	YAML_JSON_SORT_KEYS = 1 << 1, /* as Go's encoding/json orders a map */
	YAML_JSON_ESCAPE_HTML = 1 << 2, /* <, >, & as \u003c... (json.Marshal,
	                                   kubectl's last-applied annotation) */
};

/* Append value as JSON text (no trailing newline) exactly as Go's
 * encoding/json writes it: its number format, its string escaping (see
 * pkg/yaml/json.c), MarshalIndent(v, "", "  ") with YAML_JSON_PRETTY.
 * The one Go-style JSON writer of gantry: the last-applied annotation,
 * kustomize's name hashes and Sprig's toJson all go through it. */
void yaml_write_json(struct strbuf *out, const json_t *value, unsigned flags);

/* Append a JSON number the way Go formats a float64 with %v / 'g' and the
 * shortest precision that reads back exactly ("1e+06", "0.1", "1.5e-07").
 * Shared with the template module, which must print numbers as Helm does. */
void yaml_format_float(struct strbuf *out, double d);

#endif
