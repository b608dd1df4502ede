/* apply_plan: the change set of an app, checked, with its prunes; and the
 * comparison of a saved plan with the plan made now. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/apply/internal.h"
#include "pkg/base/mem.h"
#include "pkg/kube/kube.h"

/* The app name goes into a label value and a ConfigMap name. */
static int check_app(const char *app, struct gerr *err)
{
	size_t n = app ? strlen(app) : 0;

	if (!n)
		return gerr_setc(err, GERR_INPUT, "no app name given");
	if (n > 63)
		return gerr_setc(err, GERR_INPUT,
				 "app name \"%s\" is longer than 63 characters",
				 app);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)app[i];
		if (!(islower(ch) || isdigit(ch) ||
		      (ch == '-' && i > 0 && i + 1 < n)))
			return gerr_setc(err, GERR_INPUT,
					 "app name \"%s\" is not a DNS label "
					 "(lower case letters, digits and '-', "
					 "starting and ending with a letter or "
					 "digit)",
					 app);
	}
	return 0;
}

static void origin_prefix(struct gerr *err, const struct obj *o)
{
	struct strbuf id = STRBUF_INIT;

	obj_format_id(&id, o->json);
	if (o->file)
		gerr_prefix(err, "%s:%d: %s", o->file, o->line, id.buf);
	else
		gerr_prefix(err, "%s", id.buf);
	strbuf_release(&id);
}

/* Everything that can be checked without the cluster; the labelled
 * copies of the objects go to dec. */
static int check_local(const struct obj_list *objs,
		       const struct apply_opts *opts, const char *ns,
		       struct obj_list *dec, struct gerr *err)
{
	char *inv_name = apply_inventory_name(opts->app);
	int rc = 0;

	for (size_t i = 0; i < objs->nr && !rc; i++) {
		const struct obj *o = &objs->v[i];
		const char *label = label_of(o->json, APP_LABEL);
		char group[256];
		struct place p;

		if (place_of(o->json, &p, err) < 0) {
			rc = -1;
		} else if (label && strcmp(label, opts->app)) {
			rc = gerr_setc(err, GERR_INPUT,
				       "label %s is \"%s\", but the object is "
				       "applied as part of app \"%s\"",
				       APP_LABEL, label, opts->app);
		} else if (!*obj_group(o->json, group, sizeof(group)) &&
			   !strcmp(obj_kind(o->json), "ConfigMap") &&
			   !strcmp(obj_name(o->json), inv_name) &&
			   (!*obj_namespace(o->json) ||
			    !strcmp(obj_namespace(o->json), ns))) {
			rc = gerr_setc(err, GERR_INPUT,
				       "this name is gantry's: the inventory of "
				       "app \"%s\"",
				       opts->app);
		}
		if (rc)
			origin_prefix(err, o);
		else
			obj_list_push(dec, with_app_label(o->json, opts->app),
				      o->file, o->line);
	}
	free(inv_name);
	return rc;
}

/* The rendered object with the namespace diff_plan gave it. */
static json_t *plain_desired(const json_t *obj, const char *ns)
{
	const char *have = obj_namespace(obj);
	json_t *md = json_object_get(obj, "metadata");
	json_t *copy;

	if (*ns ? !strcmp(have, ns) : !json_object_get(md, "namespace"))
		return json_incref((json_t *)obj);
	copy = json_deep_copy(obj);
	if (*ns)
		json_object_set_new(json_object_get(copy, "metadata"),
				    "namespace", json_string(ns));
	else
		json_object_del(json_object_get(copy, "metadata"), "namespace");
	return copy;
}

/* Compute set->v[i] again against live (the old change is freed). */
static int recompute(struct diff_set *set, size_t i, const json_t *desired,
		     const json_t *live, const struct diff_rules *rules,
		     struct gerr *err)
{
	struct diff_set trash = DIFF_SET_INIT;
	struct diff_change *old = diff_set_push(&trash);
	int rc;

