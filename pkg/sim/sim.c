/*
 * pkg/sim: the life of a cluster — creating it (built-in namespaces and
 * objects, or a state file), in-process requests, the simulated clock, and
 * stopping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

void sim_config_init(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen = "127.0.0.1:0";
	cfg->tick_ms = 100;
	cfg->crd_delay_ms = 200;
	cfg->save_every_ms = 2000;
	cfg->watch_cache = 10000;
}

static const char *keep(struct sim *s, const char *str)
{
	if (!str)
		return NULL;
	return strvec_push(&s->cfg_strings, str);
}

static void create_builtin(struct sim *s, const char *group,
			   const char *resource, const char *ns,
			   const char *json)
{
	const struct rtype *t = types_find(s, group,
					   !strcmp(group, "") ? "v1" : "v1",
					   resource);
	json_t *obj = json_loads(json, 0, NULL), *st = NULL, *o;
	struct strvec warn = STRVEC_INIT;

	o = write_create(s, t, ns, obj, 0, &warn, &st);
	json_decref(o);
	json_decref(st);
	json_decref(obj);
	strvec_clear(&warn);
}

/* The node's status, as its kubelet would post it. */
static void node_ready(struct sim *s)
{
	const struct rtype *t = types_find(s, "", "v1", "nodes");
	json_t *node = json_deep_copy(store_get(s, t, NULL, "kubesim-node"));
	json_t *st = json_loads(
		"{\"capacity\":{\"cpu\":\"2\",\"ephemeral-storage\":\"100Gi\","
		"\"memory\":\"8Gi\",\"pods\":\"110\"},"
		"\"allocatable\":{\"cpu\":\"2\",\"ephemeral-storage\":"
		"\"100Gi\",\"memory\":\"8Gi\",\"pods\":\"110\"},"
		"\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
		"\"reason\":\"KubeletReady\",\"message\":\"kubelet is posting "
		"ready status\"}],"
		"\"addresses\":[{\"type\":\"InternalIP\",\"address\":"
		"\"172.18.0.2\"},{\"type\":\"Hostname\",\"address\":"
		"\"kubesim-node\"}],"
		"\"nodeInfo\":{\"machineID\":\"\",\"systemUUID\":\"\","
		"\"bootID\":\"\",\"kernelVersion\":\"6.1.0\",\"osImage\":"
		"\"kubesim\",\"containerRuntimeVersion\":"
		"\"containerd://1.7.24\",\"kubeletVersion\":\"v1.32.0\","
		"\"kubeProxyVersion\":\"v1.32.0\",\"operatingSystem\":"
		"\"linux\",\"architecture\":\"amd64\"}}",
		0, NULL);
	struct strbuf ts = STRBUF_INIT;
	json_t *c = json_array_get(json_object_get(st, "conditions"), 0);

	if (!node) {
		json_decref(st);
		return;
	}
	util_timestamp(&ts);
	json_object_set_new(c, "lastHeartbeatTime", json_string(ts.buf));
	json_object_set_new(c, "lastTransitionTime", json_string(ts.buf));
	json_object_set_new(node, "status", st);
	write_controller(s, t, node);
	strbuf_release(&ts);
}

/* What a fresh cluster has: the system namespaces, the kubernetes Service,
 * a default StorageClass (binding immediately), the system priority
 * classes. */
static void bootstrap(struct sim *s)
{
	static const char *const namespaces[] = {
		"default", "kube-node-lease", "kube-public", "kube-system",
	};

	for (size_t i = 0; i < 4; i++) {
		char buf[160];

		snprintf(buf, sizeof(buf),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
			 "\"metadata\":{\"name\":\"%s\"}}", namespaces[i]);
		create_builtin(s, "", "namespaces", NULL, buf);
	}
	/* the one node the simulated pods run on */
	create_builtin(s, "", "nodes", NULL,
		       "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":"
		       "{\"name\":\"kubesim-node\",\"labels\":{"
		       "\"kubernetes.io/arch\":\"amd64\","
		       "\"kubernetes.io/hostname\":\"kubesim-node\","
		       "\"kubernetes.io/os\":\"linux\","
		       "\"node-role.kubernetes.io/control-plane\":\"\"}},"
		       "\"spec\":{\"podCIDR\":\"10.244.0.0/24\"},"
		       "\"status\":{}}");
	node_ready(s);
	create_builtin(s, "", "services", "default",
		       "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
		       "\"metadata\":{\"name\":\"kubernetes\",\"labels\":"
		       "{\"component\":\"apiserver\",\"provider\":"
		       "\"kubernetes\"}},\"spec\":{\"clusterIP\":\"10.96.0.1\","
		       "\"ports\":[{\"name\":\"https\",\"port\":443,"
		       "\"protocol\":\"TCP\",\"targetPort\":6443}]}}");
	create_builtin(s, "storage.k8s.io", "storageclasses", NULL,
		       "{\"apiVersion\":\"storage.k8s.io/v1\",\"kind\":"
		       "\"StorageClass\",\"metadata\":{\"name\":\"standard\","
		       "\"annotations\":{\"storageclass.kubernetes.io/"
		       "is-default-class\":\"true\"}},\"provisioner\":"
		       "\"kubesim.io/hostpath\",\"reclaimPolicy\":\"Delete\","
		       "\"volumeBindingMode\":\"Immediate\"}");
	create_builtin(s, "scheduling.k8s.io", "priorityclasses", NULL,
		       "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":"
		       "\"PriorityClass\",\"metadata\":{\"name\":"
		       "\"system-cluster-critical\"},\"value\":2000000000,"
		       "\"description\":\"Used for system critical pods that "
		       "must run in the cluster, but can be moved to another "
		       "node if necessary.\"}");
	create_builtin(s, "scheduling.k8s.io", "priorityclasses", NULL,
		       "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":"
		       "\"PriorityClass\",\"metadata\":{\"name\":"
		       "\"system-node-critical\"},\"value\":2000001000,"
		       "\"description\":\"Used for system critical pods that "
		       "must not be moved from their current node.\"}");
}

