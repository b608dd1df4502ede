/*
 * pkg/sim: request bodies in Kubernetes' protobuf encoding, which typed
 * clients send (kubectl create namespace, configmap, secret, deployment,
 * job, cronjob, role, rolebinding, service, poddisruptionbudget,
 * priorityclass, quota, serviceaccount ...): the "k8s\0" magic, a
 * runtime.Unknown envelope with the apiVersion and kind, and the object
 * encoded with the field numbers of schema_defs.c.
 *
 * Zero values are dropped as encoding/json's omitempty would drop them,
 * except in fields that are Go pointers. A field number the table does not
 * know is refused when it carries a value, so nothing is silently lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"
#include "pkg/sim/schema_types.h"
#include "pkg/base/base64.h"

struct pb {
	const unsigned char *p, *end;
};

static int varint(struct pb *b, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (b->p >= b->end)
			return -1;
		*v |= (uint64_t)(*b->p & 0x7f) << shift;
		if (!(*b->p++ & 0x80))
			return 0;
	}
	return -1;
}

/* one field: its number, wire type, and value (varint or bytes) */
struct pbfield {
	int num, wt;
	uint64_t v;
	const unsigned char *data;
	size_t len;
};

static int next_field(struct pb *b, struct pbfield *f)
{
	uint64_t key;

	if (varint(b, &key) < 0)
		return -1;
	f->num = (int)(key >> 3);
	f->wt = (int)(key & 7);
	f->data = NULL;
	f->len = 0;
	switch (f->wt) {
	case 0:
		return varint(b, &f->v);
	case 1:
	case 5: {
		size_t n = f->wt == 1 ? 8 : 4;

		if ((size_t)(b->end - b->p) < n)
			return -1;
		f->v = 0;
		for (size_t i = 0; i < n; i++)
			f->v |= (uint64_t)b->p[i] << (8 * i);
		b->p += n;
		return 0;
	}
	case 2:
		if (varint(b, &f->v) < 0 || f->v > (uint64_t)(b->end - b->p))
			return -1;
		f->data = b->p;
		f->len = (size_t)f->v;
		b->p += f->len;
		return 0;
	default:
		return -1;
	}
}

static int is_zero(const json_t *v)
{
	return !v || json_is_null(v) || json_is_false(v) ||
	       (json_is_integer(v) && !json_integer_value(v)) ||
	       (json_is_string(v) && !json_string_length(v)) ||
	       (json_is_object(v) && !json_object_size(v));
}

static json_t *decode_message(const struct tdef *d, const unsigned char *p,
			      size_t n, struct gerr *err);

static json_t *sub_fields(const unsigned char *p, size_t n, uint64_t v[4],
			  const char **str, size_t *slen, struct gerr *err)
{
	struct pb b = { p, p + n };
	struct pbfield f;

	memset(v, 0, 4 * sizeof(*v));
	*str = NULL;
	*slen = 0;
	while (b.p < b.end) {
		if (next_field(&b, &f) < 0) {
			gerr_setc(err, GERR_INPUT, "malformed protobuf");
			return NULL;
		}
		if (f.num >= 1 && f.num <= 3 && f.wt != 2)
			v[f.num] = f.v;
		else if (f.wt == 2) {
			*str = (const char *)f.data;
			*slen = f.len;
		}
	}
	return json_true();
}

static json_t *string_of(const unsigned char *p, size_t n, struct gerr *err)
{
	json_t *s = json_stringn((const char *)p, n);

	if (!s)
		gerr_setc(err, GERR_INPUT, "protobuf: a string is not UTF-8");
	return s;
}

/* metav1.Time {seconds, nanos}: RFC 3339, or null for the zero time */
static json_t *time_of(const unsigned char *p, size_t n, int micro,
		       struct gerr *err)
{
	uint64_t v[4];
	const char *str;
	size_t slen;
	json_t *ok = sub_fields(p, n, v, &str, &slen, err);
	char buf[64];
	struct tm tm;
	time_t t;

	if (!ok)
		return NULL;
	json_decref(ok);
	if (!v[1] && !v[2])
		return json_null();
	t = (time_t)(int64_t)v[1];
	gmtime_r(&t, &tm);
	if (micro)
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)((int64_t)v[2] / 1000));
	else
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *scalar_of(const struct ttype *t, const struct pbfield *f,
			 struct gerr *err)
{
	uint64_t v[4];
	const char *str;
	size_t slen;
	json_t *ok;

