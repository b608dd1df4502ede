/*
 * Sprig's dict functions: dict get set unset hasKey pluck dig keys values
 * pick omit merge mergeOverwrite mustMerge mustMergeOverwrite deepCopy
 * mustDeepCopy.
 *
 * Dicts are Go maps, shared by reference: set, unset and merge change the
 * dict they are given (and return it), and merge puts src's own nested
 * dicts into dst, as Sprig does through mergo. Go ranges over a map in
 * random order, so Sprig's keys and values come back shuffled; here they
 * come in key order (one of the orders Helm can give).
 */
#include <string.h>

#include "pkg/template/sprig.h"

#define MAP_SIG "map[string]interface {}"

static int f_dict(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *d = tmpl_map_new(TMPL_NIL);
	struct strbuf key = STRBUF_INIT;
	for (size_t i = 0; i < nargs; i += 2) {
		strbuf_reset(&key);
		tmpl_to_string(&key, args[i]);
		tmpl_map_setn(d, key.buf, key.len,
			      i + 1 < nargs ? tmpl_ref(args[i + 1])
					    : tmpl_stringn("", 0));
	}
	strbuf_release(&key);
	*result = d;
	return 0;
}

static struct tmpl_value *lookup(const struct tmpl_value *d,
				 const struct tmpl_value *key)
{
	return tmpl_map_getn(d, key->u.str.s, key->u.str.len);
}

static int f_get(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *v = lookup(args[0], args[1]);
	*result = v ? tmpl_ref(v) : tmpl_stringn("", 0);
	return 0;
}

static int f_set(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	tmpl_map_setn(args[0], args[1]->u.str.s, args[1]->u.str.len,
		      tmpl_ref(args[2]));
	*result = tmpl_ref(args[0]);
	return 0;
}

static int f_unset(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	tmpl_map_delete(args[0], args[1]->u.str.s);
	*result = tmpl_ref(args[0]);
	return 0;
}

static int f_has_key(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_bool(lookup(args[0], args[1]) != NULL);
	return 0;
}

static int f_pluck(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out = tmpl_list_new(TMPL_NIL);
	for (size_t i = 1; i < nargs; i++) {
		struct tmpl_value *v = lookup(args[i], args[0]);
		if (v)
			tmpl_list_push(out, tmpl_ref(v));
	}
	*result = out;
	return 0;
}

static int f_keys(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out = tmpl_list_new(TMPL_STRING);
	for (size_t i = 0; i < nargs; i++)
		for (size_t j = 0; j < tmpl_map_len(args[i]); j++) {
			const struct tmpl_map_entry *e = tmpl_map_entry(args[i], j);
			tmpl_list_push(out, tmpl_stringn(e->key, e->klen));
		}
	*result = out;
	return 0;
}

static int f_values(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out = tmpl_list_new(TMPL_NIL);
	for (size_t j = 0; j < tmpl_map_len(args[0]); j++)
		tmpl_list_push(out, tmpl_ref(tmpl_map_entry(args[0], j)->value));
	*result = out;
	return 0;
}

static int listed(struct tmpl_value **keys, size_t n,
		  const struct tmpl_map_entry *e)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i]->u.str.len == e->klen &&
		    !memcmp(keys[i]->u.str.s, e->key, e->klen))
			return 1;
	return 0;
}

static int f_pick(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *out = tmpl_map_new(TMPL_NIL);
	int omit = !strcmp(call->name, "omit");
	for (size_t j = 0; j < tmpl_map_len(args[0]); j++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(args[0], j);
		if (listed(args + 1, nargs - 1, e) != omit)
			tmpl_map_setn(out, e->key, e->klen, tmpl_ref(e->value));
	}
	*result = out;
	return 0;
}

/*
 * mergo.Merge / MergeWithOverwrite of one map[string]interface{} into
 * another, key by key:
 *   - a nil in src is skipped, or with overwrite stored as nil;
 *   - two maps merge recursively, into dst's own map;
 *   - a list or any other value replaces dst's only when dst has none or
 *     an empty one (nil, false, 0, "", empty list or map) — or always
 *     with overwrite.
 */
