#ifndef GANTRY_TEMPLATE_FUNCS_H
#define GANTRY_TEMPLATE_FUNCS_H

/*
 * The template function interface: how a C function becomes a function a
 * template can call (`{{ upper .x }}`, `{{ .x | quote }}`) or a method of a
 * class (`{{ .Files.Get "a" }}`).
 *
 * A function is a row of a table:
 *
 *   static int f_repeat(struct tmpl_call *call, struct tmpl_value **args,
 *                       size_t nargs, struct tmpl_value **result)
 *   {
 *       long long n = args[0]->u.i;           // "int": always TMPL_INT
 *       const struct tmpl_value *s = args[1]; // "string": TMPL_STRING
 *       if (n < 0)
 *           return tmpl_call_error(call, "negative Repeat count");
 *       struct strbuf sb = STRBUF_INIT;
 *       for (long long i = 0; i < n; i++)
 *           strbuf_add(&sb, s->u.str.s, s->u.str.len);
 *       *result = tmpl_string_buf(&sb);
 *       return 0;
 *   }
 *
 *   const struct tmpl_func sprig_string_funcs[] = {
 *       { "repeat", f_repeat, "int, string -> string", 0 },
 *       ...
 *       { NULL, NULL, NULL, 0 }
 *   };
 *
 * and the table is listed once in functab.c. The signature is the Go
 * function's, so the executor can convert and check arguments exactly as
 * text/template does before the C function runs:
 *
 *   - a literal is converted to the parameter's type (`3` to an int, a
 *     float64 or an interface{} int), or rejected as Go rejects it
 *     ("expected string; found 3", "expected integer; found 1.5");
 *   - any other argument must be assignable to the parameter's type, or the
 *     call fails with "wrong type for value; expected int; got int64"
 *     (Sprig's add returns int64, so `until (add 1 2)` fails in Helm too),
 *     "invalid value; expected string" (no value), "cannot assign nil to
 *     string";
 *   - the number of arguments is checked ("wrong number of args for upper:
 *     want 1 got 2").
 *
 * So a C function receives, for each parameter:
 *   any, interface {}   a value, never NULL (no value arrives as tmpl_nil())
 *   value               (reflect.Value) the argument as it is, may be NULL
 *   bool int int64      TMPL_BOOL / TMPL_INT / TMPL_INT64
 *   uint32 float64      TMPL_INT64 holding the unsigned value / TMPL_FLOAT64
 *   string              TMPL_STRING
 *   any other type      a value whose tmpl_type_name() is that type (or, for
 *                       a map or slice type, its named/unnamed twin)
 * Variadic parameters ("...any") arrive as further args; nargs counts all.
 *
 * Signature syntax: parameter types separated by commas, the last one may
 * start with "...", then optionally " -> RESULT". Types are spelled as Go
 * prints them ("[]interface {}", "map[string]interface {}", "time.Time");
 * "any" may stand for "interface {}" anywhere and "value" for
 * reflect.Value. The result type only matters to the executor when it is
 * an interface (the value is then looked through, as Go does).
 *
 * Results: set *result to a new reference and return 0. *result may be left
 * NULL ("no value") only by functions whose result type is "value". On
 * failure return tmpl_call_error(...) (or -1 after setting call->err); the
 * executor reports it as Go does:
 *   template: NAME:LINE:COL: executing "NAME" at <upper 1 2>: error calling upper: MSG
 */

#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/template/value.h"

struct tmpl_exec;

/* What a running function knows about its call. */
struct tmpl_call {
	const char *name;               /* the name it was called by */
	struct tmpl_exec *exec;         /* the running execution: include and
	                                   tpl use it through template.h */
	void *user;                     /* tmpl_exec_options.user: the Helm
	                                   renderer's state */
	const struct tmpl_value *self;  /* the receiver of a method; NULL
	                                   for a function */
	struct gerr *err;               /* where errors go */
};

typedef int (*tmpl_fn)(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result);

enum tmpl_func_flags {
	/* and/or: the executor evaluates the arguments one at a time and
	 * stops at the first that decides; fn is not called. */
	TMPL_FUNC_SHORT_CIRCUIT = 1 << 0,
};

struct tmpl_func {
	const char *name;
	tmpl_fn fn;
	const char *sig;
	unsigned flags;
};

/* Set call->err to the message (printf-style) and return -1. */
int tmpl_call_error(struct tmpl_call *call, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- function sets ---- */

/* A set of functions by name: Go's builtins plus any tables added. */
struct tmpl_funcs;
struct tmpl_sig;

/* A set holding Go's builtins (and, or, not, len, index, slice, print,
 * printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery, call). */
struct tmpl_funcs *tmpl_funcs_new(void);
/* Add a table (ended by a row whose name is NULL). A name already in the
 * set is replaced, as with Go's Funcs(). Fails on a malformed signature
 * (which is a bug in the table: tests add every table). */
int tmpl_funcs_add(struct tmpl_funcs *fs, const struct tmpl_func *table,
		   struct gerr *err);
/* Add every table listed in functab.c (Sprig's library). */
int tmpl_funcs_add_library(struct tmpl_funcs *fs, struct gerr *err);
/* Remove a function (Helm deletes env and expandenv). */
void tmpl_funcs_remove(struct tmpl_funcs *fs, const char *name);
const struct tmpl_func *tmpl_funcs_find(const struct tmpl_funcs *fs,
					const char *name);
/* The parsed signature of a function of the set (parsed once, when the
 * function was added), or NULL. */
const struct tmpl_sig *tmpl_funcs_sig(const struct tmpl_funcs *fs,
				      const char *name);
size_t tmpl_funcs_count(const struct tmpl_funcs *fs);
void tmpl_funcs_free(struct tmpl_funcs *fs);

/* The tables functab.c lists, each ended by a NULL name; the list itself
 * ends with NULL. */
extern const struct tmpl_func *const tmpl_library[];

/* ---- signatures (for the executor) ---- */

enum tmpl_param_kind {
	TMPL_P_ANY,     /* interface {} */
	TMPL_P_VALUE,   /* reflect.Value */
	TMPL_P_BOOL,
	TMPL_P_INT,     /* int, int64 */
	TMPL_P_UINT,    /* uint32 */
	TMPL_P_FLOAT,   /* float64 */
	TMPL_P_STRING,
	TMPL_P_OTHER,   /* slices, maps, structs, pointers */
};

#define TMPL_MAX_PARAMS 8

struct tmpl_param {
	char type[48];          /* as Go prints it: "map[string]interface {}" */
	enum tmpl_param_kind kind;
	int can_be_nil;         /* interface, map, slice or pointer */
};

struct tmpl_sig {
	struct tmpl_param in[TMPL_MAX_PARAMS];
	int nin;
	int variadic;           /* the last of in[] is the element type */
	struct tmpl_param out;
};

int tmpl_sig_parse(const char *sig, struct tmpl_sig *out, struct gerr *err);

/* Go's assignability of a value to a parameter type (no conversion of
 * literals: that is the executor's). NULL and nil are not handled here. */
int tmpl_param_accepts(const struct tmpl_param *p, const struct tmpl_value *v);

#endif
