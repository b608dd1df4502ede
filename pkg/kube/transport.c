/*
 * pkg/kube: the transport — every request of a client on one libcurl
 * multi handle, driven from the caller's thread by kube_poll().
 *
 * A request (struct kube_xfer) lives on exactly one of three lists:
 * queued (ready to start), delayed (waiting for its retry time) or active
 * (in libcurl). Starting is bounded by the concurrency (watch streams do
 * not count: they stay open for minutes). When an attempt ends, the retry
 * policy of retry.c decides: complete it (callback), queue it again after
 * a backoff, or, for a create of unknown outcome, turn it into a GET of
 * the object and look before sending it again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"

#define MAX_RETRY_AFTER_MS 60000

double kube_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void kube_log(struct kube_client *c, int level, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (level > c->opts.verbosity)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (c->opts.log)
		c->opts.log(level, sb.buf, c->opts.log_data);
	else
		fprintf(stderr, "%s\n", sb.buf);
	strbuf_release(&sb);
}

void kube_client_opts_init(struct kube_client_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->concurrency = 64;
	o->retries = 5;
	o->backoff_base_ms = 200;
	o->backoff_max_ms = 5000;
	o->discovery_ttl_s = 6 * 3600;
}

/* ---- lists ---- */

static struct xfer_list *list_of(struct kube_client *c, enum xfer_state s)
{
	return s == XS_QUEUED ? &c->queued : s == XS_DELAYED ? &c->delayed
							      : &c->active;
}

static void list_add(struct kube_client *c, struct kube_xfer *x,
		     enum xfer_state s)
{
	struct xfer_list *l = list_of(c, s);
	x->state = s;
	x->next = NULL;
	x->prev = l->tail;
	if (l->tail)
		l->tail->next = x;
	else
		l->head = x;
	l->tail = x;
	l->nr++;
}

void kube_xfer_unlink(struct kube_client *c, struct kube_xfer *x)
{
	struct xfer_list *l = list_of(c, x->state);
	if (x->prev)
		x->prev->next = x->next;
	else
		l->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	else
		l->tail = x->prev;
	x->next = x->prev = NULL;
	l->nr--;
}

/* ---- the client ---- */

static char *default_cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		return xasprintf("%s/gantry/discovery", xdg);
	if (home && *home)
		return xasprintf("%s/.cache/gantry/discovery", home);
	return NULL;
}

/* tls-server-name: the URL names that host (so libcurl sends it as SNI
 * and checks the certificate against it), CONNECT_TO sends the
 * connection to the real one. */
static int setup_server_name(struct kube_client *c, struct gerr *err)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *url = NULL;
	int ret = -1;

	if (curl_url_set(u, CURLUPART_URL, c->cfg->server, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT)) {
		gerr_setc(err, GERR_INPUT, "kubeconfig: cluster \"%s\": the "
			  "server \"%s\" is not a valid URL",
			  kube_config_cluster(c->cfg), c->cfg->server);
		goto out;
	}
	if (c->cfg->tls_server_name) {
		c->connect_to = xasprintf("%s:%s:%s:%s",
					  c->cfg->tls_server_name, port, host,
					  port);
		c->connect_list = curl_slist_append(NULL, c->connect_to);
		curl_url_set(u, CURLUPART_HOST, c->cfg->tls_server_name, 0);
		curl_url_get(u, CURLUPART_URL, &url, 0);
		c->url_base = xstrdup(url);
		/* curl adds a '/' for an empty path */
		if (c->url_base[strlen(c->url_base) - 1] == '/' &&
		    c->cfg->server[strlen(c->cfg->server) - 1] != '/')
			c->url_base[strlen(c->url_base) - 1] = 0;
	} else {
		c->url_base = xstrdup(c->cfg->server);
	}
	ret = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return ret;
}

