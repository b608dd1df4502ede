#ifndef GANTRY_HEALTH_H
#define GANTRY_HEALTH_H

/*
 * pkg/health — the health of a live object.
 *
 *   struct health_rules *r = health_rules_new();
 *   health_rules_add_json(r, app_health_list, "apps/volley/app.yaml", &err);
 *   char *msg;
 *   enum health_status h = health_check(live, r, &msg);
 *   ... free(msg); health_rules_free(r);
 *
 * An object is Healthy, Progressing (not there yet, may get there),
 * Degraded (failed, will not get there without a change) or Missing (not
 * found). The rules, first match wins:
 *
 *   1. the app's rules for the object's group and kind (and name, when
 *      the rule names one), in the order added: the value at the rule's
 *      field path is matched against its healthy, then degraded, then
 *      progressing values; a field that is absent, or a value none of
 *      the lists holds, is Progressing ("status.phase is not set yet",
 *      "status.phase is Unknown");
 *   2. the built-in rule of the kind: Deployment, StatefulSet, DaemonSet
 *      and ReplicaSet as `kubectl rollout status` judges them (a
 *      Deployment whose Progressing condition says ProgressDeadlineExceeded
 *      and a ReplicaSet with ReplicaFailure are Degraded); Job (Complete ->
 *      Healthy, Failed -> Degraded); Pod (Succeeded, or Running and Ready ->
 *      Healthy; Failed, or a container waiting in CrashLoopBackOff,
 *      ImagePullBackOff, ErrImagePull, InvalidImageName or
 *      CreateContainerConfigError -> Degraded); PersistentVolumeClaim
 *      (Bound -> Healthy, Lost -> Degraded); Service of type LoadBalancer
 *      and Ingress (Healthy with a load balancer address); CRD (Established
 *      -> Healthy, NamesAccepted False -> Degraded); APIService (Available);
 *      HorizontalPodAutoscaler (AbleToScale or ScalingLimited True ->
 *      Healthy, AbleToScale failing to get or update the scale or
 *      ScalingActive failing on metrics or the selector -> Degraded, no
 *      condition yet -> Progressing), as Argo CD judges these;
 *   3. the generic rules of everything else: status.observedGeneration
 *      behind metadata.generation -> Progressing; a condition Stalled or
 *      Failed True -> Degraded; Ready or Available True -> Healthy;
 *      status.phase Running, Ready, Bound, Succeeded -> Healthy; Pending,
 *      Creating -> Progressing; Failed, Degraded, Error -> Degraded;
 *      nothing of the sort (a ConfigMap, a Role) -> Healthy.
 *
 * Messages say what an object waits for or why it failed, in the words
 * of its conditions where it has them. They never quote Secret data:
 * only status fields are read.
 */

#include <jansson.h>

#include "pkg/base/error.h"

enum health_status {
	HEALTH_HEALTHY,
	HEALTH_PROGRESSING,
	HEALTH_DEGRADED,
	HEALTH_MISSING,
};

/* "Healthy", "Progressing", "Degraded", "Missing" */
const char *health_status_name(enum health_status s);

struct health_rules;

struct health_rules *health_rules_new(void);
/* NULL is allowed. */
void health_rules_free(struct health_rules *r);

/*
 * Add a rule: objects of group ("" core) and kind, only the one named
 * name when it is not NULL; field is a dotted path ("status.phase",
 * "status.clusterPhase"); healthy, progressing and degraded are
 * NULL-terminated lists of values (NULL for none). A value written
 * "/RE/" is a PCRE2 regular expression, anchored at neither end; any
 * other value matches exactly. A field value that is a number or a
 * boolean matches as its JSON text ("true", "2"). -1 with err
 * (GERR_INPUT) for an empty kind or field, or a bad regular expression
 * (naming it and where it fails).
 */
int health_rules_add(struct health_rules *r, const char *group,
		     const char *kind, const char *name, const char *field,
		     const char *const *healthy,
		     const char *const *progressing,
		     const char *const *degraded, struct gerr *err);

/*
 * Add the rules of an app spec's `health` list (file names the input in
 * errors):
 *   - {group: volley.io, kind: VolleyApplication, field: status.phase,
 *      healthy: [Running], progressing: [Pending],
 *      degraded: [Degraded, "/^Fail/"]}
 * group defaults to ""; name is optional; kind and field are required.
 * -1 with err naming the entry ("FILE: health[2]: kind is required").
 */
int health_rules_add_json(struct health_rules *r, const json_t *list,
			  const char *file, struct gerr *err);

/*
 * The health of obj, a live object (NULL: HEALTH_MISSING). rules may be
 * NULL. *message (when message is not NULL) receives a new string saying
 * why it is not Healthy, or NULL when it is; the caller frees it.
 */
enum health_status health_check(const json_t *obj,
				const struct health_rules *rules,
				char **message);

#endif
