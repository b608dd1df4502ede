/*
 * pkg/kube without a server: kubeconfig finding, merging and resolving,
 * in-cluster configuration, exec credential plugins, error wording from
 * Status objects, the retry policy, durations, discovery cache files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"
#include "pkg/kube/kube.h"
#include "tests/unit/harness.h"

static char tmp[64];

static char *path_in(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

static void write_file(const char *name, const char *text)
{
	char *p = path_in(name);
	FILE *f;
	for (char *q = p + strlen(tmp) + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		mkdir(p, 0755);
		*q = '/';
	}
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	free(p);
}

static void clear_env(void)
{
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
	setenv("HOME", tmp, 1);
}

/* Load with --kubeconfig NAME (in tmp) and the given context/namespace. */
static struct kube_config *load(const char *name, const char *ctx,
				const char *ns, struct gerr *err)
{
	char *p = name ? path_in(name) : NULL;
	struct kube_config_opts o = { .kubeconfig = p, .context = ctx,
				      .namespace = ns };
	struct kube_config *cfg = kube_config_load(&o, err);
	free(p);
	return cfg;
}

static void load_fails(const char *name, const char *ctx, const char *want,
		       const char *what)
{
	struct gerr err = GERR_INIT;
	struct kube_config *cfg = load(name, ctx, NULL, &err);
	t_ok(!cfg, "%s: fails", what);
	t_str(gerr_msg(&err), want, "%s: the message", what);
	kube_config_free(cfg);
	gerr_clear(&err);
}

#define BASIC_KUBECONFIG                                                     \
	"apiVersion: v1\n"                                                   \
	"kind: Config\n"                                                     \
	"current-context: dev\n"                                             \
	"clusters:\n"                                                        \
	"- name: c1\n"                                                       \
	"  cluster:\n"                                                       \
	"    server: https://10.0.0.1:6443/\n"                               \
	"    insecure-skip-tls-verify: true\n"                               \
	"- name: c2\n"                                                       \
	"  cluster:\n"                                                       \
	"    server: kube.example:443\n"                                     \
	"    certificate-authority: certs/ca.crt\n"                          \
	"    tls-server-name: api.internal\n"                                \
	"    proxy-url: http://proxy:3128\n"                                 \
	"users:\n"                                                           \
	"- name: tok\n"                                                      \
	"  user:\n"                                                          \
	"    token: s3cr3t-token\n"                                          \
	"- name: basic\n"                                                    \
	"  user:\n"                                                          \
	"    username: bob\n"                                                \
	"    password: hunter2\n"                                            \
	"- name: tf\n"                                                       \
	"  user:\n"                                                          \
	"    tokenFile: tok.txt\n"                                           \
	"contexts:\n"                                                        \
	"- name: dev\n"                                                      \
	"  context: {cluster: c1, user: tok, namespace: shop}\n"             \
	"- name: prod\n"                                                     \
	"  context: {cluster: c2, user: basic}\n"                            \
	"- name: tf\n"                                                       \
	"  context: {cluster: c1, user: tf}\n"                               \
	"- name: anon\n"                                                     \
	"  context: {cluster: c1}\n"                                         \
	"- name: nouser\n"                                                   \
	"  context: {cluster: c1, user: ghost}\n"                            \
	"- name: nocluster\n"                                                \
	"  context: {cluster: ghost, user: tok}\n"

static void test_kubeconfig_basic(void)
{
	struct gerr err = GERR_INIT;
	struct kube_config *cfg;
	char *want;

	clear_env();
	write_file("kc/config", BASIC_KUBECONFIG);
	write_file("kc/certs/ca.crt", "CA PEM\n");
	write_file("kc/tok.txt", "file-token\n");

	cfg = load("kc/config", NULL, NULL, &err);
	t_ok(cfg != NULL, "kubeconfig: loads (%s)", gerr_msg(&err));
	if (!cfg)
		return;
	t_str(kube_config_context(cfg), "dev", "current-context chooses the context");
	t_str(kube_config_cluster(cfg), "c1", "the context's cluster");
	t_str(kube_config_user(cfg), "tok", "the context's user");
	t_str(kube_config_server(cfg), "https://10.0.0.1:6443",
	      "the server URL loses its trailing slash");
	t_str(kube_config_namespace(cfg), "shop", "the context's namespace");
	t_str(kube_config_auth(cfg), "token", "a token user authenticates with the token");
	t_int(cfg->insecure, 1, "insecure-skip-tls-verify is read");
	kube_config_free(cfg);

	cfg = load("kc/config", NULL, "other", &err);
	t_str(cfg ? kube_config_namespace(cfg) : "", "other",
	      "-n overrides the context's namespace");
	kube_config_free(cfg);

	cfg = load("kc/config", "prod", NULL, &err);
	t_ok(cfg != NULL, "--context prod loads (%s)", gerr_msg(&err));
	if (!cfg)
		return;
	t_str(kube_config_namespace(cfg), "default",
	      "a context without a namespace means \"default\"");
	t_str(kube_config_server(cfg), "https://kube.example:443",
	      "a server without a scheme is https");
	t_str(kube_config_auth(cfg), "basic", "username/password is basic auth");
	t_str(cfg->username, "bob", "the basic auth user name");
	t_str(cfg->ca.buf, "CA PEM\n",
	      "certificate-authority is read relative to the kubeconfig's directory");
	want = xasprintf("certificate-authority certs/ca.crt of cluster \"c2\"");
	t_str(cfg->ca_source, want, "the CA's origin, for TLS messages");
	free(want);
	t_str(cfg->tls_server_name, "api.internal", "tls-server-name is read");
	t_str(cfg->proxy_url, "http://proxy:3128", "proxy-url is read");
	kube_config_free(cfg);

	cfg = load("kc/config", "tf", NULL, &err);
	t_str(cfg ? kube_config_auth(cfg) : "", "token file",
	      "tokenFile authenticates with the file's token");
	t_str(cfg ? cfg->token : "", "file-token",
	      "tokenFile is read relative to the kubeconfig, without its newline");
	kube_config_free(cfg);

	cfg = load("kc/config", "anon", NULL, &err);
	t_str(cfg ? kube_config_auth(cfg) : "", "none",
	      "a context without a user is anonymous");
	kube_config_free(cfg);

	want = xasprintf("kubeconfig: context \"ghost\" does not exist "
			 "(kubeconfig: %s/kc/config)", tmp);
	load_fails("kc/config", "ghost", want, "--context naming no context");
	free(want);
	want = xasprintf("kubeconfig: user \"ghost\" was not found for context "
			 "\"nouser\" (kubeconfig: %s/kc/config)", tmp);
	load_fails("kc/config", "nouser", want, "a context naming no user");
	free(want);
	want = xasprintf("kubeconfig: cluster \"ghost\" was not found for "
			 "context \"nocluster\" (kubeconfig: %s/kc/config)", tmp);
	load_fails("kc/config", "nocluster", want, "a context naming no cluster");
	free(want);
	want = xasprintf("cannot read %s/kc/missing: No such file or directory",
			 tmp);
	load_fails("kc/missing", NULL, want, "--kubeconfig naming no file");
	free(want);
}

