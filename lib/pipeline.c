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

static int finish(const struct dnsp_snapshot *s, struct dnsp_resp *r,
		  const struct dnsp_query *q, struct dnsp_stats *st, uint8_t rcode)
{
	dnsp_resp_set_rcode(r, rcode);
	if (r->truncated)
		st->truncated++;
	st->rcodes[rcode & 0xf]++;
	return dnsp_resp_finish(r, q, s->udp_max, 0);
}

/* VPC of a query on a resolver/inbound listener (SPEC §3 "Which VPC a
 * query belongs to"): fixed by the listener, else by client CIDR. */
static const struct dnsp_snap_vpc *classify_vpc(const struct dnsp_snapshot *s,
						const struct dnsp_snap_listener *l,
						const struct dnsp_pkt *p)
{
	if (l->vpc >= 0)
		return &s->vpcs[l->vpc];
	if (!s->vpc_lpm)
		return NULL;
	uint32_t v = dnsp_lpm_lookup(s->vpc_lpm, p->family, p->src, NULL);
	return v == DNSP_LPM_NONE || v >= s->nvpcs ? NULL : &s->vpcs[v];
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
	if (unlikely(p->listener >= s->nlisteners)) {
		st->rx_dropped++;
		return DNSP_PIPELINE_DROP;
	}
	const struct dnsp_snap_listener *l = &s->listeners[p->listener];
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
		const dnsp_zone_t *z = dnsp_view_find(&s->public_view, q.qname);
		if (!z)
			return finish(s, &r, &q, st, DNSP_RCODE_REFUSED);
		int rc = dnsp_zone_answer(z, q.qname, q.qtype, &r, view_resolver,
					  &s->public_view);
		return finish(s, &r, &q, st, (uint8_t)rc);
	}

	/* Resolver and inbound listeners: a VPC view. Recursion is available
	 * (RA) on these listeners. */
	if (q.flags & DNSP_FLAG_RD)
		dnsp_resp_set_flags(&r, DNSP_FLAG_RA, 0);
	const struct dnsp_snap_vpc *vpc = classify_vpc(s, l, p);
	if (!vpc || !vpc->dns_support)
		return finish(s, &r, &q, st, DNSP_RCODE_REFUSED);

	/* [firewall] The DNS Firewall runs here: on every query of a resolver
	 * or inbound listener, before any answer source (SPEC §4). */

	/* A private zone captures every name below its apex, existing in it or
	 * not (SPEC §4: over-capture is the specified behaviour). With
	 * EnableDnsHostnames false the VPC's private zones are not used. */
	if (vpc->dns_hostnames) {
		const dnsp_zone_t *z = dnsp_view_find(&vpc->view, q.qname);
		if (z) {
			int rc = dnsp_zone_answer(z, q.qname, q.qtype, &r, view_resolver,
						  &vpc->view);
			return finish(s, &r, &q, st, (uint8_t)rc);
		}
	}

	/* [resolver] Resolver rules, the cache and recursion go here. */

	/* No local source covers the name and recursion is not available in
	 * this build: fail at once rather than leave the client waiting. */
	return finish(s, &r, &q, st, DNSP_RCODE_SERVFAIL);
}
