/* Paths inside a source: cleaning, joining, and the root's boundary. */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/source/internal.h"

char *spath_clean(const char *p)
{
	struct strbuf out = STRBUF_INIT;
	int rooted = p[0] == '/';
	size_t dotdot = 0;     /* length of the leading "../.." that stays */

	if (rooted)
		strbuf_addch(&out, '/'), dotdot = 1;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (out.len > dotdot) {
				/* drop the last component */
				size_t i = out.len;
				while (i > dotdot && out.buf[i - 1] != '/')
					i--;
				if (i > dotdot)
					i--;
				strbuf_setlen(&out, i);
			} else if (!rooted) {
				if (out.len)
					strbuf_addch(&out, '/');
				strbuf_addstr(&out, "..");
				dotdot = out.len;
			}
		} else {
			if (out.len && out.buf[out.len - 1] != '/')
				strbuf_addch(&out, '/');
			strbuf_add(&out, p, n);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (!out.len)
		strbuf_addch(&out, '.');
	return strbuf_detach(&out, NULL);
}

char *spath_join(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (!n)
		return xstrdup(b);
	if (!*b)
		return xstrdup(a);
	return xasprintf("%s%s%s", a, a[n - 1] == '/' ? "" : "/", b);
}

int spath_within(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	if (!strcmp(dir, "/"))
		return p[0] == '/';
	return !strncmp(p, dir, n) && (p[n] == '\0' || p[n] == '/');
}

int source_outside(const struct source *s, const char *path, struct gerr *err)
{
	return gerr_setc(err, GERR_INPUT, "%s: outside the repository %s",
			 path, s->root);
}

int spath_inside(const struct source *s, const char *path, char **rel,
		 struct gerr *err)
{
	const char *rest;

	*rel = NULL;
	if (s->commit && path[0] == '/' && s->root_real &&
	    spath_within(path, s->root_real)) {
		/* what source_realpath() gave out */
		rest = path + strlen(s->root_real);
	} else if (!strcmp(s->root, ".")) {
		if (path[0] == '/')
			return source_outside(s, path, err);
		rest = path;
	} else if (spath_within(path, s->root)) {
		rest = path + strlen(s->root);
	} else {
		return source_outside(s, path, err);
	}
	char *c = spath_clean(rest[0] == '/' ? rest + 1 : rest);
	if (!strcmp(c, "..") || !strncmp(c, "../", 3) || c[0] == '/') {
		free(c);
		return source_outside(s, path, err);
	}
	if (!strcmp(c, "."))
		c[0] = '\0';
	*rel = c;
	return 0;
}
