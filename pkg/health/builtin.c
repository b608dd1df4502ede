/*
 * Built-in health rules per kind, and the generic rules for everything
 * else. The wording of the Progressing messages follows `kubectl rollout
 * status`, so a person who knows kubectl recognises what gantry waits for.
 */
#include <stdarg.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/health/internal.h"

const json_t *health_path(const json_t *obj, const char *dotted)
{
	const json_t *v = obj;
	const char *p = dotted;

	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char key[256];

		if (n >= sizeof(key) || !json_is_object(v))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		p += n + (dot ? 1 : 0);
	}
	return v;
}

static const char *str_at(const json_t *obj, const char *path)
{
	return json_string_value(health_path(obj, path));
}

/* An integer field; def when it is absent or not a number. */
static long long int_at(const json_t *obj, const char *path, long long def)
{
	const json_t *v = health_path(obj, path);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	return def;
}

/* The condition of this type in status.conditions, or NULL. */
static const json_t *condition(const json_t *obj, const char *type)
{
	const json_t *c;
	size_t i;

	json_array_foreach(health_path(obj, "status.conditions"), i, c) {
		const char *t = json_string_value(json_object_get(c, "type"));
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

static int cond_is(const json_t *c, const char *status)
{
	const char *s = json_string_value(json_object_get(c, "status"));
	return c && s && !strcmp(s, status);
}

static const char *cond_str(const json_t *c, const char *key)
{
	const char *s = json_string_value(json_object_get(c, key));
	return s ? s : "";
}

static enum health_status say(char **msg, enum health_status h,
			      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum health_status say(char **msg, enum health_status h,
			      const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	*msg = strbuf_detach(&sb, NULL);
	return h;
}

/* A condition's message, else its reason, else the fallback. */
static const char *cond_words(const json_t *c, const char *fallback)
{
	if (*cond_str(c, "message"))
		return cond_str(c, "message");
	if (*cond_str(c, "reason"))
		return cond_str(c, "reason");
	return fallback;
}

/* The controller has not seen the latest spec yet. */
static int generation_behind(const json_t *obj)
{
	long long gen = int_at(obj, "metadata.generation", 0);
	long long seen = int_at(obj, "status.observedGeneration", -1);

	return seen >= 0 ? seen < gen : 0;
}

static int generation_unseen(const json_t *obj)
{
	long long gen = int_at(obj, "metadata.generation", 0);
	long long seen = int_at(obj, "status.observedGeneration", -1);

	return gen > 0 && seen < gen;
}

static enum health_status deployment(const json_t *o, char **msg)
{
	const char *name = str_at(o, "metadata.name");
	const json_t *prog = condition(o, "Progressing");
	long long want = int_at(o, "spec.replicas", 1);
	long long updated = int_at(o, "status.updatedReplicas", 0);
	long long total = int_at(o, "status.replicas", 0);
	long long avail = int_at(o, "status.availableReplicas", 0);

	if (json_is_true(health_path(o, "spec.paused")))
		return HEALTH_HEALTHY; /* a paused rollout waits for a person */
	if (generation_unseen(o))
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for deployment spec update to be observed");
	if (prog && !strcmp(cond_str(prog, "reason"),
			    "ProgressDeadlineExceeded"))
		return say(msg, HEALTH_DEGRADED,
			   "deployment \"%s\" exceeded its progress deadline: "
			   "%s",
			   name, cond_words(prog, "no progress"));
	if (updated < want)
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for deployment \"%s\" rollout to finish: "
			   "%lld out of %lld new replicas have been updated",
			   name, updated, want);
	if (total > updated)
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for deployment \"%s\" rollout to finish: "
			   "%lld old replicas are pending termination",
			   name, total - updated);
	if (avail < updated)
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for deployment \"%s\" rollout to finish: "
			   "%lld of %lld updated replicas are available",
			   name, avail, updated);
	return HEALTH_HEALTHY;
}

