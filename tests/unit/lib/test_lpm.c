/*
 * Unit tests for lib/lpm.c: the compressed (bitmap and popcount) multibit
 * trie for longest-prefix match. Each test checks one rule of the contract
 * in lib/lpm.h (longest prefix wins, the matched length is reported,
 * re-adding replaces, families are separate, lengths need not be aligned to
 * any stride, memory is the arena bytes and stays compact), and randomized
 * tests check the compiled trie against brute-force references with fixed
 * seeds, at table sizes that give each of its first-level widths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lpm.h"

struct fixture {
	dnsp_arena_t *arena;
	dnsp_lpm_builder_t *b;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || dnsp_arena_create(&f->arena) < 0 || dnsp_lpm_builder_create(&f->b) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dnsp_lpm_builder_destroy(f->b);
	dnsp_arena_destroy(f->arena);
	free(f);
	return 0;
}

static void v4(uint8_t out[4], const char *dotted)
{
	unsigned a, b, c, d;

	assert_int_equal(sscanf(dotted, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	out[0] = (uint8_t)a;
	out[1] = (uint8_t)b;
	out[2] = (uint8_t)c;
	out[3] = (uint8_t)d;
}

static void add4(dnsp_lpm_builder_t *b, const char *dotted, int plen, uint32_t value)
{
	uint8_t a[4];

	v4(a, dotted);
	assert_int_equal(dnsp_lpm_builder_add(b, 4, a, plen, value), 0);
}

static uint32_t look4(const dnsp_lpm_t *t, const char *dotted, int *plen)
{
	uint8_t a[4];

	v4(a, dotted);
	return dnsp_lpm_lookup(t, 4, a, plen);
}

static const dnsp_lpm_t *compile(struct fixture *f)
{
	const dnsp_lpm_t *t = NULL;

	assert_int_equal(dnsp_lpm_compile(f->b, f->arena, &t), 0);
	assert_non_null(t);
	return t;
}

/* An empty table matches nothing and reports length 0. */
static void test_empty_table_matches_nothing(void **state)
{
	struct fixture *f = *state;
	const dnsp_lpm_t *t = compile(f);
	uint8_t a6[16];
	int plen = -1;

	assert_int_equal(look4(t, "10.1.2.3", &plen), DNSP_LPM_NONE);
	assert_int_equal(plen, 0);
	memset(a6, 0xab, sizeof(a6));
	plen = -1;
	assert_int_equal(dnsp_lpm_lookup(t, 6, a6, &plen), DNSP_LPM_NONE);
	assert_int_equal(plen, 0);
	assert_true(dnsp_lpm_memory(t) > 0);
}

/* 0.0.0.0/0 and ::/0 match every address of their family, with plen 0. */
static void test_default_route_matches_everything(void **state)
{
	struct fixture *f = *state;
	uint8_t z[16] = {0}, a6[16];
	int plen = -1;

	assert_int_equal(dnsp_lpm_builder_add(f->b, 4, z, 0, 40), 0);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 6, z, 0, 60), 0);
	const dnsp_lpm_t *t = compile(f);

	assert_int_equal(look4(t, "0.0.0.0", &plen), 40);
	assert_int_equal(plen, 0);
	assert_int_equal(look4(t, "255.255.255.255", NULL), 40);
	assert_int_equal(look4(t, "192.0.2.77", NULL), 40);
	memset(a6, 0xff, sizeof(a6));
	assert_int_equal(dnsp_lpm_lookup(t, 6, a6, &plen), 60);
	assert_int_equal(plen, 0);
	assert_int_equal(dnsp_lpm_lookup(t, 6, z, NULL), 60);
}

/* Nested prefixes: the longest one containing the address wins. */
static void test_nested_prefixes_longest_wins(void **state)
{
	struct fixture *f = *state;
	int plen;

	/* Added longest first to show that insertion order does not matter. */
	add4(f->b, "10.1.2.3", 32, 4);
	add4(f->b, "10.1.2.0", 24, 3);
	add4(f->b, "10.1.0.0", 16, 2);
	add4(f->b, "10.0.0.0", 8, 1);
	const dnsp_lpm_t *t = compile(f);

	assert_int_equal(look4(t, "10.1.2.3", &plen), 4);
	assert_int_equal(plen, 32);
	assert_int_equal(look4(t, "10.1.2.4", &plen), 3);
	assert_int_equal(plen, 24);
	assert_int_equal(look4(t, "10.1.3.3", &plen), 2);
	assert_int_equal(plen, 16);
	assert_int_equal(look4(t, "10.2.2.3", &plen), 1);
	assert_int_equal(plen, 8);
	assert_int_equal(look4(t, "11.1.2.3", &plen), DNSP_LPM_NONE);
	assert_int_equal(plen, 0);
}

