/*
 * Unit tests of the Resolver source-selection compiler
 * (ctrl/compile_resolver.c) with the query pipeline (lib/pipeline.c): a
 * configuration with private zones, a Profile, FORWARD / SYSTEM / DELEGATE
 * rules and endpoints is compiled into a snapshot, and queries are run
 * through dnsp_pipeline_process() exactly as a worker would (no sockets,
 * no slow path: recursion is off, so a name that goes to public recursion
 * is SERVFAIL at once, and a rule's name is punted with its route). Each
 * test names the rule of SEMANTICS §11-12 / SPEC §3-4 it checks.
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
#include "lib/ratelimit.h"
#include "lib/sources.h"
#include "lib/wire/name.h"
#include "lib/wire/pkt.h"
#include "snapshot_fixture.h"

/* Listener slots. */
enum { L_VPC_A, L_IN_10, L_IN_11, L_BY_CIDR, L_IN_20, L_PUB };

static const char cfg_text[] =
	"listeners:\n"
	"  - {address: 127.0.0.2, port: 53, role: resolver, vpc: vpc-a}\n"
	"  - {address: 198.18.0.10, port: 53, role: inbound, endpoint: in-1}\n"
	"  - {address: 198.18.0.11, port: 53, role: inbound, endpoint: in-1}\n"
	"  - {address: 127.0.0.3, port: 53, role: resolver}\n"
	"  - {address: 198.18.0.20, port: 53, role: inbound, endpoint: in-2}\n"
	"  - {address: 127.0.0.4, port: 53, role: public}\n"
	"vpcs:\n"
	"  - {VpcId: vpc-a, Cidrs: [10.1.0.0/16]}\n"
	"  - {VpcId: vpc-nohost, Cidrs: [10.3.0.0/16], EnableDnsHostnames: false}\n"
	"  - {VpcId: vpc-p, Cidrs: [10.4.0.0/16], DnssecValidation: DISABLED}\n"
	"  - {VpcId: vpc-q, Cidrs: [10.5.0.0/16]}\n"
	"  - {VpcId: vpc-pf, Cidrs: [10.6.0.0/16]}\n"
	"  - {VpcId: vpc-pnh, Cidrs: [10.7.0.0/16], EnableDnsHostnames: false}\n"
	"  - {VpcId: vpc-pr, Cidrs: [10.8.0.0/16]}\n"
	"  - {VpcId: vpc-pe, Cidrs: [10.9.0.0/16]}\n"
	"hosted_zones:\n"
	"  - Id: ZPRIV\n"
	"    Name: example.com\n"
	"    Config: {PrivateZone: true}\n"
	"    VPCs: [{VPCId: vpc-a}, {VPCId: vpc-nohost}, {VPCId: vpc-p}]\n"
	"    ResourceRecordSets:\n"
	"      - {Name: www.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.1}]}\n"
	"      - {Name: onprem.example.com, Type: NS, TTL: 60, ResourceRecords: [{Value: ns1.onprem.example.com}, {Value: ns2.onprem.example.com}]}\n"
	"      - {Name: ns1.onprem.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 198.18.5.53}]}\n"
	"      - {Name: ns2.onprem.example.com, Type: AAAA, TTL: 60, ResourceRecords: [{Value: \"2001:db8::53\"}]}\n"
	"      - {Name: to-www.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: www.example.com}]}\n"
	"      - {Name: to-gone.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: gone.example.com}]}\n"
	"      - {Name: to-aws.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: payments.aws.example.com}]}\n"
	"      - {Name: to-corp.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: dc01.corp.example.com}]}\n"
	"      - {Name: chain.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: to-corp.example.com}]}\n"
	"      - {Name: to-cloud.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: app.cloud.corp.example.com}]}\n"
	"      - {Name: to-onprem.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: host.onprem.example.com}]}\n"
	"      - {Name: to-net.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: www.example.net}]}\n"
	"  - Id: ZCORP\n"
	"    Name: corp.example.com\n"
	"    Config: {PrivateZone: true}\n"
	"    VPCs: [{VPCId: vpc-a}]\n"
	"    ResourceRecordSets:\n"
	"      - {Name: dc01.corp.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.9}]}\n"
	"      - {Name: app.cloud.corp.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.10}]}\n"
	"  - Id: ZPROF\n"
	"    Name: aws.example.com\n"
	"    Config: {PrivateZone: true}\n"
	"    VPCs: []\n"
	"    ResourceRecordSets:\n"
	"      - {Name: payments.aws.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.2}]}\n"
	"      - {Name: to-www.aws.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: www.example.com}]}\n"
	"  - Id: ZLOCALAWS\n"
	"    Name: aws.example.com\n"
	"    Config: {PrivateZone: true}\n"
	"    VPCs: [{VPCId: vpc-p}, {VPCId: vpc-pf}]\n"
	"    ResourceRecordSets:\n"
	"      - {Name: payments.aws.example.com, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.3}]}\n"
	"  - Id: ZPUBORG\n"
	"    Name: example.org\n"
	"    Config: {PrivateZone: false}\n"
	"    ResourceRecordSets:\n"
	"      - {Name: to-sub.example.org, Type: CNAME, TTL: 60, ResourceRecords: [{Value: host.sub.example.org}]}\n"
	"  - Id: ZPUBSUB\n"
	"    Name: sub.example.org\n"
	"    Config: {PrivateZone: false}\n"
	"    ResourceRecordSets:\n"
	"      - {Name: host.sub.example.org, Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}\n"
	"resolver:\n"
	"  endpoints:\n"
	"    - {Id: in-1, Direction: INBOUND, VpcId: vpc-a, QpsPerEni: 5,\n"
	"       IpAddresses: [{Ip: 198.18.0.10}, {Ip: 198.18.0.11}]}\n"
	"    - {Id: in-2, Direction: INBOUND, VpcId: vpc-a, QpsPerEni: 5,\n"
	"       IpAddresses: [{Ip: 198.18.0.20}, {Ip: 198.18.0.21}]}\n"
	"    - {Id: out-1, Direction: OUTBOUND, VpcId: vpc-a,\n"
	"       IpAddresses: [{Ip: 198.18.1.10}, {Ip: 198.18.1.11}]}\n"
	"  rules:\n"
	"    - {Id: rr-corp, RuleType: FORWARD, DomainName: corp.example.com, ResolverEndpointId: out-1,\n"
	"       TargetIps: [{Ip: 198.18.2.53}, {Ip: 198.18.2.54, Port: 5353}]}\n"
	"    - {Id: rr-cloud, RuleType: SYSTEM, DomainName: cloud.corp.example.com}\n"
	"    - {Id: rr-dlg, RuleType: DELEGATE, DelegationRecord: onprem.example.com, ResolverEndpointId: out-1}\n"
	"    - {Id: rr-rev, RuleType: FORWARD, DomainName: 168.192.in-addr.arpa, ResolverEndpointId: out-1,\n"
	"       TargetIps: [{Ip: 198.18.2.53}]}\n"
	"  rule_associations:\n"
	"    - {ResolverRuleId: rr-corp, VPCId: vpc-a}\n"
	"    - {ResolverRuleId: rr-cloud, VPCId: vpc-a}\n"
	"    - {ResolverRuleId: rr-dlg, VPCId: vpc-a}\n"
	"    - {ResolverRuleId: rr-rev, VPCId: vpc-a}\n"
	"    - {ResolverRuleId: rr-corp, VPCId: vpc-nohost}\n"
	"    - {ResolverRuleId: rr-cloud, VPCId: vpc-nohost}\n"
	"  configs: [{ResourceId: vpc-q, AutodefinedReverseFlag: DISABLE},\n"
	"            {ResourceId: vpc-pe, AutodefinedReverseFlag: ENABLE}]\n"
	"firewall: {rule_groups: [{Id: frg-1, Name: g1}]}\n"
	"profiles:\n"
	"  - {Id: rp-1, Name: org, Resources: [{ResourceArn: ZPROF}, {ResourceArn: frg-1, Priority: 200}]}\n"
	"profile_associations:\n"
	"  - {ProfileId: rp-1, ResourceId: vpc-a, DnssecValidation: ENABLED}\n"
	"  - {ProfileId: rp-1, ResourceId: vpc-p, DnssecValidation: ENABLED}\n"
	"  - {ProfileId: rp-1, ResourceId: vpc-pf, EvaluationOrder: PROFILE_FIRST}\n"
	"  - {ProfileId: rp-1, ResourceId: vpc-pnh}\n"
	"  - {ProfileId: rp-1, ResourceId: vpc-pr, AutodefinedReverse: DISABLE}\n"
	"  - {ProfileId: rp-1, ResourceId: vpc-pe, AutodefinedReverse: DISABLE}\n";

