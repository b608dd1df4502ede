/*
 * pkg/kube against a scripted HTTP server (tests/unit/testhttpd.h): what
 * goes on the wire (credentials, headers), retries and their limits,
 * creates of unknown outcome, concurrency, timeouts, renewal of
 * credentials on 401, watch streams, discovery and its cache, and TLS
 * (CA trust, host names, tls-server-name, client certificates).
 */
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"
#include "pkg/kube/kube.h"
#include "tests/unit/harness.h"
#include "tests/unit/testhttpd.h"

static char tmp[64];
static struct tt_pki pki;

/* ---- helpers ---- */

static struct kube_config *config_for(struct th_server *s, int tls)
{
	struct kube_config *cfg = kube_config_new_();
	cfg->server = xasprintf("%s://127.0.0.1:%d", tls ? "https" : "http",
				th_port(s));
	cfg->context = xstrdup("ctx");
	cfg->cluster = xstrdup("c");
	cfg->user = xstrdup("me");
	cfg->ns = xstrdup("default");
	cfg->origin = xstrdup("test");
	return cfg;
}

static struct strbuf logbuf = STRBUF_INIT;

static void log_line(int level, const char *line, void *data)
{
	strbuf_addf(&logbuf, "%d %s\n", level, line);
}

static struct kube_client *client(struct kube_config *cfg, int retries,
				  int verbosity)
{
	struct kube_client_opts o;
	struct gerr err = GERR_INIT;
	struct kube_client *c;
	char *dir = xasprintf("%s/cache", tmp);

	kube_client_opts_init(&o);
	o.retries = retries;
	o.backoff_base_ms = 10;
	o.backoff_max_ms = 40;
	o.verbosity = verbosity;
	o.log = log_line;
	o.cache_dir = dir;
	c = kube_client_new(cfg, &o, &err);
	if (!c)
		t_diag("client: %s", gerr_msg(&err));
	free(dir);
	gerr_clear(&err);
	return c;
}

static int matches(const char *s, const char *re)
{
	regex_t r;
	int ok;
	if (regcomp(&r, re, REG_EXTENDED | REG_NEWLINE))
		return 0;
	ok = !regexec(&r, s, 0, NULL, 0);
	regfree(&r);
	return ok;
}

struct result {
	int done;
	long status;
	int attempts, verified;
	enum gerr_code code;
	char *msg;
	json_t *body;
};

static void on_done(struct kube_client *c, const struct kube_response *r,
		    void *data)
{
	struct result *res = data;
	res->done = 1;
	res->status = r->status;
	res->attempts = r->attempts;
	res->verified = r->verified;
	res->code = r->err.code;
	res->msg = xstrdup(gerr_msg(&r->err) ? gerr_msg(&r->err) : "");
	res->body = json_incref(r->body);
}

static void result_clear(struct result *r)
{
	free(r->msg);
	json_decref(r->body);
	memset(r, 0, sizeof(*r));
}

static void submit(struct kube_client *c, const char *method,
		   const char *path, const char *ctype, const char *body,
		   struct result *res)
{
	json_t *b = body ? json_loads(body, 0, NULL) : NULL;
	memset(res, 0, sizeof(*res));
	kube_submit(c, &(struct kube_request){ .method = method, .path = path,
					       .content_type = ctype, .body = b,
					       .done = on_done, .data = res });
	json_decref(b);
}

static void one(struct kube_client *c, const char *method, const char *path,
		const char *ctype, const char *body, struct result *res)
{
	submit(c, method, path, ctype, body, res);
	kube_run(c);
}

/* ---- credentials on the wire, and logs ---- */

struct seen {
	char auth[1024];
	char path[2048];
	char ctype[256];
	char cn[256];
	int n;
};

static void record(const struct th_req *rq, struct th_resp *rs, void *data)
{
	struct seen *s = data;
	snprintf(s->auth, sizeof(s->auth), "%s", rq->auth);
	snprintf(s->path, sizeof(s->path), "%s", rq->path);
	snprintf(s->ctype, sizeof(s->ctype), "%s", rq->ctype);
	snprintf(s->cn, sizeof(s->cn), "%s", rq->client_cn);
	s->n++;
	strbuf_addstr(&rs->body, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"]}");
}

