/*
 * pkg/sim: the workload controllers — Deployments (a ReplicaSet per
 * template, with revisions), ReplicaSets and StatefulSets (their Pods),
 * DaemonSets, and the status each reports: ready CTL_CTL_READY_TICKS ticks
 * after a spec change, never for an image tagged "fail".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

/* ---- ReplicaSets and Pods of workloads ---- */


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
	json_t *all = store_list(s, ctl_type(s, "", "pods"),
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
	const struct rtype *pt = ctl_type(s, "", "pods");
	json_t *mine = owned_pods(s, rs);
	long long want = json_integer_value(jpath(rs, "spec.replicas"));
	const char *ns = jstr(rs, "metadata.namespace");

	for (long long n = (long long)json_array_size(mine); n < want; n++) {
		char *name = child_name(s, rs);

		json_decref(create_child_of(
			s, pt, ns,
			pod_from_template(rs, jpath(rs, "spec.template"),
					  "apps/v1", "ReplicaSet", name)));
		ctl_event(s, rs, "Normal", "SuccessfulCreate",
			  "replicaset-controller", "Created pod: %s", name);
		free(name);
	}
	for (long long n = (long long)json_array_size(mine); n > want; n--) {
		const json_t *p = json_array_get(mine, (size_t)n - 1);

		ctl_delete(s, pt, p);
		ctl_event(s, rs, "Normal", "SuccessfulDelete",
			  "replicaset-controller", "Deleted pod: %s",
			  jstr(p, "metadata.name"));
	}
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
	const struct rtype *rst = ctl_type(s, "apps", "replicasets");
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
		ctl_event(s, d, "Normal", "ScalingReplicaSet",
			  "deployment-controller",
			  "Scaled down replica set %s from %lld to 0",
			  jstr(rs, "metadata.name"),
			  (long long)json_integer_value(jpath(rs,
							      "spec.replicas")));
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
		ctl_event(s, d, "Normal", "ScalingReplicaSet",
			  "deployment-controller",
			  "Scaled up replica set %s from 0 to %lld", name, want);
	} else if (json_integer_value(jpath(current, "spec.replicas")) !=
		   want) {
		json_t *o = json_deep_copy(current);
		long long from = json_integer_value(jpath(current,
							  "spec.replicas"));

		ctl_event(s, d, "Normal", "ScalingReplicaSet",
			  "deployment-controller",
			  "Scaled %s replica set %s from %lld to %lld",
			  want > from ? "up" : "down", name, from, want);

		json_object_set_new(json_object_get(o, "spec"), "replicas",
				    json_integer(want));
		write_controller(s, rst, o);
	}
	json_decref(all);
	free(name);
	return rev;
}

/* The Pods of a StatefulSet (NAME-0 ... NAME-(n-1)) or a DaemonSet (one,
 * on the one node): labelled with the controller-revision-hash of the
 * current template, and replaced when it changes. */
