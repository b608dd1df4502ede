#ifndef GANTRY_KUBE_H
#define GANTRY_KUBE_H

/*
 * pkg/kube — the Kubernetes REST client.
 *
 *   struct kube_config_opts o = { .context = "prod" };
 *   struct kube_config *cfg = kube_config_load(&o, &err);   // kubeconfig
 *   struct kube_client_opts co;
 *   kube_client_opts_init(&co);
 *   struct kube_client *c = kube_client_new(cfg, &co, &err); // takes cfg
 *   const struct kube_resource *r =
 *           kube_resource_for(c, "apps/v1", "Deployment", &err);
 *   char *path = kube_resource_path(r, "shop", "web");
 *   kube_submit(c, &(struct kube_request){ .method = "GET", .path = path,
 *                                          .done = got, .data = obj });
 *   ... more submits: they all run concurrently ...
 *   kube_run(c);                       // until every request is done
 *   kube_client_free(c);
 *
 * Configuration is read as kubectl reads it (KUBECONFIG merging, contexts,
 * every auth mode, in-cluster service accounts). Requests run on one
 * libcurl multi handle in the calling thread: many in flight at once
 * (HTTP/2 streams where the server offers HTTP/2 over TLS, otherwise a
 * pool of keep-alive connections), bounded by the client's concurrency.
 * Nothing here is thread-safe except kube_wakeup(): use a client from one
 * thread. Callbacks may submit requests and stop watches; request
 * callbacks may also use the blocking helpers and the discovery lookups
 * (which run the loop), but watch callbacks must not: they run inside
 * libcurl, which refuses to be driven from there.
 *
 * Secrets: tokens, passwords, keys and exec plugin output are never put in
 * an error message, a log line or anything else this module returns.
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"

/* ------------------------------------------------------------------ */
/* Configuration                                                        */

struct kube_config_opts {
	const char *kubeconfig;  /* --kubeconfig: this file only (must exist) */
	const char *context;     /* --context: instead of current-context */
	const char *namespace;   /* -n/--namespace: instead of the context's */
	/* Where the service account files live for in-cluster configuration:
	 * ROOT/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,
	 * namespace}. NULL means "/"; tests point it at a directory. */
	const char *incluster_root;
};

struct kube_config;

/*
 * Find and read the configuration, as kubectl does:
 *   1. opts->kubeconfig when given (an error if it cannot be read);
 *   2. else every file of $KUBECONFIG (':'-separated; empty entries,
 *      repeated entries and missing files are skipped), merged: clusters,
 *      users and contexts by name with the first file that defines a name
 *      winning whole, current-context from the first file that sets it;
 *   3. else ~/.kube/config when it exists;
 *   4. when none of these yields any context or cluster: in-cluster
 *      (KUBERNETES_SERVICE_HOST/PORT and the service account token).
 * Relative file names in a kubeconfig (certificate-authority,
 * client-certificate, client-key, tokenFile, and an exec command that
 * contains a '/') are taken relative to the directory of the file that
 * holds them. The context is opts->context or current-context; the
 * namespace is opts->namespace, else the context's, else "default".
 * Files named by the configuration (CA, client certificate and key) are
 * read now, so a missing one is reported here.
 * Returns a configuration the caller frees with kube_config_free() (or
 * hands to kube_client_new()), or NULL with err set (GERR_INPUT for a bad
 * kubeconfig, GERR_IO for an unreadable file).
 */
struct kube_config *kube_config_load(const struct kube_config_opts *opts,
				     struct gerr *err);
void kube_config_free(struct kube_config *cfg);

/* The server URL without a trailing '/' ("https://10.0.0.1:6443"). */
const char *kube_config_server(const struct kube_config *cfg);
/* The namespace for objects that name none. */
const char *kube_config_namespace(const struct kube_config *cfg);
/* Names of the context, cluster and user in use; "" in-cluster. */
const char *kube_config_context(const struct kube_config *cfg);
const char *kube_config_cluster(const struct kube_config *cfg);
const char *kube_config_user(const struct kube_config *cfg);
/* The authentication in use, for messages and -v: "token", "token file",
 * "client certificate", "basic", "exec", "service account" or "none"
 * ("client certificate+token" when both are configured). */
const char *kube_config_auth(const struct kube_config *cfg);
/* Where it came from: the kubeconfig file names joined by ':', or
 * "in-cluster". */
const char *kube_config_origin(const struct kube_config *cfg);

