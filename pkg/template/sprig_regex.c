/*
 * Sprig's regular expressions: regexMatch regexFind regexFindAll
 * regexReplaceAll regexReplaceAllLiteral regexSplit regexQuoteMeta and the
 * must* forms, with Go's RE2 syntax and semantics on PCRE2.
 *
 * A pattern is first parsed as Go's regexp/syntax parses it (Perl flags),
 * which both refuses what Go refuses, with Go's words ("error parsing
 * regexp: invalid escape sequence: `\1`", "invalid or unsupported Perl
 * syntax: `(?=`", "invalid nested repetition operator: `*+`") and writes
 * the same expression in PCRE2 terms, so that PCRE2 never sees its own
 * extensions: literals are written as \x{...}, Go's \s (no vertical tab)
 * is spelled out, octal escapes become code points, an unparseable { is a
 * literal. Matching is leftmost-first in both engines; $ matches only at
 * the end of the text unless (?m) is on; \d \w \b are ASCII as in Go.
 *
 * The iteration over matches (FindAll, ReplaceAll, Split) and the $1 /
 * ${name} expansion of replacements follow Go's regexp package.
 *
 * Where Go is linear-time, PCRE2 backtracks: a pattern that would take
 * PCRE2 too long on a given input fails with an error instead of hanging.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/template/sprig.h"
#include "pkg/template/utf8.h"

#define STR(v) ((v)->u.str.s)
#define LEN(v) ((v)->u.str.len)

/* ---- Go's regexp/syntax, translated ---- */

struct rx {
	const char *whole;      /* the pattern, for messages */
	size_t wlen;
	struct strbuf out;      /* the PCRE2 pattern */
	struct gerr *err;
	int depth;              /* open groups */
	int last_repeat_start;  /* see repeat() */
	int can_repeat;         /* something to repeat is on top */
	int ncap;
};

static int rx_error(struct rx *p, const char *code, const char *expr,
		    size_t n)
{
	return gerr_set(p->err, "error parsing regexp: %s: `%.*s`", code,
			(int)n, expr);
}

/* nextRune: a rune, or ErrInvalidUTF8 naming the rest of the text. */
static int next_rune(struct rx *p, const char **s, const char *end, int *r)
{
	size_t w;
	if (*s >= end) {
		*r = 0xFFFD;    /* DecodeRune of "" is RuneError, width 0 */
		return 0;
	}
	w = tmpl_utf8_decode(*s, (size_t)(end - *s), r);
	if (*r == 0xFFFD && w == 1 &&
	    !((unsigned char)(*s)[0] == 0xEF && end - *s >= 3 &&
	      (unsigned char)(*s)[1] == 0xBF && (unsigned char)(*s)[2] == 0xBD))
		return rx_error(p, "invalid UTF-8", *s, (size_t)(end - *s));
	*s += w;
	return 0;
}

static int is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A literal rune in PCRE2 terms (never special, in or out of a class). */
static void emit_rune(struct strbuf *out, int r)
{
	if (r < 0x80 && is_alnum(r))
		strbuf_addch(out, (char)r);
	else
		strbuf_addf(out, "\\x{%x}", (unsigned)r);
}

/* parseEscape: a single-character escape at *s (the backslash). */
static int parse_escape(struct rx *p, const char **s, const char *end, int *r)
{
	const char *start = *s, *t = *s + 1;
	int c;

	if (t >= end)
		return rx_error(p, "trailing backslash at end of expression",
				"", 0);
	if (next_rune(p, &t, end, &c) < 0)
		return -1;
	switch (c) {
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		/* a single non-zero digit is a backreference */
		if (t >= end || *t < '0' || *t > '7')
			break;
		/* fall through */
	case '0':
		*r = c - '0';
		for (int i = 1; i < 3 && t < end && *t >= '0' && *t <= '7'; i++)
			*r = *r * 8 + (*t++ - '0');
		*s = t;
		return 0;
	case 'x': {
		int x, y;
		if (t >= end)
			break;
		if (next_rune(p, &t, end, &c) < 0)
			return -1;
		if (c == '{') {
			int nhex = 0, v = 0, ok = 0;
			for (;;) {
				if (t >= end)
					break;
				if (next_rune(p, &t, end, &c) < 0)
					return -1;
				if (c == '}') {
					ok = nhex > 0;
					break;
				}
				int h = unhex(c);
				if (h < 0)
					break;
				v = v * 16 + h;
				if (v > 0x10FFFF)
					break;
				nhex++;
			}
			if (!ok)
				break;
			*r = v;
			*s = t;
			return 0;
		}
		x = unhex(c);
		if (next_rune(p, &t, end, &c) < 0)
			return -1;
		y = unhex(c);
		if (x < 0 || y < 0)
			break;
		*r = x * 16 + y;
		*s = t;
		return 0;
	}
	case 'a': *r = '\a'; *s = t; return 0;
	case 'f': *r = '\f'; *s = t; return 0;
	case 'n': *r = '\n'; *s = t; return 0;
	case 'r': *r = '\r'; *s = t; return 0;
	case 't': *r = '\t'; *s = t; return 0;
	case 'v': *r = '\v'; *s = t; return 0;
	default:
		/* escaped punctuation is itself */
		if (c < 0x80 && !is_alnum(c)) {
			*r = c;
			*s = t;
			return 0;
		}
	}
	return rx_error(p, "invalid escape sequence", start, (size_t)(t - start));
}

