/*
 * Unit tests for lib/route.c and the routed parts of lib/zone/zone.c: the
 * decision of each routing policy (SEMANTICS §2-8), health-aware selection
 * and its fallbacks (§1), EvaluateTargetHealth through alias → weighted →
 * failover trees (§1.5-1.6, §9), the ECS scope each decision implies (RFC
 * 7871 §7.2.1), and the builder's checks. Zones are built with the zone
 * builder, routing data (geo, latency, CIDR collection) by hand in an
 * arena, health status in a private table; random choices use the client's
 * internal xorshift state, so every run draws the same sequence.
 *
 * Members answer A records 10.0.0.N; a test reads N back as the member that
 * was chosen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/health.h"
#include "lib/lpm.h"
#include "lib/route.h"
#include "lib/route_data.h"
#include "lib/wire/name.h"
#include "lib/wire/pkt.h"
#include "lib/wire/rdata.h"
#include "lib/zone/zone.h"

static struct dnsp_health_table health; /* private status table: slot = index */

/* ---- building ---- */

struct fx {
	dnsp_arena_t *arena;
	dnsp_zone_builder_t *b;
	const dnsp_zone_t *z;
	struct dnsp_route_data rd;
};

static void name_of(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	assert_true(dnsp_name_from_text(text, strlen(text), NULL, out) > 0);
}

static void fx_start(struct fx *f)
{
	uint8_t apex[DNSP_NAME_MAX], rd[64];
	const char *msg;
	memset(f, 0, sizeof(*f));
	memset(&health, 0, sizeof(health));
	assert_int_equal(dnsp_arena_create(&f->arena), 0);
	name_of("ex.", apex);
	assert_int_equal(dnsp_zone_builder_create(apex, "ZTEST", &f->b), 0);
	static const char soa[] = "ns1.ex. h.ex. 1 7200 900 1209600 300";
	int n = dnsp_rdata_from_text(DNSP_T_SOA, soa, strlen(soa), apex, rd, sizeof(rd), &msg);
	assert_true(n > 0);
	assert_int_equal(dnsp_zone_builder_add(f->b, apex, DNSP_T_SOA, 300, rd, (uint16_t)n), 0);
}

static void fx_compile(struct fx *f)
{
	char err[512] = "";
	int rc = dnsp_zone_compile(f->b, f->arena, &f->z, err, sizeof(err));
	if (rc != 0)
		fail_msg("compile failed: %s", err);
}

static void fx_end(struct fx *f)
{
	dnsp_zone_builder_destroy(f->b);
	dnsp_arena_destroy(f->arena);
}

static struct dnsp_route_attr attr(const char *id)
{
	struct dnsp_route_attr a;
	memset(&a, 0, sizeof(a));
	a.set_id = id;
	a.health = DNSP_HEALTH_NONE;
	a.region = -1;
	return a;
}

/* Adds a member answering A 10.0.0.n (TTL 60). */
static dnsp_zb_member_t member_a(struct fx *f, dnsp_zb_rule_t rule, struct dnsp_route_attr a,
				 unsigned n)
{
	dnsp_zb_member_t m;
	uint8_t ip[4] = { 10, 0, 0, (uint8_t)n };
	assert_int_equal(dnsp_zone_builder_member(f->b, rule, &a, &m), 0);
	assert_int_equal(dnsp_zone_builder_member_rr(f->b, m, 60, ip, 4), 0);
	return m;
}

static dnsp_zb_rule_t routed(struct fx *f, const char *owner, uint8_t kind)
{
	uint8_t name[DNSP_NAME_MAX];
	dnsp_zb_rule_t r;
	name_of(owner, name);
	assert_int_equal(dnsp_zone_builder_routed_set(f->b, name, DNSP_T_A, kind, &r), 0);
	return r;
}

static void plain_a(struct fx *f, const char *owner, unsigned n)
{
	uint8_t name[DNSP_NAME_MAX], ip[4] = { 10, 0, 0, (uint8_t)n };
	name_of(owner, name);
	assert_int_equal(dnsp_zone_builder_add(f->b, name, DNSP_T_A, 60, ip, 4), 0);
}

/* ---- asking ---- */

/* The node of a name one label below the apex, or the apex. */
static const struct dnsp_znode *node(const struct fx *f, const char *label)
{
	const struct dnsp_znode *r = f->z->root;
	if (!label)
		return r;
	for (uint32_t i = 0; i < r->nchildren; i++) {
		const struct dnsp_znode *c = &r->children[0][i];
		if (c->label[0] == strlen(label) && memcmp(c->label + 1, label, c->label[0]) == 0)
			return c;
	}
	fail_msg("no node %s", label);
	return NULL;
}

static void client(struct dnsp_route_client *c, const struct fx *f, const char *ip, int qplen)
{
	static uint8_t a[16]; /* one client at a time: the context points here */
	int fam = 0;
	memset(a, 0, sizeof(a));
	if (ip) {
		fam = strchr(ip, ':') ? 6 : 4;
		assert_int_equal(inet_pton(fam == 6 ? AF_INET6 : AF_INET, ip, a), 1);
	}
	dnsp_route_client_init(c, &f->rd, &health, NULL, fam, ip ? a : NULL,
			       qplen >= 0 ? qplen : fam == 6 ? 128 : 32);
}

/* Resolves the A RRset at label (NULL: apex) for c; writes the member
 * numbers chosen to picked and returns how many. */
static unsigned ask(const struct fx *f, const char *label, struct dnsp_route_client *c,
		    unsigned picked[DNSP_ROUTE_MAX_ANSWERS])
{
	const struct dnsp_rrset *out[DNSP_ROUTE_MAX_ANSWERS];
	unsigned n = dnsp_route_resolve(dnsp_znode_rrset(node(f, label), DNSP_T_A), c, out);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(out[i]->count, 1);
		assert_null(out[i]->policy);
		picked[i] = out[i]->rdata[5];
	}
	return n;
}

/* The one member chosen (0: none). */
static unsigned pick(const struct fx *f, const char *label, struct dnsp_route_client *c)
{
	unsigned p[DNSP_ROUTE_MAX_ANSWERS];
	unsigned n = ask(f, label, c, p);
	assert_true(n <= 1);
	return n ? p[0] : 0;
}

/* client() then pick(): the member chosen for a client at ip/qplen. */
static unsigned pick_for(const struct fx *f, struct dnsp_route_client *c, const char *label,
			 const char *ip, int qplen)
{
	client(c, f, ip, qplen);
	return pick(f, label, c);
}

