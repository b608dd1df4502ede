#ifndef GANTRY_APPLY_H
#define GANTRY_APPLY_H

/*
 * pkg/apply — the "apply" stage: ordering changes into phases and waves,
 * writing them concurrently, waiting for health, pruning through the
 * inventory.
 *
 *   struct apply_opts o = { .app = "shop", .namespace = "shop",
 *                           .revision = commit, .rules = diff_rules,
 *                           .health = health_rules, .prune = 1,
 *                           .timeout_ms = 300000, .report = run_sink };
 *   struct apply_result res = APPLY_RESULT_INIT;
 *   if (apply_run(client, &objs, &o, &res, &err) < 0)
 *           ... error (res.outcome: APPLY_FAILED or APPLY_INTERRUPTED)
 *   else if (res.outcome == APPLY_UNHEALTHY)
 *           ... exit 3
 *   apply_result_clear(&res);
 *
 * or in two steps (gantry plan --app, a sync loop checking for drift):
 *   apply_plan(client, &objs, &o, &set, &err);   // nothing written
 *   if (diff_set_changes(&set)) apply_execute(client, &set, &o, &res, &err);
 *
 * One app per call; the caller must never run two applies of one app at
 * once (their inventory writes would race). Everything runs on the
 * client's loop in the calling thread; apps applied concurrently need a
 * client each (pkg/kube is not thread-safe) and may share one report.
 *
 * ORDER. Changes run by hook phase (annotation gantry.dev/hook: "pre",
 * none, "post"), then wave (gantry.dev/wave, an integer, default 0), then
 * kind class (apply_class_name):
 *   0 namespaces  Namespace
 *   1 crds        CustomResourceDefinition
 *   2 rbac        ServiceAccount, ClusterRole, ClusterRoleBinding, Role,
 *                 RoleBinding
 *   3 config      ConfigMap, Secret, ResourceQuota, LimitRange,
 *                 PriorityClass
 *   4 storage     StorageClass, PersistentVolume, PersistentVolumeClaim
 *   5 network     Service, Endpoints, NetworkPolicy, Ingress, IngressClass
 *   6 workloads   Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, Job,
 *                 CronJob, PodDisruptionBudget, HorizontalPodAutoscaler
 *   7 custom      custom resources and everything else
 * Each (hook, wave, class) is one step; within a step every request runs
 * concurrently (at most opts.concurrency in flight). After a crds step,
 * every CRD of the step is waited for until Established and discovery is
 * refreshed: no custom resource of those CRDs is requested before. After
 * each wave, everything in it (changed or not) is waited for until
 * Healthy (see WAITING). Prune (opts.prune) runs after the last step of
 * the main phase, before its wait, in reverse class order; post hooks run
 * after that wait.
 *
 * WRITES. A create is a POST of the desired object; an update is a PUT of
 * the three-way merge result (diff_change.result) with the live
 * resourceVersion (a conflict check, see CONFLICTS). Every object written
 * carries the label gantry.dev/app=APP and the annotations
 * gantry.dev/revision=REVISION (the revision that last wrote the object;
 * an object that is unchanged keeps its revision) and
 * kubectl.kubernetes.io/last-applied-configuration: the desired object
 * without gantry's label, encoded as `kubectl apply` encodes it (Go's JSON
 * of the object, keys sorted, HTML characters escaped, a final newline),
 * so that `kubectl apply` of the same manifests afterwards sees nothing to
 * change. Writes use fieldManager=gantry.
 *
 * LARGE OBJECTS. The API server refuses annotations of more than 262,144
 * bytes in total. An object whose annotations would exceed that with its
 * last-applied configuration (a large CRD) is written without it and
 * annotated gantry.dev/last-applied: inventory instead; its last-applied
 * configuration is kept, gzipped, in the inventory (binaryData), and read
 * from there by apply_plan, so the three-way diff (removed fields
 * included) works exactly as for other objects.
 *
 * CONFLICTS. An update answered 409 Conflict is read again and merged
 * again. A conflict is reported (the object is not written, the run
 * fails) when a field that gantry's update sets or removes was set or
 * removed by another writer between the read the change was planned from
 * and the write: the change from the planned live object to the one read
 * again (status and server-set metadata left out) and gantry's patch
 * touch a common field (maps compared key by key, lists with a merge key
 * item by item, anything else whole). opts.force_conflicts overwrites.
 * An object that carries another app's gantry.dev/app label is a conflict
 * too (two apps would fight over it). Drift that existed when the plan
 * was made is not a conflict: the plan shows it, and applying corrects it.
 *
 * IMMUTABLE FIELDS. An update refused with 422 because a field is
 * immutable is, with annotation gantry.dev/replace: "true" on the object
 * or opts.replace_immutable (and always for hooks), deleted (uid
 * precondition, background propagation), waited for until gone, and
 * created again; otherwise the run stops with an error naming the field
 * and both remedies.
 *
 * WAITING (opts.no_wait skips all but pre hooks and CRDs). Health is
 * pkg/health's with opts.health. Objects not Healthy after their write are
 * watched (one watch per resource and namespace, selected by the app
 * label); when a watch cannot be opened or ends, they are polled with
 * backoff (0.25 s doubling to 5 s). A wait ends when all are Healthy,
 * when one is Degraded (the run stops: APPLY_UNHEALTHY, the object and
 * its message reported), or after opts.timeout_ms (APPLY_UNHEALTHY, every
 * object not Healthy listed with its last status). A pre hook that fails
 * stops the run the same way.
 *
 * INVENTORY. ConfigMap gantry-inventory-APP in the app's namespace,
 * labelled gantry.dev/app=APP and gantry.dev/inventory=true:
 *   data.app, data.revision, data.appliedAt (RFC 3339), data.outcome
 *   (Succeeded, Unhealthy, Failed, Interrupted; InProgress while a run
 *   goes on) and data.objects: one JSON object per line, sorted,
 *   {"apiVersion","kind","namespace","name","uid","revision"[,
 *   "lastApplied": KEY of binaryData]}.
 * Before the first write of a run that creates objects the inventory does
 * not list, it is written with those objects (uid null) and outcome
 * InProgress, so that a run killed half-way forgets nothing it created
 * (when the run creates the inventory's own namespace, right after that
 * namespace). After the run — done, failed, unhealthy or interrupted — it
 * is written again: every object of the app that exists, and what the
 * old inventory listed that was not pruned. It is not written when
 * nothing but appliedAt would change, so an apply with nothing to do
 * sends no write at all.
 *
 * PRUNE. An inventory object that is no longer desired is deleted (uid
 * precondition, background propagation) when the live object still has
 * the label gantry.dev/app=APP and the uid the inventory recorded (or, for
 * an entry recorded without uid by an interrupted run, the revision it
 * recorded), and is not annotated gantry.dev/prune: disabled (which keeps
 * it, and keeps it in the inventory).
 *
 * DRY RUNS. APPLY_DRY_RUN_CLIENT: plan, report what would be done, write
 * nothing. APPLY_DRY_RUN_SERVER: every write with dryRun=All (custom
 * resources of CRDs the run would create are skipped: the server cannot
 * know them), no waiting, no inventory.
 *
 * STOPPING. When *opts.stop becomes non-zero (a signal handler sets it;
 * call kube_wakeup on the client too), no new request starts: requests in
 * flight finish (with opts.finish_step, the whole current step does), the
 * inventory is written, and apply returns -1 with GERR_INTERRUPTED,
 * outcome APPLY_INTERRUPTED and the changes not made in res.not_done.
 * Running apply again converges.
 *
 * Nothing is written before everything is planned and checked: kinds
 * served, no duplicate, annotation values valid, no custom resource in a
 * step before its CRD's, no object of another app.
 */