/* Go's \d \s \w and negations; in_class writes them for inside [...]. */
static int perl_class(const char *s, const char *end, struct strbuf *out,
		      int in_class)
{
	if (end - s < 2 || s[0] != '\\' || !strchr("dDsSwW", s[1]) || !s[1])
		return 0;
	switch (s[1]) {
	case 's':
		strbuf_addstr(out, in_class ? "\\t\\n\\f\\r\\x{20}"
					    : "[\\t\\n\\f\\r\\x{20}]");
		break;
	case 'S':
		/* PCRE2's \S also refuses \v, which Go's accepts */
		strbuf_addstr(out, in_class ? "\\S\\x{b}" : "[^\\t\\n\\f\\r\\x{20}]");
		break;
	default:
		strbuf_add(out, s, 2);
	}
	return 1;
}

static const char *const categories[] = {
	"C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M",
	"Mc", "Me", "Mn", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf",
	"Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs",
	NULL,
};

/* Go's unicode.Scripts (Unicode 15, Go 1.21 and later) */
static const char *const scripts[] = {
	"Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan",
	"Balinese", "Bamum", "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki",
	"Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid", "Canadian_Aboriginal",
	"Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Chorasmian",
	"Common", "Coptic", "Cuneiform", "Cypriot", "Cypro_Minoan", "Cyrillic",
	"Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan",
	"Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic", "Georgian",
	"Glagolitic", "Gothic", "Grantha", "Greek", "Gujarati", "Gunjala_Gondi",
	"Gurmukhi", "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran",
	"Hebrew", "Hiragana", "Imperial_Aramaic", "Inherited",
	"Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi",
	"Kannada", "Katakana", "Kawi", "Kayah_Li", "Kharoshthi",
	"Khitan_Small_Script", "Khmer", "Khojki", "Khudawadi", "Lao", "Latin",
	"Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian",
	"Mahajani", "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen",
	"Masaram_Gondi", "Medefaidrin", "Meetei_Mayek", "Mende_Kikakui",
	"Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi", "Mongolian",
	"Mro", "Multani", "Myanmar", "Nabataean", "Nag_Mundari", "Nandinagari",
	"New_Tai_Lue", "Newa", "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham",
	"Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian",
	"Old_Permic", "Old_Persian", "Old_Sogdian", "Old_South_Arabian",
	"Old_Turkic", "Old_Uyghur", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong",
	"Palmyrene", "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi",
	"Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian",
	"Siddham", "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng", "Soyombo",
	"Sundanese", "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le",
	"Tai_Tham", "Tai_Viet", "Takri", "Tamil", "Tangsa", "Tangut", "Telugu",
	"Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Toto", "Ugaritic",
	"Vai", "Vithkuqi", "Wancho", "Warang_Citi", "Yezidi", "Yi",
	"Zanabazar_Square", NULL,
};

/* Is name a table Go knows: Any, a general category or a script? */
static int unicode_table(const char *name, size_t n)
{
	if (n == 3 && !memcmp(name, "Any", 3))
		return 1;
	for (int i = 0; categories[i]; i++)
		if (strlen(categories[i]) == n && !memcmp(categories[i], name, n))
			return 1;
	for (int i = 0; scripts[i]; i++)
		if (strlen(scripts[i]) == n && !memcmp(scripts[i], name, n))
			return 1;
	return 0;
}

