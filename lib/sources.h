/*
 * Source selection of the VPC Resolver (SEMANTICS §11-12, guide §5-6, §8):
 * per VPC, one table that maps a domain name to what answers the names at
 * and below it — a private hosted zone associated with the VPC, one brought
 * by the VPC's Profile, an autodefined zone (RFC 6303 reverse, EC2) answered
 * locally, or a Resolver rule (FORWARD, SYSTEM, DELEGATE) associated
 * directly or through the Profile. No entry: public recursion.
 *
 * All precedence is settled when the table is compiled, so that a query
 * costs one longest match: probe the query name's suffixes from the
 * longest to the shortest in a hash table of names (as lib/snapshot.c's
 * views do), and the first hit is the answer. At one name, when several
 * sources exist, the compiler keeps one by these rules, in this order:
 *   1. configured sources beat autodefined ones (a rule or a private zone
 *      for 10.in-addr.arpa overrides the autodefined reverse zone);
 *   2. the VPC's own source beats the Profile's with EvaluationOrder
 *      VPC_FIRST (the default: "exact-match conflicts: the local VPC
 *      setting wins", guide §8.3), the Profile's with PROFILE_FIRST;
 *   3. a Resolver rule beats a private hosted zone ("PHZ vs Resolver rule
 *      for the same name: the rule wins", SEMANTICS §11).
 * Different names: the most specific wins across all of them, which the
 * longest match gives by construction.
 *
 * A SYSTEM rule means "resolve the way Resolver does by default": it takes
 * the name away from any less specific (or same-name) FORWARD/DELEGATE
 * rule, and the name is then answered by the private zone that would win
 * there with rules left out (its `zone`), or by recursion when none does.
 *
 * Contract: built on the control thread with the builder (malloc scratch),
 * compiled into arena memory; the compiled table is immutable and read by
 * any number of workers with no locks, allocation or syscalls. Lookups take
 * a lowercase wire name.
 */
#ifndef DNSP_SOURCES_H
#define DNSP_SOURCES_H

#include <stdbool.h>
#include <stdint.h>
#include "arena.h"
#include "error.h"
#include "punt.h"
#include "ratelimit.h"
#include "zone/zone.h"

enum dnsp_src_kind {
	DNSP_SRC_ZONE = 1,      /* answered from `zone` (private or autodefined) */
	DNSP_SRC_FORWARD = 2,   /* punt with `upstream` (FORWARD rule) */
	DNSP_SRC_SYSTEM = 3,    /* answered from `zone` if set, else recursion */
	DNSP_SRC_DELEGATE = 4,  /* punt with `upstream` (DELEGATE rule) */
};

enum dnsp_src_origin {
	DNSP_ORIGIN_VPC = 0,      /* associated with the VPC itself */
	DNSP_ORIGIN_PROFILE = 1,  /* brought by the VPC's Profile */
	DNSP_ORIGIN_AUTO = 2,     /* autodefined by Resolver (RFC 6303 reverse,
				     EC2 private DNS zones) */
};

/* One entry of a VPC's table: the winner at `name`. */
struct dnsp_source {
	const uint8_t *name;      /* lowercase wire name */
	uint8_t name_len;
	uint8_t labels;
	uint8_t kind;             /* enum dnsp_src_kind */
	uint8_t origin;           /* enum dnsp_src_origin */
	const dnsp_zone_t *zone;  /* ZONE: the zone; SYSTEM: the private zone the name
				     falls to, or NULL (recursion) */
	const struct dnsp_upstream *upstream; /* FORWARD, DELEGATE: where the slow path goes */
	const char *id;           /* hosted zone Id or ResolverRuleId (logs, tests) */
};

/* A VPC's compiled table. */
struct dnsp_sources {
	const struct dnsp_source *const *slots; /* open addressing by name hash */
	uint32_t mask;            /* slots - 1, 0 when empty */
	uint32_t n;
	uint8_t max_labels, min_labels;
};

/*
 * The winner for qname (lowercase wire name): the entry of the longest
 * suffix of qname (qname itself included) that has one, or NULL (public
 * recursion).
 */
const struct dnsp_source *dnsp_sources_lookup(const struct dnsp_sources *t, const uint8_t *qname);

/* dnsp_sources_lookup() with qname's label offsets (offs[0..nl)) known. */
const struct dnsp_source *dnsp_sources_lookup_labels(const struct dnsp_sources *t,
						     const uint8_t *qname, const uint8_t *offs,
						     int nl);

/* The zone that answers name in this VPC without going upstream: the
 * winner's zone for ZONE entries and SYSTEM entries that fall to a zone,
 * else NULL. Shaped as dnsp_zone_resolver_fn's ctx use (CNAME chasing
 * across a VPC's private zones). */
const dnsp_zone_t *dnsp_sources_zone_for(const void *sources, const uint8_t *name);

/*
 * The answer from zone z, the winner of t for qname, written into r as the
 * VPC Resolver gives it: each CNAME target is resolved like a new query
 * through t (dnsp_zone_answer_resolver with dnsp_sources_zone_for), so the
 * most specific source answers it, a more specific private zone or a rule
 * below z's apex included; a target z itself wins is followed inside z as
 * before. Returns the rcode. *target is NULL, or the target the chain
 * stopped at because no zone of t answers it (a FORWARD or DELEGATE rule's
 * name, a SYSTEM rule's without a zone, a name of no entry): the rest of
 * the answer comes from upstream through *up (NULL: public recursion).
 * rc as for dnsp_zone_answer_client. No allocation, locks or syscalls.
 */
