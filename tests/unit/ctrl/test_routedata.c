/*
 * Unit tests of ctrl/compile_routedata.c: routing data compiled into the
 * snapshot (CIDR collections with the query-prefix rule of SEMANTICS §8,
 * empty tables when no data is configured, geo_db and latency_db named by
 * the config) and traffic policy instances compiled into rule trees that
 * answer through the same pipeline as record sets (SEMANTICS §15), with
 * queries run through dnsp_pipeline_process() as a worker would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrl/compile.h"
#include "ctrl/config.h"
#include "lib/health.h"
#include "lib/pipeline.h"
#include "lib/route_data.h"
#include "lib/wire/pkt.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int group_setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/dnsp_rd_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct dnsp_snapshot *compile_text(const char *text, struct dnsp_errlist *errs)
{
	struct dnsp_config *cfg = NULL;
	struct dnsp_snapshot *s = NULL;
	int rc = dnsp_config_load_string(text, strlen(text), "t.yaml", dir, &cfg, errs);
	if (rc == 0)
		rc = dnsp_compile(cfg, 1, &s, errs);
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "  %s\n", errs->msgs[i]);
	dnsp_config_destroy(cfg);
	return rc == 0 ? s : NULL;
}

static struct dnsp_snapshot *compile_ok(const char *text)
{
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	struct dnsp_snapshot *s = compile_text(text, &errs);
	assert_non_null(s);
	dnsp_errlist_fini(&errs);
	return s;
}

#define LISTENER "listeners:\n  - {address: 127.0.0.1, port: 53, role: public}\n"
#define ZONE "hosted_zones:\n  - {Id: Z1, Name: example.com, ResourceRecordSets: []}\n"

static uint32_t cidr(const struct dnsp_snapshot *s, const char *ip, int qplen, int *plen)
{
	uint8_t a[16] = { 0 };
	int fam = inet_pton(AF_INET, ip, a) == 1 ? 4 : 6;
	if (fam == 6)
		assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	const struct dnsp_cidr_collection *c = dnsp_cidr_collection_find(s->route, "cc1");
	assert_non_null(c);
	return dnsp_cidr_lookup(c, fam, a, qplen, plen);
}

/* SEMANTICS §8: longest block that contains the address and is no longer
 * than the query prefix. */
