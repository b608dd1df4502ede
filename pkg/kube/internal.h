#ifndef GANTRY_KUBE_INTERNAL_H
#define GANTRY_KUBE_INTERNAL_H

/* Shared between the files of pkg/kube only; not part of the API. */

#include <curl/curl.h>
#include <time.h>

#include "pkg/base/strvec.h"
#include "pkg/kube/kube.h"

/* ---- configuration (kubeconfig.c, incluster.c) ---- */

struct kube_exec_cfg {
	char *command;
	struct strvec args;
	struct strvec env;          /* "NAME=VALUE" */
	char *api_version;          /* client.authentication.k8s.io/v1(beta1) */
	char *install_hint;
	char *interactive_mode;     /* Never, IfAvailable, Always */
	int provide_cluster_info;
};

struct kube_config {
	char *origin;
	char *context, *cluster, *user;
	char *server;               /* no trailing '/' */
	char *ns;
	int in_cluster;
	/* TLS */
	int insecure;
	struct strbuf ca;           /* PEM; empty: the system's trust store */
	char *ca_source;            /* "certificate-authority FILE", ... */
	char *tls_server_name;
	char *proxy_url;
	/* credentials: secrets, never printed */
	char *token;
	char *token_file;           /* re-read on 401 */
	struct strbuf cert, key;    /* PEM client certificate and key */
	char *username, *password;
	int basic;
	struct kube_exec_cfg *exec;
};

struct kube_config *kube_config_new_(void);
/* In-cluster configuration under root ("/" normally); NULL with err when
 * not running in a cluster. */
struct kube_config *kube_incluster_load(const char *root, struct gerr *err);
int kube_incluster_possible(const char *root);
char *kube_read_file_(const char *path, size_t *len, struct gerr *err);
/* Wipe and free a string that may hold a secret. */
void kube_free_secret(char *s);
void kube_wipe_strbuf(struct strbuf *sb);
/* Standard base64 (newlines and spaces skipped); -1 on bad input. */

/* ---- credentials from an exec plugin (exec.c) ---- */

struct kube_cred {
	char *token;
	struct strbuf cert, key;
	time_t expires;             /* 0: until the server rejects it */
	int valid;
};

int kube_exec_run(const struct kube_config *cfg, struct kube_cred *out,
		  struct gerr *err);
void kube_cred_clear(struct kube_cred *cred);
/* RFC 3339 time ("2026-01-02T15:04:05Z", fractions and offsets allowed). */
int kube_parse_time(const char *s, time_t *out);

/* ---- retry policy (retry.c) ---- */

enum kube_verdict {
	KUBE_FINAL,    /* report as it is */
	KUBE_RETRY,    /* send again after a delay */
	KUBE_VERIFY,   /* a create of unknown outcome: GET the object first */
};

/* After a connection failure (sent: the request left this process) or a
 * status (curl_ok and status set). */
int kube_idempotent(const char *method, const char *path,
		    const char *content_type);
enum kube_verdict kube_retry_verdict(const char *method, const char *path,
				     const char *content_type, int curl_ok,
				     int conn_retryable, int sent,
				     long status);
/* Delay before attempt number `attempt` (1 = the first retry): base *
 * 2^(attempt-1), at most max, then a uniform jitter in [d/2, d]. */
long kube_backoff_ms(int attempt, long base, long max, unsigned *seed);
/* Retry-After as seconds or an HTTP date; -1 when absent or bad. */
long kube_retry_after_ms(const char *value, time_t now);
/* Did a create of `sent` produce `live`? (see kube_submit) */
int kube_same_create(const json_t *sent, const json_t *live);

/* ---- errors (errors.c) ---- */

void kube_http_error(struct gerr *err, const struct kube_config *cfg,
		     const char *method, const char *path, long status,
		     const json_t *body);
void kube_transport_error(struct gerr *err, const struct kube_config *cfg,
			  const char *method, const char *path, CURLcode rc,
			  const char *detail, long tls_verify_result);