/* ------------------------------------------------------------------ */
/* The client                                                           */

/* Log lines: level 4 retries, credential plugin runs and discovery cache
 * decisions; level 6 one line per request ("GET URL 200 OK in 3
 * milliseconds", as kubectl -v=6 prints it); level 7 also the request
 * headers, with Authorization shown as "<masked>". Response bodies are
 * never logged (they may hold Secret data). `line` has no newline. */
typedef void (*kube_log_fn)(int level, const char *line, void *data);

struct kube_client_opts {
	long request_timeout_ms; /* one attempt of one request; 0: no limit */
	int concurrency;         /* requests in flight at once (default 64) */
	int retries;             /* extra attempts after a retryable failure
	                            (default 5) */
	long backoff_base_ms;    /* first retry delay before jitter (200) */
	long backoff_max_ms;     /* delay cap (5000); Retry-After may exceed
	                            it up to 60 s */
	/* Discovery cache directory; NULL: $XDG_CACHE_HOME/gantry/discovery,
	 * else ~/.cache/gantry/discovery; "": no disk cache. One
	 * subdirectory per server. */
	const char *cache_dir;
	long discovery_ttl_s;    /* cache age limit (default 6 hours, as
	                            kubectl's discovery cache) */
	int verbosity;           /* like kubectl's -v; 0 logs nothing */
	kube_log_fn log;         /* NULL: lines go to stderr */
	void *log_data;
};

void kube_client_opts_init(struct kube_client_opts *opts);

struct kube_client;

/* A client for cfg, which it takes over (freed with the client, also
 * when this fails). Connects lazily: nothing is sent yet. */
struct kube_client *kube_client_new(struct kube_config *cfg,
				    const struct kube_client_opts *opts,
				    struct gerr *err);
/* Free the client. Requests still pending are dropped without their
 * callbacks being called, watches are closed: run the client until done
 * first. NULL is allowed. */
void kube_client_free(struct kube_client *c);
const struct kube_config *kube_client_config(const struct kube_client *c);

/* ------------------------------------------------------------------ */
/* Requests                                                             */

/* What a request came to, handed to its callback. Everything in it is
 * owned by the client and valid only during the callback: take a
 * reference (json_incref) to keep the body. */
struct kube_response {
	const char *method;
	const char *path;         /* as submitted, with its query */
	long status;              /* HTTP status; 0 when none was received */
	json_t *body;             /* the parsed JSON body, or NULL */
	const char *raw;          /* the body as received ("" when none) */
	size_t raw_len;
	/* GERR_OK for a 2xx status; otherwise the code and a message in
	 * words (see "Errors" below). */
	struct gerr err;
	int attempts;             /* HTTP requests sent for it, verifications
	                             included */
	double seconds;           /* from submission to completion */
	/* A create whose outcome was unknown (the connection failed after it
	 * was sent) was found to exist with the content sent: status is 201
	 * and body the live object. */
	int verified;
};

typedef void (*kube_done_fn)(struct kube_client *c,
			     const struct kube_response *resp, void *data);

enum kube_request_flags {
	KUBE_NO_RETRY = 1 << 0,  /* one attempt, whatever happens */
};

struct kube_request {
	const char *method;       /* GET, POST, PUT, PATCH, DELETE */
	const char *path;         /* "/api/v1/namespaces/x/configmaps?..." */
	const json_t *body;       /* borrowed; serialised at submission */
	const char *content_type; /* default "application/json" with a body;
	                             PATCH needs one of the patch types */
	unsigned flags;           /* kube_request_flags */
	kube_done_fn done;        /* may be NULL */
	void *data;
};

/*
 * Queue a request; it starts as soon as fewer than `concurrency`
 * requests are in flight, and its callback runs from kube_poll() (never
 * from kube_submit itself). The strings and body are copied.
 *
 * Retries (up to opts.retries, exponential backoff from backoff_base_ms,
 * doubling to backoff_max_ms, with jitter between half and all of the
 * delay):
 *   - no connection, or the connection failed before the request was
 *     sent: every method;
 *   - 429 Too Many Requests (the server did not process it): every method,
 *     after Retry-After when the server gives one;
 *   - 500, 502, 503, 504, or the connection failed after the request was
 *     sent, or the attempt timed out: GET, HEAD, PUT, DELETE, PATCH with a
 *     merge, strategic-merge or apply patch (sending it twice ends the same
 *     way), and any write with dryRun. A PUT carrying a resourceVersion
 *     that did succeed the first time gets 409 Conflict on the retry,
 *     which the caller handles as any conflict (re-read, re-merge).
 *   - a POST (a create) in that case is never sent blindly again: the
 *     object named by the body's metadata.name is read first. Found with
 *     the content sent (its last-applied annotation equal to ours when the
 *     body has one, else every field sent present with the same value),
 *     the create succeeded: resp->verified is set. Not found: the POST is
 *     sent again. Found with other content: GERR_CONFLICT. A body without
 *     metadata.name (generateName), and a JSON patch, are not retried:
 *     the error says the outcome is unknown.
 *   - 401 with credentials that can be renewed (an exec plugin, a token
 *     file): once more with renewed credentials, immediately.
 */
