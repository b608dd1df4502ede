/*
 * pkg/sim: the simulated controllers, one step per tick and deterministic
 * (objects in key order, no clocks but the tick count): workloads converge
 * to ready READY_TICKS ticks after each spec change (or never, for an
 * image tagged "fail"), Jobs complete or fail, claims bind, load
 * balancers get addresses, Pods run, namespaces and CRDs being deleted
 * empty themselves, and the garbage collector removes orphans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

#define READY_TICKS 3

static const struct rtype *T(struct sim *s, const char *group,
			     const char *res)
{
	for (size_t i = 0; i < s->ntypes; i++)
		if (!strcmp(s->types[i]->group, group) &&
		    !strcmp(s->types[i]->resource, res))
			return s->types[i];
	return NULL;
}

static json_t *ctl_state(struct sim *s, const json_t *obj)
{
	const char *uid = jstr(obj, "metadata.uid");

	return jobj(s->ctl, uid ? uid : "");
}

/* Ticks since the controller first saw the object's current generation. */
static long long ticks_since_change(struct sim *s, const json_t *obj)
{
	json_t *st = ctl_state(s, obj);
	json_int_t gen = json_integer_value(jpath(obj, "metadata.generation"));

	if (!json_object_get(st, "gen") ||
	    json_integer_value(json_object_get(st, "gen")) != gen) {
		json_object_set_new(st, "gen", json_integer(gen));
		json_object_set_new(st, "since", json_integer(s->ticks));
	}
	return s->ticks - json_integer_value(json_object_get(st, "since"));
}

static void now_string(struct strbuf *out)
{
	util_timestamp(out);
}

/* Set a condition, keeping lastTransitionTime while its status holds
 * (and lastUpdateTime while nothing changes, for kinds that have one). */
static void set_condition(json_t *status, const char *type, const char *st,
			  const char *reason, const char *message,
			  int update_time)
{
	json_t *conds = json_object_get(status, "conditions"), *c = NULL, *x;
	struct strbuf now = STRBUF_INIT;
	size_t i;

	if (!json_is_array(conds)) {
		conds = json_array();
		json_object_set_new(status, "conditions", conds);
	}
	json_array_foreach(conds, i, x)
		if (!strcmp(jstr(x, "type") ? jstr(x, "type") : "", type))
			c = x;
	now_string(&now);
	if (!c) {
		c = json_object();
		json_object_set_new(c, "type", json_string(type));
		json_array_append_new(conds, c);
	}
	if (!jstr(c, "status") || strcmp(jstr(c, "status"), st))
		json_object_set_new(c, "lastTransitionTime",
				    json_string(now.buf));
	if (update_time &&
	    (!jstr(c, "reason") || strcmp(jstr(c, "reason"), reason) ||
	     !jstr(c, "status") || strcmp(jstr(c, "status"), st) ||
	     !json_object_get(c, "lastUpdateTime")))
		json_object_set_new(c, "lastUpdateTime", json_string(now.buf));
	json_object_set_new(c, "status", json_string(st));
	json_object_set_new(c, "reason", json_string(reason));
	json_object_set_new(c, "message", json_string(message));
	strbuf_release(&now);
	/* the order of the Go types' fields */
	{
		json_t *o = json_object();
		static const char *const order[] = {
			"type", "status", "lastProbeTime", "lastUpdateTime",
			"lastTransitionTime", "reason", "message", NULL
		};

		for (size_t k = 0; order[k]; k++)
			if (json_object_get(c, order[k]))
				json_object_set(o, order[k],
						json_object_get(c, order[k]));
		json_object_clear(c);
		json_object_update(c, o);
		json_decref(o);
	}
}

static int image_fails(const json_t *podspec)
{
	static const char *const lists[] = { "containers", "initContainers",
					     NULL };

	for (size_t l = 0; lists[l]; l++) {
		size_t i;
		json_t *c;

		json_array_foreach(json_object_get(podspec, lists[l]), i, c) {
			const char *img = jstr(c, "image");
			const char *slash = img ? strrchr(img, '/') : NULL;
			const char *colon = img ? strrchr(slash ? slash : img,
							  ':') : NULL;

			if (colon && !strcmp(colon + 1, "fail"))
				return 1;
		}
	}
	return 0;
}

/* pod-template-hash: FNV-1a of the template in the server's safe
 * alphabet, stable for a template */
static void template_hash(const json_t *tmpl, char out[11])
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	char *text = json_dumps(tmpl, JSON_COMPACT | JSON_SORT_KEYS);
	uint32_t h = 2166136261u;
	int n = 0;

	for (const char *p = text ? text : ""; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	free(text);
	do {
		out[n++] = alphabet[h % 27];
		h /= 27;
	} while (h && n < 10);
	out[n] = 0;
}

static void set_int(json_t *o, const char *k, long long v)
{
	json_object_set_new(o, k, json_integer(v));
}


/* ---- ReplicaSets and Pods of workloads ---- */

static void delete_obj(struct sim *s, const struct rtype *t,
		       const json_t *o);

static int owned_by(const json_t *o, const char *uid)
{
	size_t i;
	json_t *r;

	json_array_foreach(jpath(o, "metadata.ownerReferences"), i, r)
		if (uid && !strcmp(jstr(r, "uid") ? jstr(r, "uid") : "", uid))
			return 1;
	return 0;
}