/* The matched prefix length is returned (the ECS scope, RFC 7871 §7.2.1),
 * also when two prefixes share a value. */
static void test_matched_prefix_length_is_returned(void **state)
{
	struct fixture *f = *state;
	int plen;

	add4(f->b, "192.0.2.0", 24, 7);
	add4(f->b, "192.0.2.128", 25, 7);
	add4(f->b, "198.51.100.0", 22, 7);
	const dnsp_lpm_t *t = compile(f);

	assert_int_equal(look4(t, "192.0.2.1", &plen), 7);
	assert_int_equal(plen, 24);
	assert_int_equal(look4(t, "192.0.2.200", &plen), 7);
	assert_int_equal(plen, 25);
	assert_int_equal(look4(t, "198.51.103.9", &plen), 7);
	assert_int_equal(plen, 22);
	/* A NULL plen pointer is allowed. */
	assert_int_equal(look4(t, "192.0.2.1", NULL), 7);
}

/* Re-adding the same prefix replaces its value (also when written with
 * host bits set, which are ignored). */
static void test_readding_prefix_replaces_value(void **state)
{
	struct fixture *f = *state;
	int plen;

	add4(f->b, "172.16.0.0", 12, 1);
	add4(f->b, "172.16.0.0", 12, 2);
	add4(f->b, "172.31.255.255", 12, 3);
	add4(f->b, "172.16.5.0", 24, 9);
	add4(f->b, "172.16.5.0", 24, 10);
	const dnsp_lpm_t *t = compile(f);

	assert_int_equal(look4(t, "172.20.1.1", &plen), 3);
	assert_int_equal(plen, 12);
	assert_int_equal(look4(t, "172.16.5.5", &plen), 10);
	assert_int_equal(plen, 24);
}

/* Lengths that are not multiples of the 8-bit stride expand correctly:
 * the boundary addresses on both sides are checked. */
static void test_non_byte_aligned_lengths(void **state)
{
	struct fixture *f = *state;
	uint8_t p6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x80};
	uint8_t a6[16];
	int plen;

	add4(f->b, "10.128.0.0", 9, 9);
	add4(f->b, "10.128.128.0", 17, 17);
	add4(f->b, "10.128.130.0", 23, 23);
	add4(f->b, "10.128.130.6", 31, 31);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 6, p6, 57, 57), 0);
	const dnsp_lpm_t *t = compile(f);

	assert_int_equal(look4(t, "10.127.255.255", NULL), DNSP_LPM_NONE);
	assert_int_equal(look4(t, "10.128.0.0", &plen), 9);
	assert_int_equal(plen, 9);
	assert_int_equal(look4(t, "10.255.255.255", NULL), 9);
	assert_int_equal(look4(t, "11.0.0.0", NULL), DNSP_LPM_NONE);
	assert_int_equal(look4(t, "10.128.127.255", NULL), 9);
	assert_int_equal(look4(t, "10.128.128.0", &plen), 17);
	assert_int_equal(plen, 17);
	assert_int_equal(look4(t, "10.128.255.255", NULL), 17);
	assert_int_equal(look4(t, "10.128.129.255", NULL), 17);
	assert_int_equal(look4(t, "10.128.130.0", &plen), 23);
	assert_int_equal(plen, 23);
	assert_int_equal(look4(t, "10.128.131.255", NULL), 23);
	assert_int_equal(look4(t, "10.128.132.0", NULL), 17);
	assert_int_equal(look4(t, "10.128.130.5", NULL), 23);
	assert_int_equal(look4(t, "10.128.130.6", &plen), 31);
	assert_int_equal(plen, 31);
	assert_int_equal(look4(t, "10.128.130.7", NULL), 31);
	assert_int_equal(look4(t, "10.128.130.8", NULL), 23);

	/* /57: byte 7 keeps its top bit (0x80..0xff match, 0x00..0x7f do not). */
	memcpy(a6, p6, sizeof(a6));
	a6[7] = 0xff;
	memset(a6 + 8, 0xee, 8);
	assert_int_equal(dnsp_lpm_lookup(t, 6, a6, &plen), 57);
	assert_int_equal(plen, 57);
	a6[7] = 0x80;
	assert_int_equal(dnsp_lpm_lookup(t, 6, a6, NULL), 57);
	a6[7] = 0x7f;
	assert_int_equal(dnsp_lpm_lookup(t, 6, a6, NULL), DNSP_LPM_NONE);
}

