#ifndef GANTRY_APPLY_ENGINE_H
#define GANTRY_APPLY_ENGINE_H

/* The state of one apply_execute: shared by exec.c (writes, steps,
 * inventory) and wait.c (health). Not part of the API. */

#include "pkg/apply/internal.h"
#include "pkg/report/report.h"

enum op {
	OP_NONE,
	OP_CREATE,        /* POST in flight */
	OP_CREATED_CHECK, /* GET after a create answered 409 */
	OP_UPDATE,        /* PUT in flight */
	OP_REREAD,        /* GET after an update answered 409 */
	OP_DELETE,        /* a prune's DELETE in flight */
	OP_REPLACE_DELETE,/* DELETE of an object to create again */
	OP_GONE_CHECK,    /* GET: is the object to create again gone? */
};

enum item_state {
	IT_PENDING,  /* nothing done yet */
	IT_BUSY,     /* a request in flight or a timer set */
	IT_DONE,     /* written, or nothing to write */
	IT_FAILED,
	IT_SKIPPED,  /* deliberately not written */
};

struct engine;

struct item {
	struct engine *e;
	const struct diff_change *ch;
	struct place place;
	int prune;              /* a delete (DIFF_DELETE) */
	int replaceable;        /* may be deleted and created on 422 */
	int replacing;          /* deleted, to be created again */
	enum item_state state;
	enum op op;
	const char *action;     /* what was done: "created", "updated",
	                           "replaced", "deleted", "skipped" */
	json_t *desired;        /* ch->desired with the app label */
	char *last_text;        /* its last-applied configuration */
	int large;              /* last_text kept in the inventory */
	json_t *planned;        /* live the current change came from */
	json_t *patch, *result; /* the current change */
	json_t *live;           /* the object as last seen (NULL: none) */
	char *path, *coll;      /* the object's, its collection's */
	int attempts;           /* writes sent */
	int transient;          /* failures that said nothing */
	double timer, delay;    /* a delayed request (0: none) */
	double deadline;
	int uid_unknown;        /* a create whose outcome is unknown */
	/* health */
	int health_known;
	enum health_status health;
	char *health_msg;
	int polling, poll_busy;
	double poll_at, poll_delay;
};

struct engine {
	struct kube_client *c;
	const struct apply_opts *o;
	const char *ns;
	char *revision;
	struct report_run *run;
	struct item *items;
	size_t n;
	int concurrency;
	size_t busy;            /* items with a request or timer pending */
	struct apply_inventory old;
	int prewrite_pending;
	int stopped, failed, unhealthy;
	size_t nr_errors;
	struct gerr first_err;
	double start;
};

double engine_now(void);
int engine_stopping(struct engine *e);
/* Record an error of it (NULL: of the run) and show it. */
void engine_error(struct engine *e, struct item *it, const char *msg);

/* Wait until the items (written or unchanged) are Healthy; as the phase
 * already started shows. 0 all Healthy; -1 something Degraded, the time
 * ran out or a stop (e->unhealthy or e->stopped set, reported). */
int wait_health(struct engine *e, struct item **items, size_t n);
/* The health of it from what is known now (no request); reported when
 * it changed unless quiet. */
void item_health(struct engine *e, struct item *it, int quiet);

#endif
