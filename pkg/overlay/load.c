/*
 * Paths a kustomization names, the limits on what it may read, and reading
 * resources from YAML.
 *
 * Two limits, both lifted by --load-restrictor none:
 *  - kustomize's own (LoadRestrictionsRootOnly): a file (a resource file, a
 *    patch, a generator's source) must be in or below the directory of the
 *    kustomization that names it, after symlinks are resolved. Other
 *    kustomizations named as resources or components may be elsewhere.
 *  - gantry's: nothing may be read outside the repository root.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"

char *kpath_clean(const char *p)
{
	int abs = p[0] == '/';
	struct strvec parts = STRVEC_INIT;
	const char *s = p;

	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		if (e == s)
			break;
		size_t n = (size_t)(e - s);
		if (n == 1 && s[0] == '.') {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (parts.nr && strcmp(parts.v[parts.nr - 1], "..")) {
				free(parts.v[--parts.nr]);
				parts.v[parts.nr] = NULL;
			} else if (!abs) {
				strvec_push(&parts, "..");
			}
		} else {
			strvec_push_nodup(&parts, xstrndup(s, n));
		}
		s = e;
	}
	struct strbuf out = STRBUF_INIT;
	if (abs)
		strbuf_addch(&out, '/');
	for (size_t i = 0; i < parts.nr; i++) {
		if (i)
			strbuf_addch(&out, '/');
		strbuf_addstr(&out, parts.v[i]);
	}
	if (!out.len)
		strbuf_addch(&out, '.');
	strvec_clear(&parts);
	return strbuf_detach(&out, NULL);
}

char *kpath_join(const char *dir, const char *rel)
{
	if (rel[0] == '/')
		return kpath_clean(rel);
	char *j = xasprintf("%s/%s", dir, rel);
	char *c = kpath_clean(j);
	free(j);
	return c;
}

/* Is `path` the directory `dir` or below it? (Both absolute, clean.) */
static int is_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (!strcmp(dir, "/"))
		return 1;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

int kload_is_remote(const char *s)
{
	const char *p = s;
	/* scheme://... */
	if (isalpha((unsigned char)*p)) {
		while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
		       *p == '.')
			p++;
		if (!strncmp(p, "://", 3))
			return 1;
	}
	if (!strncmp(s, "git@", 4) || !strncmp(s, "git::", 5) ||
	    strstr(s, "?ref=") || strstr(s, "?version="))
		return 1;
	/* host.name/org/repo, as kustomize reads github.com/org/repo */
	const char *slash = strchr(s, '/');
	if (slash && slash != s) {
		size_t n = (size_t)(slash - s);
		char host[256];
		if (n < sizeof(host)) {
			memcpy(host, s, n);
			host[n] = '\0';
			if (strchr(host, '.') && host[0] != '.' &&
			    (!strcmp(host, "github.com") ||
			     !strcmp(host, "gitlab.com") ||
			     !strcmp(host, "bitbucket.org") ||
			     strstr(host, ".com") || strstr(host, ".io") ||
			     strstr(host, ".org")))
				return 1;
		}
	}
	return 0;
}

static int outside_root(struct kust *kt, const char *real)
{
	struct kbuild *b = kt->b;
	return !b->opt->load_restrictor_none && b->root_real &&
	       !is_within(real, b->root_real);
}

char *kfs_realpath(const struct kbuild *b, const char *path)
{
	return source_realpath(b->src, path);
}

int kfs_is(const struct source *src, const char *path, enum source_type t)
{
	enum source_type got;
	return source_stat(src, path, &got, NULL) == 0 && got == t;
}

int kload_outside_root(struct kust *kt, const char *rel)
{
	char *abs = kpath_join(kt->dir_real, rel);
	char *real = kfs_realpath(kt->b, abs);
	int out = real && outside_root(kt, real);
	free(abs);
	free(real);
	return out;
}

