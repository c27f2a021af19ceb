/*
 * The slow-path resolver: one thread that takes the queries the workers
 * punt (lib/punt.h), resolves them upstream — iteratively from the root
 * hints (RECURSE), or through a Resolver rule's targets (FORWARD) or
 * delegated servers (DELEGATE) — fills the shared cache (lib/cache.h), and
 * answers the client through the return path the worker gave.
 *
 * Shape: a single epoll loop owns every upstream socket (UDP with a fresh
 * random source port and random ID per query, TCP after truncation), all
 * in-flight resolutions and a timer wheel; nothing blocks, and every client
 * query has a hard deadline (recursion.query_timeout_ms, default 3 s) after
 * which it is answered SERVFAIL (or from a stale entry, RFC 8767). The
 * thread is a QSBR reader: it reads the current snapshot (routes, root
 * hints, limits) and is the ONLY writer of the cache.
 *
 * Route decision: made on the fast path by per-VPC source selection (issue
 * #6 items 3-5) and carried in the request as a struct dnsp_upstream, so this
 * module never re-decides where a name goes:
 *   RECURSE  — iterate from the root hints (QNAME minimisation, bailiwick
 *              checks, glue, CNAME/DNAME chasing, work limits);
 *   FORWARD  — send the query with RD=1 to targets[] in order, failing over
 *              to the next on timeout/SERVFAIL/REFUSED, from one of
 *              sources[] (the outbound endpoint's ENI addresses), and relay
 *              the answer (a CNAME out of the rule's domain is NOT chased:
 *              the forwarder's answer is returned as it is);
 *   DELEGATE — iterate as RECURSE but start from targets[] as the servers
 *              for zone (RD=0), sending from sources[].
 * The route type is struct dnsp_upstream (lib/punt.h). Source selection in
 * lib/pipeline.c hands a name to the slow path by calling
 *   resolve_upstream(s, p, &q, &r, w, vpc_index, upstream, hdr)
 * (upstream: a struct dnsp_upstream compiled into the snapshot arena, or
 * NULL for public recursion); that helper answers cache hits (keyed by
 * upstream->cache_tag, so rule answers never leak between sources) and
 * otherwise returns DNSP_PIPELINE_PUNT with w->punt filled; the worker
 * copies the route into the punt ring (dnsp_punt_push) and the resolver
 * thread picks it up here.
 *
 * Threads: create/start/stop/destroy from the control thread (dnsplaned);
 * dnsp_resolver_submit() from any thread (it goes through a locked inbox:
 * tests and tools; workers use the lock-free punt channel instead);
 * dnsp_resolver_get_stats() from any thread.
 */
#ifndef DNSP_CTRL_RESOLVER_H
#define DNSP_CTRL_RESOLVER_H

#include <stdbool.h>
#include <stdint.h>
#include "../lib/cache.h"
#include "../lib/error.h"
#include "../lib/punt.h"

struct dnsp_config;
struct dnsp_errlist;
struct dnsp_snapshot;

typedef struct dnsp_resolver dnsp_resolver_t;

/*
 * Hooks the Resolver-endpoint code can install (all optional, called on
 * the resolver thread only).
 *   outbound_admit: asked before a query is sent from upstream->sources[src]
 *     of upstream->endpoint; return false when that ENI is over its QPS
 *     ceiling (the resolver then tries the next source address, and counts
 *     the query as dropped when none admits).
 */
struct dnsp_resolver_hooks {
	bool (*outbound_admit)(void *ctx, int32_t endpoint, uint32_t src);
	void *ctx;
};

struct dnsp_resolver_params {
	dnsp_cache_t *cache;         /* the shared cache (caller owns; outlives r) */
	dnsp_punt_chan_t *chan;      /* worker punts (caller owns), or NULL */
	struct dnsp_resolver_hooks hooks;
};

/* Creates a resolver (no thread yet). Returns 0 or -ENOMEM / -errno. */
int dnsp_resolver_create(const struct dnsp_resolver_params *p, dnsp_resolver_t **out) DNSP_WUR;
/* Starts the resolver thread. Returns 0 or -errno. */
int dnsp_resolver_start(dnsp_resolver_t *r) DNSP_WUR;
/* Stops and joins the thread; in-flight queries are answered SERVFAIL. */
void dnsp_resolver_stop(dnsp_resolver_t *r);
/* Frees r (stopping it first). NULL is a no-op. */
void dnsp_resolver_destroy(dnsp_resolver_t *r);

/*
 * Hands one query to the resolver: req is copied (query bytes, client
 * return path, VPC, route). Any thread. Returns 0, or -ENOSPC when the
 * inbox is full, -EINVAL on a malformed request.
 */
int dnsp_resolver_submit(dnsp_resolver_t *r, const struct dnsp_punt_req *req) DNSP_WUR;

/* Counters for /metrics (monotonic; read without locks, may be one event
 * stale). */
struct dnsp_resolver_stats {
	uint64_t requests;            /* client queries taken from the punt path */
	uint64_t prefetches;          /* refreshes without a client */
	uint64_t answered;            /* replies sent */
	uint64_t servfail;            /* of which SERVFAIL (dnsplane_resolver_servfail_total) */
	uint64_t stale_answers;       /* answered from stale cache (RFC 8767) */
	uint64_t deadline_expired;    /* client queries that hit the hard deadline */
	uint64_t limit_hits;          /* work limits reached (referrals, CNAMEs, queries) */
	uint64_t up_sent;             /* upstream queries sent (UDP + TCP) */
	uint64_t up_ok;               /* ... answered with a usable response */
	uint64_t up_timeout;          /* ... timed out */
	uint64_t up_error;            /* ... send error, FORMERR/SERVFAIL/REFUSED, bad reply */
	uint64_t up_tcp;              /* ... retried over TCP after TC */
	uint64_t up_edns_fallback;    /* ... retried without EDNS */
	uint64_t up_dropped;          /* ... not sent: outbound ENI over its ceiling */
	uint64_t bailiwick_dropped;   /* records discarded by the bailiwick check */
	uint64_t inbox_full;          /* requests dropped: inbox or reply ring full */
	uint64_t inflight;            /* resolutions in progress now (gauge) */
};
void dnsp_resolver_get_stats(const dnsp_resolver_t *r, struct dnsp_resolver_stats *out);

/* ------------------------------------------------ process-wide wiring */

/*
 * The running daemon's resolver and cache, so that the snapshot compiler
 * can attach the cache to every generation (snapshot->recursion->cache)
 * and /metrics can find both. Set by dnsplaned before the first compile;
 * NULL in tools and unit tests (recursion then punts to nobody and the
 * data plane answers SERVFAIL). Control thread.
 */
void dnsp_resolver_set_global(dnsp_resolver_t *r, dnsp_cache_t *cache);
dnsp_resolver_t *dnsp_resolver_global(void);
dnsp_cache_t *dnsp_resolver_global_cache(void);

/*
 * Compile step (called from dnsp_compile at the feature place): builds
 * s->recursion from the `resolver:` section (root hints, limits, ECS per
 * VPC, cache knobs) in the snapshot arena and applies the cache knobs to
 * the global cache. Returns 0, or a negative code with errs filled.
 */
int dnsp_recursion_compile(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
			   struct dnsp_errlist *errs) DNSP_WUR;

#endif
