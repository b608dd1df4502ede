/* Loading gantry.yaml and the apps it names. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/spec/internal.h"

/* ---- one document ---- */

/* Read FILE as exactly one YAML mapping with positions. */
static int read_doc(const struct source *src, const char *file,
		    struct yaml_docs *docs, struct gerr *err)
{
	size_t len;
	char *buf = source_read(src, file, &len, err);
	if (!buf)
		return -1;
	int rc = yaml_parse(buf, len, file, YAML_POSITIONS, docs, err);
	free(buf);
	if (rc < 0)
		return -1;
	size_t n = 0, at = 0;
	for (size_t i = 0; i < docs->nr; i++) {
		if (json_is_null(docs->v[i].value))
			continue;
		if (n++)
			return gerr_at(err, file, docs->v[i].line, 0,
				       "one document per file, and this is "
				       "a second one");
		at = i;
	}
	if (n && at) {
		/* the one document goes first */
		struct yaml_doc t = docs->v[0];
		docs->v[0] = docs->v[at];
		docs->v[at] = t;
	}
	if (!n)
		return gerr_at(err, file, 1, 1, "empty file");
	if (!json_is_object(docs->v[0].value))
		return gerr_at(err, file, docs->v[0].line, docs->v[0].col,
			       "expected a mapping, got %s",
			       json_kind_name(docs->v[0].value));
	return 0;
}

/* apiVersion and kind */
static int check_header(struct pctx *c, const struct fld *top,
			const char *kind)
{
	struct fld av = fld_key(top, "apiVersion"), k = fld_key(top, "kind");
	int rc = -1;
	if (fld_require(c, top, "apiVersion") < 0 ||
	    fld_require(c, top, "kind") < 0)
		goto out;
	if (!json_is_string(av.v) ||
	    strcmp(json_string_value(av.v), SPEC_API_VERSION)) {
		fld_fail(c, &av, "must be %s", SPEC_API_VERSION);
		goto out;
	}
	if (!json_is_string(k.v) || strcmp(json_string_value(k.v), kind)) {
		fld_fail(c, &k, "must be %s", kind);
		goto out;
	}
	rc = 0;
out:
	fld_free(&av);
	fld_free(&k);
	return rc;
}

/* ---- shared pieces ---- */

static int parse_sync(struct pctx *c, const struct fld *f, struct spec_sync *s)
{
	static const char *const known[] = { "prune", "timeout", "concurrency",
					     NULL };
	if (!f->v)
		return 0;
	if (fld_known(c, f, known) < 0 || fld_bool(c, f, "prune", &s->prune) < 0)
		return -1;
	struct fld t = fld_key(f, "timeout"), n = fld_key(f, "concurrency");
	int rc = 0;
	if (t.v) {
		long long ms = json_is_string(t.v)
				       ? spec_parse_duration(json_string_value(t.v))
				       : -1;
		if (ms <= 0)
			rc = fld_fail(c, &t, "expected a duration such as 5m, "
				      "90s or 1h30m");
		else
			s->timeout_ms = ms;
	}
	if (!rc && n.v) {
		if (!json_is_integer(n.v) || json_integer_value(n.v) < 1 ||
		    json_integer_value(n.v) > 1000)
			rc = fld_fail(c, &n, "expected a whole number from 1 "
				      "to 1000");
		else
			s->concurrency = (int)json_integer_value(n.v);
	}
	fld_free(&t);
	fld_free(&n);
	return rc;
}

static void env_clear(struct spec_env *e)
{
	free(e->name);
	free(e->context);
	free(e->namespace);
	json_decref(e->values);
	json_decref(e->set);
	strvec_clear(&e->overlays);
}

