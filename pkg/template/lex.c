/*
 * The lexer of Go's text/template, state by state as text/template/parse's
 * lexer: text outside actions, "{{" and "}}" with their "- " trim markers,
 * comments, and the tokens inside an action. Errors are items carrying Go's
 * messages ("unclosed action", "bad character U+0023 '#'", ...).
 */
#include "pkg/template/lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/template/utf8.h"

#define EOF_RUNE (-1)

enum state {
	S_TEXT,
	S_LEFT_DELIM,
	S_COMMENT,
	S_RIGHT_DELIM,
	S_INSIDE_ACTION,
	S_SPACE,
	S_IDENTIFIER,
	S_FIELD,
	S_VARIABLE,
	S_CHAR,
	S_NUMBER,
	S_QUOTE,
	S_RAW_QUOTE,
	S_DONE,
};

struct lexer {
	const char *in;
	size_t len;
	size_t pos, start;
	int paren_depth;
	size_t line_pos;        /* line counting cache: line at line_pos */
	int line;
	struct tmpl_items *items;
};

static int line_at(struct lexer *l, size_t pos)
{
	if (pos < l->line_pos) {
		l->line_pos = 0;
		l->line = 1;
	}
	for (; l->line_pos < pos; l->line_pos++)
		if (l->in[l->line_pos] == '\n')
			l->line++;
	return l->line;
}

static int next(struct lexer *l)
{
	int r;
	if (l->pos >= l->len) {
		l->pos = l->len + 1; /* past the end: backup() returns to len */
		return EOF_RUNE;
	}
	l->pos += tmpl_utf8_decode(l->in + l->pos, l->len - l->pos, &r);
	return r;
}

/* Step back over the rune next() returned (not over EOF). */
static void backup(struct lexer *l)
{
	if (l->pos > l->len) {
		l->pos = l->len;
		return;
	}
	if (l->pos == 0)
		return;
	/* walk back to the start of the previous rune */
	size_t p = l->pos - 1;
	while (p > 0 && l->pos - p < 4 &&
	       ((unsigned char)l->in[p] & 0xC0) == 0x80)
		p--;
	if (p + tmpl_utf8_decode(l->in + p, l->len - p, NULL) != l->pos)
		p = l->pos - 1;
	l->pos = p;
}

static int peek(struct lexer *l)
{
	int r = next(l);
	backup(l);
	return r;
}

static void emit_at(struct lexer *l, enum tmpl_item_type type,
		    const char *val, size_t len)
{
	struct tmpl_items *it = l->items;
	ALLOC_GROW(it->v, it->nr + 1, it->alloc);
	it->v[it->nr].type = type;
	it->v[it->nr].pos = l->start;
	it->v[it->nr].val = val;
	it->v[it->nr].len = len;
	it->v[it->nr].line = line_at(l, l->start);
	it->nr++;
}

static void emit(struct lexer *l, enum tmpl_item_type type)
{
	emit_at(l, type, l->in + l->start, l->pos - l->start);
	l->start = l->pos;
}

static void ignore(struct lexer *l)
{
	l->start = l->pos;
}