struct kube_client *kube_client_new(struct kube_config *cfg,
				    const struct kube_client_opts *opts,
				    struct gerr *err)
{
	static int curl_ready;
	struct kube_client *c = xcalloc(1, sizeof(*c));

	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	c->cfg = cfg;
	if (opts)
		c->opts = *opts;
	else
		kube_client_opts_init(&c->opts);
	if (c->opts.concurrency <= 0)
		c->opts.concurrency = 64;
	if (c->opts.retries < 0)
		c->opts.retries = 0;
	if (c->opts.backoff_base_ms <= 0)
		c->opts.backoff_base_ms = 200;
	if (c->opts.backoff_max_ms <= 0)
		c->opts.backoff_max_ms = 5000;
	if (c->opts.discovery_ttl_s <= 0)
		c->opts.discovery_ttl_s = 6 * 3600;
	if (!c->opts.cache_dir)
		c->cache_dir = default_cache_dir();
	else if (*c->opts.cache_dir)
		c->cache_dir = xstrdup(c->opts.cache_dir);
	c->opts.cache_dir = NULL;	/* not kept: it may be the caller's */
	c->seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	strbuf_init(&c->cred.cert, 0);
	strbuf_init(&c->cred.key, 0);
	c->multi = curl_multi_init();
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS,
			  (long)c->opts.concurrency + 16);
	if (setup_server_name(c, err) < 0) {
		kube_client_free(c);
		return NULL;
	}
	return c;
}

const struct kube_config *kube_client_config(const struct kube_client *c)
{
	return c->cfg;
}