/* A DNS-1123 label: what a namespace or an app name must be. */
static int is_dns_label(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int dns_label_field(struct pctx *c, const struct fld *parent,
			   const char *key, char **out)
{
	if (fld_string(c, parent, key, out) < 0)
		return -1;
	struct fld f = fld_key(parent, key);
	int rc = 0;
	if (f.v && !is_dns_label(*out))
		rc = fld_fail(c, &f,
			      "%s: must be a DNS label (lower-case letters, "
			      "digits and '-', at most 63, starting and "
			      "ending with a letter or digit)",
			      *out);
	fld_free(&f);
	return rc;
}

/* A list of directories relative to the app's directory. */
static int path_list(struct pctx *c, const struct fld *parent,
		     const char *key, const char *dir, unsigned type_ok,
		     struct strvec *out)
{
	struct fld f = fld_key(parent, key);
	int rc = fld_is_array(c, &f);
	for (size_t i = 0; !rc && f.v && i < json_array_size(f.v); i++) {
		struct fld item = fld_index(&f, i);
		char *p = NULL;
		if (!json_is_string(item.v) || !*json_string_value(item.v))
			rc = fld_fail(c, &item, "expected a path, got %s",
				      json_kind_name(item.v));
		else
			rc = fld_repo_path(c, &item, dir, type_ok, &p);
		if (!rc)
			strvec_push_nodup(out, p);
		fld_free(&item);
	}
	fld_free(&f);
	return rc;
}

#define DIRS (1u << SOURCE_DIR)
#define FILES (1u << SOURCE_FILE)

/* ---- the repository ---- */

/* An environment of gantry.yaml (app == NULL) or an app's section. */
static int parse_env(struct pctx *c, const struct fld *f, const char *name,
		     const struct spec_app *app, struct spec_env *e)
{
	static const char *const repo_known[] = { "context", "values", NULL };
	static const char *const app_known[] = { "overlays", "values", "set",
						 "context", "namespace",
						 NULL };
	e->name = xstrdup(name);
	if (json_is_null(f->v))
		return 0;
	if (fld_known(c, f, app ? app_known : repo_known) < 0 ||
	    fld_string(c, f, "context", &e->context) < 0 ||
	    fld_map(c, f, "values", &e->values) < 0)
		return -1;
	if (!app)
		return 0;
	return dns_label_field(c, f, "namespace", &e->namespace) < 0 ||
			       fld_map(c, f, "set", &e->set) < 0 ||
			       path_list(c, f, "overlays", app->rel_dir, DIRS,
					 &e->overlays) < 0
		       ? -1
		       : 0;
}

static int parse_envs(struct pctx *c, const struct fld *parent,
		      const struct spec_app *app, const struct spec_repo *r,
		      struct spec_env **out, size_t *n)
{
	struct fld f = fld_key(parent, "environments");
	const char *name;
	json_t *v;
	int rc = fld_is_object(c, &f);

	if (!rc && f.v) {
		*out = xcalloc(json_object_size(f.v) + 1, sizeof(**out));
		json_object_foreach((json_t *)f.v, name, v) {
			struct fld ef = fld_key(&f, name);
			if (app && !spec_env_find(r, name)) {
				struct strbuf list = STRBUF_INIT;
				for (size_t i = 0; i < r->nenvs; i++)
					strbuf_addf(&list, "%s%s",
						    i ? ", " : "",
						    r->envs[i].name);
				rc = fld_fail(c, &ef,
					      "no environment %s in %s (it "
					      "defines: %s)",
					      name, r->file,
					      list.len ? list.buf : "none");
				strbuf_release(&list);
			} else {
				rc = fld_is_object(c, &ef) < 0
					     ? -1
					     : parse_env(c, &ef, name, app,
							 &(*out)[(*n)++]);
			}
			fld_free(&ef);
			if (rc)
				break;
		}
	}
	fld_free(&f);
	return rc;
}

static int parse_repo(struct pctx *c, struct spec_repo *r)
{
	static const char *const top_known[] = { "apiVersion", "kind",
						 "metadata", "spec", NULL };
	static const char *const spec_known[] = { "apps", "environments",
						  "defaults", NULL };
	static const char *const meta_known[] = { "name", NULL };
	struct fld top = fld_root(c->doc->value);
	struct fld meta = fld_key(&top, "metadata");
	struct fld spec = fld_key(&top, "spec");
	struct fld defaults = fld_key(&spec, "defaults");
	char *name = NULL;
	int rc = -1;

	if (fld_known(c, &top, top_known) < 0 ||
	    check_header(c, &top, "Repository") < 0 ||
	    (meta.v && (fld_known(c, &meta, meta_known) < 0 ||
			fld_string(c, &meta, "name", &name) < 0)) ||
	    fld_require(c, &top, "spec") < 0 ||
	    fld_known(c, &spec, spec_known) < 0 ||
	    fld_strings(c, &spec, "apps", &r->app_globs) < 0 ||
	    parse_envs(c, &spec, NULL, r, &r->envs, &r->nenvs) < 0 ||
	    parse_sync(c, &defaults, &r->defaults) < 0)
		goto out;
	if (!json_object_get(spec.v, "apps"))
		strvec_push(&r->app_globs, "apps/*");
	for (size_t i = 0; i < r->app_globs.nr; i++) {
		struct fld a = fld_key(&spec, "apps");
		struct fld g = fld_index(&a, i);
		char *clean = source_clean(r->app_globs.v[i]);
		if (!clean || !*clean)
			fld_fail(c, &g, "%s: must be a path inside the "
				 "repository", r->app_globs.v[i]);
		free(clean);
		fld_free(&g);
		fld_free(&a);
		if (gerr_failed(c->err))
			goto out;
	}
	rc = 0;
out:
	free(name);
	fld_free(&top);
	fld_free(&meta);
	fld_free(&spec);
	fld_free(&defaults);
	return rc;
}

/* ---- an app ---- */

static int parse_set(struct pctx *c, const struct fld *parent, json_t **out)
{
	if (fld_map(c, parent, "set", out) < 0)
		return -1;
	return 0;
}

static int parse_source(struct pctx *c, const struct fld *f,
			const struct spec_app *a, struct spec_source *s)
{
	static const char *const known[] = { "manifests", "chart", "builtin",
					     "kustomize", "release", "values",
					     "set", NULL };
	static const char *const kinds[] = { "manifests", "chart", "builtin",
					     "kustomize" };
	int have = -1;

	if (fld_known(c, f, known) < 0)
		return -1;
	for (int k = 0; k < 4; k++) {
		if (!json_object_get(f->v, kinds[k]))
			continue;
		if (have >= 0)
			return fld_fail(c, f, "%s and %s in one entry; give "
					"one source per entry",
					kinds[have], kinds[k]);
		have = k;
	}
	if (have < 0)
		return fld_fail(c, f, "give one of manifests, chart, builtin "
				"or kustomize");
	s->kind = (enum spec_source_kind)have;
	s->where = fld_where(c, f);
	if (s->kind != SPEC_CHART && s->kind != SPEC_BUILTIN) {
		static const char *const chart_only[] = { "release", "values",
							  "set" };
		for (int k = 0; k < 3; k++) {
			if (!json_object_get(f->v, chart_only[k]))
				continue;
			struct fld x = fld_key(f, chart_only[k]);
			fld_fail(c, &x, "only a chart or builtin source takes "
				 "%s", chart_only[k]);
			fld_free(&x);
			return -1;
		}
	}

	struct fld p = fld_key(f, kinds[have]);
	int rc = -1;
	if (!json_is_string(p.v) || !*json_string_value(p.v)) {
		fld_fail(c, &p, "expected a %s, got %s",
			 s->kind == SPEC_BUILTIN ? "chart name" : "path",
			 json_kind_name(p.v));
		goto out;
	}
	if (s->kind == SPEC_BUILTIN) {
		const char *n = json_string_value(p.v);
		if (strchr(n, '/') || n[0] == '.') {
			fld_fail(c, &p, "%s: a built-in chart's name, not a "
				 "path (chart: takes a path)", n);
			goto out;
		}
		s->path = xstrdup(n);
	} else if (fld_repo_path(c, &p, a->rel_dir,
				 s->kind == SPEC_KUSTOMIZE ? DIRS
				 : s->kind == SPEC_CHART   ? DIRS | FILES
							   : DIRS | FILES,
				 &s->path) < 0) {
		goto out;
	}
	if (fld_string(c, f, "release", &s->release) < 0 ||
	    path_list(c, f, "values", a->rel_dir, FILES, &s->values) < 0 ||
	    parse_set(c, f, &s->set) < 0)
		goto out;
	if (s->release && !is_dns_label(s->release)) {
		struct fld x = fld_key(f, "release");
		fld_fail(c, &x, "%s: a release name must be a DNS label",
			 s->release);
		fld_free(&x);
		goto out;
	}
	if ((s->kind == SPEC_CHART || s->kind == SPEC_BUILTIN) && !s->release)
		s->release = xstrdup(a->name);
	rc = 0;
out:
	fld_free(&p);
	return rc;
}

static int parse_sources(struct pctx *c, const struct fld *spec,
			 struct spec_app *a)
{
	struct fld f = fld_key(spec, "sources");
	int rc = fld_is_array(c, &f);
	if (!rc && (!f.v || !json_array_size(f.v))) {
		if (!f.v)
			rc = fld_require(c, spec, "sources");
		else
			rc = fld_fail(c, &f, "give at least one source");
	}
	if (!rc)
		a->sources = xcalloc(json_array_size(f.v), sizeof(*a->sources));
	for (size_t i = 0; !rc && i < json_array_size(f.v); i++) {
		struct fld s = fld_index(&f, i);
		rc = fld_is_object(c, &s) < 0 ? -1
			: parse_source(c, &s, a, &a->sources[a->nsources++]);
		fld_free(&s);
	}
	fld_free(&f);
	return rc;
}

/* "/RE/" values must compile. */
static int check_state_values(struct pctx *c, const struct fld *parent,
			      const char *key, struct strvec *out)
{
	if (fld_strings(c, parent, key, out) < 0)
		return -1;
	for (size_t i = 0; i < out->nr; i++) {
		const char *v = out->v[i];
		size_t n = strlen(v);
		if (n < 2 || v[0] != '/' || v[n - 1] != '/')
			continue;
		int code;
		PCRE2_SIZE off;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)v + 1, n - 2,
					       PCRE2_UTF, &code, &off, NULL);
		if (re) {
			pcre2_code_free(re);
			continue;
		}
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		struct fld l = fld_key(parent, key);
		struct fld it = fld_index(&l, i);
		fld_fail(c, &it, "%s: bad regular expression at offset %zu: "
			 "%s", v, (size_t)off, (char *)msg);
		fld_free(&it);
		fld_free(&l);
		return -1;
	}
	return 0;
}

