/* Reading a commit's files from the object database (no checkout). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/source/internal.h"

/* As Linux's MAXSYMLINKS: more links than this in one path is a loop. */
#define MAX_LINKS 40

int sgit_error(struct gerr *err, const char *what)
{
	const git_error *e = git_error_last();
	return gerr_setc(err, GERR_IO, "%s: %s", what,
			 e && e->message ? e->message : "git error");
}

int sgit_open_commit(struct source *s, git_repository *repo, const char *rev,
		     const char *prefix, struct gerr *err)
{
	git_object *obj = NULL;
	git_commit *commit = NULL;
	git_tree *top = NULL;
	char id[GIT_OID_HEXSZ + 1];

	s->repo = repo;
	s->commit = 1;
	s->prefix = xstrdup(prefix);
	s->rev_name = xstrdup(rev);
	if (git_revparse_single(&obj, repo, rev) < 0)
		return gerr_setc(err, GERR_INPUT,
				 "%s: unknown revision (no branch, tag or "
				 "commit by that name)", rev);
	if (git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) <
	    0) {
		git_object_free(obj);
		return gerr_setc(err, GERR_INPUT, "%s: not a commit", rev);
	}
	git_object_free(obj);
	git_oid_tostr(id, sizeof(id), git_commit_id(commit));
	s->revision = xstrdup(id);
	int rc = git_commit_tree(&top, commit);
	git_commit_free(commit);
	if (rc < 0)
		return sgit_error(err, rev);
	if (!*prefix) {
		s->tree = top;
		return 0;
	}
	git_tree_entry *e = NULL;
	if (git_tree_entry_bypath(&e, top, prefix) < 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_TREE) {
		git_tree_entry_free(e);
		git_tree_free(top);
		return gerr_setc(err, GERR_INPUT,
				 "%s does not exist at revision %s", s->root,
				 rev);
	}
	rc = git_tree_lookup(&s->tree, repo, git_tree_entry_id(e));
	git_tree_entry_free(e);
	git_tree_free(top);
	return rc < 0 ? sgit_error(err, rev) : 0;
}

void sgit_close(struct source *s)
{
	for (size_t i = 0; i < s->nsubs; i++) {
		free(s->subs[i].path);
		git_repository_free(s->subs[i].repo);
	}
	free(s->subs);
	git_tree_free(s->tree);
	git_repository_free(s->repo);
	free(s->prefix);
	free(s->rev_name);
}

/* ---- resolving a path in the tree ---- */

struct gres {
	git_repository *repo;   /* borrowed from the source */
	git_object_t type;      /* GIT_OBJECT_BLOB or GIT_OBJECT_TREE */
	git_oid oid;
	char *canon;            /* the resolved path inside the repository */
};

/* The repository of the submodule at `path` (inside repo, whose own path
 * in the top repository is `at`), opened once per source. */
static git_repository *open_sub(const struct source *s, git_repository *repo,
				const char *inrepo, const char *at,
				const char *shown, const git_oid *want,
				struct gerr *err)
{
	struct source *m = (struct source *)s;  /* the cache only */
	char id[GIT_OID_HEXSZ + 1];
	git_submodule *sm = NULL;
	git_repository *sub = NULL;

	for (size_t i = 0; i < s->nsubs; i++)
		if (!strcmp(s->subs[i].path, at))
			return s->subs[i].repo;
	git_oid_tostr(id, sizeof(id), want);
	if (git_repository_is_bare(repo) ||
	    git_submodule_lookup(&sm, repo, inrepo) < 0 ||
	    git_submodule_open(&sub, sm) < 0) {
		git_submodule_free(sm);
		gerr_setc(err, GERR_INPUT,
			  "%s: a git submodule (at commit %.12s) whose "
			  "repository is not here; gantry reads a submodule "
			  "only once `git submodule update --init` has "
			  "fetched it",
			  shown, id);
		return NULL;
	}
	git_submodule_free(sm);
	ALLOC_GROW(m->subs, m->nsubs + 1, m->asubs);
	m->subs[m->nsubs].path = xstrdup(at);
	m->subs[m->nsubs++].repo = sub;
	return sub;
}

