/*
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902).
 *
 * Both work on a deep copy of the document, so a patch that fails half-way
 * leaves nothing changed, and the result shares no value with the inputs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/internal.h"

/* --- RFC 7386 ------------------------------------------------------------ */

/* MergePatch(target, patch) of RFC 7386 section 2, on a target we own. */
static json_t *merge_patch(json_t *target, const json_t *patch)
{
	const char *k;
	json_t *v;

	if (!json_is_object(patch)) {
		json_decref(target);
		return json_deep_copy(patch);
	}
	if (!json_is_object(target)) {
		json_decref(target);
		target = json_object();
	}
	json_object_foreach((json_t *)patch, k, v) {
		if (json_is_null(v)) {
			json_object_del(target, k);
			continue;
		}
		json_t *cur = json_object_get(target, k);
		json_object_set_new(target, k,
				    merge_patch(json_incref(cur), v));
	}
	return target;
}

json_t *merge_apply_merge_patch(const json_t *obj, const json_t *patch)
{
	if (!patch)
		return json_null();
	return merge_patch(obj ? json_deep_copy(obj) : json_null(), patch);
}

/*
 * The merge patch that turns `from` into `to` (both objects): changed and
 * added members, null for removed ones, nested objects diffed, anything
 * else (lists included) replaced whole when not equal.
 */
json_t *mp_create(const json_t *from, const json_t *to)
{
	json_t *patch = json_object();
	const char *k;
	json_t *tv;

	json_object_foreach((json_t *)to, k, tv) {
		json_t *fv = json_object_get(from, k);
		if (fv && json_is_object(fv) && json_is_object(tv)) {
			json_t *sub = mp_create(fv, tv);
			if (json_object_size(sub))
				json_object_set_new(patch, k, sub);
			else
				json_decref(sub);
		} else if (!fv || !merge_json_equal(fv, tv)) {
			json_object_set(patch, k, tv);
		}
	}
	json_object_foreach((json_t *)from, k, tv)
		if (!json_object_get(to, k))
			json_object_set_new(patch, k, json_null());
	return patch;
}

/*
 * Keep only the nulls of a merge patch (keep_nulls), or only everything
 * else, dropping objects left empty. An object that was empty in the patch
 * is a value ("set this to {}"), not an empty change, so it stays with the
 * values. This is how kubectl splits a patch into deletions and changes.
 */
json_t *mp_filter_nulls(const json_t *patch, int keep_nulls)
{
	json_t *out = json_object();
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)patch, k, v) {
		if (json_is_null(v)) {
			if (keep_nulls)
				json_object_set_new(out, k, json_null());
		} else if (json_is_object(v) && json_object_size(v)) {
			json_t *sub = mp_filter_nulls(v, keep_nulls);
			if (json_object_size(sub))
				json_object_set_new(out, k, sub);
			else
				json_decref(sub);
		} else if (!keep_nulls) {
			json_object_set(out, k, v);
		}
	}
	return out;
}

/* --- RFC 6902 ------------------------------------------------------------ */

/* One reference token of a JSON pointer, unescaped (RFC 6901: "~1" is "/",
 * "~0" is "~", in that order, so "~01" is "~1"). */
static int next_token(const char **p, struct strbuf *tok)
{
	strbuf_reset(tok);
	(*p)++; /* the '/' */
	while (**p && **p != '/') {
		if (**p == '~') {
			if ((*p)[1] == '0')
				strbuf_addch(tok, '~');
			else if ((*p)[1] == '1')
				strbuf_addch(tok, '/');
			else
				return -1;
			*p += 2;
		} else {
			strbuf_addch(tok, *(*p)++);
		}
	}
	return 0;
}

