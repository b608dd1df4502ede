/*
 * values.schema.json: JSON Schema (draft 4/6/7 keywords) validation as
 * Helm 3 does it with gojsonschema, and gojsonschema's English messages:
 *
 *   - replicaCount: Invalid type. Expected: integer, given: string
 *   - (root): image is required
 *   - service.type: service.type must be one of the following: "A", "B"
 *
 * The field is the path from the root ("(root)" for the root itself), the
 * order of the messages the order in which gojsonschema meets them
 * (properties in the schema's order, object keys sorted).
 *
 * Regular expressions (pattern, patternProperties) are Go RE2 syntax run
 * by PCRE2, which accepts everything RE2 does that schemas use.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/chart/chart_int.h"
#include "pkg/yaml/yaml.h"

struct result {
	struct strvec errors;   /* "field: description" */
	int score;
};

struct vctx {
	const json_t *root;     /* the schema document, for $ref */
	int depth;
};

static void add_error(struct result *r, const char *field, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));

static void add_error(struct result *r, const char *field, const char *fmt,
		      ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	strbuf_addf(&sb, "%s: ", field);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strvec_push_nodup(&r->errors, strbuf_detach(&sb, NULL));
}

static void merge(struct result *dst, struct result *src)
{
	for (size_t i = 0; i < src->errors.nr; i++)
		strvec_push(&dst->errors, src->errors.v[i]);
}

static void result_clear(struct result *r)
{
	strvec_clear(&r->errors);
	r->score = 0;
}

/* "(root)" or "a.b.0" */
static char *sub_field(const char *field, const char *key)
{
	if (!strcmp(field, "(root)"))
		return xstrdup(key);
	return xasprintf("%s.%s", field, key);
}

/* Canonical JSON of a value, for enum, const and uniqueItems. */
static char *canon(const json_t *v)
{
	struct strbuf sb = STRBUF_INIT;
	yaml_write_json(&sb, v, YAML_JSON_SORT_KEYS);
	return strbuf_detach(&sb, NULL);
}

static int is_int_value(const json_t *v)
{
	if (json_is_integer(v))
		return 1;
	if (json_is_real(v)) {
		double d = json_real_value(v);
		return d == floor(d) && isfinite(d);
	}
	return 0;
}

static const char *type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return is_int_value(v) ? "integer" : "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

static int type_allows(const json_t *types, const json_t *v)
{
	const char *t = type_of(v);
	if (json_is_string(types)) {
		const char *want = json_string_value(types);
		return !strcmp(want, t) ||
		       (!strcmp(want, "number") && !strcmp(t, "integer"));
	}
	size_t i;
	json_t *e;
	json_array_foreach(types, i, e)
		if (type_allows(e, v))
			return 1;
	return 0;
}

static void types_string(struct strbuf *sb, const json_t *types)
{
	if (json_is_string(types)) {
		strbuf_addstr(sb, json_string_value(types));
		return;
	}
	if (json_array_size(types) == 1) {
		strbuf_addstr(sb, json_string_value(json_array_get(types, 0)));
		return;
	}
	strbuf_addch(sb, '[');
	size_t i;
	json_t *e;
	json_array_foreach(types, i, e) {
		if (i)
			strbuf_addch(sb, ',');
		strbuf_addstr(sb, json_string_value(e));
	}
	strbuf_addch(sb, ']');
}

static double num(const json_t *v)
{
	return json_number_value(v);
}

/* big.Float's String(): %.10g */
static void fmt_num(struct strbuf *sb, double d)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.10g", d);
	strbuf_addstr(sb, buf);
}

static int regex_match(const char *re, const char *s, size_t len)
{
	int errcode;
	PCRE2_SIZE erroff;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
					 PCRE2_UTF, &errcode, &erroff, NULL);
	if (!code)
		return 0;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	int rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return rc >= 0;
}

