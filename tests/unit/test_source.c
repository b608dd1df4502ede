/*
 * pkg/source: working trees, commits read from the object database,
 * revisions (branch, tag, HEAD~N), the dirty mark, path escapes through ".."
 * and symbolic links, submodules, and remotes cloned and fetched from a
 * file:// URL. Each test builds its repositories with the git CLI in a
 * temporary directory; expected commit ids come from `git rev-parse`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/source/source.h"
#include "tests/unit/harness.h"

static char tmp[256];

/* Run a shell script in the temporary directory; 0 when it succeeded. */
static int sh(const char *fmt, ...)
{
	struct strbuf cmd = STRBUF_INIT;
	va_list ap;
	strbuf_addf(&cmd, "cd '%s' && (", tmp);
	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	strbuf_addstr(&cmd, ") >/dev/null 2>&1");
	int rc = system(cmd.buf);
	if (rc)
		t_diag("command failed: %s", cmd.buf);
	strbuf_release(&cmd);
	return rc;
}

/* The output of `git rev-parse REV` in directory dir. */
static char *rev_parse(const char *dir, const char *rev)
{
	char *cmd = xasprintf("git -C '%s/%s' rev-parse '%s'", tmp, dir, rev);
	FILE *p = popen(cmd, "r");
	char buf[128] = "";
	if (p) {
		if (!fgets(buf, sizeof(buf), p))
			buf[0] = '\0';
		pclose(p);
	}
	free(cmd);
	buf[strcspn(buf, "\n")] = '\0';
	return xstrdup(buf);
}

static struct source *open_src(const char *repo, const char *rev,
			       struct gerr *err)
{
	struct source_options o = SOURCE_OPTIONS_INIT;
	o.repo = repo;
	o.revision = rev;
	o.cache_dir = "cache";
	return source_open(&o, err);
}

/* The contents of a file of the source, or the error message. */
static char *read_str(const struct source *s, const char *path)
{
	struct gerr err = GERR_INIT;
	size_t len;
	char *buf = source_read(s, path, &len, &err);
	if (!buf)
		buf = xstrdup(gerr_msg(&err));
	gerr_clear(&err);
	return buf;
}

static void check_read(const struct source *s, const char *path,
		       const char *want, const char *what)
{
	char *got = read_str(s, path);
	t_str(got, want, "%s: %s", what, path);
	free(got);
}

static char *joined(const struct strvec *sv)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < sv->nr; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", sv->v[i]);
	return strbuf_detach(&sb, NULL);
}

static void check_collect(const struct source *s, const char *path,
			  const char *want, const char *what)
{
	struct strvec files = STRVEC_INIT;
	struct gerr err = GERR_INIT;
	char *got;
	if (source_collect(s, &path, 1, &files, &err) < 0)
		got = xstrdup(gerr_msg(&err));
	else
		got = joined(&files);
	t_str(got, want, "%s: collect %s", what, path);
	free(got);
	strvec_clear(&files);
	gerr_clear(&err);
}

static const char *const GIT_ENV =
	"export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com "
	"GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com "
	"GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1; ";

/*
 * repo/: three commits on main, a tag v1 on the first and a branch old on
 * the second:
 *   1: gitops/a.yaml "one", gitops/m/x.yaml, gitops/m/y.txt,
 *      gitops/link -> m (a link inside), gitops/out -> ../secret (a link
 *      out of the root gitops/), gitops/abs -> /etc/hostname
 *   2: gitops/a.yaml "two", gitops/m/z.yml
 *   3: gitops/a.yaml "three", gitops/m/x.yaml removed
 * secret is a file beside gitops/, in the repository but outside the root.
 */
static int make_repo(void)
{
	return sh("%s git init -q -b main repo && cd repo && "
		  "mkdir -p gitops/m && echo secret > secret && "
		  "echo one > gitops/a.yaml && echo x > gitops/m/x.yaml && "
		  "echo y > gitops/m/y.txt && ln -s m gitops/link && "
		  "ln -s ../secret gitops/out && ln -s /etc/hostname gitops/abs && "
		  "echo ignored.yaml > .gitignore && "
		  "git add -A && git commit -qm 1 && git tag v1 && "
		  "echo two > gitops/a.yaml && echo z > gitops/m/z.yml && "
		  "git add -A && git commit -qm 2 && git branch old && "
		  "echo three > gitops/a.yaml && git rm -q gitops/m/x.yaml && "
		  "git add -A && git commit -qm 3",
		  GIT_ENV);
}

