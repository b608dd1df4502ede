#include "pkg/object/object.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strvec.h"
#include "pkg/source/source.h"

const char *obj_group(const json_t *obj, char *buf, size_t n)
{
	const char *av = json_string_value(json_object_get(obj, "apiVersion"));
	const char *slash = av ? strchr(av, '/') : NULL;
	size_t len = slash ? (size_t)(slash - av) : 0;
	if (len >= n)
		len = n - 1;
	memcpy(buf, av ? av : "", len);
	buf[len] = '\0';
	return buf;
}

static const char *string_or_empty(const json_t *v)
{
	const char *s = json_string_value(v);
	return s ? s : "";
}

const char *obj_kind(const json_t *obj)
{
	return string_or_empty(json_object_get(obj, "kind"));
}

const char *obj_name(const json_t *obj)
{
	return string_or_empty(
		json_object_get(json_object_get(obj, "metadata"), "name"));
}

const char *obj_namespace(const json_t *obj)
{
	return string_or_empty(
		json_object_get(json_object_get(obj, "metadata"), "namespace"));
}

void obj_format_id(struct strbuf *sb, const json_t *obj)
{
	char group[256];
	obj_group(obj, group, sizeof(group));
	if (*group)
		strbuf_addf(sb, "%s/", group);
	strbuf_addstr(sb, obj_kind(obj));
	if (*obj_namespace(obj))
		strbuf_addf(sb, "/%s", obj_namespace(obj));
	strbuf_addf(sb, "/%s", obj_name(obj));
}

void obj_format_origin(struct strbuf *sb, const struct obj *o)
{
	if (!o->file) {
		obj_format_id(sb, o->json);
		return;
	}
	strbuf_addstr(sb, o->file);
	if (o->line)
		strbuf_addf(sb, ":%d", o->line);
}

static int nonempty_string(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 0;
}

int obj_validate(const json_t *obj, const char *file, int line,
		 struct gerr *err)
{
	if (!json_is_object(obj))
		return gerr_at(err, file, line, 0,
			       "a Kubernetes object must be a mapping");
	const json_t *av = json_object_get(obj, "apiVersion");
	const json_t *kind = json_object_get(obj, "kind");
	const json_t *md = json_object_get(obj, "metadata");

	if (!nonempty_string(av))
		return gerr_at(err, file, line, 0,
			       "object has no apiVersion%s",
			       av ? " string" : "");
	if (!nonempty_string(kind))
		return gerr_at(err, file, line, 0,
			       "object (apiVersion %s) has no kind%s",
			       json_string_value(av), kind ? " string" : "");
	if (md && !json_is_object(md))
		return gerr_at(err, file, line, 0,
			       "%s: metadata must be a mapping",
			       json_string_value(kind));
	if (!nonempty_string(json_object_get(md, "name")))
		return gerr_at(err, file, line, 0,
			       "%s object has no metadata.name",
			       json_string_value(kind));
	const json_t *ns = json_object_get(md, "namespace");
	if (ns && !json_is_string(ns) && !json_is_null(ns))
		return gerr_at(err, file, line, 0,
			       "%s %s: metadata.namespace must be a string",
			       json_string_value(kind), obj_name(obj));
	return 0;
}

void obj_list_push(struct obj_list *l, json_t *json, const char *file,
		   int line)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr].json = json;
	l->v[l->nr].file = file ? xstrdup(file) : NULL;
	l->v[l->nr].line = line;
	l->nr++;
}

static void truncate_list(struct obj_list *l, size_t nr)
{
	while (l->nr > nr) {
		l->nr--;
		json_decref(l->v[l->nr].json);
		free(l->v[l->nr].file);
	}
}

int obj_list_take_docs(struct obj_list *l, struct yaml_docs *docs,
		       struct gerr *err)
{
	for (size_t i = 0; i < docs->nr; i++)
		if (obj_validate(docs->v[i].value, docs->file, docs->v[i].line,
				 err) < 0)
			return -1;
	for (size_t i = 0; i < docs->nr; i++) {
		obj_list_push(l, docs->v[i].value, docs->file,
			      docs->v[i].line);
		docs->v[i].value = json_null();
	}
	return 0;
}

int obj_list_load_paths(struct obj_list *l, const char *const *paths,
			size_t n, struct gerr *err)
{
	return obj_list_load_source(l, NULL, paths, n, err);
}

int obj_list_load_source(struct obj_list *l, const struct source *src,
			 const char *const *paths, size_t n, struct gerr *err)
{
	struct strvec files = STRVEC_INIT;
	size_t start = l->nr;
	int rc = -1;

	if (source_collect(src, paths, n, &files, err) < 0)
		goto out;
	for (size_t i = 0; i < files.nr; i++) {
		struct yaml_docs docs = YAML_DOCS_INIT;
		size_t len;
		char *buf = source_read(src, files.v[i], &len, err);
		if (!buf)
			goto out;
		const char *name = strcmp(files.v[i], "-") ? files.v[i]
							    : "<stdin>";
		int ok = yaml_parse_manifests(buf, len, name, &docs, err) == 0 &&
			 obj_list_take_docs(l, &docs, err) == 0;
		free(buf);
		yaml_docs_clear(&docs);
		if (!ok)
			goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		truncate_list(l, start);
	strvec_clear(&files);
	return rc;
}

int obj_list_check_duplicates(const struct obj_list *l, struct gerr *err)
{
	/* identity -> index of the first object with it */
	json_t *seen = json_object();
	struct strbuf id = STRBUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < l->nr && rc == 0; i++) {
		strbuf_reset(&id);
		obj_format_id(&id, l->v[i].json);
		json_t *first = json_object_get(seen, id.buf);
		if (!first) {
			json_object_set_new(seen, id.buf, json_integer((json_int_t)i));
			continue;
		}
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		obj_format_origin(&a, &l->v[json_integer_value(first)]);
		obj_format_origin(&b, &l->v[i]);
		rc = gerr_setc(err, GERR_INPUT,
			       "duplicate object %s: defined at %s and again "
			       "at %s",
			       id.buf, a.buf, b.buf);
		strbuf_release(&a);
		strbuf_release(&b);
	}
	strbuf_release(&id);
	json_decref(seen);
	return rc;
}

void obj_list_clear(struct obj_list *l)
{
	truncate_list(l, 0);
	free(l->v);
	l->v = NULL;
	l->alloc = 0;
}

void obj_list_write_yaml(const struct obj_list *l, struct strbuf *out)
{
	for (size_t i = 0; i < l->nr; i++) {
		if (i)
			strbuf_addstr(out, "---\n");
		yaml_emit(out, l->v[i].json);
	}
}

void obj_list_write_json(const struct obj_list *l, struct strbuf *out)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->nr; i++)
		json_array_append(arr, l->v[i].json);
	yaml_write_json(out, arr, YAML_JSON_PRETTY);
	strbuf_addch(out, '\n');
	json_decref(arr);
}