static size_t rune_count(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static int check_format(const char *format, const char *s)
{
	if (!strcmp(format, "ipv4")) {
		struct in_addr a;
		return inet_pton(AF_INET, s, &a) == 1;
	}
	if (!strcmp(format, "ipv6")) {
		struct in6_addr a;
		return strchr(s, ':') && inet_pton(AF_INET6, s, &a) == 1;
	}
	if (!strcmp(format, "email") || !strcmp(format, "idn-email")) {
		const char *at = strchr(s, '@');
		return at && at != s && at[1] && !strchr(at + 1, '@');
	}
	if (!strcmp(format, "date-time"))
		return regex_match("^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}"
				   "(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$", s,
				   strlen(s));
	if (!strcmp(format, "date"))
		return regex_match("^\\d{4}-\\d{2}-\\d{2}$", s, strlen(s));
	if (!strcmp(format, "time"))
		return regex_match("^\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?"
				   "([Zz]|[+-]\\d{2}:\\d{2})$", s, strlen(s));
	if (!strcmp(format, "hostname") || !strcmp(format, "idn-hostname"))
		return strlen(s) <= 255 &&
		       regex_match("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
				   "(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}"
				   "[a-zA-Z0-9])?)*$", s, strlen(s));
	if (!strcmp(format, "uri") || !strcmp(format, "iri"))
		return regex_match("^[a-zA-Z][a-zA-Z0-9+.-]*:", s, strlen(s));
	if (!strcmp(format, "uuid"))
		return regex_match("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
				   "-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", s,
				   strlen(s));
	if (!strcmp(format, "regex")) {
		int errcode;
		PCRE2_SIZE erroff;
		pcre2_code *c = pcre2_compile((PCRE2_SPTR)s,
					      PCRE2_ZERO_TERMINATED, PCRE2_UTF,
					      &errcode, &erroff, NULL);
		pcre2_code_free(c);
		return c != NULL;
	}
	if (!strcmp(format, "json-pointer"))
		return !*s || s[0] == '/';
	return 1;
}

/* $ref "#/definitions/x" or "#": the schema it points at. */
static const json_t *resolve_ref(const struct vctx *c, const char *ref)
{
	if (strncmp(ref, "#", 1))
		return NULL;
	const json_t *cur = c->root;
	const char *p = ref + 1;
	while (*p == '/') {
		p++;
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		struct strbuf key = STRBUF_INIT;
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '~' && i + 1 < n && p[i + 1] == '1')
				strbuf_addch(&key, '/'), i++;
			else if (p[i] == '~' && i + 1 < n && p[i + 1] == '0')
				strbuf_addch(&key, '~'), i++;
			else
				strbuf_addch(&key, p[i]);
		}
		if (json_is_array(cur))
			cur = json_array_get(cur, (size_t)atol(key.buf ? key.buf
								    : ""));
		else
			cur = json_object_get(cur, key.buf ? key.buf : "");
		strbuf_release(&key);
		if (!cur)
			return NULL;
		p += n;
	}
	return cur;
}

static void validate(const struct vctx *c, const json_t *s, const json_t *v,
		     const char *field, struct result *r);

static void sub_validate(const struct vctx *c, const json_t *s,
			 const json_t *v, const char *field, struct result *r)
{
	memset(r, 0, sizeof(*r));
	validate(c, s, v, field, r);
}

