/* pkg/overlay's public API: build a kustomization, or apply one to objects
 * rendered before it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"

int overlay_is_kustomization(const char *dir)
{
	return kust_file_name(NULL, dir) != NULL;
}

static int run(const struct source *src, const char *dir,
	       const struct obj_list *in, const struct overlay_options *opt,
	       struct obj_list *out, struct gerr *err)
{
	static const struct overlay_options defaults = { NULL, 0, NULL };
	struct kbuild b;
	struct kacc acc;
	struct kresmap input = KRESMAP_INIT;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	b.opt = opt ? opt : &defaults;
	b.src = src;
	if (b.opt->root && !(b.root_real = kfs_realpath(&b, b.opt->root)))
		return gerr_setc(err, GERR_IO, "%s: cannot resolve the "
				 "repository root", b.opt->root);
	for (size_t i = 0; in && i < in->nr; i++)
		kresmap_push(&input, kres_new(json_incref(in->v[i].json),
					      in->v[i].file, in->v[i].line));
	if (kbuild_run(&b, dir, &input, &acc, err) == 0) {
		for (size_t i = 0; i < acc.res.nr; i++) {
			struct kres *r = acc.res.v[i];
			obj_list_push(out, ksort_keys(r->obj), r->file, r->line);
		}
		rc = 0;
	}
	kacc_clear(&acc);
	kresmap_clear(&input);
	for (size_t i = 0; i < b.warnings.nr; i++)
		if (b.opt->warnings)
			strvec_push(b.opt->warnings, b.warnings.v[i]);
	strvec_clear(&b.warnings);
	strvec_clear(&b.stack);
	strvec_clear(&b.shown);
	free(b.root_real);
	return rc;
}

int overlay_build(const char *dir, const struct overlay_options *opt,
		  struct obj_list *out, struct gerr *err)
{
	return run(NULL, dir, NULL, opt, out, err);
}

int overlay_apply(const char *dir, const struct obj_list *in,
		  const struct overlay_options *opt, struct obj_list *out,
		  struct gerr *err)
{
	return run(NULL, dir, in, opt, out, err);
}

int overlay_build_from(const struct source *src, const char *dir,
		       const struct overlay_options *opt,
		       struct obj_list *out, struct gerr *err)
{
	return run(src, dir, NULL, opt, out, err);
}

int overlay_apply_from(const struct source *src, const char *dir,
		       const struct obj_list *in,
		       const struct overlay_options *opt,
		       struct obj_list *out, struct gerr *err)
{
	return run(src, dir, in, opt, out, err);
}
