/*
 * The value model: construction, refcounting, containers, Go's type names,
 * truth, comparison and the bridge to jansson. See value.h.
 */
#include "pkg/template/value.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/yaml/yaml.h"
#include "pkg/base/base64.h"

static struct tmpl_value nil_value = { TMPL_NIL, -1, { 0 } };
static struct tmpl_value true_value = { TMPL_BOOL, -1, { 1 } };
static struct tmpl_value false_value = { TMPL_BOOL, -1, { 0 } };

static struct tmpl_value *new_value(enum tmpl_kind kind)
{
	struct tmpl_value *v = xcalloc(1, sizeof(*v));
	v->kind = kind;
	v->refs = 1;
	return v;
}

struct tmpl_value *tmpl_nil(void)
{
	return &nil_value;
}

struct tmpl_value *tmpl_bool(int b)
{
	return b ? &true_value : &false_value;
}

struct tmpl_value *tmpl_int(long long i)
{
	struct tmpl_value *v = new_value(TMPL_INT);
	v->u.i = i;
	return v;
}

struct tmpl_value *tmpl_int64(long long i)
{
	struct tmpl_value *v = new_value(TMPL_INT64);
	v->u.i = i;
	return v;
}

struct tmpl_value *tmpl_float(double f)
{
	struct tmpl_value *v = new_value(TMPL_FLOAT64);
	v->u.f = f;
	return v;
}

struct tmpl_value *tmpl_string_own(char *s, size_t len)
{
	struct tmpl_value *v = new_value(TMPL_STRING);
	v->u.str.s = s;
	v->u.str.len = len;
	return v;
}

struct tmpl_value *tmpl_stringn(const char *s, size_t len)
{
	char *copy = xmalloc(len + 1);
	if (len)
		memcpy(copy, s, len);
	copy[len] = '\0';
	return tmpl_string_own(copy, len);
}

struct tmpl_value *tmpl_string(const char *s)
{
	return tmpl_stringn(s, strlen(s));
}

struct tmpl_value *tmpl_string_buf(struct strbuf *sb)
{
	size_t len;
	char *s = strbuf_detach(sb, &len);
	return tmpl_string_own(s, len);
}

struct tmpl_value *tmpl_bytes(const void *p, size_t len)
{
	struct tmpl_value *v = tmpl_stringn(p, len);
	v->kind = TMPL_BYTES;
	return v;
}

struct tmpl_value *tmpl_list_new(enum tmpl_kind elem)
{
	struct tmpl_value *v = new_value(TMPL_LIST);
	v->u.list.elem = elem;
	return v;
}

struct tmpl_value *tmpl_map_new(enum tmpl_kind elem)
{
	struct tmpl_value *v = new_value(TMPL_MAP);
	v->u.map.elem = elem;
	return v;
}

struct tmpl_value *tmpl_object_new(const struct tmpl_class *cls, void *data)
{
	struct tmpl_value *v = new_value(TMPL_OBJECT);
	v->u.obj.cls = cls;
	v->u.obj.data = data;
	return v;
}

struct tmpl_value *tmpl_ref(struct tmpl_value *v)
{
	if (v && v->refs > 0)
		v->refs++;
	return v;
}

static void free_value(struct tmpl_value *v)
{
	size_t i;
	switch (v->kind) {
	case TMPL_STRING:
	case TMPL_BYTES:
		free(v->u.str.s);
		break;
	case TMPL_LIST:
		for (i = 0; i < v->u.list.nr; i++)
			tmpl_unref(v->u.list.v[i]);
		free(v->u.list.v);
		break;
	case TMPL_MAP:
		for (i = 0; i < v->u.map.nr; i++) {
			free(v->u.map.e[i].key);
			tmpl_unref(v->u.map.e[i].value);
		}
		free(v->u.map.e);
		break;
	case TMPL_OBJECT:
		if (v->u.obj.cls->free)
			v->u.obj.cls->free(v->u.obj.data);
		break;
	default:
		break;
	}
	free(v);
}

void tmpl_unref(struct tmpl_value *v)
{
	if (!v || v->refs < 0)
		return;
	if (--v->refs == 0)
		free_value(v);
}

/* ---- lists ---- */

size_t tmpl_list_len(const struct tmpl_value *list)
{
	return list && list->kind == TMPL_LIST ? list->u.list.nr : 0;
}