/* parseUnicodeClass: \pL, \p{Greek}, \PL, \p{^Greek}. 0 when s is not
 * one, 1 when written, -1 on error. */
static int unicode_class(struct rx *p, const char **s, const char *end,
			 struct strbuf *out)
{
	const char *t = *s, *seq_end, *name;
	size_t n;
	int neg, c;

	if (end - t < 2 || t[0] != '\\' || (t[1] != 'p' && t[1] != 'P'))
		return 0;
	neg = t[1] == 'P';
	t += 2;
	const char *r0 = t;
	if (next_rune(p, &t, end, &c) < 0)
		return -1;
	if (c != '{') {
		seq_end = t;
		name = r0;
		n = (size_t)(t - r0);
	} else {
		const char *close = memchr(*s, '}', (size_t)(end - *s));
		if (!close)
			return rx_error(p, "invalid character class range", *s,
					(size_t)(end - *s));
		seq_end = close + 1;
		name = *s + 3;
		n = (size_t)(close - name);
	}
	if (n && name[0] == '^') {
		neg = !neg;
		name++;
		n--;
	}
	if (!unicode_table(name, n))
		return rx_error(p, "invalid character class range", *s,
				(size_t)(seq_end - *s));
	strbuf_addf(out, "\\%c{%.*s}", neg ? 'P' : 'p', (int)n, name);
	*s = seq_end;
	return 1;
}

static const char *const posix_names[] = {
	"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower",
	"print", "punct", "space", "upper", "word", "xdigit", NULL,
};

/* parseNamedClass: [:alpha:] and [:^alpha:]. */
static int named_class(struct rx *p, const char **s, const char *end,
		       struct strbuf *out)
{
	const char *t = *s, *close;
	if (end - t <= 2 || t[0] != '[' || t[1] != ':')
		return 0;
	close = memmem(t + 2, (size_t)(end - t - 2), ":]", 2);
	if (!close)
		return 0;
	const char *name = t + 2;
	size_t n = (size_t)(close - name);
	const char *base = name;
	size_t bn = n;
	if (bn && base[0] == '^') {
		base++;
		bn--;
	}
	for (int i = 0; posix_names[i]; i++)
		if (strlen(posix_names[i]) == bn &&
		    !memcmp(posix_names[i], base, bn)) {
			strbuf_add(out, t, (size_t)(close + 2 - t));
			*s = close + 2;
			return 1;
		}
	return rx_error(p, "invalid character class range", t,
			(size_t)(close + 2 - t));
}

static int class_char(struct rx *p, const char **s, const char *end,
		      const char *whole, int *r)
{
	if (*s >= end)
		return rx_error(p, "missing closing ]", whole,
				(size_t)(end - whole));
	if (**s == '\\')
		return parse_escape(p, s, end, r);
	return next_rune(p, s, end, r);
}

