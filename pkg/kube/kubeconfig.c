/*
 * pkg/kube: finding, merging and resolving kubeconfig files the way
 * kubectl (client-go's clientcmd) does.
 *
 * The merge keeps, for each of clusters, users and contexts, the first
 * entry of each name across the files in order, together with the
 * directory of the file it came from (relative paths are resolved against
 * it). current-context comes from the first file that sets it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"
#include "pkg/yaml/yaml.h"
#include "pkg/base/base64.h"

struct merged {
	json_t *clusters, *users, *contexts; /* name -> {dir, file, v} */
	char *current;
	struct strvec files;                 /* files read */
};

static const char *const sections[][2] = {
	{ "clusters", "cluster" },
	{ "users", "user" },
	{ "contexts", "context" },
};

static json_t **section_map(struct merged *m, int i)
{
	return i == 0 ? &m->clusters : i == 1 ? &m->users : &m->contexts;
}

static char *dir_of(const char *file)
{
	char *copy = xstrdup(file), *slash = strrchr(copy, '/');
	char *dir;

	if (slash == copy)
		dir = xstrdup("/");
	else if (slash) {
		*slash = 0;
		dir = xstrdup(copy);
	} else {
		dir = xstrdup(".");
	}
	free(copy);
	if (dir[0] != '/') {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof(cwd))) {
			char *abs = !strcmp(dir, ".") ? xstrdup(cwd)
				    : xasprintf("%s/%s", cwd, dir);
			free(dir);
			dir = abs;
		}
	}
	return dir;
}

/* Add one file's entries; a missing file is skipped unless must_exist. */
static int merge_file(struct merged *m, const char *path, int must_exist,
		      struct gerr *err)
{
	struct stat st;
	size_t len;
	char *buf, *dir;
	json_t *doc, *cur;

	if (stat(path, &st) < 0 && errno == ENOENT && !must_exist)
		return 0;
	buf = kube_read_file_(path, &len, err);
	if (!buf)
		return -1;
	doc = yaml_parse_value(buf, len, path, err);
	kube_free_secret(buf);
	if (!doc)
		return gerr_prefix(err, "kubeconfig");
	strvec_push(&m->files, path);
	if (json_is_null(doc)) {
		json_decref(doc);
		return 0;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		return gerr_setc(err, GERR_INPUT,
				 "%s: not a kubeconfig (expected a mapping)",
				 path);
	}
	dir = dir_of(path);
	for (int i = 0; i < 3; i++) {
		json_t *list = json_object_get(doc, sections[i][0]), *item;
		size_t k;
		if (!list || json_is_null(list))
			continue;
		if (!json_is_array(list)) {
			gerr_setc(err, GERR_INPUT, "%s: %s: expected a list",
				  path, sections[i][0]);
			goto fail;
		}
		json_array_foreach(list, k, item) {
			const char *name = json_string_value(
				json_object_get(item, "name"));
			json_t *v = json_object_get(item, sections[i][1]);
			json_t **map = section_map(m, i);
			if (!name || !*name) {
				gerr_setc(err, GERR_INPUT,
					  "%s: %s[%zu]: no name", path,
					  sections[i][0], k);
				goto fail;
			}
			if (v && !json_is_object(v) && !json_is_null(v)) {
				gerr_setc(err, GERR_INPUT,
					  "%s: %s \"%s\": %s: expected a mapping",
					  path, sections[i][0], name,
					  sections[i][1]);
				goto fail;
			}
			if (json_object_get(*map, name))
				continue;	/* an earlier file set it */
			json_object_set_new(*map, name,
				json_pack("{s:s, s:s, s:O}", "dir", dir, "file",
					  path, "v",
					  v && json_is_object(v) ? v
								  : json_object()));
		}
	}
	cur = json_object_get(doc, "current-context");
	if (!m->current && json_string_value(cur) && *json_string_value(cur))
		m->current = xstrdup(json_string_value(cur));
	free(dir);
	json_decref(doc);
	return 0;
fail:
	free(dir);
	json_decref(doc);
	return -1;
}

/* The files kubectl would read, merged into m. */
static int merge_all(struct merged *m, const struct kube_config_opts *opts,
		     struct strvec *looked, struct gerr *err)
{
	const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");

