/*
 * Go's fmt for template values: Sprintf, Sprint, Sprintln and %v, written
 * from the fmt package's documented behaviour (verbs, flags, width and
 * precision in runes, the %!verb(type=value) error forms) and checked
 * against Go's output in testdata/template/fmt.test.
 *
 * The structure follows the package's own split: a "printer" walks the
 * format and the operands (print_arg for an operand, print_value for a
 * value nested in a map, list or struct), and the fmt_* helpers turn one
 * scalar into padded text under the current flags.
 */
#include "pkg/template/value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/template/funcs.h"
#include "pkg/template/utf8.h"

struct flags {
	int sharp, zero, plus, minus, space;
	int sharp_v, plus_v;             /* %#v (Go syntax), %+v (field names) */
	int wid_present, prec_present;
	int wid, prec;
};

struct printer {
	struct strbuf *out;
	struct flags f;
	int erroring;                    /* inside %!verb(...): no String() */
};

static void print_arg(struct printer *p, const struct tmpl_value *v, int verb);
static void print_value(struct printer *p, const struct tmpl_value *v,
			int verb, int depth);

static const char ldigits[] = "0123456789abcdefx";
static const char udigits[] = "0123456789ABCDEFX";

/* ---- padding ---- */

static void write_padding(struct printer *p, int n)
{
	if (n > 0)
		strbuf_addchars(p->out, p->f.zero ? '0' : ' ', (size_t)n);
}

/* Pad b to the width, counted in runes, on the side the flags say. */
static void pad(struct printer *p, const char *b, size_t len)
{
	if (!p->f.wid_present || p->f.wid == 0) {
		strbuf_add(p->out, b, len);
		return;
	}
	int width = p->f.wid - (int)tmpl_utf8_count(b, len);
	if (!p->f.minus) {
		write_padding(p, width);
		strbuf_add(p->out, b, len);
	} else {
		strbuf_add(p->out, b, len);
		write_padding(p, width);
	}
}

/* The first prec runes of s when a precision is set. */
static size_t truncate_len(const struct printer *p, const char *s, size_t len)
{
	if (!p->f.prec_present)
		return len;
	size_t i = 0;
	for (int n = 0; i < len; n++) {
		if (n == p->f.prec)
			return i;
		i += tmpl_utf8_decode(s + i, len - i, NULL);
	}
	return len;
}

/* ---- errors ---- */

static void bad_verb(struct printer *p, int verb, const struct tmpl_value *v)
{
	p->erroring = 1;
	strbuf_addstr(p->out, "%!");
	tmpl_utf8_append(p->out, verb);
	strbuf_addch(p->out, '(');
	if (v && v->kind != TMPL_NIL) {
		strbuf_addstr(p->out, tmpl_type_name(v));
		strbuf_addch(p->out, '=');
		print_arg(p, v, 'v');
	} else {
		strbuf_addstr(p->out, "<nil>");
	}
	strbuf_addch(p->out, ')');
	p->erroring = 0;
}

/* ---- booleans and integers ---- */

static void fmt_bool(struct printer *p, const struct tmpl_value *v, int verb)
{
	if (verb == 't' || verb == 'v') {
		const char *s = v->u.b ? "true" : "false";
		pad(p, s, strlen(s));
	} else {
		bad_verb(p, verb, v);
	}
}

static void fmt_integer(struct printer *p, unsigned long long u, int base,
			int is_signed, int verb, const char *digits)
{
	int negative = is_signed && (long long)u < 0;
	char buf[200];
	int i = (int)sizeof(buf);
	int prec = 0;

	if (negative)
		u = -u;
	if (p->f.prec_present) {
		prec = p->f.prec;
		/* precision 0 and value 0 print nothing but the padding */
		if (prec == 0 && u == 0) {
			int old = p->f.zero;
			p->f.zero = 0;
			write_padding(p, p->f.wid);
			p->f.zero = old;
			return;
		}
	} else if (p->f.zero && p->f.wid_present) {
		prec = p->f.wid;
		if (negative || p->f.plus || p->f.space)
			prec--; /* leave room for the sign */
	}
	/* Widths and precisions are capped at 1e6 by the parser; a buffer
	 * that large is not worth it, so very long zero runs go direct. */
	int lead = 0;
	do {
		buf[--i] = digits[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u);
	int ndig = (int)sizeof(buf) - i;
	if (prec > ndig)
		lead = prec - ndig;
	/* Go prepends right to left: zeros, the %# prefix, 0o, the sign */
	struct strbuf num = STRBUF_INIT;
	if (negative)
		strbuf_addch(&num, '-');
	else if (p->f.plus)
		strbuf_addch(&num, '+');
	else if (p->f.space)
		strbuf_addch(&num, ' ');
	if (verb == 'O')
		strbuf_addstr(&num, "0o");
	if (p->f.sharp) {
		switch (base) {
		case 2:
			strbuf_addstr(&num, "0b");
			break;
		case 8:
			if (!lead && buf[i] != '0')
				strbuf_addch(&num, '0');
			break;
		case 16:
			strbuf_addch(&num, '0');
			strbuf_addch(&num, digits[16]);
			break;
		}
	}
	strbuf_addchars(&num, '0', (size_t)lead);
	strbuf_add(&num, buf + i, (size_t)ndig);
	/* zero padding was turned into precision above */
	int old = p->f.zero;
	p->f.zero = 0;
	pad(p, num.buf, num.len);
	p->f.zero = old;
	strbuf_release(&num);
}

static void fmt_c(struct printer *p, unsigned long long u)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_utf8_append(&sb, u > 0x10FFFF ? 0xFFFD : (int)u);
	pad(p, sb.buf, sb.len);
	strbuf_release(&sb);
}

