/*
 * pkg/kube: discovery and REST mapping.
 *
 * What the server serves is kept as it came ("raw": the group list and
 * each group version's APIResourceList), which is also what the cache
 * file holds, and indexed into struct kube_resource entries whose strings
 * point into raw. Loading fetches every group version concurrently.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/kube/internal.h"

#define CACHE_FORMAT 1
/* a missing kind refreshes discovery at most this often (unless the data
 * came from the disk cache, which is refreshed at once) */
#define MISS_REFRESH_MS 10000

struct kube_disc {
	json_t *raw;          /* {"groups": [...], "lists": {"g/v": {...}}} */
	struct kube_resource *res;
	struct kube_resource **ptrs;
	size_t nr;
	double loaded_ms;
	int from_cache;
};

void kube_disc_free(struct kube_disc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nr; i++) {
		free((void *)d->res[i].verbs);
		free((void *)d->res[i].short_names);
	}
	free(d->res);
	free(d->ptrs);
	json_decref(d->raw);
	free(d);
}

char *kube_server_dirname(const char *server)
{
	const char *p = strstr(server, "://");
	struct strbuf sb = STRBUF_INIT;

	for (p = p ? p + 3 : server; *p; p++) {
		char ch = *p;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
		strbuf_addch(&sb, ok ? ch : '_');
	}
	return strbuf_detach(&sb, NULL);
}

/* ---- building the index from raw ---- */

static const char **string_array(json_t *arr)
{
	size_t n = json_array_size(arr), k = 0;
	const char **v = xcalloc(n + 1, sizeof(*v));
	json_t *item;
	size_t i;

	json_array_foreach(arr, i, item)
		if (json_is_string(item))
			v[k++] = json_string_value(item);
	return v;
}

static void split_gv(const char *gv, char *group, size_t gsize,
		     const char **version)
{
	const char *slash = strchr(gv, '/');
	if (slash) {
		snprintf(group, gsize, "%.*s", (int)(slash - gv), gv);
		*version = slash + 1;
	} else {
		group[0] = 0;
		*version = gv;
	}
}

static void index_raw(struct kube_disc *d)
{
	json_t *groups = json_object_get(d->raw, "groups"), *g, *ver;
	json_t *lists = json_object_get(d->raw, "lists");
	size_t i, j, k, alloc = 0;

	json_array_foreach(groups, i, g) {
		const char *gname = json_string_value(json_object_get(g, "name"));
		const char *pref = json_string_value(
			json_object_get(g, "preferredVersion"));
		json_array_foreach(json_object_get(g, "versions"), j, ver) {
			const char *gv = json_string_value(ver);
			json_t *list = json_object_get(lists, gv ? gv : ""), *r;
			json_t *resources = json_object_get(list, "resources");
			const char *version;
			char grp[256];
			if (!gv || !list)
				continue;
			split_gv(gv, grp, sizeof(grp), &version);
			/* point at strings that live in raw, not in grp */
			json_array_foreach(resources, k, r) {
				const char *name = json_string_value(
					json_object_get(r, "name"));
				const char *kind = json_string_value(
					json_object_get(r, "kind"));
				struct kube_resource *e;
				if (!name || !kind || strchr(name, '/'))
					continue;
				ALLOC_GROW(d->res, d->nr + 1, alloc);
				e = &d->res[d->nr++];
				memset(e, 0, sizeof(*e));
				e->group = gname ? gname : "";
				e->version = version;
				e->kind = kind;
				e->name = name;
				e->singular = json_string_value(
					json_object_get(r, "singularName"));
				if (!e->singular)
					e->singular = "";
				e->namespaced = json_is_true(
					json_object_get(r, "namespaced"));
				e->preferred = pref && !strcmp(pref, version);
				e->verbs = string_array(json_object_get(r, "verbs"));
				e->short_names = string_array(
					json_object_get(r, "shortNames"));
			}
			/* subresources: NAME/status */
			json_array_foreach(resources, k, r) {
				const char *name = json_string_value(
					json_object_get(r, "name"));
				const char *slash = name ? strchr(name, '/') : NULL;
				if (!slash || strcmp(slash, "/status"))
					continue;
				for (size_t m = 0; m < d->nr; m++)
					if (!strncmp(d->res[m].name, name,
						     (size_t)(slash - name)) &&
					    !d->res[m].name[slash - name] &&
					    d->res[m].version == version &&
					    !strcmp(d->res[m].group, gname ? gname : ""))
						d->res[m].has_status = 1;
			}
		}
	}
	d->ptrs = xcalloc(d->nr + 1, sizeof(*d->ptrs));
	for (size_t m = 0; m < d->nr; m++)
		d->ptrs[m] = &d->res[m];
}