static void validate_applicators(const struct vctx *c, const json_t *s,
				 const json_t *v, const char *field,
				 struct result *r)
{
	json_t *any = json_object_get(s, "anyOf");
	if (json_array_size(any)) {
		struct result best = { 0 };
		int have_best = 0, ok = 0;
		size_t i;
		json_t *e;
		json_array_foreach(any, i, e) {
			struct result sr;
			sub_validate(c, e, v, field, &sr);
			if (!sr.errors.nr) {
				ok = 1;
				result_clear(&sr);
				break;
			}
			if (!have_best || sr.score > best.score) {
				result_clear(&best);
				best = sr;
				have_best = 1;
			} else {
				result_clear(&sr);
			}
		}
		if (!ok) {
			add_error(r, field, "Must validate at least one schema "
				  "(anyOf)");
			merge(r, &best);
		}
		result_clear(&best);
	}
	json_t *one = json_object_get(s, "oneOf");
	if (json_array_size(one)) {
		struct result best = { 0 };
		int have_best = 0, nok = 0;
		size_t i;
		json_t *e;
		json_array_foreach(one, i, e) {
			struct result sr;
			sub_validate(c, e, v, field, &sr);
			if (!sr.errors.nr) {
				nok++;
				result_clear(&sr);
			} else if (!nok && (!have_best || sr.score > best.score)) {
				result_clear(&best);
				best = sr;
				have_best = 1;
			} else {
				result_clear(&sr);
			}
		}
		if (nok != 1) {
			add_error(r, field, "Must validate one and only one "
				  "schema (oneOf)");
			if (!nok)
				merge(r, &best);
		}
		result_clear(&best);
	}
	json_t *all = json_object_get(s, "allOf");
	if (json_array_size(all)) {
		size_t nok = 0, i;
		json_t *e;
		json_array_foreach(all, i, e) {
			struct result sr;
			sub_validate(c, e, v, field, &sr);
			if (!sr.errors.nr)
				nok++;
			merge(r, &sr);
			result_clear(&sr);
		}
		if (nok != json_array_size(all))
			add_error(r, field, "Must validate all the schemas "
				  "(allOf)");
	}
	json_t *not = json_object_get(s, "not");
	if (not) {
		struct result sr;
		sub_validate(c, not, v, field, &sr);
		if (!sr.errors.nr)
			add_error(r, field, "Must not validate the schema (not)");
		result_clear(&sr);
	}
	json_t *deps = json_object_get(s, "dependencies");
	if (json_is_object(deps) && json_is_object(v)) {
		const char *k;
		json_t *val;
		json_object_foreach((json_t *)v, k, val) {
			json_t *d = json_object_get(deps, k);
			if (json_is_array(d)) {
				size_t i;
				json_t *name;
				json_array_foreach(d, i, name)
					if (json_is_string(name) &&
					    !json_object_get(v, json_string_value(name)))
						add_error(r, field, "Has a dependency "
							  "on %s",
							  json_string_value(name));
			} else if (json_is_object(d) || json_is_boolean(d)) {
				validate(c, d, v, field, r);
			}
		}
	}
	json_t *sif = json_object_get(s, "if");
	if (sif) {
		struct result ri;
		sub_validate(c, sif, v, field, &ri);
		int if_ok = !ri.errors.nr;
		result_clear(&ri);
		json_t *then = json_object_get(s, "then");
		json_t *els = json_object_get(s, "else");
		if (then && if_ok) {
			struct result rt;
			sub_validate(c, then, v, field, &rt);
			if (rt.errors.nr) {
				add_error(r, field, "Must validate \"then\" as "
					  "\"if\" was valid");
				merge(r, &rt);
			}
			result_clear(&rt);
		}
		if (els && !if_ok) {
			struct result re;
			sub_validate(c, els, v, field, &re);
			if (re.errors.nr) {
				add_error(r, field, "Must validate \"else\" as "
					  "\"if\" was not valid");
				merge(r, &re);
			}
			result_clear(&re);
		}
	}
	r->score++;
}

static void validate_common(const json_t *s, const json_t *v,
			    const char *field, struct result *r)
{
	json_t *cst = json_object_get(s, "const");
	if (cst) {
		char *a = canon(v), *b = canon(cst);
		if (strcmp(a, b))
			add_error(r, field, "%s does not match: %s", field, b);
		free(a);
		free(b);
	}
	json_t *en = json_object_get(s, "enum");
	if (json_array_size(en)) {
		char *a = canon(v);
		int found = 0;
		struct strbuf allowed = STRBUF_INIT;
		size_t i;
		json_t *e;
		json_array_foreach(en, i, e) {
			char *b = canon(e);
			found |= !strcmp(a, b);
			if (i)
				strbuf_addstr(&allowed, ", ");
			strbuf_addstr(&allowed, b);
			free(b);
		}
		if (!found)
			add_error(r, field, "%s must be one of the following: %s",
				  field, allowed.buf);
		strbuf_release(&allowed);
		free(a);
	}
	r->score++;
}

