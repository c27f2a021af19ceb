/*
 * Tests of lib/regions.c: the built-in AWS Region and Local Zone group
 * tables, Route 53's country → continent lists and the great-circle
 * distance (haversine, mean Earth radius 6371 km) that geoproximity and the
 * latency fallback compare.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include "lib/route_data.h"

/* Reference distances between city centres (published great-circle /
 * geodesic figures); the spherical model must be within 1 %. */
static void assert_within_1pct(double got, double want)
{
	double err = fabs(got - want) / want;

	if (err > 0.01)
		fail_msg("distance %.1f km, expected %.1f km (error %.2f %%)", got, want, err * 100);
}

static void test_distance_known_city_pairs_within_1pct(void **state)
{
	(void)state;
	/* London - Paris */
	assert_within_1pct(dnsp_geo_distance_km(51.5074, -0.1278, 48.8566, 2.3522), 343.5);
	/* New York - Los Angeles */
	assert_within_1pct(dnsp_geo_distance_km(40.7128, -74.0060, 34.0522, -118.2437), 3944.0);
	/* Sydney - Tokyo */
	assert_within_1pct(dnsp_geo_distance_km(-33.8688, 151.2093, 35.6762, 139.6503), 7823.0);
	/* Singapore - Sydney */
	assert_within_1pct(dnsp_geo_distance_km(1.3521, 103.8198, -33.8688, 151.2093), 6288.0);
}

static void test_distance_is_symmetric_and_zero_on_same_point(void **state)
{
	(void)state;
	double a = dnsp_geo_distance_km(47.61, -122.33, -23.55, -46.63);
	double b = dnsp_geo_distance_km(-23.55, -46.63, 47.61, -122.33);

	assert_true(fabs(a - b) < 1e-9);
	assert_true(dnsp_geo_distance_km(10.5, 20.25, 10.5, 20.25) < 1e-9);
}

static void test_distance_antipodes_is_half_circumference(void **state)
{
	(void)state;
	double half = M_PI * DNSP_EARTH_RADIUS_KM;

	assert_true(fabs(dnsp_geo_distance_km(0, 0, 0, 180) - half) < 1e-6);
	assert_true(fabs(dnsp_geo_distance_km(90, 0, -90, 0) - half) < 1e-6);
	/* crossing the antimeridian takes the short way */
	assert_true(dnsp_geo_distance_km(0, 179.5, 0, -179.5) < 112.0);
}

static void test_region_index_finds_every_partition(void **state)
{
	static const char *const codes[] = {
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1",
		"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
		"ap-southeast-4", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1",
		"eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1",
		"me-south-1", "me-central-1", "mx-central-1", "sa-east-1", "us-gov-east-1",
		"us-gov-west-1", "cn-north-1", "cn-northwest-1",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int idx = dnsp_region_index(codes[i]);
		if (idx < 0)
			fail_msg("Region %s missing", codes[i]);
		assert_string_equal(dnsp_regions[idx].code, codes[i]);
	}
}

static void test_region_index_rejects_unknown_codes(void **state)
{
	(void)state;
	assert_int_equal(dnsp_region_index("us-east-9"), -1);
	assert_int_equal(dnsp_region_index("US-EAST-1"), -1);
	assert_int_equal(dnsp_region_index(""), -1);
	assert_int_equal(dnsp_region_index(NULL), -1);
	/* a Local Zone group is not a Region */
	assert_int_equal(dnsp_region_index("us-west-2-lax-1"), -1);
}

static void test_region_table_is_unique_and_in_range(void **state)
{
	(void)state;
	assert_true(dnsp_nregions <= DNSP_NREGIONS_MAX);
	for (uint32_t i = 0; i < dnsp_nregions; i++) {
		assert_true(dnsp_regions[i].lat >= -90 && dnsp_regions[i].lat <= 90);
		assert_true(dnsp_regions[i].lon >= -180 && dnsp_regions[i].lon <= 180);
		assert_int_equal(dnsp_region_index(dnsp_regions[i].code), (int)i);
	}
}

/* The coordinates are where the Region is: each is within 200 km of the
 * city AWS names it after. */
