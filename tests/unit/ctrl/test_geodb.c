/*
 * Tests of ctrl/geodb.c: the latency table CSV, the GeoLite2-City CSV pair
 * and MaxMind DB files (generated for the test by
 * tests/fixtures/geo/gen_mmdb.pl with libmaxmind-db-writer-perl) compiled
 * into LPM tables (SPEC §3 "Contract details": geo_db, latency_db).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrl/geodb.h"
#include "lib/fileio.h"

#ifndef GEO_FIXTURES
#define GEO_FIXTURES "tests/fixtures/geo"
#endif

struct fx {
	dnsp_arena_t *arena;
	struct dnsp_route_data rd;
	struct dnsp_errlist errs;
	char dir[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || dnsp_arena_create(&f->arena) < 0)
		return -1;
	dnsp_errlist_init(&f->errs);
	strcpy(f->dir, "/tmp/dnsp_geodb_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

/* Removes dir and the plain files in it. */
static int remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (remove_dir(f->dir) < 0)
		return -1;
	dnsp_errlist_fini(&f->errs);
	dnsp_arena_destroy(f->arena);
	free(f);
	return 0;
}

static int addr_of(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
	return 6;
}

static const struct dnsp_geo_loc *geo(struct fx *f, const char *ip, int *plen)
{
	uint8_t a[16];
	int fam = addr_of(ip, a);

	return dnsp_geo_lookup(&f->rd, fam, a, plen);
}

static const uint16_t *lat_row(struct fx *f, const char *ip, int *plen)
{
	uint8_t a[16];
	int fam = addr_of(ip, a);

	return dnsp_latency_lookup(&f->rd, fam, a, plen);
}

static uint16_t rtt(const uint16_t *row, const char *region)
{
	int i = dnsp_region_index(region);

	assert_true(i >= 0);
	return row[i];
}

