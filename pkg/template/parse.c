/*
 * The parser of Go's text/template: items from lex.c become the trees of
 * parse.h, with Go's grammar, checks and error messages
 * ("template: NAME:LINE: unexpected EOF", "function \"x\" not defined",
 * "undefined variable \"$x\"", ...).
 *
 * Every parse function returns a node, or NULL once an error is recorded
 * in the parser; whatever a function built before failing it frees.
 */
#include "pkg/template/parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strvec.h"
#include "pkg/template/funcs.h"
#include "pkg/template/lex.h"
#include "pkg/template/utf8.h"

/* Markers that itemList hands back; never part of a tree. */
#define NODE_END ((enum tmpl_node_type)100)
#define NODE_ELSE ((enum tmpl_node_type)101)

struct parser {
	struct tmpl_source *src;
	struct tmpl_items items;
	size_t p;               /* the next item */
	size_t hi;              /* the furthest item read: Go's token[0] */
	const struct tmpl_funcs *funcs;
	struct strvec vars;     /* variables in scope, "$" first */
	int range_depth;
	int action_line;
	struct tmpl_tree **trees;   /* Go's treeSet, in order of addition */
	size_t ntrees, alloc;
	struct gerr *err;
	int failed;
};

/* ---- items ---- */

static const struct tmpl_item *next_item(struct parser *p)
{
	/* the last item (EOF or ERROR) repeats forever */
	size_t i = p->p < p->items.nr ? p->p : p->items.nr - 1;
	if (i > p->hi)
		p->hi = i;
	p->p++;
	return &p->items.v[i];
}

static void backup(struct parser *p)
{
	p->p--;
}

static const struct tmpl_item *peek(struct parser *p)
{
	const struct tmpl_item *it = next_item(p);
	backup(p);
	return it;
}

static const struct tmpl_item *next_non_space(struct parser *p)
{
	const struct tmpl_item *it;
	do
		it = next_item(p);
	while (it->type == TMPL_ITEM_SPACE);
	return it;
}

static const struct tmpl_item *peek_non_space(struct parser *p)
{
	const struct tmpl_item *it = next_non_space(p);
	backup(p);
	return it;
}

static size_t index_of(const struct parser *p, const struct tmpl_item *it)
{
	return (size_t)(it - p->items.v);
}

/* Go's item.String(). */
static void item_string(struct strbuf *sb, const struct tmpl_item *it)
{
	if (it->type == TMPL_ITEM_EOF) {
		strbuf_addstr(sb, "EOF");
	} else if (it->type == TMPL_ITEM_ERROR) {
		strbuf_add(sb, it->val, it->len);
	} else if (it->type > TMPL_ITEM_KEYWORD) {
		strbuf_addch(sb, '<');
		strbuf_add(sb, it->val, it->len);
		strbuf_addch(sb, '>');
	} else if (tmpl_utf8_count(it->val, it->len) > 10) {
		/* %.10q...: the first ten runes, quoted */
		size_t n = 0;
		for (int r = 0; r < 10; r++)
			n += tmpl_utf8_decode(it->val + n, it->len - n, NULL);
		tmpl_utf8_quote(sb, it->val, n, 0);
		strbuf_addstr(sb, "...");
	} else {
		tmpl_utf8_quote(sb, it->val, it->len, 0);
	}
}

/* ---- errors ---- */

