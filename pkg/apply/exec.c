/* apply_execute: steps in order, writes concurrently, conflicts,
 * replacement of immutable objects, prune, and the inventory. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/apply/engine.h"
#include "pkg/base/mem.h"
#include "pkg/kube/kube.h"

#define MAX_ATTEMPTS 5

double engine_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int engine_stopping(struct engine *e)
{
	if (e->o->stop && *e->o->stop)
		e->stopped = 1;
	return e->stopped;
}

static int halted(struct engine *e)
{
	return engine_stopping(e) || e->failed || e->unhealthy;
}

void engine_error(struct engine *e, struct item *it, const char *msg)
{
	if (!e->nr_errors++) {
		if (it)
			gerr_setc(&e->first_err, GERR_FAIL, "%s: %s", it->ch->id,
				  msg);
		else
			gerr_setc(&e->first_err, GERR_FAIL, "%s", msg);
	}
	report_error(e->run, it ? it->ch->id : NULL, msg);
}

const char *apply_outcome_name(enum apply_outcome o)
{
	static const char *const names[] = { "Succeeded", "Unhealthy",
					     "Failed", "Interrupted" };
	return o <= APPLY_INTERRUPTED ? names[o] : "Failed";
}

/* ------------------------------------------------------------------ */
/* Bodies                                                               */

static json_t *ensure_map(json_t *parent, const char *key)
{
	json_t *m = json_object_get(parent, key);

	if (!json_is_object(m)) {
		m = json_object();
		json_object_set_new(parent, key, m);
	}
	return m;
}

/* gantry's annotations on a body about to be written; whether the
 * last-applied configuration fits decides where it is kept. */
static void annotate(struct item *it, json_t *body)
{
	json_t *md = ensure_map(body, "metadata");
	json_t *ann = ensure_map(md, "annotations");
	json_t *labels = ensure_map(md, "labels");

	json_object_set_new(labels, APP_LABEL, json_string(it->e->o->app));
	json_object_set_new(ann, REVISION_ANNOTATION,
			    json_string(it->e->revision));
	json_object_del(ann, LAST_APPLIED);
	json_object_del(ann, LARGE_ANNOTATION);
	it->large = annotations_size(body) + strlen(LAST_APPLIED) +
			    strlen(it->last_text) >
		    ANNOTATIONS_LIMIT;
	if (it->large)
		json_object_set_new(ann, LARGE_ANNOTATION,
				    json_string(LARGE_VALUE));
	else
		json_object_set_new(ann, LAST_APPLIED,
				    json_string(it->last_text));
}

static json_t *create_body(struct item *it)
{
	json_t *b = json_deep_copy(it->desired);

	annotate(it, b);
	return b;
}

/* The merged object, at the resourceVersion it was merged from; the
 * server keeps managedFields when a PUT leaves them out. */
static json_t *update_body(struct item *it)
{
	json_t *b = json_deep_copy(it->result);

	json_object_del(json_object_get(b, "metadata"), "managedFields");
	annotate(it, b);
	return b;
}

/* ------------------------------------------------------------------ */
/* Requests                                                             */

static void on_response(struct kube_client *c, const struct kube_response *r,
			void *data);

static char *write_query(struct engine *e, const char *path)
{
	return xasprintf("%s?fieldManager=" FIELD_MANAGER "%s", path,
			 e->o->dry_run == APPLY_DRY_RUN_SERVER ? "&dryRun=All"
							       : "");
}

static void send(struct item *it, const char *method, const char *path,
		 const json_t *body, enum op op)
{
	it->op = op;
	it->attempts++;
	kube_submit(it->e->c, &(struct kube_request){ .method = method,
						      .path = path,
						      .body = body,
						      .done = on_response,
						      .data = it });
}

static void send_create(struct item *it)
{
	json_t *body = create_body(it);
	char *path = write_query(it->e, it->coll);

	send(it, "POST", path, body, OP_CREATE);
	free(path);
	json_decref(body);
}

static void send_update(struct item *it)
{
	json_t *body = update_body(it);
	char *path = write_query(it->e, it->path);

	send(it, "PUT", path, body, OP_UPDATE);
	free(path);
	json_decref(body);
}

static void send_get(struct item *it, enum op op)
{
	it->attempts--; /* a read is not an attempt to write */
	send(it, "GET", it->path, NULL, op);
}

/* DELETE with a uid precondition: never someone else's new object. */
static void send_delete(struct item *it, const char *uid, enum op op)
{
	struct engine *e = it->e;
	json_t *opts = json_pack("{s:s, s:s, s:s}", "kind", "DeleteOptions",
				 "apiVersion", "v1", "propagationPolicy",
				 "Background");
	char *path = e->o->dry_run == APPLY_DRY_RUN_SERVER
			     ? xasprintf("%s?dryRun=All", it->path)
			     : xstrdup(it->path);

	if (uid)
		json_object_set_new(opts, "preconditions",
				    json_pack("{s:s}", "uid", uid));
	send(it, "DELETE", path, opts, op);
	free(path);
	json_decref(opts);
}

static const char *uid_of(const json_t *obj)
{
	return json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "uid"));
}

static void set_live(struct item *it, const json_t *obj)
{
	json_decref(it->live);
	it->live = obj ? json_incref((json_t *)obj) : NULL;
}