static void test_credentials(void)
{
	struct seen seen = { 0 };
	struct th_server *s = th_start(NULL, record, &seen);
	struct kube_config *cfg;
	struct kube_client *c;
	struct result r;
	char *re;

	cfg = config_for(s, 0);
	cfg->token = xstrdup("s3cr3t-token");
	c = client(cfg, 0, 7);
	strbuf_reset(&logbuf);
	one(c, "GET", "/api", NULL, NULL, &r);
	t_int(r.status, 200, "token: the request succeeds");
	t_str(seen.auth, "Bearer s3cr3t-token", "token: sent as a bearer token");
	re = xasprintf("^6 GET http://127\\.0\\.0\\.1:%d/api 200 OK in [0-9]+ "
		       "milliseconds$", th_port(s));
	t_ok(matches(logbuf.buf, re), "-v 6: method, URL, status and duration");
	free(re);
	t_ok(matches(logbuf.buf, "^7     Authorization: <masked>$"),
	     "-v 7: the Authorization header is masked");
	t_ok(matches(logbuf.buf, "^7     Accept: application/json$"),
	     "-v 7: other headers are shown");
	t_ok(!strstr(logbuf.buf, "s3cr3t"), "-v 7: the token is never logged");
	result_clear(&r);
	kube_client_free(c);

	cfg = config_for(s, 0);
	cfg->basic = 1;
	cfg->username = xstrdup("bob");
	cfg->password = xstrdup("hunter2");
	c = client(cfg, 0, 9);
	strbuf_reset(&logbuf);
	one(c, "GET", "/api", NULL, NULL, &r);
	/* base64("bob:hunter2") */
	t_str(seen.auth, "Basic Ym9iOmh1bnRlcjI=", "basic: user and password sent");
	t_ok(!strstr(logbuf.buf, "hunter2") && !strstr(logbuf.buf, "Ym9iOmh1bnRlcjI"),
	     "basic: the password is never logged");
	t_ok(matches(logbuf.buf, "^7     Authorization: <masked>$"),
	     "basic: -v 7 says an Authorization header is sent, masked");
	result_clear(&r);
	kube_client_free(c);

	cfg = config_for(s, 0);
	c = client(cfg, 0, 0);
	strbuf_reset(&logbuf);
	one(c, "POST", "/api/v1/namespaces/a/configmaps", NULL,
	    "{\"metadata\":{\"name\":\"x\"}}", &r);
	t_str(seen.auth, "", "anonymous: no Authorization header");
	t_str(seen.ctype, "application/json", "a body is sent as JSON");
	t_str(logbuf.buf, "", "verbosity 0 logs nothing");
	result_clear(&r);
	one(c, "PATCH", "/api/v1/namespaces/a/configmaps/x",
	    "application/merge-patch+json", "{\"data\":{\"a\":\"b\"}}", &r);
	t_str(seen.ctype, "application/merge-patch+json",
	      "a patch is sent with its content type");
	result_clear(&r);
	kube_client_free(c);

	/* proxy-url: the request goes to the proxy, naming the server */
	cfg = config_for(s, 0);
	free(cfg->server);
	cfg->server = xstrdup("http://kube.invalid:6443");
	cfg->proxy_url = xasprintf("http://127.0.0.1:%d", th_port(s));
	c = client(cfg, 0, 0);
	one(c, "GET", "/api", NULL, NULL, &r);
	t_int(r.status, 200, "proxy-url: the request succeeds through the proxy");
	t_str(seen.path, "http://kube.invalid:6443/api",
	      "proxy-url: the proxy is asked for the server's URL");
	result_clear(&r);
	kube_client_free(c);
	th_stop(s);
}

/* ---- retries ---- */

struct script {
	int posts, gets, patches;
	int by_path[16];
};

static int count_path(struct script *sc, const char *path)
{
	static const char *const paths[] = { "/flaky", "/always503", "/busy",
					     "/invalid", NULL };
	for (int i = 0; paths[i]; i++)
		if (!strcmp(path, paths[i]))
			return ++sc->by_path[i];
	return 0;
}

static void cm_body(struct th_resp *rs, const char *name, const char *label)
{
	strbuf_addf(&rs->body, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"a\",\"uid\":"
		    "\"u1\",\"labels\":{\"app\":\"%s\"}},\"data\":{\"k\":\"v\"}}",
		    name, label);
}

static void status_body(struct th_resp *rs, int code, const char *reason,
			const char *msg)
{
	rs->status = code;
	strbuf_addf(&rs->body, "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
		    "\"status\":\"Failure\",\"message\":\"%s\",\"reason\":\"%s\","
		    "\"code\":%d}", msg, reason, code);
}

static void retry_script(const struct th_req *rq, struct th_resp *rs,
			 void *data)
{
	struct script *sc = data;
	const char *cms = "/api/v1/namespaces/a/configmaps";
	int n = count_path(sc, rq->path);

	if (!strcmp(rq->path, "/flaky")) {
		if (n < 3)
			status_body(rs, 503, "ServiceUnavailable", "try later");
		else
			strbuf_addstr(&rs->body, "{\"ok\":true}");
	} else if (!strcmp(rq->path, "/always503")) {
		status_body(rs, 503, "ServiceUnavailable", "try later");
	} else if (!strcmp(rq->path, "/busy")) {
		if (n == 1) {
			status_body(rs, 429, "TooManyRequests", "slow down");
			snprintf(rs->headers, sizeof(rs->headers),
				 "Retry-After: 1\r\n");
		} else {
			strbuf_addstr(&rs->body, "{\"ok\":true}");
		}
	} else if (!strcmp(rq->path, "/invalid")) {
		status_body(rs, 422, "Invalid", "bad");
	} else if (!strcmp(rq->method, "POST") && !strcmp(rq->path, cms)) {
		sc->posts++;
		if (strstr(rq->body.buf, "\"lost\"") && sc->posts == 1)
			rs->status = 0;		/* created, reply lost */
		else if (strstr(rq->body.buf, "\"retried\"") && sc->posts == 1)
			status_body(rs, 503, "ServiceUnavailable", "not now");
		else if (strstr(rq->body.buf, "\"taken\""))
			rs->status = 0;
		else if (strstr(rq->body.buf, "generateName"))
			rs->status = 0;
		else if (strstr(rq->body.buf, "\"mine\"") ||
			 strstr(rq->body.buf, "\"theirs\"")) {
			status_body(rs, 409, "AlreadyExists", "");
			strbuf_reset(&rs->body);
			strbuf_addf(&rs->body, "{\"kind\":\"Status\",\"message\":"
				    "\"configmaps \\\"%s\\\" already exists\",\"reason\":"
				    "\"AlreadyExists\",\"code\":409}",
				    strstr(rq->body.buf, "mine") ? "mine" : "theirs");
		}
		else {
			rs->status = 201;
			strbuf_add(&rs->body, rq->body.buf, rq->body.len);
		}
	} else if (!strcmp(rq->method, "GET") && !strncmp(rq->path, cms, strlen(cms))) {
		const char *name = rq->path + strlen(cms) + 1;
		sc->gets++;
		if (!strcmp(name, "lost") || !strcmp(name, "mine"))
			cm_body(rs, name, "web");
		else if (!strcmp(name, "theirs"))
			cm_body(rs, name, "other");
		else if (!strcmp(name, "taken"))
			cm_body(rs, "taken", "someone-else");
		else
			status_body(rs, 404, "NotFound", "not found");
	} else if (!strcmp(rq->method, "PATCH")) {
		sc->patches++;
		status_body(rs, 503, "ServiceUnavailable", "not now");
	} else {
		status_body(rs, 404, "NotFound", "no such path");
	}
}

