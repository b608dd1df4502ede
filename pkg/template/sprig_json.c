/*
 * JSON as Go's encoding/json writes and reads it, for Sprig's toPrettyJson,
 * toRawJson, mustToJson, mustToPrettyJson, mustToRawJson and mustFromJson:
 * Marshal's escaping (<, > and & as \u003c... unless raw, invalid UTF-8 as
 * \ufffd, U+2028/2029 escaped), its float format, MarshalIndent's layout;
 * and Unmarshal into interface{} (numbers float64, objects
 * map[string]interface{}) with the scanner's exact error messages
 * ("invalid character 'x' after object key", "unexpected end of JSON
 * input").
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/template/sprig.h"
#include "pkg/template/utf8.h"
#include "pkg/yaml/yaml.h"


int sprig_json(struct strbuf *out, const struct tmpl_value *v,
	       unsigned flags, struct gerr *err)
{
	json_t *j = tmpl_to_json(v, err);
	if (!j)
		return -1;
	unsigned jflags = YAML_JSON_SORT_KEYS; /* Go sorts a map's keys */
	if (flags & SPRIG_JSON_ESCAPE_HTML)
		jflags |= YAML_JSON_ESCAPE_HTML;
	if (flags & SPRIG_JSON_INDENT)
		jflags |= YAML_JSON_PRETTY;
	yaml_write_json(out, j, jflags);
	json_decref(j);
	return 0;
}

/* ---- reading: Unmarshal into interface{} ---- */

struct jparse {
	const char *s;
	size_t len, i;
	int depth;
	struct gerr *err;
	int failed;
	char *range_error;      /* the first number out of float64's range */
};

/* The scanner's quoteChar: the byte as a rune, quoted. */
static void quote_char(struct strbuf *out, unsigned char c)
{
	struct strbuf r = STRBUF_INIT, q = STRBUF_INIT;
	if (c == '\'') {
		strbuf_addstr(out, "'\\''");
		return;
	}
	if (c == '"') {
		strbuf_addstr(out, "'\"'");
		return;
	}
	tmpl_utf8_append(&r, c);
	tmpl_quote(&q, r.buf, r.len);
	strbuf_addch(out, '\'');
	strbuf_add(out, q.buf + 1, q.len - 2);
	strbuf_addch(out, '\'');
	strbuf_release(&r);
	strbuf_release(&q);
}

static int syntax_error_char(struct jparse *p, unsigned char c,
			     const char *context)
{
	struct strbuf sb = STRBUF_INIT;
	if (p->failed)
		return -1;
	strbuf_addstr(&sb, "invalid character ");
	quote_char(&sb, c);
	strbuf_addf(&sb, " %s", context);
	gerr_set(p->err, "%s", sb.buf);
	strbuf_release(&sb);
	p->failed = 1;
	return -1;
}

/* The byte at the cursor is wrong here; at the end of the input, Go's
 * scanner feeds a space to the state it is in, which either fails the
 * same way (context_at_eof non-NULL) or leaves the input unfinished. */
static int syntax_error(struct jparse *p, const char *context,
			int fails_at_eof)
{
	if (p->i < p->len)
		return syntax_error_char(p, (unsigned char)p->s[p->i], context);
	if (fails_at_eof)
		return syntax_error_char(p, ' ', context);
	if (!p->failed)
		gerr_set(p->err, "unexpected end of JSON input");
	p->failed = 1;
	return -1;
}

