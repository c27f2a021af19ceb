/*
 * Unit tests of ctrl/config_route.c: the cidr_collections,
 * traffic_policies and traffic_policy_instances sections (SEMANTICS §8,
 * §15) and the CidrRoutingConfig cross-check of record sets. Good documents
 * of every rule type load; every rule of the validator produces the
 * expected "FILE:LINE: KEY: message" line. Inline configs are built on BASE
 * (lines 1-9); the line of each appended line is noted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrl/config.h"
#include "ctrl/config_route.h"
#include "lib/route_data.h"
#include "../guard.h"

static struct dnsp_errlist errs;
static struct dnsp_config *cfg;

#define BASE                                                                                 \
	"listeners:\n"                                                             /* 1 */   \
	"  - {address: 127.0.0.1, role: public}\n"                                 /* 2 */   \
	"health_checks:\n"                                                         /* 3 */   \
	"  - {Id: hc1, HealthCheckConfig: {Type: TCP, IPAddress: 127.0.0.1, Port: 9}}\n" /* 4 */ \
	"hosted_zones:\n"                                                          /* 5 */   \
	"  - Id: Z1\n"                                                             /* 6 */   \
	"    Name: example.com.\n"                                                 /* 7 */   \
	"    ResourceRecordSets:\n"                                                /* 8 */   \
	"      - {Name: www.example.com., Type: A, TTL: 300, ResourceRecords: [{Value: 192.0.2.1}]}\n"

/* traffic_policies with one policy whose Document (JSON) is on line 13. */
#define POLICY(doc)                                                                          \
	BASE "traffic_policies:\n"                                                 /* 10 */  \
	"  - Id: tp1\n"                                                            /* 11 */  \
	"    Name: test\n"                                                         /* 12 */  \
	"    Document: '" doc "'\n"                                                /* 13 */

#define HDR "\"AWSPolicyFormatVersion\": \"2015-10-01\", \"RecordType\": \"A\", "
#define EP2 "\"Endpoints\": {\"a\": {\"Type\": \"value\", \"Value\": \"192.0.2.10\"}, " \
	"\"b\": {\"Type\": \"value\", \"Value\": \"192.0.2.20\"}}, "
#define KEY "t.yaml:13: traffic_policies[0].Document"

/* A policy whose start rule id, of RuleType type, holds items in list. */
#define RULE(id, type, list, items)                                                          \
	POLICY("{" HDR EP2 "\"StartRule\": \"" id "\", \"Rules\": {\"" id "\": {\"RuleType\": \"" \
	       type "\", \"" list "\": [" items "]}}}")

static void reset(void)
{
	dnsp_config_destroy(cfg);
	cfg = NULL;
	dnsp_errlist_fini(&errs);
	dnsp_errlist_init(&errs);
}

static int load(const char *text)
{
	reset();
	return dnsp_config_load_string(text, strlen(text), "t.yaml", "/tmp", &cfg, &errs);
}

static void dump(const char *want)
{
	fprintf(stderr, "wanted: %s...\ngot %zu error(s):\n", want, errs.n);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  %s\n", errs.msgs[i]);
}

static bool has(const char *prefix, const char *part)
{
	for (size_t i = 0; i < errs.n; i++)
		if (strncmp(errs.msgs[i], prefix, strlen(prefix)) == 0 &&
		    (!part || strstr(errs.msgs[i], part)))
			return true;
	return false;
}

static void expect_ok(const char *text)
{
	int rc = load(text);
	if (rc != 0) {
		dump("no error");
		fail_msg("rc=%d", rc);
	}
}

/* The load fails with exactly one error: prefix ... part. */
static void expect_one(const char *text, const char *prefix, const char *part)
{
	int rc = load(text);
	if (rc != DNSP_ECONFIG || errs.n != 1 || !has(prefix, part)) {
		dump(prefix);
		fail_msg("rc=%d", rc);
	}
}

/* The load fails and one of the errors is prefix ... part. */
static void expect_has(const char *text, const char *prefix, const char *part)
{
	int rc = load(text);
	if (rc != DNSP_ECONFIG || !has(prefix, part)) {
		dump(prefix);
		fail_msg("rc=%d", rc);
	}
}

static int teardown_all(void **state)
{
	(void)state;
	reset();
	return 0;
}

/* ---- cidr_collections (SEMANTICS §8) ---- */

#define COLL(locations)                                                                      \
	BASE "cidr_collections:\n"                                                 /* 10 */  \
	"  - Id: cc1\n"                                                            /* 11 */  \
	"    Name: corp\n"                                                         /* 12 */  \
	"    Locations:\n"                                                         /* 13 */  \
	locations

