/* arena: bump allocator; everything allocated from it is freed at once. */
#ifndef HARNESS_ARENA_H
#define HARNESS_ARENA_H

#include <stddef.h>

/*
 * One arena per loaded file set and one per run. Steps:
 *   struct arena a = ARENA_INIT;     (or arena_init(&a))
 *   p = arena_alloc(&a, n);          memory is zeroed, aligned for any type
 *   arena_release(&a);               frees every block; a is ARENA_INIT again
 * Allocation never fails (OOM aborts). Pointers stay valid until release.
 * Built with -DARENA_DEBUG every allocation is its own malloc so that
 * AddressSanitizer sees overflows between objects.
 */
struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used_bytes; /* total requested, for statistics */
};

#define ARENA_INIT {NULL, 0}

void arena_init(struct arena *a);
void *arena_alloc(struct arena *a, size_t size);
/* arena_alloc_array: n zeroed elements of size bytes, aborting on overflow. */
void *arena_alloc_array(struct arena *a, size_t n, size_t size);
char *arena_strdup(struct arena *a, const char *s);
/* arena_strndup: copies exactly n bytes (may contain NULs) and terminates. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_release(struct arena *a);

#endif
