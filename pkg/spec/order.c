/* dependsOn: checking it names apps and has no cycle, and the order apps
 * run in. */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/spec/internal.h"

static long app_index(const struct spec_repo *r, const char *name)
{
	for (size_t i = 0; i < r->napps; i++)
		if (!strcmp(r->apps[i].name, name))
			return (long)i;
	return -1;
}

static void app_names(const struct spec_repo *r, struct strbuf *sb)
{
	for (size_t i = 0; i < r->napps; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", r->apps[i].name);
}

/* "FILE:LINE:COL: spec.dependsOn[K]: msg" for app a's dependency k. */
static int dep_fail(const struct spec_app *a, size_t k, struct gerr *err,
		    const char *msg)
{
	return gerr_setc(err, GERR_INPUT, "%s: spec.dependsOn[%zu]: %s",
			 a->depends_where.v[k], k, msg);
}

enum { WHITE, GREY, BLACK };

/* Depth first; a grey app met again closes a cycle, which the stack
 * holds. */
static int visit(const struct spec_repo *r, size_t i, int *color,
		 size_t *stack, size_t depth, struct gerr *err)
{
	const struct spec_app *a = &r->apps[i];
	color[i] = GREY;
	stack[depth] = i;
	for (size_t k = 0; k < a->depends_on.nr; k++) {
		size_t j = (size_t)app_index(r, a->depends_on.v[k]);
		if (color[j] == BLACK)
			continue;
		if (color[j] == GREY) {
			struct strbuf msg = STRBUF_INIT;
			size_t from = 0;
			while (stack[from] != j)
				from++;
			strbuf_addstr(&msg, "a dependency cycle: ");
			for (size_t s = from; s <= depth; s++)
				strbuf_addf(&msg, "%s -> ",
					    r->apps[stack[s]].name);
			strbuf_addstr(&msg, r->apps[j].name);
			dep_fail(a, k, err, msg.buf);
			strbuf_release(&msg);
			return -1;
		}
		if (visit(r, j, color, stack, depth + 1, err) < 0)
			return -1;
	}
	color[i] = BLACK;
	return 0;
}

int spec_check_cycles(struct spec_repo *r, struct gerr *err)
{
	for (size_t i = 0; i < r->napps; i++) {
		const struct spec_app *a = &r->apps[i];
		for (size_t k = 0; k < a->depends_on.nr; k++) {
			const char *d = a->depends_on.v[k];
			if (app_index(r, d) >= 0) {
				if (strvec_find(&a->depends_on, d) < (long)k) {
					struct strbuf m = STRBUF_INIT;
					strbuf_addf(&m, "%s is named twice", d);
					dep_fail(a, k, err, m.buf);
					strbuf_release(&m);
					return -1;
				}
				continue;
			}
			struct strbuf m = STRBUF_INIT;
			strbuf_addf(&m, "no app named %s (apps: ", d);
			app_names(r, &m);
			strbuf_addch(&m, ')');
			dep_fail(a, k, err, m.buf);
			strbuf_release(&m);
			return -1;
		}
	}
	int *color = xcalloc(r->napps + 1, sizeof(*color));
	size_t *stack = xcalloc(r->napps + 1, sizeof(*stack));
	int rc = 0;
	for (size_t i = 0; !rc && i < r->napps; i++)
		if (color[i] == WHITE)
			rc = visit(r, i, color, stack, 0, err);
	free(color);
	free(stack);
	return rc;
}

/* level of app i among the selected: 0 without selected dependencies */
static int level_of(const struct spec_repo *r, size_t i, const int *selected,
		    int *level)
{
	if (level[i] >= 0)
		return level[i];
	int l = 0;
	const struct spec_app *a = &r->apps[i];
	for (size_t k = 0; k < a->depends_on.nr; k++) {
		size_t j = (size_t)app_index(r, a->depends_on.v[k]);
		if (!selected[j])
			continue;
		int dl = level_of(r, j, selected, level) + 1;
		if (dl > l)
			l = dl;
	}
	return level[i] = l;
}

static const struct spec_repo *sort_repo;
static const int *sort_level;

static int cmp_item(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	if (sort_level[a] != sort_level[b])
		return sort_level[a] < sort_level[b] ? -1 : 1;
	return strcmp(sort_repo->apps[a].name, sort_repo->apps[b].name);
}

int spec_order(const struct spec_repo *r, const char *const *names, size_t n,
	       struct spec_order *out, struct gerr *err)
{
	int *selected = xcalloc(r->napps + 1, sizeof(int));
	int *level = xmalloc((r->napps + 1) * sizeof(int));
	size_t *idx = xmalloc((r->napps + 1) * sizeof(size_t));
	size_t count = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		long j = app_index(r, names[i]);
		if (j < 0) {
			struct strbuf m = STRBUF_INIT;
			app_names(r, &m);
			gerr_setc(err, GERR_INPUT, "no app named %s (apps: %s)",
				  names[i], m.len ? m.buf : "none");
			strbuf_release(&m);
			free(selected);
			free(level);
			free(idx);
			return -1;
		}
		selected[j] = 1;
	}
	for (size_t i = 0; i < r->napps; i++) {
		if (!n)
			selected[i] = 1;
		level[i] = -1;
	}
	for (size_t i = 0; i < r->napps; i++)
		if (selected[i]) {
			level_of(r, i, selected, level);
			idx[count++] = i;
		}
	sort_repo = r;
	sort_level = level;
	qsort(idx, count, sizeof(*idx), cmp_item);

	out->v = xcalloc(count + 1, sizeof(*out->v));
	out->n = count;
	for (size_t p = 0; p < count; p++) {
		struct spec_order_item *it = &out->v[p];
		const struct spec_app *a = &r->apps[idx[p]];
		it->app = a;
		it->level = level[idx[p]];
		if (it->level + 1 > out->nlevels)
			out->nlevels = it->level + 1;
		it->after = xcalloc(a->depends_on.nr + 1, sizeof(size_t));
		for (size_t q = 0; q < p; q++)
			if (strvec_find(&a->depends_on,
					r->apps[idx[q]].name) >= 0)
				it->after[it->nafter++] = q;
	}
	free(selected);
	free(level);
	free(idx);
	return 0;
}

void spec_order_clear(struct spec_order *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].after);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* Go's time.ParseDuration, to milliseconds; units ns, us, µs, ms, s, m,
 * h; fractions allowed ("1.5h"); no sign (a timeout is never negative). */
long long spec_parse_duration(const char *s)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 },
		      { "ms", 1 },     { "s", 1e3 },   { "m", 60e3 },
		      { "h", 3600e3 } };
	double total = 0;

	if (!s || !*s)
		return -1;
	if (!strcmp(s, "0"))
		return 0;
	while (*s) {
		char *end;
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return -1;
		double v = strtod(s, &end);
		if (end == s)
			return -1;
		s = end;
		size_t best = 0, bestlen = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (!strncmp(s, units[i].unit, l) && l > bestlen)
				best = i, bestlen = l;
		}
		if (!bestlen)
			return -1;
		total += v * units[best].ms;
		s += bestlen;
	}
	if (total > 9.2e15)
		return -1;
	return (long long)(total + 0.5);
}