int dnsp_sources_answer(const struct dnsp_sources *t, const dnsp_zone_t *z,
			const uint8_t *qname, uint16_t qtype, struct dnsp_resp *r,
			struct dnsp_route_client *rc, const uint8_t **target,
			const struct dnsp_upstream **up);

struct dnsp_snapshot;

/*
 * For the slow path: the local part of a query of VPC index vpc of s that
 * the fast path sent upstream because its CNAME chain left the VPC's zones
 * (dnsp_sources_answer gave a target). When the VPC's winner for qname
 * (lowercase) is a zone, answers from it into r (routed sets chosen for
 * the client at family 4/6, addr, weighted ones with random state seed,
 * non-zero) and returns the rcode, with *target and
 * *up as dnsp_sources_answer sets them (*target NULL: the zones answer the
 * whole query, e.g. after a reload). Returns -1 when no zone of the VPC
 * answers qname (an ordinary upstream query; r untouched). The caller is
 * an online QSBR reader of s.
 */
int dnsp_sources_local_part(const struct dnsp_snapshot *s, int32_t vpc, const uint8_t *qname,
			    uint16_t qtype, int family, const uint8_t *addr, uint64_t seed,
			    struct dnsp_resp *r, const uint8_t **target,
			    const struct dnsp_upstream **up);

/* ---- building (control thread) ---- */

typedef struct dnsp_sources_builder dnsp_sources_builder_t;

/* profile_first: the Profile association's EvaluationOrder is
 * PROFILE_FIRST. Returns 0 or -ENOMEM. */
int dnsp_sources_builder_create(bool profile_first, dnsp_sources_builder_t **out) DNSP_WUR;
void dnsp_sources_builder_destroy(dnsp_sources_builder_t *b);

/*
 * Adds a candidate. name is a wire name (any case; the root "." allowed
 * for rules). ZONE candidates give zone (name is then the zone's apex when
 * NULL); FORWARD and DELEGATE candidates give upstream; SYSTEM gives neither.
 * id names the source (copied). Two candidates of the same name, kind
 * family (zone or rule) and origin are a conflict: DNSP_EEXIST, except for
 * DNSP_ORIGIN_AUTO, where the later one is ignored. Returns 0, DNSP_EEXIST,
 * -EINVAL or -ENOMEM.
 */
int dnsp_sources_add(dnsp_sources_builder_t *b, const uint8_t *name, enum dnsp_src_kind kind,
		     enum dnsp_src_origin origin, const dnsp_zone_t *zone,
		     const struct dnsp_upstream *upstream, const char *id) DNSP_WUR;

/* Compiles the winners into arena (see the rules above). The builder may be
 * destroyed afterwards. Returns 0 or -ENOMEM. */
int dnsp_sources_compile(dnsp_sources_builder_t *b, dnsp_arena_t *arena,
			 struct dnsp_sources *out) DNSP_WUR;

/* ---- the resolver part of a snapshot (snapshot->resolver) ---- */

/* One ENI of a Resolver endpoint. */
struct dnsp_eni_ref {
	uint32_t slot;            /* slot in the process-wide ENI table (lib/ratelimit.h) */
	struct dnsp_eni_rate rate; /* its ceiling (QpsPerEni) */
	uint8_t family;
	uint8_t addr[16];
	const char *ip;           /* presentation form (metrics label) */
};

struct dnsp_endpoint_data {
	const char *id;
	uint8_t direction;        /* 0 INBOUND, 1 OUTBOUND, 2 INBOUND_DELEGATION */
	int32_t vpc;              /* VPC index */
	int32_t registry;         /* stable endpoint number (dnsp_eni_endpoint; the
				     `endpoint` of upstream routes) */
	uint32_t qps_per_eni;     /* 0: unlimited */
	uint32_t nenis;
	const struct dnsp_eni_ref *enis;
};

/* Per-VPC resolver data, index = VPC index of the snapshot. */
struct dnsp_resolver_vpc {
	struct dnsp_sources sources; /* the VPC's source table */
	bool dnssec_validation;      /* resolved: the VPC's DnssecValidation, else its
					Profile's, else off */
	bool autodefined_reverse;    /* resolved: autodefined reverse zones in use */
	int32_t profile;             /* index of the VPC's Profile, -1: none */
};

struct dnsp_resolver_data {
	uint32_t nvpcs;
	const struct dnsp_resolver_vpc *vpcs;
	uint32_t nlisteners;
	const struct dnsp_eni_ref *const *listener_eni; /* per listener slot: the ENI an
					   inbound listener is, NULL for other listeners */
	uint32_t nendpoints;
	const struct dnsp_endpoint_data *endpoints;
	int32_t by_registry[DNSP_EP_MAX]; /* stable endpoint number → index, or -1 */
	uint32_t nupstreams;
	const struct dnsp_upstream *upstreams; /* one per FORWARD/DELEGATE rule */
	struct dnsp_eni_table *enis;    /* the per-ENI buckets (outside the snapshot) */
};

/*
 * The outbound per-ENI ceiling, for the slow-path resolver's hook
 * (ctrl/resolver.h struct dnsp_resolver_hooks.outbound_admit): charges one
 * upstream query to ENI `src` of the endpoint with stable number
 * `endpoint` (struct dnsp_upstream.endpoint; sources[i] is the endpoint's
 * ENI i) under the ceiling of the current snapshot, counted in the ENI
 * table's slow-path row. Returns false when that ENI is over its ceiling.
 * Call on the resolver thread only (one writer of the slow-path row), as
 * an online QSBR reader. ctx is unused.
 */
bool dnsp_sources_outbound_admit(void *ctx, int32_t endpoint, uint32_t src);

#endif
