/*
 * Rendering a chart as `helm template` does (action.Install in client-only
 * mode, engine.Render, releaseutil.SortManifests, cmd/helm/template.go):
 *
 *   check installable, check dependencies present, process dependencies,
 *   coalesce values, validate them against the schemas, check kubeVersion,
 *   parse every template of every chart into one set (deepest paths first),
 *   execute each non-partial template with its chart's objects, split the
 *   output into documents, sort them by kind (hooks apart), print.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/chart/chart.h"
#include "pkg/chart/chart_int.h"
#include "pkg/yaml/yaml.h"

void chart_default_api_versions(struct strvec *out);

/* Helm's InstallOrder: kinds in the order they are installed; unknown
 * kinds after them, alphabetically. */
static const char *const install_order[] = {
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota",
	"LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
	"ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
	"ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
	"RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
	"ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
	"IngressClass", "Ingress", "APIService",
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
	NULL,
};

static const char *const hook_events[] = {
	"pre-install", "post-install", "pre-delete", "post-delete",
	"pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback",
	"test", "test-success", NULL,
};

/* One template to render: its full name, text, and the chart's objects. */
struct rtpl {
	char *name;             /* "CHART/charts/SUB/templates/x.yaml" */
	const struct chart_file *file;
	struct tmpl_value *dot; /* the chart's top map (shared) */
	char *base_path;
	char *rendered;
	size_t rlen;
};

struct rtpls {
	struct rtpl *v;
	size_t nr, alloc;
};

static int is_library(const struct chart *c)
{
	return !strcmp(c->type, "library");
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* recAllTpls: the objects of a chart (and its subcharts), and its
 * templates. Returns the chart's top map (new reference). */
static struct tmpl_value *collect(const struct rnode *n,
				  struct tmpl_value *parent_top,
				  struct tmpl_value *release,
				  struct tmpl_value *caps,
				  struct tmpl_value *root_values,
				  struct rtpls *out)
{
	struct tmpl_value *top = tmpl_map_new(TMPL_NIL);
	struct tmpl_value *subcharts = tmpl_map_new(TMPL_NIL);
	tmpl_map_set(top, "Chart", chart_obj_chart(n));
	tmpl_map_set(top, "Files", chart_obj_files(n->c));
	tmpl_map_set(top, "Release", tmpl_ref(release));
	tmpl_map_set(top, "Capabilities", tmpl_ref(caps));
	struct tmpl_value *values;
	if (!parent_top) {
		values = tmpl_ref(root_values);
	} else {
		struct tmpl_value *pv = tmpl_map_get(parent_top, "Values");
		struct tmpl_value *t = tmpl_map_get(pv, n->name);
		values = tmpl_map_new(TMPL_NIL);
		if (t && t->kind == TMPL_MAP)
			for (size_t i = 0; i < tmpl_map_len(t); i++) {
				const struct tmpl_map_entry *e =
					tmpl_map_entry(t, i);
				tmpl_map_setn(values, e->key, e->klen,
					      tmpl_ref(e->value));
			}
		chart_obj_values(values);
	}
	tmpl_map_set(top, "Values", values);
	tmpl_map_set(top, "Subcharts", subcharts);
	chart_obj_values(top);

	for (size_t i = 0; i < n->nsubs; i++)
		tmpl_map_set(subcharts, n->subs[i]->name,
			     collect(n->subs[i], top, release, caps,
				     root_values, out));

	struct strbuf full = STRBUF_INIT;
	rnode_full_path(&full, n);
	for (size_t i = 0; i < n->c->templates.nr; i++) {
		const struct chart_file *f = &n->c->templates.v[i];
		if (is_library(n->c) && base_name(f->name)[0] != '_')
			continue;
		ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		struct rtpl *t = &out->v[out->nr++];
		memset(t, 0, sizeof(*t));
		t->name = xasprintf("%s/%s", full.buf, f->name);
		t->file = f;
		t->dot = tmpl_ref(top);
		t->base_path = xasprintf("%s/templates", full.buf);
	}
	strbuf_release(&full);
	return top;
}

static size_t count_slashes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '/';
	return n;
}

/* sortTemplates: deepest paths first; the same depth in reverse order. */
static int cmp_tpl(const void *a, const void *b)
{
	const struct rtpl *x = a, *y = b;
	size_t cx = count_slashes(x->name), cy = count_slashes(y->name);
	if (cx != cy)
		return cx > cy ? -1 : 1;
	return -strcmp(x->name, y->name);
}

