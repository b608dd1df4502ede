/* ignoreDifferences: fields kept at their live value. */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strvec.h"
#include "pkg/diff/internal.h"

struct paths {
	struct strvec *v;   /* each one concrete path, as segments */
	size_t nr, alloc;
};

/* A list index from a segment: digits only, no leading zero. */
static int seg_index(const char *seg, size_t size, size_t *out)
{
	char *end;
	unsigned long n;

	if (!*seg || (seg[0] == '0' && seg[1]) || strspn(seg, "0123456789") !=
							  strlen(seg))
		return -1;
	n = strtoul(seg, &end, 10);
	if (n >= size)
		return -1;
	*out = n;
	return 0;
}

static json_t *child(const json_t *v, const char *seg)
{
	size_t i;

	if (json_is_object(v))
		return json_object_get(v, seg);
	if (json_is_array(v) && seg_index(seg, json_array_size(v), &i) == 0)
		return json_array_get(v, i);
	return NULL;
}

static json_t *get(const json_t *doc, char *const *segs, size_t n)
{
	json_t *v = (json_t *)doc;
	for (size_t i = 0; v && i < n; i++)
		v = child(v, segs[i]);
	return v;
}

/* Every concrete path of doc that p matches, from segment i on. */
static void expand(const json_t *v, const struct diff_pattern *p, size_t i,
		   struct strvec *cur, struct paths *out)
{
	if (i == p->nr) {
		struct strvec copy = STRVEC_INIT;
		for (size_t k = 0; k < cur->nr; k++)
			strvec_push(&copy, cur->v[k]);
		ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		out->v[out->nr++] = copy;
		return;
	}
	if (strcmp(p->segs[i], "*")) {
		json_t *c = child(v, p->segs[i]);
		if (!c)
			return;
		strvec_push(cur, p->segs[i]);
		expand(c, p, i + 1, cur, out);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach((json_t *)v, k, c) {
			strvec_push(cur, k);
			expand(c, p, i + 1, cur, out);
			free(cur->v[--cur->nr]);
			cur->v[cur->nr] = NULL;
		}
		return;
	} else if (json_is_array(v)) {
		for (size_t k = 0; k < json_array_size(v); k++) {
			strvec_pushf(cur, "%zu", k);
			expand(json_array_get(v, k), p, i + 1, cur, out);
			free(cur->v[--cur->nr]);
			cur->v[cur->nr] = NULL;
		}
		return;
	} else {
		return;
	}
	free(cur->v[--cur->nr]);
	cur->v[cur->nr] = NULL;
}

static void paths_clear(struct paths *ps)
{
	for (size_t i = 0; i < ps->nr; i++)
		strvec_clear(&ps->v[i]);
	free(ps->v);
	ps->v = NULL;
	ps->nr = ps->alloc = 0;
}

static void remove_at(json_t *doc, char *const *segs, size_t n)
{
	json_t *parent = get(doc, segs, n - 1);
	size_t i;

	if (json_is_object(parent))
		json_object_del(parent, segs[n - 1]);
	else if (json_is_array(parent) &&
		 seg_index(segs[n - 1], json_array_size(parent), &i) == 0)
		json_array_remove(parent, i);
}

/* Set the field when its parent exists (a list item only in place). */
static void set_at(json_t *doc, char *const *segs, size_t n, json_t *value)
{
	json_t *parent = get(doc, segs, n - 1);
	size_t i;

	if (json_is_object(parent))
		json_object_set_new(parent, segs[n - 1], json_deep_copy(value));
	else if (json_is_array(parent) &&
		 seg_index(segs[n - 1], json_array_size(parent), &i) == 0)
		json_array_set_new(parent, i, json_deep_copy(value));
}

void ignore_apply(const struct diff_patterns *pats, const json_t *live,
		  json_t *desired, json_t *last)
{
	for (size_t p = 0; p < pats->nr; p++) {
		struct strvec cur = STRVEC_INIT;
		struct paths in_live = { NULL, 0, 0 };
		struct paths in_desired = { NULL, 0, 0 };

		expand(live, pats->v[p], 0, &cur, &in_live);
		/* what live has: desired takes it, last forgets it (so that it
		 * is not removed) */
		for (size_t i = in_live.nr; i-- > 0;) {
			struct strvec *s = &in_live.v[i];
			if (last)
				remove_at(last, s->v, s->nr);
			if (desired)
				set_at(desired, s->v, s->nr,
				       get(live, s->v, s->nr));
		}
		/* what live lacks: desired must not add it. Backwards, so that
		 * removing a list item leaves the earlier indices right. */
		expand(desired, pats->v[p], 0, &cur, &in_desired);
		for (size_t i = in_desired.nr; i-- > 0;) {
			struct strvec *s = &in_desired.v[i];
			if (get(live, s->v, s->nr))
				continue;
			remove_at(desired, s->v, s->nr);
			if (last)
				remove_at(last, s->v, s->nr);
		}
		paths_clear(&in_live);
		paths_clear(&in_desired);
		strvec_clear(&cur);
	}
}
