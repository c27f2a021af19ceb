/*
 * Unit tests for ctrl/rrjson.c: the Route 53 ResourceRecordSet JSON shape
 * (SEMANTICS §16) round-trips through struct dnsp_cfg_rrset field by field,
 * and malformed sets are refused with messages that name the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctrl/rrjson.h"

#define PATH "ChangeBatch.Changes[0].ResourceRecordSet"

static json_t *parse_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

/* JSON → rrset → JSON gives back the same object. */
static void round_trip(const char *text)
{
	json_t *in = parse_json(text);
	struct dnsp_cfg_rrset rs;
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	int rc = dnsp_rrjson_to_rrset(in, PATH, "test", 1, &rs, &errs);
	if (rc != 0)
		fail_msg("rejected %s: %s", text, errs.n ? errs.msgs[0] : "?");
	json_t *out = dnsp_rrjson_from_rrset(&rs);
	assert_non_null(out);
	if (!json_equal(in, out)) {
		char *s = json_dumps(out, JSON_COMPACT);
		fail_msg("round trip changed\n  in:  %s\n  out: %s", text, s);
	}
	/* and the model survives a copy unchanged (what change batches do) */
	struct dnsp_cfg_rrset cp;
	assert_int_equal(dnsp_cfg_rrset_copy(&cp, &rs), 0);
	json_t *out2 = dnsp_rrjson_from_rrset(&cp);
	assert_true(json_equal(out, out2));
	json_decref(out2);
	dnsp_cfg_rrset_fini(&cp);
	json_decref(out);
	json_decref(in);
	dnsp_cfg_rrset_fini(&rs);
	dnsp_errlist_fini(&errs);
}

/* Parses text expecting a refusal whose messages contain want. */
static void rejected(const char *text, const char *want)
{
	json_t *in = parse_json(text);
	struct dnsp_cfg_rrset rs;
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	int rc = dnsp_rrjson_to_rrset(in, PATH, "test", 1, &rs, &errs);
	if (rc == 0)
		fail_msg("accepted %s", text);
	assert_int_equal(rc, DNSP_ESYNTAX);
	bool found = false;
	for (size_t i = 0; i < errs.n; i++)
		found |= strstr(errs.msgs[i], want) != NULL;
	if (!found)
		fail_msg("no message contains \"%s\" for %s (first: %s)", want, text,
			 errs.n ? errs.msgs[0] : "none");
	/* a refused set is left empty */
	assert_null(rs.name);
	assert_null(rs.values);
	json_decref(in);
	dnsp_errlist_fini(&errs);
}

/* ---- round trips (one per member of ResourceRecordSet) ---- */

static void simple_set_with_ttl_and_values_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"www.example.com.\",\"Type\":\"A\",\"TTL\":300,"
		   "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"},{\"Value\":\"192.0.2.2\"}]}");
	round_trip("{\"Name\":\"example.com.\",\"Type\":\"TXT\",\"TTL\":0,"
		   "\"ResourceRecords\":[{\"Value\":\"\\\"hello world\\\"\"}]}");
	round_trip("{\"Name\":\"example.com.\",\"Type\":\"MX\",\"TTL\":2147483647,"
		   "\"ResourceRecords\":[{\"Value\":\"10 mail.example.com.\"}]}");
}

static void weighted_set_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"w.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"one\","
		   "\"Weight\":0,\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],"
		   "\"HealthCheckId\":\"hc-web-1\"}");
	round_trip("{\"Name\":\"w.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"two\","
		   "\"Weight\":255,\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.2\"}]}");
}

static void latency_set_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"l.example.com.\",\"Type\":\"AAAA\",\"SetIdentifier\":\"use1\","
		   "\"Region\":\"us-east-1\",\"TTL\":60,"
		   "\"ResourceRecords\":[{\"Value\":\"2001:db8::1\"}]}");
}

static void geolocation_set_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"g.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"eu\","
		   "\"GeoLocation\":{\"ContinentCode\":\"EU\"},\"TTL\":60,"
		   "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}");
	round_trip("{\"Name\":\"g.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"us-wa\","
		   "\"GeoLocation\":{\"CountryCode\":\"US\",\"SubdivisionCode\":\"WA\"},\"TTL\":60,"
		   "\"ResourceRecords\":[{\"Value\":\"192.0.2.2\"}]}");
	round_trip("{\"Name\":\"g.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"default\","
		   "\"GeoLocation\":{\"CountryCode\":\"*\"},\"TTL\":60,"
		   "\"ResourceRecords\":[{\"Value\":\"192.0.2.3\"}]}");
}