static void validate_number(const json_t *s, const json_t *v,
			    const char *field, struct result *r)
{
	double d = num(v);
	struct strbuf sb = STRBUF_INIT;
	json_t *k;
	if ((k = json_object_get(s, "multipleOf")) && json_is_number(k) &&
	    num(k) != 0) {
		double q = d / num(k);
		if (q != floor(q)) {
			fmt_num(&sb, num(k));
			add_error(r, field, "Must be a multiple of %s", sb.buf);
			strbuf_reset(&sb);
		}
	}
	/* draft 4 spells exclusiveMaximum as a boolean beside maximum */
	json_t *max = json_object_get(s, "maximum");
	json_t *xmax = json_object_get(s, "exclusiveMaximum");
	if (json_is_number(max)) {
		if (json_is_true(xmax) ? d >= num(max) : d > num(max)) {
			fmt_num(&sb, num(max));
			add_error(r, field, json_is_true(xmax) ?
				  "Must be less than %s" :
				  "Must be less than or equal to %s", sb.buf);
			strbuf_reset(&sb);
		}
	}
	if (json_is_number(xmax) && d >= num(xmax)) {
		fmt_num(&sb, num(xmax));
		add_error(r, field, "Must be less than %s", sb.buf);
		strbuf_reset(&sb);
	}
	json_t *min = json_object_get(s, "minimum");
	json_t *xmin = json_object_get(s, "exclusiveMinimum");
	if (json_is_number(min)) {
		if (json_is_true(xmin) ? d <= num(min) : d < num(min)) {
			fmt_num(&sb, num(min));
			add_error(r, field, json_is_true(xmin) ?
				  "Must be greater than %s" :
				  "Must be greater than or equal to %s", sb.buf);
			strbuf_reset(&sb);
		}
	}
	if (json_is_number(xmin) && d <= num(xmin)) {
		fmt_num(&sb, num(xmin));
		add_error(r, field, "Must be greater than %s", sb.buf);
		strbuf_reset(&sb);
	}
	strbuf_release(&sb);
	r->score++;
}

static void validate_string(const json_t *s, const json_t *v,
			    const char *field, struct result *r)
{
	const char *str = json_string_value(v);
	size_t len = json_string_length(v);
	size_t runes = rune_count(str, len);
	json_t *k;
	if ((k = json_object_get(s, "minLength")) && json_is_number(k) &&
	    (double)runes < num(k))
		add_error(r, field, "String length must be greater than or "
			  "equal to %lld", (long long)num(k));
	if ((k = json_object_get(s, "maxLength")) && json_is_number(k) &&
	    (double)runes > num(k))
		add_error(r, field, "String length must be less than or equal "
			  "to %lld", (long long)num(k));
	if ((k = json_object_get(s, "pattern")) && json_is_string(k) &&
	    !regex_match(json_string_value(k), str, len))
		add_error(r, field, "Does not match pattern '%s'",
			  json_string_value(k));
	if ((k = json_object_get(s, "format")) && json_is_string(k) &&
	    !check_format(json_string_value(k), str))
		add_error(r, field, "Does not match format '%s'",
			  json_string_value(k));
	r->score++;
}

