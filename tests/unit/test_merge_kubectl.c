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
 *   type + [last] + desired + live + expect-patch [+ result]
 *       kubectl apply of desired against a small fake API server (in this
 *       program, on 127.0.0.1) serving live, with last as its
 *       last-applied-configuration annotation: the PATCH kubectl sends,
 *       less that annotation, must be expect-patch; then kubectl patch
 *       --local of live with expect-patch must give result.
 *
 * Then every row of the built-in schema with a strategy is probed: an
 * object of the kind holding a one-item list (or map) at that path, a
 * patch adding another, and kubectl must merge them by the row's merge key
 * (or replace them) exactly as the row says.
 *
 * Objects lacking apiVersion, kind or metadata.name get them for kubectl
 * (which needs them) and lose them again before comparing. A "kubectl"
 * section "skip: REASON" skips a case that kubectl cannot check; one
 * saying "kustomize" checks the patch with `kubectl kustomize` instead
 * (how kustomize applies a strategic merge patch where it and the API
 * server differ: "$patch: merge").
 *
 * GANTRY_KUBECTL names the kubectl to use ("none" skips everything).
 */
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
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
	int api_version, kind, metadata, name, namespace;
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
	/* kubectl apply puts its default namespace in what it sends */
	if (!json_object_get(md, "namespace")) {
		json_object_set_new(md, "namespace", json_string("default"));
		a->namespace = 1;
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
	if (a->namespace && json_is_object(md))
		json_object_del(md, "namespace");
	if (a->metadata && json_is_object(md) && !json_object_size(md))
		json_object_del(o, "metadata");
}

