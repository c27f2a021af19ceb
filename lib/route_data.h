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

struct dnsp_cidr_collection {
	const char *id;                /* Id of the collection */
	const dnsp_lpm_t *lpm;         /* client prefix → location index */
	const char *const *locations;  /* LocationName by index */
	uint32_t nlocations;
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

#endif