/* Resolve rel to a file kt may read: *real its realpath. */
static int kload_file(struct kust *kt, const char *rel, const char *ptr, char **real,
	       char **shown, struct gerr *err)
{
	*real = NULL;
	*shown = kpath_join(kt->dir, rel);
	char *abs = kpath_join(kt->dir_real, rel);
	*real = kfs_realpath(kt->b, abs);
	int e = errno;
	free(abs);
	if (!*real) {
		if (e == ENOENT && kload_is_remote(rel))
			return kust_fail(kt, ptr, err,
					 "%s is a remote resource; gantry reads "
					 "only files in the repository (vendor "
					 "it in)", rel);
		if (e == EACCES && kt->b->src)
			return kust_fail(kt, ptr, err,
					 "%s is outside the repository %s",
					 *shown,
					 source_root(kt->b->src));
		return kust_fail(kt, ptr, err, "%s: %s", *shown, strerror(e));
	}
	if (!kt->b->opt->load_restrictor_none &&
	    !is_within(*real, kt->dir_real))
		return kust_fail(kt, ptr, err,
				 "%s is not in or below %s (kustomize's load "
				 "restrictor; --load-restrictor none lifts "
				 "it)", *shown, kt->dir);
	if (outside_root(kt, *real))
		return kust_fail(kt, ptr, err,
				 "%s is outside the repository root %s "
				 "(--load-restrictor none lifts this)",
				 *shown, kt->b->opt->root);
	return 0;
}

char *kload_read(struct kust *kt, const char *rel, const char *ptr,
		 size_t *len, char **shown, struct gerr *err)
{
	char *real;
	if (kload_file(kt, rel, ptr, &real, shown, err) < 0) {
		free(real);
		return NULL;
	}
	if (kfs_is(kt->b->src, real, SOURCE_DIR)) {
		free(real);
		kust_fail(kt, ptr, err, "%s is a directory, not a file", *shown);
		return NULL;
	}
	char *buf = source_read(kt->b->src, real, len, err);
	free(real);
	if (!buf)
		gerr_prefix(err, "%s", *shown);
	return buf;
}

static int is_list(const json_t *obj)
{
	const json_t *kind = json_object_get(obj, "kind");
	if (!json_is_string(kind))
		return 0;
	size_t n = json_string_length(kind);
	return n >= 4 && !strcmp(json_string_value(kind) + n - 4, "List") &&
	       json_is_array(json_object_get(obj, "items"));
}

static int check_resource(const json_t *obj, const char *file, int line,
			  struct gerr *err)
{
	if (!json_is_object(obj))
		return gerr_at(err, file, line, 0,
			       "a resource must be a mapping, not a %s",
			       json_is_array(obj) ? "list" : "scalar");
	const json_t *kind = json_object_get(obj, "kind");
	if (!json_is_string(kind) || !json_string_length(kind))
		return gerr_at(err, file, line, 0, "object has no kind");
	const json_t *name = json_object_get(json_object_get(obj, "metadata"),
					     "name");
	if (!json_is_string(name) || !json_string_length(name))
		return gerr_at(err, file, line, 0,
			       "%s object has no metadata.name%s",
			       json_string_value(kind),
			       name && !json_is_null(name) && !json_is_string(name)
				       ? " (it must be a string)"
				       : "");
	return 0;
}

int kload_parse_resources(const char *buf, size_t len, const char *file,
			  struct kresmap *out, struct gerr *err)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	struct kresmap got = KRESMAP_INIT;

	if (yaml_parse(buf, len, file, YAML_KYAML | YAML_POSITIONS_SHALLOW,
		       &docs, err) < 0) {
		yaml_docs_clear(&docs);
		return -1;
	}
	for (size_t i = 0; i < docs.nr; i++) {
		json_t *v = docs.v[i].value;
		if (json_is_null(v))
			continue;
		if (json_is_object(v) && is_list(v)) {
			size_t k;
			json_t *item;
			json_array_foreach(json_object_get(v, "items"), k, item) {
				char ptr[32];
				int line = docs.v[i].line, col;
				snprintf(ptr, sizeof(ptr), "/items/%zu", k);
				yaml_doc_position(&docs.v[i], ptr, &line, &col);
				if (check_resource(item, file, line, err) < 0)
					goto fail;
				kresmap_push(&got, kres_new(json_incref(item),
							    file, line));
			}
			continue;
		}
		if (check_resource(v, file, docs.v[i].line, err) < 0)
			goto fail;
		kresmap_push(&got, kres_new(json_incref(v), file,
					    docs.v[i].line));
	}
	yaml_docs_clear(&docs);
	for (size_t i = 0; i < got.nr; i++)
		kresmap_push(out, got.v[i]);
	free(got.v);
	return 0;
fail:
	yaml_docs_clear(&docs);
	kresmap_clear(&got);
	return -1;
}