static void test_kubeconfig_merge(void)
{
	struct gerr err = GERR_INIT;
	struct kube_config *cfg;
	char *env;

	clear_env();
	write_file("m/a.yaml",
		   "current-context: a\n"
		   "clusters:\n"
		   "- {name: shared, cluster: {server: https://first:1}}\n"
		   "users:\n"
		   "- {name: u, user: {token: first-token}}\n"
		   "contexts:\n"
		   "- {name: a, context: {cluster: shared, user: u}}\n");
	write_file("m/b.yaml",
		   "current-context: b\n"
		   "clusters:\n"
		   "- {name: shared, cluster: {server: https://second:2}}\n"
		   "- {name: only-b, cluster: {server: https://b:3}}\n"
		   "users:\n"
		   "- {name: u, user: {username: x, password: y}}\n"
		   "contexts:\n"
		   "- {name: b, context: {cluster: only-b, user: u, namespace: nb}}\n"
		   "- {name: b-shared, context: {cluster: shared, user: u}}\n");
	env = xasprintf("%s/m/a.yaml::%s/m/none.yaml:%s/m/b.yaml:%s/m/a.yaml",
			tmp, tmp, tmp, tmp);
	setenv("KUBECONFIG", env, 1);

	cfg = kube_config_load(NULL, &err);
	t_ok(cfg != NULL, "KUBECONFIG: several files load (%s)", gerr_msg(&err));
	if (!cfg)
		goto out;
	t_str(kube_config_context(cfg), "a",
	      "KUBECONFIG: current-context from the first file that sets it");
	t_str(kube_config_server(cfg), "https://first:1",
	      "KUBECONFIG: the first file's cluster of a name wins");
	t_str(kube_config_auth(cfg), "token",
	      "KUBECONFIG: the first file's user of a name wins, whole");
	free(env);
	env = xasprintf("%s/m/a.yaml:%s/m/b.yaml", tmp, tmp);
	t_str(kube_config_origin(cfg), env,
	      "KUBECONFIG: the origin lists the files read, once each, "
	      "without the missing one");
	kube_config_free(cfg);

	cfg = kube_config_load(&(struct kube_config_opts){ .context = "b" }, &err);
	t_str(cfg ? kube_config_server(cfg) : "", "https://b:3",
	      "KUBECONFIG: a context only the second file defines");
	t_str(cfg ? kube_config_namespace(cfg) : "", "nb",
	      "KUBECONFIG: its namespace");
	t_str(cfg ? kube_config_auth(cfg) : "", "token",
	      "KUBECONFIG: its user is the first file's entry of that name");
	kube_config_free(cfg);

	cfg = kube_config_load(&(struct kube_config_opts){ .context = "b-shared" },
			       &err);
	t_str(cfg ? kube_config_server(cfg) : "", "https://first:1",
	      "KUBECONFIG: a second-file context reaches the first file's cluster");
	kube_config_free(cfg);

	/* ~/.kube/config when KUBECONFIG is unset */
	unsetenv("KUBECONFIG");
	write_file(".kube/config",
		   "current-context: home\n"
		   "clusters: [{name: h, cluster: {server: 'http://home:80'}}]\n"
		   "contexts: [{name: home, context: {cluster: h}}]\n");
	cfg = kube_config_load(NULL, &err);
	t_str(cfg ? kube_config_server(cfg) : gerr_msg(&err), "http://home:80",
	      "without KUBECONFIG, ~/.kube/config is read");
	kube_config_free(cfg);
out:
	free(env);
	gerr_clear(&err);
}