static void test_plain_dir(void)
{
	struct gerr err = GERR_INIT;
	t_ok(sh("mkdir -p plain/d && echo hi > plain/d/f.yaml") == 0,
	     "plain: setup");
	struct source *s = open_src("plain/", NULL, &err);
	t_ok(s != NULL, "plain: opens (%s)", gerr_msg(&err));
	if (!s)
		return;
	t_str(source_root(s), "plain", "plain: the root loses its slash");
	t_ok(source_revision(s) == NULL, "plain: no git, no revision");
	t_int(source_is_commit(s), 0, "plain: a working tree");
	char *p = source_path(s, "d/f.yaml");
	t_str(p, "plain/d/f.yaml", "plain: source_path");
	check_read(s, p, "hi\n", "plain");
	free(p);
	check_read(s, "plain/d/../d/f.yaml", "hi\n", "plain: .. inside");
	check_read(s, "plain/nope", "plain/nope: No such file or directory",
		   "plain");
	check_read(s, "plain/d", "plain/d: is a directory", "plain");
	check_read(s, "plain/../plain/d/f.yaml", "hi\n",
		   "plain: .. that comes back in");
	source_free(s);

	s = open_src("plain/d/f.yaml", NULL, &err);
	t_ok(!s, "plain: a file is not a repository");
	t_str(gerr_msg(&err), "plain/d/f.yaml: not a directory",
	      "plain: the message");
	gerr_clear(&err);
	s = open_src("plain", "HEAD", &err);
	t_str(gerr_msg(&err),
	      "plain: --revision needs a git repository, and this directory "
	      "is in none",
	      "plain: --revision without git");
	gerr_clear(&err);
}

