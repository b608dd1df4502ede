/*
 * pkg/template, driven by the case files testdata/template/NAME.test.
 *
 * A case (same layout as testdata/yaml: "=== name" opens a case, "--- SECTION"
 * a section; the last newline of a section is the end of its last line, not
 * part of it):
 *
 *   === name of the case
 *   --- template        the text of template "t"
 *   {{ .a | printf "%05d" }}
 *   --- data            JSON for dot: numbers become float64, as Helm's
 *   {"a": 1}            values do (--- data-int: integers become int64)
 *   --- missingkey      optional: zero or error (Go's Option)
 *   --- output          executing "t" gives exactly this
 *   00001
 *   --- error           or: parsing or executing fails with this message
 *   --- string          optional: the parse tree printed back (Go's
 *                       Tree.Root.String())
 *   --- tree            optional: the parse trees, one line each, as an
 *                       S-expression of node types (see dump())
 *   --- go              optional: the case needs a newer Go than the one
 *                       tests/tools/gotemplate was run with; says which
 *
 * Every output, error and string section was produced by Go's text/template
 * (tests/tools/gotemplate, Go 1.19) except in cases with a "go" section,
 * whose expectations follow the release notes of the Go version named.
 *
 * Files named sprig_*.test run with the function library instead of the
 * test functions (Go's builtins plus Sprig, as Helm has them); their
 * expectations come from Sprig's documented behaviour and its Go sources,
 * explained in each file.
 *
 * The test functions below have the Go signatures the tool gives them, so
 * that argument conversion errors can be compared too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/template/template.h"
#include "pkg/template/utf8.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"


/* ---- test functions and classes ---- */

static int f_strlen(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		    struct tmpl_value **r)
{
	*r = tmpl_int((long long)a[0]->u.str.len);
	return 0;
}

static int f_repeat(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		    struct tmpl_value **r)
{
	struct strbuf sb = STRBUF_INIT;
	for (long long i = 0; i < a[0]->u.i; i++)
		strbuf_add(&sb, a[1]->u.str.s, a[1]->u.str.len);
	*r = tmpl_string_buf(&sb);
	return 0;
}

static int f_toint64(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		     struct tmpl_value **r)
{
	*r = tmpl_int64(a[0]->u.i);
	return 0;
}

static int f_half(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		  struct tmpl_value **r)
{
	*r = tmpl_float(a[0]->u.f / 2);
	return 0;
}

static int f_boolstr(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		     struct tmpl_value **r)
{
	*r = tmpl_string(a[0]->u.b ? "true" : "false");
	return 0;
}

static int f_fail(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		  struct tmpl_value **r)
{
	return tmpl_call_error(c, "%s", a[0]->u.str.s);
}

static int f_list_of(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		     struct tmpl_value **r, enum tmpl_kind elem)
{
	*r = tmpl_list_new(elem);
	for (size_t i = 0; i < n; i++)
		tmpl_list_push(*r, tmpl_ref(a[i]));
	return 0;
}

static int f_strs(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		  struct tmpl_value **r)
{
	return f_list_of(c, a, n, r, TMPL_STRING);
}

static int f_ints(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		  struct tmpl_value **r)
{
	return f_list_of(c, a, n, r, TMPL_INT);
}

static int f_dict(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		  struct tmpl_value **r)
{
	*r = tmpl_map_new(TMPL_NIL);
	for (size_t i = 0; i + 1 < n; i += 2)
		tmpl_map_set(*r, a[i]->u.str.s, tmpl_ref(a[i + 1]));
	return 0;
}

static int f_strmap(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		    struct tmpl_value **r)
{
	*r = tmpl_map_new(TMPL_STRING);
	for (size_t i = 0; i + 1 < n; i += 2)
		tmpl_map_set(*r, a[i]->u.str.s, tmpl_ref(a[i + 1]));
	return 0;
}

static int f_nilval(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		    struct tmpl_value **r)
{
	*r = tmpl_nil();
	return 0;
}

static int f_bytes(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		   struct tmpl_value **r)
{
	*r = tmpl_bytes(a[0]->u.str.s, a[0]->u.str.len);
	return 0;
}

static int f_keys(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		  struct tmpl_value **r)
{
	*r = tmpl_list_new(TMPL_STRING);
	for (size_t i = 0; i < tmpl_map_len(a[0]); i++) {
		const struct tmpl_map_entry *e = tmpl_map_entry(a[0], i);
		tmpl_list_push(*r, tmpl_stringn(e->key, e->klen));
	}
	return 0;
}