static void test_cidr_lookup_honours_query_prefix(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_ok(
		LISTENER ZONE
		"cidr_collections:\n"
		"  - Id: cc1\n"
		"    Name: corp\n"
		"    Locations:\n"
		"      - {LocationName: office, CidrList: [198.51.100.0/24, \"2001:db8::/32\"]}\n"
		"      - {LocationName: branch, CidrList: [198.51.0.0/16, \"2001:db8:1234::/48\"]}\n");
	int plen;
	const struct dnsp_cidr_collection *c = dnsp_cidr_collection_find(s->route, "cc1");
	assert_string_equal(c->name, "corp");
	assert_int_equal(c->nlocations, 2);
	assert_string_equal(c->locations[0], "office");
	assert_int_equal(c->nblocks, 4);
	assert_int_equal(cidr(s, "198.51.100.7", 32, &plen), 0);
	assert_int_equal(plen, 24);
	assert_int_equal(cidr(s, "198.51.100.7", 24, &plen), 0);
	/* a /20 query is shorter than the /24 block: the /16 block answers */
	assert_int_equal(cidr(s, "198.51.100.7", 20, &plen), 1);
	assert_int_equal(plen, 16);
	assert_int_equal(cidr(s, "198.51.100.7", 8, &plen), DNSP_LPM_NONE);
	assert_int_equal(plen, 0);
	assert_int_equal(cidr(s, "198.51.7.1", 32, &plen), 1);
	assert_int_equal(cidr(s, "203.0.113.1", 32, &plen), DNSP_LPM_NONE);
	/* SEMANTICS §8's example: a /56 query inside the /48 block matches it;
	 * a /32 query does not, and falls to the enclosing /32 block */
	assert_int_equal(cidr(s, "2001:db8:1234:5600::", 56, &plen), 1);
	assert_int_equal(plen, 48);
	assert_int_equal(cidr(s, "2001:db8:1234::", 32, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(cidr(s, "2001:db8:1234::", 31, &plen), DNSP_LPM_NONE);
	/* the plain LPM of the contract answers locations directly */
	uint8_t a[4] = { 198, 51, 100, 1 };
	assert_int_equal(dnsp_lpm_lookup(c->lpm, 4, a, &plen), 0);
	dnsp_snapshot_destroy(s);
}

static void test_routedata_is_never_null_without_data(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_ok(LISTENER ZONE);
	uint8_t a[16] = { 10, 0, 0, 1 };
	int plen = -1;
	assert_non_null(s->route);
	assert_null(dnsp_geo_lookup(s->route, 4, a, &plen));
	assert_int_equal(plen, 0);
	assert_null(dnsp_latency_lookup(s->route, 6, a, &plen));
	assert_int_equal(s->route->ncollections, 0);
	dnsp_snapshot_destroy(s);
}

static void test_geo_and_latency_files_named_by_the_config(void **state)
{
	(void)state;
	write_file("lat.csv", "cidr,region,rtt_ms\n192.0.2.0/24,eu-west-1,30\n");
	write_file("G-Blocks-IPv4.csv", "network,geoname_id\n192.0.2.0/24,1\n");
	write_file("G-Locations-en.csv", "geoname_id,continent_code,country_iso_code\n1,EU,IE\n");
	struct dnsp_snapshot *s = compile_ok(
		"server: {geo_db: G-Blocks-IPv4.csv, latency_db: lat.csv}\n" LISTENER ZONE);
	uint8_t a[4] = { 192, 0, 2, 9 };
	int plen;
	const struct dnsp_geo_loc *l = dnsp_geo_lookup(s->route, 4, a, &plen);
	assert_non_null(l);
	assert_string_equal(l->country, "IE");
	const uint16_t *row = dnsp_latency_lookup(s->route, 4, a, &plen);
	assert_non_null(row);
	assert_int_equal(row[dnsp_region_index("eu-west-1")], 30);
	dnsp_snapshot_destroy(s);
}

/* A bad latency file rejects the configuration, naming the file's line. */
static void test_bad_latency_file_fails_compile(void **state)
{
	(void)state;
	write_file("bad.csv", "192.0.2.0/24,eu-west-1,30\n192.0.2.0/24,xx-1,5\n");
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	assert_null(compile_text("server: {latency_db: bad.csv}\n" LISTENER ZONE, &errs));
	assert_true(errs.n >= 1);
	assert_non_null(strstr(errs.msgs[0], "bad.csv:2: server.latency_db: region"));
	dnsp_errlist_fini(&errs);
}

/* ---- Traffic Flow instances answer like their rules ---- */

struct reply {
	int len;
	uint8_t rcode;
	uint16_t ancount;
	uint8_t first_a[4];
	uint32_t first_ttl;
	uint8_t buf[2048];
};

/* A query for name A from src; with ECS ecs/ecs_plen when ecs is not NULL. */
static void ask(const struct dnsp_snapshot *s, const char *src, const char *name, const char *ecs,
		int ecs_plen, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	uint8_t *b = r->buf;
	b[0] = 0x12; b[1] = 0x34; b[5] = 1;
	size_t off = DNSP_HDR_LEN;
	int n = dnsp_name_from_text(name, strlen(name), (const uint8_t *)"", b + off);
	assert_true(n > 0);
	off += (size_t)n;
	b[off++] = 0; b[off++] = 1; b[off++] = 0; b[off++] = 1;
	if (ecs) {
		uint8_t a[4];
		assert_int_equal(inet_pton(AF_INET, ecs, a), 1);
		int bytes = (ecs_plen + 7) / 8;
		b[11] = 1; /* ARCOUNT */
		b[off++] = 0;                       /* root */
		b[off++] = 0; b[off++] = 41;        /* OPT */
		b[off++] = 0x10; b[off++] = 0;      /* 4096 */
		b[off++] = 0; b[off++] = 0; b[off++] = 0; b[off++] = 0;
		b[off++] = 0; b[off++] = (uint8_t)(4 + 4 + bytes);
		b[off++] = 0; b[off++] = 8;         /* ECS */
		b[off++] = 0; b[off++] = (uint8_t)(4 + bytes);
		b[off++] = 0; b[off++] = 1;         /* IPv4 */
		b[off++] = (uint8_t)ecs_plen; b[off++] = 0;
		memcpy(b + off, a, (size_t)bytes);
		off += (size_t)bytes;
	}
	struct dnsp_pkt p = { .buf = b, .len = (uint16_t)off, .cap = sizeof(r->buf), .family = 4,
			      .listener = 0, .src_port = 5353 };
	assert_int_equal(inet_pton(AF_INET, src, p.src), 1);
	struct dnsp_stats st;
	memset(&st, 0, sizeof(st));
	struct dnsp_worker_ctx w;
	dnsp_worker_ctx_init(&w, &st, 0, 1);
	r->len = dnsp_pipeline_process(s, &p, &w);
	assert_true(r->len > DNSP_HDR_LEN);
	r->rcode = b[3] & 0xf;
	r->ancount = (uint16_t)(b[6] << 8 | b[7]);
	if (r->ancount) {
		uint8_t tmp[DNSP_NAME_MAX];
		size_t wl;
		assert_true(dnsp_name_unpack(b, (size_t)r->len, DNSP_HDR_LEN, tmp, &wl, true) > 0);
		size_t a = DNSP_HDR_LEN + wl + 4;
		assert_true(dnsp_name_unpack(b, (size_t)r->len, a, tmp, &wl, true) > 0);
		a += wl;
		r->first_ttl = (uint32_t)b[a + 4] << 24 | (uint32_t)b[a + 5] << 16 |
			       (uint32_t)b[a + 6] << 8 | b[a + 7];
		memcpy(r->first_a, b + a + 10, 4);
	}
}

static void assert_a(const struct reply *r, const char *ip)
{
	uint8_t want[4];
	char got[16];
	assert_int_equal(inet_pton(AF_INET, ip, want), 1);
	assert_int_equal(r->rcode, 0);
	assert_true(r->ancount >= 1);
	if (memcmp(r->first_a, want, 4) != 0) {
		inet_ntop(AF_INET, r->first_a, got, sizeof(got));
		fail_msg("answer %s, expected %s", got, ip);
	}
}

#define TP_HDR "AWSPolicyFormatVersion: \"2015-10-01\", RecordType: A, "
#define TP_EPS "Endpoints: {a: {Type: value, Value: 192.0.2.10}, b: {Type: value, Value: 192.0.2.20}, " \
	"c: {Type: value, Value: 192.0.2.30}}, "

static const char tf_cfg[] =
	LISTENER
	"health_checks:\n"
	"  - {Id: hc-tf-a, HealthCheckConfig: {Type: TCP, IPAddress: 127.0.0.1, Port: 9}}\n"
	ZONE
	"traffic_policies:\n"
	"  - Id: tp-fail\n"
	"    Name: failover over weighted\n"
	"    Document: {" TP_HDR TP_EPS "StartRule: f, Rules: {"
	"f: {RuleType: failover, Primary: {RuleReference: w}, Secondary: {EndpointReference: c}}, "
	"w: {RuleType: weighted, Items: [{EndpointReference: a, Weight: 5, HealthCheck: hc-tf-a}, "
	"{EndpointReference: b, Weight: 0}]}}}\n"
	"  - Id: tp-geo\n"
	"    Name: geo\n"
	"    Document: {" TP_HDR TP_EPS "StartRule: g, Rules: {g: {RuleType: geo, Locations: ["
	"{EndpointReference: a, Country: US, Subdivision: WA}, {EndpointReference: b, Continent: EU},"
	" {EndpointReference: c, IsDefault: true}]}}}\n"
	"  - Id: tp-start\n"
	"    Name: one endpoint\n"
	"    Document: {" TP_HDR TP_EPS "StartEndpoint: b}\n"
	"traffic_policy_instances:\n"
	"  - {Id: i1, HostedZoneId: Z1, Name: app.example.com, TTL: 42, TrafficPolicyId: tp-fail,"
	" TrafficPolicyVersion: 1}\n"
	"  - {Id: i2, HostedZoneId: Z1, Name: geo.example.com, TTL: 60, TrafficPolicyId: tp-geo,"
	" TrafficPolicyVersion: 1}\n"
	"  - {Id: i3, HostedZoneId: Z1, Name: one.example.com, TTL: 7, TrafficPolicyId: tp-start,"
	" TrafficPolicyVersion: 1}\n"
	"server: {geo_db: TF-Blocks-IPv4.csv}\n";

/* failover(primary: weighted(a:5 with a check, b:0), secondary: c). With a
 * healthy, weight 0 is never chosen; a unhealthy → the zero-weight b (the
 * weighted rule still has a healthy answer, so failover stays primary). */
static void test_tp_instance_answers_like_its_rules(void **state)
{
	(void)state;
	write_file("TF-Blocks-IPv4.csv", "network,geoname_id\n192.0.2.0/24,1\n203.0.113.0/24,2\n");
	write_file("TF-Locations-en.csv", "geoname_id,continent_code,country_iso_code,"
		   "subdivision_1_iso_code\n1,NA,US,WA\n2,EU,DE,\n");
	struct dnsp_snapshot *s = compile_ok(tf_cfg);
	struct dnsp_health_table *ht = dnsp_health_global();
	int slot = dnsp_health_find("hc-tf-a");
	struct reply r;

	assert_true(slot >= 0);
	dnsp_health_set(ht, (uint32_t)slot, true);
	for (int i = 0; i < 20; i++) {
		ask(s, "198.51.100.1", "app.example.com", NULL, 0, &r);
		assert_a(&r, "192.0.2.10");
		assert_int_equal(r.first_ttl, 42); /* the instance's TTL */
	}
	dnsp_health_set(ht, (uint32_t)slot, false);
	ask(s, "198.51.100.1", "app.example.com", NULL, 0, &r);
	assert_a(&r, "192.0.2.20");
	dnsp_health_set(ht, (uint32_t)slot, true);
	dnsp_snapshot_destroy(s);
}

/* Geo rule: subdivision, continent and default, located by ECS. */
static void test_tp_instance_geo_rule_uses_ecs(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_ok(tf_cfg);
	struct reply r;

	ask(s, "198.51.100.1", "geo.example.com", "192.0.2.0", 24, &r);
	assert_a(&r, "192.0.2.10");
	ask(s, "198.51.100.1", "geo.example.com", "203.0.113.0", 24, &r);
	assert_a(&r, "192.0.2.20");
	ask(s, "198.51.100.1", "geo.example.com", "10.9.0.0", 16, &r);
	assert_a(&r, "192.0.2.30");
	ask(s, "192.0.2.77", "geo.example.com", NULL, 0, &r); /* source address */
	assert_a(&r, "192.0.2.10");
	dnsp_snapshot_destroy(s);
}

static void test_tp_instance_start_endpoint_is_a_plain_rrset(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_ok(tf_cfg);
	struct reply r;

	ask(s, "198.51.100.1", "one.example.com", NULL, 0, &r);
	assert_a(&r, "192.0.2.20");
	assert_int_equal(r.first_ttl, 7);
	dnsp_snapshot_destroy(s);
}

/* An AWS resource endpoint must be a name this zone serves. */
static void test_tp_alias_endpoint_outside_zone_fails_compile(void **state)
{
	(void)state;
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	assert_null(compile_text(
		LISTENER ZONE
		"traffic_policies:\n"
		"  - {Id: tp, Name: x, Document: {" TP_HDR "Endpoints: {lb: {Type: "
		"application-load-balancer, Value: my-lb.us-east-1.elb.amazonaws.com}}, "
		"StartEndpoint: lb}}\n"
		"traffic_policy_instances:\n"
		"  - {Id: i1, HostedZoneId: Z1, Name: app.example.com, TTL: 60, TrafficPolicyId: tp,"
		" TrafficPolicyVersion: 1}\n", &errs));
	assert_true(errs.n >= 1);
	assert_non_null(strstr(errs.msgs[0], "traffic_policies[0].Document.Endpoints: instance i1:"));
	assert_non_null(strstr(errs.msgs[0], "same hosted zone"));
	dnsp_errlist_fini(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_lookup_honours_query_prefix),
		cmocka_unit_test(test_routedata_is_never_null_without_data),
		cmocka_unit_test(test_geo_and_latency_files_named_by_the_config),
		cmocka_unit_test(test_bad_latency_file_fails_compile),
		cmocka_unit_test(test_tp_instance_answers_like_its_rules),
		cmocka_unit_test(test_tp_instance_geo_rule_uses_ecs),
		cmocka_unit_test(test_tp_instance_start_endpoint_is_a_plain_rrset),
		cmocka_unit_test(test_tp_alias_endpoint_outside_zone_fails_compile),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
