/* The HTTP server: health, readiness, status, metrics and the webhook,
 * served by libmicrohttpd in a thread of its own. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "pkg/base/mem.h"
#include "pkg/sync/internal.h"
#include "pkg/yaml/yaml.h"

#define MAX_BODY (1024 * 1024)   /* forges send far less; 1 MiB is ample */

struct sync_http {
	struct sync_loop *loop;
	struct MHD_Daemon *daemon;
	int fd;
	char *url;
	pthread_mutex_t lock;    /* guards secret */
	char *secret;
};

/* A request body being received. */
struct body {
	struct strbuf data;
	int too_large;
};

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
			       const char *type, char *text, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result respond_text(struct MHD_Connection *c,
				    unsigned status, const char *msg)
{
	char *text = xasprintf("%s\n", msg);

	return respond(c, status, "text/plain; charset=utf-8", text,
		       strlen(text));
}

static enum MHD_Result serve_status(struct sync_http *h,
				    struct MHD_Connection *c)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *st = sync_status_json(h->loop);
	size_t len;

	yaml_write_json(&sb, st, YAML_JSON_PRETTY);
	strbuf_addch(&sb, '\n');
	json_decref(st);
	char *text = strbuf_detach(&sb, &len);
	return respond(c, MHD_HTTP_OK, "application/json", text, len);
}

static enum MHD_Result serve_metrics(struct sync_http *h,
				     struct MHD_Connection *c)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;

	sync_metrics(h->loop, &sb);
	char *text = strbuf_detach(&sb, &len);
	return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4; "
				       "charset=utf-8", text, len);
}

static enum MHD_Result serve_hook(struct sync_http *h,
				  struct MHD_Connection *c, struct body *b)
{
	const char *sig = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, "X-Hub-Signature-256");
	int ok;

	if (b->too_large)
		return respond_text(c, MHD_HTTP_CONTENT_TOO_LARGE,
				    "the body is over 1 MiB");
	pthread_mutex_lock(&h->lock);
	ok = !h->secret || sync_webhook_valid(h->secret, b->data.buf,
					      b->data.len, sig);
	pthread_mutex_unlock(&h->lock);
	if (!ok && !sig)
		return respond_text(c, MHD_HTTP_UNAUTHORIZED,
				    "no X-Hub-Signature-256 header");
	if (!ok)
		return respond_text(c, MHD_HTTP_FORBIDDEN,
				    "X-Hub-Signature-256 does not match the "
				    "body");
	sync_trigger(h->loop);
	return respond_text(c, MHD_HTTP_ACCEPTED, "fetching");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct sync_http *h = cls;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	(void)version;

	if (!strcmp(url, "/hooks/git")) {
		struct body *b = *state;
		if (strcmp(method, "POST"))
			return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					    "use POST");
		if (!b) {
			/* the first call only announces the request */
			*state = b = xcalloc(1, sizeof(*b));
			strbuf_init(&b->data, 0);
			return MHD_YES;
		}
		if (*upload_size) {
			if (b->data.len + *upload_size > MAX_BODY)
				b->too_large = 1;
			else
				strbuf_add(&b->data, upload, *upload_size);
			*upload_size = 0;
			return MHD_YES;
		}
		return serve_hook(h, c, b);
	}
	if (strcmp(url, "/healthz") && strcmp(url, "/readyz") &&
	    strcmp(url, "/status") && strcmp(url, "/metrics"))
		return respond_text(c, MHD_HTTP_NOT_FOUND, "not found");
	if (!get)
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
	if (!strcmp(url, "/healthz"))
		return sync_alive(h->loop)
			       ? respond_text(c, MHD_HTTP_OK, "ok")
			       : respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					      "stopping");
	if (!strcmp(url, "/readyz"))
		return sync_ready(h->loop) && sync_alive(h->loop)
			       ? respond_text(c, MHD_HTTP_OK, "ok")
			       : respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					      "not ready: the first sync is "
					      "not done");
	if (!strcmp(url, "/status"))
		return serve_status(h, c);
	return serve_metrics(h, c);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode code)
{
	struct body *b = *state;
	(void)cls, (void)c, (void)code;

	if (b) {
		strbuf_release(&b->data);
		free(b);
		*state = NULL;
	}
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" (loopback: serving every
 * interface must be asked for, with 0.0.0.0 or [::]) into a bound,
 * listening socket. */
static int listen_on(const char *spec, struct gerr *err)
{
	const char *colon = strrchr(spec, ':');
	const char *port = colon ? colon + 1 : spec;
	struct addrinfo hints, *ai = NULL;
	char *host;
	int fd, one = 1, rc;

	if (!*port || strspn(port, "0123456789") != strlen(port))
		return gerr_setc(err, GERR_INPUT,
				 "--listen %s: give HOST:PORT "
				 "(127.0.0.1:9090)", spec);
	if (!colon || colon == spec)
		host = xstrdup("127.0.0.1");
	else if (spec[0] == '[' && colon[-1] == ']')
		host = xstrndup(spec + 1, (size_t)(colon - spec - 2));
	else
		host = xstrndup(spec, (size_t)(colon - spec));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	free(host);
	if (rc)
		return gerr_setc(err, GERR_INPUT, "--listen %s: %s", spec,
				 gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return gerr_setc(err, GERR_IO, "socket: %s", strerror(errno));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		gerr_setc(err, GERR_IO, "--listen %s: %s", spec,
			  strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static char *url_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		return xasprintf("http://[%s]:%d", host, ntohs(a->sin6_port));
	}
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
	return xasprintf("http://%s:%d", host, ntohs(a->sin_port));
}

struct sync_http *sync_http_start(struct sync_loop *l, const char *listen,
				  const char *secret, struct gerr *err)
{
	struct sync_http *h;
	int fd = listen_on(listen, err);

	if (fd < 0)
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->loop = l;
	h->fd = fd;
	h->secret = secret ? xstrdup(secret) : NULL;
	pthread_mutex_init(&h->lock, NULL);
	/* one thread polling every connection: the endpoints answer from
	 * memory at once, and an idle server must cost nothing */
	h->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
		handle, h, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_NOTIFY_COMPLETED, completed, h,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
	if (!h->daemon) {
		gerr_setc(err, GERR_IO, "--listen %s: cannot start the HTTP "
			  "server", listen);
		close(fd);
		pthread_mutex_destroy(&h->lock);
		free(h->secret);
		free(h);
		return NULL;
	}
	h->url = url_of(fd);
	sync_log(l, NULL, "serving", json_pack("{s:s}", "url", h->url),
		 "serving %s (/healthz /readyz /status /metrics, POST "
		 "/hooks/git%s)", h->url,
		 secret ? " signed" : "");
	return h;
}

void sync_http_set_secret(struct sync_http *h, const char *secret)
{
	char *copy = secret ? xstrdup(secret) : NULL;

	pthread_mutex_lock(&h->lock);
	free(h->secret);
	h->secret = copy;
	pthread_mutex_unlock(&h->lock);
}

const char *sync_http_url(const struct sync_http *h)
{
	return h->url;
}

void sync_http_stop(struct sync_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h->secret);
	free(h->url);
	free(h);
}