static void test_kubeconfig_errors(void)
{
	char *want;

	clear_env();
	write_file("e/bad.yaml", "clusters: [\n");
	write_file("e/list.yaml", "- a\n");
	write_file("e/nocur.yaml",
		   "clusters: [{name: c, cluster: {server: 'https://x'}}]\n");
	write_file("e/both.yaml",
		   "current-context: x\n"
		   "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
		   "users: [{name: u, user: {token: s3cr3t, username: a, password: p4ss}}]\n"
		   "contexts: [{name: x, context: {cluster: c, user: u}}]\n");
	write_file("e/certonly.yaml",
		   "current-context: x\n"
		   "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
		   "users: [{name: u, user: {client-certificate-data: QUJD}}]\n"
		   "contexts: [{name: x, context: {cluster: c, user: u}}]\n");
	write_file("e/insecure-ca.yaml",
		   "current-context: x\n"
		   "clusters: [{name: c, cluster: {server: 'https://x', "
		   "insecure-skip-tls-verify: true, certificate-authority-data: QUJD}}]\n"
		   "contexts: [{name: x, context: {cluster: c}}]\n");
	write_file("e/b64.yaml",
		   "current-context: x\n"
		   "clusters: [{name: c, cluster: {server: 'https://x', "
		   "certificate-authority-data: 'not base64!'}}]\n"
		   "contexts: [{name: x, context: {cluster: c}}]\n");
	write_file("e/noserver.yaml",
		   "current-context: x\n"
		   "clusters: [{name: c, cluster: {}}]\n"
		   "contexts: [{name: x, context: {cluster: c}}]\n");
	write_file("e/execv1.yaml",
		   "current-context: x\n"
		   "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
		   "users: [{name: u, user: {exec: {command: x, apiVersion: "
		   "client.authentication.k8s.io/v1}}}]\n"
		   "contexts: [{name: x, context: {cluster: c, user: u}}]\n");
	write_file("e/authprov.yaml",
		   "current-context: x\n"
		   "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
		   "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n"
		   "contexts: [{name: x, context: {cluster: c, user: u}}]\n");

	want = xasprintf("kubeconfig: %s/e/bad.yaml:2:1: ", tmp);
	{
		struct gerr err = GERR_INIT;
		struct kube_config *cfg = load("e/bad.yaml", NULL, NULL, &err);
		t_ok(!cfg && !strncmp(gerr_msg(&err), want, strlen(want)),
		     "bad YAML names the file, line and column: %s",
		     gerr_msg(&err));
		gerr_clear(&err);
	}
	free(want);
	want = xasprintf("%s/e/list.yaml: not a kubeconfig (expected a mapping)",
			 tmp);
	load_fails("e/list.yaml", NULL, want, "a kubeconfig that is a list");
	free(want);
	want = xasprintf("kubeconfig: no current-context is set in "
			 "%s/e/nocur.yaml: pass --context NAME (or run kubectl "
			 "config use-context NAME)", tmp);
	load_fails("e/nocur.yaml", NULL, want, "no current-context");
	free(want);
	/* kubectl's wording, and the token must not show */
	load_fails("e/both.yaml", NULL,
		   "kubeconfig: more than one authentication method found for "
		   "user \"u\"; found [token basicAuth], only one is allowed",
		   "token and basic auth together");
	load_fails("e/certonly.yaml", NULL,
		   "kubeconfig: client-key-data or client-key must be specified "
		   "for user \"u\" to use the clientCert authentication method",
		   "a client certificate without a key");
	load_fails("e/insecure-ca.yaml", NULL,
		   "kubeconfig: cluster \"c\": specifying a root certificates "
		   "file with the insecure flag is not allowed",
		   "insecure with a CA");
	load_fails("e/b64.yaml", NULL,
		   "kubeconfig: cluster \"c\": certificate-authority-data is not "
		   "valid base64", "bad base64 data");
	load_fails("e/noserver.yaml", NULL,
		   "kubeconfig: no server found for cluster \"c\"",
		   "a cluster without a server");
	load_fails("e/execv1.yaml", NULL,
		   "kubeconfig: interactiveMode must be specified for user \"u\" "
		   "to use exec authentication plugin",
		   "exec v1 without interactiveMode");
	load_fails("e/authprov.yaml", NULL,
		   "kubeconfig: user \"u\": the auth-provider \"gcp\" is not "
		   "supported: use an exec credential plugin (as kubectl now "
		   "does for gcp, azure and oidc)", "auth-provider");
}

static void test_incluster(void)
{
	struct gerr err = GERR_INIT;
	struct kube_config *cfg;
	char *root = path_in("ic"), *missing = path_in("none/config"), *want;

	clear_env();
	setenv("KUBECONFIG", missing, 1);
	write_file("ic/var/run/secrets/kubernetes.io/serviceaccount/token",
		   "sa-token\n");
	write_file("ic/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
		   "SA CA\n");
	write_file("ic/var/run/secrets/kubernetes.io/serviceaccount/namespace",
		   "team-a\n");

	want = xasprintf("no Kubernetes configuration: no cluster or context in "
			 "the kubeconfig (%s), and not running in a cluster (no "
			 "KUBERNETES_SERVICE_HOST and service account token)",
			 missing);
	cfg = kube_config_load(&(struct kube_config_opts){ .incluster_root = root },
			       &err);
	t_ok(!cfg, "in-cluster: not without KUBERNETES_SERVICE_HOST");
	t_str(gerr_msg(&err), want, "in-cluster: the message names what was tried");
	free(want);
	gerr_clear(&err);

	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	cfg = kube_config_load(&(struct kube_config_opts){ .incluster_root = root },
			       &err);
	t_ok(cfg != NULL, "in-cluster: used when no kubeconfig exists (%s)",
	     gerr_msg(&err));
	if (cfg) {
		t_str(kube_config_server(cfg), "https://10.96.0.1:443",
		      "in-cluster: the server from the service environment");
		t_str(kube_config_namespace(cfg), "team-a",
		      "in-cluster: the service account's namespace");
		t_str(kube_config_auth(cfg), "service account",
		      "in-cluster: authenticates as the service account");
		t_str(cfg->token, "sa-token", "in-cluster: the token, no newline");
		t_str(cfg->ca.buf, "SA CA\n", "in-cluster: the CA");
		t_str(kube_config_origin(cfg), "in-cluster", "in-cluster: origin");
	}
	kube_config_free(cfg);

	setenv("POD_NAMESPACE", "from-env", 1);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	cfg = kube_config_load(&(struct kube_config_opts){ .incluster_root = root },
			       &err);
	t_str(cfg ? kube_config_server(cfg) : "", "https://[fd00::1]:443",
	      "in-cluster: an IPv6 host is bracketed");
	t_str(cfg ? kube_config_namespace(cfg) : "", "from-env",
	      "in-cluster: POD_NAMESPACE comes first");
	kube_config_free(cfg);
	cfg = kube_config_load(&(struct kube_config_opts){ .incluster_root = root,
							   .namespace = "n" },
			       &err);
	t_str(cfg ? kube_config_namespace(cfg) : "", "n",
	      "in-cluster: -n comes before both");
	kube_config_free(cfg);
	clear_env();
	free(root);
	free(missing);
}

