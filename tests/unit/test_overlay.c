/*
 * pkg/overlay against kubectl kustomize.
 *
 * Golden cases: every directory testdata/overlay/NAME/ is an input tree
 * built from NAME/ (or from the directory named in NAME/target), with
 * the current directory set to NAME/ so that messages name files as a
 * user there would see them, and NAME/ as the repository root.
 *
 *   expected.yaml      what `kubectl kustomize` printed (committed as it
 *                      printed it): the objects must be equal, in order,
 *                      and gantry's YAML must be the same text
 *   expected.error     the build must fail with exactly this message
 *   expected.warnings  the warnings, one a line
 *   options            "load-restrictor none"
 *   kubectl-differs    why kubectl's result is legitimately different
 *                      (gantry-only rules, such as the repository root)
 *
 * When kubectl is installed, each case is also run through `kubectl
 * kustomize`: its output must still be expected.yaml, and it must fail
 * where expected.error says gantry fails (unless kubectl-differs).
 *
 * Corpus: every `kustomize` row of ../shared/corpus/cases.tsv (or
 * $GANTRY_CORPUS) is built and compared with the output recorded there;
 * rows that kustomize itself fails on (FAIL(expected)) must fail here too,
 * with a message that names the cause.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/overlay/overlay.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/harness.h"

static char *read_opt(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	size_t len;
	struct gerr err = GERR_INIT;
	struct stat st;
	char *buf = NULL;
	if (stat(p, &st) == 0)
		buf = source_read_file(p, &len, &err);
	gerr_clear(&err);
	free(p);
	return buf;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static void write_yaml(const struct obj_list *l, struct strbuf *out)
{
	for (size_t i = 0; i < l->nr; i++) {
		if (i)
			strbuf_addstr(out, "---\n");
		yaml_emit_width(out, l->v[i].json, 80);
	}
}

/* The objects of a YAML stream, as kubectl's typing reads them. */
static json_t *parse_stream(const char *text, const char *name)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	struct gerr err = GERR_INIT;
	json_t *arr = json_array();
	if (yaml_parse(text, strlen(text), name, 0, &docs, &err) < 0) {
		t_diag("%s: %s", name, gerr_msg(&err));
		gerr_clear(&err);
		json_decref(arr);
		return NULL;
	}
	for (size_t i = 0; i < docs.nr; i++)
		if (!json_is_null(docs.v[i].value))
			json_array_append(arr, docs.v[i].value);
	yaml_docs_clear(&docs);
	return arr;
}

static json_t *list_array(const struct obj_list *l)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->nr; i++)
		json_array_append(arr, l->v[i].json);
	return arr;
}

