#ifndef GANTRY_SOURCE_INTERNAL_H
#define GANTRY_SOURCE_INTERNAL_H

/* Shared by the files of pkg/source; not part of its API. */

#include <git2.h>

#include "pkg/source/source.h"

/* A submodule repository opened while resolving a path, kept open for as
 * long as the source (blobs read from it refer to it). */
struct source_sub {
	char *path;             /* its path inside the top repository */
	git_repository *repo;
};

struct source {
	char *root;             /* as the user named it, without a trailing / */
	char *revision;         /* see source_revision(); may be NULL */
	int commit;             /* read from the object database */

	/* a working tree */
	char *root_real;        /* realpath(root) */
	struct strvec absent;   /* submodules not checked out: real paths,
	                           then their commits, in pairs */

	/* a commit */
	git_repository *repo;
	git_tree *tree;         /* the tree at the root */
	char *prefix;           /* the root's path inside the repository */
	char *rev_name;         /* the revision as given, for messages */
	struct source_sub *subs;
	size_t nsubs, asubs;
};

/* ---- path.c: '/'-separated paths ---- */

/* Go's path.Clean: no "//", no ".", ".." resolved where it can be; "" and
 * "." give ".". Caller frees. */
char *spath_clean(const char *p);
/* a + "/" + b, with no doubled slash; an empty a gives b. Caller frees. */
char *spath_join(const char *a, const char *b);
/* Is p dir itself or below it? */
int spath_within(const char *p, const char *dir);
/* The path inside the repository that PATH names (cleaned, "" for the
 * root), or -1 with err "PATH: outside the repository ROOT". */
int spath_inside(const struct source *s, const char *path, char **rel,
		 struct gerr *err);
int source_outside(const struct source *s, const char *path,
		   struct gerr *err);

/* ---- git.c: reading a commit ---- */

/* Set the message of the last libgit2 error after "what: ". */
int sgit_error(struct gerr *err, const char *what);
/* Open the commit REV of repo with the root at prefix inside it; takes
 * repo. */
int sgit_open_commit(struct source *s, git_repository *repo,
		     const char *rev, const char *prefix, struct gerr *err);
int sgit_stat(const struct source *s, const char *path,
	      enum source_type *type, struct gerr *err);
char *sgit_realpath(const struct source *s, const char *path);
char *sgit_read(const struct source *s, const char *path, size_t *len,
		struct gerr *err);
int sgit_list(const struct source *s, const char *path,
	      struct strvec *names, struct gerr *err);
void sgit_close(struct source *s);

/* ---- worktree.c ---- */
int swt_open(struct source *s, const char *dir, const char *rev,
	     struct gerr *err);
int swt_stat(const struct source *s, const char *path,
	     enum source_type *type, struct gerr *err);
char *swt_realpath(const struct source *s, const char *path);
/* realpath(path) inside the root and outside any submodule not checked
 * out; NULL with errno set, and err set unless it simply does not exist. */
char *swt_confine(const struct source *s, const char *path,
		  struct gerr *err);

/* ---- remote.c ---- */

/* The last component of a URL, without ".git" ("repo" when there is
 * none). Caller frees. */
char *sremote_name(const char *url);
/* The URL without any user:password@ part. Caller frees. */
char *sremote_redact(const char *url);
/* Clone url into the cache, or fetch it there; the bare repository, its
 * HEAD at the remote's default branch. */
int sremote_sync(const struct source_options *o, git_repository **repo,
		 struct gerr *err);

#endif
