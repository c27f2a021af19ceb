/*
 * Unit tests for lib/sources.c: the per-VPC source table of the VPC
 * Resolver. One test per precedence rule of SEMANTICS §11 (Resolver rules
 * and resolution order) and §12 (private hosted zones + Profiles), the
 * guide's §5.3, §6.2 and §8.3, and SPEC §4 ("most specific name wins
 * across all of them"). The table is compiled from candidates exactly as
 * ctrl/compile_resolver.c adds them; zones and routes are stand-ins that
 * the table only points at, so each test reads as "these sources exist →
 * this one answers that name".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/sources.h"
#include "lib/wire/name.h"

static dnsp_arena_t *arena;
static dnsp_sources_builder_t *b;
static struct dnsp_sources table;

/* Stand-ins: the table never looks inside a zone or a route. */
static dnsp_zone_t zone_a = { .id = "Z-A" }, zone_b = { .id = "Z-B" }, zone_c = { .id = "Z-C" };
static struct dnsp_upstream route_a = { .kind = DNSP_UPSTREAM_FORWARD, .rule_id = "rr-a" };
static struct dnsp_upstream route_b = { .kind = DNSP_UPSTREAM_FORWARD, .rule_id = "rr-b" };
static struct dnsp_upstream route_d = { .kind = DNSP_UPSTREAM_DELEGATE, .rule_id = "rr-d" };

static int setup_with(bool profile_first)
{
	if (dnsp_arena_create(&arena) < 0)
		return -1;
	return dnsp_sources_builder_create(profile_first, &b);
}

static int setup(void **state)
{
	(void)state;
	return setup_with(false);
}

static int setup_profile_first(void **state)
{
	(void)state;
	return setup_with(true);
}

static int teardown(void **state)
{
	(void)state;
	dnsp_sources_builder_destroy(b);
	dnsp_arena_destroy(arena);
	memset(&table, 0, sizeof(table));
	b = NULL;
	arena = NULL;
	return 0;
}

static const uint8_t *wire(const char *text)
{
	static uint8_t buf[4][DNSP_NAME_MAX];
	static int turn;
	uint8_t *out = buf[turn++ & 3];
	assert_true(dnsp_name_from_text(text, strlen(text), (const uint8_t *)"", out) > 0);
	return out;
}

static void zone(const char *name, enum dnsp_src_origin o, dnsp_zone_t *z)
{
	assert_int_equal(dnsp_sources_add(b, wire(name), DNSP_SRC_ZONE, o, z, NULL, z->id), 0);
}

static void forward(const char *name, enum dnsp_src_origin o, struct dnsp_upstream *r)
{
	assert_int_equal(dnsp_sources_add(b, wire(name), DNSP_SRC_FORWARD, o, NULL, r, r->rule_id), 0);
}

static void delegate(const char *name, enum dnsp_src_origin o, struct dnsp_upstream *r)
{
	assert_int_equal(dnsp_sources_add(b, wire(name), DNSP_SRC_DELEGATE, o, NULL, r, r->rule_id), 0);
}

static void system_rule(const char *name, enum dnsp_src_origin o, const char *id)
{
	assert_int_equal(dnsp_sources_add(b, wire(name), DNSP_SRC_SYSTEM, o, NULL, NULL, id), 0);
}

static void compile(void)
{
	assert_int_equal(dnsp_sources_compile(b, arena, &table), 0);
}

/* Looks qname up (lowercased, as the query parser hands it over). */
static const struct dnsp_source *look(const char *qname)
{
	uint8_t n[DNSP_NAME_MAX];
	memcpy(n, wire(qname), DNSP_NAME_MAX);
	dnsp_name_lower(n);
	return dnsp_sources_lookup(&table, n);
}

static void expect_id(const char *qname, const char *id)
{
	const struct dnsp_source *s = look(qname);
	if (!s)
		fail_msg("%s: no source, expected %s", qname, id);
	if (!s->id || strcmp(s->id, id) != 0)
		fail_msg("%s: answered by %s, expected %s", qname, s->id ? s->id : "?", id);
}

/* ---- SEMANTICS §11: rules ---- */

