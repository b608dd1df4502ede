/*
 * The expected outputs of the testdata/merge case files, checked against the real
 * kubectl on this machine (skipped, visibly, when there is none): kubectl
 * and the API server share one implementation of strategic merge patch,
 * so `kubectl patch --local` gives exactly what the server would store.
 *
 * This test does not run pkg/merge's patch code at all: it checks the
 * test data, which test_merge.c then holds pkg/merge to.
 *
 *   type + object + patch + result|error   kubectl patch --local, with
 *       --type strategic (merge for kinds kubectl has no Go type for)
 *
 * Then every row of the built-in schema with a strategy is probed: an
 * object of the kind holding a one-item list (or map) at that path, a
 * patch adding another, and kubectl must merge them by the row's merge key
 * (or replace them) exactly as the row says.
 *
 * Objects lacking apiVersion, kind or metadata.name get them for kubectl
 * (which needs them) and lose them again before comparing. A "kubectl"
 * section "skip: REASON" skips a case that kubectl cannot check.
 *
 * GANTRY_KUBECTL names the kubectl to use ("none" skips everything).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/merge/merge.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"

static const char *kubectl;
static char tmpdir[] = "/tmp/gantry-merge-kubectl-XXXXXX";

static char *find_kubectl(void)
{
	const char *env = getenv("GANTRY_KUBECTL");
	if (env)
		return strcmp(env, "none") ? xstrdup(env) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		return NULL;
	char *dirs = xstrdup(path), *save = NULL, *found = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/kubectl", d);
		if (!access(cand, X_OK))
			found = cand;
		else
			free(cand);
	}
	free(dirs);
	return found;
}

/* Run argv; its stdout into out, stderr into err. Returns the exit
 * status, or -1 when it could not run. */
