/*
 * Building one kustomization, in kustomize's order:
 *
 *   resources (and bases)      files are read, directories built on their
 *                              own and their result appended
 *   configurations             extra field specs for the transformers
 *   components                 run on this kustomization's resources
 *   generators                 configMapGenerator, secretGenerator,
 *                              then `generators:`
 *   transformers               patchesStrategicMerge, patches, namespace,
 *                              namePrefix, nameSuffix, labels,
 *                              commonLabels, commonAnnotations,
 *                              patchesJson6902, replicas, images,
 *                              replacements, then `transformers:`
 *   vars                       collected, resolved at the very end
 *
 * and, for the top kustomization only: hash suffixes on generated names,
 * name references updated to the final names, vars resolved, and the
 * output order.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"

void kacc_init(struct kacc *a)
{
	memset(a, 0, sizeof(*a));
	tconfig_init_defaults(&a->cfg);
}

void kacc_clear(struct kacc *a)
{
	kresmap_clear(&a->res);
	tconfig_clear(&a->cfg);
	for (size_t i = 0; i < a->nr_vars; i++) {
		struct kvar *v = &a->vars[i];
		free(v->name);
		free(v->group);
		free(v->version);
		free(v->kind);
		free(v->obj_name);
		free(v->obj_ns);
		free(v->fieldpath);
		free(v->file);
	}
	free(a->vars);
	memset(a, 0, sizeof(*a));
}

void kbuild_warn(struct kbuild *b, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strvec_push(&b->warnings, sb.buf);
	strbuf_release(&sb);
}

static const char *kstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int append_all(struct kacc *dst, struct kresmap *src, struct gerr *err)
{
	return kresmap_append_all(&dst->res, src, err);
}

static int accumulate(struct kust *kt, struct kacc *acc, struct gerr *err);

/* Enter the kustomization in dir: load it and refuse cycles. */
static int enter(struct kbuild *b, const char *dir, struct kust *kt,
		 struct gerr *err)
{
	if (kust_load(kt, b, dir, err) < 0)
		return -1;
	for (size_t i = 0; i < b->stack.nr; i++) {
		if (strcmp(b->stack.v[i], kt->dir_real))
			continue;
		struct strbuf chain = STRBUF_INIT;
		for (size_t k = i; k < b->shown.nr; k++)
			strbuf_addf(&chain, "%s -> ", b->shown.v[k]);
		strbuf_addstr(&chain, kt->dir);
		gerr_setc(err, GERR_INPUT,
			  "%s: a cycle of kustomizations: %s", kt->file,
			  chain.buf);
		strbuf_release(&chain);
		return -1;
	}
	if (!b->opt->load_restrictor_none && b->root_real) {
		size_t n = strlen(b->root_real);
		if (strcmp(b->root_real, "/") &&
		    (strncmp(kt->dir_real, b->root_real, n) ||
		     (kt->dir_real[n] && kt->dir_real[n] != '/')))
			return gerr_setc(err, GERR_INPUT,
					 "%s is outside the repository root "
					 "%s (--load-restrictor none lifts "
					 "this)",
					 kt->dir, b->opt->root);
	}
	strvec_push(&b->stack, kt->dir_real);
	strvec_push(&b->shown, kt->dir);
	return 0;
}

static void leave(struct kbuild *b)
{
	free(b->stack.v[--b->stack.nr]);
	b->stack.v[b->stack.nr] = NULL;
	free(b->shown.v[--b->shown.nr]);
	b->shown.v[b->shown.nr] = NULL;
}

static int is_dir(const struct kust *kt, const char *path)
{
	return kfs_is(kt->b->src, path, SOURCE_DIR);
}

