/*
 * Unit tests for the resolver cache step of the pipeline with EDNS Client
 * Subnet upstream (SPEC §3 resolver.ecs_upstream, RFC 7871): the fast path
 * must look answers up under the key the resolver thread stores them with
 * (ctrl/resolver.c): no ECS for a family whose source prefix is 0, else the
 * client address masked to the family's prefix. A snapshot is assembled by
 * hand around a real cache, so only the pipeline's key choice is under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <urcu-qsbr.h>

#include "lib/cache.h"
#include "lib/pipeline.h"
#include "lib/punt.h"

static const uint8_t qname[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };

static uint16_t make_query(uint8_t *b)
{
	static const uint8_t q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
	memcpy(b, q, sizeof(q));
	return sizeof(q);
}

struct fixture {
	dnsp_cache_t *cache;
	struct dnsp_snapshot snap;
	struct dnsp_snap_listener listener;
	struct dnsp_snap_vpc vpc;
	struct dnsp_recursion_conf rec;
	uint8_t ecs_v4[1], ecs_v6[1];
	struct dnsp_stats stats;
	struct dnsp_worker_ctx ctx;
};

static struct fixture fx;

/* One resolver listener of one VPC; ECS upstream /24 for IPv4, off for IPv6. */
static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	assert_int_equal(dnsp_cache_create(NULL, &fx.cache), 0);
	fx.listener.family = 6;
	fx.listener.role = DNSP_ROLE_RESOLVER;
	fx.vpc.id = "vpc";
	fx.vpc.dns_support = true;
	fx.ecs_v4[0] = 24;
	fx.ecs_v6[0] = 0;
	fx.rec.enabled = true;
	fx.rec.cache = fx.cache;
	fx.rec.nvpcs = 1;
	fx.rec.ecs_v4 = fx.ecs_v4;
	fx.rec.ecs_v6 = fx.ecs_v6;
	fx.snap.nlisteners = 1;
	fx.snap.listeners = &fx.listener;
	fx.snap.nvpcs = 1;
	fx.snap.vpcs = &fx.vpc;
	fx.snap.recursion = &fx.rec;
	fx.snap.udp_max = 1232;
	dnsp_worker_ctx_init(&fx.ctx, &fx.stats, 0, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rcu_unregister_thread(); /* dnsp_cache_destroy registers itself */
	dnsp_cache_destroy(fx.cache);
	rcu_register_thread();
	return 0;
}

static void insert(const struct dnsp_cache_key *k, uint8_t last)
{
	uint8_t rd[4] = { 192, 0, 2, last };
	struct dnsp_cache_rr rr = { .type = 1, .rclass = 1, .ttl = 300, .rdata = rd, .rdlen = 4,
				    .section = DNSP_SEC_ANSWER };
	assert_int_equal(dnsp_cache_insert(fx.cache, k, 0, &rr, 1, dnsp_cache_now()), 1);
}

static int ask(int family, const uint8_t *src)
{
	static uint8_t buf[1500];
	struct dnsp_pkt p = { .buf = buf, .cap = sizeof(buf), .family = (uint8_t)family };
	memcpy(p.src, src, family == 6 ? 16 : 4);
	p.len = make_query(buf);
	return dnsp_pipeline_process(&fx.snap, &p, &fx.ctx);
}

/* RFC 7871 §7.1.2 / SPEC ecs_upstream: a family without ECS (prefix 0) is
 * cached without ECS by the resolver; an IPv6 client must hit that entry. */
static void family_without_ecs_hits_the_plain_entry(void **state)
{
	(void)state;
	struct dnsp_cache_key k = { .qname = qname, .qtype = 1, .qclass = 1 };
	insert(&k, 1);
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	assert_true(ask(6, v6) > 0);
	assert_int_equal(fx.stats.cache_hits, 1);
}

/* RFC 7871 §7.3.1: an answer cached for 198.51.100.0/24 (scope 24) serves
 * a client of that /24 and not one of the next /24. */
static void ecs_entry_serves_its_subnet_only(void **state)
{
	(void)state;
	struct dnsp_cache_key k = { .qname = qname, .qtype = 1, .qclass = 1, .ecs = true,
				    .ecs_family = 1, .ecs_scope = 24,
				    .ecs_addr = { 198, 51, 100, 0 } };
	insert(&k, 2);
	const uint8_t in[4] = { 198, 51, 100, 77 }, out[4] = { 198, 51, 101, 77 };
	assert_true(ask(4, in) > 0);
	assert_int_equal(fx.stats.cache_hits, 1);
	assert_int_equal(ask(4, out), DNSP_PIPELINE_PUNT);
	assert_int_equal(fx.stats.cache_hits, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(family_without_ecs_hits_the_plain_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ecs_entry_serves_its_subnet_only, setup, teardown),
	};
	rcu_register_thread(); /* the test thread reads the cache like a worker */
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	return rc;
}
