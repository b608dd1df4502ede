/*
 * gantry's own transformers (apiVersion gantry.dev/v1alpha1), for the
 * built-in components under overlays/. Each does something per object
 * that kustomize's transformers cannot express (a PodDisruptionBudget for
 * every Deployment, a securityContext in every container, a
 * ServiceMonitor for every Service with a metrics port), so kustomize
 * itself refuses them as external plugins; gantry runs them like its
 * builtin ones.
 *
 *   HighAvailability    minReplicas (2), antiAffinity (preferred|required),
 *                       topologyKey (kubernetes.io/hostname), maxUnavailable
 *   RestrictedSecurity  (no options)
 *   PrometheusScrape    portName (metrics), path (/metrics), interval
 *                       (30s), labels (added to each ServiceMonitor)
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"

static const char *opt(const json_t *o, const char *k, const char *def)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : def;
}

static int check_options(const json_t *cfg, const char *kind,
			 const char *const *known, struct gerr *err)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)cfg, k, v) {
		if (!strcmp(k, "apiVersion") || !strcmp(k, "kind") ||
		    !strcmp(k, "metadata"))
			continue;
		size_t i;
		for (i = 0; known[i] && strcmp(known[i], k); i++)
			;
		if (!known[i])
			return gerr_setc(err, GERR_INPUT,
					 "%s: unknown option \"%s\"", kind, k);
	}
	return 0;
}

static json_t *obj_at(json_t *o, const char *a)
{
	json_t *v = json_object_get(o, a);
	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, a, v);
	}
	return v;
}

static int is_kind(struct kres *r, const char *group, const char *kind)
{
	struct kid id;
	kres_id(r, &id);
	return !strcmp(id.gvk.kind, kind) && !strcmp(id.gvk.group, group);
}

static struct kres *find(struct kacc *acc, const char *group, const char *kind,
			 const char *ns, const char *name)
{
	for (size_t i = 0; i < acc->res.nr; i++) {
		struct kres *r = acc->res.v[i];
		if (is_kind(r, group, kind) && !strcmp(kres_ns(r), ns) &&
		    !strcmp(kres_name(r), name))
			return r;
	}
	return NULL;
}

static json_t *new_meta(struct kres *like, const json_t *extra_labels)
{
	json_t *md = json_object();
	json_object_set_new(md, "name", json_string(kres_name(like)));
	if (*kres_ns(like))
		json_object_set_new(md, "namespace", json_string(kres_ns(like)));
	json_t *labels = json_object_get(json_object_get(like->obj, "metadata"),
					 "labels");
	json_t *l = json_is_object(labels) ? json_deep_copy(labels) : json_object();
	if (json_is_object(extra_labels))
		json_object_update(l, (json_t *)extra_labels);
	if (json_object_size(l))
		json_object_set_new(md, "labels", l);
	else
		json_decref(l);
	return md;
}

/* ---- HighAvailability ------------------------------------------------ */