static enum health_status statefulset(const json_t *o, char **msg)
{
	const char *strategy = str_at(o, "spec.updateStrategy.type");
	long long want = int_at(o, "spec.replicas", 1);
	long long ready = int_at(o, "status.readyReplicas", 0);
	long long partition =
		int_at(o, "spec.updateStrategy.rollingUpdate.partition", 0);
	long long updated = int_at(o, "status.updatedReplicas", 0);
	const char *cur = str_at(o, "status.currentRevision");
	const char *upd = str_at(o, "status.updateRevision");

	if (strategy && !strcmp(strategy, "OnDelete"))
		return HEALTH_HEALTHY; /* kubectl cannot tell either */
	if (generation_unseen(o))
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for statefulset spec update to be observed");
	if (ready < want)
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for %lld pods to be ready", want - ready);
	if (partition > 0) {
		if (updated < want - partition)
			return say(msg, HEALTH_PROGRESSING,
				   "Waiting for partitioned roll out to "
				   "finish: %lld out of %lld new pods have been "
				   "updated",
				   updated, want - partition);
		return HEALTH_HEALTHY;
	}
	if (cur && upd && strcmp(cur, upd))
		return say(msg, HEALTH_PROGRESSING,
			   "waiting for statefulset rolling update to complete "
			   "%lld pods at revision %s",
			   updated, upd);
	return HEALTH_HEALTHY;
}

static enum health_status daemonset(const json_t *o, char **msg)
{
	const char *strategy = str_at(o, "spec.updateStrategy.type");
	const char *name = str_at(o, "metadata.name");
	long long want = int_at(o, "status.desiredNumberScheduled", 0);
	long long updated = int_at(o, "status.updatedNumberScheduled", 0);
	long long avail = int_at(o, "status.numberAvailable", 0);

	if (strategy && !strcmp(strategy, "OnDelete"))
		return HEALTH_HEALTHY;
	if (generation_unseen(o))
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for daemon set spec update to be observed");
	if (updated < want)
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for daemon set \"%s\" rollout to finish: "
			   "%lld out of %lld new pods have been updated",
			   name, updated, want);
	if (avail < want)
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for daemon set \"%s\" rollout to finish: "
			   "%lld of %lld updated pods are available",
			   name, avail, want);
	return HEALTH_HEALTHY;
}

static enum health_status replicaset(const json_t *o, char **msg)
{
	const json_t *fail = condition(o, "ReplicaFailure");
	long long want = int_at(o, "spec.replicas", 1);
	long long avail = int_at(o, "status.availableReplicas", 0);

	if (generation_unseen(o))
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for replica set spec update to be observed");
	if (cond_is(fail, "True"))
		return say(msg, HEALTH_DEGRADED, "%s",
			   cond_words(fail, "ReplicaFailure"));
	if (avail < want)
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for rollout to finish: %lld of %lld "
			   "replicas are available",
			   avail, want);
	return HEALTH_HEALTHY;
}

static enum health_status job(const json_t *o, char **msg)
{
	const json_t *done = condition(o, "Complete");
	const json_t *failed = condition(o, "Failed");

	if (cond_is(failed, "True"))
		return say(msg, HEALTH_DEGRADED, "job failed: %s",
			   cond_words(failed, "Failed"));
	if (cond_is(done, "True"))
		return HEALTH_HEALTHY;
	if (json_is_true(health_path(o, "spec.suspend")))
		return say(msg, HEALTH_PROGRESSING, "job is suspended");
	return say(msg, HEALTH_PROGRESSING, "Waiting for job to complete");
}

/* A container stuck in one of these will not start without a change. */
static int fatal_wait(const char *reason)
{
	static const char *const fatal[] = {
		"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull",
		"InvalidImageName", "CreateContainerConfigError",
		"CreateContainerError", NULL,
	};
	for (size_t i = 0; fatal[i]; i++)
		if (!strcmp(reason, fatal[i]))
			return 1;
	return 0;
}