struct tmpl_value *tmpl_list_get(const struct tmpl_value *list, size_t i)
{
	if (!list || list->kind != TMPL_LIST || i >= list->u.list.nr)
		return NULL;
	return list->u.list.v[i];
}

void tmpl_list_push(struct tmpl_value *list, struct tmpl_value *item)
{
	struct tmpl_list *l = &list->u.list;
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr++] = item;
}

/* ---- maps ---- */

/* Go orders strings bytewise; a prefix sorts first. */
static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* A copy of a key that may hold NUL bytes. */
static char *copy_key(const char *key, size_t klen)
{
	char *k = xmalloc(klen + 1);
	if (klen)
		memcpy(k, key, klen);
	k[klen] = '\0';
	return k;
}

/* Index of key, or -(insertion point) - 1. */
static long map_find(const struct tmpl_map *m, const char *key, size_t klen)
{
	size_t lo = 0, hi = m->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(m->e[mid].key, m->e[mid].klen, key, klen);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

size_t tmpl_map_len(const struct tmpl_value *map)
{
	return map && map->kind == TMPL_MAP ? map->u.map.nr : 0;
}

struct tmpl_value *tmpl_map_getn(const struct tmpl_value *map,
				 const char *key, size_t klen)
{
	if (!map || map->kind != TMPL_MAP)
		return NULL;
	long i = map_find(&map->u.map, key, klen);
	return i >= 0 ? map->u.map.e[i].value : NULL;
}

struct tmpl_value *tmpl_map_get(const struct tmpl_value *map, const char *key)
{
	return tmpl_map_getn(map, key, strlen(key));
}

void tmpl_map_setn(struct tmpl_value *map, const char *key, size_t klen,
		   struct tmpl_value *item)
{
	struct tmpl_map *m = &map->u.map;
	long i = map_find(m, key, klen);
	if (i >= 0) {
		tmpl_unref(m->e[i].value);
		m->e[i].value = item;
		return;
	}
	size_t at = (size_t)(-i - 1);
	ALLOC_GROW(m->e, m->nr + 1, m->alloc);
	memmove(m->e + at + 1, m->e + at, (m->nr - at) * sizeof(*m->e));
	m->e[at].key = copy_key(key, klen);
	m->e[at].klen = klen;
	m->e[at].value = item;
	m->nr++;
}

void tmpl_map_set(struct tmpl_value *map, const char *key,
		  struct tmpl_value *item)
{
	tmpl_map_setn(map, key, strlen(key), item);
}

int tmpl_map_delete(struct tmpl_value *map, const char *key)
{
	struct tmpl_map *m = &map->u.map;
	long i = map_find(m, key, strlen(key));
	if (i < 0)
		return 0;
	free(m->e[i].key);
	tmpl_unref(m->e[i].value);
	memmove(m->e + i, m->e + i + 1, (m->nr - (size_t)i - 1) * sizeof(*m->e));
	m->nr--;
	return 1;
}

const struct tmpl_map_entry *tmpl_map_entry(const struct tmpl_value *map,
					    size_t i)
{
	if (!map || map->kind != TMPL_MAP || i >= map->u.map.nr)
		return NULL;
	return &map->u.map.e[i];
}

void tmpl_set_class(struct tmpl_value *v, const struct tmpl_class *cls)
{
	if (v->kind == TMPL_LIST)
		v->u.list.cls = cls;
	else if (v->kind == TMPL_MAP)
		v->u.map.cls = cls;
}

/* ---- types ---- */

const char *tmpl_elem_type_name(enum tmpl_kind elem)
{
	switch (elem) {
	case TMPL_BOOL: return "bool";
	case TMPL_INT: return "int";
	case TMPL_INT64: return "int64";
	case TMPL_FLOAT64: return "float64";
	case TMPL_STRING: return "string";
	case TMPL_BYTES: return "[]uint8";
	default: return "interface {}";
	}
}

static const char *list_type_name(enum tmpl_kind elem)
{
	switch (elem) {
	case TMPL_BOOL: return "[]bool";
	case TMPL_INT: return "[]int";
	case TMPL_INT64: return "[]int64";
	case TMPL_FLOAT64: return "[]float64";
	case TMPL_STRING: return "[]string";
	case TMPL_BYTES: return "[][]uint8";
	default: return "[]interface {}";
	}
}

static const char *map_type_name(enum tmpl_kind elem)
{
	switch (elem) {
	case TMPL_BOOL: return "map[string]bool";
	case TMPL_INT: return "map[string]int";
	case TMPL_INT64: return "map[string]int64";
	case TMPL_FLOAT64: return "map[string]float64";
	case TMPL_STRING: return "map[string]string";
	case TMPL_BYTES: return "map[string][]uint8";
	default: return "map[string]interface {}";
	}
}

const char *tmpl_type_name(const struct tmpl_value *v)
{
	if (!v)
		return "<nil>";
	switch (v->kind) {
	case TMPL_NIL: return "<nil>";
	case TMPL_BOOL: return "bool";
	case TMPL_INT: return "int";
	case TMPL_INT64: return "int64";
	case TMPL_FLOAT64: return "float64";
	case TMPL_STRING: return "string";
	case TMPL_BYTES: return "[]uint8";
	case TMPL_LIST:
		return v->u.list.cls ? v->u.list.cls->type_name
				     : list_type_name(v->u.list.elem);
	case TMPL_MAP:
		return v->u.map.cls ? v->u.map.cls->type_name
				    : map_type_name(v->u.map.elem);
	case TMPL_OBJECT:
		return v->u.obj.cls->type_name;
	}
	return "<nil>";
}

const char *tmpl_underlying_type_name(const struct tmpl_value *v)
{
	if (v && v->kind == TMPL_LIST)
		return list_type_name(v->u.list.elem);
	if (v && v->kind == TMPL_MAP)
		return map_type_name(v->u.map.elem);
	return tmpl_type_name(v);
}

const char *tmpl_kind_name(const struct tmpl_value *v)
{
	if (!v)
		return "invalid";
	switch (v->kind) {
	case TMPL_NIL: return "invalid";
	case TMPL_BOOL: return "bool";
	case TMPL_INT: return "int";
	case TMPL_INT64: return "int64";
	case TMPL_FLOAT64: return "float64";
	case TMPL_STRING: return "string";
	case TMPL_BYTES:
	case TMPL_LIST: return "slice";
	case TMPL_MAP: return "map";
	case TMPL_OBJECT: return v->u.obj.cls->kind_name;
	}
	return "invalid";
}

long long tmpl_len(const struct tmpl_value *v)
{
	if (!v)
		return -1;
	switch (v->kind) {
	case TMPL_STRING:
	case TMPL_BYTES:
		return (long long)v->u.str.len;
	case TMPL_LIST:
		return (long long)v->u.list.nr;
	case TMPL_MAP:
		return (long long)v->u.map.nr;
	default:
		return -1;
	}
}

int tmpl_truth(const struct tmpl_value *v)
{
	if (!v)
		return 0;
	switch (v->kind) {
	case TMPL_NIL: return 0;
	case TMPL_BOOL: return v->u.b;
	case TMPL_INT:
	case TMPL_INT64: return v->u.i != 0;
	case TMPL_FLOAT64: return v->u.f != 0;
	case TMPL_STRING:
	case TMPL_BYTES: return v->u.str.len > 0;
	case TMPL_LIST: return v->u.list.nr > 0;
	case TMPL_MAP: return v->u.map.nr > 0;
	case TMPL_OBJECT: return 1;     /* a struct, or a non-nil pointer */
	}
	return 0;
}

/* ---- comparison ---- */

/* text/template's basicKind classes. */
enum basic { B_INVALID, B_BOOL, B_INT, B_FLOAT, B_STRING };

static enum basic basic_kind(const struct tmpl_value *v)
{
	if (!v)
		return B_INVALID;
	switch (v->kind) {
	case TMPL_BOOL: return B_BOOL;
	case TMPL_INT:
	case TMPL_INT64: return B_INT;
	case TMPL_FLOAT64: return B_FLOAT;
	case TMPL_STRING: return B_STRING;
	default: return B_INVALID;
	}
}

/* Go's nil after indirectInterface: the zero reflect.Value. */
static int is_zero(const struct tmpl_value *v)
{
	return !v || v->kind == TMPL_NIL;
}

/* The reflect.Kind as compared by canCompare; zero values are "invalid". */
static const char *reflect_kind(const struct tmpl_value *v)
{
	return is_zero(v) ? "invalid" : tmpl_kind_name(v);
}

static int comparable_type(const struct tmpl_value *v)
{
	return v->kind != TMPL_LIST && v->kind != TMPL_MAP &&
	       v->kind != TMPL_BYTES;
}

static int objects_equal(const struct tmpl_value *a, const struct tmpl_value *b)
{
	if (a->kind != TMPL_OBJECT || b->kind != TMPL_OBJECT ||
	    a->u.obj.cls != b->u.obj.cls)
		return 0;
	if (a->u.obj.cls->equal)
		return a->u.obj.cls->equal(a, b);
	return a->u.obj.data == b->u.obj.data;
}

static int same_basic(enum basic k, const struct tmpl_value *a,
		      const struct tmpl_value *b)
{
	switch (k) {
	case B_BOOL: return a->u.b == b->u.b;
	case B_INT: return a->u.i == b->u.i;
	case B_FLOAT: return a->u.f == b->u.f;
	case B_STRING:
		return a->u.str.len == b->u.str.len &&
		       !memcmp(a->u.str.s, b->u.str.s, a->u.str.len);
	default: return 0;
	}
}

static void fmt_one(struct strbuf *sb, const char *verb,
		    const struct tmpl_value *v)
{
	struct tmpl_value *arg = (struct tmpl_value *)v;
	tmpl_sprintf(sb, verb, strlen(verb), &arg, 1);
}

int tmpl_eq(const struct tmpl_value *a, const struct tmpl_value *b,
	    int *result, struct gerr *err)
{
	enum basic k1 = basic_kind(a), k2 = basic_kind(b);
	*result = 0;
	if (k1 != k2) {
		if (!is_zero(a) && !is_zero(b))
			return gerr_set(err, "incompatible types for comparison");
		return 0;
	}
	if (k1 != B_INVALID) {
		*result = same_basic(k1, a, b);
		return 0;
	}
	if (strcmp(reflect_kind(a), reflect_kind(b)) && !is_zero(a) &&
	    !is_zero(b)) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, "non-comparable types ");
		fmt_one(&sb, "%s", a);
		strbuf_addf(&sb, ": %s, %s: ", tmpl_type_name(a),
			    tmpl_type_name(b));
		fmt_one(&sb, "%v", b);
		gerr_set(err, "%s", sb.buf);
		strbuf_release(&sb);
		return -1;
	}
	if (is_zero(a) || is_zero(b)) {
		*result = is_zero(a) == is_zero(b);
		return 0;
	}
	if (!comparable_type(b)) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, "non-comparable type ");
		fmt_one(&sb, "%s", b);
		strbuf_addf(&sb, ": %s", tmpl_type_name(b));
		gerr_set(err, "%s", sb.buf);
		strbuf_release(&sb);
		return -1;
	}
	/* Both are structs or pointers here (canCompare saw one kind):
	 * interface equality, so different dynamic types are unequal. */
	*result = objects_equal(a, b);
	return 0;
}