	*old = set->v[i];
	memset(&set->v[i], 0, sizeof(set->v[i]));
	rc = diff_compute(desired, live, type_of(desired), rules, &set->v[i],
			  err);
	set->v[i].source = old->source;
	set->v[i].crd_pending = old->crd_pending;
	old->source = NULL;
	diff_set_clear(&trash);
	return rc;
}

/* A large object's last-applied configuration lives in the inventory:
 * diff it as if the live object carried it. */
static int use_inventory_last(struct diff_set *set, size_t i,
			      const json_t *desired,
			      const struct apply_inventory *inv,
			      const struct diff_rules *rules,
			      struct gerr *err)
{
	const struct diff_change *ch = &set->v[i];
	const struct apply_ref *ref;
	const char *mark;
	json_t *live;
	int rc;

	if (!ch->live || annotation_of(ch->live, LAST_APPLIED))
		return 0;
	mark = annotation_of(ch->live, LARGE_ANNOTATION);
	if (!mark || strcmp(mark, LARGE_VALUE))
		return 0;
	ref = inventory_find(inv, ch->group, ch->kind, ch->namespace,
			     ch->name);
	if (!ref || !ref->last_applied || !ref->uid || !ch->uid ||
	    strcmp(ref->uid, ch->uid))
		return 0;
	live = json_deep_copy(ch->live);
	json_t *md = json_object_get(live, "metadata");
	json_object_set_new(json_object_get(md, "annotations"), LAST_APPLIED,
			    json_string(ref->last_applied));
	rc = recompute(set, i, desired, live, rules, err);
	json_decref(live);
	return rc;
}

/* Custom resources of a CRD in the input must come in a later step. */
static int check_crd_order(const struct diff_set *set, size_t base,
			   struct gerr *err)
{
	for (size_t j = base; j < set->nr; j++) {
		const struct diff_change *cr = &set->v[j];
		struct place pj, pk;
		int found = 0;

		if (!cr->crd_pending)
			continue;
		place_of(cr->desired, &pj, NULL);
		for (size_t k = base; k < set->nr && !found; k++) {
			const json_t *spec = json_object_get(set->v[k].desired,
							     "spec");
			const char *g = json_string_value(
				json_object_get(spec, "group"));
			const char *kind = json_string_value(json_object_get(
				json_object_get(spec, "names"), "kind"));

			if (strcmp(set->v[k].kind, "CustomResourceDefinition") ||
			    !g || !kind || strcmp(g, cr->group) ||
			    strcmp(kind, cr->kind))
				continue;
			found = 1;
			place_of(set->v[k].desired, &pk, NULL);
			if (place_cmp(&pk, &pj) >= 0)
				return gerr_setc(
					err, GERR_INPUT,
					"%s: its CustomResourceDefinition %s "
					"is applied in a later hook phase or "
					"wave (%s %ld) than the object (%s "
					"%ld): give the object a later %s",
					cr->id, set->v[k].name,
					pk.hook == HOOK_PRE	 ? "pre"
					: pk.hook == HOOK_POST ? "post"
							       : "main",
					pk.wave,
					pj.hook == HOOK_PRE	 ? "pre"
					: pj.hook == HOOK_POST ? "post"
							       : "main",
					pj.wave, WAVE_ANNOTATION);
		}
	}
	return 0;
}

/* An object of another app is not taken over silently. */
static int check_owner(const struct diff_change *ch,
		       const struct apply_opts *opts, struct gerr *err)
{
	const char *owner = ch->live ? label_of(ch->live, APP_LABEL) : NULL;

	if (!owner || !*owner || !strcmp(owner, opts->app) ||
	    opts->force_conflicts)
		return 0;
	return gerr_setc(err, GERR_CONFLICT,
			 "%s belongs to app \"%s\" (its label %s): two apps "
			 "would fight over it; remove it from one of them, or "
			 "use --force-conflicts to take it over",
			 ch->id, owner, APP_LABEL);
}

/* ------------------------------------------------------------------ */
/* Prunes                                                               */

struct prune_get {
	const struct apply_ref *ref;
	char *path;
	json_t *live;
	struct gerr err;
};

