/*
 * `transformers:` and `generators:`: files or kustomization directories
 * holding configurations of kustomize's builtin plugins (apiVersion:
 * builtin, kind: LabelTransformer, ...), run after the kustomization's own
 * transformers or generators. Anything else is an external plugin, which
 * kustomize refuses without --enable-alpha-plugins and gantry never runs;
 * every validator is one (kustomize has no builtin validators).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/yaml/yaml.h"

static const char *opt(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int fspecs_of(const json_t *cfg, struct fspecs *fs, struct gerr *err)
{
	return fspecs_from_json(fs, json_object_get(cfg, "fieldSpecs"),
				"fieldSpecs", err);
}

static int run_transformer(struct kust *kt, struct kacc *acc,
			   const json_t *cfg, const char *kind,
			   struct gerr *err)
{
	struct fspecs fs = { 0 };
	int rc;

	if (!strcmp(kind, "LabelTransformer") ||
	    !strcmp(kind, "AnnotationsTransformer")) {
		int anno = kind[0] == 'A';
		rc = fspecs_of(cfg, &fs, err);
		if (!rc)
			rc = kx_labels(acc, json_object_get(cfg, anno ? "annotations"
									   : "labels"),
				       &fs, err);
	} else if (!strcmp(kind, "NamespaceTransformer")) {
		const char *ns = opt(json_object_get(cfg, "metadata"), "namespace");
		const char *mode = opt(cfg, "setRoleBindingSubjects");
		rc = fspecs_of(cfg, &fs, err);
		if (!rc && *ns)
			rc = kx_namespace(acc, ns, &fs, *mode ? mode : "defaultOnly",
					  json_is_true(json_object_get(cfg, "unsetOnly")),
					  err);
	} else if (!strcmp(kind, "PrefixSuffixTransformer") ||
		   !strcmp(kind, "PrefixTransformer") ||
		   !strcmp(kind, "SuffixTransformer")) {
		rc = fspecs_of(cfg, &fs, err);
		if (!rc)
			rc = kx_prefix_suffix(acc, opt(cfg, "prefix"),
					      opt(cfg, "suffix"), &fs, err);
	} else if (!strcmp(kind, "ImageTagTransformer")) {
		rc = fspecs_of(cfg, &fs, err);
		if (!rc)
			rc = kx_image(acc, json_object_get(cfg, "imageTag"), &fs,
				      err);
	} else if (!strcmp(kind, "ReplicaCountTransformer")) {
		const json_t *rep = json_object_get(cfg, "replica");
		const json_t *count = json_object_get(rep, "count");
		rc = fspecs_of(cfg, &fs, err);
		if (!rc)
			rc = kx_replicas(acc, opt(rep, "name"),
					 json_is_integer(count)
						 ? json_integer_value(count)
						 : 0,
					 &fs, err);
	} else if (!strcmp(kind, "ValueAddTransformer")) {
		rc = kx_value_add(kt, acc, cfg, err);
	} else if (!strcmp(kind, "ReplacementTransformer")) {
		const json_t *list = json_object_get(cfg, "replacements");
		size_t i;
		const json_t *e;
		rc = 0;
		json_array_foreach(list, i, e)
			if ((rc = kreplace_run(kt, acc, e, "", err)) < 0)
				break;
	} else if (!strcmp(kind, "PatchTransformer")) {
		rc = kpatch_entry(kt, acc, cfg, "", 0, err);
	} else if (!strcmp(kind, "PatchJson6902Transformer")) {
		rc = kpatch_entry(kt, acc, cfg, "", 1, err);
	} else if (!strcmp(kind, "PatchStrategicMergeTransformer")) {
		const json_t *paths = json_object_get(cfg, "paths");
		rc = 0;
		if (json_array_size(paths))
			rc = kpatch_strategic_list(kt, acc, paths, err);
		if (!rc && *opt(cfg, "patches")) {
			json_t *one = json_pack("[s]", opt(cfg, "patches"));
			rc = kpatch_strategic_list(kt, acc, one, err);
			json_decref(one);
		}
	} else if (!strcmp(kind, "HashTransformer")) {
		rc = 0;
	} else {
		rc = gerr_setc(err, GERR_INPUT, "%s is not a builtin "
			       "transformer kustomize has", kind);
	}
	fspecs_clear(&fs);
	return rc;
}

static int run_generator(struct kust *kt, struct kacc *acc, const json_t *cfg,
			 const char *kind, struct gerr *err)
{
	int secret = !strcmp(kind, "SecretGenerator");
	if (!secret && strcmp(kind, "ConfigMapGenerator"))
		return gerr_setc(err, GERR_INPUT, "%s is not a builtin "
				 "generator kustomize has", kind);
	/* the plugin form: name and namespace in metadata */
	json_t *args = json_deep_copy(cfg);
	const json_t *md = json_object_get(cfg, "metadata");
	json_object_set_new(args, "name", json_string(opt(md, "name")));
	if (*opt(md, "namespace"))
		json_object_set_new(args, "namespace",
				    json_string(opt(md, "namespace")));
	int rc = kgen_run(kt, args, secret, NULL, "", acc, err);
	json_decref(args);
	return rc;
}