#include <jansson.h>
#include <signal.h>

#include "pkg/base/error.h"
#include "pkg/diff/diff.h"
#include "pkg/health/health.h"
#include "pkg/object/object.h"

struct kube_client;
struct report_run;
struct report;

enum apply_dry_run {
	APPLY_DRY_RUN_NONE,
	APPLY_DRY_RUN_CLIENT,
	APPLY_DRY_RUN_SERVER,
};

struct apply_opts {
	const char *app;        /* required: a DNS label */
	/* Namespace of namespaced objects that name none, and of the
	 * inventory; NULL: the client's (kubeconfig) namespace. */
	const char *namespace;
	/* gantry.dev/revision of what is written, and the inventory's; NULL:
	 * "sha256:" and the first 16 hex digits of the SHA-256 of the
	 * desired objects (as apply_digest computes). */
	const char *revision;
	const struct diff_rules *rules;     /* may be NULL */
	const struct health_rules *health;  /* may be NULL */
	int prune;
	enum apply_dry_run dry_run;
	int no_wait;            /* --wait=false */
	long timeout_ms;        /* for each wait; 0: no limit */
	int concurrency;        /* requests in flight; 0: 64 */
	int force_conflicts;
	int replace_immutable;
	/* Where events go (report_run_start/end are called here); NULL
	 * prints nothing. */
	struct report *report;
	volatile sig_atomic_t *stop;  /* may be NULL */
	int finish_step;        /* on stop, finish the current step */
};

enum apply_outcome {
	APPLY_SUCCEEDED,
	APPLY_UNHEALTHY,   /* applied, but Degraded or timed out: exit 3 */
	APPLY_FAILED,
	APPLY_INTERRUPTED,
};

