/* Remotes: cloned once into the cache (a bare repository with every branch
 * and tag), fetched on every later use, read like any commit. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/source/internal.h"

char *sremote_redact(const char *url)
{
	const char *scheme = strstr(url, "://");
	if (!scheme)
		return xstrdup(url);     /* scp-like: user@host, no secret */
	const char *host = scheme + 3;
	const char *end = host + strcspn(host, "/");
	const char *at = memchr(host, '@', (size_t)(end - host));
	/* keep the scheme, drop "user:password@" or "token@" */
	if (!at)
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(host - url), url, at + 1);
}

/* ~/.cache/gantry/repos (or $XDG_CACHE_HOME/gantry/repos). */
static char *cache_root(const struct source_options *o, struct gerr *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (o->cache_dir)
		return xstrdup(o->cache_dir);
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/gantry/repos", xdg);
	if (home && *home)
		return xasprintf("%s/.cache/gantry/repos", home);
	gerr_setc(err, GERR_IO, "no cache directory: set XDG_CACHE_HOME or "
		  "HOME");
	return NULL;
}

static int mkdirs(const char *path, struct gerr *err)
{
	char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			gerr_setc(err, GERR_IO, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		if (!c)
			break;
		*s = c;
	}
	free(p);
	return 0;
}

/* The last path component of a URL without ".git", in safe characters. */
char *sremote_name(const char *url)
{
	const char *end = url + strlen(url);
	while (end > url && end[-1] == '/')
		end--;
	const char *start = end;
	while (start > url && start[-1] != '/' && start[-1] != ':')
		start--;
	size_t n = (size_t)(end - start);
	if (n > 4 && !strncmp(end - 4, ".git", 4))
		n -= 4;
	struct strbuf name = STRBUF_INIT;
	for (size_t i = 0; i < n && i < 64; i++) {
		char c = start[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			 c == '.';
		strbuf_addch(&name, ok ? c : '_');
	}
	if (!name.len || name.buf[0] == '.') {
		strbuf_reset(&name);
		strbuf_addstr(&name, "repo");
	}
	return strbuf_detach(&name, NULL);
}

/* The cache entry of a URL: its name and a hash of the URL without
 * credentials, so two remotes never share one. */
static char *cache_name(const char *redacted)
{
	git_oid oid;
	char id[GIT_OID_HEXSZ + 1];
	char *name = sremote_name(redacted);
	git_odb_hash(&oid, redacted, strlen(redacted), GIT_OBJECT_BLOB);
	git_oid_tostr(id, sizeof(id), &oid);
	char *entry = xasprintf("%s-%.12s", name, id);
	free(name);
	return entry;
}

/* ---- credentials ---- */

struct creds {
	const char *ssh_key;
	int tried_key, tried_agent, tried_token, tried_user;
	struct strbuf tried;      /* "ssh key FILE, ssh agent, ..." */
};

static void tried(struct creds *c, const char *what)
{
	strbuf_addf(&c->tried, "%s%s", c->tried.len ? ", " : "", what);
}

/* Offer each way once; libgit2 asks again after a refusal, and a second
 * offer of the same would loop for ever. */
static int acquire(git_credential **out, const char *url,
		   const char *user_from_url, unsigned int allowed,
		   void *payload)
{
	struct creds *c = payload;
	const char *token = getenv("GANTRY_GIT_TOKEN");
	const char *user = user_from_url && *user_from_url ? user_from_url
							  : NULL;
	(void)url;
	if (allowed & GIT_CREDENTIAL_USERNAME && !c->tried_user) {
		c->tried_user = 1;
		return git_credential_username_new(out, user ? user : "git");
	}
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (c->ssh_key && !c->tried_key) {
			c->tried_key = 1;
			tried(c, "--ssh-key");
			char *pub = xasprintf("%s.pub", c->ssh_key);
			int have_pub = access(pub, R_OK) == 0;
			int rc = git_credential_ssh_key_new(
				out, user ? user : "git",
				have_pub ? pub : NULL, c->ssh_key, NULL);
			free(pub);
			return rc;
		}
		if (!c->ssh_key && !c->tried_agent && getenv("SSH_AUTH_SOCK")) {
			c->tried_agent = 1;
			tried(c, "ssh agent");
			return git_credential_ssh_key_from_agent(
				out, user ? user : "git");
		}
	}
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT && token && *token &&
	    !c->tried_token) {
		c->tried_token = 1;
		tried(c, "GANTRY_GIT_TOKEN");
		/* hosts take the token as the password whatever the user
		 * name; GitHub documents x-access-token */
		return git_credential_userpass_plaintext_new(
			out, user ? user : "x-access-token", token);
	}
	return GIT_PASSTHROUGH;
}

