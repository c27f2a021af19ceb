/*
 * Unit tests of the `firewall` section loader (ctrl/config_firewall.c):
 * every AWS rule the loader enforces (SEMANTICS §13, §18) as an error that
 * names FILE:LINE: KEY, domain lists inline and from files in the three
 * formats (bad lines named by the file's own line), deduplication, and
 * the fail-mode resolution with Profiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctrl/config.h"
#include "ctrl/config_firewall.h"

#define BASE                                                                          \
	"listeners:\n"                                                                \
	"  - {address: 127.0.0.2, port: 53, role: resolver, vpc: vpc-a}\n"            \
	"vpcs:\n"                                                                     \
	"  - {VpcId: vpc-a, Cidrs: [10.1.0.0/16]}\n"                                  \
	"  - {VpcId: vpc-b, Cidrs: [10.2.0.0/16]}\n"

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/dnsp-fwcfg-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loads BASE + text; returns the config (NULL on errors, kept in errs). */
static struct dnsp_config *load(const char *text, struct dnsp_errlist *errs)
{
	char buf[8192];
	snprintf(buf, sizeof(buf), "%s%s", BASE, text);
	struct dnsp_config *c = NULL;
	dnsp_errlist_init(errs);
	int rc = dnsp_config_load_string(buf, strlen(buf), "t.yaml", tmpdir, &c, errs);
	return rc == 0 ? c : NULL;
}

/* The load fails with one message containing all the needles. */
static void expect_error(const char *text, const char *n1, const char *n2)
{
	struct dnsp_errlist errs;
	struct dnsp_config *c = load(text, &errs);
	bool found = false;
	for (size_t i = 0; i < errs.n; i++)
		if (strstr(errs.msgs[i], n1) && (!n2 || strstr(errs.msgs[i], n2)))
			found = true;
	if (!found || c) {
		fprintf(stderr, "expected an error with \"%s\"%s%s%s; got %zu:\n", n1,
			n2 ? " and \"" : "", n2 ? n2 : "", n2 ? "\"" : "", errs.n);
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "  %s\n", errs.msgs[i]);
	}
	assert_null(c);
	assert_true(found);
	dnsp_errlist_fini(&errs);
}

