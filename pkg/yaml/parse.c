/*
 * YAML text -> jansson values, driven by libyaml's event parser.
 *
 * We build the tree ourselves rather than use libyaml's document loader so
 * that we control typing (go-yaml v2 rules, see scalar.c), merge keys,
 * duplicate-key detection and positions, and so that aliases are copied:
 * two objects must never share a subtree, because later stages edit objects
 * in place.
 */
#include "pkg/yaml/yaml.h"

#include <string.h>
#include <yaml.h>

#include "pkg/base/mem.h"
#include "pkg/yaml/scalar.h"
#include "pkg/base/base64.h"

/* A document nested deeper than this is hostile or broken, and recursing on
 * it would exhaust the stack. */
#define MAX_DEPTH 512
/* Aliases are expanded by copying; cap how many nodes the copies of one
 * document may add, so a "billion laughs" input fails instead of eating all
 * memory. Nodes written out in the text are bounded by its size already. */
#define MAX_ALIAS_NODES (1000u * 1000)

#define TAG_PREFIX "tag:yaml.org,2002:"

struct anchor {
	char *name;
	json_t *value;
	size_t nodes;
};

struct parser {
	yaml_parser_t yp;
	yaml_event_t ev;
	int have_ev;
	const char *file;
	const char *buf; /* the input, for positions of encoding errors */
	size_t len;
	unsigned flags;
	struct gerr *err;

	struct anchor *anchors;
	size_t nr_anchors, alloc_anchors;
	size_t nodes;    /* nodes in the current document, aliases expanded */
	size_t expanded; /* of which copies made for aliases */
	int depth;

	json_t *pos;          /* positions of the current document, or NULL */
	int pos_depth;        /* record positions only this deep (0: all) */
	struct strbuf path;   /* JSON pointer of the node being built */
};

