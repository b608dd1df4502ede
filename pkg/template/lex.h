#ifndef GANTRY_TEMPLATE_LEX_H
#define GANTRY_TEMPLATE_LEX_H

/*
 * The lexer of Go's text/template (internal to pkg/template): the whole
 * input becomes an array of items at once, ending with EOF or with the
 * ERROR item that stopped it (the parser reports an error it meets first).
 */

#include <stddef.h>

enum tmpl_item_type {
	TMPL_ITEM_ERROR,
	TMPL_ITEM_BOOL,
	TMPL_ITEM_CHAR,          /* printable ASCII: comma and the like */
	TMPL_ITEM_CHAR_CONSTANT,
	TMPL_ITEM_COMPLEX,
	TMPL_ITEM_ASSIGN,
	TMPL_ITEM_DECLARE,
	TMPL_ITEM_EOF,
	TMPL_ITEM_FIELD,
	TMPL_ITEM_IDENTIFIER,
	TMPL_ITEM_LEFT_DELIM,
	TMPL_ITEM_LEFT_PAREN,
	TMPL_ITEM_NUMBER,
	TMPL_ITEM_PIPE,
	TMPL_ITEM_RAW_STRING,
	TMPL_ITEM_RIGHT_DELIM,
	TMPL_ITEM_RIGHT_PAREN,
	TMPL_ITEM_SPACE,
	TMPL_ITEM_STRING,
	TMPL_ITEM_TEXT,
	TMPL_ITEM_VARIABLE,
	TMPL_ITEM_KEYWORD,       /* the keywords follow */
	TMPL_ITEM_BLOCK,
	TMPL_ITEM_BREAK,
	TMPL_ITEM_CONTINUE,
	TMPL_ITEM_DOT,
	TMPL_ITEM_DEFINE,
	TMPL_ITEM_ELSE,
	TMPL_ITEM_END,
	TMPL_ITEM_IF,
	TMPL_ITEM_NIL,
	TMPL_ITEM_RANGE,
	TMPL_ITEM_TEMPLATE,
	TMPL_ITEM_WITH,
};

struct tmpl_item {
	enum tmpl_item_type type;
	size_t pos;              /* byte offset of the item in the input */
	const char *val;         /* points into the input; the message for
	                            ERROR (owned by the item list) */
	size_t len;
	int line;                /* 1-based line where the item starts */
};

struct tmpl_items {
	struct tmpl_item *v;
	size_t nr, alloc;
	char *errmsg;            /* the ERROR item's text */
};

/* Lex input; never fails (errors are items). */
void tmpl_lex(const char *input, size_t len, struct tmpl_items *items);
void tmpl_items_clear(struct tmpl_items *items);

#endif
