/* The scripted test server and throwaway PKI of testhttpd.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "tests/unit/testhttpd.h"

#define MAX_CONNS 256

struct conn {
	struct th_server *s;
	int fd;
	SSL *ssl;
	pthread_t thread;
	char cn[256];
};

struct th_server {
	int fd, port;
	SSL_CTX *ctx;
	th_handler handler;
	void *data;
	pthread_t accept_thread;
	pthread_mutex_t lock;
	volatile int stopping;
	struct conn *conns[MAX_CONNS];
	int nconns, count, active, max_active;
};

static void nap(struct th_server *s, long ms)
{
	while (ms > 0 && !s->stopping) {
		long step = ms > 10 ? 10 : ms;
		struct timespec ts = { 0, step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static ssize_t c_read(struct conn *c, char *buf, size_t n)
{
	if (c->ssl) {
		int r = SSL_read(c->ssl, buf, (int)n);
		return r <= 0 ? -1 : r;
	}
	return read(c->fd, buf, n);
}

static int c_write(struct conn *c, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = c->ssl ? SSL_write(c->ssl, buf, (int)n)
				   : write(c->fd, buf, n);
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *header(const char *head, const char *name, char *out,
			  size_t size)
{
	const char *p = head;
	size_t n = strlen(name);
	out[0] = 0;
	while ((p = strchr(p, '\n'))) {
		p++;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)strcspn(v, "\r\n"), v);
			return out;
		}
	}
	return NULL;
}

/* Read one request into rq; 0, or -1 at the end of the connection. */
static int read_request(struct conn *c, struct strbuf *in, struct th_req *rq)
{
	char *end, buf[16384], tmp[64];
	size_t head_len, clen;
	ssize_t n;

	while (!(end = strstr(in->buf, "\r\n\r\n"))) {
		if ((n = c_read(c, buf, sizeof(buf))) <= 0)
			return -1;
		strbuf_add(in, buf, (size_t)n);
	}
	head_len = (size_t)(end - in->buf) + 4;
	*end = 0;
	sscanf(in->buf, "%15s %2047s", rq->method, rq->path);
	header(in->buf, "Authorization", rq->auth, sizeof(rq->auth));
	header(in->buf, "Content-Type", rq->ctype, sizeof(rq->ctype));
	clen = header(in->buf, "Content-Length", tmp, sizeof(tmp))
		       ? (size_t)atol(tmp) : 0;
	while (in->len < head_len + clen) {
		if ((n = c_read(c, buf, sizeof(buf))) <= 0)
			return -1;
		strbuf_add(in, buf, (size_t)n);
	}
	strbuf_add(&rq->body, in->buf + head_len, clen);
	memmove(in->buf, in->buf + head_len + clen, in->len - head_len - clen);
	strbuf_setlen(in, in->len - head_len - clen);
	snprintf(rq->client_cn, sizeof(rq->client_cn), "%s", c->cn);
	return 0;
}

static int reply(struct conn *c, struct th_resp *rs)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	if (rs->stream.nr || rs->stream_hold_ms) {
		strbuf_addf(&out, "HTTP/1.1 %d X\r\nContent-Type: application/json"
			    "\r\nTransfer-Encoding: chunked\r\n%s\r\n",
			    rs->status, rs->headers);
		if (c_write(c, out.buf, out.len) < 0)
			goto fail;
		for (size_t i = 0; i < rs->stream.nr; i++) {
			strbuf_reset(&out);
			strbuf_addf(&out, "%zx\r\n%s\n\r\n",
				    strlen(rs->stream.v[i]) + 1, rs->stream.v[i]);
			if (c_write(c, out.buf, out.len) < 0)
				goto fail;
			nap(c->s, rs->stream_gap_ms);
		}
		nap(c->s, rs->stream_hold_ms);
		if (rs->cut)
			goto fail;
		ret = c_write(c, "0\r\n\r\n", 5);
		strbuf_release(&out);
		return ret;
	}
	strbuf_addf(&out, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		    "Content-Length: %zu\r\n%s\r\n", rs->status, rs->body.len,
		    rs->headers);
	strbuf_add(&out, rs->body.buf, rs->body.len);
	ret = c_write(c, out.buf, out.len);
	strbuf_release(&out);
	return ret;
fail:
	strbuf_release(&out);
	return -1;
}

static void *conn_main(void *p)
{
	struct conn *c = p;
	struct th_server *s = c->s;
	struct strbuf in = STRBUF_INIT;

	if (c->ssl) {
		X509 *peer;
		SSL_set_fd(c->ssl, c->fd);
		if (SSL_accept(c->ssl) <= 0)
			goto out;
		if ((peer = SSL_get1_peer_certificate(c->ssl))) {
			X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
						  NID_commonName, c->cn,
						  sizeof(c->cn));
			X509_free(peer);
		}
	}
	while (!s->stopping) {
		struct th_req rq;
		struct th_resp rs;
		int drop;
		memset(&rq, 0, sizeof(rq));
		memset(&rs, 0, sizeof(rs));
		strbuf_init(&rq.body, 0);
		strbuf_init(&rs.body, 0);
		if (read_request(c, &in, &rq) < 0) {
			strbuf_release(&rq.body);
			break;
		}
		pthread_mutex_lock(&s->lock);
		rq.index = s->count++;
		if (++s->active > s->max_active)
			s->max_active = s->active;
		rs.status = 200;
		s->handler(&rq, &rs, s->data);
		pthread_mutex_unlock(&s->lock);
		nap(s, rs.delay_ms);
		drop = rs.status == 0 || reply(c, &rs) < 0;
		pthread_mutex_lock(&s->lock);
		s->active--;
		pthread_mutex_unlock(&s->lock);
		strbuf_release(&rq.body);
		strbuf_release(&rs.body);
		strvec_clear(&rs.stream);
		if (drop)
			break;
	}
