#ifndef GANTRY_SYNC_H
#define GANTRY_SYNC_H

/*
 * pkg/sync — the loop that keeps clusters equal to a git branch: fetch,
 * render, apply what changed, look for drift and correct it, and show all
 * of it over HTTP (health, readiness, status, Prometheus metrics).
 *
 *   struct sync_ops ops = { .data = ctx, .fetch = f, .render = r,
 *                           .check = c, .apply = a };
 *   struct sync_opts o = SYNC_OPTS_INIT;
 *   o.interval_ms = 60000; o.log = stdout;
 *   struct sync_loop *l = sync_new(&o, &ops);
 *   struct sync_http *h = sync_http_start(l, "127.0.0.1:9090", NULL, &err);
 *   ... a signal handler calls sync_signal(l, sig) ...
 *   sync_run(l);                     // until SIGTERM/SIGINT, or once
 *   sync_http_stop(h);
 *   sync_free(l);
 *
 * The loop knows nothing of git, charts or clusters: the caller gives it
 * functions (struct sync_ops) that fetch the branch, render the apps,
 * check them against the cluster and apply them (cmd/gantry/sync.c wires
 * pkg/source, pkg/app and pkg/deploy). What it owns is when each is
 * called, for which apps, and what the results mean.
 *
 * SCHEDULE. The branch is fetched at start, then every interval, and at
 * once after sync_trigger() (a webhook) or a SIGHUP. When the commit
 * changes, every app is rendered (ops.render) and each app whose rendered
 * objects differ from what it was last synced to (the digests differ) is
 * applied; an app the commit did not change is synced to the new commit
 * without a request. At start, nothing is known of the cluster: every app
 * is checked (ops.check) and the inventory's revision tells a commit not
 * applied yet (apply it) from drift (see below); an app whose live
 * objects already equal the commit's is InSync without an apply, so a
 * restart re-applies nothing.
 *
 * DRIFT. Every drift interval, the apps that are synced are checked
 * against the cluster. An app with changes (a field changed by hand, an
 * object deleted) is applied again (self-heal, counted as a drift
 * correction) or, with opts.no_self_heal, only reported: OutOfSync, until
 * a later check finds it equal again or a commit changes it.
 *
 * FAILURES. An app whose apply fails (render error, rejected write,
 * unhealthy workload, a dependency that failed) is in state Error with
 * the message; the others go on. It is retried after opts.backoff_ms,
 * doubling after each further failure up to opts.max_backoff_ms, and at
 * once when a new commit changes its rendering. The last error stays in
 * the status until an apply succeeds. A fetch that fails is counted and
 * shown; the cluster stays as it is and the next fetch is at the usual
 * time.
 *
 * ONE APPLY AT A TIME. The loop runs every op in the thread that called
 * sync_run(), one op at a time, and gives each app at most once to an
 * apply: two applies of one app can never overlap. Apps of one apply call
 * may run concurrently inside it (pkg/deploy does).
 *
 * SIGNALS. sync_signal() is async-signal-safe. SIGTERM/SIGINT set the
 * stop flag (sync_stop_flag(): give it to the apply, which finishes its
 * step and writes inventories) and sync_run() returns once the op in
 * progress has returned. SIGHUP calls ops.reload, then fetches and checks
 * for drift at once.
 *
 * THREADS. sync_status_json(), sync_metrics() and the readiness calls may
 * be called from any thread (the HTTP server's) while the loop runs; they
 * take the loop's lock, which is never held during an op.
 *
 * LOG. Each event of the loop is one line on opts.log: plain,
 * "2026-01-02T03:04:05.678Z APP: message" (APP "sync" for events of the
 * loop itself), or with opts.json one JSON object per line:
 * {"version":1,"time","app","event","message", ...} (gantry-sync(1),
 * LOG). Messages never contain secrets: they come from the ops, whose
 * errors never do (struct gerr's rule).
 */

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"

