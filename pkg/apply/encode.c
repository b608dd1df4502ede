/* Encodings: the last-applied annotation as kubectl writes it, digests,
 * gzip+base64 for the inventory, and the comparison of patches. */
#include <openssl/evp.h>
#include <string.h>
#include <zlib.h>

#include "pkg/apply/internal.h"
#include "pkg/base/mem.h"
#include "pkg/yaml/yaml.h"

char *apply_last_applied(const json_t *desired)
{
	json_t *o = json_deep_copy(desired);
	json_t *md = json_object_get(o, "metadata");
	json_t *ann = json_object_get(md, "annotations");
	struct strbuf out = STRBUF_INIT;

	/* kubectl takes the annotation out, and sets an empty map when the
	 * object had none (GetModifiedConfiguration) */
	if (json_is_object(ann))
		json_object_del(ann, LAST_APPLIED);
	else if (json_is_object(md))
		json_object_set_new(md, "annotations", json_object());
	yaml_write_json(&out, o, YAML_JSON_SORT_KEYS | YAML_JSON_ESCAPE_HTML);
	/* json.Encoder ends every value with a newline */
	strbuf_addch(&out, '\n');
	json_decref(o);
	return strbuf_detach(&out, NULL);
}

size_t annotations_size(const json_t *obj)
{
	const json_t *ann = json_object_get(json_object_get(obj, "metadata"),
					    "annotations");
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)ann, k, v)
		n += strlen(k) + (json_is_string(v) ? json_string_length(v) : 0);
	return n;
}

char *apply_digest(const struct diff_set *set)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < set->nr; i++) {
		if (!set->v[i].desired)
			continue;
		strbuf_reset(&sb);
		yaml_write_json(&sb, set->v[i].desired, YAML_JSON_SORT_KEYS);
		strbuf_addch(&sb, '\n');
		EVP_DigestUpdate(ctx, sb.buf, sb.len);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	strbuf_addstr(&out, "sha256:");
	for (unsigned int i = 0; i < 8 && i < mdlen; i++)
		strbuf_addf(&out, "%02x", md[i]);
	strbuf_release(&sb);
	return strbuf_detach(&out, NULL);
}

char *pack_text(const char *text)
{
	size_t len = strlen(text);
	uLong cap = compressBound((uLong)len) + 64;
	unsigned char *gz = xmalloc(cap);
	z_stream zs;
	char *b64;

	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip stream, as `gzip -d` reads it */
	deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
		     Z_DEFAULT_STRATEGY);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)len;
	zs.next_out = gz;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	deflateEnd(&zs);
	b64 = xmalloc(4 * ((zs.total_out + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, gz, (int)zs.total_out);
	free(gz);
	return b64;
}

char *unpack_text(const char *b64)
{
	size_t len = strlen(b64), n;
	unsigned char *gz;
	struct strbuf out = STRBUF_INIT;
	z_stream zs;
	int rc;

	if (len % 4)
		return NULL;
	gz = xmalloc(len / 4 * 3 + 1);
	rc = EVP_DecodeBlock(gz, (const unsigned char *)b64, (int)len);
	if (rc < 0) {
		free(gz);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as data */
	n = (size_t)rc;
	if (len && b64[len - 1] == '=')
		n--;
	if (len > 1 && b64[len - 2] == '=')
		n--;
	memset(&zs, 0, sizeof(zs));
	inflateInit2(&zs, 15 + 32);
	zs.next_in = gz;
	zs.avail_in = (uInt)n;
	do {
		unsigned char buf[16384];
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		rc = inflate(&zs, Z_NO_FLUSH);
		strbuf_add(&out, buf, sizeof(buf) - zs.avail_out);
	} while (rc == Z_OK);
	inflateEnd(&zs);
	free(gz);
	if (rc != Z_STREAM_END || memchr(out.buf, '\0', out.len)) {
		strbuf_release(&out);
		return NULL;
	}
	return strbuf_detach(&out, NULL);
}

/* ------------------------------------------------------------------ */
/* Conflicts                                                            */

json_t *strip_server_fields(const json_t *obj)
{
	static const char *const server[] = {
		"resourceVersion", "uid", "generation", "managedFields",
		"creationTimestamp", "selfLink", NULL,
	};
	json_t *o = json_deep_copy(obj);
	json_t *md = json_object_get(o, "metadata");

	json_object_del(o, "status");
	for (size_t i = 0; server[i]; i++)
		json_object_del(md, server[i]);
	return o;
}

static int overlap(const struct merge_type *t, struct strbuf *path,
		   const json_t *a, const json_t *b, const char *skip);

/* Lists merged by key: items with the same key are compared field by
 * field; primitive lists merged as sets overlap on a common value. */
static int lists_overlap(const struct merge_type *t, struct strbuf *path,
			 const json_t *a, const json_t *b, const char *key)
{
	const json_t *ia, *ib;
	size_t i, j;

	json_array_foreach(a, i, ia) {
		json_array_foreach(b, j, ib) {
			if (!key) {
				if (merge_json_equal(ia, ib))
					return 1;
				continue;
			}
			if (!json_is_object(ia) || !json_is_object(ib))
				return 1;
			if (!merge_json_equal(json_object_get(ia, key),
					      json_object_get(ib, key)))
				continue;
			if (json_object_get(ia, "$patch") ||
			    json_object_get(ib, "$patch") ||
			    overlap(t, path, ia, ib, key))
				return 1;
		}
	}
	return 0;
}

static int has_delete_from(const json_t *m, const char *field)
{
	char key[512];

	snprintf(key, sizeof(key), "$deleteFromPrimitiveList/%s", field);
	return json_object_get(m, key) != NULL;
}

static int field_overlap(const struct merge_type *t, struct strbuf *path,
			 const char *key, const json_t *va, const json_t *vb)
{
	const char *strategy = NULL, *mk = NULL;
	size_t at = path->len;
	int r;

	strbuf_addf(path, "/%s", key);
	if (json_is_array(va) && json_is_array(vb)) {
		if (t && merge_type_field(t, path->buf, &strategy, &mk) == 0 &&
		    strategy && strstr(strategy, "merge"))
			r = lists_overlap(t, path, va, vb, mk);
		else
			r = 1; /* a list replaced whole */
	} else {
		r = overlap(t, path, va, vb, NULL);
	}
	strbuf_setlen(path, at);
	return r;
}

static int overlap(const struct merge_type *t, struct strbuf *path,
		   const json_t *a, const json_t *b, const char *skip)
{
	const char *key;
	json_t *va;

	if (!json_is_object(a) || !json_is_object(b))
		return 1; /* both set (or delete) this field */
	json_object_foreach((json_t *)a, key, va) {
		const json_t *vb;

		if (skip && !strcmp(key, skip))
			continue;
		if (*key == '$') {
			/* $setElementOrder, $retainKeys, $patch: order and
			 * what to keep, not values; deletions from a
			 * primitive list touch that list */
			const char *f = "$deleteFromPrimitiveList/";
			if (!strncmp(key, f, strlen(f)) &&
			    (json_object_get(b, key + strlen(f)) ||
			     json_object_get(b, key)))
				return 1;
			continue;
		}
		vb = json_object_get(b, key);
		if (!vb) {
			if (has_delete_from(b, key))
				return 1;
			continue;
		}
		if (field_overlap(t, path, key, va, vb))
			return 1;
	}
	return 0;
}

int patches_overlap(const struct merge_type *t, const json_t *a,
		    const json_t *b)
{
	struct strbuf path = STRBUF_INIT;
	int r = overlap(t, &path, a, b, NULL);

	strbuf_release(&path);
	return r;
}