static void test_retries(void)
{
	struct script sc;
	struct th_server *s;
	struct kube_client *c;
	struct result r;
	double t0;

	memset(&sc, 0, sizeof(sc));
	s = th_start(NULL, retry_script, &sc);
	c = client(config_for(s, 0), 3, 4);
	strbuf_reset(&logbuf);

	one(c, "GET", "/flaky", NULL, NULL, &r);
	t_int(r.status, 200, "503, 503, then 200: success");
	t_int(r.attempts, 3, "503, 503, then 200: three attempts");
	t_ok(matches(logbuf.buf, "^4 retrying GET /flaky in [0-9]+ ms \\(attempt 2 "
		     "of 4\\): GET /flaky: 503 Service Unavailable: try later$"),
	     "a retry is logged at -v 4 with its reason");
	result_clear(&r);

	one(c, "GET", "/always503", NULL, NULL, &r);
	t_int(r.attempts, 4, "always 503: the first attempt and 3 retries");
	t_str(r.msg, "after 4 attempts: GET /always503: 503 Service Unavailable: "
	      "try later", "always 503: the error says how often it tried");
	t_int(r.code, GERR_FAIL, "always 503: code");
	result_clear(&r);

	t0 = kube_now_ms();
	one(c, "GET", "/busy", NULL, NULL, &r);
	t_int(r.status, 200, "429 then 200: success");
	t_ok(kube_now_ms() - t0 >= 1000, "429: Retry-After: 1 is honoured "
	     "(the backoff alone would be under 40 ms)");
	result_clear(&r);

	one(c, "POST", "/invalid", NULL, "{}", &r);
	t_int(r.attempts, 1, "422 is not retried");
	t_int(r.code, GERR_INVALID, "422: code");
	result_clear(&r);

	/* a connection of its own: libcurl itself repeats a request whose
	 * reused connection died before a reply (see the AlreadyExists case
	 * below for how that is caught) */
	kube_client_free(c);
	c = client(config_for(s, 0), 3, 4);
	one(c, "POST", "/api/v1/namespaces/a/configmaps", NULL,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
	    "\"lost\",\"namespace\":\"a\",\"labels\":{\"app\":\"web\"}},"
	    "\"data\":{\"k\":\"v\"}}", &r);
	t_int(sc.posts, 1, "lost reply: the create is not sent twice");
	t_int(sc.gets, 1, "lost reply: the object is read back");
	t_int(r.status, 201, "lost reply: the create counts as done");
	t_int(r.verified, 1, "lost reply: resp->verified says how it is known");
	t_str(json_string_value(json_object_get(json_object_get(r.body, "metadata"),
						"uid")), "u1",
	      "lost reply: the body is the live object");
	result_clear(&r);

	sc.posts = sc.gets = 0;
	one(c, "POST", "/api/v1/namespaces/a/configmaps", NULL,
	    "{\"metadata\":{\"name\":\"retried\"}}", &r);
	t_int(sc.gets, 1, "503 on a create: the object is looked up first");
	t_int(sc.posts, 2, "503 on a create: not found, so it is sent again");
	t_int(r.status, 201, "503 on a create: then created");
	t_int(r.verified, 0, "503 on a create: created by the second POST");
	result_clear(&r);

	sc.posts = sc.gets = 0;
	kube_client_free(c);
	c = client(config_for(s, 0), 3, 4);
	one(c, "POST", "/api/v1/namespaces/a/configmaps", NULL,
	    "{\"metadata\":{\"name\":\"taken\",\"labels\":{\"app\":\"web\"}}}", &r);
	t_int(sc.posts, 1, "someone else's object: the create is not repeated");
	t_int(r.code, GERR_CONFLICT, "someone else's object: a conflict");
	t_ok(matches(r.msg, "^POST /api/v1/namespaces/a/configmaps: the connection "
		     "failed after the create was sent \\(the connection to the "
		     "Kubernetes API server at http://127.0.0.1:[0-9]+ failed "
		     "\\(POST /api/v1/namespaces/a/configmaps\\): .*\\), and "
		     "/api/v1/namespaces/a/configmaps/taken now exists with other "
		     "content: another client created it$"),
	     "someone else's object: the message: %s", r.msg);
	result_clear(&r);

	sc.posts = sc.gets = 0;
	one(c, "POST", "/api/v1/namespaces/a/configmaps", NULL,
	    "{\"metadata\":{\"generateName\":\"x-\"}}", &r);
	t_int(sc.posts, 1, "generateName: a lost create is never repeated");
	t_int(sc.gets, 0, "generateName: nothing to look up");
	/* (it went on a fresh connection, so libcurl did not repeat it) */
	t_ok(matches(r.msg, "^the outcome of the create is unknown \\(the object "
		     "has no metadata.name to look it up by, so it was not sent "
		     "again\\): the connection to the Kubernetes API server"),
	     "generateName: the message says the outcome is unknown");
	result_clear(&r);

	/* 409 AlreadyExists: ours if it has the content sent */
	sc.posts = sc.gets = 0;
	one(c, "POST", "/api/v1/namespaces/a/configmaps", NULL,
	    "{\"metadata\":{\"name\":\"mine\",\"labels\":{\"app\":\"web\"}}}",
	    &r);
	t_int(r.status, 201, "AlreadyExists with our content: a create done");
	t_int(r.verified, 1, "AlreadyExists with our content: verified");
	t_int(sc.gets, 1, "AlreadyExists: read once");
	result_clear(&r);
	one(c, "POST", "/api/v1/namespaces/a/configmaps", NULL,
	    "{\"metadata\":{\"name\":\"theirs\",\"labels\":{\"app\":\"web\"}}}",
	    &r);
	t_int(r.code, GERR_CONFLICT, "AlreadyExists with other content: a conflict");
	t_str(r.msg, "POST /api/v1/namespaces/a/configmaps: 409 Conflict: "
	      "configmaps \"theirs\" already exists",
	      "AlreadyExists with other content: the server's words");
	result_clear(&r);

	one(c, "PATCH", "/api/v1/namespaces/a/configmaps/x",
	    "application/json-patch+json", "[{\"op\":\"add\",\"path\":\"/data/-\","
	    "\"value\":1}]", &r);
	t_int(sc.patches, 1, "a JSON patch answered 503 is not repeated");
	result_clear(&r);
	one(c, "PATCH", "/api/v1/namespaces/a/configmaps/x",
	    "application/merge-patch+json", "{}", &r);
	t_int(sc.patches, 5, "a merge patch answered 503 is retried");
	result_clear(&r);

	kube_client_free(c);
	th_stop(s);
}

