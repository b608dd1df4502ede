/*
 * The executor: walks the trees of parse.h over values of value.h, as
 * text/template's exec.go does, with its error messages.
 *
 * An evaluated operand is a `struct xv`: the value (NULL for Go's invalid
 * reflect.Value, "no value") and whether its static type is interface{} —
 * true for what comes out of a map[string]interface{} or []interface{} or
 * a function returning interface{}. Go tells the two apart in messages
 * ("can't evaluate field y in type interface {}") and in nil handling, and
 * looks through the interface after each command of a pipeline, where a
 * nil interface{} becomes no value.
 *
 * Every eval function returns 0, or -1 once s->failed is set; values are
 * new references owned by the caller.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/template/template.h"
#include "pkg/template/utf8.h"

struct tmpl_set {
	const struct tmpl_funcs *funcs;
	const struct tmpl_set *parent;  /* looked in when a name is not here */
	struct tmpl_tree **trees;
	size_t nr, alloc;
};

struct xv {
	struct tmpl_value *v;
	int iface;
};

struct var {
	const char *name;       /* borrowed from the tree */
	struct xv val;
};

enum ctrl { CTRL_NONE, CTRL_BREAK, CTRL_CONTINUE };

struct tmpl_exec {
	struct tmpl_set *set;
	const struct tmpl_tree *tmpl;   /* the template being executed */
	struct strbuf *out;
	const struct tmpl_node *node;   /* for error context: Go's s.at() */
	struct var *vars;
	size_t nvars, alloc;
	int depth;
	enum tmpl_missing_key missing_key;
	void *user;
	struct gerr *err;
	int failed;
	enum ctrl ctrl;
};

typedef struct tmpl_exec state;

/* A sentinel for "no final argument" (Go's missingVal). */
static struct tmpl_value missing_val = { TMPL_NIL, -1, { 0 } };
#define MISSING (&missing_val)

static struct xv xv(struct tmpl_value *v, int iface)
{
	struct xv x = { v, iface };
	return x;
}

/* ---- errors ---- */