/* A directory named in resources or components: build it. */
static int accumulate_dir(struct kust *kt, struct kacc *acc, const char *rel,
			  const char *ptr, int component, struct gerr *err)
{
	char *dir = kpath_join(kt->dir, rel);
	struct kust sub;
	int rc = -1;

	if (!kust_file_name(kt->b->src, dir)) {
		kust_fail(kt, ptr, err,
			  "%s is a directory without a kustomization.yaml",
			  dir);
		free(dir);
		return -1;
	}
	if (kload_outside_root(kt, rel)) {
		kust_fail(kt, ptr, err,
			  "%s is outside the repository root %s "
			  "(--load-restrictor none lifts this)",
			  dir, kt->b->opt->root);
		free(dir);
		return -1;
	}
	if (enter(kt->b, dir, &sub, err) < 0) {
		kust_release(&sub);
		free(dir);
		return -1;
	}
	if (component && !sub.is_component) {
		kust_fail(kt, ptr, err, "%s is a Kustomization; components "
			  "must have kind: Component", sub.file);
		goto out;
	}
	if (!component && sub.is_component) {
		kust_fail(kt, ptr, err, "%s is a Component; list it under "
			  "components, not resources", sub.file);
		goto out;
	}
	if (component) {
		/* a component works on the resources accumulated so far */
		rc = accumulate(&sub, acc, err);
	} else {
		struct kacc subacc;
		kacc_init(&subacc);
		rc = accumulate(&sub, &subacc, err);
		if (!rc)
			rc = append_all(acc, &subacc.res, err);
		if (!rc)
			rc = tconfig_merge(&acc->cfg, &subacc.cfg, err);
		if (!rc)
			rc = kvars_merge(acc, &subacc, err);
		kacc_clear(&subacc);
	}
out:
	leave(kt->b);
	kust_release(&sub);
	free(dir);
	return rc;
}

static int accumulate_file(struct kust *kt, struct kacc *acc, const char *rel,
			   const char *ptr, struct gerr *err)
{
	size_t len;
	char *shown;
	char *buf = kload_read(kt, rel, ptr, &len, &shown, err);
	struct kresmap got = KRESMAP_INIT;
	int rc = -1;

	if (buf && kload_parse_resources(buf, len, shown, &got, err) == 0)
		rc = append_all(acc, &got, err);
	kresmap_clear(&got);
	free(buf);
	free(shown);
	return rc;
}