static void got_prune(struct kube_client *c, const struct kube_response *resp,
		      void *data)
{
	struct prune_get *g = data;

	if (resp->status == 200 && json_is_object(resp->body))
		g->live = json_incref(resp->body);
	else if (resp->status != 404)
		gerr_setc(&g->err, resp->err.code ? resp->err.code : GERR_FAIL,
			  "%s", resp->err.msg ? resp->err.msg : "no object");
}

static int prunable(const json_t *live, const struct apply_ref *ref,
		    const char *app)
{
	const char *l = label_of(live, APP_LABEL);
	const char *p = annotation_of(live, PRUNE_ANNOTATION);
	const char *uid = json_string_value(
		json_object_get(json_object_get(live, "metadata"), "uid"));
	const char *rev = annotation_of(live, REVISION_ANNOTATION);

	if (!l || strcmp(l, app))
		return 0; /* not ours any more */
	if (ref->uid ? !uid || strcmp(uid, ref->uid)
		     : !rev || !ref->revision || strcmp(rev, ref->revision))
		return 0; /* someone made it again */
	return !p || strcmp(p, "disabled");
}

static int plan_prunes(struct kube_client *c,
		       const struct apply_inventory *inv,
		       struct diff_set *set, size_t base,
		       const struct apply_opts *opts, struct gerr *err)
{
	struct prune_get *gets = xcalloc(inv->nr + 1, sizeof(*gets));
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < inv->nr; i++) {
		const struct apply_ref *ref = &inv->v[i];
		int desired = 0;

		for (size_t j = base; j < set->nr && !desired; j++) {
			const struct diff_change *ch = &set->v[j];
			desired = !strcmp(ch->group, ref->group) &&
				  !strcmp(ch->kind, ref->kind) &&
				  !strcmp(ch->namespace, ref->namespace) &&
				  !strcmp(ch->name, ref->name);
		}
		if (desired || !(gets[n].path = inventory_ref_path(c, ref)))
			continue;
		gets[n].ref = ref;
		kube_submit(c, &(struct kube_request){ .method = "GET",
						       .path = gets[n].path,
						       .done = got_prune,
						       .data = &gets[n] });
		n++;
	}
	kube_run(c);
	for (size_t i = 0; i < n; i++) {
		if (!rc && gerr_failed(&gets[i].err)) {
			gerr_move(err, &gets[i].err);
			rc = gerr_prefix(err, "reading %s/%s to prune it",
					 gets[i].ref->kind, gets[i].ref->name);
		}
		if (!rc && gets[i].live &&
		    prunable(gets[i].live, gets[i].ref, opts->app))
			diff_delete(gets[i].live, opts->rules,
				    diff_set_push(set));
		json_decref(gets[i].live);
		free(gets[i].path);
		gerr_clear(&gets[i].err);
	}
	free(gets);
	return rc;
}

/* ------------------------------------------------------------------ */

int apply_plan(struct kube_client *c, const struct obj_list *objs,
	       const struct apply_opts *opts, struct diff_set *set,
	       struct gerr *err)
{
	struct obj_list dec = OBJ_LIST_INIT;
	struct apply_inventory inv = APPLY_INVENTORY_INIT;
	size_t base = set->nr;
	const char *ns;
	int rc = -1;

