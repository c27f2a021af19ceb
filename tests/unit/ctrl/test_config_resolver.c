/*
 * Unit tests for the `resolver` (endpoints, rules, rule associations,
 * configs), `profiles` and `profile_associations` sections
 * (ctrl/config_resolver.c, ctrl/config_profiles.c; SPEC §3, SEMANTICS
 * §11-12, §18): a good file loads with the right values, and every bad
 * shape produces exactly the expected "FILE:LINE: KEY: message" line. The
 * inline configurations are built on bases whose line numbers are noted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/config.h"
#include "ctrl/config_profiles.h"
#include "ctrl/config_resolver.h"
#include "lib/snapshot.h"
#include "lib/sources.h"
#include "snapshot_fixture.h"

static struct dnsp_errlist errs;
static struct dnsp_config *cfg;

/* Lines 1-12; endpoint items appended start at line 13. */
#define EP_BASE                                                                            \
	"listeners:\n"                                                           /* 1 */   \
	"  - {address: 127.0.0.1, role: public}\n"                               /* 2 */   \
	"vpcs:\n"                                                                /* 3 */   \
	"  - {VpcId: vpc-a, Cidrs: [10.0.0.0/16]}\n"                             /* 4 */   \
	"  - {VpcId: vpc-b, Cidrs: [10.1.0.0/16]}\n"                             /* 5 */   \
	"hosted_zones:\n"                                                        /* 6 */   \
	"  - {Id: Z1, Name: example.com., Config: {PrivateZone: true}, VPCs: [{VPCId: vpc-a}]}\n" \
	"  - {Id: ZPUB, Name: example.org.}\n"                                   /* 8 */   \
	"  - {Id: Z2, Name: aws.example.com., Config: {PrivateZone: true}, VPCs: []}\n"    \
	"resolver:\n"                                                            /* 10 */  \
	"  endpoints:\n"                                                         /* 11 */  \
	"    - {Id: out-1, Direction: OUTBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.1.10}]}\n"

/* EP_BASE + lines 13-16; rule items appended start at line 17. */
#define RULES_BASE                                                                         \
	EP_BASE                                                                            \
	"  rules:\n"                                                             /* 13 */  \
	"    - {Id: rr-fwd, RuleType: FORWARD, DomainName: corp.example.com, "                \
	"ResolverEndpointId: out-1, TargetIps: [{Ip: 198.18.2.53}]}\n"           /* 14 */  \
	"    - {Id: rr-sys, RuleType: SYSTEM, DomainName: cloud.corp.example.com}\n"          \
	"    - {Id: rr-fwd2, RuleType: FORWARD, DomainName: corp.example.com, "               \
	"ResolverEndpointId: out-1, TargetIps: [{Ip: 198.18.2.54}]}\n"           /* 16 */

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
	return dnsp_config_load_string(text, strlen(text), "t.yaml", ".", &cfg, &errs);
}

static void dump(const char *want)
{
	fprintf(stderr, "wanted: %s...\ngot %zu error(s):\n", want, errs.n);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "  %s\n", errs.msgs[i]);
}

