/*
 * Loading charts as Helm's chart/loader does: a directory (walked in
 * lexical order, .helmignore applied) or a gzipped tar archive become a
 * list of files named relative to the chart root, which are then sorted
 * into Chart.yaml, values, templates, subcharts and plain files.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/chart/chart.h"
#include "pkg/chart/chart_int.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"

/* A chart directory or archive never needs more than this (Helm limits a
 * decompressed chart to 100 MiB too). */
#define MAX_CHART_BYTES (100L << 20)

void chart_files_add(struct chart_files *fs, const char *name,
		     const char *data, size_t len)
{
	ALLOC_GROW(fs->v, fs->nr + 1, fs->alloc);
	struct chart_file *f = &fs->v[fs->nr++];
	f->name = xstrdup(name);
	f->data = xmalloc(len + 1);
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
}

void chart_files_clear(struct chart_files *fs)
{
	for (size_t i = 0; i < fs->nr; i++) {
		free(fs->v[i].name);
		free(fs->v[i].data);
	}
	free(fs->v);
	fs->v = NULL;
	fs->nr = fs->alloc = 0;
}

void chart_dep_clear(struct chart_dep *d)
{
	free(d->name);
	free(d->version);
	free(d->repository);
	free(d->condition);
	free(d->alias);
	strvec_clear(&d->tags);
	json_decref(d->import_values);
}

int chart_path_match(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, FNM_PATHNAME) == 0;
}

/* ---- .helmignore (Helm's pkg/ignore) ---- */

struct ignore_rule {
	char *pattern;
	int negate, must_dir;
	enum { MATCH_ROOT, MATCH_PATH, MATCH_BASE } how;
};

struct ignore_rules {
	struct ignore_rule *v;
	size_t nr, alloc;
};

static int ignore_add(struct ignore_rules *r, const char *line, size_t len,
		      struct gerr *err)
{
	while (len && strchr(" \t\r\n\v\f", line[0]))
		line++, len--;
	while (len && strchr(" \t\r\n\v\f", line[len - 1]))
		len--;
	if (!len || line[0] == '#')
		return 0;
	char *rule = xstrndup(line, len);
	if (strstr(rule, "**")) {
		free(rule);
		return gerr_set(err, "double-star (**) syntax is not supported");
	}
	struct ignore_rule ir = { 0 };
	char *p = rule;
	if (*p == '!')
		ir.negate = 1, p++;
	size_t n = strlen(p);
	if (n && p[n - 1] == '/')
		ir.must_dir = 1, p[--n] = '\0';
	if (*p == '/')
		ir.how = MATCH_ROOT, p++;
	else if (strchr(p, '/'))
		ir.how = MATCH_PATH;
	else
		ir.how = MATCH_BASE;
	ir.pattern = xstrdup(p);
	free(rule);
	ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	r->v[r->nr++] = ir;
	return 0;
}

static int ignore_rule_match(const struct ignore_rule *ir, const char *path)
{
	const char *name = path;
	if (ir->how == MATCH_BASE) {
		const char *slash = strrchr(path, '/');
		if (slash)
			name = slash + 1;
	}
	return chart_path_match(ir->pattern, name);
}

/* Helm's Rules.Ignore, including its reading of negated rules: a path that
 * does NOT match a "!pattern" rule is ignored. */
static int ignored(const struct ignore_rules *r, const char *path, int is_dir)
{
	for (size_t i = 0; i < r->nr; i++) {
		const struct ignore_rule *ir = &r->v[i];
		if (ir->negate) {
			if (ir->must_dir && !is_dir)
				return 1;
			if (!ignore_rule_match(ir, path))
				return 1;
			continue;
		}
		if (ir->must_dir && !is_dir)
			continue;
		if (ignore_rule_match(ir, path))
			return 1;
	}
	return 0;
}

