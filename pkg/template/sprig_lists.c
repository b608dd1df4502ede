/*
 * Sprig's list functions: list tuple first rest last initial append push
 * prepend concat reverse uniq without has compact slice chunk, and their
 * must* twins.
 *
 * Each takes any slice ([]interface{}, []string, []int, []byte) and,
 * except slice, returns a new []interface{}. A non-slice fails with
 * Sprig's message ("Cannot find first on type int"); the plain functions
 * panic with the same error the must* ones return, so in a template both
 * read alike. A nil where a list is expected fails as Go does when Sprig
 * asks reflect for the kind of nil.
 */
#include <math.h>
#include <string.h>

#include "pkg/template/sprig.h"

/* The list argument: 0 when it is a slice, else the call's error. */
static int need_slice(struct tmpl_call *call, const struct tmpl_value *v,
		      const char *fmt)
{
	if (!v || v->kind == TMPL_NIL)
		return sprig_nil_panic(call);
	if (sprig_is_slice(v))
		return 0;
	return tmpl_call_error(call, fmt, tmpl_kind_name(v));
}

/* A []interface{} of v's elements from..to (exclusive). */
static struct tmpl_value *elements(const struct tmpl_value *v, size_t from,
				   size_t to)
{
	struct tmpl_value *out = tmpl_list_new(TMPL_NIL);
	for (size_t i = from; i < to; i++)
		tmpl_list_push(out, sprig_slice_get(v, i));
	return out;
}

static int f_list(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out = tmpl_list_new(TMPL_NIL);
	for (size_t i = 0; i < nargs; i++)
		tmpl_list_push(out, tmpl_ref(args[i]));
	*result = out;
	return 0;
}

static int f_push(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	if (need_slice(call, args[0], "Cannot push on type %s") < 0)
		return -1;
	*result = elements(args[0], 0, sprig_slice_len(args[0]));
	tmpl_list_push(*result, tmpl_ref(args[1]));
	return 0;
}

static int f_prepend(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out;
	if (need_slice(call, args[0], "Cannot prepend on type %s") < 0)
		return -1;
	out = tmpl_list_new(TMPL_NIL);
	tmpl_list_push(out, tmpl_ref(args[1]));
	for (size_t i = 0; i < sprig_slice_len(args[0]); i++)
		tmpl_list_push(out, sprig_slice_get(args[0], i));
	*result = out;
	return 0;
}

static int f_first(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	int last = strstr(call->name, "ast") != NULL;
	size_t n;
	if (need_slice(call, args[0], last ? "Cannot find last on type %s"
					   : "Cannot find first on type %s") < 0)
		return -1;
	n = sprig_slice_len(args[0]);
	*result = !n ? tmpl_nil() : sprig_slice_get(args[0], last ? n - 1 : 0);
	return 0;
}

static int f_rest(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	int initial = strstr(call->name, "nitial") != NULL;
	size_t n;
	if (need_slice(call, args[0], initial ? "Cannot find initial on type %s"
					      : "Cannot find rest on type %s") < 0)
		return -1;
	n = sprig_slice_len(args[0]);
	if (!n)
		*result = tmpl_list_new(TMPL_NIL);
	else
		*result = initial ? elements(args[0], 0, n - 1)
				  : elements(args[0], 1, n);
	return 0;
}

static int f_reverse(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out;
	size_t n;
	if (need_slice(call, args[0], "Cannot find reverse on type %s") < 0)
		return -1;
	out = tmpl_list_new(TMPL_NIL);
	n = sprig_slice_len(args[0]);
	for (size_t i = n; i > 0; i--)
		tmpl_list_push(out, sprig_slice_get(args[0], i - 1));
	*result = out;
	return 0;
}