static int parse_health(struct pctx *c, const struct fld *f,
			struct spec_health *h)
{
	static const char *const known[] = { "group", "kind", "name", "field",
					     "healthy", "progressing",
					     "degraded", NULL };
	if (fld_known(c, f, known) < 0 || fld_require(c, f, "kind") < 0 ||
	    fld_require(c, f, "field") < 0 ||
	    fld_string(c, f, "kind", &h->kind) < 0 ||
	    fld_string(c, f, "name", &h->name) < 0 ||
	    fld_string(c, f, "field", &h->field) < 0 ||
	    check_state_values(c, f, "healthy", &h->healthy) < 0 ||
	    check_state_values(c, f, "progressing", &h->progressing) < 0 ||
	    check_state_values(c, f, "degraded", &h->degraded) < 0)
		return -1;
	/* the core group is "", which fld_string refuses as empty */
	struct fld g = fld_key(f, "group");
	int rc = 0;
	if (g.v && !json_is_string(g.v))
		rc = fld_fail(c, &g, "expected a string, got %s",
			      json_kind_name(g.v));
	h->group = xstrdup(g.v ? json_string_value(g.v) : "");
	fld_free(&g);
	if (rc)
		return -1;
	if (!h->healthy.nr && !h->progressing.nr && !h->degraded.nr)
		return fld_fail(c, f, "give at least one of healthy, "
				"progressing or degraded");
	const char *fp = h->field;
	if (fp[0] == '.' || fp[strlen(fp) - 1] == '.' || strstr(fp, "..")) {
		struct fld x = fld_key(f, "field");
		fld_fail(c, &x, "%s: a dotted field path such as status.phase",
			 fp);
		fld_free(&x);
		return -1;
	}
	return 0;
}