/* An error message that contains every fragment given. */
static void assert_error(struct fx *f, const char *a, const char *b)
{
	for (size_t i = 0; i < f->errs.n; i++)
		if (strstr(f->errs.msgs[i], a) && (!b || strstr(f->errs.msgs[i], b)))
			return;
	for (size_t i = 0; i < f->errs.n; i++)
		print_message("  have: %s\n", f->errs.msgs[i]);
	fail_msg("no error with \"%s\" and \"%s\"", a, b ? b : "");
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* ---- latency_db ---- */

static void test_latency_comments_header_and_blank_lines_are_skipped(void **state)
{
	struct fx *f = *state;
	static const char csv[] =
		"# client prefix -> RTT per Region\n"
		"cidr,region,rtt_ms\n"
		"\n"
		"   # indented comment\n"
		"192.0.2.0/24,us-east-1,12\n"
		"192.0.2.0/24, eu-west-1 , 80.6\r\n"
		"2001:db8::/32,ap-northeast-1,150\n";
	int n = dnsp_latency_parse(csv, sizeof(csv) - 1, "lat.csv", "server.latency_db", f->arena,
				   &f->rd, &f->errs);

	assert_int_equal(f->errs.n, 0);
	assert_int_equal(n, 2); /* two prefixes, one row each */
	int plen;
	const uint16_t *row = lat_row(f, "192.0.2.77", &plen);
	assert_non_null(row);
	assert_int_equal(plen, 24);
	assert_int_equal(rtt(row, "us-east-1"), 12);
	assert_int_equal(rtt(row, "eu-west-1"), 81); /* rounded */
	assert_int_equal(rtt(row, "us-west-2"), UINT16_MAX);
	row = lat_row(f, "2001:db8:5::1", &plen);
	assert_non_null(row);
	assert_int_equal(plen, 32);
	assert_int_equal(rtt(row, "ap-northeast-1"), 150);
	assert_null(lat_row(f, "198.51.100.1", &plen));
	assert_int_equal(plen, 0);
}

static void test_latency_longest_prefix_wins_whole_row(void **state)
{
	struct fx *f = *state;
	static const char csv[] =
		"10.0.0.0/8,us-east-1,100\n"
		"10.0.0.0/8,eu-west-1,20\n"
		"10.1.0.0/16,us-east-1,5\n";
	int plen;

	assert_int_equal(dnsp_latency_parse(csv, sizeof(csv) - 1, "lat.csv", "server.latency_db",
					    f->arena, &f->rd, &f->errs), 2);
	const uint16_t *row = lat_row(f, "10.1.2.3", &plen);
	assert_int_equal(plen, 16);
	assert_int_equal(rtt(row, "us-east-1"), 5);
	/* the /16 row does not inherit the /8's eu-west-1 measurement */
	assert_int_equal(rtt(row, "eu-west-1"), UINT16_MAX);
	row = lat_row(f, "10.2.0.1", &plen);
	assert_int_equal(plen, 8);
	assert_int_equal(rtt(row, "eu-west-1"), 20);
}

static void test_latency_bad_lines_report_file_line_and_key(void **state)
{
	struct fx *f = *state;
	static const char csv[] =
		"cidr,region,rtt_ms\n"          /* 1 */
		"192.0.2.0/24,us-east-1,12\n"    /* 2 */
		"192.0.2.0/33,us-east-1,12\n"    /* 3 bad prefix */
		"192.0.2.0/24,us-east-9,12\n"    /* 4 unknown Region */
		"192.0.2.0/24,eu-west-1,-1\n"    /* 5 negative */
		"192.0.2.0/24,eu-west-1,70000\n" /* 6 too large */
		"192.0.2.0/24,eu-west-1\n"       /* 7 two fields */
		"192.0.2.1/24,eu-west-1,3\n"     /* 8 host bits */
		"192.0.2.0/24,us-east-1,13\n"    /* 9 duplicate of line 2 */
		"\"192.0.2.0/24,eu-west-1,3\n";  /* 10 unterminated quote */
	int rc = dnsp_latency_parse(csv, sizeof(csv) - 1, "lat.csv", "server.latency_db",
				    f->arena, &f->rd, &f->errs);

	assert_int_equal(rc, DNSP_ECONFIG);
	assert_null(f->rd.latency); /* nothing half-built */
	assert_error(f, "lat.csv:3: server.latency_db: cidr", "prefix length too long");
	assert_error(f, "lat.csv:4: server.latency_db: region", "us-east-9");
	assert_error(f, "lat.csv:5: server.latency_db: rtt_ms", "-1");
	assert_error(f, "lat.csv:6: server.latency_db: rtt_ms", "70000");
	assert_error(f, "lat.csv:7: server.latency_db:", "expected 3 fields");
	assert_error(f, "lat.csv:8: server.latency_db: cidr", "bits set after the prefix");
	assert_error(f, "lat.csv:9: server.latency_db:", "first at line 2");
	assert_error(f, "lat.csv:10: server.latency_db:", "unterminated");
	assert_int_equal(f->errs.n, 8);
}

static void test_latency_bad_header_is_reported(void **state)
{
	struct fx *f = *state;
	static const char csv[] = "cidr,rtt_ms,region\n10.0.0.0/8,us-east-1,5\n";

	assert_int_equal(dnsp_latency_parse(csv, sizeof(csv) - 1, "l.csv", "server.latency_db",
					    f->arena, &f->rd, &f->errs), DNSP_ECONFIG);
	assert_error(f, "l.csv:1: server.latency_db:", "cidr,region,rtt_ms");
}

/* Hostile text: an overlong line, too many fields, a NUL inside a field,
 * text after a closing quote and binary bytes are each reported at their
 * line (bounded work, no crash), and nothing is half-built. */
static void test_latency_hostile_lines_are_reported(void **state)
{
	struct fx *f = *state;
	static const char head[] = "cidr,region,rtt_ms\r\n"               /* 1 */
				   "192.0.2.0/24,us-east-1,12\r\n"         /* 2 */
				   ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"  /* 3 */
				   "192.0.2.0/24\0junk,us-east-1,1\n"      /* 4 */
				   "\"192.0.2.0/24\"x,us-east-1,1\n"       /* 5 */
				   "\x01\xff\xfe,\x80,\x7f\n";             /* 6 */
	size_t hl = sizeof(head) - 1, n = hl;
	char *csv = malloc(hl + 20000);

	assert_non_null(csv);
	memcpy(csv, head, hl);
	memset(csv + n, '1', 10000);                               /* 7 */
	n += 10000;
	memcpy(csv + n, "\n10.0.0.0/8,eu-west-1,5", 23);             /* 8 */
	n += 23;
	assert_int_equal(dnsp_latency_parse(csv, n, "l.csv", "server.latency_db", f->arena,
					    &f->rd, &f->errs), DNSP_ECONFIG);
	assert_null(f->rd.latency);
	assert_error(f, "l.csv:3: server.latency_db:", "too many fields");
	assert_error(f, "l.csv:4: server.latency_db: cidr", "not an IPv4 or IPv6 prefix");
	assert_error(f, "l.csv:5: server.latency_db:", "text after a closing quote");
	assert_error(f, "l.csv:6: server.latency_db: cidr", NULL);
	assert_error(f, "l.csv:7: server.latency_db:", "line longer than");
	assert_int_equal(f->errs.n, 5);
	free(csv);
}

static void test_latency_error_flood_is_capped(void **state)
{
	struct fx *f = *state;
	char *csv = malloc(100 * 32), *p = csv;

	assert_non_null(csv);
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "bogus-%d,us-east-1,1\n", i);
	assert_int_equal(dnsp_latency_parse(csv, (size_t)(p - csv), "l.csv", "server.latency_db",
					    f->arena, &f->rd, &f->errs), DNSP_ECONFIG);
	assert_int_equal(f->errs.n, DNSP_GEODB_MAX_ERRORS + 1);
	assert_error(f, "l.csv:100:", "80 more problems");
	free(csv);
}