/* Counts picks of members 0..15 over draws queries from one client. */
static void tally(const struct fx *f, const char *label, unsigned draws, unsigned counts[16])
{
	struct dnsp_route_client c;
	client(&c, f, "192.0.2.1", -1);
	memset(counts, 0, 16 * sizeof(counts[0]));
	for (unsigned i = 0; i < draws; i++) {
		uint64_t rng = c.rng; /* a fresh context per query, one random sequence */
		client(&c, f, "192.0.2.1", -1);
		c.rng = rng;
		unsigned m = pick(f, label, &c);
		assert_true(m < 16);
		counts[m]++;
	}
}

/* ---- hand-built routing data ---- */

static void lpm_add(dnsp_lpm_builder_t *lb, const char *cidr, uint32_t value)
{
	char buf[64];
	uint8_t a[16] = { 0 };
	snprintf(buf, sizeof(buf), "%s", cidr);
	char *slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = 0;
	int fam = strchr(buf, ':') ? 6 : 4;
	assert_int_equal(inet_pton(fam == 6 ? AF_INET6 : AF_INET, buf, a), 1);
	assert_int_equal(dnsp_lpm_builder_add(lb, fam, a, atoi(slash + 1), value), 0);
}

static const dnsp_lpm_t *lpm_of(struct fx *f, const char *const *cidrs, const uint32_t *values)
{
	dnsp_lpm_builder_t *lb;
	const dnsp_lpm_t *t;
	assert_int_equal(dnsp_lpm_builder_create(&lb), 0);
	for (size_t i = 0; cidrs[i]; i++)
		lpm_add(lb, cidrs[i], values[i]);
	assert_int_equal(dnsp_lpm_compile(lb, f->arena, &t), 0);
	dnsp_lpm_builder_destroy(lb);
	return t;
}

/* Geo database: 198.51.100.0/24 US-WA, 198.51.101.0/24 US (no state),
 * 203.0.113.0/24 DE, 192.0.2.0/25 JP, 100.64.0.0/16 BR without
 * coordinates; geoproximity points on the equator: 10.1.0.0/16 at 0°E,
 * 10.2.0.0/16 at 4°E, 10.3.0.0/16 at 6°E. */
static const struct dnsp_geo_loc geo_locs[] = {
	{ "NA", "US", "WA", 47.6, -122.3 },
	{ "NA", "US", "", 39.0, -98.0 },
	{ "EU", "DE", "", 50.1, 8.7 },
	{ "AS", "JP", "", 35.7, 139.7 },
	{ "SA", "BR", "", NAN, NAN },
	{ "AF", "", "", 0.0, 0.0 },
	{ "AF", "", "", 0.0, 4.0 },
	{ "AF", "", "", 0.0, 6.0 },
};

static void fx_geo(struct fx *f)
{
	static const char *const cidrs[] = { "198.51.100.0/24", "198.51.101.0/24",
		"203.0.113.0/24", "192.0.2.0/25", "100.64.0.0/16", "10.1.0.0/16", "10.2.0.0/16",
		"10.3.0.0/16", NULL };
	static const uint32_t values[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	f->rd.geo = lpm_of(f, cidrs, values);
	f->rd.geo_locs = geo_locs;
	f->rd.ngeo_locs = sizeof(geo_locs) / sizeof(geo_locs[0]);
}

/* Latency table: 198.51.100.0/24 measures us-east-1 80 ms and eu-west-1
 * 20 ms; 203.0.113.0/24 measures only us-east-1 (30 ms). */
static void fx_latency(struct fx *f)
{
	static const char *const cidrs[] = { "198.51.100.0/24", "203.0.113.0/24", NULL };
	static const uint32_t values[] = { 0, 1 };
	uint16_t *rtt = dnsp_arena_alloc(f->arena, 2 * dnsp_nregions * sizeof(*rtt));
	assert_non_null(rtt);
	for (uint32_t i = 0; i < 2 * dnsp_nregions; i++)
		rtt[i] = UINT16_MAX;
	int use1 = dnsp_region_index("us-east-1"), euw1 = dnsp_region_index("eu-west-1");
	assert_true(use1 >= 0 && euw1 >= 0);
	rtt[use1] = 80;
	rtt[euw1] = 20;
	rtt[dnsp_nregions + (uint32_t)use1] = 30;
	f->rd.latency = lpm_of(f, cidrs, values);
	f->rd.latency_rtt = rtt;
	f->rd.nlatency_rows = 2;
}

/* CIDR collection "cc": corp = 10.0.0.0/8, lab = 10.1.0.0/16 and
 * 2001:db8::/32, deep = 2001:db8::/48. */
static const char *const cc_locations[] = { "corp", "lab", "deep" };
static struct dnsp_cidr_block cc_blocks[] = {
	{ .location = 0, .parent = DNSP_LPM_NONE, .plen = 8 },
	{ .location = 1, .parent = 0, .plen = 16 },
	{ .location = 1, .parent = DNSP_LPM_NONE, .plen = 32 },
	{ .location = 2, .parent = 2, .plen = 48 },
};
static struct dnsp_cidr_collection cc;

static void fx_collection(struct fx *f)
{
	static const char *const cidrs[] = { "10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32",
		"2001:db8::/48", NULL };
	static const uint32_t locs[] = { 0, 1, 1, 2 };
	static const uint32_t blocks[] = { 0, 1, 2, 3 };
	memset(&cc, 0, sizeof(cc));
	cc.id = "cc";
	cc.name = "corp";
	cc.lpm = lpm_of(f, cidrs, locs);
	cc.block_lpm = lpm_of(f, cidrs, blocks);
	cc.locations = cc_locations;
	cc.nlocations = 3;
	cc.blocks = cc_blocks;
	cc.nblocks = 4;
	f->rd.collections = &cc;
	f->rd.ncollections = 1;
}

/* ---- weighted (SEMANTICS §2) ---- */

/* Share of traffic = weight / sum: 20,000 draws of weights 1:3 land
 * within a chi-square bound (1 degree of freedom, p = 0.001: 10.83). */
static void test_weighted_share_is_weight_over_sum(void **state)
{
	(void)state;
	struct fx f;
	unsigned counts[16];
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "w.ex.", DNSP_ROUTE_WEIGHTED);
	struct dnsp_route_attr a = attr("one"), b = attr("three");
	a.weight = 1;
	b.weight = 3;
	member_a(&f, r, a, 1);
	member_a(&f, r, b, 3);
	fx_compile(&f);
	tally(&f, "w", 20000, counts);
	double e1 = 5000, e3 = 15000;
	double chi = (counts[1] - e1) * (counts[1] - e1) / e1 + (counts[3] - e3) * (counts[3] - e3) / e3;
	assert_int_equal(counts[1] + counts[3], 20000);
	assert_true(chi < 10.83);
	fx_end(&f);
}

