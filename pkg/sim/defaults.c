/*
 * pkg/sim: defaulting, as kube-apiserver's SetDefaults_* functions and
 * admission plugins fill the fields that make naive diffs noisy.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"
#include "pkg/base/base64.h"

static int is(const struct rtype *t, const char *group, const char *res)
{
	return !strcmp(t->group, group) && !strcmp(t->resource, res);
}

/* imagePullPolicy: Always for :latest or no tag (and no digest), else
 * IfNotPresent */
static const char *pull_policy(const char *image)
{
	const char *slash = strrchr(image, '/'), *name = slash ? slash + 1
							       : image;
	const char *colon = strrchr(name, ':');

	if (strchr(image, '@'))
		return "IfNotPresent";
	if (!colon || !strcmp(colon + 1, "latest"))
		return "Always";
	return "IfNotPresent";
}

static void probe_defaults(json_t *p)
{
	if (!json_is_object(p))
		return;
	jdefault(p, "timeoutSeconds", json_integer(1));
	jdefault(p, "periodSeconds", json_integer(10));
	jdefault(p, "successThreshold", json_integer(1));
	jdefault(p, "failureThreshold", json_integer(3));
	if (json_is_object(json_object_get(p, "httpGet")))
		jdefault(json_object_get(p, "httpGet"), "scheme",
			 json_string("HTTP"));
}

static void container_defaults(json_t *c)
{
	const char *image = jstr(c, "image");
	size_t i;
	json_t *v;

	if (!json_is_object(c))
		return;
	if (image && !json_object_get(c, "imagePullPolicy"))
		json_object_set_new(c, "imagePullPolicy",
				    json_string(pull_policy(image)));
	jdefault(c, "terminationMessagePath",
		 json_string("/dev/termination-log"));
	jdefault(c, "terminationMessagePolicy", json_string("File"));
	jdefault(c, "resources", json_object());
	json_array_foreach(json_object_get(c, "ports"), i, v)
		if (json_is_object(v))
			jdefault(v, "protocol", json_string("TCP"));
	json_array_foreach(json_object_get(c, "env"), i, v) {
		json_t *fr = jpath(v, "valueFrom.fieldRef");

		if (json_is_object(fr))
			jdefault(fr, "apiVersion", json_string("v1"));
	}
	probe_defaults(json_object_get(c, "livenessProbe"));
	probe_defaults(json_object_get(c, "readinessProbe"));
	probe_defaults(json_object_get(c, "startupProbe"));
}

static void volume_defaults(json_t *v)
{
	static const char *const with_mode[] = { "configMap", "secret",
						 "projected", "downwardAPI",
						 NULL };

	if (!json_is_object(v))
		return;
	for (size_t i = 0; with_mode[i]; i++) {
		json_t *src = json_object_get(v, with_mode[i]);

		if (json_is_object(src))
			jdefault(src, "defaultMode", json_integer(420));
	}
	if (json_is_object(json_object_get(v, "hostPath")))
		jdefault(json_object_get(v, "hostPath"), "type",
			 json_string(""));
	if (!json_object_get(v, "configMap") && !json_object_get(v, "secret") &&
	    !json_object_get(v, "projected") &&
	    !json_object_get(v, "downwardAPI") &&
	    !json_object_get(v, "hostPath") &&
	    !json_object_get(v, "persistentVolumeClaim") &&
	    !json_object_get(v, "nfs") && !json_object_get(v, "csi") &&
	    !json_object_get(v, "ephemeral") && !json_object_get(v, "emptyDir"))
		/* a volume with no source is an emptyDir */
		json_object_set_new(v, "emptyDir", json_object());
}

void defaults_pod_spec(json_t *spec)
{
	size_t i;
	json_t *v;

	if (!json_is_object(spec))
		return;
	jdefault(spec, "restartPolicy", json_string("Always"));
	jdefault(spec, "terminationGracePeriodSeconds", json_integer(30));
	jdefault(spec, "dnsPolicy", json_string("ClusterFirst"));
	jdefault(spec, "securityContext", json_object());
	jdefault(spec, "schedulerName", json_string("default-scheduler"));
	json_array_foreach(json_object_get(spec, "containers"), i, v)
		container_defaults(v);
	json_array_foreach(json_object_get(spec, "initContainers"), i, v)
		container_defaults(v);
	json_array_foreach(json_object_get(spec, "volumes"), i, v)
		volume_defaults(v);
	/* serviceAccount is the deprecated twin of serviceAccountName */
	if (jstr(spec, "serviceAccountName") &&
	    !json_object_get(spec, "serviceAccount"))
		json_object_set(spec, "serviceAccount",
				json_object_get(spec, "serviceAccountName"));
}