/* ---- concurrency, timeouts, unreachable ---- */

static void slow(const struct th_req *rq, struct th_resp *rs, void *data)
{
	rs->delay_ms = strstr(rq->path, "slower") ? 1000
		       : strstr(rq->path, "wait") ? 400 : 100;
	strbuf_addstr(&rs->body, "{}");
}

static void test_concurrency(void)
{
	struct th_server *s = th_start(NULL, slow, NULL);
	struct kube_client *c = client(config_for(s, 0), 0, 0);
	struct kube_client_opts o;
	struct result r[30];
	struct gerr err = GERR_INIT;
	int ok = 1;

	c->opts.concurrency = 4;
	for (int i = 0; i < 30; i++)
		submit(c, "GET", "/x", NULL, NULL, &r[i]);
	t_int(kube_pending(c), 30, "30 requests pending");
	kube_run(c);
	for (int i = 0; i < 30; i++) {
		ok &= r[i].status == 200;
		result_clear(&r[i]);
	}
	t_ok(ok, "every request completed");
	t_int(th_max_active(s), 4, "concurrency 4: never more than 4 in flight");
	kube_client_free(c);
	th_stop(s);

	s = th_start(NULL, slow, NULL);
	c = client(config_for(s, 0), 0, 0);
	c->opts.concurrency = 30;
	for (int i = 0; i < 30; i++)
		submit(c, "GET", "/wait", NULL, NULL, &r[i]);
	double t0 = kube_now_ms();
	kube_run(c);
	for (int i = 0; i < 30; i++)
		result_clear(&r[i]);
	t_int(th_max_active(s), 30, "concurrency 30: all 30 in flight at once "
	      "on one thread");
	t_ok(kube_now_ms() - t0 < 3000, "30 requests of 400 ms each take "
	     "about 400 ms, not 12 s");
	kube_client_free(c);

	kube_client_opts_init(&o);
	o.request_timeout_ms = 200;
	o.retries = 0;
	c = kube_client_new(config_for(s, 0), &o, NULL);
	one(c, "GET", "/slower", NULL, NULL, &r[0]);
	t_int(r[0].code, GERR_TIMEOUT, "--request-timeout: a slow answer is a timeout");
	t_ok(matches(r[0].msg, "^GET /slower: no answer from http://127.0.0.1:[0-9]+ "
		     "within the request timeout \\(Operation timed out after"),
	     "--request-timeout: the message: %s", r[0].msg);
	result_clear(&r[0]);
	kube_client_free(c);
	th_stop(s);

	/* nothing listens on a stopped server's port */
	s = th_start(NULL, slow, NULL);
	int port = th_port(s);
	struct kube_config *cfg = config_for(s, 0);
	th_stop(s);
	c = client(cfg, 1, 0);
	t_int(kube_get(c, "/api", NULL, &err), -1, "unreachable: fails");
	t_int(err.code, GERR_UNREACHABLE, "unreachable: code");
	char *re = xasprintf("^after 2 attempts: cannot reach the Kubernetes API "
			     "server at http://127.0.0.1:%d \\(GET /api\\): Failed "
			     "to connect to 127.0.0.1 port %d", port, port);
	t_ok(matches(gerr_msg(&err), re), "unreachable: which URL, what libcurl "
	     "said, after a retry: %s", gerr_msg(&err));
	free(re);
	gerr_clear(&err);
	kube_client_free(c);
}

/* ---- renewing credentials on 401 ---- */

struct want_token {
	const char *want;
	char *rewrite;     /* a token file rewritten on the first 401 */
	int n401;
};