/* No zone and no rule matches → public recursion (no source). */
static void test_no_match_is_public_recursion(void **state)
{
	(void)state;
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_a);
	compile();
	assert_null(look("www.example.org"));
	assert_null(look("example.com")); /* a parent of a rule's domain is not matched */
	assert_null(look("xcorp.example.com")); /* label boundary, not a string suffix */
}

/* §11 Match: the query name equals the rule domain or is a subdomain. */
static void test_rule_matches_its_domain_and_subdomains(void **state)
{
	(void)state;
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_a);
	compile();
	expect_id("corp.example.com", "rr-a");
	expect_id("dc01.corp.example.com", "rr-a");
	expect_id("a.b.c.corp.example.com", "rr-a");
	assert_ptr_equal(look("dc01.corp.example.com")->upstream, &route_a);
	assert_int_equal(look("dc01.corp.example.com")->kind, DNSP_SRC_FORWARD);
}

/* §11: when several rules match, the most specific domain wins
 * (www.example.com beats example.com). */
static void test_most_specific_rule_wins(void **state)
{
	(void)state;
	forward("example.com", DNSP_ORIGIN_VPC, &route_a);
	forward("www.example.com", DNSP_ORIGIN_VPC, &route_b);
	compile();
	expect_id("www.example.com", "rr-b");
	expect_id("a.www.example.com", "rr-b");
	expect_id("mail.example.com", "rr-a");
}

/* §11 SYSTEM, guide §6.2: a SYSTEM rule carves a subdomain out of a
 * broader FORWARD rule; with no private zone above it the name goes to
 * public recursion. */
static void test_system_rule_carves_out_of_forward_rule(void **state)
{
	(void)state;
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_a);
	system_rule("cloud.corp.example.com", DNSP_ORIGIN_VPC, "rr-sys");
	compile();
	const struct dnsp_source *s = look("vm1.cloud.corp.example.com");
	assert_non_null(s);
	assert_int_equal(s->kind, DNSP_SRC_SYSTEM);
	assert_null(s->zone); /* recursion */
	expect_id("dc01.corp.example.com", "rr-a");
}

/* A SYSTEM rule resolves "the Resolver's default way", which includes the
 * VPC's private zones: under a FORWARD rule that overrides a private
 * zone, the SYSTEM subtree is answered from that zone again. */
static void test_system_rule_falls_back_to_private_zone(void **state)
{
	(void)state;
	zone("example.com", DNSP_ORIGIN_VPC, &zone_a);
	forward("example.com", DNSP_ORIGIN_VPC, &route_a);
	system_rule("cloud.example.com", DNSP_ORIGIN_VPC, "rr-sys");
	compile();
	expect_id("www.example.com", "rr-a");
	const struct dnsp_source *s = look("vm.cloud.example.com");
	assert_int_equal(s->kind, DNSP_SRC_SYSTEM);
	assert_ptr_equal(s->zone, &zone_a);
	assert_ptr_equal(dnsp_sources_zone_for(&table, wire("vm.cloud.example.com")), &zone_a);
}

/* §11 DELEGATE: a delegation rule is matched like the others and carries
 * its route (the delegated servers). */
static void test_delegate_rule_matches_like_other_rules(void **state)
{
	(void)state;
	zone("example.com", DNSP_ORIGIN_VPC, &zone_a);
	delegate("onprem.example.com", DNSP_ORIGIN_VPC, &route_d);
	compile();
	const struct dnsp_source *s = look("host.onprem.example.com");
	assert_int_equal(s->kind, DNSP_SRC_DELEGATE);
	assert_ptr_equal(s->upstream, &route_d);
	expect_id("www.example.com", "Z-A");
}

/* A FORWARD rule for "." matches every name no more specific source has. */
static void test_root_rule_matches_every_name(void **state)
{
	(void)state;
	forward(".", DNSP_ORIGIN_VPC, &route_a);
	compile();
	expect_id("www.example.org", "rr-a");
	expect_id("org", "rr-a");
	expect_id(".", "rr-a");
}

/* ---- SEMANTICS §11: private zones vs rules ---- */

