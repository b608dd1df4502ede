/* Waiting for health: watches per resource and namespace, polling with
 * backoff when a watch cannot serve. */
#include <stdlib.h>
#include <string.h>

#include "pkg/apply/engine.h"
#include "pkg/base/mem.h"
#include "pkg/kube/kube.h"

#define POLL_FIRST 0.25
#define POLL_MAX 5.0

/* The objects of one collection that are watched together. */
struct group {
	struct engine *e;
	char *path;
	struct kube_watch *w;   /* NULL once ended */
	struct item **items;
	size_t n, alloc;
};

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

void item_health(struct engine *e, struct item *it, int quiet)
{
	char *msg = NULL;
	enum health_status h = health_check(it->live, e->o->health, &msg);
	int changed = !it->health_known || h != it->health ||
		      !same_str(msg, it->health_msg);

	if (!quiet && changed && (it->health_known || h != HEALTH_HEALTHY))
		report_health(e->run, it->ch->id, health_status_name(h), msg);
	it->health = h;
	free(it->health_msg);
	it->health_msg = msg;
	it->health_known = 1;
}

static void on_event(struct kube_client *c, struct kube_watch *w,
		     enum kube_event type, const json_t *obj,
		     const struct gerr *err, void *data)
{
	struct group *g = data;
	const char *name;

	if (type == KUBE_ERROR) {
		/* the client freed the watch: poll these from now on */
		g->w = NULL;
		for (size_t i = 0; i < g->n; i++) {
			g->items[i]->polling = 1;
			g->items[i]->poll_at = 0;
		}
		return;
	}
	if (type == KUBE_BOOKMARK)
		return;
	name = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "name"));
	for (size_t i = 0; name && i < g->n; i++) {
		struct item *it = g->items[i];
		if (strcmp(it->ch->name, name))
			continue;
		json_decref(it->live);
		it->live = type == KUBE_DELETED ? NULL
						: json_incref((json_t *)obj);
		item_health(g->e, it, 0);
	}
}

static void got_poll(struct kube_client *c, const struct kube_response *r,
		     void *data)
{
	struct item *it = data;

	it->poll_busy = 0;
	if (r->status == 200 && json_is_object(r->body)) {
		json_decref(it->live);
		it->live = json_incref(r->body);
	} else if (r->status == 404) {
		json_decref(it->live);
		it->live = NULL;
	}
	item_health(it->e, it, 0);
	it->poll_delay = it->poll_delay ? it->poll_delay * 2 : POLL_FIRST;
	if (it->poll_delay > POLL_MAX)
		it->poll_delay = POLL_MAX;
	it->poll_at = engine_now() + it->poll_delay;
}

static const json_t *object_of(const struct item *it)
{
	return it->live ? it->live : it->desired;
}

static struct group *group_for(struct group ***groups, size_t *ng,
			       size_t *alloc, struct engine *e,
			       const char *path)
{
	struct group *g;

	for (size_t i = 0; i < *ng; i++)
		if (!strcmp((*groups)[i]->path, path))
			return (*groups)[i];
	g = xcalloc(1, sizeof(*g));
	g->e = e;
	g->path = xstrdup(path);
	ALLOC_GROW(*groups, *ng + 1, *alloc);
	(*groups)[(*ng)++] = g;
	return g;
}

/* Watch what is not Healthy yet, one watch per collection. */
static void start_watches(struct engine *e, struct item **m, size_t n,
			  struct group ***groups, size_t *ng)
{
	size_t alloc = 0;
	struct strbuf sel = STRBUF_INIT;

	strbuf_addstr(&sel, "?labelSelector=");
	kube_url_escape(&sel, APP_LABEL "=");
	kube_url_escape(&sel, e->o->app);
	for (size_t i = 0; i < n; i++) {
		struct item *it = m[i];
		char *coll;

		if (it->health == HEALTH_HEALTHY)
			continue;
		if (!it->path)
			it->path = kube_object_path(e->c, object_of(it), NULL, 1,
						    NULL);
		coll = kube_object_path(e->c, object_of(it), NULL, 0, NULL);
		if (!coll || !it->path) {
			free(coll);
			it->polling = 1;
			continue;
		}
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "%s%s", coll, sel.buf);
		struct group *g = group_for(groups, ng, &alloc, e, p.buf);
		ALLOC_GROW(g->items, g->n + 1, g->alloc);
		g->items[g->n++] = it;
		strbuf_release(&p);
		free(coll);
	}
	for (size_t i = 0; i < *ng; i++)
		(*groups)[i]->w = kube_watch_start(e->c, (*groups)[i]->path,
						   NULL, on_event, (*groups)[i]);
	strbuf_release(&sel);
}