/* Split "a/b/c" into components (the string is modified). */
static size_t split(char *p, char **comps, size_t max)
{
	size_t n = 0;
	for (char *t = strtok(p, "/"); t && n < max; t = strtok(NULL, "/"))
		comps[n++] = t;
	return n;
}

/*
 * Walk rel (a cleaned path inside the repository) from the root tree,
 * following symbolic links and entering submodules. 0 and *out filled;
 * 1 when it does not exist (*eno ENOENT or ENOTDIR); -1 with err set.
 */
static int resolve(const struct source *s, const char *rel, const char *shown,
		   struct gres *out, int *eno, struct gerr *err)
{
	char *path = xstrdup(rel);
	int links = 0, rc;

restart:;
	size_t max = strlen(path) / 2 + 2;
	char *buf = xstrdup(path);
	char **comps = xmalloc(max * sizeof(*comps));
	size_t n = split(buf, comps, max);
	git_repository *repo = s->repo;
	git_tree *tree = NULL;          /* owned, except s->tree */
	const git_tree *cur = s->tree;
	git_oid oid = *git_tree_id(s->tree);
	git_object_t type = GIT_OBJECT_TREE;
	struct strbuf inrepo = STRBUF_INIT;  /* path inside `repo` */
	struct strbuf at = STRBUF_INIT;      /* path inside the top repo */

	strbuf_addstr(&inrepo, s->prefix);
	strbuf_addstr(&at, s->prefix);
	for (size_t i = 0; i < n; i++) {
		if (type != GIT_OBJECT_TREE) {
			*eno = ENOTDIR;
			rc = 1;
			goto done;
		}
		const git_tree_entry *e = git_tree_entry_byname(cur, comps[i]);
		if (!e) {
			*eno = ENOENT;
			rc = 1;
			goto done;
		}
		strbuf_addf(&inrepo, "%s%s", inrepo.len ? "/" : "", comps[i]);
		strbuf_addf(&at, "%s%s", at.len ? "/" : "", comps[i]);
		git_filemode_t mode = git_tree_entry_filemode(e);
		if (mode == GIT_FILEMODE_LINK) {
			git_blob *blob;
			if (++links > MAX_LINKS) {
				*eno = ELOOP;
				rc = gerr_setc(err, GERR_INPUT,
					       "%s: too many levels of "
					       "symbolic links", shown);
				goto done;
			}
			if (git_blob_lookup(&blob, repo,
					    git_tree_entry_id(e)) < 0) {
				rc = sgit_error(err, shown);
				goto done;
			}
			char *target = xstrndup(git_blob_rawcontent(blob),
						(size_t)git_blob_rawsize(blob));
			git_blob_free(blob);
			/* the link's directory, then the target, then the
			 * rest of the path */
			struct strbuf np = STRBUF_INIT;
			for (size_t j = 0; j < i; j++)
				strbuf_addf(&np, "%s/", comps[j]);
			strbuf_addstr(&np, target);
			for (size_t j = i + 1; j < n; j++)
				strbuf_addf(&np, "/%s", comps[j]);
			char *c = spath_clean(np.buf);
			int out_of_root = target[0] == '/' ||
					  !strcmp(c, "..") ||
					  !strncmp(c, "../", 3);
			free(target);
			strbuf_release(&np);
			if (out_of_root) {
				free(c);
				*eno = EACCES;
				rc = source_outside(s, shown, err);
				gerr_prefix(err, "a symbolic link leads out");
				goto done;
			}
			free(path);
			path = strcmp(c, ".") ? c : (free(c), xstrdup(""));
			git_tree_free(tree);
			free(comps);
			free(buf);
			strbuf_release(&inrepo);
			strbuf_release(&at);
			goto restart;
		}
		oid = *git_tree_entry_id(e);
		if (mode == GIT_FILEMODE_COMMIT) {
			repo = open_sub(s, repo, inrepo.buf, at.buf, shown,
					&oid, err);
			git_commit *commit;
			if (!repo) {
				*eno = EIO;
				rc = -1;
				goto done;
			}
			if (git_commit_lookup(&commit, repo, &oid) < 0) {
				char id[GIT_OID_HEXSZ + 1];
				git_oid_tostr(id, sizeof(id), &oid);
				rc = gerr_setc(err, GERR_INPUT,
					       "%s: the submodule's commit "
					       "%.12s is not in its repository "
					       "(run git submodule update)",
					       shown, id);
				goto done;
			}
			oid = *git_commit_tree_id(commit);
			git_commit_free(commit);
			strbuf_reset(&inrepo);
			type = GIT_OBJECT_TREE;
		} else {
			type = git_tree_entry_type(e);
		}
		if (type == GIT_OBJECT_TREE) {
			git_tree *next;
			if (git_tree_lookup(&next, repo, &oid) < 0) {
				rc = sgit_error(err, shown);
				goto done;
			}
			git_tree_free(tree);
			cur = tree = next;
		}
	}
	out->repo = repo;
	out->type = type;
	out->oid = oid;
	out->canon = path;
	path = NULL;
	rc = 0;
done:
	git_tree_free(tree);
	free(comps);
	free(buf);
	free(path);
	strbuf_release(&inrepo);
	strbuf_release(&at);
	return rc;
}