static json_t *owner_ref(const json_t *owner, const char *api_version,
			 const char *kind)
{
	json_t *refs = json_array(), *r = json_object();

	json_object_set_new(r, "apiVersion", json_string(api_version));
	json_object_set_new(r, "kind", json_string(kind));
	json_object_set(r, "name", jpath(owner, "metadata.name"));
	json_object_set(r, "uid", jpath(owner, "metadata.uid"));
	json_object_set_new(r, "controller", json_true());
	json_object_set_new(r, "blockOwnerDeletion", json_true());
	json_array_append_new(refs, r);
	return refs;
}

static json_t *create_child_of(struct sim *s, const struct rtype *t,
			       const char *ns, json_t *obj)
{
	struct strvec warn = STRVEC_INIT;
	json_t *st = NULL, *r;

	r = write_create(s, t, ns, obj, 0, &warn, &st);
	json_decref(st);
	json_decref(obj);
	strvec_clear(&warn);
	return r;
}

/* A controller's generated name: deterministic, from the owner and a
 * serial number, in the server's safe alphabet. */
static char *child_name(struct sim *s, const json_t *owner)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	json_t *st = ctl_state(s, owner);
	long long n = json_integer_value(json_object_get(st, "serial"));
	const char *name = jstr(owner, "metadata.name");
	uint32_t h = 2166136261u;
	char suffix[6];

	json_object_set_new(st, "serial", json_integer(n + 1));
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ (uint32_t)n) * 16777619u;
	for (int i = 0; i < 5; i++) {
		suffix[i] = alphabet[h % 27];
		h = h / 27 + (uint32_t)i * 7919u;
	}
	suffix[5] = 0;
	return xasprintf("%s-%s", name, suffix);
}

/* The Pods a ReplicaSet or StatefulSet owns, by name */
static json_t *owned_pods(struct sim *s, const json_t *owner)
{
	json_t *all = store_list(s, T(s, "", "pods"),
				 jstr(owner, "metadata.namespace"));
	json_t *mine = json_array(), *p;
	size_t i;

	json_array_foreach(all, i, p)
		if (owned_by(p, jstr(owner, "metadata.uid")) &&
		    !jpath(p, "metadata.deletionTimestamp"))
			json_array_append(mine, p);
	json_decref(all);
	return mine;
}

static json_t *pod_from_template(const json_t *owner, const json_t *tmpl,
				 const char *api_version, const char *kind,
				 const char *name)
{
	json_t *pod = json_object(), *meta;

	json_object_set_new(pod, "apiVersion", json_string("v1"));
	json_object_set_new(pod, "kind", json_string("Pod"));
	meta = json_deep_copy(json_object_get(tmpl, "metadata"));
	if (!meta)
		meta = json_object();
	json_object_del(meta, "creationTimestamp");
	json_object_set_new(meta, "name", json_string(name));
	json_object_set_new(meta, "ownerReferences",
			    owner_ref(owner, api_version, kind));
	json_object_set_new(pod, "metadata", meta);
	json_object_set_new(pod, "spec",
			    json_deep_copy(json_object_get(tmpl, "spec")));
	return pod;
}

/* A ReplicaSet's Pods: made up to spec.replicas, the surplus deleted
 * (the last names first). */
static void replicaset_pods(struct sim *s, const json_t *rs)
{
	const struct rtype *pt = T(s, "", "pods");
	json_t *mine = owned_pods(s, rs);
	long long want = json_integer_value(jpath(rs, "spec.replicas"));
	const char *ns = jstr(rs, "metadata.namespace");

	for (long long n = (long long)json_array_size(mine); n < want; n++) {
		char *name = child_name(s, rs);

		json_decref(create_child_of(
			s, pt, ns,
			pod_from_template(rs, jpath(rs, "spec.template"),
					  "apps/v1", "ReplicaSet", name)));
		free(name);
	}
	for (long long n = (long long)json_array_size(mine); n > want; n--)
		delete_obj(s, pt, json_array_get(mine, (size_t)n - 1));
	json_decref(mine);
}

/* ceil(percent of n) or the number, for maxSurge */
static long long scaled(const json_t *v, long long n)
{
	const char *str = json_string_value(v);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (str && strchr(str, '%'))
		return (atoll(str) * n + 99) / 100;
	return 0;
}

/* The ReplicaSet of the Deployment's current template (made when the
 * template is new, with the next revision), older ones scaled to zero.
 * Returns the revision. */
