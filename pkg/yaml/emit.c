/*
 * jansson values -> block YAML, laid out as kubectl prints objects
 * (`kubectl get -o yaml`, `kubectl kustomize`): two-space indent, sequence
 * items at the same indent as their key, and the quoting choices of go-yaml:
 * double quotes for strings that would read back as another type, single
 * quotes for strings that are merely not valid plain scalars, literal blocks
 * for multi-line text.
 */
#include "pkg/yaml/yaml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/yaml/scalar.h"

/* Decode one UTF-8 sequence at s (which jansson guarantees valid). */
static unsigned decode_utf8(const unsigned char *s, size_t len, size_t *used)
{
	unsigned c = s[0];
	size_t n = 0;
	if (c >= 0xf0)
		n = 3, c &= 0x07;
	else if (c >= 0xe0)
		n = 2, c &= 0x0f;
	else if (c >= 0xc0)
		n = 1, c &= 0x1f;
	for (size_t k = 1; k <= n && k < len; k++)
		c = (c << 6) | (s[k] & 0x3f);
	*used = n + 1;
	return c;
}

/* Characters a YAML reader treats as printable text (libyaml's
 * IS_PRINTABLE, minus tab, which is safer quoted). */
static int is_printable(unsigned c)
{
	return c == 0x0a || (c >= 0x20 && c <= 0x7e) || c == 0x85 ||
	       (c >= 0xa0 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) ||
	       (c >= 0x10000 && c <= 0x10ffff);
}

struct analysis {
	int multiline;       /* contains \n */
	int special;         /* a character that needs escaping */
	int space_break;     /* a space or tab right before a line break */
	int plain_block;     /* valid as a plain scalar in block context */
	int plain_flow;      /* ... and as a plain mapping key */
};

static int is_blankz(const char *s, size_t len, size_t i)
{
	return i >= len || s[i] == ' ' || s[i] == '\t' || s[i] == '\n';
}

/* What libyaml's analyze_scalar works out, reduced to what we use. */
static void analyze(const char *s, size_t len, struct analysis *a)
{
	memset(a, 0, sizeof(*a));
	int block_ind = 0, flow_ind = 0;

	if (len >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)))
		block_ind = flow_ind = 1;
	if (len && (s[0] == ' ' || s[len - 1] == ' '))
		block_ind = flow_ind = 1;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t used = 1;
		unsigned cp = c < 0x80 ? c : decode_utf8((const unsigned char *)s + i, len - i, &used);
		int followed_by_blank = is_blankz(s, len, i + used);
		int preceded_by_blank = i == 0 || s[i - 1] == ' ' ||
					s[i - 1] == '\t' || s[i - 1] == '\n';

		if (i == 0) {
			if (strchr("#,[]{}&*!|>'\"%@`", (int)c) && c)
				flow_ind = block_ind = 1;
			if (c == '?' || c == ':') {
				flow_ind = 1;
				if (followed_by_blank)
					block_ind = 1;
			}
			if (c == '-' && followed_by_blank)
				flow_ind = block_ind = 1;
		} else {
			if (c && strchr(",?[]{}", (int)c))
				flow_ind = 1;
			if (c == ':') {
				flow_ind = 1;
				if (followed_by_blank)
					block_ind = 1;
			}
			if (c == '#' && preceded_by_blank)
				flow_ind = block_ind = 1;
		}
		if (cp == '\n') {
			a->multiline = 1;
			if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				a->space_break = 1;
		} else if (cp == '\t' || cp == 0x85 || cp == 0x2028 ||
			   cp == 0x2029 || !is_printable(cp)) {
			/* tabs, and the line breaks other than \n that a YAML
			 * reader would fold, only survive escaped */
			a->special = 1;
		}
		i += used;
	}
	a->plain_block = len && !block_ind && !a->multiline && !a->special;
	a->plain_flow = a->plain_block && !flow_ind;
}