int tmpl_lt(const struct tmpl_value *a, const struct tmpl_value *b,
	    int *result, struct gerr *err)
{
	enum basic k1 = basic_kind(a), k2 = basic_kind(b);
	*result = 0;
	if (k1 == B_INVALID || k2 == B_INVALID)
		return gerr_set(err, "invalid type for comparison");
	if (k1 != k2)
		return gerr_set(err, "incompatible types for comparison");
	switch (k1) {
	case B_BOOL:
		return gerr_set(err, "invalid type for comparison");
	case B_INT:
		*result = a->u.i < b->u.i;
		break;
	case B_FLOAT:
		*result = a->u.f < b->u.f;
		break;
	case B_STRING:
		*result = key_cmp(a->u.str.s, a->u.str.len, b->u.str.s,
				  b->u.str.len) < 0;
		break;
	default:
		break;
	}
	return 0;
}

long long tmpl_float_to_int64(double f)
{
	/* CVTTSD2SI yields 0x8000000000000000 for NaN and out-of-range
	 * inputs; C leaves the conversion undefined, so test first. */
	if (isnan(f) || f >= 9223372036854775808.0 ||
	    f < -9223372036854775808.0)
		return (long long)(-9223372036854775807LL - 1);
	return (long long)f;
}

struct tmpl_value *tmpl_deep_copy(const struct tmpl_value *v)
{
	struct tmpl_value *c;
	size_t i;

