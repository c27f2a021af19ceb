/*
 * Compiled hosted zones: a label trie of owner names with pre-encoded wire
 * RRsets, and the authoritative answer logic over it (RFC 1034 §4.3.2 with
 * RFC 4592 wildcards, RFC 2308 negative answers, RFC 8482 ANY, Route 53
 * alias records).
 *
 * Contract: a zone is built once on the control thread with the builder
 * (which uses malloc for scratch) and compiled into immutable memory taken
 * from a dnsp_arena; the compiled dnsp_zone_t is then read concurrently by
 * any number of workers without locks and lives until its arena is
 * destroyed. Lookups and answers never allocate.
 *
 * Trie shape: each node is one label; its children are kept sorted by
 * canonical label order (RFC 4034 §6.1, lowercase) in one array, found by
 * binary search. Descending from the apex label by label yields, in one
 * pass, the exact node or the closest encloser, the first zone cut on the
 * way (delegation), and the wildcard child of the closest encloser. Empty
 * non-terminals exist as nodes with no RRsets.
 */
#ifndef DNSP_ZONE_ZONE_H
#define DNSP_ZONE_ZONE_H

#include <stdbool.h>
#include <stdint.h>
#include "../arena.h"
#include "../route.h"
#include "../wire/pkt.h"

struct dnsp_znode;

/* One RRset, rdata pre-encoded: rdata holds count entries, each a 2-byte
 * big-endian length followed by that many bytes of uncompressed rdata, in
 * canonical order. */
struct dnsp_rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	uint32_t rdata_len;
	const uint8_t *rdata;
	/* Route 53 alias: when alias is set this RRset has no data of its own;
	 * answer with alias's RRset of the same type, with its TTL (the target
	 * is a node of the same zone; chains of aliases are followed, at most
	 * DNSP_ALIAS_DEPTH). */
	const struct dnsp_znode *alias;
	/* For NS/MX/SRV: nodes inside this zone named by each rdata's target
	 * (NULL where outside or absent; a wildcard match counts), for
	 * additional-section A/AAAA. For CNAME: the node the chain continues
	 * at, the target's exact node with no zone cut at or above it, else
	 * NULL (never a wildcard match). */
	const struct dnsp_znode *const *targets;
	/* Routed RRset (lib/route.h): when set, this RRset has no data of its
	 * own (count 0, alias NULL): the policy's member RRsets answer, chosen
	 * per query by dnsp_route_resolve(). */
	const struct dnsp_route_policy *policy;
};

#define DNSP_ALIAS_DEPTH 8
#define DNSP_CNAME_CHAIN_MAX 12

enum dnsp_znode_flags {
	DNSP_ZN_APEX = 1u << 0,
	DNSP_ZN_DELEG = 1u << 1,   /* has NS and is not the apex: a zone cut */
	DNSP_ZN_CNAME = 1u << 2,   /* holds a CNAME RRset */
};

struct dnsp_znode {
	const uint8_t *label;   /* length-prefixed label, lowercase (apex: the whole apex name) */
	const uint8_t *owner;   /* full owner name, lowercase, wire form */
	const struct dnsp_znode *parent;
	const struct dnsp_znode *const *children; /* sorted */
	const struct dnsp_znode *wildcard;        /* the "*" child, if any */
	const struct dnsp_rrset *rrsets;          /* sorted by type */
	uint32_t nchildren;
	uint16_t nrrsets;
	uint16_t flags;
};

typedef struct dnsp_zone {
	const uint8_t *apex;            /* lowercase wire name */
	uint8_t apex_len;
	uint8_t apex_labels;
	const struct dnsp_znode *root;  /* the apex node */
	const struct dnsp_rrset *soa;   /* apex SOA (always present) */
	uint32_t neg_ttl;               /* min(SOA TTL, SOA MINIMUM), RFC 2308 §5 */
	uint32_t nnodes, nrecords;
	const char *id;                 /* hosted zone id, e.g. "Z1PUBLIC" */
} dnsp_zone_t;

/* ---- building (control thread) ---- */

