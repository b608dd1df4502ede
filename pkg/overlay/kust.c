/*
 * Reading a kustomization file: find it in its directory, parse it (with
 * kubectl's YAML typing, as kustomize reads it), and check every field
 * against the shape kustomize 5.5 accepts, so that a typo or a wrong type
 * stops the build with the file, line and column instead of surprising it
 * later. kustomize rejects the same inputs (unknown fields, a number where
 * a string belongs), with less precise messages.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"

enum ktype {
	K_STR,
	K_BOOL,
	K_INT,
	K_STRLIST,
	K_STRMAP,
	K_BOOLMAP,
	K_MAP,  /* a mapping with the fields in sub */
	K_LIST, /* a list of such mappings */
	K_ANY,
};

struct kfield {
	const char *name;
	enum ktype type;
	const struct kfield *sub;
};

#define END { NULL, 0, NULL }

static const struct kfield f_fieldspec[] = {
	{ "group", K_STR, NULL },   { "version", K_STR, NULL },
	{ "kind", K_STR, NULL },    { "path", K_STR, NULL },
	{ "create", K_BOOL, NULL }, END,
};

static const struct kfield f_selector[] = {
	{ "group", K_STR, NULL },
	{ "version", K_STR, NULL },
	{ "kind", K_STR, NULL },
	{ "name", K_STR, NULL },
	{ "namespace", K_STR, NULL },
	{ "labelSelector", K_STR, NULL },
	{ "annotationSelector", K_STR, NULL },
	END,
};

static const struct kfield f_patch[] = {
	{ "path", K_STR, NULL },      { "patch", K_STR, NULL },
	{ "target", K_MAP, f_selector }, { "options", K_BOOLMAP, NULL },
	END,
};

static const struct kfield f_genopts[] = {
	{ "labels", K_STRMAP, NULL },
	{ "annotations", K_STRMAP, NULL },
	{ "disableNameSuffixHash", K_BOOL, NULL },
	{ "immutable", K_BOOL, NULL },
	END,
};

static const struct kfield f_cmgen[] = {
	{ "name", K_STR, NULL },      { "namespace", K_STR, NULL },
	{ "behavior", K_STR, NULL },  { "literals", K_STRLIST, NULL },
	{ "files", K_STRLIST, NULL }, { "envs", K_STRLIST, NULL },
	{ "env", K_STR, NULL },       { "options", K_MAP, f_genopts },
	END,
};

static const struct kfield f_secretgen[] = {
	{ "name", K_STR, NULL },      { "namespace", K_STR, NULL },
	{ "behavior", K_STR, NULL },  { "literals", K_STRLIST, NULL },
	{ "files", K_STRLIST, NULL }, { "envs", K_STRLIST, NULL },
	{ "env", K_STR, NULL },       { "options", K_MAP, f_genopts },
	{ "type", K_STR, NULL },      END,
};

static const struct kfield f_image[] = {
	{ "name", K_STR, NULL },   { "newName", K_STR, NULL },
	{ "newTag", K_STR, NULL }, { "digest", K_STR, NULL },
	{ "tagSuffix", K_STR, NULL }, END,
};

static const struct kfield f_replica[] = {
	{ "name", K_STR, NULL },
	{ "count", K_INT, NULL },
	END,
};

static const struct kfield f_label[] = {
	{ "pairs", K_STRMAP, NULL },
	{ "includeSelectors", K_BOOL, NULL },
	{ "includeTemplates", K_BOOL, NULL },
	{ "fields", K_LIST, f_fieldspec },
	END,
};

static const struct kfield f_objref[] = {
	{ "apiVersion", K_STR, NULL }, { "group", K_STR, NULL },
	{ "version", K_STR, NULL },    { "kind", K_STR, NULL },
	{ "name", K_STR, NULL },       { "namespace", K_STR, NULL },
	END,
};

static const struct kfield f_fieldref[] = {
	{ "fieldpath", K_STR, NULL },
	END,
};

static const struct kfield f_var[] = {
	{ "name", K_STR, NULL },
	{ "objref", K_MAP, f_objref },
	{ "fieldref", K_MAP, f_fieldref },
	END,
};