static bool has(const char *prefix)
{
	for (size_t i = 0; i < errs.n; i++)
		if (strncmp(errs.msgs[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* The load fails with exactly one error, which starts with prefix. */
static void expect_one(const char *text, const char *prefix)
{
	int rc = load(text);
	if (rc != DNSP_ECONFIG || errs.n != 1 || !has(prefix)) {
		dump(prefix);
		fail_msg("rc=%d", rc);
	}
	assert_null(cfg);
}

static void expect_ok(const char *text)
{
	int rc = load(text);
	if (rc != 0) {
		dump("(no errors)");
		fail_msg("rc=%d", rc);
	}
	assert_non_null(cfg);
}

static void teardown_all(void)
{
	reset();
	dnsp_errlist_fini(&errs);
}

/* ---- a good file ---- */

static const char good[] =
	"listeners:\n"
	"  - {address: 198.18.0.10, port: 53, role: inbound, endpoint: in-1}\n"
	"vpcs:\n"
	"  - {VpcId: vpc-a, Cidrs: [10.0.0.0/16]}\n"
	"  - {VpcId: vpc-b, Cidrs: [10.1.0.0/16], DnssecValidation: DISABLED}\n"
	"hosted_zones:\n"
	"  - {Id: Z1, Name: example.com., Config: {PrivateZone: true}, VPCs: [{VPCId: vpc-a}]}\n"
	"  - {Id: Z2, Name: aws.example.com., Config: {PrivateZone: true}, VPCs: []}\n"
	"resolver:\n"
	"  qname_minimisation: true\n"
	"  endpoints:\n"
	"    - Id: in-1\n"
	"      Name: inbound-a\n"
	"      Direction: INBOUND\n"
	"      VpcId: vpc-a\n"
	"      IpAddresses: [{Ip: 198.18.0.10, SubnetId: subnet-1}, {Ip: 198.18.0.11}]\n"
	"      QpsPerEni: 500\n"
	"      ResolverEndpointType: IPV4\n"
	"      Protocols: [Do53]\n"
	"      SecurityGroupIds: [sg-1]\n"
	"    - {Id: out-1, Direction: OUTBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.1.10}, "
	"{Ipv6: \"2001:db8::10\"}]}\n"
	"  rules:\n"
	"    - {Id: rr-corp, Name: forward-corp, RuleType: FORWARD, DomainName: Corp.Example.com, "
	"ResolverEndpointId: out-1, TargetIps: [{Ip: 198.18.2.53}, {Ip: 198.18.2.54, Port: 5353}]}\n"
	"    - {Id: rr-cloud, RuleType: SYSTEM, DomainName: cloud.corp.example.com.}\n"
	"    - {Id: rr-dlg, RuleType: DELEGATE, DelegationRecord: onprem.example.com, "
	"ResolverEndpointId: out-1}\n"
	"    - {Id: rr-all, RuleType: FORWARD, DomainName: \".\", ResolverEndpointId: out-1, "
	"TargetIps: [{Ipv6: \"2001:db8::53\"}]}\n"
	"  rule_associations:\n"
	"    - {ResolverRuleId: rr-corp, VPCId: vpc-a, Name: corp-a}\n"
	"    - {ResolverRuleId: rr-corp, VPCId: vpc-b}\n"
	"  configs: [{ResourceId: vpc-b, AutodefinedReverseFlag: DISABLE}]\n"
	"firewall: {rule_groups: [{Id: frg-1, Name: g1}, {Id: frg-2, Name: g2}]}\n"
	"profiles:\n"
	"  - Id: rp-org\n"
	"    Name: org-standard-dns\n"
	"    Resources:\n"
	"      - {ResourceArn: \"arn:aws:route53:::hostedzone/Z2\"}\n"
	"      - {ResourceArn: rr-cloud, Name: sys}\n"
	"      - {ResourceArn: frg-1, Priority: 100}\n"
	"      - {ResourceArn: \"arn:aws:route53resolver:us-east-1:1:firewall-rule-group/frg-2\", "
	"Priority: 9900}\n"
	"profile_associations:\n"
	"  - {ProfileId: rp-org, ResourceId: vpc-a, EvaluationOrder: PROFILE_FIRST, "
	"DnssecValidation: ENABLED, FirewallFailOpen: ENABLED, AutodefinedReverse: DISABLE}\n"
	"  - {ProfileId: rp-org, ResourceId: vpc-b}\n";

/* SPEC §3 config shapes: every field lands where it belongs, with the
 * documented defaults (QpsPerEni 10000, Port 53, EvaluationOrder
 * VPC_FIRST, toggles USE_LOCAL_RESOURCE_SETTING). */
static void test_good_file_loads_with_right_values(void **state)
{
	(void)state;
	expect_ok(good);
	const struct dnsp_cfg_resolver *r = cfg->resolver;
	assert_non_null(r);
	assert_int_equal(r->nendpoints, 2);
	const struct dnsp_cfg_endpoint *in = dnsp_cfg_endpoint_find(cfg, "in-1");
	assert_non_null(in);
	assert_int_equal(in->direction, DNSP_EP_INBOUND);
	assert_string_equal(in->name, "inbound-a");
	assert_string_equal(in->vpc_id, "vpc-a");
	assert_int_equal(in->nenis, 2);
	assert_string_equal(in->enis[1].text, "198.18.0.11");
	assert_int_equal(in->qps_per_eni, 500);
	assert_int_equal(in->type, DNSP_EP_IPV4);
	const struct dnsp_cfg_endpoint *out = dnsp_cfg_endpoint_find(cfg, "out-1");
	assert_int_equal(out->qps_per_eni, DNSP_CFG_QPS_DEFAULT);
	assert_int_equal(out->enis[1].addr.family, 6);
	assert_string_equal(out->enis[1].text, "2001:db8::10");

	assert_int_equal(r->nrules, 4);
	const struct dnsp_cfg_rule *fw = dnsp_cfg_rule_find(cfg, "rr-corp");
	assert_int_equal(fw->type, DNSP_RULE_FORWARD);
	assert_string_equal(fw->domain, "Corp.Example.com.");
	assert_int_equal(fw->ntargets, 2);
	assert_int_equal(fw->targets[0].port, 53);
	assert_int_equal(fw->targets[1].port, 5353);
	assert_string_equal(fw->endpoint_id, "out-1");
	const struct dnsp_cfg_rule *dl = dnsp_cfg_rule_find(cfg, "rr-dlg");
	assert_int_equal(dl->type, DNSP_RULE_DELEGATE);
	assert_string_equal(dl->domain, "onprem.example.com.");
	assert_string_equal(dnsp_cfg_rule_find(cfg, "rr-all")->domain, ".");
	assert_int_equal(r->nassocs, 2);
	assert_string_equal(r->assocs[0].name, "corp-a");
	assert_int_equal(dnsp_cfg_resolver_reverse(cfg, "vpc-b"), DNSP_REVERSE_DISABLE);
	assert_int_equal(dnsp_cfg_resolver_reverse(cfg, "vpc-a"), DNSP_REVERSE_LOCAL);
	assert_non_null(r->recursion); /* the recursion half loaded beside */

	const struct dnsp_cfg_profile *p = dnsp_cfg_profile_of_vpc(cfg, "vpc-a");
	assert_non_null(p);
	assert_string_equal(p->name, "org-standard-dns");
	assert_int_equal(p->nresources, 4);
	assert_string_equal(p->resources[0].id, "Z2");
	assert_int_equal(p->resources[0].kind, DNSP_PROFILE_RES_ZONE);
	assert_int_equal(p->resources[1].kind, DNSP_PROFILE_RES_RULE);
	assert_int_equal(p->resources[2].kind, DNSP_PROFILE_RES_FW_GROUP);
	assert_string_equal(p->resources[3].id, "frg-2");
	const struct dnsp_cfg_profile_assoc *a = dnsp_cfg_profile_assoc_of(cfg, "vpc-a");
	assert_int_equal(a->evaluation_order, DNSP_EVAL_PROFILE_FIRST);
	assert_int_equal(a->dnssec_validation, DNSP_TOGGLE_ENABLED);
	assert_int_equal(a->fw_fail_open, DNSP_TOGGLE_ENABLED);
	assert_int_equal(a->autodefined_reverse, DNSP_TOGGLE_DISABLED);
	const struct dnsp_cfg_profile_assoc *b = dnsp_cfg_profile_assoc_of(cfg, "vpc-b");
	assert_int_equal(b->evaluation_order, DNSP_EVAL_VPC_FIRST);
	assert_int_equal(b->dnssec_validation, DNSP_TOGGLE_LOCAL);
	assert_int_equal(dnsp_cfg_profile_fw_fail_open(cfg, "vpc-b"), DNSP_TOGGLE_LOCAL);
	assert_int_equal(dnsp_cfg_profile_fw_fail_open(cfg, "vpc-a"), DNSP_TOGGLE_ENABLED);
	assert_null(dnsp_cfg_profile_of_vpc(cfg, "vpc-none"));
}

/* The firewall compiler's view: a VPC's profile rule groups and priorities. */
static void test_profile_fw_groups_for_the_firewall_compiler(void **state)
{
	(void)state;
	expect_ok(good);
	const char *ids[4];
	int prio[4];
	assert_int_equal(dnsp_cfg_profile_fw_groups(cfg, "vpc-a", ids, prio, 4), 2);
	assert_string_equal(ids[0], "frg-1");
	assert_int_equal(prio[0], 100);
	assert_string_equal(ids[1], "frg-2");
	assert_int_equal(prio[1], 9900);
	assert_int_equal(dnsp_cfg_profile_fw_groups(cfg, "vpc-a", ids, prio, 1), 2);
	assert_int_equal(dnsp_cfg_profile_fw_groups(cfg, "vpc-x", ids, prio, 4), 0);
}

/* Empty sections are accepted. */
static void test_empty_sections_are_accepted(void **state)
{
	(void)state;
	expect_ok("listeners: [{address: 127.0.0.1, role: public}]\n"
		  "resolver: {endpoints: [], rules: [], rule_associations: []}\n"
		  "profiles: []\nprofile_associations: []\n");
	assert_non_null(cfg->resolver);
	expect_ok("listeners: [{address: 127.0.0.1, role: public}]\nresolver:\nprofiles:\n");
	assert_null(cfg->resolver);
	assert_null(cfg->profiles);
}

/* ---- endpoints ---- */

static void test_endpoint_shape_errors(void **state)
{
	(void)state;
	expect_one(EP_BASE "    - {Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].Id: required key is missing");
	expect_one(EP_BASE "    - {Id: out-1, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].Id: duplicate endpoint Id \"out-1\" (first at t.yaml:12)");
	expect_one(EP_BASE "    - {Id: e, Direction: SIDEWAYS, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].Direction: expected one of INBOUND, OUTBOUND, "
		   "INBOUND_DELEGATION, got \"SIDEWAYS\"");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-z, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].VpcId: VPC \"vpc-z\" is not defined in vpcs");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses: required key is missing");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: []}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses: expected 1 to 20 addresses, got 0");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1}], Bogus: 1}\n",
		   "t.yaml:13: resolver.endpoints[1].Bogus: unknown key");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: {Ip: 198.18.0.1}}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses: expected a list, got a mapping");
	expect_one(EP_BASE "resolver_x: 1\n", "t.yaml:13: resolver_x: unknown key");
	expect_one(EP_BASE "  bogus: 1\n", "t.yaml:13: resolver.bogus: unknown key");
}