static struct dnsp_config *load_ok(const char *text)
{
	struct dnsp_errlist errs;
	struct dnsp_config *c = load(text, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	assert_non_null(c);
	dnsp_errlist_fini(&errs);
	return c;
}

#define GROUP_WITH(rule)                                                               \
	"firewall:\n"                                                                  \
	"  domain_lists: [{Id: fdl-1, Domains: [evil.example.net]}]\n"                 \
	"  rule_groups:\n"                                                             \
	"    - Id: frg-1\n"                                                            \
	"      FirewallRules:\n"                                                       \
	"        - " rule "\n"

/* ---- a good configuration ---- */

/* SPEC §3: the firewall section with AWS field names loads into the model. */
static void test_full_section_loads(void **state)
{
	(void)state;
	struct dnsp_config *c = load_ok(
		"firewall:\n"
		"  domain_lists:\n"
		"    - {Id: fdl-bad, Name: bad, Domains: [\"Evil.example.net.\", \"*.c2.example.org\","
		" evil.example.net]}\n"
		"  rule_groups:\n"
		"    - Id: frg-1\n"
		"      Name: egress-guard\n"
		"      FirewallRules:\n"
		"        - {Name: block-bad, Priority: 100, Action: BLOCK, FirewallDomainListId: fdl-bad,"
		" BlockResponse: OVERRIDE, BlockOverrideDomain: walled.example, BlockOverrideDnsType:"
		" CNAME, BlockOverrideTtl: 60, Qtype: AAAA, FirewallDomainRedirectionAction:"
		" TRUST_REDIRECTION_DOMAIN}\n"
		"        - {Name: dga, Priority: 50, Action: ALERT, DnsThreatProtection: DGA,"
		" ConfidenceThreshold: HIGH}\n"
		"  rule_group_associations:\n"
		"    - {FirewallRuleGroupId: frg-1, VpcId: vpc-a, Priority: 101, Name: guard,"
		" MutationProtection: ENABLED}\n"
		"  configs: [{ResourceId: vpc-a, FirewallFailOpen: ENABLED}]\n");
	const struct dnsp_cfg_firewall *f = c->firewall;
	assert_int_equal(f->nlists, 1);
	assert_int_equal(f->lists[0].domains.n, 2); /* deduplicated after normalising */
	assert_string_equal(dnsp_cfg_fw_domain(&f->lists[0].domains, 0), "evil.example.net");
	assert_int_equal(f->ngroups, 1);
	assert_int_equal(f->groups[0].nrules, 2);
	const struct dnsp_cfg_fw_rule *r = &f->groups[0].rules[0];
	assert_string_equal(r->override_domain, "walled.example.");
	assert_int_equal(r->override_ttl, 60);
	assert_int_equal(r->qtype, 28);
	assert_int_equal(r->redirection, DNSP_FW_TRUST_REDIRECTION);
	assert_int_equal(f->groups[0].rules[1].threat, 1);
	assert_int_equal(f->groups[0].rules[1].confidence, 2);
	assert_true(f->assocs[0].mutation_protection);
	assert_true(dnsp_cfg_fw_fail_open(c, "vpc-a"));
	assert_false(dnsp_cfg_fw_fail_open(c, "vpc-b")); /* default: fail closed */
	dnsp_config_destroy(c);
}

/* ---- references (SPEC §3: dangling ids are errors) ---- */

static void test_dangling_domain_list_id(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: ALLOW, FirewallDomainListId: nope}"),
		     "t.yaml:11: firewall.rule_groups[0].FirewallRules[0].FirewallDomainListId:",
		     "\"nope\"");
}

static void test_dangling_association_group_and_vpc(void **state)
{
	(void)state;
	const char *t = GROUP_WITH("{Name: r, Priority: 1, Action: ALLOW, FirewallDomainListId: fdl-1}")
		"  rule_group_associations:\n"
		"    - {FirewallRuleGroupId: frg-x, VpcId: vpc-zz, Priority: 101}\n";
	expect_error(t, "t.yaml:13: firewall.rule_group_associations[0].FirewallRuleGroupId:",
		     "\"frg-x\"");
	expect_error(t, "firewall.rule_group_associations[0].VpcId:", "\"vpc-zz\"");
}

static void test_config_for_unknown_vpc(void **state)
{
	(void)state;
	expect_error("firewall:\n  configs: [{ResourceId: vpc-zz, FirewallFailOpen: ENABLED}]\n",
		     "t.yaml:7: firewall.configs[0].ResourceId:", "vpc-zz");
}

/* SEMANTICS §13: association priorities are 100..9900 and unique per VPC. */
static void test_association_priority_range_and_uniqueness(void **state)
{
	(void)state;
	const char *g = GROUP_WITH("{Name: r, Priority: 1, Action: ALLOW, FirewallDomainListId: fdl-1}")
		"    - Id: frg-2\n"
		"      FirewallRules: []\n";
	char t[2048];
	snprintf(t, sizeof(t), "%s  rule_group_associations:\n"
		 "    - {FirewallRuleGroupId: frg-1, VpcId: vpc-a, Priority: 99}\n", g);
	expect_error(t, "firewall.rule_group_associations[0].Priority:", NULL);
	snprintf(t, sizeof(t), "%s  rule_group_associations:\n"
		 "    - {FirewallRuleGroupId: frg-1, VpcId: vpc-a, Priority: 9901}\n", g);
	expect_error(t, "firewall.rule_group_associations[0].Priority:", NULL);
	snprintf(t, sizeof(t), "%s  rule_group_associations:\n"
		 "    - {FirewallRuleGroupId: frg-1, VpcId: vpc-a, Priority: 200}\n"
		 "    - {FirewallRuleGroupId: frg-2, VpcId: vpc-a, Priority: 200}\n"
		 "    - {FirewallRuleGroupId: frg-2, VpcId: vpc-b, Priority: 200}\n", g);
	expect_error(t, "t.yaml:16: firewall.rule_group_associations[1].Priority:",
		     "already used for VPC vpc-a");
	snprintf(t, sizeof(t), "%s  rule_group_associations:\n"
		 "    - {FirewallRuleGroupId: frg-1, VpcId: vpc-a, Priority: 200}\n"
		 "    - {FirewallRuleGroupId: frg-1, VpcId: vpc-a, Priority: 300}\n", g);
	expect_error(t, "firewall.rule_group_associations[1].FirewallRuleGroupId:",
		     "already associated");
}

