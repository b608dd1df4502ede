#ifndef GANTRY_OVERLAY_H
#define GANTRY_OVERLAY_H

/*
 * pkg/overlay — Kustomize-compatible overlays: build the kustomization in a
 * directory the way `kubectl kustomize DIR` (kustomize v5.5) does, in C,
 * without calling kustomize.
 *
 * Supported: resources (files, directories, nested kustomizations), bases,
 * components, namespace, namePrefix, nameSuffix, commonLabels, labels,
 * commonAnnotations, images, replicas, patches, patchesStrategicMerge,
 * patchesJson6902, configMapGenerator, secretGenerator, generatorOptions,
 * replacements, vars, configurations, openapi, sortOptions, buildMetadata,
 * and `transformers:`/`generators:` entries of kustomize's builtin kinds.
 * Remote resources, Helm charts and external plugins are clear errors.
 *
 * Two ways in:
 *   overlay_build   a kustomization as a source (`gantry render DIR`)
 *   overlay_apply   an environment overlay: the objects rendered before it
 *                   are its first resources, ahead of its own `resources:`,
 *                   so its patches, prefixes, labels... reach them too.
 *
 * Output objects come in kustomize's order (legacy kind order unless the
 * kustomization's sortOptions say fifo), with the keys of every mapping
 * sorted as kustomize prints them. Each keeps the file and line it was
 * read from; a generated object carries its kustomization file.
 *
 * Ownership: objects are copied in and out; `in` is never modified. On
 * error `out` is left as it was.
 *
 * The app pipeline applies an app's overlays in order, each to what the
 * one before produced:
 *
 *   struct strvec warnings = STRVEC_INIT;
 *   struct overlay_options o = { repo_root, 0, &warnings };
 *   for each overlay directory dir of the app (and environment):
 *           struct obj_list next = OBJ_LIST_INIT;
 *           if (overlay_apply(dir, &objs, &o, &next, &err) < 0)
 *                   fail (err names the kustomization file and line);
 *           obj_list_clear(&objs);
 *           objs = next;
 *   report each warning
 *
 * A built-in component (PREFIX/share/gantry/overlays/NAME, a kind:
 * Component) can be applied the same way, with root NULL or its own
 * directory: a Component builds on its own and its transformers run on
 * the objects given.
 */

#include "pkg/base/error.h"
#include "pkg/base/strvec.h"
#include "pkg/object/object.h"
#include "pkg/source/source.h"

struct overlay_options {
	/* The repository root: no file or directory outside it (after
	 * resolving symlinks) may be read. NULL: only kustomize's own rule
	 * below applies. */
	const char *root;
	/* kustomize's --load-restrictor LoadRestrictionsNone. Off (the
	 * default, LoadRestrictionsRootOnly): a kustomization may read files
	 * only in or below its own directory (other kustomizations it names
	 * as resources may be anywhere under root). On: both limits are
	 * lifted. */
	int load_restrictor_none;
	/* When non-NULL, warnings are appended here, one line each (a patch
	 * whose target selects nothing). */
	struct strvec *warnings;
};

/* Does dir hold a kustomization.yaml, kustomization.yml or Kustomization? */
int overlay_is_kustomization(const char *dir);

/* Build the kustomization in dir and append its objects to out. */
int overlay_build(const char *dir, const struct overlay_options *opt,
		  struct obj_list *out, struct gerr *err);

/*
 * Apply the kustomization in dir to the objects `in` (already rendered by
 * earlier stages) and append the result to out. The objects of `in` go
 * first, in their order, then the kustomization's own resources and
 * generated objects; then everything the kustomization says runs over all
 * of them. Errors name the kustomization file (and line) or the object.
 */
int overlay_apply(const char *dir, const struct obj_list *in,
		  const struct overlay_options *opt, struct obj_list *out,
		  struct gerr *err);

/*
 * The same two, reading every file through a source (pkg/source: a working
 * tree confined to its repository, or a git commit read without a
 * checkout); dir and opt->root are then the source's paths. A NULL src is
 * the file system, as above.
 */
int overlay_build_from(const struct source *src, const char *dir,
		       const struct overlay_options *opt,
		       struct obj_list *out, struct gerr *err);
int overlay_apply_from(const struct source *src, const char *dir,
		       const struct obj_list *in,
		       const struct overlay_options *opt,
		       struct obj_list *out, struct gerr *err);

#endif