void kube_submit(struct kube_client *c, const struct kube_request *req);

/* Run the loop once: start what can start, wait up to timeout_ms for
 * progress, run the callbacks of what finished. Returns the number of
 * requests and watches still open. */
int kube_poll(struct kube_client *c, long timeout_ms);
/* Run until no request is pending (open watches go on streaming while it
 * runs, and do not keep it running). */
void kube_run(struct kube_client *c);
/* Requests submitted and not yet completed (watches not counted). */
int kube_pending(const struct kube_client *c);
/* Make a kube_poll() that is waiting return early. Safe from another
 * thread and from a signal handler. */
void kube_wakeup(struct kube_client *c);

/*
 * Blocking helpers built on kube_submit: send one request and wait for it
 * (other pending requests make progress meanwhile). Return the HTTP
 * status (2xx) with *out (when out is not NULL) the parsed body, which
 * the caller owns (NULL for a non-JSON body); or -1 with err set and *out
 * NULL. body is borrowed.
 */
int kube_request_sync(struct kube_client *c, const char *method,
		      const char *path, const char *content_type,
		      const json_t *body, json_t **out, struct gerr *err);
int kube_get(struct kube_client *c, const char *path, json_t **out,
	     struct gerr *err);

/*
 * Errors. resp->err / err of the helpers carries these codes:
 *   GERR_UNREACHABLE  no connection, or TLS failed: "cannot reach the
 *                     Kubernetes API server at URL (METHOD PATH): what
 *                     libcurl said"; TLS failures name the certificate
 *                     problem and the kubeconfig setting to look at
 *   GERR_UNAUTHORIZED 401: the credentials of user U in context C
 *   GERR_FORBIDDEN    403: which verb on which resource (and namespace)
 *                     the user may not use, and the server's message
 *   GERR_NOT_FOUND    404 (and 410 Gone)
 *   GERR_CONFLICT     409 (AlreadyExists or Conflict), or a create whose
 *                     outcome was unknown found with other content
 *   GERR_INVALID      422: each cause's field and message
 *   GERR_TIMEOUT      the attempt exceeded request_timeout_ms (504 too)
 *   GERR_FAIL         any other status, or an outcome left unknown
 * Messages read "METHOD PATH: STATUS REASON: words" for HTTP errors. The
 * Status object the server sent stays in resp->body (apply reads
 * details.causes of a 422 to find an immutable field).
 */

/* ------------------------------------------------------------------ */
/* Watches                                                              */

enum kube_event {
	KUBE_ADDED,
	KUBE_MODIFIED,
	KUBE_DELETED,
	KUBE_BOOKMARK,
	KUBE_ERROR,    /* the watch ended for good: err says why */
};

struct kube_watch;

/* object is borrowed (valid during the call); err is NULL except for
 * KUBE_ERROR. */
typedef void (*kube_watch_fn)(struct kube_client *c, struct kube_watch *w,
			      enum kube_event type, const json_t *object,
			      const struct gerr *err, void *data);

/*
 * Watch a collection: path is its list path, optionally with a query
 * ("/apis/apps/v1/namespaces/shop/deployments?labelSelector=a%3Db" or
 * "...?fieldSelector=metadata.name%3Dweb"); watch=1 and resourceVersion
 * are added here. With resource_version NULL or "" the server first sends
 * an ADDED event for every existing object, then the changes. Events are
 * delivered from kube_poll(). When the stream ends or the connection
 * fails, the watch reopens from the last resourceVersion it saw (with
 * backoff after failures), so a caller sees one unbroken stream. It ends
 * with one KUBE_ERROR event when that is impossible: 410 Gone (the
 * resourceVersion is too old: list again and start a new watch), an error
 * event from the server, 401, 403, 404. Watch streams have no request
 * timeout and do not count against the concurrency.
 * The watch belongs to the client until kube_watch_stop() (or the
 * KUBE_ERROR event, after which it is freed by the client and must not
 * be stopped).
 */