static void test_latency_empty_file_is_an_empty_table(void **state)
{
	struct fx *f = *state;
	int plen;

	assert_int_equal(dnsp_latency_parse("# nothing\n", 10, "l.csv", "server.latency_db",
					    f->arena, &f->rd, &f->errs), 0);
	assert_non_null(f->rd.latency);
	assert_null(lat_row(f, "10.0.0.1", &plen));
}

static void test_latency_load_missing_file_names_the_config_line(void **state)
{
	struct fx *f = *state;
	struct dnsp_cfg_loc origin = { "dnsplane.yaml", 7 };
	char path[128];

	snprintf(path, sizeof(path), "%s/none.csv", f->dir);
	assert_true(dnsp_latency_load(path, "server.latency_db", &origin, f->arena, &f->rd,
				      &f->errs) < 0);
	assert_error(f, "dnsplane.yaml:7: server.latency_db: cannot read", "No such file");
}

/* ---- GeoLite2-City CSV ---- */

static const char locations_csv[] =
	"geoname_id,locale_code,continent_code,continent_name,country_iso_code,country_name,"
	"subdivision_1_iso_code,subdivision_1_name,subdivision_2_iso_code,subdivision_2_name,"
	"city_name,metro_code,time_zone,is_in_european_union\n"
	"5809844,en,NA,\"North America\",US,\"United States\",WA,Washington,,,Seattle,819,"
	"America/Los_Angeles,0\n"
	"1835848,en,AS,Asia,KR,\"Korea, Republic of\",11,Seoul,,,Seoul,,Asia/Seoul,0\n"
	"2017370,en,AS,Asia,RU,Russia,,,,,,,Europe/Moscow,0\n"
	"6255148,en,EU,Europe,,,,,,,,,,0\r\n";

static const char blocks4_csv[] =
	"network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,"
	"is_anonymous_proxy,is_satellite_provider,postal_code,latitude,longitude,accuracy_radius\n"
	"192.0.2.0/24,5809844,5809844,,0,0,98101,47.6062,-122.3321,20\n"
	"192.0.2.128/25,1835848,1835848,,0,0,,37.5665,126.9780,50\n"
	"198.51.100.0/24,,2017370,,1,0,,,,\n"
	"203.0.113.0/24,6255148,6255148,,0,0,,,,\n";

static const char blocks6_csv[] =
	"network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,"
	"is_anonymous_proxy,is_satellite_provider,postal_code,latitude,longitude,accuracy_radius\n"
	"2001:db8::/32,1835848,1835848,,0,0,,37.5,127.0,100\n";