static void ignore_clear(struct ignore_rules *r)
{
	for (size_t i = 0; i < r->nr; i++)
		free(r->v[i].pattern);
	free(r->v);
}

/* ---- reading a directory ---- */

static void trim_bom(const char **data, size_t *len)
{
	if (*len >= 3 && !memcmp(*data, "\xef\xbb\xbf", 3))
		*data += 3, *len -= 3;
}

/* Files are read through a source (pkg/source), so that a chart in a git
 * revision loads without a checkout; the NULL source is the file system. */
static int walk_dir(const struct source *src, const char *top,
		    const char *rel, const struct ignore_rules *rules,
		    struct chart_files *out, size_t *total, struct gerr *err)
{
	char *dirpath = *rel ? xasprintf("%s/%s", top, rel) : xstrdup(top);
	struct strvec names = STRVEC_INIT;
	if (source_list(src, dirpath, &names, err) < 0) {
		strvec_clear(&names);
		free(dirpath);
		return -1;
	}

	int rc = 0;
	for (size_t i = 0; i < names.nr && !rc; i++) {
		char *relpath = *rel ? xasprintf("%s/%s", rel, names.v[i])
				     : xstrdup(names.v[i]);
		char *full = xasprintf("%s/%s", top, relpath);
		enum source_type type;
		/* Helm follows symbolic links (sympath.Walk); a source
		 * keeps them inside its repository. */
		if (source_stat(src, full, &type, err) < 0) {
			rc = -1;
		} else if (type == SOURCE_MISSING) {
			rc = gerr_setc(err, GERR_IO, "%s: %s", full,
				       strerror(ENOENT));
		} else if (type == SOURCE_DIR) {
			if (!ignored(rules, relpath, 1))
				rc = walk_dir(src, top, relpath, rules, out,
					      total, err);
		} else if (!ignored(rules, relpath, 0)) {
			if (type != SOURCE_FILE) {
				rc = gerr_set(err,
					      "cannot load irregular file %s as "
					      "it has file mode type bits set",
					      full);
			} else {
				size_t len;
				char *data = source_read(src, full, &len, err);
				if (!data) {
					rc = -1;
				} else {
					*total += len;
					const char *p = data;
					trim_bom(&p, &len);
					chart_files_add(out, relpath, p, len);
					free(data);
					if (*total > (size_t)MAX_CHART_BYTES)
						rc = gerr_set(err,
							      "chart exceeds "
							      "maximum size");
				}
			}
		}
		free(relpath);
		free(full);
	}
	strvec_clear(&names);
	free(dirpath);
	return rc;
}

static int read_dir(const struct source *src, const char *top,
		    struct chart_files *out, struct gerr *err)
{
	struct ignore_rules rules = { 0 };
	char *ignfile = xasprintf("%s/.helmignore", top);
	enum source_type type;
	int rc = source_stat(src, ignfile, &type, err);
	if (!rc && type == SOURCE_FILE) {
		size_t len;
		char *buf = source_read(src, ignfile, &len, err);
		if (!buf)
			rc = -1;
		for (char *line = buf; !rc && line && line < buf + len;) {
			char *nl = memchr(line, '\n', (size_t)(buf + len - line));
			size_t n = nl ? (size_t)(nl - line + 1)
				      : (size_t)(buf + len - line);
			rc = ignore_add(&rules, line, n, err);
			line += n;
		}
		free(buf);
		if (rc)
			gerr_prefix(err, "%s", ignfile);
	}
	free(ignfile);
	/* Helm's default rule: hidden files in templates/ are never loaded */
	if (!rc)
		ignore_add(&rules, "templates/.?*", 13, err);
	if (!rc) {
		size_t total = 0;
		rc = walk_dir(src, top, "", &rules, out, &total, err);
	}
	ignore_clear(&rules);
	return rc;
}

/* ---- reading an archive ---- */