static long long deployment_replicasets(struct sim *s, const json_t *d,
					const char *hash, long long want)
{
	const struct rtype *rst = T(s, "apps", "replicasets");
	const char *ns = jstr(d, "metadata.namespace");
	const char *uid = jstr(d, "metadata.uid");
	char *name = xasprintf("%s-%s", jstr(d, "metadata.name"), hash);
	json_t *all = store_list(s, rst, ns), *rs, *current = NULL;
	long long max_rev = 0, rev;
	size_t i;
	char buf[32];

	json_array_foreach(all, i, rs) {
		const char *r = json_string_value(json_object_get(
			jpath(rs, "metadata.annotations"),
			"deployment.kubernetes.io/revision"));

		if (!owned_by(rs, uid))
			continue;
		if (r && atoll(r) > max_rev)
			max_rev = atoll(r);
		if (!strcmp(jstr(rs, "metadata.name"), name))
			current = rs;
	}
	rev = current ? atoll(json_string_value(json_object_get(
				jpath(current, "metadata.annotations"),
				"deployment.kubernetes.io/revision"))
				? json_string_value(json_object_get(
					  jpath(current,
						"metadata.annotations"),
					  "deployment.kubernetes.io/revision"))
				: "1")
		      : max_rev + 1;
	json_array_foreach(all, i, rs) {
		json_t *o;

		if (!owned_by(rs, uid) || rs == current ||
		    !json_integer_value(jpath(rs, "spec.replicas")))
			continue;
		o = json_deep_copy(rs);
		json_object_set_new(json_object_get(o, "spec"), "replicas",
				    json_integer(0));
		write_controller(s, rst, o);
	}
	if (!current) {
		json_t *o = json_object(), *meta = json_object(), *spec;
		json_t *labels, *ann = json_object(), *sel;

		labels = json_deep_copy(jpath(d, "spec.template.metadata."
						 "labels"));
		if (!labels)
			labels = json_object();
		json_object_set_new(labels, "pod-template-hash",
				    json_string(hash));
		json_object_set_new(meta, "name", json_string(name));
		json_object_set(meta, "labels", labels);
		snprintf(buf, sizeof(buf), "%lld", want);
		json_object_set_new(ann, "deployment.kubernetes.io/"
					 "desired-replicas", json_string(buf));
		snprintf(buf, sizeof(buf), "%lld",
			 want + scaled(jpath(d, "spec.strategy.rollingUpdate."
						"maxSurge"), want));
		json_object_set_new(ann, "deployment.kubernetes.io/max-replicas",
				    json_string(buf));
		snprintf(buf, sizeof(buf), "%lld", rev);
		json_object_set_new(ann, "deployment.kubernetes.io/revision",
				    json_string(buf));
		json_object_set_new(meta, "annotations", ann);
		json_object_set_new(meta, "ownerReferences",
				    owner_ref(d, "apps/v1", "Deployment"));
		spec = json_object();
		json_object_set_new(spec, "replicas", json_integer(want));
		sel = json_deep_copy(jpath(d, "spec.selector"));
		json_object_set_new(jobj(sel, "matchLabels"),
				    "pod-template-hash", json_string(hash));
		json_object_set_new(spec, "selector", sel);
		json_object_set_new(spec, "template",
				    json_deep_copy(jpath(d, "spec.template")));
		json_object_set_new(jobj(jobj(json_object_get(spec, "template"),
					      "metadata"), "labels"),
				    "pod-template-hash", json_string(hash));
		json_object_set_new(o, "apiVersion", json_string("apps/v1"));
		json_object_set_new(o, "kind", json_string("ReplicaSet"));
		json_object_set_new(o, "metadata", meta);
		json_object_set_new(o, "spec", spec);
		json_decref(labels);
		json_decref(create_child_of(s, rst, ns, o));
	} else if (json_integer_value(jpath(current, "spec.replicas")) !=
		   want) {
		json_t *o = json_deep_copy(current);

		json_object_set_new(json_object_get(o, "spec"), "replicas",
				    json_integer(want));
		write_controller(s, rst, o);
	}
	json_decref(all);
	free(name);
	return rev;
}

/* A StatefulSet's Pods, NAME-0 ... NAME-(n-1), in order */
static void statefulset_pods(struct sim *s, const json_t *sts, long long n)
{
	const struct rtype *pt = T(s, "", "pods");
	const char *ns = jstr(sts, "metadata.namespace");
	json_t *mine = owned_pods(s, sts), *p;
	size_t i;

	for (long long k = 0; k < n; k++) {
		char *name = xasprintf("%s-%lld", jstr(sts, "metadata.name"),
				       k);

		if (!store_get(s, pt, ns, name)) {
			json_t *pod = pod_from_template(
				sts, jpath(sts, "spec.template"), "apps/v1",
				"StatefulSet", name);

			json_object_set_new(jobj(jmeta(pod), "labels"),
					    "statefulset.kubernetes.io/pod-name",
					    json_string(name));
			json_decref(create_child_of(s, pt, ns, pod));
		}
		free(name);
	}
	json_array_foreach(mine, i, p) {
		const char *pn = jstr(p, "metadata.name");
		const char *dash = strrchr(pn, '-');

		if (dash && atoll(dash + 1) >= n)
			delete_obj(s, pt, p);
	}
	json_decref(mine);
}