/* SEMANTICS §13: rule priorities are unique within a group. */
static void test_duplicate_rule_priority(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: a, Priority: 5, Action: ALLOW, FirewallDomainListId: fdl-1}\n"
				"        - {Name: b, Priority: 5, Action: ALERT, FirewallDomainListId: fdl-1}"),
		     "t.yaml:12: firewall.rule_groups[0].FirewallRules[1]:", "Priority 5");
}

/* ---- actions and responses (SEMANTICS §13) ---- */

static void test_block_requires_block_response(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-1}"),
		     "t.yaml:11: firewall.rule_groups[0].FirewallRules[0].BlockResponse:",
		     "required for Action BLOCK");
}

static void test_block_response_only_for_block(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: ALLOW, FirewallDomainListId: fdl-1,"
				" BlockResponse: NXDOMAIN}"),
		     "FirewallRules[0].BlockResponse:", "only for Action BLOCK");
}

static void test_override_requires_domain(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-1,"
				" BlockResponse: OVERRIDE}"),
		     "FirewallRules[0].BlockOverrideDomain:", "required for BlockResponse OVERRIDE");
}

static void test_override_type_is_cname_and_ttl_in_range(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-1,"
				" BlockResponse: OVERRIDE, BlockOverrideDomain: w.example,"
				" BlockOverrideDnsType: A}"),
		     "FirewallRules[0].BlockOverrideDnsType:", NULL);
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-1,"
				" BlockResponse: OVERRIDE, BlockOverrideDomain: w.example,"
				" BlockOverrideTtl: 604801}"),
		     "FirewallRules[0].BlockOverrideTtl:", NULL);
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: BLOCK, FirewallDomainListId: fdl-1,"
				" BlockResponse: NXDOMAIN, BlockOverrideDomain: w.example}"),
		     "FirewallRules[0].BlockOverrideDomain:", "only with BlockResponse OVERRIDE");
}

static void test_bad_action_and_qtype(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: DROP, FirewallDomainListId: fdl-1}"),
		     "FirewallRules[0].Action:", NULL);
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: ALLOW, FirewallDomainListId: fdl-1,"
				" Qtype: NOPE}"),
		     "FirewallRules[0].Qtype:", "NOPE");
}

/* SEMANTICS §13: DnsThreatProtection cannot be combined with a domain list,
 * cannot ALLOW, needs a ConfidenceThreshold. */
static void test_threat_protection_rules(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: BLOCK, BlockResponse: NODATA,"
				" FirewallDomainListId: fdl-1, DnsThreatProtection: DGA,"
				" ConfidenceThreshold: LOW}"),
		     "FirewallRules[0].DnsThreatProtection:", "not both");
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: ALLOW, DnsThreatProtection: DGA,"
				" ConfidenceThreshold: LOW}"),
		     "FirewallRules[0].DnsThreatProtection:", "cannot ALLOW");
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: ALERT, DnsThreatProtection:"
				" DNS_TUNNELING}"),
		     "FirewallRules[0].DnsThreatProtection:", "ConfidenceThreshold");
	expect_error(GROUP_WITH("{Name: r, Priority: 1, Action: ALERT}"),
		     "FirewallRules[0].FirewallDomainListId:", "needs a FirewallDomainListId");
}

/* SEMANTICS §18: names are letters, digits, '-', '_' and spaces, not only
 * digits, at most 64 characters. */