/* Run a shell command, capturing stdout; returns the exit status. */
static int run_capture(const char *cmd, struct strbuf *out)
{
	FILE *f = popen(cmd, "r");
	char buf[4096];
	size_t n;
	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(out, buf, n);
	int st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have_kubectl(void)
{
	static int have = -1;
	if (have < 0)
		have = system("kubectl version --client >/dev/null 2>&1") == 0;
	return have;
}

static void golden_case(const char *base, const char *name)
{
	char *dir = xasprintf("%s/%s", base, name);
	char *want = read_opt(dir, "expected.yaml");
	char *want_err = read_opt(dir, "expected.error");
	char *want_warn = read_opt(dir, "expected.warnings");
	char *options = read_opt(dir, "options");
	char *target = read_opt(dir, "target");
	char *differs = read_opt(dir, "kubectl-differs");
	char cwd[4096];
	struct obj_list out = OBJ_LIST_INIT;
	struct strvec warnings = STRVEC_INIT;
	struct gerr err = GERR_INIT;

	if (target)
		chomp(target);
	const char *build = target ? target : ".";
	struct overlay_options opt = { ".", options && strstr(options, "none"),
				       &warnings };
	if (!getcwd(cwd, sizeof(cwd)) || chdir(dir) < 0) {
		t_ok(0, "%s: enter the case directory", name);
		goto out;
	}
	int rc = overlay_build(build, &opt, &out, &err);

	if (want_err) {
		chomp(want_err);
		t_str(rc < 0 ? gerr_msg(&err) : "(built without error)",
		      want_err, "overlay/%s: error", name);
	} else if (!want) {
		t_ok(0, "overlay/%s: the case has no expected.yaml or "
			"expected.error", name);
	} else if (rc < 0) {
		t_ok(0, "overlay/%s: build", name);
		t_diag("%s", gerr_msg(&err));
	} else {
		json_t *exp = parse_stream(want, "expected.yaml");
		json_t *got = list_array(&out);
		t_json(got, exp, "overlay/%s: objects, in order", name);
		json_decref(got);
		json_decref(exp);
		struct strbuf text = STRBUF_INIT;
		write_yaml(&out, &text);
		t_str(text.buf, want, "overlay/%s: YAML text", name);
		strbuf_release(&text);
	}
	if (want_warn || warnings.nr) {
		struct strbuf w = STRBUF_INIT;
		for (size_t i = 0; i < warnings.nr; i++)
			strbuf_addf(&w, "%s\n", warnings.v[i]);
		t_str(w.buf, want_warn ? want_warn : "", "overlay/%s: warnings",
		      name);
		strbuf_release(&w);
	}

	/* and kubectl still agrees with the expected output */
	if (!have_kubectl()) {
		t_ok(1, "overlay/%s: kubectl kustomize # skip kubectl is not "
			"installed", name);
	} else {
		struct strbuf kout = STRBUF_INIT;
		char *cmd = xasprintf("kubectl kustomize %s%s 2>/dev/null", build,
				      options && strstr(options, "none")
					      ? " --load-restrictor "
						"LoadRestrictionsNone"
					      : "");
		int st = run_capture(cmd, &kout);
		free(cmd);
		if (differs)
			t_ok(1, "overlay/%s: kubectl kustomize # skip kubectl "
				"differs: %s", name, differs);
		else if (want_err)
			t_ok(st != 0, "overlay/%s: kubectl kustomize fails too",
			     name);
		else if (want)
			t_str(kout.buf, want, "overlay/%s: kubectl kustomize "
			      "prints expected.yaml", name);
		strbuf_release(&kout);
	}
	if (chdir(cwd) < 0)
		t_ok(0, "return to %s", cwd);
out:
	obj_list_clear(&out);
	strvec_clear(&warnings);
	gerr_clear(&err);
	free(dir);
	free(want);
	free(want_err);
	free(want_warn);
	free(options);
	free(target);
	free(differs);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void golden(void)
{
	char *base = xasprintf("%s/overlay", t_testdata());
	char *abs = realpath(base, NULL);
	DIR *d = abs ? opendir(abs) : NULL;
	struct strvec names = STRVEC_INIT;
	struct dirent *e;

	if (!d) {
		t_ok(0, "open %s", base);
		free(base);
		free(abs);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", abs, e->d_name);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			strvec_push(&names, e->d_name);
		free(p);
	}
	closedir(d);
	qsort(names.v, names.nr, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.nr; i++)
		golden_case(abs, names.v[i]);
	t_ok(names.nr >= 50, "overlay: at least 50 golden cases (%zu)",
	     names.nr);
	strvec_clear(&names);
	free(base);
	free(abs);
}

/* ---- the shared corpus ------------------------------------------------ */

/* Split a line of cases.tsv into its tab-separated fields (in place). */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* What our message must name, from the cause kustomize's error gives. */
static char *expected_cause(const char *kerr)
{
	const char *p;
	if ((p = strstr(kerr, "external plugin '"))) {
		p += strlen("external plugin '");
		return xstrndup(p, strcspn(p, "'"));
	}
	if (strstr(kerr, "loading generator plu")) /* cut short in the tsv */
		return xstrdup("external plugin");
	if (strstr(kerr, "HelmChartInflationGenerator"))
		return xstrdup("Helm chart");
	if (strstr(kerr, "PatchTransformer"))
		return xstrdup("invalid YAML");
	for (p = kerr; (p = strstr(p, "resources from '")); p++) {
		const char *r = p + strlen("resources from '");
		char *res = xstrndup(r, strcspn(r, "'"));
		if (strstr(res, "://") || !strncmp(res, "github.com/", 11))
			return res;
		free(res);
	}
	if ((p = strstr(kerr, "evalsymlink failure on '"))) {
		p += strlen("evalsymlink failure on '");
		char *path = xstrndup(p, strcspn(p, "'"));
		const char *base = strrchr(path, '/');
		char *b = xstrdup(base ? base + 1 : path);
		free(path);
		return b;
	}
	return NULL;
}

static void corpus_case(const char *corpus, char **f)
{
	const char *id = f[0], *path = f[2], *expected = f[4], *status = f[5];
	const char *kerr = f[8];
	struct obj_list out = OBJ_LIST_INIT;
	struct gerr err = GERR_INIT;
	struct strvec warnings = STRVEC_INIT;
	struct overlay_options opt = { ".", 0, &warnings };
	char cwd[4096];

	if (!getcwd(cwd, sizeof(cwd)) || chdir(corpus) < 0) {
		t_ok(0, "corpus/%s: enter %s", id, corpus);
		return;
	}
	int rc = overlay_build(path, &opt, &out, &err);
	if (!strncmp(status, "FAIL", 4)) {
		char *cause = expected_cause(kerr);
		t_ok(rc < 0 && cause && strstr(gerr_msg(&err), cause),
		     "corpus/%s: fails as kustomize does, naming %s", id,
		     cause ? cause : "(no cause found in cases.tsv)");
		if (rc == 0)
			t_diag("built %zu objects", out.nr);
		else if (!cause || !strstr(gerr_msg(&err), cause))
			t_diag("%s", gerr_msg(&err));
		free(cause);
	} else if (rc < 0) {
		t_ok(0, "corpus/%s: build", id);
		t_diag("%s", gerr_msg(&err));
	} else {
		size_t len;
		struct gerr rerr = GERR_INIT;
		char *want = source_read_file(expected, &len, &rerr);
		json_t *exp = want ? parse_stream(want, expected) : NULL;
		json_t *got = list_array(&out);
		t_json(got, exp, "corpus/%s: the objects of %s, in order", id,
		       expected);
		if (want) {
			/* the text too: kustomize's key order and folding */
			struct strbuf text = STRBUF_INIT;
			write_yaml(&out, &text);
			t_str(text.buf, want, "corpus/%s: the same YAML text", id);
			strbuf_release(&text);
		}
		json_decref(got);
		json_decref(exp);
		free(want);
		gerr_clear(&rerr);
	}
	if (chdir(cwd) < 0)
		t_ok(0, "return to %s", cwd);
	obj_list_clear(&out);
	strvec_clear(&warnings);
	gerr_clear(&err);
}

static void corpus(void)
{
	const char *env = getenv("GANTRY_CORPUS");
	char *dir = xstrdup(env && *env ? env : "../shared/corpus");
	char *tsv = xasprintf("%s/cases.tsv", dir);
	struct gerr err = GERR_INIT;
	struct stat st;
	size_t len, n = 0;

	if (stat(tsv, &st) < 0) {
		t_ok(1, "corpus # skip %s is not here (set GANTRY_CORPUS)", tsv);
		free(tsv);
		free(dir);
		return;
	}
	char *buf = source_read_file(tsv, &len, &err);
	if (!buf) {
		t_ok(0, "read %s: %s", tsv, gerr_msg(&err));
		gerr_clear(&err);
		free(tsv);
		free(dir);
		return;
	}
	char *save = NULL;
	int header = 1;
	for (char *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[12];
		if (header) {
			header = 0;
			continue;
		}
		if (split_tabs(line, f, 12) < 9 || strcmp(f[1], "kustomize"))
			continue;
		corpus_case(dir, f);
		n++;
	}
	t_ok(n > 0, "corpus: %zu kustomize rows in %s", n, tsv);
	free(buf);
	free(tsv);
	free(dir);
}

int main(void)
{
	mem_init();
	golden();
	corpus();
	return t_done();
}