static void need_token(const struct th_req *rq, struct th_resp *rs, void *data)
{
	struct want_token *w = data;
	char want[256];
	snprintf(want, sizeof(want), "Bearer %s", w->want);
	if (strcmp(rq->auth, want)) {
		status_body(rs, 401, "Unauthorized", "Unauthorized");
		if (w->rewrite && !w->n401) {
			FILE *f = fopen(w->rewrite, "w");
			fputs("new-token\n", f);
			fclose(f);
		}
		w->n401++;
		return;
	}
	strbuf_addstr(&rs->body, "{}");
}

static char *tmp_file(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", tmp, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

static void test_renewal(void)
{
	struct want_token w = { "plugin-token-2", NULL, 0 };
	struct th_server *s = th_start(NULL, need_token, &w);
	struct kube_config *cfg = config_for(s, 0);
	struct kube_client *c;
	struct gerr err = GERR_INIT;
	char *script = tmp_file("plugin.sh",
		"#!/bin/sh\n"
		"dir=$(dirname \"$0\")\n"
		"n=$(cat \"$dir/runs\" 2>/dev/null || echo 0); n=$((n+1)); "
		"echo $n >\"$dir/runs\"\n"
		"echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
		"\"kind\":\"ExecCredential\",\"status\":{\"token\":\"plugin-token-'$n'\"}}'\n");
	char *runs = xasprintf("%s/runs", tmp), *n;

	chmod(script, 0755);
	cfg->exec = xcalloc(1, sizeof(*cfg->exec));
	cfg->exec->command = xstrdup(script);
	cfg->exec->api_version = xstrdup("client.authentication.k8s.io/v1");
	cfg->exec->interactive_mode = xstrdup("Never");
	c = client(cfg, 0, 0);
	t_int(kube_get(c, "/api", NULL, &err), 200,
	      "exec: a 401 re-runs the plugin and retries (%s)", gerr_msg(&err));
	n = kube_read_file_(runs, NULL, NULL);
	t_str(n, "2\n", "exec: the plugin ran twice");
	free(n);
	t_int(kube_get(c, "/api", NULL, &err), 200, "exec: the next request");
	n = kube_read_file_(runs, NULL, NULL);
	t_str(n, "2\n", "exec: uses the cached credential");
	free(n);
	w.want = "never";
	t_int(kube_get(c, "/api", NULL, &err), -1, "exec: a credential the server "
	      "never accepts fails after one renewal");
	t_ok(!strstr(gerr_msg(&err), "plugin-token"), "exec: no token in the error");
	t_str(gerr_msg(&err), "GET /api: 401 Unauthorized: the server rejected the "
	      "credentials of user \"me\" in context \"ctx\" (authentication: exec)",
	      "exec: the 401 message");
	gerr_clear(&err);
	kube_client_free(c);

	/* a credential past its expirationTimestamp is not used again */
	unlink(runs);
	free(script);
	script = tmp_file("expired.sh",
		"#!/bin/sh\n"
		"dir=$(dirname \"$0\")\n"
		"n=$(cat \"$dir/runs\" 2>/dev/null || echo 0); n=$((n+1)); "
		"echo $n >\"$dir/runs\"\n"
		"echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
		"\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\","
		"\"expirationTimestamp\":\"2020-01-01T00:00:00Z\"}}'\n");
	chmod(script, 0755);
	w.want = "t";
	cfg = config_for(s, 0);
	cfg->exec = xcalloc(1, sizeof(*cfg->exec));
	cfg->exec->command = xstrdup(script);
	cfg->exec->api_version = xstrdup("client.authentication.k8s.io/v1");
	cfg->exec->interactive_mode = xstrdup("Never");
	c = client(cfg, 0, 0);
	kube_get(c, "/api", NULL, &err);
	kube_get(c, "/api", NULL, &err);
	n = kube_read_file_(runs, NULL, NULL);
	t_str(n, "2\n", "exec: an expired credential makes the next request "
	      "run the plugin again");
	free(n);
	gerr_clear(&err);
	kube_client_free(c);

	/* a token file is re-read on 401 (bound service account tokens
	 * rotate) */
	w.want = "new-token";
	w.n401 = 0;
	w.rewrite = tmp_file("token", "old-token\n");
	cfg = config_for(s, 0);
	cfg->token_file = xstrdup(w.rewrite);
	cfg->token = xstrdup("old-token");
	c = client(cfg, 0, 0);
	t_int(kube_get(c, "/api", NULL, &err), 200,
	      "token file: re-read after a 401 (%s)", gerr_msg(&err));
	t_int(w.n401, 1, "token file: one 401, then the new token");
	gerr_clear(&err);
	kube_client_free(c);
	free(w.rewrite);
	free(script);
	free(runs);
	th_stop(s);
}

/* ---- watches ---- */

struct watch_script {
	struct strvec paths;
};

static void watch_server(const struct th_req *rq, struct th_resp *rs,
			 void *data)
{
	struct watch_script *ws = data;
	strvec_push(&ws->paths, rq->path);
	rs->stream_gap_ms = 20;
	if (strstr(rq->path, "/stopme")) {
		strvec_push(&rs->stream, "{\"type\":\"ADDED\",\"object\":{\"metadata\":"
			    "{\"name\":\"a\",\"resourceVersion\":\"1\"}}}");
		strvec_push(&rs->stream, "{\"type\":\"ADDED\",\"object\":{\"metadata\":"
			    "{\"name\":\"b\",\"resourceVersion\":\"2\"}}}");
		rs->stream_hold_ms = 300;
	} else if (!strstr(rq->path, "resourceVersion=")) {
		strvec_push(&rs->stream, "{\"type\":\"ADDED\",\"object\":{\"metadata\":"
			    "{\"name\":\"x\",\"resourceVersion\":\"5\"}}}");
		strvec_push(&rs->stream, "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":"
			    "{\"name\":\"x\",\"resourceVersion\":\"6\"}}}");
	} else if (strstr(rq->path, "resourceVersion=6")) {
		strvec_push(&rs->stream, "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":"
			    "{\"resourceVersion\":\"7\"}}}");
		/* the stream breaks: the client must resume from 7 */
		rs->cut = 1;
	} else if (strstr(rq->path, "resourceVersion=7")) {
		strvec_push(&rs->stream, "{\"type\":\"DELETED\",\"object\":{\"metadata\":"
			    "{\"name\":\"x\",\"resourceVersion\":\"8\"}}}");
		strvec_push(&rs->stream, "{\"type\":\"ERROR\",\"object\":{\"kind\":"
			    "\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			    "\"message\":\"too old resource version: 8 (9)\","
			    "\"reason\":\"Expired\",\"code\":410}}");
		rs->stream_hold_ms = 200;
	}
}

struct events {
	struct strbuf log;
	int ended, stop_after;
};

static void on_event(struct kube_client *c, struct kube_watch *w,
		     enum kube_event type, const json_t *obj,
		     const struct gerr *err, void *data)
{
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED",
					     "BOOKMARK", "ERROR" };
	struct events *ev = data;
	json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));

	if (type == KUBE_ERROR) {
		strbuf_addf(&ev->log, "ERROR %d %s\n", err->code, gerr_msg(err));
		ev->ended = 1;
		return;
	}
	strbuf_addf(&ev->log, "%s %s %s\n", names[type], name ? name : "-",
		    json_string_value(json_object_get(md, "resourceVersion")));
	if (ev->stop_after && !--ev->stop_after) {
		kube_watch_stop(c, w);
		ev->ended = 1;
	}
}