struct kube_watch *kube_watch_start(struct kube_client *c, const char *path,
				    const char *resource_version,
				    kube_watch_fn fn, void *data);
/* Close and free a watch; no event is delivered after. Allowed from any
 * callback, including the watch's own. */
void kube_watch_stop(struct kube_client *c, struct kube_watch *w);

/* ------------------------------------------------------------------ */
/* Discovery and REST mapping                                           */

/* One resource the server serves (subresources such as deployments/status
 * are folded into has_status). Owned by the client; valid until the next
 * discovery refresh. */
struct kube_resource {
	const char *group;        /* "" for the core group */
	const char *version;      /* "v1" */
	const char *kind;         /* "Deployment" */
	const char *name;         /* plural resource name, "deployments" */
	const char *singular;     /* "deployment" (may be "") */
	int namespaced;
	int has_status;           /* serves NAME/status */
	int preferred;            /* version is the group's preferred one */
	const char *const *verbs;       /* NULL-terminated */
	const char *const *short_names; /* NULL-terminated */
};

/*
 * Discovery is loaded on first use: from the cache file
 * CACHE/<server>/discovery.json when it is younger than discovery_ttl_s,
 * else from the server (/api, /api/v1, /apis and every /apis/GROUP/VERSION,
 * all requests concurrently) and written to the cache. <server> is the
 * server URL without its scheme, every character outside [A-Za-z0-9.-]
 * replaced by '_' ("127.0.0.1_6443"). A group version that fails to load
 * (an aggregated API that is down) is left out and logged, and such an
 * incomplete result is not cached.
 */
int kube_discover(struct kube_client *c, struct gerr *err);
/* Read discovery from the server now (after creating CRDs), and rewrite
 * the cache. Lookups see the new resources. */
int kube_discovery_refresh(struct kube_client *c, struct gerr *err);

/*
 * The resource for kind in api_version ("apps/v1", "v1"); exact version.
 * When it is not found and discovery came from the cache or has not been
 * refreshed since it was loaded, discovery is refreshed once from the
 * server and looked up again. NULL with GERR_NOT_FOUND when the server
 * does not serve it ("no kind "VolleyApplication" is served in version
 * "volley.io/v1" (is its CustomResourceDefinition installed?)").
 */
const struct kube_resource *kube_resource_for(struct kube_client *c,
					      const char *api_version,
					      const char *kind,
					      struct gerr *err);
/* The same by group and kind in the group's preferred version (or the
 * first version serving it). */
const struct kube_resource *kube_resource_for_kind(struct kube_client *c,
						   const char *group,
						   const char *kind,
						   struct gerr *err);
/* Every resource, in discovery order; *n receives the count. */
const struct kube_resource *const *kube_resources(struct kube_client *c,
						  size_t *n, struct gerr *err);

/* "/apis/GROUP/VERSION[/namespaces/NS]/NAME[/OBJNAME]" (or
 * "/api/v1/..."). ns is ignored for a cluster-scoped resource; ns NULL
 * on a namespaced one gives the all-namespaces path; obj_name NULL gives
 * the collection. Names are escaped for a URL. Caller frees. */
char *kube_resource_path(const struct kube_resource *r, const char *ns,
			 const char *obj_name);

/* The path of an object (apiVersion, kind, metadata.name and
 * metadata.namespace, default_ns for a namespaced object that has no
 * namespace); with with_name 0 its collection (for a create). Caller
 * frees; NULL with err set when the kind is not served. */
char *kube_object_path(struct kube_client *c, const json_t *obj,
		       const char *default_ns, int with_name,
		       struct gerr *err);

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

/* A duration as kubectl's --request-timeout takes it: Go's syntax
 * ("30s", "1m30s", "500ms", "2h", "1.5s") or a bare number of seconds;
 * "0" means no limit. Sets *ms; -1 with err (GERR_INPUT) on bad input. */
int kube_parse_duration(const char *s, long *ms, struct gerr *err);

/* Escape s for a URL path segment or query value (RFC 3986 unreserved
 * characters kept) and append it. */
void kube_url_escape(struct strbuf *out, const char *s);

#endif
