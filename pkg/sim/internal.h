#ifndef GANTRY_SIM_INTERNAL_H
#define GANTRY_SIM_INTERNAL_H

/*
 * pkg/sim internals, shared by the files of the module and by nothing
 * else (cmd/kubesim and the tests use sim.h). Everything here runs with
 * s->lock held unless it says otherwise.
 */

#include <pthread.h>
#include <stdint.h>
#include <regex.h>

#include "pkg/base/strvec.h"
#include "pkg/sim/sim.h"

/* ---- resource types (types.c) ---- */

enum {
	VERB_GET = 1 << 0,
	VERB_LIST = 1 << 1,
	VERB_WATCH = 1 << 2,
	VERB_CREATE = 1 << 3,
	VERB_UPDATE = 1 << 4,
	VERB_PATCH = 1 << 5,
	VERB_DELETE = 1 << 6,
	VERB_DELETECOLLECTION = 1 << 7,
	VERBS_ALL = 0xff,
};

enum {
	RT_STATUS = 1 << 0,     /* has a /status subresource */
	RT_GENERATION = 1 << 1, /* metadata.generation is kept */
	RT_CUSTOM = 1 << 2,     /* served from a CustomResourceDefinition */
	RT_SCALE = 1 << 3,      /* has a /scale subresource */
};

struct rtype {
	char *group, *version, *resource, *singular, *kind, *list_kind;
	int namespaced;
	unsigned verbs, flags;
	struct strvec short_names, categories;
	/* built-in: the OpenAPI definition name of the kind (schema.c) */
	const char *def;
	/* custom: the CRD's name, this version's openAPIV3Schema (owned
	 * reference, may be NULL), the storage version, status/scale paths */
	char *crd;
	json_t *schema;
	char *storage_version;
	char *scale_spec, *scale_status, *scale_selector;
};

/* The type at group/version/resource, or NULL. */
const struct rtype *types_find(struct sim *s, const char *group,
			       const char *version, const char *resource);
/* The storage type of a group/resource key "apps/deployments". */
const struct rtype *types_find_gr(struct sim *s, const char *gr);
void types_init(struct sim *s);
void types_free(struct sim *s);
/* Replace the types a CRD serves (none when crd is NULL or not
 * established); removes the old ones of that CRD name. */
void types_set_crd(struct sim *s, const char *crd_name, const json_t *crd);
/* "apps/deployments", "/configmaps": the store key of a type */
void types_gr(const struct rtype *t, struct strbuf *out);
/* "deployments.apps" or "configmaps": the qualified resource */
void types_qualified(const struct rtype *t, struct strbuf *out);
/* "apps/v1" or "v1" */
void types_api_version(const struct rtype *t, struct strbuf *out);

/* ---- the store (store.c) ---- */

struct event {
	uint64_t rv;
	const char *type; /* "ADDED", "MODIFIED", "DELETED" (static) */
	char *gr;         /* store key of the type */
	json_t *obj;      /* the object after the change (owned ref) */
	json_t *prev;     /* MODIFIED: the object before (owned ref) */
};

/* Objects are never modified in place once stored: a write builds a new
 * object and store_put swaps it in, so events and readers may keep
 * references. */
json_t *store_get(struct sim *s, const struct rtype *t, const char *ns,
		  const char *name);
/* Every object of a type (in ns, or all for NULL), sorted by namespace
 * and name as etcd's keys sort. The array holds new references. */
json_t *store_list(struct sim *s, const struct rtype *t, const char *ns);
/* Store obj (reference stolen) with the next resourceVersion; record an
 * event of type ADDED or MODIFIED. Returns the stored object (borrowed). */
json_t *store_put(struct sim *s, const struct rtype *t, json_t *obj);
/* Remove the object; record DELETED with a new resourceVersion. */
void store_remove(struct sim *s, const struct rtype *t, const char *ns,
		  const char *name);
/* Every stored object of a group/resource key, for state files. */
json_t *store_bucket(struct sim *s, const char *gr);
void store_drop_bucket(struct sim *s, const char *gr);
/* "ns/name" or "name" */
void store_key(const char *ns, const char *name, struct strbuf *out);
void store_free(struct sim *s);
/* Oldest resourceVersion a watch can start after. */
uint64_t store_oldest_rv(struct sim *s);

/* ---- selectors (select.c) ---- */

struct selector;
/* NULL for an empty string; on a syntax error NULL with err set. */
struct selector *selector_parse_labels(const char *text, struct gerr *err);
struct selector *selector_parse_fields(const struct rtype *t,
				       const char *text, struct gerr *err);