static void finish(struct item *it, enum item_state st, const char *action,
		   const char *detail)
{
	struct engine *e = it->e;

	it->state = st;
	it->op = OP_NONE;
	it->timer = 0;
	e->busy--;
	if (st == IT_DONE || st == IT_SKIPPED) {
		it->action = action;
		report_object(e->run, it->ch->id, action, detail);
	}
}

static void fail(struct item *it, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct item *it, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	it->e->failed = 1;
	finish(it, IT_FAILED, NULL, NULL);
	engine_error(it->e, it, sb.buf);
	strbuf_release(&sb);
}

/* An item stopped half-way because the run stops: not done. */
static void abandon(struct item *it)
{
	it->state = IT_PENDING;
	it->op = OP_NONE;
	it->timer = 0;
	it->e->busy--;
}

static int may_go_on(struct item *it)
{
	struct engine *e = it->e;

	/* an object deleted to be created again is always created */
	return it->replacing || !engine_stopping(e) || e->o->finish_step;
}

/* ------------------------------------------------------------------ */
/* Planning again after a conflict                                      */

/* L as the diff must see it: for a large object, with the last-applied
 * configuration the inventory (or this run) keeps. New reference. */
static json_t *live_for_diff(struct item *it, const json_t *live)
{
	const struct apply_ref *ref;
	const char *mark = annotation_of(live, LARGE_ANNOTATION);
	const char *last = NULL;
	json_t *copy;

	if (annotation_of(live, LAST_APPLIED) || !mark ||
	    strcmp(mark, LARGE_VALUE))
		return json_incref((json_t *)live);
	ref = inventory_find(&it->e->old, it->ch->group, it->ch->kind,
			     it->ch->namespace, it->ch->name);
	if (ref && ref->uid && uid_of(live) && !strcmp(ref->uid, uid_of(live)))
		last = ref->last_applied;
	if (!last)
		return json_incref((json_t *)live);
	copy = json_deep_copy(live);
	json_object_set_new(ensure_map(ensure_map(copy, "metadata"),
				       "annotations"),
			    LAST_APPLIED, json_string(last));
	return copy;
}

/* The change against live read again: 1 when there is nothing left to
 * change, 0 with it->patch and it->result replaced, -1 with err. */
static int plan_again(struct item *it, const json_t *live, struct gerr *err)
{
	struct diff_set s = DIFF_SET_INIT;
	struct diff_change *ch = diff_set_push(&s);
	json_t *l = live_for_diff(it, live);
	int rc;

	rc = diff_compute(it->desired, l, type_of(it->desired),
			  it->e->o->rules, ch, err);
	json_decref(l);
	if (rc == 0 && ch->action == DIFF_UNCHANGED)
		rc = 1;
	if (rc == 0) {
		json_decref(it->patch);
		json_decref(it->result);
		it->patch = json_incref(ch->patch);
		it->result = json_incref(ch->result);
	}
	diff_set_clear(&s);
	return rc;
}

/* Did another writer, between it->planned and live, touch a field that
 * gantry's new patch sets or removes? */
static int conflicts(struct item *it, const json_t *live)
{
	const struct merge_type *t = type_of(it->desired);
	json_t *a = strip_server_fields(it->planned);
	json_t *b = strip_server_fields(live);
	json_t *other = merge_three_way_patch(t, a, b, a, NULL);
	int r = other ? patches_overlap(t, other, it->patch) : 1;

	json_decref(other);
	json_decref(a);
	json_decref(b);
	return r;
}

/* ------------------------------------------------------------------ */
/* Responses                                                            */

/* The field a 422 names as immutable, or NULL. */
static const char *immutable_field(const struct kube_response *r)
{
	const json_t *cause;
	size_t i;

	if (r->status != 422)
		return NULL;
	json_array_foreach(json_object_get(json_object_get(r->body, "details"),
					   "causes"),
			   i, cause) {
		const char *m = json_string_value(json_object_get(cause,
								  "message"));
		const char *f = json_string_value(json_object_get(cause,
								  "field"));
		if (m && strstr(m, "immutable"))
			return f ? f : "(a field)";
	}
	return NULL;
}

static void reread_result(struct item *it, const struct kube_response *r)
{
	struct gerr err = GERR_INIT;
	int rc;

	if (r->status == 404) {
		if (it->e->o->force_conflicts) {
			send_create(it);
			return;
		}
		fail(it, "it was deleted by another writer after the plan was "
			 "made (run again, or use --force-conflicts)");
		return;
	}
	if (r->status != 200 || !json_is_object(r->body)) {
		fail(it, "%s", r->err.msg ? r->err.msg : "no object");
		return;
	}
	rc = plan_again(it, r->body, &err);
	if (rc < 0) {
		fail(it, "%s", gerr_msg(&err));
	} else if (rc == 1) {
		/* already as desired (our earlier write got through) */
		set_live(it, r->body);
		finish(it, IT_DONE, "updated", NULL);
	} else if (!it->e->o->force_conflicts && conflicts(it, r->body)) {
		fail(it, "conflict: fields that gantry changes were changed by "
			 "another writer after the plan was made; run again to "
			 "see the new plan, or use --force-conflicts to "
			 "overwrite them");
	} else if (it->attempts >= MAX_ATTEMPTS) {
		fail(it, "the object kept changing (%d conflicts in a row)",
		     it->attempts);
	} else {
		json_decref(it->planned);
		it->planned = json_incref(r->body);
		send_update(it);
	}
	gerr_clear(&err);
}

