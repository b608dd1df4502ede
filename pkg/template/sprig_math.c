/*
 * Sprig's numbers: integer math (add add1 sub mul div mod max biggest min
 * randInt), float math (addf add1f subf mulf divf maxf minf floor ceil
 * round), conversions (atoi int int64 float64 toDecimal) and integer
 * sequences (until untilStep seq).
 *
 * Integer math converts each operand as spf13/cast does (floats truncate,
 * "0x10" and "010" are hex and octal, anything unconvertible is 0) and
 * returns int64 with Go's wrap-around; division by zero fails as Go's
 * runtime does. The f-functions go through shopspring/decimal as Sprig
 * does: each operand becomes the decimal of its shortest float64 digits,
 * the arithmetic is exact (division rounds half away from zero at 16
 * decimal places) and only the result is rounded to a float64 — so
 * addf 0.1 0.2 is 0.3.
 */
#include <math.h>
#include <openssl/bn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "pkg/template/sprig.h"

/* until and friends refuse to build lists longer than this (Go would try
 * and exhaust memory). */
#define MAX_SEQ ((long long)1 << 22)

static int ret_int64(struct tmpl_value **result, unsigned long long u)
{
	*result = tmpl_int64((long long)u);
	return 0;
}

static int f_add(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	unsigned long long a = 0;
	for (size_t i = 0; i < nargs; i++)
		a += (unsigned long long)sprig_to_int64(args[i]);
	return ret_int64(result, a);
}

static int f_add1(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	return ret_int64(result, (unsigned long long)sprig_to_int64(args[0]) + 1);
}

static int f_sub(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	return ret_int64(result, (unsigned long long)sprig_to_int64(args[0]) -
					 (unsigned long long)sprig_to_int64(args[1]));
}

static int f_mul(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	unsigned long long a = (unsigned long long)sprig_to_int64(args[0]);
	for (size_t i = 1; i < nargs; i++)
		a *= (unsigned long long)sprig_to_int64(args[i]);
	return ret_int64(result, a);
}

static int f_div_mod(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	long long a = sprig_to_int64(args[0]), b = sprig_to_int64(args[1]);
	int mod = !strcmp(call->name, "mod");
	if (b == 0)
		return tmpl_call_error(call, "runtime error: integer divide by "
					     "zero");
	if (b == -1)    /* Go wraps MinInt64 / -1 to MinInt64 */
		return ret_int64(result, mod ? 0 : 0 - (unsigned long long)a);
	*result = tmpl_int64(mod ? a % b : a / b);
	return 0;
}

static int f_max_min(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	int want_min = !strcmp(call->name, "min");
	long long a = sprig_to_int64(args[0]);
	for (size_t i = 1; i < nargs; i++) {
		long long b = sprig_to_int64(args[i]);
		if (want_min ? b < a : b > a)
			a = b;
	}
	*result = tmpl_int64(a);
	return 0;
}

/* rand.Intn(max-min) + min */
static int f_rand_int(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	long long lo = args[0]->u.i, hi = args[1]->u.i;
	unsigned long long n = (unsigned long long)hi - (unsigned long long)lo;
	unsigned long long r, limit;
	if ((long long)n <= 0)
		return tmpl_call_error(call, "invalid argument to Intn");
	/* uniform in [0, n) without modulo bias */
	limit = ~0ULL - (~0ULL % n);
	do {
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return tmpl_call_error(call, "no random numbers: getrandom "
						     "failed");
	} while (r >= limit);
	*result = tmpl_int((long long)(r % n + (unsigned long long)lo));
	return 0;
}

/* ---- shopspring/decimal ---- */

struct decimal {
	BIGNUM *v;
	long exp;       /* the value is v * 10^exp */
};

static BN_CTX *bn_ctx(void)
{
	return BN_CTX_new();
}

/* v *= 10^n */
static void scale_up(BIGNUM *v, long n, BN_CTX *ctx)
{
	BIGNUM *p = BN_new(), *ten = BN_new(), *e = BN_new();
	BN_set_word(ten, 10);
	BN_set_word(e, (BN_ULONG)n);
	BN_exp(p, ten, e, ctx);
	BN_mul(v, v, p, ctx);
	BN_free(p);
	BN_free(ten);
	BN_free(e);
}