void kube_xfer_free(struct kube_client *c, struct kube_xfer *x)
{
	if (x->easy) {
		curl_multi_remove_handle(c->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	free(x->method);
	free(x->path);
	free(x->content_type);
	if (x->body) {
		/* a body may be a Secret */
		memset(x->body, 0, x->body_len);
		free(x->body);
	}
	json_decref(x->sent);
	strbuf_release(&x->resp);
	free(x->resp_type);
	free(x->verify_path);
	gerr_clear(&x->last);
	gerr_clear(&x->orig);
	free(x);
}

static void free_list(struct kube_client *c, struct xfer_list *l)
{
	while (l->head) {
		struct kube_xfer *x = l->head;
		kube_xfer_unlink(c, x);
		if (x->watch)
			kube_watch_free_(x->watch);
		kube_xfer_free(c, x);
	}
}

void kube_client_free(struct kube_client *c)
{
	if (!c)
		return;
	free_list(c, &c->queued);
	free_list(c, &c->delayed);
	free_list(c, &c->active);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	kube_disc_free(c->disc);
	kube_cred_clear(&c->cred);
	kube_wipe_strbuf(&c->cred.cert);
	kube_wipe_strbuf(&c->cred.key);
	gerr_clear(&c->cred_err);
	curl_slist_free_all(c->connect_list);
	free(c->connect_to);
	free(c->url_base);
	free(c->cache_dir);
	kube_config_free(c->cfg);
	free(c);
}

/* ---- requests ---- */

struct kube_xfer *kube_xfer_new(const struct kube_request *req)
{
	struct kube_xfer *x = xcalloc(1, sizeof(*x));

	x->method = xstrdup(req->method ? req->method : "GET");
	x->path = xstrdup(req->path ? req->path : "/");
	if (req->content_type)
		x->content_type = xstrdup(req->content_type);
	else if (req->body)
		x->content_type = xstrdup("application/json");
	if (req->body) {
		x->body = json_dumps(req->body, JSON_COMPACT | JSON_ENCODE_ANY);
		x->body_len = strlen(x->body);
		if (!strcmp(x->method, "POST"))
			x->sent = json_deep_copy(req->body);
	}
	x->flags = req->flags;
	x->done = req->done;
	x->data = req->data;
	strbuf_init(&x->resp, 0);
	return x;
}

void kube_xfer_enqueue(struct kube_client *c, struct kube_xfer *x,
		       double due_ms)
{
	x->due_ms = due_ms;
	list_add(c, x, due_ms > kube_now_ms() ? XS_DELAYED : XS_QUEUED);
}

void kube_submit(struct kube_client *c, const struct kube_request *req)
{
	struct kube_xfer *x = kube_xfer_new(req);
	x->submitted_ms = kube_now_ms();
	c->pending++;
	kube_xfer_enqueue(c, x, 0);
}

int kube_pending(const struct kube_client *c)
{
	return c->pending;
}

static size_t on_data(char *buf, size_t size, size_t n, void *p)
{
	struct kube_xfer *x = p;
	if (x->watch)
		return kube_watch_data(x, buf, size * n);
	strbuf_add(&x->resp, buf, size * n);
	return size * n;
}

static size_t on_header(char *buf, size_t size, size_t n, void *p)
{
	struct kube_xfer *x = p;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(buf, "Retry-After:", 12)) {
		char *v = xstrndup(buf + 12, len - 12);
		x->retry_after_ms = kube_retry_after_ms(v, time(NULL));
		free(v);
	} else if (len > 13 && !strncasecmp(buf, "Content-Type:", 13)) {
		const char *v = buf + 13;
		while (*v == ' ')
			v++;
		free(x->resp_type);
		x->resp_type = xstrndup(v, strcspn(v, "\r\n"));
	}
	return len;
}

static const char *cur_method(const struct kube_xfer *x)
{
	return x->verifying ? "GET" : x->method;
}

static const char *cur_path(const struct kube_xfer *x)
{
	return x->verifying ? x->verify_path : x->path;
}

static void log_headers(struct kube_client *c, struct kube_xfer *x,
			const char *url)
{
	kube_log(c, 7, "%s %s", cur_method(x), url);
	for (struct curl_slist *h = x->headers; h; h = h->next) {
		if (!strncasecmp(h->data, "Authorization:", 14))
			kube_log(c, 7, "    Authorization: <masked>");
		else
			kube_log(c, 7, "    %s", h->data);
	}
	if (c->cfg->basic && !c->cfg->token)
		kube_log(c, 7, "    Authorization: <masked>");
}

static void complete(struct kube_client *c, struct kube_xfer *x, long status,
		     json_t *body, struct gerr *err, int verified);

/* Hand an attempt to libcurl; 0, or -1 when it completed already (the
 * credentials could not be had). */
static int start(struct kube_client *c, struct kube_xfer *x)
{
	struct gerr err = GERR_INIT;
	char *url;
	CURL *e;

	x->attempts++;
	x->started_ms = kube_now_ms();
	x->retry_after_ms = -1;
	strbuf_reset(&x->resp);
	free(x->resp_type);
	x->resp_type = NULL;
	x->errbuf[0] = 0;
	curl_slist_free_all(x->headers);
	x->headers = NULL;

	e = x->easy = curl_easy_init();
	url = xasprintf("%s%s", c->url_base, cur_path(x));
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Waiting for a connection being set up, to multiplex on it, pays
	 * only where HTTP/2 can come out of it: over TLS, where ALPN says so
	 * at the handshake. Over plain HTTP/1.1 libcurl would wait for the
	 * whole first response before opening a second connection. */
	if (!strncmp(c->url_base, "https:", 6))
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "gantry/" GANTRY_VERSION);
	if (!x->watch && c->opts.request_timeout_ms > 0) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->opts.request_timeout_ms);
		if (c->opts.request_timeout_ms < 30000)
			curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
					 c->opts.request_timeout_ms);
	}
	if (c->connect_list)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_list);
	/* libcurl sends a request again by itself when a reused connection
	 * dies before any reply. For a create by name that is caught (409
	 * AlreadyExists, then verified); a create by generateName would make
	 * a second object, so it gets a connection of its own. */
	if (x->sent && !x->verifying && !json_object_get(
			json_object_get(x->sent, "metadata"), "name"))
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	if (!strcmp(cur_method(x), "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(cur_method(x), "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, cur_method(x));
		if (x->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
					 (long)x->body_len);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		} else if (strcmp(cur_method(x), "DELETE")) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
		}
	}
	x->headers = curl_slist_append(x->headers, "Accept: application/json");
	if (x->body && !x->verifying) {
		char *h = xasprintf("Content-Type: %s", x->content_type);
		x->headers = curl_slist_append(x->headers, h);
		free(h);
	}
	x->headers = curl_slist_append(x->headers, "Expect:");
	if (kube_auth_apply(c, e, &x->headers, &err) < 0) {
		free(url);
		curl_easy_cleanup(e);
		x->easy = NULL;
		if (x->watch) {
			kube_watch_ended(c, x, 0, &err, 0);
			kube_watch_free_(x->watch);
			kube_xfer_free(c, x);
		} else {
			complete(c, x, 0, NULL, &err, 0);
		}
		gerr_clear(&err);
		return -1;
	}
	x->cred_gen = c->cred_gen;	/* after a plugin run it may bump */
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	log_headers(c, x, url);
	free(url);
	list_add(c, x, XS_ACTIVE);
	if (!x->watch)
		c->active_plain++;
	curl_multi_add_handle(c->multi, e);
	return 0;
}