/* path.Clean for a relative '/'-separated path, in place. */
static void clean_path(char *p)
{
	char *src = p, *dst = p;
	int rooted = *p == '/';
	if (rooted)
		src++, dst++;
	char *start = dst;
	while (*src) {
		if (*src == '/') {
			src++;
		} else if (src[0] == '.' && (src[1] == '/' || !src[1])) {
			src++;
		} else if (src[0] == '.' && src[1] == '.' &&
			   (src[2] == '/' || !src[2])) {
			src += 2;
			if (dst > start) {
				dst--;
				while (dst > start && dst[-1] != '/')
					dst--;
				if (dst > start)
					dst--;
			} else if (!rooted) {
				if (dst != start)
					*dst++ = '/';
				*dst++ = '.';
				*dst++ = '.';
				start = dst;
			}
		} else {
			if (dst != (rooted ? p + 1 : p) && dst[-1] != '/')
				*dst++ = '/';
			while (*src && *src != '/')
				*dst++ = *src++;
		}
	}
	if (dst == p)
		*dst++ = '.';
	*dst = '\0';
}

static int read_archive_mem(const void *buf, size_t len, const char *what,
			    struct chart_files *out, struct gerr *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	int rc = 0;
	size_t total = 0;

	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK) {
		rc = gerr_set(err, "%s: %s", what, archive_error_string(a));
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = gerr_set(err, "%s: %s", what,
				      archive_error_string(a));
			goto out;
		}
		if (archive_entry_filetype(ent) != AE_IFREG)
			continue;
		const char *hname = archive_entry_pathname(ent);
		if (!hname)
			continue;
		char delim = strchr(hname, '\\') ? '\\' : '/';
		const char *first = strchr(hname, delim);
		char *n = xstrdup(first ? first + 1 : "");
		for (char *p = n; *p; p++)
			if (*p == '\\')
				*p = '/';
		if (!first && !strcmp(hname, "Chart.yaml")) {
			free(n);
			rc = gerr_set(err, "%s: chart yaml not in base "
				      "directory", what);
			goto out;
		}
		if (n[0] == '/') {
			free(n);
			rc = gerr_set(err, "%s: chart illegally contains "
				      "absolute paths", what);
			goto out;
		}
		clean_path(n);
		if (!strcmp(n, ".")) {
			rc = gerr_set(err, "%s: chart illegally contains content "
				      "outside the base directory: \"%s\"",
				      what, hname);
			free(n);
			goto out;
		}
		if (!strncmp(n, "..", 2)) {
			free(n);
			rc = gerr_set(err, "%s: chart illegally references "
				      "parent directory", what);
			goto out;
		}
		struct strbuf data = STRBUF_INIT;
		char chunk[65536];
		la_ssize_t got;
		while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
			strbuf_add(&data, chunk, (size_t)got);
			total += (size_t)got;
			if (total > (size_t)MAX_CHART_BYTES)
				break;
		}
		if (got < 0 || total > (size_t)MAX_CHART_BYTES) {
			if (got < 0)
				gerr_set(err, "%s: %s", what,
					 archive_error_string(a));
			else
				gerr_set(err, "%s: chart exceeds maximum "
					 "decompressed size", what);
			strbuf_release(&data);
			free(n);
			rc = -1;
			goto out;
		}
		const char *p = data.buf ? data.buf : "";
		size_t plen = data.len;
		trim_bom(&p, &plen);
		chart_files_add(out, n, p, plen);
		strbuf_release(&data);
		free(n);
	}
	if (!out->nr)
		rc = gerr_set(err, "%s: no files in chart archive", what);
out:
	archive_read_free(a);
	return rc;
}

/* ---- Chart.yaml ---- */

enum field_type { F_STRING, F_STRINGS, F_BOOL, F_MAINTAINERS, F_STRMAP,
		  F_DEPS };