static enum health_status pod_containers(const json_t *o, char **msg)
{
	static const char *const lists[] = { "status.initContainerStatuses",
					     "status.containerStatuses", NULL };
	for (size_t l = 0; lists[l]; l++) {
		const json_t *cs;
		size_t i;

		json_array_foreach(health_path(o, lists[l]), i, cs) {
			const char *reason =
				str_at(cs, "state.waiting.reason");
			const char *m = str_at(cs, "state.waiting.message");

			if (reason && fatal_wait(reason))
				return say(msg, HEALTH_DEGRADED,
					   "container %s: %s%s%s",
					   str_at(cs, "name") ? str_at(cs, "name")
							      : "?",
					   reason, m ? ": " : "", m ? m : "");
		}
	}
	return HEALTH_HEALTHY;
}

static enum health_status pod(const json_t *o, char **msg)
{
	const char *phase = str_at(o, "status.phase");
	const char *m = str_at(o, "status.message");
	const json_t *ready = condition(o, "Ready");

	if (phase && !strcmp(phase, "Succeeded"))
		return HEALTH_HEALTHY;
	if (phase && !strcmp(phase, "Failed"))
		return say(msg, HEALTH_DEGRADED, "pod failed%s%s",
			   m ? ": " : "", m ? m : "");
	if (pod_containers(o, msg) == HEALTH_DEGRADED)
		return HEALTH_DEGRADED;
	if (phase && !strcmp(phase, "Running") && cond_is(ready, "True"))
		return HEALTH_HEALTHY;
	if (phase && !strcmp(phase, "Running"))
		return say(msg, HEALTH_PROGRESSING,
			   "pod is Running but not ready");
	return say(msg, HEALTH_PROGRESSING, "pod is %s",
		   phase ? phase : "not scheduled yet");
}

static enum health_status pvc(const json_t *o, char **msg)
{
	const char *phase = str_at(o, "status.phase");

	if (phase && !strcmp(phase, "Bound"))
		return HEALTH_HEALTHY;
	if (phase && !strcmp(phase, "Lost"))
		return say(msg, HEALTH_DEGRADED,
			   "the claim lost its volume");
	return say(msg, HEALTH_PROGRESSING, "Waiting for the claim to be bound"
		   " (%s)", phase ? phase : "no phase yet");
}

static enum health_status load_balanced(const json_t *o, char **msg)
{
	if (json_array_size(health_path(o, "status.loadBalancer.ingress")))
		return HEALTH_HEALTHY;
	return say(msg, HEALTH_PROGRESSING,
		   "Waiting for a load balancer address");
}

static enum health_status service(const json_t *o, char **msg)
{
	const char *type = str_at(o, "spec.type");

	if (type && !strcmp(type, "LoadBalancer"))
		return load_balanced(o, msg);
	return HEALTH_HEALTHY;
}

static enum health_status crd(const json_t *o, char **msg)
{
	const json_t *est = condition(o, "Established");
	const json_t *names = condition(o, "NamesAccepted");

	if (cond_is(names, "False"))
		return say(msg, HEALTH_DEGRADED, "names not accepted: %s",
			   cond_words(names, "NamesAccepted is False"));
	if (cond_is(est, "True"))
		return HEALTH_HEALTHY;
	return say(msg, HEALTH_PROGRESSING,
		   "Waiting for the CustomResourceDefinition to be "
		   "established");
}

static enum health_status apiservice(const json_t *o, char **msg)
{
	const json_t *av = condition(o, "Available");

	if (cond_is(av, "True"))
		return HEALTH_HEALTHY;
	return say(msg, HEALTH_PROGRESSING, "%s",
		   av ? cond_words(av, "not available")
		      : "Waiting for the APIService to be available");
}

static enum health_status hpa(const json_t *o, char **msg)
{
	static const char *const degraded[][2] = {
		{ "AbleToScale", "FailedGetScale" },
		{ "AbleToScale", "FailedUpdateScale" },
		{ "ScalingActive", "FailedGetResourceMetric" },
		{ "ScalingActive", "InvalidSelector" },
	};
	const json_t *c;
	size_t i;