/* SEMANTICS §11: at most 20 addresses per endpoint (dnsplane accepts 1). */
static void test_endpoint_with_21_addresses_is_an_error(void **state)
{
	(void)state;
	char text[4096];
	int o = snprintf(text, sizeof(text), EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [");
	for (int i = 0; i < 21; i++)
		o += snprintf(text + o, sizeof(text) - (size_t)o, "%s{Ip: 198.18.0.%d}", i ? ", " : "", i + 1);
	snprintf(text + o, sizeof(text) - (size_t)o, "]}\n");
	expect_one(text, "t.yaml:13: resolver.endpoints[1].IpAddresses: expected 1 to 20 addresses, got 21");
}

static void test_endpoint_address_errors(void **state)
{
	(void)state;
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.300}]}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses[0].Ip: expected an IPv4 address, got \"198.18.0.300\"");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: \"2001:db8::1\"}]}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses[0].Ip: expected an IPv4 address, got \"2001:db8::1\"");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1, Ipv6: \"2001:db8::1\"}]}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses[0].Ipv6: give Ip or Ipv6, not both");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{SubnetId: s-1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses[0].Ip: required (Ip or Ipv6)");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1}, {Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses[1]: 198.18.0.1 is listed twice");
	/* an address is one ENI of one endpoint */
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.1.10}]}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses[0]: 198.18.1.10 is already an address of endpoint \"out-1\" (t.yaml:12)");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, ResolverEndpointType: IPV6, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].IpAddresses[0]: 198.18.0.1 is not an IPv6 address (ResolverEndpointType IPV6)");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, ResolverEndpointType: V4, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].ResolverEndpointType: expected one of IPV4, IPV6, DUALSTACK, got \"V4\"");
}

