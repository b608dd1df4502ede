/*
 * The compatibility evidence for pkg/chart: every `helm` row of the shared
 * corpus (../shared/corpus/cases.tsv, or $GANTRY_CORPUS) rendered with the
 * arguments of its reference command, compared byte for byte with what
 * `helm template` printed.
 *
 *   OK                    output identical
 *   OK(nondeterministic)  identical once the fields the `note` column names
 *                         (KIND/NAME:.a.b) are masked in both
 *   FAIL(expected)        rendering fails with the same message helm gave
 *                         (the text after "Error: ", without helm's
 *                         "Use --debug flag" hint)
 *
 * Without the corpus the test says so and skips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/chart/chart.h"
#include "pkg/source/source.h"
#include "tests/unit/harness.h"

static char *corpus_dir(void)
{
	const char *env = getenv("GANTRY_CORPUS");
	struct stat st;
	if (env && *env)
		return xstrdup(env);
	/* the repository's sibling, as the workplace lays it out */
	if (stat("../shared/corpus/cases.tsv", &st) == 0)
		return xstrdup("../shared/corpus");
	return NULL;
}

static void split(const char *s, char sep, struct strvec *out)
{
	for (;;) {
		const char *e = strchr(s, sep);
		strvec_push_nodup(out, e ? xstrndup(s, (size_t)(e - s))
					 : xstrdup(s));
		if (!e)
			break;
		s = e + 1;
	}
}

/* Mask the value of KIND/NAME:.a.b in every document of text. */
static void mask(struct strbuf *text, const char *spec)
{
	const char *colon = strchr(spec, ':');
	const char *slash = strchr(spec, '/');
	if (!colon || !slash || slash > colon)
		return;
	char *kind = xstrndup(spec, (size_t)(slash - spec));
	char *name = xstrndup(slash + 1, (size_t)(colon - slash - 1));
	struct strvec path = STRVEC_INIT;
	split(colon + 2, '.', &path);
	char *kind_line = xasprintf("\nkind: %s\n", kind);
	char *name_line = xasprintf("\n  name: %s\n", name);
	struct strbuf key = STRBUF_INIT;
	for (size_t i = 0; i + 1 < path.nr; i++)
		strbuf_addstr(&key, "  ");
	strbuf_addf(&key, "%s: ", path.v[path.nr - 1]);

	struct strbuf out = STRBUF_INIT;
	const char *p = text->buf ? text->buf : "";
	while (*p) {
		const char *next = strstr(p + 1, "\n---\n");
		size_t len = next ? (size_t)(next - p) : strlen(p);
		char *doc = xstrndup(p, len);
		if (strstr(doc, kind_line) && strstr(doc, name_line)) {
			char *line = strstr(doc, key.buf);
			while (line && line != doc && line[-1] != '\n')
				line = strstr(line + 1, key.buf);
			if (line) {
				char *end = strchr(line, '\n');
				size_t pre = (size_t)(line - doc) + key.len;
				strbuf_add(&out, doc, pre);
				strbuf_addstr(&out, "MASKED");
				strbuf_addstr(&out, end ? end : "");
			} else {
				strbuf_add(&out, doc, len);
			}
		} else {
			strbuf_add(&out, doc, len);
		}
		free(doc);
		p += len;
	}
	strbuf_release(text);
	*text = out;
	free(kind);
	free(name);
	free(kind_line);
	free(name_line);
	strbuf_release(&key);
	strvec_clear(&path);
}

/* helm's message from an .error.txt: after "Error: ", before the blank
 * line of the --debug hint. */
static char *expected_error(const char *file)
{
	size_t len;
	char *buf = source_read_file(file, &len, NULL);
	if (!buf)
		return NULL;
	char *e = strstr(buf, "\nError: ");
	if (!e) {
		free(buf);
		return NULL;
	}
	e += 8;
	char *end = strstr(e, "\n\nUse --debug");
	if (!end)
		end = e + strlen(e);
	while (end > e && end[-1] == '\n')
		end--;
	char *msg = xstrndup(e, (size_t)(end - e));
	free(buf);
	return msg;
}