static int fail_at(struct parser *p, const yaml_mark_t *m, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, const yaml_mark_t *m, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	gerr_at(p->err, p->file, (int)m->line + 1, (int)m->column + 1, "%s",
		sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* libyaml reports bad encoding by byte offset only: turn that into a
 * line and column. */
static int reader_error(struct parser *p)
{
	const yaml_parser_t *yp = &p->yp;
	size_t off = yp->problem_offset;
	int line = 1, col = 1;
	for (size_t i = 0; i < off && i < p->len; i++) {
		if (p->buf[i] == '\n')
			line++, col = 1;
		else if (((unsigned char)p->buf[i] & 0xc0) != 0x80)
			col++;
	}
	if (yp->problem_value >= 0)
		return gerr_at(p->err, p->file, line, col,
			       "invalid YAML: the input is not UTF-8 text (%s: "
			       "0x%02X)",
			       yp->problem, (unsigned)yp->problem_value);
	return gerr_at(p->err, p->file, line, col,
		       "invalid YAML: the input is not UTF-8 text (%s)",
		       yp->problem);
}

static int next_event(struct parser *p)
{
	if (p->have_ev)
		yaml_event_delete(&p->ev);
	p->have_ev = 0;
	if (!yaml_parser_parse(&p->yp, &p->ev)) {
		const yaml_parser_t *yp = &p->yp;
		if (yp->error == YAML_READER_ERROR)
			return reader_error(p);
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "invalid YAML: %s",
			    yp->problem ? yp->problem : "syntax error");
		if (yp->context)
			strbuf_addf(&sb, " (%s at line %d)", yp->context,
				    (int)yp->context_mark.line + 1);
		gerr_at(p->err, p->file, (int)yp->problem_mark.line + 1,
			(int)yp->problem_mark.column + 1, "%s", sb.buf);
		strbuf_release(&sb);
		return -1;
	}
	p->have_ev = 1;
	return 0;
}

static int want_positions(const struct parser *p)
{
	return p->pos && (!p->pos_depth || p->depth <= p->pos_depth);
}

static void record_position(struct parser *p, const yaml_mark_t *m)
{
	if (!want_positions(p))
		return;
	json_t *at = json_pack("[ii]", (int)m->line + 1, (int)m->column + 1);
	json_object_set_new(p->pos, p->path.buf, at);
}

/* Append "/token" to the current JSON pointer, escaping ~ and / as RFC 6901
 * says. Returns the previous length, for path_pop(). */
static size_t path_push(struct parser *p, const char *token)
{
	size_t old = p->path.len;
	if (!want_positions(p))
		return old;
	strbuf_addch(&p->path, '/');
	for (const char *c = token; *c; c++) {
		if (*c == '~')
			strbuf_addstr(&p->path, "~0");
		else if (*c == '/')
			strbuf_addstr(&p->path, "~1");
		else
			strbuf_addch(&p->path, *c);
	}
	return old;
}

static void path_pop(struct parser *p, size_t old)
{
	if (p->pos)
		strbuf_setlen(&p->path, old);
}

static void forget_anchors(struct parser *p)
{
	for (size_t i = 0; i < p->nr_anchors; i++) {
		free(p->anchors[i].name);
		json_decref(p->anchors[i].value);
	}
	p->nr_anchors = 0;
}

/* A later anchor of the same name replaces the earlier one (YAML 1.2 7.1). */
static void remember_anchor(struct parser *p, const char *name, json_t *v,
			    size_t nodes)
{
	for (size_t i = 0; i < p->nr_anchors; i++) {
		if (!strcmp(p->anchors[i].name, name)) {
			json_decref(p->anchors[i].value);
			p->anchors[i].value = json_incref(v);
			p->anchors[i].nodes = nodes;
			return;
		}
	}
	ALLOC_GROW(p->anchors, p->nr_anchors + 1, p->alloc_anchors);
	p->anchors[p->nr_anchors].name = xstrdup(name);
	p->anchors[p->nr_anchors].value = json_incref(v);
	p->anchors[p->nr_anchors].nodes = nodes;
	p->nr_anchors++;
}

static const struct anchor *find_anchor(struct parser *p, const char *name)
{
	for (size_t i = 0; i < p->nr_anchors; i++)
		if (!strcmp(p->anchors[i].name, name))
			return &p->anchors[i];
	return NULL;
}

static int count_alias(struct parser *p, const yaml_mark_t *m, size_t n)
{
	p->nodes += n;
	p->expanded += n;
	if (p->expanded > MAX_ALIAS_NODES)
		return fail_at(p, m,
			       "aliases expand this document by more than "
			       "%u nodes",
			       MAX_ALIAS_NODES);
	return 0;
}

/* Is s[0..len) valid UTF-8 (no overlongs, no surrogates)? JSON strings
 * must be, and jansson refuses anything else. */
static int valid_utf8(const unsigned char *s, size_t len)
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
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		if (i + n >= len)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* !!binary: base64 (whitespace ignored, as YAML allows it to be folded).
 * The bytes become a JSON string, so they must be UTF-8 text. */
static json_t *decode_binary(struct parser *p, const char *s, size_t len)
{
	const yaml_mark_t *m = &p->ev.start_mark;
	struct strbuf out = STRBUF_INIT;
	if (base64_decode(s, len, BASE64_SKIP_SPACE, &out, NULL) < 0) {
		strbuf_release(&out);
		fail_at(p, m, "!!binary value is not valid base64");
		return NULL;
	}
	if (!valid_utf8((const unsigned char *)out.buf, out.len) ||
	    memchr(out.buf, 0, out.len)) {
		strbuf_release(&out);
		fail_at(p, m,
			"!!binary value decodes to bytes that are not UTF-8 "
			"text, which JSON cannot carry (use a Secret's data "
			"field with plain base64 instead)");
		return NULL;
	}
	json_t *j = json_stringn(out.buf, out.len);
	strbuf_release(&out);
	return j;
}

static json_t *value_of(const struct scalar_value *v)
{
	switch (v->cls) {
	case SCALAR_NULL:
		return json_null();
	case SCALAR_TRUE:
		return json_true();
	case SCALAR_FALSE:
		return json_false();
	case SCALAR_INT:
		return json_integer(v->i);
	case SCALAR_FLOAT:
		return json_real(v->d);
	case SCALAR_TIMESTAMP:
		return json_string(v->ts);
	default:
		return NULL;
	}
}

static const char *tag_name(const char *tag)
{
	if (!strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)))
		return tag + strlen(TAG_PREFIX);
	return NULL;
}

