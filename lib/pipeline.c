/*
 * The query pipeline shared by every back end. Each step is a plain
 * function over the immutable snapshot, in the order the Route 53 Resolver
 * applies them (guide §5, §7; SPEC §4): classify the listener and the VPC,
 * refuse service where the VPC has none, [the DNS Firewall slots in here],
 * answer from local sources (private zones for VPC listeners, public zones
 * for public listeners), [Resolver rules, the cache and recursion slot in
 * after that], and otherwise fail fast: SERVFAIL on a resolver listener,
 * REFUSED on a public one. Nothing here allocates, locks or blocks.
 */
#include <string.h>
#include "pipeline.h"
#include "cache.h"
#include "firewall.h"
#include "ratelimit.h"
#include "sources.h"
#include "wire/pkt.h"

static const dnsp_zone_t *view_resolver(const void *ctx, const uint8_t *name)
{
	return dnsp_view_find(ctx, name);
}

static inline uint16_t min_u16(uint32_t a, uint32_t b)
{
	return (uint16_t)(a < b ? a : b);
}

/* UDP reply size: 512 without EDNS (RFC 1035 §4.2.1), else the client's
 * advertised size capped by our configured maximum (RFC 6891 §6.2.5). */
static uint16_t reply_limit(const struct dnsp_snapshot *s, const struct dnsp_pkt *p,
			    const struct dnsp_query *q)
{
	if (p->tcp)
		return min_u16(DNSP_MSG_MAX, p->cap);
	uint32_t lim = DNSP_UDP_DEFAULT;
	if (q->has_edns) {
		lim = q->edns_udp_size < DNSP_UDP_DEFAULT ? DNSP_UDP_DEFAULT : q->edns_udp_size;
		if (lim > s->udp_max)
			lim = s->udp_max;
	}
	return min_u16(lim, p->cap);
}

/* Sets the rcode, counts the answer and completes it, echoing an ECS
 * option with ecs_scope (0 for every answer that does not depend on the
 * client's subnet). */
static int finish_scoped(const struct dnsp_snapshot *s, struct dnsp_resp *r,
			 const struct dnsp_query *q, struct dnsp_stats *st, uint8_t rcode,
			 uint8_t ecs_scope)
{
	dnsp_resp_set_rcode(r, rcode);
	if (r->truncated)
		st->truncated++;
	st->rcodes[rcode & 0xf]++;
	return dnsp_resp_finish(r, q, s->udp_max, ecs_scope);
}

static int finish(const struct dnsp_snapshot *s, struct dnsp_resp *r,
		  const struct dnsp_query *q, struct dnsp_stats *st, uint8_t rcode)
{
	return finish_scoped(s, r, q, st, rcode, 0);
}

/* [firewall] The redirection step (SEMANTICS §13
 * FirewallDomainRedirectionAction; lib/firewall.h dnsp_fw_apply_chain) on
 * an answer built for a VPC with a firewall (fw), after the query name
 * passed: DNSP_FW_PASS, or the rcode of the block response now in r. Only
 * answers with records are looked at; the walk finds CNAME/DNAME records. */
static inline int fw_chain(const struct dnsp_fw *fw, struct dnsp_pkt *p,
			   const struct dnsp_query *q, struct dnsp_resp *r,
			   const struct dnsp_worker_ctx *w)
{
	if (likely(fw == NULL) || r->count[DNSP_SEC_ANSWER] == 0)
		return DNSP_FW_PASS;
	return dnsp_fw_apply_chain(fw, q, r, w->id, &p->decision);
}

static inline const struct dnsp_fw *vpc_fw(const struct dnsp_snapshot *s, int32_t vpc)
{
	return vpc >= 0 && (uint32_t)vpc < s->nvpcs ? s->vpcs[vpc].firewall : NULL;
}

/* [resolver] Fills the route of a punt (w->punt): upstream `up` (NULL:
 * public recursion) for VPC index vpc, with the VPC's ECS prefixes. */
static void punt_route(const struct dnsp_snapshot *s, const struct dnsp_query *q,
		       struct dnsp_punt *pu, int32_t vpc, const struct dnsp_upstream *up)
{
	const struct dnsp_recursion_conf *rc = s->recursion;
	pu->upstream = up;
	pu->vpc = vpc;
	pu->question_end = q->question_end;
	pu->ecs_v4 = pu->ecs_v6 = 0;
	pu->prefetch = pu->stale = false;
	if (rc != NULL && vpc >= 0 && (uint32_t)vpc < rc->nvpcs && rc->ecs_v4 != NULL) {
		pu->ecs_v4 = rc->ecs_v4[vpc];
		pu->ecs_v6 = rc->ecs_v6[vpc];
	}
}