static int parse_match(struct pctx *c, const struct fld *f,
		       struct spec_match *m)
{
	static const char *const known[] = { "group", "kind", "namespace",
					     "name", "paths", NULL };
	if (fld_known(c, f, known) < 0 || fld_require(c, f, "kind") < 0 ||
	    fld_require(c, f, "paths") < 0 ||
	    fld_string(c, f, "kind", &m->kind) < 0 ||
	    fld_string(c, f, "namespace", &m->namespace) < 0 ||
	    fld_string(c, f, "name", &m->name) < 0 ||
	    fld_strings(c, f, "paths", &m->paths) < 0)
		return -1;
	struct fld g = fld_key(f, "group");
	if (g.v && !json_is_string(g.v)) {
		fld_fail(c, &g, "expected a string, got %s",
			 json_kind_name(g.v));
		fld_free(&g);
		return -1;
	}
	if (g.v)
		m->group = xstrdup(json_string_value(g.v));
	fld_free(&g);
	struct fld ps = fld_key(f, "paths");
	int rc = 0;
	if (!m->paths.nr)
		rc = fld_fail(c, &ps, "give at least one JSON pointer");
	for (size_t i = 0; !rc && i < m->paths.nr; i++) {
		if (m->paths.v[i][0] == '/')
			continue;
		struct fld it = fld_index(&ps, i);
		rc = fld_fail(c, &it, "%s: a JSON pointer such as "
			      "/spec/replicas", m->paths.v[i]);
		fld_free(&it);
	}
	fld_free(&ps);
	return rc;
}

