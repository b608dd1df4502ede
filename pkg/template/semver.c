/*
 * Semantic versions and constraints: see semver.h.
 *
 * The constraint grammar of the library is defined by its regular
 * expressions, quirks included (a "|" is accepted inside a version number
 * because the character classes are written [0-9|x|X|\*]). To accept
 * exactly what it accepts, the same expressions run here on PCRE2, with
 * Go's \s spelled out ([\t\n\f\r ], no vertical tab) and $ matching only
 * at the very end as in Go.
 */
#include "pkg/template/semver.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"

static const char *const err_invalid = "Invalid Semantic Version";

/* ---- versions ---- */

static int is_ident_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-';
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* strconv.ParseUint(s, 10, 64) on a run of digits. */
static int parse_segment(const char *s, size_t n, unsigned long long *out,
			 struct gerr *err, const char *prefix)
{
	unsigned long long x = 0;
	if (!n)
		return gerr_set(err, "%sstrconv.ParseUint: parsing \"\": "
				     "invalid syntax", prefix);
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (~0ULL - d) / 10)
			return gerr_set(err, "%sstrconv.ParseUint: parsing "
					     "\"%.*s\": value out of range",
					prefix, (int)n, s);
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

/* Dot-separated identifiers of [0-9A-Za-z-]+; returns the length. */
static size_t scan_idents(const char *s)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (is_ident_char(s[i]))
			i++;
		if (i == start)
			return 0;
		if (s[i] != '.' || !is_ident_char(s[i + 1]))
			return i;
		i++;
	}
}

/* validatePrerelease: numeric identifiers may not have leading zeros. */
static int check_prerelease(const char *pre, struct gerr *err)
{
	const char *p = pre;
	while (*p) {
		size_t n = strcspn(p, ".");
		if (all_digits(p, n) && n > 1 && p[0] == '0')
			return gerr_set(err, "Version segment starts with 0");
		for (size_t i = 0; i < n; i++)
			if (!is_ident_char(p[i]))
				return gerr_set(err, "Invalid Prerelease string");
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

static int check_metadata(const char *meta, struct gerr *err)
{
	for (const char *p = meta; *p; p++)
		if (*p != '.' && !is_ident_char(*p))
			return gerr_set(err, "Invalid Metadata string");
	return 0;
}

static void fill(struct semver *v, const char *orig, const char *pre,
		 size_t plen, const char *meta, size_t mlen)
{
	v->pre = xstrndup(pre ? pre : "", plen);
	v->meta = xstrndup(meta ? meta : "", mlen);
	v->original = xstrdup(orig);
}

int semver_parse(const char *s, struct semver *v, struct gerr *err)
{
	static const char *const pfx = "Error parsing version segment: ";
	const char *p = s, *num[3] = { NULL, NULL, NULL };
	size_t nlen[3] = { 0, 0, 0 };
	const char *pre = NULL, *meta = NULL;
	size_t plen = 0, mlen = 0;
	unsigned long long seg[3] = { 0, 0, 0 };

	memset(v, 0, sizeof(*v));
	if (*p == 'v')
		p++;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (p[0] != '.' || p[1] < '0' || p[1] > '9')
				break;
			p++;
		}
		num[i] = p;
		while (*p >= '0' && *p <= '9')
			p++;
		nlen[i] = (size_t)(p - num[i]);
		if (!nlen[i])
			return gerr_set(err, "%s", err_invalid);
	}
	if (*p == '-') {
		pre = p + 1;
		plen = scan_idents(pre);
		if (!plen)
			return gerr_set(err, "%s", err_invalid);
		p = pre + plen;
	}
	if (*p == '+') {
		meta = p + 1;
		mlen = scan_idents(meta);
		if (!mlen)
			return gerr_set(err, "%s", err_invalid);
		p = meta + mlen;
	}
	if (*p)
		return gerr_set(err, "%s", err_invalid);
	for (int i = 0; i < 3; i++)
		if (num[i] && parse_segment(num[i], nlen[i], &seg[i], err,
					    pfx) < 0)
			return -1;
	fill(v, s, pre, plen, meta, mlen);
	v->major = seg[0];
	v->minor = seg[1];
	v->patch = seg[2];
	if (check_prerelease(v->pre, err) < 0 ||
	    check_metadata(v->meta, err) < 0) {
		semver_release(v);
		return -1;
	}
	return 0;
}