static void resolve(const struct parser *p, const char *s, size_t len,
		    struct scalar_value *v)
{
	if (p->flags & YAML_KYAML)
		scalar_resolve_plain_kyaml(s, len, v);
	else
		scalar_resolve_plain(s, len, v);
}

/* The JSON value of the current scalar event. */
static json_t *scalar_value(struct parser *p)
{
	const char *s = (const char *)p->ev.data.scalar.value;
	size_t len = p->ev.data.scalar.length;
	const char *tag = (const char *)p->ev.data.scalar.tag;
	const yaml_mark_t *m = &p->ev.start_mark;
	struct scalar_value v;

	if (!valid_utf8((const unsigned char *)s, len)) {
		fail_at(p, m, "scalar is not valid UTF-8 text");
		return NULL;
	}
	if (!tag || !strcmp(tag, "!")) {
		if (!p->ev.data.scalar.plain_implicit || tag)
			return json_stringn(s, len);
		resolve(p, s, len, &v);
		if (v.cls == SCALAR_STRING || v.cls == SCALAR_MERGE)
			return json_stringn(s, len);
		if (v.cls == SCALAR_INF || v.cls == SCALAR_NAN) {
			fail_at(p, m,
				"%.*s is a YAML float that JSON, and so "
				"Kubernetes, cannot represent; quote it to "
				"keep it as a string",
				(int)len, s);
			return NULL;
		}
		return value_of(&v);
	}

	const char *t = tag_name(tag);
	if (!t)
		return json_stringn(s, len); /* local tags (!Ref) keep the text */
	if (!strcmp(t, "str") || !strcmp(t, "timestamp"))
		return json_stringn(s, len);
	if (!strcmp(t, "binary"))
		return decode_binary(p, s, len);

	resolve(p, s, len, &v);
	if (!strcmp(t, "null")) {
		if (v.cls == SCALAR_NULL)
			return json_null();
	} else if (!strcmp(t, "bool")) {
		if (v.cls == SCALAR_TRUE || v.cls == SCALAR_FALSE)
			return value_of(&v);
	} else if (!strcmp(t, "int")) {
		if (v.cls == SCALAR_INT)
			return value_of(&v);
	} else if (!strcmp(t, "float")) {
		if (v.cls == SCALAR_INT || v.cls == SCALAR_FLOAT)
			return value_of(&v);
	} else if (!strcmp(t, "map") || !strcmp(t, "seq")) {
		fail_at(p, m, "!!%s tag on a scalar", t);
		return NULL;
	} else {
		return json_stringn(s, len);
	}
	fail_at(p, m, "cannot read \"%.*s\" as !!%s", (int)len, s, t);
	return NULL;
}

/* JSON keys are strings: a key that YAML typed becomes its text as Go
 * formats the value (sigs.k8s.io/yaml does the same), so `1:` is "1" and
 * `on:` is "true". */
