/*
 * pkg/sim: server-side printing — the meta.k8s.io/v1 Table that kubectl
 * get asks for (Accept: ...;as=Table;g=meta.k8s.io;v=v1), with the columns
 * kube-apiserver's printers give each kind, a custom resource's
 * additionalPrinterColumns, and Name/Age for the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

/* duration.HumanDuration, as the printers' AGE columns use it */
static void human_duration(struct strbuf *out, long long secs)
{
	long long min = secs / 60, hours = secs / 3600;

	if (secs < -1) {
		strbuf_addstr(out, "<invalid>");
	} else if (secs < 0) {
		strbuf_addstr(out, "0s");
	} else if (secs < 120) {
		strbuf_addf(out, "%llds", secs);
	} else if (min < 10) {
		if (secs % 60)
			strbuf_addf(out, "%lldm%llds", min, secs % 60);
		else
			strbuf_addf(out, "%lldm", min);
	} else if (min < 180) {
		strbuf_addf(out, "%lldm", min);
	} else if (hours < 8) {
		if (min % 60)
			strbuf_addf(out, "%lldh%lldm", hours, min % 60);
		else
			strbuf_addf(out, "%lldh", hours);
	} else if (hours < 48) {
		strbuf_addf(out, "%lldh", hours);
	} else if (hours < 24 * 8) {
		if (hours % 24)
			strbuf_addf(out, "%lldd%lldh", hours / 24, hours % 24);
		else
			strbuf_addf(out, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 2) {
		strbuf_addf(out, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 8) {
		if ((hours / 24) % 365)
			strbuf_addf(out, "%lldy%lldd", hours / 24 / 365,
				    (hours / 24) % 365);
		else
			strbuf_addf(out, "%lldy", hours / 24 / 365);
	} else {
		strbuf_addf(out, "%lldy", hours / 24 / 365);
	}
}

static long long since(const char *ts)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 0;
	return (long long)(time(NULL) - timegm(&tm));
}

static json_t *age(const json_t *obj, const char *field)
{
	struct strbuf sb = STRBUF_INIT;
	const char *ts = jstr(obj, field);
	json_t *v;

	if (!ts)
		return json_string("<unknown>");
	human_duration(&sb, since(ts));
	v = json_string(sb.buf);
	strbuf_release(&sb);
	return v;
}

static json_t *col(const char *name, const char *type, const char *format,
		   int priority)
{
	json_t *c = json_object();

	json_object_set_new(c, "name", json_string(name));
	json_object_set_new(c, "type", json_string(type));
	json_object_set_new(c, "format", json_string(format));
	json_object_set_new(c, "description", json_string(""));
	json_object_set_new(c, "priority", json_integer(priority));
	return c;
}

static long long ival(const json_t *o, const char *path)
{
	return json_integer_value(jpath(o, path));
}

static json_t *ratio(long long a, long long b)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%lld/%lld", a, b);
	return json_string(buf);
}

static json_t *or_none(const char *s)
{
	return json_string(s && *s ? s : "<none>");
}

/* containers' names and images, comma-joined (the wide columns) */
static void containers_cells(json_t *row, const json_t *podspec)
{
	struct strbuf n = STRBUF_INIT, i = STRBUF_INIT;
	size_t k;
	json_t *c;

	json_array_foreach(json_object_get(podspec, "containers"), k, c) {
		strbuf_addf(&n, "%s%s", k ? "," : "", jstr(c, "name"));
		strbuf_addf(&i, "%s%s", k ? "," : "", jstr(c, "image"));
	}
	json_array_append_new(row, json_string(n.buf));
	json_array_append_new(row, json_string(i.buf));
	strbuf_release(&n);
	strbuf_release(&i);
}

static json_t *selector_string(const json_t *sel)
{
	struct strbuf sb = STRBUF_INIT;
	const char *k;
	json_t *v, *out;
	size_t i;

	json_object_foreach(json_object_get(sel, "matchLabels"), k, v)
		strbuf_addf(&sb, "%s%s=%s", sb.len ? "," : "", k,
			    json_string_value(v));
	json_array_foreach(json_object_get(sel, "matchExpressions"), i, v)
		strbuf_addf(&sb, "%s%s %s", sb.len ? "," : "", jstr(v, "key"),
			    jstr(v, "operator"));
	out = json_string(sb.len ? sb.buf : "<none>");
	strbuf_release(&sb);
	return out;
}

