/* The three formats of pkg/report: live terminal lines, plain lines, and
 * JSON events. */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/report/report.h"
#include "pkg/yaml/yaml.h"

#define JSON_SCHEMA_VERSION 1

/* A phase that is running, shown as one live line on a terminal. */
struct live {
	struct report_run *run;
	char *label;
	size_t done, total;
	char *waiting;
	double start;
};

struct report {
	FILE *out;
	enum report_format format;
	unsigned flags;
	int columns;
	double (*now)(void *data);
	void *now_data;
	pthread_mutex_t lock;
	size_t runs_started;   /* app names prefix lines once there are two */
	size_t runs_expected;  /* ...or from the start when told to expect so */
	struct live **live;    /* the running phases, in start order */
	size_t nr_live, alloc_live;
	size_t drawn;          /* live lines on screen now */
};

struct report_run {
	struct report *r;
	char *app;
	double start;
	struct live *phase;    /* the running phase, or NULL */
	char *phase_name, *phase_hook;
	long phase_wave;
};

static double system_now(void *data)
{
	struct timespec ts;

	(void)data;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct report *report_new(FILE *out, enum report_format format,
			  unsigned flags)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->out = out;
	r->format = format;
	r->flags = format == REPORT_TTY ? flags : 0;
	r->now = system_now;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	free(r->live);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void report_set_width(struct report *r, int columns)
{
	r->columns = columns;
}

void report_set_runs(struct report *r, size_t runs)
{
	pthread_mutex_lock(&r->lock);
	r->runs_expected = runs;
	pthread_mutex_unlock(&r->lock);
}

void report_set_clock(struct report *r, double (*now)(void *data),
		      void *data)
{
	r->now = now ? now : system_now;
	r->now_data = data;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

/* "2026-01-02T03:04:05.678Z" */
static void add_timestamp(struct strbuf *sb, double t)
{
	time_t secs = (time_t)t;
	int ms = (int)((t - (double)secs) * 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(sb, "%s.%03dZ", buf, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

/* "0.4s", "12.0s", "2m05s" */
static void add_elapsed(struct strbuf *sb, double s)
{
	if (s < 0)
		s = 0;
	if (s < 60) {
		strbuf_addf(sb, "%.1fs", s);
		return;
	}
	strbuf_addf(sb, "%dm%02ds", (int)s / 60, (int)s % 60);
}

/* Do terminal lines name their app? Only when they could be told apart
 * otherwise by no one: several runs. */
static int names_apps(const struct report *r)
{
	return r->runs_started > 1 || r->runs_expected > 1;
}

static const char *color(const struct report *r, const char *code)
{
	return r->flags & REPORT_COLOR ? code : "";
}

#define C_GREEN "\033[32m"
#define C_RED "\033[31m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"
#define C_RESET "\033[0m"

static void phase_label(struct strbuf *sb, const char *hook, long wave,
			const char *name)
{
	if (hook)
		strbuf_addf(sb, "%s ", hook);
	if (wave)
		strbuf_addf(sb, "wave %ld ", wave);
	strbuf_addstr(sb, name);
}

static void emit(struct report *r, const struct strbuf *sb)
{
	fwrite(sb->buf, 1, sb->len, r->out);
	fflush(r->out);
}

/* ------------------------------------------------------------------ */
/* The terminal                                                         */

static int term_columns(struct report *r)
{
	struct winsize ws;

	if (r->columns > 0)
		return r->columns;
	if (ioctl(fileno(r->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
	return 80;
}

/* Cut sb to cols visible characters (UTF-8 sequences count once; escape
 * sequences count nothing). */
static void cut_to_width(struct strbuf *sb, int cols)
{
	int seen = 0, in_esc = 0;

	for (size_t i = 0; i < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];
		if (in_esc) {
			in_esc = c != 'm';
			continue;
		}
		if (c == 0x1b) {
			in_esc = 1;
			continue;
		}
		if ((c & 0xc0) == 0x80)
			continue;
		if (++seen > cols) {
			strbuf_setlen(sb, i);
			strbuf_addstr(sb, C_RESET);
			return;
		}
	}
}

static void live_line(struct report *r, const struct live *l, double now,
		      struct strbuf *sb)
{
	static const char *const spin[] = { "⠋", "⠙", "⠹", "⠸", "⠼",
					    "⠴", "⠦", "⠧", "⠇", "⠏" };
	size_t at = sb->len;
	double el = now - l->start;

	strbuf_addf(sb, "  %s ", spin[(int)(el * 10) % 10]);
	if (names_apps(r))
		strbuf_addf(sb, "%s ", l->run->app);
	strbuf_addf(sb, "%-10s %zu/%zu  ", l->label, l->done, l->total);
	add_elapsed(sb, el);
	/* last: what a narrow terminal cuts off */
	if (l->waiting)
		strbuf_addf(sb, "  %swaiting for %s%s", color(r, C_DIM),
			    l->waiting, color(r, C_RESET));
	struct strbuf line = STRBUF_INIT;
	strbuf_add(&line, sb->buf + at, sb->len - at);
	cut_to_width(&line, term_columns(r) - 1);
	strbuf_setlen(sb, at);
	strbuf_add(sb, line.buf, line.len);
	strbuf_release(&line);
	strbuf_addstr(sb, "\033[K\n");
}

/* Move back over the live lines drawn (the cursor is below them). */
static void erase_live(struct report *r, struct strbuf *sb)
{
	if (r->drawn)
		strbuf_addf(sb, "\033[%zuF\033[J", r->drawn);
	r->drawn = 0;
}

static void draw_live(struct report *r, struct strbuf *sb)
{
	double now = r->now(r->now_data);

	for (size_t i = 0; i < r->nr_live; i++)
		live_line(r, r->live[i], now, sb);
	r->drawn = r->nr_live;
}

/* Print sb's lines above the live lines and redraw them. */
static void tty_print(struct report *r, const char *text)
{
	struct strbuf sb = STRBUF_INIT;

	erase_live(r, &sb);
	strbuf_addstr(&sb, text);
	draw_live(r, &sb);
	emit(r, &sb);
	strbuf_release(&sb);
}

static void tty_redraw(struct report *r)
{
	tty_print(r, "");
}

void report_tick(struct report *r)
{
	if (!r || r->format != REPORT_TTY)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->nr_live)
		tty_redraw(r);
	pthread_mutex_unlock(&r->lock);
}

/* ------------------------------------------------------------------ */
/* Plain lines and JSON events                                          */

static void plain_line(struct report_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void plain_line(struct report_run *run, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	add_timestamp(&sb, run->r->now(run->r->now_data));
	strbuf_addf(&sb, " %s: ", run->app);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, '\n');
	emit(run->r, &sb);
	strbuf_release(&sb);
}

/* A JSON event with the common members; the caller adds its own. */
static json_t *event(struct report_run *run, const char *name)
{
	struct strbuf ts = STRBUF_INIT;
	json_t *e = json_object();

	add_timestamp(&ts, run->r->now(run->r->now_data));
	json_object_set_new(e, "version", json_integer(JSON_SCHEMA_VERSION));
	json_object_set_new(e, "time", json_string(ts.buf));
	json_object_set_new(e, "app", json_string(run->app));
	json_object_set_new(e, "event", json_string(name));
	strbuf_release(&ts);
	return e;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void emit_event(struct report_run *run, json_t *e)
{
	struct strbuf sb = STRBUF_INIT;

	yaml_write_json(&sb, e, 0);
	strbuf_addch(&sb, '\n');
	emit(run->r, &sb);
	strbuf_release(&sb);
	json_decref(e);
}

static void add_phase_members(struct report_run *run, json_t *e)
{
	json_object_set_new(e, "phase", str_or_null(run->phase_name));
	json_object_set_new(e, "hook", str_or_null(run->phase_hook));
	json_object_set_new(e, "wave", json_integer(run->phase_wave));
}

/* ------------------------------------------------------------------ */
/* Events                                                               */

struct report_run *report_run_start(struct report *r, const char *app,
				    const char *revision, size_t objects,
				    const char *dry_run)
{
	struct report_run *run;

	if (!r)
		return NULL;
	run = xcalloc(1, sizeof(*run));
	run->r = r;
	run->app = xstrdup(app);
	pthread_mutex_lock(&r->lock);
	run->start = r->now(r->now_data);
	r->runs_started++;
	if (r->format == REPORT_JSON) {
		json_t *e = event(run, "run.started");
		json_object_set_new(e, "revision", str_or_null(revision));
		json_object_set_new(e, "objects", json_integer((json_int_t)objects));
		json_object_set_new(e, "dryRun", str_or_null(dry_run));
		emit_event(run, e);
	} else if (r->format == REPORT_PLAIN) {
		plain_line(run, "apply started: %zu object%s, revision %s%s%s%s",
			   objects, objects == 1 ? "" : "s",
			   revision ? revision : "(none)",
			   dry_run ? ", dry run (" : "", dry_run ? dry_run : "",
			   dry_run ? ")" : "");
	} else {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%sApplying %s%s: %zu object%s, revision %s%s%s%s\n",
			    color(r, C_BOLD), app, color(r, C_RESET), objects,
			    objects == 1 ? "" : "s",
			    revision ? revision : "(none)",
			    dry_run ? ", dry run (" : "",
			    dry_run ? dry_run : "", dry_run ? ")" : "");
		tty_print(r, sb.buf);
		strbuf_release(&sb);
	}
	pthread_mutex_unlock(&r->lock);
	return run;
}

void report_phase_start(struct report_run *run, const struct report_phase *p)
{
	struct report *r;

	if (!run)
		return;
	r = run->r;
	pthread_mutex_lock(&r->lock);
	free(run->phase_name);
	free(run->phase_hook);
	run->phase_name = xstrdup(p->name);
	run->phase_hook = p->hook ? xstrdup(p->hook) : NULL;
	run->phase_wave = p->wave;
	struct live *l = xcalloc(1, sizeof(*l));
	struct strbuf label = STRBUF_INIT;
	phase_label(&label, p->hook, p->wave, p->name);
	l->run = run;
	l->label = strbuf_detach(&label, NULL);
	l->total = p->total;
	l->start = r->now(r->now_data);
	run->phase = l;
	if (r->format == REPORT_JSON) {
		json_t *e = event(run, "phase.started");
		add_phase_members(run, e);
		json_object_set_new(e, "total", json_integer((json_int_t)p->total));
		emit_event(run, e);
	} else if (r->format == REPORT_PLAIN) {
		plain_line(run, "phase %s: started, %zu object%s", l->label,
			   p->total, p->total == 1 ? "" : "s");
	} else {
		ALLOC_GROW(r->live, r->nr_live + 1, r->alloc_live);
		r->live[r->nr_live++] = l;
		tty_redraw(r);
	}
	pthread_mutex_unlock(&r->lock);
}

void report_phase_progress(struct report_run *run, size_t done,
			   const char *waiting_for)
{
	struct live *l;

	if (!run || !(l = run->phase))
		return;
	pthread_mutex_lock(&run->r->lock);
	l->done = done;
	if (!waiting_for || !l->waiting || strcmp(waiting_for, l->waiting)) {
		free(l->waiting);
		l->waiting = waiting_for ? xstrdup(waiting_for) : NULL;
	}
	if (run->r->format == REPORT_TTY)
		tty_redraw(run->r);
	pthread_mutex_unlock(&run->r->lock);
}

static void live_remove(struct report *r, struct live *l)
{
	for (size_t i = 0; i < r->nr_live; i++)
		if (r->live[i] == l) {
			memmove(r->live + i, r->live + i + 1,
				(r->nr_live - i - 1) * sizeof(*r->live));
			r->nr_live--;
			return;
		}
}

void report_phase_end(struct report_run *run, int ok)
{
	struct report *r;
	struct live *l;

	if (!run || !(l = run->phase))
		return;
	r = run->r;
	pthread_mutex_lock(&r->lock);
	double secs = r->now(r->now_data) - l->start;
	if (r->format == REPORT_JSON) {
		json_t *e = event(run, "phase.finished");
		add_phase_members(run, e);
		json_object_set_new(e, "ok", json_boolean(ok));
		json_object_set_new(e, "done", json_integer((json_int_t)l->done));
		json_object_set_new(e, "total", json_integer((json_int_t)l->total));
		json_object_set_new(e, "seconds",
				    json_real((double)(long long)(secs * 1000) /
					      1000));
		emit_event(run, e);
	} else if (r->format == REPORT_PLAIN) {
		plain_line(run, "phase %s: %s, %zu/%zu in %.2fs", l->label,
			   ok ? "done" : "failed", l->done, l->total, secs);
	} else {
		struct strbuf sb = STRBUF_INIT;
		live_remove(r, l);
		strbuf_addf(&sb, "  %s%s%s ",
			    color(r, ok ? C_GREEN : C_RED), ok ? "✓" : "✗",
			    color(r, C_RESET));
		if (names_apps(r))
			strbuf_addf(&sb, "%s ", run->app);
		strbuf_addf(&sb, "%-10s %zu/%zu  ", l->label, l->done,
			    l->total);
		add_elapsed(&sb, secs);
		strbuf_addch(&sb, '\n');
		tty_print(r, sb.buf);
		strbuf_release(&sb);
	}
	run->phase = NULL;
	free(l->label);
	free(l->waiting);
	free(l);
	pthread_mutex_unlock(&r->lock);
}

void report_object(struct report_run *run, const char *id,
		   const char *action, const char *detail)
{
	if (!run)
		return;
	pthread_mutex_lock(&run->r->lock);
	if (run->r->format == REPORT_JSON) {
		json_t *e = event(run, "object.applied");
		json_object_set_new(e, "phase", str_or_null(run->phase_name));
		json_object_set_new(e, "id", json_string(id));
		json_object_set_new(e, "action", json_string(action));
		json_object_set_new(e, "detail", str_or_null(detail));
		emit_event(run, e);
	} else if (run->r->format == REPORT_PLAIN) {
		plain_line(run, "%s %s%s%s", action, id, detail ? ": " : "",
			   detail ? detail : "");
	}
	pthread_mutex_unlock(&run->r->lock);
}

void report_health(struct report_run *run, const char *id, const char *health,
		   const char *message)
{
	if (!run)
		return;
	pthread_mutex_lock(&run->r->lock);
	if (run->r->format == REPORT_JSON) {
		json_t *e = event(run, "health.changed");
		json_object_set_new(e, "id", json_string(id));
		json_object_set_new(e, "health", json_string(health));
		json_object_set_new(e, "message", str_or_null(message));
		emit_event(run, e);
	} else if (run->r->format == REPORT_PLAIN) {
		plain_line(run, "health %s: %s%s%s", id, health,
			   message ? ": " : "", message ? message : "");
	}
	pthread_mutex_unlock(&run->r->lock);
}

void report_error(struct report_run *run, const char *id, const char *message)
{
	struct report *r;

	if (!run)
		return;
	r = run->r;
	pthread_mutex_lock(&r->lock);
	if (r->format == REPORT_JSON) {
		json_t *e = event(run, "error");
		json_object_set_new(e, "phase", str_or_null(run->phase_name));
		json_object_set_new(e, "id", str_or_null(id));
		json_object_set_new(e, "message", json_string(message));
		emit_event(run, e);
	} else if (r->format == REPORT_PLAIN) {
		plain_line(run, "error: %s%s%s", id ? id : "", id ? ": " : "",
			   message);
	} else {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "  %serror%s: ", color(r, C_RED),
			    color(r, C_RESET));
		if (names_apps(r))
			strbuf_addf(&sb, "%s: ", run->app);
		strbuf_addf(&sb, "%s%s%s\n", id ? id : "", id ? ": " : "",
			    message);
		tty_print(r, sb.buf);
		strbuf_release(&sb);
	}
	pthread_mutex_unlock(&r->lock);
}

void report_app_error(struct report *r, const char *app, const char *message)
{
	/* a run that never started: only its name is needed to format */
	struct report_run run = { .r = r, .app = (char *)app };

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->format == REPORT_JSON) {
		json_t *e = event(&run, "error");
		json_object_set_new(e, "phase", json_null());
		json_object_set_new(e, "id", json_null());
		json_object_set_new(e, "message", json_string(message));
		emit_event(&run, e);
	} else if (r->format == REPORT_PLAIN) {
		plain_line(&run, "error: %s", message);
	} else {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "  %serror%s: %s: %s\n", color(r, C_RED),
			    color(r, C_RESET), app, message);
		tty_print(r, sb.buf);
		strbuf_release(&sb);
	}
	pthread_mutex_unlock(&r->lock);
}

void report_app_skipped(struct report *r, const char *app,
			const char *reason)
{
	struct report_run run = { .r = r, .app = (char *)app };

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->format == REPORT_JSON) {
		json_t *e = event(&run, "app.skipped");
		json_object_set_new(e, "reason", json_string(reason));
		emit_event(&run, e);
	} else if (r->format == REPORT_PLAIN) {
		plain_line(&run, "skipped: %s", reason);
	} else {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "  %s-%s %s: skipped: %s\n", color(r, C_RED),
			    color(r, C_RESET), app, reason);
		tty_print(r, sb.buf);
		strbuf_release(&sb);
	}
	pthread_mutex_unlock(&r->lock);
}

static json_t *items_json(const struct report_item *v, size_t n,
			  const char *state_key)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(v[i].id));
		json_object_set_new(o, state_key, json_string(v[i].state));
		json_object_set_new(o, "message", str_or_null(v[i].message));
		json_array_append_new(a, o);
	}
	return a;
}