static int run(char *const argv[], struct strbuf *out, struct strbuf *err)
{
	char *outf = xasprintf("%s/stdout", tmpdir);
	char *errf = xasprintf("%s/stderr", tmpdir);
	int status = -1;

	pid_t pid = fork();
	if (pid == 0) {
		int o = open(outf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	struct gerr ge = GERR_INIT;
	size_t len;
	char *text;
	strbuf_reset(out);
	strbuf_reset(err);
	if ((text = source_read_file(outf, &len, &ge))) {
		strbuf_add(out, text, len);
		free(text);
	}
	gerr_clear(&ge);
	if ((text = source_read_file(errf, &len, &ge))) {
		strbuf_add(err, text, len);
		free(text);
	}
	gerr_clear(&ge);
	unlink(outf);
	unlink(errf);
	free(outf);
	free(errf);
	return status;
}

static int write_json(const char *path, const json_t *v)
{
	return json_dump_file(v, path, JSON_COMPACT);
}

static char *compact(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* What a case says about its type: apiVersion, kind, and whether
 * pkg/merge's built-in schema (hence kubectl's Go types) knows it. */
struct ctype {
	char api_version[256], kind[256];
	int known;
};

static int case_ctype(const struct tcase *c, struct ctype *ct)
{
	char *text = case_text(c, "type");
	int ok = text && sscanf(text, "%255s %255s", ct->api_version,
				ct->kind) == 2;
	free(text);
	if (!ok)
		return -1;
	char group[256];
	snprintf(group, sizeof(group), "%s", ct->api_version);
	char *slash = strrchr(group, '/');
	if (slash)
		*slash = 0;
	else
		group[0] = 0;
	ct->known = merge_schema_lookup(merge_schema_builtin(), group,
					ct->kind) != NULL;
	return 0;
}

/* What was added to an object for kubectl, to take away afterwards. */
struct added {
	int api_version, kind, metadata, name;
};

static json_t *augment(const json_t *obj, const struct ctype *ct,
		       struct added *a)
{
	json_t *o = json_deep_copy(obj);
	memset(a, 0, sizeof(*a));
	if (!json_object_get(o, "apiVersion")) {
		json_object_set_new(o, "apiVersion", json_string(ct->api_version));
		a->api_version = 1;
	}
	if (!json_object_get(o, "kind")) {
		json_object_set_new(o, "kind", json_string(ct->kind));
		a->kind = 1;
	}
	json_t *md = json_object_get(o, "metadata");
	if (!md) {
		json_object_set_new(o, "metadata", md = json_object());
		a->metadata = 1;
	}
	if (!json_object_get(md, "name")) {
		json_object_set_new(md, "name", json_string("x"));
		a->name = 1;
	}
	return o;
}

static void strip(json_t *o, const struct added *a)
{
	if (!json_is_object(o))
		return;
	if (a->api_version)
		json_object_del(o, "apiVersion");
	if (a->kind)
		json_object_del(o, "kind");
	json_t *md = json_object_get(o, "metadata");
	if (a->name && json_is_object(md))
		json_object_del(md, "name");
	if (a->metadata && json_is_object(md) && !json_object_size(md))
		json_object_del(o, "metadata");
}

static int skipped(const struct tcase *c)
{
	char *why = case_text(c, "kubectl");
	if (!why)
		return 0;
	t_ok(1, "%s: kubectl # skip %s", c->name,
	     strncmp(why, "skip: ", 6) ? why : why + 6);
	free(why);
	return 1;
}

/* kubectl patch --local: the object the server would store. */
static json_t *kubectl_patch(const json_t *obj, const char *type,
			     const json_t *patch, struct strbuf *msg)
{
	char *file = xasprintf("%s/object.json", tmpdir);
	char *ptext = compact(patch);
	struct strbuf out = STRBUF_INIT;
	json_t *result = NULL;

	write_json(file, obj);
	char *argv[] = { (char *)kubectl, "patch", "--local", "-f", file,
			 "--type", (char *)type, "-p", ptext, "-o", "json",
			 NULL };
	if (run(argv, &out, msg) == 0) {
		json_error_t je;
		result = json_loads(out.buf, 0, &je);
		if (!result)
			strbuf_addf(msg, "kubectl printed no JSON: %s", je.text);
	}
	strbuf_release(&out);
	free(ptext);
	free(file);
	return result;
}

static void diag_json(const char *label, const json_t *v)
{
	char *s = v ? compact(v) : NULL;
	t_diag("%s: %s", label, s ? s : "(none)");
	free(s);
}

static void strategic_case(const struct tcase *c)
{
	struct ctype ct;
	struct added added;
	struct strbuf msg = STRBUF_INIT;

	if (skipped(c))
		return;
	if (case_ctype(c, &ct) < 0) {
		t_ok(1, "%s: kubectl # skip the case has no apiVersion and kind",
		     c->name);
		return;
	}
	json_t *obj = case_value(c, "object");
	json_t *patch = case_value(c, "patch");
	json_t *full = augment(obj, &ct, &added);
	json_t *got = kubectl_patch(full, ct.known ? "strategic" : "merge",
				    patch, &msg);
	if (case_section(c, "error")) {
		t_ok(!got, "%s: kubectl refuses the patch too", c->name);
		if (got)
			diag_json("kubectl made", got);
		else
			t_diag("kubectl: %s", msg.buf);
	} else {
		json_t *want = case_value(c, "result");
		strip(got, &added);
		int ok = got && merge_json_equal(got, want);
		t_ok(ok, "%s: kubectl patch --local agrees", c->name);
		if (!ok) {
			diag_json("kubectl", got);
			diag_json("expected", want);
			if (!got)
				t_diag("kubectl: %s", msg.buf);
		}
		json_decref(want);
	}
	json_decref(got);
	json_decref(full);
	json_decref(patch);
	json_decref(obj);
	strbuf_release(&msg);
}

/* --- the built-in table, row by row -------------------------------------- */

/* API versions of the groups the built-in schema covers. */
static const char *api_version_of(const char *group)
{
	static const char *const v[][2] = {
		{ "", "v1" },
		{ "apps", "apps/v1" },
		{ "batch", "batch/v1" },
		{ "policy", "policy/v1" },
		{ "autoscaling", "autoscaling/v2" },
		{ "rbac.authorization.k8s.io", "rbac.authorization.k8s.io/v1" },
		{ "storage.k8s.io", "storage.k8s.io/v1" },
		{ "networking.k8s.io", "networking.k8s.io/v1" },
		{ "scheduling.k8s.io", "scheduling.k8s.io/v1" },
		{ "coordination.k8s.io", "coordination.k8s.io/v1" },
		{ "apiextensions.k8s.io", "apiextensions.k8s.io/v1" },
		{ "apiregistration.k8s.io", "apiregistration.k8s.io/v1" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(v[i][0], group))
			return v[i][1];
	return NULL;
}

/* Lists the Go types declare without a strategy but with item types that
 * carry some: a patch replaces them whole, so nothing below them can be
 * observed through a patch. */
static const char *const atomic_lists[] = {
	"initContainerStatuses", "containerStatuses",
	"ephemeralContainerStatuses", NULL,
};

/* A merge key's value of the right Go type for a typed decode. */
static json_t *key_value(const char *key, const char *tag)
{
	if (!strcmp(key, "containerPort") || !strcmp(key, "port"))
		return json_integer(tag[0]);
	return json_string(tag);
}

static int is_tag(const json_t *v, const char *key, const char *tag)
{
	json_t *k = key_value(key, tag);
	int eq = merge_json_equal(v, k);
	json_decref(k);
	return eq || (json_is_string(v) && !strcmp(json_string_value(v), tag));
}

/* The list item with key == tag, created when missing. */
static json_t *item_with(json_t *list, const char *key, const char *tag)
{
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
		if (is_tag(json_object_get(it, key), key, tag))
			return it;
	it = json_object();
	json_object_set_new(it, key, key_value(key, tag));
	json_array_append_new(list, it);
	return it;
}

/* Create the value leading to path in obj (one item "p" in each merging
 * list on the way, shared by all probes) and return the object holding
 * the last token, which goes to *last. NULL for paths through a list
 * replaced whole. */
static json_t *nest(json_t *obj, const struct merge_type *t, const char *path,
		    struct strbuf *last)
{
	struct strbuf prefix = STRBUF_INIT;
	json_t *cur = obj;
	const char *p = path;

	while (1) {
		const char *slash = strchr(p + 1, '/');
		strbuf_reset(last);
		strbuf_add(last, p + 1, slash ? (size_t)(slash - p - 1) : strlen(p + 1));
		if (!slash)
			break;
		strbuf_add(&prefix, p, (size_t)(slash - p));
		for (int i = 0; atomic_lists[i]; i++)
			if (!strcmp(last->buf, atomic_lists[i])) {
				strbuf_release(&prefix);
				return NULL;
			}
		const char *strategy = NULL, *key = NULL;
		merge_type_field(t, prefix.buf, &strategy, &key);
		json_t *next = json_object_get(cur, last->buf);
		if (key) {
			if (!next)
				json_object_set_new(cur, last->buf, next = json_array());
			next = item_with(next, key, "p");
		} else if (!next) {
			json_object_set_new(cur, last->buf, next = json_object());
		}
		cur = next;
		p = slash;
	}
	strbuf_release(&prefix);
	return cur;
}

/* Follow path in a result: the item "p" of each list on the way. */
static json_t *follow(json_t *v, const char *path, const struct merge_type *t)
{
	struct strbuf tok = STRBUF_INIT, prefix = STRBUF_INIT;
	const char *p = path;

	while (v && *p) {
		const char *slash = strchr(p + 1, '/');
		size_t n = slash ? (size_t)(slash - p - 1) : strlen(p + 1);
		strbuf_reset(&tok);
		strbuf_add(&tok, p + 1, n);
		strbuf_add(&prefix, p, n + 1);
		v = json_object_get(v, tok.buf);
		const char *strategy = NULL, *key = NULL;
		merge_type_field(t, prefix.buf, &strategy, &key);
		if (slash && key) {
			size_t i;
			json_t *it, *found = NULL;
			json_array_foreach(v, i, it)
				if (is_tag(json_object_get(it, key), key, "p"))
					found = it;
			v = found;
		}
		p = slash ? slash : "";
	}
	strbuf_release(&tok);
	strbuf_release(&prefix);
	return v;
}

/* The merge keys of a result list, "p" (the shared item) left out. */
static json_t *keys_of(const json_t *list, const char *key)
{
	json_t *out = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it) {
		json_t *k = key ? json_object_get(it, key) : it;
		if (k && !is_tag(k, key ? key : "", "p"))
			json_array_append(out, k);
	}
	return out;
}

struct row {
	char *path, *strategy, *key;
};

struct probe {
	const struct merge_type *type;
	struct row *rows;
	size_t nr, alloc;
};

static int collect_row(const char *path, const char *strategy,
		       const char *key, void *data)
{
	struct probe *pr = data;
	if (!strategy)
		return 0;
	ALLOC_GROW(pr->rows, pr->nr + 1, pr->alloc);
	pr->rows[pr->nr++] = (struct row){ xstrdup(path), xstrdup(strategy),
					   key ? xstrdup(key) : NULL };
	return 0;
}

/* Put one row's probe into the object and the patch; returns what kubectl
 * must leave there, or NULL when the row cannot be probed (*why says). */
static json_t *plant(const struct row *r, const struct merge_type *t,
		     json_t *obj, json_t *patch, const char **why)
{
	struct strbuf last = STRBUF_INIT;
	json_t *want = NULL;

	if (!strcmp(r->strategy, "retainKeys")) {
		*why = "the server honours $retainKeys whatever the field; the three-way cases show kubectl sending it";
		goto out;
	}
	json_t *oc = nest(obj, t, r->path, &last);
	json_t *pc = nest(patch, t, r->path, &last);
	if (!oc) {
		*why = "inside a list a patch replaces whole";
		goto out;
	}
	if (!strcmp(r->strategy, "replace")) {
		/* a map: merged, it would hold both labels */
		json_object_set_new(oc, last.buf, json_pack("{s:{s:s}}",
				    "matchLabels", "a", "1"));
		json_object_set_new(pc, last.buf, json_pack("{s:{s:s}}",
				    "matchLabels", "b", "1"));
		want = json_pack("{s:{s:s}}", "matchLabels", "b", "1");
		goto out;
	}
	json_t *ol = json_object_get(oc, last.buf);
	json_t *pl = json_object_get(pc, last.buf);
	if (!ol)
		json_object_set_new(oc, last.buf, ol = json_array());
	if (!pl)
		json_object_set_new(pc, last.buf, pl = json_array());
	if (r->key) {
		item_with(ol, r->key, "a");
		item_with(pl, r->key, "b");
		want = json_pack("[oo]", key_value(r->key, "b"),
				 key_value(r->key, "a"));
	} else {
		json_array_append_new(ol, json_string("a"));
		json_array_append_new(pl, json_string("b"));
		want = json_pack("[ss]", "b", "a");
	}
out:
	strbuf_release(&last);
	return want;
}

/* One kubectl run per kind, probing all its rows at once. */
static int probe_kind(const char *group, const char *kind,
		      const struct merge_type *t, void *data)
{
	struct probe pr = { t, NULL, 0, 0 };
	struct strbuf msg = STRBUF_INIT;
	json_t *obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion",
				api_version_of(group), "kind", kind,
				"metadata", "name", "x");
	json_t *patch = json_object();
	json_t *wants = json_array();
	const char **whys;

	merge_type_walk(t, collect_row, &pr);
	whys = xcalloc(pr.nr + 1, sizeof(*whys));
	for (size_t i = 0; i < pr.nr; i++) {
		json_t *w = plant(&pr.rows[i], t, obj, patch, &whys[i]);
		json_array_append_new(wants, w ? w : json_null());
	}
	json_t *got = kubectl_patch(obj, "strategic", patch, &msg);
	if (!got && strstr(msg.buf, "strategic merge patch is not supported")) {
		t_ok(1, "table: %s %s # skip kubectl has no Go type for this kind",
		     group, kind);
		goto out;
	}
	for (size_t i = 0; i < pr.nr; i++) {
		const struct row *r = &pr.rows[i];
		json_t *want = json_array_get(wants, i);
		if (whys[i]) {
			t_ok(1, "table: %s%s (%s) # skip %s", kind, r->path,
			     r->strategy, whys[i]);
			continue;
		}
		json_t *at = follow(got, r->path, t);
		json_t *seen = !strcmp(r->strategy, "replace") ?
				       json_incref(at) :
				       keys_of(at, r->key);
		int ok = got && merge_json_equal(seen, want);
		t_ok(ok, "table: %s%s (%s%s%s): kubectl agrees", kind, r->path,
		     r->strategy, r->key ? " by " : "", r->key ? r->key : "");
		if (!ok) {
			diag_json("kubectl", seen);
			diag_json("expected", want);
			if (!got)
				t_diag("kubectl: %s", msg.buf);
		}
		json_decref(seen);
	}
out:
	for (size_t i = 0; i < pr.nr; i++) {
		free(pr.rows[i].path);
		free(pr.rows[i].strategy);
		free(pr.rows[i].key);
	}
	free(pr.rows);
	free(whys);
	json_decref(got);
	json_decref(wants);
	json_decref(obj);
	json_decref(patch);
	strbuf_release(&msg);
	return 0;
}

static void run_case(const struct tcase *c, void *data)
{
	if (case_section(c, "patch"))
		strategic_case(c);
}

int main(void)
{
	mem_init();
	char *k = find_kubectl();
	if (!k) {
		t_ok(1, "kubectl cross-check # skip no kubectl in PATH");
		return t_done();
	}
	kubectl = k;
	if (!mkdtemp(tmpdir)) {
		t_ok(0, "mkdtemp %s", tmpdir);
		free(k);
		return t_done();
	}
	/* no cluster, no cache in the user's home */
	setenv("KUBECONFIG", "/dev/null", 1);
	setenv("HOME", tmpdir, 1);
	cases_run_dir("merge", run_case, NULL);
	merge_schema_foreach_kind(merge_schema_builtin(), probe_kind, NULL);
	char *rm[] = { "/bin/rm", "-rf", tmpdir, NULL };
	struct strbuf o = STRBUF_INIT, e = STRBUF_INIT;
	run(rm, &o, &e);
	strbuf_release(&o);
	strbuf_release(&e);
	free(k);
	return t_done();
}
