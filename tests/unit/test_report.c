/*
 * pkg/report: the three formats, byte for byte, with the clock fixed.
 * The expected lines are the formats gantry-apply(1) documents (OUTPUT,
 * JSON EVENTS); on a terminal, the escape sequences are ECMA-48's: ESC[nF
 * moves to the start of the line n lines up, ESC[J erases below, ESC[K
 * to the end of the line.
 */
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

int main(void)
{
	mem_init();
	test_plain();
	test_json();
	test_tty();
	test_null();
	return t_done();
}
