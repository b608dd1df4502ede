/*
 * Helpers of the Sprig library files: see sprig.h.
 */
#include "pkg/template/sprig.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "pkg/base/mem.h"
#include "pkg/template/utf8.h"

/* ---- strconv ---- */

static int lower(int c)
{
	return c | 0x20;
}

/* strconv's underscoreOK: underscores only between digits (or after a
 * base prefix). */
static int underscore_ok(const char *s, size_t n)
{
	int saw = '^', hex = 0;
	size_t i = 0;
	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	if (n >= 2 && s[0] == '0' &&
	    (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		if ((s[i] >= '0' && s[i] <= '9') ||
		    (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
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

/* strconv.ParseUint(s, base, 64) */
static int parse_uint(const char *s0, size_t n0, int base,
		      unsigned long long *out)
{
	const char *s = s0;
	size_t n = n0;
	int base0 = base == 0, underscores = 0;
	unsigned long long x = 0, cutoff;

	*out = 0;
	if (!n)
		return -1;
	if (base == 0) {
		base = 10;
		if (s[0] == '0') {
			if (n >= 3 && lower(s[1]) == 'b') {
				base = 2;
				s += 2;
				n -= 2;
			} else if (n >= 3 && lower(s[1]) == 'o') {
				base = 8;
				s += 2;
				n -= 2;
			} else if (n >= 3 && lower(s[1]) == 'x') {
				base = 16;
				s += 2;
				n -= 2;
			} else {
				base = 8;
				s++;
				n--;
			}
		}
	}
	cutoff = ~0ULL / (unsigned)base + 1;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i], d;
		if (c == '_' && base0) {
			underscores = 1;
			continue;
		}
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (lower(c) >= 'a' && lower(c) <= 'z')
			d = lower(c) - 'a' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		if (x >= cutoff) {
			*out = ~0ULL;
			return -2;
		}
		x *= (unsigned)base;
		if (x + (unsigned)d < x) {
			*out = ~0ULL;
			return -2;
		}
		x += (unsigned)d;
	}
	if (underscores && !underscore_ok(s0, n0))
		return -1;
	*out = x;
	return 0;
}

int sprig_parse_int(const char *s, size_t len, int base, long long *out)
{
	int neg = 0, rc;
	unsigned long long u;

	*out = 0;
	if (!len)
		return -1;
	if (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-';
		s++;
		len--;
	}
	rc = parse_uint(s, len, base, &u);
	if (rc == -1)
		return -1;
	if (!neg && u >= 1ULL << 63) {
		*out = (long long)((1ULL << 63) - 1);
		return -2;
	}
	if (neg && u > 1ULL << 63) {
		*out = (long long)(-(long long)((1ULL << 63) - 1) - 1);
		return -2;
	}
	*out = neg ? (long long)(0 - u) : (long long)u;
	return rc;
}

static size_t prefix_len_icase(const char *s, size_t n, const char *word)
{
	size_t i = 0;
	while (i < n && word[i] && lower(s[i]) == word[i])
		i++;
	return i;
}

/* strconv's special(): "inf", "infinity", "nan", any case; whole input. */
static int parse_special(const char *s, size_t n, double *out)
{
	int sign = 1;
	size_t k, nsign = 0;
	if (n && (s[0] == '+' || s[0] == '-')) {
		sign = s[0] == '-' ? -1 : 1;
		nsign = 1;
		s++;
		n--;
	}
	if (n && lower(s[0]) == 'i') {
		k = prefix_len_icase(s, n, "infinity");
		if (k > 3 && k < 8)
			k = 3;
		if ((k == 3 || k == 8) && k == n) {
			*out = sign * HUGE_VAL;
			return 1;
		}
	} else if (!nsign && n == 3 && prefix_len_icase(s, n, "nan") == 3) {
		*out = NAN;
		return 1;
	}
	return 0;
}

/* The float grammar of strconv.readFloat, underscores removed. */
static int float_syntax(const char *s, size_t n)
{
	size_t i = 0;
	int hex = 0, digits = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i + 1 < n && s[i] == '0' && lower(s[i + 1]) == 'x') {
		hex = 1;
		i += 2;
	}
	for (int dot = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '.' && !dot) {
			dot = 1;
			continue;
		}
		if ((c >= '0' && c <= '9') ||
		    (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
			digits = 1;
			continue;
		}
		break;
	}
	if (!digits)
		return 0;
	if (i < n && lower(s[i]) == (hex ? 'p' : 'e')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else if (hex) {
		return 0;       /* a hex mantissa needs a 'p' exponent */
	}
	return i == n;
}

int sprig_parse_float(const char *s, size_t len, double *out)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;

	*out = 0;
	if (!len)
		return -1;
	if (parse_special(s, len, out))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '_')
			strbuf_addch(&sb, s[i]);
	if ((sb.len != len && !underscore_ok(s, len)) ||
	    !float_syntax(sb.buf, sb.len)) {
		rc = -1;
	} else {
		errno = 0;
		*out = strtod(sb.buf, NULL);
		if (errno == ERANGE && isinf(*out))
			rc = -2;
	}
	strbuf_release(&sb);
	return rc;
}

/* cast's trimZeroDecimal: "12.00" is "12"; "12.50" stays. */
static size_t trim_zero_decimal(const char *s, size_t n)
{
	int found_zero = 0;
	for (size_t i = n; i > 0; i--) {
		char c = s[i - 1];
		if (c == '.') {
			if (found_zero)
				return i - 1;
		} else if (c == '0') {
			found_zero = 1;
		} else {
			return n;
		}
	}
	return n;
}

long long sprig_to_int64(const struct tmpl_value *v)
{
	long long x;
	if (!v)
		return 0;
	switch (v->kind) {
	case TMPL_BOOL:
		return v->u.b;
	case TMPL_INT:
	case TMPL_INT64:
		return v->u.i;
	case TMPL_FLOAT64:
		return tmpl_float_to_int64(v->u.f);
	case TMPL_STRING:
		if (sprig_parse_int(v->u.str.s,
				    trim_zero_decimal(v->u.str.s, v->u.str.len),
				    0, &x) == 0)
			return x;
		return 0;
	default:
		return 0;
	}
}

double sprig_to_float64(const struct tmpl_value *v)
{
	double f;
	if (!v)
		return 0;
	switch (v->kind) {
	case TMPL_BOOL:
		return v->u.b;
	case TMPL_INT:
	case TMPL_INT64:
		return (double)v->u.i;
	case TMPL_FLOAT64:
		return v->u.f;
	case TMPL_STRING:
		return sprig_parse_float(v->u.str.s, v->u.str.len, &f) == 0 ? f
									    : 0;
	default:
		return 0;
	}
}

/* ---- values ---- */

int sprig_empty(const struct tmpl_value *v)
{
	if (!v)
		return 1;
	switch (v->kind) {
	case TMPL_NIL:
		return 1;
	case TMPL_BOOL:
		return !v->u.b;
	case TMPL_INT:
	case TMPL_INT64:
		return v->u.i == 0;
	case TMPL_FLOAT64:
		return v->u.f == 0;
	case TMPL_STRING:
	case TMPL_BYTES:
		return v->u.str.len == 0;
	case TMPL_LIST:
		return v->u.list.nr == 0;
	case TMPL_MAP:
		return v->u.map.nr == 0;
	case TMPL_OBJECT:
		return 0;
	}
	return 0;
}

int sprig_deep_equal(const struct tmpl_value *a, const struct tmpl_value *b)
{
	int anil = !a || a->kind == TMPL_NIL, bnil = !b || b->kind == TMPL_NIL;
	if (anil || bnil)
		return anil && bnil;
	if (strcmp(tmpl_type_name(a), tmpl_type_name(b)))
		return 0;
	switch (a->kind) {
	case TMPL_BOOL:
		return a->u.b == b->u.b;
	case TMPL_INT:
	case TMPL_INT64:
		return a->u.i == b->u.i;
	case TMPL_FLOAT64:
		return a->u.f == b->u.f;
	case TMPL_STRING:
	case TMPL_BYTES:
		return a->u.str.len == b->u.str.len &&
		       !memcmp(a->u.str.s, b->u.str.s, a->u.str.len);
	case TMPL_LIST:
		if (a->u.list.nr != b->u.list.nr)
			return 0;
		for (size_t i = 0; i < a->u.list.nr; i++)
			if (!sprig_deep_equal(a->u.list.v[i], b->u.list.v[i]))
				return 0;
		return 1;
	case TMPL_MAP:
		if (a->u.map.nr != b->u.map.nr)
			return 0;
		for (size_t i = 0; i < a->u.map.nr; i++) {
			const struct tmpl_map_entry *e = &a->u.map.e[i];
			const struct tmpl_map_entry *f = &b->u.map.e[i];
			if (e->klen != f->klen || memcmp(e->key, f->key, e->klen) ||
			    !sprig_deep_equal(e->value, f->value))
				return 0;
		}
		return 1;
	case TMPL_OBJECT:
		if (a == b)
			return 1;
		return a->u.obj.cls->equal ? a->u.obj.cls->equal(a, b) : 0;
	default:
		return 1;
	}
}

int sprig_is_slice(const struct tmpl_value *v)
{
	return v && (v->kind == TMPL_LIST || v->kind == TMPL_BYTES);
}

size_t sprig_slice_len(const struct tmpl_value *v)
{
	if (!v)
		return 0;
	if (v->kind == TMPL_BYTES)
		return v->u.str.len;
	return v->kind == TMPL_LIST ? v->u.list.nr : 0;
}

struct tmpl_value *sprig_slice_get(const struct tmpl_value *v, size_t i)
{
	if (v->kind == TMPL_BYTES)
		return tmpl_int((unsigned char)v->u.str.s[i]);
	return tmpl_ref(v->u.list.v[i]);
}

static struct tmpl_value *strval(const struct tmpl_value *v)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_to_string(&sb, v);
	return tmpl_string_buf(&sb);
}