typedef struct dnsp_zone_builder dnsp_zone_builder_t;

/* Starts a zone for apex (any case; stored lowercase). id is copied. */
int dnsp_zone_builder_create(const uint8_t *apex, const char *id,
			     dnsp_zone_builder_t **out) DNSP_WUR;
void dnsp_zone_builder_destroy(dnsp_zone_builder_t *b);

/*
 * Adds one record. owner must be at or below the apex (else DNSP_ENAME).
 * Records of one owner+type form an RRset; its TTL is the smallest given
 * (RFC 2181 §5.2). Exact duplicate rdata is dropped silently. Returns 0 or
 * a negative code.
 */
int dnsp_zone_builder_add(dnsp_zone_builder_t *b, const uint8_t *owner, uint16_t type,
			  uint32_t ttl, const uint8_t *rdata, uint16_t rdlen) DNSP_WUR;

/* Adds a Route 53 alias RRset of type at owner pointing at target (a name in
 * this zone; resolved at compile time). */
int dnsp_zone_builder_add_alias(dnsp_zone_builder_t *b, const uint8_t *owner, uint16_t type,
				const uint8_t *target) DNSP_WUR;

/*
 * ---- routed RRsets and rule trees (lib/route.h) ----
 *
 * A rule is a routing policy of one kind over members; a member holds data
 * (records added with dnsp_zone_builder_member_rr), or is an alias to a name
 * of this zone, or continues into a nested rule. A rule becomes the RRset
 * (owner, type) when attached; nested rules (Traffic Flow) need not be.
 * Handles are indexes valid for the life of the builder. All calls return 0
 * or a negative code (-EINVAL bad handle or kind, DNSP_ENAME owner outside
 * the zone, DNSP_EEXIST a conflicting RRset, -ENOMEM).
 */
typedef uint32_t dnsp_zb_rule_t;
typedef uint32_t dnsp_zb_member_t;

/* The attached rule of (owner, type): created with kind on first use and
 * returned again afterwards. DNSP_EEXIST when (owner, type) holds plain data,
 * an alias, or a rule of another kind. */
int dnsp_zone_builder_routed_set(dnsp_zone_builder_t *b, const uint8_t *owner, uint16_t type,
				 uint8_t kind, dnsp_zb_rule_t *out) DNSP_WUR;

/* A free-standing rule of kind for RRs of type (e.g. a Traffic Flow rule). */
int dnsp_zone_builder_rule(dnsp_zone_builder_t *b, uint8_t kind, uint16_t type,
			   dnsp_zb_rule_t *out) DNSP_WUR;

/* Makes a free-standing rule the RRset (owner, type); type must match the
 * rule's. A rule is attached at most once (it may also be nested). */
int dnsp_zone_builder_attach_rule(dnsp_zone_builder_t *b, const uint8_t *owner, uint16_t type,
				  dnsp_zb_rule_t rule) DNSP_WUR;

/* Adds a member to rule with attributes attr (copied; set_id duplicated). */
int dnsp_zone_builder_member(dnsp_zone_builder_t *b, dnsp_zb_rule_t rule,
			     const struct dnsp_route_attr *attr, dnsp_zb_member_t *out) DNSP_WUR;

/* Member content, one kind per member: records (TTL: smallest given), ... */
int dnsp_zone_builder_member_rr(dnsp_zone_builder_t *b, dnsp_zb_member_t m, uint32_t ttl,
				const uint8_t *rdata, uint16_t rdlen) DNSP_WUR;
/* ... an alias to target (a name of this zone holding the rule's type), ... */
int dnsp_zone_builder_member_alias(dnsp_zone_builder_t *b, dnsp_zb_member_t m,
				   const uint8_t *target) DNSP_WUR;
/* ... or a nested rule of the same type (no cycles; depth ≤ DNSP_ALIAS_DEPTH
 * counting aliases). */
int dnsp_zone_builder_member_rule(dnsp_zone_builder_t *b, dnsp_zb_member_t m,
				  dnsp_zb_rule_t child) DNSP_WUR;