/*
 * Folding, as go-yaml v2 (and so kubectl and kustomize) writes long
 * strings: `width` is the line width (0: never fold), `indent` the column
 * continuation lines start at. A space in a plain or quoted string may end
 * the line when the line is already longer than the width, it is not the
 * first or last character, and (plain and single-quoted) no space follows
 * it; in a double-quoted string a following space is kept by ending the
 * line with a backslash.
 */
struct fold {
	int width, indent;
};

/* The column the next character goes to (characters, not bytes). */
static int column(const struct strbuf *out)
{
	int col = 0;
	for (size_t i = out->len; i > 0 && out->buf[i - 1] != '\n'; i--)
		if (((unsigned char)out->buf[i - 1] & 0xc0) != 0x80)
			col++;
	return col;
}

static void fold_break(struct strbuf *out, const struct fold *f)
{
	strbuf_addch(out, '\n');
	strbuf_addchars(out, ' ', (size_t)f->indent);
}

static void emit_double_quoted(struct strbuf *out, const char *s, size_t len,
			       const struct fold *f)
{
	int col = f && f->width ? column(out) + 1 : 0, spaces = 0;
	strbuf_addch(out, '"');
	for (size_t i = 0; i < len;) {
		if (f && f->width && s[i] == ' ') {
			if (!spaces && col > f->width && i > 0 && i < len - 1) {
				fold_break(out, f);
				col = f->indent;
				if (s[i + 1] == ' ') {
					strbuf_addch(out, '\\');
					col++;
				}
			} else {
				strbuf_addch(out, ' ');
				col++;
			}
			spaces = 1;
			i++;
			continue;
		}
		spaces = 0;
		size_t before = out->len;
		unsigned char c = (unsigned char)s[i];
		size_t used = 1;
		unsigned cp = c < 0x80 ? c : decode_utf8((const unsigned char *)s + i, len - i, &used);
		const char *esc = NULL;
		switch (cp) {
		case 0x00: esc = "\\0"; break;
		case 0x07: esc = "\\a"; break;
		case 0x08: esc = "\\b"; break;
		case 0x09: esc = "\\t"; break;
		case 0x0a: esc = "\\n"; break;
		case 0x0b: esc = "\\v"; break;
		case 0x0c: esc = "\\f"; break;
		case 0x0d: esc = "\\r"; break;
		case 0x1b: esc = "\\e"; break;
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case 0x85: esc = "\\N"; break;
		case 0x2028: esc = "\\L"; break;
		case 0x2029: esc = "\\P"; break;
		}
		if (esc)
			strbuf_addstr(out, esc);
		else if (!is_printable(cp) && cp <= 0xff)
			strbuf_addf(out, "\\x%02X", cp);
		else if (!is_printable(cp) && cp <= 0xffff)
			strbuf_addf(out, "\\u%04X", cp);
		else if (!is_printable(cp))
			strbuf_addf(out, "\\U%08X", cp);
		else
			strbuf_add(out, s + i, used);
		for (size_t k = before; k < out->len; k++)
			if (((unsigned char)out->buf[k] & 0xc0) != 0x80)
				col++;
		i += used;
	}
	strbuf_addch(out, '"');
}

static void emit_single_quoted(struct strbuf *out, const char *s, size_t len,
			       const struct fold *f)
{
	int col = f && f->width ? column(out) + 1 : 0, spaces = 0;
	strbuf_addch(out, '\'');
	for (size_t i = 0; i < len; i++) {
		if (f && f->width && s[i] == ' ') {
			if (!spaces && col > f->width && i > 0 && i < len - 1 &&
			    s[i + 1] != ' ') {
				fold_break(out, f);
				col = f->indent;
			} else {
				strbuf_addch(out, ' ');
				col++;
			}
			spaces = 1;
			continue;
		}
		spaces = 0;
		if (s[i] == '\'') {
			strbuf_addch(out, '\'');
			col++;
		}
		strbuf_addch(out, s[i]);
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	}
	strbuf_addch(out, '\'');
}

