/*
 * JSON values the way the Kubernetes patch code sees them: classes,
 * equality with numbers by value, Go's "%v" text, and JSON pointers for
 * error messages.
 */
#include <inttypes.h>
#include <string.h>

#include "pkg/merge/internal.h"
#include "pkg/yaml/yaml.h"

enum mv_class mv_class(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return MV_OBJECT;
	case JSON_ARRAY:
		return MV_ARRAY;
	case JSON_STRING:
		return MV_STRING;
	case JSON_INTEGER:
	case JSON_REAL:
		return MV_NUMBER;
	case JSON_TRUE:
	case JSON_FALSE:
		return MV_BOOL;
	case JSON_NULL:
		break;
	}
	return MV_NULL;
}

const char *mv_class_name(enum mv_class c)
{
	static const char *const names[] = {
		[MV_NULL] = "null",     [MV_BOOL] = "boolean",
		[MV_NUMBER] = "number", [MV_STRING] = "string",
		[MV_ARRAY] = "list",    [MV_OBJECT] = "object",
	};
	return names[c];
}

static int numbers_equal(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	return json_number_value(a) == json_number_value(b);
}

int merge_json_equal(const json_t *a, const json_t *b)
{
	if (!a || !b)
		return a == b;
	enum mv_class c = mv_class(a);
	if (c != mv_class(b))
		return 0;
	switch (c) {
	case MV_NULL:
		return 1;
	case MV_BOOL:
		return json_typeof(a) == json_typeof(b);
	case MV_NUMBER:
		return numbers_equal(a, b);
	case MV_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b),
			       json_string_length(a));
	case MV_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!merge_json_equal(json_array_get(a, i),
					      json_array_get(b, i)))
				return 0;
		return 1;
	case MV_OBJECT: {
		const char *k;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_foreach((json_t *)a, k, v)
			if (!merge_json_equal(v, json_object_get(b, k)))
				return 0;
		return 1;
	}
	}
	return 0;
}

void mv_format(struct strbuf *sb, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		strbuf_add(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		yaml_format_float(sb, json_real_value(v));
		break;
	case JSON_TRUE:
		strbuf_addstr(sb, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(sb, "false");
		break;
	case JSON_NULL:
		strbuf_addstr(sb, "<nil>");
		break;
	default:
		/* objects and lists are never sort keys in valid input;
		 * any stable text will do */
		yaml_write_json(sb, v, 0);
		break;
	}
}

int mv_format_cmp(const json_t *a, const json_t *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	mv_format(&x, a);
	mv_format(&y, b);
	size_t n = x.len < y.len ? x.len : y.len;
	int c = memcmp(x.buf, y.buf, n);
	if (!c)
		c = x.len < y.len ? -1 : x.len > y.len;
	strbuf_release(&x);
	strbuf_release(&y);
	return c;
}

size_t mpath_push(struct strbuf *path, const char *key)
{
	size_t len = path->len;
	strbuf_addch(path, '/');
	for (const char *p = key; *p; p++) {
		if (*p == '~')
			strbuf_addstr(path, "~0");
		else if (*p == '/')
			strbuf_addstr(path, "~1");
		else
			strbuf_addch(path, *p);
	}
	return len;
}

size_t mpath_push_index(struct strbuf *path, size_t i)
{
	size_t len = path->len;
	strbuf_addf(path, "/%zu", i);
	return len;
}

void mpath_pop(struct strbuf *path, size_t len)
{
	strbuf_setlen(path, len);
}

const char *mpath_show(const struct strbuf *path)
{
	return path->len ? path->buf : "(root)";
}

void mv_dedupe_scalars(json_t *list)
{
	size_t n = json_array_size(list);

	/* The API machinery's way, whose order shows in the deletion lists
	 * kubectl sends: a duplicate is overwritten by the last item. */
	for (size_t i = 0; i + 1 < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (merge_json_equal(json_array_get(list, i),
					     json_array_get(list, j))) {
				json_array_set(list, j, json_array_get(list, n - 1));
				json_array_remove(list, --n);
				j--;
			}
}