static void fmt_qc(struct printer *p, unsigned long long u)
{
	struct strbuf sb = STRBUF_INIT;
	int r = u > 0x10FFFF ? 0xFFFD : (int)u;
	tmpl_utf8_quote_rune(&sb, r, p->f.plus);
	pad(p, sb.buf, sb.len);
	strbuf_release(&sb);
}

static void fmt_unicode(struct printer *p, unsigned long long u)
{
	struct strbuf sb = STRBUF_INIT;
	int prec = 4;
	char hex[20];
	if (p->f.prec_present && p->f.prec > 4)
		prec = p->f.prec;
	int n = snprintf(hex, sizeof(hex), "%llX", u);
	strbuf_addstr(&sb, "U+");
	if (n < prec)
		strbuf_addchars(&sb, '0', (size_t)(prec - n));
	strbuf_addstr(&sb, hex);
	if (p->f.sharp && u <= 0x10FFFF && tmpl_utf8_is_print((int)u)) {
		strbuf_addstr(&sb, " '");
		tmpl_utf8_append(&sb, (int)u);
		strbuf_addch(&sb, '\'');
	}
	int old = p->f.zero;
	p->f.zero = 0;
	pad(p, sb.buf, sb.len);
	p->f.zero = old;
	strbuf_release(&sb);
}

static void fmt_int_value(struct printer *p, const struct tmpl_value *v,
			  int verb)
{
	unsigned long long u = (unsigned long long)v->u.i;
	switch (verb) {
	case 'v':
	case 'd':
		fmt_integer(p, u, 10, 1, verb, ldigits);
		break;
	case 'b':
		fmt_integer(p, u, 2, 1, verb, ldigits);
		break;
	case 'o':
	case 'O':
		fmt_integer(p, u, 8, 1, verb, ldigits);
		break;
	case 'x':
		fmt_integer(p, u, 16, 1, verb, ldigits);
		break;
	case 'X':
		fmt_integer(p, u, 16, 1, verb, udigits);
		break;
	case 'c':
		fmt_c(p, u);
		break;
	case 'q':
		fmt_qc(p, u);
		break;
	case 'U':
		fmt_unicode(p, u);
		break;
	default:
		bad_verb(p, verb, v);
	}
}

/* ---- floats ---- */

/* Decimal digits of |d| (no trailing zeros) and the position of the
 * decimal point: d = 0.DIGITS * 10^dp. prec < 0 asks for the shortest
 * digits that read back as d, else for prec significant digits. */
#define MAX_FLOAT_PREC 1000

struct digits {
	char d[MAX_FLOAT_PREC + 8];
	int nd, dp;
};

static void float_digits(double d, int prec, struct digits *g)
{
	char buf[MAX_FLOAT_PREC + 16];
	int p;

	if (d == 0) {
		g->nd = 0;
		g->dp = 0;
		return;
	}
	if (prec < 0 && d == trunc(d) && fabs(d) < 9007199254740992.0) {
		/* below 2^53 every integer is a double and its neighbours are
		 * at most 1 away, so its own digits are the shortest form
		 * (values files are full of these: ports, replicas) */
		snprintf(buf, sizeof(buf), "%lld", (long long)fabs(d));
		g->nd = (int)strlen(buf);
		g->dp = g->nd;
		memcpy(g->d, buf, (size_t)g->nd);
		while (g->nd > 0 && g->d[g->nd - 1] == '0')
			g->nd--;
		return;
	}
	if (prec < 0) {
		for (p = 1; p <= 17; p++) {
			snprintf(buf, sizeof(buf), "%.*e", p - 1, fabs(d));
			if (strtod(buf, NULL) == fabs(d))
				break;
		}
	} else {
		if (prec > MAX_FLOAT_PREC)
			prec = MAX_FLOAT_PREC;
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, fabs(d));
	}
	g->nd = 0;
	const char *s = buf;
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			g->d[g->nd++] = *s;
	g->dp = atoi(s + 1) + 1;
	while (g->nd > 0 && g->d[g->nd - 1] == '0')
		g->nd--;
}