static void run_case(const char *dir, struct strvec *cols)
{
	const char *id = cols->v[0], *command = cols->v[3];
	const char *expected = cols->v[4], *status = cols->v[5];
	/* the fields to mask are named "nondet: KIND/NAME:.path ..." in the
	 * note column, or in the last one */
	const char *note = "";
	for (size_t i = 7; i < cols->nr; i++)
		if (!strncmp(cols->v[i], "nondet: ", 8))
			note = cols->v[i];
	struct strvec args = STRVEC_INIT;
	split(command, ' ', &args);
	if (args.nr < 4 || strcmp(args.v[0], "helm") ||
	    strcmp(args.v[1], "template")) {
		t_ok(0, "%s: cannot read the command '%s'", id, command);
		strvec_clear(&args);
		return;
	}
	struct gerr err = GERR_INIT;
	struct chart_render_opts o = CHART_RENDER_OPTS_INIT;
	struct chart_output out = CHART_OUTPUT_INIT;
	o.release = args.v[2];
	char *chart_path = xasprintf("%s/%s", dir, args.v[3]);
	struct tmpl_value *vals = chart_values_new();
	struct chart *c = chart_load(chart_path, &err);
	int rc = c ? 0 : -1;
	for (size_t i = 4; i + 1 < args.nr && rc == 0; i += 2) {
		char *arg = xasprintf("%s/%s", dir, args.v[i + 1]);
		if (!strcmp(args.v[i], "-f"))
			rc = chart_values_add_file(vals, arg, &err);
		else if (!strcmp(args.v[i], "--set"))
			rc = chart_values_set(vals, CHART_SET, args.v[i + 1],
					      &err);
		else if (!strcmp(args.v[i], "--namespace"))
			o.namespace = args.v[i + 1];
		else
			rc = gerr_set(&err, "unknown argument %s", args.v[i]);
		free(arg);
	}
	if (rc == 0)
		rc = chart_render(c, vals, &o, &out, &err);

	char *want_file = xasprintf("%s/%s", dir, expected);
	if (!strcmp(status, "FAIL(expected)")) {
		char *want = expected_error(want_file);
		t_str(rc < 0 ? gerr_msg(&err) : "(rendered without error)",
		      want ? want : "(no expected error)", "%s fails as helm "
		      "does", id);
		free(want);
	} else if (rc < 0) {
		t_ok(0, "%s renders: %s", id, gerr_msg(&err));
	} else {
		size_t len;
		char *want = source_read_file(want_file, &len, NULL);
		struct strbuf w = STRBUF_INIT;
		if (want)
			strbuf_add(&w, want, len);
		free(want);
		if (!strncmp(note, "nondet: ", 8)) {
			struct strvec specs = STRVEC_INIT;
			split(note + 8, ' ', &specs);
			for (size_t i = 0; i < specs.nr; i++) {
				mask(&w, specs.v[i]);
				mask(&out.text, specs.v[i]);
			}
			strvec_clear(&specs);
		}
		t_str(out.text.buf ? out.text.buf : "", w.buf ? w.buf : "",
		      "%s renders as helm template", id);
		strbuf_release(&w);
	}
	free(want_file);
	free(chart_path);
	gerr_clear(&err);
	chart_output_release(&out);
	tmpl_unref(vals);
	chart_free(c);
	strvec_clear(&args);
}

int main(void)
{
	char *dir = corpus_dir();
	if (!dir) {
		t_ok(1, "corpus # skip no ../shared/corpus and no "
		     "$GANTRY_CORPUS");
		return t_done();
	}
	char *tsv = xasprintf("%s/cases.tsv", dir);
	size_t len;
	char *buf = source_read_file(tsv, &len, NULL);
	if (!buf) {
		t_ok(0, "cannot read %s", tsv);
		free(tsv);
		free(dir);
		return t_done();
	}
	struct strvec lines = STRVEC_INIT;
	split(buf, '\n', &lines);
	int ncases = 0;
	for (size_t i = 1; i < lines.nr; i++) {
		struct strvec cols = STRVEC_INIT;
		size_t n = strlen(lines.v[i]);
		if (n && lines.v[i][n - 1] == '\r')    /* CRLF lines */
			lines.v[i][n - 1] = '\0';
		split(lines.v[i], '\t', &cols);
		if (cols.nr >= 6 && !strcmp(cols.v[1], "helm")) {
			run_case(dir, &cols);
			ncases++;
		}
		strvec_clear(&cols);
	}
	t_ok(ncases > 0, "the corpus has helm cases (%d)", ncases);
	strvec_clear(&lines);
	free(buf);
	free(tsv);
	free(dir);
	return t_done();
}