/* QpsPerEni (dnsplane's own): 0 (unlimited) .. 100000000. */
static void test_qps_per_eni_errors(void **state)
{
	(void)state;
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, QpsPerEni: -1, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].QpsPerEni: -1 is out of range 0..100000000");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, QpsPerEni: lots, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].QpsPerEni: expected an integer 0..100000000, got \"lots\"");
	expect_ok(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, QpsPerEni: 0, IpAddresses: [{Ip: 198.18.0.1}]}\n");
	assert_int_equal(dnsp_cfg_endpoint_find(cfg, "e")->qps_per_eni, 0);
}

/* Only Do53 is served by this build; Protocols holds 1 or 2 entries. */
static void test_endpoint_protocol_errors(void **state)
{
	(void)state;
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, Protocols: [Do53, DoH], IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].Protocols[1]: DoH is not supported by this build (only Do53)");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, Protocols: [Do54], IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].Protocols[0]: expected one of Do53, DoH, DoH-FIPS, got \"Do54\"");
	expect_one(EP_BASE "    - {Id: e, Direction: INBOUND, VpcId: vpc-a, Protocols: [], IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].Protocols: expected 1 or 2 protocols, got 0");
}

/* SEMANTICS §18: names match (?!^[0-9]+$)([a-zA-Z0-9\-_' ']+), <= 64. */
static void test_endpoint_name_errors(void **state)
{
	(void)state;
	expect_one(EP_BASE "    - {Id: e, Name: \"a/b\", Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].Name: \"a/b\": only letters, digits, '-', '_' and spaces are allowed");
	expect_one(EP_BASE "    - {Id: e, Name: \"123\", Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1}]}\n",
		   "t.yaml:13: resolver.endpoints[1].Name: \"123\": a name cannot be all digits");
}

/* ---- rules ---- */

static void test_rule_type_errors(void **state)
{
	(void)state;
	expect_one(RULES_BASE "    - {Id: r, RuleType: RECURSIVE, DomainName: a.example}\n",
		   "t.yaml:17: resolver.rules[3].RuleType: RECURSIVE rules are created only by Resolver");
	expect_one(RULES_BASE "    - {Id: r, RuleType: forward, DomainName: a.example}\n",
		   "t.yaml:17: resolver.rules[3].RuleType: expected one of FORWARD, SYSTEM, DELEGATE, RECURSIVE, got \"forward\"");
	expect_one(RULES_BASE "    - {Id: r, DomainName: a.example}\n",
		   "t.yaml:17: resolver.rules[3].RuleType: required key is missing");
	expect_one(RULES_BASE "    - {Id: rr-sys, RuleType: SYSTEM, DomainName: a.example}\n",
		   "t.yaml:17: resolver.rules[3].Id: duplicate rule Id \"rr-sys\" (first at t.yaml:15)");
	expect_one(RULES_BASE "    - {Id: r, RuleType: SYSTEM, DomainName: \"a..example\"}\n",
		   "t.yaml:17: resolver.rules[3].DomainName: invalid domain name \"a..example\"");
}

/* SPEC §3 "Rules": FORWARD needs TargetIps and an OUTBOUND endpoint. */
static void test_forward_rule_needs_targets_and_endpoint(void **state)
{
	(void)state;
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, ResolverEndpointId: out-1, TargetIps: [{Ip: 198.18.2.1}]}\n",
		   "t.yaml:17: resolver.rules[3].DomainName: required");
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps: required for a FORWARD rule");
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, TargetIps: [{Ip: 198.18.2.1}]}\n",
		   "t.yaml:17: resolver.rules[3].ResolverEndpointId: required for a FORWARD rule (an OUTBOUND endpoint)");
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1, TargetIps: []}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps: expected 1 to 8 targets, got 0");
}