/* ---- exec plugins ---- */

static const char *plugin_script =
	"#!/bin/sh\n"
	"# a test plugin: records what it was given, answers per $MODE\n"
	"dir=$(dirname \"$0\")\n"
	"n=$(cat \"$dir/runs\" 2>/dev/null || echo 0); n=$((n+1)); echo $n >\"$dir/runs\"\n"
	"printf '%s\\n' \"$KUBERNETES_EXEC_INFO\" >\"$dir/info\"\n"
	"printf '%s|%s|%s\\n' \"$1\" \"$2\" \"$PLUGIN_VAR\" >\"$dir/args\"\n"
	"mode=$(cat \"$dir/mode\")\n"
	"api=client.authentication.k8s.io/v1beta1\n"
	"case $mode in\n"
	"token) echo '{\"apiVersion\":\"'$api'\",\"kind\":\"ExecCredential\","
	"\"status\":{\"token\":\"plugin-token-'$n'\",\"expirationTimestamp\":"
	"\"2031-01-02T03:04:05Z\"}}' ;;\n"
	"expired) echo '{\"apiVersion\":\"'$api'\",\"kind\":\"ExecCredential\","
	"\"status\":{\"token\":\"plugin-token-'$n'\",\"expirationTimestamp\":"
	"\"2001-01-02T03:04:05Z\"}}' ;;\n"
	"cert) echo '{\"apiVersion\":\"'$api'\",\"kind\":\"ExecCredential\","
	"\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":\"KEY\"}}' ;;\n"
	"certonly) echo '{\"apiVersion\":\"'$api'\",\"kind\":\"ExecCredential\","
	"\"status\":{\"clientCertificateData\":\"CERT\"}}' ;;\n"
	"v1) echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
	"\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}' ;;\n"
	"garbage) echo 'plugin-secret-output not json' ;;\n"
	"nostatus) echo '{\"apiVersion\":\"'$api'\",\"kind\":\"ExecCredential\"}' ;;\n"
	"fail) echo 'plugin says no' >&2; exit 3 ;;\n"
	"esac\n";

static void plugin_mode(const char *mode)
{
	write_file("px/mode", mode);
}

static struct kube_config *exec_config(const char *command, int cluster_info)
{
	struct gerr err = GERR_INIT;
	struct kube_config *cfg;
	char *kc = xasprintf(
		"current-context: x\n"
		"clusters: [{name: c, cluster: {server: 'https://k:6443', "
		"certificate-authority-data: Q0E=, tls-server-name: k.internal}}]\n"
		"users:\n"
		"- name: u\n"
		"  user:\n"
		"    exec:\n"
		"      apiVersion: client.authentication.k8s.io/v1beta1\n"
		"      command: %s\n"
		"      args: [one, two]\n"
		"      env: [{name: PLUGIN_VAR, value: from-kubeconfig}]\n"
		"      provideClusterInfo: %s\n"
		"      installHint: 'install it with: apt-get install thing'\n"
		"contexts: [{name: x, context: {cluster: c, user: u}}]\n",
		command, cluster_info ? "true" : "false");
	write_file("px/config", kc);
	free(kc);
	cfg = load("px/config", NULL, NULL, &err);
	if (!cfg)
		t_diag("exec config: %s", gerr_msg(&err));
	gerr_clear(&err);
	return cfg;
}

static char *slurp(const char *name)
{
	char *p = path_in(name);
	char *s = kube_read_file_(p, NULL, NULL);
	free(p);
	return s ? s : xstrdup("");
}

static void exec_fails(struct kube_config *cfg, const char *mode,
		       const char *want_tail)
{
	struct kube_cred cred = { 0 };
	struct gerr err = GERR_INIT;
	const char *prefix = "getting credentials for user \"u\" (context \"x\") "
			     "from exec plugin \"";
	const char *msg;
	int ret;

	plugin_mode(mode);
	strbuf_init(&cred.cert, 0);
	strbuf_init(&cred.key, 0);
	ret = kube_exec_run(cfg, &cred, &err);
	msg = gerr_msg(&err);
	t_ok(ret < 0, "exec %s: fails", mode);
	t_int(err.code, GERR_UNAUTHORIZED, "exec %s: code", mode);
	t_ok(!strncmp(msg, prefix, strlen(prefix)),
	     "exec %s: the message says whose credentials, from which plugin",
	     mode);
	t_str(strlen(msg) >= strlen(want_tail)
		      ? msg + strlen(msg) - strlen(want_tail) : msg,
	      want_tail, "exec %s: what went wrong", mode);
	t_ok(!strstr(msg, "plugin-secret-output"),
	     "exec %s: the plugin's output is never quoted", mode);
	kube_cred_clear(&cred);
	gerr_clear(&err);
}