/* A list of mappings, each parsed by fn into an array of size elements. */
static int parse_list(struct pctx *c, const struct fld *spec, const char *key,
		      void **arr, size_t *n, size_t size,
		      int (*fn)(struct pctx *, const struct fld *, void *))
{
	struct fld f = fld_key(spec, key);
	int rc = fld_is_array(c, &f);
	if (!rc && f.v && json_array_size(f.v))
		*arr = xcalloc(json_array_size(f.v), size);
	for (size_t i = 0; !rc && f.v && i < json_array_size(f.v); i++) {
		struct fld it = fld_index(&f, i);
		rc = fld_is_object(c, &it) < 0
			     ? -1
			     : fn(c, &it, (char *)*arr + size * (*n)++);
		fld_free(&it);
	}
	fld_free(&f);
	return rc;
}

static int health_fn(struct pctx *c, const struct fld *f, void *p)
{
	return parse_health(c, f, p);
}

static int match_fn(struct pctx *c, const struct fld *f, void *p)
{
	return parse_match(c, f, p);
}

/* A mapping the spec keeps no use for (an app's labels). */
static int check_map(struct pctx *c, const struct fld *parent,
		     const char *key)
{
	struct fld f = fld_key(parent, key);
	int rc = fld_is_object(c, &f);
	fld_free(&f);
	return rc;
}

static int parse_app(struct pctx *c, const struct spec_repo *r,
		     struct spec_app *a)
{
	static const char *const top_known[] = { "apiVersion", "kind",
						 "metadata", "spec", NULL };
	static const char *const meta_known[] = { "name", "labels",
						  "annotations", NULL };
	static const char *const spec_known[] = {
		"namespace", "createNamespace", "dependsOn", "sources",
		"overlays", "environments", "health", "ignoreDifferences",
		"sensitive", "sync", NULL
	};
	struct fld top = fld_root(c->doc->value);
	struct fld meta = fld_key(&top, "metadata");
	struct fld spec = fld_key(&top, "spec");
	struct fld sync = fld_key(&spec, "sync");
	int rc = -1;

