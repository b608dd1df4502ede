#include "pkg/source/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"

/* A directory tree deeper than this is a symlink loop. */
#define MAX_WALK_DEPTH 64

char *source_read_file(const char *path, size_t *len, struct gerr *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC)
				   : dup(STDIN_FILENO);

	if (fd < 0) {
		gerr_setc(err, GERR_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	else if (S_ISDIR(st.st_mode)) {
		close(fd);
		gerr_setc(err, GERR_IO, "%s: is a directory", path);
		return NULL;
	}
	strbuf_grow(&sb, st.st_size > 0 ? (size_t)st.st_size : 4096);
	for (;;) {
		strbuf_grow(&sb, 65536);
		ssize_t n = read(fd, sb.buf + sb.len, sb.alloc - sb.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			gerr_setc(err, GERR_IO, "%s: %s", path, strerror(errno));
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

static int walk(const char *dir, int depth, struct strvec *out,
		struct gerr *err)
{
	struct strvec entries = STRVEC_INIT;
	DIR *d;
	struct dirent *de;
	int rc = -1;

	if (depth > MAX_WALK_DEPTH)
		return gerr_setc(err, GERR_IO,
				 "%s: directories nested more than %d deep "
				 "(a symlink loop?)",
				 dir, MAX_WALK_DEPTH);
	d = opendir(dir);
	if (!d)
		return gerr_setc(err, GERR_IO, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		strvec_pushf(&entries, "%s%s%s", dir,
			     has_suffix(dir, "/") ? "" : "/", de->d_name);
	}
	closedir(d);

	for (size_t i = 0; i < entries.nr; i++) {
		const char *path = entries.v[i];
		struct stat st;
		if (stat(path, &st) < 0) {
			gerr_setc(err, GERR_IO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			if (walk(path, depth + 1, out, err) < 0)
				goto out;
		} else if (S_ISREG(st.st_mode) &&
			   source_is_manifest_name(path)) {
			strvec_push(out, path);
		}
	}
	rc = 0;
out:
	strvec_clear(&entries);
	return rc;
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int source_collect_manifests(const char *const *paths, size_t n,
			     struct strvec *files, struct gerr *err)
{
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (!strcmp(paths[i], "-")) {
			strvec_push(files, "-");
			continue;
		}
		if (stat(paths[i], &st) < 0)
			return gerr_setc(err, GERR_IO, "%s: %s", paths[i],
					 strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			size_t first = files->nr;
			if (walk(paths[i], 0, files, err) < 0)
				return -1;
			/* sorted by the whole path, so "a.yaml" comes before
			 * "a/b.yaml" exactly as a sorted file list shows it */
			qsort(files->v + first, files->nr - first,
			      sizeof(*files->v), compare_paths);
		} else {
			strvec_push(files, paths[i]);
		}
	}
	return 0;
}