/*
 * [resolver] Hands q to the slow path: the buffer, which the response has
 * started to overwrite (header, and after an answer the OPT), holds the
 * query again (dnsp_pkt_requery: header, question, OPT from q; no copy of
 * the packet is kept for this). SERVFAIL when it cannot be written back
 * within the punt ring's limit.
 */
static int punt_query(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
		      const struct dnsp_query *q, struct dnsp_resp *r, struct dnsp_stats *st)
{
	uint16_t n = dnsp_pkt_requery(p->buf, p->cap, q);
	if (unlikely(n == 0 || n > DNSP_PUNT_QUERY_MAX)) {
		dnsp_resp_init(r, p->buf, p->cap, r->limit, q);
		return finish(s, r, q, st, DNSP_RCODE_SERVFAIL);
	}
	p->len = n;
	return DNSP_PIPELINE_PUNT;
}

/*
 * [resolver] The cache, then the slow path, for a name that goes upstream
 * through `up` (NULL: public recursion from the root hints) for VPC index
 * vpc. A fresh cache hit is answered here (TTLs counted down, RA as set by
 * the caller, the ECS scope echoed); a miss writes the query back into the
 * buffer (punt_query), leaves the route in w->punt and returns
 * DNSP_PIPELINE_PUNT. A hit near expiry answers and sets w->punt.prefetch.
 * A query without RD is answered from the cache only (RFC 1034 §4.3.1: no
 * recursion was asked for): a miss is REFUSED.
 */
static int resolve_upstream(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
			    const struct dnsp_query *q, struct dnsp_resp *r,
			    struct dnsp_worker_ctx *w, int32_t vpc,
			    const struct dnsp_upstream *up)
{
	const struct dnsp_recursion_conf *rc = s->recursion;
	struct dnsp_stats *st = w->stats;
	struct dnsp_punt *pu = &w->punt;

	punt_route(s, q, pu, vpc, up);
	if (rc != NULL && rc->cache != NULL) {
		struct dnsp_cache_key k = {
			.qname = q->qname, .qname_len = q->qname_len, .qtype = q->qtype,
			.qclass = q->qclass, .tag = up ? up->cache_tag : 0,
		};
		if (unlikely(pu->ecs_v4 | pu->ecs_v6)) {
			/* ECS upstream (RFC 7871 §7.1.1): the client's own option
			 * when it sent one, else its packet address, truncated to
			 * the source prefix sent for its family, and no ECS at all
			 * when that prefix is 0 (ECS off for the family, or the
			 * client opted out with SOURCE PREFIX 0, §7.1.2). The key
			 * must be the one the resolver thread inserts under
			 * (ctrl/resolver.c, job start and job_key), or the entry
			 * is never hit and every such query punts. */
			uint8_t fam = q->has_ecs ? (uint8_t)q->ecs_family : p->family == 6 ? 2 : 1;
			const uint8_t *addr = q->has_ecs ? q->ecs_addr : p->src;
			unsigned src = fam == 1 ? pu->ecs_v4 : pu->ecs_v6;
			if (q->has_ecs && q->ecs_source_prefix < src)
				src = q->ecs_source_prefix;
			if (src > 0) {
				unsigned nb = (src + 7u) / 8u;
				k.ecs = true;
				k.ecs_family = fam;
				memcpy(k.ecs_addr, addr, nb);
				if (src % 8)
					k.ecs_addr[nb - 1] &= (uint8_t)(0xff << (8 - src % 8));
			}
		}
		struct dnsp_cache_result res;
		if (dnsp_cache_answer(rc->cache, &k, dnsp_cache_now(), r, &res) > 0) {
			st->cache_hits++;
			pu->prefetch = res.prefetch && rc->prefetch;
			/* [firewall] the cached chain's targets */
			int fw = fw_chain(vpc_fw(s, vpc), p, q, r, w);
			if (unlikely(fw != DNSP_FW_PASS))
				return finish(s, r, q, st, (uint8_t)fw);
			return finish_scoped(s, r, q, st, res.rcode, res.ecs_scope);
		}
		st->cache_misses++;
		pu->stale = res.stale_available;
	}
	if (!(q->flags & DNSP_FLAG_RD))
		return finish(s, r, q, st, DNSP_RCODE_REFUSED);
	return punt_query(s, p, q, r, st);
}

