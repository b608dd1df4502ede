#ifndef GANTRY_BASE_STRBUF_H
#define GANTRY_BASE_STRBUF_H

/*
 * A growable, always NUL-terminated byte string.
 *
 *   struct strbuf sb = STRBUF_INIT;
 *   strbuf_addf(&sb, "%d objects", n);
 *   puts(sb.buf);
 *   strbuf_release(&sb);
 *
 * sb.buf is never NULL: an empty strbuf points at a shared empty string, so
 * it can always be printed. strbuf_release() frees the memory;
 * strbuf_detach() hands it to the caller (who frees it with free()).
 */

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char strbuf_empty_[];
#define STRBUF_INIT { strbuf_empty_, 0, 0 }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addchars(struct strbuf *sb, char c, size_t n);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

#endif