static struct kube_xfer *first_startable(struct kube_client *c)
{
	for (struct kube_xfer *x = c->queued.head; x; x = x->next)
		if (x->watch || c->active_plain < c->opts.concurrency)
			return x;
	return NULL;
}

static void start_ready(struct kube_client *c)
{
	double now = kube_now_ms();
	struct kube_xfer *x, *next;

	for (x = c->delayed.head; x; x = next) {
		next = x->next;
		if (x->due_ms <= now) {
			kube_xfer_unlink(c, x);
			list_add(c, x, XS_QUEUED);
		}
	}
	/* start() may complete a request at once (its callback may queue
	 * more), so look for the next startable one from the head each time */
	while ((x = first_startable(c))) {
		kube_xfer_unlink(c, x);
		start(c, x);
	}
}

static void complete(struct kube_client *c, struct kube_xfer *x, long status,
		     json_t *body, struct gerr *err, int verified)
{
	struct kube_response r;

	memset(&r, 0, sizeof(r));
	r.method = x->method;
	r.path = x->path;
	r.status = status;
	r.body = body;
	r.raw = x->resp.buf;
	r.raw_len = x->resp.len;
	r.attempts = x->attempts;
	r.seconds = (kube_now_ms() - x->submitted_ms) / 1000;
	r.verified = verified;
	if (err)
		gerr_move(&r.err, err);
	c->pending--;
	if (x->done)
		x->done(c, &r, x->data);
	gerr_clear(&r.err);
	json_decref(body);
	kube_xfer_free(c, x);
}

static json_t *parse_body(const struct kube_xfer *x)
{
	const char *t = x->resp_type;
	if (!x->resp.len)
		return NULL;
	if ((t && strstr(t, "json")) || x->resp.buf[0] == '{' ||
	    x->resp.buf[0] == '[')
		return json_loadb(x->resp.buf, x->resp.len, 0, NULL);
	return NULL;
}

/* Connection failures worth another attempt: not TLS verification or a
 * bad client certificate, which fail the same way every time. */
static int conn_retryable(CURLcode rc, const char *detail)
{
	if (strstr(detail, "alert certificate required") ||
	    strstr(detail, "alert bad certificate") ||
	    strstr(detail, "alert unknown ca") ||
	    strstr(detail, "alert certificate expired"))
		return 0;
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_OUT_OF_MEMORY:
		return 0;
	default:
		return 1;
	}
}

/* The GET path of the object a POST creates; NULL without a name. */
static char *object_path_of(const struct kube_xfer *x)
{
	const char *name = json_string_value(json_object_get(
		json_object_get(x->sent, "metadata"), "name"));
	struct strbuf sb = STRBUF_INIT;

	if (!name || !*name)
		return NULL;
	strbuf_add(&sb, x->path, strcspn(x->path, "?"));
	strbuf_addch(&sb, '/');
	kube_url_escape(&sb, name);
	return strbuf_detach(&sb, NULL);
}

static void retry_later(struct kube_client *c, struct kube_xfer *x,
			long status, const char *why)
{
	long delay = kube_backoff_ms(x->attempts, c->opts.backoff_base_ms,
				     c->opts.backoff_max_ms, &c->seed);

	if (status == 429 && x->retry_after_ms >= 0)
		delay = x->retry_after_ms > MAX_RETRY_AFTER_MS
				? MAX_RETRY_AFTER_MS : x->retry_after_ms;
	kube_log(c, 4, "retrying %s %s in %ld ms (attempt %d of %d): %s",
		 cur_method(x), cur_path(x), delay, x->attempts + 1,
		 c->opts.retries + 1, why);
	kube_xfer_enqueue(c, x, kube_now_ms() + (double)delay);
}

