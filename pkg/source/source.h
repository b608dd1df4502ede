#ifndef GANTRY_SOURCE_H
#define GANTRY_SOURCE_H

/*
 * pkg/source — reading the files of a repository: a working tree as it is
 * on disk, or any commit straight from git's object database (libgit2, no
 * checkout, the working tree is never touched), or a remote cloned into a
 * cache.
 *
 * One reading interface serves every consumer (the manifests walk, chart
 * loading and .Files, kustomizations, values files), so that what renders
 * from a working tree renders the same from a revision.
 *
 * Paths. A source has a root: the directory as the user named it ("." for
 * the current directory, "testdata/repo"), or for a remote its name and
 * commit ("shop-gitops@1a2b3c4d5e6f"). Every path given
 * to the calls below is written the way it is shown in messages: the root,
 * "/", then the path inside the repository ("testdata/repo/apps/web/app.yaml";
 * with the root "." just "apps/web/app.yaml"). source_path() builds one.
 * Consumers join further names and ".." onto such paths as on a file
 * system; the source resolves them. source_realpath() gives the canonical
 * form (for a working tree an absolute host path, as realpath(3); for a
 * commit the root-prefixed path with every "..", "." and symbolic link
 * resolved), which can be given back to any call.
 *
 * Safety. Nothing outside the root can be read through a source: a path
 * that climbs above it with "..", or a symbolic link that leads out of it
 * (absolute, or relative and climbing out), is an error naming the path:
 * "PATH: outside the repository ROOT". A git submodule in a commit is read
 * at the commit its parent records when its repository is present locally
 * (`git submodule update --init` was run); otherwise any access to it is an
 * error naming it. It is never silently skipped. In a working tree a
 * checked-out submodule is ordinary files.
 *
 * The NULL source is the host file system, unconfined: paths are taken as
 * given (the behaviour of `gantry render PATH` and `--chart`).
 *
 * Errors are returned in a struct gerr; no call prints anything. Messages
 * never contain credentials: a URL's user:password part is removed before
 * it is shown, and tokens are never put in a message.
 */

#include <stddef.h>

#include "pkg/base/error.h"
#include "pkg/base/strvec.h"

struct source;

struct source_options {
	/* The repository: a directory (the working tree, or a directory
	 * inside one) or a URL (https://, http://, ssh://, git://, file://,
	 * or scp-like user@host:path). NULL: ".". */
	const char *repo;
	/* A revision as git understands it (branch, tag, commit, HEAD~3,
	 * v1.2^{commit}, ...). NULL: for a directory, the working tree as it
	 * is on disk; for a URL, the remote's default branch. */
	const char *revision;
	/* For a URL: the private key to offer over ssh (its ".pub" beside it
	 * is used when present). NULL: the ssh agent ($SSH_AUTH_SOCK). Over
	 * https the token in $GANTRY_GIT_TOKEN is the password. */
	const char *ssh_key;
	/* Where remotes are cloned. NULL: $XDG_CACHE_HOME/gantry/repos, or
	 * ~/.cache/gantry/repos. */
	const char *cache_dir;
};

#define SOURCE_OPTIONS_INIT { NULL, NULL, NULL, NULL }

/*
 * Open a repository as the options say. A URL is cloned (bare, all branches
 * and tags) into the cache on first use and fetched on every later one.
 * Errors: "DIR: no such directory", "DIR: --revision needs a git
 * repository", "unknown revision REV", "DIR does not exist at revision
 * REV", "URL: clone failed: ...", "URL: authentication failed (tried: ...)".
 * Caller frees with source_free().
 */
struct source *source_open(const struct source_options *o, struct gerr *err);
void source_free(struct source *s);

/* Is this string a URL (or scp-like address) rather than a directory? */
int source_is_url(const char *repo);
/* repo as it may be shown: a URL without its "user:password@" part
 * (anything else as it is). Caller frees. */
char *source_display_name(const char *repo);

/* The root paths start with (see above). */
const char *source_root(const struct source *s);
/* The revision every rendered object carries: the commit id (40 hex
 * digits), "<commit>-dirty" for a working tree whose tracked or untracked
 * (not ignored) files under the root differ from that commit, or NULL when
 * a working tree is in no git repository (or one without commits). */
const char *source_revision(const struct source *s);
/* Is the source a commit read from the object database? */
int source_is_commit(const struct source *s);

/* The path of `rel` (a path inside the repository, "" for the root) as
 * the calls below take it. Caller frees. */
char *source_path(const struct source *s, const char *rel);

/* Clean a path inside the repository: "apps/web/../db/" gives "apps/db",
 * "." gives "". NULL when it is absolute or climbs above the root. Caller
 * frees. */
char *source_clean(const char *rel);

enum source_type {
	SOURCE_MISSING = 0,
	SOURCE_FILE,
	SOURCE_DIR,
	SOURCE_OTHER,   /* a FIFO, socket or device: not readable */
};

/* What PATH is, symbolic links followed. A missing path is not an error
 * (SOURCE_MISSING, with errno ENOENT or ENOTDIR); a path outside the root, a broken link loop or an
 * unavailable submodule is. */
int source_stat(const struct source *s, const char *path,
		enum source_type *type, struct gerr *err);
/* The canonical form of an existing PATH (see above). NULL with errno set
 * (ENOENT, ENOTDIR, ELOOP, EACCES for outside the root) when it cannot be
 * resolved; the caller frees. Made to stand in for realpath(3). */
char *source_realpath(const struct source *s, const char *path);
/* Read a whole file: a NUL-terminated buffer the caller frees, its length
 * (without the NUL) in *len. "PATH: No such file or directory",
 * "PATH: is a directory". */
char *source_read(const struct source *s, const char *path, size_t *len,
		  struct gerr *err);
/* The names in directory PATH (not "." or ".."), sorted by strcmp,
 * appended to names. */
int source_list(const struct source *s, const char *path,
		struct strvec *names, struct gerr *err);

/* Is this the name of a manifest file (*.yaml, *.yml, *.json)? */
int source_is_manifest_name(const char *name);

/*
 * Expand paths into the manifest files they name, appending to files: a
 * file is taken as it is, whatever its name; a directory is walked
 * recursively for *.yaml, *.yml and *.json, skipping entries whose name
 * starts with a dot (.git and friends). Each directory's files are sorted by
 * path; the paths themselves keep their order; "-" (standard input) is
 * passed through for the NULL source. A missing or unreadable path is an
 * error naming it.
 */
int source_collect(const struct source *s, const char *const *paths,
		   size_t n, struct strvec *files, struct gerr *err);

/* ---- the host file system (the NULL source, with "-" for stdin) ---- */

/* Read a whole file ("-" is standard input). Returns a NUL-terminated buffer the caller frees,
 * with its length (without the NUL) in *len; NULL with err set to
 * "PATH: reason" when it cannot be read. */
char *source_read_file(const char *path, size_t *len, struct gerr *err);

/* source_collect(NULL, ...). */
int source_collect_manifests(const char *const *paths, size_t n,
			     struct strvec *files, struct gerr *err);

/*
 * Where gantry's shared data lives: DIR/templates (built-in charts) and
 * DIR/overlays (built-in components). $GANTRY_DATA_DIR when set; else
 * PREFIX/share/gantry beside the running binary (PREFIX/bin/gantry); else,
 * for a binary run from the build tree (build/gantry), the source tree
 * above it. Caller frees; NULL with err set when none exists.
 */
char *source_data_dir(struct gerr *err);

#endif
