/*
 * The query pipeline every back end feeds: classify the packet (listener,
 * VPC), apply policy steps in order, and build the answer in place.
 *
 *   parse → listener → VPC (listener-fixed or client CIDR) → service checks
 *   (EnableDnsSupport) → [firewall: issue #5] → local sources (private zones
 *   of the VPC; public zones on public listeners) → [Resolver rules, cache,
 *   recursion: issue #6] → SERVFAIL on resolver listeners / REFUSED on public
 *
 * Contract: pure computation over an immutable snapshot plus the caller's
 * per-worker counters; no allocation, no locks, no syscalls. The buffer
 * holds the DNS message (no L2-L4 headers); the reply overwrites it.
 */
#ifndef DNSP_PIPELINE_H
#define DNSP_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include "punt.h"
#include "snapshot.h"
#include "stats.h"

/*
 * What the policy steps decided for one query (output; reset by
 * dnsp_pipeline_process for every query), for the query log. Firewall
 * (lib/firewall.h): fw_action is the enum dnsp_fw_action of the deciding
 * rule (0: no rule matched or no firewall); the strings name it and point
 * into the snapshot, so they are valid while the worker holds it (until
 * its next quiescent state). fw_failed: the firewall could not evaluate
 * and the VPC's fail mode answered (SERVFAIL) or passed the query.
 */
struct dnsp_decision {
	uint8_t fw_action;
	bool fw_failed;
	const char *fw_rule_group_id;  /* firewall_rule_group_id */
	const char *fw_rule_name;
	const char *fw_domain_list_id; /* firewall_domain_list_id; NULL for a
					  DnsThreatProtection rule */
};

struct dnsp_pkt {
	uint8_t *buf;          /* DNS message in, reply out */
	uint16_t len;          /* query length */
	uint16_t cap;          /* bytes available in buf for the reply */
	uint8_t family;        /* 4 or 6: client address family */
	bool tcp;              /* transport (no TC, 64 KiB limit) */
	uint16_t listener;     /* listener slot (index in snapshot listeners) */
	uint16_t src_port;
	uint8_t src[16];       /* client address */
	struct dnsp_decision decision; /* out: what the policy steps decided */
};

/*
 * What a worker brings to each query: its counters, its index (which
 * selects per-worker state inside a snapshot, e.g. firewall scratch space)
 * and its random-number state (weighted and multivalue choices). Owned and
 * written by one worker only.
 */
struct dnsp_worker_ctx {
	struct dnsp_stats *stats;
	uint32_t id;
	uint64_t rng;          /* xorshift64* state, never 0 */
	struct dnsp_punt punt; /* set with DNSP_PIPELINE_PUNT (and cache prefetch): where
				* the slow path takes the query (lib/punt.h) */
};

/* Seeds a worker context (any non-zero seed; 0 is replaced). */
void dnsp_worker_ctx_init(struct dnsp_worker_ctx *w, struct dnsp_stats *st, uint32_t id,
			  uint64_t seed);

/* Next pseudo-random 64-bit value of worker w (xorshift64*). */
static inline uint64_t dnsp_worker_rand(struct dnsp_worker_ctx *w)
{
	uint64_t x = w->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

#define DNSP_PIPELINE_DROP 0
#define DNSP_PIPELINE_PUNT (-1)

/*
 * Processes one query. Returns the reply length (> 0; written to p->buf),
 * DNSP_PIPELINE_DROP (send nothing), or DNSP_PIPELINE_PUNT (hand the packet
 * to the slow path; not produced before recursion exists).
 * Counts into w->stats.
 */
int dnsp_pipeline_process(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
			  struct dnsp_worker_ctx *w);

/*
 * [routing] Answers the query in p->buf from zone z of s alone, with the
 * same code as the data plane on a listener that serves z: parsing, EDNS,
 * routed sets chosen for p->src or the query's ECS (public zones only;
 * private_zone says which z is), the ECS scope. For TestDNSAnswer (SPEC §3).
 * Returns the reply length (written to p->buf), DNSP_PIPELINE_DROP for a
 * packet that must not be answered. Any thread, as long as s stays alive.
 */
int dnsp_pipeline_answer_zone(const struct dnsp_snapshot *s, const dnsp_zone_t *z,
			      bool private_zone, struct dnsp_pkt *p, struct dnsp_worker_ctx *w);

#endif