/* Helm's cleanupParseError: "parse error at (LOCATION): LAST MESSAGE". */
static void parse_error(struct gerr *err, const char *name)
{
	const char *msg = gerr_msg(err);
	const char *first = strstr(msg, ": ");
	if (!first) {
		char *m = xstrdup(msg);
		gerr_setc(err, GERR_INPUT, "parse error in (%s): %s", name, m);
		free(m);
		return;
	}
	const char *loc = first + 2;
	const char *loc_end = strstr(loc, ": ");
	const char *last = msg;
	for (const char *p = msg; (p = strstr(p, ": ")); p += 2)
		last = p + 2;
	char *l = loc_end ? xstrndup(loc, (size_t)(loc_end - loc)) : xstrdup(loc);
	char *m = xstrdup(last);
	gerr_setc(err, GERR_INPUT, "parse error at (%s): %s", l, m);
	free(l);
	free(m);
}

/* cleanupExecError: required/fail messages become "execution error at
 * (LOCATION): MSG"; anything else stays as text/template worded it. */
static void exec_error(struct gerr *err, const char *name)
{
	const char *msg = gerr_msg(err);
	const char *start = strstr(msg, "HELM_ERR_START");
	const char *end = NULL;
	for (const char *p = msg; (p = strstr(p, "HELM_ERR_END")); p++)
		end = p;
	const char *first = strstr(msg, ": ");
	const char *second = first ? strstr(first + 2, ": ") : NULL;
	if (!first || !second) {
		char *m = xstrdup(msg);
		gerr_setc(err, GERR_INPUT, "execution error in (%s): %s", name,
			  m);
		free(m);
		return;
	}
	if (start && end && end > start && start > second) {
		char *loc = xstrndup(first + 2, (size_t)(second - first - 2));
		start += strlen("HELM_ERR_START");
		char *m = xstrndup(start, (size_t)(end - start));
		gerr_setc(err, GERR_INPUT, "execution error at (%s): %s", loc,
			  m);
		free(loc);
		free(m);
		return;
	}
	err->code = GERR_INPUT;
}

static void replace_no_value(char *s, size_t *len)
{
	static const char nv[] = "<no value>";
	if (!memmem(s, *len, nv, 10))
		return;
	size_t j = 0;
	for (size_t i = 0; i < *len;) {
		if (i + 10 <= *len && !memcmp(s + i, nv, 10)) {
			i += 10;
			continue;
		}
		s[j++] = s[i++];
	}
	s[j] = '\0';
	*len = j;
}

/* ---- splitting and sorting the output ---- */

