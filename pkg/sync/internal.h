#ifndef GANTRY_SYNC_INTERNAL_H
#define GANTRY_SYNC_INTERNAL_H

/* Shared by the files of pkg/sync; not part of its API. */

#include <pthread.h>

#include "pkg/sync/sync.h"

/* The upper bounds of the apply duration histogram, in seconds. */
#define SYNC_NR_BUCKETS 12
extern const double sync_buckets[SYNC_NR_BUCKETS];

enum app_state { ST_OUT_OF_SYNC, ST_IN_SYNC, ST_ERROR };

struct app_st {
	char *name;
	char *commit;        /* the commit its live objects are synced to */
	char *digest;        /* the digest of that commit's rendering */
	char *want;          /* the digest at the branch's commit; NULL: the
	                        app does not render there */
	char *failed_key;    /* what the last failed attempt applied */
	enum app_state state;
	int drifted;         /* OutOfSync for drift left alone */
	int known_health;
	size_t health[SYNC_NR_HEALTH];
	char *error;
	double last_apply, last_sync, next_retry;
	unsigned failures;   /* in a row; decides the backoff */
	/* metrics */
	unsigned long runs, fails, drifts, corrections;
	unsigned long buckets[SYNC_NR_BUCKETS];
	unsigned long observed;
	double seconds;
};

struct sync_loop {
	struct sync_opts o;
	struct sync_ops ops;
	/* guards everything below that the HTTP thread reads */
	pthread_mutex_t lock;
	int wake[2];                 /* self-pipe: triggers and signals */
	volatile sig_atomic_t stop, reload, running;
	int trigger;
	int fetched, checked, ready, exit_code;
	char *commit;                /* the branch's, NULL before a fetch */
	char *repo_error;            /* the commit cannot be read at all */
	char *fetch_error;
	double next_fetch, next_drift;
	double last_fetch, last_sync;
	unsigned long fetches, fetch_errors;
	struct app_st *apps;         /* sorted by name */
	size_t napps, aapps;
};

double sync_now(const struct sync_loop *l);
/* "2026-01-02T03:04:05Z"; with ms, "...05.678Z". */
void sync_add_time(struct strbuf *sb, double t, int ms);
/* A line of the log (see sync.h); app NULL for the loop's own events;
 * extra (may be NULL, taken) adds members to the JSON form. */
void sync_log(struct sync_loop *l, const char *app, const char *event,
	      json_t *extra, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
const char *sync_state_name(enum app_state s);
const char *sync_health_name(enum sync_health h);
/* The app's overall health: the worst of its objects', "Unknown" when
 * nothing is known. */
const char *sync_app_health(const struct app_st *a);

#endif
