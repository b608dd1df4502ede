/*
 * Sprig's string functions, string lists and encodings, with the Go
 * functions behind them (strings, goutils, encoding/base64 and base32):
 *
 *   trim trimAll trimall trimPrefix trimSuffix upper lower title untitle
 *   substr trunc abbrev abbrevboth repeat nospace initials swapcase
 *   contains hasPrefix hasSuffix quote squote cat indent nindent replace
 *   plural toString toStrings split splitList splitn join sortAlpha
 *   b64enc b64dec b32enc b32dec
 *
 * Go slices strings by bytes, so do these (trunc, substr and abbrev count
 * bytes, not characters). A Go panic (substr out of range, a negative
 * repeat count) becomes the call's error with Go's runtime message, as
 * text/template reports it.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/template/sprig.h"
#include "pkg/template/utf8.h"
#include "pkg/base/base64.h"

#define STR(v) ((v)->u.str.s)
#define LEN(v) ((v)->u.str.len)

static int ret_str(struct tmpl_value **result, const char *s, size_t len)
{
	*result = tmpl_stringn(s, len);
	return 0;
}

static int ret_buf(struct tmpl_value **result, struct strbuf *sb)
{
	*result = tmpl_string_buf(sb);
	return 0;
}

/* strings.Map with f: invalid bytes become U+FFFD. */
static void map_runes(struct strbuf *out, const char *s, size_t len,
		      int (*f)(int))
{
	for (size_t i = 0; i < len;) {
		int r = sprig_next_rune(s, len, &i);
		tmpl_utf8_append(out, r == 0xFFFD ? r : f(r));
	}
}

static int f_trim(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	const char *s = STR(args[0]);
	size_t start = 0, end = LEN(args[0]);
	while (start < end) {
		size_t i = start;
		int r = sprig_next_rune(s, end, &i);
		if (!sprig_is_space(r))
			break;
		start = i;
	}
	while (end > start) {
		/* back up to the start of the last rune */
		size_t b = end - 1, i;
		while (b > start && end - b < 4 &&
		       ((unsigned char)s[b] & 0xC0) == 0x80)
			b--;
		i = b;
		int r = sprig_next_rune(s, end, &i);
		if (i != end) {
			b = end - 1;    /* not one rune: a stray byte */
			r = 0xFFFD;
		}
		if (!sprig_is_space(r))
			break;
		end = b;
	}
	return ret_str(result, s + start, end - start);
}

static int f_upper(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	map_runes(&sb, STR(args[0]), LEN(args[0]), sprig_to_upper);
	return ret_buf(result, &sb);
}

static int f_lower(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	map_runes(&sb, STR(args[0]), LEN(args[0]), sprig_to_lower);
	return ret_buf(result, &sb);
}