static struct kube_disc *disc_from(json_t *raw, int from_cache)
{
	struct kube_disc *d = xcalloc(1, sizeof(*d));
	d->raw = raw;
	d->from_cache = from_cache;
	d->loaded_ms = kube_now_ms();
	index_raw(d);
	return d;
}

/* ---- the cache file ---- */

static char *cache_file(struct kube_client *c)
{
	char *dir, *f;
	if (!c->cache_dir)
		return NULL;
	dir = kube_server_dirname(c->cfg->server);
	f = xasprintf("%s/%s/discovery.json", c->cache_dir, dir);
	free(dir);
	return f;
}

static json_t *cache_load(struct kube_client *c)
{
	char *f = cache_file(c);
	json_t *doc, *raw = NULL;
	json_int_t at;

	if (!f)
		return NULL;
	doc = json_load_file(f, 0, NULL);
	at = json_integer_value(json_object_get(doc, "fetchedAt"));
	if (!doc) {
		kube_log(c, 4, "discovery cache %s: none", f);
	} else if (json_integer_value(json_object_get(doc, "format")) !=
			   CACHE_FORMAT ||
		   strcmp(json_string_value(json_object_get(doc, "server")) ?
			  json_string_value(json_object_get(doc, "server")) : "",
			  c->cfg->server)) {
		kube_log(c, 4, "discovery cache %s: not ours, ignored", f);
	} else if ((json_int_t)time(NULL) - at >= c->opts.discovery_ttl_s ||
		   at > (json_int_t)time(NULL) + 60) {
		kube_log(c, 4, "discovery cache %s: older than %ld s, ignored",
			 f, c->opts.discovery_ttl_s);
	} else if (json_is_array(json_object_get(doc, "groups")) &&
		   json_is_object(json_object_get(doc, "lists"))) {
		kube_log(c, 4, "discovery cache %s: used", f);
		raw = json_pack("{s:O, s:O}", "groups",
				json_object_get(doc, "groups"), "lists",
				json_object_get(doc, "lists"));
	}
	json_decref(doc);
	free(f);
	return raw;
}

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static atomic_uint cache_seq;

static void cache_save(struct kube_client *c, json_t *raw)
{
	char *f = cache_file(c), *tmp;
	json_t *doc;

	if (!f)
		return;
	/* clients of one process may save at once (pkg/deploy runs apps in
	 * threads): the counter keeps their temporary files apart */
	tmp = xasprintf("%s.%ld.%u.tmp", f, (long)getpid(),
			atomic_fetch_add(&cache_seq, 1u));
	doc = json_pack("{s:i, s:s, s:I, s:O, s:O}", "format", CACHE_FORMAT,
			"server", c->cfg->server, "fetchedAt",
			(json_int_t)time(NULL), "groups",
			json_object_get(raw, "groups"), "lists",
			json_object_get(raw, "lists"));
	/* a cache that cannot be written only costs time: say so at -v 4 */
	if (mkdirs(tmp) < 0 || json_dump_file(doc, tmp, JSON_COMPACT) < 0 ||
	    rename(tmp, f) < 0) {
		kube_log(c, 4, "discovery cache %s: cannot write it: %s", f,
			 strerror(errno));
		unlink(tmp);
	}
	json_decref(doc);
	free(tmp);
	free(f);
}

/* ---- fetching ---- */

struct fetch {
	json_t *groups, *lists;
	int outstanding, partial;
	struct gerr err;
};

static void got_list(struct kube_client *c, const struct kube_response *r,
		     void *data)
{
	struct fetch *f = data;
	const char *gv = r->path + (strncmp(r->path, "/apis/", 6) ? 5 : 6);

	f->outstanding--;
	if (gerr_failed(&r->err) || !json_is_object(r->body)) {
		/* as kubectl: one broken API (an aggregated server that is
		 * down) does not stop the others */
		kube_log(c, 0, "warning: discovery of %s failed: %s", gv,
			 gerr_failed(&r->err) ? gerr_msg(&r->err)
					      : "not a JSON object");
		f->partial = 1;
		return;
	}
	json_object_set(f->lists, gv, r->body);
}