static char *key_string(const json_t *k)
{
	struct strbuf sb = STRBUF_INIT;
	switch (json_typeof(k)) {
	case JSON_STRING:
		strbuf_add(&sb, json_string_value(k), json_string_length(k));
		break;
	case JSON_INTEGER:
		strbuf_addf(&sb, "%lld", (long long)json_integer_value(k));
		break;
	case JSON_REAL:
		yaml_format_float(&sb, json_real_value(k));
		break;
	case JSON_TRUE:
		strbuf_addstr(&sb, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(&sb, "false");
		break;
	default:
		strbuf_addstr(&sb, "null");
		break;
	}
	return strbuf_detach(&sb, NULL);
}

static json_t *parse_node(struct parser *p);

/*
 * Where each key of one mapping was set, in the order the keys went into the
 * JSON object (which jansson keeps), so that a key's record is found by its
 * position in the object. Only a collision needs that search: a duplicate
 * (an error) or an explicit key over a merged one.
 */
struct key_seen {
	int line, col;
	int merged;
};

struct mapping_state {
	json_t *obj;
	struct key_seen *keys;
	size_t nr, alloc;
	struct key_seen inline_keys[16]; /* most mappings are small */
};

static struct key_seen *find_key(struct mapping_state *ms, const char *key)
{
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(ms->obj, k, v) {
		if (!strcmp(k, key))
			return i < ms->nr ? &ms->keys[i] : NULL;
		i++;
	}
	return NULL;
}

static void add_key(struct mapping_state *ms, int line, int col, int merged)
{
	if (ms->nr == ms->alloc) {
		size_t alloc = ms->alloc * 2;
		struct key_seen *keys = xmalloc(alloc * sizeof(*keys));
		memcpy(keys, ms->keys, ms->nr * sizeof(*keys));
		if (ms->keys != ms->inline_keys)
			free(ms->keys);
		ms->keys = keys;
		ms->alloc = alloc;
	}
	ms->keys[ms->nr].line = line;
	ms->keys[ms->nr].col = col;
	ms->keys[ms->nr].merged = merged;
	ms->nr++;
}

/* `<<: *base` or `<<: [*a, *b]`: take the keys not set explicitly; among
 * several merged maps the first one that sets a key wins. */
static int apply_merge(struct parser *p, struct mapping_state *ms,
		       json_t *src, const yaml_mark_t *m)
{
	if (json_is_array(src)) {
		size_t i;
		json_t *item;
		json_array_foreach(src, i, item) {
			if (!json_is_object(item))
				return fail_at(p, m,
					       "a merge key (<<) takes a "
					       "mapping or a list of mappings");
			if (apply_merge(p, ms, item, m) < 0)
				return -1;
		}
		return 0;
	}
	if (!json_is_object(src))
		return fail_at(p, m, "a merge key (<<) takes a mapping or a "
				     "list of mappings");
	const char *k;
	json_t *v;
	json_object_foreach(src, k, v) {
		if (json_object_get(ms->obj, k))
			continue;
		json_object_set(ms->obj, k, v);
		add_key(ms, (int)m->line + 1, (int)m->column + 1, 1);
	}
	return 0;
}

/* Does this scalar key stand for something other than its own text (a
 * tag, or an unquoted 1, on, ~)? */
static int key_is_typed(const struct parser *p)
{
	const yaml_event_t *ev = &p->ev;
	struct scalar_value v;
	if (ev->data.scalar.tag)
		return 1;
	if (!ev->data.scalar.plain_implicit)
		return 0;
	resolve(p, (const char *)ev->data.scalar.value, ev->data.scalar.length,
		&v);
	return v.cls != SCALAR_STRING && v.cls != SCALAR_MERGE;
}

/* The key of the current scalar event as a JSON key: a string key is
 * copied into buf when it fits (no allocation for the common case),
 * anything else is formatted. *heap is set when the result must be freed. */
static const char *event_key(struct parser *p, char *buf, size_t n,
			     char **heap, const yaml_mark_t *km)
{
	*heap = NULL;
	const yaml_event_t *ev = &p->ev;
	if (!key_is_typed(p)) {
		const char *s = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;
		if (memchr(s, 0, len)) {
			fail_at(p, km, "a mapping key cannot contain a NUL "
				       "character");
			return NULL;
		}
		if (!valid_utf8((const unsigned char *)s, len)) {
			fail_at(p, km, "scalar is not valid UTF-8 text");
			return NULL;
		}
		if (len < n) {
			memcpy(buf, s, len);
			buf[len] = '\0';
			return buf;
		}
		*heap = xstrndup(s, len);
		return *heap;
	}
	json_t *kv = scalar_value(p);
	if (!kv)
		return NULL;
	if (json_is_string(kv) &&
	    strlen(json_string_value(kv)) != json_string_length(kv)) {
		json_decref(kv);
		fail_at(p, km, "a mapping key cannot contain a NUL character");
		return NULL;
	}
	*heap = key_string(kv);
	json_decref(kv);
	return *heap;
}

static json_t *parse_mapping(struct parser *p)
{
	struct mapping_state ms;
	json_t *result = NULL;
	char kbuf[256];

	ms.obj = json_object();
	ms.keys = ms.inline_keys;
	ms.nr = 0;
	ms.alloc = sizeof(ms.inline_keys) / sizeof(ms.inline_keys[0]);

	for (;;) {
		if (next_event(p) < 0)
			goto out;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			break;
		yaml_mark_t km = p->ev.start_mark;
		int is_merge = 0;
		const char *key;
		char *heap = NULL;

		if (p->ev.type == YAML_SCALAR_EVENT) {
			is_merge = p->ev.data.scalar.plain_implicit &&
				   !p->ev.data.scalar.tag &&
				   p->ev.data.scalar.length == 2 &&
				   !memcmp(p->ev.data.scalar.value, "<<", 2);
			key = event_key(p, kbuf, sizeof(kbuf), &heap, &km);
			if (!key)
				goto out;
		} else if (p->ev.type == YAML_ALIAS_EVENT) {
			const char *name = (const char *)p->ev.data.alias.anchor;
			const struct anchor *a = find_anchor(p, name);
			if (!a || json_is_object(a->value) ||
			    json_is_array(a->value)) {
				fail_at(p, &km, a ? "mapping keys must be scalars"
						  : "alias *%s refers to an unknown anchor",
					name);
				goto out;
			}
			key = heap = key_string(a->value);
		} else {
			fail_at(p, &km, "mapping keys must be scalars (a "
					"complex key cannot become JSON)");
			goto out;
		}

		if (next_event(p) < 0) {
			free(heap);
			goto out;
		}
		size_t old = path_push(p, key);
		if (!is_merge)
			record_position(p, &km);
		json_t *val = parse_node(p);
		path_pop(p, old);
		if (!val) {
			free(heap);
			goto out;
		}
		if (is_merge) {
			int rc = apply_merge(p, &ms, val, &km);
			json_decref(val);
			free(heap);
			if (rc < 0)
				goto out;
			continue;
		}
		if (json_object_get(ms.obj, key)) {
			struct key_seen *seen = find_key(&ms, key);
			if ((!seen || !seen->merged) &&
			    !(p->flags & YAML_DUPLICATE_KEYS)) {
				fail_at(p, &km,
					"duplicate key \"%s\" in one mapping "
					"(first at line %d, column %d)",
					key, seen ? seen->line : 0,
					seen ? seen->col : 0);
				json_decref(val);
				free(heap);
				goto out;
			}
			/* an explicit key replaces a merged one (or, when
			 * duplicates are allowed, an earlier one) in place */
			if (seen) {
				seen->merged = 0;
				seen->line = (int)km.line + 1;
				seen->col = (int)km.column + 1;
			}
		} else {
			add_key(&ms, (int)km.line + 1, (int)km.column + 1, 0);
		}
		json_object_set_new(ms.obj, key, val);
		free(heap);
	}
	result = json_incref(ms.obj);
out:
	if (ms.keys != ms.inline_keys)
		free(ms.keys);
	json_decref(ms.obj);
	return result;
}

static json_t *parse_sequence(struct parser *p)
{
	json_t *arr = json_array();
	char idx[32];

	for (;;) {
		if (next_event(p) < 0)
			goto fail;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			return arr;
		snprintf(idx, sizeof(idx), "%zu", json_array_size(arr));
		size_t old = path_push(p, idx);
		record_position(p, &p->ev.start_mark);
		json_t *item = parse_node(p);
		path_pop(p, old);
		if (!item)
			goto fail;
		json_array_append_new(arr, item);
	}
fail:
	json_decref(arr);
	return NULL;
}

/* Parse the node whose first event is the current one. Returns a new
 * reference, or NULL with p->err set. */
static json_t *parse_node(struct parser *p)
{
	yaml_mark_t m = p->ev.start_mark;
	const char *anchor = NULL;
	size_t nodes_before = p->nodes;
	json_t *v = NULL;

	if (++p->depth > MAX_DEPTH) {
		fail_at(p, &m, "nesting deeper than %d levels", MAX_DEPTH);
		goto out;
	}
	switch (p->ev.type) {
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)p->ev.data.alias.anchor;
		const struct anchor *a = find_anchor(p, name);
		if (!a) {
			fail_at(p, &m, "alias *%s refers to an unknown anchor",
				name);
			goto out;
		}
		if (count_alias(p, &m, a->nodes) < 0)
			goto out;
		v = json_deep_copy(a->value);
		goto out;
	}
	case YAML_SCALAR_EVENT:
		anchor = (const char *)p->ev.data.scalar.anchor;
		p->nodes++;
		v = scalar_value(p);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = (const char *)p->ev.data.sequence_start.anchor;
		p->nodes++;
		/* the anchor name lives in the event, which the next call
		 * frees: keep a copy until the node is complete */
		if (anchor) {
			char *a = xstrdup(anchor);
			v = parse_sequence(p);
			if (v)
				remember_anchor(p, a, v, p->nodes - nodes_before);
			free(a);
			goto out;
		}
		v = parse_sequence(p);
		goto out;
	case YAML_MAPPING_START_EVENT:
		anchor = (const char *)p->ev.data.mapping_start.anchor;
		p->nodes++;
		if (anchor) {
			char *a = xstrdup(anchor);
			v = parse_mapping(p);
			if (v)
				remember_anchor(p, a, v, p->nodes - nodes_before);
			free(a);
			goto out;
		}
		v = parse_mapping(p);
		goto out;
	default:
		fail_at(p, &m, "invalid YAML: unexpected event");
		goto out;
	}
	if (v && anchor)
		remember_anchor(p, anchor, v, p->nodes - nodes_before);