/* An IPv4 prefix never matches an IPv6 address with the same leading
 * bytes, and the reverse. */
static void test_families_are_isolated(void **state)
{
	struct fixture *f = *state;
	uint8_t a[16] = {10, 1, 2, 3};
	uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8};
	int plen;

	assert_int_equal(dnsp_lpm_builder_add(f->b, 4, a, 8, 4), 0);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 6, b6, 32, 6), 0);
	const dnsp_lpm_t *t = compile(f);

	assert_int_equal(dnsp_lpm_lookup(t, 4, a, &plen), 4);
	assert_int_equal(plen, 8);
	assert_int_equal(dnsp_lpm_lookup(t, 6, a, &plen), DNSP_LPM_NONE);
	assert_int_equal(plen, 0);
	assert_int_equal(dnsp_lpm_lookup(t, 6, b6, &plen), 6);
	assert_int_equal(plen, 32);
	assert_int_equal(dnsp_lpm_lookup(t, 4, b6, NULL), DNSP_LPM_NONE);
	/* An unknown family matches nothing. */
	assert_int_equal(dnsp_lpm_lookup(t, 5, a, &plen), DNSP_LPM_NONE);
	assert_int_equal(plen, 0);
}

/* Bad family, length or value are rejected with -EINVAL. */
static void test_invalid_arguments_rejected(void **state)
{
	struct fixture *f = *state;
	uint8_t a[16] = {0};

	assert_int_equal(dnsp_lpm_builder_add(f->b, 5, a, 8, 1), -EINVAL);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 4, a, 33, 1), -EINVAL);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 4, a, -1, 1), -EINVAL);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 6, a, 129, 1), -EINVAL);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 4, a, 8, DNSP_LPM_NONE), -EINVAL);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 4, NULL, 8, 1), -EINVAL);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 6, a, 128, 1), 0);
}

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic across platforms. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Compiles a default route (value 1) and p/len (value 2) for family and
 * flips each address bit of p in turn: inside the prefix the default
 * answers, past it the prefix still does. */
static void check_lone_prefix(dnsp_arena_t *arena, int family, const uint8_t *p, int len)
{
	static const uint8_t z[16];
	int nbits = family == 6 ? 128 : 32;
	dnsp_lpm_builder_t *b;
	const dnsp_lpm_t *t;

	assert_int_equal(dnsp_lpm_builder_create(&b), 0);
	assert_int_equal(dnsp_lpm_builder_add(b, family, z, 0, 1), 0);
	assert_int_equal(dnsp_lpm_builder_add(b, family, p, len, 2), 0);
	assert_int_equal(dnsp_lpm_compile(b, arena, &t), 0);
	dnsp_lpm_builder_destroy(b);
	for (int bit = 0; bit < nbits; bit++) {
		uint8_t a[16];
		int plen;

		memcpy(a, p, (size_t)nbits / 8);
		a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		uint32_t v = dnsp_lpm_lookup(t, family, a, &plen);
		uint32_t want = bit < len ? 1 : 2;
		int want_plen = bit < len ? 0 : len;
		if (v != want || plen != want_plen)
			fail_msg("IPv%d /%d, bit %d flipped: got %u/%d, want %u/%d", family, len,
				 bit, v, plen, want, want_plen);
	}
}

/* A prefix alone below a default route: addresses that differ from it in
 * any bit inside the prefix get the default, any bit past it still match.
 * Checked for lengths that end in the first and second 64-bit half of an
 * IPv6 address and at its very end, and for IPv4. */