	if (opts->kubeconfig && *opts->kubeconfig) {
		strvec_push(looked, opts->kubeconfig);
		return merge_file(m, opts->kubeconfig, 1, err);
	}
	if (env && *env) {
		char *copy = xstrdup(env), *save = NULL;
		struct strvec seen = STRVEC_INIT;
		int ret = 0;
		for (char *f = strtok_r(copy, ":", &save); f;
		     f = strtok_r(NULL, ":", &save)) {
			if (strvec_find(&seen, f) >= 0)
				continue;
			strvec_push(&seen, f);
			strvec_push(looked, f);
			if ((ret = merge_file(m, f, 0, err)) < 0)
				break;
		}
		strvec_clear(&seen);
		free(copy);
		return ret;
	}
	if (home && *home) {
		char *f = xasprintf("%s/.kube/config", home);
		int ret;
		strvec_push(looked, f);
		ret = merge_file(m, f, 0, err);
		free(f);
		return ret;
	}
	return 0;
}

static const char *str_field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

/* dir/path, cleaned as Go's filepath.Join does ("./a" and "x/../a"
 * become "a"), since kubectl resolves relative paths that way. */
static char *resolve(const char *dir, const char *path)
{
	char *joined = path[0] == '/' ? xstrdup(path)
					: xasprintf("%s/%s", dir, path);
	struct strvec parts = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;
	char *save = NULL;

	for (char *p = strtok_r(joined, "/", &save); p;
	     p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (parts.nr) {
				free(parts.v[--parts.nr]);
				parts.v[parts.nr] = NULL;
			}
			continue;
		}
		strvec_push(&parts, p);
	}
	for (size_t i = 0; i < parts.nr; i++)
		strbuf_addf(&out, "/%s", parts.v[i]);
	if (!out.len)
		strbuf_addch(&out, '/');
	strvec_clear(&parts);
	free(joined);
	return strbuf_detach(&out, NULL);
}

/* base64 "-data" field or a file, into out; what names the field. */
static int data_or_file(json_t *entry, const char *data_key,
			const char *file_key, struct strbuf *out, int *found,
			const char *owner, struct gerr *err)
{
	json_t *v = json_object_get(entry, "v");
	const char *data = str_field(v, data_key);
	const char *file = str_field(v, file_key);
	const char *dir = json_string_value(json_object_get(entry, "dir"));

	*found = 0;
	if (data) {
		*found = 1;
		if (base64_decode(data, strlen(data), 0, out, NULL) < 0)
			return gerr_setc(err, GERR_INPUT,
					 "%s: %s is not valid base64", owner,
					 data_key);
		return 0;
	}
	if (file) {
		char *path = resolve(dir, file);
		size_t len;
		char *buf = kube_read_file_(path, &len, err);
		free(path);
		*found = 1;
		if (!buf)
			return gerr_prefix(err, "%s: %s", owner, file_key);
		strbuf_add(out, buf, len);
		kube_free_secret(buf);
	}
	return 0;
}

static int load_cluster(struct kube_config *cfg, json_t *entry,
			struct gerr *err)
{
	json_t *v = json_object_get(entry, "v");
	const char *server = str_field(v, "server");
	const char *proxy = str_field(v, "proxy-url");
	char owner[300];
	int found;

	snprintf(owner, sizeof(owner), "cluster \"%s\"", cfg->cluster);
	if (!server)
		return gerr_setc(err, GERR_INPUT, "no server found for %s",
				 owner);
	cfg->server = strstr(server, "://") ? xstrdup(server)
			: xasprintf("https://%s", server);
	while (strlen(cfg->server) > 8 &&
	       cfg->server[strlen(cfg->server) - 1] == '/')
		cfg->server[strlen(cfg->server) - 1] = 0;
	cfg->insecure = json_is_true(json_object_get(v, "insecure-skip-tls-verify"));
	if (data_or_file(entry, "certificate-authority-data",
			 "certificate-authority", &cfg->ca, &found, owner,
			 err) < 0)
		return -1;
	if (found)
		cfg->ca_source = str_field(v, "certificate-authority-data")
			? xasprintf("certificate-authority-data of %s", owner)
			: xasprintf("certificate-authority %s of %s",
				    str_field(v, "certificate-authority"),
				    owner);
	if (found && cfg->insecure)
		return gerr_setc(err, GERR_INPUT,
				 "%s: specifying a root certificates file "
				 "with the insecure flag is not allowed",
				 owner);
	if (str_field(v, "tls-server-name"))
		cfg->tls_server_name = xstrdup(str_field(v, "tls-server-name"));
	if (proxy) {
		if (strncmp(proxy, "http://", 7) && strncmp(proxy, "https://", 8) &&
		    strncmp(proxy, "socks5://", 9))
			return gerr_setc(err, GERR_INPUT,
					 "%s: proxy-url: the scheme must be "
					 "http, https or socks5", owner);
		cfg->proxy_url = xstrdup(proxy);
	}
	return 0;
}

