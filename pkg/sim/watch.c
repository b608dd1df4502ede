/*
 * pkg/sim: watches — the synthetic ADDED events of a watch started without
 * a resourceVersion, then every later event of the type (in a namespace,
 * matching the selectors) from the event ring, in resourceVersion order;
 * a start too old for the ring gets one ERROR event with a 410 Expired
 * Status, as from the real server's watch cache.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

/* index in the ring of the first event with rv > after */
static size_t first_after(struct sim *s, uint64_t after)
{
	size_t lo = 0, hi = s->ev_count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->events[(s->ev_head + mid) % s->ev_cap].rv <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void emit(struct strbuf *out, const json_t *ev)
{
	char *text = json_dumps(ev, JSON_COMPACT);

	strbuf_addstr(out, text);
	strbuf_addch(out, '\n');
	free(text);
}

static int obj_matches(const struct sim_watch *w, const json_t *obj)
{
	return obj && selector_match_labels(w->labels, obj) &&
	       selector_match_fields(w->fields, obj);
}

/* The type a watcher sees, or NULL: an object that starts matching the
 * selectors is ADDED, one that stops matching is DELETED, as the
 * server's watch cache reports them. */
static const char *event_type_for(const struct sim_watch *w,
				  const struct event *ev)
{
	const char *ns = jstr(ev->obj, "metadata.namespace");
	int now, before;

	if (strcmp(ev->gr, w->gr))
		return NULL;
	if (w->ns && strcmp(w->ns, ns ? ns : ""))
		return NULL;
	now = obj_matches(w, ev->obj);
	if (strcmp(ev->type, "MODIFIED"))
		return now ? ev->type : NULL;
	before = obj_matches(w, ev->prev);
	if (now && before)
		return "MODIFIED";
	if (now)
		return "ADDED";
	if (before)
		return "DELETED";
	return NULL;
}

/* 1 with an event appended, 0 when none is ready, -1 at the end */
static int watch_poll(struct sim *s, struct sim_watch *w, struct strbuf *out)
{
	size_t i;

	if (w->ended)
		return -1;
	if (w->error) {
		emit(out, w->error);
		w->ended = 1;
		return 1;
	}
	if (json_array_size(w->initial)) {
		emit(out, json_array_get(w->initial, 0));
		json_array_remove(w->initial, 0);
		return 1;
	}
	if (w->after < store_oldest_rv(s)) {
		/* the watcher fell behind the ring */
		struct strbuf m = STRBUF_INIT;
		json_t *ev = json_object();

		strbuf_addf(&m, "too old resource version: %llu (%llu)",
			    (unsigned long long)w->after,
			    (unsigned long long)store_oldest_rv(s));
		json_object_set_new(ev, "type", json_string("ERROR"));
		json_object_set_new(ev, "object",
				    status_failure(410, "Expired", m.buf,
						   NULL));
		emit(out, ev);
		json_decref(ev);
		strbuf_release(&m);
		w->ended = 1;
		return 1;
	}
	for (i = first_after(s, w->after); i < s->ev_count; i++) {
		struct event *ev = &s->events[(s->ev_head + i) % s->ev_cap];
		const char *type;
		json_t *e, *obj;

		w->after = ev->rv;
		type = event_type_for(w, ev);
		if (!type)
			continue;
		obj = ev->obj;
		e = json_object();
		json_object_set_new(e, "type", json_string(type));
		if (strcmp(jstr(obj, "apiVersion") ? jstr(obj, "apiVersion")
						    : "", w->api_version)) {
			obj = json_copy(obj);
			json_object_set_new(obj, "apiVersion",
					    json_string(w->api_version));
			json_object_set_new(e, "object", obj);
		} else {
			json_object_set(e, "object", obj);
		}
		if (w->table)
			watch_tableize(s, w, e);
		emit(out, e);
		json_decref(e);
		return 1;
	}
	return 0;
}

void watch_tableize(struct sim *s, const struct sim_watch *w, json_t *ev)
{
	const struct rtype *t = types_find_gr(s, w->gr);
	json_t *items;

	if (!t)
		return;
	items = json_array();
	json_array_append(items, json_object_get(ev, "object"));
	json_object_set_new(ev, "object", table_of(s, t, items, NULL, w->full));
	json_decref(items);
}

int watch_next_locked(struct sim *s, struct sim_watch *w, long timeout_ms,
		      struct strbuf *out)
{
	long long end = util_now_ms() + timeout_ms;

	for (;;) {
		int r = watch_poll(s, w, out);
		struct timespec ts;
		long long now = util_now_ms(), until;

		if (r)
			return r;
		if (s->stopping || now >= w->deadline_ms) {
			w->ended = 1;
			return -1;
		}
		if (now >= end)
			return 0;
		until = end < w->deadline_ms ? end : w->deadline_ms;
		clock_gettime(CLOCK_REALTIME, &ts);
		/* wake at least every 200 ms to notice a stop */
		if (until - now > 200)
			until = now + 200;
		ts.tv_nsec += (long)((until - now) % 1000) * 1000000;
		ts.tv_sec += (time_t)((until - now) / 1000) +
			     ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&s->changed, &s->lock, &ts);
	}
}

void watch_free(struct sim_watch *w)
{
	if (!w)
		return;
	free(w->gr);
	free(w->api_version);
	free(w->ns);
	selector_free(w->labels);
	selector_free(w->fields);
	json_decref(w->initial);
	json_decref(w->error);
	free(w);
}

void watch_unlink(struct sim *s, struct sim_watch *w)
{
	for (struct sim_watch **p = &s->watches; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
}