static void test_cidr_collection_loads(void **state)
{
	(void)state;
	expect_ok(COLL("      - {LocationName: office, CidrList: [198.51.100.0/24, 2001:db8::/32]}\n"
		       "      - {LocationName: branch_2, CidrList: [198.51.0.0/16]}\n"));
	const struct dnsp_cfg_cidr_collection *cc = dnsp_cfg_cidr_collection_find(cfg, "cc1");
	assert_non_null(cc);
	assert_string_equal(cc->name, "corp");
	assert_int_equal(cc->nlocations, 2);
	assert_int_equal(cc->locations[0].ncidrs, 2);
	assert_int_equal(cc->locations[0].cidrs[1].family, 6);
	assert_int_equal(cc->locations[0].cidrs[1].plen, 32);
	assert_int_equal(dnsp_cfg_cidr_location_index(cc, "branch_2"), 1);
	assert_int_equal(dnsp_cfg_cidr_location_index(cc, "nowhere"), -1);
	assert_null(dnsp_cfg_cidr_collection_find(cfg, "cc2"));
}

/* SEMANTICS §8: IPv4 blocks /1-/24, IPv6 /1-/48; /0 is the "*" record. */
static void test_cidr_prefix_length_limits(void **state)
{
	(void)state;
	expect_one(COLL("      - {LocationName: a, CidrList: [198.51.100.0/25]}\n"),
		   "t.yaml:14: cidr_collections[0].Locations[0].CidrList[0]:", "/1 to /24");
	expect_one(COLL("      - {LocationName: a, CidrList: [\"2001:db8::/64\"]}\n"),
		   "t.yaml:14: cidr_collections[0].Locations[0].CidrList[0]:", "/1 to /48");
	expect_one(COLL("      - {LocationName: a, CidrList: [0.0.0.0/0]}\n"),
		   "t.yaml:14: cidr_collections[0].Locations[0].CidrList[0]:", "\"*\"");
	expect_one(COLL("      - {LocationName: a, CidrList: [198.51.100.7]}\n"),
		   "t.yaml:14: cidr_collections[0].Locations[0].CidrList[0]:", "prefix length");
	expect_one(COLL("      - {LocationName: a, CidrList: [198.51.100.1/24]}\n"),
		   "t.yaml:14: cidr_collections[0].Locations[0].CidrList[0]:", "bits set");
	expect_one(COLL("      - {LocationName: a, CidrList: []}\n"),
		   "t.yaml:14: cidr_collections[0].Locations[0].CidrList:", "1 to 1000");
}

static void test_cidr_location_names(void **state)
{
	(void)state;
	expect_one(COLL("      - {LocationName: \"*\", CidrList: [198.51.100.0/24]}\n"),
		   "t.yaml:14: cidr_collections[0].Locations[0].LocationName:", "default location");
	expect_one(COLL("      - {LocationName: way_too_long_location, CidrList: [198.51.100.0/24]}\n"),
		   "t.yaml:14: cidr_collections[0].Locations[0].LocationName:", "longer than 16");
	expect_one(COLL("      - {LocationName: a, CidrList: [198.51.100.0/24]}\n"
			"      - {LocationName: a, CidrList: [198.51.101.0/24]}\n"),
		   "t.yaml:15: cidr_collections[0].Locations[1].LocationName:", "twice");
}

static void test_cidr_block_in_two_locations_is_an_error(void **state)
{
	(void)state;
	expect_one(COLL("      - {LocationName: a, CidrList: [198.51.100.0/24]}\n"
			"      - {LocationName: b, CidrList: [198.51.101.0/24, 198.51.100.0/24]}\n"),
		   "t.yaml:15: cidr_collections[0].Locations[1].CidrList:", "already in location \"a\"");
}

static void test_cidr_collection_id_and_name_unique(void **state)
{
	(void)state;
	expect_one(COLL("      - {LocationName: a, CidrList: [198.51.100.0/24]}\n"
			"  - {Id: cc1, Name: other, Locations: []}\n"),
		   "t.yaml:15: cidr_collections[1].Id:", "defined twice");
	expect_one(COLL("      - {LocationName: a, CidrList: [198.51.100.0/24]}\n"
			"  - {Id: cc2, Name: corp, Locations: []}\n"),
		   "t.yaml:15: cidr_collections[1].Name:", "used twice");
	expect_one(COLL("      - {LocationName: a, CidrList: [198.51.100.0/24]}\n"
			"  - {Id: cc2, Name: \"bad name\", Locations: []}\n"),
		   "t.yaml:15: cidr_collections[1].Name:", "[0-9A-Za-z_-]");
}

#define IPREC(coll, loc)                                                                     \
	"      - {Name: ip.example.com., Type: A, TTL: 60, SetIdentifier: s1, "                 \
	"CidrRoutingConfig: {CollectionId: " coll ", LocationName: " loc "}, "                 \
	"ResourceRecords: [{Value: 192.0.2.7}]}\n"                                 /* 10 */

#define IPBASE(rec)                                                                          \
	BASE rec "cidr_collections:\n"                                             /* 11 */  \
	"  - {Id: cc1, Name: corp, Locations: [{LocationName: office, CidrList: [198.51.100.0/24]}]}\n"

