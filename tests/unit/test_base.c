/* pkg/base: strbuf, strvec, the error type; and pkg/yaml's API edges that
 * the case files cannot reach (positions, single values). */
#include <string.h>

#include "pkg/base/base64.h"
#include "pkg/base/error.h"
#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/harness.h"

static void test_strbuf(void)
{
	struct strbuf sb = STRBUF_INIT;
	t_str(sb.buf, "", "strbuf: an empty strbuf prints as \"\"");
	strbuf_addstr(&sb, "abc");
	strbuf_addch(&sb, '-');
	strbuf_addf(&sb, "%d/%s", 42, "x");
	strbuf_addchars(&sb, '.', 3);
	t_str(sb.buf, "abc-42/x...", "strbuf: add, addch, addf, addchars");
	t_int((long long)sb.len, 11, "strbuf: length follows the content");
	strbuf_setlen(&sb, 3);
	t_str(sb.buf, "abc", "strbuf: setlen truncates");
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&sb, "0123456789");
	t_int((long long)sb.len, 10003, "strbuf: grows past many reallocations");
	size_t len;
	char *p = strbuf_detach(&sb, &len);
	t_int((long long)len, 10003, "strbuf: detach hands over the length");
	t_str(sb.buf, "", "strbuf: empty again after detach");
	free(p);
	p = strbuf_detach(&sb, NULL);
	t_str(p, "", "strbuf: detaching an empty strbuf gives a string to free");
	free(p);
	strbuf_release(&sb);
}

static void test_strvec(void)
{
	struct strvec sv = STRVEC_INIT;
	strvec_push(&sv, "b");
	strvec_pushf(&sv, "%s%d", "a", 1);
	strvec_push(&sv, "c");
	strvec_sort(&sv);
	t_str(sv.v[0], "a1", "strvec: sorted first");
	t_str(sv.v[2], "c", "strvec: sorted last");
	t_ok(sv.v[3] == NULL, "strvec: NULL-terminated");
	t_int(strvec_find(&sv, "b"), 1, "strvec: find");
	t_int(strvec_find(&sv, "zz"), -1, "strvec: find a missing string");
	strvec_clear(&sv);
	t_int((long long)sv.nr, 0, "strvec: clear empties");
}

static void test_error(void)
{
	struct gerr err = GERR_INIT;
	t_ok(!gerr_failed(&err), "gerr: starts without error");
	t_int(gerr_set(&err, "no such file %s", "x.yaml"), -1,
	      "gerr: set returns -1");
	t_int(err.code, GERR_FAIL, "gerr: set uses the generic code");
	gerr_prefix(&err, "reading %s", "repo");
	t_str(gerr_msg(&err), "reading repo: no such file x.yaml",
	      "gerr: prefix goes in front");
	gerr_at(&err, "a.yaml", 3, 7, "bad %s", "thing");
	t_str(gerr_msg(&err), "a.yaml:3:7: bad thing",
	      "gerr: at gives file:line:col");
	t_int(err.code, GERR_INPUT, "gerr: at is an input error");
	gerr_at(&err, "a.yaml", 3, 0, "x");
	t_str(gerr_msg(&err), "a.yaml:3: x", "gerr: at without column");
	gerr_at(&err, "a.yaml", 0, 0, "x");
	t_str(gerr_msg(&err), "a.yaml: x", "gerr: at without line");
	struct gerr other = GERR_INIT;
	gerr_setc(&other, GERR_CONFLICT, "conflict");
	gerr_move(&err, &other);
	t_str(gerr_msg(&err), "conflict", "gerr: move carries the message");
	t_int(err.code, GERR_CONFLICT, "gerr: move carries the code");
	t_ok(!gerr_failed(&other), "gerr: move empties the source");
	gerr_clear(&err);
	t_ok(!gerr_failed(&err), "gerr: clear");
	t_int(gerr_set(NULL, "ignored"), -1, "gerr: a NULL err is allowed");
}