out:
	p->depth--;
	return v;
}

static void docs_push(struct yaml_docs *docs, json_t *value, int line,
		      int col, json_t *pos)
{
	ALLOC_GROW(docs->v, docs->nr + 1, docs->alloc);
	docs->v[docs->nr].value = value;
	docs->v[docs->nr].line = line;
	docs->v[docs->nr].col = col;
	docs->v[docs->nr].pos = pos;
	docs->nr++;
}

static void truncate_docs(struct yaml_docs *docs, size_t nr)
{
	while (docs->nr > nr) {
		docs->nr--;
		json_decref(docs->v[docs->nr].value);
		json_decref(docs->v[docs->nr].pos);
	}
}

int yaml_parse(const char *buf, size_t len, const char *file, unsigned flags,
	       struct yaml_docs *docs, struct gerr *err)
{
	struct parser p;
	size_t start_nr = docs->nr;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	p.file = file;
	p.buf = buf;
	p.len = len;
	p.flags = flags;
	p.err = err;
	strbuf_init(&p.path, 0);
	if (!docs->file)
		docs->file = xstrdup(file ? file : "<input>");
	if (!yaml_parser_initialize(&p.yp))
		return gerr_set(err, "%s: cannot initialise the YAML parser",
				file);
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&p.yp, YAML_UTF8_ENCODING);

	for (;;) {
		if (next_event(&p) < 0)
			goto out;
		if (p.ev.type == YAML_STREAM_END_EVENT)
			break;
		if (p.ev.type != YAML_DOCUMENT_START_EVENT)
			continue; /* STREAM_START, DOCUMENT_END */
		if (next_event(&p) < 0)
			goto out;
		yaml_mark_t m = p.ev.start_mark;
		p.nodes = p.expanded = 0;
		p.depth = 0;
		if (flags & (YAML_POSITIONS | YAML_POSITIONS_SHALLOW)) {
			p.pos_depth = flags & YAML_POSITIONS ? 0 : 2;
			p.pos = json_object();
			strbuf_reset(&p.path);
			record_position(&p, &m);
		}
		json_t *v = parse_node(&p);
		forget_anchors(&p);
		if (!v) {
			json_decref(p.pos);
			p.pos = NULL;
			goto out;
		}
		docs_push(docs, v, (int)m.line + 1, (int)m.column + 1, p.pos);
		p.pos = NULL;
	}
	rc = 0;
