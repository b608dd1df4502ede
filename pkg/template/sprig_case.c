/*
 * Sprig's word-level string functions: snakecase, kebabcase and camelcase
 * (huandu/xstrings v1.5.0's word splitting: "HTTPServer" is "http_server",
 * "Bld4Floor3rd" is "bld4_floor_3rd"; camelcase is its ToPascalCase,
 * "http_server" is "HttpServer"), and wrap and wrapWith (goutils'
 * WrapCustom, which counts bytes and breaks at spaces).
 */
#include <string.h>

#include "pkg/template/sprig.h"
#include "pkg/template/utf8.h"

#define STR(v) ((v)->u.str.s)
#define LEN(v) ((v)->u.str.len)

static int is_connector(int r)
{
	return r == '-' || r == '_' || sprig_is_space(r);
}

/* xstrings' isAlphabet: a letter, but not a CJK ideograph. */
static int is_alphabet(int r)
{
	if (!sprig_is_letter(r))
		return 0;
	if (r < 0x3400)
		return 1;
	return !((r >= 0x4E00 && r <= 0x9FCC) || (r >= 0x3400 && r <= 0x4D85) ||
		 (r >= 0x20000 && r <= 0x2B81D));
}

enum word_type { W_INVALID, W_NUMBER, W_UPPER, W_ALPHABET, W_CONNECTOR,
		 W_PUNCT, W_OTHER };

struct text {
	const char *s;
	size_t len;
};

/* The first valid rune of t (skipping invalid bytes, which count in
 * *size); prev when there is none. */
static int next_valid_rune(struct text t, int prev, size_t *size)
{
	size_t i = 0;
	while (i < t.len) {
		int r = sprig_next_rune(t.s, t.len, &i);
		if (r != 0xFFFD) {
			*size = i;
			return r;
		}
	}
	*size = i;
	return prev;
}

static struct text rest(struct text t, size_t n)
{
	struct text r = { t.s + n, t.len - n };
	return r;
}

/* xstrings' nextWord: the type and text of the first word of str. */
static enum word_type next_word(struct text str, struct text *word,
				struct text *remaining)
{
	enum word_type wt;
	size_t offset, size;
	struct text rem = str;
	int r;

	word->s = str.s;
	word->len = 0;
	*remaining = str;
	if (!str.len)
		return W_INVALID;
	r = next_valid_rune(rem, 0xFFFD, &size);
	offset = size;
	if (r == 0xFFFD) {
		word->len = offset;
		*remaining = rest(str, offset);
		return W_INVALID;
	}
	rem = rest(rem, size);
	if (is_connector(r) || sprig_is_punct(r)) {
		int (*same)(int) = is_connector(r) ? is_connector
						   : sprig_is_punct;
		wt = is_connector(r) ? W_CONNECTOR : W_PUNCT;
		while (rem.len) {
			r = next_valid_rune(rem, r, &size);
			if (!same(r))
				break;
			offset += size;
			rem = rest(rem, size);
		}
	} else if (sprig_is_upper(r)) {
		wt = W_UPPER;
		if (rem.len) {
			r = next_valid_rune(rem, r, &size);
			if (sprig_is_upper(r)) {
				size_t prev_size = size;
				offset += size;
				rem = rest(rem, size);
				while (rem.len) {
					r = next_valid_rune(rem, r, &size);
					if (!sprig_is_upper(r))
						break;
					prev_size = size;
					offset += size;
					rem = rest(rem, size);
				}
				/* "HTTPStatus" is "HTTP" and "Status" */
				if (rem.len && is_alphabet(r)) {
					offset -= prev_size;
					rem = rest(str, offset);
				}
			} else if (is_alphabet(r)) {
				offset += size;
				rem = rest(rem, size);
				while (rem.len) {
					r = next_valid_rune(rem, r, &size);
					if (!is_alphabet(r) || sprig_is_upper(r))
						break;
					offset += size;
					rem = rest(rem, size);
				}
			}
		}
	} else if (is_alphabet(r)) {
		wt = W_ALPHABET;
		while (rem.len) {
			r = next_valid_rune(rem, r, &size);
			if (!is_alphabet(r) || sprig_is_upper(r))
				break;
			offset += size;
			rem = rest(rem, size);
		}
	} else if (sprig_is_number(r)) {
		wt = W_NUMBER;
		while (rem.len) {
			r = next_valid_rune(rem, r, &size);
			if (!sprig_is_number(r))
				break;
			offset += size;
			rem = rest(rem, size);
		}
	} else {
		wt = W_OTHER;
		while (rem.len) {
			r = next_valid_rune(rem, r, &size);
			if (!size || is_connector(r) || is_alphabet(r) ||
			    sprig_is_number(r) || sprig_is_punct(r))
				break;
			offset += size;
			rem = rest(rem, size);
		}
	}
	word->len = offset;
	*remaining = rem;
	return wt;
}

