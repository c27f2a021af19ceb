/*
 * Unit tests of the DNS Firewall compile step (ctrl/compile_firewall.c)
 * with the pipeline (lib/pipeline.c): configurations are compiled into a
 * snapshot and queries run through dnsp_pipeline_process() as a worker
 * runs them. Covers the order across rule groups (association priority,
 * Profile groups), the place of the firewall before private zones, which
 * VPCs are subject to it, fail open / closed, the decision record, shared
 * tables, the counters that survive a snapshot, and the inspection of
 * CNAME/DNAME chains (FirewallDomainRedirectionAction) in private-zone and
 * cache answers.
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
#include "ctrl/compile.h"
#include "ctrl/compile_firewall.h"
#include "ctrl/config.h"
#include <urcu-qsbr.h>
#include "lib/cache.h"
#include "lib/firewall.h"
#include "lib/pipeline.h"
#include "lib/punt.h"
#include "lib/wire/pkt.h"

/* Listener 0: resolver of vpc-a; 1: resolver of vpc-b; 2: vpc-c (no
 * firewall); 3: public. Private zone corp.example for all three VPCs. */
#define BASE                                                                           \
	"server: {workers: 2}\n"                                                       \
	"listeners:\n"                                                                 \
	"  - {address: 127.0.0.2, port: 53, role: resolver, vpc: vpc-a}\n"             \
	"  - {address: 127.0.0.3, port: 53, role: resolver, vpc: vpc-b}\n"             \
	"  - {address: 127.0.0.4, port: 53, role: resolver, vpc: vpc-c}\n"             \
	"  - {address: 127.0.0.1, port: 53, role: public}\n"                           \
	"vpcs:\n"                                                                      \
	"  - {VpcId: vpc-a, Cidrs: [10.1.0.0/16]}\n"                                   \
	"  - {VpcId: vpc-b, Cidrs: [10.2.0.0/16]}\n"                                   \
	"  - {VpcId: vpc-c, Cidrs: [10.3.0.0/16]}\n"                                   \
	"hosted_zones:\n"                                                              \
	"  - Id: ZPRIV\n"                                                              \
	"    Name: corp.example\n"                                                     \
	"    Config: {PrivateZone: true}\n"                                            \
	"    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}, {VPCRegion: us-east-1, VPCId: vpc-b},"\
	" {VPCRegion: us-east-1, VPCId: vpc-c}]\n"                                     \
	"    ResourceRecordSets:\n"                                                    \
	"      - {Name: www.corp.example, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.1}]}\n"\
	"      - {Name: evil.corp.example, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.66}]}\n"\
	"  - Id: ZPUB\n"                                                               \
	"    Name: corp.example\n"                                                     \
	"    Config: {PrivateZone: false}\n"                                           \
	"    ResourceRecordSets:\n"                                                    \
	"      - {Name: evil.corp.example, Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.66}]}\n"

/* Two groups: frg-allow ALLOWs evil.corp.example, frg-block BLOCKs it. */
#define LISTS_AND_GROUPS                                                               \
	"firewall:\n"                                                                  \
	"  domain_lists:\n"                                                            \
	"    - {Id: fdl-evil, Domains: [evil.corp.example, \"*.c2.example.org\"]}\n"     \
	"  rule_groups:\n"                                                             \
	"    - Id: frg-allow\n"                                                        \
	"      FirewallRules:\n"                                                       \
	"        - {Name: allow-evil, Priority: 10, Action: ALLOW, FirewallDomainListId: fdl-evil}\n"\
	"    - Id: frg-block\n"                                                        \
	"      FirewallRules:\n"                                                       \
	"        - {Name: alert-late, Priority: 900, Action: ALERT, FirewallDomainListId: fdl-evil}\n"\
	"        - {Name: block-evil, Priority: 5, Action: BLOCK, FirewallDomainListId: fdl-evil,"\
	" BlockResponse: NXDOMAIN}\n"

