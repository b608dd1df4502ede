/*
 * Go's text/template builtin functions, with Go's semantics and messages:
 * and, or, not, len, index, slice, print, printf, println, eq, ne, lt, le,
 * gt, ge, html, js, urlquery, call.
 *
 * Their Go parameters are reflect.Value ("value"), so an argument arrives
 * as it is: NULL for no value, TMPL_NIL for a nil interface{} (a missing
 * map key), which Go tells apart in a few messages (len).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/template/funcs.h"
#include "pkg/template/utf8.h"

/* Go's indirectInterface: a nil interface is no value. */
static const struct tmpl_value *deref(const struct tmpl_value *v)
{
	return v && v->kind == TMPL_NIL ? NULL : v;
}

static int f_and_or(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	/* The executor evaluates and/or lazily; this runs only when all
	 * operands are already values, and gives the same answer. */
	int is_or = !strcmp(call->name, "or");
	size_t i;
	for (i = 0; i + 1 < nargs; i++)
		if (tmpl_truth(args[i]) == is_or)
			break;
	*result = tmpl_ref(args[i]);
	return 0;
}

static int f_not(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_bool(!tmpl_truth(args[0]));
	return 0;
}

static int f_len(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *v = args[0];
	if (!v)
		return tmpl_call_error(call, "reflect: call of "
					     "reflect.Value.Type on zero Value");
	if (v->kind == TMPL_NIL)
		return tmpl_call_error(call, "len of nil pointer");
	long long n = tmpl_len(v);
	if (n < 0)
		return tmpl_call_error(call, "len of type %s",
				       tmpl_type_name(v));
	*result = tmpl_int(n);
	return 0;
}

/* indexArg: an integer index no larger than cap. */
static int index_arg(struct tmpl_call *call, const struct tmpl_value *index,
		     long long cap, long long *x)
{
	index = deref(index);
	if (!index)
		return tmpl_call_error(call, "cannot index slice/array with nil");
	if (index->kind != TMPL_INT && index->kind != TMPL_INT64)
		return tmpl_call_error(call, "cannot index slice/array with "
					     "type %s", tmpl_type_name(index));
	*x = index->u.i;
	if (*x < 0 || *x > cap)
		return tmpl_call_error(call, "index out of range: %lld", *x);
	return 0;
}

/* The key argument for a map: Go's prepareArg against string. */
static int map_key(struct tmpl_call *call, const struct tmpl_value *index)
{
	index = deref(index);
	if (!index)
		return tmpl_call_error(call, "value is nil; should be of type "
					     "string");
	if (index->kind != TMPL_STRING)
		return tmpl_call_error(call, "value has type %s; should be "
					     "string", tmpl_type_name(index));
	return 0;
}

/* Go's reflect.Zero of a map's element type, for a missing key. */
static struct tmpl_value *zero_of(enum tmpl_kind elem)
{
	switch (elem) {
	case TMPL_BOOL: return tmpl_bool(0);
	case TMPL_INT: return tmpl_int(0);
	case TMPL_INT64: return tmpl_int64(0);
	case TMPL_FLOAT64: return tmpl_float(0);
	case TMPL_STRING: return tmpl_stringn("", 0);
	case TMPL_BYTES: return tmpl_bytes("", 0);
	default: return tmpl_nil();
	}
}

static int f_index(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *item = (struct tmpl_value *)deref(args[0]);
	if (!item)
		return tmpl_call_error(call, "index of untyped nil");
	item = tmpl_ref(item);
	for (size_t i = 1; i < nargs; i++) {
		struct tmpl_value *next;
		long long x;
		if (item->kind == TMPL_NIL) {
			tmpl_unref(item);
			return tmpl_call_error(call, "index of nil pointer");
		}
		switch (item->kind) {
		case TMPL_LIST:
		case TMPL_STRING:
		case TMPL_BYTES:
			if (index_arg(call, args[i], tmpl_len(item), &x) < 0)
				goto fail;
			if (x == tmpl_len(item)) {
				tmpl_call_error(call, "reflect: %s index out "
						      "of range",
						item->kind == TMPL_STRING
							? "string" : "slice");
				goto fail;
			}
			/* a byte of a string or []byte is a uint8; the value
			 * model has no uint8, so it is an int of that value */
			if (item->kind == TMPL_LIST)
				next = tmpl_ref(item->u.list.v[x]);
			else
				next = tmpl_int((unsigned char)item->u.str.s[x]);
			break;
		case TMPL_MAP: {
			const struct tmpl_value *k = args[i];
			if (map_key(call, k) < 0)
				goto fail;
			next = tmpl_map_getn(item, k->u.str.s, k->u.str.len);
			next = next ? tmpl_ref(next) : zero_of(item->u.map.elem);
			break;
		}
		default:
			tmpl_call_error(call, "can't index item of type %s",
					tmpl_type_name(item));
			goto fail;
		}
		tmpl_unref(item);
		item = next;
	}
	*result = item;
	return 0;
fail:
	tmpl_unref(item);
	return -1;
}