static enum state errorf(struct lexer *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum state errorf(struct lexer *l, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(l->items->errmsg);
	l->items->errmsg = strbuf_detach(&sb, NULL);
	emit_at(l, TMPL_ITEM_ERROR, l->items->errmsg,
		strlen(l->items->errmsg));
	return S_DONE;
}

static int accept(struct lexer *l, const char *valid)
{
	int r = next(l);
	if (r != EOF_RUNE && r < 0x80 && r && strchr(valid, r))
		return 1;
	backup(l);
	return 0;
}

static void accept_run(struct lexer *l, const char *valid)
{
	for (;;) {
		int r = next(l);
		if (r == EOF_RUNE || r >= 0x80 || !r || !strchr(valid, r)) {
			backup(l);
			return;
		}
	}
}

static int is_space(int r)
{
	return r == ' ' || r == '\t' || r == '\r' || r == '\n';
}

/* unicode.IsLetter || unicode.IsDigit || '_', approximated outside ASCII:
 * runes in the symbol and punctuation blocks are not letters. */
static int is_alnum(int r)
{
	if (r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
	    (r >= 'A' && r <= 'Z'))
		return 1;
	if (r < 0xAA || r == 0xD7 || r == 0xF7 || r == 0xFFFD)
		return 0;
	if (r < 0xC0)
		return r == 0xAA || r == 0xB5 || r == 0xBA;
	if ((r >= 0x2000 && r <= 0x2BFF) || (r >= 0x3000 && r <= 0x303F) ||
	    (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF0F) ||
	    (r >= 0xE000 && r <= 0xF8FF))
		return 0;
	return tmpl_utf8_is_print(r);
}

static int has_prefix(struct lexer *l, size_t pos, const char *s)
{
	size_t n = strlen(s);
	return pos <= l->len && l->len - pos >= n && !memcmp(l->in + pos, s, n);
}

static int has_left_trim_marker(struct lexer *l, size_t pos)
{
	return pos + 2 <= l->len && l->in[pos] == '-' &&
	       is_space((unsigned char)l->in[pos + 1]);
}

static int has_right_trim_marker(struct lexer *l, size_t pos)
{
	return pos + 2 <= l->len && is_space((unsigned char)l->in[pos]) &&
	       l->in[pos + 1] == '-';
}

static size_t left_trim_length(struct lexer *l, size_t pos)
{
	size_t n = 0;
	while (pos + n < l->len && is_space((unsigned char)l->in[pos + n]))
		n++;
	return n;
}

/* "U+0023 '#'" as Go's %#U. */
static const char *rune_desc(int r, char *buf, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	if (r == EOF_RUNE)
		r = 0xFFFD; /* not reached: callers never describe EOF */
	strbuf_addf(&sb, "U+%04X", (unsigned)r);
	if (tmpl_utf8_is_print(r)) {
		strbuf_addstr(&sb, " '");
		tmpl_utf8_append(&sb, r);
		strbuf_addch(&sb, '\'');
	}
	snprintf(buf, size, "%s", sb.buf);
	strbuf_release(&sb);
	return buf;
}

static int at_right_delim(struct lexer *l, int *trim)
{
	if (has_right_trim_marker(l, l->pos) && has_prefix(l, l->pos + 2, "}}")) {
		*trim = 1;
		return 1;
	}
	*trim = 0;
	return has_prefix(l, l->pos, "}}");
}

static enum state lex_text(struct lexer *l)
{
	const char *x = NULL;
	for (size_t i = l->pos; i + 1 < l->len; i++)
		if (l->in[i] == '{' && l->in[i + 1] == '{') {
			x = l->in + i;
			break;
		}
	if (x) {
		size_t at = (size_t)(x - l->in);
		size_t trim = 0;
		if (has_left_trim_marker(l, at + 2))
			while (at - trim > l->start &&
			       is_space((unsigned char)l->in[at - trim - 1]))
				trim++;
		l->pos = at - trim;
		if (l->pos > l->start)
			emit(l, TMPL_ITEM_TEXT);
		l->pos = at;
		ignore(l);
		return S_LEFT_DELIM;
	}
	l->pos = l->len;
	if (l->pos > l->start)
		emit(l, TMPL_ITEM_TEXT);
	emit(l, TMPL_ITEM_EOF);
	return S_DONE;
}

static enum state lex_left_delim(struct lexer *l)
{
	l->pos += 2;
	size_t after = has_left_trim_marker(l, l->pos) ? 2 : 0;
	if (has_prefix(l, l->pos + after, "/*")) {
		l->pos += after;
		ignore(l);
		return S_COMMENT;
	}
	emit(l, TMPL_ITEM_LEFT_DELIM);
	l->pos += after;
	ignore(l);
	l->paren_depth = 0;
	return S_INSIDE_ACTION;
}

static enum state lex_comment(struct lexer *l)
{
	int trim;
	l->pos += 2;
	const char *end = NULL;
	for (size_t i = l->pos; i + 1 < l->len; i++)
		if (l->in[i] == '*' && l->in[i + 1] == '/') {
			end = l->in + i;
			break;
		}
	if (!end)
		return errorf(l, "unclosed comment");
	l->pos = (size_t)(end - l->in) + 2;
	if (!at_right_delim(l, &trim))
		return errorf(l, "comment ends before closing delimiter");
	if (trim)
		l->pos += 2;
	l->pos += 2;
	if (trim)
		l->pos += left_trim_length(l, l->pos);
	ignore(l);
	return S_TEXT;
}

static enum state lex_right_delim(struct lexer *l)
{
	int trim = has_right_trim_marker(l, l->pos);
	if (trim) {
		l->pos += 2;
		ignore(l);
	}
	l->pos += 2;
	emit(l, TMPL_ITEM_RIGHT_DELIM);
	if (trim) {
		l->pos += left_trim_length(l, l->pos);
		ignore(l);
	}
	return S_TEXT;
}

static enum state lex_inside_action(struct lexer *l)
{
	int trim;
	char desc[32];

	if (at_right_delim(l, &trim)) {
		if (l->paren_depth == 0)
			return S_RIGHT_DELIM;
		return errorf(l, "unclosed left paren");
	}
	int r = next(l);
	if (r == EOF_RUNE)
		return errorf(l, "unclosed action");
	if (is_space(r)) {
		backup(l); /* put the space back in case we have " -}}" */
		return S_SPACE;
	}
	switch (r) {
	case '=':
		emit(l, TMPL_ITEM_ASSIGN);
		return S_INSIDE_ACTION;
	case ':':
		if (next(l) != '=')
			return errorf(l, "expected :=");
		emit(l, TMPL_ITEM_DECLARE);
		return S_INSIDE_ACTION;
	case '|':
		emit(l, TMPL_ITEM_PIPE);
		return S_INSIDE_ACTION;
	case '"':
		return S_QUOTE;
	case '`':
		return S_RAW_QUOTE;
	case '$':
		return S_VARIABLE;
	case '\'':
		return S_CHAR;
	case '.':
		if (l->pos < l->len &&
		    (l->in[l->pos] < '0' || l->in[l->pos] > '9'))
			return S_FIELD;
		backup(l); /* '.' can start a number */
		return S_NUMBER;
	case '(':
		emit(l, TMPL_ITEM_LEFT_PAREN);
		l->paren_depth++;
		return S_INSIDE_ACTION;
	case ')':
		emit(l, TMPL_ITEM_RIGHT_PAREN);
		l->paren_depth--;
		if (l->paren_depth < 0)
			return errorf(l, "unexpected right paren %s",
				      rune_desc(r, desc, sizeof(desc)));
		return S_INSIDE_ACTION;
	}
	if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
		backup(l);
		return S_NUMBER;
	}
	if (is_alnum(r)) {
		backup(l);
		return S_IDENTIFIER;
	}
	if (r < 0x80 && tmpl_utf8_is_print(r)) {
		emit(l, TMPL_ITEM_CHAR);
		return S_INSIDE_ACTION;
	}
	return errorf(l, "unrecognized character in action: %s",
		      rune_desc(r, desc, sizeof(desc)));
}

