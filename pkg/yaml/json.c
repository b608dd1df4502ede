/*
 * JSON text output with Go's conventions (what kubectl prints and what the
 * API server reads back): floats in their shortest exact form, never
 * "0.10000000000000001"; keys in stored order or sorted.
 */
#include "pkg/yaml/yaml.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"

/* The length of the valid UTF-8 sequence at s (len > 0 bytes left), as
 * Go's utf8.DecodeRuneInString accepts it (no overlongs, no surrogates,
 * nothing above U+10FFFF); 0 when it is not one. */
static size_t utf8_valid_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;      /* no surrogates */
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A string as Go's encoding/json writes it: control characters escaped
 * (\n, \r, \t by name, \b and \f too as Go 1.22+ does, others \u00XX),
 * U+2028 and U+2029 escaped (they break JavaScript), invalid UTF-8 as
 * \ufffd, and with html <, > and & as \u003c, \u003e, \u0026 (Marshal's
 * default). DEL is written as it is. */
static void write_string(struct strbuf *out, const char *s, size_t len,
			 int html)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0; /* bytes copied as they are, flushed in one go */

	strbuf_grow(out, len + 2);
	strbuf_addch(out, '"');
	for (size_t i = 0; i < len;) {
		unsigned char c = u[i];
		const char *esc = NULL;
		char code[7];
		size_t w = 1;

		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\f')
			esc = "\\f";
		else if (c < 0x20 ||
			 (html && (c == '<' || c == '>' || c == '&'))) {
			memcpy(code, "\\u00", 4);
			code[4] = hex[c >> 4];
			code[5] = hex[c & 15];
			code[6] = '\0';
			esc = code;
		} else if (c >= 0x80) {
			w = utf8_valid_len(u + i, len - i);
			if (!w) {
				esc = "\\ufffd";
				w = 1;
			} else if (w == 3 && c == 0xe2 && u[i + 1] == 0x80 &&
				   (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
				esc = u[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
			}
		}
		if (!esc) {
			run += w;
			i += w;
			continue;
		}
		strbuf_add(out, s + i - run, run);
		run = 0;
		strbuf_addstr(out, esc);
		i += w;
	}
	strbuf_add(out, s + len - run, run);
	strbuf_addch(out, '"');
}

/* encoding/json: shortest digits, plain decimal notation between 1e-6 and
 * 1e21, exponent form (without padding zeros) outside. */
static void write_real(struct strbuf *out, double d)
{
	double a = fabs(d);
	if (!isfinite(d)) {
		strbuf_addstr(out, "null"); /* unreachable from YAML input */
		return;
	}
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		char buf[40];
		int prec;
		for (prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		char *e = strchr(buf, 'e');
		strbuf_add(out, buf, (size_t)(e - buf));
		int exp = atoi(e + 1);
		strbuf_addf(out, "e%s%d", exp < 0 ? "-" : "+", abs(exp));
		return;
	}
	char buf[64];
	for (int prec = 0; prec <= 40; prec++) {
		snprintf(buf, sizeof(buf), "%.*f", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	strbuf_addstr(out, buf);
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void newline(struct strbuf *out, int pretty, int depth)
{
	if (!pretty)
		return;
	strbuf_addch(out, '\n');
	strbuf_addchars(out, ' ', (size_t)depth * 2);
}

static void write_value(struct strbuf *out, const json_t *v, unsigned flags,
			int depth)
{
	int pretty = flags & YAML_JSON_PRETTY;
	int html = flags & YAML_JSON_ESCAPE_HTML;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		if (!n) {
			strbuf_addstr(out, "{}");
			return;
		}
		const char **keys = xmalloc(n * sizeof(*keys));
		const char *k;
		json_t *item;
		json_object_foreach((json_t *)v, k, item)
			keys[i++] = k;
		if (flags & YAML_JSON_SORT_KEYS)
			qsort(keys, n, sizeof(*keys), compare_keys);
		strbuf_addch(out, '{');
		for (i = 0; i < n; i++) {
			if (i)
				strbuf_addch(out, ',');
			newline(out, pretty, depth + 1);
			write_string(out, keys[i], strlen(keys[i]), html);
			strbuf_addstr(out, pretty ? ": " : ":");
			write_value(out, json_object_get(v, keys[i]), flags,
				    depth + 1);
		}
		newline(out, pretty, depth);
		strbuf_addch(out, '}');
		free(keys);
		return;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		if (!n) {
			strbuf_addstr(out, "[]");
			return;
		}
		strbuf_addch(out, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_addch(out, ',');
			newline(out, pretty, depth + 1);
			write_value(out, json_array_get(v, i), flags, depth + 1);
		}
		newline(out, pretty, depth);
		strbuf_addch(out, ']');
		return;
	}
	case JSON_STRING:
		write_string(out, json_string_value(v), json_string_length(v),
			     html);
		return;
	case JSON_INTEGER:
		strbuf_addf(out, "%lld", (long long)json_integer_value(v));
		return;
	case JSON_REAL:
		write_real(out, json_real_value(v));
		return;
	case JSON_TRUE:
		strbuf_addstr(out, "true");
		return;
	case JSON_FALSE:
		strbuf_addstr(out, "false");
		return;
	case JSON_NULL:
		strbuf_addstr(out, "null");
		return;
	}
}

void yaml_write_json(struct strbuf *out, const json_t *value, unsigned flags)
{
	write_value(out, value, flags, 0);
}
