/*
 * YAML as Helm's toYaml writes it: sigs.k8s.io/yaml.Marshal, which is
 * encoding/json followed by go-yaml v2 reading that JSON and writing YAML.
 * go-yaml v2's emitter is a translation of libyaml's, so libyaml's emitter
 * (already linked for parsing) gives the same layout, including the folding
 * of long plain and quoted strings at 80 columns that Helm users meet. What
 * is go-yaml's own is done here:
 *   - the order of mapping keys (yaml.v2's keyList: a "natural" order in
 *     which digit runs compare as numbers and letters sort after others),
 *   - the style asked for each string (literal when it has a newline,
 *     plain when it reads back as the same string, else double-quoted;
 *     the emitter then falls back as libyaml does),
 *   - numbers as go-yaml prints what it read from the JSON text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "pkg/base/mem.h"
#include "pkg/chart/chart_int.h"
#include "pkg/yaml/yaml.h"

/* ---- go-yaml v2's resolve(): what a plain scalar would read back as ---- */

static int all_digits(const char *s, size_t n, int base)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
		if (d >= base)
			return 0;
	}
	return 1;
}

/* strconv.ParseInt/ParseUint(s, 0, 64) syntax (range ignored: a number too
 * large for both is then tried as a float, which takes any size). */
static int go_int_syntax(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	size_t n = strlen(s);
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return all_digits(s + 2, n - 2, 16);
	if (n > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return all_digits(s + 2, n - 2, 2);
	if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		return all_digits(s + 2, n - 2, 8);
	if (n > 1 && s[0] == '0')
		return all_digits(s + 1, n - 1, 8);
	return all_digits(s, n, 10);
}

static size_t span_digits(const char *s)
{
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* go-yaml's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yaml_style_float(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (*s == '.') {
		size_t n = span_digits(s + 1);
		if (!n)
			return 0;
		s += 1 + n;
	} else {
		size_t n = span_digits(s);
		if (!n)
			return 0;
		s += n;
		if (*s == '.')
			s += 1 + span_digits(s + 1);
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		size_t n = span_digits(s);
		if (!n)
			return 0;
		s += n;
	}
	return *s == '\0';
}

/* strconv.ParseFloat syntax, for strings starting with '.' */
static int go_float_syntax(const char *s)
{
	if (yaml_style_float(s))
		return 1;
	if (*s == '+' || *s == '-')
		s++;
	return !strcasecmp(s, "inf") || !strcasecmp(s, "infinity") ||
	       !strcasecmp(s, "nan");
}

/* 1 or 2 digits, then c (c == 0: the end) */
static const char *digits12(const char *s, char c)
{
	size_t n = span_digits(s);
	if (n < 1 || n > 2 || s[n] != c)
		return NULL;
	return s + n + (c ? 1 : 0);
}

/* parseTimestamp: "YYYY-M-D" alone, or with "[Tt ]H:M:S[.frac]" and, after
 * T/t, a zone (Z or +hh:mm), as go-yaml's time.Parse formats accept. */
static int is_timestamp(const char *s)
{
	if (span_digits(s) != 4 || s[4] != '-')
		return 0;
	const char *p = digits12(s + 5, '-');
	if (!p)
		return 0;
	size_t n = span_digits(p);
	if (n < 1 || n > 2)
		return 0;
	if (!p[n])
		return 1;
	char sep = p[n];
	if (sep != 'T' && sep != 't' && sep != ' ')
		return 0;
	p += n + 1;
	if (!(p = digits12(p, ':')) || !(p = digits12(p, ':')))
		return 0;
	n = span_digits(p);
	if (n < 1 || n > 2)
		return 0;
	p += n;
	if (*p == '.') {
		n = span_digits(p + 1);
		if (!n)
			return 0;
		p += 1 + n;
	}
	if (sep == ' ')
		return *p == '\0';
	if (!strcmp(p, "Z"))
		return 1;
	return (*p == '+' || *p == '-') && span_digits(p + 1) == 2 &&
	       p[3] == ':' && span_digits(p + 4) == 2 && !p[6];
}

