/*
 * pkg/chart, driven by the case files testdata/chart/NAME.test. A case:
 *
 *   === name of the case
 *   --- file PATH          a file of the chart directory (PATH relative to
 *   ...                    it; "../x" puts a file beside it, for -f)
 *   --- archive PATH DIR   pack the directory DIR (written by file
 *                          sections) as the archive PATH, DIR at its top,
 *                          as `helm package` does; DIR is then removed
 *   --- args               one option of `gantry render --chart` a line:
 *   --release r            --release -n -f --set --set-string --set-file
 *   -f ../v.yaml           --set-json --set-literal --kube-version
 *                          --api-versions --show-only --include-crds
 *                          --skip-tests --is-upgrade; "CHART" as the
 *                          first line renders CHART (a path in the case
 *                          directory) instead of the directory itself,
 *                          "builtin NAME" the chart templates/NAME
 *   --- output             exactly what is printed
 *   --- error              or: the error message
 *   --- error-end          or: how the error message ends
 *   --- notes              optional: the rendered NOTES.txt
 *
 * Every section's text is its lines, each ending with a newline, except
 * the empty line before the next "===" (so an output that ends with an
 * empty line is followed by two); an error is compared without its final
 * newline. Expected outputs are Helm's
 * behaviour as its documentation and source describe it; each file says
 * why where it is not obvious.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/chart/chart.h"
#include "pkg/source/source.h"
#include "tests/unit/harness.h"

struct section {
	char *name;     /* "file templates/a.yaml" */
	struct strbuf text;
};

struct tcase {
	char *name;
	struct section *s;
	size_t nr, alloc;
};

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

static void write_file(const char *path, const char *data, size_t len)
{
	mkdirs(path);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(data, 1, len, f);
	fclose(f);
}

static const struct section *find(const struct tcase *c, const char *name)
{
	for (size_t i = 0; i < c->nr; i++)
		if (!strcmp(c->s[i].name, name))
			return &c->s[i];
	return NULL;
}

static int apply_arg(const char *line, const char *dir,
		     struct tmpl_value *vals, struct chart_render_opts *o,
		     struct strvec *keep, struct gerr *err)
{
	const char *sp = strchr(line, ' ');
	char *opt = sp ? xstrndup(line, (size_t)(sp - line)) : xstrdup(line);
	const char *arg = sp ? sp + 1 : "";
	/* paths in arguments are relative to the chart directory */
	char *path = xasprintf("%s/chart/%s", dir, arg);
	int rc = 0;
	if (!strcmp(opt, "--release"))
		o->release = strvec_push(keep, arg);
	else if (!strcmp(opt, "-n"))
		o->namespace = strvec_push(keep, arg);
	else if (!strcmp(opt, "-f"))
		rc = chart_values_add_file(vals, path, err);
	else if (!strcmp(opt, "--set"))
		rc = chart_values_set(vals, CHART_SET, arg, err);
	else if (!strcmp(opt, "--set-string"))
		rc = chart_values_set(vals, CHART_SET_STRING, arg, err);
	else if (!strcmp(opt, "--set-json"))
		rc = chart_values_set(vals, CHART_SET_JSON, arg, err);
	else if (!strcmp(opt, "--set-literal"))
		rc = chart_values_set(vals, CHART_SET_LITERAL, arg, err);
	else if (!strcmp(opt, "--set-file")) {
		/* key=PATH: the path relative to the chart directory */
		const char *eq = strchr(arg, '=');
		char *a = eq ? xasprintf("%.*s=%s/chart/%s", (int)(eq - arg),
					 arg, dir, eq + 1)
			     : xstrdup(arg);
		rc = chart_values_set(vals, CHART_SET_FILE, a, err);
		free(a);
	} else if (!strcmp(opt, "--kube-version"))
		o->kube_version = strvec_push(keep, arg);
	else if (!strcmp(opt, "--include-crds"))
		o->include_crds = 1;
	else if (!strcmp(opt, "--skip-tests"))
		o->skip_tests = 1;
	else if (!strcmp(opt, "--is-upgrade"))
		o->is_upgrade = 1;
	else
		rc = gerr_set(err, "test: unknown option %s", opt);
	free(opt);
	free(path);
	return rc;
}

