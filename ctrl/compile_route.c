/*
 * Routed record sets from the configuration model into the zone builder.
 * Every set of one name and type becomes one member of the rule of that
 * name and type (created by the first set, found again by the others), so
 * the order of sets in the file is the order of members: it breaks ties
 * (latency and geoproximity distances, fallbacks without client location).
 * The policy's fields become a struct dnsp_route_attr with everything the
 * fast path needs already resolved: Region codes to their index in the
 * built-in table (the RTT column) and their coordinates, Local Zone groups
 * and explicit Coordinates to degrees, HealthCheckId to its status slot,
 * CidrRoutingConfig to the collection and location index of the snapshot's
 * routing data. A set's content is its values, or its alias target: a name
 * in the same zone stays an alias (so EvaluateTargetHealth can follow it
 * through further routed sets); a name in another served zone is copied as
 * values at compile time, like simple aliases are (ctrl/compile.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "compile_route.h"
#include "../lib/health.h"
#include "../lib/wire/name.h"
#include "../lib/wire/rdata.h"

static int name_parse(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	return dnsp_name_from_text(text, strlen(text), (const uint8_t *)"", out);
}

bool dnsp_compile_route_needed(const struct dnsp_cfg_rrset *rs)
{
	return rs->policy != DNSP_POLICY_SIMPLE || rs->routing.health_check_id ||
	       (rs->is_alias && rs->alias_evaluate_target_health);
}

static void copy_code(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

int dnsp_compile_route_attr(const struct dnsp_cfg_rrset *rs, const struct dnsp_route_data *route,
			    struct dnsp_route_attr *a, struct dnsp_errlist *errs)
{
	const struct dnsp_cfg_routing *r = &rs->routing;
	const char *file = rs->loc.file;
	int line = rs->loc.line;

	memset(a, 0, sizeof(*a));
	a->set_id = r->set_identifier;
	a->health = DNSP_HEALTH_NONE;
	a->region = -1;
	a->lat = a->lon = NAN;
	a->evaluate_target_health = rs->is_alias && rs->alias_evaluate_target_health;
	if (r->health_check_id) {
		int slot = dnsp_health_slot(r->health_check_id);
		if (slot < 0) {
			dnsp_errlist_add(errs, file, line, "HealthCheckId", "'%s': %s",
					 r->health_check_id, dnsp_strerror(slot));
			return slot;
		}
		a->health = (uint32_t)slot;
	}
	switch (rs->policy) {
	case DNSP_POLICY_WEIGHTED:
		if (r->weight < 0 || r->weight > 255) {
			dnsp_errlist_add(errs, file, line, "Weight", "%d is outside 0..255", r->weight);
			return DNSP_ERANGE;
		}
		a->weight = (uint8_t)r->weight;
		break;
	case DNSP_POLICY_FAILOVER:
		a->secondary = r->failover && strcmp(r->failover, "SECONDARY") == 0;
		break;
	case DNSP_POLICY_LATENCY: {
		int idx = r->region ? dnsp_region_index(r->region) : -1;
		if (idx < 0) {
			dnsp_errlist_add(errs, file, line, "Region", "unknown AWS Region '%s'",
					 r->region ? r->region : "");
			return DNSP_ENOTFOUND;
		}
		a->region = (int16_t)idx;
		a->lat = dnsp_regions[idx].lat;
		a->lon = dnsp_regions[idx].lon;
		break;
	}
	case DNSP_POLICY_GEOLOCATION:
		copy_code(a->continent, sizeof(a->continent), r->geo_continent);
		copy_code(a->country, sizeof(a->country), r->geo_country);
		copy_code(a->subdivision, sizeof(a->subdivision), r->geo_subdivision);
		break;
	case DNSP_POLICY_GEOPROXIMITY:
		if (r->gp_aws_region) {
			int idx = dnsp_region_index(r->gp_aws_region);
			if (idx < 0) {
				dnsp_errlist_add(errs, file, line, "GeoProximityLocation.AWSRegion",
						 "unknown AWS Region '%s'", r->gp_aws_region);
				return DNSP_ENOTFOUND;
			}
			a->lat = dnsp_regions[idx].lat;
			a->lon = dnsp_regions[idx].lon;
		} else if (r->gp_local_zone_group) {
			if (dnsp_local_zone_group_coords(r->gp_local_zone_group, &a->lat, &a->lon) < 0) {
				dnsp_errlist_add(errs, file, line, "GeoProximityLocation.LocalZoneGroup",
						 "unknown Local Zone group '%s'",
						 r->gp_local_zone_group);
				return DNSP_ENOTFOUND;
			}
		} else if (r->gp_has_coordinates) {
			a->lat = r->gp_latitude;
			a->lon = r->gp_longitude;
		} else {
			dnsp_errlist_add(errs, file, line, "GeoProximityLocation",
					 "needs AWSRegion, LocalZoneGroup or Coordinates");
			return DNSP_ECONFIG;
		}
		if (r->gp_bias < -99 || r->gp_bias > 99) {
			dnsp_errlist_add(errs, file, line, "GeoProximityLocation.Bias",
					 "%d is outside -99..99", r->gp_bias);
			return DNSP_ERANGE;
		}
		a->bias = (int8_t)r->gp_bias;
		break;
	case DNSP_POLICY_IPBASED: {
		const struct dnsp_cidr_collection *c =
			route && r->cidr_collection_id
				? dnsp_cidr_collection_find(route, r->cidr_collection_id) : NULL;
		if (!c) {
			dnsp_errlist_add(errs, file, line, "CidrRoutingConfig.CollectionId",
					 "CIDR collection '%s' is not defined in cidr_collections",
					 r->cidr_collection_id ? r->cidr_collection_id : "");
			return DNSP_ENOTFOUND;
		}
		a->collection = c;
		bool found = false;
		if (r->cidr_location_name && strcmp(r->cidr_location_name, "*") == 0) {
			a->location = DNSP_ROUTE_LOC_DEFAULT;
			found = true;
		}
		for (uint32_t i = 0; r->cidr_location_name && !found && i < c->nlocations; i++)
			if (strcmp(c->locations[i], r->cidr_location_name) == 0) {
				a->location = i;
				found = true;
			}
		if (!found) {
			dnsp_errlist_add(errs, file, line, "CidrRoutingConfig.LocationName",
					 "location '%s' is not in CIDR collection '%s'",
					 r->cidr_location_name ? r->cidr_location_name : "",
					 r->cidr_collection_id);
			return DNSP_ENOTFOUND;
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

/* The simple (non-alias) set (name, type) of the served zone, public or
 * private as private_zone says, that holds name most specifically. */