static int accumulate_resources(struct kust *kt, struct kacc *acc,
				const char *field, struct gerr *err)
{
	const json_t *list = json_object_get(kt->k, field);
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/%s/%zu", field, i);
		const char *rel = json_string_value(e);
		if (!rel || !*rel)
			return kust_fail(kt, ptr, err, "empty resource path");
		char *abs = kpath_join(kt->dir_real, rel);
		int dir = is_dir(kt, abs);
		free(abs);
		int rc = dir ? accumulate_dir(kt, acc, rel, ptr, 0, err)
			     : accumulate_file(kt, acc, rel, ptr, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int accumulate_components(struct kust *kt, struct kacc *acc,
				 struct gerr *err)
{
	const json_t *list = json_object_get(kt->k, "components");
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/components/%zu", i);
		const char *rel = json_string_value(e);
		char *abs = kpath_join(kt->dir_real, rel ? rel : "");
		int dir = rel && *rel && is_dir(kt, abs);
		free(abs);
		if (!dir) {
			if (rel && kload_is_remote(rel))
				return kust_fail(kt, ptr, err,
						 "%s is a remote component; "
						 "gantry reads only files in "
						 "the repository", rel);
			return kust_fail(kt, ptr, err,
					 "component %s: not a directory "
					 "holding a kustomization",
					 rel ? rel : "");
		}
		if (accumulate_dir(kt, acc, rel, ptr, 1, err) < 0)
			return -1;
	}
	return 0;
}

static int load_configurations(struct kust *kt, struct kacc *acc,
			       struct gerr *err)
{
	const json_t *list = json_object_get(kt->k, "configurations");
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		char ptr[64];
		size_t len;
		char *shown;
		snprintf(ptr, sizeof(ptr), "/configurations/%zu", i);
		char *buf = kload_read(kt, json_string_value(e), ptr, &len,
				       &shown, err);
		if (!buf) {
			free(shown);
			return -1;
		}
		json_t *cfg = yaml_parse_value(buf, len, shown, err);
		free(buf);
		int rc = cfg ? tconfig_merge_json(&acc->cfg, cfg, shown, err)
			     : -1;
		json_decref(cfg);
		free(shown);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int run_generators(struct kust *kt, struct kacc *acc, struct gerr *err)
{
	const json_t *opts = json_object_get(kt->k, "generatorOptions");
	const char *fields[] = { "configMapGenerator", "secretGenerator" };
	for (int s = 0; s < 2; s++) {
		const json_t *list = json_object_get(kt->k, fields[s]);
		size_t i;
		const json_t *e;
		json_array_foreach(list, i, e) {
			char ptr[64];
			snprintf(ptr, sizeof(ptr), "/%s/%zu", fields[s], i);
			if (kgen_run(kt, e, s, opts, ptr, acc, err) < 0)
				return -1;
		}
	}
	return kplugin_run(kt, acc, "generators", err);
}

static int nonempty(const json_t *v)
{
	return v && !json_is_null(v) &&
	       ((json_is_array(v) && json_array_size(v)) ||
		(json_is_object(v) && json_object_size(v)) ||
		(json_is_string(v) && json_string_length(v)));
}

/* The `labels:` entries: each with its own field specs. */
static int run_labels(struct kust *kt, struct kacc *acc, struct gerr *err)
{
	const json_t *list = json_object_get(kt->k, "labels");
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		struct fspecs fs = { 0 };
		char where[64];
		int rc;
		snprintf(where, sizeof(where), "labels[%zu].fields", i);
		rc = fspecs_from_json(&fs, json_object_get(e, "fields"), where,
				      err);
		if (!rc && json_is_true(json_object_get(e, "includeSelectors"))) {
			rc = fspecs_merge(&fs, &acc->cfg.common_labels, err);
		} else if (!rc) {
			struct fspecs md = { 0 };
			fspecs_add(&md, "", "", "", "metadata/labels", 1);
			rc = fspecs_merge(&fs, &md, err);
			fspecs_clear(&md);
			if (!rc && json_is_true(json_object_get(e, "includeTemplates")))
				rc = fspecs_merge(&fs, &acc->cfg.template_labels,
						  err);
		}
		if (!rc)
			rc = kx_labels(acc, json_object_get(e, "pairs"), &fs, err);
		fspecs_clear(&fs);
		if (rc < 0) {
			struct strbuf w = STRBUF_INIT;
			char ptr[32];
			snprintf(ptr, sizeof(ptr), "/labels/%zu", i);
			kust_where(kt, ptr, &w);
			gerr_prefix(err, "%s: labels", w.buf);
			strbuf_release(&w);
			return -1;
		}
	}
	return 0;
}

static int at_field(struct kust *kt, const char *ptr, struct gerr *err)
{
	struct strbuf w = STRBUF_INIT, f = STRBUF_INIT;
	kust_where(kt, ptr, &w);
	kust_ptr_text(ptr, &f);
	gerr_prefix(err, "%s: %s", w.buf, f.buf);
	strbuf_release(&w);
	strbuf_release(&f);
	return -1;
}

static int run_transformers(struct kust *kt, struct kacc *acc,
			    struct gerr *err)
{
	const json_t *k = kt->k;
	const json_t *list, *e;
	size_t i;

	if (nonempty(json_object_get(k, "patchesStrategicMerge")) &&
	    kpatch_strategic_list(kt, acc,
				  json_object_get(k, "patchesStrategicMerge"),
				  err) < 0)
		return -1;
	list = json_object_get(k, "patches");
	json_array_foreach(list, i, e) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/patches/%zu", i);
		if (kpatch_entry(kt, acc, e, ptr, 0, err) < 0)
			return -1;
	}
	if (*kstr(k, "namespace") &&
	    kx_namespace(acc, kstr(k, "namespace"), &acc->cfg.ns,
			 "defaultOnly", 0, err) < 0)
		return at_field(kt, "/namespace", err);
	if (*kstr(k, "namePrefix") &&
	    kx_prefix_suffix(acc, kstr(k, "namePrefix"), "", &acc->cfg.prefix,
			     err) < 0)
		return at_field(kt, "/namePrefix", err);
	if (*kstr(k, "nameSuffix") &&
	    kx_prefix_suffix(acc, "", kstr(k, "nameSuffix"), &acc->cfg.suffix,
			     err) < 0)
		return at_field(kt, "/nameSuffix", err);
	if (run_labels(kt, acc, err) < 0)
		return -1;
	if (nonempty(json_object_get(k, "commonLabels")) &&
	    kx_labels(acc, json_object_get(k, "commonLabels"),
		      &acc->cfg.common_labels, err) < 0)
		return at_field(kt, "/commonLabels", err);
	if (nonempty(json_object_get(k, "commonAnnotations")) &&
	    kx_labels(acc, json_object_get(k, "commonAnnotations"),
		      &acc->cfg.common_annotations, err) < 0)
		return at_field(kt, "/commonAnnotations", err);
	list = json_object_get(k, "patchesJson6902");
	json_array_foreach(list, i, e) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/patchesJson6902/%zu", i);
		if (kpatch_entry(kt, acc, e, ptr, 1, err) < 0)
			return -1;
	}
	list = json_object_get(k, "replicas");
	json_array_foreach(list, i, e) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/replicas/%zu", i);
		const json_t *count = json_object_get(e, "count");
		if (kx_replicas(acc, kstr(e, "name"),
				json_is_integer(count) ? json_integer_value(count) : 0,
				&acc->cfg.replicas, err) < 0)
			return at_field(kt, ptr, err);
	}
	const char *imgfields[] = { "images", "imageTags" };
	for (int f = 0; f < 2; f++) {
		list = json_object_get(k, imgfields[f]);
		size_t n = json_array_size(list), bad = 0;
		if (!n)
			continue;
		const json_t **imgs = xmalloc(n * sizeof(*imgs));
		for (i = 0; i < n; i++)
			imgs[i] = json_array_get(list, i);
		int rc = kx_images(acc, imgs, n, &acc->cfg.images, &bad, err);
		free(imgs);
		if (rc < 0) {
			char ptr[64];
			snprintf(ptr, sizeof(ptr), "/%s/%zu", imgfields[f], bad);
			return at_field(kt, ptr, err);
		}
	}
	list = json_object_get(k, "replacements");
	json_array_foreach(list, i, e) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/replacements/%zu", i);
		if (kreplace_run(kt, acc, e, ptr, err) < 0)
			return -1;
	}
	return kplugin_run(kt, acc, "transformers", err);
}

