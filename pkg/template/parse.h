#ifndef GANTRY_TEMPLATE_PARSE_H
#define GANTRY_TEMPLATE_PARSE_H

/*
 * The parse trees of Go's text/template (text/template/parse), for the
 * executor and the tests. Users of the module go through template.h.
 *
 * tmpl_parse_text() turns one text into trees: one per {{define}} and
 * {{block}} in the order they end, then the text's own tree. A tree is a
 * LIST node of TEXT, ACTION, IF, RANGE, WITH, TEMPLATE, BREAK and CONTINUE
 * nodes; actions and control structures hold a PIPE of COMMANDs whose
 * arguments are the operands (FIELD, VARIABLE, CHAIN, IDENTIFIER, DOT, NIL,
 * BOOL, NUMBER, STRING, or a PIPE in parentheses).
 *
 * How an executor walks a tree (as text/template's exec.go does):
 *   LIST      walk each node in order
 *   TEXT      write u.text
 *   ACTION    evaluate u.action (a PIPE); print the result unless the pipe
 *             declares variables
 *   IF/WITH   evaluate u.branch.pipe; if true walk u.branch.list (WITH with
 *             dot set to the value), else u.branch.else_list when not NULL
 *             ("else if" / "else with" arrive as an else_list holding one
 *             IF / WITH node)
 *   RANGE     iterate over the pipe's value, binding u.branch.pipe's decl
 *             variables; else_list when there was nothing to iterate
 *   TEMPLATE  evaluate u.tmpl.pipe (dot when NULL) and execute the tree
 *             named u.tmpl.name with it
 *   BREAK, CONTINUE   leave or restart the innermost range
 *   PIPE      evaluate u.pipe.cmds left to right, each command receiving
 *             the previous one's value as its final argument; then declare
 *             (u.pipe.is_assign == 0) or assign the u.pipe.decl variables
 *   COMMAND   u.cmd.v[0] says what runs: IDENTIFIER a function with the
 *             other args, FIELD/CHAIN/VARIABLE a field or method (with
 *             args), anything else a single operand
 *
 * Nodes keep their byte offset in the text (pos) and the source (src), so
 * tmpl_node_location() gives Go's LINE:COL for execution errors and
 * tmpl_node_string() the `<.Values.x>` context.
 *
 * Ownership: a tree owns its nodes; the source text is shared by the trees
 * of one parse (refcounted). tmpl_tree_free() frees one tree.
 */

#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"

struct tmpl_funcs;

enum tmpl_node_type {
	TMPL_NODE_TEXT,
	TMPL_NODE_ACTION,
	TMPL_NODE_BOOL,
	TMPL_NODE_CHAIN,
	TMPL_NODE_COMMAND,
	TMPL_NODE_DOT,
	TMPL_NODE_FIELD,
	TMPL_NODE_IDENTIFIER,
	TMPL_NODE_IF,
	TMPL_NODE_LIST,
	TMPL_NODE_NIL,
	TMPL_NODE_NUMBER,
	TMPL_NODE_PIPE,
	TMPL_NODE_RANGE,
	TMPL_NODE_STRING,
	TMPL_NODE_TEMPLATE,
	TMPL_NODE_VARIABLE,
	TMPL_NODE_WITH,
	TMPL_NODE_BREAK,
	TMPL_NODE_CONTINUE,
};

/* The text a tree was parsed from; error locations are computed in it. */
struct tmpl_source {
	char *name;         /* the name given to the parse (Go's ParseName) */
	char *text;
	size_t len;
	int refs;
};

struct tmpl_nodes {
	struct tmpl_node **v;
	size_t nr, alloc;
};

/* A number literal as Go's parse.NumberNode sees it: a constant may be
 * representable as several types at once (1.0 is an int and a float). */
struct tmpl_number {
	int is_int, is_uint, is_float;
	long long i;
	unsigned long long u;
	double f;
	char *text;         /* as written: 0x1F, 'a', 1e3 */
};

struct tmpl_node {
	enum tmpl_node_type type;
	size_t pos;                     /* byte offset in src->text */
	int line;
	struct tmpl_source *src;
	union {
		struct {                /* TEXT */
			char *text;
			size_t len;
		} text;
		struct tmpl_nodes list; /* LIST: its nodes */
		struct tmpl_nodes cmd;  /* COMMAND: its arguments */
		struct {                /* PIPE */
			int is_assign;  /* `=` rather than `:=` */
			struct tmpl_nodes decl; /* VARIABLE nodes */
			struct tmpl_nodes cmds; /* COMMAND nodes */
		} pipe;
		struct tmpl_node *action;      /* ACTION: a PIPE */
		struct {                /* IF, RANGE, WITH */
			struct tmpl_node *pipe, *list, *else_list;
		} branch;
		struct {                /* TEMPLATE */
			char *name;
			struct tmpl_node *pipe; /* NULL: `{{template "x"}}` */
		} tmpl;
		/* FIELD: .a.b is {"a", "b"}; VARIABLE: $x.a is {"$x", "a"} */
		struct {
			char **ident;
			size_t n;
		} field;
		struct {                /* CHAIN: (pipe).a.b */
			struct tmpl_node *node;
			char **field;
			size_t n;
		} chain;
		char *ident;            /* IDENTIFIER: a function name */
		int boolean;            /* BOOL */
		struct tmpl_number num; /* NUMBER */
		struct {                /* STRING */
			char *quoted;   /* as written, quotes included */
			char *text;     /* the value */
			size_t len;
		} str;
	} u;
};

struct tmpl_tree {
	char *name;                     /* the template's name */
	struct tmpl_source *src;
	struct tmpl_node *root;         /* a LIST */
};

/*
 * Parse text as the template `name`, as Go's parse.Parse does: functions
 * are checked against funcs (NULL skips the check, Go's SkipFuncCheck),
 * variables must be declared, break/continue must be inside range.
 * On success *trees (an array the caller frees, of trees the caller frees
 * with tmpl_tree_free) holds ntrees trees; the text's own tree is left out
 * when it is empty and a {{define}} of its name has a body. On failure err
 * reads as Go's: "template: NAME:LINE: message" (parse errors carry no
 * column in Go).
 */
int tmpl_parse_text(const char *name, const char *text, size_t len,
		    const struct tmpl_funcs *funcs, struct tmpl_tree ***trees,
		    size_t *ntrees, struct gerr *err);

void tmpl_tree_free(struct tmpl_tree *tree);

/* parse.IsEmptyTree: only whitespace text (and nothing else). */
int tmpl_tree_is_empty(const struct tmpl_node *root);

/* The node as Go's Node.String() prints it: `.Values.x`, `eq 1 "a"`,
 * `(printf "%d" 1).x`, `{{if .a}}...{{end}}`. */
void tmpl_node_string(struct strbuf *out, const struct tmpl_node *node);

/* Go's ErrorContext location: 1-based line and 0-based byte column. */
void tmpl_node_location(const struct tmpl_node *node, int *line, int *col);

/* The node's type as a word, for test dumps ("field", "pipe", ...). */
const char *tmpl_node_type_name(enum tmpl_node_type type);

#endif