static struct dnsp_snapshot *compile_text(const char *text)
{
	struct dnsp_errlist errs;
	struct dnsp_config *cfg = NULL;
	struct dnsp_snapshot *s = NULL;
	dnsp_errlist_init(&errs);
	int rc = dnsp_config_load_string(text, strlen(text), "t.yaml", ".", &cfg, &errs);
	if (rc == 0)
		rc = dnsp_compile(cfg, 1, &s, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	dnsp_errlist_fini(&errs);
	dnsp_config_destroy(cfg);
	assert_int_equal(rc, 0);
	return s;
}

struct reply {
	int len;
	uint8_t rcode;
	uint16_t ancount;
	uint8_t first_a[4];
	struct dnsp_decision d;
	uint8_t buf[1024];
};

static void ask(const struct dnsp_snapshot *s, int listener, uint32_t worker, const char *name,
		struct reply *r)
{
	memset(r, 0, sizeof(*r));
	uint8_t *b = r->buf;
	b[0] = 0x12; b[1] = 0x34; b[2] = 0x01; b[5] = 1;
	size_t off = DNSP_HDR_LEN;
	int n = dnsp_name_from_text(name, strlen(name), (const uint8_t *)"", b + off);
	assert_true(n > 0);
	off += (size_t)n;
	b[off++] = 0; b[off++] = DNSP_T_A; b[off++] = 0; b[off++] = 1;
	struct dnsp_pkt p = {.buf = b, .len = (uint16_t)off, .cap = sizeof(r->buf), .family = 4,
			     .listener = (uint16_t)listener, .src_port = 5353};
	p.decision.fw_action = 99; /* must be reset by the pipeline */
	assert_int_equal(inet_pton(AF_INET, "10.9.9.9", p.src), 1);
	struct dnsp_stats st;
	memset(&st, 0, sizeof(st));
	struct dnsp_worker_ctx w;
	memset(&w, 0, sizeof(w));
	dnsp_worker_ctx_init(&w, &st, worker, 1);
	r->len = dnsp_pipeline_process(s, &p, &w);
	assert_true(r->len > DNSP_HDR_LEN);
	r->rcode = b[3] & 0xf;
	r->ancount = (uint16_t)(b[6] << 8 | b[7]);
	r->d = p.decision;
	if (r->ancount)
		memcpy(r->first_a, b + r->len - 4, 4); /* single A answer, no EDNS */
}

static void assert_a(const struct reply *r, const char *ip)
{
	uint8_t want[4];
	assert_int_equal(inet_pton(AF_INET, ip, want), 1);
	assert_int_equal(r->rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r->ancount, 1);
	assert_memory_equal(r->first_a, want, 4);
}

/* SEMANTICS §13: groups run in ascending association priority; the first
 * matching rule of the first group that has one decides. */
static void test_association_priority_orders_groups(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_text(
		BASE LISTS_AND_GROUPS
		"  rule_group_associations:\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-a, Priority: 200}\n"
		"    - {FirewallRuleGroupId: frg-allow, VpcId: vpc-a, Priority: 101}\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-b, Priority: 101}\n"
		"    - {FirewallRuleGroupId: frg-allow, VpcId: vpc-b, Priority: 200}\n");
	struct reply r;
	ask(s, 0, 0, "evil.corp.example", &r);
	assert_a(&r, "10.0.0.66"); /* allowed, answered from the private zone */
	assert_int_equal(r.d.fw_action, DNSP_FW_ALLOW);
	assert_string_equal(r.d.fw_rule_group_id, "frg-allow");
	ask(s, 1, 0, "evil.corp.example", &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	/* within frg-block the rule with Priority 5 comes before 900, whatever
	 * the order in the file */
	assert_string_equal(r.d.fw_rule_name, "block-evil");
	assert_string_equal(r.d.fw_domain_list_id, "fdl-evil");
	dnsp_snapshot_destroy(s);
}

/* SPEC §4: the firewall runs before every answer source, private zones
 * included; public listeners and VPCs without an association are not
 * subject to it (SEMANTICS §13). */
static void test_firewall_before_private_zones_only_for_associated_vpcs(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_text(
		BASE LISTS_AND_GROUPS
		"  rule_group_associations:\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-a, Priority: 101}\n");
	assert_non_null(s->vpcs[0].firewall);
	assert_null(s->vpcs[1].firewall);
	assert_null(s->vpcs[2].firewall);
	struct reply r;
	ask(s, 0, 0, "evil.corp.example", &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	ask(s, 0, 0, "www.corp.example", &r);
	assert_a(&r, "10.0.0.1");
	assert_int_equal(r.d.fw_action, DNSP_FW_NONE);
	ask(s, 2, 0, "evil.corp.example", &r);
	assert_a(&r, "10.0.0.66");
	ask(s, 3, 0, "evil.corp.example", &r); /* public listener */
	assert_a(&r, "192.0.2.66");
	assert_int_equal(r.d.fw_action, DNSP_FW_NONE);
	dnsp_snapshot_destroy(s);
}

/* SEMANTICS §12-13: a Profile's rule groups are evaluated with the VPC's
 * own by priority. */
static void test_profile_groups_join_the_order(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_text(
		BASE LISTS_AND_GROUPS
		"  rule_group_associations:\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-a, Priority: 300}\n"
		"profiles:\n"
		"  - {Id: rp-1, Name: org, Resources: [{ResourceArn: frg-allow, Priority: 100}]}\n"
		"profile_associations:\n"
		"  - {ProfileId: rp-1, ResourceId: vpc-a}\n"
		"  - {ProfileId: rp-1, ResourceId: vpc-c}\n");
	struct reply r;
	ask(s, 0, 0, "evil.corp.example", &r);
	assert_a(&r, "10.0.0.66");
	assert_string_equal(r.d.fw_rule_name, "allow-evil");
	assert_non_null(s->vpcs[2].firewall); /* the profile alone brings a firewall */
	assert_null(s->vpcs[1].firewall);
	dnsp_snapshot_destroy(s);
}

/* VPCs with the same ordered groups share one compiled table. */
static void test_identical_group_lists_share_a_table(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_text(
		BASE LISTS_AND_GROUPS
		"  rule_group_associations:\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-a, Priority: 101}\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-b, Priority: 500}\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-c, Priority: 200}\n"
		"    - {FirewallRuleGroupId: frg-allow, VpcId: vpc-c, Priority: 100}\n");
	assert_ptr_equal(s->vpcs[0].firewall, s->vpcs[1].firewall);
	assert_ptr_not_equal(s->vpcs[0].firewall, s->vpcs[2].firewall);
	dnsp_snapshot_destroy(s);
}

/* SEMANTICS §13: when the firewall cannot evaluate, SERVFAIL (fail closed,
 * the default), or the query passes with FirewallFailOpen ENABLED. The
 * fault is injected with DNSPLANE_FIREWALL_FAULT (compile_firewall.h). */
static void test_fail_closed_by_default_and_open_when_enabled(void **state)
{
	(void)state;
	setenv("DNSPLANE_FIREWALL_FAULT", "1", 1);
	struct dnsp_snapshot *s = compile_text(
		BASE LISTS_AND_GROUPS
		"  rule_group_associations:\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-a, Priority: 101}\n"
		"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-b, Priority: 101}\n"
		"  configs:\n"
		"    - {ResourceId: vpc-b, FirewallFailOpen: ENABLED}\n"
		"    - {ResourceId: vpc-a, FirewallFailOpen: DISABLED}\n");
	unsetenv("DNSPLANE_FIREWALL_FAULT");
	struct reply r;
	ask(s, 0, 0, "www.corp.example", &r);
	assert_int_equal(r.rcode, DNSP_RCODE_SERVFAIL);
	assert_true(r.d.fw_failed);
	ask(s, 1, 0, "evil.corp.example", &r);
	assert_a(&r, "10.0.0.66");
	assert_true(r.d.fw_failed);
	ask(s, 2, 0, "www.corp.example", &r); /* no association: no firewall, no failure */
	assert_a(&r, "10.0.0.1");
	assert_false(r.d.fw_failed);
	dnsp_snapshot_destroy(s);
}

/* Appends printf-style text to a config being built in buf (cap bytes). */
static void cfg_add(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap - used);
}

/* SEMANTICS §12-13: a Profile association's FirewallFailOpen manages the
 * VPC's fail mode where the VPC's own firewall config sets none (no entry,
 * or USE_LOCAL_RESOURCE_SETTING), as DnssecValidation does (SPEC §3
 * "VPCs"); the VPC's own ENABLED/DISABLED is kept; neither set is DISABLED.
 * USE_LOCAL_RESOURCE_SETTING in the association (the default, also when
 * the key is left out) sets nothing. Every combination gets a VPC of its
 * own with one rule-group association; the compiled flag is checked, and
 * the fail mode itself through the pipeline with a firewall that cannot
 * evaluate (DNSPLANE_FIREWALL_FAULT): fail open answers from the private
 * zone, fail closed is SERVFAIL. */
static void test_profile_fail_mode_where_the_vpc_sets_none(void **state)
{
	(void)state;
	/* NULL: no configs entry / no profile association; "": an association
	 * without the key */
	static const char *const own[] = { "ENABLED", "DISABLED", "USE_LOCAL_RESOURCE_SETTING",
		NULL };
	static const char *const prof[] = { "ENABLED", "DISABLED", "USE_LOCAL_RESOURCE_SETTING",
		"", NULL };
	enum { NOWN = 4, NPROF = 5, N = NOWN * NPROF };
	static char cfg[32768];
	cfg[0] = 0;
	cfg_add(cfg, sizeof(cfg), "server: {workers: 1}\nlisteners:\n");
	for (int i = 0; i < N; i++)
		cfg_add(cfg, sizeof(cfg),
			"  - {address: 127.0.1.%d, port: 53, role: resolver, vpc: vpc-%d}\n", i + 1, i);
	cfg_add(cfg, sizeof(cfg), "vpcs:\n");
	for (int i = 0; i < N; i++)
		cfg_add(cfg, sizeof(cfg), "  - {VpcId: vpc-%d, Cidrs: [10.%d.0.0/16]}\n", i, i + 1);
	cfg_add(cfg, sizeof(cfg),
		"hosted_zones:\n"
		"  - Id: ZPRIV\n"
		"    Name: corp.example\n"
		"    Config: {PrivateZone: true}\n"
		"    VPCs:\n");
	for (int i = 0; i < N; i++)
		cfg_add(cfg, sizeof(cfg), "      - {VPCRegion: us-east-1, VPCId: vpc-%d}\n", i);
	cfg_add(cfg, sizeof(cfg),
		"    ResourceRecordSets:\n"
		"      - {Name: www.corp.example, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.1}]}\n"
		LISTS_AND_GROUPS
		"  rule_group_associations:\n");
	for (int i = 0; i < N; i++)
		cfg_add(cfg, sizeof(cfg),
			"    - {FirewallRuleGroupId: frg-block, VpcId: vpc-%d, Priority: 101}\n", i);
	cfg_add(cfg, sizeof(cfg), "  configs:\n");
	for (int i = 0; i < N; i++)
		if (own[i % NOWN])
			cfg_add(cfg, sizeof(cfg), "    - {ResourceId: vpc-%d, FirewallFailOpen: %s}\n",
				i, own[i % NOWN]);
	cfg_add(cfg, sizeof(cfg),
		"profiles:\n"
		"  - {Id: rp-1, Name: org}\n"
		"profile_associations:\n");
	for (int i = 0; i < N; i++) {
		const char *p = prof[i / NOWN];
		if (p && *p)
			cfg_add(cfg, sizeof(cfg),
				"  - {ProfileId: rp-1, ResourceId: vpc-%d, FirewallFailOpen: %s}\n", i, p);
		else if (p)
			cfg_add(cfg, sizeof(cfg), "  - {ProfileId: rp-1, ResourceId: vpc-%d}\n", i);
	}

	setenv("DNSPLANE_FIREWALL_FAULT", "1", 1);
	struct dnsp_snapshot *s = compile_text(cfg);
	unsetenv("DNSPLANE_FIREWALL_FAULT");
	assert_int_equal(s->nvpcs, N);
	for (int i = 0; i < N; i++) {
		const char *o = own[i % NOWN], *p = prof[i / NOWN];
		bool want;
		if (o && strcmp(o, "ENABLED") == 0)
			want = true;
		else if (o && strcmp(o, "DISABLED") == 0)
			want = false;
		else
			want = p && strcmp(p, "ENABLED") == 0;
		char what[160];
		snprintf(what, sizeof(what), "vpc-%d: profile %s, VPC %s", i,
			 p ? (*p ? p : "(key absent)") : "(none)", o ? o : "(none)");
		assert_non_null(s->vpcs[i].firewall);
		if (s->vpcs[i].fw_fail_open != want)
			fail_msg("%s: fw_fail_open %d, want %d", what, s->vpcs[i].fw_fail_open, want);
		struct reply r;
		ask(s, i, 0, "www.corp.example", &r);
		assert_true(r.d.fw_failed);
		if (want)
			assert_a(&r, "10.0.0.1");
		else if (r.rcode != DNSP_RCODE_SERVFAIL)
			fail_msg("%s: rcode %u, want SERVFAIL", what, r.rcode);
	}
	dnsp_snapshot_destroy(s);
}

struct seen {
	uint64_t block, alert;
};

static void on_series(void *ctx, const char *group, const char *rule, const char *action,
		      uint64_t value)
{
	struct seen *s = ctx;
	if (strcmp(group, "frg-metrics") == 0 && strcmp(rule, "block-evil") == 0 &&
	    strcmp(action, "BLOCK") == 0)
		s->block += value;
	if (strcmp(group, "frg-metrics") == 0 && strcmp(rule, "alert-c2") == 0 &&
	    strcmp(action, "ALERT") == 0)
		s->alert += value;
}

/* SPEC §3 Metrics: dnsplane_firewall_matches_total{rule_group,rule,action}
 * counts per worker and keeps its counts when the snapshot is replaced. */
static void test_match_counters_survive_snapshot_destroy(void **state)
{
	(void)state;
	const char *cfg = BASE
		"firewall:\n"
		"  domain_lists:\n"
		"    - {Id: fdl-evil, Domains: [evil.corp.example]}\n"
		"    - {Id: fdl-c2, Domains: [\"*.c2.example.org\"]}\n"
		"  rule_groups:\n"
		"    - Id: frg-metrics\n"
		"      FirewallRules:\n"
		"        - {Name: block-evil, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-evil,"
		" BlockResponse: NODATA}\n"
		"        - {Name: alert-c2, Priority: 2, Action: ALERT, FirewallDomainListId: fdl-c2}\n"
		"  rule_group_associations:\n"
		"    - {FirewallRuleGroupId: frg-metrics, VpcId: vpc-a, Priority: 101}\n"
		"    - {FirewallRuleGroupId: frg-metrics, VpcId: vpc-b, Priority: 101}\n";
	struct dnsp_snapshot *s = compile_text(cfg);
	struct reply r;
	ask(s, 0, 0, "evil.corp.example", &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r.ancount, 0);
	ask(s, 1, 1, "evil.corp.example", &r);
	ask(s, 1, 1, "x.c2.example.org", &r);
	uint64_t fails[2];
	struct seen before = { 0 }, live = { 0 }, after = { 0 };
	dnsp_firewall_metrics(NULL, on_series, &before, fails);
	dnsp_firewall_metrics(s, on_series, &live, fails);
	assert_int_equal(live.block - before.block, 2);
	assert_int_equal(live.alert - before.alert, 1);
	dnsp_snapshot_destroy(s); /* folds into the process totals */
	dnsp_firewall_metrics(NULL, on_series, &after, fails);
	assert_int_equal(after.block, live.block);
	assert_int_equal(after.alert, live.alert);
	/* a new generation adds to the same series */
	s = compile_text(cfg);
	ask(s, 0, 0, "evil.corp.example", &r);
	struct seen again = { 0 };
	dnsp_firewall_metrics(s, on_series, &again, fails);
	assert_int_equal(again.block, after.block + 1);
	dnsp_snapshot_destroy(s);
}

/* ---- FirewallDomainRedirectionAction (SEMANTICS §13) ---- */

/* Private zones of vpc-a and vpc-c: example.com holds CNAMEs into
 * example.net. CHAIN_LISTS ends inside rule group frg-chain's rules: a test
 * appends its rules, then CHAIN_ASSOC. */
#define CHAIN_ZONES                                                                    \
	"  - Id: ZCOM\n"                                                               \
	"    Name: example.com\n"                                                      \
	"    Config: {PrivateZone: true}\n"                                            \
	"    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}, {VPCRegion: us-east-1, VPCId: vpc-c}]\n"\
	"    ResourceRecordSets:\n"                                                    \
	"      - {Name: go.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: bad.example.net}]}\n"\
	"      - {Name: ok.example.com, Type: CNAME, TTL: 60, ResourceRecords: [{Value: good.example.net}]}\n"\
	"  - Id: ZNET\n"                                                               \
	"    Name: example.net\n"                                                      \
	"    Config: {PrivateZone: true}\n"                                            \
	"    VPCs: [{VPCRegion: us-east-1, VPCId: vpc-a}, {VPCRegion: us-east-1, VPCId: vpc-c}]\n"\
	"    ResourceRecordSets:\n"                                                    \
	"      - {Name: bad.example.net, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.99}]}\n"\
	"      - {Name: good.example.net, Type: A, TTL: 60, ResourceRecords: [{Value: 10.0.0.98}]}\n"

#define CHAIN_LISTS                                                                    \
	"firewall:\n"                                                                  \
	"  domain_lists:\n"                                                            \
	"    - {Id: fdl-bad, Domains: [bad.example.net]}\n"                            \
	"    - {Id: fdl-go, Domains: [go.example.com]}\n"                              \
	"    - {Id: fdl-garden, Domains: [go.example.com, ok.example.com, good.example.net]}\n"\
	"    - {Id: fdl-all, Domains: [\"*\"]}\n"                                      \
	"  rule_groups:\n"                                                            \
	"    - Id: frg-chain\n"                                                       \
	"      FirewallRules:\n"

#define CHAIN_ASSOC                                                                    \
	"  rule_group_associations:\n"                                                 \
	"    - {FirewallRuleGroupId: frg-chain, VpcId: vpc-a, Priority: 101}\n"

static void assert_chain_answered(const struct reply *r, const char *ip)
{
	uint8_t want[4];
	assert_int_equal(inet_pton(AF_INET, ip, want), 1);
	assert_int_equal(r->rcode, DNSP_RCODE_NOERROR);
	assert_int_equal(r->ancount, 2); /* the CNAME, then the target's A */
	assert_memory_equal(r->first_a, want, 4);
}

/* SEMANTICS §13 INSPECT_REDIRECTION_DOMAIN (the default): a BLOCK rule
 * listing a CNAME target blocks the query whose name leads there, with the
 * rule's block response; the name itself is still blocked when asked. */
static void test_inspect_blocks_a_listed_cname_target(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_text(
		BASE CHAIN_ZONES CHAIN_LISTS
		"        - {Name: block-bad, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-bad,"
		" BlockResponse: NXDOMAIN}\n"
		CHAIN_ASSOC);
	struct reply r;
	ask(s, 0, 0, "go.example.com", &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	assert_int_equal(r.ancount, 0);
	assert_int_equal(r.d.fw_action, DNSP_FW_BLOCK);
	assert_string_equal(r.d.fw_rule_name, "block-bad");
	ask(s, 0, 0, "ok.example.com", &r); /* another target: answered */
	assert_chain_answered(&r, "10.0.0.98");
	assert_int_equal(r.d.fw_action, DNSP_FW_NONE);
	ask(s, 2, 0, "go.example.com", &r); /* vpc-c: no firewall */
	assert_chain_answered(&r, "10.0.0.99");
	dnsp_snapshot_destroy(s);
}

/* SEMANTICS §13 TRUST_REDIRECTION_DOMAIN: an ALLOW rule for the query name
 * that trusts its redirections covers the chain; with the default
 * (INSPECT) the target is still inspected. */
static void test_trusting_allow_on_query_name_skips_the_chain(void **state)
{
	(void)state;
	static const char *const setting[2] = { "TRUST_REDIRECTION_DOMAIN",
						"INSPECT_REDIRECTION_DOMAIN" };
	for (int i = 0; i < 2; i++) {
		char cfg[8192];
		snprintf(cfg, sizeof(cfg), "%s%s%s"
			 "        - {Name: allow-go, Priority: 1, Action: ALLOW,"
			 " FirewallDomainListId: fdl-go, FirewallDomainRedirectionAction: %s}\n"
			 "        - {Name: block-bad, Priority: 2, Action: BLOCK,"
			 " FirewallDomainListId: fdl-bad, BlockResponse: NXDOMAIN}\n"
			 "%s", BASE, CHAIN_ZONES, CHAIN_LISTS, setting[i], CHAIN_ASSOC);
		struct dnsp_snapshot *s = compile_text(cfg);
		struct reply r;
		ask(s, 0, 0, "go.example.com", &r);
		if (i == 0) {
			assert_chain_answered(&r, "10.0.0.99");
			assert_int_equal(r.d.fw_action, DNSP_FW_ALLOW);
			assert_string_equal(r.d.fw_rule_name, "allow-go");
		} else {
			assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
			assert_string_equal(r.d.fw_rule_name, "block-bad");
		}
		dnsp_snapshot_destroy(s);
	}
}

/* SEMANTICS §13 TRUST_REDIRECTION_DOMAIN on the BLOCK rule itself: the rule
 * inspects only query names, so a chain through its domain is answered
 * while the domain asked directly is blocked. */
static void test_trusting_block_rule_ignores_targets(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_text(
		BASE CHAIN_ZONES CHAIN_LISTS
		"        - {Name: block-bad, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-bad,"
		" BlockResponse: NXDOMAIN, FirewallDomainRedirectionAction: TRUST_REDIRECTION_DOMAIN}\n"
		CHAIN_ASSOC);
	struct reply r;
	ask(s, 0, 0, "go.example.com", &r);
	assert_chain_answered(&r, "10.0.0.99");
	ask(s, 0, 0, "bad.example.net", &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
	dnsp_snapshot_destroy(s);
}

/* SEMANTICS §13 INSPECT_REDIRECTION_DOMAIN: "the chain's domains must be in
 * the list": with ALLOW for a walled garden and BLOCK for everything else,
 * a chain that stays in the garden is answered, one that leaves it is not. */
static void test_inspect_chain_inside_an_allow_list(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_text(
		BASE CHAIN_ZONES CHAIN_LISTS
		"        - {Name: allow-garden, Priority: 1, Action: ALLOW,"
		" FirewallDomainListId: fdl-garden}\n"
		"        - {Name: block-rest, Priority: 2, Action: BLOCK, FirewallDomainListId: fdl-all,"
		" BlockResponse: NODATA}\n"
		CHAIN_ASSOC);
	struct reply r;
	ask(s, 0, 0, "ok.example.com", &r);
	assert_chain_answered(&r, "10.0.0.98");
	assert_int_equal(r.d.fw_action, DNSP_FW_ALLOW);
	ask(s, 0, 0, "go.example.com", &r);
	assert_int_equal(r.rcode, DNSP_RCODE_NOERROR); /* NODATA */
	assert_int_equal(r.ancount, 0);
	assert_string_equal(r.d.fw_rule_name, "block-rest");
	dnsp_snapshot_destroy(s);
}

static void on_chain_series(void *ctx, const char *group, const char *rule, const char *action,
			    uint64_t value)
{
	uint64_t *n = ctx;
	if (strcmp(group, "frg-chain") == 0 && strcmp(rule, "alert-bad") == 0 &&
	    strcmp(action, "ALERT") == 0)
		*n += value;
}

/* SEMANTICS §13 INSPECT_REDIRECTION_DOMAIN with ALERT on a target: the
 * query is answered, the alert is recorded and counted. */
static void test_inspect_alert_on_target_is_counted(void **state)
{
	(void)state;
	struct dnsp_snapshot *s = compile_text(
		BASE CHAIN_ZONES CHAIN_LISTS
		"        - {Name: alert-bad, Priority: 1, Action: ALERT, FirewallDomainListId: fdl-bad}\n"
		CHAIN_ASSOC);
	uint64_t fails[2], before = 0, after = 0;
	dnsp_firewall_metrics(s, on_chain_series, &before, fails);
	struct reply r;
	ask(s, 0, 0, "go.example.com", &r);
	assert_chain_answered(&r, "10.0.0.99");
	assert_int_equal(r.d.fw_action, DNSP_FW_ALERT);
	assert_string_equal(r.d.fw_rule_name, "alert-bad");
	dnsp_firewall_metrics(s, on_chain_series, &after, fails);
	assert_int_equal(after - before, 1);
	dnsp_snapshot_destroy(s);
}

/* SEMANTICS §13 INSPECT_REDIRECTION_DOMAIN on a cache hit: a cached answer
 * whose CNAME leads to a blocked name is blocked; TRUST on the rule lets it
 * through. */
static void test_inspect_cached_chain(void **state)
{
	(void)state;
	static const uint8_t target[] = { 3, 'b', 'a', 'd', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
					  3, 'n', 'e', 't', 0 };
	static const uint8_t qname[] = { 3, 'c', 'd', 'n', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
					 3, 'o', 'r', 'g', 0 };
	static const uint8_t addr[4] = { 192, 0, 2, 7 };
	static const char *const setting[2] = { "INSPECT_REDIRECTION_DOMAIN",
						"TRUST_REDIRECTION_DOMAIN" };
	dnsp_cache_t *cache;
	assert_int_equal(dnsp_cache_create(NULL, &cache), 0);
	rcu_register_thread(); /* the test thread reads the cache like a worker */
	struct dnsp_cache_key k = { .qname = qname, .qname_len = sizeof(qname),
				    .qtype = DNSP_T_A, .qclass = DNSP_CLASS_IN };
	struct dnsp_cache_rr rrs[2] = {
		{ .type = DNSP_T_CNAME, .rclass = DNSP_CLASS_IN, .ttl = 300, .rdata = target,
		  .rdlen = sizeof(target), .section = DNSP_SEC_ANSWER },
		{ .owner = target, .type = DNSP_T_A, .rclass = DNSP_CLASS_IN, .ttl = 300,
		  .rdata = addr, .rdlen = 4, .section = DNSP_SEC_ANSWER },
	};
	assert_int_equal(dnsp_cache_insert(cache, &k, 0, rrs, 2, dnsp_cache_now()), 1);
	for (int i = 0; i < 2; i++) {
		char cfg[8192];
		snprintf(cfg, sizeof(cfg), "%s%s"
			 "        - {Name: block-bad, Priority: 1, Action: BLOCK,"
			 " FirewallDomainListId: fdl-bad, BlockResponse: NXDOMAIN,"
			 " FirewallDomainRedirectionAction: %s}\n"
			 "%s", BASE, CHAIN_LISTS, setting[i], CHAIN_ASSOC);
		struct dnsp_snapshot *s = compile_text(cfg);
		struct dnsp_recursion_conf rec;
		memset(&rec, 0, sizeof(rec));
		rec.enabled = true;
		rec.cache = cache;
		const struct dnsp_recursion_conf *saved = s->recursion;
		s->recursion = &rec;
		struct reply r;
		ask(s, 0, 0, "cdn.example.org", &r);
		if (i == 0) {
			assert_int_equal(r.rcode, DNSP_RCODE_NXDOMAIN);
			assert_int_equal(r.ancount, 0);
			assert_string_equal(r.d.fw_rule_name, "block-bad");
		} else {
			assert_int_equal(r.rcode, DNSP_RCODE_NOERROR);
			assert_int_equal(r.ancount, 2);
			assert_memory_equal(r.first_a, addr, 4);
		}
		s->recursion = saved;
		dnsp_snapshot_destroy(s);
	}
	rcu_unregister_thread(); /* dnsp_cache_destroy registers itself */
	dnsp_cache_destroy(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_association_priority_orders_groups),
		cmocka_unit_test(test_firewall_before_private_zones_only_for_associated_vpcs),
		cmocka_unit_test(test_profile_groups_join_the_order),
		cmocka_unit_test(test_identical_group_lists_share_a_table),
		cmocka_unit_test(test_fail_closed_by_default_and_open_when_enabled),
		cmocka_unit_test(test_profile_fail_mode_where_the_vpc_sets_none),
		cmocka_unit_test(test_match_counters_survive_snapshot_destroy),
		cmocka_unit_test(test_inspect_blocks_a_listed_cname_target),
		cmocka_unit_test(test_trusting_allow_on_query_name_skips_the_chain),
		cmocka_unit_test(test_trusting_block_rule_ignores_targets),
		cmocka_unit_test(test_inspect_chain_inside_an_allow_list),
		cmocka_unit_test(test_inspect_alert_on_target_is_counted),
		cmocka_unit_test(test_inspect_cached_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
