/* pkg/object: identity, validation, duplicates, output. */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/object/object.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/harness.h"

static json_t *parse(const char *text)
{
	struct gerr err = GERR_INIT;
	json_t *v = yaml_parse_value(text, strlen(text), "t", &err);
	if (!v)
		t_diag("parse: %s", gerr_msg(&err));
	gerr_clear(&err);
	return v;
}

static void check_id(const char *text, const char *want)
{
	json_t *o = parse(text);
	struct strbuf sb = STRBUF_INIT;
	obj_format_id(&sb, o);
	t_str(sb.buf, want, "identity of %s", want);
	strbuf_release(&sb);
	json_decref(o);
}

static void check_invalid(const char *text, const char *want)
{
	json_t *o = parse(text);
	struct gerr err = GERR_INIT;
	int rc = obj_validate(o, "m.yaml", 4, &err);
	t_str(rc < 0 ? gerr_msg(&err) : "(valid)", want, "validate: %s", want);
	gerr_clear(&err);
	json_decref(o);
}

static void test_identity(void)
{
	check_id("{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: shop}}",
		 "apps/Deployment/shop/web");
	check_id("{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: shop}}",
		 "ConfigMap/shop/cfg");
	check_id("{apiVersion: v1, kind: Namespace, metadata: {name: shop}}",
		 "Namespace/shop");
	check_id("{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: admin}}",
		 "rbac.authorization.k8s.io/ClusterRole/admin");
	char buf[64];
	json_t *o = parse("{apiVersion: volley.io/v1beta1, kind: VolleyApplication}");
	t_str(obj_group(o, buf, sizeof(buf)), "volley.io", "group of a CR");
	json_decref(o);
}

static void test_validate(void)
{
	check_invalid("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}", "(valid)");
	check_invalid("{kind: ConfigMap, metadata: {name: a}}",
		      "m.yaml:4: object has no apiVersion");
	check_invalid("{apiVersion: 1, kind: ConfigMap, metadata: {name: a}}",
		      "m.yaml:4: object has no apiVersion string");
	check_invalid("{apiVersion: v1, metadata: {name: a}}",
		      "m.yaml:4: object (apiVersion v1) has no kind");
	check_invalid("{apiVersion: v1, kind: ConfigMap}",
		      "m.yaml:4: ConfigMap object has no metadata.name");
	check_invalid("{apiVersion: v1, kind: ConfigMap, metadata: {name: \"\"}}",
		      "m.yaml:4: ConfigMap object has no metadata.name");
	check_invalid("{apiVersion: v1, kind: ConfigMap, metadata: [a]}",
		      "m.yaml:4: ConfigMap: metadata must be a mapping");
	check_invalid("{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: 5}}",
		      "m.yaml:4: ConfigMap a: metadata.namespace must be a string");
}

static void test_duplicates(void)
{
	struct obj_list l = OBJ_LIST_INIT;
	struct gerr err = GERR_INIT;
	obj_list_push(&l, parse("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}"), "one.yaml", 1);
	obj_list_push(&l, parse("{apiVersion: v1, kind: Secret, metadata: {name: a}}"), "one.yaml", 5);
	obj_list_push(&l, parse("{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: x}}"), "two.yaml", 1);
	obj_list_push(&l, parse("{apiVersion: v2, kind: ConfigMap, metadata: {name: b}}"), "two.yaml", 9);
	t_int(obj_list_check_duplicates(&l, &err), 0,
	      "duplicates: same name, other kind or namespace is fine");
	/* same group and kind in another version is the same object */
	obj_list_push(&l, parse("{apiVersion: v1, kind: ConfigMap, metadata: {name: b}}"), "three.yaml", 12);
	t_int(obj_list_check_duplicates(&l, &err), -1, "duplicates: found");
	t_str(gerr_msg(&err),
	      "duplicate object ConfigMap/b: defined at two.yaml:9 and again at three.yaml:12",
	      "duplicates: both places are named");
	gerr_clear(&err);

	struct strbuf out = STRBUF_INIT;
	struct obj_list two = OBJ_LIST_INIT;
	obj_list_push(&two, parse("{apiVersion: v1, kind: Namespace, metadata: {name: a}}"), NULL, 0);
	obj_list_push(&two, parse("{apiVersion: v1, kind: Namespace, metadata: {name: b}}"), NULL, 0);
	obj_list_write_yaml(&two, &out);
	t_str(out.buf,
	      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n"
	      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n",
	      "write_yaml: documents separated by ---");
	strbuf_reset(&out);
	obj_list_write_json(&two, &out);
	t_str(out.buf,
	      "[\n  {\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Namespace\",\n"
	      "    \"metadata\": {\n      \"name\": \"a\"\n    }\n  },\n"
	      "  {\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Namespace\",\n"
	      "    \"metadata\": {\n      \"name\": \"b\"\n    }\n  }\n]\n",
	      "write_json: one pretty array");
	strbuf_release(&out);
	obj_list_clear(&two);
	obj_list_clear(&l);
}

int main(void)
{
	mem_init();
	test_identity();
	test_validate();
	test_duplicates();
	return t_done();
}
