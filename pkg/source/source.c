#include "pkg/source/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/source/internal.h"

/* A directory tree deeper than this is a symlink loop. */
#define MAX_WALK_DEPTH 64

/* ---- the host file system ---- */

/* Read the file at `path`, naming it `shown` in errors. */
static char *read_host(const char *path, const char *shown, size_t *len,
		       struct gerr *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC)
				   : dup(STDIN_FILENO);

	if (fd < 0) {
		gerr_setc(err, GERR_IO, "%s: %s", shown, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	else if (S_ISDIR(st.st_mode)) {
		close(fd);
		gerr_setc(err, GERR_IO, "%s: is a directory", shown);
		return NULL;
	}
	strbuf_grow(&sb, st.st_size > 0 ? (size_t)st.st_size : 4096);
	for (;;) {
		strbuf_grow(&sb, 65536);
		ssize_t n = read(fd, sb.buf + sb.len, sb.alloc - sb.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			gerr_setc(err, GERR_IO, "%s: %s", shown,
				  strerror(errno));
			close(fd);
			strbuf_release(&sb);
			return NULL;
		}
		if (n == 0)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)n);
	}
	close(fd);
	return strbuf_detach(&sb, len);
}

char *source_read_file(const char *path, size_t *len, struct gerr *err)
{
	return read_host(path, path, len, err);
}

static int list_host(const char *path, const char *shown,
		     struct strvec *names, struct gerr *err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t first = names->nr;

	if (!d)
		return gerr_setc(err, GERR_IO, "%s: %s", shown,
				 strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strvec_push(names, de->d_name);
	closedir(d);
	struct strvec tail = { names->v + first, names->nr - first, 0 };
	strvec_sort(&tail);
	return 0;
}

static int stat_host(const char *path, enum source_type *type,
		     struct gerr *err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*type = SOURCE_MISSING;  /* errno kept */
			return 0;
		}
		return gerr_setc(err, GERR_IO, "%s: %s", path, strerror(errno));
	}
	*type = S_ISDIR(st.st_mode)   ? SOURCE_DIR
		: S_ISREG(st.st_mode) ? SOURCE_FILE
				      : SOURCE_OTHER;
	return 0;
}

/* ---- opening ---- */

int source_is_url(const char *repo)
{
	if (strstr(repo, "://"))
		return 1;
	/* scp-like: [user@]host:path, no '/' before the ':' (git's rule) */
	const char *colon = strchr(repo, ':');
	const char *slash = strchr(repo, '/');
	return colon && colon != repo && (!slash || colon < slash) &&
	       strchr(repo, '@') && strchr(repo, '@') < colon;
}

char *source_display_name(const char *repo)
{
	return sremote_redact(repo);
}

/* The root as shown: the name given, trailing slashes dropped. */
static char *root_name(const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return xstrndup(dir, n);
}

struct source *source_open(const struct source_options *o, struct gerr *err)
{
	struct source *s = xcalloc(1, sizeof(*s));
	const char *repo = o->repo && *o->repo ? o->repo : ".";
	int rc;

	git_libgit2_init();
	if (source_is_url(repo)) {
		git_repository *r;
		/* a path-like root, "NAME@COMMIT": consumers join and clean
		 * paths under it as on a file system, which a URL's "//"
		 * would not survive */
		s->root = sremote_name(repo);
		rc = sremote_sync(o, &r, err);
		if (rc == 0)
			s->root_real = xstrdup(git_repository_path(r));
		if (s->root_real && strlen(s->root_real) > 1 &&
		    s->root_real[strlen(s->root_real) - 1] == '/')
			s->root_real[strlen(s->root_real) - 1] = '\0';
		if (rc == 0)
			rc = sgit_open_commit(s, r,
					      o->revision ? o->revision
							  : "HEAD",
					      "", err);
		if (rc == 0) {
			char *name = s->root;
			s->root = xasprintf("%s@%.12s", name, s->revision);
			free(name);
		}
	} else {
		s->root = root_name(repo);
		rc = swt_open(s, repo, o->revision, err);
	}
	if (rc < 0) {
		source_free(s);
		return NULL;
	}
	return s;
}

void source_free(struct source *s)
{
	if (!s)
		return;
	if (s->commit)
		sgit_close(s);
	free(s->root);
	free(s->revision);
	free(s->root_real);
	strvec_clear(&s->absent);
	free(s);
	git_libgit2_shutdown();
}

const char *source_root(const struct source *s)
{
	return s->root;
}

const char *source_revision(const struct source *s)
{
	return s->revision;
}

int source_is_commit(const struct source *s)
{
	return s && s->commit;
}

char *source_path(const struct source *s, const char *rel)
{
	while (rel[0] == '/')
		rel++;
	if (!s || !strcmp(s->root, "."))
		return xstrdup(*rel ? rel : ".");
	return spath_join(s->root, rel);
}

char *source_clean(const char *rel)
{
	if (rel[0] == '/')
		return NULL;
	char *c = spath_clean(rel);
	if (!strcmp(c, "..") || !strncmp(c, "../", 3)) {
		free(c);
		return NULL;
	}
	if (!strcmp(c, "."))
		c[0] = '\0';
	return c;
}

/* ---- reading ---- */

int source_stat(const struct source *s, const char *path,
		enum source_type *type, struct gerr *err)
{
	if (!s)
		return stat_host(path, type, err);
	if (s->commit)
		return sgit_stat(s, path, type, err);
	return swt_stat(s, path, type, err);
}

