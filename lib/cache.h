/*
 * The resolver cache: answers the slow path obtained upstream, kept as
 * pre-encoded records so that a worker can answer a hit on the fast path
 * without a lock, an allocation or a copy beyond writing the reply.
 *
 * Contract.
 *  - Entries are keyed by (qname, qtype, qclass, route tag[, ECS subnet at
 *    the scope the upstream returned]) and hold a whole answer: rcode, the
 *    answer records (a CNAME/DNAME chain and the final RRset) and, for
 *    negative answers (RFC 2308), the SOA of the authority section. Every
 *    record keeps its own TTL; an entry expires with its shortest one.
 *    Answers count TTLs down: a record inserted with TTL t at time i is
 *    answered at time n with t - (n - i).
 *  - ONE writer: the slow-path resolver thread (insert, remove, expire,
 *    evict, set limits). Any number of readers: workers and the resolver
 *    thread itself, each a registered liburcu-qsbr reader that is online
 *    while it uses an entry. The table is liburcu's lock-free hash table
 *    (rculfhash, QSBR flavour); replaced and evicted entries are freed by
 *    call_rcu after a grace period, so a reader never sees freed memory.
 *  - Readers write exactly two bytes of an entry, both only when they
 *    change (so a hot entry's cache line is not bounced between cores): the
 *    CLOCK reference bit, and a one-shot "prefetch requested" flag.
 *  - Memory is bounded (limits.max_bytes): inserting past it evicts by
 *    CLOCK (second chance), expired entries first.
 *  - The cache lives outside snapshots and survives reloads; each
 *    snapshot's recursion part points at it.
 *  - Time is whole seconds of a monotonic clock (dnsp_cache_now()); every
 *    function takes `now` so tests control it.
 */
#ifndef DNSP_CACHE_H
#define DNSP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "wire/pkt.h"

typedef struct dnsp_cache dnsp_cache_t;

struct dnsp_cache_limits {
	uint64_t max_bytes;          /* memory bound for entries (default 64 MiB) */
	uint32_t max_ttl;            /* positive TTL cap (default 86400) */
	uint32_t min_ttl;            /* positive TTL floor (default 0) */
	uint32_t max_negative_ttl;   /* negative TTL cap (default 3600, RFC 2308 §5) */
	uint32_t stale_ttl;          /* serve-stale window after expiry; 0: off (RFC 8767
				      * suggests 1..3 days; default 0) */
	uint32_t stale_answer_ttl;   /* TTL of stale records in answers (default 30,
				      * RFC 8767 §4) */
	uint8_t prefetch_percent;    /* prefetch when less than this % of the original
				      * TTL remains (default 10; 0: off) */
	uint32_t prefetch_min_ttl;   /* only entries with original TTL >= this (10) */
};
/* The defaults above. */
void dnsp_cache_limits_default(struct dnsp_cache_limits *l);

/* Creates a cache. Returns 0 or -ENOMEM. Any thread (not a reader). */
int dnsp_cache_create(const struct dnsp_cache_limits *l, dnsp_cache_t **out) DNSP_WUR;
/*
 * Frees every entry and the table. No reader may use the cache any more;
 * waits for pending call_rcu frees (rcu_barrier). NULL is a no-op. The
 * calling thread must not be a registered QSBR reader.
 */
void dnsp_cache_destroy(dnsp_cache_t *c);
/* Replaces the limits (writer thread). Shrinking max_bytes evicts on the
 * next insert or dnsp_cache_maintain(). */
void dnsp_cache_set_limits(dnsp_cache_t *c, const struct dnsp_cache_limits *l);
void dnsp_cache_get_limits(const dnsp_cache_t *c, struct dnsp_cache_limits *l);

/* Monotonic seconds (CLOCK_MONOTONIC_COARSE, vDSO), never 0. */
uint32_t dnsp_cache_now(void);

/* ------------------------------------------------------------------ keys */

/*
 * A lookup/insert key. qname is lowercase wire form. ECS: ecs_family 0
 * means the entry is not client-specific. For an insert with ECS, the
 * address is truncated to ecs_scope bits by the cache.
 */
struct dnsp_cache_key {
	const uint8_t *qname;
	uint8_t qname_len;           /* bytes of qname when known (a parsed query's
				      * qname_len), 0: computed */
	uint16_t qtype, qclass;
	uint32_t tag;                /* route cache_tag (0: public recursion) */
	bool ecs;                    /* the query was resolved with ECS upstream */
	uint8_t ecs_family;          /* 1 IPv4, 2 IPv6 (IANA), when ecs */
	uint8_t ecs_scope;           /* scope prefix the upstream answered with */
	uint8_t ecs_addr[16];        /* client subnet address */
};