/* After a create met an object of the same name. */
static void created_check(struct item *it, const struct kube_response *r)
{
	const json_t *live = r->body;
	const char *label = live ? label_of(live, APP_LABEL) : NULL;
	const char *last = live ? annotation_of(live, LAST_APPLIED) : NULL;

	if (r->status == 404) {
		if (it->attempts >= MAX_ATTEMPTS)
			fail(it, "created and gone again %d times", it->attempts);
		else
			send_create(it);
		return;
	}
	if (r->status != 200 || !json_is_object(live)) {
		fail(it, "%s", r->err.msg ? r->err.msg : "no object");
		return;
	}
	if (label && !strcmp(label, it->e->o->app) &&
	    ((last && !strcmp(last, it->last_text)) ||
	     (!last && it->large))) {
		set_live(it, live);
		finish(it, IT_DONE, it->replacing ? "replaced" : "created",
		       NULL);
		return;
	}
	if (!it->e->o->force_conflicts) {
		fail(it, "conflict: another writer created it after the plan "
			 "was made; run again to see the new plan, or use "
			 "--force-conflicts to overwrite it");
		return;
	}
	json_decref(it->planned);
	it->planned = json_incref((json_t *)live);
	struct gerr err = GERR_INIT;
	int rc = plan_again(it, live, &err);
	if (rc < 0)
		fail(it, "%s", gerr_msg(&err));
	else if (rc == 1) {
		set_live(it, live);
		finish(it, IT_DONE, "updated", NULL);
	} else {
		send_update(it);
	}
	gerr_clear(&err);
}

static void update_refused(struct item *it, const struct kube_response *r)
{
	const char *field = immutable_field(r);
	struct engine *e = it->e;

	if (!field) {
		fail(it, "%s", r->err.msg ? r->err.msg : "refused");
		return;
	}
	if (!it->replaceable && !e->o->replace_immutable) {
		fail(it, "%s: field is immutable; to delete the object and "
			 "create it again, annotate it %s: \"true\" or run with "
			 "--replace-immutable",
		     field, REPLACE_ANNOTATION);
		return;
	}
	it->replacing = 1;
	it->deadline = e->o->timeout_ms > 0
			       ? engine_now() + (double)e->o->timeout_ms / 1000
			       : 0;
	send_delete(it, uid_of(it->planned), OP_REPLACE_DELETE);
}

static void gone_check(struct item *it, const struct kube_response *r)
{
	const char *old = uid_of(it->planned);

	if (r->status == 404) {
		send_create(it);
		return;
	}
	if (r->status != 200) {
		fail(it, "%s", r->err.msg ? r->err.msg : "no object");
		return;
	}
	if (old && uid_of(r->body) && strcmp(old, uid_of(r->body))) {
		fail(it, "conflict: another writer created it again while it "
			 "was being replaced");
		return;
	}
	if (it->deadline && engine_now() > it->deadline) {
		fail(it, "timed out waiting for the old object to be deleted "
			 "(it has finalizers?)");
		return;
	}
	it->delay = it->delay ? it->delay * 2 : 0.1;
	if (it->delay > 2)
		it->delay = 2;
	it->timer = engine_now() + it->delay;
	it->op = OP_GONE_CHECK;
}

/* A failure that says nothing about the object (the server or the
 * connection failed, after pkg/kube's own retries): worth finding out
 * where things stand and going on. */
static int transient(const struct kube_response *r)
{
	return r->status == 0 || r->status == 429 || r->status >= 500 ||
	       r->err.code == GERR_UNREACHABLE || r->err.code == GERR_TIMEOUT;
}

/* Go on after a transient failure: a create or an update may have
 * happened, so read the object first; reads and deletes are sent
 * again. 0 when the item has had enough. */
static int recover(struct item *it)
{
	if (++it->transient > MAX_ATTEMPTS || !may_go_on(it))
		return 0;
	switch (it->op) {
	case OP_CREATE:
		send_get(it, OP_CREATED_CHECK);
		return 1;
	case OP_UPDATE:
		send_get(it, OP_REREAD);
		return 1;
	case OP_CREATED_CHECK:
	case OP_REREAD:
	case OP_GONE_CHECK:
		send_get(it, it->op);
		return 1;
	case OP_DELETE:
		it->attempts--;
		send_delete(it, it->ch->uid, OP_DELETE);
		return 1;
	case OP_REPLACE_DELETE:
		it->attempts--;
		send_delete(it, uid_of(it->planned), OP_REPLACE_DELETE);
		return 1;
	case OP_NONE:
		break;
	}
	return 0;
}