/* Load the plugin configurations an entry names: a file, or a directory
 * whose kustomization builds them. */
static int load_configs(struct kust *kt, const char *rel, const char *ptr,
			struct kresmap *out, struct gerr *err)
{
	char *abs = kpath_join(kt->dir_real, rel);
	int dir = kfs_is(kt->b->src, abs, SOURCE_DIR);
	free(abs);
	if (dir) {
		struct kacc sub;
		char *d = kpath_join(kt->dir, rel);
		int rc = kbuild_sub(kt->b, d, &sub, err);
		free(d);
		if (!rc) {
			for (size_t i = 0; i < sub.res.nr; i++)
				kresmap_push(out, sub.res.v[i]);
			sub.res.nr = 0;
		} else {
			struct strbuf w = STRBUF_INIT;
			kust_where(kt, ptr, &w);
			gerr_prefix(err, "%s", w.buf);
			strbuf_release(&w);
		}
		kacc_clear(&sub);
		return rc;
	}
	size_t len;
	char *shown;
	char *buf = kload_read(kt, rel, ptr, &len, &shown, err);
	int rc = buf ? kload_parse_resources(buf, len, shown, out, err) : -1;
	free(buf);
	free(shown);
	return rc;
}

int kplugin_run(struct kust *kt, struct kacc *acc, const char *field,
		struct gerr *err)
{
	const json_t *list = json_object_get(kt->k, field);
	int gen = !strcmp(field, "generators");
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		char ptr[64];
		struct kresmap cfgs = KRESMAP_INIT;
		snprintf(ptr, sizeof(ptr), "/%s/%zu", field, i);
		const char *s = json_string_value(e);
		int rc;
		if (s && strchr(s, '\n'))
			rc = kload_parse_resources(s, strlen(s), kt->file, &cfgs,
						   err);
		else
			rc = load_configs(kt, s ? s : "", ptr, &cfgs, err);
		for (size_t k = 0; k < cfgs.nr && !rc; k++) {
			const json_t *cfg = cfgs.v[k]->obj;
			const char *kind = opt(cfg, "kind");
			const char *api = opt(cfg, "apiVersion");
			if (!strcmp(api, "gantry.dev/v1alpha1") &&
			    !strcmp(field, "transformers")) {
				rc = kgantry_transformer(kt, acc, cfg, kind, err);
				if (rc < 0)
					gerr_prefix(err, "%s:%d", cfgs.v[k]->file,
						    cfgs.v[k]->line);
				continue;
			}
			if (strcmp(api, "builtin") || !strcmp(field, "validators")) {
				rc = kust_fail(kt, ptr, err,
					       "%s (apiVersion %s) is an external "
					       "plugin; kustomize runs those only "
					       "with --enable-alpha-plugins and "
					       "gantry never does",
					       kind, *api ? api : "none");
				break;
			}
			rc = gen ? run_generator(kt, acc, cfg, kind, err)
				 : run_transformer(kt, acc, cfg, kind, err);
			if (rc < 0) {
				gerr_prefix(err, "%s:%d: %s %s", cfgs.v[k]->file,
					    cfgs.v[k]->line, kind,
					    opt(json_object_get(cfg, "metadata"),
						"name"));
			}
		}
		kresmap_clear(&cfgs);
		if (rc < 0)
			return -1;
	}
	return 0;
}
