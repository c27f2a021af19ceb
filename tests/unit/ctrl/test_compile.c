/*
 * Unit tests of the compiler (ctrl/compile.c) and the query pipeline
 * (lib/pipeline.c) together: a configuration is compiled into a snapshot
 * and queries are run through dnsp_pipeline_process() exactly as a worker
 * would, with no sockets. Each test names the SPEC/guide rule it checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "ctrl/compile.h"
#include "ctrl/config.h"
#include "lib/pipeline.h"
#include "lib/wire/pkt.h"
#include "snapshot_fixture.h"

static const char *const base_cfg =
	"listeners:\n"
	"  - {address: 127.0.0.1, port: 53, role: public}\n"
	"  - {address: 127.0.0.2, port: 53, role: resolver, vpc: vpc-a}\n"
	"  - {address: 127.0.0.3, port: 53, role: resolver}\n"
	"vpcs:\n"
	"  - {VpcId: vpc-a, Cidrs: [10.1.0.0/16]}\n"
	"  - {VpcId: vpc-off, Cidrs: [10.2.0.0/16], EnableDnsSupport: false}\n"
	"  - {VpcId: vpc-nohost, Cidrs: [10.3.0.0/16], EnableDnsHostnames: false}\n"
	"hosted_zones:\n"
	"  - Id: ZPUB\n"
	"    Name: example.com\n"
	"    Config: {PrivateZone: false}\n"
	"    ResourceRecordSets:\n"
	"      - {Name: www.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}\n"
	"      - {Name: public-only.example.com, Type: A, TTL: 60,"
	" ResourceRecords: [{Value: 192.0.2.2}]}\n"
	"      - {Name: cdn.example.com, Type: CNAME, TTL: 60,"
	" ResourceRecords: [{Value: edge.example.net}]}\n"
	"      - {Name: api.example.com, Type: A, AliasTarget: {HostedZoneId: ZNET,"
	" DNSName: edge.example.net., EvaluateTargetHealth: false}}\n"
	"  - Id: ZNET\n"
	"    Name: example.net\n"
	"    Config: {PrivateZone: false}\n"
	"    ResourceRecordSets:\n"
	"      - {Name: edge.example.net, Type: A, TTL: 42, ResourceRecords: [{Value: 203.0.113.7}]}\n"
	"  - Id: ZPRIV\n"
	"    Name: example.com\n"
	"    Config: {PrivateZone: true}\n"
	"    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}, {VPCRegion: us-east-1, VPCId: vpc-off},"
	" {VPCRegion: us-east-1, VPCId: vpc-nohost}]\n"
	"    ResourceRecordSets:\n"
	"      - {Name: www.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.1}]}\n"
	"  - Id: ZSUB\n"
	"    Name: dev.example.com\n"
	"    Config: {PrivateZone: true}\n"
	"    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}]\n"
	"    ResourceRecordSets:\n"
	"      - {Name: www.dev.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 10.9.9.9}]}\n";

static int snap_setup(void **state)
{
	return fixture_setup(state, base_cfg);
}

static int snap_teardown(void **state)
{
	return fixture_teardown(state);
}

struct reply {
	int len;
	uint8_t rcode;
	uint16_t flags;
	uint16_t ancount, nscount;
	uint8_t buf[4096];
	uint32_t first_ttl;
	uint8_t first_a[4];
};

/* Builds a query for name/type, runs it through the pipeline on listener
 * slot `listener` from client `src` (IPv4 text) and decodes the header. */