/* strings.Title's isSeparator */
static int is_separator(int r)
{
	if (r <= 0x7F)
		return !((r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
			 (r >= 'A' && r <= 'Z') || r == '_');
	if (sprig_is_letter(r) || sprig_is_digit(r))
		return 0;
	return sprig_is_space(r);
}

static int f_title(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = STR(args[0]);
	size_t len = LEN(args[0]);
	int prev = ' ';
	for (size_t i = 0; i < len;) {
		int r = sprig_next_rune(s, len, &i);
		int out = is_separator(prev) ? sprig_to_title(r) : r;
		prev = r;
		tmpl_utf8_append(&sb, out);
	}
	return ret_buf(result, &sb);
}

/* goutils.Uncapitalize: the first letter of each space-separated word
 * lowered (on runes, invalid bytes as U+FFFD). */
static int f_untitle(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = STR(args[0]);
	size_t len = LEN(args[0]);
	int next = 1;
	for (size_t i = 0; i < len;) {
		int r = sprig_next_rune(s, len, &i);
		if (sprig_is_space(r)) {
			next = 1;
		} else if (next) {
			r = sprig_to_lower(r);
			next = 0;
		}
		tmpl_utf8_append(&sb, r);
	}
	return ret_buf(result, &sb);
}

static int f_swapcase(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = STR(args[0]);
	size_t len = LEN(args[0]);
	for (size_t i = 0; i < len;) {
		int r = sprig_next_rune(s, len, &i);
		if (sprig_is_upper(r) || sprig_is_title(r))
			r = sprig_to_lower(r);
		else if (sprig_is_lower(r))
			r = sprig_to_upper(r);
		tmpl_utf8_append(&sb, r);
	}
	return ret_buf(result, &sb);
}

/* Go's panic for s[lo:hi] out of range, as text/template reports it. */
static int slice_panic(struct tmpl_call *call, long long lo, long long hi,
		       size_t len, int has_lo, int has_hi)
{
	if (hi < 0 && (!has_lo || has_hi))
		return tmpl_call_error(call, "runtime error: slice bounds out "
					     "of range [:%lld]", hi);
	if (!has_lo)
		return tmpl_call_error(call, "runtime error: slice bounds out "
					     "of range [:%lld] with length %zu",
				       hi, len);
	if (!has_hi)
		return tmpl_call_error(call, "runtime error: slice bounds out "
					     "of range [%lld:%zu]", lo, len);
	if (hi < 0 || (size_t)hi > len)
		return tmpl_call_error(call, "runtime error: slice bounds out "
					     "of range [:%lld] with length %zu",
				       hi, len);
	return tmpl_call_error(call, "runtime error: slice bounds out of "
				     "range [%lld:%lld]", lo, hi);
}

static int f_substr(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	long long start = args[0]->u.i, end = args[1]->u.i;
	const char *s = STR(args[2]);
	size_t len = LEN(args[2]);
	if (start < 0) {                        /* s[:end] */
		if (end < 0 || (size_t)end > len)
			return slice_panic(call, 0, end, len, 0, 1);
		return ret_str(result, s, (size_t)end);
	}
	if (end < 0 || (size_t)end > len) {     /* s[start:] */
		if ((size_t)start > len)
			return slice_panic(call, start, 0, len, 1, 0);
		return ret_str(result, s + start, len - (size_t)start);
	}
	if (start > end)                        /* s[start:end] */
		return slice_panic(call, start, end, len, 1, 1);
	return ret_str(result, s + start, (size_t)(end - start));
}

static int f_trunc(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	long long c = args[0]->u.i;
	const char *s = STR(args[1]);
	long long len = (long long)LEN(args[1]);
	if (c < 0 && len + c > 0)
		return ret_str(result, s + len + c, (size_t)-c);
	if (c >= 0 && len > c)
		return ret_str(result, s, (size_t)c);
	return ret_str(result, s, (size_t)len);
}

/* goutils.AbbreviateFull, in bytes; widths below the minimum give "". */
static void abbreviate(struct strbuf *out, const char *s, long long len,
		       long long offset, long long width)
{
	if (!len || width < 4)
		return;
	if (len <= width) {
		strbuf_add(out, s, (size_t)len);
		return;
	}
	if (offset > len)
		offset = len;
	if (len - offset < width - 3)
		offset = len - (width - 3);
	if (offset <= 4) {
		strbuf_add(out, s, (size_t)(width - 3));
		strbuf_addstr(out, "...");
		return;
	}
	if (width < 7)
		return;
	strbuf_addstr(out, "...");
	if (offset + width - 3 < len)
		abbreviate(out, s + offset, len - offset, 0, width - 3);
	else
		strbuf_add(out, s + len - (width - 3), (size_t)(width - 3));
}

static int f_abbrev(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	long long width = args[0]->u.i;
	if (width < 4)
		return ret_str(result, STR(args[1]), LEN(args[1]));
	abbreviate(&sb, STR(args[1]), (long long)LEN(args[1]), 0, width);
	return ret_buf(result, &sb);
}

static int f_abbrevboth(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	long long left = args[0]->u.i, right = args[1]->u.i;
	if (right < 4 || (left > 0 && right < 7))
		return ret_str(result, STR(args[2]), LEN(args[2]));
	abbreviate(&sb, STR(args[2]), (long long)LEN(args[2]), left, right);
	return ret_buf(result, &sb);
}

/* strings.Repeat, with its panics. */
static int repeat(struct tmpl_call *call, struct strbuf *out, const char *s,
		  size_t len, long long count)
{
	if (count < 0)
		return tmpl_call_error(call, "strings: negative Repeat count");
	if (len && (unsigned long long)count > SPRIG_MAX_OUTPUT / len)
		return tmpl_call_error(call, "strings: Repeat output of %llu "
					     "bytes is more than gantry builds",
				       (unsigned long long)count * len);
	strbuf_grow(out, len * (size_t)count);
	for (long long i = 0; i < count; i++)
		strbuf_add(out, s, len);
	return 0;
}

static int f_repeat(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	if (repeat(call, &sb, STR(args[1]), LEN(args[1]), args[0]->u.i) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	return ret_buf(result, &sb);
}

/* Is rune r in the cutset? */
static int in_cutset(int r, const char *set, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (sprig_next_rune(set, n, &i) == r)
			return 1;
	}
	return 0;
}

/* strings.Trim(s, cutset), by runes. */
static int f_trimall(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	const char *set = STR(args[0]), *s = STR(args[1]);
	size_t n = LEN(args[0]), start = 0, end = LEN(args[1]);
	if (!n)
		return ret_str(result, s, end);
	while (start < end) {
		size_t i = start;
		if (!in_cutset(sprig_next_rune(s, end, &i), set, n))
			break;
		start = i;
	}
	while (end > start) {
		size_t b = end - 1, i;
		while (b > start && end - b < 4 &&
		       ((unsigned char)s[b] & 0xC0) == 0x80)
			b--;
		i = b;
		int r = sprig_next_rune(s, end, &i);
		if (i != end) {
			b = end - 1;
			r = 0xFFFD;
		}
		if (!in_cutset(r, set, n))
			break;
		end = b;
	}
	return ret_str(result, s + start, end - start);
}

static int f_trim_prefix(struct tmpl_call *call, struct tmpl_value **args,
			 size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *p = args[0], *s = args[1];
	if (LEN(s) >= LEN(p) && !memcmp(STR(s), STR(p), LEN(p)))
		return ret_str(result, STR(s) + LEN(p), LEN(s) - LEN(p));
	*result = tmpl_ref(args[1]);
	return 0;
}

static int f_trim_suffix(struct tmpl_call *call, struct tmpl_value **args,
			 size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *p = args[0], *s = args[1];
	if (LEN(s) >= LEN(p) && !memcmp(STR(s) + LEN(s) - LEN(p), STR(p), LEN(p)))
		return ret_str(result, STR(s), LEN(s) - LEN(p));
	*result = tmpl_ref(args[1]);
	return 0;
}

/* goutils works on bytes as if each were a rune of Latin-1: nospace and
 * initials re-encode such "runes" as UTF-8, as Go does. */
static int byte_is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0;
}