/* ------------------------------------------------------------ fast path */

/* What a lookup found besides the records. */
struct dnsp_cache_result {
	uint8_t rcode;               /* NOERROR / NXDOMAIN (negative entries keep theirs) */
	uint8_t ecs_scope;           /* scope to echo in the client's ECS option */
	bool prefetch;               /* near expiry and first to ask: refresh it */
	bool stale_available;        /* miss, but a stale entry exists (serve-stale) */
	uint16_t records;            /* records written */
};

/*
 * Answers from the cache into r (built by dnsp_resp_init for the query):
 * appends the entry's answer and authority records with TTLs counted down
 * to now. For an ECS key (key->ecs), the client address is in ecs_addr
 * with its family; the cache finds the scope stored for that name.
 * Returns 1 on a fresh hit (records written, res filled), 0 on a miss (r
 * untouched; res->stale_available says whether a stale entry could be
 * served if resolution fails). A hit whose records do not fit r's limit
 * sets r->truncated (TC over UDP; complete over TCP).
 * Caller: an online QSBR reader. No allocation, no locks, no syscalls.
 */
int dnsp_cache_answer(const dnsp_cache_t *c, const struct dnsp_cache_key *key, uint32_t now,
		      struct dnsp_resp *r, struct dnsp_cache_result *res);

/*
 * Same as dnsp_cache_answer for an entry that expired less than
 * limits.stale_ttl ago (RFC 8767): records get limits.stale_answer_ttl.
 * Returns 1 when a stale entry was written, 0 otherwise. Resolver thread.
 */
int dnsp_cache_answer_stale(const dnsp_cache_t *c, const struct dnsp_cache_key *key,
			    uint32_t now, struct dnsp_resp *r, struct dnsp_cache_result *res);

/* ------------------------------------------------------------ slow path */

/* One record of an entry to insert. rdata is uncompressed wire form. */
struct dnsp_cache_rr {
	const uint8_t *owner;        /* absolute wire name (any case; stored lowercase);
				      * NULL: the qname (written as a pointer to the
				      * question, so in the client's case) */
	uint16_t type, rclass;
	uint32_t ttl;                /* as received; capped by the limits */
	const uint8_t *rdata;
	uint16_t rdlen;
	uint8_t section;             /* DNSP_SEC_ANSWER or DNSP_SEC_AUTHORITY */
};

/*
 * Inserts (or replaces) the entry for key: rcode, rrs[0..n) (answer
 * records first, then authority). Negative entries (NXDOMAIN, or NOERROR
 * without answer records) take their TTL from the SOA in rrs: min(SOA TTL,
 * SOA MINIMUM) (RFC 2308 §5), capped by max_negative_ttl; a negative answer
 * without SOA is not cached (§5: "SHOULD NOT"). Positive TTLs are clamped
 * to [min_ttl, max_ttl]. An entry with TTL 0 is not stored. For an ECS key
 * with ecs_scope > 0 the entry is stored for the client subnet at that
 * scope, plus a marker for (qname, qtype, qclass, tag) recording the scope.
 * Evicts by CLOCK to stay within max_bytes.
 * Returns 1 when stored, 0 when deliberately not stored, or -ENOMEM /
 * -EINVAL / DNSP_ENOSPACE (entry larger than 64 KiB). Writer thread only,
 * online QSBR reader.
 */
int dnsp_cache_insert(dnsp_cache_t *c, const struct dnsp_cache_key *key, uint8_t rcode,
		      const struct dnsp_cache_rr *rrs, size_t n, uint32_t now) DNSP_WUR;

/* Removes the entry for key (if any). Returns 1 if removed. Writer only. */
int dnsp_cache_remove(dnsp_cache_t *c, const struct dnsp_cache_key *key);

/*
 * Housekeeping (writer, e.g. once a second): removes entries expired past
 * the stale window (at most `budget` examined) and evicts down to
 * max_bytes. Returns entries removed.
 */
size_t dnsp_cache_maintain(dnsp_cache_t *c, uint32_t now, size_t budget);

/* Drops every entry (writer). */
void dnsp_cache_flush(dnsp_cache_t *c);

struct dnsp_cache_stats {
	uint64_t entries;            /* live entries (markers included) */
	uint64_t bytes;              /* bytes held by entries */
	uint64_t inserts, replaced, evicted, expired;
};
/* Any thread; values may be a moment stale. */
void dnsp_cache_get_stats(const dnsp_cache_t *c, struct dnsp_cache_stats *out);

#endif
