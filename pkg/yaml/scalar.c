/*
 * Resolving unquoted YAML scalars to JSON values with the rules of go-yaml v2
 * (which is what kubectl, Helm and client-go read YAML with), and the checks
 * the emitter needs to decide whether a string can be written unquoted.
 */
#include "pkg/yaml/scalar.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"

struct word {
	const char *text;
	size_t len;
	enum scalar_class cls;
};

#define W(text, cls) { text, sizeof(text) - 1, cls }

/* The words go-yaml v2 resolves by table lookup before trying numbers. */
static const struct word words[] = {
	W("y", SCALAR_TRUE),      W("Y", SCALAR_TRUE),
	W("yes", SCALAR_TRUE),    W("Yes", SCALAR_TRUE),
	W("YES", SCALAR_TRUE),    W("true", SCALAR_TRUE),
	W("True", SCALAR_TRUE),   W("TRUE", SCALAR_TRUE),
	W("on", SCALAR_TRUE),     W("On", SCALAR_TRUE),
	W("ON", SCALAR_TRUE),     W("n", SCALAR_FALSE),
	W("N", SCALAR_FALSE),     W("no", SCALAR_FALSE),
	W("No", SCALAR_FALSE),    W("NO", SCALAR_FALSE),
	W("false", SCALAR_FALSE), W("False", SCALAR_FALSE),
	W("FALSE", SCALAR_FALSE), W("off", SCALAR_FALSE),
	W("Off", SCALAR_FALSE),   W("OFF", SCALAR_FALSE),
	W("", SCALAR_NULL),       W("~", SCALAR_NULL),
	W("null", SCALAR_NULL),   W("Null", SCALAR_NULL),
	W("NULL", SCALAR_NULL),   W(".nan", SCALAR_NAN),
	W(".NaN", SCALAR_NAN),    W(".NAN", SCALAR_NAN),
	W(".inf", SCALAR_INF),    W(".Inf", SCALAR_INF),
	W(".INF", SCALAR_INF),    W("+.inf", SCALAR_INF),
	W("+.Inf", SCALAR_INF),   W("+.INF", SCALAR_INF),
	W("-.inf", SCALAR_INF),   W("-.Inf", SCALAR_INF),
	W("-.INF", SCALAR_INF),   W("<<", SCALAR_MERGE),
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ — go-yaml's
 * yamlStyleFloat. */
int scalar_is_yaml_float(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i < len && s[i] == '.') {
		i++;
		size_t d = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == d)
			return 0;
	} else {
		size_t d = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == d)
			return 0;
		if (i < len && s[i] == '.') {
			i++;
			while (i < len && is_digit(s[i]))
				i++;
		}
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t d = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == d)
			return 0;
	}
	return i == len;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * strconv.ParseInt(s, 0, 64), then ParseUint for what overflows: an optional
 * sign, then 0x/0o/0b or a leading 0 (octal), then digits of that base.
 * Returns 1 for an int64 (*out), 2 for a uint64 beyond int64 (*uout),
 * 0 when s is not such an integer.
 */
static int parse_go_int(const char *s, size_t len, long long *out,
			unsigned long long *uout)
{
	size_t i = 0;
	int neg = 0, sign = 0, base = 10;

	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		sign = 1;
		i++;
	}
	if (i + 1 < len && s[i] == '0') {
		char p = s[i + 1];
		if (p == 'x' || p == 'X')
			base = 16, i += 2;
		else if (p == 'o' || p == 'O')
			base = 8, i += 2;
		else if (p == 'b' || p == 'B')
			base = 2, i += 2;
		else
			base = 8, i += 1;
	}
	if (i >= len)
		return 0; /* a sign or a prefix without digits */

	unsigned long long v = 0;
	for (; i < len; i++) {
		int d = digit_value(s[i]);
		if (d >= base)
			return 0;
		if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			return 0; /* beyond 64 bits: ParseFloat's turn */
		v = v * (unsigned)base + (unsigned)d;
	}
	if (neg) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return 0;
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN
							      : -(long long)v;
		return 1;
	}
	if (v <= (unsigned long long)LLONG_MAX) {
		*out = (long long)v;
		return 1;
	}
	if (sign)
		return 0; /* ParseUint takes no sign */
	*uout = v;
	return 2;
}

/* A float that is a whole number in int64 range reaches the API server as
 * an integer (encoding/json prints 1e3 as 1000), so store it as one. */
static void set_number(struct scalar_value *out, double d)
{
	if (d == trunc(d) && d >= -9223372036854775808.0 &&
	    d < 9223372036854775808.0) {
		out->cls = SCALAR_INT;
		out->i = (long long)d;
	} else {
		out->cls = SCALAR_FLOAT;
		out->d = d;
	}
}

/* ParseFloat on text that passed the float syntax check. 0 when it
 * overflows (go-yaml then keeps the text as a string). */
static int parse_float(const char *s, size_t len, double *d)
{
	char buf[128];
	char *tmp = len < sizeof(buf) ? buf : xmalloc(len + 1);
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	*d = strtod(tmp, NULL);
	int ok = !(errno == ERANGE && isinf(*d));
	if (tmp != buf)
		free(tmp);
	return ok;
}

