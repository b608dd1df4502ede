#ifndef GANTRY_SIM_H
#define GANTRY_SIM_H

/*
 * pkg/sim — kubesim, a Kubernetes API server emulator on loopback.
 *
 * One `struct sim` is one cluster: an object store with one global
 * resourceVersion counter, the API (discovery, OpenAPI, CRUD, patch, watch,
 * /status), defaulting and validation as kube-apiserver does them,
 * deterministic simulated controllers, custom resource definitions, faults
 * and an audit log. It can serve HTTP(S) through libmicrohttpd
 * (sim_serve) or be driven in-process (sim_request, sim_advance), which is
 * how the unit tests check every rule without a socket or a clock.
 *
 * Threads: every entry point takes the cluster's lock; a sim may be used
 * from any thread. Ownership: json_t values handed out are new references
 * the caller owns; strings returned as const char * belong to the sim.
 */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"

struct sim;

struct sim_config {
	const char *listen;         /* "127.0.0.1:0" by default; loopback only */
	int tls;                    /* serve HTTPS */
	const char *cert_file;      /* with key_file: use these instead of */
	const char *key_file;       /*   generating a CA and a certificate */
	const char *ca_file;        /* the CA written into the kubeconfig */
	const char *token;          /* bearer token every request needs */
	const char *readonly_token; /* token that may only read (403 on writes) */
	const char *state_file;     /* load at start, save on stop and often */
	const char *audit_log;      /* one JSON line per request */
	const char *stages_file;    /* status steps for custom resources */
	const char *faults;         /* "rate=0.1,codes=500,503,..." */
	long tick_ms;               /* controller tick; 0 = only sim_advance */
	long crd_delay_ms;          /* CRD Established after this (200) */
	long save_every_ms;         /* state file save period (2000) */
	long watch_cache;           /* events a watch can resume over (10000) */
	int quiet;                  /* no log lines on stderr */
};

/* Defaults for every field (listen 127.0.0.1:0, tick 100 ms, CRD delay
 * 200 ms, save every 2 s, 10000 events of watch history). */
void sim_config_init(struct sim_config *cfg);

/* A new cluster with its built-in namespaces and objects, the state file
 * loaded, the stages file read and the faults parsed. Serves nothing yet.
 * Returns NULL with err set when a file or an option is wrong. */
struct sim *sim_new(const struct sim_config *cfg, struct gerr *err);

/* Bind cfg->listen and serve the API on it from background threads; with
 * tick_ms > 0 also run the controllers on a wall clock. */
int sim_serve(struct sim *s, struct gerr *err);
/* "https://127.0.0.1:PORT" once serving, else NULL. */
const char *sim_url(const struct sim *s);
/* Write a kubeconfig (cluster, user with the token, context "kubesim")
 * pointing at sim_url, with the CA as certificate-authority-data. The file
 * is written atomically with mode 0600. */
int sim_write_kubeconfig(struct sim *s, const char *path, struct gerr *err);

/* Stop serving (open watches end), save the state file if there is one.
 * Safe to call twice. */
int sim_stop(struct sim *s, struct gerr *err);
/* Stop if needed and free everything. NULL is allowed. */
void sim_free(struct sim *s);

/*
 * In-process requests, exactly what an HTTP request with this method,
 * path (with query string), Content-Type and body gets, as an
 * administrator. Returns the HTTP status code; *reply (when reply is not
 * NULL) receives the JSON body (NULL for a non-JSON body such as "ok").
 */
int sim_request(struct sim *s, const char *method, const char *path_query,
		const char *content_type, const char *body, json_t **reply);
/* The same with a body of len bytes, which may hold NULs (protobuf). */
int sim_request_raw(struct sim *s, const char *method, const char *path_query,
		    const char *content_type, const void *body, size_t len,
		    json_t **reply);
/* The same with a JSON body given as a value (borrowed). */
int sim_requestj(struct sim *s, const char *method, const char *path_query,
		 const char *content_type, const json_t *body, json_t **reply);

/* Advance the cluster's clock by ms milliseconds, running every controller
 * tick and CRD establishment due in that time. Deterministic: the same
 * requests and advances give the same states. */
void sim_advance(struct sim *s, long ms);
/* Run n controller ticks (sim_advance by n * tick). */
void sim_tick(struct sim *s, int n);

/* Replace the fault settings ("" turns faults off). */
int sim_set_faults(struct sim *s, const char *spec, struct gerr *err);

/* Watches in-process: open with a watch path ("...?watch=1&..."), then
 * read events; each is one line of JSON as it goes on the wire. */
struct sim_watch;
/* Returns the status code; *w is set for a 200 (the caller closes it). */
int sim_watch_open(struct sim *s, const char *path_query,
		   struct sim_watch **w, json_t **reply);
/* Wait up to timeout_ms for the next event and append it (with its
 * newline) to out. Returns 1 for an event, 0 on timeout, -1 at the end. */
int sim_watch_next(struct sim *s, struct sim_watch *w, long timeout_ms,
		   struct strbuf *out);
void sim_watch_close(struct sim *s, struct sim_watch *w);

#endif