static const struct dnsp_cfg_rrset *served_set(const struct dnsp_config *cfg, bool private_zone,
					       const uint8_t *name, uint16_t type,
					       const struct dnsp_cfg_rrset **routed)
{
	const struct dnsp_cfg_zone *best = NULL;
	int best_labels = -1;
	*routed = NULL;
	for (size_t i = 0; cfg && i < cfg->nzones; i++) {
		const struct dnsp_cfg_zone *z = &cfg->zones[i];
		uint8_t apex[DNSP_NAME_MAX];
		if (z->private_zone != private_zone || !z->name || name_parse(z->name, apex) < 0)
			continue;
		if (dnsp_name_in(name, apex) && dnsp_name_labels(apex) > best_labels) {
			best = z;
			best_labels = dnsp_name_labels(apex);
		}
	}
	for (size_t i = 0; best && i < best->nrrsets; i++) {
		const struct dnsp_cfg_rrset *rs = &best->rrsets[i];
		uint8_t owner[DNSP_NAME_MAX];
		if (rs->type != type || !rs->name || name_parse(rs->name, owner) < 0 ||
		    !dnsp_name_equal(owner, name))
			continue;
		if (rs->policy != DNSP_POLICY_SIMPLE || rs->is_alias) {
			*routed = rs;
			continue;
		}
		return rs;
	}
	return NULL;
}

