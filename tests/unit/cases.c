#include "tests/unit/cases.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/error.h"
#include "pkg/base/mem.h"
#include "pkg/base/strvec.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/harness.h"

const char *case_section(const struct tcase *c, const char *name)
{
	for (int i = 0; i < c->nr; i++)
		if (!strcmp(c->s[i].name, name))
			return c->s[i].body.buf;
	return NULL;
}

json_t *case_value(const struct tcase *c, const char *name)
{
	const char *text = case_section(c, name);
	struct gerr err = GERR_INIT;
	json_error_t je;

	if (!text)
		return NULL;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
			       &je);
	if (v)
		return v;
	v = yaml_parse_value(text, strlen(text), name, &err);
	if (!v) {
		t_ok(0, "%s (%s:%d): section %s is neither JSON nor YAML: %s",
		     c->name, c->file, c->line, name, gerr_msg(&err));
		gerr_clear(&err);
	}
	return v;
}

char *case_text(const struct tcase *c, const char *name)
{
	const char *text = case_section(c, name);
	if (!text)
		return NULL;
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		n--;
	return xstrndup(text, n);
}

static void trim_separator(struct tcase *c)
{
	if (!c->nr)
		return;
	struct strbuf *b = &c->s[c->nr - 1].body;
	if (b->len >= 2 && b->buf[b->len - 1] == '\n' &&
	    b->buf[b->len - 2] == '\n')
		strbuf_setlen(b, b->len - 1);
}

static void free_case(struct tcase *c)
{
	free(c->name);
	for (int i = 0; i < c->nr; i++)
		strbuf_release(&c->s[i].body);
	c->name = NULL;
	c->nr = 0;
}

static void finish(struct tcase *c, void (*fn)(const struct tcase *, void *),
		   void *data)
{
	trim_separator(c);
	if (c->name)
		fn(c, data);
	free_case(c);
}

static void run_file(const char *path, void (*fn)(const struct tcase *, void *),
		     void *data)
{
	struct gerr err = GERR_INIT;
	size_t len;
	char *buf = source_read_file(path, &len, &err);
	struct tcase c;
	int lineno = 0;

	if (!buf) {
		t_ok(0, "read %s: %s", path, gerr_msg(&err));
		gerr_clear(&err);
		return;
	}
	memset(&c, 0, sizeof(c));
	c.file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		lineno++;
		if (n >= 4 && !strncmp(line, "=== ", 4)) {
			finish(&c, fn, data);
			c.name = xstrndup(line + 4, n - 4);
			c.line = lineno;
		} else if (n >= 4 && !strncmp(line, "--- ", 4) && c.name) {
			if (c.nr == CASE_MAX_SECTIONS) {
				t_ok(0, "%s:%d: too many sections", c.file, lineno);
			} else {
				snprintf(c.s[c.nr].name, sizeof(c.s[c.nr].name),
					 "%.*s", (int)(n - 4), line + 4);
				strbuf_init(&c.s[c.nr].body, 0);
				c.nr++;
			}
		} else if (c.name && c.nr) {
			strbuf_add(&c.s[c.nr - 1].body, line, n);
			if (nl)
				strbuf_addch(&c.s[c.nr - 1].body, '\n');
		}
		line = nl ? nl + 1 : NULL;
	}
	finish(&c, fn, data);
	free(buf);
}

void cases_run_dir(const char *dir, void (*fn)(const struct tcase *, void *),
		   void *data)
{
	struct strvec files = STRVEC_INIT;
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;

	strbuf_addf(&path, "%s/%s", t_testdata(), dir);
	DIR *d = opendir(path.buf);
	if (!d) {
		t_ok(0, "open %s", path.buf);
		strbuf_release(&path);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 5 && !strcmp(de->d_name + n - 5, ".test"))
			strvec_pushf(&files, "%s/%s", path.buf, de->d_name);
	}
	closedir(d);
	strvec_sort(&files);
	for (size_t i = 0; i < files.nr; i++) {
		t_diag("%s", files.v[i]);
		run_file(files.v[i], fn, data);
	}
	strvec_clear(&files);
	strbuf_release(&path);
}