static void run_polls(struct engine *e, struct item **m, size_t n)
{
	double now = engine_now();

	for (size_t i = 0; i < n; i++) {
		struct item *it = m[i];
		if (!it->polling || it->poll_busy || it->poll_at > now ||
		    !it->path || it->health == HEALTH_HEALTHY)
			continue;
		it->poll_busy = 1;
		kube_submit(e->c, &(struct kube_request){ .method = "GET",
							  .path = it->path,
							  .done = got_poll,
							  .data = it });
	}
}

static void add_duration(struct strbuf *sb, long ms)
{
	if (ms >= 60000)
		strbuf_addf(sb, "%ldm%lds", ms / 60000, ms % 60000 / 1000);
	else if (ms % 1000)
		strbuf_addf(sb, "%.1fs", (double)ms / 1000);
	else
		strbuf_addf(sb, "%lds", ms / 1000);
}

static void timed_out(struct engine *e, struct item **m, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	int first = 1;

	strbuf_addstr(&sb, "timed out after ");
	add_duration(&sb, e->o->timeout_ms);
	strbuf_addstr(&sb, " waiting for ");
	for (size_t i = 0; i < n; i++) {
		if (m[i]->health == HEALTH_HEALTHY)
			continue;
		strbuf_addf(&sb, "%s%s (%s%s%s)", first ? "" : ", ",
			    m[i]->ch->id, health_status_name(m[i]->health),
			    m[i]->health_msg ? ": " : "",
			    m[i]->health_msg ? m[i]->health_msg : "");
		first = 0;
	}
	e->unhealthy = 1;
	engine_error(e, NULL, sb.buf);
	strbuf_release(&sb);
}

int wait_health(struct engine *e, struct item **v, size_t n)
{
	struct item **m = xcalloc(n + 1, sizeof(*m));
	struct group **groups = NULL;
	size_t nm = 0, ng = 0;
	double deadline = e->o->timeout_ms > 0
				  ? engine_now() +
					    (double)e->o->timeout_ms / 1000
				  : 0;
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		if (!v[i]->prune && v[i]->state == IT_DONE) {
			m[nm++] = v[i];
			item_health(e, v[i], 0);
		}
	start_watches(e, m, nm, &groups, &ng);
	for (;;) {
		size_t healthy = 0;
		struct item *degraded = NULL, *waiting = NULL;

		for (size_t i = 0; i < nm; i++) {
			if (m[i]->health == HEALTH_HEALTHY)
				healthy++;
			else if (m[i]->health == HEALTH_DEGRADED && !degraded)
				degraded = m[i];
			else if (!waiting)
				waiting = m[i];
		}
		if (degraded) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "Degraded: %s",
				    degraded->health_msg ? degraded->health_msg
							 : "no reason given");
			e->unhealthy = 1;
			engine_error(e, degraded, sb.buf);
			strbuf_release(&sb);
			break;
		}
		if (healthy == nm) {
			rc = 0;
			break;
		}
		if (deadline && engine_now() >= deadline) {
			timed_out(e, m, nm);
			break;
		}
		if (engine_stopping(e))
			break;
		struct strbuf what = STRBUF_INIT;
		strbuf_addf(&what, "%s%s%s", waiting->ch->id,
			    waiting->health_msg ? ": " : "",
			    waiting->health_msg ? waiting->health_msg : "");
		report_phase_progress(e->run, healthy, what.buf);
		strbuf_release(&what);
		run_polls(e, m, nm);
		kube_poll(e->c, 100);
		report_tick(e->o->report);
	}
	for (size_t i = 0; i < ng; i++)
		if (groups[i]->w)
			kube_watch_stop(e->c, groups[i]->w);
	kube_run(e->c); /* polls in flight point at the items */
	for (size_t i = 0; i < ng; i++) {
		free(groups[i]->path);
		free(groups[i]->items);
		free(groups[i]);
	}
	free(groups);
	if (rc == 0)
		report_phase_progress(e->run, nm, NULL);
	free(m);
	return rc;
}