/* The record's CidrRoutingConfig names a defined collection and location. */
static void test_record_set_cidr_routing_is_checked(void **state)
{
	(void)state;
	expect_ok(IPBASE(IPREC("cc1", "office")));
	expect_ok(IPBASE(IPREC("cc1", "\"*\"")));
	expect_one(IPBASE(IPREC("cc9", "office")),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].CidrRoutingConfig.CollectionId:",
		   "\"cc9\" is not defined");
	expect_one(IPBASE(IPREC("cc1", "home")),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].CidrRoutingConfig.LocationName:",
		   "no location \"home\"");
	/* no cidr_collections section at all */
	expect_one(BASE IPREC("cc1", "office"),
		   "t.yaml:10: hosted_zones[0].ResourceRecordSets[1].CidrRoutingConfig.CollectionId:",
		   "not defined");
}

/* Change batches go through dnsp_config_check_zone() with the loaded model. */
static void test_change_batch_cidr_routing_is_checked(void **state)
{
	(void)state;
	expect_ok(IPBASE(IPREC("cc1", "office")));
	struct dnsp_cfg_zone *z = dnsp_config_zone_by_id(cfg, "Z1");
	struct dnsp_cfg_rrset *rs = &z->rrsets[1];
	free(rs->routing.cidr_location_name);
	rs->routing.cidr_location_name = strdup("home");
	struct dnsp_errlist e;
	dnsp_errlist_init(&e);
	assert_int_equal(dnsp_config_check_zone(cfg, z, &e), 1);
	assert_non_null(strstr(e.msgs[0], "CidrRoutingConfig.LocationName"));
	dnsp_errlist_fini(&e);
}

/* ---- traffic policy documents (SEMANTICS §15) ---- */

static const struct dnsp_tp_document *doc0(void)
{
	const struct dnsp_cfg_traffic_policy *p = dnsp_cfg_traffic_policy_find(cfg, "tp1", 1);
	assert_non_null(p);
	assert_true(p->valid);
	return &p->doc;
}

static void test_tp_failover_document(void **state)
{
	(void)state;
	expect_ok(POLICY("{" HDR EP2 "\"StartRule\": \"f\", \"Rules\": {\"f\": {\"RuleType\": "
			 "\"failover\", \"Primary\": {\"EndpointReference\": \"a\", \"HealthCheck\": "
			 "\"hc1\"}, \"Secondary\": {\"EndpointReference\": \"b\", "
			 "\"EvaluateTargetHealth\": false}}}}"));
	const struct dnsp_tp_document *d = doc0();
	assert_int_equal(d->record_type, 1);
	assert_string_equal(d->format_version, "2015-10-01");
	assert_int_equal(d->nrules, 1);
	assert_int_equal(d->start_rule, 0);
	assert_int_equal(d->start_endpoint, -1);
	const struct dnsp_tp_rule *r = &d->rules[0];
	assert_int_equal(r->type, DNSP_TPR_FAILOVER);
	assert_int_equal(r->nitems, 2);
	assert_int_equal(r->items[0].endpoint, 0);
	assert_string_equal(r->items[0].health_check, "hc1");
	assert_true(r->items[0].evaluate_target_health); /* default */
	assert_int_equal(r->items[1].endpoint, 1);
	assert_false(r->items[1].evaluate_target_health);
}

static void test_tp_geo_document(void **state)
{
	(void)state;
	expect_ok(RULE("g", "geo", "Locations",
		       "{\"EndpointReference\": \"a\", \"Country\": \"US\", "
		       "\"Subdivision\": \"WA\"}, {\"EndpointReference\": \"b\", "
		       "\"Continent\": \"EU\"}, {\"EndpointReference\": \"a\", "
		       "\"Country\": \"US\"}, {\"EndpointReference\": \"b\", "
		       "\"IsDefault\": true}"));
	const struct dnsp_tp_rule *r = &doc0()->rules[0];
	assert_int_equal(r->type, DNSP_TPR_GEO);
	assert_int_equal(r->nitems, 4);
	assert_string_equal(r->items[0].country, "US");
	assert_string_equal(r->items[0].subdivision, "WA");
	assert_string_equal(r->items[1].continent, "EU");
	assert_true(r->items[3].is_default);
}

static void test_tp_latency_document(void **state)
{
	(void)state;
	expect_ok(RULE("l", "latency", "Regions",
		       "{\"EndpointReference\": \"a\", \"Region\": \"us-east-1\"}, "
		       "{\"EndpointReference\": \"b\", \"Region\": \"eu-west-1\"}"));
	const struct dnsp_tp_rule *r = &doc0()->rules[0];
	assert_int_equal(r->type, DNSP_TPR_LATENCY);
	assert_string_equal(dnsp_regions[r->items[1].region].code, "eu-west-1");
}