static void emit_plain(struct strbuf *out, const char *s, size_t len,
		       const struct fold *f)
{
	if (!f || !f->width) {
		strbuf_add(out, s, len);
		return;
	}
	int col = column(out), spaces = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ') {
			if (!spaces && col > f->width && i + 1 < len &&
			    s[i + 1] != ' ') {
				fold_break(out, f);
				col = f->indent;
			} else {
				strbuf_addch(out, ' ');
				col++;
			}
			spaces = 1;
			continue;
		}
		spaces = 0;
		strbuf_addch(out, s[i]);
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	}
}

/* A string on one line: plain, '...' or "...". */
static void emit_inline_string(struct strbuf *out, const char *s, size_t len,
			       int is_key, const struct fold *f)
{
	struct analysis a;
	analyze(s, len, &a);
	if (is_key)
		f = NULL; /* keys are never folded */
	if (a.special || a.multiline || scalar_plain_reads_as_other(s, len))
		emit_double_quoted(out, s, len, f);
	else if (is_key ? a.plain_flow : a.plain_block)
		emit_plain(out, s, len, f);
	else
		emit_single_quoted(out, s, len, f);
}

void yaml_emit_string_scalar(struct strbuf *out, const char *s, size_t len)
{
	emit_inline_string(out, s, len, 0, NULL);
}

/*
 * A literal block (`|`): the header goes on the current line, the text on
 * the following lines indented by `indent`. The chomping indicator keeps
 * trailing newlines exact; an indentation indicator is needed when the text
 * starts with a space or an empty line, or the reader would guess wrong.
 */
static void emit_literal(struct strbuf *out, const char *s, size_t len,
			 int indent)
{
	strbuf_addch(out, '|');
	if (s[0] == ' ' || s[0] == '\n')
		strbuf_addch(out, '2');
	if (s[len - 1] != '\n')
		strbuf_addch(out, '-');
	else if (len == 1 || s[len - 2] == '\n')
		strbuf_addch(out, '+');
	strbuf_addch(out, '\n');

	size_t end = s[len - 1] == '\n' ? len - 1 : len;
	size_t start = 0;
	for (;;) {
		const char *nl = memchr(s + start, '\n', end - start);
		size_t stop = nl ? (size_t)(nl - s) : end;
		if (stop > start) {
			strbuf_addchars(out, ' ', (size_t)indent);
			strbuf_add(out, s + start, stop - start);
		}
		strbuf_addch(out, '\n');
		if (!nl)
			break;
		start = stop + 1;
	}
}

static int literal_ok(const char *s, size_t len)
{
	struct analysis a;
	analyze(s, len, &a);
	return a.multiline && !a.special && !a.space_break;
}