static void test_geolite_csv_pair_loads_locations_and_nesting(void **state)
{
	struct fx *f = *state;
	int plen;
	int n = dnsp_geodb_parse_csv(locations_csv, sizeof(locations_csv) - 1, "Loc.csv",
				     blocks4_csv, sizeof(blocks4_csv) - 1, "B4.csv", blocks6_csv,
				     sizeof(blocks6_csv) - 1, "B6.csv", "server.geo_db", f->arena,
				     &f->rd, &f->errs);

	assert_int_equal(f->errs.n, 0);
	assert_int_equal(n, 5);
	const struct dnsp_geo_loc *l = geo(f, "192.0.2.5", &plen);
	assert_non_null(l);
	assert_int_equal(plen, 24);
	assert_string_equal(l->continent, "NA");
	assert_string_equal(l->country, "US");
	assert_string_equal(l->subdivision, "WA");
	assert_true(fabs(l->lat - 47.6062) < 1e-9 && fabs(l->lon + 122.3321) < 1e-9);
	/* the more specific /25 wins; quoted "Korea, Republic of" parsed */
	l = geo(f, "192.0.2.200", &plen);
	assert_int_equal(plen, 25);
	assert_string_equal(l->country, "KR");
	assert_string_equal(l->subdivision, "11");
	l = geo(f, "2001:db8:ffff::1", &plen);
	assert_int_equal(plen, 32);
	assert_string_equal(l->country, "KR");
	assert_null(geo(f, "10.0.0.1", &plen));
}

static void test_geolite_csv_registered_country_and_route53_continent(void **state)
{
	struct fx *f = *state;
	int plen;

	assert_true(dnsp_geodb_parse_csv(locations_csv, sizeof(locations_csv) - 1, "Loc.csv",
					 blocks4_csv, sizeof(blocks4_csv) - 1, "B4.csv", NULL, 0,
					 NULL, "server.geo_db", f->arena, &f->rd, &f->errs) > 0);
	/* no geoname_id: registered_country_geoname_id (Russia); Route 53 lists
	 * RU in Europe whatever the database's continent_code says */
	const struct dnsp_geo_loc *l = geo(f, "198.51.100.9", &plen);
	assert_non_null(l);
	assert_string_equal(l->country, "RU");
	assert_string_equal(l->continent, "EU");
	assert_true(isnan(l->lat) && isnan(l->lon));
	/* continent only */
	l = geo(f, "203.0.113.1", &plen);
	assert_string_equal(l->continent, "EU");
	assert_string_equal(l->country, "");
}

static void test_geolite_csv_bad_rows_report_file_and_line(void **state)
{
	struct fx *f = *state;
	static const char blocks[] =
		"network,geoname_id,registered_country_geoname_id,latitude,longitude\n"
		"192.0.2.0/24,5809844,,47.6,-122.3\n"  /* 2 good */
		"192.0.2.0/40,5809844,,47.6,-122.3\n"  /* 3 bad prefix */
		"198.51.100.0/24,999,,,\n"             /* 4 unknown geoname */
		"203.0.113.0/24,5809844,,91,0\n"       /* 5 latitude */
		"203.0.114.0/24,5809844,,45\n"         /* 6 field count */
		"203.0.115.0/24,x1,,,\n";              /* 7 not a number */
	static const char locs[] =
		"geoname_id,continent_code,country_iso_code\n"
		"5809844,NA,US\n"
		"5809844,NA,US\n"  /* 3 twice */
		"17,North,US\n";   /* 4 bad continent */

	assert_int_equal(dnsp_geodb_parse_csv(locs, sizeof(locs) - 1, "L.csv", blocks,
					      sizeof(blocks) - 1, "B.csv", NULL, 0, NULL,
					      "server.geo_db", f->arena, &f->rd, &f->errs),
			 DNSP_ECONFIG);
	assert_null(f->rd.geo);
	assert_error(f, "L.csv:3: server.geo_db:", "listed twice");
	assert_error(f, "L.csv:4: server.geo_db: continent_code", "North");
	assert_error(f, "B.csv:3: server.geo_db: network", "192.0.2.0/40");
	assert_error(f, "B.csv:4: server.geo_db:", "geoname_id 999");
	assert_error(f, "B.csv:5: server.geo_db: latitude", "91");
	assert_error(f, "B.csv:6: server.geo_db:", "expected 5 fields");
	assert_error(f, "B.csv:7: server.geo_db: geoname_id", "x1");
}