static void summary_text(struct report_run *run,
			 const struct report_summary *s)
{
	struct report *r = run->r;
	struct strbuf sb = STRBUF_INIT;
	int good = !strcmp(s->outcome, "Succeeded");

	strbuf_addf(&sb, "%s%s%s%s: %s: %zu created, %zu updated, "
		    "%zu unchanged, %zu deleted in ",
		    color(r, good ? C_GREEN : C_RED), good ? "✓ " : "✗ ",
		    color(r, C_RESET), run->app, s->outcome, s->created,
		    s->updated, s->unchanged, s->deleted);
	add_elapsed(&sb, s->seconds);
	strbuf_addch(&sb, '\n');
	if (s->nr_unhealthy)
		strbuf_addstr(&sb, "Not healthy:\n");
	for (size_t i = 0; i < s->nr_unhealthy; i++)
		strbuf_addf(&sb, "  %s: %s%s%s\n", s->unhealthy[i].id,
			    s->unhealthy[i].state,
			    s->unhealthy[i].message ? ": " : "",
			    s->unhealthy[i].message ? s->unhealthy[i].message
						    : "");
	if (s->nr_not_done)
		strbuf_addstr(&sb, "Not done:\n");
	for (size_t i = 0; i < s->nr_not_done; i++)
		strbuf_addf(&sb, "  %s %s\n", s->not_done[i].state,
			    s->not_done[i].id);
	tty_print(r, sb.buf);
	strbuf_release(&sb);
}

