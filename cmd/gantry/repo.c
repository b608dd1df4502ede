/* The options every command on apps shares: --repo, --revision,
 * --ssh-key, --env; opening the repository and rendering its apps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Is this argument a path rather than an app name? It exists, or it could
 * not be an app's name (a DNS label has no '/' or '.'), or it is '-'. */
static int is_path_arg(const char *a)
{
	return !strcmp(a, "-") || strchr(a, '/') || strchr(a, '.') ||
	       access(a, F_OK) == 0;
}

int repo_args_are_paths(const char *cmd, int app_opts, char **args, int n)
{
	int paths = 0;
	const char *a_path = NULL, *a_name = NULL;
	if (app_opts)
		return 0;
	for (int i = 0; i < n; i++) {
		if (is_path_arg(args[i]))
			paths++, a_path = args[i];
		else
			a_name = args[i];
	}
	if (paths && paths < n) {
		cmd_usage_error(cmd,
				"%s is a path and %s is not: give manifest "
				"paths, or app names (with --repo DIR for "
				"apps whose names are also paths here)",
				a_path, a_name);
		return -1;
	}
	return paths == n;
}

const char *repo_short_revision(const char *rev, char *buf, size_t n)
{
	size_t hex = rev ? strspn(rev, "0123456789abcdef") : 0;

	if (!rev)
		snprintf(buf, n, "(none)");
	else if (hex == 40)
		snprintf(buf, n, "%.12s%s", rev, rev + 40);
	else
		snprintf(buf, n, "%s", rev);
	return buf;
}