static void fetch_list(struct kube_client *c, struct fetch *f,
		       const char *gv)
{
	char *path = strchr(gv, '/') ? xasprintf("/apis/%s", gv)
				     : xasprintf("/api/%s", gv);
	f->outstanding++;
	kube_submit(c, &(struct kube_request){ .method = "GET", .path = path,
					       .done = got_list, .data = f });
	free(path);
}

static void got_api(struct kube_client *c, const struct kube_response *r,
		    void *data)
{
	struct fetch *f = data;
	json_t *versions = json_object_get(r->body, "versions"), *v, *g;
	size_t i;

	f->outstanding--;
	if (gerr_failed(&r->err)) {
		if (!gerr_failed(&f->err))
			gerr_setc(&f->err, r->err.code, "%s", gerr_msg(&r->err));
		return;
	}
	g = json_pack("{s:s, s:[]}", "name", "", "versions");
	json_array_foreach(versions, i, v) {
		if (!json_is_string(v))
			continue;
		if (i == 0)
			json_object_set(g, "preferredVersion", v);
		json_array_append(json_object_get(g, "versions"), v);
		fetch_list(c, f, json_string_value(v));
	}
	/* the core group comes first, as kubectl lists it */
	json_array_insert_new(f->groups, 0, g);
}

static void got_apis(struct kube_client *c, const struct kube_response *r,
		     void *data)
{
	struct fetch *f = data;
	json_t *groups = json_object_get(r->body, "groups"), *g, *v;
	size_t i, j;

	f->outstanding--;
	if (gerr_failed(&r->err)) {
		if (!gerr_failed(&f->err))
			gerr_setc(&f->err, r->err.code, "%s", gerr_msg(&r->err));
		return;
	}
	json_array_foreach(groups, i, g) {
		const char *name = json_string_value(json_object_get(g, "name"));
		const char *pref = json_string_value(json_object_get(
			json_object_get(g, "preferredVersion"), "version"));
		json_t *out;
		if (!name)
			continue;
		out = json_pack("{s:s, s:[]}", "name", name, "versions");
		if (pref)
			json_object_set_new(out, "preferredVersion",
					    json_string(pref));
		json_array_foreach(json_object_get(g, "versions"), j, v) {
			const char *gv = json_string_value(
				json_object_get(v, "groupVersion"));
			if (!gv)
				continue;
			json_array_append_new(json_object_get(out, "versions"),
					      json_string(gv));
			fetch_list(c, f, gv);
		}
		json_array_append_new(f->groups, out);
	}
}

static json_t *fetch_all(struct kube_client *c, int *partial,
			 struct gerr *err)
{
	struct fetch f = { json_array(), json_object(), 2, 0, GERR_INIT };

	kube_submit(c, &(struct kube_request){ .method = "GET", .path = "/api",
					       .done = got_api, .data = &f });
	kube_submit(c, &(struct kube_request){ .method = "GET", .path = "/apis",
					       .done = got_apis, .data = &f });
	while (f.outstanding > 0)
		kube_poll(c, 1000);
	if (gerr_failed(&f.err)) {
		gerr_move(err, &f.err);
		gerr_prefix(err, "discovery");
		json_decref(f.groups);
		json_decref(f.lists);
		return NULL;
	}
	/* the core group's entry stands first; the names are versions
	 * ("v1"), which is also its group version */
	*partial = f.partial;
	return json_pack("{s:o, s:o}", "groups", f.groups, "lists", f.lists);
}

int kube_discovery_refresh(struct kube_client *c, struct gerr *err)
{
	int partial = 0;
	json_t *raw = fetch_all(c, &partial, err);

	if (!raw)
		return -1;
	if (!partial)
		cache_save(c, raw);
	kube_disc_free(c->disc);
	c->disc = disc_from(raw, 0);
	return 0;
}

int kube_discover(struct kube_client *c, struct gerr *err)
{
	json_t *raw;

	if (c->disc && kube_now_ms() - c->disc->loaded_ms <
			       c->opts.discovery_ttl_s * 1000.0)
		return 0;
	if (!c->disc && (raw = cache_load(c))) {
		c->disc = disc_from(raw, 1);
		return 0;
	}
	return kube_discovery_refresh(c, err);
}