static void test_geolite_csv_files_found_beside_the_blocks_file(void **state)
{
	struct fx *f = *state;
	char b4[128], b6[128], loc[128];
	int plen;

	snprintf(b4, sizeof(b4), "%s/GeoLite2-City-Blocks-IPv4.csv", f->dir);
	snprintf(b6, sizeof(b6), "%s/GeoLite2-City-Blocks-IPv6.csv", f->dir);
	snprintf(loc, sizeof(loc), "%s/GeoLite2-City-Locations-en.csv", f->dir);
	write_file(b4, blocks4_csv);
	write_file(b6, blocks6_csv);
	write_file(loc, locations_csv);
	/* geo_db may name either Blocks file */
	assert_int_equal(dnsp_geodb_load(b6, "server.geo_db", NULL, f->arena, &f->rd, &f->errs), 5);
	assert_int_equal(f->errs.n, 0);
	assert_non_null(geo(f, "192.0.2.1", &plen));
	assert_non_null(geo(f, "2001:db8::1", &plen));
	/* without the IPv6 file: IPv4 only */
	unlink(b6);
	memset(&f->rd, 0, sizeof(f->rd));
	assert_int_equal(dnsp_geodb_load(b4, "server.geo_db", NULL, f->arena, &f->rd, &f->errs), 4);
	assert_null(geo(f, "2001:db8::1", &plen));
	/* the Locations file is required */
	unlink(loc);
	struct dnsp_cfg_loc origin = { "c.yaml", 3 };
	assert_true(dnsp_geodb_load(b4, "server.geo_db", &origin, f->arena, &f->rd, &f->errs) < 0);
	assert_error(f, "c.yaml:3: server.geo_db:", "Locations-en.csv");
}

/* ---- MaxMind DB ---- */

/* Both fixture databases, written once for the whole run (one perl start). */
static char mmdb_dir[64];
static bool mmdb_ok;

