/*
 * The recursion part of the `resolver:` section: the settings of the slow
 * path (root hints, trust anchors, cache knobs, upstream ECS per VPC,
 * timeouts and work limits). The section itself is loaded by
 * ctrl/config_resolver.c (endpoints, rules, associations); that loader
 * accepts the keys below (its recursion_keys[]) and hands the section's
 * mapping to dnsp_cfg_recursion_load(), so each owner keeps its part in its
 * own file. All keys are dnsplane's own (snake_case):
 *
 *   resolver:
 *     root_hints: named.root          # enables recursion (named.root format)
 *     trust_anchors: ["example. IN DS 12345 13 2 <hex>"]   # kept for DNSSEC
 *     qname_minimisation: true        # RFC 9156, relaxed
 *     use_0x20: false                 # random qname case on upstream queries
 *     query_timeout_ms: 3000          # hard deadline per client query
 *     upstream_timeout_ms: 400        # first retransmit timeout (RTT-adapted)
 *     limits: {max_referrals: 20, max_cname_chain: 11, max_upstream_queries: 48,
 *              max_ns_lookups: 4}
 *     cache: {max_size_mb: 64, max_ttl: 86400, min_ttl: 0, max_negative_ttl: 3600,
 *             serve_stale: false, stale_ttl: 86400, prefetch: true}
 *     ecs_upstream: [{vpc: vpc-demo, ipv4_prefix: 24, ipv6_prefix: 56}]
 *
 * Contract: control thread only; the model is owned by the config and
 * freed with dnsp_cfg_recursion_destroy().
 */
#ifndef DNSP_CTRL_CONFIG_RECURSION_H
#define DNSP_CTRL_CONFIG_RECURSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "config_load.h"

struct dnsp_cfg_root_hint {
	uint8_t name[255];             /* server name, wire form, lowercase */
	struct dnsp_cfg_addr addr;     /* its A or AAAA */
};

struct dnsp_cfg_ecs_upstream {
	int line;
	char *vpc_id;
	uint8_t v4, v6;                /* source prefixes, 0: that family off */
};

struct dnsp_cfg_recursion {
	struct dnsp_cfg_loc loc;
	char *root_hints_path;         /* resolved path, NULL: recursion off */
	struct dnsp_cfg_root_hint *hints; size_t nhints;
	uint16_t hints_port;           /* port the root servers listen on (53; tests) */
	char **trust_anchors; size_t ntrust_anchors; /* presentation text, checked */
	bool qname_minimisation;
	bool use_0x20;
	uint32_t query_timeout_ms;
	uint32_t upstream_timeout_ms;
	uint32_t max_referrals, max_cname_chain, max_upstream_queries, max_ns_lookups;
	uint64_t cache_max_bytes;
	uint32_t cache_max_ttl, cache_min_ttl, cache_max_negative_ttl;
	bool serve_stale;
	uint32_t stale_ttl;
	bool prefetch;
	struct dnsp_cfg_ecs_upstream *ecs; size_t necs;
};

/* Fills r with the defaults (recursion off). */
void dnsp_cfg_recursion_defaults(struct dnsp_cfg_recursion *r);

/*
 * Loads this part's keys from the `resolver:` mapping m (other keys are
 * left to the caller) into a new model at *out (always allocated when m is
 * a mapping, so defaults apply). Errors are reported through ld.
 */
void dnsp_cfg_recursion_load(struct dnsp_cfg_ld *ld, const ynode *m,
			     struct dnsp_cfg_recursion **out);
/* Cross-checks after every section is loaded (VPC ids of ecs_upstream). */
void dnsp_cfg_recursion_check(struct dnsp_cfg_ld *ld, const struct dnsp_cfg_recursion *r);
void dnsp_cfg_recursion_destroy(struct dnsp_cfg_recursion *r);

#endif
