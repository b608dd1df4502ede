/* Checking one field of a spec document, with its position and path. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/spec/internal.h"

struct fld fld_root(const json_t *v)
{
	struct fld f = { v, xstrdup(""), xstrdup("") };
	return f;
}

struct fld fld_key(const struct fld *parent, const char *key)
{
	struct strbuf ptr = STRBUF_INIT;
	struct fld f;

	f.v = json_is_object(parent->v) ? json_object_get(parent->v, key)
					: NULL;
	f.path = *parent->path ? xasprintf("%s.%s", parent->path, key)
			       : xstrdup(key);
	strbuf_addf(&ptr, "%s/", parent->ptr);
	for (const char *k = key; *k; k++) {
		if (*k == '~')
			strbuf_addstr(&ptr, "~0");
		else if (*k == '/')
			strbuf_addstr(&ptr, "~1");
		else
			strbuf_addch(&ptr, *k);
	}
	f.ptr = strbuf_detach(&ptr, NULL);
	return f;
}

struct fld fld_index(const struct fld *parent, size_t i)
{
	struct fld f;
	f.v = json_is_array(parent->v) ? json_array_get(parent->v, i) : NULL;
	f.path = xasprintf("%s[%zu]", parent->path, i);
	f.ptr = xasprintf("%s/%zu", parent->ptr, i);
	return f;
}

void fld_free(struct fld *f)
{
	free(f->path);
	free(f->ptr);
	f->path = f->ptr = NULL;
}

static void position(struct pctx *c, const struct fld *f, int *line, int *col)
{
	*line = c->doc->line;
	*col = c->doc->col;
	yaml_doc_position(c->doc, f->ptr, line, col);
}

int fld_fail(struct pctx *c, const struct fld *f, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	position(c, f, &line, &col);
	if (*f->path)
		gerr_at(c->err, c->file, line, col, "%s: %s", f->path, msg.buf);
	else
		gerr_at(c->err, c->file, line, col, "%s", msg.buf);
	strbuf_release(&msg);
	return -1;
}

char *fld_where(struct pctx *c, const struct fld *f)
{
	int line, col;
	position(c, f, &line, &col);
	return xasprintf("%s:%d:%d: %s", c->file, line, col, f->path);
}

const char *json_kind_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "a mapping";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

int fld_require(struct pctx *c, const struct fld *parent, const char *key)
{
	if (json_object_get(parent->v, key))
		return 0;
	struct fld f = fld_key(parent, key);
	/* the position of the mapping that lacks it */
	char *ptr = f.ptr;
	f.ptr = parent->ptr;
	fld_fail(c, &f, "required");
	f.ptr = ptr;
	fld_free(&f);
	return -1;
}

static int expect(struct pctx *c, const struct fld *f, int ok,
		  const char *want)
{
	if (!f->v || ok)
		return 0;
	return fld_fail(c, f, "expected %s, got %s", want,
			json_kind_name(f->v));
}

int fld_is_object(struct pctx *c, const struct fld *f)
{
	return expect(c, f, json_is_object(f->v), "a mapping");
}

int fld_is_array(struct pctx *c, const struct fld *f)
{
	return expect(c, f, json_is_array(f->v), "a list");
}

int fld_known(struct pctx *c, const struct fld *f, const char *const *known)
{
	const char *key;
	json_t *v;

	if (fld_is_object(c, f) < 0)
		return -1;
	json_object_foreach((json_t *)f->v, key, v) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], key))
			i++;
		if (known[i])
			continue;
		struct strbuf list = STRBUF_INIT;
		for (i = 0; known[i]; i++)
			strbuf_addf(&list, "%s%s", i ? ", " : "", known[i]);
		struct fld k = fld_key(f, key);
		fld_fail(c, &k, "unknown field (known: %s)", list.buf);
		fld_free(&k);
		strbuf_release(&list);
		return -1;
	}
	return 0;
}

int fld_string(struct pctx *c, const struct fld *parent, const char *key,
	       char **out)
{
	struct fld f = fld_key(parent, key);
	int rc = expect(c, &f, json_is_string(f.v), "a string");
	if (!rc && f.v && !*json_string_value(f.v))
		rc = fld_fail(c, &f, "must not be empty");
	if (!rc && f.v) {
		free(*out);
		*out = xstrdup(json_string_value(f.v));
	}
	fld_free(&f);
	return rc;
}

int fld_bool(struct pctx *c, const struct fld *parent, const char *key,
	     int *out)
{
	struct fld f = fld_key(parent, key);
	int rc = expect(c, &f, json_is_boolean(f.v), "a boolean");
	if (!rc && f.v)
		*out = json_is_true(f.v);
	fld_free(&f);
	return rc;
}

int fld_strings(struct pctx *c, const struct fld *parent, const char *key,
		struct strvec *out)
{
	struct fld f = fld_key(parent, key);
	int rc = fld_is_array(c, &f);
	for (size_t i = 0; !rc && f.v && i < json_array_size(f.v); i++) {
		struct fld item = fld_index(&f, i);
		rc = expect(c, &item, json_is_string(item.v), "a string");
		if (!rc && !*json_string_value(item.v))
			rc = fld_fail(c, &item, "must not be empty");
		if (!rc)
			strvec_push(out, json_string_value(item.v));
		fld_free(&item);
	}
	fld_free(&f);
	return rc;
}

int fld_map(struct pctx *c, const struct fld *parent, const char *key,
	    json_t **out)
{
	struct fld f = fld_key(parent, key);
	int rc = fld_is_object(c, &f);
	if (!rc && f.v) {
		json_decref(*out);
		*out = json_deep_copy(f.v);
	}
	fld_free(&f);
	return rc;
}

int fld_repo_path(struct pctx *c, const struct fld *f, const char *dir,
		  unsigned type_ok, char **out)
{
	const char *p = json_string_value(f->v);
	enum source_type type;
	struct gerr e = GERR_INIT;

	if (p[0] == '/')
		return fld_fail(c, f, "%s: must be a path relative to the "
				"app's directory", p);
	char *joined = xasprintf("%s/%s", dir, p);
	char *rel = source_clean(joined);
	free(joined);
	if (!rel)
		return fld_fail(c, f, "%s: outside the repository", p);
	char *path = source_path(c->src, rel);
	free(rel);
	if (source_stat(c->src, path, &type, &e) < 0) {
		fld_fail(c, f, "%s", gerr_msg(&e));
		gerr_clear(&e);
		free(path);
		return -1;
	}
	if (type == SOURCE_MISSING || !(type_ok & (1u << type))) {
		const char *why = type == SOURCE_MISSING ? strerror(errno)
				  : type == SOURCE_DIR   ? "is a directory"
							 : "not a directory";
		if (type == SOURCE_MISSING && errno == ENOENT)
			why = "no such file or directory";
		fld_fail(c, f, "%s: %s", path, why);
		free(path);
		return -1;
	}
	*out = path;
	return 0;
}