static void template_defaults(json_t *tmpl)
{
	json_t *meta;

	if (!json_is_object(tmpl))
		return;
	meta = jobj(tmpl, "metadata");
	/* metav1.Time marshals a zero creationTimestamp as null */
	if (!json_object_get(meta, "creationTimestamp"))
		json_object_set_new(meta, "creationTimestamp", json_null());
	defaults_pod_spec(json_object_get(tmpl, "spec"));
}

static void rolling(json_t *spec, const char *key, json_t *unavail,
		    json_t *surge)
{
	json_t *st = jobj(spec, key), *ru;

	jdefault(st, "type", json_string("RollingUpdate"));
	if (!strcmp(jstr(st, "type"), "RollingUpdate")) {
		ru = jobj(st, "rollingUpdate");
		jdefault(ru, "maxUnavailable", unavail);
		if (surge)
			jdefault(ru, "maxSurge", surge);
	} else {
		json_decref(unavail);
		json_decref(surge);
	}
}

static void deployment(json_t *o)
{
	json_t *spec = jobj(o, "spec");

	jdefault(spec, "replicas", json_integer(1));
	rolling(spec, "strategy", json_string("25%"), json_string("25%"));
	jdefault(spec, "revisionHistoryLimit", json_integer(10));
	jdefault(spec, "progressDeadlineSeconds", json_integer(600));
	template_defaults(json_object_get(spec, "template"));
}

static void statefulset(json_t *o)
{
	json_t *spec = jobj(o, "spec"), *st, *v, *pol;
	size_t i;

	jdefault(spec, "replicas", json_integer(1));
	jdefault(spec, "podManagementPolicy", json_string("OrderedReady"));
	st = jobj(spec, "updateStrategy");
	jdefault(st, "type", json_string("RollingUpdate"));
	if (!strcmp(jstr(st, "type"), "RollingUpdate"))
		jdefault(jobj(st, "rollingUpdate"), "partition",
			 json_integer(0));
	jdefault(spec, "revisionHistoryLimit", json_integer(10));
	pol = jobj(spec, "persistentVolumeClaimRetentionPolicy");
	jdefault(pol, "whenDeleted", json_string("Retain"));
	jdefault(pol, "whenScaled", json_string("Retain"));
	json_array_foreach(json_object_get(spec, "volumeClaimTemplates"), i,
			   v) {
		if (!json_is_object(v))
			continue;
		jdefault(jobj(v, "spec"), "volumeMode",
			 json_string("Filesystem"));
		jdefault(jobj(v, "status"), "phase", json_string("Pending"));
		jdefault(v, "apiVersion", json_string("v1"));
		jdefault(v, "kind", json_string("PersistentVolumeClaim"));
		if (!json_object_get(jobj(v, "metadata"), "creationTimestamp"))
			json_object_set_new(jobj(v, "metadata"),
					    "creationTimestamp", json_null());
	}
	template_defaults(json_object_get(spec, "template"));
}

static void daemonset(json_t *o)
{
	json_t *spec = jobj(o, "spec");

	rolling(spec, "updateStrategy", json_integer(1), json_integer(0));
	jdefault(spec, "revisionHistoryLimit", json_integer(10));
	template_defaults(json_object_get(spec, "template"));
}

static void job_spec(json_t *spec)
{
	if (!json_object_get(spec, "completions") &&
	    !json_object_get(spec, "parallelism")) {
		json_object_set_new(spec, "completions", json_integer(1));
		json_object_set_new(spec, "parallelism", json_integer(1));
	}
	jdefault(spec, "parallelism", json_integer(1));
	jdefault(spec, "backoffLimit", json_integer(6));
	jdefault(spec, "completionMode", json_string("NonIndexed"));
	jdefault(spec, "suspend", json_false());
	jdefault(spec, "podReplacementPolicy",
		 json_string("TerminatingOrFailed"));
	template_defaults(json_object_get(spec, "template"));
}

/* A Job's generated selector and labels name its uid, unless the user
 * chose manualSelector. */