static json_t *map_string(const json_t *m)
{
	struct strbuf sb = STRBUF_INIT;
	const char *k;
	json_t *v, *out;

	json_object_foreach((json_t *)m, k, v)
		strbuf_addf(&sb, "%s%s=%s", sb.len ? "," : "", k,
			    json_string_value(v));
	out = json_string(sb.len ? sb.buf : "<none>");
	strbuf_release(&sb);
	return out;
}

static json_t *access_modes(const json_t *modes)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *m, *out;

	json_array_foreach(modes, i, m) {
		const char *s = json_string_value(m);
		const char *abbr = !strcmp(s, "ReadWriteOnce")    ? "RWO"
				   : !strcmp(s, "ReadOnlyMany")     ? "ROX"
				   : !strcmp(s, "ReadWriteMany")    ? "RWX"
				   : !strcmp(s, "ReadWriteOncePod") ? "RWOP"
								    : s;

		strbuf_addf(&sb, "%s%s", i ? "," : "", abbr);
	}
	out = json_string(sb.buf);
	strbuf_release(&sb);
	return out;
}

static int condition_is(const json_t *obj, const char *type)
{
	size_t i;
	json_t *c;

	json_array_foreach(jpath(obj, "status.conditions"), i, c)
		if (!strcmp(jstr(c, "type") ? jstr(c, "type") : "", type) &&
		    !strcmp(jstr(c, "status") ? jstr(c, "status") : "", "True"))
			return 1;
	return 0;
}

/* jsonPath of additionalPrinterColumns: the simple ".a.b" form */
static json_t *json_path_cell(const json_t *obj, const char *path)
{
	json_t *v;

	if (!path || *path != '.')
		return json_null();
	v = jpath(obj, path + 1);
	if (!v)
		return json_null();
	if (json_is_object(v) || json_is_array(v)) {
		char *t = json_dumps(v, JSON_COMPACT);
		json_t *s = json_string(t);

		free(t);
		return s;
	}
	return json_incref(v);
}

struct printer {
	const char *group, *resource;
	const char *cols; /* "Name:string:name:0|Ready:string::0|..." */
	void (*cells)(struct sim *s, const json_t *o, json_t *row);
};

#define C(x) json_array_append_new(row, (x))

static void p_deploy(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(ratio(ival(o, "status.readyReplicas"), ival(o, "spec.replicas")));
	C(json_integer(ival(o, "status.updatedReplicas")));
	C(json_integer(ival(o, "status.availableReplicas")));
	C(age(o, "metadata.creationTimestamp"));
	containers_cells(row, jpath(o, "spec.template.spec"));
	C(selector_string(jpath(o, "spec.selector")));
}

static void p_sts(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(ratio(ival(o, "status.readyReplicas"), ival(o, "spec.replicas")));
	C(age(o, "metadata.creationTimestamp"));
	containers_cells(row, jpath(o, "spec.template.spec"));
}

static void p_ds(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_integer(ival(o, "status.desiredNumberScheduled")));
	C(json_integer(ival(o, "status.currentNumberScheduled")));
	C(json_integer(ival(o, "status.numberReady")));
	C(json_integer(ival(o, "status.updatedNumberScheduled")));
	C(json_integer(ival(o, "status.numberAvailable")));
	C(map_string(jpath(o, "spec.template.spec.nodeSelector")));
	C(age(o, "metadata.creationTimestamp"));
	containers_cells(row, jpath(o, "spec.template.spec"));
	C(selector_string(jpath(o, "spec.selector")));
}

static void p_rs(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_integer(ival(o, "spec.replicas")));
	C(json_integer(ival(o, "status.replicas")));
	C(json_integer(ival(o, "status.readyReplicas")));
	C(age(o, "metadata.creationTimestamp"));
	containers_cells(row, jpath(o, "spec.template.spec"));
	C(selector_string(jpath(o, "spec.selector")));
}