/* resolve() from a path as the API takes it. */
static int lookup(const struct source *s, const char *path, struct gres *out,
		  int *eno, struct gerr *err)
{
	char *rel;
	if (spath_inside(s, path, &rel, err) < 0) {
		*eno = EACCES;
		return -1;
	}
	int rc = resolve(s, rel, path, out, eno, err);
	free(rel);
	return rc;
}

int sgit_stat(const struct source *s, const char *path,
	      enum source_type *type, struct gerr *err)
{
	struct gres r;
	int eno;
	int rc = lookup(s, path, &r, &eno, err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		*type = SOURCE_MISSING;
		errno = eno;
		return 0;
	}
	*type = r.type == GIT_OBJECT_TREE ? SOURCE_DIR : SOURCE_FILE;
	free(r.canon);
	return 0;
}

char *sgit_realpath(const struct source *s, const char *path)
{
	struct gres r;
	int eno = 0;
	int rc = lookup(s, path, &r, &eno, NULL);
	if (rc) {
		errno = rc == 1 ? eno : (eno ? eno : EIO);
		return NULL;
	}
	/* absolute, like realpath(3), so that callers that join and clean
	 * paths as on a file system keep the root as a prefix */
	char *p = spath_join(s->root_real, r.canon);
	free(r.canon);
	return p;
}

char *sgit_read(const struct source *s, const char *path, size_t *len,
		struct gerr *err)
{
	struct gres r;
	int eno;
	int rc = lookup(s, path, &r, &eno, err);
	if (rc < 0)
		return NULL;
	if (rc == 1) {
		gerr_setc(err, GERR_IO, "%s: %s", path, strerror(eno));
		return NULL;
	}
	free(r.canon);
	if (r.type != GIT_OBJECT_BLOB) {
		gerr_setc(err, GERR_IO, "%s: is a directory", path);
		return NULL;
	}
	git_blob *blob;
	if (git_blob_lookup(&blob, r.repo, &r.oid) < 0) {
		sgit_error(err, path);
		return NULL;
	}
	size_t n = (size_t)git_blob_rawsize(blob);
	char *buf = xmalloc(n + 1);
	memcpy(buf, git_blob_rawcontent(blob), n);
	buf[n] = '\0';
	git_blob_free(blob);
	if (len)
		*len = n;
	return buf;
}

int sgit_list(const struct source *s, const char *path, struct strvec *names,
	      struct gerr *err)
{
	struct gres r;
	int eno;
	int rc = lookup(s, path, &r, &eno, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return gerr_setc(err, GERR_IO, "%s: %s", path, strerror(eno));
	free(r.canon);
	if (r.type != GIT_OBJECT_TREE)
		return gerr_setc(err, GERR_IO, "%s: %s", path,
				 strerror(ENOTDIR));
	git_tree *tree;
	if (git_tree_lookup(&tree, r.repo, &r.oid) < 0)
		return sgit_error(err, path);
	size_t first = names->nr;
	for (size_t i = 0; i < git_tree_entrycount(tree); i++)
		strvec_push(names,
			    git_tree_entry_name(git_tree_entry_byindex(tree, i)));
	git_tree_free(tree);
	/* git orders a tree's entries as if directories ended in '/' */
	struct strvec tail = { names->v + first, names->nr - first, 0 };
	strvec_sort(&tail);
	return 0;
}