static void test_exec(void)
{
	struct kube_cred cred = { 0 };
	struct gerr err = GERR_INIT;
	struct kube_config *cfg;
	char *script, *s;
	time_t t;

	clear_env();
	write_file("px/plugin.sh", plugin_script);
	script = path_in("px/plugin.sh");
	chmod(script, 0755);
	/* a command with a '/' is relative to the kubeconfig's directory */
	cfg = exec_config("./plugin.sh", 1);
	if (!cfg)
		return;
	t_str(cfg->exec->command, script,
	      "exec: a relative command path is taken from the kubeconfig's directory");
	t_str(kube_config_auth(cfg), "exec", "exec: the auth mode");
	strbuf_init(&cred.cert, 0);
	strbuf_init(&cred.key, 0);
	plugin_mode("token");
	t_int(kube_exec_run(cfg, &cred, &err), 0, "exec: runs (%s)", gerr_msg(&err));
	t_str(cred.token, "plugin-token-1", "exec: status.token is the credential");
	kube_parse_time("2031-01-02T03:04:05Z", &t);
	t_int((long long)cred.expires, (long long)t,
	      "exec: cached until expirationTimestamp");
	s = slurp("px/args");
	t_str(s, "one|two|from-kubeconfig\n",
	      "exec: args and env from the kubeconfig reach the plugin");
	free(s);
	s = slurp("px/info");
	t_str(s, "{\"kind\":\"ExecCredential\",\"apiVersion\":"
	      "\"client.authentication.k8s.io/v1beta1\",\"spec\":{\"interactive\":"
	      "false,\"cluster\":{\"server\":\"https://k:6443\",\"tls-server-name\":"
	      "\"k.internal\",\"certificate-authority-data\":\"Q0E=\"}}}\n",
	      "exec: KUBERNETES_EXEC_INFO with the cluster (provideClusterInfo)");
	free(s);
	plugin_mode("cert");
	t_int(kube_exec_run(cfg, &cred, &err), 0, "exec: a certificate pair");
	t_str(cred.cert.buf, "CERT", "exec: clientCertificateData");
	t_str(cred.key.buf, "KEY", "exec: clientKeyData");
	t_ok(cred.token == NULL && cred.expires == 0,
	     "exec: no token, no expiry when none is given");
	kube_cred_clear(&cred);
	kube_wipe_strbuf(&cred.cert);
	kube_wipe_strbuf(&cred.key);

	exec_fails(cfg, "garbage", "\": its output is not an ExecCredential "
		   "JSON object");
	exec_fails(cfg, "nostatus", "\": exec plugin didn't return a status field");
	exec_fails(cfg, "certonly", "\": exec plugin returned only a client "
		   "certificate, not both certificate and key");
	exec_fails(cfg, "v1", "\": exec plugin is configured to use API version "
		   "client.authentication.k8s.io/v1beta1, plugin returned "
		   "version client.authentication.k8s.io/v1");
	exec_fails(cfg, "fail", "\": it exited with status 3");
	kube_config_free(cfg);

	cfg = exec_config("gantry-no-such-plugin", 0);
	if (cfg) {
		exec_fails(cfg, "token", "\": cannot run \"gantry-no-such-plugin\": "
			   "No such file or directory\n\ninstall it with: "
			   "apt-get install thing");
		kube_config_free(cfg);
	}
	free(script);
	gerr_clear(&err);
}

/* ---- errors ---- */

static struct kube_config *named_config(void)
{
	struct kube_config *cfg = kube_config_new_();
	cfg->context = xstrdup("prod");
	cfg->cluster = xstrdup("prod-eu");
	cfg->user = xstrdup("deployer");
	cfg->server = xstrdup("https://10.0.0.1:6443");
	cfg->token = xstrdup("s3cr3t");
	return cfg;
}

static void http_error_is(long status, const char *method, const char *path,
			  const char *body, enum gerr_code code,
			  const char *want, const char *what)
{
	struct kube_config *cfg = named_config();
	struct gerr err = GERR_INIT;
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;

	kube_http_error(&err, cfg, method, path, status, j);
	t_str(gerr_msg(&err), want, "error %ld: %s", status, what);
	t_int(err.code, code, "error %ld: %s: code", status, what);
	t_ok(!strstr(gerr_msg(&err), "s3cr3t"), "error %ld: no token", status);
	json_decref(j);
	gerr_clear(&err);
	kube_config_free(cfg);
}