static void test_aws_name_syntax(void **state)
{
	(void)state;
	expect_error(GROUP_WITH("{Name: \"12345\", Priority: 1, Action: ALLOW,"
				" FirewallDomainListId: fdl-1}"),
		     "FirewallRules[0].Name:", "invalid name");
	expect_error("firewall:\n  domain_lists: [{Id: x, Name: \"bad/name\"}]\n",
		     "firewall.domain_lists[0].Name:", NULL);
}

static void test_unknown_keys_are_errors(void **state)
{
	(void)state;
	expect_error("firewall:\n  domain_list: []\n", "firewall", "domain_list");
	expect_error("firewall:\n  domain_lists: [{Id: x, Domain: [a.example]}]\n",
		     "firewall.domain_lists[0]", "Domain");
}

/* ---- domain lists ---- */

/* SEMANTICS §13: the entry syntax; the error names the list and the entry. */
static void test_bad_inline_domain_names_list_and_entry(void **state)
{
	(void)state;
	expect_error("firewall:\n"
		     "  domain_lists:\n"
		     "    - Id: fdl-x\n"
		     "      Domains:\n"
		     "        - ok.example\n"
		     "        - \"bad_entry.example\"\n",
		     "t.yaml:11: firewall.domain_lists[0].Domains[1]: list fdl-x:",
		     "'bad_entry.example'");
}

/* DomainFile: bad lines are named by the file's own path and line. */
static void test_domain_file_bad_lines_name_file_and_line(void **state)
{
	(void)state;
	write_file("bad.txt", "ok.example\n# comment\nbad!.example\n*.fine.example\nx..y\n");
	char path[128];
	snprintf(path, sizeof(path), "%s/bad.txt:3: firewall.domain_lists[0].DomainFile: list f1:",
		 tmpdir);
	expect_error("firewall:\n  domain_lists: [{Id: f1, DomainFile: bad.txt}]\n", path,
		     "'bad!.example'");
	snprintf(path, sizeof(path), "%s/bad.txt:5:", tmpdir);
	expect_error("firewall:\n  domain_lists: [{Id: f1, DomainFile: bad.txt}]\n", path, "x..y");
	expect_error("firewall:\n  domain_lists: [{Id: f1, DomainFile: missing.txt}]\n",
		     "missing.txt:1: firewall.domain_lists[0].DomainFile:", "cannot read");
}

/* DomainFile formats: plain, hosts and RPZ are detected; DomainFileFormat
 * forces one. Inline Domains and the file's entries are merged. */
static void test_domain_file_formats(void **state)
{
	(void)state;
	write_file("plain.txt", "a.example\nB.example\n");
	write_file("hosts.txt", "127.0.0.1 localhost\n0.0.0.0 c.example d.example\n");
	write_file("feed.rpz", "$TTL 60\n@ SOA ns. admin. 1 2 3 4 5\n  NS ns.\n"
			       "e.example CNAME .\n*.f.example CNAME .\n");
	struct dnsp_config *c = load_ok(
		"firewall:\n"
		"  domain_lists:\n"
		"    - {Id: p, DomainFile: plain.txt, Domains: [z.example, a.example]}\n"
		"    - {Id: h, DomainFile: hosts.txt}\n"
		"    - {Id: r, DomainFile: feed.rpz}\n"
		"    - {Id: forced, DomainFile: plain.txt, DomainFileFormat: plain}\n");
	const struct dnsp_cfg_firewall *f = c->firewall;
	assert_int_equal(f->lists[0].domains.n, 3);
	assert_string_equal(dnsp_cfg_fw_domain(&f->lists[0].domains, 2), "b.example");
	assert_int_equal(f->lists[1].domains.n, 2);
	assert_string_equal(dnsp_cfg_fw_domain(&f->lists[1].domains, 0), "c.example");
	assert_int_equal(f->lists[2].domains.n, 2);
	assert_string_equal(dnsp_cfg_fw_domain(&f->lists[2].domains, 1), "*.f.example");
	assert_int_equal(f->lists[3].domains.n, 2);
	dnsp_config_destroy(c);
	expect_error("firewall:\n  domain_lists: [{Id: x, DomainFile: hosts.txt,"
		     " DomainFileFormat: plain}]\n", "hosts.txt:1:", "more than one word");
}