out:
	if (rc < 0)
		truncate_docs(docs, start_nr);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	forget_anchors(&p);
	free(p.anchors);
	strbuf_release(&p.path);
	yaml_parser_delete(&p.yp);
	return rc;
}

json_t *yaml_parse_value(const char *buf, size_t len, const char *file,
			 struct gerr *err)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	json_t *v = NULL;

	if (yaml_parse(buf, len, file, 0, &docs, err) < 0)
		goto out;
	if (docs.nr > 1) {
		gerr_at(err, file, docs.v[1].line, 0,
			"expected one YAML document, found a second one");
		goto out;
	}
	v = docs.nr ? json_incref(docs.v[0].value) : json_null();
out:
	yaml_docs_clear(&docs);
	return v;
}

/* kubectl expands any kind ending in "List" that carries items
 * (v1 List, and typed lists such as ConfigMapList). */
static int is_list_kind(const json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	if (!kind)
		return 0;
	size_t n = strlen(kind);
	return n >= 4 && !strcmp(kind + n - 4, "List") &&
	       json_is_array(json_object_get(obj, "items"));
}

int yaml_parse_manifests(const char *buf, size_t len, const char *file,
			 struct yaml_docs *docs, struct gerr *err)
{
	struct yaml_docs raw = YAML_DOCS_INIT;
	size_t start_nr = docs->nr;

