#ifndef GANTRY_BASE_MEM_H
#define GANTRY_BASE_MEM_H

/*
 * Allocation wrappers. Running out of memory is not an error gantry can
 * report usefully half-way through a plan, so these abort with a message
 * instead of returning NULL (as git's xmalloc does). Everything they return
 * is freed with free().
 */

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; the caller frees it */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *ptr (of elements of size elem) so that it holds at least need;
 * *alloc is the current capacity in elements. */
#define ALLOC_GROW(ptr, need, alloc)                                           \
	do {                                                                   \
		if ((size_t)(need) > (size_t)(alloc)) {                        \
			size_t grow_to_ = (size_t)(alloc) * 2 + 16;            \
			if (grow_to_ < (size_t)(need))                         \
				grow_to_ = (size_t)(need);                     \
			(ptr) = xrealloc((ptr), grow_to_ * sizeof(*(ptr)));    \
			(alloc) = grow_to_;                                    \
		}                                                              \
	} while (0)

/* Route jansson's allocations through the wrappers above, so a json_*()
 * constructor never returns NULL for lack of memory. Call once at start. */
void mem_init(void);

#endif