static void test_errors(void)
{
	struct kube_config *cfg;
	struct gerr err = GERR_INIT;

	http_error_is(401, "GET", "/api/v1/namespaces/shop/configmaps/x",
		      "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":"
		      "\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}",
		      GERR_UNAUTHORIZED,
		      "GET /api/v1/namespaces/shop/configmaps/x: 401 Unauthorized: "
		      "the server rejected the credentials of user \"deployer\" in "
		      "context \"prod\" (authentication: token)",
		      "credentials rejected, for which user in which context");
	http_error_is(403, "POST", "/apis/apps/v1/namespaces/shop/deployments",
		      "{\"kind\":\"Status\",\"message\":\"deployments.apps is "
		      "forbidden: User \\\"deployer\\\" cannot create resource "
		      "\\\"deployments\\\" in API group \\\"apps\\\" in the "
		      "namespace \\\"shop\\\"\",\"reason\":\"Forbidden\",\"code\":403}",
		      GERR_FORBIDDEN,
		      "POST /apis/apps/v1/namespaces/shop/deployments: 403 "
		      "Forbidden: user \"deployer\" in context \"prod\" may not "
		      "create deployments.apps in namespace \"shop\": "
		      "deployments.apps is forbidden: User \"deployer\" cannot "
		      "create resource \"deployments\" in API group \"apps\" in the "
		      "namespace \"shop\"",
		      "which verb on which resource");
	http_error_is(403, "DELETE", "/api/v1/namespaces/old", NULL,
		      GERR_FORBIDDEN,
		      "DELETE /api/v1/namespaces/old: 403 Forbidden: user "
		      "\"deployer\" in context \"prod\" may not delete namespaces "
		      "\"old\"", "a namespace is a cluster-scoped object");
	http_error_is(403, "GET",
		      "/apis/apps/v1/namespaces/shop/deployments?watch=1", NULL,
		      GERR_FORBIDDEN,
		      "GET /apis/apps/v1/namespaces/shop/deployments?watch=1: 403 "
		      "Forbidden: user \"deployer\" in context \"prod\" may not "
		      "watch deployments.apps in namespace \"shop\"",
		      "a watch is the verb watch");
	http_error_is(403, "PUT",
		      "/apis/apps/v1/namespaces/shop/deployments/web/status", NULL,
		      GERR_FORBIDDEN,
		      "PUT /apis/apps/v1/namespaces/shop/deployments/web/status: "
		      "403 Forbidden: user \"deployer\" in context \"prod\" may not "
		      "update deployments/status.apps \"web\" in namespace \"shop\"",
		      "a subresource");
	http_error_is(404, "GET", "/api/v1/namespaces/shop/configmaps/x",
		      "{\"kind\":\"Status\",\"message\":\"configmaps \\\"x\\\" not "
		      "found\",\"reason\":\"NotFound\",\"code\":404}",
		      GERR_NOT_FOUND,
		      "GET /api/v1/namespaces/shop/configmaps/x: 404 Not Found: "
		      "configmaps \"x\" not found", "not found");
	http_error_is(404, "GET", "/apis/volley.io/v1/volleys", NULL,
		      GERR_NOT_FOUND,
		      "GET /apis/volley.io/v1/volleys: 404 Not Found: the server "
		      "has no such resource", "not found without a Status");
	http_error_is(409, "PUT", "/api/v1/namespaces/shop/configmaps/x",
		      "{\"kind\":\"Status\",\"message\":\"Operation cannot be "
		      "fulfilled on configmaps \\\"x\\\": the object has been "
		      "modified; please apply your changes to the latest version "
		      "and try again\",\"reason\":\"Conflict\",\"code\":409}",
		      GERR_CONFLICT,
		      "PUT /api/v1/namespaces/shop/configmaps/x: 409 Conflict: "
		      "Operation cannot be fulfilled on configmaps \"x\": the object "
		      "has been modified; please apply your changes to the latest "
		      "version and try again", "conflict");
	http_error_is(422, "POST", "/apis/apps/v1/namespaces/shop/deployments",
		      "{\"kind\":\"Status\",\"message\":\"Deployment.apps \\\"web\\\" "
		      "is invalid: [...]\",\"reason\":\"Invalid\",\"details\":{"
		      "\"name\":\"web\",\"group\":\"apps\",\"kind\":\"Deployment\","
		      "\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":"
		      "\"Invalid value: -1: must be greater than or equal to 0\","
		      "\"field\":\"spec.replicas\"},{\"reason\":\"FieldValueRequired\","
		      "\"message\":\"Required value\",\"field\":\"spec.selector\"}]},"
		      "\"code\":422}",
		      GERR_INVALID,
		      "POST /apis/apps/v1/namespaces/shop/deployments: 422 "
		      "Unprocessable Entity: Deployment.apps \"web\" is invalid: "
		      "spec.replicas: Invalid value: -1: must be greater than or "
		      "equal to 0; spec.selector: Required value",
		      "each cause's field and message");
	http_error_is(500, "GET", "/api", "{\"kind\":\"Status\",\"message\":"
		      "\"etcdserver: request timed out\",\"code\":500}", GERR_FAIL,
		      "GET /api: 500 Internal Server Error: etcdserver: request "
		      "timed out", "a server error");

	cfg = named_config();
	kube_transport_error(&err, cfg, "GET", "/api", CURLE_COULDNT_CONNECT,
			     "Failed to connect to 10.0.0.1 port 6443 after 0 ms: "
			     "Connection refused", 0);
	t_str(gerr_msg(&err), "cannot reach the Kubernetes API server at "
	      "https://10.0.0.1:6443 (GET /api): Failed to connect to 10.0.0.1 "
	      "port 6443 after 0 ms: Connection refused",
	      "unreachable: which URL and what libcurl said");
	t_int(err.code, GERR_UNREACHABLE, "unreachable: code");
	kube_transport_error(&err, cfg, "GET", "/api",
			     CURLE_PEER_FAILED_VERIFICATION,
			     "SSL certificate problem: self-signed certificate", 18);
	t_str(gerr_msg(&err), "TLS failure talking to https://10.0.0.1:6443 (GET "
	      "/api): the server's certificate is not trusted: self-signed "
	      "certificate; the CA used was the system's trust store (the "
	      "kubeconfig's cluster sets no certificate-authority)",
	      "TLS: the certificate problem named (OpenSSL's words for "
	      "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)");
	kube_transport_error(&err, cfg, "GET", "/api", CURLE_OPERATION_TIMEDOUT,
			     "Operation timed out after 1000 milliseconds with 0 "
			     "bytes received", 0);
	t_int(err.code, GERR_TIMEOUT, "a timeout is GERR_TIMEOUT");
	kube_config_free(cfg);
	gerr_clear(&err);
}

/* ---- retry policy ---- */