static void revision_pods(struct sim *s, const json_t *owner, const char *kind,
			  long long n, int ordinal)
{
	const struct rtype *pt = ctl_type(s, "", "pods");
	const char *ns = jstr(owner, "metadata.namespace");
	json_t *mine = owned_pods(s, owner), *p;
	char hash[11], *rev;
	size_t i;
	long long have = 0;

	ctl_template_hash(jpath(owner, "spec.template"), hash);
	rev = xasprintf("%s-%s", jstr(owner, "metadata.name"), hash);
	json_array_foreach(mine, i, p) {
		const char *pn = jstr(p, "metadata.name");
		const char *dash = strrchr(pn, '-');
		const char *prev = json_string_value(json_object_get(
			jpath(p, "metadata.labels"), "controller-revision-hash"));

		if ((ordinal && dash && atoll(dash + 1) >= n) ||
		    (!ordinal && (long long)i >= n) ||
		    !prev || strcmp(prev, rev)) {
			ctl_delete(s, pt, p);
			if (ordinal)
				ctl_event(s, owner, "Normal", "SuccessfulDelete",
					  "statefulset-controller",
					  "delete Pod %s in StatefulSet %s "
					  "successful", pn,
					  jstr(owner, "metadata.name"));
			else
				ctl_event(s, owner, "Normal", "SuccessfulDelete",
					  "daemonset-controller",
					  "Deleted pod: %s", pn);
		} else {
			have++;
		}
	}
	for (long long k = 0; k < n; k++) {
		char *name = ordinal ? xasprintf("%s-%lld",
						 jstr(owner, "metadata.name"), k)
				     : child_name(s, owner);
		json_t *pod, *labels;

		if (ordinal ? store_get(s, pt, ns, name) != NULL : have > k) {
			free(name);
			continue;
		}
		pod = pod_from_template(owner, jpath(owner, "spec.template"),
					"apps/v1", kind, name);
		labels = jobj(jmeta(pod), "labels");
		json_object_set_new(labels, "controller-revision-hash",
				    json_string(rev));
		if (ordinal)
			json_object_set_new(labels,
					    "statefulset.kubernetes.io/pod-name",
					    json_string(name));
		json_decref(create_child_of(s, pt, ns, pod));
		if (ordinal)
			ctl_event(s, owner, "Normal", "SuccessfulCreate",
				  "statefulset-controller",
				  "create Pod %s in StatefulSet %s successful",
				  name, jstr(owner, "metadata.name"));
		else
			ctl_event(s, owner, "Normal", "SuccessfulCreate",
				  "daemonset-controller", "Created pod: %s",
				  name);
		free(name);
	}
	json_decref(mine);
	free(rev);
}

void ctl_deployment(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o = json_deep_copy(d), *st;
	long long since = ctl_ticks_since_change(s, d);
	long long want = json_integer_value(jpath(d, "spec.replicas"));
	long long deadline = json_is_integer(jpath(d, "spec."
						      "progressDeadlineSeconds"))
				     ? json_integer_value(jpath(
					       d, "spec.progressDeadlineSeconds"))
				     : 600;
	int fails = ctl_image_fails(jpath(d, "spec.template.spec"));
	int ready = !fails && since >= CTL_READY_TICKS;
	char hash[11];
	struct strbuf m = STRBUF_INIT;
	const char *name = jstr(d, "metadata.name");

	/* the progress deadline passes without a write before it */
	if (fails && since < deadline)
		ctl_wake_in(s, deadline - since);

	ctl_template_hash(jpath(d, "spec.template"), hash);
	{
		char rev[32];

		snprintf(rev, sizeof(rev), "%lld",
			 deployment_replicasets(s, d, hash, want));
		json_object_set_new(jobj(jmeta(o), "annotations"),
				    "deployment.kubernetes.io/revision",
				    json_string(rev));
	}
	st = json_object();
	ctl_set_int(st, "observedGeneration",
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
		ctl_set_int(st, "replicas", want);
		ctl_set_int(st, "updatedReplicas", ready || fails ? want : 0);
	}
	if (ready && want > 0) {
		ctl_set_int(st, "readyReplicas", want);
		ctl_set_int(st, "availableReplicas", want);
	} else if (want > 0) {
		ctl_set_int(st, "unavailableReplicas", want);
	}
	if (ready || want == 0)
		ctl_set_condition(st, "Available", "True",
			      "MinimumReplicasAvailable",
			      "Deployment has minimum availability.", 1);
	else
		ctl_set_condition(st, "Available", "False",
			      "MinimumReplicasUnavailable",
			      "Deployment does not have minimum availability.",
			      1);
	if (ready || want == 0) {
		strbuf_addf(&m, "ReplicaSet \"%s-%s\" has successfully "
			    "progressed.", name, hash);
		ctl_set_condition(st, "Progressing", "True",
			      "NewReplicaSetAvailable", m.buf, 1);
	} else if (fails && since >= deadline) {
		strbuf_addf(&m, "ReplicaSet \"%s-%s\" has timed out "
			    "progressing.", name, hash);
		ctl_set_condition(st, "Progressing", "False",
			      "ProgressDeadlineExceeded", m.buf, 1);
	} else {
		strbuf_addf(&m, "ReplicaSet \"%s-%s\" is progressing.", name,
			    hash);
		ctl_set_condition(st, "Progressing", "True", "ReplicaSetUpdated",
			      m.buf, 1);
	}
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
	strbuf_release(&m);
}