static enum state lex_space(struct lexer *l)
{
	int num = 0;
	while (is_space(peek(l))) {
		next(l);
		num++;
	}
	if (has_right_trim_marker(l, l->pos - 1) &&
	    has_prefix(l, l->pos - 1 + 2, "}}")) {
		backup(l); /* before the space */
		if (num == 1)
			return S_RIGHT_DELIM;
	}
	emit(l, TMPL_ITEM_SPACE);
	return S_INSIDE_ACTION;
}

static int at_terminator(struct lexer *l)
{
	int r = peek(l);
	if (is_space(r))
		return 1;
	switch (r) {
	case EOF_RUNE:
	case '.':
	case ',':
	case '|':
	case ':':
	case ')':
	case '(':
		return 1;
	}
	return has_prefix(l, l->pos, "}}");
}

static const struct {
	const char *word;
	enum tmpl_item_type type;
} keywords[] = {
	{ "block", TMPL_ITEM_BLOCK },   { "break", TMPL_ITEM_BREAK },
	{ "continue", TMPL_ITEM_CONTINUE }, { "define", TMPL_ITEM_DEFINE },
	{ "else", TMPL_ITEM_ELSE },     { "end", TMPL_ITEM_END },
	{ "if", TMPL_ITEM_IF },         { "range", TMPL_ITEM_RANGE },
	{ "nil", TMPL_ITEM_NIL },       { "template", TMPL_ITEM_TEMPLATE },
	{ "with", TMPL_ITEM_WITH },
};

static enum state lex_identifier(struct lexer *l)
{
	char desc[32];
	int r;
	do
		r = next(l);
	while (is_alnum(r));
	backup(l);
	if (!at_terminator(l))
		return errorf(l, "bad character %s",
			      rune_desc(r, desc, sizeof(desc)));
	const char *word = l->in + l->start;
	size_t n = l->pos - l->start;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].word) == n &&
		    !memcmp(keywords[i].word, word, n)) {
			emit(l, keywords[i].type);
			return S_INSIDE_ACTION;
		}
	if ((n == 4 && !memcmp(word, "true", 4)) ||
	    (n == 5 && !memcmp(word, "false", 5)))
		emit(l, TMPL_ITEM_BOOL);
	else
		emit(l, TMPL_ITEM_IDENTIFIER);
	return S_INSIDE_ACTION;
}

static enum state lex_field_or_variable(struct lexer *l,
					enum tmpl_item_type type)
{
	char desc[32];
	int r;
	if (at_terminator(l)) { /* nothing follows: "." or "$" */
		emit(l, type == TMPL_ITEM_VARIABLE ? TMPL_ITEM_VARIABLE
						   : TMPL_ITEM_DOT);
		return S_INSIDE_ACTION;
	}
	do
		r = next(l);
	while (is_alnum(r));
	backup(l);
	if (!at_terminator(l))
		return errorf(l, "bad character %s",
			      rune_desc(r, desc, sizeof(desc)));
	emit(l, type);
	return S_INSIDE_ACTION;
}