/* isBase60Float: ^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$ */
static int is_base60(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return 0;
	while ((*s >= '0' && *s <= '9') || *s == '_')
		s++;
	int groups = 0;
	while (*s == ':') {
		s++;
		size_t n = span_digits(s);
		if (n == 2 && s[0] > '5')
			return 0;
		if (n < 1 || n > 2)
			return 0;
		s += n;
		groups++;
	}
	if (!groups)
		return 0;
	if (*s == '.') {
		s++;
		while ((*s >= '0' && *s <= '9') || *s == '_')
			s++;
	}
	return *s == '\0';
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* Would the plain scalar s read back as a string? (resolve() gives !!str
 * and it is not a base-60 float.) */
static int plain_is_string(const char *s, size_t len)
{
	static const char *const words[] = {
		"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
		"on", "On", "ON", "n", "N", "no", "No", "NO", "false", "False",
		"FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL",
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf",
		"+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<", NULL,
	};
	if (memchr(s, '\0', len))
		return 1;
	if (in_list(s, words))
		return 0;
	char c = s[0];
	if (c == '.')
		return !go_float_syntax(s);
	if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
		if (is_timestamp(s))
			return 0;
		char *plain = xmalloc(len + 1);
		size_t n = 0;
		for (size_t i = 0; i < len; i++)
			if (s[i] != '_')
				plain[n++] = s[i];
		plain[n] = '\0';
		int other = go_int_syntax(plain) || yaml_style_float(plain) ||
			    (!strncmp(plain, "0b", 2) &&
			     all_digits(plain + 2, strlen(plain + 2), 2)) ||
			    (!strncmp(plain, "-0b", 3) &&
			     all_digits(plain + 3, strlen(plain + 3), 2));
		free(plain);
		if (other)
			return 0;
		/* isBase60Float */
		if (strchr(s, ':') && is_base60(s))
			return 0;
	}
	return 1;
}

/* ---- go-yaml v2's key order ---- */

static unsigned next_rune(const char *s, size_t len, size_t *i)
{
	unsigned char c = (unsigned char)s[*i];
	unsigned r = c;
	size_t n = 0;
	if (c >= 0xf0)
		n = 3, r = c & 0x07;
	else if (c >= 0xe0)
		n = 2, r = c & 0x0f;
	else if (c >= 0xc0)
		n = 1, r = c & 0x1f;
	(*i)++;
	for (size_t k = 0; k < n && *i < len; k++, (*i)++)
		r = (r << 6) | ((unsigned char)s[*i] & 0x3f);
	return r;
}

static int is_letter(unsigned r)
{
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
	       r == 0xaa || r == 0xb5 || r == 0xba ||
	       (r >= 0xc0 && r != 0xd7 && r != 0xf7);
}

static int is_digit(unsigned r)
{
	return r >= '0' && r <= '9';
}

static unsigned *runes(const char *s, size_t len, size_t *n)
{
	unsigned *out = xmalloc((len + 1) * sizeof(*out));
	size_t i = 0;
	*n = 0;
	while (i < len)
		out[(*n)++] = next_rune(s, len, &i);
	return out;
}

/* keyList.Less for two strings. */
static int key_less(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t na, nb;
	unsigned *ar = runes(a, alen, &na), *br = runes(b, blen, &nb);
	int result = na < nb;
	for (size_t i = 0; i < na && i < nb; i++) {
		if (ar[i] == br[i])
			continue;
		int al = is_letter(ar[i]), bl = is_letter(br[i]);
		if (al && bl) {
			result = ar[i] < br[i];
			goto out;
		}
		if (al || bl) {
			result = bl;
			goto out;
		}
		long long an = 0, bn = 0;
		size_t ai, bi;
		if (ar[i] == '0' || br[i] == '0') {
			for (size_t j = i; j-- > 0 && is_digit(ar[j]);) {
				if (ar[j] != '0') {
					an = 1;
					bn = 1;
					break;
				}
			}
		}
		for (ai = i; ai < na && is_digit(ar[ai]); ai++)
			an = an * 10 + (long long)(ar[ai] - '0');
		for (bi = i; bi < nb && is_digit(br[bi]); bi++)
			bn = bn * 10 + (long long)(br[bi] - '0');
		if (an != bn)
			result = an < bn;
		else if (ai != bi)
			result = ai < bi;
		else
			result = ar[i] < br[i];
		goto out;
	}
out:
	free(ar);
	free(br);
	return result;
}

struct key {
	const char *k;
	size_t len;
	json_t *v;
};

static void sort_keys(struct key *keys, size_t n)
{
	/* insertion sort: stable, and objects are small */
	for (size_t i = 1; i < n; i++) {
		struct key t = keys[i];
		size_t j = i;
		while (j > 0 && key_less(t.k, t.len, keys[j - 1].k,
					 keys[j - 1].len)) {
			keys[j] = keys[j - 1];
			j--;
		}
		keys[j] = t;
	}
}