static int f_first(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		   struct tmpl_value **r)
{
	if (!tmpl_list_len(a[0]))
		return tmpl_call_error(c, "runtime error: index out of range "
					  "[0] with length 0");
	*r = tmpl_ref(tmpl_list_get(a[0], 0));
	return 0;
}

/* main.pair: a struct with two exported fields */
struct pair {
	struct tmpl_value *name, *value;
};

static const char *const pair_fields[] = { "Name", "Value", NULL };

static struct tmpl_value *pair_field(const struct tmpl_value *self, size_t i)
{
	const struct pair *p = self->u.obj.data;
	return tmpl_ref(i == 0 ? p->name : p->value);
}

static void pair_free(void *data)
{
	struct pair *p = data;
	tmpl_unref(p->name);
	tmpl_unref(p->value);
	free(p);
}

static int pair_equal(const struct tmpl_value *a, const struct tmpl_value *b)
{
	const struct pair *x = a->u.obj.data, *y = b->u.obj.data;
	int eq1 = 0, eq2 = 0;
	if (tmpl_eq(x->name, y->name, &eq1, NULL) < 0 ||
	    tmpl_eq(x->value, y->value, &eq2, NULL) < 0)
		return 0;
	return eq1 && eq2;
}

static const struct tmpl_class pair_class = {
	"main.pair", "struct", pair_fields, pair_field, NULL, NULL,
	pair_equal, NULL, pair_free,
};

static int f_pair(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		  struct tmpl_value **r)
{
	struct pair *p = xmalloc(sizeof(*p));
	p->name = tmpl_ref(a[0]);
	p->value = tmpl_ref(a[1]);
	*r = tmpl_object_new(&pair_class, p);
	return 0;
}

/* *main.ver: a pointer type with methods and String() */
static const struct tmpl_class ver_class;

static struct tmpl_value *new_ver(long long major)
{
	long long *p = xmalloc(sizeof(*p));
	*p = major;
	return tmpl_object_new(&ver_class, p);
}

static void ver_string(struct strbuf *out, const struct tmpl_value *self)
{
	strbuf_addf(out, "v%lld", *(long long *)self->u.obj.data);
}

static int ver_major(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		     struct tmpl_value **r)
{
	*r = tmpl_int(*(long long *)c->self->u.obj.data);
	return 0;
}

static int ver_add(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		   struct tmpl_value **r)
{
	*r = new_ver(*(long long *)c->self->u.obj.data + a[0]->u.i);
	return 0;
}

static int ver_fail(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		    struct tmpl_value **r)
{
	return tmpl_call_error(c, "no");
}

static int ver_string_method(struct tmpl_call *c, struct tmpl_value **a,
			     size_t n, struct tmpl_value **r)
{
	struct strbuf sb = STRBUF_INIT;
	ver_string(&sb, c->self);
	*r = tmpl_string_buf(&sb);
	return 0;
}

static const struct tmpl_func ver_methods[] = {
	{ "Add", ver_add, "int -> *main.ver", 0 },
	{ "Fail", ver_fail, " -> int", 0 },
	{ "Major", ver_major, " -> int", 0 },
	{ "String", ver_string_method, " -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct tmpl_class ver_class = {
	"*main.ver", "ptr", NULL, NULL, ver_methods, ver_string, NULL,
	NULL, free,
};

static int f_mkver(struct tmpl_call *c, struct tmpl_value **a, size_t n,
		   struct tmpl_value **r)
{
	*r = new_ver(a[0]->u.i);
	return 0;
}

static const struct tmpl_func test_funcs[] = {
	{ "strlen", f_strlen, "string -> int", 0 },
	{ "repeat", f_repeat, "int, string -> string", 0 },
	{ "toint64", f_toint64, "int -> int64", 0 },
	{ "half", f_half, "float64 -> float64", 0 },
	{ "boolstr", f_boolstr, "bool -> string", 0 },
	{ "fail", f_fail, "string -> string", 0 },
	{ "strs", f_strs, "...string -> []string", 0 },
	{ "ints", f_ints, "...int -> []int", 0 },
	{ "dict", f_dict, "...any -> map[string]any", 0 },
	{ "strmap", f_strmap, "...string -> map[string]string", 0 },
	{ "nilval", f_nilval, " -> any", 0 },
	{ "bytes", f_bytes, "string -> []uint8", 0 },
	{ "keys", f_keys, "map[string]any -> []string", 0 },
	{ "pair", f_pair, "string, any -> main.pair", 0 },
	{ "mkver", f_mkver, "int -> *main.ver", 0 },
	{ "first", f_first, "[]any -> any", 0 },
	{ NULL, NULL, NULL, 0 },
};

/* ---- tree dumps ---- */

static void dump(struct strbuf *out, const struct tmpl_node *n);

static void dump_nodes(struct strbuf *out, const struct tmpl_nodes *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		strbuf_addch(out, ' ');
		dump(out, l->v[i]);
	}
}

