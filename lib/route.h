/*
 * Route 53 routing policies on the fast path: the compiled policy trees that
 * hang off routed RRsets of a zone, and the selection that picks, per query,
 * which member sets answer (weighted, latency, failover, geolocation,
 * geoproximity, IP-based, multivalue; SEMANTICS §1-9), health-aware and
 * with the ECS scope each decision implies (RFC 7871 §7.2.1).
 *
 * Shape. A routed RRset (struct dnsp_rrset with policy != NULL) has no data
 * of its own: its policy lists member RRsets, one per SetIdentifier (or per
 * Traffic Flow endpoint/rule). A member RRset is itself one of:
 *   - data (rdata/count/ttl), answered as is;
 *   - an alias (rrset->alias: a node of the same zone), answered as that
 *     node's RRset of the same type, which may be routed again;
 *   - a nested rule (rrset->policy: a Traffic Flow rule, or any subtree).
 * So alias → weighted → failover trees and Traffic Flow documents are the
 * same structure, walked by dnsp_route_resolve() with depth ≤
 * DNSP_ROUTE_DEPTH. Every table a decision needs (cumulative weights, unit
 * vectors of geoproximity/latency locations, sorted geolocation keys, the
 * CIDR location → member map) is pre-encoded at compile time.
 *
 * Building. Trees are built through the zone builder (lib/zone/zone.h:
 * dnsp_zone_builder_rule*, dnsp_zone_builder_member*), which lays members
 * out in the zone's arena and calls dnsp_route_policy_build() here. Record
 * sets from the configuration go through ctrl/compile_route.c; Traffic Flow
 * documents use the same builder calls (one rule per document rule).
 *
 * Contract: policies are built on the control thread into arena memory and
 * are immutable once the snapshot is published. dnsp_route_select() and
 * dnsp_route_resolve() run on workers (and on the API thread for
 * TestDNSAnswer): no allocation, no locks, no syscalls; they read health
 * status with relaxed atomic loads (lib/health.h) and draw random numbers
 * from the caller's worker context. A dnsp_route_client is per query, on
 * the caller's stack.
 */
#ifndef DNSP_ROUTE_H
#define DNSP_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include "arena.h"
#include "error.h"

struct dnsp_rrset;
struct dnsp_route_data;
struct dnsp_health_table;
struct dnsp_cidr_collection;
struct dnsp_worker_ctx;

/* Policy kinds; the numbering matches enum dnsp_cfg_policy (ctrl/config.h). */
enum dnsp_route_kind {
	DNSP_ROUTE_SIMPLE = 0,       /* one member, always answered (health ignored
				      * for the answer, SEMANTICS §1.7; kept for
				      * aliases that evaluate its health) */
	DNSP_ROUTE_WEIGHTED = 1,
	DNSP_ROUTE_LATENCY = 2,
	DNSP_ROUTE_FAILOVER = 3,
	DNSP_ROUTE_GEOLOCATION = 4,
	DNSP_ROUTE_GEOPROXIMITY = 5,
	DNSP_ROUTE_IPBASED = 6,
	DNSP_ROUTE_MULTIVALUE = 7,
	DNSP_ROUTE_NKINDS
};

#define DNSP_ROUTE_MAX_ANSWERS 8     /* multivalue: up to eight sets (SEMANTICS §3) */
#define DNSP_ROUTE_MAX_MEMBERS 256   /* sets per rule (Route 53 allows 100 weighted) */
#define DNSP_ROUTE_LOC_DEFAULT UINT32_MAX /* IP-based "*" location */
#define DNSP_ROUTE_DEPTH 16          /* alias and rule steps from a node's RRset to data */

/*
 * Routing attributes of one member, as the builder takes them (copied).
 * Only the fields of the rule's kind are read.
 */