static int f_compact(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out;
	if (need_slice(call, args[0], "Cannot compact on type %s") < 0)
		return -1;
	out = tmpl_list_new(TMPL_NIL);
	for (size_t i = 0; i < sprig_slice_len(args[0]); i++) {
		struct tmpl_value *e = sprig_slice_get(args[0], i);
		if (sprig_empty(e))
			tmpl_unref(e);
		else
			tmpl_list_push(out, e);
	}
	*result = out;
	return 0;
}

/* inList: reflect.DeepEqual against each of the list's items. */
static int in_list(struct tmpl_value *const *items, size_t n,
		   const struct tmpl_value *needle)
{
	for (size_t i = 0; i < n; i++)
		if (sprig_deep_equal(needle, items[i]))
			return 1;
	return 0;
}

static int f_uniq(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out;
	if (need_slice(call, args[0], "Cannot find uniq on type %s") < 0)
		return -1;
	out = tmpl_list_new(TMPL_NIL);
	for (size_t i = 0; i < sprig_slice_len(args[0]); i++) {
		struct tmpl_value *e = sprig_slice_get(args[0], i);
		if (in_list(out->u.list.v, out->u.list.nr, e))
			tmpl_unref(e);
		else
			tmpl_list_push(out, e);
	}
	*result = out;
	return 0;
}

static int f_without(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out;
	if (need_slice(call, args[0], "Cannot find without on type %s") < 0)
		return -1;
	out = tmpl_list_new(TMPL_NIL);
	for (size_t i = 0; i < sprig_slice_len(args[0]); i++) {
		struct tmpl_value *e = sprig_slice_get(args[0], i);
		if (in_list(args + 1, nargs - 1, e))
			tmpl_unref(e);
		else
			tmpl_list_push(out, e);
	}
	*result = out;
	return 0;
}

static int f_has(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *hay = args[1];
	int found = 0;
	if (hay->kind == TMPL_NIL) {
		*result = tmpl_bool(0);
		return 0;
	}
	if (need_slice(call, hay, "Cannot find has on type %s") < 0)
		return -1;
	for (size_t i = 0; i < sprig_slice_len(hay) && !found; i++) {
		struct tmpl_value *e = sprig_slice_get(hay, i);
		found = sprig_deep_equal(args[0], e);
		tmpl_unref(e);
	}
	*result = tmpl_bool(found);
	return 0;
}

/* slice: list[start:end] of the same slice type; an empty list gives
 * nil. */
static int f_slice(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *l = args[0];
	long long start = 0, end, n;
	struct tmpl_value *out;

	if (need_slice(call, l, "list should be type of slice or array but %s") < 0)
		return -1;
	n = (long long)sprig_slice_len(l);
	if (!n) {
		*result = tmpl_nil();
		return 0;
	}
	if (nargs > 1)
		start = sprig_to_int64(args[1]);
	end = nargs > 2 ? sprig_to_int64(args[2]) : n;
	if (start < 0 || end < start || end > n)
		return tmpl_call_error(call, "reflect.Value.Slice: slice index "
					     "out of bounds");
	if (l->kind == TMPL_BYTES) {
		*result = tmpl_bytes(l->u.str.s + start, (size_t)(end - start));
		return 0;
	}
	out = tmpl_list_new(l->u.list.elem);
	tmpl_set_class(out, l->u.list.cls);
	for (long long i = start; i < end; i++)
		tmpl_list_push(out, tmpl_ref(l->u.list.v[i]));
	*result = out;
	return 0;
}

static int f_concat(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out = tmpl_list_new(TMPL_NIL);
	for (size_t i = 0; i < nargs; i++) {
		if (need_slice(call, args[i], "Cannot concat type %s as list") < 0) {
			tmpl_unref(out);
			return -1;
		}
		for (size_t j = 0; j < sprig_slice_len(args[i]); j++)
			tmpl_list_push(out, sprig_slice_get(args[i], j));
	}
	*result = out;
	return 0;
}