static void fmt_e_digits(struct strbuf *sb, const struct digits *g, int prec,
			 int fmt)
{
	strbuf_addch(sb, g->nd ? g->d[0] : '0');
	if (prec > 0) {
		strbuf_addch(sb, '.');
		for (int i = 1; i <= prec; i++)
			strbuf_addch(sb, i < g->nd ? g->d[i] : '0');
	}
	int exp = g->nd ? g->dp - 1 : 0;
	strbuf_addch(sb, (char)fmt);
	strbuf_addch(sb, exp < 0 ? '-' : '+');
	if (exp < 0)
		exp = -exp;
	if (exp < 10)
		strbuf_addch(sb, '0');
	strbuf_addf(sb, "%d", exp);
}

static void fmt_f_digits(struct strbuf *sb, const struct digits *g, int prec)
{
	if (g->dp > 0) {
		for (int i = 0; i < g->dp; i++)
			strbuf_addch(sb, i < g->nd ? g->d[i] : '0');
	} else {
		strbuf_addch(sb, '0');
	}
	if (prec > 0) {
		strbuf_addch(sb, '.');
		for (int i = 0; i < prec; i++) {
			int j = g->dp + i;
			strbuf_addch(sb, j >= 0 && j < g->nd ? g->d[j] : '0');
		}
	}
}

/* strconv's %g choice between the two forms. */
static void fmt_g_digits(struct strbuf *sb, const struct digits *g, int prec,
			 int shortest, int fmt)
{
	int eprec = prec;
	if (eprec > g->nd && g->nd >= g->dp)
		eprec = g->nd;
	if (shortest)
		eprec = 6;
	int exp = g->dp - 1;
	if (g->nd == 0)
		exp = 0;
	if (exp < -4 || exp >= eprec) {
		if (prec > g->nd)
			prec = g->nd;
		fmt_e_digits(sb, g, prec - 1 < 0 ? 0 : prec - 1,
			     fmt == 'G' ? 'E' : 'e');
		return;
	}
	if (prec > g->dp)
		prec = g->nd;
	fmt_f_digits(sb, g, prec - g->dp > 0 ? prec - g->dp : 0);
}

/* strconv's %x of a float: -0x1.8p+01, exponent of at least two digits. */
static void fmt_hex_float(struct strbuf *sb, double d, int prec, int fmt)
{
	const char *hex = fmt == 'X' ? udigits : ldigits;
	unsigned long long bits;
	memcpy(&bits, &d, sizeof(bits));
	int exp = (int)(bits >> 52) & 0x7ff;
	unsigned long long mant = bits & ((1ULL << 52) - 1);
	if (exp == 0)
		exp++;
	else
		mant |= 1ULL << 52;
	exp -= 1023;
	if (mant == 0)
		exp = 0;
	mant <<= 60 - 52;
	while (mant != 0 && !(mant & (1ULL << 60))) {
		mant <<= 1;
		exp--;
	}
	if (prec >= 0 && prec < 15) {
		unsigned shift = (unsigned)prec * 4;
		unsigned long long extra = (mant << shift) & ((1ULL << 60) - 1);
		mant >>= 60 - shift;
		if ((extra | (mant & 1)) > 1ULL << 59)
			mant++;
		mant <<= 60 - shift;
		if (mant & (1ULL << 61)) {
			mant >>= 1;
			exp++;
		}
	}
	strbuf_addch(sb, '0');
	strbuf_addch(sb, (char)fmt);
	strbuf_addch(sb, (char)('0' + ((mant >> 60) & 1)));
	mant <<= 4;
	if (prec < 0 && mant != 0) {
		strbuf_addch(sb, '.');
		while (mant != 0) {
			strbuf_addch(sb, hex[(mant >> 60) & 15]);
			mant <<= 4;
		}
	} else if (prec > 0) {
		strbuf_addch(sb, '.');
		for (int i = 0; i < prec; i++) {
			strbuf_addch(sb, hex[(mant >> 60) & 15]);
			mant <<= 4;
		}
	}
	strbuf_addch(sb, fmt == 'X' ? 'P' : 'p');
	strbuf_addch(sb, exp < 0 ? '-' : '+');
	if (exp < 0)
		exp = -exp;
	if (exp < 10)
		strbuf_addch(sb, '0');
	strbuf_addf(sb, "%d", exp);
}

/* strconv's %b of a float: decimal mantissa, binary exponent. */
static void fmt_binary_float(struct strbuf *sb, double d)
{
	unsigned long long bits;
	memcpy(&bits, &d, sizeof(bits));
	int exp = (int)(bits >> 52) & 0x7ff;
	unsigned long long mant = bits & ((1ULL << 52) - 1);
	if (exp == 0)
		exp++;
	else
		mant |= 1ULL << 52;
	exp -= 1023 + 52;
	strbuf_addf(sb, "%llup%s%d", mant, exp >= 0 ? "+" : "", exp);
}