static void test_positions(void)
{
	const char *text = "apiVersion: v1\n"
			   "kind: App\n"
			   "spec:\n"
			   "  sources:\n"
			   "    - chart: c/\n"
			   "      release: r\n"
			   "    - manifests: m/\n"
			   "  a/b: 1\n";
	struct yaml_docs docs = YAML_DOCS_INIT;
	struct gerr err = GERR_INIT;
	int line = 0, col = 0;

	t_int(yaml_parse(text, strlen(text), "app.yaml", YAML_POSITIONS, &docs,
			 &err), 0, "positions: parse");
	yaml_doc_position(&docs.v[0], "/spec/sources/1/manifests", &line, &col);
	t_ok(line == 7 && col == 7, "positions: a key in a list item (7:7), got %d:%d",
	     line, col);
	yaml_doc_position(&docs.v[0], "/spec/sources/0", &line, &col);
	t_ok(line == 5 && col == 7, "positions: a list item (5:7), got %d:%d",
	     line, col);
	yaml_doc_position(&docs.v[0], "/spec/sources/0/missing/deeper", &line,
			  &col);
	t_ok(line == 5 && col == 7,
	     "positions: a missing path falls back to its ancestor, got %d:%d",
	     line, col);
	yaml_doc_position(&docs.v[0], "/spec/a~1b", &line, &col);
	t_ok(line == 8 && col == 3, "positions: '/' in a key is escaped as ~1, got %d:%d",
	     line, col);
	yaml_doc_position(&docs.v[0], "", &line, &col);
	t_ok(line == 1 && col == 1, "positions: the root, got %d:%d", line, col);
	yaml_docs_clear(&docs);

	t_int(yaml_parse(text, strlen(text), "app.yaml", 0, &docs, &err), 0,
	      "positions: parse without");
	t_ok(docs.v[0].pos == NULL, "positions: none unless asked for");
	yaml_docs_clear(&docs);
}

static void test_parse_value(void)
{
	struct gerr err = GERR_INIT;
	json_t *v = yaml_parse_value("a: 1\n", 5, "v.yaml", &err);
	t_ok(json_is_object(v), "parse_value: a mapping");
	json_decref(v);
	v = yaml_parse_value("", 0, "v.yaml", &err);
	t_ok(json_is_null(v), "parse_value: empty input is null");
	json_decref(v);
	v = yaml_parse_value("a: 1\n---\nb: 2\n", 14, "v.yaml", &err);
	t_ok(v == NULL, "parse_value: two documents are refused");
	t_str(gerr_msg(&err), "v.yaml:3: expected one YAML document, found a second one",
	      "parse_value: the message names where the second starts");
	gerr_clear(&err);

	struct yaml_docs docs = YAML_DOCS_INIT;
	yaml_parse("a: 1\n", 5, "x", 0, &docs, &err);
	size_t before = docs.nr;
	t_int(yaml_parse("b: 2\n---\n[", 11, "x", 0, &docs, &err), -1,
	      "parse: an error in a later document fails the stream");
	t_int((long long)docs.nr, (long long)before,
	      "parse: a failed parse leaves the list as it was");
	yaml_docs_clear(&docs);
	gerr_clear(&err);
}

static void test_format_float(void)
{
	static const struct {
		double d;
		const char *want;
	} cases[] = {
		{ 1e6, "1e+06" },       { 123456, "123456" },
		{ 0.1, "0.1" },         { 1.0 / 3, "0.3333333333333333" },
		{ 1e-5, "1e-05" },      { 0.0001, "0.0001" },
		{ 1e21, "1e+21" },      { -2.5, "-2.5" },
		{ 100, "100" },         { 1234567.5, "1.2345675e+06" },
		{ 5e-324, "5e-324" },   { 1.7976931348623157e308, "1.7976931348623157e+308" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		yaml_format_float(&sb, cases[i].d);
		t_str(sb.buf, cases[i].want, "format_float: %s as Go's %%v",
		      cases[i].want);
		strbuf_release(&sb);
	}
}

/* Expected values are Go's encoding/base64.StdEncoding: EncodeToString,
 * and DecodeString's CorruptInputError offsets worked out from its
 * documented rules (a partial quantum is reported where it starts,
 * '=' only third or fourth, nothing after the padding). */
static void decode_case(const char *in, int flags, const char *want,
			long want_bad)
{
	struct strbuf out = STRBUF_INIT;
	size_t bad = 99;
	int rc = base64_decode(in, strlen(in), flags, &out, &bad);
	if (want_bad < 0) {
		t_int(rc, 0, "base64 decodes '%s'", in);
		t_str(out.buf ? out.buf : "", want, "base64 of '%s'", in);
	} else {
		t_int(rc, -1, "base64 refuses '%s'", in);
		t_int((long)bad, want_bad, "base64: the bad byte of '%s'", in);
	}
	strbuf_release(&out);
}

static void test_base64(void)
{
	static const struct { const char *in, *out; } enc[] = {
		{ "", "" }, { "a", "YQ==" }, { "ab", "YWI=" }, { "abc", "YWJj" },
		{ "\xff\xfe", "//4=" }, { "hello, world", "aGVsbG8sIHdvcmxk" },
	};
	for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		struct strbuf sb = STRBUF_INIT;
		base64_encode(&sb, enc[i].in, strlen(enc[i].in));
		t_str(sb.buf ? sb.buf : "", enc[i].out, "base64 of '%s'",
		      enc[i].in);
		strbuf_release(&sb);
	}
	decode_case("", 0, "", -1);
	decode_case("YQ==", 0, "a", -1);
	decode_case("YWJj", 0, "abc", -1);
	decode_case("YW\nI=", 0, "ab", -1);      /* newlines skipped */
	decode_case("YW\r\nJj\n", 0, "abc", -1);
	decode_case("YWI", 0, NULL, 0);            /* partial quantum */
	decode_case("YWJjYQ", 0, NULL, 4);
	decode_case("YQ=", 0, NULL, 3);            /* one '=' of two */
	decode_case("YQ=x", 0, NULL, 2);
	decode_case("Y!==", 0, NULL, 1);
	decode_case("====", 0, NULL, 0);
	decode_case("YQ==YQ==", 0, NULL, 4);       /* after the padding */
	decode_case("YW I=", 0, NULL, 2);          /* a space is a bad byte */
	decode_case("YW I=", BASE64_SKIP_SPACE, "ab", -1);
	decode_case("YW\tJj", BASE64_SKIP_SPACE, "abc", -1);
}