static void deployment(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o = json_deep_copy(d), *st;
	long long since = ticks_since_change(s, d);
	long long want = json_integer_value(jpath(d, "spec.replicas"));
	long long deadline = json_is_integer(jpath(d, "spec."
						      "progressDeadlineSeconds"))
				     ? json_integer_value(jpath(
					       d, "spec.progressDeadlineSeconds"))
				     : 600;
	int fails = image_fails(jpath(d, "spec.template.spec"));
	int ready = !fails && since >= READY_TICKS;
	char hash[11];
	struct strbuf m = STRBUF_INIT;
	const char *name = jstr(d, "metadata.name");

	template_hash(jpath(d, "spec.template"), hash);
	{
		char rev[32];

		snprintf(rev, sizeof(rev), "%lld",
			 deployment_replicasets(s, d, hash, want));
		json_object_set_new(jobj(jmeta(o), "annotations"),
				    "deployment.kubernetes.io/revision",
				    json_string(rev));
	}
	st = json_object();
	set_int(st, "observedGeneration",
		json_integer_value(jpath(d, "metadata.generation")));
	if (json_object_get(d, "status"))
		json_object_set(st, "conditions",
				jpath(d, "status.conditions"));
	if (!json_is_array(json_object_get(st, "conditions")))
		json_object_del(st, "conditions");
	else
		json_object_set_new(st, "conditions",
				    json_deep_copy(json_object_get(st,
								   "conditions")));
	if (want > 0) {
		set_int(st, "replicas", want);
		set_int(st, "updatedReplicas", ready || fails ? want : 0);
	}
	if (ready && want > 0) {
		set_int(st, "readyReplicas", want);
		set_int(st, "availableReplicas", want);
	} else if (want > 0) {
		set_int(st, "unavailableReplicas", want);
	}
	if (ready || want == 0)
		set_condition(st, "Available", "True",
			      "MinimumReplicasAvailable",
			      "Deployment has minimum availability.", 1);
	else
		set_condition(st, "Available", "False",
			      "MinimumReplicasUnavailable",
			      "Deployment does not have minimum availability.",
			      1);
	if (ready || want == 0) {
		strbuf_addf(&m, "ReplicaSet \"%s-%s\" has successfully "
			    "progressed.", name, hash);
		set_condition(st, "Progressing", "True",
			      "NewReplicaSetAvailable", m.buf, 1);
	} else if (fails && since >= deadline) {
		strbuf_addf(&m, "ReplicaSet \"%s-%s\" has timed out "
			    "progressing.", name, hash);
		set_condition(st, "Progressing", "False",
			      "ProgressDeadlineExceeded", m.buf, 1);
	} else {
		strbuf_addf(&m, "ReplicaSet \"%s-%s\" is progressing.", name,
			    hash);
		set_condition(st, "Progressing", "True", "ReplicaSetUpdated",
			      m.buf, 1);
	}
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
	strbuf_release(&m);
}

static void create_claims(struct sim *s, const json_t *sts, long long n)
{
	const struct rtype *pt = T(s, "", "persistentvolumeclaims");
	const char *ns = jstr(sts, "metadata.namespace");
	const char *name = jstr(sts, "metadata.name");
	size_t i;
	json_t *tmpl;

	json_array_foreach(jpath(sts, "spec.volumeClaimTemplates"), i, tmpl) {
		for (long long k = 0; k < n; k++) {
			json_t *pvc = json_object(), *meta = json_object();
			json_t *labels, *st = NULL, *res;
			struct strvec warn = STRVEC_INIT;
			char *pn = xasprintf("%s-%s-%lld",
					     jstr(tmpl, "metadata.name"), name,
					     k);

			if (store_get(s, pt, ns, pn)) {
				free(pn);
				json_decref(pvc);
				json_decref(meta);
				continue;
			}
			labels = json_deep_copy(jpath(tmpl, "metadata.labels"));
			if (!labels)
				labels = json_object();
			json_object_update(labels, jpath(sts, "spec.selector."
							      "matchLabels"));
			json_object_set_new(meta, "name", json_string(pn));
			json_object_set_new(meta, "namespace", json_string(ns));
			json_object_set_new(meta, "labels", labels);
			json_object_set_new(pvc, "apiVersion", json_string("v1"));
			json_object_set_new(pvc, "kind",
					    json_string("PersistentVolumeClaim"));
			json_object_set_new(pvc, "metadata", meta);
			json_object_set(pvc, "spec", json_object_get(tmpl,
								     "spec"));
			res = write_create(s, pt, ns, pvc, 0, &warn, &st);
			json_decref(res);
			json_decref(st);
			json_decref(pvc);
			strvec_clear(&warn);
			free(pn);
		}
	}
}

static void statefulset(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o = json_deep_copy(d), *st = json_object();
	long long since = ticks_since_change(s, d);
	long long want = json_integer_value(jpath(d, "spec.replicas"));
	int ready = !image_fails(jpath(d, "spec.template.spec")) &&
		    since >= READY_TICKS;
	char hash[11];
	char *rev;

	create_claims(s, d, want);
	statefulset_pods(s, d, want);
	template_hash(jpath(d, "spec.template"), hash);
	rev = xasprintf("%s-%s", jstr(d, "metadata.name"), hash);
	set_int(st, "observedGeneration",
		json_integer_value(jpath(d, "metadata.generation")));
	set_int(st, "replicas", want);
	if (ready && want) {
		set_int(st, "readyReplicas", want);
		set_int(st, "currentReplicas", want);
		set_int(st, "updatedReplicas", want);
	}
	json_object_set_new(st, "currentRevision", json_string(rev));
	json_object_set_new(st, "updateRevision", json_string(rev));
	set_int(st, "collisionCount", 0);
	set_int(st, "availableReplicas", ready ? want : 0);
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
	free(rev);
}

static void daemonset(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o = json_deep_copy(d), *st = json_object();
	long long since = ticks_since_change(s, d);
	int ready = !image_fails(jpath(d, "spec.template.spec")) &&
		    since >= READY_TICKS;

	/* one simulated node */
	set_int(st, "currentNumberScheduled", 1);
	set_int(st, "numberMisscheduled", 0);
	set_int(st, "desiredNumberScheduled", 1);
	set_int(st, "numberReady", ready ? 1 : 0);
	set_int(st, "observedGeneration",
		json_integer_value(jpath(d, "metadata.generation")));
	set_int(st, "updatedNumberScheduled", 1);
	if (ready)
		set_int(st, "numberAvailable", 1);
	else
		set_int(st, "numberUnavailable", 1);
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
}

