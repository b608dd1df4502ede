#ifndef GANTRY_TEMPLATE_TEMPLATE_H
#define GANTRY_TEMPLATE_TEMPLATE_H

/*
 * pkg/template — Go's text/template in C, for Helm-compatible charts.
 *
 * The module's API is this header and the two it includes:
 *   value.h   the values templates compute with, Go's fmt, jansson bridge
 *   funcs.h   how functions are written and registered
 * (parse.h describes the parse trees, for the executor and tests.)
 *
 * Use:
 *   struct tmpl_funcs *fs = tmpl_funcs_new();          // Go's builtins
 *   tmpl_funcs_add_library(fs, &err);                  // + the library
 *   struct tmpl_set *set = tmpl_set_new(fs);
 *   tmpl_set_parse(set, "a.yaml", text, len, &err);    // each file
 *   tmpl_execute(set, "a.yaml", dot, &opts, &out, &err);
 *   tmpl_set_free(set);
 *   tmpl_funcs_free(fs);
 *
 * Files of the module:
 *   value.c     the value model          fmt.c      Go's fmt
 *   gotypes.c   time.Time, certificate   utf8.c     UTF-8, strconv quoting
 *   lex.c       the lexer                parse.c    the parser, node printing
 *   exec.c      the executor, sets       funcs.c    function sets, signatures
 *   builtins.c  Go's builtin functions   functab.c  the list of library tables
 * A library of functions lives in files of its own (sprig_strings.c, ...),
 * each exporting one table that functab.c lists.
 *
 * Errors read as Go's:
 *   template: a.yaml:3: function "x" not defined                  (parse)
 *   template: a.yaml:3:12: executing "a.yaml" at <.x.y>: nil pointer
 *     evaluating interface {}.y                                   (execute)
 */

#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"
#include "pkg/template/funcs.h"
#include "pkg/template/parse.h"
#include "pkg/template/value.h"

/* Templates by name: Go's *template.Template with its associated
 * templates. The set borrows funcs, which must outlive it. */
struct tmpl_set;

struct tmpl_set *tmpl_set_new(const struct tmpl_funcs *funcs);
void tmpl_set_free(struct tmpl_set *set);

/* A set whose lookups fall back to parent (which must outlive it): what
 * Go's Clone() followed by more Parse() calls gives, without copying, as
 * Helm's tpl needs. Templates parsed into the child hide the parent's of
 * the same name; the parent never sees them. */
struct tmpl_set *tmpl_set_new_child(const struct tmpl_set *parent);

/*
 * Parse text as the template `name` and add it and every {{define}} and
 * {{block}} in it to the set, as Go's t.New(name).Parse(text): a template
 * of the same name is replaced, except by an empty one (whitespace only),
 * which never replaces an existing template. On a parse error nothing is
 * added.
 */
int tmpl_set_parse(struct tmpl_set *set, const char *name, const char *text,
		   size_t len, struct gerr *err);

/* The tree of a template, or NULL. */
const struct tmpl_tree *tmpl_set_lookup(const struct tmpl_set *set,
					const char *name);

enum tmpl_missing_key {
	TMPL_MISSING_INVALID,   /* Go's default: a missing key is no value */
	TMPL_MISSING_ZERO,      /* missingkey=zero (Helm): the element
	                           type's zero, nil for interface{} */
	TMPL_MISSING_ERROR,     /* missingkey=error (helm --strict) */
};

struct tmpl_exec_options {
	enum tmpl_missing_key missing_key;
	void *user;             /* given to functions as call->user */
};

/* The depth of nested {{template}} calls at which execution stops with
 * "exceeded maximum template depth (N)". Go allows 100000; C frames are
 * larger than Go's growable stacks, so gantry stops earlier. */
#define TMPL_MAX_EXEC_DEPTH 1000

/*
 * Execute the template `name` of the set with dot as its data (dot may be
 * NULL: no data), appending the output to out. opts may be NULL (Go's
 * defaults). On error returns -1; out then holds what was written before
 * the error, as Go's writer does.
 */
int tmpl_execute(struct tmpl_set *set, const char *name,
		 struct tmpl_value *dot, const struct tmpl_exec_options *opts,
		 struct strbuf *out, struct gerr *err);

/*
 * For functions: execute the template `name` of the running execution's
 * set with dot, into out, one level deeper (what Helm's include does).
 * Errors go to call->err, worded as execution errors of that template.
 */
int tmpl_call_template(struct tmpl_call *call, const char *name,
		       struct tmpl_value *dot, struct strbuf *out);

/* The set and options of the running execution (for tpl, which parses
 * more templates into a copy of it). */
struct tmpl_set *tmpl_call_set(struct tmpl_call *call);

#endif