	if (fld_known(c, &top, top_known) < 0 ||
	    check_header(c, &top, "App") < 0 ||
	    fld_require(c, &top, "metadata") < 0 ||
	    fld_known(c, &meta, meta_known) < 0 ||
	    fld_require(c, &meta, "name") < 0 ||
	    dns_label_field(c, &meta, "name", &a->name) < 0 ||
	    check_map(c, &meta, "labels") < 0 ||
	    check_map(c, &meta, "annotations") < 0 ||
	    fld_require(c, &top, "spec") < 0 ||
	    fld_known(c, &spec, spec_known) < 0 ||
	    dns_label_field(c, &spec, "namespace", &a->namespace) < 0 ||
	    fld_bool(c, &spec, "createNamespace", &a->create_namespace) < 0 ||
	    fld_strings(c, &spec, "dependsOn", &a->depends_on) < 0 ||
	    parse_sources(c, &spec, a) < 0 ||
	    path_list(c, &spec, "overlays", a->rel_dir, DIRS, &a->overlays) <
		    0 ||
	    parse_envs(c, &spec, a, r, &a->envs, &a->nenvs) < 0 ||
	    parse_list(c, &spec, "health", (void **)&a->health, &a->nhealth,
		       sizeof(*a->health), health_fn) < 0 ||
	    parse_list(c, &spec, "ignoreDifferences", (void **)&a->ignore,
		       &a->nignore, sizeof(*a->ignore), match_fn) < 0 ||
	    parse_list(c, &spec, "sensitive", (void **)&a->sensitive,
		       &a->nsensitive, sizeof(*a->sensitive), match_fn) < 0 ||
	    parse_sync(c, &sync, &a->sync) < 0)
		goto out;
	if (!a->namespace)
		a->namespace = xstrdup("default");
	struct fld deps = fld_key(&spec, "dependsOn");
	for (size_t i = 0; i < a->depends_on.nr; i++) {
		struct fld d = fld_index(&deps, i);
		int line, col;
		if (yaml_doc_position(c->doc, d.ptr, &line, &col) < 0)
			line = col = 0;
		strvec_pushf(&a->depends_where, "%s:%d:%d", c->file, line, col);
		fld_free(&d);
	}
	fld_free(&deps);
	struct fld nf = fld_key(&meta, "name");
	if (yaml_doc_position(c->doc, nf.ptr, &a->line, &a->col) < 0)
		a->line = a->col = 0;
	fld_free(&nf);
	rc = 0;
out:
	fld_free(&top);
	fld_free(&meta);
	fld_free(&spec);
	fld_free(&sync);
	return rc;
}

static void match_clear(struct spec_match *m)
{
	free(m->group);
	free(m->kind);
	free(m->namespace);
	free(m->name);
	strvec_clear(&m->paths);
}

static void app_clear(struct spec_app *a)
{
	free(a->name);
	free(a->dir);
	free(a->rel_dir);
	free(a->file);
	free(a->namespace);
	strvec_clear(&a->depends_on);
	strvec_clear(&a->depends_where);
	for (size_t i = 0; i < a->nsources; i++) {
		struct spec_source *s = &a->sources[i];
		free(s->path);
		free(s->release);
		strvec_clear(&s->values);
		json_decref(s->set);
		free(s->where);
	}
	free(a->sources);
	strvec_clear(&a->overlays);
	for (size_t i = 0; i < a->nenvs; i++)
		env_clear(&a->envs[i]);
	free(a->envs);
	for (size_t i = 0; i < a->nhealth; i++) {
		struct spec_health *h = &a->health[i];
		free(h->group);
		free(h->kind);
		free(h->name);
		free(h->field);
		strvec_clear(&h->healthy);
		strvec_clear(&h->progressing);
		strvec_clear(&h->degraded);
	}
	free(a->health);
	for (size_t i = 0; i < a->nignore; i++)
		match_clear(&a->ignore[i]);
	free(a->ignore);
	for (size_t i = 0; i < a->nsensitive; i++)
		match_clear(&a->sensitive[i]);
	free(a->sensitive);
}

/* ---- finding the apps ---- */