/* decimal.NewFromFloat: the shortest digits that read back as f. */
static int decimal_from(struct tmpl_call *call, const struct tmpl_value *x,
			struct decimal *d)
{
	double f = sprig_to_float64(x);
	char digits[32];
	int point, n;

	d->v = BN_new();
	d->exp = 0;
	if (isnan(f) || isinf(f))
		return tmpl_call_error(call, "Cannot create a Decimal from %s",
				       isnan(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf");
	if (f == 0)
		return 0;
	n = sprig_shortest(fabs(f), digits, &point);
	BN_dec2bn(&d->v, digits);
	BN_set_negative(d->v, f < 0);
	d->exp = point - n;
	return 0;
}

/* Bring a and b to the smaller exponent. */
static void align(struct decimal *a, struct decimal *b, BN_CTX *ctx)
{
	if (a->exp > b->exp) {
		scale_up(a->v, a->exp - b->exp, ctx);
		a->exp = b->exp;
	} else if (b->exp > a->exp) {
		scale_up(b->v, b->exp - a->exp, ctx);
		b->exp = a->exp;
	}
}

/* DivRound(b, 16): the quotient in units of 1e-16, rounded half away
 * from zero. */
static int decimal_div(struct tmpl_call *call, struct decimal *a,
		       const struct decimal *b, BN_CTX *ctx)
{
	BIGNUM *num = BN_dup(a->v), *den = BN_dup(b->v);
	BIGNUM *q = BN_new(), *r = BN_new();
	long e = a->exp - b->exp + 16;

	if (BN_is_zero(b->v)) {
		BN_free(num);
		BN_free(den);
		BN_free(q);
		BN_free(r);
		return tmpl_call_error(call, "decimal division by zero");
	}
	if (e >= 0)
		scale_up(num, e, ctx);
	else
		scale_up(den, -e, ctx);
	BN_div(q, r, num, den, ctx);    /* truncates toward zero */
	BN_set_negative(r, 0);
	BN_lshift1(r, r);
	BN_set_negative(den, 0);
	if (BN_cmp(r, den) >= 0) {
		int neg = BN_is_negative(a->v) != BN_is_negative(b->v);
		if (neg)
			BN_sub_word(q, 1);
		else
			BN_add_word(q, 1);
	}
	BN_free(a->v);
	a->v = q;
	a->exp = -16;
	BN_free(num);
	BN_free(den);
	BN_free(r);
	return 0;
}

/* The float64 nearest to d. */
static double decimal_float(const struct decimal *d)
{
	char *digits = BN_bn2dec(d->v);
	struct strbuf sb = STRBUF_INIT;
	double f;
	strbuf_addf(&sb, "%se%ld", digits, d->exp);
	f = strtod(sb.buf, NULL);
	OPENSSL_free(digits);
	strbuf_release(&sb);
	return f;
}

/* execDecimalOp: fold the operands into the first with op. */
static int decimal_op(struct tmpl_call *call, const struct tmpl_value *first,
		      struct tmpl_value **rest, size_t nrest, char op,
		      struct tmpl_value **result)
{
	struct decimal acc, x = { NULL, 0 };
	BN_CTX *ctx = bn_ctx();
	int rc = decimal_from(call, first, &acc);

	for (size_t i = 0; rc == 0 && i < nrest; i++) {
		rc = decimal_from(call, rest[i], &x);
		if (rc < 0)
			break;
		switch (op) {
		case '+':
		case '-':
			align(&acc, &x, ctx);
			if (op == '+')
				BN_add(acc.v, acc.v, x.v);
			else
				BN_sub(acc.v, acc.v, x.v);
			break;
		case '*':
			BN_mul(acc.v, acc.v, x.v, ctx);
			acc.exp += x.exp;
			break;
		case '/':
			rc = decimal_div(call, &acc, &x, ctx);
			break;
		}
		BN_free(x.v);
		x.v = NULL;
	}
	if (rc == 0)
		*result = tmpl_float(decimal_float(&acc));
	BN_free(acc.v);
	BN_free(x.v);
	BN_CTX_free(ctx);
	return rc;
}

static int f_addf(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *zero = tmpl_float(0);
	int rc = decimal_op(call, zero, args, nargs, '+', result);
	tmpl_unref(zero);
	return rc;
}

static int f_add1f(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *one = tmpl_int(1);
	int rc = decimal_op(call, args[0], &one, 1, '+', result);
	tmpl_unref(one);
	return rc;
}

static int f_decimal(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	char op = call->name[0] == 's' ? '-' : call->name[0] == 'm' ? '*' : '/';
	return decimal_op(call, args[0], args + 1, nargs - 1, op, result);
}

static int f_maxf_minf(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	int want_min = !strcmp(call->name, "minf");
	double a = sprig_to_float64(args[0]);
	for (size_t i = 1; i < nargs; i++) {
		double b = sprig_to_float64(args[i]);
		/* math.Max / math.Min: NaN wins, and +0 beats -0 */
		if (isnan(a) || isnan(b))
			a = NAN;
		else if (a == 0 && b == 0)
			a = want_min ? (signbit(a) ? a : b) : (signbit(a) ? b : a);
		else if (want_min ? b < a : b > a)
			a = b;
	}
	*result = tmpl_float(a);
	return 0;
}

static int f_floor_ceil(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	double f = sprig_to_float64(args[0]);
	*result = tmpl_float(call->name[0] == 'f' ? floor(f) : ceil(f));
	return 0;
}

/* round X PLACES [ROUND_ON]: Sprig looks only at the fraction's value, so
 * negative numbers round down (round -2.5 0 is -3, round -2.4 0 too). */
static int f_round(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	double on = nargs > 2 ? args[2]->u.f : .5;
	double val = sprig_to_float64(args[0]);
	double pw = pow(10, (double)args[1]->u.i);
	double digit = pw * val, ip;
	double frac = modf(digit, &ip);
	*result = tmpl_float((frac >= on ? ceil(digit) : floor(digit)) / pw);
	return 0;
}

static int f_int64(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_int64(sprig_to_int64(args[0]));
	return 0;
}

static int f_int(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_int(sprig_to_int64(args[0]));
	return 0;
}

static int f_float64(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_float(sprig_to_float64(args[0]));
	return 0;
}

/* strconv.Atoi, errors ignored: a syntax error is 0, an out-of-range
 * number the nearest int. */
static int f_atoi(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	long long x;
	int rc = sprig_parse_int(args[0]->u.str.s, args[0]->u.str.len, 10, &x);
	*result = tmpl_int(rc == -1 ? 0 : x);
	return 0;
}

/* toDecimal: fmt.Sprint(v) read as octal ("0777" and 777 are 511). */
static int f_to_decimal(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	long long x;
	tmpl_sprint(&sb, args, 1);
	if (sprig_parse_int(sb.buf, sb.len, 8, &x) != 0)
		x = 0;
	strbuf_release(&sb);
	*result = tmpl_int64(x);
	return 0;
}

/* untilStep: start, start+step, ... up to stop (exclusive), counting down
 * when stop < start and step < 0; empty when the step leads nowhere. */
static int until_step(struct tmpl_call *call, long long start, long long stop,
		      long long step, struct tmpl_value **out)
{
	struct tmpl_value *l = tmpl_list_new(TMPL_INT);
	unsigned long long span;

	if (stop < start ? step >= 0 : step <= 0) {
		*out = l;
		return 0;
	}
	span = stop < start ? (unsigned long long)start - (unsigned long long)stop
			    : (unsigned long long)stop - (unsigned long long)start;
	if (span / (step < 0 ? 0 - (unsigned long long)step
			     : (unsigned long long)step) >= (unsigned long long)MAX_SEQ) {
		tmpl_unref(l);
		return tmpl_call_error(call, "a sequence from %lld to %lld by "
					     "%lld is longer than gantry builds "
					     "(%lld)", start, stop, step, MAX_SEQ);
	}
	for (long long i = start; stop < start ? i > stop : i < stop;) {
		tmpl_list_push(l, tmpl_int(i));
		/* stop where Go would, without overflowing: the next value
		 * is past stop */
		__int128 next = (__int128)i + step;
		if (step > 0 ? next >= stop : next <= stop)
			break;
		i = (long long)next;
	}
	*out = l;
	return 0;
}

static int f_until(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	long long count = args[0]->u.i;
	return until_step(call, 0, count, count < 0 ? -1 : 1, result);
}

static int f_until_step(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	return until_step(call, args[0]->u.i, args[1]->u.i, args[2]->u.i,
			  result);
}

/* Go's int addition, which wraps */
static long long wrap_add(long long a, long long b)
{
	return (long long)((unsigned long long)a + (unsigned long long)b);
}

/* seq: like the Unix command — seq END, seq START END, seq START STEP END
 * — as a space-separated string. */
static int f_seq(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	long long start = 1, end, step = 1;
	struct tmpl_value *l = NULL;
	struct strbuf sb = STRBUF_INIT;

	switch (nargs) {
	case 1:
		end = args[0]->u.i;
		step = end < start ? -1 : 1;
		break;
	case 2:
		start = args[0]->u.i;
		end = args[1]->u.i;
		step = end < start ? -1 : 1;
		break;
	case 3:
		start = args[0]->u.i;
		step = args[1]->u.i;
		end = args[2]->u.i;
		if (end < start && step > 0) {
			*result = tmpl_stringn("", 0);
			return 0;
		}
		if (until_step(call, start, wrap_add(end, end < start ? -1 : 1),
			       step, &l) < 0)
			return -1;
		break;
	default:
		*result = tmpl_stringn("", 0);
		return 0;
	}
	if (!l && until_step(call, start, wrap_add(end, step), step, &l) < 0)
		return -1;
	for (size_t i = 0; i < tmpl_list_len(l); i++)
		strbuf_addf(&sb, i ? " %lld" : "%lld", tmpl_list_get(l, i)->u.i);
	tmpl_unref(l);
	*result = tmpl_string_buf(&sb);
	return 0;
}

const struct tmpl_func sprig_math_funcs[] = {
	{ "add", f_add, "...any -> int64", 0 },
	{ "add1", f_add1, "any -> int64", 0 },
	{ "add1f", f_add1f, "any -> float64", 0 },
	{ "addf", f_addf, "...any -> float64", 0 },
	{ "atoi", f_atoi, "string -> int", 0 },
	{ "biggest", f_max_min, "any, ...any -> int64", 0 },
	{ "ceil", f_floor_ceil, "any -> float64", 0 },
	{ "div", f_div_mod, "any, any -> int64", 0 },
	{ "divf", f_decimal, "any, ...any -> float64", 0 },
	{ "float64", f_float64, "any -> float64", 0 },
	{ "floor", f_floor_ceil, "any -> float64", 0 },
	{ "int", f_int, "any -> int", 0 },
	{ "int64", f_int64, "any -> int64", 0 },
	{ "max", f_max_min, "any, ...any -> int64", 0 },
	{ "maxf", f_maxf_minf, "any, ...any -> float64", 0 },
	{ "min", f_max_min, "any, ...any -> int64", 0 },
	{ "minf", f_maxf_minf, "any, ...any -> float64", 0 },
	{ "mod", f_div_mod, "any, any -> int64", 0 },
	{ "mul", f_mul, "any, ...any -> int64", 0 },
	{ "mulf", f_decimal, "any, ...any -> float64", 0 },
	{ "randInt", f_rand_int, "int, int -> int", 0 },
	{ "round", f_round, "any, int, ...float64 -> float64", 0 },
	{ "seq", f_seq, "...int -> string", 0 },
	{ "sub", f_sub, "any, any -> int64", 0 },
	{ "subf", f_decimal, "any, ...any -> float64", 0 },
	{ "toDecimal", f_to_decimal, "any -> int64", 0 },
	{ "until", f_until, "int -> []int", 0 },
	{ "untilStep", f_until_step, "int, int, int -> []int", 0 },
	{ NULL, NULL, NULL, 0 },
};
