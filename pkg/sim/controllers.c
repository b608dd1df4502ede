/*
 * pkg/sim: the simulated controllers, one step per tick and deterministic
 * (objects in key order, no clocks but the tick count): workloads converge
 * to ready CTL_READY_TICKS ticks after each spec change (or never, for an
 * image tagged "fail"), Jobs complete or fail, claims bind, load
 * balancers get addresses, Pods run, namespaces and CRDs being deleted
 * empty themselves, and the garbage collector removes orphans.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"


const struct rtype *ctl_type(struct sim *s, const char *group,
			     const char *res)
{
	for (size_t i = 0; i < s->ntypes; i++)
		if (!strcmp(s->types[i]->group, group) &&
		    !strcmp(s->types[i]->resource, res))
			return s->types[i];
	return NULL;
}

json_t *ctl_state(struct sim *s, const json_t *obj)
{
	const char *uid = jstr(obj, "metadata.uid");

	return jobj(s->ctl, uid ? uid : "");
}

/* Ticks since the controller first saw the object's current generation. */
long long ctl_ticks_since_change(struct sim *s, const json_t *obj)
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

void ctl_wake_in(struct sim *s, long long n)
{
	long long due = s->ticks + (n > 0 ? n : 1);

	if (!s->ctl_wake_tick || due < s->ctl_wake_tick)
		s->ctl_wake_tick = due;
}

void ctl_now(struct strbuf *out)
{
	util_timestamp(out);
}

/* Set a condition, keeping lastTransitionTime while its status holds
 * (and lastUpdateTime while nothing changes, for kinds that have one). */