/* Weight 0 is never answered while a nonzero weight exists. */
static void test_weighted_zero_never_chosen(void **state)
{
	(void)state;
	struct fx f;
	unsigned counts[16];
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "w.ex.", DNSP_ROUTE_WEIGHTED);
	struct dnsp_route_attr a = attr("zero"), b = attr("five"), c = attr("zero2");
	b.weight = 5;
	member_a(&f, r, a, 1);
	member_a(&f, r, b, 2);
	member_a(&f, r, c, 3);
	fx_compile(&f);
	tally(&f, "w", 5000, counts);
	assert_int_equal(counts[1], 0);
	assert_int_equal(counts[3], 0);
	assert_int_equal(counts[2], 5000);
	fx_end(&f);
}

/* All weights 0: every set with equal probability. */
static void test_weighted_all_zero_equal(void **state)
{
	(void)state;
	struct fx f;
	unsigned counts[16];
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "w.ex.", DNSP_ROUTE_WEIGHTED);
	for (unsigned i = 1; i <= 4; i++)
		member_a(&f, r, attr("z"), i);
	fx_compile(&f);
	tally(&f, "w", 8000, counts);
	double chi = 0;
	for (unsigned i = 1; i <= 4; i++)
		chi += (counts[i] - 2000.0) * (counts[i] - 2000.0) / 2000.0;
	assert_true(chi < 16.27); /* 3 degrees of freedom, p = 0.001 */
	fx_end(&f);
}

/* SEMANTICS §1.1: an unhealthy set is skipped and the choice is made again
 * by weight among the healthy ones. */
static void test_weighted_unhealthy_skipped(void **state)
{
	(void)state;
	struct fx f;
	unsigned counts[16];
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "w.ex.", DNSP_ROUTE_WEIGHTED);
	struct dnsp_route_attr a = attr("a"), b = attr("b"), c = attr("c");
	a.weight = 10;
	a.health = 1;
	b.weight = 1;
	b.health = 2;
	c.weight = 3; /* no check: always healthy (§1.2) */
	member_a(&f, r, a, 1);
	member_a(&f, r, b, 2);
	member_a(&f, r, c, 3);
	fx_compile(&f);
	dnsp_health_set(&health, 1, false);
	dnsp_health_set(&health, 2, true);
	tally(&f, "w", 4000, counts);
	assert_int_equal(counts[1], 0);
	double chi = (counts[2] - 1000.0) * (counts[2] - 1000.0) / 1000.0 +
		     (counts[3] - 3000.0) * (counts[3] - 3000.0) / 3000.0;
	assert_true(chi < 10.83);
	fx_end(&f);
}

/* SEMANTICS §2: zero weights are considered only when every nonzero
 * weight is unhealthy. */
static void test_weighted_zero_used_when_nonzero_unhealthy(void **state)
{
	(void)state;
	struct fx f;
	unsigned counts[16];
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "w.ex.", DNSP_ROUTE_WEIGHTED);
	struct dnsp_route_attr a = attr("a"), z = attr("zero");
	a.weight = 5;
	a.health = 1;
	z.health = 2;
	member_a(&f, r, a, 1);
	member_a(&f, r, z, 2);
	fx_compile(&f);
	dnsp_health_set(&health, 1, true);
	dnsp_health_set(&health, 2, true);
	tally(&f, "w", 500, counts);
	assert_int_equal(counts[1], 500);
	dnsp_health_set(&health, 1, false);
	tally(&f, "w", 500, counts);
	assert_int_equal(counts[2], 500);
	fx_end(&f);
}

/* SEMANTICS §1.3: no set healthy → all are treated as healthy (weights as
 * configured, zero still excluded). */
static void test_weighted_none_healthy_treated_as_all(void **state)
{
	(void)state;
	struct fx f;
	unsigned counts[16];
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "w.ex.", DNSP_ROUTE_WEIGHTED);
	struct dnsp_route_attr a = attr("a"), b = attr("b"), z = attr("z");
	a.weight = 1;
	a.health = 1;
	b.weight = 1;
	b.health = 2;
	z.health = 3;
	member_a(&f, r, a, 1);
	member_a(&f, r, b, 2);
	member_a(&f, r, z, 3);
	fx_compile(&f);
	tally(&f, "w", 2000, counts); /* health table zeroed: all unhealthy */
	assert_int_equal(counts[3], 0);
	assert_true(counts[1] > 850 && counts[2] > 850);
	fx_end(&f);
}

/* ---- failover (SEMANTICS §4) ---- */

static void failover_fx(struct fx *f, bool secondary_checked)
{
	fx_start(f);
	dnsp_zb_rule_t r = routed(f, "f.ex.", DNSP_ROUTE_FAILOVER);
	struct dnsp_route_attr p = attr("primary"), s = attr("secondary");
	p.health = 1;
	s.secondary = true;
	s.health = secondary_checked ? 2 : DNSP_HEALTH_NONE;
	member_a(f, r, s, 2); /* order in the file does not matter */
	member_a(f, r, p, 1);
	fx_compile(f);
}

static void test_failover_primary_while_healthy(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	failover_fx(&f, true);
	client(&c, &f, NULL, 0);
	dnsp_health_set(&health, 1, true);
	dnsp_health_set(&health, 2, true);
	assert_int_equal(pick(&f, "f", &c), 1);
	dnsp_health_set(&health, 2, false); /* whatever the secondary's state */
	assert_int_equal(pick(&f, "f", &c), 1);
	fx_end(&f);
}

static void test_failover_secondary_when_primary_unhealthy(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	failover_fx(&f, true);
	client(&c, &f, NULL, 0);
	dnsp_health_set(&health, 1, false);
	dnsp_health_set(&health, 2, true);
	assert_int_equal(pick(&f, "f", &c), 2);
	/* a flip back is seen by the next query: no recompile */
	dnsp_health_set(&health, 1, true);
	assert_int_equal(pick(&f, "f", &c), 1);
	fx_end(&f);
}