static void test_lone_deep_prefix_boundaries(void **state)
{
	static const int lens6[] = {13, 40, 64, 65, 100, 127, 128};
	static const int lens4[] = {13, 25, 31, 32};
	struct fixture *f = *state;
	static const uint8_t p6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xaa, 0x55, 0x0f, 0xf0,
				       0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf1};
	static const uint8_t p4[4] = {198, 51, 100, 201};

	for (size_t k = 0; k < sizeof(lens6) / sizeof(lens6[0]); k++)
		check_lone_prefix(f->arena, 6, p6, lens6[k]);
	for (size_t k = 0; k < sizeof(lens4) / sizeof(lens4[0]); k++)
		check_lone_prefix(f->arena, 4, p4, lens4[k]);
}

/* Two host routes that differ only in the last bit, and their /127, need
 * nodes down to the last stride (which reaches past bit 128): each address
 * finds its own route. */
static void test_adjacent_host_routes(void **state)
{
	struct fixture *f = *state;
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
	uint8_t a4[4] = {192, 0, 2, 66};
	int plen;

	assert_int_equal(dnsp_lpm_builder_add(f->b, 6, a, 127, 127), 0);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 6, a, 128, 1280), 0);
	a[15] = 0x43;
	assert_int_equal(dnsp_lpm_builder_add(f->b, 6, a, 128, 1281), 0);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 4, a4, 31, 31), 0);
	assert_int_equal(dnsp_lpm_builder_add(f->b, 4, a4, 32, 320), 0);
	const dnsp_lpm_t *t = compile(f);

	assert_int_equal(dnsp_lpm_lookup(t, 6, a, &plen), 1281);
	assert_int_equal(plen, 128);
	a[15] = 0x42;
	assert_int_equal(dnsp_lpm_lookup(t, 6, a, &plen), 1280);
	assert_int_equal(plen, 128);
	a[15] = 0x41;
	assert_int_equal(dnsp_lpm_lookup(t, 6, a, &plen), DNSP_LPM_NONE);
	assert_int_equal(plen, 0);
	assert_int_equal(dnsp_lpm_lookup(t, 4, a4, &plen), 320);
	assert_int_equal(plen, 32);
	a4[3] = 67;
	assert_int_equal(dnsp_lpm_lookup(t, 4, a4, &plen), 31);
	assert_int_equal(plen, 31);
}

/* dnsp_lpm_memory() is exactly the arena memory the compile took. */
static void test_memory_is_arena_bytes(void **state)
{
	struct fixture *f = *state;
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};

	for (int i = 0; i < 3000; i++) {
		a[4] = (uint8_t)(i >> 8);
		a[5] = (uint8_t)i;
		assert_int_equal(dnsp_lpm_builder_add(f->b, 6, a, 48, (uint32_t)i), 0);
		assert_int_equal(dnsp_lpm_builder_add(f->b, 4, a, 24, (uint32_t)i), 0);
	}
	size_t before = dnsp_arena_used(f->arena);
	const dnsp_lpm_t *t = compile(f);

	assert_int_equal(dnsp_lpm_memory(t), dnsp_arena_used(f->arena) - before);
	assert_int_equal(dnsp_lpm_memory(NULL), 0);
}

/* Memory stays proportional to the prefixes, not to 256-entry tables: random
 * IPv4 /24s scattered over the whole space (a distinct value each, almost
 * one per 18-bit first-level slot) cost under 64 bytes per prefix, random
 * sparse IPv6 /48s (nothing shared below /16) under 120, and a table of one
 * prefix per family stays under 1 KiB. */
static void test_memory_is_compact(void **state)
{
	struct fixture *f = *state;
	enum { N4 = 100000, N6 = 20000 };
	dnsp_lpm_builder_t *b;
	const dnsp_lpm_t *t;
	uint8_t a[16] = {0};

	rng_state = 0x6d656d6f7279ULL;
	for (int i = 0; i < N4; i++) {
		for (int j = 0; j < 4; j++)
			a[j] = (uint8_t)rng();
		assert_int_equal(dnsp_lpm_builder_add(f->b, 4, a, 24, (uint32_t)i), 0);
	}
	t = compile(f);
	if (dnsp_lpm_memory(t) >= 64u * N4)
		fail_msg("IPv4: %zu bytes for %d prefixes", dnsp_lpm_memory(t), N4);

	assert_int_equal(dnsp_lpm_builder_create(&b), 0);
	for (int i = 0; i < N6; i++) {
		a[0] = 0x20;
		for (int j = 1; j < 16; j++)
			a[j] = (uint8_t)rng();
		assert_int_equal(dnsp_lpm_builder_add(b, 6, a, 48, (uint32_t)i), 0);
	}
	assert_int_equal(dnsp_lpm_compile(b, f->arena, &t), 0);
	dnsp_lpm_builder_destroy(b);
	if (dnsp_lpm_memory(t) >= 120u * N6)
		fail_msg("IPv6: %zu bytes for %d prefixes", dnsp_lpm_memory(t), N6);

	assert_int_equal(dnsp_lpm_builder_create(&b), 0);
	assert_int_equal(dnsp_lpm_builder_add(b, 4, a, 24, 1), 0);
	assert_int_equal(dnsp_lpm_builder_add(b, 6, a, 48, 2), 0);
	assert_int_equal(dnsp_lpm_compile(b, f->arena, &t), 0);
	dnsp_lpm_builder_destroy(b);
	if (dnsp_lpm_memory(t) >= 1024)
		fail_msg("two prefixes: %zu bytes", dnsp_lpm_memory(t));
}