static int snap_setup(void **state)
{
	return fixture_setup(state, cfg_text);
}

static int snap_teardown(void **state)
{
	return fixture_teardown(state);
}

struct reply {
	int len;                  /* pipeline result */
	uint8_t rcode;
	uint16_t flags, ancount, nscount;
	uint16_t types[8];        /* answer record types, in order */
	uint16_t auth_type;       /* first authority record's type, 0: none */
	uint8_t auth_owner[DNSP_NAME_MAX]; /* ... and its owner */
	uint8_t first_a[4];       /* first A record's address */
	uint8_t ptr[DNSP_NAME_MAX]; /* first PTR target */
	struct dnsp_punt punt;    /* the route, when punted */
	uint8_t query[512];       /* the query as sent */
	uint16_t qlen;
	uint8_t buf[4096];
};

static struct dnsp_stats stats;

enum { ASK_EDNS = 1, ASK_NO_RD = 2 };

/* Runs one query through the pipeline on listener slot `listener` from
 * client `src` and decodes what came out. how: ASK_EDNS adds an OPT record
 * (with a client subnet option), ASK_NO_RD clears RD. */
static void ask_how(const struct dnsp_snapshot *s, int listener, const char *src,
		    const char *name, uint16_t qtype, int how, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	uint8_t *b = r->buf;
	b[0] = 0x12; b[1] = 0x34; b[2] = how & ASK_NO_RD ? 0 : 0x01; /* RD */ b[5] = 1;
	size_t off = DNSP_HDR_LEN;
	int n = dnsp_name_from_text(name, strlen(name), (const uint8_t *)"", b + off);
	assert_true(n > 0);
	off += (size_t)n;
	b[off++] = (uint8_t)(qtype >> 8); b[off++] = (uint8_t)qtype;
	b[off++] = 0; b[off++] = 1;
	if (how & ASK_EDNS) {
		/* OPT: 1232 bytes, ECS 198.51.100.0/24 (RFC 7871 §6) */
		static const uint8_t opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 11,
					       0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100 };
		memcpy(b + off, opt, sizeof(opt));
		off += sizeof(opt);
		b[11] = 1;
	}
	memcpy(r->query, b, off);
	r->qlen = (uint16_t)off;
	struct dnsp_pkt p = {.buf = b, .len = (uint16_t)off, .cap = sizeof(r->buf), .family = 4,
			     .listener = (uint16_t)listener, .src_port = 5353};
	assert_int_equal(inet_pton(AF_INET, src, p.src), 1);
	struct dnsp_worker_ctx w;
	memset(&w, 0, sizeof(w));
	dnsp_worker_ctx_init(&w, &stats, 0, 1);
	r->len = dnsp_pipeline_process(s, &p, &w);
	r->punt = w.punt;
	if (r->len <= DNSP_HDR_LEN)
		return;
	r->flags = (uint16_t)(b[2] << 8 | b[3]);
	r->rcode = b[3] & 0xf;
	r->ancount = (uint16_t)(b[6] << 8 | b[7]);
	r->nscount = (uint16_t)(b[8] << 8 | b[9]);
	uint8_t tmp[DNSP_NAME_MAX];
	size_t wl;
	assert_true(dnsp_name_unpack(b, (size_t)r->len, DNSP_HDR_LEN, tmp, &wl, true) > 0);
	size_t a = DNSP_HDR_LEN + wl + 4;
	for (uint16_t i = 0; i < r->ancount && i < 8; i++) {
		assert_true(dnsp_name_unpack(b, (size_t)r->len, a, tmp, &wl, true) > 0);
		a += wl;
		uint16_t type = (uint16_t)(b[a] << 8 | b[a + 1]);
		uint16_t rdlen = (uint16_t)(b[a + 8] << 8 | b[a + 9]);
		r->types[i] = type;
		if (type == DNSP_T_A && !r->first_a[0])
			memcpy(r->first_a, b + a + 10, 4);
		if (type == DNSP_T_PTR)
			assert_true(dnsp_name_unpack(b, (size_t)r->len, a + 10, r->ptr, &wl, true) > 0);
		a += 10 + rdlen;
	}
	if (r->ancount <= 8 && r->nscount > 0) {
		assert_true(dnsp_name_unpack(b, (size_t)r->len, a, r->auth_owner, &wl, true) > 0);
		a += wl;
		r->auth_type = (uint16_t)(b[a] << 8 | b[a + 1]);
	}
}

static void ask(const struct dnsp_snapshot *s, int listener, const char *src, const char *name,
		uint16_t qtype, struct reply *r)
{
	ask_how(s, listener, src, name, qtype, 0, r);
}

static void assert_name(const uint8_t *got, const char *want)
{
	uint8_t w[DNSP_NAME_MAX];
	assert_true(dnsp_name_from_text(want, strlen(want), (const uint8_t *)"", w) > 0);
	assert_true(dnsp_name_equal(got, w));
}