static void test_failover_both_unhealthy_answers_primary(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	failover_fx(&f, true);
	assert_int_equal(pick_for(&f, &c, "f", NULL, 0), 1);
	fx_end(&f);
}

/* §4: a secondary without a health check is returned whenever the primary
 * is unhealthy. */
static void test_failover_unchecked_secondary_always_healthy(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	failover_fx(&f, false);
	client(&c, &f, NULL, 0);
	dnsp_health_set(&health, 1, false);
	assert_int_equal(pick(&f, "f", &c), 2);
	fx_end(&f);
}

/* ---- multivalue (SEMANTICS §3) ---- */

static void test_multivalue_at_most_eight_distinct(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	unsigned p[DNSP_ROUTE_MAX_ANSWERS], seen[16] = { 0 };
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "m.ex.", DNSP_ROUTE_MULTIVALUE);
	for (unsigned i = 1; i <= 12; i++)
		member_a(&f, r, attr("m"), i);
	fx_compile(&f);
	client(&c, &f, NULL, 0);
	for (int q = 0; q < 200; q++) {
		unsigned n = ask(&f, "m", &c, p);
		assert_int_equal(n, 8);
		unsigned mask = 0;
		for (unsigned i = 0; i < n; i++) {
			assert_true(p[i] >= 1 && p[i] <= 12);
			assert_false(mask & (1u << p[i]));
			mask |= 1u << p[i];
			seen[p[i]]++;
		}
	}
	for (unsigned i = 1; i <= 12; i++)
		assert_true(seen[i] > 0); /* different resolvers get different sets */
	fx_end(&f);
}

static void test_multivalue_only_healthy(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	unsigned p[DNSP_ROUTE_MAX_ANSWERS];
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "m.ex.", DNSP_ROUTE_MULTIVALUE);
	for (unsigned i = 1; i <= 4; i++) {
		struct dnsp_route_attr a = attr("m");
		a.health = i;
		member_a(&f, r, a, i);
	}
	member_a(&f, r, attr("unchecked"), 5);
	fx_compile(&f);
	dnsp_health_set(&health, 1, true);
	dnsp_health_set(&health, 3, true);
	client(&c, &f, NULL, 0);
	unsigned n = ask(&f, "m", &c, p);
	assert_int_equal(n, 3);
	unsigned mask = 0;
	for (unsigned i = 0; i < n; i++)
		mask |= 1u << p[i];
	assert_int_equal(mask, (1u << 1) | (1u << 3) | (1u << 5));
	fx_end(&f);
}

/* §3: when every set is unhealthy, up to eight unhealthy ones. */
static void test_multivalue_none_healthy_up_to_eight(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	unsigned p[DNSP_ROUTE_MAX_ANSWERS];
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "m.ex.", DNSP_ROUTE_MULTIVALUE);
	for (unsigned i = 1; i <= 10; i++) {
		struct dnsp_route_attr a = attr("m");
		a.health = i;
		member_a(&f, r, a, i);
	}
	fx_compile(&f);
	client(&c, &f, NULL, 0);
	assert_int_equal(ask(&f, "m", &c, p), 8);
	fx_end(&f);
}

/* ---- geolocation (SEMANTICS §5) ---- */

static void geo_fx(struct fx *f, bool with_default)
{
	fx_start(f);
	fx_geo(f);
	dnsp_zb_rule_t r = routed(f, "g.ex.", DNSP_ROUTE_GEOLOCATION);
	struct dnsp_route_attr wa = attr("wa"), us = attr("us"), na = attr("na"), eu = attr("eu"),
			       def = attr("default");
	strcpy(wa.country, "US");
	strcpy(wa.subdivision, "WA");
	wa.health = 1;
	strcpy(us.country, "US");
	strcpy(na.continent, "NA");
	strcpy(eu.continent, "EU");
	strcpy(def.country, "*");
	member_a(f, r, na, 3);
	member_a(f, r, wa, 1);
	member_a(f, r, us, 2);
	member_a(f, r, eu, 4);
	if (with_default)
		member_a(f, r, def, 9);
	fx_compile(f);
	dnsp_health_set(&health, 1, true);
}

/* Subdivision > country > continent > "*". */
static void test_geolocation_most_specific_wins(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	geo_fx(&f, true);
	assert_int_equal(pick_for(&f, &c, "g", "198.51.100.7", -1), 1); /* US-WA */
	/* US without a state → US */
	assert_int_equal(pick_for(&f, &c, "g", "198.51.101.7", -1), 2);
	assert_int_equal(pick_for(&f, &c, "g", "203.0.113.9", -1), 4); /* DE → EU */
	assert_int_equal(pick_for(&f, &c, "g", "192.0.2.1", -1), 9); /* JP: no record → "*" */
	assert_int_equal(pick_for(&f, &c, "g", "8.8.8.8", -1), 9); /* not in the database → "*" */
	fx_end(&f);
}

/* No match and no default → no answer (NODATA). */
static void test_geolocation_no_match_no_default_is_nodata(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	geo_fx(&f, false);
	assert_int_equal(pick_for(&f, &c, "g", "192.0.2.1", -1), 0);
	assert_int_equal(pick_for(&f, &c, "g", "198.51.100.7", -1), 1);
	fx_end(&f);
}

/* §1.1 with the same criteria: an unhealthy state record falls to the
 * country's. */
static void test_geolocation_unhealthy_falls_to_larger_region(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	geo_fx(&f, true);
	dnsp_health_set(&health, 1, false);
	assert_int_equal(pick_for(&f, &c, "g", "198.51.100.7", -1), 2);
	fx_end(&f);
}

/* RFC 7871 §7.2.1: the scope is the matched prefix, bounded by the source
 * prefix; a miss is valid for the query's whole subnet. */
static void test_geolocation_ecs_scope(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	geo_fx(&f, true);
	assert_int_equal(pick_for(&f, &c, "g", "198.51.100.0", 24), 1);
	assert_int_equal(c.scope, 24);
	client(&c, &f, "192.0.2.0", 24);          /* matched a /25: scope ≤ source 24 */
	pick(&f, "g", &c);
	assert_int_equal(c.scope, 24);
	client(&c, &f, "8.8.8.0", 24);            /* miss */
	pick(&f, "g", &c);
	assert_int_equal(c.scope, 24);
	client(&c, &f, "198.51.100.0", 16);       /* source /16: the /24 does not show */
	pick(&f, "g", &c);
	assert_int_equal(c.scope, 16);
	fx_end(&f);
}