static void test_tp_geoproximity_document(void **state)
{
	(void)state;
	expect_ok(POLICY("{\"AWSPolicyFormatVersion\": \"2023-05-09\", \"RecordType\": \"A\", " EP2
			 "\"StartRule\": \"p\", \"Rules\": {\"p\": {\"RuleType\": \"geoproximity\", "
			 "\"GeoproximityLocations\": [{\"EndpointReference\": \"a\", \"Region\": "
			 "\"us-east-1\", \"Bias\": 10}, {\"EndpointReference\": \"b\", \"Latitude\": "
			 "\"51.5\", \"Longitude\": \"-0.13\", \"Bias\": \"-20\"}, "
			 "{\"EndpointReference\": \"a\", \"Region\": \"us-west-2-lax-1\"}]}}}"));
	const struct dnsp_tp_rule *r = &doc0()->rules[0];
	assert_int_equal(r->type, DNSP_TPR_GEOPROXIMITY);
	assert_int_equal(r->items[0].bias, 10);
	assert_true(r->items[1].has_coordinates);
	assert_true(r->items[1].lat > 51.49 && r->items[1].lat < 51.51);
	assert_int_equal(r->items[1].bias, -20);
	assert_string_equal(r->items[2].local_zone_group, "us-west-2-lax-1");
}

static void test_tp_multivalue_document(void **state)
{
	(void)state;
	expect_ok(RULE("m", "multivalue", "Items",
		       "{\"EndpointReference\": \"a\", \"HealthCheck\": \"hc1\"}, "
		       "{\"EndpointReference\": \"b\"}"));
	assert_int_equal(doc0()->rules[0].type, DNSP_TPR_MULTIVALUE);
}

/* Rules nest by RuleReference: weighted over a failover rule. Numbers and
 * booleans may be strings, as in AWS's own examples. */
static void test_tp_weighted_document_with_nested_rule(void **state)
{
	(void)state;
	expect_ok(POLICY("{" HDR EP2 "\"StartRule\": \"w\", \"Rules\": {\"w\": {\"RuleType\": "
			 "\"weighted\", \"Items\": [{\"EndpointReference\": \"a\", \"Weight\": \"10\"}, "
			 "{\"RuleReference\": \"f\", \"Weight\": 0, \"EvaluateTargetHealth\": "
			 "\"false\"}]}, \"f\": {\"RuleType\": \"failover\", \"Primary\": "
			 "{\"EndpointReference\": \"a\"}, \"Secondary\": {\"EndpointReference\": "
			 "\"b\"}}}}"));
	const struct dnsp_tp_document *d = doc0();
	const struct dnsp_tp_rule *w = &d->rules[d->start_rule];
	assert_int_equal(w->type, DNSP_TPR_WEIGHTED);
	assert_int_equal(w->items[0].weight, 10);
	assert_int_equal(w->items[1].rule, 1);
	assert_false(w->items[1].evaluate_target_health);
}

static void test_tp_start_endpoint_document(void **state)
{
	(void)state;
	expect_ok(POLICY("{" HDR EP2 "\"StartEndpoint\": \"b\"}"));
	assert_int_equal(doc0()->start_endpoint, 1);
}

/* The document as an inline mapping and as a block scalar: lines are the
 * config's own. */
static void test_tp_inline_and_block_documents_keep_lines(void **state)
{
	(void)state;
	expect_ok(BASE "traffic_policies:\n"
		  "  - Id: tp1\n"
		  "    Name: inline\n"
		  "    Document: {" HDR EP2 "StartEndpoint: a}\n");
	assert_int_equal(doc0()->start_endpoint, 0);
	expect_one(BASE "traffic_policies:\n"          /* 10 */
		   "  - Id: tp1\n"                     /* 11 */
		   "    Name: block\n"                 /* 12 */
		   "    Document: |\n"                 /* 13 */
		   "      {\n"                         /* 14 */
		   "        " HDR "\n"                 /* 15 */
		   "        " EP2 "\n"                 /* 16 */
		   "        \"StartEndpoint\": \"zz\"\n" /* 17 */
		   "      }\n",
		   "t.yaml:17: traffic_policies[0].Document.StartEndpoint:", "no endpoint \"zz\"");
}

static void test_tp_document_file_errors_name_the_file(void **state)
{
	char dir[] = "/tmp/dnsp_tp_XXXXXX", path[64], text[512];
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\n" HDR "\n" EP2 "\n\"StartRule\": \"nope\"\n}\n", fp); /* StartRule on line 4 */
	fclose(fp);
	snprintf(text, sizeof(text), BASE "traffic_policies:\n  - {Id: tp1, Name: f, DocumentFile: %s}\n",
		 path);
	char want[128];
	snprintf(want, sizeof(want), "%s:4: traffic_policies[0].Document.StartRule:", path);
	expect_one(text, want, "no rule \"nope\"");
	snprintf(text, sizeof(text), BASE "traffic_policies:\n  - {Id: tp1, Name: f, "
		 "DocumentFile: %s/missing.json}\n", dir);
	expect_one(text, "t.yaml:11: traffic_policies[0].DocumentFile:", "cannot read");
	unlink(path);
	rmdir(dir);
}