static enum state lex_char(struct lexer *l)
{
	for (;;) {
		int r = next(l);
		if (r == '\\') {
			r = next(l);
			if (r != EOF_RUNE && r != '\n')
				continue;
		}
		if (r == EOF_RUNE || r == '\n')
			return errorf(l, "unterminated character constant");
		if (r == '\'')
			break;
	}
	emit(l, TMPL_ITEM_CHAR_CONSTANT);
	return S_INSIDE_ACTION;
}

static int scan_number(struct lexer *l)
{
	const char *digits = "0123456789_";
	accept(l, "+-");
	if (accept(l, "0")) {
		if (accept(l, "xX"))
			digits = "0123456789abcdefABCDEF_";
		else if (accept(l, "oO"))
			digits = "01234567_";
		else if (accept(l, "bB"))
			digits = "01_";
	}
	accept_run(l, digits);
	if (accept(l, "."))
		accept_run(l, digits);
	if (strlen(digits) == 10 + 1 && accept(l, "eE")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	if (strlen(digits) == 16 + 6 + 1 && accept(l, "pP")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	accept(l, "i");
	if (is_alnum(peek(l))) {
		next(l);
		return 0;
	}
	return 1;
}

static enum state bad_number(struct lexer *l)
{
	struct strbuf q = STRBUF_INIT;
	size_t end = l->pos > l->len ? l->len : l->pos;
	tmpl_utf8_quote(&q, l->in + l->start, end - l->start, 0);
	errorf(l, "bad number syntax: %s", q.buf);
	strbuf_release(&q);
	return S_DONE;
}

static enum state lex_number(struct lexer *l)
{
	if (!scan_number(l))
		return bad_number(l);
	int sign = peek(l);
	if (sign == '+' || sign == '-') {
		if (!scan_number(l) || l->in[l->pos - 1] != 'i')
			return bad_number(l);
		emit(l, TMPL_ITEM_COMPLEX);
	} else {
		emit(l, TMPL_ITEM_NUMBER);
	}
	return S_INSIDE_ACTION;
}

static enum state lex_quote(struct lexer *l)
{
	for (;;) {
		int r = next(l);
		if (r == '\\') {
			r = next(l);
			if (r != EOF_RUNE && r != '\n')
				continue;
		}
		if (r == EOF_RUNE || r == '\n')
			return errorf(l, "unterminated quoted string");
		if (r == '"')
			break;
	}
	emit(l, TMPL_ITEM_STRING);
	return S_INSIDE_ACTION;
}

static enum state lex_raw_quote(struct lexer *l)
{
	for (;;) {
		int r = next(l);
		if (r == EOF_RUNE)
			return errorf(l, "unterminated raw quoted string");
		if (r == '`')
			break;
	}
	emit(l, TMPL_ITEM_RAW_STRING);
	return S_INSIDE_ACTION;
}

void tmpl_lex(const char *input, size_t len, struct tmpl_items *items)
{
	struct lexer l;
	enum state s = S_TEXT;

	memset(&l, 0, sizeof(l));
	l.in = input;
	l.len = len;
	l.line = 1;
	l.items = items;
	while (s != S_DONE) {
		switch (s) {
		case S_TEXT: s = lex_text(&l); break;
		case S_LEFT_DELIM: s = lex_left_delim(&l); break;
		case S_COMMENT: s = lex_comment(&l); break;
		case S_RIGHT_DELIM: s = lex_right_delim(&l); break;
		case S_INSIDE_ACTION: s = lex_inside_action(&l); break;
		case S_SPACE: s = lex_space(&l); break;
		case S_IDENTIFIER: s = lex_identifier(&l); break;
		case S_FIELD: s = lex_field_or_variable(&l, TMPL_ITEM_FIELD); break;
		case S_VARIABLE:
			/* "$" alone is the variable $ */
			if (at_terminator(&l)) {
				emit(&l, TMPL_ITEM_VARIABLE);
				s = S_INSIDE_ACTION;
			} else {
				s = lex_field_or_variable(&l, TMPL_ITEM_VARIABLE);
			}
			break;
		case S_CHAR: s = lex_char(&l); break;
		case S_NUMBER: s = lex_number(&l); break;
		case S_QUOTE: s = lex_quote(&l); break;
		case S_RAW_QUOTE: s = lex_raw_quote(&l); break;
		case S_DONE: break;
		}
	}
}

void tmpl_items_clear(struct tmpl_items *items)
{
	free(items->v);
	free(items->errmsg);
	memset(items, 0, sizeof(*items));
}