/* ---- lookups ---- */

static const struct kube_resource *find(struct kube_disc *d,
					const char *group,
					const char *version, const char *kind)
{
	const struct kube_resource *first = NULL;

	for (size_t i = 0; i < d->nr; i++) {
		const struct kube_resource *r = &d->res[i];
		if (strcmp(r->kind, kind) || strcmp(r->group, group))
			continue;
		if (version && !strcmp(r->version, version))
			return r;
		if (!version && r->preferred)
			return r;
		if (!version && !first)
			first = r;
	}
	return first;
}

static const struct kube_resource *lookup(struct kube_client *c,
					  const char *group,
					  const char *version,
					  const char *kind, struct gerr *err)
{
	const struct kube_resource *r;

	if (kube_discover(c, err) < 0)
		return NULL;
	if ((r = find(c->disc, group, version, kind)))
		return r;
	if (c->disc->from_cache ||
	    kube_now_ms() - c->disc->loaded_ms > MISS_REFRESH_MS) {
		kube_log(c, 4, "kind %s not in discovery: refreshing it", kind);
		if (kube_discovery_refresh(c, err) < 0)
			return NULL;
		if ((r = find(c->disc, group, version, kind)))
			return r;
	}
	if (version)
		gerr_setc(err, GERR_NOT_FOUND,
			  "no kind \"%s\" is served in version \"%s%s%s\" by "
			  "%s (is its CustomResourceDefinition installed?)",
			  kind, group, *group ? "/" : "", version,
			  c->cfg->server);
	else
		gerr_setc(err, GERR_NOT_FOUND,
			  "no kind \"%s\" is served in group \"%s\" by %s (is "
			  "its CustomResourceDefinition installed?)", kind,
			  group, c->cfg->server);
	return NULL;
}

const struct kube_resource *kube_resource_for(struct kube_client *c,
					      const char *api_version,
					      const char *kind,
					      struct gerr *err)
{
	char group[256];
	const char *version;

	if (!api_version || !*api_version || !kind || !*kind) {
		gerr_setc(err, GERR_INPUT, "an object needs apiVersion and kind");
		return NULL;
	}
	split_gv(api_version, group, sizeof(group), &version);
	return lookup(c, group, version, kind, err);
}

const struct kube_resource *kube_resource_for_kind(struct kube_client *c,
						   const char *group,
						   const char *kind,
						   struct gerr *err)
{
	return lookup(c, group ? group : "", NULL, kind, err);
}

const struct kube_resource *const *kube_resources(struct kube_client *c,
						  size_t *n, struct gerr *err)
{
	if (kube_discover(c, err) < 0)
		return NULL;
	*n = c->disc->nr;
	return (const struct kube_resource *const *)c->disc->ptrs;
}

char *kube_resource_path(const struct kube_resource *r, const char *ns,
			 const char *obj_name)
{
	struct strbuf sb = STRBUF_INIT;

	if (*r->group)
		strbuf_addf(&sb, "/apis/%s/%s", r->group, r->version);
	else
		strbuf_addf(&sb, "/api/%s", r->version);
	if (r->namespaced && ns && *ns) {
		strbuf_addstr(&sb, "/namespaces/");
		kube_url_escape(&sb, ns);
	}
	strbuf_addf(&sb, "/%s", r->name);
	if (obj_name) {
		strbuf_addch(&sb, '/');
		kube_url_escape(&sb, obj_name);
	}
	return strbuf_detach(&sb, NULL);
}

char *kube_object_path(struct kube_client *c, const json_t *obj,
		       const char *default_ns, int with_name,
		       struct gerr *err)
{
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const struct kube_resource *r = kube_resource_for(c, api, kind, err);

	if (!r)
		return NULL;
	if (!ns || !*ns)
		ns = default_ns;
	if (r->namespaced && (!ns || !*ns)) {
		gerr_setc(err, GERR_INPUT, "%s \"%s\" is namespaced and has no "
			  "namespace", kind, name ? name : "");
		return NULL;
	}
	if (with_name && (!name || !*name)) {
		gerr_setc(err, GERR_INPUT, "a %s without metadata.name", kind);
		return NULL;
	}
	return kube_resource_path(r, ns, with_name ? name : NULL);
}
