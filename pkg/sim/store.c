/*
 * pkg/sim: the object store — one bucket per group/resource, objects keyed
 * "namespace/name" as etcd keys them, one global resourceVersion counter,
 * and the ring of recent events that watches resume from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

/* cfg.watch_cache events are kept: a watch can resume across that many;
 * older resourceVersions get 410 Expired, as from the real server's watch
 * cache. */

void store_key(const char *ns, const char *name, struct strbuf *out)
{
	if (ns && *ns)
		strbuf_addf(out, "%s/%s", ns, name);
	else
		strbuf_addstr(out, name);
}

json_t *store_bucket(struct sim *s, const char *gr)
{
	json_t *b = json_object_get(s->store, gr);

	if (!b) {
		b = json_object();
		json_object_set_new(s->store, gr, b);
	}
	return b;
}

void store_drop_bucket(struct sim *s, const char *gr)
{
	json_object_del(s->store, gr);
}

static json_t *bucket_of(struct sim *s, const struct rtype *t)
{
	struct strbuf gr = STRBUF_INIT;
	json_t *b;

	types_gr(t, &gr);
	b = store_bucket(s, gr.buf);
	strbuf_release(&gr);
	return b;
}

json_t *store_get(struct sim *s, const struct rtype *t, const char *ns,
		  const char *name)
{
	struct strbuf key = STRBUF_INIT;
	json_t *o;

	store_key(t->namespaced ? ns : NULL, name, &key);
	o = json_object_get(bucket_of(s, t), key.buf);
	strbuf_release(&key);
	return o;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *store_list(struct sim *s, const struct rtype *t, const char *ns)
{
	json_t *b = bucket_of(s, t), *out = json_array(), *v;
	const char **keys = xmalloc((json_object_size(b) + 1) * sizeof(*keys));
	size_t n = 0, nslen = ns ? strlen(ns) : 0;
	const char *k;

	json_object_foreach(b, k, v) {
		if (ns && *ns && (strncmp(k, ns, nslen) || k[nslen] != '/'))
			continue;
		keys[n++] = k;
	}
	qsort(keys, n, sizeof(*keys), cmp_keys);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, json_object_get(b, keys[i]));
	free(keys);
	return out;
}

static int same_field(json_t *a, json_t *b, const char *path)
{
	json_t *x = jpath(a, path), *y = jpath(b, path);

	return x == y || (x && y && json_equal(x, y));
}

/* Does the change matter to the garbage collector: which objects exist,
 * whom they name as owners, whether and how they are being deleted. */
static int gc_relevant(json_t *obj, json_t *prev)
{
	return !prev || !same_field(obj, prev, "metadata.ownerReferences") ||
	       !same_field(obj, prev, "metadata.deletionTimestamp") ||
	       !same_field(obj, prev, "metadata.finalizers");
}

static void record(struct sim *s, const struct rtype *t, const char *type,
		   json_t *obj, json_t *prev)
{
	struct event *ev;
	struct strbuf gr = STRBUF_INIT;

	if (!strcmp(type, "DELETED") || gc_relevant(obj, prev))
		s->gc_clean = 0;

	if (!s->events) {
		s->ev_cap = s->cfg.watch_cache > 0 ? (size_t)s->cfg.watch_cache
						    : 10000;
		s->events = xcalloc(s->ev_cap, sizeof(*s->events));
	}
	if (s->ev_count == s->ev_cap) {
		ev = &s->events[s->ev_head];
		free(ev->gr);
		json_decref(ev->obj);
		json_decref(ev->prev);
		s->ev_head = (s->ev_head + 1) % s->ev_cap;
		s->ev_count--;
	}
	ev = &s->events[(s->ev_head + s->ev_count) % s->ev_cap];
	s->ev_count++;
	types_gr(t, &gr);
	ev->rv = s->rv;
	ev->type = type;
	ev->gr = strbuf_detach(&gr, NULL);
	ev->obj = json_incref(obj);
	ev->prev = prev ? json_incref(prev) : NULL;
	pthread_cond_broadcast(&s->changed);
}

uint64_t store_oldest_rv(struct sim *s)
{
	if (!s->ev_count)
		return s->rv;
	/* a watch may start right before the oldest retained event */
	return s->events[s->ev_head].rv - 1;
}

static void set_rv(json_t *obj, uint64_t rv)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rv);
	json_object_set_new(jmeta(obj), "resourceVersion", json_string(buf));
}

json_t *store_put(struct sim *s, const struct rtype *t, json_t *obj)
{
	struct strbuf key = STRBUF_INIT;
	json_t *b = bucket_of(s, t), *prev;

	store_key(t->namespaced ? jstr(obj, "metadata.namespace") : NULL,
		  jstr(obj, "metadata.name"), &key);
	/* the old version lives on in the event, for selector changes */
	prev = json_incref(json_object_get(b, key.buf));
	set_rv(obj, ++s->rv);
	json_object_set_new(b, key.buf, obj);
	strbuf_release(&key);
	record(s, t, prev ? "MODIFIED" : "ADDED", obj, prev);
	json_decref(prev);
	return obj;
}

void store_remove(struct sim *s, const struct rtype *t, const char *ns,
		  const char *name)
{
	struct strbuf key = STRBUF_INIT;
	json_t *b = bucket_of(s, t), *old, *copy;

	store_key(t->namespaced ? ns : NULL, name, &key);
	old = json_object_get(b, key.buf);
	if (old) {
		/* the DELETED event carries the deletion's resourceVersion */
		copy = json_deep_copy(old);
		set_rv(copy, ++s->rv);
		json_object_del(b, key.buf);
		record(s, t, "DELETED", copy, NULL);
		json_decref(copy);
	}
	strbuf_release(&key);
}

void store_free(struct sim *s)
{
	for (size_t i = 0; i < s->ev_count; i++) {
		struct event *ev = &s->events[(s->ev_head + i) % s->ev_cap];

		free(ev->gr);
		json_decref(ev->obj);
		json_decref(ev->prev);
	}
	free(s->events);
	s->events = NULL;
	s->ev_count = s->ev_head = 0;
	json_decref(s->store);
	s->store = NULL;
}