static void ask(const struct dnsp_snapshot *s, int listener, const char *src, const char *name,
		uint16_t qtype, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	uint8_t *b = r->buf;
	b[0] = 0x12; b[1] = 0x34; b[2] = 0x01; /* RD */ b[5] = 1;
	size_t off = DNSP_HDR_LEN;
	int n = dnsp_name_from_text(name, strlen(name), (const uint8_t *)"", b + off);
	assert_true(n > 0);
	off += (size_t)n;
	b[off++] = (uint8_t)(qtype >> 8); b[off++] = (uint8_t)qtype;
	b[off++] = 0; b[off++] = 1;
	struct dnsp_pkt p = {.buf = b, .len = (uint16_t)off, .cap = sizeof(r->buf), .family = 4,
			     .listener = (uint16_t)listener, .src_port = 5353};
	assert_int_equal(inet_pton(AF_INET, src, p.src), 1);
	struct dnsp_stats st;
	memset(&st, 0, sizeof(st));
	struct dnsp_worker_ctx w;
	dnsp_worker_ctx_init(&w, &st, 0, 1);
	r->len = dnsp_pipeline_process(s, &p, &w);
	assert_true(r->len > DNSP_HDR_LEN);
	r->flags = (uint16_t)(b[2] << 8 | b[3]);
	r->rcode = b[3] & 0xf;
	r->ancount = (uint16_t)(b[6] << 8 | b[7]);
	r->nscount = (uint16_t)(b[8] << 8 | b[9]);
	if (r->ancount) {
		/* question, then first answer: owner, type, class, ttl, rdlen, rdata */
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
	assert_int_equal(inet_pton(AF_INET, ip, want), 1);
	assert_int_equal(r->rcode, DNSP_RCODE_NOERROR);
	assert_true(r->ancount >= 1);
	assert_memory_equal(r->first_a, want, 4);
}

/* SPEC §4: the public listener serves public zones only; a private zone of
 * the same name never leaks there (split horizon). */
static void test_public_listener_never_sees_private_zone(void **state)
{
	struct reply r;
	ask(*state, 0, "10.1.0.5", "www.example.com", DNSP_T_A, &r);
	assert_a(&r, "192.0.2.1");
	assert_true(r.flags & DNSP_FLAG_AA);
}

/* SPEC §4: a resolver listener answers from the VPC's private zone. */
static void test_resolver_listener_uses_private_zone(void **state)
{
	struct reply r;
	ask(*state, 1, "10.1.0.5", "www.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.0.0.1");
	assert_true(r.flags & DNSP_FLAG_RA);
}

/* SPEC §4: a private zone captures every name below it (over-capture): a
 * name only the public zone has is NXDOMAIN inside the VPC. */
static void test_private_zone_over_captures(void **state)
{
	struct reply r;
	ask(*state, 1, "10.1.0.5", "public-only.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_int_equal(r.nscount, 1);
}

/* Most specific private zone wins: dev.example.com over example.com. */
static void test_most_specific_private_zone_wins(void **state)
{
	struct reply r;
	ask(*state, 1, "10.1.0.5", "www.dev.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.9.9.9");
}

/* Public listener: names outside every public zone are REFUSED. */
static void test_public_refuses_outside_zones(void **state)
{
	struct reply r;
	ask(*state, 0, "10.1.0.5", "www.example.org", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_REFUSED);
}

/* Resolver listener: a name no local source covers fails at once with
 * SERVFAIL (no recursion in this build; never a hang). */
static void test_resolver_servfail_without_local_source(void **state)
{
	struct reply r;
	ask(*state, 1, "10.1.0.5", "www.example.org", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL);
}

/* SPEC §3: on a resolver listener without vpc:, the VPC comes from the
 * client CIDR (LPM); a client in no VPC is refused. */
static void test_vpc_by_client_cidr(void **state)
{
	struct reply r;
	ask(*state, 2, "10.1.44.1", "www.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.0.0.1");
	ask(*state, 2, "192.0.2.200", "www.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_REFUSED);
}

/* SPEC §3: EnableDnsSupport false → the VPC's queries are REFUSED. */
static void test_dns_support_false_refused(void **state)
{
	struct reply r;
	ask(*state, 2, "10.2.0.9", "www.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_REFUSED);
}

/* SPEC §3 / guide §5.2: EnableDnsHostnames false → private zones unused. */
static void test_dns_hostnames_false_skips_private_zones(void **state)
{
	struct reply r;
	ask(*state, 2, "10.3.0.9", "www.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL);
}

/* Alias to a record in another served zone: answered as the target's type
 * and data with the target's TTL (SEMANTICS §9). */
static void test_alias_to_other_served_zone(void **state)
{
	struct reply r;
	ask(*state, 0, "10.1.0.5", "api.example.com", DNSP_T_A, &r);
	assert_a(&r, "203.0.113.7");
	assert_int_equal(r.first_ttl, 42);
}

/* CNAME leaving the zone into another zone of the same view is followed. */
static void test_cname_into_other_zone_followed(void **state)
{
	struct reply r;
	ask(*state, 0, "10.1.0.5", "cdn.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r.ancount, 2);
}

/* Route 53: a zone without SOA/NS sets gets generated ones (SOA TTL 900,
 * MINIMUM 86400 → negative TTL 900). */
static void test_generated_soa_in_negative_answer(void **state)
{
	struct reply r;
	ask(*state, 0, "10.1.0.5", "nope.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_int_equal(r.nscount, 1);
	ask(*state, 0, "10.1.0.5", "example.com", DNSP_T_NS, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r.ancount, 1);
}

/* Snapshot bookkeeping: generation, records, listeners with names. */
static void test_snapshot_metadata(void **state)
{
	const struct dnsp_snapshot *s = *state;
	assert_int_equal(s->generation, 7);
	assert_int_equal(s->nlisteners, 3);
	assert_string_equal(s->listeners[0].name, "127.0.0.1:53");
	assert_int_equal(s->listeners[1].vpc, 0);
	assert_int_equal(s->listeners[2].vpc, -1);
	assert_int_equal(s->nzones, 4);
	assert_true(s->nrecords >= 6);
}

/* Issue #3: a routed record set compiles (ctrl/compile_route.c) and is
 * answered through the pipeline with one of its sets; a set the routing
 * engine cannot resolve is an error naming file, line and key. */
static void test_routing_policy_compiles_and_answers(void **state)
{
	(void)state;
	const char *text =
		"listeners: [{address: 127.0.0.1, port: 53, role: public}]\n"
		"hosted_zones:\n"
		"  - Id: Z\n"
		"    Name: example.com\n"
		"    Config: {PrivateZone: false}\n"
		"    ResourceRecordSets:\n"
		"      - {Name: w.example.com, Type: A, TTL: 60, SetIdentifier: a, Weight: 1,"
		" ResourceRecords: [{Value: 192.0.2.1}]}\n"
		"      - {Name: w.example.com, Type: A, TTL: 60, SetIdentifier: b, Weight: 0,"
		" ResourceRecords: [{Value: 192.0.2.2}]}\n";
	struct dnsp_errlist errs;
	struct reply r;
	dnsp_errlist_init(&errs);
	struct dnsp_snapshot *s = fixture_compile(text, &errs);
	assert_non_null(s);
	ask(s, 0, "10.1.0.5", "w.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r.ancount, 1);
	dnsp_snapshot_destroy(s);
	dnsp_errlist_fini(&errs);

	const char *bad =
		"listeners: [{address: 127.0.0.1, port: 53, role: public}]\n"
		"hosted_zones:\n"
		"  - Id: Z\n"
		"    Name: example.com\n"
		"    Config: {PrivateZone: false}\n"
		"    ResourceRecordSets:\n"
		"      - {Name: l.example.com, Type: A, TTL: 60, SetIdentifier: a,"
		" Region: mars-north-1, ResourceRecords: [{Value: 192.0.2.1}]}\n";
	dnsp_errlist_init(&errs);
	assert_null(fixture_compile(bad, &errs));
	assert_true(errs.n >= 1);
	assert_non_null(strstr(errs.msgs[0], "t.yaml:7:"));
	assert_non_null(strstr(errs.msgs[0], "Region"));
	dnsp_errlist_fini(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_listener_never_sees_private_zone),
		cmocka_unit_test(test_resolver_listener_uses_private_zone),
		cmocka_unit_test(test_private_zone_over_captures),
		cmocka_unit_test(test_most_specific_private_zone_wins),
		cmocka_unit_test(test_public_refuses_outside_zones),
		cmocka_unit_test(test_resolver_servfail_without_local_source),
		cmocka_unit_test(test_vpc_by_client_cidr),
		cmocka_unit_test(test_dns_support_false_refused),
		cmocka_unit_test(test_dns_hostnames_false_skips_private_zones),
		cmocka_unit_test(test_alias_to_other_served_zone),
		cmocka_unit_test(test_cname_into_other_zone_followed),
		cmocka_unit_test(test_generated_soa_in_negative_answer),
		cmocka_unit_test(test_snapshot_metadata),
	};
	int rc = cmocka_run_group_tests(tests, snap_setup, snap_teardown);
	const struct CMUnitTest solo[] = {
		cmocka_unit_test(test_routing_policy_compiles_and_answers),
	};
	return rc | cmocka_run_group_tests(solo, NULL, NULL);
}