static int load_exec(struct kube_config *cfg, json_t *entry, json_t *ex,
		     const char *owner, struct gerr *err)
{
	struct kube_exec_cfg *e = xcalloc(1, sizeof(*e));
	const char *dir = json_string_value(json_object_get(entry, "dir"));
	const char *cmd = str_field(ex, "command");
	const char *api = str_field(ex, "apiVersion");
	const char *mode = str_field(ex, "interactiveMode");
	json_t *args = json_object_get(ex, "args");
	json_t *env = json_object_get(ex, "env"), *item;
	size_t i;

	cfg->exec = e;
	if (!cmd)
		return gerr_setc(err, GERR_INPUT,
				 "command must be specified for %s to use "
				 "exec authentication plugin", owner);
	if (!api)
		return gerr_setc(err, GERR_INPUT,
				 "apiVersion must be specified for %s to use "
				 "exec authentication plugin", owner);
	if (strcmp(api, "client.authentication.k8s.io/v1") &&
	    strcmp(api, "client.authentication.k8s.io/v1beta1"))
		return gerr_setc(err, GERR_INPUT,
				 "%s: exec plugin: invalid apiVersion \"%s\" "
				 "(client.authentication.k8s.io/v1 or v1beta1)",
				 owner, api);
	/* v1 makes interactiveMode required; v1beta1 defaults to
	 * IfAvailable */
	if (!mode && !strcmp(api, "client.authentication.k8s.io/v1"))
		return gerr_setc(err, GERR_INPUT,
				 "interactiveMode must be specified for %s to "
				 "use exec authentication plugin", owner);
	if (mode && strcmp(mode, "Never") && strcmp(mode, "IfAvailable") &&
	    strcmp(mode, "Always"))
		return gerr_setc(err, GERR_INPUT,
				 "%s: exec plugin: invalid interactiveMode "
				 "\"%s\" (Never, IfAvailable or Always)",
				 owner, mode);
	/* kubectl resolves the command against the kubeconfig's directory
	 * only when it is a path, not a name looked up in PATH */
	e->command = strchr(cmd, '/') ? resolve(dir, cmd) : xstrdup(cmd);
	e->api_version = xstrdup(api);
	e->interactive_mode = xstrdup(mode ? mode : "IfAvailable");
	if (str_field(ex, "installHint"))
		e->install_hint = xstrdup(str_field(ex, "installHint"));
	e->provide_cluster_info =
		json_is_true(json_object_get(ex, "provideClusterInfo"));
	json_array_foreach(args, i, item) {
		if (!json_is_string(item))
			return gerr_setc(err, GERR_INPUT,
					 "%s: exec: args[%zu] is not a string",
					 owner, i);
		strvec_push(&e->args, json_string_value(item));
	}
	json_array_foreach(env, i, item) {
		const char *name = str_field(item, "name");
		json_t *val = json_object_get(item, "value");
		if (!name)
			return gerr_setc(err, GERR_INPUT,
					 "env variable name must be specified "
					 "for %s to use exec authentication "
					 "plugin", owner);
		strvec_pushf(&e->env, "%s=%s", name,
			     json_is_string(val) ? json_string_value(val) : "");
	}
	return 0;
}

static int load_user(struct kube_config *cfg, json_t *entry,
		     struct gerr *err)
{
	json_t *v = json_object_get(entry, "v");
	const char *dir = json_string_value(json_object_get(entry, "dir"));
	char owner[300];
	int have_cert, have_key;