/*
 * [routing] The authoritative answer from zone z of view v, with routed
 * record sets chosen for this client (lib/route.h). The client's location
 * is the ECS address when the query carries one with a non-zero source
 * prefix and use_ecs (public zones; SEMANTICS §5: ECS does not apply to
 * private hosted zones), else the packet's source address. The ECS option
 * is echoed with the scope the routing decisions imply, never longer than
 * the source prefix (RFC 7871 §7.2.1): 0 for simple, weighted, failover and
 * multivalue answers, the matched prefix for location-based ones.
 */
static int answer_zone(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
		       const struct dnsp_query *q, struct dnsp_resp *r, const dnsp_zone_t *z,
		       const struct dnsp_view *v, struct dnsp_worker_ctx *w, bool use_ecs,
		       const struct dnsp_fw *fw)
{
	struct dnsp_route_client rc;
	if (use_ecs && q->has_ecs && q->ecs_source_prefix > 0)
		dnsp_route_client_init(&rc, s->route, s->health, w, q->ecs_family == 2 ? 6 : 4,
				       q->ecs_addr, q->ecs_source_prefix);
	else
		dnsp_route_client_init(&rc, s->route, s->health, w, p->family, p->src,
				       p->family == 6 ? 128 : 32);
	int rcode = dnsp_zone_answer_labels(z, q->qname, q->qoffs, q->nlabels, q->qtype, r,
					    view_resolver, v, &rc);
	int fwrc = fw_chain(fw, p, q, r, w); /* [firewall] the chain's targets */
	if (unlikely(fwrc != DNSP_FW_PASS))
		return finish(s, r, q, w->stats, (uint8_t)fwrc);
	uint8_t scope = 0;
	if (use_ecs && q->has_ecs)
		scope = rc.scope < q->ecs_source_prefix ? rc.scope : q->ecs_source_prefix;
	return finish_scoped(s, r, q, w->stats, (uint8_t)rcode, scope);
}

/*
 * [resolver] The answer from z, the winner of VPC index vpc's source table
 * t for the query name (a private or autodefined zone). CNAME targets are
 * resolved through t like new queries (SEMANTICS §11-12, lib/sources.h):
 * a zone of the VPC answers them here, z itself as before. A target that
 * goes upstream (a rule's name, or public recursion) sends the whole query
 * to the slow path with that target's route, which answers the local part
 * of the chain and the target's records (ctrl/resolver.c); the buffer then
 * holds the query again (punt_query: the answer wrote over its OPT). Such
 * chains are not looked up in the cache here: the slow path answers the
 * target from it. Without RD (RFC 1034 §4.3.1), without recursion for a
 * target that needs it, the local part is the answer (NOERROR, the chain
 * up to the target).
 */
static int answer_private(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
			  const struct dnsp_query *q, struct dnsp_resp *r, const dnsp_zone_t *z,
			  const struct dnsp_sources *t, struct dnsp_worker_ctx *w, int32_t vpc)
{
	bool can_punt = (q->flags & DNSP_FLAG_RD) != 0;
	struct dnsp_route_client rc;
	dnsp_route_client_init(&rc, s->route, s->health, w, p->family, p->src,
			       p->family == 6 ? 128 : 32);
	const uint8_t *target;
	const struct dnsp_upstream *up;
	int rcode = dnsp_sources_answer(t, z, q->qname, q->qtype, r, &rc, &target, &up);
	const struct dnsp_fw *fw = vpc_fw(s, vpc);
	if (unlikely(target != NULL) && can_punt &&
	    (up != NULL || (s->recursion != NULL && s->recursion->enabled))) {
		/* [firewall] A blocked local target ends the query here; else
		 * the slow path inspects and counts the whole chain, the local
		 * part included, so nothing is counted before the punt. */
		if (fw != NULL && r->count[DNSP_SEC_ANSWER] != 0 &&
		    dnsp_fw_chain_blocks(fw, q, r)) {
			int fwrc = fw_chain(fw, p, q, r, w);
			return finish(s, r, q, w->stats, (uint8_t)fwrc);
		}
		punt_route(s, q, &w->punt, vpc, up);
		return punt_query(s, p, q, r, w->stats);
	}
	int fwrc = fw_chain(fw, p, q, r, w); /* [firewall] the chain's targets */
	if (unlikely(fwrc != DNSP_FW_PASS))
		return finish(s, r, q, w->stats, (uint8_t)fwrc);
	return finish(s, r, q, w->stats, (uint8_t)rcode);
}