static void failover_set_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"f.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"p\","
		   "\"Failover\":\"PRIMARY\",\"TTL\":60,"
		   "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"HealthCheckId\":\"hc-1\"}");
	round_trip("{\"Name\":\"f.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"s\","
		   "\"Failover\":\"SECONDARY\",\"TTL\":60,"
		   "\"ResourceRecords\":[{\"Value\":\"192.0.2.2\"}]}");
}

static void multivalue_set_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"m.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"m1\","
		   "\"MultiValueAnswer\":true,\"TTL\":60,"
		   "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}");
}

static void geoproximity_set_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"p.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"r\","
		   "\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],"
		   "\"GeoProximityLocation\":{\"AWSRegion\":\"us-west-2\",\"Bias\":-99}}");
	round_trip("{\"Name\":\"p.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"z\","
		   "\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.2\"}],"
		   "\"GeoProximityLocation\":{\"LocalZoneGroup\":\"us-west-2-lax-1\",\"Bias\":99}}");
	round_trip("{\"Name\":\"p.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"c\","
		   "\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.3\"}],"
		   "\"GeoProximityLocation\":{\"Coordinates\":{\"Latitude\":\"49.22\","
		   "\"Longitude\":\"-74.01\"},\"Bias\":0}}");
}

static void cidr_routing_set_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"i.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"office\","
		   "\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],"
		   "\"CidrRoutingConfig\":{\"CollectionId\":\"cc-corp\",\"LocationName\":\"office\"}}");
	round_trip("{\"Name\":\"i.example.com.\",\"Type\":\"A\",\"SetIdentifier\":\"default\","
		   "\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.2\"}],"
		   "\"CidrRoutingConfig\":{\"CollectionId\":\"cc-corp\",\"LocationName\":\"*\"}}");
}

static void alias_set_round_trips(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"example.com.\",\"Type\":\"A\",\"AliasTarget\":{\"HostedZoneId\":"
		   "\"Z1PUBLIC\",\"DNSName\":\"www.example.com.\",\"EvaluateTargetHealth\":true}}");
	round_trip("{\"Name\":\"a.example.com.\",\"Type\":\"AAAA\",\"SetIdentifier\":\"x\","
		   "\"Weight\":10,\"AliasTarget\":{\"HostedZoneId\":\"Z1PUBLIC\",\"DNSName\":"
		   "\"www.example.com.\",\"EvaluateTargetHealth\":false}}");
}

/* Route 53 lists "*" as "\052" and accepts either (SEMANTICS §16). */
static void wildcard_name_is_listed_as_octal_escape(void **state)
{
	(void)state;
	round_trip("{\"Name\":\"\\\\052.apps.example.com.\",\"Type\":\"A\",\"TTL\":60,"
		   "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}");
	json_t *in = parse_json("{\"Name\":\"*.apps.example.com\",\"Type\":\"A\",\"TTL\":60,"
				"\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}");
	struct dnsp_cfg_rrset rs;
	assert_int_equal(dnsp_rrjson_to_rrset(in, PATH, "test", 1, &rs, NULL), 0);
	assert_string_equal(rs.name, "*.apps.example.com.");
	json_t *out = dnsp_rrjson_from_rrset(&rs);
	assert_string_equal(json_string_value(json_object_get(out, "Name")),
			    "\\052.apps.example.com.");
	json_decref(out);
	json_decref(in);
	dnsp_cfg_rrset_fini(&rs);
}

/* "trailing dot optional" (SEMANTICS §16): the model always has it. */
static void name_gets_its_trailing_dot(void **state)
{
	(void)state;
	json_t *in = parse_json("{\"Name\":\"WWW.Example.com\",\"Type\":\"a\",\"TTL\":60,"
				"\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}");
	struct dnsp_cfg_rrset rs;
	assert_int_equal(dnsp_rrjson_to_rrset(in, PATH, "f", 7, &rs, NULL), 0);
	assert_string_equal(rs.name, "WWW.Example.com.");
	assert_int_equal(rs.type, 1);
	assert_int_equal(rs.policy, DNSP_POLICY_SIMPLE);
	assert_string_equal(rs.loc.file, "f");
	assert_int_equal(rs.loc.line, 7);
	json_decref(in);
	dnsp_cfg_rrset_fini(&rs);
}