static void replicaset(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o, *st;
	long long since = ticks_since_change(s, d);
	long long want = json_integer_value(jpath(d, "spec.replicas"));
	int ready = !image_fails(jpath(d, "spec.template.spec")) &&
		    since >= READY_TICKS;

	replicaset_pods(s, d);
	/* the pods' writes may have replaced d's version: work on the
	 * stored one */
	d = store_get(s, t, jstr(d, "metadata.namespace"),
		      jstr(d, "metadata.name"));
	if (!d)
		return;
	o = json_deep_copy(d);
	st = json_object();
	set_int(st, "replicas", want);
	set_int(st, "fullyLabeledReplicas", want);
	if (ready && want) {
		set_int(st, "readyReplicas", want);
		set_int(st, "availableReplicas", want);
	}
	set_int(st, "observedGeneration",
		json_integer_value(jpath(d, "metadata.generation")));
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
}

static void job(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o, *st;
	long long since = ticks_since_change(s, d);
	long long completions = json_is_integer(jpath(d, "spec.completions"))
					? json_integer_value(jpath(
						  d, "spec.completions"))
					: 1;
	int fails = image_fails(jpath(d, "spec.template.spec"));
	struct strbuf now = STRBUF_INIT;

	if (json_array_size(jpath(d, "status.conditions")))
		return; /* finished */
	if (json_is_true(jpath(d, "spec.suspend")))
		return;
	o = json_deep_copy(d);
	st = jobj(o, "status");
	now_string(&now);
	if (!json_object_get(st, "startTime"))
		json_object_set_new(st, "startTime", json_string(now.buf));
	if (since < READY_TICKS) {
		set_int(st, "active", 1);
		set_int(st, "ready", since > 0 ? 1 : 0);
	} else if (fails) {
		json_object_del(st, "active");
		set_int(st, "ready", 0);
		set_int(st, "failed", json_integer_value(jpath(
					      d, "spec.backoffLimit")) + 1);
		set_condition(st, "FailureTarget", "True",
			      "BackoffLimitExceeded",
			      "Job has reached the specified backoff limit", 0);
		set_condition(st, "Failed", "True", "BackoffLimitExceeded",
			      "Job has reached the specified backoff limit", 0);
	} else {
		json_object_del(st, "active");
		set_int(st, "ready", 0);
		set_int(st, "succeeded", completions);
		json_object_set_new(st, "completionTime", json_string(now.buf));
		set_condition(st, "SuccessCriteriaMet", "True",
			      "CompletionsReached",
			      "Reached expected number of succeeded pods", 0);
		set_condition(st, "Complete", "True", "CompletionsReached",
			      "Reached expected number of succeeded pods", 0);
	}
	if (!json_object_get(st, "uncountedTerminatedPods"))
		json_object_set_new(st, "uncountedTerminatedPods",
				    json_object());
	strbuf_release(&now);
	write_controller(s, t, o);
}

static void pod(struct sim *s, const struct rtype *t, json_t *p)
{
	json_t *o, *st, *cs;
	long long since = ticks_since_change(s, p);
	int fails = image_fails(json_object_get(p, "spec"));
	struct strbuf now = STRBUF_INIT;
	size_t i;
	json_t *c;
	char ip[32];

	if (since < 1 || jpath(p, "metadata.deletionTimestamp"))
		return;
	o = json_deep_copy(p);
	st = jobj(o, "status");
	if (jstr(st, "phase") && !strcmp(jstr(st, "phase"), "Running") &&
	    !fails) {
		json_decref(o);
		return;
	}
	now_string(&now);
	json_object_set_new(jobj(o, "spec"), "nodeName",
			    json_string("kubesim-node"));
	json_object_set_new(st, "phase", json_string(fails ? "Pending"
							   : "Running"));
	json_object_set_new(st, "hostIP", json_string("172.18.0.2"));
	snprintf(ip, sizeof(ip), "10.244.0.%u",
		 (unsigned)(json_integer_value(jpath(p, "metadata.generation")) +
			    (s->rv % 250) + 2));
	if (!json_object_get(st, "podIP"))
		json_object_set_new(st, "podIP", json_string(ip));
	if (!json_object_get(st, "startTime"))
		json_object_set_new(st, "startTime", json_string(now.buf));
	set_condition(st, "PodScheduled", "True", "", "", 0);
	set_condition(st, "Ready", fails ? "False" : "True",
		      fails ? "ContainersNotReady" : "", "", 0);
	cs = json_array();
	json_array_foreach(jpath(p, "spec.containers"), i, c) {
		json_t *x = json_object(), *state = json_object();
		json_t *inner = json_object();

		json_object_set(x, "name", json_object_get(c, "name"));
		if (fails) {
			json_object_set_new(inner, "reason",
					    json_string("ImagePullBackOff"));
			json_object_set_new(state, "waiting", inner);
		} else {
			json_object_set_new(inner, "startedAt",
					    json_string(now.buf));
			json_object_set_new(state, "running", inner);
		}
		json_object_set_new(x, "state", state);
		json_object_set_new(x, "ready", json_boolean(!fails));
		set_int(x, "restartCount", 0);
		json_object_set(x, "image", json_object_get(c, "image"));
		json_object_set_new(x, "started", json_boolean(!fails));
		json_array_append_new(cs, x);
	}
	json_object_set_new(st, "containerStatuses", cs);
	strbuf_release(&now);
	write_controller(s, t, o);
}