int dnsp_pipeline_answer_zone(const struct dnsp_snapshot *s, const dnsp_zone_t *z,
			      bool private_zone, struct dnsp_pkt *p, struct dnsp_worker_ctx *w)
{
	struct dnsp_query q;
	int prc = dnsp_pkt_parse_query(p->buf, p->len, &q);
	if (prc < 0)
		return DNSP_PIPELINE_DROP;
	if (prc > 0)
		return dnsp_resp_error(p->buf, p->cap, &q, (uint8_t)prc);
	struct dnsp_resp r;
	dnsp_resp_init(&r, p->buf, p->cap, reply_limit(s, p, &q), &q);
	const struct dnsp_view *v = private_zone ? NULL : &s->public_view;
	for (uint32_t i = 0; private_zone && i < s->nvpcs && !v; i++)
		if (dnsp_view_find(&s->vpcs[i].view, z->apex) == z)
			v = &s->vpcs[i].view;
	if (!v) {
		static const struct dnsp_view none;
		v = &none; /* CNAMEs leaving z are not followed */
	}
	return answer_zone(s, p, &q, &r, z, v, w, !private_zone, NULL);
}

/* VPC of a query on a resolver/inbound listener (SPEC §3 "Which VPC a
 * query belongs to"): fixed by the listener, else by client CIDR. */
static const struct dnsp_snap_vpc *classify_vpc(const struct dnsp_snapshot *s,
						const struct dnsp_snap_listener *l,
						const struct dnsp_pkt *p)
{
	int32_t v = dnsp_snapshot_vpc_of(s, l, p->family, p->src);
	return v < 0 ? NULL : &s->vpcs[v];
}

/* [resolver] Charges the query to the QPS ceiling of the inbound ENI it
 * arrived on (SPEC §3 "Endpoints"; lib/ratelimit.h): true when it may
 * proceed. Counted per ENI in the process-wide ENI table, in this worker's
 * row. Other listeners are no ENI and are never limited. */
static bool inbound_eni_admit(const struct dnsp_snapshot *s, const struct dnsp_pkt *p,
			      const struct dnsp_worker_ctx *w)
{
	const struct dnsp_resolver_data *rd = s->resolver;
	if (!rd || p->listener >= rd->nlisteners)
		return true;
	const struct dnsp_eni_ref *eni = rd->listener_eni[p->listener];
	if (!eni)
		return true;
	return dnsp_eni_admit(rd->enis, eni->slot, &eni->rate, w->id, dnsp_eni_now());
}

void dnsp_worker_ctx_init(struct dnsp_worker_ctx *w, struct dnsp_stats *st, uint32_t id,
			  uint64_t seed)
{
	w->stats = st;
	w->id = id;
	w->rng = seed ? seed : 0x9E3779B97F4A7C15ull ^ ((uint64_t)id << 32 | 1);
}

int dnsp_pipeline_process(const struct dnsp_snapshot *s, struct dnsp_pkt *p,
			  struct dnsp_worker_ctx *w)
{
	struct dnsp_stats *st = w->stats;
	w->punt.prefetch = false; /* set again only by a cache hit near expiry */
	memset(&p->decision, 0, sizeof(p->decision));
	if (unlikely(p->listener >= s->nlisteners)) {
		st->rx_dropped++;
		return DNSP_PIPELINE_DROP;
	}
	const struct dnsp_snap_listener *l = &s->listeners[p->listener];
	/* [resolver] An inbound endpoint's per-ENI QPS ceiling is charged at
	 * ingress, before any other work (SPEC §3 "Endpoints"). */
	if (l->role == DNSP_ROLE_INBOUND && unlikely(!inbound_eni_admit(s, p, w)))
		return DNSP_PIPELINE_DROP;
	struct dnsp_query q;
	int prc = dnsp_pkt_parse_query(p->buf, p->len, &q);
	if (unlikely(prc < 0)) {
		st->rx_dropped++;
		return DNSP_PIPELINE_DROP;
	}
	if (p->listener < DNSP_STATS_LISTENERS) {
		st->queries[p->listener][dnsp_stats_qtype_slot(q.qtype)]++;
		if (p->tcp)
			st->queries_tcp[p->listener]++;
	}
	if (unlikely(prc > 0)) {
		st->rcodes[prc == DNSP_RCODE_BADVERS ? DNSP_STATS_RCODES - 1 : prc & 0xf]++;
		return dnsp_resp_error(p->buf, p->cap, &q, (uint8_t)prc);
	}

