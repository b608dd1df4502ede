/*
 * configMapGenerator and secretGenerator: ConfigMaps and Secrets made from
 * env files, literals and files (in that order, as kustomize reads them),
 * with generatorOptions, and put into the resources by their behavior:
 * create (the default: a new object), merge (its data over an existing
 * one's) or replace (instead of an existing one). A generated object gets
 * a hash suffix on its name at the end of the top build (hash.c) unless
 * disableNameSuffixHash.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/base/base64.h"

static const char *opt(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07;
		else
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Base64 as kustomize's generators write it: lines of 70 characters,
 * each ending in a newline once there is more than one line. */
static char *base64(const unsigned char *s, size_t len)
{
	struct strbuf enc = STRBUF_INIT, out = STRBUF_INIT;
	base64_encode(&enc, s, len);
	if (enc.len / 70 + 1 == 1)
		return strbuf_detach(&enc, NULL);
	for (size_t i = 0; i < enc.len; i += 70) {
		size_t n = enc.len - i < 70 ? enc.len - i : 70;
		strbuf_add(&out, enc.buf + i, n);
		strbuf_addch(&out, '\n');
	}
	strbuf_release(&enc);
	return strbuf_detach(&out, NULL);
}

/* The key/value pairs being collected for one generated object. */
struct kv {
	json_t *data;   /* key -> string */
	json_t *binary; /* key -> base64, ConfigMaps only */
	int secret;
	const char *kind_word; /* "configmap" / "secret", for messages */
	const char *name;
};

static int kv_add(struct kust *kt, const char *ptr, struct kv *kv,
		  const char *key, const char *val, size_t len,
		  struct gerr *err)
{
	if (json_object_get(kv->data, key) || json_object_get(kv->binary, key))
		return kust_fail(kt, ptr, err, "%s %s repeats the key \"%s\"",
				 kv->kind_word, kv->name, key);
	if (kv->secret) {
		char *b = base64((const unsigned char *)val, len);
		json_object_set_new(kv->data, key, json_string(b));
		free(b);
	} else if (utf8_valid((const unsigned char *)val, len) &&
		   !memchr(val, '\0', len)) {
		json_object_set_new(kv->data, key, json_stringn(val, len));
	} else {
		char *b = base64((const unsigned char *)val, len);
		json_object_set_new(kv->binary, key, json_string(b));
		free(b);
	}
	return 0;
}

/* An env file: KEY=VALUE lines; blank lines and # comments skipped,
 * leading blanks trimmed, a line without '=' takes the value from the
 * environment, as kustomize does. */
static int kv_env_file(struct kust *kt, const char *ptr, struct kv *kv,
		       const char *rel, struct gerr *err)
{
	size_t len;
	char *shown;
	char *buf = kload_read(kt, rel, ptr, &len, &shown, err);
	int rc = 0, lineno = 0;
	if (!buf) {
		free(shown);
		return -1;
	}
	char *p = buf, *end = buf + len;
	while (p < end && !rc) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		if (n && p[n - 1] == '\r')
			n--;
		char *line = xstrndup(p, n);
		char *s = line;
		lineno++;
		if (lineno == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
			s += 3;
		if (!utf8_valid((unsigned char *)s, strlen(s))) {
			rc = gerr_setc(err, GERR_INPUT,
				       "%s:%d: not valid UTF-8 text", shown,
				       lineno);
		} else {
			while (*s == ' ' || *s == '\t' || *s == '\v' ||
			       *s == '\f' || *s == '\r')
				s++;
			if (*s && *s != '#') {
				char *eq = strchr(s, '=');
				const char *val;
				if (eq) {
					*eq = '\0';
					val = eq + 1;
				} else {
					val = getenv(s);
					if (!val)
						val = "";
				}
				rc = kv_add(kt, ptr, kv, s, val, strlen(val), err);
			}
		}
		free(line);
		p = nl ? nl + 1 : end;
	}
	free(buf);
	free(shown);
	return rc;
}

/* A literal: key=value, one pair of matching quotes around the value
 * removed. */
static int kv_literal(struct kust *kt, const char *ptr, struct kv *kv,
		      const char *lit, struct gerr *err)
{
	const char *eq = strchr(lit, '=');
	if ((!eq || eq == lit) && kv->secret)
		/* never show what may be a secret value */
		return kust_fail(kt, ptr, err, "a literal of secret %s is not "
				 "key=value", kv->name);
	if (!eq || eq == lit)
		return kust_fail(kt, ptr, err, "literal \"%s\": expected "
				 "key=value", lit);
	char *key = xstrndup(lit, (size_t)(eq - lit));
	const char *v = eq + 1;
	size_t n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	int rc = kv_add(kt, ptr, kv, key, v, n, err);
	free(key);
	return rc;
}