	if (!docs->file)
		docs->file = xstrdup(file ? file : "<input>");
	/* the positions of List items are needed to name them in errors */
	if (yaml_parse(buf, len, file, YAML_POSITIONS_SHALLOW, &raw, err) < 0)
		goto fail;
	for (size_t i = 0; i < raw.nr; i++) {
		struct yaml_doc *d = &raw.v[i];
		if (json_is_null(d->value))
			continue; /* empty or comment-only document */
		if (!json_is_object(d->value)) {
			gerr_at(err, file, d->line, d->col,
				"a Kubernetes manifest must be a mapping, but "
				"this document is a %s",
				json_is_array(d->value) ? "list" : "scalar");
			goto fail;
		}
		if (!is_list_kind(d->value)) {
			docs_push(docs, json_incref(d->value), d->line, d->col,
				  NULL);
			continue;
		}
		json_t *items = json_object_get(d->value, "items");
		size_t k;
		json_t *item;
		json_array_foreach(items, k, item) {
			char ptr[48];
			int line = d->line, col = d->col;
			snprintf(ptr, sizeof(ptr), "/items/%zu", k);
			struct yaml_doc tmp = *d;
			yaml_doc_position(&tmp, ptr, &line, &col);
			if (!json_is_object(item)) {
				gerr_at(err, file, line, col,
					"item %zu of the %s is not a mapping",
					k,
					json_string_value(json_object_get(
						d->value, "kind")));
				goto fail;
			}
			docs_push(docs, json_incref(item), line, col, NULL);
		}
	}
	yaml_docs_clear(&raw);
	return 0;
fail:
	truncate_docs(docs, start_nr);
	yaml_docs_clear(&raw);
	return -1;
}

int yaml_doc_position(const struct yaml_doc *doc, const char *ptr, int *line,
		      int *col)
{
	if (!doc->pos)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, ptr);
	for (;;) {
		json_t *at = json_object_get(doc->pos, sb.buf);
		if (at) {
			*line = (int)json_integer_value(json_array_get(at, 0));
			*col = (int)json_integer_value(json_array_get(at, 1));
			strbuf_release(&sb);
			return 0;
		}
		char *slash = strrchr(sb.buf, '/');
		if (!slash)
			break;
		strbuf_setlen(&sb, (size_t)(slash - sb.buf));
	}
	strbuf_release(&sb);
	*line = doc->line;
	*col = doc->col;
	return 0;
}

void yaml_docs_clear(struct yaml_docs *docs)
{
	truncate_docs(docs, 0);
	free(docs->v);
	free(docs->file);
	docs->v = NULL;
	docs->nr = docs->alloc = 0;
	docs->file = NULL;
}
