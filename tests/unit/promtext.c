/* A strict checker of Prometheus' text format 0.0.4 (see promtext.h). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "tests/unit/promtext.h"

struct family {
	char *name, *type;
	int help, typed, samples, closed;
};

/* One histogram label set (le left out) and what it has shown. */
struct hist {
	char *family, *labels;
	double last_le, last_count, inf, count;
	int has_inf, has_count, has_sum, buckets;
};

struct check {
	struct family *fam;
	size_t nfam, afam;
	struct hist *hist;
	size_t nhist, ahist;
	struct strvec series;
	struct family *current;
	int line;
	char *why;
};

static int fail(struct check *c, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "line %d: ", c->line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	c->why = strbuf_detach(&sb, NULL);
	return -1;
}

static int name_start(int ch, int colon)
{
	return isalpha(ch) || ch == '_' || (colon && ch == ':');
}

static int name_char(int ch, int colon)
{
	return isalnum(ch) || ch == '_' || (colon && ch == ':');
}

/* A metric (colon 1) or label name at *p; the name, malloc'ed. */
static char *take_name(const char **p, int colon)
{
	const char *s = *p;

	if (!name_start((unsigned char)*s, colon))
		return NULL;
	while (name_char((unsigned char)*s, colon))
		s++;
	char *n = xstrndup(*p, (size_t)(s - *p));
	*p = s;
	return n;
}

/* Go's strconv.ParseFloat, decimal forms only, as the format uses. */
static int parse_float(const char *s, double *v)
{
	const char *p = s;

	if (!strcmp(s, "NaN")) {
		*v = NAN;
		return 0;
	}
	if (!strcmp(s, "+Inf") || !strcmp(s, "Inf")) {
		*v = INFINITY;
		return 0;
	}
	if (!strcmp(s, "-Inf")) {
		*v = -INFINITY;
		return 0;
	}
	if (*p == '+' || *p == '-')
		p++;
	int digits = 0;
	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return -1;
	*v = strtod(s, NULL);
	return 0;
}

static struct family *find_family(struct check *c, const char *name)
{
	for (size_t i = 0; i < c->nfam; i++)
		if (!strcmp(c->fam[i].name, name))
			return &c->fam[i];
	return NULL;
}

/* Lines of a family must form one group: entering another family
 * closes the one before, and a closed family never comes back. */
static int enter(struct check *c, struct family *f)
{
	if (c->current == f)
		return 0;
	if (f->closed)
		return fail(c, "%s: its lines are not one group", f->name);
	if (c->current)
		c->current->closed = 1;
	c->current = f;
	return 0;
}

static int meta_line(struct check *c, const char *p)
{
	int help = !strncmp(p, "# HELP ", 7);
	int type = !strncmp(p, "# TYPE ", 7);

	if (!help && !type)
		return 0; /* a comment */
	p += 7;
	char *name = take_name(&p, 1);
	if (!name)
		return fail(c, "a %s line without a metric name",
			    help ? "HELP" : "TYPE");
	if (*p && *p != ' ') {
		free(name);
		return fail(c, "bad metric name");
	}
	struct family *f = find_family(c, name);
	if (!f) {
		ALLOC_GROW(c->fam, c->nfam + 1, c->afam);
		f = &c->fam[c->nfam++];
		memset(f, 0, sizeof(*f));
		f->name = name;
		f->type = xstrdup("untyped");
	} else {
		free(name);
	}
	if (enter(c, f) < 0)
		return -1;
	if (help) {
		if (f->help++)
			return fail(c, "%s: a second HELP", f->name);
		if (*p != ' ' || !p[1])
			return fail(c, "%s: an empty HELP", f->name);
		for (p++; *p; p++)
			if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
				return fail(c, "%s: HELP escapes only \\\\ and "
					    "\\n", f->name);
			else if (*p == '\\')
				p++;
		return 0;
	}
	if (f->typed++)
		return fail(c, "%s: a second TYPE", f->name);
	if (f->samples)
		return fail(c, "%s: TYPE after its samples", f->name);
	if (*p != ' ')
		return fail(c, "%s: TYPE without a type", f->name);
	p++;
	if (strcmp(p, "counter") && strcmp(p, "gauge") &&
	    strcmp(p, "histogram") && strcmp(p, "summary") &&
	    strcmp(p, "untyped"))
		return fail(c, "%s: unknown type '%s'", f->name, p);
	free(f->type);
	f->type = xstrdup(p);
	if (!strcmp(p, "counter") &&
	    (strlen(f->name) < 6 ||
	     strcmp(f->name + strlen(f->name) - 6, "_total")))
		return fail(c, "counter %s does not end in _total", f->name);
	return 0;
}