static void dump(struct strbuf *out, const struct tmpl_node *n)
{
	size_t i;
	switch (n->type) {
	case TMPL_NODE_DOT:
	case TMPL_NODE_NIL:
	case TMPL_NODE_BREAK:
	case TMPL_NODE_CONTINUE:
		strbuf_addstr(out, tmpl_node_type_name(n->type));
		return;
	case TMPL_NODE_BOOL:
		strbuf_addstr(out, n->u.boolean ? "true" : "false");
		return;
	default:
		break;
	}
	strbuf_addch(out, '(');
	strbuf_addstr(out, tmpl_node_type_name(n->type));
	switch (n->type) {
	case TMPL_NODE_TEXT:
		strbuf_addch(out, ' ');
		tmpl_quote(out, n->u.text.text, n->u.text.len);
		break;
	case TMPL_NODE_LIST:
		dump_nodes(out, &n->u.list);
		break;
	case TMPL_NODE_COMMAND:
		dump_nodes(out, &n->u.cmd);
		break;
	case TMPL_NODE_ACTION:
		strbuf_addch(out, ' ');
		dump(out, n->u.action);
		break;
	case TMPL_NODE_PIPE:
		if (n->u.pipe.decl.nr) {
			dump_nodes(out, &n->u.pipe.decl);
			strbuf_addstr(out, n->u.pipe.is_assign ? " =" : " :=");
		}
		dump_nodes(out, &n->u.pipe.cmds);
		break;
	case TMPL_NODE_IF:
	case TMPL_NODE_RANGE:
	case TMPL_NODE_WITH:
		strbuf_addch(out, ' ');
		dump(out, n->u.branch.pipe);
		strbuf_addch(out, ' ');
		dump(out, n->u.branch.list);
		if (n->u.branch.else_list) {
			strbuf_addstr(out, " else ");
			dump(out, n->u.branch.else_list);
		}
		break;
	case TMPL_NODE_TEMPLATE:
		strbuf_addch(out, ' ');
		tmpl_quote(out, n->u.tmpl.name, strlen(n->u.tmpl.name));
		if (n->u.tmpl.pipe) {
			strbuf_addch(out, ' ');
			dump(out, n->u.tmpl.pipe);
		}
		break;
	case TMPL_NODE_FIELD:
	case TMPL_NODE_VARIABLE:
		for (i = 0; i < n->u.field.n; i++)
			strbuf_addf(out, " %s", n->u.field.ident[i]);
		break;
	case TMPL_NODE_CHAIN:
		strbuf_addch(out, ' ');
		dump(out, n->u.chain.node);
		for (i = 0; i < n->u.chain.n; i++)
			strbuf_addf(out, " %s", n->u.chain.field[i]);
		break;
	case TMPL_NODE_IDENTIFIER:
		strbuf_addf(out, " %s", n->u.ident);
		break;
	case TMPL_NODE_NUMBER:
		strbuf_addf(out, " %s", n->u.num.text);
		if (n->u.num.is_int)
			strbuf_addf(out, " int=%lld", n->u.num.i);
		if (n->u.num.is_uint)
			strbuf_addf(out, " uint=%llu", n->u.num.u);
		if (n->u.num.is_float) {
			struct tmpl_value *f = tmpl_float(n->u.num.f);
			strbuf_addstr(out, " float=");
			tmpl_fmt_value(out, f);
			tmpl_unref(f);
		}
		break;
	case TMPL_NODE_STRING:
		strbuf_addch(out, ' ');
		tmpl_quote(out, n->u.str.text, n->u.str.len);
		break;
	default:
		break;
	}
	strbuf_addch(out, ')');
}

/* ---- cases ---- */

static struct tmpl_funcs *funcs;

/* This suite's sections end without the newline of their last line (a
 * template's output is compared exactly): the current case's bodies,
 * chomped once, by section index. */
static char *chomped[CASE_MAX_SECTIONS];

/* A section's body without its last newline; NULL when absent. */
static const char *section(const struct tcase *c, const char *name)
{
	for (int i = 0; i < c->nr; i++)
		if (!strcmp(c->s[i].name, name))
			return chomped[i];
	return NULL;
}