/* ---- randomized comparison against a linear scan ---- */

struct ref_prefix {
	int family;
	uint8_t addr[16];
	int plen;
	uint32_t value;
};

static int prefix_covers(const struct ref_prefix *p, int family, const uint8_t *a)
{
	if (p->family != family)
		return 0;
	for (int bit = 0; bit < p->plen; bit++) {
		int mask = 0x80 >> (bit % 8);

		if ((p->addr[bit / 8] & mask) != (a[bit / 8] & mask))
			return 0;
	}
	return 1;
}

/* Longest covering prefix; among equal ones the last added (replacement). */
static uint32_t ref_lookup(const struct ref_prefix *ps, size_t n, int family, const uint8_t *a,
			   int *plen)
{
	uint32_t best = DNSP_LPM_NONE;

	*plen = 0;
	for (size_t i = 0; i < n; i++) {
		if (prefix_covers(&ps[i], family, a) &&
		    (best == DNSP_LPM_NONE || ps[i].plen >= *plen)) {
			best = ps[i].value;
			*plen = ps[i].plen;
		}
	}
	return best;
}

/* 10k random lookups agree with a brute-force scan over 2k random prefixes
 * of both families (addresses drawn near the prefixes so most lookups hit
 * deep, partially overlapping entries). */
static void test_random_against_linear_scan(void **state)
{
	struct fixture *f = *state;
	enum { NPREFIX = 2000, NLOOKUP = 10000 };
	struct ref_prefix *ps = calloc(NPREFIX, sizeof(*ps));

	assert_non_null(ps);
	rng_state = 0x5eed1234abcdULL;
	for (size_t i = 0; i < NPREFIX; i++) {
		struct ref_prefix *p = &ps[i];
		int len;

		p->family = (rng() % 4) ? 4 : 6;
		len = p->family == 4 ? 4 : 16;
		/* Few distinct leading bytes so prefixes nest and overlap. */
		for (int j = 0; j < len; j++)
			p->addr[j] = (uint8_t)(j < 2 ? rng() % 4 : rng());
		p->plen = (int)(rng() % (unsigned)(len * 8 + 1));
		p->value = rng() % 1000;
		for (int bit = p->plen; bit < len * 8; bit++)
			p->addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		if (i % 50 == 49) {
			/* Re-add an earlier prefix with a new value (replacement). */
			*p = ps[rng() % i];
			p->value = rng() % 1000;
		}
		assert_int_equal(dnsp_lpm_builder_add(f->b, p->family, p->addr, p->plen, p->value), 0);
	}
	const dnsp_lpm_t *t = compile(f);

	for (size_t i = 0; i < NLOOKUP; i++) {
		uint8_t a[16];
		int family = (rng() % 4) ? 4 : 6, len = family == 4 ? 4 : 16;
		int got_plen, want_plen;

		if (rng() % 2) {
			const struct ref_prefix *p = &ps[rng() % NPREFIX];

			memcpy(a, p->addr, sizeof(a));
			family = p->family;
			len = family == 4 ? 4 : 16;
			for (int bit = p->plen; bit < len * 8; bit++)
				if (rng() % 2)
					a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		} else {
			for (int j = 0; j < len; j++)
				a[j] = (uint8_t)(j < 2 ? rng() % 4 : rng());
		}
		uint32_t want = ref_lookup(ps, NPREFIX, family, a, &want_plen);
		uint32_t got = dnsp_lpm_lookup(t, family, a, &got_plen);
		if (got != want || got_plen != want_plen)
			fail_msg("lookup %zu family %d: got %u/%d want %u/%d", i, family, got, got_plen,
				 want, want_plen);
	}
	free(ps);
}