struct tmpl_value *sprig_strslice(const struct tmpl_value *v)
{
	struct tmpl_value *out;
	if (v && v->kind == TMPL_LIST && v->u.list.elem == TMPL_STRING &&
	    !v->u.list.cls)
		return tmpl_ref((struct tmpl_value *)v);
	out = tmpl_list_new(TMPL_STRING);
	if (sprig_is_slice(v)) {
		for (size_t i = 0; i < sprig_slice_len(v); i++) {
			struct tmpl_value *e = sprig_slice_get(v, i);
			if (e && e->kind != TMPL_NIL)
				tmpl_list_push(out, strval(e));
			tmpl_unref(e);
		}
	} else if (v && v->kind != TMPL_NIL) {
		tmpl_list_push(out, strval(v));
	}
	return out;
}

int sprig_nil_panic(struct tmpl_call *call)
{
	return tmpl_call_error(call, "runtime error: invalid memory address "
				     "or nil pointer dereference");
}

/* ---- unicode ---- */

static locale_t utf8_locale;
static pthread_once_t locale_once = PTHREAD_ONCE_INIT;

static void load_locale(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* The C.UTF-8 tables for runes beyond ASCII; NULL when the C library has
 * no such locale (then only ASCII has classes and cases). */
static locale_t loc(void)
{
	pthread_once(&locale_once, load_locale);
	return utf8_locale;
}

int sprig_is_space(int r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return 1;
	}
	return r >= 0x2000 && r <= 0x200A;
}