static void *errorf(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void *errorf(struct parser *p, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (p->failed)
		return NULL;
	strbuf_addf(&sb, "template: %s:%d: ", p->src->name,
		    p->items.v[p->hi].line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	gerr_setc(p->err, GERR_INPUT, "%s", sb.buf);
	strbuf_release(&sb);
	p->failed = 1;
	return NULL;
}

static void *unexpected(struct parser *p, const struct tmpl_item *it,
			const char *context)
{
	struct strbuf sb = STRBUF_INIT;
	item_string(&sb, it);
	if (it->type == TMPL_ITEM_ERROR) {
		struct strbuf extra = STRBUF_INIT;
		if (p->action_line != 0 && p->action_line != it->line) {
			int action = it->len >= 7 &&
				     !memcmp(it->val + it->len - 7, " action", 7);
			strbuf_addf(&extra, "%s started at %s:%d",
				    action ? "" : " in action", p->src->name,
				    p->action_line);
		}
		errorf(p, "%s%s", sb.buf, extra.buf);
		strbuf_release(&extra);
	} else {
		errorf(p, "unexpected %s in %s", sb.buf, context);
	}
	strbuf_release(&sb);
	return NULL;
}

static const struct tmpl_item *expect(struct parser *p,
				      enum tmpl_item_type type,
				      const char *context)
{
	const struct tmpl_item *it = next_non_space(p);
	if (it->type != type)
		return unexpected(p, it, context);
	return it;
}

/* A copy of len bytes (which may include NUL), NUL-terminated. */
static char *dupn(const char *s, size_t len)
{
	char *d = xmalloc(len + 1);
	if (len)
		memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* ---- nodes ---- */

static struct tmpl_node *new_node(struct parser *p, enum tmpl_node_type type,
				  size_t pos, int line)
{
	struct tmpl_node *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->pos = pos;
	n->line = line;
	n->src = p->src;
	return n;
}

static void nodes_push(struct tmpl_nodes *l, struct tmpl_node *n)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr++] = n;
}

static void node_free(struct tmpl_node *n);

static void nodes_free(struct tmpl_nodes *l)
{
	for (size_t i = 0; i < l->nr; i++)
		node_free(l->v[i]);
	free(l->v);
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void node_free(struct tmpl_node *n)
{
	if (!n)
		return;
	switch (n->type) {
	case TMPL_NODE_TEXT:
		free(n->u.text.text);
		break;
	case TMPL_NODE_LIST:
		nodes_free(&n->u.list);
		break;
	case TMPL_NODE_COMMAND:
		nodes_free(&n->u.cmd);
		break;
	case TMPL_NODE_PIPE:
		nodes_free(&n->u.pipe.decl);
		nodes_free(&n->u.pipe.cmds);
		break;
	case TMPL_NODE_ACTION:
		node_free(n->u.action);
		break;
	case TMPL_NODE_IF:
	case TMPL_NODE_RANGE:
	case TMPL_NODE_WITH:
		node_free(n->u.branch.pipe);
		node_free(n->u.branch.list);
		node_free(n->u.branch.else_list);
		break;
	case TMPL_NODE_TEMPLATE:
		free(n->u.tmpl.name);
		node_free(n->u.tmpl.pipe);
		break;
	case TMPL_NODE_FIELD:
	case TMPL_NODE_VARIABLE:
		strings_free(n->u.field.ident, n->u.field.n);
		break;
	case TMPL_NODE_CHAIN:
		node_free(n->u.chain.node);
		strings_free(n->u.chain.field, n->u.chain.n);
		break;
	case TMPL_NODE_IDENTIFIER:
		free(n->u.ident);
		break;
	case TMPL_NODE_NUMBER:
		free(n->u.num.text);
		break;
	case TMPL_NODE_STRING:
		free(n->u.str.quoted);
		free(n->u.str.text);
		break;
	default:
		break;
	}
	free(n);
}

/* A FIELD or VARIABLE node from ".a.b" / "$x.a" text. */
static struct tmpl_node *new_field(struct parser *p, enum tmpl_node_type type,
				   size_t pos, int line, const char *s,
				   size_t len)
{
	struct tmpl_node *n = new_node(p, type, pos, line);
	size_t i = 0, alloc = 0;
	if (type == TMPL_NODE_FIELD && len && s[0] == '.')
		i = 1; /* ".a.b" splits as "a", "b" */
	for (;;) {
		const char *dot = memchr(s + i, '.', len - i);
		size_t end = dot ? (size_t)(dot - s) : len;
		ALLOC_GROW(n->u.field.ident, n->u.field.n + 1, alloc);
		n->u.field.ident[n->u.field.n++] = xstrndup(s + i, end - i);
		if (!dot)
			break;
		i = end + 1;
	}
	return n;
}

/* ---- literals ---- */

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * strconv.UnquoteChar: one character of a quoted literal at s. Sets *r,
 * *multibyte (the rune must be UTF-8 encoded, not stored as a byte) and
 * returns the bytes consumed, or 0 for invalid syntax.
 */
static size_t unquote_char(const char *s, size_t len, char quote, int *r,
			   int *multibyte)
{
	unsigned char c;
	*multibyte = 0;
	if (!len)
		return 0;
	c = (unsigned char)s[0];
	if (c == (unsigned char)quote && (quote == '\'' || quote == '"'))
		return 0;
	if (c >= 0x80) {
		*multibyte = 1;
		return tmpl_utf8_decode(s, len, r);
	}
	if (c != '\\') {
		*r = c;
		return 1;
	}
	if (len <= 1)
		return 0;
	c = (unsigned char)s[1];
	switch (c) {
	case 'a': *r = '\a'; return 2;
	case 'b': *r = '\b'; return 2;
	case 'f': *r = '\f'; return 2;
	case 'n': *r = '\n'; return 2;
	case 'r': *r = '\r'; return 2;
	case 't': *r = '\t'; return 2;
	case 'v': *r = '\v'; return 2;
	case '\\': *r = '\\'; return 2;
	case '\'':
	case '"':
		if (c != (unsigned char)quote)
			return 0;
		*r = c;
		return 2;
	case 'x':
	case 'u':
	case 'U': {
		size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
		long v = 0;
		if (len - 2 < n)
			return 0;
		for (size_t j = 0; j < n; j++) {
			int x = unhex(s[2 + j]);
			if (x < 0)
				return 0;
			v = v << 4 | x;
		}
		if (c != 'x') {
			if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
				return 0;
			*multibyte = 1;
		}
		*r = (int)v;
		return 2 + n;
	}
	case '0': case '1': case '2': case '3':
	case '4': case '5': case '6': case '7': {
		int v = c - '0';
		if (len - 2 < 2)
			return 0;
		for (int j = 0; j < 2; j++) {
			int x = s[2 + j] - '0';
			if (x < 0 || x > 7)
				return 0;
			v = v << 3 | x;
		}
		if (v > 255)
			return 0;
		*r = v;
		return 4;
	}
	default:
		return 0;
	}
}

/* strconv.Unquote of a "..." or `...` literal; NULL for invalid syntax. */
static char *unquote(const char *s, size_t len, size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	if (len < 2 || s[0] != s[len - 1])
		return NULL;
	if (s[0] == '`') {
		/* raw strings lose their carriage returns */
		for (size_t i = 1; i + 1 < len; i++) {
			if (s[i] == '`')
				goto bad;
			if (s[i] != '\r')
				strbuf_addch(&sb, s[i]);
		}
		*outlen = sb.len;
		return strbuf_detach(&sb, NULL);
	}
	if (s[0] != '"')
		return NULL;
	s++;
	len -= 2;
	if (memchr(s, '\n', len))
		goto bad;
	for (size_t i = 0; i < len;) {
		int r, multi;
		size_t n = unquote_char(s + i, len - i, '"', &r, &multi);
		if (!n)
			goto bad;
		if (r < 0x80 || !multi)
			strbuf_addch(&sb, (char)r);
		else
			tmpl_utf8_append(&sb, r);
		i += n;
	}
	*outlen = sb.len;
	return strbuf_detach(&sb, NULL);
bad:
	strbuf_release(&sb);
	return NULL;
}

/* strconv's underscoreOK: '_' only between digits (or after a prefix). */
static int underscore_ok(const char *s)
{
	char saw = '^';
	size_t i = 0;
	int hex = 0;
	if (*s == '-' || *s == '+')
		s++;
	if (s[0] == '0' && s[1] && strchr("bBoOxX", s[1])) {
		i = 2;
		saw = '0';
		hex = s[1] == 'x' || s[1] == 'X';
	}
	for (; s[i]; i++) {
		char c = s[i];
		if ((c >= '0' && c <= '9') || (hex && unhex(c) >= 0)) {
			saw = '0';
			continue;
		}
		if (c == '_') {
			if (saw != '0')
				return 0;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return 0;
		saw = '!';
	}
	return saw != '_';
}

/* strconv.ParseUint(s, 0, 64) without the sign. Returns 0 on success,
 * -1 on syntax errors, 1 on overflow. */
static int parse_uint(const char *s, unsigned long long *out)
{
	int base = 10;
	int underscores = 0;
	const char *p = s;
	unsigned long long v = 0;
	int overflow = 0, any = 0;

	if (!*s)
		return -1;
	if (s[0] == '0' && s[1]) {
		if (s[1] == 'x' || s[1] == 'X') {
			base = 16;
			p = s + 2;
		} else if (s[1] == 'o' || s[1] == 'O') {
			base = 8;
			p = s + 2;
		} else if (s[1] == 'b' || s[1] == 'B') {
			base = 2;
			p = s + 2;
		} else {
			base = 8;
			p = s + 1;
		}
	}
	for (; *p; p++) {
		int d;
		if (*p == '_') {
			underscores = 1;
			continue;
		}
		d = unhex(*p);
		if (d < 0 || d >= base)
			return -1;
		any = 1;
		if (v > (~0ULL - (unsigned)d) / (unsigned)base)
			overflow = 1;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (!any && base != 8)
		return -1;
	if (underscores && !underscore_ok(s))
		return -1;
	*out = v;
	return overflow ? 1 : 0;
}

/* strconv.ParseFloat(s, 64): decimal and hexadecimal (with a p exponent)
 * forms, underscores as Go allows them. */
static int parse_float(const char *s, double *out)
{
	struct strbuf sb = STRBUF_INIT;
	const char *t = s;
	int hex;
	char *end;

	if (*t == '+' || *t == '-')
		t++;
	hex = t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
	if (!hex && !((t[0] >= '0' && t[0] <= '9') || t[0] == '.'))
		return -1;
	if (hex && !strpbrk(t, "pP"))
		return -1;
	if (strchr(s, '_') && !underscore_ok(s))
		return -1;
	if (!hex && (t[0] == '.' ? !(t[1] >= '0' && t[1] <= '9') : 0))
		return -1;
	for (const char *c = s; *c; c++)
		if (*c != '_')
			strbuf_addch(&sb, *c);
	if (!hex && strpbrk(sb.buf, "pP")) {
		strbuf_release(&sb);
		return -1;
	}
	errno = 0;
	*out = strtod(sb.buf, &end);
	int ok = *end == '\0' && end != sb.buf;
	/* Go rejects out-of-range values ("value out of range") */
	if (errno == ERANGE && isinf(*out))
		ok = 0;
	strbuf_release(&sb);
	return ok ? 0 : -1;
}

/* A number that does not parse: Go's message with the quoted text. */
static struct tmpl_node *number_error(struct parser *p, struct tmpl_node *n,
				      const char *what)
{
	struct strbuf q = STRBUF_INIT;
	tmpl_utf8_quote(&q, n->u.num.text, strlen(n->u.num.text), 0);
	errorf(p, "%s: %s", what, q.buf);
	strbuf_release(&q);
	node_free(n);
	return NULL;
}

/* parse.NumberNode from a NUMBER, CHAR_CONSTANT or COMPLEX item. */
static struct tmpl_node *new_number(struct parser *p,
				    const struct tmpl_item *it)
{
	struct tmpl_node *n = new_node(p, TMPL_NODE_NUMBER, it->pos, it->line);
	struct tmpl_number *num = &n->u.num;
	const char *text;

	num->text = xstrndup(it->val, it->len);
	text = num->text;
	if (it->type == TMPL_ITEM_CHAR_CONSTANT) {
		int r, multi;
		size_t len = strlen(text);
		size_t used = unquote_char(text + 1, len - 1, '\'', &r, &multi);
		if (!used) {
			errorf(p, "invalid syntax");
			node_free(n);
			return NULL;
		}
		if (strcmp(text + 1 + used, "'")) {
			errorf(p, "malformed character constant: %s", text);
			node_free(n);
			return NULL;
		}
		num->i = r;
		num->u = (unsigned long long)r;
		num->f = r;
		num->is_int = num->is_uint = num->is_float = 1;
		return n;
	}
	/* Complex constants are the one literal form gantry leaves out:
	 * no Helm chart uses them, and Go's complex values would need a
	 * kind of their own in the value model for nothing else. */
	if (it->type == TMPL_ITEM_COMPLEX || text[strlen(text) - 1] == 'i') {
		errorf(p, "complex number constants are not supported: %s",
		       text);
		node_free(n);
		return NULL;
	}
	{
		const char *digits = text;
		int neg = 0;
		unsigned long long u;
		int urc;
		if (*digits == '+' || *digits == '-') {
			neg = *digits == '-';
			digits++;
		}
		urc = parse_uint(digits, &u);
		if (urc == 0 && text[0] != '-' && text[0] != '+') {
			num->is_uint = 1;
			num->u = u;
		}
		if (urc == 0) {
			/* ParseInt: the magnitude must fit the sign */
			if (!neg && u <= 9223372036854775807ULL) {
				num->is_int = 1;
				num->i = (long long)u;
			} else if (neg && u <= 9223372036854775808ULL) {
				num->is_int = 1;
				num->i = u == 9223372036854775808ULL
						 ? (-9223372036854775807LL - 1)
						 : -(long long)u;
			}
			if (num->is_int && num->i == 0) {
				num->is_uint = 1; /* -0 */
				num->u = 0;
			}
		}
	}
	if (num->is_int) {
		num->is_float = 1;
		num->f = (double)num->i;
	} else if (num->is_uint) {
		num->is_float = 1;
		num->f = (double)num->u;
	} else {
		double f;
		if (parse_float(text, &f) == 0) {
			if (!strpbrk(text, ".eEpP"))
				return number_error(p, n, "integer overflow");
			num->is_float = 1;
			num->f = f;
			if (f == trunc(f) && fabs(f) < 9223372036854775808.0) {
				num->is_int = 1;
				num->i = (long long)f;
			}
			if (f == trunc(f) && f >= 0 && f < 18446744073709551616.0) {
				num->is_uint = 1;
				num->u = (unsigned long long)f;
			}
		}
	}
	if (!num->is_int && !num->is_uint && !num->is_float)
		return number_error(p, n, "illegal number syntax");
	return n;
}

/* ---- the grammar ---- */

static struct tmpl_node *pipeline(struct parser *p, const char *context,
				  enum tmpl_item_type end);
static struct tmpl_node *item_list(struct parser *p, struct tmpl_node **end);
static struct tmpl_node *if_control(struct parser *p);
static struct tmpl_node *with_control(struct parser *p);

static int has_function(struct parser *p, const char *name)
{
	return !p->funcs || tmpl_funcs_find(p->funcs, name);
}

static struct tmpl_node *use_var(struct parser *p, const struct tmpl_item *it)
{
	struct tmpl_node *v = new_field(p, TMPL_NODE_VARIABLE, it->pos,
					it->line, it->val, it->len);
	for (size_t i = 0; i < p->vars.nr; i++)
		if (!strcmp(p->vars.v[i], v->u.field.ident[0]))
			return v;
	struct strbuf q = STRBUF_INIT;
	tmpl_utf8_quote(&q, v->u.field.ident[0], strlen(v->u.field.ident[0]), 0);
	errorf(p, "undefined variable %s", q.buf);
	strbuf_release(&q);
	node_free(v);
	return NULL;
}

static struct tmpl_node *string_node(struct parser *p,
				     const struct tmpl_item *it)
{
	size_t len;
	char *s = unquote(it->val, it->len, &len);
	if (!s)
		return errorf(p, "invalid syntax");
	struct tmpl_node *n = new_node(p, TMPL_NODE_STRING, it->pos, it->line);
	n->u.str.quoted = dupn(it->val, it->len);
	n->u.str.text = s;
	n->u.str.len = len;
	return n;
}

/* term: a literal, a function name, ., .Field, $x, or ( pipeline ).
 * Returns NULL without an error when the next item is not a term. */
static struct tmpl_node *term(struct parser *p)
{
	const struct tmpl_item *it = next_non_space(p);
	struct tmpl_node *n;

	switch (it->type) {
	case TMPL_ITEM_IDENTIFIER: {
		char *name = xstrndup(it->val, it->len);
		if (!has_function(p, name)) {
			struct strbuf q = STRBUF_INIT;
			tmpl_utf8_quote(&q, name, strlen(name), 0);
			errorf(p, "function %s not defined", q.buf);
			strbuf_release(&q);
			free(name);
			return NULL;
		}
		n = new_node(p, TMPL_NODE_IDENTIFIER, it->pos, it->line);
		n->u.ident = name;
		return n;
	}
	case TMPL_ITEM_DOT:
		return new_node(p, TMPL_NODE_DOT, it->pos, it->line);
	case TMPL_ITEM_NIL:
		return new_node(p, TMPL_NODE_NIL, it->pos, it->line);
	case TMPL_ITEM_VARIABLE:
		return use_var(p, it);
	case TMPL_ITEM_FIELD:
		return new_field(p, TMPL_NODE_FIELD, it->pos, it->line, it->val,
				 it->len);
	case TMPL_ITEM_BOOL:
		n = new_node(p, TMPL_NODE_BOOL, it->pos, it->line);
		n->u.boolean = it->len == 4;
		return n;
	case TMPL_ITEM_CHAR_CONSTANT:
	case TMPL_ITEM_COMPLEX:
	case TMPL_ITEM_NUMBER:
		return new_number(p, it);
	case TMPL_ITEM_LEFT_PAREN:
		return pipeline(p, "parenthesized pipeline",
				TMPL_ITEM_RIGHT_PAREN);
	case TMPL_ITEM_STRING:
	case TMPL_ITEM_RAW_STRING:
		return string_node(p, it);
	default:
		backup(p);
		return NULL;
	}
}

/* operand: term .Field* */
static struct tmpl_node *operand(struct parser *p)
{
	struct tmpl_node *node = term(p);
	if (!node || peek(p)->type != TMPL_ITEM_FIELD)
		return node;

	const struct tmpl_item *first = peek(p);
	struct strbuf fields = STRBUF_INIT;
	struct strvec names = STRVEC_INIT;
	while (peek(p)->type == TMPL_ITEM_FIELD) {
		const struct tmpl_item *f = next_item(p);
		strbuf_add(&fields, f->val, f->len);
		strvec_push_nodup(&names, xstrndup(f->val + 1, f->len - 1));
	}
	struct tmpl_node *res = NULL;
	switch (node->type) {
	case TMPL_NODE_FIELD:
	case TMPL_NODE_VARIABLE: {
		/* more fields on the original, positioned at the chain */
		struct strbuf all = STRBUF_INIT;
		tmpl_node_string(&all, node);
		strbuf_add(&all, fields.buf, fields.len);
		res = new_field(p, node->type, first->pos, first->line, all.buf,
				all.len);
		strbuf_release(&all);
		node_free(node);
		break;
	}
	case TMPL_NODE_BOOL:
	case TMPL_NODE_STRING:
	case TMPL_NODE_NUMBER:
	case TMPL_NODE_NIL:
	case TMPL_NODE_DOT: {
		struct strbuf s = STRBUF_INIT, q = STRBUF_INIT;
		tmpl_node_string(&s, node);
		tmpl_utf8_quote(&q, s.buf, s.len, 0);
		errorf(p, "unexpected . after term %s", q.buf);
		strbuf_release(&s);
		strbuf_release(&q);
		node_free(node);
		break;
	}
	default:
		res = new_node(p, TMPL_NODE_CHAIN, first->pos, first->line);
		res->u.chain.node = node;
		res->u.chain.field = names.v;
		res->u.chain.n = names.nr;
		names.v = NULL;
		names.nr = names.alloc = 0;
		break;
	}
	strbuf_release(&fields);
	strvec_clear(&names);
	return res;
}

/* command: operand (space operand)*, up to | or the closing delimiter */
static struct tmpl_node *command(struct parser *p)
{
	const struct tmpl_item *start = peek_non_space(p);
	struct tmpl_node *cmd = new_node(p, TMPL_NODE_COMMAND, start->pos,
					 start->line);
	for (;;) {
		peek_non_space(p); /* skip leading spaces */
		struct tmpl_node *op = operand(p);
		if (p->failed)
			goto fail;
		if (op)
			nodes_push(&cmd->u.cmd, op);
		const struct tmpl_item *it = next_item(p);
		if (it->type == TMPL_ITEM_SPACE)
			continue;
		if (it->type == TMPL_ITEM_RIGHT_DELIM ||
		    it->type == TMPL_ITEM_RIGHT_PAREN) {
			backup(p);
		} else if (it->type != TMPL_ITEM_PIPE) {
			unexpected(p, it, "operand");
			goto fail;
		}
		break;
	}
	if (!cmd->u.cmd.nr) {
		errorf(p, "empty command");
		goto fail;
	}
	return cmd;
fail:
	node_free(cmd);
	return NULL;
}

static int check_pipeline(struct parser *p, struct tmpl_node *pipe,
			  const char *context)
{
	if (!pipe->u.pipe.cmds.nr) {
		errorf(p, "missing value for %s", context);
		return -1;
	}
	for (size_t i = 1; i < pipe->u.pipe.cmds.nr; i++) {
		switch (pipe->u.pipe.cmds.v[i]->u.cmd.v[0]->type) {
		case TMPL_NODE_BOOL:
		case TMPL_NODE_DOT:
		case TMPL_NODE_NIL:
		case TMPL_NODE_NUMBER:
		case TMPL_NODE_STRING:
			errorf(p, "non executable command in pipeline stage %zu",
			       i + 1);
			return -1;
		default:
			break;
		}
	}
	return 0;
}

static void declare(struct parser *p, struct tmpl_node *pipe,
		    const struct tmpl_item *v)
{
	nodes_push(&pipe->u.pipe.decl,
		   new_field(p, TMPL_NODE_VARIABLE, v->pos, v->line, v->val,
			     v->len));
	strvec_push_nodup(&p->vars, xstrndup(v->val, v->len));
}

/* pipeline: declarations? command ('|' command)* */
static struct tmpl_node *pipeline(struct parser *p, const char *context,
				  enum tmpl_item_type end)
{
	const struct tmpl_item *start = peek_non_space(p);
	struct tmpl_node *pipe = new_node(p, TMPL_NODE_PIPE, start->pos,
					  start->line);
decls:;
	const struct tmpl_item *v = peek_non_space(p);
	if (v->type == TMPL_ITEM_VARIABLE) {
		size_t vi = index_of(p, v);
		next_item(p);
		const struct tmpl_item *after = peek(p);
		const struct tmpl_item *nx = peek_non_space(p);
		if (nx->type == TMPL_ITEM_ASSIGN || nx->type == TMPL_ITEM_DECLARE) {
			pipe->u.pipe.is_assign = nx->type == TMPL_ITEM_ASSIGN;
			next_non_space(p);
			declare(p, pipe, v);
		} else if (nx->type == TMPL_ITEM_CHAR && nx->len == 1 &&
			   nx->val[0] == ',') {
			next_non_space(p);
			declare(p, pipe, v);
			if (!strcmp(context, "range") &&
			    pipe->u.pipe.decl.nr < 2) {
				switch (peek_non_space(p)->type) {
				case TMPL_ITEM_VARIABLE:
				case TMPL_ITEM_RIGHT_DELIM:
				case TMPL_ITEM_RIGHT_PAREN:
					goto decls;
				default:
					errorf(p, "range can only initialize "
						  "variables");
					goto fail;
				}
			}
			errorf(p, "too many declarations in %s", context);
			goto fail;
		} else {
			(void)after; /* Go's backup2/backup3: reread from v */
			p->p = vi;
		}
	}
	for (;;) {
		const struct tmpl_item *it = next_non_space(p);
		if (it->type == end) {
			if (check_pipeline(p, pipe, context) < 0)
				goto fail;
			return pipe;
		}
		switch (it->type) {
		case TMPL_ITEM_BOOL:
		case TMPL_ITEM_CHAR_CONSTANT:
		case TMPL_ITEM_COMPLEX:
		case TMPL_ITEM_DOT:
		case TMPL_ITEM_FIELD:
		case TMPL_ITEM_IDENTIFIER:
		case TMPL_ITEM_NUMBER:
		case TMPL_ITEM_NIL:
		case TMPL_ITEM_RAW_STRING:
		case TMPL_ITEM_STRING:
		case TMPL_ITEM_VARIABLE:
		case TMPL_ITEM_LEFT_PAREN: {
			backup(p);
			struct tmpl_node *cmd = command(p);
			if (!cmd)
				goto fail;
			nodes_push(&pipe->u.pipe.cmds, cmd);
			break;
		}
		default:
			unexpected(p, it, context);
			goto fail;
		}
	}
fail:
	node_free(pipe);
	return NULL;
}

static void pop_vars(struct parser *p, size_t n)
{
	while (p->vars.nr > n) {
		free(p->vars.v[--p->vars.nr]);
		p->vars.v[p->vars.nr] = NULL;
	}
}

/* if / range / with: pipeline, list, optional else (if/with may chain). */
static struct tmpl_node *control(struct parser *p, enum tmpl_node_type type,
				 const char *context)
{
	size_t nvars = p->vars.nr;
	struct tmpl_node *pipe, *list, *else_list = NULL, *end = NULL;

	pipe = pipeline(p, context, TMPL_ITEM_RIGHT_DELIM);
	if (!pipe)
		goto fail0;
	if (type == TMPL_NODE_RANGE)
		p->range_depth++;
	list = item_list(p, &end);
	if (type == TMPL_NODE_RANGE)
		p->range_depth--;
	if (!list)
		goto fail1;
	if (end->type == NODE_ELSE) {
		enum tmpl_item_type again = peek(p)->type;
		if ((type == TMPL_NODE_IF && again == TMPL_ITEM_IF) ||
		    (type == TMPL_NODE_WITH && again == TMPL_ITEM_WITH)) {
			/* {{else if x}} is {{else}}{{if x}}...{{end}}{{end}}
			 * with the last {{end}} implied; so is else with */
			next_item(p);
			else_list = new_node(p, TMPL_NODE_LIST, end->pos,
					     end->line);
			struct tmpl_node *n = type == TMPL_NODE_IF
						      ? if_control(p)
						      : with_control(p);
			if (!n)
				goto fail2;
			nodes_push(&else_list->u.list, n);
		} else {
			node_free(end);
			end = NULL;
			else_list = item_list(p, &end);
			if (!else_list)
				goto fail2;
			if (end->type != NODE_END) {
				errorf(p, "expected end; found {{else}}");
				goto fail2;
			}
		}
	}
	node_free(end);
	pop_vars(p, nvars);
	struct tmpl_node *n = new_node(p, type, pipe->pos, pipe->line);
	n->u.branch.pipe = pipe;
	n->u.branch.list = list;
	n->u.branch.else_list = else_list;
	return n;
fail2:
	node_free(else_list);
	node_free(list);
fail1:
	node_free(end);
	node_free(pipe);
fail0:
	pop_vars(p, nvars);
	return NULL;
}

static struct tmpl_node *if_control(struct parser *p)
{
	return control(p, TMPL_NODE_IF, "if");
}

static struct tmpl_node *with_control(struct parser *p)
{
	return control(p, TMPL_NODE_WITH, "with");
}

static int template_name(struct parser *p, const struct tmpl_item *it,
			 const char *context, char **name)
{
	size_t len;
	if (it->type != TMPL_ITEM_STRING && it->type != TMPL_ITEM_RAW_STRING) {
		unexpected(p, it, context);
		return -1;
	}
	*name = unquote(it->val, it->len, &len);
	if (!*name) {
		errorf(p, "invalid syntax");
		return -1;
	}
	return 0;
}

/* Add a finished tree to the set of this parse, as Go's Tree.add. */
static int add_tree(struct parser *p, char *name, struct tmpl_node *root)
{
	for (size_t i = 0; i < p->ntrees; i++) {
		struct tmpl_tree *t = p->trees[i];
		if (strcmp(t->name, name))
			continue;
		if (tmpl_tree_is_empty(t->root)) {
			node_free(t->root);
			t->root = root;
			free(name);
			return 0;
		}
		if (!tmpl_tree_is_empty(root)) {
			struct strbuf q = STRBUF_INIT;
			tmpl_utf8_quote(&q, name, strlen(name), 0);
			errorf(p, "template: multiple definition of template %s",
			       q.buf);
			strbuf_release(&q);
			free(name);
			node_free(root);
			return -1;
		}
		free(name);
		node_free(root);
		return 0;
	}
	struct tmpl_tree *t = xcalloc(1, sizeof(*t));
	t->name = name;
	t->src = p->src;
	p->src->refs++;
	t->root = root;
	ALLOC_GROW(p->trees, p->ntrees + 1, p->alloc);
	p->trees[p->ntrees++] = t;
	return 0;
}

/* The body of {{define}} or {{block}}: a new tree with its own variables. */
static int sub_tree(struct parser *p, char *name, const char *context)
{
	struct strvec saved = p->vars;
	int saved_depth = p->range_depth;
	struct tmpl_node *root, *end = NULL;

	memset(&p->vars, 0, sizeof(p->vars));
	strvec_push(&p->vars, "$");
	p->range_depth = 0;
	root = item_list(p, &end);
	strvec_clear(&p->vars);
	p->vars = saved;
	p->range_depth = saved_depth;
	if (!root) {
		node_free(end);
		free(name);
		return -1;
	}
	if (end->type != NODE_END) {
		errorf(p, "unexpected {{else}} in %s", context);
		node_free(end);
		node_free(root);
		free(name);
		return -1;
	}
	node_free(end);
	return add_tree(p, name, root);
}

static int define(struct parser *p)
{
	const char *context = "define clause";
	const struct tmpl_item *it = next_non_space(p);
	char *name;

	if (it->type != TMPL_ITEM_STRING && it->type != TMPL_ITEM_RAW_STRING) {
		unexpected(p, it, context);
		return -1;
	}
	if (template_name(p, it, context, &name) < 0)
		return -1;
	if (!expect(p, TMPL_ITEM_RIGHT_DELIM, context)) {
		free(name);
		return -1;
	}
	return sub_tree(p, name, context);
}

static struct tmpl_node *template_node(struct parser *p,
				       const struct tmpl_item *it, char *name,
				       struct tmpl_node *pipe)
{
	struct tmpl_node *n = new_node(p, TMPL_NODE_TEMPLATE, it->pos, it->line);
	n->u.tmpl.name = name;
	n->u.tmpl.pipe = pipe;
	return n;
}

static struct tmpl_node *block_control(struct parser *p)
{
	const char *context = "block clause";
	const struct tmpl_item *it = next_non_space(p);
	char *name;
	struct tmpl_node *pipe;

	if (template_name(p, it, context, &name) < 0)
		return NULL;
	pipe = pipeline(p, context, TMPL_ITEM_RIGHT_DELIM);
	if (!pipe) {
		free(name);
		return NULL;
	}
	if (sub_tree(p, xstrdup(name), context) < 0) {
		free(name);
		node_free(pipe);
		return NULL;
	}
	return template_node(p, it, name, pipe);
}

static struct tmpl_node *template_control(struct parser *p)
{
	const char *context = "template clause";
	const struct tmpl_item *it = next_non_space(p);
	char *name;
	struct tmpl_node *pipe = NULL;

	if (template_name(p, it, context, &name) < 0)
		return NULL;
	if (next_non_space(p)->type != TMPL_ITEM_RIGHT_DELIM) {
		backup(p);
		/* variables declared here persist until the end */
		pipe = pipeline(p, context, TMPL_ITEM_RIGHT_DELIM);
		if (!pipe) {
			free(name);
			return NULL;
		}
	}
	return template_node(p, it, name, pipe);
}

static struct tmpl_node *break_control(struct parser *p,
				       const struct tmpl_item *kw, int brk)
{
	const char *word = brk ? "{{break}}" : "{{continue}}";
	const struct tmpl_item *it = next_non_space(p);
	if (it->type != TMPL_ITEM_RIGHT_DELIM)
		return unexpected(p, it, word);
	if (p->range_depth == 0)
		return errorf(p, "%s outside {{range}}", word);
	return new_node(p, brk ? TMPL_NODE_BREAK : TMPL_NODE_CONTINUE, kw->pos,
			kw->line);
}

static struct tmpl_node *action(struct parser *p)
{
	const struct tmpl_item *it = next_non_space(p);
	switch (it->type) {
	case TMPL_ITEM_BLOCK:
		return block_control(p);
	case TMPL_ITEM_BREAK:
		return break_control(p, it, 1);
	case TMPL_ITEM_CONTINUE:
		return break_control(p, it, 0);
	case TMPL_ITEM_ELSE: {
		/* "{{else if" and "{{else with" leave the keyword pending */
		const struct tmpl_item *pk = peek_non_space(p);
		if (pk->type == TMPL_ITEM_IF || pk->type == TMPL_ITEM_WITH)
			return new_node(p, NODE_ELSE, pk->pos, pk->line);
		const struct tmpl_item *t = expect(p, TMPL_ITEM_RIGHT_DELIM,
						   "else");
		return t ? new_node(p, NODE_ELSE, t->pos, t->line) : NULL;
	}
	case TMPL_ITEM_END: {
		const struct tmpl_item *t = expect(p, TMPL_ITEM_RIGHT_DELIM,
						   "end");
		return t ? new_node(p, NODE_END, t->pos, t->line) : NULL;
	}
	case TMPL_ITEM_IF:
		return if_control(p);
	case TMPL_ITEM_RANGE:
		return control(p, TMPL_NODE_RANGE, "range");
	case TMPL_ITEM_TEMPLATE:
		return template_control(p);
	case TMPL_ITEM_WITH:
		return with_control(p);
	default:
		break;
	}
	backup(p);
	const struct tmpl_item *start = peek(p);
	size_t pos = start->pos;
	int line = start->line;
	struct tmpl_node *pipe = pipeline(p, "command", TMPL_ITEM_RIGHT_DELIM);
	if (!pipe)
		return NULL;
	struct tmpl_node *n = new_node(p, TMPL_NODE_ACTION, pos, line);
	n->u.action = pipe;
	return n;
}

static struct tmpl_node *text_or_action(struct parser *p)
{
	const struct tmpl_item *it = next_non_space(p);
	struct tmpl_node *n;
	switch (it->type) {
	case TMPL_ITEM_TEXT:
		n = new_node(p, TMPL_NODE_TEXT, it->pos, it->line);
		n->u.text.text = dupn(it->val, it->len);
		n->u.text.len = it->len;
		return n;
	case TMPL_ITEM_LEFT_DELIM:
		p->action_line = it->line;
		n = action(p);
		p->action_line = 0;
		return n;
	default:
		return unexpected(p, it, "input");
	}
}

/* Nodes up to {{end}} or {{else}}, which is returned in *end. */
static struct tmpl_node *item_list(struct parser *p, struct tmpl_node **end)
{
	const struct tmpl_item *start = peek_non_space(p);
	struct tmpl_node *list = new_node(p, TMPL_NODE_LIST, start->pos,
					  start->line);
	*end = NULL;
	while (peek_non_space(p)->type != TMPL_ITEM_EOF) {
		struct tmpl_node *n = text_or_action(p);
		if (!n) {
			node_free(list);
			return NULL;
		}
		if (n->type == NODE_END || n->type == NODE_ELSE) {
			*end = n;
			return list;
		}
		nodes_push(&list->u.list, n);
	}
	errorf(p, "unexpected EOF");
	node_free(list);
	return NULL;
}

static int parse(struct parser *p, const char *name)
{
	const struct tmpl_item *start = peek(p);
	struct tmpl_node *root = new_node(p, TMPL_NODE_LIST, start->pos,
					  start->line);
	while (peek(p)->type != TMPL_ITEM_EOF) {
		if (peek(p)->type == TMPL_ITEM_LEFT_DELIM) {
			size_t at = p->p;
			next_item(p);
			if (next_non_space(p)->type == TMPL_ITEM_DEFINE) {
				if (define(p) < 0)
					goto fail;
				continue;
			}
			p->p = at;
		}
		struct tmpl_node *n = text_or_action(p);
		if (!n)
			goto fail;
		if (n->type == NODE_END || n->type == NODE_ELSE) {
			errorf(p, "unexpected %s",
			       n->type == NODE_END ? "{{end}}" : "{{else}}");
			node_free(n);
			goto fail;
		}
		nodes_push(&root->u.list, n);
	}
	return add_tree(p, xstrdup(name), root);
fail:
	node_free(root);
	return -1;
}

int tmpl_parse_text(const char *name, const char *text, size_t len,
		    const struct tmpl_funcs *funcs, struct tmpl_tree ***trees,
		    size_t *ntrees, struct gerr *err)
{
	struct parser p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.src = xcalloc(1, sizeof(*p.src));
	p.src->name = xstrdup(name);
	p.src->text = dupn(text, len);
	p.src->len = len;
	p.src->refs = 1;
	p.funcs = funcs;
	p.err = err;
	strvec_push(&p.vars, "$");
	tmpl_lex(p.src->text, len, &p.items);

	rc = parse(&p, name);
	strvec_clear(&p.vars);
	tmpl_items_clear(&p.items);
	if (rc < 0 || p.failed) {
		for (size_t i = 0; i < p.ntrees; i++)
			tmpl_tree_free(p.trees[i]);
		free(p.trees);
		p.trees = NULL;
		p.ntrees = 0;
		rc = -1;
	}
	/* the trees hold their own references to the source */
	if (--p.src->refs == 0) {
		free(p.src->name);
		free(p.src->text);
		free(p.src);
	}
	*trees = p.trees;
	*ntrees = p.ntrees;
	return rc;
}

void tmpl_tree_free(struct tmpl_tree *tree)
{
	if (!tree)
		return;
	node_free(tree->root);
	if (tree->src && --tree->src->refs == 0) {
		free(tree->src->name);
		free(tree->src->text);
		free(tree->src);
	}
	free(tree->name);
	free(tree);
}

int tmpl_tree_is_empty(const struct tmpl_node *n)
{
	if (!n)
		return 1;
	switch (n->type) {
	case TMPL_NODE_LIST:
		for (size_t i = 0; i < n->u.list.nr; i++)
			if (!tmpl_tree_is_empty(n->u.list.v[i]))
				return 0;
		return 1;
	case TMPL_NODE_TEXT:
		for (size_t i = 0; i < n->u.text.len; i++)
			if (!strchr(" \t\n\v\f\r", n->u.text.text[i]) ||
			    !n->u.text.text[i])
				return 0;
		return 1;
	default:
		return 0;
	}
}

/* ---- printing ---- */

static void write_pipe(struct strbuf *out, const struct tmpl_node *n)
{
	for (size_t i = 0; i < n->u.pipe.decl.nr; i++) {
		if (i)
			strbuf_addstr(out, ", ");
		tmpl_node_string(out, n->u.pipe.decl.v[i]);
	}
	if (n->u.pipe.decl.nr)
		strbuf_addstr(out, " := ");
	for (size_t i = 0; i < n->u.pipe.cmds.nr; i++) {
		if (i)
			strbuf_addstr(out, " | ");
		tmpl_node_string(out, n->u.pipe.cmds.v[i]);
	}
}

void tmpl_node_string(struct strbuf *out, const struct tmpl_node *n)
{
	size_t i;
	switch (n->type) {
	case TMPL_NODE_TEXT:
		strbuf_add(out, n->u.text.text, n->u.text.len);
		break;
	case TMPL_NODE_ACTION:
		strbuf_addstr(out, "{{");
		write_pipe(out, n->u.action);
		strbuf_addstr(out, "}}");
		break;
	case TMPL_NODE_BOOL:
		strbuf_addstr(out, n->u.boolean ? "true" : "false");
		break;
	case TMPL_NODE_CHAIN:
		if (n->u.chain.node->type == TMPL_NODE_PIPE) {
			strbuf_addch(out, '(');
			tmpl_node_string(out, n->u.chain.node);
			strbuf_addch(out, ')');
		} else {
			tmpl_node_string(out, n->u.chain.node);
		}
		for (i = 0; i < n->u.chain.n; i++) {
			strbuf_addch(out, '.');
			strbuf_addstr(out, n->u.chain.field[i]);
		}
		break;
	case TMPL_NODE_COMMAND:
		for (i = 0; i < n->u.cmd.nr; i++) {
			const struct tmpl_node *a = n->u.cmd.v[i];
			if (i)
				strbuf_addch(out, ' ');
			if (a->type == TMPL_NODE_PIPE) {
				strbuf_addch(out, '(');
				tmpl_node_string(out, a);
				strbuf_addch(out, ')');
			} else {
				tmpl_node_string(out, a);
			}
		}
		break;
	case TMPL_NODE_DOT:
		strbuf_addch(out, '.');
		break;
	case TMPL_NODE_FIELD:
		for (i = 0; i < n->u.field.n; i++) {
			strbuf_addch(out, '.');
			strbuf_addstr(out, n->u.field.ident[i]);
		}
		break;
	case TMPL_NODE_VARIABLE:
		for (i = 0; i < n->u.field.n; i++) {
			if (i)
				strbuf_addch(out, '.');
			strbuf_addstr(out, n->u.field.ident[i]);
		}
		break;
	case TMPL_NODE_IDENTIFIER:
		strbuf_addstr(out, n->u.ident);
		break;
	case TMPL_NODE_IF:
	case TMPL_NODE_RANGE:
	case TMPL_NODE_WITH:
		strbuf_addstr(out, n->type == TMPL_NODE_IF ? "{{if "
				   : n->type == TMPL_NODE_RANGE ? "{{range "
								 : "{{with ");
		write_pipe(out, n->u.branch.pipe);
		strbuf_addstr(out, "}}");
		tmpl_node_string(out, n->u.branch.list);
		if (n->u.branch.else_list) {
			strbuf_addstr(out, "{{else}}");
			tmpl_node_string(out, n->u.branch.else_list);
		}
		strbuf_addstr(out, "{{end}}");
		break;
	case TMPL_NODE_LIST:
		for (i = 0; i < n->u.list.nr; i++)
			tmpl_node_string(out, n->u.list.v[i]);
		break;
	case TMPL_NODE_NIL:
		strbuf_addstr(out, "nil");
		break;
	case TMPL_NODE_NUMBER:
		strbuf_addstr(out, n->u.num.text);
		break;
	case TMPL_NODE_PIPE:
		write_pipe(out, n);
		break;
	case TMPL_NODE_STRING:
		strbuf_addstr(out, n->u.str.quoted);
		break;
	case TMPL_NODE_TEMPLATE:
		strbuf_addstr(out, "{{template ");
		tmpl_utf8_quote(out, n->u.tmpl.name, strlen(n->u.tmpl.name), 0);
		if (n->u.tmpl.pipe) {
			strbuf_addch(out, ' ');
			write_pipe(out, n->u.tmpl.pipe);
		}
		strbuf_addstr(out, "}}");
		break;
	case TMPL_NODE_BREAK:
		strbuf_addstr(out, "{{break}}");
		break;
	case TMPL_NODE_CONTINUE:
		strbuf_addstr(out, "{{continue}}");
		break;
	default:
		break;
	}
}

void tmpl_node_location(const struct tmpl_node *n, int *line, int *col)
{
	const char *text = n->src->text;
	size_t pos = n->pos <= n->src->len ? n->pos : n->src->len;
	size_t last_nl = (size_t)-1;
	int l = 1;
	for (size_t i = 0; i < pos; i++)
		if (text[i] == '\n') {
			l++;
			last_nl = i;
		}
	*line = l;
	*col = (int)(last_nl == (size_t)-1 ? pos : pos - last_nl - 1);
}

const char *tmpl_node_type_name(enum tmpl_node_type type)
{
	static const char *const names[] = {
		"text", "action", "bool", "chain", "command", "dot", "field",
		"identifier", "if", "list", "nil", "number", "pipe", "range",
		"string", "template", "variable", "with", "break", "continue",
	};
	if ((size_t)type < sizeof(names) / sizeof(names[0]))
		return names[type];
	return "?";
}