static int skipped(const struct tcase *c)
{
	char *why = case_text(c, "kubectl");
	if (!why || !strcmp(why, "kustomize")) {
		free(why);
		return 0;
	}
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

/* kubectl kustomize of obj with patch as its strategic merge patch. */
static json_t *kubectl_kustomize(const json_t *obj, const json_t *patch,
				 struct strbuf *msg)
{
	char *dir = xasprintf("%s/kustomize", tmpdir);
	char *res = xasprintf("%s/resource.json", dir);
	char *pat = xasprintf("%s/patch.json", dir);
	char *kz = xasprintf("%s/kustomization.yaml", dir);
	struct strbuf out = STRBUF_INIT;
	json_t *result = NULL;
	FILE *f;

	mkdir(dir, 0700);
	write_json(res, obj);
	write_json(pat, patch);
	if ((f = fopen(kz, "w"))) {
		fputs("resources: [resource.json]\npatches:\n- path: patch.json\n", f);
		fclose(f);
	}
	char *argv[] = { (char *)kubectl, "kustomize", dir, NULL };
	if (run(argv, &out, msg) == 0) {
		struct gerr err = GERR_INIT;
		result = yaml_parse_value(out.buf, out.len, "kustomize", &err);
		if (!result)
			strbuf_addstr(msg, gerr_msg(&err));
		gerr_clear(&err);
	}
	strbuf_release(&out);
	free(dir);
	free(res);
	free(pat);
	free(kz);
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
	char *how = case_text(c, "kubectl");
	int kustomize = how && !strcmp(how, "kustomize");
	free(how);
	json_t *got;
	if (kustomize) {
		struct added ignore;
		json_t *full_patch = augment(patch, &ct, &ignore);
		got = kubectl_kustomize(full, full_patch, &msg);
		json_decref(full_patch);
	} else {
		got = kubectl_patch(full, ct.known ? "strategic" : "merge",
				    patch, &msg);
	}
	if (case_section(c, "error")) {
		t_ok(!got, "%s: kubectl refuses the patch too", c->name);
		if (got)
			diag_json("kubectl made", got);
		else
			t_diag("kubectl: %.*s", (int)strcspn(msg.buf, "\n"),
			       msg.buf);
	} else {
		json_t *want = case_value(c, "result");
		strip(got, &added);
		int ok = got && merge_json_equal(got, want);
		t_ok(ok, "%s: kubectl %s agrees", c->name,
		     kustomize ? "kustomize" : "patch --local");
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

/* --- kubectl apply against a fake API server ------------------------------ */

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* Just enough of an API server for `kubectl apply` of one object:
 * discovery of its group, GET of the object, and PATCH, which is recorded
 * and answered with the object unchanged. */
struct fake {
	struct MHD_Daemon *daemon;
	int port;
	pthread_mutex_t lock;
	json_t *live;
	char *group_version, *group, *version, *kind, *plural, *base, *path;
	struct strbuf patch;
	char *content_type;
	int patched;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code,
			     const json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result rc = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return rc;
}

static json_t *resource_list(const struct fake *f, const char *gv)
{
	json_t *resources = json_array();
	if (!strcmp(gv, f->group_version))
		json_array_append_new(resources, json_pack(
			"{s:s,s:s,s:b,s:s,s:[sssss]}", "name", f->plural,
			"singularName", f->kind, "namespaced", 1, "kind", f->kind,
			"verbs", "get", "list", "create", "update", "patch"));
	return json_pack("{s:s,s:s,s:o}", "kind", "APIResourceList",
			 "groupVersion", gv, "resources", resources);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct fake *f = cls;
	struct strbuf *body = *state;
	json_t *out;
	unsigned code = 200;

	if (!body) {
		*state = body = xcalloc(1, sizeof(*body));
		strbuf_init(body, 0);
		return MHD_YES;
	}
	if (*upload_size) {
		strbuf_add(body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/version")) {
		out = json_pack("{s:s,s:s,s:s}", "major", "1", "minor", "32",
				"gitVersion", "v1.32.0");
	} else if (!strcmp(url, "/api")) {
		out = json_pack("{s:s,s:[s],s:[{s:s,s:s}]}", "kind", "APIVersions",
				"versions", "v1", "serverAddressByClientCIDRs",
				"clientCIDR", "0.0.0.0/0", "serverAddress",
				"127.0.0.1");
	} else if (!strcmp(url, "/apis")) {
		json_t *groups = json_array();
		if (*f->group)
			json_array_append_new(groups, json_pack(
				"{s:s,s:[{s:s,s:s}],s:{s:s,s:s}}", "name", f->group,
				"versions", "groupVersion", f->group_version,
				"version", f->version, "preferredVersion",
				"groupVersion", f->group_version, "version",
				f->version));
		out = json_pack("{s:s,s:s,s:o}", "kind", "APIGroupList",
				"apiVersion", "v1", "groups", groups);
	} else if (!strcmp(url, "/api/v1")) {
		out = resource_list(f, "v1");
	} else if (!strcmp(url, f->base)) {
		out = resource_list(f, f->group_version);
	} else if (!strcmp(url, f->path) && !strcmp(method, "GET")) {
		out = json_incref(f->live);
	} else if (!strcmp(url, f->path) && !strcmp(method, "PATCH")) {
		const char *ct = MHD_lookup_connection_value(
			conn, MHD_HEADER_KIND, "Content-Type");
		pthread_mutex_lock(&f->lock);
		strbuf_reset(&f->patch);
		strbuf_add(&f->patch, body->buf, body->len);
		free(f->content_type);
		f->content_type = xstrdup(ct ? ct : "");
		f->patched = 1;
		pthread_mutex_unlock(&f->lock);
		out = json_incref(f->live);
	} else {
		code = 404;
		out = json_pack("{s:s,s:s,s:s,s:s,s:i}", "kind", "Status",
				"apiVersion", "v1", "status", "Failure",
				"reason", "NotFound", "code", 404);
	}
	enum MHD_Result rc = reply(conn, code, out);
	json_decref(out);
	return rc;
}

static void request_done(void *cls, struct MHD_Connection *conn,
			 void **state, enum MHD_RequestTerminationCode why)
{
	struct strbuf *body = *state;
	if (body) {
		strbuf_release(body);
		free(body);
		*state = NULL;
	}
}

static int fake_start(struct fake *f, const struct ctype *ct, json_t *live)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->live = json_incref(live);
	f->group_version = xstrdup(ct->api_version);
	f->kind = xstrdup(ct->kind);
	char *slash = strrchr(ct->api_version, '/');
	f->group = slash ? xstrndup(ct->api_version, (size_t)(slash - ct->api_version))
			 : xstrdup("");
	f->version = xstrdup(slash ? slash + 1 : ct->api_version);
	f->plural = xasprintf("%ss", ct->kind);
	for (char *p = f->plural; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	f->base = *f->group ? xasprintf("/apis/%s", ct->api_version)
			    : xstrdup("/api/v1");
	const char *name = json_string_value(json_object_get(
		json_object_get(live, "metadata"), "name"));
	f->path = xasprintf("%s/namespaces/default/%s/%s", f->base, f->plural,
			    name);
	strbuf_init(&f->patch, 0);
	f->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
		NULL, answer, f, MHD_OPTION_NOTIFY_COMPLETED, request_done, f,
		MHD_OPTION_SOCK_ADDR,
		&(struct sockaddr_in){ .sin_family = AF_INET,
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) },
		MHD_OPTION_END);
	if (!f->daemon)
		return -1;
	f->port = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
	return 0;
}

static void fake_stop(struct fake *f)
{
	if (f->daemon)
		MHD_stop_daemon(f->daemon);
	json_decref(f->live);
	free(f->group_version);
	free(f->group);
	free(f->version);
	free(f->kind);
	free(f->plural);
	free(f->base);
	free(f->path);
	free(f->content_type);
	strbuf_release(&f->patch);
	pthread_mutex_destroy(&f->lock);
}

/* The patch kubectl sent, without the annotation it always updates. */
static json_t *sent_patch(struct fake *f)
{
	json_t *p;
	pthread_mutex_lock(&f->lock);
	p = f->patched ? json_loads(f->patch.buf, 0, NULL) : json_object();
	pthread_mutex_unlock(&f->lock);
	json_t *md = json_object_get(p, "metadata");
	json_t *ann = json_object_get(md, "annotations");
	json_object_del(ann, LAST_APPLIED);
	if (ann && !json_object_size(ann))
		json_object_del(md, "annotations");
	if (md && !json_object_size(md))
		json_object_del(p, "metadata");
	return p;
}

static void three_way_case(const struct tcase *c)
{
	struct ctype ct;
	struct added added;
	struct strbuf out = STRBUF_INIT, msg = STRBUF_INIT;
	struct fake f;

	if (skipped(c))
		return;
	if (case_ctype(c, &ct) < 0) {
		t_ok(0, "%s: the case has no apiVersion and kind", c->name);
		return;
	}
	json_t *last = case_value(c, "last");
	json_t *desired = case_value(c, "desired");
	json_t *live = case_value(c, "live");
	json_t *want = case_value(c, "expect-patch");
	json_t *result = case_value(c, "result");
	json_t *full = augment(desired, &ct, &added);
	struct added ignore;
	json_t *full_live = augment(live, &ct, &ignore);
	if (last) {
		json_t *full_last = augment(last, &ct, &ignore);
		json_t *md = json_object_get(full_live, "metadata");
		json_t *ann = json_object_get(md, "annotations");
		if (!ann)
			json_object_set_new(md, "annotations", ann = json_object());
		char *text = compact(full_last);
		json_object_set_new(ann, LAST_APPLIED, json_string(text));
		free(text);
		json_decref(full_last);
	}
	char *file = xasprintf("%s/desired.json", tmpdir);
	char *cache = xasprintf("%s/cache", tmpdir);
	write_json(file, full);
	if (fake_start(&f, &ct, full_live) < 0) {
		t_ok(0, "%s: start the fake API server", c->name);
		goto out;
	}
	char *server = xasprintf("http://127.0.0.1:%d", f.port);
	char *argv[] = { (char *)kubectl, "apply", "-f", file, "--server",
			 server, "--validate=false", "--cache-dir", cache, NULL };
	int status = run(argv, &out, &msg);
	if (case_section(c, "error")) {
		t_ok(status != 0, "%s: kubectl apply fails too", c->name);
		t_diag("kubectl: %.*s", (int)strcspn(msg.buf, "\n"), msg.buf);
	} else if (status != 0) {
		t_ok(0, "%s: kubectl apply", c->name);
		t_diag("kubectl: %s", msg.buf);
	} else if (ct.known && f.patched &&
		   strcmp(f.content_type, "application/strategic-merge-patch+json")) {
		t_ok(1, "%s: kubectl apply # skip kubectl sends %s for a kind it has no Go type for",
		     c->name, f.content_type);
	} else {
		json_t *got = sent_patch(&f);
		int ok = got && merge_json_equal(got, want);
		t_ok(ok, "%s: kubectl apply sends the expected patch", c->name);
		if (!ok) {
			diag_json("kubectl", got);
			diag_json("expected", want);
		}
		json_decref(got);
	}
	free(server);
	fake_stop(&f);
	if (result && want) {
		json_t *applied = kubectl_patch(full_live,
						ct.known ? "strategic" : "merge",
						want, &msg);
		json_t *md = json_object_get(applied, "metadata");
		json_object_del(json_object_get(md, "annotations"), LAST_APPLIED);
		if (!json_object_size(json_object_get(md, "annotations")))
			json_object_del(md, "annotations");
		strip(applied, &added);
		int ok = applied && merge_json_equal(applied, result);
		t_ok(ok, "%s: kubectl patch --local of live with it gives the result",
		     c->name);
		if (!ok) {
			diag_json("kubectl", applied);
			diag_json("expected", result);
		}
		json_decref(applied);
	}
out:
	free(file);
	free(cache);
	json_decref(full);
	json_decref(full_live);
	json_decref(last);
	json_decref(desired);
	json_decref(live);
	json_decref(want);
	json_decref(result);
	strbuf_release(&out);
	strbuf_release(&msg);
}

static void run_case(const struct tcase *c, void *data)
{
	if (case_section(c, "patch"))
		strategic_case(c);
	else if (case_section(c, "desired"))
		three_way_case(c);
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
