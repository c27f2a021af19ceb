/*
 * Client-location data for routing policies, compiled into each snapshot:
 * the geo database (client prefix → continent/country/subdivision and
 * coordinates), the latency table (client prefix → RTT per AWS Region) and
 * the CIDR collections of IP-based routing (client prefix → location).
 * Plus the built-in table of AWS Region codes with coordinates.
 *
 * Contract: built on the control thread (ctrl/geodb.c, ctrl/compile.c) in
 * snapshot arena memory; read-only afterwards, read by workers with no
 * locks. All lookups are LPM lookups (lib/lpm.h) returning the matched
 * prefix length, which routing decisions turn into the ECS scope prefix.
 */
#ifndef DNSP_ROUTE_DATA_H
#define DNSP_ROUTE_DATA_H

#include <stdint.h>
#include "lpm.h"

struct dnsp_geo_loc {
	char continent[3];     /* "EU", "" unknown */
	char country[3];       /* ISO 3166-1 alpha-2, "" unknown */
	char subdivision[4];   /* ISO 3166-2 subdivision code without country, "" none */
	double lat, lon;       /* degrees; NaN when unknown */
};

/* One CIDR block of a collection (see dnsp_cidr_lookup). */
struct dnsp_cidr_block {
	uint32_t location;             /* index into locations */
	uint32_t parent;               /* block index of the longest block of the
					  collection that strictly contains this one,
					  or DNSP_LPM_NONE */
	uint8_t plen;                  /* prefix length of the block */
};

struct dnsp_cidr_collection {
	const char *id;                /* Id of the collection */
	const dnsp_lpm_t *lpm;         /* client prefix → location index */
	const char *const *locations;  /* LocationName by index (never "*": the
					  default location is a record, not a block) */
	uint32_t nlocations;
	/* Added for dnsp_cidr_lookup(): the same blocks, by block index. */
	const char *name;              /* Name of the collection */
	const dnsp_lpm_t *block_lpm;   /* client prefix → block index */
	const struct dnsp_cidr_block *blocks;
	uint32_t nblocks;
};

struct dnsp_route_data {
	const dnsp_lpm_t *geo;                 /* → index into geo_locs, or NONE */
	const struct dnsp_geo_loc *geo_locs;
	uint32_t ngeo_locs;

	const dnsp_lpm_t *latency;             /* → row index, or NONE */
	const uint16_t *latency_rtt;           /* nlatency_rows × dnsp_nregions, ms;
						  UINT16_MAX = no measurement */
	uint32_t nlatency_rows;

	const struct dnsp_cidr_collection *collections;
	uint32_t ncollections;

	/* Unit vector of each geo_locs entry (3 doubles; NaN without coordinates),
	 * for geoproximity and latency distances without trigonometry per query.
	 * Filled by the routing engine (dnsp_route_data_prepare, lib/route.h)
	 * once the data is compiled; NULL: computed per query. */
	const double *geo_xyz;
};

/* ---- built-in AWS Regions (lib/regions.c) ---- */

struct dnsp_region {
	const char *code;      /* "us-east-1" */
	double lat, lon;       /* approximate location of the Region */
};

extern const struct dnsp_region dnsp_regions[];
extern const uint32_t dnsp_nregions;
#define DNSP_NREGIONS_MAX 64

/* Index of a Region code in dnsp_regions, or -1. */
int dnsp_region_index(const char *code);

/* Great-circle distance in km between two points (haversine). */
double dnsp_geo_distance_km(double lat1, double lon1, double lat2, double lon2);

/*
 * ---- Additions (issue #3, data side; all additive) ----
 *
 * Presence: in a compiled snapshot, snapshot->route is never NULL and its
 * geo, latency and every collection's lpm/block_lpm are never NULL: a table
 * without data is an empty LPM (every lookup misses). ngeo_locs,
 * nlatency_rows and ncollections may be 0. Lookups are lock-free and
 * allocation-free (any thread).
 */

/* Earth radius used by dnsp_geo_distance_km (mean radius, km). */
#define DNSP_EARTH_RADIUS_KM 6371.0

/* Built-in AWS Local Zone groups (LocalZoneGroup of GeoProximityLocation,
 * e.g. "us-west-2-lax-1"), with the approximate location of the zone. */
struct dnsp_local_zone_group {
	const char *code;      /* "us-west-2-lax-1" */
	const char *region;    /* parent Region, "us-west-2" */
	double lat, lon;
};
extern const struct dnsp_local_zone_group dnsp_local_zone_groups[];
extern const uint32_t dnsp_nlocal_zone_groups;

/* Coordinates of a LocalZoneGroup code: 0 with *lat and *lon set, or -ENOENT. */
int dnsp_local_zone_group_coords(const char *code, double *lat, double *lon);

/*
 * The continent Route 53 assigns to a country (ISO 3166-1 alpha-2, upper
 * case), from the fixed membership lists of DG resource-record-sets-values-geo
 * ("AF", "AN", "AS", "EU", "NA", "OC", "SA"), or NULL for a country Route 53
 * does not list (BV, CX, EH, HM, unknown codes). The geo compiler stores this
 * continent in dnsp_geo_loc.continent when it knows one, so geolocation
 * follows Route 53's lists rather than the geo database's.
 */
const char *dnsp_country_continent(const char *country);

/* The geo location of addr, or NULL; *plen (if not NULL) gets the matched
 * prefix length (0 on a miss), the ECS scope of a geo decision. */
static inline const struct dnsp_geo_loc *dnsp_geo_lookup(const struct dnsp_route_data *rd,
							 int family, const uint8_t *addr,
							 int *plen)
{
	uint32_t i = dnsp_lpm_lookup(rd->geo, family, addr, plen);

	return i < rd->ngeo_locs ? &rd->geo_locs[i] : (const struct dnsp_geo_loc *)0;
}

/* The latency row of addr (dnsp_nregions RTTs in ms, UINT16_MAX = not
 * measured, indexed like dnsp_regions), or NULL; *plen as above. The longest
 * matching prefix owns the whole row: Regions it does not measure are not
 * filled in from shorter prefixes. */
static inline const uint16_t *dnsp_latency_lookup(const struct dnsp_route_data *rd, int family,
						  const uint8_t *addr, int *plen)
{
	uint32_t i = dnsp_lpm_lookup(rd->latency, family, addr, plen);

	return i < rd->nlatency_rows ? &rd->latency_rtt[(uint64_t)i * dnsp_nregions]
				     : (const uint16_t *)0;
}

/*
 * IP-based routing match (SEMANTICS §8): the longest block of collection c
 * that contains addr AND is no longer than the query prefix qplen (the ECS
 * source prefix, or 32/128 for a source address): a /48 block does not match
 * a /32 query. Returns the location index or DNSP_LPM_NONE (→ the "*"
 * record); *plen (if not NULL) gets the block's prefix length (0 on a miss).
 * Bounded by the nesting depth of the collection's blocks.
 */
uint32_t dnsp_cidr_lookup(const struct dnsp_cidr_collection *c, int family, const uint8_t *addr,
			  int qplen, int *plen);

/* The collection with Id id in rd, or NULL (control plane; linear). */
const struct dnsp_cidr_collection *dnsp_cidr_collection_find(const struct dnsp_route_data *rd,
							      const char *id);

#endif