static void test_watch(void)
{
	struct watch_script ws = { STRVEC_INIT };
	struct th_server *s = th_start(NULL, watch_server, &ws);
	struct kube_client *c = client(config_for(s, 0), 0, 0);
	struct events ev = { STRBUF_INIT, 0, 0 };
	double deadline = kube_now_ms() + 5000;

	kube_watch_start(c, "/api/v1/namespaces/a/configmaps?labelSelector=app%3Dweb",
			 NULL, on_event, &ev);
	while (!ev.ended && kube_now_ms() < deadline)
		kube_poll(c, 100);
	t_str(ev.log.buf,
	      "ADDED x 5\nMODIFIED x 6\nBOOKMARK - 7\nDELETED x 8\n"
	      "ERROR 7 GET /api/v1/namespaces/a/configmaps?labelSelector=app%3Dweb"
	      "&watch=1&allowWatchBookmarks=true&resourceVersion=7: 410 Gone: "
	      "too old resource version: 8 (9)\n",
	      "watch: one stream of events across a server end and a broken "
	      "connection, ended by 410 Gone");
	t_int((long long)ws.paths.nr, 3, "watch: three requests");
	if (ws.paths.nr == 3) {
		t_str(ws.paths.v[0], "/api/v1/namespaces/a/configmaps?labelSelector="
		      "app%3Dweb&watch=1&allowWatchBookmarks=true",
		      "watch: the first asks from now");
		t_str(ws.paths.v[1], "/api/v1/namespaces/a/configmaps?labelSelector="
		      "app%3Dweb&watch=1&allowWatchBookmarks=true&resourceVersion=6",
		      "watch: resumed from the last resourceVersion");
		t_str(ws.paths.v[2], "/api/v1/namespaces/a/configmaps?labelSelector="
		      "app%3Dweb&watch=1&allowWatchBookmarks=true&resourceVersion=7",
		      "watch: a bookmark moves the resourceVersion on");
	}
	t_int(kube_poll(c, 0), 0, "watch: nothing open after its error event");

	strbuf_reset(&ev.log);
	ev.ended = 0;
	ev.stop_after = 1;
	kube_watch_start(c, "/stopme", "3", on_event, &ev);
	deadline = kube_now_ms() + 5000;
	while (!ev.ended && kube_now_ms() < deadline)
		kube_poll(c, 100);
	for (int i = 0; i < 5; i++)
		kube_poll(c, 20);
	t_str(ev.log.buf, "ADDED a 1\n", "watch: stopped from its callback, "
	      "nothing more is delivered");
	t_str(ws.paths.v[ws.paths.nr - 1],
	      "/stopme?watch=1&allowWatchBookmarks=true&resourceVersion=3",
	      "watch: a given resourceVersion is where it starts");
	t_int(kube_poll(c, 0), 0, "watch: nothing open once stopped");

	/* stopped from outside while streaming */
	strbuf_reset(&ev.log);
	ev.ended = 0;
	struct kube_watch *w = kube_watch_start(c, "/stopme", NULL, on_event, &ev);
	while (!ev.log.len && kube_now_ms() < deadline + 5000)
		kube_poll(c, 50);
	kube_watch_stop(c, w);
	t_int(kube_poll(c, 0), 0, "watch: stopped from outside while streaming");
	strbuf_release(&ev.log);
	kube_client_free(c);
	th_stop(s);
	strvec_clear(&ws.paths);
}

/* ---- discovery ---- */

struct disc_server {
	int with_volley, broken;
	int requests;
};

