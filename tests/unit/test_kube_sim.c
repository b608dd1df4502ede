/*
 * pkg/kube end to end against kubesim, in process (pkg/sim serving on
 * 127.0.0.1 from its own threads): the kubeconfig kubesim writes, TLS with
 * its CA, bearer tokens (and a rejected and a read-only one), an exec
 * plugin, the Status errors of a real-shaped server, discovery and its
 * refresh after a CRD is Established (found by a watch), watches of
 * changes, and convergence of concurrent creates under injected faults.
 */
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"
#include "pkg/kube/kube.h"
#include "pkg/sim/sim.h"
#include "tests/unit/harness.h"

static char tmp[64];

static struct sim *start_sim(int tls, const char *faults)
{
	struct sim_config cfg;
	struct gerr err = GERR_INIT;
	struct sim *s;
	char *kc = xasprintf("%s/kubeconfig", tmp);

	sim_config_init(&cfg);
	cfg.tls = tls;
	cfg.token = "admin-tok";
	cfg.readonly_token = "ro-tok";
	cfg.quiet = 1;
	cfg.tick_ms = 20;
	cfg.crd_delay_ms = 200;
	cfg.faults = faults;
	s = sim_new(&cfg, &err);
	if (!s || sim_serve(s, &err) < 0 || sim_write_kubeconfig(s, kc, &err) < 0) {
		t_diag("kubesim: %s", gerr_msg(&err));
		sim_free(s);
		s = NULL;
	}
	free(kc);
	gerr_clear(&err);
	return s;
}

static struct kube_client *sim_client(int retries)
{
	struct gerr err = GERR_INIT;
	char *kc = xasprintf("%s/kubeconfig", tmp);
	char *cache = xasprintf("%s/cache", tmp);
	struct kube_config *cfg = kube_config_load(
		&(struct kube_config_opts){ .kubeconfig = kc }, &err);
	struct kube_client_opts o;
	struct kube_client *c = NULL;

	kube_client_opts_init(&o);
	o.retries = retries;
	o.backoff_base_ms = 10;
	o.backoff_max_ms = 200;
	o.cache_dir = cache;
	if (cfg)
		c = kube_client_new(cfg, &o, &err);
	if (!c)
		t_diag("client: %s", gerr_msg(&err));
	free(kc);
	free(cache);
	gerr_clear(&err);
	return c;
}

static int matches(const char *s, const char *re)
{
	regex_t r;
	int ok;
	if (regcomp(&r, re, REG_EXTENDED))
		return 0;
	ok = !regexec(&r, s, 0, NULL, 0);
	regfree(&r);
	return ok;
}

static json_t *J(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);
	if (!j)
		t_diag("bad test JSON: %s", s);
	return j;
}

static int request(struct kube_client *c, const char *method,
		   const char *path, const char *body, json_t **out,
		   struct gerr *err)
{
	json_t *b = body ? J(body) : NULL;
	int st = kube_request_sync(c, method, path, NULL, b, out, err);
	json_decref(b);
	return st;
}

