/*
 * pkg/sim, driven by the case files testdata/sim/NAME.test. Each case runs
 * against a fresh cluster (tick 100 ms, CRDs established after 200 ms),
 * in-process through sim_request, its steps in order:
 *
 *   === name of the case
 *   --- request METHOD PATH [CONTENT-TYPE]
 *   body as YAML (sent as JSON), may be empty
 *   --- raw METHOD PATH [CONTENT-TYPE]
 *   body sent byte for byte
 *   --- response CODE
 *   the expected body as YAML: every key given must be there with this
 *   value (objects are compared key by key, lists item by item, in full
 *   length); the string "<absent>" means the key must not be there
 *   --- tick N            run N controller ticks
 *   --- wait MS           advance the clock by MS milliseconds
 *   --- stages FILE       (first step only) the cluster reads this stages
 *                         file, relative to testdata/sim
 *   --- capture NAME PATH remember a field of the last response (a dotted
 *                         path such as metadata.uid); later heads and
 *                         bodies replace ${NAME} by it
 *
 * Expected bodies come from kube-apiserver's behaviour, as each case's
 * comment (lines starting with "#" right after "===") explains.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/sim/sim.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/harness.h"

struct step {
	char head[512];
	int line;
	struct strbuf body;
};

struct tcase {
	char *name;
	const char *file;
	int line;
	struct step *steps;
	size_t nr, alloc;
};

/* expected ⊆ actual, with the first difference described in why */
static int subset(const json_t *want, const json_t *got, struct strbuf *path,
		  struct strbuf *why)
{
	size_t len = path->len;

	if (json_is_object(want)) {
		const char *k;
		json_t *v;

		if (!json_is_object(got)) {
			strbuf_addf(why, "%s: not an object", path->buf);
			return 0;
		}
		json_object_foreach((json_t *)want, k, v) {
			json_t *g = json_object_get(got, k);

			strbuf_setlen(path, len);
			strbuf_addf(path, "/%s", k);
			if (json_is_string(v) &&
			    !strcmp(json_string_value(v), "<absent>")) {
				if (g) {
					strbuf_addf(why, "%s: present",
						    path->buf);
					return 0;
				}
				continue;
			}
			if (!g) {
				strbuf_addf(why, "%s: missing", path->buf);
				return 0;
			}
			if (!subset(v, g, path, why))
				return 0;
		}
		strbuf_setlen(path, len);
		return 1;
	}
	if (json_is_array(want)) {
		size_t i;
		json_t *v;

		if (!json_is_array(got) ||
		    json_array_size(got) != json_array_size(want)) {
			strbuf_addf(why, "%s: %zu items expected", path->buf,
				    json_array_size(want));
			return 0;
		}
		json_array_foreach(want, i, v) {
			strbuf_setlen(path, len);
			strbuf_addf(path, "/%zu", i);
			if (!subset(v, json_array_get(got, i), path, why))
				return 0;
		}
		strbuf_setlen(path, len);
		return 1;
	}
	if (!json_equal((json_t *)want, (json_t *)got)) {
		strbuf_addf(why, "%s: differs", path->buf);
		return 0;
	}
	return 1;
}

/* NULL for a blank body; a body that does not parse fails the case */
static json_t *yaml_body(const struct tcase *c, const struct step *st,
			 int *ok, struct strbuf *why)
{
	struct gerr err = GERR_INIT;
	json_t *v;

	if (strspn(st->body.buf, " \n") == st->body.len)
		return NULL;
	v = yaml_parse_value(st->body.buf, st->body.len, c->file, &err);
	if (!v) {
		strbuf_addf(why, "line %d: bad YAML in the case: %s", st->line,
			    gerr_msg(&err));
		*ok = 0;
		gerr_clear(&err);
	}
	return v;
}

/* ${NAME} replaced by the captured values */
static char *expand(const char *text, const json_t *vars)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = text;

	while (*p) {
		const char *end;

		if (p[0] == '$' && p[1] == '{' && (end = strchr(p, '}'))) {
			char *name = xstrndup(p + 2, (size_t)(end - p - 2));
			const char *v = json_string_value(json_object_get(vars,
									  name));

			strbuf_addstr(&out, v ? v : "");
			free(name);
			p = end + 1;
			continue;
		}
		strbuf_addch(&out, *p++);
	}
	return strbuf_detach(&out, NULL);
}