/* The verifying GET of a create ended. */
static void verified_get(struct kube_client *c, struct kube_xfer *x,
			 long status, json_t *body, struct gerr *err,
			 int can_retry)
{
	if (status == 200 && json_is_object(body)) {
		if (kube_same_create(x->sent, body)) {
			kube_log(c, 4, "POST %s: the create had succeeded (the "
				 "object exists with the content sent)", x->path);
			complete(c, x, 201, body, NULL, 1);
			return;
		}
		json_decref(body);
		if (x->exists)	/* the server's AlreadyExists says it */
			gerr_move(err, &x->orig);
		else
			gerr_setc(err, GERR_CONFLICT,
				  "POST %s: the connection failed after the "
				  "create was sent (%s), and %s now exists with "
				  "other content: another client created it",
				  x->path, gerr_msg(&x->orig), x->verify_path);
		complete(c, x, 409, NULL, err, 0);
		return;
	}
	json_decref(body);
	if (status == 404 && x->exists) {
		/* deleted again in between: report the conflict as it was */
		gerr_move(err, &x->orig);
		complete(c, x, 409, NULL, err, 0);
		return;
	}
	if (status == 404 && can_retry) {
		/* it was not created: sending it again is safe */
		x->verifying = 0;
		retry_later(c, x, 0, "the create did not happen");
		return;
	}
	if (can_retry && (status == 0 || status == 429 || status >= 500)) {
		retry_later(c, x, status, gerr_msg(err));
		return;
	}
	gerr_prefix(err, "the outcome of POST %s is unknown (%s); reading "
		    "the object back failed", x->path, gerr_msg(&x->orig));
	complete(c, x, 0, NULL, err, 0);
}

static void finish(struct kube_client *c, struct kube_xfer *x, CURLcode rc)
{
	c->progress++;
	long status = 0, tls = 0, req_size = 0;
	struct gerr err = GERR_INIT;
	double ms = kube_now_ms() - x->started_ms;
	json_t *body;
	enum kube_verdict v;
	int can_retry;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_SSL_VERIFYRESULT, &tls);
	curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &req_size);
	if (rc != CURLE_OK)
		status = 0;
	kube_xfer_unlink(c, x);
	if (!x->watch)
		c->active_plain--;
	curl_multi_remove_handle(c->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	if (rc == CURLE_OK)
		kube_log(c, 6, "%s %s%s %ld %s in %.0f milliseconds",
			 cur_method(x), c->url_base, cur_path(x), status,
			 status >= 200 && status < 300 ? "OK"
						       : kube_status_text(status),
			 ms);
	else
		kube_log(c, 6, "%s %s%s failed in %.0f milliseconds: %s",
			 cur_method(x), c->url_base, cur_path(x), ms,
			 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));

	if (rc != CURLE_OK && !(x->watch && rc == CURLE_WRITE_ERROR))
		kube_transport_error(&err, c->cfg, cur_method(x), cur_path(x),
				     rc, x->errbuf, tls);
	if (x->watch) {
		if (rc == CURLE_OK && (status < 200 || status > 299)) {
			body = parse_body(x);
			kube_http_error(&err, c->cfg, cur_method(x),
					cur_path(x), status, body);
			json_decref(body);
		}
		if (!kube_watch_ended(c, x, status, &err,
				      rc != CURLE_OK && rc != CURLE_WRITE_ERROR &&
				      conn_retryable(rc, x->errbuf))) {
			kube_watch_free_(x->watch);
			kube_xfer_free(c, x);
		}
		gerr_clear(&err);
		return;
	}
	body = parse_body(x);
	if (rc == CURLE_OK && status >= 200 && status < 300 && !x->verifying) {
		complete(c, x, status, body, NULL, 0);
		return;
	}
	if (rc == CURLE_OK && (status < 200 || status > 299))
		kube_http_error(&err, c->cfg, cur_method(x), cur_path(x),
				status, body);
	can_retry = !(x->flags & KUBE_NO_RETRY) &&
		    x->attempts <= c->opts.retries;
	if (x->verifying) {
		verified_get(c, x, status, body, &err, can_retry);
		gerr_clear(&err);
		return;
	}
	if (status == 401 && !x->renewed && kube_auth_renew(c, x->cred_gen)) {
		/* expired credentials: once more with new ones, now */
		x->renewed = 1;
		x->attempts--;	/* not a retry of the request itself */
		kube_log(c, 4, "%s %s: 401, retrying with renewed credentials",
			 x->method, x->path);
		json_decref(body);
		gerr_clear(&err);
		kube_xfer_enqueue(c, x, 0);
		return;
	}
	if (status == 409 && x->sent && !x->exists &&
	    !strcmp(json_string_value(json_object_get(body, "reason")) ?
		    json_string_value(json_object_get(body, "reason")) : "",
		    "AlreadyExists") &&
	    (x->verify_path || (x->verify_path = object_path_of(x)))) {
		/* ours already? (an earlier attempt libcurl or we repeated, or
		 * another run creating the same thing) */
		x->exists = 1;
		x->verifying = 1;
		json_decref(body);
		gerr_move(&x->orig, &err);
		kube_xfer_enqueue(c, x, 0);
		return;
	}
	v = kube_retry_verdict(x->method, x->path, x->content_type,
			       rc == CURLE_OK, conn_retryable(rc, x->errbuf),
			       req_size > 0, status);
	if (v == KUBE_VERIFY && !(x->verify_path || (x->verify_path = object_path_of(x)))) {
		gerr_prefix(&err, "the outcome of the create is unknown (the "
			    "object has no metadata.name to look it up by, so "
			    "it was not sent again)");
		v = KUBE_FINAL;
	}
	if (v != KUBE_FINAL && can_retry) {
		json_decref(body);
		if (v == KUBE_VERIFY) {
			gerr_move(&x->orig, &err);
			x->verifying = 1;
			retry_later(c, x, status, gerr_msg(&x->orig));
		} else {
			retry_later(c, x, status, gerr_msg(&err));
		}
		gerr_clear(&err);
		return;
	}
	if (v != KUBE_FINAL && x->attempts > 1)
		gerr_prefix(&err, "after %d attempts", x->attempts);
	complete(c, x, status, body, &err, 0);
	gerr_clear(&err);
}