/* Fields gantry recognises but cannot honour: a clear error each. */
static int refuse_unsupported(struct kust *kt, struct gerr *err)
{
	static const struct {
		const char *field, *why;
	} no[] = {
		{ "helmCharts", "Helm charts inside a kustomization need "
				"kustomize --enable-helm and a download; use "
				"a chart source in the app spec instead" },
		{ "helmChartInflationGenerator",
		  "Helm charts inside a kustomization are not supported; use "
		  "a chart source in the app spec instead" },
		{ "helmGlobals", "Helm charts inside a kustomization are not "
				 "supported; use a chart source in the app "
				 "spec instead" },
		{ "crds", "crds (OpenAPI definitions of custom resources for "
			  "name references) are not supported; describe the "
			  "fields with configurations: instead" },
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
		if (nonempty(json_object_get(kt->k, no[i].field))) {
			char ptr[64];
			snprintf(ptr, sizeof(ptr), "/%s", no[i].field);
			return kust_fail(kt, ptr, err, "%s", no[i].why);
		}
	}
	const json_t *bm = json_object_get(kt->k, "buildMetadata");
	size_t i;
	const json_t *e;
	json_array_foreach(bm, i, e) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/buildMetadata/%zu", i);
		const char *s = json_string_value(e);
		if (!s || (strcmp(s, "originAnnotations") &&
			   strcmp(s, "transformerAnnotations") &&
			   strcmp(s, "managedByLabel")))
			return kust_fail(kt, ptr, err,
					 "buildMetadata: unknown option %s "
					 "(kustomize knows originAnnotations, "
					 "transformerAnnotations and "
					 "managedByLabel)", s ? s : "null");
		if (strcmp(s, "managedByLabel"))
			return kust_fail(kt, ptr, err,
					 "buildMetadata: %s is not supported "
					 "by gantry (only managedByLabel is)",
					 s);
	}
	return 0;
}