static void remove_tree(const char *path)
{
	char *cmd = xasprintf("rm -rf '%s'", path);
	if (system(cmd) != 0)
		t_diag("cannot remove %s", path);
	free(cmd);
}

static void run_case(const struct tcase *c)
{
	char tmpl[] = "/tmp/gantry-chart-XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		t_ok(0, "%s: mkdtemp", c->name);
		return;
	}
	for (size_t i = 0; i < c->nr; i++) {
		const struct section *s = &c->s[i];
		if (!strncmp(s->name, "file ", 5)) {
			char *p = xasprintf("%s/chart/%s", dir, s->name + 5);
			write_file(p, s->text.buf ? s->text.buf : "", s->text.len);
			free(p);
		} else if (!strncmp(s->name, "archive ", 8)) {
			const char *sp = strchr(s->name + 8, ' ');
			char *arch = xstrndup(s->name + 8,
					      (size_t)(sp - s->name - 8));
			/* DIR may be "../x": pack from its parent */
			char *cmd = xasprintf("cd '%s/chart' && mkdir -p \"$(dirname "
					      "'%s')\" && a=\"$PWD/%s\" && "
					      "cd \"$(dirname '%s')\" && tar -czf "
					      "\"$a\" \"$(basename '%s')\" && rm -rf "
					      "\"$(basename '%s')\"", dir, arch,
					      arch, sp + 1, sp + 1, sp + 1);
			if (system(cmd) != 0)
				t_diag("%s: cannot pack %s", c->name, arch);
			free(cmd);
			free(arch);
		}
	}

	struct gerr err = GERR_INIT;
	struct chart_render_opts o = CHART_RENDER_OPTS_INIT;
	struct chart_output out = CHART_OUTPUT_INIT;
	struct strvec keep = STRVEC_INIT, apis = STRVEC_INIT, show = STRVEC_INIT;
	struct tmpl_value *vals = chart_values_new();
	char *chart_path = xasprintf("%s/chart", dir);
	const struct section *args = find(c, "args");
	struct strvec lines = STRVEC_INIT;
	if (args && args->text.buf) {
		char *copy = xstrdup(args->text.buf);
		for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save))
			strvec_push(&lines, l);
		free(copy);
	}
	int rc = 0;
	size_t first = 0;
	if (lines.nr && !strncmp(lines.v[0], "builtin ", 8)) {
		/* a chart of the top-level templates/ directory */
		free(chart_path);
		chart_path = xasprintf("%s/../templates/%s", t_testdata(),
				       lines.v[0] + 8);
		first = 1;
	} else if (lines.nr && lines.v[0][0] != '-') {
		free(chart_path);
		chart_path = xasprintf("%s/chart/%s", dir, lines.v[0]);
		first = 1;
	}
	for (size_t i = first; i < lines.nr && rc == 0; i++) {
		const char *l = lines.v[i];
		if (!strncmp(l, "--api-versions ", 15))
			strvec_push(&apis, l + 15);
		else if (!strncmp(l, "--show-only ", 12))
			strvec_push(&show, l + 12);
		else
			rc = apply_arg(l, dir, vals, &o, &keep, &err);
	}
	o.api_versions = (const char *const *)apis.v;
	o.napi_versions = apis.nr;
	o.show_only = (const char *const *)show.v;
	o.nshow_only = show.nr;
	struct chart *ch = NULL;
	if (rc == 0 && !(ch = chart_load(chart_path, &err)))
		rc = -1;
	if (rc == 0)
		rc = chart_render(ch, vals, &o, &out, &err);

	const struct section *want_out = find(c, "output");
	const struct section *want_err = find(c, "error");
	const struct section *want_end = find(c, "error-end");
	const struct section *want_notes = find(c, "notes");
	if (want_err || want_end) {
		const struct section *we = want_err ? want_err : want_end;
		struct strbuf w = STRBUF_INIT;
		strbuf_add(&w, we->text.buf ? we->text.buf : "", we->text.len);
		if (w.len && w.buf[w.len - 1] == '\n')
			strbuf_setlen(&w, w.len - 1);
		/* messages name the temporary directory: show it as DIR */
		struct strbuf got = STRBUF_INIT;
		const char *m = rc < 0 ? gerr_msg(&err) : "(no error)";
		for (const char *p = m; *p;) {
			if (!strncmp(p, dir, strlen(dir))) {
				strbuf_addstr(&got, "DIR");
				p += strlen(dir);
			} else {
				strbuf_addch(&got, *p++);
			}
		}
		if (got.len && got.buf[got.len - 1] == '\n')
			strbuf_setlen(&got, got.len - 1);
		if (want_end && got.len > w.len)
			t_str(got.buf + got.len - w.len, w.buf, "%s: error end",
			      c->name);
		else
			t_str(got.buf, w.buf ? w.buf : "", "%s: error",
			      c->name);
		strbuf_release(&w);
		strbuf_release(&got);
	} else if (want_out) {
		t_str(rc < 0 ? gerr_msg(&err) : out.text.buf ? out.text.buf : "",
		      want_out->text.buf ? want_out->text.buf : "", "%s",
		      c->name);
	} else {
		t_ok(0, "%s: no output or error section", c->name);
	}
	if (want_notes && rc == 0)
		t_str(out.notes ? out.notes : "(none)",
		      want_notes->text.buf ? want_notes->text.buf : "",
		      "%s: notes", c->name);

	chart_output_release(&out);
	chart_free(ch);
	tmpl_unref(vals);
	gerr_clear(&err);
	strvec_clear(&keep);
	strvec_clear(&apis);
	strvec_clear(&show);
	strvec_clear(&lines);
	free(chart_path);
	remove_tree(dir);
}