static void test_auth_and_errors(void)
{
	struct sim *s = start_sim(1, NULL);
	struct kube_client *c;
	struct gerr err = GERR_INIT;
	json_t *out = NULL;
	const char *cms = "/api/v1/namespaces/default/configmaps";
	char *script;

	if (!s)
		return;
	c = sim_client(0);
	t_str(kube_config_context(kube_client_config(c)), "kubesim",
	      "kubesim's kubeconfig: its context");
	t_ok(!strncmp(kube_config_server(kube_client_config(c)), "https://", 8),
	     "kubesim's kubeconfig: an https server");
	t_int(request(c, "POST", cms, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		      "\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":\"1\"}}", &out,
		      &err), 201, "TLS with the kubeconfig's CA, token: a create (%s)",
	      gerr_msg(&err));
	t_ok(json_string_value(json_object_get(json_object_get(out, "metadata"),
					       "uid")) != NULL,
	     "the create returns the stored object");
	json_decref(out);
	gerr_clear(&err);

	t_int(request(c, "GET", "/api/v1/namespaces/default/configmaps/nope", NULL,
		      NULL, &err), -1, "404: fails");
	t_str(gerr_msg(&err), "GET /api/v1/namespaces/default/configmaps/nope: 404 "
	      "Not Found: configmaps \"nope\" not found", "404: in words");
	t_int(err.code, GERR_NOT_FOUND, "404: GERR_NOT_FOUND");
	gerr_clear(&err);

	t_int(request(c, "POST", cms, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		      "\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":\"2\"}}", NULL,
		      &err), -1, "409 AlreadyExists with other content: fails");
	t_str(gerr_msg(&err), "POST /api/v1/namespaces/default/configmaps: 409 "
	      "Conflict: configmaps \"x\" already exists",
	      "409 AlreadyExists: in words");
	t_int(err.code, GERR_CONFLICT, "409: GERR_CONFLICT");
	gerr_clear(&err);
	t_int(request(c, "POST", cms, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		      "\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":\"1\"}}", NULL,
		      &err), 201, "409 AlreadyExists with the content sent: "
	      "the create had happened");
	gerr_clear(&err);

	t_int(request(c, "PUT", "/api/v1/namespaces/default/configmaps/x",
		      "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		      "{\"name\":\"x\",\"resourceVersion\":\"1\"},\"data\":{}}", NULL,
		      &err), -1, "409 on a stale resourceVersion");
	t_str(gerr_msg(&err), "PUT /api/v1/namespaces/default/configmaps/x: 409 "
	      "Conflict: Operation cannot be fulfilled on configmaps \"x\": the "
	      "object has been modified; please apply your changes to the latest "
	      "version and try again", "409 Conflict: in words");
	gerr_clear(&err);

	t_int(request(c, "POST", cms, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		      "\"metadata\":{\"name\":\"Bad_Name\"}}", NULL, &err), -1,
	      "422: fails");
	t_ok(!strncmp(gerr_msg(&err), "POST /api/v1/namespaces/default/configmaps: "
		      "422 Unprocessable Entity: ConfigMap \"Bad_Name\" is invalid: "
		      "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC "
		      "1123 subdomain must consist of", 140),
	     "422: the cause's field and message: %s", gerr_msg(&err));
	t_int(err.code, GERR_INVALID, "422: GERR_INVALID");
	gerr_clear(&err);

	/* the read-only token may read, not write */
	kube_free_secret(c->cfg->token);
	c->cfg->token = xstrdup("ro-tok");
	t_int(request(c, "GET", cms, NULL, NULL, &err), 200, "read-only token: reads");
	t_int(request(c, "POST", cms, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		      "\"metadata\":{\"name\":\"y\"}}", NULL, &err), -1,
	      "read-only token: a write fails");
	t_str(gerr_msg(&err), "POST /api/v1/namespaces/default/configmaps: 403 "
	      "Forbidden: user \"kubesim\" in context \"kubesim\" may not create "
	      "configmaps in namespace \"default\": configmaps is forbidden: User "
	      "\"kubesim-readonly\" cannot create resource \"configmaps\" in API "
	      "group \"\" in the namespace \"default\"",
	      "403: which verb on which resource, and the server's words");
	t_int(err.code, GERR_FORBIDDEN, "403: GERR_FORBIDDEN");
	gerr_clear(&err);

	kube_free_secret(c->cfg->token);
	c->cfg->token = xstrdup("wrong-tok");
	t_int(request(c, "GET", cms, NULL, NULL, &err), -1, "a wrong token fails");
	t_str(gerr_msg(&err), "GET /api/v1/namespaces/default/configmaps: 401 "
	      "Unauthorized: the server rejected the credentials of user \"kubesim\" "
	      "in context \"kubesim\" (authentication: token)", "401: in words");
	t_ok(!strstr(gerr_msg(&err), "wrong-tok"), "401: the token is not shown");
	gerr_clear(&err);

	/* an exec plugin handing out the token */
	kube_free_secret(c->cfg->token);
	c->cfg->token = NULL;
	script = xasprintf("%s/plugin.sh", tmp);
	{
		FILE *f = fopen(script, "w");
		fputs("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/"
		      "v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":"
		      "\"admin-tok\"}}'\n", f);
		fclose(f);
		chmod(script, 0755);
	}
	c->cfg->exec = xcalloc(1, sizeof(*c->cfg->exec));
	c->cfg->exec->command = script;
	c->cfg->exec->api_version = xstrdup("client.authentication.k8s.io/v1beta1");
	c->cfg->exec->interactive_mode = xstrdup("Never");
	t_int(request(c, "GET", cms, NULL, NULL, &err), 200,
	      "an exec plugin's token (%s)", gerr_msg(&err));
	gerr_clear(&err);
	kube_client_free(c);

	/* a CA that is not kubesim's */
	c = sim_client(0);
	strbuf_reset(&c->cfg->ca);
	free(c->cfg->ca_source);
	c->cfg->ca_source = NULL;
	t_int(request(c, "GET", cms, NULL, NULL, &err), -1, "TLS: without the CA");
	t_ok(matches(gerr_msg(&err), "^TLS failure talking to https://127.0.0.1:[0-9]+ "
		     "\\(GET /api/v1/namespaces/default/configmaps\\): the server's "
		     "certificate is not trusted: unable to get local issuer "
		     "certificate; the CA used was the system's trust store"),
	     "TLS: the certificate problem: %s", gerr_msg(&err));
	gerr_clear(&err);
	kube_client_free(c);
	sim_free(s);
}

/* ---- discovery, CRDs, watches ---- */

struct crd_wait {
	int established;
};

static void on_crd(struct kube_client *c, struct kube_watch *w,
		   enum kube_event type, const json_t *obj,
		   const struct gerr *err, void *data)
{
	struct crd_wait *cw = data;
	json_t *conds = json_object_get(json_object_get(obj, "status"), "conditions");
	json_t *cond;
	size_t i;

	if (type == KUBE_ERROR) {
		t_diag("CRD watch: %s", gerr_msg(err));
		cw->established = -1;
		return;
	}
	json_array_foreach(conds, i, cond)
		if (!strcmp(json_string_value(json_object_get(cond, "type")) ?
			    json_string_value(json_object_get(cond, "type")) : "",
			    "Established") &&
		    !strcmp(json_string_value(json_object_get(cond, "status")) ?
			    json_string_value(json_object_get(cond, "status")) : "",
			    "True")) {
			cw->established = 1;
			kube_watch_stop(c, w);
		}
}

static const char *crd =
	"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":"
	"\"CustomResourceDefinition\",\"metadata\":{\"name\":"
	"\"volleyapplications.volley.io\"},\"spec\":{\"group\":\"volley.io\","
	"\"scope\":\"Namespaced\",\"names\":{\"plural\":\"volleyapplications\","
	"\"singular\":\"volleyapplication\",\"kind\":\"VolleyApplication\"},"
	"\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,"
	"\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
	"\"x-kubernetes-preserve-unknown-fields\":true}}}]}}";

static void on_cm(struct kube_client *c, struct kube_watch *w,
		  enum kube_event type, const json_t *obj,
		  const struct gerr *err, void *data)
{
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED",
					     "BOOKMARK", "ERROR" };
	struct strbuf *log = data;
	const char *name = json_string_value(json_object_get(
		json_object_get(obj, "metadata"), "name"));
	/* the root CA publisher's ConfigMap comes with every namespace, as
	 * in a real cluster, whenever kubesim's controller gets to it */
	if (type == KUBE_BOOKMARK || (name && !strcmp(name, "kube-root-ca.crt")))
		return;
	strbuf_addf(log, "%s %s\n", names[type],
		    type == KUBE_ERROR ? gerr_msg(err) : name);
}