/* parseClass: [...] at *s. */
static int parse_class(struct rx *p, const char **s, const char *end)
{
	const char *whole = *s, *t = *s + 1;
	int first = 1, rc;

	strbuf_addch(&p->out, '[');
	if (t < end && *t == '^') {
		strbuf_addch(&p->out, '^');
		t++;
	}
	while (t >= end || *t != ']' || first) {
		int lo, hi;
		const char *rng = t;
		first = 0;
		if ((rc = named_class(p, &t, end, &p->out)) != 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		if ((rc = unicode_class(p, &t, end, &p->out)) != 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		if (perl_class(t, end, &p->out, 1)) {
			t += 2;
			continue;
		}
		if (class_char(p, &t, end, whole, &lo) < 0)
			return -1;
		hi = lo;
		/* [a-] is a and - */
		if (end - t >= 2 && t[0] == '-' && t[1] != ']') {
			t++;
			if (class_char(p, &t, end, whole, &hi) < 0)
				return -1;
			if (hi < lo)
				return rx_error(p, "invalid character class range",
						rng, (size_t)(t - rng));
		}
		emit_rune(&p->out, lo);
		if (hi != lo) {
			strbuf_addch(&p->out, '-');
			emit_rune(&p->out, hi);
		}
	}
	strbuf_addch(&p->out, ']');
	*s = t + 1;
	return 0;
}

/* parseRepeat: {n}, {n,}, {n,m}; -1 for a number past 1000 or too long,
 * as Go's parseInt gives. Returns 0 when s is not a repeat. */
static int parse_int(const char **s, const char *end, long *n)
{
	const char *t = *s;
	if (t >= end || *t < '0' || *t > '9')
		return 0;
	if (end - t >= 2 && t[0] == '0' && t[1] >= '0' && t[1] <= '9')
		return 0;       /* no leading zeros */
	while (t < end && *t >= '0' && *t <= '9')
		t++;
	/* Go stops counting at 1e8 and answers -1 */
	*n = t - *s > 9 ? -1 : strtol(*s, NULL, 10);
	if (*n >= 100000000)
		*n = -1;
	*s = t;
	return 1;
}

static int parse_repeat(const char **s, const char *end, long *min, long *max)
{
	const char *t = *s + 1;
	if (!parse_int(&t, end, min))
		return 0;
	if (t >= end)
		return 0;
	if (*t != ',') {
		*max = *min;
	} else {
		t++;
		if (t >= end)
			return 0;
		if (*t == '}')
			*max = -1;
		else if (!parse_int(&t, end, max))
			return 0;
		else if (*max < 0)
			*min = -1;      /* too big: an invalid repeat count */
	}
	if (t >= end || *t != '}')
		return 0;
	*s = t + 1;
	return 1;
}

/* A repetition operator op[0..n) at *s; after it an optional '?'. */
static int repeat(struct rx *p, const char **s, const char *end,
		  const char *op_start, const char *last_repeat)
{
	const char *after = *s;
	if (after < end && *after == '?')
		after++;
	if (last_repeat)
		return rx_error(p, "invalid nested repetition operator",
				last_repeat, (size_t)(after - last_repeat));
	if (!p->can_repeat)
		return rx_error(p, "missing argument to repetition operator",
				op_start, (size_t)(after - op_start));
	strbuf_add(&p->out, op_start, (size_t)(after - op_start));
	*s = after;
	return 0;
}

static int valid_capture_name(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_' && !is_alnum((unsigned char)s[i]))
			return 0;
	return 1;
}

/* parsePerlFlags: (?P<name>, (?<name>, (?flags), (?flags: at *s. */
static int perl_flags(struct rx *p, const char **s, const char *end)
{
	const char *t = *s;
	size_t n = (size_t)(end - t);
	if ((n > 4 && t[2] == 'P' && t[3] == '<') || (n > 3 && t[2] == '<')) {
		size_t begin = t[2] == '<' ? 3 : 4;
		const char *close = memchr(t, '>', n);
		if (!close)
			return rx_error(p, "invalid named capture", t, n);
		const char *name = t + begin;
		size_t nl = (size_t)(close - name);
		if (!valid_capture_name(name, nl))
			return rx_error(p, "invalid named capture", t,
					(size_t)(close + 1 - t));
		strbuf_addf(&p->out, "(?<%.*s>", (int)nl, name);
		p->ncap++;
		p->depth++;
		*s = close + 1;
		return 0;
	}
	struct strbuf flags = STRBUF_INIT;
	int sign = 1, saw = 0, c;
	t += 2;
	while (t < end) {
		if (next_rune(p, &t, end, &c) < 0) {
			strbuf_release(&flags);
			return -1;
		}
		if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
			strbuf_addch(&flags, (char)c);
			saw = 1;
			continue;
		}
		if (c == '-') {
			if (sign < 0)
				break;
			sign = -1;
			saw = 0;
			strbuf_addch(&flags, '-');
			continue;
		}
		if (c == ':' || c == ')') {
			if (sign < 0 && !saw)
				break;
			strbuf_addf(&p->out, "(?%s%c", flags.buf ? flags.buf : "",
				    c);
			strbuf_release(&flags);
			if (c == ':')
				p->depth++;
			*s = t;
			return 0;
		}
		break;
	}
	strbuf_release(&flags);
	return rx_error(p, "invalid or unsupported Perl syntax", *s,
			(size_t)(t - *s));
}

/* Parse Go pattern s into p->out. */
static int translate(struct rx *p, const char *s, size_t len)
{
	const char *t = s, *end = s + len, *last_repeat = NULL;
	int rc;

	while (t < end) {
		const char *repeat_start = NULL, *op = t;
		int can_repeat = 1;
		switch (*t) {
		case '(':
			if (end - t >= 2 && t[1] == '?') {
				if (perl_flags(p, &t, end) < 0)
					return -1;
				/* after "(?i:" there is nothing to repeat; Go
				 * would repeat what came before "(?i)", PCRE2
				 * cannot: refuse that too */
				can_repeat = 0;
				break;
			}
			strbuf_addch(&p->out, '(');
			p->ncap++;
			p->depth++;
			t++;
			can_repeat = 0;
			break;
		case '|':
			strbuf_addch(&p->out, '|');
			t++;
			can_repeat = 0;
			break;
		case ')':
			if (!p->depth)
				return rx_error(p, "unexpected )", p->whole, p->wlen);
			p->depth--;
			strbuf_addch(&p->out, ')');
			t++;
			break;
		case '^':
		case '$':
			/* in a group, so that Go's "^*" stays repeatable */
			strbuf_addf(&p->out, "(?:%c)", *t);
			t++;
			break;
		case '.':
			strbuf_addch(&p->out, '.');
			t++;
			break;
		case '[':
			if (parse_class(p, &t, end) < 0)
				return -1;
			break;
		case '*':
		case '+':
		case '?':
			t++;
			if (repeat(p, &t, end, op, last_repeat) < 0)
				return -1;
			repeat_start = op;
			break;
		case '{': {
			long min, max;
			const char *after = t;
			if (!parse_repeat(&after, end, &min, &max)) {
				strbuf_addstr(&p->out, "\\{");
				t++;
				break;
			}
			if (min < 0 || min > 1000 || max > 1000 ||
			    (max >= 0 && min > max))
				return rx_error(p, "invalid repeat count", t,
						(size_t)(after - t));
			t = after;
			if (repeat(p, &t, end, op, last_repeat) < 0)
				return -1;
			repeat_start = op;
			break;
		}
		case '\\':
			if (end - t >= 2) {
				const char *keep = NULL;
				switch (t[1]) {
				case 'A': keep = "(?:\\A)"; break;
				case 'b': keep = "(?:\\b)"; break;
				case 'B': keep = "(?:\\B)"; break;
				case 'z': keep = "(?:\\z)"; break;
				case 'C':
					return rx_error(p, "invalid escape sequence",
							t, 2);
				case 'Q': {
					/* \Q...\E: literals up to \E or the end */
					const char *lit = t + 2;
					const char *e = memmem(lit, (size_t)(end - lit),
							       "\\E", 2);
					const char *stop = e ? e : end;
					can_repeat = lit < stop ? 1 : p->can_repeat;
					while (lit < stop) {
						int c;
						if (next_rune(p, &lit, stop, &c) < 0)
							return -1;
						emit_rune(&p->out, c);
					}
					t = e ? e + 2 : end;
					goto next;
				}
				}
				if (keep) {
					strbuf_addstr(&p->out, keep);
					t += 2;
					break;
				}
			}
			if ((rc = unicode_class(p, &t, end, &p->out)) != 0) {
				if (rc < 0)
					return -1;
				break;
			}
			if (perl_class(t, end, &p->out, 0)) {
				t += 2;
				break;
			}
			{
				int r;
				if (parse_escape(p, &t, end, &r) < 0)
					return -1;
				emit_rune(&p->out, r);
			}
			break;
		default: {
			int r;
			if (next_rune(p, &t, end, &r) < 0)
				return -1;
			emit_rune(&p->out, r);
		}
		}
next:
		p->can_repeat = repeat_start ? 1 : can_repeat;
		last_repeat = repeat_start;
	}
	if (p->depth)
		return rx_error(p, "missing closing )", p->whole, p->wlen);
	return 0;
}

/* ---- compiling and matching ---- */

struct regex {
	pcre2_code *code;
	pcre2_match_data *md;
	uint32_t ncap;          /* capture groups, not counting the whole */
};

static void regex_free(struct regex *re)
{
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
}

/* regexp.Compile: fails with Go's message. */
static int regex_compile(struct regex *re, const char *s, size_t len,
			 struct gerr *err)
{
	struct rx p = { s, len, STRBUF_INIT, err, 0, 0, 0, 0 };
	pcre2_compile_context *cc;
	int code;
	PCRE2_SIZE off;

	memset(re, 0, sizeof(*re));
	if (translate(&p, s, len) < 0) {
		strbuf_release(&p.out);
		return -1;
	}
	cc = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	re->code = pcre2_compile((PCRE2_SPTR)(p.out.buf ? p.out.buf : ""),
				 p.out.len, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY |
				 PCRE2_MATCH_INVALID_UTF | PCRE2_DUPNAMES, &code, &off, cc);
	pcre2_compile_context_free(cc);
	if (!re->code) {
		/* Go accepted it (else translate failed): a Unicode class
		 * PCRE2 does not know, or a program too large */
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		gerr_set(err, "error parsing regexp: %s: `%.*s`", msg, (int)len, s);
		strbuf_release(&p.out);
		return -1;
	}
	strbuf_release(&p.out);
	pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &re->ncap);
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	return 0;
}

