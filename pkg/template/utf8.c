/*
 * UTF-8 decoding and Go's string quoting (strconv.Quote and friends).
 */
#include "pkg/template/utf8.h"

static const char lowerhex[] = "0123456789abcdef";

size_t tmpl_utf8_decode(const char *str, size_t len, int *rune)
{
	const unsigned char *s = (const unsigned char *)str;
	int r = 0xFFFD;
	size_t w = 1;

	if (s[0] < 0x80) {
		r = s[0];
	} else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		if (len >= 2 && (s[1] & 0xC0) == 0x80) {
			r = (s[0] & 0x1F) << 6 | (s[1] & 0x3F);
			w = 2;
		}
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if (len >= 3 && (s[1] & 0xC0) == 0x80 &&
		    (s[2] & 0xC0) == 0x80) {
			int c = (s[0] & 0x0F) << 12 | (s[1] & 0x3F) << 6 |
				(s[2] & 0x3F);
			if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) {
				r = c;
				w = 3;
			}
		}
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		if (len >= 4 && (s[1] & 0xC0) == 0x80 &&
		    (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
			int c = (s[0] & 0x07) << 18 | (s[1] & 0x3F) << 12 |
				(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
			if (c >= 0x10000 && c <= 0x10FFFF) {
				r = c;
				w = 4;
			}
		}
	}
	if (rune)
		*rune = r;
	return w;
}

size_t tmpl_utf8_count(const char *s, size_t len)
{
	size_t n = 0, i = 0;
	while (i < len) {
		i += tmpl_utf8_decode(s + i, len - i, NULL);
		n++;
	}
	return n;
}

void tmpl_utf8_append(struct strbuf *sb, int r)
{
	if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = 0xFFFD;
	if (r < 0x80) {
		strbuf_addch(sb, (char)r);
	} else if (r < 0x800) {
		strbuf_addch(sb, (char)(0xC0 | r >> 6));
		strbuf_addch(sb, (char)(0x80 | (r & 0x3F)));
	} else if (r < 0x10000) {
		strbuf_addch(sb, (char)(0xE0 | r >> 12));
		strbuf_addch(sb, (char)(0x80 | ((r >> 6) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | (r & 0x3F)));
	} else {
		strbuf_addch(sb, (char)(0xF0 | r >> 18));
		strbuf_addch(sb, (char)(0x80 | ((r >> 12) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | ((r >> 6) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | (r & 0x3F)));
	}
}

/* Ranges of runes that are not printable: controls, non-ASCII spaces,
 * format characters, surrogates, private use, noncharacters. */
static const int not_print[][2] = {
	{ 0x0000, 0x001F }, { 0x007F, 0x00A0 }, { 0x00AD, 0x00AD },
	{ 0x0600, 0x0605 }, { 0x061C, 0x061C }, { 0x06DD, 0x06DD },
	{ 0x070F, 0x070F }, { 0x1680, 0x1680 }, { 0x180E, 0x180E },
	{ 0x2000, 0x200F }, { 0x2028, 0x202F }, { 0x205F, 0x2064 },
	{ 0x2066, 0x206F }, { 0x3000, 0x3000 }, { 0xD800, 0xF8FF },
	{ 0xFEFF, 0xFEFF }, { 0xFFF9, 0xFFFB }, { 0xFFFE, 0xFFFF },
	{ 0x110BD, 0x110BD }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A },
	{ 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F }, { 0xF0000, 0x10FFFF },
};

int tmpl_utf8_is_print(int r)
{
	if (r >= 0x20 && r < 0x7F)
		return 1;
	if (r < 0 || r > 0x10FFFF)
		return 0;
	for (size_t i = 0; i < sizeof(not_print) / sizeof(not_print[0]); i++)
		if (r >= not_print[i][0] && r <= not_print[i][1])
			return 0;
	/* U+nFFFE and U+nFFFF are noncharacters in every plane */
	return (r & 0xFFFE) != 0xFFFE;
}

static void escaped_rune(struct strbuf *sb, int r, char quote, int ascii_only)
{
	if (r == quote || r == '\\') {
		strbuf_addch(sb, '\\');
		strbuf_addch(sb, (char)r);
		return;
	}
	if (ascii_only) {
		if (r < 0x80 && tmpl_utf8_is_print(r)) {
			strbuf_addch(sb, (char)r);
			return;
		}
	} else if (tmpl_utf8_is_print(r)) {
		tmpl_utf8_append(sb, r);
		return;
	}
	switch (r) {
	case '\a': strbuf_addstr(sb, "\\a"); return;
	case '\b': strbuf_addstr(sb, "\\b"); return;
	case '\f': strbuf_addstr(sb, "\\f"); return;
	case '\n': strbuf_addstr(sb, "\\n"); return;
	case '\r': strbuf_addstr(sb, "\\r"); return;
	case '\t': strbuf_addstr(sb, "\\t"); return;
	case '\v': strbuf_addstr(sb, "\\v"); return;
	}
	if (r < ' ' || r == 0x7F) {
		strbuf_addstr(sb, "\\x");
		strbuf_addch(sb, lowerhex[(r >> 4) & 15]);
		strbuf_addch(sb, lowerhex[r & 15]);
		return;
	}
	if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = 0xFFFD;
	if (r < 0x10000) {
		strbuf_addstr(sb, "\\u");
		for (int s = 12; s >= 0; s -= 4)
			strbuf_addch(sb, lowerhex[(r >> s) & 15]);
	} else {
		strbuf_addstr(sb, "\\U");
		for (int s = 28; s >= 0; s -= 4)
			strbuf_addch(sb, lowerhex[(r >> s) & 15]);
	}
}

void tmpl_utf8_quote(struct strbuf *sb, const char *s, size_t len,
		     int ascii_only)
{
	size_t i = 0;
	strbuf_addch(sb, '"');
	while (i < len) {
		int r;
		size_t w = tmpl_utf8_decode(s + i, len - i, &r);
		if (w == 1 && r == 0xFFFD) {
			/* an invalid byte: \x, not U+FFFD */
			unsigned char c = (unsigned char)s[i];
			strbuf_addstr(sb, "\\x");
			strbuf_addch(sb, lowerhex[c >> 4]);
			strbuf_addch(sb, lowerhex[c & 15]);
		} else {
			escaped_rune(sb, r, '"', ascii_only);
		}
		i += w;
	}
	strbuf_addch(sb, '"');
}

void tmpl_utf8_quote_rune(struct strbuf *sb, int r, int ascii_only)
{
	if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = 0xFFFD;
	strbuf_addch(sb, '\'');
	escaped_rune(sb, r, '\'', ascii_only);
	strbuf_addch(sb, '\'');
}

int tmpl_utf8_can_backquote(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		int r;
		size_t w = tmpl_utf8_decode(s + i, len - i, &r);
		i += w;
		if (w > 1) {
			if (r == 0xFEFF)
				return 0;
			continue;
		}
		if (r == 0xFFFD)
			return 0;
		if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F)
			return 0;
	}
	return 1;
}