	switch (t->kind) {
	case T_STRING:
		return f->wt == 2 ? string_of(f->data, f->len, err) : NULL;
	case T_BYTES: {
		struct strbuf b = STRBUF_INIT;
		json_t *out;

		if (f->wt != 2)
			return NULL;
		base64_encode(&b, f->data, f->len);
		out = json_string(b.buf);
		strbuf_release(&b);
		return out;
	}
	case T_INT32:
	case T_INT64:
		if (f->wt != 0)
			return NULL;
		if (t->kind == T_INT32)
			return json_integer((int32_t)(uint32_t)f->v);
		return json_integer((json_int_t)(int64_t)f->v);
	case T_BOOL:
		return f->wt == 0 ? json_boolean(f->v != 0) : NULL;
	case T_NUMBER: {
		double d;

		if (f->wt != 1)
			return NULL;
		memcpy(&d, &f->v, sizeof(d));
		return json_real(d);
	}
	case T_QUANTITY:
		/* resource.Quantity {string = 1} */
		if (f->wt != 2 || !(ok = sub_fields(f->data, f->len, v, &str,
						    &slen, err)))
			return NULL;
		json_decref(ok);
		return string_of((const unsigned char *)(str ? str : ""),
				 slen, err);
	case T_INTSTR:
		/* intstr.IntOrString {type = 1, intVal = 2, strVal = 3} */
		if (f->wt != 2 || !(ok = sub_fields(f->data, f->len, v, &str,
						    &slen, err)))
			return NULL;
		json_decref(ok);
		if (v[1])
			return string_of((const unsigned char *)(str ? str : ""),
					 slen, err);
		return json_integer((int32_t)(uint32_t)v[2]);
	case T_TIME:
	case T_MICROTIME:
		return f->wt == 2 ? time_of(f->data, f->len,
					    t->kind == T_MICROTIME, err)
				  : NULL;
	case T_REF: {
		const struct tdef *d = schema_find_def(t->ref);

		if (f->wt != 2 || !d)
			return NULL;
		return decode_message(d, f->data, f->len, err);
	}
	default:
		return NULL;
	}
}

static int map_entry(const struct ttype *t, const struct pbfield *f,
		     json_t *into, struct gerr *err)
{
	struct pb b = { f->data, f->data + f->len };
	struct pbfield e;
	json_t *key = NULL, *val = NULL;

	while (b.p < b.end) {
		if (next_field(&b, &e) < 0)
			return gerr_setc(err, GERR_INPUT, "malformed protobuf");
		if (e.num == 1 && e.wt == 2) {
			json_decref(key);
			key = string_of(e.data, e.len, err);
		} else if (e.num == 2) {
			json_decref(val);
			val = scalar_of(t->elem, &e, err);
		}
		if (gerr_failed(err))
			break;
	}
	if (!gerr_failed(err) && key)
		json_object_set_new(into, json_string_value(key),
				    val ? val : json_string(""));
	else
		json_decref(val);
	json_decref(key);
	return gerr_failed(err) ? -1 : 0;
}

static const struct tfield *field_numbered(const struct tdef *d, int num)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct tfield *f = &d->fields[i];

		if (f->number == num ||
		    (!f->number && num == 1 && !strcmp(f->name, "metadata")))
			return f;
	}
	return NULL;
}