int selector_match_labels(const struct selector *sel, const json_t *obj);
int selector_match_fields(const struct selector *sel, const json_t *obj);
/* A label selector object (matchLabels/matchExpressions) against a
 * label map. */
int selector_match_object(const json_t *selector, const json_t *labels);
void selector_free(struct selector *sel);

/* ---- field errors and Status objects (status.c) ---- */

enum ferr_type {
	FERR_REQUIRED,
	FERR_INVALID,
	FERR_NOT_SUPPORTED,
	FERR_FORBIDDEN,
	FERR_DUPLICATE,
	FERR_TOO_LONG,
	FERR_TOO_MANY,
	FERR_TYPE_INVALID,
	FERR_NOT_FOUND,
};

struct ferrs {
	struct strvec fields, bodies; /* bodies as field.Error.ErrorBody */
	enum ferr_type *types;
	size_t nr, alloc;
};

#define FERRS_INIT { STRVEC_INIT, STRVEC_INIT, NULL, 0, 0 }

/* value_repr is the bad value as Go prints it (go_quote for strings) or
 * NULL for none; detail may be NULL. */
void ferr_add(struct ferrs *e, enum ferr_type type, const char *field,
	      const char *value_repr, const char *detail);
void ferr_required(struct ferrs *e, const char *field, const char *detail);
void ferr_invalid_str(struct ferrs *e, const char *field, const char *value,
		      const char *detail);
void ferr_invalid_int(struct ferrs *e, const char *field, long long value,
		      const char *detail);
/* value printed as JSON (for values Go would print as a struct) */
void ferr_invalid_json(struct ferrs *e, const char *field,
		       const json_t *value, const char *detail);
void ferr_not_supported(struct ferrs *e, const char *field, const char *value,
			const char *const *supported);
void ferr_forbidden(struct ferrs *e, const char *field, const char *detail);
void ferr_duplicate(struct ferrs *e, const char *field, const char *value);
void ferrs_clear(struct ferrs *e);

/* Go's %q of a string */
void go_quote(struct strbuf *out, const char *s);

json_t *status_failure(int code, const char *reason, const char *message,
		       json_t *details);
json_t *status_not_found(const struct rtype *t, const char *name);
json_t *status_already_exists(const struct rtype *t, const char *name);
json_t *status_conflict(const struct rtype *t, const char *name,
			const char *why);
json_t *status_bad_request(const char *message);
json_t *status_invalid(const char *kind, const char *group,
		       const char *name, const struct ferrs *e);
json_t *status_method_not_supported(const struct rtype *t, const char *verb);
json_t *status_success(const struct rtype *t, const json_t *obj);

/* ---- requests (api.c) ---- */

struct req {
	const char *method;
	const char *path;
	json_t *query; /* name -> first value (strings) */
	const char *ctype;
	const char *accept;
	const char *user_agent;
	const char *body;
	size_t body_len;
	int readonly;  /* this user may not write */
	const char *user;
};

struct resp {
	int code;
	json_t *json;           /* owned */
	char *text;             /* owned, with ctype */
	const char *ctype;
	struct strvec warnings; /* Warning header texts */
	struct sim_watch *watch;
	int retry_after;
	const char *verb;       /* the Kubernetes verb, for the audit log */
};

void api_handle(struct sim *s, const struct req *r, struct resp *out);
void resp_clear(struct resp *out);
/* Query parameter or NULL */
const char *req_param(const struct req *r, const char *name);
/* Parse "a=b&c=d" (percent-decoded) into a JSON object of strings. */
json_t *query_parse(const char *qs);

/* The object as the API shows it at type t's version: apiVersion
 * rewritten, keys in the server's order. New reference. */
json_t *api_present(struct sim *s, const struct rtype *t, const json_t *obj);

/* ---- writes shared by the API and controllers (write.c) ---- */

enum {
	DRY_RUN = 1 << 0,
	WRITE_STRICT = 1 << 1,         /* fieldValidation=Strict */
	WRITE_IGNORE_UNKNOWN = 1 << 2, /* fieldValidation=Ignore */
	WRITE_PATCH = 1 << 3,          /* the new object came from a patch */
};

/* Create obj (borrowed) in namespace ns as the API does (defaults,
 * validation, metadata). Returns the stored object (new ref) or NULL with
 * *status set to a Status object. */
json_t *write_create(struct sim *s, const struct rtype *t, const char *ns,
		     const json_t *obj, unsigned flags, struct strvec *warn,
		     json_t **status);