/* strconv.AppendFloat(v, verb, prec, 64) without the sign. */
static void strconv_float(struct strbuf *sb, double d, int verb, int prec)
{
	struct digits g;
	if (isnan(d)) {
		strbuf_addstr(sb, "NaN");
		return;
	}
	if (isinf(d)) {
		strbuf_addstr(sb, "Inf");
		return;
	}
	switch (verb) {
	case 'e':
	case 'E':
		float_digits(d, prec + 1, &g);
		fmt_e_digits(sb, &g, prec, verb);
		break;
	case 'f': {
		char buf[MAX_FLOAT_PREC + 320];
		if (prec > MAX_FLOAT_PREC)
			prec = MAX_FLOAT_PREC;
		snprintf(buf, sizeof(buf), "%.*f", prec, fabs(d));
		strbuf_addstr(sb, buf);
		break;
	}
	case 'g':
	case 'G':
		if (prec == 0)
			prec = 1;
		float_digits(d, prec, &g);
		if (prec < 0)
			prec = g.nd;
		fmt_g_digits(sb, &g, prec, 0, verb);
		break;
	case 'x':
	case 'X':
		fmt_hex_float(sb, fabs(d), prec, verb);
		break;
	case 'b':
		fmt_binary_float(sb, fabs(d));
		break;
	}
}

/* fmt's fmtFloat: sign handling, %# trailing zeros, Inf/NaN padding. */
static void fmt_float(struct printer *p, double v, int verb, int prec)
{
	struct strbuf sb = STRBUF_INIT;
	int shortest;

	if (p->f.prec_present)
		prec = p->f.prec;
	shortest = prec < 0 && (verb == 'g' || verb == 'G');
	strbuf_addch(&sb, signbit(v) && !isnan(v) ? '-' : '+');
	if (shortest) {
		struct digits g;
		if (isnan(v) || isinf(v)) {
			strbuf_addstr(&sb, isnan(v) ? "NaN" : "Inf");
		} else {
			float_digits(v, -1, &g);
			fmt_g_digits(&sb, &g, g.nd, 1, verb);
		}
	} else {
		strconv_float(&sb, v, verb, prec);
	}
	if (p->f.space && sb.buf[0] == '+' && !p->f.plus)
		sb.buf[0] = ' ';
	if (sb.buf[1] == 'I' || sb.buf[1] == 'N') {
		int old = p->f.zero;
		p->f.zero = 0;
		if (sb.buf[1] == 'N' && !p->f.space && !p->f.plus)
			pad(p, sb.buf + 1, sb.len - 1);
		else
			pad(p, sb.buf, sb.len);
		p->f.zero = old;
		strbuf_release(&sb);
		return;
	}
	if (p->f.sharp && verb != 'b') {
		int digits = 0;
		if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x') {
			digits = prec;
			if (digits == -1)
				digits = 6;
		}
		struct strbuf tail = STRBUF_INIT, num = STRBUF_INIT;
		int has_point = 0, nonzero = 0;
		size_t i;
		strbuf_addch(&num, sb.buf[0]);
		for (i = 1; i < sb.len; i++) {
			char c = sb.buf[i];
			if (c == '.') {
				has_point = 1;
			} else if (c == 'p' || c == 'P' ||
				   ((c == 'e' || c == 'E') && verb != 'x' &&
				    verb != 'X')) {
				strbuf_add(&tail, sb.buf + i, sb.len - i);
				break;
			} else {
				if (c != '0')
					nonzero = 1;
				if (nonzero)
					digits--;
			}
			strbuf_addch(&num, c);
		}
		if (!has_point) {
			if (num.len == 2 && num.buf[1] == '0')
				digits--;
			strbuf_addch(&num, '.');
		}
		while (digits-- > 0)
			strbuf_addch(&num, '0');
		strbuf_add(&num, tail.buf, tail.len);
		strbuf_release(&tail);
		strbuf_release(&sb);
		sb = num;
	}
	if (p->f.plus || sb.buf[0] != '+') {
		if (p->f.zero && p->f.wid_present && p->f.wid > (int)sb.len) {
			strbuf_addch(p->out, sb.buf[0]);
			write_padding(p, p->f.wid - (int)sb.len);
			strbuf_add(p->out, sb.buf + 1, sb.len - 1);
		} else {
			pad(p, sb.buf, sb.len);
		}
	} else {
		pad(p, sb.buf + 1, sb.len - 1);
	}
	strbuf_release(&sb);
}

static void fmt_float_value(struct printer *p, const struct tmpl_value *v,
			    int verb)
{
	switch (verb) {
	case 'v':
		fmt_float(p, v->u.f, 'g', -1);
		break;
	case 'b':
	case 'g':
	case 'G':
	case 'x':
	case 'X':
		fmt_float(p, v->u.f, verb, -1);
		break;
	case 'f':
	case 'e':
	case 'E':
		fmt_float(p, v->u.f, verb, 6);
		break;
	case 'F':
		fmt_float(p, v->u.f, 'f', 6);
		break;
	default:
		bad_verb(p, verb, v);
	}
}

/* ---- strings ---- */

static void fmt_s(struct printer *p, const char *s, size_t len)
{
	pad(p, s, truncate_len(p, s, len));
}

