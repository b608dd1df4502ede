/*
 * pkg/sim through its public API beyond single requests: watches (the
 * events, their order and framing, resuming, 410 Expired), the state file,
 * the stages file's errors, serving rules and the kubeconfig.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/sim/sim.h"
#include "tests/unit/harness.h"

static struct sim *new_sim(long watch_cache, const char *state)
{
	struct sim_config cfg;
	struct gerr err = GERR_INIT;
	struct sim *s;

	sim_config_init(&cfg);
	cfg.quiet = 1;
	if (watch_cache)
		cfg.watch_cache = watch_cache;
	cfg.state_file = state;
	s = sim_new(&cfg, &err);
	if (!s)
		t_diag("sim_new: %s", gerr_msg(&err));
	gerr_clear(&err);
	return s;
}

static int cm(struct sim *s, const char *method, const char *name,
	      const char *labels, const char *data)
{
	char path[200], body[400];
	int code;

	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		 "{\"name\":\"%s\",\"labels\":{%s}},\"data\":{\"v\":\"%s\"}}",
		 name, labels ? labels : "", data ? data : "");
	if (!strcmp(method, "POST"))
		snprintf(path, sizeof(path),
			 "/api/v1/namespaces/default/configmaps");
	else
		snprintf(path, sizeof(path),
			 "/api/v1/namespaces/default/configmaps/%s", name);
	code = sim_request(s, method, path, NULL,
			   strcmp(method, "DELETE") ? body : NULL, NULL);
	return code;
}

/* the next event as "TYPE name rv", or "" on timeout, "END" at the end */
static void next_event(struct sim *s, struct sim_watch *w, char *out,
		       size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	int r = sim_watch_next(s, w, 50, &sb);
	json_t *ev;

	if (r <= 0) {
		snprintf(out, n, "%s", r < 0 ? "END" : "");
		strbuf_release(&sb);
		return;
	}
	ev = json_loads(sb.buf, 0, NULL);
	snprintf(out, n, "%s %s %s",
		 json_string_value(json_object_get(ev, "type")),
		 json_string_value(json_object_get(
			 json_object_get(json_object_get(ev, "object"),
					 "metadata"), "name")),
		 json_string_value(json_object_get(
			 json_object_get(json_object_get(ev, "object"),
					 "metadata"), "resourceVersion")));
	/* one JSON document per line, as the server frames watch events */
	t_ok(sb.len > 0 && sb.buf[sb.len - 1] == '\n' &&
		     !memchr(sb.buf, '\n', sb.len - 1),
	     "an event is one line of JSON");
	json_decref(ev);
	strbuf_release(&sb);
}

static void test_watch(void)
{
	struct sim *s = new_sim(0, NULL);
	struct sim_watch *w = NULL;
	char ev[200];
	int code;

	/* bootstrap leaves resourceVersion 18 (4 namespaces with their
	 * default ServiceAccount and kube-root-ca.crt, the node and its
	 * status, the kubernetes Service, the StorageClass, two
	 * PriorityClasses) */
	t_int(cm(s, "POST", "a", "\"app\":\"x\"", "1"), 201, "create a");
	code = sim_watch_open(s, "/api/v1/namespaces/default/configmaps"
				 "?watch=1&labelSelector=app%3Dx",
			      &w, NULL);
	t_int(code, 200, "watch without a resourceVersion opens");
	next_event(s, w, ev, sizeof(ev));
	t_str(ev, "ADDED a 19", "it starts with the current state as ADDED");
	next_event(s, w, ev, sizeof(ev));
	t_str(ev, "", "and then waits");
	t_int(cm(s, "PUT", "a", "\"app\":\"x\"", "2"), 200, "update a");
	t_int(cm(s, "POST", "b", NULL, "1"), 201, "create b (not selected)");
	t_int(cm(s, "POST", "c", "\"app\":\"x\"", "1"), 201, "create c");
	t_int(cm(s, "DELETE", "a", NULL, NULL), 200, "delete a");
	t_int(cm(s, "PUT", "b", "\"app\":\"x\"", "1"), 200,
	      "b gets the label");
	t_int(cm(s, "PUT", "c", NULL, "1"), 200, "c loses it");
	next_event(s, w, ev, sizeof(ev));
	t_str(ev, "MODIFIED a 20", "an update is MODIFIED");
	next_event(s, w, ev, sizeof(ev));
	t_str(ev, "ADDED c 22", "a create is ADDED; b does not match");
	next_event(s, w, ev, sizeof(ev));
	t_str(ev, "DELETED a 23",
	      "a delete is DELETED with the deletion's resourceVersion");
	next_event(s, w, ev, sizeof(ev));
	t_str(ev, "ADDED b 24", "an object that starts to match is ADDED");
	next_event(s, w, ev, sizeof(ev));
	t_str(ev, "DELETED c 25",
	      "an object that stops matching is DELETED");
	sim_watch_close(s, w);

	code = sim_watch_open(s, "/api/v1/namespaces/default/configmaps"
				 "?watch=true&resourceVersion=21",
			      &w, NULL);
	t_int(code, 200, "watch from a resourceVersion opens");
	next_event(s, w, ev, sizeof(ev));
	t_str(ev, "ADDED c 22", "it resumes after that version");
	sim_watch_close(s, w);

	code = sim_watch_open(s, "/api/v1/namespaces/default/configmaps"
				 "?watch=1&resourceVersion=x",
			      &w, NULL);
	t_int(code, 400, "a resourceVersion that is not a number is 400");
	sim_free(s);
}