static int accumulate(struct kust *kt, struct kacc *acc, struct gerr *err)
{
	if (refuse_unsupported(kt, err) < 0 ||
	    kpatch_load_schema(kt, err) < 0 ||
	    accumulate_resources(kt, acc, "resources", err) < 0 ||
	    accumulate_resources(kt, acc, "bases", err) < 0 ||
	    load_configurations(kt, acc, err) < 0 ||
	    accumulate_components(kt, acc, err) < 0 ||
	    run_generators(kt, acc, err) < 0 ||
	    run_transformers(kt, acc, err) < 0 ||
	    kplugin_run(kt, acc, "validators", err) < 0 ||
	    kvars_add(acc, json_object_get(kt->k, "vars"), kt, err) < 0)
		return -1;
	return 0;
}

/* The last steps, for the top kustomization only. */
static int add_hashes(struct kacc *acc)
{
	for (size_t i = 0; i < acc->res.nr; i++) {
		struct kres *r = acc->res.v[i];
		if (!r->needs_hash)
			continue;
		char h[11];
		khash_object(r->obj, h);
		kres_store_prev(r);
		char *name = xasprintf("%s-%s", kres_name(r), h);
		kres_set_name(r, name);
		free(name);
		r->needs_hash = 0;
	}
	return 0;
}

static int managed_by(struct kust *top, struct kacc *acc)
{
	const json_t *bm = json_object_get(top->k, "buildMetadata");
	size_t i;
	const json_t *e;
	json_array_foreach(bm, i, e) {
		if (strcmp(json_string_value(e), "managedByLabel"))
			continue;
		for (size_t k = 0; k < acc->res.nr; k++) {
			json_t *md = json_object_get(acc->res.v[k]->obj,
						     "metadata");
			json_t *l = json_object_get(md, "labels");
			if (!json_is_object(l)) {
				l = json_object();
				json_object_set_new(md, "labels", l);
			}
			/* the value kubectl kustomize (v1.32) writes: its
			 * embedded kustomize knows no version of its own */
			json_object_set_new(l, "app.kubernetes.io/managed-by",
					    json_string("kustomize-(devel)"));
		}
	}
	return 0;
}

static int finish(struct kust *top, struct kacc *acc, struct gerr *err)
{
	if (add_hashes(acc) < 0 || knameref_fix(acc, err) < 0 ||
	    kvars_resolve(acc, err) < 0 || managed_by(top, acc) < 0 ||
	    ksort(top, acc, err) < 0)
		return -1;
	return 0;
}

int kbuild_sub(struct kbuild *b, const char *dir, struct kacc *acc,
	       struct gerr *err)
{
	struct kust sub;
	int rc = -1;
	kacc_init(acc);
	if (enter(b, dir, &sub, err) < 0) {
		kust_release(&sub);
		return -1;
	}
	rc = accumulate(&sub, acc, err);
	leave(b);
	kust_release(&sub);
	return rc;
}

int kbuild_run(struct kbuild *b, const char *dir, const struct kresmap *input,
	       struct kacc *acc, struct gerr *err)
{
	struct kust top;
	int rc = -1;

	kacc_init(acc);
	if (enter(b, dir, &top, err) < 0) {
		kust_release(&top);
		return -1;
	}
	struct kresmap in = KRESMAP_INIT;
	for (size_t i = 0; input && i < input->nr; i++)
		kresmap_push(&in, kres_dup(input->v[i]));
	int dup = kresmap_append_all(&acc->res, &in, err);
	kresmap_clear(&in);
	if (dup < 0)
		goto out;
	if (accumulate(&top, acc, err) < 0 || finish(&top, acc, err) < 0)
		goto out;
	rc = 0;
out:
	leave(b);
	kust_release(&top);
	return rc;
}
