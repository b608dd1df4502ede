/*
 * pkg/sim's protobuf request bodies, against what kubectl itself sends:
 * each testdata/sim/protobuf/NAME.pb is created in a fresh cluster, and
 * the object stored must hold everything of NAME.json (the same object as
 * kubectl prints it as JSON), less what encoding/json leaves out (nulls
 * and empty objects) and the status a create ignores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/sim.h"
#include "tests/unit/harness.h"

static const struct {
	const char *name, *path;
} cases[] = {
	{ "namespace", "/api/v1/namespaces" },
	{ "configmap", "/api/v1/namespaces/default/configmaps" },
	{ "secret", "/api/v1/namespaces/default/secrets" },
	{ "serviceaccount", "/api/v1/namespaces/default/serviceaccounts" },
	{ "deployment", "/apis/apps/v1/namespaces/default/deployments" },
	{ "deployment0", "/apis/apps/v1/namespaces/default/deployments" },
	{ "job", "/apis/batch/v1/namespaces/default/jobs" },
	{ "cronjob", "/apis/batch/v1/namespaces/default/cronjobs" },
	{ "role", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles" },
	{ "rolebinding",
	  "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings" },
	{ "clusterrolebinding",
	  "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" },
	{ "service", "/api/v1/namespaces/default/services" },
	{ "servicenp", "/api/v1/namespaces/default/services" },
	{ "pdb", "/apis/policy/v1/namespaces/default/poddisruptionbudgets" },
	{ "priorityclass", "/apis/scheduling.k8s.io/v1/priorityclasses" },
	{ "quota", "/api/v1/namespaces/default/resourcequotas" },
};

/* nulls and empty objects out, as omitempty leaves them out */
static void prune(json_t *v)
{
	const char *k;
	json_t *x, *tmp;
	size_t i;

	if (json_is_array(v))
		json_array_foreach(v, i, x)
			prune(x);
	if (!json_is_object(v))
		return;
	json_object_foreach_safe(v, tmp, k, x) {
		prune(x);
		if (json_is_null(x) ||
		    (json_is_object(x) && !json_object_size(x)))
			json_object_del(v, k);
	}
}

static int subset(const json_t *want, const json_t *got, struct strbuf *path)
{
	const char *k;
	json_t *v;
	size_t i, len = path->len;

	if (json_is_object(want)) {
		json_object_foreach((json_t *)want, k, v) {
			strbuf_setlen(path, len);
			strbuf_addf(path, "/%s", k);
			if (!subset(v, json_object_get(got, k), path))
				return 0;
		}
		strbuf_setlen(path, len);
		return 1;
	}
	if (json_is_array(want)) {
		if (json_array_size(want) != json_array_size(got))
			return 0;
		json_array_foreach(want, i, v) {
			strbuf_setlen(path, len);
			strbuf_addf(path, "/%zu", i);
			if (!subset(v, json_array_get(got, i), path))
				return 0;
		}
		strbuf_setlen(path, len);
		return 1;
	}
	return json_equal((json_t *)want, (json_t *)got);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	*len = sb.len;
	return strbuf_detach(&sb, NULL);
}

int main(void)
{
	mem_init();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_config cfg;
		struct gerr err = GERR_INIT;
		struct sim *s;
		char *pbpath = xasprintf("%s/sim/protobuf/%s.pb", t_testdata(),
					 cases[i].name);
		char *jspath = xasprintf("%s/sim/protobuf/%s.json",
					 t_testdata(), cases[i].name);
		size_t len = 0;
		char *pb = read_file(pbpath, &len);
		json_t *want = json_load_file(jspath, 0, NULL), *got = NULL;
		struct strbuf where = STRBUF_INIT;
		int code;

		sim_config_init(&cfg);
		s = sim_new(&cfg, &err);
		code = pb ? sim_request_raw(s, "POST", cases[i].path,
					    "application/vnd.kubernetes.protobuf",
					    pb, len, &got)
			  : 0;
		t_int(code, 201, "kubectl create %s (protobuf) is created",
		      cases[i].name);
		prune(want);
		/* a create ignores the status (the status subresource's) */
		json_object_del(want, "status");
		t_ok(want && subset(want, got, &where),
		     "%s: the object holds what kubectl sent", cases[i].name);
		if (where.len)
			t_diag("first difference at %s", where.buf);
		strbuf_release(&where);
		json_decref(want);
		json_decref(got);
		free(pb);
		free(pbpath);
		free(jspath);
		sim_free(s);
	}
	{
		struct sim_config cfg;
		struct gerr err = GERR_INIT;
		struct sim *s;
		json_t *got = NULL;
		/* field 99 of v1.ConfigMap, holding "x": not in the table */
		static const char bad[] = "k8s\0\n\017\n\002v1\022\tConfigMap"
					  "\022\010\n\002\n\000\232\006\001x";

		sim_config_init(&cfg);
		s = sim_new(&cfg, &err);
		t_int(sim_request_raw(s, "POST",
				      "/api/v1/namespaces/default/configmaps",
				      "application/vnd.kubernetes.protobuf",
				      bad, sizeof(bad) - 1, &got),
		      415, "a field kubesim cannot decode is refused");
		t_str(json_string_value(json_object_get(got, "message")),
		      "kubesim cannot decode protobuf field 99 of v1.ConfigMap",
		      "naming it");
		json_decref(got);
		sim_free(s);
	}
	return t_done();
}