static int f_nospace(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = STR(args[0]);
	size_t len = LEN(args[0]), kept = 0;
	for (size_t i = 0; i < len; i++) {
		if (!byte_is_space((unsigned char)s[i])) {
			tmpl_utf8_append(&sb, (unsigned char)s[i]);
			kept++;
		}
	}
	if (kept == len) {
		strbuf_release(&sb);
		*result = tmpl_ref(args[0]);
		return 0;
	}
	return ret_buf(result, &sb);
}

static int f_initials(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = STR(args[0]);
	int gap = 1;
	for (size_t i = 0; i < LEN(args[0]); i++) {
		unsigned char c = (unsigned char)s[i];
		if (byte_is_space(c)) {
			gap = 1;
		} else if (gap) {
			tmpl_utf8_append(&sb, c);
			gap = 0;
		}
	}
	return ret_buf(result, &sb);
}

static const char *find(const char *s, size_t n, const char *sub, size_t m)
{
	if (!m)
		return s;
	return memmem(s, n, sub, m);
}

static int f_contains(struct tmpl_call *call, struct tmpl_value **args,
		      size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_bool(find(STR(args[1]), LEN(args[1]), STR(args[0]),
				 LEN(args[0])) != NULL);
	return 0;
}

static int f_has_prefix(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *p = args[0], *s = args[1];
	*result = tmpl_bool(LEN(s) >= LEN(p) && !memcmp(STR(s), STR(p), LEN(p)));
	return 0;
}