/* ---- randomized comparison against a per-length exact-match reference ----
 *
 * For tables too large for a linear scan per lookup: the reference keeps
 * every (family, length, masked address) in a hash set (a re-added prefix
 * overwrites its value) and looks an address up by trying each length from
 * the longest down, so it shares nothing with the trie. */

struct ref_slot {
	uint8_t used, family, plen;
	uint8_t addr[16];
	uint32_t value;
};

struct ref_set {
	struct ref_slot *slots;
	size_t mask;
	uint8_t has_len[2][129];  /* [family 4/6][plen]: any prefix of it? */
};

static void mask_addr(uint8_t *out, const uint8_t *a, int alen, int plen)
{
	for (int i = 0; i < alen; i++) {
		int keep = plen - i * 8;

		out[i] = keep >= 8 ? a[i] : keep <= 0 ? 0 : (uint8_t)(a[i] & (0xff << (8 - keep)));
	}
	for (int i = alen; i < 16; i++)
		out[i] = 0;
}

static struct ref_slot *ref_find(struct ref_set *r, int family, int plen, const uint8_t *a)
{
	uint8_t m[16];
	uint64_t h = 0xcbf29ce484222325ULL;

	mask_addr(m, a, family == 4 ? 4 : 16, plen);
	h = (h ^ (uint64_t)family) * 0x100000001b3ULL;
	h = (h ^ (uint64_t)plen) * 0x100000001b3ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ m[i]) * 0x100000001b3ULL;
	for (size_t i = (size_t)(h ^ h >> 29) & r->mask;; i = (i + 1) & r->mask) {
		struct ref_slot *s = &r->slots[i];

		if (!s->used) {
			s->family = (uint8_t)family;
			s->plen = (uint8_t)plen;
			memcpy(s->addr, m, 16);
			return s;
		}
		if (s->family == family && s->plen == plen && memcmp(s->addr, m, 16) == 0)
			return s;
	}
}

static uint32_t ref_set_lookup(struct ref_set *r, int family, const uint8_t *a, int *plen)
{
	for (int len = family == 4 ? 32 : 128; len >= 0; len--) {
		if (!r->has_len[family == 6][len])
			continue;
		struct ref_slot *s = ref_find(r, family, len, a);
		if (s->used) {
			*plen = len;
			return s->value;
		}
	}
	*plen = 0;
	return DNSP_LPM_NONE;
}

/*
 * Adds n random prefixes (share6 in 100 of them IPv6) to a fresh table and
 * compares nlookup lookups with the reference. Prefixes hang off a small
 * pool of base addresses so they nest and overlap; a third of them take a
 * length from a list of edge cases (0, 1, stride and byte boundaries, the
 * full address), the others one of 8 or more, so that short prefixes do
 * not cover the whole space and hide the default route; every 40th add re-adds an earlier prefix with a new value
 * and different host bits. Values come from a small range half the time so
 * that neighbouring leaves are often equal. Lookups are near a prefix (host
 * bits random, sometimes the last prefix bit flipped too), near a base, or
 * random.
 */
