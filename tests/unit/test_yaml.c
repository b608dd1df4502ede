/*
 * pkg/yaml, driven by the case files testdata/yaml/NAME.test.
 *
 * A case file holds cases like this (a line starting "===" opens a case,
 * "--- SECTION" opens a section; section bodies are taken verbatim):
 *
 *   === name of the case
 *   --- input
 *   a: 1
 *   --- json            parse as a stream: a JSON array of the documents
 *   [{"a": 1}]
 *   --- error           parse fails with exactly this message
 *   test.yaml:1:3: ...
 *   --- manifests       yaml_parse_manifests: the array of objects
 *   --- manifests-error
 *   --- emit            yaml_emit of the (only) document, byte for byte
 *   --- json-text       yaml_write_json of the (only) document, compact
 *   --- kyaml           parse with YAML_KYAML: the JSON array of documents
 *
 * The format and its reader are tests/unit/cases.h's. One blank line before
 * the next "===" separates cases and is not part of the last section; an
 * expected output that ends in a blank line needs two.
 *
 * Every input that parses is also emitted and parsed again, and must come
 * back equal (the round-trip property).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"

static const char *section(const struct tcase *c, const char *name)
{
	return case_section(c, name);
}

static json_t *docs_array(const struct yaml_docs *docs)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < docs->nr; i++)
		json_array_append(arr, docs->v[i].value);
	return arr;
}

static json_t *expect_json(const char *text, const char *what,
			   const struct tcase *c)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j)
		t_diag("case '%s' (line %d): bad expected %s: %s", c->name,
		       c->line, what, je.text);
	return j;
}

static void round_trip(const struct tcase *c, const json_t *v, size_t doc)
{
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	yaml_emit(&out, v);
	json_t *back = yaml_parse_value(out.buf, out.len, "emitted", &err);
	t_json(back, v, "%s: round trip of document %zu", c->name, doc);
	if (!back) {
		t_diag("%s", gerr_msg(&err));
		t_diag("emitted:\n%s", out.buf);
	}
	json_decref(back);
	gerr_clear(&err);
	strbuf_release(&out);
}

static void run_case(const struct tcase *c)
{
	const char *input = section(c, "input");
	struct yaml_docs docs = YAML_DOCS_INIT;
	struct gerr err = GERR_INIT;
	const char *want;

	if (!input) {
		t_ok(0, "%s: case has no input section", c->name);
		return;
	}
	int rc = yaml_parse(input, strlen(input), "test.yaml", 0, &docs, &err);

	if ((want = section(c, "error"))) {
		struct strbuf w = STRBUF_INIT;
		strbuf_addstr(&w, want);
		while (w.len && w.buf[w.len - 1] == '\n')
			strbuf_setlen(&w, w.len - 1);
		t_str(rc < 0 ? gerr_msg(&err) : "(parsed without error)",
		      w.buf, "%s: error", c->name);
		strbuf_release(&w);
	} else if (rc < 0) {
		t_ok(0, "%s: parse", c->name);
		t_diag("%s", gerr_msg(&err));
	}
	if (rc == 0) {
		if ((want = section(c, "json"))) {
			json_t *exp = expect_json(want, "json", c);
			json_t *got = docs_array(&docs);
			t_json(got, exp, "%s: parse", c->name);
			json_decref(got);
			json_decref(exp);
		}
		for (size_t i = 0; i < docs.nr; i++)
			round_trip(c, docs.v[i].value, i);
		const json_t *first = docs.nr ? docs.v[0].value : json_null();
		if ((want = section(c, "emit"))) {
			struct strbuf out = STRBUF_INIT;
			yaml_emit(&out, first);
			t_str(out.buf, want, "%s: emit", c->name);
			strbuf_release(&out);
		}
		if ((want = section(c, "json-text"))) {
			struct strbuf out = STRBUF_INIT, w = STRBUF_INIT;
			yaml_write_json(&out, first, 0);
			strbuf_addstr(&w, want);
			while (w.len && w.buf[w.len - 1] == '\n')
				strbuf_setlen(&w, w.len - 1);
			t_str(out.buf, w.buf, "%s: json text", c->name);
			strbuf_release(&out);
			strbuf_release(&w);
		}
	}
	yaml_docs_clear(&docs);
	gerr_clear(&err);

	if ((want = section(c, "kyaml"))) {
		rc = yaml_parse(input, strlen(input), "test.yaml", YAML_KYAML,
				&docs, &err);
		if (rc < 0) {
			t_ok(0, "%s: kyaml parse", c->name);
			t_diag("%s", gerr_msg(&err));
		} else {
			json_t *exp = expect_json(want, "kyaml", c);
			json_t *got = docs_array(&docs);
			t_json(got, exp, "%s: kyaml typing", c->name);
			json_decref(got);
			json_decref(exp);
		}
		yaml_docs_clear(&docs);
		gerr_clear(&err);
	}

	const char *want_m = section(c, "manifests");
	const char *want_merr = section(c, "manifests-error");
	if (want_m || want_merr) {
		rc = yaml_parse_manifests(input, strlen(input), "test.yaml",
					  &docs, &err);
		if (want_merr) {
			struct strbuf w = STRBUF_INIT;
			strbuf_addstr(&w, want_merr);
			while (w.len && w.buf[w.len - 1] == '\n')
				strbuf_setlen(&w, w.len - 1);
			t_str(rc < 0 ? gerr_msg(&err) : "(parsed without error)",
			      w.buf, "%s: manifests error", c->name);
			strbuf_release(&w);
		} else if (rc < 0) {
			t_ok(0, "%s: manifests", c->name);
			t_diag("%s", gerr_msg(&err));
		} else {
			json_t *exp = expect_json(want_m, "manifests", c);
			json_t *got = docs_array(&docs);
			t_json(got, exp, "%s: manifests", c->name);
			json_decref(got);
			json_decref(exp);
		}
		yaml_docs_clear(&docs);
		gerr_clear(&err);
	}
}

static void run_case_cb(const struct tcase *c, void *data)
{
	(void)data;
	run_case(c);
}

int main(void)
{
	mem_init();
	cases_run_dir("yaml", run_case_cb, NULL);
	return t_done();
}