static void validate_array(const struct vctx *c, const json_t *s,
			   const json_t *v, const char *field,
			   struct result *r)
{
	size_t n = json_array_size(v);
	json_t *items = json_object_get(s, "items");
	char idx[32];
	if (json_is_object(items) || json_is_boolean(items)) {
		for (size_t i = 0; i < n; i++) {
			snprintf(idx, sizeof(idx), "%zu", i);
			char *f = sub_field(field, idx);
			struct result sr;
			sub_validate(c, items, json_array_get(v, i), f, &sr);
			merge(r, &sr);
			result_clear(&sr);
			free(f);
		}
	} else if (json_is_array(items) && json_array_size(items)) {
		size_t ni = json_array_size(items);
		for (size_t i = 0; i < ni && i < n; i++) {
			snprintf(idx, sizeof(idx), "%zu", i);
			char *f = sub_field(field, idx);
			struct result sr;
			sub_validate(c, json_array_get(items, i),
				     json_array_get(v, i), f, &sr);
			merge(r, &sr);
			result_clear(&sr);
			free(f);
		}
		json_t *add = json_object_get(s, "additionalItems");
		if (ni < n) {
			if (json_is_false(add)) {
				add_error(r, field, "No additional items allowed "
					  "on array");
			} else if (json_is_object(add)) {
				for (size_t i = ni; i < n; i++) {
					snprintf(idx, sizeof(idx), "%zu", i);
					char *f = sub_field(field, idx);
					struct result sr;
					sub_validate(c, add, json_array_get(v, i),
						     f, &sr);
					merge(r, &sr);
					result_clear(&sr);
					free(f);
				}
			}
		}
	}
	json_t *k;
	if ((k = json_object_get(s, "minItems")) && json_is_number(k) &&
	    (double)n < num(k))
		add_error(r, field, "Array must have at least %lld items",
			  (long long)num(k));
	if ((k = json_object_get(s, "maxItems")) && json_is_number(k) &&
	    (double)n > num(k))
		add_error(r, field, "Array must have at most %lld items",
			  (long long)num(k));
	if (json_is_true(json_object_get(s, "uniqueItems"))) {
		char **seen = xcalloc(n + 1, sizeof(*seen));
		for (size_t j = 0; j < n; j++) {
			seen[j] = canon(json_array_get(v, j));
			for (size_t i = j; i-- > 0;) {
				if (!strcmp(seen[i], seen[j])) {
					add_error(r, field, "array items[%zu,%zu] "
						  "must be unique", i, j);
					break;
				}
			}
		}
		for (size_t j = 0; j < n; j++)
			free(seen[j]);
		free(seen);
	}
	json_t *contains = json_object_get(s, "contains");
	if (contains) {
		int ok = 0;
		struct result best = { 0 };
		int have_best = 0;
		for (size_t i = 0; i < n && !ok; i++) {
			snprintf(idx, sizeof(idx), "%zu", i);
			char *f = sub_field(field, idx);
			struct result sr;
			sub_validate(c, contains, json_array_get(v, i), f, &sr);
			free(f);
			if (!sr.errors.nr) {
				ok = 1;
				result_clear(&sr);
			} else if (!have_best || sr.score > best.score) {
				result_clear(&best);
				best = sr;
				have_best = 1;
			} else {
				result_clear(&sr);
			}
		}
		if (!ok) {
			add_error(r, field, "At least one of the items must match");
			merge(r, &best);
		}
		result_clear(&best);
	}
	r->score++;
}

static int pattern_properties(const struct vctx *c, const json_t *s,
			      const char *key, const json_t *val,
			      const char *field, struct result *r)
{
	json_t *pp = json_object_get(s, "patternProperties");
	int matched = 0;
	const char *pat;
	json_t *ps;
	json_object_foreach(pp, pat, ps) {
		if (!regex_match(pat, key, strlen(key)))
			continue;
		matched = 1;
		char *f = sub_field(field, key);
		struct result sr;
		sub_validate(c, ps, val, f, &sr);
		merge(r, &sr);
		result_clear(&sr);
		free(f);
	}
	if (matched)
		r->score++;
	return matched;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void validate_object(const struct vctx *c, const json_t *s,
			    const json_t *v, const char *field,
			    struct result *r)
{
	size_t n = json_object_size(v);
	json_t *k;
	if ((k = json_object_get(s, "minProperties")) && json_is_number(k) &&
	    (double)n < num(k))
		add_error(r, field, "Must have at least %lld properties",
			  (long long)num(k));
	if ((k = json_object_get(s, "maxProperties")) && json_is_number(k) &&
	    (double)n > num(k))
		add_error(r, field, "Must have at most %lld properties",
			  (long long)num(k));
	json_t *req = json_object_get(s, "required");
	size_t i;
	json_t *e;
	json_array_foreach(req, i, e) {
		if (!json_is_string(e))
			continue;
		if (json_object_get(v, json_string_value(e)))
			r->score++;
		else
			add_error(r, field, "%s is required",
				  json_string_value(e));
	}
	/* object keys in sorted order */
	const char **keys = xcalloc(n + 1, sizeof(*keys));
	size_t nk = 0;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)v, key, val)
		keys[nk++] = key;
	qsort(keys, nk, sizeof(*keys), cmp_key);
	json_t *props = json_object_get(s, "properties");
	json_t *add = json_object_get(s, "additionalProperties");
	for (i = 0; i < nk; i++) {
		val = json_object_get(v, keys[i]);
		int found = json_object_get(props, keys[i]) != NULL;
		int pp = pattern_properties(c, s, keys[i], val, field, r);
		if (found || pp)
			continue;
		if (json_is_false(add)) {
			add_error(r, field, "Additional property %s is not "
				  "allowed", keys[i]);
		} else if (json_is_object(add)) {
			char *f = sub_field(field, keys[i]);
			struct result sr;
			sub_validate(c, add, val, f, &sr);
			merge(r, &sr);
			result_clear(&sr);
			free(f);
		}
	}
	json_t *pn = json_object_get(s, "propertyNames");
	if (pn) {
		for (i = 0; i < nk; i++) {
			json_t *name = json_string(keys[i]);
			struct result sr;
			sub_validate(c, pn, name, field, &sr);
			if (sr.errors.nr) {
				add_error(r, field, "Property name of \"%s\" does "
					  "not match", keys[i]);
				merge(r, &sr);
			}
			result_clear(&sr);
			json_decref(name);
		}
	}
	free(keys);
	r->score++;
}