/* xstrings' toLower: upper-case and connector words are rewritten. */
static void to_lower(struct strbuf *out, enum word_type wt, struct text w,
		     int connector)
{
	if (wt != W_UPPER && wt != W_CONNECTOR) {
		strbuf_add(out, w.s, w.len);
		return;
	}
	for (size_t i = 0; i < w.len;) {
		int r = sprig_next_rune(w.s, w.len, &i);
		if (is_connector(r))
			r = connector;
		else if (sprig_is_upper(r))
			r = sprig_to_lower(r);
		tmpl_utf8_append(out, r);
	}
}

static int sep_after(enum word_type wt)
{
	return wt != W_CONNECTOR && wt != W_PUNCT;
}

/* xstrings' camelCaseToLowerCase. */
static void lower_case_words(struct strbuf *out, struct text str, int conn)
{
	struct text word, remaining, last;
	enum word_type wt, prev;

	if (!str.len)
		return;
	wt = next_word(str, &word, &remaining);
	while (remaining.len) {
		if (wt != W_CONNECTOR)
			to_lower(out, wt, word, conn);
		prev = wt;
		last = word;
		wt = next_word(remaining, &word, &remaining);
		switch (prev) {
		case W_NUMBER:
			while (wt == W_ALPHABET || wt == W_NUMBER) {
				to_lower(out, wt, word, conn);
				wt = next_word(remaining, &word, &remaining);
			}
			if (wt != W_INVALID && sep_after(wt))
				tmpl_utf8_append(out, conn);
			break;
		case W_CONNECTOR:
			to_lower(out, prev, last, conn);
			break;
		case W_PUNCT:
			break;
		default:
			if (wt != W_NUMBER) {
				if (sep_after(wt))
					tmpl_utf8_append(out, conn);
				break;
			}
			if (!remaining.len)
				break;
			last = word;
			wt = next_word(remaining, &word, &remaining);
			/* a number belongs to the word before it:
			 * "Bld4Floor" is "bld4_floor" */
			if (wt != W_ALPHABET) {
				to_lower(out, W_NUMBER, last, conn);
				if (sep_after(wt))
					tmpl_utf8_append(out, conn);
				break;
			}
			/* ... unless lower-case letters follow it:
			 * "HTTP2xx" is "http_2xx" */
			tmpl_utf8_append(out, conn);
			to_lower(out, W_NUMBER, last, conn);
			while (wt == W_ALPHABET || wt == W_NUMBER) {
				to_lower(out, wt, word, conn);
				wt = next_word(remaining, &word, &remaining);
			}
			if (wt != W_INVALID && sep_after(wt))
				tmpl_utf8_append(out, conn);
		}
	}
	to_lower(out, wt, word, conn);
}

static int f_snakecase(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	struct text t = { STR(args[0]), LEN(args[0]) };
	lower_case_words(&sb, t, !strcmp(call->name, "kebabcase") ? '-' : '_');
	*result = tmpl_string_buf(&sb);
	return 0;
}