/* Bad input gets a clear error, never a hang (SPEC §3): a DocumentFile that
 * is a FIFO is refused at once; an alarm turns a block into a failure. */
static void test_tp_document_file_fifo_is_refused_without_blocking(void **state)
{
	char dir[] = "/tmp/dnsp_tp_XXXXXX", path[64], text[512];
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(text, sizeof(text), BASE "traffic_policies:\n  - {Id: tp1, Name: f, DocumentFile: %s}\n",
		 path);
	dnsp_test_guard("a DocumentFile FIFO", 10);
	expect_one(text, "t.yaml:11: traffic_policies[0].DocumentFile:", "not a regular file (a FIFO)");
	dnsp_test_guard(NULL, 0);
	unlink(path);
	rmdir(dir);
}

static void test_tp_bad_format_version_and_record_type(void **state)
{
	(void)state;
	expect_one(POLICY("{\"AWSPolicyFormatVersion\": \"2016-01-01\", \"RecordType\": \"A\", "
			  EP2 "\"StartEndpoint\": \"a\"}"),
		   KEY ".AWSPolicyFormatVersion:", "2015-10-01, 2023-05-09");
	expect_one(POLICY("{\"AWSPolicyFormatVersion\": \"2015-10-01\", \"RecordType\": \"SOA\", "
			  "\"StartEndpoint\": \"a\", \"Endpoints\": {\"a\": {\"Type\": \"value\", "
			  "\"Value\": \"x\"}}}"),
		   KEY ".RecordType:", "\"SOA\"");
}

static void test_tp_start_rule_xor_start_endpoint(void **state)
{
	(void)state;
	expect_one(POLICY("{" HDR EP2 "\"Rules\": {}}"), KEY ":", "exactly one of StartRule");
	expect_one(POLICY("{" HDR EP2 "\"StartEndpoint\": \"a\", \"StartRule\": \"r\"}"), KEY ":",
		   "exactly one of StartRule");
	expect_one(POLICY("{" HDR EP2 "\"StartRule\": \"r\"}"), KEY ".StartRule:",
		   "no rule \"r\"");
}

static void test_tp_references_must_resolve(void **state)
{
	(void)state;
	expect_one(RULE("m", "multivalue", "Items",
			"{\"EndpointReference\": \"x\"}"),
		   KEY ".Rules.m.Items[0].EndpointReference:", "no endpoint \"x\"");
	expect_one(RULE("w", "weighted", "Items",
			"{\"RuleReference\": \"y\", \"Weight\": 1}"),
		   KEY ".Rules.w.Items[0].RuleReference:", "no rule \"y\"");
	expect_one(RULE("w", "weighted", "Items",
			"{\"RuleReference\": \"w\", \"EndpointReference\": \"a\", "
			"\"Weight\": 1}"),
		   KEY ".Rules.w.Items[0].RuleReference:", "not both");
	expect_one(RULE("w", "weighted", "Items",
			"{\"Weight\": 1}"),
		   KEY ".Rules.w.Items[0]:", "needs EndpointReference or RuleReference");
}

static void test_tp_reference_cycle_is_rejected(void **state)
{
	(void)state;
	expect_one(POLICY("{" HDR EP2 "\"StartRule\": \"r1\", \"Rules\": {\"r1\": {\"RuleType\": "
			  "\"weighted\", \"Items\": [{\"RuleReference\": \"r2\", \"Weight\": 1}]}, "
			  "\"r2\": {\"RuleType\": \"failover\", \"Primary\": {\"RuleReference\": "
			  "\"r1\"}, \"Secondary\": {\"EndpointReference\": \"a\"}}}}"),
		   KEY ".Rules.r2:", "cycle");
	expect_one(RULE("r", "weighted", "Items",
			"{\"RuleReference\": \"r\", \"Weight\": 1}"),
		   KEY ".Rules.r:", "cycle");
}

static void test_tp_nesting_depth_is_limited(void **state)
{
	char doc[4096];
	size_t o = 0;
	(void)state;
	/* r0 -> r1 -> ... -> r8 -> endpoint: 9 levels */
	o += (size_t)snprintf(doc + o, sizeof(doc) - o, "{" HDR EP2 "\"StartRule\": \"r0\", "
			      "\"Rules\": {");
	for (int i = 0; i <= DNSP_TP_MAX_DEPTH; i++) {
		if (i < DNSP_TP_MAX_DEPTH)
			o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%s\"r%d\": {\"RuleType\": "
					      "\"weighted\", \"Items\": [{\"RuleReference\": "
					      "\"r%d\", \"Weight\": 1}]}", i ? ", " : "", i, i + 1);
		else
			o += (size_t)snprintf(doc + o, sizeof(doc) - o, ", \"r%d\": {\"RuleType\": "
					      "\"weighted\", \"Items\": [{\"EndpointReference\": "
					      "\"a\", \"Weight\": 1}]}", i);
	}
	snprintf(doc + o, sizeof(doc) - o, "}}");
	char text[8192];
	snprintf(text, sizeof(text), BASE "traffic_policies:\n  - Id: tp1\n    Name: deep\n"
		 "    Document: '%s'\n", doc);
	expect_one(text, KEY ".Rules.r0:", "at most 8 levels");
}