static void drain(struct kube_client *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left))) {
		struct kube_xfer *x;
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		finish(c, x, m->data.result);
	}
}

int kube_poll(struct kube_client *c, long timeout_ms)
{
	int running;
	double now, wait = timeout_ms < 0 ? 0 : (double)timeout_ms;

	unsigned long progress = c->progress;

	start_ready(c);
	curl_multi_perform(c->multi, &running);
	drain(c);
	start_ready(c);
	/* callbacks ran already: that is the progress waited for */
	if (first_startable(c) || c->progress != progress)
		wait = 0;
	now = kube_now_ms();
	for (struct kube_xfer *x = c->delayed.head; x; x = x->next)
		if (x->due_ms - now < wait)
			wait = x->due_ms - now < 0 ? 0 : x->due_ms - now;
	if (c->active.nr || wait > 0)
		curl_multi_poll(c->multi, NULL, 0, (int)(wait + 0.999), NULL);
	curl_multi_perform(c->multi, &running);
	drain(c);
	start_ready(c);
	return c->pending + c->watches;
}

void kube_run(struct kube_client *c)
{
	while (c->pending > 0)
		kube_poll(c, 1000);
}

void kube_wakeup(struct kube_client *c)
{
	curl_multi_wakeup(c->multi);
}

/* ---- blocking helpers ---- */

struct sync_result {
	int done;
	long status;
	json_t *body;
	struct gerr err;
};

static void sync_done(struct kube_client *c, const struct kube_response *r,
		      void *data)
{
	struct sync_result *s = data;
	s->done = 1;
	s->status = r->status;
	if (gerr_failed(&r->err)) {
		s->err.code = r->err.code;
		s->err.msg = xstrdup(gerr_msg(&r->err));
	} else {
		s->body = json_incref(r->body);
	}
}

int kube_request_sync(struct kube_client *c, const char *method,
		      const char *path, const char *content_type,
		      const json_t *body, json_t **out, struct gerr *err)
{
	struct sync_result s = { 0, 0, NULL, GERR_INIT };

	if (out)
		*out = NULL;
	kube_submit(c, &(struct kube_request){ .method = method, .path = path,
					       .body = body,
					       .content_type = content_type,
					       .done = sync_done, .data = &s });
	while (!s.done)
		kube_poll(c, 1000);
	if (gerr_failed(&s.err)) {
		if (err)
			gerr_move(err, &s.err);
		gerr_clear(&s.err);
		return -1;
	}
	if (out)
		*out = s.body;
	else
		json_decref(s.body);
	return (int)s.status;
}

int kube_get(struct kube_client *c, const char *path, json_t **out,
	     struct gerr *err)
{
	return kube_request_sync(c, "GET", path, NULL, NULL, out, err);
}