	if (!v)
		return NULL;
	switch (v->kind) {
	case TMPL_LIST:
		c = tmpl_list_new(v->u.list.elem);
		c->u.list.cls = v->u.list.cls;
		for (i = 0; i < v->u.list.nr; i++)
			tmpl_list_push(c, tmpl_deep_copy(v->u.list.v[i]));
		return c;
	case TMPL_MAP:
		c = tmpl_map_new(v->u.map.elem);
		c->u.map.cls = v->u.map.cls;
		/* entries arrive in order: append without searching */
		c->u.map.e = xcalloc(v->u.map.nr ? v->u.map.nr : 1,
				     sizeof(*c->u.map.e));
		c->u.map.alloc = v->u.map.nr ? v->u.map.nr : 1;
		for (i = 0; i < v->u.map.nr; i++) {
			const struct tmpl_map_entry *e = &v->u.map.e[i];
			c->u.map.e[i].key = copy_key(e->key, e->klen);
			c->u.map.e[i].klen = e->klen;
			c->u.map.e[i].value = tmpl_deep_copy(e->value);
		}
		c->u.map.nr = v->u.map.nr;
		return c;
	default:
		return tmpl_ref((struct tmpl_value *)v);
	}
}

/* ---- jansson ---- */

struct tmpl_value *tmpl_from_json(const json_t *j, unsigned flags)
{
	struct tmpl_value *v;
	size_t i;
	const char *key;
	json_t *item;

