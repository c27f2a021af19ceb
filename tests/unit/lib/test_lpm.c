/*
 * Unit tests for lib/lpm.c: the 8-bit-stride longest-prefix-match trie.
 * Each test checks one rule of the contract in lib/lpm.h (longest prefix
 * wins, the matched length is reported, re-adding replaces, families are
 * separate, lengths need not be byte aligned), and a randomized test checks
 * the compiled trie against a brute-force linear scan with a fixed seed.
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

/* ---- randomized comparison against a linear scan ---- */

struct ref_prefix {
	int family;
	uint8_t addr[16];
	int plen;
	uint32_t value;
};

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic across platforms. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

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
		cmocka_unit_test_setup_teardown(test_random_against_linear_scan, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