/* One match at or after pos: 1 and the offsets, 0 for none, -1 when PCRE2
 * gives up (err set). */
static int regex_exec(struct regex *re, const char *s, size_t len, size_t pos,
		      PCRE2_SIZE **ov, struct gerr *err)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, pos, 0, re->md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		return gerr_set(err, "regular expression too costly to match "
				     "with PCRE2: %s", msg);
	}
	*ov = pcre2_get_ovector_pointer(re->md);
	return 1;
}

/* Go's allMatches: successive matches, an empty match right after a
 * previous one skipped; calls fn with each match's offsets. */
typedef int (*match_fn)(void *ctx, const char *s, const PCRE2_SIZE *ov);

static int all_matches(struct regex *re, const char *s, size_t len, long n,
		       match_fn fn, void *ctx, struct gerr *err)
{
	size_t pos = 0;
	long found = 0;
	long long prev_end = -1;
	while ((n < 0 || found < n) && pos <= len) {
		PCRE2_SIZE *ov;
		int rc = regex_exec(re, s, len, pos, &ov, err);
		if (rc <= 0)
			return rc;
		int accept = 1;
		size_t m0 = ov[0], m1 = ov[1];
		if (m1 == pos) {
			if ((long long)m0 == prev_end)
				accept = 0;
			if (pos < len) {
				size_t i = pos;
				sprig_next_rune(s, len, &i);
				pos = i;
			} else {
				pos = len + 1;
			}
		} else {
			pos = m1;
		}
		prev_end = (long long)m1;
		if (accept) {
			if (fn(ctx, s, ov) < 0)
				return -1;
			found++;
		}
	}
	return 0;
}