static void test_tp_unknown_keys_suggest_the_member_name(void **state)
{
	(void)state;
	/* "GeoproximityLocations" has a lower-case p inside the document */
	expect_has(RULE("p", "geoproximity", "GeoProximityLocations",
			"{\"EndpointReference\": \"a\", \"Region\": \"us-east-1\"}"),
		   KEY ".Rules.p.GeoProximityLocations:", "did you mean GeoproximityLocations?");
	expect_one(POLICY("{" HDR EP2 "\"StartEndpoint\": \"a\", \"Comment\": \"x\"}"),
		   KEY ".Comment:", "unknown key");
	expect_one(RULE("r", "roundrobin", "Items",
			""),
		   KEY ".Rules.r.RuleType:", "failover, geo, latency, geoproximity, multivalue, weighted");
}

static void test_tp_weight_and_bias_ranges(void **state)
{
	(void)state;
	expect_one(RULE("w", "weighted", "Items",
			"{\"EndpointReference\": \"a\", \"Weight\": 256}"),
		   KEY ".Rules.w.Items[0].Weight:", "0..255");
	expect_one(RULE("w", "weighted", "Items",
			"{\"EndpointReference\": \"a\"}"),
		   KEY ".Rules.w.Items[0].Weight:", "missing");
	expect_one(RULE("p", "geoproximity", "GeoproximityLocations",
			"{\"EndpointReference\": \"a\", \"Region\": \"us-east-1\", "
			"\"Bias\": \"100\"}"),
		   KEY ".Rules.p.GeoproximityLocations[0].Bias:", "-99..99");
}

static void test_tp_geoproximity_location_rules(void **state)
{
	(void)state;
	expect_one(RULE("p", "geoproximity", "GeoproximityLocations",
			"{\"EndpointReference\": \"a\", \"Latitude\": \"45.123\", "
			"\"Longitude\": \"1\"}"),
		   KEY ".Rules.p.GeoproximityLocations[0].Latitude:", "at most 2 decimals");
	expect_one(RULE("p", "geoproximity", "GeoproximityLocations",
			"{\"EndpointReference\": \"a\", \"Region\": \"us-east-1\", "
			"\"Latitude\": \"1\", \"Longitude\": \"1\"}"),
		   KEY ".Rules.p.GeoproximityLocations[0]:", "exactly one of Region");
	expect_one(RULE("p", "geoproximity", "GeoproximityLocations",
			"{\"EndpointReference\": \"a\", \"Region\": \"us-west-2-lax-1\"}"),
		   KEY ".Rules.p.GeoproximityLocations[0].Region:", "2023-05-09");
	expect_one(RULE("p", "geoproximity", "GeoproximityLocations",
			"{\"EndpointReference\": \"a\", \"Region\": \"mars-north-1\"}"),
		   KEY ".Rules.p.GeoproximityLocations[0].Region:", "not an AWS Region");
}

static void test_tp_two_items_for_one_location(void **state)
{
	(void)state;
	expect_one(RULE("l", "latency", "Regions",
			"{\"EndpointReference\": \"a\", \"Region\": \"us-east-1\"}, "
			"{\"EndpointReference\": \"b\", \"Region\": \"us-east-1\"}"),
		   KEY ".Rules.l.Regions[1]:", "same Region");
	expect_one(RULE("g", "geo", "Locations",
			"{\"EndpointReference\": \"a\", \"IsDefault\": true}, "
			"{\"EndpointReference\": \"b\", \"IsDefault\": true}"),
		   KEY ".Rules.g.Locations[1]:", "second default");
}

static void test_tp_geo_location_rules(void **state)
{
	(void)state;
	/* SEMANTICS §5: a subdivision needs country US */
	expect_one(RULE("g", "geo", "Locations",
			"{\"EndpointReference\": \"a\", \"Country\": \"CA\", "
			"\"Subdivision\": \"BC\"}"),
		   KEY ".Rules.g.Locations[0].Subdivision:", "requires Country: US");
	expect_one(RULE("g", "geo", "Locations",
			"{\"EndpointReference\": \"a\", \"Continent\": \"EU\", "
			"\"Country\": \"FR\"}"),
		   KEY ".Rules.g.Locations[0].Continent:", "cannot be combined");
	expect_one(RULE("g", "geo", "Locations",
			"{\"EndpointReference\": \"a\"}"),
		   KEY ".Rules.g.Locations[0]:", "needs Continent, Country");
}