int semver_parse_strict(const char *s, struct semver *v, struct gerr *err)
{
	const char *dot1, *dot2, *plus, *dash;
	const char *part[3];
	size_t plen[3];
	unsigned long long seg[3];

	memset(v, 0, sizeof(*v));
	if (!*s)
		return gerr_set(err, "Version string empty");
	dot1 = strchr(s, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2)
		return gerr_set(err, "%s", err_invalid);
	/* the third part holds the patch, then "+meta", then "-pre" is
	 * split from what is left, as the library does */
	plus = strchr(dot2 + 1, '+');
	size_t rest = plus ? (size_t)(plus - dot2 - 1) : strlen(dot2 + 1);
	dash = memchr(dot2 + 1, '-', rest);
	part[0] = s;
	plen[0] = (size_t)(dot1 - s);
	part[1] = dot1 + 1;
	plen[1] = (size_t)(dot2 - dot1 - 1);
	part[2] = dot2 + 1;
	plen[2] = dash ? (size_t)(dash - part[2]) : rest;
	fill(v, s, dash ? dash + 1 : NULL,
	     dash ? rest - plen[2] - 1 : 0, plus ? plus + 1 : NULL,
	     plus ? strlen(plus + 1) : 0);
	if ((plus && check_metadata(v->meta, err) < 0) ||
	    (dash && check_prerelease(v->pre, err) < 0))
		goto fail;
	for (int i = 0; i < 3; i++) {
		if (!all_digits(part[i], plen[i])) {
			gerr_set(err, "Invalid characters in version");
			goto fail;
		}
		if (plen[i] > 1 && part[i][0] == '0') {
			gerr_set(err, "Version segment starts with 0");
			goto fail;
		}
	}
	for (int i = 0; i < 3; i++)
		if (parse_segment(part[i], plen[i], &seg[i], err, "") < 0)
			goto fail;
	v->major = seg[0];
	v->minor = seg[1];
	v->patch = seg[2];
	return 0;
fail:
	semver_release(v);
	return -1;
}

void semver_release(struct semver *v)
{
	free(v->pre);
	free(v->meta);
	free(v->original);
	memset(v, 0, sizeof(*v));
}

static int cmp_u64(unsigned long long a, unsigned long long b)
{
	return a < b ? -1 : a > b;
}

/* A numeric pre-release identifier: what strconv.ParseUint accepts. */
static int pre_number(const char *s, size_t n, unsigned long long *x)
{
	return n && all_digits(s, n) && parse_segment(s, n, x, NULL, "") == 0;
}

/* comparePrePart: numbers sort before words; a missing part sorts first. */
static int compare_pre_part(const char *s, size_t sn, const char *o,
			    size_t on)
{
	unsigned long long si, oi;
	int snum, onum, c;

	if (sn == on && !memcmp(s, o, sn))
		return 0;
	if (!sn)
		return -1;
	if (!on)
		return 1;
	snum = pre_number(s, sn, &si);
	onum = pre_number(o, on, &oi);
	if (!snum && !onum) {
		c = memcmp(s, o, sn < on ? sn : on);
		if (!c)
			c = sn < on ? -1 : 1;
		return c > 0 ? 1 : -1;
	}
	if (!onum)
		return -1;
	if (!snum)
		return 1;
	return si > oi ? 1 : -1;
}

static int compare_prerelease(const char *a, const char *b)
{
	while (*a || *b) {
		size_t an = strcspn(a, "."), bn = strcspn(b, ".");
		int d = compare_pre_part(a, an, b, bn);
		if (d)
			return d;
		a += an;
		b += bn;
		if (*a)
			a++;
		if (*b)
			b++;
	}
	return 0;
}

int semver_compare(const struct semver *a, const struct semver *b)
{
	int d;
	if ((d = cmp_u64(a->major, b->major)) ||
	    (d = cmp_u64(a->minor, b->minor)) ||
	    (d = cmp_u64(a->patch, b->patch)))
		return d;
	if (!*a->pre && !*b->pre)
		return 0;
	if (!*a->pre)
		return 1;
	if (!*b->pre)
		return -1;
	return compare_prerelease(a->pre, b->pre);
}