static void bind_claim(struct sim *s, const struct rtype *t, json_t *pvc)
{
	const struct rtype *sct = T(s, "storage.k8s.io", "storageclasses");
	const struct rtype *pvt = T(s, "", "persistentvolumes");
	const char *scn = jstr(pvc, "spec.storageClassName");
	const json_t *sc = scn && *scn ? store_get(s, sct, NULL, scn) : NULL;
	json_t *o, *pv, *res, *st = NULL, *ann, *ref;
	struct strvec warn = STRVEC_INIT;
	char *pvname;
	const char *mode, *prov;

	if (strcmp(jstr(pvc, "status.phase") ? jstr(pvc, "status.phase") : "",
		   "Pending") || jpath(pvc, "metadata.deletionTimestamp"))
		return;
	if (!sc)
		return; /* no class, or a missing one: stays Pending */
	mode = jstr(sc, "volumeBindingMode");
	if (mode && !strcmp(mode, "WaitForFirstConsumer"))
		return; /* no pod ever consumes it here */
	prov = jstr(sc, "provisioner");
	pvname = xasprintf("pvc-%s", jstr(pvc, "metadata.uid"));
	pv = json_object();
	json_object_set_new(pv, "apiVersion", json_string("v1"));
	json_object_set_new(pv, "kind", json_string("PersistentVolume"));
	json_object_set_new(jobj(pv, "metadata"), "name", json_string(pvname));
	ann = jobj(jobj(pv, "metadata"), "annotations");
	json_object_set_new(ann, "pv.kubernetes.io/provisioned-by",
			    json_string(prov ? prov : ""));
	json_object_set_new(jobj(pv, "spec"), "capacity", json_object());
	json_object_set(json_object_get(json_object_get(pv, "spec"),
					"capacity"),
			"storage", jpath(pvc, "spec.resources.requests.storage"));
	json_object_set(json_object_get(pv, "spec"), "accessModes",
			jpath(pvc, "spec.accessModes"));
	ref = json_object();
	json_object_set_new(ref, "kind", json_string("PersistentVolumeClaim"));
	json_object_set(ref, "namespace", jpath(pvc, "metadata.namespace"));
	json_object_set(ref, "name", jpath(pvc, "metadata.name"));
	json_object_set(ref, "uid", jpath(pvc, "metadata.uid"));
	json_object_set_new(ref, "apiVersion", json_string("v1"));
	json_object_set(ref, "resourceVersion",
			jpath(pvc, "metadata.resourceVersion"));
	json_object_set_new(json_object_get(pv, "spec"), "claimRef", ref);
	json_object_set(json_object_get(pv, "spec"),
			"persistentVolumeReclaimPolicy",
			json_object_get(sc, "reclaimPolicy"));
	json_object_set_new(json_object_get(pv, "spec"), "storageClassName",
			    json_string(scn));
	json_object_set(json_object_get(pv, "spec"), "volumeMode",
			jpath(pvc, "spec.volumeMode"));
	json_object_set_new(jobj(json_object_get(pv, "spec"), "hostPath"),
			    "path", json_string(pvname));
	res = write_create(s, pvt, NULL, pv, 0, &warn, &st);
	json_decref(pv);
	json_decref(st);
	if (res) {
		json_t *p2 = json_deep_copy(res);

		json_object_set_new(jobj(p2, "status"), "phase",
				    json_string("Bound"));
		write_controller(s, pvt, p2);
	}
	json_decref(res);
	strvec_clear(&warn);
	o = json_deep_copy(pvc);
	ann = jobj(jmeta(o), "annotations");
	json_object_set_new(ann, "pv.kubernetes.io/bind-completed",
			    json_string("yes"));
	json_object_set_new(ann, "pv.kubernetes.io/bound-by-controller",
			    json_string("yes"));
	json_object_set_new(ann, "volume.beta.kubernetes.io/storage-provisioner",
			    json_string(prov ? prov : ""));
	json_object_set_new(ann, "volume.kubernetes.io/storage-provisioner",
			    json_string(prov ? prov : ""));
	json_object_set_new(jobj(o, "spec"), "volumeName", json_string(pvname));
	st = json_object();
	json_object_set_new(st, "phase", json_string("Bound"));
	json_object_set(st, "accessModes", jpath(pvc, "spec.accessModes"));
	json_object_set_new(st, "capacity", json_object());
	json_object_set(json_object_get(st, "capacity"), "storage",
			jpath(pvc, "spec.resources.requests.storage"));
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
	free(pvname);
}

static void load_balancer(struct sim *s, const struct rtype *t, json_t *svc)
{
	json_t *o, *ing, *one;
	json_t *st = ctl_state(s, svc);
	char ip[32];

	if (strcmp(jstr(svc, "spec.type") ? jstr(svc, "spec.type") : "",
		   "LoadBalancer") ||
	    json_array_size(jpath(svc, "status.loadBalancer.ingress")))
		return;
	/* addresses as kind's MetalLB hands them out, in order */
	if (!json_object_get(st, "lb")) {
		long long n = json_integer_value(json_object_get(s->ctl,
								 "next-lb"));

		json_object_set_new(s->ctl, "next-lb", json_integer(n + 1));
		json_object_set_new(st, "lb", json_integer(n));
	}
	snprintf(ip, sizeof(ip), "172.18.255.%lld",
		 200 + json_integer_value(json_object_get(st, "lb")) % 55);
	o = json_deep_copy(svc);
	ing = json_array();
	one = json_object();
	json_object_set_new(one, "ip", json_string(ip));
	json_object_set_new(one, "ipMode", json_string("VIP"));
	json_array_append_new(ing, one);
	json_object_set_new(jobj(jobj(o, "status"), "loadBalancer"), "ingress",
			    ing);
	write_controller(s, t, o);
}