out:
	strbuf_release(&in);
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	shutdown(c->fd, SHUT_RDWR);
	return NULL;
}

static void *accept_main(void *p)
{
	struct th_server *s = p;
	while (!s->stopping) {
		struct pollfd pfd = { s->fd, POLLIN, 0 };
		struct conn *c;
		int fd;
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		if ((fd = accept(s->fd, NULL, NULL)) < 0)
			continue;
		pthread_mutex_lock(&s->lock);
		if (s->nconns == MAX_CONNS) {
			pthread_mutex_unlock(&s->lock);
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->s = s;
		c->fd = fd;
		if (s->ctx)
			c->ssl = SSL_new(s->ctx);
		s->conns[s->nconns++] = c;
		pthread_create(&c->thread, NULL, conn_main, c);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static X509 *pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

static EVP_PKEY *pem_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	return k;
}

struct th_server *th_start(const struct th_tls *tls, th_handler h,
			   void *data)
{
	struct th_server *s = xcalloc(1, sizeof(*s));
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	int one = 1;

	s->handler = h;
	s->data = data;
	pthread_mutex_init(&s->lock, NULL);
	if (tls) {
		X509 *cert = pem_cert(tls->cert_pem);
		EVP_PKEY *key = pem_key(tls->key_pem);
		s->ctx = SSL_CTX_new(TLS_server_method());
		SSL_CTX_use_certificate(s->ctx, cert);
		SSL_CTX_use_PrivateKey(s->ctx, key);
		X509_free(cert);
		EVP_PKEY_free(key);
		if (tls->client_ca_pem) {
			X509 *ca = pem_cert(tls->client_ca_pem);
			X509_STORE_add_cert(SSL_CTX_get_cert_store(s->ctx), ca);
			X509_free(ca);
			SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER |
					   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		}
	}
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s->fd, (struct sockaddr *)&a, sizeof(a));
	listen(s->fd, 128);
	getsockname(s->fd, (struct sockaddr *)&a, &alen);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->accept_thread, NULL, accept_main, s);
	return s;
}

int th_port(const struct th_server *s)
{
	return s->port;
}

int th_count(struct th_server *s)
{
	int n;
	pthread_mutex_lock(&s->lock);
	n = s->count;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int th_max_active(struct th_server *s)
{
	int n;
	pthread_mutex_lock(&s->lock);
	n = s->max_active;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void th_stop(struct th_server *s)
{
	s->stopping = 1;
	pthread_join(s->accept_thread, NULL);
	for (int i = 0; i < s->nconns; i++)
		shutdown(s->conns[i]->fd, SHUT_RDWR);
	for (int i = 0; i < s->nconns; i++) {
		pthread_join(s->conns[i]->thread, NULL);
		close(s->conns[i]->fd);
		free(s->conns[i]);
	}
	close(s->fd);
	if (s->ctx)
		SSL_CTX_free(s->ctx);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* ---- the throwaway PKI ---- */

static char *key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	s = xstrndup(p, (size_t)n);
	BIO_free(b);
	return s;
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	s = xstrndup(p, (size_t)n);
	BIO_free(b);
	return s;
}

static void ext(X509 *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	X509_add_ext(c, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for key, signed by issuer (itself when NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
		       EVP_PKEY *ikey, const char *san, int ca, int client)
{
	X509 *c = X509_new();
	X509_NAME *name;
	static long serial = 1;

	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 24L * 3600);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	if (ca) {
		ext(c, c, NID_basic_constraints, "critical,CA:TRUE");
		ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
		ext(c, issuer, NID_ext_key_usage,
		    client ? "clientAuth" : "serverAuth");
		if (san)
			ext(c, issuer, NID_subject_alt_name, san);
	}
	X509_sign(c, ikey ? ikey : key, EVP_sha256());
	return c;
}

void tt_pki_make(struct tt_pki *p)
{
	EVP_PKEY *cak = EVP_EC_gen("P-256"), *ok = EVP_EC_gen("P-256");
	EVP_PKEY *sk = EVP_EC_gen("P-256"), *nk = EVP_EC_gen("P-256");
	EVP_PKEY *ck = EVP_EC_gen("P-256");
	X509 *ca = make_cert(cak, "test-ca", NULL, NULL, NULL, 1, 0);
	X509 *other = make_cert(ok, "other-ca", NULL, NULL, NULL, 1, 0);
	X509 *srv = make_cert(sk, "server", ca, cak,
			      "IP:127.0.0.1,DNS:localhost", 0, 0);
	X509 *named = make_cert(nk, "kube.test", ca, cak, "DNS:kube.test", 0, 0);
	X509 *cli = make_cert(ck, "alice", ca, cak, NULL, 0, 1);

	p->ca = cert_pem(ca);
	p->ca_key = key_pem(cak);
	p->other_ca = cert_pem(other);
	p->other_ca_key = key_pem(ok);
	p->server = cert_pem(srv);
	p->server_key = key_pem(sk);
	p->named = cert_pem(named);
	p->named_key = key_pem(nk);
	p->client = cert_pem(cli);
	p->client_key = key_pem(ck);
	X509_free(ca);
	X509_free(other);
	X509_free(srv);
	X509_free(named);
	X509_free(cli);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ok);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(nk);
	EVP_PKEY_free(ck);
}

void tt_pki_free(struct tt_pki *p)
{
	free(p->ca);
	free(p->ca_key);
	free(p->server);
	free(p->server_key);
	free(p->named);
	free(p->named_key);
	free(p->client);
	free(p->client_key);
	free(p->other_ca);
	free(p->other_ca_key);
}
