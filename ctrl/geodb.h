/*
 * Loaders for the client-location data of routing policies (SPEC §3
 * "Contract details"): the geo database (`server.geo_db`, a MaxMind DB read
 * with libmaxminddb, or a GeoLite2-City CSV pair) and the latency table
 * (`server.latency_db`, CSV `cidr,region,rtt_ms`). Each is read completely
 * when a snapshot is compiled and turned into an LPM plus a value array in
 * the snapshot arena (lib/route_data.h), so the fast path never calls
 * libmaxminddb or touches a file.
 *
 * Contract: control thread only. Every function fills the matching fields of
 * rd (geo/geo_locs/ngeo_locs, or latency/latency_rtt/nlatency_rows) with
 * arena memory on success and returns the number of prefixes loaded (≥ 0).
 * On failure it returns a negative code (DNSP_ECONFIG for bad content, or
 * -errno when a file cannot be read) and appends every problem to errs as
 * "FILE:LINE: KEY: message" (at most DNSP_GEODB_MAX_ERRORS per file, then
 * one line counting the rest); rd is then left untouched. key is the config
 * key named in messages ("server.geo_db"); origin (may be NULL) is where the
 * config sets it: problems with a whole file (cannot open, not a MaxMind DB)
 * are reported there, problems inside a text file at that file's line.
 * Nothing is kept between calls.
 */
#ifndef DNSP_CTRL_GEODB_H
#define DNSP_CTRL_GEODB_H

#include <stddef.h>
#include "config.h"
#include "../lib/arena.h"
#include "../lib/route_data.h"

#define DNSP_GEODB_MAX_ERRORS 20

/*
 * Loads path as a geo database: a MaxMind DB unless the name ends in ".csv"
 * (case-insensitive) or the file starts with the GeoLite2 Blocks header
 * ("network,"). For CSV, path is the Blocks file ("...-Blocks-IPv4.csv" or
 * "...-Blocks-IPv6.csv"); the other family's Blocks file is read too when it
 * exists beside it, and the Locations file ("...-Locations-en.csv", the name
 * with "Blocks-IPv4"/"Blocks-IPv6" replaced by "Locations-en") must exist
 * beside it.
 */
int dnsp_geodb_load(const char *path, const char *key, const struct dnsp_cfg_loc *origin,
		    dnsp_arena_t *arena,
		    struct dnsp_route_data *rd, struct dnsp_errlist *errs) DNSP_WUR;

/*
 * MaxMind DB (GeoIP2/GeoLite2-City shape): walks the whole search tree
 * (libmaxminddb 1.7 has no iterator; the walk uses MMDB_read_node) and keeps
 * continent.code, country.iso_code (else registered_country.iso_code),
 * subdivisions[0].iso_code and location.latitude/longitude of every network.
 * In an IPv6 database the IPv4 subtree (::/96) is loaded as IPv4 prefixes and
 * the aliases of it (::ffff:0:0/96, 2001::/32, 2002::/16) are skipped.
 */
int dnsp_geodb_load_mmdb(const char *path, const char *key, const struct dnsp_cfg_loc *origin,
			 dnsp_arena_t *arena,
			 struct dnsp_route_data *rd, struct dnsp_errlist *errs) DNSP_WUR;

/*
 * GeoLite2-City CSV from memory (the file loader reads the files and calls
 * this): locations is the Locations-en text, blocks4/blocks6 the Blocks
 * texts (either may be NULL). The *_name arguments are the file names used
 * in messages. Columns are found by their header names: Locations needs
 * geoname_id, continent_code, country_iso_code (subdivision_1_iso_code
 * optional); Blocks needs network and geoname_id (registered_country_geoname_id,
 * latitude, longitude optional; a row without geoname_id uses
 * registered_country_geoname_id). Quoted fields ("Korea, Republic of") and
 * CRLF line ends are accepted.
 */
int dnsp_geodb_parse_csv(const char *locations, size_t locations_len, const char *locations_name,
			 const char *blocks4, size_t blocks4_len, const char *blocks4_name,
			 const char *blocks6, size_t blocks6_len, const char *blocks6_name,
			 const char *key, dnsp_arena_t *arena, struct dnsp_route_data *rd,
			 struct dnsp_errlist *errs) DNSP_WUR;

/*
 * Latency table: CSV lines "cidr,region,rtt_ms" (an optional header line
 * "cidr,region,rtt_ms"; lines starting with "#" and blank lines are
 * skipped; spaces around fields are ignored). cidr is an IPv4 or IPv6
 * prefix (a bare address is a host prefix), region a code of dnsp_regions,
 * rtt_ms a number 0..65534 (decimals are rounded). Rows with the same cidr
 * form one table row; a second row for the same (cidr, region) is an error.
 * Lookups use the longest matching cidr.
 */
int dnsp_latency_load(const char *path, const char *key, const struct dnsp_cfg_loc *origin,
		      dnsp_arena_t *arena,
		      struct dnsp_route_data *rd, struct dnsp_errlist *errs) DNSP_WUR;
int dnsp_latency_parse(const char *text, size_t len, const char *name, const char *key,
		       dnsp_arena_t *arena, struct dnsp_route_data *rd,
		       struct dnsp_errlist *errs) DNSP_WUR;

/*
 * CSV files are read whole (lib/fileio.h, then refused when their size or
 * modification time changed during the read); neither loader maps the
 * operator's file, so one truncated in place gives an error, not SIGBUS.
 *
 * dnsp_geodb_copy_to_memfd: copies bytes 0..size-1 of fd into a new memfd
 * sealed against any change of size or content (what libmaxminddb maps).
 * Returns the memfd (the caller closes it), DNSP_ETRUNC when fd ends before
 * size, -ENOMEM or -errno.
 */
int dnsp_geodb_copy_to_memfd(int fd, size_t size) DNSP_WUR;

/* An empty LPM in arena (every lookup misses), for tables without data. */
int dnsp_geodb_empty_lpm(dnsp_arena_t *arena, const dnsp_lpm_t **out) DNSP_WUR;

#endif