static void policy_is_derived_from_the_routing_field(void **state)
{
	(void)state;
	static const struct { const char *field; enum dnsp_cfg_policy p; } cases[] = {
		{ "\"Weight\":1", DNSP_POLICY_WEIGHTED },
		{ "\"Region\":\"eu-west-1\"", DNSP_POLICY_LATENCY },
		{ "\"Failover\":\"PRIMARY\"", DNSP_POLICY_FAILOVER },
		{ "\"GeoLocation\":{\"ContinentCode\":\"AF\"}", DNSP_POLICY_GEOLOCATION },
		{ "\"MultiValueAnswer\":true", DNSP_POLICY_MULTIVALUE },
		{ "\"GeoProximityLocation\":{\"AWSRegion\":\"us-east-1\"}", DNSP_POLICY_GEOPROXIMITY },
		{ "\"CidrRoutingConfig\":{\"CollectionId\":\"c\",\"LocationName\":\"l\"}",
		  DNSP_POLICY_IPBASED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), "{\"Name\":\"x.example.com\",\"Type\":\"A\","
			 "\"SetIdentifier\":\"s\",%s,\"TTL\":1,\"ResourceRecords\":[{\"Value\":"
			 "\"192.0.2.1\"}]}", cases[i].field);
		json_t *in = parse_json(text);
		struct dnsp_cfg_rrset rs;
		assert_int_equal(dnsp_rrjson_to_rrset(in, PATH, "t", 1, &rs, NULL), 0);
		assert_int_equal(rs.policy, cases[i].p);
		json_decref(in);
		dnsp_cfg_rrset_fini(&rs);
	}
}

/* ---- refusals ---- */

/* API Weight: 0..255 */
static void weight_256_is_refused(void **state)
{
	(void)state;
	rejected("{\"Name\":\"w.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"Weight\":256,"
		 "\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 "Invalid range for parameter " PATH ".Weight, value: 256, valid range: 0-255");
	rejected("{\"Name\":\"w.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"Weight\":-1,"
		 "\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 PATH ".Weight, value: -1");
}

/* API GeoProximityLocation.Bias: -99..99 */
static void bias_100_is_refused(void **state)
{
	(void)state;
	rejected("{\"Name\":\"p.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"GeoProximityLocation\":"
		 "{\"AWSRegion\":\"us-east-1\",\"Bias\":100}}",
		 "Invalid range for parameter " PATH
		 ".GeoProximityLocation.Bias, value: 100, valid range: -99-99");
	rejected("{\"Name\":\"p.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"GeoProximityLocation\":"
		 "{\"AWSRegion\":\"us-east-1\",\"Bias\":-100}}",
		 ".Bias, value: -100");
}

static void unknown_field_is_refused(void **state)
{
	(void)state;
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"TTL\":60,\"Ttl\":5,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 "Unknown parameter in " PATH ": \"Ttl\", must be one of: Name, Type,");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\",\"Weight\":1}]}",
		 "Unknown parameter in " PATH ".ResourceRecords[0]: \"Weight\"");
	rejected("{\"Name\":\"g.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"GeoLocation\":"
		 "{\"Continent\":\"EU\"}}",
		 "Unknown parameter in " PATH ".GeoLocation: \"Continent\"");
}

static void wrong_json_types_are_refused(void **state)
{
	(void)state;
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"TTL\":\"60\","
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 "Invalid type for parameter " PATH ".TTL, value: \"60\", type: string, valid "
		 "types: integer");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"TTL\":60,"
		 "\"ResourceRecords\":{\"Value\":\"192.0.2.1\"}}",
		 PATH ".ResourceRecords, value: {\"Value\":\"192.0.2.1\"}, type: object");
	rejected("{\"Name\":\"m.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\","
		 "\"MultiValueAnswer\":\"yes\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 ".MultiValueAnswer, value: \"yes\", type: string, valid types: boolean");
	rejected("[1,2]", "Invalid type for parameter " PATH);
}