/* The health of objects, as pkg/health names them; index of counts. */
enum sync_health {
	SYNC_HEALTHY,
	SYNC_PROGRESSING,
	SYNC_DEGRADED,
	SYNC_MISSING,
	SYNC_NR_HEALTH,
};

/* How an apply of one app ended. */
enum sync_result {
	SYNC_RESULT_OK,          /* applied, everything healthy */
	SYNC_RESULT_UNHEALTHY,   /* applied, something Degraded or timed out */
	SYNC_RESULT_ERROR,       /* not applied, or failed half-way */
	SYNC_RESULT_SKIPPED,     /* not run: a dependency failed */
	SYNC_RESULT_INTERRUPTED, /* stopped by a signal */
};

/*
 * One app in a call to an op. The loop sets app (and, for apply, the
 * digest it expects); the op fills the rest. Strings the op sets are
 * malloc'ed and freed by the loop.
 */
struct sync_app {
	const char *app;
	/* render: the digest of the app's rendered objects (any string that
	 * changes exactly when they change), or NULL with error set */
	char *digest;
	/* check: the revision the app's inventory records (NULL: none), and
	 * whether the live objects equal the rendered ones */
	char *revision;
	int in_sync;
	size_t changes;
	/* apply */
	enum sync_result result;
	double seconds;
	/* check and apply: the app's objects by health (all zero: unknown) */
	size_t health[SYNC_NR_HEALTH];
	/* why it failed (render, check, apply), or why it is not healthy */
	char *error;
};

struct sync_ops {
	void *data;
	/* The commit (40 hex digits) the branch points at now, after
	 * fetching it. Caller frees *commit. */
	int (*fetch)(void *data, char **commit, struct gerr *err);
	/* The apps to sync at commit, in any order: *v (malloc'ed, *n of
	 * them; app names malloc'ed too, freed by the loop), each with its
	 * digest or the error that kept it from rendering. -1 with err when
	 * the repository cannot be read at all at commit (gantry.yaml is
	 * broken): nothing is synced to that commit. */
	int (*render)(void *data, const char *commit, struct sync_app **v,
		      size_t *n, struct gerr *err);
	/* Compare each app of v, as rendered at commit, with its cluster;
	 * nothing written. An app that cannot be checked has error set. -1
	 * with err when no app could be checked. */
	int (*check)(void *data, const char *commit, struct sync_app *v,
		     size_t n, struct gerr *err);
	/* Apply the apps of v at commit (in their dependency order, which is
	 * the op's business), each at most once; stop as soon as *stop is
	 * set, after the step in progress. Fill every result. -1 with err
	 * when none could start. */
	int (*apply)(void *data, const char *commit, struct sync_app *v,
		     size_t n, volatile sig_atomic_t *stop, struct gerr *err);
	/* SIGHUP: read the configuration again. May be NULL. */
	int (*reload)(void *data, struct gerr *err);
};

struct sync_opts {
	const char *repo, *branch;   /* shown in the log and status */
	long interval_ms;            /* fetch period; > 0 */
	long drift_interval_ms;      /* 0: never check for drift */
	long backoff_ms, max_backoff_ms;
	int no_self_heal;
	int once;                    /* one pass, then sync_run returns */
	FILE *log;                   /* NULL: no log */
	int json;                    /* log JSON lines */
	/* The clock, seconds since the epoch; NULL: the system's. */
	double (*now)(void *data);
	void *now_data;
};
#define SYNC_OPTS_INIT { NULL, NULL, 60000, 300000, 5000, 180000, 0, 0, \
			 NULL, 0, NULL, NULL }

struct sync_loop;

struct sync_loop *sync_new(const struct sync_opts *o,
			   const struct sync_ops *ops);
/* NULL is allowed. The loop must not run. */
void sync_free(struct sync_loop *l);