static int f_has_suffix(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	const struct tmpl_value *p = args[0], *s = args[1];
	*result = tmpl_bool(LEN(s) >= LEN(p) &&
			    !memcmp(STR(s) + LEN(s) - LEN(p), STR(p), LEN(p)));
	return 0;
}

static int is_nil(const struct tmpl_value *v)
{
	return !v || v->kind == TMPL_NIL;
}

/* quote: "%q" of each operand's string form; nils are left out. */
static int f_quote(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT, s = STRBUF_INIT;
	int first = 1;
	for (size_t i = 0; i < nargs; i++) {
		if (is_nil(args[i]))
			continue;
		if (!first)
			strbuf_addch(&sb, ' ');
		first = 0;
		strbuf_reset(&s);
		tmpl_to_string(&s, args[i]);
		tmpl_quote(&sb, s.buf, s.len);
	}
	strbuf_release(&s);
	return ret_buf(result, &sb);
}

/* squote: "'%v'" of each operand (%v, not the string form). */
static int f_squote(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	int first = 1;
	for (size_t i = 0; i < nargs; i++) {
		if (is_nil(args[i]))
			continue;
		if (!first)
			strbuf_addch(&sb, ' ');
		first = 0;
		strbuf_addch(&sb, '\'');
		tmpl_fmt_value(&sb, args[i]);
		strbuf_addch(&sb, '\'');
	}
	return ret_buf(result, &sb);
}

/* cat: the non-nil operands, %v, separated by spaces. */
static int f_cat(struct tmpl_call *call, struct tmpl_value **args,
		 size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	int first = 1;
	for (size_t i = 0; i < nargs; i++) {
		if (is_nil(args[i]))
			continue;
		if (!first)
			strbuf_addch(&sb, ' ');
		first = 0;
		tmpl_fmt_value(&sb, args[i]);
	}
	return ret_buf(result, &sb);
}

/* strings.Replace(s, old, new, -1); an empty old matches before every
 * rune and at the end. */
static void replace_all(struct strbuf *out, const char *s, size_t n,
			const char *old, size_t on, const char *new,
			size_t nn)
{
	size_t i = 0;
	if (!on) {
		strbuf_add(out, new, nn);
		while (i < n) {
			size_t start = i;
			sprig_next_rune(s, n, &i);
			strbuf_add(out, s + start, i - start);
			strbuf_add(out, new, nn);
		}
		return;
	}
	while (i < n) {
		const char *hit = memmem(s + i, n - i, old, on);
		if (!hit)
			break;
		strbuf_add(out, s + i, (size_t)(hit - s) - i);
		strbuf_add(out, new, nn);
		i = (size_t)(hit - s) + on;
	}
	strbuf_add(out, s + i, n - i);
}

static int indent(struct tmpl_call *call, struct strbuf *out,
		  long long spaces, const struct tmpl_value *v)
{
	struct strbuf pad = STRBUF_INIT, nl = STRBUF_INIT;
	if (repeat(call, &pad, " ", 1, spaces) < 0)
		return -1;
	strbuf_addch(&nl, '\n');
	strbuf_add(&nl, pad.buf, pad.len);
	strbuf_add(out, pad.buf, pad.len);
	replace_all(out, STR(v), LEN(v), "\n", 1, nl.buf, nl.len);
	strbuf_release(&pad);
	strbuf_release(&nl);
	return 0;
}