int sprig_is_upper(int r)
{
	if (r < 0x80)
		return r >= 'A' && r <= 'Z';
	return loc() && iswupper_l((wint_t)r, loc());
}

int sprig_is_lower(int r)
{
	if (r < 0x80)
		return r >= 'a' && r <= 'z';
	return loc() && iswlower_l((wint_t)r, loc());
}

int sprig_is_title(int r)
{
	/* the titlecase letters (Lt) */
	return r == 0x1C5 || r == 0x1C8 || r == 0x1CB || r == 0x1F2 ||
	       (r >= 0x1F88 && r <= 0x1F8F) || (r >= 0x1F98 && r <= 0x1F9F) ||
	       (r >= 0x1FA8 && r <= 0x1FAF) || r == 0x1FBC || r == 0x1FCC ||
	       r == 0x1FFC;
}

int sprig_is_letter(int r)
{
	if (r < 0x80)
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
	if (r == 0xAA || r == 0xBA || r == 0xB5)
		return 1;
	if (r < 0xC0 || r == 0xD7 || r == 0xF7)
		return 0;
	return loc() && iswalpha_l((wint_t)r, loc());
}

int sprig_is_digit(int r)
{
	if (r < 0x80)
		return r >= '0' && r <= '9';
	return loc() && iswdigit_l((wint_t)r, loc());
}

int sprig_is_number(int r)
{
	if (r < 0x80)
		return r >= '0' && r <= '9';
	/* Latin-1's No: superscripts and fractions */
	if (r == 0xB2 || r == 0xB3 || r == 0xB9 || (r >= 0xBC && r <= 0xBE))
		return 1;
	return sprig_is_digit(r);
}

int sprig_is_punct(int r)
{
	if (r < 0x80)
		return r > ' ' && r < 0x7F && strchr("!\"#%&'()*,-./:;?@[\\]_{}", r);
	switch (r) {
	case 0xA1: case 0xA7: case 0xAB: case 0xB6: case 0xB7: case 0xBB:
	case 0xBF:
		return 1;
	}
	if (r < 0x100)
		return 0;
	return loc() && iswpunct_l((wint_t)r, loc());
}

int sprig_to_upper(int r)
{
	if (r < 0x80)
		return r >= 'a' && r <= 'z' ? r - 32 : r;
	return loc() ? (int)towupper_l((wint_t)r, loc()) : r;
}

int sprig_to_lower(int r)
{
	if (r < 0x80)
		return r >= 'A' && r <= 'Z' ? r + 32 : r;
	return loc() ? (int)towlower_l((wint_t)r, loc()) : r;
}

int sprig_to_title(int r)
{
	/* the digraphs have a title case of their own; elsewhere it is the
	 * upper case */
	switch (r) {
	case 0x1C4: case 0x1C5: case 0x1C6: return 0x1C5;
	case 0x1C7: case 0x1C8: case 0x1C9: return 0x1C8;
	case 0x1CA: case 0x1CB: case 0x1CC: return 0x1CB;
	case 0x1F1: case 0x1F2: case 0x1F3: return 0x1F2;
	}
	return sprig_to_upper(r);
}

int sprig_next_rune(const char *s, size_t len, size_t *i)
{
	int r;
	*i += tmpl_utf8_decode(s + *i, len - *i, &r);
	return r;
}

/* ---- numbers ---- */

int sprig_shortest(double d, char digits[32], int *point)
{
	char buf[40];
	int prec;
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
	/* buf is D.DDDDe[+-]XX */
	int n = 0;
	char *e = strchr(buf, 'e');
	for (char *p = buf; p < e; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*point = atoi(e + 1) + 1;
	return n;
}