/* ---- fetching ---- */

/*
 * git's url.<base>.insteadOf: the longest insteadOf value that starts the
 * URL is replaced by its base. Done here, walking the configuration
 * without a pattern, because libgit2 1.5 leaks a PCRE2 match for every
 * configuration entry its own insteadOf lookup does not match.
 */
static char *instead_of(git_repository *repo, const char *url)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	char *best_base = NULL;
	size_t best = 0;

	if (git_repository_config_snapshot(&cfg, repo) < 0 ||
	    git_config_iterator_new(&it, cfg) < 0) {
		git_config_free(cfg);
		return xstrdup(url);
	}
	while (git_config_next(&e, it) == 0) {
		size_t n = strlen(e->name);
		size_t v = e->value ? strlen(e->value) : 0;
		if (n <= 14 || strncmp(e->name, "url.", 4) ||
		    strcmp(e->name + n - 10, ".insteadof") || !v || v <= best ||
		    strncmp(url, e->value, v))
			continue;
		free(best_base);
		best_base = xstrndup(e->name + 4, n - 14);
		best = v;
	}
	git_config_iterator_free(it);
	git_config_free(cfg);
	if (!best_base)
		return xstrdup(url);
	char *out = xasprintf("%s%s", best_base, url + best);
	free(best_base);
	return out;
}

static int fetch(git_repository *repo, const char *url,
		 const struct source_options *o, const char *shown,
		 struct gerr *err)
{
	/* every branch to a branch of the same name, every tag: the cache
	 * mirrors the remote, so any revision the user names resolves */
	char *specs[] = { "+refs/heads/*:refs/heads/*",
			  "+refs/tags/*:refs/tags/*" };
	git_strarray refspecs = { specs, 2 };
	git_fetch_options fo;
	git_remote *remote = NULL;
	git_buf head = GIT_BUF_INIT_CONST(NULL, 0);
	struct creds c = { o->ssh_key, 0, 0, 0, 0, STRBUF_INIT };
	int rc = -1;

	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks.credentials = acquire;
	fo.callbacks.payload = &c;
	fo.prune = GIT_FETCH_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	/* an anonymous remote: the URL (which may hold a token) is never
	 * written to the cache's configuration */
	git_remote_create_options ro;
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		   GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	char *real_url = instead_of(repo, url);
	int crc = git_remote_create_with_opts(&remote, real_url, &ro);
	free(real_url);
	if (crc < 0) {
		sgit_error(err, shown);
		goto out;
	}
	if (git_remote_fetch(remote, &refspecs, &fo, NULL) < 0) {
		const git_error *e = git_error_last();
		/* libgit2 says so in GIT_ERROR_NET or GIT_ERROR_HTTP words
		 * ("remote authentication required but no callback set"
		 * when our callback had nothing left to offer) */
		int auth = e && (e->klass == GIT_ERROR_NET ||
				 e->klass == GIT_ERROR_HTTP) &&
			   e->message && strstr(e->message, "auth");
		if (c.tried.len)
			gerr_setc(err, GERR_UNAUTHORIZED,
				  "%s: authentication failed (tried: %s)",
				  shown, c.tried.buf);
		else if (auth)
			gerr_setc(err, GERR_UNAUTHORIZED,
				  "%s: the server asks for credentials and "
				  "there are none to offer (a token in "
				  "GANTRY_GIT_TOKEN, or for ssh an agent or "
				  "--ssh-key)",
				  shown);
		else
			sgit_error(err, shown);
		gerr_prefix(err, "fetching");
		goto out;
	}
	/* HEAD matters only when no revision is named: a remote whose HEAD
	 * names a branch it lacks (a bare repository pushed to without
	 * "master") still serves every branch it has */
	if ((git_remote_default_branch(&head, remote) < 0 ||
	     git_repository_set_head(repo, head.ptr) < 0) && !o->revision) {
		gerr_setc(err, GERR_INPUT,
			  "%s: the remote has no default branch; name one "
			  "with --revision", shown);
		goto out;
	}
	rc = 0;
out:
	git_buf_dispose(&head);
	git_remote_free(remote);
	strbuf_release(&c.tried);
	return rc;
}

