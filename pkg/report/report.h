#ifndef GANTRY_REPORT_H
#define GANTRY_REPORT_H

/*
 * pkg/report — every line a person or a program reads while gantry
 * applies: live progress on a terminal, plain timestamped lines for CI
 * logs, JSON events for programs.
 *
 *   struct report *r = report_new(stdout, REPORT_TTY, REPORT_COLOR);
 *   struct report_run *run = report_run_start(r, "shop", "sha256:...",
 *                                             12, NULL);
 *   report_phase_start(run, &(struct report_phase){ .name = "workloads",
 *                                                   .total = 2 });
 *   report_object(run, "apps/Deployment/shop/web", "created", NULL);
 *   report_phase_progress(run, 1, "apps/Deployment/shop/web");
 *   report_phase_end(run, 1);
 *   report_run_end(run, &summary);     // frees run
 *   report_free(r);
 *
 * One report may serve several runs (apps) at once, from several threads:
 * every function takes the report's lock. A run's phases do not overlap:
 * a phase ends before the next starts.
 *
 * Formats
 *   REPORT_TTY    one live line per running phase, redrawn in place (with
 *                 what it waits for and its elapsed time); a finished
 *                 phase stays as a line with ✓ or ✗; object and health
 *                 events are not printed one by one, errors are. Color
 *                 with REPORT_COLOR.
 *   REPORT_PLAIN  one line per event, never an escape code:
 *                 "2026-01-02T03:04:05.678Z shop: phase workloads: started
 *                 (2 objects)". The words after the timestamp are stable.
 *   REPORT_JSON   one JSON object per line per event, schema version 1
 *                 (gantry-apply(1), "JSON EVENTS"): every event has
 *                 "version": 1, "time", "app" and "event", one of
 *                 run.started, phase.started, object.applied,
 *                 health.changed, phase.finished, error, summary,
 *                 app.skipped.
 *
 * Nothing here knows Kubernetes: ids and messages arrive as text, and
 * callers keep Secret data out of them.
 */

#include <stddef.h>
#include <stdio.h>

enum report_format { REPORT_TTY, REPORT_PLAIN, REPORT_JSON };

enum report_flags {
	REPORT_COLOR = 1 << 0, /* ANSI colors (REPORT_TTY only) */
};

struct report;
struct report_run;

/* Events go to out (not closed by report_free). */
struct report *report_new(FILE *out, enum report_format format,
			  unsigned flags);
/* NULL is allowed. Runs must have ended. */
void report_free(struct report *r);
/* Redraw the live lines (their elapsed times); call it a few times a
 * second while waiting. Does nothing outside REPORT_TTY. */
void report_tick(struct report *r);
/* The terminal's width for REPORT_TTY (live lines are cut to it so that
 * they never wrap); 0 asks the terminal (default), else 80. */
void report_set_width(struct report *r, int columns);
/* How many runs (apps) this report will serve. With more than one, every
 * line of REPORT_TTY names its app from the first run on (otherwise
 * names appear once a second run has started). */
void report_set_runs(struct report *r, size_t runs);
/* Where the time comes from: now() returns seconds since the epoch.
 * Tests fix it to get exact output; NULL restores the system clock. */
void report_set_clock(struct report *r, double (*now)(void *data),
		      void *data);

/* Begin a run of one app: its revision, the number of objects, and the
 * dry-run mode ("client" or "server"; NULL for a real run). r may be NULL:
 * then every function below does nothing (and run is NULL). */
struct report_run *report_run_start(struct report *r, const char *app,
				    const char *revision, size_t objects,
				    const char *dry_run);

/* A phase: a kind class ("namespaces", "crds", "rbac", "config",
 * "storage", "network", "workloads", "custom"), "prune" or "wait", in a
 * hook phase ("pre", "post", or NULL for the main one) and a wave. It is
 * shown as "[pre ][wave N ]NAME" (wave 0 is not named). */
struct report_phase {
	const char *name;
	const char *hook;
	long wave;
	size_t total;
};

void report_phase_start(struct report_run *run, const struct report_phase *p);
/* done of total, and what the phase waits for now (NULL: nothing named). */
void report_phase_progress(struct report_run *run, size_t done,
			   const char *waiting_for);
/* ok 0 shows ✗ (something in it failed). */
void report_phase_end(struct report_run *run, int ok);

/* An object written: action is "created", "updated", "replaced",
 * "deleted", "skipped" (detail says why) or, in a dry run, the same words
 * (the run says it is a dry run). */
void report_object(struct report_run *run, const char *id,
		   const char *action, const char *detail);
/* The health of an object changed: "Healthy", "Progressing", "Degraded",
 * "Missing", with a message (NULL when Healthy). */
void report_health(struct report_run *run, const char *id,
		   const char *health, const char *message);
/* An error; id may be NULL when it concerns no one object. */
void report_error(struct report_run *run, const char *id,
		  const char *message);

/* Events of an app outside any run (before its run could start). r may
 * be NULL. An app that could not be rendered or planned: REPORT_JSON an
 * "error" event with phase and id null; REPORT_PLAIN "APP: error:
 * MESSAGE"; REPORT_TTY "  error: APP: MESSAGE". */
void report_app_error(struct report *r, const char *app, const char *message);
/* An app not applied (a dependency not healthy, a stop): REPORT_JSON an
 * "app.skipped" event with "reason"; REPORT_PLAIN "APP: skipped: REASON";
 * REPORT_TTY "  - APP: skipped: REASON". */
void report_app_skipped(struct report *r, const char *app,
			const char *reason);

struct report_item {
	const char *id;
	const char *state;   /* health, or the action not done */
	const char *message; /* may be NULL */
};

struct report_summary {
	/* "Succeeded", "Unhealthy", "Failed" or "Interrupted" */
	const char *outcome;
	size_t created, updated, unchanged, deleted;
	const struct report_item *unhealthy; /* objects not Healthy */
	size_t nr_unhealthy;
	const struct report_item *not_done;  /* changes not made */
	size_t nr_not_done;
	double seconds;
};

/* The final summary; frees run. */
void report_run_end(struct report_run *run, const struct report_summary *s);

#endif