static void on_response(struct kube_client *c, const struct kube_response *r,
			void *data)
{
	struct item *it = data;
	int ok = r->status >= 200 && r->status < 300;

	if (!ok && transient(r)) {
		if (it->op == OP_CREATE)
			it->uid_unknown = 1; /* it may exist */
		if (recover(it))
			return;
	}
	switch (it->op) {
	case OP_CREATE:
		if (ok) {
			set_live(it, r->body);
			finish(it, IT_DONE,
			       it->replacing ? "replaced" : "created", NULL);
		} else if (r->status == 409 && may_go_on(it)) {
			send_get(it, OP_CREATED_CHECK);
		} else if (r->status == 409) {
			abandon(it);
		} else {
			fail(it, "%s", r->err.msg ? r->err.msg : "refused");
		}
		break;
	case OP_CREATED_CHECK:
		if (may_go_on(it))
			created_check(it, r);
		else
			abandon(it);
		break;
	case OP_UPDATE:
		if (ok) {
			set_live(it, r->body);
			finish(it, IT_DONE, "updated", NULL);
		} else if ((r->status == 409 || r->status == 404) &&
			   !may_go_on(it)) {
			abandon(it);
		} else if (r->status == 409) {
			send_get(it, OP_REREAD);
		} else if (r->status == 404) {
			reread_result(it, r);
		} else {
			update_refused(it, r);
		}
		break;
	case OP_REREAD:
		if (may_go_on(it))
			reread_result(it, r);
		else
			abandon(it);
		break;
	case OP_REPLACE_DELETE:
		if (!ok && r->status != 404) {
			fail(it, "deleting it to create it again: %s",
			     r->status == 409 ? "another writer replaced it"
					      : r->err.msg ? r->err.msg : "refused");
		} else if (it->e->o->dry_run == APPLY_DRY_RUN_SERVER) {
			finish(it, IT_DONE, "replaced", NULL);
		} else {
			set_live(it, NULL);
			it->delay = 0;
			it->timer = engine_now() + 0.05;
			it->op = OP_GONE_CHECK;
		}
		break;
	case OP_GONE_CHECK:
		gone_check(it, r);
		break;
	case OP_DELETE:
		if (ok || r->status == 404) {
			set_live(it, NULL);
			finish(it, IT_DONE, "deleted", NULL);
		} else if (r->status == 409) {
			finish(it, IT_SKIPPED, "skipped",
			       "made again by someone else after the plan: not "
			       "deleted");
		} else {
			fail(it, "%s", r->err.msg ? r->err.msg : "refused");
		}
		break;
	case OP_NONE:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Steps                                                                */

static int needs_write(const struct item *it)
{
	return it->ch->action != DIFF_UNCHANGED;
}

static void start_item(struct item *it)
{
	struct engine *e = it->e;

	it->state = IT_BUSY;
	e->busy++;
	if (e->o->dry_run == APPLY_DRY_RUN_CLIENT) {
		static const char *const words[] = { "unchanged", "created",
						     "updated", "deleted" };
		finish(it, IT_DONE, words[it->ch->action], NULL);
		return;
	}
	if (e->o->dry_run == APPLY_DRY_RUN_SERVER && it->ch->crd_pending) {
		finish(it, IT_SKIPPED, "skipped",
		       "its CustomResourceDefinition is not created in a dry "
		       "run");
		return;
	}
	if (!it->path) {
		struct gerr err = GERR_INIT;
		const json_t *obj = it->prune ? it->ch->live : it->desired;

		it->path = kube_object_path(e->c, obj, NULL, 1, &err);
		if (it->path)
			it->coll = kube_object_path(e->c, obj, NULL, 0, &err);
		if (!it->coll) {
			fail(it, "%s", gerr_msg(&err));
			gerr_clear(&err);
			return;
		}
	}
	switch (it->ch->action) {
	case DIFF_CREATE:
		send_create(it);
		break;
	case DIFF_UPDATE:
		send_update(it);
		break;
	case DIFF_DELETE:
		send_delete(it, it->ch->uid, OP_DELETE);
		break;
	case DIFF_UNCHANGED:
		finish(it, IT_DONE, NULL, NULL);
		break;
	}
}

/* Requests whose delay is over. */
static double run_timers(struct engine *e, struct item **v, size_t n)
{
	double now = engine_now(), next = 0;

	for (size_t i = 0; i < n; i++) {
		struct item *it = v[i];
		if (!it->timer)
			continue;
		if (it->timer <= now) {
			it->timer = 0;
			send_get(it, it->op);
		} else if (!next || it->timer < next) {
			next = it->timer;
		}
	}
	return next;
}

static const char *first_busy(struct item **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i]->state == IT_BUSY)
			return v[i]->ch->id;
	return NULL;
}

static size_t count_done(struct item **v, size_t n)
{
	size_t done = 0;

	for (size_t i = 0; i < n; i++)
		done += v[i]->state == IT_DONE || v[i]->state == IT_SKIPPED ||
			v[i]->state == IT_FAILED;
	return done;
}

/* Run the writes of v (concurrently, at most e->concurrency at once);
 * progress counts the phase's items all. */
static void run_writes(struct engine *e, struct item **v, size_t n,
		       struct item **all, size_t nall)
{
	size_t next = 0;

	for (;;) {
		while (next < n && e->busy < (size_t)e->concurrency &&
		       (!engine_stopping(e) || e->o->finish_step))
			start_item(v[next++]);
		double timer = run_timers(e, v, n);
		if (!e->busy && (next == n || engine_stopping(e)))
			break;
		long wait_ms = 100;
		if (timer) {
			double d = (timer - engine_now()) * 1000;
			wait_ms = d < 1 ? 1 : d < 100 ? (long)d : 100;
		}
		kube_poll(e->c, wait_ms);
		report_phase_progress(e->run, count_done(all, nall),
				      first_busy(v, n));
		report_tick(e->o->report);
	}
	/* nothing may stay in flight: callbacks point into v */
	kube_run(e->c);
	report_phase_progress(e->run, count_done(all, nall), NULL);
}