/* The family a sample name belongs to, and its suffix. */
static struct family *family_of(struct check *c, const char *name,
				const char **suffix)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	struct family *f = find_family(c, name);

	*suffix = "";
	if (f)
		return f;
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(name), k = strlen(sfx[i]);
		if (n <= k || strcmp(name + n - k, sfx[i]))
			continue;
		char *base = xstrndup(name, n - k);
		f = find_family(c, base);
		free(base);
		if (f && (!strcmp(f->type, "histogram") ||
			  (i && !strcmp(f->type, "summary")))) {
			*suffix = sfx[i];
			return f;
		}
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Labels "{a="1",b="2"}" at *p into sorted "name=value" pairs; le is
 * taken out when want_le. */
static int take_labels(struct check *c, const char **pp, struct strvec *out,
		       char **le)
{
	const char *p = *pp;

	if (*p != '{')
		return 0;
	p++;
	while (*p != '}') {
		char *name = take_name(&p, 0);
		if (!name)
			return fail(c, "bad label name");
		if (!strncmp(name, "__", 2)) {
			free(name);
			return fail(c, "label names starting __ are "
				    "reserved");
		}
		if (*p++ != '=' || *p++ != '"') {
			int rc = fail(c, "label %s: expected =\"", name);
			free(name);
			return rc;
		}
		struct strbuf v = STRBUF_INIT;
		for (; *p && *p != '"'; p++) {
			if (*p == '\\') {
				p++;
				if (*p == 'n')
					strbuf_addch(&v, '\n');
				else if (*p == '\\' || *p == '"')
					strbuf_addch(&v, *p);
				else {
					free(name);
					strbuf_release(&v);
					return fail(c, "bad escape in a label "
						    "value");
				}
			} else {
				strbuf_addch(&v, *p);
			}
		}
		if (*p != '"') {
			free(name);
			strbuf_release(&v);
			return fail(c, "unterminated label value");
		}
		p++;
		for (size_t i = 0; i < out->nr; i++) {
			size_t n = strlen(name);
			if (!strncmp(out->v[i], name, n) &&
			    out->v[i][n] == '=') {
				strbuf_release(&v);
				int rc = fail(c, "label %s twice", name);
				free(name);
				return rc;
			}
		}
		if (le && !strcmp(name, "le") && !*le)
			*le = xstrdup(v.buf);
		strvec_pushf(out, "%s=%s", name, v.buf);
		free(name);
		strbuf_release(&v);
		if (*p == ',')
			p++;
		else if (*p != '}')
			return fail(c, "expected , or } in labels");
	}
	*pp = p + 1;
	if (out->nr)
		qsort(out->v, out->nr, sizeof(*out->v), cmp_str);
	return 0;
}

static struct hist *hist_for(struct check *c, const char *family,
			     const char *labels)
{
	for (size_t i = 0; i < c->nhist; i++)
		if (!strcmp(c->hist[i].family, family) &&
		    !strcmp(c->hist[i].labels, labels))
			return &c->hist[i];
	ALLOC_GROW(c->hist, c->nhist + 1, c->ahist);
	struct hist *h = &c->hist[c->nhist++];
	memset(h, 0, sizeof(*h));
	h->family = xstrdup(family);
	h->labels = xstrdup(labels);
	h->last_le = -INFINITY;
	return h;
}

static int histogram_sample(struct check *c, struct family *f,
			    const char *suffix, const struct strvec *labels,
			    const char *le, double v)
{
	struct strbuf key = STRBUF_INIT;

	for (size_t i = 0; i < labels->nr; i++)
		if (strncmp(labels->v[i], "le=", 3))
			strbuf_addf(&key, "%s,", labels->v[i]);
	struct hist *h = hist_for(c, f->name, key.buf);
	strbuf_release(&key);
	if (!*suffix)
		return fail(c, "%s: a histogram sample needs _bucket, _sum "
			    "or _count", f->name);
	if (!strcmp(suffix, "_sum")) {
		h->has_sum = 1;
		return 0;
	}
	if (!strcmp(suffix, "_count")) {
		h->has_count = 1;
		h->count = v;
		return 0;
	}
	double bound;
	if (!le || parse_float(le, &bound) < 0)
		return fail(c, "%s_bucket without a numeric le label",
			    f->name);
	if (bound <= h->last_le)
		return fail(c, "%s_bucket: le %s is not above the one before",
			    f->name, le);
	if (v < h->last_count)
		return fail(c, "%s_bucket: count %g below the one before",
			    f->name, v);
	h->last_le = bound;
	h->last_count = v;
	h->buckets++;
	if (isinf(bound)) {
		h->has_inf = 1;
		h->inf = v;
	}
	return 0;
}