/* chart.Metadata's fields in declaration order, with their JSON names. */
static const struct {
	const char *json;
	enum field_type type;
} meta_fields[] = {
	{ "name", F_STRING }, { "home", F_STRING },
	{ "sources", F_STRINGS }, { "version", F_STRING },
	{ "description", F_STRING }, { "keywords", F_STRINGS },
	{ "maintainers", F_MAINTAINERS }, { "icon", F_STRING },
	{ "apiVersion", F_STRING }, { "condition", F_STRING },
	{ "tags", F_STRING }, { "appVersion", F_STRING },
	{ "deprecated", F_BOOL }, { "annotations", F_STRMAP },
	{ "kubeVersion", F_STRING }, { "dependencies", F_DEPS },
	{ "type", F_STRING },
};

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER:
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "null";
	}
}

/* encoding/json's complaint about a value of the wrong type. */
static int type_error(struct gerr *err, const json_t *v, const char *field,
		      const char *gotype)
{
	return gerr_set(err, "error unmarshaling JSON: while decoding JSON: "
			"json: cannot unmarshal %s into Go struct field %s of "
			"type %s", json_kind(v), field, gotype);
}

/* The value of key in obj, matched as encoding/json matches struct fields:
 * exactly, else ignoring case. */
static json_t *get_field(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (v)
		return v;
	const char *k;
	json_t *val;
	json_object_foreach((json_t *)obj, k, val)
		if (!strcasecmp(k, key))
			return val;
	return NULL;
}

static int check_strings(const json_t *v, const char *field, struct gerr *err)
{
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return type_error(err, v, field, "[]string");
	size_t i;
	json_t *s;
	json_array_foreach(v, i, s)
		if (!json_is_string(s) && !json_is_null(s))
			return type_error(err, s, field, "string");
	return 0;
}

static json_t *string_or_empty(const json_t *v)
{
	return json_string(json_is_string(v) ? json_string_value(v) : "");
}

/* A struct's fields (name -> type), checked and copied. */
static json_t *check_struct(const json_t *v, const char *gotype,
			    const char *const *names, const char *const *types,
			    struct gerr *err)
{
	if (!json_is_object(v))
		return type_error(err, v, gotype, gotype), NULL;
	json_t *out = json_object();
	for (size_t i = 0; names[i]; i++) {
		json_t *f = get_field(v, names[i]);
		if (!f || json_is_null(f))
			continue;
		char field[96];
		snprintf(field, sizeof(field), "%s.%s", gotype + 1, names[i]);
		int bad = 0;
		if (!strcmp(types[i], "string"))
			bad = !json_is_string(f);
		else if (!strcmp(types[i], "bool"))
			bad = !json_is_boolean(f);
		else if (!strcmp(types[i], "[]string"))
			bad = check_strings(f, field, err) < 0;
		else if (!strcmp(types[i], "[]interface {}"))
			bad = !json_is_array(f);
		if (bad) {
			if (!gerr_failed(err))
				type_error(err, f, field, types[i]);
			json_decref(out);
			return NULL;
		}
		json_object_set(out, names[i], f);
	}
	return out;
}

static const char *const maint_names[] = { "name", "email", "url", NULL };
static const char *const maint_types[] = { "string", "string", "string" };
static const char *const dep_names[] = { "name", "version", "repository",
	"condition", "tags", "enabled", "import-values", "alias", NULL };
static const char *const dep_types[] = { "string", "string", "string",
	"string", "[]string", "bool", "[]interface {}", "string" };