static json_t *decode_message(const struct tdef *d, const unsigned char *p,
			      size_t n, struct gerr *err)
{
	struct pb b = { p, p + n };
	struct pbfield f;
	json_t *obj = json_object();

	while (b.p < b.end) {
		const struct tfield *tf;
		json_t *v;

		if (next_field(&b, &f) < 0) {
			gerr_setc(err, GERR_INPUT, "malformed protobuf in %s",
				  d->go);
			goto fail;
		}
		tf = field_numbered(d, f.num);
		if (!tf) {
			/* an empty value of a field not in the table: the
			 * encoder writes every non-pointer field */
			if ((f.wt == 0 && !f.v) || (f.wt == 2 && !f.len))
				continue;
			gerr_setc(err, GERR_INPUT,
				  "kubesim cannot decode protobuf field %d of "
				  "%s", f.num, d->go);
			goto fail;
		}
		if (tf->type->kind == T_ARRAY) {
			json_t *arr = json_object_get(obj, tf->name);

			if (!arr) {
				arr = json_array();
				json_object_set_new(obj, tf->name, arr);
			}
			v = scalar_of(tf->type->elem, &f, err);
			if (!v && !gerr_failed(err))
				gerr_setc(err, GERR_INPUT,
					  "kubesim cannot decode protobuf field "
					  "%s of %s", tf->name, d->go);
			if (!v)
				goto fail;
			json_array_append_new(arr, v);
			continue;
		}
		if (tf->type->kind == T_MAP) {
			json_t *m = json_object_get(obj, tf->name);

			if (f.wt != 2) {
				gerr_setc(err, GERR_INPUT,
					  "malformed protobuf map %s of %s",
					  tf->name, d->go);
				goto fail;
			}
			if (!m) {
				m = json_object();
				json_object_set_new(obj, tf->name, m);
			}
			if (map_entry(tf->type, &f, m, err) < 0)
				goto fail;
			continue;
		}
		v = scalar_of(tf->type, &f, err);
		if (!v) {
			if (!gerr_failed(err))
				gerr_setc(err, GERR_INPUT,
					  "kubesim cannot decode protobuf field "
					  "%s of %s", tf->name, d->go);
			goto fail;
		}
		/* what encoding/json would leave out (omitempty) */
		if (is_zero(v) && !tf->pointer)
			json_decref(v);
		else
			json_object_set_new(obj, tf->name, v);
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

json_t *proto_decode(struct sim *s, const void *buf, size_t len,
		     struct gerr *err)
{
	const unsigned char *p = buf;
	struct pb b = { p + 4, p + len };
	struct pbfield f;
	json_t *api = NULL, *kind = NULL, *obj = NULL;
	const unsigned char *raw = NULL;
	size_t rawlen = 0;
	const struct rtype *t = NULL;

	if (len < 4 || memcmp(p, "k8s\0", 4)) {
		gerr_setc(err, GERR_INPUT, "not Kubernetes protobuf");
		return NULL;
	}
	while (b.p < b.end) {
		if (next_field(&b, &f) < 0)
			goto bad;
		if (f.num == 1 && f.wt == 2) {
			/* runtime.TypeMeta {apiVersion = 1, kind = 2} */
			struct pb tb = { f.data, f.data + f.len };
			struct pbfield tf;

			while (tb.p < tb.end) {
				if (next_field(&tb, &tf) < 0 || tf.wt != 2)
					goto bad;
				if (tf.num == 1) {
					json_decref(api);
					api = string_of(tf.data, tf.len, err);
				} else if (tf.num == 2) {
					json_decref(kind);
					kind = string_of(tf.data, tf.len, err);
				}
			}
		} else if (f.num == 2 && f.wt == 2) {
			raw = f.data;
			rawlen = f.len;
		}
	}
	for (size_t i = 0; api && kind && i < s->ntypes && !t; i++) {
		struct strbuf av = STRBUF_INIT;

		types_api_version(s->types[i], &av);
		if (!strcmp(av.buf, json_string_value(api)) &&
		    !strcmp(s->types[i]->kind, json_string_value(kind)) &&
		    s->types[i]->def)
			t = s->types[i];
		strbuf_release(&av);
	}
	if (!t) {
		gerr_setc(err, GERR_INPUT,
			  "kubesim cannot decode protobuf of %s %s",
			  api ? json_string_value(api) : "?",
			  kind ? json_string_value(kind) : "?");
		goto out;
	}
	obj = decode_message(schema_find_def(t->def), raw ? raw : p, rawlen,
			     err);
	if (obj) {
		json_t *full = json_object();

		json_object_set(full, "kind", kind);
		json_object_set(full, "apiVersion", api);
		json_object_update(full, obj);
		json_decref(obj);
		obj = full;
	}
	goto out;
bad:
	gerr_setc(err, GERR_INPUT, "malformed protobuf");
out:
	json_decref(api);
	json_decref(kind);
	return obj;
}