/* ---- geoproximity (SEMANTICS §6) ---- */

static void prox_fx(struct fx *f, int bias_a, int bias_b)
{
	fx_start(f);
	fx_geo(f);
	dnsp_zb_rule_t r = routed(f, "p.ex.", DNSP_ROUTE_GEOPROXIMITY);
	struct dnsp_route_attr a = attr("a"), b = attr("b");
	a.lat = 0;
	a.lon = 0;
	a.bias = (int8_t)bias_a;
	b.lat = 0;
	b.lon = 10;
	b.bias = (int8_t)bias_b;
	member_a(f, r, a, 1);
	member_a(f, r, b, 2);
	fx_compile(f);
}

/* The nearest resource wins; bias moves the boundary: +50 halves B's
 * distance (6° → 3° beats 4°), −50 doubles A's (4° → 8° loses to 6°). */
static void test_geoproximity_boundary_moves_with_bias(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	prox_fx(&f, 0, 0);
	/* at 4°E: 4° from A, 6° from B */
	assert_int_equal(pick_for(&f, &c, "p", "10.2.0.1", -1), 1);
	assert_int_equal(c.scope, 16);
	fx_end(&f);
	prox_fx(&f, 0, 50);
	assert_int_equal(pick_for(&f, &c, "p", "10.2.0.1", -1), 2);
	assert_int_equal(pick_for(&f, &c, "p", "10.1.0.1", -1), 1); /* at A itself: 0 beats 5° */
	fx_end(&f);
	prox_fx(&f, -50, 0);
	assert_int_equal(pick_for(&f, &c, "p", "10.2.0.1", -1), 2);
	fx_end(&f);
	prox_fx(&f, -20, 0); /* 4 / 0.8 = 5 < 6: A keeps 4°E */
	assert_int_equal(pick_for(&f, &c, "p", "10.2.0.1", -1), 1);
	fx_end(&f);
}

/* Without client coordinates: the first set (configuration order). */
static void test_geoproximity_unknown_location_first_set(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	prox_fx(&f, 0, 99);
	/* known country, no coordinates */
	assert_int_equal(pick_for(&f, &c, "p", "100.64.1.1", -1), 1);
	assert_int_equal(pick_for(&f, &c, "p", NULL, 0), 1);
	fx_end(&f);
}

/* ---- latency (SEMANTICS §7) ---- */

static void latency_fx(struct fx *f)
{
	fx_start(f);
	fx_geo(f);
	fx_latency(f);
	dnsp_zb_rule_t r = routed(f, "l.ex.", DNSP_ROUTE_LATENCY);
	const char *codes[] = { "us-east-1", "eu-west-1", "ap-northeast-1" };
	for (unsigned i = 0; i < 3; i++) {
		struct dnsp_route_attr a = attr(codes[i]);
		a.region = (int16_t)dnsp_region_index(codes[i]);
		assert_true(a.region >= 0);
		a.lat = dnsp_regions[a.region].lat;
		a.lon = dnsp_regions[a.region].lon;
		a.health = i + 1;
		member_a(f, r, a, i + 1);
		dnsp_health_set(&health, i + 1, true);
	}
	fx_compile(f);
}

static void test_latency_lowest_rtt_region(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	latency_fx(&f);
	/* eu-west-1: 20 ms < 80 ms */
	assert_int_equal(pick_for(&f, &c, "l", "198.51.100.0", 24), 2);
	assert_int_equal(c.scope, 24);
	/* §7 PHZ wording, and §1.1: the next lowest healthy Region */
	dnsp_health_set(&health, 2, false);
	assert_int_equal(pick_for(&f, &c, "l", "198.51.100.0", 24), 1);
	fx_end(&f);
}

/* Not in the table: the Region nearest to the client's geo coordinates
 * (Tokyo → ap-northeast-1); unmeasured Regions rank after measured ones. */
static void test_latency_not_in_table_nearest_region(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	latency_fx(&f);
	assert_int_equal(pick_for(&f, &c, "l", "192.0.2.1", -1), 3);
	/* row measures us-east-1 only */
	assert_int_equal(pick_for(&f, &c, "l", "203.0.113.1", -1), 1);
	/* no data at all: configuration order */
	assert_int_equal(pick_for(&f, &c, "l", "8.8.8.8", -1), 1);
	fx_end(&f);
}

/* ---- IP-based (SEMANTICS §8) ---- */

static void ip_fx(struct fx *f, bool with_default)
{
	fx_start(f);
	fx_collection(f);
	dnsp_zb_rule_t r = routed(f, "i.ex.", DNSP_ROUTE_IPBASED);
	struct dnsp_route_attr corp = attr("corp"), lab = attr("lab"), deep = attr("deep"),
			       def = attr("default");
	corp.collection = lab.collection = deep.collection = def.collection = &cc;
	corp.location = 0;
	lab.location = 1;
	deep.location = 2;
	def.location = DNSP_ROUTE_LOC_DEFAULT;
	member_a(f, r, corp, 1);
	member_a(f, r, lab, 2);
	member_a(f, r, deep, 3);
	if (with_default)
		member_a(f, r, def, 9);
	fx_compile(f);
}

static void test_ipbased_longest_prefix_match(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	ip_fx(&f, true);
	assert_int_equal(pick_for(&f, &c, "i", "10.1.2.3", -1), 2);
	assert_int_equal(pick_for(&f, &c, "i", "10.1.2.0", 24), 2);
	assert_int_equal(c.scope, 16);
	assert_int_equal(pick_for(&f, &c, "i", "10.2.3.4", -1), 1);
	assert_int_equal(pick_for(&f, &c, "i", "192.0.2.1", -1), 9);
	fx_end(&f);
}

/* §8: a block longer than the query prefix does not match: a /12 query
 * inside 10.1.0.0/16 gets the /8; 2001:db8::/32 gets lab, not the /48. */
static void test_ipbased_query_prefix_shorter_than_block(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	ip_fx(&f, true);
	assert_int_equal(pick_for(&f, &c, "i", "10.0.0.0", 12), 1);
	assert_int_equal(pick_for(&f, &c, "i", "2001:db8::", 32), 2);
	assert_int_equal(pick_for(&f, &c, "i", "2001:db8::", 56), 3);
	fx_end(&f);
	ip_fx(&f, false);
	assert_int_equal(pick_for(&f, &c, "i", "192.0.2.1", -1), 0); /* no match, no "*": NODATA */
	fx_end(&f);
}

/* ---- simple ---- */