/* SPEC §3 "Rules": SYSTEM has neither targets nor an endpoint. */
static void test_system_rule_has_no_targets_or_endpoint(void **state)
{
	(void)state;
	expect_one(RULES_BASE "    - {Id: r, RuleType: SYSTEM, DomainName: a.example, TargetIps: [{Ip: 198.18.2.1}]}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps: only FORWARD rules have TargetIps (SYSTEM rules resolve locally)");
	expect_one(RULES_BASE "    - {Id: r, RuleType: SYSTEM, DomainName: a.example, ResolverEndpointId: out-1}\n",
		   "t.yaml:17: resolver.rules[3].ResolverEndpointId: SYSTEM rules have no endpoint (they resolve locally)");
}

/* SEMANTICS §11: DELEGATE has a DelegationRecord and no TargetIps. */
static void test_delegate_rule_shape(void **state)
{
	(void)state;
	expect_one(RULES_BASE "    - {Id: r, RuleType: DELEGATE, DelegationRecord: a.example, ResolverEndpointId: out-1, TargetIps: [{Ip: 198.18.2.1}]}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps: only FORWARD rules have TargetIps (DELEGATE rules follow the NS delegation)");
	expect_one(RULES_BASE "    - {Id: r, RuleType: DELEGATE, ResolverEndpointId: out-1}\n",
		   "t.yaml:17: resolver.rules[3].DelegationRecord: a DELEGATE rule needs DelegationRecord or DomainName");
	expect_one(RULES_BASE "    - {Id: r, RuleType: DELEGATE, DelegationRecord: a.example}\n",
		   "t.yaml:17: resolver.rules[3].ResolverEndpointId: required for a DELEGATE rule (an OUTBOUND endpoint)");
	expect_one(RULES_BASE "    - {Id: r, RuleType: SYSTEM, DomainName: a.example, DelegationRecord: a.example}\n",
		   "t.yaml:17: resolver.rules[3].DelegationRecord: only DELEGATE rules have a DelegationRecord");
}

/* SEMANTICS §11: IPv4 and IPv6 targets cannot be mixed in one rule. */
static void test_target_errors(void **state)
{
	(void)state;
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1, "
		   "TargetIps: [{Ip: 198.18.2.1}, {Ipv6: \"2001:db8::1\"}]}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps[1]: IPv4 and IPv6 targets cannot be mixed in one rule");
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1, "
		   "TargetIps: [{Ip: 198.18.2.1, Port: 70000}]}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps[0].Port: 70000 is out of range 0..65535");
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1, "
		   "TargetIps: [{Ip: 198.18.2.1, Protocol: DoH}]}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps[0].Protocol: DoH is not supported by this build (only Do53)");
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1, "
		   "TargetIps: [{Ip: 198.18.2.1, ServerNameIndication: x}]}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps[0].ServerNameIndication: unknown key");
}

/* SEMANTICS §11: TargetIps Port is 0..65535; Port 0 means the default
 * port 53 (nothing can be sent to UDP port 0), in the loaded rule and in
 * the compiled route. Just outside the range is the exact error. */
static void test_target_port_range(void **state)
{
	(void)state;
	static const char text[] =
		RULES_BASE "    - {Id: r-p0, RuleType: FORWARD, DomainName: a.example, "
		"ResolverEndpointId: out-1, TargetIps: [{Ip: 198.18.2.1, Port: 0}, "
		"{Ip: 198.18.2.2, Port: 65535}]}\n";
	expect_ok(text);
	const struct dnsp_cfg_rule *ru = dnsp_cfg_rule_find(cfg, "r-p0");
	assert_non_null(ru);
	assert_int_equal(ru->ntargets, 2);
	assert_int_equal(ru->targets[0].port, 53);
	assert_int_equal(ru->targets[1].port, 65535);

	reset();
	struct dnsp_snapshot *s = fixture_compile(text, &errs);
	if (!s)
		dump("(no errors)");
	assert_non_null(s);
	const struct dnsp_upstream *u = NULL;
	for (uint32_t i = 0; i < s->resolver->nupstreams && !u; i++)
		if (strcmp(s->resolver->upstreams[i].rule_id, "r-p0") == 0)
			u = &s->resolver->upstreams[i];
	assert_non_null(u);
	assert_int_equal(u->ntargets, 2);
	assert_int_equal(u->targets[0].port, 53);
	assert_int_equal(u->targets[1].port, 65535);
	dnsp_snapshot_destroy(s);

	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1, "
		   "TargetIps: [{Ip: 198.18.2.1, Port: 65536}]}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps[0].Port: 65536 is out of range 0..65535");
	assert_string_equal(errs.msgs[0],
			    "t.yaml:17: resolver.rules[3].TargetIps[0].Port: 65536 is out of range 0..65535");
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1, "
		   "TargetIps: [{Ip: 198.18.2.1, Port: -1}]}\n",
		   "t.yaml:17: resolver.rules[3].TargetIps[0].Port: -1 is out of range 0..65535");
	assert_string_equal(errs.msgs[0],
			    "t.yaml:17: resolver.rules[3].TargetIps[0].Port: -1 is out of range 0..65535");
}