/* ---- the functions ---- */

/* MustCompile's panic: regexp: Compile(`PATTERN`): ERROR */
static int compile_or_panic(struct tmpl_call *call, struct regex *re,
			    const struct tmpl_value *pat, int must)
{
	struct strbuf q = STRBUF_INIT;
	if (regex_compile(re, STR(pat), LEN(pat), call->err) == 0)
		return 0;
	if (must)
		return -1;
	if (tmpl_utf8_can_backquote(STR(pat), LEN(pat))) {
		strbuf_addch(&q, '`');
		strbuf_add(&q, STR(pat), LEN(pat));
		strbuf_addch(&q, '`');
	} else {
		tmpl_quote(&q, STR(pat), LEN(pat));
	}
	gerr_prefix(call->err, "regexp: Compile(%s)", q.buf);
	strbuf_release(&q);
	return -1;
}

static int is_must(struct tmpl_call *call)
{
	return !strncmp(call->name, "must", 4);
}

static int f_match(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct regex re;
	PCRE2_SIZE *ov;
	int rc;
	if (regex_compile(&re, STR(args[0]), LEN(args[0]), call->err) < 0) {
		if (is_must(call))
			return -1;
		/* regexMatch swallows the error */
		gerr_clear(call->err);
		*result = tmpl_bool(0);
		return 0;
	}
	rc = regex_exec(&re, STR(args[1]), LEN(args[1]), 0, &ov, call->err);
	regex_free(&re);
	if (rc < 0)
		return -1;
	*result = tmpl_bool(rc);
	return 0;
}

static int f_find(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct regex re;
	PCRE2_SIZE *ov;
	int rc;
	if (compile_or_panic(call, &re, args[0], is_must(call)) < 0)
		return -1;
	rc = regex_exec(&re, STR(args[1]), LEN(args[1]), 0, &ov, call->err);
	if (rc > 0)
		*result = tmpl_stringn(STR(args[1]) + ov[0], ov[1] - ov[0]);
	else if (rc == 0)
		*result = tmpl_stringn("", 0);
	regex_free(&re);
	return rc < 0 ? -1 : 0;
}

static int collect(void *ctx, const char *s, const PCRE2_SIZE *ov)
{
	tmpl_list_push(ctx, tmpl_stringn(s + ov[0], ov[1] - ov[0]));
	return 0;
}

