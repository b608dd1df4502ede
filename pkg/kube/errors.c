/*
 * pkg/kube: errors in words. A failed request becomes one sentence that
 * says which request, what the server (or libcurl) said, and for
 * credentials and TLS which kubeconfig entry is concerned — never a
 * credential itself.
 */
#include <openssl/x509.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"

const char *kube_status_text(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Request Entity Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status >= 500 ? "Server Error" : "Error";
	}
}

static enum gerr_code status_code(long status)
{
	switch (status) {
	case 401: return GERR_UNAUTHORIZED;
	case 403: return GERR_FORBIDDEN;
	case 404: case 410: return GERR_NOT_FOUND;
	case 409: return GERR_CONFLICT;
	case 422: return GERR_INVALID;
	case 408: case 504: return GERR_TIMEOUT;
	default: return GERR_FAIL;
	}
}

/* Who the credentials are, for 401 and 403. */
static void add_who(struct strbuf *sb, const struct kube_config *cfg)
{
	if (cfg->in_cluster)
		strbuf_addstr(sb, "the pod's service account (in-cluster)");
	else if (cfg->user && *cfg->user)
		strbuf_addf(sb, "user \"%s\" in context \"%s\"", cfg->user,
			    cfg->context);
	else
		strbuf_addf(sb, "context \"%s\" (no user: anonymous)",
			    cfg->context);
}

/* The parts of an API path: /api/v1/... or /apis/GROUP/VERSION/...,
 * then [namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]. */
struct api_path {
	char *group, *ns, *resource, *name, *sub;
};

static char *seg(const char **p)
{
	const char *s = *p, *e;
	if (!*s)
		return NULL;
	e = s + strcspn(s, "/");
	*p = *e ? e + 1 : e;
	return kube_url_unescape(s, (size_t)(e - s));
}

static int parse_path(const char *path, struct api_path *ap)
{
	char *copy = xstrndup(path, strcspn(path, "?"));
	const char *p = copy + (copy[0] == '/');
	char *a = seg(&p), *x;

	memset(ap, 0, sizeof(*ap));
	if (a && !strcmp(a, "api")) {
		ap->group = xstrdup("");
		free(seg(&p));
	} else if (a && !strcmp(a, "apis")) {
		ap->group = seg(&p);
		free(seg(&p));
	}
	free(a);
	if (!ap->group) {
		free(copy);
		return -1;
	}
	x = seg(&p);
	if (x && !strcmp(x, "namespaces") && *p) {
		ap->ns = seg(&p);
		free(x);
		x = seg(&p);
		if (!x) {	/* /namespaces/NS is the namespace itself */
			ap->resource = xstrdup("namespaces");
			ap->name = ap->ns;
			ap->ns = NULL;
		}
	}
	if (x) {
		ap->resource = x;
		ap->name = seg(&p);
		ap->sub = seg(&p);
	}
	free(copy);
	return ap->resource ? 0 : -1;
}

static void free_path(struct api_path *ap)
{
	free(ap->group);
	free(ap->ns);
	free(ap->resource);
	free(ap->name);
	free(ap->sub);
}

static const char *verb_of(const char *method, const char *path,
			   const struct api_path *ap)
{
	if (!strcmp(method, "GET")) {
		if (ap->name)
			return "get";
		return strstr(path, "watch=1") || strstr(path, "watch=true")
			       ? "watch" : "list";
	}
	if (!strcmp(method, "POST"))
		return "create";
	if (!strcmp(method, "PUT"))
		return "update";
	if (!strcmp(method, "PATCH"))
		return "patch";
	if (!strcmp(method, "DELETE"))
		return ap->name ? "delete" : "deletecollection";
	return method;
}

static void forbidden(struct strbuf *sb, const struct kube_config *cfg,
		      const char *method, const char *path)
{
	struct api_path ap;

	add_who(sb, cfg);
	if (parse_path(path, &ap) < 0) {
		strbuf_addf(sb, " may not %s %s", method, path);
		return;
	}
	strbuf_addf(sb, " may not %s %s%s%s%s%s", verb_of(method, path, &ap),
		    ap.resource, ap.sub ? "/" : "", ap.sub ? ap.sub : "",
		    *ap.group ? "." : "", ap.group);
	if (ap.name)
		strbuf_addf(sb, " \"%s\"", ap.name);
	if (ap.ns)
		strbuf_addf(sb, " in namespace \"%s\"", ap.ns);
	free_path(&ap);
}