/* §11: PHZ vs Resolver rule for the same name: the rule wins. */
static void test_rule_beats_private_zone_of_same_name(void **state)
{
	(void)state;
	zone("corp.example.com", DNSP_ORIGIN_VPC, &zone_a);
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_a);
	compile();
	expect_id("corp.example.com", "rr-a");
	expect_id("x.corp.example.com", "rr-a");
}

/* Guide §5.3, SPEC §4: most specific wins across zones and rules: a
 * private zone below a rule's domain answers its names. */
static void test_more_specific_private_zone_beats_rule(void **state)
{
	(void)state;
	forward("example.com", DNSP_ORIGIN_VPC, &route_a);
	zone("aws.example.com", DNSP_ORIGIN_VPC, &zone_a);
	compile();
	expect_id("payments.aws.example.com", "Z-A");
	expect_id("dc01.example.com", "rr-a");
}

/* ... and a rule below a private zone's apex takes its subtree. */
static void test_more_specific_rule_beats_private_zone(void **state)
{
	(void)state;
	zone("example.com", DNSP_ORIGIN_VPC, &zone_a);
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_a);
	compile();
	expect_id("dc01.corp.example.com", "rr-a");
	expect_id("www.example.com", "Z-A");
}

/* §11 PHZ matching: the most specific private zone wins
 * (account1.infra.example.com beats infra.example.com, guide §5.3). */
static void test_most_specific_private_zone_wins(void **state)
{
	(void)state;
	zone("infra.example.com", DNSP_ORIGIN_VPC, &zone_a);
	zone("account1.infra.example.com", DNSP_ORIGIN_VPC, &zone_b);
	compile();
	expect_id("db.account1.infra.example.com", "Z-B");
	expect_id("db.account2.infra.example.com", "Z-A");
}

/* §11: a matching private zone captures every name below its apex, held
 * or not (the zone then answers NXDOMAIN: no fallback to public DNS). */
static void test_private_zone_captures_every_name_below_it(void **state)
{
	(void)state;
	zone("example.com", DNSP_ORIGIN_VPC, &zone_a);
	compile();
	expect_id("no-such-name.example.com", "Z-A");
	expect_id("example.com", "Z-A");
	assert_int_equal(look("deep.below.example.com")->kind, DNSP_SRC_ZONE);
}

/* ---- SEMANTICS §12, guide §8.3: Profiles ---- */

/* Guide §8.3 (1): exact-match conflict → the local VPC setting wins
 * (EvaluationOrder VPC_FIRST, the default). */
static void test_local_zone_beats_profile_zone_of_same_name(void **state)
{
	(void)state;
	zone("aws.example.com", DNSP_ORIGIN_PROFILE, &zone_a);
	zone("aws.example.com", DNSP_ORIGIN_VPC, &zone_b);
	compile();
	expect_id("payments.aws.example.com", "Z-B");
	assert_int_equal(look("payments.aws.example.com")->origin, DNSP_ORIGIN_VPC);
}

/* Guide §8.3: the association's evaluation order PROFILE_FIRST makes the
 * Profile win exact-name ties instead. */
static void test_profile_first_makes_profile_win_same_name(void **state)
{
	(void)state;
	zone("aws.example.com", DNSP_ORIGIN_PROFILE, &zone_a);
	zone("aws.example.com", DNSP_ORIGIN_VPC, &zone_b);
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_a);
	forward("corp.example.com", DNSP_ORIGIN_PROFILE, &route_b);
	compile();
	expect_id("payments.aws.example.com", "Z-A");
	expect_id("dc.corp.example.com", "rr-b");
}

/* Guide §8.3 (2): overlapping names → most specific wins, whichever side
 * it comes from (Profile infra.example.com vs local account1.infra...). */
static void test_more_specific_local_zone_beats_profile_parent(void **state)
{
	(void)state;
	zone("infra.example.com", DNSP_ORIGIN_PROFILE, &zone_a);
	zone("account1.infra.example.com", DNSP_ORIGIN_VPC, &zone_b);
	compile();
	expect_id("db.account1.infra.example.com", "Z-B");
	expect_id("db.infra.example.com", "Z-A");
}