/* §1.7: a lone record is returned whatever its health. */
static void test_simple_ignores_health(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "s.ex.", DNSP_ROUTE_SIMPLE);
	struct dnsp_route_attr a = attr(NULL);
	a.health = 1;
	member_a(&f, r, a, 4);
	fx_compile(&f);
	assert_int_equal(pick_for(&f, &c, "s", NULL, 0), 4);
	assert_int_equal(c.scope, 0);
	fx_end(&f);
}

/* ---- alias EvaluateTargetHealth through a tree (§1.5, §1.6) ---- */

/*
 * www: weighted 1:1 over two aliases, to pool-a (failover: primary hc 1,
 * secondary hc 2) and to pool-b (plain data). eth says whether the alias to
 * pool-a evaluates its target's health.
 */
static void tree_fx(struct fx *f, bool eth)
{
	uint8_t target[DNSP_NAME_MAX];
	fx_start(f);
	dnsp_zb_rule_t fo = routed(f, "pool-a.ex.", DNSP_ROUTE_FAILOVER);
	struct dnsp_route_attr p = attr("p"), s = attr("s");
	p.health = 1;
	s.health = 2;
	s.secondary = true;
	member_a(f, fo, p, 1);
	member_a(f, fo, s, 2);
	plain_a(f, "pool-b.ex.", 3);
	dnsp_zb_rule_t w = routed(f, "www.ex.", DNSP_ROUTE_WEIGHTED);
	struct dnsp_route_attr wa = attr("to-a"), wb = attr("to-b");
	wa.weight = wb.weight = 1;
	wa.evaluate_target_health = eth;
	wb.evaluate_target_health = true;
	dnsp_zb_member_t m;
	assert_int_equal(dnsp_zone_builder_member(f->b, w, &wa, &m), 0);
	name_of("pool-a.ex.", target);
	assert_int_equal(dnsp_zone_builder_member_alias(f->b, m, target), 0);
	assert_int_equal(dnsp_zone_builder_member(f->b, w, &wb, &m), 0);
	name_of("pool-b.ex.", target);
	assert_int_equal(dnsp_zone_builder_member_alias(f->b, m, target), 0);
	fx_compile(f);
}

static void test_alias_eth_follows_subtree_health(void **state)
{
	(void)state;
	struct fx f;
	unsigned counts[16];
	tree_fx(&f, true);
	dnsp_health_set(&health, 1, true);
	dnsp_health_set(&health, 2, true);
	tally(&f, "www", 2000, counts);
	assert_true(counts[1] > 850 && counts[3] > 850);
	assert_int_equal(counts[2], 0);
	/* primary down: the failover answers its secondary, the branch is healthy */
	dnsp_health_set(&health, 1, false);
	tally(&f, "www", 2000, counts);
	assert_true(counts[2] > 850 && counts[3] > 850);
	/* both down: the branch is unhealthy, the weighted choice skips it */
	dnsp_health_set(&health, 2, false);
	tally(&f, "www", 2000, counts);
	assert_int_equal(counts[3], 2000);
	fx_end(&f);
}

/* EvaluateTargetHealth false: keep routing into the branch even when every
 * record in it is failing (the failover then answers its PRIMARY). */
static void test_alias_without_eth_keeps_branch(void **state)
{
	(void)state;
	struct fx f;
	unsigned counts[16];
	tree_fx(&f, false);
	tally(&f, "www", 2000, counts); /* hc 1, 2 unhealthy */
	assert_true(counts[1] > 850 && counts[3] > 850);
	fx_end(&f);
}

/* A nested rule (Traffic Flow RuleReference) behaves like an alias to a
 * routed set: failover whose primary is a weighted rule. */
static void test_nested_rule_health(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	fx_start(&f);
	dnsp_zb_rule_t inner, outer = routed(&f, "t.ex.", DNSP_ROUTE_FAILOVER);
	assert_int_equal(dnsp_zone_builder_rule(f.b, DNSP_ROUTE_WEIGHTED, DNSP_T_A, &inner), 0);
	struct dnsp_route_attr w1 = attr("w1"), w2 = attr("w2");
	w1.weight = w2.weight = 1;
	w1.health = 1;
	w2.health = 2;
	member_a(&f, inner, w1, 1);
	member_a(&f, inner, w2, 2);
	struct dnsp_route_attr p = attr("primary"), s = attr("secondary");
	p.evaluate_target_health = true;
	s.secondary = true;
	dnsp_zb_member_t m;
	assert_int_equal(dnsp_zone_builder_member(f.b, outer, &p, &m), 0);
	assert_int_equal(dnsp_zone_builder_member_rule(f.b, m, inner), 0);
	member_a(&f, outer, s, 3);
	fx_compile(&f);
	client(&c, &f, NULL, 0);
	dnsp_health_set(&health, 2, true);
	assert_int_equal(pick(&f, "t", &c), 2);
	dnsp_health_set(&health, 2, false);
	assert_int_equal(pick(&f, "t", &c), 3);
	fx_end(&f);
}

/* ---- builder and compile checks ---- */

static void expect_compile_error(struct fx *f, const char *what)
{
	char err[512] = "";
	const dnsp_zone_t *z;
	assert_int_equal(dnsp_zone_compile(f->b, f->arena, &z, err, sizeof(err)), DNSP_ECONFIG);
	if (!strstr(err, what))
		fail_msg("error '%s' does not mention '%s'", err, what);
	fx_end(f);
}

/* A latency set's Region indexes the latency rows (dnsp_nregions cells
 * each): an index past the built-in table is refused, not read past the
 * row at query time. */
static void test_compile_rejects_region_past_table(void **state)
{
	(void)state;
	struct fx f;
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "l.ex.", DNSP_ROUTE_LATENCY);
	struct dnsp_route_attr a = attr("far");
	assert_true(dnsp_nregions < DNSP_NREGIONS_MAX);
	a.region = (int16_t)dnsp_nregions;
	a.lat = 1;
	a.lon = 1;
	member_a(&f, r, a, 1);
	expect_compile_error(&f, "unknown Region");
}

static void test_compile_rejects_two_primaries(void **state)
{
	(void)state;
	struct fx f;
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "f.ex.", DNSP_ROUTE_FAILOVER);
	member_a(&f, r, attr("p1"), 1);
	member_a(&f, r, attr("p2"), 2);
	expect_compile_error(&f, "two PRIMARY");
}