static int sample_line(struct check *c, const char *p)
{
	struct strvec labels = STRVEC_INIT;
	char *le = NULL, *name = take_name(&p, 1);
	const char *suffix;
	struct family *f;
	int rc = -1;

	if (!name)
		return fail(c, "a sample without a metric name");
	if (!(f = family_of(c, name, &suffix))) {
		rc = fail(c, "%s: a sample before its TYPE", name);
		goto out;
	}
	if (enter(c, f) < 0)
		goto out;
	if (!f->help || !f->typed) {
		rc = fail(c, "%s: no %s before its samples", f->name,
			  f->help ? "TYPE" : "HELP");
		goto out;
	}
	f->samples++;
	if (take_labels(c, &p, &labels,
			!strcmp(f->type, "histogram") ? &le : NULL) < 0)
		goto out;
	/* tokens are separated by any number of blanks and tabs */
	if (*p != ' ' && *p != '\t') {
		rc = fail(c, "%s: expected a blank before the value", name);
		goto out;
	}
	p += strspn(p, " \t");
	size_t vlen = strcspn(p, " \t");
	char *value = xstrndup(p, vlen);
	double v;
	int bad = parse_float(value, &v) < 0;
	free(value);
	if (bad) {
		rc = fail(c, "%s: the value is not a float", name);
		goto out;
	}
	p += vlen;
	p += strspn(p, " \t");
	if (*p) {
		size_t tlen = strcspn(p, " \t");
		const char *t = p + (*p == '-');
		if (t == p + tlen ||
		    strspn(t, "0123456789") != (size_t)(p + tlen - t) ||
		    p[tlen + strspn(p + tlen, " \t")]) {
			rc = fail(c, "%s: the timestamp is not an integer",
				  name);
			goto out;
		}
	}
	struct strbuf key = STRBUF_INIT;
	strbuf_addf(&key, "%s{", name);
	for (size_t i = 0; i < labels.nr; i++)
		strbuf_addf(&key, "%s,", labels.v[i]);
	if (strvec_find(&c->series, key.buf) >= 0) {
		rc = fail(c, "%s: the same series twice", key.buf);
		strbuf_release(&key);
		goto out;
	}
	strvec_push(&c->series, key.buf);
	strbuf_release(&key);
	if (!strcmp(f->type, "counter") && (v < 0 || isnan(v))) {
		rc = fail(c, "counter %s is negative", name);
		goto out;
	}
	if (!strcmp(f->type, "histogram") &&
	    histogram_sample(c, f, suffix, &labels, le, v) < 0)
		goto out;
	rc = 0;
out:
	free(le);
	free(name);
	strvec_clear(&labels);
	return rc;
}

static int finish(struct check *c)
{
	for (size_t i = 0; i < c->nfam; i++)
		if (!c->fam[i].help || !c->fam[i].typed)
			return fail(c, "%s: no %s", c->fam[i].name,
				    c->fam[i].help ? "TYPE" : "HELP");
	for (size_t i = 0; i < c->nhist; i++) {
		struct hist *h = &c->hist[i];
		if (!h->has_inf)
			return fail(c, "%s{%s}: no le=\"+Inf\" bucket",
				    h->family, h->labels);
		if (!h->has_count || !h->has_sum)
			return fail(c, "%s{%s}: no _%s", h->family, h->labels,
				    h->has_count ? "sum" : "count");
		if (h->inf != h->count)
			return fail(c, "%s{%s}: the +Inf bucket (%g) is not "
				    "_count (%g)", h->family, h->labels,
				    h->inf, h->count);
	}
	return 0;
}

int promtext_check(const char *text, char **why)
{
	struct check c = { 0 };
	const char *p = text;
	int rc = 0;

	*why = NULL;
	if (*text && text[strlen(text) - 1] != '\n') {
		c.line = 1;
		for (const char *q = text; *q; q++)
			c.line += *q == '\n';
		rc = fail(&c, "the last line does not end with a newline");
	}
	while (!rc && *p) {
		const char *nl = strchr(p, '\n');
		char *line = xstrndup(p, (size_t)(nl - p));
		c.line++;
		if (strchr(line, '\r'))
			rc = fail(&c, "a carriage return");
		else if (!*line)
			; /* empty lines are ignored */
		else if (line[0] == '#')
			rc = meta_line(&c, line);
		else
			rc = sample_line(&c, line);
		free(line);
		p = nl + 1;
	}
	if (!rc)
		rc = finish(&c);
	for (size_t i = 0; i < c.nfam; i++) {
		free(c.fam[i].name);
		free(c.fam[i].type);
	}
	free(c.fam);
	for (size_t i = 0; i < c.nhist; i++) {
		free(c.hist[i].family);
		free(c.hist[i].labels);
	}
	free(c.hist);
	strvec_clear(&c.series);
	*why = c.why;
	return rc;
}
