/*
 * Bump allocator for snapshot memory. In release builds each arena owns a
 * private jemalloc arena (arenas.create) with the thread cache bypassed, so
 * dnsp_arena_destroy() can hand the whole generation back with one
 * arena.<i>.destroy: the pages are purged and RSS does not creep upward
 * across reloads, which per-object free() under a shared heap cannot
 * promise. Sanitizer builds (DNSP_ARENA_MALLOC) take chunks from malloc so
 * ASan tracks every byte. Chunks are large (2 MiB, or the request if
 * larger) and never returned individually.
 *
 * Huge pages: a chunk is 2 MiB-aligned and advised MADV_HUGEPAGE before it
 * is first touched, so where transparent huge pages are enabled (even in
 * "madvise" mode, Debian's default) snapshot tables sit on 2 MiB pages. A
 * worker walking a 1M-entry zone, firewall table or LPM table then misses
 * the TLB far less often, which on a VM with nested paging is much of the
 * cost of a cold lookup. Nothing depends on it: without THP the advice is
 * ignored.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"

#ifndef DNSP_ARENA_MALLOC
#include <jemalloc/jemalloc.h>
#endif

#define HUGE_PAGE (2u << 20)
#define CHUNK_SIZE HUGE_PAGE

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	/* data follows, 64-byte aligned */
} __attribute__((aligned(64)));

struct dnsp_arena {
	struct chunk *head;
	size_t used, reserved;
	unsigned je_arena;  /* jemalloc arena index (unused with malloc) */
};

static void *chunk_alloc(struct dnsp_arena *a, size_t size)
{
#ifdef DNSP_ARENA_MALLOC
	(void)a;
	return aligned_alloc(64, (size + 63) & ~(size_t)63);
#else
	void *p = mallocx(size, MALLOCX_ARENA(a->je_arena) | MALLOCX_TCACHE_NONE |
				       MALLOCX_ALIGN(HUGE_PAGE));
	if (p && size >= HUGE_PAGE) /* advisory: an error changes nothing */
		(void)madvise(p, size & ~(size_t)(HUGE_PAGE - 1), MADV_HUGEPAGE);
	return p;
#endif
}

int dnsp_arena_create(dnsp_arena_t **out)
{
	struct dnsp_arena *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
#ifndef DNSP_ARENA_MALLOC
	size_t sz = sizeof(a->je_arena);
	if (mallctl("arenas.create", &a->je_arena, &sz, NULL, 0) != 0) {
		free(a);
		return -ENOMEM;
	}
#endif
	*out = a;
	return 0;
}

void dnsp_arena_destroy(dnsp_arena_t *a)
{
	if (!a)
		return;
#ifdef DNSP_ARENA_MALLOC
	struct chunk *c = a->head;
	while (c) {
		struct chunk *n = c->next;
		free(c);
		c = n;
	}
#else
	/* Destroying the jemalloc arena frees every chunk and purges its pages. */
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "arena.%u.destroy", a->je_arena);
	if (mallctl(cmd, NULL, NULL, NULL, 0) != 0) {
		struct chunk *c = a->head;
		while (c) {
			struct chunk *n = c->next;
			dallocx(c, MALLOCX_TCACHE_NONE);
			c = n;
		}
	}
#endif
	free(a);
}

void *dnsp_arena_alloc_aligned(dnsp_arena_t *a, size_t size, size_t align)
{
	if (align == 0)
		align = 1;
	if (align > 4096 || (align & (align - 1)) != 0 || size > SIZE_MAX / 2)
		return NULL;
	if (size == 0)
		size = 1;
	struct chunk *c = a->head;
	if (c) {
		uintptr_t base = (uintptr_t)(c + 1);
		uintptr_t p = (base + c->used + align - 1) & ~(uintptr_t)(align - 1);
		if (p + size <= base + c->size) {
			c->used = p + size - base;
			a->used += size;
			return (void *)p;
		}
	}
	size_t need = size + align;
	size_t csize = need > CHUNK_SIZE ? need : CHUNK_SIZE;
	struct chunk *n = chunk_alloc(a, sizeof(*n) + csize);
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n) + csize);
	n->size = csize;
	a->reserved += sizeof(*n) + csize;
	/* A big one-off allocation goes behind the current chunk so the
	 * current chunk's free tail stays usable. */
	if (c && csize > CHUNK_SIZE) {
		n->next = c->next;
		c->next = n;
	} else {
		n->next = c;
		a->head = n;
	}
	uintptr_t base = (uintptr_t)(n + 1);
	uintptr_t p = (base + align - 1) & ~(uintptr_t)(align - 1);
	n->used = p + size - base;
	a->used += size;
	return (void *)p;
}

void *dnsp_arena_alloc(dnsp_arena_t *a, size_t size)
{
	return dnsp_arena_alloc_aligned(a, size, 16);
}

void *dnsp_arena_memdup(dnsp_arena_t *a, const void *p, size_t len)
{
	void *d = dnsp_arena_alloc_aligned(a, len, 1);
	if (d && len)
		memcpy(d, p, len);
	return d;
}

char *dnsp_arena_strdup(dnsp_arena_t *a, const char *s)
{
	return dnsp_arena_memdup(a, s, strlen(s) + 1);
}

size_t dnsp_arena_used(const dnsp_arena_t *a)
{
	return a->used;
}

size_t dnsp_arena_reserved(const dnsp_arena_t *a)
{
	return a->reserved;
}