void semver_format(struct strbuf *out, const struct semver *v)
{
	strbuf_addf(out, "%llu.%llu.%llu", v->major, v->minor, v->patch);
	if (*v->pre)
		strbuf_addf(out, "-%s", v->pre);
	if (*v->meta)
		strbuf_addf(out, "+%s", v->meta);
}

/* ---- constraints ---- */

enum op { OP_TILDE_OR_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE,
	  OP_CARET };

struct constraint {
	enum op op;
	struct semver con;
	int dirty, minor_dirty, patch_dirty;
};

struct semver_constraints {
	/* an OR of ANDs: and[i] holds nand[i] constraints */
	struct constraint **and;
	size_t *nand;
	size_t nor;
};

#define S "[\\t\\n\\f\\r ]"
#define OPS "=||!=|>|<|>=|=>|<=|=<|~|~>|\\^"
#define CV "v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?" \
	   "(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?" \
	   "(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?"

enum { RE_ONE, RE_RANGE, RE_FIND, RE_VALID, RE_COUNT };

static const char *const re_src[RE_COUNT] = {
	"^" S "*(" OPS ")" S "*(" CV ")" S "*$",
	S "*(" CV ")" S "+-" S "+(" CV ")" S "*",
	"(" OPS ")" S "*(" CV ")",
	"^(" S "*(" OPS ")" S "*(" CV ")" S "*)((?:" S "+|," S "*)(" OPS ")"
	S "*(" CV ")" S "*)*$",
};

static pcre2_code *re[RE_COUNT];
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void compile_all(void)
{
	for (int i = 0; i < RE_COUNT; i++) {
		int code;
		PCRE2_SIZE off;
		re[i] = pcre2_compile((PCRE2_SPTR)re_src[i],
				      PCRE2_ZERO_TERMINATED,
				      PCRE2_DOLLAR_ENDONLY, &code, &off, NULL);
		/* fixed patterns: a failure is a bug in this file */
		if (!re[i])
			abort();
	}
}

/* Match re at or after start; fills ov (pairs of offsets, unset groups
 * PCRE2_UNSET). Returns the number of pairs, or 0 for no match. */
static int match(int which, const char *s, size_t len, size_t start,
		 PCRE2_SIZE **ov, pcre2_match_data **md)
{
	*md = pcre2_match_data_create_from_pattern(re[which], NULL);
	int rc = pcre2_match(re[which], (PCRE2_SPTR)s, len, start, 0, *md,
			     NULL);
	*ov = pcre2_get_ovector_pointer(*md);
	return rc > 0 ? rc : 0;
}