static void p_job(struct sim *s, const json_t *o, json_t *row)
{
	const char *status = condition_is(o, "Complete")  ? "Complete"
			     : condition_is(o, "Failed")  ? "Failed"
			     : json_is_true(jpath(o, "spec.suspend"))
				     ? "Suspended"
				     : "Running";
	long long start = since(jstr(o, "status.startTime"));
	long long end = jstr(o, "status.completionTime")
				? since(jstr(o, "status.completionTime"))
				: 0;
	struct strbuf d = STRBUF_INIT;

	(void)s;
	C(json_string(status));
	C(ratio(ival(o, "status.succeeded"),
		json_is_integer(jpath(o, "spec.completions"))
			? ival(o, "spec.completions") : 1));
	if (jstr(o, "status.startTime"))
		human_duration(&d, start - end);
	C(json_string(d.buf));
	C(age(o, "metadata.creationTimestamp"));
	containers_cells(row, jpath(o, "spec.template.spec"));
	C(selector_string(jpath(o, "spec.selector")));
	strbuf_release(&d);
}

static void p_cronjob(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_string(jstr(o, "spec.schedule") ? jstr(o, "spec.schedule")
					       : ""));
	C(or_none(jstr(o, "spec.timeZone")));
	C(json_string(json_is_true(jpath(o, "spec.suspend")) ? "True"
							     : "False"));
	C(json_integer((json_int_t)json_array_size(jpath(o, "status.active"))));
	C(jstr(o, "status.lastScheduleTime")
		  ? age(o, "status.lastScheduleTime")
		  : json_string("<none>"));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_pod(struct sim *s, const json_t *o, json_t *row)
{
	size_t i, ready = 0, total = json_array_size(jpath(o, "spec.containers"));
	long long restarts = 0;
	json_t *c;
	const char *phase = jstr(o, "status.phase");

	(void)s;
	json_array_foreach(jpath(o, "status.containerStatuses"), i, c) {
		ready += json_is_true(json_object_get(c, "ready"));
		restarts += json_integer_value(json_object_get(c,
							       "restartCount"));
		if (jstr(c, "state.waiting.reason"))
			phase = jstr(c, "state.waiting.reason");
	}
	if (jpath(o, "metadata.deletionTimestamp"))
		phase = "Terminating";
	C(ratio((long long)ready, (long long)total));
	C(json_string(phase ? phase : "Pending"));
	C(json_integer(restarts));
	C(age(o, "metadata.creationTimestamp"));
	C(or_none(jstr(o, "status.podIP")));
	C(or_none(jstr(o, "spec.nodeName")));
}

static void p_cm(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_integer((json_int_t)(json_object_size(json_object_get(o, "data")) +
				    json_object_size(json_object_get(
					    o, "binaryData")))));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_secret(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_string(jstr(o, "type") ? jstr(o, "type") : "Opaque"));
	C(json_integer((json_int_t)json_object_size(json_object_get(o,
								    "data"))));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_ns(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_string(jstr(o, "status.phase") ? jstr(o, "status.phase") : ""));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_sa(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_integer((json_int_t)json_array_size(json_object_get(o,
								   "secrets"))));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_svc(struct sim *s, const json_t *o, json_t *row)
{
	const char *type = jstr(o, "spec.type") ? jstr(o, "spec.type")
						: "ClusterIP";
	struct strbuf ports = STRBUF_INIT, ext = STRBUF_INIT;
	size_t i;
	json_t *p;

	(void)s;
	json_array_foreach(jpath(o, "status.loadBalancer.ingress"), i, p)
		strbuf_addf(&ext, "%s%s", ext.len ? "," : "",
			    jstr(p, "ip") ? jstr(p, "ip") : jstr(p, "hostname"));
	json_array_foreach(jpath(o, "spec.externalIPs"), i, p)
		strbuf_addf(&ext, "%s%s", ext.len ? "," : "",
			    json_string_value(p));
	if (!ext.len)
		strbuf_addstr(&ext, !strcmp(type, "LoadBalancer") ? "<pending>"
			      : !strcmp(type, "ExternalName")
				      ? jstr(o, "spec.externalName")
				      : "<none>");
	json_array_foreach(jpath(o, "spec.ports"), i, p) {
		strbuf_addf(&ports, "%s%lld", i ? "," : "",
			    (long long)json_integer_value(json_object_get(p,
									  "port")));
		if (json_object_get(p, "nodePort"))
			strbuf_addf(&ports, ":%lld",
				    (long long)json_integer_value(
					    json_object_get(p, "nodePort")));
		strbuf_addf(&ports, "/%s", jstr(p, "protocol")
						   ? jstr(p, "protocol") : "TCP");
	}
	C(json_string(type));
	C(or_none(jstr(o, "spec.clusterIP")));
	C(json_string(ext.buf));
	C(json_string(ports.len ? ports.buf : "<none>"));
	C(age(o, "metadata.creationTimestamp"));
	C(map_string(jpath(o, "spec.selector")));
	strbuf_release(&ports);
	strbuf_release(&ext);
}