/* A rule sends through an existing OUTBOUND endpoint that has an address
 * of the targets' family. */
static void test_rule_endpoint_errors(void **state)
{
	(void)state;
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-9, "
		   "TargetIps: [{Ip: 198.18.2.1}]}\n",
		   "t.yaml:17: resolver.rules[3].ResolverEndpointId: endpoint \"out-9\" is not defined in resolver.endpoints");
	expect_one(RULES_BASE "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: out-1, "
		   "TargetIps: [{Ipv6: \"2001:db8::53\"}]}\n",
		   "t.yaml:17: resolver.rules[3].ResolverEndpointId: endpoint \"out-1\" has no IPv6 address to send to the IPv6 TargetIps from");
	expect_one("listeners: [{address: 127.0.0.1, role: public}]\n"                    /* 1 */
		   "vpcs: [{VpcId: vpc-a}]\n"                                               /* 2 */
		   "resolver:\n"                                                            /* 3 */
		   "  endpoints: [{Id: in-1, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.1}]}]\n"
		   "  rules:\n"                                                             /* 5 */
		   "    - {Id: r, RuleType: FORWARD, DomainName: a.example, ResolverEndpointId: in-1, "
		   "TargetIps: [{Ip: 198.18.2.1}]}\n",                                      /* 6 */
		   "t.yaml:6: resolver.rules[0].ResolverEndpointId: endpoint \"in-1\" is INBOUND; rules send through an OUTBOUND endpoint");
}

/* ---- rule associations ---- */

#define ASSOC_BASE RULES_BASE "  rule_associations:\n" /* 17; items from 18 */

static void test_rule_association_errors(void **state)
{
	(void)state;
	expect_one(ASSOC_BASE "    - {ResolverRuleId: rr-nope, VPCId: vpc-a}\n",
		   "t.yaml:18: resolver.rule_associations[0].ResolverRuleId: rule \"rr-nope\" is not defined in resolver.rules");
	expect_one(ASSOC_BASE "    - {ResolverRuleId: rr-fwd, VPCId: vpc-nope}\n",
		   "t.yaml:18: resolver.rule_associations[0].VPCId: VPC \"vpc-nope\" is not defined in vpcs");
	expect_one(ASSOC_BASE "    - {ResolverRuleId: rr-fwd}\n",
		   "t.yaml:18: resolver.rule_associations[0].VPCId: required key is missing");
	expect_one(ASSOC_BASE "    - {ResolverRuleId: rr-fwd, VPCId: vpc-a}\n    - {ResolverRuleId: rr-fwd, VPCId: vpc-a}\n",
		   "t.yaml:19: resolver.rule_associations[1]: rule \"rr-fwd\" is already associated with VPC \"vpc-a\" (t.yaml:18)");
	/* Route 53 refuses two rules for one domain in one VPC */
	expect_one(ASSOC_BASE "    - {ResolverRuleId: rr-fwd, VPCId: vpc-a}\n    - {ResolverRuleId: rr-fwd2, VPCId: vpc-a}\n",
		   "t.yaml:19: resolver.rule_associations[1]: VPC \"vpc-a\" already has rule \"rr-fwd\" for corp.example.com. (t.yaml:18)");
	expect_ok(ASSOC_BASE "    - {ResolverRuleId: rr-fwd, VPCId: vpc-a}\n    - {ResolverRuleId: rr-fwd2, VPCId: vpc-b}\n");
}

static void test_resolver_config_errors(void **state)
{
	(void)state;
	expect_one(EP_BASE "  configs: [{ResourceId: vpc-nope, AutodefinedReverseFlag: DISABLE}]\n",
		   "t.yaml:13: resolver.configs[0].ResourceId: VPC \"vpc-nope\" is not defined in vpcs");
	expect_one(EP_BASE "  configs: [{ResourceId: vpc-a, AutodefinedReverseFlag: OFF}]\n",
		   "t.yaml:13: resolver.configs[0].AutodefinedReverseFlag: expected one of DISABLE, ENABLE, got \"OFF\"");
	expect_one(EP_BASE "  configs: [{ResourceId: vpc-a, AutodefinedReverseFlag: DISABLE}, "
		   "{ResourceId: vpc-a, AutodefinedReverseFlag: ENABLE}]\n",
		   "t.yaml:13: resolver.configs[1].ResourceId: VPC \"vpc-a\" already has a Resolver config (t.yaml:13)");
}