static int errorf(state *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int errorf(state *s, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (s->failed)
		return -1;
	if (s->node) {
		int line, col;
		tmpl_node_location(s->node, &line, &col);
		strbuf_addf(&sb, "template: %s:%d:%d: executing ",
			    s->node->src->name, line, col);
		tmpl_utf8_quote(&sb, s->tmpl->name, strlen(s->tmpl->name), 0);
		strbuf_addstr(&sb, " at <");
		tmpl_node_string(&sb, s->node);
		strbuf_addstr(&sb, ">: ");
	} else {
		strbuf_addf(&sb, "template: %s: ", s->tmpl->name);
	}
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	gerr_setc(s->err, GERR_INPUT, "%s", sb.buf);
	strbuf_release(&sb);
	s->failed = 1;
	return -1;
}

static void at(state *s, const struct tmpl_node *n)
{
	s->node = n;
}

/* A node as text, for messages ("expected string; found 3"). */
static const char *node_text(const struct tmpl_node *n, struct strbuf *sb)
{
	strbuf_reset(sb);
	tmpl_node_string(sb, n);
	return sb->buf;
}

/* ---- variables ---- */

static void push(state *s, const char *name, struct xv val)
{
	ALLOC_GROW(s->vars, s->nvars + 1, s->alloc);
	s->vars[s->nvars].name = name;
	s->vars[s->nvars].val = val;
	s->nvars++;
}

static size_t mark(const state *s)
{
	return s->nvars;
}

static void pop(state *s, size_t m)
{
	while (s->nvars > m)
		tmpl_unref(s->vars[--s->nvars].val.v);
}

static int set_var(state *s, const char *name, struct xv val)
{
	for (size_t i = s->nvars; i-- > 0;)
		if (!strcmp(s->vars[i].name, name)) {
			tmpl_unref(s->vars[i].val.v);
			s->vars[i].val = val;
			return 0;
		}
	tmpl_unref(val.v);
	return errorf(s, "undefined variable: %s", name);
}

static void set_top_var(state *s, size_t n, struct xv val)
{
	tmpl_unref(s->vars[s->nvars - n].val.v);
	s->vars[s->nvars - n].val = val;
}

static int var_value(state *s, const char *name, struct xv *out)
{
	for (size_t i = s->nvars; i-- > 0;)
		if (!strcmp(s->vars[i].name, name)) {
			*out = s->vars[i].val;
			tmpl_ref(out->v);
			return 0;
		}
	return errorf(s, "undefined variable: %s", name);
}

/* ---- evaluation ---- */

static int eval_pipeline(state *s, struct xv dot, const struct tmpl_node *pipe,
			 struct xv *out);
static int eval_command(state *s, struct xv dot, const struct tmpl_node *cmd,
			struct xv final, struct xv *out);
static int eval_function(state *s, struct xv dot, const struct tmpl_node *ident,
			 const struct tmpl_node *cmd,
			 struct tmpl_node *const *args, size_t nargs,
			 struct xv final, struct xv *out);
static int eval_field_node(state *s, struct xv dot, const struct tmpl_node *field,
			   struct tmpl_node *const *args, size_t nargs,
			   struct xv final, struct xv *out);
static int eval_chain_node(state *s, struct xv dot, const struct tmpl_node *chain,
			   struct tmpl_node *const *args, size_t nargs,
			   struct xv final, struct xv *out);
static int eval_variable_node(state *s, struct xv dot,
			      const struct tmpl_node *var,
			      struct tmpl_node *const *args, size_t nargs,
			      struct xv final, struct xv *out);

static int is_missing(struct xv v)
{
	return v.v == MISSING;
}

static int not_a_function(state *s, struct tmpl_node *const *args,
			  size_t nargs, struct xv final)
{
	struct strbuf sb = STRBUF_INIT;
	if (nargs > 1 || !is_missing(final)) {
		errorf(s, "can't give argument to non-function %s",
		       node_text(args[0], &sb));
		strbuf_release(&sb);
		return -1;
	}
	return 0;
}

/* The value of a number literal without a type to convert it to. */
static int ideal_constant(state *s, const struct tmpl_node *n, struct xv *out)
{
	const struct tmpl_number *num = &n->u.num;
	const char *t = num->text;
	int hex_int = strlen(t) > 2 && t[0] == '0' &&
		      (t[1] == 'x' || t[1] == 'X') && !strpbrk(t, "pP");
	int rune_int = t[0] == '\'';
	at(s, n);
	if (num->is_float && !hex_int && !rune_int && strpbrk(t, ".eEpP")) {
		*out = xv(tmpl_float(num->f), 0);
		return 0;
	}
	if (num->is_int) {
		*out = xv(tmpl_int(num->i), 0);
		return 0;
	}
	if (num->is_uint)
		return errorf(s, "%s overflows int", t);
	*out = xv(NULL, 0);
	return 0;
}

static int eval_empty_interface(state *s, struct xv dot,
				const struct tmpl_node *n, struct xv *out)
{
	at(s, n);
	switch (n->type) {
	case TMPL_NODE_BOOL:
		*out = xv(tmpl_bool(n->u.boolean), 0);
		return 0;
	case TMPL_NODE_DOT:
		*out = xv(tmpl_ref(dot.v), dot.iface);
		return 0;
	case TMPL_NODE_FIELD:
		return eval_field_node(s, dot, n, (struct tmpl_node *const *)&n,
				       1, xv(MISSING, 0), out);
	case TMPL_NODE_IDENTIFIER:
		return eval_function(s, dot, n, n, NULL, 0, xv(MISSING, 0), out);
	case TMPL_NODE_NIL:
		return errorf(s, "evalEmptyInterface: nil (can't happen)");
	case TMPL_NODE_NUMBER:
		return ideal_constant(s, n, out);
	case TMPL_NODE_STRING:
		*out = xv(tmpl_stringn(n->u.str.text, n->u.str.len), 0);
		return 0;
	case TMPL_NODE_VARIABLE:
		return eval_variable_node(s, dot, n, NULL, 0, xv(MISSING, 0),
					  out);
	case TMPL_NODE_PIPE:
		return eval_pipeline(s, dot, n, out);
	default: {
		struct strbuf sb = STRBUF_INIT;
		errorf(s, "can't handle assignment of %s to empty interface "
			  "argument", node_text(n, &sb));
		strbuf_release(&sb);
		return -1;
	}
	}
}

/* Go's reflect.Zero for a parameter type that can be nil. */
static struct tmpl_value *zero_for(const struct tmpl_param *p)
{
	static const struct {
		const char *suffix;
		enum tmpl_kind kind;
	} elems[] = {
		{ "bool", TMPL_BOOL }, { "int", TMPL_INT }, { "int64", TMPL_INT64 },
		{ "float64", TMPL_FLOAT64 }, { "string", TMPL_STRING },
	};
	const char *elem = NULL;
	if (p->kind == TMPL_P_VALUE)
		return NULL;
	if (!strncmp(p->type, "[]", 2))
		elem = p->type + 2;
	else if (!strncmp(p->type, "map[string]", 11))
		elem = p->type + 11;
	if (!elem)
		return tmpl_nil();
	enum tmpl_kind k = TMPL_NIL;
	for (size_t i = 0; i < sizeof(elems) / sizeof(elems[0]); i++)
		if (!strcmp(elem, elems[i].suffix))
			k = elems[i].kind;
	return p->type[0] == '[' ? tmpl_list_new(k) : tmpl_map_new(k);
}

/* validateType: may the value be passed as a parameter of type p? */
static int validate_type(state *s, struct xv v, const struct tmpl_param *p,
			 struct tmpl_value **out)
{
	if (!v.v) {
		if (p->can_be_nil) {
			*out = zero_for(p);
			return 0;
		}
		return errorf(s, "invalid value; expected %s", p->type);
	}
	if (p->kind == TMPL_P_VALUE || p->kind == TMPL_P_ANY) {
		*out = v.v;
		return 0;
	}
	if (v.v->kind != TMPL_NIL && tmpl_param_accepts(p, v.v)) {
		*out = v.v;
		return 0;
	}
	const char *got = v.v->kind == TMPL_NIL ? "interface {}"
						: tmpl_type_name(v.v);
	errorf(s, "wrong type for value; expected %s; got %s", p->type, got);
	tmpl_unref(v.v);
	return -1;
}

/* evalArg: one argument node for a parameter of type p. */
static int eval_arg(state *s, struct xv dot, const struct tmpl_param *p,
		    const struct tmpl_node *n, struct tmpl_value **out)
{
	struct xv v;
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;

	at(s, n);
	switch (n->type) {
	case TMPL_NODE_DOT:
		return validate_type(s, xv(tmpl_ref(dot.v), dot.iface), p, out);
	case TMPL_NODE_NIL:
		if (p->can_be_nil) {
			*out = zero_for(p);
			return 0;
		}
		return errorf(s, "cannot assign nil to %s", p->type);
	case TMPL_NODE_FIELD:
		if (eval_field_node(s, dot, n, (struct tmpl_node *const *)&n, 1,
				    xv(MISSING, 0), &v) < 0)
			return -1;
		return validate_type(s, v, p, out);
	case TMPL_NODE_VARIABLE:
		if (eval_variable_node(s, dot, n, NULL, 0, xv(MISSING, 0), &v) < 0)
			return -1;
		return validate_type(s, v, p, out);
	case TMPL_NODE_PIPE:
		if (eval_pipeline(s, dot, n, &v) < 0)
			return -1;
		return validate_type(s, v, p, out);
	case TMPL_NODE_IDENTIFIER:
		if (eval_function(s, dot, n, n, NULL, 0, xv(MISSING, 0), &v) < 0)
			return -1;
		return validate_type(s, v, p, out);
	case TMPL_NODE_CHAIN:
		if (eval_chain_node(s, dot, n, NULL, 0, xv(MISSING, 0), &v) < 0)
			return -1;
		return validate_type(s, v, p, out);
	default:
		break;
	}
	switch (p->kind) {
	case TMPL_P_BOOL:
		if (n->type == TMPL_NODE_BOOL)
			*out = tmpl_bool(n->u.boolean);
		else
			rc = errorf(s, "expected bool; found %s",
				    node_text(n, &sb));
		break;
	case TMPL_P_INT:
		if (n->type == TMPL_NODE_NUMBER && n->u.num.is_int)
			*out = strcmp(p->type, "int64") ? tmpl_int(n->u.num.i)
							: tmpl_int64(n->u.num.i);
		else
			rc = errorf(s, "expected integer; found %s",
				    node_text(n, &sb));
		break;
	case TMPL_P_UINT:
		if (n->type == TMPL_NODE_NUMBER && n->u.num.is_uint &&
		    n->u.num.u <= 0xFFFFFFFFULL)
			*out = tmpl_int64((long long)n->u.num.u);
		else
			rc = errorf(s, "expected unsigned integer; found %s",
				    node_text(n, &sb));
		break;
	case TMPL_P_FLOAT:
		if (n->type == TMPL_NODE_NUMBER && n->u.num.is_float)
			*out = tmpl_float(n->u.num.f);
		else
			rc = errorf(s, "expected float; found %s",
				    node_text(n, &sb));
		break;
	case TMPL_P_STRING:
		if (n->type == TMPL_NODE_STRING)
			*out = tmpl_stringn(n->u.str.text, n->u.str.len);
		else
			rc = errorf(s, "expected string; found %s",
				    node_text(n, &sb));
		break;
	case TMPL_P_ANY:
	case TMPL_P_VALUE:
		if (eval_empty_interface(s, dot, n, &v) < 0)
			rc = -1;
		else
			*out = v.v ? v.v : (p->kind == TMPL_P_ANY ? tmpl_nil()
								  : NULL);
		break;
	default:
		rc = errorf(s, "can't handle %s for arg of type %s",
			    node_text(n, &sb), p->type);
	}
	strbuf_release(&sb);
	return rc;
}

static void free_argv(struct tmpl_value **argv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tmpl_unref(argv[i]);
	free(argv);
}

/*
 * evalCall: call fn (a function, or a method of self) with the argument
 * nodes args[1..] and the final value of a pipeline. args[0] is the node
 * that named the function.
 */
static int eval_call(state *s, struct xv dot, const struct tmpl_func *fn,
		     const struct tmpl_sig *fsig, const struct tmpl_value *self,
		     const struct tmpl_node *node, const char *name,
		     struct tmpl_node *const *args, size_t nargs,
		     struct xv final, struct xv *out)
{
	struct tmpl_sig parsed;
	struct gerr serr = GERR_INIT;
	size_t nin, num_fixed, i = 0;
	struct tmpl_value **argv;

	/* a method's signature is parsed here; a function's was parsed
	 * when it joined the set */
	if (!fsig) {
		if (tmpl_sig_parse(fn->sig, &parsed, &serr) < 0) {
			errorf(s, "%s", gerr_msg(&serr));
			gerr_clear(&serr);
			return -1;
		}
		fsig = &parsed;
	}
	if (nargs)
		args++, nargs--;
	nin = nargs + (is_missing(final) ? 0 : 1);
	num_fixed = nargs;
	if (fsig->variadic) {
		num_fixed = (size_t)fsig->nin - 1;
		if (nin < num_fixed)
			return errorf(s, "wrong number of args for %s: want at "
					 "least %d got %zu", name, fsig->nin - 1,
				      nargs);
	} else if (nin != (size_t)fsig->nin) {
		return errorf(s, "wrong number of args for %s: want %d got %zu",
			      name, fsig->nin, nin);
	}

	if (fn->flags & TMPL_FUNC_SHORT_CIRCUIT) {
		struct tmpl_value *v = NULL;
		int is_or = !strcmp(name, "or");
		for (i = 0; i < nargs; i++) {
			tmpl_unref(v);
			v = NULL;
			if (eval_arg(s, dot, &fsig->in[0], args[i], &v) < 0)
				return -1;
			if (tmpl_truth(v) == is_or) {
				*out = xv(v, 0);
				return 0;
			}
		}
		if (!is_missing(final)) {
			tmpl_unref(v);
			v = tmpl_ref(final.v);
		}
		*out = xv(v, 0);
		return 0;
	}

	argv = xcalloc(nin ? nin : 1, sizeof(*argv));
	for (; i < num_fixed && i < nargs; i++)
		if (eval_arg(s, dot, &fsig->in[i], args[i], &argv[i]) < 0)
			goto fail;
	if (fsig->variadic)
		for (; i < nargs; i++)
			if (eval_arg(s, dot, &fsig->in[fsig->nin - 1], args[i],
				     &argv[i]) < 0)
				goto fail;
	if (!is_missing(final)) {
		const struct tmpl_param *t = &fsig->in[fsig->nin - 1];
		if (fsig->variadic && nin - 1 < num_fixed)
			t = &fsig->in[nin - 1];
		if (validate_type(s, xv(tmpl_ref(final.v), final.iface), t,
				  &argv[i]) < 0)
			goto fail;
	}

	struct tmpl_call call = { name, s, s->user, self, s->err };
	struct tmpl_value *result = NULL;
	if (fn->fn(&call, argv, nin, &result) < 0) {
		struct gerr cerr = GERR_INIT;
		gerr_move(&cerr, s->err);
		at(s, node);
		errorf(s, "error calling %s: %s", name, gerr_msg(&cerr));
		gerr_clear(&cerr);
		tmpl_unref(result);
		goto fail;
	}
	free_argv(argv, nin);
	*out = xv(result, fsig->out.kind == TMPL_P_ANY ||
				  (result && result->kind == TMPL_NIL));
	return 0;
fail:
	free_argv(argv, nin);
	return -1;
}

static const struct tmpl_func *find_method(const struct tmpl_value *v,
					   const char *name)
{
	const struct tmpl_class *cls = NULL;
	if (!v)
		return NULL;
	if (v->kind == TMPL_OBJECT)
		cls = v->u.obj.cls;
	else if (v->kind == TMPL_LIST)
		cls = v->u.list.cls;
	else if (v->kind == TMPL_MAP)
		cls = v->u.map.cls;
	if (!cls || !cls->methods)
		return NULL;
	for (const struct tmpl_func *m = cls->methods; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static struct tmpl_value *zero_elem(enum tmpl_kind elem)
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

/* evalField: .name on receiver (a method call when it is a method). Takes
 * the reference to receiver. */
static int eval_field(state *s, struct xv dot, const char *name,
		      const struct tmpl_node *node,
		      struct tmpl_node *const *args, size_t nargs,
		      struct xv final, struct xv receiver, struct xv *out)
{
	struct tmpl_value *r = receiver.v;
	const char *typ;
	int rc = 0;

	if (!r) {
		if (s->missing_key == TMPL_MISSING_ERROR) {
			struct strbuf q = STRBUF_INIT;
			tmpl_utf8_quote(&q, name, strlen(name), 0);
			errorf(s, "nil data; no entry for key %s", q.buf);
			strbuf_release(&q);
			return -1;
		}
		*out = xv(NULL, 0);
		return 0;
	}
	typ = receiver.iface ? "interface {}" : tmpl_type_name(r);
	if (r->kind == TMPL_NIL) {
		rc = errorf(s, "nil pointer evaluating %s.%s", typ, name);
		goto done;
	}
	const struct tmpl_func *m = find_method(r, name);
	if (m) {
		rc = eval_call(s, dot, m, NULL, r, node, name, args, nargs,
			       final, out);
		goto done;
	}
	int has_args = nargs > 1 || !is_missing(final);
	if (r->kind == TMPL_OBJECT) {
		const struct tmpl_class *cls = r->u.obj.cls;
		for (size_t i = 0; cls->fields && cls->fields[i]; i++) {
			if (strcmp(cls->fields[i], name))
				continue;
			if (has_args) {
				rc = errorf(s, "%s has arguments but cannot be "
					       "invoked as function", name);
				goto done;
			}
			*out = xv(cls->field(r, i), 0);
			goto done;
		}
	} else if (r->kind == TMPL_MAP) {
		if (has_args) {
			rc = errorf(s, "%s is not a method but has arguments",
				    name);
			goto done;
		}
		struct tmpl_value *e = tmpl_map_get(r, name);
		int iface = r->u.map.elem == TMPL_NIL;
		if (e) {
			*out = xv(tmpl_ref(e), iface);
			goto done;
		}
		switch (s->missing_key) {
		case TMPL_MISSING_INVALID:
			*out = xv(NULL, 0);
			break;
		case TMPL_MISSING_ZERO:
			*out = xv(zero_elem(r->u.map.elem), iface);
			break;
		case TMPL_MISSING_ERROR: {
			struct strbuf q = STRBUF_INIT;
			tmpl_utf8_quote(&q, name, strlen(name), 0);
			rc = errorf(s, "map has no entry for key %s", q.buf);
			strbuf_release(&q);
			break;
		}
		}
		goto done;
	}
	rc = errorf(s, "can't evaluate field %s in type %s", name, typ);
done:
	tmpl_unref(r);
	return rc;
}

static int eval_field_chain(state *s, struct xv dot, struct xv receiver,
			    const struct tmpl_node *node, char *const *ident,
			    size_t n, struct tmpl_node *const *args,
			    size_t nargs, struct xv final, struct xv *out)
{
	for (size_t i = 0; i + 1 < n; i++) {
		struct xv next;
		if (eval_field(s, dot, ident[i], node, NULL, 0, xv(MISSING, 0),
			       receiver, &next) < 0)
			return -1;
		receiver = next;
	}
	return eval_field(s, dot, ident[n - 1], node, args, nargs, final,
			  receiver, out);
}

static int eval_field_node(state *s, struct xv dot, const struct tmpl_node *field,
			   struct tmpl_node *const *args, size_t nargs,
			   struct xv final, struct xv *out)
{
	at(s, field);
	return eval_field_chain(s, dot, xv(tmpl_ref(dot.v), dot.iface), field,
				field->u.field.ident, field->u.field.n, args,
				nargs, final, out);
}

static int eval_chain_node(state *s, struct xv dot, const struct tmpl_node *chain,
			   struct tmpl_node *const *args, size_t nargs,
			   struct xv final, struct xv *out)
{
	struct xv pipe;
	const struct tmpl_node *n = chain->u.chain.node;
	at(s, chain);
	if (n->type == TMPL_NODE_NIL) {
		struct strbuf sb = STRBUF_INIT;
		errorf(s, "indirection through explicit nil in %s",
		       node_text(chain, &sb));
		strbuf_release(&sb);
		return -1;
	}
	/* evalArg with no type: the operand's value as it is */
	switch (n->type) {
	case TMPL_NODE_PIPE:
		if (eval_pipeline(s, dot, n, &pipe) < 0)
			return -1;
		break;
	case TMPL_NODE_IDENTIFIER:
		if (eval_function(s, dot, n, n, NULL, 0, xv(MISSING, 0), &pipe) < 0)
			return -1;
		break;
	default:
		if (eval_empty_interface(s, dot, n, &pipe) < 0)
			return -1;
	}
	return eval_field_chain(s, dot, pipe, chain, chain->u.chain.field,
				chain->u.chain.n, args, nargs, final, out);
}

static int eval_variable_node(state *s, struct xv dot,
			      const struct tmpl_node *var,
			      struct tmpl_node *const *args, size_t nargs,
			      struct xv final, struct xv *out)
{
	struct xv value;
	at(s, var);
	if (var_value(s, var->u.field.ident[0], &value) < 0)
		return -1;
	if (var->u.field.n == 1) {
		if (not_a_function(s, args, nargs, final) < 0) {
			tmpl_unref(value.v);
			return -1;
		}
		*out = value;
		return 0;
	}
	return eval_field_chain(s, dot, value, var, var->u.field.ident + 1,
				var->u.field.n - 1, args, nargs, final, out);
}

static int eval_function(state *s, struct xv dot, const struct tmpl_node *ident,
			 const struct tmpl_node *cmd,
			 struct tmpl_node *const *args, size_t nargs,
			 struct xv final, struct xv *out)
{
	const char *name = ident->u.ident;
	const struct tmpl_func *fn = tmpl_funcs_find(s->set->funcs, name);
	at(s, ident);
	if (!fn) {
		struct strbuf q = STRBUF_INIT;
		tmpl_utf8_quote(&q, name, strlen(name), 0);
		errorf(s, "%s is not a defined function", q.buf);
		strbuf_release(&q);
		return -1;
	}
	return eval_call(s, dot, fn, tmpl_funcs_sig(s->set->funcs, name), NULL,
			 cmd, name, args, nargs, final, out);
}

static int eval_command(state *s, struct xv dot, const struct tmpl_node *cmd,
			struct xv final, struct xv *out)
{
	struct tmpl_node *const *args = cmd->u.cmd.v;
	size_t nargs = cmd->u.cmd.nr;
	const struct tmpl_node *first = args[0];

	switch (first->type) {
	case TMPL_NODE_FIELD:
		return eval_field_node(s, dot, first, args, nargs, final, out);
	case TMPL_NODE_CHAIN:
		return eval_chain_node(s, dot, first, args, nargs, final, out);
	case TMPL_NODE_IDENTIFIER:
		return eval_function(s, dot, first, cmd, args, nargs, final, out);
	case TMPL_NODE_PIPE:
		if (not_a_function(s, args, nargs, final) < 0)
			return -1;
		return eval_pipeline(s, dot, first, out);
	case TMPL_NODE_VARIABLE:
		return eval_variable_node(s, dot, first, args, nargs, final, out);
	default:
		break;
	}
	at(s, first);
	if (not_a_function(s, args, nargs, final) < 0)
		return -1;
	switch (first->type) {
	case TMPL_NODE_BOOL:
		*out = xv(tmpl_bool(first->u.boolean), 0);
		return 0;
	case TMPL_NODE_DOT:
		*out = xv(tmpl_ref(dot.v), dot.iface);
		return 0;
	case TMPL_NODE_NIL:
		return errorf(s, "nil is not a command");
	case TMPL_NODE_NUMBER:
		return ideal_constant(s, first, out);
	case TMPL_NODE_STRING:
		*out = xv(tmpl_stringn(first->u.str.text, first->u.str.len), 0);
		return 0;
	default: {
		struct strbuf sb = STRBUF_INIT, q = STRBUF_INIT;
		node_text(first, &sb);
		tmpl_utf8_quote(&q, sb.buf, sb.len, 0);
		errorf(s, "can't evaluate command %s", q.buf);
		strbuf_release(&sb);
		strbuf_release(&q);
		return -1;
	}
	}
}

static int eval_pipeline(state *s, struct xv dot, const struct tmpl_node *pipe,
			 struct xv *out)
{
	struct xv value = xv(MISSING, 0);
	if (!pipe) {
		*out = xv(NULL, 0);
		return 0;
	}
	at(s, pipe);
	for (size_t i = 0; i < pipe->u.pipe.cmds.nr; i++) {
		struct xv next;
		int rc = eval_command(s, dot, pipe->u.pipe.cmds.v[i], value,
				      &next);
		if (!is_missing(value))
			tmpl_unref(value.v);
		if (rc < 0)
			return -1;
		/* Go's "lovely" step: look through an interface{}, where a
		 * nil becomes no value */
		value = next;
		if (value.iface && value.v && value.v->kind == TMPL_NIL) {
			tmpl_unref(value.v);
			value.v = NULL;
		}
		value.iface = 0;
	}
	for (size_t i = 0; i < pipe->u.pipe.decl.nr; i++) {
		const char *name = pipe->u.pipe.decl.v[i]->u.field.ident[0];
		struct xv v = xv(tmpl_ref(value.v), value.iface);
		if (pipe->u.pipe.is_assign) {
			if (set_var(s, name, v) < 0) {
				tmpl_unref(value.v);
				return -1;
			}
		} else {
			push(s, name, v);
		}
	}
	*out = value;
	return 0;
}

/* ---- walking ---- */

static int walk(state *s, struct xv dot, const struct tmpl_node *node);

static int print_value(state *s, const struct tmpl_node *n, struct xv v)
{
	at(s, n);
	tmpl_fmt_print(s->out, v.v);
	return 0;
}

static int walk_if_or_with(state *s, enum tmpl_node_type type, struct xv dot,
			   const struct tmpl_node *n)
{
	size_t m = mark(s);
	struct xv val;
	int rc = 0;

	if (eval_pipeline(s, dot, n->u.branch.pipe, &val) < 0) {
		pop(s, m);
		return -1;
	}
	if (tmpl_truth(val.v)) {
		if (type == TMPL_NODE_WITH)
			rc = walk(s, val, n->u.branch.list);
		else
			rc = walk(s, dot, n->u.branch.list);
	} else if (n->u.branch.else_list) {
		rc = walk(s, dot, n->u.branch.else_list);
	}
	tmpl_unref(val.v);
	pop(s, m);
	return rc;
}

/* One pass of a range body; returns 1 after {{break}}. */
static int one_iteration(state *s, const struct tmpl_node *r, size_t m,
			 struct xv index, struct xv elem, int *stop)
{
	size_t ndecl = r->u.branch.pipe->u.pipe.decl.nr;
	int rc;
	if (ndecl > 0)
		set_top_var(s, 1, xv(tmpl_ref(elem.v), elem.iface));
	if (ndecl > 1)
		set_top_var(s, 2, xv(tmpl_ref(index.v), index.iface));
	rc = walk(s, elem, r->u.branch.list);
	pop(s, m);
	*stop = s->ctrl == CTRL_BREAK;
	s->ctrl = CTRL_NONE;
	return rc;
}

static int walk_range(state *s, struct xv dot, const struct tmpl_node *r)
{
	size_t m0 = mark(s), m;
	struct xv val;
	int rc = 0, stop = 0, ran = 0;

	at(s, r);
	if (eval_pipeline(s, dot, r->u.branch.pipe, &val) < 0) {
		pop(s, m0);
		return -1;
	}
	m = mark(s);
	const struct tmpl_value *v = val.v;
	if (!v || v->kind == TMPL_NIL) {
		/* no value acts like an empty map */
	} else if (v->kind == TMPL_LIST || v->kind == TMPL_BYTES) {
		size_t n = (size_t)tmpl_len(v);
		for (size_t i = 0; i < n && !stop && rc == 0; i++) {
			struct tmpl_value *idx = tmpl_int((long long)i);
			struct tmpl_value *e =
				v->kind == TMPL_LIST
					? tmpl_ref(v->u.list.v[i])
					: tmpl_int((unsigned char)v->u.str.s[i]);
			int iface = v->kind == TMPL_LIST &&
				    v->u.list.elem == TMPL_NIL;
			rc = one_iteration(s, r, m, xv(idx, 0), xv(e, iface),
					   &stop);
			tmpl_unref(idx);
			tmpl_unref(e);
			ran = 1;
		}
	} else if (v->kind == TMPL_MAP) {
		/* the body may change the map (set, unset): iterate over a
		 * snapshot, as Go's range over the sorted keys does */
		int iface = v->u.map.elem == TMPL_NIL;
		size_t n = v->u.map.nr;
		struct tmpl_value **kv = xcalloc(2 * n + 1, sizeof(*kv));
		for (size_t i = 0; i < n; i++) {
			kv[2 * i] = tmpl_stringn(v->u.map.e[i].key,
						 v->u.map.e[i].klen);
			kv[2 * i + 1] = tmpl_ref(v->u.map.e[i].value);
		}
		for (size_t i = 0; i < n && !stop && rc == 0; i++) {
			rc = one_iteration(s, r, m, xv(kv[2 * i], 0),
					   xv(kv[2 * i + 1], iface), &stop);
			ran = 1;
		}
		for (size_t i = 0; i < 2 * n; i++)
			tmpl_unref(kv[i]);
		free(kv);
	} else if (v->kind == TMPL_INT || v->kind == TMPL_INT64) {
		/* Go 1.22: range over an integer n yields 0..n-1 */
		if (r->u.branch.pipe->u.pipe.decl.nr > 1) {
			struct strbuf sb = STRBUF_INIT;
			tmpl_fmt_value(&sb, v);
			rc = errorf(s, "can't use %s to iterate over more than "
				       "one variable", sb.buf);
			strbuf_release(&sb);
		}
		for (long long i = 0; rc == 0 && i < v->u.i && !stop; i++) {
			struct tmpl_value *e = v->kind == TMPL_INT
						       ? tmpl_int(i)
						       : tmpl_int64(i);
			rc = one_iteration(s, r, m, xv(NULL, 0), xv(e, 0),
					   &stop);
			tmpl_unref(e);
			ran = 1;
		}
	} else {
		struct strbuf sb = STRBUF_INIT;
		tmpl_fmt_value(&sb, v);
		rc = errorf(s, "range can't iterate over %s", sb.buf);
		strbuf_release(&sb);
	}
	if (rc == 0 && !ran && r->u.branch.else_list)
		rc = walk(s, dot, r->u.branch.else_list);
	tmpl_unref(val.v);
	pop(s, m0);
	return rc;
}

static int execute_tree(state *s, const struct tmpl_tree *t, struct xv dot,
			struct strbuf *out);

static int walk_template(state *s, struct xv dot, const struct tmpl_node *t)
{
	const struct tmpl_tree *tmpl;
	struct xv val;
	int rc;

	at(s, t);
	tmpl = tmpl_set_lookup(s->set, t->u.tmpl.name);
	if (!tmpl) {
		struct strbuf q = STRBUF_INIT;
		tmpl_utf8_quote(&q, t->u.tmpl.name, strlen(t->u.tmpl.name), 0);
		errorf(s, "template %s not defined", q.buf);
		strbuf_release(&q);
		return -1;
	}
	if (s->depth == TMPL_MAX_EXEC_DEPTH)
		return errorf(s, "exceeded maximum template depth (%d)",
			      TMPL_MAX_EXEC_DEPTH);
	/* variables declared by the pipeline persist */
	if (eval_pipeline(s, dot, t->u.tmpl.pipe, &val) < 0)
		return -1;
	rc = execute_tree(s, tmpl, val, s->out);
	tmpl_unref(val.v);
	return rc;
}

static int walk(state *s, struct xv dot, const struct tmpl_node *node)
{
	struct xv val;
	at(s, node);
	switch (node->type) {
	case TMPL_NODE_ACTION:
		if (eval_pipeline(s, dot, node->u.action, &val) < 0)
			return -1;
		if (!node->u.action->u.pipe.decl.nr)
			print_value(s, node, val);
		tmpl_unref(val.v);
		return 0;
	case TMPL_NODE_BREAK:
		s->ctrl = CTRL_BREAK;
		return 0;
	case TMPL_NODE_CONTINUE:
		s->ctrl = CTRL_CONTINUE;
		return 0;
	case TMPL_NODE_IF:
	case TMPL_NODE_WITH:
		return walk_if_or_with(s, node->type, dot, node);
	case TMPL_NODE_LIST:
		for (size_t i = 0; i < node->u.list.nr; i++) {
			if (walk(s, dot, node->u.list.v[i]) < 0)
				return -1;
			if (s->ctrl != CTRL_NONE)
				break;
		}
		return 0;
	case TMPL_NODE_RANGE:
		return walk_range(s, dot, node);
	case TMPL_NODE_TEMPLATE:
		return walk_template(s, dot, node);
	case TMPL_NODE_TEXT:
		strbuf_add(s->out, node->u.text.text, node->u.text.len);
		return 0;
	default: {
		struct strbuf sb = STRBUF_INIT;
		errorf(s, "unknown node: %s", node_text(node, &sb));
		strbuf_release(&sb);
		return -1;
	}
	}
}

/* Run tree t as a nested template of s: fresh variables ($ is dot), one
 * level deeper, writing to out. */
static int execute_tree(state *s, const struct tmpl_tree *t, struct xv dot,
			struct strbuf *out)
{
	state sub = *s;
	int rc;
	sub.tmpl = t;
	sub.out = out;
	sub.node = NULL;
	sub.vars = NULL;
	sub.nvars = sub.alloc = 0;
	sub.depth = s->depth + 1;
	sub.ctrl = CTRL_NONE;
	push(&sub, "$", xv(tmpl_ref(dot.v), dot.iface));
	rc = walk(&sub, dot, t->root);
	pop(&sub, 0);
	free(sub.vars);
	if (sub.failed)
		s->failed = 1;
	return rc;
}

int tmpl_execute(struct tmpl_set *set, const char *name,
		 struct tmpl_value *dot, const struct tmpl_exec_options *opts,
		 struct strbuf *out, struct gerr *err)
{
	const struct tmpl_tree *t = tmpl_set_lookup(set, name);
	state s;
	int rc;

	if (!t)
		return gerr_setc(err, GERR_INPUT, "template: no template \"%s\" "
				 "associated with template \"%s\"", name, name);
	memset(&s, 0, sizeof(s));
	s.set = set;
	s.tmpl = t;
	s.out = out;
	s.err = err;
	if (opts) {
		s.missing_key = opts->missing_key;
		s.user = opts->user;
	}
	s.depth = -1; /* execute_tree counts the top level as depth 0 */
	rc = execute_tree(&s, t, xv(dot, 0), out);
	return rc;
}

int tmpl_call_template(struct tmpl_call *call, const char *name,
		       struct tmpl_value *dot, struct strbuf *out)
{
	state *s = call->exec;
	const struct tmpl_tree *t = tmpl_set_lookup(s->set, name);
	if (!t)
		return tmpl_call_error(call, "template: no template \"%s\" "
				       "associated with template \"%s\"", name,
				       s->tmpl->name);
	if (s->depth + 1 >= TMPL_MAX_EXEC_DEPTH)
		return tmpl_call_error(call, "exceeded maximum template depth "
				       "(%d)", TMPL_MAX_EXEC_DEPTH);
	state sub = *s;
	sub.failed = 0;
	int rc = execute_tree(&sub, t, xv(dot, 0), out);
	return rc;
}

struct tmpl_set *tmpl_call_set(struct tmpl_call *call)
{
	return call->exec->set;
}

/* ---- sets ---- */

struct tmpl_set *tmpl_set_new(const struct tmpl_funcs *funcs)
{
	struct tmpl_set *set = xcalloc(1, sizeof(*set));
	set->funcs = funcs;
	return set;
}

void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nr; i++)
		tmpl_tree_free(set->trees[i]);
	free(set->trees);
	free(set);
}

/* Index of the template name in the set (kept sorted by name), or
 * -(insertion point) - 1. */
static long set_find(const struct tmpl_set *set, const char *name)
{
	size_t lo = 0, hi = set->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->trees[mid]->name, name);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

const struct tmpl_tree *tmpl_set_lookup(const struct tmpl_set *set,
					const char *name)
{
	for (; set; set = set->parent) {
		long i = set_find(set, name);
		if (i >= 0)
			return set->trees[i];
	}
	return NULL;
}

struct tmpl_set *tmpl_set_new_child(const struct tmpl_set *parent)
{
	struct tmpl_set *set = tmpl_set_new(parent->funcs);
	set->parent = parent;
	return set;
}

int tmpl_set_parse(struct tmpl_set *set, const char *name, const char *text,
		   size_t len, struct gerr *err)
{
	struct tmpl_tree **trees;
	size_t n;

	if (tmpl_parse_text(name, text, len, set->funcs, &trees, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct tmpl_tree *t = trees[i];
		long j = set_find(set, t->name);
		if (j < 0) {
			size_t at = (size_t)(-j - 1);
			ALLOC_GROW(set->trees, set->nr + 1, set->alloc);
			memmove(set->trees + at + 1, set->trees + at,
				(set->nr - at) * sizeof(*set->trees));
			set->trees[at] = t;
			set->nr++;
		} else if (tmpl_tree_is_empty(t->root)) {
			/* an empty definition never replaces a template */
			tmpl_tree_free(t);
		} else {
			tmpl_tree_free(set->trees[j]);
			set->trees[j] = t;
		}
	}
	free(trees);
	return 0;
}