static void discovery_server(const struct th_req *rq, struct th_resp *rs,
			     void *data)
{
	struct disc_server *d = data;
	d->requests++;
	if (!strcmp(rq->path, "/api")) {
		strbuf_addstr(&rs->body, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"]}");
	} else if (!strcmp(rq->path, "/api/v1")) {
		strbuf_addstr(&rs->body, "{\"kind\":\"APIResourceList\",\"groupVersion\":"
			      "\"v1\",\"resources\":[{\"name\":\"configmaps\","
			      "\"singularName\":\"configmap\",\"namespaced\":true,"
			      "\"kind\":\"ConfigMap\",\"verbs\":[\"get\",\"list\"]}]}");
	} else if (!strcmp(rq->path, "/apis")) {
		strbuf_addstr(&rs->body, "{\"kind\":\"APIGroupList\",\"groups\":[{\"name\":"
			      "\"apps\",\"versions\":[{\"groupVersion\":\"apps/v1\","
			      "\"version\":\"v1\"}],\"preferredVersion\":{\"groupVersion\":"
			      "\"apps/v1\",\"version\":\"v1\"}}");
		if (d->with_volley)
			strbuf_addstr(&rs->body, ",{\"name\":\"volley.io\",\"versions\":"
				      "[{\"groupVersion\":\"volley.io/v1\",\"version\":"
				      "\"v1\"}],\"preferredVersion\":{\"groupVersion\":"
				      "\"volley.io/v1\",\"version\":\"v1\"}}");
		if (d->broken)
			strbuf_addstr(&rs->body, ",{\"name\":\"metrics.k8s.io\",\"versions\":"
				      "[{\"groupVersion\":\"metrics.k8s.io/v1beta1\","
				      "\"version\":\"v1beta1\"}]}");
		strbuf_addstr(&rs->body, "]}");
	} else if (!strcmp(rq->path, "/apis/apps/v1")) {
		strbuf_addstr(&rs->body, "{\"kind\":\"APIResourceList\",\"resources\":["
			      "{\"name\":\"deployments\",\"namespaced\":true,\"kind\":"
			      "\"Deployment\",\"verbs\":[]},{\"name\":\"deployments/status\","
			      "\"namespaced\":true,\"kind\":\"Deployment\",\"verbs\":[]}]}");
	} else if (!strcmp(rq->path, "/apis/volley.io/v1") && d->with_volley) {
		strbuf_addstr(&rs->body, "{\"kind\":\"APIResourceList\",\"resources\":["
			      "{\"name\":\"volleyapplications\",\"namespaced\":true,"
			      "\"kind\":\"VolleyApplication\",\"verbs\":[]}]}");
	} else {
		status_body(rs, 503, "ServiceUnavailable",
			    "the server is currently unable to handle the request");
	}
}

static void test_discovery(void)
{
	struct disc_server d = { 0, 0, 0 };
	struct th_server *s = th_start(NULL, discovery_server, &d);
	struct kube_client *c = client(config_for(s, 0), 0, 4);
	struct gerr err = GERR_INIT;
	const struct kube_resource *r;
	char *file, *dirname;
	struct stat st;
	int before;

	r = kube_resource_for(c, "apps/v1", "Deployment", &err);
	t_str(r ? r->name : gerr_msg(&err), "deployments",
	      "discovery: from the server");
	t_int(d.requests, 4, "discovery: /api, /apis and each group version");
	dirname = kube_server_dirname(kube_config_server(kube_client_config(c)));
	file = xasprintf("%s/cache/%s/discovery.json", tmp, dirname);
	t_ok(stat(file, &st) == 0, "discovery: the cache file is written");
	kube_client_free(c);

	c = client(config_for(s, 0), 0, 4);
	before = d.requests;
	r = kube_resource_for(c, "v1", "ConfigMap", &err);
	t_str(r ? r->name : "", "configmaps", "discovery: a second client...");
	t_int(d.requests, before, "...reads the cache, not the server");

	/* a CRD appears: a missing kind refreshes the cached discovery */
	d.with_volley = 1;
	r = kube_resource_for(c, "volley.io/v1", "VolleyApplication", &err);
	t_str(r ? r->name : gerr_msg(&err), "volleyapplications",
	      "discovery: a kind missing from the cache refreshes it");
	t_int(d.requests, before + 5, "discovery: one refresh");
	r = kube_resource_for(c, "volley.io/v2", "VolleyApplication", &err);
	t_ok(!r, "discovery: a version not served");
	t_int(d.requests, before + 5, "discovery: fresh data is not refreshed "
	      "again for a missing kind");
	{
		char *want = xasprintf("no kind \"VolleyApplication\" is served in "
				       "version \"volley.io/v2\" by http://127.0.0.1:%d "
				       "(is its CustomResourceDefinition installed?)",
				       th_port(s));
		t_str(gerr_msg(&err), want, "discovery: a kind not served, in words");
		t_int(err.code, GERR_NOT_FOUND, "discovery: GERR_NOT_FOUND");
		free(want);
	}
	gerr_clear(&err);

	/* an aggregated API that is down: left out, the rest works, and the
	 * incomplete result is not cached */
	d.broken = 1;
	unlink(file);
	strbuf_reset(&logbuf);
	t_int(kube_discovery_refresh(c, &err), 0, "discovery: a broken group "
	      "does not fail discovery");
	t_ok(matches(logbuf.buf, "^0 warning: discovery of metrics.k8s.io/v1beta1 "
		     "failed: GET /apis/metrics.k8s.io/v1beta1: 503 Service "
		     "Unavailable: the server is currently unable to handle the "
		     "request$"), "discovery: the broken group is reported");
	t_ok(stat(file, &st) < 0, "discovery: an incomplete result is not cached");
	r = kube_resource_for(c, "apps/v1", "Deployment", &err);
	t_ok(r != NULL, "discovery: the other groups are there");
	kube_client_free(c);
	free(file);
	free(dirname);
	gerr_clear(&err);
	th_stop(s);
}