struct dnsp_route_attr {
	const char *set_id;          /* SetIdentifier (or Traffic Flow id); copied; may be NULL */
	uint32_t health;             /* dnsp_health_slot() of HealthCheckId, or DNSP_HEALTH_NONE */
	bool evaluate_target_health; /* alias / nested-rule members: healthy only while the
				      * subtree has a healthy answer (SEMANTICS §1.5) */
	uint8_t weight;              /* WEIGHTED: 0..255 */
	bool secondary;              /* FAILOVER: false = PRIMARY, true = SECONDARY */
	int16_t region;              /* LATENCY: index in dnsp_regions (RTT column) */
	char continent[3];           /* GEOLOCATION: "EU" ... or "" */
	char country[3];             /* "US", "*" = the default record, or "" */
	char subdivision[4];         /* "WA" (with country "US"), or "" */
	double lat, lon;             /* GEOPROXIMITY: resolved coordinates; LATENCY: the
				      * Region's (distance fallback); degrees */
	int8_t bias;                 /* GEOPROXIMITY: -99..99 */
	const struct dnsp_cidr_collection *collection; /* IPBASED: the same for all members */
	uint32_t location;           /* IPBASED: index in collection->locations, or
				      * DNSP_ROUTE_LOC_DEFAULT for "*" */
};

/* Member flags. */
#define DNSP_RM_ETH 0x1u       /* evaluate target (subtree) health */
#define DNSP_RM_DYNAMIC 0x2u   /* health can change: a check here or below */

/* One member of a compiled policy. */
struct dnsp_route_member {
	const struct dnsp_rrset *rrset; /* data, alias or nested rule (see above) */
	uint32_t health;                /* slot or DNSP_HEALTH_NONE */
	uint16_t flags;                 /* DNSP_RM_* */
	uint16_t key;                   /* WEIGHTED: weight; LATENCY: region index;
					   FAILOVER: 0 primary / 1 secondary */
	const char *set_id;             /* for diagnostics (TestDNSAnswer); may be NULL */
};

/* Policy flags. */
#define DNSP_RP_DYNAMIC 0x1u   /* selection must look at health: some member's health can
				  change, or (geolocation/IP-based without "*") no set may apply */
#define DNSP_RP_MARKED 0x80u   /* private: dnsp_route_policy_mark() done */

struct dnsp_route_geo_key {
	uint64_t key;     /* level << 56 | packed codes; see route.c */
	uint16_t member;
};

/* A compiled policy: the rule of one routed RRset or nested rule. */
struct dnsp_route_policy {
	uint8_t kind;                   /* enum dnsp_route_kind */
	uint8_t flags;                  /* DNSP_RP_* */
	uint16_t nmembers;
	uint16_t type;                  /* RR type of every member */
	const struct dnsp_route_member *members;
	union {
		struct {               /* WEIGHTED */
			const uint32_t *cum;   /* cumulative positive weights, by member */
			uint32_t total;        /* sum of weights (0: all zero) */
		} weighted;
		struct {               /* FAILOVER: member index or UINT16_MAX */
			uint16_t primary, secondary;
		} failover;
		struct {               /* GEOLOCATION */
			const struct dnsp_route_geo_key *keys; /* sorted by key */
			uint16_t nkeys;
			uint16_t def;          /* "*" member or UINT16_MAX */
		} geo;
		struct {               /* GEOPROXIMITY; LATENCY (distance fallback) */
			const double *xyz;     /* unit vector per member (3 doubles): its
						  coordinates / its Region's */
			const double *factor;  /* GEOPROXIMITY: bias factor per member */
			bool unbiased;         /* GEOPROXIMITY: every Bias is 0 */
		} prox;
		struct {               /* IPBASED */
			const struct dnsp_cidr_collection *collection;
			const uint16_t *loc_member; /* location index → member, UINT16_MAX */
			uint32_t nlocations;
			uint16_t def;          /* "*" member or UINT16_MAX */
		} ip;
	} u;
};

/*
 * Per-query routing context: who is asking, and what the decisions made so
 * far imply for the ECS scope. Filled by dnsp_route_client_init(); the
 * location lookups are done lazily, at most once per query.
 */
struct dnsp_route_client {
	const struct dnsp_route_data *data;     /* location tables, or NULL */
	const struct dnsp_health_table *health; /* live status, or NULL: all healthy */
	struct dnsp_worker_ctx *w;              /* rng source, or NULL: internal rng */
	const uint8_t *addr;                    /* client address (ECS or source); the
						   caller keeps it alive for the query */
	uint8_t family;                         /* 4, 6, or 0: no address */
	uint8_t qplen;                          /* query prefix: ECS source prefix, else 32/128 */
	uint8_t scope;                          /* out: ECS scope prefix of the answer */
	uint8_t looked;                         /* private: lookups done (bits) */
	uint16_t budget;                        /* private: subtree health evaluations left */
	int8_t geo_plen, lat_plen;              /* private: cached lookups */
	const void *geo;                        /* private: const struct dnsp_geo_loc * */
	const uint16_t *lat_row;                /* private */
	uint64_t rng;                           /* used when w is NULL */
};