static void skip_ws(struct jparse *p)
{
	while (p->i < p->len && strchr(" \t\n\r", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static int at(struct jparse *p, char c)
{
	return p->i < p->len && p->s[p->i] == c;
}

static int digit_at(struct jparse *p)
{
	return p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

static int parse_value(struct jparse *p, struct tmpl_value **out);

static int parse_literal(struct jparse *p, const char *word,
			 struct tmpl_value *v, struct tmpl_value **out)
{
	char context[64];
	p->i++;
	for (const char *w = word + 1; *w; w++, p->i++) {
		if (!at(p, *w)) {
			snprintf(context, sizeof(context),
				 "in literal %s (expecting '%c')", word, *w);
			return syntax_error(p, context, 1);
		}
	}
	*out = v;
	return 0;
}

static int parse_number(struct jparse *p, struct tmpl_value **out)
{
	size_t start = p->i;
	double f;
	if (at(p, '-')) {
		p->i++;
		if (!digit_at(p))
			return syntax_error(p, "in numeric literal", 1);
	}
	if (at(p, '0'))
		p->i++;
	else
		while (digit_at(p))
			p->i++;
	if (at(p, '.')) {
		p->i++;
		if (!digit_at(p))
			return syntax_error(p, "after decimal point in numeric "
					       "literal", 1);
		while (digit_at(p))
			p->i++;
	}
	if (at(p, 'e') || at(p, 'E')) {
		p->i++;
		if (at(p, '+') || at(p, '-'))
			p->i++;
		if (!digit_at(p))
			return syntax_error(p, "in exponent of numeric literal", 1);
		while (digit_at(p))
			p->i++;
	}
	if (sprig_parse_float(p->s + start, p->i - start, &f) == -2 &&
	    !p->range_error)
		p->range_error = xstrndup(p->s + start, p->i - start);
	*out = tmpl_float(f);
	return 0;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Four hex digits after "\u" at s[i]; -1 when they are not there. */
static int get_u4(const char *s, size_t len, size_t i)
{
	int r = 0;
	if (i + 6 > len || s[i] != '\\' || s[i + 1] != 'u')
		return -1;
	for (int k = 2; k < 6; k++) {
		int h = hex_value((unsigned char)s[i + k]);
		if (h < 0)
			return -1;
		r = r * 16 + h;
	}
	return r;
}

/* A string literal at the cursor ("), decoded as Go's unquote does:
 * invalid UTF-8 and lone surrogates become U+FFFD. */
static int parse_string(struct jparse *p, struct strbuf *out)
{
	p->i++;
	for (;;) {
		if (p->i >= p->len)
			return syntax_error(p, "in string literal", 0);
		unsigned char c = (unsigned char)p->s[p->i];
		if (c == '"') {
			p->i++;
			return 0;
		}
		if (c < 0x20)
			return syntax_error(p, "in string literal", 0);
		if (c != '\\') {
			int r;
			size_t w = tmpl_utf8_decode(p->s + p->i, p->len - p->i, &r);
			if (r == 0xFFFD && w == 1)
				tmpl_utf8_append(out, r);
			else
				strbuf_add(out, p->s + p->i, w);
			p->i += w;
			continue;
		}
		p->i++;
		if (p->i >= p->len)
			return syntax_error(p, "in string escape code", 1);
		c = (unsigned char)p->s[p->i];
		const char *esc = strchr("bfnrt\\/\"", c);
		if (c && esc) {
			strbuf_addch(out, "\b\f\n\r\t\\/\""[esc - "bfnrt\\/\""]);
			p->i++;
			continue;
		}
		if (c != 'u')
			return syntax_error(p, "in string escape code", 1);
		for (int k = 1; k <= 4; k++) {
			p->i++;
			if (p->i >= p->len || hex_value((unsigned char)p->s[p->i]) < 0)
				return syntax_error(p, "in \\u hexadecimal "
						       "character escape", 1);
		}
		p->i++;
		int r = get_u4(p->s, p->len, p->i - 6);
		if (r >= 0xD800 && r < 0xE000) {
			int r2 = get_u4(p->s, p->len, p->i);
			if (r < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000) {
				r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
				p->i += 6;
			} else {
				r = 0xFFFD;
			}
		}
		tmpl_utf8_append(out, r);
	}
}

static int enter(struct jparse *p)
{
	if (++p->depth > 10000) {
		if (!p->failed)
			gerr_set(p->err, "exceeded max depth");
		p->failed = 1;
		return -1;
	}
	return 0;
}

static int parse_array(struct jparse *p, struct tmpl_value **out)
{
	struct tmpl_value *l = tmpl_list_new(TMPL_NIL);
	*out = l;
	p->i++;
	if (enter(p) < 0)
		return -1;
	skip_ws(p);
	if (at(p, ']')) {
		p->i++;
		p->depth--;
		return 0;
	}
	for (;;) {
		struct tmpl_value *v = NULL;
		if (parse_value(p, &v) < 0) {
			tmpl_unref(v);
			return -1;
		}
		tmpl_list_push(l, v);
		skip_ws(p);
		if (at(p, ',')) {
			p->i++;
			continue;
		}
		if (at(p, ']')) {
			p->i++;
			p->depth--;
			return 0;
		}
		return syntax_error(p, "after array element", 0);
	}
}

static int parse_object(struct jparse *p, struct tmpl_value **out)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_NIL);
	struct strbuf key = STRBUF_INIT;
	int rc = -1;
	*out = m;
	p->i++;
	if (enter(p) < 0)
		return -1;
	skip_ws(p);
	if (at(p, '}')) {
		p->i++;
		p->depth--;
		return 0;
	}
	for (;;) {
		struct tmpl_value *v = NULL;
		skip_ws(p);
		if (!at(p, '"')) {
			syntax_error(p, "looking for beginning of object key "
					"string", 0);
			break;
		}
		strbuf_reset(&key);
		if (parse_string(p, &key) < 0)
			break;
		skip_ws(p);
		if (!at(p, ':')) {
			syntax_error(p, "after object key", 0);
			break;
		}
		p->i++;
		if (parse_value(p, &v) < 0) {
			tmpl_unref(v);
			break;
		}
		tmpl_map_setn(m, key.buf, key.len, v);
		skip_ws(p);
		if (at(p, ',')) {
			p->i++;
			continue;
		}
		if (at(p, '}')) {
			p->i++;
			p->depth--;
			rc = 0;
			break;
		}
		syntax_error(p, "after object key:value pair", 0);
		break;
	}
	strbuf_release(&key);
	return rc;
}

static int parse_value(struct jparse *p, struct tmpl_value **out)
{
	struct strbuf sb = STRBUF_INIT;
	skip_ws(p);
	if (p->i >= p->len)
		return syntax_error(p, "looking for beginning of value", 0);
	switch (p->s[p->i]) {
	case '{':
		return parse_object(p, out);
	case '[':
		return parse_array(p, out);
	case '"':
		if (parse_string(p, &sb) < 0) {
			strbuf_release(&sb);
			return -1;
		}
		*out = tmpl_string_buf(&sb);
		return 0;
	case 't':
		return parse_literal(p, "true", tmpl_bool(1), out);
	case 'f':
		return parse_literal(p, "false", tmpl_bool(0), out);
	case 'n':
		return parse_literal(p, "null", tmpl_nil(), out);
	default:
		if (p->s[p->i] == '-' || digit_at(p))
			return parse_number(p, out);
		return syntax_error(p, "looking for beginning of value", 0);
	}
}

int sprig_json_parse(const char *s, size_t len, struct tmpl_value **out,
		     struct gerr *err)
{
	struct jparse p = { s, len, 0, 0, err, 0, NULL };
	struct tmpl_value *v = NULL;
	int rc = parse_value(&p, &v);
	if (rc == 0) {
		skip_ws(&p);
		if (p.i < p.len)
			rc = syntax_error(&p, "after top-level value", 0);
	}
	if (rc == 0 && p.range_error) {
		gerr_set(err, "json: cannot unmarshal number %s into Go value "
			      "of type float64", p.range_error);
		rc = -1;
	}
	free(p.range_error);
	if (rc < 0) {
		tmpl_unref(v);
		*out = NULL;
		return -1;
	}
	*out = v;
	return 0;
}