/* The number branch of go-yaml's resolve(): the text has had its
 * underscores removed already. */
static void resolve_number(const char *s, size_t len, struct scalar_value *out)
{
	long long i;
	unsigned long long u;
	double d;

	switch (parse_go_int(s, len, &i, &u)) {
	case 1:
		out->cls = SCALAR_INT;
		out->i = i;
		return;
	case 2:
		out->cls = SCALAR_FLOAT;
		out->d = (double)u;
		return;
	}
	if (scalar_is_yaml_float(s, len) && parse_float(s, len, &d)) {
		set_number(out, d);
		return;
	}
	out->cls = SCALAR_STRING;
}

void scalar_resolve_plain(const char *s, size_t len, struct scalar_value *out)
{
	out->cls = SCALAR_STRING;
	/* Most scalars are names and values that start with another letter:
	 * only these first characters can begin a word of the table. */
	if (!len || (len <= 5 && strchr("yYnNtTfFoO~.+-<", s[0]))) {
		for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
			if (words[k].len == len &&
			    !memcmp(words[k].text, s, len)) {
				out->cls = words[k].cls;
				return;
			}
		}
	}
	if (!len)
		return;
	char c = s[0];
	if (c == '.') {
		/* ParseFloat of the text as it is: ".5", ".5e3" */
		double d;
		if (scalar_is_yaml_float(s, len) && parse_float(s, len, &d))
			set_number(out, d);
		return;
	}
	if (!(c == '+' || c == '-' || is_digit(c)))
		return;
	if (scalar_is_timestamp(s, len))
		return; /* go-yaml v2 keeps these as strings in interface{} */

	/* go-yaml strips every underscore before the number parsers run */
	char buf[128];
	char *plain = len < sizeof(buf) ? buf : xmalloc(len + 1);
	size_t n = 0;
	for (size_t k = 0; k < len; k++)
		if (s[k] != '_')
			plain[n++] = s[k];
	resolve_number(plain, n, out);
	if (plain != buf)
		free(plain);
}

static int parse_digits(const char *s, size_t len, size_t *i, int min, int max)
{
	int n = 0;
	while (*i < len && is_digit(s[*i]) && n < max) {
		(*i)++;
		n++;
	}
	return n >= min;
}

/*
 * go-yaml v2's timestamp forms: YYYY-M-D, optionally followed by [Tt ]
 * h:m:s[.frac] and, after T/t, a zone (Z or ±hh:mm). Only the shape is
 * checked; it decides quoting, never the value.
 */
int scalar_is_timestamp(const char *s, size_t len)
{
	size_t i = 0;
	if (!parse_digits(s, len, &i, 4, 4) || i != 4 || i >= len ||
	    s[i] != '-')
		return 0;
	i++;
	if (!parse_digits(s, len, &i, 1, 2) || i >= len || s[i] != '-')
		return 0;
	i++;
	if (!parse_digits(s, len, &i, 1, 2))
		return 0;
	if (i == len)
		return 1;
	char sep = s[i];
	if (sep != 'T' && sep != 't' && sep != ' ')
		return 0;
	i++;
	if (!parse_digits(s, len, &i, 1, 2) || i >= len || s[i] != ':')
		return 0;
	i++;
	if (!parse_digits(s, len, &i, 1, 2) || i >= len || s[i] != ':')
		return 0;
	i++;
	if (!parse_digits(s, len, &i, 1, 2))
		return 0;
	if (i < len && s[i] == '.') {
		i++;
		if (!parse_digits(s, len, &i, 1, 9))
			return 0;
	}
	if (sep == ' ')
		return i == len;
	if (i == len)
		return 0;
	if (s[i] == 'Z')
		return i + 1 == len;
	if (s[i] != '+' && s[i] != '-')
		return 0;
	i++;
	if (!parse_digits(s, len, &i, 2, 2) || i >= len || s[i] != ':')
		return 0;
	i++;
	return parse_digits(s, len, &i, 2, 2) && i == len;
}

/* YAML 1.1 sexagesimal numbers ("190:20:30", "1:30.5"), which a 1.1 reader
 * such as PyYAML takes as numbers. */
static int is_base60(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i >= len || !is_digit(s[i]))
		return 0;
	while (i < len && (is_digit(s[i]) || s[i] == '_'))
		i++;
	int groups = 0;
	while (i < len && s[i] == ':') {
		i++;
		size_t d = i;
		while (i < len && is_digit(s[i]) && i - d < 2)
			i++;
		if (i == d || (i - d == 2 && s[d] > '5'))
			return 0;
		groups++;
	}
	if (!groups)
		return 0;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && (is_digit(s[i]) || s[i] == '_'))
			i++;
	}
	return i == len;
}