/* Strings as Go's encoding/json Marshal writes them (html: Marshal's
 * default; without: an Encoder with SetEscapeHTML(false)). Invalid UTF-8
 * becomes U+FFFD byte by byte, as utf8.DecodeRuneInString reads it. */
static void test_json_strings(void)
{
	static const struct { const char *in; size_t len; unsigned flags;
			      const char *want; } cases[] = {
		{ "a<b>&c", 6, YAML_JSON_ESCAPE_HTML, "\"a\\u003cb\\u003e\\u0026c\"" },
		{ "a<b>&c", 6, 0, "\"a<b>&c\"" },
		{ "\x7f", 1, YAML_JSON_ESCAPE_HTML, "\"\x7f\"" },
		{ "\\u007f", 6, 0, "\"\\\\u007f\"" },
		{ "\xe2\x80\xa8\n\"", 5, 0, "\"\\u2028\\n\\\"\"" },
		{ "\x01\b\f\t\r", 5, 0, "\"\\u0001\\b\\f\\t\\r\"" },
		{ "caf\xc3\xa9", 5, 0, "\"caf\xc3\xa9\"" },
		{ "\xff", 1, 0, "\"\\ufffd\"" },
		{ "a\xc0\xafz", 4, 0, "\"a\\ufffd\\ufffdz\"" },
		{ "\xed\xa0\x80", 3, 0, "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xf0\x9f\x98\x80", 4, 0, "\"\xf0\x9f\x98\x80\"" },
		{ "\xf0\x9f\x98", 3, 0, "\"\\ufffd\\ufffd\\ufffd\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		json_t *v = json_stringn_nocheck(cases[i].in, cases[i].len);
		yaml_write_json(&sb, v, cases[i].flags);
		t_str(sb.buf, cases[i].want, "Go's JSON of string %zu", i);
		strbuf_release(&sb);
		json_decref(v);
	}
	/* MarshalIndent(v, "", "  ") with sorted keys */
	json_t *v = json_pack("{s:[i,f,{}], s:{s:n}, s:[]}", "b", 1, 0.5, "a",
			      "x", "c");
	struct strbuf sb = STRBUF_INIT;
	yaml_write_json(&sb, v, YAML_JSON_PRETTY | YAML_JSON_SORT_KEYS);
	t_str(sb.buf, "{\n  \"a\": {\n    \"x\": null\n  },\n  \"b\": [\n    1,\n"
		      "    0.5,\n    {}\n  ],\n  \"c\": []\n}",
	      "Go's MarshalIndent layout");
	strbuf_release(&sb);
	json_decref(v);
}

int main(void)
{
	mem_init();
	test_strbuf();
	test_strvec();
	test_error();
	test_positions();
	test_parse_value();
	test_format_float();
	test_base64();
	test_json_strings();
	return t_done();
}
