/* Unified diffs of two texts, as GNU diff -u prints them.
 *
 * Lines are matched with Myers' O(ND) algorithm after the common head and
 * tail are set aside (the YAML of an object and its update share most
 * lines). A middle so different that D passes MAX_D is shown as removed
 * and added whole, which keeps memory bounded (the trace is O(D^2)). */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/diff/internal.h"

#define MAX_D 1000

struct line {
	const char *s;
	size_t len;     /* without the '\n' */
};

struct lines {
	struct line *v;
	size_t nr, alloc;
};

struct edit {
	char op;        /* ' ', '-', '+' */
	const struct line *l;
};

struct script {
	struct edit *v;
	size_t nr, alloc;
};

static void split(const char *s, struct lines *out)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		out->v[out->nr].s = s;
		out->v[out->nr++].len = len;
		s += len + (nl ? 1 : 0);
	}
}

static int same(const struct line *a, const struct line *b)
{
	return a->len == b->len && !memcmp(a->s, b->s, a->len);
}

static void push(struct script *sc, char op, const struct line *l)
{
	ALLOC_GROW(sc->v, sc->nr + 1, sc->alloc);
	sc->v[sc->nr].op = op;
	sc->v[sc->nr++].l = l;
}

/* The edits turning a[0..n) into b[0..m), appended to sc. */
static void myers(const struct line *a, long n, const struct line *b, long m,
		  struct script *sc)
{
	long max = n + m, d, k, x, y;
	long *v = xcalloc((size_t)(2 * max + 3), sizeof(long));
	long **trace = xcalloc((size_t)(max + 1), sizeof(long *));
	long off = max + 1, found = -1;

	for (d = 0; d <= max && d <= MAX_D && found < 0; d++) {
		for (k = -d; k <= d; k += 2) {
			if (k == -d ||
			    (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < n && y < m && same(&a[x], &b[y]))
				x++, y++;
			v[off + k] = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
		/* V after round d, for k in [-d, d] */
		size_t width = (size_t)(2 * d + 1) * sizeof(long);
		trace[d] = xmalloc(width);
		memcpy(trace[d], &v[off - d], width);
	}
	if (found < 0) {
		for (x = 0; x < n; x++)
			push(sc, '-', &a[x]);
		for (y = 0; y < m; y++)
			push(sc, '+', &b[y]);
	} else {
		/* walk back from (n, m), collecting edits in reverse */
		struct script rev = { NULL, 0, 0 };
		x = n;
		y = m;
		for (d = found; d > 0; d--) {
			long *pv = trace[d - 1]; /* index k + (d - 1) */
			long pk, px, py;
			k = x - y;
			if (k == -d ||
			    (k != d && pv[k - 1 + d - 1] < pv[k + 1 + d - 1]))
				pk = k + 1;
			else
				pk = k - 1;
			px = pv[pk + d - 1];
			py = px - pk;
			for (; x > px && y > py; x--, y--)
				push(&rev, ' ', &a[x - 1]);
			if (x == px)
				push(&rev, '+', &b[--y]);
			else
				push(&rev, '-', &a[--x]);
		}
		for (; x > 0; x--, y--)
			push(&rev, ' ', &a[x - 1]);
		for (size_t i = rev.nr; i-- > 0;)
			push(sc, rev.v[i].op, rev.v[i].l);
		free(rev.v);
	}
	for (d = 0; d <= max && trace[d]; d++)
		free(trace[d]);
	free(trace);
	free(v);
}

/* Within each run of changes, removals before additions (as GNU diff). */
static void order_runs(struct script *sc)
{
	size_t i = 0;
	while (i < sc->nr) {
		if (sc->v[i].op == ' ') {
			i++;
			continue;
		}
		size_t j = i, w = i;
		while (j < sc->nr && sc->v[j].op != ' ')
			j++;
		struct edit *tmp = xmalloc((j - i) * sizeof(*tmp));
		for (size_t r = i; r < j; r++)
			if (sc->v[r].op == '-')
				tmp[w++ - i] = sc->v[r];
		for (size_t r = i; r < j; r++)
			if (sc->v[r].op == '+')
				tmp[w++ - i] = sc->v[r];
		memcpy(&sc->v[i], tmp, (j - i) * sizeof(*tmp));
		free(tmp);
		i = j;
	}
}

/* GNU's range: "START" for one line, "START,COUNT" otherwise, where an
 * empty range names the line before it. */
static void range(struct strbuf *out, size_t pos, size_t count)
{
	if (count == 1)
		strbuf_addf(out, "%zu", pos + 1);
	else
		strbuf_addf(out, "%zu,%zu", count ? pos + 1 : pos, count);
}

static void write_hunks(const struct script *sc, int context,
			struct strbuf *out)
{
	size_t ctx = (size_t)context, i = 0;
	/* line numbers (0-based) in a and b at each edit */
	size_t *pa = xmalloc((sc->nr + 1) * sizeof(size_t));
	size_t *pb = xmalloc((sc->nr + 1) * sizeof(size_t));

	pa[0] = pb[0] = 0;
	for (size_t j = 0; j < sc->nr; j++) {
		pa[j + 1] = pa[j] + (sc->v[j].op != '+');
		pb[j + 1] = pb[j] + (sc->v[j].op != '-');
	}
	while (i < sc->nr) {
		while (i < sc->nr && sc->v[i].op == ' ')
			i++;
		if (i == sc->nr)
			break;
		size_t start = i > ctx ? i - ctx : 0, end = i;
		/* extend while the next change is near enough to share
		 * context */
		for (;;) {
			while (end < sc->nr && sc->v[end].op != ' ')
				end++;
			size_t next = end;
			while (next < sc->nr && sc->v[next].op == ' ')
				next++;
			if (next < sc->nr && next - end <= 2 * ctx) {
				end = next;
				continue;
			}
			end = end + ctx < sc->nr ? end + ctx : sc->nr;
			break;
		}
		strbuf_addstr(out, "@@ -");
		range(out, pa[start], pa[end] - pa[start]);
		strbuf_addstr(out, " +");
		range(out, pb[start], pb[end] - pb[start]);
		strbuf_addstr(out, " @@\n");
		for (size_t j = start; j < end; j++) {
			strbuf_addch(out, sc->v[j].op);
			strbuf_add(out, sc->v[j].l->s, sc->v[j].l->len);
			strbuf_addch(out, '\n');
		}
		i = end;
	}
	free(pa);
	free(pb);
}

void unified_diff(const char *a, const char *b, int context,
		  struct strbuf *out)
{
	struct lines la = { NULL, 0, 0 }, lb = { NULL, 0, 0 };
	struct script sc = { NULL, 0, 0 };
	size_t head = 0, tail = 0;

	split(a, &la);
	split(b, &lb);
	while (head < la.nr && head < lb.nr && same(&la.v[head], &lb.v[head]))
		head++;
	while (tail < la.nr - head && tail < lb.nr - head &&
	       same(&la.v[la.nr - 1 - tail], &lb.v[lb.nr - 1 - tail]))
		tail++;
	for (size_t i = 0; i < head; i++)
		push(&sc, ' ', &la.v[i]);
	myers(la.v + head, (long)(la.nr - head - tail), lb.v + head,
	      (long)(lb.nr - head - tail), &sc);
	for (size_t i = la.nr - tail; i < la.nr; i++)
		push(&sc, ' ', &la.v[i]);
	order_runs(&sc);
	write_hunks(&sc, context, out);
	free(sc.v);
	free(la.v);
	free(lb.v);
}