static struct tmpl_value *case_data(const struct tcase *c)
{
	const char *text = section(c, "data");
	unsigned flags = 0;
	if (!text && (text = section(c, "data-int")))
		flags = TMPL_JSON_INT64;
	if (!text)
		return NULL;
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	if (!j) {
		t_diag("case '%s': bad data: %s", c->name, je.text);
		return NULL;
	}
	struct tmpl_value *v = tmpl_from_json(j, flags);
	json_decref(j);
	return v;
}

static void run_case(const struct tcase *c)
{
	const char *text = section(c, "template");
	const char *want_out = section(c, "output");
	const char *want_err = section(c, "error");
	const char *want;
	struct gerr err = GERR_INIT;
	struct strbuf out = STRBUF_INIT;
	struct tmpl_set *set = tmpl_set_new(funcs);
	struct tmpl_value *data = NULL;
	struct tmpl_exec_options opts = { TMPL_MISSING_INVALID, NULL };
	int rc;

	if (!text) {
		t_ok(0, "%s: case has no template", c->name);
		goto done;
	}
	if ((want = section(c, "missingkey")))
		opts.missing_key = !strcmp(want, "zero")    ? TMPL_MISSING_ZERO
				   : !strcmp(want, "error") ? TMPL_MISSING_ERROR
							    : TMPL_MISSING_INVALID;
	rc = tmpl_set_parse(set, "t", text, strlen(text), &err);
	if (rc == 0 && (want = section(c, "string"))) {
		struct strbuf sb = STRBUF_INIT;
		tmpl_node_string(&sb, tmpl_set_lookup(set, "t")->root);
		t_str(sb.buf, want, "%s: tree as a string", c->name);
		strbuf_release(&sb);
	}
	if (rc == 0 && (want = section(c, "tree"))) {
		struct tmpl_tree **trees;
		size_t n;
		struct strbuf sb = STRBUF_INIT;
		struct gerr e2 = GERR_INIT;
		tmpl_parse_text("t", text, strlen(text), funcs, &trees, &n, &e2);
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_addch(&sb, '\n');
			strbuf_addf(&sb, "%s: ", trees[i]->name);
			dump(&sb, trees[i]->root);
			tmpl_tree_free(trees[i]);
		}
		free(trees);
		t_str(sb.buf, want, "%s: tree", c->name);
		strbuf_release(&sb);
		gerr_clear(&e2);
	}
	if (rc == 0) {
		data = case_data(c);
		rc = tmpl_execute(set, "t", data, &opts, &out, &err);
	}
	if (want_err) {
		t_str(rc < 0 ? gerr_msg(&err) : "(no error)", want_err,
		      "%s: error", c->name);
		if (rc == 0)
			t_diag("output: %s", out.buf);
	} else if (rc < 0) {
		t_ok(0, "%s: runs", c->name);
		t_diag("%s", gerr_msg(&err));
	} else if (want_out) {
		t_str(out.buf, want_out, "%s: output", c->name);
	}
done:
	tmpl_unref(data);
	tmpl_set_free(set);
	strbuf_release(&out);
	gerr_clear(&err);
}

static struct tmpl_funcs *test_set, *library_set;

static void case_cb(const struct tcase *c, void *data)
{
	(void)data;
	/* sprig_*.test run against the library, the rest against the test
	 * functions above */
	const char *base = strrchr(c->file, '/');
	funcs = !strncmp(base ? base + 1 : c->file, "sprig_", 6) ? library_set
								  : test_set;
	for (int i = 0; i < c->nr; i++) {
		const struct strbuf *b = &c->s[i].body;
		size_t n = b->len && b->buf[b->len - 1] == '\n' ? b->len - 1
								: b->len;
		chomped[i] = xstrndup(b->buf, n);
	}
	run_case(c);
	for (int i = 0; i < c->nr; i++) {
		free(chomped[i]);
		chomped[i] = NULL;
	}
}

int main(void)
{
	struct gerr err = GERR_INIT;

	mem_init();
	/* Sprig's date functions use the local zone: make it UTC */
	setenv("TZ", "UTC", 1);
	test_set = tmpl_funcs_new();
	library_set = tmpl_funcs_new();
	t_ok(tmpl_funcs_add(test_set, test_funcs, &err) == 0,
	     "test functions register: %s", gerr_msg(&err));
	t_ok(tmpl_funcs_add_library(library_set, &err) == 0,
	     "library registers: %s", gerr_msg(&err));
	cases_run_dir("template", case_cb, NULL);
	tmpl_funcs_free(test_set);
	tmpl_funcs_free(library_set);
	gerr_clear(&err);
	return t_done();
}