static void create_claims(struct sim *s, const json_t *sts, long long n)
{
	const struct rtype *pt = ctl_type(s, "", "persistentvolumeclaims");
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

void ctl_statefulset(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o = json_deep_copy(d), *st = json_object();
	long long since = ctl_ticks_since_change(s, d);
	long long want = json_integer_value(jpath(d, "spec.replicas"));
	int ready = !ctl_image_fails(jpath(d, "spec.template.spec")) &&
		    since >= CTL_READY_TICKS;
	char hash[11];
	char *rev;

	create_claims(s, d, want);
	revision_pods(s, d, "StatefulSet", want, 1);
	ctl_template_hash(jpath(d, "spec.template"), hash);
	rev = xasprintf("%s-%s", jstr(d, "metadata.name"), hash);
	ctl_set_int(st, "observedGeneration",
		json_integer_value(jpath(d, "metadata.generation")));
	ctl_set_int(st, "replicas", want);
	if (ready && want) {
		ctl_set_int(st, "readyReplicas", want);
		ctl_set_int(st, "currentReplicas", want);
		ctl_set_int(st, "updatedReplicas", want);
	}
	json_object_set_new(st, "currentRevision", json_string(rev));
	json_object_set_new(st, "updateRevision", json_string(rev));
	ctl_set_int(st, "collisionCount", 0);
	ctl_set_int(st, "availableReplicas", ready ? want : 0);
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
	free(rev);
}

void ctl_daemonset(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o = json_deep_copy(d), *st = json_object();
	long long since = ctl_ticks_since_change(s, d);
	int ready = !ctl_image_fails(jpath(d, "spec.template.spec")) &&
		    since >= CTL_READY_TICKS;

	/* one simulated node, one pod */
	revision_pods(s, d, "DaemonSet", 1, 0);
	ctl_set_int(st, "currentNumberScheduled", 1);
	ctl_set_int(st, "numberMisscheduled", 0);
	ctl_set_int(st, "desiredNumberScheduled", 1);
	ctl_set_int(st, "numberReady", ready ? 1 : 0);
	ctl_set_int(st, "observedGeneration",
		json_integer_value(jpath(d, "metadata.generation")));
	ctl_set_int(st, "updatedNumberScheduled", 1);
	if (ready)
		ctl_set_int(st, "numberAvailable", 1);
	else
		ctl_set_int(st, "numberUnavailable", 1);
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
}

void ctl_replicaset(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o, *st;
	long long since = ctl_ticks_since_change(s, d);
	long long want = json_integer_value(jpath(d, "spec.replicas"));
	int ready = !ctl_image_fails(jpath(d, "spec.template.spec")) &&
		    since >= CTL_READY_TICKS;

	replicaset_pods(s, d);
	/* the pods' writes may have replaced d's version: work on the
	 * stored one */
	d = store_get(s, t, jstr(d, "metadata.namespace"),
		      jstr(d, "metadata.name"));
	if (!d)
		return;
	o = json_deep_copy(d);
	st = json_object();
	ctl_set_int(st, "replicas", want);
	ctl_set_int(st, "fullyLabeledReplicas", want);
	if (ready && want) {
		ctl_set_int(st, "readyReplicas", want);
		ctl_set_int(st, "availableReplicas", want);
	}
	ctl_set_int(st, "observedGeneration",
		json_integer_value(jpath(d, "metadata.generation")));
	json_object_set_new(o, "status", st);
	write_controller(s, t, o);
}
