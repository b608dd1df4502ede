/*
 * pkg/kube: in-cluster configuration, as client-go's rest.InClusterConfig:
 * the API server from KUBERNETES_SERVICE_HOST/PORT, the service account's
 * token (re-read when the server rejects it: bound tokens rotate) and CA,
 * and the namespace from POD_NAMESPACE or the service account's file.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"

#define SA_DIR "var/run/secrets/kubernetes.io/serviceaccount"

static char *sa_file(const char *root, const char *name)
{
	if (!root || !*root)
		root = "/";
	return xasprintf("%s%s" SA_DIR "/%s", root,
			 root[strlen(root) - 1] == '/' ? "" : "/", name);
}

int kube_incluster_possible(const char *root)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char *tok = sa_file(root, "token");
	int ok = host && *host && port && *port && access(tok, R_OK) == 0;
	free(tok);
	return ok;
}

struct kube_config *kube_incluster_load(const char *root, struct gerr *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *pod_ns = getenv("POD_NAMESPACE");
	struct kube_config *cfg;
	char *path, *buf;
	size_t len;

	if (!host || !*host || !port || !*port) {
		gerr_setc(err, GERR_INPUT,
			  "unable to load in-cluster configuration, "
			  "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
			  "must be defined");
		return NULL;
	}
	cfg = kube_config_new_();
	cfg->in_cluster = 1;
	cfg->origin = xstrdup("in-cluster");
	cfg->server = strchr(host, ':') ? xasprintf("https://[%s]:%s", host, port)
			: xasprintf("https://%s:%s", host, port);
	cfg->token_file = sa_file(root, "token");
	cfg->token = kube_read_file_(cfg->token_file, NULL, err);
	if (!cfg->token) {
		gerr_prefix(err, "in-cluster configuration");
		kube_config_free(cfg);
		return NULL;
	}
	cfg->token[strcspn(cfg->token, "\r\n")] = 0;
	/* client-go goes on without the CA file (and logs it); the system's
	 * trust store then decides */
	path = sa_file(root, "ca.crt");
	if ((buf = kube_read_file_(path, &len, NULL))) {
		strbuf_add(&cfg->ca, buf, len);
		cfg->ca_source = xasprintf("the service account's CA %s", path);
		free(buf);
	}
	free(path);
	if (pod_ns && *pod_ns) {
		cfg->ns = xstrdup(pod_ns);
	} else {
		path = sa_file(root, "namespace");
		buf = kube_read_file_(path, NULL, NULL);
		free(path);
		if (buf)
			buf[strcspn(buf, " \t\r\n")] = 0;
		if (buf && *buf)
			cfg->ns = buf;
		else {
			free(buf);
			cfg->ns = xstrdup("default");
		}
	}
	return cfg;
}