static char *read_all(const char *file, struct gerr *err)
{
	FILE *f = fopen(file, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n;

	if (!f) {
		gerr_setc(err, GERR_IO, "%s: %s", file, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, NULL);
}

static int load_tls(struct sim *s, struct gerr *err)
{
	const struct sim_config *c = &s->cfg;

	if (!c->cert_file != !c->key_file)
		return gerr_setc(err, GERR_INPUT,
				 "--cert and --key go together");
	if (!c->cert_file) {
		/* a CA even without TLS: every namespace publishes it in
		 * kube-root-ca.crt, as in a real cluster */
		if (tls_generate(&s->ca_pem, &s->cert_pem, &s->key_pem,
				 err) < 0)
			return -1;
		if (!c->tls) {
			free(s->cert_pem);
			free(s->key_pem);
			s->cert_pem = s->key_pem = NULL;
		}
		return 0;
	}
	s->cert_pem = read_all(c->cert_file, err);
	if (!s->cert_pem)
		return -1;
	s->key_pem = read_all(c->key_file, err);
	if (!s->key_pem)
		return -1;
	if (c->ca_file) {
		s->ca_pem = read_all(c->ca_file, err);
		if (!s->ca_pem)
			return -1;
	}
	return 0;
}

struct sim *sim_new(const struct sim_config *cfg, struct gerr *err)
{
	struct sim *s = xcalloc(1, sizeof(*s));

	s->cfg = *cfg;
	s->cfg.listen = keep(s, cfg->listen ? cfg->listen : "127.0.0.1:0");
	s->cfg.cert_file = keep(s, cfg->cert_file);
	s->cfg.key_file = keep(s, cfg->key_file);
	s->cfg.ca_file = keep(s, cfg->ca_file);
	s->cfg.token = keep(s, cfg->token);
	s->cfg.readonly_token = keep(s, cfg->readonly_token);
	s->cfg.state_file = keep(s, cfg->state_file);
	s->cfg.audit_log = keep(s, cfg->audit_log);
	s->cfg.stages_file = keep(s, cfg->stages_file);
	s->cfg.faults = keep(s, cfg->faults);
	if (s->cfg.tick_ms < 0)
		s->cfg.tick_ms = 0;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->audit_lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	s->listen_fd = -1;
	s->store = json_object();
	s->ctl = json_object();
	s->empty_leaf = json_object();
	s->shared = json_object();
	/* distinct uids across clusters made in one process and second */
	s->rng = (uint64_t)time(NULL) * 2654435761ULL ^ (uint64_t)getpid() ^
		 (uint64_t)(uintptr_t)s;
	s->next_ip = (10u << 24) | (96u << 16) | 10u;
	s->next_node_port = 30000;
	types_init(s);
	if (s->cfg.faults && faults_parse(&s->faults, s->cfg.faults, err) < 0)
		goto fail;
	if (s->cfg.stages_file && stages_load(s, s->cfg.stages_file, err) < 0)
		goto fail;
	if (load_tls(s, err) < 0)
		goto fail;
	if (s->cfg.audit_log) {
		s->audit = fopen(s->cfg.audit_log, "a");
		if (!s->audit) {
			gerr_setc(err, GERR_IO, "%s: %s", s->cfg.audit_log,
				  strerror(errno));
			goto fail;
		}
	}
	pthread_mutex_lock(&s->lock);
	if (s->cfg.state_file && access(s->cfg.state_file, F_OK) == 0) {
		if (state_load(s, s->cfg.state_file, err) < 0) {
			pthread_mutex_unlock(&s->lock);
			goto fail;
		}
	} else {
		bootstrap(s);
	}
	pthread_mutex_unlock(&s->lock);
	return s;
fail:
	sim_free(s);
	return NULL;
}

long sim_tick_ms(const struct sim *s)
{
	return s->cfg.tick_ms > 0 ? s->cfg.tick_ms : 100;
}

void sim_advance_locked(struct sim *s, long ms)
{
	long tick = sim_tick_ms(s);

	s->clock_ms += ms;
	if (!s->next_tick_ms)
		s->next_tick_ms = tick;
	while (s->next_tick_ms <= s->clock_ms) {
		crd_establish_due(s);
		s->ticks++;
		controllers_tick(s);
		stages_tick(s);
		s->next_tick_ms += tick;
	}
	crd_establish_due(s);
}

void sim_advance(struct sim *s, long ms)
{
	pthread_mutex_lock(&s->lock);
	sim_advance_locked(s, ms);
	pthread_mutex_unlock(&s->lock);
}

void sim_tick(struct sim *s, int n)
{
	sim_advance(s, (long)n * sim_tick_ms(s));
}

int sim_set_faults(struct sim *s, const char *spec, struct gerr *err)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = faults_parse(&s->faults, spec, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

static void fill_req(struct req *r, const char *method, const char *pq,
		     const char *ctype, const void *body, size_t len,
		     struct strbuf *path)
{
	const char *q = strchr(pq, '?');

	memset(r, 0, sizeof(*r));
	strbuf_add(path, pq, q ? (size_t)(q - pq) : strlen(pq));
	r->method = method;
	r->path = path->buf;
	r->query = query_parse(q ? q + 1 : "");
	r->ctype = ctype ? ctype : "application/json";
	r->body = body;
	r->body_len = len;
	r->user = "kubesim-admin";
}

int sim_request(struct sim *s, const char *method, const char *path_query,
		const char *content_type, const char *body, json_t **reply)
{
	return sim_request_raw(s, method, path_query, content_type, body,
			       body ? strlen(body) : 0, reply);
}

int sim_request_raw(struct sim *s, const char *method, const char *path_query,
		    const char *content_type, const void *body, size_t len,
		    json_t **reply)
{
	struct req r;
	struct resp out;
	struct strbuf path = STRBUF_INIT;
	int code;

	fill_req(&r, method, path_query, content_type, body, len, &path);
	pthread_mutex_lock(&s->lock);
	api_handle(s, &r, &out);
	if (out.watch) {
		watch_unlink(s, out.watch);
		watch_free(out.watch);
		out.watch = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	code = out.code;
	if (reply) {
		*reply = out.json;
		out.json = NULL;
	}
	resp_clear(&out);
	json_decref(r.query);
	strbuf_release(&path);
	return code;
}

int sim_requestj(struct sim *s, const char *method, const char *path_query,
		 const char *content_type, const json_t *body, json_t **reply)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY)
			  : NULL;
	int code = sim_request(s, method, path_query, content_type, text,
			       reply);

	free(text);
	return code;
}

int sim_watch_open(struct sim *s, const char *path_query,
		   struct sim_watch **w, json_t **reply)
{
	struct req r;
	struct resp out;
	struct strbuf path = STRBUF_INIT;
	int code;

	fill_req(&r, "GET", path_query, NULL, NULL, 0, &path);
	pthread_mutex_lock(&s->lock);
	api_handle(s, &r, &out);
	pthread_mutex_unlock(&s->lock);
	code = out.code;
	*w = out.watch;
	out.watch = NULL;
	if (reply) {
		*reply = out.json;
		out.json = NULL;
	}
	resp_clear(&out);
	json_decref(r.query);
	strbuf_release(&path);
	return code;
}

int sim_watch_next(struct sim *s, struct sim_watch *w, long timeout_ms,
		   struct strbuf *out)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = watch_next_locked(s, w, timeout_ms, out);
	pthread_mutex_unlock(&s->lock);
	return r;
}

void sim_watch_close(struct sim *s, struct sim_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&s->lock);
	watch_unlink(s, w);
	pthread_mutex_unlock(&s->lock);
	watch_free(w);
}

int sim_stop(struct sim *s, struct gerr *err)
{
	int r = 0;

	if (s->stopped)
		return 0;
	s->stopped = 1;
	http_stop(s);
	if (s->cfg.state_file) {
		pthread_mutex_lock(&s->lock);
		r = state_save(s, s->cfg.state_file, err);
		pthread_mutex_unlock(&s->lock);
	}
	return r;
}

void sim_free(struct sim *s)
{
	if (!s)
		return;
	if (!s->stopped)
		http_stop(s);
	while (s->watches) {
		struct sim_watch *w = s->watches;

		s->watches = w->next;
		watch_free(w);
	}
	store_free(s);
	types_free(s);
	stages_free(s);
	json_decref(s->ctl);
	json_decref(s->openapi_index);
	json_decref(s->empty_leaf);
	json_decref(s->shared);
	for (size_t i = 0; i < s->ncrd_due; i++)
		free(s->crd_due[i].name);
	free(s->crd_due);
	if (s->audit)
		fclose(s->audit);
	free(s->url);
	free(s->ca_pem);
	free(s->cert_pem);
	free(s->key_pem);
	strvec_clear(&s->cfg_strings);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->audit_lock);
	pthread_cond_destroy(&s->changed);
	free(s);
}