static void test_tp_endpoint_rules(void **state)
{
	(void)state;
	expect_one(POLICY("{" HDR "\"Endpoints\": {\"a\": {\"Type\": \"value\", \"Value\": "
			  "\"999.1.1.1\"}}, \"StartEndpoint\": \"a\"}"),
		   KEY ".Endpoints.a.Value:", "invalid A value");
	expect_one(POLICY("{\"AWSPolicyFormatVersion\": \"2015-10-01\", \"RecordType\": \"TXT\", "
			  "\"Endpoints\": {\"a\": {\"Type\": \"cloudfront\", \"Value\": "
			  "\"d111.cloudfront.net\"}}, \"StartEndpoint\": \"a\"}"),
		   KEY ".Endpoints.a.Value:", "RecordType A or AAAA");
	expect_one(POLICY("{" HDR "\"Endpoints\": {\"a\": {\"Type\": \"lambda\", \"Value\": "
			  "\"x\"}}, \"StartEndpoint\": \"a\"}"),
		   KEY ".Endpoints.a.Type:", "expected one of value");
	expect_one(POLICY("{" HDR "\"Endpoints\": {\"a\": {\"Type\": \"value\", \"Value\": "
			  "\"192.0.2.1\", \"Region\": \"moon-1\"}}, \"StartEndpoint\": \"a\"}"),
		   KEY ".Endpoints.a.Region:", "not an AWS Region");
	/* a multivalue answer cannot be an alias */
	expect_one(POLICY("{" HDR "\"Endpoints\": {\"a\": {\"Type\": \"elastic-load-balancer\", "
			  "\"Value\": \"lb.example.com\"}}, \"StartRule\": \"m\", \"Rules\": {\"m\": "
			  "{\"RuleType\": \"multivalue\", \"Items\": [{\"EndpointReference\": \"a\"}]}}}"),
		   KEY ".Rules.m.Items[0]:", "Type value");
}

static void test_tp_health_check_must_exist(void **state)
{
	(void)state;
	expect_one(RULE("m", "multivalue", "Items",
			"{\"EndpointReference\": \"a\", \"HealthCheck\": \"hc-missing\"}"),
		   "t.yaml:13: traffic_policies[0].Document.Rules.m.HealthCheck:",
		   "\"hc-missing\" is not defined");
}

static void test_tp_policy_fields(void **state)
{
	(void)state;
	expect_one(BASE "traffic_policies:\n  - {Id: tp1, Name: x}\n",
		   "t.yaml:11: traffic_policies[0].Document:", "exactly one of Document");
	expect_one(BASE "traffic_policies:\n  - {Id: tp1, Name: x, Type: AAAA, Document: {" HDR
		   EP2 "StartEndpoint: a}}\n",
		   "t.yaml:11: traffic_policies[0].Type:", "differs");
	expect_one(BASE "traffic_policies:\n"
		   "  - {Id: tp1, Name: x, Document: {" HDR EP2 "StartEndpoint: a}}\n"
		   "  - {Id: tp1, Name: y, Document: {" HDR EP2 "StartEndpoint: b}}\n",
		   "t.yaml:12: traffic_policies[1].Version:", "defined twice");
	expect_ok(BASE "traffic_policies:\n"
		  "  - {Id: tp1, Name: x, Document: {" HDR EP2 "StartEndpoint: a}}\n"
		  "  - {Id: tp1, Version: 2, Name: y, Document: {" HDR EP2 "StartEndpoint: b}}\n");
	assert_non_null(dnsp_cfg_traffic_policy_find(cfg, "tp1", 2));
	assert_null(dnsp_cfg_traffic_policy_find(cfg, "tp1", 3));
}

static void test_tp_json_syntax_error_names_the_line(void **state)
{
	(void)state;
	expect_has(POLICY("{" HDR EP2 "\"StartEndpoint\": \"a\""), "t.yaml:13: traffic_policies[0]"
		   ".Document:", NULL);
}

/* The standalone parser (API / fuzzing). */
static void test_tp_document_parse_standalone(void **state)
{
	static const char good[] = "{" HDR EP2 "\"StartEndpoint\": \"a\"}";
	static const char bad[] = "{" HDR "\n\"StartEndpoint\": \"a\"}";
	struct dnsp_tp_document d;
	struct dnsp_errlist e;
	(void)state;
	dnsp_errlist_init(&e);
	assert_int_equal(dnsp_tp_document_parse(good, sizeof(good) - 1, "p.json", "Document", &d,
						&e), 0);
	assert_int_equal(d.nendpoints, 2);
	dnsp_tp_document_fini(&d);
	assert_int_equal(dnsp_tp_document_parse(bad, sizeof(bad) - 1, "p.json", "Document", &d, &e),
			 DNSP_ECONFIG);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msgs[0], "p.json:2: Document.StartEndpoint: no endpoint"));
	dnsp_errlist_fini(&e);
}

/* ---- traffic_policy_instances ---- */

#define INST(fields)                                                                         \
	BASE "traffic_policies:\n"                                                 /* 10 */  \
	"  - {Id: tp1, Name: x, Document: {" HDR EP2 "StartEndpoint: a}}\n"       /* 11 */  \
	"traffic_policy_instances:\n"                                              /* 12 */  \
	"  - {" fields "}\n"                                                       /* 13 */