static void test_revisions(void)
{
	struct gerr err = GERR_INIT;
	char *ids[3] = { rev_parse("repo", "HEAD~2"), rev_parse("repo", "HEAD~1"),
			 rev_parse("repo", "HEAD") };
	const char *revs[] = { "v1", "old", "main", "HEAD~2", NULL };
	const char *want[] = { "one\n", "two\n", "three\n", "one\n" };
	const char *want_id[] = { ids[0], ids[1], ids[2], ids[0] };

	for (size_t i = 0; revs[i]; i++) {
		struct source *s = open_src("repo/gitops", revs[i], &err);
		t_ok(s != NULL, "rev %s: opens (%s)", revs[i], gerr_msg(&err));
		if (!s)
			continue;
		t_int(source_is_commit(s), 1, "rev %s: a commit", revs[i]);
		t_str(source_revision(s), want_id[i], "rev %s: its commit id",
		      revs[i]);
		check_read(s, "repo/gitops/a.yaml", want[i], revs[i]);
		source_free(s);
	}

	/* a full commit id, and the root at the repository's top */
	struct source *s = open_src("repo", ids[1], &err);
	t_ok(s != NULL, "rev: by commit id");
	if (s) {
		check_read(s, "repo/gitops/a.yaml", "two\n", "by id");
		check_read(s, "repo/secret", "secret\n", "by id: whole repo");
		source_free(s);
	}

	/* the walk at HEAD~2 sees x.yaml (removed later) and follows the
	 * link inside the root; the commit, not the disk, is read */
	t_ok(sh("echo changed > repo/gitops/a.yaml && "
		"echo new > repo/gitops/m/new.yaml") == 0, "rev: dirty the tree");
	s = open_src("repo/gitops", "HEAD~2", &err);
	if (s) {
		check_read(s, "repo/gitops/a.yaml", "one\n",
			   "HEAD~2 ignores the working tree");
		check_collect(s, "repo/gitops/link",
			      "repo/gitops/link/x.yaml", "HEAD~2");
		check_collect(s, "repo/gitops",
			      "a symbolic link leads out: repo/gitops/abs: "
			      "outside the repository repo/gitops",
			      "HEAD~2: a walk meets a link out");
		check_read(s, "repo/gitops/link/x.yaml", "x\n", "link inside");
		char *r = source_realpath(s, "repo/gitops/link/../link/x.yaml");
		char *wantp = xasprintf("%s/repo/gitops/m/x.yaml", tmp);
		t_str(r, wantp, "git realpath resolves links");
		check_read(s, r, "x\n", "git: a realpath reads");
		free(wantp);
		free(r);
		enum source_type t = SOURCE_FILE;
		t_int(source_stat(s, "repo/gitops/nope", &t, &err), 0,
		      "git stat: missing is not an error");
		t_int(t, SOURCE_MISSING, "git stat: missing");
		source_stat(s, "repo/gitops/m", &t, &err);
		t_int(t, SOURCE_DIR, "git stat: a directory");
		struct strvec names = STRVEC_INIT;
		source_list(s, "repo/gitops", &names, &err);
		char *j = joined(&names);
		t_str(j, "a.yaml abs link m out", "git list: sorted names");
		free(j);
		strvec_clear(&names);
		/* escapes */
		check_read(s, "repo/gitops/out",
			   "a symbolic link leads out: repo/gitops/out: "
			   "outside the repository repo/gitops",
			   "git: a link out of the root");
		check_read(s, "repo/gitops/abs",
			   "a symbolic link leads out: repo/gitops/abs: "
			   "outside the repository repo/gitops",
			   "git: an absolute link");
		check_read(s, "repo/gitops/../secret",
			   "repo/gitops/../secret: outside the repository "
			   "repo/gitops",
			   "git: ..");
		check_read(s, "elsewhere/a.yaml",
			   "elsewhere/a.yaml: outside the repository "
			   "repo/gitops",
			   "git: another root");
		errno = 0;
		t_ok(!source_realpath(s, "repo/gitops/out") && errno == EACCES,
		     "git realpath: a link out is EACCES");
		source_free(s);
	}
	s = open_src("repo/gitops", "nosuch", &err);
	t_str(gerr_msg(&err),
	      "nosuch: unknown revision (no branch, tag or commit by that "
	      "name)",
	      "rev: unknown");
	gerr_clear(&err);
	s = open_src("repo/gitops/m", "HEAD~2", &err);
	t_ok(s != NULL, "rev: a root below the top");
	source_free(s);
	t_ok(sh("mkdir -p repo/later") == 0, "setup");
	s = open_src("repo/later", "HEAD", &err);
	t_str(gerr_msg(&err), "repo/later does not exist at revision HEAD",
	      "rev: a root not in the commit");
	gerr_clear(&err);
	for (size_t i = 0; i < 3; i++)
		free(ids[i]);
}

static void check_revision(const char *root, const char *want,
			   const char *what)
{
	struct gerr err = GERR_INIT;
	struct source *s = open_src(root, NULL, &err);
	t_str(s ? source_revision(s) : gerr_msg(&err), want, "dirty: %s", what);
	source_free(s);
	gerr_clear(&err);
}

