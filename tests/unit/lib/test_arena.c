/*
 * Unit tests for the snapshot arena (lib/arena.h): zeroed, aligned memory,
 * large allocations, accounting, and destroy releasing everything (ASan
 * builds check the last one for leaks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "lib/arena.h"

/* Contract: memory is zeroed and aligned as asked. */
static void test_arena_zeroed_and_aligned(void **state)
{
	(void)state;
	dnsp_arena_t *a;
	assert_int_equal(dnsp_arena_create(&a), 0);
	for (int i = 0; i < 1000; i++) {
		size_t align = (size_t)1 << (i % 12);
		uint8_t *p = dnsp_arena_alloc_aligned(a, (size_t)(i % 97) + 1, align);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % align, 0);
		for (int j = 0; j < i % 97 + 1; j++)
			assert_int_equal(p[j], 0);
		memset(p, 0xAB, (size_t)(i % 97) + 1);
	}
	uint8_t *q = dnsp_arena_alloc(a, 24);
	assert_int_equal((uintptr_t)q % 16, 0);
	dnsp_arena_destroy(a);
}

/* Contract: allocations larger than a chunk work and keep the current
 * chunk's tail usable; used() counts bytes handed out. */
static void test_arena_large_and_accounting(void **state)
{
	(void)state;
	dnsp_arena_t *a;
	assert_int_equal(dnsp_arena_create(&a), 0);
	void *small = dnsp_arena_alloc(a, 100);
	uint8_t *big = dnsp_arena_alloc(a, 5u << 20);
	assert_non_null(small);
	assert_non_null(big);
	big[(5u << 20) - 1] = 1;
	void *small2 = dnsp_arena_alloc(a, 100);
	assert_non_null(small2);
	/* small2 came from the first chunk, right after small */
	assert_true((uint8_t *)small2 > (uint8_t *)small &&
		    (uint8_t *)small2 < (uint8_t *)small + 4096);
	assert_true(dnsp_arena_used(a) >= (5u << 20) + 200);
	assert_true(dnsp_arena_reserved(a) >= dnsp_arena_used(a));
	char *s = dnsp_arena_strdup(a, "example.com.");
	assert_string_equal(s, "example.com.");
	dnsp_arena_destroy(a);
	dnsp_arena_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_zeroed_and_aligned),
		cmocka_unit_test(test_arena_large_and_accounting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