static int has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Expand one glob, component by component, into directories (paths inside
 * the repository). */
static int expand(const struct source *src, const char *base,
		  const char *pattern, struct strvec *out, struct gerr *err)
{
	const char *slash = strchr(pattern, '/');
	char *comp = slash ? xstrndup(pattern, (size_t)(slash - pattern))
			   : xstrdup(pattern);
	const char *rest = slash ? slash + 1 : NULL;
	struct strvec names = STRVEC_INIT;
	int rc = 0;

	if (has_magic(comp)) {
		char *dir = source_path(src, base);
		rc = source_list(src, dir, &names, err);
		free(dir);
		for (size_t i = 0; !rc && i < names.nr; i++)
			if (names.v[i][0] == '.' ||
			    fnmatch(comp, names.v[i], FNM_PERIOD))
				names.v[i][0] = '\0';
	} else {
		strvec_push(&names, comp);
	}
	for (size_t i = 0; !rc && i < names.nr; i++) {
		enum source_type t;
		if (!names.v[i][0])
			continue;
		char *rel = *base ? xasprintf("%s/%s", base, names.v[i])
				  : xstrdup(names.v[i]);
		char *p = source_path(src, rel);
		rc = source_stat(src, p, &t, err);
		free(p);
		if (!rc && t == SOURCE_DIR) {
			if (rest && *rest)
				rc = expand(src, rel, rest, out, err);
			else if (strvec_find(out, rel) < 0)
				strvec_push(out, rel);
		}
		free(rel);
	}
	strvec_clear(&names);
	free(comp);
	return rc;
}

static int cmp_app(const void *a, const void *b)
{
	return strcmp(((const struct spec_app *)a)->name,
		      ((const struct spec_app *)b)->name);
}

static int load_app(const struct source *src, struct spec_repo *r,
		    const char *rel_dir, struct gerr *err)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	struct spec_app *a;
	char *rel = xasprintf("%s/app.yaml", rel_dir);
	char *file = source_path(src, rel);
	int rc = -1;

	free(rel);
	r->apps = xrealloc(r->apps, (r->napps + 1) * sizeof(*r->apps));
	a = &r->apps[r->napps];
	memset(a, 0, sizeof(*a));
	a->rel_dir = xstrdup(rel_dir);
	a->dir = source_path(src, rel_dir);
	a->file = file;
	a->sync = r->defaults;
	if (read_doc(src, file, &docs, err) == 0) {
		struct pctx c = { src, &docs.v[0], file, err };
		rc = parse_app(&c, r, a);
	}
	yaml_docs_clear(&docs);
	if (rc < 0) {
		app_clear(a);
		return -1;
	}
	for (size_t i = 0; i < r->napps; i++) {
		if (strcmp(r->apps[i].name, a->name))
			continue;
		gerr_at(err, a->file, a->line, a->col,
			"metadata.name: app %s is also defined in %s:%d:%d",
			a->name, r->apps[i].file, r->apps[i].line,
			r->apps[i].col);
		app_clear(a);
		return -1;
	}
	r->napps++;
	return 0;
}

static int load_apps(const struct source *src, struct spec_repo *r,
		     struct gerr *err)
{
	struct strvec dirs = STRVEC_INIT;
	int rc = 0;

	for (size_t i = 0; !rc && i < r->app_globs.nr; i++) {
		size_t before = dirs.nr;
		char *g = source_clean(r->app_globs.v[i]);
		rc = expand(src, "", g, &dirs, err);
		free(g);
		if (!rc && dirs.nr == before)
			rc = gerr_setc(err, GERR_INPUT,
				       "%s: spec.apps[%zu]: %s matches no "
				       "directory",
				       r->file, i, r->app_globs.v[i]);
	}
	for (size_t i = 0; !rc && i < dirs.nr; i++) {
		enum source_type t;
		char *rel = xasprintf("%s/app.yaml", dirs.v[i]);
		char *p = source_path(src, rel);
		rc = source_stat(src, p, &t, err);
		if (!rc && t != SOURCE_FILE) {
			char *d = source_path(src, dirs.v[i]);
			rc = gerr_setc(err, GERR_INPUT,
				       "%s: matched by spec.apps in %s, but "
				       "it has no app.yaml",
				       d, r->file);
			free(d);
		}
		free(p);
		free(rel);
		if (!rc)
			rc = load_app(src, r, dirs.v[i], err);
	}
	strvec_clear(&dirs);
	if (!rc && r->napps > 1)
		qsort(r->apps, r->napps, sizeof(*r->apps), cmp_app);
	return rc;
}