	if (!j)
		return tmpl_nil();
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		v = tmpl_map_new(TMPL_NIL);
		json_object_foreach((json_t *)j, key, item)
			tmpl_map_set(v, key, tmpl_from_json(item, flags));
		return v;
	case JSON_ARRAY:
		v = tmpl_list_new(TMPL_NIL);
		json_array_foreach(j, i, item)
			tmpl_list_push(v, tmpl_from_json(item, flags));
		return v;
	case JSON_STRING:
		return tmpl_stringn(json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		if (flags & TMPL_JSON_INT64)
			return tmpl_int64(json_integer_value(j));
		return tmpl_float((double)json_integer_value(j));
	case JSON_REAL:
		return tmpl_float(json_real_value(j));
	case JSON_TRUE:
		return tmpl_bool(1);
	case JSON_FALSE:
		return tmpl_bool(0);
	default:
		return tmpl_nil();
	}
}

static json_t *float_json(double f, struct gerr *err)
{
	if (isnan(f) || isinf(f)) {
		struct strbuf sb = STRBUF_INIT;
		yaml_format_float(&sb, f);
		gerr_set(err, "json: unsupported value: %s", sb.buf);
		strbuf_release(&sb);
		return NULL;
	}
	if (f == floor(f) && fabs(f) < 9223372036854775808.0)
		return json_integer((json_int_t)f);
	return json_real(f);
}

static json_t *object_json(const struct tmpl_value *v, struct gerr *err)
{
	const struct tmpl_class *cls = v->u.obj.cls;
	if (cls->to_json)
		return cls->to_json(v);
	json_t *o = json_object();
	for (size_t i = 0; cls->fields && cls->fields[i]; i++) {
		struct tmpl_value *f = cls->field(v, i);
		json_t *j = tmpl_to_json(f, err);
		tmpl_unref(f);
		if (!j) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, cls->fields[i], j);
	}
	return o;
}

json_t *tmpl_to_json(const struct tmpl_value *v, struct gerr *err)
{
	json_t *j, *item;
	size_t i;

	if (!v)
		return json_null();
	switch (v->kind) {
	case TMPL_NIL:
		return json_null();
	case TMPL_BOOL:
		return json_boolean(v->u.b);
	case TMPL_INT:
	case TMPL_INT64:
		return json_integer(v->u.i);
	case TMPL_FLOAT64:
		return float_json(v->u.f, err);
	case TMPL_STRING:
		return json_stringn_nocheck(v->u.str.s, v->u.str.len);
	case TMPL_BYTES: {
		struct strbuf sb = STRBUF_INIT;
		base64_encode(&sb, v->u.str.s, v->u.str.len);
		j = json_stringn(sb.buf, sb.len);
		strbuf_release(&sb);
		return j;
	}
	case TMPL_LIST:
		j = json_array();
		for (i = 0; i < v->u.list.nr; i++) {
			if (!(item = tmpl_to_json(v->u.list.v[i], err))) {
				json_decref(j);
				return NULL;
			}
			json_array_append_new(j, item);
		}
		return j;
	case TMPL_MAP:
		j = json_object();
		for (i = 0; i < v->u.map.nr; i++) {
			const struct tmpl_map_entry *e = &v->u.map.e[i];
			if (!(item = tmpl_to_json(e->value, err))) {
				json_decref(j);
				return NULL;
			}
			json_object_setn_new_nocheck(j, e->key, e->klen, item);
		}
		return j;
	case TMPL_OBJECT:
		return object_json(v, err);
	}
	return json_null();
}
