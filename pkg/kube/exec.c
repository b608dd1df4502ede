/*
 * pkg/kube: exec credential plugins (client.authentication.k8s.io v1 and
 * v1beta1), as client-go runs them: the command with its args, our
 * environment plus the configured env and KUBERNETES_EXEC_INFO, stdin a
 * terminal only in interactive mode, stderr passed through (it is the
 * plugin's way to talk to the user), stdout read as an ExecCredential.
 * Nothing the plugin prints on stdout ever reaches a message: it holds
 * the credential.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"
#include "pkg/base/base64.h"

extern char **environ;

#define MAX_OUTPUT (4 << 20)

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int kube_parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	long off = 0;

	if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
	    s[16] != ':' || !digits(s + 17, 2))
		return -1;
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = two(s + 5) - 1;
	tm.tm_mday = two(s + 8);
	tm.tm_hour = two(s + 11);
	tm.tm_min = two(s + 14);
	tm.tm_sec = two(s + 17);
	s += 19;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if ((*s == '+' || *s == '-') && digits(s + 1, 2) &&
		   s[3] == ':' && digits(s + 4, 2)) {
		off = (two(s + 1) * 60L + two(s + 4)) * 60;
		if (*s == '-')
			off = -off;
		s += 6;
	} else {
		return -1;
	}
	if (*s)
		return -1;
	*out = timegm(&tm) - off;
	return 0;
}

void kube_cred_clear(struct kube_cred *cred)
{
	kube_free_secret(cred->token);
	kube_wipe_strbuf(&cred->cert);
	kube_wipe_strbuf(&cred->key);
	memset(cred, 0, sizeof(*cred));
	strbuf_init(&cred->cert, 0);
	strbuf_init(&cred->key, 0);
}

static char *exec_info(const struct kube_config *cfg, int interactive)
{
	const struct kube_exec_cfg *e = cfg->exec;
	json_t *info = json_pack("{s:s, s:s, s:{s:b}}", "kind", "ExecCredential",
				 "apiVersion", e->api_version, "spec",
				 "interactive", interactive);
	char *s;

	if (e->provide_cluster_info) {
		json_t *cl = json_pack("{s:s}", "server", cfg->server);
		if (cfg->tls_server_name)
			json_object_set_new(cl, "tls-server-name",
					    json_string(cfg->tls_server_name));
		if (cfg->insecure)
			json_object_set_new(cl, "insecure-skip-tls-verify",
					    json_true());
		if (cfg->ca.len) {
			struct strbuf b = STRBUF_INIT;
			base64_encode(&b, cfg->ca.buf, cfg->ca.len);
			json_object_set_new(cl, "certificate-authority-data",
					    json_string(b.buf));
			strbuf_release(&b);
		}
		if (cfg->proxy_url)
			json_object_set_new(cl, "proxy-url",
					    json_string(cfg->proxy_url));
		json_object_set_new(json_object_get(info, "spec"), "cluster", cl);
	}
	s = json_dumps(info, JSON_COMPACT);
	json_decref(info);
	return s;
}

static char **child_env(const struct kube_config *cfg, const char *info)
{
	struct strvec env = STRVEC_INIT;
	const struct kube_exec_cfg *e = cfg->exec;

	for (char **p = environ; *p; p++) {
		size_t n = strcspn(*p, "=");
		int replaced = !strncmp(*p, "KUBERNETES_EXEC_INFO=", 21);
		for (size_t i = 0; i < e->env.nr && !replaced; i++)
			if (!strncmp(e->env.v[i], *p, n) && e->env.v[i][n] == '=')
				replaced = 1;
		if (!replaced)
			strvec_push(&env, *p);
	}
	for (size_t i = 0; i < e->env.nr; i++)
		strvec_push(&env, e->env.v[i]);
	strvec_pushf(&env, "KUBERNETES_EXEC_INFO=%s", info);
	return env.v;	/* the caller frees it as a strvec's array */
}

static void free_env(char **env)
{
	for (char **p = env; p && *p; p++)
		free(*p);
	free(env);
}

/* Run the plugin; its stdout into out. Returns the exit status, or -1
 * with err set when it could not run. */