/* ---- the API ---- */

struct spec_repo *spec_load(const struct source *src, struct gerr *err)
{
	struct spec_repo *r = xcalloc(1, sizeof(*r));
	struct yaml_docs docs = YAML_DOCS_INIT;
	enum source_type t;
	int rc = -1;

	r->file = source_path(src, "gantry.yaml");
	r->defaults.prune = SPEC_DEFAULT_PRUNE;
	r->defaults.timeout_ms = SPEC_DEFAULT_TIMEOUT_MS;
	r->defaults.concurrency = SPEC_DEFAULT_CONCURRENCY;
	if (source_stat(src, r->file, &t, err) < 0)
		goto out;
	if (t != SOURCE_FILE) {
		gerr_setc(err, GERR_INPUT,
			  "%s: no gantry.yaml at the root of the repository "
			  "(see gantry.yaml(5))",
			  r->file);
		goto out;
	}
	if (read_doc(src, r->file, &docs, err) < 0)
		goto out;
	struct pctx c = { src, &docs.v[0], r->file, err };
	if (parse_repo(&c, r) < 0 || load_apps(src, r, err) < 0 ||
	    spec_check_cycles(r, err) < 0)
		goto out;
	rc = 0;
out:
	yaml_docs_clear(&docs);
	if (rc < 0) {
		spec_free(r);
		return NULL;
	}
	return r;
}

void spec_free(struct spec_repo *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->napps; i++)
		app_clear(&r->apps[i]);
	free(r->apps);
	for (size_t i = 0; i < r->nenvs; i++)
		env_clear(&r->envs[i]);
	free(r->envs);
	strvec_clear(&r->app_globs);
	free(r->file);
	free(r);
}

const struct spec_app *spec_app_find(const struct spec_repo *r,
				     const char *name)
{
	for (size_t i = 0; i < r->napps; i++)
		if (!strcmp(r->apps[i].name, name))
			return &r->apps[i];
	return NULL;
}

const struct spec_env *spec_env_find(const struct spec_repo *r,
				     const char *name)
{
	for (size_t i = 0; i < r->nenvs; i++)
		if (!strcmp(r->envs[i].name, name))
			return &r->envs[i];
	return NULL;
}

int spec_check_env(const struct spec_repo *r, const char *env,
		   struct gerr *err)
{
	if (!env || spec_env_find(r, env))
		return 0;
	struct strbuf list = STRBUF_INIT;
	for (size_t i = 0; i < r->nenvs; i++)
		strbuf_addf(&list, "%s%s", i ? ", " : "", r->envs[i].name);
	gerr_setc(err, GERR_INPUT, "unknown environment %s (%s defines: %s)",
		  env, r->file, list.len ? list.buf : "none");
	strbuf_release(&list);
	return -1;
}

const struct spec_env *spec_app_env(const struct spec_app *a, const char *env)
{
	for (size_t i = 0; env && i < a->nenvs; i++)
		if (!strcmp(a->envs[i].name, env))
			return &a->envs[i];
	return NULL;
}

const char *spec_app_namespace(const struct spec_app *a, const char *env)
{
	const struct spec_env *e = spec_app_env(a, env);
	return e && e->namespace ? e->namespace : a->namespace;
}

const char *spec_app_context(const struct spec_repo *r,
			     const struct spec_app *a, const char *env)
{
	const struct spec_env *e = spec_app_env(a, env);
	if (e && e->context)
		return e->context;
	e = env ? spec_env_find(r, env) : NULL;
	return e ? e->context : NULL;
}