static void missing_required_fields_are_refused(void **state)
{
	(void)state;
	rejected("{\"Type\":\"A\",\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 "Missing required parameter in " PATH ": \"Name\"");
	rejected("{\"Name\":\"x.example.com\",\"TTL\":60,\"ResourceRecords\":[{\"Value\":\"1.2.3.4\"}]}",
		 "Missing required parameter in " PATH ": \"Type\"");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"ResourceRecords\":[{\"Value\":\"1.2.3.4\"}]}",
		 "Missing required parameter in " PATH ": \"TTL\"");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\"}", "but found none in record with "
		 "DNSName x.example.com and Type A");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"AliasTarget\":{\"HostedZoneId\":\"Z\","
		 "\"DNSName\":\"y.example.com\"}}",
		 "Missing required parameter in " PATH ".AliasTarget: \"EvaluateTargetHealth\"");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"TTL\":1,\"ResourceRecords\":[]}",
		 "Invalid length for parameter " PATH ".ResourceRecords, value: 0");
}

/* Route 53 Type enum (SEMANTICS §16). */
static void unknown_type_is_refused(void **state)
{
	(void)state;
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"FOO\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"1\"}]}",
		 "Invalid value for parameter " PATH ".Type, value: \"FOO\", valid values: SOA, A,");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"DNSKEY\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"1\"}]}",
		 ".Type, value: \"DNSKEY\"");
}

/* A set has at most one routing policy and a SetIdentifier exactly when it
 * has one. */
static void routing_fields_must_agree_with_set_identifier(void **state)
{
	(void)state;
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"Weight\":1,"
		 "\"Region\":\"us-east-1\",\"TTL\":1,\"ResourceRecords\":[{\"Value\":\"1.2.3.4\"}]}",
		 "but found more than one in record with DNSName x.example.com and Type A");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":1,"
		 "\"ResourceRecords\":[{\"Value\":\"1.2.3.4\"}]}",
		 "but found none in record with DNSName x.example.com and Type A");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"Weight\":1,\"TTL\":1,"
		 "\"ResourceRecords\":[{\"Value\":\"1.2.3.4\"}]}",
		 "Missing required parameter in " PATH ": \"SetIdentifier\"");
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\","
		 "\"Failover\":\"TERTIARY\",\"TTL\":1,\"ResourceRecords\":[{\"Value\":\"1.2.3.4\"}]}",
		 "valid values: PRIMARY, SECONDARY");
}

/* SEMANTICS §9: the API says to omit TTL and ResourceRecords for alias sets. */
static void alias_with_ttl_or_records_is_refused(void **state)
{
	(void)state;
	rejected("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"TTL\":60,\"AliasTarget\":"
		 "{\"HostedZoneId\":\"Z\",\"DNSName\":\"y.example.com\",\"EvaluateTargetHealth\":false}}",
		 "but found more than one in record with DNSName x.example.com");
}

static void geolocation_codes_are_checked(void **state)
{
	(void)state;
	rejected("{\"Name\":\"g.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"GeoLocation\":"
		 "{\"ContinentCode\":\"EU\",\"CountryCode\":\"DE\"}}",
		 "ContinentCode cannot be given with CountryCode");
	rejected("{\"Name\":\"g.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"GeoLocation\":"
		 "{\"ContinentCode\":\"XX\"}}",
		 "valid values: AF, AN, AS, EU, OC, NA, SA");
	rejected("{\"Name\":\"g.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"GeoLocation\":"
		 "{\"SubdivisionCode\":\"WA\"}}",
		 "SubdivisionCode needs CountryCode");
}

static void geoproximity_location_is_checked(void **state)
{
	(void)state;
	rejected("{\"Name\":\"p.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"GeoProximityLocation\":"
		 "{\"Coordinates\":{\"Latitude\":\"91\",\"Longitude\":\"0\"}}}",
		 ".Coordinates.Latitude, value: 91");
	rejected("{\"Name\":\"p.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}],\"GeoProximityLocation\":"
		 "{\"AWSRegion\":\"us-east-1\",\"LocalZoneGroup\":\"x\"}}",
		 "exactly one of AWSRegion, LocalZoneGroup or Coordinates is required, found 2");
}