static void fmt_sx(struct printer *p, const char *s, size_t len,
		   const char *digits)
{
	size_t length = len;
	if (p->f.prec_present && (size_t)p->f.prec < length)
		length = (size_t)p->f.prec;
	int width = 2 * (int)length;
	if (width > 0) {
		if (p->f.space) {
			if (p->f.sharp)
				width *= 2;
			width += (int)length - 1;
		} else if (p->f.sharp) {
			width += 2;
		}
	} else {
		if (p->f.wid_present)
			write_padding(p, p->f.wid);
		return;
	}
	if (p->f.wid_present && p->f.wid > width && !p->f.minus)
		write_padding(p, p->f.wid - width);
	if (p->f.sharp) {
		strbuf_addch(p->out, '0');
		strbuf_addch(p->out, digits[16]);
	}
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)s[i];
		if (p->f.space && i > 0) {
			strbuf_addch(p->out, ' ');
			if (p->f.sharp) {
				strbuf_addch(p->out, '0');
				strbuf_addch(p->out, digits[16]);
			}
		}
		strbuf_addch(p->out, digits[c >> 4]);
		strbuf_addch(p->out, digits[c & 15]);
	}
	if (p->f.wid_present && p->f.wid > width && p->f.minus)
		write_padding(p, p->f.wid - width);
}

static void fmt_q(struct printer *p, const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	len = truncate_len(p, s, len);
	if (p->f.sharp && tmpl_utf8_can_backquote(s, len)) {
		strbuf_addch(&sb, '`');
		strbuf_add(&sb, s, len);
		strbuf_addch(&sb, '`');
	} else {
		tmpl_utf8_quote(&sb, s, len, p->f.plus);
	}
	pad(p, sb.buf, sb.len);
	strbuf_release(&sb);
}

static void fmt_string(struct printer *p, const char *s, size_t len, int verb,
		       const struct tmpl_value *v)
{
	switch (verb) {
	case 'v':
		if (p->f.sharp_v)
			fmt_q(p, s, len);
		else
			fmt_s(p, s, len);
		break;
	case 's':
		fmt_s(p, s, len);
		break;
	case 'x':
		fmt_sx(p, s, len, ldigits);
		break;
	case 'X':
		fmt_sx(p, s, len, udigits);
		break;
	case 'q':
		fmt_q(p, s, len);
		break;
	default:
		bad_verb(p, verb, v);
	}
}

/* ---- []byte ---- */

static void fmt_bytes(struct printer *p, const struct tmpl_value *v, int verb,
		      int depth)
{
	const char *s = v->u.str.s;
	size_t len = v->u.str.len;
	switch (verb) {
	case 'v':
	case 'd':
		if (p->f.sharp_v) {
			strbuf_addstr(p->out, "[]byte{");
			for (size_t i = 0; i < len; i++) {
				if (i)
					strbuf_addstr(p->out, ", ");
				strbuf_addf(p->out, "0x%x", (unsigned char)s[i]);
			}
			strbuf_addch(p->out, '}');
			return;
		}
		strbuf_addch(p->out, '[');
		for (size_t i = 0; i < len; i++) {
			if (i)
				strbuf_addch(p->out, ' ');
			fmt_integer(p, (unsigned char)s[i], 10, 0, verb, ldigits);
		}
		strbuf_addch(p->out, ']');
		break;
	case 's':
		fmt_s(p, s, len);
		break;
	case 'x':
		fmt_sx(p, s, len, ldigits);
		break;
	case 'X':
		fmt_sx(p, s, len, udigits);
		break;
	case 'q':
		fmt_q(p, s, len);
		break;
	default:
		/* each byte as a uint8 */
		strbuf_addch(p->out, '[');
		for (size_t i = 0; i < len; i++) {
			if (i)
				strbuf_addch(p->out, ' ');
			switch (verb) {
			case 'b': fmt_integer(p, (unsigned char)s[i], 2, 0, verb, ldigits); break;
			case 'o':
			case 'O': fmt_integer(p, (unsigned char)s[i], 8, 0, verb, ldigits); break;
			case 'c': fmt_c(p, (unsigned char)s[i]); break;
			case 'U': fmt_unicode(p, (unsigned char)s[i]); break;
			case 'q': fmt_qc(p, (unsigned char)s[i]); break;
			default:
				strbuf_addstr(p->out, "%!");
				tmpl_utf8_append(p->out, verb);
				strbuf_addf(p->out, "(uint8=%u)",
					    (unsigned char)s[i]);
			}
		}
		strbuf_addch(p->out, ']');
	}
	(void)depth;
}

/* ---- containers and objects ---- */

/* A String() method handles %v %s %x %X %q (not while printing an error,
 * and not for %#v). Returns 1 when it did. */
static int handle_methods(struct printer *p, const struct tmpl_value *v,
			  int verb)
{
	if (p->erroring || p->f.sharp_v || !v || v->kind != TMPL_OBJECT ||
	    !v->u.obj.cls->string)
		return 0;
	if (verb != 'v' && verb != 's' && verb != 'x' && verb != 'X' &&
	    verb != 'q')
		return 0;
	struct strbuf sb = STRBUF_INIT;
	v->u.obj.cls->string(&sb, v);
	fmt_string(p, sb.buf, sb.len, verb, v);
	strbuf_release(&sb);
	return 1;
}