static void differential(struct fixture *f, size_t n, unsigned share6, uint64_t seed,
			 size_t nlookup)
{
	static const int edge[] = {0,  1,  7,  8,  9,  12, 18, 24,  31,
				   32, 33, 47, 48, 63, 64, 65, 127, 128};
	enum { NBASE = 64 };
	uint8_t bases[NBASE][16];
	struct ref_prefix *ps = calloc(n, sizeof(*ps));
	struct ref_set r = {0};
	size_t nslots = 16;

	assert_non_null(ps);
	while (nslots < 2 * n)
		nslots *= 2;
	r.slots = calloc(nslots, sizeof(*r.slots));
	assert_non_null(r.slots);
	r.mask = nslots - 1;
	rng_state = seed;
	for (int i = 0; i < NBASE; i++)
		for (int j = 0; j < 16; j++)
			bases[i][j] = (uint8_t)rng();

	for (size_t i = 0; i < n; i++) {
		struct ref_prefix *p = &ps[i];
		int maxlen, alen;

		if (i % 40 == 39) {
			/* Replacement: same prefix, new value, other host bits. */
			*p = ps[rng() % i];
			maxlen = p->family == 4 ? 32 : 128;
			for (int bit = p->plen; bit < maxlen; bit++)
				if (rng() % 2)
					p->addr[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		} else {
			p->family = rng() % 100 < share6 ? 6 : 4;
			maxlen = p->family == 4 ? 32 : 128;
			alen = maxlen / 8;
			memcpy(p->addr, bases[rng() % NBASE], 16);
			/* Diverge from the base after a random bit. */
			for (int bit = (int)(rng() % (unsigned)(maxlen + 1)); bit < maxlen; bit++)
				if (rng() % 2)
					p->addr[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
			do {
				p->plen = rng() % 3 == 0 ? edge[rng() % (sizeof(edge) / sizeof(edge[0]))]
							 : 8 + (int)(rng() % (unsigned)(maxlen - 7));
			} while (p->plen > maxlen);
			/* /1s only in the low half: the high half of the space is
			 * left to the default route and longer prefixes. */
			if (p->plen == 1)
				p->addr[0] &= 0x7f;
			for (int j = alen; j < 16; j++)
				p->addr[j] = 0;
		}
		p->value = rng() % 2 ? rng() % 4 : rng() % 100000;
		assert_int_equal(dnsp_lpm_builder_add(f->b, p->family, p->addr, p->plen, p->value), 0);
		ref_find(&r, p->family, p->plen, p->addr)->used = 1;
		ref_find(&r, p->family, p->plen, p->addr)->value = p->value;
		r.has_len[p->family == 6][p->plen] = 1;
	}
	const dnsp_lpm_t *t = compile(f);

	for (size_t i = 0; i < nlookup; i++) {
		uint8_t a[16] = {0};
		int family = rng() % 100 < share6 ? 6 : 4, alen;
		unsigned how = rng() % 4;
		int got_plen, want_plen;

		if (how < 2) {
			const struct ref_prefix *p = &ps[rng() % n];
			int maxlen;

			family = p->family;
			maxlen = family == 4 ? 32 : 128;
			memcpy(a, p->addr, sizeof(a));
			for (int bit = p->plen; bit < maxlen; bit++)
				if (rng() % 2)
					a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
			if (how == 1 && p->plen > 0)
				a[(p->plen - 1) / 8] ^= (uint8_t)(0x80 >> ((p->plen - 1) % 8));
		} else {
			alen = family == 4 ? 4 : 16;
			memcpy(a, bases[rng() % NBASE], (size_t)alen);
			for (int j = how == 2 ? alen / 2 : 0; j < alen; j++)
				a[j] = (uint8_t)rng();
		}
		uint32_t want = ref_set_lookup(&r, family, a, &want_plen);
		uint32_t got = dnsp_lpm_lookup(t, family, a, &got_plen);
		if (got != want || got_plen != want_plen)
			fail_msg("n %zu lookup %zu family %d: got %u/%d want %u/%d", n, i, family, got,
				 got_plen, want, want_plen);
	}
	free(r.slots);
	free(ps);
}

/* Few prefixes per family: the smallest first level. */
static void test_differential_small_tables(void **state)
{
	differential(*state, 700, 50, 0x1111aaaa2222bbbbULL, 20000);
}

/* Thousands per family: the middle first level. */
static void test_differential_medium_tables(void **state)
{
	differential(*state, 8000, 50, 0x3333cccc4444ddddULL, 20000);
}

/* Over 64k IPv4 prefixes: the widest first level for IPv4. */
static void test_differential_large_ipv4(void **state)
{
	differential(*state, 70000, 3, 0x5555eeee6666ffffULL, 20000);
}

/* Over 64k IPv6 prefixes: the widest first level for IPv6. */
static void test_differential_large_ipv6(void **state)
{
	differential(*state, 70000, 97, 0x7777000088881111ULL, 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_table_matches_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_route_matches_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_prefixes_longest_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matched_prefix_length_is_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readding_prefix_replaces_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_byte_aligned_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_families_are_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_arguments_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lone_deep_prefix_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjacent_host_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_is_arena_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_is_compact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_linear_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differential_small_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differential_medium_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differential_large_ipv4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differential_large_ipv6, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
