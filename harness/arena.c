/* arena: bump allocator with large blocks (or one malloc per object under ARENA_DEBUG). */
#include "harness/arena.h"
#include "harness/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_BLOCK (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used_bytes = 0;
}

#ifdef ARENA_DEBUG
void *arena_alloc(struct arena *a, size_t size)
{
	/* without this check sizeof(*b) + size wraps and a tiny block is
	 * handed out for an impossible request (arena_alloc_array overflow) */
	if (size > SIZE_MAX - sizeof(struct arena_block))
		xmalloc(SIZE_MAX); /* aborts */
	struct arena_block *b = xcalloc(1, sizeof(*b) + size);
	b->size = b->used = size;
	b->next = a->head;
	a->head = b;
	a->used_bytes += size;
	return b->data;
}
#else
void *arena_alloc(struct arena *a, size_t size)
{
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need < size)
		need = SIZE_MAX; /* overflow: the xmalloc below aborts */
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < need) {
		size_t bsize = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
		if (bsize > SIZE_MAX - sizeof(*b))
			bsize = SIZE_MAX - sizeof(*b);
		struct arena_block *nb = xmalloc(sizeof(*nb) + bsize);
		nb->size = bsize;
		nb->used = 0;
		if (b && bsize != ARENA_BLOCK) {
			/* a big object gets its own block behind the current one,
			 * so the current block's free space is not wasted */
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += need;
	a->used_bytes += size;
	memset(p, 0, size);
	return p;
}
#endif

void *arena_alloc_array(struct arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return arena_alloc(a, SIZE_MAX);
	return arena_alloc(a, n * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n == SIZE_MAX ? SIZE_MAX : n + 1); /* SIZE_MAX aborts */
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *p = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
	if (n > 0)
		vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	arena_init(a);
}
