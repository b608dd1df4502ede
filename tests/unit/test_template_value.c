/*
 * pkg/template's value model and function interface, through their C API:
 * Go type names, truth, comparison (and its errors), the jansson bridge,
 * Go's reference semantics for maps, conversions, signatures and function
 * sets. Each expectation names the Go rule it comes from.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/source/source.h"
#include "pkg/template/template.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/harness.h"

static struct tmpl_value *json_value(const char *text, unsigned flags)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	struct tmpl_value *v = tmpl_from_json(j, flags);
	json_decref(j);
	return v;
}

/* %v of v */
static void t_fmt(struct tmpl_value *v, const char *want, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_fmt_value(&sb, v);
	t_str(sb.buf, want, "%%v of %s", what);
	strbuf_release(&sb);
}

static void test_types(void)
{
	struct tmpl_value *v;

	/* typeOf is %T; kindOf is reflect.Kind's String() */
	struct {
		struct tmpl_value *v;
		const char *type, *kind;
	} cases[] = {
		{ NULL, "<nil>", "invalid" },
		{ tmpl_nil(), "<nil>", "invalid" },
		{ tmpl_bool(1), "bool", "bool" },
		{ tmpl_int(1), "int", "int" },
		{ tmpl_int64(1), "int64", "int64" },
		{ tmpl_float(1), "float64", "float64" },
		{ tmpl_string("s"), "string", "string" },
		{ tmpl_bytes("b", 1), "[]uint8", "slice" },
		{ tmpl_list_new(TMPL_NIL), "[]interface {}", "slice" },
		{ tmpl_list_new(TMPL_STRING), "[]string", "slice" },
		{ tmpl_list_new(TMPL_INT), "[]int", "slice" },
		{ tmpl_map_new(TMPL_NIL), "map[string]interface {}", "map" },
		{ tmpl_map_new(TMPL_STRING), "map[string]string", "map" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_str(tmpl_type_name(cases[i].v), cases[i].type, "type of %s",
		      cases[i].type);
		t_str(tmpl_kind_name(cases[i].v), cases[i].kind, "kind of %s",
		      cases[i].type);
		tmpl_unref(cases[i].v);
	}

	/* a named map type keeps its name; its underlying type is the map */
	static const struct tmpl_class values = { "chartutil.Values", "map",
		NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	v = tmpl_map_new(TMPL_NIL);
	tmpl_set_class(v, &values);
	t_str(tmpl_type_name(v), "chartutil.Values", "named map type");
	t_str(tmpl_kind_name(v), "map", "named map kind");
	t_str(tmpl_underlying_type_name(v), "map[string]interface {}",
	      "named map's underlying type");
	struct tmpl_param p = { "map[string]interface {}", TMPL_P_OTHER, 1 };
	t_ok(tmpl_param_accepts(&p, v),
	     "chartutil.Values is assignable to map[string]interface {}");
	strcpy(p.type, "map[string]string");
	t_ok(!tmpl_param_accepts(&p, v),
	     "chartutil.Values is not assignable to map[string]string");
	tmpl_unref(v);
}

static void test_truth(void)
{
	struct {
		struct tmpl_value *v;
		int truth;
		const char *what;
	} cases[] = {
		{ NULL, 0, "no value" },
		{ tmpl_nil(), 0, "nil" },
		{ tmpl_bool(0), 0, "false" },
		{ tmpl_bool(1), 1, "true" },
		{ tmpl_int(0), 0, "0" },
		{ tmpl_int64(-1), 1, "int64 -1" },
		{ tmpl_float(0.0), 0, "0.0" },
		{ tmpl_float(-0.0), 0, "-0.0" },
		{ tmpl_float(NAN), 1, "NaN (NaN != 0)" },
		{ tmpl_string(""), 0, "empty string" },
		{ tmpl_string("0"), 1, "\"0\"" },
		{ tmpl_bytes("", 0), 0, "empty []byte" },
		{ tmpl_list_new(TMPL_NIL), 0, "empty list" },
		{ json_value("[null]", 0), 1, "list holding nil" },
		{ tmpl_map_new(TMPL_NIL), 0, "empty map" },
		{ json_value("{\"a\":null}", 0), 1, "map holding nil" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t_int(tmpl_truth(cases[i].v), cases[i].truth, "truth of %s",
		      cases[i].what);
		tmpl_unref(cases[i].v);
	}
}

static void expect_eq(struct tmpl_value *a, struct tmpl_value *b, int want,
		      const char *want_err, const char *what)
{
	struct gerr err = GERR_INIT;
	int result = -1;
	int rc = tmpl_eq(a, b, &result, &err);
	if (want_err)
		t_str(rc < 0 ? gerr_msg(&err) : "(no error)", want_err,
		      "eq %s", what);
	else
		t_ok(rc == 0 && result == want, "eq %s is %d", what, want);
	gerr_clear(&err);
	tmpl_unref(a);
	tmpl_unref(b);
}

static void expect_lt(struct tmpl_value *a, struct tmpl_value *b, int want,
		      const char *want_err, const char *what)
{
	struct gerr err = GERR_INIT;
	int result = -1;
	int rc = tmpl_lt(a, b, &result, &err);
	if (want_err)
		t_str(rc < 0 ? gerr_msg(&err) : "(no error)", want_err,
		      "lt %s", what);
	else
		t_ok(rc == 0 && result == want, "lt %s is %d", what, want);
	gerr_clear(&err);
	tmpl_unref(a);
	tmpl_unref(b);
}

static void test_compare(void)
{
	const char *incompatible = "incompatible types for comparison";
	const char *invalid = "invalid type for comparison";

	/* eq: basic kinds compare by value; int and int64 are both Go
	 * integers (basicKind intKind) */
	expect_eq(tmpl_int(3), tmpl_int64(3), 1, NULL, "int 3, int64 3");
	expect_eq(tmpl_int64(3), tmpl_int(4), 0, NULL, "int64 3, int 4");
	expect_eq(tmpl_float(0.5), tmpl_float(0.5), 1, NULL, "0.5, 0.5");
	expect_eq(tmpl_float(NAN), tmpl_float(NAN), 0, NULL, "NaN, NaN");
	expect_eq(tmpl_stringn("a\0b", 3), tmpl_stringn("a\0b", 3), 1, NULL,
		  "strings with NUL");
	expect_eq(tmpl_stringn("a\0b", 3), tmpl_stringn("a\0c", 3), 0, NULL,
		  "strings differing after NUL");
	expect_eq(tmpl_bool(1), tmpl_bool(1), 1, NULL, "true, true");
	/* different basic kinds are an error unless one is nil */
	expect_eq(tmpl_int(1), tmpl_float(1), 0, incompatible, "int, float64");
	expect_eq(tmpl_string("1"), tmpl_int(1), 0, incompatible,
		  "string, int");
	expect_eq(tmpl_bool(0), tmpl_int(0), 0, incompatible, "bool, int");
	expect_eq(tmpl_nil(), tmpl_int(0), 0, NULL, "nil, 0");
	expect_eq(tmpl_int(0), NULL, 0, NULL, "0, no value");
	expect_eq(NULL, tmpl_nil(), 1, NULL, "no value, nil");
	expect_eq(tmpl_nil(), json_value("{}", 0), 0, NULL, "nil, map");
	/* maps and slices are not comparable */
	expect_eq(json_value("{\"a\":1}", 0), json_value("{\"a\":1}", 0), 0,
		  "non-comparable type map[a:%!s(float64=1)]: "
		  "map[string]interface {}", "maps");
	expect_eq(json_value("[]", 0), json_value("{}", 0), 0,
		  "non-comparable types []: []interface {}, "
		  "map[string]interface {}: map[]", "list, map");
	/* (the message prints the value with %s, and %s of a []byte is
	 * its bytes as a string) */
	expect_eq(tmpl_bytes("x", 1), tmpl_bytes("x", 1), 0,
		  "non-comparable type x: []uint8", "[]byte");

	/* lt: only ints, floats and strings order */
	expect_lt(tmpl_int(1), tmpl_int64(2), 1, NULL, "int 1, int64 2");
	expect_lt(tmpl_float(-1), tmpl_float(-0.5), 1, NULL, "-1.0, -0.5");
	expect_lt(tmpl_string("abc"), tmpl_string("abd"), 1, NULL,
		  "abc, abd");
	expect_lt(tmpl_string("ab"), tmpl_string("a"), 0, NULL, "ab, a");
	expect_lt(tmpl_string("Z"), tmpl_string("a"), 1, NULL,
		  "Z, a (bytes, not collation)");
	expect_lt(tmpl_int(1), tmpl_float(2), 0, incompatible, "int, float64");
	expect_lt(tmpl_bool(0), tmpl_bool(1), 0, invalid, "bools");
	expect_lt(tmpl_nil(), tmpl_int(1), 0, invalid, "nil, int");
	expect_lt(tmpl_int(1), NULL, 0, invalid, "int, no value");
	expect_lt(json_value("[]", 0), json_value("[]", 0), 0, invalid, "lists");
}

static void test_containers(void)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_NIL);
	struct tmpl_value *shared;

	/* entries stay in Go's key order whatever the insertion order */
	tmpl_map_set(m, "b", tmpl_int(2));
	tmpl_map_set(m, "a", tmpl_int(1));
	tmpl_map_set(m, "ab", tmpl_int(3));
	tmpl_map_setn(m, "a\0z", 3, tmpl_int(4));
	tmpl_map_set(m, "A", tmpl_int(5));
	t_int((long long)tmpl_map_len(m), 5, "map length");
	t_str(tmpl_map_entry(m, 0)->key, "A", "first key");
	t_str(tmpl_map_entry(m, 1)->key, "a", "second key");
	t_int((long long)tmpl_map_entry(m, 2)->klen, 3, "a\\0z after a");
	t_str(tmpl_map_entry(m, 3)->key, "ab", "fourth key");
	t_str(tmpl_map_entry(m, 4)->key, "b", "last key");
	tmpl_map_set(m, "a", tmpl_string("one"));
	t_int((long long)tmpl_map_len(m), 5, "replacing keeps the length");
	t_str(tmpl_map_get(m, "a")->u.str.s, "one", "replaced value");
	t_ok(tmpl_map_get(m, "zz") == NULL, "absent key is NULL");
	t_int(tmpl_map_delete(m, "ab"), 1, "delete present key");
	t_int(tmpl_map_delete(m, "ab"), 0, "delete absent key");

	/* maps are references: a change through one holder is seen by all
	 * (Sprig's set relies on it) */
	shared = tmpl_ref(m);
	tmpl_map_set(shared, "new", tmpl_bool(1));
	t_ok(tmpl_map_get(m, "new") != NULL, "map change seen by every holder");
	tmpl_unref(shared);

	/* deep copy: new maps and lists, shared scalars */
	struct tmpl_value *orig = json_value("{\"l\":[{\"x\":1}],\"s\":\"v\"}", 0);
	struct tmpl_value *copy = tmpl_deep_copy(orig);
	struct tmpl_value *inner = tmpl_list_get(tmpl_map_get(copy, "l"), 0);
	tmpl_map_set(inner, "x", tmpl_int(2));
	t_fmt(orig, "map[l:[map[x:1]] s:v]", "the original after the copy changed");
	t_fmt(copy, "map[l:[map[x:2]] s:v]", "the changed copy");
	t_ok(tmpl_map_get(orig, "s") == tmpl_map_get(copy, "s"),
	     "deep copy shares strings");
	tmpl_unref(orig);
	tmpl_unref(copy);

	/* immortal singletons */
	t_ok(tmpl_nil() == tmpl_nil() && tmpl_bool(1) == tmpl_bool(1),
	     "nil and booleans are singletons");
	tmpl_unref(tmpl_nil());
	tmpl_unref(tmpl_bool(0));
	t_ok(tmpl_nil()->kind == TMPL_NIL, "unref of a singleton is harmless");
	t_int(tmpl_len(m), 5, "len of a map");
	struct tmpl_value *one = tmpl_int(1);
	t_int(tmpl_len(one), -1, "len of an int is not defined");
	tmpl_unref(one);
	tmpl_unref(m);
}

static void test_json(void)
{
	struct gerr err = GERR_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct tmpl_value *v;
	json_t *j;

	/* values files: every number is float64 (encoding/json into
	 * interface{}) */
	v = json_value("{\"i\":1000000,\"f\":1.5,\"n\":null,\"b\":true,"
		       "\"l\":[1,\"s\"]}", 0);
	t_str(tmpl_type_name(tmpl_map_get(v, "i")), "float64",
	      "a JSON integer of a values file is float64");
	t_fmt(tmpl_map_get(v, "i"), "1e+06", "1000000 from a values file");
	t_ok(tmpl_map_get(v, "n") == tmpl_nil(), "JSON null is nil");
	t_str(tmpl_type_name(tmpl_map_get(v, "l")), "[]interface {}",
	      "a JSON array is []interface {}");
	tmpl_unref(v);

	/* --set: integers stay int64 */
	v = json_value("{\"i\":1000000,\"f\":2.5}", TMPL_JSON_INT64);
	t_str(tmpl_type_name(tmpl_map_get(v, "i")), "int64",
	      "an integer from --set is int64");
	t_fmt(tmpl_map_get(v, "i"), "1000000", "1000000 from --set");
	t_str(tmpl_type_name(tmpl_map_get(v, "f")), "float64",
	      "a float from --set is float64");
	tmpl_unref(v);

	/* back to JSON as encoding/json writes it: whole floats as
	 * integers, []byte as base64, keys sorted */
	v = json_value("{\"b\":1000000,\"a\":0.5,\"big\":1e21,\"l\":[null,true]}",
		       0);
	tmpl_map_set(v, "bytes", tmpl_bytes("hi!?", 4));
	tmpl_map_set(v, "int64", tmpl_int64(-3));
	j = tmpl_to_json(v, &err);
	yaml_write_json(&sb, j, 0);
	t_str(sb.buf,
	      "{\"a\":0.5,\"b\":1000000,\"big\":1e+21,\"bytes\":\"aGkhPw==\","
	      "\"int64\":-3,\"l\":[null,true]}",
	      "values as JSON");
	json_decref(j);
	strbuf_reset(&sb);
	/* and as YAML: 1000000 rather than 1e+06 (Helm's toYaml) */
	j = tmpl_to_json(v, &err);
	yaml_emit(&sb, j);
	t_str(sb.buf,
	      "a: 0.5\nb: 1000000\nbig: 1e+21\nbytes: aGkhPw==\nint64: -3\n"
	      "l:\n- null\n- true\n",
	      "values as YAML");
	json_decref(j);
	tmpl_unref(v);

	v = tmpl_float(NAN);
	t_ok(tmpl_to_json(v, &err) == NULL, "NaN has no JSON");
	t_str(gerr_msg(&err), "json: unsupported value: NaN", "NaN error");
	tmpl_unref(v);
	v = tmpl_float(-INFINITY);
	t_ok(tmpl_to_json(v, &err) == NULL, "-Inf has no JSON");
	t_str(gerr_msg(&err), "json: unsupported value: -Inf", "-Inf error");
	tmpl_unref(v);
	j = tmpl_to_json(NULL, &err);
	t_ok(json_is_null(j), "no value is null");
	json_decref(j);
	gerr_clear(&err);
	strbuf_release(&sb);
}

static void test_conversions(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct tmpl_value *v;

	/* Go's int64(f) on amd64: truncation, MinInt64 out of range */
	t_int(tmpl_float_to_int64(2.9), 2, "int64(2.9)");
	t_int(tmpl_float_to_int64(-2.9), -2, "int64(-2.9)");
	t_int(tmpl_float_to_int64(1e19), (-9223372036854775807LL - 1),
	      "int64(1e19)");
	t_int(tmpl_float_to_int64(NAN), (-9223372036854775807LL - 1),
	      "int64(NaN)");
	t_int(tmpl_float_to_int64(-9223372036854775808.0),
	      (-9223372036854775807LL - 1), "int64(-2^63)");

	/* Sprig's toString (strval) */
	v = tmpl_bytes("raw", 3);
	tmpl_to_string(&sb, v);
	t_str(sb.buf, "raw", "toString of []byte is its bytes");
	tmpl_unref(v);
	strbuf_reset(&sb);
	tmpl_to_string(&sb, NULL);
	t_str(sb.buf, "<nil>", "toString of nil");
	strbuf_reset(&sb);
	v = tmpl_float(1e6);
	tmpl_to_string(&sb, v);
	t_str(sb.buf, "1e+06", "toString of 1e6");
	tmpl_unref(v);
	strbuf_reset(&sb);

	/* an action prints no value as <no value> */
	tmpl_fmt_print(&sb, NULL);
	t_str(sb.buf, "<no value>", "printing no value");
	strbuf_reset(&sb);

	/* strconv.Quote */
	const char *raw = "tab\there \"q\" \x01 é \xff";
	tmpl_quote(&sb, raw, strlen(raw));
	t_str(sb.buf, "\"tab\\there \\\"q\\\" \\x01 é \\xff\"", "Go quoting");
	strbuf_release(&sb);
}

static void test_sprintf(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct tmpl_value *args[3];

	/* the C entry point, with values no literal can make */
	args[0] = tmpl_int64(-5);
	args[1] = json_value("{\"k\":[1.5,null]}", 0);
	args[2] = tmpl_list_new(TMPL_INT64);
	tmpl_list_push(args[2], tmpl_int64(7));
	tmpl_sprintf(&sb, "%05d|%v|%T|%[3]v", strlen("%05d|%v|%T|%[3]v"),
		     args, 3);
	t_str(sb.buf, "-0005|map[k:[1.5 <nil>]]|[]int64|[7]", "sprintf");
	strbuf_reset(&sb);
	tmpl_sprintf(&sb, "a%%b", 4, NULL, 0);
	t_str(sb.buf, "a%b", "sprintf without arguments");
	strbuf_reset(&sb);
	tmpl_sprintf(&sb, "%s", 2, (struct tmpl_value *[]){ NULL }, 1);
	t_str(sb.buf, "%!s(<nil>)", "sprintf of no value");
	for (int i = 0; i < 3; i++)
		tmpl_unref(args[i]);
	strbuf_release(&sb);
}

static int f_dummy(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		   struct tmpl_value **r)
{
	*r = tmpl_string(c->name);
	return 0;
}

static void test_funcs(void)
{
	struct gerr err = GERR_INIT;
	struct tmpl_sig sig;
	struct tmpl_funcs *fs = tmpl_funcs_new();

	t_ok(tmpl_sig_parse("int, string -> string", &sig, &err) == 0 &&
		     sig.nin == 2 && !sig.variadic &&
		     sig.in[0].kind == TMPL_P_INT &&
		     sig.in[1].kind == TMPL_P_STRING &&
		     !strcmp(sig.out.type, "string"),
	     "plain signature");
	t_ok(tmpl_sig_parse("string, ...any -> map[string]any", &sig, &err) == 0 &&
		     sig.nin == 2 && sig.variadic &&
		     !strcmp(sig.in[1].type, "interface {}") &&
		     sig.in[1].can_be_nil &&
		     !strcmp(sig.out.type, "map[string]interface {}"),
	     "variadic signature with any");
	t_ok(tmpl_sig_parse("value, []any, *semver.Version, time.Time", &sig,
			    &err) == 0 && sig.nin == 4 &&
		     sig.in[0].kind == TMPL_P_VALUE &&
		     !strcmp(sig.in[1].type, "[]interface {}") &&
		     sig.in[2].can_be_nil && !sig.in[3].can_be_nil &&
		     sig.in[3].kind == TMPL_P_OTHER,
	     "reflect.Value, slices, pointers and structs");
	t_ok(tmpl_sig_parse(" -> int", &sig, &err) == 0 && sig.nin == 0,
	     "no parameters");
	t_ok(tmpl_sig_parse("...any, int", &sig, &err) < 0,
	     "variadic must be last");
	t_str(gerr_msg(&err),
	      "signature \"...any, int\": \"...\" must be the last parameter",
	      "variadic error");

	/* the builtins are there, and tables add, replace and remove */
	t_int((long long)tmpl_funcs_count(fs), 19, "Go has 19 builtins");
	t_ok(tmpl_funcs_find(fs, "printf") != NULL, "printf is a builtin");
	static const struct tmpl_func table[] = {
		{ "zeta", f_dummy, "-> string", 0 },
		{ "alpha", f_dummy, "string -> string", 0 },
		{ "len", f_dummy, "any -> string", 0 },
		{ NULL, NULL, NULL, 0 },
	};
	t_ok(tmpl_funcs_add(fs, table, &err) == 0, "add a table");
	t_int((long long)tmpl_funcs_count(fs), 21, "two new names");
	t_ok(tmpl_funcs_find(fs, "len") == &table[2],
	     "a later table replaces a name");
	tmpl_funcs_remove(fs, "alpha");
	t_ok(tmpl_funcs_find(fs, "alpha") == NULL, "removed");
	static const struct tmpl_func bad[] = {
		{ "bad", f_dummy, "int, ...string, int", 0 },
		{ NULL, NULL, NULL, 0 },
	};
	t_ok(tmpl_funcs_add(fs, bad, &err) < 0, "a bad signature is refused");
	t_str(gerr_msg(&err),
	      "function bad: signature \"int, ...string, int\": \"...\" "
	      "must be the last parameter",
	      "bad signature error");
	/* every table of the library registers */
	t_ok(tmpl_funcs_add_library(fs, &err) == 0, "the library registers: %s",
	     gerr_msg(&err));
	tmpl_funcs_free(fs);
	gerr_clear(&err);
}

/* include-like use of tmpl_call_template from a function */
static int f_include(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		     struct tmpl_value **r)
{
	struct strbuf sb = STRBUF_INIT;
	if (tmpl_call_template(c, a[0]->u.str.s, a[1], &sb) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	*r = tmpl_string_buf(&sb);
	return 0;
}

static void test_call_template(void)
{
	static const struct tmpl_func table[] = {
		{ "include", f_include, "string, any -> string", 0 },
		{ NULL, NULL, NULL, 0 },
	};
	const char *text = "{{ define \"x\" }}<{{ .a }}>{{ end }}"
			   "{{ include \"x\" . | printf \"%q\" }}"
			   "{{ define \"bad\" }}{{ .a.b }}{{ end }}";
	struct gerr err = GERR_INIT;
	struct strbuf out = STRBUF_INIT;
	struct tmpl_funcs *fs = tmpl_funcs_new();
	struct tmpl_set *set = tmpl_set_new(fs);
	struct tmpl_value *data = json_value("{\"a\":\"v\"}", 0);

	tmpl_funcs_add(fs, table, &err);
	t_ok(tmpl_set_parse(set, "main", text, strlen(text), &err) == 0,
	     "parse");
	t_ok(tmpl_execute(set, "main", data, NULL, &out, &err) == 0,
	     "execute");
	t_str(out.buf, "\"<v>\"", "a function executing a template");
	strbuf_reset(&out);

	const char *t2 = "{{ include \"bad\" . }}";
	tmpl_set_parse(set, "second", t2, strlen(t2), &err);
	t_ok(tmpl_execute(set, "second", data, NULL, &out, &err) < 0,
	     "nested error");
	t_str(gerr_msg(&err),
	      "template: second:1:3: executing \"second\" at <include \"bad\" .>: "
	      "error calling include: template: main:1:91: executing \"bad\" "
	      "at <.a.b>: can't evaluate field b in type interface {}",
	      "an error inside an included template");
	t_ok(tmpl_execute(set, "nope", data, NULL, &out, &err) < 0,
	     "an unknown template");
	t_str(gerr_msg(&err),
	      "template: no template \"nope\" associated with template \"nope\"",
	      "unknown template error");

	/* a later non-empty definition replaces, an empty one does not */
	const char *t3 = "{{ define \"x\" }}new{{ end }}{{ define \"bad\" }}  {{ end }}";
	tmpl_set_parse(set, "third", t3, strlen(t3), &err);
	strbuf_reset(&out);
	const char *t4 = "{{ template \"x\" }}|{{ template \"bad\" . }}";
	gerr_clear(&err);
	tmpl_set_parse(set, "fourth", t4, strlen(t4), &err);
	t_ok(tmpl_execute(set, "fourth", data, NULL, &out, &err) < 0,
	     "the old bad template is still there");
	t_str(out.buf, "new|", "the new x replaced the old");

	tmpl_unref(data);
	tmpl_set_free(set);
	tmpl_funcs_free(fs);
	strbuf_release(&out);
	gerr_clear(&err);
}

/* The times and layouts of testdata/template/time.txt, printed in the same
 * form as the Go program that made it. */
static void test_time(void)
{
	static const char *const layouts[] = {
		"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"Mon, 02 Jan 2006 15:04:05 -0700", "Mon Jan _2 15:04:05 2006",
		"3:04PM", "Mon Jan _2 15:04:05 2006", "02/01/06 3:04PM pm",
		".000 ,999 .9", "__2 002 Z07 -07:00:00 Z070000",
		"January Monday Jan Mon MST", "_2006", "15:04:05.00000",
		"Janx Monx", "1 2 3 4 5 6", "-0700 -07 Z07:00",
	};
	struct tmpl_value *times[] = {
		/* 2024-02-29 13:04:05.123456789 UTC */
		tmpl_time_new(1709211845, 123456789, 0, "UTC"),
		/* 2009-11-10 23:00:00 in a zone without a name, +01:00 */
		tmpl_time_new(1257890400, 0, 3600, ""),
		/* 1969-12-31 23:59:59.0000005 EST */
		tmpl_time_new(17999, 500, -5 * 3600, "EST"),
		/* Go's zero Time */
		tmpl_time_new(-62135596800LL, 0, 0, "UTC"),
		/* 2023-01-01 00:00:00 IST (+05:30) */
		tmpl_time_new(1672511400, 0, 5 * 3600 + 1800, "IST"),
	};
	struct strbuf got = STRBUF_INIT, sb = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	char path[4096];
	size_t len;

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct tmpl_value *t = times[i];
		const struct tmpl_time *tm = tmpl_time_get(t);
		strbuf_reset(&sb);
		tmpl_fmt_value(&sb, t);
		strbuf_addf(&got, "%zu String ", i);
		tmpl_quote(&got, sb.buf, sb.len);
		json_t *j = tmpl_to_json(t, &err);
		strbuf_addf(&got, "\n%zu JSON ", i);
		yaml_write_json(&got, j, 0);
		json_decref(j);
		strbuf_reset(&sb);
		tmpl_time_format(&sb, tm, "002", 3);
		strbuf_addf(&got, "\n%zu Unix %lld YearDay %d IsZero %s\n", i,
			    tm->sec, atoi(sb.buf),
			    i == 3 ? "true" : "false");
		for (size_t k = 0; k < sizeof(layouts) / sizeof(layouts[0]); k++) {
			strbuf_reset(&sb);
			tmpl_time_format(&sb, tm, layouts[k], strlen(layouts[k]));
			strbuf_addf(&got, "%zu ", i);
			tmpl_quote(&got, layouts[k], strlen(layouts[k]));
			strbuf_addstr(&got, " => ");
			tmpl_quote(&got, sb.buf, sb.len);
			strbuf_addch(&got, '\n');
		}
	}
	struct tmpl_value *cert = tmpl_certificate_new("C", 1, "K", 1);
	struct tmpl_value *args[2] = { cert, cert };
	tmpl_sprintf(&got, "%v|%+v\n", 7, args, 2);

	snprintf(path, sizeof(path), "%s/template/time.txt", t_testdata());
	char *want = source_read_file(path, &len, &err);
	if (!want) {
		t_ok(0, "read %s: %s", path, gerr_msg(&err));
	} else {
		/* skip the two comment lines */
		const char *body = strchr(strchr(want, '\n') + 1, '\n') + 1;
		t_str(got.buf, body, "time.Time and certificate as Go prints them");
	}
	free(want);

	/* methods and equality through a template */
	struct tmpl_funcs *fs = tmpl_funcs_new();
	struct tmpl_set *set = tmpl_set_new(fs);
	struct tmpl_value *data = tmpl_map_new(TMPL_NIL);
	const char *text = "{{ .t.Year }} {{ .t.YearDay }} {{ .t.Unix }} "
			   "{{ printf \"%T\" .t.Unix }} {{ .t.Format \"Jan 2\" }} "
			   "{{ .t.UTC }} {{ eq .t .t }} {{ eq .t .u }} {{ .c.Key }} "
			   "{{ printf \"%T %T\" .t .c }} {{ .t.IsZero }}";
	tmpl_map_set(data, "t", tmpl_ref(times[4]));
	tmpl_map_set(data, "u", tmpl_ref(times[0]));
	tmpl_map_set(data, "c", tmpl_ref(cert));
	strbuf_reset(&sb);
	t_ok(tmpl_set_parse(set, "t", text, strlen(text), &err) == 0 &&
		     tmpl_execute(set, "t", data, NULL, &sb, &err) == 0,
	     "time methods run: %s", gerr_msg(&err));
	t_str(sb.buf,
	      "2023 1 1672511400 int64 Jan 1 2022-12-31 18:30:00 +0000 UTC "
	      "true false K time.Time sprig.certificate false",
	      "time methods in a template");
	tmpl_unref(data);
	tmpl_set_free(set);
	tmpl_funcs_free(fs);

	/* a monotonic reading prints after the time, as time.Now() does */
	struct tmpl_value *now = tmpl_time_new_mono(0, 0, 0, "UTC", 1500000);
	strbuf_reset(&sb);
	tmpl_fmt_value(&sb, now);
	t_str(sb.buf, "1970-01-01 00:00:00 +0000 UTC m=+0.001500000",
	      "monotonic reading");
	tmpl_unref(now);

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		tmpl_unref(times[i]);
	tmpl_unref(cert);
	strbuf_release(&got);
	strbuf_release(&sb);
	gerr_clear(&err);
}

int main(void)
{
	mem_init();
	test_types();
	test_truth();
	test_compare();
	test_containers();
	test_json();
	test_conversions();
	test_sprintf();
	test_funcs();
	test_call_template();
	test_time();
	return t_done();
}