/* Replace the object with newobj (borrowed). sub is NULL or "status". */
json_t *write_update(struct sim *s, const struct rtype *t, const char *ns,
		     const char *name, const char *sub, const json_t *newobj,
		     unsigned flags, struct strvec *warn, json_t **status);
/* Delete as DELETE does; *deleted is 1 when the object is gone (else it
 * waits for finalizers). Returns the object or Status (new ref). */
json_t *write_delete(struct sim *s, const struct rtype *t, const char *ns,
		     const char *name, const json_t *options, unsigned flags,
		     int *code);
/* Store a controller's change of an existing object without validation
 * (status updates, finalizer removal). obj is stolen. */
void write_controller(struct sim *s, const struct rtype *t, json_t *obj);
/* The autoscaling/v1 Scale of an object with a /scale subresource, and an
 * update through it. */
json_t *scale_of(const struct rtype *t, const json_t *obj);
json_t *scale_update(struct sim *s, const struct rtype *t, const char *ns,
		     const char *name, const json_t *scale, unsigned flags,
		     json_t **status);
/* Apply a PATCH body of media type ctype to cur (the object as served).
 * Returns the patched object or NULL with *status (patch.c). */
json_t *patch_apply(struct sim *s, const struct rtype *t, const json_t *cur,
		    const char *ctype, const char *body, size_t len,
		    json_t **status);
/* Finish deleting an object whose finalizers are gone. */
void write_finalize(struct sim *s, const struct rtype *t, const json_t *obj);

/* ---- managedFields (managed.c) ---- */

/* Update obj's metadata.managedFields for a write from old (NULL for a
 * create) to obj by manager with operation ("Update", "Apply") on sub
 * ("" or "status", "scale"). */
void managed_fields_update(struct sim *s, const struct rtype *t, json_t *obj,
			   const json_t *old, const char *manager,
			   const char *operation, const char *sub);

/* ---- defaulting and validation (defaults.c, validate.c) ---- */

void defaults_apply(struct sim *s, const struct rtype *t, json_t *obj,
		    const json_t *old);
/* Validation of a create (old NULL) or an update. */
void validate_object(struct sim *s, const struct rtype *t, const json_t *obj,
		     const json_t *old, struct ferrs *e);
/* Helpers shared with crd.c */
int valid_dns_subdomain(const char *s, struct strbuf *why);
int valid_dns_label(const char *s, struct strbuf *why);
/* Go's %#v of a label map / a LabelSelector, as validation errors print */
void go_string_map(struct strbuf *out, const json_t *map);
void go_label_selector(struct strbuf *out, const json_t *sel);
/* the pod spec checks of a template (path "spec.template.spec") */
void validate_pod_spec(const json_t *spec, const char *path,
		       struct ferrs *e);
/* defaults.c: the pod spec defaults, shared with controllers */
void defaults_pod_spec(json_t *spec);

/* ---- schemas of built-in kinds and OpenAPI (schema.c, openapi.c) ---- */

/* Check obj against the built-in definition def: drop unknown fields
 * (listing them in unknown as "spec.foo") and report type errors in
 * *type_error ("spec.replicas ... of type int32"). */
void schema_check(const char *def, json_t *obj, struct strvec *unknown,
		  struct strbuf *type_error);
/* Every built-in definition as OpenAPI v3 schemas (components.schemas);
 * v2 when v2 is set ("#/definitions/" references). */
json_t *schema_definitions(int v2);
/* The definitions reachable from def (names), for one group-version doc */
void schema_closure(const char *def, json_t *into_names);

/* A request body in Kubernetes' protobuf encoding, as JSON (proto.c). */
json_t *proto_decode(struct sim *s, const void *buf, size_t len,
		     struct gerr *err);

/* /openapi/v2, /openapi/v3, /openapi/v3/<gv> */
void openapi_serve(struct sim *s, const struct req *r, struct resp *out);

/* ---- server-side printing (table.c) ---- */

/* Does an Accept header ask for a meta.k8s.io Table? */
int table_wanted(const char *accept);
/* The Table of items (objects as served), with list metadata; rows carry
 * PartialObjectMetadata or, with full_objects, the objects. */
json_t *table_of(struct sim *s, const struct rtype *t, const json_t *items,
		 const json_t *list_meta, int full_objects);

/* ---- discovery (discovery.c) ---- */

/* Serves /version, /api, /api/v1, /apis, /apis/G, /apis/G/V; returns 0
 * when path is none of those. */
int discovery_serve(struct sim *s, const struct req *r, struct resp *out);

/* ---- custom resources (crd.c) ---- */

