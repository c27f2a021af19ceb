/*
 * Snapshot memory: a bump allocator over a private jemalloc arena, so that a
 * whole configuration generation is allocated together and freed with one
 * call that hands every page back to the OS (RSS stays flat across reloads).
 *
 * Contract: one owner (the control thread that builds the snapshot); not
 * thread-safe. Allocations are never freed one by one: dnsp_arena_destroy()
 * releases everything. Memory is zeroed. In sanitizer builds (or when
 * jemalloc is unavailable) chunks come from malloc so ASan sees them.
 */
#ifndef DNSP_ARENA_H
#define DNSP_ARENA_H

#include <stddef.h>
#include "error.h"

typedef struct dnsp_arena dnsp_arena_t;

/* Creates an arena. Returns 0 or -ENOMEM. */
int dnsp_arena_create(dnsp_arena_t **out) DNSP_WUR;
/* Frees every allocation of the arena and the arena. NULL is a no-op. */
void dnsp_arena_destroy(dnsp_arena_t *a);
/* Zeroed memory aligned to 16 bytes (or align, a power of two ≤ 4096);
 * NULL on failure. */
void *dnsp_arena_alloc(dnsp_arena_t *a, size_t size);
void *dnsp_arena_alloc_aligned(dnsp_arena_t *a, size_t size, size_t align);
/* Copies len bytes into the arena. */
void *dnsp_arena_memdup(dnsp_arena_t *a, const void *p, size_t len);
char *dnsp_arena_strdup(dnsp_arena_t *a, const char *s);
/* Bytes handed out so far, and bytes reserved from the system. */
size_t dnsp_arena_used(const dnsp_arena_t *a);
size_t dnsp_arena_reserved(const dnsp_arena_t *a);

#endif