static void test_more_specific_profile_zone_beats_local_parent(void **state)
{
	(void)state;
	zone("example.com", DNSP_ORIGIN_VPC, &zone_a);
	zone("aws.example.com", DNSP_ORIGIN_PROFILE, &zone_b);
	compile();
	expect_id("payments.aws.example.com", "Z-B");
	expect_id("www.example.com", "Z-A");
}

/* Guide §8.3: EvaluationOrder decides exact-name ties only; "overlapping
 * names: most-specific wins" under PROFILE_FIRST too, whichever side the
 * longer name comes from and whether it is a zone or a rule. */
static void test_profile_first_still_lets_the_most_specific_name_win(void **state)
{
	(void)state;
	zone("example.com", DNSP_ORIGIN_PROFILE, &zone_a);
	zone("aws.example.com", DNSP_ORIGIN_VPC, &zone_b);
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_a);
	forward("lab.aws.example.com", DNSP_ORIGIN_PROFILE, &route_b);
	compile();
	expect_id("payments.aws.example.com", "Z-B");
	expect_id("dc01.corp.example.com", "rr-a");
	expect_id("x.lab.aws.example.com", "rr-b");
	expect_id("www.example.com", "Z-A");
}

/* Guide §8.3 evaluation order "first Profile DNS then VPC DNS": with
 * PROFILE_FIRST the Profile's private zone wins an exact-name tie against
 * the VPC's own rule (the mirror of VPC_FIRST's local zone beating the
 * Profile's rule: the origin decides before "rule beats zone"). */
static void test_profile_first_profile_zone_beats_local_rule_of_same_name(void **state)
{
	(void)state;
	zone("corp.example.com", DNSP_ORIGIN_PROFILE, &zone_a);
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_a);
	compile();
	expect_id("dc.corp.example.com", "Z-A");
	assert_int_equal(look("dc.corp.example.com")->origin, DNSP_ORIGIN_PROFILE);
}

/* Local rule vs the Profile's rule for one domain: local wins (VPC_FIRST). */
static void test_local_rule_beats_profile_rule_of_same_domain(void **state)
{
	(void)state;
	forward("corp.example.com", DNSP_ORIGIN_PROFILE, &route_a);
	forward("corp.example.com", DNSP_ORIGIN_VPC, &route_b);
	compile();
	expect_id("dc.corp.example.com", "rr-b");
}

/* Guide §8.3 "Profiles do not silently override what a VPC already has":
 * a local private zone is not overridden by the Profile's rule for the
 * same name (the origin decides before "rule beats zone"; not verified
 * against AWS, see README). */
static void test_local_zone_beats_profile_rule_of_same_name(void **state)
{
	(void)state;
	zone("corp.example.com", DNSP_ORIGIN_VPC, &zone_a);
	forward("corp.example.com", DNSP_ORIGIN_PROFILE, &route_a);
	compile();
	expect_id("dc.corp.example.com", "Z-A");
}

/* Within the Profile, a rule beats a zone of the same name (§11). */
static void test_profile_rule_beats_profile_zone_of_same_name(void **state)
{
	(void)state;
	zone("corp.example.com", DNSP_ORIGIN_PROFILE, &zone_a);
	forward("corp.example.com", DNSP_ORIGIN_PROFILE, &route_a);
	compile();
	expect_id("dc.corp.example.com", "rr-a");
}

/* Guide §12.2 query 2: the Profile's forward rule answers on-premises
 * names no zone matches, beside the Profile's own private zone. */
static void test_profile_rule_and_zone_coexist(void **state)
{
	(void)state;
	zone("aws.example.com", DNSP_ORIGIN_PROFILE, &zone_a);
	forward("corp.example.com", DNSP_ORIGIN_PROFILE, &route_a);
	system_rule("aws.corp.example.com", DNSP_ORIGIN_PROFILE, "rr-sys");
	compile();
	expect_id("payments.aws.example.com", "Z-A");
	expect_id("dc01.corp.example.com", "rr-a");
	assert_int_equal(look("x.aws.corp.example.com")->kind, DNSP_SRC_SYSTEM);
	assert_null(look("www.partner.com"));
}