	snprintf(owner, sizeof(owner), "user \"%s\"", cfg->user);
	if (str_field(v, "client-certificate-data") &&
	    str_field(v, "client-certificate"))
		return gerr_setc(err, GERR_INPUT,
				 "client-cert-data and client-cert are both "
				 "specified for %s; please specify only one",
				 owner);
	if (str_field(v, "client-key-data") && str_field(v, "client-key"))
		return gerr_setc(err, GERR_INPUT,
				 "client-key-data and client-key are both "
				 "specified for %s; please specify only one",
				 owner);
	if (data_or_file(entry, "client-certificate-data",
			 "client-certificate", &cfg->cert, &have_cert, owner,
			 err) < 0 ||
	    data_or_file(entry, "client-key-data", "client-key", &cfg->key,
			 &have_key, owner, err) < 0)
		return -1;
	if (have_cert && !have_key)
		return gerr_setc(err, GERR_INPUT,
				 "client-key-data or client-key must be "
				 "specified for %s to use the clientCert "
				 "authentication method", owner);
	if (have_key && !have_cert)
		return gerr_setc(err, GERR_INPUT,
				 "client-cert-data or client-cert must be "
				 "specified for %s to use the clientCert "
				 "authentication method", owner);
	if (str_field(v, "token"))
		cfg->token = xstrdup(str_field(v, "token"));
	else if (str_field(v, "tokenFile")) {
		struct gerr e2 = GERR_INIT;
		char *tok;
		cfg->token_file = resolve(dir, str_field(v, "tokenFile"));
		tok = kube_read_file_(cfg->token_file, NULL, &e2);
		if (!tok) {
			gerr_move(err, &e2);
			return gerr_prefix(err, "%s: tokenFile", owner);
		}
		tok[strcspn(tok, "\r\n")] = 0;
		cfg->token = tok;
	}
	if (json_object_get(v, "username") || json_object_get(v, "password")) {
		const char *u = json_string_value(json_object_get(v, "username"));
		const char *p = json_string_value(json_object_get(v, "password"));
		cfg->basic = 1;
		cfg->username = xstrdup(u ? u : "");
		cfg->password = xstrdup(p ? p : "");
	}
	if (cfg->token && cfg->basic)
		return gerr_setc(err, GERR_INPUT,
				 "more than one authentication method found "
				 "for %s; found [token basicAuth], only one "
				 "is allowed", owner);
	if (json_object_get(v, "auth-provider")) {
		const char *name = str_field(json_object_get(v, "auth-provider"),
					     "name");
		return gerr_setc(err, GERR_INPUT,
				 "%s: the auth-provider \"%s\" is not "
				 "supported: use an exec credential plugin "
				 "(as kubectl now does for gcp, azure and oidc)",
				 owner, name ? name : "");
	}
	if (json_is_object(json_object_get(v, "exec")))
		return load_exec(cfg, entry, json_object_get(v, "exec"), owner,
				 err);
	return 0;
}

static int resolve_context(struct kube_config *cfg, struct merged *m,
			   const struct kube_config_opts *opts,
			   struct gerr *err)
{
	json_t *ctx = json_object_get(json_object_get(m->contexts, cfg->context),
				      "v");
	const char *cluster = str_field(ctx, "cluster");
	const char *user = str_field(ctx, "user");
	const char *ns = str_field(ctx, "namespace");
	json_t *centry, *uentry;

	if (!ctx)
		return gerr_setc(err, GERR_INPUT,
				 "context \"%s\" does not exist (kubeconfig: %s)",
				 cfg->context, cfg->origin);
	if (!cluster)
		return gerr_setc(err, GERR_INPUT,
				 "cluster was not specified for context \"%s\"",
				 cfg->context);
	centry = json_object_get(m->clusters, cluster);
	if (!centry)
		return gerr_setc(err, GERR_INPUT,
				 "cluster \"%s\" was not found for context "
				 "\"%s\" (kubeconfig: %s)", cluster,
				 cfg->context, cfg->origin);
	cfg->cluster = xstrdup(cluster);
	cfg->user = xstrdup(user ? user : "");
	if (opts->namespace && *opts->namespace)
		cfg->ns = xstrdup(opts->namespace);
	else
		cfg->ns = xstrdup(ns ? ns : "default");
	if (load_cluster(cfg, centry, err) < 0)
		return -1;
	/* a context without a user talks to the server anonymously */
	if (!user)
		return 0;
	uentry = json_object_get(m->users, user);
	if (!uentry)
		return gerr_setc(err, GERR_INPUT,
				 "user \"%s\" was not found for context \"%s\" "
				 "(kubeconfig: %s)", user, cfg->context,
				 cfg->origin);
	return load_user(cfg, uentry, err);
}

struct kube_config *kube_config_new_(void)
{
	struct kube_config *cfg = xcalloc(1, sizeof(*cfg));
	strbuf_init(&cfg->ca, 0);
	strbuf_init(&cfg->cert, 0);
	strbuf_init(&cfg->key, 0);
	return cfg;
}