static void print_list(struct printer *p, const struct tmpl_value *v, int verb,
		       int depth)
{
	const struct tmpl_list *l = &v->u.list;
	if (p->f.sharp_v) {
		strbuf_addstr(p->out, tmpl_type_name(v));
		strbuf_addch(p->out, '{');
	} else {
		strbuf_addch(p->out, '[');
	}
	for (size_t i = 0; i < l->nr; i++) {
		if (i)
			strbuf_addstr(p->out, p->f.sharp_v ? ", " : " ");
		print_value(p, l->v[i], verb, depth + 1);
	}
	strbuf_addch(p->out, p->f.sharp_v ? '}' : ']');
}

static void print_map(struct printer *p, const struct tmpl_value *v, int verb,
		      int depth)
{
	const struct tmpl_map *m = &v->u.map;
	if (p->f.sharp_v) {
		strbuf_addstr(p->out, tmpl_type_name(v));
		strbuf_addch(p->out, '{');
	} else {
		strbuf_addstr(p->out, "map[");
	}
	for (size_t i = 0; i < m->nr; i++) {
		struct tmpl_value key = { TMPL_STRING, -1, { 0 } };
		key.u.str.s = m->e[i].key;
		key.u.str.len = m->e[i].klen;
		if (i)
			strbuf_addstr(p->out, p->f.sharp_v ? ", " : " ");
		print_value(p, &key, verb, depth + 1);
		strbuf_addch(p->out, ':');
		print_value(p, m->e[i].value, verb, depth + 1);
	}
	strbuf_addch(p->out, p->f.sharp_v ? '}' : ']');
}

static void print_struct(struct printer *p, const struct tmpl_value *v,
			 int verb, int depth)
{
	const struct tmpl_class *cls = v->u.obj.cls;
	if (p->f.sharp_v)
		strbuf_addstr(p->out, cls->type_name[0] == '*'
					      ? cls->type_name + 1
					      : cls->type_name);
	strbuf_addch(p->out, '{');
	for (size_t i = 0; cls->fields && cls->fields[i]; i++) {
		if (i)
			strbuf_addstr(p->out, p->f.sharp_v ? ", " : " ");
		if (p->f.plus_v || p->f.sharp_v) {
			strbuf_addstr(p->out, cls->fields[i]);
			strbuf_addch(p->out, ':');
		}
		struct tmpl_value *f = cls->field(v, i);
		print_value(p, f, verb, depth + 1);
		tmpl_unref(f);
	}
	strbuf_addch(p->out, '}');
}

static void print_object(struct printer *p, const struct tmpl_value *v,
			 int verb, int depth)
{
	const struct tmpl_class *cls = v->u.obj.cls;
	if (!strcmp(cls->kind_name, "ptr")) {
		/* Go prints a pointer to a struct as &{...} only at the top;
		 * deeper down it prints the address. */
		if (depth == 0) {
			strbuf_addch(p->out, '&');
			print_struct(p, v, verb, depth + 1);
		} else {
			strbuf_addf(p->out, "%p", v->u.obj.data);
		}
		return;
	}
	print_struct(p, v, verb, depth);
}

static void print_value(struct printer *p, const struct tmpl_value *v,
			int verb, int depth)
{
	if (!v || v->kind == TMPL_NIL) {
		/* a nil element of an interface{} container */
		if (p->f.sharp_v)
			strbuf_addstr(p->out, "interface {}(nil)");
		else
			strbuf_addstr(p->out, "<nil>");
		return;
	}
	if (depth > 0 && handle_methods(p, v, verb))
		return;
	switch (v->kind) {
	case TMPL_BOOL:
		fmt_bool(p, v, verb);
		break;
	case TMPL_INT:
	case TMPL_INT64:
		fmt_int_value(p, v, verb);
		break;
	case TMPL_FLOAT64:
		fmt_float_value(p, v, verb);
		break;
	case TMPL_STRING:
		fmt_string(p, v->u.str.s, v->u.str.len, verb, v);
		break;
	case TMPL_BYTES:
		fmt_bytes(p, v, verb, depth);
		break;
	case TMPL_LIST:
		print_list(p, v, verb, depth);
		break;
	case TMPL_MAP:
		print_map(p, v, verb, depth);
		break;
	case TMPL_OBJECT:
		print_object(p, v, verb, depth);
		break;
	default:
		break;
	}
}

static void fmt_pointer(struct printer *p, const struct tmpl_value *v, int verb)
{
	const void *ptr = NULL;
	if (v && v->kind == TMPL_LIST)
		ptr = v->u.list.v;
	else if (v && v->kind == TMPL_MAP)
		ptr = v;
	else if (v && v->kind == TMPL_BYTES)
		ptr = v->u.str.s;
	else if (v && v->kind == TMPL_OBJECT &&
		 !strcmp(v->u.obj.cls->kind_name, "ptr"))
		ptr = v->u.obj.data;
	else {
		bad_verb(p, verb, v);
		return;
	}
	char buf[40];
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)(size_t)ptr);
	pad(p, buf, strlen(buf));
}

