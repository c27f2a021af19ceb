/*
 * Configuration model of the `resolver` section (SPEC §3): Resolver
 * endpoints, Resolver rules and rule associations in the Route 53 Resolver
 * API shapes (CreateResolverEndpoint, CreateResolverRule,
 * AssociateResolverRule, ResolverConfig; SEMANTICS §11, §18), and the
 * recursion settings of the slow path (root hints, trust anchors, cache
 * knobs), which are loaded by their own functions in the marked part of
 * config_resolver.c.
 *
 *   resolver:
 *     endpoints:  [{Id, Direction, VpcId, IpAddresses: [{Ip}|{Ipv6}], QpsPerEni,
 *                   Name, ResolverEndpointType, Protocols}]
 *     rules:      [{Id, Name, RuleType, DomainName, TargetIps: [{Ip|Ipv6, Port}],
 *                   ResolverEndpointId, DelegationRecord}]
 *     rule_associations: [{ResolverRuleId, VPCId, Name}]
 *     configs:    [{ResourceId, AutodefinedReverseFlag}]
 *
 * Contract: loaded by ctrl/config.c through dnsp_cfg_resolver_section (see
 * ctrl/config_load.h); the model hangs off struct dnsp_config.resolver
 * (NULL when the section is absent) and is owned by the config. After a
 * successful load: ids are unique; every endpoint's VPC exists and its
 * addresses are unique across endpoints; FORWARD rules have targets of one
 * family and an OUTBOUND endpoint with an address of that family; SYSTEM
 * rules have neither; DELEGATE rules have an OUTBOUND endpoint and a
 * delegation name; associations name existing rules and VPCs, and no VPC
 * has two rules for one domain; every inbound listener names an INBOUND
 * endpoint whose IpAddresses hold the listener's address. Control thread
 * only.
 */
#ifndef DNSP_CTRL_CONFIG_RESOLVER_H
#define DNSP_CTRL_CONFIG_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"

#define DNSP_CFG_ENI_MAX 20       /* IpAddresses per endpoint (API: 2..20) */
#define DNSP_CFG_TARGETS_MAX 8    /* TargetIps per rule (lib/punt.h routes) */
#define DNSP_CFG_QPS_DEFAULT 10000 /* QpsPerEni default (SEMANTICS §11 "Capacity") */

enum dnsp_cfg_ep_direction {
	DNSP_EP_INBOUND = 0,
	DNSP_EP_OUTBOUND = 1,
	DNSP_EP_INBOUND_DELEGATION = 2, /* served like INBOUND (Do53 only) */
};

/* ResolverEndpointType; DNSP_EP_TYPE_UNSET when not given. */
enum dnsp_cfg_ep_type { DNSP_EP_TYPE_UNSET = -1, DNSP_EP_IPV4, DNSP_EP_IPV6, DNSP_EP_DUALSTACK };

struct dnsp_cfg_eni {
	int line;
	struct dnsp_cfg_addr addr;     /* Ip or Ipv6 */
	char text[48];                 /* the address in presentation form (metrics label) */
};

struct dnsp_cfg_endpoint {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *name;                    /* Name, or NULL */
	enum dnsp_cfg_ep_direction direction;
	char *vpc_id;                  /* VpcId */
	struct dnsp_cfg_eni *enis;     /* IpAddresses: one ENI each */
	size_t nenis;
	uint32_t qps_per_eni;          /* QpsPerEni (dnsplane's own): 0 = unlimited */
	int type;                      /* enum dnsp_cfg_ep_type */
};

enum dnsp_cfg_rule_type { DNSP_RULE_FORWARD = 0, DNSP_RULE_SYSTEM = 1, DNSP_RULE_DELEGATE = 2 };

struct dnsp_cfg_target {
	int line;
	struct dnsp_cfg_addr addr;     /* Ip or Ipv6 */
	uint16_t port;                 /* Port, default 53 */
};

struct dnsp_cfg_rule {
	struct dnsp_cfg_loc loc;
	char *id;                      /* Id */
	char *name;                    /* Name, or NULL */
	enum dnsp_cfg_rule_type type;  /* RuleType */
	char *domain;                  /* DomainName, absolute with trailing dot; for
					  DELEGATE the DelegationRecord when given */
	char *delegation_record;       /* DelegationRecord (DELEGATE), or NULL */
	struct dnsp_cfg_target *targets; /* TargetIps (FORWARD) */
	size_t ntargets;
	char *endpoint_id;             /* ResolverEndpointId (FORWARD, DELEGATE) */
};

struct dnsp_cfg_rule_assoc {
	struct dnsp_cfg_loc loc;
	char *rule_id;                 /* ResolverRuleId */
	char *vpc_id;                  /* VPCId */
	char *name;                    /* Name, or NULL */
};

/* AutodefinedReverseFlag values (ResolverConfig; also profile associations). */
enum dnsp_cfg_reverse { DNSP_REVERSE_LOCAL = -1, DNSP_REVERSE_DISABLE = 0, DNSP_REVERSE_ENABLE = 1 };

struct dnsp_cfg_resolver_config {
	struct dnsp_cfg_loc loc;
	char *resource_id;             /* ResourceId: a VpcId */
	int autodefined_reverse;       /* enum dnsp_cfg_reverse (USE_LOCAL_RESOURCE_SETTING
					  is for profiles only: here ENABLE or DISABLE) */
};

struct dnsp_cfg_recursion;         /* recursion settings (root hints, cache, ...) */

struct dnsp_cfg_resolver {
	struct dnsp_cfg_loc loc;
	struct dnsp_cfg_endpoint *endpoints; size_t nendpoints;
	struct dnsp_cfg_rule *rules; size_t nrules;
	struct dnsp_cfg_rule_assoc *assocs; size_t nassocs;
	struct dnsp_cfg_resolver_config *configs; size_t nconfigs;
	struct dnsp_cfg_recursion *recursion; /* recursion part, or NULL */
};

extern const struct dnsp_cfg_section dnsp_cfg_resolver_section;

/* Lookups by Id (NULL when absent or when the config has no resolver). */
const struct dnsp_cfg_endpoint *dnsp_cfg_endpoint_find(const struct dnsp_config *c,
						       const char *id);
const struct dnsp_cfg_rule *dnsp_cfg_rule_find(const struct dnsp_config *c, const char *id);

/* The AutodefinedReverseFlag resolver.configs sets for vpc_id:
 * DNSP_REVERSE_ENABLE / _DISABLE, or DNSP_REVERSE_LOCAL when none does. */
int dnsp_cfg_resolver_reverse(const struct dnsp_config *c, const char *vpc_id);

#endif