struct kube_config *kube_config_load(const struct kube_config_opts *opts,
				     struct gerr *err)
{
	static const struct kube_config_opts none;
	struct merged m = { json_object(), json_object(), json_object(), NULL,
			    STRVEC_INIT };
	struct strvec looked = STRVEC_INIT;
	struct kube_config *cfg = NULL;
	struct strbuf sb = STRBUF_INIT;

	if (!opts)
		opts = &none;
	if (merge_all(&m, opts, &looked, err) < 0)
		goto out;
	if (!json_object_size(m.contexts) && !json_object_size(m.clusters) &&
	    !(opts->context && *opts->context) &&
	    !(opts->kubeconfig && *opts->kubeconfig)) {
		const char *root = opts->incluster_root;
		if (kube_incluster_possible(root)) {
			cfg = kube_incluster_load(root, err);
			if (cfg && opts->namespace && *opts->namespace) {
				free(cfg->ns);
				cfg->ns = xstrdup(opts->namespace);
			}
			goto out;
		}
		for (size_t i = 0; i < looked.nr; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", looked.v[i]);
		if (!looked.nr)
			strbuf_addstr(&sb, "$KUBECONFIG and $HOME are not set");
		gerr_setc(err, GERR_INPUT,
			  "no Kubernetes configuration: no cluster or context "
			  "in the kubeconfig (%s), and not running in a "
			  "cluster (no KUBERNETES_SERVICE_HOST and service "
			  "account token)", sb.buf);
		goto out;
	}
	cfg = kube_config_new_();
	for (size_t i = 0; i < m.files.nr; i++)
		strbuf_addf(&sb, "%s%s", i ? ":" : "", m.files.v[i]);
	if (!m.files.nr)
		strbuf_addstr(&sb, "no kubeconfig file found");
	cfg->origin = strbuf_detach(&sb, NULL);
	if (opts->context && *opts->context)
		cfg->context = xstrdup(opts->context);
	else if (m.current)
		cfg->context = xstrdup(m.current);
	else {
		gerr_setc(err, GERR_INPUT,
			  "no current-context is set in %s: pass --context "
			  "NAME (or run kubectl config use-context NAME)",
			  cfg->origin);
		goto fail;
	}
	if (resolve_context(cfg, &m, opts, err) < 0)
		goto fail;
	goto out;
fail:
	gerr_prefix(err, "kubeconfig");
	kube_config_free(cfg);
	cfg = NULL;
out:
	strbuf_release(&sb);
	strvec_clear(&looked);
	strvec_clear(&m.files);
	free(m.current);
	json_decref(m.clusters);
	json_decref(m.users);
	json_decref(m.contexts);
	return cfg;
}

void kube_config_free(struct kube_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->origin);
	free(cfg->context);
	free(cfg->cluster);
	free(cfg->user);
	free(cfg->server);
	free(cfg->ns);
	strbuf_release(&cfg->ca);
	free(cfg->ca_source);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	kube_free_secret(cfg->token);
	free(cfg->token_file);
	kube_wipe_strbuf(&cfg->cert);
	kube_wipe_strbuf(&cfg->key);
	free(cfg->username);
	kube_free_secret(cfg->password);
	if (cfg->exec) {
		free(cfg->exec->command);
		strvec_clear(&cfg->exec->args);
		strvec_clear(&cfg->exec->env);
		free(cfg->exec->api_version);
		free(cfg->exec->install_hint);
		free(cfg->exec->interactive_mode);
		free(cfg->exec);
	}
	free(cfg);
}

const char *kube_config_server(const struct kube_config *cfg)
{
	return cfg->server;
}

const char *kube_config_namespace(const struct kube_config *cfg)
{
	return cfg->ns;
}

const char *kube_config_context(const struct kube_config *cfg)
{
	return cfg->context ? cfg->context : "";
}

const char *kube_config_cluster(const struct kube_config *cfg)
{
	return cfg->cluster ? cfg->cluster : "";
}

const char *kube_config_user(const struct kube_config *cfg)
{
	return cfg->user ? cfg->user : "";
}

const char *kube_config_origin(const struct kube_config *cfg)
{
	return cfg->origin ? cfg->origin : "";
}

const char *kube_config_auth(const struct kube_config *cfg)
{
	if (cfg->in_cluster)
		return "service account";
	if (cfg->cert.len && cfg->token)
		return "client certificate+token";
	if (cfg->cert.len)
		return "client certificate";
	if (cfg->token)
		return cfg->token_file ? "token file" : "token";
	if (cfg->basic)
		return "basic";
	if (cfg->exec)
		return "exec";
	return "none";
}