static int is_go_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static char *trim_dup(const char *s, size_t len)
{
	/* strings.TrimSpace (ASCII white space; Unicode spaces are rare in
	 * manifests and Go would trim them too) */
	while (len && is_go_space(*s))
		s++, len--;
	while (len && is_go_space(s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* SplitManifests: split on the regexp (?:^|\s*\n)---\s* after trimming,
 * keep the non-empty pieces, each trimmed. */
static void split_manifests(const char *s, size_t len, struct strvec *docs)
{
	while (len && is_go_space(*s))
		s++, len--;
	while (len && is_go_space(s[len - 1]))
		len--;
	size_t start = 0, i = 0;
	while (i <= len) {
		size_t sep_start = 0, sep_end = 0;
		int found = 0;
		/* find the next separator at or after i */
		for (size_t k = i; k + 3 <= len; k++) {
			if (memcmp(s + k, "---", 3))
				continue;
			if (k == 0) {
				sep_start = 0;
				found = 1;
			} else if (s[k - 1] == '\n') {
				sep_start = k - 1;
				while (sep_start > start &&
				       is_go_space(s[sep_start - 1]))
					sep_start--;
				found = 1;
			}
			if (found) {
				sep_end = k + 3;
				while (sep_end < len && is_go_space(s[sep_end]))
					sep_end++;
				break;
			}
		}
		if (!found) {
			if (start < len || start == 0) {
				char *d = trim_dup(s + start, len - start);
				if (*d)
					strvec_push_nodup(docs, d);
				else
					free(d);
			}
			break;
		}
		char *d = trim_dup(s + start, sep_start - start);
		if (*d)
			strvec_push_nodup(docs, d);
		else
			free(d);
		start = i = sep_end;
	}
}

struct head {
	char *kind;
	int has_annotations;
	char *hook;             /* helm.sh/hook, or NULL */
};

static int parse_head(const char *doc, const char *file, struct head *h,
		      struct gerr *err)
{
	memset(h, 0, sizeof(*h));
	struct yaml_docs docs = YAML_DOCS_INIT;
	if (yaml_parse(doc, strlen(doc), file, YAML_DUPLICATE_KEYS, &docs,
		       err) < 0) {
		yaml_docs_clear(&docs);     /* its file name */
		const char *m = gerr_msg(err);
		char *copy = xstrdup(m);
		gerr_setc(err, GERR_INPUT, "YAML parse error on %s: %s", file,
			  copy);
		free(copy);
		return -1;
	}
	json_t *v = docs.nr ? docs.v[0].value : NULL;
	if (v && !json_is_object(v) && !json_is_null(v)) {
		yaml_docs_clear(&docs);
		return gerr_setc(err, GERR_INPUT, "YAML parse error on %s: "
				 "error unmarshaling JSON: while decoding JSON: "
				 "json: cannot unmarshal %s into Go value of "
				 "type releaseutil.SimpleHead", file,
				 json_is_array(v) ? "array" :
				 json_is_string(v) ? "string" :
				 json_is_boolean(v) ? "bool" : "number");
	}
	json_t *kind = json_object_get(v, "kind");
	h->kind = xstrdup(json_is_string(kind) ? json_string_value(kind) : "");
	json_t *ann = json_object_get(json_object_get(v, "metadata"),
				      "annotations");
	if (json_is_object(ann) && json_object_size(ann)) {
		h->has_annotations = 1;
		json_t *hook = json_object_get(ann, "helm.sh/hook");
		if (json_is_string(hook))
			h->hook = xstrdup(json_string_value(hook));
		else if (hook && !json_is_null(hook))
			h->hook = xstrdup("");
	}
	yaml_docs_clear(&docs);
	return 0;
}

static long kind_rank(const char *kind)
{
	for (long i = 0; install_order[i]; i++)
		if (!strcmp(install_order[i], kind))
			return i;
	return -1;
}

struct ranked {
	struct chart_manifest m;
	long rank;              /* InstallOrder index, -1 for unknown kinds */
	size_t pos;             /* for a stable sort */
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->rank >= 0 && y->rank >= 0 && x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((x->rank < 0) != (y->rank < 0))
		return x->rank < 0 ? 1 : -1;
	if (x->rank < 0) {
		int c = strcmp(x->m.kind, y->m.kind);
		if (c)
			return c;
	}
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* sort.SliceStable with lessByKind */
static void sort_by_kind(struct chart_manifest *v, size_t n)
{
	struct ranked *r = xcalloc(n + 1, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		r[i].m = v[i];
		r[i].rank = kind_rank(v[i].kind);
		r[i].pos = i;
	}
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (size_t i = 0; i < n; i++)
		v[i] = r[i].m;
	free(r);
}

/* Is a hook annotation's list of events all known? Sets *test when one
 * of them is a test hook. */
static int known_hook(const char *hooks, int *test)
{
	char *copy = xstrdup(hooks);
	int ok = 1;
	*test = 0;
	for (char *save = NULL, *p = strtok_r(copy, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		char *t = trim_dup(p, strlen(p));
		for (char *c = t; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		int found = 0;
		for (size_t i = 0; hook_events[i]; i++)
			found |= !strcmp(hook_events[i], t);
		if (!strcmp(t, "test") || !strcmp(t, "test-success"))
			*test = 1;
		free(t);
		if (!found) {
			ok = 0;
			break;
		}
	}
	if (!*hooks)
		ok = 0;
	free(copy);
	return ok;
}

static void manifest_add(struct chart_output *out, struct chart_manifest *m)
{
	ALLOC_GROW(out->v, out->nr + 1, out->alloc);
	out->v[out->nr++] = *m;
}

static void manifest_clear(struct chart_manifest *m)
{
	free(m->source);
	free(m->content);
	free(m->kind);
}

struct manifests {
	struct chart_manifest *v;
	size_t nr, alloc;
};

static void push(struct manifests *l, const char *source, char *content,
		 struct head *h, int is_hook)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	struct chart_manifest *m = &l->v[l->nr++];
	m->source = xstrdup(source);
	m->content = content;
	m->kind = h->kind;
	h->kind = NULL;
	m->hook = is_hook;
	m->crd = 0;
}

static int cmp_name(const void *a, const void *b)
{
	const struct rtpl *x = *(struct rtpl *const *)a;
	const struct rtpl *y = *(struct rtpl *const *)b;
	return strcmp(x->name, y->name);
}

static int sort_manifests(struct rtpls *tpls, int skip_tests,
			  struct manifests *generic, struct manifests *hooks,
			  struct gerr *err)
{
	struct rtpl **byname = xcalloc(tpls->nr + 1, sizeof(*byname));
	size_t n = 0;
	for (size_t i = 0; i < tpls->nr; i++)
		if (tpls->v[i].rendered)
			byname[n++] = &tpls->v[i];
	qsort(byname, n, sizeof(*byname), cmp_name);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct rtpl *t = byname[i];
		struct strvec docs = STRVEC_INIT;
		split_manifests(t->rendered, t->rlen, &docs);
		for (size_t d = 0; d < docs.nr && !rc; d++) {
			struct head h;
			if (parse_head(docs.v[d], t->name, &h, err) < 0) {
				rc = -1;
				break;
			}
			int test = 0;
			if (!h.has_annotations || !h.hook) {
				push(generic, t->name, xstrdup(docs.v[d]), &h, 0);
			} else if (known_hook(h.hook, &test)) {
				if (!(skip_tests && test))
					push(hooks, t->name, xstrdup(docs.v[d]),
					     &h, 1);
			}
			/* an unknown hook is skipped, as Helm does */
			free(h.kind);
			free(h.hook);
		}
		strvec_clear(&docs);
	}
	free(byname);
	if (!rc) {
		sort_by_kind(generic->v, generic->nr);
		sort_by_kind(hooks->v, hooks->nr);
	}
	return rc;
}

/* ---- --show-only ---- */

static int show_only(struct chart_output *out, const struct manifests *all,
		     const char *const *show, size_t nshow, struct gerr *err)
{
	struct strbuf text = STRBUF_INIT;
	int rc = 0;
	char *keep = xcalloc(all->nr + 1, 1);
	size_t *order = xcalloc(all->nr + 1, sizeof(*order));
	size_t norder = 0;
	for (size_t s = 0; s < nshow && !rc; s++) {
		int missing = 1;
		for (size_t i = 0; i < all->nr; i++) {
			/* the path after the chart's name */
			const char *src = all->v[i].source;
			const char *slash = strchr(src, '/');
			if (!slash || !chart_path_match(show[s], slash + 1))
				continue;
			order[norder++] = i;
			missing = 0;
		}
		if (missing)
			rc = gerr_setc(err, GERR_INPUT, "could not find template "
				       "%s in chart", show[s]);
	}
	if (!rc) {
		for (size_t k = 0; k < norder; k++) {
			const struct chart_manifest *m = &all->v[order[k]];
			strbuf_addf(&text, "---\n# Source: %s\n%s\n", m->source,
				    m->content);
			struct chart_manifest c = { xstrdup(m->source),
				xstrdup(m->content), xstrdup(m->kind), m->hook,
				m->crd };
			manifest_add(out, &c);
			keep[order[k]] = 1;
		}
		strbuf_release(&out->text);
		out->text = text;
	} else {
		strbuf_release(&text);
	}
	free(keep);
	free(order);
	return rc;
}

/* ---- the whole render ---- */

static int check_schemas(const struct rnode *n, const struct tmpl_value *vals,
			 struct strbuf *report, struct gerr *err)
{
	if (n->c->schema) {
		json_t *j = tmpl_to_json(vals, err);
		if (!j)
			return -1;
		if (json_is_null(j)) {
			json_decref(j);
			j = json_object();
		}
		struct strbuf sb = STRBUF_INIT;
		int r = chart_schema_validate(n->c->schema, n->c->schema_len, j,
					      &sb, err);
		json_decref(j);
		if (r == -2) {
			strbuf_release(&sb);
			return gerr_prefix(err, "%s", n->name);
		}
		if (r < 0) {
			strbuf_addf(report, "%s:\n", n->name);
			strbuf_add(report, sb.buf, sb.len);
		}
		strbuf_release(&sb);
	}
	for (size_t i = 0; i < n->nsubs; i++) {
		const struct tmpl_value *sv = tmpl_map_get(vals,
							   n->subs[i]->name);
		if (check_schemas(n->subs[i], sv, report, err) < 0)
			return -1;
	}
	return 0;
}

static void crd_objects(const struct rnode *n, struct manifests *out)
{
	struct strbuf full = STRBUF_INIT;
	rnode_full_path(&full, n);
	for (size_t i = 0; i < n->c->files.nr; i++) {
		const struct chart_file *f = &n->c->files.v[i];
		const char *dot = strrchr(f->name, '.');
		if (strncmp(f->name, "crds/", 5) || !dot ||
		    (strcasecmp(dot, ".yaml") && strcasecmp(dot, ".yml") &&
		     strcasecmp(dot, ".json")))
			continue;
		ALLOC_GROW(out->v, out->nr + 1, out->alloc);
		struct chart_manifest *m = &out->v[out->nr++];
		m->source = xasprintf("%s/%s", full.buf, f->name);
		m->content = xstrndup(f->data, f->len);
		m->kind = xstrdup("CustomResourceDefinition");
		m->hook = 0;
		m->crd = 1;
	}
	strbuf_release(&full);
	for (size_t i = 0; i < n->nsubs; i++)
		crd_objects(n->subs[i], out);
}

static int check_dependencies(const struct chart *c, struct gerr *err)
{
	if (!json_is_array(json_object_get(c->meta, "dependencies")))
		return 0;
	struct strbuf missing = STRBUF_INIT;
	for (size_t i = 0; i < c->ndeps; i++) {
		int found = 0;
		for (size_t k = 0; k < c->nsubs && !found; k++)
			found = !strcmp(c->subs[k]->name, c->deps[i].name);
		if (!found) {
			if (missing.len)
				strbuf_addstr(&missing, ", ");
			strbuf_addstr(&missing, c->deps[i].name);
		}
	}
	if (!missing.len)
		return 0;
	gerr_setc(err, GERR_INPUT, "an error occurred while checking for chart "
		  "dependencies. You may need to run `helm dependency build` to "
		  "fetch missing dependencies: found in Chart.yaml, but missing "
		  "in charts/ directory: %s", missing.buf);
	strbuf_release(&missing);
	return -1;
}

static struct tmpl_funcs *make_funcs(struct gerr *err)
{
	struct tmpl_funcs *fs = tmpl_funcs_new();
	if (tmpl_funcs_add_library(fs, err) < 0 ||
	    tmpl_funcs_add(fs, chart_helm_funcs, err) < 0) {
		tmpl_funcs_free(fs);
		return NULL;
	}
	tmpl_funcs_remove(fs, "env");
	tmpl_funcs_remove(fs, "expandenv");
	return fs;
}

/* Parse and execute every template (engine.render). */
static int run_engine(struct rtpls *tpls, struct render *rs, char **notes,
		      const char *root_name, struct gerr *err)
{
	struct tmpl_set *set = tmpl_set_new(rs->funcs);
	int rc = 0;

	qsort(tpls->v, tpls->nr, sizeof(*tpls->v), cmp_tpl);
	for (size_t i = 0; i < tpls->nr && !rc; i++) {
		struct rtpl *t = &tpls->v[i];
		if (tmpl_set_parse(set, t->name, t->file->data, t->file->len,
				   err) < 0) {
			parse_error(err, t->name);
			rc = -1;
		}
	}
	char *notes_name = xasprintf("%s/templates/NOTES.txt", root_name);
	for (size_t i = 0; i < tpls->nr && !rc; i++) {
		struct rtpl *t = &tpls->v[i];
		if (base_name(t->name)[0] == '_')
			continue;
		struct tmpl_value *tv = tmpl_map_new(TMPL_NIL);
		tmpl_map_set(tv, "Name", tmpl_string(t->name));
		tmpl_map_set(tv, "BasePath", tmpl_string(t->base_path));
		tmpl_map_set(t->dot, "Template", chart_obj_values(tv));
		struct strbuf out = STRBUF_INIT;
		struct tmpl_exec_options o = { TMPL_MISSING_ZERO, rs };
		if (tmpl_execute(set, t->name, t->dot, &o, &out, err) < 0) {
			strbuf_release(&out);
			exec_error(err, t->name);
			rc = -1;
			break;
		}
		if (!out.buf)
			strbuf_addstr(&out, "");
		size_t len = out.len;
		t->rendered = strbuf_detach(&out, NULL);
		replace_no_value(t->rendered, &len);
		t->rlen = len;
		/* NOTES.txt is rendered, then kept apart (the top chart's) */
		size_t nl = strlen(t->name);
		if (nl >= 9 && !strcmp(t->name + nl - 9, "NOTES.txt")) {
			if (!strcmp(t->name, notes_name)) {
				free(*notes);
				*notes = xstrndup(t->rendered, t->rlen);
			}
			free(t->rendered);
			t->rendered = NULL;
		}
	}
	free(notes_name);
	tmpl_set_free(set);
	return rc;
}

static struct tmpl_value *release_map(const struct chart_render_opts *o)
{
	struct tmpl_value *r = tmpl_map_new(TMPL_NIL);
	tmpl_map_set(r, "Name", tmpl_string(o->release ? o->release
						       : "release-name"));
	tmpl_map_set(r, "Namespace", tmpl_string(o->namespace ? o->namespace
							      : "default"));
	tmpl_map_set(r, "IsUpgrade", tmpl_bool(o->is_upgrade));
	tmpl_map_set(r, "IsInstall", tmpl_bool(!o->is_upgrade));
	tmpl_map_set(r, "Revision", tmpl_int(1));
	tmpl_map_set(r, "Service", tmpl_string("Helm"));
	return r;
}

static void write_output(struct chart_output *out, struct manifests *crds,
			 struct manifests *generic, struct manifests *hooks)
{
	struct strbuf manifest = STRBUF_INIT;
	for (size_t i = 0; i < crds->nr; i++)
		strbuf_addf(&manifest, "---\n# Source: %s\n%s\n",
			    crds->v[i].source, crds->v[i].content);
	for (size_t i = 0; i < generic->nr; i++)
		strbuf_addf(&manifest, "---\n# Source: %s\n%s\n",
			    generic->v[i].source, generic->v[i].content);
	/* template.go: the manifest trimmed, a newline, then the hooks */
	char *trimmed = trim_dup(manifest.buf ? manifest.buf : "",
				 manifest.len);
	strbuf_addstr(&out->text, trimmed);
	strbuf_addch(&out->text, '\n');
	free(trimmed);
	strbuf_release(&manifest);
	for (size_t i = 0; i < hooks->nr; i++)
		strbuf_addf(&out->text, "---\n# Source: %s\n%s\n",
			    hooks->v[i].source, hooks->v[i].content);
	struct manifests *lists[] = { crds, generic, hooks };
	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < lists[l]->nr; i++)
			manifest_add(out, &lists[l]->v[i]);
		free(lists[l]->v);
		lists[l]->v = NULL;
		lists[l]->nr = 0;
	}
}

static void manifests_clear(struct manifests *l)
{
	for (size_t i = 0; i < l->nr; i++)
		manifest_clear(&l->v[i]);
	free(l->v);
}

int chart_render(const struct chart *c, const struct tmpl_value *vals,
		 const struct chart_render_opts *o, struct chart_output *out,
		 struct gerr *err)
{
	static const struct chart_render_opts defaults = CHART_RENDER_OPTS_INIT;
	struct rnode *root = NULL;
	struct tmpl_value *coalesced = NULL, *release = NULL, *caps = NULL;
	struct strvec apis = STRVEC_INIT;
	struct rtpls tpls = { 0 };
	struct render rs = { 0 };
	struct manifests crds = { 0 }, generic = { 0 }, hooks = { 0 };
	char *notes = NULL;
	int rc = -1;

	if (!o)
		o = &defaults;
	if (*c->type && strcmp(c->type, "application")) {
		gerr_setc(err, GERR_INPUT, "%s charts are not installable",
			  c->type);
		return -1;
	}
	if (check_dependencies(c, err) < 0)
		return -1;

	root = rnode_new(c, NULL);
	if (chart_process_dependencies(root, vals, err) < 0)
		goto out;

	const char *kv = o->kube_version ? o->kube_version
					 : CHART_DEFAULT_KUBE_VERSION;
	char *kversion, *kmajor, *kminor;
	if (chart_kube_version_parse(kv, &kversion, &kmajor, &kminor,
				     err) < 0) {
		gerr_prefix(err, "invalid kube version '%s'", kv);
		goto out;
	}
	free(kmajor);
	free(kminor);
	if (!o->api_versions_only)
		chart_default_api_versions(&apis);
	for (size_t i = 0; i < o->napi_versions; i++)
		strvec_push(&apis, o->api_versions[i]);
	caps = chart_obj_capabilities(kv, &apis);

	/* ToRenderValues */
	coalesced = chart_coalesce(root, vals, 0, err);
	if (!coalesced) {
		free(kversion);
		goto out;
	}
	struct strbuf report = STRBUF_INIT;
	if (check_schemas(root, coalesced, &report, err) < 0) {
		strbuf_release(&report);
		free(kversion);
		goto out;
	}
	if (report.len) {
		gerr_setc(err, GERR_INPUT, "values don't meet the specifications "
			  "of the schema(s) in the following chart(s):\n%s",
			  report.buf);
		strbuf_release(&report);
		free(kversion);
		goto out;
	}
	strbuf_release(&report);
	chart_obj_values(coalesced);

	if (*c->kube_version &&
	    !chart_compatible_range(c->kube_version, kversion)) {
		gerr_setc(err, GERR_INPUT, "chart requires kubeVersion: %s which "
			  "is incompatible with Kubernetes %s", c->kube_version,
			  kversion);
		free(kversion);
		goto out;
	}
	free(kversion);

	if (!(rs.funcs = make_funcs(err)))
		goto out;
	release = release_map(o);
	tmpl_unref(collect(root, NULL, release, caps, coalesced, &tpls));
	if (run_engine(&tpls, &rs, &notes, root->name, err) < 0)
		goto out;

	if (sort_manifests(&tpls, o->skip_tests, &generic, &hooks, err) < 0)
		goto out;
	if (o->include_crds)
		crd_objects(root, &crds);
	write_output(out, &crds, &generic, &hooks);
	out->notes = notes;
	notes = NULL;
	if (o->nshow_only) {
		struct manifests all = { out->v, out->nr, out->alloc };
		out->v = NULL;
		out->nr = out->alloc = 0;
		/* helm matches --show-only against what it printed, hooks
		 * included, in the printed order */
		rc = show_only(out, &all, o->show_only, o->nshow_only, err);
		manifests_clear(&all);
		if (rc < 0) {
			chart_output_release(out);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0 && !err->code)
		err->code = GERR_INPUT;
	free(notes);
	manifests_clear(&crds);
	manifests_clear(&generic);
	manifests_clear(&hooks);
	for (size_t i = 0; i < tpls.nr; i++) {
		free(tpls.v[i].name);
		free(tpls.v[i].base_path);
		free(tpls.v[i].rendered);
		tmpl_unref(tpls.v[i].dot);
	}
	free(tpls.v);
	/* the top maps refer to each other through Subcharts only
	 * downwards, so dropping the templates' references frees them */
	tmpl_funcs_free(rs.funcs);
	strvec_clear(&rs.inc_names);
	free(rs.inc_counts);
	tmpl_unref(release);
	tmpl_unref(caps);
	tmpl_unref(coalesced);
	strvec_clear(&apis);
	rnode_free(root);
	return rc;
}

int chart_output_objects(const struct chart_output *out,
			 struct obj_list *objs, struct gerr *err)
{
	for (size_t i = 0; i < out->nr; i++) {
		const struct chart_manifest *m = &out->v[i];
		struct yaml_docs docs = YAML_DOCS_INIT;
		if (yaml_parse_manifests(m->content, strlen(m->content),
					 m->source, &docs, err) < 0) {
			yaml_docs_clear(&docs);
			return -1;
		}
		if (obj_list_take_docs(objs, &docs, err) < 0) {
			yaml_docs_clear(&docs);
			return -1;
		}
		yaml_docs_clear(&docs);
	}
	return 0;
}

void chart_output_release(struct chart_output *out)
{
	strbuf_release(&out->text);
	for (size_t i = 0; i < out->nr; i++)
		manifest_clear(&out->v[i]);
	free(out->v);
	free(out->notes);
	out->v = NULL;
	out->nr = out->alloc = 0;
	out->notes = NULL;
}