static json_t *jpath_of(json_t *v, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;

	for (char *k = strtok_r(copy, ".", &save); k && v;
	     k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	free(copy);
	return v;
}

static void run_case(const struct tcase *c)
{
	json_t *vars = json_object();
	struct sim_config cfg;
	struct gerr err = GERR_INIT;
	struct sim *s;
	json_t *last = NULL;
	int code = 0, ok = 1;
	struct strbuf why = STRBUF_INIT;

	char *stages = NULL;

	sim_config_init(&cfg);
	cfg.quiet = 1;
	if (c->nr && !strncmp(c->steps[0].head, "stages ", 7)) {
		stages = xasprintf("%s/sim/%s", t_testdata(),
				   c->steps[0].head + 7);
		cfg.stages_file = stages;
	}
	s = sim_new(&cfg, &err);
	free(stages);
	if (!s) {
		t_ok(0, "%s: sim_new: %s", c->name, gerr_msg(&err));
		gerr_clear(&err);
		return;
	}
	for (size_t i = 0; i < c->nr && ok; i++) {
		struct step expanded, *st = &expanded;
		char method[16] = "", path[400] = "", ctype[100] = "";
		char name[64], field[200];
		char *head = expand(c->steps[i].head, vars);
		char *text = expand(c->steps[i].body.buf, vars);
		long n;

		memset(&expanded, 0, sizeof(expanded));
		snprintf(expanded.head, sizeof(expanded.head), "%s", head);
		expanded.line = c->steps[i].line;
		strbuf_init(&expanded.body, 0);
		strbuf_addstr(&expanded.body, text);
		free(head);
		free(text);

		if (sscanf(st->head, "request %15s %399s %99s", method, path,
			   ctype) >= 2) {
			json_t *body = yaml_body(c, st, &ok, &why);

			json_decref(last);
			last = NULL;
			code = sim_requestj(s, method, path,
					    *ctype ? ctype : NULL, body, &last);
			json_decref(body);
		} else if (sscanf(st->head, "raw %15s %399s %99s", method,
				  path, ctype) >= 2) {
			/* the body without its last newline */
			char *raw = xstrndup(st->body.buf,
					     st->body.len &&
							     st->body.buf[st->body.len -
									  1] == '\n'
						     ? st->body.len - 1
						     : st->body.len);

			json_decref(last);
			last = NULL;
			code = sim_request(s, method, path,
					   *ctype ? ctype : NULL,
					   *raw ? raw : NULL, &last);
			free(raw);
		} else if (sscanf(st->head, "response %ld", &n) == 1) {
			json_t *want = yaml_body(c, st, &ok, &why);
			struct strbuf p = STRBUF_INIT;

			if (!ok) {
				/* the expectation did not parse */
			} else if (code != n) {
				char *got = last ? json_dumps(last, JSON_INDENT(2))
						 : xstrdup("(none)");

				strbuf_addf(&why, "line %d: status %d, expected "
					    "%ld; body:\n%s", st->line, code,
					    n, got);
				free(got);
				ok = 0;
			} else if (want && !subset(want, last, &p, &why)) {
				char *got = last ? json_dumps(last, JSON_INDENT(2))
						 : xstrdup("(none)");

				strbuf_addf(&why, " (line %d); body:\n%s",
					    st->line, got);
				free(got);
				ok = 0;
			}
			json_decref(want);
			strbuf_release(&p);
		} else if (sscanf(st->head, "capture %63s %199s", name, field) ==
			   2) {
			json_t *v = jpath_of(last, field);

			if (json_is_string(v))
				json_object_set(vars, name, v);
			else {
				strbuf_addf(&why, "line %d: nothing to capture "
					    "at %s", st->line, field);
				ok = 0;
			}
		} else if (!strncmp(st->head, "stages ", 7)) {
			/* read when the cluster was made */
		} else if (sscanf(st->head, "tick %ld", &n) == 1) {
			sim_tick(s, (int)n);
		} else if (sscanf(st->head, "wait %ld", &n) == 1) {
			sim_advance(s, n);
		} else {
			strbuf_addf(&why, "line %d: unknown step '%s'", st->line,
				    st->head);
			ok = 0;
		}
		strbuf_release(&expanded.body);
	}
	json_decref(vars);
	t_ok(ok, "%s (%s:%d)", c->name, c->file, c->line);
	if (!ok)
		t_diag("%s", why.buf);
	json_decref(last);
	strbuf_release(&why);
	sim_free(s);
}

static void clear_case(struct tcase *c)
{
	for (size_t i = 0; i < c->nr; i++)
		strbuf_release(&c->steps[i].body);
	free(c->steps);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

static void run_file(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	char line[4096];
	struct tcase c = { 0 };
	int lineno = 0, in_comment = 0;

	if (!f) {
		t_ok(0, "open %s", path);
		free(path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strncmp(line, "=== ", 4)) {
			if (c.name)
				run_case(&c);
			clear_case(&c);
			line[strcspn(line, "\n")] = 0;
			c.name = xstrdup(line + 4);
			c.file = name;
			c.line = lineno;
			in_comment = 1;
			continue;
		}
		if (!c.name)
			continue;
		if (!strncmp(line, "--- ", 4)) {
			struct step *st;

			ALLOC_GROW(c.steps, c.nr + 1, c.alloc);
			st = &c.steps[c.nr++];
			memset(st, 0, sizeof(*st));
			strbuf_init(&st->body, 0);
			line[strcspn(line, "\n")] = 0;
			snprintf(st->head, sizeof(st->head), "%.500s",
				 line + 4);
			st->line = lineno;
			in_comment = 0;
			continue;
		}
		if (in_comment || !c.nr)
			continue;
		strbuf_addstr(&c.steps[c.nr - 1].body, line);
	}
	if (c.name)
		run_case(&c);
	clear_case(&c);
	fclose(f);
	free(path);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char *dir = xasprintf("%s/sim", t_testdata());
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, alloc = 0;

	mem_init();
	d = opendir(dir);
	if (!d) {
		t_ok(0, "open %s", dir);
		free(dir);
		return t_done();
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > 5 && !strcmp(e->d_name + len - 5, ".test")) {
			ALLOC_GROW(names, n + 1, alloc);
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		run_file(dir, names[i]);
		free(names[i]);
	}
	free(names);
	free(dir);
	return t_done();
}