/* "Not Found" for 404, as Go's http.StatusText */
const char *kube_status_text(long status);
/* kube_url_escape's inverse for a segment; caller frees. */
char *kube_url_unescape(const char *s, size_t len);

/* ---- the client (transport.c) ---- */

enum xfer_state { XS_QUEUED, XS_DELAYED, XS_ACTIVE };

struct kube_xfer {
	struct kube_xfer *next, *prev;   /* in one of the client's lists */
	enum xfer_state state;
	char *method, *path, *content_type;
	char *body;
	size_t body_len;
	json_t *sent;                    /* the POST body, for verification */
	unsigned flags;
	kube_done_fn done;
	void *data;
	CURL *easy;
	struct curl_slist *headers;
	struct strbuf resp;
	char *resp_type;
	long retry_after_ms;
	int attempts;
	int renewed;                     /* credentials renewed once */
	unsigned cred_gen;               /* credentials this attempt used */
	char *verify_path;               /* GET path of the created object */
	struct gerr orig;                /* why a create's outcome is unknown */
	int verifying;                   /* this attempt is the verifying GET */
	int exists;                      /* verifying after 409 AlreadyExists */
	double due_ms, submitted_ms, started_ms;
	char errbuf[CURL_ERROR_SIZE];
	struct gerr last;                /* the error that caused a retry */
	struct kube_watch *watch;        /* set for a watch stream */
};

struct xfer_list {
	struct kube_xfer *head, *tail;
	int nr;
};

struct kube_disc;

struct kube_client {
	struct kube_config *cfg;
	struct kube_client_opts opts;
	char *cache_dir;                 /* NULL: no disk cache */
	CURLM *multi;
	struct xfer_list queued, delayed, active;
	int active_plain;                /* active requests, watches excluded */
	int pending;                     /* plain requests not completed */
	unsigned seed;
	struct kube_cred cred;           /* from the exec plugin */
	unsigned cred_gen;               /* bumped when credentials change */
	struct gerr cred_err;            /* the plugin failed: for good */
	int watches;                     /* open watches */
	/* callbacks run (requests finished, watch events delivered): a
	 * kube_poll that already made progress does not wait */
	unsigned long progress;
	struct kube_disc *disc;
	char *connect_to;                /* for tls-server-name */
	struct curl_slist *connect_list;
	char *url_base;                  /* server, host replaced for SNI */
};

double kube_now_ms(void);
void kube_log(struct kube_client *c, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* auth.c: set TLS options and credentials on an easy handle; headers
 * gets Authorization when the credential is a token. */
int kube_auth_apply(struct kube_client *c, CURL *easy,
		    struct curl_slist **headers, struct gerr *err);
/* After a 401: renew what can be renewed; 1 when something changed. */
int kube_auth_renew(struct kube_client *c, unsigned used_gen);

/* watch.c: the transport's hooks into watch streams */
size_t kube_watch_data(struct kube_xfer *x, const char *buf, size_t len);
/* The stream ended (status and the attempt's error in x); returns 1 when
 * the watch reopens (x was requeued), 0 when x is to be freed. */
int kube_watch_ended(struct kube_client *c, struct kube_xfer *x,
		     long status, const struct gerr *err, int transport_failed);
void kube_watch_free_(struct kube_watch *w);
/* Start the transfer for a (re)opened watch. */
void kube_xfer_enqueue(struct kube_client *c, struct kube_xfer *x,
		       double due_ms);
void kube_xfer_free(struct kube_client *c, struct kube_xfer *x);
void kube_xfer_unlink(struct kube_client *c, struct kube_xfer *x);
struct kube_xfer *kube_xfer_new(const struct kube_request *req);

/* discovery.c */
void kube_disc_free(struct kube_disc *d);
/* server URL made into one path segment */
char *kube_server_dirname(const char *server);

#endif