static void test_tpi_good_instance(void **state)
{
	(void)state;
	expect_ok(INST("Id: tpi1, HostedZoneId: /hostedzone/Z1, Name: app.example.com, TTL: 60, "
		       "TrafficPolicyId: tp1, TrafficPolicyVersion: 1"));
	assert_int_equal(cfg->route->ninstances, 1);
	assert_string_equal(cfg->route->instances[0].name, "app.example.com.");
	assert_int_equal(cfg->route->instances[0].ttl, 60);
}

static void test_tpi_references_must_exist(void **state)
{
	(void)state;
	expect_one(INST("Id: tpi1, HostedZoneId: Z9, Name: app.example.com, TTL: 60, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 1"),
		   "t.yaml:13: traffic_policy_instances[0].HostedZoneId:", "\"Z9\" is not defined");
	expect_one(INST("Id: tpi1, HostedZoneId: Z1, Name: app.example.com, TTL: 60, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 2"),
		   "t.yaml:13: traffic_policy_instances[0].TrafficPolicyVersion:", "version 2");
	expect_one(INST("Id: tpi1, HostedZoneId: Z1, Name: app.example.net, TTL: 60, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 1"),
		   "t.yaml:13: traffic_policy_instances[0].Name:", "not in zone");
	expect_one(INST("Id: tpi1, HostedZoneId: Z1, Name: app.example.com, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 1"),
		   "t.yaml:13: traffic_policy_instances[0].TTL:", "missing");
}

/* CreateTrafficPolicyInstance fails where the name and type are taken. */
static void test_tpi_name_and_type_must_be_free(void **state)
{
	(void)state;
	expect_one(INST("Id: tpi1, HostedZoneId: Z1, Name: www.example.com, TTL: 60, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 1"),
		   "t.yaml:13: traffic_policy_instances[0].Name:", "already exists");
	expect_one(INST("Id: tpi1, HostedZoneId: Z1, Name: app.example.com, TTL: 60, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 1}\n"
			"  - {Id: tpi2, HostedZoneId: Z1, Name: app.example.com, TTL: 30, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 1"),
		   "t.yaml:14: traffic_policy_instances[1].Name:", "already routes");
	expect_one(INST("Id: tpi1, HostedZoneId: Z1, Name: app.example.com, TTL: 60, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 1}\n"
			"  - {Id: tpi1, HostedZoneId: Z1, Name: app2.example.com, TTL: 30, "
			"TrafficPolicyId: tp1, TrafficPolicyVersion: 1"),
		   "t.yaml:14: traffic_policy_instances[1].Id:", "defined twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_collection_loads),
		cmocka_unit_test(test_cidr_prefix_length_limits),
		cmocka_unit_test(test_cidr_location_names),
		cmocka_unit_test(test_cidr_block_in_two_locations_is_an_error),
		cmocka_unit_test(test_cidr_collection_id_and_name_unique),
		cmocka_unit_test(test_record_set_cidr_routing_is_checked),
		cmocka_unit_test(test_change_batch_cidr_routing_is_checked),
		cmocka_unit_test(test_tp_failover_document),
		cmocka_unit_test(test_tp_geo_document),
		cmocka_unit_test(test_tp_latency_document),
		cmocka_unit_test(test_tp_geoproximity_document),
		cmocka_unit_test(test_tp_multivalue_document),
		cmocka_unit_test(test_tp_weighted_document_with_nested_rule),
		cmocka_unit_test(test_tp_start_endpoint_document),
		cmocka_unit_test(test_tp_inline_and_block_documents_keep_lines),
		cmocka_unit_test(test_tp_document_file_errors_name_the_file),
		cmocka_unit_test(test_tp_document_file_fifo_is_refused_without_blocking),
		cmocka_unit_test(test_tp_bad_format_version_and_record_type),
		cmocka_unit_test(test_tp_start_rule_xor_start_endpoint),
		cmocka_unit_test(test_tp_references_must_resolve),
		cmocka_unit_test(test_tp_reference_cycle_is_rejected),
		cmocka_unit_test(test_tp_nesting_depth_is_limited),
		cmocka_unit_test(test_tp_unknown_keys_suggest_the_member_name),
		cmocka_unit_test(test_tp_weight_and_bias_ranges),
		cmocka_unit_test(test_tp_geoproximity_location_rules),
		cmocka_unit_test(test_tp_two_items_for_one_location),
		cmocka_unit_test(test_tp_geo_location_rules),
		cmocka_unit_test(test_tp_endpoint_rules),
		cmocka_unit_test(test_tp_health_check_must_exist),
		cmocka_unit_test(test_tp_policy_fields),
		cmocka_unit_test(test_tp_json_syntax_error_names_the_line),
		cmocka_unit_test(test_tp_document_parse_standalone),
		cmocka_unit_test(test_tpi_good_instance),
		cmocka_unit_test(test_tpi_references_must_exist),
		cmocka_unit_test(test_tpi_name_and_type_must_be_free),
	};
	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
