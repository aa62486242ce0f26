/* alloc: allocation that never returns NULL; out of memory aborts the process. */
#ifndef HARNESS_ALLOC_H
#define HARNESS_ALLOC_H

#include <stddef.h>

/*
 * Every function here either succeeds or prints one line to stderr and
 * calls abort(): callers never check for NULL. Sizes are checked for
 * multiplication overflow. Memory is released with free().
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
/* xreallocarray: resize to n * size bytes, aborting on overflow. */
void *xreallocarray(void *ptr, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xasprintf: a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *items (of *cap elements of size elem) so that it holds at least need. */
void xgrow(void **items, size_t *cap, size_t need, size_t elem);
#define XGROW(arr, cap, need) xgrow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