static void p_pvc(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_string(jstr(o, "status.phase") ? jstr(o, "status.phase") : ""));
	C(json_string(jstr(o, "spec.volumeName") ? jstr(o, "spec.volumeName")
						 : ""));
	C(json_string(jstr(o, "status.capacity.storage")
			      ? jstr(o, "status.capacity.storage") : ""));
	C(access_modes(jpath(o, "status.accessModes")));
	C(json_string(jstr(o, "spec.storageClassName")
			      ? jstr(o, "spec.storageClassName") : ""));
	C(json_string("<unset>"));
	C(age(o, "metadata.creationTimestamp"));
	C(json_string(jstr(o, "spec.volumeMode") ? jstr(o, "spec.volumeMode")
						 : ""));
}

static void p_pv(struct sim *s, const json_t *o, json_t *row)
{
	struct strbuf claim = STRBUF_INIT;

	(void)s;
	if (jstr(o, "spec.claimRef.name"))
		strbuf_addf(&claim, "%s/%s", jstr(o, "spec.claimRef.namespace"),
			    jstr(o, "spec.claimRef.name"));
	C(json_string(jstr(o, "spec.capacity.storage")
			      ? jstr(o, "spec.capacity.storage") : ""));
	C(access_modes(jpath(o, "spec.accessModes")));
	C(json_string(jstr(o, "spec.persistentVolumeReclaimPolicy")
			      ? jstr(o, "spec.persistentVolumeReclaimPolicy")
			      : ""));
	C(json_string(jstr(o, "status.phase") ? jstr(o, "status.phase") : ""));
	C(json_string(claim.buf));
	C(json_string(jstr(o, "spec.storageClassName")
			      ? jstr(o, "spec.storageClassName") : ""));
	C(json_string("<unset>"));
	C(json_string(jstr(o, "status.reason") ? jstr(o, "status.reason")
					       : ""));
	C(age(o, "metadata.creationTimestamp"));
	C(json_string(jstr(o, "spec.volumeMode") ? jstr(o, "spec.volumeMode")
						 : ""));
	strbuf_release(&claim);
}

static void p_sc(struct sim *s, const json_t *o, json_t *row)
{
	const char *def = json_string_value(json_object_get(
		jpath(o, "metadata.annotations"),
		"storageclass.kubernetes.io/is-default-class"));
	struct strbuf name = STRBUF_INIT;

	(void)s;
	strbuf_addstr(&name, jstr(o, "metadata.name"));
	if (def && !strcmp(def, "true"))
		strbuf_addstr(&name, " (default)");
	json_array_set_new(row, 0, json_string(name.buf));
	C(json_string(jstr(o, "provisioner") ? jstr(o, "provisioner") : ""));
	C(json_string(jstr(o, "reclaimPolicy") ? jstr(o, "reclaimPolicy")
					       : "Delete"));
	C(json_string(jstr(o, "volumeBindingMode")
			      ? jstr(o, "volumeBindingMode") : "Immediate"));
	C(json_string(json_is_true(json_object_get(o, "allowVolumeExpansion"))
			      ? "true" : "false"));
	C(age(o, "metadata.creationTimestamp"));
	strbuf_release(&name);
}