static void assert_a(const struct reply *r, const char *ip)
{
	uint8_t want[4];
	assert_int_equal(inet_pton(AF_INET, ip, want), 1);
	assert_int_equal(r->rcode, DNSP_RCODE_NOERROR);
	assert_true(r->ancount >= 1);
	assert_memory_equal(r->first_a, want, 4);
}

static void assert_addr(const struct dnsp_upstream_addr *a, const char *ip, uint16_t port)
{
	uint8_t want[16] = {0};
	int fam = strchr(ip, ':') ? 6 : 4;
	assert_int_equal(inet_pton(fam == 6 ? AF_INET6 : AF_INET, ip, want), 1);
	assert_int_equal(a->family, fam);
	assert_memory_equal(a->addr, want, fam == 6 ? 16 : 4);
	if (port)
		assert_int_equal(a->port, port);
}

static const struct dnsp_resolver_vpc *rvpc(const struct dnsp_snapshot *s, const char *id)
{
	for (uint32_t i = 0; i < s->nvpcs; i++)
		if (strcmp(s->vpcs[i].id, id) == 0)
			return &s->resolver->vpcs[i];
	fail_msg("no VPC %s", id);
	return NULL;
}

/* ---- SEMANTICS §11: private zones and rules ---- */

/* §11 PHZ matching: "If a PHZ matches but holds no record for the name
 * and type, Resolver returns NXDOMAIN and does not fall back to public
 * DNS": the zone's own negative answer, its SOA in the authority section. */
static void test_private_zone_without_the_name_is_nxdomain(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "nosuch.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_true(r.flags & DNSP_FLAG_AA);
	assert_int_equal(r.nscount, 1);
	assert_int_equal(r.auth_type, DNSP_T_SOA);
	assert_name(r.auth_owner, "example.com");
	ask(*state, L_VPC_A, "10.1.0.5", "www.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.0.0.1");
}

/* §11 FORWARD: the query is punted with the rule's route: TargetIps in
 * order (failover), sent from the OUTBOUND endpoint's ENI addresses. */
static void test_forward_rule_punts_with_its_route(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "host.corp.example.com", DNSP_T_A, &r);
	assert_int_equal(r.len, DNSP_PIPELINE_PUNT);
	const struct dnsp_upstream *u = r.punt.upstream;
	assert_non_null(u);
	assert_int_equal(u->kind, DNSP_UPSTREAM_FORWARD);
	assert_string_equal(u->rule_id, "rr-corp");
	assert_int_equal(u->ntargets, 2);
	assert_addr(&u->targets[0], "198.18.2.53", 53);
	assert_addr(&u->targets[1], "198.18.2.54", 5353);
	assert_int_equal(u->nsources, 2);
	assert_addr(&u->sources[0], "198.18.1.10", 0);
	assert_addr(&u->sources[1], "198.18.1.11", 0);
	assert_true(u->endpoint >= 0);
	assert_int_not_equal(u->cache_tag, 0);
	uint8_t zone[DNSP_NAME_MAX];
	assert_true(dnsp_name_from_text("corp.example.com", 16, (const uint8_t *)"", zone) > 0);
	assert_memory_equal(u->zone, zone, dnsp_name_len(zone));
	assert_int_equal(r.punt.vpc, 0);
}

/* §11: PHZ vs Resolver rule for the same name (ZCORP and rr-corp are both
 * corp.example.com in vpc-a): the rule wins, names ZCORP holds included. */
static void test_rule_beats_private_zone_of_same_name(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "dc01.corp.example.com", DNSP_T_A, &r);
	assert_int_equal(r.len, DNSP_PIPELINE_PUNT);
	assert_string_equal(r.punt.upstream->rule_id, "rr-corp");
}

/* §11 SYSTEM: a SYSTEM rule carves its subtree out of the FORWARD rule and
 * resolves it the default way: here the private zone ZCORP, which the
 * FORWARD rule had overridden, answers again (NXDOMAIN for a name it
 * lacks, nothing forwarded). */
static void test_system_rule_resolves_locally(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "vm.cloud.corp.example.com", DNSP_T_A, &r);
	assert_true(r.len > 0);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_true(r.flags & DNSP_FLAG_AA);
}

/* §11 SYSTEM with no private zone above it: public recursion (off in this
 * test: SERVFAIL at once, never a punt through the FORWARD rule). */
static void test_system_rule_without_zone_goes_to_recursion(void **state)
{
	struct reply r;
	ask(*state, L_BY_CIDR, "10.3.0.5", "vm.cloud.corp.example.com", DNSP_T_A, &r);
	assert_true(r.len > 0);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL);
	ask(*state, L_BY_CIDR, "10.3.0.5", "dc01.corp.example.com", DNSP_T_A, &r);
	assert_int_equal(r.len, DNSP_PIPELINE_PUNT);
}

/* SPEC §3 "Rules": DELEGATE follows the NS delegation (with glue) found
 * for the name in the VPC's private zones: the route's targets are the
 * glue addresses, sent from the outbound endpoint. */
static void test_delegate_rule_routes_to_the_delegated_servers(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "host.onprem.example.com", DNSP_T_A, &r);
	assert_int_equal(r.len, DNSP_PIPELINE_PUNT);
	const struct dnsp_upstream *u = r.punt.upstream;
	assert_int_equal(u->kind, DNSP_UPSTREAM_DELEGATE);
	assert_string_equal(u->rule_id, "rr-dlg");
	assert_int_equal(u->ntargets, 2);
	assert_addr(&u->targets[0], "198.18.5.53", 53);
	assert_addr(&u->targets[1], "2001:db8::53", 53);
	assert_int_equal(u->nsources, 2);
}

/* §11 PHZ matching: "NS records in a PHZ cannot be used to delegate a
 * subdomain" (delegation is what DELEGATE rules are for): vpc-p sees
 * ZPRIV with its NS set for onprem.example.com but has no DELEGATE rule,
 * so a name below it is never sent to the NS servers (198.18.5.53), nor
 * answered with a referral: the zone answers it as any name it lacks
 * (NXDOMAIN, AA, its SOA), the NS set is data of the zone, and so is the
 * address of ns1 below the would-be cut. */