static void job(json_t *o, const json_t *old)
{
	json_t *spec = jobj(o, "spec"), *labels, *ml;
	const char *uid = jstr(o, "metadata.uid");
	const char *name = jstr(o, "metadata.name");

	job_spec(spec);
	if (old || json_is_true(json_object_get(spec, "manualSelector")) ||
	    !uid || !name)
		return;
	labels = jobj(jobj(jobj(spec, "template"), "metadata"), "labels");
	json_object_set_new(labels, "batch.kubernetes.io/controller-uid",
			    json_string(uid));
	json_object_set_new(labels, "batch.kubernetes.io/job-name",
			    json_string(name));
	json_object_set_new(labels, "controller-uid", json_string(uid));
	json_object_set_new(labels, "job-name", json_string(name));
	if (!json_object_get(spec, "selector")) {
		json_t *sel = json_object();

		ml = json_object();
		json_object_set_new(ml, "batch.kubernetes.io/controller-uid",
				    json_string(uid));
		json_object_set_new(sel, "matchLabels", ml);
		json_object_set_new(spec, "selector", sel);
	}
}

static void cronjob(json_t *o)
{
	json_t *spec = jobj(o, "spec"), *jt;

	jdefault(spec, "concurrencyPolicy", json_string("Allow"));
	jdefault(spec, "suspend", json_false());
	jdefault(spec, "successfulJobsHistoryLimit", json_integer(3));
	jdefault(spec, "failedJobsHistoryLimit", json_integer(1));
	jt = json_object_get(spec, "jobTemplate");
	if (json_is_object(jt)) {
		if (!json_object_get(jobj(jt, "metadata"), "creationTimestamp"))
			json_object_set_new(jobj(jt, "metadata"),
					    "creationTimestamp", json_null());
		job_spec(jobj(jt, "spec"));
	}
}

static int ip_in_use(struct sim *s, const char *ip)
{
	const struct rtype *t = types_find(s, "", "v1", "services");
	json_t *all = store_list(s, t, NULL), *o;
	size_t i;
	int used = 0;

	json_array_foreach(all, i, o)
		if (!strcmp(jstr(o, "spec.clusterIP") ? jstr(o, "spec.clusterIP")
						       : "", ip))
			used = 1;
	json_decref(all);
	return used;
}

static char *allocate_ip(struct sim *s)
{
	char buf[INET_ADDRSTRLEN];

	/* 10.96.0.0/12, in order: deterministic for tests */
	for (;;) {
		struct in_addr a;

		a.s_addr = htonl(s->next_ip++);
		if ((s->next_ip & 0xff) == 0xff)
			s->next_ip++;
		inet_ntop(AF_INET, &a, buf, sizeof(buf));
		if (!ip_in_use(s, buf))
			return xstrdup(buf);
	}
}

static int node_port_used(struct sim *s, long port)
{
	const struct rtype *t = types_find(s, "", "v1", "services");
	json_t *all = store_list(s, t, NULL), *o, *p;
	size_t i, j;
	int used = 0;

	json_array_foreach(all, i, o)
		json_array_foreach(jpath(o, "spec.ports"), j, p)
			if (json_integer_value(json_object_get(p, "nodePort")) ==
			    port)
				used = 1;
	json_decref(all);
	return used;
}

static void service(struct sim *s, json_t *o, const json_t *old)
{
	json_t *spec = jobj(o, "spec"), *p, *ports;
	const char *type;
	size_t i;

	jdefault(spec, "type", json_string("ClusterIP"));
	type = jstr(spec, "type");
	jdefault(spec, "sessionAffinity", json_string("None"));
	ports = json_object_get(spec, "ports");
	json_array_foreach(ports, i, p) {
		if (!json_is_object(p))
			continue;
		jdefault(p, "protocol", json_string("TCP"));
		if (!json_object_get(p, "targetPort") &&
		    json_object_get(p, "port"))
			json_object_set(p, "targetPort",
					json_object_get(p, "port"));
	}
	if (!strcmp(type, "ExternalName"))
		return;
	/* an update that leaves allocated values out keeps them */
	if (old) {
		const json_t *os = json_object_get(old, "spec");

		if (!json_object_get(spec, "clusterIP") &&
		    json_object_get(os, "clusterIP"))
			json_object_set(spec, "clusterIP",
					json_object_get(os, "clusterIP"));
		if (!json_object_get(spec, "clusterIPs") &&
		    json_object_get(os, "clusterIPs"))
			json_object_set(spec, "clusterIPs",
					json_object_get(os, "clusterIPs"));
		json_array_foreach(ports, i, p) {
			size_t j;
			json_t *op;

			if (json_object_get(p, "nodePort"))
				continue;
			json_array_foreach(json_object_get(os, "ports"), j, op)
				if (json_equal(json_object_get(op, "port"),
					       json_object_get(p, "port")) &&
				    json_object_get(op, "nodePort"))
					json_object_set(p, "nodePort",
							json_object_get(op,
									"nodePort"));
		}
	}
	if (!jstr(spec, "clusterIP") || !*jstr(spec, "clusterIP")) {
		char *ip = allocate_ip(s);

		json_object_set_new(spec, "clusterIP", json_string(ip));
		free(ip);
	}
	if (!json_object_get(spec, "clusterIPs")) {
		json_t *a = json_array();

		json_array_append(a, json_object_get(spec, "clusterIP"));
		json_object_set_new(spec, "clusterIPs", a);
	}
	if (!json_object_get(spec, "ipFamilies")) {
		json_t *a = json_array();

		json_array_append_new(a, json_string("IPv4"));
		json_object_set_new(spec, "ipFamilies", a);
	}
	jdefault(spec, "ipFamilyPolicy", json_string("SingleStack"));
	jdefault(spec, "internalTrafficPolicy", json_string("Cluster"));
	if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer")) {
		jdefault(spec, "externalTrafficPolicy", json_string("Cluster"));
		if (!strcmp(type, "LoadBalancer"))
			jdefault(spec, "allocateLoadBalancerNodePorts",
				 json_true());
		json_array_foreach(ports, i, p) {
			if (json_object_get(p, "nodePort"))
				continue;
			while (node_port_used(s, s->next_node_port))
				s->next_node_port = s->next_node_port >= 32767 ? 30000
							       : s->next_node_port + 1;
			json_object_set_new(p, "nodePort",
					    json_integer(s->next_node_port));
			s->next_node_port = s->next_node_port >= 32767 ? 30000 : s->next_node_port + 1;
		}
	}
	if (!old)
		jdefault(jobj(o, "status"), "loadBalancer", json_object());
}