static void print_arg(struct printer *p, const struct tmpl_value *v, int verb)
{
	if (!v || v->kind == TMPL_NIL) {
		if (verb == 'T' || verb == 'v')
			pad(p, "<nil>", 5);
		else
			bad_verb(p, verb, NULL);
		return;
	}
	if (verb == 'T') {
		const char *t = tmpl_type_name(v);
		fmt_s(p, t, strlen(t));
		return;
	}
	if (verb == 'p') {
		fmt_pointer(p, v, verb);
		return;
	}
	if (handle_methods(p, v, verb))
		return;
	print_value(p, v, verb, 0);
}

/* ---- Sprintf ---- */

static int too_large(int x)
{
	return x > 1000000 || x < -1000000;
}

/* Digits from s[start..end) as a number. */
static int parsenum(const char *s, size_t start, size_t end, int *num,
		    size_t *newi)
{
	int isnum = 0;
	*num = 0;
	if (start >= end) {
		*newi = end;
		return 0;
	}
	size_t i;
	for (i = start; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
		if (too_large(*num)) {
			*num = 0;
			*newi = end;
			return 0;
		}
		*num = *num * 10 + (s[i] - '0');
		isnum = 1;
	}
	*newi = i;
	return isnum;
}

struct sprintf_state {
	struct printer p;
	size_t arg_num;
	int reordered, good_arg_num;
};

/* An explicit argument index [n]; returns whether one was found. */
static int arg_number(struct sprintf_state *st, const char *format, size_t end,
		      size_t *i, size_t nargs)
{
	if (*i >= end || format[*i] != '[')
		return 0;
	st->reordered = 1;
	/* parseArgNumber: at least "[n]" */
	size_t wid = 1;
	int ok = 0, index = 0;
	if (end - *i >= 3) {
		for (size_t j = 1; *i + j < end; j++) {
			if (format[*i + j] == ']') {
				int n;
				size_t newi;
				int isnum = parsenum(format + *i, 1, j, &n, &newi);
				if (!isnum || newi != j) {
					wid = j + 1;
					ok = 0;
				} else {
					index = n - 1;
					wid = j + 1;
					ok = 1;
				}
				break;
			}
		}
	}
	if (ok && index >= 0 && (size_t)index < nargs) {
		st->arg_num = (size_t)index;
		*i += wid;
		return 1;
	}
	st->good_arg_num = 0;
	*i += wid;
	return ok;
}

/* An int operand for '*' (int or int64, within 1e6); sets *ok. */
static int int_from_arg(struct tmpl_value *const *args, size_t nargs,
			size_t *arg_num, int *ok)
{
	int num = 0;
	*ok = 0;
	if (*arg_num < nargs) {
		const struct tmpl_value *a = args[*arg_num];
		if (a && (a->kind == TMPL_INT || a->kind == TMPL_INT64) &&
		    a->u.i >= -1000000 && a->u.i <= 1000000) {
			num = (int)a->u.i;
			*ok = 1;
		}
		(*arg_num)++;
	}
	return num;
}

void tmpl_sprintf(struct strbuf *out, const char *format, size_t end,
		  struct tmpl_value *const *args, size_t nargs)
{
	struct sprintf_state st;
	size_t i = 0;