static int check_field(json_t *meta, const char *key, enum field_type t,
		       json_t *v, struct gerr *err)
{
	char field[64];
	snprintf(field, sizeof(field), "Metadata.%s", key);
	json_t *out = NULL;
	switch (t) {
	case F_STRING:
		if (!json_is_string(v))
			return type_error(err, v, field, "string");
		out = json_incref(v);
		break;
	case F_BOOL:
		if (!json_is_boolean(v))
			return type_error(err, v, field, "bool");
		out = json_incref(v);
		break;
	case F_STRINGS:
		if (check_strings(v, field, err) < 0)
			return -1;
		out = json_array();
		for (size_t i = 0; i < json_array_size(v); i++)
			json_array_append_new(out,
				string_or_empty(json_array_get(v, i)));
		break;
	case F_STRMAP: {
		if (!json_is_object(v))
			return type_error(err, v, field, "map[string]string");
		const char *k;
		json_t *s;
		json_object_foreach(v, k, s)
			if (!json_is_string(s) && !json_is_null(s))
				return type_error(err, s, field, "string");
		out = json_object();
		json_object_foreach(v, k, s)
			json_object_set_new(out, k, string_or_empty(s));
		break;
	}
	case F_MAINTAINERS:
	case F_DEPS: {
		const char *gotype = t == F_DEPS ? "*chart.Dependency"
						 : "*chart.Maintainer";
		if (!json_is_array(v))
			return type_error(err, v, field, t == F_DEPS ?
					  "[]*chart.Dependency" :
					  "[]*chart.Maintainer");
		out = json_array();
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);
			if (json_is_null(e)) {
				json_array_append_new(out, json_null());
				continue;
			}
			json_t *c = check_struct(e, gotype + 1,
						 t == F_DEPS ? dep_names : maint_names,
						 t == F_DEPS ? dep_types : maint_types,
						 err);
			if (!c) {
				json_decref(out);
				return -1;
			}
			json_array_append_new(out, c);
		}
		break;
	}
	}
	json_object_set_new(meta, key, out);
	return 0;
}

/* Unmarshal YAML into chart.Metadata: known keys, checked types; a later
 * call (requirements.yaml) adds to what is there. */
static int parse_metadata(json_t *meta, const char *data, size_t len,
			  const char *file, struct gerr *err)
{
	json_t *doc = yaml_parse_value(data, len, file, err);
	if (!doc)
		return -1;
	int rc = 0;
	if (!json_is_object(doc) && !json_is_null(doc)) {
		rc = gerr_set(err, "error unmarshaling JSON: while decoding "
			      "JSON: json: cannot unmarshal %s into Go value of "
			      "type chart.Metadata", json_kind(doc));
	} else if (json_is_object(doc)) {
		for (size_t i = 0; !rc && i < sizeof(meta_fields) /
						 sizeof(meta_fields[0]); i++) {
			json_t *v = get_field(doc, meta_fields[i].json);
			if (!v)
				continue;
			if (json_is_null(v)) {
				json_object_del(meta, meta_fields[i].json);
				continue;
			}
			rc = check_field(meta, meta_fields[i].json,
					 meta_fields[i].type, v, err);
		}
	}
	json_decref(doc);
	return rc;
}

static const char *meta_str(const json_t *meta, const char *key)
{
	const char *s = json_string_value(json_object_get(meta, key));
	return s ? s : "";
}

/* Helm's sanitizeString: control characters other than whitespace go,
 * whitespace becomes a space. */
static void sanitize(json_t *meta, const char *key)
{
	json_t *v = json_object_get(meta, key);
	if (!json_is_string(v))
		return;
	const char *s = json_string_value(v);
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\v' || *p == '\f')
			strbuf_addch(&sb, ' ');
		else if (*p >= 0x20 && *p != 0x7f)
			strbuf_addch(&sb, (char)*p);
	}
	json_object_set_new(meta, key, json_stringn(sb.buf ? sb.buf : "",
						    sb.len));
	strbuf_release(&sb);
}

/* SemVer 2 as Masterminds' StrictNewVersion would take it, with the loose
 * forms NewVersion accepts ("1.2", "v1"), which is what Helm checks. */