static void test_dirty(void)
{
	char *head = rev_parse("repo", "HEAD");
	char *dirty = xasprintf("%s-dirty", head);

	sh("cd repo && git checkout -q -- . && git clean -qfd");
	check_revision("repo/gitops", head, "a clean tree is its HEAD");
	sh("echo x > repo/gitops/ignored.yaml");
	check_revision("repo/gitops", head, "an ignored file does not count");
	sh("echo changed > repo/gitops/a.yaml");
	check_revision("repo/gitops", dirty, "a changed file");
	check_revision("repo/gitops/m", head,
		       "a change outside the root does not count");
	sh("cd repo && git add -A && git reset -q --hard");
	check_revision("repo/gitops", head, "clean again");
	sh("mkdir repo/gitops/new && echo n > repo/gitops/new/f.yaml");
	check_revision("repo/gitops", dirty, "an untracked file");
	sh("rm -r repo/gitops/new && cd repo && git rm -q --cached "
	   "gitops/m/y.txt");
	check_revision("repo/gitops", dirty, "a staged removal");
	sh("cd repo && git reset -q --hard");
	check_revision("repo/gitops", head, "reset");

	/* the working tree on disk: its links obey the same rule */
	struct gerr err = GERR_INIT;
	struct source *s = open_src("repo/gitops", NULL, &err);
	if (s) {
		check_read(s, "repo/gitops/link/y.txt", "y\n",
			   "worktree: a link inside");
		check_read(s, "repo/gitops/out",
			   "repo/gitops/out: outside the repository "
			   "repo/gitops",
			   "worktree: a link out");
		check_read(s, "repo/gitops/../secret",
			   "repo/gitops/../secret: outside the repository "
			   "repo/gitops",
			   "worktree: ..");
		check_collect(s, "repo/gitops/..",
			      "repo/gitops/..: outside the repository "
			      "repo/gitops",
			      "worktree");
		check_collect(s, "repo/gitops",
			      "repo/gitops/abs: outside the repository "
			      "repo/gitops",
			      "worktree: a walk meets a link out");
		source_free(s);
	}
	free(head);
	free(dirty);
}

static void test_submodule(void)
{
	struct gerr err = GERR_INIT;
	t_ok(sh("%s git init -q -b main lib && cd lib && echo lib > l.yaml && "
		"git add -A && git commit -qm lib && cd .. && "
		"git init -q -b main super && cd super && echo s > s.yaml && "
		"git -c protocol.file.allow=always submodule add -q ../lib "
		"vendor && git add -A && git commit -qm sub && cd ../lib && "
		"echo newer > l.yaml && git commit -qam newer",
		GIT_ENV) == 0,
	   "submodule: setup");
	struct source *s = open_src("super", "HEAD", &err);
	t_ok(s != NULL, "submodule: opens");
	if (s) {
		/* the commit super records, not lib's newer one */
		check_read(s, "super/vendor/l.yaml", "lib\n",
			   "submodule at its recorded commit");
		check_collect(s, "super",
			      "super/s.yaml super/vendor/l.yaml",
			      "submodule walk");
		source_free(s);
	}
	/* a clone whose submodule was never initialised */
	t_ok(sh("%s git clone -q super super2", GIT_ENV) == 0,
	     "submodule: clone");
	char *sub = rev_parse("super", "HEAD:vendor");
	s = open_src("super2", "HEAD", &err);
	if (s) {
		char *want = xasprintf(
			"super2/vendor: a git submodule (at commit %.12s) "
			"whose repository is not here; gantry reads a "
			"submodule only once `git submodule update --init` "
			"has fetched it",
			sub);
		check_collect(s, "super2", want, "uninitialised submodule");
		free(want);
		source_free(s);
	}
	/* the same clone's working tree: an empty directory on disk, which
	 * must not read as an empty directory of manifests */
	s = open_src("super2", NULL, &err);
	t_ok(s != NULL, "submodule: the working tree opens");
	if (s) {
		char *want = xasprintf(
			"super2/vendor: a git submodule (at commit %.12s) that "
			"is not checked out; run `git submodule update "
			"--init`, or vendor its files",
			sub);
		check_collect(s, "super2", want,
			      "worktree: uninitialised submodule");
		free(want);
		check_read(s, "super2/s.yaml", "s\n",
			   "worktree: beside the submodule");
		source_free(s);
	}
	/* once initialised, its files are ordinary files */
	t_ok(sh("%s cd super2 && git -c protocol.file.allow=always "
		"submodule -q update --init", GIT_ENV) == 0,
	     "submodule: init");
	s = open_src("super2", NULL, &err);
	if (s) {
		check_collect(s, "super2", "super2/s.yaml super2/vendor/l.yaml",
			      "worktree: an initialised submodule");
		source_free(s);
	}
	char *top = rev_parse("super2", "HEAD");
	char *top_dirty = xasprintf("%s-dirty", top);
	check_revision("super2", top, "a submodule at its recorded commit");
	sh("echo changed > super2/vendor/l.yaml");
	check_revision("super2", top_dirty, "a change inside a submodule");
	sh("%s cd super2/vendor && git commit -qam moved", GIT_ENV);
	check_revision("super2", top_dirty, "a submodule moved on");
	sh("cd super2/vendor && git reset -q --hard HEAD~1");
	check_revision("super2", top, "a submodule back at its commit");
	free(top);
	free(top_dirty);
	free(sub);
}

