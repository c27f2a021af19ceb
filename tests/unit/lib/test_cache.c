/*
 * Unit tests of lib/cache.c: hits and misses, the route-tag partition, TTL
 * countdown, expiry, negative entries (RFC 2308), TTL caps, CLOCK eviction
 * within the byte budget, serve-stale (RFC 8767), prefetch, ECS scopes
 * (RFC 7871), the client's qname case in answers, and lock-free readers
 * under QSBR while the writer inserts and evicts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <urcu-qsbr.h>

#include "lib/cache.h"
#include "lib/wire/pkt.h"

/* ------------------------------------------------------------ helpers */

static int name_wire(const char *text, uint8_t out[DNSP_NAME_MAX])
{
	return dnsp_name_from_text(text, strlen(text), NULL, out);
}

/* A query for (name, type) in buf; returns its length. */
static uint16_t make_query(uint8_t *buf, const char *name, uint16_t type, bool edns)
{
	uint8_t n[DNSP_NAME_MAX];
	int nl = name_wire(name, n);
	assert_true(nl > 0);
	memset(buf, 0, 12);
	buf[0] = 0x12;
	buf[1] = 0x34;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;
	memcpy(buf + 12, n, (size_t)nl);
	size_t p = 12 + (size_t)nl;
	buf[p++] = (uint8_t)(type >> 8);
	buf[p++] = (uint8_t)type;
	buf[p++] = 0;
	buf[p++] = 1;
	if (edns) {
		buf[11] = 1;
		uint8_t opt[11] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
		memcpy(buf + p, opt, 11);
		p += 11;
	}
	return (uint16_t)p;
}