/* xstrings' ToPascalCase (toCamelCase with an upper-case first letter). */
static int f_camelcase(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = STR(args[0]);
	size_t len = LEN(args[0]), i = 0, size = 0;
	int r0 = 0, r1, first_upper = 0;

	while (i < len) {
		size_t start = i;
		r0 = sprig_next_rune(s, len, &i);
		size = i - start;
		if (!is_connector(r0)) {
			first_upper = sprig_is_upper(r0);
			r0 = sprig_to_upper(r0);
			break;
		}
		tmpl_utf8_append(&sb, r0);
	}
	if (i == len) {
		/* one rune left (or only connectors: the last is written
		 * twice, as xstrings does) */
		if (size)
			tmpl_utf8_append(&sb, r0);
		*result = tmpl_string_buf(&sb);
		return 0;
	}
	while (i < len) {
		r1 = r0;
		r0 = sprig_next_rune(s, len, &i);
		if (is_connector(r0) && is_connector(r1)) {
			tmpl_utf8_append(&sb, r1);
			continue;
		}
		if (is_connector(r1)) {
			first_upper = sprig_is_upper(r0);
			r0 = sprig_to_upper(r0);
		} else {
			if (first_upper) {
				if (sprig_is_upper(r0))
					r0 = sprig_to_lower(r0);
				else
					first_upper = 0;
			}
			tmpl_utf8_append(&sb, r1);
		}
	}
	tmpl_utf8_append(&sb, r0);
	*result = tmpl_string_buf(&sb);
	return 0;
}

/* goutils.WrapCustom: lines of at most width bytes broken at spaces; a
 * longer word is cut (long_words) or left whole. */
static void wrap(struct strbuf *out, const char *s, size_t len, long long w,
		 const char *nl, size_t nllen, int long_words)
{
	size_t width, offset = 0;
	if (!len)
		return;
	if (!nllen) {
		nl = "\n";
		nllen = 1;
	}
	width = w < 1 ? 1 : (size_t)w;
	while (len - offset > width) {
		if (s[offset] == ' ') {
			offset++;
			continue;
		}
		/* the last space within width+1 bytes */
		size_t end = offset + width + 1, at = end;
		while (at > offset && s[at - 1] != ' ')
			at--;
		if (at > offset) {
			strbuf_add(out, s + offset, at - 1 - offset);
			strbuf_add(out, nl, nllen);
			offset = at;
		} else if (long_words) {
			strbuf_add(out, s + offset, width);
			strbuf_add(out, nl, nllen);
			offset += width;
		} else {
			const char *sp = memchr(s + offset + width, ' ',
						len - offset - width);
			if (!sp) {
				strbuf_add(out, s + offset, len - offset);
				offset = len;
			} else {
				strbuf_add(out, s + offset,
					   (size_t)(sp - s) - offset);
				strbuf_add(out, nl, nllen);
				offset = (size_t)(sp - s) + 1;
			}
		}
	}
	strbuf_add(out, s + offset, len - offset);
}

static int f_wrap(struct tmpl_call *call, struct tmpl_value **args,
		  size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	wrap(&sb, STR(args[1]), LEN(args[1]), args[0]->u.i, "", 0, 0);
	*result = tmpl_string_buf(&sb);
	return 0;
}

static int f_wrap_with(struct tmpl_call *call, struct tmpl_value **args,
		       size_t nargs, struct tmpl_value **result)
{
	struct strbuf sb = STRBUF_INIT;
	wrap(&sb, STR(args[2]), LEN(args[2]), args[0]->u.i, STR(args[1]),
	     LEN(args[1]), 1);
	*result = tmpl_string_buf(&sb);
	return 0;
}

const struct tmpl_func sprig_case_funcs[] = {
	{ "camelcase", f_camelcase, "string -> string", 0 },
	{ "kebabcase", f_snakecase, "string -> string", 0 },
	{ "snakecase", f_snakecase, "string -> string", 0 },
	{ "wrap", f_wrap, "int, string -> string", 0 },
	{ "wrapWith", f_wrap_with, "int, string, string -> string", 0 },
	{ NULL, NULL, NULL, 0 },
};