static int f_slice(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *item = deref(args[0]);
	size_t nidx = nargs - 1;
	long long idx[3], cap;

	if (!item)
		return tmpl_call_error(call, "slice of untyped nil");
	if (nidx > 3)
		return tmpl_call_error(call, "too many slice indexes: %zu", nidx);
	switch (item->kind) {
	case TMPL_STRING:
		if (nidx == 3)
			return tmpl_call_error(call, "cannot 3-index slice a "
						     "string");
		break;
	case TMPL_LIST:
	case TMPL_BYTES:
		break;
	default:
		return tmpl_call_error(call, "can't slice item of type %s",
				       tmpl_type_name(item));
	}
	/* a list's capacity is its length here: values are built exact */
	cap = tmpl_len(item);
	idx[0] = 0;
	idx[1] = cap;
	idx[2] = cap;
	for (size_t i = 0; i < nidx; i++)
		if (index_arg(call, args[i + 1], cap, &idx[i]) < 0)
			return -1;
	if (idx[0] > idx[1])
		return tmpl_call_error(call, "invalid slice index: %lld > %lld",
				       idx[0], idx[1]);
	if (nidx == 3 && idx[1] > idx[2])
		return tmpl_call_error(call, "invalid slice index: %lld > %lld",
				       idx[1], idx[2]);
	if (item->kind == TMPL_LIST) {
		struct tmpl_value *l = tmpl_list_new(item->u.list.elem);
		tmpl_set_class(l, item->u.list.cls);
		for (long long i = idx[0]; i < idx[1]; i++)
			tmpl_list_push(l, tmpl_ref(item->u.list.v[i]));
		*result = l;
	} else if (item->kind == TMPL_BYTES) {
		*result = tmpl_bytes(item->u.str.s + idx[0],
				     (size_t)(idx[1] - idx[0]));
	} else {
		*result = tmpl_stringn(item->u.str.s + idx[0],
				       (size_t)(idx[1] - idx[0]));
	}
	return 0;
}