static void test_remote(void)
{
	struct gerr err = GERR_INIT;
	char *url = xasprintf("file://%s/repo", tmp);
	char *head = rev_parse("repo", "HEAD");
	struct source_options o = SOURCE_OPTIONS_INIT;

	o.repo = url;
	o.cache_dir = xasprintf("%s/cache", tmp);
	t_int(source_is_url(url), 1, "remote: file:// is a URL");
	t_int(source_is_url("git@example.com:org/repo.git"), 1,
	      "remote: scp-like is a URL");
	t_int(source_is_url("dir/with:colon"), 0, "remote: a directory");
	t_int(source_is_url("./a@b:c"), 0, "remote: a path with ./");

	struct source *s = source_open(&o, &err);
	t_ok(s != NULL, "remote: clones (%s)", gerr_msg(&err));
	if (s) {
		char *want_root = xasprintf("repo@%.12s", head);
		t_str(source_root(s), want_root,
		      "remote: the root is the name and the commit");
		free(want_root);
		t_str(source_revision(s), head, "remote: the default branch");
		char *p = source_path(s, "gitops/a.yaml");
		check_read(s, p, "three\n", "remote");
		free(p);
		source_free(s);
	}
	/* a new commit upstream: the next open fetches it */
	sh("%s cd repo && echo four > gitops/a.yaml && git commit -qam 4 && "
	   "git tag v4", GIT_ENV);
	char *head2 = rev_parse("repo", "HEAD");
	s = source_open(&o, &err);
	t_ok(s != NULL, "remote: fetches");
	if (s) {
		t_str(source_revision(s), head2, "remote: the new commit");
		source_free(s);
	}
	o.revision = "v1";
	s = source_open(&o, &err);
	if (s) {
		char *p = source_path(s, "gitops/a.yaml");
		check_read(s, p, "one\n", "remote: a tag");
		free(p);
		source_free(s);
	}
	o.revision = "old";
	s = source_open(&o, &err);
	t_ok(s != NULL, "remote: a branch");
	source_free(s);
	t_ok(sh("ls cache | grep -c . | grep -qx 1") == 0,
	     "remote: one cache entry");
	t_ok(sh("! grep -rq file: cache/*/config") == 0,
	     "remote: the URL is not stored in the cache");

	o.revision = NULL;
	char *bad = xasprintf("file://%s/nothing", tmp);
	o.repo = bad;
	s = source_open(&o, &err);
	t_ok(!s && !strncmp(gerr_msg(&err), "cloning: fetching: ", 19),
	     "remote: a missing remote (%s)", gerr_msg(&err));
	gerr_clear(&err);

	char *r = NULL;
	/* credentials never reach a message */
	o.repo = "https://user:s3cret@127.0.0.1:1/org/repo.git";
	s = source_open(&o, &err);
	t_ok(!s && !strstr(gerr_msg(&err), "s3cret") &&
	     strstr(gerr_msg(&err), "https://127.0.0.1:1/org/repo.git"),
	     "remote: the password is not shown (%s)", gerr_msg(&err));
	gerr_clear(&err);
	free(r);
	free(bad);
	free(head);
	free(head2);
	free(url);
	free((char *)o.cache_dir);
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/gantry-source-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	if (chdir(tmp) < 0)
		return 1;
	if (make_repo() == 0) {
		test_plain_dir();
		test_revisions();
		test_dirty();
		test_submodule();
		test_remote();
	} else {
		t_ok(0, "setup: the test repository");
	}
	char *rm = xasprintf("rm -rf '%s'", tmp);
	if (system(rm))
		t_diag("could not remove %s", tmp);
	free(rm);
	return t_done();
}