static int f_indent(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	if (!strcmp(call->name, "nindent"))
		strbuf_addch(&sb, '\n');
	if (indent(call, &sb, args[0]->u.i, args[1]) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	return ret_buf(result, &sb);
}

static int f_replace(struct tmpl_call *call, struct tmpl_value **args,
		     size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	replace_all(&sb, STR(args[2]), LEN(args[2]), STR(args[0]),
		    LEN(args[0]), STR(args[1]), LEN(args[1]));
	return ret_buf(result, &sb);
}

static int f_plural(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	*result = tmpl_ref(args[2]->u.i == 1 ? args[0] : args[1]);
	return 0;
}

static int f_to_string(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_to_string(&sb, args[0]);
	return ret_buf(result, &sb);
}

static int f_to_strings(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	*result = sprig_strslice(args[0]);
	return 0;
}

/* strings.SplitN(s, sep, n) into a []string; n < 0 means no limit. An
 * empty separator splits into runes (invalid bytes one by one). */
static struct tmpl_value *split_n(const char *s, size_t len, const char *sep,
				  size_t slen, long long n)
{
	struct tmpl_value *out = tmpl_list_new(TMPL_STRING);
	size_t i = 0;
	if (n == 0)
		return out;
	if (!slen) {
		while (i < len) {
			size_t start = i;
			if (n > 0 && (long long)tmpl_list_len(out) == n - 1) {
				i = len;
			} else {
				sprig_next_rune(s, len, &i);
			}
			tmpl_list_push(out, tmpl_stringn(s + start, i - start));
		}
		return out;
	}
	while (n < 0 || (long long)tmpl_list_len(out) < n - 1) {
		const char *hit = memmem(s + i, len - i, sep, slen);
		if (!hit)
			break;
		tmpl_list_push(out, tmpl_stringn(s + i, (size_t)(hit - s) - i));
		i = (size_t)(hit - s) + slen;
	}
	tmpl_list_push(out, tmpl_stringn(s + i, len - i));
	return out;
}

static int f_split_list(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	*result = split_n(STR(args[1]), LEN(args[1]), STR(args[0]),
			  LEN(args[0]), -1);
	return 0;
}

/* split and splitn: a map[string]string with keys _0, _1, ... */
static struct tmpl_value *parts_map(struct tmpl_value *parts)
{
	struct tmpl_value *m = tmpl_map_new(TMPL_STRING);
	char key[32];
	for (size_t i = 0; i < tmpl_list_len(parts); i++) {
		snprintf(key, sizeof(key), "_%zu", i);
		tmpl_map_set(m, key, tmpl_ref(tmpl_list_get(parts, i)));
	}
	tmpl_unref(parts);
	return m;
}

static int f_split(struct tmpl_call *call, struct tmpl_value **args,
		   size_t nargs, struct tmpl_value **result)
{
	*result = parts_map(split_n(STR(args[1]), LEN(args[1]), STR(args[0]),
				    LEN(args[0]), -1));
	return 0;
}

static int f_splitn(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	*result = parts_map(split_n(STR(args[2]), LEN(args[2]), STR(args[0]),
				    LEN(args[0]), args[1]->u.i));
	return 0;
}

static int f_join(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	struct tmpl_value *parts = sprig_strslice(args[1]);
	for (size_t i = 0; i < tmpl_list_len(parts); i++) {
		const struct tmpl_value *p = tmpl_list_get(parts, i);
		if (i)
			strbuf_add(&sb, STR(args[0]), LEN(args[0]));
		strbuf_add(&sb, STR(p), LEN(p));
	}
	tmpl_unref(parts);
	return ret_buf(result, &sb);
}

static int compare_values(const void *a, const void *b)
{
	const struct tmpl_value *x = *(struct tmpl_value *const *)a;
	const struct tmpl_value *y = *(struct tmpl_value *const *)b;
	size_t n = LEN(x) < LEN(y) ? LEN(x) : LEN(y);
	int c = memcmp(STR(x), STR(y), n);
	if (c)
		return c;
	return LEN(x) < LEN(y) ? -1 : LEN(x) > LEN(y);
}

/* sortAlpha: the string forms, sorted bytewise; a non-list becomes a
 * one-element list of its string form ("<nil>" for nil). */
static int f_sort_alpha(struct tmpl_call *call, struct tmpl_value **args,
			size_t nargs, struct tmpl_value **result)
{
	struct tmpl_value *in, *out = tmpl_list_new(TMPL_STRING);
	struct strbuf sb = STRBUF_INIT;
	if (!sprig_is_slice(args[0])) {
		tmpl_to_string(&sb, args[0]);
		tmpl_list_push(out, tmpl_string_buf(&sb));
		*result = out;
		return 0;
	}
	in = sprig_strslice(args[0]);
	for (size_t i = 0; i < tmpl_list_len(in); i++)
		tmpl_list_push(out, tmpl_ref(tmpl_list_get(in, i)));
	tmpl_unref(in);
	qsort(out->u.list.v, out->u.list.nr, sizeof(*out->u.list.v),
	      compare_values);
	*result = out;
	return 0;
}

/* ---- base64 and base32 (RFC 4648 standard alphabets, padded) ---- */

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int f_b64enc(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	base64_encode(&sb, STR(args[0]), LEN(args[0]));
	return ret_buf(result, &sb);
}

static int f_b64dec(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	size_t bad = 0;
	if (base64_decode(STR(args[0]), LEN(args[0]), 0, &sb, &bad) < 0) {
		/* the error's text is the result, as Sprig has it */
		strbuf_reset(&sb);
		strbuf_addf(&sb, "illegal base64 data at input byte %zu", bad);
	}
	return ret_buf(result, &sb);
}

static int f_b32enc(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	static const int chars_for[6] = { 0, 2, 4, 5, 7, 8 };
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)STR(args[0]);
	size_t n = LEN(args[0]);
	for (size_t i = 0; i < n; i += 5) {
		unsigned long long v = 0;
		size_t k = n - i < 5 ? n - i : 5;
		for (size_t j = 0; j < 5; j++)
			v = v << 8 | (j < k ? p[i + j] : 0);
		for (int j = 0; j < 8; j++)
			strbuf_addch(&sb, j < chars_for[k]
					       ? b32_alphabet[(v >> (35 - 5 * j)) & 31]
					       : '=');
	}
	return ret_buf(result, &sb);
}

