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
	yaml_write_json(&sb, v, YAML_JSON_SORT_KEYS | YAML_JSON_ESCAPE_HTML);
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
	yaml_write_json(&enc, m, YAML_JSON_SORT_KEYS | YAML_JSON_ESCAPE_HTML);
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