/* An array index token: "0", or digits without a leading zero. */
static int parse_index(const char *tok, size_t *out)
{
	if (!*tok || (tok[0] == '0' && tok[1]))
		return -1;
	for (const char *p = tok; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	unsigned long long n = strtoull(tok, NULL, 10);
	if (errno || n > (size_t)-1)
		return -1;
	*out = (size_t)n;
	return 0;
}

struct ptr {
	json_t *parent;      /* NULL when the pointer is "" (the root) */
	struct strbuf last;  /* the last token */
};

/*
 * Resolve every token of `path` but the last. Fails when the path is not a
 * pointer or a container on the way does not exist.
 */
static int resolve_parent(json_t *root, const char *path, struct ptr *p,
			  const char **why)
{
	struct strbuf tok = STRBUF_INIT;
	json_t *cur = root;

	p->parent = NULL;
	if (!*path)
		return 0;
	if (*path != '/') {
		*why = "not a JSON pointer (it must start with \"/\")";
		return -1;
	}
	while (1) {
		if (next_token(&path, &tok) < 0) {
			*why = "bad escape in the path (\"~\" must be followed by 0 or 1)";
			strbuf_release(&tok);
			return -1;
		}
		if (!*path)
			break;
		size_t i;
		json_t *next = NULL;
		if (json_is_object(cur))
			next = json_object_get(cur, tok.buf);
		else if (json_is_array(cur) && !parse_index(tok.buf, &i))
			next = json_array_get(cur, i);
		if (!next) {
			*why = "path does not exist";
			strbuf_release(&tok);
			return -1;
		}
		cur = next;
	}
	if (!json_is_object(cur) && !json_is_array(cur)) {
		*why = "path does not exist";
		strbuf_release(&tok);
		return -1;
	}
	p->parent = cur;
	strbuf_release(&p->last);
	p->last = tok;
	return 0;
}

/* The value at a resolved pointer, or NULL. */
static json_t *ptr_get(json_t *root, struct ptr *p)
{
	size_t i;

	if (!p->parent)
		return root;
	if (json_is_object(p->parent))
		return json_object_get(p->parent, p->last.buf);
	if (parse_index(p->last.buf, &i) < 0)
		return NULL;
	return json_array_get(p->parent, i);
}

/* Add (steals value). *rootp changes when the path is the root. */
static int op_add(json_t **rootp, const char *path, json_t *value,
		  const char **why)
{
	struct ptr p = { NULL, STRBUF_INIT };
	size_t i;
	int rc = -1;

	if (resolve_parent(*rootp, path, &p, why) < 0)
		goto out;
	if (!p.parent) {
		json_decref(*rootp);
		*rootp = json_incref(value);
		rc = 0;
	} else if (json_is_object(p.parent)) {
		rc = json_object_set(p.parent, p.last.buf, value);
	} else if (!strcmp(p.last.buf, "-")) {
		rc = json_array_append(p.parent, value);
	} else if (parse_index(p.last.buf, &i) < 0) {
		*why = "not an array index";
	} else if (i > json_array_size(p.parent)) {
		*why = "array index out of range";
	} else {
		rc = json_array_insert(p.parent, i, value);
	}
out:
	json_decref(value);
	strbuf_release(&p.last);
	return rc;
}

/* Remove; the removed value is returned through *taken when asked. */
static int op_remove(json_t *root, const char *path, json_t **taken,
		     const char **why)
{
	struct ptr p = { NULL, STRBUF_INIT };
	int rc = -1;
	size_t i;

	if (resolve_parent(root, path, &p, why) < 0)
		goto out;
	if (!p.parent) {
		*why = "cannot remove the whole document";
		goto out;
	}
	json_t *v = ptr_get(root, &p);
	if (!v) {
		*why = "path does not exist";
		goto out;
	}
	if (taken)
		*taken = json_incref(v);
	if (json_is_object(p.parent)) {
		json_object_del(p.parent, p.last.buf);
	} else {
		parse_index(p.last.buf, &i);
		json_array_remove(p.parent, i);
	}
	rc = 0;
out:
	strbuf_release(&p.last);
	return rc;
}

/* The value at path (borrowed), or NULL with *why set. */
static json_t *op_get(json_t *root, const char *path, const char **why)
{
	struct ptr p = { NULL, STRBUF_INIT };
	json_t *v = NULL;

	if (resolve_parent(root, path, &p, why) == 0) {
		v = ptr_get(root, &p);
		if (!v)
			*why = "path does not exist";
	}
	strbuf_release(&p.last);
	return v;
}

static const char *member(const json_t *op, const char *name)
{
	return json_string_value(json_object_get(op, name));
}

/* Run one operation on *rootp; on failure *why says what went wrong. */
static int run_op(json_t **rootp, const json_t *op, const char *name,
		  const char *path, const char **why)
{
	json_t *value = json_object_get(op, "value");
	const char *from = member(op, "from");
	json_t *v;

	if (!strcmp(name, "add") || !strcmp(name, "replace") ||
	    !strcmp(name, "test")) {
		if (!value) {
			*why = "the operation has no \"value\"";
			return -1;
		}
	} else if (!strcmp(name, "move") || !strcmp(name, "copy")) {
		if (!from) {
			*why = "the operation has no \"from\" string";
			return -1;
		}
	} else if (strcmp(name, "remove")) {
		*why = "unknown operation (RFC 6902 has add, remove, replace, move, copy and test)";
		return -1;
	}

	if (!strcmp(name, "add"))
		return op_add(rootp, path, json_deep_copy(value), why);
	if (!strcmp(name, "remove"))
		return op_remove(*rootp, path, NULL, why);
	if (!strcmp(name, "replace")) {
		if (!op_get(*rootp, path, why))
			return -1;
		if (*path && op_remove(*rootp, path, NULL, why) < 0)
			return -1;
		return op_add(rootp, path, json_deep_copy(value), why);
	}
	if (!strcmp(name, "test")) {
		if (!(v = op_get(*rootp, path, why)))
			return -1;
		if (!merge_json_equal(v, value)) {
			*why = "test failed: the value differs";
			return -1;
		}
		return 0;
	}
	if (!op_get(*rootp, from, why)) {
		*why = "the \"from\" location does not exist";
		return -1;
	}
	if (!strcmp(name, "copy"))
		return op_add(rootp, path,
			      json_deep_copy(op_get(*rootp, from, why)), why);
	/* move */
	size_t n = strlen(from);
	if (!strcmp(from, path))
		return 0;
	/* (this covers moving the whole document, from "") */
	if (!strncmp(path, from, n) && path[n] == '/') {
		*why = "cannot move a value into one of its own children";
		return -1;
	}
	if (op_remove(*rootp, from, &v, why) < 0)
		return -1;
	return op_add(rootp, path, v, why);
}

json_t *merge_apply_json_patch(const json_t *doc, const json_t *ops,
			       struct gerr *err)
{
	if (!json_is_array(ops)) {
		gerr_setc(err, GERR_INPUT,
			  "JSON patch: the patch must be a list of operations");
		return NULL;
	}
	json_t *root = doc ? json_deep_copy(doc) : json_null();
	for (size_t i = 0; i < json_array_size(ops); i++) {
		const json_t *op = json_array_get(ops, i);
		const char *name = member(op, "op");
		const char *path = member(op, "path");
		const char *why = NULL;

		if (!json_is_object(op))
			why = "not an object";
		else if (!name)
			why = "the operation has no \"op\" string";
		else if (!path)
			why = "the operation has no \"path\" string";
		else if (run_op(&root, op, name, path, &why) == 0)
			continue;
		if (name && path)
			gerr_setc(err, GERR_INPUT, "operation %zu (%s %s): %s",
				  i, name, *path ? path : "\"\"", why);
		else
			gerr_setc(err, GERR_INPUT, "operation %zu: %s", i, why);
		json_decref(root);
		return NULL;
	}
	return root;
}
