/* pkg/sim: the kubeconfig kubesim writes for kubectl and gantry. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"
#include "pkg/yaml/yaml.h"
#include "pkg/base/base64.h"

/* Write data to path through a temporary file and a rename, so that a
 * reader never sees half a file. */
int util_write_atomic(const char *path, const char *data, size_t len,
		      int mode, struct gerr *err)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t off = 0;

	if (fd < 0) {
		gerr_setc(err, GERR_IO, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gerr_setc(err, GERR_IO, "%s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			free(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		gerr_setc(err, GERR_IO, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int sim_write_kubeconfig(struct sim *s, const char *path, struct gerr *err)
{
	json_t *cfg = json_object(), *clusters = json_array();
	json_t *contexts = json_array(), *users = json_array();
	json_t *c = json_object(), *cl = json_object();
	json_t *ctx = json_object(), *cx = json_object();
	json_t *u = json_object(), *us = json_object();
	struct strbuf out = STRBUF_INIT;
	int r;

	if (!s->url)
		return gerr_setc(err, GERR_FAIL, "kubesim is not serving");
	json_object_set_new(cl, "server", json_string(s->url));
	if (s->cert_pem && s->ca_pem) {
		struct strbuf ca = STRBUF_INIT;

		base64_encode(&ca, s->ca_pem, strlen(s->ca_pem));
		json_object_set_new(cl, "certificate-authority-data",
				    json_string(ca.buf));
		strbuf_release(&ca);
	} else if (s->cert_pem) {
		json_object_set_new(cl, "insecure-skip-tls-verify",
				    json_true());
	}
	json_object_set_new(c, "cluster", cl);
	json_object_set_new(c, "name", json_string("kubesim"));
	json_array_append_new(clusters, c);
	json_object_set_new(cx, "cluster", json_string("kubesim"));
	json_object_set_new(cx, "user", json_string("kubesim"));
	json_object_set_new(ctx, "context", cx);
	json_object_set_new(ctx, "name", json_string("kubesim"));
	json_array_append_new(contexts, ctx);
	json_object_set_new(u, "name", json_string("kubesim"));
	/* a user without credentials makes kubectl prompt for a password:
	 * without --token any token is accepted, so write a placeholder */
	json_object_set_new(us, "token",
			    json_string(s->cfg.token ? s->cfg.token
						     : "kubesim"));
	json_object_set_new(u, "user", us);
	json_array_append_new(users, u);
	json_object_set_new(cfg, "apiVersion", json_string("v1"));
	json_object_set_new(cfg, "kind", json_string("Config"));
	json_object_set_new(cfg, "clusters", clusters);
	json_object_set_new(cfg, "contexts", contexts);
	json_object_set_new(cfg, "current-context", json_string("kubesim"));
	json_object_set_new(cfg, "preferences", json_object());
	json_object_set_new(cfg, "users", users);
	yaml_emit(&out, cfg);
	r = util_write_atomic(path, out.buf, out.len, 0600, err);
	strbuf_release(&out);
	json_decref(cfg);
	return r;
}