static void test_retry_policy(void)
{
	static const struct {
		const char *method, *path, *ctype;
		int curl_ok, retryable, sent;
		long status;
		enum kube_verdict want;
		const char *why;
	} cases[] = {
		{ "GET", "/api", NULL, 0, 1, 1, 0, KUBE_RETRY, "GET after a lost connection" },
		{ "POST", "/api/v1/namespaces/a/configmaps", NULL, 0, 1, 0, 0,
		  KUBE_RETRY, "POST that never left" },
		{ "POST", "/api/v1/namespaces/a/configmaps", NULL, 0, 1, 1, 0,
		  KUBE_VERIFY, "POST sent, then the connection failed" },
		{ "POST", "/api/v1/namespaces/a/configmaps?dryRun=All", NULL, 0, 1,
		  1, 0, KUBE_RETRY, "a dry-run POST stores nothing" },
		{ "POST", "/api/v1/namespaces/a/configmaps", NULL, 1, 1, 1, 503,
		  KUBE_VERIFY, "POST answered 503" },
		{ "POST", "/api/v1/namespaces/a/configmaps", NULL, 1, 1, 1, 429,
		  KUBE_RETRY, "POST answered 429: not processed" },
		{ "PUT", "/api/v1/namespaces/a/configmaps/x", NULL, 1, 1, 1, 500,
		  KUBE_RETRY, "PUT answered 500" },
		{ "DELETE", "/api/v1/namespaces/a/configmaps/x", NULL, 1, 1, 1, 502,
		  KUBE_RETRY, "DELETE answered 502" },
		{ "PATCH", "/x", "application/merge-patch+json", 1, 1, 1, 504,
		  KUBE_RETRY, "a merge patch twice is a merge patch once" },
		{ "PATCH", "/x", "application/strategic-merge-patch+json", 0, 1, 1,
		  0, KUBE_RETRY, "a strategic merge patch too" },
		{ "PATCH", "/x", "application/json-patch+json", 1, 1, 1, 503,
		  KUBE_FINAL, "a JSON patch may append twice" },
		{ "GET", "/api", NULL, 1, 1, 1, 404, KUBE_FINAL, "404" },
		{ "PUT", "/x", NULL, 1, 1, 1, 409, KUBE_FINAL, "409" },
		{ "POST", "/x", NULL, 1, 1, 1, 422, KUBE_FINAL, "422" },
		{ "GET", "/api", NULL, 1, 1, 1, 401, KUBE_FINAL, "401" },
		{ "GET", "/api", NULL, 0, 0, 0, 0, KUBE_FINAL,
		  "a TLS verification failure fails the same way again" },
	};
	unsigned seed = 7;
	long d;
	int ok = 1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t_int(kube_retry_verdict(cases[i].method, cases[i].path,
					 cases[i].ctype, cases[i].curl_ok,
					 cases[i].retryable, cases[i].sent,
					 cases[i].status),
		      cases[i].want, "retry policy: %s", cases[i].why);
	for (int attempt = 1; attempt <= 8; attempt++) {
		long full = 200L << (attempt - 1);
		if (full > 5000)
			full = 5000;
		for (int k = 0; k < 50; k++) {
			d = kube_backoff_ms(attempt, 200, 5000, &seed);
			if (d < full / 2 || d > full)
				ok = 0;
		}
	}
	t_ok(ok, "backoff: doubles from the base to the cap, jittered within "
	     "[half, all] of it");
	t_int(kube_retry_after_ms("3", 0), 3000, "Retry-After in seconds");
	t_int(kube_retry_after_ms("Thu, 01 Jan 1970 00:00:10 GMT", 4), 6000,
	      "Retry-After as an HTTP date");
	t_int(kube_retry_after_ms("soon", 0), -1, "a bad Retry-After is ignored");
}

static void test_same_create(void)
{
	json_t *sent = json_loads(
		"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
		"\"s\",\"labels\":{\"a\":\"b\"}},\"stringData\":{\"k\":\"v\"},"
		"\"spec\":{\"n\":1,\"list\":[{\"x\":1}]},\"status\":{\"p\":1}}",
		0, NULL);
	json_t *live = json_loads(
		"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
		"\"s\",\"uid\":\"u\",\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":"
		"\"dg==\"},\"type\":\"Opaque\",\"spec\":{\"n\":1.0,\"list\":[{\"x\":1,"
		"\"y\":2}]}}", 0, NULL);
	json_t *la_sent = json_loads(
		"{\"metadata\":{\"name\":\"d\",\"annotations\":{\"kubectl.kubernetes."
		"io/last-applied-configuration\":\"{A}\"}},\"spec\":{\"q\":\"1000m\"}}",
		0, NULL);
	json_t *la_live = json_loads(
		"{\"metadata\":{\"name\":\"d\",\"annotations\":{\"kubectl.kubernetes."
		"io/last-applied-configuration\":\"{A}\"}},\"spec\":{\"q\":\"1\"}}",
		0, NULL);

	t_ok(kube_same_create(sent, live),
	     "same create: every field sent is there (server defaults, 1 == 1.0, "
	     "stringData folded into data, status ignored)");
	json_object_set_new(json_object_get(json_object_get(live, "metadata"),
					    "labels"), "a", json_string("c"));
	t_ok(!kube_same_create(sent, live), "same create: a label differs");
	t_ok(kube_same_create(la_sent, la_live),
	     "same create: the last-applied annotation decides when sent "
	     "(normalised quantities do not matter)");
	json_object_set_new(json_object_get(json_object_get(la_live, "metadata"),
					    "annotations"),
			    "kubectl.kubernetes.io/last-applied-configuration",
			    json_string("{B}"));
	t_ok(!kube_same_create(la_sent, la_live),
	     "same create: another last-applied configuration is another create");
	json_decref(sent);
	json_decref(live);
	json_decref(la_sent);
	json_decref(la_live);
}

static void test_helpers(void)
{
	static const struct { const char *in; long ms; } ok[] = {
		{ "30s", 30000 }, { "1m30s", 90000 }, { "500ms", 500 },
		{ "2h", 7200000 }, { "1.5s", 1500 }, { "0", 0 }, { "45", 45000 },
	};
	struct gerr err = GERR_INIT;
	struct strbuf sb = STRBUF_INIT;
	long ms;
	char *s;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ms = -1;
		kube_parse_duration(ok[i].in, &ms, &err);
		t_int(ms, ok[i].ms, "duration \"%s\"", ok[i].in);
	}
	t_int(kube_parse_duration("5 minutes", &ms, &err), -1, "a bad duration");
	t_str(gerr_msg(&err), "invalid duration \"5 minutes\" (examples: 30s, "
	      "1m30s, 500ms, 2h; 0 for no limit)", "a bad duration: message");
	gerr_clear(&err);
	kube_url_escape(&sb, "a b/c~d%");
	t_str(sb.buf, "a%20b%2Fc~d%25", "URL escaping keeps only unreserved characters");
	strbuf_release(&sb);
	s = kube_server_dirname("https://127.0.0.1:6443/prefix");
	t_str(s, "127.0.0.1_6443_prefix", "the cache directory of a server");
	free(s);
}