static int add_values(dnsp_zone_builder_t *b, dnsp_zb_member_t m, const struct dnsp_cfg_rrset *rs,
		      uint32_t ttl, const struct dnsp_cfg_rrset *at, struct dnsp_errlist *errs)
{
	static const uint8_t root[1] = { 0 };
	static __thread uint8_t rdata[DNSP_RDATA_MAX]; /* control thread scratch */
	for (size_t i = 0; i < rs->nvalues; i++) {
		const char *msg = NULL;
		int n = dnsp_rdata_from_text(rs->type, rs->values[i], strlen(rs->values[i]), root,
					     rdata, sizeof(rdata), &msg);
		if (n < 0) {
			dnsp_errlist_add(errs, at->loc.file, at->loc.line, "ResourceRecords.Value",
					 "'%s': %s", rs->values[i], msg ? msg : dnsp_strerror(n));
			return n;
		}
		int rc = dnsp_zone_builder_member_rr(b, m, ttl, rdata, (uint16_t)n);
		if (rc < 0) {
			dnsp_errlist_add(errs, at->loc.file, at->loc.line, "ResourceRecords",
					 "'%s': %s", rs->values[i], dnsp_strerror(rc));
			return rc;
		}
	}
	return 0;
}

int dnsp_compile_route_rrset(dnsp_zone_builder_t *b, const struct dnsp_config *cfg,
			     const struct dnsp_cfg_zone *z, const struct dnsp_cfg_rrset *rs,
			     const struct dnsp_route_data *route, struct dnsp_errlist *errs)
{
	uint8_t owner[DNSP_NAME_MAX], apex[DNSP_NAME_MAX];
	const char *file = rs->loc.file;
	int line = rs->loc.line;
	if (!rs->name || name_parse(rs->name, owner) < 0 || !z->name || name_parse(z->name, apex) < 0) {
		dnsp_errlist_add(errs, file, line, "Name", "invalid name '%s'",
				 rs->name ? rs->name : "");
		return DNSP_ENAME;
	}
	struct dnsp_route_attr attr;
	int rc = dnsp_compile_route_attr(rs, route, &attr, errs);
	if (rc < 0)
		return rc;

	dnsp_zb_rule_t rule;
	rc = dnsp_zone_builder_routed_set(b, owner, rs->type, (uint8_t)rs->policy, &rule);
	if (rc == DNSP_EEXIST) {
		/* dnsp_config_check_zone() reports mixes with its own words; this
		 * is the backstop for sets that bypassed it. */
		char tb[16];
		dnsp_errlist_add(errs, file, line, "SetIdentifier",
				 "%s %s: %s routing cannot share a name and type with other sets",
				 rs->name, dnsp_rrtype_to_text(rs->type, tb),
				 dnsp_route_kind_name(rs->policy));
		return rc;
	}
	if (rc < 0) {
		dnsp_errlist_add(errs, file, line, "Name", "'%s': %s", rs->name, dnsp_strerror(rc));
		return rc;
	}
	dnsp_zb_member_t m;
	rc = dnsp_zone_builder_member(b, rule, &attr, &m);
	if (rc < 0) {
		dnsp_errlist_add(errs, file, line, "SetIdentifier", "%s: %s",
				 rs->routing.set_identifier ? rs->routing.set_identifier : rs->name,
				 rc == DNSP_ERANGE ? "too many sets for one name and type"
						   : dnsp_strerror(rc));
		return rc;
	}
	if (!rs->is_alias)
		return add_values(b, m, rs, rs->has_ttl ? rs->ttl : 300, rs, errs);

	uint8_t target[DNSP_NAME_MAX];
	if (!rs->alias_dns_name || name_parse(rs->alias_dns_name, target) < 0) {
		dnsp_errlist_add(errs, file, line, "AliasTarget.DNSName", "invalid alias target");
		return DNSP_ENAME;
	}
	if (dnsp_name_in(target, apex)) {
		rc = dnsp_zone_builder_member_alias(b, m, target);
		if (rc < 0)
			dnsp_errlist_add(errs, file, line, "AliasTarget", "%s", dnsp_strerror(rc));
		return rc;
	}
	/* A target in another served zone: its values, copied now. */
	const struct dnsp_cfg_rrset *routed;
	const struct dnsp_cfg_rrset *t = served_set(cfg, z->private_zone, target, rs->type, &routed);
	if (!t) {
		dnsp_errlist_add(errs, file, line, "AliasTarget.DNSName",
				 routed ? "alias target %s is a routed or alias record set of another "
					  "zone (only same-zone targets are followed per query)"
					: "alias target %s (type %u) is not a record set served here",
				 rs->alias_dns_name, rs->type);
		return DNSP_ENOTFOUND;
	}
	return add_values(b, m, t, t->has_ttl ? t->ttl : 300, rs, errs);
}