	memset(&st, 0, sizeof(st));
	st.p.out = out;
	while (i < end) {
		st.good_arg_num = 1;
		size_t lasti = i;
		while (i < end && format[i] != '%')
			i++;
		if (i > lasti)
			strbuf_add(out, format + lasti, i - lasti);
		if (i >= end)
			break;
		i++; /* skip % */
		memset(&st.p.f, 0, sizeof(st.p.f));
		for (; i < end; i++) {
			char c = format[i];
			if (c == '#')
				st.p.f.sharp = 1;
			else if (c == '0')
				st.p.f.zero = !st.p.f.minus;
			else if (c == '+')
				st.p.f.plus = 1;
			else if (c == '-') {
				st.p.f.minus = 1;
				st.p.f.zero = 0;
			} else if (c == ' ')
				st.p.f.space = 1;
			else
				break;
		}
		int after_index = arg_number(&st, format, end, &i, nargs);
		if (i < end && format[i] == '*') {
			int ok;
			i++;
			st.p.f.wid = int_from_arg(args, nargs, &st.arg_num, &ok);
			st.p.f.wid_present = ok;
			if (!ok)
				strbuf_addstr(out, "%!(BADWIDTH)");
			if (st.p.f.wid < 0) {
				st.p.f.wid = -st.p.f.wid;
				st.p.f.minus = 1;
				st.p.f.zero = 0;
			}
			after_index = 0;
		} else {
			size_t newi;
			st.p.f.wid_present =
				parsenum(format, i, end, &st.p.f.wid, &newi);
			i = newi;
			if (after_index && st.p.f.wid_present)
				st.good_arg_num = 0;
		}
		if (i + 1 < end && format[i] == '.') {
			i++;
			if (after_index)
				st.good_arg_num = 0;
			after_index = arg_number(&st, format, end, &i, nargs);
			if (i < end && format[i] == '*') {
				int ok;
				i++;
				st.p.f.prec = int_from_arg(args, nargs,
							   &st.arg_num, &ok);
				st.p.f.prec_present = ok;
				if (st.p.f.prec < 0) {
					st.p.f.prec = 0;
					st.p.f.prec_present = 0;
				}
				if (!ok)
					strbuf_addstr(out, "%!(BADPREC)");
				after_index = 0;
			} else {
				size_t newi;
				st.p.f.prec_present = parsenum(
					format, i, end, &st.p.f.prec, &newi);
				i = newi;
				if (!st.p.f.prec_present) {
					st.p.f.prec = 0;
					st.p.f.prec_present = 1;
				}
			}
		}
		if (!after_index)
			after_index = arg_number(&st, format, end, &i, nargs);
		if (i >= end) {
			strbuf_addstr(out, "%!(NOVERB)");
			break;
		}
		int verb;
		i += tmpl_utf8_decode(format + i, end - i, &verb);
		if (verb == '%') {
			strbuf_addch(out, '%');
		} else if (!st.good_arg_num) {
			strbuf_addstr(out, "%!");
			tmpl_utf8_append(out, verb);
			strbuf_addstr(out, "(BADINDEX)");
		} else if (st.arg_num >= nargs) {
			strbuf_addstr(out, "%!");
			tmpl_utf8_append(out, verb);
			strbuf_addstr(out, "(MISSING)");
		} else {
			if (verb == 'v') {
				st.p.f.sharp_v = st.p.f.sharp;
				st.p.f.sharp = 0;
				st.p.f.plus_v = st.p.f.plus;
				st.p.f.plus = 0;
			}
			print_arg(&st.p, args[st.arg_num], verb);
			st.arg_num++;
		}
	}
	if (!st.reordered && st.arg_num < nargs) {
		memset(&st.p.f, 0, sizeof(st.p.f));
		strbuf_addstr(out, "%!(EXTRA ");
		for (size_t a = st.arg_num; a < nargs; a++) {
			if (a > st.arg_num)
				strbuf_addstr(out, ", ");
			if (!args[a] || args[a]->kind == TMPL_NIL) {
				strbuf_addstr(out, "<nil>");
			} else {
				strbuf_addstr(out, tmpl_type_name(args[a]));
				strbuf_addch(out, '=');
				print_arg(&st.p, args[a], 'v');
			}
		}
		strbuf_addch(out, ')');
	}
}

/* ---- Sprint, Sprintln, %v ---- */

static int is_string(const struct tmpl_value *v)
{
	return v && v->kind == TMPL_STRING;
}

void tmpl_sprint(struct strbuf *out, struct tmpl_value *const *args,
		 size_t nargs)
{
	struct printer p;
	int prev_string = 0;
	memset(&p, 0, sizeof(p));
	p.out = out;
	for (size_t i = 0; i < nargs; i++) {
		int s = is_string(args[i]);
		if (i > 0 && !s && !prev_string)
			strbuf_addch(out, ' ');
		print_arg(&p, args[i], 'v');
		prev_string = s;
	}
}

void tmpl_sprintln(struct strbuf *out, struct tmpl_value *const *args,
		   size_t nargs)
{
	struct printer p;
	memset(&p, 0, sizeof(p));
	p.out = out;
	for (size_t i = 0; i < nargs; i++) {
		if (i > 0)
			strbuf_addch(out, ' ');
		print_arg(&p, args[i], 'v');
	}
	strbuf_addch(out, '\n');
}

void tmpl_fmt_value(struct strbuf *out, const struct tmpl_value *v)
{
	struct printer p;
	memset(&p, 0, sizeof(p));
	p.out = out;
	print_arg(&p, v, 'v');
}

void tmpl_fmt_print(struct strbuf *out, const struct tmpl_value *v)
{
	struct printer p;
	if (!v) {
		strbuf_addstr(out, "<no value>");
		return;
	}
	memset(&p, 0, sizeof(p));
	p.out = out;
	/* text/template indirects a pointer before printing; a String()
	 * method on it still applies */
	if (v->kind == TMPL_OBJECT && !strcmp(v->u.obj.cls->kind_name, "ptr") &&
	    !v->u.obj.cls->string) {
		print_struct(&p, v, 'v', 1);
		return;
	}
	print_arg(&p, v, 'v');
}

void tmpl_to_string(struct strbuf *out, const struct tmpl_value *v)
{
	if (v && (v->kind == TMPL_STRING || v->kind == TMPL_BYTES)) {
		strbuf_add(out, v->u.str.s, v->u.str.len);
		return;
	}
	if (v && v->kind == TMPL_OBJECT && v->u.obj.cls->string) {
		v->u.obj.cls->string(out, v);
		return;
	}
	tmpl_fmt_value(out, v);
}

void tmpl_quote(struct strbuf *out, const char *s, size_t len)
{
	tmpl_utf8_quote(out, s, len, 0);
}