	json_array_foreach(health_path(o, "status.conditions"), i, c) {
		const char *type = cond_str(c, "type");

		for (size_t d = 0; d < sizeof(degraded) / sizeof(*degraded); d++)
			if (!strcmp(type, degraded[d][0]) &&
			    !strcmp(cond_str(c, "reason"), degraded[d][1]))
				return say(msg, HEALTH_DEGRADED, "%s",
					   cond_words(c, degraded[d][1]));
		if ((!strcmp(type, "AbleToScale") ||
		     !strcmp(type, "ScalingLimited")) &&
		    cond_is(c, "True"))
			return HEALTH_HEALTHY;
	}
	return say(msg, HEALTH_PROGRESSING, "Waiting to Autoscale");
}

static int word_in(const char *w, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(w, list[i]))
			return 1;
	return 0;
}

enum health_status health_generic(const json_t *o, char **msg)
{
	static const char *const good[] = { "Running", "Ready", "Bound",
					    "Succeeded", NULL };
	static const char *const waiting[] = { "Pending", "Creating", NULL };
	static const char *const bad[] = { "Failed", "Degraded", "Error",
					   NULL };
	static const char *const bad_conds[] = { "Stalled", "Failed", NULL };
	static const char *const good_conds[] = { "Ready", "Available", NULL };
	const char *phase = str_at(o, "status.phase");

	if (generation_behind(o))
		return say(msg, HEALTH_PROGRESSING,
			   "Waiting for the spec update to be observed "
			   "(generation %lld, observed %lld)",
			   int_at(o, "metadata.generation", 0),
			   int_at(o, "status.observedGeneration", 0));
	for (size_t i = 0; bad_conds[i]; i++) {
		const json_t *c = condition(o, bad_conds[i]);
		if (cond_is(c, "True"))
			return say(msg, HEALTH_DEGRADED, "%s: %s",
				   bad_conds[i], cond_words(c, "True"));
	}
	for (size_t i = 0; good_conds[i]; i++)
		if (cond_is(condition(o, good_conds[i]), "True"))
			return HEALTH_HEALTHY;
	if (phase && word_in(phase, good))
		return HEALTH_HEALTHY;
	if (phase && word_in(phase, waiting))
		return say(msg, HEALTH_PROGRESSING, "status.phase is %s",
			   phase);
	if (phase && word_in(phase, bad))
		return say(msg, HEALTH_DEGRADED, "status.phase is %s%s%s",
			   phase, str_at(o, "status.message") ? ": " : "",
			   str_at(o, "status.message")
				   ? str_at(o, "status.message")
				   : "");
	return HEALTH_HEALTHY;
}

struct builtin {
	const char *group, *kind;
	enum health_status (*fn)(const json_t *o, char **msg);
};

static const struct builtin builtins[] = {
	{ "apps", "Deployment", deployment },
	{ "apps", "StatefulSet", statefulset },
	{ "apps", "DaemonSet", daemonset },
	{ "apps", "ReplicaSet", replicaset },
	{ "batch", "Job", job },
	{ "", "Pod", pod },
	{ "", "PersistentVolumeClaim", pvc },
	{ "", "Service", service },
	{ "networking.k8s.io", "Ingress", load_balanced },
	{ "apiextensions.k8s.io", "CustomResourceDefinition", crd },
	{ "apiregistration.k8s.io", "APIService", apiservice },
	{ "autoscaling", "HorizontalPodAutoscaler", hpa },
};

enum health_status health_builtin(const char *group, const char *kind,
				  const json_t *o, char **msg)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(*builtins); i++)
		if (!strcmp(builtins[i].group, group) &&
		    !strcmp(builtins[i].kind, kind))
			return builtins[i].fn(o, msg);
	return health_generic(o, msg);
}