static int run_plugin(const struct kube_config *cfg, int interactive,
		      struct strbuf *out, const char *who, struct gerr *err)
{
	const struct kube_exec_cfg *e = cfg->exec;
	int outp[2], errp[2], status, child_errno = 0;
	char *info = exec_info(cfg, interactive), **env;
	struct strvec argv = STRVEC_INIT;
	pid_t pid;
	char buf[8192];
	ssize_t n;

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		free(info);
		return gerr_setc(err, GERR_FAIL, "%s: pipe: %s", who,
				 strerror(errno));
	}
	env = child_env(cfg, info);
	free(info);
	strvec_push(&argv, e->command);
	for (size_t i = 0; i < e->args.nr; i++)
		strvec_push(&argv, e->args.v[i]);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(outp[1], 1);
		if (!interactive) {
			int nul = open("/dev/null", O_RDONLY);
			if (nul >= 0)
				dup2(nul, 0);
		}
		signal(SIGPIPE, SIG_DFL);
		execvpe(argv.v[0], argv.v, env);
		child_errno = errno;
		if (write(errp[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(127);
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	free_env(env);
	strvec_clear(&argv);
	if (pid < 0) {
		close(outp[0]);
		close(errp[0]);
		return gerr_setc(err, GERR_FAIL, "%s: fork: %s", who,
				 strerror(errno));
	}
	while ((n = read(outp[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (out->len < MAX_OUTPUT)
			strbuf_add(out, buf, (size_t)n);
	}
	close(outp[0]);
	if (read(errp[0], &child_errno, sizeof(child_errno)) !=
	    sizeof(child_errno))
		child_errno = 0;
	close(errp[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (child_errno) {
		gerr_setc(err, GERR_UNAUTHORIZED, "%s: cannot run \"%s\": %s",
			  who, e->command, strerror(child_errno));
		if (e->install_hint) {
			/* kubectl prints the plugin's own hint after the error */
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "%s: cannot run \"%s\": %s\n\n%s", who,
				    e->command, strerror(child_errno),
				    e->install_hint);
			gerr_setc(err, GERR_UNAUTHORIZED, "%s", sb.buf);
			strbuf_release(&sb);
		}
		return -1;
	}
	if (WIFSIGNALED(status))
		return gerr_setc(err, GERR_UNAUTHORIZED,
				 "%s: \"%s\" was killed by signal %d", who,
				 e->command, WTERMSIG(status));
	return WEXITSTATUS(status);
}

static int decode_b(json_t *status, const char *key, struct strbuf *out)
{
	const char *s = json_string_value(json_object_get(status, key));
	if (!s || !*s)
		return 0;
	strbuf_addstr(out, s);
	return 1;
}

static int parse_credential(const struct kube_config *cfg,
			    const struct strbuf *out, struct kube_cred *cred,
			    const char *who, struct gerr *err)
{
	const char *api = cfg->exec->api_version;
	json_t *doc = json_loadb(out->buf, out->len, 0, NULL), *status;
	const char *kind, *got_api, *tok, *exp;
	int have_cert, have_key, ret = -1;

	/* never quote the output: it is a credential */
	if (!json_is_object(doc)) {
		gerr_setc(err, GERR_UNAUTHORIZED,
			  "%s: its output is not an ExecCredential JSON object",
			  who);
		goto out;
	}
	kind = json_string_value(json_object_get(doc, "kind"));
	got_api = json_string_value(json_object_get(doc, "apiVersion"));
	if (!kind || strcmp(kind, "ExecCredential")) {
		gerr_setc(err, GERR_UNAUTHORIZED,
			  "%s: its output is of kind \"%s\", not ExecCredential",
			  who, kind ? kind : "");
		goto out;
	}
	if (!got_api || strcmp(got_api, api)) {
		gerr_setc(err, GERR_UNAUTHORIZED,
			  "%s: exec plugin is configured to use API version "
			  "%s, plugin returned version %s", who, api,
			  got_api ? got_api : "\"\"");
		goto out;
	}
	status = json_object_get(doc, "status");
	if (!json_is_object(status)) {
		gerr_setc(err, GERR_UNAUTHORIZED,
			  "%s: exec plugin didn't return a status field", who);
		goto out;
	}
	kube_cred_clear(cred);
	tok = json_string_value(json_object_get(status, "token"));
	have_cert = decode_b(status, "clientCertificateData", &cred->cert);
	have_key = decode_b(status, "clientKeyData", &cred->key);
	if (have_cert != have_key) {
		gerr_setc(err, GERR_UNAUTHORIZED,
			  "%s: exec plugin returned only a client %s, not both "
			  "certificate and key", who,
			  have_cert ? "certificate" : "key");
		goto out;
	}
	if (!(tok && *tok) && !have_cert) {
		gerr_setc(err, GERR_UNAUTHORIZED,
			  "%s: exec plugin didn't return a token or cert/key "
			  "pair", who);
		goto out;
	}
	exp = json_string_value(json_object_get(status, "expirationTimestamp"));
	if (exp && *exp && kube_parse_time(exp, &cred->expires) < 0) {
		gerr_setc(err, GERR_UNAUTHORIZED,
			  "%s: expirationTimestamp \"%s\" is not an RFC 3339 "
			  "time", who, exp);
		goto out;
	}
	if (tok && *tok)
		cred->token = xstrdup(tok);
	cred->valid = 1;
	ret = 0;
out:
	if (ret < 0)
		kube_cred_clear(cred);
	if (doc) {
		/* the JSON strings held the secret too */
		json_t *st = json_object_get(doc, "status");
		const char *key;
		json_t *v;
		json_object_foreach(st, key, v)
			if (json_is_string(v))
				json_string_set(v, "");
		json_decref(doc);
	}
	return ret;
}

int kube_exec_run(const struct kube_config *cfg, struct kube_cred *out,
		  struct gerr *err)
{
	const struct kube_exec_cfg *e = cfg->exec;
	struct strbuf stdout_buf = STRBUF_INIT;
	char who[512];
	int interactive = 0, status, ret;

	snprintf(who, sizeof(who),
		 "getting credentials for user \"%s\" (context \"%s\") from "
		 "exec plugin \"%s\"", cfg->user ? cfg->user : "",
		 cfg->context ? cfg->context : "", e->command);
	if (strcmp(e->interactive_mode, "Never"))
		interactive = isatty(0);
	if (!strcmp(e->interactive_mode, "Always") && !interactive)
		return gerr_setc(err, GERR_UNAUTHORIZED,
				 "%s: the plugin needs interactive mode "
				 "(interactiveMode: Always) but standard input "
				 "is not a terminal", who);
	status = run_plugin(cfg, interactive, &stdout_buf, who, err);
	if (status < 0) {
		ret = -1;
	} else if (status > 0) {
		ret = gerr_setc(err, GERR_UNAUTHORIZED,
				"%s: it exited with status %d", who, status);
	} else {
		ret = parse_credential(cfg, &stdout_buf, out, who, err);
	}
	kube_wipe_strbuf(&stdout_buf);
	return ret;
}