static void test_region_coordinates_match_their_cities(void **state)
{
	static const struct {
		const char *code;
		double lat, lon;
	} city[] = {
		{ "eu-west-2", 51.5074, -0.1278 },      /* London */
		{ "eu-central-1", 50.1109, 8.6821 },    /* Frankfurt */
		{ "ap-northeast-1", 35.6762, 139.6503 },/* Tokyo */
		{ "sa-east-1", -23.5505, -46.6333 },    /* Sao Paulo */
		{ "af-south-1", -33.9249, 18.4241 },    /* Cape Town */
		{ "us-east-1", 38.9072, -77.0369 },     /* Washington DC area */
		{ "il-central-1", 32.0853, 34.7818 },   /* Tel Aviv */
		{ "mx-central-1", 20.5888, -100.3899 }, /* Queretaro */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(city) / sizeof(city[0]); i++) {
		const struct dnsp_region *r = &dnsp_regions[dnsp_region_index(city[i].code)];
		double d = dnsp_geo_distance_km(r->lat, r->lon, city[i].lat, city[i].lon);
		if (d > 200)
			fail_msg("%s is %.0f km from its city", city[i].code, d);
	}
}

static void test_local_zone_group_coords_known_and_unknown(void **state)
{
	double lat = 0, lon = 0;
	(void)state;
	assert_int_equal(dnsp_local_zone_group_coords("us-west-2-lax-1", &lat, &lon), 0);
	/* Los Angeles */
	assert_true(dnsp_geo_distance_km(lat, lon, 34.0522, -118.2437) < 50);
	assert_int_equal(dnsp_local_zone_group_coords("us-east-1-bos-1", &lat, &lon), 0);
	assert_true(dnsp_geo_distance_km(lat, lon, 42.3601, -71.0589) < 50);
	assert_int_equal(dnsp_local_zone_group_coords("us-west-2-lax-1a", &lat, &lon), -ENOENT);
	assert_int_equal(dnsp_local_zone_group_coords("us-east-1", &lat, &lon), -ENOENT);
	assert_int_equal(dnsp_local_zone_group_coords(NULL, &lat, &lon), -ENOENT);
}

static void test_local_zone_groups_belong_to_their_region(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < dnsp_nlocal_zone_groups; i++) {
		const struct dnsp_local_zone_group *g = &dnsp_local_zone_groups[i];
		assert_true(dnsp_region_index(g->region) >= 0);
		/* the group code starts with its Region code and a dash */
		assert_int_equal(strncmp(g->code, g->region, strlen(g->region)), 0);
		assert_int_equal(g->code[strlen(g->region)], '-');
		for (uint32_t j = 0; j < i; j++)
			assert_string_not_equal(g->code, dnsp_local_zone_groups[j].code);
	}
}

/* DG resource-record-sets-values-geo lists. */
static void test_country_continent_follows_route53_lists(void **state)
{
	(void)state;
	assert_string_equal(dnsp_country_continent("US"), "NA");
	assert_string_equal(dnsp_country_continent("DE"), "EU");
	assert_string_equal(dnsp_country_continent("RU"), "EU");
	assert_string_equal(dnsp_country_continent("TR"), "AS");
	assert_string_equal(dnsp_country_continent("AS"), "OC"); /* American Samoa */
	assert_string_equal(dnsp_country_continent("EG"), "AF");
	assert_string_equal(dnsp_country_continent("AQ"), "AN");
	assert_string_equal(dnsp_country_continent("BR"), "SA");
	assert_string_equal(dnsp_country_continent("XK"), "EU");
	assert_string_equal(dnsp_country_continent("UA"), "EU");
}

static void test_country_continent_unlisted_countries_have_none(void **state)
{
	(void)state;
	/* "Route 53 doesn't support ... BV, CX, EH, HM" */
	assert_null(dnsp_country_continent("BV"));
	assert_null(dnsp_country_continent("CX"));
	assert_null(dnsp_country_continent("EH"));
	assert_null(dnsp_country_continent("HM"));
	assert_null(dnsp_country_continent("us"));
	assert_null(dnsp_country_continent("USA"));
	assert_null(dnsp_country_continent(""));
	assert_null(dnsp_country_continent(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance_known_city_pairs_within_1pct),
		cmocka_unit_test(test_distance_is_symmetric_and_zero_on_same_point),
		cmocka_unit_test(test_distance_antipodes_is_half_circumference),
		cmocka_unit_test(test_region_index_finds_every_partition),
		cmocka_unit_test(test_region_index_rejects_unknown_codes),
		cmocka_unit_test(test_region_table_is_unique_and_in_range),
		cmocka_unit_test(test_region_coordinates_match_their_cities),
		cmocka_unit_test(test_local_zone_group_coords_known_and_unknown),
		cmocka_unit_test(test_local_zone_groups_belong_to_their_region),
		cmocka_unit_test(test_country_continent_follows_route53_lists),
		cmocka_unit_test(test_country_continent_unlisted_countries_have_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