/*
 * Do what is due now: the fetch (and what a new commit brings), retries,
 * the drift check. Returns how many milliseconds until something else is
 * due (0: at once). sync_run() calls it; tests call it with their clock.
 */
long sync_step(struct sync_loop *l);

/*
 * Step, then wait for the next thing due, a trigger or a signal, until a
 * stop signal (or after one pass with opts.once). Returns the exit status
 * for the command: 0, or with opts.once 1 when an app or the fetch failed
 * and 3 when an app is unhealthy (DESIGN.md's codes).
 */
int sync_run(struct sync_loop *l);

/* Fetch at once (thread-safe): a webhook. */
void sync_trigger(struct sync_loop *l);
/* From a signal handler: SIGTERM/SIGINT stop, SIGHUP reload. */
void sync_signal(struct sync_loop *l, int sig);
/* Set on SIGTERM/SIGINT: the stop flag for the apply. */
volatile sig_atomic_t *sync_stop_flag(struct sync_loop *l);

/* Alive: the loop runs and has not been asked to stop. Ready: the first
 * fetch, and the applies it brought, are done. Thread-safe. */
int sync_alive(struct sync_loop *l);
int sync_ready(struct sync_loop *l);

/*
 * The status (thread-safe), a new reference:
 *   {"repo","branch","commit" (NULL before the first fetch),"ready",
 *    "lastFetch","lastFetchError","lastSync",
 *    "apps":[{"name","commit","sync" ("InSync","OutOfSync","Error"),
 *             "health" ("Healthy","Progressing","Degraded","Missing",
 *             "Unknown"),"objects":{"Healthy":N,...},"lastError",
 *             "lastApply","lastSync","failures","nextRetry"}]}
 * sorted by app name; times are RFC 3339 UTC strings or null.
 */
json_t *sync_status_json(struct sync_loop *l);

/* The metrics in Prometheus' text format 0.0.4 (thread-safe), appended
 * to out. gantry-sync(1) lists them. */
void sync_metrics(struct sync_loop *l, struct strbuf *out);

/* ---- HTTP ---- */

struct sync_http;

/*
 * Serve the loop on listen ("HOST:PORT"; "[::1]:PORT" for IPv6; "PORT"
 * or ":PORT" for 127.0.0.1; port 0 picks a free one), in a thread of
 * libmicrohttpd's:
 *   GET  /healthz     200 "ok" while alive, else 503
 *   GET  /readyz      200 "ok" once ready, else 503
 *   GET  /status      the status JSON
 *   GET  /metrics     text/plain; version=0.0.4
 *   POST /hooks/git   202 and a fetch at once; with a secret, only when
 *                     X-Hub-Signature-256 is "sha256=" and the hex
 *                     HMAC-SHA256 of the body under it (401 missing,
 *                     403 wrong); bodies over 1 MiB 413.
 * Other paths 404, other methods 405. secret may be NULL (no check); it
 * is copied, and sync_http_set_secret() replaces it (SIGHUP).
 */
struct sync_http *sync_http_start(struct sync_loop *l, const char *listen,
				  const char *secret, struct gerr *err);
void sync_http_set_secret(struct sync_http *h, const char *secret);
/* "http://127.0.0.1:9090" — the port chosen for port 0 */
const char *sync_http_url(const struct sync_http *h);
/* NULL is allowed. */
void sync_http_stop(struct sync_http *h);

/*
 * Is header ("sha256=<64 hex digits>", as GitHub and the forges that
 * follow it send X-Hub-Signature-256) the HMAC-SHA256 of body under
 * secret?
 * Compared in constant time. 1 yes, 0 no (malformed included).
 */
int sync_webhook_valid(const char *secret, const void *body, size_t len,
		       const char *header);
/* "sha256=" and the hex HMAC-SHA256 of body under secret. Caller frees. */
char *sync_webhook_signature(const char *secret, const void *body,
			     size_t len);

#endif
