#ifndef GANTRY_TEST_HTTPD_H
#define GANTRY_TEST_HTTPD_H

/*
 * A scripted HTTP/1.1 server on 127.0.0.1 for client tests: a handler
 * decides each reply (status, headers, body, a delay, a dropped
 * connection, a chunked stream of lines), and the server records what it
 * was sent. Optional TLS (OpenSSL) with client certificates required.
 * One thread per connection, keep-alive honoured, so concurrency is real.
 *
 * Also: a throwaway PKI (CA, server and client certificates) made with
 * OpenSSL for the TLS tests.
 */

#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"

struct th_req {
	char method[16];
	char path[2048];
	char auth[1024];      /* the Authorization header, "" when none */
	char ctype[256];
	char client_cn[256];  /* CN of the TLS client certificate */
	struct strbuf body;
	int index;            /* 0 for the first request the server got */
};

struct th_resp {
	int status;           /* 0: close the connection without a reply */
	char headers[512];    /* extra header lines, each ending "\r\n" */
	struct strbuf body;
	long delay_ms;        /* wait before replying */
	struct strvec stream; /* lines sent as chunks, stream_gap_ms apart */
	long stream_gap_ms;
	long stream_hold_ms;  /* keep the stream open this long at the end */
	int cut;              /* end a stream by closing the connection */
};

typedef void (*th_handler)(const struct th_req *rq, struct th_resp *rs,
			   void *data);

struct th_tls {
	const char *cert_pem, *key_pem;
	const char *client_ca_pem;  /* require client certificates from it */
};

struct th_server;

/* Handlers run one at a time (under the server's lock). */
struct th_server *th_start(const struct th_tls *tls, th_handler h,
			   void *data);
int th_port(const struct th_server *s);
/* Requests received, and the most handled at the same time. */
int th_count(struct th_server *s);
int th_max_active(struct th_server *s);
void th_stop(struct th_server *s);

struct tt_pki {
	char *ca, *ca_key;
	char *server, *server_key;    /* IP 127.0.0.1, DNS localhost */
	char *named, *named_key;      /* DNS kube.test only */
	char *client, *client_key;    /* CN alice, from the CA */
	char *other_ca, *other_ca_key;
};

void tt_pki_make(struct tt_pki *p);
void tt_pki_free(struct tt_pki *p);

#endif