static int valid_semver(const char *s)
{
	const char *p = s;
	if (*p == 'v')
		p++;
	int parts = 0;
	for (;;) {
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		parts++;
		if (*p != '.' || parts == 3)
			break;
		p++;
	}
	if (*p == '-') {
		p++;
		if (!*p)
			return 0;
		while (*p && *p != '+') {
			if (!(*p == '.' || *p == '-' || (*p >= '0' && *p <= '9') ||
			      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
				return 0;
			p++;
		}
	}
	if (*p == '+') {
		p++;
		if (!*p)
			return 0;
		while (*p) {
			if (!(*p == '.' || *p == '-' || (*p >= '0' && *p <= '9') ||
			      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
				return 0;
			p++;
		}
	}
	return *p == '\0';
}

static char *dup_field(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? xstrdup(s) : NULL;
}

static int validate_metadata(struct chart *c, struct gerr *err)
{
	static const char *const sanitized[] = { "name", "description", "home",
		"icon", "condition", "tags", "appVersion", "kubeVersion", NULL };
	for (size_t i = 0; sanitized[i]; i++)
		sanitize(c->meta, sanitized[i]);

	c->api_version = meta_str(c->meta, "apiVersion");
	c->name = meta_str(c->meta, "name");
	c->version = meta_str(c->meta, "version");
	c->type = meta_str(c->meta, "type");
	c->kube_version = meta_str(c->meta, "kubeVersion");
	if (!*c->api_version)
		return gerr_set(err, "validation: chart.metadata.apiVersion is "
				"required");
	if (!*c->name)
		return gerr_set(err, "validation: chart.metadata.name is "
				"required");
	if (strchr(c->name, '/') || !strcmp(c->name, ".") ||
	    !strcmp(c->name, ".."))
		return gerr_set(err, "validation: chart.metadata.name \"%s\" is "
				"invalid", c->name);
	if (!*c->version)
		return gerr_set(err, "validation: chart.metadata.version is "
				"required");
	if (!valid_semver(c->version))
		return gerr_set(err, "validation: chart.metadata.version \"%s\" "
				"is invalid", c->version);
	if (*c->type && strcmp(c->type, "application") &&
	    strcmp(c->type, "library"))
		return gerr_set(err, "validation: chart.metadata.type must be "
				"application or library");

	json_t *deps = json_object_get(c->meta, "dependencies");
	size_t n = json_array_size(deps);
	c->deps = xcalloc(n ? n : 1, sizeof(*c->deps));
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(deps, i);
		if (!json_is_object(d))
			continue;
		struct chart_dep *cd = &c->deps[c->ndeps++];
		cd->name = dup_field(d, "name");
		cd->version = dup_field(d, "version");
		cd->repository = dup_field(d, "repository");
		cd->condition = dup_field(d, "condition");
		cd->alias = dup_field(d, "alias");
		json_t *tags = json_object_get(d, "tags");
		size_t k;
		json_t *t;
		json_array_foreach(tags, k, t)
			strvec_push(&cd->tags, json_is_string(t) ?
				    json_string_value(t) : "");
		json_t *iv = json_object_get(d, "import-values");
		cd->import_values = iv ? json_incref(iv) : NULL;
		cd->enabled = json_is_true(json_object_get(d, "enabled"));
		if (!cd->name || !*cd->name)
			return gerr_set(err, "validation: dependencies must have "
					"a name");
		const char *key = cd->alias && *cd->alias ? cd->alias : cd->name;
		if (cd->alias && *cd->alias) {
			for (const char *p = cd->alias; *p; p++)
				if (!((*p >= 'a' && *p <= 'z') ||
				      (*p >= 'A' && *p <= 'Z') ||
				      (*p >= '0' && *p <= '9') || *p == '_' ||
				      *p == '-'))
					return gerr_set(err, "validation: "
							"dependency \"%s\" has "
							"disallowed characters "
							"in the alias",
							cd->name);
		}
		for (size_t j = 0; j + 1 < c->ndeps; j++) {
			const struct chart_dep *o = &c->deps[j];
			const char *okey = o->alias && *o->alias ? o->alias
								 : o->name;
			if (!strcmp(key, okey))
				return gerr_set(err, "validation: more than one "
						"dependency with name or alias "
						"\"%s\"", key);
		}
	}
	return 0;
}

/* ---- from files to a chart ---- */

static struct chart *load_files(struct chart_files *files, const char *where,
				int depth, struct gerr *err);

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static int add_subcharts(struct chart *c, struct chart_files *files,
			 const char *where, int depth, struct gerr *err)
{
	/* subchart name -> its files, in the order first seen */
	struct strvec names = STRVEC_INIT;
	for (size_t i = 0; i < files->nr; i++) {
		const char *n = files->v[i].name;
		if (strncmp(n, "charts/", 7) || ends_with(n, ".prov"))
			continue;
		const char *rest = n + 7;
		const char *slash = strchr(rest, '/');
		char *cname = slash ? xstrndup(rest, (size_t)(slash - rest))
				    : xstrdup(rest);
		if (strvec_find(&names, cname) < 0)
			strvec_push(&names, cname);
		free(cname);
	}
	int rc = 0;
	for (size_t i = 0; i < names.nr && !rc; i++) {
		const char *cname = names.v[i];
		/* Helm skips names starting with '_' or '.' */
		if (cname[0] == '_' || cname[0] == '.')
			continue;
		struct chart_files sub = { 0 };
		size_t plen = strlen(cname);
		char *subwhere = xasprintf("%s/charts/%s", where, cname);
		struct chart *sc = NULL;
		const char *dot = strrchr(cname, '.');
		if (dot && !strcmp(dot, ".tgz")) {
			for (size_t k = 0; k < files->nr; k++) {
				const char *n = files->v[k].name + 7;
				if (strncmp(files->v[k].name, "charts/", 7) ||
				    strcmp(n, cname))
					continue;
				if (read_archive_mem(files->v[k].data,
						     files->v[k].len, subwhere,
						     &sub, err) == 0)
					sc = load_files(&sub, subwhere,
							depth + 1, err);
				break;
			}
		} else {
			for (size_t k = 0; k < files->nr; k++) {
				const char *n = files->v[k].name;
				if (strncmp(n, "charts/", 7) ||
				    strncmp(n + 7, cname, plen) ||
				    n[7 + plen] != '/')
					continue;
				chart_files_add(&sub, n + 8 + plen,
						files->v[k].data,
						files->v[k].len);
			}
			sc = load_files(&sub, subwhere, depth + 1, err);
		}
		chart_files_clear(&sub);
		if (!sc) {
			if (!gerr_failed(err))
				gerr_set(err, "no chart");
			gerr_prefix(err, "error unpacking subchart %s in %s",
				    cname, c->name);
			rc = -1;
		} else {
			c->subs = xrealloc(c->subs,
					   (c->nsubs + 1) * sizeof(*c->subs));
			c->subs[c->nsubs++] = sc;
		}
		free(subwhere);
	}
	strvec_clear(&names);
	return rc;
}

static struct chart *load_files(struct chart_files *files, const char *where,
				int depth, struct gerr *err)
{
	if (depth > 20) {
		gerr_set(err, "%s: charts nested too deeply", where);
		return NULL;
	}
	struct chart *c = xcalloc(1, sizeof(*c));
	c->meta = json_object();
	c->values = tmpl_map_new(TMPL_NIL);
	int have_meta = 0;

	for (size_t i = 0; i < files->nr; i++) {
		const struct chart_file *f = &files->v[i];
		if (strcmp(f->name, "Chart.yaml"))
			continue;
		have_meta = 1;
		if (parse_metadata(c->meta, f->data, f->len, "Chart.yaml",
				   err) < 0) {
			gerr_prefix(err, "cannot load Chart.yaml");
			goto fail;
		}
		if (!json_object_get(c->meta, "apiVersion"))
			json_object_set_new(c->meta, "apiVersion",
					    json_string("v1"));
	}
	for (size_t i = 0; i < files->nr; i++) {
		const struct chart_file *f = &files->v[i];
		const char *n = f->name;
		if (!strcmp(n, "Chart.yaml") || !strcmp(n, "Chart.lock")) {
			continue;
		} else if (!strcmp(n, "values.yaml")) {
			if (chart_values_add_yaml(c->values, f->data, f->len,
						  "values.yaml", err) < 0) {
				gerr_prefix(err, "cannot load values.yaml");
				goto fail;
			}
		} else if (!strcmp(n, "values.schema.json")) {
			c->schema = xmalloc(f->len + 1);
			memcpy(c->schema, f->data, f->len + 1);
			c->schema_len = f->len;
		} else if (!strcmp(n, "requirements.yaml") ||
			   !strcmp(n, "requirements.lock")) {
			int v1 = !strcmp(meta_str(c->meta, "apiVersion"), "v1");
			if (!strcmp(n, "requirements.yaml") &&
			    parse_metadata(c->meta, f->data, f->len, n,
					   err) < 0) {
				gerr_prefix(err, "cannot load requirements.yaml");
				goto fail;
			}
			if (v1)
				chart_files_add(&c->files, n, f->data, f->len);
		} else if (!strncmp(n, "templates/", 10)) {
			chart_files_add(&c->templates, n, f->data, f->len);
		} else if (!strncmp(n, "charts/", 7)) {
			if (ends_with(n, ".prov"))
				chart_files_add(&c->files, n, f->data, f->len);
		} else {
			chart_files_add(&c->files, n, f->data, f->len);
		}
	}
	if (!have_meta) {
		gerr_set(err, "Chart.yaml file is missing");
		goto fail;
	}
	if (validate_metadata(c, err) < 0)
		goto fail;
	if (add_subcharts(c, files, where, depth, err) < 0)
		goto fail;
	return c;
fail:
	chart_free(c);
	return NULL;
}

struct chart *chart_load(const char *path, struct gerr *err)
{
	return chart_load_from(NULL, path, err);
}

struct chart *chart_load_from(const struct source *src, const char *path,
			      struct gerr *err)
{
	struct chart_files files = { 0 };
	enum source_type type;
	int rc;

	if (source_stat(src, path, &type, err) < 0)
		return NULL;
	if (type == SOURCE_MISSING) {
		gerr_setc(err, GERR_IO, "%s: %s", path, strerror(ENOENT));
		return NULL;
	}
	if (type == SOURCE_DIR) {
		rc = read_dir(src, path, &files, err);
	} else {
		size_t len;
		char *buf = source_read(src, path, &len, err);
		if (!buf)
			return NULL;
		rc = read_archive_mem(buf, len, path, &files, err);
		free(buf);
	}
	struct chart *c = NULL;
	if (rc == 0) {
		c = load_files(&files, path, 0, err);
		if (!c)
			gerr_prefix(err, "%s", path);
	}
	chart_files_clear(&files);
	if (c)
		return c;
	if (gerr_failed(err) && err->code == GERR_OK)
		err->code = GERR_INPUT;
	return NULL;
}

void chart_free(struct chart *c)
{
	if (!c)
		return;
	json_decref(c->meta);
	for (size_t i = 0; i < c->ndeps; i++)
		chart_dep_clear(&c->deps[i]);
	free(c->deps);
	tmpl_unref(c->values);
	free(c->schema);
	chart_files_clear(&c->templates);
	chart_files_clear(&c->files);
	for (size_t i = 0; i < c->nsubs; i++)
		chart_free(c->subs[i]);
	free(c->subs);
	free(c);
}

const char *chart_name(const struct chart *c)
{
	return c->name;
}

const char *chart_version(const struct chart *c)
{
	return c->version;
}