static void p_created_at(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_string(jstr(o, "metadata.creationTimestamp")
			      ? jstr(o, "metadata.creationTimestamp") : ""));
}

static void p_binding(struct sim *s, const json_t *o, json_t *row)
{
	struct strbuf role = STRBUF_INIT;

	(void)s;
	strbuf_addf(&role, "%s/%s", jstr(o, "roleRef.kind"),
		    jstr(o, "roleRef.name"));
	C(json_string(role.buf));
	C(age(o, "metadata.creationTimestamp"));
	strbuf_release(&role);
}

static void p_ingress(struct sim *s, const json_t *o, json_t *row)
{
	struct strbuf hosts = STRBUF_INIT, addr = STRBUF_INIT;
	size_t i;
	json_t *r;

	(void)s;
	json_array_foreach(jpath(o, "spec.rules"), i, r)
		strbuf_addf(&hosts, "%s%s", i ? "," : "",
			    jstr(r, "host") ? jstr(r, "host") : "*");
	json_array_foreach(jpath(o, "status.loadBalancer.ingress"), i, r)
		strbuf_addf(&addr, "%s%s", i ? "," : "",
			    jstr(r, "ip") ? jstr(r, "ip") : "");
	C(or_none(jstr(o, "spec.ingressClassName")));
	C(json_string(hosts.len ? hosts.buf : "*"));
	C(json_string(addr.buf));
	C(json_string(json_array_size(jpath(o, "spec.tls")) ? "80, 443"
							    : "80"));
	C(age(o, "metadata.creationTimestamp"));
	strbuf_release(&hosts);
	strbuf_release(&addr);
}

static void p_pc(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_integer(ival(o, "value")));
	C(json_string(json_is_true(json_object_get(o, "globalDefault"))
			      ? "true" : "false"));
	C(age(o, "metadata.creationTimestamp"));
	C(json_string(jstr(o, "preemptionPolicy") ? jstr(o, "preemptionPolicy")
						  : ""));
}

static void p_hpa(struct sim *s, const json_t *o, json_t *row)
{
	struct strbuf ref = STRBUF_INIT, tg = STRBUF_INIT;
	size_t i;
	json_t *m;

	(void)s;
	strbuf_addf(&ref, "%s/%s", jstr(o, "spec.scaleTargetRef.kind"),
		    jstr(o, "spec.scaleTargetRef.name"));
	json_array_foreach(jpath(o, "spec.metrics"), i, m) {
		const json_t *t = jpath(m, "resource.target");

		if (!jstr(m, "resource.name"))
			continue;
		strbuf_addf(&tg, "%s%s: <unknown>/", tg.len ? ", " : "",
			    jstr(m, "resource.name"));
		if (json_object_get(t, "averageUtilization"))
			strbuf_addf(&tg, "%lld%%",
				    (long long)json_integer_value(json_object_get(
					    t, "averageUtilization")));
		else
			strbuf_addstr(&tg, jstr(t, "averageValue")
						   ? jstr(t, "averageValue")
						   : "<unknown>");
	}
	C(json_string(ref.buf));
	C(json_string(tg.len ? tg.buf : "<none>"));
	C(json_integer(json_is_integer(jpath(o, "spec.minReplicas"))
			       ? ival(o, "spec.minReplicas") : 1));
	C(json_integer(ival(o, "spec.maxReplicas")));
	C(json_integer(ival(o, "status.currentReplicas")));
	C(age(o, "metadata.creationTimestamp"));
	strbuf_release(&ref);
	strbuf_release(&tg);
}

static json_t *int_or_string_cell(const json_t *v)
{
	char buf[32];

	if (json_is_string(v))
		return json_string(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld",
			 (long long)json_integer_value(v));
		return json_string(buf);
	}
	return json_string("N/A");
}

