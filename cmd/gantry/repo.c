/* The options every command on apps shares: --repo, --revision,
 * --ssh-key, --env; opening the repository and rendering its apps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/gantry/cmd.h"
#include "pkg/app/app.h"

int repo_open(const struct repo_args *ra, struct source **src,
	      struct spec_repo **spec, struct gerr *err)
{
	struct source_options so = SOURCE_OPTIONS_INIT;

	*spec = NULL;
	so.repo = ra->repo;
	so.revision = ra->revision;
	so.ssh_key = ra->ssh_key;
	*src = source_open(&so, err);
	if (!*src)
		return -1;
	*spec = spec_load(*src, err);
	if (!*spec || spec_check_env(*spec, ra->env, err) < 0) {
		spec_free(*spec);
		source_free(*src);
		*spec = NULL;
		*src = NULL;
		return -1;
	}
	return 0;
}

int repo_render(const struct repo_args *ra, const struct source *src,
		const struct spec_repo *spec, const char *const *names,
		size_t n, struct obj_list *out, struct gerr *err)
{
	struct spec_order order;
	struct app_render_opts o = { 0 };
	struct strvec warnings = STRVEC_INIT;
	int rc = -1;

	if (spec_order(spec, names, n, &order, err) < 0)
		return -1;
	o.src = src;
	o.repo = spec;
	o.env = ra->env;
	o.scope = app_scope_new();
	o.warnings = &warnings;
	size_t start = out->nr;
	for (size_t i = 0; i < order.n; i++)
		if (app_render(&o, order.v[i].app, out, err) < 0)
			goto out;
	/* two apps must never own one object */
	struct obj_list mine = { out->v + start, out->nr - start, 0 };
	if (obj_list_check_duplicates(&mine, err) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < warnings.nr; i++)
		fprintf(stderr, "warning: %s\n", warnings.v[i]);
	strvec_clear(&warnings);
	app_scope_free(o.scope);
	spec_order_clear(&order);
	return rc;
}