static void test_discovery_crd_watch(void)
{
	struct sim *s = start_sim(1, NULL);
	struct kube_client *c;
	struct gerr err = GERR_INIT;
	const struct kube_resource *r;
	struct crd_wait cw = { 0 };
	struct strbuf log = STRBUF_INIT;
	struct kube_watch *w;
	json_t *cr;
	char *path;
	double deadline;

	if (!s)
		return;
	c = sim_client(0);
	r = kube_resource_for(c, "apps/v1", "Deployment", &err);
	t_ok(r && !strcmp(r->name, "deployments") && r->namespaced &&
	     r->has_status && r->preferred,
	     "kubesim discovery: Deployment is apps/v1 deployments, namespaced, "
	     "with status (%s)", gerr_msg(&err));
	r = kube_resource_for_kind(c, "rbac.authorization.k8s.io", "ClusterRole",
				   &err);
	t_ok(r && !r->namespaced, "kubesim discovery: ClusterRole is cluster-scoped");
	r = kube_resource_for(c, "volley.io/v1", "VolleyApplication", &err);
	t_int(err.code, GERR_NOT_FOUND, "before its CRD: a custom kind is unknown");
	gerr_clear(&err);

	t_int(request(c, "POST", "/apis/apiextensions.k8s.io/v1/"
		      "customresourcedefinitions", crd, NULL, &err), 201,
	      "a CRD is created (%s)", gerr_msg(&err));
	gerr_clear(&err);
	kube_watch_start(c, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
			 "?fieldSelector=metadata.name%3Dvolleyapplications.volley.io",
			 NULL, on_crd, &cw);
	deadline = kube_now_ms() + 10000;
	while (!cw.established && kube_now_ms() < deadline)
		kube_poll(c, 100);
	t_int(cw.established, 1, "a watch sees the CRD become Established");
	t_int(kube_discovery_refresh(c, &err), 0, "discovery refreshed (%s)",
	      gerr_msg(&err));
	r = kube_resource_for(c, "volley.io/v1", "VolleyApplication", &err);
	t_str(r ? r->name : gerr_msg(&err), "volleyapplications",
	      "after the refresh the custom kind is known");
	cr = J("{\"apiVersion\":\"volley.io/v1\",\"kind\":\"VolleyApplication\","
	       "\"metadata\":{\"name\":\"v\"},\"spec\":{\"size\":1}}");
	path = kube_object_path(c, cr, "default", 0, &err);
	t_str(path, "/apis/volley.io/v1/namespaces/default/volleyapplications",
	      "the custom resource's collection");
	t_int(kube_request_sync(c, "POST", path, NULL, cr, NULL, &err), 201,
	      "the custom resource is created (%s)", gerr_msg(&err));
	free(path);
	json_decref(cr);
	gerr_clear(&err);

	/* watching changes while requests run on the same loop */
	request(c, "POST", "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":"
		"\"Namespace\",\"metadata\":{\"name\":\"w\"}}", NULL, &err);
	w = kube_watch_start(c, "/api/v1/namespaces/w/configmaps", NULL, on_cm, &log);
	request(c, "POST", "/api/v1/namespaces/w/configmaps", "{\"apiVersion\":"
		"\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}", NULL,
		&err);
	gerr_clear(&err);
	{
		json_t *p = J("{\"data\":{\"k\":\"v\"}}");
		kube_request_sync(c, "PATCH", "/api/v1/namespaces/w/configmaps/a",
				  "application/merge-patch+json", p, NULL, &err);
		json_decref(p);
	}
	request(c, "DELETE", "/api/v1/namespaces/w/configmaps/a", NULL, NULL, &err);
	deadline = kube_now_ms() + 5000;
	while (!strstr(log.buf, "DELETED") && kube_now_ms() < deadline)
		kube_poll(c, 100);
	t_str(log.buf, "ADDED a\nMODIFIED a\nDELETED a\n",
	      "a watch sees the create, the patch and the delete, in order");
	kube_watch_stop(c, w);
	t_int(kube_poll(c, 0), 0, "nothing left open");
	strbuf_release(&log);
	gerr_clear(&err);
	kube_client_free(c);
	sim_free(s);
}