void report_run_end(struct report_run *run, const struct report_summary *s)
{
	struct report *r;

	if (!run)
		return;
	r = run->r;
	if (run->phase)
		report_phase_end(run, 0);
	pthread_mutex_lock(&r->lock);
	if (r->format == REPORT_JSON) {
		json_t *e = event(run, "summary");
		json_object_set_new(e, "outcome", json_string(s->outcome));
		json_object_set_new(e, "created", json_integer((json_int_t)s->created));
		json_object_set_new(e, "updated", json_integer((json_int_t)s->updated));
		json_object_set_new(e, "unchanged",
				    json_integer((json_int_t)s->unchanged));
		json_object_set_new(e, "deleted", json_integer((json_int_t)s->deleted));
		json_object_set_new(e, "unhealthy",
				    items_json(s->unhealthy, s->nr_unhealthy,
					       "health"));
		json_object_set_new(e, "notDone",
				    items_json(s->not_done, s->nr_not_done,
					       "action"));
		json_object_set_new(e, "seconds",
				    json_real((double)(long long)(s->seconds *
								  1000) /
					      1000));
		emit_event(run, e);
	} else if (r->format == REPORT_PLAIN) {
		plain_line(run, "summary: %s: %zu created, %zu updated, "
			   "%zu unchanged, %zu deleted in %.2fs",
			   s->outcome, s->created, s->updated, s->unchanged,
			   s->deleted, s->seconds);
		for (size_t i = 0; i < s->nr_unhealthy; i++)
			plain_line(run, "not healthy: %s: %s%s%s",
				   s->unhealthy[i].id, s->unhealthy[i].state,
				   s->unhealthy[i].message ? ": " : "",
				   s->unhealthy[i].message
					   ? s->unhealthy[i].message
					   : "");
		for (size_t i = 0; i < s->nr_not_done; i++)
			plain_line(run, "not done: %s %s",
				   s->not_done[i].state, s->not_done[i].id);
	} else {
		summary_text(run, s);
	}
	pthread_mutex_unlock(&r->lock);
	free(run->phase_name);
	free(run->phase_hook);
	free(run->app);
	free(run);
}
