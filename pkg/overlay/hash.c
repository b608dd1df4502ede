/*
 * The name suffix kustomize gives generated ConfigMaps and Secrets.
 *
 * kustomize hashes a JSON encoding of the object's content and keeps ten
 * characters of the hex SHA-256, with 0, 1, 3, a and e replaced by g, h,
 * k, m and t (so the suffix never reads as a number or a word):
 *
 *   ConfigMap  {"binaryData":...,"data":...,"kind":"ConfigMap","name":""}
 *   Secret     {"data":...,"kind":"Secret","name":"","stringData":...,
 *               "type":...}
 *
 * as Go's encoding/json writes it (keys sorted, <, > and & escaped).
 * "name" is always empty: kustomize looks the name up as a single field
 * called "metadata/name", which never exists, so the name does not count.
 * A missing data (or type) is the empty string; binaryData and stringData
 * are there only when they are mappings. Checked against the suffixes
 * `kubectl kustomize` gives (testdata/overlay).
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/yaml/yaml.h"

static void go_string(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': strbuf_addstr(sb, "\\\""); continue;
		case '\\': strbuf_addstr(sb, "\\\\"); continue;
		case '\n': strbuf_addstr(sb, "\\n"); continue;
		case '\r': strbuf_addstr(sb, "\\r"); continue;
		case '\t': strbuf_addstr(sb, "\\t"); continue;
		case '\b': strbuf_addstr(sb, "\\b"); continue;
		case '\f': strbuf_addstr(sb, "\\f"); continue;
		}
		if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			strbuf_addstr(sb, "\\u00");
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
			continue;
		}
		/* U+2028 and U+2029 (E2 80 A8/A9) */
		if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xa8 ||
		     (unsigned char)s[i + 2] == 0xa9)) {
			strbuf_addstr(sb, (unsigned char)s[i + 2] == 0xa8
						  ? "\\u2028"
						  : "\\u2029");
			i += 2;
			continue;
		}
		strbuf_addch(sb, (char)c);
	}
	strbuf_addch(sb, '"');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's float64 encoding: %g-like with ES6 exponent cut-offs. */
static void go_number(struct strbuf *sb, const json_t *v)
{
	if (json_is_integer(v)) {
		strbuf_addf(sb, "%lld", (long long)json_integer_value(v));
		return;
	}
	double d = json_real_value(v);
	double a = d < 0 ? -d : d;
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		char buf[40];
		int prec;
		for (prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		/* 1.5e-07 -> 1.5e-7 */
		char *e = strchr(buf, 'e');
		if (e && e[2] == '0' && e[3])
			memmove(e + 2, e + 3, strlen(e + 3) + 1);
		strbuf_addstr(sb, buf);
		return;
	}
	char buf[64];
	int prec;
	for (prec = 0; prec <= 20; prec++) {
		snprintf(buf, sizeof(buf), "%.*f", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	strbuf_addstr(sb, buf);
}

void kjson_go(struct strbuf *sb, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		const char **keys = xmalloc((n ? n : 1) * sizeof(*keys));
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)v, k, e)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_str);
		strbuf_addch(sb, '{');
		for (i = 0; i < n; i++) {
			if (i)
				strbuf_addch(sb, ',');
			go_string(sb, keys[i], strlen(keys[i]));
			strbuf_addch(sb, ':');
			kjson_go(sb, json_object_get(v, keys[i]));
		}
		strbuf_addch(sb, '}');
		free(keys);
		return;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		strbuf_addch(sb, '[');
		json_array_foreach(v, i, e) {
			if (i)
				strbuf_addch(sb, ',');
			kjson_go(sb, e);
		}
		strbuf_addch(sb, ']');
		return;
	}
	case JSON_STRING:
		go_string(sb, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
	case JSON_REAL:
		go_number(sb, v);
		return;
	case JSON_TRUE:
		strbuf_addstr(sb, "true");
		return;
	case JSON_FALSE:
		strbuf_addstr(sb, "false");
		return;
	case JSON_NULL:
		strbuf_addstr(sb, "null");
		return;
	}
}

/* A field as kustomize's getNodeValues reads it: mappings as they are, a
 * scalar as its text, a missing field as "". */
static json_t *node_value(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return json_string("");
	if (json_is_object(v) || json_is_array(v))
		return json_incref((json_t *)v);
	if (json_is_string(v))
		return json_incref((json_t *)v);
	struct strbuf sb = STRBUF_INIT;
	kjson_go(&sb, v);
	json_t *s = json_string(sb.buf);
	strbuf_release(&sb);
	return s;
}

void khash_object(const json_t *obj, char out[11])
{
	const json_t *kind = json_object_get(obj, "kind");
	int secret = json_is_string(kind) &&
		     !strcmp(json_string_value(kind), "Secret");
	json_t *m = json_object();
	struct strbuf enc = STRBUF_INIT;

	json_object_set_new(m, "kind", json_string(secret ? "Secret" : "ConfigMap"));
	json_object_set_new(m, "name", json_string(""));
	json_object_set_new(m, "data", node_value(obj, "data"));
	if (secret) {
		json_object_set_new(m, "type", node_value(obj, "type"));
		if (json_is_object(json_object_get(obj, "stringData")))
			json_object_set(m, "stringData",
					json_object_get(obj, "stringData"));
	} else if (json_is_object(json_object_get(obj, "binaryData"))) {
		json_object_set(m, "binaryData", json_object_get(obj, "binaryData"));
	}
	kjson_go(&enc, m);
	json_decref(m);

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(enc.buf, enc.len, md, &mdlen, EVP_sha256(), NULL);
	strbuf_release(&enc);

	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 10; i++) {
		char c = hex[(md[i / 2] >> (i % 2 ? 0 : 4)) & 15];
		switch (c) {
		case '0': c = 'g'; break;
		case '1': c = 'h'; break;
		case '3': c = 'k'; break;
		case 'a': c = 'm'; break;
		case 'e': c = 't'; break;
		}
		out[i] = c;
	}
	out[10] = '\0';
}