/* ---- SEMANTICS §11: autodefined zones ---- */

/* RFC 6303 reverse zones are answered locally (an empty zone). */
static void test_autodefined_reverse_zone_answers_locally(void **state)
{
	(void)state;
	zone("10.in-addr.arpa", DNSP_ORIGIN_AUTO, &zone_c);
	compile();
	const struct dnsp_source *s = look("5.4.3.10.in-addr.arpa");
	assert_int_equal(s->kind, DNSP_SRC_ZONE);
	assert_int_equal(s->origin, DNSP_ORIGIN_AUTO);
}

/* §11: a forwarding rule for the same name overrides the autodefined zone. */
static void test_rule_overrides_autodefined_zone(void **state)
{
	(void)state;
	zone("10.in-addr.arpa", DNSP_ORIGIN_AUTO, &zone_c);
	forward("10.in-addr.arpa", DNSP_ORIGIN_VPC, &route_a);
	compile();
	expect_id("5.4.3.10.in-addr.arpa", "rr-a");
}

/* A profile's rule overrides it as well, and so does a more specific rule. */
static void test_profile_or_narrower_rule_overrides_autodefined_zone(void **state)
{
	(void)state;
	zone("10.in-addr.arpa", DNSP_ORIGIN_AUTO, &zone_c);
	zone("168.192.in-addr.arpa", DNSP_ORIGIN_AUTO, &zone_c);
	forward("10.in-addr.arpa", DNSP_ORIGIN_PROFILE, &route_a);
	forward("1.168.192.in-addr.arpa", DNSP_ORIGIN_VPC, &route_b);
	compile();
	expect_id("5.4.3.10.in-addr.arpa", "rr-a");
	expect_id("7.1.168.192.in-addr.arpa", "rr-b");
	assert_int_equal(look("7.2.168.192.in-addr.arpa")->origin, DNSP_ORIGIN_AUTO);
}

/* §11: a custom "." FORWARD rule does not forward the autodefined domains
 * (nor the private zones) unless a rule for that name overrides them. */
static void test_root_forward_rule_does_not_capture_autodefined_zones(void **state)
{
	(void)state;
	forward(".", DNSP_ORIGIN_VPC, &route_a);
	zone("10.in-addr.arpa", DNSP_ORIGIN_AUTO, &zone_c);
	zone("example.com", DNSP_ORIGIN_VPC, &zone_a);
	compile();
	assert_int_equal(look("1.0.0.10.in-addr.arpa")->origin, DNSP_ORIGIN_AUTO);
	expect_id("www.example.com", "Z-A");
	expect_id("www.example.org", "rr-a");
}

/* A private zone of the same name as an autodefined one wins. */
static void test_private_zone_overrides_autodefined_zone(void **state)
{
	(void)state;
	zone("10.in-addr.arpa", DNSP_ORIGIN_AUTO, &zone_c);
	zone("10.in-addr.arpa", DNSP_ORIGIN_VPC, &zone_a);
	compile();
	expect_id("1.0.0.10.in-addr.arpa", "Z-A");
}

/* ---- table mechanics ---- */

/* Two sources of one name, kind (zone/rule) and origin are a conflict the
 * compiler reports; autodefined duplicates (e.g. a VPC CIDR inside
 * 10.0.0.0/8) are merged silently. */
static void test_same_name_same_kind_same_origin_is_a_conflict(void **state)
{
	(void)state;
	zone("example.com", DNSP_ORIGIN_VPC, &zone_a);
	assert_int_equal(dnsp_sources_add(b, wire("EXAMPLE.com"), DNSP_SRC_ZONE, DNSP_ORIGIN_VPC,
					  &zone_b, NULL, "Z-B"), DNSP_EEXIST);
	forward("example.com", DNSP_ORIGIN_VPC, &route_a);
	assert_int_equal(dnsp_sources_add(b, wire("example.com"), DNSP_SRC_SYSTEM, DNSP_ORIGIN_VPC,
					  NULL, NULL, "rr-sys"), DNSP_EEXIST);
	zone("10.in-addr.arpa", DNSP_ORIGIN_AUTO, &zone_c);
	assert_int_equal(dnsp_sources_add(b, wire("10.in-addr.arpa"), DNSP_SRC_ZONE,
					  DNSP_ORIGIN_AUTO, &zone_b, NULL, "auto2"), 0);
	compile();
	assert_ptr_equal(look("1.10.in-addr.arpa")->zone, &zone_c);
}

