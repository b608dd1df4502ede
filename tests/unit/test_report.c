/*
 * pkg/report: the three formats, byte for byte, with the clock fixed.
 * The expected lines are the formats gantry-apply(1) documents (OUTPUT,
 * JSON EVENTS); on a terminal, the escape sequences are ECMA-48's: ESC[nF
 * moves to the start of the line n lines up, ESC[J erases below, ESC[K
 * to the end of the line.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/report/report.h"
#include "tests/unit/harness.h"

/* 2026-01-02T03:04:05Z, and quarters of a second (exact in a double) */
#define T0 1767323045.0

static double now_value;

static double fake_now(void *data)
{
	(void)data;
	return now_value;
}

/* One run of a made-up apply through r. */
static void play(struct report *r)
{
	struct report_item unhealthy[] = {
		{ "apps/Deployment/shop/web", "Degraded", "image pull" },
	};
	struct report_item not_done[] = {
		{ "ConfigMap/shop/later", "create", NULL },
	};
	struct report_run *run;

	report_set_clock(r, fake_now, NULL);
	now_value = T0 + 0.25;
	run = report_run_start(r, "shop", "sha256:ab", 3, NULL);
	report_phase_start(run, &(struct report_phase){ .name = "workloads",
							.total = 2 });
	now_value = T0 + 0.5;
	report_object(run, "apps/Deployment/shop/web", "created", NULL);
	report_phase_progress(run, 1, "apps/Deployment/shop/api");
	report_object(run, "apps/Deployment/shop/api", "skipped", "why not");
	report_phase_progress(run, 2, NULL);
	now_value = T0 + 0.75;
	report_phase_end(run, 1);
	report_phase_start(run, &(struct report_phase){ .name = "wait",
							.hook = "pre",
							.wave = 2,
							.total = 2 });
	report_health(run, "apps/Deployment/shop/web", "Progressing",
		      "1 of 2 updated replicas are available");
	report_tick(r);
	now_value = T0 + 1.5;
	report_health(run, "apps/Deployment/shop/web", "Degraded",
		      "image pull");
	report_error(run, "apps/Deployment/shop/web", "Degraded: image pull");
	report_phase_end(run, 0);
	now_value = T0 + 2;
	report_run_end(run, &(struct report_summary){
				    .outcome = "Unhealthy",
				    .created = 1,
				    .unchanged = 1,
				    .unhealthy = unhealthy,
				    .nr_unhealthy = 1,
				    .not_done = not_done,
				    .nr_not_done = 1,
				    .seconds = 1.75 });
}

static char *capture(enum report_format f, unsigned flags, int width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct report *r = report_new(out, f, flags);

	if (width)
		report_set_width(r, width);
	play(r);
	report_free(r);
	fclose(out);
	return buf;
}

static void test_plain(void)
{
	char *got = capture(REPORT_PLAIN, REPORT_COLOR, 0);

	t_str(got,
	      "2026-01-02T03:04:05.250Z shop: apply started: 3 objects, "
	      "revision sha256:ab\n"
	      "2026-01-02T03:04:05.250Z shop: phase workloads: started, 2 "
	      "objects\n"
	      "2026-01-02T03:04:05.500Z shop: created apps/Deployment/shop/web\n"
	      "2026-01-02T03:04:05.500Z shop: skipped apps/Deployment/shop/api: "
	      "why not\n"
	      "2026-01-02T03:04:05.750Z shop: phase workloads: done, 2/2 in "
	      "0.50s\n"
	      "2026-01-02T03:04:05.750Z shop: phase pre wave 2 wait: started, "
	      "2 objects\n"
	      "2026-01-02T03:04:05.750Z shop: health apps/Deployment/shop/web: "
	      "Progressing: 1 of 2 updated replicas are available\n"
	      "2026-01-02T03:04:06.500Z shop: health apps/Deployment/shop/web: "
	      "Degraded: image pull\n"
	      "2026-01-02T03:04:06.500Z shop: error: apps/Deployment/shop/web: "
	      "Degraded: image pull\n"
	      "2026-01-02T03:04:06.500Z shop: phase pre wave 2 wait: failed, "
	      "0/2 in 0.75s\n"
	      "2026-01-02T03:04:07.000Z shop: summary: Unhealthy: 1 created, 0 "
	      "updated, 1 unchanged, 0 deleted in 1.75s\n"
	      "2026-01-02T03:04:07.000Z shop: not healthy: "
	      "apps/Deployment/shop/web: Degraded: image pull\n"
	      "2026-01-02T03:04:07.000Z shop: not done: create "
	      "ConfigMap/shop/later\n",
	      "plain lines: timestamps, no escape codes (color asked for is "
	      "ignored)");
	free(got);
}