static void test_ns_records_in_a_private_zone_do_not_delegate(void **state)
{
	struct reply r;
	ask(*state, L_BY_CIDR, "10.4.0.5", "host.onprem.example.com", DNSP_T_A, &r);
	assert_true(r.len > 0); /* answered here, not punted */
	assert_null(r.punt.upstream);
	assert_int_equal(r.ancount, 0);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_true(r.flags & DNSP_FLAG_AA);
	assert_int_equal(r.auth_type, DNSP_T_SOA);
	assert_name(r.auth_owner, "example.com");
	ask(*state, L_BY_CIDR, "10.4.0.5", "onprem.example.com", DNSP_T_NS, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_true(r.flags & DNSP_FLAG_AA);
	assert_int_equal(r.ancount, 2);
	assert_int_equal(r.types[0], DNSP_T_NS);
	ask(*state, L_BY_CIDR, "10.4.0.5", "ns1.onprem.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_true(r.flags & DNSP_FLAG_AA);
	assert_a(&r, "198.18.5.53");
	const struct dnsp_source *src =
		dnsp_sources_lookup(&rvpc(*state, "vpc-p")->sources, r.buf + DNSP_HDR_LEN);
	assert_int_equal(src->kind, DNSP_SRC_ZONE);
	assert_string_equal(src->id, "ZPRIV");
}

/* Guide §5.2, SPEC §3: EnableDnsHostnames false → the VPC's private zones
 * are not used (rules still are). */
static void test_dns_hostnames_false_ignores_private_zones(void **state)
{
	struct reply r;
	ask(*state, L_BY_CIDR, "10.3.0.5", "www.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL);
	/* ... nor the autodefined reverse zones */
	ask(*state, L_BY_CIDR, "10.3.0.5", "4.3.2.10.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL);
}

/* Guide §5.2 "the VPC must have both enableDnsSupport and
 * enableDnsHostnames attributes enabled, or the Resolver will not use the
 * PHZ at all": that includes the zones its Profile brings (vpc-pnh gets
 * ZPROF through rp-1). */
static void test_dns_hostnames_false_ignores_profile_zones_too(void **state)
{
	struct reply r;
	ask(*state, L_BY_CIDR, "10.7.0.5", "payments.aws.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL); /* recursion (off here) */
	assert_int_equal(rvpc(*state, "vpc-pnh")->profile, 0);
	assert_int_equal(rvpc(*state, "vpc-pnh")->sources.n, 0);
}

/* ---- SEMANTICS §12 / guide §8.3: Profiles ---- */

/* A Profile's private zone answers in every VPC associated with it. */
static void test_profile_zone_answers(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "payments.aws.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.0.0.2");
}

/* Guide §8.3 (1): exact-name conflict → the local zone wins (VPC_FIRST). */
static void test_local_zone_beats_profile_zone(void **state)
{
	struct reply r;
	ask(*state, L_BY_CIDR, "10.4.0.5", "payments.aws.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.0.0.3");
}

/* Guide §8.3: EvaluationOrder PROFILE_FIRST → the Profile's zone wins. */
static void test_profile_first_makes_profile_zone_win(void **state)
{
	struct reply r;
	ask(*state, L_BY_CIDR, "10.6.0.5", "payments.aws.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.0.0.2");
}

/* CNAME chains cross between the VPC's own and its Profile's zones (the
 * VPC's view holds both). */
static void test_cname_crosses_profile_and_local_zones(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "to-www.aws.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r.ancount, 2);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
	assert_a(&r, "10.0.0.1");
}

/* ---- SEMANTICS §11-12: CNAME targets go through the VPC's source
 * selection (a resolver follows a CNAME by resolving its target as a new
 * query, RFC 1034 §4.3.2 / §5.3.3; the most specific source wins) ---- */

/* A punted query leaves the buffer holding the client's query exactly as
 * it was sent (the slow path parses it again), EDNS and ECS included. */
static void assert_punted_as_sent(const struct reply *r, const char *rule_id)
{
	assert_int_equal(r->len, DNSP_PIPELINE_PUNT);
	if (rule_id) {
		assert_non_null(r->punt.upstream);
		assert_string_equal(r->punt.upstream->rule_id, rule_id);
	} else {
		assert_null(r->punt.upstream); /* public recursion */
	}
	assert_memory_equal(r->buf, r->query, r->qlen);
	assert_false(r->punt.prefetch);
	assert_false(r->punt.stale);
}

/* §11 PHZ matching "the most specific PHZ wins" for a CNAME target:
 * to-aws.example.com (ZPRIV, example.com) CNAME payments.aws.example.com,
 * a name of the more specific private zone aws.example.com: in vpc-a its
 * Profile's ZPROF (10.0.0.2), in vpc-p its own ZLOCALAWS, which beats the
 * Profile's (§12, VPC_FIRST: 10.0.0.3). Answered on the fast path with
 * both records, not NXDOMAIN from ZPRIV. */
static void test_cname_target_in_a_more_specific_private_zone(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "to-aws.example.com", DNSP_T_A, &r);
	assert_true(r.len > 0);
	assert_int_equal(r.ancount, 2);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
	assert_int_equal(r.types[1], DNSP_T_A);
	assert_a(&r, "10.0.0.2");
	assert_true(r.flags & DNSP_FLAG_AA);
	ask(*state, L_BY_CIDR, "10.4.0.5", "to-aws.example.com", DNSP_T_A, &r);
	assert_int_equal(r.ancount, 2);
	assert_a(&r, "10.0.0.3");
}

/* §11 "the most specific domain wins" across rules and private zones, and
 * "PHZ vs Resolver rule for the same name: the rule wins", for a CNAME
 * target: to-corp.example.com (ZPRIV) CNAME dc01.corp.example.com, a name
 * of vpc-a's FORWARD rule rr-corp (which beats ZCORP). The query goes to
 * the slow path with rr-corp's route (which answers the CNAME and the
 * forwarded records), never NXDOMAIN from ZPRIV; so does a chain of two
 * local links (chain → to-corp → dc01) and a target of the DELEGATE rule
 * (to-onprem → host.onprem.example.com, rr-dlg). */
static void test_cname_target_under_a_forward_rule_is_punted(void **state)
{
	struct reply r;
	ask_how(*state, L_VPC_A, "10.1.0.5", "to-corp.example.com", DNSP_T_A, ASK_EDNS, &r);
	assert_punted_as_sent(&r, "rr-corp");
	assert_int_equal(r.punt.vpc, 0);
	ask(*state, L_IN_10, "203.0.113.5", "to-corp.example.com", DNSP_T_A, &r);
	assert_punted_as_sent(&r, "rr-corp");
	ask_how(*state, L_VPC_A, "10.1.0.5", "chain.example.com", DNSP_T_AAAA, ASK_EDNS, &r);
	assert_punted_as_sent(&r, "rr-corp");
	ask(*state, L_VPC_A, "10.1.0.5", "to-onprem.example.com", DNSP_T_A, &r);
	assert_punted_as_sent(&r, "rr-dlg");
	/* the CNAME itself is local data: answered at once */
	ask(*state, L_VPC_A, "10.1.0.5", "to-corp.example.com", DNSP_T_CNAME, &r);
	assert_true(r.len > 0);
	assert_int_equal(r.ancount, 1);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
}

/* RFC 1034 §4.3.1: without RD nothing is resolved upstream; the local
 * part of the chain is the answer (the CNAME, NOERROR). */
static void test_cname_target_under_a_rule_without_rd_answers_the_local_part(void **state)
{
	struct reply r;
	ask_how(*state, L_VPC_A, "10.1.0.5", "chain.example.com", DNSP_T_A, ASK_NO_RD | ASK_EDNS,
		&r);
	assert_true(r.len > 0);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r.ancount, 2);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
	assert_int_equal(r.types[1], DNSP_T_CNAME);
	assert_int_equal(r.nscount, 0);
}

/* §11 SYSTEM "resolves the subdomain locally, carving it out of a broader
 * FORWARD rule", for a CNAME target: to-cloud.example.com (ZPRIV) CNAME
 * app.cloud.corp.example.com lies under rr-cloud (SYSTEM) inside rr-corp
 * (FORWARD); the private zone the SYSTEM rule falls to (ZCORP) answers it
 * on the fast path: CNAME + A, nothing forwarded. */
static void test_cname_target_under_a_system_rule_resolves_locally(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "to-cloud.example.com", DNSP_T_A, &r);
	assert_true(r.len > 0);
	assert_null(r.punt.upstream);
	assert_int_equal(r.ancount, 2);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
	assert_a(&r, "10.0.0.10");
}

/* RFC 1034 §4.3.2 step 3a within one source: a target that ZPRIV itself
 * answers (no more specific source covers it) is followed on the fast path
 * exactly as before: to-www → www.example.com (CNAME + A, AA), and
 * to-gone → gone.example.com, which ZPRIV lacks: NXDOMAIN with ZPRIV's SOA
 * (§11 PHZ matching: no public fallback). */
static void test_cname_target_in_the_same_zone_is_unchanged(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "to-www.example.com", DNSP_T_A, &r);
	assert_int_equal(r.ancount, 2);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
	assert_a(&r, "10.0.0.1");
	assert_true(r.flags & DNSP_FLAG_AA);
	ask(*state, L_VPC_A, "10.1.0.5", "to-gone.example.com", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_int_equal(r.ancount, 1);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
	assert_int_equal(r.auth_type, DNSP_T_SOA);
	assert_name(r.auth_owner, "example.com");
	/* vpc-p has no rule for onprem.example.com: ZPRIV's own data, as before
	 * (§11: NS records in a PHZ do not delegate), never a punt */
	ask(*state, L_BY_CIDR, "10.4.0.5", "to-onprem.example.com", DNSP_T_A, &r);
	assert_true(r.len > 0);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
}

/* §11 "No PHZ match ⇒ normal public recursion", for a CNAME target:
 * to-net.example.com CNAME www.example.net, a name no source of vpc-a
 * covers. With recursion available the query goes to the slow path's
 * public recursion; without it (this fixture) the local part is the answer
 * (the CNAME, NOERROR), as before. */
static void test_cname_target_without_a_source_goes_to_recursion(void **state)
{
	struct dnsp_snapshot *s = *state;
	struct reply r;
	ask(s, L_VPC_A, "10.1.0.5", "to-net.example.com", DNSP_T_A, &r);
	assert_true(r.len > 0);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r.ancount, 1);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
	const struct dnsp_recursion_conf *saved = s->recursion;
	struct dnsp_recursion_conf on = { .enabled = true };
	s->recursion = &on;
	ask_how(s, L_VPC_A, "10.1.0.5", "to-net.example.com", DNSP_T_A, ASK_EDNS, &r);
	s->recursion = saved;
	assert_punted_as_sent(&r, NULL);
}