/* ---- TLS ---- */

static int tls_get(struct th_server *s, struct kube_config *cfg,
		   struct gerr *err)
{
	struct kube_client *c = client(cfg, 0, 0);
	int st = kube_get(c, "/api", NULL, err);
	kube_client_free(c);
	return st;
}

static void test_tls(void)
{
	struct seen seen = { 0 };
	struct th_tls tls = { pki.server, pki.server_key, NULL };
	struct th_server *s = th_start(&tls, record, &seen);
	struct kube_config *cfg;
	struct gerr err = GERR_INIT;
	char *want;

	cfg = config_for(s, 1);
	strbuf_addstr(&cfg->ca, pki.ca);
	cfg->ca_source = xstrdup("certificate-authority-data of cluster \"c\"");
	t_int(tls_get(s, cfg, &err), 200, "TLS: the server's CA is trusted (%s)",
	      gerr_msg(&err));
	gerr_clear(&err);

	cfg = config_for(s, 1);
	strbuf_addstr(&cfg->ca, pki.other_ca);
	cfg->ca_source = xstrdup("certificate-authority-data of cluster \"c\"");
	t_int(tls_get(s, cfg, &err), -1, "TLS: another CA is not trusted");
	want = xasprintf("TLS failure talking to https://127.0.0.1:%d (GET /api): "
			 "the server's certificate is not trusted: unable to get "
			 "local issuer certificate; the CA used was "
			 "certificate-authority-data of cluster \"c\"", th_port(s));
	t_str(gerr_msg(&err), want, "TLS: the certificate problem, named");
	t_int(err.code, GERR_UNREACHABLE, "TLS: code");
	free(want);
	gerr_clear(&err);

	cfg = config_for(s, 1);
	cfg->insecure = 1;
	t_int(tls_get(s, cfg, &err), 200, "TLS: insecure-skip-tls-verify");
	gerr_clear(&err);
	th_stop(s);

	/* a certificate for kube.test only */
	tls.cert_pem = pki.named;
	tls.key_pem = pki.named_key;
	s = th_start(&tls, record, &seen);
	cfg = config_for(s, 1);
	strbuf_addstr(&cfg->ca, pki.ca);
	t_int(tls_get(s, cfg, &err), -1, "TLS: a certificate for another name");
	want = xasprintf("TLS failure talking to https://127.0.0.1:%d (GET /api): "
			 "the server's certificate is not valid for that host "
			 "name (SSL: no alternative certificate subject name "
			 "matches target host name '127.0.0.1'); check the server "
			 "URL or set tls-server-name in cluster \"c\"", th_port(s));
	t_str(gerr_msg(&err), want, "TLS: a host name mismatch points at "
	      "tls-server-name");
	free(want);
	gerr_clear(&err);
	cfg = config_for(s, 1);
	strbuf_addstr(&cfg->ca, pki.ca);
	cfg->tls_server_name = xstrdup("kube.test");
	t_int(tls_get(s, cfg, &err), 200, "TLS: tls-server-name checks the "
	      "certificate against that name (%s)", gerr_msg(&err));
	gerr_clear(&err);
	th_stop(s);

	/* client certificates required */
	tls.cert_pem = pki.server;
	tls.key_pem = pki.server_key;
	tls.client_ca_pem = pki.ca;
	s = th_start(&tls, record, &seen);
	cfg = config_for(s, 1);
	strbuf_addstr(&cfg->ca, pki.ca);
	strbuf_addstr(&cfg->cert, pki.client);
	strbuf_addstr(&cfg->key, pki.client_key);
	seen.cn[0] = 0;
	t_int(tls_get(s, cfg, &err), 200, "client certificate: accepted (%s)",
	      gerr_msg(&err));
	t_str(seen.cn, "alice", "client certificate: the server saw it");
	gerr_clear(&err);
	cfg = config_for(s, 1);
	strbuf_addstr(&cfg->ca, pki.ca);
	t_int(tls_get(s, cfg, &err), -1, "client certificate: required, not given");
	t_int(err.code, GERR_UNREACHABLE, "client certificate: code");
	t_ok(matches(gerr_msg(&err), "^TLS handshake with https://127.0.0.1:[0-9]+ "
		     "failed \\(GET /api\\): the server asked for a client "
		     "certificate and refused the connection without one \\(.*"
		     "alert certificate required.*\\); user \"me\" has none$"),
	     "client certificate: the message: %s", gerr_msg(&err));
	gerr_clear(&err);
	th_stop(s);
}

int main(void)
{
	char *cmd;

	mem_init();
	/* the scripted server writes to connections the client dropped */
	signal(SIGPIPE, SIG_IGN);
	strcpy(tmp, "/tmp/gantry-kube-http-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	tt_pki_make(&pki);
	test_credentials();
	test_retries();
	test_concurrency();
	test_renewal();
	test_watch();
	test_discovery();
	test_tls();
	tt_pki_free(&pki);
	strbuf_release(&logbuf);
	cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		t_diag("could not remove %s", tmp);
	free(cmd);
	return t_done();
}