static int f_find_all(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	struct regex re;
	long long n = args[2]->u.i;
	struct tmpl_value *out;
	if (compile_or_panic(call, &re, args[0], is_must(call)) < 0)
		return -1;
	out = tmpl_list_new(TMPL_STRING);
	if (all_matches(&re, STR(args[1]), LEN(args[1]),
			n < 0 ? (long)LEN(args[1]) + 1 : (long)n, collect, out,
			call->err) < 0) {
		tmpl_unref(out);
		regex_free(&re);
		return -1;
	}
	regex_free(&re);
	*result = out;
	return 0;
}

/* Regexp.Expand's extract: a $name or ${name} at s (after the $). */
static int extract(const char *s, size_t n, const char **name, size_t *nlen,
		   long *num, size_t *used)
{
	int brace = 0;
	size_t i = 0, start;
	if (!n)
		return 0;
	if (s[0] == '{') {
		brace = 1;
		i = 1;
	}
	start = i;
	while (i < n) {
		size_t j = i;
		int r = sprig_next_rune(s, n, &j);
		if (!sprig_is_letter(r) && !sprig_is_digit(r) && r != '_')
			break;
		i = j;
	}
	if (i == start)
		return 0;
	*name = s + start;
	*nlen = i - start;
	if (brace) {
		if (i >= n || s[i] != '}')
			return 0;
		i++;
	}
	*num = 0;
	for (size_t k = 0; k < *nlen; k++) {
		char c = (*name)[k];
		if (c < '0' || c > '9' || *num >= 100000000) {
			*num = -1;
			break;
		}
		*num = *num * 10 + (c - '0');
	}
	if ((*name)[0] == '0' && *nlen > 1)
		*num = -1;
	*used = i;
	return 1;
}

struct replace {
	struct regex *re;
	const char *repl;
	size_t rlen;
	int literal;
	struct strbuf *out;
	size_t last_end;
};