static void test_json(void)
{
	char *got = capture(REPORT_JSON, 0, 0);

	t_str(got,
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.250Z\",\"app\":"
	      "\"shop\",\"event\":\"run.started\",\"revision\":\"sha256:ab\","
	      "\"objects\":3,\"dryRun\":null}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.250Z\",\"app\":"
	      "\"shop\",\"event\":\"phase.started\",\"phase\":\"workloads\","
	      "\"hook\":null,\"wave\":0,\"total\":2}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.500Z\",\"app\":"
	      "\"shop\",\"event\":\"object.applied\",\"phase\":\"workloads\","
	      "\"id\":\"apps/Deployment/shop/web\",\"action\":\"created\","
	      "\"detail\":null}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.500Z\",\"app\":"
	      "\"shop\",\"event\":\"object.applied\",\"phase\":\"workloads\","
	      "\"id\":\"apps/Deployment/shop/api\",\"action\":\"skipped\","
	      "\"detail\":\"why not\"}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.750Z\",\"app\":"
	      "\"shop\",\"event\":\"phase.finished\",\"phase\":\"workloads\","
	      "\"hook\":null,\"wave\":0,\"ok\":true,\"done\":2,\"total\":2,"
	      "\"seconds\":0.5}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.750Z\",\"app\":"
	      "\"shop\",\"event\":\"phase.started\",\"phase\":\"wait\","
	      "\"hook\":\"pre\",\"wave\":2,\"total\":2}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.750Z\",\"app\":"
	      "\"shop\",\"event\":\"health.changed\",\"id\":"
	      "\"apps/Deployment/shop/web\",\"health\":\"Progressing\","
	      "\"message\":\"1 of 2 updated replicas are available\"}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:06.500Z\",\"app\":"
	      "\"shop\",\"event\":\"health.changed\",\"id\":"
	      "\"apps/Deployment/shop/web\",\"health\":\"Degraded\","
	      "\"message\":\"image pull\"}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:06.500Z\",\"app\":"
	      "\"shop\",\"event\":\"error\",\"phase\":\"wait\",\"id\":"
	      "\"apps/Deployment/shop/web\",\"message\":\"Degraded: image "
	      "pull\"}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:06.500Z\",\"app\":"
	      "\"shop\",\"event\":\"phase.finished\",\"phase\":\"wait\","
	      "\"hook\":\"pre\",\"wave\":2,\"ok\":false,\"done\":0,\"total\":2,"
	      "\"seconds\":0.75}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:07.000Z\",\"app\":"
	      "\"shop\",\"event\":\"summary\",\"outcome\":\"Unhealthy\","
	      "\"created\":1,\"updated\":0,\"unchanged\":1,\"deleted\":0,"
	      "\"unhealthy\":[{\"id\":\"apps/Deployment/shop/web\",\"health\":"
	      "\"Degraded\",\"message\":\"image pull\"}],\"notDone\":[{\"id\":"
	      "\"ConfigMap/shop/later\",\"action\":\"create\",\"message\":"
	      "null}],\"seconds\":1.75}\n",
	      "JSON events, one per line");
	free(got);
}

