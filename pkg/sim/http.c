/*
 * pkg/sim: serving over HTTP(S) with libmicrohttpd — one thread per
 * connection (so a watch can block on the cluster's condition variable
 * and a fault can sleep without holding anyone up), bearer-token
 * authentication, faults, the audit log, chunked watch streams, and the
 * clock thread that runs the controllers and saves the state file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

struct conn {
	struct strbuf body;
	int started;
};

struct stream {
	struct sim *s;
	struct sim_watch *w;
	struct strbuf buf;
	size_t off;
};

static int collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
		       const char *value)
{
	json_t *q = cls;

	(void)kind;
	if (key && !json_object_get(q, key))
		json_object_set_new(q, key, json_string(value ? value : ""));
	return MHD_YES;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	size_t n;

	(void)pos;
	while (st->off >= st->buf.len) {
		int r;

		strbuf_reset(&st->buf);
		st->off = 0;
		pthread_mutex_lock(&st->s->lock);
		r = watch_next_locked(st->s, st->w, 1000, &st->buf);
		pthread_mutex_unlock(&st->s->lock);
		if (r < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = st->buf.len - st->off;
	if (n > max)
		n = max;
	memcpy(buf, st->buf.buf + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	pthread_mutex_lock(&st->s->lock);
	watch_unlink(st->s, st->w);
	pthread_mutex_unlock(&st->s->lock);
	watch_free(st->w);
	strbuf_release(&st->buf);
	free(st);
}

static struct MHD_Response *json_response(const json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t len = strlen(text);
	struct MHD_Response *r;

	/* encoding/json's Encoder ends every document with a newline */
	text = xrealloc(text, len + 2);
	text[len] = '\n';
	text[len + 1] = 0;
	r = MHD_create_response_from_buffer(len + 1, text,
					    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	return r;
}

static enum MHD_Result send_status(struct MHD_Connection *c, json_t *st,
				   int retry_after)
{
	struct MHD_Response *r = json_response(st);
	int code = (int)json_integer_value(json_object_get(st, "code"));
	enum MHD_Result ret;
	char buf[16];

	if (retry_after) {
		snprintf(buf, sizeof(buf), "%d", retry_after);
		MHD_add_response_header(r, "Retry-After", buf);
	}
	ret = MHD_queue_response(c, (unsigned)code, r);
	MHD_destroy_response(r);
	json_decref(st);
	return ret;
}

/* Which user the request is: NULL when the token is wrong. */
static const char *authenticate(struct sim *s, struct MHD_Connection *c,
				int *readonly)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Authorization");
	const char *tok = NULL;

	*readonly = 0;
	if (h && !strncasecmp(h, "Bearer ", 7))
		tok = h + 7;
	if (s->cfg.readonly_token && tok &&
	    !strcmp(tok, s->cfg.readonly_token)) {
		*readonly = 1;
		return "kubesim-readonly";
	}
	if (s->cfg.token)
		return tok && !strcmp(tok, s->cfg.token) ? "kubesim-admin"
							  : NULL;
	if (s->cfg.readonly_token && tok)
		return NULL;
	return "kubesim-admin";
}

