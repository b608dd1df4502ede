/*
 * pkg/health, driven by the files testdata/health/NAME.test: each case has an
 * "object" (absent: a missing object) and optionally "rules" (an app
 * spec's health list), and either "health" (the expected state, and
 * ": MESSAGE" when not Healthy) or "error" (health_rules_add_json's).
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/health/health.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"

static void health_case(const struct tcase *c, void *data)
{
	json_t *obj = case_value(c, "object");
	json_t *rules_doc = case_value(c, "rules");
	char *want = case_text(c, "health");
	char *want_err = case_text(c, "error");
	struct health_rules *r = health_rules_new();
	struct gerr err = GERR_INIT;
	int rc = health_rules_add_json(
		r, json_object_get(rules_doc, "health"), "app.yaml", &err);

	(void)data;
	if (want_err) {
		t_int(rc, -1, "%s: rules refused", c->name);
		t_str(gerr_msg(&err), want_err, "%s: error", c->name);
	} else if (rc < 0) {
		t_ok(0, "%s: rules: %s", c->name, gerr_msg(&err));
	} else {
		char *msg = NULL;
		enum health_status h = health_check(obj, r, &msg);
		struct strbuf got = STRBUF_INIT;

		strbuf_addstr(&got, health_status_name(h));
		if (msg)
			strbuf_addf(&got, ": %s", msg);
		t_str(got.buf, want ? want : "(no health section)", "%s",
		      c->name);
		t_ok((h == HEALTH_HEALTHY || h == HEALTH_MISSING) == !msg,
		     "%s: a message exactly when not Healthy", c->name);
		strbuf_release(&got);
		free(msg);
	}
	gerr_clear(&err);
	health_rules_free(r);
	json_decref(obj);
	json_decref(rules_doc);
	free(want);
	free(want_err);
}

static void test_api(void)
{
	struct health_rules *r = health_rules_new();
	struct gerr err = GERR_INIT;
	const char *healthy[] = { "Running", NULL };
	json_t *o = json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion",
			      "v1", "kind", "Widget", "metadata", "name", "w",
			      "status", "phase", "Running");

	t_int(health_rules_add(r, "", "", NULL, "status.phase", healthy, NULL,
			       NULL, &err),
	      -1, "health_rules_add: an empty kind is refused");
	t_str(gerr_msg(&err), "kind is required", "its message");
	gerr_clear(&err);
	t_int(health_rules_add(r, NULL, "Widget", NULL, "", healthy, NULL,
			       NULL, &err),
	      -1, "health_rules_add: an empty field is refused");
	gerr_clear(&err);
	/* no list matches: Progressing; a NULL message pointer is fine */
	t_int(health_rules_add(r, NULL, "Widget", NULL, "status.phase", NULL,
			       NULL, NULL, &err),
	      0, "health_rules_add: a rule without values");
	t_int(health_check(o, r, NULL), HEALTH_PROGRESSING,
	      "health_check without a message pointer");
	t_str(health_status_name(HEALTH_DEGRADED), "Degraded", "names");
	t_int(health_rules_add_json(r, NULL, "x", &err), 0,
	      "no health list is no rule");
	t_int(health_rules_add_json(r, json_object_get(o, "kind"), "x", &err),
	      -1, "a health that is not a list");
	t_str(gerr_msg(&err), "x: health must be a list", "its message");
	gerr_clear(&err);
	health_rules_free(r);
	health_rules_free(NULL);
	json_decref(o);
}

int main(void)
{
	mem_init();
	cases_run_dir("health", health_case, NULL);
	test_api();
	return t_done();
}