static void test_watch_expired(void)
{
	struct sim *s = new_sim(5, NULL);
	struct sim_watch *w = NULL;
	struct strbuf sb = STRBUF_INIT;
	json_t *ev;

	/* a cache of five events: of the bootstrap's 18, 14 to 18 are kept */
	t_int(sim_watch_open(s, "/api/v1/configmaps?watch=1&resourceVersion=3",
			     &w, NULL),
	      200, "a watch from a too old version still opens (200)");
	t_int(sim_watch_next(s, w, 50, &sb), 1, "and sends one event");
	ev = json_loads(sb.buf, 0, NULL);
	/* the watch cache's words: too old resource version: N (M) */
	t_str(json_string_value(json_object_get(ev, "type")), "ERROR",
	      "an ERROR event");
	t_int(json_integer_value(json_object_get(json_object_get(ev, "object"),
						 "code")),
	      410, "with a 410 Status");
	t_str(json_string_value(json_object_get(json_object_get(ev, "object"),
						"reason")),
	      "Expired", "reason Expired");
	t_str(json_string_value(json_object_get(json_object_get(ev, "object"),
						"message")),
	      "too old resource version: 3 (13)",
	      "naming the oldest version it can resume from");
	strbuf_reset(&sb);
	t_int(sim_watch_next(s, w, 50, &sb), -1, "then the watch ends");
	json_decref(ev);
	strbuf_release(&sb);
	sim_watch_close(s, w);
	sim_free(s);
}

static void test_state(void)
{
	char path[] = "/tmp/kubesim-state-XXXXXX";
	int fd = mkstemp(path);
	struct gerr err = GERR_INIT;
	struct sim *s;
	json_t *o = NULL;

	close(fd);
	unlink(path);
	s = new_sim(0, path);
	t_int(cm(s, "POST", "kept", NULL, "1"), 201, "create before saving");
	t_int(sim_stop(s, &err), 0, "stop saves the state");
	sim_free(s);
	s = new_sim(0, path);
	t_int(sim_request(s, "GET",
			  "/api/v1/namespaces/default/configmaps/kept", NULL,
			  NULL, &o),
	      200, "a new cluster from the state file has the object");
	t_str(json_string_value(json_object_get(json_object_get(o, "metadata"),
						"resourceVersion")),
	      "19", "with its resourceVersion");
	json_decref(o);
	o = NULL;
	t_int(cm(s, "POST", "next", NULL, "1"), 201, "create after loading");
	sim_request(s, "GET", "/api/v1/namespaces/default/configmaps/next",
		    NULL, NULL, &o);
	t_str(json_string_value(json_object_get(json_object_get(o, "metadata"),
						"resourceVersion")),
	      "20", "the counter goes on from the saved one");
	json_decref(o);
	/* a CRD saved before it was established establishes after loading */
	t_int(sim_request(s, "POST",
			  "/apis/apiextensions.k8s.io/v1/"
			  "customresourcedefinitions", NULL,
			  "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":"
			  "\"CustomResourceDefinition\",\"metadata\":{\"name\":"
			  "\"gears.example.com\"},\"spec\":{\"group\":"
			  "\"example.com\",\"scope\":\"Namespaced\",\"names\":"
			  "{\"plural\":\"gears\",\"kind\":\"Gear\"},"
			  "\"versions\":[{\"name\":\"v1\",\"served\":true,"
			  "\"storage\":true,\"schema\":{\"openAPIV3Schema\":"
			  "{\"type\":\"object\"}}}]}}",
			  NULL),
	      201, "create a CRD");
	t_int(sim_stop(s, &err), 0, "stop before it is established");
	sim_free(s);
	s = new_sim(0, path);
	t_int(sim_request(s, "GET", "/apis/example.com/v1/namespaces/default/"
				    "gears", NULL, NULL, NULL),
	      404, "not served yet after loading");
	sim_advance(s, 200);
	t_int(sim_request(s, "GET", "/apis/example.com/v1/namespaces/default/"
				    "gears", NULL, NULL, NULL),
	      200, "served once the delay has passed");
	sim_free(s);
	unlink(path);
}