static void test_tty(void)
{
	char *got = capture(REPORT_TTY, 0, 40);

	/* each redraw moves up over the live lines, erases, prints them
	 * again; a finished phase prints above them; lines are cut to 39
	 * columns so they never wrap (the waiting text goes first). The
	 * spinner shows tenths of seconds elapsed (0.25 s: the third of its
	 * ten frames, 0.75 s the eighth); times print with printf's "%.1f",
	 * which rounds 0.25 to 0.2 and 0.75 to 0.8 (ties to even) */
	t_str(got,
	      "Applying shop: 3 objects, revision sha256:ab\n"
	      "  \u280b workloads  0/2  0.0s\033[K\n"
	      "\033[1F\033[J  \u2839 workloads  1/2  0.2s  waiting for a"
	      "\033[0m\033[K\n"
	      "\033[1F\033[J  \u2839 workloads  2/2  0.2s\033[K\n"
	      "\033[1F\033[J  \u2713 workloads  2/2  0.5s\n"
	      "  \u280b pre wave 2 wait 0/2  0.0s\033[K\n"
	      "\033[1F\033[J  \u280b pre wave 2 wait 0/2  0.0s\033[K\n"
	      "\033[1F\033[J  error: apps/Deployment/shop/web: Degraded: "
	      "image pull\n"
	      "  \u2827 pre wave 2 wait 0/2  0.8s\033[K\n"
	      "\033[1F\033[J  \u2717 pre wave 2 wait 0/2  0.8s\n"
	      "\u2717 shop: Unhealthy: 1 created, 0 updated, 1 unchanged, 0 "
	      "deleted in 1.8s\n"
	      "Not healthy:\n"
	      "  apps/Deployment/shop/web: Degraded: image pull\n"
	      "Not done:\n"
	      "  create ConfigMap/shop/later\n",
	      "terminal: live lines redrawn in place, no color");
	free(got);
	got = capture(REPORT_TTY, REPORT_COLOR, 200);
	t_ok(strstr(got, "\033[32m\u2713\033[0m workloads") != NULL,
	     "terminal with color: a green check mark");
	t_ok(strstr(got, "\033[31m\u2717\033[0m pre wave 2 wait") != NULL,
	     "terminal with color: a red cross");
	free(got);
}

static void test_null(void)
{
	/* no report: every call is harmless */
	struct report_run *run = report_run_start(NULL, "x", NULL, 0, NULL);
	t_ok(run == NULL, "no report, no run");
	report_phase_start(run, &(struct report_phase){ .name = "wait" });
	report_object(run, "a", "created", NULL);
	report_run_end(run, &(struct report_summary){ .outcome = "Failed" });
	report_tick(NULL);
	report_free(NULL);
}

/* Events of apps outside their runs, in each format (report.h's
 * words); with two runs expected, a terminal names the app from the
 * first line of the first run. */
static char *capture_apps(enum report_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct report *r = report_new(out, f, 0);
	struct report_run *run;

	report_set_clock(r, fake_now, NULL);
	report_set_width(r, 80);
	report_set_runs(r, 2);
	now_value = T0;
	report_app_error(r, "web", "apps/web/app.yaml:3:1: bad");
	run = report_run_start(r, "db", NULL, 1, NULL);
	report_phase_start(run, &(struct report_phase){ .name = "config",
							.total = 1 });
	report_phase_end(run, 1);
	report_run_end(run, &(struct report_summary){ .outcome = "Succeeded",
						      .created = 1 });
	report_app_skipped(r, "api", "not applied: it depends on web, which "
			   "failed");
	report_app_error(NULL, "x", "nothing to report to");
	report_app_skipped(NULL, "x", "nothing to report to");
	report_free(r);
	fclose(out);
	return buf;
}