int scalar_plain_reads_as_other(const char *s, size_t len)
{
	struct scalar_value v;
	scalar_resolve_plain(s, len, &v);
	if (v.cls != SCALAR_STRING)
		return 1;
	/* YAML 1.2 reads "1e400" as a float where go-yaml gives a string;
	 * YAML 1.1 has sexagesimals, timestamps and the "=" value key. */
	if (scalar_is_yaml_float(s, len) || scalar_is_timestamp(s, len) ||
	    is_base60(s, len) || (len == 1 && s[0] == '='))
		return 1;
	return 0;
}

/* Read 1 or 2 digits (Go's getnum with fixed=false). */
static int go_num12(const char *s, size_t len, size_t *i, int *out)
{
	if (*i >= len || !is_digit(s[*i]))
		return 0;
	*out = s[(*i)++] - '0';
	if (*i < len && is_digit(s[*i]))
		*out = *out * 10 + (s[(*i)++] - '0');
	return 1;
}

static int days_in(int month, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };
	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/*
 * go-yaml v3's timestamps: Go's time.Parse with the layouts
 * "2006-1-2T15:4:5.999999999Z07:00" (also with "t"),
 * "2006-1-2 15:4:5.999999999" and "2006-1-2", so fields out of range
 * ("2024-02-30", hour 25) leave the text a string. On success ts holds
 * time.Time's JSON form, RFC 3339 with nanoseconds, trailing zeros of the
 * fraction dropped and "Z" for UTC.
 */
static int kyaml_timestamp(const char *s, size_t len, char *ts, size_t n)
{
	size_t i = 0;
	int year = 0, mon, day, hour = 0, min = 0, sec = 0, off = 0;
	char frac[10] = "";

	for (; i < 4; i++) {
		if (i >= len || !is_digit(s[i]))
			return 0;
		year = year * 10 + (s[i] - '0');
	}
	if (i >= len || s[i++] != '-' || !go_num12(s, len, &i, &mon) ||
	    i >= len || s[i++] != '-' || !go_num12(s, len, &i, &day))
		return 0;
	if (mon < 1 || mon > 12 || day < 1 || day > days_in(mon, year))
		return 0;
	if (i < len) {
		char sep = s[i++];
		if (sep != 'T' && sep != 't' && sep != ' ')
			return 0;
		if (!go_num12(s, len, &i, &hour) || i >= len || s[i++] != ':' ||
		    !go_num12(s, len, &i, &min) || i >= len || s[i++] != ':' ||
		    !go_num12(s, len, &i, &sec))
			return 0;
		if (hour > 23 || min > 59 || sec > 59)
			return 0;
		if (i + 1 < len && (s[i] == '.' || s[i] == ',') &&
		    is_digit(s[i + 1])) {
			size_t nd = 0;
			for (i++; i < len && is_digit(s[i]); i++)
				if (nd < 9)
					frac[nd++] = s[i];
			frac[nd] = '\0';
		}
		if (sep == ' ') {
			if (i != len)
				return 0;
		} else if (i < len && s[i] == 'Z') {
			if (++i != len)
				return 0;
		} else {
			if (len - i != 6 || (s[i] != '+' && s[i] != '-') ||
			    !is_digit(s[i + 1]) || !is_digit(s[i + 2]) ||
			    s[i + 3] != ':' || !is_digit(s[i + 4]) ||
			    !is_digit(s[i + 5]))
				return 0;
			int hh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
			int mm = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
			if (hh > 23 || mm > 59)
				return 0;
			off = (s[i] == '-' ? -1 : 1) * (hh * 60 + mm);
		}
	}
	size_t fl = strlen(frac);
	while (fl && frac[fl - 1] == '0')
		frac[--fl] = '\0';
	int w = snprintf(ts, n, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", year, mon,
			 day, hour, min, sec, fl ? "." : "", frac);
	if (off == 0)
		snprintf(ts + w, n - (size_t)w, "Z");
	else
		snprintf(ts + w, n - (size_t)w, "%c%02d:%02d",
			 off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
	return 1;
}

void scalar_resolve_plain_kyaml(const char *s, size_t len,
				struct scalar_value *out)
{
	/* go-yaml v3's table: the YAML 1.2 core schema's words */
	static const struct word v3words[] = {
		W("true", SCALAR_TRUE),   W("True", SCALAR_TRUE),
		W("TRUE", SCALAR_TRUE),   W("false", SCALAR_FALSE),
		W("False", SCALAR_FALSE), W("FALSE", SCALAR_FALSE),
	};
	for (size_t k = 0; k < sizeof(v3words) / sizeof(v3words[0]); k++) {
		if (v3words[k].len == len && !memcmp(v3words[k].text, s, len)) {
			out->cls = v3words[k].cls;
			return;
		}
	}
	if (len && is_digit(s[0]) &&
	    kyaml_timestamp(s, len, out->ts, sizeof(out->ts))) {
		out->cls = SCALAR_TIMESTAMP;
		return;
	}
	scalar_resolve_plain(s, len, out);
	/* the 1.1 words v2 knows and v3 does not */
	if ((out->cls == SCALAR_TRUE || out->cls == SCALAR_FALSE))
		out->cls = SCALAR_STRING;
}