static void test_bad_files(void)
{
	char path[] = "/tmp/kubesim-stages-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "stages:\n- kind: Widget\n  steps:\n  - after: "
			   "soon\n    status: {phase: Ready}\n";
	struct sim_config cfg;
	struct gerr err = GERR_INIT;
	struct sim *s;
	char want[200];

	if (write(fd, text, strlen(text)) < 0)
		t_diag("write failed");
	close(fd);
	sim_config_init(&cfg);
	cfg.stages_file = path;
	s = sim_new(&cfg, &err);
	t_ok(s == NULL, "a stages file with a bad step is refused");
	snprintf(want, sizeof(want),
		 "%s:4:5: a step needs after: a number of ticks (0 or more)",
		 path);
	t_str(gerr_msg(&err), want, "naming file:line:col");
	gerr_clear(&err);
	unlink(path);

	sim_config_init(&cfg);
	cfg.faults = "rate=2";
	s = sim_new(&cfg, &err);
	t_ok(s == NULL, "faults out of range are refused");
	t_str(gerr_msg(&err), "faults: rate=2: expected a number from 0 to 1",
	      "with the setting named");
	gerr_clear(&err);
}

static void test_serve(void)
{
	struct sim_config cfg;
	struct gerr err = GERR_INIT;
	struct sim *s;
	char path[] = "/tmp/kubesim-kc-XXXXXX";
	int fd = mkstemp(path);
	char buf[4096];
	ssize_t n;

	close(fd);
	sim_config_init(&cfg);
	cfg.quiet = 1;
	cfg.listen = "10.0.0.1:0";
	s = sim_new(&cfg, &err);
	t_int(sim_serve(s, &err), -1, "a non-loopback address is refused");
	t_str(gerr_msg(&err),
	      "--listen 10.0.0.1:0: only loopback addresses (127.0.0.0/8, ::1, "
	      "localhost)",
	      "with the reason");
	gerr_clear(&err);
	sim_free(s);

	cfg.listen = "127.0.0.1:0";
	cfg.token = "s3cret";
	s = sim_new(&cfg, &err);
	t_int(sim_serve(s, &err), 0, "127.0.0.1:0 serves on a free port");
	t_ok(sim_url(s) && !strncmp(sim_url(s), "http://127.0.0.1:", 17),
	     "the URL is http://127.0.0.1:PORT");
	t_int(sim_write_kubeconfig(s, path, &err), 0, "writes a kubeconfig");
	fd = open(path, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	t_ok(strstr(buf, "current-context: kubesim\n") &&
		     strstr(buf, "token: s3cret\n") &&
		     strstr(buf, sim_url(s)),
	     "with the server, the token and the current context");
	t_int(sim_stop(s, &err), 0, "stops");
	sim_free(s);
	unlink(path);
}

int main(void)
{
	mem_init();
	test_watch();
	test_watch_expired();
	test_state();
	test_bad_files();
	test_serve();
	return t_done();
}