static void p_pdb(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(int_or_string_cell(jpath(o, "spec.minAvailable")));
	C(int_or_string_cell(jpath(o, "spec.maxUnavailable")));
	C(json_integer(ival(o, "status.disruptionsAllowed")));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_netpol(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(selector_string(jpath(o, "spec.podSelector")));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_lease(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_string(jstr(o, "spec.holderIdentity")
			      ? jstr(o, "spec.holderIdentity") : ""));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_ingclass(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(json_string(jstr(o, "spec.controller") ? jstr(o, "spec.controller")
						 : ""));
	C(or_none(jstr(o, "spec.parameters.name")));
	C(age(o, "metadata.creationTimestamp"));
}

static void p_endpoints(struct sim *s, const json_t *o, json_t *row)
{
	struct strbuf eps = STRBUF_INIT;
	size_t i, j, k;
	json_t *sub, *a, *p;

	(void)s;
	json_array_foreach(json_object_get(o, "subsets"), i, sub)
		json_array_foreach(json_object_get(sub, "addresses"), j, a)
			json_array_foreach(json_object_get(sub, "ports"), k, p)
				strbuf_addf(&eps, "%s%s:%lld",
					    eps.len ? "," : "", jstr(a, "ip"),
					    (long long)json_integer_value(
						    json_object_get(p, "port")));
	C(json_string(eps.len ? eps.buf : "<none>"));
	C(age(o, "metadata.creationTimestamp"));
	strbuf_release(&eps);
}

static void p_apiservice(struct sim *s, const json_t *o, json_t *row)
{
	struct strbuf svc = STRBUF_INIT;

	(void)s;
	if (jstr(o, "spec.service.name"))
		strbuf_addf(&svc, "%s/%s", jstr(o, "spec.service.namespace"),
			    jstr(o, "spec.service.name"));
	else
		strbuf_addstr(&svc, "Local");
	C(json_string(svc.buf));
	C(json_string(condition_is(o, "Available") ? "True" : "False"));
	C(age(o, "metadata.creationTimestamp"));
	strbuf_release(&svc);
}

static void p_node(struct sim *s, const json_t *o, json_t *row)
{
	struct strbuf roles = STRBUF_INIT;
	const char *k;
	json_t *v;
	size_t i;
	const char *ip = NULL;

	(void)s;
	json_object_foreach(jpath(o, "metadata.labels"), k, v)
		if (!strncmp(k, "node-role.kubernetes.io/", 24))
			strbuf_addf(&roles, "%s%s", roles.len ? "," : "",
				    k + 24);
	json_array_foreach(jpath(o, "status.addresses"), i, v)
		if (!strcmp(jstr(v, "type") ? jstr(v, "type") : "",
			    "InternalIP"))
			ip = jstr(v, "address");
	C(json_string(condition_is(o, "Ready") ? "Ready" : "NotReady"));
	C(json_string(roles.len ? roles.buf : "<none>"));
	C(age(o, "metadata.creationTimestamp"));
	C(json_string(jstr(o, "status.nodeInfo.kubeletVersion")
			      ? jstr(o, "status.nodeInfo.kubeletVersion") : ""));
	C(or_none(ip));
	C(json_string("<none>"));
	C(json_string(jstr(o, "status.nodeInfo.osImage")
			      ? jstr(o, "status.nodeInfo.osImage") : ""));
	C(json_string(jstr(o, "status.nodeInfo.kernelVersion")
			      ? jstr(o, "status.nodeInfo.kernelVersion") : ""));
	C(json_string(jstr(o, "status.nodeInfo.containerRuntimeVersion")
			      ? jstr(o, "status.nodeInfo."
					"containerRuntimeVersion")
			      : ""));
	strbuf_release(&roles);
}

static void p_age(struct sim *s, const json_t *o, json_t *row)
{
	(void)s;
	C(age(o, "metadata.creationTimestamp"));
}

static const struct printer printers[] = {
	{ "apps", "deployments",
	  "Ready|Up-to-date:integer|Available:integer|Age|Containers:1|"
	  "Images:1|Selector:1", p_deploy },
	{ "apps", "statefulsets", "Ready|Age|Containers:1|Images:1", p_sts },
	{ "apps", "daemonsets",
	  "Desired:integer|Current:integer|Ready:integer|"
	  "Up-to-date:integer|Available:integer|Node Selector|Age|"
	  "Containers:1|Images:1|Selector:1", p_ds },
	{ "apps", "replicasets",
	  "Desired:integer|Current:integer|Ready:integer|Age|Containers:1|"
	  "Images:1|Selector:1", p_rs },
	{ "batch", "jobs",
	  "Status|Completions|Duration|Age|Containers:1|Images:1|Selector:1",
	  p_job },
	{ "batch", "cronjobs",
	  "Schedule|Timezone|Suspend|Active:integer|Last Schedule|Age",
	  p_cronjob },
	{ "", "pods", "Ready|Status|Restarts|Age|IP:1|Node:1", p_pod },
	{ "", "nodes",
	  "Status|Roles|Age|Version|Internal-IP:1|External-IP:1|OS-Image:1|"
	  "Kernel-Version:1|Container-Runtime:1", p_node },
	{ "", "configmaps", "Data:integer|Age", p_cm },
	{ "", "secrets", "Type|Data:integer|Age", p_secret },
	{ "", "namespaces", "Status|Age", p_ns },
	{ "", "serviceaccounts", "Secrets:integer|Age", p_sa },
	{ "", "services", "Type|Cluster-IP|External-IP|Port(s)|Age|Selector:1",
	  p_svc },
	{ "", "persistentvolumeclaims",
	  "Status|Volume|Capacity|Access Modes|StorageClass|"
	  "VolumeAttributesClass|Age|VolumeMode:1", p_pvc },
	{ "", "persistentvolumes",
	  "Capacity|Access Modes|Reclaim Policy|Status|Claim|StorageClass|"
	  "VolumeAttributesClass|Reason|Age|VolumeMode:1", p_pv },
	{ "storage.k8s.io", "storageclasses",
	  "Provisioner|ReclaimPolicy|VolumeBindingMode|AllowVolumeExpansion|"
	  "Age", p_sc },
	{ "apiextensions.k8s.io", "customresourcedefinitions", "Created At",
	  p_created_at },
	{ "rbac.authorization.k8s.io", "roles", "Created At", p_created_at },
	{ "rbac.authorization.k8s.io", "clusterroles", "Created At",
	  p_created_at },
	{ "rbac.authorization.k8s.io", "rolebindings", "Role|Age", p_binding },
	{ "rbac.authorization.k8s.io", "clusterrolebindings", "Role|Age",
	  p_binding },
	{ "networking.k8s.io", "ingresses", "Class|Hosts|Address|Ports|Age",
	  p_ingress },
	{ "autoscaling", "horizontalpodautoscalers",
	  "Reference|Targets|MinPods:integer|MaxPods:integer|"
	  "Replicas:integer|Age", p_hpa },
	{ "policy", "poddisruptionbudgets",
	  "Min Available|Max Unavailable|Allowed Disruptions:integer|Age",
	  p_pdb },
	{ "networking.k8s.io", "networkpolicies", "Pod-Selector|Age",
	  p_netpol },
	{ "networking.k8s.io", "ingressclasses", "Controller|Parameters|Age",
	  p_ingclass },
	{ "coordination.k8s.io", "leases", "Holder|Age", p_lease },
	{ "", "endpoints", "Endpoints|Age", p_endpoints },
	{ "", "limitranges", "Created At", p_created_at },
	{ "apiregistration.k8s.io", "apiservices", "Service|Available|Age",
	  p_apiservice },
	{ "scheduling.k8s.io", "priorityclasses",
	  "Value:integer|Global-Default|Age|PreemptionPolicy", p_pc },
};

static const struct printer default_printer = { NULL, NULL, "Age", p_age };

static const struct printer *printer_of(const struct rtype *t)
{
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (!strcmp(printers[i].group, t->group) &&
		    !strcmp(printers[i].resource, t->resource))
			return &printers[i];
	return &default_printer;
}

/* "Title[:type][:priority]|..." after the Name column */
static json_t *columns_of(const char *spec)
{
	json_t *cols = json_array();
	const char *p = spec;

	json_array_append_new(cols, col("Name", "string", "name", 0));
	while (*p) {
		size_t n = strcspn(p, "|");
		char *one = xstrndup(p, n), *c1 = strchr(one, ':');
		const char *type = "string";
		int prio = 0;

		if (c1) {
			*c1++ = 0;
			if (!strcmp(c1, "1"))
				prio = 1;
			else
				type = c1;
		}
		if (!strcmp(one, "Created At"))
			type = "date";
		json_array_append_new(cols, col(one, type, "", prio));
		free(one);
		p += n + (p[n] ? 1 : 0);
	}
	return cols;
}

/* the CRD version of a custom resource type, for its printer columns */
static const json_t *crd_version(struct sim *s, const struct rtype *t)
{
	const struct rtype *ct = types_find(s, "apiextensions.k8s.io", "v1",
					    "customresourcedefinitions");
	const json_t *crd = store_get(s, ct, NULL, t->crd), *v;
	size_t i;

	json_array_foreach(jpath(crd, "spec.versions"), i, v)
		if (!strcmp(jstr(v, "name") ? jstr(v, "name") : "",
			    t->version))
			return v;
	return NULL;
}

static json_t *row_object(const json_t *obj, int full)
{
	json_t *o;

	if (full)
		return json_incref((json_t *)obj);
	o = json_object();
	json_object_set_new(o, "kind", json_string("PartialObjectMetadata"));
	json_object_set_new(o, "apiVersion", json_string("meta.k8s.io/v1"));
	json_object_set(o, "metadata", json_object_get(obj, "metadata"));
	return o;
}

json_t *table_of(struct sim *s, const struct rtype *t, const json_t *items,
		 const json_t *list_meta, int full_objects)
{
	json_t *table = json_object(), *rows = json_array(), *cols, *o;
	const json_t *ver = (t->flags & RT_CUSTOM) ? crd_version(s, t) : NULL;
	const json_t *pcols = json_object_get(ver, "additionalPrinterColumns");
	const struct printer *pr = printer_of(t);
	size_t i, j;
	json_t *pc;

	if (json_array_size(pcols)) {
		cols = json_array();
		json_array_append_new(cols, col("Name", "string", "name", 0));
		json_array_foreach(pcols, j, pc)
			json_array_append_new(
				cols, col(jstr(pc, "name"),
					  jstr(pc, "type") ? jstr(pc, "type")
							   : "string",
					  jstr(pc, "format") ? jstr(pc, "format")
							     : "",
					  (int)json_integer_value(
						  json_object_get(pc,
								  "priority"))));
	} else {
		cols = columns_of(pr->cols);
	}
	json_array_foreach(items, i, o) {
		json_t *row = json_object(), *cells = json_array();

		json_array_append(cells, jpath(o, "metadata.name"));
		if (json_array_size(pcols)) {
			json_array_foreach(pcols, j, pc) {
				const char *type = jstr(pc, "type");
				const char *jp = jstr(pc, "jsonPath");

				if (type && !strcmp(type, "date") && jp &&
				    *jp == '.' && jstr(o, jp + 1))
					json_array_append_new(cells,
							      age(o, jp + 1));
				else
					json_array_append_new(
						cells, json_path_cell(o, jp));
			}
		} else {
			pr->cells(s, o, cells);
		}
		json_object_set_new(row, "cells", cells);
		json_object_set_new(row, "object", row_object(o, full_objects));
		json_array_append_new(rows, row);
	}
	json_object_set_new(table, "kind", json_string("Table"));
	json_object_set_new(table, "apiVersion", json_string("meta.k8s.io/v1"));
	json_object_set_new(table, "metadata",
			    list_meta ? json_deep_copy(list_meta)
				      : json_object());
	json_object_set_new(table, "columnDefinitions", cols);
	json_object_set_new(table, "rows", rows);
	return table;
}

int table_wanted(const char *accept)
{
	return accept && strstr(accept, "as=Table") &&
	       strstr(accept, "g=meta.k8s.io");
}