/*
 * Compiles into arena. Fails with DNSP_ECONFIG and a message in err (NUL
 * terminated, errcap bytes) when: no SOA at the apex; a CNAME beside other
 * data at one owner (RFC 1034 §3.6.2); a CNAME at the apex; an alias whose
 * target does not exist in the zone or lacks that type; alias loops; a
 * member without content; a rule whose members contradict its kind
 * (dnsp_route_policy_build).
 */
int dnsp_zone_compile(dnsp_zone_builder_t *b, dnsp_arena_t *arena, const dnsp_zone_t **out,
		      char *err, size_t errcap) DNSP_WUR;

/* ---- lookup and answers (any thread) ---- */

/* Finds the RRset of type at node, or NULL. */
const struct dnsp_rrset *dnsp_znode_rrset(const struct dnsp_znode *n, uint16_t type);

/*
 * Writes the authoritative answer for (qname, qtype) from zone z into r:
 * sets AA (not for referrals), the rcode, and the answer/authority/additional
 * records. qname is lowercased, at or below z->apex. Covers: exact answers;
 * CNAME chains followed inside this zone (and, through resolve_other, into
 * other zones of the same view; pass NULL to stop at this zone); wildcards
 * (RFC 4592: owner rewritten to qname; not applied below a cut or where the
 * name exists); referrals at zone cuts (NS in authority, in-zone glue in
 * additional, no AA; a DS query at the cut is answered from this zone);
 * NXDOMAIN/NODATA with the SOA in authority at TTL neg_ttl; ANY answered
 * with one RRset (RFC 8482 §4.2); alias RRsets answered as their target's;
 * A/AAAA of in-zone NS/MX/SRV targets in additional.
 * Returns the rcode written.
 */
typedef const dnsp_zone_t *(*dnsp_zone_resolver_fn)(const void *ctx, const uint8_t *name);
int dnsp_zone_answer(const dnsp_zone_t *z, const uint8_t *qname, uint16_t qtype,
		     struct dnsp_resp *r, dnsp_zone_resolver_fn resolve_other, const void *ctx);

/*
 * dnsp_zone_answer() for a known client: routed RRsets (and aliases into
 * them) are chosen for rc (location, health, rng; lib/route.h), and
 * rc->scope ends as the ECS scope the answer needs. A routing policy that
 * has no set for the client answers NODATA. rc NULL is dnsp_zone_answer().
 */
int dnsp_zone_answer_client(const dnsp_zone_t *z, const uint8_t *qname, uint16_t qtype,
			    struct dnsp_resp *r, dnsp_zone_resolver_fn resolve_other,
			    const void *ctx, struct dnsp_route_client *rc);

/* dnsp_zone_answer_client() with qname's label offsets (qoffs[0..qn), as
 * dnsp_name_label_offsets gives them) already known: the parsed query's. */
int dnsp_zone_answer_labels(const dnsp_zone_t *z, const uint8_t *qname, const uint8_t *qoffs,
			    int qn, uint16_t qtype, struct dnsp_resp *r,
			    dnsp_zone_resolver_fn resolve_other, const void *ctx,
			    struct dnsp_route_client *rc);

/*
 * dnsp_zone_answer_client() as a resolver answers (a VPC view, SEMANTICS
 * §11-12): a CNAME target is a new query that goes through the view's
 * source selection, in-zone targets included, since a more specific source
 * (another private zone, a Resolver rule) may cover a name below z's apex.
 * zone_for is asked for every target: the zone that answers it (z itself
 * keeps the chase inside z, as dnsp_zone_answer does), or NULL when no
 * zone does. The chain then ends after the CNAME naming that target
 * (NOERROR, no SOA) and *stop points at the target (lowercase, in zone
 * memory); else *stop is NULL. Chain bounds and loop checks are the same.
 */
int dnsp_zone_answer_resolver(const dnsp_zone_t *z, const uint8_t *qname, uint16_t qtype,
			      struct dnsp_resp *r, dnsp_zone_resolver_fn zone_for,
			      const void *ctx, struct dnsp_route_client *rc,
			      const uint8_t **stop);

#endif