static void add_common_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Cache-Control", "no-cache, private");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	struct sim *s = cls;
	struct conn *cn = *con_cls;
	struct req r;
	struct resp out;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int readonly, code;
	const char *user;
	long delay = 0;

	(void)version;
	if (!cn) {
		cn = xcalloc(1, sizeof(*cn));
		strbuf_init(&cn->body, 0);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		strbuf_add(&cn->body, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&r, 0, sizeof(r));
	r.method = method;
	r.path = url;
	user = authenticate(s, c, &readonly);
	if (!user) {
		r.user = "";
		audit_record(s, &r, NULL, 401);
		return send_status(c, status_failure(401, "Unauthorized",
						     "Unauthorized", NULL),
				   0);
	}
	r.user = user;
	r.readonly = readonly;
	if (strncmp(url, "/kubesim/", 9) && strcmp(url, "/healthz") &&
	    strcmp(url, "/readyz") && strcmp(url, "/livez")) {
		enum fault_kind f;

		pthread_mutex_lock(&s->lock);
		f = faults_roll(&s->faults, &delay, &code);
		pthread_mutex_unlock(&s->lock);
		if (delay > 0)
			usleep((useconds_t)delay * 1000);
		if (f == FAULT_DROP) {
			audit_record(s, &r, NULL, 0);
			return MHD_NO; /* the connection closes, no reply */
		}
		if (f == FAULT_CODE) {
			audit_record(s, &r, NULL, code);
			return send_status(
				c,
				status_failure(
					code,
					code == 429 ? "TooManyRequests"
					: code == 503 ? "ServiceUnavailable"
					: code == 504 ? "Timeout"
						      : "InternalError",
					code == 429 ? "Too many requests, please "
						      "try again later."
					: code == 503 ? "the server is currently "
							"unable to handle the "
							"request"
					: code == 504 ? "the server was unable "
							"to return a response in "
							"the time allotted"
						      : "an error on the server "
							"(\"kubesim fault\") has "
							"prevented the request "
							"from succeeding",
					NULL),
				code == 429 ? 1 : 0);
		}
	}
	r.query = json_object();
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND,
				  (MHD_KeyValueIterator)collect_arg, r.query);
	r.ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					      "Content-Type");
	r.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	r.user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						   "User-Agent");
	r.body = cn->body.buf;
	r.body_len = cn->body.len;
	pthread_mutex_lock(&s->lock);
	api_handle(s, &r, &out);
	pthread_mutex_unlock(&s->lock);
	audit_record(s, &r, out.verb, out.code);
	if (out.watch) {
		struct stream *st = xcalloc(1, sizeof(*st));

		st->s = s;
		st->w = out.watch;
		out.watch = NULL;
		resp = MHD_create_response_from_callback(
			MHD_SIZE_UNKNOWN, 16384, stream_read, st, stream_free);
		MHD_add_response_header(resp, "Content-Type",
					"application/json");
	} else if (out.json) {
		resp = json_response(out.json);
	} else {
		const char *text = out.text ? out.text : "";

		resp = MHD_create_response_from_buffer(strlen(text),
						       (void *)text,
						       MHD_RESPMEM_MUST_COPY);
		MHD_add_response_header(resp, "Content-Type",
					out.ctype ? out.ctype
						  : "text/plain; charset=utf-8");
	}
	add_common_headers(resp);
	for (size_t i = 0; i < out.warnings.nr; i++) {
		struct strbuf w = STRBUF_INIT;

		strbuf_addstr(&w, "299 - ");
		go_quote(&w, out.warnings.v[i]);
		MHD_add_response_header(resp, "Warning", w.buf);
		strbuf_release(&w);
	}
	ret = MHD_queue_response(c, (unsigned)out.code, resp);
	MHD_destroy_response(resp);
	json_decref(r.query);
	resp_clear(&out);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn) {
		strbuf_release(&cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

/* Only loopback: kubesim is a test double, never a server on a network. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss,
			socklen_t *len, struct gerr *err)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	size_t hl;
	long port;
	char *end;

	if (!colon)
		return gerr_setc(err, GERR_INPUT,
				 "--listen %s: expected HOST:PORT", spec);
	hl = (size_t)(colon - spec);
	if (hl >= sizeof(host))
		return gerr_setc(err, GERR_INPUT, "--listen %s: host too long",
				 spec);
	memcpy(host, spec, hl);
	host[hl] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 || colon[1] == 0)
		return gerr_setc(err, GERR_INPUT, "--listen %s: bad port",
				 spec);
	memset(ss, 0, sizeof(*ss));
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return gerr_setc(err, GERR_INPUT,
					 "--listen %s: only loopback addresses "
					 "(127.0.0.0/8, ::1, localhost)", spec);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1 ||
		    (ntohl(a->sin_addr.s_addr) >> 24) != 127)
			return gerr_setc(err, GERR_INPUT,
					 "--listen %s: only loopback addresses "
					 "(127.0.0.0/8, ::1, localhost)", spec);
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return 0;
}

static void *clock_thread(void *arg)
{
	struct sim *s = arg;
	long long last = util_now_ms(), last_save = last;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		struct timespec ts;
		long long now;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		/* the condition is broadcast on every change; a stop too */
		pthread_cond_timedwait(&s->changed, &s->lock, &ts);
		if (s->stopping)
			break;
		now = util_now_ms();
		if (s->cfg.tick_ms > 0 && now > last)
			sim_advance_locked(s, (long)(now - last));
		else if (now > last)
			s->clock_ms += now - last, crd_establish_due(s);
		last = now;
		if (s->cfg.state_file && s->cfg.save_every_ms > 0 &&
		    now - last_save >= s->cfg.save_every_ms) {
			struct gerr err = GERR_INIT;

			if (state_save(s, s->cfg.state_file, &err) < 0 &&
			    !s->cfg.quiet)
				fprintf(stderr, "kubesim: %s\n", gerr_msg(&err));
			gerr_clear(&err);
			last_save = now;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int sim_serve(struct sim *s, struct gerr *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	int one = 1;

	if (parse_listen(s->cfg.listen, &ss, &len, err) < 0)
		return -1;
	s->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return gerr_setc(err, GERR_IO, "socket: %s", strerror(errno));
	setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->listen_fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(s->listen_fd, 128) < 0) {
		gerr_setc(err, GERR_IO, "--listen %s: %s", s->cfg.listen,
			  strerror(errno));
		close(s->listen_fd);
		s->listen_fd = -1;
		return -1;
	}
	len = sizeof(ss);
	getsockname(s->listen_fd, (struct sockaddr *)&ss, &len);
	if (ss.ss_family == AF_INET6)
		s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (s->cert_pem) {
		flags |= MHD_USE_TLS;
		s->daemon = MHD_start_daemon(
			flags, 0, NULL, NULL, handle, s,
			MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
			MHD_OPTION_NOTIFY_COMPLETED, completed, s,
			MHD_OPTION_HTTPS_MEM_KEY, s->key_pem,
			MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem,
			MHD_OPTION_END);
	} else {
		s->daemon = MHD_start_daemon(
			flags, 0, NULL, NULL, handle, s,
			MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
			MHD_OPTION_NOTIFY_COMPLETED, completed, s,
			MHD_OPTION_END);
	}
	if (!s->daemon) {
		close(s->listen_fd);
		s->listen_fd = -1;
		return gerr_setc(err, GERR_IO,
				 "cannot start the HTTP server on %s",
				 s->cfg.listen);
	}
	if (ss.ss_family == AF_INET6)
		s->url = xasprintf("%s://[::1]:%d", s->cert_pem ? "https"
							       : "http",
				   s->port);
	else {
		char host[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			  host, sizeof(host));
		s->url = xasprintf("%s://%s:%d", s->cert_pem ? "https" : "http",
				   host, s->port);
	}
	if (pthread_create(&s->bg, NULL, clock_thread, s) == 0)
		s->bg_running = 1;
	return 0;
}

const char *sim_url(const struct sim *s)
{
	return s->url;
}

void http_stop(struct sim *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	if (s->bg_running) {
		pthread_join(s->bg, NULL);
		s->bg_running = 0;
	}
	if (s->daemon) {
		MHD_stop_daemon(s->daemon);
		s->daemon = NULL;
	}
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		s->listen_fd = -1;
	}
}