static int group_setup(void **state)
{
	char cmd[512];

	(void)state;
	strcpy(mmdb_dir, "/tmp/dnsp_mmdb_XXXXXX");
	if (!mkdtemp(mmdb_dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "perl '%s/gen_mmdb.pl' '%s/city6.mmdb' 6 '%s/city4.mmdb' 4",
		 GEO_FIXTURES, mmdb_dir, mmdb_dir);
	mmdb_ok = system(cmd) == 0;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return remove_dir(mmdb_dir);
}

static void gen_mmdb(struct fx *f, const char *name, int version, char *out, size_t cap)
{
	(void)f;
	(void)version;
	if (!mmdb_ok)
		skip(); /* libmaxmind-db-writer-perl missing: scripts/setup installs it */
	snprintf(out, cap, "%s/%s", mmdb_dir, name);
}

static void check_fixture_v4(struct fx *f)
{
	int plen;
	const struct dnsp_geo_loc *l = geo(f, "192.0.2.10", &plen);

	assert_non_null(l);
	assert_int_equal(plen, 24);
	assert_string_equal(l->continent, "NA");
	assert_string_equal(l->country, "US");
	assert_string_equal(l->subdivision, "WA");
	assert_true(fabs(l->lat - 47.61) < 1e-6 && fabs(l->lon + 122.33) < 1e-6);
	l = geo(f, "203.0.113.200", &plen);
	assert_int_equal(plen, 25);
	assert_string_equal(l->country, "GB");
	assert_string_equal(l->subdivision, "ENG");
	l = geo(f, "203.0.113.5", &plen);
	assert_int_equal(plen, 25); /* the /24 is split around the nested /25 */
	assert_string_equal(l->country, "DE");
	/* registered_country when country is absent; continent from Route 53 */
	l = geo(f, "100.64.3.4", &plen);
	assert_string_equal(l->country, "JP");
	assert_string_equal(l->continent, "AS");
	assert_true(isnan(l->lat));
	l = geo(f, "100.65.0.1", &plen);
	assert_string_equal(l->country, "RU");
	assert_string_equal(l->continent, "EU"); /* the file says AS */
	l = geo(f, "233.252.0.9", &plen);
	assert_string_equal(l->continent, "AF");
	assert_string_equal(l->country, "");
	l = geo(f, "198.51.100.1", &plen);
	assert_string_equal(l->country, "US");
	assert_string_equal(l->subdivision, "");
	assert_null(geo(f, "8.8.8.8", &plen));
	assert_int_equal(plen, 0);
}

static void test_mmdb_ipv6_tree_loads_ipv4_subtree_and_ipv6(void **state)
{
	struct fx *f = *state;
	char path[128];
	int plen;

	gen_mmdb(f, "city6.mmdb", 6, path, sizeof(path));
	int n = dnsp_geodb_load(path, "server.geo_db", NULL, f->arena, &f->rd, &f->errs);
	assert_int_equal(f->errs.n, 0);
	assert_true(n >= 13);
	check_fixture_v4(f);
	const struct dnsp_geo_loc *l = geo(f, "2001:db8:1::1", &plen);
	assert_non_null(l);
	assert_int_equal(plen, 48);
	assert_string_equal(l->country, "AU");
	assert_string_equal(l->continent, "OC");
	l = geo(f, "2001:db8:2::1", &plen);
	assert_string_equal(l->country, "FR");
	/* aliases of the IPv4 subtree are not loaded as IPv6 prefixes: IPv4
	 * clients are looked up as IPv4 */
	assert_null(geo(f, "2002:c000:0201::1", &plen));
	assert_null(geo(f, "::ffff:192.0.2.1", &plen));
	/* locations are shared, not one per network */
	assert_true(f->rd.ngeo_locs <= (uint32_t)n);
}

static void test_mmdb_ipv4_tree_loads(void **state)
{
	struct fx *f = *state;
	char path[128];
	int plen;

	gen_mmdb(f, "city4.mmdb", 4, path, sizeof(path));
	assert_true(dnsp_geodb_load(path, "server.geo_db", NULL, f->arena, &f->rd, &f->errs) > 0);
	assert_int_equal(f->errs.n, 0);
	check_fixture_v4(f);
	assert_null(geo(f, "2001:db8::1", &plen));
}

static void test_mmdb_bad_file_is_reported_at_the_config_line(void **state)
{
	struct fx *f = *state;
	struct dnsp_cfg_loc origin = { "c.yaml", 4 };
	char path[128];

	snprintf(path, sizeof(path), "%s/junk.mmdb", f->dir);
	write_file(path, "this is not a MaxMind DB\n");
	assert_true(dnsp_geodb_load(path, "server.geo_db", &origin, f->arena, &f->rd, &f->errs) < 0);
	assert_error(f, "c.yaml:4: server.geo_db: cannot open", "MaxMind DB");
	snprintf(path, sizeof(path), "%s/none.mmdb", f->dir);
	assert_true(dnsp_geodb_load(path, "server.geo_db", &origin, f->arena, &f->rd, &f->errs) < 0);
	assert_error(f, "c.yaml:4: server.geo_db:", "none.mmdb");
	assert_null(f->rd.geo);
}

/* Bad input never exhausts memory (SPEC §3): a MaxMind file larger than
 * the cap every file read has (DNSP_FILE_MAX; here a sparse file, so the
 * test costs no disk) is refused before it is copied, at the config line. */
static void test_mmdb_over_the_size_cap_is_refused_before_the_copy(void **state)
{
	struct fx *f = *state;
	struct dnsp_cfg_loc origin = { "c.yaml", 4 };
	char path[128];

	snprintf(path, sizeof(path), "%s/huge.mmdb", f->dir);
	write_file(path, "x");
	assert_int_equal(truncate(path, (off_t)DNSP_FILE_MAX + 4096), 0);
	assert_int_equal(dnsp_geodb_load(path, "server.geo_db", &origin, f->arena, &f->rd,
					 &f->errs), -EFBIG);
	assert_error(f, "c.yaml:4: server.geo_db: cannot read", "larger than the limit");
	assert_null(f->rd.geo);
	unlink(path);
}

/* ---- files changing under the loader ---- */

/* A file of n bytes ("0123456789" repeated) at path; returns an fd open
 * for reading. */
static int pattern_file(const char *path, size_t n)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	for (size_t i = 0; i < n; i++)
		fputc('0' + (int)(i % 10), fp);
	assert_int_equal(fclose(fp), 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* SPEC §3 "Contract details" (geo_db, latency_db are read whole when a
 * snapshot compiles): a file that is shorter than its fstat size said (an
 * operator truncated it in place, ": > file", while it loaded) is read as
 * what it holds, never SIGBUS, and the loader then sees the size change.
 * Reading a mapping of it past the new end raised SIGBUS and killed the
 * daemon; the stat given to the reader claims three pages more, standing
 * for the truncation between fstat and the read. */
static void test_reading_a_file_shorter_than_its_size_is_an_error_not_sigbus(void **state)
{
	struct fx *f = *state;
	char path[128];
	long page = sysconf(_SC_PAGESIZE);
	char *text = NULL;
	size_t len = 99;
	struct stat st;

	snprintf(path, sizeof(path), "%s/shrunk.csv", f->dir);
	int fd = pattern_file(path, 100);
	assert_int_equal(fstat(fd, &st), 0);
	st.st_size = page * 3;
	assert_int_equal(dnsp_file_read_fd(fd, &st, DNSP_FILE_MAX, &text, &len), 0);
	assert_int_equal(len, 100); /* what is there, and nothing more */
	assert_int_equal(text[0], '0');
	assert_int_equal(text[99], '9');
	assert_int_equal(text[100], 0);
	free(text);
	/* an empty file is an empty text */
	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(dnsp_file_read_fd(fd, &st, DNSP_FILE_MAX, &text, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);
	close(fd);
}

/* SPEC §3 "Contract details" (geo_db as a MaxMind DB): libmaxminddb maps
 * a sealed copy, so truncating the operator's file after the copy leaves
 * every page of the mapping readable (a mapping of the file itself raised
 * SIGBUS), and the copy cannot be shrunk either. A source shorter than its
 * size is DNSP_ETRUNC. */
static void test_mmdb_copy_outlives_truncation_of_the_file(void **state)
{
	struct fx *f = *state;
	char path[128];
	long page = sysconf(_SC_PAGESIZE);
	size_t n = (size_t)page * 3 + 17;

	snprintf(path, sizeof(path), "%s/db.mmdb", f->dir);
	int fd = pattern_file(path, n);
	int copy = dnsp_geodb_copy_to_memfd(fd, n);
	assert_true(copy >= 0);
	assert_int_equal(truncate(path, 0), 0); /* ": > db.mmdb" */
	const char *p = mmap(NULL, n, PROT_READ, MAP_SHARED, copy, 0);
	assert_true(p != MAP_FAILED);
	for (size_t i = 0; i < n; i += (size_t)page)
		assert_int_equal(p[i], '0' + (int)(i % 10));
	assert_int_equal(p[n - 1], '0' + (int)((n - 1) % 10));
	assert_int_equal(munmap((void *)p, n), 0);
	assert_int_equal(ftruncate(copy, 0), -1);
	assert_int_equal(errno, EPERM);
	close(copy);
	/* the file is empty now: copying the old size is refused cleanly */
	assert_int_equal(dnsp_geodb_copy_to_memfd(fd, n), DNSP_ETRUNC);
	close(fd);
}

/* Bad input gets a clear error: a directory or a FIFO named as a database
 * is "not a regular file" at the config line, and the FIFO does not block
 * the load waiting for a writer. */
static void test_database_that_is_not_a_regular_file_is_reported(void **state)
{
	struct fx *f = *state;
	struct dnsp_cfg_loc origin = { "c.yaml", 5 };
	char path[128];

	snprintf(path, sizeof(path), "%s/pipe.mmdb", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_true(dnsp_geodb_load(path, "server.geo_db", &origin, f->arena, &f->rd,
				    &f->errs) < 0);
	assert_error(f, "c.yaml:5: server.geo_db: cannot read", "not a regular file");
	assert_true(dnsp_geodb_load_mmdb(f->dir, "server.geo_db", &origin, f->arena, &f->rd,
					 &f->errs) < 0);
	assert_error(f, "c.yaml:5: server.geo_db: cannot read", "not a regular file");
	assert_true(dnsp_latency_load(path, "server.latency_db", &origin, f->arena, &f->rd,
				      &f->errs) < 0);
	assert_error(f, "c.yaml:5: server.latency_db: cannot read", "not a regular file");
	assert_null(f->rd.geo);
	assert_null(f->rd.latency);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_latency_comments_header_and_blank_lines_are_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_longest_prefix_wins_whole_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_bad_lines_report_file_line_and_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_bad_header_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_hostile_lines_are_reported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_latency_error_flood_is_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_empty_file_is_an_empty_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_load_missing_file_names_the_config_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geolite_csv_pair_loads_locations_and_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geolite_csv_registered_country_and_route53_continent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geolite_csv_bad_rows_report_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geolite_csv_files_found_beside_the_blocks_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmdb_ipv6_tree_loads_ipv4_subtree_and_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmdb_ipv4_tree_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmdb_bad_file_is_reported_at_the_config_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmdb_over_the_size_cap_is_refused_before_the_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reading_a_file_shorter_than_its_size_is_an_error_not_sigbus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmdb_copy_outlives_truncation_of_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_database_that_is_not_a_regular_file_is_reported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