static char *group(const char *s, const PCRE2_SIZE *ov, int n, int g)
{
	if (g >= n || ov[2 * g] == PCRE2_UNSET)
		return xstrdup("");
	return xstrndup(s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

/* rewriteRange: "A - B" becomes ">= A, <= B" (first occurrence of each
 * matched text, as strings.Replace(o, match, t, 1) does). */
static char *rewrite_range(const char *in)
{
	struct strbuf o = STRBUF_INIT;
	size_t len = strlen(in), start = 0;
	strbuf_addstr(&o, in);
	while (start <= len) {
		PCRE2_SIZE *ov;
		pcre2_match_data *md;
		int n = match(RE_RANGE, in, len, start, &ov, &md);
		if (!n) {
			pcre2_match_data_free(md);
			break;
		}
		char *whole = group(in, ov, n, 0);
		char *a = group(in, ov, n, 1), *b = group(in, ov, n, 11);
		char *at = strstr(o.buf, whole);
		if (at) {
			struct strbuf r = STRBUF_INIT;
			strbuf_add(&r, o.buf, (size_t)(at - o.buf));
			strbuf_addf(&r, ">= %s, <= %s", a, b);
			strbuf_addstr(&r, at + strlen(whole));
			strbuf_release(&o);
			o = r;
		}
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		free(whole);
		free(a);
		free(b);
		pcre2_match_data_free(md);
	}
	return strbuf_detach(&o, NULL);
}

static int is_x(const char *s)
{
	return !strcmp(s, "x") || !strcmp(s, "X") || !strcmp(s, "*");
}

static enum op op_of(const char *s)
{
	static const struct {
		const char *s;
		enum op op;
	} ops[] = {
		{ "", OP_TILDE_OR_EQ }, { "=", OP_TILDE_OR_EQ }, { "!=", OP_NE },
		{ ">", OP_GT },  { "<", OP_LT },  { ">=", OP_GE }, { "=>", OP_GE },
		{ "<=", OP_LE }, { "=<", OP_LE }, { "~", OP_TILDE },
		{ "~>", OP_TILDE }, { "^", OP_CARET },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(s, ops[i].s))
			return ops[i].op;
	return OP_TILDE_OR_EQ;
}

/* parseConstraint: one "OP VERSION", wildcards making it "dirty". */
static int parse_one(const char *s, struct constraint *c, struct gerr *err)
{
	PCRE2_SIZE *ov;
	pcre2_match_data *md;
	int n = match(RE_ONE, s, strlen(s), 0, &ov, &md);
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if (!n) {
		pcre2_match_data_free(md);
		return gerr_set(err, "improper constraint: %s", s);
	}
	char *op = group(s, ov, n, 1), *ver = group(s, ov, n, 2);
	char *maj = group(s, ov, n, 3), *min = group(s, ov, n, 4);
	char *pat = group(s, ov, n, 5), *pre = group(s, ov, n, 6);
	char *use = NULL;

	c->op = op_of(op);
	if (is_x(maj) || !*maj) {
		use = xasprintf("0.0.0%s", pre);
		c->dirty = 1;
	} else if (!*min || is_x(min + 1)) {
		use = xasprintf("%s.0.0%s", maj, pre);
		c->dirty = c->minor_dirty = 1;
	} else if (!*pat || is_x(pat + 1)) {
		use = xasprintf("%s%s.0%s", maj, min, pre);
		c->dirty = c->patch_dirty = 1;
	}
	if (semver_parse(use ? use : ver, &c->con, NULL) < 0)
		rc = gerr_set(err, "constraint Parser Error");
	free(use);
	free(op);
	free(ver);
	free(maj);
	free(min);
	free(pat);
	free(pre);
	pcre2_match_data_free(md);
	return rc;
}

/* Parse one OR-segment of ANDs; returns the number of constraints. */
static int parse_and(const char *seg, struct constraint **out,
		     struct gerr *err)
{
	size_t len = strlen(seg), start = 0, nr = 0, alloc = 0;
	PCRE2_SIZE *ov;
	pcre2_match_data *md;
	struct constraint *cs = NULL;

	if (!match(RE_VALID, seg, len, 0, &ov, &md)) {
		pcre2_match_data_free(md);
		return gerr_set(err, "improper constraint: %s", seg);
	}
	pcre2_match_data_free(md);
	while (start < len) {
		int n = match(RE_FIND, seg, len, start, &ov, &md);
		if (!n) {
			pcre2_match_data_free(md);
			break;
		}
		char *one = group(seg, ov, n, 0);
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		pcre2_match_data_free(md);
		ALLOC_GROW(cs, nr + 1, alloc);
		int rc = parse_one(one, &cs[nr], err);
		free(one);
		if (rc < 0)
			goto fail;
		nr++;
	}
	*out = cs;
	return (int)nr;
fail:
	for (size_t i = 0; i < nr; i++)
		semver_release(&cs[i].con);
	free(cs);
	return -1;
}

struct semver_constraints *semver_constraints_parse(const char *s,
						    struct gerr *err)
{
	struct semver_constraints *c = xcalloc(1, sizeof(*c));
	char *text;
	const char *p;

	pthread_once(&re_once, compile_all);
	text = rewrite_range(s);
	p = text;
	for (;;) {
		const char *bar = strstr(p, "||");
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		char *seg = xstrndup(p, n);
		struct constraint *cs = NULL;
		int nr = parse_and(seg, &cs, err);
		free(seg);
		if (nr < 0) {
			free(text);
			semver_constraints_free(c);
			return NULL;
		}
		c->and = xrealloc(c->and, (c->nor + 1) * sizeof(*c->and));
		c->nand = xrealloc(c->nand, (c->nor + 1) * sizeof(*c->nand));
		c->and[c->nor] = cs;
		c->nand[c->nor] = (size_t)nr;
		c->nor++;
		if (!bar)
			break;
		p = bar + 2;
	}
	free(text);
	return c;
}

void semver_constraints_free(struct semver_constraints *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nor; i++) {
		for (size_t j = 0; j < c->nand[i]; j++)
			semver_release(&c->and[i][j].con);
		free(c->and[i]);
	}
	free(c->and);
	free(c->nand);
	free(c);
}

/* ---- the checks, one per operator ---- */

static int check_tilde(const struct semver *v, const struct constraint *c)
{
	const struct semver *k = &c->con;
	if (semver_compare(v, k) < 0)
		return 0;
	/* ~0.0.0 accepts everything, like >=0.0.0 */
	if (!k->major && !k->minor && !k->patch && !c->minor_dirty &&
	    !c->patch_dirty)
		return 1;
	if (v->major != k->major)
		return 0;
	if (v->minor != k->minor && !c->minor_dirty)
		return 0;
	return 1;
}

static int check_ne(const struct semver *v, const struct constraint *c)
{
	const struct semver *k = &c->con;
	if (c->dirty) {
		if (*v->pre && !*k->pre)
			return 0;
		if (k->major != v->major)
			return 1;
		if (k->minor != v->minor && !c->minor_dirty)
			return 1;
		else if (c->minor_dirty)
			return 0;
		else if (k->patch != v->patch && !c->patch_dirty)
			return 1;
		else if (c->patch_dirty) {
			if (*v->pre || *k->pre)
				return compare_prerelease(v->pre, k->pre) != 0;
			return 0;
		}
	}
	return semver_compare(v, k) != 0;
}

static int check_gt(const struct semver *v, const struct constraint *c)
{
	const struct semver *k = &c->con;
	if (!c->dirty)
		return semver_compare(v, k) > 0;
	if (v->major != k->major)
		return v->major > k->major;
	if (c->minor_dirty)
		return 0;
	if (c->patch_dirty)
		return v->minor > k->minor;
	return semver_compare(v, k) > 0;
}

static int check_le(const struct semver *v, const struct constraint *c)
{
	const struct semver *k = &c->con;
	if (!c->dirty)
		return semver_compare(v, k) <= 0;
	if (v->major > k->major)
		return 0;
	if (v->major == k->major && v->minor > k->minor && !c->minor_dirty)
		return 0;
	return 1;
}

static int check_caret(const struct semver *v, const struct constraint *c)
{
	const struct semver *k = &c->con;
	if (semver_compare(v, k) < 0)
		return 0;
	/* ^1.2.3 is >=1.2.3 <2.0.0 */
	if (k->major > 0 || c->minor_dirty)
		return v->major == k->major;
	if (v->major > 0)
		return 0;
	/* ^0.2.3 is >=0.2.3 <0.3.0 */
	if (k->minor > 0 || c->patch_dirty)
		return v->minor == k->minor;
	if (v->minor > 0)
		return 0;
	/* ^0.0.3 is =0.0.3 */
	return k->patch == v->patch;
}

static int check_one(const struct semver *v, const struct constraint *c)
{
	/* a pre-release only satisfies a constraint that has one
	 * (Masterminds/semver issue 21); != applies this only when dirty */
	if (c->op != OP_NE && *v->pre && !*c->con.pre)
		return 0;
	switch (c->op) {
	case OP_TILDE_OR_EQ:
		return c->dirty ? check_tilde(v, c)
				: semver_compare(v, &c->con) == 0;
	case OP_NE:
		return check_ne(v, c);
	case OP_GT:
		return check_gt(v, c);
	case OP_LT:
		return semver_compare(v, &c->con) < 0;
	case OP_GE:
		return semver_compare(v, &c->con) >= 0;
	case OP_LE:
		return check_le(v, c);
	case OP_TILDE:
		return check_tilde(v, c);
	case OP_CARET:
		return check_caret(v, c);
	}
	return 0;
}

int semver_constraints_check(const struct semver_constraints *c,
			     const struct semver *v)
{
	for (size_t i = 0; i < c->nor; i++) {
		size_t j;
		for (j = 0; j < c->nand[i]; j++)
			if (!check_one(v, &c->and[i][j]))
				break;
		if (j == c->nand[i])
			return 1;
	}
	return 0;
}