/* A file: [key=]path; the key defaults to the file's base name. */
static int kv_file(struct kust *kt, const char *ptr, struct kv *kv,
		   const char *src, struct gerr *err)
{
	const char *eq = strchr(src, '=');
	char *key;
	const char *path;
	if (eq) {
		if (eq == src)
			return kust_fail(kt, ptr, err, "file source \"%s\": "
					 "the key before = is empty", src);
		if (!eq[1])
			return kust_fail(kt, ptr, err, "file source \"%s\": "
					 "the path after = is empty", src);
		key = xstrndup(src, (size_t)(eq - src));
		path = eq + 1;
	} else {
		const char *slash = strrchr(src, '/');
		key = xstrdup(slash ? slash + 1 : src);
		path = src;
	}
	size_t len;
	char *shown;
	char *buf = kload_read(kt, path, ptr, &len, &shown, err);
	int rc = buf ? kv_add(kt, ptr, kv, key, buf, len, err) : -1;
	free(buf);
	free(shown);
	free(key);
	return rc;
}

static void merge_map_into(json_t *md, const char *field, const json_t *local,
			   const json_t *global)
{
	json_t *m = json_object();
	const char *k;
	json_t *v;
	/* the generator's own labels win over generatorOptions' */
	json_object_foreach((json_t *)global, k, v)
		json_object_set_new(m, k, json_string(json_is_string(v) ? json_string_value(v) : ""));
	json_object_foreach((json_t *)local, k, v)
		json_object_set_new(m, k, json_string(json_is_string(v) ? json_string_value(v) : ""));
	if (json_object_size(m))
		json_object_set_new(md, field, m);
	else
		json_decref(m);
}

int kgen_run(struct kust *kt, const json_t *args, int secret,
	     const json_t *global, const char *ptr, struct kacc *acc,
	     struct gerr *err)
{
	const json_t *local = json_object_get(args, "options");
	struct kv kv = { json_object(), json_object(), secret,
			 secret ? "secret" : "configmap", opt(args, "name") };
	char sub[96];
	size_t i;
	const json_t *e;
	int rc = -1;

	if (!*kv.name) {
		kust_fail(kt, ptr, err, "a %s generator needs a name",
			  kv.kind_word);
		goto out;
	}
	/* env, then envs, literals, files */
	const json_t *envs = json_object_get(args, "envs");
	json_array_foreach(envs, i, e) {
		snprintf(sub, sizeof(sub), "%s/envs/%zu", ptr, i);
		if (json_is_string(e) &&
		    kv_env_file(kt, sub, &kv, json_string_value(e), err) < 0)
			goto out;
	}
	if (*opt(args, "env")) {
		snprintf(sub, sizeof(sub), "%s/env", ptr);
		if (kv_env_file(kt, sub, &kv, opt(args, "env"), err) < 0)
			goto out;
	}
	json_array_foreach(json_object_get(args, "literals"), i, e) {
		snprintf(sub, sizeof(sub), "%s/literals/%zu", ptr, i);
		if (json_is_string(e) &&
		    kv_literal(kt, sub, &kv, json_string_value(e), err) < 0)
			goto out;
	}
	json_array_foreach(json_object_get(args, "files"), i, e) {
		snprintf(sub, sizeof(sub), "%s/files/%zu", ptr, i);
		if (json_is_string(e) &&
		    kv_file(kt, sub, &kv, json_string_value(e), err) < 0)
			goto out;
	}

	json_t *obj = json_object();
	json_t *md = json_object();
	json_object_set_new(obj, "apiVersion", json_string("v1"));
	json_object_set_new(obj, "kind", json_string(secret ? "Secret" : "ConfigMap"));
	json_object_set_new(md, "name", json_string(kv.name));
	if (*opt(args, "namespace"))
		json_object_set_new(md, "namespace",
				    json_string(opt(args, "namespace")));
	merge_map_into(md, "labels", json_object_get(local, "labels"),
		       json_object_get(global, "labels"));
	merge_map_into(md, "annotations", json_object_get(local, "annotations"),
		       json_object_get(global, "annotations"));
	json_object_set_new(obj, "metadata", md);
	if (json_object_size(kv.data))
		json_object_set(obj, "data", kv.data);
	if (json_object_size(kv.binary))
		json_object_set(obj, "binaryData", kv.binary);
	if (secret)
		json_object_set_new(obj, "type",
				    json_string(*opt(args, "type")
							? opt(args, "type")
							: "Opaque"));
	if (json_is_true(json_object_get(local, "immutable")) ||
	    json_is_true(json_object_get(global, "immutable")))
		json_object_set_new(obj, "immutable", json_true());