/* ---- deletion: namespaces, CRDs, foreground, garbage ---- */

static int storage_type(const struct rtype *t)
{
	return !t->storage_version || !strcmp(t->storage_version, t->version);
}

static void delete_obj(struct sim *s, const struct rtype *t,
		       const json_t *o)
{
	json_t *opts = json_object(), *r;
	int code;

	if (!jpath(o, "metadata.deletionTimestamp")) {
		r = write_delete(s, t, jstr(o, "metadata.namespace"),
				 jstr(o, "metadata.name"), opts, 0, &code);
		json_decref(r);
	}
	json_decref(opts);
}

static void remove_finalizer(struct sim *s, const struct rtype *t,
			     const json_t *obj, const char *f)
{
	json_t *o = json_deep_copy(obj), *fs = jpath(o, "metadata.finalizers");
	json_t *keep = json_array(), *v;
	size_t i;

	json_array_foreach(fs, i, v)
		if (strcmp(json_string_value(v) ? json_string_value(v) : "", f))
			json_array_append(keep, v);
	if (json_array_size(keep))
		json_object_set_new(jmeta(o), "finalizers", keep);
	else {
		json_decref(keep);
		json_object_del(jmeta(o), "finalizers");
	}
	write_controller(s, t, o);
}

static void namespace_cleanup(struct sim *s, const struct rtype *nst,
			      const json_t *ns)
{
	const char *name = jstr(ns, "metadata.name");
	size_t left = 0;

	for (size_t i = 0; i < s->ntypes; i++) {
		const struct rtype *t = s->types[i];
		json_t *all, *o;
		size_t j;

		if (!t->namespaced || !storage_type(t))
			continue;
		all = store_list(s, t, name);
		json_array_foreach(all, j, o) {
			delete_obj(s, t, o);
			left++;
		}
		json_decref(all);
	}
	if (!left) {
		json_t *o = json_deep_copy(ns);

		json_object_set_new(jobj(o, "spec"), "finalizers",
				    json_array());
		json_object_del(json_object_get(o, "spec"), "finalizers");
		write_controller(s, nst, o);
	}
}

static void crd_cleanup(struct sim *s, const struct rtype *ct,
			const json_t *crd)
{
	struct strbuf gr = STRBUF_INIT;
	json_t *bucket, *v;
	const char *k;

	strbuf_addf(&gr, "%s/%s", jstr(crd, "spec.group"),
		    jstr(crd, "spec.names.plural"));
	bucket = json_object_get(s->store, gr.buf);
	if (json_object_size(bucket)) {
		/* delete the custom resources, recording their events */
		const struct rtype *t = types_find_gr(s, gr.buf);
		json_t *copy = json_copy(bucket);

		json_object_foreach(copy, k, v) {
			if (t)
				store_remove(s, t,
					     jstr(v, "metadata.namespace"),
					     jstr(v, "metadata.name"));
			else
				json_object_del(bucket, k);
		}
		json_decref(copy);
	}
	store_drop_bucket(s, gr.buf);
	strbuf_release(&gr);
	remove_finalizer(s, ct, crd,
			 "customresourcecleanup.apiextensions.k8s.io");
}

static int has_finalizer(const json_t *o, const char *f)
{
	size_t i;
	json_t *v;

	json_array_foreach(jpath(o, "metadata.finalizers"), i, v)
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", f))
			return 1;
	return 0;
}

struct gc_item {
	const struct rtype *t;
	json_t *obj; /* a reference */
	char *sortkey;
};

struct gc_list {
	struct gc_item *v;
	size_t nr, alloc;
};

static void gc_push(struct gc_list *l, const struct rtype *t, json_t *o,
		    const char *gr, const char *key)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	l->v[l->nr].t = t;
	l->v[l->nr].obj = json_incref(o);
	l->v[l->nr].sortkey = xasprintf("%s %s", gr, key);
	l->nr++;
}

static int gc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gc_item *)a)->sortkey,
		      ((const struct gc_item *)b)->sortkey);
}

