#ifndef GANTRY_TEMPLATE_UTF8_H
#define GANTRY_TEMPLATE_UTF8_H

/*
 * UTF-8 and Go string literal helpers shared inside pkg/template (fmt,
 * the lexer, the builtins). Internal to the module.
 */

#include <stddef.h>

#include "pkg/base/strbuf.h"

/* Decode one rune at s (len > 0) as Go's utf8.DecodeRune does: invalid or
 * overlong sequences, surrogates and values past U+10FFFF give U+FFFD and
 * width 1. Returns the width; *rune may be NULL. */
size_t tmpl_utf8_decode(const char *s, size_t len, int *rune);
/* Number of runes in s, as utf8.RuneCount. */
size_t tmpl_utf8_count(const char *s, size_t len);
/* Append r encoded; invalid runes as U+FFFD. */
void tmpl_utf8_append(struct strbuf *sb, int r);
/* strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the
 * ASCII space. Outside ASCII this knows the controls, spaces, format
 * characters, surrogates and private use areas; unassigned code points
 * count as printable. */
int tmpl_utf8_is_print(int r);
/* strconv.Quote (ascii_only: QuoteToASCII) of s. */
void tmpl_utf8_quote(struct strbuf *sb, const char *s, size_t len,
		     int ascii_only);
/* strconv.QuoteRune (ascii_only: QuoteRuneToASCII). */
void tmpl_utf8_quote_rune(struct strbuf *sb, int r, int ascii_only);
/* strconv.CanBackquote. */
int tmpl_utf8_can_backquote(const char *s, size_t len);

#endif
