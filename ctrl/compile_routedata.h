/*
 * Compiler of the routing data and of Traffic Flow: the geo database, the
 * latency table and the CIDR collections into snapshot->route
 * (lib/route_data.h), and the traffic policy instances of a zone into rule
 * trees of its zone builder (lib/zone/zone.h, lib/route.h), the same trees
 * routed record sets compile to.
 *
 * Contract: control thread only, during dnsp_compile(). Memory comes from
 * the snapshot arena (routing data) or the zone builder (rules). Errors go
 * to errs as "FILE:LINE: KEY: message".
 */
#ifndef DNSP_CTRL_COMPILE_ROUTEDATA_H
#define DNSP_CTRL_COMPILE_ROUTEDATA_H

#include "config.h"
#include "../lib/route_data.h"
#include "../lib/snapshot.h"
#include "../lib/zone/zone.h"

/*
 * Builds s->route in s->arena: server.geo_db and server.latency_db (loaded
 * now, whole; ctrl/geodb.h) and cfg's cidr_collections, with
 * route->collections[i] compiled from cfg->route->collections[i] (same
 * order, same location order). Tables without data are empty LPMs, so
 * s->route and its LPMs are never NULL afterwards. Returns 0 or a negative
 * code with errs filled (s->route stays NULL).
 */
int dnsp_compile_routedata(const struct dnsp_config *cfg, struct dnsp_snapshot *s,
			   struct dnsp_errlist *errs) DNSP_WUR;

/*
 * Adds every traffic policy instance of zone z (HostedZoneId) to b: one
 * rule per reachable document rule (failover, geo, latency, geoproximity,
 * multivalue, weighted), members holding the endpoint values with the
 * instance's TTL, aliases (AWS resource endpoints, whose Value must be a
 * name served in this zone) or nested rules; the start rule becomes the
 * RRset (Name, RecordType). A StartEndpoint makes a plain RRset (or alias).
 * HealthCheck ids take health slots (dnsp_health_slot). Returns the number
 * of instances added or a negative code with errs filled.
 */
int dnsp_compile_traffic_policies(dnsp_zone_builder_t *b, const struct dnsp_config *cfg,
				  const struct dnsp_cfg_zone *z, const struct dnsp_route_data *route,
				  struct dnsp_errlist *errs) DNSP_WUR;

#endif