static void gc_clear(struct gc_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		json_decref(l->v[i].obj);
		free(l->v[i].sortkey);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* One unsorted pass over every bucket (cheap with many objects): the uids
 * that exist, the objects that have owners, the owners deleting in the
 * foreground. Only those few are sorted, for a deterministic order. */
static void gc_scan(struct sim *s, json_t *uids, struct gc_list *deps,
		    struct gc_list *fg)
{
	struct strbuf gr = STRBUF_INIT;

	for (size_t i = 0; i < s->ntypes; i++) {
		const struct rtype *t = s->types[i];
		json_t *bucket, *o;
		const char *k;

		if (!storage_type(t))
			continue;
		strbuf_reset(&gr);
		types_gr(t, &gr);
		bucket = json_object_get(s->store, gr.buf);
		json_object_foreach(bucket, k, o) {
			const char *uid = jstr(o, "metadata.uid");

			if (uid)
				json_object_set_new(uids, uid, json_true());
			if (json_array_size(jpath(o, "metadata.ownerReferences")))
				gc_push(deps, t, o, gr.buf, k);
			if (fg && jpath(o, "metadata.deletionTimestamp") &&
			    has_finalizer(o, "foregroundDeletion"))
				gc_push(fg, t, o, gr.buf, k);
		}
	}
	strbuf_release(&gr);
	if (deps->nr)
		qsort(deps->v, deps->nr, sizeof(*deps->v), gc_cmp);
	if (fg && fg->nr)
		qsort(fg->v, fg->nr, sizeof(*fg->v), gc_cmp);
}

static void garbage_collect(struct sim *s)
{
	json_t *uids = json_object(), *fgset = json_object(), *waiting;
	struct gc_list deps = { 0 }, fg = { 0 };

	gc_scan(s, uids, &deps, &fg);
	for (size_t i = 0; i < fg.nr; i++)
		json_object_set_new(fgset, jstr(fg.v[i].obj, "metadata.uid"),
				    json_true());
	/* dependents whose owners are all gone, or deleting in the
	 * foreground, go */
	for (size_t i = 0; i < deps.nr; i++) {
		json_t *r;
		size_t k, alive = 0, doomed = 0;

		json_array_foreach(jpath(deps.v[i].obj,
					 "metadata.ownerReferences"), k, r) {
			const char *uid = jstr(r, "uid");

			alive += uid && json_object_get(uids, uid);
			doomed += uid && json_object_get(fgset, uid);
		}
		if (!alive || doomed)
			delete_obj(s, deps.v[i].t, deps.v[i].obj);
	}
	gc_clear(&deps);
	json_decref(uids);
	/* an owner deleting in the foreground goes once nothing that still
	 * exists names it */
	uids = json_object();
	gc_scan(s, uids, &deps, NULL);
	waiting = json_object();
	for (size_t i = 0; i < deps.nr; i++) {
		json_t *r;
		size_t k;

		json_array_foreach(jpath(deps.v[i].obj,
					 "metadata.ownerReferences"), k, r)
			if (jstr(r, "uid"))
				json_object_set_new(waiting, jstr(r, "uid"),
						    json_true());
	}
	for (size_t i = 0; i < fg.nr; i++) {
		const char *uid = jstr(fg.v[i].obj, "metadata.uid");

		const json_t *cur = store_get(
			s, fg.v[i].t, jstr(fg.v[i].obj, "metadata.namespace"),
			jstr(fg.v[i].obj, "metadata.name"));

		if (cur && !json_object_get(waiting, uid))
			remove_finalizer(s, fg.v[i].t, cur,
					 "foregroundDeletion");
	}
	gc_clear(&deps);
	gc_clear(&fg);
	json_decref(uids);
	json_decref(fgset);
	json_decref(waiting);
}

static void each(struct sim *s, const char *group, const char *res,
		 void (*fn)(struct sim *, const struct rtype *, json_t *))
{
	const struct rtype *t = T(s, group, res);
	json_t *all, *o;
	size_t i;

	if (!t)
		return;
	all = store_list(s, t, NULL);
	json_array_foreach(all, i, o)
		if (!jpath(o, "metadata.deletionTimestamp"))
			fn(s, t, o);
	json_decref(all);
}

void controllers_tick(struct sim *s)
{
	const struct rtype *nst = T(s, "", "namespaces");
	const struct rtype *ct = T(s, "apiextensions.k8s.io",
				   "customresourcedefinitions");
	json_t *all, *o;
	size_t i;

	each(s, "apps", "deployments", deployment);
	each(s, "apps", "statefulsets", statefulset);
	each(s, "apps", "daemonsets", daemonset);
	each(s, "apps", "replicasets", replicaset);
	each(s, "batch", "jobs", job);
	each(s, "", "pods", pod);
	each(s, "", "persistentvolumeclaims", bind_claim);
	each(s, "", "services", load_balancer);
	all = store_list(s, nst, NULL);
	json_array_foreach(all, i, o)
		if (jpath(o, "metadata.deletionTimestamp"))
			namespace_cleanup(s, nst, o);
	json_decref(all);
	all = store_list(s, ct, NULL);
	json_array_foreach(all, i, o)
		if (jpath(o, "metadata.deletionTimestamp"))
			crd_cleanup(s, ct, o);
	json_decref(all);
	garbage_collect(s);
}

static void create_child(struct sim *s, const char *res, const char *ns,
			 json_t *obj)
{
	const struct rtype *t = T(s, "", res);
	struct strvec warn = STRVEC_INIT;
	json_t *st = NULL, *r;

	r = write_create(s, t, ns, obj, 0, &warn, &st);
	json_decref(r);
	json_decref(st);
	json_decref(obj);
	strvec_clear(&warn);
}

void controllers_namespace_created(struct sim *s, const char *ns)
{
	json_t *sa = json_object(), *cm;

	/* the service account controller's "default" */
	json_object_set_new(sa, "apiVersion", json_string("v1"));
	json_object_set_new(sa, "kind", json_string("ServiceAccount"));
	json_object_set_new(jobj(sa, "metadata"), "name",
			    json_string("default"));
	create_child(s, "serviceaccounts", ns, sa);
	if (!s->ca_pem)
		return;
	/* the root CA publisher's ConfigMap */
	cm = json_object();
	json_object_set_new(cm, "apiVersion", json_string("v1"));
	json_object_set_new(cm, "kind", json_string("ConfigMap"));
	json_object_set_new(jobj(cm, "metadata"), "name",
			    json_string("kube-root-ca.crt"));
	json_object_set_new(jobj(cm, "data"), "ca.crt",
			    json_string(s->ca_pem));
	create_child(s, "configmaps", ns, cm);
}