static int high_availability(struct kacc *acc, const json_t *cfg,
			     const char *file, struct gerr *err)
{
	static const char *const known[] = { "minReplicas", "antiAffinity",
					     "topologyKey", "maxUnavailable",
					     NULL };
	if (check_options(cfg, "HighAvailability", known, err) < 0)
		return -1;
	const json_t *mr = json_object_get(cfg, "minReplicas");
	json_int_t min = json_is_integer(mr) ? json_integer_value(mr) : 2;
	const char *mode = opt(cfg, "antiAffinity", "preferred");
	const char *topo = opt(cfg, "topologyKey", "kubernetes.io/hostname");
	const json_t *mu = json_object_get(cfg, "maxUnavailable");
	if (strcmp(mode, "preferred") && strcmp(mode, "required"))
		return gerr_setc(err, GERR_INPUT, "HighAvailability: "
				 "antiAffinity must be preferred or required, "
				 "not %s", mode);
	size_t n = acc->res.nr;
	for (size_t i = 0; i < n; i++) {
		struct kres *r = acc->res.v[i];
		if (!is_kind(r, "apps", "Deployment") &&
		    !is_kind(r, "apps", "StatefulSet"))
			continue;
		json_t *spec = obj_at(r->obj, "spec");
		json_t *sel = json_object_get(spec, "selector");
		if (!json_is_object(sel)) {
			struct strbuf sb = STRBUF_INIT;
			kres_format(&sb, r);
			gerr_setc(err, GERR_INPUT, "HighAvailability: %s has no "
				  "spec.selector to build a PodDisruptionBudget "
				  "and anti-affinity from", sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		/* at least min replicas; an unset replicas means 1 */
		json_t *rep = json_object_get(spec, "replicas");
		if (!json_is_integer(rep) || json_integer_value(rep) < min)
			json_object_set_new(spec, "replicas", json_integer(min));

		/* spread the pods over nodes, unless the app says how */
		json_t *pod = obj_at(obj_at(spec, "template"), "spec");
		json_t *aff = obj_at(pod, "affinity");
		if (!json_object_get(aff, "podAntiAffinity")) {
			json_t *term = json_pack("{s:o, s:s}", "labelSelector",
						 json_deep_copy(sel),
						 "topologyKey", topo);
			json_t *anti = json_object();
			if (!strcmp(mode, "required"))
				json_object_set_new(
					anti,
					"requiredDuringSchedulingIgnoredDuringExecution",
					json_pack("[o]", term));
			else
				json_object_set_new(
					anti,
					"preferredDuringSchedulingIgnoredDuringExecution",
					json_pack("[{s:i, s:o}]", "weight", 100,
						  "podAffinityTerm", term));
			json_object_set_new(aff, "podAntiAffinity", anti);
		}

		/* a PodDisruptionBudget, unless one of that name exists */
		if (find(acc, "policy", "PodDisruptionBudget", kres_ns(r),
			 kres_name(r)))
			continue;
		json_t *pspec = json_object();
		json_object_set_new(pspec, "maxUnavailable",
				    json_is_integer(mu) || json_is_string(mu)
					    ? json_deep_copy(mu)
					    : json_integer(1));
		json_object_set_new(pspec, "selector", json_deep_copy(sel));
		json_t *pdb = json_pack("{s:s, s:s, s:o, s:o}", "apiVersion",
					"policy/v1", "kind",
					"PodDisruptionBudget", "metadata",
					new_meta(r, NULL), "spec", pspec);
		kresmap_push(&acc->res, kres_new(pdb, file, 0));
	}
	return 0;
}

/* ---- RestrictedSecurity ---------------------------------------------- */

/* The pod spec of a workload, or NULL. */
static json_t *pod_spec(struct kres *r)
{
	const char *kind = kres_kind(r);
	json_t *o = r->obj;
	if (!strcmp(kind, "Pod"))
		return json_object_get(o, "spec");
	if (!strcmp(kind, "PodTemplate"))
		return json_object_get(json_object_get(o, "template"), "spec");
	if (!strcmp(kind, "CronJob"))
		o = json_object_get(json_object_get(json_object_get(o, "spec"),
						    "jobTemplate"),
				    "spec");
	else if (strcmp(kind, "Deployment") && strcmp(kind, "StatefulSet") &&
		 strcmp(kind, "DaemonSet") && strcmp(kind, "ReplicaSet") &&
		 strcmp(kind, "Job") && strcmp(kind, "ReplicationController"))
		return NULL;
	else
		o = json_object_get(o, "spec");
	return json_object_get(json_object_get(o, "template"), "spec");
}

static int harden_container(struct kres *r, json_t *c, struct gerr *err)
{
	json_t *sc = obj_at(c, "securityContext");
	const json_t *user = json_object_get(sc, "runAsUser");
	if (json_is_integer(user) && json_integer_value(user) == 0) {
		struct strbuf sb = STRBUF_INIT;
		kres_format(&sb, r);
		gerr_setc(err, GERR_INPUT, "RestrictedSecurity: container %s of "
			  "%s runs as user 0, which the restricted profile "
			  "forbids", opt(c, "name", "?"), sb.buf);
		strbuf_release(&sb);
		return -1;
	}
	json_object_set_new(sc, "allowPrivilegeEscalation", json_false());
	json_object_set_new(sc, "readOnlyRootFilesystem", json_true());
	if (json_object_get(sc, "privileged"))
		json_object_set_new(sc, "privileged", json_false());
	if (json_is_false(json_object_get(sc, "runAsNonRoot")))
		json_object_set_new(sc, "runAsNonRoot", json_true());
	json_t *caps = obj_at(sc, "capabilities");
	json_object_set_new(caps, "drop", json_pack("[s]", "ALL"));
	/* the profile lets a container add NET_BIND_SERVICE only */
	json_t *add = json_object_get(caps, "add");
	if (json_is_array(add)) {
		json_t *keep = json_array();
		size_t i;
		json_t *a;
		json_array_foreach(add, i, a)
			if (json_is_string(a) &&
			    !strcmp(json_string_value(a), "NET_BIND_SERVICE"))
				json_array_append(keep, a);
		if (json_array_size(keep))
			json_object_set_new(caps, "add", keep);
		else {
			json_decref(keep);
			json_object_del(caps, "add");
		}
	}
	return 0;
}

static int restricted_security(struct kacc *acc, const json_t *cfg,
			       struct gerr *err)
{
	static const char *const known[] = { NULL };
	if (check_options(cfg, "RestrictedSecurity", known, err) < 0)
		return -1;
	for (size_t i = 0; i < acc->res.nr; i++) {
		struct kres *r = acc->res.v[i];
		json_t *pod = pod_spec(r);
		if (!json_is_object(pod))
			continue;
		json_t *psc = obj_at(pod, "securityContext");
		json_object_set_new(psc, "runAsNonRoot", json_true());
		const char *sp = opt(json_object_get(psc, "seccompProfile"), "type",
				     "");
		if (strcmp(sp, "RuntimeDefault") && strcmp(sp, "Localhost"))
			json_object_set_new(psc, "seccompProfile",
					    json_pack("{s:s}", "type",
						      "RuntimeDefault"));
		const char *lists[] = { "initContainers", "containers",
					"ephemeralContainers" };
		for (int l = 0; l < 3; l++) {
			size_t k;
			json_t *c;
			json_array_foreach(json_object_get(pod, lists[l]), k, c)
				if (json_is_object(c) &&
				    harden_container(r, c, err) < 0)
					return -1;
		}
	}
	return 0;
}

/* ---- PrometheusScrape -------------------------------------------------- */

static int prometheus_scrape(struct kacc *acc, const json_t *cfg,
			     const char *file, struct gerr *err)
{
	static const char *const known[] = { "portName", "path", "interval",
					     "labels", NULL };
	if (check_options(cfg, "PrometheusScrape", known, err) < 0)
		return -1;
	const char *port = opt(cfg, "portName", "metrics");
	const char *path = opt(cfg, "path", "/metrics");
	const char *interval = opt(cfg, "interval", "30s");
	const json_t *extra = json_object_get(cfg, "labels");
	size_t n = acc->res.nr;
	for (size_t i = 0; i < n; i++) {
		struct kres *r = acc->res.v[i];
		if (!is_kind(r, "", "Service"))
			continue;
		const json_t *ports = json_object_get(json_object_get(r->obj, "spec"),
						      "ports");
		int has = 0;
		size_t k;
		const json_t *p;
		json_array_foreach(ports, k, p)
			if (!strcmp(opt(p, "name", ""), port))
				has = 1;
		if (!has ||
		    find(acc, "monitoring.coreos.com", "ServiceMonitor",
			 kres_ns(r), kres_name(r)))
			continue;
		const json_t *labels = json_object_get(
			json_object_get(r->obj, "metadata"), "labels");
		if (!json_is_object(labels) || !json_object_size(labels)) {
			struct strbuf sb = STRBUF_INIT;
			kres_format(&sb, r);
			gerr_setc(err, GERR_INPUT, "PrometheusScrape: %s has no "
				  "labels for its ServiceMonitor to select it by",
				  sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		json_t *sm = json_pack(
			"{s:s, s:s, s:o, s:{s:{s:o}, s:[{s:s, s:s, s:s}]}}",
			"apiVersion", "monitoring.coreos.com/v1", "kind",
			"ServiceMonitor", "metadata", new_meta(r, extra), "spec",
			"selector", "matchLabels", json_deep_copy(labels),
			"endpoints", "port", port, "path", path, "interval",
			interval);
		kresmap_push(&acc->res, kres_new(sm, file, 0));
	}
	return 0;
}

int kgantry_transformer(struct kust *kt, struct kacc *acc, const json_t *cfg,
			const char *kind, struct gerr *err)
{
	if (!strcmp(kind, "HighAvailability"))
		return high_availability(acc, cfg, kt->file, err);
	if (!strcmp(kind, "RestrictedSecurity"))
		return restricted_security(acc, cfg, err);
	if (!strcmp(kind, "PrometheusScrape"))
		return prometheus_scrape(acc, cfg, kt->file, err);
	return gerr_setc(err, GERR_INPUT, "%s is not one of gantry's "
			 "transformers (HighAvailability, RestrictedSecurity, "
			 "PrometheusScrape)", kind);
}
