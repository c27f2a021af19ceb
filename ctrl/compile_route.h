/*
 * Compiler of routed record sets: Route 53 ResourceRecordSets with a routing
 * policy (SetIdentifier with Weight, Region, Failover, GeoLocation,
 * GeoProximityLocation, CidrRoutingConfig or MultiValueAnswer), simple sets
 * whose health matters to an alias (HealthCheckId), and aliases with
 * EvaluateTargetHealth, turned into rules and members of the zone builder
 * (lib/zone/zone.h, lib/route.h).
 *
 * Contract: control thread only, during dnsp_compile(). Reads the config
 * model, the routing data of the snapshot being built (CIDR collections)
 * and the built-in Region tables; assigns health slots (dnsp_health_slot).
 * Errors go to errs as "FILE:LINE: KEY: message" with the set's line.
 */
#ifndef DNSP_CTRL_COMPILE_ROUTE_H
#define DNSP_CTRL_COMPILE_ROUTE_H

#include <stdbool.h>
#include "config.h"
#include "../lib/route_data.h"
#include "../lib/zone/zone.h"

/* Whether rs must be compiled as a routed set (a policy, a HealthCheckId,
 * or an alias that evaluates its target's health). */
bool dnsp_compile_route_needed(const struct dnsp_cfg_rrset *rs);

/*
 * Adds rs (a set of zone z for which dnsp_compile_route_needed() holds) to
 * b as one member of the rule of its name and type. cfg resolves alias
 * targets in other served zones; route (may be NULL) the CIDR collections.
 * Returns 0 or a negative code with errs filled.
 */
int dnsp_compile_route_rrset(dnsp_zone_builder_t *b, const struct dnsp_config *cfg,
			     const struct dnsp_cfg_zone *z, const struct dnsp_cfg_rrset *rs,
			     const struct dnsp_route_data *route,
			     struct dnsp_errlist *errs) DNSP_WUR;

/*
 * Routing attributes of rs (everything but content) into *attr, resolving
 * Region codes, Local Zone groups, health check slots and CIDR locations.
 * set_id points into rs. Returns 0, or a negative code after reporting the
 * offending key into errs.
 */
int dnsp_compile_route_attr(const struct dnsp_cfg_rrset *rs, const struct dnsp_route_data *route,
			    struct dnsp_route_attr *attr, struct dnsp_errlist *errs) DNSP_WUR;

#endif