static const struct kfield f_legacysort[] = {
	{ "orderFirst", K_STRLIST, NULL },
	{ "orderLast", K_STRLIST, NULL },
	END,
};

static const struct kfield f_sort[] = {
	{ "order", K_STR, NULL },
	{ "legacySortOptions", K_MAP, f_legacysort },
	END,
};

static const struct kfield f_replopts[] = {
	{ "delimiter", K_STR, NULL },
	{ "index", K_INT, NULL },
	{ "create", K_BOOL, NULL },
	END,
};

static const struct kfield f_source[] = {
	{ "group", K_STR, NULL },     { "version", K_STR, NULL },
	{ "kind", K_STR, NULL },      { "name", K_STR, NULL },
	{ "namespace", K_STR, NULL }, { "fieldPath", K_STR, NULL },
	{ "options", K_MAP, f_replopts }, END,
};

static const struct kfield f_target[] = {
	{ "select", K_MAP, f_selector },
	{ "reject", K_LIST, f_selector },
	{ "fieldPaths", K_STRLIST, NULL },
	{ "options", K_MAP, f_replopts },
	END,
};

static const struct kfield f_replacement[] = {
	{ "path", K_STR, NULL },
	{ "source", K_MAP, f_source },
	{ "targets", K_LIST, f_target },
	END,
};

static const struct kfield f_kustomization[] = {
	{ "apiVersion", K_STR, NULL },
	{ "kind", K_STR, NULL },
	{ "metadata", K_ANY, NULL },
	{ "openapi", K_STRMAP, NULL },
	{ "namePrefix", K_STR, NULL },
	{ "nameSuffix", K_STR, NULL },
	{ "namespace", K_STR, NULL },
	{ "commonLabels", K_STRMAP, NULL },
	{ "labels", K_LIST, f_label },
	{ "commonAnnotations", K_STRMAP, NULL },
	{ "patchesStrategicMerge", K_STRLIST, NULL },
	{ "patchesJson6902", K_LIST, f_patch },
	{ "patches", K_LIST, f_patch },
	{ "images", K_LIST, f_image },
	{ "imageTags", K_LIST, f_image },
	{ "replacements", K_LIST, f_replacement },
	{ "replicas", K_LIST, f_replica },
	{ "vars", K_LIST, f_var },
	{ "sortOptions", K_MAP, f_sort },
	{ "resources", K_STRLIST, NULL },
	{ "components", K_STRLIST, NULL },
	{ "crds", K_STRLIST, NULL },
	{ "bases", K_STRLIST, NULL },
	{ "configMapGenerator", K_LIST, f_cmgen },
	{ "secretGenerator", K_LIST, f_secretgen },
	{ "helmGlobals", K_ANY, NULL },
	{ "helmCharts", K_ANY, NULL },
	{ "helmChartInflationGenerator", K_ANY, NULL },
	{ "generatorOptions", K_MAP, f_genopts },
	{ "configurations", K_STRLIST, NULL },
	{ "generators", K_STRLIST, NULL },
	{ "transformers", K_STRLIST, NULL },
	{ "validators", K_STRLIST, NULL },
	{ "buildMetadata", K_STRLIST, NULL },
	END,
};

/* ---- positions and messages ----------------------------------------- */

void kust_where(const struct kust *kt, const char *ptr, struct strbuf *sb)
{
	struct yaml_doc doc = { kt->k, 0, 0, kt->pos };
	int line = 0, col = 0;
	strbuf_addstr(sb, kt->file);
	if (kt->pos && yaml_doc_position(&doc, ptr, &line, &col) == 0 && line)
		strbuf_addf(sb, ":%d:%d", line, col);
}

int kust_line(const struct kust *kt, const char *ptr)
{
	struct yaml_doc doc = { kt->k, 0, 0, kt->pos };
	int line = 0, col = 0;
	if (kt->pos && yaml_doc_position(&doc, ptr, &line, &col) == 0)
		return line;
	return 0;
}