/* ---- emitting ---- */

static int write_out(void *data, unsigned char *buf, size_t size)
{
	strbuf_add(data, buf, size);
	return 1;
}

static void scalar(yaml_emitter_t *em, const char *s, size_t len,
		   yaml_scalar_style_t style)
{
	yaml_event_t ev;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
				     (int)len, 1, 1, style);
	yaml_emitter_emit(em, &ev);
}

static void string_scalar(yaml_emitter_t *em, const char *s, size_t len)
{
	yaml_scalar_style_t style;
	if (memchr(s, '\n', len))
		style = YAML_LITERAL_SCALAR_STYLE;
	else if (plain_is_string(s, len))
		style = YAML_PLAIN_SCALAR_STYLE;
	else
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	scalar(em, s, len, style);
}

/* A number as go-yaml prints what it parsed from encoding/json's text:
 * integers (int64, else uint64) digit for digit, anything else as a
 * float64 with strconv's 'g' format. */
static void number(yaml_emitter_t *em, const json_t *j)
{
	struct strbuf sb = STRBUF_INIT;
	if (json_is_integer(j)) {
		strbuf_addf(&sb, "%lld", (long long)json_integer_value(j));
	} else {
		double d = json_real_value(j);
		if (d == floor(d) && fabs(d) < 1e21 && d >= -9.2233720368547758e18 &&
		    d < 1.8446744073709552e19)
			/* encoding/json wrote the digits; go-yaml reads an
			 * int64 or uint64 */
			strbuf_addf(&sb, d < 0 ? "%.0f" : "%.0f", d);
		else
			yaml_format_float(&sb, d);
	}
	scalar(em, sb.buf, sb.len, YAML_PLAIN_SCALAR_STYLE);
	strbuf_release(&sb);
}

static void node(yaml_emitter_t *em, const json_t *j)
{
	yaml_event_t ev;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(j), i = 0;
		struct key *keys = xcalloc(n ? n : 1, sizeof(*keys));
		const char *k;
		size_t klen;
		json_t *v;
		void *tmp;
		json_object_keylen_foreach_safe((json_t *)j, tmp, k, klen, v) {
			keys[i].k = k;
			keys[i].len = klen;
			keys[i].v = v;
			i++;
		}
		sort_keys(keys, n);
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
						    YAML_BLOCK_MAPPING_STYLE);
		yaml_emitter_emit(em, &ev);
		for (i = 0; i < n; i++) {
			string_scalar(em, keys[i].k, keys[i].len);
			node(em, keys[i].v);
		}
		yaml_mapping_end_event_initialize(&ev);
		yaml_emitter_emit(em, &ev);
		free(keys);
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     YAML_BLOCK_SEQUENCE_STYLE);
		yaml_emitter_emit(em, &ev);
		json_array_foreach(j, i, v)
			node(em, v);
		yaml_sequence_end_event_initialize(&ev);
		yaml_emitter_emit(em, &ev);
		break;
	}
	case JSON_STRING:
		string_scalar(em, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		number(em, j);
		break;
	case JSON_TRUE:
		scalar(em, "true", 4, YAML_PLAIN_SCALAR_STYLE);
		break;
	case JSON_FALSE:
		scalar(em, "false", 5, YAML_PLAIN_SCALAR_STYLE);
		break;
	case JSON_NULL:
		scalar(em, "null", 4, YAML_PLAIN_SCALAR_STYLE);
		break;
	}
}

void chart_yaml_marshal(struct strbuf *out, const json_t *j)
{
	yaml_emitter_t em;
	yaml_event_t ev;

	yaml_emitter_initialize(&em);
	yaml_emitter_set_output(&em, write_out, out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	yaml_emitter_emit(&em, &ev);
	node(&em, j);
	yaml_document_end_event_initialize(&ev, 1);
	yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	yaml_emitter_emit(&em, &ev);
	yaml_emitter_flush(&em);
	yaml_emitter_delete(&em);
}

struct tmpl_value *chart_yaml_unmarshal(const char *s, size_t len,
					struct gerr *err)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	if (yaml_parse(s, len, "yaml", YAML_DUPLICATE_KEYS, &docs, err) < 0) {
		yaml_docs_clear(&docs);     /* its file name */
		return NULL;
	}
	struct tmpl_value *v = docs.nr ? tmpl_from_json(docs.v[0].value, 0)
				       : tmpl_nil();
	yaml_docs_clear(&docs);
	return v;
}