/* ---- inbound listeners (SPEC §3 "Which VPC a query belongs to") ---- */

static void test_inbound_listener_errors(void **state)
{
	(void)state;
	static const char base[] =
		"vpcs: [{VpcId: vpc-a}]\n"                                               /* 1 */
		"resolver:\n"                                                            /* 2 */
		"  endpoints:\n"                                                         /* 3 */
		"    - {Id: in-1, Direction: INBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.0.10}]}\n"
		"    - {Id: out-1, Direction: OUTBOUND, VpcId: vpc-a, IpAddresses: [{Ip: 198.18.1.10}]}\n"
		"listeners:\n";                                                          /* 6 */
	char text[1024];
	snprintf(text, sizeof(text), "%s  - {address: 198.18.0.10, role: inbound, endpoint: in-2}\n", base);
	expect_one(text, "t.yaml:7: listeners[0].endpoint: endpoint \"in-2\" is not defined in resolver.endpoints");
	snprintf(text, sizeof(text), "%s  - {address: 198.18.1.10, role: inbound, endpoint: out-1}\n", base);
	expect_one(text, "t.yaml:7: listeners[0].endpoint: endpoint \"out-1\" is OUTBOUND; an inbound listener serves an INBOUND endpoint");
	snprintf(text, sizeof(text), "%s  - {address: 198.18.0.99, role: inbound, endpoint: in-1}\n", base);
	expect_one(text, "t.yaml:7: listeners[0].address: 198.18.0.99 is not one of the IpAddresses of endpoint \"in-1\" (t.yaml:4)");
	snprintf(text, sizeof(text), "%s  - {address: 198.18.0.10, port: 5300, role: inbound, endpoint: in-1}\n", base);
	expect_ok(text);
}

/* ---- profiles ---- */

#define PROF_BASE RULES_BASE "firewall: {rule_groups: [{Id: frg-1, Name: g1}]}\n" /* 17 */ \
	"profiles:\n" /* 18; items from 19 */

static void test_profile_errors(void **state)
{
	(void)state;
	expect_one(PROF_BASE "  - {Id: rp-1, Resources: []}\n",
		   "t.yaml:19: profiles[0].Name: required key is missing");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a}\n  - {Id: rp-1, Name: b}\n",
		   "t.yaml:20: profiles[1].Id: duplicate profile Id \"rp-1\" (first at t.yaml:19)");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: nothing-here}]}\n",
		   "t.yaml:19: profiles[0].Resources[0].ResourceArn: \"nothing-here\" is not a private hosted zone or a Resolver rule (a firewall rule group needs a Priority)");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: ZPUB}]}\n",
		   "t.yaml:19: profiles[0].Resources[0].ResourceArn: zone \"ZPUB\" is public; a profile bundles private hosted zones");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: Z1, Priority: 100}]}\n",
		   "t.yaml:19: profiles[0].Resources[0].Priority: only firewall rule groups take a priority (\"Z1\" is a private hosted zone)");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: frg-1, Priority: 99}]}\n",
		   "t.yaml:19: profiles[0].Resources[0].Priority: 99 is out of range 100..9900");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: frg-1, Priority: 9901}]}\n",
		   "t.yaml:19: profiles[0].Resources[0].Priority: 9901 is out of range 100..9900");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{Priority: 200}]}\n",
		   "t.yaml:19: profiles[0].Resources[0].ResourceArn: required key is missing");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: Z1, Bogus: 2}]}\n",
		   "t.yaml:19: profiles[0].Resources[0].Bogus: unknown key");
}

/* A profile holds no two zones or two rules of one name (Route 53:
 * ConflictingDomainExists), nor one resource twice. */
static void test_profile_conflicts(void **state)
{
	(void)state;
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: Z1}, {ResourceArn: /hostedzone/Z1}]}\n",
		   "t.yaml:19: profiles[0].Resources[1].ResourceArn: \"Z1\" is already in this profile (Resources[0])");
	expect_one(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: rr-fwd}, {ResourceArn: rr-fwd2}]}\n",
		   "t.yaml:19: profiles[0].Resources[1].ResourceArn: the profile already has Resolver rule \"rr-fwd\" for corp.example.com. (Resources[0])");
	expect_ok(PROF_BASE "  - {Id: rp-1, Name: a, Resources: [{ResourceArn: rr-fwd}, {ResourceArn: rr-sys}, "
		  "{ResourceArn: Z1}, {ResourceArn: Z2}]}\n");
}

#define PA_BASE PROF_BASE "  - {Id: rp-1, Name: a}\n  - {Id: rp-2, Name: b}\nprofile_associations:\n" /* items from 22 */

/* SEMANTICS §12: "A VPC can have only one Profile associated with it". */
static void test_second_profile_for_a_vpc_is_an_error(void **state)
{
	(void)state;
	expect_one(PA_BASE "  - {ProfileId: rp-1, ResourceId: vpc-a}\n  - {ProfileId: rp-2, ResourceId: vpc-a}\n",
		   "t.yaml:23: profile_associations[1].ResourceId: VPC \"vpc-a\" already has profile \"rp-1\" (t.yaml:22); a VPC can have only one profile");
	expect_ok(PA_BASE "  - {ProfileId: rp-1, ResourceId: vpc-a}\n  - {ProfileId: rp-1, ResourceId: vpc-b}\n");
}