static void validate(const struct vctx *c, const json_t *s, const json_t *v,
		     const char *field, struct result *r)
{
	if (json_is_boolean(s)) {
		if (json_is_false(s))
			add_error(r, field, "False always fails validation");
		return;
	}
	if (!json_is_object(s))
		return;
	json_t *ref = json_object_get(s, "$ref");
	if (json_is_string(ref)) {
		const json_t *target = resolve_ref(c, json_string_value(ref));
		if (target && c->depth < 200) {
			struct vctx sub = *c;
			sub.depth++;
			validate(&sub, target, v, field, r);
		}
		return;
	}
	json_t *types = json_object_get(s, "type");
	int typed = json_is_string(types) || json_array_size(types);
	if (typed && !type_allows(types, v)) {
		struct strbuf sb = STRBUF_INIT;
		types_string(&sb, types);
		add_error(r, field, "Invalid type. Expected: %s, given: %s",
			  sb.buf, type_of(v));
		strbuf_release(&sb);
		return;
	}
	validate_applicators(c, s, v, field, r);
	switch (json_typeof(v)) {
	case JSON_INTEGER:
	case JSON_REAL:
		validate_number(s, v, field, r);
		validate_common(s, v, field, r);
		break;
	case JSON_ARRAY:
		validate_array(c, s, v, field, r);
		validate_common(s, v, field, r);
		break;
	case JSON_OBJECT: {
		validate_object(c, s, v, field, r);
		validate_common(s, v, field, r);
		json_t *props = json_object_get(s, "properties");
		const char *pk;
		json_t *ps;
		json_object_foreach(props, pk, ps) {
			json_t *next = json_object_get(v, pk);
			if (!next)
				continue;
			char *f = sub_field(field, pk);
			validate(c, ps, next, f, r);
			free(f);
		}
		break;
	}
	case JSON_STRING:
		validate_common(s, v, field, r);
		validate_string(s, v, field, r);
		break;
	default:
		validate_common(s, v, field, r);
		break;
	}
	r->score++;
}

int chart_schema_validate(const char *schema, size_t len,
			  const json_t *values, struct strbuf *out,
			  struct gerr *err)
{
	json_error_t jerr;
	json_t *s = json_loadb(schema, len, JSON_DECODE_ANY, &jerr);
	if (!s) {
		gerr_setc(err, GERR_INPUT, "values.schema.json:%d:%d: %s",
			  jerr.line, jerr.column, jerr.text);
		return -2;
	}
	struct vctx c = { s, 0 };
	struct result r = { 0 };
	validate(&c, s, values, "(root)", &r);
	for (size_t i = 0; i < r.errors.nr; i++)
		strbuf_addf(out, "- %s\n", r.errors.v[i]);
	int rc = r.errors.nr ? -1 : 0;
	result_clear(&r);
	json_decref(s);
	return rc;
}