static const char *hook_name(int hook)
{
	return hook == HOOK_PRE ? "pre" : hook == HOOK_POST ? "post" : NULL;
}

/* Does a step of this run still have to create the inventory's own
 * namespace? Then the inventory cannot be written before that. */
static int inventory_namespace_pending(struct engine *e)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct item *it = &e->items[i];
		if (it->ch->action == DIFF_CREATE && !*it->ch->group &&
		    !strcmp(it->ch->kind, "Namespace") &&
		    !strcmp(it->ch->name, e->ns) && it->state != IT_DONE)
			return 1;
	}
	return 0;
}

static void build_inventory(struct engine *e, struct apply_inventory *inv,
			    const char *outcome, int intent);

/* Before creating anything the inventory does not list yet, list it
 * (without uid), so that no object is ever created and forgotten. */
static int write_intent(struct engine *e, struct item **v, size_t n)
{
	struct apply_inventory inv = APPLY_INVENTORY_INIT;
	struct gerr err = GERR_INIT;
	int creates = 0, rc;

	for (size_t i = 0; i < n; i++)
		creates |= v[i]->ch->action == DIFF_CREATE;
	if (!e->prewrite_pending || !creates || e->o->dry_run ||
	    inventory_namespace_pending(e))
		return 0;
	e->prewrite_pending = 0;
	build_inventory(e, &inv, "InProgress", 1);
	rc = inventory_write(e->c, e->ns, &inv, NULL, &err);
	if (rc < 0) {
		e->failed = 1;
		engine_error(e, NULL, gerr_msg(&err));
	} else {
		free(e->old.resource_version);
		e->old.resource_version = inv.resource_version;
		inv.resource_version = NULL;
	}
	gerr_clear(&err);
	apply_inventory_clear(&inv);
	return rc;
}

/* One step: the writes of one (hook, wave, class). */
static void run_step(struct engine *e, struct item **v, size_t n)
{
	struct item *w[n ? n : 1];
	size_t nw = 0;
	int crds = v[0]->place.cls == CLASS_CRDS && !v[0]->prune;
	int ok = 1;

	for (size_t i = 0; i < n; i++) {
		if (needs_write(v[i]))
			w[nw++] = v[i];
		else if (v[i]->state == IT_PENDING)
			v[i]->state = IT_DONE;
	}
	if (nw && write_intent(e, w, nw) < 0)
		return;
	if (nw) {
		report_phase_start(e->run,
				   &(struct report_phase){
					   .name = apply_class_name(
						   v[0]->place.cls),
					   .hook = hook_name(v[0]->place.hook),
					   .wave = v[0]->place.wave,
					   .total = nw });
		run_writes(e, w, nw, w, nw);
		for (size_t i = 0; i < nw; i++)
			ok &= w[i]->state == IT_DONE || w[i]->state == IT_SKIPPED;
	}
	/* custom resources of these CRDs come next: wait until they are
	 * served, whatever --wait says */
	if (crds && ok && !e->failed && !e->o->dry_run) {
		if (wait_health(e, v, n) < 0)
			ok = 0;
		else if (nw) {
			struct gerr err = GERR_INIT;
			if (kube_discovery_refresh(e->c, &err) < 0) {
				e->failed = 1;
				engine_error(e, NULL, gerr_msg(&err));
				ok = 0;
			}
			gerr_clear(&err);
		}
	}
	if (nw)
		report_phase_end(e->run, ok);
}

/* Prune: in reverse class order, one class after the other. */
static void run_prune(struct engine *e, struct item **v, size_t n)
{
	int ok = 1;

	if (!n)
		return;
	report_phase_start(e->run, &(struct report_phase){ .name = "prune",
							   .total = n });
	for (int cls = NR_CLASSES - 1; cls >= 0 && !halted(e); cls--) {
		struct item *w[n];
		size_t nw = 0;
		for (size_t i = 0; i < n; i++)
			if (v[i]->place.cls == cls)
				w[nw++] = v[i];
		if (nw)
			run_writes(e, w, nw, v, n);
	}
	for (size_t i = 0; i < n; i++)
		ok &= v[i]->state == IT_DONE || v[i]->state == IT_SKIPPED;
	report_phase_end(e->run, ok);
}

static void run_wait(struct engine *e, struct item **v, size_t n)
{
	report_phase_start(e->run,
			   &(struct report_phase){
				   .name = "wait",
				   .hook = hook_name(v[0]->place.hook),
				   .wave = v[0]->place.wave,
				   .total = n });
	report_phase_end(e->run, wait_health(e, v, n) == 0);
}