void yaml_format_float(struct strbuf *out, double d)
{
	char buf[40];
	if (isnan(d)) {
		strbuf_addstr(out, "NaN");
		return;
	}
	if (isinf(d)) {
		strbuf_addstr(out, d > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (d == 0) {
		strbuf_addstr(out, signbit(d) ? "-0" : "0");
		return;
	}
	/* the shortest digit string that reads back as d */
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* buf is "-d.ddde±XX": collect digits and the exponent */
	char digits[24];
	int nd = 0, neg = buf[0] == '-';
	const char *p = buf + neg;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	int exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;

	if (neg)
		strbuf_addch(out, '-');
	/* strconv's 'g' with shortest precision switches to the exponent
	 * form below 1e-4 and from 1e+06 on */
	if (exp < -4 || exp >= 6) {
		/* d.ddde±XX with at least two exponent digits */
		strbuf_addch(out, digits[0]);
		if (nd > 1) {
			strbuf_addch(out, '.');
			strbuf_add(out, digits + 1, (size_t)nd - 1);
		}
		strbuf_addf(out, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	int dp = exp + 1; /* digits before the point */
	if (dp <= 0) {
		strbuf_addstr(out, "0.");
		strbuf_addchars(out, '0', (size_t)-dp);
		strbuf_add(out, digits, (size_t)nd);
	} else if (dp >= nd) {
		strbuf_add(out, digits, (size_t)nd);
		strbuf_addchars(out, '0', (size_t)(dp - nd));
	} else {
		strbuf_add(out, digits, (size_t)dp);
		strbuf_addch(out, '.');
		strbuf_add(out, digits + dp, (size_t)(nd - dp));
	}
}

/* A scalar that fits after "key: " or "- "; for a multi-line string this
 * writes a literal block whose text is indented by `indent`. */
static void emit_scalar(struct strbuf *out, const json_t *v, int indent,
			int width)
{
	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		if (literal_ok(s, len))
			emit_literal(out, s, len, indent);
		else {
			struct fold f = { width, indent };
			emit_inline_string(out, s, len, 0, &f);
			strbuf_addch(out, '\n');
		}
		return;
	}
	case JSON_INTEGER:
		strbuf_addf(out, "%lld\n", (long long)json_integer_value(v));
		return;
	case JSON_REAL:
		yaml_format_float(out, json_real_value(v));
		strbuf_addch(out, '\n');
		return;
	case JSON_TRUE:
		strbuf_addstr(out, "true\n");
		return;
	case JSON_FALSE:
		strbuf_addstr(out, "false\n");
		return;
	case JSON_NULL:
		strbuf_addstr(out, "null\n");
		return;
	case JSON_OBJECT:
		strbuf_addstr(out, "{}\n"); /* only called when empty */
		return;
	case JSON_ARRAY:
		strbuf_addstr(out, "[]\n");
		return;
	}
}

static int is_collection(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v)) ||
	       (json_is_array(v) && json_array_size(v));
}

static void emit_sequence(struct strbuf *out, const json_t *arr, int indent,
			  int first_inline, int width);

/* A non-empty mapping whose keys sit at `indent`; with first_inline the
 * first key follows text already on the line ("- "). */
static void emit_mapping(struct strbuf *out, const json_t *obj, int indent,
			 int first_inline, int width)
{
	const char *key;
	json_t *v;
	int first = 1;

	json_object_foreach((json_t *)obj, key, v) {
		if (!(first && first_inline))
			strbuf_addchars(out, ' ', (size_t)indent);
		first = 0;
		emit_inline_string(out, key, strlen(key), 1, NULL);
		strbuf_addch(out, ':');
		if (json_is_object(v) && json_object_size(v)) {
			strbuf_addch(out, '\n');
			emit_mapping(out, v, indent + 2, 0, width);
		} else if (json_is_array(v) && json_array_size(v)) {
			strbuf_addch(out, '\n');
			emit_sequence(out, v, indent, 0, width);
		} else {
			strbuf_addch(out, ' ');
			emit_scalar(out, v, indent + 2, width);
		}
	}
}

static void emit_sequence(struct strbuf *out, const json_t *arr, int indent,
			  int first_inline, int width)
{
	size_t i;
	json_t *v;

	json_array_foreach((json_t *)arr, i, v) {
		if (!(i == 0 && first_inline))
			strbuf_addchars(out, ' ', (size_t)indent);
		strbuf_addstr(out, "- ");
		if (json_is_object(v) && json_object_size(v))
			emit_mapping(out, v, indent + 2, 1, width);
		else if (json_is_array(v) && json_array_size(v))
			emit_sequence(out, v, indent + 2, 1, width);
		else
			emit_scalar(out, v, indent + 2, width);
	}
}

void yaml_emit_width(struct strbuf *out, const json_t *value, int width)
{
	if (!is_collection(value))
		emit_scalar(out, value, 2, width);
	else if (json_is_object(value))
		emit_mapping(out, value, 0, 0, width);
	else
		emit_sequence(out, value, 0, 0, width);
}

void yaml_emit(struct strbuf *out, const json_t *value)
{
	yaml_emit_width(out, value, 0);
}