/* ---- discovery cache, without a server ---- */

static const char *cache_doc =
	"{\"format\":1,\"server\":\"https://127.0.0.1:1\",\"fetchedAt\":%ld,"
	"\"groups\":[{\"name\":\"\",\"preferredVersion\":\"v1\",\"versions\":[\"v1\"]},"
	"{\"name\":\"apps\",\"preferredVersion\":\"v1\",\"versions\":[\"apps/v1\"]},"
	"{\"name\":\"volley.io\",\"preferredVersion\":\"v2\",\"versions\":"
	"[\"volley.io/v2\",\"volley.io/v1\"]}],"
	"\"lists\":{\"v1\":{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\","
	"\"resources\":[{\"name\":\"namespaces\",\"singularName\":\"namespace\","
	"\"namespaced\":false,\"kind\":\"Namespace\",\"verbs\":[\"get\",\"list\"],"
	"\"shortNames\":[\"ns\"]},{\"name\":\"configmaps\",\"singularName\":"
	"\"configmap\",\"namespaced\":true,\"kind\":\"ConfigMap\",\"verbs\":[\"get\"]}]},"
	"\"apps/v1\":{\"resources\":[{\"name\":\"deployments\",\"namespaced\":true,"
	"\"kind\":\"Deployment\",\"verbs\":[]},{\"name\":\"deployments/status\","
	"\"namespaced\":true,\"kind\":\"Deployment\",\"verbs\":[]}]},"
	"\"volley.io/v1\":{\"resources\":[{\"name\":\"volleys\",\"namespaced\":true,"
	"\"kind\":\"Volley\",\"verbs\":[]}]},"
	"\"volley.io/v2\":{\"resources\":[{\"name\":\"volleys\",\"namespaced\":true,"
	"\"kind\":\"Volley\",\"verbs\":[]}]}}}";

static struct kube_client *cache_client(long age_s)
{
	struct kube_client_opts o;
	struct kube_config *cfg = kube_config_new_();
	char *dir = path_in("cache"), *doc;

	cfg->server = xstrdup("https://127.0.0.1:1");
	cfg->context = xstrdup("c");
	cfg->ns = xstrdup("default");
	doc = xasprintf(cache_doc, (long)time(NULL) - age_s);
	write_file("cache/127.0.0.1_1/discovery.json", doc);
	free(doc);
	kube_client_opts_init(&o);
	o.cache_dir = dir;
	o.retries = 0;
	o.discovery_ttl_s = 600;
	struct kube_client *c = kube_client_new(cfg, &o, NULL);
	free(dir);
	return c;
}

static void test_discovery_cache(void)
{
	struct gerr err = GERR_INIT;
	struct kube_client *c = cache_client(10);
	const struct kube_resource *r;
	char *p;
	size_t n = 0;

	r = kube_resource_for(c, "apps/v1", "Deployment", &err);
	t_ok(r != NULL, "cache: a fresh cache file answers without a server (%s)",
	     gerr_msg(&err));
	if (r) {
		t_str(r->name, "deployments", "cache: kind to resource");
		t_int(r->namespaced, 1, "cache: namespaced");
		t_int(r->has_status, 1, "cache: the status subresource is seen");
		p = kube_resource_path(r, "shop", "web");
		t_str(p, "/apis/apps/v1/namespaces/shop/deployments/web",
		      "path of a namespaced object");
		free(p);
	}
	r = kube_resource_for(c, "v1", "Namespace", &err);
	if (r) {
		p = kube_resource_path(r, "ignored", "a b");
		t_str(p, "/api/v1/namespaces/a%20b",
		      "path of a cluster-scoped object (namespace ignored, name escaped)");
		free(p);
		t_str(r->short_names[0], "ns", "short names");
		t_ok(r->short_names[1] == NULL, "short names end with NULL");
	}
	r = kube_resource_for_kind(c, "volley.io", "Volley", &err);
	t_str(r ? r->version : "", "v2", "kind in its group's preferred version");
	r = kube_resource_for(c, "volley.io/v1", "Volley", &err);
	t_str(r ? r->version : "", "v1", "kind in an exact version");
	kube_resources(c, &n, &err);
	t_int((long long)n, 5, "every resource (2 core, 1 apps, Volley in 2 versions), subresources folded");
	{
		json_t *cm = json_loads("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
					"\"metadata\":{\"name\":\"x\"}}", 0, NULL);
		p = kube_object_path(c, cm, "team", 1, &err);
		t_str(p, "/api/v1/namespaces/team/configmaps/x",
		      "object path with the default namespace");
		free(p);
		p = kube_object_path(c, cm, "team", 0, &err);
		t_str(p, "/api/v1/namespaces/team/configmaps",
		      "collection path for a create");
		free(p);
		json_decref(cm);
	}
	/* a kind the cache lacks: refreshed from the server, which is not
	 * there */
	r = kube_resource_for(c, "volley.io/v3", "Volley", &err);
	t_ok(!r && err.code == GERR_UNREACHABLE,
	     "cache: a missing kind goes to the server: %s", gerr_msg(&err));
	gerr_clear(&err);
	kube_client_free(c);

	c = cache_client(700);
	r = kube_resource_for(c, "apps/v1", "Deployment", &err);
	t_ok(!r && err.code == GERR_UNREACHABLE,
	     "cache: a cache older than the TTL is not used");
	gerr_clear(&err);
	kube_client_free(c);
}

int main(void)
{
	char *cmd;

	mem_init();
	strcpy(tmp, "/tmp/gantry-kube-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	test_kubeconfig_basic();
	test_kubeconfig_merge();
	test_kubeconfig_errors();
	test_incluster();
	test_exec();
	test_errors();
	test_retry_policy();
	test_same_create();
	test_helpers();
	test_discovery_cache();
	cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		t_diag("could not remove %s", tmp);
	free(cmd);
	return t_done();
}
