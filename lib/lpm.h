/*
 * Longest-prefix match for IPv4 and IPv6 client addresses, compiled into an
 * immutable table: maps a client address to a 32-bit value (a VPC index
 * today; geo locations, latency rows and CIDR-collection locations later).
 *
 * Contract: built with a builder on the control thread (malloc for scratch),
 * compiled into arena memory; the compiled table is read-only and may be
 * looked up from any number of threads with no locks or allocation. Lookup
 * cost is bounded by the address length in strides (compressed multibit
 * trie: a direct-indexed first level of 6 to 18 bits, then 6-bit strides;
 * at most 7 dependent loads for IPv4 and 23 for IPv6, 3 for a /24 in a
 * large IPv4 table) and also returns the matched prefix length (needed for
 * the ECS scope). Memory is proportional to the prefixes (tens of bytes
 * each).
 */
#ifndef DNSP_LPM_H
#define DNSP_LPM_H

#include <stdint.h>
#include "arena.h"

#define DNSP_LPM_NONE UINT32_MAX

typedef struct dnsp_lpm dnsp_lpm_t;
typedef struct dnsp_lpm_builder dnsp_lpm_builder_t;

int dnsp_lpm_builder_create(dnsp_lpm_builder_t **out) DNSP_WUR;
void dnsp_lpm_builder_destroy(dnsp_lpm_builder_t *b);

/*
 * Adds prefix addr/plen for family (4 or 6; addr is 4 or 16 bytes, bits past
 * plen ignored) with value (not DNSP_LPM_NONE). Re-adding the same prefix
 * replaces its value. Returns 0, -EINVAL (bad family/plen) or -ENOMEM.
 */
int dnsp_lpm_builder_add(dnsp_lpm_builder_t *b, int family, const uint8_t *addr, int plen,
			 uint32_t value) DNSP_WUR;

/* Compiles into arena; the builder may be destroyed afterwards. */
int dnsp_lpm_compile(dnsp_lpm_builder_t *b, dnsp_arena_t *arena, const dnsp_lpm_t **out) DNSP_WUR;

/*
 * Looks up addr (4 or 16 bytes for family 4 or 6). Returns the value of the
 * longest matching prefix or DNSP_LPM_NONE; *plen (if not NULL) receives the
 * matched prefix length (0 when nothing matched).
 */
uint32_t dnsp_lpm_lookup(const dnsp_lpm_t *t, int family, const uint8_t *addr, int *plen);

/* Bytes of arena memory the compiled table uses. */
size_t dnsp_lpm_memory(const dnsp_lpm_t *t);

#endif