static int f_print(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_sprint(&sb, args, nargs);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_printf(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_sprintf(&sb, args[0]->u.str.s, args[0]->u.str.len, args + 1,
		     nargs - 1);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_println(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_sprintln(&sb, args, nargs);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_eq(struct tmpl_call *call, struct tmpl_value **args,
		size_t nargs, struct tmpl_value **result)
{
	int truth = 0;
	if (nargs < 2)
		return tmpl_call_error(call, "missing argument for comparison");
	for (size_t i = 1; i < nargs && !truth; i++)
		if (tmpl_eq(args[0], args[i], &truth, call->err) < 0)
			return -1;
	*result = tmpl_bool(truth);
	return 0;
}

static int f_ne(struct tmpl_call *call, struct tmpl_value **args,
		size_t nargs, struct tmpl_value **result)
{
	int truth;
	if (tmpl_eq(args[0], args[1], &truth, call->err) < 0)
		return -1;
	*result = tmpl_bool(!truth);
	return 0;
}

/* le is lt or eq; gt is not le; ge is not lt. */
static int less_equal(struct tmpl_call *call, struct tmpl_value **args,
		      int *truth)
{
	if (tmpl_lt(args[0], args[1], truth, call->err) < 0)
		return -1;
	if (*truth)
		return 0;
	return tmpl_eq(args[0], args[1], truth, call->err);
}

static int f_lt(struct tmpl_call *call, struct tmpl_value **args,
		size_t nargs, struct tmpl_value **result)
{
	int truth;
	if (tmpl_lt(args[0], args[1], &truth, call->err) < 0)
		return -1;
	*result = tmpl_bool(truth);
	return 0;
}

static int f_le(struct tmpl_call *call, struct tmpl_value **args,
		size_t nargs, struct tmpl_value **result)
{
	int truth;
	if (less_equal(call, args, &truth) < 0)
		return -1;
	*result = tmpl_bool(truth);
	return 0;
}

static int f_gt(struct tmpl_call *call, struct tmpl_value **args,
		size_t nargs, struct tmpl_value **result)
{
	int truth;
	if (less_equal(call, args, &truth) < 0)
		return -1;
	*result = tmpl_bool(!truth);
	return 0;
}

static int f_ge(struct tmpl_call *call, struct tmpl_value **args,
		size_t nargs, struct tmpl_value **result)
{
	int truth;
	if (tmpl_lt(args[0], args[1], &truth, call->err) < 0)
		return -1;
	*result = tmpl_bool(!truth);
	return 0;
}

/* evalArgs: one string argument as is, otherwise fmt.Sprint of the
 * arguments with a nil one printed as "<no value>". */
static void eval_args(struct strbuf *sb, struct tmpl_value **args,
		      size_t nargs)
{
	if (nargs == 1 && args[0] && args[0]->kind == TMPL_STRING) {
		strbuf_add(sb, args[0]->u.str.s, args[0]->u.str.len);
		return;
	}
	struct tmpl_value *no_value = tmpl_string("<no value>");
	struct tmpl_value **v = xcalloc(nargs ? nargs : 1, sizeof(*v));
	for (size_t i = 0; i < nargs; i++)
		v[i] = args[i] && args[i]->kind != TMPL_NIL ? args[i] : no_value;
	tmpl_sprint(sb, v, nargs);
	free(v);
	tmpl_unref(no_value);
}

static int f_html(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	eval_args(&in, args, nargs);
	for (size_t i = 0; i < in.len; i++) {
		switch (in.buf[i]) {
		case '\0': strbuf_addstr(&out, "\xEF\xBF\xBD"); break;
		case '"': strbuf_addstr(&out, "&#34;"); break;
		case '\'': strbuf_addstr(&out, "&#39;"); break;
		case '&': strbuf_addstr(&out, "&amp;"); break;
		case '<': strbuf_addstr(&out, "&lt;"); break;
		case '>': strbuf_addstr(&out, "&gt;"); break;
		default: strbuf_addch(&out, in.buf[i]);
		}
	}
	strbuf_release(&in);
	*result = tmpl_string_buf(&out);
	return 0;
}

static int f_js(struct tmpl_call *call, struct tmpl_value **args,
		size_t nargs, struct tmpl_value **result)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	eval_args(&in, args, nargs);
	for (size_t i = 0; i < in.len;) {
		unsigned char c = (unsigned char)in.buf[i];
		if (c >= 0x80) {
			int r;
			size_t w = tmpl_utf8_decode(in.buf + i, in.len - i, &r);
			if (tmpl_utf8_is_print(r))
				strbuf_add(&out, in.buf + i, w);
			else
				strbuf_addf(&out, "\\u%04X", (unsigned)r);
			i += w;
			continue;
		}
		switch (c) {
		case '\\': strbuf_addstr(&out, "\\\\"); break;
		case '\'': strbuf_addstr(&out, "\\'"); break;
		case '"': strbuf_addstr(&out, "\\\""); break;
		case '<': strbuf_addstr(&out, "\\u003C"); break;
		case '>': strbuf_addstr(&out, "\\u003E"); break;
		case '&': strbuf_addstr(&out, "\\u0026"); break;
		case '=': strbuf_addstr(&out, "\\u003D"); break;
		default:
			if (c < ' ') {
				strbuf_addstr(&out, "\\u00");
				strbuf_addch(&out, hex[c >> 4]);
				strbuf_addch(&out, hex[c & 15]);
			} else {
				strbuf_addch(&out, (char)c);
			}
		}
		i++;
	}
	strbuf_release(&in);
	*result = tmpl_string_buf(&out);
	return 0;
}

static int f_urlquery(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	eval_args(&in, args, nargs);
	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.buf[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			strbuf_addch(&out, (char)c);
		} else if (c == ' ') {
			strbuf_addch(&out, '+');
		} else {
			strbuf_addch(&out, '%');
			strbuf_addch(&out, hex[c >> 4]);
			strbuf_addch(&out, hex[c & 15]);
		}
	}
	strbuf_release(&in);
	*result = tmpl_string_buf(&out);
	return 0;
}

/* No template value is a Go function, so call can only fail as Go's
 * does for anything that is not one. */
static int f_call(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *fn = deref(args[0]);
	if (!fn)
		return tmpl_call_error(call, "call of nil");
	return tmpl_call_error(call, "non-function of type %s",
			       tmpl_type_name(fn));
}

const struct tmpl_func tmpl_builtin_funcs[] = {
	{ "and", f_and_or, "value, ...value -> value", TMPL_FUNC_SHORT_CIRCUIT },
	{ "call", f_call, "value, ...value -> value", 0 },
	{ "eq", f_eq, "value, ...value -> bool", 0 },
	{ "ge", f_ge, "value, value -> bool", 0 },
	{ "gt", f_gt, "value, value -> bool", 0 },
	{ "html", f_html, "...any -> string", 0 },
	{ "index", f_index, "value, ...value -> value", 0 },
	{ "js", f_js, "...any -> string", 0 },
	{ "le", f_le, "value, value -> bool", 0 },
	{ "len", f_len, "value -> int", 0 },
	{ "lt", f_lt, "value, value -> bool", 0 },
	{ "ne", f_ne, "value, value -> bool", 0 },
	{ "not", f_not, "value -> bool", 0 },
	{ "or", f_and_or, "value, ...value -> value", TMPL_FUNC_SHORT_CIRCUIT },
	{ "print", f_print, "...any -> string", 0 },
	{ "printf", f_printf, "string, ...any -> string", 0 },
	{ "println", f_println, "...any -> string", 0 },
	{ "slice", f_slice, "value, ...value -> value", 0 },
	{ "urlquery", f_urlquery, "...any -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};