/* Public listeners keep authoritative behaviour (RFC 1034 §4.3.2 as knotd
 * answers, tests/integration/test_differential.py): ZPUBORG's to-sub CNAME
 * host.sub.example.org is followed inside example.org only, although the
 * public zone sub.example.org holds the target: NXDOMAIN with
 * example.org's SOA. */
static void test_public_listener_follows_cnames_inside_the_zone(void **state)
{
	struct reply r;
	ask(*state, L_PUB, "192.0.2.99", "to-sub.example.org", DNSP_T_A, &r);
	assert_true(r.len > 0);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_true(r.flags & DNSP_FLAG_AA);
	assert_int_equal(r.ancount, 1);
	assert_int_equal(r.types[0], DNSP_T_CNAME);
	assert_int_equal(r.auth_type, DNSP_T_SOA);
	assert_name(r.auth_owner, "example.org");
	ask(*state, L_PUB, "192.0.2.99", "host.sub.example.org", DNSP_T_A, &r);
	assert_a(&r, "192.0.2.1");
}

/* SPEC §3 "VPCs": DnssecValidation is the VPC's setting, else its
 * Profile's, else off; resolved per VPC at compile time. */
static void test_dnssec_validation_resolves_per_vpc(void **state)
{
	const struct dnsp_snapshot *s = *state;
	assert_true(rvpc(s, "vpc-a")->dnssec_validation);   /* profile ENABLED */
	assert_false(rvpc(s, "vpc-p")->dnssec_validation);  /* VPC DISABLED wins */
	assert_false(rvpc(s, "vpc-q")->dnssec_validation);  /* default */
	assert_int_equal(rvpc(s, "vpc-a")->profile, 0);
	assert_int_equal(rvpc(s, "vpc-q")->profile, -1);
}

/* ---- SEMANTICS §11: autodefined reverse zones ---- */

/* RFC 6303 zones are answered locally: NXDOMAIN with the zone's SOA
 * (nobody.invalid), never sent upstream; localhost and the loopback
 * reverse names answer as unbound does. */