static void bad_names_are_refused(void **state)
{
	(void)state;
	rejected("{\"Name\":\"a..example.com\",\"Type\":\"A\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 "not a valid domain name");
	/* "*" only as the whole leftmost label (SEMANTICS §16) */
	rejected("{\"Name\":\"a.*.example.com\",\"Type\":\"A\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 "only as the whole leftmost label");
	rejected("{\"Name\":\"*x.example.com\",\"Type\":\"A\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}",
		 "only as the whole leftmost label");
	/* no "*" for NS */
	rejected("{\"Name\":\"*.example.com\",\"Type\":\"NS\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"ns.example.com.\"}]}",
		 "wildcard name");
}

/* SEMANTICS §16: >1 value allowed except CNAME/SOA. */
static void cname_with_two_values_is_refused(void **state)
{
	(void)state;
	rejected("{\"Name\":\"c.example.com\",\"Type\":\"CNAME\",\"TTL\":60,"
		 "\"ResourceRecords\":[{\"Value\":\"a.example.com.\"},{\"Value\":\"b.example.com.\"}]}",
		 "holds exactly one value, found 2");
}

/* Every problem is reported, not just the first. */
static void every_problem_is_reported(void **state)
{
	(void)state;
	json_t *in = parse_json("{\"Name\":\"x.example.com\",\"Type\":\"A\",\"SetIdentifier\":\"a\","
				"\"Weight\":300,\"TTL\":-5,\"Foo\":1,"
				"\"ResourceRecords\":[{\"Value\":\"192.0.2.1\"}]}");
	struct dnsp_cfg_rrset rs;
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	assert_int_equal(dnsp_rrjson_to_rrset(in, PATH, "t", 1, &rs, &errs), DNSP_ESYNTAX);
	assert_int_equal(errs.n, 3);
	json_decref(in);
	dnsp_errlist_fini(&errs);
}

/* The AWS error body; InvalidChangeBatch lists messages as "[a, b]". */
static void aws_error_shapes(void **state)
{
	(void)state;
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	dnsp_errlist_add_plain(&errs, "first %d", 1);
	dnsp_errlist_add_plain(&errs, "second");
	json_t *e = dnsp_aws_error_list("Sender", "InvalidChangeBatch", &errs, true, "x");
	json_t *err = json_object_get(e, "Error");
	assert_string_equal(json_string_value(json_object_get(err, "Type")), "Sender");
	assert_string_equal(json_string_value(json_object_get(err, "Code")), "InvalidChangeBatch");
	assert_string_equal(json_string_value(json_object_get(err, "Message")),
			    "[first 1, second]");
	assert_int_equal(json_array_size(json_object_get(err, "Messages")), 2);
	json_decref(e);
	e = dnsp_aws_error_list("Sender", "InvalidInput", &errs, false, "x");
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "Error"),
							      "Message")), "first 1\nsecond");
	json_decref(e);
	dnsp_errlist_fini(&errs);
	e = dnsp_aws_error_list("Receiver", "InternalFailure", &errs, true, "fallback");
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "Error"),
							      "Message")), "fallback");
	json_decref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(simple_set_with_ttl_and_values_round_trips),
		cmocka_unit_test(weighted_set_round_trips),
		cmocka_unit_test(latency_set_round_trips),
		cmocka_unit_test(geolocation_set_round_trips),
		cmocka_unit_test(failover_set_round_trips),
		cmocka_unit_test(multivalue_set_round_trips),
		cmocka_unit_test(geoproximity_set_round_trips),
		cmocka_unit_test(cidr_routing_set_round_trips),
		cmocka_unit_test(alias_set_round_trips),
		cmocka_unit_test(wildcard_name_is_listed_as_octal_escape),
		cmocka_unit_test(name_gets_its_trailing_dot),
		cmocka_unit_test(policy_is_derived_from_the_routing_field),
		cmocka_unit_test(weight_256_is_refused),
		cmocka_unit_test(bias_100_is_refused),
		cmocka_unit_test(unknown_field_is_refused),
		cmocka_unit_test(wrong_json_types_are_refused),
		cmocka_unit_test(missing_required_fields_are_refused),
		cmocka_unit_test(unknown_type_is_refused),
		cmocka_unit_test(routing_fields_must_agree_with_set_identifier),
		cmocka_unit_test(alias_with_ttl_or_records_is_refused),
		cmocka_unit_test(geolocation_codes_are_checked),
		cmocka_unit_test(geoproximity_location_is_checked),
		cmocka_unit_test(bad_names_are_refused),
		cmocka_unit_test(cname_with_two_values_is_refused),
		cmocka_unit_test(every_problem_is_reported),
		cmocka_unit_test(aws_error_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