char *source_realpath(const struct source *s, const char *path)
{
	if (!s)
		return realpath(path, NULL);
	if (s->commit)
		return sgit_realpath(s, path);
	return swt_realpath(s, path);
}

/* The real path of something in a working tree, or NULL with err set
 * (a missing path reads as "PATH: No such file or directory"). */
static char *wt_real(const struct source *s, const char *path,
		     struct gerr *err)
{
	struct gerr e = GERR_INIT;
	char *real = swt_confine(s, path, &e);
	if (!real) {
		if (!gerr_failed(&e))
			gerr_setc(&e, GERR_IO, "%s: %s", path, strerror(errno));
		if (err)
			gerr_move(err, &e);
		gerr_clear(&e);
	}
	return real;
}

char *source_read(const struct source *s, const char *path, size_t *len,
		  struct gerr *err)
{
	if (!s)
		return read_host(path, path, len, err);
	if (s->commit)
		return sgit_read(s, path, len, err);
	char *real = wt_real(s, path, err);
	if (!real)
		return NULL;
	char *buf = read_host(real, path, len, err);
	free(real);
	return buf;
}

int source_list(const struct source *s, const char *path,
		struct strvec *names, struct gerr *err)
{
	if (!s)
		return list_host(path, path, names, err);
	if (s->commit)
		return sgit_list(s, path, names, err);
	char *real = wt_real(s, path, err);
	if (!real)
		return -1;
	int rc = list_host(real, path, names, err);
	free(real);
	return rc;
}

/* ---- the manifests walk ---- */

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

int source_is_manifest_name(const char *name)
{
	return has_suffix(name, ".yaml") || has_suffix(name, ".yml") ||
	       has_suffix(name, ".json");
}

static int walk(const struct source *s, const char *dir, int depth,
		struct strvec *out, struct gerr *err)
{
	struct strvec names = STRVEC_INIT;
	int rc = -1;

	if (depth > MAX_WALK_DEPTH)
		return gerr_setc(err, GERR_IO,
				 "%s: directories nested more than %d deep "
				 "(a symlink loop?)",
				 dir, MAX_WALK_DEPTH);
	if (source_list(s, dir, &names, err) < 0)
		return -1;
	for (size_t i = 0; i < names.nr; i++) {
		enum source_type type;
		if (names.v[i][0] == '.')
			continue;
		char *path = xasprintf("%s%s%s", dir,
				       has_suffix(dir, "/") ? "" : "/",
				       names.v[i]);
		if (source_stat(s, path, &type, err) < 0) {
			free(path);
			goto out;
		}
		if (type == SOURCE_MISSING) {
			/* a dangling symbolic link */
			gerr_setc(err, GERR_IO, "%s: %s", path,
				  strerror(ENOENT));
			free(path);
			goto out;
		}
		if (type == SOURCE_DIR) {
			if (walk(s, path, depth + 1, out, err) < 0) {
				free(path);
				goto out;
			}
		} else if (type == SOURCE_FILE &&
			   source_is_manifest_name(path)) {
			strvec_push(out, path);
		}
		free(path);
	}
	rc = 0;
out:
	strvec_clear(&names);
	return rc;
}

int source_collect(const struct source *s, const char *const *paths,
		   size_t n, struct strvec *files, struct gerr *err)
{
	for (size_t i = 0; i < n; i++) {
		enum source_type type;
		if (!s && !strcmp(paths[i], "-")) {
			strvec_push(files, "-");
			continue;
		}
		if (source_stat(s, paths[i], &type, err) < 0)
			return -1;
		if (type == SOURCE_MISSING)
			return gerr_setc(err, GERR_IO, "%s: %s", paths[i],
					 strerror(errno));
		if (type == SOURCE_DIR) {
			size_t first = files->nr;
			if (walk(s, paths[i], 0, files, err) < 0)
				return -1;
			/* sorted by the whole path, so "a.yaml" comes before
			 * "a/b.yaml" exactly as a sorted file list shows it */
			struct strvec tail = { files->v + first,
					       files->nr - first, 0 };
			strvec_sort(&tail);
		} else {
			strvec_push(files, paths[i]);
		}
	}
	return 0;
}

int source_collect_manifests(const char *const *paths, size_t n,
			     struct strvec *files, struct gerr *err)
{
	return source_collect(NULL, paths, n, files, err);
}

/* ---- shared data ---- */

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *source_data_dir(struct gerr *err)
{
	const char *env = getenv("GANTRY_DATA_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		if (!is_dir(env)) {
			gerr_setc(err, GERR_IO,
				  "GANTRY_DATA_DIR=%s: not a directory", env);
			return NULL;
		}
		return xstrdup(env);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* PREFIX/bin/gantry, then build/gantry and build/asan/gantry
		 * in the source tree */
		const char *const rel[] = { "/../share/gantry", "/..",
					    "/../.." };
		for (size_t i = 0; i < 3; i++) {
			char *d = xasprintf("%s%s", exe, rel[i]);
			char *t = xasprintf("%s/templates", d);
			int ok = is_dir(t);
			free(t);
			if (ok) {
				char *real = realpath(d, NULL);
				free(d);
				if (real)
					return real;
				continue;
			}
			free(d);
		}
	}
	gerr_setc(err, GERR_IO,
		  "cannot find gantry's data directory (PREFIX/share/gantry "
		  "with the built-in templates); set GANTRY_DATA_DIR");
	return NULL;
}
