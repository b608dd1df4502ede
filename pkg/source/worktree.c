/* A working tree on disk: its files as they are, confined to the root, and
 * the revision it was rendered from (HEAD, "-dirty" when it differs). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/source/internal.h"

/* Does anything under prefix differ from HEAD: changed, staged, deleted or
 * new (untracked, not ignored) files? Untracked files count because
 * gantry reads them. Sets *dirty when so, leaves it alone otherwise. */
static int is_dirty(git_repository *repo, const char *prefix, int *dirty,
		    struct gerr *err)
{
	git_status_options so;
	git_status_list *list;
	char *spec[1] = { (char *)prefix };

	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	/* submodules are looked at by submodules() below: libgit2 1.5's own
	 * look leaks a PCRE2 match for every entry of their configuration */
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		   GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		   GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (*prefix) {
		so.pathspec.strings = spec;
		so.pathspec.count = 1;
	}
	if (git_status_list_new(&list, repo, &so) < 0)
		return sgit_error(err, "git status");
	if (git_status_list_entrycount(list) > 0)
		*dirty = 1;
	git_status_list_free(list);
	return 0;
}

/* The root's path inside the repository's working directory. */
static char *prefix_in(git_repository *repo, const char *root_real)
{
	const char *wd = git_repository_workdir(repo);
	char *wd_real = wd ? realpath(wd, NULL) : NULL;
	char *prefix;
	if (!wd_real || !spath_within(root_real, wd_real))
		prefix = xstrdup("");
	else if (!strcmp(wd_real, "/"))
		prefix = xstrdup(root_real + 1);
	else
		prefix = xstrdup(root_real + strlen(wd_real) +
				 (root_real[strlen(wd_real)] == '/'));
	free(wd_real);
	return prefix;
}

/* The submodules recorded in the index under the root. One whose directory
 * is not checked out (no .git in it) is remembered in s->absent: reading it
 * would find nothing, which must not pass for an empty directory. One that
 * is checked out makes the tree dirty when its HEAD is not the recorded
 * commit or its own files changed. The index is read rather than
 * .gitmodules so that libgit2's configuration matching is not needed. */
static int submodules(struct source *s, git_repository *repo, int *dirty,
		      struct gerr *err)
{
	git_index *index;
	const char *wd = git_repository_workdir(repo);
	char *wd_real = wd ? realpath(wd, NULL) : NULL;
	int rc = 0;

	if (!wd_real || git_repository_index(&index, repo) < 0) {
		free(wd_real);
		return 0;
	}
	for (size_t i = 0; !rc && i < git_index_entrycount(index); i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		if (e->mode != GIT_FILEMODE_COMMIT)
			continue;
		char *path = spath_join(wd_real, e->path);
		char *dotgit = xasprintf("%s/.git", path);
		struct stat st;
		git_repository *sub;
		git_oid head;
		int d = 0;
		if (!spath_within(path, s->root_real)) {
			/* outside the root: not read */
		} else if (stat(dotgit, &st) < 0) {
			char id[GIT_OID_HEXSZ + 1];
			git_oid_tostr(id, sizeof(id), &e->id);
			strvec_push(&s->absent, path);
			strvec_push(&s->absent, id);
		} else if (git_repository_open(&sub, path) == 0) {
			if (git_reference_name_to_id(&head, sub, "HEAD") < 0 ||
			    !git_oid_equal(&head, &e->id))
				*dirty = 1;
			else if ((rc = is_dirty(sub, "", &d, err)) == 0 && d)
				*dirty = 1;
			git_repository_free(sub);
		}
		free(dotgit);
		free(path);
	}
	git_index_free(index);
	free(wd_real);
	return rc;
}

int swt_open(struct source *s, const char *dir, const char *rev,
	     struct gerr *err)
{
	struct stat st;
	git_repository *repo = NULL;

	if (stat(dir, &st) < 0)
		return gerr_setc(err, GERR_IO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return gerr_setc(err, GERR_IO, "%s: not a directory", dir);
	s->root_real = realpath(dir, NULL);
	if (!s->root_real)
		return gerr_setc(err, GERR_IO, "%s: %s", dir, strerror(errno));
	if (git_repository_open_ext(&repo, s->root_real, 0, NULL) < 0) {
		if (rev)
			return gerr_setc(err, GERR_INPUT,
					 "%s: --revision needs a git "
					 "repository, and this directory is "
					 "in none", dir);
		return 0;  /* files, no revision */
	}
	char *prefix = prefix_in(repo, s->root_real);
	if (rev) {
		/* root_real stays: the commit's paths are shown under it */
		int rc = sgit_open_commit(s, repo, rev, prefix, err);
		free(prefix);
		return rc;
	}

	git_oid head;
	int rc = 0, dirty = 0;
	if (git_reference_name_to_id(&head, repo, "HEAD") == 0 &&
	    (rc = submodules(s, repo, &dirty, err)) == 0 &&
	    (rc = is_dirty(repo, prefix, &dirty, err)) == 0) {
		char id[GIT_OID_HEXSZ + 1];
		git_oid_tostr(id, sizeof(id), &head);
		s->revision = xasprintf("%s%s", id, dirty ? "-dirty" : "");
	}
	free(prefix);
	git_repository_free(repo);
	return rc;
}

/* realpath(path), which must be under the root; NULL with errno set, and
 * err set unless the path simply does not exist. */
char *swt_confine(const struct source *s, const char *path,
		  struct gerr *err)
{
	char *real = realpath(path, NULL);
	if (!real) {
		int e = errno;
		if (e != ENOENT && e != ENOTDIR)
			gerr_setc(err, GERR_IO, "%s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	if (!spath_within(real, s->root_real)) {
		free(real);
		source_outside(s, path, err);
		errno = EACCES;
		return NULL;
	}
	for (size_t i = 0; i + 1 < s->absent.nr; i += 2) {
		if (!spath_within(real, s->absent.v[i]))
			continue;
		gerr_setc(err, GERR_INPUT,
			  "%s: a git submodule (at commit %.12s) that is not "
			  "checked out; run `git submodule update --init`, or "
			  "vendor its files",
			  path, s->absent.v[i + 1]);
		free(real);
		errno = EIO;
		return NULL;
	}
	return real;
}

int swt_stat(const struct source *s, const char *path,
	     enum source_type *type, struct gerr *err)
{
	struct stat st;
	char *real = swt_confine(s, path, err);
	if (!real) {
		if (errno != ENOENT && errno != ENOTDIR)
			return -1;
		*type = SOURCE_MISSING;  /* errno kept */
		return 0;
	}
	int rc = stat(real, &st);
	free(real);
	if (rc < 0)
		return gerr_setc(err, GERR_IO, "%s: %s", path, strerror(errno));
	*type = S_ISDIR(st.st_mode)   ? SOURCE_DIR
		: S_ISREG(st.st_mode) ? SOURCE_FILE
				      : SOURCE_OTHER;
	return 0;
}

char *swt_realpath(const struct source *s, const char *path)
{
	return swt_confine(s, path, NULL);
}