static int b32_value(unsigned char c)
{
	const char *p = c ? strchr(b32_alphabet, c) : NULL;
	return p ? (int)(p - b32_alphabet) : -1;
}

/* encoding/base32's decode, on the input with newlines removed; returns
 * -1 with *bad set to the offset of the error. */
static int b32_decode(const char *src, size_t olen, struct strbuf *out,
		      size_t *bad)
{
	size_t pos = 0;
	int end = 0;
	while (pos < olen && !end) {
		int dbuf[8] = { 0 }, dlen = 8;
		for (int j = 0; j < 8;) {
			size_t left = olen - pos;
			if (!left) {
				*bad = olen - left - (size_t)j;
				return -1;
			}
			unsigned char in = (unsigned char)src[pos++];
			left--;
			if (in == '=' && j >= 2 && left < 8) {
				if (left + (size_t)j < 7) {
					*bad = olen;
					return -1;
				}
				for (int k = 0; k < 7 - j; k++)
					if (left > (size_t)k && src[pos + k] != '=') {
						*bad = olen - left + k - 1;
						return -1;
					}
				dlen = j;
				end = 1;
				if (dlen == 1 || dlen == 3 || dlen == 6) {
					*bad = olen - left - 1;
					return -1;
				}
				break;
			}
			dbuf[j] = b32_value(in);
			if (dbuf[j] < 0) {
				*bad = olen - left - 1;
				return -1;
			}
			j++;
		}
		unsigned char o[5];
		o[4] = (unsigned char)(dbuf[6] << 5 | dbuf[7]);
		o[3] = (unsigned char)(dbuf[4] << 7 | dbuf[5] << 2 | dbuf[6] >> 3);
		o[2] = (unsigned char)(dbuf[3] << 4 | dbuf[4] >> 1);
		o[1] = (unsigned char)(dbuf[1] << 6 | dbuf[2] << 1 | dbuf[3] >> 4);
		o[0] = (unsigned char)(dbuf[0] << 3 | dbuf[1] >> 2);
		int nbytes = dlen == 8 ? 5 : dlen == 7 ? 4 : dlen == 5 ? 3
			   : dlen == 4 ? 2 : dlen == 2 ? 1 : 0;
		strbuf_add(out, o, (size_t)nbytes);
	}
	return 0;
}