/* ---- faults ---- */

struct tally {
	int ok, failed, verified;
};

static void count(struct kube_client *c, const struct kube_response *r,
		  void *data)
{
	struct tally *t = data;
	if (gerr_failed(&r->err)) {
		t->failed++;
		t_diag("%s %s: %s", r->method, r->path, gerr_msg(&r->err));
	} else {
		t->ok++;
		t->verified += r->verified;
	}
}

static void test_faults(void)
{
	struct sim *s = start_sim(0, NULL);
	struct kube_client *c;
	struct gerr err = GERR_INIT;
	struct tally t = { 0, 0, 0 };
	json_t *list = NULL;
	int right = 0;

	if (!s)
		return;
	c = sim_client(12);
	request(c, "POST", "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":"
		"\"Namespace\",\"metadata\":{\"name\":\"f\"}}", NULL, &err);
	gerr_clear(&err);
	if (sim_set_faults(s, "rate=0.3,codes=500,503,429,drop=0.1,seed=7", &err) < 0)
		t_diag("faults: %s", gerr_msg(&err));
	for (int i = 0; i < 60; i++) {
		char *body = xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
				       "\"metadata\":{\"name\":\"cm-%d\"},\"data\":"
				       "{\"i\":\"%d\"}}", i, i);
		json_t *b = J(body);
		kube_submit(c, &(struct kube_request){
			.method = "POST", .path = "/api/v1/namespaces/f/configmaps",
			.body = b, .done = count, .data = &t });
		json_decref(b);
		free(body);
	}
	kube_run(c);
	t_int(t.ok, 60, "faults (30%% errors, 10%% dropped connections): every "
	      "create succeeds");
	t_int(t.failed, 0, "faults: none fails");
	t_diag("%d of them were confirmed by reading back a lost create", t.verified);
	sim_set_faults(s, "", &err);
	t_int(kube_get(c, "/api/v1/namespaces/f/configmaps", &list, &err), 200,
	      "the list after the faults");
	/* and the namespace's kube-root-ca.crt, as in a real cluster */
	t_int((long long)json_array_size(json_object_get(list, "items")), 61,
	      "faults: exactly 60 ConfigMaps were created");
	for (size_t i = 0; i < json_array_size(json_object_get(list, "items")); i++) {
		json_t *it = json_array_get(json_object_get(list, "items"), i);
		const char *name = json_string_value(json_object_get(
			json_object_get(it, "metadata"), "name"));
		const char *v = json_string_value(json_object_get(
			json_object_get(it, "data"), "i"));
		right += name && v && !strncmp(name, "cm-", 3) &&
			 !strcmp(name + 3, v);
	}
	t_int(right, 60, "faults: each with its own content");
	json_decref(list);
	gerr_clear(&err);
	kube_client_free(c);
	sim_free(s);
}

int main(void)
{
	char *cmd;

	mem_init();
	signal(SIGPIPE, SIG_IGN);
	strcpy(tmp, "/tmp/gantry-kube-sim-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	test_auth_and_errors();
	test_discovery_crd_watch();
	test_faults();
	cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		t_diag("could not remove %s", tmp);
	free(cmd);
	return t_done();
}