static int order_cmp(const void *pa, const void *pb)
{
	const struct item *a = *(struct item *const *)pa;
	const struct item *b = *(struct item *const *)pb;
	int c = place_cmp(&a->place, &b->place);

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

static void run_all(struct engine *e)
{
	struct item **order = xcalloc(e->n + 1, sizeof(*order));
	struct item **prunes = xcalloc(e->n + 1, sizeof(*prunes));
	struct item **namespaces = xcalloc(e->n + 1, sizeof(*namespaces));
	size_t n = 0, np = 0, nn = 0, i = 0;
	int pruned = 0;

	for (size_t k = 0; k < e->n; k++) {
		if (e->items[k].prune)
			prunes[np++] = &e->items[k];
		else
			order[n++] = &e->items[k];
	}
	qsort(order, n, sizeof(*order), order_cmp);
	/* every namespaced object needs its namespace, hooks included:
	 * namespaces come first, whatever their hook or wave */
	for (size_t k = 0; k < n; k++)
		if (order[k]->place.cls == CLASS_NAMESPACES)
			namespaces[nn++] = order[k];
	if (nn)
		run_step(e, namespaces, nn);
	while (i < n && !halted(e)) {
		size_t j = i;
		int hook = order[i]->place.hook;

		if (hook == HOOK_POST && !pruned) {
			run_prune(e, prunes, np);
			pruned = 1;
			if (halted(e))
				break;
		}
		while (j < n && order[j]->place.hook == hook &&
		       order[j]->place.wave == order[i]->place.wave)
			j++;
		for (size_t k = i; k < j && !halted(e);) {
			size_t m = k;
			while (m < j && order[m]->place.cls == order[k]->place.cls)
				m++;
			if (order[k]->place.cls != CLASS_NAMESPACES)
				run_step(e, order + k, m - k);
			k = m;
		}
		/* the last step of the main phase: prune, then wait */
		if (hook == HOOK_MAIN && (j == n || order[j]->place.hook != HOOK_MAIN) &&
		    !halted(e)) {
			run_prune(e, prunes, np);
			pruned = 1;
		}
		if (!halted(e) && !e->o->dry_run &&
		    (hook == HOOK_PRE || !e->o->no_wait))
			run_wait(e, order + i, j - i);
		i = j;
	}
	if (!pruned && !halted(e))
		run_prune(e, prunes, np);
	free(order);
	free(prunes);
	free(namespaces);
}

/* ------------------------------------------------------------------ */
/* The inventory after (and before) the run                             */

static int same_ref(const struct apply_ref *r, const struct diff_change *ch)
{
	return !strcmp(r->group, ch->group) && !strcmp(r->kind, ch->kind) &&
	       !strcmp(r->namespace, ch->namespace) &&
	       !strcmp(r->name, ch->name);
}

static const struct item *item_for_ref(struct engine *e,
				       const struct apply_ref *r)
{
	for (size_t i = 0; i < e->n; i++)
		if (same_ref(r, e->items[i].ch))
			return &e->items[i];
	return NULL;
}

/* The entry of a desired object, when it exists and is the app's. */
static void add_desired(struct engine *e, struct apply_inventory *inv,
			const struct item *it, int intent)
{
	const char *av = json_string_value(json_object_get(it->desired,
							   "apiVersion"));
	const struct apply_ref *old = inventory_find(
		&e->old, it->ch->group, it->ch->kind, it->ch->namespace,
		it->ch->name);
	const json_t *live = it->live;
	const char *uid = live ? uid_of(live) : NULL;
	int written = it->state == IT_DONE && it->action &&
		      e->o->dry_run == APPLY_DRY_RUN_NONE;
	const char *label = live ? label_of(live, APP_LABEL) : NULL;
	const char *rev, *last = NULL;

	if (intent && !uid && it->ch->action == DIFF_CREATE) {
		inventory_add(inv, av, it->ch->kind, it->ch->namespace,
			      it->ch->name, NULL, e->revision, NULL);
		return;
	}
	if (!uid) {
		if (it->uid_unknown)
			inventory_add(inv, av, it->ch->kind, it->ch->namespace,
				      it->ch->name, NULL, e->revision, NULL);
		else if (old && intent)
			inventory_add(inv, old->api_version, old->kind,
				      old->namespace, old->name, old->uid,
				      old->revision, old->last_applied);
		return;
	}
	if (!written && (!label || strcmp(label, e->o->app)))
		return; /* not taken over (yet) */
	rev = written ? e->revision : annotation_of(live, REVISION_ANNOTATION);
	if (!rev)
		rev = old && old->revision ? old->revision : e->revision;
	if (written && it->large)
		last = it->last_text;
	else if (!written && !annotation_of(live, LAST_APPLIED) && old &&
		 old->uid && !strcmp(old->uid, uid))
		last = old->last_applied;
	inventory_add(inv, av, it->ch->kind, it->ch->namespace, it->ch->name,
		      uid, rev, last);
}

struct leftover {
	const struct apply_ref *ref;
	const char *app;
	char *path;
	int drop;
};

/* An inventory object neither desired nor pruned: dropped from the
 * inventory only when it is gone or no longer the app's. */
static void got_leftover(struct kube_client *c, const struct kube_response *r,
			 void *data)
{
	struct leftover *l = data;
	const char *label = r->body ? label_of(r->body, APP_LABEL) : NULL;
	const char *uid = r->body ? uid_of(r->body) : NULL;

	if (r->status == 404)
		l->drop = 1;
	else if (r->status == 200)
		l->drop = !label || strcmp(label, l->app) ||
			  (l->ref->uid && (!uid || strcmp(uid, l->ref->uid)));
}

static int keep_old(struct engine *e, const struct apply_ref *r,
		    const struct item *it)
{
	if (!it)
		return 1;
	if (!it->prune)
		return 0; /* desired: its entry comes from the item */
	/* pruned, or found not to be the app's any more: forgotten */
	return !(it->state == IT_DONE || it->state == IT_SKIPPED);
}

static void add_leftovers(struct engine *e, struct apply_inventory *inv,
			  int intent)
{
	struct leftover *l = xcalloc(e->old.nr + 1, sizeof(*l));
	size_t n = 0;

	for (size_t i = 0; i < e->old.nr; i++) {
		const struct apply_ref *r = &e->old.v[i];
		const struct item *it = item_for_ref(e, r);

		if (!keep_old(e, r, it))
			continue;
		l[n].ref = r;
		l[n].app = e->o->app;
		/* checked after a run, not before it */
		if (!intent && !it && (l[n].path = inventory_ref_path(e->c, r)))
			kube_submit(e->c,
				    &(struct kube_request){ .method = "GET",
							    .path = l[n].path,
							    .done = got_leftover,
							    .data = &l[n] });
		n++;
	}
	kube_run(e->c);
	for (size_t i = 0; i < n; i++) {
		const struct apply_ref *r = l[i].ref;
		if (!l[i].drop)
			inventory_add(inv, r->api_version, r->kind,
				      r->namespace, r->name, r->uid,
				      r->revision, r->last_applied);
		free(l[i].path);
	}
	free(l);
}

static void build_inventory(struct engine *e, struct apply_inventory *inv,
			    const char *outcome, int intent)
{
	memset(inv, 0, sizeof(*inv));
	inv->app = xstrdup(e->o->app);
	inv->revision = xstrdup(e->revision);
	inv->outcome = xstrdup(outcome);
	inv->resource_version = e->old.resource_version
					? xstrdup(e->old.resource_version)
					: NULL;
	for (size_t i = 0; i < e->n; i++)
		if (!e->items[i].prune)
			add_desired(e, inv, &e->items[i], intent);
	add_leftovers(e, inv, intent);
	inventory_sort(inv);
}

static enum apply_outcome outcome_of(struct engine *e)
{
	if (e->failed)
		return APPLY_FAILED;
	if (e->stopped)
		return APPLY_INTERRUPTED;
	if (e->unhealthy)
		return APPLY_UNHEALTHY;
	return APPLY_SUCCEEDED;
}

static void write_final_inventory(struct engine *e)
{
	struct apply_inventory inv;
	struct gerr err = GERR_INIT;

	build_inventory(e, &inv, apply_outcome_name(outcome_of(e)), 0);
	if (inventory_write(e->c, e->ns, &inv, &e->old, &err) < 0) {
		e->failed = 1;
		engine_error(e, NULL, gerr_msg(&err));
	}
	gerr_clear(&err);
	apply_inventory_clear(&inv);
}

/* ------------------------------------------------------------------ */
/* The result                                                           */

static void fill_result(struct engine *e, struct apply_result *res)
{
	static const char *const undone[] = { "unchanged", "create", "update",
					      "delete" };
	struct report_item *unhealthy = xcalloc(e->n + 1, sizeof(*unhealthy));
	struct report_item *not_done = xcalloc(e->n + 1, sizeof(*not_done));
	size_t nu = 0, nn = 0;

	res->outcome = outcome_of(e);
	res->revision = xstrdup(e->revision);
	res->objects = xcalloc(e->n + 1, sizeof(*res->objects));
	res->not_done = xcalloc(e->n + 1, sizeof(*res->not_done));
	for (size_t i = 0; i < e->n; i++) {
		struct item *it = &e->items[i];
		const char *a = it->state == IT_DONE ? it->action : NULL;

		if (a && !strcmp(a, "created"))
			res->created++;
		else if (a && (!strcmp(a, "updated") || !strcmp(a, "replaced")))
			res->updated++;
		else if (a && !strcmp(a, "deleted"))
			res->deleted++;
		else if (it->ch->action == DIFF_UNCHANGED)
			res->unchanged++;
		if ((it->state == IT_PENDING || it->state == IT_BUSY) &&
		    it->ch->action != DIFF_UNCHANGED) {
			struct apply_object *o = &res->not_done[res->nr_not_done++];
			o->id = xstrdup(it->ch->id);
			o->action = it->ch->action;
			not_done[nn++] = (struct report_item){
				o->id, undone[it->ch->action], NULL };
		}
		if (it->prune)
			continue;
		if (!it->health_known)
			item_health(e, it, 1);
		struct apply_object *o = &res->objects[res->nr_objects++];
		o->id = xstrdup(it->ch->id);
		o->action = it->ch->action;
		o->health = it->health;
		o->message = it->health_msg ? xstrdup(it->health_msg) : NULL;
		if (it->health != HEALTH_HEALTHY && it->live &&
		    it->state == IT_DONE)
			unhealthy[nu++] = (struct report_item){
				o->id, health_status_name(o->health),
				o->message };
	}
	res->seconds = engine_now() - e->start;
	report_run_end(e->run,
		       &(struct report_summary){
			       .outcome = apply_outcome_name(res->outcome),
			       .created = res->created,
			       .updated = res->updated,
			       .unchanged = res->unchanged,
			       .deleted = res->deleted,
			       .unhealthy = unhealthy,
			       .nr_unhealthy = nu,
			       .not_done = not_done,
			       .nr_not_done = nn,
			       .seconds = res->seconds });
	e->run = NULL;
	free(unhealthy);
	free(not_done);
}

void apply_result_clear(struct apply_result *res)
{
	for (size_t i = 0; i < res->nr_objects; i++) {
		free(res->objects[i].id);
		free(res->objects[i].message);
	}
	for (size_t i = 0; i < res->nr_not_done; i++)
		free(res->not_done[i].id);
	free(res->objects);
	free(res->not_done);
	free(res->revision);
	memset(res, 0, sizeof(*res));
}

/* ------------------------------------------------------------------ */

static int init_items(struct engine *e, const struct diff_set *set,
		      struct gerr *err)
{
	e->items = xcalloc(set->nr + 1, sizeof(*e->items));
	for (size_t i = 0; i < set->nr; i++) {
		const struct diff_change *ch = &set->v[i];
		struct item *it = &e->items[e->n++];

		it->e = e;
		it->ch = ch;
		it->prune = ch->action == DIFF_DELETE;
		it->live = ch->live ? json_incref(ch->live) : NULL;
		it->planned = ch->live ? json_incref(ch->live) : NULL;
		it->patch = ch->patch ? json_incref(ch->patch) : NULL;
		it->result = ch->result ? json_incref(ch->result) : NULL;
		if (it->prune) {
			char group[256];
			it->place.hook = HOOK_MAIN;
			it->place.cls = apply_class(
				obj_group(ch->live, group, sizeof(group)),
				obj_kind(ch->live));
			continue;
		}
		if (!ch->desired)
			return gerr_setc(err, GERR_INPUT,
					 "%s: no desired object", ch->id);
		if (place_of(ch->desired, &it->place, err) < 0)
			return gerr_prefix(err, "%s", ch->id);
		it->replaceable = wants_replace(ch->desired) ||
				  it->place.hook != HOOK_MAIN;
		it->desired = with_app_label(ch->desired, e->o->app);
		it->last_text = apply_last_applied(ch->desired);
		if (ch->action == DIFF_CREATE &&
		    !inventory_find(&e->old, ch->group, ch->kind, ch->namespace,
				    ch->name))
			e->prewrite_pending = 1;
	}
	return 0;
}

static void free_items(struct engine *e)
{
	for (size_t i = 0; i < e->n; i++) {
		struct item *it = &e->items[i];
		json_decref(it->desired);
		json_decref(it->planned);
		json_decref(it->patch);
		json_decref(it->result);
		json_decref(it->live);
		free(it->last_text);
		free(it->path);
		free(it->coll);
		free(it->health_msg);
	}
	free(e->items);
}

static const char *dry_run_name(enum apply_dry_run d)
{
	return d == APPLY_DRY_RUN_CLIENT   ? "client"
	       : d == APPLY_DRY_RUN_SERVER ? "server"
					   : NULL;
}

int apply_execute(struct kube_client *c, const struct diff_set *set,
		  const struct apply_opts *opts, struct apply_result *res,
		  struct gerr *err)
{
	struct engine e;
	size_t objects = 0;
	int rc = -1;

	memset(&e, 0, sizeof(e));
	memset(res, 0, sizeof(*res));
	e.c = c;
	e.o = opts;
	e.ns = apply_namespace(c, opts);
	e.start = engine_now();
	e.concurrency = opts->concurrency > 0 ? opts->concurrency : 64;
	if (apply_inventory_read(c, opts->app, e.ns, &e.old, err) < 0 ||
	    init_items(&e, set, err) < 0) {
		res->outcome = APPLY_FAILED;
		goto out;
	}
	e.revision = opts->revision ? xstrdup(opts->revision)
				    : apply_digest(set);
	for (size_t i = 0; i < e.n; i++)
		objects += !e.items[i].prune;
	e.run = report_run_start(opts->report, opts->app, e.revision, objects,
				 dry_run_name(opts->dry_run));
	run_all(&e);
	if (opts->dry_run == APPLY_DRY_RUN_NONE)
		write_final_inventory(&e);
	fill_result(&e, res);
	switch (res->outcome) {
	case APPLY_FAILED:
		gerr_move(err, &e.first_err);
		if (e.nr_errors > 1)
			gerr_prefix(err, "%zu errors, the first", e.nr_errors);
		break;
	case APPLY_INTERRUPTED:
		gerr_setc(err, GERR_INTERRUPTED,
			  "interrupted: %zu change%s not made (run apply again "
			  "to finish)",
			  res->nr_not_done, res->nr_not_done == 1 ? "" : "s");
		break;
	default:
		rc = 0;
	}
out:
	free(e.revision);
	free_items(&e);
	apply_inventory_clear(&e.old);
	gerr_clear(&e.first_err);
	return rc;
}

int apply_run(struct kube_client *c, const struct obj_list *objs,
	      const struct apply_opts *opts, struct apply_result *res,
	      struct gerr *err)
{
	struct diff_set set = DIFF_SET_INIT;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = apply_plan(c, objs, opts, &set, err);
	if (rc < 0)
		res->outcome = APPLY_FAILED;
	else
		rc = apply_execute(c, &set, opts, res, err);
	diff_set_clear(&set);
	return rc;
}