static void merge_into(struct tmpl_value *dst, const struct tmpl_value *src,
		       int overwrite)
{
	for (size_t i = 0; i < tmpl_map_len(src); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(src, i);
		struct tmpl_value *sv = e->value;
		struct tmpl_value *dv = tmpl_map_getn(dst, e->key, e->klen);

		if (!sv || sv->kind == TMPL_NIL) {
			if (overwrite)
				tmpl_map_setn(dst, e->key, e->klen, tmpl_nil());
			continue;
		}
		if (sv->kind == TMPL_MAP && dv && dv->kind == TMPL_MAP) {
			merge_into(dv, sv, overwrite);
			if (!sprig_empty(dv))
				continue;
		}
		if (sv->kind == TMPL_LIST && dv && !sprig_empty(dv)) {
			if (overwrite)
				tmpl_map_setn(dst, e->key, e->klen, tmpl_ref(sv));
			continue;
		}
		if (overwrite || !dv || sprig_empty(dv))
			tmpl_map_setn(dst, e->key, e->klen, tmpl_ref(sv));
	}
}

static int f_merge(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	int overwrite = strstr(call->name, "Overwrite") != NULL;
	for (size_t i = 1; i < nargs; i++)
		merge_into(args[0], args[i], overwrite);
	*result = tmpl_ref(args[0]);
	return 0;
}

static int f_deep_copy(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_deep_copy(args[0]);
	return 0;
}

/* Go's failed type assertion x.(T), as the panic reads. */
static int assertion_panic(struct tmpl_call *call, const struct tmpl_value *v,
			   const char *want)
{
	if (!v || v->kind == TMPL_NIL)
		return tmpl_call_error(call, "interface conversion: interface "
					     "{} is nil, not %s", want);
	return tmpl_call_error(call, "interface conversion: interface {} is "
				     "%s, not %s", tmpl_type_name(v), want);
}

static int is_plain_map(const struct tmpl_value *v)
{
	return v && !strcmp(tmpl_type_name(v), MAP_SIG);
}

/* dig KEY... DEFAULT DICT: the value at the path of keys, or DEFAULT. */
static int f_dig(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *d;
	size_t nkeys;

	if (nargs < 3)
		return tmpl_call_error(call, "dig needs at least three "
					     "arguments");
	d = args[nargs - 1];
	if (!is_plain_map(d))
		return assertion_panic(call, d, MAP_SIG);
	nkeys = nargs - 2;
	for (size_t i = 0; i < nkeys; i++)
		if (args[i]->kind != TMPL_STRING)
			return assertion_panic(call, args[i], "string");
	for (size_t i = 0; i < nkeys; i++) {
		struct tmpl_value *step = lookup(d, args[i]);
		if (!step) {
			*result = tmpl_ref(args[nargs - 2]);
			return 0;
		}
		if (i == nkeys - 1) {
			*result = tmpl_ref(step);
			return 0;
		}
		if (!is_plain_map(step))
			return assertion_panic(call, step, MAP_SIG);
		d = step;
	}
	return 0;
}

const struct tmpl_func sprig_dict_funcs[] = {
	{ "deepCopy", f_deep_copy, "any -> any", 0 },
	{ "dict", f_dict, "...any -> " MAP_SIG, 0 },
	{ "dig", f_dig, "...any -> any", 0 },
	{ "get", f_get, MAP_SIG ", string -> any", 0 },
	{ "hasKey", f_has_key, MAP_SIG ", string -> bool", 0 },
	{ "keys", f_keys, "..." MAP_SIG " -> []string", 0 },
	{ "merge", f_merge, MAP_SIG ", ..." MAP_SIG " -> any", 0 },
	{ "mergeOverwrite", f_merge, MAP_SIG ", ..." MAP_SIG " -> any", 0 },
	{ "mustDeepCopy", f_deep_copy, "any -> any", 0 },
	{ "mustMerge", f_merge, MAP_SIG ", ..." MAP_SIG " -> any", 0 },
	{ "mustMergeOverwrite", f_merge, MAP_SIG ", ..." MAP_SIG " -> any", 0 },
	{ "omit", f_pick, MAP_SIG ", ...string -> " MAP_SIG, 0 },
	{ "pick", f_pick, MAP_SIG ", ...string -> " MAP_SIG, 0 },
	{ "pluck", f_pluck, "string, ..." MAP_SIG " -> []interface {}", 0 },
	{ "set", f_set, MAP_SIG ", string, any -> " MAP_SIG, 0 },
	{ "unset", f_unset, MAP_SIG ", string -> " MAP_SIG, 0 },
	{ "values", f_values, MAP_SIG " -> []interface {}", 0 },
	{ NULL, NULL, NULL, 0 },
};