static void test_compile_rejects_alias_loop_through_rules(void **state)
{
	(void)state;
	struct fx f;
	uint8_t target[DNSP_NAME_MAX];
	dnsp_zb_member_t m;
	fx_start(&f);
	dnsp_zb_rule_t a = routed(&f, "a.ex.", DNSP_ROUTE_WEIGHTED);
	dnsp_zb_rule_t b = routed(&f, "b.ex.", DNSP_ROUTE_WEIGHTED);
	assert_int_equal(dnsp_zone_builder_member(f.b, a, &(struct dnsp_route_attr){ .weight = 1,
		.health = DNSP_HEALTH_NONE }, &m), 0);
	name_of("b.ex.", target);
	assert_int_equal(dnsp_zone_builder_member_alias(f.b, m, target), 0);
	assert_int_equal(dnsp_zone_builder_member(f.b, b, &(struct dnsp_route_attr){ .weight = 1,
		.health = DNSP_HEALTH_NONE }, &m), 0);
	name_of("a.ex.", target);
	assert_int_equal(dnsp_zone_builder_member_alias(f.b, m, target), 0);
	expect_compile_error(&f, "loop");
}

static void test_compile_rejects_multivalue_alias_member(void **state)
{
	(void)state;
	struct fx f;
	uint8_t target[DNSP_NAME_MAX];
	dnsp_zb_member_t m;
	fx_start(&f);
	plain_a(&f, "x.ex.", 1);
	dnsp_zb_rule_t r = routed(&f, "m.ex.", DNSP_ROUTE_MULTIVALUE);
	assert_int_equal(dnsp_zone_builder_member(f.b, r, &(struct dnsp_route_attr){
		.health = DNSP_HEALTH_NONE }, &m), 0);
	name_of("x.ex.", target);
	assert_int_equal(dnsp_zone_builder_member_alias(f.b, m, target), 0);
	expect_compile_error(&f, "multivalue");
}

/* One name and type holds one simple set or sets of one policy. */
static void test_builder_rejects_mixed_policies(void **state)
{
	(void)state;
	struct fx f;
	uint8_t name[DNSP_NAME_MAX], ip[4] = { 10, 0, 0, 1 };
	dnsp_zb_rule_t r;
	fx_start(&f);
	routed(&f, "w.ex.", DNSP_ROUTE_WEIGHTED);
	name_of("w.ex.", name);
	assert_int_equal(dnsp_zone_builder_routed_set(f.b, name, DNSP_T_A, DNSP_ROUTE_FAILOVER, &r),
			 DNSP_EEXIST);
	assert_int_equal(dnsp_zone_builder_add(f.b, name, DNSP_T_A, 60, ip, 4), DNSP_EEXIST);
	plain_a(&f, "p.ex.", 1);
	name_of("p.ex.", name);
	assert_int_equal(dnsp_zone_builder_routed_set(f.b, name, DNSP_T_A, DNSP_ROUTE_WEIGHTED, &r),
			 DNSP_EEXIST);
	fx_end(&f);
}

static void test_compile_rejects_member_without_records(void **state)
{
	(void)state;
	struct fx f;
	dnsp_zb_member_t m;
	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "w.ex.", DNSP_ROUTE_WEIGHTED);
	assert_int_equal(dnsp_zone_builder_member(f.b, r, &(struct dnsp_route_attr){
		.set_id = "empty", .health = DNSP_HEALTH_NONE }, &m), 0);
	expect_compile_error(&f, "empty has no records");
}

/* ---- through the answer path ---- */

/* Builds a query for name/type in buf; returns its length. */
static size_t query(uint8_t *buf, const char *name, uint16_t type)
{
	uint8_t q[DNSP_NAME_MAX];
	name_of(name, q);
	size_t n = dnsp_name_len(q);
	memset(buf, 0, 12);
	buf[5] = 1;
	memcpy(buf + 12, q, n);
	buf[12 + n] = (uint8_t)(type >> 8);
	buf[13 + n] = (uint8_t)type;
	buf[14 + n] = 0;
	buf[15 + n] = 1;
	return 16 + n;
}

static int answer(const struct fx *f, const char *name, struct dnsp_route_client *c,
		  uint8_t *buf, uint16_t counts[3])
{
	struct dnsp_query q;
	struct dnsp_resp r;
	size_t len = query(buf, name, DNSP_T_A);
	assert_int_equal(dnsp_pkt_parse_query(buf, len, &q), 0);
	dnsp_resp_init(&r, buf, 4096, 4096, &q);
	int rc = dnsp_zone_answer_client(f->z, q.qname, q.qtype, &r, NULL, NULL, c);
	dnsp_resp_finish(&r, &q, 1232, c ? c->scope : 0);
	for (int i = 0; i < 3; i++)
		counts[i] = (uint16_t)(buf[6 + 2 * i] << 8 | buf[7 + 2 * i]);
	return rc;
}

/* A routing policy with no set for the client answers NODATA with the SOA
 * (RFC 2308 §2.2); multivalue answers one RRset of up to eight records. */
static void test_answer_nodata_and_multivalue(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	uint8_t buf[4096];
	uint16_t counts[3];
	geo_fx(&f, false);
	client(&c, &f, "192.0.2.1", -1);
	assert_int_equal(answer(&f, "g.ex.", &c, buf, counts), DNSP_RCODE_NOERROR);
	assert_int_equal(counts[0], 0);
	assert_int_equal(counts[1], 1);
	client(&c, &f, "198.51.100.7", -1);
	assert_int_equal(answer(&f, "g.ex.", &c, buf, counts), DNSP_RCODE_NOERROR);
	assert_int_equal(counts[0], 1);
	fx_end(&f);

	fx_start(&f);
	dnsp_zb_rule_t r = routed(&f, "m.ex.", DNSP_ROUTE_MULTIVALUE);
	for (unsigned i = 1; i <= 11; i++)
		member_a(&f, r, attr("m"), i);
	fx_compile(&f);
	client(&c, &f, NULL, 0);
	assert_int_equal(answer(&f, "m.ex.", &c, buf, counts), DNSP_RCODE_NOERROR);
	assert_int_equal(counts[0], 8);
	fx_end(&f);
}