	if (check_app(opts->app, err) < 0)
		return -1;
	ns = apply_namespace(c, opts);
	if (check_local(objs, opts, ns, &dec, err) < 0 ||
	    obj_list_check_duplicates(objs, err) < 0 ||
	    apply_inventory_read(c, opts->app, ns, &inv, err) < 0 ||
	    diff_plan(c, &dec,
		      &(struct diff_plan_opts){ .default_namespace = ns,
						.rules = opts->rules },
		      set, err) < 0)
		goto out;
	for (size_t i = 0; i < objs->nr; i++) {
		size_t at = base + i;
		json_t *plain = plain_desired(objs->v[i].json,
					      set->v[at].namespace);
		json_t *labelled = with_app_label(plain, opts->app);

		rc = use_inventory_last(set, at, labelled, &inv, opts->rules,
					err);
		json_decref(labelled);
		if (rc == 0)
			rc = check_owner(&set->v[at], opts, err);
		if (rc < 0) {
			json_decref(plain);
			goto out;
		}
		/* what the last-applied annotation must hold */
		json_decref(set->v[at].desired);
		set->v[at].desired = plain;
	}
	rc = -1;
	if (check_crd_order(set, base, err) < 0 ||
	    (opts->prune && plan_prunes(c, &inv, set, base, opts, err) < 0))
		goto out;
	rc = 0;
out:
	diff_set_count(set);
	apply_inventory_clear(&inv);
	obj_list_clear(&dec);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Saved plans                                                          */

void apply_saved_objects(const struct diff_set *saved, struct obj_list *out)
{
	for (size_t i = 0; i < saved->nr; i++) {
		const struct diff_change *ch = &saved->v[i];
		char *file = NULL;
		int line = 0;

		if (ch->action == DIFF_DELETE || !ch->desired)
			continue;
		if (ch->source) {
			const char *colon = strrchr(ch->source, ':');
			file = colon ? xstrndup(ch->source,
						(size_t)(colon - ch->source))
				     : xstrdup(ch->source);
			line = colon ? atoi(colon + 1) : 0;
		}
		obj_list_push(out, json_incref(ch->desired), file, line);
		free(file);
	}
}

static const struct diff_change *find_change(const struct diff_set *set,
					     const char *id,
					     enum diff_action delete_or_not)
{
	for (size_t i = 0; i < set->nr; i++)
		if (!strcmp(set->v[i].id, id) &&
		    (set->v[i].action == DIFF_DELETE) ==
			    (delete_or_not == DIFF_DELETE))
			return &set->v[i];
	return NULL;
}

static int same_change(const struct diff_change *a,
		       const struct diff_change *b)
{
	if (!a || !b || a->action != b->action)
		return 0;
	if (a->action == DIFF_DELETE)
		return a->uid && b->uid && !strcmp(a->uid, b->uid);
	if (a->action != DIFF_UPDATE)
		return 1;
	if (a->nr_paths != b->nr_paths || !merge_json_equal(a->patch, b->patch))
		return 0;
	for (size_t i = 0; i < a->nr_paths; i++) {
		const struct diff_path *p = &a->paths[i], *q = &b->paths[i];
		if (strcmp(p->path, q->path) || p->op != q->op ||
		    !merge_json_equal(p->before, q->before) ||
		    !merge_json_equal(p->after, q->after))
			return 0;
	}
	return 1;
}

int apply_compare_plans(const struct diff_set *saved,
			const struct diff_set *now, struct gerr *err)
{
	struct strbuf moved = STRBUF_INIT;
	size_t n = 0;
	int rc = 0;

	for (int pass = 0; pass < 2; pass++) {
		const struct diff_set *a = pass ? now : saved;
		const struct diff_set *b = pass ? saved : now;

		for (size_t i = 0; i < a->nr; i++) {
			const struct diff_change *x = &a->v[i];
			const struct diff_change *y =
				find_change(b, x->id, x->action);

			if (pass && y)
				continue; /* compared in the first pass */
			if (same_change(x, y))
				continue;
			if (n < 5)
				strbuf_addf(&moved, "%s%s (planned: %s, now: %s)",
					    n ? "; " : "", x->id,
					    pass ? (y ? diff_action_name(
							       y->action)
						      : "nothing")
						 : diff_action_name(x->action),
					    pass ? diff_action_name(x->action)
						 : y ? (y->action == x->action
								? "other changes"
								: diff_action_name(
									  y->action))
						     : "nothing");
			n++;
		}
	}
	if (n)
		rc = gerr_setc(err, GERR_CONFLICT,
			       "the cluster changed since the plan was made, "
			       "%zu object%s would change differently: %s%s; "
			       "make a new plan",
			       n, n == 1 ? "" : "s", moved.buf,
			       n > 5 ? "; ..." : "");
	strbuf_release(&moved);
	return rc;
}