struct answer {
	int hit;
	struct dnsp_cache_result res;
	uint8_t buf[4096];
	uint16_t len;
	uint16_t an, ns;
	uint32_t first_ttl;
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Looks (name, type, tag) up at now and parses counts and the first TTL. */
static void lookup(dnsp_cache_t *c, const char *name, uint16_t type, uint32_t tag, uint32_t now,
		   struct answer *a)
{
	uint16_t ql = make_query(a->buf, name, type, false);
	struct dnsp_query q;
	assert_int_equal(dnsp_pkt_parse_query(a->buf, ql, &q), 0);
	struct dnsp_resp r;
	dnsp_resp_init(&r, a->buf, sizeof(a->buf), 512, &q);
	struct dnsp_cache_key k = { .qname = q.qname, .qtype = type, .qclass = 1, .tag = tag };
	a->hit = dnsp_cache_answer(c, &k, now, &r, &a->res);
	a->len = dnsp_resp_finish(&r, &q, 1232, 0);
	a->an = (uint16_t)(a->buf[6] << 8 | a->buf[7]);
	a->ns = (uint16_t)(a->buf[8] << 8 | a->buf[9]);
	a->first_ttl = 0;
	if (a->an + a->ns > 0) {
		/* first record right after the question: owner pointer (2) or name */
		size_t p = q.question_end;
		if ((a->buf[p] & 0xc0) == 0xc0)
			p += 2;
		else
			p += dnsp_name_len(a->buf + p);
		a->first_ttl = rd32(a->buf + p + 4);
	}
}

static const uint8_t soa_rdata[] = {
	/* ns1.example. hostmaster.example. 1 7200 900 1209600 60 */
	3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
	10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
	0, 0, 0, 1, 0, 0, 0x1c, 0x20, 0, 0, 0x03, 0x84, 0, 0x12, 0x75, 0, 0, 0, 0, 60,
};

static int insert_a(dnsp_cache_t *c, const char *name, uint32_t tag, uint32_t ttl, uint32_t now,
		    uint8_t last_octet)
{
	uint8_t n[DNSP_NAME_MAX];
	assert_true(name_wire(name, n) > 0);
	uint8_t rd[4] = { 192, 0, 2, last_octet };
	struct dnsp_cache_rr rr = { .owner = NULL, .type = DNSP_T_A, .rclass = 1, .ttl = ttl,
				    .rdata = rd, .rdlen = 4, .section = DNSP_SEC_ANSWER };
	struct dnsp_cache_key k = { .qname = n, .qtype = DNSP_T_A, .qclass = 1, .tag = tag };
	return dnsp_cache_insert(c, &k, DNSP_RCODE_NOERROR, &rr, 1, now);
}

static int setup(void **state)
{
	rcu_register_thread();
	dnsp_cache_t *c;
	assert_int_equal(dnsp_cache_create(NULL, &c), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	rcu_unregister_thread();
	dnsp_cache_destroy(*state);
	return 0;
}

/* ---------------------------------------------------------------- tests */

/* A positive answer is served from the cache until it expires. */
static void test_hit_after_insert(void **state)
{
	dnsp_cache_t *c = *state;
	struct answer a;
	assert_int_equal(insert_a(c, "www.example.", 0, 300, 1000, 10), 1);
	lookup(c, "www.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.hit, 1);
	assert_int_equal(a.res.rcode, 0);
	assert_int_equal(a.an, 1);
	assert_int_equal(a.first_ttl, 300);
	assert_int_equal(a.buf[a.len - 1], 10);
}

/* Other names, types and route tags miss (rule answers never leak to
 * public recursion and back). */
static void test_miss_and_tag_partition(void **state)
{
	dnsp_cache_t *c = *state;
	struct answer a;
	assert_int_equal(insert_a(c, "www.example.", 7, 300, 1000, 10), 1);
	lookup(c, "www.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.hit, 0);
	lookup(c, "www.example.", DNSP_T_AAAA, 7, 1000, &a);
	assert_int_equal(a.hit, 0);
	lookup(c, "ftp.example.", DNSP_T_A, 7, 1000, &a);
	assert_int_equal(a.hit, 0);
	lookup(c, "WWW.Example.", DNSP_T_A, 7, 1000, &a); /* case-insensitive key */
	assert_int_equal(a.hit, 1);
}

/* TTLs count down in answers (RFC 1035 §3.2.1: remaining lifetime). */
static void test_ttl_counts_down(void **state)
{
	dnsp_cache_t *c = *state;
	struct answer a;
	assert_int_equal(insert_a(c, "www.example.", 0, 300, 1000, 10), 1);
	lookup(c, "www.example.", DNSP_T_A, 0, 1100, &a);
	assert_int_equal(a.hit, 1);
	assert_int_equal(a.first_ttl, 200);
	lookup(c, "www.example.", DNSP_T_A, 0, 1299, &a);
	assert_int_equal(a.first_ttl, 1);
}

/* An entry is gone when its shortest TTL has run out. */
static void test_expiry(void **state)
{
	dnsp_cache_t *c = *state;
	struct answer a;
	assert_int_equal(insert_a(c, "www.example.", 0, 300, 1000, 10), 1);
	lookup(c, "www.example.", DNSP_T_A, 0, 1300, &a);
	assert_int_equal(a.hit, 0);
	assert_false(a.res.stale_available); /* serve-stale is off by default */
	assert_int_equal(dnsp_cache_maintain(c, 1300, 100), 1);
	struct dnsp_cache_stats st;
	dnsp_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
}

/* RFC 2308 §5: a negative answer lives min(SOA TTL, SOA MINIMUM) and is
 * answered with its rcode and the SOA in the authority section. */
static void test_negative_nxdomain(void **state)
{
	dnsp_cache_t *c = *state;
	uint8_t n[DNSP_NAME_MAX], apex[DNSP_NAME_MAX];
	name_wire("nope.example.", n);
	name_wire("example.", apex);
	struct dnsp_cache_rr rr = { .owner = apex, .type = DNSP_T_SOA, .rclass = 1, .ttl = 3600,
				    .rdata = soa_rdata, .rdlen = sizeof(soa_rdata),
				    .section = DNSP_SEC_AUTHORITY };
	struct dnsp_cache_key k = { .qname = n, .qtype = DNSP_T_A, .qclass = 1 };
	assert_int_equal(dnsp_cache_insert(c, &k, DNSP_RCODE_NXDOMAIN, &rr, 1, 1000), 1);
	struct answer a;
	lookup(c, "nope.example.", DNSP_T_A, 0, 1010, &a);
	assert_int_equal(a.hit, 1);
	assert_int_equal(a.res.rcode, DNSP_RCODE_NXDOMAIN);
	assert_int_equal(a.an, 0);
	assert_int_equal(a.ns, 1);
	assert_int_equal(a.first_ttl, 50); /* MINIMUM 60, 10 s elapsed */
	lookup(c, "nope.example.", DNSP_T_A, 0, 1060, &a);
	assert_int_equal(a.hit, 0);
}

/* RFC 2308 §5: without an SOA a negative answer is not cached. */
static void test_negative_without_soa_not_cached(void **state)
{
	dnsp_cache_t *c = *state;
	uint8_t n[DNSP_NAME_MAX];
	name_wire("nope.example.", n);
	struct dnsp_cache_key k = { .qname = n, .qtype = DNSP_T_A, .qclass = 1 };
	assert_int_equal(dnsp_cache_insert(c, &k, DNSP_RCODE_NXDOMAIN, NULL, 0, 1000), 0);
	/* NODATA (NOERROR, no record of the type) without SOA neither. */
	uint8_t rd[16] = { 0x20, 1, 0xd, 0xb8 };
	struct dnsp_cache_rr rr = { .type = DNSP_T_AAAA, .rclass = 1, .ttl = 60, .rdata = rd,
				    .rdlen = 16, .section = DNSP_SEC_ANSWER };
	assert_int_equal(dnsp_cache_insert(c, &k, DNSP_RCODE_NOERROR, &rr, 1, 1000), 0);
	struct answer a;
	lookup(c, "nope.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.hit, 0);
}

/* The configured caps bound positive and negative TTLs; TTL 0 is never
 * cached (RFC 1035 §3.2.1: use for this transaction only). */
static void test_ttl_caps(void **state)
{
	dnsp_cache_t *c = *state;
	struct dnsp_cache_limits l;
	dnsp_cache_limits_default(&l);
	l.max_ttl = 100;
	l.min_ttl = 30;
	l.max_negative_ttl = 20;
	dnsp_cache_set_limits(c, &l);
	struct answer a;
	assert_int_equal(insert_a(c, "big.example.", 0, 100000, 1000, 1), 1);
	lookup(c, "big.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.first_ttl, 100);
	assert_int_equal(insert_a(c, "small.example.", 0, 5, 1000, 1), 1);
	lookup(c, "small.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.first_ttl, 30);

	uint8_t n[DNSP_NAME_MAX], apex[DNSP_NAME_MAX];
	name_wire("nope.example.", n);
	name_wire("example.", apex);
	struct dnsp_cache_rr rr = { .owner = apex, .type = DNSP_T_SOA, .rclass = 1, .ttl = 3600,
				    .rdata = soa_rdata, .rdlen = sizeof(soa_rdata),
				    .section = DNSP_SEC_AUTHORITY };
	struct dnsp_cache_key k = { .qname = n, .qtype = DNSP_T_A, .qclass = 1 };
	assert_int_equal(dnsp_cache_insert(c, &k, DNSP_RCODE_NXDOMAIN, &rr, 1, 1000), 1);
	lookup(c, "nope.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.first_ttl, 20);

	l.min_ttl = 0;
	dnsp_cache_set_limits(c, &l);
	assert_int_equal(insert_a(c, "zero.example.", 0, 0, 1000, 1), 0);
	lookup(c, "zero.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.hit, 0);
}

/* A newer answer replaces the old one under the same key. */
static void test_replace(void **state)
{
	dnsp_cache_t *c = *state;
	struct answer a;
	assert_int_equal(insert_a(c, "www.example.", 0, 300, 1000, 10), 1);
	assert_int_equal(insert_a(c, "www.example.", 0, 300, 1001, 11), 1);
	lookup(c, "www.example.", DNSP_T_A, 0, 1001, &a);
	assert_int_equal(a.buf[a.len - 1], 11);
	struct dnsp_cache_stats st;
	dnsp_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.replaced, 1);
}

/* Memory stays within max_bytes; CLOCK gives a referenced entry a second
 * chance, so a recently used entry outlives an unused older one. */
static void test_eviction_clock(void **state)
{
	dnsp_cache_t *c = *state;
	assert_int_equal(insert_a(c, "e0.example.", 0, 300, 1000, 0), 1);
	struct dnsp_cache_stats st;
	dnsp_cache_get_stats(c, &st);
	uint64_t one = st.bytes;
	struct dnsp_cache_limits l;
	dnsp_cache_limits_default(&l);
	l.max_bytes = 4 * one + one / 2; /* room for four */
	dnsp_cache_set_limits(c, &l);
	for (int i = 1; i < 4; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "e%d.example.", i);
		assert_int_equal(insert_a(c, nm, 0, 300, 1000, (uint8_t)i), 1);
	}
	struct answer a;
	lookup(c, "e0.example.", DNSP_T_A, 0, 1000, &a); /* reference e0 */
	assert_int_equal(a.hit, 1);
	assert_int_equal(insert_a(c, "e4.example.", 0, 300, 1000, 4), 1);
	dnsp_cache_get_stats(c, &st);
	assert_true(st.bytes <= l.max_bytes);
	assert_int_equal(st.evicted, 1);
	lookup(c, "e0.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.hit, 1); /* second chance */
	lookup(c, "e1.example.", DNSP_T_A, 0, 1000, &a);
	assert_int_equal(a.hit, 0); /* oldest unreferenced: evicted */
	/* A long run stays within budget. */
	for (int i = 5; i < 200; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "e%d.example.", i);
		assert_int_equal(insert_a(c, nm, 0, 300, 1000, (uint8_t)i), 1);
		dnsp_cache_get_stats(c, &st);
		assert_true(st.bytes <= l.max_bytes);
	}
}

/* RFC 8767: an expired entry within the stale window is reported on a
 * miss and answered by the slow path with the stale TTL (30 s). */
static void test_serve_stale(void **state)
{
	dnsp_cache_t *c = *state;
	struct dnsp_cache_limits l;
	dnsp_cache_limits_default(&l);
	l.stale_ttl = 100;
	dnsp_cache_set_limits(c, &l);
	assert_int_equal(insert_a(c, "www.example.", 0, 60, 1000, 10), 1);
	struct answer a;
	lookup(c, "www.example.", DNSP_T_A, 0, 1070, &a);
	assert_int_equal(a.hit, 0);
	assert_true(a.res.stale_available);

	uint16_t ql = make_query(a.buf, "www.example.", DNSP_T_A, false);
	struct dnsp_query q;
	assert_int_equal(dnsp_pkt_parse_query(a.buf, ql, &q), 0);
	struct dnsp_resp r;
	dnsp_resp_init(&r, a.buf, sizeof(a.buf), 512, &q);
	struct dnsp_cache_key k = { .qname = q.qname, .qtype = DNSP_T_A, .qclass = 1 };
	assert_int_equal(dnsp_cache_answer_stale(c, &k, 1070, &r, &a.res), 1);
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(rd32(a.buf + q.question_end + 6), 30);
	assert_int_equal(a.buf[len - 1], 10);
	/* Past the window: nothing. */
	lookup(c, "www.example.", DNSP_T_A, 0, 1160, &a);
	assert_false(a.res.stale_available);
}

/* Serve-stale asked for an entry that is fresh again (refreshed while the
 * caller's own resolution failed): cache.h "same as dnsp_cache_answer" —
 * the fresh records with their counted-down TTL, not a miss. */
static void test_stale_call_on_fresh_entry(void **state)
{
	dnsp_cache_t *c = *state;
	struct dnsp_cache_limits l;
	dnsp_cache_limits_default(&l);
	l.stale_ttl = 100;
	dnsp_cache_set_limits(c, &l);
	assert_int_equal(insert_a(c, "www.example.", 0, 60, 1000, 10), 1);
	struct answer a;
	uint16_t ql = make_query(a.buf, "www.example.", DNSP_T_A, false);
	struct dnsp_query q;
	assert_int_equal(dnsp_pkt_parse_query(a.buf, ql, &q), 0);
	struct dnsp_resp r;
	dnsp_resp_init(&r, a.buf, sizeof(a.buf), 512, &q);
	struct dnsp_cache_key k = { .qname = q.qname, .qtype = DNSP_T_A, .qclass = 1 };
	assert_int_equal(dnsp_cache_answer_stale(c, &k, 1020, &r, &a.res), 1);
	assert_int_equal(a.res.records, 1);
	uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
	assert_int_equal(rd32(a.buf + q.question_end + 6), 40);
	assert_int_equal(a.buf[len - 1], 10);
}

/* Prefetch: a hit with less than 10% of the TTL left asks for a refresh,
 * once. */
static void test_prefetch_once(void **state)
{
	dnsp_cache_t *c = *state;
	assert_int_equal(insert_a(c, "www.example.", 0, 100, 1000, 10), 1);
	struct answer a;
	lookup(c, "www.example.", DNSP_T_A, 0, 1050, &a);
	assert_false(a.res.prefetch);
	lookup(c, "www.example.", DNSP_T_A, 0, 1095, &a);
	assert_true(a.res.prefetch);
	lookup(c, "www.example.", DNSP_T_A, 0, 1096, &a);
	assert_false(a.res.prefetch);
}

/* RFC 7871 §7.3.1: an answer scoped to a /24 serves that subnet only; a
 * scope-0 answer serves every client; non-ECS lookups never see either. */
static void test_ecs_scope(void **state)
{
	dnsp_cache_t *c = *state;
	uint8_t n[DNSP_NAME_MAX];
	name_wire("geo.example.", n);
	uint8_t rd[4] = { 203, 0, 113, 1 };
	struct dnsp_cache_rr rr = { .type = DNSP_T_A, .rclass = 1, .ttl = 300, .rdata = rd,
				    .rdlen = 4, .section = DNSP_SEC_ANSWER };
	struct dnsp_cache_key k = { .qname = n, .qtype = DNSP_T_A, .qclass = 1, .ecs = true,
				    .ecs_family = 1, .ecs_scope = 24,
				    .ecs_addr = { 192, 0, 2, 77 } };
	assert_int_equal(dnsp_cache_insert(c, &k, 0, &rr, 1, 1000), 1);

	struct answer a;
	uint16_t ql = make_query(a.buf, "geo.example.", DNSP_T_A, false);
	struct dnsp_query q;
	assert_int_equal(dnsp_pkt_parse_query(a.buf, ql, &q), 0);
	struct dnsp_resp r;
	struct dnsp_cache_key lk = { .qname = n, .qtype = DNSP_T_A, .qclass = 1, .ecs = true,
				     .ecs_family = 1, .ecs_addr = { 192, 0, 2, 200 } };
	dnsp_resp_init(&r, a.buf, sizeof(a.buf), 512, &q);
	assert_int_equal(dnsp_cache_answer(c, &lk, 1000, &r, &a.res), 1);
	assert_int_equal(a.res.ecs_scope, 24);
	uint8_t other[16] = { 198, 51, 100, 1 };
	memcpy(lk.ecs_addr, other, 16);
	dnsp_resp_init(&r, a.buf, sizeof(a.buf), 512, &q);
	assert_int_equal(dnsp_cache_answer(c, &lk, 1000, &r, &a.res), 0);
	struct dnsp_cache_key plain = { .qname = n, .qtype = DNSP_T_A, .qclass = 1 };
	dnsp_resp_init(&r, a.buf, sizeof(a.buf), 512, &q);
	assert_int_equal(dnsp_cache_answer(c, &plain, 1000, &r, &a.res), 0);

	/* Scope 0: valid for all ECS clients. */
	uint8_t n2[DNSP_NAME_MAX];
	name_wire("any.example.", n2);
	k.qname = n2;
	k.ecs_scope = 0;
	assert_int_equal(dnsp_cache_insert(c, &k, 0, &rr, 1, 1000), 1);
	lk.qname = n2;
	ql = make_query(a.buf, "any.example.", DNSP_T_A, false);
	assert_int_equal(dnsp_pkt_parse_query(a.buf, ql, &q), 0);
	dnsp_resp_init(&r, a.buf, sizeof(a.buf), 512, &q);
	assert_int_equal(dnsp_cache_answer(c, &lk, 1000, &r, &a.res), 1);
	assert_int_equal(a.res.ecs_scope, 0);
}

/* Records owned by the qname are written as a pointer to the question,
 * so the client's case survives (RFC 4343); chain targets keep their own
 * names; sections stay in order. */
static void test_chain_and_client_case(void **state)
{
	dnsp_cache_t *c = *state;
	uint8_t n[DNSP_NAME_MAX], t[DNSP_NAME_MAX];
	name_wire("www.example.", n);
	name_wire("cdn.example.net.", t);
	uint8_t rd[4] = { 192, 0, 2, 9 };
	struct dnsp_cache_rr rrs[2] = {
		{ .owner = NULL, .type = DNSP_T_CNAME, .rclass = 1, .ttl = 600, .rdata = t,
		  .rdlen = (uint16_t)dnsp_name_len(t), .section = DNSP_SEC_ANSWER },
		{ .owner = t, .type = DNSP_T_A, .rclass = 1, .ttl = 60, .rdata = rd, .rdlen = 4,
		  .section = DNSP_SEC_ANSWER },
	};
	struct dnsp_cache_key k = { .qname = n, .qtype = DNSP_T_A, .qclass = 1 };
	assert_int_equal(dnsp_cache_insert(c, &k, 0, rrs, 2, 1000), 1);
	struct answer a;
	lookup(c, "WwW.ExAmPlE.", DNSP_T_A, 0, 1010, &a);
	assert_int_equal(a.hit, 1);
	assert_int_equal(a.an, 2);
	assert_int_equal(a.first_ttl, 590);   /* per-record countdown */
	assert_memory_equal(a.buf + 12, "\3WwW\7ExAmPlE", 12);
	/* expires with its shortest TTL */
	lookup(c, "www.example.", DNSP_T_A, 0, 1060, &a);
	assert_int_equal(a.hit, 0);
}

/* ---------------------------------------------- concurrent QSBR readers */

struct reader_arg {
	dnsp_cache_t *c;
	volatile int *stop;
	uint64_t hits, checked;
	int bad;
};

static void *reader(void *p)
{
	struct reader_arg *ra = p;
	rcu_register_thread();
	uint8_t buf[1024];
	for (uint32_t it = 0; !__atomic_load_n(ra->stop, __ATOMIC_ACQUIRE) && it < 2000000; it++) {
		char nm[32];
		unsigned id = it % 64;
		snprintf(nm, sizeof(nm), "k%u.example.", id);
		uint16_t ql = make_query(buf, nm, DNSP_T_A, false);
		struct dnsp_query q;
		if (dnsp_pkt_parse_query(buf, ql, &q) != 0) {
			ra->bad++;
			break;
		}
		struct dnsp_resp r;
		dnsp_resp_init(&r, buf, sizeof(buf), 512, &q);
		struct dnsp_cache_key k = { .qname = q.qname, .qtype = DNSP_T_A, .qclass = 1 };
		struct dnsp_cache_result res;
		if (dnsp_cache_answer(ra->c, &k, 1000, &r, &res) > 0) {
			uint16_t len = dnsp_resp_finish(&r, &q, 1232, 0);
			ra->hits++;
			/* the record's last octet encodes the key: never another's */
			if (res.records != 1 || buf[len - 1] != (uint8_t)id)
				ra->bad++;
			ra->checked++;
		}
		if ((it & 63) == 0)
			rcu_quiescent_state();
	}
	rcu_unregister_thread();
	return NULL;
}

/* Workers read lock-free while the one writer inserts, replaces and evicts
 * (TOOLCHAIN §4 pattern: QSBR readers, call_rcu frees). Bounded run. */
static void test_concurrent_readers(void **state)
{
	dnsp_cache_t *c = *state;
	struct dnsp_cache_stats st;
	assert_int_equal(insert_a(c, "k0.example.", 0, 300, 1000, 0), 1);
	dnsp_cache_get_stats(c, &st);
	struct dnsp_cache_limits l;
	dnsp_cache_limits_default(&l);
	l.max_bytes = 24 * st.bytes; /* 64 keys, room for 24: constant eviction */
	dnsp_cache_set_limits(c, &l);
	volatile int stop = 0;
	struct reader_arg ra[2] = { { .c = c, .stop = &stop }, { .c = c, .stop = &stop } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &ra[i]), 0);
	for (int i = 0; i < 20000; i++) {
		char nm[32];
		unsigned id = (unsigned)(i * 7) % 64;
		snprintf(nm, sizeof(nm), "k%u.example.", id);
		assert_int_equal(insert_a(c, nm, 0, 300, 1000, (uint8_t)id), 1);
		if ((i & 255) == 0)
			rcu_quiescent_state();
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	rcu_thread_offline();
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	rcu_thread_online();
	dnsp_cache_get_stats(c, &st);
	assert_true(st.bytes <= l.max_bytes);
	assert_true(st.evicted > 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(ra[i].bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_after_insert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miss_and_tag_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_counts_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_nxdomain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_without_soa_not_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serve_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_call_on_fresh_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefetch_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecs_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_and_client_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_readers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