/* Plain zones answer as before with or without a client. */
static void test_answer_plain_alias_unchanged(void **state)
{
	(void)state;
	struct fx f;
	uint8_t buf[4096], target[DNSP_NAME_MAX], owner[DNSP_NAME_MAX];
	uint16_t counts[3];
	fx_start(&f);
	plain_a(&f, "a.ex.", 1);
	name_of("b.ex.", owner);
	name_of("a.ex.", target);
	assert_int_equal(dnsp_zone_builder_add_alias(f.b, owner, DNSP_T_A, target), 0);
	fx_compile(&f);
	assert_int_equal(answer(&f, "b.ex.", NULL, buf, counts), DNSP_RCODE_NOERROR);
	assert_int_equal(counts[0], 1);
	fx_end(&f);
}

/* A routed CNAME member answering CNAME target (TTL 60). */
static void member_cname(struct fx *f, dnsp_zb_rule_t rule, struct dnsp_route_attr a,
			 const char *target)
{
	dnsp_zb_member_t m;
	uint8_t t[DNSP_NAME_MAX];
	name_of(target, t);
	assert_int_equal(dnsp_zone_builder_member(f->b, rule, &a, &m), 0);
	assert_int_equal(dnsp_zone_builder_member_rr(f->b, m, 60, t, (uint16_t)dnsp_name_len(t)),
			 0);
}

/*
 * SEMANTICS §4 with RFC 1034 §4.3.2 step 3a: the chain of a routed CNAME
 * goes on at the chosen member's target, as for a plain CNAME: the data of
 * an in-zone name, the referral of a delegation it points into (AA kept),
 * NXDOMAIN with the SOA for a missing name. The members' targets are
 * linked when the zone is compiled; the answer must not tell them apart
 * from looked-up ones.
 */
static void test_answer_routed_cname_continues_at_member_target(void **state)
{
	(void)state;
	struct fx f;
	struct dnsp_route_client c;
	uint8_t buf[4096], ns[DNSP_NAME_MAX], name[DNSP_NAME_MAX];
	uint16_t counts[3];
	fx_start(&f);
	plain_a(&f, "t.ex.", 7);
	name_of("sub.ex.", name);
	name_of("ns.elsewhere.net.", ns);
	assert_int_equal(dnsp_zone_builder_add(f.b, name, DNSP_T_NS, 60, ns, dnsp_name_len(ns)),
			 0);
	plain_a(&f, "in.sub.ex.", 8); /* occluded by the cut */
	name_of("f.ex.", name);
	dnsp_zb_rule_t r;
	assert_int_equal(dnsp_zone_builder_routed_set(f.b, name, DNSP_T_CNAME, DNSP_ROUTE_FAILOVER,
						      &r), 0);
	struct dnsp_route_attr p = attr("primary"), sec = attr("secondary");
	p.health = 1;
	sec.secondary = true;
	member_cname(&f, r, p, "in.sub.ex.");
	member_cname(&f, r, sec, "t.ex.");
	name_of("w.ex.", name);
	assert_int_equal(dnsp_zone_builder_routed_set(f.b, name, DNSP_T_CNAME, DNSP_ROUTE_WEIGHTED,
						      &r), 0);
	struct dnsp_route_attr w1 = attr("one"), w0 = attr("zero");
	w1.weight = 1;
	member_cname(&f, r, w1, "nothere.ex.");
	member_cname(&f, r, w0, "t.ex.");
	fx_compile(&f);
	client(&c, &f, NULL, 0);

	/* healthy primary: into the delegation, a referral after the CNAME */
	dnsp_health_set(&health, 1, true);
	assert_int_equal(answer(&f, "f.ex.", &c, buf, counts), DNSP_RCODE_NOERROR);
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 1);
	assert_true(buf[2] & (DNSP_FLAG_AA >> 8));
	/* unhealthy primary: the secondary's target answers */
	dnsp_health_set(&health, 1, false);
	assert_int_equal(answer(&f, "f.ex.", &c, buf, counts), DNSP_RCODE_NOERROR);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 0);
	/* weighted: the only weighted member points at a missing name */
	assert_int_equal(answer(&f, "w.ex.", &c, buf, counts), DNSP_RCODE_NXDOMAIN);
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 1);
	fx_end(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted_share_is_weight_over_sum),
		cmocka_unit_test(test_weighted_zero_never_chosen),
		cmocka_unit_test(test_weighted_all_zero_equal),
		cmocka_unit_test(test_weighted_unhealthy_skipped),
		cmocka_unit_test(test_weighted_zero_used_when_nonzero_unhealthy),
		cmocka_unit_test(test_weighted_none_healthy_treated_as_all),
		cmocka_unit_test(test_failover_primary_while_healthy),
		cmocka_unit_test(test_failover_secondary_when_primary_unhealthy),
		cmocka_unit_test(test_failover_both_unhealthy_answers_primary),
		cmocka_unit_test(test_failover_unchecked_secondary_always_healthy),
		cmocka_unit_test(test_multivalue_at_most_eight_distinct),
		cmocka_unit_test(test_multivalue_only_healthy),
		cmocka_unit_test(test_multivalue_none_healthy_up_to_eight),
		cmocka_unit_test(test_geolocation_most_specific_wins),
		cmocka_unit_test(test_geolocation_no_match_no_default_is_nodata),
		cmocka_unit_test(test_geolocation_unhealthy_falls_to_larger_region),
		cmocka_unit_test(test_geolocation_ecs_scope),
		cmocka_unit_test(test_geoproximity_boundary_moves_with_bias),
		cmocka_unit_test(test_geoproximity_unknown_location_first_set),
		cmocka_unit_test(test_latency_lowest_rtt_region),
		cmocka_unit_test(test_latency_not_in_table_nearest_region),
		cmocka_unit_test(test_ipbased_longest_prefix_match),
		cmocka_unit_test(test_ipbased_query_prefix_shorter_than_block),
		cmocka_unit_test(test_simple_ignores_health),
		cmocka_unit_test(test_alias_eth_follows_subtree_health),
		cmocka_unit_test(test_alias_without_eth_keeps_branch),
		cmocka_unit_test(test_nested_rule_health),
		cmocka_unit_test(test_compile_rejects_two_primaries),
		cmocka_unit_test(test_compile_rejects_region_past_table),
		cmocka_unit_test(test_compile_rejects_alias_loop_through_rules),
		cmocka_unit_test(test_compile_rejects_multivalue_alias_member),
		cmocka_unit_test(test_builder_rejects_mixed_policies),
		cmocka_unit_test(test_compile_rejects_member_without_records),
		cmocka_unit_test(test_answer_nodata_and_multivalue),
		cmocka_unit_test(test_answer_plain_alias_unchanged),
		cmocka_unit_test(test_answer_routed_cname_continues_at_member_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