void crd_validate(struct sim *s, const json_t *crd, const json_t *old,
		  struct ferrs *e);
void crd_defaults(json_t *crd);
/* Check, default and prune a custom resource against its version's
 * schema. Unknown fields go to unknown (as "spec.foo"). */
void crd_check_object(const struct rtype *t, json_t *obj, struct ferrs *e,
		      struct strvec *unknown);
/* A CRD was written: schedule Established after the delay. */
void crd_changed(struct sim *s, const json_t *crd);
/* Is the CRD of a custom resource type being deleted? */
int crd_terminating(struct sim *s, const struct rtype *t);
/* Establish due CRDs (at sim clock now). */
void crd_establish_due(struct sim *s);

/* ---- controllers and stages (controllers.c, stages.c) ---- */

void controllers_tick(struct sim *s);

/* Shared by controllers.c, workloads.c and gc.c. */
#define CTL_READY_TICKS 3 /* ticks from a spec change to ready */
const struct rtype *ctl_type(struct sim *s, const char *group,
			     const char *resource);
/* the controllers' memory of an object (by uid) */
json_t *ctl_state(struct sim *s, const json_t *obj);
/* ticks since the controllers first saw the current generation */
long long ctl_ticks_since_change(struct sim *s, const json_t *obj);
/* A controller that will act in n ticks without anything being written
 * first (a threshold other than CTL_READY_TICKS on the ticks since a
 * change) asks to be run then: quiet ticks are skipped otherwise. */
void ctl_wake_in(struct sim *s, long long n);
void ctl_now(struct strbuf *out);
/* set a condition, keeping lastTransitionTime while its status holds */
void ctl_set_condition(json_t *status, const char *type, const char *st,
		       const char *reason, const char *message,
		       int update_time);