	struct kres *r = kres_new(obj, kt->file, kust_line(kt, ptr));
	r->generated = 1;
	r->needs_hash =
		!json_is_true(json_object_get(local, "disableNameSuffixHash")) &&
		!json_is_true(json_object_get(global, "disableNameSuffixHash"));
	const char *b = opt(args, "behavior");
	r->behavior = !strcmp(b, "merge")     ? KB_MERGE
		      : !strcmp(b, "replace") ? KB_REPLACE
					      : KB_CREATE;
	if (kgen_absorb(acc, r, err) < 0) {
		struct strbuf w = STRBUF_INIT;
		kust_where(kt, ptr, &w);
		gerr_prefix(err, "%s", w.buf);
		strbuf_release(&w);
		goto out;
	}
	rc = 0;
out:
	json_decref(kv.data);
	json_decref(kv.binary);
	return rc;
}

static json_t *merged_map(const json_t *old, const json_t *new)
{
	json_t *m = json_object();
	if (json_is_object(old))
		json_object_update(m, (json_t *)old);
	if (json_is_object(new))
		json_object_update(m, (json_t *)new);
	return m;
}

static void set_or_drop(json_t *obj, const char *field, json_t *m)
{
	if (json_object_size(m))
		json_object_set_new(obj, field, m);
	else {
		json_object_del(obj, field);
		json_decref(m);
	}
}

/* kustomize's CopyMergeMetaDataFieldsFrom: the new object keeps the old
 * one's name, namespace and history; its labels and annotations win. */
static void take_identity(struct kres *r, struct kres *old)
{
	json_t *md = json_object_get(r->obj, "metadata");
	json_t *omd = json_object_get(old->obj, "metadata");
	set_or_drop(md, "labels", merged_map(json_object_get(omd, "labels"),
					     json_object_get(md, "labels")));
	set_or_drop(md, "annotations",
		    merged_map(json_object_get(omd, "annotations"),
			       json_object_get(md, "annotations")));
	kres_set_name(r, kres_name(old));
	kres_set_ns(r, kres_ns(old));
	/* history and options travel with the object */
	struct kid *tp = r->prev;
	size_t tn = r->nprev, ta = r->aprev;
	r->prev = old->prev;
	r->nprev = old->nprev;
	r->aprev = old->aprev;
	old->prev = tp;
	old->nprev = tn;
	old->aprev = ta;
	struct strvec sv = r->prefixes;
	r->prefixes = old->prefixes;
	old->prefixes = sv;
	sv = r->suffixes;
	r->suffixes = old->suffixes;
	old->suffixes = sv;
	r->needs_hash = old->needs_hash;
	r->generated = old->generated;
	free(r->file);
	r->file = old->file ? xstrdup(old->file) : NULL;
	r->line = old->line;
}

int kgen_absorb(struct kacc *acc, struct kres *r, struct gerr *err)
{
	struct kid id;
	long at = -1;
	size_t n = 0;
	kres_id(r, &id);
	for (size_t i = 0; i < acc->res.nr; i++) {
		struct kres *o = acc->res.v[i];
		int named = !strcmp(kres_name(o), id.name);
		for (size_t k = 0; !named && k < o->nprev; k++)
			named = !strcmp(o->prev[k].name, id.name);
		if (named && kres_any_id_equals(o, &id)) {
			if (!n)
				at = (long)i;
			n++;
		}
	}
	struct strbuf sb = STRBUF_INIT;
	kid_format(&sb, &id);
	if (n > 1) {
		gerr_setc(err, GERR_INPUT, "%s: more than one object could "
			  "take the generated data", sb.buf);
		goto fail;
	}
	if (n == 0) {
		if (r->behavior == KB_MERGE || r->behavior == KB_REPLACE) {
			gerr_setc(err, GERR_INPUT,
				  "%s does not exist, so behavior %s has "
				  "nothing to %s",
				  sb.buf,
				  r->behavior == KB_MERGE ? "merge" : "replace",
				  r->behavior == KB_MERGE ? "merge into"
							  : "replace");
			goto fail;
		}
		strbuf_release(&sb);
		kresmap_push(&acc->res, r);
		return 0;
	}
	struct kres *old = acc->res.v[at];
	if (r->behavior != KB_MERGE && r->behavior != KB_REPLACE) {
		gerr_setc(err, GERR_INPUT,
			  "%s exists already; use behavior merge or replace "
			  "to change it", sb.buf);
		goto fail;
	}
	strbuf_release(&sb);
	take_identity(r, old);
	if (r->behavior == KB_MERGE) {
		set_or_drop(r->obj, "data",
			    merged_map(json_object_get(old->obj, "data"),
				       json_object_get(r->obj, "data")));
		set_or_drop(r->obj, "binaryData",
			    merged_map(json_object_get(old->obj, "binaryData"),
				       json_object_get(r->obj, "binaryData")));
	}
	kvars_rebind(acc, old, r);
	kres_free(old);
	acc->res.v[at] = r;
	return 0;
fail:
	strbuf_release(&sb);
	kres_free(r);
	return -1;
}