/* chunk: lists of size items, the last one shorter. The count is computed
 * in float64 as Sprig does, so a size of 0 or less makes Go's make() fail
 * ("len out of range") where Sprig's arithmetic goes negative. */
static int f_chunk(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	long long size = args[0]->u.i, l, cs;
	struct tmpl_value *out;

	if (need_slice(call, args[1], "Cannot chunk type %s") < 0)
		return -1;
	l = (long long)sprig_slice_len(args[1]);
	cs = tmpl_float_to_int64(floor((double)(l - 1) / (double)size) + 1);
	if (cs < 0)
		return tmpl_call_error(call, "runtime error: makeslice: len "
					     "out of range");
	out = tmpl_list_new(TMPL_NIL);
	for (long long i = 0; i < cs; i++) {
		long long clen = size;
		if (i == cs - 1) {
			clen = tmpl_float_to_int64(floor(fmod((double)l,
							      (double)size)));
			if (clen == 0)
				clen = size;
		}
		if (clen < 0) {
			tmpl_unref(out);
			return tmpl_call_error(call, "runtime error: makeslice: "
						     "len out of range");
		}
		struct tmpl_value *c = tmpl_list_new(TMPL_NIL);
		for (long long j = 0; j < clen; j++) {
			long long ix = i * size + j;
			if (ix < 0 || ix >= l) {
				tmpl_unref(c);
				tmpl_unref(out);
				return tmpl_call_error(call, "reflect: slice "
							     "index out of range");
			}
			tmpl_list_push(c, sprig_slice_get(args[1], (size_t)ix));
		}
		tmpl_list_push(out, c);
	}
	*result = out;
	return 0;
}

const struct tmpl_func sprig_list_funcs[] = {
	{ "append", f_push, "any, any -> []interface {}", 0 },
	{ "chunk", f_chunk, "int, any -> []interface {}", 0 },
	{ "compact", f_compact, "any -> []interface {}", 0 },
	{ "concat", f_concat, "...any -> any", 0 },
	{ "first", f_first, "any -> any", 0 },
	{ "has", f_has, "any, any -> bool", 0 },
	{ "initial", f_rest, "any -> []interface {}", 0 },
	{ "last", f_first, "any -> any", 0 },
	{ "list", f_list, "...any -> []interface {}", 0 },
	{ "mustAppend", f_push, "any, any -> []interface {}", 0 },
	{ "mustChunk", f_chunk, "int, any -> []interface {}", 0 },
	{ "mustCompact", f_compact, "any -> []interface {}", 0 },
	{ "mustFirst", f_first, "any -> any", 0 },
	{ "mustHas", f_has, "any, any -> bool", 0 },
	{ "mustInitial", f_rest, "any -> []interface {}", 0 },
	{ "mustLast", f_first, "any -> any", 0 },
	{ "mustPrepend", f_prepend, "any, any -> []interface {}", 0 },
	{ "mustPush", f_push, "any, any -> []interface {}", 0 },
	{ "mustRest", f_rest, "any -> []interface {}", 0 },
	{ "mustReverse", f_reverse, "any -> []interface {}", 0 },
	{ "mustSlice", f_slice, "any, ...any -> any", 0 },
	{ "mustUniq", f_uniq, "any -> []interface {}", 0 },
	{ "mustWithout", f_without, "any, ...any -> []interface {}", 0 },
	{ "prepend", f_prepend, "any, any -> []interface {}", 0 },
	{ "push", f_push, "any, any -> []interface {}", 0 },
	{ "rest", f_rest, "any -> []interface {}", 0 },
	{ "reverse", f_reverse, "any -> []interface {}", 0 },
	{ "slice", f_slice, "any, ...any -> any", 0 },
	{ "tuple", f_list, "...any -> []interface {}", 0 },
	{ "uniq", f_uniq, "any -> []interface {}", 0 },
	{ "without", f_without, "any, ...any -> []interface {}", 0 },
	{ NULL, NULL, NULL, 0 },
};