/* record an Event about obj (type Normal or Warning) */
void ctl_event(struct sim *s, const json_t *obj, const char *type,
	       const char *reason, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* does a pod spec use an image tagged "fail"? */
int ctl_image_fails(const json_t *podspec);
/* pod-template-hash of a template */
void ctl_template_hash(const json_t *tmpl, char out[11]);
void ctl_set_int(json_t *o, const char *k, long long v);
/* the one type of a resource that stores (not another served version) */
int ctl_storage_type(const struct rtype *t);
/* delete as a DELETE with default options would */
void ctl_delete(struct sim *s, const struct rtype *t, const json_t *o);
void ctl_deployment(struct sim *s, const struct rtype *t, json_t *d);
void ctl_statefulset(struct sim *s, const struct rtype *t, json_t *d);
void ctl_daemonset(struct sim *s, const struct rtype *t, json_t *d);
void ctl_replicaset(struct sim *s, const struct rtype *t, json_t *d);
void ctl_namespace_cleanup(struct sim *s, const struct rtype *nst,
			   const json_t *ns);
void ctl_crd_cleanup(struct sim *s, const struct rtype *ct,
		     const json_t *crd);
void ctl_garbage_collect(struct sim *s);
/* Something is created in a new namespace: default ServiceAccount and
 * kube-root-ca.crt. */
void controllers_namespace_created(struct sim *s, const char *ns);

struct stage_step {
	long after;
	json_t *status;
};
struct stage_rule {
	char *group, *kind, *name_re;
	regex_t re;
	int has_re;
	int observed_generation;
	struct stage_step *steps;
	size_t nsteps;
};
int stages_load(struct sim *s, const char *file, struct gerr *err);
void stages_tick(struct sim *s);
void stages_free(struct sim *s);

/* ---- faults (faults.c) ---- */

struct faults {
	double rate, drop;
	int codes[8];
	int ncodes;
	long lat_min, lat_max; /* ms */
	uint64_t rng;
	int on;
};

enum fault_kind { FAULT_NONE, FAULT_CODE, FAULT_DROP };
int faults_parse(struct faults *f, const char *spec, struct gerr *err);
/* Decide the fate of one request: *delay_ms to wait, and a code. */
enum fault_kind faults_roll(struct faults *f, long *delay_ms, int *code);

/* ---- TLS and kubeconfig (tls.c) ---- */

/* A new CA and a serving certificate for 127.0.0.1 and localhost (PEM). */
int tls_generate(char **ca_pem, char **cert_pem, char **key_pem,
		 struct gerr *err);

/* ---- state files (state.c) ---- */

int state_load(struct sim *s, const char *file, struct gerr *err);
int state_save(struct sim *s, const char *file, struct gerr *err);

/* ---- utilities (util.c) ---- */

/* RFC 3339 UTC seconds, e.g. 2026-11-22T01:02:03Z */
void util_timestamp(struct strbuf *out);
void util_uuid(struct sim *s, struct strbuf *out);
uint64_t util_rand(uint64_t *state);
/* standard base64 with padding; unbase64 returns -1 on bad input */
/* Write a file through a temporary file and rename (kubeconfig.c). */
int util_write_atomic(const char *path, const char *data, size_t len,
		      int mode, struct gerr *err);
/* json_object_get of a path "a.b.c" (dots only), or NULL */
json_t *jpath(const json_t *obj, const char *path);
const char *jstr(const json_t *obj, const char *path);
/* Get or create a child object */
json_t *jobj(json_t *parent, const char *key);
/* Set a key only when absent (value stolen) */
void jdefault(json_t *obj, const char *key, json_t *value);
json_t *jmeta(json_t *obj);

/* ---- the cluster ---- */

struct sim_watch {
	char *gr;
	char *api_version;
	char *ns;
	struct selector *labels, *fields;
	uint64_t after;    /* next event has rv > after */
	json_t *initial;   /* synthetic ADDED events still to send */
	json_t *error;     /* an ERROR event to send, then end */
	long long deadline_ms;
	int ended;
	int table, full;   /* events carry Tables (kubectl get -w) */
	struct sim_watch *next;
};

struct crd_pending {
	char *name;
	long long due_ms;
};

struct sim {
	struct sim_config cfg;
	/* copies of the strings in cfg */
	struct strvec cfg_strings;
	pthread_mutex_t lock;
	pthread_cond_t changed;

	uint64_t rv;
	json_t *store;  /* "group/resource" -> {"ns/name" -> object} */
	struct event *events;
	size_t ev_cap, ev_head, ev_count;

	struct rtype **types;
	size_t ntypes, atypes;
	unsigned long types_gen;  /* bumped whenever the served types change */
	json_t *openapi_index;    /* /openapi/v3, for types_gen below */
	unsigned long openapi_index_gen;

	long long clock_ms;   /* the simulated clock */
	long long next_tick_ms;
	long long ticks;
	json_t *ctl;          /* controller memory: uid -> state */
	/* when the controllers may skip a tick (controllers.c) */
	uint64_t ctl_seen_rv;          /* s->rv when last looked at */
	long long ctl_last_write_tick; /* the tick that saw it change */
	long long ctl_wake_tick;       /* a controller's wake-up; 0: none */
	/* nothing the garbage collector looks at changed since it last ran
	 * (store.c clears it, gc.c sets it) */
	int gc_clean;
	struct crd_pending *crd_due;
	size_t ncrd_due, acrd_due;

	struct stage_rule *stages;
	size_t nstages;
	struct faults faults;
	uint64_t rng;
	uint32_t next_ip;     /* service cluster IPs, 10.96.0.0/12 */
	long next_node_port;  /* 30000-32767 */
	/* who writes now (set by api.c around a request; NULL: the
	 * controllers) */
	const char *writer, *writer_op;
	char writer_buf[129];
	json_t *empty_leaf;   /* the one "{}" of every managedFields leaf */
	json_t *shared;       /* managedFields parts shared by text */

	FILE *audit;
	pthread_mutex_t audit_lock;

	/* serving (http.c) */
	void *daemon;
	int listen_fd;
	int port;
	char *url;
	char *ca_pem, *cert_pem, *key_pem;
	pthread_t bg;
	int bg_running;
	int stopping;
	int stopped;
	struct sim_watch *watches;
};

/* watch.c: with the lock held, wait (releasing it) up to timeout_ms for
 * the next event; see sim_watch_next. */
int watch_next_locked(struct sim *s, struct sim_watch *w, long timeout_ms,
		      struct strbuf *out);
void watch_unlink(struct sim *s, struct sim_watch *w);
/* Replace an event's object by a one-row Table. */
void watch_tableize(struct sim *s, const struct sim_watch *w, json_t *ev);
void watch_free(struct sim_watch *w);

/* sim.c: the tick in ms (the configured one, or 100 when controllers
 * only run through sim_advance), and sim_advance with the lock held. */
long sim_tick_ms(const struct sim *s);
void sim_advance_locked(struct sim *s, long ms);
/* http.c: stop the daemon and the clock thread (no lock held). */
void http_stop(struct sim *s);

/* Audit one request (http.c calls it). */
void audit_record(struct sim *s, const struct req *r, const char *verb,
		  int code);

/* The wall-clock milliseconds (CLOCK_MONOTONIC). */
long long util_now_ms(void);

#endif