static int f_b32dec(struct tmpl_call *call, struct tmpl_value **args,
		    size_t nargs, struct tmpl_value **result)
{
	struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT;
	size_t bad;
	for (size_t i = 0; i < LEN(args[0]); i++)
		if (STR(args[0])[i] != '\n' && STR(args[0])[i] != '\r')
			strbuf_addch(&in, STR(args[0])[i]);
	if (b32_decode(in.buf, in.len, &sb, &bad) < 0) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "illegal base32 data at input byte %zu", bad);
	}
	strbuf_release(&in);
	return ret_buf(result, &sb);
}

const struct tmpl_func sprig_string_funcs[] = {
	{ "abbrev", f_abbrev, "int, string -> string", 0 },
	{ "abbrevboth", f_abbrevboth, "int, int, string -> string", 0 },
	{ "b32dec", f_b32dec, "string -> string", 0 },
	{ "b32enc", f_b32enc, "string -> string", 0 },
	{ "b64dec", f_b64dec, "string -> string", 0 },
	{ "b64enc", f_b64enc, "string -> string", 0 },
	{ "cat", f_cat, "...any -> string", 0 },
	{ "contains", f_contains, "string, string -> bool", 0 },
	{ "hasPrefix", f_has_prefix, "string, string -> bool", 0 },
	{ "hasSuffix", f_has_suffix, "string, string -> bool", 0 },
	{ "indent", f_indent, "int, string -> string", 0 },
	{ "initials", f_initials, "string -> string", 0 },
	{ "join", f_join, "string, any -> string", 0 },
	{ "lower", f_lower, "string -> string", 0 },
	{ "nindent", f_indent, "int, string -> string", 0 },
	{ "nospace", f_nospace, "string -> string", 0 },
	{ "plural", f_plural, "string, string, int -> string", 0 },
	{ "quote", f_quote, "...any -> string", 0 },
	{ "repeat", f_repeat, "int, string -> string", 0 },
	{ "replace", f_replace, "string, string, string -> string", 0 },
	{ "sortAlpha", f_sort_alpha, "any -> []string", 0 },
	{ "split", f_split, "string, string -> map[string]string", 0 },
	{ "splitList", f_split_list, "string, string -> []string", 0 },
	{ "splitn", f_splitn, "string, int, string -> map[string]string", 0 },
	{ "squote", f_squote, "...any -> string", 0 },
	{ "substr", f_substr, "int, int, string -> string", 0 },
	{ "swapcase", f_swapcase, "string -> string", 0 },
	{ "title", f_title, "string -> string", 0 },
	{ "toString", f_to_string, "any -> string", 0 },
	{ "toStrings", f_to_strings, "any -> []string", 0 },
	{ "trim", f_trim, "string -> string", 0 },
	{ "trimAll", f_trimall, "string, string -> string", 0 },
	{ "trimPrefix", f_trim_prefix, "string, string -> string", 0 },
	{ "trimSuffix", f_trim_suffix, "string, string -> string", 0 },
	{ "trimall", f_trimall, "string, string -> string", 0 },
	{ "trunc", f_trunc, "int, string -> string", 0 },
	{ "untitle", f_untitle, "string -> string", 0 },
	{ "upper", f_upper, "string -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};