int kust_fail(const struct kust *kt, const char *ptr, struct gerr *err,
	      const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	kust_where(kt, ptr, &sb);
	strbuf_addstr(&sb, ": ");
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	gerr_setc(err, GERR_INPUT, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* ---- validation ---------------------------------------------------------- */

static void ptr_add(struct strbuf *ptr, const char *key)
{
	strbuf_addch(ptr, '/');
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			strbuf_addstr(ptr, "~0");
		else if (*p == '/')
			strbuf_addstr(ptr, "~1");
		else
			strbuf_addch(ptr, *p);
	}
}

/* "commonLabels.app" and "patches[0].path" from JSON pointers, for
 * messages. */
static void ptr_dotted(const char *ptr, struct strbuf *out)
{
	for (const char *p = ptr; *p;) {
		const char *e = strchr(p + 1, '/');
		size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
		const char *seg = p + 1;
		if (n && strspn(seg, "0123456789") >= n) {
			strbuf_addf(out, "[%.*s]", (int)n, seg);
		} else {
			if (out->len)
				strbuf_addch(out, '.');
			for (size_t i = 0; i < n; i++) {
				if (seg[i] == '~' && i + 1 < n && seg[i + 1] == '1') {
					strbuf_addch(out, '/');
					i++;
				} else if (seg[i] == '~' && i + 1 < n &&
					   seg[i + 1] == '0') {
					strbuf_addch(out, '~');
					i++;
				} else {
					strbuf_addch(out, seg[i]);
				}
			}
		}
		p = e ? e : p + 1 + n;
	}
}

void kust_ptr_text(const char *ptr, struct strbuf *out)
{
	ptr_dotted(ptr, out);
}

static const char *type_word(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "a mapping";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "a number";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

static int bad_type(const struct kust *kt, struct strbuf *ptr,
		    const json_t *v, const char *want, struct gerr *err)
{
	struct strbuf d = STRBUF_INIT;
	ptr_dotted(ptr->buf, &d);
	kust_fail(kt, ptr->buf, err, "%s: must be %s, not %s%s", d.buf, want,
		  type_word(v),
		  (json_is_boolean(v) || json_is_number(v)) &&
				  !strcmp(want, "a string")
			  ? " (quote it)"
			  : "");
	strbuf_release(&d);
	return -1;
}

static int check_fields(const struct kust *kt, struct strbuf *ptr,
			json_t *obj, const struct kfield *fields,
			struct gerr *err);

static int check_value(const struct kust *kt, struct strbuf *ptr,
		       const json_t *v, const struct kfield *f,
		       struct gerr *err)
{
	size_t len = ptr->len, i;
	const char *key;
	const json_t *e;
	int rc = 0;

	if (json_is_null(v))
		return 0; /* as in Go: null leaves the zero value */
	switch (f->type) {
	case K_STR:
		return json_is_string(v) ? 0 : bad_type(kt, ptr, v, "a string", err);
	case K_BOOL:
		return json_is_boolean(v) ? 0
					  : bad_type(kt, ptr, v, "true or false", err);
	case K_INT:
		return json_is_integer(v) ? 0
					  : bad_type(kt, ptr, v, "an integer", err);
	case K_ANY:
		return 0;
	case K_STRLIST:
	case K_LIST:
		if (!json_is_array(v))
			return bad_type(kt, ptr, v, "a list", err);
		json_array_foreach(v, i, e) {
			strbuf_addf(ptr, "/%zu", i);
			if (f->type == K_LIST) {
				if (json_is_string(e)) {
					struct strbuf d = STRBUF_INIT;
					ptr_dotted(ptr->buf, &d);
					rc = kust_fail(kt, ptr->buf, err,
						       "%s: must be a mapping, "
						       "not a string (kustomize "
						       "5 no longer takes a "
						       "bare file name here; "
						       "write '- path: FILE')",
						       d.buf);
					strbuf_release(&d);
				} else if (!json_is_object(e) && !json_is_null(e)) {
					rc = bad_type(kt, ptr, e, "a mapping", err);
				} else {
					rc = check_fields(kt, ptr, (json_t *)e,
							  f->sub, err);
				}
			} else if (!json_is_string(e) && !json_is_null(e)) {
				rc = bad_type(kt, ptr, e, "a string", err);
			}
			strbuf_setlen(ptr, len);
			if (rc < 0)
				return -1;
		}
		return 0;
	case K_STRMAP:
	case K_BOOLMAP:
		if (!json_is_object(v))
			return bad_type(kt, ptr, v, "a mapping", err);
		json_object_foreach((json_t *)v, key, e) {
			ptr_add(ptr, key);
			if (json_is_null(e))
				rc = 0;
			else if (f->type == K_STRMAP && !json_is_string(e))
				rc = bad_type(kt, ptr, e, "a string", err);
			else if (f->type == K_BOOLMAP && !json_is_boolean(e))
				rc = bad_type(kt, ptr, e, "true or false", err);
			strbuf_setlen(ptr, len);
			if (rc < 0)
				return -1;
		}
		return 0;
	case K_MAP:
		if (!json_is_object(v))
			return bad_type(kt, ptr, v, "a mapping", err);
		return check_fields(kt, ptr, (json_t *)v, f->sub, err);
	}
	return 0;
}

/* Go's encoding/json matches field names without regard to case (and
 * kustomize reads kustomizations with it), so `patchesJSON6902` is
 * patchesJson6902: such keys are renamed to the canonical spelling. */
static const struct kfield *lookup_field(const struct kfield *fields,
					 const char *key, int *folded)
{
	const struct kfield *f;
	*folded = 0;
	for (f = fields; f->name; f++)
		if (!strcmp(f->name, key))
			return f;
	for (f = fields; f->name; f++)
		if (!strcasecmp(f->name, key)) {
			*folded = 1;
			return f;
		}
	return NULL;
}

static int check_fields(const struct kust *kt, struct strbuf *ptr,
			json_t *obj, const struct kfield *fields,
			struct gerr *err)
{
	const char *key;
	json_t *v;
	size_t len = ptr->len;
	struct strvec rename = STRVEC_INIT;
	int rc = 0;

	if (!obj || json_is_null(obj))
		return 0;
	json_object_foreach(obj, key, v) {
		int folded;
		const struct kfield *f = lookup_field(fields, key, &folded);
		ptr_add(ptr, key);
		if (!f) {
			struct strbuf d = STRBUF_INIT;
			ptr_dotted(ptr->buf, &d);
			rc = kust_fail(kt, ptr->buf, err,
				       "unknown field \"%s\"", d.buf);
			strbuf_release(&d);
		} else {
			rc = check_value(kt, ptr, v, f, err);
			if (folded && !json_object_get(obj, f->name)) {
				strvec_push(&rename, key);
				strvec_push(&rename, f->name);
			}
		}
		strbuf_setlen(ptr, len);
		if (rc < 0)
			break;
	}
	for (size_t i = 0; !rc && i + 1 < rename.nr; i += 2) {
		json_t *val = json_incref(json_object_get(obj, rename.v[i]));
		json_object_del(obj, rename.v[i]);
		json_object_set_new(obj, rename.v[i + 1], val);
	}
	strvec_clear(&rename);
	return rc;
}

/* ---- loading --------------------------------------------------------------- */

static const char *const kust_names[] = { "kustomization.yaml",
					  "kustomization.yml", "Kustomization" };

const char *kust_file_name(const struct source *src, const char *dir)
{
	for (size_t i = 0; i < 3; i++) {
		char *p = kpath_join(dir, kust_names[i]);
		int ok = kfs_is(src, p, SOURCE_FILE);
		free(p);
		if (ok)
			return kust_names[i];
	}
	return NULL;
}

static int check_kind(struct kust *kt, struct gerr *err)
{
	const json_t *kind = json_object_get(kt->k, "kind");
	const json_t *api = json_object_get(kt->k, "apiVersion");
	const char *k = json_is_string(kind) ? json_string_value(kind) : "";
	const char *a = json_is_string(api) ? json_string_value(api) : "";

	if (!*k || !strcmp(k, "Kustomization")) {
		if (*a && strcmp(a, "kustomize.config.k8s.io/v1beta1"))
			return kust_fail(kt, "/apiVersion", err,
					 "apiVersion of a Kustomization must "
					 "be kustomize.config.k8s.io/v1beta1, "
					 "not %s", a);
		kt->is_component = 0;
	} else if (!strcmp(k, "Component")) {
		if (*a && strcmp(a, "kustomize.config.k8s.io/v1alpha1"))
			return kust_fail(kt, "/apiVersion", err,
					 "apiVersion of a Component must be "
					 "kustomize.config.k8s.io/v1alpha1, "
					 "not %s", a);
		kt->is_component = 1;
	} else {
		return kust_fail(kt, "/kind", err,
				 "kind must be Kustomization or Component, "
				 "not %s", k);
	}
	return 0;
}

int kust_load(struct kust *kt, struct kbuild *b, const char *dir,
	      struct gerr *err)
{
	const char *found = NULL;
	int n = 0;
	struct yaml_docs docs = YAML_DOCS_INIT;

	memset(kt, 0, sizeof(*kt));
	kt->b = b;
	kt->dir = xstrdup(dir);
	struct strvec found_files = STRVEC_INIT;
	for (size_t i = 0; i < 3; i++) {
		char *p = kpath_join(dir, kust_names[i]);
		if (kfs_is(b->src, p, SOURCE_FILE)) {
			if (!found)
				found = kust_names[i];
			n++;
			strvec_push(&found_files, p);
		}
		free(p);
	}
	if (!found) {
		strvec_clear(&found_files);
		return gerr_setc(err, GERR_INPUT,
				 "%s: no kustomization.yaml, "
				 "kustomization.yml or Kustomization in this "
				 "directory", dir);
	}
	kt->file = kpath_join(dir, found);
	if (n > 1) {
		gerr_setc(err, GERR_INPUT,
			  "%s and %s: two kustomization files in one "
			  "directory; keep one",
			  found_files.v[0], found_files.v[1]);
		strvec_clear(&found_files);
		return -1;
	}
	strvec_clear(&found_files);
	kt->dir_real = kfs_realpath(b, dir);
	if (!kt->dir_real)
		return gerr_setc(err, GERR_IO, "%s: cannot resolve the "
				 "directory", dir);

	size_t len;
	char *buf = source_read(b->src, kt->file, &len, err);
	if (!buf)
		return -1;
	int rc = yaml_parse(buf, len, kt->file, YAML_POSITIONS, &docs, err);
	free(buf);
	if (rc < 0) {
		yaml_docs_clear(&docs);
		return -1;
	}
	size_t ndocs = 0, at = 0;
	for (size_t i = 0; i < docs.nr; i++)
		if (!json_is_null(docs.v[i].value))
			ndocs++, at = i;
	if (ndocs > 1) {
		yaml_docs_clear(&docs);
		return gerr_setc(err, GERR_INPUT,
				 "%s: a kustomization file holds one YAML "
				 "document, this one has %zu", kt->file, ndocs);
	}
	if (ndocs == 0) {
		yaml_docs_clear(&docs);
		return gerr_setc(err, GERR_INPUT,
				 "%s: the kustomization is empty", kt->file);
	} else {
		kt->k = json_incref(docs.v[at].value);
		kt->pos = docs.v[at].pos ? json_incref(docs.v[at].pos) : NULL;
	}
	yaml_docs_clear(&docs);
	if (!json_is_object(kt->k))
		return kust_fail(kt, "", err, "a kustomization must be a "
				 "mapping, not %s", type_word(kt->k));

	struct strbuf ptr = STRBUF_INIT;
	const struct kfield top = { "", K_MAP, f_kustomization };
	rc = check_value(kt, &ptr, kt->k, &top, err);
	strbuf_release(&ptr);
	if (rc < 0)
		return -1;
	return check_kind(kt, err);
}

void kust_release(struct kust *kt)
{
	free(kt->dir);
	free(kt->dir_real);
	free(kt->file);
	json_decref(kt->k);
	json_decref(kt->pos);
	if (kt->openapi)
		kpatch_free_schema(kt->openapi);
	memset(kt, 0, sizeof(*kt));
}
