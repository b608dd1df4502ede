#ifndef GANTRY_BASE_STRVEC_H
#define GANTRY_BASE_STRVEC_H

/*
 * A NULL-terminated, growable array of owned strings.
 * strvec_clear() frees every string and the array.
 */

#include <stddef.h>

struct strvec {
	char **v;   /* v[nr] is NULL once anything was pushed */
	size_t nr;
	size_t alloc;
};

#define STRVEC_INIT { NULL, 0, 0 }

/* Copies s. Returns the stored copy. */
const char *strvec_push(struct strvec *sv, const char *s);
/* Takes ownership of s (which must come from malloc). */
void strvec_push_nodup(struct strvec *sv, char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strvec_sort(struct strvec *sv);
/* Index of s in sv, or -1. */
long strvec_find(const struct strvec *sv, const char *s);
void strvec_clear(struct strvec *sv);

#endif