/* Replace every occurrence of secret in the error's message: libgit2's
 * messages may quote the URL it was given, credentials and all. */
static void scrub(struct gerr *err, const char *secret, const char *with)
{
	if (!err || !err->msg || !secret || strlen(secret) < 3)
		return;
	struct strbuf sb = STRBUF_INIT;
	const char *p = err->msg, *hit;
	while ((hit = strstr(p, secret))) {
		strbuf_add(&sb, p, (size_t)(hit - p));
		strbuf_addstr(&sb, with);
		p = hit + strlen(secret);
	}
	strbuf_addstr(&sb, p);
	free(err->msg);
	err->msg = strbuf_detach(&sb, NULL);
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

int sremote_sync(const struct source_options *o, git_repository **repo,
		 struct gerr *err)
{
	char *shown = sremote_redact(o->repo);
	char *root = cache_root(o, err);
	char *name = NULL, *dir = NULL, *tmp = NULL;
	int rc = -1;

	*repo = NULL;
	if (!root || mkdirs(root, err) < 0)
		goto out;
	name = cache_name(shown);
	dir = xasprintf("%s/%s", root, name);
	if (git_repository_open_bare(repo, dir) == 0) {
		rc = fetch(*repo, o->repo, o, shown, err);
		goto out;
	}
	/* clone next to it, then move it into place in one step, so that
	 * an interrupted clone never leaves a half-filled cache entry */
	tmp = xasprintf("%s/.%s.%ld", root, name, (long)getpid());
	if (git_repository_init(repo, tmp, 1) < 0) {
		sgit_error(err, tmp);
		goto out;
	}
	if (fetch(*repo, o->repo, o, shown, err) < 0) {
		gerr_prefix(err, "cloning");
		goto out;
	}
	git_repository_free(*repo);
	*repo = NULL;
	if (rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
		gerr_setc(err, GERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (git_repository_open_bare(repo, dir) < 0) {
		sgit_error(err, dir);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		scrub(err, o->repo, shown);
		scrub(err, getenv("GANTRY_GIT_TOKEN"), "***");
		/* and the password of a URL's user:password@, alone */
		const char *host = strstr(o->repo, "://");
		const char *at = host ? strchr(host + 3, '@') : NULL;
		const char *colon = host ? strchr(host + 3, ':') : NULL;
		if (at && colon && colon < at && !memchr(host + 3, '/',
							 (size_t)(at - host - 3))) {
			char *pw = xstrndup(colon + 1, (size_t)(at - colon - 1));
			scrub(err, pw, "***");
			free(pw);
		}
	}
	if (tmp)
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (rc < 0) {
		git_repository_free(*repo);
		*repo = NULL;
	}
	free(tmp);
	free(dir);
	free(name);
	free(root);
	free(shown);
	return rc;
}