static void secret(json_t *o)
{
	json_t *sd = json_object_get(o, "stringData"), *data, *v;
	const char *k;

	jdefault(o, "type", json_string("Opaque"));
	if (!json_is_object(sd))
		return;
	/* stringData is write-only: folded into data, base64 */
	data = jobj(o, "data");
	json_object_foreach(sd, k, v) {
		struct strbuf b = STRBUF_INIT;
		const char *str = json_string_value(v);

		if (!str)
			continue;
		base64_encode(&b, str, strlen(str));
		json_object_set_new(data, k, json_string(b.buf));
		strbuf_release(&b);
	}
	json_object_del(o, "stringData");
}

static void namespace(json_t *o)
{
	json_t *labels = jobj(jmeta(o), "labels"), *fin;
	const char *name = jstr(o, "metadata.name");

	if (name)
		json_object_set_new(labels, "kubernetes.io/metadata.name",
				    json_string(name));
	fin = jobj(o, "spec");
	if (!json_object_get(fin, "finalizers")) {
		json_t *a = json_array();

		json_array_append_new(a, json_string("kubernetes"));
		json_object_set_new(fin, "finalizers", a);
	}
	jdefault(jobj(o, "status"), "phase", json_string("Active"));
}

/* the DefaultStorageClass admission plugin */
static const char *default_storage_class(struct sim *s)
{
	const struct rtype *t = types_find(s, "storage.k8s.io", "v1",
					   "storageclasses");
	json_t *all = store_list(s, t, NULL), *o;
	const char *name = NULL;
	size_t i;

	json_array_foreach(all, i, o) {
		const char *v = json_string_value(json_object_get(
			jpath(o, "metadata.annotations"),
			"storageclass.kubernetes.io/is-default-class"));

		if (v && !strcmp(v, "true"))
			name = jstr(o, "metadata.name");
	}
	json_decref(all);
	return name;
}

static void pvc(struct sim *s, json_t *o, const json_t *old)
{
	json_t *spec = jobj(o, "spec");

	jdefault(spec, "volumeMode", json_string("Filesystem"));
	if (!old && !json_object_get(spec, "storageClassName")) {
		const char *sc = default_storage_class(s);

		if (sc)
			json_object_set_new(spec, "storageClassName",
					    json_string(sc));
	}
	if (!old)
		jdefault(jobj(o, "status"), "phase", json_string("Pending"));
}

static void pv(json_t *o, const json_t *old)
{
	json_t *spec = jobj(o, "spec");

	jdefault(spec, "persistentVolumeReclaimPolicy", json_string("Retain"));
	jdefault(spec, "volumeMode", json_string("Filesystem"));
	if (!old)
		jdefault(jobj(o, "status"), "phase", json_string("Pending"));
}