static void append_group(struct strbuf *out, const char *src,
			 const PCRE2_SIZE *ov, uint32_t ncap, long g)
{
	if (g < 0 || (uint32_t)g > ncap || ov[2 * g] == PCRE2_UNSET)
		return;
	strbuf_add(out, src + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

/* Regexp.Expand of the replacement for one match. */
static void expand(struct replace *r, const char *src, const PCRE2_SIZE *ov)
{
	const char *t = r->repl;
	size_t n = r->rlen;
	while (n) {
		const char *dollar = memchr(t, '$', n);
		if (!dollar)
			break;
		strbuf_add(r->out, t, (size_t)(dollar - t));
		n -= (size_t)(dollar - t) + 1;
		t = dollar + 1;
		if (n && *t == '$') {
			strbuf_addch(r->out, '$');
			t++;
			n--;
			continue;
		}
		const char *name;
		size_t nlen, used;
		long num;
		if (!extract(t, n, &name, &nlen, &num, &used)) {
			strbuf_addch(r->out, '$');
			continue;
		}
		t += used;
		n -= used;
		if (num >= 0) {
			append_group(r->out, src, ov, r->re->ncap, num);
			continue;
		}
		/* a named group: the first of that name that matched */
		uint32_t count, esize;
		PCRE2_SPTR table;
		pcre2_pattern_info(r->re->code, PCRE2_INFO_NAMECOUNT, &count);
		pcre2_pattern_info(r->re->code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
		pcre2_pattern_info(r->re->code, PCRE2_INFO_NAMETABLE, &table);
		long best = -1;
		for (uint32_t i = 0; i < count; i++) {
			PCRE2_SPTR e = table + i * esize;
			long g = (long)(e[0] << 8 | e[1]);
			const char *en = (const char *)e + 2;
			if (strlen(en) == nlen && !memcmp(en, name, nlen) &&
			    ov[2 * g] != PCRE2_UNSET && (best < 0 || g < best))
				best = g;
		}
		append_group(r->out, src, ov, r->re->ncap, best);
	}
	strbuf_add(r->out, t, n);
}

static int f_replace_all(struct tmpl_call *call, struct tmpl_value **args,
			 size_t nargs, struct tmpl_value **result)
{
	struct regex re;
	struct strbuf out = STRBUF_INIT;
	const char *s = STR(args[1]);
	size_t len = LEN(args[1]), search = 0, last_end = 0;
	int literal = strstr(call->name, "Literal") != NULL;
	struct replace r = { &re, STR(args[2]), LEN(args[2]), literal, &out, 0 };

	if (compile_or_panic(call, &re, args[0], is_must(call)) < 0)
		return -1;
	/* Go's replaceAll: no replacement for an empty match right after
	 * a match; always advance at least one rune */
	while (search <= len) {
		PCRE2_SIZE *ov;
		int rc = regex_exec(&re, s, len, search, &ov, call->err);
		if (rc < 0) {
			strbuf_release(&out);
			regex_free(&re);
			return -1;
		}
		if (!rc)
			break;
		strbuf_add(&out, s + last_end, ov[0] - last_end);
		if (ov[1] > last_end || ov[0] == 0) {
			if (literal)
				strbuf_add(&out, r.repl, r.rlen);
			else
				expand(&r, s, ov);
		}
		last_end = ov[1];
		size_t width = 0;
		if (search < len) {
			size_t i = search;
			sprig_next_rune(s, len, &i);
			width = i - search;
		}
		if (search + width > ov[1])
			search += width;
		else if (search + 1 > ov[1])
			search++;
		else
			search = ov[1];
	}
	strbuf_add(&out, s + last_end, len - last_end);
	regex_free(&re);
	*result = tmpl_string_buf(&out);
	return 0;
}

struct split {
	const char *s;
	long n;
	struct tmpl_value *out;
	size_t beg, end;
	int done;
};

static int split_at(void *ctx, const char *s, const PCRE2_SIZE *ov)
{
	struct split *sp = ctx;
	if (sp->done)
		return 0;
	if (sp->n > 0 && (long)tmpl_list_len(sp->out) == sp->n - 1) {
		sp->done = 1;
		return 0;
	}
	sp->end = ov[0];
	if (ov[1] != 0)
		tmpl_list_push(sp->out, tmpl_stringn(s + sp->beg, sp->end - sp->beg));
	sp->beg = ov[1];
	return 0;
}

/* Regexp.Split */
static int f_split(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct regex re;
	long long n = args[2]->u.i;
	const char *s = STR(args[1]);
	size_t len = LEN(args[1]);
	struct split sp = { s, (long)n, NULL, 0, 0, 0 };

	if (compile_or_panic(call, &re, args[0], is_must(call)) < 0)
		return -1;
	sp.out = tmpl_list_new(TMPL_STRING);
	if (n == 0)
		goto done;
	if (LEN(args[0]) > 0 && len == 0) {
		tmpl_list_push(sp.out, tmpl_stringn("", 0));
		goto done;
	}
	if (all_matches(&re, s, len, n < 0 ? (long)len + 1 : (long)n, split_at,
			&sp, call->err) < 0) {
		tmpl_unref(sp.out);
		regex_free(&re);
		return -1;
	}
	if (sp.end != len)
		tmpl_list_push(sp.out, tmpl_stringn(s + sp.beg, len - sp.beg));
done:
	regex_free(&re);
	*result = sp.out;
	return 0;
}

/* regexp.QuoteMeta */
static int f_quote_meta(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < LEN(args[0]); i++) {
		char c = STR(args[0])[i];
		if (c && strchr("\\.+*?()|[]{}^$", c))
			strbuf_addch(&sb, '\\');
		strbuf_addch(&sb, c);
	}
	*result = tmpl_string_buf(&sb);
	return 0;
}

const struct tmpl_func sprig_regex_funcs[] = {
	{ "mustRegexFind", f_find, "string, string -> string", 0 },
	{ "mustRegexFindAll", f_find_all, "string, string, int -> []string", 0 },
	{ "mustRegexMatch", f_match, "string, string -> bool", 0 },
	{ "mustRegexReplaceAll", f_replace_all, "string, string, string -> string", 0 },
	{ "mustRegexReplaceAllLiteral", f_replace_all,
	  "string, string, string -> string", 0 },
	{ "mustRegexSplit", f_split, "string, string, int -> []string", 0 },
	{ "regexFind", f_find, "string, string -> string", 0 },
	{ "regexFindAll", f_find_all, "string, string, int -> []string", 0 },
	{ "regexMatch", f_match, "string, string -> bool", 0 },
	{ "regexQuoteMeta", f_quote_meta, "string -> string", 0 },
	{ "regexReplaceAll", f_replace_all, "string, string, string -> string", 0 },
	{ "regexReplaceAllLiteral", f_replace_all,
	  "string, string, string -> string", 0 },
	{ "regexSplit", f_split, "string, string, int -> []string", 0 },
	{ NULL, NULL, NULL, 0 },
};