/*
 * Starts a client context. family 4/6 with addr (4 or 16 bytes, not copied:
 * it must outlive the context) and the query prefix length qplen (the ECS SOURCE PREFIX-LENGTH when the location comes
 * from ECS, else 32/128); family 0 when there is no address (every location
 * lookup misses). data/health/w may be NULL.
 */
void dnsp_route_client_init(struct dnsp_route_client *c, const struct dnsp_route_data *data,
			    const struct dnsp_health_table *health, struct dnsp_worker_ctx *w,
			    int family, const uint8_t *addr, int qplen);

/*
 * Chooses the member RRsets of p for client c (one level: members may be
 * aliases or nested rules, which the caller continues into). Writes up to
 * DNSP_ROUTE_MAX_ANSWERS member RRsets to out and returns their count; 0
 * means no set applies (geolocation / IP-based with no match and no
 * default: NODATA). Raises c->scope to the decision's ECS scope.
 */
unsigned dnsp_route_select(const struct dnsp_route_policy *p, struct dnsp_route_client *c,
			   const struct dnsp_rrset *out[DNSP_ROUTE_MAX_ANSWERS]);

/*
 * Resolves rs (an RRset found at a node, or NULL) to the data RRsets that
 * answer: follows aliases and routing policies, at most DNSP_ROUTE_DEPTH
 * steps. Writes up to DNSP_ROUTE_MAX_ANSWERS data RRsets (count > 0, alias
 * NULL, policy NULL) to out; returns their count, 0 when nothing answers
 * (NODATA). c may be NULL (no location, all healthy, fixed rng).
 */
unsigned dnsp_route_resolve(const struct dnsp_rrset *rs, struct dnsp_route_client *c,
			    const struct dnsp_rrset *out[DNSP_ROUTE_MAX_ANSWERS]);

/*
 * True when the subtree at rs has a healthy answer for client c (used for
 * EvaluateTargetHealth). Data and simple aliases without checks are healthy.
 */
bool dnsp_route_healthy(const struct dnsp_rrset *rs, struct dnsp_route_client *c);

/* ---- building (control thread; called by the zone compiler) ---- */

/*
 * Builds the policy of kind over n members into arena: members[i].rrset are
 * the member RRsets (laid out by the caller), attrs[i] their attributes.
 * The DYNAMIC flags are set later by dnsp_route_policy_mark(). Fails with
 * DNSP_ECONFIG and a message in err when the members contradict the kind
 * (two PRIMARY, a second set for one location, IP-based members of
 * different collections, n == 0 or > DNSP_ROUTE_MAX_MEMBERS).
 */
int dnsp_route_policy_build(dnsp_arena_t *arena, uint8_t kind, uint16_t type,
			    const struct dnsp_rrset *const *member_rrsets,
			    const struct dnsp_route_attr *attrs, uint16_t n,
			    struct dnsp_route_policy **out, char *err, size_t errcap) DNSP_WUR;

/*
 * Sets the DNSP_RM_DYNAMIC / DNSP_RP_DYNAMIC flags of p from its members'
 * health checks and, for EvaluateTargetHealth members, from their subtrees
 * (which must be linked: aliases resolved). Idempotent; call on every
 * policy of a zone after linking. Bounded by DNSP_ROUTE_DEPTH.
 */
void dnsp_route_policy_mark(struct dnsp_route_policy *p);

/*
 * Precomputes rd->geo_xyz (the unit vector of every geo location) in arena
 * once rd is compiled, so that distance decisions need no trigonometry per
 * query. Returns 0 or -ENOMEM. Control thread, before publication.
 */
int dnsp_route_data_prepare(struct dnsp_route_data *rd, dnsp_arena_t *arena) DNSP_WUR;

/* Name of a kind ("weighted", ...), for messages. */
const char *dnsp_route_kind_name(unsigned kind);

#endif