/* Names are compared case-insensitively (added in any case). */
static void test_names_are_case_insensitive(void **state)
{
	(void)state;
	forward("Corp.Example.COM", DNSP_ORIGIN_VPC, &route_a);
	compile();
	expect_id("DC01.corp.example.com", "rr-a");
}

/* Bad candidates are refused. */
static void test_bad_candidates_are_refused(void **state)
{
	(void)state;
	assert_int_equal(dnsp_sources_add(b, wire("a.example"), DNSP_SRC_ZONE, DNSP_ORIGIN_VPC,
					  NULL, NULL, "x"), -EINVAL);
	assert_int_equal(dnsp_sources_add(b, wire("a.example"), DNSP_SRC_FORWARD, DNSP_ORIGIN_VPC,
					  NULL, NULL, "x"), -EINVAL);
	assert_int_equal(dnsp_sources_add(b, wire("a.example"), 9, DNSP_ORIGIN_VPC, NULL,
					  NULL, "x"), -EINVAL);
}

/* An empty table answers nothing; a big one still finds every name. */
static void test_empty_and_large_tables(void **state)
{
	(void)state;
	compile();
	assert_null(look("www.example.com"));
	teardown(NULL);
	setup(NULL);
	char name[64], id[16];
	static struct dnsp_upstream routes[500];
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "d%d.example.com", i);
		snprintf(routes[i].rule_id, sizeof(routes[i].rule_id), "rr-%d", i);
		forward(name, DNSP_ORIGIN_VPC, &routes[i]);
	}
	compile();
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "www.d%d.example.com", i);
		snprintf(id, sizeof(id), "rr-%d", i);
		expect_id(name, id);
	}
	assert_null(look("www.example.com"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TP(f) cmocka_unit_test_setup_teardown(f, setup_profile_first, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_match_is_public_recursion),
		T(test_rule_matches_its_domain_and_subdomains),
		T(test_most_specific_rule_wins),
		T(test_system_rule_carves_out_of_forward_rule),
		T(test_system_rule_falls_back_to_private_zone),
		T(test_delegate_rule_matches_like_other_rules),
		T(test_root_rule_matches_every_name),
		T(test_rule_beats_private_zone_of_same_name),
		T(test_more_specific_private_zone_beats_rule),
		T(test_more_specific_rule_beats_private_zone),
		T(test_most_specific_private_zone_wins),
		T(test_private_zone_captures_every_name_below_it),
		T(test_local_zone_beats_profile_zone_of_same_name),
		TP(test_profile_first_makes_profile_win_same_name),
		TP(test_profile_first_still_lets_the_most_specific_name_win),
		TP(test_profile_first_profile_zone_beats_local_rule_of_same_name),
		T(test_more_specific_local_zone_beats_profile_parent),
		T(test_more_specific_profile_zone_beats_local_parent),
		T(test_local_rule_beats_profile_rule_of_same_domain),
		T(test_local_zone_beats_profile_rule_of_same_name),
		T(test_profile_rule_beats_profile_zone_of_same_name),
		T(test_profile_rule_and_zone_coexist),
		T(test_autodefined_reverse_zone_answers_locally),
		T(test_rule_overrides_autodefined_zone),
		T(test_profile_or_narrower_rule_overrides_autodefined_zone),
		T(test_root_forward_rule_does_not_capture_autodefined_zones),
		T(test_private_zone_overrides_autodefined_zone),
		T(test_same_name_same_kind_same_origin_is_a_conflict),
		T(test_names_are_case_insensitive),
		T(test_bad_candidates_are_refused),
		T(test_empty_and_large_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