static void test_profile_association_errors(void **state)
{
	(void)state;
	expect_one(PA_BASE "  - {ProfileId: rp-9, ResourceId: vpc-a}\n",
		   "t.yaml:22: profile_associations[0].ProfileId: profile \"rp-9\" is not defined in profiles");
	expect_one(PA_BASE "  - {ProfileId: rp-1, ResourceId: vpc-9}\n",
		   "t.yaml:22: profile_associations[0].ResourceId: VPC \"vpc-9\" is not defined in vpcs");
	expect_one(PA_BASE "  - {ProfileId: rp-1}\n",
		   "t.yaml:22: profile_associations[0].ResourceId: required key is missing");
	expect_one(PA_BASE "  - {ProfileId: rp-1, ResourceId: vpc-a, EvaluationOrder: LOCAL_FIRST}\n",
		   "t.yaml:22: profile_associations[0].EvaluationOrder: expected one of VPC_FIRST, PROFILE_FIRST, got \"LOCAL_FIRST\"");
	expect_one(PA_BASE "  - {ProfileId: rp-1, ResourceId: vpc-a, DnssecValidation: YES}\n",
		   "t.yaml:22: profile_associations[0].DnssecValidation: expected one of DISABLED, ENABLED, USE_LOCAL_RESOURCE_SETTING, got \"YES\"");
	expect_one(PA_BASE "  - {ProfileId: rp-1, ResourceId: vpc-a, FirewallFailOpen: 1}\n",
		   "t.yaml:22: profile_associations[0].FirewallFailOpen: expected one of DISABLED, ENABLED, USE_LOCAL_RESOURCE_SETTING, got \"1\"");
	expect_one(PA_BASE "  - {ProfileId: rp-1, ResourceId: vpc-a, AutodefinedReverse: DISABLED}\n",
		   "t.yaml:22: profile_associations[0].AutodefinedReverse: expected one of DISABLE, ENABLE, USE_LOCAL_RESOURCE_SETTING, got \"DISABLED\"");
	expect_one(PA_BASE "  - {ProfileId: rp-1, ResourceId: vpc-a, Priority: 1}\n",
		   "t.yaml:22: profile_associations[0].Priority: unknown key");
}

/* All problems of a file are reported, not just the first. */
static void test_every_error_is_reported(void **state)
{
	(void)state;
	int rc = load(RULES_BASE "    - {Id: r, RuleType: SYSTEM, DomainName: a.example, TargetIps: [{Ip: 198.18.2.1}]}\n" /* 17 */
		      "  rule_associations: [{ResolverRuleId: rr-x, VPCId: vpc-a}]\n"   /* 18 */
		      "profile_associations: [{ProfileId: rp-x, ResourceId: vpc-a}]\n"); /* 19 */
	assert_int_equal(rc, DNSP_ECONFIG);
	static const char *const want[] = {
		"t.yaml:17: resolver.rules[3].TargetIps: ",
		"t.yaml:18: resolver.rule_associations[0].ResolverRuleId: ",
		"t.yaml:19: profile_associations[0].ProfileId: ",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!has(want[i])) {
			dump(want[i]);
			fail();
		}
	assert_int_equal(errs.n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file_loads_with_right_values),
		cmocka_unit_test(test_profile_fw_groups_for_the_firewall_compiler),
		cmocka_unit_test(test_empty_sections_are_accepted),
		cmocka_unit_test(test_endpoint_shape_errors),
		cmocka_unit_test(test_endpoint_with_21_addresses_is_an_error),
		cmocka_unit_test(test_endpoint_address_errors),
		cmocka_unit_test(test_qps_per_eni_errors),
		cmocka_unit_test(test_endpoint_protocol_errors),
		cmocka_unit_test(test_endpoint_name_errors),
		cmocka_unit_test(test_rule_type_errors),
		cmocka_unit_test(test_forward_rule_needs_targets_and_endpoint),
		cmocka_unit_test(test_system_rule_has_no_targets_or_endpoint),
		cmocka_unit_test(test_delegate_rule_shape),
		cmocka_unit_test(test_target_errors),
		cmocka_unit_test(test_target_port_range),
		cmocka_unit_test(test_rule_endpoint_errors),
		cmocka_unit_test(test_rule_association_errors),
		cmocka_unit_test(test_resolver_config_errors),
		cmocka_unit_test(test_inbound_listener_errors),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_profile_conflicts),
		cmocka_unit_test(test_second_profile_for_a_vpc_is_an_error),
		cmocka_unit_test(test_profile_association_errors),
		cmocka_unit_test(test_every_error_is_reported),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	teardown_all();
	return rc;
}