/* The domain set keeps insertion order, refuses duplicates and answers
 * membership. */
static void test_domain_set_dedupes(void **state)
{
	(void)state;
	struct dnsp_cfg_fw_domains d = { 0 };
	char name[32];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof(name), "h%d.example", i % 2500);
		assert_int_equal(dnsp_cfg_fw_domains_add(&d, name, (size_t)n), i < 2500 ? 1 : 0);
	}
	assert_int_equal(d.n, 2500);
	dnsp_cfg_fw_domains_seal(&d);
	assert_true(dnsp_cfg_fw_domains_has(&d, "h77.example", 11));
	assert_false(dnsp_cfg_fw_domains_has(&d, "h2500.example", 13));
	assert_string_equal(dnsp_cfg_fw_domain(&d, 10), "h10.example");
	dnsp_cfg_fw_domains_fini(&d);
}

/* ---- Profiles ---- */

#define PROFILE_CFG(groups, extra)                                                     \
	"firewall:\n"                                                                  \
	"  rule_groups: [" groups "]\n"                                                \
	extra                                                                          \
	"profiles:\n"                                                                  \
	"  - {Id: rp-1, Name: org, Resources: [{ResourceArn: frg-p, Priority: 100}]}\n" \
	"profile_associations:\n"                                                      \
	"  - {ProfileId: rp-1, ResourceId: vpc-b, FirewallFailOpen: ENABLED}\n"

/* SEMANTICS §12: rule groups a Profile brings must exist; the Profile's
 * FirewallFailOpen applies where the VPC sets none. */
static void test_profile_groups_checked_and_fail_mode_inherited(void **state)
{
	(void)state;
	expect_error(PROFILE_CFG("{Id: frg-other}", ""), "profiles[0].Resources[0].ResourceArn:",
		     "frg-p");
	struct dnsp_config *c = load_ok(PROFILE_CFG("{Id: frg-p}", ""));
	assert_true(dnsp_cfg_fw_fail_open(c, "vpc-b"));
	assert_false(dnsp_cfg_fw_fail_open(c, "vpc-a"));
	dnsp_config_destroy(c);
	c = load_ok(PROFILE_CFG("{Id: frg-p}",
				"  configs: [{ResourceId: vpc-b, FirewallFailOpen: DISABLED}]\n"));
	assert_false(dnsp_cfg_fw_fail_open(c, "vpc-b")); /* the VPC's own setting first */
	dnsp_config_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_section_loads),
		cmocka_unit_test(test_dangling_domain_list_id),
		cmocka_unit_test(test_dangling_association_group_and_vpc),
		cmocka_unit_test(test_config_for_unknown_vpc),
		cmocka_unit_test(test_association_priority_range_and_uniqueness),
		cmocka_unit_test(test_duplicate_rule_priority),
		cmocka_unit_test(test_block_requires_block_response),
		cmocka_unit_test(test_block_response_only_for_block),
		cmocka_unit_test(test_override_requires_domain),
		cmocka_unit_test(test_override_type_is_cname_and_ttl_in_range),
		cmocka_unit_test(test_bad_action_and_qtype),
		cmocka_unit_test(test_threat_protection_rules),
		cmocka_unit_test(test_aws_name_syntax),
		cmocka_unit_test(test_unknown_keys_are_errors),
		cmocka_unit_test(test_bad_inline_domain_names_list_and_entry),
		cmocka_unit_test(test_domain_file_bad_lines_name_file_and_line),
		cmocka_unit_test(test_domain_file_formats),
		cmocka_unit_test(test_domain_set_dedupes),
		cmocka_unit_test(test_profile_groups_checked_and_fail_mode_inherited),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