static void test_apps(void)
{
	char *got = capture_apps(REPORT_PLAIN);
	t_str(got,
	      "2026-01-02T03:04:05.000Z web: error: apps/web/app.yaml:3:1: "
	      "bad\n"
	      "2026-01-02T03:04:05.000Z db: apply started: 1 object, revision "
	      "(none)\n"
	      "2026-01-02T03:04:05.000Z db: phase config: started, 1 object\n"
	      "2026-01-02T03:04:05.000Z db: phase config: done, 0/1 in 0.00s\n"
	      "2026-01-02T03:04:05.000Z db: summary: Succeeded: 1 created, 0 "
	      "updated, 0 unchanged, 0 deleted in 0.00s\n"
	      "2026-01-02T03:04:05.000Z api: skipped: not applied: it depends "
	      "on web, which failed\n",
	      "plain: an app's error and skip outside a run");
	free(got);
	got = capture_apps(REPORT_JSON);
	t_str(got,
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.000Z\",\"app\":"
	      "\"web\",\"event\":\"error\",\"phase\":null,\"id\":null,"
	      "\"message\":\"apps/web/app.yaml:3:1: bad\"}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.000Z\",\"app\":"
	      "\"db\",\"event\":\"run.started\",\"revision\":null,"
	      "\"objects\":1,\"dryRun\":null}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.000Z\",\"app\":"
	      "\"db\",\"event\":\"phase.started\",\"phase\":\"config\","
	      "\"hook\":null,\"wave\":0,\"total\":1}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.000Z\",\"app\":"
	      "\"db\",\"event\":\"phase.finished\",\"phase\":\"config\","
	      "\"hook\":null,\"wave\":0,\"ok\":true,\"done\":0,\"total\":1,"
	      "\"seconds\":0}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.000Z\",\"app\":"
	      "\"db\",\"event\":\"summary\",\"outcome\":\"Succeeded\","
	      "\"created\":1,\"updated\":0,\"unchanged\":0,\"deleted\":0,"
	      "\"unhealthy\":[],\"notDone\":[],\"seconds\":0}\n"
	      "{\"version\":1,\"time\":\"2026-01-02T03:04:05.000Z\",\"app\":"
	      "\"api\",\"event\":\"app.skipped\",\"reason\":\"not applied: "
	      "it depends on web, which failed\"}\n",
	      "JSON: an error event without phase or id, an app.skipped event");
	free(got);
	got = capture_apps(REPORT_TTY);
	t_str(got,
	      "  error: web: apps/web/app.yaml:3:1: bad\n"
	      "Applying db: 1 object, revision (none)\n"
	      "  \u280b db config     0/1  0.0s\033[K\n"
	      "\033[1F\033[J  \u2713 db config     0/1  0.0s\n"
	      "\u2713 db: Succeeded: 1 created, 0 updated, 0 unchanged, 0 "
	      "deleted in 0.0s\n"
	      "  - api: skipped: not applied: it depends on web, which failed\n",
	      "terminal: app names from the first run when two are expected");
	free(got);
}

/* Several runs from several threads on one report: every line whole. */
static void *run_thread(void *arg)
{
	struct report *r = arg;
	char app[32];

	snprintf(app, sizeof(app), "app-%p", (void *)&app);
	for (int k = 0; k < 50; k++) {
		struct report_run *run = report_run_start(r, app, "rev", 2, NULL);
		report_phase_start(run, &(struct report_phase){ .name = "config",
								.total = 2 });
		report_object(run, "ConfigMap/ns/a", "created", NULL);
		report_phase_progress(run, 1, "ConfigMap/ns/b");
		report_tick(r);
		report_health(run, "ConfigMap/ns/b", "Progressing", "waiting");
		report_phase_end(run, 1);
		report_run_end(run, &(struct report_summary){
					    .outcome = "Succeeded" });
	}
	return NULL;
}

static void test_threads(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct report *r = report_new(out, REPORT_JSON, 0);
	pthread_t th[4];
	size_t lines = 0, whole = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, run_thread, r);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	report_free(r);
	fclose(out);
	for (char *p = buf, *eol; p && *p; p = eol + 1) {
		eol = strchr(p, '\n');
		if (!eol)
			break;
		json_t *e = json_loadb(p, (size_t)(eol - p), 0, NULL);
		lines++;
		whole += json_is_object(e);
		json_decref(e);
	}
	/* 4 threads x 50 runs x 6 events */
	t_int((long long)lines, 1200, "every event of 4 threads is a line");
	t_int((long long)whole, 1200, "every line is one whole JSON event");
	free(buf);
}

int main(void)
{
	mem_init();
	test_apps();
	test_threads();
	test_plain();
	test_json();
	test_tty();
	test_null();
	return t_done();
}