void ctl_set_condition(json_t *status, const char *type, const char *st,
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
	ctl_now(&now);
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

void ctl_event(struct sim *s, const json_t *obj, const char *type,
	       const char *reason, const char *component, const char *fmt, ...)
{
	const struct rtype *et = ctl_type(s, "", "events");
	json_t *ev = json_object(), *ref = json_object(), *src = json_object();
	json_t *meta = json_object(), *st = NULL, *r;
	struct strbuf msg = STRBUF_INIT, ts = STRBUF_INIT;
	struct strvec warn = STRVEC_INIT;
	const char *ns = jstr(obj, "metadata.namespace");
	char *name;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	util_timestamp(&ts);
	/* the server's names: the object's and a number, here in order */
	name = xasprintf("%s.%016llx", jstr(obj, "metadata.name"),
			 0x1870000000000000ULL + (unsigned long long)s->rv);
	json_object_set_new(meta, "name", json_string(name));
	json_object_set_new(meta, "namespace", json_string(ns ? ns
							      : "default"));
	json_object_set(ref, "kind", json_object_get(obj, "kind"));
	if (ns)
		json_object_set_new(ref, "namespace", json_string(ns));
	json_object_set(ref, "name", jpath(obj, "metadata.name"));
	json_object_set(ref, "uid", jpath(obj, "metadata.uid"));
	json_object_set(ref, "apiVersion", json_object_get(obj, "apiVersion"));
	json_object_set(ref, "resourceVersion",
			jpath(obj, "metadata.resourceVersion"));
	json_object_set_new(src, "component", json_string(component));
	json_object_set_new(ev, "apiVersion", json_string("v1"));
	json_object_set_new(ev, "kind", json_string("Event"));
	json_object_set_new(ev, "metadata", meta);
	json_object_set_new(ev, "involvedObject", ref);
	json_object_set_new(ev, "reason", json_string(reason));
	json_object_set_new(ev, "message", json_string(msg.buf));
	json_object_set_new(ev, "source", src);
	json_object_set_new(ev, "firstTimestamp", json_string(ts.buf));
	json_object_set_new(ev, "lastTimestamp", json_string(ts.buf));
	json_object_set_new(ev, "count", json_integer(1));
	json_object_set_new(ev, "type", json_string(type));
	json_object_set_new(ev, "reportingComponent", json_string(component));
	json_object_set_new(ev, "reportingInstance", json_string(""));
	r = write_create(s, et, ns ? ns : "default", ev, 0, &warn, &st);
	json_decref(r);
	json_decref(st);
	json_decref(ev);
	strvec_clear(&warn);
	strbuf_release(&msg);
	strbuf_release(&ts);
	free(name);
}

int ctl_image_fails(const json_t *podspec)
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
void ctl_template_hash(const json_t *tmpl, char out[11])
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

void ctl_set_int(json_t *o, const char *k, long long v)
{
	json_object_set_new(o, k, json_integer(v));
}


static void job(struct sim *s, const struct rtype *t, json_t *d)
{
	json_t *o, *st;
	long long since = ctl_ticks_since_change(s, d);
	long long completions = json_is_integer(jpath(d, "spec.completions"))
					? json_integer_value(jpath(
						  d, "spec.completions"))
					: 1;
	int fails = ctl_image_fails(jpath(d, "spec.template.spec"));
	struct strbuf now = STRBUF_INIT;

	if (json_array_size(jpath(d, "status.conditions")))
		return; /* finished */
	if (json_is_true(jpath(d, "spec.suspend")))
		return;
	o = json_deep_copy(d);
	st = jobj(o, "status");
	ctl_now(&now);
	if (!json_object_get(st, "startTime"))
		json_object_set_new(st, "startTime", json_string(now.buf));
	if (since < CTL_READY_TICKS) {
		ctl_set_int(st, "active", 1);
		ctl_set_int(st, "ready", since > 0 ? 1 : 0);
	} else if (fails) {
		json_object_del(st, "active");
		ctl_set_int(st, "ready", 0);
		ctl_set_int(st, "failed", json_integer_value(jpath(
					      d, "spec.backoffLimit")) + 1);
		ctl_set_condition(st, "FailureTarget", "True",
			      "BackoffLimitExceeded",
			      "Job has reached the specified backoff limit", 0);
		ctl_set_condition(st, "Failed", "True", "BackoffLimitExceeded",
			      "Job has reached the specified backoff limit", 0);
		ctl_event(s, d, "Warning", "BackoffLimitExceeded",
			  "job-controller",
			  "Job has reached the specified backoff limit");
	} else {
		json_object_del(st, "active");
		ctl_set_int(st, "ready", 0);
		ctl_set_int(st, "succeeded", completions);
		json_object_set_new(st, "completionTime", json_string(now.buf));
		ctl_set_condition(st, "SuccessCriteriaMet", "True",
			      "CompletionsReached",
			      "Reached expected number of succeeded pods", 0);
		ctl_set_condition(st, "Complete", "True", "CompletionsReached",
			      "Reached expected number of succeeded pods", 0);
		ctl_event(s, d, "Normal", "Completed", "job-controller",
			  "Job completed");
	}
	if (!json_object_get(st, "uncountedTerminatedPods"))
		json_object_set_new(st, "uncountedTerminatedPods",
				    json_object());
	strbuf_release(&now);
	write_controller(s, t, o);
}

/* The scheduler's and the kubelet's events for a Pod, once. */
static void pod_events(struct sim *s, const json_t *p, int fails)
{
	json_t *st = ctl_state(s, p), *c;
	size_t i;

	if (json_object_get(st, "events"))
		return;
	json_object_set_new(st, "events", json_true());
	ctl_event(s, p, "Normal", "Scheduled", "default-scheduler",
		  "Successfully assigned %s/%s to kubesim-node",
		  jstr(p, "metadata.namespace"), jstr(p, "metadata.name"));
	json_array_foreach(jpath(p, "spec.containers"), i, c) {
		const char *img = jstr(c, "image"), *cn = jstr(c, "name");

		if (fails) {
			ctl_event(s, p, "Normal", "Pulling", "kubelet",
				  "Pulling image \"%s\"", img);
			ctl_event(s, p, "Warning", "Failed", "kubelet",
				  "Failed to pull image \"%s\": rpc error: "
				  "code = NotFound desc = failed to pull and "
				  "unpack image \"%s\": not found", img, img);
			ctl_event(s, p, "Warning", "BackOff", "kubelet",
				  "Back-off pulling image \"%s\"", img);
			continue;
		}
		ctl_event(s, p, "Normal", "Pulled", "kubelet",
			  "Container image \"%s\" already present on machine",
			  img);
		ctl_event(s, p, "Normal", "Created", "kubelet",
			  "Created container: %s", cn);
		ctl_event(s, p, "Normal", "Started", "kubelet",
			  "Started container %s", cn);
	}
}

static void pod(struct sim *s, const struct rtype *t, json_t *p)
{
	json_t *o, *st, *cs;
	long long since = ctl_ticks_since_change(s, p);
	int fails = ctl_image_fails(json_object_get(p, "spec"));
	struct strbuf now = STRBUF_INIT;
	size_t i;
	json_t *c;
	char ip[32];

	if (since < 1 || jpath(p, "metadata.deletionTimestamp"))
		return;
	/* a running pod stays as it is: no copy to find that out */
	if (jstr(p, "status.phase") &&
	    !strcmp(jstr(p, "status.phase"), "Running") && !fails)
		return;
	o = json_deep_copy(p);
	st = jobj(o, "status");
	ctl_now(&now);
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
	ctl_set_condition(st, "PodScheduled", "True", "", "", 0);
	ctl_set_condition(st, "Ready", fails ? "False" : "True",
		      fails ? "ContainersNotReady" : "", "", 0);
	cs = json_array();
	json_array_foreach(jpath(p, "spec.containers"), i, c) {
		json_t *x = json_object(), *state = json_object();
		json_t *inner = json_object();

		json_object_set(x, "name", json_object_get(c, "name"));
		if (fails) {
			char *msg = xasprintf("Back-off pulling image \"%s\"",
					      jstr(c, "image"));

			json_object_set_new(inner, "reason",
					    json_string("ImagePullBackOff"));
			json_object_set_new(inner, "message", json_string(msg));
			free(msg);
			json_object_set_new(state, "waiting", inner);
		} else {
			json_object_set_new(inner, "startedAt",
					    json_string(now.buf));
			json_object_set_new(state, "running", inner);
		}
		json_object_set_new(x, "state", state);
		json_object_set_new(x, "ready", json_boolean(!fails));
		ctl_set_int(x, "restartCount", 0);
		json_object_set(x, "image", json_object_get(c, "image"));
		json_object_set_new(x, "started", json_boolean(!fails));
		json_array_append_new(cs, x);
	}
	json_object_set_new(st, "containerStatuses", cs);
	strbuf_release(&now);
	write_controller(s, t, o);
	pod_events(s, p, fails);
}

static void bind_claim(struct sim *s, const struct rtype *t, json_t *pvc)
{
	const struct rtype *sct = ctl_type(s, "storage.k8s.io", "storageclasses");
	const struct rtype *pvt = ctl_type(s, "", "persistentvolumes");
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
	if (mode && !strcmp(mode, "WaitForFirstConsumer")) {
		/* no pod ever consumes it here */
		json_t *cst = ctl_state(s, pvc);

		if (!json_object_get(cst, "events")) {
			json_object_set_new(cst, "events", json_true());
			ctl_event(s, pvc, "Normal", "WaitForFirstConsumer",
				  "persistentvolume-controller",
				  "waiting for first consumer to be created "
				  "before binding");
		}
		return;
	}
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
	ctl_event(s, pvc, "Normal", "ProvisioningSucceeded",
		  prov ? prov : "kubesim.io/hostpath",
		  "Successfully provisioned volume %s", pvname);
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

static void each(struct sim *s, const char *group, const char *res,
		 void (*fn)(struct sim *, const struct rtype *, json_t *))
{
	const struct rtype *t = ctl_type(s, group, res);
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

/*
 * Whether this tick can be skipped. The controllers (and the garbage
 * collector) are a function of the store and of the ticks since each
 * object's generation was first seen, and their thresholds on those ticks
 * are at most CTL_READY_TICKS, but for those a controller asks to be
 * woken for (ctl_wake_in). So once CTL_READY_TICKS + 1 ticks have run
 * since the last write, each of them writing nothing, further ticks
 * would write nothing either until something is written or a wake-up is
 * due. Skipping them keeps an idle kubesim idle however much it stores;
 * scanning every object ten times a second while holding the lock made
 * every request wait once it held a few thousand.
 */
static int controllers_quiet(struct sim *s)
{
	if (s->rv != s->ctl_seen_rv) {
		s->ctl_seen_rv = s->rv;
		s->ctl_last_write_tick = s->ticks;
		return 0;
	}
	if (s->ctl_wake_tick && s->ticks >= s->ctl_wake_tick) {
		/* the run re-asks for the wake-ups still ahead */
		s->ctl_wake_tick = 0;
		return 0;
	}
	return s->ticks - s->ctl_last_write_tick > CTL_READY_TICKS + 1;
}

void controllers_tick(struct sim *s)
{
	const struct rtype *nst = ctl_type(s, "", "namespaces");
	const struct rtype *ct = ctl_type(s, "apiextensions.k8s.io",
				   "customresourcedefinitions");
	json_t *all, *o;
	size_t i;

	if (controllers_quiet(s))
		return;
	each(s, "apps", "deployments", ctl_deployment);
	each(s, "apps", "statefulsets", ctl_statefulset);
	each(s, "apps", "daemonsets", ctl_daemonset);
	each(s, "apps", "replicasets", ctl_replicaset);
	each(s, "batch", "jobs", job);
	each(s, "", "pods", pod);
	each(s, "", "persistentvolumeclaims", bind_claim);
	each(s, "", "services", load_balancer);
	all = store_list(s, nst, NULL);
	json_array_foreach(all, i, o)
		if (jpath(o, "metadata.deletionTimestamp"))
			ctl_namespace_cleanup(s, nst, o);
	json_decref(all);
	all = store_list(s, ct, NULL);
	json_array_foreach(all, i, o)
		if (jpath(o, "metadata.deletionTimestamp"))
			ctl_crd_cleanup(s, ct, o);
	json_decref(all);
	ctl_garbage_collect(s);
}

static void create_child(struct sim *s, const char *res, const char *ns,
			 json_t *obj)
{
	const struct rtype *t = ctl_type(s, "", res);
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