/* "Succeeded", "Unhealthy", "Failed", "Interrupted" */
const char *apply_outcome_name(enum apply_outcome o);

/* One object of the run, as it ended. */
struct apply_object {
	char *id;               /* "apps/Deployment/shop/web" */
	enum diff_action action; /* what was done (or planned, for not_done) */
	enum health_status health; /* its last known health */
	char *message;          /* why not Healthy, or NULL */
};

struct apply_result {
	enum apply_outcome outcome;
	char *revision;
	size_t created, updated, unchanged, deleted;
	struct apply_object *objects;   /* every desired object, in order */
	size_t nr_objects;
	struct apply_object *not_done;  /* changes not made (stopped early) */
	size_t nr_not_done;
	double seconds;
};
#define APPLY_RESULT_INIT { APPLY_SUCCEEDED, NULL, 0, 0, 0, 0, NULL, 0, \
			    NULL, 0, 0 }

void apply_result_clear(struct apply_result *res);

/*
 * Plan objs for the app (diff_plan, with every object labelled
 * gantry.dev/app=APP, last-applied configurations of large objects read
 * from the inventory), check everything listed at the end of the comment
 * above, and append to set the prunes (DIFF_DELETE) when opts->prune.
 * Each change's desired is the object as rendered, namespace filled in,
 * without gantry's label: what its last-applied annotation holds.
 * Nothing is written. 0, or -1 with err.
 */
int apply_plan(struct kube_client *c, const struct obj_list *objs,
	       const struct apply_opts *opts, struct diff_set *set,
	       struct gerr *err);

/*
 * Carry out a set from apply_plan (computed with the same opts), as
 * described above. res receives counts, health and outcome (also on
 * failure). Returns 0 when the run went to its end (APPLY_SUCCEEDED or
 * APPLY_UNHEALTHY), -1 with err otherwise. set is not changed.
 */
int apply_execute(struct kube_client *c, const struct diff_set *set,
		  const struct apply_opts *opts, struct apply_result *res,
		  struct gerr *err);

/* apply_plan, then apply_execute. */
int apply_run(struct kube_client *c, const struct obj_list *objs,
	      const struct apply_opts *opts, struct apply_result *res,
	      struct gerr *err);

/*
 * A saved plan (diff_load) against the plan made now from the same
 * objects: 0 when they make the same changes — same objects, same
 * actions, for each update the same changed fields with the same values
 * before and after, and the same patch; for each delete the same uid —
 * whatever resourceVersions did meanwhile. Otherwise -1 with err
 * (GERR_CONFLICT) naming up to five objects that differ.
 */
int apply_compare_plans(const struct diff_set *saved,
			const struct diff_set *now, struct gerr *err);

/* The objects a saved plan would create or update (their desired), for
 * apply_plan. */
void apply_saved_objects(const struct diff_set *saved, struct obj_list *out);

/* "sha256:" and 16 hex digits of the SHA-256 of the desired objects of
 * set (their JSON, keys sorted, one after the other). Caller frees. */
char *apply_digest(const struct diff_set *set);

/* The kind class of group/kind (0 to 7, as in ORDER) and its name. */
int apply_class(const char *group, const char *kind);
const char *apply_class_name(int cls);

/*
 * The value of the last-applied-configuration annotation for desired,
 * as kubectl writes it: desired without that annotation (and with an
 * empty annotations map when it had none), as Go's encoding/json writes
 * it, ending with a newline. Caller frees.
 */
char *apply_last_applied(const json_t *desired);

/* ------------------------------------------------------------------ */
/* The inventory                                                        */

struct apply_ref {
	char *api_version, *kind, *namespace, *name; /* namespace "" */
	char *group;             /* from api_version */
	char *uid;               /* NULL: recorded before it was created */
	char *revision;          /* that last wrote it */
	char *last_applied;      /* large objects only, else NULL */
};

struct apply_inventory {
	int exists;              /* the ConfigMap was found */
	char *app, *revision, *applied_at, *outcome;
	char *resource_version;  /* of the ConfigMap */
	struct apply_ref *v;     /* sorted by identity */
	size_t nr, alloc;
};
#define APPLY_INVENTORY_INIT { 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0 }

/* "gantry-inventory-APP". Caller frees. */
char *apply_inventory_name(const char *app);

/*
 * Read the app's inventory from namespace ns (NULL: the client's).
 * Not found: 0 with inv->exists 0. -1 with err when it cannot be read or
 * is not an inventory gantry wrote.
 */
int apply_inventory_read(struct kube_client *c, const char *app,
			 const char *ns, struct apply_inventory *inv,
			 struct gerr *err);
void apply_inventory_clear(struct apply_inventory *inv);

#endif
