/*
 * pkg/kube: putting the configuration's TLS settings and credentials on
 * each request. Precedence as client-go: a static token (token or
 * tokenFile) is the Authorization header; otherwise basic auth; otherwise
 * an exec plugin's token. Client certificates (static or from the plugin)
 * go with any of them. Credentials are set on libcurl handles and header
 * lists only, which are never logged (transport.c masks Authorization).
 */
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"

static void set_blob(CURL *e, CURLoption opt, const struct strbuf *sb)
{
	struct curl_blob b = { sb->buf, sb->len, CURL_BLOB_COPY };
	curl_easy_setopt(e, opt, &b);
}

static void set_cert(CURL *e, const struct strbuf *cert,
		     const struct strbuf *key)
{
	set_blob(e, CURLOPT_SSLCERT_BLOB, cert);
	curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
	set_blob(e, CURLOPT_SSLKEY_BLOB, key);
	curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
}

static struct curl_slist *bearer(struct curl_slist *h, const char *token)
{
	size_t n = strlen(token) + 32;
	char *line = xmalloc(n);
	snprintf(line, n, "Authorization: Bearer %s", token);
	h = curl_slist_append(h, line);
	kube_free_secret(line);
	return h;
}

/* Credentials from the exec plugin, run when there are none yet or they
 * expired (client-go's rule: expired once the expiration time is past). */
static int exec_cred(struct kube_client *c, struct gerr *err)
{
	if (gerr_failed(&c->cred_err)) {
		/* a plugin that failed fails again: do not run it for each of
		 * a thousand requests */
		gerr_setc(err, c->cred_err.code, "%s", gerr_msg(&c->cred_err));
		return -1;
	}
	if (c->cred.valid && (!c->cred.expires || c->cred.expires > time(NULL)))
		return 0;
	kube_log(c, 4, "running exec credential plugin %s for user \"%s\"",
		 c->cfg->exec->command, kube_config_user(c->cfg));
	if (kube_exec_run(c->cfg, &c->cred, &c->cred_err) < 0) {
		gerr_setc(err, c->cred_err.code, "%s", gerr_msg(&c->cred_err));
		return -1;
	}
	c->cred_gen++;
	return 0;
}

int kube_auth_apply(struct kube_client *c, CURL *e,
		    struct curl_slist **headers, struct gerr *err)
{
	const struct kube_config *cfg = c->cfg;

	if (cfg->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ca.len) {
		/* that CA only, as kubectl: not the system's as well */
		set_blob(e, CURLOPT_CAINFO_BLOB, &cfg->ca);
		curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (cfg->proxy_url)
		curl_easy_setopt(e, CURLOPT_PROXY, cfg->proxy_url);
	if (cfg->cert.len)
		set_cert(e, &cfg->cert, &cfg->key);
	if (cfg->token) {
		*headers = bearer(*headers, cfg->token);
	} else if (cfg->basic) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, cfg->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, cfg->password);
	} else if (cfg->exec) {
		if (exec_cred(c, err) < 0)
			return -1;
		if (c->cred.token)
			*headers = bearer(*headers, c->cred.token);
		if (c->cred.cert.len)
			set_cert(e, &c->cred.cert, &c->cred.key);
	}
	return 0;
}

int kube_auth_renew(struct kube_client *c, unsigned used_gen)
{
	struct kube_config *cfg = c->cfg;

	if (used_gen != c->cred_gen)
		return 1;	/* renewed since that request started */
	if (cfg->token_file) {
		char *tok = kube_read_file_(cfg->token_file, NULL, NULL);
		int changed;
		if (!tok)
			return 0;
		tok[strcspn(tok, "\r\n")] = 0;
		changed = !cfg->token || strcmp(tok, cfg->token);
		if (!changed) {
			kube_free_secret(tok);
			return 0;
		}
		kube_free_secret(cfg->token);
		cfg->token = tok;
		c->cred_gen++;
		kube_log(c, 4, "re-read the token file %s", cfg->token_file);
		return 1;
	}
	if (cfg->exec && !cfg->token && !cfg->basic && c->cred.valid) {
		kube_cred_clear(&c->cred);
		c->cred_gen++;
		return 1;
	}
	return 0;
}