	struct dnsp_resp r;
	dnsp_resp_init(&r, p->buf, p->cap, reply_limit(s, p, &q), &q);

	/* Only class IN is served; zone transfers are not offered. */
	if (unlikely(q.qclass != DNSP_CLASS_IN || q.qtype == DNSP_T_AXFR ||
		     q.qtype == DNSP_T_IXFR))
		return finish(s, &r, &q, st, DNSP_RCODE_REFUSED);

	if (l->role == DNSP_ROLE_PUBLIC) {
		/* Public listeners see public hosted zones only: private zones
		 * never leak here (split horizon). */
		const dnsp_zone_t *z = dnsp_view_find_labels(&s->public_view, q.qname, q.qoffs,
							    q.nlabels);
		if (!z)
			return finish(s, &r, &q, st, DNSP_RCODE_REFUSED);
		return answer_zone(s, p, &q, &r, z, &s->public_view, w, true, NULL);
	}

	/* Resolver and inbound listeners: a VPC view. Recursion is available
	 * (RA) on these listeners. */
	if (q.flags & DNSP_FLAG_RD)
		dnsp_resp_set_flags(&r, DNSP_FLAG_RA, 0);
	const struct dnsp_snap_vpc *vpc = classify_vpc(s, l, p);
	if (!vpc || !vpc->dns_support)
		return finish(s, &r, &q, st, DNSP_RCODE_REFUSED);

	/* [firewall] The DNS Firewall runs here: on every query of a resolver
	 * or inbound listener, before any answer source (SPEC §4). Only VPCs
	 * with a rule-group association have one (lib/firewall.h). */
	if (vpc->firewall) {
		int fw = dnsp_fw_apply(vpc->firewall, vpc->fw_fail_open, &q, &r, w->id,
				       &p->decision);
		if (fw != DNSP_FW_PASS)
			return finish(s, &r, &q, st, (uint8_t)fw);
	}

	/* [resolver] Source selection (SEMANTICS §11-12, lib/sources.h): one
	 * longest match over the VPC's private zones (local and from its
	 * Profile), Resolver rules and autodefined reverse zones, with every
	 * precedence settled at compile time. A zone answers here, capturing
	 * every name below its apex held or not (NXDOMAIN, no public
	 * fallback); FORWARD and DELEGATE rules go upstream through their
	 * route; SYSTEM rules and unmatched names go to public recursion.
	 * CNAME targets go through the same table (answer_private).
	 * EnableDnsHostnames false: the table holds no zones at all. */
	int32_t vi = (int32_t)(vpc - s->vpcs);
	const struct dnsp_resolver_data *rd = s->resolver;
	if (rd && (uint32_t)vi < rd->nvpcs) {
		const struct dnsp_sources *t = &rd->vpcs[vi].sources;
		const struct dnsp_source *src =
			dnsp_sources_lookup_labels(t, q.qname, q.qoffs, q.nlabels);
		if (src && src->zone)   /* ZONE, or SYSTEM falling to a zone */
			return answer_private(s, p, &q, &r, src->zone, t, w, vi);
		if (src && src->upstream) /* FORWARD, DELEGATE */
			return resolve_upstream(s, p, &q, &r, w, vi, src->upstream);
	} else if (vpc->dns_hostnames) {
		/* no resolver data (a snapshot built without the resolver step) */
		const dnsp_zone_t *z = dnsp_view_find_labels(&vpc->view, q.qname, q.qoffs,
							    q.nlabels);
		if (z)
			return answer_zone(s, p, &q, &r, z, &vpc->view, w, false, vpc->firewall);
	}

	/* [resolver] The cache and public recursion (root hints). */
	if (s->recursion != NULL && s->recursion->enabled)
		return resolve_upstream(s, p, &q, &r, w, vi, NULL);

	/* No local source covers the name and recursion is not available in
	 * this build: fail at once rather than leave the client waiting. */
	return finish(s, &r, &q, st, DNSP_RCODE_SERVFAIL);
}