static void pod(json_t *o, const json_t *old)
{
	json_t *spec = jobj(o, "spec"), *tol;
	static const char *const taints[] = { "node.kubernetes.io/not-ready",
					      "node.kubernetes.io/unreachable" };

	defaults_pod_spec(spec);
	if (old)
		return;
	jdefault(spec, "enableServiceLinks", json_true());
	jdefault(spec, "serviceAccountName", json_string("default"));
	jdefault(spec, "serviceAccount", json_string("default"));
	jdefault(spec, "priority", json_integer(0));
	jdefault(spec, "preemptionPolicy",
		 json_string("PreemptLowerPriority"));
	/* the DefaultTolerationSeconds admission plugin */
	tol = json_object_get(spec, "tolerations");
	if (!json_is_array(tol)) {
		tol = json_array();
		json_object_set_new(spec, "tolerations", tol);
	}
	for (size_t i = 0; i < 2; i++) {
		json_t *t = json_object();

		json_object_set_new(t, "key", json_string(taints[i]));
		json_object_set_new(t, "operator", json_string("Exists"));
		json_object_set_new(t, "effect", json_string("NoExecute"));
		json_object_set_new(t, "tolerationSeconds", json_integer(300));
		json_array_append_new(tol, t);
	}
	jdefault(jobj(o, "status"), "phase", json_string("Pending"));
	jdefault(jobj(o, "status"), "qosClass", json_string("BestEffort"));
}

static void hpa(json_t *o)
{
	json_t *spec = jobj(o, "spec");

	jdefault(spec, "minReplicas", json_integer(1));
	if (!json_object_get(spec, "metrics")) {
		json_t *m = json_array(), *one = json_object(), *r = json_object();
		json_t *tg = json_object();

		json_object_set_new(tg, "type", json_string("Utilization"));
		json_object_set_new(tg, "averageUtilization", json_integer(80));
		json_object_set_new(r, "name", json_string("cpu"));
		json_object_set_new(r, "target", tg);
		json_object_set_new(one, "type", json_string("Resource"));
		json_object_set_new(one, "resource", r);
		json_array_append_new(m, one);
		json_object_set_new(spec, "metrics", m);
	}
}

static void networkpolicy(json_t *o)
{
	json_t *spec = jobj(o, "spec"), *pt;

	if (json_object_get(spec, "policyTypes"))
		return;
	pt = json_array();
	json_array_append_new(pt, json_string("Ingress"));
	if (json_object_get(spec, "egress"))
		json_array_append_new(pt, json_string("Egress"));
	json_object_set_new(spec, "policyTypes", pt);
}

void defaults_apply(struct sim *s, const struct rtype *t, json_t *obj,
		    const json_t *old)
{
	if (t->flags & RT_CUSTOM)
		return; /* schema defaults: crd_check_object */
	if (is(t, "apps", "deployments"))
		deployment(obj);
	else if (is(t, "apps", "statefulsets"))
		statefulset(obj);
	else if (is(t, "apps", "daemonsets"))
		daemonset(obj);
	else if (is(t, "apps", "replicasets")) {
		jdefault(jobj(obj, "spec"), "replicas", json_integer(1));
		template_defaults(jpath(obj, "spec.template"));
	} else if (is(t, "batch", "jobs"))
		job(obj, old);
	else if (is(t, "batch", "cronjobs"))
		cronjob(obj);
	else if (is(t, "", "services"))
		service(s, obj, old);
	else if (is(t, "", "secrets"))
		secret(obj);
	else if (is(t, "", "namespaces"))
		namespace(obj);
	else if (is(t, "", "persistentvolumeclaims"))
		pvc(s, obj, old);
	else if (is(t, "", "persistentvolumes"))
		pv(obj, old);
	else if (is(t, "", "pods"))
		pod(obj, old);
	else if (is(t, "autoscaling", "horizontalpodautoscalers"))
		hpa(obj);
	else if (is(t, "networking.k8s.io", "networkpolicies"))
		networkpolicy(obj);
	else if (is(t, "storage.k8s.io", "storageclasses")) {
		jdefault(obj, "reclaimPolicy", json_string("Delete"));
		jdefault(obj, "volumeBindingMode", json_string("Immediate"));
	} else if (is(t, "scheduling.k8s.io", "priorityclasses"))
		jdefault(obj, "preemptionPolicy",
			 json_string("PreemptLowerPriority"));
	else if (is(t, "apiextensions.k8s.io", "customresourcedefinitions"))
		crd_defaults(obj);
	else if (is(t, "", "endpoints")) {
		size_t i, j;
		json_t *sub, *p;

		json_array_foreach(json_object_get(obj, "subsets"), i, sub)
			json_array_foreach(json_object_get(sub, "ports"), j, p)
				if (json_is_object(p))
					jdefault(p, "protocol",
						 json_string("TCP"));
	}
}
