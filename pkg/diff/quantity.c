/* Kubernetes quantities compared by value.
 *
 * The API server stores a quantity in its canonical form ("0.5" becomes
 * "500m", "1024Mi" becomes "1Gi"), so a manifest's spelling and the live
 * one differ while nothing changes. A quantity is a decimal number with
 * an optional suffix: binary (Ki Mi Gi Ti Pi Ei), decimal SI (n u m k M G
 * T P E) or an exponent (e3, E-2). Values are compared exactly, in units
 * of 10^-9 (the smallest the server keeps) held in 128 bits; what does not
 * fit compares by spelling only. */
#include <stdio.h>
#include <string.h>

#include "pkg/base/strbuf.h"
#include "pkg/diff/internal.h"
#include "pkg/yaml/yaml.h"

typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)

static int mul(u128 *v, u128 by)
{
	if (by && *v > U128_MAX / by)
		return -1;
	*v *= by;
	return 0;
}

/* *m = *m * 10 + digit; -1 when that does not fit. */
static int push_digit(u128 *m, char digit)
{
	u128 d = (u128)(digit - '0');

	if (mul(m, 10) < 0 || *m > U128_MAX - d)
		return -1;
	*m += d;
	return 0;
}

/* Parse s into a sign and a magnitude in nano units; -1 when it is not a
 * quantity or the value does not fit exactly. */
static int parse(const char *s, int *neg, u128 *nano)
{
	u128 m = 0;
	int e10 = 9, e2 = 0, digits = 0;

	*neg = 0;
	if (*s == '+' || *s == '-')
		*neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		if (push_digit(&m, *s) < 0)
			return -1;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++, e10--)
			if (push_digit(&m, *s) < 0)
				return -1;
	}
	if (!digits)
		return -1;
	static const struct { const char *sfx; int e10, e2; } sfx[] = {
		{ "Ki", 0, 10 }, { "Mi", 0, 20 }, { "Gi", 0, 30 },
		{ "Ti", 0, 40 }, { "Pi", 0, 50 }, { "Ei", 0, 60 },
		{ "n", -9, 0 },  { "u", -6, 0 },  { "m", -3, 0 },
		{ "k", 3, 0 },   { "M", 6, 0 },   { "G", 9, 0 },
		{ "T", 12, 0 },  { "P", 15, 0 },  { "E", 18, 0 },
		{ "", 0, 0 },
	};
	if ((*s == 'e' || *s == 'E') &&
	    (s[1] == '+' || s[1] == '-' || (s[1] >= '0' && s[1] <= '9'))) {
		int sign = 1, x = 0;
		s++;
		if (*s == '+' || *s == '-')
			sign = *s++ == '-' ? -1 : 1;
		if (!*s)
			return -1;
		for (; *s >= '0' && *s <= '9'; s++)
			if ((x = x * 10 + (*s - '0')) > 100)
				return -1;
		if (*s)
			return -1;
		e10 += sign * x;
	} else {
		size_t i;
		for (i = 0; strcmp(sfx[i].sfx, s); i++)
			if (!*sfx[i].sfx)
				return -1;
		e10 += sfx[i].e10;
		e2 = sfx[i].e2;
	}
	if (mul(&m, (u128)1 << e2) < 0)
		return -1;
	for (; e10 > 0; e10--)
		if (mul(&m, 10) < 0)
			return -1;
	for (; e10 < 0; e10++) {
		if (m % 10)
			return -1; /* finer than a nano unit */
		m /= 10;
	}
	*nano = m;
	return 0;
}

static const char *text(const json_t *v, struct strbuf *buf)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		strbuf_addf(buf, "%lld", (long long)json_integer_value(v));
		return buf->buf;
	}
	if (json_is_real(v)) {
		yaml_format_float(buf, json_real_value(v));
		return buf->buf;
	}
	return NULL;
}

int quantity_equal(const json_t *a, const json_t *b)
{
	struct strbuf ba = STRBUF_INIT, bb = STRBUF_INIT;
	const char *sa = text(a, &ba), *sb = text(b, &bb);
	int na, nb, eq = 0;
	u128 va, vb;

	if (sa && sb && parse(sa, &na, &va) == 0 && parse(sb, &nb, &vb) == 0)
		eq = va == vb && (na == nb || va == 0);
	strbuf_release(&ba);
	strbuf_release(&bb);
	return eq;
}