static void test_autodefined_reverse_zones_answer_locally(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "4.3.2.10.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_true(r.flags & DNSP_FLAG_AA);
	assert_int_equal(r.nscount, 1);
	ask(*state, L_VPC_A, "10.1.0.5", "9.9.20.172.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	ask(*state, L_VPC_A, "10.1.0.5", "254.169.254.169.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR); /* the apex: NODATA with its SOA */
	assert_int_equal(r.ancount, 0);
	assert_int_equal(r.nscount, 1);
	ask(*state, L_VPC_A, "10.1.0.5", "1.0.0.127.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	uint8_t lh[DNSP_NAME_MAX];
	assert_true(dnsp_name_from_text("localhost", 9, (const uint8_t *)"", lh) > 0);
	assert_true(dnsp_name_equal(r.ptr, lh));
	ask(*state, L_VPC_A, "10.1.0.5", "localhost", DNSP_T_A, &r);
	assert_a(&r, "127.0.0.1");
	ask(*state, L_VPC_A, "10.1.0.5",
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	/* a reverse name outside them goes to recursion (off: SERVFAIL) */
	ask(*state, L_VPC_A, "10.1.0.5", "1.2.0.192.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL);
}

/* SEMANTICS §11: the VPC CIDR reverse zones are autodefined too. */
static void test_vpc_cidr_reverse_zone_is_autodefined(void **state)
{
	const struct dnsp_snapshot *s = *state;
	uint8_t n[DNSP_NAME_MAX];
	assert_true(dnsp_name_from_text("5.0.1.10.in-addr.arpa", 21, (const uint8_t *)"", n) > 0);
	const struct dnsp_source *src = dnsp_sources_lookup(&rvpc(s, "vpc-a")->sources, n);
	assert_non_null(src);
	assert_int_equal(src->origin, DNSP_ORIGIN_AUTO);
	assert_int_equal(src->zone->apex_labels, 4); /* 1.10.in-addr.arpa */
}

/* §11 override: a forwarding rule for an autodefined name wins. */
static void test_rule_overrides_autodefined_reverse_zone(void **state)
{
	struct reply r;
	ask(*state, L_VPC_A, "10.1.0.5", "7.1.168.192.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.len, DNSP_PIPELINE_PUNT);
	assert_string_equal(r.punt.upstream->rule_id, "rr-rev");
}

/* §11 autodefined domains: exactly the RFC 6303 zones (10, 16-31.172,
 * 168.192, 254.169.254.169, localhost, 127, ::1 and ::) plus the VPC CIDR
 * ones; 15.172 and 32.172 or another 169.254 address are not among them. */
static void test_autodefined_reverse_zones_are_the_rfc6303_list(void **state)
{
	const struct dnsp_sources *t = &rvpc(*state, "vpc-p")->sources;
	static const char *const inside[] = {
		"1.2.3.10.in-addr.arpa", "1.0.16.172.in-addr.arpa", "1.0.31.172.in-addr.arpa",
		"1.1.168.192.in-addr.arpa", "254.169.254.169.in-addr.arpa", "localhost",
		"a.localhost", "1.0.0.127.in-addr.arpa", "9.4.10.in-addr.arpa",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
	};
	static const char *const outside[] = {
		"1.0.15.172.in-addr.arpa", "1.0.32.172.in-addr.arpa", "1.1.169.192.in-addr.arpa",
		"253.169.254.169.in-addr.arpa", "1.1.254.169.in-addr.arpa", "1.0.0.11.in-addr.arpa",
		"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa",
		"ip6.arpa", "in-addr.arpa",
	};
	uint8_t n[DNSP_NAME_MAX];
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		assert_true(dnsp_name_from_text(inside[i], strlen(inside[i]), (const uint8_t *)"", n) > 0);
		const struct dnsp_source *src = dnsp_sources_lookup(t, n);
		if (!src || src->origin != DNSP_ORIGIN_AUTO || src->kind != DNSP_SRC_ZONE)
			fail_msg("%s: not in an autodefined zone", inside[i]);
	}
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		assert_true(dnsp_name_from_text(outside[i], strlen(outside[i]), (const uint8_t *)"", n) > 0);
		if (dnsp_sources_lookup(t, n))
			fail_msg("%s: in an autodefined zone", outside[i]);
	}
}

/* §11 override: ResolverConfig AutodefinedReverseFlag DISABLE. */
static void test_autodefined_reverse_can_be_disabled(void **state)
{
	struct reply r;
	ask(*state, L_BY_CIDR, "10.5.0.5", "4.3.2.10.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL);
	assert_false(rvpc(*state, "vpc-q")->autodefined_reverse);
	assert_true(rvpc(*state, "vpc-a")->autodefined_reverse);
}

/* SEMANTICS §12: ResolverConfig.AutodefinedReverse is one of the settings
 * a Profile can manage or leave to the VPC (USE_LOCAL_RESOURCE_SETTING,
 * the default: vpc-a's association). Like DnssecValidation (SPEC §3
 * "VPCs"), the Profile's value applies where the VPC sets none: vpc-pr's
 * association DISABLEs the autodefined zones; vpc-pe's own ResolverConfig
 * ENABLE is kept over its association's DISABLE. */
static void test_profile_manages_autodefined_reverse_where_the_vpc_sets_none(void **state)
{
	struct reply r;
	assert_false(rvpc(*state, "vpc-pr")->autodefined_reverse);
	ask(*state, L_BY_CIDR, "10.8.0.5", "4.3.2.10.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL); /* recursion (off here) */
	assert_true(rvpc(*state, "vpc-pe")->autodefined_reverse);
	ask(*state, L_BY_CIDR, "10.9.0.5", "4.3.2.10.in-addr.arpa", DNSP_T_PTR, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_true(r.flags & DNSP_FLAG_AA);
}

/* ---- SEMANTICS §11: autodefined EC2 private DNS domains ---- */

/* A second snapshot: every VPC forwards "." (rr-all), the listener picks
 * the VPC by client CIDR. */
static const char ec2_cfg_text[] =
	"listeners:\n"
	"  - {address: 127.0.0.3, port: 53, role: resolver}\n"
	"vpcs:\n"
	"  - {VpcId: vpc-use1, Cidrs: [10.1.0.0/16], Region: us-east-1}\n"
	"  - {VpcId: vpc-any, Cidrs: [10.2.0.0/16]}\n"
	"  - {VpcId: vpc-rule, Cidrs: [10.3.0.0/16], Region: us-east-1}\n"
	"  - {VpcId: vpc-nohost, Cidrs: [10.4.0.0/16], Region: us-east-1, EnableDnsHostnames: false}\n"
	"  - {VpcId: vpc-norev, Cidrs: [10.5.0.0/16], Region: eu-west-1}\n"
	"resolver:\n"
	"  endpoints:\n"
	"    - {Id: out-1, Direction: OUTBOUND, VpcId: vpc-use1,\n"
	"       IpAddresses: [{Ip: 198.18.1.10}, {Ip: 198.18.1.11}]}\n"
	"  rules:\n"
	"    - {Id: rr-all, RuleType: FORWARD, DomainName: \".\", ResolverEndpointId: out-1,\n"
	"       TargetIps: [{Ip: 198.18.2.53}]}\n"
	"    - {Id: rr-use1, RuleType: FORWARD, DomainName: us-east-1.compute.internal,\n"
	"       ResolverEndpointId: out-1, TargetIps: [{Ip: 198.18.2.54}]}\n"
	"  rule_associations:\n"
	"    - {ResolverRuleId: rr-all, VPCId: vpc-use1}\n"
	"    - {ResolverRuleId: rr-all, VPCId: vpc-any}\n"
	"    - {ResolverRuleId: rr-all, VPCId: vpc-rule}\n"
	"    - {ResolverRuleId: rr-use1, VPCId: vpc-rule}\n"
	"    - {ResolverRuleId: rr-all, VPCId: vpc-nohost}\n"
	"    - {ResolverRuleId: rr-all, VPCId: vpc-norev}\n"
	"  configs: [{ResourceId: vpc-norev, AutodefinedReverseFlag: DISABLE}]\n";

enum { L_EC2 = 0 };

static struct dnsp_snapshot *ec2_snapshot(void)
{
	void *s = NULL;
	assert_int_equal(fixture_setup(&s, ec2_cfg_text), 0);
	return s;
}

/* Answered locally from an empty autodefined zone: NXDOMAIN, AA, the
 * zone's SOA (owner `apex`) in the authority section. */
static void assert_auto_nxdomain(const struct reply *r, const char *apex)
{
	assert_true(r->len > 0);
	assert_int_equal(r->rcode, DNSP_RCODE_NXDOMAIN);
	assert_true(r->flags & DNSP_FLAG_AA);
	assert_int_equal(r->ancount, 0);
	assert_int_equal(r->nscount, 1);
	assert_int_equal(r->auth_type, DNSP_T_SOA);
	assert_name(r->auth_owner, apex);
}

static void assert_forwarded(const struct reply *r, const char *rule)
{
	assert_int_equal(r->len, DNSP_PIPELINE_PUNT);
	assert_non_null(r->punt.upstream);
	assert_string_equal(r->punt.upstream->rule_id, rule);
}

/* §11 "A custom "." FORWARD rule still does not forward the autodefined
 * domains": <region>.compute.internal and, in us-east-1, ec2.internal are
 * answered locally (no instances: NXDOMAIN, no IP-based host names), their
 * apex NODATA; another region's compute.internal goes to the "." rule. */
static void test_dot_forward_rule_does_not_forward_ec2_domains(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = ec2_snapshot();
	struct reply r;
	ask(s, L_EC2, "10.1.0.5", "ip-10-0-0-5.ec2.internal", DNSP_T_A, &r);
	assert_auto_nxdomain(&r, "ec2.internal");
	ask(s, L_EC2, "10.1.0.5", "ip-10-0-0-5.us-east-1.compute.internal", DNSP_T_A, &r);
	assert_auto_nxdomain(&r, "us-east-1.compute.internal");
	ask(s, L_EC2, "10.1.0.5", "us-east-1.compute.internal", DNSP_T_A, &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR); /* the apex: NODATA with its SOA */
	assert_true(r.flags & DNSP_FLAG_AA);
	assert_int_equal(r.ancount, 0);
	assert_int_equal(r.auth_type, DNSP_T_SOA);
	/* not this VPC's region, nor compute.internal itself */
	ask(s, L_EC2, "10.1.0.5", "x.eu-west-1.compute.internal", DNSP_T_A, &r);
	assert_forwarded(&r, "rr-all");
	ask(s, L_EC2, "10.1.0.5", "compute.internal", DNSP_T_A, &r);
	assert_forwarded(&r, "rr-all");
	ask(s, L_EC2, "10.1.0.5", "www.example.com", DNSP_T_A, &r);
	assert_forwarded(&r, "rr-all");
	/* eu-west-1 has no ec2.internal (a us-east-1 name) */
	ask(s, L_EC2, "10.5.0.5", "ip-10-0-0-5.eu-west-1.compute.internal", DNSP_T_A, &r);
	assert_auto_nxdomain(&r, "eu-west-1.compute.internal");
	ask(s, L_EC2, "10.5.0.5", "ip-10-0-0-5.ec2.internal", DNSP_T_A, &r);
	assert_forwarded(&r, "rr-all");
	dnsp_snapshot_destroy(s);
}

/* §11 autodefined domains, region unknown (no Region on the VPC): every
 * region's <region>.compute.internal, so compute.internal and ec2.internal. */
static void test_ec2_domains_without_region_cover_every_region(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = ec2_snapshot();
	struct reply r;
	ask(s, L_EC2, "10.2.0.5", "x.eu-west-1.compute.internal", DNSP_T_A, &r);
	assert_auto_nxdomain(&r, "compute.internal");
	ask(s, L_EC2, "10.2.0.5", "ip-10-0-0-5.ec2.internal", DNSP_T_AAAA, &r);
	assert_auto_nxdomain(&r, "ec2.internal");
	ask(s, L_EC2, "10.2.0.5", "x.internal", DNSP_T_A, &r);
	assert_forwarded(&r, "rr-all");
	dnsp_snapshot_destroy(s);
}

/* §11 override options: "a forwarding rule for the same name" wins over
 * the autodefined zone (and the zones are one per snapshot, shared). */
static void test_rule_overrides_autodefined_ec2_domain(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = ec2_snapshot();
	struct reply r;
	ask(s, L_EC2, "10.3.0.5", "ip-10-0-0-5.us-east-1.compute.internal", DNSP_T_A, &r);
	assert_forwarded(&r, "rr-use1");
	ask(s, L_EC2, "10.3.0.5", "ip-10-0-0-5.ec2.internal", DNSP_T_A, &r);
	assert_auto_nxdomain(&r, "ec2.internal");
	uint8_t n[DNSP_NAME_MAX];
	assert_true(dnsp_name_from_text("ec2.internal", 12, (const uint8_t *)"", n) > 0);
	const struct dnsp_source *a = dnsp_sources_lookup(&rvpc(s, "vpc-use1")->sources, n);
	const struct dnsp_source *b = dnsp_sources_lookup(&rvpc(s, "vpc-rule")->sources, n);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->origin, DNSP_ORIGIN_AUTO);
	assert_ptr_equal(a->zone, b->zone);
	dnsp_snapshot_destroy(s);
}

/* §11 override options: enableDnsHostnames=false turns the EC2 domains
 * off (forwarded by "."); AutodefinedReverse DISABLE does not (it is for
 * the reverse zones). */
static void test_ec2_domains_follow_dns_hostnames_not_autodefined_reverse(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = ec2_snapshot();
	struct reply r;
	ask(s, L_EC2, "10.4.0.5", "ip-10-0-0-5.ec2.internal", DNSP_T_A, &r);
	assert_forwarded(&r, "rr-all");
	ask(s, L_EC2, "10.4.0.5", "ip-10-0-0-5.us-east-1.compute.internal", DNSP_T_A, &r);
	assert_forwarded(&r, "rr-all");
	assert_false(rvpc(s, "vpc-norev")->autodefined_reverse);
	ask(s, L_EC2, "10.5.0.5", "4.3.2.10.in-addr.arpa", DNSP_T_PTR, &r);
	assert_forwarded(&r, "rr-all");
	ask(s, L_EC2, "10.5.0.5", "ip-10-5-0-5.eu-west-1.compute.internal", DNSP_T_A, &r);
	assert_auto_nxdomain(&r, "eu-west-1.compute.internal");
	dnsp_snapshot_destroy(s);
}

/* ---- SPEC §3: endpoints ---- */

/* "Which VPC a query belongs to": an inbound listener serves its
 * endpoint's VPC whatever the client address (on-premises clients are
 * outside the VPC). */
static void test_inbound_listener_serves_its_endpoints_vpc(void **state)
{
	struct reply r;
	ask(*state, L_IN_10, "203.0.113.5", "www.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.0.0.1");
	ask(*state, L_IN_11, "10.4.0.5", "payments.aws.example.com", DNSP_T_A, &r);
	assert_a(&r, "10.0.0.2"); /* vpc-a's profile zone, not vpc-p's local one */
	assert_int_equal(((const struct dnsp_snapshot *)*state)->listeners[L_IN_10].vpc, 0);
}

/* "Endpoints": a token bucket per ENI with a burst of one second's worth
 * (QpsPerEni 5 here); queries over it are dropped and counted per ENI,
 * and each ENI has its own bucket. (in-2's ENIs are used by this test
 * only; the ENI table is process-wide.) */
static void test_inbound_eni_ceiling_drops_and_counts(void **state)
{
	const struct dnsp_snapshot *s = *state;
	const struct dnsp_eni_ref *e20 = s->resolver->listener_eni[L_IN_20];
	const struct dnsp_eni_ref *e10 = s->resolver->listener_eni[L_IN_10];
	assert_non_null(e20);
	assert_non_null(e10);
	assert_int_not_equal(e10->slot, e20->slot);
	assert_string_equal(e20->ip, "198.18.0.20");
	assert_int_equal(e20->rate.qps, 5);
	assert_null(s->resolver->listener_eni[L_VPC_A]);
	uint64_t q0, d0, q1, d1;
	dnsp_eni_totals(s->resolver->enis, e20->slot, &q0, &d0);
	struct reply r;
	int answered = 0, dropped = 0;
	for (int i = 0; i < 8; i++) {
		ask(s, L_IN_20, "203.0.113.5", "www.example.com", DNSP_T_A, &r);
		if (r.len == DNSP_PIPELINE_DROP)
			dropped++;
		else
			answered++;
	}
	assert_int_equal(answered, 5);
	assert_int_equal(dropped, 3);
	dnsp_eni_totals(s->resolver->enis, e20->slot, &q1, &d1);
	assert_int_equal(q1 - q0, 8);
	assert_int_equal(d1 - d0, 3);
	ask(s, L_IN_10, "203.0.113.5", "www.example.com", DNSP_T_A, &r);
	assert_true(r.len > 0); /* another ENI's bucket is untouched */
}

/* The outbound ENI ceiling hook the slow path calls per upstream query. */
static void test_outbound_admit_hook_without_published_snapshot(void **state)
{
	(void)state;
	/* nothing published in this process: never limited */
	assert_true(dnsp_sources_outbound_admit(NULL, 0, 0));
	assert_true(dnsp_sources_outbound_admit(NULL, -1, 0));
}

/* ---- compile errors ---- */

static void expect_compile_error(const char *text, const char *prefix)
{
	struct dnsp_errlist errs;
	dnsp_errlist_init(&errs);
	struct dnsp_snapshot *s = fixture_compile(text, &errs);
	bool found = false;
	for (size_t i = 0; i < errs.n; i++)
		found |= strncmp(errs.msgs[i], prefix, strlen(prefix)) == 0;
	if (s || !found) {
		fprintf(stderr, "wanted %s\n", prefix);
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "  got %s\n", errs.msgs[i]);
	}
	dnsp_snapshot_destroy(s);
	dnsp_errlist_fini(&errs);
	assert_null(s);
	assert_true(found);
}

/* A DELEGATE rule needs an NS delegation with glue in the VPC's zones. */
static void test_delegate_without_glue_is_an_error(void **state)
{
	(void)state;
	expect_compile_error(
		"listeners: [{address: 127.0.0.2, role: resolver, vpc: vpc-a}]\n"          /* 1 */
		"vpcs: [{VpcId: vpc-a}]\n"                                                  /* 2 */
		"resolver:\n"                                                               /* 3 */
		"  endpoints: [{Id: o, Direction: OUTBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.1.1}]}]\n"
		"  rules: [{Id: d, RuleType: DELEGATE, DelegationRecord: sub.example.com, ResolverEndpointId: o}]\n"
		"  rule_associations: [{ResolverRuleId: d, VPCId: vpc-a}]\n",
		"t.yaml:5: DelegationRecord: DELEGATE rule d: no NS records with glue for sub.example.com. "
		"in the private zones of VPC vpc-a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_zone_without_the_name_is_nxdomain),
		cmocka_unit_test(test_forward_rule_punts_with_its_route),
		cmocka_unit_test(test_rule_beats_private_zone_of_same_name),
		cmocka_unit_test(test_system_rule_resolves_locally),
		cmocka_unit_test(test_system_rule_without_zone_goes_to_recursion),
		cmocka_unit_test(test_delegate_rule_routes_to_the_delegated_servers),
		cmocka_unit_test(test_ns_records_in_a_private_zone_do_not_delegate),
		cmocka_unit_test(test_dns_hostnames_false_ignores_private_zones),
		cmocka_unit_test(test_dns_hostnames_false_ignores_profile_zones_too),
		cmocka_unit_test(test_profile_zone_answers),
		cmocka_unit_test(test_local_zone_beats_profile_zone),
		cmocka_unit_test(test_profile_first_makes_profile_zone_win),
		cmocka_unit_test(test_cname_crosses_profile_and_local_zones),
		cmocka_unit_test(test_cname_target_in_a_more_specific_private_zone),
		cmocka_unit_test(test_cname_target_under_a_forward_rule_is_punted),
		cmocka_unit_test(test_cname_target_under_a_rule_without_rd_answers_the_local_part),
		cmocka_unit_test(test_cname_target_under_a_system_rule_resolves_locally),
		cmocka_unit_test(test_cname_target_in_the_same_zone_is_unchanged),
		cmocka_unit_test(test_cname_target_without_a_source_goes_to_recursion),
		cmocka_unit_test(test_public_listener_follows_cnames_inside_the_zone),
		cmocka_unit_test(test_dnssec_validation_resolves_per_vpc),
		cmocka_unit_test(test_autodefined_reverse_zones_answer_locally),
		cmocka_unit_test(test_vpc_cidr_reverse_zone_is_autodefined),
		cmocka_unit_test(test_rule_overrides_autodefined_reverse_zone),
		cmocka_unit_test(test_autodefined_reverse_zones_are_the_rfc6303_list),
		cmocka_unit_test(test_autodefined_reverse_can_be_disabled),
		cmocka_unit_test(test_profile_manages_autodefined_reverse_where_the_vpc_sets_none),
		cmocka_unit_test(test_dot_forward_rule_does_not_forward_ec2_domains),
		cmocka_unit_test(test_ec2_domains_without_region_cover_every_region),
		cmocka_unit_test(test_rule_overrides_autodefined_ec2_domain),
		cmocka_unit_test(test_ec2_domains_follow_dns_hostnames_not_autodefined_reverse),
		cmocka_unit_test(test_inbound_listener_serves_its_endpoints_vpc),
		cmocka_unit_test(test_inbound_eni_ceiling_drops_and_counts),
		cmocka_unit_test(test_outbound_admit_hook_without_published_snapshot),
		cmocka_unit_test(test_delegate_without_glue_is_an_error),
	};
	return cmocka_run_group_tests(tests, snap_setup, snap_teardown);
}