/* "Kind "name" is invalid: field: message; field: message" */
static int invalid(struct strbuf *sb, const json_t *status)
{
	json_t *details = json_object_get(status, "details");
	json_t *causes = json_object_get(details, "causes"), *c;
	const char *kind = json_string_value(json_object_get(details, "kind"));
	const char *group = json_string_value(json_object_get(details, "group"));
	const char *name = json_string_value(json_object_get(details, "name"));
	size_t i;

	if (!json_array_size(causes))
		return 0;
	if (kind)
		strbuf_addf(sb, "%s%s%s \"%s\" is invalid: ", kind,
			    group && *group ? "." : "", group ? group : "",
			    name ? name : "");
	json_array_foreach(causes, i, c) {
		const char *field = json_string_value(json_object_get(c, "field"));
		const char *msg = json_string_value(json_object_get(c, "message"));
		if (i)
			strbuf_addstr(sb, "; ");
		if (field && *field)
			strbuf_addf(sb, "%s: ", field);
		strbuf_addstr(sb, msg ? msg : "invalid");
	}
	return 1;
}

void kube_http_error(struct gerr *err, const struct kube_config *cfg,
		     const char *method, const char *path, long status,
		     const json_t *body)
{
	struct strbuf sb = STRBUF_INIT;
	const char *msg = NULL;

	const char *kind = json_string_value(json_object_get(body, "kind"));

	if (kind && !strcmp(kind, "Status"))
		msg = json_string_value(json_object_get(body, "message"));
	strbuf_addf(&sb, "%s %s: %ld %s: ", method, path, status,
		    kube_status_text(status));
	switch (status) {
	case 401:
		strbuf_addstr(&sb, "the server rejected the credentials of ");
		add_who(&sb, cfg);
		strbuf_addf(&sb, " (authentication: %s)", kube_config_auth(cfg));
		break;
	case 403:
		forbidden(&sb, cfg, method, path);
		if (msg && *msg)
			strbuf_addf(&sb, ": %s", msg);
		break;
	case 422:
		if (invalid(&sb, body))
			break;
		/* fall through */
	default:
		if (msg && *msg)
			strbuf_addstr(&sb, msg);
		else if (status == 404)
			strbuf_addstr(&sb, "the server has no such resource");
		else
			strbuf_addstr(&sb, "the server gave no Status message");
	}
	gerr_setc(err, status_code(status), "%s", sb.buf);
	strbuf_release(&sb);
}

static int contains(const char *s, const char *what)
{
	return s && strstr(s, what);
}

void kube_transport_error(struct gerr *err, const struct kube_config *cfg,
			  const char *method, const char *path, CURLcode rc,
			  const char *detail, long tls_verify_result)
{
	const char *why = detail && *detail ? detail : curl_easy_strerror(rc);
	const char *server = cfg->server;

	if (contains(why, "alert certificate required")) {
		/* TLS 1.3 reports a missing client certificate only when the
		 * first response is read */
		gerr_setc(err, GERR_UNREACHABLE,
			  "TLS handshake with %s failed (%s %s): the server asked "
			  "for a client certificate and refused the connection "
			  "without one (%s); user \"%s\" has none", server, method,
			  path, why, kube_config_user(cfg));
		return;
	}
	if (contains(why, "alert bad certificate") ||
	    contains(why, "alert unknown ca") ||
	    contains(why, "alert certificate expired")) {
		gerr_setc(err, GERR_UNREACHABLE,
			  "TLS handshake with %s failed (%s %s): the server "
			  "refused the client certificate of user \"%s\" (%s)",
			  server, method, path, kube_config_user(cfg), why);
		return;
	}
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		if (contains(why, "subject name") || contains(why, "host name") ||
		    contains(why, "hostname")) {
			gerr_setc(err, GERR_UNREACHABLE,
				  "TLS failure talking to %s (%s %s): the "
				  "server's certificate is not valid for that "
				  "host name (%s); check the server URL or set "
				  "tls-server-name in cluster \"%s\"", server,
				  method, path, why, kube_config_cluster(cfg));
			return;
		}
		gerr_setc(err, GERR_UNREACHABLE,
			  "TLS failure talking to %s (%s %s): the server's "
			  "certificate is not trusted: %s; the CA used was %s",
			  server, method, path,
			  tls_verify_result
				  ? X509_verify_cert_error_string(tls_verify_result)
				  : why,
			  cfg->ca_source ? cfg->ca_source
			  : "the system's trust store (the kubeconfig's "
			    "cluster sets no certificate-authority)");
		return;
	case CURLE_SSL_CERTPROBLEM:
		gerr_setc(err, GERR_UNREACHABLE,
			  "TLS failure talking to %s (%s %s): the client "
			  "certificate of user \"%s\" cannot be used: %s",
			  server, method, path, kube_config_user(cfg), why);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		gerr_setc(err, GERR_UNREACHABLE,
			  "TLS handshake with %s failed (%s %s): %s", server,
			  method, path, why);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		gerr_setc(err, GERR_TIMEOUT,
			  "%s %s: no answer from %s within the request "
			  "timeout (%s)", method, path, server, why);
		return;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		gerr_setc(err, GERR_UNREACHABLE,
			  "cannot reach the Kubernetes API server at %s (%s "
			  "%s): %s", server, method, path, why);
		return;
	default:
		gerr_setc(err, GERR_UNREACHABLE,
			  "the connection to the Kubernetes API server at %s "
			  "failed (%s %s): %s", server, method, path, why);
	}
}