static void tcase_clear(struct tcase *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->s[i].name);
		strbuf_release(&c->s[i].text);
	}
	free(c->s);
	free(c->name);
	memset(c, 0, sizeof(*c));
}

/* The empty line that separates one case from the next is not part of
 * the last section. */
static void drop_separator(struct tcase *c)
{
	if (!c->nr)
		return;
	struct strbuf *t = &c->s[c->nr - 1].text;
	if (t->len >= 2 && t->buf[t->len - 1] == '\n' &&
	    t->buf[t->len - 2] == '\n')
		strbuf_setlen(t, t->len - 1);
}

static void run_file(const char *path)
{
	size_t len;
	struct gerr err = GERR_INIT;
	char *buf = source_read_file(path, &len, &err);
	if (!buf) {
		t_ok(0, "%s", gerr_msg(&err));
		gerr_clear(&err);
		return;
	}
	struct tcase c = { 0 };
	char *p = buf;
	while (*p) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= 4 && !strncmp(p, "=== ", 4)) {
			if (c.name) {
				drop_separator(&c);
				run_case(&c);
			}
			tcase_clear(&c);
			c.name = xstrndup(p + 4, n - 4);
		} else if (n >= 4 && !strncmp(p, "--- ", 4) && c.name) {
			ALLOC_GROW(c.s, c.nr + 1, c.alloc);
			c.s[c.nr].name = xstrndup(p + 4, n - 4);
			strbuf_init(&c.s[c.nr].text, 0);
			c.nr++;
		} else if (c.nr) {
			strbuf_add(&c.s[c.nr - 1].text, p, n);
			strbuf_addch(&c.s[c.nr - 1].text, '\n');
		}
		p += n + (nl ? 1 : 0);
	}
	if (c.name)
		run_case(&c);
	tcase_clear(&c);
	free(buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char *dir = xasprintf("%s/chart", t_testdata());
	DIR *d = opendir(dir);
	struct strvec files = STRVEC_INIT;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 5 && !strcmp(de->d_name + n - 5, ".test"))
			strvec_pushf(&files, "%s/%s", dir, de->d_name);
	}
	if (d)
		closedir(d);
	if (files.nr)
		qsort(files.v, files.nr, sizeof(char *), cmp_str);
	t_ok(files.nr > 0, "case files in %s", dir);
	for (size_t i = 0; i < files.nr; i++)
		run_file(files.v[i]);
	strvec_clear(&files);
	free(dir);
	return t_done();
}
